/*
 * csv.h - reading and writing delimited text (CSV, TSV): RFC 4180 fields,
 * any delimiter, quoted delimiters and newlines, UTF-8 with or without a
 * BOM, UTF-16 and GB18030 recognised and converted. The reader hands out
 * fields; what a field means (number, date, formula) is the sheet's
 * business.
 */
#ifndef ATRIUM_SHEETS_CSV_H
#define ATRIUM_SHEETS_CSV_H

#include <stddef.h>

#include "core/core.h"

struct csv_field {
	const char *text; /* UTF-8, not NUL-terminated */
	size_t len;
	int quoted;       /* it was in quotes: "007" stays text */
	long row, col;    /* 0-based */
	long line;        /* 1-based line where the field starts */
};

/* Return 0 to go on, anything else stops the read and is returned. */
typedef int (*csv_field_fn)(const struct csv_field *f, void *arg);

struct csv_opts {
	char delim;        /* 0: detect from the first lines (, ; TAB |) */
	const char *charset; /* NULL: detect (BOM, UTF-16, UTF-8, else GB18030) */
};

/*
 * Parse data, calling fn for every field in order. Empty lines are rows
 * with one empty field, as spreadsheets read them. A quote that never
 * closes, or a stray quote inside an unquoted field, is E_PARSE naming the
 * line. *delim_used and *charset_used (may be NULL) tell what was detected.
 */
int csv_read(const char *data, size_t len, const struct csv_opts *opts, csv_field_fn fn,
	     void *arg, char *delim_used, const char **charset_used, struct err *e);

/*
 * The same reading as an iterator, for loaders that want no call per
 * field: csv_open converts and detects (r->delim, r->charset tell what),
 * then each csv_next fills *f and returns 1, 0 at the end, or E_PARSE as
 * csv_read. A quoted field's text lives in the reader until the next
 * call. r->i is the position in the (converted) text r->s of r->n bytes.
 * csv_close frees, after an error too.
 */
struct csv_reader {
	const char *s;
	size_t n, i;
	char delim;
	const char *charset;
	long row, col, line;
	int tail;
	struct buf field;
	char *owned;
};

int csv_open(struct csv_reader *r, const char *data, size_t len, const struct csv_opts *opts,
	     struct err *e);
int csv_next(struct csv_reader *r, struct csv_field *f, struct err *e);
void csv_close(struct csv_reader *r);

/* Append one field to out, quoted only if it needs to be. */
void csv_write_field(struct buf *out, const char *text, size_t len, char delim);

#endif
