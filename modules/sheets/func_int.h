/*
 * func_int.h - what the function files of the sheets engine share (func.c,
 * func_lookup.c, func_date.c, func_fin.c, func_text.c): argument coercion
 * and result helpers, Excel's 1900 date arithmetic, the lookup helpers of
 * func.c, and the functions the table in func.c registers from the other
 * files. Internal to modules/sheets/.
 */
#ifndef ATRIUM_SHEETS_FUNC_INT_H
#define ATRIUM_SHEETS_FUNC_INT_H

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "modules/sheets/engine.h"

/* A function defined in another file and registered in func.c's table. */
#define FNX(name)                                                                                  \
	void sheet_fn_##name(const struct sheet_evalctx *cx, struct sheet_value *args, int argc,   \
			     struct sheet_value *out)

static inline void ret_err(struct sheet_value *out, int err)
{
	free(out->str);
	memset(out, 0, sizeof(*out));
	out->type = SHEET_ERROR;
	out->err = (enum sheet_err)err;
}

static inline void ret_num(struct sheet_value *out, double d)
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

static inline void ret_bool(struct sheet_value *out, int b)
{
	free(out->str);
	memset(out, 0, sizeof(*out));
	out->type = SHEET_BOOL;
	out->num = b != 0;
}

/* Takes ownership of s. */
static inline void ret_text(struct sheet_value *out, char *s)
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
static inline void arg_value(const struct sheet_evalctx *cx, const struct sheet_value *a,
		      struct sheet_value *v)
{
	sheet_value_copy(v, a);
	sheet_deref(cx, v);
}

/* Returns non-zero (and sets out) when the argument is not a number. */
static inline int arg_num(const struct sheet_evalctx *cx, const struct sheet_value *a, double *d,
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

static inline int arg_bool(const struct sheet_evalctx *cx, const struct sheet_value *a, int *b,
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
static inline char *arg_text(const struct sheet_evalctx *cx, const struct sheet_value *a,
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

/* ---- dates ------------------------------------------------------------------ */

/*
 * Excel's 1900 date system: serial 1 is 1900-01-01, and Excel counts a
 * 29 February 1900 that never was (serial 60), so serials from 61 on are
 * days since 1899-12-30. Serial 0 is "1900-01-00". Serials run to
 * 2958465 (9999-12-31).
 */
#define DATE_MAX 2958465.0

/* Days from 1970-01-01 to y-m-d of the proleptic Gregorian calendar. */
static inline long days_civil(long y, long m, long d)
{
	y -= m <= 2;
	long era = (y >= 0 ? y : y - 399) / 400;
	long yoe = y - era * 400;
	long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return era * 146097 + doe - 719468;
}

static inline void civil_days(long z, long *y, long *m, long *d)
{
	z += 719468;
	long era = (z >= 0 ? z : z - 146096) / 146097;
	long doe = z - era * 146097;
	long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	long mp = (5 * doy + 2) / 153;

	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = yoe + era * 400 + (*m <= 2);
}

#define EPOCH_1899_12_30 (-25569L) /* days_civil(1899, 12, 30) */

/* The serial of the first day of month m (1..12) of year y. */
static inline double serial_month(long y, long m)
{
	double s = (double)(days_civil(y, m, 1) - EPOCH_1899_12_30);

	return y < 1900 || (y == 1900 && m <= 2) ? s - 1 : s;
}

static inline double serial_ymd(double y, double m, double d)
{
	double yy = y + floor((m - 1) / 12), mm = m - 12 * floor((m - 1) / 12);

	if (yy < 0 || yy > 10000)
		return -1;
	return serial_month((long)yy, (long)mm) + d - 1;
}

/* Year, month and day of a serial (>= 0). */
static inline void ymd(double serial, long *y, long *m, long *d)
{
	long s = (long)floor(serial);

	if (s == 60) {
		*y = 1900, *m = 2, *d = 29;
	} else if (s == 0) {
		*y = 1900, *m = 1, *d = 0;
	} else {
		civil_days(s + EPOCH_1899_12_30 + (s < 60 ? 1 : 0), y, m, d);
	}
}

static inline int month_days(long y, long m)
{
	static const int md[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

	if (m == 2 && (y % 4 == 0 && (y % 100 != 0 || y % 400 == 0 || y == 1900)))
		return 29;
	return md[m - 1];
}

/* A date argument: a serial in 0..DATE_MAX, truncated; else out set. */
static inline int arg_date(const struct sheet_evalctx *cx, const struct sheet_value *a, double *s,
		    struct sheet_value *out)
{
	if (arg_num(cx, a, s, out))
		return 1;
	if (*s < 0 || *s >= DATE_MAX + 1) {
		ret_err(out, SHEET_ERR_NUM);
		return 1;
	}
	return 0;
}

/* ---- shared with func.c ------------------------------------------------------ */

/* x rounded to the 15 significant digits Excel works with (exactly as
 * printf "%.15g" then strtod). */
double sheet_digits15(double x);
/* Excel wildcards: * any run, ? one character, ~ escapes; case-insensitive. */
int sheet_wild_match(const char *p, const char *s);
/* Equality as the exact lookups use it (wildcards for text). */
int sheet_lookup_eq(const struct sheet_value *key, const struct sheet_value *v);
/* The last row or column worth looking at in r (the sheet's extent). */
uint32_t sheet_last_row(const struct sheet_evalctx *cx, const struct sheet_ref *r);
uint32_t sheet_last_col(const struct sheet_evalctx *cx, const struct sheet_ref *r);
/* Find key along a line; mode 0 exact, 1 largest <= key, -1 smallest >= key
 * (binary search). The offset from first, or -1. */
long sheet_find_in_line(const struct sheet_evalctx *cx, int sheet, int vertical, uint32_t fixed,
			uint32_t first, uint32_t last, const struct sheet_value *key, int mode);

/* The same along a one-row or one-column array (mode as above). */
long sheet_find_in_array(const struct sheet_array *a, const struct sheet_value *key, int mode);

/* func_date.c: a date and/or time written as text, as Excel reads it in
 * en-US ("2024-01-15", "1/15/2024", "15-Jan-2024", "Jan 15, 2024",
 * "10:30 PM", "2024-01-15 10:30:15"); a date without a year is in the
 * year of now (a serial). Returns 0 with *out the serial and *parts
 * (1 date, 2 time, 3 both), or -1. */
int sheet_parse_datetime(const char *s, double now, double *out, int *parts);

/* ---- the functions of the other files --------------------------------------- */

/* func_lookup.c */
FNX(hlookup);
FNX(xlookup);
FNX(lookup);
FNX(offset);
FNX(indirect);
FNX(address);
FNX(transpose);
/* func_text.c */
FNX(text);
FNX(dollar);
/* func_date.c */
FNX(today);
FNX(now);
FNX(weeknum);
FNX(isoweeknum);
FNX(networkdays);
FNX(workday);
FNX(days360);
FNX(datevalue);
FNX(timevalue);
FNX(yearfrac);
/* func_fin.c */
FNX(pmt);
FNX(ipmt);
FNX(ppmt);
FNX(fv);
FNX(pv);
FNX(npv);
FNX(xnpv);
FNX(irr);
FNX(xirr);
FNX(rate);
FNX(nper);
FNX(sln);
FNX(db);
FNX(ddb);

#endif
