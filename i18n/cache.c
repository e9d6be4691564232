/*
 * cache.c - the per-thread ICU objects of i18n/ (see struct i18n_cache):
 * made lazily by their users, closed here when the thread exits so that
 * short-lived worker threads do not leak them.
 */
#include <pthread.h>
#include <stdlib.h>

#include "i18n/i18n_priv.h"

static pthread_once_t key_once = PTHREAD_ONCE_INIT;
static pthread_key_t key;
static int key_ok;
static _Thread_local struct i18n_cache *mine;

static void cache_free(void *p)
{
	struct i18n_cache *c = p;
	int i;

	if (c->words)
		ubrk_close(c->words);
	if (c->conv)
		ucnv_close(c->conv);
	for (i = 0; i < LANG_COUNT; i++) {
		if (c->coll[i])
			ucol_close(c->coll[i]);
		if (c->num[i])
			unum_close(c->num[i]);
	}
	free(c);
	mine = NULL;
}

static void key_make(void)
{
	key_ok = pthread_key_create(&key, cache_free) == 0;
}

struct i18n_cache *i18n_cache(void)
{
	if (mine)
		return mine;
	pthread_once(&key_once, key_make);
	mine = calloc(1, sizeof(*mine));
	if (mine && key_ok)
		pthread_setspecific(key, mine);
	return mine;
}
