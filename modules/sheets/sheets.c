/*
 * sheets.c - the sheets module: the spreadsheet, with workbooks on the team
 * share. The view is still the [files] account panel and `status` the
 * account's; the file verbs (convert, get, set) are in cmd.c.
 */
#include <string.h>

#include "modules/account.h"
#include "modules/sheets/io.h"

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
	*state = account_new(env, &sheets_account);
	return 0;
}

static int sheets_command(void *state, struct cmd_ctx *ctx, int argc, char **argv)
{
	if (strcmp(argv[0], "status") == 0)
		return account_mod_command(state, ctx, argc, argv);
	return sheet_cmd(ctx, argc, argv);
}

const struct module sheets_module = {
	.name = "sheets",
	.title_key = "tab.sheets",
	.init = sheets_init,
	.free = account_mod_free,
	.draw = account_mod_draw,
	.command = sheets_command,
	.status = account_mod_status,
	.verbs = sheet_verbs,
};
