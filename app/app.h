/*
 * app.h - the program's assembly: options, configuration and policy,
 * the batch front end. Only app/ and tests include this.
 */
#ifndef ATRIUM_APP_H
#define ATRIUM_APP_H

#include "core/core.h"
#include "i18n/i18n.h"

#define ATRIUM_POLICY_PATH "/etc/atrium/policy"

/* Global options: they may stand anywhere after `atrium`. */
struct app_opts {
	const char *config;   /* --config FILE */
	const char *home;     /* --home DIR */
	const char *lang;     /* --lang en|zh_Hans */
	const char *key_file; /* --key-file FILE */
	const char *batch_file; /* -b FILE */
	int keep_going;       /* -k */
	int offline;          /* --offline */
	int json;             /* --json */
	int version, help;
	int argc;             /* what is left: MODULE VERB ARGS */
	char **argv;          /* malloc'd array of pointers into the real argv */
};

/* Parse argv; on a usage error fill e and return E_USAGE. */
int app_parse_opts(int argc, char **argv, struct app_opts *o, struct err *e);
void app_opts_free(struct app_opts *o);

/* ---- configuration ------------------------------------------------------ */

/* A warning produced while loading (e.g. a value overridden by policy). */
struct config_warnings {
	char **msgs;
	size_t n;
};

/*
 * Load the user's file (if user_path is NULL, the default path, which may
 * be missing) and the policy file (may be missing) into `out`, validate
 * every key, and apply the policy over the user's values. Errors name the
 * file, line and key.
 */
int config_load(struct conf *out, const char *user_path, int user_path_explicit,
		const char *policy_path, struct config_warnings *w, struct err *e);
/* Validate one parsed file's keys (exposed for tests and the fuzzer). */
int config_validate(const struct conf *c, int is_policy, int private_file, struct err *e);
/* Apply command-line options over the loaded configuration (policy still
 * wins where it locks a key). */
int config_apply_opts(struct conf *c, const struct app_opts *o, struct config_warnings *w,
		      struct err *e);
void config_warnings_free(struct config_warnings *w);
/* The default user config path ($XDG_CONFIG_HOME/atrium/config). */
char *config_default_path(void);
/* The state directory: --home, else $XDG_DATA_HOME/atrium. */
char *config_default_home(void);
/* True if `module` is disabled by disabled_modules. */
int config_module_disabled(const struct conf *c, const char *module);

/* ---- batch mode ------------------------------------------------------------ */

/* Map an E_* code to the documented exit code (docs/batch.md). */
int batch_exit_code(int rc);
struct app;
/* Run one command line (MODULE VERB ARGS or an app verb). */
int batch_run(struct app *a, int argc, char **argv);
/* Run a file of command lines (-b FILE). */
int batch_run_file(struct app *a, const char *path, int keep_going);
/* The TUI's command callback: the same dispatcher, output to `out`. */
int app_command(void *arg, int argc, char **argv, FILE *out, struct err *e);
struct module_env *app_env(void);

/* ---- the assembled program -------------------------------------------------- */

struct store;
struct store_key;

struct app {
	struct app_opts opts;
	struct conf conf;
	struct config_warnings warnings;
	char *home;
	struct loop *loop;
	void **mod_state; /* per module_table entry */
	struct store *store;  /* opened when a verb needs it */
	struct store_key *key;
	/* How the command line asks for secrets (the screen's prompt). */
	int (*ask_secret)(const char *prompt, int confirm, char *buf, size_t len, struct err *e);
	int (*confirm)(const char *question);
	int json;
	int offline;
};

/* The program's own verbs (verbs.c), beside help, version and config. */
struct cmd_ctx;
struct app_verb {
	const char *name;
	const char *args;     /* for help: "FILE" */
	const char *help_key;
	int min_args, max_args; /* after the verb */
	int needs_store;
	int (*run)(struct app *a, struct cmd_ctx *ctx, int argc, char **argv);
};
extern const struct app_verb app_verbs[];
const struct app_verb *app_verb_find(const char *name);

/* unlock.c: the key without asking (keyring, key file; a fresh home with a
 * key file is set up), E_LOCKED with advice otherwise. */
int app_key_quiet(struct app *a, struct store_key **k, struct err *e);
char *app_key_file(struct app *a);
int app_store_open(struct app *a, struct err *e);
/* Open with a key obtained otherwise (the screen's prompt); takes k. */
int app_store_open_with(struct app *a, struct store_key *k, struct err *e);
void app_store_close(struct app *a);
/* The screen's side: ask for the passphrase at start (tui_host.on_start),
 * and secrets for the command line's verbs. */
void app_tui_unlock(void *arg);
int app_tui_secret(const char *prompt, int confirm, char *buf, size_t len, struct err *e);
int app_tui_confirm(const char *question);
/* A secret from the terminal without echo, or a line of stdin. */
int app_read_secret(const char *prompt, int confirm, char *buf, size_t len, struct err *e);

int app_init_modules(struct app *a, int batch, struct err *e);
void app_free_modules(struct app *a);

#endif
