/*
 * io_fx.c - formulas between our syntax (Excel's, with a leading '=') and
 * the files': xlsx (no '=', _xlfn. before functions newer than Excel 2007,
 * shared formulas moved by an offset) and ODF's OpenFormula
 * ("of:=SUM([.A1:.A5];[$'My sheet'.B1])", COM.MICROSOFT. before the
 * functions LibreOffice takes from Excel).
 *
 * A light scanner, not the engine's parser: it knows strings, quoted and
 * plain sheet names, references and ranges, function names, numbers and
 * error literals, and copies everything else. A formula the scanner does
 * not understand is copied as it is, so the engine reports the fault.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "modules/sheets/engine.h"
#include "modules/sheets/io.h"

/* Functions that xlsx stores with _xlfn. (newer than Excel 2007). */
static const char *const xlfn_names[] = {
	"ACOT", "ACOTH", "AGGREGATE", "ARABIC", "BASE", "BETA.DIST", "BETA.INV",
	"BINOM.DIST", "BINOM.INV", "BITAND", "BITLSHIFT", "BITOR", "BITRSHIFT", "BITXOR",
	"CEILING.MATH", "CEILING.PRECISE", "CHISQ.DIST", "CHISQ.DIST.RT", "CHISQ.INV",
	"CHISQ.INV.RT", "CHISQ.TEST", "COMBINA", "CONCAT", "CONFIDENCE.NORM",
	"CONFIDENCE.T", "COT", "COTH", "COVARIANCE.P", "COVARIANCE.S", "CSC", "CSCH",
	"DAYS", "DECIMAL", "ERF.PRECISE", "ERFC.PRECISE", "EXPON.DIST", "F.DIST",
	"F.DIST.RT", "F.INV", "F.INV.RT", "F.TEST", "FILTER", "FLOOR.MATH",
	"FLOOR.PRECISE", "FORECAST.LINEAR", "FORMULATEXT", "GAMMA", "GAMMA.DIST",
	"GAMMA.INV", "GAMMALN.PRECISE", "GAUSS", "HYPGEOM.DIST", "IFNA", "IFS",
	"ISFORMULA", "ISOWEEKNUM", "LET", "LOGNORM.DIST", "LOGNORM.INV", "MAXIFS",
	"MINIFS", "MODE.MULT", "MODE.SNGL", "NEGBINOM.DIST", "NETWORKDAYS.INTL",
	"NORM.DIST", "NORM.INV", "NORM.S.DIST", "NORM.S.INV", "NUMBERVALUE",
	"PDURATION", "PERCENTILE.EXC", "PERCENTILE.INC", "PERCENTRANK.EXC",
	"PERCENTRANK.INC", "PERMUTATIONA", "PHI", "POISSON.DIST", "QUARTILE.EXC",
	"QUARTILE.INC", "RANDARRAY", "RANK.AVG", "RANK.EQ", "RRI", "SEC", "SECH",
	"SEQUENCE", "SHEET", "SHEETS", "SKEW.P", "SORT", "SORTBY", "STDEV.P", "STDEV.S",
	"SWITCH", "T.DIST", "T.DIST.2T", "T.DIST.RT", "T.INV", "T.INV.2T", "T.TEST",
	"TEXTJOIN", "UNICHAR", "UNICODE", "UNIQUE", "VAR.P", "VAR.S", "WEIBULL.DIST",
	"WORKDAY.INTL", "XLOOKUP", "XMATCH", "XOR", "Z.TEST", NULL,
};

/* Functions LibreOffice writes to ODF as COM.MICROSOFT.NAME (measured with
 * LibreOffice 7.4), and the Excel-only dotted statistics of the same kind. */
static const char *const msft_names[] = {
	"CEILING", "CEILING.MATH", "CEILING.PRECISE", "CHISQ.DIST", "CHISQ.INV",
	"CONCAT", "CONFIDENCE.NORM", "CONFIDENCE.T", "COVARIANCE.P", "COVARIANCE.S",
	"EXPON.DIST", "F.DIST", "F.INV", "FILTER", "FLOOR", "FLOOR.MATH", "FLOOR.PRECISE",
	"FORECAST.LINEAR", "GAMMA.DIST", "GAMMA.INV", "IFS", "LET", "LOGNORM.DIST",
	"MAXIFS", "MINIFS", "MODE.MULT", "MODE.SNGL", "NORM.DIST", "NORM.INV",
	"NORM.S.DIST", "NORM.S.INV", "PERCENTILE.EXC", "PERCENTILE.INC",
	"PERCENTRANK.EXC", "PERCENTRANK.INC", "POISSON.DIST", "QUARTILE.EXC",
	"QUARTILE.INC", "RANDARRAY", "RANK.AVG", "RANK.EQ", "SEQUENCE", "SORT",
	"SORTBY", "STDEV.P", "STDEV.S", "SWITCH", "T.DIST", "T.INV", "TEXTJOIN",
	"UNIQUE", "VAR.P", "VAR.S", "WEIBULL.DIST", "XLOOKUP", "XMATCH", NULL,
};

static int in_list(const char *const *list, const char *s, size_t len)
{
	for (size_t i = 0; list[i]; i++)
		if (strlen(list[i]) == len && strncasecmp(list[i], s, len) == 0)
			return 1;
	return 0;
}

static int ident_start(int c)
{
	return isalpha(c) || c == '_' || c == '\\' || c >= 0x80;
}

static int ident_char(int c)
{
	return isalnum(c) || c == '_' || c == '.' || c == '\\' || c >= 0x80;
}

/* ---- references ------------------------------------------------------------ */

enum { RP_CELL = 1, RP_COL, RP_ROW };

struct rpart {
	int kind;
	int acol, arow; /* '$' written */
	long col, row;  /* 0-based */
};

struct fref {
	const char *sheet; /* as written, quotes included; NULL: none */
	size_t sheetlen;
	struct rpart a, b;
	int range;
};

/* One part ("$A$1", "B", "$3"): kind is the only one tried when non-zero. */
static size_t scan_part(const char *s, size_t len, size_t i, int kind, struct rpart *p)
{
	size_t j = i, letters = 0, digits = 0;
	long col = 0, row = 0;

	memset(p, 0, sizeof *p);
	if (kind != RP_ROW) {
		if (j < len && s[j] == '$')
			p->acol = 1, j++;
		while (j < len && isalpha((unsigned char)s[j]) && letters < 4)
			col = col * 26 + (toupper((unsigned char)s[j++]) - 'A' + 1), letters++;
		if (letters == 0 || letters > 3 || col > (long)SHEET_MAX_COLS)
			goto try_row;
		if (kind == RP_COL || (kind == 0 && j < len && s[j] == ':' &&
				       (j + 1 >= len || !isdigit((unsigned char)s[j + 1])) &&
				       !(j + 1 < len && s[j + 1] == '$' && j + 2 < len &&
					 isdigit((unsigned char)s[j + 2])))) {
			/* a column part: no digits may follow */
			if (j < len && (isdigit((unsigned char)s[j]) || s[j] == '$'))
				goto cell;
			p->kind = RP_COL;
			p->col = col - 1;
			return j - i;
		}
cell:
		if (kind == RP_COL)
			return 0;
		if (j < len && s[j] == '$')
			p->arow = 1, j++;
		while (j < len && isdigit((unsigned char)s[j]) && digits < 8)
			row = row * 10 + (s[j++] - '0'), digits++;
		if (digits == 0 || digits > 7 || row < 1 || row > (long)SHEET_MAX_ROWS)
			return 0;
		p->kind = RP_CELL;
		p->col = col - 1;
		p->row = row - 1;
		return j - i;
	}
try_row:
	if (kind == RP_CELL || kind == RP_COL)
		return 0;
	memset(p, 0, sizeof *p);
	j = i;
	if (j < len && s[j] == '$')
		p->arow = 1, j++;
	while (j < len && isdigit((unsigned char)s[j]) && digits < 8)
		row = row * 10 + (s[j++] - '0'), digits++;
	if (digits == 0 || digits > 7 || row < 1 || row > (long)SHEET_MAX_ROWS)
		return 0;
	p->kind = RP_ROW;
	p->row = row - 1;
	return j - i;
}

/* A sheet prefix "'My sheet'!" or "Data!" at i: its length with the '!',
 * or 0. */
static size_t scan_sheet(const char *s, size_t len, size_t i)
{
	size_t j = i;

	if (j < len && s[j] == '\'') {
		for (j++; j < len; j++) {
			if (s[j] == '\'' && j + 1 < len && s[j + 1] == '\'')
				j++;
			else if (s[j] == '\'')
				break;
		}
		return j + 1 < len && s[j] == '\'' && s[j + 1] == '!' ? j + 2 - i : 0;
	}
	if (j >= len || !ident_start((unsigned char)s[j]))
		return 0;
	while (j < len && ident_char((unsigned char)s[j]))
		j++;
	return j < len && s[j] == '!' ? j + 1 - i : 0;
}

/* A whole reference at i (Excel syntax); its length or 0. */
static size_t scan_ref(const char *s, size_t len, size_t i, struct fref *r)
{
	size_t j = i, n = scan_sheet(s, len, i);

	memset(r, 0, sizeof *r);
	if (n) {
		r->sheet = s + i;
		r->sheetlen = n - 1;
		j += n;
	}
	n = scan_part(s, len, j, 0, &r->a);
	if (n == 0)
		return 0;
	j += n;
	if (j < len && s[j] == ':') {
		size_t k = j + 1, m = scan_sheet(s, len, k); /* Sheet1!A1:Sheet1!B2 */

		n = scan_part(s, len, k + m, r->a.kind, &r->b);
		if (n) {
			r->range = 1;
			j = k + m + n;
		} else if (r->a.kind != RP_CELL) {
			return 0;
		}
	} else if (r->a.kind != RP_CELL) {
		return 0;
	}
	if (j < len && (ident_char((unsigned char)s[j]) || s[j] == '(' || s[j] == '!'))
		return 0;
	return j - i;
}

static void put_part(struct buf *out, const struct rpart *p)
{
	char col[8];

	if (p->kind != RP_ROW) {
		sheet_col_name((uint32_t)p->col, col, sizeof col);
		if (p->acol)
			buf_addc(out, '$');
		buf_adds(out, col);
	}
	if (p->kind != RP_COL) {
		if (p->arow)
			buf_addc(out, '$');
		buf_printf(out, "%ld", p->row + 1);
	}
}

/* A string literal at i ("..." with "" inside): its length. */
static size_t scan_string(const char *s, size_t len, size_t i)
{
	size_t j = i + 1;

	while (j < len) {
		if (s[j] == '"' && j + 1 < len && s[j + 1] == '"')
			j += 2;
		else if (s[j] == '"')
			return j + 1 - i;
		else
			j++;
	}
	return len - i;
}

/* An error literal at i, or 0. */
static size_t scan_error(const char *s, size_t len, size_t i)
{
	size_t used = 0;

	if (sheet_err_parse(s + i, len - i, &used) == SHEET_ERR_NONE)
		return 0;
	return used;
}

static size_t scan_ident(const char *s, size_t len, size_t i)
{
	size_t j = i;

	while (j < len && ident_char((unsigned char)s[j]))
		j++;
	return j - i;
}

static size_t scan_number(const char *s, size_t len, size_t i)
{
	size_t j = i;

	while (j < len && (isdigit((unsigned char)s[j]) || s[j] == '.'))
		j++;
	if (j < len && (s[j] == 'e' || s[j] == 'E') && j + 1 < len &&
	    (isdigit((unsigned char)s[j + 1]) ||
	     ((s[j + 1] == '+' || s[j + 1] == '-') && j + 2 < len &&
	      isdigit((unsigned char)s[j + 2])))) {
		j += 2;
		while (j < len && isdigit((unsigned char)s[j]))
			j++;
	}
	return j - i;
}

/* Strip one known prefix from a function or name. */
static size_t strip_prefix(const char *s, size_t n)
{
	static const char *const pf[] = { "_xlfn.", "_xlws.", "_xlpm.", "COM.MICROSOFT.", NULL };

	for (size_t k = 0; pf[k]; k++) {
		size_t m = strlen(pf[k]);

		if (n > m && strncasecmp(s, pf[k], m) == 0)
			return m;
	}
	return 0;
}

/* ---- Excel syntax walks ----------------------------------------------------- */

enum fx_mode { FX_FROM_XLSX, FX_TO_XLSX, FX_SHIFT, FX_TO_OF };

struct walk {
	enum fx_mode mode;
	long drow, dcol;
	struct buf *out;
};

static void shift_part(struct rpart *p, long drow, long dcol, int *bad)
{
	if (p->kind != RP_ROW && !p->acol) {
		p->col += dcol;
		if (p->col < 0 || p->col >= (long)SHEET_MAX_COLS)
			*bad = 1;
	}
	if (p->kind != RP_COL && !p->arow) {
		p->row += drow;
		if (p->row < 0 || p->row >= (long)SHEET_MAX_ROWS)
			*bad = 1;
	}
}

/* A sheet name as written ('It''s' or Data) to its plain text. */
static void sheet_plain(const char *s, size_t n, struct buf *out)
{
	if (n >= 2 && s[0] == '\'') {
		for (size_t i = 1; i + 1 < n; i++) {
			buf_addc(out, s[i]);
			if (s[i] == '\'' && s[i + 1] == '\'')
				i++;
		}
		return;
	}
	buf_add(out, s, n);
}

static void put_of_sheet(struct buf *out, const char *s, size_t n)
{
	struct buf plain;
	int quote = 0;

	buf_init(&plain);
	sheet_plain(s, n, &plain);
	for (size_t i = 0; i < plain.len; i++)
		if (!isalnum((unsigned char)plain.data[i]) && plain.data[i] != '_' &&
		    (unsigned char)plain.data[i] < 0x80)
			quote = 1;
	if (plain.len == 0 || isdigit((unsigned char)plain.data[0]))
		quote = 1;
	buf_addc(out, '$');
	if (quote)
		buf_addc(out, '\'');
	for (size_t i = 0; i < plain.len; i++) {
		if (quote && plain.data[i] == '\'')
			buf_addc(out, '\'');
		buf_addc(out, plain.data[i]);
	}
	if (quote)
		buf_addc(out, '\'');
	buf_free(&plain);
}

static void put_ref(struct walk *w, struct fref *r, const char *s, size_t n)
{
	int bad = 0;

	switch (w->mode) {
	case FX_SHIFT:
		shift_part(&r->a, w->drow, w->dcol, &bad);
		if (r->range)
			shift_part(&r->b, w->drow, w->dcol, &bad);
		if (bad) {
			buf_adds(w->out, "#REF!");
			return;
		}
		if (r->sheet) {
			buf_add(w->out, r->sheet, r->sheetlen);
			buf_addc(w->out, '!');
		}
		put_part(w->out, &r->a);
		if (r->range) {
			buf_addc(w->out, ':');
			put_part(w->out, &r->b);
		}
		return;
	case FX_TO_OF:
		buf_addc(w->out, '[');
		if (r->sheet)
			put_of_sheet(w->out, r->sheet, r->sheetlen);
		buf_addc(w->out, '.');
		put_part(w->out, &r->a);
		if (r->range) {
			buf_adds(w->out, ":.");
			put_part(w->out, &r->b);
		}
		buf_addc(w->out, ']');
		return;
	default:
		buf_add(w->out, s, n);
		return;
	}
}

static void walk(struct walk *w, const char *s, size_t len)
{
	size_t i = 0, n;
	struct fref r;

	while (i < len) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"') {
			n = scan_string(s, len, i);
			buf_add(w->out, s + i, n);
			i += n;
			continue;
		}
		if (c == '#' && (n = scan_error(s, len, i)) > 0) {
			buf_add(w->out, s + i, n);
			i += n;
			continue;
		}
		if ((c == '$' || c == '\'' || ident_start(c) || isdigit(c)) &&
		    (n = scan_ref(s, len, i, &r)) > 0) {
			put_ref(w, &r, s + i, n);
			i += n;
			continue;
		}
		if (isdigit(c) || (c == '.' && i + 1 < len && isdigit((unsigned char)s[i + 1]))) {
			n = scan_number(s, len, i);
			buf_add(w->out, s + i, n);
			i += n;
			continue;
		}
		if (c == '\'' ) { /* a quoted sheet before something not a reference */
			n = scan_sheet(s, len, i);
			n = n ? n : len - i;
			buf_add(w->out, s + i, n);
			i += n;
			continue;
		}
		if (ident_start(c)) {
			size_t p, m;

			n = scan_ident(s, len, i);
			int func = i + n < len && s[i + n] == '(';

			p = strip_prefix(s + i, n);
			m = n - p;
			if (w->mode == FX_FROM_XLSX) {
				buf_add(w->out, s + i + p, m);
			} else if (w->mode == FX_TO_XLSX) {
				if (func && p == 0 && in_list(xlfn_names, s + i, n))
					buf_adds(w->out, "_xlfn.");
				buf_add(w->out, s + i, n);
			} else if (w->mode == FX_TO_OF) {
				if (func && in_list(msft_names, s + i + p, m))
					buf_adds(w->out, "COM.MICROSOFT.");
				buf_add(w->out, s + i + p, m);
				if (!func && ((m == 4 && strncasecmp(s + i + p, "TRUE", 4) == 0) ||
					      (m == 5 && strncasecmp(s + i + p, "FALSE", 5) == 0)))
					buf_adds(w->out, "()");
			} else {
				buf_add(w->out, s + i, n);
			}
			i += n;
			continue;
		}
		if ((c == ',' || c == ';') && w->mode == FX_TO_XLSX)
			buf_addc(w->out, ',');
		else if ((c == ',' || c == ';') && w->mode == FX_TO_OF)
			buf_addc(w->out, ';');
		else
			buf_addc(w->out, (char)c);
		i++;
	}
}

void sheet_fx_from_xlsx(const char *s, size_t len, struct buf *out)
{
	struct walk w = { FX_FROM_XLSX, 0, 0, out };

	buf_addc(out, '=');
	walk(&w, s, len);
}

void sheet_fx_to_xlsx(const char *src, struct buf *out)
{
	struct walk w = { FX_TO_XLSX, 0, 0, out };

	if (src[0] == '=')
		src++;
	walk(&w, src, strlen(src));
}

void sheet_fx_shift(const char *src, long drow, long dcol, struct buf *out)
{
	struct walk w = { FX_SHIFT, drow, dcol, out };

	walk(&w, src, strlen(src));
}

void sheet_fx_to_of(const char *src, struct buf *out)
{
	struct walk w = { FX_TO_OF, 0, 0, out };

	if (src[0] == '=')
		src++;
	buf_adds(out, "of:=");
	walk(&w, src, strlen(src));
}

/* ---- OpenFormula to ours ----------------------------------------------------- */

/* Does an Excel sheet name need quotes? */
static int needs_quotes(const char *s, size_t n)
{
	struct rpart p;

	if (n == 0 || !ident_start((unsigned char)s[0]))
		return 1;
	for (size_t i = 0; i < n; i++)
		if (!ident_char((unsigned char)s[i]) || s[i] == '.')
			return 1;
	return scan_part(s, n, 0, 0, &p) == n; /* "A1" as a sheet name */
}

/* One side of an ODF reference: "$Sheet2.A1", "'My sheet'.A$1", ".A1",
 * ".A", ".1". The sheet name (plain) goes to sheet. */
static int of_side(const char *s, size_t len, struct buf *sheet, struct rpart *p)
{
	size_t i = 0, dot;

	buf_reset(sheet);
	if (i < len && s[i] == '$')
		i++;
	if (i < len && s[i] == '\'') {
		for (i++; i < len; i++) {
			if (s[i] == '\'' && i + 1 < len && s[i + 1] == '\'') {
				buf_addc(sheet, '\'');
				i++;
			} else if (s[i] == '\'') {
				break;
			} else {
				buf_addc(sheet, s[i]);
			}
		}
		if (i >= len)
			return E_PARSE;
		dot = i + 1;
	} else {
		for (dot = i; dot < len && s[dot] != '.'; dot++)
			;
		buf_add(sheet, s + i, dot - i);
	}
	if (dot >= len || s[dot] != '.')
		return E_PARSE;
	dot++;
	if (scan_part(s, len, dot, 0, p) != len - dot) {
		if (scan_part(s, len, dot, RP_COL, p) != len - dot &&
		    scan_part(s, len, dot, RP_ROW, p) != len - dot)
			return E_PARSE;
	}
	return 0;
}

static void put_excel_sheet(struct buf *out, const struct buf *sheet)
{
	if (!needs_quotes(sheet->data, sheet->len)) {
		buf_add(out, sheet->data, sheet->len);
	} else {
		buf_addc(out, '\'');
		for (size_t i = 0; i < sheet->len; i++) {
			if (sheet->data[i] == '\'')
				buf_addc(out, '\'');
			buf_addc(out, sheet->data[i]);
		}
		buf_addc(out, '\'');
	}
	buf_addc(out, '!');
}

/* "[...]" contents to Excel syntax. */
static void of_ref(const char *s, size_t len, struct buf *out)
{
	struct buf s1, s2;
	struct rpart a, b;
	size_t colon = len;

	/* the ':' between the sides, outside quotes */
	for (size_t i = 0, q = 0; i < len; i++) {
		if (s[i] == '\'')
			q = !q;
		else if (s[i] == ':' && !q) {
			colon = i;
			break;
		}
	}
	buf_init(&s1);
	buf_init(&s2);
	if (memmem(s, len, "#REF!", 5) || of_side(s, colon, &s1, &a) != 0 ||
	    (colon < len && of_side(s + colon + 1, len - colon - 1, &s2, &b) != 0) ||
	    (colon < len && a.kind != b.kind)) {
		buf_adds(out, "#REF!");
		goto done;
	}
	if (s1.len)
		put_excel_sheet(out, &s1);
	put_part(out, &a);
	if (colon < len) {
		buf_addc(out, ':');
		put_part(out, &b);
	}
done:
	buf_free(&s1);
	buf_free(&s2);
}

int sheet_fx_from_of(const char *s, struct buf *out)
{
	size_t len, i = 0, n;

	if (strncmp(s, "of:", 3) == 0)
		s += 3;
	else if (strncmp(s, "oooc:", 5) == 0)
		s += 5;
	else if (strncmp(s, "msoxl:", 6) == 0) {
		s += 6;
		if (s[0] != '=')
			buf_addc(out, '=');
		struct walk w = { FX_FROM_XLSX, 0, 0, out };

		walk(&w, s, strlen(s));
		return 0;
	} else if (s[0] != '=') {
		return E_PARSE;
	}
	len = strlen(s);
	if (s[0] == '=')
		i = 1;
	buf_addc(out, '=');
	while (i < len) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"') {
			n = scan_string(s, len, i);
			buf_add(out, s + i, n);
			i += n;
		} else if (c == '[') {
			size_t j = i + 1, q = 0;

			while (j < len && (s[j] != ']' || q)) {
				if (s[j] == '\'')
					q = !q;
				j++;
			}
			of_ref(s + i + 1, j - i - 1, out);
			i = j < len ? j + 1 : j;
		} else if (ident_start(c)) {
			size_t p;

			n = scan_ident(s, len, i);
			p = strip_prefix(s + i, n);
			buf_add(out, s + i + p, n - p);
			i += n;
			/* ODF's TRUE() and FALSE() are Excel's constants */
			if (i + 1 < len && s[i] == '(' && s[i + 1] == ')' &&
			    ((n == 4 && strncasecmp(s + i - 4, "TRUE", 4) == 0) ||
			     (n == 5 && strncasecmp(s + i - 5, "FALSE", 5) == 0)))
				i += 2;
		} else if (isdigit(c) || c == '.') {
			n = scan_number(s, len, i);
			buf_add(out, s + i, n ? n : 1);
			i += n ? n : 1;
		} else if (c == ';') {
			buf_addc(out, ',');
			i++;
		} else if (c == '!') { /* ODF's intersection is Excel's space */
			buf_addc(out, ' ');
			i++;
		} else {
			buf_addc(out, (char)c);
			i++;
		}
	}
	return 0;
}
