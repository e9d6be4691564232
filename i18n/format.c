/*
 * format.c - numbers and dates as the UI language writes them. Numbers go
 * through ICU (grouping and decimal signs per locale). Dates use libc's
 * local time and fixed patterns: the two forms we show are set by the
 * design ("2026-11-21 16:05", "2026年11月21日 16:05"), and libc follows TZ
 * as the rest of the program does, where ICU caches the zone it first saw.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <unicode/ustring.h>

#include "i18n/i18n_priv.h"

static UNumberFormat *number_format(enum i18n_lang lang)
{
	struct i18n_cache *c = i18n_cache();
	UErrorCode err = U_ZERO_ERROR;
	UNumberFormat *nf;

	if (!c || (unsigned)lang >= LANG_COUNT)
		return NULL;
	if (c->num[lang])
		return c->num[lang];
	nf = unum_open(UNUM_DECIMAL, NULL, 0, i18n_icu_locale(lang), NULL, &err);
	if (U_FAILURE(err))
		return NULL;
	unum_setAttribute(nf, UNUM_GROUPING_USED, 1);
	unum_setAttribute(nf, UNUM_ROUNDING_MODE, UNUM_ROUND_HALFUP);
	return c->num[lang] = nf;
}

int32_t i18n_number_u16(enum i18n_lang lang, double v, int min_frac, int max_frac, UChar *out,
			int32_t cap)
{
	UNumberFormat *nf = number_format(lang);
	UErrorCode err = U_ZERO_ERROR;
	int32_t n;

	if (!nf)
		return -1;
	/* -0.001 to no decimals is "0", not "-0" */
	if (isfinite(v) && fabs(v) < 0.5 * pow(10, -max_frac))
		v = 0;
	unum_setAttribute(nf, UNUM_MIN_FRACTION_DIGITS, min_frac);
	unum_setAttribute(nf, UNUM_MAX_FRACTION_DIGITS, max_frac);
	n = unum_formatDouble(nf, v, out, cap, NULL, &err);
	return U_SUCCESS(err) && err != U_STRING_NOT_TERMINATED_WARNING ? n : -1;
}

int i18n_format_number(char *buf, size_t len, double v, int decimals)
{
	UErrorCode err = U_ZERO_ERROR;
	UChar u[128];
	int32_t n, m;

	if (!buf || len == 0)
		return -1;
	buf[0] = '\0';
	if (decimals < 0)
		decimals = 0;
	if (decimals > 15)
		decimals = 15;
	n = i18n_number_u16(i18n_lang(), v, decimals, decimals, u, 128);
	if (n < 0)
		return -1;
	u_strToUTF8(buf, len > INT32_MAX ? INT32_MAX : (int32_t)len, &m, u, n, &err);
	if (U_FAILURE(err) || (size_t)m >= len) {
		buf[0] = '\0';
		return -1;
	}
	return 0;
}

int i18n_format_datetime(char *buf, size_t len, time_t t)
{
	struct tm tm;
	int n;

	if (!buf || len == 0)
		return -1;
	buf[0] = '\0';
	if (!localtime_r(&t, &tm))
		return -1;
	if (i18n_lang() == LANG_ZH_HANS)
		n = snprintf(buf, len, "%d年%d月%d日 %02d:%02d", tm.tm_year + 1900, tm.tm_mon + 1,
			     tm.tm_mday, tm.tm_hour, tm.tm_min);
	else
		n = snprintf(buf, len, "%04d-%02d-%02d %02d:%02d", tm.tm_year + 1900, tm.tm_mon + 1,
			     tm.tm_mday, tm.tm_hour, tm.tm_min);
	if (n < 0 || (size_t)n >= len) {
		buf[0] = '\0';
		return -1;
	}
	return 0;
}
