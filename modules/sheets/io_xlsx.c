/*
 * io_xlsx.c - Office Open XML workbooks (.xlsx) in and out.
 *
 * Reading follows the relationships from _rels/.rels to the workbook and
 * from it to the sheets, shared strings and styles (targets relative to
 * the part or absolute, as openpyxl writes them), and streams each part
 * through expat. Cells come as shared strings (t="s"), inline strings,
 * formula strings (str), booleans, errors, ISO dates (t="d") and numbers;
 * formulas may be shared (written once, moved for each cell) and carry
 * cached values, which we recompute. Styles give each cell its number
 * format code; date formats mark the number as a date.
 *
 * Writing makes a minimal package: content types, relationships, the
 * workbook (with fullCalcOnLoad so Excel recomputes), one part per sheet
 * with its column widths, shared strings, and styles holding one cell
 * format per number format code in use. Formulas carry their computed
 * results, so a reader that does not recalculate shows the right values.
 */
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "modules/sheets/io.h"
#include "modules/sheets/io_zip.h"

/* Excel's built-in number formats (ECMA-376 18.8.30, en-US). */
static const char *const builtin_fmt[] = {
	[0] = "General", [1] = "0", [2] = "0.00", [3] = "#,##0", [4] = "#,##0.00",
	[5] = "\"$\"#,##0_);(\"$\"#,##0)", [6] = "\"$\"#,##0_);[Red](\"$\"#,##0)",
	[7] = "\"$\"#,##0.00_);(\"$\"#,##0.00)", [8] = "\"$\"#,##0.00_);[Red](\"$\"#,##0.00)",
	[9] = "0%", [10] = "0.00%", [11] = "0.00E+00", [12] = "# ?/?", [13] = "# ?\?/??",
	[14] = "m/d/yyyy", [15] = "d-mmm-yy", [16] = "d-mmm", [17] = "mmm-yy",
	[18] = "h:mm AM/PM", [19] = "h:mm:ss AM/PM", [20] = "h:mm", [21] = "h:mm:ss",
	[22] = "m/d/yyyy h:mm", [37] = "#,##0 ;(#,##0)", [38] = "#,##0 ;[Red](#,##0)",
	[39] = "#,##0.00;(#,##0.00)", [40] = "#,##0.00;[Red](#,##0.00)",
	[45] = "mm:ss", [46] = "[h]:mm:ss", [47] = "mmss.0", [48] = "##0.0E+0", [49] = "@",
};
#define NBUILTIN (sizeof builtin_fmt / sizeof builtin_fmt[0])
#define FMT_CUSTOM 164 /* first id of a file's own formats */
#define DATE_CODE "yyyy-mm-dd" /* a date cell with no format of its own */

#define NS_MAIN "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
#define NS_REL "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
#define NS_PKG "http://schemas.openxmlformats.org/package/2006/relationships"
#define REL_DOC NS_REL "/officeDocument"
#define CT_PFX "application/vnd.openxmlformats-officedocument.spreadsheetml."

/* Days from 1900-01-00 to 1904-01-01: a 1904-system serial plus this. */
#define DATE1904_SHIFT 1462

/* Bound on the cells a file may create (ODS repeats can multiply them). */
#define MAX_CELLS (64u << 20)

struct rel {
	char *id, *type, *target;
};

struct xsheet {
	char *name, *rid;
};

struct shared_f {
	char *src; /* the master's text, xlsx syntax */
	uint32_t row, col;
};

struct xl {
	struct sheet_file *f;
	struct xz_reader z;
	struct buf text;
	int collect; /* gathering character data */
	/* relationships and workbook */
	struct rel *rels;
	size_t nrels;
	struct xsheet *sheets;
	size_t nsheets;
	char **dnames; /* name, ref pairs */
	size_t ndnames;
	int date1904, in_dname, in_rph;
	char *dname;
	/* shared strings */
	char **ss;
	size_t nss, capss;
	/* styles */
	struct {
		unsigned id;
		char *code;
	} *fmts;
	size_t nfmts;
	unsigned *xf;
	size_t nxf;
	const char **xfcode; /* per xf: its code, NULL for General */
	int in_xfs;
	/* the sheet being read */
	int sheet;
	long row, col;          /* current row; next column */
	int ctype;              /* 's', 'n', 'b', 'e', 'i' inline, 'S' str, 'd' */
	long cstyle;
	int has_v, has_f, in_v, in_f, in_is;
	struct buf v, fsrc, istr;
	char *fshared_si;       /* t="shared" si */
	int fshared;
	struct shared_f *shf;
	size_t nshf;
	size_t cells;
};

/* ---- small helpers ------------------------------------------------------------ */

/* "B12" to 0-based row and column. */
static int a1_parse(const char *s, long *row, long *col)
{
	long c = 0, r = 0;
	size_t i = 0;

	while (isalpha((unsigned char)s[i]) && i < 4)
		c = c * 26 + (toupper((unsigned char)s[i++]) - 'A' + 1);
	if (i == 0 || i > 3)
		return -1;
	size_t d = i;

	while (isdigit((unsigned char)s[i]) && i - d < 8)
		r = r * 10 + (s[i++] - '0');
	if (i == d || s[i] != '\0' || r < 1 || r > (long)SHEET_MAX_ROWS ||
	    c > (long)SHEET_MAX_COLS)
		return -1;
	*row = r - 1;
	*col = c - 1;
	return 0;
}

static int num_parse(const char *s, double *v)
{
	return xz_num(s, strlen(s), v);
}

static long attr_long(const char **attr, const char *name, long dflt)
{
	const char *v = xz_attr(attr, name);
	char *end;
	long n;

	if (v == NULL)
		return dflt;
	n = strtol(v, &end, 10);
	return end != v && *end == '\0' ? n : dflt;
}

static int attr_true(const char **attr, const char *name)
{
	const char *v = xz_attr(attr, name);

	return v && (strcmp(v, "1") == 0 || strcasecmp(v, "true") == 0);
}

/* A relationship target resolved against the directory of the part that
 * holds it ("xl/workbook.xml" + "worksheets/s.xml", or "/xl/..."). */
static char *resolve(const char *base_part, const char *target)
{
	struct buf b;
	const char *slash = strrchr(base_part, '/');
	char *out;

	buf_init(&b);
	if (target[0] == '/')
		target++;
	else if (slash)
		buf_add(&b, base_part, (size_t)(slash - base_part + 1));
	buf_adds(&b, target);
	out = buf_detach(&b);
	/* fold "x/../" and "./" */
	for (;;) {
		char *p = strstr(out, "/../");
		char *q;

		if (p == NULL)
			break;
		for (q = p; q > out && q[-1] != '/'; q--)
			;
		memmove(q, p + 4, strlen(p + 4) + 1);
	}
	for (char *p; (p = strstr(out, "/./")) != NULL;)
		memmove(p, p + 2, strlen(p + 2) + 1);
	if (strncmp(out, "./", 2) == 0)
		memmove(out, out + 2, strlen(out + 2) + 1);
	return out;
}

static const struct rel *rel_by_id(const struct xl *x, const char *id)
{
	for (size_t i = 0; i < x->nrels; i++)
		if (strcmp(x->rels[i].id, id) == 0)
			return &x->rels[i];
	return NULL;
}

static const struct rel *rel_by_type(const struct xl *x, const char *suffix)
{
	size_t n = strlen(suffix);

	for (size_t i = 0; i < x->nrels; i++) {
		size_t m = strlen(x->rels[i].type);

		if (m >= n && strcmp(x->rels[i].type + m - n, suffix) == 0)
			return &x->rels[i];
	}
	return NULL;
}

static void rels_free(struct xl *x)
{
	for (size_t i = 0; i < x->nrels; i++) {
		free(x->rels[i].id);
		free(x->rels[i].type);
		free(x->rels[i].target);
	}
	free(x->rels);
	x->rels = NULL;
	x->nrels = 0;
}

static void text_start(struct xl *x)
{
	buf_reset(&x->text);
	x->collect = 1;
}

static void on_text(struct xz_xml *xx, const char *s, int len)
{
	struct xl *x = xx->arg;

	if (x->collect)
		buf_add(&x->text, s, (size_t)len);
}

/* ---- relationships ------------------------------------------------------------ */

static void rels_start(struct xz_xml *xx, const char *name, const char **attr)
{
	struct xl *x = xx->arg;
	const char *id = xz_attr(attr, "Id"), *type = xz_attr(attr, "Type");
	const char *target = xz_attr(attr, "Target"), *mode = xz_attr(attr, "TargetMode");

	if (strcmp(name, "Relationship") != 0)
		return;
	if (!id || !type || !target)
		return xz_fail(xx, "a Relationship without Id, Type or Target");
	if (mode && strcmp(mode, "External") == 0)
		return;
	x->rels = xreallocarray(x->rels, x->nrels + 1, sizeof *x->rels);
	x->rels[x->nrels].id = xstrdup(id);
	x->rels[x->nrels].type = xstrdup(type);
	x->rels[x->nrels].target = xstrdup(target);
	x->nrels++;
}

static const struct xz_handlers rels_h = { rels_start, NULL, NULL };

/* ---- workbook ---------------------------------------------------------------- */

static void wb_start(struct xz_xml *xx, const char *name, const char **attr)
{
	struct xl *x = xx->arg;

	if (strcmp(name, "sheet") == 0) {
		const char *n = xz_attr(attr, "name"), *rid = xz_attr(attr, "r:id");

		if (!n || !rid)
			return xz_fail(xx, "a sheet without name or r:id");
		x->sheets = xreallocarray(x->sheets, x->nsheets + 1, sizeof *x->sheets);
		x->sheets[x->nsheets].name = xstrdup(n);
		x->sheets[x->nsheets].rid = xstrdup(rid);
		x->nsheets++;
	} else if (strcmp(name, "workbookPr") == 0) {
		x->date1904 = attr_true(attr, "date1904");
	} else if (strcmp(name, "definedName") == 0) {
		const char *n = xz_attr(attr, "name");

		/* sheet-local names and Excel's own (_xlnm.Print_Area) are not kept */
		if (n && !xz_attr(attr, "localSheetId") && strncmp(n, "_xlnm.", 6) != 0) {
			free(x->dname);
			x->dname = xstrdup(n);
			x->in_dname = 1;
			text_start(x);
		}
	}
}

static void wb_end(struct xz_xml *xx, const char *name)
{
	struct xl *x = xx->arg;

	if (strcmp(name, "definedName") == 0 && x->in_dname) {
		x->dnames = xreallocarray(x->dnames, x->ndnames + 2, sizeof *x->dnames);
		x->dnames[x->ndnames++] = x->dname;
		x->dnames[x->ndnames++] = xstrdup(buf_cstr(&x->text));
		x->dname = NULL;
		x->in_dname = x->collect = 0;
	}
}

static const struct xz_handlers wb_h = { wb_start, wb_end, on_text };

/* ---- shared strings ------------------------------------------------------------ */

static void ss_start(struct xz_xml *xx, const char *name, const char **attr)
{
	struct xl *x = xx->arg;

	if (strcmp(name, "si") == 0) {
		buf_reset(&x->istr);
	} else if (strcmp(name, "rPh") == 0) {
		x->in_rph = 1; /* phonetic guide: not part of the text */
	} else if (strcmp(name, "t") == 0 && !x->in_rph) {
		text_start(x);
	}
}

static void ss_end(struct xz_xml *xx, const char *name)
{
	struct xl *x = xx->arg;

	if (strcmp(name, "t") == 0 && x->collect) {
		buf_add(&x->istr, x->text.data, x->text.len);
		x->collect = 0;
	} else if (strcmp(name, "rPh") == 0) {
		x->in_rph = 0;
	} else if (strcmp(name, "si") == 0) {
		if (x->nss == x->capss) {
			x->capss = x->capss ? x->capss * 2 : 256;
			x->ss = xreallocarray(x->ss, x->capss, sizeof *x->ss);
		}
		x->istr.len = xz_unesc_ooxml(x->istr.data, x->istr.len);
		x->ss[x->nss++] = xstrndup(x->istr.len ? x->istr.data : "", x->istr.len);
	}
}

static const struct xz_handlers ss_h = { ss_start, ss_end, on_text };

/* ---- styles ---------------------------------------------------------------------- */

static void st_start(struct xz_xml *xx, const char *name, const char **attr)
{
	struct xl *x = xx->arg;

	if (strcmp(name, "numFmt") == 0) {
		long id = attr_long(attr, "numFmtId", -1);
		const char *code = xz_attr(attr, "formatCode");

		if (id < 0 || code == NULL)
			return;
		x->fmts = xreallocarray(x->fmts, x->nfmts + 1, sizeof *x->fmts);
		x->fmts[x->nfmts].id = (unsigned)id;
		x->fmts[x->nfmts].code = xstrdup(code);
		x->nfmts++;
	} else if (strcmp(name, "cellXfs") == 0) {
		x->in_xfs = 1;
	} else if (strcmp(name, "xf") == 0 && x->in_xfs) {
		long id = attr_long(attr, "numFmtId", 0);

		x->xf = xreallocarray(x->xf, x->nxf + 1, sizeof *x->xf);
		x->xf[x->nxf++] = id >= 0 && id < 100000 ? (unsigned)id : 0;
	}
}

static void st_end(struct xz_xml *xx, const char *name)
{
	struct xl *x = xx->arg;

	if (strcmp(name, "cellXfs") == 0)
		x->in_xfs = 0;
}

static const struct xz_handlers st_h = { st_start, st_end, NULL };

/* The format code of a number format id, or NULL for General. */
static const char *fmt_code(const struct xl *x, unsigned id)
{
	for (size_t i = 0; i < x->nfmts; i++)
		if (x->fmts[i].id == id)
			return x->fmts[i].code;
	if (id > 0 && id < NBUILTIN && builtin_fmt[id])
		return builtin_fmt[id];
	/* ids 27-36, 50-58 are East Asian dates in Excel's locales */
	if ((id >= 27 && id <= 36) || (id >= 50 && id <= 58))
		return "yyyy-mm-dd";
	return NULL;
}

/* Every cell style's code, found once rather than per cell. */
static void style_codes(struct xl *x)
{
	x->xfcode = xcalloc(x->nxf + 1, sizeof *x->xfcode);
	for (size_t i = 0; i < x->nxf; i++) {
		const char *code = fmt_code(x, x->xf[i]);

		x->xfcode[i] = code && strcmp(code, "General") != 0 ? code : NULL;
	}
}

/* The format code of a cell style index, or NULL for General. */
static const char *style_code(const struct xl *x, long s)
{
	return s >= 0 && (size_t)s < x->nxf ? x->xfcode[s] : NULL;
}

/* ---- worksheets --------------------------------------------------------------- */

static void cell_reset(struct xl *x)
{
	x->has_v = x->has_f = x->in_v = x->in_f = x->in_is = 0;
	x->fshared = 0;
	free(x->fshared_si);
	x->fshared_si = NULL;
	buf_reset(&x->v);
	buf_reset(&x->fsrc);
	buf_reset(&x->istr);
}

static void sh_start(struct xz_xml *xx, const char *name, const char **attr)
{
	struct xl *x = xx->arg;

	if (name[0] == 'c' && name[1] == '\0') {
		const char *r = xz_attr(attr, "r"), *t = xz_attr(attr, "t");
		long row, col;

		cell_reset(x);
		if (r) {
			if (a1_parse(r, &row, &col) != 0)
				return xz_fail(xx, "bad cell reference \"%.20s\"", r);
			if (row != x->row && x->row >= 0)
				return xz_fail(xx, "cell %.20s outside its row %ld", r, x->row + 1);
			x->col = col;
		}
		if (x->row < 0 || x->col >= (long)SHEET_MAX_COLS)
			return xz_fail(xx, "a cell outside the sheet");
		x->ctype = 'n';
		if (t) {
			if (strcmp(t, "s") == 0) x->ctype = 's';
			else if (strcmp(t, "b") == 0) x->ctype = 'b';
			else if (strcmp(t, "e") == 0) x->ctype = 'e';
			else if (strcmp(t, "inlineStr") == 0) x->ctype = 'i';
			else if (strcmp(t, "str") == 0) x->ctype = 'S';
			else if (strcmp(t, "d") == 0) x->ctype = 'd';
			else if (strcmp(t, "n") != 0)
				return xz_fail(xx, "unknown cell type \"%.20s\"", t);
		}
		x->cstyle = attr_long(attr, "s", 0);
	} else if (strcmp(name, "v") == 0) {
		x->in_v = x->has_v = 1;
		text_start(x);
	} else if (strcmp(name, "f") == 0) {
		const char *t = xz_attr(attr, "t");

		x->in_f = x->has_f = 1;
		if (t && strcmp(t, "shared") == 0) {
			const char *si = xz_attr(attr, "si");

			x->fshared = 1;
			x->fshared_si = si ? xstrdup(si) : NULL;
		} else if (t && strcmp(t, "dataTable") == 0) {
			x->has_f = 0; /* a what-if table: keep the values */
		}
		text_start(x);
	} else if (strcmp(name, "is") == 0) {
		x->in_is = 1;
		buf_reset(&x->istr);
	} else if (strcmp(name, "rPh") == 0) {
		x->in_rph = 1;
	} else if (strcmp(name, "t") == 0 && x->in_is && !x->in_rph) {
		text_start(x);
	} else if (strcmp(name, "row") == 0) {
		long r = attr_long(attr, "r", x->row + 2);

		if (r < 1 || r > (long)SHEET_MAX_ROWS || r <= x->row)
			return xz_fail(xx, "bad row number %ld", r);
		x->row = r - 1;
		x->col = 0;
	} else if (strcmp(name, "col") == 0) {
		long min = attr_long(attr, "min", 0), max = attr_long(attr, "max", 0);
		const char *w = xz_attr(attr, "width");
		double width;

		if (min < 1 || max < min || w == NULL || num_parse(w, &width) != 0)
			return;
		if (max > (long)SHEET_MAX_COLS)
			max = SHEET_MAX_COLS;
		for (long c = min; c <= max; c++)
			sheet_file_set_col_width(x->f, x->sheet, (uint32_t)(c - 1), width);
	}
}

/* The cached value of the cell into the engine. */
static int put_value(struct xz_xml *xx, uint32_t row, uint32_t col)
{
	struct xl *x = xx->arg;
	struct sheet_book *wb = x->f->wb;
	const char *v = buf_cstr(&x->v);
	double num;
	size_t used;
	char *end;

	switch (x->ctype) {
	case 's': {
		unsigned long i = strtoul(v, &end, 10);

		if (end == v || *end != '\0' || i >= x->nss) {
			xz_fail(xx, "no shared string \"%.20s\"", v);
			return -1;
		}
		return sheet_set_text(wb, x->sheet, row, col, x->ss[i]);
	}
	case 'i':
	case 'S': {
		struct buf *b = x->ctype == 'i' ? &x->istr : &x->v;

		b->len = xz_unesc_ooxml(b->data ? b->data : (char *)"", b->len);
		if (b->data)
			b->data[b->len] = '\0';
		return x->ctype == 'S' && !x->has_v ? 0
						    : sheet_set_text(wb, x->sheet, row, col, buf_cstr(b));
	}
	case 'b':
		return sheet_set_bool(wb, x->sheet, row, col, strcmp(v, "1") == 0 ||
								  strcasecmp(v, "true") == 0);
	case 'e': {
		enum sheet_err er = sheet_err_parse(v, strlen(v), &used);

		return sheet_set_error(wb, x->sheet, row, col, er ? er : SHEET_ERR_NA);
	}
	case 'd':
		if (sheet_io_date_parse(v, strlen(v) < 10 ? strlen(v) : 10, &num) != 0) {
			xz_fail(xx, "bad date \"%.30s\"", v);
			return -1;
		}
		sheet_file_note_get(x->f, x->sheet, row, col)->date = 1;
		return sheet_set_number(wb, x->sheet, row, col, num);
	default:
		if (!x->has_v || x->v.len == 0)
			return 0;
		if (xz_num(x->v.data, x->v.len, &num) != 0) {
			xz_fail(xx, "bad number \"%.30s\"", v);
			return -1;
		}
		return sheet_set_number(wb, x->sheet, row, col, num);
	}
}

/* The formula of the cell: its own text, or a shared one moved here. */
static int put_formula(struct xz_xml *xx, uint32_t row, uint32_t col)
{
	struct xl *x = xx->arg;
	struct buf src, moved;
	struct err pe;
	int rc = 0;

	buf_init(&src);
	buf_init(&moved);
	if (x->fshared && x->fshared_si) {
		size_t i;

		for (i = 0; i < x->nshf; i++)
			if (x->shf[i].src && strcmp(x->shf[i].src + strlen(x->shf[i].src) + 1,
						    x->fshared_si) == 0)
				break;
		if (x->fsrc.len > 0 && i == x->nshf) {
			/* the master: text, then the si after its NUL */
			size_t n = x->fsrc.len, m = strlen(x->fshared_si);
			char *s = xmalloc(n + m + 2);

			memcpy(s, x->fsrc.data, n);
			s[n] = '\0';
			memcpy(s + n + 1, x->fshared_si, m + 1);
			x->shf = xreallocarray(x->shf, x->nshf + 1, sizeof *x->shf);
			x->shf[x->nshf++] = (struct shared_f){ s, row, col };
		} else if (x->fsrc.len == 0) {
			if (i == x->nshf) {
				xz_fail(xx, "a shared formula %.20s that was never given",
					x->fshared_si);
				rc = -1;
				goto done;
			}
			sheet_fx_shift(x->shf[i].src, (long)row - (long)x->shf[i].row,
				       (long)col - (long)x->shf[i].col, &moved);
			buf_reset(&x->fsrc);
			buf_add(&x->fsrc, moved.data, moved.len);
		}
	}
	if (x->fsrc.len == 0) {
		rc = put_value(xx, row, col);
		goto done;
	}
	sheet_fx_from_xlsx(x->fsrc.data, x->fsrc.len, &src);
	err_clear(&pe);
	if (sheet_set_formula(x->f->wb, x->sheet, row, col, buf_cstr(&src), &pe) != 0) {
		/* ours cannot compute it: keep the file's result and the source */
		struct sheet_note *n;

		if ((rc = put_value(xx, row, col)) != 0)
			goto done;
		n = sheet_file_note_get(x->f, x->sheet, row, col);
		sheet_note_keep(n, buf_cstr(&src), pe.msg);
	}
done:
	buf_free(&src);
	buf_free(&moved);
	return rc;
}

static void sh_end(struct xz_xml *xx, const char *name)
{
	struct xl *x = xx->arg;

	if (name[0] == 'v' && name[1] == '\0' && x->in_v) {
		struct buf t = x->v; /* the text becomes the value: swap, no copy */

		x->v = x->text;
		x->text = t;
		x->in_v = x->collect = 0;
	} else if (strcmp(name, "f") == 0 && x->in_f) {
		buf_reset(&x->fsrc);
		buf_add(&x->fsrc, x->text.data, x->text.len);
		x->in_f = x->collect = 0;
	} else if (strcmp(name, "t") == 0 && x->in_is && x->collect) {
		buf_add(&x->istr, x->text.data, x->text.len);
		x->collect = 0;
	} else if (strcmp(name, "rPh") == 0) {
		x->in_rph = 0;
	} else if (strcmp(name, "is") == 0) {
		x->in_is = 0;
	} else if (name[0] == 'c' && name[1] == '\0') {
		uint32_t row = (uint32_t)x->row, col = (uint32_t)x->col;
		const char *code = style_code(x, x->cstyle);
		int rc;

		if (++x->cells > MAX_CELLS)
			return xz_fail(xx, "more than %u cells", MAX_CELLS);
		if (code)
			sheet_file_set_format(x->f, x->sheet, row, col, code);
		rc = x->has_f ? put_formula(xx, row, col) : put_value(xx, row, col);
		if (rc < 0 && !xx->failed)
			return xz_fail(xx, "cell %s%u: cannot be stored", "", row + 1);
		if (x->date1904 && !x->has_f && sheet_file_note_at(x->f, x->sheet, row, col) &&
		    sheet_file_note_at(x->f, x->sheet, row, col)->date && x->ctype == 'n') {
			struct sheet_value v;

			sheet_get(x->f->wb, x->sheet, row, col, &v);
			if (v.type == SHEET_NUM)
				sheet_set_number(x->f->wb, x->sheet, row, col,
						 v.num + DATE1904_SHIFT);
		}
		x->col++;
	}
}

static const struct xz_handlers sh_h = { sh_start, sh_end, on_text };

/* ---- loading ------------------------------------------------------------------ */

static void xl_free(struct xl *x)
{
	rels_free(x);
	for (size_t i = 0; i < x->nsheets; i++) {
		free(x->sheets[i].name);
		free(x->sheets[i].rid);
	}
	free(x->sheets);
	for (size_t i = 0; i < x->ndnames; i++)
		free(x->dnames[i]);
	free(x->dnames);
	free(x->dname);
	for (size_t i = 0; i < x->nss; i++)
		free(x->ss[i]);
	free(x->ss);
	for (size_t i = 0; i < x->nfmts; i++)
		free(x->fmts[i].code);
	free(x->fmts);
	free(x->xf);
	free(x->xfcode);
	for (size_t i = 0; i < x->nshf; i++)
		free(x->shf[i].src);
	free(x->shf);
	free(x->fshared_si);
	buf_free(&x->text);
	buf_free(&x->v);
	buf_free(&x->fsrc);
	buf_free(&x->istr);
	xz_close(&x->z);
}

/* The rels part of a part: "xl/workbook.xml" -> "xl/_rels/workbook.xml.rels". */
static char *rels_of(const char *part)
{
	const char *slash = strrchr(part, '/');
	char *out;

	if (slash)
		xasprintf(&out, "%.*s/_rels/%s.rels", (int)(slash - part), part, slash + 1);
	else
		xasprintf(&out, "_rels/%s.rels", part);
	return out;
}

/* A fresh workbook for the file's sheets (f keeps nothing of the old). */
static void book_reset(struct sheet_file *f)
{
	sheet_book_free(f->wb);
	f->wb = sheet_book_new();
	f->sheet = 0;
}

static int load_sheets(struct xl *x, const char *wbpart, struct err *e)
{
	struct sheet_file *f = x->f;
	int rc = 0;

	book_reset(f);
	for (size_t i = 0; i < x->nsheets; i++) {
		const struct rel *r = rel_by_id(x, x->sheets[i].rid);
		struct err ae;

		if (r == NULL)
			return err_set(e, E_PARSE, "%s: sheet \"%s\": no relationship %s", wbpart,
				       x->sheets[i].name, x->sheets[i].rid);
		err_clear(&ae);
		if (sheet_add(f->wb, x->sheets[i].name, &ae) < 0)
			return err_set(e, E_PARSE, "%s: sheet \"%s\": %s", wbpart,
				       x->sheets[i].name, ae.msg);
	}
	for (size_t i = 0; i + 1 < x->ndnames; i += 2)
		sheet_define_name(f->wb, x->dnames[i], x->dnames[i + 1], NULL);
	for (size_t i = 0; i < x->nsheets && rc == 0; i++) {
		const struct rel *r = rel_by_id(x, x->sheets[i].rid);
		char *part = resolve(wbpart, r->target);

		x->sheet = (int)i;
		x->row = -1;
		x->col = 0;
		for (size_t k = 0; k < x->nshf; k++)
			free(x->shf[k].src);
		x->nshf = 0;
		rc = xz_parse(&x->z, part, &sh_h, x, e);
		free(part);
	}
	return rc;
}

int sheet_xlsx_load(struct sheet_file *f, const void *data, size_t len, struct err *e)
{
	struct xl x;
	const struct rel *r;
	char *wbpart = NULL, *wbrels = NULL, *part;
	int rc;

	memset(&x, 0, sizeof x);
	x.f = f;
	buf_init(&x.text);
	buf_init(&x.v);
	buf_init(&x.fsrc);
	buf_init(&x.istr);
	if ((rc = xz_open(&x.z, data, len, "xlsx", e)) != 0)
		goto out;
	/* the package's relationships name the workbook */
	if (xz_has(&x.z, "_rels/.rels")) {
		if ((rc = xz_parse(&x.z, "_rels/.rels", &rels_h, &x, e)) != 0)
			goto out;
		r = rel_by_type(&x, "/officeDocument");
		wbpart = r ? resolve("", r->target) : NULL;
		rels_free(&x);
	}
	if (wbpart == NULL)
		wbpart = xstrdup("xl/workbook.xml");
	if (!xz_has(&x.z, wbpart)) {
		rc = err_set(e, E_PARSE, "%s: missing: not a spreadsheet", wbpart);
		goto out;
	}
	wbrels = rels_of(wbpart);
	if ((rc = xz_parse(&x.z, wbpart, &wb_h, &x, e)) != 0 ||
	    (rc = xz_parse(&x.z, wbrels, &rels_h, &x, e)) != 0)
		goto out;
	if (x.nsheets == 0) {
		rc = err_set(e, E_PARSE, "%s: no sheets", wbpart);
		goto out;
	}
	if ((r = rel_by_type(&x, "/sharedStrings")) != NULL) {
		part = resolve(wbpart, r->target);
		rc = xz_parse(&x.z, part, &ss_h, &x, e);
		free(part);
		if (rc != 0)
			goto out;
	}
	if ((r = rel_by_type(&x, "/styles")) != NULL) {
		part = resolve(wbpart, r->target);
		rc = xz_parse(&x.z, part, &st_h, &x, e);
		free(part);
		if (rc != 0)
			goto out;
	}
	style_codes(&x);
	sheet_recalc_suspend(f->wb);
	rc = load_sheets(&x, wbpart, e);
	sheet_recalc_resume(f->wb);
out:
	if (rc != 0) {
		struct sheet_file empty;

		sheet_file_init(&empty, NULL);
		sheet_file_free(f);
		*f = empty;
	}
	free(wbpart);
	free(wbrels);
	xl_free(&x);
	return rc;
}

/* ---- writing --------------------------------------------------------------- */

/* The style index (1-based; 0 is General) for a code: the distinct codes
 * in use, in order of first use. */
static unsigned fmt_style(struct xz_strtab *t, const char *code)
{
	return xz_strtab_add(t, code) + 1;
}

static const char *cell_code(const struct sheet_note *n)
{
	if (n == NULL)
		return NULL;
	if (n->fmt)
		return n->fmt;
	return n->date ? DATE_CODE : NULL;
}

static int key_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

struct keys {
	uint64_t *k;
	size_t n, cap;
};

static void keys_add(struct keys *ks, uint32_t row, uint32_t col)
{
	if (ks->n == ks->cap) {
		ks->cap = ks->cap ? ks->cap * 2 : 1024;
		ks->k = xreallocarray(ks->k, ks->cap, sizeof *ks->k);
	}
	ks->k[ks->n++] = ((uint64_t)row << 16) | col;
}

static int collect_cell(const struct sheet_value *v, uint32_t row, uint32_t col, void *arg)
{
	keys_add(arg, row, col);
	return 0;
}

/* Every cell of a sheet to write, in row order: values, and empty cells
 * that keep a format. */
static void sheet_cells(const struct sheet_file *f, int sheet, struct keys *ks)
{
	struct sheet_ref all = { sheet, 0, 0, SHEET_MAX_ROWS - 1, SHEET_MAX_COLS - 1,
				 SHEET_REF_RANGE };
	size_t o = 0;

	sheet_range_each(f->wb, &all, collect_cell, ks);
	for (size_t i = 0; i < f->capnotes; i++) {
		uint64_t k = f->notes[i].key;

		if (k == 0 || ((k - 1) >> 36) != (uint64_t)sheet || !f->notes[i].fmt)
			continue;
		keys_add(ks, (uint32_t)(((k - 1) >> 16) & 0xfffff), (uint32_t)((k - 1) & 0xffff));
	}
	if (ks->n)
		qsort(ks->k, ks->n, sizeof *ks->k, key_cmp);
	for (size_t i = 0; i < ks->n; i++)
		if (o == 0 || ks->k[o - 1] != ks->k[i])
			ks->k[o++] = ks->k[i];
	ks->n = o;
}

static void put_num(struct buf *b, double v)
{
	char tmp[40];

	sheet_io_num(v, tmp, sizeof tmp);
	buf_adds(b, tmp);
}

static const char *err_code(enum sheet_err er)
{
	/* #CIRC! is ours; files know #VALUE! */
	return er == SHEET_ERR_CIRC ? "#VALUE!" : sheet_err_text(er);
}

static void write_cols(const struct sheet_file *f, int sheet, struct buf *b)
{
	int any = 0;

	if (sheet >= f->ncolw)
		return;
	for (uint32_t c = 0; c < f->colw[sheet].n;) {
		double w = f->colw[sheet].w[c];
		uint32_t e = c;

		while (e + 1 < f->colw[sheet].n && f->colw[sheet].w[e + 1] == w)
			e++;
		if (w > 0) {
			if (!any)
				buf_adds(b, "<cols>");
			any = 1;
			buf_printf(b, "<col min=\"%u\" max=\"%u\" width=\"", c + 1, e + 1);
			put_num(b, w);
			buf_adds(b, "\" customWidth=\"1\"/>");
		}
		c = e + 1;
	}
	if (any)
		buf_adds(b, "</cols>");
}

/*
 * Sheets, shared strings and styles are made while the zip is written, a
 * piece at a time (a sheet of millions of cells is a large XML text, never
 * held whole). libzip reads the parts in the order they were added, so
 * the shared strings and the styles, which come after the sheets, are
 * made once every cell has been seen.
 */
struct xlsx_out {
	const struct sheet_file *f;
	struct xz_strtab st;
	struct xz_strtab ft;
	struct buf fx;
	struct keys ks;
	int sheet, stage; /* the sheet being made: OUT_HEAD, OUT_CELLS, OUT_DONE */
	size_t i;
	long cur;
	struct xlsx_part { /* each generated part's argument */
		struct xlsx_out *o;
		int sheet;
	} *parts;
};

enum { OUT_HEAD, OUT_CELLS, OUT_DONE };

#define CELLS_PER_PIECE 4096

static void write_cell(struct xlsx_out *o, uint32_t row, uint32_t c, struct buf *b)
{
	const struct sheet_file *f = o->f;
	int sheet = o->sheet;
	const struct sheet_note *n = sheet_file_note_at(f, sheet, row, c);
	const char *src = sheet_file_formula_at(f, sheet, row, c);
	const char *code = cell_code(n);
	struct sheet_value v;
	char col[8];

	if ((long)row != o->cur) {
		if (o->cur >= 0)
			buf_adds(b, "</row>");
		buf_printf(b, "<row r=\"%u\">", row + 1);
		o->cur = row;
	}
	sheet_get(f->wb, sheet, row, c, &v);
	sheet_col_name(c, col, sizeof col);
	buf_printf(b, "<c r=\"%s%u\"", col, row + 1);
	if (code)
		buf_printf(b, " s=\"%u\"", fmt_style(&o->ft, code));
	if (v.type == SHEET_TEXT && !src) {
		buf_printf(b, " t=\"s\"><v>%u</v></c>", xz_strtab_add(&o->st, v.str ? v.str : ""));
		return;
	}
	if (v.type == SHEET_TEXT)
		buf_adds(b, " t=\"str\"");
	else if (v.type == SHEET_BOOL)
		buf_adds(b, " t=\"b\"");
	else if (v.type == SHEET_ERROR)
		buf_adds(b, " t=\"e\"");
	buf_addc(b, '>');
	if (src) {
		buf_reset(&o->fx);
		sheet_fx_to_xlsx(src, &o->fx);
		buf_adds(b, "<f>");
		xz_esc_ooxml(b, o->fx.data ? o->fx.data : "", o->fx.len);
		buf_adds(b, "</f>");
	}
	switch (v.type) {
	case SHEET_NUM: buf_adds(b, "<v>"); put_num(b, v.num); buf_adds(b, "</v>"); break;
	case SHEET_BOOL: buf_printf(b, "<v>%d</v>", v.num != 0); break;
	case SHEET_ERROR: buf_printf(b, "<v>%s</v>", err_code(v.err)); break;
	case SHEET_TEXT:
		buf_adds(b, "<v>");
		xz_esc_ooxml(b, v.str ? v.str : "", v.str ? strlen(v.str) : 0);
		buf_adds(b, "</v>");
		break;
	default:
		if (src)
			buf_adds(b, "<v>0</v>");
		break;
	}
	buf_adds(b, "</c>");
}

/* One worksheet part, piece by piece. */
static int sheet_gen(void *arg, struct buf *b)
{
	struct xlsx_part *p = arg;
	struct xlsx_out *o = p->o;
	const struct sheet_file *f = o->f;

	if (o->sheet != p->sheet) { /* the previous sheet is finished */
		o->sheet = p->sheet;
		o->stage = OUT_HEAD;
	}
	switch (o->stage) {
	case OUT_HEAD:
		o->ks.n = 0;
		sheet_cells(f, o->sheet, &o->ks);
		o->i = 0;
		o->cur = -1;
		buf_adds(b, "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
			    "<worksheet xmlns=\"" NS_MAIN "\" xmlns:r=\"" NS_REL "\">");
		buf_printf(b, "<sheetViews><sheetView workbookViewId=\"0\"%s/></sheetViews>",
			   o->sheet == f->sheet ? " tabSelected=\"1\"" : "");
		write_cols(f, o->sheet, b);
		buf_adds(b, "<sheetData>");
		o->stage = OUT_CELLS;
		return 1;
	case OUT_CELLS: {
		size_t stop = o->i + CELLS_PER_PIECE < o->ks.n ? o->i + CELLS_PER_PIECE : o->ks.n;

		for (; o->i < stop; o->i++)
			write_cell(o, (uint32_t)(o->ks.k[o->i] >> 16),
				   (uint32_t)(o->ks.k[o->i] & 0xffff), b);
		if (o->i < o->ks.n)
			return 1;
		if (o->cur >= 0)
			buf_adds(b, "</row>");
		buf_adds(b, "</sheetData></worksheet>");
		o->stage = OUT_DONE;
		return 1;
	}
	default:
		return 0;
	}
}

/* The shared strings the sheets used, piece by piece. */
static int sst_gen(void *arg, struct buf *b)
{
	struct xlsx_part *p = arg;
	struct xlsx_out *o = p->o;
	const struct xz_strtab *st = &o->st;
	size_t stop;

	if (o->sheet != p->sheet) {
		o->sheet = p->sheet;
		o->i = 0;
		buf_printf(b, "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
			      "<sst xmlns=\"" NS_MAIN "\" count=\"%zu\" uniqueCount=\"%zu\">",
			   st->n, st->n);
		return 1;
	}
	if (o->i > st->n)
		return 0;
	stop = o->i + CELLS_PER_PIECE < st->n ? o->i + CELLS_PER_PIECE : st->n;
	for (; o->i < stop; o->i++) {
		const char *s = st->s[o->i];
		size_t len = strlen(s);
		int keep = len && (isspace((unsigned char)s[0]) || isspace((unsigned char)s[len - 1]));

		buf_adds(b, keep ? "<si><t xml:space=\"preserve\">" : "<si><t>");
		xz_esc_ooxml(b, s, len);
		buf_adds(b, "</t></si>");
	}
	if (o->i == st->n) {
		buf_adds(b, "</sst>");
		o->i++;
	}
	return 1;
}

static void write_styles(const struct xz_strtab *ft, struct buf *b)
{
	unsigned custom = FMT_CUSTOM;
	unsigned *ids = xcalloc(ft->n + 1, sizeof *ids);
	size_t ncustom = 0;

	for (size_t i = 0; i < ft->n; i++) {
		ids[i] = 0;
		for (unsigned k = 1; k < NBUILTIN; k++)
			if (builtin_fmt[k] && strcmp(builtin_fmt[k], ft->s[i]) == 0) {
				ids[i] = k;
				break;
			}
		if (ids[i] == 0)
			ids[i] = custom++, ncustom++;
	}
	buf_adds(b, "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
		    "<styleSheet xmlns=\"" NS_MAIN "\">");
	if (ncustom) {
		buf_printf(b, "<numFmts count=\"%zu\">", ncustom);
		for (size_t i = 0; i < ft->n; i++) {
			if (ids[i] < FMT_CUSTOM)
				continue;
			buf_printf(b, "<numFmt numFmtId=\"%u\" formatCode=\"", ids[i]);
			xz_esc(b, ft->s[i], strlen(ft->s[i]));
			buf_adds(b, "\"/>");
		}
		buf_adds(b, "</numFmts>");
	}
	buf_adds(b, "<fonts count=\"1\"><font><sz val=\"11\"/><name val=\"Calibri\"/></font></fonts>"
		    "<fills count=\"2\"><fill><patternFill patternType=\"none\"/></fill>"
		    "<fill><patternFill patternType=\"gray125\"/></fill></fills>"
		    "<borders count=\"1\"><border><left/><right/><top/><bottom/><diagonal/></border>"
		    "</borders><cellStyleXfs count=\"1\"><xf numFmtId=\"0\" fontId=\"0\" "
		    "fillId=\"0\" borderId=\"0\"/></cellStyleXfs>");
	buf_printf(b, "<cellXfs count=\"%zu\"><xf numFmtId=\"0\" fontId=\"0\" fillId=\"0\" "
		      "borderId=\"0\" xfId=\"0\"/>", ft->n + 1);
	for (size_t i = 0; i < ft->n; i++)
		buf_printf(b, "<xf numFmtId=\"%u\" fontId=\"0\" fillId=\"0\" borderId=\"0\" "
			      "xfId=\"0\" applyNumberFormat=\"1\"/>", ids[i]);
	buf_adds(b, "</cellXfs><cellStyles count=\"1\"><cellStyle name=\"Normal\" xfId=\"0\" "
		    "builtinId=\"0\"/></cellStyles></styleSheet>");
	free(ids);
}

static void write_workbook(const struct sheet_file *f, struct buf *b)
{
	int n = sheet_count(f->wb);
	char ref[600];

	buf_adds(b, "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
		    "<workbook xmlns=\"" NS_MAIN "\" xmlns:r=\"" NS_REL "\"><workbookPr/>");
	buf_printf(b, "<bookViews><workbookView activeTab=\"%d\"/></bookViews><sheets>",
		   f->sheet >= 0 && f->sheet < n ? f->sheet : 0);
	for (int i = 0; i < n; i++) {
		const char *name = sheet_name(f->wb, i);

		buf_adds(b, "<sheet name=\"");
		xz_esc(b, name, strlen(name));
		buf_printf(b, "\" sheetId=\"%d\" r:id=\"rId%d\"/>", i + 1, i + 1);
	}
	buf_adds(b, "</sheets>");
	if (f->wb->nnames > 0) {
		buf_adds(b, "<definedNames>");
		for (size_t i = 0; i < f->wb->nnames; i++) {
			struct sheet_ref r = f->wb->names[i].ref;

			r.flags |= SHEET_REF_SHEET;
			sheet_ref_format(f->wb, &r, ref, sizeof ref);
			buf_adds(b, "<definedName name=\"");
			xz_esc(b, f->wb->names[i].name, strlen(f->wb->names[i].name));
			buf_adds(b, "\">");
			xz_esc(b, ref, strlen(ref));
			buf_adds(b, "</definedName>");
		}
		buf_adds(b, "</definedNames>");
	}
	buf_adds(b, "<calcPr calcId=\"191029\" fullCalcOnLoad=\"1\"/></workbook>");
}

/* The styles of the formats the sheets used. */
static int styles_gen(void *arg, struct buf *b)
{
	struct xlsx_part *p = arg;
	struct xlsx_out *o = p->o;

	if (o->sheet == p->sheet)
		return 0;
	o->sheet = p->sheet;
	write_styles(&o->ft, b);
	return 1;
}

int sheet_xlsx_write(const struct sheet_file *f, struct buf *out, struct err *e)
{
	struct xz_writer w;
	struct xlsx_out o;
	struct buf b;
	int n = sheet_count(f->wb), rc;
	char name[64];

	memset(&o, 0, sizeof o);
	o.f = f;
	o.sheet = -1;
	buf_init(&o.fx);
	/* the parts made on the fly: the sheets, then shared strings (n),
	 * then styles (n + 1); each has its own number */
	o.parts = xcalloc((size_t)n + 2, sizeof *o.parts);
	for (int i = 0; i < n + 2; i++)
		o.parts[i] = (struct xlsx_part){ &o, i };
	xz_w_init(&w);
	buf_init(&b);
	buf_adds(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
		     "<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">"
		     "<Default Extension=\"rels\" ContentType=\"application/"
		     "vnd.openxmlformats-package.relationships+xml\"/>"
		     "<Default Extension=\"xml\" ContentType=\"application/xml\"/>"
		     "<Override PartName=\"/xl/workbook.xml\" ContentType=\"" CT_PFX "sheet.main+xml\"/>"
		     "<Override PartName=\"/xl/styles.xml\" ContentType=\"" CT_PFX "styles+xml\"/>"
		     "<Override PartName=\"/xl/sharedStrings.xml\" ContentType=\"" CT_PFX
		     "sharedStrings+xml\"/>");
	for (int i = 0; i < n; i++)
		buf_printf(&b, "<Override PartName=\"/xl/worksheets/sheet%d.xml\" ContentType=\"" CT_PFX
			       "worksheet+xml\"/>", i + 1);
	buf_adds(&b, "</Types>");
	xz_w_add(&w, "[Content_Types].xml", &b, 0);
	buf_adds(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
		     "<Relationships xmlns=\"" NS_PKG "\"><Relationship Id=\"rId1\" Type=\"" REL_DOC
		     "\" Target=\"xl/workbook.xml\"/></Relationships>");
	xz_w_add(&w, "_rels/.rels", &b, 0);
	write_workbook(f, &b);
	xz_w_add(&w, "xl/workbook.xml", &b, 0);
	buf_adds(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
		     "<Relationships xmlns=\"" NS_PKG "\">");
	for (int i = 0; i < n; i++)
		buf_printf(&b, "<Relationship Id=\"rId%d\" Type=\"" NS_REL "/worksheet\" "
			       "Target=\"worksheets/sheet%d.xml\"/>", i + 1, i + 1);
	buf_printf(&b, "<Relationship Id=\"rId%d\" Type=\"" NS_REL "/styles\" Target=\"styles.xml\"/>"
		       "<Relationship Id=\"rId%d\" Type=\"" NS_REL "/sharedStrings\" "
		       "Target=\"sharedStrings.xml\"/></Relationships>", n + 1, n + 2);
	xz_w_add(&w, "xl/_rels/workbook.xml.rels", &b, 0);
	for (int i = 0; i < n; i++) {
		snprintf(name, sizeof name, "xl/worksheets/sheet%d.xml", i + 1);
		xz_w_add_gen(&w, name, sheet_gen, &o.parts[i]);
	}
	xz_w_add_gen(&w, "xl/sharedStrings.xml", sst_gen, &o.parts[n]);
	xz_w_add_gen(&w, "xl/styles.xml", styles_gen, &o.parts[n + 1]);
	buf_free(&b);
	rc = xz_w_finish(&w, out, e);
	xz_strtab_free(&o.st);
	xz_strtab_free(&o.ft);
	free(o.ks.k);
	free(o.parts);
	buf_free(&o.fx);
	return rc;
}
