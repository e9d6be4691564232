/*
 * main.c - atrium: one program, four modules (mail, chat, docs, sheets).
 * With no command it opens the screen; with MODULE VERB it runs a batch
 * command; -b FILE runs a file of them. Everything is assembled here:
 * options, configuration and policy, language, the state directory, the
 * log, the loop and the modules.
 */
#include <errno.h>
#include <locale.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "app/app.h"
#include "modules/module.h"
#include "store/store.h"
#include "tui/tui.h"

/*
 * Only the character type comes from the environment: curses needs it for
 * wide characters. Collation, numbers and dates are ICU's (i18n/), and
 * LC_NUMERIC must stay "C" so --json and logs write 0.5, never 0,5.
 * setlocale fails when LANG names a locale the host has not generated, and
 * then wide output breaks: fall back to C.UTF-8. The UI language is chosen
 * separately (i18n_pick_lang), not from this.
 */
static void locale_setup(void)
{
	const char *cs = setlocale(LC_CTYPE, "");

	if (cs == NULL || strcmp(cs, "C") == 0 || strcmp(cs, "POSIX") == 0)
		if (setlocale(LC_CTYPE, "C.UTF-8") == NULL)
			setlocale(LC_CTYPE, "");
}

/* mkdir -p with mode 0700 for what we create; an existing home that
 * others can read is tightened, since it holds the cache and the vault. */
static int make_home(const char *path, struct err *e)
{
	char *p = xstrdup(path);
	struct stat st;
	int rc = 0;

	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, 0700) != 0 && errno != EEXIST)
			rc = err_tr(e, E_IO, "err.mkdir", TR_S(p), TR_S(strerror(errno)));
		*s = '/';
		if (rc)
			goto out;
	}
	if (mkdir(p, 0700) != 0 && errno != EEXIST) {
		rc = err_tr(e, E_IO, "err.mkdir", TR_S(p), TR_S(strerror(errno)));
		goto out;
	}
	if (stat(p, &st) != 0 || !S_ISDIR(st.st_mode)) {
		rc = err_tr(e, E_IO, "err.not_dir", TR_S(p));
		goto out;
	}
	if ((st.st_mode & 077) && chmod(p, st.st_mode & 0700) != 0)
		rc = err_tr(e, E_PERM, "err.home_perm", TR_S(p), TR_S(strerror(errno)));
out:
	free(p);
	return rc;
}

static void shell_redraw(void *host)
{
	tui_request_redraw();
}

static void shell_message(void *host, const char *text)
{
	tui_message(text);
}

/* `atrium sheets open FILE`, `atrium docs open FILE`: a verb that shows
 * something on screen starts the screen and runs there. */
static int opens_screen(const struct app *a)
{
	return a->opts.argc == 3 && !a->opts.batch_file && module_find(a->opts.argv[0]) &&
	       (strcmp(a->opts.argv[1], "open") == 0 || strcmp(a->opts.argv[1], "e") == 0);
}

static int run_tui(struct app *a, struct err *e)
{
	const struct module *mods[16];
	void *states[16];
	struct tui_host h;
	int n = 0, rc;

	loop_background_threads(); /* before any module starts a worker */
	for (int i = 0; i < module_count && n < (int)nitems(mods); i++) {
		const struct module *m = module_table[i];

		if (config_module_disabled(&a->conf, m->name))
			continue;
		if (a->mod_state[i] == NULL && m->init &&
		    (rc = m->init(app_env(), &a->mod_state[i])) != 0)
			return err_tr(e, rc, "err.module_start", TR_S(m->name));
		mods[n] = m;
		states[n++] = a->mod_state[i];
	}
	memset(&h, 0, sizeof h);
	h.loop = a->loop;
	h.conf = &a->conf;
	h.modules = mods;
	h.states = states;
	h.nmodules = n;
	h.env = app_env();
	h.command = app_command;
	h.arg = a;
	h.warnings = a->warnings.msgs;
	h.nwarnings = a->warnings.n;
	h.on_start = app_tui_unlock;
	if (opens_screen(a)) {
		h.start_argc = a->opts.argc;
		h.start_argv = a->opts.argv;
	}
	a->ask_secret = app_tui_secret;
	a->confirm = app_tui_confirm;
	app_env()->redraw = shell_redraw;
	app_env()->message = shell_message;
	store_thread_urgent(); /* keys wait for nothing of a worker's */
	return tui_run(&h, e);
}

int main(int argc, char **argv)
{
	struct app a;
	struct err e;
	enum i18n_lang lang = LANG_EN;
	enum log_level lvl = LOG_INFO;
	char *cfg_path = NULL, *log_path = NULL;
	const char *v;
	int code = 0, rc, b;

	memset(&a, 0, sizeof a);
	err_clear(&e);
	/* Everything atrium creates is for this user alone. */
	umask(077);
	/* Before any key is touched: sodium_malloc needs it. */
	if (sodium_init() < 0)
		fatal("libsodium cannot start");
	locale_setup();
	signal(SIGPIPE, SIG_IGN);
	/* The environment's language first, so even option errors are in it. */
	if (i18n_pick_lang(NULL, &lang) == 0)
		i18n_set_lang(lang);

	if (app_parse_opts(argc, argv, &a.opts, &e) != 0) {
		char t[700];

		fprintf(stderr, "atrium: %s\n", trf(t, sizeof t, "err.opt.try", TR_S(e.msg)));
		code = batch_exit_code(E_USAGE);
		goto out;
	}
	/* The language for --help comes before the config is read. */
	if (i18n_pick_lang(a.opts.lang, &lang) == 0)
		i18n_set_lang(lang);
	if (a.opts.version) {
		a.json = a.opts.json;
		code = batch_run(&a, 1, (char *[]){ "version", NULL });
		goto out;
	}
	if (a.opts.help && a.opts.argc >= 1 && strcmp(a.opts.argv[0], "help") != 0) {
		/* `atrium mail --help`: that module's verbs, as `atrium help mail` */
		code = batch_run(&a, 2, (char *[]){ "help", a.opts.argv[0], NULL });
		goto out;
	}
	if (a.opts.help) {
		puts(tr("usage.text"));
		goto out;
	}

	cfg_path = a.opts.config ? xstrdup(a.opts.config) : config_default_path();
	rc = config_load(&a.conf, cfg_path, a.opts.config != NULL, ATRIUM_POLICY_PATH,
			 &a.warnings, &e);
	if (rc == 0)
		rc = config_apply_opts(&a.conf, &a.opts, &a.warnings, &e);
	if (rc == 0)
		rc = tui_keys_check(&a.conf, &e);
	if (rc != 0) {
		fprintf(stderr, "atrium: %s\n", e.msg);
		code = batch_exit_code(rc);
		goto out;
	}
	if ((v = conf_get(&a.conf, "", "language")) && i18n_pick_lang(v, &lang) == 0)
		i18n_set_lang(lang);
	if ((v = conf_get(&a.conf, "", "ambiguous_wide")) && conf_bool(v, &b) == 0)
		i18n_set_ambiguous_wide(b);
	if ((v = conf_get(&a.conf, "", "offline")) && conf_bool(v, &b) == 0)
		a.offline = b;
	if ((v = conf_get(&a.conf, "", "log_level")))
		log_level_parse(v, &lvl);
	a.json = a.opts.json;

	a.home = a.opts.home ? xstrdup(a.opts.home) : config_default_home();
	if ((rc = make_home(a.home, &e)) != 0) {
		fprintf(stderr, "atrium: %s\n", e.msg);
		code = batch_exit_code(rc);
		goto out;
	}
	xasprintf(&log_path, "%s/atrium.log", a.home);
	if (log_open(log_path, lvl, &e) != 0)
		fprintf(stderr, "atrium: %s\n", trf((char[700]){ 0 }, 700, "err.no_log", TR_S(e.msg)));
	log_info("atrium %s starting (%s, language %s)", ATRIUM_VERSION,
		 a.opts.argc || a.opts.batch_file ? "batch" : "screen", i18n_lang_tag(lang));
	for (size_t i = 0; i < a.warnings.n; i++)
		log_warn("%s", a.warnings.msgs[i]);

	a.loop = loop_new();
	app_init_modules(&a, (a.opts.argc > 0 && !opens_screen(&a)) || a.opts.batch_file, &e);
	if (a.opts.batch_file) {
		if (a.opts.argc > 0) {
			fprintf(stderr, "atrium: %s\n",
				trf((char[300]){ 0 }, 300, "err.batch_no_command", TR_S(a.opts.argv[0])));
			code = batch_exit_code(E_USAGE);
		} else {
			code = batch_run_file(&a, a.opts.batch_file, a.opts.keep_going);
		}
	} else if (a.opts.argc > 0 && !opens_screen(&a)) {
		for (size_t i = 0; i < a.warnings.n; i++)
			fprintf(stderr, "atrium: %s\n",
				trf((char[1024]){ 0 }, 1024, "msg.warning", TR_S(a.warnings.msgs[i])));
		code = batch_run(&a, a.opts.argc, a.opts.argv);
	} else {
		rc = run_tui(&a, &e);
		if (rc != 0) {
			fprintf(stderr, "atrium: %s\n", e.msg);
			code = batch_exit_code(rc);
		}
	}
	log_info("atrium exiting with %d", code);
out:
	app_free_modules(&a);
	app_store_close(&a);
	loop_free(a.loop);
	conf_free(&a.conf);
	config_warnings_free(&a.warnings);
	app_opts_free(&a.opts);
	log_close();
	free(a.home);
	free(cfg_path);
	free(log_path);
	return code;
}
