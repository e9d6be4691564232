/*
 * grid.c - the Sheets tab's grid (grid.h): the sheet file shown, the cursor
 * and scroll origin, the text being entered, an undo stack of cell changes,
 * and the view.
 *
 * Undo keeps, per change, a snapshot of the cell before and after: enough
 * to re-create it through the CSV typing rules (a text that looks like a
 * number is re-entered quoted, an error literal through sheet_set_error).
 * The view reads only the cells on screen from the engine.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "i18n/i18n.h"
#include "modules/sheets/grid.h"
#include "tui/tui.h"

enum snap_kind { SNAP_EMPTY, SNAP_INPUT, SNAP_TEXT, SNAP_ERROR };

struct snap {
	enum snap_kind kind;
	enum sheet_err err;
	char *text;
};

struct change {
	uint32_t row, col;
	struct snap before, after;
};

struct grid {
	struct sheet_file f;
	char *path;
	uint32_t row, col, top, left;
	int page;
	int editing;
	struct buf input;
	struct change *undo;
	size_t nundo, done, capundo; /* done: changes applied (the rest redo) */
	long saved_at;               /* done at the last save; -1: unreachable */
};

struct grid *grid_new(void)
{
	struct grid *g = xcalloc(1, sizeof *g);

	sheet_file_init(&g->f, "Sheet1");
	buf_init(&g->input);
	g->page = 20;
	return g;
}

static void snap_free(struct snap *s)
{
	free(s->text);
	s->text = NULL;
}

static void undo_truncate(struct grid *g, size_t n)
{
	while (g->nundo > n) {
		g->nundo--;
		snap_free(&g->undo[g->nundo].before);
		snap_free(&g->undo[g->nundo].after);
	}
	if (g->done > n)
		g->done = n;
	if (g->saved_at > (long)n)
		g->saved_at = -1;
}

void grid_free(struct grid *g)
{
	if (g == NULL)
		return;
	undo_truncate(g, 0);
	free(g->undo);
	buf_free(&g->input);
	sheet_file_free(&g->f);
	free(g->path);
	free(g);
}

struct sheet_file *grid_file(struct grid *g)
{
	return &g->f;
}

const char *grid_path(const struct grid *g)
{
	return g->path;
}

void grid_replace(struct grid *g, struct sheet_file *f, const char *path)
{
	sheet_file_free(&g->f);
	g->f = *f;
	memset(f, 0, sizeof *f);
	free(g->path);
	g->path = path ? xstrdup(path) : NULL;
	undo_truncate(g, 0);
	g->saved_at = 0;
	g->editing = 0;
	buf_reset(&g->input);
	g->row = g->col = g->top = g->left = 0;
}

void grid_saved(struct grid *g, const char *path)
{
	if (path && (g->path == NULL || strcmp(path, g->path) != 0)) {
		free(g->path);
		g->path = xstrdup(path);
	}
	g->saved_at = (long)g->done;
}

int grid_modified(const struct grid *g)
{
	return g->saved_at != (long)g->done;
}

/* ---- cursor ----------------------------------------------------------------- */

void grid_cursor(const struct grid *g, uint32_t *row, uint32_t *col)
{
	*row = g->row;
	*col = g->col;
}

void grid_origin(const struct grid *g, uint32_t *top, uint32_t *left)
{
	*top = g->top;
	*left = g->left;
}

void grid_goto(struct grid *g, uint32_t row, uint32_t col)
{
	g->row = row < SHEET_MAX_ROWS ? row : SHEET_MAX_ROWS - 1;
	g->col = col < SHEET_MAX_COLS ? col : SHEET_MAX_COLS - 1;
}

static uint32_t step(uint32_t v, long d, uint32_t max)
{
	long n = (long)v + d;

	if (n < 0)
		return 0;
	return n >= (long)max ? max - 1 : (uint32_t)n;
}

void grid_move(struct grid *g, enum grid_move m)
{
	switch (m) {
	case GRID_UP: g->row = step(g->row, -1, SHEET_MAX_ROWS); break;
	case GRID_DOWN: g->row = step(g->row, 1, SHEET_MAX_ROWS); break;
	case GRID_LEFT: g->col = step(g->col, -1, SHEET_MAX_COLS); break;
	case GRID_RIGHT: g->col = step(g->col, 1, SHEET_MAX_COLS); break;
	case GRID_PGUP:
		g->row = step(g->row, -g->page, SHEET_MAX_ROWS);
		g->top = step(g->top, -g->page, SHEET_MAX_ROWS);
		break;
	case GRID_PGDN:
		g->row = step(g->row, g->page, SHEET_MAX_ROWS);
		g->top = step(g->top, g->page, SHEET_MAX_ROWS);
		break;
	case GRID_HOME: g->col = 0; break;
	}
}

void grid_set_page(struct grid *g, int rows)
{
	g->page = rows > 1 ? rows : 1;
}

static uint32_t scroll_axis(uint32_t first, uint32_t cur, int n, uint32_t max)
{
	if (n < 1)
		n = 1;
	if (cur < first)
		return cur;
	if (cur >= first + (uint32_t)n)
		first = cur - (uint32_t)n + 1;
	if (first + (uint32_t)n > max && (uint32_t)n <= max)
		first = max - (uint32_t)n;
	return first;
}

void grid_scroll(struct grid *g, int nrows, int ncols)
{
	g->top = scroll_axis(g->top, g->row, nrows, SHEET_MAX_ROWS);
	g->left = scroll_axis(g->left, g->col, ncols, SHEET_MAX_COLS);
}

/* ---- cells and undo --------------------------------------------------------- */

void grid_cell_input(const struct grid *g, uint32_t row, uint32_t col, struct buf *out)
{
	const char *src = sheet_file_formula(&g->f, row, col);

	if (src)
		buf_adds(out, src);
	else
		sheet_file_value_text(&g->f, row, col, out);
}

static void snap_take(const struct grid *g, uint32_t row, uint32_t col, struct snap *s)
{
	struct sheet_value v;
	struct buf t;

	memset(s, 0, sizeof *s);
	if (sheet_file_formula(&g->f, row, col)) {
		s->kind = SNAP_INPUT;
		s->text = xstrdup(sheet_file_formula(&g->f, row, col));
		return;
	}
	sheet_get(g->f.wb, g->f.sheet, row, col, &v);
	switch (v.type) {
	case SHEET_EMPTY:
		s->kind = SNAP_EMPTY;
		return;
	case SHEET_TEXT:
		s->kind = SNAP_TEXT;
		s->text = xstrdup(v.str ? v.str : "");
		return;
	case SHEET_ERROR:
		s->kind = SNAP_ERROR;
		s->err = v.err;
		return;
	default:
		s->kind = SNAP_INPUT;
		buf_init(&t);
		sheet_file_value_text(&g->f, row, col, &t);
		s->text = xstrndup(t.data ? t.data : "", t.len);
		buf_free(&t);
		return;
	}
}

static void snap_restore(struct grid *g, uint32_t row, uint32_t col, const struct snap *s)
{
	struct sheet_file *f = &g->f;

	switch (s->kind) {
	case SNAP_EMPTY:
		sheet_file_input(f, row, col, "", 0, 0, 0, NULL);
		break;
	case SNAP_INPUT:
		sheet_file_input(f, row, col, s->text, strlen(s->text), 0, 0, NULL);
		break;
	case SNAP_TEXT:
		sheet_file_input(f, row, col, s->text, strlen(s->text), 1, 0, NULL);
		break;
	case SNAP_ERROR:
		sheet_file_input(f, row, col, "", 0, 0, 0, NULL);
		sheet_set_error(f->wb, f->sheet, row, col, s->err);
		break;
	}
}

static void undo_push(struct grid *g, uint32_t row, uint32_t col, struct snap *before)
{
	struct change *c;

	undo_truncate(g, g->done);
	if (g->nundo == g->capundo) {
		g->capundo = g->capundo ? g->capundo * 2 : 16;
		g->undo = xreallocarray(g->undo, g->capundo, sizeof *g->undo);
	}
	c = &g->undo[g->nundo++];
	c->row = row;
	c->col = col;
	c->before = *before;
	snap_take(g, row, col, &c->after);
	g->done = g->nundo;
}

int grid_undo(struct grid *g)
{
	struct change *c;

	if (g->done == 0)
		return E_NOTFOUND;
	c = &g->undo[--g->done];
	snap_restore(g, c->row, c->col, &c->before);
	grid_goto(g, c->row, c->col);
	return 0;
}

int grid_redo(struct grid *g)
{
	struct change *c;

	if (g->done == g->nundo)
		return E_NOTFOUND;
	c = &g->undo[g->done++];
	snap_restore(g, c->row, c->col, &c->after);
	grid_goto(g, c->row, c->col);
	return 0;
}

void grid_clear_cell(struct grid *g)
{
	struct snap before;

	snap_take(g, g->row, g->col, &before);
	if (before.kind == SNAP_EMPTY)
		return;
	sheet_file_input(&g->f, g->row, g->col, "", 0, 0, 0, NULL);
	undo_push(g, g->row, g->col, &before);
}

/* ---- entering ------------------------------------------------------------ */

int grid_editing(const struct grid *g)
{
	return g->editing;
}

void grid_edit_begin(struct grid *g, int keep)
{
	buf_reset(&g->input);
	if (keep)
		grid_cell_input(g, g->row, g->col, &g->input);
	g->editing = 1;
}

void grid_edit_insert(struct grid *g, const char *s, size_t n)
{
	if (!g->editing)
		grid_edit_begin(g, 0);
	buf_add(&g->input, s, n);
}

void grid_edit_backspace(struct grid *g)
{
	struct buf *b = &g->input;

	while (b->len > 0 && ((unsigned char)b->data[b->len - 1] & 0xc0) == 0x80)
		b->len--;
	if (b->len > 0)
		b->len--;
	if (b->data)
		b->data[b->len] = '\0';
}

const char *grid_edit_text(const struct grid *g)
{
	if (!g->editing)
		return NULL;
	return g->input.data ? g->input.data : "";
}

int grid_edit_commit(struct grid *g, struct err *e)
{
	struct snap before;
	int rc;

	if (!g->editing)
		return 0;
	snap_take(g, g->row, g->col, &before);
	rc = sheet_file_input(&g->f, g->row, g->col, g->input.data, g->input.len, 0, 1, e);
	if (rc != 0) {
		/* A failed input may have dropped the cell's note (a date). */
		snap_restore(g, g->row, g->col, &before);
		snap_free(&before);
		return rc;
	}
	undo_push(g, g->row, g->col, &before);
	g->editing = 0;
	buf_reset(&g->input);
	return 0;
}

void grid_edit_cancel(struct grid *g)
{
	g->editing = 0;
	buf_reset(&g->input);
}

/* ---- what is shown --------------------------------------------------------- */

size_t grid_cell_text(const struct grid *g, uint32_t row, uint32_t col, size_t width,
		      struct buf *out, enum grid_align *align)
{
	struct sheet_value v;
	const struct sheet_note *n;
	char tmp[40];
	const char *s = tmp;
	size_t len, used = 0, fit;

	sheet_get(g->f.wb, g->f.sheet, row, col, &v);
	*align = GRID_ALIGN_LEFT;
	switch (v.type) {
	case SHEET_NUM:
		*align = GRID_ALIGN_RIGHT;
		n = sheet_file_note(&g->f, row, col);
		if (!(n && n->date && sheet_io_date_text(v.num, tmp, sizeof tmp) == 0))
			sheet_num_text(v.num, tmp, sizeof tmp);
		if (strlen(tmp) > width) {
			/* A number is never cut: it shows as ###. */
			for (size_t i = 0; i < width; i++)
				buf_addc(out, '#');
			return width;
		}
		break;
	case SHEET_TEXT:
		s = v.str ? v.str : "";
		break;
	case SHEET_BOOL:
		*align = GRID_ALIGN_CENTER;
		s = v.num != 0 ? "TRUE" : "FALSE";
		break;
	case SHEET_ERROR:
		*align = GRID_ALIGN_CENTER;
		s = sheet_err_text(v.err);
		break;
	default:
		return 0;
	}
	len = strlen(s);
	fit = txt_fit(s, len, width, &used);
	buf_add(out, s, fit);
	return used;
}

/* Width of the row-number column for rows up to `last` (1-based). */
static int gutter_width(uint32_t last)
{
	int d = 1;

	while (last >= 10) {
		last /= 10;
		d++;
	}
	return (d < 3 ? 3 : d) + 1;
}

/* The file's name and the modified mark at the right of the edit line,
 * when there is room; returns the columns taken. */
static int draw_name(struct grid *g, struct ui_area *area, int x, int w)
{
	const char *slash = g->path ? strrchr(g->path, '/') : NULL;
	const char *name = g->path ? (slash ? slash + 1 : g->path) : tr("sheets.untitled");
	const char *mark = grid_modified(g) ? tr("sheets.modified") : "";
	char t[300];
	int tw;

	snprintf(t, sizeof t, "%s%s%s", name, mark[0] ? " " : "", mark);
	tw = (int)ui_text_width(t, strlen(t));
	if (tw + 2 > (w - x) / 3)
		return 0;
	/* The name may be untrusted (a file name); ui_put shows it inert. */
	ui_put(area, 0, w - tw - 1, tw, t, strlen(t), UI_BAR);
	return tw + 2;
}

static void draw_edit_line(struct grid *g, struct ui_area *area, int w)
{
	char addr[24], col[8];
	struct buf t;
	const char *s;
	size_t len, off = 0, tw;
	int x;

	ui_clear_row(area, 0, UI_BAR);
	sheet_col_name(g->col, col, sizeof col);
	snprintf(addr, sizeof addr, "%s%u", col, (unsigned)g->row + 1);
	ui_puts(area, 0, 1, addr, UI_BAR);
	x = 12;
	if (x + 2 >= w)
		return;
	w -= draw_name(g, area, x, w);
	buf_init(&t);
	if (g->editing) {
		s = g->input.data ? g->input.data : "";
		len = g->input.len;
	} else {
		grid_cell_input(g, g->row, g->col, &t);
		s = t.data ? t.data : "";
		len = t.len;
	}
	/* While entering, keep the end (where typing goes) in sight. */
	tw = ui_text_width(s, len);
	while (g->editing && off < len && tw + 1 > (size_t)(w - x - 1)) {
		size_t gl = txt_next_grapheme(s + off, len - off);

		tw -= ui_text_width(s + off, gl);
		off += gl;
	}
	x += ui_put(area, 0, x, w - x - 1, s + off, len - off, UI_BAR);
	if (g->editing)
		ui_cursor(area, 0, x);
	buf_free(&t);
}

void grid_draw(struct grid *g, struct ui_area *area)
{
	int h = ui_area_h(area), w = ui_area_w(area), nrows, ncols, gut, stride;
	struct buf t;
	char name[16];

	ui_clear(area, UI_NORMAL);
	if (h < 3 || w < 8)
		return;
	nrows = h - 2;
	stride = GRID_COL_WIDTH + GRID_COL_GAP;
	/* The gutter depends on the rows shown, which depend on scrolling:
	 * scroll with the widest gutter these rows could need. */
	gut = gutter_width(g->row + (uint32_t)nrows);
	ncols = (w - gut) / stride;
	if (ncols < 1)
		ncols = 1;
	grid_set_page(g, nrows);
	grid_scroll(g, nrows, ncols);
	gut = gutter_width(g->top + (uint32_t)nrows);

	draw_edit_line(g, area, w);
	ui_clear_row(area, 1, UI_TITLE);
	buf_init(&t);
	for (int c = 0; c < ncols; c++) {
		uint32_t col = g->left + (uint32_t)c;
		int x = gut + c * stride, cw;

		if (col >= SHEET_MAX_COLS || x >= w)
			break;
		cw = (int)sheet_col_name(col, name, sizeof name);
		ui_puts(area, 1, x + (GRID_COL_WIDTH - cw) / 2, name,
			col == g->col ? UI_SELECTED : UI_TITLE);
	}
	for (int r = 0; r < nrows; r++) {
		uint32_t row = g->top + (uint32_t)r;
		int y = r + 2, nw;

		if (row >= SHEET_MAX_ROWS)
			break;
		nw = snprintf(name, sizeof name, "%u", (unsigned)row + 1);
		for (int x = 0; x < gut - 1; x++)
			ui_puts(area, y, x, " ", row == g->row ? UI_SELECTED : UI_TITLE);
		ui_puts(area, y, gut - 1 - nw, name, row == g->row ? UI_SELECTED : UI_TITLE);
		for (int c = 0; c < ncols; c++) {
			uint32_t col = g->left + (uint32_t)c;
			int x = gut + c * stride, cw = GRID_COL_WIDTH, used, pad = 0;
			int cur = row == g->row && col == g->col;
			enum grid_align al;

			if (col >= SHEET_MAX_COLS)
				break;
			if (x + cw > w)
				cw = w - x;
			if (cw <= 0)
				break;
			buf_reset(&t);
			used = (int)grid_cell_text(g, row, col, (size_t)cw, &t, &al);
			if (cur)
				for (int i = 0; i < cw; i++)
					ui_puts(area, y, x + i, " ", UI_SELECTED);
			if (al == GRID_ALIGN_RIGHT)
				pad = cw - used;
			else if (al == GRID_ALIGN_CENTER)
				pad = (cw - used) / 2;
			if (t.len)
				ui_put(area, y, x + pad, cw - pad, t.data, t.len,
				       cur ? UI_SELECTED : UI_NORMAL);
		}
	}
	buf_free(&t);
}
