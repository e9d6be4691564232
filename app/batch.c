/*
 * batch.c - every action as a command: `atrium MODULE VERB [ARGS]`, the
 * program's own verbs (help, version, config), `atrium -b FILE`, and the
 * documented exit codes (docs/batch.md). The TUI's command line runs
 * through the same dispatcher, so the two can never drift apart.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app/app.h"
#include "modules/module.h"

int batch_exit_code(int rc)
{
	switch (rc) {
	case E_OK: return 0;
	case E_USAGE: return 1;
	case E_NOTFOUND: return 2;
	case E_QUEUED: return 3;
	case E_AUTH:
	case E_TLS: return 4;
	case E_CONFLICT: return 5;
	case E_LOCKED: return 6;
	case E_UNREACHABLE: return 7;
	case E_CANCELLED: return 9;
	}
	return 8; /* a local failure: I/O, permissions, malformed data */
}

static const char *kind_name(int rc)
{
	switch (rc) {
	case E_USAGE: return "usage";
	case E_NOTFOUND: return "not-found";
	case E_QUEUED: return "queued";
	case E_AUTH: return "auth";
	case E_TLS: return "tls";
	case E_CONFLICT: return "conflict";
	case E_LOCKED: return "locked";
	case E_UNREACHABLE: return "unreachable";
	case E_CANCELLED: return "cancelled";
	}
	return "local";
}

/* ---- modules ---------------------------------------------------------------- */

static void host_redraw(void *host)
{
	(void)host;
}

static void host_message(void *host, const char *text)
{
	(void)host;
	fprintf(stderr, "atrium: %s\n", text);
}

static struct module_env batch_env;

/* The module's index in module_table, initialising it on first use. */
static int module_ready(struct app *a, const struct module *m, struct err *e)
{
	for (int i = 0; i < module_count; i++) {
		if (module_table[i] != m)
			continue;
		if (a->mod_state[i] == NULL && m->init) {
			int rc = m->init(&batch_env, &a->mod_state[i]);

			if (rc != 0)
				return err_tr(e, rc, "err.module_start", TR_S(m->name));
		}
		return i;
	}
	return err_set(e, E_INTERNAL, "module %s is not registered", m->name);
}

int app_init_modules(struct app *a, int batch, struct err *e)
{
	a->mod_state = xcalloc((size_t)module_count + 1, sizeof *a->mod_state);
	batch_env = (struct module_env){
		.loop = a->loop,
		.conf = &a->conf,
		.home = a->home,
		.offline = a->offline,
		.batch = batch,
		.host = a,
		.redraw = host_redraw,
		.message = host_message,
	};
	return 0;
}

struct module_env *app_env(void)
{
	return &batch_env;
}

void app_free_modules(struct app *a)
{
	if (a->mod_state == NULL)
		return;
	for (int i = 0; i < module_count; i++)
		if (a->mod_state[i] && module_table[i]->free)
			module_table[i]->free(a->mod_state[i]);
	free(a->mod_state);
	a->mod_state = NULL;
}

/* ---- the program's own verbs ---------------------------------------------------- */

static void print_help(struct app *a, FILE *out, const struct module *only)
{
	if (only == NULL) {
		fputs(tr("usage.text"), out);
		fputc('\n', out);
		fprintf(out, "\n%s\n", tr("help.program"));
		for (const struct app_verb *v = app_verbs; v->name; v++)
			fprintf(out, "  atrium %s%s%s\n      %s\n", v->name, v->args[0] ? " " : "",
				v->args, tr(v->help_key));
	}
	for (int i = 0; i < module_count; i++) {
		const struct module *m = module_table[i];

		if (only && m != only)
			continue;
		if (config_module_disabled(&a->conf, m->name))
			continue;
		fprintf(out, "\n%s (%s)\n", tr(m->title_key), m->name);
		for (const struct module_verb *v = m->verbs; v && v->name; v++)
			fprintf(out, "  atrium %s %s%s%s\n      %s\n", m->name, v->name,
				v->args[0] ? " " : "", v->args, tr(v->help_key));
	}
}

static int cmd_help(struct app *a, struct cmd_ctx *ctx, int argc, char **argv)
{
	const struct module *m = NULL;

	if (argc > 2)
		return err_tr(ctx->err, E_USAGE, "err.usage", TR_S("atrium help [MODULE]"));
	if (argc == 2 && (m = module_find(argv[1])) == NULL)
		return err_tr(ctx->err, E_USAGE, "err.no_module", TR_S(argv[1]));
	if (ctx->json) {
		json_obj_begin(ctx->json);
		json_key(ctx->json, "modules");
		json_arr_begin(ctx->json);
		for (int i = 0; i < module_count; i++) {
			const struct module *mm = module_table[i];

			if ((m && mm != m) || config_module_disabled(&a->conf, mm->name))
				continue;
			json_obj_begin(ctx->json);
			json_key(ctx->json, "name");
			json_str(ctx->json, mm->name);
			json_key(ctx->json, "verbs");
			json_arr_begin(ctx->json);
			for (const struct module_verb *v = mm->verbs; v && v->name; v++) {
				json_obj_begin(ctx->json);
				json_key(ctx->json, "name");
				json_str(ctx->json, v->name);
				json_key(ctx->json, "args");
				json_str(ctx->json, v->args);
				json_key(ctx->json, "help");
				json_str(ctx->json, tr(v->help_key));
				json_obj_end(ctx->json);
			}
			json_arr_end(ctx->json);
			json_obj_end(ctx->json);
		}
		json_arr_end(ctx->json);
		json_obj_end(ctx->json);
		return 0;
	}
	print_help(a, ctx->out, m);
	return 0;
}

static void print_version(FILE *out, struct json *j)
{
	if (j) {
		json_obj_begin(j);
		json_key(j, "version");
		json_str(j, ATRIUM_VERSION);
		json_key(j, "modules");
		json_arr_begin(j);
		for (int i = 0; i < module_count; i++)
			json_str(j, module_table[i]->name);
		json_arr_end(j);
		json_obj_end(j);
		return;
	}
	fprintf(out, "atrium %s (", ATRIUM_VERSION);
	for (int i = 0; i < module_count; i++)
		fprintf(out, "%s%s", i ? " " : "", module_table[i]->name);
	fputs(")\n", out);
}

static int is_secret(const char *key)
{
	return strcmp(key, "password") == 0;
}

static int cmd_config(struct app *a, struct cmd_ctx *ctx, int argc, char **argv)
{
	const char *what = argc > 1 ? argv[1] : "show";

	if (argc > 2 || (strcmp(what, "show") && strcmp(what, "check")))
		return err_tr(ctx->err, E_USAGE, "err.usage", TR_S("atrium config [show|check]"));
	if (strcmp(what, "check") == 0) {
		/* Loading already validated everything; report the warnings. */
		if (ctx->json) {
			json_obj_begin(ctx->json);
			json_key(ctx->json, "ok");
			json_bool(ctx->json, 1);
			json_key(ctx->json, "warnings");
			json_arr_begin(ctx->json);
			for (size_t i = 0; i < a->warnings.n; i++)
				json_str(ctx->json, a->warnings.msgs[i]);
			json_arr_end(ctx->json);
			json_obj_end(ctx->json);
			return 0;
		}
		for (size_t i = 0; i < a->warnings.n; i++) {
			char t[1024];

			fprintf(ctx->out, "%s\n",
				trf(t, sizeof t, "msg.warning", TR_S(a->warnings.msgs[i])));
		}
		fprintf(ctx->out, "%s\n", tr("config.ok"));
		return 0;
	}
	if (ctx->json) {
		json_obj_begin(ctx->json);
		json_key(ctx->json, "settings");
		json_arr_begin(ctx->json);
	}
	for (size_t i = 0; i < a->conf.n; i++) {
		const struct conf_item *it = &a->conf.items[i];
		const char *v = is_secret(it->key) ? "********" : it->value;

		if (ctx->json) {
			json_obj_begin(ctx->json);
			json_key(ctx->json, "section");
			json_str(ctx->json, it->section);
			json_key(ctx->json, "key");
			json_str(ctx->json, it->key);
			json_key(ctx->json, "value");
			json_str(ctx->json, v);
			json_key(ctx->json, "file");
			json_str(ctx->json, it->file);
			json_key(ctx->json, "line");
			json_int(ctx->json, it->line);
			json_key(ctx->json, "policy");
			json_bool(ctx->json, it->locked);
			json_obj_end(ctx->json);
		} else {
			fprintf(ctx->out, "%s%s%s = %s    # %s:%d%s\n", it->section,
				it->section[0] ? "." : "", it->key, v, it->file, it->line,
				it->locked ? tr("config.policy") : "");
		}
	}
	if (ctx->json) {
		json_arr_end(ctx->json);
		json_obj_end(ctx->json);
	}
	return 0;
}

/* ---- dispatch ---------------------------------------------------------------- */

/* Check a command line without running it: usage errors are reported
 * before anything is opened. Sets *mod for module verbs. */
static int batch_check(struct app *a, int argc, char **argv, const struct module **mod,
		       struct err *e)
{
	const struct module *m;
	const struct module_verb *v;
	const struct app_verb *av;

	*mod = NULL;
	if (argc == 0)
		return err_set(e, E_USAGE, "%s", tr("err.no_command"));
	if (!strcmp(argv[0], "help") || !strcmp(argv[0], "version") ||
	    !strcmp(argv[0], "config"))
		return 0;
	if ((av = app_verb_find(argv[0])) != NULL) {
		if (argc - 1 < av->min_args || argc - 1 > av->max_args) {
			char use[160];

			snprintf(use, sizeof use, "atrium %s %s", av->name, av->args);
			return err_tr(e, E_USAGE, "err.usage", TR_S(use));
		}
		return 0;
	}
	m = module_find(argv[0]);
	if (m == NULL) {
		static const char *const known[] = { "mail", "chat", "docs", "sheets" };

		for (size_t i = 0; i < nitems(known); i++)
			if (strcmp(argv[0], known[i]) == 0)
				return err_tr(e, E_USAGE, "err.not_built", TR_S(argv[0]));
		return err_tr(e, E_USAGE, "err.unknown_command", TR_S(argv[0]));
	}
	if (config_module_disabled(&a->conf, m->name))
		return err_tr(e, E_PERM, "err.disabled", TR_S(m->name),
			      TR_S(conf_find(&a->conf, "", "disabled_modules")->file));
	if (argc < 2)
		return err_tr(e, E_USAGE, "err.module_usage", TR_S(m->name));
	for (v = m->verbs; v && v->name; v++)
		if (strcmp(v->name, argv[1]) == 0)
			break;
	if (v == NULL || v->name == NULL)
		return err_tr(e, E_USAGE, "err.unknown_verb", TR_S(argv[1]), TR_S(m->name));
	*mod = m;
	return 0;
}

/* Run with output to `out`; json may be NULL. */
static int dispatch(struct app *a, int argc, char **argv, FILE *out, struct json *json,
		    int interactive, struct err *e)
{
	struct cmd_ctx ctx = { out, interactive ? NULL : stdin, json, interactive, e,
			       interactive ? a->ask_secret : app_read_secret,
			       interactive ? a->confirm : NULL };
	const struct module *m;
	const struct app_verb *av;
	int rc, i;

	rc = batch_check(a, argc, argv, &m, e);
	if (rc != 0)
		return rc;
	if (strcmp(argv[0], "help") == 0)
		return cmd_help(a, &ctx, argc, argv);
	if (strcmp(argv[0], "version") == 0) {
		if (argc != 1)
			return err_tr(e, E_USAGE, "err.usage", TR_S("atrium version"));
		print_version(out, json);
		return 0;
	}
	if (strcmp(argv[0], "config") == 0)
		return cmd_config(a, &ctx, argc, argv);
	if ((av = app_verb_find(argv[0])) != NULL) {
		if (av->needs_store && (rc = app_store_open(a, e)) != 0)
			return rc;
		return av->run(a, &ctx, argc, argv);
	}
	/* Every module reads and writes through the store. */
	if ((rc = app_store_open(a, e)) != 0)
		return rc;
	i = module_ready(a, m, e);
	if (i < 0)
		return i;
	return m->command(a->mod_state[i], &ctx, argc - 1, argv + 1);
}

int app_command(void *arg, int argc, char **argv, FILE *out, struct err *e)
{
	return dispatch(arg, argc, argv, out, NULL, 1, e);
}

int batch_run(struct app *a, int argc, char **argv)
{
	struct json j, *jp = NULL;
	struct err e;
	int rc;

	err_clear(&e);
	if (a->json) {
		json_init(&j, stdout, 0);
		jp = &j;
	}
	rc = dispatch(a, argc, argv, stdout, jp, 0, &e);
	if (rc != 0 && rc != E_QUEUED) {
		fprintf(stderr, "atrium: %s\n", e.msg[0] ? e.msg : err_name(rc));
		if (jp) {
			/* A script reading --json output always gets a document. */
			json_init(&j, stdout, 0);
			json_obj_begin(&j);
			json_key(&j, "error");
			json_obj_begin(&j);
			json_key(&j, "exit");
			json_int(&j, batch_exit_code(rc));
			json_key(&j, "kind");
			json_str(&j, kind_name(rc));
			json_key(&j, "message");
			json_str(&j, e.msg);
			json_obj_end(&j);
			json_obj_end(&j);
		}
	} else if (rc == E_QUEUED && e.msg[0]) {
		fprintf(stderr, "atrium: %s\n", e.msg);
	}
	if (jp)
		json_end(jp);
	fflush(stdout);
	return batch_exit_code(rc);
}

int batch_run_file(struct app *a, const char *path, int keep_going)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	int lineno = 0, first_fail = 0;

	if (f == NULL) {
		fprintf(stderr, "atrium: %s: %s\n", path, strerror(errno));
		return batch_exit_code(errno == ENOENT ? E_NOTFOUND : E_IO);
	}
	while (getline(&line, &cap, f) >= 0) {
		struct err e;
		char **argv;
		int argc, code;

		lineno++;
		err_clear(&e);
		if (argv_split(line, &argc, &argv, &e) != 0) {
			fprintf(stderr, "atrium: %s:%d: %s\n", path, lineno, tr("err.quote"));
			code = batch_exit_code(E_USAGE);
		} else if (argc == 0) {
			argv_free(argc, argv);
			continue;
		} else {
			code = batch_run(a, argc, argv);
			if (code != 0 && code != 3) {
				char t[600], ln[16], cd[16];

				snprintf(ln, sizeof ln, "%d", lineno);
				snprintf(cd, sizeof cd, "%d", code);
				fprintf(stderr, "atrium: %s\n",
					trf(t, sizeof t, "err.batch_line", TR_S(path), TR_S(ln),
					    TR_S(cd)));
			}
			argv_free(argc, argv);
		}
		if (code != 0 && code != 3 && first_fail == 0)
			first_fail = code;
		if (first_fail && !keep_going)
			break;
	}
	free(line);
	if (f != stdin)
		fclose(f);
	return first_fail;
}
