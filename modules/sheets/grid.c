/*
 * grid.c - the Sheets tab's grid (grid.h): the sheet file shown, the cursor
 * and scroll origin, the text being entered, an undo stack of cell changes,
 * and the view.
 *
 * Undo keeps, per change, a snapshot of the cell before and after: enough
 * to re-create it through the CSV typing rules (a text that looks like a
 * number is re-entered quoted, an error literal through sheet_set_error).
 * The view reads only the cells on screen from the engine.
 *
 * Adding, renaming and deleting a sheet are undo steps too (struct tab_op).
 * Changes name sheets by position, which stays right because the history
 * is linear: a change is undone or redone only with the workbook as it was
 * when the change was made, so a delete is undone (the sheet back at its
 * position) before any change older than it, and redone before any newer.
 * Undoing a delete swaps back the file kept from before it: exact, names
 * and #REF! sources included, at the cost of keeping that file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "i18n/i18n.h"
#include "modules/sheets/grid.h"
#include "modules/sheets/numfmt.h"
#include "tui/tui.h"

enum snap_kind { SNAP_EMPTY, SNAP_INPUT, SNAP_TEXT, SNAP_ERROR, SNAP_FORMAT };

struct snap {
	enum snap_kind kind;
	enum sheet_err err;
	char *text;
};

/* Where the cursor was on each sheet. */
struct sheet_pos {
	uint32_t row, col, top, left;
};

enum tab_kind { TAB_ADD, TAB_RENAME, TAB_DELETE };

/* A sheet added, renamed or deleted. */
struct tab_op {
	enum tab_kind kind;
	int sheet;
	char *name;              /* ADD: its name; RENAME: the new name */
	char *old;               /* RENAME: the name before */
	struct sheet_srcs srcs;  /* RENAME: the sources rewritten */
	struct sheet_file other; /* DELETE: the file on the other side of the step */
	struct sheet_pos pos;    /* DELETE: the deleted sheet's cursor */
};

/* Changes with the same group are undone and redone together. */
struct change {
	int sheet;
	uint32_t row, col;
	uint32_t group;
	struct snap before, after;
	struct sheet_journal *ops; /* a multi-cell operation (ops.c), or NULL */
	struct tab_op *tab;        /* a sheet operation, or NULL */
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
	uint32_t groups;             /* undo groups handed out */
	int dirty;                   /* widths changed since saving */
	struct sheet_pos *pos;       /* by sheet */
	int npos;
	struct grid_sel *sel;        /* selection, clipboard, filter, find */
};

static void sel_free(struct grid *g);
static void sel_reset(struct grid *g);
static void sel_sheets_moved(struct grid *g);

struct grid *grid_new(void)
{
	struct grid *g = xcalloc(1, sizeof *g);

	sheet_file_init(&g->f, "Sheet1");
	sheet_recalc_defer(g->f.wb, 1);
	buf_init(&g->input);
	g->page = 20;
	return g;
}

static void snap_free(struct snap *s)
{
	free(s->text);
	s->text = NULL;
}

static void tab_op_free(struct tab_op *t)
{
	if (t == NULL)
		return;
	free(t->name);
	free(t->old);
	sheet_srcs_free(&t->srcs);
	if (t->other.wb)
		sheet_file_free(&t->other);
	free(t);
}

static void undo_truncate(struct grid *g, size_t n)
{
	while (g->nundo > n) {
		g->nundo--;
		snap_free(&g->undo[g->nundo].before);
		snap_free(&g->undo[g->nundo].after);
		if (g->undo[g->nundo].ops) {
			sheet_journal_free(g->undo[g->nundo].ops);
			free(g->undo[g->nundo].ops);
		}
		tab_op_free(g->undo[g->nundo].tab);
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
	free(g->pos);
	sel_free(g);
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
	sheet_recalc_defer(g->f.wb, 1);
	free(g->path);
	g->path = path ? xstrdup(path) : NULL;
	undo_truncate(g, 0);
	g->saved_at = 0;
	g->dirty = 0;
	g->editing = 0;
	buf_reset(&g->input);
	g->row = g->col = g->top = g->left = 0;
	sel_reset(g);
	free(g->pos);
	g->pos = NULL;
	g->npos = 0;
}

void grid_saved(struct grid *g, const char *path)
{
	if (path && (g->path == NULL || strcmp(path, g->path) != 0)) {
		free(g->path);
		g->path = xstrdup(path);
	}
	g->saved_at = (long)g->done;
	g->dirty = 0;
}

void grid_set_modified(struct grid *g)
{
	g->dirty = 1;
}

int grid_modified(const struct grid *g)
{
	return g->saved_at != (long)g->done || g->dirty;
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

static void grid_skip_hidden(struct grid *g, int dir);

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
	grid_skip_hidden(g, m == GRID_UP || m == GRID_PGUP ? -1 : 1);
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

static uint32_t grid_scroll_rows(uint32_t top, uint32_t row, int nrows)
{
	return scroll_axis(top, row, nrows, SHEET_MAX_ROWS);
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
	case SNAP_FORMAT:
		sheet_file_set_format(f, f->sheet, row, col, s->text);
		break;
	}
}

/* A cell's format as a snapshot (text NULL: General). */
static void snap_format(const struct grid *g, uint32_t row, uint32_t col, struct snap *s)
{
	const struct sheet_note *n = sheet_file_note(&g->f, row, col);

	memset(s, 0, sizeof *s);
	s->kind = SNAP_FORMAT;
	s->text = n && n->fmt ? xstrdup(n->fmt) : NULL;
}

/* Record a change of the current sheet's cell (its after state is taken
 * now); group 0 starts a group of its own. */
static void undo_push_group(struct grid *g, uint32_t row, uint32_t col, struct snap *before,
			    uint32_t group)
{
	struct change *c;

	undo_truncate(g, g->done);
	if (g->nundo == g->capundo) {
		g->capundo = g->capundo ? g->capundo * 2 : 16;
		g->undo = xreallocarray(g->undo, g->capundo, sizeof *g->undo);
	}
	c = &g->undo[g->nundo++];
	memset(c, 0, sizeof *c); /* fields this push does not set (ops) are empty */
	c->sheet = g->f.sheet;
	c->row = row;
	c->col = col;
	c->group = group ? group : ++g->groups;
	c->ops = NULL;
	c->before = *before;
	if (before->kind == SNAP_FORMAT)
		snap_format(g, row, col, &c->after);
	else
		snap_take(g, row, col, &c->after);
	g->done = g->nundo;
}

static void undo_push(struct grid *g, uint32_t row, uint32_t col, struct snap *before)
{
	undo_push_group(g, row, col, before, 0);
}

static void tab_undo(struct grid *g, struct tab_op *t);
static void tab_redo(struct grid *g, struct tab_op *t);

int grid_undo(struct grid *g)
{
	struct change *c;
	uint32_t group;

	if (g->done == 0)
		return E_NOTFOUND;
	group = g->undo[g->done - 1].group;
	while (g->done > 0 && g->undo[g->done - 1].group == group) {
		c = &g->undo[--g->done];
		if (c->tab) {
			tab_undo(g, c->tab);
			continue;
		}
		grid_set_sheet(g, c->sheet);
		if (c->ops)
			sheet_journal_undo(&g->f, c->ops);
		else
			snap_restore(g, c->row, c->col, &c->before);
		grid_goto(g, c->row, c->col);
	}
	grid_recalc_run(g, 30, NULL);
	return 0;
}

int grid_redo(struct grid *g)
{
	struct change *c;
	uint32_t group;

	if (g->done == g->nundo)
		return E_NOTFOUND;
	group = g->undo[g->done].group;
	while (g->done < g->nundo && g->undo[g->done].group == group) {
		c = &g->undo[g->done++];
		if (c->tab) {
			tab_redo(g, c->tab);
			continue;
		}
		grid_set_sheet(g, c->sheet);
		if (c->ops)
			sheet_journal_redo(&g->f, c->ops);
		else
			snap_restore(g, c->row, c->col, &c->after);
		grid_goto(g, c->row, c->col);
	}
	grid_recalc_run(g, 30, NULL);
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
	grid_recalc_run(g, 30, NULL);
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
	/* A first slice now: a small sheet is done before the next frame. */
	grid_recalc_run(g, 30, NULL);
	return 0;
}

void grid_edit_cancel(struct grid *g)
{
	g->editing = 0;
	buf_reset(&g->input);
}

/* ---- sheets ------------------------------------------------------------------ */

int grid_sheet(const struct grid *g)
{
	return g->f.sheet;
}

static struct sheet_pos *pos_of(struct grid *g, int sheet)
{
	if (sheet >= g->npos) {
		g->pos = xreallocarray(g->pos, (size_t)sheet + 1, sizeof *g->pos);
		memset(g->pos + g->npos, 0, (size_t)(sheet + 1 - g->npos) * sizeof *g->pos);
		g->npos = sheet + 1;
	}
	return &g->pos[sheet];
}

void grid_set_sheet(struct grid *g, int sheet)
{
	struct sheet_pos *p;
	int n = sheet_count(g->f.wb);

	if (sheet >= n)
		sheet = n - 1;
	if (sheet < 0)
		sheet = 0;
	if (sheet == g->f.sheet)
		return;
	grid_edit_cancel(g);
	*pos_of(g, g->f.sheet) = (struct sheet_pos){ g->row, g->col, g->top, g->left };
	g->f.sheet = sheet;
	p = pos_of(g, sheet);
	g->row = p->row;
	g->col = p->col;
	g->top = p->top;
	g->left = p->left;
}

int grid_sheet_name_ok(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || txt_width(name, n) == 0 || name[0] == '\'' || name[n - 1] == '\'')
		return 0;
	if (strpbrk(name, "[]:*?/\\") != NULL)
		return 0;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)name[i] < 0x20 || name[i] == 0x7f)
			return 0;
	/* Excel counts characters (UTF-16 units); code points are close. */
	size_t chars = 0;

	for (size_t i = 0; i < n; i++)
		chars += ((unsigned char)name[i] & 0xc0) != 0x80;
	return chars <= 31;
}

static int check_name(struct grid *g, int self, const char *name, struct err *e)
{
	int at;

	if (!grid_sheet_name_ok(name))
		return err_set(e, E_USAGE, "%s",
			       trf((char[512]){ 0 }, 512, "err.sheets.sheet_name", TR_S(name)));
	at = sheet_find(g->f.wb, name, strlen(name));
	if (at >= 0 && at != self)
		return err_set(e, E_USAGE, "%s",
			       trf((char[512]){ 0 }, 512, "err.sheets.sheet_exists", TR_S(name)));
	return 0;
}

/* Make a sheet operation one undo step (it is done already). */
static void tab_push(struct grid *g, struct tab_op *t)
{
	struct change *c;

	undo_truncate(g, g->done);
	if (g->nundo == g->capundo) {
		g->capundo = g->capundo ? g->capundo * 2 : 16;
		g->undo = xreallocarray(g->undo, g->capundo, sizeof *g->undo);
	}
	c = &g->undo[g->nundo++];
	memset(c, 0, sizeof *c);
	c->sheet = t->sheet;
	c->group = ++g->groups;
	c->tab = t;
	g->done = g->nundo;
}

static void pos_load(struct grid *g)
{
	struct sheet_pos *p = pos_of(g, g->f.sheet);

	g->row = p->row;
	g->col = p->col;
	g->top = p->top;
	g->left = p->left;
}

/* The file's sheets changed under the grid (sheet removed, or put back
 * at `sheet` with its cursor p): the cursors follow, the shown sheet's is
 * loaded. */
static void pos_removed(struct grid *g, int sheet)
{
	if (sheet < g->npos) {
		memmove(g->pos + sheet, g->pos + sheet + 1,
			(size_t)(g->npos - sheet - 1) * sizeof *g->pos);
		g->npos--;
	}
	pos_load(g);
}

static void pos_inserted(struct grid *g, int sheet, const struct sheet_pos *p)
{
	pos_of(g, sheet_count(g->f.wb) - 1);
	memmove(g->pos + sheet + 1, g->pos + sheet,
		(size_t)(g->npos - sheet - 1) * sizeof *g->pos);
	g->pos[sheet] = *p;
	pos_load(g);
}

static void pos_save(struct grid *g)
{
	grid_edit_cancel(g);
	*pos_of(g, g->f.sheet) = (struct sheet_pos){ g->row, g->col, g->top, g->left };
}

/* Column widths are not undo steps: those set on either side of a
 * delete carry over when it is undone or redone. Sheet s of `to` is
 * sheet s of `from`, the sheets from `gone` on shifted by `shift`. */
static void colw_carry(struct sheet_file *to, const struct sheet_file *from, int gone, int shift)
{
	int n = sheet_count(to->wb);

	for (int s = 0; s < n; s++) {
		int fs = s >= gone ? s + shift : s;

		if (shift < 0 && s == gone)
			continue; /* the sheet restored keeps its own */
		for (uint32_t c = 0; s < to->ncolw && c < to->colw[s].n; c++)
			to->colw[s].w[c] = 0;
		for (uint32_t c = 0; fs >= 0 && fs < from->ncolw && c < from->colw[fs].n; c++)
			if (from->colw[fs].w[c] > 0)
				sheet_file_set_col_width(to, s, c, from->colw[fs].w[c]);
	}
}

/* Swap the file shown with the one a delete kept (t->other). */
static void tab_swap(struct grid *g, struct tab_op *t, int restore)
{
	struct sheet_file cur = g->f;

	g->f = t->other;
	t->other = cur;
	g->f.delim = cur.delim;
	sel_sheets_moved(g);
	colw_carry(&g->f, &cur, t->sheet, restore ? -1 : 1);
	sheet_recalc_defer(g->f.wb, 1);
}

static void tab_undo(struct grid *g, struct tab_op *t)
{
	switch (t->kind) {
	case TAB_ADD:
		pos_save(g);
		/* Empty again: what was entered on it was undone before. */
		if (sheet_file_delete_sheet(&g->f, t->sheet, NULL) != 0)
			fatal("grid: cannot take back an added sheet");
		sheet_recalc_defer(g->f.wb, 1);
		sel_sheets_moved(g);
		pos_removed(g, t->sheet);
		break;
	case TAB_RENAME:
		sheet_file_rename_apply(&g->f, t->sheet, t->old, &t->srcs, 0);
		grid_set_sheet(g, t->sheet);
		break;
	case TAB_DELETE:
		pos_save(g);
		tab_swap(g, t, 1);
		g->f.sheet = t->sheet;
		pos_inserted(g, t->sheet, &t->pos);
		break;
	}
}

static void tab_redo(struct grid *g, struct tab_op *t)
{
	int cur;

	switch (t->kind) {
	case TAB_ADD:
		if (sheet_add(g->f.wb, t->name, NULL) != t->sheet)
			fatal("grid: cannot add a sheet again");
		*pos_of(g, t->sheet) = (struct sheet_pos){ 0 };
		grid_set_sheet(g, t->sheet);
		break;
	case TAB_RENAME:
		sheet_file_rename_apply(&g->f, t->sheet, t->name, &t->srcs, 1);
		grid_set_sheet(g, t->sheet);
		break;
	case TAB_DELETE:
		pos_save(g);
		cur = g->f.sheet;
		tab_swap(g, t, 0);
		if (cur > t->sheet || (cur == t->sheet && cur == sheet_count(g->f.wb)))
			cur--;
		g->f.sheet = cur;
		pos_removed(g, t->sheet);
		break;
	}
}

int grid_sheet_add(struct grid *g, const char *name, struct err *e)
{
	char auto_name[32];
	struct tab_op *t;
	int rc, i;

	if (name == NULL) {
		for (int k = sheet_count(g->f.wb) + 1;; k++) {
			snprintf(auto_name, sizeof auto_name, "Sheet%d", k);
			if (sheet_find(g->f.wb, auto_name, strlen(auto_name)) < 0)
				break;
		}
		name = auto_name;
	}
	if ((rc = check_name(g, -1, name, e)) != 0)
		return rc;
	i = sheet_add(g->f.wb, name, e);
	if (i < 0)
		return i;
	t = xcalloc(1, sizeof *t);
	t->kind = TAB_ADD;
	t->sheet = i;
	t->name = xstrdup(name);
	tab_push(g, t);
	*pos_of(g, i) = (struct sheet_pos){ 0 };
	grid_set_sheet(g, i);
	return i;
}

int grid_sheet_rename(struct grid *g, int sheet, const char *name, struct err *e)
{
	struct tab_op *t;
	int rc;

	if (sheet < 0 || sheet >= sheet_count(g->f.wb))
		return err_set(e, E_NOTFOUND, "%s", tr("err.sheets.sheet_gone"));
	if ((rc = check_name(g, sheet, name, e)) != 0)
		return rc;
	t = xcalloc(1, sizeof *t);
	t->kind = TAB_RENAME;
	t->sheet = sheet;
	t->old = xstrdup(sheet_name(g->f.wb, sheet));
	t->name = xstrdup(name);
	rc = sheet_file_rename_sheet(&g->f, sheet, name, &t->srcs, e);
	if (rc != 0) {
		tab_op_free(t);
		return rc;
	}
	tab_push(g, t);
	return 0;
}

int grid_sheet_delete(struct grid *g, int sheet, struct err *e)
{
	struct sheet_file nf;
	struct tab_op *t;
	int rc;

	if (sheet < 0 || sheet >= sheet_count(g->f.wb))
		return err_set(e, E_NOTFOUND, "%s", tr("err.sheets.sheet_gone"));
	if (sheet_count(g->f.wb) == 1)
		return err_set(e, E_USAGE, "%s", tr("err.sheets.last_sheet"));
	pos_save(g);
	/* The rebuild makes a new workbook: keep the old one for undo. */
	if ((rc = sheet_file_without_sheet(&g->f, sheet, &nf, e)) != 0)
		return rc;
	sheet_recalc_defer(nf.wb, 1);
	t = xcalloc(1, sizeof *t);
	t->kind = TAB_DELETE;
	t->sheet = sheet;
	t->other = g->f;
	g->f = nf;
	t->pos = *pos_of(g, sheet);
	tab_push(g, t);
	sel_sheets_moved(g);
	pos_removed(g, sheet);
	return 0;
}

/* ---- widths and formats ------------------------------------------------------ */

void grid_set_col_width(struct grid *g, uint32_t col, int width)
{
	if (width > GRID_COL_MAX)
		width = GRID_COL_MAX;
	sheet_file_set_col_width(&g->f, g->f.sheet, col, width > 0 ? width : 0);
	g->dirty = 1;
}

int grid_set_format(struct grid *g, uint32_t r1, uint32_t c1, uint32_t r2, uint32_t c2,
		    const char *code, struct err *e)
{
	struct numfmt *nf = NULL;
	uint32_t group;
	int rc;

	if (code && code[0] && strcasecmp(code, "General") != 0) {
		if ((rc = numfmt_compile(code, &nf, e)) != 0)
			return rc;
		numfmt_free(nf);
	} else {
		code = NULL;
	}
	if (r2 >= SHEET_MAX_ROWS)
		r2 = SHEET_MAX_ROWS - 1;
	if (c2 >= SHEET_MAX_COLS)
		c2 = SHEET_MAX_COLS - 1;
	group = ++g->groups;
	for (uint32_t r = r1; r <= r2; r++)
		for (uint32_t c = c1; c <= c2; c++) {
			struct snap before;

			snap_format(g, r, c, &before);
			sheet_file_set_format(&g->f, g->f.sheet, r, c, code);
			undo_push_group(g, r, c, &before, group);
		}
	return 0;
}

/* ---- recalculation ------------------------------------------------------------ */

int grid_recalc_run(struct grid *g, int ms, int *pct)
{
	int64_t end = loop_now_ms() + ms;
	uint64_t done = 0, total = 0;
	int more;

	do
		more = sheet_recalc_step(g->f.wb, 2048, &done, &total);
	while (more && loop_now_ms() < end);
	if (pct)
		*pct = total ? (int)(done * 100 / total) : 0;
	return more;
}

int grid_recalc_pending(const struct grid *g)
{
	return sheet_recalc_pending(g->f.wb);
}

uint32_t grid_recalc_cancel(struct grid *g)
{
	sheet_recalc_cancel(g->f.wb);
	return sheet_stale_count(g->f.wb);
}

void grid_recalc_all(struct grid *g)
{
	sheet_recalc_all(g->f.wb);
}

/* ---- what is shown --------------------------------------------------------- */

size_t grid_cell_text(const struct grid *g, uint32_t row, uint32_t col, size_t width,
		      struct buf *out, enum grid_align *align)
{
	struct sheet_value v;
	struct buf t;
	int numeric = 0;
	size_t used = 0, fit;

	sheet_get(g->f.wb, g->f.sheet, row, col, &v);
	*align = GRID_ALIGN_LEFT;
	if (v.type == SHEET_EMPTY)
		return 0;
	if (v.type == SHEET_BOOL || v.type == SHEET_ERROR)
		*align = GRID_ALIGN_CENTER;
	buf_init(&t);
	if (grid_format_value(&g->f, g->f.sheet, row, col, &t, &numeric) != 0 ||
	    (numeric && txt_width(t.data ? t.data : "", t.len) > width)) {
		/* A number is never cut: it shows as ###. */
		buf_free(&t);
		*align = GRID_ALIGN_RIGHT;
		for (size_t i = 0; i < width; i++)
			buf_addc(out, '#');
		return width;
	}
	if (numeric)
		*align = GRID_ALIGN_RIGHT;
	fit = txt_fit(t.data ? t.data : "", t.len, width, &used);
	buf_add(out, t.data ? t.data : "", fit);
	buf_free(&t);
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
	int share = sheet_share_path(g->path);
	char t[300];
	int tw;

	/* A share path is shown whole (share:/budget/2026.xlsx is not the
	 * local 2026.xlsx), given half the room; else "share:" and its name. */
	snprintf(t, sizeof t, "%s%s%s", share ? g->path : name, mark[0] ? " " : "", mark);
	tw = (int)ui_text_width(t, strlen(t));
	if (share && tw + 2 > (w - x) / 2) {
		snprintf(t, sizeof t, "%s%s%s%s", SHEET_SHARE_PREFIX, name, mark[0] ? " " : "",
			 mark);
		tw = (int)ui_text_width(t, strlen(t));
	}
	if (tw + 2 > (w - x) / (share ? 2 : 3))
		return 0;
	/* The name may be untrusted (a file name); ui_put shows it inert. */
	ui_put(area, 0, w - tw - 1, tw, t, strlen(t), UI_BAR);
	return tw + 2;
}

static void sel_addr(const struct grid *g, char *addr, size_t n);

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
	sel_addr(g, addr, sizeof addr);
	ui_puts(area, 0, 1, addr, UI_BAR);
	x = strlen(addr) + 2 > 12 ? (int)strlen(addr) + 2 : 12;
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

/* The leftmost column from which col and the columns before it fill at
 * most avail terminal columns. */
static uint32_t fit_left(const struct grid *g, uint32_t col, int avail)
{
	uint32_t l = col;
	int used = grid_col_width(g, col) + GRID_COL_GAP;

	while (l > 0 && used + grid_col_width(g, l - 1) + GRID_COL_GAP <= avail) {
		l--;
		used += grid_col_width(g, l) + GRID_COL_GAP;
	}
	return l;
}

/* The role a cell is drawn in. */
static enum ui_role cell_role(const struct grid *g, uint32_t row, uint32_t col)
{
	if (row == g->row && col == g->col)
		return UI_SELECTED;
	if (grid_selected(g, row, col))
		return UI_TAB_ACTIVE;
	if (sheet_is_stale(g->f.wb, g->f.sheet, row, col))
		return UI_DIM;
	return UI_NORMAL;
}

static void draw_cell(struct grid *g, struct ui_area *area, int y, int x, int cw, uint32_t row,
		      uint32_t col, struct buf *t)
{
	enum ui_role role = cell_role(g, row, col);
	enum grid_align al;
	int used, pad = 0;

	buf_reset(t);
	used = (int)grid_cell_text(g, row, col, (size_t)cw, t, &al);
	if (role == UI_SELECTED)
		for (int i = 0; i < cw; i++)
			ui_puts(area, y, x + i, " ", role);
	if (al == GRID_ALIGN_RIGHT)
		pad = cw - used;
	else if (al == GRID_ALIGN_CENTER)
		pad = (cw - used) / 2;
	if (t->len)
		ui_put(area, y, x + pad, cw - pad, t->data, t->len, role);
}

/* The sheet tabs on the last row: the current one highlighted, scrolled so
 * it is in sight. */
static void draw_tabs(struct grid *g, struct ui_area *area, int y, int w)
{
	int n = sheet_count(g->f.wb), first = 0, x = 1;

	ui_clear_row(area, y, UI_TAB);
	for (;;) {
		int need = 1;

		for (int i = first; i <= g->f.sheet; i++) {
			const char *name = sheet_name(g->f.wb, i);

			need += (int)ui_text_width(name, strlen(name)) + 3;
		}
		if (need <= w || first >= g->f.sheet)
			break;
		first++;
	}
	if (first > 0)
		x += ui_puts(area, y, 0, "<", UI_TAB) - 1 + 1;
	for (int i = first; i < n && x < w; i++) {
		const char *name = sheet_name(g->f.wb, i);
		enum ui_role role = i == g->f.sheet ? UI_TAB_ACTIVE : UI_TAB;

		x += ui_puts(area, y, x, " ", role);
		x += ui_put(area, y, x, w - x, name, strlen(name), role);
		if (x < w)
			x += ui_puts(area, y, x, " ", role);
		x++;
	}
}

void grid_draw(struct grid *g, struct ui_area *area)
{
	int h = ui_area_h(area), w = ui_area_w(area), nrows, gut;
	struct buf t;
	char name[16];

	ui_clear(area, UI_NORMAL);
	if (h < 4 || w < 8)
		return;
	nrows = h - 3;
	/* The gutter depends on the rows shown, which depend on scrolling:
	 * scroll with the widest gutter these rows could need. */
	gut = gutter_width(g->row + (uint32_t)nrows);
	grid_set_page(g, nrows);
	g->top = grid_scroll_rows(g->top, g->row, nrows);
	if (g->col < g->left)
		g->left = g->col;
	else if (g->left < fit_left(g, g->col, w - gut))
		g->left = fit_left(g, g->col, w - gut);
	gut = gutter_width(grid_row_shown(g, g->top, nrows - 1) + 1);

	draw_edit_line(g, area, w);
	ui_clear_row(area, 1, UI_TITLE);
	buf_init(&t);
	for (uint32_t col = g->left, x = (uint32_t)gut; col < SHEET_MAX_COLS && x < (uint32_t)w;
	     col++) {
		int cw = grid_col_width(g, col), nw;

		nw = (int)sheet_col_name(col, name, sizeof name);
		ui_put(area, 1, (int)x + (cw > nw ? (cw - nw) / 2 : 0), w - (int)x, name, (size_t)nw,
		       col == g->col ? UI_SELECTED : UI_TITLE);
		x += (uint32_t)(cw + GRID_COL_GAP);
	}
	for (int r = 0; r < nrows; r++) {
		uint32_t row = grid_row_shown(g, g->top, r);
		int y = r + 2, nw, x = gut;

		if (row >= SHEET_MAX_ROWS)
			break;
		nw = snprintf(name, sizeof name, "%u", (unsigned)row + 1);
		for (int i = 0; i < gut - 1; i++)
			ui_puts(area, y, i, " ", row == g->row ? UI_SELECTED : UI_TITLE);
		ui_puts(area, y, gut - 1 - nw, name, row == g->row ? UI_SELECTED : UI_TITLE);
		for (uint32_t col = g->left; col < SHEET_MAX_COLS && x < w; col++) {
			int cw = grid_col_width(g, col);

			if (x + cw > w)
				cw = w - x;
			draw_cell(g, area, y, x, cw, row, col, &t);
			x += grid_col_width(g, col) + GRID_COL_GAP;
		}
	}
	buf_free(&t);
	draw_tabs(g, area, h - 1, w);
}

/* ---- selection and editing operations ---------------------------------------- */

struct grid_sel {
	int active;          /* a range is selected */
	int extend;          /* F8: arrows extend it */
	uint32_t arow, acol; /* the anchor; the cursor is the other corner */
	struct sheet_clip clip;
	int have_clip;
	uint8_t *hidden;     /* filtered-out rows, a byte each, up to nhidden */
	uint32_t nhidden;
	int hidden_sheet;
	char *find;          /* the last text found */
	int finding;         /* n / N repeat it */
};

static struct grid_sel *sel_of(struct grid *g)
{
	if (g->sel == NULL)
		g->sel = xcalloc(1, sizeof *g->sel);
	return g->sel;
}

static void sel_reset(struct grid *g)
{
	struct grid_sel *s = g->sel;

	if (s == NULL)
		return;
	s->active = s->extend = s->finding = 0;
	if (s->have_clip)
		sheet_clip_free(&s->clip);
	s->have_clip = 0;
	free(s->hidden);
	s->hidden = NULL;
	s->nhidden = 0;
}

/* Sheets were removed or put back: the filter's rows and a cut's cells
 * name a sheet by a position that may now be another's. */
static void sel_sheets_moved(struct grid *g)
{
	struct grid_sel *s = g->sel;

	if (s == NULL)
		return;
	free(s->hidden);
	s->hidden = NULL;
	s->nhidden = 0;
	if (s->have_clip && s->clip.cut) {
		sheet_clip_free(&s->clip);
		s->have_clip = 0;
	}
}

static void sel_free(struct grid *g)
{
	if (g->sel == NULL)
		return;
	sel_reset(g);
	free(g->sel->find);
	free(g->sel);
	g->sel = NULL;
}

int grid_row_hidden(const struct grid *g, uint32_t row)
{
	const struct grid_sel *s = g->sel;

	return s && s->hidden && s->hidden_sheet == g->f.sheet && row < s->nhidden &&
	       s->hidden[row];
}

uint32_t grid_row_shown(const struct grid *g, uint32_t top, int n)
{
	uint32_t row = top;

	if (g->sel == NULL || g->sel->hidden == NULL)
		return top + (uint32_t)n;
	for (;;) {
		while (row < SHEET_MAX_ROWS && grid_row_hidden(g, row))
			row++;
		if (n-- == 0 || row >= SHEET_MAX_ROWS)
			return row;
		row++;
	}
}

/* After a move, step on past filtered-out rows (back the other way at the
 * sheet's edge). */
static void grid_skip_hidden(struct grid *g, int dir)
{
	uint32_t r = g->row;

	while (grid_row_hidden(g, r) && (dir > 0 ? r + 1 < SHEET_MAX_ROWS : r > 0))
		r = dir > 0 ? r + 1 : r - 1;
	if (grid_row_hidden(g, r)) {
		grid_skip_hidden(g, -dir);
		return;
	}
	g->row = r;
}

void grid_select_move(struct grid *g, enum grid_move m)
{
	struct grid_sel *s = sel_of(g);

	if (!s->active) {
		s->active = 1;
		s->arow = g->row;
		s->acol = g->col;
	}
	grid_move(g, m);
}

void grid_select_mark(struct grid *g)
{
	struct grid_sel *s = sel_of(g);

	if (s->extend) {
		s->extend = 0;
		return;
	}
	if (!s->active) {
		s->active = 1;
		s->arow = g->row;
		s->acol = g->col;
	}
	s->extend = 1;
}

int grid_select_extending(const struct grid *g)
{
	return g->sel && g->sel->extend;
}

void grid_select_clear(struct grid *g)
{
	if (g->sel)
		g->sel->active = g->sel->extend = 0;
}

int grid_selection(const struct grid *g, struct sheet_rect *r)
{
	const struct grid_sel *s = g->sel;

	if (s == NULL || !s->active) {
		*r = (struct sheet_rect){ g->row, g->col, g->row, g->col };
		return 0;
	}
	r->r1 = s->arow < g->row ? s->arow : g->row;
	r->r2 = s->arow < g->row ? g->row : s->arow;
	r->c1 = s->acol < g->col ? s->acol : g->col;
	r->c2 = s->acol < g->col ? g->col : s->acol;
	return 1;
}

int grid_selected(const struct grid *g, uint32_t row, uint32_t col)
{
	struct sheet_rect r;

	return grid_selection(g, &r) && row >= r.r1 && row <= r.r2 && col >= r.c1 && col <= r.c2;
}

/* "A1:C4" for the edit line while a range is selected. */
static void sel_addr(const struct grid *g, char *addr, size_t n)
{
	struct sheet_rect r;
	char c1[8], c2[8];

	if (!grid_selection(g, &r))
		return;
	sheet_col_name(r.c1, c1, sizeof c1);
	sheet_col_name(r.c2, c2, sizeof c2);
	snprintf(addr, n, "%s%u:%s%u", c1, (unsigned)r.r1 + 1, c2, (unsigned)r.r2 + 1);
}

/* Make the journal one undo step. */
static void ops_push(struct grid *g, struct sheet_journal *j)
{
	struct change *c;

	if (j->n == 0) {
		sheet_journal_free(j);
		return;
	}
	undo_truncate(g, g->done);
	if (g->nundo == g->capundo) {
		g->capundo = g->capundo ? g->capundo * 2 : 16;
		g->undo = xreallocarray(g->undo, g->capundo, sizeof *g->undo);
	}
	c = &g->undo[g->nundo++];
	memset(c, 0, sizeof *c);
	c->sheet = g->f.sheet;
	c->row = g->row;
	c->col = g->col;
	c->group = ++g->groups;
	c->ops = xmalloc(sizeof *c->ops);
	*c->ops = *j;
	memset(j, 0, sizeof *j);
	g->done = g->nundo;
	grid_recalc_run(g, 30, NULL);
}

void grid_copy(struct grid *g, int cut)
{
	struct grid_sel *s = sel_of(g);
	struct sheet_rect r;

	grid_selection(g, &r);
	if (s->have_clip)
		sheet_clip_free(&s->clip);
	sheet_clip_take(&g->f, &r, cut, &s->clip);
	s->have_clip = 1;
	s->active = s->extend = 0;
}

int grid_paste(struct grid *g, struct err *e)
{
	struct grid_sel *s = sel_of(g);
	struct sheet_journal j = { 0 };
	int rc;

	if (!s->have_clip)
		return err_set(e, E_NOTFOUND, "%s", tr("sheets.err.no_clip"));
	rc = sheet_op_paste(&g->f, &s->clip, g->row, g->col, &j, e);
	ops_push(g, &j);
	if (rc == 0 && s->clip.cut) {
		/* A cut pastes once, as in Excel. */
		sheet_clip_free(&s->clip);
		s->have_clip = 0;
	}
	s->active = 0;
	return rc;
}

int grid_fill(struct grid *g, enum sheet_axis axis, struct err *e)
{
	struct sheet_journal j = { 0 };
	struct sheet_rect r;
	int rc;

	grid_selection(g, &r);
	rc = sheet_op_fill(&g->f, &r, axis, &j, e);
	ops_push(g, &j);
	return rc;
}

void grid_clear_range(struct grid *g)
{
	struct sheet_journal j = { 0 };
	struct sheet_rect r;

	grid_selection(g, &r);
	sheet_op_clear(&g->f, &r, &j);
	ops_push(g, &j);
}

int grid_shift(struct grid *g, enum sheet_axis axis, int insert, struct err *e)
{
	struct sheet_journal j = { 0 };
	struct sheet_rect r;
	uint32_t at, n;
	int rc;

	grid_selection(g, &r);
	at = axis == SHEET_AXIS_ROWS ? r.r1 : r.c1;
	n = axis == SHEET_AXIS_ROWS ? r.r2 - r.r1 + 1 : r.c2 - r.c1 + 1;
	/* The filter's rows would no longer line up. */
	if (axis == SHEET_AXIS_ROWS && g->sel && g->sel->hidden)
		grid_filter(g, NULL, NULL, NULL);
	rc = sheet_op_shift(&g->f, axis, at, insert ? (long)n : -(long)n, &j, e);
	ops_push(g, &j);
	if (rc == 0 && g->sel)
		g->sel->active = 0;
	return rc;
}

int grid_sort(struct grid *g, const char *spec, struct err *e)
{
	struct sheet_sort_key keys[16];
	struct sheet_journal j = { 0 };
	struct sheet_rect r;
	int n, rc;

	if ((rc = sheet_sort_parse(spec, keys, 16, &n, e)) != 0)
		return rc;
	if (!grid_selection(g, &r)) {
		sheet_current_region(&g->f, g->row, g->col, &r);
		if (sheet_has_header(&g->f, &r, keys, n))
			r.r1++;
	}
	rc = sheet_op_sort(&g->f, &r, keys, n, &j, e);
	ops_push(g, &j);
	return rc;
}

int grid_filter(struct grid *g, const char *spec, uint32_t *shown, struct err *e)
{
	struct grid_sel *s = sel_of(g);
	struct sheet_crit crit;
	uint32_t col, rows, cols, head, n = 0;
	const char *p;
	size_t i = 0;

	free(s->hidden);
	s->hidden = NULL;
	s->nhidden = 0;
	if (spec == NULL || spec[0] == '\0') {
		if (shown)
			*shown = 0;
		return 0;
	}
	/* "B >100": a column, blanks, the criterion. */
	while (spec[i] && ((spec[i] >= 'A' && spec[i] <= 'Z') || (spec[i] >= 'a' && spec[i] <= 'z')))
		i++;
	p = spec + i;
	while (*p == ' ')
		p++;
	{
		char letters[8] = "";
		struct sheet_ref ref;
		size_t used;

		if (i == 0 || i > 3 || (spec[i] != ' ' && spec[i] != '\0'))
			return err_set(e, E_USAGE, "%s",
				       trf((char[512]){ 0 }, 512, "sheets.err.filter", TR_S(spec)));
		snprintf(letters, sizeof letters, "%.*s1", (int)i, spec);
		if (sheet_ref_parse(g->f.wb, g->f.sheet, letters, strlen(letters), &ref, &used) != 0)
			return err_set(e, E_USAGE, "%s",
				       trf((char[512]){ 0 }, 512, "sheets.err.filter", TR_S(spec)));
		col = ref.c1;
	}
	sheet_crit_parse(p, &crit);
	sheet_extent(g->f.wb, g->f.sheet, &rows, &cols);
	/* The column's first non-empty cell is its header: it stays. */
	for (head = 0; head < rows; head++) {
		struct sheet_value v;

		sheet_get(g->f.wb, g->f.sheet, head, col, &v);
		if (v.type != SHEET_EMPTY)
			break;
	}
	s->hidden = xcalloc(rows ? rows : 1, 1);
	s->nhidden = rows;
	s->hidden_sheet = g->f.sheet;
	for (uint32_t row = head + 1; row < rows; row++) {
		s->hidden[row] = !sheet_crit_match(&g->f, row, col, &crit);
		n += !s->hidden[row];
	}
	sheet_crit_free(&crit);
	grid_skip_hidden(g, 1);
	if (shown)
		*shown = n;
	return 0;
}

int grid_find(struct grid *g, const char *text, int back)
{
	struct grid_sel *s = sel_of(g);
	uint32_t row = g->row, col = g->col, first_row, first_col;
	int rc;

	if (text) {
		free(s->find);
		s->find = xstrdup(text);
	}
	if (s->find == NULL)
		return E_NOTFOUND;
	rc = sheet_find_next(&g->f, s->find, back, &row, &col);
	/* Matches in filtered-out rows are passed over. */
	first_row = row;
	first_col = col;
	while (rc == 0 && grid_row_hidden(g, row)) {
		rc = sheet_find_next(&g->f, s->find, back, &row, &col);
		if (row == first_row && col == first_col)
			rc = E_NOTFOUND;
	}
	s->finding = rc == 0;
	if (rc == 0) {
		s->active = 0;
		grid_goto(g, row, col);
	}
	return rc;
}

int grid_finding(const struct grid *g)
{
	return g->sel && g->sel->finding;
}

void grid_find_end(struct grid *g)
{
	if (g->sel)
		g->sel->finding = 0;
}

void grid_replace_text(struct grid *g, const char *from, const char *to, size_t *count,
		       size_t *skipped)
{
	struct sheet_journal j = { 0 };
	struct sheet_rect r = { 0, 0, SHEET_MAX_ROWS - 1, SHEET_MAX_COLS - 1 };

	if (g->sel && g->sel->active)
		grid_selection(g, &r);
	sheet_op_replace(&g->f, &r, from, to, &j, count, skipped);
	ops_push(g, &j);
}
