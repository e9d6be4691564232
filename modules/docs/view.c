/*
 * view.c - drawing the editor: a title bar (file name, modified mark, the
 * cursor's line and column), then the visible lines, then the terminal
 * cursor. Only the lines on screen are read from the buffer; with soft
 * wrap, only the screen rows shown, from the editor's scroll position (a
 * row start within a line) down. Every cluster
 * goes through ui_put, so control characters and escape sequences in the
 * text show as placeholders; tabs are drawn as blanks to the next stop.
 *
 * A Markdown file (.md, .markdown) is drawn with markdown.h's spans:
 * headings in the title role, strong bold, emphasis and link text
 * underlined, code in its own colour, syntax marks and URLs dim (roles,
 * so a monochrome terminal gets attributes). Only the lines shown are
 * highlighted; the one state that reaches far, being inside a fenced code
 * block, comes from checkpoints of the highlighter's state every MD_CP
 * lines, kept per buffer and cut back to the first line an edit touched
 * (doc_buf_edited_since). So a frame highlights at most MD_CP lines above
 * the screen, and only the first look at the end of a big file reads all
 * of it, once. Lines longer than MD_LINE_MAX are drawn plain.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "i18n/i18n.h"
#include "modules/docs/buffer.h"
#include "modules/docs/editor.h"
#include "modules/docs/markdown.h"
#include "tui/tui.h"

#define MD_CP 128
#define MD_LINE_MAX (64 * 1024)
#define MD_SPANS 128
#define MD_CHUNK (256 * 1024) /* read at a time when scanning for checkpoints */
#define MD_CACHES 4

/* The Markdown spans of the line being drawn (offsets in the line), and
 * where in the line the drawn text starts. */
struct hl {
	struct md_span sp[MD_SPANS];
	size_t n, base;
};

/* Checkpoints of one buffer: cp[k] is the state at the start of line
 * k * MD_CP, valid for the text as it was at gen. */
struct md_cache {
	const struct doc_buf *b;
	uint64_t gen;
	struct md_state *cp;
	size_t n, cap;
	unsigned long used;
};
static struct md_cache md_caches[MD_CACHES];
static unsigned long md_clock;

static void draw_title(struct editor *ed, struct ui_area *area, int w, const char *tag,
		       const char *title)
{
	const char *path = editor_path(ed);
	const char *name = title ? title : path ? path : tr("docs.untitled");
	char pos[96];
	int x = 1, pw;

	ui_clear_row(area, 0, UI_BAR);
	trf(pos, sizeof pos, "docs.position", TR_N(editor_cursor_line(ed) + 1),
	    TR_N(editor_cursor_col(ed) + 1));
	pw = (int)ui_text_width(pos, strlen(pos));
	if (pw + 2 < w)
		ui_puts(area, 0, w - pw - 1, pos, UI_BAR);
	else
		pw = -2;
	/* The name may be untrusted (a file name); ui_put shows it inert. */
	x += ui_put(area, 0, x, w - pw - 4 > 0 ? w - pw - 4 : 0, name, strlen(name), UI_BAR);
	if (tag && x + 1 < w - pw - 2)
		x += 1 + ui_put(area, 0, x + 1, w - pw - 2 - x - 1, tag, strlen(tag), UI_BAR);
	if (editor_modified(ed)) {
		const char *mark = tr("docs.modified");

		x += 2;
		if (x < w - pw - 2)
			x += ui_put(area, 0, x, w - pw - 2 - x, mark, strlen(mark), UI_BAR);
	}
	if (editor_readonly(ed) != DOC_RW) {
		const char *mark = tr("docs.readonly");

		x += 2;
		if (x < w - pw - 2)
			x += ui_put(area, 0, x, w - pw - 2 - x, mark, strlen(mark), UI_BAR);
	}
	if (editor_recovered(ed)) {
		const char *mark = tr("docs.recovered");

		x += 1;
		if (x < w - pw - 2)
			ui_put(area, 0, x, w - pw - 2 - x, mark, strlen(mark), UI_BAR);
	}
}

/* ---- Markdown ---------------------------------------------------------------- */

/* A line that is too long to look at each frame (len bytes, s NULL):
 * code inside a fence, else text. */
static void md_long(struct md_state *st, size_t len, struct hl *hl)
{
	hl->n = 0;
	if (st->fence) {
		hl->sp[0] = (struct md_span){ 0, len, MD_CODE };
		hl->n = 1;
	} else {
		st->para = 1;
		st->table = 0;
	}
}

/* Highlight line into hl (base 0), carrying st on. */
static void md_spans(const struct doc_buf *b, size_t line, struct md_state *st, struct hl *hl)
{
	size_t ls = doc_buf_line_start(b, line), le;
	char *s;

	hl->n = hl->base = 0;
	le = line + 1 < doc_buf_lines(b) ? doc_buf_line_start(b, line + 1) - 1 : doc_buf_len(b);
	if (le - ls > MD_LINE_MAX) {
		md_long(st, le - ls, hl);
		return;
	}
	s = xmalloc(le - ls + 1);
	hl->n = md_line(st, s, doc_buf_read(b, ls, le - ls, s), hl->sp, MD_SPANS);
	free(s);
}

/* Run the highlighter over lines [line, until) from st, reading the text
 * in big chunks (a line lookup per line would search its piece each
 * time); with c, note the state at each line that is a multiple of MD_CP
 * as the next checkpoint. */
static void md_run(const struct doc_buf *b, size_t line, size_t until, struct md_state *st,
		   struct md_cache *c, struct hl *hl)
{
	size_t off = doc_buf_line_start(b, line), plen = 0;
	char *chunk = xmalloc(MD_CHUNK);
	struct buf part; /* a line begun in an earlier chunk */

	buf_init(&part);
	while (line < until) {
		size_t n = doc_buf_read(b, off, MD_CHUNK, chunk), i = 0;

		while (i < n && line < until) {
			const char *nl = memchr(chunk + i, '\n', n - i);
			size_t k = nl ? (size_t)(nl - chunk) - i : n - i;

			if (plen + k <= MD_LINE_MAX)
				buf_add(&part, chunk + i, k);
			plen += k;
			if (nl == NULL) {
				i = n;
				break;
			}
			if (plen > MD_LINE_MAX)
				md_long(st, plen, hl);
			else
				md_line(st, part.len ? part.data : "", part.len, hl->sp, MD_SPANS);
			buf_reset(&part);
			plen = 0;
			i += k + 1;
			if (++line % MD_CP == 0 && c && c->n == line / MD_CP) {
				if (c->n == c->cap) {
					c->cap *= 2;
					c->cp = xreallocarray(c->cp, c->cap, sizeof *c->cp);
				}
				c->cp[c->n++] = *st;
			}
		}
		if (n == 0)
			break; /* the end of the text: the last line needs no state after it */
		off += n;
	}
	buf_free(&part);
	free(chunk);
}

static struct md_cache *md_cache_for(const struct doc_buf *b)
{
	struct md_cache *c = &md_caches[0];

	for (int i = 0; i < MD_CACHES; i++) {
		if (md_caches[i].b == b) {
			c = &md_caches[i];
			break;
		}
		if (md_caches[i].used < c->used)
			c = &md_caches[i];
	}
	if (c->b != b) {
		c->b = b;
		c->n = 0;
	}
	c->used = ++md_clock;
	return c;
}

/* The highlighter's state at the start of line. */
static struct md_state md_state_at(const struct doc_buf *b, size_t line)
{
	struct md_cache *c = md_cache_for(b);
	struct md_state st;
	size_t k = line / MD_CP, low = doc_buf_edited_since(b, c->gen);
	struct hl *scratch = xmalloc(sizeof *scratch);

	if (low != SIZE_MAX) {
		/* what lies before the first line touched holds */
		size_t keep = low == 0 ? 1 : doc_buf_line_of(b, low) / MD_CP + 1;

		if (c->n > keep)
			c->n = keep;
	}
	c->gen = doc_buf_gen(b);
	if (c->n == 0) {
		c->cap = c->cap ? c->cap : 64;
		c->cp = xreallocarray(c->cp, c->cap, sizeof *c->cp);
		memset(&c->cp[0], 0, sizeof c->cp[0]);
		c->n = 1;
	}
	if (c->n <= k) {
		st = c->cp[c->n - 1];
		md_run(b, (c->n - 1) * MD_CP, k * MD_CP, &st, c, scratch);
	}
	st = c->cp[k < c->n ? k : c->n - 1];
	md_run(b, (k < c->n ? k : c->n - 1) * MD_CP, line, &st, NULL, scratch);
	free(scratch);
	return st;
}

static enum ui_role md_role(enum md_kind k)
{
	switch (k) {
	case MD_HEADING: return UI_TITLE;
	case MD_STRONG: return UI_BOLD;
	case MD_EMPH: case MD_LINK: return UI_EMPH;
	case MD_CODE: return UI_CODE;
	case MD_MARK: case MD_URL: return UI_DIM;
	}
	return UI_NORMAL;
}

/* The role of the byte at off of the drawn text; *j walks the spans. */
static enum ui_role role_at(const struct hl *hl, size_t off, size_t *j)
{
	size_t at = hl->base + off;

	while (*j < hl->n && hl->sp[*j].off + hl->sp[*j].len <= at)
		(*j)++;
	if (*j < hl->n && hl->sp[*j].off <= at)
		return md_role(hl->sp[*j].kind);
	return UI_NORMAL;
}

/* ---- lines ------------------------------------------------------------------- */

/* Draw one line's visible part: columns [left, left + cols) at x0; the
 * bytes [mark, mark_end) of the line are highlighted, the rest drawn in
 * hl's roles (NULL: plain). */
static void draw_line(struct ui_area *area, int y, int x0, const char *s, size_t len,
		      size_t left, size_t cols, size_t mark, size_t mark_end, const struct hl *hl)
{
	size_t col = 0, j = 0;

	for (size_t off = 0; off < len && col < left + cols;) {
		size_t g = txt_next_grapheme(s + off, len - off);
		size_t w = editor_cluster_width(s + off, g, col);

		/* Tabs stay blank; a wide cluster cut by either edge too. */
		if (col >= left && col + w <= left + cols && w > 0 && s[off] != '\t')
			ui_put(area, y, x0 + (int)(col - left), (int)w, s + off, g,
			       off >= mark && off < mark_end ? UI_SELECTED
			       : hl			     ? role_at(hl, off, &j)
							     : UI_NORMAL);
		col += w;
		off += g;
	}
}

/* What to highlight: the selection, or else the mark (a find match). */
static void highlight(const struct editor *ed, size_t *off, size_t *len)
{
	size_t a, b;

	if (editor_selection(ed, &a, &b)) {
		*off = a;
		*len = b - a;
		return;
	}
	*off = editor_mark(ed, len);
}

/* Mark bytes [mark, mark + len) as offsets into the text starting at a. */
static void mark_in(size_t mark, size_t len, size_t a, size_t *ms, size_t *me)
{
	*ms = *me = 0;
	if (len && mark + len > a) {
		*ms = mark > a ? mark - a : 0;
		*me = mark + len - a;
	}
}

/* The soft-wrapped rows from the scroll position down; the terminal
 * cursor goes where the editor's is (held at the right edge when it sits
 * on spaces hanging past it). */
static void draw_wrapped(struct editor *ed, struct ui_area *area, int rows, int gutter, int w)
{
	const struct doc_buf *b = editor_buf(ed);
	size_t lines = doc_buf_lines(b), line = editor_top(ed), off = editor_top_off(ed);
	size_t cur = editor_cursor(ed), mark, mark_len, cols = (size_t)(w - gutter);
	int cy = -1, cx = 0, md = md_is_markdown_path(editor_path(ed));
	struct md_state st;
	struct hl *hl = md ? xmalloc(sizeof *hl) : NULL;
	struct buf text;

	highlight(ed, &mark, &mark_len);
	buf_init(&text);
	if (md)
		st = md_state_at(b, line);
	for (int r = 0; r < rows && line < lines; r++) {
		size_t ls = doc_buf_line_start(b, line), end = editor_row_end(ed, line, off);
		size_t llen = (line + 1 < lines ? doc_buf_line_start(b, line + 1) - 1
						: doc_buf_len(b)) - ls, ms, me;

		if (md && (r == 0 || off == 0))
			md_spans(b, line, &st, hl);
		if (md)
			hl->base = off;

		if (gutter && off == 0) {
			char n[32];

			snprintf(n, sizeof n, "%*zu", gutter - 1, line + 1);
			ui_puts(area, 1 + r, 0, n, UI_DIM);
		}
		buf_reset(&text);
		if (end > off) {
			char *tmp = xmalloc(end - off);

			buf_add(&text, tmp, doc_buf_read(b, ls + off, end - off, tmp));
			free(tmp);
		}
		mark_in(mark, mark_len, ls + off, &ms, &me);
		draw_line(area, 1 + r, gutter, text.data, text.len, 0, cols, ms, me, hl);
		if (cur >= ls + off && (cur < ls + end || (cur == ls + end && end >= llen))) {
			size_t c = 0;

			for (size_t o = 0; o < cur - ls - off && o < text.len;) {
				size_t g = txt_next_grapheme(text.data + o, text.len - o);

				c += editor_cluster_width(text.data + o, g, c);
				o += g;
			}
			cy = r;
			cx = (int)(c < cols ? c : cols - 1);
		}
		if (end >= llen) {
			line++;
			off = 0;
		} else {
			off = end;
		}
	}
	buf_free(&text);
	free(hl);
	if (cy >= 0)
		ui_cursor(area, 1 + cy, gutter + cx);
}

void docs_view_draw(struct editor *ed, struct ui_area *area, int numbers,
		    const struct docs_view_line *bottom)
{
	int h = ui_area_h(area), w = ui_area_w(area), gutter = 0, rows, px = 0;
	const struct doc_buf *b = editor_buf(ed);
	size_t lines = doc_buf_lines(b), top, mark, mark_len;
	const char *tag = NULL, *title = NULL;
	struct md_state st;
	struct hl *hl = NULL;
	struct buf text;

	ui_clear(area, UI_NORMAL);
	if (bottom && bottom->tag)
		tag = bottom->tag;
	if (bottom)
		title = bottom->title;
	if (bottom && bottom->text == NULL)
		bottom = NULL;
	if (h < (bottom ? 3 : 2) || w < 4)
		return;
	rows = h - (bottom ? 2 : 1);
	if (bottom) {
		enum ui_role role = bottom->warn ? UI_WARN : UI_BAR;

		ui_clear_row(area, h - 1, role);
		px = ui_put(area, h - 1, 0, w - 1, bottom->text, strlen(bottom->text), role);
	}
	highlight(ed, &mark, &mark_len);
	if (numbers) {
		char n[32];

		gutter = snprintf(n, sizeof n, "%zu", lines) + 1;
		if (gutter > w / 2)
			gutter = 0;
	}
	editor_set_size(ed, rows, w - gutter);
	draw_title(ed, area, w, tag, title);
	if (editor_wrap(ed)) {
		draw_wrapped(ed, area, rows, gutter, w);
		if (bottom && bottom->prompt)
			ui_cursor(area, h - 1, px < w ? px : w - 1);
		return;
	}
	top = editor_top(ed);
	buf_init(&text);
	if (md_is_markdown_path(editor_path(ed))) {
		hl = xmalloc(sizeof *hl);
		st = md_state_at(b, top);
	}
	for (int r = 0; r < rows && top + (size_t)r < lines; r++) {
		size_t line = top + (size_t)r;

		if (gutter) {
			char n[32];

			snprintf(n, sizeof n, "%*zu", gutter - 1, line + 1);
			ui_puts(area, 1 + r, 0, n, UI_DIM);
		}
		size_t start = doc_buf_line_start(b, line), ms, me;

		mark_in(mark, mark_len, start, &ms, &me);
		buf_reset(&text);
		editor_line(ed, line, &text);
		if (hl)
			md_spans(b, line, &st, hl);
		draw_line(area, 1 + r, gutter, text.data, text.len, editor_left(ed),
			  (size_t)(w - gutter), ms, me, hl);
	}
	buf_free(&text);
	free(hl);
	if (bottom && bottom->prompt)
		ui_cursor(area, h - 1, px < w ? px : w - 1);
	else
		ui_cursor(area, 1 + (int)(editor_cursor_line(ed) - top),
			  gutter + (int)(editor_cursor_col(ed) - editor_left(ed)));
}
