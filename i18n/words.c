/*
 * words.c - words for search, word counts and word motions, from ICU's
 * word break iterator. It segments Chinese and Japanese with its
 * dictionary, so "我们今天去北京开会" gives 我们/今天/去/北京/开会. The
 * iterator reads the UTF-8 in place through a UText: offsets are bytes.
 */
#include <unicode/utext.h>

#include "i18n/i18n_priv.h"

/* The iterator for this thread, set to s; NULL if ICU fails. */
static UBreakIterator *words_on(UText *ut, const char *s, size_t len)
{
	struct i18n_cache *c = i18n_cache();
	UErrorCode err = U_ZERO_ERROR;

	if (!c)
		return NULL;
	if (!c->words) {
		/* The root rules hold the CJK dictionary; "zh" adds nothing. */
		c->words = ubrk_open(UBRK_WORD, "", NULL, 0, &err);
		if (U_FAILURE(err))
			return c->words = NULL;
	}
	if (len > INT32_MAX)
		len = INT32_MAX;
	utext_openUTF8(ut, s, (int64_t)len, &err);
	ubrk_setUText(c->words, ut, &err);
	return U_SUCCESS(err) ? c->words : NULL;
}

/* Did the rule that ended the last segment see a word (not spaces or
 * punctuation)? */
static int is_word(UBreakIterator *bi)
{
	return ubrk_getRuleStatus(bi) >= UBRK_WORD_NONE_LIMIT;
}

size_t txt_words(const char *s, size_t len, txt_word_fn fn, void *arg)
{
	UText ut = UTEXT_INITIALIZER;
	UBreakIterator *bi;
	int32_t a, b;
	size_t count = 0;

	if (len == 0 || !(bi = words_on(&ut, s, len)))
		return 0;
	for (a = ubrk_first(bi); (b = ubrk_next(bi)) != UBRK_DONE; a = b) {
		if (!is_word(bi))
			continue;
		if (fn)
			fn(s, (size_t)a, (size_t)(b - a), arg);
		count++;
	}
	utext_close(&ut);
	return count;
}

size_t txt_word_next(const char *s, size_t len, size_t off)
{
	UText ut = UTEXT_INITIALIZER;
	UBreakIterator *bi;
	int32_t b, n;
	size_t r = len;

	if (off >= len || !(bi = words_on(&ut, s, len)))
		return len;
	for (b = ubrk_following(bi, (int32_t)off); b != UBRK_DONE; b = n) {
		if (is_word(bi))
			break;
		/* b ends a gap; it counts if a word starts there */
		n = ubrk_next(bi);
		if (n == UBRK_DONE || is_word(bi))
			break;
	}
	if (b != UBRK_DONE)
		r = (size_t)b;
	utext_close(&ut);
	return r;
}

size_t txt_word_prev(const char *s, size_t len, size_t off)
{
	UText ut = UTEXT_INITIALIZER;
	UBreakIterator *bi;
	int32_t b;
	size_t r = 0;

	if (off > len)
		off = len;
	if (off == 0 || !(bi = words_on(&ut, s, len)))
		return 0;
	for (b = ubrk_preceding(bi, (int32_t)off); b != UBRK_DONE && b > 0;
	     b = ubrk_preceding(bi, b)) {
		if (is_word(bi))
			break;
		if (ubrk_following(bi, b) != UBRK_DONE && is_word(bi))
			break;
	}
	if (b != UBRK_DONE)
		r = (size_t)b;
	utext_close(&ut);
	return r;
}
