/*
 * test_core.c - core/: error values, buffers, JSON output, argv splitting,
 * UTF-8 helpers and the INI reader.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/core.h"

static char *json_of(void (*fn)(struct json *))
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	struct json j;

	json_init(&j, f, 0);
	fn(&j);
	fclose(f);
	return out;
}

static void doc_nested(struct json *j)
{
	json_obj_begin(j);
	json_key(j, "a");
	json_int(j, 1);
	json_key(j, "list");
	json_arr_begin(j);
	json_str(j, "x");
	json_bool(j, 0);
	json_null(j);
	json_num(j, 0.1);
	json_arr_end(j);
	json_key(j, "empty");
	json_obj_begin(j);
	json_obj_end(j);
	json_obj_end(j);
}

static void test_json_nesting_puts_commas_only_between_values(void **state)
{
	char *s = json_of(doc_nested);

	assert_string_equal(s, "{\"a\":1,\"list\":[\"x\",false,null,0.1],\"empty\":{}}");
	free(s);
}

static void doc_hostile(struct json *j)
{
	json_strn(j, "q\"\\\n\x1b[2J\x7f\xff\xe4\xb8\xad\xc2\x9b", 15);
}

static void test_json_escapes_controls_and_replaces_invalid_utf8(void **state)
{
	char *s = json_of(doc_hostile);

	/* U+009B (CSI, a C1 control) is escaped like C0 */
	assert_string_equal(s, "\"q\\\"\\\\\\n\\u001b[2J\\u007f\xef\xbf\xbd\xe4\xb8\xad\\u009b\"");
	free(s);
}

static void doc_nan(struct json *j)
{
	json_arr_begin(j);
	json_num(j, 0.0 / 0.0);
	json_num(j, 1e300 * 1e300);
	json_num(j, 3);
	json_arr_end(j);
}

static void test_json_writes_non_finite_numbers_as_null(void **state)
{
	char *s = json_of(doc_nan);

	assert_string_equal(s, "[null,null,3]");
	free(s);
}

static void test_buf_grows_and_detaches(void **state)
{
	struct buf b;
	char *s;

	buf_init(&b);
	assert_string_equal(buf_cstr(&b), "");
	for (int i = 0; i < 1000; i++)
		buf_printf(&b, "%d,", i);
	assert_int_equal(strncmp(b.data, "0,1,2,", 6), 0);
	assert_int_equal(b.len, strlen(b.data));
	s = buf_detach(&b);
	assert_null(b.data);
	assert_int_equal(b.len, 0);
	free(s);
}

static void test_err_set_returns_code_and_formats(void **state)
{
	struct err e;

	assert_int_equal(err_set(&e, E_NOTFOUND, "no %s", "thing"), E_NOTFOUND);
	assert_int_equal(e.code, E_NOTFOUND);
	assert_string_equal(e.msg, "no thing");
	assert_string_equal(err_name(E_LOCKED), "store locked");
	assert_int_equal(err_set(NULL, E_IO, "ignored"), E_IO);
}

static void test_argv_split_handles_quotes_escapes_and_comments(void **state)
{
	struct err e;
	char **argv;
	int argc;

	assert_int_equal(argv_split("  mail send --subject 'a b' \"c \\\"d\\\"\" e\\ f # x",
				    &argc, &argv, &e), 0);
	assert_int_equal(argc, 6);
	assert_string_equal(argv[0], "mail");
	assert_string_equal(argv[3], "a b");
	assert_string_equal(argv[4], "c \"d\"");
	assert_string_equal(argv[5], "e f");
	assert_null(argv[6]);
	argv_free(argc, argv);

	assert_int_equal(argv_split("say 'unterminated", &argc, &argv, &e), E_USAGE);
	assert_int_equal(argv_split("   # only a comment", &argc, &argv, &e), 0);
	assert_int_equal(argc, 0);
	argv_free(argc, argv);
	assert_int_equal(argv_split("''", &argc, &argv, &e), 0);
	assert_int_equal(argc, 1);
	assert_string_equal(argv[0], "");
	argv_free(argc, argv);
}

static void test_utf8_decode_rejects_overlong_and_surrogates(void **state)
{
	unsigned cp;
	char out[4];

	assert_int_equal(utf8_decode("\xe4\xb8\xad", 3, &cp), 3);
	assert_int_equal(cp, 0x4e2d);
	assert_int_equal(utf8_decode("\xc0\xaf", 2, &cp), 0);     /* overlong '/' */
	assert_int_equal(utf8_decode("\xed\xa0\x80", 3, &cp), 0); /* surrogate */
	assert_int_equal(utf8_decode("\xe4\xb8", 2, &cp), 0);     /* truncated */
	assert_int_equal(utf8_decode("\xf4\x90\x80\x80", 4, &cp), 0); /* > U+10FFFF */
	assert_int_equal(utf8_encode(0x1f600, out), 4);
	assert_int_equal(utf8_decode(out, 4, &cp), 4);
	assert_int_equal(cp, 0x1f600);
	assert_int_equal(utf8_encode(0xd800, out), 3); /* becomes U+FFFD */
	assert_memory_equal(out, "\xef\xbf\xbd", 3);
}

static void test_conf_reads_sections_keys_and_origins(void **state)
{
	const char *text = "# comment\nlanguage = zh_Hans\n\n[mail]\n imap = imaps://h:993 \n"
			   "; other comment\nuser = \"  spaced  \"\n[chat]\njid=a@b\n";
	struct conf c;
	struct err e;
	struct conf_item *it;

	conf_init(&c);
	assert_int_equal(conf_parse_string(&c, text, strlen(text), "cfg", &e), 0);
	assert_string_equal(conf_get(&c, "", "language"), "zh_Hans");
	assert_string_equal(conf_get(&c, "mail", "imap"), "imaps://h:993");
	assert_string_equal(conf_get(&c, "mail", "user"), "  spaced  ");
	assert_string_equal(conf_get(&c, "chat", "jid"), "a@b");
	assert_null(conf_get(&c, "chat", "imap"));
	it = conf_find(&c, "mail", "imap");
	assert_string_equal(it->file, "cfg");
	assert_int_equal(it->line, 5);
	conf_free(&c);
}

static void test_conf_errors_name_file_and_line(void **state)
{
	static const struct {
		const char *text;
		const char *msg;
	} bad[] = {
		{ "a = 1\nnot a pair\n", "cfg:2: expected 'key = value'" },
		{ "[mail\nx = 1\n", "cfg:1: malformed section header" },
		{ "\n\n = value\n", "cfg:3: a value without a key" },
		{ "[]\n", "cfg:1: bad section name" },
		{ "bad key = 1\n", "cfg:1: bad key name 'bad key'" },
	};
	struct conf c;
	struct err e;

	for (size_t i = 0; i < nitems(bad); i++) {
		conf_init(&c);
		assert_int_equal(conf_parse_string(&c, bad[i].text, strlen(bad[i].text), "cfg", &e),
				 E_PARSE);
		if (strstr(e.msg, bad[i].msg) == NULL)
			fail_msg("case %zu: '%s' does not contain '%s'", i, e.msg, bad[i].msg);
		conf_free(&c);
	}
	conf_init(&c);
	assert_int_equal(conf_parse_string(&c, "a = 1\n\0b = 2\n", 13, "cfg", &e), E_PARSE);
	assert_non_null(strstr(e.msg, "cfg:2: a NUL byte"));
	conf_free(&c);
}

static void test_conf_later_value_replaces_earlier(void **state)
{
	const char *text = "a = 1\na = 2\n";
	struct conf c;
	struct err e;

	conf_init(&c);
	assert_int_equal(conf_parse_string(&c, text, strlen(text), "cfg", &e), 0);
	assert_string_equal(conf_get(&c, "", "a"), "2");
	assert_int_equal(conf_find(&c, "", "a")->line, 2);
	assert_int_equal(c.n, 1);
	conf_free(&c);
}

static void test_conf_bool_accepts_common_spellings(void **state)
{
	int b;

	assert_int_equal(conf_bool("Yes", &b), 0);
	assert_int_equal(b, 1);
	assert_int_equal(conf_bool("off", &b), 0);
	assert_int_equal(b, 0);
	assert_int_equal(conf_bool("maybe", &b), E_PARSE);
}

static void test_conf_missing_file_is_not_found(void **state)
{
	struct conf c;
	struct err e;

	conf_init(&c);
	assert_int_equal(conf_parse_file(&c, "/nonexistent/atrium.conf", &e), E_NOTFOUND);
	assert_non_null(strstr(e.msg, "/nonexistent/atrium.conf"));
	conf_free(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_nesting_puts_commas_only_between_values),
		cmocka_unit_test(test_json_escapes_controls_and_replaces_invalid_utf8),
		cmocka_unit_test(test_json_writes_non_finite_numbers_as_null),
		cmocka_unit_test(test_buf_grows_and_detaches),
		cmocka_unit_test(test_err_set_returns_code_and_formats),
		cmocka_unit_test(test_argv_split_handles_quotes_escapes_and_comments),
		cmocka_unit_test(test_utf8_decode_rejects_overlong_and_surrogates),
		cmocka_unit_test(test_conf_reads_sections_keys_and_origins),
		cmocka_unit_test(test_conf_errors_name_file_and_line),
		cmocka_unit_test(test_conf_later_value_replaces_earlier),
		cmocka_unit_test(test_conf_bool_accepts_common_spellings),
		cmocka_unit_test(test_conf_missing_file_is_not_found),
	};
	return cmocka_run_group_tests_name("core", tests, NULL, NULL);
}
