/*
 * func_fin.c - financial functions: the time value of money (PV, FV, PMT,
 * IPMT, PPMT, NPER, RATE), cash flows (NPV, XNPV, IRR, XIRR) and
 * depreciation (SLN, DB, DDB), with Excel's sign convention (money paid
 * out is negative) and argument rules.
 *
 * RATE, IRR and XIRR solve by Newton's method from Excel's guess (10%);
 * when Newton does not converge they look for a sign change of the
 * function around the guess and bisect it. No root found is #NUM!.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "modules/sheets/engine.h"
#include "modules/sheets/func_int.h"

#define SOLVE_TOL 1e-10
#define NEWTON_ITERS 100

/* Optional numeric argument i (default d); non-zero when it is an error. */
static int opt_num(const struct sheet_evalctx *cx, struct sheet_value *args, int argc, int i,
		   double d, double *v, struct sheet_value *out)
{
	*v = d;
	if (i >= argc || args[i].type == SHEET_MISSING)
		return 0;
	return arg_num(cx, &args[i], v, out);
}

/* ---- time value of money ----------------------------------------------------- */

static double tvm_fv(double r, double n, double pmt, double pv, int type)
{
	if (r == 0)
		return -(pv + pmt * n);
	double q = pow(1 + r, n);

	return -(pv * q + pmt * (1 + r * type) * (q - 1) / r);
}

static double tvm_pmt(double r, double n, double pv, double fv, int type)
{
	if (r == 0)
		return -(pv + fv) / n;
	double q = pow(1 + r, n);

	return -r * (fv + pv * q) / ((1 + r * type) * (q - 1));
}

/* Arguments (a, b, c, [d], [type]) as the TVM functions take them. */
static int tvm_args(const struct sheet_evalctx *cx, struct sheet_value *args, int argc, double *v,
		    int *type, struct sheet_value *out)
{
	double t;

	for (int i = 0; i < 3; i++)
		if (arg_num(cx, &args[i], &v[i], out))
			return 1;
	if (opt_num(cx, args, argc, 3, 0, &v[3], out) || opt_num(cx, args, argc, 4, 0, &t, out))
		return 1;
	*type = t != 0;
	return 0;
}

FNX(fv)
{
	double v[4];
	int type;

	if (tvm_args(cx, args, argc, v, &type, out))
		return;
	ret_num(out, tvm_fv(v[0], v[1], v[2], v[3], type));
}

FNX(pv)
{
	double v[4], r, n, pmt, fv;
	int type;

	if (tvm_args(cx, args, argc, v, &type, out))
		return;
	r = v[0], n = v[1], pmt = v[2], fv = v[3];
	if (r == 0) {
		ret_num(out, -(fv + pmt * n));
		return;
	}
	if (r == -1) {
		ret_err(out, SHEET_ERR_DIV0);
		return;
	}
	double q = pow(1 + r, n);

	ret_num(out, -(fv + pmt * (1 + r * type) * (q - 1) / r) / q);
}

FNX(pmt)
{
	double v[4];
	int type;

	if (tvm_args(cx, args, argc, v, &type, out))
		return;
	if (v[1] == 0 || (v[0] != 0 && pow(1 + v[0], v[1]) == 1)) {
		ret_err(out, SHEET_ERR_NUM);
		return;
	}
	ret_num(out, tvm_pmt(v[0], v[1], v[2], v[3], type));
}

FNX(nper)
{
	double v[4], r, pmt, pv, fv, a, b;
	int type;

	if (tvm_args(cx, args, argc, v, &type, out))
		return;
	r = v[0], pmt = v[1], pv = v[2], fv = v[3];
	if (r == 0) {
		if (pmt == 0)
			ret_err(out, SHEET_ERR_NUM);
		else
			ret_num(out, -(pv + fv) / pmt);
		return;
	}
	if (r <= -1) {
		ret_err(out, SHEET_ERR_NUM);
		return;
	}
	a = pmt * (1 + r * type) - fv * r;
	b = pmt * (1 + r * type) + pv * r;
	if (b == 0 || a / b <= 0) {
		ret_err(out, SHEET_ERR_NUM);
		return;
	}
	ret_num(out, log(a / b) / log(1 + r));
}

/* IPMT and PPMT: (rate, per, nper, pv, [fv], [type]). */
static int per_args(const struct sheet_evalctx *cx, struct sheet_value *args, int argc, double *v,
		    int *type, struct sheet_value *out)
{
	double t;

	for (int i = 0; i < 4; i++)
		if (arg_num(cx, &args[i], &v[i], out))
			return 1;
	if (opt_num(cx, args, argc, 4, 0, &v[4], out) || opt_num(cx, args, argc, 5, 0, &t, out))
		return 1;
	*type = t != 0;
	if (v[1] < 1 || v[1] > v[2] || v[2] == 0) {
		ret_err(out, SHEET_ERR_NUM);
		return 1;
	}
	return 0;
}

static double ipmt(double r, double per, double n, double pv, double fv, int type)
{
	double p = tvm_pmt(r, n, pv, fv, type);

	if (r == 0)
		return 0;
	if (per == 1)
		return type ? 0 : -pv * r;
	if (type) /* paid at the start: the interest of the balance before */
		return (tvm_fv(r, per - 2, p, pv, 1) - p) * r;
	return tvm_fv(r, per - 1, p, pv, 0) * r;
}

FNX(ipmt)
{
	double v[5];
	int type;

	if (per_args(cx, args, argc, v, &type, out))
		return;
	ret_num(out, ipmt(v[0], v[1], v[2], v[3], v[4], type));
}

FNX(ppmt)
{
	double v[5];
	int type;

	if (per_args(cx, args, argc, v, &type, out))
		return;
	ret_num(out, tvm_pmt(v[0], v[2], v[3], v[4], type) - ipmt(v[0], v[1], v[2], v[3], v[4], type));
}

/* ---- solving ------------------------------------------------------------------ */

typedef double (*solve_fn)(double r, double *deriv, void *arg);

/* A root of fn near guess on (-1, inf), or NAN. */
static double solve(solve_fn fn, void *arg, double guess)
{
	static const double grid[] = {-0.999999, -0.99, -0.9, -0.75, -0.5, -0.25, -0.1, -0.01,
				      0,	 0.01,	0.05, 0.1,   0.2,  0.3,	  0.5,	0.75,
				      1,	 1.5,	2,    3,     5,	   10,	  20,	50,
				      100,	 1000,	1e4,  1e5,   1e6};
	double r = guess, d, f;
	double blo = NAN, bhi = NAN;

	for (int i = 0; i < NEWTON_ITERS && r > -1 && isfinite(r); i++) {
		f = fn(r, &d, arg);
		if (!isfinite(f) || !isfinite(d) || d == 0)
			break;
		double nr = r - f / d;

		if (fabs(nr - r) <= SOLVE_TOL * (1 + fabs(r))) {
			if (nr > -1 && fabs(fn(nr, &d, arg)) < 1e-6 * (1 + fabs(f)))
				return nr;
			break;
		}
		r = nr;
	}
	/* bracket a sign change, the one nearest the guess */
	double best = INFINITY, pf = NAN, pr = NAN;

	for (size_t i = 0; i < nitems(grid); i++) {
		double x = grid[i];

		f = fn(x, &d, arg);
		if (!isfinite(f)) {
			pf = NAN;
			continue;
		}
		if (f == 0)
			return x;
		if (isfinite(pf) && (pf < 0) != (f < 0)) {
			double dist = fabs((pr + x) / 2 - guess);

			if (dist < best)
				best = dist, blo = pr, bhi = x;
		}
		pf = f, pr = x;
	}
	if (!isfinite(blo))
		return NAN;
	double flo = fn(blo, &d, arg);

	for (int i = 0; i < 300 && bhi - blo > SOLVE_TOL * (1 + fabs(blo)); i++) {
		double mid = (blo + bhi) / 2, fm = fn(mid, &d, arg);

		if (fm == 0)
			return mid;
		if ((fm < 0) == (flo < 0))
			blo = mid, flo = fm;
		else
			bhi = mid;
	}
	return (blo + bhi) / 2;
}

struct rate_arg {
	double n, pmt, pv, fv;
	int type;
};

static double rate_f(double r, double *deriv, void *arg)
{
	const struct rate_arg *a = arg;
	double n = a->n, t = a->type;

	if (fabs(r) < 1e-12) { /* the limit at 0 */
		*deriv = a->pv * n + a->pmt * (n * (n - 1) / 2 + t * n);
		return a->pv + a->pmt * n + a->fv;
	}
	double q = pow(1 + r, n), dq = n * pow(1 + r, n - 1);

	*deriv = a->pv * dq + a->pmt * (t * (q - 1) / r + (1 + r * t) * (dq * r - (q - 1)) / (r * r));
	return a->pv * q + a->pmt * (1 + r * t) * (q - 1) / r + a->fv;
}

FNX(rate)
{
	struct rate_arg a;
	double t, guess, r;

	if (arg_num(cx, &args[0], &a.n, out) || arg_num(cx, &args[1], &a.pmt, out) ||
	    arg_num(cx, &args[2], &a.pv, out) || opt_num(cx, args, argc, 3, 0, &a.fv, out) ||
	    opt_num(cx, args, argc, 4, 0, &t, out) || opt_num(cx, args, argc, 5, 0.1, &guess, out))
		return;
	a.type = t != 0;
	if (a.n <= 0) {
		ret_err(out, SHEET_ERR_NUM);
		return;
	}
	r = solve(rate_f, &a, guess);
	if (isnan(r))
		ret_err(out, SHEET_ERR_NUM);
	else
		ret_num(out, r);
}

/* ---- cash flows ----------------------------------------------------------------- */

struct flows {
	double *v;
	size_t n, cap;
	int err;
};

static void flows_add(struct flows *fl, double d)
{
	if (fl->n == fl->cap) {
		fl->cap = fl->cap ? fl->cap * 2 : 16;
		fl->v = xreallocarray(fl->v, fl->cap, sizeof(*fl->v));
	}
	fl->v[fl->n++] = d;
}

/* In ranges NPV and IRR take numbers only, in order; errors stop them. */
static int flows_cell(const struct sheet_value *v, uint32_t row, uint32_t col, void *arg)
{
	struct flows *fl = arg;

	(void)row, (void)col;
	if (v->type == SHEET_ERROR) {
		fl->err = v->err;
		return 1;
	}
	if (v->type == SHEET_NUM)
		flows_add(fl, v->num);
	return 0;
}

/* Cells of a range in Excel's order (row by row). */
static void flows_range(const struct sheet_evalctx *cx, const struct sheet_ref *r,
			struct flows *fl)
{
	uint32_t r2 = sheet_last_row(cx, r), c2 = sheet_last_col(cx, r);

	for (uint32_t row = r->r1; row <= r2 && fl->err == 0; row++)
		for (uint32_t col = r->c1; col <= c2 && fl->err == 0; col++) {
			struct sheet_value v;

			sheet_get(cx->wb, r->sheet, row, col, &v);
			flows_cell(&v, row, col, fl);
		}
}

/* The cash flows of args[from..argc); non-zero (out set) on error. */
static int flows_get(const struct sheet_evalctx *cx, struct sheet_value *args, int from, int argc,
		     struct flows *fl, struct sheet_value *out)
{
	memset(fl, 0, sizeof(*fl));
	for (int i = from; i < argc && fl->err == 0; i++) {
		double d;

		if (args[i].type == SHEET_REF) {
			flows_range(cx, &args[i].ref, fl);
		} else if (args[i].type != SHEET_MISSING) {
			int er = sheet_to_num(&args[i], &d);

			if (er != 0)
				fl->err = er;
			else
				flows_add(fl, d);
		}
	}
	if (fl->err != 0) {
		ret_err(out, fl->err);
		free(fl->v);
		return 1;
	}
	return 0;
}

FNX(npv)
{
	struct flows fl;
	double r, sum = 0, q = 1;

	if (arg_num(cx, &args[0], &r, out))
		return;
	if (r == -1) {
		ret_err(out, SHEET_ERR_DIV0);
		return;
	}
	if (flows_get(cx, args, 1, argc, &fl, out))
		return;
	for (size_t i = 0; i < fl.n; i++) {
		q *= 1 + r;
		sum += fl.v[i] / q;
	}
	free(fl.v);
	ret_num(out, sum);
}

static double irr_f(double r, double *deriv, void *arg)
{
	const struct flows *fl = arg;
	double f = 0, d = 0, q = 1;

	for (size_t i = 0; i < fl->n; i++) {
		f += fl->v[i] / q;
		d -= (double)i * fl->v[i] / (q * (1 + r));
		q *= 1 + r;
	}
	*deriv = d;
	return f;
}

/* A root needs money both paid and received. */
static int has_both(const double *v, size_t n)
{
	int pos = 0, neg = 0;

	for (size_t i = 0; i < n; i++)
		pos |= v[i] > 0, neg |= v[i] < 0;
	return pos && neg;
}

FNX(irr)
{
	struct flows fl;
	double guess, r;

	if (opt_num(cx, args, argc, 1, 0.1, &guess, out))
		return;
	if (flows_get(cx, args, 0, 1, &fl, out))
		return;
	if (!has_both(fl.v, fl.n)) {
		free(fl.v);
		ret_err(out, SHEET_ERR_NUM);
		return;
	}
	r = solve(irr_f, &fl, guess);
	free(fl.v);
	if (isnan(r))
		ret_err(out, SHEET_ERR_NUM);
	else
		ret_num(out, r);
}

struct xflows {
	double *v, *d;
	size_t n;
};

/*
 * Values and dates for XNPV and XIRR: two ranges (or single values) of the
 * same number of cells, every one a number; dates truncated, none before
 * the first. Non-zero (out set) on error.
 */
static int xflows_get(const struct sheet_evalctx *cx, struct sheet_value *vals,
		      struct sheet_value *dates, struct xflows *x, struct sheet_value *out)
{
	struct sheet_value *src[2] = {vals, dates};
	double *dst[2] = {NULL, NULL};
	size_t cnt[2] = {0, 0};
	int err = 0;

	memset(x, 0, sizeof(*x));
	for (int k = 0; k < 2 && err == 0; k++) {
		const struct sheet_value *a = src[k];

		if (a->type != SHEET_REF) {
			double d;

			if ((err = arg_num(cx, a, &d, out) ? -1 : 0) != 0)
				break;
			dst[k] = xmalloc(sizeof(double));
			dst[k][0] = d;
			cnt[k] = 1;
			continue;
		}
		const struct sheet_ref *r = &a->ref;
		double cells = ((double)r->r2 - r->r1 + 1) * ((double)r->c2 - r->c1 + 1);

		if (cells > 1e6) {
			err = SHEET_ERR_NUM;
			break;
		}
		dst[k] = xmalloc((size_t)cells * sizeof(double));
		for (uint32_t row = r->r1; row <= r->r2 && err == 0; row++)
			for (uint32_t col = r->c1; col <= r->c2 && err == 0; col++) {
				struct sheet_value v;

				sheet_get(cx->wb, r->sheet, row, col, &v);
				if (v.type == SHEET_ERROR)
					err = v.err;
				else if (v.type != SHEET_NUM)
					err = SHEET_ERR_VALUE;
				else
					dst[k][cnt[k]++] = v.num;
			}
	}
	if (err == 0 && cnt[0] != cnt[1])
		err = SHEET_ERR_NUM;
	for (size_t i = 0; err == 0 && i < cnt[1]; i++) {
		dst[1][i] = floor(dst[1][i]);
		if (dst[1][i] < 0 || dst[1][i] > DATE_MAX || dst[1][i] < dst[1][0])
			err = SHEET_ERR_NUM;
	}
	if (err != 0) {
		if (err > 0)
			ret_err(out, err);
		free(dst[0]);
		free(dst[1]);
		return 1;
	}
	x->v = dst[0];
	x->d = dst[1];
	x->n = cnt[0];
	return 0;
}

static double xnpv(const struct xflows *x, double r, double *deriv)
{
	double f = 0, d = 0;

	for (size_t i = 0; i < x->n; i++) {
		double t = (x->d[i] - x->d[0]) / 365, q = pow(1 + r, t);

		f += x->v[i] / q;
		d -= t * x->v[i] / (q * (1 + r));
	}
	*deriv = d;
	return f;
}

static double xirr_f(double r, double *deriv, void *arg)
{
	return xnpv(arg, r, deriv);
}

FNX(xnpv)
{
	struct xflows x;
	double r, d;

	(void)argc;
	if (arg_num(cx, &args[0], &r, out))
		return;
	if (xflows_get(cx, &args[1], &args[2], &x, out))
		return;
	if (r <= -1)
		ret_err(out, SHEET_ERR_NUM);
	else
		ret_num(out, xnpv(&x, r, &d));
	free(x.v);
	free(x.d);
}

FNX(xirr)
{
	struct xflows x;
	double guess, r;

	if (opt_num(cx, args, argc, 2, 0.1, &guess, out))
		return;
	if (xflows_get(cx, &args[0], &args[1], &x, out))
		return;
	if (!has_both(x.v, x.n) || guess <= -1) {
		ret_err(out, SHEET_ERR_NUM);
	} else {
		r = solve(xirr_f, &x, guess);
		if (isnan(r))
			ret_err(out, SHEET_ERR_NUM);
		else
			ret_num(out, r);
	}
	free(x.v);
	free(x.d);
}

/* ---- depreciation ------------------------------------------------------------------ */

FNX(sln)
{
	double c, s, l;

	(void)argc;
	if (arg_num(cx, &args[0], &c, out) || arg_num(cx, &args[1], &s, out) ||
	    arg_num(cx, &args[2], &l, out))
		return;
	if (l == 0)
		ret_err(out, SHEET_ERR_DIV0);
	else
		ret_num(out, (c - s) / l);
}

FNX(db)
{
	double c, s, l, p, m, rate, total = 0, dep = 0;

	if (arg_num(cx, &args[0], &c, out) || arg_num(cx, &args[1], &s, out) ||
	    arg_num(cx, &args[2], &l, out) || arg_num(cx, &args[3], &p, out) ||
	    opt_num(cx, args, argc, 4, 12, &m, out))
		return;
	p = trunc(p);
	m = trunc(m);
	if (c < 0 || s < 0 || l <= 0 || p <= 0 || m < 1 || m > 12 || p > l + (m < 12) ||
	    l > 1e6) {
		ret_err(out, SHEET_ERR_NUM);
		return;
	}
	if (c == 0) {
		ret_num(out, 0);
		return;
	}
	/* Excel rounds the rate to three decimals */
	rate = round((1 - pow(s / c, 1 / l)) * 1000) / 1000;
	for (double i = 1; i <= p; i++) {
		if (i == 1)
			dep = c * rate * m / 12;
		else if (i == l + 1)
			dep = (c - total) * rate * (12 - m) / 12;
		else
			dep = (c - total) * rate;
		total += dep;
	}
	ret_num(out, dep);
}

FNX(ddb)
{
	double c, s, l, p, f, r, prior, d;

	if (arg_num(cx, &args[0], &c, out) || arg_num(cx, &args[1], &s, out) ||
	    arg_num(cx, &args[2], &l, out) || arg_num(cx, &args[3], &p, out) ||
	    opt_num(cx, args, argc, 4, 2, &f, out))
		return;
	if (c < 0 || s < 0 || l <= 0 || p <= 0 || f <= 0 || p > l) {
		ret_err(out, SHEET_ERR_NUM);
		return;
	}
	r = f / l;
	if (r > 1)
		r = 1;
	/* what the periods before took: the balance shrinks by (1 - r) each */
	prior = c * (1 - pow(1 - r, p - 1));
	if (prior > c - s)
		prior = c - s > 0 ? c - s : 0;
	d = (c - prior) * r;
	if (prior + d > c - s)
		d = c - s - prior;
	ret_num(out, d > 0 ? d : 0);
}
