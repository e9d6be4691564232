/*
 * engine.h - the spreadsheet engine of the sheets module (pure C, no curses):
 * cell storage (cell.c), the formula compiler (formula.c), the evaluator
 * (eval.c), the dependency graph and recalculation (deps.c) and the
 * function table (func.c).
 *
 * Rows and columns are 0-based here; A1 is row 0, column 0. Every function
 * that can fail returns 0 or a negative E_* code from core/core.h.
 *
 * Circular references: every formula in a cycle gets the error value
 * SHEET_ERR_CIRC, written "#CIRC!" (Excel shows 0 with a warning,
 * LibreOffice Err:522; a distinct code says what is wrong). Cells that
 * depend on a cycle see that error and propagate it as any other error.
 */
#ifndef ATRIUM_SHEETS_ENGINE_H
#define ATRIUM_SHEETS_ENGINE_H

#include <stddef.h>
#include <stdint.h>

#include "core/core.h"

#define SHEET_MAX_ROWS 1048576u
#define SHEET_MAX_COLS 16384u
#define SHEET_BLOCK 1024u    /* rows per storage block */
#define SHEET_MAX_DEPTH 200  /* formula nesting bound */
#define SHEET_MAX_ARGS 255   /* function arguments, as Excel */
#define SHEET_MAX_TEXT 32767 /* characters in a text value, as Excel */

enum sheet_err {
	SHEET_ERR_NONE,
	SHEET_ERR_NULL,	 /* #NULL! */
	SHEET_ERR_DIV0,	 /* #DIV/0! */
	SHEET_ERR_VALUE, /* #VALUE! */
	SHEET_ERR_REF,	 /* #REF! */
	SHEET_ERR_NAME,	 /* #NAME? */
	SHEET_ERR_NUM,	 /* #NUM! */
	SHEET_ERR_NA,	 /* #N/A */
	SHEET_ERR_CIRC,	 /* #CIRC!: a circular reference */
	SHEET_ERR_COUNT
};

enum sheet_type {
	SHEET_EMPTY,
	SHEET_NUM,
	SHEET_TEXT,
	SHEET_BOOL,
	SHEET_ERROR,
	SHEET_REF,     /* evaluator only: a reference or range */
	SHEET_MISSING, /* evaluator only: an omitted argument, as in IF(A1,,2) */
	SHEET_ARRAY,   /* evaluator only: rows x cols of values (arr) */
};

/* Flags of a reference. */
enum {
	SHEET_REF_ABS_C1 = 1,
	SHEET_REF_ABS_R1 = 2,
	SHEET_REF_ABS_C2 = 4,
	SHEET_REF_ABS_R2 = 8,
	SHEET_REF_RANGE = 16,  /* written as a range (A1:B2, A:A, 3:3) */
	SHEET_REF_COLS = 32,   /* whole columns: A:A */
	SHEET_REF_ROWS = 64,   /* whole rows: 3:3 */
	SHEET_REF_SHEET = 128, /* the sheet was written (Sheet2!A1) */
};

/* A cell or a rectangle of cells on one sheet; r1 <= r2, c1 <= c2. */
struct sheet_ref {
	int sheet;
	uint32_t r1, c1, r2, c2;
	unsigned flags;
};

/*
 * A value. Booleans are num 0 or 1. str is NUL-terminated UTF-8; who owns it
 * is said by the function that fills the value. An array (SHEET_ARRAY) is
 * one allocation, elements and their texts together, so free(str) frees
 * it as it frees a text; only the evaluator makes them, and a cell never
 * holds one.
 */
struct sheet_array;
struct sheet_value {
	enum sheet_type type;
	enum sheet_err err;
	double num;
	union {
		char *str;
		struct sheet_array *arr;
	};
	struct sheet_ref ref;
};

struct sheet_book;
struct sheet_code;

/* ---- workbook and cells (cell.c) ------------------------------------- */

struct sheet_book *sheet_book_new(void);
void sheet_book_free(struct sheet_book *wb);
/* Add a sheet; returns its index or a negative E_* (duplicate name). */
int sheet_add(struct sheet_book *wb, const char *name, struct err *e);
int sheet_count(const struct sheet_book *wb);
const char *sheet_name(const struct sheet_book *wb, int sheet);
/* Case-insensitive, as Excel; -1 when absent. */
int sheet_find(const struct sheet_book *wb, const char *name, size_t len);

/* Setting a cell recalculates what depends on it (unless suspended). */
int sheet_set_number(struct sheet_book *wb, int sheet, uint32_t row, uint32_t col, double v);
int sheet_set_text(struct sheet_book *wb, int sheet, uint32_t row, uint32_t col, const char *s);
int sheet_set_bool(struct sheet_book *wb, int sheet, uint32_t row, uint32_t col, int b);
int sheet_set_error(struct sheet_book *wb, int sheet, uint32_t row, uint32_t col,
		    enum sheet_err err);
int sheet_clear(struct sheet_book *wb, int sheet, uint32_t row, uint32_t col);
/* src with or without the leading '='; a malformed formula changes nothing
 * and returns E_PARSE with "formula: ... at N" (N a byte offset in src). */
int sheet_set_formula(struct sheet_book *wb, int sheet, uint32_t row, uint32_t col, const char *src,
		      struct err *e);
/* The same taking *src (malloc'd) on success (*src set to NULL). */
int sheet_set_formula_take(struct sheet_book *wb, int sheet, uint32_t row, uint32_t col,
			   char **src, struct err *e);
/* What a user typed: "=..." a formula, a number, TRUE/FALSE, an error
 * literal, else text. */
int sheet_set_input(struct sheet_book *wb, int sheet, uint32_t row, uint32_t col, const char *s,
		    struct err *e);

/* The value of a cell (a formula's cached result). out->str is borrowed:
 * valid until the cell changes. */
void sheet_get(const struct sheet_book *wb, int sheet, uint32_t row, uint32_t col,
	       struct sheet_value *out);
int sheet_is_formula(const struct sheet_book *wb, int sheet, uint32_t row, uint32_t col);
/* One past the last used row and column of a sheet. */
void sheet_extent(const struct sheet_book *wb, int sheet, uint32_t *rows, uint32_t *cols);
/* Bytes the cell storage has allocated (blocks, indexes, texts). */
size_t sheet_storage_bytes(const struct sheet_book *wb);

/* Named ranges: a workbook-wide name for a reference ("Sheet1!$A$1:$B$9").
 * Formulas resolve names when they are compiled. Names follow inserted
 * and deleted rows and columns (ops.c); one whose cells are all deleted
 * is #REF!. */
int sheet_define_name(struct sheet_book *wb, const char *name, const char *ref, struct err *e);

/* ---- A1 notation (cell.c) -------------------------------------------- */

/* Parse a reference at the start of s[0..len): "B12", "$A$1", "A1:B10",
 * "A:A", "3:3", "Sheet2!A1", "'My sheet'!A1". Sets *used to the bytes
 * taken. Returns 0, E_PARSE (not a reference) or E_NOTFOUND (no such sheet;
 * *used still set). cur_sheet is the sheet for references without one. */
int sheet_ref_parse(const struct sheet_book *wb, int cur_sheet, const char *s, size_t len,
		    struct sheet_ref *out, size_t *used);
/* Format back ("$A$1", "Sheet2!A1:B3", "'My sheet'!A:A"); the sheet is
 * written when the reference has SHEET_REF_SHEET. Returns the length. */
size_t sheet_ref_format(const struct sheet_book *wb, const struct sheet_ref *r, char *buf,
			size_t n);
/* "A", "Z", "AA", ... for a 0-based column. */
size_t sheet_col_name(uint32_t col, char *buf, size_t n);

/* ---- values (eval.c) ---------------------------------------------------- */

const char *sheet_err_text(enum sheet_err err);
/* "#DIV/0!" -> SHEET_ERR_DIV0, or SHEET_ERR_NONE; case-insensitive. */
enum sheet_err sheet_err_parse(const char *s, size_t len, size_t *used);
/* Text as Excel formats a number in the General format (up to 15
 * significant digits). buf of at least 32 bytes. */
void sheet_num_text(double v, char *buf, size_t n);
/* Text to number as Excel's arithmetic does ("  3 ", "1e3", "50%"). */
int sheet_text_num(const char *s, double *out);
void sheet_value_free(struct sheet_value *v);

/* ---- recalculation (deps.c) -------------------------------------------- */

/* Suspend recalculation (batch loads); resuming recalculates every formula
 * once, building the dependency graph in one pass. */
void sheet_recalc_suspend(struct sheet_book *wb);
void sheet_recalc_resume(struct sheet_book *wb);
/* The same for a long load (not deferred): tick is called every few
 * thousand formulas with how many are evaluated of the total; a non-zero
 * return stops there (the formulas not reached are marked stale) and is
 * returned. */
typedef int (*sheet_recalc_tick_fn)(uint64_t done, uint64_t total, void *arg);
int sheet_recalc_resume_tick(struct sheet_book *wb, sheet_recalc_tick_fn tick, void *arg);
void sheet_recalc_all(struct sheet_book *wb);
/* Formula evaluations since the workbook was made (tests, benchmarks). */
uint64_t sheet_eval_count(const struct sheet_book *wb);
/* Formulas compiled (set from source) since the workbook was made, and
 * formulas whose references an editing operation adjusted in place
 * (ops.c); tests check that work is proportional to what changed. */
uint64_t sheet_compile_count(const struct sheet_book *wb);
uint64_t sheet_adjust_count(const struct sheet_book *wb);

/* The clock of NOW and TODAY: returns the local date and time as an Excel
 * serial (days since 1899-12-30, the time a fraction). NULL restores the
 * system clock; tests set their own. Volatile formulas (NOW, TODAY, RAND,
 * RANDBETWEEN, OFFSET, INDIRECT) and what depends on them are recalculated
 * on every change and by sheet_recalc_all. */
typedef double (*sheet_clock_fn)(void *arg);
void sheet_set_clock(struct sheet_book *wb, sheet_clock_fn fn, void *arg);
double sheet_now(const struct sheet_book *wb);

/* Sliced recalculation, for a screen that must not freeze. While deferred,
 * a change queues its recalculation instead of doing it, and
 * sheet_recalc_step does up to `budget` steps of the queued work (a step
 * visits or evaluates one formula). It returns 1 while work remains, 0
 * when none does; *done and *total (either may be NULL) tell progress in
 * evaluations (*total is 0 while the order is still being worked out).
 * Turning deferral off finishes what is queued. */
void sheet_recalc_defer(struct sheet_book *wb, int on);
int sheet_recalc_step(struct sheet_book *wb, uint32_t budget, uint64_t *done, uint64_t *total);
int sheet_recalc_pending(const struct sheet_book *wb);
/* Drop the queued work: every formula it had reached and not yet
 * evaluated is marked stale (keeping its old value) until it is evaluated
 * again. Returns how many were marked. */
uint32_t sheet_recalc_cancel(struct sheet_book *wb);
int sheet_is_stale(const struct sheet_book *wb, int sheet, uint32_t row, uint32_t col);
/* Formulas marked stale now. */
uint32_t sheet_stale_count(const struct sheet_book *wb);

/* ======== internal to the engine (modules/sheets/ only) ================ */

/* Cell tags. */
enum { CELL_EMPTY, CELL_NUM, CELL_TEXT, CELL_BOOL, CELL_ERR, CELL_FORMULA };

union sheet_slot {
	double num;
	uint64_t u;
	char *str;
};

struct sheet_block {
	uint8_t tag[SHEET_BLOCK];
	union sheet_slot slot[SHEET_BLOCK];
	uint32_t used; /* non-empty cells */
};

struct sheet_col {
	struct sheet_block **blocks;
	uint32_t nblocks;
};

struct sheet_sheet {
	char *name;
	struct sheet_col *cols;
	uint32_t ncols;
	uint32_t rows, maxcol; /* extent: one past the last used */
};

/* One compiled instruction; the code is postfix (RPN). */
enum {
	OP_NUM,
	OP_STR,
	OP_BOOL,
	OP_ERR,
	OP_REF,
	OP_MISSING,
	OP_NEG,
	OP_PLUS,
	OP_PCT,
	OP_POW,
	OP_MUL,
	OP_DIV,
	OP_ADD,
	OP_SUB,
	OP_CAT,
	OP_EQ,
	OP_NE,
	OP_LT,
	OP_GT,
	OP_LE,
	OP_GE,
	OP_RANGE, /* A1:B2 built from two references */
	OP_FUNC,
	OP_ARRAY, /* an array constant {1,2;3,4}: idx into strs (an array block) */
};

/* idx of an operator or OP_FUNC: the instruction is in an array context
 * (an argument of SUMPRODUCT, LOOKUP's vectors, ...), where ranges are
 * taken element by element instead of by implicit intersection; and
 * whether an operand may be an array at all (an array constant, a
 * function's result). With neither, the evaluator takes the plain path
 * without looking at types. */
#define SHEET_INSTR_ARRAYCTX 1u
#define SHEET_INSTR_ARRAY 2u

struct sheet_instr {
	uint8_t op;
	uint8_t argc;
	uint16_t fn;
	uint32_t idx; /* into strs or refs; bool or error code; SHEET_INSTR_* */
	double num;
};

struct sheet_code {
	/* refs in one allocation with the struct; ins and strs in a body
	 * that formulas of one shape share and nothing changes after
	 * compiling (formula.c). Pointers first, then the counts, so the
	 * header is 48 bytes, not 56. */
	struct sheet_instr *ins;
	char **strs;
	struct sheet_ref *refs;
	uint32_t nins;
	uint32_t nstrs;
	uint32_t nrefs;
	uint32_t depth; /* evaluation stack needed */
	int volatile_;	/* RAND, NOW, ... */
	uint32_t inarena; /* the struct is in the compile cache's arena (formula.c) */
};

struct sheet_formula {
	struct sheet_code *code; /* NULL: free slot */
	char *src;	/* read it with sheet_formula_src */
	/* Non-NULL: an edit moved the references (ops.c) and src still spells
	 * these, code->nrefs of them; sheet_formula_src spells it again. */
	struct sheet_ref *srefs;
	struct sheet_value val; /* cached result; str owned */
	int sheet;
	uint32_t row, col;
	uint32_t gen;
	/* recalculation scratch, valid when epoch matches the workbook's */
	uint32_t epoch;
	uint32_t index, low;
	uint32_t adj, nadj; /* dependents in the scratch edge list */
	uint8_t onstack;
	uint8_t stale; /* a cancelled recalculation did not reach it */
};

struct dep_map {
	uint64_t *keys;
	uint32_t *heads;
	size_t n, cap;
};

struct dep_edge {
	uint32_t f, gen, ref, next;
};

/* Heads of the edge lists of single cells, laid out as the cells are:
 * by sheet, column and block of SHEET_BLOCK rows (blocks made on first
 * use). Formulas read cells near each other, so this stays in cache
 * where a hash map of a million cells would not. */
struct dep_gcol {
	uint32_t **blocks;
	uint32_t nblocks;
};

struct dep_gsheet {
	struct dep_gcol *cols;
	uint32_t ncols;
};

/* A volatile formula (f at generation gen). */
struct dep_vol {
	uint32_t f, gen;
};

/* The references a formula reached at run time (OFFSET, INDIRECT) at its
 * last evaluation; edges for them carry dgen. */
struct sheet_refvec {
	struct sheet_ref *v;
	uint32_t n, cap;
};

struct dep_dyn {
	uint32_t gen, dgen; /* the formula's generation; of the edges */
	struct sheet_refvec refs;
};

struct sheet_name {
	char *name;
	struct sheet_ref ref;
};

struct sheet_book {
	struct sheet_sheet *sheets;
	int nsheets;
	struct sheet_formula *fs;
	uint32_t nfs, capfs;
	uint32_t *freefs;
	uint32_t nfree, capfree;
	struct sheet_name *names;
	size_t nnames;
	size_t bytes; /* cell storage */
	uint64_t evals;
	uint64_t compiles, adjusts; /* counters: sheet_compile_count, _adjust_count */
	int suspended;
	/* dependency graph (deps.c) */
	struct dep_gsheet *cells; /* by sheet, ncells of them */
	uint32_t ncells;
	struct dep_map buckets;
	struct dep_edge *edges;
	uint32_t nedges, capedges;
	struct dep_edge *big; /* ranges over too many buckets */
	uint32_t nbig, capbig;
	uint32_t epoch;
	/* sliced recalculation (deps.c) */
	int defer;
	struct sheet_recalc_job *job;
	/* volatile formulas and run-time references (deps.c) */
	struct dep_vol *vol; /* stale entries are dropped lazily */
	uint32_t nvol, capvol;
	struct dep_dyn *dyn; /* by formula index */
	uint32_t capdyn, dgen;
	uint32_t *redo; /* formulas whose run-time references changed */
	uint32_t nredo, capredo, redo_depth;
	sheet_clock_fn clock;
	void *clock_arg;
	struct sheet_ccache *ccache; /* formula.c: sheet_compile_col */
	int deps_lazy; /* deps.c: formulas' edges not made yet (sheet_deps_defer) */
};

/* The source of formula i (with its '='), spelt again first if an edit
 * moved its references since (ops.c). */
const char *sheet_formula_src(struct sheet_book *wb, uint32_t i);

/* cell.c */
struct sheet_block *sheet_block_at(const struct sheet_book *wb, int sheet, uint32_t row,
				   uint32_t col);
/* The block for a cell, made if missing. */
struct sheet_block *sheet_block_get(struct sheet_book *wb, int sheet, uint32_t row, uint32_t col);
/* Store raw; no recalculation. Frees what the cell held (a formula too). */
void sheet_cell_store(struct sheet_book *wb, int sheet, uint32_t row, uint32_t col, int tag,
		      union sheet_slot slot);
/* Calls fn for each non-empty cell of r (clamped to the sheet's extent),
 * column by column; stops when fn returns non-zero and returns that. */
typedef int (*sheet_cell_fn)(const struct sheet_value *v, uint32_t row, uint32_t col, void *arg);
int sheet_range_each(const struct sheet_book *wb, const struct sheet_ref *r, sheet_cell_fn fn,
		     void *arg);

/* formula.c */
int sheet_compile(struct sheet_book *wb, int sheet, const char *src, struct sheet_code **out,
		  struct err *e);
void sheet_code_free(struct sheet_code *c);
/* As sheet_compile for a formula in column col: reuses the code of the
 * last formula compiled in that column when the texts differ only in the
 * rows they spell (the result is the same as sheet_compile's). */
int sheet_compile_col(struct sheet_book *wb, int sheet, uint32_t col, const char *src,
		      struct sheet_code **out, struct err *e);
void sheet_ccache_free(struct sheet_book *wb);
/* While on (a file load), the codes the compile cache makes are carved
 * from blocks of a megabyte, freed with the workbook: no allocation and no
 * free each. A code replaced later leaves its bytes there, so this is for
 * loads only (each loaded formula wastes them at most once). */
void sheet_compile_arena(struct sheet_book *wb, int on);

/* eval.c: evaluate f's code into out (str owned by out). */
void sheet_eval(struct sheet_book *wb, const struct sheet_code *code, int sheet, uint32_t row,
		uint32_t col, struct sheet_value *out);
/* Coercions used by operators and functions. A value that is SHEET_REF is
 * first made single (implicit intersection at the formula's cell). */
struct sheet_evalctx {
	struct sheet_book *wb;
	int sheet;
	uint32_t row, col;
	struct sheet_refvec *dyn; /* NULL, or where run-time references go */
};
/* As sheet_eval, collecting the references OFFSET and INDIRECT return. */
void sheet_eval_dyn(struct sheet_book *wb, const struct sheet_code *code, int sheet, uint32_t row,
		    uint32_t col, struct sheet_value *out, struct sheet_refvec *dyn);
/* Record a reference a function computed (for the dependency graph). */
void sheet_eval_note(const struct sheet_evalctx *cx, const struct sheet_ref *r);
void sheet_deref(const struct sheet_evalctx *cx, struct sheet_value *v);
int sheet_to_num(const struct sheet_value *v, double *out); /* 0 or error code */
int sheet_to_bool(const struct sheet_value *v, int *out);
/* Text of a single value; *tmp receives an allocation to free, if any. */
int sheet_to_text(const struct sheet_value *v, const char **out, char **tmp);
int sheet_compare(const struct sheet_value *a, const struct sheet_value *b);
void sheet_value_copy(struct sheet_value *dst, const struct sheet_value *src);
/* x^y as Excel: NaN where it has no real result. */
double sheet_pow(double x, double y);

/*
 * Arrays (eval.c). Elements are row by row; texts follow the elements in
 * the same block. Arrays hold at most SHEET_MAX_ARRAY elements: an
 * operation that would make a bigger one gives #NUM!.
 */
#define SHEET_MAX_ARRAY 10000000u

struct sheet_elem {
	uint8_t type; /* SHEET_EMPTY, _NUM, _TEXT, _BOOL or _ERROR */
	uint8_t err;
	uint32_t off; /* text: its offset in the block */
	double num;
};

struct sheet_array {
	uint32_t rows, cols;
	size_t size, cap; /* bytes used and allocated, this header included */
	struct sheet_elem e[];
};

/* NULL when rows x cols is 0 or above SHEET_MAX_ARRAY. Elements start
 * empty. */
struct sheet_array *sheet_array_new(uint32_t rows, uint32_t cols);
struct sheet_array *sheet_array_dup(const struct sheet_array *a);
/* Set element i (row * cols + col) to a single value (text copied; a
 * reference or array must be made single first). May move *a. */
void sheet_array_set(struct sheet_array **a, uint32_t i, const struct sheet_value *v);
/* Element i as a value whose str is borrowed from the block. */
void sheet_array_get(const struct sheet_array *a, uint32_t i, struct sheet_value *v);
/* Element (r, c), repeating a single row or column across the other
 * dimension as Excel does; #N/A outside. */
void sheet_array_at(const struct sheet_array *a, uint32_t r, uint32_t c, struct sheet_value *v);
/* Make v (which owns it) the array a. */
void sheet_value_array(struct sheet_value *v, struct sheet_array *a);
/* A reference read into an array (#NUM! in *err when too big). */
struct sheet_array *sheet_ref_array(const struct sheet_evalctx *cx, const struct sheet_ref *r,
				    int *err);
/* Rows and columns of a value: a range's, an array's, 1 x 1 otherwise. */
void sheet_value_dims(const struct sheet_value *v, uint32_t *rows, uint32_t *cols);
/* Calls fn for each element of a range (its non-empty cells) or array
 * (its non-empty elements, row and col their place in it). */
int sheet_value_each(const struct sheet_evalctx *cx, const struct sheet_value *v,
		     sheet_cell_fn fn, void *arg);
/* Element (r, c) of a range or array (single values repeat), borrowed. */
void sheet_value_at(const struct sheet_evalctx *cx, const struct sheet_value *v, uint32_t r,
		    uint32_t c, struct sheet_value *out);

/* func.c */
typedef void (*sheet_fn)(const struct sheet_evalctx *cx, struct sheet_value *args, int argc,
			 struct sheet_value *out);
struct sheet_func {
	const char *name;
	uint8_t min, max;
	uint8_t volatile_;
	sheet_fn fn;
	uint8_t flags; /* SHEET_FN_* */
};

enum {
	/* Every argument is a single value: given an array (or a range in an
	 * array context) the function is applied element by element. */
	SHEET_FN_SCALAR = 1,
	/* Its arguments are evaluated in an array context (SUMPRODUCT). */
	SHEET_FN_ARRAYCTX = 2,
	/* Only its first argument is (INDEX, TRANSPOSE, ROWS, COLUMNS). */
	SHEET_FN_ARRAYCTX1 = 4,
	/* Only its second and third are (LOOKUP). */
	SHEET_FN_ARRAYCTX23 = 8,
};
/* -1 when unknown. */
int sheet_func_find(const char *name, size_t len);
/* x to 15 significant digits as printf "%.15g" rounds it, without printf:
 * the digits m (10^14 <= |m| <= 10^15) and k, the value m / 10^k as strtod
 * reads it back. NAN (m, k unset) where this way does not apply: outside
 * 1e-8 <= |x| < 1e15, infinities, NaN. */
double sheet_num15(double x, int64_t *m, int *k);
const struct sheet_func *sheet_func_at(int i);

/* deps.c */
void sheet_deps_add(struct sheet_book *wb, uint32_t f);
/* Recalculate what depends on the cell (and the cell itself if a formula). */
void sheet_deps_changed(struct sheet_book *wb, int sheet, uint32_t row, uint32_t col);
void sheet_deps_free(struct sheet_book *wb);
/* For a load into a workbook without formulas: the formulas set from now
 * on get their edges when the graph is first needed (a change), all in
 * one pass; a load that changes nothing after (convert) never makes them.
 * sheet_deps_build makes them now (a loader thread, before the screen
 * takes the workbook). */
void sheet_deps_defer(struct sheet_book *wb);
void sheet_deps_build(struct sheet_book *wb);
/* After cells moved (ops.c): drop every edge and make them again from the
 * formulas' current references, in one pass. */
void sheet_deps_rebuild(struct sheet_book *wb);
/* Recalculate the formulas starts (indexes into wb->fs), what depends on
 * them and the volatile formulas, in one walk; queued when deferred,
 * nothing while suspended. */
void sheet_recalc_from(struct sheet_book *wb, const uint32_t *starts, uint32_t n);

#endif
