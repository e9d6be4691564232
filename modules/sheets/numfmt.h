/*
 * numfmt.h - Excel number format codes ("0.00", "#,##0", "0%",
 * "yyyy-mm-dd hh:mm", "[$¥-804]#,##0.00", "0.00E+00", "# ?/?", "@", up to
 * four sections split by ';' with [Red] colours and [>100] conditions).
 *
 * One formatter for the TEXT and DOLLAR functions, the grid's cell formats
 * and the xlsx/ods readers and writers. Compile a code once, format many
 * values with it. Output is en-US (decimal point '.', thousands separator
 * ',', English month and day names), as Excel writes a format code in a
 * file; dates are Excel 1900-system serials (1 is 1900-01-01, 60 the
 * phantom 1900-02-29).
 *
 * Sections: "pos;neg;zero;text". With one section it serves every number
 * (a negative gets a '-'); with two the second serves negatives without a
 * sign of their own (the code writes it if wanted); the third zero; the
 * fourth text. A text section's '@' is the text. Conditions ([<0], [>=100])
 * replace the sign rules for the sections that carry them.
 */
#ifndef ATRIUM_SHEETS_NUMFMT_H
#define ATRIUM_SHEETS_NUMFMT_H

#include <stddef.h>

#include "core/core.h"

/* What a format shows; the grid aligns and the CSV writer chooses by it. */
enum numfmt_kind {
	NUMFMT_GENERAL,	 /* "General" or empty */
	NUMFMT_NUMBER,	 /* digits: 0, #, ?, with separators, E+, fractions */
	NUMFMT_PERCENT,	 /* has a '%' */
	NUMFMT_CURRENCY, /* has a currency sign or [$sym-...] */
	NUMFMT_DATE,	 /* y, m (as month), d; maybe a time too */
	NUMFMT_TIME,	 /* h, m (as minute), s, AM/PM, [h]; no date part */
	NUMFMT_DATETIME, /* both */
	NUMFMT_TEXT,	 /* only '@' (and literals) */
};

/* Colours from [Red], [Blue], ... in a section; NUMFMT_COLOR_NONE if none. */
enum numfmt_color {
	NUMFMT_COLOR_NONE = -1,
	NUMFMT_COLOR_BLACK,
	NUMFMT_COLOR_BLUE,
	NUMFMT_COLOR_CYAN,
	NUMFMT_COLOR_GREEN,
	NUMFMT_COLOR_MAGENTA,
	NUMFMT_COLOR_RED,
	NUMFMT_COLOR_WHITE,
	NUMFMT_COLOR_YELLOW,
};

struct numfmt; /* a compiled format code; immutable, may be shared */

/* Compile code (UTF-8). Returns 0, or E_PARSE with a message saying what
 * is wrong (an unclosed quote or bracket, too many sections, ...). */
int numfmt_compile(const char *code, struct numfmt **out, struct err *e);
void numfmt_free(struct numfmt *f);

enum numfmt_kind numfmt_kind(const struct numfmt *f);

/*
 * Format a number into buf (NUL-terminated, truncated to n bytes); returns
 * the length the whole text needs, as snprintf. *color (may be NULL)
 * receives the colour of the section used. Returns -1 with buf "" when the
 * value cannot be shown (a date format given a negative or too large serial;
 * Excel fills the cell with '#').
 */
int numfmt_format(const struct numfmt *f, double v, char *buf, size_t n, int *color);
/* Format text: through the text section (its '@'), else the text as is. */
int numfmt_format_text(const struct numfmt *f, const char *s, char *buf, size_t n, int *color);

/* One-shot: compile, format v, free. Returns a malloc'd string, or NULL
 * when code does not compile or v cannot be shown (TEXT gives #VALUE!). */
char *numfmt_apply(const char *code, double v);

/* The code of a built-in format id of xlsx (numFmtId 0..49, en-US), or NULL
 * for ids that have none: 0 "General", 1 "0", 2 "0.00", 3 "#,##0", ...,
 * 14 "m/d/yyyy", 22 "m/d/yyyy h:mm", 49 "@". */
const char *numfmt_builtin(unsigned id);

#endif
