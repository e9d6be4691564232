/* Charset conversion to UTF-8 (i18n/charset.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "i18n/i18n.h"

static void converts(const char *charset, const char *in, size_t inlen, const char *want)
{
	size_t n = 12345;
	char *r = txt_to_utf8(charset, in, inlen, &n);

	assert_non_null(r);
	assert_string_equal(r, want);
	assert_int_equal(n, strlen(want));
	free(r);
}

static void test_gbk_and_gb2312_decode_as_gb18030(void **state)
{
	/* 中文, then 𠀀 (U+20000), which only GB18030 has (four bytes) */
	const char in[] = "\xD6\xD0\xCE\xC4\x95\x32\x82\x36";

	converts("GBK", in, 8, "中文\U00020000");
	converts("gb2312", in, 8, "中文\U00020000");
	converts("CP936", in, 8, "中文\U00020000");
	converts("GB18030", in, 8, "中文\U00020000");
	converts("x-gbk", "\x81\x39\xEE\x39", 4, "\u3400");
	/* 0x80 is the euro sign in Windows' code page 936 */
	converts("gbk", "\x80", 1, "\u20AC");
	converts("gb2312", "1\x80", 2, "1\u20AC");
}

static void test_big5_decodes_as_big5_hkscs(void **state)
{
	/* 中文, then 㗎 (U+35CE) from HKSCS */
	converts("Big5", "\xA4\xA4\xA4\xE5\x9D\xEE", 6, "中文\u35CE");
	converts("big5-hkscs", "\x9D\xEE", 2, "\u35CE");
}

static void test_japanese_and_korean_charsets(void **state)
{
	converts("ISO-2022-JP", "\x1b$BF|K\\8l\x1b(B", 12, "日本語");
	converts("Shift_JIS", "\x93\xFA\x96\x7B\x8C\xEA", 6, "日本語");
	converts("EUC-KR", "\xC7\xD1\xB1\xB9\xBE\xEE", 6, "한국어");
}

static void test_single_byte_charsets(void **state)
{
	converts("ISO-8859-1", "caf\xE9", 4, "café");
	converts("latin1", "caf\xE9", 4, "café");
	converts("ISO-8859-15", "\xA4", 1, "\u20AC");
	converts("windows-1252", "\x80", 1, "\u20AC");
	converts("US-ASCII", "plain", 5, "plain");
}

static void test_labels_ignore_case_and_punctuation(void **state)
{
	converts("utf8", "ok", 2, "ok");
	converts("Utf_8", "ok", 2, "ok");
	converts(" iso-8859-1", "\xE9", 1, "é");
}

static void test_invalid_utf8_becomes_one_replacement_per_byte(void **state)
{
	converts("UTF-8",
		 "a\xE4\xB8"
		 "b",
		 4, "a\uFFFD\uFFFDb");
	converts("UTF-8", "\xC0\xAF", 2, "\uFFFD\uFFFD");
	converts("UTF-8", "中文", 6, "中文");
}

static void test_unmappable_bytes_become_u_fffd_never_u_001a(void **state)
{
	converts("US-ASCII", "a\xE9", 2, "a\uFFFD");
	/* ICU's own substitute for these would be U+001A */
	converts("Shift_JIS", "\xFF", 1, "\uFFFD");
	converts("EUC-KR", "a\xA1", 2, "a\uFFFD");
	converts("GB18030", "\xD6", 1, "\uFFFD"); /* truncated */
}

static void test_unknown_charset_gives_null(void **state)
{
	size_t n;

	assert_null(txt_to_utf8("klingon-8", "x", 1, &n));
	assert_null(txt_to_utf8("", "x", 1, &n));
	assert_null(txt_to_utf8(NULL, "x", 1, &n));
}

static void test_empty_input_gives_empty_string(void **state)
{
	converts("GBK", "", 0, "");
	converts("UTF-8", NULL, 0, "");
}

static void test_converter_cache_switches_charsets(void **state)
{
	int i;

	for (i = 0; i < 3; i++) {
		converts("ISO-2022-JP", "\x1b$BF|\x1b(B", 5, "日");
		converts("GBK", "\xD6\xD0", 2, "中");
		/* a stateful converter starts each call in its initial state */
		converts("ISO-2022-JP", "F|", 2, "F|");
	}
}

static void test_large_input_converts(void **state)
{
	size_t n = 300000, i, outlen;
	char *in = malloc(n), *r;

	for (i = 0; i + 1 < n; i += 2) {
		in[i] = '\xD6';
		in[i + 1] = '\xD0';
	}
	r = txt_to_utf8("gbk", in, n, &outlen);
	assert_non_null(r);
	assert_int_equal(outlen, n / 2 * 3);
	assert_memory_equal(r + outlen - 3, "中", 3);
	free(r);
	free(in);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_gbk_and_gb2312_decode_as_gb18030),
	    cmocka_unit_test(test_big5_decodes_as_big5_hkscs),
	    cmocka_unit_test(test_japanese_and_korean_charsets),
	    cmocka_unit_test(test_single_byte_charsets),
	    cmocka_unit_test(test_labels_ignore_case_and_punctuation),
	    cmocka_unit_test(test_invalid_utf8_becomes_one_replacement_per_byte),
	    cmocka_unit_test(test_unmappable_bytes_become_u_fffd_never_u_001a),
	    cmocka_unit_test(test_unknown_charset_gives_null),
	    cmocka_unit_test(test_empty_input_gives_empty_string),
	    cmocka_unit_test(test_converter_cache_switches_charsets),
	    cmocka_unit_test(test_large_input_converts),
	};

	return cmocka_run_group_tests_name("i18n charset", tests, NULL, NULL);
}
