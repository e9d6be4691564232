/*
 * catalog.c - the UI messages: tr() looks a key up in the current
 * language's table, trf_args() formats its pattern with ICU MessageFormat.
 *
 * The tables (cat_*.c) are written in any order; a sorted index of each is
 * built once, on first use.
 *
 * ICU's C API formats only through the variadic umsg_format(), which reads
 * each argument with the C type the pattern implies: a UChar * for {N} and
 * select, a double for number, plural, choice, date and time. So the
 * pattern is scanned here first (tr_pattern_args) to learn those types,
 * and the call is spelled out once per combination of types.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <unicode/umsg.h>
#include <unicode/ustring.h>

#include "i18n/i18n_priv.h"

struct index {
	const struct tr_entry **by_key;
	size_t count;
};

static pthread_once_t index_once = PTHREAD_ONCE_INIT;
static struct index indexes[LANG_COUNT];

const struct tr_entry *tr_catalog(enum i18n_lang lang, size_t *count)
{
	size_t dummy;

	if (!count)
		count = &dummy;
	switch (lang) {
	case LANG_EN:
		*count = tr_cat_en_count;
		return tr_cat_en;
	case LANG_ZH_HANS:
		*count = tr_cat_zh_Hans_count;
		return tr_cat_zh_Hans;
	default:
		*count = 0;
		return NULL;
	}
}

static int by_key(const void *a, const void *b)
{
	const struct tr_entry *const *x = a, *const *y = b;

	return strcmp((*x)->key, (*y)->key);
}

static void index_build(void)
{
	const struct tr_entry *t;
	size_t i, n;
	int lang;

	for (lang = 0; lang < LANG_COUNT; lang++) {
		t = tr_catalog((enum i18n_lang)lang, &n);
		indexes[lang].by_key = malloc(n * sizeof(*indexes[lang].by_key));
		if (!indexes[lang].by_key)
			continue;
		for (i = 0; i < n; i++)
			indexes[lang].by_key[i] = &t[i];
		qsort(indexes[lang].by_key, n, sizeof(*indexes[lang].by_key), by_key);
		indexes[lang].count = n;
	}
}

static const char *lookup(enum i18n_lang lang, const char *key)
{
	struct index *ix = &indexes[lang];
	size_t lo = 0, hi = ix->count, mid;
	int c;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		c = strcmp(key, ix->by_key[mid]->key);
		if (c == 0)
			return ix->by_key[mid]->text;
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

const char *tr(const char *key)
{
	enum i18n_lang lang = i18n_lang();
	const char *text;

	if (!key)
		return "";
	pthread_once(&index_once, index_build);
	if ((text = lookup(lang, key)) != NULL)
		return text;
	if (lang != LANG_EN && (text = lookup(LANG_EN, key)) != NULL)
		return text;
	return key;
}

/* ---- pattern scanning -------------------------------------------------- */

/*
 * This follows ICU's MessagePattern closely enough to find every argument
 * and how it is used: apostrophe quoting in its default DOUBLE_OPTIONAL
 * mode, nested sub-messages of plural and select, and the style text of
 * simple arguments. ICU itself then parses the pattern for real. Where the
 * two could disagree this one refuses: a wrong guess would hand ICU a
 * double where it reads a pointer. So it knows no named arguments, no
 * whitespace but space, tab, CR and LF, and not choice (deprecated; use
 * plural).
 */
enum { IN_NONE, IN_PLURAL, IN_SELECT };

struct scan {
	const char *p;
	size_t i, n;
	unsigned char *types;
	int count;
	int err;
};

static int at(struct scan *sc)
{
	return sc->i < sc->n ? (unsigned char)sc->p[sc->i] : -1;
}

static void skip_ws(struct scan *sc)
{
	while (sc->i < sc->n && strchr(" \t\r\n", sc->p[sc->i]))
		sc->i++;
}

static size_t token(struct scan *sc)
{
	size_t start = sc->i;

	while (sc->i < sc->n && !strchr(" \t\r\n{}',|#", sc->p[sc->i]))
		sc->i++;
	return sc->i - start;
}

static int token_is(struct scan *sc, size_t start, size_t len, const char *word)
{
	return len == strlen(word) && strncasecmp(sc->p + start, word, len) == 0;
}

static void use(struct scan *sc, long num, int type)
{
	if (num >= TR_MAX_ARGS) {
		sc->err = 1;
		return;
	}
	if (sc->types[num] != TR_ARG_UNUSED && sc->types[num] != type)
		sc->err = 1;
	sc->types[num] = (unsigned char)type;
	if (num + 1 > sc->count)
		sc->count = (int)num + 1;
}

static void scan_message(struct scan *sc, int parent, int nested);

/* Sub-messages of plural and select: (selector {message})+ } */
static void scan_cases(struct scan *sc, int parent)
{
	size_t start, len;
	int other = 0;

	for (;;) {
		skip_ws(sc);
		if (at(sc) == '}') {
			sc->i++;
			sc->err |= !other;
			return;
		}
		start = sc->i;
		len = token(sc);
		if (len == 0) {
			sc->err = 1;
			return;
		}
		if (parent == IN_PLURAL && len >= 7 && strncmp(sc->p + start, "offset:", 7) == 0) {
			if (len == 7) {
				skip_ws(sc);
				token(sc);
			}
			continue;
		}
		other |= token_is(sc, start, len, "other");
		skip_ws(sc);
		if (at(sc) != '{') {
			sc->err = 1;
			return;
		}
		sc->i++;
		scan_message(sc, parent, 1);
		if (sc->err || at(sc) != '}') {
			sc->err = 1;
			return;
		}
		sc->i++;
	}
}

/* Style text of a simple argument ({0,number,#,##0.00}): up to the }
 * that closes the argument. */
static void scan_style(struct scan *sc)
{
	int depth = 0;
	const char *q;

	while (sc->i < sc->n) {
		switch (sc->p[sc->i++]) {
		case '\'':
			q = memchr(sc->p + sc->i, '\'', sc->n - sc->i);
			if (!q) {
				sc->err = 1;
				return;
			}
			sc->i = (size_t)(q - sc->p) + 1;
			break;
		case '{':
			depth++;
			break;
		case '}':
			if (depth-- == 0)
				return;
			break;
		}
	}
	sc->err = 1;
}

/* After the '{' of an argument, up to and including its '}'. */
static void scan_arg(struct scan *sc)
{
	size_t start, len;
	long num = 0;

	skip_ws(sc);
	start = sc->i;
	while (at(sc) >= '0' && at(sc) <= '9' && num < 1000)
		num = num * 10 + (sc->p[sc->i++] - '0');
	/* names and numbers with leading zeros are not for us */
	if (sc->i == start || (sc->p[start] == '0' && sc->i - start > 1)) {
		sc->err = 1;
		return;
	}
	skip_ws(sc);
	if (at(sc) == '}') {
		sc->i++;
		use(sc, num, TR_ARG_STR);
		return;
	}
	if (at(sc) != ',') {
		sc->err = 1;
		return;
	}
	sc->i++;
	skip_ws(sc);
	start = sc->i;
	len = token(sc);
	skip_ws(sc);
	if (token_is(sc, start, len, "plural") || token_is(sc, start, len, "selectordinal") ||
	    token_is(sc, start, len, "select")) {
		if (at(sc) != ',') {
			sc->err = 1;
			return;
		}
		sc->i++;
		if (token_is(sc, start, len, "select")) {
			use(sc, num, TR_ARG_STR);
			scan_cases(sc, IN_SELECT);
		} else {
			use(sc, num, TR_ARG_NUM);
			scan_cases(sc, IN_PLURAL);
		}
		return;
	}
	if (!token_is(sc, start, len, "number") && !token_is(sc, start, len, "date") &&
	    !token_is(sc, start, len, "time") && !token_is(sc, start, len, "spellout") &&
	    !token_is(sc, start, len, "ordinal") && !token_is(sc, start, len, "duration")) {
		sc->err = 1;
		return;
	}
	use(sc, num, TR_ARG_NUM);
	if (at(sc) == '}') {
		sc->i++;
		return;
	}
	if (at(sc) != ',') {
		sc->err = 1;
		return;
	}
	sc->i++;
	skip_ws(sc);
	start = sc->i;
	len = token(sc);
	skip_ws(sc);
	/* "{0, number, integer}" wants a C int, which we do not pass:
	 * "{0, number, ::precision-integer}" does the same with a double */
	if (at(sc) == '}' && token_is(sc, start, len, "integer")) {
		sc->err = 1;
		return;
	}
	scan_style(sc);
}

/* Message text up to the end, or (nested) up to the '}' that ends it,
 * which is left for the caller. */
static void scan_message(struct scan *sc, int parent, int nested)
{
	const char *q;
	int c;

	while (sc->i < sc->n && !sc->err) {
		c = sc->p[sc->i++];
		if (c == '\'') {
			c = at(sc);
			if (c == '\'') {
				sc->i++;
			} else if (c == '{' || c == '}' || (parent == IN_PLURAL && c == '#')) {
				/* quoted literal text, where '' is one apostrophe */
				for (;;) {
					q = memchr(sc->p + sc->i + 1, '\'', sc->n - sc->i - 1);
					if (!q) {
						sc->i = sc->n;
						break;
					}
					sc->i = (size_t)(q - sc->p) + 1;
					if (at(sc) != '\'')
						break;
				}
			}
		} else if (c == '{') {
			scan_arg(sc);
		} else if (nested && c == '}') {
			sc->i--;
			return;
		}
	}
	if (nested)
		sc->err = 1;
}

int tr_pattern_args(const char *pattern, unsigned char types[TR_MAX_ARGS])
{
	struct scan sc = {pattern, 0, strlen(pattern), types, 0, 0};

	memset(types, TR_ARG_UNUSED, TR_MAX_ARGS);
	scan_message(&sc, IN_NONE, 0);
	return sc.err ? -1 : sc.count;
}

/* ---- formatting -------------------------------------------------------- */

/* Copy s into buf, cut at a grapheme cluster boundary if it is too long. */
static void copy_cut(char *buf, size_t len, const char *s, size_t n)
{
	size_t end = 0, g;

	if (n < len) {
		memcpy(buf, s, n);
		buf[n] = '\0';
		return;
	}
	while (end < n && (g = txt_next_grapheme(s + end, n - end)) <= len - 1 - end)
		end += g;
	memcpy(buf, s, end);
	buf[end] = '\0';
}

/* UTF-16 of s, in the caller's buffer if it fits, else malloc'd (*heap). */
static UChar *to_u16(const char *s, UChar *stack, int32_t cap, UChar **heap)
{
	UErrorCode err = U_ZERO_ERROR;
	size_t len = strlen(s);
	int32_t n;

	*heap = NULL;
	if (len > INT32_MAX / 2)
		return NULL;
	u_strFromUTF8WithSub(stack, cap, &n, s, (int32_t)len, 0xFFFD, NULL, &err);
	if (U_SUCCESS(err) && n < cap)
		return stack;
	if (!(*heap = malloc(((size_t)n + 1) * sizeof(UChar))))
		return NULL;
	err = U_ZERO_ERROR;
	u_strFromUTF8WithSub(*heap, n + 1, NULL, s, (int32_t)len, 0xFFFD, NULL, &err);
	return U_SUCCESS(err) ? *heap : NULL;
}

/* Every argument slot is passed; ICU reads as many as the pattern has. */
#define F6(...) umsg_format(m, out, cap, err, __VA_ARGS__)
#define F5(...) (p[5] ? F6(__VA_ARGS__, u[5]) : F6(__VA_ARGS__, d[5]))
#define F4(...) (p[4] ? F5(__VA_ARGS__, u[4]) : F5(__VA_ARGS__, d[4]))
#define F3(...) (p[3] ? F4(__VA_ARGS__, u[3]) : F4(__VA_ARGS__, d[3]))
#define F2(...) (p[2] ? F3(__VA_ARGS__, u[2]) : F3(__VA_ARGS__, d[2]))
#define F1(...) (p[1] ? F2(__VA_ARGS__, u[1]) : F2(__VA_ARGS__, d[1]))
#define F0() (p[0] ? F1(u[0]) : F1(d[0]))

#if TR_MAX_ARGS != 6
#error "umsg_call() spells out TR_MAX_ARGS arguments"
#endif

static int32_t umsg_call(UMessageFormat *m, UChar *out, int32_t cap, UErrorCode *err, const int *p,
			 UChar *const *u, const double *d)
{
	return F0();
}

/* Format pattern into buf; -1 if it or the arguments are wrong. */
static int format(char *buf, size_t len, const char *pattern, int nargs, const struct tr_arg *args)
{
	unsigned char types[TR_MAX_ARGS];
	UChar pstack[256], ostack[512], astack[TR_MAX_ARGS][64];
	UChar *upat, *pheap = NULL, *uout = ostack, *oheap = NULL;
	UChar *u[TR_MAX_ARGS], *aheap[TR_MAX_ARGS] = {NULL};
	double d[TR_MAX_ARGS] = {0};
	int p[TR_MAX_ARGS];
	UErrorCode err = U_ZERO_ERROR;
	UParseError perr;
	UMessageFormat *m = NULL;
	char ustack[1024], *utf8 = ustack;
	int32_t n, n8;
	int i, count, r = -1;

	if ((count = tr_pattern_args(pattern, types)) < 0 || count > nargs)
		return -1;
	if (count == 0 && !strchr(pattern, '\'')) {
		copy_cut(buf, len, pattern, strlen(pattern));
		return 0;
	}
	for (i = 0; i < TR_MAX_ARGS; i++) {
		u[i] = astack[i];
		astack[i][0] = 0;
		p[i] = types[i] != TR_ARG_NUM;
		if (i >= count || types[i] == TR_ARG_UNUSED)
			continue;
		if (types[i] == TR_ARG_NUM) {
			if (args[i].type != TR_NUM)
				goto out;
			d[i] = args[i].n;
		} else if (args[i].type == TR_NUM) {
			if (i18n_number_u16(i18n_lang(), args[i].n, 0, 3, astack[i], 64) < 0)
				goto out;
		} else if (!(u[i] = to_u16(args[i].s ? args[i].s : "", astack[i], 64, &aheap[i]))) {
			goto out;
		}
	}
	if (!(upat = to_u16(pattern, pstack, 256, &pheap)))
		goto out;
	m = umsg_open(upat, -1, i18n_icu_locale(i18n_lang()), &perr, &err);
	if (U_FAILURE(err))
		goto out;
	n = umsg_call(m, uout, 512, &err, p, u, d);
	if (err == U_BUFFER_OVERFLOW_ERROR) {
		if (!(oheap = malloc(((size_t)n + 1) * sizeof(UChar))))
			goto out;
		err = U_ZERO_ERROR;
		uout = oheap;
		n = umsg_call(m, uout, n + 1, &err, p, u, d);
	}
	if (U_FAILURE(err))
		goto out;
	err = U_ZERO_ERROR;
	u_strToUTF8WithSub(ustack, sizeof(ustack), &n8, uout, n, 0xFFFD, NULL, &err);
	if (err == U_BUFFER_OVERFLOW_ERROR || err == U_STRING_NOT_TERMINATED_WARNING) {
		if (!(utf8 = malloc((size_t)n8 + 1)))
			goto out;
		err = U_ZERO_ERROR;
		u_strToUTF8WithSub(utf8, n8 + 1, NULL, uout, n, 0xFFFD, NULL, &err);
	}
	if (U_FAILURE(err))
		goto out;
	copy_cut(buf, len, utf8, (size_t)n8);
	r = 0;
out:
	if (m)
		umsg_close(m);
	if (utf8 != ustack)
		free(utf8);
	for (i = 0; i < TR_MAX_ARGS; i++)
		free(aheap[i]);
	free(pheap);
	free(oheap);
	return r;
}

char *trf_args(char *buf, size_t len, const char *key, int nargs, const struct tr_arg *args)
{
	const char *pattern = tr(key);

	if (!buf || len == 0)
		return buf;
	if (nargs < 0 || (nargs > 0 && !args) || format(buf, len, pattern, nargs, args) < 0)
		copy_cut(buf, len, pattern, strlen(pattern));
	return buf;
}
