/*
 * cmdline.c - the ':' command line: editing by grapheme cluster, history,
 * Tab completion of commands, modules and verbs. Its verbs are the batch
 * verbs; the shell runs what it returns.
 */
#include <stdlib.h>
#include <string.h>

#include "i18n/i18n.h"
#include "tui/internal.h"

#define HISTORY_MAX 200

struct cmdline {
	int active;
	int pasting;
	struct buf text;
	size_t cur; /* byte offset of the cursor */
	char *hist[HISTORY_MAX];
	int nhist;
	int hpos;     /* nhist when editing a new line */
	char *draft;  /* the line being typed before walking history */
	char note[256]; /* completion candidates to show */
};

/* Commands of the shell itself, completed with the module names. */
static const char *const shell_cmds[] = {
	"quit", "help", "offline", "online", "version", "config", NULL,
};

struct cmdline *cmdline_new(void)
{
	struct cmdline *c = xcalloc(1, sizeof *c);

	buf_init(&c->text);
	return c;
}

void cmdline_free(struct cmdline *c)
{
	if (c == NULL)
		return;
	for (int i = 0; i < c->nhist; i++)
		free(c->hist[i]);
	free(c->draft);
	buf_free(&c->text);
	free(c);
}

static void set_text(struct cmdline *c, const char *s)
{
	buf_reset(&c->text);
	buf_adds(&c->text, s ? s : "");
	c->cur = c->text.len;
}

void cmdline_open(struct cmdline *c, const char *initial)
{
	c->active = 1;
	c->pasting = 0;
	c->hpos = c->nhist;
	c->note[0] = '\0';
	set_text(c, initial);
}

int cmdline_active(const struct cmdline *c)
{
	return c->active;
}

const char *cmdline_text(const struct cmdline *c)
{
	return c->text.data ? c->text.data : "";
}

void cmdline_close(struct cmdline *c, int keep)
{
	const char *t = cmdline_text(c);

	if (keep && *t && (c->nhist == 0 || strcmp(c->hist[c->nhist - 1], t) != 0)) {
		if (c->nhist == HISTORY_MAX) {
			free(c->hist[0]);
			memmove(c->hist, c->hist + 1, sizeof c->hist[0] * (HISTORY_MAX - 1));
			c->nhist--;
		}
		c->hist[c->nhist++] = xstrdup(t);
	}
	free(c->draft);
	c->draft = NULL;
	c->active = 0;
	c->note[0] = '\0';
}

static void insert(struct cmdline *c, const char *s, size_t n)
{
	struct buf nb;

	buf_init(&nb);
	buf_add(&nb, c->text.data ? c->text.data : "", c->cur);
	buf_add(&nb, s, n);
	buf_add(&nb, c->text.data ? c->text.data + c->cur : "", c->text.len - c->cur);
	buf_free(&c->text);
	c->text = nb;
	c->cur += n;
}

static void erase_range(struct cmdline *c, size_t from, size_t to)
{
	if (to <= from)
		return;
	memmove(c->text.data + from, c->text.data + to, c->text.len - to + 1);
	c->text.len -= to - from;
	c->cur = from;
}

static void history(struct cmdline *c, int dir)
{
	int np = c->hpos + dir;

	if (np < 0 || np > c->nhist)
		return;
	if (c->hpos == c->nhist) {
		free(c->draft);
		c->draft = xstrdup(cmdline_text(c));
	}
	c->hpos = np;
	set_text(c, np == c->nhist ? c->draft : c->hist[np]);
}

static void add_candidate(const char **cands, int *n, int max, const char *s, const char *prefix)
{
	if (*n < max && strncmp(s, prefix, strlen(prefix)) == 0)
		cands[(*n)++] = s;
}

int cmdline_complete(struct cmdline *c, const struct tui_host *h)
{
	const char *t = cmdline_text(c);
	const char *cands[64];
	size_t wstart = c->cur, common;
	int n = 0, words = 0;
	char first[64] = "", prefix[128];
	const char *p = t;

	while (wstart > 0 && t[wstart - 1] != ' ')
		wstart--;
	/* Which word is being completed, and what was the first one. */
	while (p < t + wstart) {
		while (*p == ' ')
			p++;
		if (p >= t + wstart)
			break;
		const char *e = p;
		while (*e && *e != ' ')
			e++;
		if (words == 0)
			snprintf(first, sizeof first, "%.*s", (int)(e - p), p);
		words++;
		p = e;
	}
	snprintf(prefix, sizeof prefix, "%.*s", (int)(c->cur - wstart), t + wstart);
	if (words == 0) {
		for (int i = 0; shell_cmds[i]; i++)
			add_candidate(cands, &n, (int)nitems(cands), shell_cmds[i], prefix);
		for (int i = 0; i < h->nmodules; i++)
			add_candidate(cands, &n, (int)nitems(cands), h->modules[i]->name, prefix);
	} else if (words == 1) {
		for (int i = 0; i < h->nmodules; i++) {
			const struct module_verb *v = h->modules[i]->verbs;

			if (strcmp(h->modules[i]->name, first) != 0 || v == NULL)
				continue;
			for (; v->name; v++)
				add_candidate(cands, &n, (int)nitems(cands), v->name, prefix);
		}
		if (strcmp(first, "help") == 0)
			for (int i = 0; i < h->nmodules; i++)
				add_candidate(cands, &n, (int)nitems(cands), h->modules[i]->name,
					      prefix);
	}
	c->note[0] = '\0';
	if (n == 0)
		return 0;
	common = strlen(cands[0]);
	for (int i = 1; i < n; i++) {
		size_t k = 0;

		while (k < common && cands[i][k] == cands[0][k])
			k++;
		common = k;
	}
	if (common > strlen(prefix))
		insert(c, cands[0] + strlen(prefix), common - strlen(prefix));
	if (n == 1) {
		if (c->cur == c->text.len)
			insert(c, " ", 1);
	} else {
		size_t used = 0;

		for (int i = 0; i < n && used + strlen(cands[i]) + 2 < sizeof c->note; i++)
			used += (size_t)snprintf(c->note + used, sizeof c->note - used, "%s%s",
						 i ? "  " : "", cands[i]);
	}
	return n;
}

int cmdline_key(struct cmdline *c, int key, const struct tui_host *h)
{
	const char *t = cmdline_text(c);
	size_t len = c->text.len;

	if (c->pasting) {
		if (key == UI_KEY_PASTE_END) {
			c->pasting = 0;
		} else if (key == UI_KEY_ENTER || key == UI_KEY_TAB) {
			insert(c, " ", 1);
		} else if (key > 0 && key < UI_KEY_BASE && key >= ' ') {
			char u[4];
			size_t n = utf8_encode((unsigned)key, u);

			insert(c, u, n);
		}
		return 0;
	}
	switch (key) {
	case UI_KEY_ENTER:
		return 1;
	case UI_KEY_ESC:
	case UI_CTRL('c'):
	case UI_CTRL('g'):
		return -1;
	case UI_KEY_BACKSPACE:
		if (c->cur == 0) {
			if (len == 0)
				return -1; /* backspace on an empty line closes it */
			return 0;
		}
		erase_range(c, txt_prev_grapheme(t, len, c->cur), c->cur);
		return 0;
	case UI_KEY_DELETE:
	case UI_CTRL('d'):
		if (c->cur < len)
			erase_range(c, c->cur, c->cur + txt_next_grapheme(t + c->cur, len - c->cur));
		return 0;
	case UI_KEY_LEFT:
	case UI_CTRL('b'):
		if (c->cur > 0)
			c->cur = txt_prev_grapheme(t, len, c->cur);
		return 0;
	case UI_KEY_RIGHT:
	case UI_CTRL('f'):
		if (c->cur < len)
			c->cur += txt_next_grapheme(t + c->cur, len - c->cur);
		return 0;
	case UI_KEY_HOME:
	case UI_CTRL('a'):
		c->cur = 0;
		return 0;
	case UI_KEY_END:
	case UI_CTRL('e'):
		c->cur = len;
		return 0;
	case UI_CTRL('u'):
		erase_range(c, 0, c->cur);
		return 0;
	case UI_CTRL('k'):
		erase_range(c, c->cur, len);
		return 0;
	case UI_CTRL('w'): {
		size_t from = c->cur;

		while (from > 0 && t[from - 1] == ' ')
			from--;
		while (from > 0 && t[from - 1] != ' ')
			from--;
		erase_range(c, from, c->cur);
		return 0;
	}
	case UI_KEY_UP:
	case UI_CTRL('p'):
		history(c, -1);
		return 0;
	case UI_KEY_DOWN:
	case UI_CTRL('n'):
		history(c, +1);
		return 0;
	case UI_KEY_TAB:
		cmdline_complete(c, h);
		return 0;
	case UI_KEY_PASTE_BEGIN:
		c->pasting = 1;
		return 0;
	}
	if (key >= ' ' && key < UI_KEY_BASE && key != 0x7f) {
		c->pasting = 1; /* reuse the encoder */
		cmdline_key(c, key, h);
		c->pasting = 0;
	}
	return 0;
}

void cmdline_draw(struct cmdline *c, struct ui_area *row)
{
	const char *t = cmdline_text(c);
	size_t start = 0, before;
	int avail = row->w - 2;

	ui_clear_row(row, 0, UI_NORMAL);
	if (c->note[0] && c->cur == c->text.len) {
		/* Candidates from Tab, right of the text if they fit. */
		size_t tw = ui_text_width(t, c->text.len);

		if ((int)(tw + 4 + strlen(c->note)) < avail)
			ui_puts(row, 0, (int)tw + 4, c->note, UI_DIM);
	}
	ui_puts(row, 0, 0, ":", UI_BOLD);
	/* Scroll horizontally so the cursor stays visible. */
	while ((int)ui_text_width(t + start, c->cur - start) > avail - 1 && start < c->cur)
		start += txt_next_grapheme(t + start, c->text.len - start);
	ui_put(row, 0, 1, avail, t + start, c->text.len - start, UI_NORMAL);
	before = ui_text_width(t + start, c->cur - start);
	wmove(row->win, row->y, row->x + 1 + (int)before);
}
