/*
 * test_docs_find.c - modules/docs/find.c: incremental find forward from
 * where the cursor was, next and previous wrapping around the ends, the
 * "n of m" count (overlapping matches count, capped at
 * DOC_FIND_COUNT_CAP), not found, and Backspace searching again.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "core/core.h"
#include "modules/docs/buffer.h"
#include "modules/docs/editor.h"
#include "modules/docs/find.h"

static struct editor *with_text(const char *s)
{
	struct editor *ed = editor_new();

	editor_insert(ed, s, strlen(s));
	editor_move(ed, ED_TOP);
	return ed;
}

static void type(struct doc_find *f, struct editor *ed, const char *s)
{
	doc_find_type(f, ed, s, strlen(s));
}

static void test_typing_finds_incrementally_from_the_cursor(void **state)
{
	struct editor *ed = with_text("one two three two one");
	struct doc_find f;
	size_t len;

	doc_find_begin(&f, ed);
	type(&f, ed, "t");
	assert_true(f.found);
	assert_int_equal(editor_cursor(ed), 4);
	type(&f, ed, "h");
	assert_int_equal(editor_cursor(ed), 8); /* "th" first at "three" */
	assert_int_equal(f.count, 1);
	assert_int_equal(f.index, 1);
	assert_int_equal(editor_mark(ed, &len), 8);
	assert_int_equal(len, 2);
	doc_find_backspace(&f, ed);
	assert_int_equal(editor_cursor(ed), 4); /* back to "t" from the origin */
	assert_int_equal(f.count, 3);
	doc_find_end(&f);
	editor_free(ed);
}

static void test_next_and_previous_step_and_wrap(void **state)
{
	struct editor *ed = with_text("ab ab ab");
	struct doc_find f;

	editor_set_cursor(ed, 4); /* inside the second "ab" */
	doc_find_begin(&f, ed);
	type(&f, ed, "ab");
	assert_int_equal(editor_cursor(ed), 6);
	assert_int_equal(f.index, 3);
	assert_int_equal(f.count, 3);
	assert_int_equal(doc_find_step(&f, ed, 1), 0); /* wraps to the start */
	assert_int_equal(editor_cursor(ed), 0);
	assert_int_equal(f.index, 1);
	assert_int_equal(doc_find_step(&f, ed, 1), 0);
	assert_int_equal(editor_cursor(ed), 3);
	assert_int_equal(doc_find_step(&f, ed, 0), 0);
	assert_int_equal(editor_cursor(ed), 0);
	assert_int_equal(doc_find_step(&f, ed, 0), 0); /* wraps to the end */
	assert_int_equal(editor_cursor(ed), 6);
	assert_int_equal(f.index, 3);
	doc_find_end(&f);
	editor_free(ed);
}

static void test_not_found_keeps_the_cursor_where_find_opened(void **state)
{
	struct editor *ed = with_text("中文 text 中文");
	struct doc_find f;
	size_t len;

	editor_set_cursor(ed, 3);
	doc_find_begin(&f, ed);
	type(&f, ed, "文");
	assert_int_equal(editor_cursor(ed), 3);
	assert_int_equal(f.count, 2);
	type(&f, ed, "X");
	assert_false(f.found);
	assert_int_equal(f.count, 0);
	assert_int_equal(editor_cursor(ed), 3);
	editor_mark(ed, &len);
	assert_int_equal(len, 0);
	assert_int_equal(doc_find_step(&f, ed, 1), E_NOTFOUND);
	doc_find_backspace(&f, ed); /* drops "X" */
	assert_true(f.found);
	doc_find_backspace(&f, ed); /* drops "文", all three bytes */
	assert_int_equal(f.needle.len, 0);
	assert_false(f.found);
	doc_find_end(&f);
	editor_free(ed);
}

static void test_the_count_is_capped(void **state)
{
	size_t n = DOC_FIND_COUNT_CAP + 5;
	char *s = xmalloc(n + 1);
	struct editor *ed;
	struct doc_find f;

	memset(s, 'a', n);
	s[n] = '\0';
	ed = with_text(s);
	doc_find_begin(&f, ed);
	type(&f, ed, "a");
	assert_int_equal(f.count, DOC_FIND_COUNT_CAP);
	assert_true(f.capped);
	assert_int_equal(f.index, 1);
	assert_int_equal(doc_find_step(&f, ed, 0), 0); /* wraps to the last */
	assert_int_equal(editor_cursor(ed), n - 1);
	assert_int_equal(f.index, 0); /* past the cap: unknown */
	doc_find_end(&f);
	editor_free(ed);
	free(s);
}

static struct doc_pattern pat(const char *s, int regex, enum doc_case cas)
{
	struct doc_pattern p = { s, strlen(s), regex, cas };

	return p;
}

/* Replace in a C string; returns the result (caller frees) or NULL on a
 * pattern error. */
static char *replace(const char *text, const char *from, const char *to, int regex,
		     enum doc_case cas, size_t *count)
{
	struct doc_pattern p = pat(from, regex, cas);
	struct buf out;
	struct err e;

	buf_init(&out);
	err_clear(&e);
	if (doc_replace_text(&p, text, strlen(text), to, strlen(to), &out, count, &e) != 0) {
		buf_free(&out);
		return NULL;
	}
	buf_cstr(&out);
	return buf_detach(&out);
}

static void test_case_folds_unless_the_pattern_has_capitals(void **state)
{
	struct doc_pattern p = pat("hello", 0, DOC_CASE_AUTO);
	size_t n;
	char *r;

	assert_true(doc_pattern_folds(&p));
	p = pat("Hello", 0, DOC_CASE_AUTO);
	assert_false(doc_pattern_folds(&p));
	p = pat("Hello", 0, DOC_CASE_FOLD);
	assert_true(doc_pattern_folds(&p));
	p = pat("\\S+\\p{Lu}\\W", 1, DOC_CASE_AUTO); /* escapes are not capitals */
	assert_true(doc_pattern_folds(&p));
	p = pat("\\sA", 1, DOC_CASE_AUTO);
	assert_false(doc_pattern_folds(&p));

	r = replace("Hello hello HELLO", "hello", "x", 0, DOC_CASE_AUTO, &n);
	assert_string_equal(r, "x x x");
	assert_int_equal(n, 3);
	free(r);
	r = replace("Hello hello HELLO", "Hello", "x", 0, DOC_CASE_AUTO, &n);
	assert_string_equal(r, "x hello HELLO");
	assert_int_equal(n, 1);
	free(r);
	r = replace("Hello hello", "hello", "x", 0, DOC_CASE_EXACT, &n);
	assert_string_equal(r, "Hello x");
	free(r);
	/* full case folding: "strasse" finds "STRASSE" and "Straße" */
	r = replace("Straße STRASSE", "strasse", "road", 0, DOC_CASE_AUTO, &n);
	assert_string_equal(r, "road road");
	assert_int_equal(n, 2);
	free(r);
	/* a plain pattern is literal: regex syntax means itself */
	r = replace("a.b axb", "a.b", "!", 0, DOC_CASE_AUTO, &n);
	assert_string_equal(r, "! axb");
	assert_int_equal(n, 1);
	free(r);
}

static void test_regex_replace_with_groups_and_chinese(void **state)
{
	size_t n;
	char *r;

	r = replace("2024-01-31 and 1999-12-01", "(\\d+)-(\\d+)-(\\d+)", "$3/$2/$1", 1,
		    DOC_CASE_AUTO, &n);
	assert_string_equal(r, "31/01/2024 and 01/12/1999");
	assert_int_equal(n, 2);
	free(r);
	r = replace("中文文本，中文。", "中文", "汉语", 0, DOC_CASE_AUTO, &n);
	assert_string_equal(r, "汉语文本，汉语。");
	assert_int_equal(n, 2);
	free(r);
	r = replace("张三说：你好", "(?<who>\\p{Han}+)说", "${who}讲\\$", 1, DOC_CASE_AUTO, &n);
	assert_string_equal(r, "张三讲$：你好");
	free(r);
	/* ^ and $ work per line (not after the text's last newline) */
	r = replace("one\ntwo\n", "^", "> ", 1, DOC_CASE_AUTO, &n);
	assert_string_equal(r, "> one\n> two\n");
	assert_int_equal(n, 2);
	free(r);
	r = replace("one \ntwo  \n", " +$", "", 1, DOC_CASE_AUTO, &n);
	assert_string_equal(r, "one\ntwo\n");
	assert_int_equal(n, 2);
	free(r);
	/* empty matches step over a whole character, never split one */
	r = replace("中b", "x*", "-", 1, DOC_CASE_AUTO, &n);
	assert_string_equal(r, "-中-b-");
	assert_int_equal(n, 3);
	free(r);
	/* no match: a copy */
	r = replace("abc", "z", "y", 0, DOC_CASE_AUTO, &n);
	assert_string_equal(r, "abc");
	assert_int_equal(n, 0);
	free(r);
}

static void test_a_bad_regex_is_an_error(void **state)
{
	struct doc_pattern p = pat("(ab", 1, DOC_CASE_AUTO);
	struct doc_matcher *m = NULL;
	struct err e;
	size_t n = 7;

	err_clear(&e);
	assert_int_equal(doc_matcher_new(&p, &m, &e), E_USAGE);
	assert_null(m);
	assert_true(strlen(e.msg) > 0);
	assert_null(replace("ab", "(ab", "x", 1, DOC_CASE_AUTO, &n));
	assert_null(replace("ab", "", "x", 0, DOC_CASE_AUTO, &n));
}

static void test_replace_buf_reads_the_piece_table(void **state)
{
	struct editor *ed = with_text("cat Cat cAT dog");
	struct doc_pattern p = pat("cat", 0, DOC_CASE_AUTO);
	struct buf out;
	struct err e;
	size_t n;

	editor_insert(ed, "x", 1); /* a second piece */
	buf_init(&out);
	assert_int_equal(doc_replace_buf(&p, editor_buf(ed), "dog", 3, &out, &n, &e), 0);
	assert_int_equal(n, 3);
	assert_string_equal(buf_cstr(&out), "xdog dog dog dog");
	buf_free(&out);
	editor_free(ed);
}

static void test_find_regex_and_folded_counts(void **state)
{
	struct editor *ed = with_text("Apple apple APPLE 苹果 apple");
	struct doc_find f;
	size_t len;

	doc_find_begin(&f, ed);
	type(&f, ed, "apple");
	assert_int_equal(f.count, 4); /* folded */
	assert_int_equal(f.index, 1);
	assert_int_equal(editor_cursor(ed), 0);
	doc_find_cycle_case(&f, ed); /* fold */
	assert_int_equal(f.count, 4);
	doc_find_cycle_case(&f, ed); /* exact */
	assert_int_equal(f.count, 2);
	assert_int_equal(editor_cursor(ed), 6);
	doc_find_cycle_case(&f, ed); /* auto again */
	doc_find_set(&f, ed, "a\\w+e", 5, 1, DOC_CASE_AUTO);
	assert_int_equal(f.count, 4);
	assert_int_equal(editor_mark(ed, &len), 0);
	assert_int_equal(len, 5);
	assert_int_equal(doc_find_step(&f, ed, 0), 0); /* wraps back to the last */
	assert_int_equal(f.index, 4);
	assert_int_equal(editor_cursor(ed), strlen("Apple apple APPLE 苹果 "));
	doc_find_set(&f, ed, "[", 1, 1, DOC_CASE_AUTO);
	assert_true(f.bad);
	assert_false(f.found);
	doc_find_set(&f, ed, "苹", strlen("苹"), 0, DOC_CASE_AUTO);
	assert_int_equal(f.count, 1);
	assert_int_equal(editor_cursor(ed), strlen("Apple apple APPLE "));
	doc_find_end(&f);
	editor_free(ed);
}

static void test_replace_one_and_all_undo_as_one_step(void **state)
{
	struct editor *ed = with_text("a-b-c-d");
	struct doc_find f;
	struct buf t;
	struct err e;
	size_t n;

	doc_find_begin(&f, ed);
	type(&f, ed, "-");
	assert_int_equal(f.count, 3);
	assert_int_equal(doc_find_replace_one(&f, ed, "+", 1), 0);
	buf_init(&t);
	doc_buf_contents(editor_buf(ed), &t);
	assert_string_equal(buf_cstr(&t), "a+b-c-d");
	assert_int_equal(f.count, 2);
	assert_int_equal(f.at, 3); /* on to the next */
	assert_int_equal(doc_find_replace_all(&f, ed, "==", 2, &n, &e), 0);
	assert_int_equal(n, 2);
	buf_reset(&t);
	doc_buf_contents(editor_buf(ed), &t);
	assert_string_equal(buf_cstr(&t), "a+b==c==d");
	assert_int_equal(editor_undo(ed), 0); /* the replace-all, at once */
	buf_reset(&t);
	doc_buf_contents(editor_buf(ed), &t);
	assert_string_equal(buf_cstr(&t), "a+b-c-d");
	assert_int_equal(editor_undo(ed), 0); /* the replace-one */
	buf_reset(&t);
	doc_buf_contents(editor_buf(ed), &t);
	assert_string_equal(buf_cstr(&t), "a-b-c-d");
	buf_free(&t);
	doc_find_end(&f);
	editor_free(ed);
}

/* A big text with many matches: one pass. 200000 replacements done one
 * by one over the whole text would copy it 200000 times (hours); built
 * in one pass it takes a fraction of a second (seconds under ASan). */
static void test_replace_all_is_linear(void **state)
{
	size_t unit = 10, reps = 200000, n;
	struct editor *ed = editor_new();
	struct doc_find f;
	struct err e;
	char *s = xmalloc(unit * reps + 1);
	struct timespec a, b;

	for (size_t i = 0; i < reps; i++)
		memcpy(s + i * unit, "word 词语 ", unit);
	editor_insert(ed, s, unit * reps);
	doc_find_begin(&f, ed);
	doc_find_set(&f, ed, "word", 4, 0, DOC_CASE_EXACT);
	clock_gettime(CLOCK_MONOTONIC, &a);
	assert_int_equal(doc_find_replace_all(&f, ed, "WORDS", 5, &n, &e), 0);
	clock_gettime(CLOCK_MONOTONIC, &b);
	assert_int_equal(n, reps);
	assert_int_equal(doc_buf_len(editor_buf(ed)), (unit + 1) * reps);
	assert_true((b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000 < 10000);
	assert_int_equal(editor_undo(ed), 0);
	assert_int_equal(doc_buf_len(editor_buf(ed)), unit * reps);
	doc_find_end(&f);
	editor_free(ed);
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_typing_finds_incrementally_from_the_cursor),
		cmocka_unit_test(test_next_and_previous_step_and_wrap),
		cmocka_unit_test(test_not_found_keeps_the_cursor_where_find_opened),
		cmocka_unit_test(test_the_count_is_capped),
		cmocka_unit_test(test_case_folds_unless_the_pattern_has_capitals),
		cmocka_unit_test(test_regex_replace_with_groups_and_chinese),
		cmocka_unit_test(test_a_bad_regex_is_an_error),
		cmocka_unit_test(test_replace_buf_reads_the_piece_table),
		cmocka_unit_test(test_find_regex_and_folded_counts),
		cmocka_unit_test(test_replace_one_and_all_undo_as_one_step),
		cmocka_unit_test(test_replace_all_is_linear),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
