/*
 * test_sheets_csv.c - delimited text: RFC 4180 quoting, quoted newlines,
 * delimiter and charset detection (BOM, UTF-16, GB18030), Excel-like
 * leniency, a clear error for a quote that never closes, and writing
 * fields that read back the same.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "modules/sheets/csv.h"

/* Collect fields as "row,col=text|" into a buffer. */
static int collect(const struct csv_field *f, void *arg)
{
	struct buf *b = arg;

	buf_printf(b, "%ld,%ld%s=%.*s|", f->row, f->col, f->quoted ? "q" : "", (int)f->len,
		   f->text);
	return 0;
}

static char *read_all(const char *data, size_t len, char delim, const char *charset,
		      char *used_delim, const char **used_cs, int *rc, struct err *e)
{
	struct csv_opts o = { delim, charset };
	struct buf b;

	buf_init(&b);
	*rc = csv_read(data, len, &o, collect, &b, used_delim, used_cs, e);
	return buf_detach(&b);
}

static void test_rfc4180_quotes_commas_and_newlines(void **state)
{
	const char in[] = "a,\"b,c\",\"say \"\"hi\"\"\"\r\n1,\"two\nlines\",3\n";
	struct err e;
	char d;
	int rc;
	char *out = read_all(in, sizeof in - 1, 0, NULL, &d, NULL, &rc, &e);

	assert_int_equal(rc, 0);
	assert_int_equal(d, ',');
	assert_string_equal(out, "0,0=a|0,1q=b,c|0,2q=say \"hi\"|1,0=1|1,1q=two\nlines|1,2=3|");
	free(out);
}

static void test_empty_fields_lines_and_a_trailing_delimiter(void **state)
{
	const char in[] = "a,,c\n\n,x,\n";
	struct err e;
	int rc;
	char *out = read_all(in, sizeof in - 1, ',', NULL, NULL, NULL, &rc, &e);

	assert_int_equal(rc, 0);
	assert_string_equal(out, "0,0=a|0,1=|0,2=c|1,0=|2,0=|2,1=x|2,2=|");
	free(out);
}

static void test_delimiter_is_detected(void **state)
{
	static const struct {
		const char *in;
		char want;
	} cases[] = {
		{ "a;b;c\n1;2;3\n", ';' },
		{ "a\tb\tc\n1\t2,5\t3\n", '\t' },
		{ "name|age\nbob|3\n", '|' },
		{ "x,y\n\"1;2\",3\n", ',' },
		{ "just one column\nsecond\n", ',' },
	};

	for (size_t i = 0; i < nitems(cases); i++) {
		struct err e;
		char d = 0;
		int rc;
		char *out = read_all(cases[i].in, strlen(cases[i].in), 0, NULL, &d, NULL, &rc, &e);

		assert_int_equal(rc, 0);
		if (d != cases[i].want)
			fail_msg("case %zu: detected '%c', want '%c'", i, d, cases[i].want);
		free(out);
	}
}

static void test_charsets_bom_utf16_and_gb18030(void **state)
{
	/* "名,值\n" in UTF-8 with a BOM, UTF-16LE with and without BOM, GB18030 */
	const char bom[] = "\xef\xbb\xbf\xe5\x90\x8d,\xe5\x80\xbc\n";
	const char u16[] = "\xff\xfe\x0d\x54\x2c\x00\x3c\x50\x0a\x00";
	const char u16nobom[] = "\x61\x00\x2c\x00\x62\x00\x0a\x00\x63\x00\x2c\x00\x64\x00\x0a\x00";
	const char gb[] = "\xc3\xfb,\xd6\xb5\n";
	const char *cs;
	struct err e;
	int rc;
	char *out;

	out = read_all(bom, sizeof bom - 1, 0, NULL, NULL, &cs, &rc, &e);
	assert_string_equal(out, "0,0=名|0,1=值|");
	free(out);
	out = read_all(u16, sizeof u16 - 1, 0, NULL, NULL, &cs, &rc, &e);
	assert_string_equal(cs, "UTF-16LE");
	assert_string_equal(out, "0,0=名|0,1=值|");
	free(out);
	out = read_all(u16nobom, sizeof u16nobom - 1, 0, NULL, NULL, &cs, &rc, &e);
	assert_string_equal(cs, "UTF-16LE");
	assert_string_equal(out, "0,0=a|0,1=b|1,0=c|1,1=d|");
	free(out);
	out = read_all(gb, sizeof gb - 1, 0, NULL, NULL, &cs, &rc, &e);
	assert_string_equal(cs, "GB18030");
	assert_string_equal(out, "0,0=名|0,1=值|");
	free(out);
}

static void test_stray_quotes_are_kept_like_excel(void **state)
{
	const char in[] = "5\" screen,\"a\"b,c\n";
	struct err e;
	int rc;
	char *out = read_all(in, sizeof in - 1, ',', NULL, NULL, NULL, &rc, &e);

	assert_int_equal(rc, 0);
	assert_string_equal(out, "0,0=5\" screen|0,1q=ab|0,2=c|");
	free(out);
}

static void test_a_quote_that_never_closes_names_its_line(void **state)
{
	const char in[] = "a,b\nc,\"d\ne,f\n";
	struct err e;
	int rc;
	char *out = read_all(in, sizeof in - 1, ',', NULL, NULL, NULL, &rc, &e);

	assert_int_equal(rc, E_PARSE);
	assert_string_equal(e.msg, "line 2: a quoted field never closes");
	free(out);
}

static int lines_of(const struct csv_field *f, void *arg)
{
	struct buf *b = arg;

	buf_printf(b, "%ld ", f->line);
	return 0;
}

static void test_lines_are_counted_through_quoted_newlines(void **state)
{
	const char in[] = "\"a\nb\",x\ny,z\r\nw\n";
	struct csv_opts o = { ',', NULL };
	struct err e;
	struct buf b;

	buf_init(&b);
	assert_int_equal(csv_read(in, sizeof in - 1, &o, lines_of, &b, NULL, NULL, &e), 0);
	assert_string_equal(buf_cstr(&b), "1 2 3 3 4 ");
	buf_free(&b);
}

static int stop_at_third(const struct csv_field *f, void *arg)
{
	int *count = arg;

	return ++*count == 3 ? 42 : 0;
}

static void test_a_callback_can_stop_the_read(void **state)
{
	const char in[] = "a,b,c,d\n";
	struct err e;
	int count = 0;

	assert_int_equal(csv_read(in, sizeof in - 1, NULL, stop_at_third, &count, NULL, NULL, &e),
			 42);
	assert_int_equal(count, 3);
}

static void test_written_fields_read_back_the_same(void **state)
{
	const char *fields[] = { "plain", "with,comma", "say \"hi\"", "two\nlines", "", "中文" };
	struct buf b, got;
	struct err e;
	int rc;

	buf_init(&b);
	for (size_t i = 0; i < nitems(fields); i++) {
		if (i)
			buf_addc(&b, ',');
		csv_write_field(&b, fields[i], strlen(fields[i]), ',');
	}
	buf_addc(&b, '\n');
	assert_string_equal(buf_cstr(&b), "plain,\"with,comma\",\"say \"\"hi\"\"\",\"two\nlines\",,中文\n");
	buf_init(&got);
	struct csv_opts o = { ',', "UTF-8" };
	rc = csv_read(b.data, b.len, &o, collect, &got, NULL, NULL, &e);
	assert_int_equal(rc, 0);
	assert_string_equal(buf_cstr(&got),
			    "0,0=plain|0,1q=with,comma|0,2q=say \"hi\"|0,3q=two\nlines|0,4=|0,5=中文|");
	buf_free(&b);
	buf_free(&got);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc4180_quotes_commas_and_newlines),
		cmocka_unit_test(test_empty_fields_lines_and_a_trailing_delimiter),
		cmocka_unit_test(test_delimiter_is_detected),
		cmocka_unit_test(test_charsets_bom_utf16_and_gb18030),
		cmocka_unit_test(test_stray_quotes_are_kept_like_excel),
		cmocka_unit_test(test_a_quote_that_never_closes_names_its_line),
		cmocka_unit_test(test_lines_are_counted_through_quoted_newlines),
		cmocka_unit_test(test_a_callback_can_stop_the_read),
		cmocka_unit_test(test_written_fields_read_back_the_same),
	};
	return cmocka_run_group_tests_name("csv", tests, NULL, NULL);
}
