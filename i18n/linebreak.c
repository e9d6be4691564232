/*
 * linebreak.c - soft wrap: where a line may break (UAX #14 through ICU's
 * line break iterator, in the UI language's locale, so Chinese text breaks
 * between ideographs but never before ，。！？ or after “（), measured in
 * display columns per grapheme cluster (width.c).
 *
 * The iterator reads the UTF-8 in place through a UText, as words.c does,
 * and only over a short window: the prefix that fits in the columns, the
 * spaces that hang after it and a little look-ahead, so the cost of one
 * call follows the row's width, not the length of the text. The iterators
 * are kept per thread and per language here (struct i18n_cache is shared
 * with the other files of i18n/ and this one needs no more than a key).
 */
#include <pthread.h>
#include <stdlib.h>

#include <unicode/utext.h>

#include "i18n/i18n_priv.h"

/* Code points of look-ahead after the last candidate break: the line
 * break rules decide a break from a few code points on either side. */
#define LOOKAHEAD 64

struct lb_cache {
	UBreakIterator *bi[LANG_COUNT];
};

static pthread_once_t lb_once = PTHREAD_ONCE_INIT;
static pthread_key_t lb_key;
static int lb_key_ok;
static _Thread_local struct lb_cache *lb_mine;

static void lb_free(void *p)
{
	struct lb_cache *c = p;

	for (int i = 0; i < LANG_COUNT; i++) {
		if (c->bi[i])
			ubrk_close(c->bi[i]);
	}
	free(c);
	lb_mine = NULL;
}

static void lb_key_make(void)
{
	lb_key_ok = pthread_key_create(&lb_key, lb_free) == 0;
}

/* This thread's line iterator for the UI language, set to s; NULL if ICU
 * fails or memory runs out. */
static UBreakIterator *lines_on(UText *ut, const char *s, size_t len)
{
	enum i18n_lang lang = i18n_lang();
	UErrorCode err = U_ZERO_ERROR;

	if (!lb_mine) {
		pthread_once(&lb_once, lb_key_make);
		lb_mine = calloc(1, sizeof(*lb_mine));
		if (!lb_mine)
			return NULL;
		if (lb_key_ok)
			pthread_setspecific(lb_key, lb_mine);
	}
	if ((int)lang < 0 || lang >= LANG_COUNT)
		lang = LANG_EN;
	if (!lb_mine->bi[lang]) {
		lb_mine->bi[lang] = ubrk_open(UBRK_LINE, i18n_icu_locale(lang), NULL, 0, &err);
		if (U_FAILURE(err))
			return lb_mine->bi[lang] = NULL;
	}
	if (len > INT32_MAX)
		len = INT32_MAX;
	utext_openUTF8(ut, s, (int64_t)len, &err);
	if (U_FAILURE(err))
		return NULL;
	ubrk_setUText(lb_mine->bi[lang], ut, &err);
	return U_SUCCESS(err) ? lb_mine->bi[lang] : NULL;
}

size_t txt_wrap(const char *s, size_t len, size_t cols)
{
	UText ut = UTEXT_INITIALIZER;
	UBreakIterator *bi;
	size_t fit, lim, end, best = 0, i, g = 0;
	int32_t b;
	int plain = 1;

	if (len == 0)
		return 0;
	if (cols == 0)
		cols = 1;
	fit = txt_fit(s, len, cols, NULL);
	for (i = 0; i < fit && plain; i++)
		plain = (unsigned char)s[i] >= 0x20 && s[i] != 0x7f;
	if (fit == len && plain)
		return len; /* all of it fits, and holds no forced break */
	if (fit == 0)
		return txt_next_grapheme(s, len); /* one cluster wider than cols */
	/* Spaces after the last cluster that fits hang past the edge. */
	for (lim = fit; lim < len && s[lim] == ' '; lim++)
		;
	end = lim + LOOKAHEAD * 4 < len ? lim + LOOKAHEAD * 4 : len;
	bi = lines_on(&ut, s, end);
	if (bi) {
		for (b = ubrk_next(bi); b != UBRK_DONE && (size_t)b <= lim; b = ubrk_next(bi)) {
			/* The end of the window is no break unless it ends s. */
			if ((size_t)b == end && end < len)
				break;
			/* Never inside a cluster (ICU's UTF-8 errors differ). */
			while (g < (size_t)b)
				g += txt_next_grapheme(s + g, len - g);
			if (g == (size_t)b)
				best = (size_t)b;
			if (ubrk_getRuleStatus(bi) >= UBRK_LINE_HARD)
				break; /* a newline ends the row */
		}
	}
	utext_close(&ut);
	return best ? best : fit;
}
