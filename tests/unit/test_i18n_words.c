/* Word iteration and word motions (i18n/words.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "i18n/i18n.h"

/* Collects the words as "w1|w2|..." */
struct seen {
	char out[512];
	size_t used;
};

static void collect(const char *s, size_t off, size_t len, void *arg)
{
	struct seen *w = arg;

	w->used += (size_t)snprintf(w->out + w->used, sizeof(w->out) - w->used, "%s%.*s",
				    w->used ? "|" : "", (int)len, s + off);
}

static const char *words(const char *s, size_t *count)
{
	static struct seen w;

	memset(&w, 0, sizeof(w));
	*count = txt_words(s, strlen(s), collect, &w);
	return w.out;
}

static void test_english_words_skip_spaces_and_punctuation(void **state)
{
	size_t n;

	assert_string_equal(words("Hello, world! It's 3.14 now.", &n), "Hello|world|It's|3.14|now");
	assert_int_equal(n, 5);
	assert_string_equal(words("  ... ", &n), "");
	assert_int_equal(n, 0);
	assert_int_equal(txt_words("", 0, collect, NULL), 0);
}

static void test_chinese_is_segmented_into_words(void **state)
{
	size_t n;

	assert_string_equal(words("我们今天去北京开会", &n), "我们|今天|去|北京|开会");
	assert_int_equal(n, 5);
	/* full-width punctuation is not a word */
	assert_string_equal(words("你好，世界。", &n), "你好|世界");
}

static void test_mixed_chinese_and_english_split_at_the_script_change(void **state)
{
	size_t n;

	assert_string_equal(words("共 3 封邮件来自 Alice", &n), "共|3|封|邮件|来自|Alice");
	assert_int_equal(n, 6);
	assert_string_equal(words("请把文件发送给Bob谢谢", &n), "请|把|文件|发送|给|Bob|谢谢");
}

static void test_words_without_callback_are_counted(void **state)
{
	assert_int_equal(txt_words("one two three", 13, NULL, NULL), 3);
}

static void test_offsets_are_bytes_of_the_utf8_input(void **state)
{
	struct seen w = {{0}, 0};
	const char *s = "é北京";

	assert_int_equal(txt_words(s, strlen(s), collect, &w), 2);
	/* é is one word, 北京 the next, starting after é's two bytes */
	assert_string_equal(w.out, "é|北京");
}

static void test_word_next_stops_at_word_starts_and_ends(void **state)
{
	const char *s = "hello,  big world";
	size_t n = strlen(s);

	assert_int_equal(txt_word_next(s, n, 0), 5);  /* end of hello */
	assert_int_equal(txt_word_next(s, n, 5), 8);  /* start of big */
	assert_int_equal(txt_word_next(s, n, 8), 11); /* end of big */
	assert_int_equal(txt_word_next(s, n, 11), 12);
	assert_int_equal(txt_word_next(s, n, 12), n);
	assert_int_equal(txt_word_next(s, n, n), n);
	assert_int_equal(txt_word_next(s, n, 2), 5);
	assert_int_equal(txt_word_next("a ...", 5, 1), 5);
}

static void test_word_prev_is_the_mirror_of_word_next(void **state)
{
	const char *s = "hello,  big world";
	size_t n = strlen(s);

	assert_int_equal(txt_word_prev(s, n, n), 12);
	assert_int_equal(txt_word_prev(s, n, 12), 11);
	assert_int_equal(txt_word_prev(s, n, 11), 8);
	assert_int_equal(txt_word_prev(s, n, 8), 5);
	assert_int_equal(txt_word_prev(s, n, 5), 0);
	assert_int_equal(txt_word_prev(s, n, 0), 0);
	assert_int_equal(txt_word_prev(s, n, 3), 0);
	assert_int_equal(txt_word_prev("... a", 5, 4), 0);
}

static void test_word_motions_step_through_chinese_words(void **state)
{
	const char *s = "我们今天去北京"; /* 3 bytes a character */
	size_t n = strlen(s);

	assert_int_equal(txt_word_next(s, n, 0), 6);
	assert_int_equal(txt_word_next(s, n, 6), 12);
	assert_int_equal(txt_word_next(s, n, 12), 15);
	assert_int_equal(txt_word_prev(s, n, n), 15);
	assert_int_equal(txt_word_prev(s, n, 15), 12);
}

static void test_invalid_utf8_does_not_break_words(void **state)
{
	const char *s = "ab\xFF\xFE cd";
	size_t n = strlen(s), c;

	c = txt_words(s, n, NULL, NULL);
	assert_true(c >= 2);
	assert_true(txt_word_next(s, n, 0) <= n);
	assert_true(txt_word_prev(s, n, n) <= n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_english_words_skip_spaces_and_punctuation),
	    cmocka_unit_test(test_chinese_is_segmented_into_words),
	    cmocka_unit_test(test_mixed_chinese_and_english_split_at_the_script_change),
	    cmocka_unit_test(test_words_without_callback_are_counted),
	    cmocka_unit_test(test_offsets_are_bytes_of_the_utf8_input),
	    cmocka_unit_test(test_word_next_stops_at_word_starts_and_ends),
	    cmocka_unit_test(test_word_prev_is_the_mirror_of_word_next),
	    cmocka_unit_test(test_word_motions_step_through_chinese_words),
	    cmocka_unit_test(test_invalid_utf8_does_not_break_words),
	};

	return cmocka_run_group_tests_name("i18n words", tests, NULL, NULL);
}
