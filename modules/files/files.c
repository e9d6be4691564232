/*
 * files.c - the files module: the team share as a tab (what is queued and
 * in conflict) and as verbs for the command line and scripts:
 *
 *   atrium files ls PATH [--json]     get PATH [-o FILE]    put FILE PATH
 *   mkdir PATH   mv FROM TO   cp FROM TO   rm PATH --yes   sync
 *   pin PATH / unpin PATH   status [--json]
 *   resolve PATH --take local|remote|FILE   trust [PIN]
 *
 * Exit codes (docs/batch.md): 3 queued offline, 4 TLS refused, 5 conflict,
 * 7 unreachable for a verb that cannot queue.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "i18n/i18n.h"
#include "modules/account.h"
#include "modules/files/files_int.h"
#include "tui/tui.h"

struct fmod {
	const struct module_env *env;
	struct account *acct;
	struct files *f;
	int busy;
};

static const struct account files_account = {
	.module = "files",
	.section = "files",
	.title_key = "tab.files",
	.required = "url",
	.who_keys = { "user" },
	.server_keys = { "url" },
};

static int fmod_init(const struct module_env *env, void **state)
{
	struct fmod *m = xcalloc(1, sizeof *m);

	m->env = env;
	m->acct = account_new(env, &files_account);
	*state = m;
	return 0;
}

static void fmod_free(void *state)
{
	struct fmod *m = state;

	if (!m)
		return;
	files_close(m->f);
	account_free(m->acct);
	free(m);
}

static int need_files(struct fmod *m, struct err *e)
{
	if (m->f)
		return 0;
	return files_open(m->env, &m->f, e);
}

/* ---- output ----------------------------------------------------------------- */

static void time_iso(int64_t t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (t <= 0) {
		snprintf(buf, len, "-");
		return;
	}
	gmtime_r(&tt, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int cmd_ls(struct fmod *m, struct cmd_ctx *ctx, const char *path)
{
	struct files_item *v;
	size_t n;
	int from_cache, rc;

	if ((rc = files_ls(m->f, path, &v, &n, &from_cache, ctx->err)) < 0)
		return rc;
	if (ctx->json) {
		json_arr_begin(ctx->json);
		for (size_t i = 0; i < n; i++) {
			char t[40];
			json_obj_begin(ctx->json);
			json_key(ctx->json, "path");
			json_str(ctx->json, v[i].path);
			json_key(ctx->json, "name");
			json_str(ctx->json, v[i].name);
			json_key(ctx->json, "type");
			json_str(ctx->json, v[i].is_dir ? "dir" : "file");
			json_key(ctx->json, "size");
			json_int(ctx->json, v[i].size);
			json_key(ctx->json, "modified");
			time_iso(v[i].modified, t, sizeof t);
			if (v[i].modified > 0)
				json_str(ctx->json, t);
			else
				json_null(ctx->json);
			json_key(ctx->json, "etag");
			if (v[i].etag)
				json_str(ctx->json, v[i].etag);
			else
				json_null(ctx->json);
			json_key(ctx->json, "state");
			json_str(ctx->json, files_state_name(v[i].state));
			json_obj_end(ctx->json);
		}
		json_arr_end(ctx->json);
	} else {
		for (size_t i = 0; i < n; i++) {
			char t[40];
			time_iso(v[i].modified, t, sizeof t);
			fprintf(ctx->out, "%-4s %10lld  %-20s  %-12s  %s%s\n", v[i].is_dir ? "dir" : "file",
				(long long)v[i].size, t, files_state_name(v[i].state), v[i].path,
				v[i].is_dir ? "/" : "");
		}
		if (from_cache && m->env->message)
			m->env->message(m->env->host, "offline: the listing as last seen");
	}
	files_items_free(v, n);
	return 0;
}

static int write_all(int fd, const char *p, size_t len)
{
	while (len) {
		ssize_t w = write(fd, p, len);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

static int cmd_get(struct fmod *m, struct cmd_ctx *ctx, const char *path, const char *out)
{
	struct buf b;
	int rc;

	buf_init(&b);
	if ((rc = files_get(m->f, path, &b, NULL, ctx->err)) < 0) {
		buf_free(&b);
		return rc;
	}
	if (out) {
		/* atomic: a failed get never leaves half a file */
		char *tmp;
		int fd;
		xasprintf(&tmp, "%s.atrium-XXXXXX", out);
		fd = mkstemp(tmp);
		if (fd < 0 || write_all(fd, b.data ? b.data : "", b.len) < 0 || fsync(fd) < 0 ||
		    close(fd) < 0 || rename(tmp, out) < 0) {
			rc = err_set(ctx->err, E_IO, "%s: %s", out, strerror(errno));
			if (fd >= 0)
				unlink(tmp);
		} else {
			chmod(out, 0644 & ~(mode_t)0);
		}
		free(tmp);
	} else {
		fflush(ctx->out);
		if (fwrite(b.data ? b.data : "", 1, b.len, ctx->out) != b.len)
			rc = err_set(ctx->err, E_IO, "writing the output: %s", strerror(errno));
	}
	buf_free(&b);
	return rc;
}

static int read_file(const char *path, FILE *in, struct buf *b, struct err *e)
{
	FILE *fp = strcmp(path, "-") == 0 ? in : fopen(path, "rb");
	char chunk[65536];
	size_t got;

	if (!fp)
		return err_set(e, strcmp(path, "-") == 0 ? E_USAGE : (errno == ENOENT ? E_NOTFOUND : E_IO),
			       "%s: %s", path, strcmp(path, "-") == 0 ? "no standard input" : strerror(errno));
	while ((got = fread(chunk, 1, sizeof chunk, fp)) > 0)
		buf_add(b, chunk, got);
	if (ferror(fp)) {
		if (fp != in)
			fclose(fp);
		return err_set(e, E_IO, "%s: %s", path, strerror(errno));
	}
	if (fp != in)
		fclose(fp);
	return 0;
}

static int cmd_put(struct fmod *m, struct cmd_ctx *ctx, const char *file, const char *path,
		   int force)
{
	struct buf b;
	int rc;

	buf_init(&b);
	if ((rc = read_file(file, ctx->in, &b, ctx->err)) == 0)
		rc = files_put(m->f, path, b.data ? b.data : "", b.len, force, ctx->err);
	buf_free(&b);
	return rc;
}

static int cmd_status(struct fmod *m, struct cmd_ctx *ctx)
{
	struct files_pending *v;
	size_t n;
	const struct net_conn *c = files_conn(m->f);

	struct err pe;

	err_clear(&pe);
	if (!m->env->offline)
		files_ping(m->f, &pe);
	if (files_pending(m->f, &v, &n, ctx->err) < 0)
		return ctx->err->code;
	if (ctx->json) {
		json_obj_begin(ctx->json);
		json_key(ctx->json, "url");
		json_str(ctx->json, conf_get(m->env->conf, "files", "url"));
		json_key(ctx->json, "state");
		json_str(ctx->json, m->env->offline ? "offline" : net_state_name(c->state));
		json_key(ctx->json, "reason");
		if (pe.code)
			json_str(ctx->json, pe.msg);
		else
			json_null(ctx->json);
		json_key(ctx->json, "pending");
		json_arr_begin(ctx->json);
		for (size_t i = 0; i < n; i++) {
			json_obj_begin(ctx->json);
			json_key(ctx->json, "path");
			json_str(ctx->json, v[i].path);
			json_key(ctx->json, "state");
			json_str(ctx->json, files_state_name(v[i].state));
			json_key(ctx->json, "error");
			if (v[i].error)
				json_str(ctx->json, v[i].error);
			else
				json_null(ctx->json);
			json_key(ctx->json, "attempts");
			json_int(ctx->json, v[i].attempts);
			json_obj_end(ctx->json);
		}
		json_arr_end(ctx->json);
		json_obj_end(ctx->json);
	} else {
		fprintf(ctx->out, "%s: %s\n", tr("account.server"), conf_get(m->env->conf, "files", "url"));
		fprintf(ctx->out, "%s: %s%s%s\n", tr("account.state"),
			m->env->offline ? "offline" : net_state_name(c->state), pe.code ? " - " : "",
			pe.code ? pe.msg : "");
		if (n == 0)
			fprintf(ctx->out, "%s\n", tr("files.nothing_pending"));
		for (size_t i = 0; i < n; i++)
			fprintf(ctx->out, "%-12s %s%s%s\n", files_state_name(v[i].state), v[i].path,
				v[i].error ? ": " : "", v[i].error ? v[i].error : "");
	}
	files_pending_free(v, n);
	return 0;
}

static int cmd_resolve(struct fmod *m, struct cmd_ctx *ctx, const char *path, const char *take)
{
	struct buf b;
	int rc;

	if (!strcmp(take, "local") || !strcmp(take, "remote"))
		return files_resolve(m->f, path, take, NULL, 0, ctx->err);
	buf_init(&b);
	if ((rc = read_file(take, ctx->in, &b, ctx->err)) == 0)
		rc = files_resolve(m->f, path, "file", b.data ? b.data : "", b.len, ctx->err);
	buf_free(&b);
	return rc;
}

static int cmd_trust(struct fmod *m, struct cmd_ctx *ctx, const char *pin, int yes)
{
	char seen[NET_PIN_MAX];
	int rc;

	if (!pin) {
		if ((rc = files_probe_pin(m->f, seen, ctx->err)) < 0)
			return rc;
		fprintf(ctx->out, "%s\n", seen);
		if (!yes) {
			if (!ctx->confirm) {
				fprintf(ctx->out, "%s\n", tr("files.trust_hint"));
				return 0;
			}
			if (ctx->confirm(tr("files.trust_ask")) != 1)
				return err_set(ctx->err, E_CANCELLED, "not trusted");
		}
		pin = seen;
	}
	return files_trust(m->f, pin, ctx->err);
}

static int usage(struct cmd_ctx *ctx, const char *u)
{
	char t[256];
	return err_set(ctx->err, E_USAGE, "%s", trf(t, sizeof t, "err.usage", TR_S(u)));
}

static int fmod_command_inner(struct fmod *m, struct cmd_ctx *ctx, int argc, char **argv)
{
	const char *verb = argv[0];
	const char *pos[3] = { 0 }, *out = NULL, *take = NULL;
	int npos = 0, yes = 0, force = 0, rc;

	if (!strcmp(verb, "status") && !account_configured(m->acct))
		return account_cmd_status(m->acct, ctx);
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-o") && i + 1 < argc)
			out = argv[++i];
		else if (!strcmp(argv[i], "--take") && i + 1 < argc)
			take = argv[++i];
		else if (!strcmp(argv[i], "--yes"))
			yes = 1;
		else if (!strcmp(argv[i], "--force"))
			force = 1;
		else if (argv[i][0] == '-' && argv[i][1] == '-')
			return usage(ctx, "atrium files VERB ... (atrium help files)");
		else if (npos < 3)
			pos[npos++] = argv[i];
		else
			return usage(ctx, "atrium files VERB ... (atrium help files)");
	}
	if ((rc = need_files(m, ctx->err)) < 0)
		return rc;
	/* a verb that reaches the server first sends what waits for it, so a
	 * script that queued work offline needs no extra step */
	if (!m->env->offline && strcmp(verb, "sync") && strcmp(verb, "status") &&
	    strcmp(verb, "trust") && strcmp(verb, "pin") && strcmp(verb, "unpin") &&
	    strcmp(verb, "resolve") && store_outbox_count(m->env->store, "files") > 0) {
		struct err e1;
		int s1, c1, f1;
		err_clear(&e1);
		files_replay(m->f, NULL, &s1, &c1, &f1, &e1);
	}
	if (!strcmp(verb, "ls"))
		return npos <= 1 ? cmd_ls(m, ctx, npos ? pos[0] : "") : usage(ctx, "atrium files ls [PATH] [--json]");
	if (!strcmp(verb, "get"))
		return npos == 1 ? cmd_get(m, ctx, pos[0], out) : usage(ctx, "atrium files get PATH [-o FILE]");
	if (!strcmp(verb, "put"))
		return npos == 2 ? cmd_put(m, ctx, pos[0], pos[1], force)
				 : usage(ctx, "atrium files put FILE PATH [--force]");
	if (!strcmp(verb, "mkdir"))
		return npos == 1 ? files_mkdir(m->f, pos[0], ctx->err) : usage(ctx, "atrium files mkdir PATH");
	if (!strcmp(verb, "mv") || !strcmp(verb, "cp"))
		return npos == 2 ? files_move(m->f, pos[0], pos[1], verb[0] == 'c', ctx->err)
				 : usage(ctx, "atrium files mv|cp FROM TO");
	if (!strcmp(verb, "rm")) {
		if (npos != 1)
			return usage(ctx, "atrium files rm PATH --yes");
		if (!yes) {
			char q[512], t[600];
			snprintf(q, sizeof q, "%s", pos[0]);
			if (!ctx->confirm)
				return err_set(ctx->err, E_USAGE, "%s", trf(t, sizeof t, "files.rm_needs_yes", TR_S(q)));
			if (ctx->confirm(trf(t, sizeof t, "files.rm_ask", TR_S(q))) != 1)
				return err_set(ctx->err, E_CANCELLED, "not deleted");
		}
		return files_rm(m->f, pos[0], ctx->err);
	}
	if (!strcmp(verb, "sync"))
		return npos == 0 ? files_sync(m->f, ctx->out, ctx->err) : usage(ctx, "atrium files sync");
	if (!strcmp(verb, "pin") || !strcmp(verb, "unpin"))
		return npos == 1 ? files_pin(m->f, pos[0], verb[0] == 'p', ctx->err)
				 : usage(ctx, "atrium files pin|unpin PATH");
	if (!strcmp(verb, "status"))
		return npos == 0 ? cmd_status(m, ctx) : usage(ctx, "atrium files status [--json]");
	if (!strcmp(verb, "resolve"))
		return npos == 1 && take ? cmd_resolve(m, ctx, pos[0], take)
					 : usage(ctx, "atrium files resolve PATH --take local|remote|FILE");
	if (!strcmp(verb, "trust"))
		return npos <= 1 ? cmd_trust(m, ctx, npos ? pos[0] : NULL, yes)
				 : usage(ctx, "atrium files trust [PIN] [--yes]");
	return usage(ctx, "atrium files ls|get|put|mkdir|mv|cp|rm|sync|pin|unpin|status|resolve|trust");
}

static int fmod_command(void *state, struct cmd_ctx *ctx, int argc, char **argv)
{
	struct fmod *m = state;
	int rc;

	if (m->busy)
		return err_set(ctx->err, E_USAGE, "%s", tr("files.busy"));
	m->busy = 1;
	rc = fmod_command_inner(m, ctx, argc, argv);
	m->busy = 0;
	if (m->env->redraw)
		m->env->redraw(m->env->host);
	return rc;
}

/* ---- the tab ---------------------------------------------------------------- */

static void fmod_status(void *state, struct module_status *st)
{
	struct fmod *m = state;

	account_status(m->acct, st);
	if (!m->f)
		return;
	switch (files_conn(m->f)->state) {
	case NET_ONLINE: st->state = SVC_ONLINE; break;
	case NET_CONNECTING: st->state = SVC_CONNECTING; break;
	case NET_ERROR:
		st->state = SVC_ERROR;
		snprintf(st->text, sizeof st->text, "%.120s", files_conn(m->f)->reason);
		break;
	default: st->state = SVC_OFFLINE; break;
	}
}

static void fmod_draw(void *state, struct ui_area *area)
{
	struct fmod *m = state;
	struct files_pending *v = NULL;
	size_t n = 0;
	struct err e;
	int y;

	account_draw(m->acct, area);
	if (!account_configured(m->acct) || !m->env->store)
		return;
	if (!m->f && files_open(m->env, &m->f, &e) < 0)
		return;
	y = 8;
	ui_puts(area, y++, 2, tr("files.pending"), UI_BOLD);
	if (files_pending(m->f, &v, &n, &e) < 0 || n == 0) {
		ui_puts(area, y++, 4, tr("files.nothing_pending"), UI_DIM);
	}
	for (size_t i = 0; i < n && y < ui_area_h(area) - 1; i++) {
		char line[600];
		snprintf(line, sizeof line, "%-12s %s%s%s", files_state_name(v[i].state), v[i].path,
			 v[i].error ? "  " : "", v[i].error ? v[i].error : "");
		ui_puts(area, y++, 4, line, v[i].state == FS_CONFLICT ? UI_WARN : UI_NORMAL);
	}
	files_pending_free(v, n);
	y++;
	if (y < ui_area_h(area))
		ui_puts(area, y, 2, tr("files.hint"), UI_DIM);
}

static const struct module_verb files_verbs[] = {
	{ "status", "[--json]", "verb.files.status" },
	{ "ls", "[PATH] [--json]", "verb.files.ls" },
	{ "get", "PATH [-o FILE]", "verb.files.get" },
	{ "put", "FILE PATH [--force]", "verb.files.put" },
	{ "mkdir", "PATH", "verb.files.mkdir" },
	{ "mv", "FROM TO", "verb.files.mv" },
	{ "cp", "FROM TO", "verb.files.cp" },
	{ "rm", "PATH --yes", "verb.files.rm" },
	{ "sync", "", "verb.files.sync" },
	{ "pin", "PATH", "verb.files.pin" },
	{ "unpin", "PATH", "verb.files.unpin" },
	{ "resolve", "PATH --take local|remote|FILE", "verb.files.resolve" },
	{ "trust", "[PIN] [--yes]", "verb.files.trust" },
	{ NULL, NULL, NULL },
};

const struct module files_module = {
	.name = "files",
	.title_key = "tab.files",
	.init = fmod_init,
	.free = fmod_free,
	.draw = fmod_draw,
	.command = fmod_command,
	.status = fmod_status,
	.verbs = files_verbs,
};
