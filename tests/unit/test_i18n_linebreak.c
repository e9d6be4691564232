/* Soft wrap with ICU line breaking (i18n/linebreak.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "i18n/i18n.h"

/* Wrap s at cols into rows joined by "|". */
static const char *rows(const char *s, size_t cols)
{
	static char out[1024];
	size_t len = strlen(s), off = 0, used = 0;

	out[0] = '\0';
	while (off < len) {
		size_t n = txt_wrap(s + off, len - off, cols);

		assert_true(n > 0);
		assert_true(off + n <= len);
		used += (size_t)snprintf(out + used, sizeof out - used, "%s%.*s", off ? "|" : "",
					 (int)n, s + off);
		off += n;
	}
	return out;
}

static void test_english_wraps_at_spaces_which_hang(void **state)
{
	assert_string_equal(rows("the quick brown fox jumps", 10), "the quick |brown fox |jumps");
	/* the space after a word that exactly fills the row hangs past it */
	assert_string_equal(rows("abcd efgh", 4), "abcd |efgh");
	assert_string_equal(rows("short", 80), "short");
	assert_int_equal(txt_wrap("abc  def", 8, 3), 5);
}

static void test_a_long_word_breaks_by_clusters(void **state)
{
	assert_string_equal(rows("abcdefghij", 4), "abcd|efgh|ij");
	/* e + combining acute stays whole */
	assert_string_equal(rows("ab\xcc\x81" "cde\xcc\x81" "f", 3), "ab\xcc\x81" "c|de\xcc\x81" "f");
}

static void test_chinese_breaks_between_ideographs_not_before_punctuation(void **state)
{
	const char *s = "我们今天去北京，明天回来。好的！";
	char buf[1024];
	const char *r;

	for (int lang = 0; lang < 2; lang++) {
		i18n_set_lang(lang ? LANG_ZH_HANS : LANG_EN);
		/* 5 columns: two ideographs per row */
		assert_string_equal(rows("我们今天去", 5), "我们|今天|去");
		for (size_t cols = 4; cols <= 20; cols++) { /* 4: room for 京，*/
			r = rows(s, cols);
			snprintf(buf, sizeof buf, "|%s", r);
			assert_null(strstr(buf, "|，"));
			assert_null(strstr(buf, "|。"));
			assert_null(strstr(buf, "|！"));
		}
		/* 北京 fills 14 columns exactly; ， may not start the next row,
		 * so 京 moves down with it */
		assert_string_equal(rows("我们今天去北京，明天", 14), "我们今天去北|京，明天");
	}
	i18n_set_lang(LANG_EN);
}

static void test_cjk_width_two_is_respected(void **state)
{
	/* 3 columns hold one ideograph, never one and a half */
	assert_string_equal(rows("中文字", 3), "中|文|字");
	/* a single wide cluster in 1 column still makes progress */
	assert_int_equal(txt_wrap("中文", strlen("中文"), 1), 3);
}

static void test_emoji_clusters_are_never_split(void **state)
{
	const char *family = "\xf0\x9f\x91\xa8\xe2\x80\x8d\xf0\x9f\x91\xa9\xe2\x80\x8d\xf0\x9f\x91\xa7";
	char s[256];

	snprintf(s, sizeof s, "%s%s%s", family, family, family);
	for (size_t cols = 1; cols <= 5; cols++) {
		size_t n = txt_wrap(s, strlen(s), cols);

		assert_true(n % strlen(family) == 0);
		assert_true(n > 0);
	}
	assert_int_equal(txt_wrap(s, strlen(s), 4), 2 * strlen(family));
}

static void test_invalid_utf8_and_empty_input(void **state)
{
	const char bad[] = "ab\xff\xfe\xe4\xb8 cd\x80\xc3";
	size_t len = sizeof bad - 1;

	assert_int_equal(txt_wrap("", 0, 10), 0);
	assert_int_equal(txt_wrap("abc", 0, 10), 0);
	for (size_t cols = 0; cols < 12; cols++) {
		size_t off = 0;

		while (off < len) {
			size_t n = txt_wrap(bad + off, len - off, cols);

			assert_true(n > 0 && off + n <= len);
			off += n;
		}
	}
}

static void test_a_newline_ends_the_row(void **state)
{
	assert_int_equal(txt_wrap("ab\ncd", 5, 80), 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_english_wraps_at_spaces_which_hang),
		cmocka_unit_test(test_a_long_word_breaks_by_clusters),
		cmocka_unit_test(test_chinese_breaks_between_ideographs_not_before_punctuation),
		cmocka_unit_test(test_cjk_width_two_is_respected),
		cmocka_unit_test(test_emoji_clusters_are_never_split),
		cmocka_unit_test(test_invalid_utf8_and_empty_input),
		cmocka_unit_test(test_a_newline_ends_the_row),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
