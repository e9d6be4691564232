/*
 * conf.c - an INI reader: `key = value` lines in `[section]`s, comments
 * starting with '#' or ';'. Every value keeps the file and line it came
 * from, so whoever validates it can say exactly where a mistake is.
 * Meaning (which keys exist, what they accept) belongs to app/config.c.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/core.h"

static char *trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' || e[-1] == '\n'))
		*--e = '\0';
	return s;
}

void conf_init(struct conf *c)
{
	memset(c, 0, sizeof *c);
}

void conf_free(struct conf *c)
{
	for (size_t i = 0; i < c->n; i++) {
		free(c->items[i].section);
		free(c->items[i].key);
		free(c->items[i].value);
		free(c->items[i].file);
	}
	free(c->items);
	conf_init(c);
}

struct conf_item *conf_find(const struct conf *c, const char *section, const char *key)
{
	for (size_t i = 0; i < c->n; i++)
		if (strcmp(c->items[i].section, section) == 0 &&
		    strcmp(c->items[i].key, key) == 0)
			return &c->items[i];
	return NULL;
}

const char *conf_get(const struct conf *c, const char *section, const char *key)
{
	struct conf_item *it = conf_find(c, section, key);

	return it ? it->value : NULL;
}

struct conf_item *conf_set(struct conf *c, const char *section, const char *key,
			   const char *value, const char *file, int line)
{
	struct conf_item *it = conf_find(c, section, key);

	if (it == NULL) {
		if (c->n == c->cap) {
			c->cap = c->cap ? c->cap * 2 : 16;
			c->items = xreallocarray(c->items, c->cap, sizeof *c->items);
		}
		it = &c->items[c->n++];
		memset(it, 0, sizeof *it);
		it->section = xstrdup(section);
		it->key = xstrdup(key);
	}
	xstrset(&it->value, value);
	xstrset(&it->file, file);
	it->line = line;
	return it;
}

/* Record why parsing failed (for callers) and fill e (English). */
static int conf_fail(struct conf *c, enum conf_error why, int line, const char *text,
		     struct err *e, const char *fmt, ...) PRINTFLIKE(6, 7);
static int conf_fail(struct conf *c, enum conf_error why, int line, const char *text,
		     struct err *e, const char *fmt, ...)
{
	va_list ap;

	c->err = why;
	c->err_line = line;
	snprintf(c->err_text, sizeof c->err_text, "%s", text ? text : "");
	if (e) {
		e->code = why == CONF_E_READ ? E_IO : E_PARSE;
		va_start(ap, fmt);
		vsnprintf(e->msg, sizeof e->msg, fmt, ap);
		va_end(ap);
	}
	return why == CONF_E_READ ? E_IO : E_PARSE;
}

int conf_parse_string(struct conf *c, const char *text, size_t len, const char *name,
		      struct err *e)
{
	char section[64] = "";
	const char *p = text, *end = text + len;
	int lineno = 0;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		char *line = xstrndup(p, n), *s, *eq;
		int rc = 0;

		lineno++;
		p += n + (nl != NULL);
		if (memchr(line, '\0', n) != NULL)
			rc = conf_fail(c, CONF_E_NUL, lineno, NULL, e, "%s:%d: a NUL byte in the file",
				       name, lineno);
		s = trim(line);
		if (rc == 0 && (*s == '\0' || *s == '#' || *s == ';')) {
			free(line);
			continue;
		}
		if (rc == 0 && *s == '[') {
			char *close = strchr(s, ']');
			char *sec;

			if (close == NULL || *trim(close + 1) != '\0')
				rc = conf_fail(c, CONF_E_SECTION, lineno, s, e,
					       "%s:%d: malformed section header '%s'", name, lineno,
					       s);
			else {
				*close = '\0';
				sec = trim(s + 1);
				if (*sec == '\0' || strlen(sec) >= sizeof section)
					rc = conf_fail(c, CONF_E_SECTION_NAME, lineno, sec, e,
						       "%s:%d: bad section name '%s'", name,
						       lineno, sec);
				else
					strcpy(section, sec);
			}
		} else if (rc == 0) {
			eq = strchr(s, '=');
			if (eq == NULL) {
				rc = conf_fail(c, CONF_E_NO_EQUALS, lineno, s, e,
					       "%s:%d: expected 'key = value', got '%s'", name,
					       lineno, s);
			} else {
				char *key, *val;

				*eq = '\0';
				key = trim(s);
				val = trim(eq + 1);
				if (*key == '\0')
					rc = conf_fail(c, CONF_E_NO_KEY, lineno, NULL, e,
						       "%s:%d: a value without a key", name,
						       lineno);
				else if (strpbrk(key, " \t[]") != NULL)
					rc = conf_fail(c, CONF_E_KEY_NAME, lineno, key, e,
						       "%s:%d: bad key name '%s'", name, lineno,
						       key);
				else {
					/* Optional quotes keep leading/trailing spaces. */
					size_t vl = strlen(val);

					if (vl >= 2 && val[0] == '"' && val[vl - 1] == '"') {
						val[vl - 1] = '\0';
						val++;
					}
					conf_set(c, section, key, val, name, lineno);
				}
			}
		}
		free(line);
		if (rc != 0)
			return rc;
	}
	return 0;
}

int conf_parse_file(struct conf *c, const char *path, struct err *e)
{
	FILE *f = fopen(path, "rb");
	struct buf b;
	char chunk[4096];
	size_t n;
	int rc;

	if (f == NULL) {
		if (errno == ENOENT)
			return err_set(e, E_NOTFOUND, "%s: %s", path, strerror(errno));
		return conf_fail(c, CONF_E_READ, 0, strerror(errno), e, "%s: %s", path,
				 strerror(errno));
	}
	buf_init(&b);
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
		buf_add(&b, chunk, n);
		if (b.len > (1u << 20)) {
			fclose(f);
			buf_free(&b);
			return conf_fail(c, CONF_E_TOO_BIG, 0, NULL, e,
					 "%s: larger than 1 MiB; not a config file", path);
		}
	}
	if (ferror(f)) {
		rc = conf_fail(c, CONF_E_READ, 0, strerror(errno), e, "%s: read error", path);
		fclose(f);
		buf_free(&b);
		return rc;
	}
	fclose(f);
	rc = conf_parse_string(c, buf_cstr(&b), b.len, path, e);
	buf_free(&b);
	return rc;
}

int conf_bool(const char *v, int *out)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };

	for (size_t i = 0; i < nitems(yes); i++) {
		if (strcasecmp(v, yes[i]) == 0) {
			*out = 1;
			return 0;
		}
		if (strcasecmp(v, no[i]) == 0) {
			*out = 0;
			return 0;
		}
	}
	return E_PARSE;
}
