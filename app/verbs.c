/*
 * verbs.c - the program's own verbs, beside the modules' ones: the store's
 * keys (keygen, unlock, lock, passwd), the vault (login, logout), the
 * outbox and the cache. One table says each verb's arguments, so usage
 * errors are found before the store is opened.
 */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "app/app.h"
#include "modules/module.h"
#include "store/store.h"

#define SECRET_LEN 1024
#define UNLOCK_MINUTES 15

static char *secret_alloc(void)
{
	char *s = sodium_malloc(SECRET_LEN);

	if (s == NULL)
		fatal("sodium_malloc failed");
	return s;
}

static int say(struct cmd_ctx *ctx, const char *key, const char *arg)
{
	char t[512];

	if (ctx->json) {
		json_obj_begin(ctx->json);
		json_key(ctx->json, "ok");
		json_bool(ctx->json, 1);
		json_key(ctx->json, "message");
		json_str(ctx->json, arg ? trf(t, sizeof t, key, TR_S(arg)) : tr(key));
		json_obj_end(ctx->json);
	} else {
		fprintf(ctx->out, "%s\n", arg ? trf(t, sizeof t, key, TR_S(arg)) : tr(key));
	}
	return 0;
}

static int verb_keygen(struct app *a, struct cmd_ctx *ctx, int argc, char **argv)
{
	int rc = store_keygen(argv[1], ctx->err);

	return rc ? rc : say(ctx, "msg.keygen", argv[1]);
}

static int verb_unlock(struct app *a, struct cmd_ctx *ctx, int argc, char **argv)
{
	unsigned minutes = UNLOCK_MINUTES;
	struct store_key *k = NULL;
	char *pass, m[16];
	int rc;

	if (argc == 3) {
		char *end;
		long v = strtol(argv[2], &end, 10);

		if (strcmp(argv[1], "--minutes") != 0 || *end || v < 1 || v > 24 * 60)
			return err_tr(ctx->err, E_USAGE, "err.usage",
				      TR_S("atrium unlock [--minutes 1..1440]"));
		minutes = (unsigned)v;
	} else if (argc != 1) {
		return err_tr(ctx->err, E_USAGE, "err.usage",
			      TR_S("atrium unlock [--minutes 1..1440]"));
	}
	if (!store_keys_exist(a->home))
		return err_tr(ctx->err, E_LOCKED, "err.store.no_key", TR_S(a->home));
	rc = app_key_quiet(a, &k, ctx->err);
	if (rc == E_LOCKED) {
		pass = secret_alloc();
		rc = ctx->ask_secret(tr("prompt.passphrase"), 0, pass, SECRET_LEN, ctx->err);
		if (rc == 0)
			rc = store_keys_unlock(a->home, pass, NULL, &k, ctx->err);
		sodium_free(pass);
	}
	if (rc == 0)
		rc = store_keyring_put(a->home, k, minutes * 60, ctx->err);
	store_key_free(k);
	if (rc != 0)
		return rc;
	snprintf(m, sizeof m, "%u", minutes);
	return say(ctx, "msg.unlocked", m);
}

static int verb_lock(struct app *a, struct cmd_ctx *ctx, int argc, char **argv)
{
	int rc = store_keyring_drop(a->home, ctx->err);

	return rc ? rc : say(ctx, "msg.locked", NULL);
}

static int verb_passwd(struct app *a, struct cmd_ctx *ctx, int argc, char **argv)
{
	char *pass;
	int rc;

	if (argc == 2 && strcmp(argv[1], "--remove") == 0) {
		rc = store_keys_set_passphrase(a->home, a->key, NULL, ctx->err);
		return rc ? rc : say(ctx, "msg.passphrase_removed", NULL);
	}
	if (argc != 1)
		return err_tr(ctx->err, E_USAGE, "err.usage", TR_S("atrium passwd [--remove]"));
	pass = secret_alloc();
	rc = ctx->ask_secret(tr("prompt.new_passphrase"), 1, pass, SECRET_LEN, ctx->err);
	if (rc == 0)
		rc = store_keys_set_passphrase(a->home, a->key, pass, ctx->err);
	sodium_free(pass);
	return rc ? rc : say(ctx, "msg.passphrase_set", NULL);
}

static int check_service(struct cmd_ctx *ctx, const char *s)
{
	if (strcmp(s, "mail") && strcmp(s, "chat") && strcmp(s, "files"))
		return err_tr(ctx->err, E_USAGE, "err.service", TR_S(s));
	return 0;
}

static int verb_login(struct app *a, struct cmd_ctx *ctx, int argc, char **argv)
{
	char *pass;
	int rc = check_service(ctx, argv[1]);

	if (rc != 0)
		return rc;
	pass = secret_alloc();
	rc = ctx->ask_secret(tr("prompt.password"), 0, pass, SECRET_LEN, ctx->err);
	if (rc == 0)
		rc = store_vault_put(a->store, argv[1], pass, ctx->err);
	sodium_free(pass);
	return rc ? rc : say(ctx, "msg.login", argv[1]);
}

static int verb_logout(struct app *a, struct cmd_ctx *ctx, int argc, char **argv)
{
	int rc = check_service(ctx, argv[1]);

	if (rc == 0)
		rc = store_vault_del(a->store, argv[1], ctx->err);
	return rc ? rc : say(ctx, "msg.logout", argv[1]);
}

static void outbox_json(struct json *j, const struct outbox_entry *en)
{
	json_obj_begin(j);
	json_key(j, "id");
	json_int(j, en->id);
	json_key(j, "service");
	json_str(j, en->service);
	json_key(j, "kind");
	json_str(j, en->kind);
	json_key(j, "state");
	json_str(j, store_outbox_state_name(en->state));
	json_key(j, "created");
	json_int(j, en->created);
	json_key(j, "updated");
	json_int(j, en->updated);
	json_key(j, "attempts");
	json_int(j, en->attempts);
	json_key(j, "error");
	json_str(j, en->error);
	json_key(j, "summary");
	json_str(j, en->summary);
	json_obj_end(j);
}

static int parse_id(struct cmd_ctx *ctx, const char *s, int64_t *id)
{
	char *end;
	long long v = strtoll(s, &end, 10);

	if (*s == '\0' || *end || v <= 0)
		return err_tr(ctx->err, E_USAGE, "err.outbox_id", TR_S(s));
	*id = v;
	return 0;
}

static int verb_outbox(struct app *a, struct cmd_ctx *ctx, int argc, char **argv)
{
	struct outbox_entry *list;
	int64_t id = 0;
	size_t n;
	int rc;

	if (strcmp(argv[1], "list") == 0) {
		if (argc > 3)
			return err_tr(ctx->err, E_USAGE, "err.usage",
				      TR_S("atrium outbox list [SERVICE]"));
		rc = store_outbox_list(a->store, argc == 3 ? argv[2] : NULL, &list, &n, ctx->err);
		if (rc != 0)
			return rc;
		if (ctx->json) {
			json_arr_begin(ctx->json);
			for (size_t i = 0; i < n; i++)
				outbox_json(ctx->json, &list[i]);
			json_arr_end(ctx->json);
		} else if (n == 0) {
			fprintf(ctx->out, "%s\n", tr("msg.outbox_empty"));
		}
		for (size_t i = 0; !ctx->json && i < n; i++) {
			char when[64];
			struct buf safe;

			i18n_format_datetime(when, sizeof when, (time_t)list[i].created);
			buf_init(&safe);
			/* Summaries come from mail and chat: keep them on one line. */
			for (const char *p = list[i].summary; p && *p; p++)
				buf_addc(&safe, (unsigned char)*p < 0x20 ? ' ' : *p);
			fprintf(ctx->out, "%lld\t%s\t%s\t%s\t%s", (long long)list[i].id,
				list[i].service, tr(list[i].state == OUTBOX_FAILED ? "outbox.state.failed"
						    : list[i].state == OUTBOX_SENDING ? "outbox.state.sending"
										      : "outbox.state.queued"),
				when, buf_cstr(&safe));
			if (list[i].error)
				fprintf(ctx->out, "\t%s", list[i].error);
			fputc('\n', ctx->out);
			buf_free(&safe);
		}
		store_outbox_list_free(list, n);
		return 0;
	}
	if (strcmp(argv[1], "retry") == 0 && argc == 3) {
		if ((rc = parse_id(ctx, argv[2], &id)) != 0)
			return rc;
		rc = store_outbox_retry(a->store, id, ctx->err);
		return rc ? rc : say(ctx, "msg.outbox_retry", argv[2]);
	}
	if (strcmp(argv[1], "drop") == 0 && (argc == 3 || argc == 4)) {
		const char *ids = argv[2];

		int yes = 0;

		if (argc == 4) {
			if (strcmp(argv[2], "--yes") && strcmp(argv[3], "--yes"))
				return err_tr(ctx->err, E_USAGE, "err.usage",
					      TR_S("atrium outbox drop ID --yes"));
			ids = strcmp(argv[2], "--yes") ? argv[2] : argv[3];
			yes = 1;
		}
		if ((rc = parse_id(ctx, ids, &id)) != 0)
			return rc;
		/* Dropping loses a queued write: never without consent. */
		if (!yes) {
			struct outbox_entry en;
			char q[512];

			if (ctx->confirm == NULL)
				return err_set(ctx->err, E_USAGE, "%s", tr("err.outbox_drop_yes"));
			if ((rc = store_outbox_get(a->store, id, &en, ctx->err)) != 0)
				return rc;
			trf(q, sizeof q, "prompt.outbox_drop", TR_S(ids), TR_S(en.summary));
			store_outbox_entry_free(&en);
			if (!ctx->confirm(q))
				return err_set(ctx->err, E_CANCELLED, "%s", tr("msg.outbox_kept"));
		}
		rc = store_outbox_drop(a->store, id, ctx->err);
		return rc ? rc : say(ctx, "msg.outbox_dropped", ids);
	}
	return err_tr(ctx->err, E_USAGE, "err.usage",
		      TR_S("atrium outbox list [SERVICE] | retry ID | drop ID --yes"));
}

static int verb_cache(struct app *a, struct cmd_ctx *ctx, int argc, char **argv)
{
	int rc;

	if (strcmp(argv[1], "rebuild") != 0)
		return err_tr(ctx->err, E_USAGE, "err.usage", TR_S("atrium cache rebuild"));
	/* The cache may be what fails to open: no key needed to move it. */
	if (a->store)
		app_store_close(a);
	rc = store_cache_rebuild(a->home, ctx->err);
	return rc ? rc : say(ctx, "msg.cache_rebuilt", NULL);
}

const struct app_verb app_verbs[] = {
	{ "keygen", "FILE", "verb.keygen", 1, 1, 0, verb_keygen },
	{ "unlock", "[--minutes N]", "verb.unlock", 0, 2, 0, verb_unlock },
	{ "lock", "", "verb.lock", 0, 0, 0, verb_lock },
	{ "passwd", "[--remove]", "verb.passwd", 0, 1, 1, verb_passwd },
	{ "login", "mail|chat|files", "verb.login", 1, 1, 1, verb_login },
	{ "logout", "mail|chat|files", "verb.logout", 1, 1, 1, verb_logout },
	{ "outbox", "list [SERVICE] | retry ID | drop ID --yes", "verb.outbox", 1, 3, 1,
	  verb_outbox },
	{ "cache", "rebuild", "verb.cache", 1, 1, 0, verb_cache },
	{ NULL, NULL, NULL, 0, 0, 0, NULL },
};

const struct app_verb *app_verb_find(const char *name)
{
	for (const struct app_verb *v = app_verbs; v->name; v++)
		if (strcmp(v->name, name) == 0)
			return v;
	return NULL;
}
