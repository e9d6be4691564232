/*
 * find.c - search and replace (find.h). Exact plain patterns use memmem
 * (doc_buf_find on the piece table); folded plain patterns and regular
 * expressions run through ICU's uregex on a UTF-8 UText, so offsets are
 * byte offsets with no UTF-16 copy of the text. A folded plain pattern is
 * a literal, case-insensitive uregex; its matches are short, so the
 * editor searches the piece table in overlapping windows instead of
 * reading the whole text. In the editor a regex runs on the piece table
 * itself, through a UText provider over it (pt_*), so no edit makes it
 * copy the text; an incremental search goes a slice at a time (find.h).
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <unicode/uchar.h>
#include <unicode/uregex.h>
#include <unicode/ustring.h>
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
/* Bytes of text one step of an incremental search or count covers, and
 * the look past its end a regex match starting in it may take (a longer
 * one is found when the engine says it ran into the end, as a greedy
 * match does; a failed attempt longer than this is not retried). */
#define FIND_SLICE (256u << 10)
#define REGEX_OVERLAP (64u << 10)

struct doc_matcher {
	int regex;
	URegularExpression *re; /* NULL: exact plain (memmem) */
	UText *ut;
	const char *text;       /* the text ut was opened on */
	size_t len;
	char *needle;           /* exact plain */
	size_t nlen;
	const struct doc_buf *pt_b; /* ut is over this buffer's text (pt_open) */
	uint64_t pt_gen;        /* ... as it was at this doc_buf_gen */
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
	m->pt_b = NULL;
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

/* Append group g of the last match, from text or (NULL) from b. */
static void add_group(struct doc_matcher *m, const char *text, const struct doc_buf *b, int32_t g,
		      struct buf *out)
{
	UErrorCode st = U_ZERO_ERROR;
	int64_t a, z;

	if (g < 0 || g > uregex_groupCount(m->re, &st))
		return;
	a = uregex_start64(m->re, g, &st);
	z = uregex_end64(m->re, g, &st);
	if (U_FAILURE(st) || a < 0 || z < a)
		return;
	if (text) {
		buf_add(out, text + a, (size_t)(z - a));
	} else {
		char *t = xmalloc((size_t)(z - a) + 1);

		buf_add(out, t, doc_buf_read(b, (size_t)a, (size_t)(z - a), t));
		free(t);
	}
}

static void expand(struct doc_matcher *m, const char *text, const struct doc_buf *b,
		   const char *repl, size_t rlen, struct buf *out)
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
			add_group(m, text, b, g, out);
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
			add_group(m, text, b, g, out);
			i += n + 2;
		} else {
			buf_addc(out, c);
		}
	}
}

void doc_matcher_expand(struct doc_matcher *m, const char *text, const char *repl, size_t rlen,
			struct buf *out)
{
	expand(m, text, NULL, repl, rlen, out);
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

/* ---- the piece table as a UText ---------------------------------------------- */

/*
 * A regex runs on the document buffer in place: a read-only UText whose
 * native indexes are the buffer's byte offsets, converting UT_CHUNK bytes
 * at a time to UTF-16 (invalid bytes read as U+FFFD, one each, as ICU's
 * own UTF-8 UText does), so nothing copies the text, however big.
 */
#define UT_CHUNK 2048

struct pt_chunk {
	UChar u[UT_CHUNK];
	int32_t map[UT_CHUNK + 1]; /* u[k] came from byte map[k] of the chunk */
	char bytes[UT_CHUNK];
};

static int64_t pt_len(UText *ut)
{
	return (int64_t)doc_buf_len(ut->context);
}

/* The code point start at or before off (at most three bytes back). */
static size_t pt_snap(const struct doc_buf *b, size_t off)
{
	char c[4];
	size_t back = off < 3 ? off : 3, n = doc_buf_read(b, off - back, back + 1, c);

	for (size_t i = back; i > 0 && i < n && ((unsigned char)c[i] & 0xc0) == 0x80; i--)
		off--;
	return off;
}

/* Make the chunk [a, a + n bytes) current (a on a code point start; the
 * chunk ends on one, or at the end of the text). */
static void pt_load(UText *ut, size_t a, size_t n)
{
	const struct doc_buf *b = ut->context;
	struct pt_chunk *c = ut->pExtra;
	size_t total = doc_buf_len(b);
	int32_t i = 0, k = 0, ascii = -1;

	n = doc_buf_read(b, a, n, c->bytes);
	while ((size_t)i < n) {
		int32_t at = i;
		UChar32 cp;

		U8_NEXT(c->bytes, i, (int32_t)n, cp);
		if (cp < 0 && (size_t)i == n && a + n < total && n - (size_t)at < 4 &&
		    ((unsigned char)c->bytes[at] & 0xc0) == 0xc0) {
			i = at; /* a character cut by the chunk's end: the next one */
			break;
		}
		if (cp < 0)
			cp = 0xfffd;
		if (ascii < 0 && cp >= 0x80)
			ascii = k;
		if (cp <= 0xffff) {
			c->map[k] = at;
			c->u[k++] = (UChar)cp;
		} else {
			c->map[k] = at;
			c->u[k++] = U16_LEAD(cp);
			c->map[k] = at;
			c->u[k++] = U16_TRAIL(cp);
		}
	}
	c->map[k] = i;
	ut->chunkContents = c->u;
	ut->chunkLength = k;
	ut->chunkNativeStart = (int64_t)a;
	ut->chunkNativeLimit = (int64_t)(a + (size_t)i);
	ut->nativeIndexingLimit = ascii < 0 ? k : ascii;
	ut->chunkOffset = 0;
}

/* The UTF-16 offset in the chunk of native index ix (within it). */
static int32_t pt_to16(UText *ut, int64_t ix)
{
	const struct pt_chunk *c = ut->pExtra;
	int32_t rel = (int32_t)(ix - ut->chunkNativeStart), lo = 0, hi = ut->chunkLength;

	if (rel < ut->nativeIndexingLimit)
		return rel;
	while (lo < hi) { /* the first UChar from at or past rel */
		int32_t mid = lo + (hi - lo) / 2;

		if (c->map[mid] < rel)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static UBool pt_access(UText *ut, int64_t ix, UBool forward)
{
	const struct doc_buf *b = ut->context;
	int64_t len = pt_len(ut);

	if (ix < 0)
		ix = 0;
	if (ix > len)
		ix = len;
	if (forward ? ix >= ut->chunkNativeStart && ix < ut->chunkNativeLimit
		    : ix > ut->chunkNativeStart && ix <= ut->chunkNativeLimit) {
		ut->chunkOffset = pt_to16(ut, ix);
		return 1;
	}
	if (forward && ix < len) {
		size_t a = pt_snap(b, (size_t)ix);

		pt_load(ut, a, UT_CHUNK);
		ut->chunkOffset = pt_to16(ut, ix);
		return 1;
	}
	if (!forward && ix > 0) {
		size_t end = pt_snap(b, (size_t)ix), a = end > UT_CHUNK - 4 ? end - (UT_CHUNK - 4) : 0;

		if (end == 0)
			end = (size_t)ix;
		a = pt_snap(b, a);
		pt_load(ut, a, end - a);
		ut->chunkOffset = pt_to16(ut, ix);
		return 1;
	}
	/* at an end: an empty answer, the chunk at that end */
	if (forward) {
		size_t a = len > UT_CHUNK - 4 ? pt_snap(b, (size_t)len - (UT_CHUNK - 4)) : 0;

		pt_load(ut, a, (size_t)len - a);
		ut->chunkOffset = ut->chunkLength;
	} else {
		pt_load(ut, 0, UT_CHUNK);
		ut->chunkOffset = 0;
	}
	return 0;
}

static int64_t pt_native(const UText *ut)
{
	const struct pt_chunk *c = ut->pExtra;

	return ut->chunkNativeStart + c->map[ut->chunkOffset];
}

static int32_t pt_native_to16(const UText *ut, int64_t ix)
{
	return pt_to16((UText *)ut, ix);
}

static UText *pt_open(UText *ut, const struct doc_buf *b, UErrorCode *st);

static UText *pt_clone(UText *dest, const UText *src, UBool deep, UErrorCode *st)
{
	if (U_FAILURE(*st))
		return dest;
	if (deep) {
		*st = U_UNSUPPORTED_ERROR;
		return dest;
	}
	dest = pt_open(dest, src->context, st);
	if (U_SUCCESS(*st))
		pt_access(dest, utext_getNativeIndex(src), 1);
	return dest;
}

static int32_t pt_extract(UText *ut, int64_t start, int64_t limit, UChar *dest, int32_t cap,
			  UErrorCode *st)
{
	int32_t n = 0;

	if (U_FAILURE(*st))
		return 0;
	if (start < 0 || start > limit || cap < 0 || (dest == NULL && cap > 0)) {
		*st = U_ILLEGAL_ARGUMENT_ERROR;
		return 0;
	}
	if (limit > pt_len(ut))
		limit = pt_len(ut);
	for (int64_t ix = start; ix < limit;) {
		UChar32 cp;

		utext_setNativeIndex(ut, ix);
		cp = utext_next32(ut);
		if (cp == U_SENTINEL)
			break;
		ix = utext_getNativeIndex(ut);
		if (cp <= 0xffff) {
			if (n < cap)
				dest[n] = (UChar)cp;
			n++;
		} else {
			if (n + 1 < cap) {
				dest[n] = U16_LEAD(cp);
				dest[n + 1] = U16_TRAIL(cp);
			}
			n += 2;
		}
	}
	utext_setNativeIndex(ut, limit);
	/* ICU's extract contract (u_terminateUChars is not public API): NUL
	 * when there is room, else say the string is not terminated or did
	 * not fit */
	if (U_SUCCESS(*st)) {
		if (n < cap)
			dest[n] = 0;
		else if (n == cap)
			*st = U_STRING_NOT_TERMINATED_WARNING;
		else
			*st = U_BUFFER_OVERFLOW_ERROR;
	}
	return n;
}

static const UTextFuncs pt_funcs = {
	sizeof(UTextFuncs), 0, 0, 0, pt_clone, pt_len, pt_access, pt_extract, NULL, NULL,
	pt_native, pt_native_to16, NULL, NULL, NULL, NULL,
};

/* A UText over b's text (ut reused when not NULL). */
static UText *pt_open(UText *ut, const struct doc_buf *b, UErrorCode *st)
{
	ut = utext_setup(ut, sizeof(struct pt_chunk), st);
	if (U_FAILURE(*st))
		return ut;
	ut->pFuncs = &pt_funcs;
	ut->context = b;
	ut->chunkContents = ((struct pt_chunk *)ut->pExtra)->u;
	ut->chunkLength = 0;
	ut->chunkNativeStart = ut->chunkNativeLimit = 0;
	ut->nativeIndexingLimit = 0;
	ut->chunkOffset = 0;
	((struct pt_chunk *)ut->pExtra)->map[0] = 0;
	return ut;
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

/* Point the regex at b's text in place (again after an edit). */
static int set_buf(struct doc_matcher *m, const struct doc_buf *b)
{
	UErrorCode st = U_ZERO_ERROR;

	if (m->ut && m->pt_b == b && m->pt_gen == doc_buf_gen(b))
		return 0;
	m->ut = pt_open(m->ut, b, &st);
	if (U_SUCCESS(st))
		uregex_setUText(m->re, m->ut, &st);
	if (U_FAILURE(st))
		return E_INTERNAL;
	m->pt_b = b;
	m->pt_gen = doc_buf_gen(b);
	m->text = NULL;
	m->len = 0;
	return 0;
}

/* Past the continuation bytes at off. */
static size_t char_start(const struct doc_buf *b, size_t off)
{
	char c[4];
	size_t n = doc_buf_read(b, off, sizeof c, c), i = 0;

	while (i < n && i < 3 && ((unsigned char)c[i] & 0xc0) == 0x80)
		i++;
	return off + i;
}

/* A regex match starting in [from, lim) of b's text: the engine looks
 * at most REGEX_OVERLAP past lim unless a match it found may go on (it
 * ran into the end of what it was shown), so a slice costs its size. */
static int regex_in(struct doc_matcher *m, const struct doc_buf *b, size_t from, size_t lim,
		    size_t *s, size_t *e)
{
	size_t len = doc_buf_len(b), end = lim + REGEX_OVERLAP;
	UBool found;

	from = char_start(b, from);
	if (from > len || from >= lim)
		return E_NOTFOUND;
	for (;;) {
		UErrorCode st = U_ZERO_ERROR;

		if (end > len || end < lim)
			end = len;
		if (set_buf(m, b) != 0)
			return E_NOTFOUND;
		uregex_setRegion64(m->re, (int64_t)from, (int64_t)end, &st);
		uregex_useTransparentBounds(m->re, 1, &st);
		uregex_useAnchoringBounds(m->re, 0, &st);
		found = uregex_findNext(m->re, &st);
		if (U_FAILURE(st)) {
			m->failed = st == U_REGEX_TIME_OUT;
			return E_NOTFOUND;
		}
		if (!found)
			return E_NOTFOUND;
		*s = (size_t)uregex_start64(m->re, 0, &st);
		*e = (size_t)uregex_end64(m->re, 0, &st);
		if (*s >= lim || end >= len || !uregex_hitEnd(m->re, &st))
			break;
		end += end - from; /* the match may go on: show it more */
	}
	return *s < lim ? 0 : E_NOTFOUND;
}

/* after() on b's text. */
static size_t after_buf(const struct doc_buf *b, size_t s, size_t e)
{
	if (e > s)
		return e;
	if (s >= doc_buf_len(b))
		return doc_buf_len(b) + 1;
	return char_start(b, s + 1);
}

/* Forward: the first match starting at or after from. */
static int search_fwd(struct doc_find *f, const struct editor *ed, size_t from, size_t *s,
		      size_t *e)
{
	const struct doc_buf *b = editor_buf(ed);
	size_t total = doc_buf_len(b), base, n, ov;
	const char *t;

	if (matcher(f) != 0)
		return E_NOTFOUND;
	if (f->m->re == NULL) {
		if (doc_buf_find(b, from, f->needle.data, f->needle.len, 1, s) != 0)
			return E_NOTFOUND;
		*e = *s + f->needle.len;
		return 0;
	}
	if (f->regex)
		return regex_in(f->m, b, from, total + 1, s, e);
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
	size_t base, n, ov, a, z;
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

		while (regex_in(f->m, b, at, from, &a, &z) == 0) {
			*s = a;
			*e = z;
			found = 1;
			at = after_buf(b, a, z);
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

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A case-blind ASCII occurrence of nd in t[0, n). */
static int ascii_ci_has(const char *t, size_t n, const char *nd, size_t nn)
{
	unsigned char lo = (unsigned char)nd[0], up = lo;
	size_t i = 0;

	if (lo >= 'A' && lo <= 'Z')
		lo = (unsigned char)(lo + 32);
	if (lo >= 'a' && lo <= 'z')
		up = (unsigned char)(lo - 32);
	while (i + nn <= n) {
		const char *a = memchr(t + i, lo, n - i), *b = up != lo ? memchr(t + i, up, n - i) : NULL;
		const char *p = a && (!b || a < b) ? a : b;
		size_t k = 1;

		if (p == NULL)
			return 0;
		i = (size_t)(p - t);
		if (i + nn > n)
			return 0;
		for (; k < nn; k++) {
			unsigned char x = (unsigned char)t[i + k], y = (unsigned char)nd[k];

			if (x != y && !((x | 32) == (y | 32) && (y | 32) >= 'a' && (y | 32) <= 'z'))
				break;
		}
		if (k == nn)
			return 1;
		i++;
	}
	return 0;
}

/* Whether a case-folded ASCII needle may match in t[0, n): only where it
 * occurs case-blind in ASCII, or near a character whose full case folding
 * holds ASCII letters: ß ı İ ŉ ſ ǰ ẖ-ẚ ẞ K and the ligatures ﬀ-ﬆ (the
 * whole list, from Unicode's CaseFolding and case mappings). Most text
 * has none, so the regex engine skips whole slices. */
static int fold_may_match(const char *t, size_t n, const char *nd, size_t nn)
{
	static const unsigned char lead[] = { 0xc3, 0xc4, 0xc5, 0xc7, 0xe1, 0xe2, 0xef };

	if (ascii_ci_has(t, n, nd, nn))
		return 1;
	for (size_t i = 0; i < sizeof lead; i++) {
		for (const char *p = t; (p = memchr(p, lead[i], n - (size_t)(p - t))) != NULL; p++) {
			const unsigned char *u = (const unsigned char *)p;
			size_t left = n - (size_t)(p - t);

			if (left < 2)
				break;
			if ((u[0] == 0xc3 && u[1] == 0x9f) || (u[0] == 0xc4 && (u[1] == 0xb0 || u[1] == 0xb1)) ||
			    (u[0] == 0xc5 && (u[1] == 0x89 || u[1] == 0xbf)) || (u[0] == 0xc7 && u[1] == 0xb0))
				return 1;
			if (left >= 3 && u[0] == 0xe1 && u[1] == 0xba &&
			    ((u[2] >= 0x96 && u[2] <= 0x9a) || u[2] == 0x9e))
				return 1;
			if (left >= 3 && u[0] == 0xe2 && u[1] == 0x84 && u[2] == 0xaa)
				return 1;
			if (left >= 3 && u[0] == 0xef && u[1] == 0xac && u[2] >= 0x80 && u[2] <= 0x86)
				return 1;
		}
	}
	return 0;
}

/* For a folded plain needle of ASCII only: 1 when t[0, n) cannot hold a
 * match, so the slice needs no regex run. */
static int fold_skips(const struct doc_find *f, const char *t, size_t n)
{
	for (size_t i = 0; i < f->needle.len; i++)
		if ((unsigned char)f->needle.data[i] >= 0x80)
			return 0;
	return !fold_may_match(t, n, f->needle.data, f->needle.len);
}

/* The first match starting in [from, lim) (lim up to the length + 1: an
 * empty regex match at the end), looking at about lim - from bytes. */
static int scan(struct doc_find *f, const struct editor *ed, size_t from, size_t lim, size_t *s,
		size_t *e)
{
	size_t total = doc_buf_len(editor_buf(ed)), base, n;
	const char *t;

	if (matcher(f) != 0 || from > total)
		return E_NOTFOUND;
	if (f->regex)
		return regex_in(f->m, editor_buf(ed), from, lim, s, e);
	t = window(f, ed, from,
		   lim - from + (f->m->re ? FIND_OVERLAP(f->needle.len) : f->needle.len), &base, &n);
	if ((f->m->re && fold_skips(f, t, n)) || next_at(f->m, t, n, 0, s, e, 1) != 0)
		return E_NOTFOUND;
	*s += base;
	*e += base;
	return *s < lim ? 0 : E_NOTFOUND;
}

/* One match counted: number the current one; 1 at the cap. */
static int count_one(struct doc_find *f, size_t s)
{
	if (f->count == DOC_FIND_COUNT_CAP) {
		f->capped = 1;
		return 1;
	}
	f->count++;
	if (f->found && s == f->at)
		f->index = f->count;
	return 0;
}

/* Count the matches starting in [f->count_pos, lim); 1 at the cap. Plain
 * matches may overlap, as stepping finds them; regex matches do not. */
static int count_slice(struct doc_find *f, const struct editor *ed, size_t lim)
{
	size_t from = f->count_pos, a, z, base, n;
	const char *t;

	if (f->regex) {
		while (regex_in(f->m, editor_buf(ed), from, lim, &a, &z) == 0) {
			if (count_one(f, a))
				return 1;
			from = after_buf(editor_buf(ed), a, z);
		}
		return 0;
	}
	t = window(f, ed, from,
		   lim - from + (f->m->re ? FIND_OVERLAP(f->needle.len) : f->needle.len), &base, &n);
	if (f->m->re && fold_skips(f, t, n))
		return 0;
	for (size_t at = 0; next_at(f->m, t, n, at, &a, &z, at == 0) == 0 && a + base < lim;
	     at = a + 1) {
		if (count_one(f, a + base))
			return 1;
	}
	return 0;
}

/* Go to the match [s, e), or mark not found; counting starts. */
static void land(struct doc_find *f, struct editor *ed, int rc, size_t s, size_t e)
{
	f->found = rc == 0;
	f->seeking = 0;
	if (f->found) {
		f->at = s;
		f->at_end = e;
		editor_set_cursor(ed, s);
		editor_set_mark(ed, s, e - s);
	} else {
		editor_set_mark(ed, 0, 0);
	}
	f->count = f->index = 0;
	f->capped = 0;
	f->count_pos = 0;
	f->counting = f->found;
}

/* Look for the first match from start, going round the end to where it
 * began, as doc_find_more goes on. */
static void seek_from(struct doc_find *f, struct editor *ed, size_t start)
{
	f->seeking = 1;
	f->counting = 0;
	f->seek_pos = start;
	f->seek_end = start;
	f->seek_wrapped = 0;
	f->job_at = editor_changes(ed);
}

/* One slice of the search; 1 when it ended (found or not). */
static int seek_slice(struct doc_find *f, struct editor *ed)
{
	size_t total = doc_buf_len(editor_buf(ed)), lim, s = 0, e = 0;

	lim = f->seek_wrapped ? f->seek_end : total + 1;
	if (lim - f->seek_pos > FIND_SLICE)
		lim = f->seek_pos + FIND_SLICE;
	if (scan(f, ed, f->seek_pos, lim, &s, &e) == 0) {
		f->done_none = 0;
		land(f, ed, 0, s, e);
		return 1;
	}
	f->seek_pos = lim;
	if (!f->seek_wrapped && f->seek_pos > total) {
		f->seek_wrapped = 1;
		f->seek_pos = 0;
	}
	if (f->seek_wrapped && f->seek_pos >= f->seek_end) {
		f->done_none = 1;
		editor_set_cursor(ed, f->origin);
		land(f, ed, E_NOTFOUND, 0, 0);
		return 1;
	}
	return 0;
}

int doc_find_busy(const struct doc_find *f)
{
	return f->seeking || f->counting;
}

void doc_find_more(struct doc_find *f, struct editor *ed, int ms)
{
	long until = now_ms() + ms;
	size_t total = doc_buf_len(editor_buf(ed));

	if (!doc_find_busy(f))
		return;
	if (f->job_at != editor_changes(ed) && f->seeking) {
		seek_from(f, ed, f->seek_end); /* the text changed: again */
	} else if (f->job_at != editor_changes(ed)) {
		f->count = f->index = 0;
		f->count_pos = 0;
		f->capped = 0;
		f->job_at = editor_changes(ed);
	}
	if (matcher(f) != 0) {
		f->seeking = f->counting = 0;
		return;
	}
	do {
		if (f->seeking) {
			seek_slice(f, ed);
			f->job_at = editor_changes(ed); /* landing moved the cursor */
			continue;
		}
		{
			size_t lim = total + 1 - f->count_pos > FIND_SLICE ? f->count_pos + FIND_SLICE
									  : total + 1;

			if (count_slice(f, ed, lim) || lim > total)
				f->counting = 0;
			f->count_pos = lim;
		}
	} while (doc_find_busy(f) && now_ms() < until);
}

/* The needle changed: search again from the origin (or, for a needle
 * that grew, on from its current match: see find.h). */
static void search(struct doc_find *f, struct editor *ed, int grew)
{
	int was_found = f->found, was_none = f->done_none && !f->seeking;
	int was_seeking = f->seeking && !f->found, wrapped = f->seek_wrapped;
	size_t at = f->at, pos = f->seek_pos;

	f->m_ok = 0;
	if (f->needle.len == 0 || matcher(f) != 0) {
		f->found = f->seeking = f->counting = 0;
		f->done_none = 0;
		f->count = f->index = 0;
		f->capped = 0;
		editor_set_mark(ed, 0, 0);
		editor_set_cursor(ed, f->origin);
		return;
	}
	if (grew && !f->regex && was_none) {
		land(f, ed, E_NOTFOUND, 0, 0); /* not even the shorter needle */
		return;
	}
	seek_from(f, ed, f->origin);
	if (grew && !f->regex && was_found) {
		f->seek_pos = at; /* on from there, to the origin round the end */
		f->seek_wrapped = at < f->origin;
	} else if (grew && !f->regex && was_seeking) {
		f->seek_pos = pos; /* the shorter needle is nowhere before it */
		f->seek_wrapped = wrapped;
	}
	f->found = 0;
	editor_set_mark(ed, 0, 0);
	doc_find_more(f, ed, DOC_FIND_BUDGET_MS);
}

void doc_find_type(struct doc_find *f, struct editor *ed, const char *s, size_t len)
{
	buf_add(&f->needle, s, len);
	search(f, ed, 1);
}

void doc_find_backspace(struct doc_find *f, struct editor *ed)
{
	while (f->needle.len > 0) {
		unsigned char c = (unsigned char)f->needle.data[--f->needle.len];

		if ((c & 0xc0) != 0x80)
			break;
	}
	search(f, ed, 0);
}

void doc_find_set(struct doc_find *f, struct editor *ed, const char *s, size_t len, int regex,
		  enum doc_case cas)
{
	buf_reset(&f->needle);
	buf_add(&f->needle, s, len);
	f->regex = regex;
	f->cas = cas;
	search(f, ed, 0);
}

void doc_find_toggle_regex(struct doc_find *f, struct editor *ed)
{
	f->regex = !f->regex;
	search(f, ed, 0);
}

void doc_find_cycle_case(struct doc_find *f, struct editor *ed)
{
	f->cas = f->cas == DOC_CASE_AUTO ? DOC_CASE_FOLD
		 : f->cas == DOC_CASE_FOLD ? DOC_CASE_EXACT : DOC_CASE_AUTO;
	search(f, ed, 0);
}

int doc_find_step(struct doc_find *f, struct editor *ed, int forward)
{
	size_t s = 0, e = 0, from;
	int rc;

	if (f->needle.len == 0 || matcher(f) != 0)
		return E_NOTFOUND;
	if (forward) {
		from = f->found ? f->at + 1 : editor_cursor(ed);
		if (from > doc_buf_len(editor_buf(ed)))
			from = 0;
		seek_from(f, ed, from);
		doc_find_more(f, ed, DOC_FIND_BUDGET_MS);
		return f->found || f->seeking ? 0 : E_NOTFOUND;
	} else {
		from = f->found ? f->at : editor_cursor(ed);
		rc = search_back(f, ed, from, &s, &e);
		if (rc != 0)
			rc = search_back(f, ed, doc_buf_len(editor_buf(ed)) + 1, &s, &e);
	}
	land(f, ed, rc, s, e);
	doc_find_more(f, ed, DOC_FIND_BUDGET_MS);
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
	size_t s, e;

	if (f->needle.len == 0 || matcher(f) != 0)
		return E_NOTFOUND;
	if (!still_there(f, ed)) {
		f->origin = editor_cursor(ed);
		search(f, ed, 0);
		while (f->seeking)
			doc_find_more(f, ed, DOC_FIND_BUDGET_MS);
		if (!f->found)
			return E_NOTFOUND;
	}
	s = f->at;
	e = f->at_end;
	buf_init(&with);
	if (f->regex) {
		/* the groups come from matching at s again, read from the buffer */
		size_t s2, e2;

		if (regex_in(f->m, editor_buf(ed), s, s + 1, &s2, &e2) == 0 && s2 == s)
			expand(f->m, NULL, editor_buf(ed), repl, rlen, &with);
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
		doc_find_more(f, ed, DOC_FIND_BUDGET_MS);
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
