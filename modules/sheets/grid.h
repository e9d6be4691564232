/*
 * grid.h - the Sheets tab's grid: one sheet file on screen, the cursor, the
 * value being entered, and undo of cell changes (grid.c). The model is pure
 * C over io.h; grid_draw is the only part that draws (through tui.h).
 *
 * A cell's content is what re-creates it: a formula's source with its '=',
 * else its value as the CSV output writes it. Typed values follow the CSV
 * typing rules of io.h (numbers, TRUE/FALSE, ISO dates, =formula, text).
 */
#ifndef ATRIUM_SHEETS_GRID_H
#define ATRIUM_SHEETS_GRID_H

#include <stddef.h>
#include <stdint.h>

#include "modules/sheets/io.h"
#include "modules/sheets/ops.h"

#define GRID_COL_WIDTH 10 /* default column width, in terminal columns */
#define GRID_COL_GAP 1    /* blank columns between two columns */

struct grid;
struct ui_area;

enum grid_move {
	GRID_UP,
	GRID_DOWN,
	GRID_LEFT,
	GRID_RIGHT,
	GRID_PGUP,
	GRID_PGDN,
	GRID_HOME, /* column A of the row */
};

enum grid_align { GRID_ALIGN_LEFT, GRID_ALIGN_CENTER, GRID_ALIGN_RIGHT };

/* An empty untitled sheet. */
struct grid *grid_new(void);
void grid_free(struct grid *g);

struct sheet_file *grid_file(struct grid *g);
/* The file's path; NULL while untitled. */
const char *grid_path(const struct grid *g);
/* Show f (its contents are moved into the grid; f is left empty) read from
 * path (NULL: untitled). The cursor goes to A1; undo starts afresh. */
void grid_replace(struct grid *g, struct sheet_file *f, const char *path);
/* After saving to path: remember it and that nothing is unsaved. */
void grid_saved(struct grid *g, const char *path);
/* A save that did not go through (an upload refused): the file counts as
 * changed again. */
void grid_set_modified(struct grid *g);
/* True when cells changed since the file was opened or saved. */
int grid_modified(const struct grid *g);

void grid_cursor(const struct grid *g, uint32_t *row, uint32_t *col);
/* Move the cursor (clamped to the sheet's limits); commits nothing. */
void grid_goto(struct grid *g, uint32_t row, uint32_t col);
void grid_move(struct grid *g, enum grid_move m);
/* The rows a page holds (the view sets it when drawing). */
void grid_set_page(struct grid *g, int rows);
/* Scroll so the cursor is within nrows x ncols visible cells. */
void grid_scroll(struct grid *g, int nrows, int ncols);
void grid_origin(const struct grid *g, uint32_t *top, uint32_t *left);

/* ---- entering a value ---------------------------------------------------- */

int grid_editing(const struct grid *g);
/* Start entering into the current cell: empty, or (keep) from its content. */
void grid_edit_begin(struct grid *g, int keep);
void grid_edit_insert(struct grid *g, const char *s, size_t n);
/* Delete the last character typed. */
void grid_edit_backspace(struct grid *g);
const char *grid_edit_text(const struct grid *g);
/* Store what was typed in the current cell and recalculate. 0, or E_PARSE
 * (a formula that does not parse: nothing changes, entering goes on, e
 * says where). */
int grid_edit_commit(struct grid *g, struct err *e);
void grid_edit_cancel(struct grid *g);

/* Empty the current cell (one undo step). */
void grid_clear_cell(struct grid *g);
/* 0, or E_NOTFOUND when there is nothing to undo / redo. */
int grid_undo(struct grid *g);
int grid_redo(struct grid *g);

/* ---- what is shown --------------------------------------------------------- */

/* The cell's content for the edit line (formula source, else the value). */
void grid_cell_input(const struct grid *g, uint32_t row, uint32_t col, struct buf *out);
/* The cell's value as shown in a column `width` wide: text clipped to the
 * width (CJK counts double), numbers that do not fit as '#'s. Appends to
 * out; returns the columns the text takes. */
size_t grid_cell_text(const struct grid *g, uint32_t row, uint32_t col, size_t width,
		      struct buf *out, enum grid_align *align);
/* Draw the edit line, the frozen headers, the visible cells and the row
 * of sheet tabs. */
void grid_draw(struct grid *g, struct ui_area *area);

/* ---- sheets: the tabs (grid.c, tabs.c) ------------------------------------ */

int grid_sheet(const struct grid *g);
/* Show another sheet (clamped to the workbook's): entering is cancelled;
 * each sheet keeps its own cursor and scroll. */
void grid_set_sheet(struct grid *g, int sheet);
/* Add a sheet after the last (name NULL: "SheetN") and show it; its index,
 * or E_USAGE (a name taken, or one Excel would
 * refuse) with e filled. Adding, renaming and deleting are each one undo
 * step. */
int grid_sheet_add(struct grid *g, const char *name, struct err *e);
/* Rename a sheet; formulas that name it are rewritten. 0 or E_* as above. */
int grid_sheet_rename(struct grid *g, int sheet, const char *name, struct err *e);
/* Delete a sheet; references to it become #REF! (undo gives them back
 * with the sheet). E_USAGE for the last. */
int grid_sheet_delete(struct grid *g, int sheet, struct err *e);
/* Is name acceptable as a sheet name (1..31 characters, none of []:*?/\,
 * not starting or ending with ')? */
int grid_sheet_name_ok(const char *name);

/* The sheet operations on a file (tabs.c): rename rewrites the sources
 * of formulas naming the sheet (each one, before and after, into log when
 * it is not NULL); delete rebuilds the workbook without it, references to
 * it turned to #REF!, and leaves f->sheet valid. */
struct sheet_src {
	int sheet;
	uint32_t row, col;
	char *before, *after;
};
struct sheet_srcs {
	struct sheet_src *v;
	size_t n, cap;
};
void sheet_srcs_free(struct sheet_srcs *l);
int sheet_file_rename_sheet(struct sheet_file *f, int sheet, const char *name,
			    struct sheet_srcs *log, struct err *e);
/* Give the sheet the name and the logged formulas their sources before
 * (redo 0) or after (redo 1) the rename; the workbook must be as it was
 * then (undo and redo are linear). */
void sheet_file_rename_apply(struct sheet_file *f, int sheet, const char *name,
			     const struct sheet_srcs *log, int redo);
int sheet_file_delete_sheet(struct sheet_file *f, int sheet, struct err *e);
/* The same into out (initialised here), f left as it is. */
int sheet_file_without_sheet(struct sheet_file *f, int sheet, struct sheet_file *out,
			      struct err *e);

/* ---- column widths ---------------------------------------------------------- */

#define GRID_COL_MAX 200 /* widest column, in terminal columns */

/* A column's width in terminal columns on the current sheet. */
int grid_col_width(const struct grid *g, uint32_t col);
/* Set it (0: the default width); kept in the file's per-sheet widths. */
void grid_set_col_width(struct grid *g, uint32_t col, int width);
/* Fit a column to its widest shown value (CJK counts double) and its
 * header; returns the width set. */
int grid_autofit(struct grid *g, uint32_t col);

/* ---- number formats ---------------------------------------------------------- */

/* Give the cells of r1..r2 x c1..c2 on the current sheet the format code
 * (NULL or "General": none), as one undo step. E_PARSE (e says why) for a
 * code that does not compile: nothing changes. */
int grid_set_format(struct grid *g, uint32_t r1, uint32_t c1, uint32_t r2, uint32_t c2,
		    const char *code, struct err *e);
/* A value as shown with a format code for the UI language (separators
 * from ICU): appends to out. 0, or -1 when it cannot be shown (a date
 * format given a negative serial). Used by the grid and --formatted. */
int grid_format_value(const struct sheet_file *f, int sheet, uint32_t row, uint32_t col,
		      struct buf *out, int *numeric);

/* ---- recalculation in slices ------------------------------------------------- */

/* The grid's workbook recalculates in slices: a change queues the work and
 * grid_recalc_run does it for up to ms milliseconds (committing a value
 * runs a first slice). 1 while work remains; *pct (may be NULL) 0..100. */
int grid_recalc_run(struct grid *g, int ms, int *pct);
int grid_recalc_pending(const struct grid *g);
/* Stop: what was not recalculated is marked stale (shown dim) until
 * recalculated (grid_recalc_all). Returns the number of stale cells. */
uint32_t grid_recalc_cancel(struct grid *g);
/* Queue every formula of the workbook (":recalc"). */
void grid_recalc_all(struct grid *g);

/* ---- loading on a worker thread (load.c) ------------------------------------ */

struct sheet_load;
/* Start reading path into a new sheet file on a worker thread; done(arg)
 * runs on the loop's thread when it has finished (or was cancelled). */
int sheet_load_start(const char *path, struct loop *loop, loop_fn done, void *arg,
		     struct sheet_load **out, struct err *e);
const char *sheet_load_path(const struct sheet_load *l);
/* 0..100 of the current phase: reading (*recalculating 0), then
 * recalculating (1). */
int sheet_load_progress(struct sheet_load *l, int *recalculating);
/* Ask the worker to stop; done still runs. */
void sheet_load_cancel(struct sheet_load *l);
/* Wait for the worker and free l: 0 with the file in f (free it), or the
 * error (E_CANCELLED when cancelled) in e. */
int sheet_load_finish(struct sheet_load *l, struct sheet_file *f, struct err *e);

/* ---- selection and editing operations (grid.c over ops.c) ----------------- */

/* Shift+arrow: start a selection at the cursor (the anchor) if there is
 * none, then move the cursor, which is the other corner. */
void grid_select_move(struct grid *g, enum grid_move m);
/* F8: arrows extend the selection until F8 again or Esc (terminals that
 * send no Shift+arrows). */
void grid_select_mark(struct grid *g);
int grid_select_extending(const struct grid *g);
void grid_select_clear(struct grid *g);
/* The selection (1), or the cursor's cell (0). */
int grid_selection(const struct grid *g, struct sheet_rect *r);
int grid_selected(const struct grid *g, uint32_t row, uint32_t col);
/* Copy or cut the selection; paste at the cursor (a cut pastes once).
 * Each paste, fill, clear, insert, delete, sort and replace is one undo
 * step. */
void grid_copy(struct grid *g, int cut);
int grid_paste(struct grid *g, struct err *e);
int grid_fill(struct grid *g, enum sheet_axis axis, struct err *e);
void grid_clear_range(struct grid *g);
/* Insert (before the cursor) or delete (at it) as many rows or columns as
 * the selection spans. */
int grid_shift(struct grid *g, enum sheet_axis axis, int insert, struct err *e);
/* Sort the selection, or the current region (its header row kept when it
 * has one), by "B desc, A". */
int grid_sort(struct grid *g, const char *spec, struct err *e);
/* Show only the rows whose column matches ("B >100", "C 北京"); NULL or ""
 * shows every row. The region's first row (its header) stays. *shown:
 * rows left. Hidden rows are skipped by the cursor and the view. */
int grid_filter(struct grid *g, const char *spec, uint32_t *shown, struct err *e);
int grid_row_hidden(const struct grid *g, uint32_t row);
/* The n-th shown row from top (n = 0: top itself unless hidden). */
uint32_t grid_row_shown(const struct grid *g, uint32_t top, int n);
/* Find text (NULL: the last one again) after the cursor (back: before);
 * E_NOTFOUND. While grid_finding, n / N repeat it. */
int grid_find(struct grid *g, const char *text, int back);
int grid_finding(const struct grid *g);
void grid_find_end(struct grid *g);
/* Replace in the selection, or the whole sheet. */
void grid_replace_text(struct grid *g, const char *from, const char *to, size_t *count,
		       size_t *skipped);

/* ---- files (cmd.c) --------------------------------------------------------- */

/* The whole file at path into out; E_NOTFOUND, E_PERM or E_IO with the
 * reason (a catalog message: safe on the loader's thread too). */
int sheet_read_path(const char *path, struct buf *out, struct err *e);
/* Load a CSV/TSV file into f (initialised here; free it in any case). */
int sheet_path_load(const char *path, struct sheet_file *f, struct err *e);
/* Save atomically as CSV/TSV keeping formulas; the delimiter is f's, or
 * the extension's when path is not the file's own (as_new). */
int sheet_path_save(const char *path, struct sheet_file *f, int as_new, struct err *e);
/* The file's bytes in the format of path's extension (CSV keeping
 * formulas), appended to out: for saving to the share from memory. */
int sheet_path_bytes(const char *path, struct sheet_file *f, int as_new, struct buf *out,
		     struct err *e);

/* ---- workbooks on the team share (cmd.c, sheets.c) ------------------------- */

/* "share:/budget/2026.xlsx" names a file of the team share ([files]); the
 * format follows its extension as for local files. */
#define SHEET_SHARE_PREFIX "share:"
int sheet_share_path(const char *path);
/* The path a user typed as the sheets module names it (free it):
 * "/budget/2026.xlsx" becomes "share:/budget/2026.xlsx" when [files] url is
 * set and neither the file nor its folder exists here; others unchanged. */
char *sheet_share_resolve(const struct conf *conf, const char *path);
/* Hand the bytes fetched for a share path to the readers (data is taken):
 * the next sheet_read_path(path), on any thread, gets them from memory,
 * so no readable copy of a workbook reaches the disk. drop wipes what was
 * not read. */
void sheet_mem_give(const char *path, struct buf *data);
void sheet_mem_drop(const char *path);
/* How batch verbs reach the share (set by sheets.c when the files module
 * is built): get the newest content of a share path (without "share:");
 * put a new version: 0 uploaded, or E_QUEUED / E_CONFLICT, kept by the
 * share, said on stderr and returned as 0 by the hook; other E_* fail.
 * NULL: share paths are an error. */
struct sheet_share_io {
	int (*get)(const char *path, struct buf *out, struct err *e);
	int (*put)(const char *path, const void *data, size_t len, struct err *e);
};
void sheet_share_set_io(const struct sheet_share_io *io);

/* The verbs that act on the grid: open, save (w), goto. */
int sheet_cmd_grid(struct grid *g, struct cmd_ctx *ctx, int argc, char **argv);
int sheet_cmd_is_grid(const char *verb);

#endif
