/*
 * find.c - search and replace (find.h). Exact plain patterns use memmem
 * (doc_buf_find on the piece table); folded plain patterns and regular
 * expressions run through ICU's uregex on a UTF-8 UText, so offsets are
 * byte offsets with no UTF-16 copy of the text. A folded plain pattern is
 * a literal, case-insensitive uregex; its matches are short, so the
 * editor searches the piece table in overlapping windows instead of
 * reading the whole text.
 */
#include <stdlib.h>
#include <string.h>

#include <unicode/uchar.h>
#include <unicode/uregex.h>
#include <unicode/utext.h>
#include <unicode/utf8.h>

#include "i18n/i18n.h"
#include "modules/docs/buffer.h"
#include "modules/docs/editor.h"
#include "modules/docs/find.h"

/* A window of the piece table for a folded search, and the overlap that
 * catches a match across its end (a folded character is at most three,
 * each at most four bytes). */
#define FIND_WIN (1u << 20)
#define FIND_OVERLAP(len) ((len) * 12 + 64)
/* uregex steps (about milliseconds) before a runaway regex gives up. */
#define REGEX_STEPS 20000

struct doc_matcher {
	int regex;
	URegularExpression *re; /* NULL: exact plain (memmem) */
	UText *ut;
	const char *text;       /* the text ut was opened on */
	size_t len;
	char *needle;           /* exact plain */
	size_t nlen;
	int failed;             /* the last search hit the regex time limit */
};

/* ---- patterns ------------------------------------------------------------------ */

int doc_pattern_folds(const struct doc_pattern *p)
{
	size_t i = 0;

	if (p->cas != DOC_CASE_AUTO)
		return p->cas == DOC_CASE_FOLD;
	while (i < p->len) {
		UChar32 c;

		U8_NEXT(p->text, i, p->len, c);
		if (c < 0)
			continue;
		if (p->regex && c == '\\' && i < p->len) {
			/* an escape's letter is syntax; \p{..} \N{..} \x{..} too */
			U8_NEXT(p->text, i, p->len, c);
			if (i < p->len && p->text[i] == '{' && strchr("pPNx", (int)c)) {
				while (i < p->len && p->text[i] != '}')
					i++;
			}
			continue;
		}
		if (u_isupper(c) || u_istitle(c))
			return 0;
	}
	return 1;
}

int doc_matcher_new(const struct doc_pattern *p, struct doc_matcher **out, struct err *e)
{
	struct doc_matcher *m;
	UErrorCode st = U_ZERO_ERROR;
	UParseError pe;
	UText *pat;
	uint32_t flags = 0;
	char t[300];

	if (p->len == 0)
		return err_set(e, E_USAGE, "%s", tr("docs.err.empty_pattern"));
	m = xcalloc(1, sizeof *m);
	m->regex = p->regex;
	if (!p->regex && !doc_pattern_folds(p)) {
		m->needle = xmalloc(p->len);
		memcpy(m->needle, p->text, p->len);
		m->nlen = p->len;
		*out = m;
		return 0;
	}
	if (p->len > INT32_MAX)
		goto bad;
	flags = p->regex ? UREGEX_MULTILINE : UREGEX_LITERAL;
	if (doc_pattern_folds(p))
		flags |= UREGEX_CASE_INSENSITIVE;
	memset(&pe, 0, sizeof pe);
	pat = utext_openUTF8(NULL, p->text, (int64_t)p->len, &st);
	if (U_SUCCESS(st))
		m->re = uregex_openUText(pat, flags, &pe, &st);
	utext_close(pat);
	if (U_FAILURE(st)) {
		doc_matcher_free(m);
		return err_set(e, E_USAGE, "%s",
			       trf(t, sizeof t, "docs.err.regex", TR_S(u_errorName(st)),
				   TR_N(pe.offset >= 0 ? pe.offset + 1 : 1)));
	}
	uregex_setTimeLimit(m->re, REGEX_STEPS, &st);
	*out = m;
	return 0;
bad:
	free(m);
	return err_set(e, E_USAGE, "%s", tr("docs.err.pattern_long"));
}

void doc_matcher_free(struct doc_matcher *m)
{
	if (m == NULL)
		return;
	if (m->re)
		uregex_close(m->re);
	if (m->ut)
		utext_close(m->ut);
	free(m->needle);
	free(m);
}

/* Point the regex at text (again when the caller's window changed). */
static int set_text(struct doc_matcher *m, const char *text, size_t len, int force)
{
	UErrorCode st = U_ZERO_ERROR;

	if (!force && m->ut && m->text == text && m->len == len)
		return 0;
	m->ut = utext_openUTF8(m->ut, len ? text : "", (int64_t)len, &st);
	if (U_SUCCESS(st))
		uregex_setUText(m->re, m->ut, &st);
	if (U_FAILURE(st))
		return E_INTERNAL;
	m->text = text;
	m->len = len;
	return 0;
}

static int next_at(struct doc_matcher *m, const char *text, size_t len, size_t from,
		   size_t *start, size_t *end, int force)
{
	UErrorCode st = U_ZERO_ERROR;

	while (from < len && ((unsigned char)text[from] & 0xc0) == 0x80)
		from++; /* the middle of a character: from the next one */
	if (from > len)
		return E_NOTFOUND;
	if (m->re == NULL) {
		const char *p = from < len ? memmem(text + from, len - from, m->needle, m->nlen)
					   : NULL;

		if (p == NULL)
			return E_NOTFOUND;
		*start = (size_t)(p - text);
		*end = *start + m->nlen;
		return 0;
	}
	if (set_text(m, text, len, force) != 0)
		return E_NOTFOUND;
	if (!uregex_find64(m->re, (int64_t)from, &st) || U_FAILURE(st)) {
		m->failed = st == U_REGEX_TIME_OUT;
		return E_NOTFOUND;
	}
	*start = (size_t)uregex_start64(m->re, 0, &st);
	*end = (size_t)uregex_end64(m->re, 0, &st);
	return U_SUCCESS(st) ? 0 : E_NOTFOUND;
}

int doc_matcher_next(struct doc_matcher *m, const char *text, size_t len, size_t from,
		     size_t *start, size_t *end)
{
	return next_at(m, text, len, from, start, end, 0);
}

/* Append group g of the last match. */
static void add_group(struct doc_matcher *m, const char *text, int32_t g, struct buf *out)
{
	UErrorCode st = U_ZERO_ERROR;
	int64_t a, b;

	if (g < 0 || g > uregex_groupCount(m->re, &st))
		return;
	a = uregex_start64(m->re, g, &st);
	b = uregex_end64(m->re, g, &st);
	if (U_SUCCESS(st) && a >= 0 && b >= a)
		buf_add(out, text + a, (size_t)(b - a));
}

void doc_matcher_expand(struct doc_matcher *m, const char *text, const char *repl, size_t rlen,
			struct buf *out)
{
	UErrorCode st = U_ZERO_ERROR;
	int32_t groups;

	if (!m->regex) {
		buf_add(out, repl, rlen);
		return;
	}
	groups = uregex_groupCount(m->re, &st);
	for (size_t i = 0; i < rlen; i++) {
		char c = repl[i];

		if (c == '\\' && i + 1 < rlen) {
			c = repl[++i];
			buf_addc(out, c == 'n' ? '\n' : c == 't' ? '\t' : c);
		} else if (c == '$' && i + 1 < rlen && repl[i + 1] >= '0' && repl[i + 1] <= '9') {
			/* $12 is group 12 if there is one, else group 1 then "2" */
			int32_t g = repl[++i] - '0';

			while (i + 1 < rlen && repl[i + 1] >= '0' && repl[i + 1] <= '9' &&
			       g * 10 + (repl[i + 1] - '0') <= groups)
				g = g * 10 + (repl[++i] - '0');
			add_group(m, text, g, out);
		} else if (c == '$' && i + 1 < rlen && repl[i + 1] == '{') {
			const char *close = memchr(repl + i + 2, '}', rlen - i - 2);
			size_t n;
			int32_t g = 0;
			int digits = 1;

			if (close == NULL) {
				buf_addc(out, c);
				continue;
			}
			n = (size_t)(close - (repl + i + 2));
			for (size_t k = 0; k < n; k++)
				if (repl[i + 2 + k] < '0' || repl[i + 2 + k] > '9')
					digits = 0;
			if (digits && n > 0 && n < 9) {
				for (size_t k = 0; k < n; k++)
					g = g * 10 + (repl[i + 2 + k] - '0');
			} else {
				st = U_ZERO_ERROR;
				g = uregex_groupNumberFromCName(m->re, repl + i + 2, (int32_t)n, &st);
				if (U_FAILURE(st))
					g = -1;
			}
			add_group(m, text, g, out);
			i += n + 2;
		} else {
			buf_addc(out, c);
		}
	}
}

/* Where the search goes on after the match [s, e): its end, or past one
 * character for an empty match. */
static size_t after(const char *text, size_t len, size_t s, size_t e)
{
	if (e > s)
		return e;
	if (s >= len)
		return len + 1;
	s++;
	while (s < len && ((unsigned char)text[s] & 0xc0) == 0x80)
		s++;
	return s;
}

int doc_replace_text(const struct doc_pattern *p, const char *text, size_t len, const char *repl,
		     size_t rlen, struct buf *out, size_t *count, struct err *e)
{
	struct doc_matcher *m;
	size_t from = 0, done = 0, s, en, n = 0;
	int rc = doc_matcher_new(p, &m, e);

	if (rc != 0)
		return rc;
	while (from <= len && doc_matcher_next(m, text, len, from, &s, &en) == 0) {
		buf_add(out, text + done, s - done);
		doc_matcher_expand(m, text, repl, rlen, out);
		done = en;
		n++;
		from = after(text, len, s, en);
	}
	if (m->failed) {
		doc_matcher_free(m);
		return err_set(e, E_USAGE, "%s", tr("docs.err.regex_slow"));
	}
	buf_add(out, text + done, len - done);
	doc_matcher_free(m);
	*count = n;
	return 0;
}

int doc_replace_buf(const struct doc_pattern *p, const struct doc_buf *b, const char *repl,
		    size_t rlen, struct buf *out, size_t *count, struct err *e)
{
	struct buf text;
	size_t mark = out->len;
	int rc;

	buf_init(&text);
	doc_buf_contents(b, &text);
	rc = doc_replace_text(p, text.len ? text.data : "", text.len, repl, rlen, out, count, e);
	if (rc != 0)
		out->len = mark;
	buf_free(&text);
	return rc;
}

/* ---- in the editor ------------------------------------------------------------- */

void doc_find_begin(struct doc_find *f, struct editor *ed)
{
	memset(f, 0, sizeof *f);
	buf_init(&f->needle);
	buf_init(&f->text);
	err_clear(&f->err);
	f->origin = editor_cursor(ed);
}

void doc_find_end(struct doc_find *f)
{
	buf_free(&f->needle);
	buf_free(&f->text);
	doc_matcher_free(f->m);
	memset(f, 0, sizeof *f);
}

/* Compile the needle when it changed; 0 when there is something to
 * search for. */
static int matcher(struct doc_find *f)
{
	struct doc_pattern p = { f->needle.data, f->needle.len, f->regex, f->cas };

	if (f->m_ok)
		return f->m ? 0 : E_USAGE;
	doc_matcher_free(f->m);
	f->m = NULL;
	f->m_ok = 1;
	f->bad = 0;
	if (f->needle.len == 0)
		return E_NOTFOUND;
	err_clear(&f->err);
	if (doc_matcher_new(&p, &f->m, &f->err) != 0) {
		f->bad = 1;
		return E_USAGE;
	}
	return 0;
}

/* The whole text, for a regex, read again after an edit. */
static const char *whole(struct doc_find *f, const struct editor *ed, size_t *len)
{
	if (f->text_ed != ed || f->text_at != editor_changes(ed) || f->text_at == 0) {
		buf_reset(&f->text);
		doc_buf_contents(editor_buf(ed), &f->text);
		buf_addc(&f->text, '\0');
		f->text.len--;
		f->text_at = editor_changes(ed);
		f->text_ed = ed;
		if (f->m && f->m->re)
			set_text(f->m, f->text.data, f->text.len, 1);
	}
	*len = f->text.len;
	return f->text.data;
}

/* Room for n more bytes at the end of b (and its NUL). */
static void reserve(struct buf *b, size_t n)
{
	if (b->cap < b->len + n + 1) {
		b->cap = b->len + n + 1;
		b->data = xrealloc(b->data, b->cap);
	}
}

/* Read a window [pos, pos + n) of the text into f->text, from the first
 * character start at or after pos; *base is the offset of its byte 0. */
static const char *window(struct doc_find *f, const struct editor *ed, size_t pos, size_t n,
			  size_t *base, size_t *got)
{
	const struct doc_buf *b = editor_buf(ed);
	size_t skip = 0;

	buf_reset(&f->text);
	f->text_at = 0; /* the cache no longer holds the whole text */
	reserve(&f->text, n + 1);
	*got = doc_buf_read(b, pos, n, f->text.data);
	while (skip < *got && ((unsigned char)f->text.data[skip] & 0xc0) == 0x80 && skip < 4)
		skip++;
	*base = pos + skip;
	*got -= skip;
	return f->text.data + skip;
}

/* Forward: the first match starting at or after from. */
static int search_fwd(struct doc_find *f, const struct editor *ed, size_t from, size_t *s,
		      size_t *e)
{
	const struct doc_buf *b = editor_buf(ed);
	size_t total = doc_buf_len(b), len, base, n, ov;
	const char *t;

	if (matcher(f) != 0)
		return E_NOTFOUND;
	if (f->m->re == NULL) {
		if (doc_buf_find(b, from, f->needle.data, f->needle.len, 1, s) != 0)
			return E_NOTFOUND;
		*e = *s + f->needle.len;
		return 0;
	}
	if (f->regex) {
		t = whole(f, ed, &len);
		return doc_matcher_next(f->m, t, len, from, s, e);
	}
	ov = FIND_OVERLAP(f->needle.len);
	for (size_t pos = from; pos <= total; pos += FIND_WIN) {
		t = window(f, ed, pos, FIND_WIN + ov, &base, &n);
		if (next_at(f->m, t, n, 0, s, e, 1) == 0 &&
		    (*s + base < pos + FIND_WIN || pos + FIND_WIN + ov >= total)) {
			*s += base;
			*e += base;
			return 0;
		}
		if (pos + FIND_WIN + ov >= total)
			break;
	}
	return E_NOTFOUND;
}

/* Backward: the last match starting before from. */
static int search_back(struct doc_find *f, const struct editor *ed, size_t from, size_t *s,
		       size_t *e)
{
	const struct doc_buf *b = editor_buf(ed);
	size_t len, base, n, ov, a, z;
	const char *t;
	int found = 0;

	if (matcher(f) != 0)
		return E_NOTFOUND;
	if (f->m->re == NULL) {
		if (doc_buf_find(b, from, f->needle.data, f->needle.len, 0, s) != 0)
			return E_NOTFOUND;
		*e = *s + f->needle.len;
		return 0;
	}
	if (f->regex) {
		size_t at = 0;

		t = whole(f, ed, &len);
		while (at <= len && doc_matcher_next(f->m, t, len, at, &a, &z) == 0 && a < from) {
			*s = a;
			*e = z;
			found = 1;
			at = after(t, len, a, z);
		}
		return found ? 0 : E_NOTFOUND;
	}
	ov = FIND_OVERLAP(f->needle.len);
	for (size_t end = from; end > 0;) {
		size_t start = end > FIND_WIN ? end - FIND_WIN : 0, at = 0;

		t = window(f, ed, start, end - start + ov, &base, &n);
		set_text(f->m, t, n, 1);
		while (next_at(f->m, t, n, at, &a, &z, 0) == 0 && a + base < from) {
			*s = a + base;
			*e = z + base;
			found = 1;
			at = a + 1;
		}
		if (found)
			return 0;
		end = start;
	}
	return E_NOTFOUND;
}

/* Count all matches and number the current one. Plain matches may
 * overlap, as stepping finds them; regex matches do not. */
static void recount(struct doc_find *f, const struct editor *ed)
{
	size_t s, e, from = 0, total = doc_buf_len(editor_buf(ed));

	f->count = f->index = 0;
	f->capped = 0;
	while (from <= total && search_fwd(f, ed, from, &s, &e) == 0) {
		if (f->count == DOC_FIND_COUNT_CAP) {
			f->capped = 1;
			break;
		}
		f->count++;
		if (f->found && s == f->at)
			f->index = f->count;
		from = f->regex ? (e > s ? e : s + 1) : s + 1;
	}
}

/* Go to the match [s, e), or mark not found. */
static void land(struct doc_find *f, struct editor *ed, int rc, size_t s, size_t e)
{
	f->found = rc == 0;
	if (f->found) {
		f->at = s;
		f->at_end = e;
		editor_set_cursor(ed, s);
		editor_set_mark(ed, s, e - s);
	} else {
		editor_set_mark(ed, 0, 0);
	}
	recount(f, ed);
}

static void search(struct doc_find *f, struct editor *ed)
{
	size_t s = 0, e = 0;
	int rc;

	f->m_ok = 0;
	if (f->needle.len == 0 || matcher(f) != 0) {
		f->found = 0;
		f->count = f->index = 0;
		f->capped = 0;
		editor_set_mark(ed, 0, 0);
		editor_set_cursor(ed, f->origin);
		return;
	}
	rc = search_fwd(f, ed, f->origin, &s, &e);
	if (rc != 0)
		rc = search_fwd(f, ed, 0, &s, &e);
	if (rc != 0)
		editor_set_cursor(ed, f->origin);
	land(f, ed, rc, s, e);
}

void doc_find_type(struct doc_find *f, struct editor *ed, const char *s, size_t len)
{
	buf_add(&f->needle, s, len);
	search(f, ed);
}

void doc_find_backspace(struct doc_find *f, struct editor *ed)
{
	while (f->needle.len > 0) {
		unsigned char c = (unsigned char)f->needle.data[--f->needle.len];

		if ((c & 0xc0) != 0x80)
			break;
	}
	search(f, ed);
}

void doc_find_set(struct doc_find *f, struct editor *ed, const char *s, size_t len, int regex,
		  enum doc_case cas)
{
	buf_reset(&f->needle);
	buf_add(&f->needle, s, len);
	f->regex = regex;
	f->cas = cas;
	search(f, ed);
}

void doc_find_toggle_regex(struct doc_find *f, struct editor *ed)
{
	f->regex = !f->regex;
	search(f, ed);
}

void doc_find_cycle_case(struct doc_find *f, struct editor *ed)
{
	f->cas = f->cas == DOC_CASE_AUTO ? DOC_CASE_FOLD
		 : f->cas == DOC_CASE_FOLD ? DOC_CASE_EXACT : DOC_CASE_AUTO;
	search(f, ed);
}

int doc_find_step(struct doc_find *f, struct editor *ed, int forward)
{
	size_t s = 0, e = 0, from;
	int rc;

	if (f->needle.len == 0 || matcher(f) != 0)
		return E_NOTFOUND;
	if (forward) {
		from = f->found ? f->at + 1 : editor_cursor(ed);
		rc = search_fwd(f, ed, from, &s, &e);
		if (rc != 0)
			rc = search_fwd(f, ed, 0, &s, &e);
	} else {
		from = f->found ? f->at : editor_cursor(ed);
		rc = search_back(f, ed, from, &s, &e);
		if (rc != 0)
			rc = search_back(f, ed, doc_buf_len(editor_buf(ed)) + 1, &s, &e);
	}
	land(f, ed, rc, s, e);
	return rc;
}

/* Is the current match still where it was (no edit moved it)? */
static int still_there(struct doc_find *f, const struct editor *ed)
{
	size_t s, e;

	return f->found && search_fwd(f, ed, f->at, &s, &e) == 0 && s == f->at && e == f->at_end;
}

int doc_find_replace_one(struct doc_find *f, struct editor *ed, const char *repl, size_t rlen)
{
	struct buf with;
	size_t s, e, len;
	const char *t;

	if (f->needle.len == 0 || matcher(f) != 0)
		return E_NOTFOUND;
	if (!still_there(f, ed)) {
		f->origin = editor_cursor(ed);
		search(f, ed);
		if (!f->found)
			return E_NOTFOUND;
	}
	s = f->at;
	e = f->at_end;
	buf_init(&with);
	if (f->regex) {
		/* the groups come from matching at s again on the whole text */
		size_t s2, e2;

		t = whole(f, ed, &len);
		if (doc_matcher_next(f->m, t, len, s, &s2, &e2) == 0 && s2 == s)
			doc_matcher_expand(f->m, t, repl, rlen, &with);
	} else {
		buf_add(&with, repl, rlen);
	}
	editor_replace_range(ed, s, e - s, with.len ? with.data : "", with.len);
	buf_free(&with);
	/* on from after the replacement, so "a" -> "aa" does not loop */
	f->origin = editor_cursor(ed);
	{
		size_t ns, ne;
		int rc = search_fwd(f, ed, f->origin, &ns, &ne);

		if (rc != 0)
			rc = search_fwd(f, ed, 0, &ns, &ne);
		if (rc != 0)
			editor_set_cursor(ed, f->origin);
		land(f, ed, rc, ns, ne);
	}
	return 0;
}

int doc_find_replace_all(struct doc_find *f, struct editor *ed, const char *repl, size_t rlen,
			 size_t *count, struct err *e)
{
	struct doc_pattern p = { f->needle.data, f->needle.len, f->regex, f->cas };
	struct buf out;
	size_t len, cur = editor_cursor(ed);
	const char *t;
	int rc;

	*count = 0;
	if (f->needle.len == 0)
		return err_set(e, E_USAGE, "%s", tr("docs.err.empty_pattern"));
	if (matcher(f) != 0)
		return err_set(e, f->err.code ? f->err.code : E_USAGE, "%s", f->err.msg);
	f->text_at = 0;
	t = whole(f, ed, &len);
	buf_init(&out);
	rc = doc_replace_text(&p, t, len, repl, rlen, &out, count, e);
	if (rc == 0 && *count > 0)
		editor_set_text(ed, out.len ? out.data : "", out.len, cur);
	buf_free(&out);
	f->found = 0;
	f->count = f->index = 0;
	editor_set_mark(ed, 0, 0);
	return rc;
}
