/*
 * keymap.c - the shell's actions and the keys bound to them. Defaults are
 * documented in docs/keys.md; `[keys]` in the config rebinds them:
 *     [keys]
 *     help = F2
 *     command = C-o, M-x
 */
#include <stdlib.h>
#include <string.h>

#include "tui/internal.h"

static struct keymap_entry map[] = {
	{ "tab1", ACT_TAB1, { '1' | UI_MOD_ALT } },
	{ "tab2", ACT_TAB2, { '2' | UI_MOD_ALT } },
	{ "tab3", ACT_TAB3, { '3' | UI_MOD_ALT } },
	{ "tab4", ACT_TAB4, { '4' | UI_MOD_ALT } },
	{ "tab5", ACT_TAB5, { '5' | UI_MOD_ALT } },
	{ "next-tab", ACT_TAB_NEXT, { UI_KEY_RIGHT | UI_MOD_ALT } },
	{ "prev-tab", ACT_TAB_PREV, { UI_KEY_LEFT | UI_MOD_ALT } },
	{ "command", ACT_COMMAND, { UI_CTRL('e') } },
	{ "command-colon", ACT_COMMAND_COLON, { ':' } },
	{ "help", ACT_HELP, { UI_KEY_F1, UI_CTRL('g') } },
	{ "quit", ACT_QUIT, { UI_CTRL('q') } },
	{ "redraw", ACT_REDRAW, { UI_CTRL('l') } },
};

/* Keys a module binds itself: "MODULE.ACTION" ("sheets.next-sheet"). */
static int module_key_name(const char *name)
{
	const char *dot = strchr(name, '.');

	if (dot == NULL || dot == name || dot[1] == '\0')
		return 0;
	for (const char *p = name; p < dot; p++)
		if (*p < 'a' || *p > 'z')
			return 0;
	return 1;
}

/* Whether a module binds "MODULE.ACTION": an unknown module, or an action
 * its module does not have, is a mistake to report at start. */
static int module_key_known(const char *name)
{
	const char *dot = strchr(name, '.');
	char mod[32];
	const struct module *m;

	if ((size_t)(dot - name) >= sizeof mod)
		return 0;
	memcpy(mod, name, (size_t)(dot - name));
	mod[dot - name] = '\0';
	m = module_find(mod);
	return m && m->key_action && m->key_action(dot + 1);
}

/* The defaults, to reset between loads (tests load several configs). */
static struct keymap_entry defaults[nitems(map)];
static int saved;

int keymap_load(const struct conf *conf, struct err *e)
{
	if (!saved) {
		memcpy(defaults, map, sizeof map);
		saved = 1;
	}
	memcpy(map, defaults, sizeof map);
	for (size_t i = 0; conf && i < conf->n; i++) {
		const struct conf_item *it = &conf->items[i];
		struct keymap_entry *ent = NULL;
		char *copy, *save = NULL, *tok;
		int n = 0;

		if (strcmp(it->section, "keys") != 0)
			continue;
		for (size_t k = 0; k < nitems(map); k++)
			if (strcmp(map[k].name, it->key) == 0)
				ent = &map[k];
		char pos[300];

		snprintf(pos, sizeof pos, "%s:%d", it->file, it->line);
		if (ent == NULL && module_key_name(it->key)) {
			/* A module's key ("sheets.next-sheet"): the module binds
			 * it; the names are checked here, at start. */
			if (!module_key_known(it->key))
				return err_tr(e, E_USAGE, "err.keys.action", TR_S(pos),
					      TR_S(it->key));
			copy = xstrdup(it->value);
			for (tok = strtok_r(copy, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save)) {
				if (ui_key_parse(tok) < 0) {
					int rc = err_tr(e, E_USAGE, "err.keys.name", TR_S(pos),
							TR_S(it->key), TR_S(tok));

					free(copy);
					return rc;
				}
			}
			free(copy);
			continue;
		}
		if (ent == NULL)
			return err_tr(e, E_USAGE, "err.keys.action", TR_S(pos), TR_S(it->key));
		memset(ent->keys, 0, sizeof ent->keys);
		copy = xstrdup(it->value);
		for (tok = strtok_r(copy, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save)) {
			int key = ui_key_parse(tok);

			if (key < 0 || n == (int)nitems(ent->keys)) {
				int rc;

				if (key < 0)
					rc = err_tr(e, E_USAGE, "err.keys.name", TR_S(pos),
						    TR_S(it->key), TR_S(tok));
				else
					rc = err_tr(e, E_USAGE, "err.keys.too_many", TR_S(pos),
						    TR_S(it->key), TR_N(nitems(ent->keys)));
				free(copy);
				return rc;
			}
			ent->keys[n++] = key;
		}
		free(copy);
	}
	return 0;
}

enum shell_action keymap_lookup(int key)
{
	for (size_t i = 0; i < nitems(map); i++)
		for (size_t k = 0; k < nitems(map[i].keys); k++)
			if (map[i].keys[k] != 0 && map[i].keys[k] == key)
				return map[i].act;
	return ACT_NONE;
}

const struct keymap_entry *keymap_entries(size_t *n)
{
	*n = nitems(map);
	return map;
}

int tui_keys_check(const struct conf *conf, struct err *e)
{
	return keymap_load(conf, e);
}
