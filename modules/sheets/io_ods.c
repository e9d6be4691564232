/*
 * io_ods.c - OpenDocument spreadsheets (.ods) in and out.
 *
 * Reading streams styles.xml (common number and cell styles) and
 * content.xml: automatic styles, then each table:table with its columns
 * (widths, default cell styles) and rows. Repeated rows and cells are
 * replayed, within a bound on the cells a file may make (LibreOffice ends
 * a sheet with a million empty repeated rows, which cost nothing). Cell
 * values come from the office:*-value attributes; formulas
 * ("of:=SUM([.A1:.A5])") are converted to our syntax and compiled once
 * every sheet exists, so references to later sheets resolve. Number styles
 * become Excel format codes for the common cases (decimals, grouping,
 * percent, currency, scientific, fractions, dates and times, text).
 *
 * Writing makes mimetype (first, stored), META-INF/manifest.xml,
 * styles.xml and content.xml with Excel-like calculation settings; every
 * formula carries its computed result.
 */
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "modules/sheets/io.h"
#include "modules/sheets/io_zip.h"

#define MIMETYPE "application/vnd.oasis.opendocument.spreadsheet"
#define MAX_CELLS (64u << 20)
#define MAX_REPEAT_FMT 1 /* empty styled cells are kept only when not repeated */
/* Excel's column width unit (a digit, 7 px at 96 dpi, plus 5 px padding). */
#define PX_PER_CHAR 7.0
#define PX_PAD 5.0

struct numstyle {
	char *name;
	char *code;  /* Excel code; NULL: none (boolean) */
	char *apply; /* style:map to use for value() >= 0 */
};

struct cellstyle {
	char *name;
	char *data; /* data style name */
	double width; /* table-column: inches; 0 none */
};

struct rcell { /* a cell of the current row, replayed for repeats */
	long col, rep;
	int type; /* 'n' number, 's' text, 'b' bool, 'e' error, 'd' date, 0 empty */
	double num;
	char *str, *formula, *style;
};

struct pending { /* a formula compiled when every sheet exists */
	int sheet;
	uint32_t row, col;
	char *src;
};

struct od {
	struct sheet_file *f;
	struct xz_reader z;
	struct numstyle *ns;
	size_t nns;
	struct cellstyle *cs;
	size_t ncs;
	/* the number style being read */
	struct numstyle *cur_ns;
	struct buf code;
	int ns_kind, in_ntext, in_cursym, truncate;
	struct buf ntext;
	/* the cell style being read */
	struct cellstyle *cur_cs;
	/* body */
	int sheet, in_table, in_cell, in_p, ptexts;
	long row, col;
	long row_rep;
	char **coldef; /* default cell style per column (borrowed names) */
	long ncoldef;
	struct rcell *rc;
	size_t nrc, caprc;
	char *last_style;      /* the last cell style looked up, and its code */
	const char *last_code;
	struct rcell cell;
	struct buf text;
	struct pending *pf;
	size_t npf;
	size_t cells;
};

static double text_num(const char *v, double dflt)
{
	char *end;
	double d;

	if (v == NULL)
		return dflt;
	d = strtod(v, &end);
	return end != v && isfinite(d) ? d : dflt;
}

static double attr_num(const char **attr, const char *name, double dflt)
{
	return text_num(xz_attr(attr, name), dflt);
}

/* ---- styles ------------------------------------------------------------------ */

static const char *ns_kinds[] = { "number-style", "percentage-style", "currency-style",
				  "date-style", "time-style", "text-style", "boolean-style",
				  NULL };

static int starts(const char *s, const char *p)
{
	return strncmp(s, p, strlen(p)) == 0;
}

/* Literal text into an Excel code: quoted unless harmless. */
static void code_lit(struct buf *b, const char *s, size_t n)
{
	int plain = 1;

	for (size_t i = 0; i < n; i++)
		if (!strchr(" -/:.,()$%", s[i]))
			plain = 0;
	if (plain) {
		buf_add(b, s, n);
		return;
	}
	buf_addc(b, '"');
	for (size_t i = 0; i < n; i++)
		if (s[i] != '"')
			buf_addc(b, s[i]);
	buf_addc(b, '"');
}

static int attr_true_s(const char **attr, const char *name)
{
	const char *v = xz_attr(attr, name);

	return v && strcmp(v, "true") == 0;
}

static int is_long(const char **attr)
{
	const char *v = xz_attr(attr, "number:style");

	return v && strcmp(v, "long") == 0;
}

static void ns_part(struct od *o, const char *el, const char **attr)
{
	struct buf *b = &o->code;
	long dec = (long)attr_num(attr, "number:decimal-places", 0);

	if (dec < 0 || dec > 30)
		dec = 0;
	if (strcmp(el, "number") == 0) {
		long minint = (long)attr_num(attr, "number:min-integer-digits", 1);

		buf_adds(b, attr_true_s(attr, "number:grouping") ? "#,##" : "");
		buf_adds(b, minint > 0 || !attr_true_s(attr, "number:grouping") ? "0" : "#");
		if (dec > 0) {
			buf_addc(b, '.');
			for (long i = 0; i < dec; i++)
				buf_addc(b, '0');
		}
	} else if (strcmp(el, "scientific-number") == 0) {
		buf_adds(b, "0");
		if (dec > 0) {
			buf_addc(b, '.');
			for (long i = 0; i < dec; i++)
				buf_addc(b, '0');
		}
		buf_adds(b, "E+00");
	} else if (strcmp(el, "fraction") == 0) {
		buf_adds(b, "# ?/?");
	} else if (strcmp(el, "year") == 0) {
		buf_adds(b, is_long(attr) ? "yyyy" : "yy");
	} else if (strcmp(el, "month") == 0) {
		int text = attr_true_s(attr, "number:textual");

		buf_adds(b, text ? (is_long(attr) ? "mmmm" : "mmm") : (is_long(attr) ? "mm" : "m"));
	} else if (strcmp(el, "day") == 0) {
		buf_adds(b, is_long(attr) ? "dd" : "d");
	} else if (strcmp(el, "day-of-week") == 0) {
		buf_adds(b, is_long(attr) ? "dddd" : "ddd");
	} else if (strcmp(el, "hours") == 0) {
		buf_adds(b, o->truncate ? "[h]" : is_long(attr) ? "hh" : "h");
		o->truncate = 0;
	} else if (strcmp(el, "minutes") == 0) {
		buf_adds(b, is_long(attr) ? "mm" : "m");
	} else if (strcmp(el, "seconds") == 0) {
		buf_adds(b, is_long(attr) ? "ss" : "s");
		if (dec > 0) {
			buf_addc(b, '.');
			for (long i = 0; i < dec; i++)
				buf_addc(b, '0');
		}
	} else if (strcmp(el, "am-pm") == 0) {
		buf_adds(b, "AM/PM");
	} else if (strcmp(el, "text-content") == 0) {
		buf_addc(b, '@');
	}
}

static void st_start(struct xz_xml *xx, const char *name, const char **attr)
{
	struct od *o = xx->arg;

	if (starts(name, "number:") && o->cur_ns == NULL) {
		for (int k = 0; ns_kinds[k]; k++) {
			if (strcmp(name + 7, ns_kinds[k]) != 0)
				continue;
			const char *n = xz_attr(attr, "style:name");

			if (n == NULL)
				return;
			free(o->last_style); /* a new style may shadow the cached one */
			o->last_style = NULL;
			o->ns = xreallocarray(o->ns, o->nns + 1, sizeof *o->ns);
			o->cur_ns = &o->ns[o->nns++];
			memset(o->cur_ns, 0, sizeof *o->cur_ns);
			o->cur_ns->name = xstrdup(n);
			o->ns_kind = k;
			o->truncate = k == 4 && xz_attr(attr, "number:truncate-on-overflow") &&
				      strcmp(xz_attr(attr, "number:truncate-on-overflow"), "false") == 0;
			buf_reset(&o->code);
			return;
		}
		return;
	}
	if (o->cur_ns) {
		if (strcmp(name, "number:text") == 0 || strcmp(name, "number:currency-symbol") == 0) {
			o->in_ntext = 1;
			o->in_cursym = name[7] == 'c';
			buf_reset(&o->ntext);
		} else if (strcmp(name, "style:map") == 0) {
			const char *c = xz_attr(attr, "style:condition");
			const char *a = xz_attr(attr, "style:apply-style-name");

			if (c && a && strcmp(c, "value()>=0") == 0)
				xstrset(&o->cur_ns->apply, a);
		} else if (starts(name, "number:")) {
			ns_part(o, name + 7, attr);
		}
		return;
	}
	if (strcmp(name, "style:style") == 0) {
		const char *n = xz_attr(attr, "style:name"), *fam = xz_attr(attr, "style:family");

		if (n == NULL || fam == NULL ||
		    (strcmp(fam, "table-cell") != 0 && strcmp(fam, "table-column") != 0))
			return;
		free(o->last_style);
		o->last_style = NULL;
		o->cs = xreallocarray(o->cs, o->ncs + 1, sizeof *o->cs);
		o->cur_cs = &o->cs[o->ncs++];
		memset(o->cur_cs, 0, sizeof *o->cur_cs);
		o->cur_cs->name = xstrdup(n);
		if (xz_attr(attr, "style:data-style-name"))
			o->cur_cs->data = xstrdup(xz_attr(attr, "style:data-style-name"));
	} else if (strcmp(name, "style:table-column-properties") == 0 && o->cur_cs) {
		const char *w = xz_attr(attr, "style:column-width");
		char *end;
		double v;

		if (w == NULL)
			return;
		v = strtod(w, &end);
		if (end == w || !(v > 0) || !isfinite(v))
			return;
		if (strcmp(end, "in") == 0) o->cur_cs->width = v;
		else if (strcmp(end, "cm") == 0) o->cur_cs->width = v / 2.54;
		else if (strcmp(end, "mm") == 0) o->cur_cs->width = v / 25.4;
		else if (strcmp(end, "pt") == 0) o->cur_cs->width = v / 72;
		else if (strcmp(end, "pc") == 0) o->cur_cs->width = v / 6;
		else if (strcmp(end, "px") == 0) o->cur_cs->width = v / 96;
	}
}

static void st_end(struct xz_xml *xx, const char *name)
{
	struct od *o = xx->arg;

	if (o->cur_ns && o->in_ntext &&
	    (strcmp(name, "number:text") == 0 || strcmp(name, "number:currency-symbol") == 0)) {
		o->in_ntext = 0;
		if (o->in_cursym || o->ns_kind != 1 || strcmp(buf_cstr(&o->ntext), "%") != 0)
			code_lit(&o->code, o->ntext.data ? o->ntext.data : "", o->ntext.len);
		else
			buf_addc(&o->code, '%');
		return;
	}
	if (o->cur_ns && starts(name, "number:") && strcmp(name + 7, ns_kinds[o->ns_kind]) == 0) {
		if (o->ns_kind != 6 && o->code.len > 0)
			o->cur_ns->code = xstrdup(buf_cstr(&o->code));
		o->cur_ns = NULL;
		return;
	}
	if (strcmp(name, "style:style") == 0)
		o->cur_cs = NULL;
}

static void st_text(struct xz_xml *xx, const char *s, int len)
{
	struct od *o = xx->arg;

	if (o->cur_ns && o->in_ntext)
		buf_add(&o->ntext, s, (size_t)len);
}

static const struct cellstyle *cell_style(const struct od *o, const char *name)
{
	if (name == NULL)
		return NULL;
	for (size_t i = o->ncs; i-- > 0;)
		if (strcmp(o->cs[i].name, name) == 0)
			return &o->cs[i];
	return NULL;
}

/* The Excel code of a cell style, following a style:map for the positive
 * section. */
static const char *style_code(const struct od *o, const char *cellstyle)
{
	const struct cellstyle *cs = cell_style(o, cellstyle);
	const char *want = cs ? cs->data : NULL;

	for (int hop = 0; want && hop < 3; hop++) {
		const struct numstyle *n = NULL;

		for (size_t i = o->nns; i-- > 0;)
			if (strcmp(o->ns[i].name, want) == 0) {
				n = &o->ns[i];
				break;
			}
		if (n == NULL)
			return NULL;
		if (n->apply == NULL)
			return n->code;
		want = n->apply;
	}
	return NULL;
}

/* ---- body ---------------------------------------------------------------------- */

static void rcell_free(struct rcell *c)
{
	free(c->str);
	free(c->formula);
	free(c->style);
	memset(c, 0, sizeof *c);
}

/* "PT12H30M05.5S" to a fraction of a day. */
static int duration_parse(const char *s, double *out)
{
	double h = 0, m = 0, sec = 0, v;
	char *end;
	int neg = 0;

	if (*s == '-')
		neg = 1, s++;
	if (*s++ != 'P')
		return -1;
	if (*s == 'T')
		s++;
	while (*s) {
		v = strtod(s, &end);
		if (end == s || !isfinite(v))
			return -1;
		switch (*end) {
		case 'H': h = v; break;
		case 'M': m = v; break;
		case 'S': sec = v; break;
		case 'D': h += 24 * v; break;
		default: return -1;
		}
		s = end + 1;
		if (*s == 'T')
			s++;
	}
	*out = (h * 3600 + m * 60 + sec) / 86400 * (neg ? -1 : 1);
	return 0;
}

/* "2024-01-15" or "2024-01-15T10:30:00" to a serial. */
static int date_value(const struct od *o, const char *s, double *out)
{
	double d, frac = 0;

	if (strlen(s) < 10 || sheet_io_date_parse(s, 10, &d) != 0)
		return -1;
	if (s[10] == 'T') {
		int hh, mm;
		double ss = 0;

		if (sscanf(s + 11, "%d:%d:%lf", &hh, &mm, &ss) < 2)
			return -1;
		frac = (hh * 3600 + mm * 60 + ss) / 86400;
	}
	*out = d + frac; /* our serials are the 1900 system's whatever the null date */
	return 0;
}

static void cell_begin(struct xz_xml *xx, const char **attr)
{
	struct od *o = xx->arg;
	struct rcell *c = &o->cell;
	const char *t = NULL, *ct = NULL, *fx = NULL, *st = NULL, *val = NULL, *nrep = NULL;
	double rep;

	/* one pass over the attributes: this runs for every cell */
	for (size_t i = 0; attr[i]; i += 2) {
		const char *n = attr[i];

		if (n[0] == 'o' && strcmp(n, "office:value-type") == 0)
			t = attr[i + 1];
		else if (n[0] == 'o' && strcmp(n, "office:value") == 0)
			val = attr[i + 1];
		else if (n[0] == 'c' && strcmp(n, "calcext:value-type") == 0)
			ct = attr[i + 1];
		else if (n[0] == 't' && strcmp(n, "table:formula") == 0)
			fx = attr[i + 1];
		else if (n[0] == 't' && strcmp(n, "table:style-name") == 0)
			st = attr[i + 1];
		else if (n[0] == 't' && strcmp(n, "table:number-columns-repeated") == 0)
			nrep = attr[i + 1];
	}
	rep = text_num(nrep, 1);

	rcell_free(c);
	c->col = o->col;
	c->rep = rep >= 1 && rep <= SHEET_MAX_COLS ? (long)rep : 1;
	if (st == NULL && o->col < o->ncoldef)
		st = o->coldef[o->col];
	if (st)
		c->style = xstrdup(st);
	if (fx)
		c->formula = xstrdup(fx);
	o->in_cell = 1;
	o->ptexts = 0;
	buf_reset(&o->text);
	if (ct && strcmp(ct, "error") == 0) {
		c->type = 'e';
		return;
	}
	if (t == NULL)
		return;
	if (strcmp(t, "float") == 0 || strcmp(t, "percentage") == 0 || strcmp(t, "currency") == 0) {
		c->type = 'n';
		if (val == NULL || xz_num(val, strlen(val), &c->num) != 0)
			xz_fail(xx, "bad office:value \"%.30s\"", val ? val : "");
	} else if (strcmp(t, "date") == 0) {
		const char *v = xz_attr(attr, "office:date-value");

		c->type = 'd';
		if (v == NULL || date_value(o, v, &c->num) != 0)
			xz_fail(xx, "bad office:date-value \"%.30s\"", v ? v : "");
	} else if (strcmp(t, "time") == 0) {
		const char *v = xz_attr(attr, "office:time-value");

		c->type = 'd';
		if (v == NULL || duration_parse(v, &c->num) != 0)
			xz_fail(xx, "bad office:time-value \"%.30s\"", v ? v : "");
	} else if (strcmp(t, "boolean") == 0) {
		const char *v = xz_attr(attr, "office:boolean-value");

		c->type = 'b';
		c->num = v && (strcmp(v, "true") == 0 || strcmp(v, "1") == 0);
	} else if (strcmp(t, "string") == 0) {
		const char *v = xz_attr(attr, "office:string-value");

		c->type = 's';
		if (v)
			c->str = xstrdup(v);
	}
}

static void cell_end(struct od *o)
{
	struct rcell *c = &o->cell;

	o->in_cell = 0;
	if ((c->type == 's' && c->str == NULL) || c->type == 'e')
		c->str = xstrndup(o->text.data ? o->text.data : "", o->text.len);
	o->col += c->rep;
	if (c->type == 0 && c->formula == NULL && (c->style == NULL || c->rep > MAX_REPEAT_FMT)) {
		rcell_free(c);
		return;
	}
	if (o->nrc == o->caprc) {
		o->caprc = o->caprc ? o->caprc * 2 : 64;
		o->rc = xreallocarray(o->rc, o->caprc, sizeof *o->rc);
	}
	o->rc[o->nrc++] = *c;
	memset(c, 0, sizeof *c);
}

static int store_cell(struct xz_xml *xx, const struct rcell *c, uint32_t row, uint32_t col)
{
	struct od *o = xx->arg;
	struct sheet_book *wb = o->f->wb;
	const char *code;
	size_t used;

	/* rows repeat one style: remember the last lookup */
	if (c->style == NULL) {
		code = NULL;
	} else if (o->last_style && strcmp(o->last_style, c->style) == 0) {
		code = o->last_code;
	} else {
		code = style_code(o, c->style);
		xstrset(&o->last_style, c->style);
		o->last_code = code;
	}
	if (code)
		sheet_file_set_format(o->f, o->sheet, row, col, code);
	if (c->formula) {
		o->pf = xreallocarray(o->pf, o->npf + 1, sizeof *o->pf);
		o->pf[o->npf++] = (struct pending){ o->sheet, row, col, xstrdup(c->formula) };
	}
	switch (c->type) {
	case 'n':
		return sheet_set_number(wb, o->sheet, row, col, c->num);
	case 'd':
		if (!code || !sheet_io_format_is_date(code))
			sheet_file_note_get(o->f, o->sheet, row, col)->date = 1;
		return sheet_set_number(wb, o->sheet, row, col, c->num);
	case 'b':
		return sheet_set_bool(wb, o->sheet, row, col, c->num != 0);
	case 's':
		return sheet_set_text(wb, o->sheet, row, col, c->str ? c->str : "");
	case 'e': {
		enum sheet_err er = sheet_err_parse(c->str, strlen(c->str), &used);

		return sheet_set_error(wb, o->sheet, row, col, er ? er : SHEET_ERR_VALUE);
	}
	default:
		return 0;
	}
}

/* The row just read, into the sheet once per repeat. */
static void row_end(struct xz_xml *xx)
{
	struct od *o = xx->arg;

	for (long r = 0; r < o->row_rep && o->nrc > 0 && !xx->failed; r++) {
		long row = o->row + r;

		if (row >= (long)SHEET_MAX_ROWS)
			break;
		for (size_t i = 0; i < o->nrc && !xx->failed; i++) {
			for (long k = 0; k < o->rc[i].rep; k++) {
				long col = o->rc[i].col + k;

				if (col >= (long)SHEET_MAX_COLS)
					break;
				if (++o->cells > MAX_CELLS)
					return xz_fail(xx, "more than %u cells", MAX_CELLS);
				if (store_cell(xx, &o->rc[i], (uint32_t)row, (uint32_t)col) < 0)
					return xz_fail(xx, "a cell cannot be stored");
			}
		}
	}
	for (size_t i = 0; i < o->nrc; i++)
		rcell_free(&o->rc[i]);
	o->nrc = 0;
	o->row += o->row_rep;
}

static void body_start(struct xz_xml *xx, const char *name, const char **attr)
{
	struct od *o = xx->arg;

	if (!starts(name, "table:") && !starts(name, "text:")) {
		st_start(xx, name, attr); /* automatic styles */
		return;
	}
	if (strcmp(name, "table:table") == 0) {
		const char *n = xz_attr(attr, "table:name");
		char tmp[32];
		struct err ae;

		if (o->in_table)
			return xz_fail(xx, "a table inside a table");
		if (n == NULL) {
			snprintf(tmp, sizeof tmp, "Sheet%d", sheet_count(o->f->wb) + 1);
			n = tmp;
		}
		err_clear(&ae);
		o->sheet = sheet_add(o->f->wb, n, &ae);
		if (o->sheet < 0)
			return xz_fail(xx, "sheet \"%.40s\": %s", n, ae.msg);
		o->in_table = 1;
		o->row = 0;
		for (long i = 0; i < o->ncoldef; i++)
			free(o->coldef[i]);
		o->ncoldef = 0;
		o->col = 0;
	} else if (strcmp(name, "table:table-column") == 0 && o->in_table) {
		double rep = attr_num(attr, "table:number-columns-repeated", 1);
		const struct cellstyle *cs = cell_style(o, xz_attr(attr, "table:style-name"));
		const char *def = xz_attr(attr, "table:default-cell-style-name");
		long n = rep >= 1 && rep <= SHEET_MAX_COLS ? (long)rep : 1;

		for (long k = 0; k < n && o->col < (long)SHEET_MAX_COLS; k++, o->col++) {
			if (cs && cs->width > 0)
				sheet_file_set_col_width(o->f, o->sheet, (uint32_t)o->col,
							 (cs->width * 96 - PX_PAD) / PX_PER_CHAR);
			if (def && strcmp(def, "Default") != 0) {
				/* only ever grown: a column after a row (o->col reset)
				 * must not cut the table short */
				if (o->col >= o->ncoldef) {
					o->coldef = xreallocarray(o->coldef, (size_t)o->col + 1,
								  sizeof *o->coldef);
					while (o->ncoldef <= o->col)
						o->coldef[o->ncoldef++] = NULL;
				}
				free(o->coldef[o->col]);
				o->coldef[o->col] = xstrdup(def);
			}
		}
	} else if (strcmp(name, "table:table-row") == 0 && o->in_table) {
		double rep = attr_num(attr, "table:number-rows-repeated", 1);

		o->row_rep = rep >= 1 && rep <= SHEET_MAX_ROWS ? (long)rep : 1;
		o->col = 0;
		if (o->row >= (long)SHEET_MAX_ROWS)
			return xz_fail(xx, "more than %u rows", SHEET_MAX_ROWS);
	} else if ((strcmp(name, "table:table-cell") == 0 ||
		    strcmp(name, "table:covered-table-cell") == 0) && o->in_table) {
		cell_begin(xx, attr);
	} else if (o->in_cell && strcmp(name, "text:p") == 0) {
		if (o->ptexts++ > 0)
			buf_addc(&o->text, '\n');
		o->in_p = 1;
	} else if (o->in_cell && o->in_p && strcmp(name, "text:s") == 0) {
		double c = attr_num(attr, "text:c", 1);

		for (long i = 0; i < (c >= 1 && c < 1000 ? (long)c : 1); i++)
			buf_addc(&o->text, ' ');
	} else if (o->in_cell && o->in_p && strcmp(name, "text:tab") == 0) {
		buf_addc(&o->text, '\t');
	} else if (o->in_cell && o->in_p && strcmp(name, "text:line-break") == 0) {
		buf_addc(&o->text, '\n');
	}
}

static void body_end(struct xz_xml *xx, const char *name)
{
	struct od *o = xx->arg;

	if (!starts(name, "table:") && !starts(name, "text:")) {
		st_end(xx, name);
		return;
	}
	if (strcmp(name, "table:table") == 0) {
		o->in_table = 0;
	} else if (strcmp(name, "table:table-row") == 0 && o->in_table) {
		row_end(xx);
	} else if ((strcmp(name, "table:table-cell") == 0 ||
		    strcmp(name, "table:covered-table-cell") == 0) && o->in_cell) {
		cell_end(o);
	} else if (strcmp(name, "text:p") == 0) {
		o->in_p = 0;
	}
}

static void body_text(struct xz_xml *xx, const char *s, int len)
{
	struct od *o = xx->arg;

	if (o->in_cell && o->in_p)
		buf_add(&o->text, s, (size_t)len);
	else
		st_text(xx, s, len);
}

static const struct xz_handlers styles_h = { st_start, st_end, st_text };
static const struct xz_handlers content_h = { body_start, body_end, body_text };

/* Compile the formulas now that every sheet exists. */
static void put_formulas(struct od *o)
{
	struct buf src;
	struct err pe;

	buf_init(&src);
	for (size_t i = 0; i < o->npf; i++) {
		struct pending *p = &o->pf[i];

		buf_reset(&src);
		if (sheet_fx_from_of(p->src, &src) != 0) {
			buf_reset(&src);
			buf_addc(&src, '=');
			buf_adds(&src, p->src);
		}
		err_clear(&pe);
		if (sheet_set_formula(o->f->wb, p->sheet, p->row, p->col, buf_cstr(&src), &pe) != 0) {
			struct sheet_note *n = sheet_file_note_get(o->f, p->sheet, p->row, p->col);

			sheet_note_keep(n, buf_cstr(&src), pe.msg);
		}
	}
	buf_free(&src);
}

static void od_free(struct od *o)
{
	for (size_t i = 0; i < o->nns; i++) {
		free(o->ns[i].name);
		free(o->ns[i].code);
		free(o->ns[i].apply);
	}
	free(o->ns);
	for (size_t i = 0; i < o->ncs; i++) {
		free(o->cs[i].name);
		free(o->cs[i].data);
	}
	free(o->cs);
	for (long i = 0; i < o->ncoldef; i++)
		free(o->coldef[i]);
	free(o->coldef);
	for (size_t i = 0; i < o->nrc; i++)
		rcell_free(&o->rc[i]);
	free(o->rc);
	rcell_free(&o->cell);
	for (size_t i = 0; i < o->npf; i++)
		free(o->pf[i].src);
	free(o->pf);
	free(o->last_style);
	buf_free(&o->code);
	buf_free(&o->ntext);
	buf_free(&o->text);
	xz_close(&o->z);
}

int sheet_ods_load(struct sheet_file *f, const void *data, size_t len, struct err *e)
{
	struct od o;
	struct buf mt;
	int rc;

	memset(&o, 0, sizeof o);
	o.f = f;
	buf_init(&o.code);
	buf_init(&o.ntext);
	buf_init(&o.text);
	buf_init(&mt);
	if ((rc = xz_open(&o.z, data, len, "ods", e)) != 0)
		goto out;
	if (xz_has(&o.z, "mimetype")) {
		if ((rc = xz_read_small(&o.z, "mimetype", &mt, 256, e)) != 0)
			goto out;
		if (strcmp(buf_cstr(&mt), MIMETYPE) != 0) {
			rc = err_set(e, E_PARSE, "mimetype: \"%.60s\" is not a spreadsheet",
				     buf_cstr(&mt));
			goto out;
		}
	}
	if (xz_has(&o.z, "styles.xml") &&
	    (rc = xz_parse(&o.z, "styles.xml", &styles_h, &o, e)) != 0)
		goto out;
	sheet_book_free(f->wb);
	f->wb = sheet_book_new();
	f->sheet = 0;
	sheet_recalc_suspend(f->wb);
	rc = xz_parse(&o.z, "content.xml", &content_h, &o, e);
	if (rc == 0 && sheet_count(f->wb) == 0)
		rc = err_set(e, E_PARSE, "content.xml: no sheets");
	if (rc == 0)
		put_formulas(&o);
	sheet_recalc_resume(f->wb);
out:
	if (rc != 0) {
		struct sheet_file empty;

		sheet_file_init(&empty, NULL);
		sheet_file_free(f);
		*f = empty;
	}
	buf_free(&mt);
	od_free(&o);
	return rc;
}

/* ---- writing ------------------------------------------------------------------- */

/* The first section of an Excel code as an ODF number style named name. */
static void write_numstyle(struct buf *b, const char *name, const char *code)
{
	struct buf lit;
	size_t i = 0;
	int date = sheet_io_format_is_date(code), hours = 0, dateparts = 0;
	int pct = 0, sci = 0, group = 0, dec = 0, seen_num = 0, minint = 0, after_dot = 0;
	const char *kind;

	buf_init(&lit);
	if (strcmp(code, "@") == 0) {
		buf_printf(b, "<number:text-style style:name=\"%s\"><number:text-content/>"
			      "</number:text-style>", name);
		return;
	}
	if (date) {
		struct buf parts;

		buf_init(&parts);
		for (i = 0; code[i] && code[i] != ';';) {
			char c = (char)tolower((unsigned char)code[i]);
			size_t n = 1;

			while (code[i + n] && tolower((unsigned char)code[i + n]) == c)
				n++;
			if (c == '"' || c == '\\') {
				size_t s = c == '"' ? i + 1 : i + 1, e2 = s;

				if (c == '"')
					while (code[e2] && code[e2] != '"')
						e2++;
				else
					e2 = code[s] ? s + 1 : s;
				buf_adds(&parts, "<number:text>");
				xz_esc(&parts, code + s, e2 - s);
				buf_adds(&parts, "</number:text>");
				i = c == '"' && code[e2] ? e2 + 1 : e2;
				continue;
			}
			if (c == '[') {
				if (tolower((unsigned char)code[i + 1]) == 'h')
					hours = 2, buf_adds(&parts, "<number:hours/>");
				while (code[i] && code[i] != ']')
					i++;
				i += code[i] ? 1 : 0;
				continue;
			}
			if (strncasecmp(code + i, "AM/PM", 5) == 0) {
				buf_adds(&parts, "<number:am-pm/>");
				i += 5;
				continue;
			}
			const char *lg = n >= 2 ? " number:style=\"long\"" : "";

			if (c == 'y') {
				buf_printf(&parts, "<number:year%s/>", n >= 3 ? " number:style=\"long\"" : "");
				dateparts = 1;
			} else if (c == 'm') {
				/* minutes after hours or before seconds */
				size_t k = i + n;

				while (code[k] && strchr(":. ", code[k]))
					k++;
				if (hours || tolower((unsigned char)code[k]) == 's')
					buf_printf(&parts, "<number:minutes%s/>", lg);
				else if (n >= 3)
					buf_printf(&parts, "<number:month number:textual=\"true\"%s/>",
						   n >= 4 ? " number:style=\"long\"" : ""),
					dateparts = 1;
				else
					buf_printf(&parts, "<number:month%s/>", lg), dateparts = 1;
			} else if (c == 'd') {
				buf_printf(&parts, n >= 3 ? "<number:day-of-week%s/>" : "<number:day%s/>",
					   n == 2 || n >= 4 ? " number:style=\"long\"" : "");
				dateparts = 1;
			} else if (c == 'h') {
				buf_printf(&parts, "<number:hours%s/>", lg);
				hours = 1;
			} else if (c == 's') {
				size_t k = i + n, d = 0;

				if (code[k] == '.')
					for (k++; code[k] == '0'; k++)
						d++;
				buf_printf(&parts, "<number:seconds%s number:decimal-places=\"%zu\"/>", lg, d);
				n = k - i;
			} else if (strchr("0#?", c)) {
				/* fractions of seconds handled above */
			} else {
				buf_adds(&parts, "<number:text>");
				xz_esc(&parts, code + i, n);
				buf_adds(&parts, "</number:text>");
			}
			i += n;
		}
		kind = dateparts ? "date-style" : "time-style";
		buf_printf(b, "<number:%s style:name=\"%s\"%s>", kind, name,
			   hours == 2 ? " number:truncate-on-overflow=\"false\"" : "");
		buf_add(b, parts.data ? parts.data : "", parts.len);
		buf_printf(b, "</number:%s>", kind);
		buf_free(&parts);
		buf_free(&lit);
		return;
	}
	/* numbers: literals before, the number, literals after */
	struct buf before, after;

	buf_init(&before);
	buf_init(&after);
	for (i = 0; code[i] && code[i] != ';'; i++) {
		char c = code[i];
		struct buf *t = seen_num ? &after : &before;

		if (c == '"') {
			size_t e2 = i + 1;

			while (code[e2] && code[e2] != '"')
				e2++;
			buf_add(t, code + i + 1, e2 - i - 1);
			i = code[e2] ? e2 : e2 - 1;
		} else if (c == '\\' && code[i + 1]) {
			buf_addc(t, code[++i]);
		} else if ((c == '_' || c == '*') && code[i + 1]) {
			i++;
		} else if (c == '[') {
			if (code[i + 1] == '$') { /* [$€-407]: the symbol */
				size_t s = i + 2;

				while (code[s] && code[s] != '-' && code[s] != ']')
					buf_addc(t, code[s++]);
			}
			while (code[i] && code[i] != ']')
				i++;
			if (!code[i])
				i--;
		} else if (c == '0' || c == '#' || c == '?') {
			seen_num = 1;
			if (after_dot)
				dec += c != '#' || 1;
			else if (c == '0')
				minint++;
		} else if (c == ',' && seen_num && !after_dot) {
			group = 1;
		} else if (c == '.' && (seen_num || strchr("0#?", code[i + 1]))) {
			seen_num = 1;
			after_dot = 1;
		} else if ((c == 'E' || c == 'e') && seen_num && (code[i + 1] == '+' || code[i + 1] == '-')) {
			sci = 1;
			i++;
			while (strchr("0#", code[i + 1]) && code[i + 1])
				i++;
		} else if (c == '%') {
			pct = 1;
			buf_addc(t, '%');
		} else {
			buf_addc(t, c);
		}
	}
	kind = pct ? "percentage-style" : "number-style";
	buf_printf(b, "<number:%s style:name=\"%s\">", kind, name);
	if (before.len) {
		buf_adds(b, "<number:text>");
		xz_esc(b, before.data, before.len);
		buf_adds(b, "</number:text>");
	}
	if (sci)
		buf_printf(b, "<number:scientific-number number:decimal-places=\"%d\" "
			      "number:min-integer-digits=\"1\" number:min-exponent-digits=\"2\"/>", dec);
	else if (seen_num)
		buf_printf(b, "<number:number number:decimal-places=\"%d\" "
			      "number:min-decimal-places=\"%d\" number:min-integer-digits=\"%d\"%s/>",
			   dec, dec, minint, group ? " number:grouping=\"true\"" : "");
	if (after.len) {
		buf_adds(b, "<number:text>");
		xz_esc(b, after.data, after.len);
		buf_adds(b, "</number:text>");
	}
	buf_printf(b, "</number:%s>", kind);
	buf_free(&before);
	buf_free(&after);
	buf_free(&lit);
}

#define NS_DECL \
	"xmlns:office=\"urn:oasis:names:tc:opendocument:xmlns:office:1.0\" " \
	"xmlns:style=\"urn:oasis:names:tc:opendocument:xmlns:style:1.0\" " \
	"xmlns:text=\"urn:oasis:names:tc:opendocument:xmlns:text:1.0\" " \
	"xmlns:table=\"urn:oasis:names:tc:opendocument:xmlns:table:1.0\" " \
	"xmlns:number=\"urn:oasis:names:tc:opendocument:xmlns:datastyle:1.0\" " \
	"xmlns:fo=\"urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0\" " \
	"xmlns:of=\"urn:oasis:names:tc:opendocument:xmlns:of:1.2\" " \
	"xmlns:calcext=\"urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0\" " \
	"office:version=\"1.2\""

struct odw {
	struct xz_strtab codes; /* distinct format codes: style ceN / NN is index N+1 */
	double *widths;     /* distinct widths: coN */
	size_t nwidths;
	int booleans;       /* style ceb, so TRUE/FALSE show as words */
};

static size_t code_index(struct odw *w, const char *code)
{
	return xz_strtab_add(&w->codes, code) + 1;
}

static size_t width_index(struct odw *w, double v)
{
	for (size_t i = 0; i < w->nwidths; i++)
		if (w->widths[i] == v)
			return i + 1;
	w->widths = xreallocarray(w->widths, w->nwidths + 1, sizeof *w->widths);
	w->widths[w->nwidths++] = v;
	return w->nwidths;
}

static const char *note_code(const struct sheet_note *n)
{
	if (n == NULL)
		return NULL;
	return n->fmt ? n->fmt : n->date ? "yyyy-mm-dd" : NULL;
}

/* Text as text:p paragraphs, runs of spaces as text:s. */
static void put_paras(struct buf *b, const char *s, size_t len)
{
	size_t i = 0;

	buf_adds(b, "<text:p>");
	while (i < len) {
		if (s[i] == '\n') {
			buf_adds(b, "</text:p><text:p>");
			i++;
		} else if (s[i] == ' ' && (i == 0 || s[i - 1] == ' ' || s[i - 1] == '\n' ||
					   i + 1 == len)) {
			size_t n = 0;

			while (i < len && s[i] == ' ')
				i++, n++;
			buf_printf(b, "<text:s text:c=\"%zu\"/>", n);
		} else if (s[i] == '\t') {
			buf_adds(b, "<text:tab/>");
			i++;
		} else {
			xz_esc(b, s + i, 1);
			i++;
		}
	}
	buf_adds(b, "</text:p>");
}

static void put_cell(const struct sheet_file *f, int sheet, uint32_t row, uint32_t col,
		     struct odw *w, struct buf *b)
{
	const struct sheet_note *n = sheet_file_note_at(f, sheet, row, col);
	const char *src = sheet_file_formula_at(f, sheet, row, col);
	const char *code = note_code(n);
	struct sheet_value v;
	char tmp[40];
	struct buf fx;

	sheet_get(f->wb, sheet, row, col, &v);
	buf_adds(b, "<table:table-cell");
	if (code)
		buf_printf(b, " table:style-name=\"ce%zu\"", code_index(w, code));
	else if (v.type == SHEET_BOOL)
		buf_adds(b, " table:style-name=\"ceb\""), w->booleans = 1;
	if (src || v.type == SHEET_ERROR) {
		buf_init(&fx);
		if (src)
			sheet_fx_to_of(src, &fx);
		else
			buf_printf(&fx, "of:=%s", sheet_err_text(v.err == SHEET_ERR_CIRC ? SHEET_ERR_VALUE
											  : v.err));
		buf_adds(b, " table:formula=\"");
		xz_esc(b, fx.data, fx.len);
		buf_addc(b, '"');
		buf_free(&fx);
	}
	switch (v.type) {
	case SHEET_NUM:
		if (n && n->date && v.num >= 1 && v.num < 2958466 &&
		    sheet_io_date_text(floor(v.num), tmp, sizeof tmp) == 0) {
			double secs = round((v.num - floor(v.num)) * 86400);

			if (secs >= 86400)
				secs = 86399;
			buf_printf(b, " office:value-type=\"date\" office:date-value=\"%s", tmp);
			if (secs > 0)
				buf_printf(b, "T%02d:%02d:%02d", (int)secs / 3600, (int)secs / 60 % 60,
					   (int)secs % 60);
			buf_printf(b, "\"><text:p>%s</text:p></table:table-cell>", tmp);
			return;
		}
		sheet_io_num(v.num, tmp, sizeof tmp);
		buf_printf(b, " office:value-type=\"%s\" office:value=\"%s\"><text:p>%s</text:p>"
			      "</table:table-cell>",
			   code && strchr(code, '%') ? "percentage" : "float", tmp, tmp);
		return;
	case SHEET_TEXT:
		buf_adds(b, " office:value-type=\"string\">");
		put_paras(b, v.str ? v.str : "", v.str ? strlen(v.str) : 0);
		buf_adds(b, "</table:table-cell>");
		return;
	case SHEET_BOOL:
		buf_printf(b, " office:value-type=\"boolean\" office:boolean-value=\"%s\">"
			      "<text:p>%s</text:p></table:table-cell>",
			   v.num != 0 ? "true" : "false", v.num != 0 ? "TRUE" : "FALSE");
		return;
	case SHEET_ERROR:
		buf_printf(b, " office:value-type=\"float\" office:value=\"0\" "
			      "calcext:value-type=\"error\"><text:p>%s</text:p></table:table-cell>",
			   sheet_err_text(v.err == SHEET_ERR_CIRC ? SHEET_ERR_VALUE : v.err));
		return;
	default:
		if (src)
			buf_adds(b, " office:value-type=\"float\" office:value=\"0\"");
		buf_adds(b, "/>");
		return;
	}
}

struct okeys {
	uint64_t *k;
	size_t n, cap;
};

static int okey_add(const struct sheet_value *v, uint32_t row, uint32_t col, void *arg)
{
	struct okeys *ks = arg;

	if (ks->n == ks->cap) {
		ks->cap = ks->cap ? ks->cap * 2 : 1024;
		ks->k = xreallocarray(ks->k, ks->cap, sizeof *ks->k);
	}
	ks->k[ks->n++] = ((uint64_t)row << 16) | col;
	return 0;
}

static int okey_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* content.xml, made piece by piece while the zip is written (a sheet of
 * millions of cells is hundreds of megabytes of XML, never held whole).
 * The automatic styles come first in the file, so the styles the cells
 * use are gathered beforehand from the notes and column widths. */
struct ods_body {
	const struct sheet_file *f;
	struct odw *w;
	int stage;          /* BODY_HEAD, BODY_TABLES, BODY_TAIL, BODY_DONE */
	int sheet, started; /* the table being written */
	struct okeys ks;    /* its cells, in order */
	size_t i;
	long cur, nextcol;
};

enum { BODY_HEAD, BODY_TABLES, BODY_TAIL, BODY_DONE };

#define CELLS_PER_PIECE 4096

static int find_bool(const struct sheet_value *v, uint32_t row, uint32_t col, void *arg)
{
	if (v->type == SHEET_BOOL) {
		*(int *)arg = 1;
		return 1; /* one is enough */
	}
	return 0;
}

/* Every style the cells will name, before the first cell is written. */
static void gather_styles(const struct sheet_file *f, struct odw *w)
{
	for (int sh = 0; sh < sheet_count(f->wb); sh++) {
		struct sheet_ref all = { sh, 0, 0, SHEET_MAX_ROWS - 1, SHEET_MAX_COLS - 1,
					 SHEET_REF_RANGE };

		if (sh < f->ncolw)
			for (uint32_t c = 0; c < f->colw[sh].n; c++)
				if (f->colw[sh].w[c] > 0)
					width_index(w, f->colw[sh].w[c]);
		if (!w->booleans)
			sheet_range_each(f->wb, &all, find_bool, &w->booleans);
	}
	for (size_t i = 0; i < f->capnotes; i++) {
		const char *code = f->notes[i].key ? note_code(&f->notes[i]) : NULL;

		if (code)
			code_index(w, code);
	}
}

static void write_head(const struct odw *w, struct buf *b)
{
	char name[32];

	buf_adds(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<office:document-content " NS_DECL
		    "><office:automatic-styles>");
	for (size_t i = 0; i < w->nwidths; i++) {
		buf_printf(b, "<style:style style:name=\"co%zu\" style:family=\"table-column\">"
			      "<style:table-column-properties style:column-width=\"%.4fin\"/>"
			      "</style:style>", i + 1, (w->widths[i] * PX_PER_CHAR + PX_PAD) / 96);
	}
	for (size_t i = 0; i < w->codes.n; i++) {
		snprintf(name, sizeof name, "N%zu", i + 1);
		write_numstyle(b, name, w->codes.s[i]);
		buf_printf(b, "<style:style style:name=\"ce%zu\" style:family=\"table-cell\" "
			      "style:parent-style-name=\"Default\" style:data-style-name=\"N%zu\"/>",
			   i + 1, i + 1);
	}
	if (w->booleans)
		buf_adds(b, "<number:boolean-style style:name=\"Nb\"><number:boolean/>"
			    "</number:boolean-style><style:style style:name=\"ceb\" "
			    "style:family=\"table-cell\" style:parent-style-name=\"Default\" "
			    "style:data-style-name=\"Nb\"/>");
	buf_adds(b, "</office:automatic-styles><office:body><office:spreadsheet>"
		    "<table:calculation-settings table:case-sensitive=\"false\" "
		    "table:use-wildcards=\"true\" table:use-regular-expressions=\"false\" "
		    "table:search-criteria-must-apply-to-whole-cell=\"true\">"
		    "<table:null-date table:date-value=\"1899-12-30\"/>"
		    "</table:calculation-settings>");
}

/* A table's start: its cells in order, its name and columns. */
static void table_begin(struct ods_body *g, struct buf *b)
{
	const struct sheet_file *f = g->f;
	int sheet = g->sheet;
	struct sheet_ref all = { sheet, 0, 0, SHEET_MAX_ROWS - 1, SHEET_MAX_COLS - 1,
				 SHEET_REF_RANGE };
	struct okeys *ks = &g->ks;
	const char *name = sheet_name(f->wb, sheet);
	size_t o = 0;

	ks->n = 0;
	sheet_range_each(f->wb, &all, okey_add, ks);
	for (size_t i = 0; i < f->capnotes; i++) {
		uint64_t k = f->notes[i].key;

		if (k == 0 || ((k - 1) >> 36) != (uint64_t)sheet || !note_code(&f->notes[i]))
			continue;
		okey_add(NULL, (uint32_t)(((k - 1) >> 16) & 0xfffff), (uint32_t)((k - 1) & 0xffff), ks);
	}
	if (ks->n)
		qsort(ks->k, ks->n, sizeof *ks->k, okey_cmp);
	for (size_t i = 0; i < ks->n; i++)
		if (o == 0 || ks->k[o - 1] != ks->k[i])
			ks->k[o++] = ks->k[i];
	ks->n = o;
	g->i = 0;
	g->cur = -1;
	g->nextcol = 0;
	buf_adds(b, "<table:table table:name=\"");
	xz_esc(b, name, strlen(name));
	buf_adds(b, "\">");
	if (sheet < f->ncolw) {
		for (uint32_t c = 0; c < f->colw[sheet].n;) {
			double wd = f->colw[sheet].w[c];
			uint32_t e = c;

			while (e + 1 < f->colw[sheet].n && f->colw[sheet].w[e + 1] == wd)
				e++;
			if (wd > 0)
				buf_printf(b, "<table:table-column table:style-name=\"co%zu\" "
					      "table:number-columns-repeated=\"%u\"/>",
					   width_index(g->w, wd), e - c + 1);
			else
				buf_printf(b, "<table:table-column table:number-columns-repeated=\"%u\"/>",
					   e - c + 1);
			c = e + 1;
		}
	}
	if (ks->n == 0)
		buf_adds(b, "<table:table-column/><table:table-row><table:table-cell/></table:table-row>");
}

/* The next cells of the table; 0 once it is finished. */
static int table_step(struct ods_body *g, struct buf *b)
{
	const struct okeys *ks = &g->ks;
	size_t stop = g->i + CELLS_PER_PIECE < ks->n ? g->i + CELLS_PER_PIECE : ks->n;

	for (; g->i < stop; g->i++) {
		uint32_t row = (uint32_t)(ks->k[g->i] >> 16), col = (uint32_t)(ks->k[g->i] & 0xffff);

		if ((long)row != g->cur) {
			if (g->cur >= 0)
				buf_adds(b, "</table:table-row>");
			if ((long)row > g->cur + 1)
				buf_printf(b, "<table:table-row table:number-rows-repeated=\"%ld\">"
					      "<table:table-cell/></table:table-row>", (long)row - g->cur - 1);
			buf_adds(b, "<table:table-row>");
			g->cur = row;
			g->nextcol = 0;
		}
		if ((long)col > g->nextcol)
			buf_printf(b, "<table:table-cell table:number-columns-repeated=\"%ld\"/>",
				   (long)col - g->nextcol);
		put_cell(g->f, g->sheet, row, col, g->w, b);
		g->nextcol = (long)col + 1;
	}
	if (g->i < ks->n)
		return 1;
	if (g->cur >= 0)
		buf_adds(b, "</table:table-row>");
	buf_adds(b, "</table:table>");
	return 0;
}

static int body_gen(void *arg, struct buf *out)
{
	struct ods_body *g = arg;

	switch (g->stage) {
	case BODY_HEAD:
		write_head(g->w, out);
		g->stage = BODY_TABLES;
		return 1;
	case BODY_TABLES:
		if (g->sheet >= sheet_count(g->f->wb)) {
			g->stage = BODY_TAIL;
			return 1;
		}
		if (!g->started) {
			table_begin(g, out);
			g->started = 1;
		} else if (!table_step(g, out)) {
			g->started = 0;
			g->sheet++;
		}
		return 1;
	case BODY_TAIL:
		buf_adds(out, "</office:spreadsheet></office:body></office:document-content>");
		g->stage = BODY_DONE;
		return 1;
	default:
		return 0;
	}
}

int sheet_ods_write(const struct sheet_file *f, struct buf *out, struct err *e)
{
	struct xz_writer zw;
	struct odw w;
	struct ods_body g;
	struct buf b;
	int rc;

	xz_w_init(&zw);
	buf_init(&b);
	memset(&g, 0, sizeof g);
	memset(&w, 0, sizeof w);
	g.f = f;
	g.w = &w;
	gather_styles(f, &w);
	buf_adds(&b, MIMETYPE);
	xz_w_add(&zw, "mimetype", &b, 1);
	buf_adds(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		     "<manifest:manifest xmlns:manifest=\"urn:oasis:names:tc:opendocument:xmlns:"
		     "manifest:1.0\" manifest:version=\"1.2\">"
		     "<manifest:file-entry manifest:full-path=\"/\" manifest:version=\"1.2\" "
		     "manifest:media-type=\"" MIMETYPE "\"/>"
		     "<manifest:file-entry manifest:full-path=\"content.xml\" "
		     "manifest:media-type=\"text/xml\"/>"
		     "<manifest:file-entry manifest:full-path=\"styles.xml\" "
		     "manifest:media-type=\"text/xml\"/></manifest:manifest>");
	xz_w_add(&zw, "META-INF/manifest.xml", &b, 0);
	buf_adds(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<office:document-styles " NS_DECL
		     "><office:styles><style:style style:name=\"Default\" "
		     "style:family=\"table-cell\"/></office:styles></office:document-styles>");
	xz_w_add(&zw, "styles.xml", &b, 0);
	xz_w_add_gen(&zw, "content.xml", body_gen, &g);
	buf_free(&b);
	rc = xz_w_finish(&zw, out, e);
	free(g.ks.k);
	xz_strtab_free(&w.codes);
	free(w.widths);
	return rc;
}
