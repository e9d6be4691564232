/*
 * func.c - the function table and the functions, with Excel's semantics.
 *
 * A function gets its arguments as evaluated (a reference stays a
 * reference, an omitted argument is SHEET_MISSING) and fills out; adding a
 * function is one entry in the table at the end. Aggregates visit only the
 * cells that exist, so SUM(A:A) costs what the column holds. In ranges,
 * aggregates take numbers and skip text and booleans; typed directly as
 * arguments, text that reads as a number and booleans count, other text is
 * #VALUE!. Errors propagate.
 *
 * Text functions count Unicode code points (LEN("中文") is 2). Excel counts
 * UTF-16 code units, which agrees except for characters outside the Basic
 * Multilingual Plane (emoji, rare CJK), which Excel counts as 2.
 */
#include <ctype.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "modules/sheets/engine.h"

#define FN(name)                                                                                   \
	static void fn_##name(const struct sheet_evalctx *cx, struct sheet_value *args, int argc,  \
			      struct sheet_value *out)

static void ret_err(struct sheet_value *out, int err)
{
	free(out->str);
	memset(out, 0, sizeof(*out));
	out->type = SHEET_ERROR;
	out->err = (enum sheet_err)err;
}

static void ret_num(struct sheet_value *out, double d)
{
	free(out->str);
	memset(out, 0, sizeof(*out));
	if (!isfinite(d)) {
		out->type = SHEET_ERROR;
		out->err = SHEET_ERR_NUM;
		return;
	}
	out->type = SHEET_NUM;
	out->num = d == 0 ? 0 : d;
}

static void ret_bool(struct sheet_value *out, int b)
{
	free(out->str);
	memset(out, 0, sizeof(*out));
	out->type = SHEET_BOOL;
	out->num = b != 0;
}

/* Takes ownership of s. */
static void ret_text(struct sheet_value *out, char *s)
{
	free(out->str);
	memset(out, 0, sizeof(*out));
	if (strlen(s) > (size_t)SHEET_MAX_TEXT * 4) {
		free(s);
		out->type = SHEET_ERROR;
		out->err = SHEET_ERR_VALUE;
		return;
	}
	out->type = SHEET_TEXT;
	out->str = s;
}

/* A single value of an argument (owned copy). */
static void arg_value(const struct sheet_evalctx *cx, const struct sheet_value *a,
		      struct sheet_value *v)
{
	sheet_value_copy(v, a);
	sheet_deref(cx, v);
}

/* Returns non-zero (and sets out) when the argument is not a number. */
static int arg_num(const struct sheet_evalctx *cx, const struct sheet_value *a, double *d,
		   struct sheet_value *out)
{
	struct sheet_value v;
	int er;

	arg_value(cx, a, &v);
	er = sheet_to_num(&v, d);
	sheet_value_free(&v);
	if (er != 0) {
		ret_err(out, er);
		return 1;
	}
	return 0;
}

static int arg_bool(const struct sheet_evalctx *cx, const struct sheet_value *a, int *b,
		    struct sheet_value *out)
{
	struct sheet_value v;
	int er;

	arg_value(cx, a, &v);
	er = sheet_to_bool(&v, b);
	sheet_value_free(&v);
	if (er != 0) {
		ret_err(out, er);
		return 1;
	}
	return 0;
}

/* Text of an argument as an owned string, or NULL and out set. */
static char *arg_text(const struct sheet_evalctx *cx, const struct sheet_value *a,
		      struct sheet_value *out)
{
	struct sheet_value v;
	const char *s;
	char *tmp, *r;
	int er;

	arg_value(cx, a, &v);
	er = sheet_to_text(&v, &s, &tmp);
	if (er != 0) {
		sheet_value_free(&v);
		ret_err(out, er);
		return NULL;
	}
	r = tmp != NULL ? tmp : xstrdup(s);
	sheet_value_free(&v);
	return r;
}

/* ---- aggregates ---------------------------------------------------------- */

enum { AGG_SUM, AGG_PRODUCT, AGG_MIN, AGG_MAX, AGG_COUNT, AGG_COUNTA, AGG_AVERAGE };

struct agg {
	int kind;
	double sum, prod, min, max;
	double n;
	int err;
};

static void agg_add(struct agg *g, double d)
{
	g->sum += d;
	g->prod *= d;
	if (g->n == 0 || d < g->min)
		g->min = d;
	if (g->n == 0 || d > g->max)
		g->max = d;
	g->n++;
}

static int agg_cell(const struct sheet_value *v, uint32_t row, uint32_t col, void *arg)
{
	struct agg *g = arg;

	if (g->kind == AGG_COUNTA) {
		g->n++;
		return 0;
	}
	if (v->type == SHEET_ERROR) {
		if (g->kind == AGG_COUNT)
			return 0;
		g->err = v->err;
		return 1;
	}
	if (v->type == SHEET_NUM)
		agg_add(g, v->num);
	return 0;
}

static void aggregate(const struct sheet_evalctx *cx, struct sheet_value *args, int argc, int kind,
		      struct sheet_value *out)
{
	struct agg g = {.kind = kind, .prod = 1};

	for (int i = 0; i < argc && g.err == 0; i++) {
		struct sheet_value *a = &args[i];
		double d;

		if (a->type == SHEET_REF) {
			sheet_range_each(cx->wb, &a->ref, agg_cell, &g);
			continue;
		}
		if (kind == AGG_COUNTA) {
			g.n++;
			continue;
		}
		if (a->type == SHEET_MISSING) { /* an omitted argument is 0 */
			agg_add(&g, 0);
			continue;
		}
		int er = sheet_to_num(a, &d);

		if (er == 0)
			agg_add(&g, d);
		else if (kind != AGG_COUNT)
			g.err = er;
	}
	if (g.err != 0) {
		ret_err(out, g.err);
		return;
	}
	switch (kind) {
	case AGG_SUM:
		ret_num(out, g.sum);
		break;
	case AGG_PRODUCT:
		ret_num(out, g.n > 0 ? g.prod : 0);
		break;
	case AGG_MIN:
		ret_num(out, g.n > 0 ? g.min : 0);
		break;
	case AGG_MAX:
		ret_num(out, g.n > 0 ? g.max : 0);
		break;
	case AGG_AVERAGE:
		if (g.n == 0)
			ret_err(out, SHEET_ERR_DIV0);
		else
			ret_num(out, g.sum / g.n);
		break;
	default:
		ret_num(out, g.n);
	}
}

FN(sum)
{
	aggregate(cx, args, argc, AGG_SUM, out);
}
FN(product)
{
	aggregate(cx, args, argc, AGG_PRODUCT, out);
}
FN(min)
{
	aggregate(cx, args, argc, AGG_MIN, out);
}
FN(max)
{
	aggregate(cx, args, argc, AGG_MAX, out);
}
FN(count)
{
	aggregate(cx, args, argc, AGG_COUNT, out);
}
FN(counta)
{
	aggregate(cx, args, argc, AGG_COUNTA, out);
}
FN(average)
{
	aggregate(cx, args, argc, AGG_AVERAGE, out);
}

static double ref_cells(const struct sheet_ref *r)
{
	return (double)(r->r2 - r->r1 + 1) * (double)(r->c2 - r->c1 + 1);
}

static int count_nonblank(const struct sheet_value *v, uint32_t row, uint32_t col, void *arg)
{
	if (!(v->type == SHEET_TEXT && v->str[0] == '\0'))
		(*(double *)arg)++;
	return 0;
}

FN(countblank)
{
	double n = 0;

	if (args[0].type != SHEET_REF) {
		ret_err(out, SHEET_ERR_VALUE);
		return;
	}
	sheet_range_each(cx->wb, &args[0].ref, count_nonblank, &n);
	ret_num(out, ref_cells(&args[0].ref) - n);
}

/* ---- math ----------------------------------------------------------------- */

/* x rounded to the 15 significant digits Excel works with. */
static double digits15(double x)
{
	char buf[40];

	snprintf(buf, sizeof(buf), "%.15g", x);
	return strtod(buf, NULL);
}

static void round_fn(const struct sheet_evalctx *cx, struct sheet_value *args, int mode,
		     struct sheet_value *out)
{
	double x, n, p, v, r;

	if (arg_num(cx, &args[0], &x, out) || arg_num(cx, &args[1], &n, out))
		return;
	n = trunc(n);
	if (n > 15 || n < -15) {
		ret_num(out, n > 0 ? x : 0);
		return;
	}
	p = pow(10, fabs(n));
	v = digits15(n >= 0 ? x * p : x / p);
	if (mode == 0)
		r = round(v + copysign(fabs(v) * 4 * DBL_EPSILON, v));
	else if (mode > 0)
		r = v < 0 ? floor(v) : ceil(v);
	else
		r = trunc(v);
	ret_num(out, n >= 0 ? r / p : r * p);
}

FN(round)
{
	round_fn(cx, args, 0, out);
}
FN(roundup)
{
	round_fn(cx, args, 1, out);
}
FN(rounddown)
{
	round_fn(cx, args, -1, out);
}

#define MATH1(name, expr)                                                                          \
	FN(name)                                                                                   \
	{                                                                                          \
		double x;                                                                          \
		if (arg_num(cx, &args[0], &x, out))                                                \
			return;                                                                    \
		ret_num(out, (expr));                                                              \
	}

MATH1(int, floor(x))
MATH1(abs, fabs(x))
MATH1(sqrt, x < 0 ? NAN : sqrt(x))
MATH1(sign, (double)((x > 0) - (x < 0)))
MATH1(exp, exp(x))
MATH1(ln, x <= 0 ? NAN : log(x))
MATH1(log10, x <= 0 ? NAN : log10(x))
MATH1(sin, sin(x))
MATH1(cos, cos(x))
MATH1(tan, tan(x))
MATH1(radians, x *M_PI / 180)
MATH1(degrees, x * 180 / M_PI)

FN(trunc)
{
	double x, n = 0, p;

	if (arg_num(cx, &args[0], &x, out) || (argc > 1 && arg_num(cx, &args[1], &n, out)))
		return;
	p = pow(10, trunc(n));
	ret_num(out, trunc(digits15(x * p)) / p);
}

FN(pi)
{
	ret_num(out, M_PI);
}

FN(mod)
{
	double n, d;

	if (arg_num(cx, &args[0], &n, out) || arg_num(cx, &args[1], &d, out))
		return;
	if (d == 0) {
		ret_err(out, SHEET_ERR_DIV0);
		return;
	}
	ret_num(out, n - d * floor(n / d));
}

FN(power)
{
	double x, y;

	if (arg_num(cx, &args[0], &x, out) || arg_num(cx, &args[1], &y, out))
		return;
	if (x == 0 && y == 0)
		ret_err(out, SHEET_ERR_NUM);
	else if (x == 0 && y < 0)
		ret_err(out, SHEET_ERR_DIV0);
	else
		ret_num(out, sheet_pow(x, y));
}

/* ---- logic and information ------------------------------------------------ */

static void ret_arg(const struct sheet_evalctx *cx, struct sheet_value *a, struct sheet_value *out)
{
	if (a->type == SHEET_MISSING) {
		ret_num(out, 0);
		return;
	}
	free(out->str);
	*out = *a; /* take it: the caller frees args' strings */
	a->str = NULL;
}

FN(if)
{
	int b;

	if (arg_bool(cx, &args[0], &b, out))
		return;
	if (b)
		ret_arg(cx,
			argc > 1 ? &args[1] : &(struct sheet_value){.type = SHEET_BOOL, .num = 1},
			out);
	else if (argc > 2)
		ret_arg(cx, &args[2], out);
	else
		ret_bool(out, 0);
}

FN(iferror)
{
	struct sheet_value v;

	arg_value(cx, &args[0], &v);
	if (v.type == SHEET_ERROR) {
		sheet_value_free(&v);
		ret_arg(cx, &args[1], out);
		return;
	}
	free(out->str);
	*out = v;
}

FN(ifna)
{
	struct sheet_value v;

	arg_value(cx, &args[0], &v);
	if (v.type == SHEET_ERROR && v.err == SHEET_ERR_NA) {
		ret_arg(cx, &args[1], out);
		return;
	}
	free(out->str);
	*out = v;
}

struct logic {
	int kind; /* 0 and, 1 or, 2 xor */
	int n, acc, err;
};

static void logic_add(struct logic *l, int b)
{
	if (l->n == 0)
		l->acc = l->kind == 0 ? 1 : 0;
	if (l->kind == 0)
		l->acc = l->acc && b;
	else if (l->kind == 1)
		l->acc = l->acc || b;
	else
		l->acc ^= b != 0;
	l->n++;
}

static int logic_cell(const struct sheet_value *v, uint32_t row, uint32_t col, void *arg)
{
	struct logic *l = arg;

	if (v->type == SHEET_ERROR) {
		l->err = v->err;
		return 1;
	}
	if (v->type == SHEET_NUM || v->type == SHEET_BOOL)
		logic_add(l, v->num != 0);
	return 0;
}

static void logic(const struct sheet_evalctx *cx, struct sheet_value *args, int argc, int kind,
		  struct sheet_value *out)
{
	struct logic l = {.kind = kind};

	for (int i = 0; i < argc && l.err == 0; i++) {
		int b;

		if (args[i].type == SHEET_REF) {
			sheet_range_each(cx->wb, &args[i].ref, logic_cell, &l);
			continue;
		}
		if (args[i].type == SHEET_MISSING) {
			logic_add(&l, 0);
			continue;
		}
		l.err = sheet_to_bool(&args[i], &b);
		if (l.err == 0)
			logic_add(&l, b);
	}
	if (l.err != 0)
		ret_err(out, l.err);
	else if (l.n == 0)
		ret_err(out, SHEET_ERR_VALUE);
	else
		ret_bool(out, l.acc);
}

FN(and)
{
	logic(cx, args, argc, 0, out);
}
FN(or)
{
	logic(cx, args, argc, 1, out);
}
FN(xor)
{
	logic(cx, args, argc, 2, out);
}

FN(not )
{
	int b;

	if (arg_bool(cx, &args[0], &b, out))
		return;
	ret_bool(out, !b);
}

FN(true)
{
	ret_bool(out, 1);
}
FN(false)
{
	ret_bool(out, 0);
}
FN(na)
{
	ret_err(out, SHEET_ERR_NA);
}

#define IS(name, cond)                                                                             \
	FN(name)                                                                                   \
	{                                                                                          \
		struct sheet_value v;                                                              \
		arg_value(cx, &args[0], &v);                                                       \
		int r = (cond);                                                                    \
		sheet_value_free(&v);                                                              \
		ret_bool(out, r);                                                                  \
	}

IS(isblank, v.type == SHEET_EMPTY)
IS(isnumber, v.type == SHEET_NUM)
IS(istext, v.type == SHEET_TEXT)
IS(islogical, v.type == SHEET_BOOL)
IS(iserror, v.type == SHEET_ERROR)
IS(iserr, v.type == SHEET_ERROR && v.err != SHEET_ERR_NA)
IS(isna, v.type == SHEET_ERROR && v.err == SHEET_ERR_NA)

/* ---- text ----------------------------------------------------------------- */

/* Byte length of the first n code points of s (invalid bytes count one). */
static size_t cp_bytes(const char *s, size_t len, double n)
{
	size_t i = 0;
	unsigned cp;

	while (i < len && n >= 1) {
		size_t k = utf8_decode(s + i, len - i, &cp);

		i += k ? k : 1;
		n--;
	}
	return i;
}

static size_t cp_count(const char *s, size_t len)
{
	size_t i = 0, n = 0;
	unsigned cp;

	while (i < len) {
		size_t k = utf8_decode(s + i, len - i, &cp);

		i += k ? k : 1;
		n++;
	}
	return n;
}

FN(len)
{
	char *s = arg_text(cx, &args[0], out);

	if (s == NULL)
		return;
	ret_num(out, (double)cp_count(s, strlen(s)));
	free(s);
}

static void cut(const struct sheet_evalctx *cx, struct sheet_value *args, int argc, int which,
		struct sheet_value *out)
{
	double n = 1, start = 1;
	size_t len, a, b;
	char *s;

	if (which == 2) {
		if (arg_num(cx, &args[1], &start, out) || arg_num(cx, &args[2], &n, out))
			return;
		if (start < 1 || n < 0) {
			ret_err(out, SHEET_ERR_VALUE);
			return;
		}
	} else if (argc > 1 && args[1].type != SHEET_MISSING) {
		if (arg_num(cx, &args[1], &n, out))
			return;
		if (n < 0) {
			ret_err(out, SHEET_ERR_VALUE);
			return;
		}
	}
	if ((s = arg_text(cx, &args[0], out)) == NULL)
		return;
	len = strlen(s);
	if (which == 0) { /* LEFT */
		a = 0;
		b = cp_bytes(s, len, n);
	} else if (which == 1) { /* RIGHT */
		size_t total = cp_count(s, len);

		a = n >= (double)total ? 0 : cp_bytes(s, len, (double)total - n);
		b = len;
	} else { /* MID */
		a = cp_bytes(s, len, start - 1);
		b = a + cp_bytes(s + a, len - a, n);
	}
	ret_text(out, xstrndup(s + a, b - a));
	free(s);
}

FN(left)
{
	cut(cx, args, argc, 0, out);
}
FN(right)
{
	cut(cx, args, argc, 1, out);
}
FN(mid)
{
	cut(cx, args, argc, 2, out);
}

/* Simple case mapping: ASCII, Latin-1, Greek and Cyrillic. */
static unsigned case_map(unsigned c, int upper)
{
	if (upper) {
		if ((c >= 'a' && c <= 'z') || (c >= 0xe0 && c <= 0xfe && c != 0xf7) ||
		    (c >= 0x3b1 && c <= 0x3c9 && c != 0x3c2) || (c >= 0x430 && c <= 0x44f))
			return c - 0x20;
		if (c >= 0x450 && c <= 0x45f)
			return c - 0x50;
	} else {
		if ((c >= 'A' && c <= 'Z') || (c >= 0xc0 && c <= 0xde && c != 0xd7) ||
		    (c >= 0x391 && c <= 0x3a9 && c != 0x3a2) || (c >= 0x410 && c <= 0x42f))
			return c + 0x20;
		if (c >= 0x400 && c <= 0x40f)
			return c + 0x50;
	}
	return c;
}

static void change_case(const struct sheet_evalctx *cx, struct sheet_value *args, int upper,
			struct sheet_value *out)
{
	char *s = arg_text(cx, &args[0], out);
	struct buf b;
	size_t i = 0, len;

	if (s == NULL)
		return;
	len = strlen(s);
	buf_init(&b);
	while (i < len) {
		unsigned cp;
		char enc[4];
		size_t k = utf8_decode(s + i, len - i, &cp);

		if (k == 0) {
			buf_addc(&b, s[i++]);
			continue;
		}
		buf_add(&b, enc, utf8_encode(case_map(cp, upper), enc));
		i += k;
	}
	free(s);
	ret_text(out, b.len ? buf_detach(&b) : xstrdup(""));
	buf_free(&b);
}

FN(upper)
{
	change_case(cx, args, 1, out);
}
FN(lower)
{
	change_case(cx, args, 0, out);
}

FN(trim)
{
	char *s = arg_text(cx, &args[0], out), *d;
	const char *p;

	if (s == NULL)
		return;
	d = s;
	for (p = s; *p == ' '; p++)
		;
	while (*p) {
		if (*p == ' ') {
			while (*p == ' ')
				p++;
			if (*p)
				*d++ = ' ';
			continue;
		}
		*d++ = *p++;
	}
	*d = '\0';
	ret_text(out, s);
}

struct cat {
	struct buf b;
	int err;
};

static int cat_cell(const struct sheet_value *v, uint32_t row, uint32_t col, void *arg)
{
	struct cat *c = arg;
	const char *s;
	char *tmp;

	c->err = sheet_to_text(v, &s, &tmp);
	if (c->err != 0)
		return 1;
	buf_adds(&c->b, s);
	free(tmp);
	if (c->b.len > (size_t)SHEET_MAX_TEXT * 4) {
		c->err = SHEET_ERR_VALUE;
		return 1;
	}
	return 0;
}

static void concat_fn(const struct sheet_evalctx *cx, struct sheet_value *args, int argc,
		      int ranges, struct sheet_value *out)
{
	struct cat c = {.err = 0};

	buf_init(&c.b);
	for (int i = 0; i < argc && c.err == 0; i++) {
		struct sheet_value v;

		if (ranges && args[i].type == SHEET_REF) {
			sheet_range_each(cx->wb, &args[i].ref, cat_cell, &c);
			continue;
		}
		arg_value(cx, &args[i], &v);
		cat_cell(&v, 0, 0, &c);
		sheet_value_free(&v);
	}
	if (c.err != 0)
		ret_err(out, c.err);
	else
		ret_text(out, c.b.len ? buf_detach(&c.b) : xstrdup(""));
	buf_free(&c.b);
}

FN(concatenate)
{
	concat_fn(cx, args, argc, 0, out);
}
FN(concat)
{
	concat_fn(cx, args, argc, 1, out);
}

FN(exact)
{
	char *a = arg_text(cx, &args[0], out), *b;

	if (a == NULL)
		return;
	if ((b = arg_text(cx, &args[1], out)) == NULL) {
		free(a);
		return;
	}
	ret_bool(out, strcmp(a, b) == 0);
	free(a);
	free(b);
}

FN(rept)
{
	double n;
	char *s;
	size_t len;

	if (arg_num(cx, &args[1], &n, out) || (s = arg_text(cx, &args[0], out)) == NULL)
		return;
	len = strlen(s);
	if (n < 0 || (double)len * n > (double)SHEET_MAX_TEXT * 4) {
		free(s);
		ret_err(out, SHEET_ERR_VALUE);
		return;
	}
	char *r = xmalloc(len * (size_t)n + 1);

	for (size_t i = 0; i < (size_t)n; i++)
		memcpy(r + i * len, s, len);
	r[len * (size_t)n] = '\0';
	free(s);
	ret_text(out, r);
}

/* ---- criteria (SUMIF, COUNTIF, AVERAGEIF) ----------------------------------- */

struct crit {
	int op;		      /* OP_EQ .. OP_GE */
	struct sheet_value v; /* NUM, BOOL, TEXT or ERROR */
	int blank;	      /* an empty cell matches */
};

static int lower_ascii(int c)
{
	return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

/* Excel wildcards: * any run, ? one character, ~ escapes. Case-insensitive. */
static int wild_match(const char *p, const char *s)
{
	const char *star = NULL, *back = NULL;
	unsigned cp;

	while (*s) {
		if (*p == '*') {
			star = ++p;
			back = s;
			continue;
		}
		if (*p == '?') {
			size_t k = utf8_decode(s, strlen(s), &cp);

			s += k ? k : 1;
			p++;
			continue;
		}
		const char *q = p;

		if (*q == '~' && (q[1] == '*' || q[1] == '?' || q[1] == '~'))
			q++;
		if (*q && lower_ascii((unsigned char)*q) == lower_ascii((unsigned char)*s)) {
			p = q + 1;
			s++;
			continue;
		}
		if (star == NULL)
			return 0;
		p = star;
		back++;
		s = back;
	}
	while (*p == '*')
		p++;
	return *p == '\0';
}

static void crit_parse(const struct sheet_evalctx *cx, const struct sheet_value *a, struct crit *c)
{
	struct sheet_value v;
	const char *s;
	double d;

	memset(c, 0, sizeof(*c));
	c->op = OP_EQ;
	arg_value(cx, a, &v);
	if (v.type != SHEET_TEXT) {
		c->v = v;
		if (v.type == SHEET_EMPTY) {
			c->v.type = SHEET_NUM; /* an empty criterion matches 0 */
			c->v.num = 0;
		}
		return;
	}
	s = v.str;
	if (strncmp(s, "<=", 2) == 0)
		c->op = OP_LE, s += 2;
	else if (strncmp(s, ">=", 2) == 0)
		c->op = OP_GE, s += 2;
	else if (strncmp(s, "<>", 2) == 0)
		c->op = OP_NE, s += 2;
	else if (*s == '<')
		c->op = OP_LT, s++;
	else if (*s == '>')
		c->op = OP_GT, s++;
	else if (*s == '=')
		c->op = OP_EQ, s++;
	size_t used;
	enum sheet_err er = sheet_err_parse(s, strlen(s), &used);

	if (*s != '\0' && sheet_text_num(s, &d) == 0) {
		c->v.type = SHEET_NUM;
		c->v.num = d;
	} else if (strcasecmp(s, "TRUE") == 0 || strcasecmp(s, "FALSE") == 0) {
		c->v.type = SHEET_BOOL;
		c->v.num = toupper((unsigned char)*s) == 'T';
	} else if (er != SHEET_ERR_NONE && s[used] == '\0') {
		c->v.type = SHEET_ERROR;
		c->v.err = er;
	} else {
		c->v.type = SHEET_TEXT;
		c->v.str = xstrdup(s);
	}
	c->blank = (c->op == OP_EQ && c->v.type == SHEET_TEXT && c->v.str[0] == '\0') ||
		   (c->op == OP_NE && !(c->v.type == SHEET_TEXT && c->v.str[0] == '\0'));
	sheet_value_free(&v);
}

static int crit_match(const struct crit *c, const struct sheet_value *v)
{
	int same, r;

	if (v->type == SHEET_EMPTY)
		return c->blank;
	if (c->v.type == SHEET_ERROR)
		return (v->type == SHEET_ERROR && v->err == c->v.err) == (c->op == OP_EQ);
	if (v->type == SHEET_ERROR)
		return c->op == OP_NE;
	same = v->type == c->v.type;
	if (c->op == OP_EQ || c->op == OP_NE) {
		if (!same)
			r = 0;
		else if (v->type == SHEET_TEXT)
			r = wild_match(c->v.str, v->str);
		else
			r = v->num == c->v.num;
		return c->op == OP_EQ ? r : !r;
	}
	if (!same)
		return 0;
	int k = sheet_compare(v, &c->v);

	switch (c->op) {
	case OP_LT:
		return k < 0;
	case OP_GT:
		return k > 0;
	case OP_LE:
		return k <= 0;
	default:
		return k >= 0;
	}
}

struct ifs {
	const struct sheet_evalctx *cx;
	struct crit c;
	const struct sheet_ref *crange, *srange;
	double n, sum;
	int via_sum; /* iterating the sum range */
};

static int ifs_cell(const struct sheet_value *v, uint32_t row, uint32_t col, void *arg)
{
	struct ifs *f = arg;
	struct sheet_value cv, sv;

	if (f->via_sum) {
		sheet_get(f->cx->wb, f->crange->sheet, row - f->srange->r1 + f->crange->r1,
			  col - f->srange->c1 + f->crange->c1, &cv);
		if (crit_match(&f->c, &cv) && v->type == SHEET_NUM) {
			f->sum += v->num;
			f->n++;
		}
		return 0;
	}
	if (!crit_match(&f->c, v))
		return 0;
	if (f->srange == NULL) {
		f->n++;
		return 0;
	}
	uint32_t r = row - f->crange->r1 + f->srange->r1, c = col - f->crange->c1 + f->srange->c1;

	if (r >= SHEET_MAX_ROWS || c >= SHEET_MAX_COLS)
		return 0;
	sheet_get(f->cx->wb, f->srange->sheet, r, c, &sv);
	if (sv.type == SHEET_NUM) {
		f->sum += sv.num;
		f->n++;
	}
	return 0;
}

/* kind 0 COUNTIF, 1 SUMIF, 2 AVERAGEIF */
static void ifs_fn(const struct sheet_evalctx *cx, struct sheet_value *args, int argc, int kind,
		   struct sheet_value *out)
{
	struct ifs f = {.cx = cx};
	struct sheet_ref sr;

	if (args[0].type != SHEET_REF) {
		ret_err(out, SHEET_ERR_VALUE);
		return;
	}
	crit_parse(cx, &args[1], &f.c);
	f.crange = &args[0].ref;
	if (kind > 0) {
		sr = argc > 2 && args[2].type == SHEET_REF ? args[2].ref : args[0].ref;
		if (argc > 2 && args[2].type != SHEET_REF && args[2].type != SHEET_MISSING) {
			sheet_value_free(&f.c.v);
			ret_err(out, SHEET_ERR_VALUE);
			return;
		}
		/* the sum range takes the shape of the criteria range */
		sr.r2 = sr.r1 + (f.crange->r2 - f.crange->r1);
		sr.c2 = sr.c1 + (f.crange->c2 - f.crange->c1);
		if (sr.r2 >= SHEET_MAX_ROWS)
			sr.r2 = SHEET_MAX_ROWS - 1;
		if (sr.c2 >= SHEET_MAX_COLS)
			sr.c2 = SHEET_MAX_COLS - 1;
		f.srange = &sr;
		f.via_sum = f.c.blank;
	}
	if (f.via_sum) {
		sheet_range_each(cx->wb, f.srange, ifs_cell, &f);
	} else {
		sheet_range_each(cx->wb, f.crange, ifs_cell, &f);
		if (kind == 0 && f.c.blank) {
			double nonblank = 0;

			sheet_range_each(cx->wb, f.crange, count_nonblank, &nonblank);
			f.n += ref_cells(f.crange) - nonblank;
		}
	}
	sheet_value_free(&f.c.v);
	if (kind == 0)
		ret_num(out, f.n);
	else if (kind == 1)
		ret_num(out, f.sum);
	else if (f.n == 0)
		ret_err(out, SHEET_ERR_DIV0);
	else
		ret_num(out, f.sum / f.n);
}

FN(countif)
{
	ifs_fn(cx, args, argc, 0, out);
}
FN(sumif)
{
	ifs_fn(cx, args, argc, 1, out);
}
FN(averageif)
{
	ifs_fn(cx, args, argc, 2, out);
}

/* ---- lookup ----------------------------------------------------------------- */

/* The last row or column worth looking at in r (the sheet's extent). */
static uint32_t last_row(const struct sheet_evalctx *cx, const struct sheet_ref *r)
{
	uint32_t rows, cols;

	sheet_extent(cx->wb, r->sheet, &rows, &cols);
	return rows == 0 ? r->r1 : (r->r2 < rows ? r->r2 : (rows - 1 > r->r1 ? rows - 1 : r->r1));
}

static uint32_t last_col(const struct sheet_evalctx *cx, const struct sheet_ref *r)
{
	uint32_t rows, cols;

	sheet_extent(cx->wb, r->sheet, &rows, &cols);
	return cols == 0 ? r->c1 : (r->c2 < cols ? r->c2 : (cols - 1 > r->c1 ? cols - 1 : r->c1));
}

static int lookup_eq(const struct sheet_value *key, const struct sheet_value *v)
{
	if (key->type == SHEET_TEXT && v->type == SHEET_TEXT)
		return wild_match(key->str, v->str);
	if (key->type != v->type || key->type == SHEET_ERROR)
		return 0;
	return key->num == v->num;
}

/*
 * Find key along a line of cells (vertical: rows of column col; else
 * columns of row row). mode 0 exact, 1 largest <= key (ascending data),
 * -1 smallest >= key (descending data), by binary search as Excel does.
 * Returns the offset from the start, or -1.
 */
static long find_in_line(const struct sheet_evalctx *cx, int sheet, int vertical, uint32_t fixed,
			 uint32_t first, uint32_t last, const struct sheet_value *key, int mode)
{
	struct sheet_value v;
	long lo = 0, hi = (long)last - (long)first, ans = -1;

	if (mode == 0) {
		for (long i = 0; i <= hi; i++) {
			if (vertical)
				sheet_get(cx->wb, sheet, first + (uint32_t)i, fixed, &v);
			else
				sheet_get(cx->wb, sheet, fixed, first + (uint32_t)i, &v);
			if (lookup_eq(key, &v))
				return i;
		}
		return -1;
	}
	while (lo <= hi) {
		long mid = lo + (hi - lo) / 2;
		int c;

		if (vertical)
			sheet_get(cx->wb, sheet, first + (uint32_t)mid, fixed, &v);
		else
			sheet_get(cx->wb, sheet, fixed, first + (uint32_t)mid, &v);
		if (v.type == SHEET_EMPTY || v.type == SHEET_ERROR)
			c = -1;
		else
			c = sheet_compare(&v, key);
		if (mode > 0 ? c <= 0 : c >= 0) {
			if (v.type == key->type)
				ans = mid;
			lo = mid + 1;
		} else {
			hi = mid - 1;
		}
	}
	return ans;
}

FN(vlookup)
{
	struct sheet_value key;
	double ci;
	int approx = 1;
	const struct sheet_ref *t = &args[1].ref;
	long at;

	if (args[1].type != SHEET_REF) {
		ret_err(out, SHEET_ERR_VALUE);
		return;
	}
	if (arg_num(cx, &args[2], &ci, out))
		return;
	if (argc > 3 && args[3].type != SHEET_MISSING && arg_bool(cx, &args[3], &approx, out))
		return;
	if (ci < 1) {
		ret_err(out, SHEET_ERR_VALUE);
		return;
	}
	if (ci > (double)(t->c2 - t->c1 + 1)) {
		ret_err(out, SHEET_ERR_REF);
		return;
	}
	arg_value(cx, &args[0], &key);
	if (key.type == SHEET_ERROR) {
		ret_err(out, key.err);
		return;
	}
	if (key.type == SHEET_EMPTY)
		key.type = SHEET_NUM, key.num = 0;
	at = find_in_line(cx, t->sheet, 1, t->c1, t->r1, last_row(cx, t), &key, approx ? 1 : 0);
	sheet_value_free(&key);
	if (at < 0) {
		ret_err(out, SHEET_ERR_NA);
		return;
	}
	free(out->str);
	memset(out, 0, sizeof(*out));
	out->type = SHEET_REF;
	out->ref = *t;
	out->ref.r1 = out->ref.r2 = t->r1 + (uint32_t)at;
	out->ref.c1 = out->ref.c2 = t->c1 + (uint32_t)ci - 1;
	out->ref.flags = 0;
}

FN(match)
{
	struct sheet_value key;
	double type = 1;
	const struct sheet_ref *t = &args[1].ref;
	long at;
	int vertical;

	if (args[1].type != SHEET_REF) {
		ret_err(out, SHEET_ERR_NA);
		return;
	}
	if (argc > 2 && args[2].type != SHEET_MISSING && arg_num(cx, &args[2], &type, out))
		return;
	if (t->r1 != t->r2 && t->c1 != t->c2) {
		ret_err(out, SHEET_ERR_NA);
		return;
	}
	vertical = t->c1 == t->c2 && !(t->r1 == t->r2 && t->c1 == t->c2 && 0);
	arg_value(cx, &args[0], &key);
	if (key.type == SHEET_ERROR) {
		ret_err(out, key.err);
		return;
	}
	if (key.type == SHEET_EMPTY)
		key.type = SHEET_NUM, key.num = 0;
	if (vertical)
		at = find_in_line(cx, t->sheet, 1, t->c1, t->r1, last_row(cx, t), &key,
				  type > 0   ? 1
				  : type < 0 ? -1
					     : 0);
	else
		at = find_in_line(cx, t->sheet, 0, t->r1, t->c1, last_col(cx, t), &key,
				  type > 0   ? 1
				  : type < 0 ? -1
					     : 0);
	sheet_value_free(&key);
	if (at < 0)
		ret_err(out, SHEET_ERR_NA);
	else
		ret_num(out, (double)at + 1);
}

FN(index)
{
	double r = 0, c = 0;
	const struct sheet_ref *t = &args[0].ref;
	uint32_t h, w;

	if (args[0].type != SHEET_REF) {
		ret_err(out, SHEET_ERR_VALUE);
		return;
	}
	if (argc > 1 && args[1].type != SHEET_MISSING && arg_num(cx, &args[1], &r, out))
		return;
	if (argc > 2 && args[2].type != SHEET_MISSING && arg_num(cx, &args[2], &c, out))
		return;
	h = t->r2 - t->r1 + 1;
	w = t->c2 - t->c1 + 1;
	if (h == 1 && argc == 2) { /* INDEX(A1:E1, 3): a column of a row */
		c = r;
		r = 1;
	}
	if (r < 0 || c < 0 || r > h || c > w) {
		ret_err(out, SHEET_ERR_REF);
		return;
	}
	free(out->str);
	memset(out, 0, sizeof(*out));
	out->type = SHEET_REF;
	out->ref = *t;
	if (r >= 1)
		out->ref.r1 = out->ref.r2 = t->r1 + (uint32_t)r - 1;
	if (c >= 1)
		out->ref.c1 = out->ref.c2 = t->c1 + (uint32_t)c - 1;
	else if (w == 1)
		out->ref.c1 = out->ref.c2 = t->c1;
}

FN(rows)
{
	if (args[0].type != SHEET_REF)
		ret_num(out, 1);
	else
		ret_num(out, args[0].ref.r2 - args[0].ref.r1 + 1);
}

FN(columns)
{
	if (args[0].type != SHEET_REF)
		ret_num(out, 1);
	else
		ret_num(out, args[0].ref.c2 - args[0].ref.c1 + 1);
}

FN(row)
{
	ret_num(out, argc > 0 && args[0].type == SHEET_REF ? args[0].ref.r1 + 1 : cx->row + 1);
}

FN(column)
{
	ret_num(out, argc > 0 && args[0].type == SHEET_REF ? args[0].ref.c1 + 1 : cx->col + 1);
}

FN(choose)
{
	double i;

	if (arg_num(cx, &args[0], &i, out))
		return;
	i = trunc(i);
	if (i < 1 || i >= argc) {
		ret_err(out, SHEET_ERR_VALUE);
		return;
	}
	ret_arg(cx, &args[(int)i], out);
}

/* ---- the table ------------------------------------------------------------ */

#define F(n, lo, hi, f)                                                                            \
	{                                                                                          \
		n, lo, hi, 0, fn_##f                                                               \
	}

static const struct sheet_func funcs[] = {
    F("ABS", 1, 1, abs),
    F("AND", 1, 255, and),
    F("AVERAGE", 1, 255, average),
    F("AVERAGEIF", 2, 3, averageif),
    F("CHOOSE", 2, 255, choose),
    F("COLUMN", 0, 1, column),
    F("COLUMNS", 1, 1, columns),
    F("CONCAT", 1, 255, concat),
    F("CONCATENATE", 1, 255, concatenate),
    F("COS", 1, 1, cos),
    F("COUNT", 1, 255, count),
    F("COUNTA", 1, 255, counta),
    F("COUNTBLANK", 1, 1, countblank),
    F("COUNTIF", 2, 2, countif),
    F("DEGREES", 1, 1, degrees),
    F("EXACT", 2, 2, exact),
    F("EXP", 1, 1, exp),
    F("FALSE", 0, 0, false),
    F("IF", 1, 3, if),
    F("IFERROR", 2, 2, iferror),
    F("IFNA", 2, 2, ifna),
    F("INDEX", 2, 3, index),
    F("INT", 1, 1, int),
    F("ISBLANK", 1, 1, isblank),
    F("ISERR", 1, 1, iserr),
    F("ISERROR", 1, 1, iserror),
    F("ISLOGICAL", 1, 1, islogical),
    F("ISNA", 1, 1, isna),
    F("ISNUMBER", 1, 1, isnumber),
    F("ISTEXT", 1, 1, istext),
    F("LEFT", 1, 2, left),
    F("LEN", 1, 1, len),
    F("LN", 1, 1, ln),
    F("LOG10", 1, 1, log10),
    F("LOWER", 1, 1, lower),
    F("MATCH", 2, 3, match),
    F("MAX", 1, 255, max),
    F("MID", 3, 3, mid),
    F("MIN", 1, 255, min),
    F("MOD", 2, 2, mod),
    F("NA", 0, 0, na),
    F("NOT", 1, 1, not ),
    F("OR", 1, 255, or),
    F("PI", 0, 0, pi),
    F("POWER", 2, 2, power),
    F("PRODUCT", 1, 255, product),
    F("RADIANS", 1, 1, radians),
    F("REPT", 2, 2, rept),
    F("RIGHT", 1, 2, right),
    F("ROUND", 2, 2, round),
    F("ROUNDDOWN", 2, 2, rounddown),
    F("ROUNDUP", 2, 2, roundup),
    F("ROW", 0, 1, row),
    F("ROWS", 1, 1, rows),
    F("SIGN", 1, 1, sign),
    F("SIN", 1, 1, sin),
    F("SQRT", 1, 1, sqrt),
    F("SUM", 1, 255, sum),
    F("SUMIF", 2, 3, sumif),
    F("TAN", 1, 1, tan),
    F("TRIM", 1, 1, trim),
    F("TRUE", 0, 0, true),
    F("TRUNC", 1, 2, trunc),
    F("UPPER", 1, 1, upper),
    F("VLOOKUP", 3, 4, vlookup),
    F("XOR", 1, 255, xor),
};

int sheet_func_find(const char *name, size_t len)
{
	/* Files written by Excel 2010+ prefix newer functions. */
	if (len > 6 && strncasecmp(name, "_xlfn.", 6) == 0)
		name += 6, len -= 6;
	for (size_t i = 0; i < nitems(funcs); i++)
		if (strlen(funcs[i].name) == len && strncasecmp(funcs[i].name, name, len) == 0)
			return (int)i;
	return -1;
}

const struct sheet_func *sheet_func_at(int i)
{
	return i >= 0 && (size_t)i < nitems(funcs) ? &funcs[i] : NULL;
}
