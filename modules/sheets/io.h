/*
 * io.h - files in and out of a workbook (io_csv.c): a sheet file is a
 * workbook plus what the engine does not keep but a file needs, per cell:
 * "this number is a date" (written back as ISO 8601) and, for a formula
 * that does not parse, its source and the parser's message (the cell holds
 * #NAME?; the source is kept so saving in place does not lose it), and its
 * number format code. Per sheet it keeps the column widths.
 *
 * Formats: CSV/TSV (io_csv.c), .xlsx (io_xlsx.c), .ods (io_ods.c), formulas
 * converted between the files' syntaxes and ours by io_fx.c, zip and XML
 * through io_zip.c.
 *
 * Several sheets: notes are keyed by sheet, row and column. The functions
 * without a sheet argument act on f->sheet, so a view switches sheets by
 * setting f->sheet (0 .. sheet_count(f->wb)-1); the readers set it to 0,
 * the first sheet, and the writers of xlsx/ods write every sheet.
 *
 * CSV input rules (issue 4, Batch): a field starting with '=' is a formula,
 * quoted or not; unquoted numbers are numbers, unquoted TRUE/FALSE
 * booleans, unquoted YYYY-MM-DD dates (1900 date system serials); anything
 * else, and every other quoted field, is text. An empty field is an empty
 * cell.
 */
#ifndef ATRIUM_SHEETS_IO_H
#define ATRIUM_SHEETS_IO_H

#include <stddef.h>
#include <stdint.h>

#include "core/core.h"
#include "modules/module.h"
#include "modules/sheets/engine.h"

struct sheet_note {
	uint64_t key;  /* sheet << 36 | row << 16 | col, plus one; 0: free */
	int date;      /* the number is a date */
	char *src;     /* a formula that did not parse, with its '=', then
			* '\0' and the parser's message (sheet_note_msg);
			* set both with sheet_note_keep */
	const char *fmt; /* Excel number format code ("#,##0.00", "0%",
			  * "yyyy-mm-dd"); NULL is General. Borrowed from the
			  * file's table of codes (sheet_file.fmts): equal
			  * codes share one string, valid until
			  * sheet_file_free; set it with sheet_file_set_format */
};

/* The distinct format codes of a file, each stored once (2 M cells in a
 * handful of formats keep a handful of strings). Entry i is the flag
 * "the code shows a date" in one byte, then the code. */
struct sheet_fmtab {
	char **s;
	uint32_t *slot; /* open addressing: index + 1; 0 free */
	size_t n, cap;
};

/* Column widths of one sheet, in characters of the digit '0' (Excel's
 * unit); 0 is the default width. */
struct sheet_colw {
	double *w;
	uint32_t n;
};

struct sheet_file {
	struct sheet_book *wb;
	int sheet;     /* the sheet shown, read from and written to CSV */
	char delim;    /* the delimiter read (or to write) */
	struct sheet_note *notes; /* open addressing on key */
	size_t nnotes, capnotes;
	struct sheet_colw *colw;  /* by sheet index; may be shorter */
	int ncolw;
	struct sheet_fmtab fmts;  /* the codes the notes point into */
};

/* How a CSV file is written. */
enum sheet_csv_mode {
	SHEET_CSV_VALUES,   /* computed values, quoting only where needed */
	SHEET_CSV_FORMULAS, /* formulas as their source, text quoted where it
			     * would read back as another type: for saving a
			     * file in place (sheets set) */
};

void sheet_file_init(struct sheet_file *f, const char *sheet_name);
void sheet_file_free(struct sheet_file *f);

/* Parse CSV data into the file's sheet and recalculate. delim 0 detects
 * it. A malformed file is E_PARSE naming the line. */
int sheet_csv_load(struct sheet_file *f, const char *data, size_t len, char delim,
		   struct err *e);
/* The same with a tick for a long load: every few thousand cells with
 * phase 0 and done of total bytes read (of the text converted to UTF-8),
 * then every few thousand formulas with phase 1 and done of total
 * evaluated; a non-zero return stops the load and is returned
 * (E_CANCELLED). When the workbook defers recalculation it is queued
 * instead (sheet_recalc_step), without phase 1. */
typedef int (*sheet_tick_fn)(int phase, uint64_t done, uint64_t total, void *arg);
int sheet_csv_load_tick(struct sheet_file *f, const char *data, size_t len, char delim,
			sheet_tick_fn tick, void *arg, struct err *e);
/* Write the sheet as CSV with f->delim into out. */
void sheet_csv_write(const struct sheet_file *f, struct buf *out, enum sheet_csv_mode mode);

/* One input by the CSV rules into a cell (recalculating what depends on
 * it). A formula that does not parse: with strict, E_PARSE and nothing
 * changes; else the cell holds #NAME? and the message is kept. */
int sheet_file_input(struct sheet_file *f, uint32_t row, uint32_t col, const char *s, size_t len,
		     int quoted, int strict, struct err *e);

/* The note of a cell (one with a date flag, a kept source or a format),
 * or NULL. */
const struct sheet_note *sheet_file_note(const struct sheet_file *f, uint32_t row, uint32_t col);
const struct sheet_note *sheet_file_note_at(const struct sheet_file *f, int sheet, uint32_t row,
					    uint32_t col);
/* The note of a cell, made when absent (for the readers). */
struct sheet_note *sheet_file_note_get(struct sheet_file *f, int sheet, uint32_t row,
				       uint32_t col);
/* Keep a formula that did not parse and the parser's message in a note
 * (one allocation: most notes have neither, and a smaller note is a
 * smaller table). The message of a note with a kept source, or NULL. */
void sheet_note_keep(struct sheet_note *n, const char *src, const char *msg);
const char *sheet_note_msg(const struct sheet_note *n);

/* A formula cell's source with its '=' (also one that did not parse), or
 * NULL. */
const char *sheet_file_formula(const struct sheet_file *f, uint32_t row, uint32_t col);
const char *sheet_file_formula_at(const struct sheet_file *f, int sheet, uint32_t row,
				  uint32_t col);

/* A cell's number format: code NULL, "" or "General" clears it. The date
 * flag follows the code (sheet_io_format_is_date). A format stays when
 * the cell's value changes or is cleared, as in Excel. */
void sheet_file_set_format(struct sheet_file *f, int sheet, uint32_t row, uint32_t col,
			   const char *code);
/* Does this format code show a date or time? Codes with y, m, d, h or s
 * outside quotes, escapes and [colour] brackets; [h], [mm], [ss] too. */
int sheet_io_format_is_date(const char *code);

/* A column's width in characters (0: the default width), and setting it
 * (w <= 0 restores the default). Sheets beyond the table read as 0. */
double sheet_file_col_width(const struct sheet_file *f, int sheet, uint32_t col);
void sheet_file_set_col_width(struct sheet_file *f, int sheet, uint32_t col, double w);

/* A cell's value as the CSV output writes it (unformatted): numbers that
 * read back exactly, dates as YYYY-MM-DD, TRUE/FALSE, error codes, text.
 * Empty cells append nothing. */
void sheet_file_value_text(const struct sheet_file *f, uint32_t row, uint32_t col,
			   struct buf *out);

/* A number as the shortest of %.15g, %.16g, %.17g that reads back
 * exactly; buf of at least 32 bytes. */
void sheet_io_num(double v, char *buf, size_t n);
/* "YYYY-MM-DD" to a serial of the 1900 date system (1900-01-01 is 1,
 * Excel's 1900-02-29 is 60); 0 or E_PARSE. */
int sheet_io_date_parse(const char *s, size_t len, double *serial);
/* A whole serial (1 .. 2958465) to "YYYY-MM-DD"; E_RANGE otherwise. */
int sheet_io_date_text(double serial, char *buf, size_t n);

/* ---- xlsx and ods (io_xlsx.c, io_ods.c) ---------------------------------- */

/*
 * Read a whole workbook from the bytes of a file: every worksheet with its
 * values, formulas (converted to our syntax; a formula we cannot parse
 * keeps the file's cached value and its source in the note), number
 * formats, date flags and column widths; named ranges. f must be as
 * sheet_file_init left it: its workbook is replaced by the file's sheets
 * and f->sheet is 0. A malformed file is E_PARSE with a message naming the
 * part ("xl/worksheets/sheet2.xml: line 3: ..."); f then holds an empty
 * workbook of one sheet.
 */
int sheet_xlsx_load(struct sheet_file *f, const void *data, size_t len, struct err *e);
int sheet_ods_load(struct sheet_file *f, const void *data, size_t len, struct err *e);
/* Write every sheet of f as a file into out (appended): formulas with
 * their cached results, formats, widths. E_IO if zip fails. */
int sheet_xlsx_write(const struct sheet_file *f, struct buf *out, struct err *e);
int sheet_ods_write(const struct sheet_file *f, struct buf *out, struct err *e);

/* Formula syntax (io_fx.c). Ours is Excel's with a leading '='.
 * From an xlsx <f>: add '=', drop _xlfn./_xlws. prefixes. To xlsx: drop
 * '=', ';' becomes ',', functions newer than Excel 2007 get _xlfn. */
void sheet_fx_from_xlsx(const char *s, size_t len, struct buf *out);
void sheet_fx_to_xlsx(const char *src, struct buf *out);
/* The same formula moved by drow, dcol (a shared formula of xlsx):
 * relative references move, absolute ones stay. */
void sheet_fx_shift(const char *src, long drow, long dcol, struct buf *out);
/* OpenFormula ("of:=SUM([.A1:.A5];[$Sheet2.B1])") to ours and back.
 * from_of returns E_PARSE for a namespace it does not know (msoxl: is
 * Excel syntax and taken as is). */
int sheet_fx_from_of(const char *s, struct buf *out);
void sheet_fx_to_of(const char *src, struct buf *out);

/* ---- the file verbs (cmd.c) -------------------------------------------- */

/* convert, get, set: argv[0] is the verb. */
int sheet_cmd(struct cmd_ctx *ctx, int argc, char **argv);
/* The module's verbs, status (the account's) first. */
extern const struct module_verb sheet_verbs[];

#endif
