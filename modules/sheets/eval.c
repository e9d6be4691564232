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

int sheet_text_num(const char *s, double *out)
{
	const char *p = s;
	char *end;
	size_t digits = 0;
	double v;

	while (*p == ' ')
		p++;
	const char *start = p;
	if (*p == '+' || *p == '-')
		p++;
	while (isdigit((unsigned char)*p))
		p++, digits++;
	if (*p == '.') {
		p++;
		while (isdigit((unsigned char)*p))
			p++, digits++;
	}
	if (digits == 0)
		return E_PARSE;
	if (*p == 'e' || *p == 'E') {
		const char *q = p + 1;

		if (*q == '+' || *q == '-')
			q++;
		if (!isdigit((unsigned char)*q))
			return E_PARSE;
		while (isdigit((unsigned char)*q))
			q++;
		p = q;
	}
	v = strtod(start, &end);
	if (end != p)
		return E_PARSE;
	if (*p == '%')
		v /= 100, p++;
	while (*p == ' ')
		p++;
	if (*p != '\0' || !isfinite(v))
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
	if (src->str != NULL)
		dst->str = xstrdup(src->str);
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

	if (v->type == SHEET_MISSING) {
		v->type = SHEET_EMPTY;
		return;
	}
	if (v->type != SHEET_REF)
		return;
	r = v->ref;
	if ((r.flags & SHEET_REF_TRANSPOSED) && (r.r1 != r.r2 || r.c1 != r.c2)) {
		/* an array in one cell shows its first element */
		r.r2 = r.r1;
		r.c2 = r.c1;
	} else if (r.r1 != r.r2 || r.c1 != r.c2) {
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
	sheet_value_copy(v, &cell);
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

	wb->evals++;
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
		case OP_NEG:
		case OP_PLUS:
		case OP_PCT:
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

			memset(&res, 0, sizeof(res));
			if (in->fn == UINT16_MAX)
				res.type = SHEET_ERROR, res.err = SHEET_ERR_NAME;
			else
				sheet_func_at(in->fn)->fn(&cx, args, in->argc, &res);
			for (int i = 0; i < in->argc; i++)
				free(args[i].str);
			sp -= in->argc;
			st[sp++] = res;
			break;
		}
		default: {
			struct sheet_value *a = &st[sp - 2], *b = top;

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
}
