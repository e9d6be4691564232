/*
 * io.h - files in and out of a workbook (io_csv.c): a sheet file is a
 * workbook plus what the engine does not keep but a file needs, per cell:
 * "this number is a date" (written back as ISO 8601) and, for a formula
 * that does not parse, its source and the parser's message (the cell holds
 * #NAME?; the source is kept so saving in place does not lose it).
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
	uint64_t key;  /* row << 16 | col, plus one; 0: free slot */
	int date;      /* the number is a date */
	char *src;     /* a formula that did not parse, with its '=' */
	char *msg;     /* the parser's message */
};

struct sheet_file {
	struct sheet_book *wb;
	int sheet;     /* the sheet read and written */
	char delim;    /* the delimiter read (or to write) */
	struct sheet_note *notes; /* open addressing on key */
	size_t nnotes, capnotes;
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
/* Write the sheet as CSV with f->delim into out. */
void sheet_csv_write(const struct sheet_file *f, struct buf *out, enum sheet_csv_mode mode);

/* One input by the CSV rules into a cell (recalculating what depends on
 * it). A formula that does not parse: with strict, E_PARSE and nothing
 * changes; else the cell holds #NAME? and the message is kept. */
int sheet_file_input(struct sheet_file *f, uint32_t row, uint32_t col, const char *s, size_t len,
		     int quoted, int strict, struct err *e);

/* The note of a cell, or NULL. */
const struct sheet_note *sheet_file_note(const struct sheet_file *f, uint32_t row, uint32_t col);

/* A formula cell's source with its '=' (also one that did not parse), or
 * NULL. */
const char *sheet_file_formula(const struct sheet_file *f, uint32_t row, uint32_t col);

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

/* ---- the file verbs (cmd.c) -------------------------------------------- */

/* convert, get, set: argv[0] is the verb. */
int sheet_cmd(struct cmd_ctx *ctx, int argc, char **argv);
/* The module's verbs, status (the account's) first. */
extern const struct module_verb sheet_verbs[];

#endif
