/*
 * test_docs_wrapseg.c - soft wrap of very long lines (editor.c): a line
 * longer than a wrap segment is laid out segment by segment, so showing
 * the end of a 10 MB line or typing there costs the same as in a short
 * one; and the rows stay one consistent layout whichever way they are
 * reached (walking forward from the line's start, jumping to an offset,
 * moving up and down across segment boundaries), every row fitting the
 * width.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "core/core.h"
#include "i18n/i18n.h"
#include "modules/docs/buffer.h"
#include "modules/docs/editor.h"

#define ROWS 24
#define COLS 80

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* One line of n bytes of English and Chinese words, no newline. */
static char *long_line(size_t n)
{
	static const char *const words[] = { "alpha", "beta", "gamma", "中文", "文字",
					     "报告，", "report", "budget." };
	struct buf b;
	unsigned r = 7;

	buf_init(&b);
	while (b.len < n) {
		r = r * 1103515245u + 12345u;
		buf_adds(&b, words[(r >> 16) % 8]);
		buf_addc(&b, ' ');
	}
	buf_cstr(&b);
	return buf_detach(&b);
}

static struct editor *wrapped(const char *text)
{
	struct editor *ed = editor_new();

	editor_load_text(ed, text, strlen(text));
	editor_set_wrap(ed, 1);
	editor_set_size(ed, ROWS, COLS);
	return ed;
}

/* Every row start of line 0, walking forward from its start. */
static size_t *forward_rows(struct editor *ed, size_t *n)
{
	size_t len = doc_buf_len(editor_buf(ed)), cap = 1024, off = 0;
	size_t *st = xmalloc(cap * sizeof *st);

	*n = 0;
	while (off < len) {
		size_t e = editor_row_end(ed, 0, off);

		if (*n == cap)
			st = xrealloc(st, (cap *= 2) * sizeof *st);
		st[(*n)++] = off;
		assert_true(e > off);
		off = e;
	}
	return st;
}

static int has(const size_t *st, size_t n, size_t v)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (st[mid] == v)
			return 1;
		if (st[mid] < v)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

static void test_rows_are_one_layout_across_segments(void **state)
{
	char *t = long_line(600000); /* nine segments */
	struct editor *ed = wrapped(t);
	size_t n, *st = forward_rows(ed, &n), short_rows = 0;

	assert_true(n > 600000 / (COLS * 4));
	for (size_t i = 0; i + 1 < n; i++) {
		size_t a = st[i], b = st[i + 1];

		while (b > a && t[b - 1] == ' ')
			b--; /* spaces hang past the edge */
		assert_true(txt_width(t + a, b - a) <= COLS);
		if (txt_width(t + a, b - a) < COLS - 12)
			short_rows++;
	}
	/* rows end short only where a segment ends (about one per 64 KiB) */
	assert_true(short_rows <= 600000 / 65536 + 1);
	/* jump anywhere: the cursor's row is one of those rows */
	for (size_t p = 4000; p < strlen(t); p += 65536 / 3 + 977) {
		size_t top, before;

		editor_set_cursor(ed, doc_buf_next_grapheme(editor_buf(ed), p));
		editor_set_size(ed, ROWS, COLS);
		top = editor_top_off(ed);
		assert_true(has(st, n, top));
		before = editor_cursor(ed);
		for (int i = 0; i < 5; i++)
			editor_move(ed, ED_UP);
		editor_set_size(ed, ROWS, COLS);
		assert_true(has(st, n, editor_top_off(ed)));
		for (int i = 0; i < 5; i++)
			editor_move(ed, ED_DOWN);
		editor_set_size(ed, ROWS, COLS);
		/* same row again (the column may differ by a wide cluster) */
		assert_true(editor_cursor(ed) + 8 >= before && editor_cursor(ed) <= before + 8);
	}
	free(st);
	free(t);
	editor_free(ed);
}

static void test_the_end_of_a_10mb_line_shows_and_types_at_once(void **state)
{
	char *t = long_line(10u << 20);
	struct editor *ed = wrapped(t);
	double t0 = now_ms(), open_ms, type_ms;
	size_t len = strlen(t), e;

	editor_move(ed, ED_BOTTOM);
	editor_set_size(ed, ROWS, COLS);
	open_ms = now_ms() - t0;
	assert_int_equal(editor_cursor(ed), len);
	/* the last row shown ends the line */
	e = editor_top_off(ed);
	for (int i = 0; i < ROWS && e < len; i++)
		e = editor_row_end(ed, 0, e);
	assert_int_equal(e, len);
	t0 = now_ms();
	for (int i = 0; i < 50; i++) {
		editor_insert(ed, "x", 1);
		editor_set_size(ed, ROWS, COLS);
	}
	type_ms = now_ms() - t0;
	if (open_ms > 100 || type_ms > 250)
		fprintf(stderr, "end shown in %.1f ms, 50 keys in %.1f ms\n", open_ms, type_ms);
	/* generous for sanitizer builds; laying out the line was ~800 ms */
	assert_true(open_ms < 100);
	assert_true(type_ms < 250);
	free(t);
	editor_free(ed);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rows_are_one_layout_across_segments),
		cmocka_unit_test(test_the_end_of_a_10mb_line_shows_and_types_at_once),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
