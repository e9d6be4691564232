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
#include <strings.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "i18n/i18n.h"
#include "modules/account.h"
#include "modules/files/files_int.h"
#include "modules/files/merge.h"
#ifdef MOD_SHEETS
#include "modules/sheets/sheets.h"
#endif
#include "tui/tui.h"

struct fmod {
	const struct module_env *env;
	struct account *acct;
	struct files *f;          /* batch verbs: the share on this thread */
	struct files_worker *w;   /* the screen: the share's own thread */
	int busy;
	/* the browser */
	char *dir;                /* the folder shown ("" the root) */
	struct files_item *items;
	size_t n;
	int from_cache, loading, loaded;
	int cur, top, rows;
	char note[600];
	enum ui_role note_role;
	int asked_trust;          /* the trust question was put for this key */
	/* choosing a side per disputed cell of a workbook */
	int choosing;
	char *cells_path;
	struct sheets_conflict *cells;
	size_t ncells;
	unsigned char *remote_side; /* per cell: 1 takes the server's */
	int ccur, ctop;
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
	/* the share's thread may serve docs and sheets without this tab
	 * having started it: it stops with the files module, the last */
	files_shared_stop();
	files_items_free(m->items, m->n);
	free(m->dir);
#ifdef MOD_SHEETS
	sheets_conflicts_free(m->cells, m->ncells);
#endif
	free(m->cells_path);
	free(m->remote_side);
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
			struct buf safe;
			/* a name is the server's: no control reaches the terminal */
			buf_init(&safe);
			ui_sanitize(v[i].path, strlen(v[i].path), &safe);
			time_iso(v[i].modified, t, sizeof t);
			fprintf(ctx->out, "%-4s %10lld  %-20s  %-12s  %s%s\n", v[i].is_dir ? "dir" : "file",
				(long long)v[i].size, t, files_state_name(v[i].state), buf_cstr(&safe),
				v[i].is_dir ? "/" : "");
			buf_free(&safe);
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
			rc = err_tr(ctx->err, E_IO, "files.err.write_out", TR_S(strerror(errno)));
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
			       "%s: %s", path, strcmp(path, "-") == 0 ? tr("files.err.no_stdin") : strerror(errno));
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
		rc = files_put(m->f, path, b.data ? b.data : "", b.len, force, NULL, NULL, ctx->err);
	buf_free(&b);
	return rc;
}

static int cmd_status(struct fmod *m, struct cmd_ctx *ctx)
{
	struct files_pending *v;
	size_t n;
	const struct net_conn *c = files_conn(m->f);
	struct net_conn wc;
	struct err pe;

	err_clear(&pe);
	if (m->w) {
		/* the screen: the share's thread knows the state; asking the
		 * server here would make the screen wait on the network */
		files_worker_conn(m->w, &wc, NULL);
		c = &wc;
		if (c->state == NET_ERROR || c->state == NET_OFFLINE)
			snprintf(pe.msg, sizeof pe.msg, "%s", c->reason);
		pe.code = pe.msg[0] ? E_UNREACHABLE : 0;
	} else if (!m->env->offline) {
		files_ping(m->f, &pe);
	}
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
		for (size_t i = 0; i < n; i++) {
			struct buf safe;
			/* a path may be a name the server chose */
			buf_init(&safe);
			ui_sanitize(v[i].path, strlen(v[i].path), &safe);
			fprintf(ctx->out, "%-12s %s%s%s\n", files_state_name(v[i].state),
				buf_cstr(&safe), v[i].error ? ": " : "",
				v[i].error ? files_error_shown(v[i].error) : "");
			buf_free(&safe);
		}
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

static int is_sheet(const char *path)
{
	static const char *const ext[] = { ".csv", ".tsv", ".xlsx", ".ods" };
	size_t pl = strlen(path);

	for (size_t i = 0; i < nitems(ext); i++) {
		size_t el = strlen(ext[i]);
		if (pl > el && !strcasecmp(path + pl - el, ext[i]))
			return 1;
	}
	return 0;
}

static int write_out(struct cmd_ctx *ctx, const char *out, const struct buf *b)
{
	if (out)
		return store_write_atomic(out, b->data ? b->data : "", b->len, 0644, ctx->err);
	if (fwrite(b->data ? b->data : "", 1, b->len, ctx->out) != b->len)
		return err_tr(ctx->err, E_IO, "files.err.write_out", TR_S(strerror(errno)));
	return 0;
}

/* `merged PATH [-o FILE]`: a conflict as a merge to finish: text with
 * both sides marked; a workbook with yours in the cells both changed, and
 * those cells listed (on stdout, or as JSON). */
static int cmd_merged(struct fmod *m, struct cmd_ctx *ctx, const char *path, const char *out)
{
	struct buf base, local, remote, merged;
	int rc, conflicts = 0;

	buf_init(&base);
	buf_init(&local);
	buf_init(&remote);
	buf_init(&merged);
	if ((rc = files_conflict_versions(m->f, path, &base, &local, &remote, ctx->err)) < 0)
		goto out;
#ifdef MOD_SHEETS
	if (is_sheet(path)) {
		struct sheets_conflict *c;
		size_t n;
		if ((rc = files_conflict_cells(m->f, path, &merged, &c, &n, ctx->err)) < 0)
			goto out;
		if (out && (rc = write_out(ctx, out, &merged)) < 0) {
			sheets_conflicts_free(c, n);
			goto out;
		}
		if (ctx->json)
			json_arr_begin(ctx->json);
		for (size_t i = 0; i < n; i++) {
			if (ctx->json) {
				json_obj_begin(ctx->json);
				json_key(ctx->json, "sheet");
				json_str(ctx->json, c[i].sheet);
				json_key(ctx->json, "cell");
				if (c[i].cell)
					json_str(ctx->json, c[i].cell);
				else
					json_null(ctx->json);
				json_key(ctx->json, "base");
				c[i].base ? json_str(ctx->json, c[i].base) : json_null(ctx->json);
				json_key(ctx->json, "local");
				c[i].local ? json_str(ctx->json, c[i].local) : json_null(ctx->json);
				json_key(ctx->json, "remote");
				c[i].remote ? json_str(ctx->json, c[i].remote) : json_null(ctx->json);
				json_obj_end(ctx->json);
			} else {
				fprintf(ctx->out, "%s!%s\t%s: %s\t%s: %s\t%s: %s\n", c[i].sheet,
					c[i].cell ? c[i].cell : "*", tr("files.side.base"),
					c[i].base ? c[i].base : "-", tr("files.side.local"),
					c[i].local ? c[i].local : "-", tr("files.side.remote"),
					c[i].remote ? c[i].remote : "-");
			}
		}
		if (ctx->json)
			json_arr_end(ctx->json);
		sheets_conflicts_free(c, n);
		goto out;
	}
#endif
	if ((rc = files_merge(path, &base, &local, &remote, &merged, &conflicts, ctx->err)) < 0)
		goto out;
	rc = write_out(ctx, out, &merged);
out:
	buf_free(&base);
	buf_free(&local);
	buf_free(&remote);
	buf_free(&merged);
	return rc;
}

/* `resolve PATH --take merged [--cell REF=local|remote]...`: a workbook's
 * merge with a side chosen per conflicting cell (yours where none is). */
static int cmd_resolve_cells(struct fmod *m, struct cmd_ctx *ctx, const char *path,
			     const char *const *cells, int ncells)
{
#ifdef MOD_SHEETS
	struct buf merged;
	struct sheets_conflict *c = NULL;
	size_t n = 0;
	const char **choice = NULL;
	int rc;

	if (!is_sheet(path))
		return err_set(ctx->err, E_USAGE, "%s", tr("files.err.take_merged"));
	buf_init(&merged);
	if ((rc = files_conflict_cells(m->f, path, &merged, &c, &n, ctx->err)) < 0)
		goto out;
	choice = xcalloc(n ? n : 1, sizeof *choice);
	for (size_t i = 0; i < n; i++)
		choice[i] = "local";
	for (int k = 0; k < ncells; k++) {
		const char *eq = strchr(cells[k], '=');
		int hit = 0;
		if (!eq || (strcmp(eq + 1, "local") && strcmp(eq + 1, "remote"))) {
			rc = err_tr(ctx->err, E_USAGE, "files.err.cell_form", TR_S(cells[k]));
			goto out;
		}
		for (size_t i = 0; i < n; i++) {
			char full[300];
			size_t rl = (size_t)(eq - cells[k]);
			snprintf(full, sizeof full, "%s!%s", c[i].sheet, c[i].cell ? c[i].cell : "*");
			if ((c[i].cell && strlen(c[i].cell) == rl && !strncasecmp(c[i].cell, cells[k], rl)) ||
			    (strlen(full) == rl && !strncasecmp(full, cells[k], rl))) {
				choice[i] = eq + 1;
				hit = 1;
			}
		}
		if (!hit) {
			rc = err_tr(ctx->err, E_NOTFOUND, "files.err.not_cell", TR_S(cells[k]), TR_S(path));
			goto out;
		}
	}
	rc = files_resolve_cells(m->f, path, choice, n, ctx->err);
out:
	free(choice);
	sheets_conflicts_free(c, n);
	buf_free(&merged);
	return rc;
#else
	(void)m;
	(void)path;
	(void)cells;
	(void)ncells;
	return err_set(ctx->err, E_USAGE, "%s", tr("files.err.no_sheets"));
#endif
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
				return err_set(ctx->err, E_CANCELLED, "%s", tr("files.err.not_trusted"));
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

static void fmod_note(struct fmod *m, enum ui_role role, const char *text);
static void refresh(struct fmod *m);
static int need_worker(struct fmod *m);
static void job_said(void *arg, struct files_result *r);
static void trust_done(void *arg, struct files_result *r);

struct getto {
	struct fmod *m;
	char *out;
};

static void get_to_done(void *arg, struct files_result *r)
{
	struct getto *g = arg;
	struct err e;
	char t[700];

	err_clear(&e);
	if (r->rc < 0) {
		fmod_note(g->m, UI_ERROR, r->e->msg);
	} else if (store_write_atomic(g->out, r->data->data ? r->data->data : "", r->data->len, 0644,
				      &e) < 0) {
		fmod_note(g->m, UI_ERROR, e.msg);
	} else {
		fmod_note(g->m, UI_OK, trf(t, sizeof t, "files.saved_to", TR_S(g->out)));
	}
	free(g->out);
	free(g);
}

/* The command line in the TUI: the same verbs, run on the share's thread
 * (the answer comes as the tab's note), so the screen never waits.
 * Returns 1 for a verb left to the synchronous path (status). */
static int screen_verb(struct fmod *m, struct cmd_ctx *ctx, const char *verb, int npos,
		       const char **pos, const char *take, const char *out, int yes)
{
	if (!need_worker(m))
		return 1;
	if (!strcmp(verb, "ls")) {
		char *norm;
		if (files_norm_path(npos ? pos[0] : "", &norm, ctx->err) < 0)
			return ctx->err->code;
		free(m->dir);
		m->dir = norm;
		m->cur = m->top = 0;
		refresh(m);
	} else if (!strcmp(verb, "sync")) {
		files_async_sync(m->w, job_said, m);
	} else if (!strcmp(verb, "get") && npos == 1) {
		struct getto *g;
		if (!out)
			return usage(ctx, "get PATH -o FILE (Enter on a file opens it)");
		g = xcalloc(1, sizeof *g);
		g->m = m;
		g->out = xstrdup(out);
		files_async_get(m->w, pos[0], get_to_done, g);
	} else if (!strcmp(verb, "put") && npos == 2) {
		struct buf b;
		int rc;
		buf_init(&b);
		if ((rc = read_file(pos[0], NULL, &b, ctx->err)) < 0) {
			buf_free(&b);
			return rc;
		}
		files_async_put(m->w, pos[1], b.data ? b.data : "", b.len, 0, job_said, m);
		buf_free(&b);
	} else if ((!strcmp(verb, "mkdir") || !strcmp(verb, "pin") || !strcmp(verb, "unpin")) &&
		   npos == 1) {
		files_async_op(m->w, verb, pos[0], NULL, job_said, m);
	} else if ((!strcmp(verb, "mv") || !strcmp(verb, "cp")) && npos == 2) {
		files_async_op(m->w, verb, pos[0], pos[1], job_said, m);
	} else if (!strcmp(verb, "rm") && npos == 1) {
		char t[700];
		if (!yes && ctx->confirm && ctx->confirm(trf(t, sizeof t, "files.rm_ask", TR_S(pos[0]))) != 1)
			return err_set(ctx->err, E_CANCELLED, "%s", tr("files.err.not_deleted"));
		files_async_op(m->w, verb, pos[0], NULL, job_said, m);
	} else if (!strcmp(verb, "resolve") && npos == 1 && take && !strcmp(take, "merged")) {
		/* on the screen the disputed cells are chosen on the Files tab */
		return err_set(ctx->err, E_USAGE, "%s", tr("files.cells_on_tab"));
	} else if (!strcmp(verb, "resolve") && npos == 1 && take) {
		struct buf b;
		int rc = 0;
		buf_init(&b);
		if (strcmp(take, "local") && strcmp(take, "remote") &&
		    (rc = read_file(take, NULL, &b, ctx->err)) < 0) {
			buf_free(&b);
			return rc;
		}
		files_async_resolve(m->w, pos[0], strcmp(take, "local") && strcmp(take, "remote") ? "file" : take,
				    b.data ? b.data : "", b.len, job_said, m);
		buf_free(&b);
	} else if (!strcmp(verb, "trust")) {
		struct net_conn c;
		char pin[NET_PIN_MAX];
		files_worker_conn(m->w, &c, pin);
		if (npos == 1)
			files_async_trust(m->w, pos[0], trust_done, m);
		else if (pin[0])
			files_async_trust(m->w, pin, trust_done, m);
		else
			return err_set(ctx->err, E_USAGE, "%s", tr("files.no_key_seen"));
	} else {
		return 1;
	}
	fprintf(ctx->out, "%s\n", tr("files.working"));
	return 0;
}

static int fmod_command_inner(struct fmod *m, struct cmd_ctx *ctx, int argc, char **argv)
{
	const char *verb = argv[0];
	const char *pos[3] = { 0 }, *out = NULL, *take = NULL, *cells[256];
	int npos = 0, yes = 0, force = 0, ncells = 0, rc;

	if (!strcmp(verb, "status") && !account_configured(m->acct))
		return account_cmd_status(m->acct, ctx);
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-o") && i + 1 < argc)
			out = argv[++i];
		else if (!strcmp(argv[i], "--take") && i + 1 < argc)
			take = argv[++i];
		else if (!strcmp(argv[i], "--yes"))
			yes = 1;
		else if (!strcmp(argv[i], "--cell") && i + 1 < argc && ncells < (int)nitems(cells))
			cells[ncells++] = argv[++i];
		else if (!strcmp(argv[i], "--force"))
			force = 1;
		else if (argv[i][0] == '-' && argv[i][1] == '-')
			return usage(ctx, "atrium files VERB ... (atrium help files)");
		else if (npos < 3)
			pos[npos++] = argv[i];
		else
			return usage(ctx, "atrium files VERB ... (atrium help files)");
	}
	if (ctx->interactive && (rc = screen_verb(m, ctx, verb, npos, pos, take, out, yes)) != 1)
		return rc;
	if ((rc = need_files(m, ctx->err)) < 0)
		return rc;
	/* a verb that reaches the server first sends what waits for it, so a
	 * script that queued work offline needs no extra step */
	if (!m->env->offline && strcmp(verb, "sync") && strcmp(verb, "status") &&
	    strcmp(verb, "trust") && strcmp(verb, "pin") && strcmp(verb, "unpin") &&
	    strcmp(verb, "resolve") && strcmp(verb, "merged") && store_outbox_count(m->env->store, "files") > 0) {
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
				return err_set(ctx->err, E_CANCELLED, "%s", tr("files.err.not_deleted"));
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
	if (!strcmp(verb, "resolve")) {
		if (npos != 1 || !take)
			return usage(ctx, "atrium files resolve PATH --take local|remote|merged|FILE [--cell REF=local|remote]...");
		if (!strcmp(take, "merged"))
			return cmd_resolve_cells(m, ctx, pos[0], cells, ncells);
		return cmd_resolve(m, ctx, pos[0], take);
	}
	if (!strcmp(verb, "merged"))
		return npos == 1 ? cmd_merged(m, ctx, pos[0], out)
				 : usage(ctx, "atrium files merged PATH [-o FILE] [--json]");
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

void files_status(const struct module_env *env, struct module_status *st, int count_queue)
{
	struct net_conn c;

	if (!count_queue)
		st->queued = 0;
	if (st->state == SVC_NONE || !files_shared_conn(&c) || env->offline)
		return;
	switch (c.state) {
	case NET_ONLINE: st->state = SVC_ONLINE; break;
	case NET_CONNECTING: st->state = SVC_CONNECTING; break;
	case NET_ERROR:
		st->state = SVC_ERROR;
		if (!st->text[0])
			snprintf(st->text, sizeof st->text, "%.120s", c.reason);
		break;
	default: st->state = SVC_OFFLINE; break;
	}
}

static void fmod_status(void *state, struct module_status *st)
{
	struct fmod *m = state;

	account_status(m->acct, st);
	files_status(m->env, st, 1);
}

/* ---- the browser ------------------------------------------------------------ */

static void fmod_note(struct fmod *m, enum ui_role role, const char *text)
{
	snprintf(m->note, sizeof m->note, "%s", text);
	m->note_role = role;
	if (m->env->redraw)
		m->env->redraw(m->env->host);
}

static void list_done(void *arg, struct files_result *r);

static void refresh(struct fmod *m)
{
	m->loading = 1;
	files_async_ls(m->w, m->dir, list_done, m);
}

static void state_changed(void *arg)
{
	struct fmod *m = arg;

	if (m->env->redraw)
		m->env->redraw(m->env->host);
}

/* The share's thread, started when the tab first needs it. */
static int need_worker(struct fmod *m)
{
	struct err e;

	if (m->w)
		return 1;
	if (!account_configured(m->acct) || !m->env->store || m->env->batch)
		return 0;
	err_clear(&e);
	if (!(m->w = files_shared(m->env, &e))) {
		fmod_note(m, UI_ERROR, e.msg);
		return 0;
	}
	files_worker_set_offline(m->w, m->env->offline);
	files_worker_on_state(m->w, state_changed, m);
	files_worker_autoretry(m->w);
	if (!m->dir)
		m->dir = xstrdup("");
	refresh(m);
	return 1;
}

static void trust_done(void *arg, struct files_result *r)
{
	struct fmod *m = arg;

	if (r->rc < 0) {
		fmod_note(m, UI_ERROR, r->e->msg);
		return;
	}
	fmod_note(m, UI_OK, tr("files.trusted"));
	refresh(m);
}

/* Trust on first use: a server whose certificate nothing vouches for,
 * and no pin yet, shows its key; a yes stores the pin. A key that
 * changed under a pin is refused, never asked about. */
static void maybe_trust(struct fmod *m, struct files_result *r)
{
	struct net_conn c;
	char pin[NET_PIN_MAX], q[700], answer[16];

	if (r->rc != E_TLS || m->asked_trust || !m->w)
		return;
	files_worker_conn(m->w, &c, pin);
	if (!pin[0] || conf_get(m->env->conf, "files", "pin") || strstr(r->e->msg, "pinned"))
		return;
	m->asked_trust = 1;
	trf(q, sizeof q, "files.trust_first", TR_S(conf_get(m->env->conf, "files", "url")), TR_S(pin));
	if (tui_ask(q, 0, answer, sizeof answer) == 0 &&
	    (!strcasecmp(answer, "y") || !strcasecmp(answer, "yes") || !strcmp(answer, "是")))
		files_async_trust(m->w, pin, trust_done, m);
	else
		fmod_note(m, UI_WARN, tr("files.not_trusted"));
}

static void list_done(void *arg, struct files_result *r)
{
	struct fmod *m = arg;

	m->loading = 0;
	if (r->rc < 0) {
		fmod_note(m, r->rc == E_UNREACHABLE ? UI_WARN : UI_ERROR, r->e->msg);
		maybe_trust(m, r);
		return;
	}
	/* the answer is for the folder asked for; the user may have moved on */
	if (strcmp(r->path ? r->path : "", m->dir) != 0)
		return;
	files_items_free(m->items, m->n);
	m->items = r->items;
	m->n = r->n;
	r->items = NULL; /* taken */
	r->n = 0;
	m->from_cache = r->from_cache;
	m->loaded = 1;
	if (m->cur >= (int)m->n)
		m->cur = m->n ? (int)m->n - 1 : 0;
	/* a note that said "working…" is done now; an answer stays */
	if (m->note_role == UI_DIM)
		m->note[0] = 0;
	if (m->from_cache)
		fmod_note(m, UI_WARN, tr("files.from_cache"));
	else if (m->env->redraw)
		m->env->redraw(m->env->host);
}

static void job_said(void *arg, struct files_result *r)
{
	struct fmod *m = arg;

	if (r->rc == 0)
		fmod_note(m, UI_OK, tr("files.done"));
	else
		fmod_note(m, r->rc == E_QUEUED ? UI_WARN : UI_ERROR, r->e->msg);
	maybe_trust(m, r);
	refresh(m);
}

static const char *module_for(const char *path)
{
	static const char *const sheet_ext[] = { ".csv", ".tsv", ".xlsx", ".ods" };
	size_t pl = strlen(path);

	for (size_t i = 0; i < nitems(sheet_ext); i++) {
		size_t el = strlen(sheet_ext[i]);
		if (pl > el && !strcasecmp(path + pl - el, sheet_ext[i]))
			return "sheets";
	}
	return "docs";
}

static void open_item(struct fmod *m, const struct files_item *it)
{
	if (it->is_dir) {
		free(m->dir);
		m->dir = xstrdup(it->path);
		m->cur = m->top = 0;
		refresh(m);
		return;
	}
	{
		char *spec, *argv[3];
		xasprintf(&spec, "share:/%s", it->path);
		argv[0] = (char *)module_for(it->path);
		argv[1] = "open";
		argv[2] = spec;
		if (tui_run_in(3, argv) != 0)
			fmod_note(m, UI_ERROR, tr("files.no_module"));
		free(spec);
	}
}

static void go_up(struct fmod *m)
{
	char *slash = strrchr(m->dir, '/');

	if (!*m->dir)
		return;
	if (slash)
		*slash = 0;
	else
		m->dir[0] = 0;
	m->cur = m->top = 0;
	refresh(m);
}

/* ---- a workbook's disputed cells, a side chosen for each --------------------- */

static void chooser_end(struct fmod *m)
{
#ifdef MOD_SHEETS
	sheets_conflicts_free(m->cells, m->ncells);
#endif
	m->cells = NULL;
	m->ncells = 0;
	free(m->remote_side);
	m->remote_side = NULL;
	xstrset(&m->cells_path, NULL);
	m->choosing = 0;
}

static void cells_done(void *arg, struct files_result *r)
{
	struct fmod *m = arg;

	if (r->rc < 0) {
		fmod_note(m, UI_ERROR, r->e->msg);
		return;
	}
	chooser_end(m);
	m->cells = r->cells;
	m->ncells = r->ncells;
	r->cells = NULL; /* kept */
	r->ncells = 0;
	m->remote_side = xcalloc(m->ncells ? m->ncells : 1, 1);
	m->cells_path = xstrdup(r->path);
	m->ccur = m->ctop = 0;
	m->choosing = 1;
	fmod_note(m, UI_WARN, tr("files.cells_keys"));
}

static void cells_apply(struct fmod *m)
{
	const char **choice = xcalloc(m->ncells ? m->ncells : 1, sizeof *choice);

	for (size_t i = 0; i < m->ncells; i++)
		choice[i] = m->remote_side[i] ? "remote" : "local";
	files_async_resolve_cells(m->w, m->cells_path, choice, m->ncells, job_said, m);
	free(choice);
	chooser_end(m);
	fmod_note(m, UI_DIM, tr("files.resolving"));
}

static int chooser_key(struct fmod *m, int key)
{
	switch (key) {
	case UI_KEY_UP:
	case 'k':
		if (m->ccur > 0)
			m->ccur--;
		return 1;
	case UI_KEY_DOWN:
	case 'j':
		if (m->ccur + 1 < (int)m->ncells)
			m->ccur++;
		return 1;
	case UI_KEY_LEFT:
	case 'l':
		if (m->ncells)
			m->remote_side[m->ccur] = 0;
		return 1;
	case UI_KEY_RIGHT:
	case 'r':
		if (m->ncells)
			m->remote_side[m->ccur] = 1;
		return 1;
	case 'a':
	case 'A':
		for (size_t i = 0; i < m->ncells; i++)
			m->remote_side[i] = key == 'A';
		return 1;
	case UI_KEY_ENTER:
		cells_apply(m);
		return 1;
	case UI_KEY_ESC:
	case 'q':
		chooser_end(m);
		fmod_note(m, UI_DIM, "");
		return 1;
	}
	return 1; /* the chooser takes every key while it is up */
}

#ifdef MOD_SHEETS
static void chooser_draw(struct fmod *m, struct ui_area *area, int y, int h, int w)
{
	char line[1400];

	snprintf(line, sizeof line, "%s", m->cells_path);
	ui_puts(area, y++, 2, line, UI_BOLD);
	y++;
	if (m->ccur < m->ctop)
		m->ctop = m->ccur;
	if (m->ccur >= m->ctop + (h - y - 2))
		m->ctop = m->ccur - (h - y - 2) + 1;
	for (int i = m->ctop; i < (int)m->ncells && y < h - 2; i++, y++) {
		const struct sheets_conflict *c = &m->cells[i];
		enum ui_role role = i == m->ccur ? UI_SELECTED : UI_NORMAL;
		snprintf(line, sizeof line, "%s!%s  %s: %s  %s: %s  %s: %s", c->sheet,
			 c->cell ? c->cell : "*", tr("files.side.base"), c->base ? c->base : "-",
			 tr("files.side.local"), c->local ? c->local : "-", tr("files.side.remote"),
			 c->remote ? c->remote : "-");
		if (role == UI_SELECTED)
			ui_clear_row(area, y, UI_SELECTED);
		ui_put(area, y, 2, w - 16 > 10 ? w - 16 : 10, line, strlen(line), role);
		snprintf(line, sizeof line, "→ %s",
			 tr(m->remote_side[i] ? "files.side.remote" : "files.side.local"));
		ui_puts(area, y, w - 13 > 12 ? w - 13 : 12, line, role == UI_NORMAL ? UI_EMPH : role);
	}
}
#endif

/* Show a conflict's versions in the pager: the merge with its markers for
 * text, the three versions' sizes otherwise. */
static void show_conflict(struct fmod *m, const struct files_item *it)
{
	char *argv[4];

	argv[0] = "files";
	argv[1] = "merged";
	argv[2] = it->path;
	argv[3] = NULL;
	tui_run_in(3, argv);
	fmod_note(m, UI_WARN, tr("files.conflict_hint"));
}

static int fmod_key(void *state, int key)
{
	struct fmod *m = state;
	const struct files_item *it;

	if (!need_worker(m))
		return 0;
	if (m->choosing)
		return chooser_key(m, key);
	it = m->n ? &m->items[m->cur] : NULL;
	switch (key) {
	case UI_KEY_UP:
	case 'k':
		if (m->cur > 0)
			m->cur--;
		return 1;
	case UI_KEY_DOWN:
	case 'j':
		if (m->cur + 1 < (int)m->n)
			m->cur++;
		return 1;
	case UI_KEY_PGUP:
		m->cur = m->cur > m->rows ? m->cur - m->rows : 0;
		return 1;
	case UI_KEY_PGDN:
		m->cur = m->cur + m->rows < (int)m->n ? m->cur + m->rows : (m->n ? (int)m->n - 1 : 0);
		return 1;
	case UI_KEY_HOME:
	case 'g':
		m->cur = 0;
		return 1;
	case UI_KEY_END:
	case 'G':
		m->cur = m->n ? (int)m->n - 1 : 0;
		return 1;
	case UI_KEY_ENTER:
	case UI_KEY_RIGHT:
	case 'l':
		if (it && it->state == FS_CONFLICT && !it->is_dir && is_sheet(it->path)) {
			fmod_note(m, UI_DIM, tr("files.loading"));
			files_async_cells(m->w, it->path, cells_done, m);
		} else if (it && it->state == FS_CONFLICT && !it->is_dir)
			show_conflict(m, it);
		else if (it)
			open_item(m, it);
		return 1;
	case UI_KEY_BACKSPACE:
	case UI_KEY_LEFT:
	case 'h':
		go_up(m);
		return 1;
	case 'r':
		fmod_note(m, UI_DIM, tr("files.refreshing"));
		refresh(m);
		return 1;
	case 's':
		fmod_note(m, UI_DIM, tr("files.syncing"));
		files_async_sync(m->w, job_said, m);
		return 1;
	case 'p':
		if (it && it->is_dir) {
			fmod_note(m, UI_DIM, tr("files.pinning"));
			files_async_op(m->w, "pin", it->path, NULL, job_said, m);
		}
		return 1;
	case 'L':
	case 'R':
		if (it && it->state == FS_CONFLICT) {
			files_async_resolve(m->w, it->path, key == 'L' ? "local" : "remote", NULL, 0,
					    job_said, m);
			fmod_note(m, UI_DIM, tr("files.resolving"));
		}
		return 1;
	}
	return 0;
}

static void fmod_draw(void *state, struct ui_area *area)
{
	struct fmod *m = state;
	int h = ui_area_h(area), w = ui_area_w(area), y = 0;
	struct net_conn c;
	char line[1200], t[64];

	if (!account_configured(m->acct) || !m->env->store || !need_worker(m)) {
		account_draw(m->acct, area);
		if (m->note[0])
			ui_puts(area, h - 1, 2, m->note, m->note_role);
		return;
	}
	ui_clear(area, UI_NORMAL);
	files_worker_conn(m->w, &c, NULL);
	snprintf(line, sizeof line, "%s%s%s", conf_get(m->env->conf, "files", "url"), m->dir,
		 *m->dir ? "/" : "");
	ui_put(area, y, 1, w - 20, line, strlen(line), UI_TITLE);
	snprintf(t, sizeof t, "%s", m->env->offline ? tr("state.offline")
			     : c.state == NET_ONLINE ? tr("state.online")
			     : c.state == NET_ERROR ? tr("state.error")
			     : c.state == NET_CONNECTING ? tr("state.connecting") : tr("state.offline"));
	ui_puts(area, y, w - (int)ui_text_width(t, strlen(t)) - 1, t,
		c.state == NET_ONLINE && !m->env->offline ? UI_OK : UI_WARN);
	y += 2;
#ifdef MOD_SHEETS
	if (m->choosing) {
		chooser_draw(m, area, y, h, w);
		if (m->note[0])
			ui_puts(area, h - 1, 1, m->note, m->note_role);
		return;
	}
#endif
	m->rows = h - y - 2;
	if (m->rows < 1)
		m->rows = 1;
	if (!m->loaded) {
		ui_puts(area, y, 2, tr(m->loading ? "files.loading" : "files.empty"), UI_DIM);
	} else if (m->n == 0) {
		ui_puts(area, y, 2, tr("files.empty"), UI_DIM);
	}
	if (m->cur < m->top)
		m->top = m->cur;
	if (m->cur >= m->top + m->rows)
		m->top = m->cur - m->rows + 1;
	for (int i = m->top; i < (int)m->n && y < h - 2; i++, y++) {
		const struct files_item *it = &m->items[i];
		char size[32], when[40];
		enum ui_role role = i == m->cur ? UI_SELECTED : UI_NORMAL;
		const char *st = it->state == FS_SYNCED ? "" : tr(it->state == FS_CONFLICT ? "files.st.conflict"
							 : it->state == FS_QUEUED ? "files.st.queued"
							 : "files.st.offline_only");
		if (i == m->cur)
			ui_clear_row(area, y, UI_SELECTED);
		if (it->is_dir)
			snprintf(size, sizeof size, "-");
		else
			snprintf(size, sizeof size, "%lld", (long long)it->size);
		time_iso(it->modified, when, sizeof when);
		snprintf(line, sizeof line, "%s%s", it->name, it->is_dir ? "/" : "");
		ui_put(area, y, 2, w - 50 > 10 ? w - 50 : 10, line, strlen(line),
		       it->is_dir && role == UI_NORMAL ? UI_BOLD : role);
		ui_puts(area, y, w - 46 > 14 ? w - 46 : 14, size, role);
		ui_puts(area, y, w - 34 > 24 ? w - 34 : 24, when, role == UI_NORMAL ? UI_DIM : role);
		if (*st)
			ui_puts(area, y, w - 12 > 46 ? w - 12 : 46, st,
				it->state == FS_CONFLICT && role == UI_NORMAL ? UI_WARN : role);
	}
	if (m->note[0])
		ui_puts(area, h - 1, 1, m->note, m->note_role);
	else
		ui_puts(area, h - 1, 1, tr("files.keys"), UI_DIM);
}

static void fmod_on_event(void *state, const struct module_event *ev)
{
	struct fmod *m = state;

	if (ev->type == MEV_OFFLINE && m->w) {
		files_worker_set_offline(m->w, m->env->offline);
		if (!m->env->offline)
			files_async_sync(m->w, job_said, m);
	} else if (ev->type == MEV_SHOWN && m->w && !m->loading) {
		refresh(m);
	}
}

static const struct module_verb files_verbs[] = {
	{ "status", "[--json]", "verb.files.status" },
	{ "ls", "[PATH] [--json]", "verb.files.ls" },
	{ "get", "PATH [-o FILE]", "verb.files.get" },
	{ "put", "FILE|- PATH [--force]", "verb.files.put" },
	{ "mkdir", "PATH", "verb.files.mkdir" },
	{ "mv", "FROM TO", "verb.files.mv" },
	{ "cp", "FROM TO", "verb.files.cp" },
	{ "rm", "PATH --yes", "verb.files.rm" },
	{ "sync", "", "verb.files.sync" },
	{ "pin", "PATH", "verb.files.pin" },
	{ "unpin", "PATH", "verb.files.unpin" },
	{ "resolve", "PATH --take local|remote|merged|FILE [--cell REF=local|remote]", "verb.files.resolve" },
	{ "merged", "PATH [-o FILE] [--json]", "verb.files.merged" },
	{ "trust", "[PIN] [--yes]", "verb.files.trust" },
	{ NULL, NULL, NULL },
};

static const struct module_key files_keys[] = {
	{ "j / k, Up / Down, PgUp / PgDn", "files.key.move" },
	{ "Enter", "files.key.open" },
	{ "Backspace", "files.key.up" },
	{ "r", "files.key.refresh" },
	{ "s", "files.key.sync" },
	{ "p", "files.key.pin" },
	{ "L / R", "files.key.resolve" },
	{ NULL, NULL },
};

const struct module files_module = {
	.name = "files",
	.title_key = "tab.files",
	.init = fmod_init,
	.free = fmod_free,
	.draw = fmod_draw,
	.key = fmod_key,
	.command = fmod_command,
	.on_event = fmod_on_event,
	.status = fmod_status,
	.verbs = files_verbs,
	.keys = files_keys,
};
