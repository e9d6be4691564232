/*
 * eval.c - the evaluator: runs a formula's postfix code on a value stack,
 * with Excel's coercions. Operators turn a reference into a single value
 * (one cell, or the implicit intersection of a one-row or one-column range
 * with the formula's row or column, else #VALUE!); functions get references
 * as they are and visit only the cells that exist. Text becomes a number in
 * arithmetic when it reads as one ("3"+1 is 4), booleans are 1 and 0, an
 * empty cell is 0 or "". Comparison orders numbers < text < booleans and
 * compares text without regard to case. The first error operand wins.
 */
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "i18n/i18n.h"
#include "modules/sheets/engine.h"
#include "modules/sheets/func_int.h" /* sheet_parse_datetime */

static const char *const err_texts[SHEET_ERR_COUNT] = {
    [SHEET_ERR_NONE] = "",	   [SHEET_ERR_NULL] = "#NULL!", [SHEET_ERR_DIV0] = "#DIV/0!",
    [SHEET_ERR_VALUE] = "#VALUE!", [SHEET_ERR_REF] = "#REF!",	[SHEET_ERR_NAME] = "#NAME?",
    [SHEET_ERR_NUM] = "#NUM!",	   [SHEET_ERR_NA] = "#N/A",	[SHEET_ERR_CIRC] = "#CIRC!",
};

const char *sheet_err_text(enum sheet_err err)
{
	return err > SHEET_ERR_NONE && err < SHEET_ERR_COUNT ? err_texts[err] : "#VALUE!";
}

enum sheet_err sheet_err_parse(const char *s, size_t len, size_t *used)
{
	enum sheet_err best = SHEET_ERR_NONE;
	size_t bestlen = 0;

	for (int i = 1; i < SHEET_ERR_COUNT; i++) {
		size_t n = strlen(err_texts[i]);

		if (n <= len && n > bestlen && strncasecmp(s, err_texts[i], n) == 0)
			best = (enum sheet_err)i, bestlen = n;
	}
	*used = bestlen;
	return best;
}

void sheet_num_text(double v, char *buf, size_t n)
{
	char *e;

	if (v == 0)
		v = 0; /* no "-0" */
	snprintf(buf, n, "%.15g", v);
	e = strchr(buf, 'e');
	if (e != NULL)
		*e = 'E';
}

/* The workbook whose formula this thread is evaluating: its clock gives the
 * year of a date written without one ("3/15"+0). */
static _Thread_local const struct sheet_book *text_wb;

/*
 * A plain number with Excel's decorations: leading and trailing spaces, a
 * sign, a currency sign ($), thousands separators in groups of three
 * before the point, an exponent, a trailing %, and a negative written in
 * parentheses ("(5)", "($1,000.50)"). 0 and the number, or -1.
 */
static int plain_num(const char *p, double *out)
{
	char digits[400];
	size_t n = 0;
	int neg = 0, paren = 0, cur = 0, pct = 0, group = -1, any = 0;
	double v;
	char *end;

	while (*p == ' ')
		p++;
	if (*p == '(')
		paren = 1, p++;
	for (;;) { /* a sign and a currency sign, in either order */
		if ((*p == '-' || *p == '+') && !neg && !paren && n == 0) {
			neg = *p == '-' ? 1 : 2;
			p++;
		} else if (*p == '$' && !cur) {
			cur = 1;
			p++;
		} else {
			break;
		}
	}
	if (neg == 1)
		digits[n++] = '-';
	/* integer part, maybe grouped by commas (each group of three) */
	while (isdigit((unsigned char)*p) || (*p == ',' && any)) {
		if (*p == ',') {
			if (group >= 0 && group != 3)
				return -1;
			group = 0;
			p++;
			continue;
		}
		if (group >= 0)
			group++;
		if (n >= sizeof(digits) - 40)
			return -1;
		digits[n++] = *p++;
		any = 1;
	}
	if (group >= 0 && group != 3)
		return -1;
	if (*p == '.') {
		digits[n++] = *p++;
		while (isdigit((unsigned char)*p)) {
			if (n >= sizeof(digits) - 20)
				return -1;
			digits[n++] = *p++;
			any = 1;
		}
	}
	if (!any)
		return -1;
	if (*p == 'e' || *p == 'E') {
		const char *q = p + 1;

		digits[n++] = 'e';
		if (*q == '+' || *q == '-')
			digits[n++] = *q++;
		if (!isdigit((unsigned char)*q))
			return -1;
		while (isdigit((unsigned char)*q) && n < sizeof(digits) - 2)
			digits[n++] = *q++;
		if (isdigit((unsigned char)*q))
			return -1;
		p = q;
	}
	digits[n] = '\0';
	v = strtod(digits, &end);
	if (*end != '\0')
		return -1;
	while (*p == ' ')
		p++;
	if (*p == '%')
		pct = 1, p++;
	while (*p == ' ')
		p++;
	if (paren) {
		if (*p != ')' || neg)
			return -1;
		p++, v = -v;
		while (*p == ' ')
			p++;
	}
	if (*p != '\0' || !isfinite(v))
		return -1;
	*out = pct ? v / 100 : v;
	return 0;
}

static double system_now(void);

int sheet_text_num(const char *s, double *out)
{
	double v;
	int parts;

	if (plain_num(s, &v) == 0) {
		*out = v;
		return 0;
	}
	/* A date or time as text counts as its serial, as in Excel:
	 * "2024-03-15"+0, "12:30"*24. Only strings with a digit can be. */
	if (strpbrk(s, "0123456789") == NULL)
		return E_PARSE;
	if (sheet_parse_datetime(s, text_wb != NULL ? sheet_now(text_wb) : system_now(), &v,
				 &parts) != 0)
		return E_PARSE;
	*out = v;
	return 0;
}

void sheet_value_free(struct sheet_value *v)
{
	free(v->str);
	v->str = NULL;
}

void sheet_value_copy(struct sheet_value *dst, const struct sheet_value *src)
{
	*dst = *src;
	if (src->type == SHEET_ARRAY)
		dst->arr = sheet_array_dup(src->arr);
	else if (src->str != NULL)
		dst->str = xstrdup(src->str);
}

/* ---- arrays ------------------------------------------------------------- */

struct sheet_array *sheet_array_new(uint32_t rows, uint32_t cols)
{
	struct sheet_array *a;
	size_t n = (size_t)rows * cols, size;

	if (n == 0 || n > SHEET_MAX_ARRAY)
		return NULL;
	size = sizeof(*a) + n * sizeof(a->e[0]);
	a = xcalloc(1, size); /* elements 0: SHEET_EMPTY */
	a->rows = rows;
	a->cols = cols;
	a->size = a->cap = size;
	return a;
}

struct sheet_array *sheet_array_dup(const struct sheet_array *a)
{
	struct sheet_array *b = xmalloc(a->size);

	memcpy(b, a, a->size);
	b->cap = a->size;
	return b;
}

void sheet_array_set(struct sheet_array **ap, uint32_t i, const struct sheet_value *v)
{
	struct sheet_array *a = *ap;
	struct sheet_elem *el = &a->e[i];
	size_t len;

	memset(el, 0, sizeof(*el));
	switch (v->type) {
	case SHEET_NUM:
	case SHEET_BOOL:
		el->type = (uint8_t)v->type;
		el->num = v->num;
		return;
	case SHEET_ERROR:
		el->type = SHEET_ERROR;
		el->err = (uint8_t)v->err;
		return;
	case SHEET_TEXT:
		break;
	default: /* empty or missing */
		return;
	}
	len = strlen(v->str) + 1;
	if (a->size + len > UINT32_MAX) { /* offsets are 32 bits */
		el->type = SHEET_ERROR;
		el->err = SHEET_ERR_NUM;
		return;
	}
	if (a->size + len > a->cap) {
		size_t cap = a->cap * 2 > a->size + len ? a->cap * 2 : a->size + len;

		a = *ap = xrealloc(a, cap);
		a->cap = cap;
		el = &a->e[i];
	}
	memcpy((char *)a + a->size, v->str, len);
	el->type = SHEET_TEXT;
	el->off = (uint32_t)a->size;
	a->size += len;
}

void sheet_array_get(const struct sheet_array *a, uint32_t i, struct sheet_value *v)
{
	const struct sheet_elem *el = &a->e[i];

	memset(v, 0, sizeof(*v));
	v->type = (enum sheet_type)el->type;
	v->err = (enum sheet_err)el->err;
	v->num = el->num;
	if (el->type == SHEET_TEXT)
		v->str = (char *)a + el->off;
}

void sheet_array_at(const struct sheet_array *a, uint32_t r, uint32_t c, struct sheet_value *v)
{
	if (a->rows == 1)
		r = 0;
	if (a->cols == 1)
		c = 0;
	if (r >= a->rows || c >= a->cols) {
		memset(v, 0, sizeof(*v));
		v->type = SHEET_ERROR;
		v->err = SHEET_ERR_NA;
		return;
	}
	sheet_array_get(a, r * a->cols + c, v);
}

void sheet_value_array(struct sheet_value *v, struct sheet_array *a)
{
	free(v->str);
	memset(v, 0, sizeof(*v));
	v->type = SHEET_ARRAY;
	v->arr = a;
}

struct sheet_array *sheet_ref_array(const struct sheet_evalctx *cx, const struct sheet_ref *r,
				    int *err)
{
	uint32_t rows = r->r2 - r->r1 + 1, cols = r->c2 - r->c1 + 1, erows, ecols;
	struct sheet_array *a = sheet_array_new(rows, cols);
	struct sheet_value v;

	if (a == NULL) {
		*err = SHEET_ERR_NUM;
		return NULL;
	}
	/* beyond the sheet's extent every cell is empty, as the array starts */
	sheet_extent(cx->wb, r->sheet, &erows, &ecols);
	for (uint32_t i = 0; i < rows && r->r1 + i < erows; i++)
		for (uint32_t j = 0; j < cols && r->c1 + j < ecols; j++) {
			sheet_get(cx->wb, r->sheet, r->r1 + i, r->c1 + j, &v);
			if (v.type != SHEET_EMPTY)
				sheet_array_set(&a, i * cols + j, &v);
		}
	*err = 0;
	return a;
}

void sheet_value_dims(const struct sheet_value *v, uint32_t *rows, uint32_t *cols)
{
	if (v->type == SHEET_REF) {
		*rows = v->ref.r2 - v->ref.r1 + 1;
		*cols = v->ref.c2 - v->ref.c1 + 1;
	} else if (v->type == SHEET_ARRAY) {
		*rows = v->arr->rows;
		*cols = v->arr->cols;
	} else {
		*rows = *cols = 1;
	}
}

int sheet_value_each(const struct sheet_evalctx *cx, const struct sheet_value *v,
		     sheet_cell_fn fn, void *arg)
{
	const struct sheet_array *a;
	struct sheet_value e;
	int rc;

	if (v->type == SHEET_REF)
		return sheet_range_each(cx->wb, &v->ref, fn, arg);
	if (v->type != SHEET_ARRAY)
		return fn(v, 0, 0, arg);
	a = v->arr;
	for (uint32_t i = 0; i < a->rows * a->cols; i++) {
		if (a->e[i].type == SHEET_EMPTY)
			continue;
		sheet_array_get(a, i, &e);
		if ((rc = fn(&e, i / a->cols, i % a->cols, arg)) != 0)
			return rc;
	}
	return 0;
}

void sheet_value_at(const struct sheet_evalctx *cx, const struct sheet_value *v, uint32_t r,
		    uint32_t c, struct sheet_value *out)
{
	if (v->type == SHEET_ARRAY) {
		sheet_array_at(v->arr, r, c, out);
	} else if (v->type == SHEET_REF) {
		const struct sheet_ref *f = &v->ref;

		if (f->r1 == f->r2)
			r = 0;
		if (f->c1 == f->c2)
			c = 0;
		if (r > f->r2 - f->r1 || c > f->c2 - f->c1) {
			memset(out, 0, sizeof(*out));
			out->type = SHEET_ERROR;
			out->err = SHEET_ERR_NA;
			return;
		}
		sheet_get(cx->wb, f->sheet, f->r1 + r, f->c1 + c, out);
	} else {
		*out = *v;
		if (out->type == SHEET_MISSING)
			out->type = SHEET_EMPTY;
	}
}

static void set_err(struct sheet_value *v, enum sheet_err err)
{
	free(v->str);
	memset(v, 0, sizeof(*v));
	v->type = SHEET_ERROR;
	v->err = err;
}

void sheet_deref(const struct sheet_evalctx *cx, struct sheet_value *v)
{
	struct sheet_ref r;
	struct sheet_value cell;

	if (v->type != SHEET_REF) {
		if (v->type == SHEET_MISSING) {
			v->type = SHEET_EMPTY;
		} else if (v->type == SHEET_ARRAY) {
			/* an array where one value is wanted gives its first element */
			struct sheet_array *a = v->arr;

			sheet_array_get(a, 0, &cell);
			sheet_value_copy(v, &cell);
			free(a);
		}
		return;
	}
	r = v->ref;
	if (r.r1 != r.r2 || r.c1 != r.c2) {
		/* implicit intersection */
		if (r.c1 == r.c2 && cx->row >= r.r1 && cx->row <= r.r2 && r.sheet == cx->sheet)
			r.r1 = r.r2 = cx->row;
		else if (r.r1 == r.r2 && cx->col >= r.c1 && cx->col <= r.c2 && r.sheet == cx->sheet)
			r.c1 = r.c2 = cx->col;
		else {
			set_err(v, SHEET_ERR_VALUE);
			return;
		}
	}
	sheet_get(cx->wb, r.sheet, r.r1, r.c1, &cell);
	*v = cell; /* a cell's value: never an array */
	if (cell.str != NULL)
		v->str = xstrdup(cell.str);
}

int sheet_to_num(const struct sheet_value *v, double *out)
{
	switch (v->type) {
	case SHEET_NUM:
	case SHEET_BOOL:
		*out = v->num;
		return 0;
	case SHEET_EMPTY:
	case SHEET_MISSING:
		*out = 0;
		return 0;
	case SHEET_TEXT:
		return sheet_text_num(v->str, out) == 0 ? 0 : SHEET_ERR_VALUE;
	case SHEET_ERROR:
		return v->err;
	default:
		return SHEET_ERR_VALUE;
	}
}

int sheet_to_bool(const struct sheet_value *v, int *out)
{
	switch (v->type) {
	case SHEET_NUM:
	case SHEET_BOOL:
		*out = v->num != 0;
		return 0;
	case SHEET_EMPTY:
	case SHEET_MISSING:
		*out = 0;
		return 0;
	case SHEET_TEXT:
		if (strcasecmp(v->str, "TRUE") == 0 || strcasecmp(v->str, "FALSE") == 0) {
			*out = toupper((unsigned char)v->str[0]) == 'T';
			return 0;
		}
		return SHEET_ERR_VALUE;
	case SHEET_ERROR:
		return v->err;
	default:
		return SHEET_ERR_VALUE;
	}
}

int sheet_to_text(const struct sheet_value *v, const char **out, char **tmp)
{
	char buf[40];

	*tmp = NULL;
	switch (v->type) {
	case SHEET_NUM:
		sheet_num_text(v->num, buf, sizeof(buf));
		*out = *tmp = xstrdup(buf);
		return 0;
	case SHEET_BOOL:
		*out = v->num != 0 ? "TRUE" : "FALSE";
		return 0;
	case SHEET_EMPTY:
	case SHEET_MISSING:
		*out = "";
		return 0;
	case SHEET_TEXT:
		*out = v->str;
		return 0;
	case SHEET_ERROR:
		return v->err;
	default:
		return SHEET_ERR_VALUE;
	}
}

static int is_ascii(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s >= 0x80)
			return 0;
	return 1;
}

static int text_cmp(const char *a, const char *b)
{
	char *fa, *fb;
	int r;

	if (is_ascii(a) && is_ascii(b))
		return strcasecmp(a, b);
	fa = txt_casefold(a, strlen(a));
	fb = txt_casefold(b, strlen(b));
	r = strcmp(fa ? fa : a, fb ? fb : b);
	free(fa);
	free(fb);
	return r;
}

static int rank(enum sheet_type t)
{
	return t == SHEET_NUM ? 0 : t == SHEET_TEXT ? 1 : 2;
}

int sheet_compare(const struct sheet_value *a, const struct sheet_value *b)
{
	struct sheet_value x = *a, y = *b;

	if (x.type == SHEET_EMPTY || x.type == SHEET_MISSING) {
		x.type = y.type == SHEET_EMPTY || y.type == SHEET_MISSING ? SHEET_NUM : y.type;
		x.num = 0;
		x.str = "";
	}
	if (y.type == SHEET_EMPTY || y.type == SHEET_MISSING) {
		y.type = x.type;
		y.num = 0;
		y.str = "";
	}
	if (rank(x.type) != rank(y.type))
		return rank(x.type) < rank(y.type) ? -1 : 1;
	if (x.type == SHEET_TEXT)
		return text_cmp(x.str, y.str);
	return x.num < y.num ? -1 : x.num > y.num;
}

static void set_num(struct sheet_value *v, double d)
{
	free(v->str);
	memset(v, 0, sizeof(*v));
	if (!isfinite(d)) {
		v->type = SHEET_ERROR;
		v->err = SHEET_ERR_NUM;
		return;
	}
	v->type = SHEET_NUM;
	v->num = d;
}

double sheet_pow(double x, double y)
{
	double inv;

	/* Excel takes odd roots of negative numbers: (-8)^(1/3) is -2. */
	if (x < 0 && y != trunc(y)) {
		inv = 1 / y;
		if (fabs(inv - round(inv)) < 1e-10 && fmod(round(inv), 2) != 0)
			return -pow(-x, y);
	}
	return pow(x, y);
}

static void arith(uint8_t op, struct sheet_value *a, struct sheet_value *b)
{
	double x, y, r;
	int er;

	if ((er = sheet_to_num(a, &x)) != 0 || (er = sheet_to_num(b, &y)) != 0) {
		set_err(a, (enum sheet_err)er);
		return;
	}
	switch (op) {
	case OP_ADD:
		r = x + y;
		break;
	case OP_SUB:
		r = x - y;
		break;
	case OP_MUL:
		r = x * y;
		break;
	case OP_DIV:
		if (y == 0) {
			set_err(a, SHEET_ERR_DIV0);
			return;
		}
		r = x / y;
		break;
	default: /* OP_POW */
		if (x == 0 && y == 0) {
			set_err(a, SHEET_ERR_NUM);
			return;
		}
		if (x == 0 && y < 0) {
			set_err(a, SHEET_ERR_DIV0);
			return;
		}
		r = sheet_pow(x, y);
		break;
	}
	set_num(a, r);
}

static void concat(struct sheet_value *a, const struct sheet_value *b)
{
	const char *x, *y;
	char *tx, *ty, *s;
	int er;
	size_t lx, ly;

	if ((er = sheet_to_text(a, &x, &tx)) != 0) {
		set_err(a, (enum sheet_err)er);
		return;
	}
	if ((er = sheet_to_text(b, &y, &ty)) != 0) {
		free(tx);
		set_err(a, (enum sheet_err)er);
		return;
	}
	lx = strlen(x), ly = strlen(y);
	if (lx + ly > (size_t)SHEET_MAX_TEXT * 4) {
		free(tx);
		free(ty);
		set_err(a, SHEET_ERR_VALUE);
		return;
	}
	s = xmalloc(lx + ly + 1);
	memcpy(s, x, lx);
	memcpy(s + lx, y, ly + 1);
	free(tx);
	free(ty);
	free(a->str);
	memset(a, 0, sizeof(*a));
	a->type = SHEET_TEXT;
	a->str = s;
}

static void compare_op(uint8_t op, struct sheet_value *a, const struct sheet_value *b)
{
	int c = sheet_compare(a, b), r;

	switch (op) {
	case OP_EQ:
		r = c == 0;
		break;
	case OP_NE:
		r = c != 0;
		break;
	case OP_LT:
		r = c < 0;
		break;
	case OP_GT:
		r = c > 0;
		break;
	case OP_LE:
		r = c <= 0;
		break;
	default:
		r = c >= 0;
		break;
	}
	free(a->str);
	memset(a, 0, sizeof(*a));
	a->type = SHEET_BOOL;
	a->num = r;
}

void sheet_eval_note(const struct sheet_evalctx *cx, const struct sheet_ref *r)
{
	struct sheet_refvec *d = cx->dyn;

	if (d == NULL)
		return;
	for (uint32_t i = 0; i < d->n; i++)
		if (d->v[i].sheet == r->sheet && d->v[i].r1 == r->r1 && d->v[i].c1 == r->c1 &&
		    d->v[i].r2 == r->r2 && d->v[i].c2 == r->c2)
			return;
	if (d->n == d->cap) {
		d->cap = d->cap ? d->cap * 2 : 4;
		d->v = xreallocarray(d->v, d->cap, sizeof(*d->v));
	}
	d->v[d->n++] = *r;
}

/* The system clock as an Excel serial in local time. */
static double system_now(void)
{
	struct timespec ts;
	struct tm tm;
	time_t t;
	long y, m, days;

	clock_gettime(CLOCK_REALTIME, &ts);
	t = ts.tv_sec;
	localtime_r(&t, &tm);
	y = tm.tm_year + 1900L;
	m = tm.tm_mon + 1L;
	/* days from 1899-12-30 to y-m-d (proleptic Gregorian) */
	y -= m <= 2;
	long era = (y >= 0 ? y : y - 399) / 400, yoe = y - era * 400;
	long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + tm.tm_mday - 1;

	days = era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468 + 25569;
	return (double)days +
	       ((double)(tm.tm_hour * 3600 + tm.tm_min * 60 + tm.tm_sec) + ts.tv_nsec / 1e9) /
		   86400;
}

void sheet_set_clock(struct sheet_book *wb, sheet_clock_fn fn, void *arg)
{
	wb->clock = fn;
	wb->clock_arg = arg;
}

double sheet_now(const struct sheet_book *wb)
{
	return wb->clock != NULL ? wb->clock(wb->clock_arg) : system_now();
}

/* ---- element by element ------------------------------------------------- */

/* Whether an operand is taken element by element: an array always, a range
 * of more than one cell in an array context. */
static int arrayish(const struct sheet_value *v, uint32_t ctx)
{
	if (v->type == SHEET_ARRAY)
		return 1;
	return (ctx & SHEET_INSTR_ARRAYCTX) && v->type == SHEET_REF &&
	       (v->ref.r1 != v->ref.r2 || v->ref.c1 != v->ref.c2);
}

/* The shape of an element-by-element result: the largest of the operands'
 * (Excel repeats a single row or column; other short parts are #N/A).
 * NULL and *err when too big. */
static struct sheet_array *result_array(const struct sheet_value *v, int n, uint32_t ctx,
					int *err)
{
	uint32_t rows = 1, cols = 1, r, c;
	struct sheet_array *a;

	for (int i = 0; i < n; i++) {
		if (!arrayish(&v[i], ctx))
			continue;
		sheet_value_dims(&v[i], &r, &c);
		if (r > rows)
			rows = r;
		if (c > cols)
			cols = c;
	}
	a = sheet_array_new(rows, cols);
	*err = a == NULL ? SHEET_ERR_NUM : 0;
	return a;
}

/* Element (r, c) of an operand as an owned single value. */
static void elem_of(const struct sheet_evalctx *cx, const struct sheet_value *v, uint32_t ctx,
		    uint32_t r, uint32_t c, struct sheet_value *out)
{
	struct sheet_value e;

	if (!arrayish(v, ctx)) {
		sheet_value_copy(out, v);
		return;
	}
	sheet_value_at(cx, v, r, c, &e);
	sheet_value_copy(out, &e);
}

static void scalar_op(const struct sheet_evalctx *cx, uint8_t op, struct sheet_value *a,
		      struct sheet_value *b);

/* a = a op b (b NULL for the unary operators), element by element; b's
 * string is left for the caller to free. */
static void elementwise(const struct sheet_evalctx *cx, uint8_t op, uint32_t ctx,
			struct sheet_value *a, struct sheet_value *b)
{
	struct sheet_value ops[2] = {*a, b != NULL ? *b : *a}, x, y;
	struct sheet_array *res;
	int er;

	res = result_array(ops, 2, ctx, &er);
	if (res == NULL) {
		set_err(a, (enum sheet_err)er);
		return;
	}
	for (uint32_t r = 0; r < res->rows; r++)
		for (uint32_t c = 0; c < res->cols; c++) {
			elem_of(cx, &ops[0], ctx, r, c, &x);
			if (b != NULL) {
				elem_of(cx, &ops[1], ctx, r, c, &y);
				scalar_op(cx, op, &x, &y);
				free(y.str);
			} else {
				scalar_op(cx, op, &x, NULL);
			}
			sheet_array_set(&res, r * res->cols + c, &x);
			free(x.str);
		}
	sheet_value_array(a, res);
}

/* Apply a function of single values to each element of its array
 * arguments (ABS({-1,2}) is {1,2}). */
static void lifted_call(const struct sheet_evalctx *cx, const struct sheet_func *f, uint32_t ctx,
			struct sheet_value *args, int argc, struct sheet_value *out)
{
	struct sheet_value ev[SHEET_MAX_ARGS], res;
	struct sheet_array *a;
	int er;

	a = result_array(args, argc, ctx, &er);
	if (a == NULL) {
		out->type = SHEET_ERROR;
		out->err = (enum sheet_err)er;
		return;
	}
	for (uint32_t r = 0; r < a->rows; r++)
		for (uint32_t c = 0; c < a->cols; c++) {
			for (int i = 0; i < argc; i++)
				elem_of(cx, &args[i], ctx, r, c, &ev[i]);
			memset(&res, 0, sizeof(res));
			f->fn(cx, ev, argc, &res);
			sheet_deref(cx, &res);
			sheet_array_set(&a, r * a->cols + c, &res);
			free(res.str);
			for (int i = 0; i < argc; i++)
				free(ev[i].str);
		}
	sheet_value_array(out, a);
}

/* Whether a call of f takes its arguments element by element. */
static int lifts(const struct sheet_func *f, uint32_t ctx, const struct sheet_value *args,
		 int argc)
{
	if (!(f->flags & SHEET_FN_SCALAR))
		return 0;
	for (int i = 0; i < argc; i++)
		if (arrayish(&args[i], ctx))
			return 1;
	return 0;
}

/* One operator on single values, for elementwise (sheet_eval_dyn has the
 * same inline): the result replaces a; b's string is left for the caller
 * to free. */
static void scalar_op(const struct sheet_evalctx *cx, uint8_t op, struct sheet_value *a,
		      struct sheet_value *b)
{
	double d;
	int er;

	sheet_deref(cx, a);
	if (b == NULL) { /* OP_NEG, OP_PLUS, OP_PCT */
		if (op == OP_PLUS)
			return;
		if ((er = sheet_to_num(a, &d)) != 0)
			set_err(a, (enum sheet_err)er);
		else
			set_num(a, op == OP_NEG ? -d : d / 100);
		return;
	}
	sheet_deref(cx, b);
	if (a->type == SHEET_ERROR) {
		/* a's error wins */
	} else if (b->type == SHEET_ERROR) {
		set_err(a, b->err);
	} else if (op == OP_CAT) {
		concat(a, b);
	} else if (op >= OP_EQ && op <= OP_GE) {
		compare_op(op, a, b);
	} else {
		arith(op, a, b);
	}
}

void sheet_eval(struct sheet_book *wb, const struct sheet_code *code, int sheet, uint32_t row,
		uint32_t col, struct sheet_value *out)
{
	sheet_eval_dyn(wb, code, sheet, row, col, out, NULL);
}

void sheet_eval_dyn(struct sheet_book *wb, const struct sheet_code *code, int sheet, uint32_t row,
		    uint32_t col, struct sheet_value *out, struct sheet_refvec *dyn)
{
	struct sheet_evalctx cx = {wb, sheet, row, col, dyn};
	struct sheet_value small[16], *st = small;
	uint32_t sp = 0;
	const struct sheet_book *saved_wb = text_wb;

	wb->evals++;
	text_wb = wb;
	if (code->depth > nitems(small))
		st = xcalloc(code->depth, sizeof(*st));
	for (uint32_t pc = 0; pc < code->nins; pc++) {
		const struct sheet_instr *in = &code->ins[pc];
		struct sheet_value *top = sp > 0 ? &st[sp - 1] : NULL;
		double d;
		int er;

		switch (in->op) {
		case OP_NUM:
		case OP_STR:
		case OP_BOOL:
		case OP_ERR:
		case OP_REF:
		case OP_MISSING:
			top = &st[sp++];
			memset(top, 0, sizeof(*top));
			if (in->op == OP_NUM) {
				top->type = SHEET_NUM;
				top->num = in->num;
			} else if (in->op == OP_STR) {
				top->type = SHEET_TEXT;
				top->str = xstrdup(code->strs[in->idx]);
			} else if (in->op == OP_BOOL) {
				top->type = SHEET_BOOL;
				top->num = in->idx;
			} else if (in->op == OP_ERR) {
				top->type = SHEET_ERROR;
				top->err = (enum sheet_err)in->idx;
			} else if (in->op == OP_REF) {
				top->type = SHEET_REF;
				top->ref = code->refs[in->idx];
			} else {
				top->type = SHEET_MISSING;
			}
			break;
		case OP_ARRAY:
			top = &st[sp++];
			memset(top, 0, sizeof(*top));
			top->type = SHEET_ARRAY;
			top->arr = sheet_array_dup((const struct sheet_array *)code->strs[in->idx]);
			break;
		case OP_NEG:
		case OP_PLUS:
		case OP_PCT:
			if (in->idx != 0 && arrayish(top, in->idx)) {
				elementwise(&cx, in->op, in->idx, top, NULL);
				break;
			}
			sheet_deref(&cx, top);
			if (in->op == OP_PLUS)
				break;
			if ((er = sheet_to_num(top, &d)) != 0)
				set_err(top, (enum sheet_err)er);
			else
				set_num(top, in->op == OP_NEG ? -d : d / 100);
			break;
		case OP_FUNC: {
			struct sheet_value res;
			struct sheet_value *args = &st[sp - in->argc];
			const struct sheet_func *f = in->fn == UINT16_MAX ? NULL : sheet_func_at(in->fn);

			memset(&res, 0, sizeof(res));
			if (f == NULL)
				res.type = SHEET_ERROR, res.err = SHEET_ERR_NAME;
			else if (in->idx != 0 && lifts(f, in->idx, args, in->argc))
				lifted_call(&cx, f, in->idx, args, in->argc, &res);
			else
				f->fn(&cx, args, in->argc, &res);
			for (int i = 0; i < in->argc; i++)
				free(args[i].str);
			sp -= in->argc;
			st[sp++] = res;
			break;
		}
		default: {
			struct sheet_value *a = &st[sp - 2], *b = top;

			/* the plain case stays inline here: it is the hot path */
			if (in->idx != 0 && (arrayish(a, in->idx) || arrayish(b, in->idx))) {
				elementwise(&cx, in->op, in->idx, a, b);
				free(b->str);
				sp--;
				break;
			}
			sheet_deref(&cx, a);
			sheet_deref(&cx, b);
			if (a->type == SHEET_ERROR) {
				/* a's error wins */
			} else if (b->type == SHEET_ERROR) {
				set_err(a, b->err);
			} else if (in->op == OP_CAT) {
				concat(a, b);
			} else if (in->op >= OP_EQ && in->op <= OP_GE) {
				compare_op(in->op, a, b);
			} else {
				arith(in->op, a, b);
			}
			free(b->str);
			sp--;
			break;
		}
		}
	}
	if (sp == 0) {
		memset(out, 0, sizeof(*out));
	} else {
		*out = st[sp - 1];
		for (uint32_t i = 0; i + 1 < sp; i++)
			free(st[i].str);
		sheet_deref(&cx, out);
		if (out->type == SHEET_MISSING)
			out->type = SHEET_EMPTY;
	}
	if (out->type == SHEET_EMPTY)
		out->type = SHEET_NUM, out->num = 0; /* =A1 of an empty cell is 0 */
	if (st != small)
		free(st);
	text_wb = saved_wb;
}
