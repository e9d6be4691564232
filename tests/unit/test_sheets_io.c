/*
 * test_sheets_io.c - sheets from CSV and back (io_csv.c) and the file verbs
 * (cmd.c): the CSV typing rules, dates in the 1900 system, formulas across
 * cells, unformatted output that reads back exactly, quoting, malformed
 * input that changes nothing, and saving in place that keeps the mode.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "modules/sheets/io.h"

static struct sheet_file *load(const char *csv)
{
	struct sheet_file *f = malloc(sizeof *f);
	struct err e;

	sheet_file_init(f, "Sheet1");
	assert_int_equal(sheet_csv_load(f, csv, strlen(csv), ',', &e), 0);
	return f;
}

static void done(struct sheet_file *f)
{
	sheet_file_free(f);
	free(f);
}

static struct sheet_value at(const struct sheet_file *f, uint32_t row, uint32_t col)
{
	struct sheet_value v;

	sheet_get(f->wb, f->sheet, row, col, &v);
	return v;
}

static char *written(const struct sheet_file *f, enum sheet_csv_mode mode)
{
	struct buf b;

	buf_init(&b);
	sheet_csv_write(f, &b, mode);
	buf_addc(&b, '\0');
	return buf_detach(&b);
}

static void test_unquoted_numbers_are_numbers_and_quoted_ones_text(void **state)
{
	struct sheet_file *f = load("42,-1.5,+3e2,.5,\"42\",\"1,234\",1 2, 7,50%,1e999\n");

	assert_int_equal(at(f, 0, 0).type, SHEET_NUM);
	assert_true(at(f, 0, 0).num == 42);
	assert_true(at(f, 0, 1).num == -1.5);
	assert_true(at(f, 0, 2).num == 300);
	assert_true(at(f, 0, 3).num == 0.5);
	for (uint32_t c = 4; c <= 9; c++)
		assert_int_equal(at(f, 0, c).type, SHEET_TEXT);
	assert_string_equal(at(f, 0, 5).str, "1,234");
	done(f);
}

static void test_true_false_any_case_are_booleans_unless_quoted(void **state)
{
	struct sheet_file *f = load("TRUE,false,True,\"TRUE\",yes\n");

	assert_int_equal(at(f, 0, 0).type, SHEET_BOOL);
	assert_true(at(f, 0, 0).num == 1);
	assert_int_equal(at(f, 0, 1).type, SHEET_BOOL);
	assert_true(at(f, 0, 1).num == 0);
	assert_int_equal(at(f, 0, 2).type, SHEET_BOOL);
	assert_int_equal(at(f, 0, 3).type, SHEET_TEXT);
	assert_int_equal(at(f, 0, 4).type, SHEET_TEXT);
	done(f);
}

static void test_iso_date_is_a_serial_and_is_written_back_as_iso(void **state)
{
	struct sheet_file *f = load("2024-01-15,\"2024-01-15\",2023-02-29,=A1+1\n");
	char *out;

	assert_int_equal(at(f, 0, 0).type, SHEET_NUM);
	assert_true(at(f, 0, 0).num == 45306);
	assert_int_equal(at(f, 0, 1).type, SHEET_TEXT);
	assert_int_equal(at(f, 0, 2).type, SHEET_TEXT); /* no such day */
	assert_true(at(f, 0, 3).num == 45307);
	out = written(f, SHEET_CSV_VALUES);
	assert_string_equal(out, "2024-01-15,2024-01-15,2023-02-29,45307\n");
	free(out);
	done(f);
}

static void test_dates_follow_the_1900_system_with_its_fake_leap_day(void **state)
{
	double s;
	char buf[16];

	assert_int_equal(sheet_io_date_parse("1900-01-01", 10, &s), 0);
	assert_true(s == 1);
	assert_int_equal(sheet_io_date_parse("1900-02-28", 10, &s), 0);
	assert_true(s == 59);
	assert_int_equal(sheet_io_date_parse("1900-02-29", 10, &s), 0);
	assert_true(s == 60);
	assert_int_equal(sheet_io_date_parse("1900-03-01", 10, &s), 0);
	assert_true(s == 61);
	assert_int_equal(sheet_io_date_parse("9999-12-31", 10, &s), 0);
	assert_true(s == 2958465);
	assert_int_equal(sheet_io_date_parse("1899-12-31", 10, &s), E_PARSE);
	assert_int_equal(sheet_io_date_parse("2024-1-15", 9, &s), E_PARSE);
	for (double d = 1; d < 80000; d += 1) {
		assert_int_equal(sheet_io_date_text(d, buf, sizeof buf), 0);
		assert_int_equal(sheet_io_date_parse(buf, strlen(buf), &s), 0);
		assert_true(s == d);
	}
	assert_int_equal(sheet_io_date_text(0.5, buf, sizeof buf), E_RANGE);
}

static void test_formulas_quoted_or_not_evaluate_across_cells(void **state)
{
	struct sheet_file *f = load("2,=A1*2,\"=A1+B1\"\n3\n4\n=SUM(A1:A3)\n");

	assert_true(at(f, 0, 1).num == 4);
	assert_true(at(f, 0, 2).num == 6);
	assert_true(at(f, 3, 0).num == 9);
	assert_true(sheet_is_formula(f->wb, f->sheet, 0, 2));
	done(f);
}

static void test_errors_are_written_as_their_codes(void **state)
{
	struct sheet_file *f = load("0,=1/A1,=NA(),=A1+\"x\"\n");
	char *out = written(f, SHEET_CSV_VALUES);

	assert_string_equal(out, "0,#DIV/0!,#N/A,#VALUE!\n");
	free(out);
	done(f);
}

/* Equal codes are stored once per file; the format and its date flag stay
 * when the value changes or is cleared; General drops it. */
static void test_format_codes_are_shared_and_outlive_values(void **state)
{
	struct sheet_file *f = load("1,2,3\n");
	char code[16];
	const char *a, *b;
	struct err e;

	strcpy(code, "0.00");
	sheet_file_set_format(f, 0, 0, 0, code);
	strcpy(code, "yyyy-mm-dd");
	sheet_file_set_format(f, 0, 0, 1, code);
	strcpy(code, "0.00");
	sheet_file_set_format(f, 0, 0, 2, code);
	code[0] = 'x'; /* the file keeps its own copy */
	a = sheet_file_note(f, 0, 0)->fmt;
	b = sheet_file_note(f, 0, 2)->fmt;
	assert_string_equal(a, "0.00");
	assert_ptr_equal(a, b);
	assert_int_equal(f->fmts.n, 2);
	assert_false(sheet_file_note(f, 0, 0)->date);
	assert_true(sheet_file_note(f, 0, 1)->date);
	/* a code taken from another note of the same file */
	sheet_file_set_format(f, 0, 1, 0, sheet_file_note(f, 0, 1)->fmt);
	assert_ptr_equal(sheet_file_note(f, 1, 0)->fmt, sheet_file_note(f, 0, 1)->fmt);
	assert_int_equal(f->fmts.n, 2);
	assert_int_equal(sheet_file_input(f, 0, 1, "7", 1, 0, 1, &e), 0);
	assert_int_equal(sheet_file_input(f, 0, 0, "", 0, 0, 1, &e), 0);
	assert_string_equal(sheet_file_note(f, 0, 1)->fmt, "yyyy-mm-dd");
	assert_true(sheet_file_note(f, 0, 1)->date);
	assert_string_equal(sheet_file_note(f, 0, 0)->fmt, "0.00");
	sheet_file_set_format(f, 0, 0, 2, "General");
	assert_null(sheet_file_note(f, 0, 2));
	assert_ptr_equal(sheet_file_note(f, 0, 0)->fmt, a);
	done(f);
}

static void test_a_formula_that_does_not_parse_is_an_error_cell_with_its_message(void **state)
{
	struct sheet_file *f = load("1,=1+,=SUM(A1\n");
	const struct sheet_note *n = sheet_file_note(f, 0, 1);
	char *out;

	assert_int_equal(at(f, 0, 1).type, SHEET_ERROR);
	assert_non_null(n);
	assert_string_equal(n->src, "=1+");
	assert_non_null(strstr(sheet_note_msg(n), "at 3"));
	out = written(f, SHEET_CSV_VALUES);
	assert_string_equal(out, "1,#NAME?,#NAME?\n");
	free(out);
	out = written(f, SHEET_CSV_FORMULAS);
	assert_string_equal(out, "1,=1+,=SUM(A1\n");
	free(out);
	done(f);
}

static void test_numbers_are_written_shortest_and_read_back_equal(void **state)
{
	const double vals[] = { 0.1, 1e-7, 123456789012345678.0, 3.0, 0.1 + 0.2, -2.5, 1e300 };
	char buf[40];

	for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++) {
		sheet_io_num(vals[i], buf, sizeof buf);
		assert_true(strtod(buf, NULL) == vals[i]);
		assert_null(strchr(buf, ','));
	}
	sheet_io_num(3.0, buf, sizeof buf);
	assert_string_equal(buf, "3");
	sheet_io_num(0.1, buf, sizeof buf);
	assert_string_equal(buf, "0.1");
	sheet_io_num(-0.0, buf, sizeof buf);
	assert_string_equal(buf, "0");

	struct sheet_file *f = load("=0.1+0.2,123456789012345678,3.0\n");
	char *out = written(f, SHEET_CSV_VALUES);
	struct sheet_file *g = load(out);

	for (uint32_t c = 0; c < 3; c++)
		assert_true(at(g, 0, c).num == at(f, 0, c).num);
	assert_non_null(strstr(out, ",3\n"));
	free(out);
	done(g);
	done(f);
}

static void test_output_quotes_only_where_needed(void **state)
{
	struct sheet_file *f = load("plain,\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",\"007\"\n");
	char *out = written(f, SHEET_CSV_VALUES);

	assert_string_equal(out, "plain,\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",007\n");
	free(out);
	/* Saving in place keeps text that would read back as a number text. */
	out = written(f, SHEET_CSV_FORMULAS);
	assert_string_equal(out, "plain,\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",\"007\"\n");
	free(out);
	done(f);
}

static void test_tsv_output_uses_tabs(void **state)
{
	struct sheet_file *f = load("a,b c,=1+1\n");
	char *out;

	f->delim = '\t';
	out = written(f, SHEET_CSV_VALUES);
	assert_string_equal(out, "a\tb c\t2\n");
	free(out);
	done(f);
}

/* ---- the verbs on real files ----------------------------------------------- */

struct fixture {
	char dir[64];
	char in[128], out[128];
};

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof *fx);

	strcpy(fx->dir, "/tmp/test_sheets_io.XXXXXX");
	assert_non_null(mkdtemp(fx->dir));
	snprintf(fx->in, sizeof fx->in, "%s/in.csv", fx->dir);
	snprintf(fx->out, sizeof fx->out, "%s/out.csv", fx->dir);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;
	char cmd[200];

	snprintf(cmd, sizeof cmd, "rm -rf '%s'", fx->dir);
	assert_int_equal(system(cmd), 0);
	free(fx);
	return 0;
}

static void put(const char *path, const char *text, int mode)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	assert_int_equal(chmod(path, (mode_t)mode), 0);
}

static char *slurp(const char *path)
{
	struct buf b;
	char chunk[4096];
	size_t n;
	FILE *f = fopen(path, "r");

	if (f == NULL)
		return NULL;
	buf_init(&b);
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		buf_add(&b, chunk, n);
	fclose(f);
	buf_addc(&b, '\0');
	return buf_detach(&b);
}

/* Run a verb; its stdout in *out (freed by the caller) when out. */
static int run(char **out, struct err *e, int argc, ...)
{
	char *argv[8];
	char *text = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&text, &len);
	struct cmd_ctx ctx = { .out = mem, .err = e };
	va_list ap;
	int rc;

	va_start(ap, argc);
	for (int i = 0; i < argc; i++)
		argv[i] = va_arg(ap, char *);
	va_end(ap);
	argv[argc] = NULL;
	err_clear(e);
	rc = sheet_cmd(&ctx, argc, argv);
	fclose(mem);
	if (out)
		*out = text;
	else
		free(text);
	return rc;
}

static void test_malformed_csv_names_its_line_and_writes_no_output(void **state)
{
	struct fixture *fx = *state;
	struct err e;

	put(fx->in, "a,b\n1,2\n3,\"never closed\n", 0644);
	assert_int_equal(run(NULL, &e, 3, "convert", fx->in, fx->out), E_PARSE);
	assert_non_null(strstr(e.msg, "line 3"));
	assert_int_equal(access(fx->out, F_OK), -1);
}

static void test_convert_and_get_leave_the_input_byte_identical(void **state)
{
	struct fixture *fx = *state;
	const char text[] = "\xef\xbb\xbfx,y\r\n1,=A2*2\r\n\"007\",2024-01-15\r\n";
	struct err e;
	char *got, *out;

	put(fx->in, text, 0600);
	assert_int_equal(run(NULL, &e, 3, "convert", fx->in, fx->out), 0);
	assert_int_equal(run(&out, &e, 3, "get", fx->in, "A2:B3"), 0);
	assert_string_equal(out, "1\t2\n007\t2024-01-15\n");
	free(out);
	got = slurp(fx->in);
	assert_string_equal(got, text);
	free(got);
	got = slurp(fx->out);
	assert_string_equal(got, "x,y\n1,2\n007,2024-01-15\n");
	free(got);
}

static void test_set_saves_atomically_and_keeps_the_mode(void **state)
{
	struct fixture *fx = *state;
	struct stat st;
	struct err e;
	char *out;

	put(fx->in, "1,=A1*2\n", 0640);
	assert_int_equal(run(&out, &e, 4, "set", fx->in, "A1", "21"), 0);
	assert_string_equal(out, "21\n");
	free(out);
	assert_int_equal(stat(fx->in, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0640);
	out = slurp(fx->in);
	assert_string_equal(out, "21,=A1*2\n");
	free(out);
	/* A formula that does not parse changes nothing. */
	assert_int_equal(run(NULL, &e, 4, "set", fx->in, "C1", "=1+"), E_PARSE);
	out = slurp(fx->in);
	assert_string_equal(out, "21,=A1*2\n");
	free(out);
	/* No temp file is left beside it. */
	char cmd[160];

	snprintf(cmd, sizeof cmd, "test \"$(ls -A '%s' | wc -l)\" = 1", fx->dir);
	assert_int_equal(system(cmd), 0);
}

static void test_bad_references_options_and_formats_are_usage_errors(void **state)
{
	struct fixture *fx = *state;
	struct err e;

	put(fx->in, "1\n", 0644);
	assert_int_equal(run(NULL, &e, 3, "get", fx->in, "B"), E_USAGE);
	assert_int_equal(run(NULL, &e, 3, "get", fx->in, "A1x"), E_USAGE);
	assert_int_equal(run(NULL, &e, 4, "get", fx->in, "A1", "--bogus"), E_USAGE);
	assert_int_equal(run(NULL, &e, 3, "convert", fx->in, "out.pdf"), E_USAGE);
	assert_non_null(strstr(e.msg, ".xlsx"));
	assert_int_equal(run(NULL, &e, 4, "set", fx->in, "A1:B2", "1"), E_USAGE);
	assert_int_equal(run(NULL, &e, 3, "get", "/nonexistent/x.csv", "A1"), E_NOTFOUND);
	assert_non_null(strstr(e.msg, "/nonexistent/x.csv"));
	assert_int_equal(run(NULL, &e, 5, "convert", fx->in, fx->out, "--sheet", "Data"), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unquoted_numbers_are_numbers_and_quoted_ones_text),
		cmocka_unit_test(test_true_false_any_case_are_booleans_unless_quoted),
		cmocka_unit_test(test_iso_date_is_a_serial_and_is_written_back_as_iso),
		cmocka_unit_test(test_dates_follow_the_1900_system_with_its_fake_leap_day),
		cmocka_unit_test(test_formulas_quoted_or_not_evaluate_across_cells),
		cmocka_unit_test(test_errors_are_written_as_their_codes),
		cmocka_unit_test(test_a_formula_that_does_not_parse_is_an_error_cell_with_its_message),
		cmocka_unit_test(test_format_codes_are_shared_and_outlive_values),
		cmocka_unit_test(test_numbers_are_written_shortest_and_read_back_equal),
		cmocka_unit_test(test_output_quotes_only_where_needed),
		cmocka_unit_test(test_tsv_output_uses_tabs),
		cmocka_unit_test_setup_teardown(test_malformed_csv_names_its_line_and_writes_no_output,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_convert_and_get_leave_the_input_byte_identical,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_set_saves_atomically_and_keeps_the_mode, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_bad_references_options_and_formats_are_usage_errors,
						setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
