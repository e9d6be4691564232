/*
 * test_docs_view_md.c - modules/docs/view.c draws a Markdown file's
 * spans: on a monochrome screen (attributes only) a heading is bold and
 * underlined, code bold without the underline, plain text neither. A line
 * inside a fenced block that opened far above the screen is code, and
 * when an edit near the top closes the fence, the same line, redrawn, is
 * a heading: the cached block state follows edits. A .txt file is plain.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <locale.h>
#include <cmocka.h>

#include "core/core.h"
#include "modules/docs/buffer.h"
#include "modules/docs/editor.h"
#include "tui/internal.h"

static SCREEN *scr;
static FILE *out, *in;
static struct ui_area area;
static char dir[64];

static int setup(void **state)
{
	strcpy(dir, "/tmp/atrium-test-viewmd.XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	out = fopen("/dev/null", "w");
	in = fopen("/dev/null", "r");
	scr = newterm("xterm", out, in);
	if (scr == NULL)
		return -1;
	set_term(scr);
	area.win = newwin(12, 60, 0, 0);
	area.y = area.x = 0;
	area.h = 12;
	area.w = 60;
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	delwin(area.win);
	endwin();
	delscreen(scr);
	fclose(out);
	fclose(in);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* A file of 400 lines: a fence opens at line 200 (0-based 199) and every
 * line after it reads "# in N". */
static const char *make(const char *name)
{
	static char path[128];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "# Top\n");
	for (int i = 1; i < 199; i++)
		fprintf(f, "text %d\n", i);
	fprintf(f, "```\n");
	for (int i = 200; i < 400; i++)
		fprintf(f, "# in %d\n", i);
	fclose(f);
	return path;
}

/* The attributes of the cell at (y, x) of the area. */
static attr_t attr_at(int y, int x)
{
	cchar_t cc;
	wchar_t wc[CCHARW_MAX + 1];
	attr_t at;
	short pair;

	assert_int_equal(mvwin_wch(area.win, y, x, &cc), OK);
	getcchar(&cc, wc, &at, &pair, NULL);
	return at & (A_BOLD | A_UNDERLINE | A_DIM | A_REVERSE);
}

/* The row of the area showing text, or -1. */
static int row_of(const char *text)
{
	for (int y = 1; y < area.h; y++) {
		char s[256];
		wchar_t ws[128];
		int n = mvwinnwstr(area.win, y, 0, ws, 127);

		ws[n > 0 ? n : 0] = 0;
		wcstombs(s, ws, sizeof s);
		if (strstr(s, text))
			return y;
	}
	return -1;
}

static struct editor *open_at(const char *path, size_t line)
{
	struct editor *ed = editor_new();
	struct err e;

	assert_int_equal(editor_open(ed, path, &e), 0);
	editor_set_cursor(ed, doc_buf_line_start(editor_buf(ed), line));
	docs_view_draw(ed, &area, 0, NULL);
	return ed;
}

static void test_heading_and_fence_state_follow_edits(void **state)
{
	struct editor *ed = open_at(make("notes.md"), 350);
	int y = row_of("# in 350");

	assert_true(y > 0);
	/* "in" is code: bold, not underlined like a heading */
	assert_int_equal(attr_at(y, 2), A_BOLD);
	/* close the fence near the top: the lines below are headings now */
	editor_set_cursor(ed, doc_buf_line_start(editor_buf(ed), 3));
	editor_insert(ed, "```\n", 4);
	editor_set_cursor(ed, doc_buf_line_start(editor_buf(ed), 351));
	docs_view_draw(ed, &area, 0, NULL);
	y = row_of("# in 350");
	assert_true(y > 0);
	assert_int_equal(attr_at(y, 2), A_BOLD | A_UNDERLINE);
	/* the heading mark itself is dim */
	assert_int_equal(attr_at(y, 0), A_DIM);
	/* undo: code again */
	assert_int_equal(editor_undo(ed), 0);
	editor_set_cursor(ed, doc_buf_line_start(editor_buf(ed), 350));
	docs_view_draw(ed, &area, 0, NULL);
	y = row_of("# in 350");
	assert_true(y > 0);
	assert_int_equal(attr_at(y, 2), A_BOLD);
	editor_free(ed);
}

static void test_top_heading_and_plain_text(void **state)
{
	struct editor *ed = open_at(make("top.md"), 0);
	int y = row_of("# Top");

	assert_int_equal(y, 1);
	assert_int_equal(attr_at(1, 2), A_BOLD | A_UNDERLINE);
	y = row_of("text 1");
	assert_true(y > 0);
	assert_int_equal(attr_at(y, 0), 0);
	editor_free(ed);
}

static void test_a_text_file_is_plain(void **state)
{
	struct editor *ed = open_at(make("notes.txt"), 0);

	assert_int_equal(attr_at(row_of("# Top"), 2), 0);
	editor_free(ed);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_heading_and_fence_state_follow_edits),
		cmocka_unit_test(test_top_heading_and_plain_text),
		cmocka_unit_test(test_a_text_file_is_plain),
	};
	setlocale(LC_ALL, "C.UTF-8");
	return cmocka_run_group_tests_name("docs_view_md", tests, setup, teardown);
}
