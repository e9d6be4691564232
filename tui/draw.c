/*
 * draw.c - putting text on the screen. Everything drawn goes through here,
 * and most of it is untrusted (mail, chat, file names, cells): control
 * characters and escape sequences become visible placeholders, invalid
 * UTF-8 becomes U+FFFD, and columns come from i18n's per-grapheme widths,
 * not wcwidth, so CJK and emoji sequences line up.
 */
#include <string.h>
#include <wchar.h>

#include "i18n/i18n.h"
#include "tui/internal.h"

/* One screen cell's worth of text, after sanitising. */
struct cell {
	wchar_t wc[CCHARW_MAX + 1]; /* what curses gets: base + combining marks */
	int nwc;
	int width;   /* columns it occupies (our measure) */
	int control; /* a placeholder for something unsafe */
	char utf8[32];
	size_t utf8len;
};

/* Code points that must never reach the terminal as themselves: C0, DEL,
 * C1 (ESC and CSI in 8-bit form), and bidirectional overrides that can
 * make text read differently from what it is. */
static int unsafe_cp(unsigned cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || (cp >= 0x202a && cp <= 0x202e) ||
	       (cp >= 0x2066 && cp <= 0x2069) || cp == 0x2028 || cp == 0x2029;
}

static void cell_placeholder(struct cell *c, unsigned cp)
{
	unsigned ph;

	if (cp < 0x20)
		ph = 0x2400 + cp; /* ␀ .. ␟, ␛ for ESC */
	else if (cp == 0x7f)
		ph = 0x2421; /* ␡ */
	else
		ph = 0xfffd;
	c->nwc = 1;
	c->wc[0] = (wchar_t)ph;
	c->wc[1] = 0;
	c->width = 1;
	c->control = 1;
	c->utf8len = utf8_encode(ph, c->utf8);
}

/*
 * Take the next cell from s. Unsafe code points become one placeholder
 * each; a safe grapheme cluster becomes one cell of its i18n width.
 * Returns bytes consumed (>= 1 when len > 0).
 */
static size_t next_cell(const char *s, size_t len, struct cell *c)
{
	size_t g, off, n;
	unsigned cp;

	memset(c, 0, sizeof *c);
	n = utf8_decode(s, len, &cp);
	if (n == 0) {
		cell_placeholder(c, 0xfffd);
		c->control = 0;
		return 1;
	}
	if (unsafe_cp(cp)) {
		cell_placeholder(c, cp);
		return n;
	}
	g = txt_next_grapheme(s, len);
	/* A cluster must not carry an unsafe code point past us. */
	for (off = n; off < g; off += n) {
		n = utf8_decode(s + off, g - off, &cp);
		if (n == 0 || unsafe_cp(cp)) {
			g = off;
			break;
		}
	}
	c->width = txt_grapheme_width(s, g);
	if (c->width < 1) {
		/* Marks or format characters with nothing to sit on (at the
		 * start, or after a placeholder): invisible or misleading, so
		 * they are not drawn at all. */
		c->width = 0;
		return g;
	}
	if (g < sizeof c->utf8) {
		memcpy(c->utf8, s, g);
		c->utf8len = g;
	}
	/* curses takes a spacing character plus non-spacing ones. For emoji
	 * sequences (several spacing parts) we keep the first part. */
	for (off = 0; off < g && c->nwc < CCHARW_MAX; off += n) {
		n = utf8_decode(s + off, g - off, &cp);
		if (n == 0)
			break;
		if (c->nwc > 0 && wcwidth((wchar_t)cp) != 0)
			continue;
		c->wc[c->nwc++] = (wchar_t)cp;
	}
	c->wc[c->nwc] = 0;
	if (c->utf8len == 0) { /* absurdly long cluster: show its first part */
		for (int i = 0; i < c->nwc; i++)
			c->utf8len += utf8_encode((unsigned)c->wc[i], c->utf8 + c->utf8len);
	}
	return g;
}

int ui_cursor_y = -1, ui_cursor_x = -1;

void ui_cursor(struct ui_area *a, int y, int x)
{
	if (y < 0 || y >= a->h || x < 0 || x >= a->w)
		return;
	ui_cursor_y = a->y + y;
	ui_cursor_x = a->x + x;
}

int ui_area_h(const struct ui_area *a)
{
	return a->h;
}

int ui_area_w(const struct ui_area *a)
{
	return a->w;
}

struct ui_area *ui_area_rows(struct ui_area *a, int y, int h)
{
	/* a few per frame at most: a small ring, no allocation to free */
	static struct ui_area ring[8];
	static unsigned next;
	struct ui_area *s;

	if (y < 0)
		y = 0;
	if (y + h > a->h)
		h = a->h - y;
	if (h <= 0)
		return NULL;
	s = &ring[next++ % 8];
	*s = *a;
	s->y = a->y + y;
	s->h = h;
	return s;
}

void ui_clear_row(struct ui_area *a, int y, enum ui_role role)
{
	attr_t at = screen_attr(role);

	if (y < 0 || y >= a->h)
		return;
	wattrset(a->win, at);
	wmove(a->win, a->y + y, a->x);
	for (int i = 0; i < a->w; i++)
		waddch(a->win, ' ');
	wattrset(a->win, A_NORMAL);
}

void ui_clear(struct ui_area *a, enum ui_role role)
{
	for (int y = 0; y < a->h; y++)
		ui_clear_row(a, y, role);
}

int ui_put(struct ui_area *a, int y, int x, int maxw, const char *s, size_t len,
	   enum ui_role role)
{
	attr_t at = screen_attr(role);
	int col = x, limit;
	struct cell c;
	size_t i = 0;

	if (y < 0 || y >= a->h || x < 0 || x >= a->w)
		return 0;
	limit = (maxw < 0 || x + maxw > a->w) ? a->w : x + maxw;
	while (i < len && col < limit) {
		cchar_t cc;
		int drawn;

		i += next_cell(s + i, len - i, &c);
		if (c.width == 0)
			continue;
		if (col + c.width > limit)
			break;
		setcchar(&cc, c.wc, c.control ? screen_attr(UI_CONTROL) : at,
			 c.control ? screen_pair(UI_CONTROL) : screen_pair(role), NULL);
		mvwadd_wch(a->win, a->y + y, a->x + col, &cc);
		/* curses may think the cell narrower than we do (wcwidth is
		 * wrong for emoji sequences): pad so columns stay ours. */
		drawn = wcwidth(c.wc[0]);
		if (drawn < 1)
			drawn = 1;
		wattrset(a->win, at);
		for (int k = drawn; k < c.width; k++)
			mvwaddch(a->win, a->y + y, a->x + col + k, ' ');
		col += c.width;
	}
	wattrset(a->win, A_NORMAL);
	return col - x;
}

int ui_puts(struct ui_area *a, int y, int x, const char *s, enum ui_role role)
{
	return ui_put(a, y, x, -1, s, strlen(s), role);
}

size_t ui_text_width(const char *s, size_t len)
{
	struct cell c;
	size_t i = 0, w = 0;

	while (i < len) {
		i += next_cell(s + i, len - i, &c);
		w += (size_t)c.width;
	}
	return w;
}

void ui_sanitize(const char *s, size_t len, struct buf *out)
{
	struct cell c;
	size_t i = 0;

	while (i < len) {
		size_t n = next_cell(s + i, len - i, &c);

		if (c.control || c.utf8len != n)
			buf_add(out, c.utf8, c.utf8len);
		else
			buf_add(out, s + i, n);
		i += n;
	}
}

size_t ui_raw_prefix(const char *s, size_t len, size_t sanlen)
{
	struct cell c;
	size_t i = 0, done = 0;

	while (i < len && done < sanlen) {
		size_t n = next_cell(s + i, len - i, &c);

		done += (c.control || c.utf8len != n) ? c.utf8len : n;
		i += n;
	}
	return i;
}

void ui_box(struct ui_area *a, enum ui_role role)
{
	attr_t at = screen_attr(role);

	wattrset(a->win, at);
	mvwhline(a->win, a->y, a->x + 1, ACS_HLINE, a->w - 2);
	mvwhline(a->win, a->y + a->h - 1, a->x + 1, ACS_HLINE, a->w - 2);
	mvwvline(a->win, a->y + 1, a->x, ACS_VLINE, a->h - 2);
	mvwvline(a->win, a->y + 1, a->x + a->w - 1, ACS_VLINE, a->h - 2);
	mvwaddch(a->win, a->y, a->x, ACS_ULCORNER);
	mvwaddch(a->win, a->y, a->x + a->w - 1, ACS_URCORNER);
	mvwaddch(a->win, a->y + a->h - 1, a->x, ACS_LLCORNER);
	mvwaddch(a->win, a->y + a->h - 1, a->x + a->w - 1, ACS_LRCORNER);
	wattrset(a->win, A_NORMAL);
}
