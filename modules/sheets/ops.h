/*
 * ops.h - the grid's editing operations over a sheet file (ops.c; pure C):
 * reference adjustment on the formulas' source text, copy/cut and paste,
 * fill, inserting and deleting rows and columns, sort, filter criteria,
 * find and replace. Each operation that changes cells records what it did
 * in a journal, so the grid undoes and redoes it as one step, exactly
 * (formula sources, dates, number formats and kept sources included).
 *
 * Rows and columns are 0-based; rectangles are inclusive.
 */
#ifndef ATRIUM_SHEETS_OPS_H
#define ATRIUM_SHEETS_OPS_H

#include <stddef.h>
#include <stdint.h>

#include "modules/sheets/io.h"

struct sheet_rect {
	uint32_t r1, c1, r2, c2;
};

enum sheet_axis { SHEET_AXIS_ROWS, SHEET_AXIS_COLS };

/* ---- reference adjustment ------------------------------------------------ */

/* Defined in formula.c (it runs the compiler's lexer): fn gets each
 * reference token of src (offset, length, the reference, whether its sheet
 * is missing). 0, fn's non-zero value, or E_PARSE. */
int sheet_formula_refs(struct sheet_book *wb, int sheet, const char *src,
		       int (*fn)(size_t pos, size_t len, const struct sheet_ref *r, int missing,
				 void *arg),
		       void *arg);

enum sheet_adj_kind {
	SHEET_ADJ_OFFSET, /* a copy pasted drow, dcol away: relative parts move */
	SHEET_ADJ_SHIFT,  /* rows or columns inserted (n > 0) or deleted (n < 0) */
	SHEET_ADJ_MOVE,   /* cells `from` cut and pasted drow, dcol away */
};

struct sheet_adjust {
	enum sheet_adj_kind kind;
	long drow, dcol;         /* OFFSET, MOVE */
	int sheet;               /* SHIFT, MOVE: the sheet whose cells move */
	enum sheet_axis axis;    /* SHIFT */
	uint32_t at;             /* SHIFT: the first row/column inserted or deleted */
	long n;                  /* SHIFT */
	struct sheet_rect from;  /* MOVE */
};

/* Adjust one reference: 0 (r updated, maybe unchanged) or 1 when it no
 * longer points anywhere (#REF!). */
int sheet_adjust_ref(const struct sheet_adjust *adj, struct sheet_ref *r);
/* The source of a formula of `sheet` with its references adjusted; NULL
 * when no reference changes or the source does not parse. Free it. */
char *sheet_adjust_src(struct sheet_book *wb, int sheet, const char *src,
		       const struct sheet_adjust *adj);

/* ---- cells as they were: snapshots and the journal --------------------- */

enum { SHEET_SNAP_EMPTY, SHEET_SNAP_INPUT, SHEET_SNAP_TEXT, SHEET_SNAP_ERROR };

struct sheet_snap {
	int kind;
	enum sheet_err err;
	int date;      /* the number is a date (without a format) */
	char *text;    /* INPUT: as typed (a formula with '='); TEXT: the text */
	char *fmt;     /* the number format, or NULL */
};

void sheet_snap_take(const struct sheet_file *f, int sheet, uint32_t row, uint32_t col,
		     struct sheet_snap *s);
/* Put the cell back as it was (recalculating unless suspended). */
void sheet_snap_restore(struct sheet_file *f, int sheet, uint32_t row, uint32_t col,
			const struct sheet_snap *s);
void sheet_snap_free(struct sheet_snap *s);

enum { SHEET_EDIT_CELL, SHEET_EDIT_SHIFT, SHEET_EDIT_SORT };

/*
 * A move (SHIFT, SORT) is undone by its inverse: every formula's references
 * follow it back. Formulas that the inverse cannot give back (a reference
 * became #REF!) are recorded before the move as cell entries whose before
 * and after are their old source.
 */
struct sheet_edit {
	int shift;     /* SHEET_EDIT_*: a cell changed, rows or columns moved, rows sorted */
	int sheet;
	uint32_t row, col;
	struct sheet_snap before, after;
	enum sheet_axis axis;    /* SHIFT */
	uint32_t at;             /* SHIFT */
	long n;                  /* SHIFT */
	struct sheet_ref *names; /* SHIFT: every name's reference before, when one
				  * cannot follow back; else NULL */
	size_t nnames;
	struct sheet_rect rect;  /* SORT: the rows sorted */
	uint32_t *perm;          /* SORT: row i of rect came from row perm[i] */
};

struct sheet_journal {
	struct sheet_edit *v;
	size_t n, cap;
};

void sheet_journal_free(struct sheet_journal *j);
/* Undo (revert) or redo (replay) everything the journal holds. */
void sheet_journal_undo(struct sheet_file *f, const struct sheet_journal *j);
void sheet_journal_redo(struct sheet_file *f, const struct sheet_journal *j);

/* ---- operations: each records into j (may be NULL) ----------------------- */

/* A copy of cells, or a cut (the cells are read when pasted). */
struct sheet_clip {
	int sheet;
	struct sheet_rect src;
	int cut;
	struct sheet_snap *cells; /* copy: rows x cols, row by row */
};

void sheet_clip_take(const struct sheet_file *f, const struct sheet_rect *r, int cut,
		     struct sheet_clip *c);
void sheet_clip_free(struct sheet_clip *c);
/* Paste at (row, col) of f->sheet. A copy adjusts relative references by
 * the offset; a cut moves the cells, and every formula of the workbook
 * that pointed at them follows (those that pointed at cells it
 * overwrote become #REF!). E_RANGE when the paste would leave the sheet. */
int sheet_op_paste(struct sheet_file *f, const struct sheet_clip *c, uint32_t row, uint32_t col,
		   struct sheet_journal *j, struct err *e);
/* Fill down (ROWS) or right (COLS): the first row/column of r into the
 * rest; a rectangle one row (column) thick takes the one above (left). */
int sheet_op_fill(struct sheet_file *f, const struct sheet_rect *r, enum sheet_axis axis,
		  struct sheet_journal *j, struct err *e);
/* Empty the cells of r (their formats stay, as Excel's Delete). */
void sheet_op_clear(struct sheet_file *f, const struct sheet_rect *r, struct sheet_journal *j);
/* Insert n rows/columns before `at` (n > 0) or delete -n from `at` on
 * f->sheet; every formula of the workbook follows. E_RANGE when cells
 * would be pushed off the sheet. */
int sheet_op_shift(struct sheet_file *f, enum sheet_axis axis, uint32_t at, long n,
		   struct sheet_journal *j, struct err *e);

struct sheet_sort_key {
	uint32_t col; /* absolute column */
	int desc;
};
/* Sort the rows of r by the keys: numbers before text (in the UI
 * language's collation) before booleans before errors, blanks last in
 * either direction; equal rows keep their order. Formulas move as a copy
 * would. */
int sheet_op_sort(struct sheet_file *f, const struct sheet_rect *r,
		  const struct sheet_sort_key *keys, int nkeys, struct sheet_journal *j,
		  struct err *e);
/* Parse "B desc, A" (columns by letter; asc/desc, also 升序/降序). */
int sheet_sort_parse(const char *spec, struct sheet_sort_key *keys, int max, int *n,
		     struct err *e);
/* The block of non-empty cells around (row, col), bounded by empty rows
 * and columns (Excel's current region). */
void sheet_current_region(const struct sheet_file *f, uint32_t row, uint32_t col,
			  struct sheet_rect *out);
/* Does the first row of r look like a header for sorting by these keys
 * (all its cells text, and some key column holding a non-text below)? */
int sheet_has_header(const struct sheet_file *f, const struct sheet_rect *r,
		     const struct sheet_sort_key *keys, int nkeys);

/* A filter criterion: ">100", "<=5", "<>x", "=北京", "北京", "a*" (wildcards
 * * and ?; text case-insensitive). */
struct sheet_crit {
	int op; /* '=', '!' (<>), '<', '>', 'l' (<=), 'g' (>=) */
	int numeric;
	double num;
	char *text; /* case-folded */
};
int sheet_crit_parse(const char *s, struct sheet_crit *c);
int sheet_crit_match(const struct sheet_file *f, uint32_t row, uint32_t col,
		     const struct sheet_crit *c);
void sheet_crit_free(struct sheet_crit *c);

/* Find text (case-insensitive) in the cells' content (a formula's source,
 * else the value as the edit line shows it), row by row from after
 * (row, col) (before it when back), wrapping; 0 with *row, *col set, or
 * E_NOTFOUND. */
int sheet_find_next(const struct sheet_file *f, const char *needle, int back, uint32_t *row,
		    uint32_t *col);
/* Replace every occurrence of from by to in the cells of r
 * (case-insensitive). *count: cells changed; *skipped: formulas that
 * would no longer parse (left as they were). */
int sheet_op_replace(struct sheet_file *f, const struct sheet_rect *r, const char *from,
		     const char *to, struct sheet_journal *j, size_t *count, size_t *skipped);
/* Case-insensitive search of needle in s: the byte offset, or -1;
 * *mlen is the length matched in s. */
long sheet_text_find(const char *s, size_t len, const char *needle, size_t *mlen);

#endif
