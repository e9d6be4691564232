/*
 * i18n.h - text as people read it, behind a small API over ICU: display
 * width per grapheme cluster, grapheme and word iteration (Chinese words
 * segmented by ICU's dictionary break iterator), case folding, collation,
 * charset conversion to UTF-8, number and date formatting, and the UI
 * message catalogs (en, zh_Hans).
 *
 * All strings in and out are UTF-8. Functions never abort on malformed
 * input: invalid bytes count as one U+FFFD of width 1.
 * i18n/ depends on ICU and libc only (not even core/).
 *
 * Every function may be called from any thread (ICU objects are cached per
 * thread); i18n_set_lang and i18n_set_ambiguous_wide are meant for start-up.
 */
#ifndef ATRIUM_I18N_H
#define ATRIUM_I18N_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* ---- set-up ------------------------------------------------------------- */

enum i18n_lang { LANG_EN = 0, LANG_ZH_HANS = 1, LANG_COUNT };

/* Pick the UI language: `opt` (from --lang or the config; may be NULL),
 * else LC_ALL, LC_MESSAGES, LANG from the environment. Any "zh*" value
 * selects zh_Hans; anything else English. Independent of whether the host
 * has generated that locale. An empty string counts as unset. Returns -1
 * (leaving *out alone) if `opt` is set but is not a language we have
 * ("en", "zh_Hans"; "en_US", "zh", "zh_CN", "zh-Hans" accepted, case and
 * '-' / '_' do not matter; "zh_TW" or "zh_Hant" are refused), else 0. */
int i18n_pick_lang(const char *opt, enum i18n_lang *out);
void i18n_set_lang(enum i18n_lang lang);
enum i18n_lang i18n_lang(void);
const char *i18n_lang_tag(enum i18n_lang lang); /* "en", "zh_Hans" */
/* Treat East Asian Ambiguous characters as width 2 (CJK terminals). */
void i18n_set_ambiguous_wide(int wide);

/* ---- width and boundaries --------------------------------------------------- */

/* Length in bytes of the grapheme cluster starting at s (s < s+len), >= 1
 * when len > 0. */
size_t txt_next_grapheme(const char *s, size_t len);
/* Byte offset of the start of the grapheme cluster that holds the byte at
 * off - 1 (0 when off is 0; off beyond len counts as len). */
size_t txt_prev_grapheme(const char *s, size_t len, size_t off);
/* Terminal columns of one grapheme cluster: 0, 1 or 2. Emoji presentation
 * sequences, ZWJ sequences, flags and CJK are 2. A cluster that starts with
 * a combining mark is 0; so is a control character (C0, DEL, C1, format
 * characters like U+200B): the caller replaces those with visible
 * placeholders before measuring. */
int txt_grapheme_width(const char *g, size_t glen);
/* Columns of a whole string (sum over its clusters). */
size_t txt_width(const char *s, size_t len);
/* Bytes of the longest prefix of s that fits in `cols` columns, never
 * splitting a grapheme cluster; *used receives the columns it takes. */
size_t txt_fit(const char *s, size_t len, size_t cols, size_t *used);
/* Soft wrap: bytes of the longest prefix of s that fits in `cols` columns
 * and ends where the UI language's line breaking (ICU, UAX #14) allows a
 * break, so Chinese never starts a row with ，。！？ etc. Spaces after the
 * prefix hang past the edge and are included; a newline (or another
 * mandatory break) ends the prefix after it. With no allowed break that
 * fits, the last whole grapheme cluster that fits ends it; never less
 * than one cluster when len > 0 (cols 0 counts as 1); 0 when len is 0. */
size_t txt_wrap(const char *s, size_t len, size_t cols);

/* Word iteration: calls fn for each word (letters, digits, ideographs;
 * not spaces or punctuation) with its byte offset and length. Chinese text
 * is segmented into words. Returns the number of words. */
typedef void (*txt_word_fn)(const char *s, size_t off, size_t len, void *arg);
size_t txt_words(const char *s, size_t len, txt_word_fn fn, void *arg);
/* For word motions: the nearest offset after / before `off` where a word
 * (as txt_words sees it) starts or ends; len / 0 when there is none. */
size_t txt_word_next(const char *s, size_t len, size_t off);
size_t txt_word_prev(const char *s, size_t len, size_t off);

/* ---- case, collation, conversion ------------------------------------------ */

/* Full Unicode case folding; returns a malloc'd string (NULL on OOM). */
char *txt_casefold(const char *s, size_t len);
/* Compare NUL-terminated strings for sorting in the UI language (Chinese by
 * pinyin under zh_Hans; the "zh" collator is used for CJK in both
 * languages, Han sorting before Latin under zh_Hans and after it in
 * English). Digit runs compare as numbers ("file2" < "file10"). Strings
 * the collator finds equal are ordered by their bytes. <0, 0, >0. */
int txt_collate(const char *a, const char *b);
/* Convert bytes in `charset` to malloc'd, NUL-terminated UTF-8 (*outlen set
 * unless outlen is NULL). GB2312 and GBK are decoded as GB18030, Big5 as
 * Big5-HKSCS; unknown (or NULL or empty) charsets return NULL, as does
 * running out of memory. Unmappable bytes become U+FFFD. */
char *txt_to_utf8(const char *charset, const char *in, size_t inlen, size_t *outlen);
/* The other way: UTF-8 to `charset` (GB2312 and GBK mean GB18030, as
 * above), malloc'd with a NUL after *outlen bytes. Strict: NULL when the
 * input is not valid UTF-8, a character has no mapping in the charset,
 * the charset is unknown, or memory runs out. */
char *txt_from_utf8(const char *charset, const char *in, size_t inlen, size_t *outlen);

/* ---- formatting ----------------------------------------------------------------- */

/* Locale-formatted number with `decimals` fraction digits (grouping on;
 * halves round away from zero). Returns 0, or -1 if it does not fit in
 * buf (which then holds ""). */
int i18n_format_number(char *buf, size_t len, double v, int decimals);
/* Date/time for the UI language: "2026-11-21 16:05" in English,
 * "2026年11月21日 16:05" in Chinese; local time zone (libc's, so TZ changes
 * are seen). Returns 0, or -1 if it does not fit (buf then holds ""). */
int i18n_format_datetime(char *buf, size_t len, time_t t);

/* ---- message catalogs ------------------------------------------------------------- */

/* Translated text for key in the current language; the English text if
 * only English has it; the key itself if it is unknown (and the
 * completeness test fails). */
const char *tr(const char *key);

/* Arguments of a message pattern: {0}, {1}, ... in ICU MessageFormat
 * syntax, so plurals work: "{0, plural, one {# message} other {# messages}}".
 * A TR_NUM argument may fill a plain {N} (it is formatted for the locale);
 * a TR_STR argument cannot feed plural, number or date. Argument numbers go
 * up to TR_MAX_ARGS - 1. With no arguments call tr(), not trf(). */
#define TR_MAX_ARGS 6
enum { TR_STR, TR_NUM };
struct tr_arg {
	int type;
	const char *s;
	double n;
};
#define TR_S(x) ((struct tr_arg){ TR_STR, (x), 0 })
#define TR_N(x) ((struct tr_arg){ TR_NUM, NULL, (double)(x) })
/* Format key's pattern with args into buf (always NUL-terminated when
 * len > 0, truncated at a grapheme cluster boundary). A pattern that does
 * not parse, or arguments that do not match it, give the raw pattern.
 * Returns buf. */
char *trf_args(char *buf, size_t len, const char *key, int nargs, const struct tr_arg *args);
#define trf(buf, len, key, ...)                                              \
	trf_args(buf, len, key,                                              \
		 (int)(sizeof((struct tr_arg[]){ __VA_ARGS__ }) / sizeof(struct tr_arg)), \
		 (struct tr_arg[]){ __VA_ARGS__ })

/* Fill the struct err e (core.h's err_set) with a message from the
 * catalogs, at least one argument; returns code. The message is built
 * in the caller's stack, so any thread may use it. */
#define err_tr(e, code, key, ...) \
	err_set((e), (code), "%s", trf((char[512]){ 0 }, 512, (key), __VA_ARGS__))

/* For tests: walk every catalog entry of a language, in source order
 * (NULL and *count = 0 for an unknown language). */
struct tr_entry {
	const char *key;
	const char *text;
};
const struct tr_entry *tr_catalog(enum i18n_lang lang, size_t *count);

#endif
