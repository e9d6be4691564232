/*
 * component.c - the editor as a component (docs.h): one struct editor
 * over a text the host gave, the docs tab's keys for editing one text, a
 * finish key, and a cancel that asks before throwing changes away.
 *
 * The key table below lists the tab's actions that act on a single text,
 * with the same names and default keys as docs.c's, so that a user's
 * "docs.ACTION = KEYS" rebinding means the same in both places. What
 * acts on files or buffers (save, find, open, close, recovery) is the
 * tab's alone: a compose window has none of those.
 */
#include <stdlib.h>
#include <string.h>

#include "i18n/i18n.h"
#include "modules/docs/buffer.h"
#include "modules/docs/docs.h"
#include "modules/docs/editor.h"
#include "modules/docs/keymap.h"
#include "tui/tui.h"

/* The tab's actions that act on one text, and "finish". */
static const enum docs_act comp_acts[] = {
	DA_LEFT, DA_RIGHT, DA_UP, DA_DOWN, DA_HOME, DA_END, DA_PGUP, DA_PGDN,
	DA_TOP, DA_BOTTOM, DA_WORD_LEFT, DA_WORD_RIGHT,
	DA_SEL_LEFT, DA_SEL_RIGHT, DA_SEL_UP, DA_SEL_DOWN, DA_SEL_HOME, DA_SEL_END,
	DA_SEL_PGUP, DA_SEL_PGDN, DA_SEL_WORD_LEFT, DA_SEL_WORD_RIGHT, DA_SEL_ALL, DA_MARK,
	DA_BACKSPACE, DA_DELETE, DA_NEWLINE, DA_TAB, DA_UNDO, DA_REDO,
	DA_CUT, DA_COPY, DA_PASTE, DA_CLOSE, DA_FINISH,
};

static const enum editor_move sel_moves[] = {
	[DA_SEL_LEFT - DA_SEL_LEFT] = ED_LEFT,
	[DA_SEL_RIGHT - DA_SEL_LEFT] = ED_RIGHT,
	[DA_SEL_UP - DA_SEL_LEFT] = ED_UP,
	[DA_SEL_DOWN - DA_SEL_LEFT] = ED_DOWN,
	[DA_SEL_HOME - DA_SEL_LEFT] = ED_HOME,
	[DA_SEL_END - DA_SEL_LEFT] = ED_END,
	[DA_SEL_PGUP - DA_SEL_LEFT] = ED_PGUP,
	[DA_SEL_PGDN - DA_SEL_LEFT] = ED_PGDN,
	[DA_SEL_WORD_LEFT - DA_SEL_LEFT] = ED_WORD_LEFT,
	[DA_SEL_WORD_RIGHT - DA_SEL_LEFT] = ED_WORD_RIGHT,
};

struct docs_edit {
	struct editor *ed;
	char *title;
	enum docs_edit_state state;
	struct docs_keymap km;
	int pasting;  /* between UI_KEY_PASTE_BEGIN and _END */
	int esc;      /* the last key was a lone Esc */
	int asking;   /* "discard the changes?" is on the bottom line */
	const char *notice; /* a catalog key for the bottom line, or NULL */
	struct buf reg;     /* the cut/copy register */
	char line[300];     /* the bottom line as drawn */
};

struct docs_edit *docs_edit_new(const char *text, size_t len, const char *title)
{
	struct docs_edit *c = xcalloc(1, sizeof *c);

	c->ed = editor_new();
	editor_set_wrap(c->ed, 1);
	/* undo stops at the host's text, and "modified" means changed */
	editor_load_text(c->ed, text, len);
	editor_set_cursor(c->ed, len);
	c->title = title ? xstrdup(title) : NULL;
	docs_keymap_init(&c->km);
	docs_keymap_only(&c->km, comp_acts, nitems(comp_acts));
	buf_init(&c->reg);
	return c;
}

void docs_edit_free(struct docs_edit *c)
{
	if (c == NULL)
		return;
	editor_free(c->ed);
	free(c->title);
	buf_free(&c->reg);
	free(c);
}

void docs_edit_configure(struct docs_edit *c, const struct conf *conf)
{
	docs_keymap_apply(&c->km, conf);
	docs_keymap_only(&c->km, comp_acts, nitems(comp_acts));
}

void docs_edit_set_finish_key(struct docs_edit *c, int key)
{
	memset(c->km.keys[DA_FINISH], 0, sizeof c->km.keys[DA_FINISH]);
	c->km.keys[DA_FINISH][0] = key;
}

enum docs_edit_state docs_edit_state(const struct docs_edit *c)
{
	return c->state;
}

int docs_edit_modified(const struct docs_edit *c)
{
	return editor_modified(c->ed);
}

void docs_edit_text(const struct docs_edit *c, struct buf *out)
{
	doc_buf_contents(editor_buf(c->ed), out);
}

static enum docs_act action_of(const struct docs_edit *c, int key)
{
	return docs_keymap_action(&c->km, key);
}

/* Text typed or pasted as a key (docs.c's rule): one code point, Esc +
 * code point for Alt, so a pasted escape sequence lands inert. */
static int insert_key(struct docs_edit *c, int key)
{
	char s[8];
	size_t n = 0;

	if (key & UI_MOD_ALT) {
		s[n++] = '\033';
		key &= ~UI_MOD_ALT;
	}
	switch (key) {
	case UI_KEY_ENTER: s[n++] = '\n'; break;
	case UI_KEY_TAB: s[n++] = '\t'; break;
	case UI_KEY_ESC: s[n++] = '\033'; break;
	case UI_KEY_BACKSPACE: s[n++] = 0x7f; break;
	default:
		if (key <= 0 || key >= UI_KEY_BASE)
			return 0;
		n += utf8_encode((unsigned)key, s + n);
	}
	editor_insert(c->ed, s, n);
	return 1;
}

/* The selection, or else the cursor's line (as the tab does). */
static void cut(struct docs_edit *c, int keep)
{
	size_t a, b;

	if (!editor_selection(c->ed, &a, &b))
		editor_line_range(c->ed, &a, &b);
	if (a == b)
		return;
	buf_reset(&c->reg);
	editor_copy(c->ed, a, b, &c->reg);
	if (keep)
		editor_select_none(c->ed);
	else
		editor_replace_range(c->ed, a, b - a, "", 0);
}

static void paste(struct docs_edit *c)
{
	size_t a, b;

	if (c->reg.len == 0) {
		c->notice = "docs.register_empty";
		return;
	}
	if (!editor_selection(c->ed, &a, &b))
		a = b = editor_cursor(c->ed);
	editor_replace_range(c->ed, a, b - a, c->reg.data, c->reg.len);
}

/* Esc Esc or the close key: done when nothing changed, else ask. */
static void cancel(struct docs_edit *c)
{
	if (editor_modified(c->ed))
		c->asking = 1;
	else
		c->state = DOCS_EDIT_CANCELLED;
}

static int act(struct docs_edit *c, enum docs_act a)
{
	struct editor *ed = c->ed;

	if (a >= DA_LEFT && a <= DA_WORD_RIGHT) {
		editor_move(ed, (enum editor_move)(ED_LEFT + (a - DA_LEFT)));
		return 1;
	}
	if (a >= DA_SEL_LEFT && a <= DA_SEL_WORD_RIGHT) {
		editor_move_select(ed, sel_moves[a - DA_SEL_LEFT]);
		return 1;
	}
	switch (a) {
	case DA_SEL_ALL: editor_select(ed, 0, doc_buf_len(editor_buf(ed))); return 1;
	case DA_MARK:
		editor_anchor(ed);
		c->notice = editor_anchored(ed) ? "docs.mark_set" : "docs.mark_unset";
		return 1;
	case DA_BACKSPACE: editor_backspace(ed); return 1;
	case DA_DELETE: editor_delete(ed); return 1;
	case DA_NEWLINE: editor_insert(ed, "\n", 1); return 1;
	case DA_TAB: editor_insert(ed, "\t", 1); return 1;
	case DA_UNDO:
		if (editor_undo(ed) != 0)
			c->notice = "docs.nothing_undo";
		return 1;
	case DA_REDO:
		if (editor_redo(ed) != 0)
			c->notice = "docs.nothing_redo";
		return 1;
	case DA_CUT: cut(c, 0); return 1;
	case DA_COPY: cut(c, 1); return 1;
	case DA_PASTE: paste(c); return 1;
	case DA_CLOSE: cancel(c); return 1;
	case DA_FINISH: c->state = DOCS_EDIT_FINISHED; return 1;
	default: return 0;
	}
}

/* The answer to "discard the changes?": y discards, anything else goes
 * back to the text. */
static int answer(struct docs_edit *c, int key)
{
	c->asking = 0;
	if (key == 'y' || key == 'Y' || key == 0x662f /* 是 */)
		c->state = DOCS_EDIT_CANCELLED;
	return 1;
}

int docs_edit_key(struct docs_edit *c, int key)
{
	int esc = c->esc;
	enum docs_act a;

	if (c->state != DOCS_EDIT_EDITING)
		return 0;
	c->esc = 0;
	if (key == UI_KEY_NONE || key == UI_KEY_RESIZE || key == UI_KEY_MOUSE)
		return 0;
	if (key == UI_KEY_PASTE_BEGIN || key == UI_KEY_PASTE_END) {
		c->pasting = key == UI_KEY_PASTE_BEGIN;
		if (c->pasting)
			editor_paste_begin(c->ed);
		else
			editor_paste_end(c->ed);
		return 1;
	}
	if (c->pasting)
		return insert_key(c, key) || 1; /* everything pasted is text */
	c->notice = NULL;
	if (c->asking)
		return answer(c, key);
	if (key == UI_KEY_ESC) {
		size_t x, y;

		if (editor_selection(c->ed, &x, &y) || editor_anchored(c->ed)) {
			editor_select_none(c->ed);
			return 1;
		}
		if (esc)
			cancel(c);
		else
			c->esc = 1;
		return 1;
	}
	a = action_of(c, key);
	if (a != DA_NONE)
		return act(c, a);
	if ((key >= 0 && key < 0x20) || key == 0x7f)
		return 0; /* a Ctrl-letter we do not bind: the host's */
	if ((key & ~UI_MOD_ALT) >= 0x20 && (key & ~UI_MOD_ALT) < UI_KEY_BASE)
		return insert_key(c, key);
	return 0;
}

void docs_edit_draw(struct docs_edit *c, struct ui_area *area)
{
	struct docs_view_line bottom = { NULL, 0, 0, NULL, c->title };
	char k1[32], k2[32];

	if (c->asking) {
		snprintf(c->line, sizeof c->line, "%s %s", tr("docs.edit.discard"),
			 tr("prompt.yes_no"));
		bottom.text = c->line;
		bottom.warn = 1;
	} else if (c->notice) {
		bottom.text = tr(c->notice);
	} else {
		ui_key_name(c->km.keys[DA_FINISH][0], k1, sizeof k1);
		ui_key_name(c->km.keys[DA_CLOSE][0], k2, sizeof k2);
		bottom.text = trf(c->line, sizeof c->line, "docs.edit.hint", TR_S(k1), TR_S(k2));
	}
	docs_view_draw(c->ed, area, 0, &bottom);
}
