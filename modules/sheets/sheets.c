/*
 * sheets.c - the sheets module: the spreadsheet. The tab shows the grid
 * (grid.c), an empty untitled sheet until a file is opened; keys here map
 * to the grid. The [files] account (workbooks on the team share) still
 * answers `status`; the file verbs (convert, get, set) and the grid's
 * (open, save, goto) are in cmd.c.
 */
#include <stdlib.h>
#include <string.h>

#include "i18n/i18n.h"
#include "modules/account.h"
#include "modules/sheets/grid.h"
#include "modules/sheets/io.h"
#include "tui/tui.h"

struct sheets {
	const struct module_env *env;
	struct account *acct;
	struct grid *grid;
	int pasting; /* between UI_KEY_PASTE_BEGIN and _END */
};

static const struct account sheets_account = {
	.module = "sheets",
	.section = "files",
	.title_key = "tab.sheets",
	.required = "url",
	.who_keys = { "user" },
	.server_keys = { "url" },
};

static int sheets_init(const struct module_env *env, void **state)
{
	struct sheets *s = xcalloc(1, sizeof *s);

	s->env = env;
	s->acct = account_new(env, &sheets_account);
	s->grid = grid_new();
	*state = s;
	return 0;
}

static void sheets_free(void *state)
{
	struct sheets *s = state;

	if (s == NULL)
		return;
	grid_free(s->grid);
	account_free(s->acct);
	free(s);
}

static void sheets_draw(void *state, struct ui_area *area)
{
	struct sheets *s = state;

	grid_draw(s->grid, area);
}

static void say(struct sheets *s, const char *text)
{
	if (s->env->message)
		s->env->message(s->env->host, text);
}

/* Commit what is being entered; a formula that does not parse is said and
 * entering goes on. Returns 0 when committed. */
static int commit(struct sheets *s)
{
	struct err pe;
	uint32_t row, col;
	char addr[24], name[8], t[700];
	int rc;

	err_clear(&pe);
	rc = grid_edit_commit(s->grid, &pe);
	if (rc != 0) {
		grid_cursor(s->grid, &row, &col);
		sheet_col_name(col, name, sizeof name);
		snprintf(addr, sizeof addr, "%s%u", name, (unsigned)row + 1);
		say(s, trf(t, sizeof t, "err.sheets.formula", TR_S(addr), TR_S(pe.msg)));
	}
	return rc;
}

static void save_key(struct sheets *s)
{
	const char *path = grid_path(s->grid);
	struct err e;
	char t[600];

	if (path == NULL) {
		say(s, tr("sheets.err.no_name"));
		return;
	}
	err_clear(&e);
	if (sheet_path_save(path, grid_file(s->grid), 0, &e) != 0) {
		say(s, e.msg);
		return;
	}
	grid_saved(s->grid, path);
	say(s, trf(t, sizeof t, "sheets.saved", TR_S(path)));
}

/* A printable key as text for the cell being entered. */
static int type_key(struct sheets *s, int key)
{
	char u[8];

	if (key < 0x20 || key == 0x7f || key >= UI_KEY_BASE)
		return 0;
	if (key >= 0x80 && key < 0xa0)
		return 0;
	grid_edit_insert(s->grid, u, utf8_encode((unsigned)key, u));
	return 1;
}

static int key_editing(struct sheets *s, int key)
{
	struct grid *g = s->grid;

	switch (key) {
	case UI_KEY_ESC: grid_edit_cancel(g); return 1;
	case UI_KEY_BACKSPACE: grid_edit_backspace(g); return 1;
	case UI_KEY_ENTER:
		if (commit(s) == 0)
			grid_move(g, GRID_DOWN);
		return 1;
	case UI_KEY_TAB:
		if (commit(s) == 0)
			grid_move(g, GRID_RIGHT);
		return 1;
	case UI_KEY_BTAB:
		if (commit(s) == 0)
			grid_move(g, GRID_LEFT);
		return 1;
	/* Arrows commit and move, as in Excel's Enter mode. */
	case UI_KEY_UP:
		if (commit(s) == 0)
			grid_move(g, GRID_UP);
		return 1;
	case UI_KEY_DOWN:
		if (commit(s) == 0)
			grid_move(g, GRID_DOWN);
		return 1;
	case UI_KEY_LEFT:
		if (commit(s) == 0)
			grid_move(g, GRID_LEFT);
		return 1;
	case UI_KEY_RIGHT:
		if (commit(s) == 0)
			grid_move(g, GRID_RIGHT);
		return 1;
	case UI_CTRL('s'):
		if (commit(s) == 0)
			save_key(s);
		return 1;
	case UI_CTRL('z'): grid_edit_cancel(g); return 1;
	}
	if (key & UI_MOD_ALT)
		return 0; /* Alt-digits switch tabs */
	return type_key(s, key) || (key < 0x20 && key != UI_KEY_NONE) || key == 0x7f;
}

static int sheets_key(void *state, int key)
{
	struct sheets *s = state;
	struct grid *g = s->grid;

	if (key == UI_KEY_PASTE_BEGIN || key == UI_KEY_PASTE_END) {
		s->pasting = key == UI_KEY_PASTE_BEGIN;
		return 1;
	}
	if (s->pasting) {
		/* Pasted text goes into the cell; line ends and controls do not. */
		type_key(s, key & ~UI_MOD_ALT);
		return 1;
	}
	if (grid_editing(g))
		return key_editing(s, key);
	switch (key) {
	case UI_KEY_UP: grid_move(g, GRID_UP); return 1;
	case UI_KEY_DOWN:
	case UI_KEY_ENTER: grid_move(g, GRID_DOWN); return 1;
	case UI_KEY_LEFT:
	case UI_KEY_BTAB: grid_move(g, GRID_LEFT); return 1;
	case UI_KEY_RIGHT:
	case UI_KEY_TAB: grid_move(g, GRID_RIGHT); return 1;
	case UI_KEY_PGUP: grid_move(g, GRID_PGUP); return 1;
	case UI_KEY_PGDN: grid_move(g, GRID_PGDN); return 1;
	case UI_KEY_HOME: grid_move(g, GRID_HOME); return 1;
	case UI_KEY_F1 + 1: grid_edit_begin(g, 1); return 1;
	case UI_KEY_DELETE:
	case UI_KEY_BACKSPACE: grid_clear_cell(g); return 1;
	case UI_CTRL('s'): save_key(s); return 1;
	case UI_CTRL('z'):
		if (grid_undo(g) != 0)
			say(s, tr("sheets.nothing_undo"));
		return 1;
	case UI_CTRL('y'):
		if (grid_redo(g) != 0)
			say(s, tr("sheets.nothing_redo"));
		return 1;
	}
	if (key & UI_MOD_ALT)
		return 0;
	return type_key(s, key);
}

static int sheets_taking_text(void *state)
{
	struct sheets *s = state;

	return grid_editing(s->grid);
}

static int sheets_command(void *state, struct cmd_ctx *ctx, int argc, char **argv)
{
	struct sheets *s = state;

	if (strcmp(argv[0], "status") == 0)
		return account_mod_command(s->acct, ctx, argc, argv);
	if (sheet_cmd_is_grid(argv[0]))
		return sheet_cmd_grid(s->grid, ctx, argc, argv);
	return sheet_cmd(ctx, argc, argv);
}

static void sheets_status(void *state, struct module_status *st)
{
	struct sheets *s = state;

	account_mod_status(s->acct, st);
}

static int sheets_unsaved(void *state)
{
	struct sheets *s = state;

	return grid_modified(s->grid);
}

static const struct module_key sheets_keys[] = {
	{ "Left / Right / Up / Down", "key.sheets.move" },
	{ "PgUp / PgDn", "key.sheets.page" },
	{ "Home", "key.sheets.home" },
	{ "Enter / Tab / S-Tab", "key.sheets.next" },
	{ "F2", "key.sheets.edit" },
	{ "Esc", "key.sheets.cancel" },
	{ "Delete", "key.sheets.clear" },
	{ "C-s", "key.sheets.save" },
	{ "C-z", "key.sheets.undo" },
	{ "C-y", "key.sheets.redo" },
	{ NULL, NULL },
};

const struct module sheets_module = {
	.name = "sheets",
	.title_key = "tab.sheets",
	.init = sheets_init,
	.free = sheets_free,
	.draw = sheets_draw,
	.key = sheets_key,
	.taking_text = sheets_taking_text,
	.command = sheets_command,
	.status = sheets_status,
	.unsaved = sheets_unsaved,
	.verbs = sheet_verbs,
	.keys = sheets_keys,
};
