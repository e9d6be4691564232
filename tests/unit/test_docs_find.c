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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_typing_finds_incrementally_from_the_cursor),
		cmocka_unit_test(test_next_and_previous_step_and_wrap),
		cmocka_unit_test(test_not_found_keeps_the_cursor_where_find_opened),
		cmocka_unit_test(test_the_count_is_capped),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
