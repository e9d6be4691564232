/*
 * test_docs_editor.c - modules/docs/editor.c: typing and deleting by
 * grapheme cluster (CJK, emoji, combining marks), moves that keep the
 * display column across lines of CJK, Home/End and the ends of the text,
 * undo/redo of a typed word and of a paste, tabs to the next stop, and
 * files: saving atomically clears the modified mark, a missing file opens
 * empty under its name. Soft wrap: rows end at word boundaries, Up/Down
 * by screen row keeping the column (CJK too), Home/End, scrolling within
 * a line, and a 2 MB line that moves and types fast.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "core/core.h"
#include "i18n/i18n.h"
#include "modules/docs/buffer.h"
#include "modules/docs/editor.h"

static char dir[64];

static int setup(void **state)
{
	strcpy(dir, "/tmp/atrium-test-editor.XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* The whole text, as a C string the caller frees. */
static char *text_of(const struct editor *ed)
{
	struct buf b;

	buf_init(&b);
	doc_buf_contents(editor_buf(ed), &b);
	buf_cstr(&b);
	return buf_detach(&b);
}

static void assert_text(const struct editor *ed, const char *want)
{
	char *t = text_of(ed);

	assert_string_equal(t, want);
	free(t);
}

/* Type s one grapheme cluster at a time, as keys arrive. */
static void type(struct editor *ed, const char *s)
{
	size_t len = strlen(s);

	for (size_t off = 0; off < len;) {
		size_t g = txt_next_grapheme(s + off, len - off);

		editor_insert(ed, s + off, g);
		off += g;
	}
}

static void path_in_dir(char *out, size_t len, const char *name)
{
	snprintf(out, len, "%s/%s", dir, name);
}

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	struct buf b;
	char chunk[256];
	size_t n;

	assert_non_null(f);
	buf_init(&b);
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		buf_add(&b, chunk, n);
	fclose(f);
	buf_cstr(&b);
	return buf_detach(&b);
}

static void test_typing_puts_text_at_the_cursor(void **state)
{
	struct editor *ed = editor_new();

	type(ed, "hello 你好");
	assert_text(ed, "hello 你好");
	assert_int_equal(editor_cursor(ed), strlen("hello 你好"));
	assert_int_equal(editor_cursor_col(ed), 6 + 4);
	assert_true(editor_modified(ed));
	assert_null(editor_path(ed));
	editor_free(ed);
}

static void test_backspace_removes_one_cjk_character(void **state)
{
	struct editor *ed = editor_new();

	type(ed, "中文字");
	editor_backspace(ed);
	assert_text(ed, "中文");
	assert_int_equal(editor_cursor_col(ed), 4);
	editor_free(ed);
}

static void test_backspace_removes_a_whole_zwj_emoji(void **state)
{
	struct editor *ed = editor_new();
	const char *family = "\xf0\x9f\x91\xa8\xe2\x80\x8d\xf0\x9f\x91\xa9\xe2\x80\x8d"
			     "\xf0\x9f\x91\xa7"; /* man ZWJ woman ZWJ girl */
	char want[64];

	type(ed, "a");
	editor_insert(ed, family, strlen(family));
	assert_int_equal(editor_cursor_col(ed), 1 + 2);
	type(ed, "b");
	editor_move(ed, ED_LEFT);
	editor_backspace(ed);
	assert_text(ed, "ab");
	snprintf(want, sizeof want, "a%sb", family);
	editor_undo(ed);
	assert_text(ed, want);
	editor_free(ed);
}

static void test_delete_removes_a_letter_with_its_combining_mark(void **state)
{
	struct editor *ed = editor_new();

	type(ed, "e\xcc\x81x"); /* e + COMBINING ACUTE, x */
	editor_move(ed, ED_HOME);
	editor_delete(ed);
	assert_text(ed, "x");
	editor_free(ed);
}

static void test_left_and_right_step_over_whole_clusters(void **state)
{
	struct editor *ed = editor_new();

	type(ed, "a\xcc\x88中");
	editor_move(ed, ED_LEFT);
	assert_int_equal(editor_cursor(ed), 3);
	editor_move(ed, ED_LEFT);
	assert_int_equal(editor_cursor(ed), 0);
	editor_move(ed, ED_LEFT);
	assert_int_equal(editor_cursor(ed), 0);
	editor_move(ed, ED_RIGHT);
	assert_int_equal(editor_cursor(ed), 3);
	editor_free(ed);
}

static void test_up_and_down_keep_the_display_column_across_cjk(void **state)
{
	struct editor *ed = editor_new();

	/* Column 4 is after "abcd", after "中文", and inside nothing. */
	type(ed, "abcdef\n中文字\nxy\nabcdefgh");
	editor_move(ed, ED_TOP);
	for (int i = 0; i < 4; i++)
		editor_move(ed, ED_RIGHT);
	assert_int_equal(editor_cursor_col(ed), 4);
	editor_move(ed, ED_DOWN);
	assert_int_equal(editor_cursor_line(ed), 1);
	assert_int_equal(editor_cursor_col(ed), 4);
	assert_int_equal(editor_cursor(ed), strlen("abcdef\n中文"));
	editor_move(ed, ED_DOWN); /* short line: its end */
	assert_int_equal(editor_cursor_col(ed), 2);
	editor_move(ed, ED_DOWN); /* the column comes back */
	assert_int_equal(editor_cursor_col(ed), 4);
	editor_move(ed, ED_UP);
	editor_move(ed, ED_UP);
	assert_int_equal(editor_cursor_col(ed), 4);
	editor_free(ed);
}

static void test_down_never_lands_inside_a_wide_character(void **state)
{
	struct editor *ed = editor_new();

	type(ed, "abc\n中文");
	editor_move(ed, ED_TOP);
	editor_move(ed, ED_RIGHT);
	editor_move(ed, ED_DOWN); /* column 1 is the middle of 中 */
	assert_int_equal(editor_cursor_col(ed), 0);
	editor_free(ed);
}

static void test_home_end_and_the_ends_of_the_text(void **state)
{
	struct editor *ed = editor_new();

	type(ed, "one\ntwo 二\nthree");
	editor_move(ed, ED_UP);
	editor_move(ed, ED_HOME);
	assert_int_equal(editor_cursor(ed), 4);
	editor_move(ed, ED_END);
	assert_int_equal(editor_cursor(ed), strlen("one\ntwo 二"));
	editor_move(ed, ED_TOP);
	assert_int_equal(editor_cursor(ed), 0);
	editor_move(ed, ED_BOTTOM);
	assert_int_equal(editor_cursor(ed), strlen("one\ntwo 二\nthree"));
	editor_free(ed);
}

static void test_page_down_moves_by_the_visible_rows(void **state)
{
	struct editor *ed = editor_new();

	for (int i = 0; i < 50; i++)
		type(ed, "line\n");
	editor_move(ed, ED_TOP);
	editor_set_size(ed, 10, 40);
	editor_move(ed, ED_PGDN);
	assert_int_equal(editor_cursor_line(ed), 9);
	editor_set_size(ed, 10, 40);
	assert_true(editor_top(ed) <= 9 && editor_top(ed) + 10 > 9);
	editor_move(ed, ED_PGUP);
	assert_int_equal(editor_cursor_line(ed), 0);
	editor_free(ed);
}

static void test_long_line_scrolls_sideways_to_the_cursor(void **state)
{
	struct editor *ed = editor_new();

	for (int i = 0; i < 100; i++)
		type(ed, "x");
	editor_set_size(ed, 5, 20);
	assert_true(editor_left(ed) > 0);
	assert_true(editor_cursor_col(ed) < editor_left(ed) + 20);
	editor_move(ed, ED_HOME);
	editor_set_size(ed, 5, 20);
	assert_int_equal(editor_left(ed), 0);
	editor_free(ed);
}

static void test_word_motions_stop_at_words(void **state)
{
	struct editor *ed = editor_new();

	type(ed, "hello big world");
	editor_move(ed, ED_WORD_LEFT);
	assert_int_equal(editor_cursor(ed), 10);
	editor_move(ed, ED_WORD_LEFT);
	editor_move(ed, ED_WORD_LEFT);
	assert_int_equal(editor_cursor(ed), 6);
	editor_move(ed, ED_WORD_RIGHT);
	assert_int_equal(editor_cursor(ed), 9);
	editor_free(ed);
}

static void test_undo_and_redo_a_typed_word(void **state)
{
	struct editor *ed = editor_new();

	type(ed, "hello ");
	type(ed, "world");
	assert_int_equal(editor_undo(ed), 0);
	assert_text(ed, "hello ");
	assert_int_equal(editor_cursor(ed), 6);
	assert_int_equal(editor_redo(ed), 0);
	assert_text(ed, "hello world");
	assert_int_equal(editor_cursor(ed), 11);
	assert_int_equal(editor_redo(ed), E_NOTFOUND);
	editor_undo(ed);
	editor_undo(ed);
	assert_text(ed, "");
	assert_false(editor_modified(ed));
	assert_int_equal(editor_undo(ed), E_NOTFOUND);
	editor_free(ed);
}

static void test_a_move_ends_the_typed_word_for_undo(void **state)
{
	struct editor *ed = editor_new();

	type(ed, "ab");
	editor_move(ed, ED_LEFT);
	editor_move(ed, ED_RIGHT);
	type(ed, "cd");
	editor_undo(ed);
	assert_text(ed, "ab");
	editor_free(ed);
}

static void test_a_paste_is_one_undo_step(void **state)
{
	struct editor *ed = editor_new();

	type(ed, "x");
	editor_move(ed, ED_HOME);
	editor_paste_begin(ed);
	type(ed, "pasted text\nwith lines ");
	editor_paste_end(ed);
	assert_text(ed, "pasted text\nwith lines x");
	editor_undo(ed);
	assert_text(ed, "x");
	editor_free(ed);
}

static void test_tab_runs_to_the_next_stop_of_eight(void **state)
{
	struct editor *ed = editor_new();

	type(ed, "ab\t");
	assert_int_equal(editor_cursor_col(ed), 8);
	type(ed, "中\t");
	assert_int_equal(editor_cursor_col(ed), 16);
	assert_int_equal(editor_cluster_width("\t", 1, 7), 1);
	assert_int_equal(editor_cluster_width("\t", 1, 8), 8);
	editor_move(ed, ED_LEFT);
	editor_move(ed, ED_DOWN);
	assert_text(ed, "ab\t中\t");
	editor_free(ed);
}

static void test_control_characters_take_one_placeholder_column(void **state)
{
	struct editor *ed = editor_new();

	type(ed, "\033[2J");
	assert_int_equal(editor_cursor_col(ed), 4);
	editor_free(ed);
}

static void test_save_writes_the_file_and_clears_modified(void **state)
{
	struct editor *ed = editor_new();
	struct err e;
	char path[128];
	struct stat st;
	char *got;

	path_in_dir(path, sizeof path, "new.txt");
	err_clear(&e);
	type(ed, "第一行\nline two\n");
	assert_int_equal(editor_save(ed, NULL, &e), E_USAGE); /* untitled */
	assert_int_equal(editor_save(ed, path, &e), 0);
	assert_false(editor_modified(ed));
	assert_string_equal(editor_path(ed), path);
	got = read_file(path);
	assert_string_equal(got, "第一行\nline two\n");
	free(got);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0644);
	editor_free(ed);
}

static void test_save_keeps_the_mode_of_an_existing_file(void **state)
{
	struct editor *ed = editor_new();
	struct err e;
	char path[128];
	struct stat st;
	FILE *f;
	char *got;

	path_in_dir(path, sizeof path, "keep");
	assert_int_equal(mkdir(path, 0700), 0);
	path_in_dir(path, sizeof path, "keep/old.txt");
	f = fopen(path, "w");
	fputs("old text\n", f);
	fclose(f);
	chmod(path, 0600);
	err_clear(&e);
	assert_int_equal(editor_open(ed, path, &e), 0);
	assert_false(editor_modified(ed));
	editor_move(ed, ED_BOTTOM);
	type(ed, "more");
	assert_true(editor_modified(ed));
	assert_int_equal(editor_save(ed, NULL, &e), 0);
	assert_false(editor_modified(ed));
	got = read_file(path);
	assert_string_equal(got, "old text\nmore");
	free(got);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	/* The temp file of the atomic write is gone. */
	{
		char cmd[160];

		snprintf(cmd, sizeof cmd, "test $(ls -A '%s/keep' | wc -l) -eq 1", dir);
		assert_int_equal(system(cmd), 0);
	}
	editor_free(ed);
}

static void test_opening_a_missing_file_starts_empty_with_its_name(void **state)
{
	struct editor *ed = editor_new();
	struct err e;
	char path[128];

	path_in_dir(path, sizeof path, "missing.md");
	err_clear(&e);
	type(ed, "scratch");
	assert_int_equal(editor_open(ed, path, &e), 0);
	assert_string_equal(editor_path(ed), path);
	assert_text(ed, "");
	assert_int_equal(editor_cursor(ed), 0);
	assert_false(editor_modified(ed));
	assert_int_equal(access(path, F_OK), -1); /* not created until saved */
	editor_free(ed);
}

static void test_opening_a_directory_fails_and_keeps_the_text(void **state)
{
	struct editor *ed = editor_new();
	struct err e;

	err_clear(&e);
	type(ed, "keep me");
	assert_int_not_equal(editor_open(ed, dir, &e), 0);
	assert_true(e.msg[0] != '\0');
	assert_text(ed, "keep me");
	assert_null(editor_path(ed));
	editor_free(ed);
}


/* ---- soft wrap ---------------------------------------------------------------------- */

/* A wrapping editor of rows x cols holding text, the cursor at the start. */
static struct editor *wrapped(const char *text, int rows, int cols)
{
	struct editor *ed = editor_new();

	editor_set_wrap(ed, 1);
	editor_set_size(ed, rows, cols);
	editor_paste_begin(ed);
	editor_insert(ed, text, strlen(text));
	editor_paste_end(ed);
	editor_move(ed, ED_TOP);
	editor_set_size(ed, rows, cols);
	return ed;
}

static void test_wrap_rows_end_at_word_boundaries(void **state)
{
	struct editor *ed = wrapped("aaaa bbbb cccc dddd eeee ffff", 5, 20);

	assert_true(editor_wrap(ed));
	/* "aaaa bbbb cccc dddd" is 19 columns; its space hangs */
	assert_int_equal(editor_row_end(ed, 0, 0), 20);
	assert_int_equal(editor_row_end(ed, 0, 20), strlen("aaaa bbbb cccc dddd eeee ffff"));
	editor_free(ed);
}

static void test_wrap_down_moves_by_screen_row_then_to_the_next_line(void **state)
{
	struct editor *ed = wrapped("aaaa bbbb cccc dddd eeee ffff\nxyz", 5, 20);

	editor_move(ed, ED_RIGHT);
	editor_move(ed, ED_RIGHT);
	editor_move(ed, ED_DOWN); /* the second row of the same line */
	assert_int_equal(editor_cursor(ed), 22);
	assert_int_equal(editor_cursor_line(ed), 0);
	editor_move(ed, ED_DOWN); /* the next line */
	assert_int_equal(editor_cursor_line(ed), 1);
	assert_int_equal(editor_cursor(ed), strlen("aaaa bbbb cccc dddd eeee ffff\nxy"));
	editor_move(ed, ED_UP);
	assert_int_equal(editor_cursor(ed), 22);
	editor_move(ed, ED_UP);
	assert_int_equal(editor_cursor(ed), 2);
	editor_move(ed, ED_UP); /* above the first row: the start */
	assert_int_equal(editor_cursor(ed), 0);
	editor_free(ed);
}

static void test_wrap_keeps_the_display_column_on_cjk(void **state)
{
	/* at 10 columns: "ab一二三四" | "五六七八", then "xx中文字" */
	const char *t = "ab一二三四五六七八\nxx中文字";
	struct editor *ed = wrapped(t, 5, 10);

	assert_int_equal(editor_row_end(ed, 0, 0), strlen("ab一二三四"));
	editor_move(ed, ED_RIGHT);
	editor_move(ed, ED_RIGHT);
	editor_move(ed, ED_RIGHT); /* after "ab一": column 4 */
	editor_move(ed, ED_DOWN);
	assert_int_equal(editor_cursor(ed), strlen("ab一二三四五六"));
	editor_move(ed, ED_DOWN);
	assert_int_equal(editor_cursor(ed), strlen("ab一二三四五六七八\nxx中"));
	editor_move(ed, ED_UP);
	editor_move(ed, ED_UP);
	assert_int_equal(editor_cursor(ed), strlen("ab一"));
	/* column 3 is inside 一: Down lands before the wide character */
	editor_move(ed, ED_LEFT);
	editor_move(ed, ED_RIGHT);
	editor_move(ed, ED_LEFT); /* after "ab": column 2 */
	editor_move(ed, ED_DOWN);
	assert_int_equal(editor_cursor(ed), strlen("ab一二三四五"));
	editor_free(ed);
}

static void test_wrap_home_and_end_go_to_the_screen_row_then_the_line(void **state)
{
	struct editor *ed = wrapped("aaaa bbbb cccc dddd eeee ffff", 5, 20);

	editor_move(ed, ED_DOWN);
	editor_move(ed, ED_END);
	assert_int_equal(editor_cursor(ed), strlen("aaaa bbbb cccc dddd eeee ffff"));
	editor_move(ed, ED_HOME); /* the row's start */
	assert_int_equal(editor_cursor(ed), 20);
	editor_move(ed, ED_HOME); /* again: the line's */
	assert_int_equal(editor_cursor(ed), 0);
	editor_move(ed, ED_END); /* the first row ends before its last space */
	assert_int_equal(editor_cursor(ed), 19);
	editor_move(ed, ED_END);
	assert_int_equal(editor_cursor(ed), strlen("aaaa bbbb cccc dddd eeee ffff"));
	editor_free(ed);
}

static void test_wrap_scrolls_by_screen_rows_within_a_line(void **state)
{
	char t[256] = "";
	struct editor *ed;

	for (int i = 0; i < 10; i++)
		strcat(t, "aaaa bbbb ");
	ed = wrapped(t, 3, 10); /* rows start every 10 bytes */
	for (int i = 0; i < 5; i++) {
		editor_move(ed, ED_DOWN);
		editor_set_size(ed, 3, 10);
	}
	assert_int_equal(editor_cursor(ed), 50);
	assert_int_equal(editor_top(ed), 0);
	assert_int_equal(editor_top_off(ed), 30); /* rows 3..5 shown */
	editor_move(ed, ED_PGDN);
	editor_set_size(ed, 3, 10);
	assert_true(editor_top_off(ed) <= 70 && editor_top_off(ed) + 30 > 70);
	assert_int_equal(editor_cursor(ed), 70);
	editor_move(ed, ED_TOP);
	editor_set_size(ed, 3, 10);
	assert_int_equal(editor_top_off(ed), 0);
	/* typing keeps the rows right */
	editor_move(ed, ED_DOWN);
	type(ed, "xx ");
	editor_set_size(ed, 3, 10);
	assert_int_equal(editor_row_end(ed, 0, 0), 10);
	assert_int_equal(editor_row_end(ed, 0, 10), 18); /* "xx aaaa " | "bbbb aaaa " */
	editor_move(ed, ED_DOWN); /* from column 3 */
	assert_int_equal(editor_cursor(ed), 21);
	/* off: sideways scrolling again */
	editor_set_wrap(ed, 0);
	editor_move(ed, ED_END);
	editor_set_size(ed, 3, 10);
	assert_int_equal(editor_top_off(ed), 0);
	assert_true(editor_left(ed) > 0);
	editor_free(ed);
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void test_wrap_a_2mb_line_moves_fast(void **state)
{
	size_t n = 2u << 20;
	char *t = xmalloc(n + 1);
	struct editor *ed;
	double t0, ms;

	for (size_t i = 0; i < n; i++)
		t[i] = "lorem ipsum dolor 中文"[i % 17] == ' ' ? ' ' : (char)('a' + i % 23);
	t[n] = '\0';
	ed = wrapped(t, 24, 80);
	t0 = now_ms();
	for (int i = 0; i < 100; i++) {
		editor_move(ed, ED_DOWN);
		editor_set_size(ed, 24, 80);
	}
	ms = now_ms() - t0;
	assert_true(editor_cursor(ed) > 100 * 60);
	assert_true(editor_top_off(ed) > 0);
	if (ms >= 200)
		fprintf(stderr, "100 rows down took %.0f ms\n", ms);
	assert_true(ms < 200);
	/* typing deep in the line does not lay it out again */
	t0 = now_ms();
	for (int i = 0; i < 100; i++) {
		editor_insert(ed, "x", 1);
		editor_set_size(ed, 24, 80);
	}
	ms = now_ms() - t0;
	assert_true(ms < 200);
	free(t);
	editor_free(ed);
}

/* ---- selections ------------------------------------------------------------- */

static void test_shift_moves_select_by_cluster_and_typing_replaces(void **state)
{
	struct editor *ed = editor_new();
	size_t a, b;

	type(ed, "x👨‍👩‍👧中y");
	editor_move(ed, ED_HOME);
	editor_move(ed, ED_RIGHT);
	editor_move_select(ed, ED_RIGHT); /* the whole ZWJ family */
	assert_true(editor_selection(ed, &a, &b));
	assert_int_equal(a, 1);
	assert_int_equal(b, 1 + strlen("👨‍👩‍👧"));
	editor_move_select(ed, ED_RIGHT);
	assert_true(editor_selection(ed, &a, &b));
	assert_int_equal(b, 1 + strlen("👨‍👩‍👧中"));
	editor_move_select(ed, ED_LEFT); /* shrinks back */
	assert_true(editor_selection(ed, &a, &b));
	assert_int_equal(b, 1 + strlen("👨‍👩‍👧"));
	type(ed, "Z");
	assert_text(ed, "xZ中y");
	assert_false(editor_selection(ed, &a, &b));
	assert_int_equal(editor_undo(ed), 0); /* the typed Z and the deletion */
	assert_text(ed, "x👨‍👩‍👧中y");
	editor_free(ed);
}

static void test_backspace_and_delete_remove_the_selection_as_one_step(void **state)
{
	struct editor *ed = editor_new();

	type(ed, "one two three");
	editor_move(ed, ED_HOME);
	editor_move_select(ed, ED_WORD_RIGHT); /* the end of "one" */
	editor_move_select(ed, ED_WORD_RIGHT); /* the start of "two" */
	editor_backspace(ed);
	assert_text(ed, "two three");
	editor_move_select(ed, ED_END);
	editor_delete(ed);
	assert_text(ed, "");
	assert_int_equal(editor_undo(ed), 0);
	assert_text(ed, "two three");
	assert_int_equal(editor_undo(ed), 0);
	assert_text(ed, "one two three");
	editor_free(ed);
}

static void test_a_plain_move_drops_a_shift_selection_but_not_the_mark(void **state)
{
	struct editor *ed = editor_new();
	size_t a, b;

	type(ed, "abcdef");
	editor_move(ed, ED_HOME);
	editor_move_select(ed, ED_RIGHT);
	editor_move(ed, ED_RIGHT);
	assert_false(editor_selection(ed, &a, &b));
	editor_anchor(ed); /* the mark at 2 */
	assert_true(editor_anchored(ed));
	editor_move(ed, ED_RIGHT);
	editor_move(ed, ED_RIGHT);
	assert_true(editor_selection(ed, &a, &b));
	assert_int_equal(a, 2);
	assert_int_equal(b, 4);
	editor_anchor(ed); /* again: dropped */
	assert_false(editor_selection(ed, &a, &b));
	editor_select(ed, 1, 5);
	assert_true(editor_selection(ed, &a, &b));
	editor_select_none(ed);
	assert_false(editor_selection(ed, &a, &b));
	editor_free(ed);
}

static void test_copy_line_range_and_replace_range(void **state)
{
	struct editor *ed = editor_new();
	struct buf out;
	size_t a, b;

	type(ed, "first\n第二行\nlast");
	editor_move(ed, ED_UP);
	editor_line_range(ed, &a, &b);
	buf_init(&out);
	editor_copy(ed, a, b, &out);
	assert_string_equal(buf_cstr(&out), "第二行\n");
	editor_move(ed, ED_BOTTOM);
	editor_line_range(ed, &a, &b);
	buf_reset(&out);
	editor_copy(ed, a, b, &out);
	assert_string_equal(buf_cstr(&out), "last"); /* no newline after it */
	editor_replace_range(ed, 0, 5, "1st", 3);
	assert_text(ed, "1st\n第二行\nlast");
	assert_int_equal(editor_cursor(ed), 3);
	assert_int_equal(editor_undo(ed), 0);
	assert_text(ed, "first\n第二行\nlast");
	buf_free(&out);
	editor_free(ed);
}

/* Random moves, selections and edits against a plain string model: the
 * text, the cursor and the selection agree after every step. ASCII and
 * three-byte CJK only, so every byte step of the model is a cluster. */
static void test_random_selection_edits_match_a_model(void **state)
{
	static const char *const pieces[] = { "a", "中", "\n", "xy", "文字" };
	struct editor *ed = editor_new();
	char model[4096];
	size_t len = 0, cur = 0, anchor = 0;
	int sel = 0;
	unsigned seed = 12345;

	model[0] = '\0';
	for (int step = 0; step < 3000; step++) {
		unsigned r;
		size_t a, b;

		seed = seed * 1103515245 + 12345;
		r = (seed >> 16) % 7;
		if (r == 0 && len < 3000) { /* type, replacing a selection */
			const char *p = pieces[(seed >> 8) % 5];
			size_t n = strlen(p);

			if (sel && anchor != cur) {
				a = anchor < cur ? anchor : cur;
				b = anchor < cur ? cur : anchor;
				memmove(model + a, model + b, len - b + 1);
				len -= b - a;
				cur = a;
			}
			memmove(model + cur + n, model + cur, len - cur + 1);
			memcpy(model + cur, p, n);
			len += n;
			cur += n;
			sel = 0;
			editor_insert(ed, p, n);
		} else if (r == 1 || r == 2) { /* Shift-Left / Shift-Right */
			if (!sel) {
				anchor = cur;
				sel = 1;
			}
			if (r == 1 && cur > 0)
				cur -= ((unsigned char)model[cur - 1] & 0x80) ? 3 : 1;
			else if (r == 2 && cur < len)
				cur += ((unsigned char)model[cur] & 0x80) ? 3 : 1;
			editor_move_select(ed, r == 1 ? ED_LEFT : ED_RIGHT);
		} else if (r == 3) { /* Left, dropping the selection */
			if (cur > 0)
				cur -= ((unsigned char)model[cur - 1] & 0x80) ? 3 : 1;
			sel = 0;
			editor_move(ed, ED_LEFT);
		} else if (r == 4) { /* Backspace */
			if (sel && anchor != cur) {
				a = anchor < cur ? anchor : cur;
				b = anchor < cur ? cur : anchor;
			} else {
				b = cur;
				a = cur > 0 ? cur - (((unsigned char)model[cur - 1] & 0x80) ? 3 : 1) : 0;
			}
			memmove(model + a, model + b, len - b + 1);
			len -= b - a;
			cur = a;
			sel = 0;
			editor_backspace(ed);
		} else if (r == 5) { /* Delete */
			if (sel && anchor != cur) {
				a = anchor < cur ? anchor : cur;
				b = anchor < cur ? cur : anchor;
			} else {
				a = cur;
				b = cur < len ? cur + (((unsigned char)model[cur] & 0x80) ? 3 : 1) : len;
			}
			memmove(model + a, model + b, len - b + 1);
			len -= b - a;
			cur = a;
			sel = 0;
			editor_delete(ed);
		} else { /* Home with Shift */
			if (!sel) {
				anchor = cur;
				sel = 1;
			}
			while (cur > 0 && model[cur - 1] != '\n')
				cur--;
			editor_move_select(ed, ED_HOME);
		}
		assert_int_equal(editor_cursor(ed), cur);
		if (sel && anchor != cur) {
			assert_true(editor_selection(ed, &a, &b));
			assert_int_equal(a, anchor < cur ? anchor : cur);
			assert_int_equal(b, anchor < cur ? cur : anchor);
		} else {
			assert_false(editor_selection(ed, &a, &b));
		}
	}
	assert_text(ed, model);
	editor_free(ed);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_typing_puts_text_at_the_cursor),
		cmocka_unit_test(test_shift_moves_select_by_cluster_and_typing_replaces),
		cmocka_unit_test(test_backspace_and_delete_remove_the_selection_as_one_step),
		cmocka_unit_test(test_a_plain_move_drops_a_shift_selection_but_not_the_mark),
		cmocka_unit_test(test_copy_line_range_and_replace_range),
		cmocka_unit_test(test_random_selection_edits_match_a_model),
		cmocka_unit_test(test_backspace_removes_one_cjk_character),
		cmocka_unit_test(test_backspace_removes_a_whole_zwj_emoji),
		cmocka_unit_test(test_delete_removes_a_letter_with_its_combining_mark),
		cmocka_unit_test(test_left_and_right_step_over_whole_clusters),
		cmocka_unit_test(test_up_and_down_keep_the_display_column_across_cjk),
		cmocka_unit_test(test_down_never_lands_inside_a_wide_character),
		cmocka_unit_test(test_home_end_and_the_ends_of_the_text),
		cmocka_unit_test(test_page_down_moves_by_the_visible_rows),
		cmocka_unit_test(test_long_line_scrolls_sideways_to_the_cursor),
		cmocka_unit_test(test_word_motions_stop_at_words),
		cmocka_unit_test(test_undo_and_redo_a_typed_word),
		cmocka_unit_test(test_a_move_ends_the_typed_word_for_undo),
		cmocka_unit_test(test_a_paste_is_one_undo_step),
		cmocka_unit_test(test_tab_runs_to_the_next_stop_of_eight),
		cmocka_unit_test(test_control_characters_take_one_placeholder_column),
		cmocka_unit_test(test_save_writes_the_file_and_clears_modified),
		cmocka_unit_test(test_save_keeps_the_mode_of_an_existing_file),
		cmocka_unit_test(test_opening_a_missing_file_starts_empty_with_its_name),
		cmocka_unit_test(test_opening_a_directory_fails_and_keeps_the_text),
		cmocka_unit_test(test_wrap_rows_end_at_word_boundaries),
		cmocka_unit_test(test_wrap_down_moves_by_screen_row_then_to_the_next_line),
		cmocka_unit_test(test_wrap_keeps_the_display_column_on_cjk),
		cmocka_unit_test(test_wrap_home_and_end_go_to_the_screen_row_then_the_line),
		cmocka_unit_test(test_wrap_scrolls_by_screen_rows_within_a_line),
		cmocka_unit_test(test_wrap_a_2mb_line_moves_fast),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
