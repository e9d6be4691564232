/*
 * csv.c - delimited text in and out. Files come from everywhere: Excel's
 * UTF-16 "Unicode text", GB18030 exports, semicolons from European
 * locales, quoted newlines. The reader converts to UTF-8 first (delimiters
 * and quotes are ASCII there), guesses the delimiter from the first lines
 * when not told, and is as lenient as Excel with stray quotes inside
 * unquoted fields, but an opening quote that never closes is an error:
 * reading on would swallow the rest of the file into one cell.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "i18n/i18n.h"
#include "modules/sheets/csv.h"

#define SNIFF_LINES 10

static int valid_utf8(const char *s, size_t n)
{
	for (size_t i = 0; i < n;) {
		unsigned cp;
		size_t k;
		uint64_t w;

		/* ASCII eight bytes at a time: a big file is mostly digits. */
		if (i + 8 <= n && (memcpy(&w, s + i, 8), (w & 0x8080808080808080ULL) == 0)) {
			i += 8;
			continue;
		}
		if ((unsigned char)s[i] < 0x80) {
			i++;
			continue;
		}
		k = utf8_decode(s + i, n - i, &cp);
		if (k == 0)
			return 0;
		i += k;
	}
	return 1;
}

/* UTF-16 without a BOM: text full of NUL bytes on one side. */
static const char *sniff_utf16(const char *s, size_t n)
{
	size_t even = 0, odd = 0, m = n < 4096 ? n : 4096;

	for (size_t i = 0; i + 1 < m; i += 2) {
		even += s[i] == 0;
		odd += s[i + 1] == 0;
	}
	if (m >= 4 && odd > m / 4 && even == 0)
		return "UTF-16LE";
	if (m >= 4 && even > m / 4 && odd == 0)
		return "UTF-16BE";
	return NULL;
}

/* Bring data to UTF-8; *owned is set when a copy was made. */
static int to_utf8(const char *data, size_t len, const char *charset, const char **out,
		   size_t *outlen, char **owned, const char **used, struct err *e)
{
	const unsigned char *u = (const unsigned char *)data;
	const char *cs = charset;
	size_t skip = 0;
	int valid = -1; /* not checked yet (a big file is read once for it) */

	*owned = NULL;
	if (cs == NULL) {
		if (len >= 3 && u[0] == 0xef && u[1] == 0xbb && u[2] == 0xbf)
			cs = "UTF-8", skip = 3;
		else if (len >= 2 && u[0] == 0xff && u[1] == 0xfe)
			cs = "UTF-16LE", skip = 2;
		else if (len >= 2 && u[0] == 0xfe && u[1] == 0xff)
			cs = "UTF-16BE", skip = 2;
		else if ((cs = sniff_utf16(data, len)) == NULL)
			cs = (valid = valid_utf8(data, len)) ? "UTF-8" : "GB18030";
	}
	*used = cs;
	if (valid < 0 && strcasecmp(cs, "UTF-8") == 0)
		valid = valid_utf8(data + skip, len - skip);
	if (strcasecmp(cs, "UTF-8") == 0 && valid) {
		*out = data + skip;
		*outlen = len - skip;
		return 0;
	}
	*owned = txt_to_utf8(cs, data + skip, len - skip, outlen);
	if (*owned == NULL)
		return err_set(e, E_PARSE, "cannot read the file as %s", cs);
	*out = *owned;
	return 0;
}

/* The delimiter that splits the first lines into the same number of
 * fields most consistently. */
static char sniff_delim(const char *s, size_t n)
{
	static const char cands[] = { ',', '\t', ';', '|' };
	int counts[SNIFF_LINES][sizeof cands];
	int lines = 0, best = 0, best_score = -1;
	int inq = 0;

	memset(counts, 0, sizeof counts);
	for (size_t i = 0; i < n && lines < SNIFF_LINES; i++) {
		char c = s[i];

		if (c == '"') {
			inq = !inq;
		} else if (!inq && (c == '\n' || c == '\r')) {
			lines++;
			if (c == '\r' && i + 1 < n && s[i + 1] == '\n')
				i++;
		} else if (!inq) {
			for (size_t k = 0; k < sizeof cands; k++)
				counts[lines][k] += c == cands[k];
		}
	}
	if (lines < SNIFF_LINES && n > 0)
		lines++;
	for (size_t k = 0; k < sizeof cands; k++) {
		int same = 0;

		if (counts[0][k] == 0)
			continue;
		for (int l = 0; l < lines; l++)
			same += counts[l][k] == counts[0][k];
		/* Consistency first, then how many fields it makes. */
		if (same * 1000 + counts[0][k] > best_score) {
			best_score = same * 1000 + counts[0][k];
			best = (int)k;
		}
	}
	return cands[best];
}

int csv_open(struct csv_reader *r, const char *data, size_t len, const struct csv_opts *opts,
	     struct err *e)
{
	int rc;

	memset(r, 0, sizeof *r);
	rc = to_utf8(data, len, opts ? opts->charset : NULL, &r->s, &r->n, &r->owned,
		     &r->charset, e);
	if (rc != 0)
		return rc;
	r->delim = opts && opts->delim ? opts->delim : sniff_delim(r->s, r->n);
	r->line = 1;
	buf_init(&r->field);
	return 0;
}

void csv_close(struct csv_reader *r)
{
	buf_free(&r->field);
	free(r->owned);
	r->owned = NULL;
}

/* A quoted field from r->i (at the opening quote) into r->field. */
static int quoted_field(struct csv_reader *r, struct err *e)
{
	const char *s = r->s;
	size_t n = r->n, i = r->i + 1;
	long start_line = r->line;

	buf_reset(&r->field);
	for (;;) {
		size_t j = i;

		/* a run of plain bytes in one copy */
		while (j < n && s[j] != '"' && s[j] != '\n' && s[j] != '\r')
			j++;
		if (j > i)
			buf_add(&r->field, s + i, j - i);
		i = j;
		if (i >= n)
			return err_set(e, E_PARSE, "line %ld: a quoted field never closes",
				       start_line);
		if (s[i] == '"') {
			if (i + 1 < n && s[i + 1] == '"') {
				buf_addc(&r->field, '"');
				i += 2;
				continue;
			}
			i++;
			break;
		}
		if (s[i] == '\n')
			r->line++;
		else if (s[i] == '\r' && !(i + 1 < n && s[i + 1] == '\n'))
			r->line++;
		buf_addc(&r->field, s[i++]);
	}
	/* Text after the closing quote: kept, as Excel does. */
	while (i < n && s[i] != r->delim && s[i] != '\n' && s[i] != '\r')
		buf_addc(&r->field, s[i++]);
	r->i = i;
	return 0;
}

int csv_next(struct csv_reader *r, struct csv_field *f, struct err *e)
{
	const char *s = r->s;
	size_t n = r->n, i;
	int rc;

	if (r->tail) { /* the empty field after a delimiter at the very end */
		r->tail = 0;
		*f = (struct csv_field){ "", 0, 0, r->row, r->col, r->line };
		return 1;
	}
	if (r->i >= n)
		return 0;
	*f = (struct csv_field){ NULL, 0, 0, r->row, r->col, r->line };
	if (s[r->i] == '"') {
		if ((rc = quoted_field(r, e)) != 0)
			return rc;
		f->text = buf_cstr(&r->field);
		f->len = r->field.len;
		f->quoted = 1;
		i = r->i;
	} else {
		char d = r->delim;

		for (i = r->i; i < n && s[i] != d && s[i] != '\n' && s[i] != '\r'; i++)
			;
		f->text = s + r->i;
		f->len = i - r->i;
	}
	if (i < n && s[i] == r->delim) {
		r->i = i + 1;
		r->col++;
		/* A delimiter at the very end still ends a field. */
		r->tail = r->i == n;
		return 1;
	}
	if (i < n && s[i] == '\r')
		i++;
	if (i < n && s[i] == '\n')
		i++;
	r->i = i;
	r->row++;
	r->col = 0;
	r->line++;
	return 1;
}

int csv_read(const char *data, size_t len, const struct csv_opts *opts, csv_field_fn fn,
	     void *arg, char *delim_used, const char **charset_used, struct err *e)
{
	struct csv_reader r;
	struct csv_field f;
	int rc;

	rc = csv_open(&r, data, len, opts, e);
	if (rc != 0)
		return rc;
	if (delim_used)
		*delim_used = r.delim;
	if (charset_used)
		*charset_used = r.charset;
	while ((rc = csv_next(&r, &f, e)) == 1 && (rc = fn(&f, arg)) == 0)
		;
	csv_close(&r);
	return rc;
}

void csv_write_field(struct buf *out, const char *text, size_t len, char delim)
{
	int quote = 0;

	for (size_t i = 0; i < len && !quote; i++)
		quote = text[i] == delim || text[i] == '"' || text[i] == '\n' || text[i] == '\r';
	if (!quote) {
		buf_add(out, text, len);
		return;
	}
	buf_addc(out, '"');
	for (size_t i = 0; i < len; i++) {
		if (text[i] == '"')
			buf_addc(out, '"');
		buf_addc(out, text[i]);
	}
	buf_addc(out, '"');
}
