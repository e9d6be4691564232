/*
 * The message catalogs agree with each other and with the code: the same
 * keys in every language, the same arguments, patterns ICU accepts, no
 * duplicates, and every key the sources pass to tr() / trf() exists.
 *
 * Run from the repository root, or set ATRIUM_SRC_DIR to it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <unicode/umsg.h>
#include <unicode/ustring.h>

#include "i18n/i18n_priv.h"

static const char *find(enum i18n_lang lang, const char *key)
{
	size_t n, i;
	const struct tr_entry *t = tr_catalog(lang, &n);

	for (i = 0; i < n; i++) {
		if (strcmp(t[i].key, key) == 0)
			return t[i].text;
	}
	return NULL;
}

static void test_every_key_exists_in_every_language(void **state)
{
	int a, b, missing = 0;
	size_t n, i;

	for (a = 0; a < LANG_COUNT; a++) {
		const struct tr_entry *t = tr_catalog((enum i18n_lang)a, &n);
		assert_true(n > 0);
		for (i = 0; i < n; i++) {
			assert_non_null(t[i].key);
			assert_non_null(t[i].text);
			assert_true(t[i].key[0] != '\0' && t[i].text[0] != '\0');
			for (b = 0; b < LANG_COUNT; b++) {
				if (!find((enum i18n_lang)b, t[i].key)) {
					print_message("key \"%s\" is in %s but not in %s\n",
						      t[i].key, i18n_lang_tag((enum i18n_lang)a),
						      i18n_lang_tag((enum i18n_lang)b));
					missing++;
				}
			}
		}
	}
	assert_int_equal(missing, 0);
}

static void test_no_key_is_listed_twice(void **state)
{
	int lang, dups = 0;
	size_t n, i, j;

	for (lang = 0; lang < LANG_COUNT; lang++) {
		const struct tr_entry *t = tr_catalog((enum i18n_lang)lang, &n);
		for (i = 0; i < n; i++) {
			for (j = i + 1; j < n; j++) {
				if (strcmp(t[i].key, t[j].key) == 0) {
					print_message("key \"%s\" is twice in %s\n", t[i].key,
						      i18n_lang_tag((enum i18n_lang)lang));
					dups++;
				}
			}
		}
	}
	assert_int_equal(dups, 0);
}

static int icu_parses(const char *pattern, enum i18n_lang lang)
{
	UChar u[2048];
	UErrorCode err = U_ZERO_ERROR;
	UParseError perr;
	UMessageFormat *m;

	u_strFromUTF8(u, 2048, NULL, pattern, -1, &err);
	if (U_FAILURE(err))
		return 0;
	m = umsg_open(u, -1, i18n_lang_tag(lang), &perr, &err);
	if (m)
		umsg_close(m);
	return U_SUCCESS(err);
}

/* The argument numbers a pattern uses, at any depth, as a bit mask; -1 if
 * the pattern is one trf() cannot format. */
static long arg_mask(const char *pattern)
{
	unsigned char types[TR_MAX_ARGS];
	long mask = 0;
	int i;

	if (tr_pattern_args(pattern, types) < 0)
		return -1;
	for (i = 0; i < TR_MAX_ARGS; i++) {
		if (types[i] != TR_ARG_UNUSED)
			mask |= 1L << i;
	}
	return mask;
}

static void test_patterns_parse_and_use_the_same_arguments(void **state)
{
	int lang, bad = 0;
	size_t n, i;
	const struct tr_entry *en = tr_catalog(LANG_EN, &n);

	for (lang = 0; lang < LANG_COUNT; lang++) {
		size_t m;
		const struct tr_entry *t = tr_catalog((enum i18n_lang)lang, &m);
		for (i = 0; i < m; i++) {
			if (!icu_parses(t[i].text, (enum i18n_lang)lang) ||
			    arg_mask(t[i].text) < 0) {
				print_message("%s: \"%s\" does not parse: %s\n",
					      i18n_lang_tag((enum i18n_lang)lang), t[i].key,
					      t[i].text);
				bad++;
			}
		}
	}
	for (i = 0; i < n; i++) {
		for (lang = 1; lang < LANG_COUNT; lang++) {
			const char *other = find((enum i18n_lang)lang, en[i].key);
			if (other && arg_mask(other) != arg_mask(en[i].text)) {
				print_message("\"%s\": arguments differ: en \"%s\", %s \"%s\"\n",
					      en[i].key, en[i].text,
					      i18n_lang_tag((enum i18n_lang)lang), other);
				bad++;
			}
		}
	}
	assert_int_equal(bad, 0);
}

/* ---- the keys the sources use --------------------------------------------- */

typedef void (*key_fn)(const char *path, int line, const char *key, void *arg);

struct src {
	const char *p, *end;
	int line;
};

static void advance(struct src *s, size_t n)
{
	for (; n > 0 && s->p < s->end; n--, s->p++) {
		if (*s->p == '\n')
			s->line++;
	}
}

/* Skip a string or character literal starting at s->p (its quote). */
static void skip_literal(struct src *s)
{
	char q = *s->p;

	advance(s, 1);
	while (s->p < s->end && *s->p != q && *s->p != '\n')
		advance(s, *s->p == '\\' ? 2 : 1);
	advance(s, 1);
}

static void skip_space_and_comments(struct src *s)
{
	for (;;) {
		while (s->p < s->end && strchr(" \t\r\n", *s->p))
			advance(s, 1);
		if (s->end - s->p >= 2 && s->p[0] == '/' && s->p[1] == '*') {
			const char *e = strstr(s->p + 2, "*/");
			advance(s, e ? (size_t)(e + 2 - s->p) : (size_t)(s->end - s->p));
		} else if (s->end - s->p >= 2 && s->p[0] == '/' && s->p[1] == '/') {
			while (s->p < s->end && *s->p != '\n')
				advance(s, 1);
		} else if (s->p < s->end && *s->p == '\\' && s->p + 1 < s->end && s->p[1] == '\n') {
			advance(s, 2);
		} else {
			return;
		}
	}
}

/* Read adjacent string literals at s->p into key; 0 if there is none. */
static int read_key(struct src *s, char *key, size_t cap)
{
	size_t n = 0;
	int got = 0;

	skip_space_and_comments(s);
	while (s->p < s->end && *s->p == '"') {
		got = 1;
		advance(s, 1);
		while (s->p < s->end && *s->p != '"' && *s->p != '\n') {
			if (*s->p == '\\')
				advance(s, 1);
			if (n + 1 < cap)
				key[n++] = *s->p;
			advance(s, 1);
		}
		advance(s, 1);
		skip_space_and_comments(s);
	}
	key[n] = '\0';
	return got;
}

/* Skip one macro argument: up to a ',' or ')' at depth 0. */
static int skip_arg(struct src *s)
{
	int depth = 0;

	while (s->p < s->end) {
		skip_space_and_comments(s);
		if (s->p >= s->end)
			break;
		switch (*s->p) {
		case '"':
		case '\'':
			skip_literal(s);
			continue;
		case '(':
		case '[':
		case '{':
			depth++;
			break;
		case ')':
		case ']':
		case '}':
			if (depth-- == 0)
				return 0;
			break;
		case ',':
			if (depth == 0) {
				advance(s, 1);
				return 1;
			}
			break;
		}
		advance(s, 1);
	}
	return 0;
}

static int is_ident(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_';
}

/* Call fn for each tr("key"), trf(buf, len, "key", ...) and
 * trf_args(buf, len, "key", ...) in text. */
static void scan_source(const char *path, const char *text, size_t len, key_fn fn, void *arg)
{
	struct src s = {text, text + len, 1};
	const char *id;
	char key[256];
	size_t idlen;
	int skip, line;

	while (s.p < s.end) {
		skip_space_and_comments(&s);
		if (s.p >= s.end)
			break;
		if (*s.p == '"' || *s.p == '\'') {
			skip_literal(&s);
			continue;
		}
		if (!is_ident(*s.p)) {
			advance(&s, 1);
			continue;
		}
		id = s.p;
		while (s.p < s.end && is_ident(*s.p))
			advance(&s, 1);
		idlen = (size_t)(s.p - id);
		if (idlen == 2 && memcmp(id, "tr", 2) == 0)
			skip = 0; /* tr(key) */
		else if ((idlen == 3 && memcmp(id, "trf", 3) == 0) ||
			 (idlen == 8 && memcmp(id, "trf_args", 8) == 0) ||
			 (idlen == 6 && memcmp(id, "err_tr", 6) == 0))
			skip = 2; /* trf(buf, len, key, ...), err_tr(e, code, key, ...) */
		else
			continue;
		skip_space_and_comments(&s);
		if (s.p >= s.end || *s.p != '(')
			continue;
		advance(&s, 1);
		while (skip-- > 0 && skip_arg(&s))
			;
		if (skip >= 0)
			continue;
		line = s.line;
		if (read_key(&s, key, sizeof(key)))
			fn(path, line, key, arg);
	}
}

static void check_key(const char *path, int line, const char *key, void *arg)
{
	int *missing = arg, lang;

	for (lang = 0; lang < LANG_COUNT; lang++) {
		if (!find((enum i18n_lang)lang, key)) {
			print_message("%s:%d: key \"%s\" is not in the %s catalog\n", path, line,
				      key, i18n_lang_tag((enum i18n_lang)lang));
			(*missing)++;
		}
	}
}

static int scan_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *text;
	long len;
	int missing = 0;

	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	fseek(f, 0, SEEK_SET);
	text = malloc((size_t)len + 1);
	assert_non_null(text);
	assert_int_equal(fread(text, 1, (size_t)len, f), (size_t)len);
	text[len] = '\0';
	fclose(f);
	scan_source(path, text, (size_t)len, check_key, &missing);
	free(text);
	return missing;
}

static int scan_tree(const char *dir, int *files)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	struct stat st;
	char path[4096];
	int missing = 0;
	size_t n;

	if (!d)
		return 0;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (stat(path, &st) != 0)
			continue;
		n = strlen(e->d_name);
		if (S_ISDIR(st.st_mode)) {
			missing += scan_tree(path, files);
		} else if (n > 2 && (strcmp(e->d_name + n - 2, ".c") == 0 ||
				     strcmp(e->d_name + n - 2, ".h") == 0)) {
			missing += scan_file(path);
			(*files)++;
		}
	}
	closedir(d);
	return missing;
}

static void test_every_key_used_in_the_sources_exists(void **state)
{
	const char *root = getenv("ATRIUM_SRC_DIR");
	const char *dirs[] = {"app", "core", "tui", "modules"};
	char path[4096];
	int missing = 0, files = 0;
	size_t i;

	if (!root || !*root)
		root = ".";
	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", root, dirs[i]);
		missing += scan_tree(path, &files);
	}
	if (files == 0)
		print_message("warning: no sources under %s: run from the repository root\n", root);
	assert_int_equal(missing, 0);
}

static void collect(const char *path, int line, const char *key, void *arg)
{
	char *out = arg;
	size_t n = strlen(out);

	snprintf(out + n, 256 - n, "%s%s@%d", n ? " " : "", key, line);
}

static void test_source_scanner_finds_keys(void **state)
{
	const char *text =
	    "x = tr(\"a.one\"); str(\"no\"); /* tr(\"no\") */ y = \"tr(\\\"no\\\")\";\n"
	    "trf(buf, sizeof(buf), \"a.two\", TR_N(f(1, 2)));\n"
	    "trf(b[g(1, 2)], n, \"a.\" \"three\", TR_S(x)); // tr(\"no\")\n"
	    "trf_args(b, n, \"a.four\", 0, NULL); tr(key); tr (\n \"a.five\")\n"
	    "err_tr(e, E_USAGE, \"a.err\", TR_S(w));\n"
	    "c = '\"'; tr(\"a.six\"); p->tr(\"a.seven\");";
	char found[256] = "";

	scan_source("test", text, strlen(text), collect, found);
	assert_string_equal(found, "a.one@1 a.two@2 a.three@3 a.four@4 a.five@4 a.err@6 a.six@7 a.seven@7");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_every_key_exists_in_every_language),
	    cmocka_unit_test(test_no_key_is_listed_twice),
	    cmocka_unit_test(test_patterns_parse_and_use_the_same_arguments),
	    cmocka_unit_test(test_source_scanner_finds_keys),
	    cmocka_unit_test(test_every_key_used_in_the_sources_exists),
	};

	return cmocka_run_group_tests_name("catalog", tests, NULL, NULL);
}
