/*
 * keymap.c - the docs editor's action table and [keys] rebinding
 * (keymap.h).
 */
#include <stdlib.h>
#include <string.h>

#include "modules/docs/keymap.h"
#include "tui/tui.h"

static const struct {
	const char *name; /* "docs.NAME" in [keys] */
	int keys[DOCS_ACT_KEYS];
} acts[DA_COUNT] = {
	[DA_LEFT] = { "left", { UI_KEY_LEFT } },
	[DA_RIGHT] = { "right", { UI_KEY_RIGHT } },
	[DA_UP] = { "up", { UI_KEY_UP } },
	[DA_DOWN] = { "down", { UI_KEY_DOWN } },
	[DA_HOME] = { "home", { UI_KEY_HOME } },
	[DA_END] = { "end", { UI_KEY_END } },
	[DA_PGUP] = { "page-up", { UI_KEY_PGUP } },
	[DA_PGDN] = { "page-down", { UI_KEY_PGDN } },
	[DA_TOP] = { "top", { UI_KEY_HOME | UI_MOD_ALT, '<' | UI_MOD_ALT, UI_KEY_HOME | UI_MOD_CTRL } },
	[DA_BOTTOM] = { "bottom", { UI_KEY_END | UI_MOD_ALT, '>' | UI_MOD_ALT, UI_KEY_END | UI_MOD_CTRL } },
	[DA_WORD_LEFT] = { "word-left", { 'b' | UI_MOD_ALT, UI_KEY_LEFT | UI_MOD_CTRL } },
	[DA_WORD_RIGHT] = { "word-right", { 'f' | UI_MOD_ALT, UI_KEY_RIGHT | UI_MOD_CTRL } },
	[DA_SEL_LEFT] = { "select-left", { UI_KEY_LEFT | UI_MOD_SHIFT } },
	[DA_SEL_RIGHT] = { "select-right", { UI_KEY_RIGHT | UI_MOD_SHIFT } },
	[DA_SEL_UP] = { "select-up", { UI_KEY_UP | UI_MOD_SHIFT } },
	[DA_SEL_DOWN] = { "select-down", { UI_KEY_DOWN | UI_MOD_SHIFT } },
	[DA_SEL_HOME] = { "select-home", { UI_KEY_HOME | UI_MOD_SHIFT } },
	[DA_SEL_END] = { "select-end", { UI_KEY_END | UI_MOD_SHIFT } },
	[DA_SEL_PGUP] = { "select-page-up", { UI_KEY_PGUP | UI_MOD_SHIFT } },
	[DA_SEL_PGDN] = { "select-page-down", { UI_KEY_PGDN | UI_MOD_SHIFT } },
	[DA_SEL_WORD_LEFT] = { "select-word-left", { UI_KEY_LEFT | UI_MOD_CTRL | UI_MOD_SHIFT } },
	[DA_SEL_WORD_RIGHT] = { "select-word-right", { UI_KEY_RIGHT | UI_MOD_CTRL | UI_MOD_SHIFT } },
	[DA_SEL_ALL] = { "select-all", { UI_CTRL('a') } },
	[DA_MARK] = { "mark", { DOCS_KEY_CSPACE, 'a' | UI_MOD_ALT, 0x1e /* C-^ */ } },
	[DA_BACKSPACE] = { "backspace", { UI_KEY_BACKSPACE } },
	[DA_DELETE] = { "delete", { UI_KEY_DELETE } },
	[DA_NEWLINE] = { "newline", { UI_KEY_ENTER } },
	[DA_TAB] = { "tab", { UI_KEY_TAB } },
	[DA_SAVE] = { "save", { UI_CTRL('s') } },
	[DA_FIND] = { "find", { UI_CTRL('f') } },
	[DA_REPLACE] = { "replace", { UI_CTRL('r') } },
	[DA_GOTO] = { "goto", { 'g' | UI_MOD_ALT } },
	[DA_UNDO] = { "undo", { UI_CTRL('z') } },
	[DA_REDO] = { "redo", { UI_CTRL('y') } },
	[DA_CUT] = { "cut", { UI_CTRL('x') } },
	[DA_COPY] = { "copy", { UI_CTRL('c') } },
	[DA_PASTE] = { "paste", { UI_CTRL('v') } },
	[DA_CLOSE] = { "close", { UI_CTRL('q') } },
	[DA_NEXT_BUF] = { "next-buffer", { UI_KEY_PGDN | UI_MOD_CTRL, '.' | UI_MOD_ALT } },
	[DA_PREV_BUF] = { "prev-buffer", { UI_KEY_PGUP | UI_MOD_CTRL, ',' | UI_MOD_ALT } },
	[DA_KEEP] = { "keep-recovered", { UI_CTRL('k') } },
	[DA_DISCARD] = { "discard-recovered", { UI_CTRL('d') } },
	[DA_FINISH] = { "finish", { UI_CTRL('s') } },
};

int docs_act_find(const char *name)
{
	for (int a = 0; a < DA_COUNT; a++)
		if (strcmp(acts[a].name, name) == 0)
			return a;
	return -1;
}

const int *docs_act_defaults(enum docs_act a)
{
	return acts[a].keys;
}

void docs_keymap_init(struct docs_keymap *m)
{
	for (int a = 0; a < DA_COUNT; a++)
		memcpy(m->keys[a], acts[a].keys, sizeof m->keys[a]);
}

void docs_keymap_apply(struct docs_keymap *m, const struct conf *conf)
{
	for (size_t i = 0; conf && i < conf->n; i++) {
		const struct conf_item *it = &conf->items[i];
		char *copy, *save = NULL, *tok;
		int a, n = 0;

		if (strcmp(it->section, "keys") != 0 || strncmp(it->key, "docs.", 5) != 0)
			continue;
		if ((a = docs_act_find(it->key + 5)) < 0)
			continue;
		memset(m->keys[a], 0, sizeof m->keys[a]);
		copy = xstrdup(it->value);
		for (tok = strtok_r(copy, ", ", &save); tok && n < DOCS_ACT_KEYS;
		     tok = strtok_r(NULL, ", ", &save)) {
			int k = ui_key_parse(tok);

			if (k >= 0)
				m->keys[a][n++] = k;
		}
		free(copy);
	}
}

void docs_keymap_only(struct docs_keymap *m, const enum docs_act *keep, size_t n)
{
	for (int a = 0; a < DA_COUNT; a++) {
		size_t i = 0;

		while (i < n && keep[i] != (enum docs_act)a)
			i++;
		if (i == n)
			memset(m->keys[a], 0, sizeof m->keys[a]);
	}
}

enum docs_act docs_keymap_action(const struct docs_keymap *m, int key)
{
	if (key == 0)
		key = DOCS_KEY_CSPACE;
	for (int a = 0; a < DA_COUNT; a++)
		for (int k = 0; k < DOCS_ACT_KEYS; k++)
			if (m->keys[a][k] != 0 && m->keys[a][k] == key)
				return (enum docs_act)a;
	return DA_NONE;
}
