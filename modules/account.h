/*
 * account.h - what every server-backed module shares: reading its account
 * from the configuration, the `status` verb, and the account panel drawn
 * while nothing else is on screen. Mail and chat use their own section;
 * docs and sheets share [files].
 */
#ifndef ATRIUM_MODULES_ACCOUNT_H
#define ATRIUM_MODULES_ACCOUNT_H

#include "modules/module.h"

struct account {
	const struct module_env *env;
	const char *module;    /* "mail" */
	const char *section;   /* "mail", "chat", "files" */
	const char *title_key; /* "tab.mail" */
	const char *required; /* the key that makes the account configured */
	const char *who_keys[2];    /* config keys naming the user, first set wins */
	const char *server_keys[2]; /* config keys naming servers */
};

struct account *account_new(const struct module_env *env, const struct account *tmpl);
void account_free(struct account *a);
int account_configured(const struct account *a);
void account_status(const struct account *a, struct module_status *st);
/* The `status` verb: plain text or JSON. */
int account_cmd_status(const struct account *a, struct cmd_ctx *ctx);
/* Draw the account panel. */
void account_draw(const struct account *a, struct ui_area *area);

struct store;
/* The password of a section's account: `password`, else the first line
 * `password_command` prints (E_AUTH when it cannot run or fails), else the
 * vault's entry for the section (`atrium login SECTION`); *out stays NULL
 * when there is none. */
int account_password(const struct module_env *env, struct store *store, const char *section,
		     char **out, struct err *e);

/* Callbacks for a module that is (so far) its account: see ACCOUNT_MODULE. */
void account_mod_free(void *state);
void account_mod_draw(void *state, struct ui_area *area);
int account_mod_command(void *state, struct cmd_ctx *ctx, int argc, char **argv);
void account_mod_status(void *state, struct module_status *st);
extern const struct module_verb account_verbs[];

/* Define `const struct module NAME_module` from an account template. */
#define ACCOUNT_MODULE(NAME, ...)                                                  \
	static const struct account NAME##_account = { __VA_ARGS__ };              \
	static int NAME##_init(const struct module_env *env, void **state)          \
	{                                                                           \
		*state = account_new(env, &NAME##_account);                         \
		return 0;                                                           \
	}                                                                           \
	const struct module NAME##_module = {                                       \
		.name = #NAME,                                                      \
		.title_key = "tab." #NAME,                                          \
		.init = NAME##_init,                                                \
		.free = account_mod_free,                                           \
		.draw = account_mod_draw,                                           \
		.command = account_mod_command,                                     \
		.status = account_mod_status,                                       \
		.verbs = account_verbs,                                             \
	}

#endif
