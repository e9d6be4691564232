/*
 * keymap.h - the docs editor's actions and their keys, one table for the
 * docs tab (docs.c) and the editor component (component.c, docs.h), so a
 * "docs.ACTION = KEYS" line in [keys] means the same in both. Each user
 * leaves unbound (docs_keymap_only) the actions it does not have: the
 * component has no files or buffers, the tab no "finish".
 */
#ifndef ATRIUM_DOCS_KEYMAP_H
#define ATRIUM_DOCS_KEYMAP_H

#include "core/core.h"

enum docs_act {
	DA_NONE = -1,
	DA_LEFT, DA_RIGHT, DA_UP, DA_DOWN, DA_HOME, DA_END, DA_PGUP, DA_PGDN,
	DA_TOP, DA_BOTTOM, DA_WORD_LEFT, DA_WORD_RIGHT,
	DA_SEL_LEFT, DA_SEL_RIGHT, DA_SEL_UP, DA_SEL_DOWN, DA_SEL_HOME, DA_SEL_END,
	DA_SEL_PGUP, DA_SEL_PGDN, DA_SEL_WORD_LEFT, DA_SEL_WORD_RIGHT, DA_SEL_ALL, DA_MARK,
	DA_BACKSPACE, DA_DELETE, DA_NEWLINE, DA_TAB,
	DA_SAVE, DA_FIND, DA_REPLACE, DA_GOTO, DA_UNDO, DA_REDO,
	DA_CUT, DA_COPY, DA_PASTE, DA_CLOSE, DA_NEXT_BUF, DA_PREV_BUF,
	DA_KEEP, DA_DISCARD,
	DA_FINISH, /* the component's (docs.h); the tab saves with Ctrl-S */
	DA_COUNT
};

#define DOCS_ACT_KEYS 4
/* Ctrl-Space arrives as NUL, which the tables cannot hold: it is this. */
#define DOCS_KEY_CSPACE (' ' | UI_MOD_CTRL)

struct docs_keymap {
	int keys[DA_COUNT][DOCS_ACT_KEYS]; /* 0: no key */
};

/* "left", "select-all", ...; -1 for a name that is no action. */
int docs_act_find(const char *name);
/* The action's default keys (DOCS_ACT_KEYS of them, 0 for none). */
const int *docs_act_defaults(enum docs_act a);
/* Every action on its default keys. */
void docs_keymap_init(struct docs_keymap *m);
/* Rebind each action named by a "docs.ACTION = KEYS" line of conf's
 * [keys]; the others keep their keys (the shell has checked the names at
 * start; unknown ones are skipped here). */
void docs_keymap_apply(struct docs_keymap *m, const struct conf *conf);
/* Unbind every action except those in acts[0..n). */
void docs_keymap_only(struct docs_keymap *m, const enum docs_act *acts, size_t n);
/* The action a key is bound to (first in table order), or DA_NONE. */
enum docs_act docs_keymap_action(const struct docs_keymap *m, int key);

#endif
