/*
 * lang.c - which UI language is current, how it is picked from --lang, the
 * config or the environment, and the "ambiguous characters are wide"
 * switch. The choice never depends on the host having generated a locale:
 * we only read the names.
 */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "i18n/i18n_priv.h"

static atomic_int cur_lang = LANG_EN;
static atomic_int ambiguous_wide;

static const char *const tags[LANG_COUNT] = {
    [LANG_EN] = "en",
    [LANG_ZH_HANS] = "zh_Hans",
};

static int lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

/* Does `s` (up to a '.' or '@') name `lang` exactly, ignoring case and
 * with '-' and '_' the same? */
static int name_is(const char *s, size_t n, const char *lang)
{
	size_t i;

	for (i = 0; i < n && lang[i] != '\0'; i++) {
		int a = s[i] == '-' ? '_' : lower((unsigned char)s[i]);
		if (a != lower((unsigned char)lang[i]))
			return 0;
	}
	return i == n && lang[i] == '\0';
}

static int prefix_is(const char *s, size_t n, const char *lang)
{
	size_t k = strlen(lang);

	return n > k && (s[k] == '_' || s[k] == '-') && name_is(s, k, lang);
}

static int parse_opt(const char *opt, enum i18n_lang *out)
{
	size_t n = strcspn(opt, ".@");
	const char *zh[] = {"zh", "zh_Hans", "zh_CN", "zh_SG"};
	size_t i;

	if (name_is(opt, n, "en") || prefix_is(opt, n, "en")) {
		*out = LANG_EN;
		return 0;
	}
	for (i = 0; i < sizeof(zh) / sizeof(zh[0]); i++) {
		if (name_is(opt, n, zh[i]) || (i == 1 && prefix_is(opt, n, zh[i]))) {
			*out = LANG_ZH_HANS;
			return 0;
		}
	}
	return -1;
}

static const char *env(const char *name)
{
	const char *v = getenv(name);

	return v && *v ? v : NULL;
}

int i18n_pick_lang(const char *opt, enum i18n_lang *out)
{
	const char *v;

	if (opt && *opt)
		return parse_opt(opt, out);
	if (!(v = env("LC_ALL")) && !(v = env("LC_MESSAGES")))
		v = env("LANG");
	if (v && lower((unsigned char)v[0]) == 'z' && lower((unsigned char)v[1]) == 'h')
		*out = LANG_ZH_HANS;
	else
		*out = LANG_EN;
	return 0;
}

void i18n_set_lang(enum i18n_lang lang)
{
	if ((unsigned)lang < LANG_COUNT)
		atomic_store_explicit(&cur_lang, (int)lang, memory_order_relaxed);
}

enum i18n_lang i18n_lang(void)
{
	return (enum i18n_lang)atomic_load_explicit(&cur_lang, memory_order_relaxed);
}

const char *i18n_lang_tag(enum i18n_lang lang)
{
	return (unsigned)lang < LANG_COUNT ? tags[lang] : tags[LANG_EN];
}

const char *i18n_icu_locale(enum i18n_lang lang)
{
	return i18n_lang_tag(lang);
}

void i18n_set_ambiguous_wide(int wide)
{
	atomic_store_explicit(&ambiguous_wide, wide != 0, memory_order_relaxed);
}

int i18n_ambiguous_is_wide(void)
{
	return atomic_load_explicit(&ambiguous_wide, memory_order_relaxed);
}
