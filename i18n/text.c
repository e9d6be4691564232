/*
 * text.c - comparing text the way people read it: case folding for search
 * and matching, collation for sorting lists. Sorting uses ICU's "zh"
 * collator in every UI language, for its pinyin order of Han (the root
 * order, by radical and stroke, is not what anyone expects in a list).
 * Under zh_Hans it also puts Han before Latin, as Chinese lists do; in
 * English Latin comes first.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <unicode/ucasemap.h>

#include "i18n/i18n_priv.h"

static pthread_once_t fold_once = PTHREAD_ONCE_INIT;
static UCaseMap *fold_map; /* read-only once made: shared by all threads */

static void fold_make(void)
{
	UErrorCode err = U_ZERO_ERROR;

	fold_map = ucasemap_open("", U_FOLD_CASE_DEFAULT, &err);
	if (U_FAILURE(err))
		fold_map = NULL;
}

char *txt_casefold(const char *s, size_t len)
{
	UErrorCode err = U_ZERO_ERROR;
	char *r, *fixed = NULL;
	size_t i;
	int32_t n;

	for (i = 0; i < len && (unsigned char)s[i] < 0x80; i++)
		;
	if (i == len) {
		if (!(r = malloc(len + 1)))
			return NULL;
		for (i = 0; i < len; i++)
			r[i] = s[i] >= 'A' && s[i] <= 'Z' ? (char)(s[i] - 'A' + 'a') : s[i];
		r[len] = '\0';
		return r;
	}
	pthread_once(&fold_once, fold_make);
	if (!utf8_valid(s, len)) {
		if (!(fixed = i18n_utf8_clean(s, len, &len)))
			return NULL;
		s = fixed;
	}
	r = NULL;
	if (!fold_map || len > INT32_MAX / 3)
		goto out;
	n = ucasemap_utf8FoldCase(fold_map, NULL, 0, s, (int32_t)len, &err);
	if (err != U_BUFFER_OVERFLOW_ERROR && U_FAILURE(err))
		goto out;
	if (!(r = malloc((size_t)n + 1)))
		goto out;
	err = U_ZERO_ERROR;
	ucasemap_utf8FoldCase(fold_map, r, n + 1, s, (int32_t)len, &err);
	if (U_FAILURE(err)) {
		free(r);
		r = NULL;
	}
out:
	free(fixed);
	return r;
}

static UCollator *collator(enum i18n_lang lang)
{
	struct i18n_cache *c = i18n_cache();
	UErrorCode err = U_ZERO_ERROR;
	UCollator *coll;

	if (!c)
		return NULL;
	if (c->coll[lang])
		return c->coll[lang];
	coll = ucol_open("zh", &err);
	if (U_FAILURE(err))
		return NULL;
	ucol_setAttribute(coll, UCOL_NUMERIC_COLLATION, UCOL_ON, &err);
	/* no reordering: the root order of scripts, Latin before Han */
	if (lang != LANG_ZH_HANS)
		ucol_setReorderCodes(coll, NULL, 0, &err);
	return c->coll[lang] = coll;
}

int txt_collate(const char *a, const char *b)
{
	UErrorCode err = U_ZERO_ERROR;
	UCollator *coll = collator(i18n_lang());
	int r;

	if (!coll)
		return strcmp(a, b);
	r = ucol_strcollUTF8(coll, a, -1, b, -1, &err);
	if (U_FAILURE(err))
		return strcmp(a, b);
	/* Equal for the collator but different bytes: keep a stable order. */
	return r != UCOL_EQUAL ? r : strcmp(a, b);
}
