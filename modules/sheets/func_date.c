/*
 * func_date.c - date and time functions beyond func.c's: TODAY, NOW,
 * WEEKNUM, ISOWEEKNUM, NETWORKDAYS, WORKDAY, DAYS360, DATEVALUE, TIMEVALUE
 * and YEARFRAC, in Excel's 1900 date system (see func_int.h), and the
 * reading of dates and times written as text.
 *
 * NOW and TODAY read the workbook's clock (sheet_set_clock) and are
 * volatile. YEARFRAC follows Excel's undocumented rules for bases 0 and 1
 * as they were worked out by comparing with Excel (the NASD end-of-February
 * cases, and actual/actual averaging the year lengths over several years).
 */
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "modules/sheets/engine.h"
#include "modules/sheets/func_int.h"

/* 0 Sunday .. 6 Saturday, as Excel counts serials (serial 1 a Sunday). */
static int dow(double s)
{
	return (int)fmod(floor(s) + 6, 7);
}

static int is_leap(long y)
{
	return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
}

FNX(today)
{
	(void)args, (void)argc;
	ret_num(out, floor(sheet_now(cx->wb)));
}

FNX(now)
{
	(void)args, (void)argc;
	ret_num(out, sheet_now(cx->wb));
}

FNX(weeknum)
{
	double s, t = 1, jan1;
	long y, m, d;
	int start;

	if (arg_date(cx, &args[0], &s, out) ||
	    (argc > 1 && args[1].type != SHEET_MISSING && arg_num(cx, &args[1], &t, out)))
		return;
	t = trunc(t);
	s = floor(s);
	ymd(s, &y, &m, &d);
	if (t == 21) { /* ISO */
		FNX(isoweeknum);

		sheet_fn_isoweeknum(cx, args, 1, out);
		return;
	}
	if (t == 1 || t == 17)
		start = 0;
	else if (t == 2 || t == 11)
		start = 1;
	else if (t >= 12 && t <= 16)
		start = (int)t - 10;
	else {
		ret_err(out, SHEET_ERR_NUM);
		return;
	}
	jan1 = y == 1900 ? 1 : serial_month(y, 1);
	ret_num(out, floor((s - jan1 + (double)((dow(jan1) - start + 7) % 7)) / 7) + 1);
}

FNX(isoweeknum)
{
	double s, thu, jan1;
	long y, m, d;

	(void)argc;
	if (arg_date(cx, &args[0], &s, out))
		return;
	s = floor(s);
	/* the week's Thursday decides its year */
	thu = s - (double)((dow(s) + 6) % 7) + 3;
	if (thu < 1) {
		ret_num(out, 52); /* 1900-01-01 is in the last week of 1899 */
		return;
	}
	ymd(thu, &y, &m, &d);
	jan1 = y == 1900 ? 1 : serial_month(y, 1);
	ret_num(out, floor((thu - jan1) / 7) + 1);
}

FNX(days360)
{
	double s, e;
	int euro = 0;
	long y1, m1, d1, y2, m2, d2;

	if (arg_date(cx, &args[0], &s, out) || arg_date(cx, &args[1], &e, out) ||
	    (argc > 2 && args[2].type != SHEET_MISSING && arg_bool(cx, &args[2], &euro, out)))
		return;
	ymd(floor(s), &y1, &m1, &d1);
	ymd(floor(e), &y2, &m2, &d2);
	if (euro) {
		if (d1 == 31)
			d1 = 30;
		if (d2 == 31)
			d2 = 30;
	} else {
		/* US (NASD): the last day of a month counts as the 30th */
		if (d1 == 31 || (m1 == 2 && d1 == month_days(y1, 2)))
			d1 = 30;
		if (d2 == 31 && d1 >= 30)
			d2 = 30;
	}
	ret_num(out, (double)((y2 - y1) * 360 + (m2 - m1) * 30 + (d2 - d1)));
}

/* ---- working days ------------------------------------------------------------ */

struct hols {
	double *v;
	size_t n, cap;
	int err;
};

static void hols_add(struct hols *h, double d)
{
	if (h->n == h->cap) {
		h->cap = h->cap ? h->cap * 2 : 16;
		h->v = xreallocarray(h->v, h->cap, sizeof(*h->v));
	}
	h->v[h->n++] = floor(d);
}

static int hols_cell(const struct sheet_value *v, uint32_t row, uint32_t col, void *arg)
{
	struct hols *h = arg;
	double d;

	(void)row, (void)col;
	if (v->type == SHEET_EMPTY)
		return 0;
	if (v->type == SHEET_ERROR) {
		h->err = v->err;
		return 1;
	}
	if (sheet_to_num(v, &d) != 0 || v->type == SHEET_BOOL || d < 0) {
		h->err = v->type == SHEET_TEXT || v->type == SHEET_BOOL ? SHEET_ERR_VALUE
									  : SHEET_ERR_NUM;
		return 1;
	}
	hols_add(h, d);
	return 0;
}

static int dbl_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The holidays argument (a range or a value), sorted; non-zero on error. */
static int hols_get(const struct sheet_evalctx *cx, const struct sheet_value *a, struct hols *h,
		    struct sheet_value *out)
{
	memset(h, 0, sizeof(*h));
	if (a->type == SHEET_MISSING)
		return 0;
	if (a->type == SHEET_REF) {
		sheet_range_each(cx->wb, &a->ref, hols_cell, h);
	} else {
		double d;

		if (arg_num(cx, a, &d, out)) {
			free(h->v);
			return 1;
		}
		if (d < 0)
			h->err = SHEET_ERR_NUM;
		else
			hols_add(h, d);
	}
	if (h->err != 0) {
		ret_err(out, h->err);
		free(h->v);
		return 1;
	}
	if (h->n)
		qsort(h->v, h->n, sizeof(*h->v), dbl_cmp);
	return 0;
}

static int is_hol(const struct hols *h, double d)
{
	size_t lo = 0, hi = h->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (h->v[mid] < d)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < h->n && h->v[lo] == d;
}

static int workday(double d, const struct hols *h)
{
	int w = dow(d);

	return w != 0 && w != 6 && !is_hol(h, d);
}

/* Weekdays in [a, b], a <= b, without holidays. */
static double weekdays(double a, double b, const struct hols *h)
{
	double n = 0, prev = -1;

	/* whole weeks hold five each; then the rest one by one */
	double weeks = floor((b - a + 1) / 7);

	n = weeks * 5;
	for (double d = a + weeks * 7; d <= b; d++)
		n += dow(d) != 0 && dow(d) != 6;
	for (size_t i = 0; i < h->n; i++) {
		double d = h->v[i];

		if (d != prev && d >= a && d <= b && dow(d) != 0 && dow(d) != 6)
			n--;
		prev = d;
	}
	return n;
}

FNX(networkdays)
{
	double s, e;
	struct hols h;

	if (arg_date(cx, &args[0], &s, out) || arg_date(cx, &args[1], &e, out))
		return;
	if (hols_get(cx, argc > 2 ? &args[2] : &(struct sheet_value){.type = SHEET_MISSING}, &h,
		     out))
		return;
	s = floor(s);
	e = floor(e);
	if (s <= e)
		ret_num(out, weekdays(s, e, &h));
	else
		ret_num(out, -weekdays(e, s, &h));
	free(h.v);
}

FNX(workday)
{
	double s, n, step;
	struct hols h;

	if (arg_date(cx, &args[0], &s, out) || arg_num(cx, &args[1], &n, out))
		return;
	n = trunc(n);
	if (fabs(n) > 1e7) {
		ret_err(out, SHEET_ERR_NUM);
		return;
	}
	if (hols_get(cx, argc > 2 ? &args[2] : &(struct sheet_value){.type = SHEET_MISSING}, &h,
		     out))
		return;
	s = floor(s);
	step = n < 0 ? -1 : 1;
	while (n != 0) {
		s += step;
		if (s < 0 || s > DATE_MAX)
			break;
		if (workday(s, &h))
			n -= step;
	}
	free(h.v);
	if (s < 0 || s > DATE_MAX)
		ret_err(out, SHEET_ERR_NUM);
	else
		ret_num(out, s);
}

/* ---- dates as text ------------------------------------------------------------ */

static const char *const mon_names[12] = {"january", "february", "march",     "april",
					  "may",     "june",	 "july",      "august",
					  "september", "october", "november", "december"};

/* A month name (full or its first three letters) at *p. */
static int month_word(const char **p)
{
	const char *s = *p;
	size_t n = 0;

	while (isalpha((unsigned char)s[n]))
		n++;
	for (int i = 0; i < 12; i++)
		if ((n == 3 || n == strlen(mon_names[i])) && strncasecmp(s, mon_names[i], n) == 0) {
			*p = s + n;
			return i + 1;
		}
	return 0;
}

static int number(const char **p, long *v, int *digits)
{
	const char *s = *p;
	long x = 0;
	int n = 0;

	while (isdigit((unsigned char)*s) && n < 9)
		x = x * 10 + (*s++ - '0'), n++;
	if (n == 0)
		return 0;
	*p = s;
	*v = x;
	if (digits)
		*digits = n;
	return 1;
}

static void skip_sp(const char **p)
{
	while (**p == ' ')
		(*p)++;
}

static long full_year(long y, int digits)
{
	if (digits <= 2)
		return y < 30 ? 2000 + y : 1900 + y;
	return y;
}

/* A date at *p; 0 and the serial, or -1 (p unchanged). */
static int parse_date(const char **pp, long now_year, double *out)
{
	const char *p = *pp;
	long a, b, c, y, m, d;
	int da, dc = 0, mw;
	char sep;

	if ((mw = month_word(&p)) != 0) { /* Jan 15, 2024 / January 15 2024 / Jan-2024 */
		m = mw;
		if (*p == '-' || *p == ' ' || *p == '/')
			p++;
		skip_sp(&p);
		if (!number(&p, &a, &da))
			return -1;
		if (*p == ',')
			p++;
		skip_sp(&p);
		if (da >= 3 || a > 31) { /* Jan-2024: the first of the month */
			y = full_year(a, da);
			d = 1;
		} else if (number(&p, &c, &dc)) {
			d = a;
			y = full_year(c, dc);
		} else {
			d = a;
			y = now_year;
		}
	} else {
		if (!number(&p, &a, &da))
			return -1;
		sep = *p;
		if (sep != '-' && sep != '/' && sep != ' ' && sep != '.')
			return -1;
		p++;
		skip_sp(&p);
		if ((mw = month_word(&p)) != 0) { /* 15-Jan-2024, 15 Jan 2024, 15-Jan */
			d = a;
			m = mw;
			if (*p == sep || *p == ' ' || *p == '-' || *p == '/') {
				p++;
				skip_sp(&p);
				if (!number(&p, &c, &dc))
					return -1;
				y = full_year(c, dc);
			} else {
				y = now_year;
			}
			if (da > 2) /* 2024-Jan-15 is not a form Excel reads */
				return -1;
		} else {
			if (sep == ' ' || !number(&p, &b, NULL))
				return -1;
			if (*p == sep && isdigit((unsigned char)p[1])) {
				p++;
				number(&p, &c, &dc);
				if (da >= 3) { /* 2024-01-15 */
					y = a, m = b, d = c;
				} else { /* 1/15/2024 (en-US: month first) */
					m = a, d = b, y = full_year(c, dc);
				}
			} else if (da >= 3) { /* 2024-01: the first of the month */
				y = a, m = b, d = 1;
			} else { /* 1/15 */
				m = a, d = b, y = now_year;
			}
		}
	}
	if (y < 1900 || y > 9999 || m < 1 || m > 12 || d < 1 || d > month_days(y, m))
		return -1;
	*out = y == 1900 && m == 2 && d == 29 ? 60 : serial_month(y, m) + (double)d - 1;
	*pp = p;
	return 0;
}

/* A time at *p (10:30, 10:30:15.5, 10 PM, 10:30 am); the fraction of a day. */
static int parse_time(const char **pp, double *out)
{
	const char *p = *pp;
	long h, m = 0;
	double s = 0;
	int colon = 0;

	if (!number(&p, &h, NULL))
		return -1;
	if (*p == ':') {
		p++;
		if (!number(&p, &m, NULL))
			return -1;
		colon = 1;
		if (*p == ':') {
			long si;

			p++;
			if (!number(&p, &si, NULL))
				return -1;
			s = (double)si;
			if (*p == '.') {
				double f = 0.1;

				p++;
				while (isdigit((unsigned char)*p))
					s += (*p++ - '0') * f, f /= 10;
			}
		}
	}
	skip_sp(&p);
	if (strncasecmp(p, "am", 2) == 0 || strncasecmp(p, "pm", 2) == 0 ||
	    ((*p == 'a' || *p == 'A' || *p == 'p' || *p == 'P') && !isalpha((unsigned char)p[1]))) {
		int pm = tolower((unsigned char)*p) == 'p';

		if (h < 1 || h > 12)
			return -1;
		h = h % 12 + (pm ? 12 : 0);
		p += isalpha((unsigned char)p[1]) ? 2 : 1;
	} else if (!colon) {
		return -1;
	}
	if (m > 59 || s >= 60)
		return -1;
	*out = ((double)h * 3600 + (double)m * 60 + s) / 86400;
	*pp = p;
	return 0;
}

int sheet_parse_datetime(const char *s, double now, double *out, int *parts)
{
	const char *p = s;
	double d = 0, t = 0;
	long y, m, dd;
	int got = 0;

	ymd(now >= 0 && now <= DATE_MAX ? now : 0, &y, &m, &dd);
	skip_sp(&p);
	if (parse_date(&p, y, &d) == 0) {
		got |= 1;
		skip_sp(&p);
	}
	if (*p != '\0' && parse_time(&p, &t) == 0)
		got |= 2;
	skip_sp(&p);
	if (*p != '\0' || got == 0)
		return -1;
	*out = d + t;
	*parts = got;
	return 0;
}

static void text_dt(const struct sheet_evalctx *cx, struct sheet_value *args, int time,
		    struct sheet_value *out)
{
	struct sheet_value v;
	double d;
	int parts;

	arg_value(cx, &args[0], &v);
	if (v.type == SHEET_ERROR) {
		ret_err(out, v.err);
		return;
	}
	if (v.type != SHEET_TEXT || sheet_parse_datetime(v.str, sheet_now(cx->wb), &d, &parts) != 0 ||
	    (!time && !(parts & 1))) {
		sheet_value_free(&v);
		ret_err(out, SHEET_ERR_VALUE);
		return;
	}
	sheet_value_free(&v);
	ret_num(out, time ? d - floor(d) : floor(d));
}

FNX(datevalue)
{
	(void)argc;
	text_dt(cx, args, 0, out);
}

FNX(timevalue)
{
	(void)argc;
	text_dt(cx, args, 1, out);
}

/* ---- YEARFRAC ------------------------------------------------------------------- */

static int feb_end(long y, long m, long d)
{
	return m == 2 && d == month_days(y, 2);
}

static double yearfrac(double s, double e, int basis)
{
	long y1, m1, d1, y2, m2, d2;

	ymd(s, &y1, &m1, &d1);
	ymd(e, &y2, &m2, &d2);
	switch (basis) {
	case 0:
		if (d1 == 31 && d2 == 31)
			d1 = 30, d2 = 30;
		else if (d1 == 31)
			d1 = 30;
		else if (d1 == 30 && d2 == 31)
			d2 = 30;
		else if (feb_end(y1, m1, d1) && feb_end(y2, m2, d2))
			d1 = 30, d2 = 30;
		else if (feb_end(y1, m1, d1))
			d1 = 30;
		return (double)((y2 - y1) * 360 + (m2 - m1) * 30 + (d2 - d1)) / 360;
	case 1: {
		int within = y1 == y2 || (y2 == y1 + 1 && (m1 > m2 || (m1 == m2 && d1 >= d2)));

		if (within) {
			double len = 365;

			if (y1 == y2 && is_leap(y1)) {
				len = 366;
			} else if (m2 == 2 && d2 == 29) {
				len = 366;
			} else {
				for (long y = y1; y <= y2; y++) {
					double f = serial_month(y, 3) - 1; /* Feb 29 or 28 */

					if (is_leap(y) && f >= s && f <= e)
						len = 366;
				}
			}
			return (e - s) / len;
		}
		double years = (double)(y2 - y1 + 1);
		double days = serial_month(y2 + 1, 1) - serial_month(y1, 1);

		return (e - s) / (days / years);
	}
	case 2:
		return (e - s) / 360;
	case 3:
		return (e - s) / 365;
	default:
		if (d1 == 31)
			d1 = 30;
		if (d2 == 31)
			d2 = 30;
		return (double)((y2 - y1) * 360 + (m2 - m1) * 30 + (d2 - d1)) / 360;
	}
}

FNX(yearfrac)
{
	double s, e, b = 0;

	if (arg_date(cx, &args[0], &s, out) || arg_date(cx, &args[1], &e, out) ||
	    (argc > 2 && args[2].type != SHEET_MISSING && arg_num(cx, &args[2], &b, out)))
		return;
	b = trunc(b);
	if (b < 0 || b > 4) {
		ret_err(out, SHEET_ERR_NUM);
		return;
	}
	s = floor(s);
	e = floor(e);
	if (s > e) {
		double t = s;

		s = e;
		e = t;
	}
	ret_num(out, yearfrac(s, e, (int)b));
}
