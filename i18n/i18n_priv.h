/*
 * i18n_priv.h - what the files of i18n/ share and nobody else sees: the
 * strict UTF-8 decoder every function uses (so that all of them agree on
 * what an invalid byte is), the per-thread cache of ICU objects, the
 * catalog tables and the message-pattern scanner.
 */
#ifndef ATRIUM_I18N_PRIV_H
#define ATRIUM_I18N_PRIV_H

#include <unicode/ubrk.h>
#include <unicode/ucnv.h>
#include <unicode/ucol.h>
#include <unicode/unum.h>

#include "i18n/i18n.h"

/* ---- UTF-8 ------------------------------------------------------------ */

/*
 * Decode one code point of well-formed UTF-8 (no overlongs, surrogates or
 * values above U+10FFFF). Returns it and sets *n to its length, or returns
 * -1 with *n = 1: a bad byte is always exactly one byte, so text with
 * errors still splits the same way wherever one starts reading.
 */
static inline int32_t utf8_next(const unsigned char *s, size_t len, size_t *n)
{
	unsigned b = s[0], lo = 0x80, hi = 0xBF;

	*n = 1;
	if (b < 0x80)
		return (int32_t)b;
	if (b < 0xC2 || b > 0xF4)
		return -1;
	if (b < 0xE0) {
		if (len < 2 || (s[1] & 0xC0) != 0x80)
			return -1;
		*n = 2;
		return (int32_t)(((b & 0x1F) << 6) | (s[1] & 0x3F));
	}
	if (b < 0xF0) {
		if (b == 0xE0)
			lo = 0xA0;
		else if (b == 0xED)
			hi = 0x9F;
		if (len < 3 || s[1] < lo || s[1] > hi || (s[2] & 0xC0) != 0x80)
			return -1;
		*n = 3;
		return (int32_t)(((b & 0x0F) << 12) | ((s[1] & 0x3Fu) << 6) | (s[2] & 0x3F));
	}
	if (b == 0xF0)
		lo = 0x90;
	else if (b == 0xF4)
		hi = 0x8F;
	if (len < 4 || s[1] < lo || s[1] > hi || (s[2] & 0xC0) != 0x80 || (s[3] & 0xC0) != 0x80)
		return -1;
	*n = 4;
	return (int32_t)(((b & 0x07) << 18) | ((s[1] & 0x3Fu) << 12) | ((s[2] & 0x3Fu) << 6) |
			 (s[3] & 0x3F));
}

/* The code point ending at `off` (off > 0), in the same terms as utf8_next;
 * *n is its length. `off` must be a code point boundary. */
static inline int32_t utf8_prev(const unsigned char *s, size_t off, size_t *n)
{
	size_t start = off - 1, m;
	int32_t c;

	while (start > 0 && off - start < 4 && (s[start] & 0xC0) == 0x80)
		start--;
	c = utf8_next(s + start, off - start, &m);
	if (c >= 0 && start + m == off) {
		*n = m;
		return c;
	}
	*n = 1;
	return -1;
}

static inline int utf8_valid(const char *s, size_t len)
{
	size_t i, n;

	for (i = 0; i < len; i += n) {
		if (utf8_next((const unsigned char *)s + i, len - i, &n) < 0)
			return 0;
	}
	return 1;
}

/* A malloc'd, NUL-terminated copy of s with U+FFFD for each bad byte
 * (*outlen set); NULL when out of memory. */
char *i18n_utf8_clean(const char *s, size_t len, size_t *outlen);

/* ---- per-thread ICU objects --------------------------------------------- */

/*
 * ICU services are not safe to share between threads, and opening them
 * costs from microseconds (converters) to milliseconds (the dictionary word
 * iterator). Each thread gets its own, made on first use and closed when
 * the thread exits. NULL only when out of memory.
 */
struct i18n_cache {
	UBreakIterator *words;
	UCollator *coll[LANG_COUNT];
	UConverter *conv;
	char conv_label[64];
	UNumberFormat *num[LANG_COUNT];
};
struct i18n_cache *i18n_cache(void);

/* ---- language ------------------------------------------------------------ */

int i18n_ambiguous_is_wide(void);
/* ICU locale id of a UI language: "en", "zh_Hans". */
const char *i18n_icu_locale(enum i18n_lang lang);

/* Format v for `lang` with grouping and between min_frac and max_frac
 * fraction digits into UTF-16 (NUL-terminated if it fits). Returns the
 * length, or -1. */
int32_t i18n_number_u16(enum i18n_lang lang, double v, int min_frac, int max_frac, UChar *out,
			int32_t cap);

/* ---- catalogs --------------------------------------------------------------- */

extern const struct tr_entry tr_cat_en[];
extern const size_t tr_cat_en_count;
extern const struct tr_entry tr_cat_zh_Hans[];
extern const size_t tr_cat_zh_Hans_count;

/* How a message pattern uses argument i: */
enum { TR_ARG_UNUSED, TR_ARG_STR, TR_ARG_NUM };
/*
 * Scan an ICU MessageFormat pattern and record in types[0..TR_MAX_ARGS-1]
 * how each numbered argument is used, at any depth: TR_ARG_STR for {N} and
 * select, TR_ARG_NUM for number, plural, selectordinal, date and time.
 * Returns the highest argument number + 1, or -1 if the pattern is
 * malformed, names an argument, uses one beyond TR_MAX_ARGS, uses one
 * argument both ways, or uses what trf_args() cannot pass (choice,
 * "number, integer").
 */
int tr_pattern_args(const char *pattern, unsigned char types[TR_MAX_ARGS]);

#endif
