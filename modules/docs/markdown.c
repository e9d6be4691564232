/*
 * markdown.c - Markdown highlighting, outline and reflow (markdown.h).
 *
 * Everything works on one line at a time plus struct md_state, so the
 * view, the outline and the fuzzer share one scanner. Inline constructs
 * are matched left to right on the line; an opener with no closer on the
 * same line is plain text (Markdown lets emphasis span lines, a line
 * highlighter does not).
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "i18n/i18n.h"
#include "modules/docs/buffer.h"
#include "modules/docs/markdown.h"

struct out {
	struct md_span *s;
	size_t n, max;
};

static void add(struct out *o, size_t off, size_t len, enum md_kind k)
{
	if (len == 0 || o->n >= o->max)
		return;
	o->s[o->n++] = (struct md_span){ off, len, k };
}

static int is_sp(char c)
{
	return c == ' ' || c == '\t';
}

static int is_alnum(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Columns of leading blanks (a tab to the next multiple of 4) and the
 * bytes they take. */
static size_t indent(const char *s, size_t len, size_t *bytes)
{
	size_t col = 0, i = 0;

	for (; i < len && is_sp(s[i]); i++)
		col = s[i] == '\t' ? col + 4 - col % 4 : col + 1;
	*bytes = i;
	return col;
}

static int blank(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (!is_sp(s[i]))
			return 0;
	return 1;
}

/* A fence at s: 3 or more ` or ~; *n its length. */
static int fence_at(const char *s, size_t len, char *ch, size_t *n)
{
	size_t k = 0;

	if (len < 3 || (s[0] != '`' && s[0] != '~'))
		return 0;
	while (k < len && s[k] == s[0])
		k++;
	if (k < 3)
		return 0;
	/* a backtick fence's info string has no backtick */
	if (s[0] == '`' && memchr(s + k, '`', len - k) != NULL)
		return 0;
	*ch = s[0];
	*n = k;
	return 1;
}

/* ---, *** or ___ (spaces allowed between) */
static int thematic(const char *s, size_t len)
{
	size_t n = 0;
	char c = 0;

	for (size_t i = 0; i < len; i++) {
		if (is_sp(s[i]))
			continue;
		if (s[i] != '-' && s[i] != '*' && s[i] != '_')
			return 0;
		if (c && s[i] != c)
			return 0;
		c = s[i];
		n++;
	}
	return n >= 3;
}

/* === or --- alone (a setext underline). */
static int setext(const char *s, size_t len)
{
	size_t i = 0;

	if (len == 0 || (s[0] != '=' && s[0] != '-'))
		return 0;
	while (i < len && s[i] == s[0])
		i++;
	return blank(s + i, len - i) ? (s[0] == '=' ? 1 : 2) : 0;
}

/* An ATX heading: level, with the text's offset and length. */
static int atx(const char *s, size_t len, size_t *toff, size_t *tlen)
{
	size_t h = 0, a, b;

	while (h < len && s[h] == '#')
		h++;
	if (h == 0 || h > 6 || (h < len && !is_sp(s[h])))
		return 0;
	a = h;
	while (a < len && is_sp(s[a]))
		a++;
	b = len;
	while (b > a && is_sp(s[b - 1]))
		b--;
	/* a closing run of # after a space goes too */
	{
		size_t c = b;

		while (c > a && s[c - 1] == '#')
			c--;
		if (c < b && (c == a || is_sp(s[c - 1]))) {
			b = c;
			while (b > a && is_sp(s[b - 1]))
				b--;
		}
	}
	*toff = a;
	*tlen = b - a;
	return (int)h;
}

/* A list marker at s: its length with the space after it (0: none). */
static size_t list_marker(const char *s, size_t len)
{
	size_t i = 0;

	if (len >= 2 && (s[0] == '-' || s[0] == '+' || s[0] == '*') && is_sp(s[1]))
		i = 2;
	else if (len >= 1 && (s[0] == '-' || s[0] == '+' || s[0] == '*') && len == 1)
		return 1;
	if (i == 0) {
		while (i < len && i < 9 && s[i] >= '0' && s[i] <= '9')
			i++;
		if (i == 0 || i >= len || (s[i] != '.' && s[i] != ')'))
			return 0;
		i++;
		if (i < len && !is_sp(s[i]))
			return 0;
		if (i < len)
			i++;
	}
	/* a task box */
	if (i + 3 <= len && s[i] == '[' && (s[i + 1] == ' ' || s[i + 1] == 'x' || s[i + 1] == 'X') &&
	    s[i + 2] == ']' && (i + 3 == len || is_sp(s[i + 3])))
		i += i + 3 < len ? 4 : 3;
	return i;
}

/* Block quote markers: bytes of "> > " at s. */
static size_t quote_prefix(const char *s, size_t len)
{
	size_t i = 0, last = 0, b;

	for (;;) {
		indent(s + i, len - i, &b);
		if (b > 3 || i + b >= len || s[i + b] != '>')
			break;
		i += b + 1;
		if (i < len && s[i] == ' ')
			i++;
		last = i;
	}
	return last;
}

/* A table delimiter row: |---|:--:| (at least one pipe and one dash). */
static int table_rule(const char *s, size_t len)
{
	int pipe = 0, dash = 0;

	for (size_t i = 0; i < len; i++) {
		if (s[i] == '|')
			pipe = 1;
		else if (s[i] == '-')
			dash = 1;
		else if (s[i] != ':' && !is_sp(s[i]))
			return 0;
	}
	return pipe && dash;
}

/* ---- inline ----------------------------------------------------------------- */

/* The closing run of exactly n backticks after from; len if none. */
static size_t code_close(const char *s, size_t len, size_t from, size_t n)
{
	for (size_t i = from; i < len;) {
		size_t k = 0;

		if (s[i] != '`') {
			i++;
			continue;
		}
		while (i + k < len && s[i + k] == '`')
			k++;
		if (k == n)
			return i;
		i += k;
	}
	return len;
}

/* The closing delimiter (c repeated n times) of emphasis opened before
 * from: not after a blank, and for _ not inside a word. len if none. */
static size_t emph_close(const char *s, size_t len, size_t from, char c, size_t n)
{
	for (size_t i = from; i + n <= len; i++) {
		size_t k = 0;

		if (s[i] == '\\') {
			i++;
			continue;
		}
		if (s[i] == '`') {
			/* a code span inside is opaque */
			while (i + k < len && s[i + k] == '`')
				k++;
			size_t e = code_close(s, len, i + k, k);

			if (e < len)
				i = e + k - 1;
			else
				i += k - 1;
			continue;
		}
		if (s[i] != c)
			continue;
		while (i + k < len && s[i + k] == c)
			k++;
		if (k == n && i > from && !is_sp(s[i - 1]) &&
		    !(c == '_' && i + k < len && is_alnum(s[i + k])))
			return i;
		i += k - 1;
	}
	return len;
}

/* ] matching the [ at open (nesting counted), or len. */
static size_t bracket_close(const char *s, size_t len, size_t open)
{
	int depth = 0;

	for (size_t i = open; i < len; i++) {
		if (s[i] == '\\') {
			i++;
			continue;
		}
		if (s[i] == '[')
			depth++;
		else if (s[i] == ']' && --depth == 0)
			return i;
	}
	return len;
}

static void inline_spans(struct out *o, const char *s, size_t len, size_t base,
			 enum md_kind plain)
{
	size_t i = 0;

	while (i < len) {
		char c = s[i];

		if (c == '\\' && i + 1 < len) {
			i += 2;
			continue;
		}
		if (c == '`') {
			size_t k = 0, e;

			while (i + k < len && s[i + k] == '`')
				k++;
			e = code_close(s, len, i + k, k);
			if (e < len) {
				add(o, base + i, k, MD_MARK);
				add(o, base + i + k, e - i - k, MD_CODE);
				add(o, base + e, k, MD_MARK);
				i = e + k;
			} else {
				i += k;
			}
			continue;
		}
		if ((c == '*' || c == '_') && plain != MD_HEADING) {
			size_t k = 0, n, e;

			while (i + k < len && s[i + k] == c)
				k++;
			n = k >= 2 ? 2 : 1;
			if (k <= 2 && i + k < len && !is_sp(s[i + k]) &&
			    !(c == '_' && i > 0 && is_alnum(s[i - 1])) &&
			    (e = emph_close(s, len, i + k, c, n)) < len) {
				add(o, base + i, n, MD_MARK);
				add(o, base + i + n, e - i - n, n == 2 ? MD_STRONG : MD_EMPH);
				add(o, base + e, n, MD_MARK);
				i = e + n;
			} else {
				i += k;
			}
			continue;
		}
		if (c == '[' || (c == '!' && i + 1 < len && s[i + 1] == '[')) {
			size_t open = c == '!' ? i + 1 : i, close = bracket_close(s, len, open);

			if (close < len && close + 1 < len && s[close + 1] == '(') {
				const char *rp = memchr(s + close + 2, ')', len - close - 2);

				if (rp) {
					size_t r = (size_t)(rp - s);

					add(o, base + i, open - i + 1, MD_MARK);
					add(o, base + open + 1, close - open - 1, MD_LINK);
					add(o, base + close, 2, MD_MARK);
					add(o, base + close + 2, r - close - 2, MD_URL);
					add(o, base + r, 1, MD_MARK);
					i = r + 1;
					continue;
				}
			}
			if (close < len && close + 1 < len && s[close + 1] == '[') {
				size_t r2 = bracket_close(s, len, close + 1);

				if (r2 < len) {
					add(o, base + i, open - i + 1, MD_MARK);
					add(o, base + open + 1, close - open - 1, MD_LINK);
					add(o, base + close, 2, MD_MARK);
					add(o, base + close + 2, r2 - close - 2, MD_URL);
					add(o, base + r2, 1, MD_MARK);
					i = r2 + 1;
					continue;
				}
			}
			i++;
			continue;
		}
		if (c == '<') {
			size_t j = i + 1;
			int colon = 0;

			while (j < len && s[j] != '>' && s[j] != ' ' && s[j] != '<') {
				colon |= s[j] == ':' || s[j] == '@';
				j++;
			}
			if (j < len && s[j] == '>' && colon && j > i + 2) {
				add(o, base + i, 1, MD_MARK);
				add(o, base + i + 1, j - i - 1, MD_URL);
				add(o, base + j, 1, MD_MARK);
				i = j + 1;
				continue;
			}
			i++;
			continue;
		}
		if (c == '|' && plain == MD_MARK) {
			/* plain == MD_MARK: we are in a table row */
			add(o, base + i, 1, MD_MARK);
			i++;
			continue;
		}
		i++;
	}
}

/* Inline spans, with text between them in kind `fill` (a heading's). */
static void inline_fill(struct out *o, const char *s, size_t len, size_t base, enum md_kind fill,
			int table)
{
	size_t at = 0;
	struct md_span tmp[64];
	struct out t = { tmp, 0, nitems(tmp) };

	if (fill != MD_HEADING) {
		inline_spans(o, s, len, base, table ? MD_MARK : MD_EMPH);
		return;
	}
	inline_spans(&t, s, len, base, MD_HEADING);
	for (size_t k = 0; k < t.n; k++) {
		if (tmp[k].off > base + at)
			add(o, base + at, tmp[k].off - base - at, fill);
		add(o, tmp[k].off, tmp[k].len, tmp[k].kind);
		at = tmp[k].off + tmp[k].len - base;
	}
	if (at < len)
		add(o, base + at, len - at, fill);
}

/* ---- lines ------------------------------------------------------------------ */

size_t md_line(struct md_state *st, const char *s, size_t len, struct md_span *spans,
	       size_t max)
{
	struct out o = { spans, 0, max };
	size_t ib, ind = indent(s, len, &ib), q, m, toff, tlen, fl;
	char fc;
	int lvl, para = 0, table = 0;

	if (st->fence) {
		if (ind < 4 && fence_at(s + ib, len - ib, &fc, &fl) && fc == st->fence_ch &&
		    (int)fl >= st->fence_len && blank(s + ib + fl, len - ib - fl)) {
			add(&o, 0, len, MD_MARK);
			st->fence = 0;
		} else {
			add(&o, 0, len, MD_CODE);
		}
		st->para = st->table = 0;
		return o.n;
	}
	if (blank(s, len)) {
		st->para = st->table = 0;
		return 0;
	}
	if (ind >= 4 && !st->para) {
		add(&o, 0, len, MD_CODE);
		st->table = 0;
		return o.n;
	}
	/* block quotes, then what the rest of the line is */
	q = quote_prefix(s, len);
	if (q > 0) {
		size_t a = 0;

		while (a < q) {
			const char *gt = memchr(s + a, '>', q - a);

			if (gt == NULL)
				break;
			add(&o, (size_t)(gt - s), 1, MD_MARK);
			a = (size_t)(gt - s) + 1;
		}
	}
	s += q;
	len -= q;
	ind = indent(s, len, &ib);
	if (ind < 4 && fence_at(s + ib, len - ib, &fc, &fl)) {
		add(&o, q, len, MD_MARK);
		st->fence = 1;
		st->fence_ch = fc;
		st->fence_len = (int)fl;
		st->para = st->table = 0;
		return o.n;
	}
	if (ind < 4 && (lvl = atx(s + ib, len - ib, &toff, &tlen)) > 0) {
		add(&o, q + ib, (size_t)lvl, MD_MARK);
		inline_fill(&o, s + ib + toff, tlen, q + ib + toff, MD_HEADING, 0);
		if (ib + toff + tlen < len && s[ib + toff + tlen] != ' ')
			add(&o, q + ib + toff + tlen, len - ib - toff - tlen, MD_MARK);
		else if (ib + toff + tlen < len) {
			size_t t = ib + toff + tlen;

			while (t < len && is_sp(s[t]))
				t++;
			add(&o, q + t, len - t, MD_MARK);
		}
		st->para = st->table = 0;
		return o.n;
	}
	if (ind < 4 && st->para && q == 0 && setext(s + ib, len - ib)) {
		add(&o, ib, len - ib, MD_MARK);
		st->para = 0;
		return o.n;
	}
	if (ind < 4 && thematic(s, len)) {
		add(&o, q + ib, len - ib, MD_MARK);
		st->para = st->table = 0;
		return o.n;
	}
	if (ind < 4 && memchr(s, '|', len) && table_rule(s, len)) {
		add(&o, q, len, MD_MARK);
		st->table = 1;
		st->para = 0;
		return o.n;
	}
	m = ind < 4 ? list_marker(s + ib, len - ib) : 0;
	if (m > 0) {
		size_t k = m;

		while (k > 0 && is_sp(s[ib + k - 1]))
			k--;
		add(&o, q + ib, k, MD_MARK);
		s += ib + m;
		len -= ib + m;
		q += ib + m;
	}
	table = memchr(s, '|', len) != NULL && (st->table || (len > 0 && s[0] == '|') ||
					       (ib < len && s[ib] == '|'));
	inline_fill(&o, s, len, q, MD_EMPH, table);
	para = !table;
	st->para = para;
	st->table = table;
	return o.n;
}

int md_is_markdown_path(const char *path)
{
	const char *dot = path ? strrchr(path, '.') : NULL;

	if (dot == NULL || strchr(dot, '/'))
		return 0;
	return strcasecmp(dot, ".md") == 0 || strcasecmp(dot, ".markdown") == 0 ||
	       strcasecmp(dot, ".mdown") == 0 || strcasecmp(dot, ".mkd") == 0;
}

/* ---- reading lines ----------------------------------------------------------- */

static void read_line(const struct doc_buf *b, size_t line, struct buf *out)
{
	size_t a = doc_buf_line_start(b, line);
	size_t e = line + 1 < doc_buf_lines(b) ? doc_buf_line_start(b, line + 1) - 1
					       : doc_buf_len(b);

	buf_reset(out);
	if (e > a) {
		char *tmp = xmalloc(e - a);

		buf_add(out, tmp, doc_buf_read(b, a, e - a, tmp));
		free(tmp);
	}
}

/* What kind of block a line is, for outline and paragraphs. */
enum blk { B_BLANK, B_TEXT, B_OTHER, B_SETEXT1, B_SETEXT2 };

static enum blk classify(struct md_state *st, const char *s, size_t len)
{
	size_t ib, ind = indent(s, len, &ib), q, toff, tlen, fl;
	char fc;
	struct md_state before = *st;
	struct md_span sp[1];
	int u;

	md_line(st, s, len, sp, 0);
	if (before.fence)
		return B_OTHER;
	if (blank(s, len))
		return B_BLANK;
	if (ind >= 4 && !before.para)
		return B_OTHER;
	q = quote_prefix(s, len);
	ind = indent(s + q, len - q, &ib);
	if (ind < 4 && (fence_at(s + q + ib, len - q - ib, &fc, &fl) ||
			atx(s + q + ib, len - q - ib, &toff, &tlen)))
		return B_OTHER;
	if (q == 0 && before.para && (u = setext(s + ib, len - ib)) != 0)
		return u == 1 ? B_SETEXT1 : B_SETEXT2;
	if (thematic(s + q, len - q) || st->table)
		return B_OTHER;
	return B_TEXT;
}

static void push(struct md_heading **h, size_t *n, size_t *cap, int level, size_t line,
		 const char *t, size_t tl)
{
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 16;
		*h = xrealloc(*h, *cap * sizeof **h);
	}
	(*h)[*n].level = level;
	(*h)[*n].line = line;
	(*h)[*n].text = xstrndup(t, tl);
	++*n;
}

size_t md_outline(const struct doc_buf *b, struct md_heading **out)
{
	struct md_state st = { 0 };
	struct md_heading *h = NULL;
	size_t n = 0, cap = 0, lines = doc_buf_lines(b), toff, tlen, ib;
	struct buf line, prev;
	int prev_text = 0;

	buf_init(&line);
	buf_init(&prev);
	for (size_t l = 0; l < lines; l++) {
		int in_fence = st.fence, was_para = st.para;
		enum blk k;
		int lvl;

		read_line(b, l, &line);
		k = classify(&st, line.len ? line.data : "", line.len);
		indent(line.data ? line.data : "", line.len, &ib);
		if (!in_fence && k == B_OTHER && ib < 4 &&
		    (lvl = atx(line.data + ib, line.len - ib, &toff, &tlen)) > 0) {
			push(&h, &n, &cap, lvl, l, line.data + ib + toff, tlen);
		} else if ((k == B_SETEXT1 || k == B_SETEXT2) && prev_text && was_para) {
			size_t pb, pe = prev.len;

			indent(prev.data, prev.len, &pb);
			while (pe > pb && is_sp(prev.data[pe - 1]))
				pe--;
			push(&h, &n, &cap, k == B_SETEXT1 ? 1 : 2, l - 1, prev.data + pb, pe - pb);
		}
		prev_text = k == B_TEXT;
		buf_reset(&prev);
		buf_add(&prev, line.data ? line.data : "", line.len);
	}
	buf_free(&line);
	buf_free(&prev);
	*out = h;
	return n;
}

void md_outline_free(struct md_heading *h, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(h[i].text);
	free(h);
}

/* ---- paragraphs and reflow ----------------------------------------------------- */

/* Whether a text line starts a list item (after its quote prefix). */
static int item_start(const char *s, size_t len)
{
	size_t q = quote_prefix(s, len), ib, ind = indent(s + q, len - q, &ib);

	return ind < 4 && list_marker(s + q + ib, len - q - ib) > 0;
}

static int quote_depth(const char *s, size_t len)
{
	size_t q = quote_prefix(s, len);
	int d = 0;

	for (size_t i = 0; i < q; i++)
		d += s[i] == '>';
	return d;
}

int md_paragraph(const struct doc_buf *b, size_t line, size_t *first, size_t *last)
{
	struct md_state st = { 0 };
	size_t lines = doc_buf_lines(b), start = 0;
	enum blk *kind;
	struct buf l;
	int *item, *depth, found = 0;

	if (line >= lines)
		return E_NOTFOUND;
	/* Classify from the top: a line's kind depends on fences above it.
	 * Only up to the next blank line after `line` is needed. */
	kind = xmalloc(lines * sizeof *kind);
	item = xmalloc(lines * sizeof *item);
	depth = xmalloc(lines * sizeof *depth);
	buf_init(&l);
	for (size_t i = 0; i < lines; i++) {
		read_line(b, i, &l);
		kind[i] = classify(&st, l.len ? l.data : "", l.len);
		item[i] = kind[i] == B_TEXT && item_start(l.data, l.len);
		depth[i] = kind[i] == B_TEXT ? quote_depth(l.data, l.len) : 0;
		if (i > line && kind[i] != B_TEXT) {
			lines = i + 1;
			break;
		}
	}
	buf_free(&l);
	if (kind[line] == B_TEXT) {
		start = line;
		while (start > 0 && kind[start - 1] == B_TEXT && !item[start] &&
		       depth[start - 1] == depth[line])
			start--;
		*first = start;
		*last = line;
		while (*last + 1 < lines && kind[*last + 1] == B_TEXT && !item[*last + 1] &&
		       depth[*last + 1] == depth[line])
			++*last;
		found = 1;
	}
	free(kind);
	free(item);
	free(depth);
	return found ? 0 : E_NOTFOUND;
}

/* Chinese, Japanese and Korean characters join without a space. */
static int cjk(unsigned cp)
{
	return (cp >= 0x2e80 && cp <= 0x9fff) || (cp >= 0xac00 && cp <= 0xd7af) ||
	       (cp >= 0xf900 && cp <= 0xfaff) || (cp >= 0xfe30 && cp <= 0xfe4f) ||
	       (cp >= 0xff00 && cp <= 0xffef) || (cp >= 0x20000 && cp <= 0x3ffff);
}

static unsigned last_cp(const char *s, size_t len)
{
	size_t i = len;
	unsigned cp = 0;

	while (i > 0 && ((unsigned char)s[i - 1] & 0xc0) == 0x80)
		i--;
	if (i > 0)
		i--;
	if (len > 0 && utf8_decode(s + i, len - i, &cp) == 0)
		cp = 0;
	return cp;
}

static unsigned first_cp(const char *s, size_t len)
{
	unsigned cp = 0;

	if (len == 0 || utf8_decode(s, len, &cp) == 0)
		return 0;
	return cp;
}

/* Wrap one run of joined text under the prefixes. */
static void wrap_run(const char *t, size_t n, size_t width, const char *p1, size_t p1n,
		     const char *pn, size_t pnn, int *first_row, struct buf *out)
{
	size_t pw = txt_width(pn, pnn), cols = width > pw + 8 ? width - pw : 8;

	while (n > 0) {
		size_t r = txt_wrap(t, n, cols), e = r;

		while (e > 0 && t[e - 1] == ' ')
			e--;
		if (!*first_row)
			buf_addc(out, '\n');
		if (*first_row)
			buf_add(out, p1, p1n);
		else
			buf_add(out, pn, pnn);
		buf_add(out, t, e);
		*first_row = 0;
		t += r;
		n -= r;
		while (n > 0 && *t == ' ') {
			t++;
			n--;
		}
	}
}

void md_reflow(const char *text, size_t len, size_t width, struct buf *out)
{
	size_t q, ib, m, e;
	struct buf p1, pn, run;
	const char *s = text, *end = text + len;
	int first_row = 1;

	buf_init(&p1);
	buf_init(&pn);
	buf_init(&run);
	e = memchr(s, '\n', len) ? (size_t)((const char *)memchr(s, '\n', len) - s) : len;
	q = quote_prefix(s, e);
	indent(s + q, e - q, &ib);
	m = list_marker(s + q + ib, e - q - ib);
	buf_add(&p1, s, q + ib + m);
	/* later lines: the quote markers, then blanks under the list marker */
	buf_add(&pn, s, q);
	for (size_t i = 0; i < txt_width(s + q, ib + m); i++)
		buf_addc(&pn, ' ');
	s += q + ib + m;
	while (s < end) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		size_t n = nl ? (size_t)(nl - s) : (size_t)(end - s), a = 0, z = n;
		int hard;

		while (a < n && is_sp(s[a]))
			a++;
		hard = (n >= 2 && s[n - 1] == ' ' && s[n - 2] == ' ') || (n >= 1 && s[n - 1] == '\\');
		while (z > a && is_sp(s[z - 1]))
			z--;
		if (run.len > 0 && z > a) {
			unsigned l = last_cp(run.data, run.len), f = first_cp(s + a, z - a);

			if (!(cjk(l) && cjk(f)))
				buf_addc(&run, ' ');
		}
		buf_add(&run, s + a, z - a);
		if (hard && nl) {
			/* keep the break: the row ends here, with its marker (a
			 * backslash is in the text; two spaces go back on) */
			wrap_run(run.len ? run.data : "", run.len, width, p1.data ? p1.data : "", p1.len,
				 pn.data ? pn.data : "", pn.len, &first_row, out);
			if (s[n - 1] != '\\')
				buf_add(out, "  ", 2);
			buf_reset(&run);
		}
		if (nl == NULL)
			break;
		s = nl + 1;
		/* strip the quote prefix of later lines */
		s += quote_prefix(s, (size_t)(end - s));
	}
	if (run.len > 0 || first_row)
		wrap_run(run.len ? run.data : "", run.len, width, p1.data ? p1.data : "", p1.len,
			 pn.data ? pn.data : "", pn.len, &first_row, out);
	if (first_row)
		buf_add(out, p1.data ? p1.data : "", p1.len);
	buf_free(&p1);
	buf_free(&pn);
	buf_free(&run);
}
