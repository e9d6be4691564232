/*
 * mail.c - the mail module: its tab (view.c: the index, the folders, the
 * message view, with a worker thread for the server) and its verbs:
 *
 *   atrium mail status [--json]
 *   atrium mail folders [--json]              LIST into the cache
 *   atrium mail sync [--folder F]             the server into the cache
 *   atrium mail list [--folder F] [--limit N] [--unread] [--json]
 *   atrium mail search WORDS [--limit N] [--json]   subjects and senders, offline
 *   atrium mail read ID [--raw] [--json]
 *   (and the verbs that change something: verbs.c)
 *
 * list works from the cache only; read from the cache when the body is
 * there. Exit codes (docs/batch.md): 2 no such folder or message, 4 TLS
 * or login refused, 7 server unreachable or --offline. On the screen's
 * command line sync and read go to the tab (the worker does the network
 * part and the command returns at once).
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
#include "modules/mail/mail_int.h"
#include "modules/mail/thread.h"
#include "store/store.h"
#include "tui/tui.h"

struct mmod {
	const struct module_env *env;
	struct account *acct;
	struct mail_acct *ma;
	struct mail_view *view; /* the tab */
};

static const struct account mail_account = {
	.module = "mail",
	.section = "mail",
	.title_key = "tab.mail",
	.required = "imap",
	.who_keys = { "user", "from" },
	.server_keys = { "imap", "smtp" },
};

static int mmod_init(const struct module_env *env, void **state)
{
	struct mmod *m = xcalloc(1, sizeof *m);

	m->env = env;
	m->acct = account_new(env, &mail_account);
	if (!env->batch)
		m->view = mail_view_new(env);
	*state = m;
	return 0;
}

static void mmod_free(void *state)
{
	struct mmod *m = state;

	if (!m)
		return;
	mail_view_free(m->view);
	mail_acct_free(m->ma);
	account_free(m->acct);
	free(m);
}

static int need_acct(struct mmod *m, struct err *e)
{
	return m->ma ? 0 : mail_acct_new(m->env, &m->ma, e);
}

static int usage(struct cmd_ctx *ctx, const char *u)
{
	char t[256];
	return err_set(ctx->err, E_USAGE, "%s", trf(t, sizeof t, "err.usage", TR_S(u)));
}

/* Untrusted text for a terminal: no control or escape sequence passes. */
static void put_safe(FILE *out, const char *s)
{
	struct buf b;

	buf_init(&b);
	ui_sanitize(s ? s : "", s ? strlen(s) : 0, &b);
	fputs(buf_cstr(&b), out);
	buf_free(&b);
}

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

static void flag_names(unsigned flags, int attach, char *buf, size_t len, const char *sep)
{
	static const struct {
		unsigned bit;
		int want;
		const char *name;
	} fl[] = {
		{ IMAP_F_SEEN, 0, "unread" },
		{ IMAP_F_FLAGGED, 1, "flagged" },
		{ IMAP_F_ANSWERED, 1, "answered" },
	};
	size_t k = 0;

	buf[0] = 0;
	for (size_t i = 0; i < nitems(fl); i++)
		if (!!(flags & fl[i].bit) == fl[i].want)
			k += (size_t)snprintf(buf + k, k < len ? len - k : 0, "%s%s", k ? sep : "",
					      fl[i].name);
	if (attach && k < len)
		snprintf(buf + k, len - k, "%s%s", k ? sep : "", "attachment");
}

/* A folder's name as people read it: modified UTF-7 decoded (as it is
 * when it does not decode). */
static char *folder_display(const char *wire)
{
	struct buf b;

	buf_init(&b);
	if (!wire || mail_mutf7_decode(wire, &b) < 0) {
		buf_reset(&b);
		buf_adds(&b, wire ? wire : "");
	}
	buf_cstr(&b);
	return buf_detach(&b);
}

/* The cached folder --folder F names: F as on the server, or F in UTF-8
 * ("已发送" for "&XfJT0ZAB-"). NULL when the cache has neither. */
static char *folder_wire(struct mmod *m, const char *given)
{
	return mail_folder_wire(m->ma, given);
}

/* ---- folders ----------------------------------------------------------------------- */

static int cmd_folders(struct mmod *m, struct cmd_ctx *ctx)
{
	sqlite3 *db = store_cache(m->env->store);
	sqlite3_stmt *st;
	int rc;

	if ((rc = mail_acct_folders(m->ma, ctx->err)) < 0)
		return rc;
	if (sqlite3_prepare_v2(db,
			       "SELECT f.name, f.special, count(m.id),"
			       " coalesce(sum((m.flags & 1) = 0), 0), f.subscribed FROM mail_folder f"
			       " LEFT JOIN mail_msg m ON m.folder=f.id WHERE f.account=?1"
			       " GROUP BY f.id ORDER BY f.special IS NOT 'inbox', f.name",
			       -1, &st, NULL) != SQLITE_OK)
		return err_set(ctx->err, E_IO, "mail cache: %s", sqlite3_errmsg(db));
	sqlite3_bind_text(st, 1, mail_acct_key(m->ma), -1, SQLITE_STATIC);
	if (ctx->json)
		json_arr_begin(ctx->json);
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(st, 0);
		const char *sp = (const char *)sqlite3_column_text(st, 1);
		int total = sqlite3_column_int(st, 2), unread = sqlite3_column_int(st, 3);
		char *shown = folder_display(name);
		if (ctx->json) {
			json_obj_begin(ctx->json);
			json_key(ctx->json, "name");
			json_str(ctx->json, shown);
			json_key(ctx->json, "imap_name");
			json_str(ctx->json, name);
			json_key(ctx->json, "role");
			if (sp)
				json_str(ctx->json, sp);
			else
				json_null(ctx->json);
			json_key(ctx->json, "cached");
			json_int(ctx->json, total);
			json_key(ctx->json, "unread");
			json_int(ctx->json, unread);
			json_key(ctx->json, "subscribed");
			json_bool(ctx->json, sqlite3_column_int(st, 4));
			json_obj_end(ctx->json);
		} else {
			put_safe(ctx->out, shown);
			fprintf(ctx->out, "\t%s\t%d\t%d\n", sp ? sp : "-", total, unread);
		}
		free(shown);
	}
	sqlite3_finalize(st);
	if (ctx->json)
		json_arr_end(ctx->json);
	return 0;
}

/* ---- sync ------------------------------------------------------------------------- */

static int cmd_sync(struct mmod *m, struct cmd_ctx *ctx, const char *folder)
{
	sqlite3 *db = store_cache(m->env->store);
	char **names = NULL;
	size_t n = 0;
	int rc;

	/* what waits in the outbox goes first: a sync must not bring back
	 * what the user changed (and mail waiting to go goes now) */
	{
		struct net_replay_stats rs;
		if ((rc = mail_act_replay(m->ma, NULL, &rs, ctx->err)) < 0)
			return rc;
		if (rs.sent && !ctx->json) {
			char t[200], num[16];
			snprintf(num, sizeof num, "%d", rs.sent);
			fprintf(ctx->out, "%s\n", trf(t, sizeof t, "mail.replayed", TR_S(num)));
		}
	}
	if (!folder) {
		sqlite3_stmt *st;
		if ((rc = mail_acct_folders(m->ma, ctx->err)) < 0)
			return rc;
		if (sqlite3_prepare_v2(db, "SELECT name FROM mail_folder WHERE account=?1 ORDER BY name",
				       -1, &st, NULL) != SQLITE_OK)
			return err_set(ctx->err, E_IO, "mail cache: %s", sqlite3_errmsg(db));
		sqlite3_bind_text(st, 1, mail_acct_key(m->ma), -1, SQLITE_STATIC);
		while (sqlite3_step(st) == SQLITE_ROW) {
			names = xreallocarray(names, n + 1, sizeof *names);
			names[n++] = xstrdup((const char *)sqlite3_column_text(st, 0));
		}
		sqlite3_finalize(st);
	} else {
		char *wire = folder_wire(m, folder);
		/* not cached yet: the listing may know it */
		if (!wire && (rc = mail_acct_folders(m->ma, ctx->err)) < 0)
			return rc;
		if (!wire)
			wire = folder_wire(m, folder);
		names = xmalloc(sizeof *names);
		names[n++] = wire ? wire : xstrdup(folder);
	}
	rc = 0;
	/* JSON only once all went well: a failure prints its own document */
	struct mail_sync_count *cs = xcalloc(n + 1, sizeof *cs);
	int *done = xcalloc(n + 1, sizeof *done);
	for (size_t i = 0; i < n && rc == 0; i++) {
		char t[512], a1[16], a2[16], a3[16], *shown;
		if ((rc = mail_acct_sync_folder(m->ma, names[i], &cs[i], ctx->err)) < 0) {
			/* a folder deleted since the listing: the others go on */
			if (rc == E_NOTFOUND && !folder) {
				fprintf(stderr, "atrium: %s\n", ctx->err->msg);
				err_clear(ctx->err);
				rc = 0;
				continue;
			}
			break;
		}
		/* bodies for offline reading, as [mail] prefetch says */
		{
			int got = 0;
			if ((rc = mail_acct_prefetch(m->ma, names[i], NULL, NULL, &got, ctx->err)) < 0)
				break;
			cs[i].bodies = got;
		}
		done[i] = 1;
		if (ctx->json)
			continue;
		shown = folder_display(names[i]);
		snprintf(a1, sizeof a1, "%d", cs[i].added);
		snprintf(a2, sizeof a2, "%d", cs[i].changed);
		snprintf(a3, sizeof a3, "%d", cs[i].removed);
		trf(t, sizeof t, "mail.synced", TR_S(shown), TR_S(a1), TR_S(a2), TR_S(a3));
		put_safe(ctx->out, t);
		fputc('\n', ctx->out);
		fflush(ctx->out);
		free(shown);
	}
	if (ctx->json && rc == 0) {
		json_arr_begin(ctx->json);
		for (size_t i = 0; i < n; i++) {
			char *shown;
			if (!done[i])
				continue;
			shown = folder_display(names[i]);
			json_obj_begin(ctx->json);
			json_key(ctx->json, "folder");
			json_str(ctx->json, shown);
			json_key(ctx->json, "added");
			json_int(ctx->json, cs[i].added);
			json_key(ctx->json, "changed");
			json_int(ctx->json, cs[i].changed);
			json_key(ctx->json, "removed");
			json_int(ctx->json, cs[i].removed);
			json_key(ctx->json, "skipped");
			json_int(ctx->json, cs[i].skipped);
			json_key(ctx->json, "bodies");
			json_int(ctx->json, cs[i].bodies);
			json_obj_end(ctx->json);
			free(shown);
		}
		json_arr_end(ctx->json);
	}
	free(cs);
	free(done);
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return rc;
}

/* ---- list ------------------------------------------------------------------------- */

/* One message row: the columns of LIST_COLS, in order. */
#define LIST_COLS                                                                   \
	"m.id, m.date, m.from_addr, m.subject, m.flags, m.has_attachment, f.name, m.uid," \
	" m.message_id, m.to_addrs, m.cc_addrs, m.size, m.folder"

/* Where a message sits in its folder's threads (for list --json). */
struct tinfo {
	int64_t id, thread, parent;
};

struct tmap {
	int64_t folder;   /* the folder threaded, 0 none */
	struct tinfo *v;  /* by id */
	size_t n;
};

static int cmp_tinfo(const void *x, const void *y)
{
	int64_t a = ((const struct tinfo *)x)->id, b = ((const struct tinfo *)y)->id;
	return a < b ? -1 : a > b;
}

/* Thread a whole folder (a --limit lists part of it, but a thread id must
 * be the same whatever the limit). */
static void tmap_build(struct tmap *t, sqlite3 *db, int64_t folder)
{
	sqlite3_stmt *st;
	struct mail_trow *rows = NULL;
	struct buf arena;
	size_t n = 0, cap = 0;
	size_t (*offs)[4] = NULL;

	free(t->v);
	t->v = NULL;
	t->n = 0;
	t->folder = folder;
	if (sqlite3_prepare_v2(db,
			       "SELECT id, date, message_id, in_reply_to, refs, subject FROM mail_msg"
			       " WHERE folder=?1",
			       -1, &st, NULL) != SQLITE_OK)
		return;
	buf_init(&arena);
	sqlite3_bind_int64(st, 1, folder);
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (n == cap) {
			cap = cap ? cap * 2 : 256;
			rows = xreallocarray(rows, cap, sizeof *rows);
			offs = xreallocarray(offs, cap, sizeof *offs);
		}
		memset(&rows[n], 0, sizeof rows[n]);
		rows[n].id = sqlite3_column_int64(st, 0);
		rows[n].date = sqlite3_column_int64(st, 1);
		/* message_id, in_reply_to, refs, subject: offsets, as the
		 * arena moves while it grows */
		for (int k = 0; k < 4; k++) {
			const char *v = (const char *)sqlite3_column_text(st, 2 + k);
			offs[n][k] = v ? arena.len : (size_t)-1;
			if (v)
				buf_add(&arena, v, strlen(v) + 1);
		}
		n++;
	}
	sqlite3_finalize(st);
	for (size_t i = 0; i < n; i++) {
		rows[i].message_id = offs[i][0] == (size_t)-1 ? NULL : arena.data + offs[i][0];
		rows[i].in_reply_to = offs[i][1] == (size_t)-1 ? NULL : arena.data + offs[i][1];
		rows[i].refs = offs[i][2] == (size_t)-1 ? NULL : arena.data + offs[i][2];
		rows[i].subject = offs[i][3] == (size_t)-1 ? NULL : arena.data + offs[i][3];
	}
	if (n) {
		struct mail_threads th;
		mail_thread_build(&th, rows, n);
		t->v = xcalloc(n, sizeof *t->v);
		for (size_t i = 0; i < n; i++) {
			t->v[i].id = rows[i].id;
			t->v[i].thread = th.node[i].thread;
			t->v[i].parent = th.node[i].parent;
		}
		t->n = n;
		if (n)
			qsort(t->v, n, sizeof *t->v, cmp_tinfo);
		mail_thread_free(&th);
	}
	free(rows);
	free(offs);
	buf_free(&arena);
}

/* "Name <a@b>, c@d" as the cache keeps it, as [{name, address}]: a part
 * with neither @ nor < is the first half of a name with a comma in it. */
static void json_addrs(struct json *j, const char *s, int single)
{
	char *copy = xstrdup(s ? s : ""), *p = copy, *pending = NULL;
	int any = 0;

	if (!single)
		json_arr_begin(j);
	while (p && *p) {
		char *next = strstr(p, ", "), *lt, *gt, *part;
		if (next)
			*next = 0;
		part = p;
		p = next ? next + 2 : NULL;
		if (!strchr(part, '@') && !strchr(part, '<')) {
			/* "Last" of "Last, First <a@b>": joined with what follows */
			char *joined;
			xasprintf(&joined, "%s%s%s", pending ? pending : "", pending ? ", " : "", part);
			free(pending);
			pending = joined;
			continue;
		}
		char *name = NULL, *addr;
		lt = strrchr(part, '<');
		gt = lt ? strchr(lt, '>') : NULL;
		if (lt && gt) {
			*gt = 0;
			addr = lt + 1;
			while (lt > part && lt[-1] == ' ')
				lt--;
			*lt = 0;
			if (pending || *part)
				xasprintf(&name, "%s%s%s", pending ? pending : "",
					  pending && *part ? ", " : "", part);
		} else {
			addr = part;
		}
		free(pending);
		pending = NULL;
		if (single && any)
			break;
		json_obj_begin(j);
		json_key(j, "name");
		if (name && *name)
			json_str(j, name);
		else
			json_null(j);
		json_key(j, "address");
		json_str(j, addr);
		json_obj_end(j);
		free(name);
		any = 1;
	}
	free(pending);
	if (single && !any)
		json_null(j);
	if (!single)
		json_arr_end(j);
	free(copy);
}

static void emit_row(struct cmd_ctx *ctx, sqlite3_stmt *st, struct tmap *tm)
{
	int64_t id = sqlite3_column_int64(st, 0);
	char date[40], flags[80];
	const char *from = (const char *)sqlite3_column_text(st, 2);
	const char *subj = (const char *)sqlite3_column_text(st, 3);
	unsigned fl = (unsigned)sqlite3_column_int(st, 4);
	int att = sqlite3_column_int(st, 5);
	time_iso(sqlite3_column_int64(st, 1), date, sizeof date);
	if (ctx->json) {
		struct json *j = ctx->json;
		json_obj_begin(j);
		json_key(j, "id");
		json_int(j, id);
		char *shown = folder_display((const char *)sqlite3_column_text(st, 6));
		json_key(j, "folder");
		json_str(j, shown);
		free(shown);
		json_key(j, "uid");
		/* a message waiting in the outbox to reach this folder has none yet */
		if (sqlite3_column_int64(st, 7) > 0)
			json_int(j, sqlite3_column_int64(st, 7));
		else
			json_null(j);
		json_key(j, "message_id");
		if (sqlite3_column_text(st, 8))
			json_str(j, (const char *)sqlite3_column_text(st, 8));
		else
			json_null(j);
		json_key(j, "date");
		json_str(j, date);
		json_key(j, "from");
		json_addrs(j, from, 1);
		json_key(j, "to");
		json_addrs(j, (const char *)sqlite3_column_text(st, 9), 0);
		json_key(j, "cc");
		json_addrs(j, (const char *)sqlite3_column_text(st, 10), 0);
		json_key(j, "subject");
		json_str(j, subj ? subj : "");
		json_key(j, "flags");
		json_arr_begin(j);
		flag_names(fl, att, flags, sizeof flags, " ");
		for (char *w = strtok(flags, " "); w; w = strtok(NULL, " "))
			json_str(j, w);
		json_arr_end(j);
		json_key(j, "size");
		json_int(j, sqlite3_column_int64(st, 11));
		json_key(j, "attachments");
		json_int(j, att);
		int64_t folder = sqlite3_column_int64(st, 12);
		if (tm->folder != folder)
			tmap_build(tm, sqlite3_db_handle(st), folder);
		struct tinfo key = { .id = id },
			     *ti = tm->n ? bsearch(&key, tm->v, tm->n, sizeof *tm->v, cmp_tinfo)
					 : NULL;
		json_key(j, "thread");
		json_int(j, ti ? ti->thread : id);
		json_key(j, "parent");
		if (ti && ti->parent)
			json_int(j, ti->parent);
		else
			json_null(j);
		json_obj_end(j);
	} else {
		flag_names(fl, att, flags, sizeof flags, ",");
		fprintf(ctx->out, "%lld\t%s\t", (long long)id, date);
		put_safe(ctx->out, from);
		fputc('\t', ctx->out);
		put_safe(ctx->out, subj);
		fprintf(ctx->out, "\t%s\n", flags[0] ? flags : "-");
	}
}

static int cmd_list(struct mmod *m, struct cmd_ctx *ctx, const char *folder, long limit,
		    int unread)
{
	sqlite3 *db = store_cache(m->env->store);
	sqlite3_stmt *st;
	char *wire = NULL;
	struct tmap tm = { 0 };

	if (folder && !(wire = folder_wire(m, folder)))
		return err_tr(ctx->err, E_NOTFOUND, "mail.no_folder", TR_S(folder));
	/* without --folder: the inbox */
	if (sqlite3_prepare_v2(db,
			       "SELECT " LIST_COLS " FROM mail_msg m JOIN mail_folder f ON f.id=m.folder"
			       " WHERE f.account=?1 AND (CASE WHEN ?2 IS NULL THEN f.special='inbox'"
			       " ELSE f.name=?2 END) AND (?3=0 OR (m.flags & 1)=0)"
			       " ORDER BY m.date DESC, m.uid DESC LIMIT ?4",
			       -1, &st, NULL) != SQLITE_OK) {
		free(wire);
		return err_set(ctx->err, E_IO, "mail cache: %s", sqlite3_errmsg(db));
	}
	sqlite3_bind_text(st, 1, mail_acct_key(m->ma), -1, SQLITE_STATIC);
	if (wire)
		sqlite3_bind_text(st, 2, wire, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, unread);
	sqlite3_bind_int64(st, 4, limit > 0 ? limit : -1);
	if (ctx->json)
		json_arr_begin(ctx->json);
	while (sqlite3_step(st) == SQLITE_ROW)
		emit_row(ctx, st, &tm);
	sqlite3_finalize(st);
	free(wire);
	free(tm.v);
	if (ctx->json)
		json_arr_end(ctx->json);
	return 0;
}

/* ---- search ----------------------------------------------------------------------- */

/* The offline search over subjects and senders, best first. */
static int cmp_desc_date(const void *x, const void *y)
{
	const int64_t *a = x, *b = y; /* pairs: date, id */
	if (a[0] != b[0])
		return a[0] > b[0] ? -1 : 1;
	return a[1] > b[1] ? -1 : a[1] < b[1];
}

/* The cache, and the server's SEARCH in one folder when it can be
 * reached; newest first. */
static int cmd_search(struct mmod *m, struct cmd_ctx *ctx, const char *query, const char *folder,
		      long limit)
{
	sqlite3 *db = store_cache(m->env->store);
	struct mail_query q;
	sqlite3_stmt *st;
	struct tmap tm = { 0 };
	int64_t *loc = NULL, *srv = NULL, *pairs;
	size_t nl = 0, ns = 0, np = 0;
	char *wire = NULL;
	int rc;

	if ((rc = mail_query_parse(query, &q, ctx->err)) < 0)
		return rc;
	if (folder && !(wire = folder_wire(m, folder))) {
		mail_query_free(&q);
		return err_tr(ctx->err, E_NOTFOUND, "mail.no_folder", TR_S(folder));
	}
	if ((rc = mail_search_local(m->ma, &q, wire, &loc, &nl, ctx->err)) < 0)
		goto out;
	if (!m->env->offline) {
		char *box = wire ? xstrdup(wire) : mail_special_folder(m->ma, "inbox");
		struct err e2;
		err_clear(&e2);
		if (box && mail_search_server(m->ma, &q, box, &srv, &ns, &e2) < 0)
			/* the cache's answer stands; say why the server's is missing */
			fprintf(stderr, "atrium: %s\n", e2.msg);
		free(box);
	}
	/* both, once each, newest first */
	pairs = xcalloc(2 * (nl + ns) + 2, sizeof *pairs);
	if (sqlite3_prepare_v2(db, "SELECT date FROM mail_msg WHERE id=?1", -1, &st, NULL) ==
	    SQLITE_OK) {
		for (size_t i = 0; i < nl + ns; i++) {
			int64_t id = i < nl ? loc[i] : srv[i - nl];
			int dup = 0;
			for (size_t k = 0; k < np && i >= nl; k++)
				dup |= pairs[2 * k + 1] == id;
			if (dup)
				continue;
			sqlite3_reset(st);
			sqlite3_bind_int64(st, 1, id);
			pairs[2 * np] = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
			pairs[2 * np + 1] = id;
			np++;
		}
		sqlite3_finalize(st);
	}
	qsort(pairs, np, 2 * sizeof *pairs, cmp_desc_date);
	if (limit > 0 && np > (size_t)limit)
		np = (size_t)limit;
	if (sqlite3_prepare_v2(db,
			       "SELECT " LIST_COLS " FROM mail_msg m JOIN mail_folder f ON f.id=m.folder"
			       " WHERE m.id=?1 AND f.account=?2",
			       -1, &st, NULL) != SQLITE_OK) {
		free(pairs);
		rc = err_set(ctx->err, E_IO, "mail cache: %s", sqlite3_errmsg(db));
		goto out;
	}
	if (ctx->json)
		json_arr_begin(ctx->json);
	for (size_t i = 0; i < np; i++) {
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, pairs[2 * i + 1]);
		sqlite3_bind_text(st, 2, mail_acct_key(m->ma), -1, SQLITE_STATIC);
		if (sqlite3_step(st) == SQLITE_ROW)
			emit_row(ctx, st, &tm);
	}
	sqlite3_finalize(st);
	free(pairs);
	free(tm.v);
	if (ctx->json)
		json_arr_end(ctx->json);
out:
	free(loc);
	free(srv);
	free(wire);
	mail_query_free(&q);
	return rc;
}

/* ---- read, attachments ----------------------------------------------------------- */

static void emit_attachments(struct cmd_ctx *ctx, const struct mail_text *t)
{
	json_arr_begin(ctx->json);
	for (size_t i = 0; i < t->natt; i++) {
		json_obj_begin(ctx->json);
		json_key(ctx->json, "index");
		json_int(ctx->json, (long long)i + 1);
		json_key(ctx->json, "name");
		json_str(ctx->json, t->att[i].name);
		json_key(ctx->json, "type");
		json_str(ctx->json, t->att[i].type);
		json_key(ctx->json, "size");
		json_int(ctx->json, (long long)t->att[i].size);
		json_obj_end(ctx->json);
	}
	json_arr_end(ctx->json);
}

/* atrium mail attachments ID [--save DIR] [--json] */
static int cmd_attachments(struct mmod *m, struct cmd_ctx *ctx, const char *ids,
			   const char *dir)
{
	struct buf b;
	struct mail_text t;
	char *end;
	long long id = strtoll(ids, &end, 10);
	int rc = 0, dfd = -1;

	if (*end || id <= 0)
		return err_tr(ctx->err, E_NOTFOUND, "mail.no_message", TR_S(ids));
	buf_init(&b);
	if ((rc = mail_acct_body(m->ma, id, &b, ctx->err)) < 0) {
		buf_free(&b);
		return rc;
	}
	mail_text_parse(b.data ? b.data : "", b.len, &t);
	if (dir) {
		if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
			rc = err_set(ctx->err, E_IO, "%s: %s", dir, strerror(errno));
			goto out;
		}
		if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
			rc = err_set(ctx->err, E_IO, "%s: %s", dir, strerror(errno));
			goto out;
		}
	}
	if (ctx->json)
		json_arr_begin(ctx->json);
	for (size_t i = 0; i < t.natt && rc == 0; i++) {
		char *made = NULL;
		if (dir) {
			struct buf data;
			char *safe = mail_safe_name(t.att[i].name, (int)i + 1);
			buf_init(&data);
			rc = mail_attach_data(b.data ? b.data : "", b.len, &t, i + 1, &data, ctx->err);
			if (rc == 0)
				rc = mail_save_unique(dfd, safe, data.data ? data.data : "", data.len,
						      &made, ctx->err);
			buf_free(&data);
			free(safe);
		}
		if (rc == 0 && ctx->json) {
			json_obj_begin(ctx->json);
			json_key(ctx->json, "index");
			json_int(ctx->json, (long long)i + 1);
			json_key(ctx->json, "name");
			json_str(ctx->json, t.att[i].name);
			json_key(ctx->json, "type");
			json_str(ctx->json, t.att[i].type);
			json_key(ctx->json, "size");
			json_int(ctx->json, (long long)t.att[i].size);
			if (made) {
				json_key(ctx->json, "saved_as");
				json_str(ctx->json, made);
			}
			json_obj_end(ctx->json);
		} else if (rc == 0) {
			fprintf(ctx->out, "%zu\t", i + 1);
			put_safe(ctx->out, t.att[i].name);
			fprintf(ctx->out, "\t%s\t%zu", t.att[i].type, t.att[i].size);
			if (made) {
				fputc('\t', ctx->out);
				put_safe(ctx->out, made);
			}
			fputc('\n', ctx->out);
		}
		free(made);
	}
	if (ctx->json)
		json_arr_end(ctx->json);
out:
	if (dfd >= 0)
		close(dfd);
	mail_text_free(&t);
	buf_free(&b);
	return rc;
}

/* ---- read ------------------------------------------------------------------------- */

static int cmd_read(struct mmod *m, struct cmd_ctx *ctx, const char *ids, int raw)
{
	struct buf b;
	struct mail_text t;
	char *end;
	long long id = strtoll(ids, &end, 10);
	int rc;

	if (*end || id <= 0)
		return err_tr(ctx->err, E_NOTFOUND, "mail.no_message", TR_S(ids));
	buf_init(&b);
	if ((rc = mail_acct_body(m->ma, id, &b, ctx->err)) < 0) {
		buf_free(&b);
		return rc;
	}
	if (raw && !ctx->json) {
		fwrite(b.data ? b.data : "", 1, b.len, ctx->out);
		buf_free(&b);
		return 0;
	}
	mail_text_parse(b.data ? b.data : "", b.len, &t);
	if (ctx->json) {
		json_obj_begin(ctx->json);
		json_key(ctx->json, "id");
		json_int(ctx->json, id);
		static const char *const keys[] = { "from", "to", "cc", "date", "subject" };
		const char *vals[] = { t.from, t.to, t.cc, t.date, t.subject };
		for (size_t i = 0; i < nitems(keys); i++) {
			json_key(ctx->json, keys[i]);
			if (vals[i])
				json_str(ctx->json, vals[i]);
			else
				json_null(ctx->json);
		}
		json_key(ctx->json, "text");
		if (t.text)
			json_strn(ctx->json, t.text, t.text_len);
		else
			json_null(ctx->json);
		json_key(ctx->json, "links");
		json_arr_begin(ctx->json);
		for (size_t i = 0; i < t.nlinks; i++)
			json_str(ctx->json, t.links[i]);
		json_arr_end(ctx->json);
		json_key(ctx->json, "attachments");
		emit_attachments(ctx, &t);
		if (raw) {
			json_key(ctx->json, "raw");
			json_strn(ctx->json, b.data ? b.data : "", b.len);
		}
		json_obj_end(ctx->json);
	} else {
		static const char *const names[] = { "From", "To", "Cc", "Date", "Subject" };
		const char *vals[] = { t.from, t.to, t.cc, t.date, t.subject };
		for (size_t i = 0; i < nitems(names); i++) {
			if (!vals[i])
				continue;
			fprintf(ctx->out, "%s: ", names[i]);
			put_safe(ctx->out, vals[i]);
			fputc('\n', ctx->out);
		}
		fputc('\n', ctx->out);
		if (t.text) {
			/* line by line: the breaks stay, controls go */
			const char *p = t.text, *e = t.text + t.text_len;
			while (p < e) {
				const char *nl = memchr(p, '\n', (size_t)(e - p));
				size_t l = nl ? (size_t)(nl - p) : (size_t)(e - p);
				struct buf line;
				buf_init(&line);
				ui_sanitize(p, l, &line);
				fputs(buf_cstr(&line), ctx->out);
				fputc('\n', ctx->out);
				buf_free(&line);
				p += l + (nl != NULL);
			}
		} else {
			char msg[300];
			fprintf(ctx->out, "%s\n", trf(msg, sizeof msg, "mail.no_text", TR_S(ids)));
		}
		/* links and attachments after the text, as neomutt lists them */
		for (size_t i = 0; i < t.nlinks; i++) {
			fprintf(ctx->out, "%s[%zu] ", i ? "" : "\n", i + 1);
			put_safe(ctx->out, t.links[i]);
			fputc('\n', ctx->out);
		}
		if (t.natt)
			fputc('\n', ctx->out);
		for (size_t i = 0; i < t.natt; i++) {
			fprintf(ctx->out, "[%s %zu] ", tr("mail.attachment"), i + 1);
			put_safe(ctx->out, t.att[i].name);
			fprintf(ctx->out, " (%s, %zu B)\n", t.att[i].type, t.att[i].size);
		}
	}
	mail_text_free(&t);
	buf_free(&b);
	return 0;
}

/* ---- the verbs ---------------------------------------------------------------------- */

static int mmod_command(void *state, struct cmd_ctx *ctx, int argc, char **argv)
{
	struct mmod *m = state;
	const char *verb = argv[0], *folder = NULL, *pos = NULL;
	long limit = 0;
	int unread = 0, raw = 0, npos = 0, rc;
	const char *save = NULL;
	static const char all[] = "atrium mail status|folders|sync|list|search|read|send|reply|"
				  "forward|mark|move|copy|delete|archive|expunge|attachments|mkdir|rmdir|"
				  "rename|subscribe|unsubscribe";

	if (mail_verb_known(verb)) {
		if ((rc = mail_verb_usage(ctx, argc, argv)) < 0)
			return rc;
		if ((rc = need_acct(m, ctx->err)) < 0)
			return rc;
		return mail_verb_run(m->ma, ctx, argc, argv);
	}

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--folder") && i + 1 < argc) {
			folder = argv[++i];
		} else if (!strcmp(argv[i], "--limit") && i + 1 < argc) {
			char *end;
			limit = strtol(argv[++i], &end, 10);
			if (*end || limit <= 0)
				return usage(ctx, "atrium mail list --limit N (N > 0)");
		} else if (!strcmp(argv[i], "--unread")) {
			unread = 1;
		} else if (!strcmp(argv[i], "--raw")) {
			raw = 1;
		} else if (!strcmp(argv[i], "--save") && i + 1 < argc) {
			save = argv[++i];
		} else if (argv[i][0] == '-' && argv[i][1]) {
			return usage(ctx, all);
		} else {
			pos = argv[i];
			npos++;
		}
	}
	if (!strcmp(verb, "status"))
		return argc == 1 ? account_cmd_status(m->acct, ctx) : usage(ctx, "atrium mail status");
	/* usage first: a wrong verb touches neither store nor network */
	if (!strcmp(verb, "folders")) {
		if (argc != 1)
			return usage(ctx, "atrium mail folders [--json]");
	} else if (!strcmp(verb, "sync")) {
		if (npos || limit || unread || raw)
			return usage(ctx, "atrium mail sync [--folder F]");
	} else if (!strcmp(verb, "list")) {
		if (npos || raw)
			return usage(ctx, "atrium mail list [--folder F] [--limit N] [--unread] [--json]");
	} else if (!strcmp(verb, "search")) {
		if (npos != 1 || unread || raw || save)
			return usage(ctx, "atrium mail search QUERY [--folder F] [--limit N] [--json]");
	} else if (!strcmp(verb, "read")) {
		if (npos != 1 || folder || limit || unread || save)
			return usage(ctx, "atrium mail read ID [--raw] [--json]");
	} else if (!strcmp(verb, "attachments")) {
		if (npos != 1 || folder || limit || unread || raw)
			return usage(ctx, "atrium mail attachments ID [--save DIR] [--json]");
	} else {
		return usage(ctx, all);
	}
	/* these talk to the server: on the screen the tab's worker runs
	 * them, the command returns at once */
	if (ctx->interactive && m->view && !strcmp(verb, "sync")) {
		if (folder) { /* the tab shows that folder, then syncs it */
			char *wire;
			if ((rc = need_acct(m, ctx->err)) < 0)
				return rc;
			if (!(wire = folder_wire(m, folder)))
				return err_tr(ctx->err, E_NOTFOUND, "mail.no_folder", TR_S(folder));
			mail_view_folder(m->view, wire);
			free(wire);
		}
		if ((rc = mail_view_sync(m->view, ctx->err)) == 0)
			fprintf(ctx->out, "%s\n", tr("mail.syncing"));
		return rc;
	}
	if (ctx->interactive && m->view && !strcmp(verb, "read") && !raw && !ctx->json) {
		char *end;
		long long id = strtoll(pos, &end, 10);
		if (*end || id <= 0)
			return err_tr(ctx->err, E_NOTFOUND, "mail.no_message", TR_S(pos));
		return mail_view_open(m->view, id, ctx->err);
	}
	/* the rest would wait for the server on this thread */
	if (ctx->interactive && (!strcmp(verb, "folders") || !strcmp(verb, "sync") ||
				 !strcmp(verb, "read")))
		return err_set(ctx->err, E_USAGE, "%s", tr("mail.screen_batch_only"));
	if ((rc = need_acct(m, ctx->err)) < 0)
		return rc;
	if (!strcmp(verb, "folders"))
		return cmd_folders(m, ctx);
	if (!strcmp(verb, "sync"))
		return cmd_sync(m, ctx, folder);
	if (!strcmp(verb, "list"))
		return cmd_list(m, ctx, folder, limit, unread);
	if (!strcmp(verb, "search"))
		return cmd_search(m, ctx, pos, folder, limit);
	if (!strcmp(verb, "attachments"))
		return cmd_attachments(m, ctx, pos, save);
	return cmd_read(m, ctx, pos, raw);
}

static void mmod_draw(void *state, struct ui_area *area)
{
	struct mmod *m = state;

	if (!m->view || !account_configured(m->acct) || !m->env->store) {
		account_draw(m->acct, area);
		return;
	}
	mail_view_draw(m->view, area, m->acct);
}

static int mmod_key(void *state, int key)
{
	struct mmod *m = state;

	if (!m->view || !account_configured(m->acct) || !m->env->store)
		return 0;
	return mail_view_key(m->view, key);
}

static int mmod_taking_text(void *state)
{
	struct mmod *m = state;

	return m->view && m->env->store && mail_view_taking_text(m->view);
}

static int mmod_unsaved(void *state)
{
	struct mmod *m = state;

	return m->view && m->env->store && mail_view_unsaved(m->view);
}

static void mmod_on_event(void *state, const struct module_event *ev)
{
	struct mmod *m = state;

	if (m->view && account_configured(m->acct) && m->env->store)
		mail_view_event(m->view, ev);
}

static void mmod_status(void *state, struct module_status *st)
{
	struct mmod *m = state;

	account_status(m->acct, st);
	if (m->view && account_configured(m->acct))
		mail_view_status(m->view, st);
}

static const struct module_verb mail_verbs[] = {
	{ "status", "[--json]", "verb.status" },
	{ "folders", "[--json]", "verb.mail.folders" },
	{ "sync", "[--folder F]", "verb.mail.sync" },
	{ "list", "[--folder F] [--limit N] [--unread] [--json]", "verb.mail.list" },
	{ "search", "QUERY [--folder F] [--limit N] [--json]", "verb.mail.search" },
	{ "read", "ID [--raw] [--json]", "verb.mail.read" },
	{ "send", "--to A [--cc A] [--bcc A] --subject S [--attach FILE]... < body", "verb.mail.send" },
	{ "reply", "ID [--all] < body", "verb.mail.reply" },
	{ "forward", "ID --to A [--cc A] [--attached] < body", "verb.mail.forward" },
	{ "mark", "ID... read|unread|flag|unflag", "verb.mail.mark" },
	{ "move", "ID... FOLDER", "verb.mail.move" },
	{ "copy", "ID... FOLDER", "verb.mail.copy" },
	{ "delete", "ID...", "verb.mail.delete" },
	{ "archive", "ID...", "verb.mail.archive" },
	{ "expunge", "[--folder F]", "verb.mail.expunge" },
	{ "attachments", "ID [--save DIR] [--json]", "verb.mail.attachments" },
	{ "mkdir", "FOLDER", "verb.mail.mkdir" },
	{ "rmdir", "FOLDER --yes", "verb.mail.rmdir" },
	{ "rename", "FOLDER NEW", "verb.mail.rename" },
	{ "subscribe", "FOLDER", "verb.mail.subscribe" },
	{ "unsubscribe", "FOLDER", "verb.mail.unsubscribe" },
	{ NULL, NULL, NULL },
};

static const struct module_key mail_keys[] = {
	{ "j / k, Up / Down, PgUp / PgDn, g / G", "mail.key.move" },
	{ "Enter", "mail.key.open" },
	{ "q / Esc", "mail.key.back" },
	{ "c / Tab", "mail.key.folders" },
	{ "s", "mail.key.sync" },
	{ "t / T", "mail.key.tag" },
	{ "N / F", "mail.key.mark" },
	{ "d / u", "mail.key.delete" },
	{ "a", "mail.key.archive" },
	{ "M / C", "mail.key.movecopy" },
	{ "$", "mail.key.expunge" },
	{ "o / O", "mail.key.sort" },
	{ "z / Z", "mail.key.collapse" },
	{ "m / r / R / f", "mail.key.write" },
	{ NULL, NULL },
};

const struct module mail_module = {
	.name = "mail",
	.title_key = "tab.mail",
	.init = mmod_init,
	.free = mmod_free,
	.draw = mmod_draw,
	.key = mmod_key,
	.taking_text = mmod_taking_text,
	.command = mmod_command,
	.on_event = mmod_on_event,
	.status = mmod_status,
	.unsaved = mmod_unsaved,
	.verbs = mail_verbs,
	.keys = mail_keys,
};
