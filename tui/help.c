/*
 * help.c - the help overlay (F1 or Ctrl-G): the shell's keys and the
 * current module's keys as currently bound, and the commands, in the UI
 * language.
 */
#include <stdio.h>
#include <string.h>

#include "i18n/i18n.h"
#include "tui/internal.h"

static const char *const action_help[ACT_COUNT] = {
	[ACT_TAB1] = "key.tab1",
	[ACT_TAB2] = "key.tab2",
	[ACT_TAB3] = "key.tab3",
	[ACT_TAB4] = "key.tab4",
	[ACT_TAB5] = "key.tab5",
	[ACT_TAB_NEXT] = "key.next_tab",
	[ACT_TAB_PREV] = "key.prev_tab",
	[ACT_COMMAND] = "key.command",
	[ACT_COMMAND_COLON] = "key.command_colon",
	[ACT_HELP] = "key.help",
	[ACT_QUIT] = "key.quit",
	[ACT_REDRAW] = "key.redraw",
};

static const struct {
	const char *cmd;
	const char *help;
} shell_cmds[] = {
	{ "mail | chat | docs | sheets", "cmd.module" },
	{ "MODULE VERB [ARGS]", "cmd.verb" },
	{ "help [MODULE]", "cmd.help" },
	{ "offline / online", "cmd.offline" },
	{ "config show", "cmd.config" },
	{ "version", "cmd.version" },
	{ "quit", "cmd.quit" },
};

/* Emit one help line: either count it or draw it at its row. */
struct emit {
	struct ui_area *a;
	int row;   /* next logical line */
	int scroll;
};

static void line(struct emit *em, const char *left, const char *right, enum ui_role role)
{
	int y = em->row++ - em->scroll + 2;

	if (em->a == NULL || y < 1 || y >= em->a->h - 1)
		return;
	if (right == NULL) {
		ui_puts(em->a, y, 2, left, role);
		return;
	}
	ui_put(em->a, y, 4, 28, left, strlen(left), UI_BOLD);
	ui_put(em->a, y, 34, em->a->w - 36, right, strlen(right), UI_NORMAL);
}

static void help_emit(struct emit *em, const struct tui_host *h, int current)
{
	const struct module *m = h->nmodules ? h->modules[current] : NULL;
	const struct keymap_entry *km;
	size_t n;
	char keys[64], one[24];

	line(em, tr("help.keys"), NULL, UI_TITLE);
	km = keymap_entries(&n);
	for (size_t i = 0; i < n; i++) {
		keys[0] = '\0';
		for (size_t k = 0; k < nitems(km[i].keys) && km[i].keys[k]; k++) {
			ui_key_name(km[i].keys[k], one, sizeof one);
			snprintf(keys + strlen(keys), sizeof keys - strlen(keys), "%s%s",
				 k ? ", " : "", one);
		}
		if (km[i].act >= ACT_TAB1 && km[i].act <= ACT_TAB5)
			snprintf(keys + strlen(keys), sizeof keys - strlen(keys), " / Esc %d",
				 km[i].act - ACT_TAB1 + 1);
		if (keys[0])
			line(em, keys, tr(action_help[km[i].act]), UI_NORMAL);
	}
	if (m && m->keys) {
		line(em, "", NULL, UI_NORMAL);
		line(em, tr(m->title_key), NULL, UI_TITLE);
		/* As the user bound them: the module says when [keys]
		 * changed a line's keys. */
		for (int i = 0; m->keys[i].keys; i++) {
			char label[96];
			const char *left = m->keys[i].keys;

			if (m->key_label && h->states &&
			    m->key_label(h->states[current], i, label, sizeof label))
				left = label;
			line(em, left, tr(m->keys[i].help_key), UI_NORMAL);
		}
	}
	line(em, "", NULL, UI_NORMAL);
	line(em, tr("help.commands"), NULL, UI_TITLE);
	for (size_t i = 0; i < nitems(shell_cmds); i++)
		line(em, shell_cmds[i].cmd, tr(shell_cmds[i].help), UI_NORMAL);
	if (m && m->verbs) {
		for (const struct module_verb *v = m->verbs; v->name; v++) {
			char c[96];

			snprintf(c, sizeof c, "%s %s", m->name, v->name);
			line(em, c, tr(v->help_key), UI_NORMAL);
		}
	}
}

int help_lines(const struct tui_host *h, int current)
{
	struct emit em = { NULL, 0, 0 };

	help_emit(&em, h, current);
	return em.row;
}

void help_draw(struct ui_area *a, const struct tui_host *h, int current, int scroll)
{
	struct emit em = { a, 0, scroll };
	char title[128];
	int total = help_lines(h, current);

	if (scroll > total - (a->h - 3))
		scroll = total - (a->h - 3);
	if (scroll < 0)
		scroll = 0;
	em.scroll = scroll;
	ui_clear(a, UI_NORMAL);
	ui_box(a, UI_DIM);
	const char *name = "atrium";

	if (h->nmodules)
		name = tr(h->modules[current]->title_key);
	trf(title, sizeof title, "help.title", TR_S(name));
	ui_puts(a, 0, 2, title, UI_TITLE);
	help_emit(&em, h, current);
	ui_puts(a, a->h - 1, 2, tr("help.close"), UI_DIM);
}
