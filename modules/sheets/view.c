/*
 * view.c - how the grid shows values (grid.h): number format codes through
 * numfmt with the UI language's separators, General numbers, dates; the
 * columns' widths on screen and fitting a column to its content.
 *
 * numfmt writes en-US, as a format code in a file means it; the grid shows
 * the UI language's decimal and grouping signs, which ICU gives us through
 * i18n_format_number. With no locale (C, POSIX) that is en-US.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "i18n/i18n.h"
#include "modules/sheets/grid.h"
#include "modules/sheets/numfmt.h"
#include "tui/tui.h"

/* A few compiled codes: the screen shows the same handful again and again.
 * Only the main thread formats. */
#define FMT_CACHE 8

static struct {
	char *code;
	struct numfmt *nf;
} cache[FMT_CACHE];
static unsigned cache_next;

static const struct numfmt *compiled(const char *code)
{
	struct numfmt *nf;
	struct err e;
	unsigned i;

	for (i = 0; i < FMT_CACHE; i++)
		if (cache[i].code && strcmp(cache[i].code, code) == 0)
			return cache[i].nf;
	err_clear(&e);
	if (numfmt_compile(code, &nf, &e) != 0)
		return NULL;
	i = cache_next++ % FMT_CACHE;
	free(cache[i].code);
	numfmt_free(cache[i].nf);
	cache[i].code = xstrdup(code);
	cache[i].nf = nf;
	return nf;
}

/* The UI language's grouping and decimal signs (UTF-8), from ICU's
 * formatting of 1234.5. */
static void locale_signs(char *grp, size_t gn, char *dec, size_t dn)
{
	char t[64];
	const char *two, *four, *five;

	snprintf(grp, gn, ",");
	snprintf(dec, dn, ".");
	if (i18n_format_number(t, sizeof t, 1234.5, 1) != 0)
		return;
	two = strchr(t, '2');
	four = strchr(t, '4');
	five = four ? strchr(four, '5') : NULL;
	if (two && t[0] == '1' && (size_t)(two - t - 1) < gn)
		snprintf(grp, gn, "%.*s", (int)(two - t - 1), t + 1);
	if (four && five && (size_t)(five - four - 1) < dn && five > four + 1)
		snprintf(dec, dn, "%.*s", (int)(five - four - 1), four + 1);
}

/* Append s with en-US signs turned into the UI language's. */
static void add_localised(struct buf *out, const char *s)
{
	char grp[8], dec[8];

	locale_signs(grp, sizeof grp, dec, sizeof dec);
	if (strcmp(grp, ",") == 0 && strcmp(dec, ".") == 0) {
		buf_adds(out, s);
		return;
	}
	for (; *s; s++) {
		if (*s == ',')
			buf_adds(out, grp);
		else if (*s == '.')
			buf_adds(out, dec);
		else
			buf_addc(out, *s);
	}
}

static int number_text(const struct sheet_note *n, double v, struct buf *out)
{
	const struct numfmt *nf = n && n->fmt ? compiled(n->fmt) : NULL;
	char tmp[256];

	if (nf && numfmt_kind(nf) != NUMFMT_GENERAL) {
		enum numfmt_kind k = numfmt_kind(nf);

		if (numfmt_format(nf, v, tmp, sizeof tmp, NULL) < 0)
			return -1;
		if (k == NUMFMT_NUMBER || k == NUMFMT_PERCENT || k == NUMFMT_CURRENCY)
			add_localised(out, tmp);
		else
			buf_adds(out, tmp);
		return 0;
	}
	if (n && n->date && sheet_io_date_text(v, tmp, sizeof tmp) == 0) {
		buf_adds(out, tmp);
		return 0;
	}
	sheet_num_text(v, tmp, sizeof tmp);
	add_localised(out, tmp);
	return 0;
}

int grid_format_value(const struct sheet_file *f, int sheet, uint32_t row, uint32_t col,
		      struct buf *out, int *numeric)
{
	const struct sheet_note *n = sheet_file_note_at(f, sheet, row, col);
	const struct numfmt *nf;
	struct sheet_value v;
	char tmp[1024];

	*numeric = 0;
	sheet_get(f->wb, sheet, row, col, &v);
	switch (v.type) {
	case SHEET_NUM:
		*numeric = 1;
		return number_text(n, v.num, out);
	case SHEET_TEXT:
		nf = n && n->fmt ? compiled(n->fmt) : NULL;
		if (nf && strlen(v.str ? v.str : "") < 512 &&
		    numfmt_format_text(nf, v.str ? v.str : "", tmp, sizeof tmp, NULL) >= 0) {
			buf_adds(out, tmp);
			return 0;
		}
		buf_adds(out, v.str ? v.str : "");
		return 0;
	case SHEET_BOOL:
		buf_adds(out, v.num != 0 ? "TRUE" : "FALSE");
		return 0;
	case SHEET_ERROR:
		buf_adds(out, sheet_err_text(v.err));
		return 0;
	default:
		return 0;
	}
}

/* ---- widths ------------------------------------------------------------------ */

int grid_col_width(const struct grid *g, uint32_t col)
{
	const struct sheet_file *f = grid_file((struct grid *)g);
	double w = sheet_file_col_width(f, f->sheet, col);
	long n;

	if (!(w > 0))
		return GRID_COL_WIDTH;
	n = lround(w);
	return n < 1 ? 1 : n > GRID_COL_MAX ? GRID_COL_MAX : (int)n;
}

int grid_autofit(struct grid *g, uint32_t col)
{
	const struct sheet_file *f = grid_file(g);
	uint32_t rows, cols;
	struct buf t;
	size_t widest;
	char name[16];
	int any = 0;

	sheet_extent(f->wb, f->sheet, &rows, &cols);
	widest = sheet_col_name(col, name, sizeof name);
	buf_init(&t);
	for (uint32_t r = 0; col < cols && r < rows; r++) {
		int numeric;
		size_t w;

		buf_reset(&t);
		if (grid_format_value(f, f->sheet, r, col, &t, &numeric) != 0 || t.len == 0)
			continue;
		/* As drawn: placeholders for controls, CJK double. */
		w = ui_text_width(t.data, t.len);
		any = 1;
		if (w > widest)
			widest = w;
	}
	buf_free(&t);
	if (!any)
		widest = 0; /* nothing to fit: the default width */
	if (widest > GRID_COL_MAX)
		widest = GRID_COL_MAX;
	grid_set_col_width(g, col, (int)widest);
	return grid_col_width(g, col);
}
