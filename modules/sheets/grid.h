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
/* Draw the edit line, the frozen headers and the visible cells. */
void grid_draw(struct grid *g, struct ui_area *area);

/* ---- files (cmd.c) --------------------------------------------------------- */

/* Load a CSV/TSV file into f (initialised here; free it in any case). */
int sheet_path_load(const char *path, struct sheet_file *f, struct err *e);
/* Save atomically as CSV/TSV keeping formulas; the delimiter is f's, or
 * the extension's when path is not the file's own (as_new). */
int sheet_path_save(const char *path, struct sheet_file *f, int as_new, struct err *e);
/* The verbs that act on the grid: open, save (w), goto. */
int sheet_cmd_grid(struct grid *g, struct cmd_ctx *ctx, int argc, char **argv);
int sheet_cmd_is_grid(const char *verb);

#endif
