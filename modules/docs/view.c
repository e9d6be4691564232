/*
 * view.c - drawing the editor: a title bar (file name, modified mark, the
 * cursor's line and column), then the visible lines, then the terminal
 * cursor. Only the lines on screen are read from the buffer. Every cluster
 * goes through ui_put, so control characters and escape sequences in the
 * text show as placeholders; tabs are drawn as blanks to the next stop.
 */
#include <stdio.h>
#include <string.h>

#include "i18n/i18n.h"
#include "modules/docs/buffer.h"
#include "modules/docs/editor.h"
#include "tui/tui.h"

static void draw_title(struct editor *ed, struct ui_area *area, int w)
{
	const char *path = editor_path(ed);
	const char *name = path ? path : tr("docs.untitled");
	char pos[96];
	int x = 1, pw;

	ui_clear_row(area, 0, UI_BAR);
	trf(pos, sizeof pos, "docs.position", TR_N(editor_cursor_line(ed) + 1),
	    TR_N(editor_cursor_col(ed) + 1));
	pw = (int)ui_text_width(pos, strlen(pos));
	if (pw + 2 < w)
		ui_puts(area, 0, w - pw - 1, pos, UI_BAR);
	else
		pw = -2;
	/* The name may be untrusted (a file name); ui_put shows it inert. */
	x += ui_put(area, 0, x, w - pw - 4 > 0 ? w - pw - 4 : 0, name, strlen(name), UI_BAR);
	if (editor_modified(ed)) {
		const char *mark = tr("docs.modified");

		x += 2;
		if (x < w - pw - 2)
			x += ui_put(area, 0, x, w - pw - 2 - x, mark, strlen(mark), UI_BAR);
	}
	if (editor_recovered(ed)) {
		const char *mark = tr("docs.recovered");

		x += 1;
		if (x < w - pw - 2)
			ui_put(area, 0, x, w - pw - 2 - x, mark, strlen(mark), UI_BAR);
	}
}

/* Draw one line's visible part: columns [left, left + cols) at x0; the
 * bytes [mark, mark_end) of the line are highlighted. */
static void draw_line(struct ui_area *area, int y, int x0, const char *s, size_t len,
		      size_t left, size_t cols, size_t mark, size_t mark_end)
{
	size_t col = 0;

	for (size_t off = 0; off < len && col < left + cols;) {
		size_t g = txt_next_grapheme(s + off, len - off);
		size_t w = editor_cluster_width(s + off, g, col);

		/* Tabs stay blank; a wide cluster cut by either edge too. */
		if (col >= left && col + w <= left + cols && w > 0 && s[off] != '\t')
			ui_put(area, y, x0 + (int)(col - left), (int)w, s + off, g,
			       off >= mark && off < mark_end ? UI_SELECTED : UI_NORMAL);
		col += w;
		off += g;
	}
}

void docs_view_draw(struct editor *ed, struct ui_area *area, int numbers,
		    const struct docs_view_line *bottom)
{
	int h = ui_area_h(area), w = ui_area_w(area), gutter = 0, rows, px = 0;
	const struct doc_buf *b = editor_buf(ed);
	size_t lines = doc_buf_lines(b), top, mark, mark_len;
	struct buf text;

	ui_clear(area, UI_NORMAL);
	if (bottom && bottom->text == NULL)
		bottom = NULL;
	if (h < (bottom ? 3 : 2) || w < 4)
		return;
	rows = h - (bottom ? 2 : 1);
	if (bottom) {
		enum ui_role role = bottom->warn ? UI_WARN : UI_BAR;

		ui_clear_row(area, h - 1, role);
		px = ui_put(area, h - 1, 0, w - 1, bottom->text, strlen(bottom->text), role);
	}
	mark = editor_mark(ed, &mark_len);
	if (numbers) {
		char n[32];

		gutter = snprintf(n, sizeof n, "%zu", lines) + 1;
		if (gutter > w / 2)
			gutter = 0;
	}
	editor_set_size(ed, rows, w - gutter);
	draw_title(ed, area, w);
	top = editor_top(ed);
	buf_init(&text);
	for (int r = 0; r < rows && top + (size_t)r < lines; r++) {
		size_t line = top + (size_t)r;

		if (gutter) {
			char n[32];

			snprintf(n, sizeof n, "%*zu", gutter - 1, line + 1);
			ui_puts(area, 1 + r, 0, n, UI_DIM);
		}
		size_t start = doc_buf_line_start(b, line), ms = 0, me = 0;

		if (mark_len && mark + mark_len > start) {
			ms = mark > start ? mark - start : 0;
			me = mark + mark_len - start;
		}
		buf_reset(&text);
		editor_line(ed, line, &text);
		draw_line(area, 1 + r, gutter, text.data, text.len, editor_left(ed),
			  (size_t)(w - gutter), ms, me);
	}
	buf_free(&text);
	if (bottom && bottom->prompt)
		ui_cursor(area, h - 1, px < w ? px : w - 1);
	else
		ui_cursor(area, 1 + (int)(editor_cursor_line(ed) - top),
			  gutter + (int)(editor_cursor_col(ed) - editor_left(ed)));
}
