/*
 * json.c - streaming JSON writer for --json output. Output is always valid
 * JSON: strings are escaped and invalid UTF-8 is replaced, because what we
 * print comes from mail, chat and files we do not control.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/core.h"

void json_init(struct json *j, FILE *f, int pretty)
{
	memset(j, 0, sizeof *j);
	j->f = f;
	j->pretty = pretty;
}

static void json_indent(struct json *j)
{
	if (!j->pretty)
		return;
	fputc('\n', j->f);
	for (int i = 0; i < j->depth; i++)
		fputs("  ", j->f);
}

/* Before any value or key: a comma if needed, and indentation. */
static void json_pre(struct json *j)
{
	if (j->after_key) {
		j->after_key = 0;
		return;
	}
	if (j->depth > 0 && j->depth < (int)sizeof j->need_comma) {
		if (j->need_comma[j->depth])
			fputc(',', j->f);
		j->need_comma[j->depth] = 1;
	}
	if (j->depth > 0)
		json_indent(j);
}

static void json_open(struct json *j, char c)
{
	json_pre(j);
	fputc(c, j->f);
	j->depth++;
	if (j->depth < (int)sizeof j->need_comma)
		j->need_comma[j->depth] = 0;
}

static void json_close(struct json *j, char c)
{
	int had = j->depth < (int)sizeof j->need_comma && j->need_comma[j->depth];

	j->depth--;
	if (had)
		json_indent(j);
	fputc(c, j->f);
}

void json_obj_begin(struct json *j) { json_open(j, '{'); }
void json_obj_end(struct json *j) { json_close(j, '}'); }
void json_arr_begin(struct json *j) { json_open(j, '['); }
void json_arr_end(struct json *j) { json_close(j, ']'); }

static void json_write_string(FILE *f, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;

	fputc('"', f);
	for (size_t i = 0; i < n;) {
		unsigned c = p[i];
		size_t len;

		switch (c) {
		case '"': fputs("\\\"", f); i++; continue;
		case '\\': fputs("\\\\", f); i++; continue;
		case '\n': fputs("\\n", f); i++; continue;
		case '\r': fputs("\\r", f); i++; continue;
		case '\t': fputs("\\t", f); i++; continue;
		}
		if (c < 0x20 || c == 0x7f) {
			fprintf(f, "\\u%04x", c);
			i++;
			continue;
		}
		unsigned cp;

		len = utf8_decode(s + i, n - i, &cp);
		if (len == 0) {
			fputs("\xef\xbf\xbd", f);
			i++;
			continue;
		}
		/* C1 controls (CSI is one) would reach a terminal that shows
		 * the document: escaped like C0 */
		if (cp >= 0x80 && cp <= 0x9f)
			fprintf(f, "\\u%04x", cp);
		else
			fwrite(p + i, 1, len, f);
		i += len;
	}
	fputc('"', f);
}

void json_key(struct json *j, const char *key)
{
	json_pre(j);
	json_write_string(j->f, key, strlen(key));
	fputs(j->pretty ? ": " : ":", j->f);
	j->after_key = 1;
}

void json_strn(struct json *j, const char *s, size_t n)
{
	json_pre(j);
	json_write_string(j->f, s, n);
}

void json_str(struct json *j, const char *s)
{
	if (s == NULL) {
		json_null(j);
		return;
	}
	json_strn(j, s, strlen(s));
}

void json_int(struct json *j, long long v)
{
	json_pre(j);
	fprintf(j->f, "%lld", v);
}

void json_num(struct json *j, double v)
{
	json_pre(j);
	if (!isfinite(v))
		fputs("null", j->f);
	else {
		/* The shortest of %.15g and %.17g that reads back exactly. */
		char tmp[32];

		snprintf(tmp, sizeof tmp, "%.15g", v);
		if (strtod(tmp, NULL) != v)
			snprintf(tmp, sizeof tmp, "%.17g", v);
		fputs(tmp, j->f);
	}
}

void json_bool(struct json *j, int v)
{
	json_pre(j);
	fputs(v ? "true" : "false", j->f);
}

void json_null(struct json *j)
{
	json_pre(j);
	fputs("null", j->f);
}

void json_end(struct json *j)
{
	fputc('\n', j->f);
	fflush(j->f);
}
