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
#include <time.h>

#include "modules/sheets/engine.h"
#include "modules/sheets/func_int.h"

#define FN(name)                                                                                   \
	static void fn_##name(const struct sheet_evalctx *cx, struct sheet_value *args, int argc,  \
			      struct sheet_value *out)

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

		if (a->type == SHEET_REF || a->type == SHEET_ARRAY) {
			sheet_value_each(cx, a, agg_cell, &g);
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

static int count_cells(const struct sheet_value *v, uint32_t row, uint32_t col, void *arg)
{
	(*(double *)arg)++;
	return 0;
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

/* 10^k, exact for 0 <= k <= 22 */
static double pow10i(int k)
{
	static const double p[] = {1e0,	 1e1,  1e2,  1e3,  1e4,	 1e5,  1e6,  1e7,
				   1e8,	 1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
				   1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

	return k >= 0 && k <= 22 ? p[k] : pow(10, k);
}

/* x rounded to the 15 significant digits Excel works with: the value
 * printf("%.15g") then strtod give, as m / 10^k. For
 * 1e-8 <= |x| < 1e15 the scale s = 10^k (k <= 22) is exact, so x * s is
 * y + err exactly (fma), 1e14 <= |y| < 2^53; y's nearest integer r, moved
 * by one where y sits on a tie that err breaks, is the 15-digit decimal
 * rounded half to even as printf does, and r / s rounds as strtod does. */
double sheet_num15(double x, int64_t *m, int *kp)
{
	double a = fabs(x);

	if (a >= 1e-8 && a < 1e15) {
		int k = 14 - (int)floor(log10(a));
		if (k < 0)
			k = 0;
		double sc = pow10i(k), y = x * sc;
		if (fabs(y) < 1e14 && k < 22)
			sc = pow10i(++k), y = x * sc;
		else if (fabs(y) >= 1e15 && k > 0)
			sc = pow10i(--k), y = x * sc;
		if (k <= 22 && fabs(y) >= 1e14 && fabs(y) < 1e15) {
			double err = fma(x, sc, -y), r = nearbyint(y), t = y - r;

			if (fabs(t) == 0.5 && err != 0)
				r = err > 0 ? y + 0.5 : y - 0.5;
			*m = (int64_t)r;
			*kp = k;
			return r / sc;
		}
	}
	return NAN;
}

double sheet_digits15(double x)
{
	char buf[40];
	int64_t m;
	int k;
	double r = sheet_num15(x, &m, &k);

	if (!isnan(r))
		return r;
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
	v = sheet_digits15(n >= 0 ? x * p : x / p);
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
	ret_num(out, trunc(sheet_digits15(x * p)) / p);
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

		if (args[i].type == SHEET_REF || args[i].type == SHEET_ARRAY) {
			sheet_value_each(cx, &args[i], logic_cell, &l);
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

		if (ranges && (args[i].type == SHEET_REF || args[i].type == SHEET_ARRAY)) {
			sheet_value_each(cx, &args[i], cat_cell, &c);
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
	int blank_only;	      /* "=": only an empty cell, not the empty text */
};

static int lower_ascii(int c)
{
	return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

/* Excel wildcards: * any run, ? one character, ~ escapes. Case-insensitive. */
int sheet_wild_match(const char *p, const char *s)
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
		c->op = OP_EQ, c->blank_only = s[1] == '\0', s++;
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
	if (c->blank_only)
		return 0;
	/* "<>" alone: every cell that is not empty, the empty text too */
	if (c->op == OP_NE && c->v.type == SHEET_TEXT && c->v.str[0] == '\0')
		return 1;
	if (c->v.type == SHEET_ERROR)
		return (v->type == SHEET_ERROR && v->err == c->v.err) == (c->op == OP_EQ);
	if (v->type == SHEET_ERROR)
		return c->op == OP_NE;
	same = v->type == c->v.type;
	if (c->op == OP_EQ || c->op == OP_NE) {
		double d;

		/* Excel: 3 and "3" both match the number 3 and the text "3" */
		if (!same)
			r = c->v.type == SHEET_NUM && v->type == SHEET_TEXT &&
			    sheet_text_num(v->str, &d) == 0 && d == c->v.num;
		else if (v->type == SHEET_TEXT)
			r = sheet_wild_match(c->v.str, v->str);
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
			/* the empty cells, which the walk skips; the empty
			 * texts it saw were counted by ifs_cell */
			double cells = 0;

			sheet_range_each(cx->wb, f.crange, count_cells, &cells);
			f.n += ref_cells(f.crange) - cells;
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
uint32_t sheet_last_row(const struct sheet_evalctx *cx, const struct sheet_ref *r)
{
	uint32_t rows, cols;

	sheet_extent(cx->wb, r->sheet, &rows, &cols);
	return rows == 0 ? r->r1 : (r->r2 < rows ? r->r2 : (rows - 1 > r->r1 ? rows - 1 : r->r1));
}

uint32_t sheet_last_col(const struct sheet_evalctx *cx, const struct sheet_ref *r)
{
	uint32_t rows, cols;

	sheet_extent(cx->wb, r->sheet, &rows, &cols);
	return cols == 0 ? r->c1 : (r->c2 < cols ? r->c2 : (cols - 1 > r->c1 ? cols - 1 : r->c1));
}

int sheet_lookup_eq(const struct sheet_value *key, const struct sheet_value *v)
{
	if (key->type == SHEET_TEXT && v->type == SHEET_TEXT)
		return sheet_wild_match(key->str, v->str);
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
long sheet_find_in_line(const struct sheet_evalctx *cx, int sheet, int vertical, uint32_t fixed,
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
			if (sheet_lookup_eq(key, &v))
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
	at = sheet_find_in_line(cx, t->sheet, 1, t->c1, t->r1, sheet_last_row(cx, t), &key, approx ? 1 : 0);
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

long sheet_find_in_array(const struct sheet_array *a, const struct sheet_value *key, int mode)
{
	struct sheet_value v;
	long lo = 0, hi = (long)a->rows * a->cols - 1, ans = -1;

	if (mode == 0) {
		for (long i = 0; i <= hi; i++) {
			sheet_array_get(a, (uint32_t)i, &v);
			if (sheet_lookup_eq(key, &v))
				return i;
		}
		return -1;
	}
	while (lo <= hi) { /* as sheet_find_in_line: errors and blanks go right */
		long mid = lo + (hi - lo) / 2;
		int c;

		sheet_array_get(a, (uint32_t)mid, &v);
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

FN(match)
{
	struct sheet_value key;
	double type = 1;
	const struct sheet_ref *t = &args[1].ref;
	uint32_t h, w;
	long at;
	int mode;

	if (args[1].type != SHEET_REF && args[1].type != SHEET_ARRAY) {
		ret_err(out, args[1].type == SHEET_ERROR ? args[1].err : SHEET_ERR_NA);
		return;
	}
	if (argc > 2 && args[2].type != SHEET_MISSING && arg_num(cx, &args[2], &type, out))
		return;
	sheet_value_dims(&args[1], &h, &w);
	if (h != 1 && w != 1) { /* a lookup array is one row or one column */
		ret_err(out, SHEET_ERR_NA);
		return;
	}
	arg_value(cx, &args[0], &key);
	if (key.type == SHEET_ERROR) {
		ret_err(out, key.err);
		return;
	}
	if (key.type == SHEET_EMPTY)
		key.type = SHEET_NUM, key.num = 0;
	mode = type > 0 ? 1 : type < 0 ? -1 : 0;
	if (args[1].type == SHEET_ARRAY)
		at = sheet_find_in_array(args[1].arr, &key, mode);
	else if (w == 1)
		at = sheet_find_in_line(cx, t->sheet, 1, t->c1, t->r1, sheet_last_row(cx, t), &key,
					mode);
	else
		at = sheet_find_in_line(cx, t->sheet, 0, t->r1, t->c1, sheet_last_col(cx, t), &key,
					mode);
	sheet_value_free(&key);
	if (at < 0)
		ret_err(out, SHEET_ERR_NA);
	else
		ret_num(out, (double)at + 1);
}

/* INDEX of an array (or of a single value, a 1 x 1 array): an element, or
 * with a row or column 0 the whole column or row as an array. */
static void index_array(const struct sheet_evalctx *cx, struct sheet_value *a, double r, double c,
			struct sheet_value *out)
{
	uint32_t h, w, r0, c0, nr, nc;
	struct sheet_array *res;
	struct sheet_value v;

	sheet_value_dims(a, &h, &w);
	r0 = r >= 1 ? (uint32_t)r - 1 : 0;
	c0 = c >= 1 ? (uint32_t)c - 1 : 0;
	nr = r >= 1 ? 1 : h;
	nc = c >= 1 ? 1 : w;
	if (nr == 1 && nc == 1) {
		sheet_value_at(cx, a, r0, c0, &v);
		free(out->str);
		sheet_value_copy(out, &v);
		if (out->type == SHEET_MISSING)
			out->type = SHEET_EMPTY;
		return;
	}
	res = sheet_array_new(nr, nc);
	for (uint32_t i = 0; i < nr; i++)
		for (uint32_t j = 0; j < nc; j++) {
			sheet_value_at(cx, a, r0 + i, c0 + j, &v);
			sheet_array_set(&res, i * nc + j, &v);
		}
	sheet_value_array(out, res);
}

FN(index)
{
	double r = 0, c = 0;
	const struct sheet_ref *t = &args[0].ref;
	uint32_t h, w;

	if (args[0].type == SHEET_ERROR) {
		ret_err(out, args[0].err);
		return;
	}
	if (argc > 1 && args[1].type != SHEET_MISSING && arg_num(cx, &args[1], &r, out))
		return;
	if (argc > 2 && args[2].type != SHEET_MISSING && arg_num(cx, &args[2], &c, out))
		return;
	r = trunc(r), c = trunc(c);
	sheet_value_dims(&args[0], &h, &w);
	if (h == 1 && argc == 2) { /* INDEX(A1:E1, 3): a column of a row */
		c = r;
		r = 1;
	}
	if (r < 0 || c < 0) { /* Excel: negative is #VALUE!, past the end #REF! */
		ret_err(out, SHEET_ERR_VALUE);
		return;
	}
	if (r > h || c > w) {
		ret_err(out, SHEET_ERR_REF);
		return;
	}
	if (args[0].type != SHEET_REF) {
		index_array(cx, &args[0], r, c, out);
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
	uint32_t h, w;

	if (args[0].type == SHEET_ERROR) {
		ret_err(out, args[0].err);
		return;
	}
	sheet_value_dims(&args[0], &h, &w);
	ret_num(out, h);
}

FN(columns)
{
	uint32_t h, w;

	if (args[0].type == SHEET_ERROR) {
		ret_err(out, args[0].err);
		return;
	}
	sheet_value_dims(&args[0], &h, &w);
	ret_num(out, w);
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

/* ---- more math -------------------------------------------------------------- */

/* Numbers of the arguments, as the aggregates take them (in ranges only
 * numbers; with all, as AVERAGEA: text 0 and booleans 1 or 0). */
struct nums {
	double *v;
	size_t n, cap;
	int err, all;
};

static void nums_push(struct nums *a, double d)
{
	if (a->n == a->cap) {
		a->cap = a->cap ? a->cap * 2 : 16;
		a->v = xrealloc(a->v, a->cap * sizeof(double));
	}
	a->v[a->n++] = d;
}

static int nums_cell(const struct sheet_value *v, uint32_t row, uint32_t col, void *arg)
{
	struct nums *a = arg;

	if (v->type == SHEET_ERROR) {
		a->err = v->err;
		return 1;
	}
	if (v->type == SHEET_NUM || (a->all && v->type == SHEET_BOOL))
		nums_push(a, v->num);
	else if (a->all && v->type == SHEET_TEXT)
		nums_push(a, 0);
	return 0;
}

/* Returns 0 or an error code; a->v to free either way. */
static int nums_collect(const struct sheet_evalctx *cx, struct sheet_value *args, int argc,
			struct nums *a)
{
	for (int i = 0; i < argc && a->err == 0; i++) {
		double d;

		if (args[i].type == SHEET_REF || args[i].type == SHEET_ARRAY) {
			sheet_value_each(cx, &args[i], nums_cell, a);
			continue;
		}
		int er = sheet_to_num(&args[i], &d);

		if (er != 0)
			a->err = er;
		else
			nums_push(a, d);
	}
	return a->err;
}

FN(sumsq)
{
	struct nums a = {0};
	double s = 0;

	if (nums_collect(cx, args, argc, &a) == 0) {
		for (size_t i = 0; i < a.n; i++)
			s += a.v[i] * a.v[i];
		ret_num(out, s);
	} else {
		ret_err(out, a.err);
	}
	free(a.v);
}

/* The cell at (i, j) of r. */
static void ref_at(const struct sheet_evalctx *cx, const struct sheet_ref *r, uint32_t i,
		   uint32_t j, struct sheet_value *v)
{
	sheet_get(cx->wb, r->sheet, r->r1 + i, r->c1 + j, v);
}

/* Rows worth visiting in r (beyond the sheet's extent all is empty). */
static uint32_t ref_rows(const struct sheet_evalctx *cx, const struct sheet_ref *r)
{
	uint32_t rows, cols;

	sheet_extent(cx->wb, r->sheet, &rows, &cols);
	if (rows <= r->r1)
		return 0;
	return (r->r2 < rows ? r->r2 : rows - 1) - r->r1 + 1;
}

static uint32_t ref_cols(const struct sheet_evalctx *cx, const struct sheet_ref *r)
{
	uint32_t rows, cols;

	sheet_extent(cx->wb, r->sheet, &rows, &cols);
	if (cols <= r->c1)
		return 0;
	return (r->c2 < cols ? r->c2 : cols - 1) - r->c1 + 1;
}

/* SUMPRODUCT: its arguments are evaluated element by element (the parser
 * gives them an array context), so SUMPRODUCT((A1:A9="x")*B1:B9) works as
 * in Excel. Every argument has the same shape, else #VALUE!; what is not
 * a number counts as 0; an error anywhere is the result. */
FN(sumproduct)
{
	uint32_t h = 1, w = 1, hl = 0, wl = 0;
	double sum = 0;

	for (int i = 0; i < argc; i++) {
		uint32_t ah, aw, lr, lc;

		if (args[i].type == SHEET_ERROR) {
			ret_err(out, args[i].err);
			return;
		}
		sheet_value_dims(&args[i], &ah, &aw);
		if (args[i].type == SHEET_REF) { /* past the sheet's extent all is 0 */
			lr = ref_rows(cx, &args[i].ref);
			lc = ref_cols(cx, &args[i].ref);
		} else {
			lr = ah, lc = aw;
		}
		if (lr > hl)
			hl = lr;
		if (lc > wl)
			wl = lc;
		if (i == 0)
			h = ah, w = aw;
		else if (ah != h || aw != w) {
			ret_err(out, SHEET_ERR_VALUE);
			return;
		}
	}
	if (hl > h)
		hl = h;
	if (wl > w)
		wl = w;
	for (uint32_t r = 0; r < hl; r++)
		for (uint32_t c = 0; c < wl; c++) {
			double p = 1;

			for (int i = 0; i < argc; i++) {
				struct sheet_value v;

				sheet_value_at(cx, &args[i], r, c, &v);
				if (v.type == SHEET_ERROR) {
					ret_err(out, v.err);
					return;
				}
				p *= v.type == SHEET_NUM ? v.num : 0;
			}
			sum += p;
		}
	ret_num(out, sum);
}

FN(mround)
{
	double n, m;

	if (arg_num(cx, &args[0], &n, out) || arg_num(cx, &args[1], &m, out))
		return;
	if (m == 0 || n == 0) {
		ret_num(out, 0);
		return;
	}
	if ((n > 0) != (m > 0)) {
		ret_err(out, SHEET_ERR_NUM);
		return;
	}
	double q = sheet_digits15(n / m);

	ret_num(out, sheet_digits15(round(q) * m));
}

/* CEILING and FLOOR as Excel 2007: a negative number with a positive
 * significance rounds toward zero (CEILING) or away from it (FLOOR). */
static void ceil_floor(const struct sheet_evalctx *cx, struct sheet_value *args, int up,
		       struct sheet_value *out)
{
	double n, s;

	if (arg_num(cx, &args[0], &n, out) || arg_num(cx, &args[1], &s, out))
		return;
	if (n == 0) {
		ret_num(out, 0);
		return;
	}
	if (s == 0) {
		if (up)
			ret_num(out, 0);
		else
			ret_err(out, SHEET_ERR_DIV0);
		return;
	}
	if (n > 0 && s < 0) {
		ret_err(out, SHEET_ERR_NUM);
		return;
	}
	double q = sheet_digits15(n / s);

	ret_num(out, sheet_digits15((up ? ceil(q) : floor(q)) * s));
}

FN(ceiling)
{
	ceil_floor(cx, args, 1, out);
}
FN(floor)
{
	ceil_floor(cx, args, 0, out);
}

MATH1(even, copysign(ceil(sheet_digits15(fabs(x) / 2)) * 2, x))
static double odd(double x)
{
	double v = ceil(sheet_digits15(fabs(x)));

	return copysign(fmod(v, 2) == 0 ? v + 1 : v, x);
}

MATH1(odd, odd(x))
MATH1(asin, fabs(x) > 1 ? NAN : asin(x))
MATH1(acos, fabs(x) > 1 ? NAN : acos(x))
MATH1(atan, atan(x))

FN(fact)
{
	double x, r = 1;

	if (arg_num(cx, &args[0], &x, out))
		return;
	if (x < 0 || x > 170) {
		ret_err(out, SHEET_ERR_NUM);
		return;
	}
	for (double i = 2; i <= trunc(x); i++)
		r *= i;
	ret_num(out, r);
}

FN(combin)
{
	double n, k, r = 1;

	if (arg_num(cx, &args[0], &n, out) || arg_num(cx, &args[1], &k, out))
		return;
	n = trunc(n);
	k = trunc(k);
	if (n < 0 || k < 0 || k > n) {
		ret_err(out, SHEET_ERR_NUM);
		return;
	}
	if (k > n - k)
		k = n - k;
	if (k > 1100) { /* C(n, k) >= 2^k: beyond a double */
		ret_err(out, SHEET_ERR_NUM);
		return;
	}
	for (double i = 1; i <= k; i++)
		r = r * (n - k + i) / i;
	ret_num(out, round(r));
}

static double gcd2(double a, double b)
{
	while (b != 0) {
		double t = fmod(a, b);

		a = b;
		b = t;
	}
	return a;
}

static void gcd_lcm(const struct sheet_evalctx *cx, struct sheet_value *args, int argc, int lcm,
		    struct sheet_value *out)
{
	struct nums a = {0};
	double r = lcm ? 1 : 0;

	if (nums_collect(cx, args, argc, &a) != 0) {
		ret_err(out, a.err);
		free(a.v);
		return;
	}
	for (size_t i = 0; i < a.n; i++) {
		double d = trunc(a.v[i]);

		if (d < 0 || d >= 9007199254740992.0) {
			free(a.v);
			ret_err(out, SHEET_ERR_NUM);
			return;
		}
		if (!lcm)
			r = gcd2(r, d);
		else if (d == 0 || r == 0)
			r = 0;
		else
			r = r / gcd2(r, d) * d;
	}
	free(a.v);
	ret_num(out, r);
}

FN(gcd)
{
	gcd_lcm(cx, args, argc, 0, out);
}
FN(lcm)
{
	gcd_lcm(cx, args, argc, 1, out);
}

FN(quotient)
{
	double n, d;

	if (arg_num(cx, &args[0], &n, out) || arg_num(cx, &args[1], &d, out))
		return;
	if (d == 0)
		ret_err(out, SHEET_ERR_DIV0);
	else
		ret_num(out, trunc(sheet_digits15(n / d)));
}

FN(log)
{
	double x, b = 10;

	if (arg_num(cx, &args[0], &x, out) ||
	    (argc > 1 && args[1].type != SHEET_MISSING && arg_num(cx, &args[1], &b, out)))
		return;
	if (x <= 0 || b <= 0)
		ret_err(out, SHEET_ERR_NUM);
	else if (b == 1)
		ret_err(out, SHEET_ERR_DIV0);
	else
		ret_num(out, log(x) / log(b));
}

/* ATAN2(x, y) as Excel: the angle of the point (x, y). */
FN(atan2)
{
	double x, y;

	if (arg_num(cx, &args[0], &x, out) || arg_num(cx, &args[1], &y, out))
		return;
	if (x == 0 && y == 0)
		ret_err(out, SHEET_ERR_DIV0);
	else
		ret_num(out, atan2(y, x));
}

/* RAND and RANDBETWEEN: xorshift64*, seeded once from the clock. They are
 * volatile: recomputed on every recalculation (deps.c). The state is per
 * thread: a worker loading a file evaluates while the screen's thread does
 * (the seed takes the state's address, so two threads differ). */
static _Thread_local uint64_t rand_state;

static double rand01(void)
{
	if (rand_state == 0)
		rand_state = ((uint64_t)time(NULL) << 20) ^ (uint64_t)clock() ^
			     (uint64_t)(uintptr_t)&rand_state ^ 0x9e3779b97f4a7c15u;
	rand_state ^= rand_state >> 12;
	rand_state ^= rand_state << 25;
	rand_state ^= rand_state >> 27;
	return (double)((rand_state * 2685821657736338717u) >> 11) / 9007199254740992.0;
}

FN(rand)
{
	ret_num(out, rand01());
}

FN(randbetween)
{
	double lo, hi;

	if (arg_num(cx, &args[0], &lo, out) || arg_num(cx, &args[1], &hi, out))
		return;
	lo = ceil(lo);
	hi = floor(hi);
	if (lo > hi)
		ret_err(out, SHEET_ERR_NUM);
	else
		ret_num(out, lo + floor(rand01() * (hi - lo + 1)));
}

/* ---- several criteria (SUMIFS, COUNTIFS, AVERAGEIFS, MINIFS, MAXIFS) -------- */

enum { MIFS_SUM, MIFS_COUNT, MIFS_AVERAGE, MIFS_MIN, MIFS_MAX };

/* args: [value range,] range1, crit1, range2, crit2, ... */
static void multi_ifs(const struct sheet_evalctx *cx, struct sheet_value *args, int argc, int kind,
		      struct sheet_value *out)
{
	int first = kind == MIFS_COUNT ? 0 : 1, nc = (argc - first) / 2;
	struct crit *cs;
	uint32_t h, w, hl = 0, wl = 0;
	double n = 0, sum = 0, min = 0, max = 0;
	int allblank = 1;

	if ((argc - first) % 2 != 0 || nc < 1) {
		ret_err(out, SHEET_ERR_VALUE);
		return;
	}
	for (int i = 0; i < argc; i++)
		if ((i < first || (i - first) % 2 == 0) && args[i].type != SHEET_REF) {
			ret_err(out, SHEET_ERR_VALUE);
			return;
		}
	h = args[first].ref.r2 - args[first].ref.r1 + 1;
	w = args[first].ref.c2 - args[first].ref.c1 + 1;
	for (int i = 0; i < argc; i++) {
		const struct sheet_ref *r = &args[i].ref;

		if (i >= first && (i - first) % 2 != 0)
			continue;
		if (r->r2 - r->r1 + 1 != h || r->c2 - r->c1 + 1 != w) {
			ret_err(out, SHEET_ERR_VALUE);
			return;
		}
		if (ref_rows(cx, r) > hl)
			hl = ref_rows(cx, r);
		if (ref_cols(cx, r) > wl)
			wl = ref_cols(cx, r);
	}
	cs = xcalloc((size_t)nc, sizeof(*cs));
	for (int k = 0; k < nc; k++) {
		crit_parse(cx, &args[first + 2 * k + 1], &cs[k]);
		allblank = allblank && cs[k].blank;
	}
	for (uint32_t r = 0; r < hl; r++)
		for (uint32_t c = 0; c < wl; c++) {
			struct sheet_value v;
			int ok = 1;

			for (int k = 0; k < nc && ok; k++) {
				ref_at(cx, &args[first + 2 * k].ref, r, c, &v);
				ok = crit_match(&cs[k], &v);
			}
			if (!ok)
				continue;
			if (kind == MIFS_COUNT) {
				n++;
				continue;
			}
			ref_at(cx, &args[0].ref, r, c, &v);
			if (v.type != SHEET_NUM)
				continue;
			if (n == 0 || v.num < min)
				min = v.num;
			if (n == 0 || v.num > max)
				max = v.num;
			sum += v.num;
			n++;
		}
	if (kind == MIFS_COUNT && allblank)
		n += (double)h * w - (double)hl * wl;
	for (int k = 0; k < nc; k++)
		sheet_value_free(&cs[k].v);
	free(cs);
	switch (kind) {
	case MIFS_SUM:
		ret_num(out, sum);
		break;
	case MIFS_COUNT:
		ret_num(out, n);
		break;
	case MIFS_AVERAGE:
		if (n == 0)
			ret_err(out, SHEET_ERR_DIV0);
		else
			ret_num(out, sum / n);
		break;
	case MIFS_MIN:
		ret_num(out, min);
		break;
	default:
		ret_num(out, max);
	}
}

FN(sumifs)
{
	multi_ifs(cx, args, argc, MIFS_SUM, out);
}
FN(countifs)
{
	multi_ifs(cx, args, argc, MIFS_COUNT, out);
}
FN(averageifs)
{
	multi_ifs(cx, args, argc, MIFS_AVERAGE, out);
}
FN(minifs)
{
	multi_ifs(cx, args, argc, MIFS_MIN, out);
}
FN(maxifs)
{
	multi_ifs(cx, args, argc, MIFS_MAX, out);
}

/* ---- statistics ------------------------------------------------------------- */

static int dbl_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

FN(averagea)
{
	struct nums a = {.all = 1};
	double s = 0;

	if (nums_collect(cx, args, argc, &a) != 0)
		ret_err(out, a.err);
	else if (a.n == 0)
		ret_err(out, SHEET_ERR_DIV0);
	else {
		for (size_t i = 0; i < a.n; i++)
			s += a.v[i];
		ret_num(out, s / (double)a.n);
	}
	free(a.v);
}

FN(median)
{
	struct nums a = {0};

	if (nums_collect(cx, args, argc, &a) != 0)
		ret_err(out, a.err);
	else if (a.n == 0)
		ret_err(out, SHEET_ERR_NUM);
	else {
		qsort(a.v, a.n, sizeof(double), dbl_cmp);
		ret_num(out, a.n % 2 ? a.v[a.n / 2] : (a.v[a.n / 2 - 1] + a.v[a.n / 2]) / 2);
	}
	free(a.v);
}

/* The first value, in order, that occurs most often (at least twice). */
FN(mode)
{
	struct nums a = {0};
	size_t best = 0;
	double bv = 0;

	if (nums_collect(cx, args, argc, &a) != 0) {
		ret_err(out, a.err);
		free(a.v);
		return;
	}
	double *s = xmalloc((a.n ? a.n : 1) * sizeof(double));

	if (a.n)
		memcpy(s, a.v, a.n * sizeof(double));
	qsort(s, a.n, sizeof(double), dbl_cmp);
	for (size_t i = 0; i < a.n; i++) {
		double *lo = bsearch(&a.v[i], s, a.n, sizeof(double), dbl_cmp);
		size_t k = 0;

		while (lo > s && lo[-1] == a.v[i])
			lo--;
		while (lo + k < s + a.n && lo[k] == a.v[i])
			k++;
		if (k > best)
			best = k, bv = a.v[i];
	}
	free(s);
	free(a.v);
	if (best < 2)
		ret_err(out, SHEET_ERR_NA);
	else
		ret_num(out, bv);
}

/* sample: divide by n - 1; root: the standard deviation. */
static void variance(const struct sheet_evalctx *cx, struct sheet_value *args, int argc, int sample,
		     int root, struct sheet_value *out)
{
	struct nums a = {0};
	double m = 0, ss = 0;

	if (nums_collect(cx, args, argc, &a) != 0) {
		ret_err(out, a.err);
		free(a.v);
		return;
	}
	if (a.n < (size_t)(sample ? 2 : 1)) {
		ret_err(out, SHEET_ERR_DIV0);
		free(a.v);
		return;
	}
	for (size_t i = 0; i < a.n; i++)
		m += a.v[i];
	m /= (double)a.n;
	for (size_t i = 0; i < a.n; i++)
		ss += (a.v[i] - m) * (a.v[i] - m);
	ss /= (double)a.n - (sample ? 1 : 0);
	free(a.v);
	ret_num(out, root ? sqrt(ss) : ss);
}

FN(stdev)
{
	variance(cx, args, argc, 1, 1, out);
}
FN(stdevp)
{
	variance(cx, args, argc, 0, 1, out);
}
FN(var)
{
	variance(cx, args, argc, 1, 0, out);
}
FN(varp)
{
	variance(cx, args, argc, 0, 0, out);
}

/* The numbers of the first argument, sorted; 0 or out set. */
static int sorted_nums(const struct sheet_evalctx *cx, struct sheet_value *args, struct nums *a,
		       struct sheet_value *out)
{
	if (nums_collect(cx, args, 1, a) != 0) {
		ret_err(out, a->err);
		free(a->v);
		return 1;
	}
	if (a->n)
		qsort(a->v, a->n, sizeof(double), dbl_cmp);
	return 0;
}

static void large_small(const struct sheet_evalctx *cx, struct sheet_value *args, int large,
			struct sheet_value *out)
{
	struct nums a = {0};
	double k;

	if (arg_num(cx, &args[1], &k, out) || sorted_nums(cx, args, &a, out))
		return;
	k = ceil(k);
	if (k < 1 || k > (double)a.n)
		ret_err(out, SHEET_ERR_NUM);
	else
		ret_num(out, large ? a.v[a.n - (size_t)k] : a.v[(size_t)k - 1]);
	free(a.v);
}

FN(large)
{
	large_small(cx, args, 1, out);
}
FN(small)
{
	large_small(cx, args, 0, out);
}

FN(rank)
{
	struct nums a = {0};
	double x, order = 0, above = 0;
	int found = 0;

	if (args[1].type != SHEET_REF) {
		ret_err(out, SHEET_ERR_VALUE);
		return;
	}
	if (arg_num(cx, &args[0], &x, out) ||
	    (argc > 2 && args[2].type != SHEET_MISSING && arg_num(cx, &args[2], &order, out)))
		return;
	if (nums_collect(cx, &args[1], 1, &a) != 0) {
		ret_err(out, a.err);
		free(a.v);
		return;
	}
	for (size_t i = 0; i < a.n; i++) {
		found |= a.v[i] == x;
		above += order == 0 ? a.v[i] > x : a.v[i] < x;
	}
	free(a.v);
	if (!found)
		ret_err(out, SHEET_ERR_NA);
	else
		ret_num(out, above + 1);
}

static void percentile(struct nums *a, double k, struct sheet_value *out)
{
	if (a->n == 0 || k < 0 || k > 1) {
		ret_err(out, SHEET_ERR_NUM);
		return;
	}
	double pos = k * (double)(a->n - 1), lo = floor(pos);
	size_t i = (size_t)lo;

	if (i + 1 >= a->n)
		ret_num(out, a->v[a->n - 1]);
	else
		ret_num(out, a->v[i] + (pos - lo) * (a->v[i + 1] - a->v[i]));
}

FN(percentile)
{
	struct nums a = {0};
	double k;

	if (arg_num(cx, &args[1], &k, out) || sorted_nums(cx, args, &a, out))
		return;
	percentile(&a, k, out);
	free(a.v);
}

FN(quartile)
{
	struct nums a = {0};
	double q;

	if (arg_num(cx, &args[1], &q, out) || sorted_nums(cx, args, &a, out))
		return;
	q = trunc(q);
	if (q < 0 || q > 4)
		ret_err(out, SHEET_ERR_NUM);
	else
		percentile(&a, q / 4, out);
	free(a.v);
}

/* Sums over the pairs of numbers of two equal-sized arrays (y, x). */
struct pairs {
	double n, sx, sy, sxx, syy, sxy;
};

static int pairs_collect(const struct sheet_evalctx *cx, struct sheet_value *ya,
			 struct sheet_value *xa, struct pairs *p)
{
	struct sheet_value ys = *ya, xs = *xa;
	uint32_t h = 1, w = 1, hl = 1, wl = 1;
	double mx = 0, my = 0;

	memset(p, 0, sizeof(*p));
	if (ya->type == SHEET_REF && xa->type == SHEET_REF) {
		const struct sheet_ref *a = &ya->ref, *b = &xa->ref;

		h = a->r2 - a->r1 + 1;
		w = a->c2 - a->c1 + 1;
		if ((double)h * w != (double)(b->r2 - b->r1 + 1) * (b->c2 - b->c1 + 1))
			return SHEET_ERR_NA;
		if (b->r2 - b->r1 + 1 != h) /* same count, other shape: walk in order */
			return SHEET_ERR_NA;
		hl = ref_rows(cx, a) > ref_rows(cx, b) ? ref_rows(cx, a) : ref_rows(cx, b);
		wl = ref_cols(cx, a) > ref_cols(cx, b) ? ref_cols(cx, a) : ref_cols(cx, b);
		if (hl > h)
			hl = h;
		if (wl > w)
			wl = w;
	} else if (ya->type == SHEET_REF || xa->type == SHEET_REF) {
		return SHEET_ERR_NA;
	}
	for (int pass = 0; pass < 2; pass++) {
		if (pass == 1) {
			if (p->n == 0)
				return SHEET_ERR_DIV0;
			mx = p->sx / p->n;
			my = p->sy / p->n;
		}
		for (uint32_t r = 0; r < hl; r++)
			for (uint32_t c = 0; c < wl; c++) {
				if (ya->type == SHEET_REF)
					ref_at(cx, &ya->ref, r, c, &ys);
				if (xa->type == SHEET_REF)
					ref_at(cx, &xa->ref, r, c, &xs);
				if (ys.type == SHEET_ERROR)
					return ys.err;
				if (xs.type == SHEET_ERROR)
					return xs.err;
				if (ys.type != SHEET_NUM || xs.type != SHEET_NUM)
					continue;
				if (pass == 0) {
					p->n++;
					p->sx += xs.num;
					p->sy += ys.num;
				} else {
					p->sxx += (xs.num - mx) * (xs.num - mx);
					p->syy += (ys.num - my) * (ys.num - my);
					p->sxy += (xs.num - mx) * (ys.num - my);
				}
			}
	}
	return 0;
}

/* kind 0 CORREL, 1 SLOPE, 2 INTERCEPT; args (y, x) (CORREL is symmetric). */
static void regress(const struct sheet_evalctx *cx, struct sheet_value *y, struct sheet_value *x,
		    int kind, double at, struct sheet_value *out)
{
	struct pairs p;
	int er = pairs_collect(cx, y, x, &p);

	if (er != 0) {
		ret_err(out, er);
		return;
	}
	if (kind == 0) {
		if (p.sxx == 0 || p.syy == 0)
			ret_err(out, SHEET_ERR_DIV0);
		else
			ret_num(out, p.sxy / sqrt(p.sxx * p.syy));
		return;
	}
	if (p.sxx == 0) {
		ret_err(out, SHEET_ERR_DIV0);
		return;
	}
	double b = p.sxy / p.sxx, a = p.sy / p.n - b * p.sx / p.n;

	if (kind == 1)
		ret_num(out, b);
	else if (kind == 2)
		ret_num(out, a);
	else
		ret_num(out, a + b * at);
}

FN(correl)
{
	regress(cx, &args[0], &args[1], 0, 0, out);
}
FN(slope)
{
	regress(cx, &args[0], &args[1], 1, 0, out);
}
FN(intercept)
{
	regress(cx, &args[0], &args[1], 2, 0, out);
}
FN(forecast)
{
	double x;

	if (arg_num(cx, &args[0], &x, out))
		return;
	regress(cx, &args[1], &args[2], 3, x, out);
}

/* ---- more logic and information ---------------------------------------------- */

FN(ifs)
{
	if (argc % 2 != 0) {
		ret_err(out, SHEET_ERR_NA);
		return;
	}
	for (int i = 0; i < argc; i += 2) {
		int b;

		if (arg_bool(cx, &args[i], &b, out))
			return;
		if (b) {
			ret_arg(cx, &args[i + 1], out);
			return;
		}
	}
	ret_err(out, SHEET_ERR_NA);
}

FN(switch)
{
	struct sheet_value key, v;
	int i;

	arg_value(cx, &args[0], &key);
	if (key.type == SHEET_ERROR) {
		ret_err(out, key.err);
		return;
	}
	for (i = 1; i + 1 < argc; i += 2) {
		arg_value(cx, &args[i], &v);
		if (v.type == SHEET_ERROR) {
			sheet_value_free(&key);
			ret_err(out, v.err);
			sheet_value_free(&v);
			return;
		}
		int eq = (key.type == SHEET_EMPTY ? SHEET_NUM : key.type) ==
			     (v.type == SHEET_EMPTY ? SHEET_NUM : v.type) &&
			 sheet_compare(&key, &v) == 0;

		sheet_value_free(&v);
		if (eq) {
			sheet_value_free(&key);
			ret_arg(cx, &args[i + 1], out);
			return;
		}
	}
	sheet_value_free(&key);
	if (i < argc) /* the default */
		ret_arg(cx, &args[i], out);
	else
		ret_err(out, SHEET_ERR_NA);
}

FN(error_type)
{
	struct sheet_value v;

	arg_value(cx, &args[0], &v);
	sheet_value_free(&v);
	if (v.type != SHEET_ERROR)
		ret_err(out, SHEET_ERR_NA);
	else if (v.err == SHEET_ERR_CIRC)
		ret_err(out, SHEET_ERR_CIRC);
	else
		ret_num(out, v.err); /* #NULL! 1 ... #N/A 7, the enum's order */
}

FN(n)
{
	struct sheet_value v;

	arg_value(cx, &args[0], &v);
	if (v.type == SHEET_ERROR)
		ret_err(out, v.err);
	else
		ret_num(out, v.type == SHEET_NUM || v.type == SHEET_BOOL ? v.num : 0);
	sheet_value_free(&v);
}

FN(t)
{
	struct sheet_value v;

	arg_value(cx, &args[0], &v);
	if (v.type == SHEET_ERROR) {
		ret_err(out, v.err);
		sheet_value_free(&v);
	} else if (v.type == SHEET_TEXT) {
		ret_text(out, v.str);
	} else {
		ret_text(out, xstrdup(""));
	}
}

FN(type)
{
	struct sheet_value v;
	const struct sheet_ref *r = &args[0].ref;

	if ((args[0].type == SHEET_REF && (r->r1 != r->r2 || r->c1 != r->c2)) ||
	    args[0].type == SHEET_ARRAY) {
		ret_num(out, 64);
		return;
	}
	arg_value(cx, &args[0], &v);
	sheet_value_free(&v);
	ret_num(out, v.type == SHEET_TEXT    ? 2
		     : v.type == SHEET_BOOL  ? 4
		     : v.type == SHEET_ERROR ? 16
					     : 1);
}

/* ---- more text ----------------------------------------------------------------- */

/* FIND (case-sensitive) and SEARCH (wildcards, case-insensitive). Positions
 * count code points. */
static void find_fn(const struct sheet_evalctx *cx, struct sheet_value *args, int argc, int wild,
		    struct sheet_value *out)
{
	double start = 1;
	char *pat, *s;
	size_t slen, n, at;

	if (argc > 2 && args[2].type != SHEET_MISSING && arg_num(cx, &args[2], &start, out))
		return;
	if ((pat = arg_text(cx, &args[0], out)) == NULL)
		return;
	if ((s = arg_text(cx, &args[1], out)) == NULL) {
		free(pat);
		return;
	}
	slen = strlen(s);
	n = cp_count(s, slen);
	start = trunc(start);
	if (start < 1 || start > (double)n + 1) {
		ret_err(out, SHEET_ERR_VALUE);
		goto done;
	}
	if (pat[0] == '\0') {
		ret_num(out, start);
		goto done;
	}
	at = cp_bytes(s, slen, start - 1);
	size_t plen = strlen(pat);
	char *p2 = xmalloc(plen + 2);

	memcpy(p2, pat, plen);
	memcpy(p2 + plen, "*", 2);
	for (double pos = start; at < slen; pos++) {
		int hit = wild ? sheet_wild_match(p2, s + at) : strncmp(s + at, pat, plen) == 0;

		if (hit) {
			ret_num(out, pos);
			free(p2);
			goto done;
		}
		at += cp_bytes(s + at, slen - at, 1);
	}
	free(p2);
	ret_err(out, SHEET_ERR_VALUE);
done:
	free(pat);
	free(s);
}

FN(find)
{
	find_fn(cx, args, argc, 0, out);
}
FN(search)
{
	find_fn(cx, args, argc, 1, out);
}

FN(substitute)
{
	double inst = 0;
	char *s, *old, *nw;
	struct buf b;
	const char *p, *q;
	size_t olen;
	int k = 0;

	if (argc > 3 && args[3].type != SHEET_MISSING) {
		if (arg_num(cx, &args[3], &inst, out))
			return;
		inst = trunc(inst);
		if (inst < 1) {
			ret_err(out, SHEET_ERR_VALUE);
			return;
		}
	}
	if ((s = arg_text(cx, &args[0], out)) == NULL)
		return;
	if ((old = arg_text(cx, &args[1], out)) == NULL) {
		free(s);
		return;
	}
	if ((nw = arg_text(cx, &args[2], out)) == NULL) {
		free(s);
		free(old);
		return;
	}
	olen = strlen(old);
	if (olen == 0) {
		free(old);
		free(nw);
		ret_text(out, s);
		return;
	}
	buf_init(&b);
	for (p = s; (q = strstr(p, old)) != NULL; p = q + olen) {
		k++;
		buf_add(&b, p, (size_t)(q - p));
		if (inst == 0 || k == inst)
			buf_adds(&b, nw);
		else
			buf_add(&b, q, olen);
		if (b.len > (size_t)SHEET_MAX_TEXT * 4)
			break;
	}
	if (q == NULL)
		buf_adds(&b, p);
	free(s);
	free(old);
	free(nw);
	ret_text(out, b.len ? buf_detach(&b) : xstrdup(""));
	buf_free(&b);
}

FN(replace)
{
	double start, n;
	char *s, *nw;
	size_t len, a, e;
	struct buf b;

	if (arg_num(cx, &args[1], &start, out) || arg_num(cx, &args[2], &n, out))
		return;
	if (start < 1 || n < 0) {
		ret_err(out, SHEET_ERR_VALUE);
		return;
	}
	if ((s = arg_text(cx, &args[0], out)) == NULL)
		return;
	if ((nw = arg_text(cx, &args[3], out)) == NULL) {
		free(s);
		return;
	}
	len = strlen(s);
	a = cp_bytes(s, len, trunc(start) - 1);
	e = a + cp_bytes(s + a, len - a, trunc(n));
	buf_init(&b);
	buf_add(&b, s, a);
	buf_adds(&b, nw);
	buf_adds(&b, s + e);
	free(s);
	free(nw);
	ret_text(out, b.len ? buf_detach(&b) : xstrdup(""));
	buf_free(&b);
}

static int is_letter(unsigned c)
{
	return (c < 0x80 && isalpha((int)c)) ||
	       (c >= 0x80 && (case_map(c, 1) != c || case_map(c, 0) != c));
}

FN(proper)
{
	char *s = arg_text(cx, &args[0], out);
	struct buf b;
	size_t i = 0, len;
	int prev = 0;

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
			prev = 0;
			continue;
		}
		buf_add(&b, enc, utf8_encode(case_map(cp, !prev), enc));
		prev = is_letter(cp);
		i += k;
	}
	free(s);
	ret_text(out, b.len ? buf_detach(&b) : xstrdup(""));
	buf_free(&b);
}

FN(clean)
{
	char *s = arg_text(cx, &args[0], out), *d;

	if (s == NULL)
		return;
	d = s;
	for (const char *p = s; *p; p++)
		if ((unsigned char)*p >= 32)
			*d++ = *p;
	*d = '\0';
	ret_text(out, s);
}

struct join {
	struct buf b;
	const char *delim;
	int skip_empty, n, err;
};

static int join_cell(const struct sheet_value *v, uint32_t row, uint32_t col, void *arg)
{
	struct join *j = arg;
	const char *s;
	char *tmp;

	j->err = sheet_to_text(v, &s, &tmp);
	if (j->err != 0)
		return 1;
	if (!(j->skip_empty && s[0] == '\0')) {
		if (j->n++ > 0)
			buf_adds(&j->b, j->delim);
		buf_adds(&j->b, s);
	}
	free(tmp);
	if (j->b.len > (size_t)SHEET_MAX_TEXT * 4) {
		j->err = SHEET_ERR_VALUE;
		return 1;
	}
	return 0;
}

FN(textjoin)
{
	struct join j = {.err = 0};
	char *delim;

	if (arg_bool(cx, &args[1], &j.skip_empty, out))
		return;
	if ((delim = arg_text(cx, &args[0], out)) == NULL)
		return;
	j.delim = delim;
	buf_init(&j.b);
	for (int i = 2; i < argc && j.err == 0; i++) {
		struct sheet_value v;

		if (args[i].type == SHEET_REF) {
			const struct sheet_ref *r = &args[i].ref;
			uint32_t h = ref_rows(cx, r), w = ref_cols(cx, r);

			/* row by row, as Excel; empty cells too (unless skipped) */
			for (uint32_t y = 0; y <= r->r2 - r->r1 && j.err == 0; y++)
				for (uint32_t x = 0; x <= r->c2 - r->c1 && j.err == 0; x++) {
					if ((y >= h || x >= w) && j.skip_empty)
						break;
					sheet_get(cx->wb, r->sheet, r->r1 + y, r->c1 + x, &v);
					join_cell(&v, 0, 0, &j);
				}
			continue;
		}
		if (args[i].type == SHEET_ARRAY) { /* row by row, empty elements too */
			const struct sheet_array *a = args[i].arr;

			for (uint32_t k = 0; k < a->rows * a->cols && j.err == 0; k++) {
				sheet_array_get(a, k, &v);
				join_cell(&v, 0, 0, &j);
			}
			continue;
		}
		arg_value(cx, &args[i], &v);
		join_cell(&v, 0, 0, &j);
		sheet_value_free(&v);
	}
	free(delim);
	if (j.err != 0)
		ret_err(out, j.err);
	else
		ret_text(out, j.b.len ? buf_detach(&j.b) : xstrdup(""));
	buf_free(&j.b);
}

FN(value)
{
	struct sheet_value v;
	double d;

	arg_value(cx, &args[0], &v);
	if (v.type == SHEET_ERROR)
		ret_err(out, v.err);
	else if (v.type == SHEET_NUM || v.type == SHEET_EMPTY)
		ret_num(out, v.num);
	else if (v.type == SHEET_TEXT && sheet_text_num(v.str, &d) == 0)
		ret_num(out, d);
	else
		ret_err(out, SHEET_ERR_VALUE);
	sheet_value_free(&v);
}

/* CHAR and CODE use Windows-1252, as Excel on Windows in the West. */
static const unsigned short cp1252[32] = {
    0x20ac, 0x81,   0x201a, 0x192,  0x201e, 0x2026, 0x2020, 0x2021, 0x2c6,  0x2030, 0x160,
    0x2039, 0x152,  0x8d,   0x17d,  0x8f,   0x90,   0x2018, 0x2019, 0x201c, 0x201d, 0x2022,
    0x2013, 0x2014, 0x2dc,  0x2122, 0x161,  0x203a, 0x153,  0x9d,   0x17e,  0x178,
};

static void ret_cp(struct sheet_value *out, unsigned cp)
{
	char enc[5];

	enc[utf8_encode(cp, enc)] = '\0';
	ret_text(out, xstrdup(enc));
}

FN(char)
{
	double n;

	if (arg_num(cx, &args[0], &n, out))
		return;
	n = trunc(n);
	if (n < 1 || n > 255)
		ret_err(out, SHEET_ERR_VALUE);
	else
		ret_cp(out, n >= 0x80 && n < 0xa0 ? cp1252[(int)n - 0x80] : (unsigned)n);
}

FN(unichar)
{
	double n;

	if (arg_num(cx, &args[0], &n, out))
		return;
	n = trunc(n);
	if (n < 1 || n > 0x10ffff)
		ret_err(out, SHEET_ERR_VALUE);
	else if (n >= 0xd800 && n <= 0xdfff)
		ret_err(out, SHEET_ERR_NA);
	else
		ret_cp(out, (unsigned)n);
}

static void code_fn(const struct sheet_evalctx *cx, struct sheet_value *args, int uni,
		    struct sheet_value *out)
{
	char *s = arg_text(cx, &args[0], out);
	unsigned cp;

	if (s == NULL)
		return;
	if (s[0] == '\0') {
		free(s);
		ret_err(out, SHEET_ERR_VALUE);
		return;
	}
	if (utf8_decode(s, strlen(s), &cp) == 0)
		cp = (unsigned char)s[0];
	free(s);
	if (!uni && cp >= 0x80) {
		unsigned c = cp < 0x100 && (cp >= 0xa0) ? cp : '?';

		for (int i = 0; i < 32; i++)
			if (cp1252[i] == cp)
				c = 0x80 + (unsigned)i;
		cp = c;
	}
	ret_num(out, cp);
}

FN(code)
{
	code_fn(cx, args, 0, out);
}
FN(unicode)
{
	code_fn(cx, args, 1, out);
}

FN(fixed)
{
	double x, dec = 2, p, v;
	int nocommas = 0;
	char buf[400], *r;
	size_t len, intlen, k = 0;

	if (arg_num(cx, &args[0], &x, out) ||
	    (argc > 1 && args[1].type != SHEET_MISSING && arg_num(cx, &args[1], &dec, out)) ||
	    (argc > 2 && args[2].type != SHEET_MISSING && arg_bool(cx, &args[2], &nocommas, out)))
		return;
	dec = trunc(dec);
	if (dec > 127) {
		ret_err(out, SHEET_ERR_VALUE);
		return;
	}
	if (dec < -15) {
		x = 0;
		dec = 0;
	}
	p = pow(10, fabs(dec));
	v = sheet_digits15(dec >= 0 ? x * p : x / p);
	v = round(v + copysign(fabs(v) * 4 * DBL_EPSILON, v));
	v = dec >= 0 ? v / p : v * p;
	if (fabs(v) >= 1e300) {
		ret_err(out, SHEET_ERR_VALUE);
		return;
	}
	snprintf(buf, sizeof(buf), "%.*f", dec > 0 ? (int)dec : 0, fabs(v));
	len = strlen(buf);
	intlen = strcspn(buf, ".");
	r = xmalloc(len + len / 3 + 3);
	if (v < 0)
		r[k++] = '-';
	for (size_t i = 0; i < len; i++) {
		if (!nocommas && i > 0 && i < intlen && (intlen - i) % 3 == 0)
			r[k++] = ',';
		r[k++] = buf[i];
	}
	r[k] = '\0';
	ret_text(out, r);
}

FN(numbervalue)
{
	char *s, *dsep = NULL, *gsep = NULL, *t;
	double d;
	int seen_dec = 0, bad = 0, pct = 0;
	size_t k = 0;

	if ((s = arg_text(cx, &args[0], out)) == NULL)
		return;
	if (argc > 1 && args[1].type != SHEET_MISSING &&
	    (dsep = arg_text(cx, &args[1], out)) == NULL) {
		free(s);
		return;
	}
	if (argc > 2 && args[2].type != SHEET_MISSING &&
	    (gsep = arg_text(cx, &args[2], out)) == NULL) {
		free(s);
		free(dsep);
		return;
	}
	char dc = dsep ? dsep[0] : '.', gc = gsep ? gsep[0] : ',';

	bad = dc == gc;
	t = xmalloc(strlen(s) + 1);
	for (const char *p = s; *p && !bad; p++) {
		if (isspace((unsigned char)*p))
			continue;
		if (*p == dc) {
			if (seen_dec++)
				bad = 1;
			t[k++] = '.';
		} else if (*p == gc) {
			if (seen_dec)
				bad = 1;
		} else if (*p == '%') {
			pct++;
		} else if (pct) {
			bad = 1;
		} else {
			t[k++] = *p;
		}
	}
	t[k] = '\0';
	if (bad)
		ret_err(out, SHEET_ERR_VALUE);
	else if (k == 0)
		ret_num(out, 0);
	else if (sheet_text_num(t, &d) != 0)
		ret_err(out, SHEET_ERR_VALUE);
	else
		ret_num(out, d / pow(100, pct));
	free(t);
	free(s);
	free(dsep);
	free(gsep);
}

/* ---- dates and times ---------------------------------------------------------- */

FN(date)
{
	double y, m, d, s;

	if (arg_num(cx, &args[0], &y, out) || arg_num(cx, &args[1], &m, out) ||
	    arg_num(cx, &args[2], &d, out))
		return;
	y = trunc(y);
	m = trunc(m);
	d = trunc(d);
	if (y < 0 || y >= 10000 || fabs(m) > 1e7 || fabs(d) > 1e9) {
		ret_err(out, SHEET_ERR_NUM);
		return;
	}
	if (y < 1900)
		y += 1900;
	s = serial_ymd(y, m, d);
	if (s < 0 || s > DATE_MAX)
		ret_err(out, SHEET_ERR_NUM);
	else
		ret_num(out, s);
}

FN(time)
{
	double h, m, s, t;

	if (arg_num(cx, &args[0], &h, out) || arg_num(cx, &args[1], &m, out) ||
	    arg_num(cx, &args[2], &s, out))
		return;
	if (h > 32767 || m > 32767 || s > 32767) {
		ret_err(out, SHEET_ERR_NUM);
		return;
	}
	t = trunc(h) * 3600 + trunc(m) * 60 + trunc(s);
	if (t < 0)
		ret_err(out, SHEET_ERR_NUM);
	else
		ret_num(out, fmod(t, 86400) / 86400);
}

static void date_part(const struct sheet_evalctx *cx, struct sheet_value *args, int part,
		      struct sheet_value *out)
{
	double s;
	long y, m, d;

	if (arg_date(cx, &args[0], &s, out))
		return;
	ymd(s, &y, &m, &d);
	ret_num(out, (double)(part == 0 ? y : part == 1 ? m : d));
}

FN(year)
{
	date_part(cx, args, 0, out);
}
FN(month)
{
	date_part(cx, args, 1, out);
}
FN(day)
{
	date_part(cx, args, 2, out);
}

static void time_part(const struct sheet_evalctx *cx, struct sheet_value *args, int part,
		      struct sheet_value *out)
{
	double s, secs;

	if (arg_date(cx, &args[0], &s, out))
		return;
	secs = round((s - floor(s)) * 86400);
	if (secs >= 86400)
		secs = 0;
	ret_num(out, part == 0	 ? floor(secs / 3600)
		     : part == 1 ? fmod(floor(secs / 60), 60)
				 : fmod(secs, 60));
}

FN(hour)
{
	time_part(cx, args, 0, out);
}
FN(minute)
{
	time_part(cx, args, 1, out);
}
FN(second)
{
	time_part(cx, args, 2, out);
}

FN(weekday)
{
	double s, t = 1, base;

	if (arg_date(cx, &args[0], &s, out) ||
	    (argc > 1 && args[1].type != SHEET_MISSING && arg_num(cx, &args[1], &t, out)))
		return;
	s = floor(s);
	t = trunc(t);
	if (t == 1)
		base = 1;
	else if (t == 2 || t == 3)
		base = 2;
	else if (t >= 11 && t <= 17)
		base = t - 9;
	else {
		ret_err(out, SHEET_ERR_NUM);
		return;
	}
	double w = fmod(fmod(s - base, 7) + 7, 7);

	ret_num(out, t == 3 ? w : w + 1);
}

static void edate_fn(const struct sheet_evalctx *cx, struct sheet_value *args, int eom,
		     struct sheet_value *out)
{
	double s, n, r;
	long y, m, d;

	if (arg_date(cx, &args[0], &s, out) || arg_num(cx, &args[1], &n, out))
		return;
	n = trunc(n);
	if (fabs(n) > 120000) {
		ret_err(out, SHEET_ERR_NUM);
		return;
	}
	ymd(s, &y, &m, &d);
	double mm = (double)(m - 1) + n, yy = (double)y + floor(mm / 12);

	mm = mm - 12 * floor(mm / 12) + 1;
	if (yy < 1900 || yy > 9999) {
		ret_err(out, SHEET_ERR_NUM);
		return;
	}
	long md = month_days((long)yy, (long)mm);

	if (eom || d > md)
		d = md;
	r = serial_month((long)yy, (long)mm) + (double)d - 1;
	if (r < 0 || r > DATE_MAX)
		ret_err(out, SHEET_ERR_NUM);
	else
		ret_num(out, r);
}

FN(edate)
{
	edate_fn(cx, args, 0, out);
}
FN(eomonth)
{
	edate_fn(cx, args, 1, out);
}

FN(days)
{
	double e, s;

	if (arg_date(cx, &args[0], &e, out) || arg_date(cx, &args[1], &s, out))
		return;
	ret_num(out, floor(e) - floor(s));
}

FN(datedif)
{
	double s, e;
	long y1, m1, d1, y2, m2, d2, months;
	char *unit;

	if (arg_date(cx, &args[0], &s, out) || arg_date(cx, &args[1], &e, out))
		return;
	if ((unit = arg_text(cx, &args[2], out)) == NULL)
		return;
	s = floor(s);
	e = floor(e);
	if (s > e) {
		free(unit);
		ret_err(out, SHEET_ERR_NUM);
		return;
	}
	ymd(s, &y1, &m1, &d1);
	ymd(e, &y2, &m2, &d2);
	months = (y2 - y1) * 12 + (m2 - m1) - (d2 < d1);
	if (strcasecmp(unit, "Y") == 0)
		ret_num(out, (double)(months / 12));
	else if (strcasecmp(unit, "M") == 0)
		ret_num(out, (double)months);
	else if (strcasecmp(unit, "D") == 0)
		ret_num(out, e - s);
	else if (strcasecmp(unit, "YM") == 0)
		ret_num(out, (double)(months % 12));
	else if (strcasecmp(unit, "MD") == 0) {
		if (d2 >= d1) {
			ret_num(out, (double)(d2 - d1));
		} else { /* from the start day in the month before the end */
			long pm = m2 == 1 ? 12 : m2 - 1, py = m2 == 1 ? y2 - 1 : y2;

			ret_num(out, (double)(month_days(py, pm) - d1 + d2));
		}
	} else if (strcasecmp(unit, "YD") == 0) {
		/* the start moved to the latest anniversary not after the end */
		long y = y2;
		double a;

		do {
			long dd = d1 > month_days(y, m1) ? month_days(y, m1) : d1;

			a = y < 1900 ? -1 : serial_month(y, m1) + (double)dd - 1;
			y--;
		} while (a > e && y >= y1);
		ret_num(out, a < 0 ? e - s : e - a);
	} else {
		ret_err(out, SHEET_ERR_NUM);
	}
	free(unit);
}

/* ---- the table ------------------------------------------------------------ */

#define F(n, lo, hi, f)                                                                            \
	{                                                                                          \
		n, lo, hi, 0, fn_##f, 0                                                            \
	}

/* Volatile: recomputed on every recalculation (RAND, NOW). */
#define FV(n, lo, hi, f)                                                                           \
	{                                                                                          \
		n, lo, hi, 1, fn_##f, 0                                                            \
	}

/* Taking single values: applied element by element to arrays. */
#define FS(n, lo, hi, f)                                                                           \
	{                                                                                          \
		n, lo, hi, 0, fn_##f, SHEET_FN_SCALAR                                              \
	}

/* With arguments in an array context (SHEET_FN_ARRAYCTX*). */
#define FA(n, lo, hi, f, fl)                                                                       \
	{                                                                                          \
		n, lo, hi, 0, fn_##f, fl                                                           \
	}

/* Functions of the other files (func_*.c). */
#define FX(n, lo, hi, f)                                                                           \
	{                                                                                          \
		n, lo, hi, 0, sheet_fn_##f, 0                                                      \
	}
#define FXS(n, lo, hi, f)                                                                          \
	{                                                                                          \
		n, lo, hi, 0, sheet_fn_##f, SHEET_FN_SCALAR                                        \
	}
#define FXA(n, lo, hi, f, fl)                                                                      \
	{                                                                                          \
		n, lo, hi, 0, sheet_fn_##f, fl                                                     \
	}
#define FXV(n, lo, hi, f)                                                                          \
	{                                                                                          \
		n, lo, hi, 1, sheet_fn_##f, 0                                                      \
	}

static const struct sheet_func funcs[] = {
    FS("ABS", 1, 1, abs),
    FS("ACOS", 1, 1, acos),
    FX("ADDRESS", 2, 5, address),
    F("AND", 1, 255, and),
    FS("ASIN", 1, 1, asin),
    FS("ATAN", 1, 1, atan),
    FS("ATAN2", 2, 2, atan2),
    F("AVERAGE", 1, 255, average),
    F("AVERAGEA", 1, 255, averagea),
    F("AVERAGEIF", 2, 3, averageif),
    F("AVERAGEIFS", 3, 255, averageifs),
    FS("CEILING", 2, 2, ceiling),
    FS("CHAR", 1, 1, char),
    F("CHOOSE", 2, 255, choose),
    FS("CLEAN", 1, 1, clean),
    FS("CODE", 1, 1, code),
    F("COLUMN", 0, 1, column),
    FA("COLUMNS", 1, 1, columns, SHEET_FN_ARRAYCTX1),
    FS("COMBIN", 2, 2, combin),
    F("CONCAT", 1, 255, concat),
    F("CONCATENATE", 1, 255, concatenate),
    F("CORREL", 2, 2, correl),
    FS("COS", 1, 1, cos),
    F("COUNT", 1, 255, count),
    F("COUNTA", 1, 255, counta),
    F("COUNTBLANK", 1, 1, countblank),
    F("COUNTIF", 2, 2, countif),
    F("COUNTIFS", 2, 255, countifs),
    FS("DATE", 3, 3, date),
    FS("DATEDIF", 3, 3, datedif),
    FXS("DATEVALUE", 1, 1, datevalue),
    FS("DAY", 1, 1, day),
    FS("DAYS", 2, 2, days),
    FX("DAYS360", 2, 3, days360),
    FX("DB", 4, 5, db),
    FX("DDB", 4, 5, ddb),
    FS("DEGREES", 1, 1, degrees),
    FXS("DOLLAR", 1, 2, dollar),
    FS("EDATE", 2, 2, edate),
    FS("EOMONTH", 2, 2, eomonth),
    FS("ERROR.TYPE", 1, 1, error_type),
    FS("EVEN", 1, 1, even),
    FS("EXACT", 2, 2, exact),
    FS("EXP", 1, 1, exp),
    FS("FACT", 1, 1, fact),
    F("FALSE", 0, 0, false),
    FS("FIND", 2, 3, find),
    FS("FIXED", 1, 3, fixed),
    FS("FLOOR", 2, 2, floor),
    F("FORECAST", 3, 3, forecast),
    FX("FV", 3, 5, fv),
    F("GCD", 1, 255, gcd),
    FX("HLOOKUP", 3, 4, hlookup),
    FS("HOUR", 1, 1, hour),
    FS("IF", 1, 3, if),
    FS("IFERROR", 2, 2, iferror),
    FS("IFNA", 2, 2, ifna),
    F("IFS", 2, 254, ifs),
    FA("INDEX", 2, 3, index, SHEET_FN_ARRAYCTX1),
    FXV("INDIRECT", 1, 2, indirect),
    FS("INT", 1, 1, int),
    F("INTERCEPT", 2, 2, intercept),
    FX("IPMT", 4, 6, ipmt),
    FX("IRR", 1, 2, irr),
    FS("ISBLANK", 1, 1, isblank),
    FS("ISERR", 1, 1, iserr),
    FS("ISERROR", 1, 1, iserror),
    FS("ISLOGICAL", 1, 1, islogical),
    FS("ISNA", 1, 1, isna),
    FS("ISNUMBER", 1, 1, isnumber),
    FXS("ISOWEEKNUM", 1, 1, isoweeknum),
    FS("ISTEXT", 1, 1, istext),
    F("LARGE", 2, 2, large),
    F("LCM", 1, 255, lcm),
    FS("LEFT", 1, 2, left),
    FS("LEN", 1, 1, len),
    FS("LN", 1, 1, ln),
    FS("LOG", 1, 2, log),
    FS("LOG10", 1, 1, log10),
    FXA("LOOKUP", 2, 3, lookup, SHEET_FN_ARRAYCTX23),
    FS("LOWER", 1, 1, lower),
    F("MATCH", 2, 3, match),
    F("MAX", 1, 255, max),
    F("MAXIFS", 3, 255, maxifs),
    F("MEDIAN", 1, 255, median),
    FS("MID", 3, 3, mid),
    F("MIN", 1, 255, min),
    F("MINIFS", 3, 255, minifs),
    FS("MINUTE", 1, 1, minute),
    FS("MOD", 2, 2, mod),
    F("MODE", 1, 255, mode),
    FS("MONTH", 1, 1, month),
    FS("MROUND", 2, 2, mround),
    F("N", 1, 1, n),
    F("NA", 0, 0, na),
    FX("NETWORKDAYS", 2, 3, networkdays),
    FS("NOT", 1, 1, not ),
    FXV("NOW", 0, 0, now),
    FX("NPER", 3, 5, nper),
    FX("NPV", 2, 255, npv),
    F("NUMBERVALUE", 1, 3, numbervalue),
    FS("ODD", 1, 1, odd),
    FXV("OFFSET", 3, 5, offset),
    F("OR", 1, 255, or),
    F("PERCENTILE", 2, 2, percentile),
    F("PI", 0, 0, pi),
    FX("PMT", 3, 5, pmt),
    FS("POWER", 2, 2, power),
    FX("PPMT", 4, 6, ppmt),
    F("PRODUCT", 1, 255, product),
    FS("PROPER", 1, 1, proper),
    FX("PV", 3, 5, pv),
    F("QUARTILE", 2, 2, quartile),
    FS("QUOTIENT", 2, 2, quotient),
    FS("RADIANS", 1, 1, radians),
    FV("RAND", 0, 0, rand),
    FV("RANDBETWEEN", 2, 2, randbetween),
    F("RANK", 2, 3, rank),
    FX("RATE", 3, 6, rate),
    FS("REPLACE", 4, 4, replace),
    FS("REPT", 2, 2, rept),
    FS("RIGHT", 1, 2, right),
    FS("ROUND", 2, 2, round),
    FS("ROUNDDOWN", 2, 2, rounddown),
    FS("ROUNDUP", 2, 2, roundup),
    F("ROW", 0, 1, row),
    FA("ROWS", 1, 1, rows, SHEET_FN_ARRAYCTX1),
    FS("SEARCH", 2, 3, search),
    FS("SECOND", 1, 1, second),
    FS("SIGN", 1, 1, sign),
    FS("SIN", 1, 1, sin),
    FX("SLN", 3, 3, sln),
    F("SLOPE", 2, 2, slope),
    F("SMALL", 2, 2, small),
    FS("SQRT", 1, 1, sqrt),
    F("STDEV", 1, 255, stdev),
    F("STDEV.P", 1, 255, stdevp),
    F("STDEV.S", 1, 255, stdev),
    FS("SUBSTITUTE", 3, 4, substitute),
    F("SUM", 1, 255, sum),
    F("SUMIF", 2, 3, sumif),
    F("SUMIFS", 3, 255, sumifs),
    FA("SUMPRODUCT", 1, 255, sumproduct, SHEET_FN_ARRAYCTX),
    F("SUMSQ", 1, 255, sumsq),
    F("SWITCH", 3, 254, switch),
    F("T", 1, 1, t),
    FS("TAN", 1, 1, tan),
    FXS("TEXT", 2, 2, text),
    F("TEXTJOIN", 3, 255, textjoin),
    FS("TIME", 3, 3, time),
    FXS("TIMEVALUE", 1, 1, timevalue),
    FXV("TODAY", 0, 0, today),
    FXA("TRANSPOSE", 1, 1, transpose, SHEET_FN_ARRAYCTX1),
    FS("TRIM", 1, 1, trim),
    F("TRUE", 0, 0, true),
    FS("TRUNC", 1, 2, trunc),
    F("TYPE", 1, 1, type),
    FS("UNICHAR", 1, 1, unichar),
    FS("UNICODE", 1, 1, unicode),
    FS("UPPER", 1, 1, upper),
    FS("VALUE", 1, 1, value),
    F("VAR", 1, 255, var),
    F("VAR.P", 1, 255, varp),
    F("VAR.S", 1, 255, var),
    F("VLOOKUP", 3, 4, vlookup),
    FS("WEEKDAY", 1, 2, weekday),
    FXS("WEEKNUM", 1, 2, weeknum),
    FX("WORKDAY", 2, 3, workday),
    FX("XIRR", 2, 3, xirr),
    FX("XLOOKUP", 3, 6, xlookup),
    FX("XNPV", 3, 3, xnpv),
    F("XOR", 1, 255, xor),
    FS("YEAR", 1, 1, year),
    FX("YEARFRAC", 2, 3, yearfrac),
};

int sheet_func_find(const char *name, size_t len)
{
	/* Files written by Excel 2010+ prefix newer functions. */
	if (len > 6 && strncasecmp(name, "_xlfn.", 6) == 0)
		name += 6, len -= 6;
	/* The table is sorted by byte value of its upper-case names (a unit
	 * test checks): a binary search comparing the name upper-cased. */
	size_t lo = 0, hi = nitems(funcs);
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2, i;
		const char *t = funcs[mid].name;
		int c = 0;

		for (i = 0; i < len && t[i]; i++) {
			int u = (unsigned char)name[i];

			c = (unsigned char)t[i] - (u >= 'a' && u <= 'z' ? u - 'a' + 'A' : u);
			if (c)
				break;
		}
		if (!c)
			c = t[i] ? 1 : i < len ? -1 : 0;
		if (!c)
			return (int)mid;
		if (c > 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return -1;
}

const struct sheet_func *sheet_func_at(int i)
{
	return i >= 0 && (size_t)i < nitems(funcs) ? &funcs[i] : NULL;
}
