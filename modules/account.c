/*
 * account.c - the account a module's service uses, as the configuration
 * (with policy applied) says, and its connection state.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <string.h>

#include "core/core.h"
#include "i18n/i18n.h"
#include "modules/account.h"
#include "store/store.h"
#include "tui/tui.h"

struct account *account_new(const struct module_env *env, const struct account *tmpl)
{
	struct account *a = xmalloc(sizeof *a);

	*a = *tmpl;
	a->env = env;
	return a;
}

void account_free(struct account *a)
{
	free(a);
}

static const char *account_who(const struct account *a)
{
	for (size_t i = 0; i < nitems(a->who_keys) && a->who_keys[i]; i++) {
		const char *v = conf_get(a->env->conf, a->section, a->who_keys[i]);

		if (v)
			return v;
	}
	return NULL;
}

int account_configured(const struct account *a)
{
	return conf_get(a->env->conf, a->section, a->required) != NULL;
}

void account_status(const struct account *a, struct module_status *st)
{
	memset(st, 0, sizeof *st);
	st->unread = -1;
	st->progress = -1;
	/* Not connected: the network layer (net/) has not reached this
	 * service in this process, or the user is offline. */
	st->state = account_configured(a) ? SVC_OFFLINE : SVC_NONE;
	if (a->env->store)
		st->queued = store_outbox_count(a->env->store, a->section);
}

static const char *state_name(enum svc_state s)
{
	switch (s) {
	case SVC_ONLINE: return "online";
	case SVC_CONNECTING: return "connecting";
	case SVC_OFFLINE: return "offline";
	case SVC_ERROR: return "error";
	case SVC_NONE: break;
	}
	return "not-configured";
}

int account_cmd_status(const struct account *a, struct cmd_ctx *ctx)
{
	struct module_status st;
	const char *who = account_who(a);

	account_status(a, &st);
	if (ctx->json) {
		json_obj_begin(ctx->json);
		json_key(ctx->json, "module");
		json_str(ctx->json, a->module);
		json_key(ctx->json, "configured");
		json_bool(ctx->json, account_configured(a));
		json_key(ctx->json, "account");
		json_str(ctx->json, who);
		json_key(ctx->json, "servers");
		json_arr_begin(ctx->json);
		for (size_t i = 0; i < nitems(a->server_keys) && a->server_keys[i]; i++) {
			const char *v = conf_get(a->env->conf, a->section, a->server_keys[i]);

			if (v)
				json_str(ctx->json, v);
		}
		json_arr_end(ctx->json);
		json_key(ctx->json, "state");
		json_str(ctx->json, state_name(st.state));
		json_key(ctx->json, "offline_forced");
		json_bool(ctx->json, a->env->offline);
		json_key(ctx->json, "queued");
		json_int(ctx->json, st.queued);
		json_obj_end(ctx->json);
		return 0;
	}
	if (!account_configured(a)) {
		char t[256];

		trf(t, sizeof t, "account.not_configured", TR_S(tr(a->title_key)),
		    TR_S(a->section));
		fprintf(ctx->out, "%s\n", t);
		return 0;
	}
	fprintf(ctx->out, "%s: %s\n", tr("account.account"), who ? who : "-");
	for (size_t i = 0; i < nitems(a->server_keys) && a->server_keys[i]; i++) {
		const char *v = conf_get(a->env->conf, a->section, a->server_keys[i]);

		if (v)
			fprintf(ctx->out, "%s: %s\n", tr("account.server"), v);
	}
	fprintf(ctx->out, "%s: %s%s\n", tr("account.state"),
		tr(st.state == SVC_OFFLINE ? "state.offline" : "state.not_configured"),
		a->env->offline ? tr("account.forced") : "");
	return 0;
}

void account_draw(const struct account *a, struct ui_area *area)
{
	const char *who = account_who(a);
	struct module_status st;
	int y = 1;

	ui_clear(area, UI_NORMAL);
	ui_puts(area, y++, 2, tr(a->title_key), UI_TITLE);
	y++;
	if (!account_configured(a)) {
		char t[256];

		trf(t, sizeof t, "account.not_configured", TR_S(tr(a->title_key)),
		    TR_S(a->section));
		ui_puts(area, y, 2, t, UI_WARN);
		return;
	}
	account_status(a, &st);
	ui_puts(area, y, 2, tr("account.account"), UI_BOLD);
	ui_puts(area, y++, 14, who ? who : "-", UI_NORMAL);
	for (size_t i = 0; i < nitems(a->server_keys) && a->server_keys[i]; i++) {
		const char *v = conf_get(a->env->conf, a->section, a->server_keys[i]);

		if (v == NULL)
			continue;
		ui_puts(area, y, 2, tr("account.server"), UI_BOLD);
		ui_puts(area, y++, 14, v, UI_NORMAL);
	}
	ui_puts(area, y, 2, tr("account.state"), UI_BOLD);
	ui_puts(area, y++, 14, tr("state.offline"), UI_DIM);
}

void account_mod_free(void *state)
{
	account_free(state);
}

void account_mod_draw(void *state, struct ui_area *area)
{
	account_draw(state, area);
}

int account_mod_command(void *state, struct cmd_ctx *ctx, int argc, char **argv)
{
	const struct account *a = state;

	if (strcmp(argv[0], "status") == 0 && argc == 1)
		return account_cmd_status(a, ctx);
	char use[64], t[128];

	snprintf(use, sizeof use, "atrium %s status", a->module);
	return err_set(ctx->err, E_USAGE, "%s", trf(t, sizeof t, "err.usage", TR_S(use)));
}

void account_mod_status(void *state, struct module_status *st)
{
	account_status(state, st);
}

const struct module_verb account_verbs[] = {
	{ "status", "", "verb.status" },
	{ NULL, NULL, NULL },
};

int account_password(const struct module_env *env, struct store *store, const char *section,
		     char **out, struct err *e)
{
	const char *v;
	char *secret = NULL;

	*out = NULL;
	if ((v = conf_get(env->conf, section, "password"))) {
		*out = xstrdup(v);
	} else if ((v = conf_get(env->conf, section, "password_command"))) {
		FILE *p = popen(v, "r");
		char line[1024];
		size_t n;
		int st;

		if (!p)
			return err_tr(e, E_AUTH, "account.pwcmd_run", TR_S(section),
				      TR_S(strerror(errno)));
		if (!fgets(line, sizeof line, p))
			line[0] = 0;
		if ((st = pclose(p)) != 0) {
			explicit_bzero(line, sizeof line);
			return err_tr(e, E_AUTH, "account.pwcmd_failed", TR_S(section),
				      TR_N(WIFEXITED(st) ? WEXITSTATUS(st) : st));
		}
		n = strlen(line);
		while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = 0;
		*out = xstrdup(line);
		explicit_bzero(line, sizeof line);
	} else if (store && store_vault_get(store, section, &secret, e) == 0) {
		*out = xstrdup(secret);
		store_secret_free(secret);
	} else {
		err_clear(e);
	}
	return 0;
}
