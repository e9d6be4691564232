/*
 * ops.c - the share's operations: listings and contents cached in the
 * store (file_entry rows, contents as encrypted blobs), uploads through the
 * outbox with If-Match under a LOCK, merges on 412, and the rest of the
 * WebDAV verbs. See sync.c for the rules.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "i18n/i18n.h"
#include "modules/files/files_int.h"
#include "modules/files/merge.h"
#ifdef MOD_SHEETS
#include "modules/sheets/sheets.h"
#endif

/* ---- the outbox payload of an upload ------------------------------------------ */

/* "key=value\n" lines; values never hold a newline (paths cannot: see
 * files_norm_path; blob ids and ETags are checked). */
struct upload {
	char *path;
	char *local;  /* blob of the version to upload */
	char *base;   /* blob of the version it was made from, or NULL */
	char *etag;   /* that version's ETag, NULL for a new file */
	char *remote; /* after a conflict: the server's version (blob) */
	char *retag;  /* and its ETag */
	char *why;    /* "content", "deleted", "exists" */
	int force;
};

static void upload_free(struct upload *u)
{
	free(u->path);
	free(u->local);
	free(u->base);
	free(u->etag);
	free(u->remote);
	free(u->retag);
	free(u->why);
	memset(u, 0, sizeof *u);
}

static void kv(struct buf *b, const char *k, const char *v)
{
	if (!v)
		return;
	buf_printf(b, "%s=", k);
	for (const char *p = v; *p; p++)
		buf_addc(b, *p == '\n' ? ' ' : *p);
	buf_addc(b, '\n');
}

static void upload_encode(const struct upload *u, struct buf *b)
{
	buf_init(b);
	kv(b, "path", u->path);
	kv(b, "local", u->local);
	kv(b, "base", u->base);
	kv(b, "etag", u->etag);
	kv(b, "remote", u->remote);
	kv(b, "retag", u->retag);
	kv(b, "why", u->why);
	if (u->force)
		kv(b, "force", "1");
}

static int upload_decode(const unsigned char *p, size_t len, struct upload *u, struct err *e)
{
	const char *s = (const char *)p, *end = s + len;

	memset(u, 0, sizeof *u);
	while (s < end) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		const char *eq;
		char **slot = NULL;
		if (!nl)
			nl = end;
		eq = memchr(s, '=', (size_t)(nl - s));
		if (eq) {
			size_t kl = (size_t)(eq - s);
#define K(name) (kl == strlen(#name) && memcmp(s, #name, kl) == 0)
			if (K(path))
				slot = &u->path;
			else if (K(local))
				slot = &u->local;
			else if (K(base))
				slot = &u->base;
			else if (K(etag))
				slot = &u->etag;
			else if (K(remote))
				slot = &u->remote;
			else if (K(retag))
				slot = &u->retag;
			else if (K(why))
				slot = &u->why;
			else if (K(force))
				u->force = 1;
#undef K
			if (slot) {
				free(*slot);
				*slot = xstrndup(eq + 1, (size_t)(nl - eq - 1));
			}
		}
		s = nl + 1;
	}
	if (!u->path || !u->local) {
		upload_free(u);
		return err_set(e, E_PARSE, "%s", tr("files.err.bad_entry"));
	}
	return 0;
}

static int upload_save(struct files *f, int64_t id, const struct upload *u, struct err *e)
{
	struct buf b;
	int rc;

	upload_encode(u, &b);
	rc = store_outbox_set_payload(f->store, id, b.data, b.len, e);
	buf_free(&b);
	return rc;
}

/* ---- the cache ---------------------------------------------------------------------- */

static sqlite3 *cdb(struct files *f)
{
	return store_cache(f->store);
}

static char *col(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);
	return t ? xstrdup((const char *)t) : NULL;
}

struct centry {
	int found, is_dir;
	char *etag;      /* as last listed or fetched */
	char *blob;      /* cached content */
	char *blob_etag; /* the ETag of that content */
	int64_t size, mtime;
};

static void centry_free(struct centry *c)
{
	free(c->etag);
	free(c->blob);
	free(c->blob_etag);
	memset(c, 0, sizeof *c);
}

static void cache_get(struct files *f, const char *path, struct centry *c)
{
	sqlite3_stmt *st;

	memset(c, 0, sizeof *c);
	if (sqlite3_prepare_v2(cdb(f),
			       "SELECT is_dir, etag, base_blob, local_blob, size, mtime FROM file_entry"
			       " WHERE share=?1 AND path=?2",
			       -1, &st, NULL) != SQLITE_OK)
		return;
	sqlite3_bind_text(st, 1, f->share, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, path, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		c->found = 1;
		c->is_dir = sqlite3_column_int(st, 0);
		c->etag = col(st, 1);
		c->blob = col(st, 2);
		/* local_blob holds the ETag of the cached content (base_blob) */
		c->blob_etag = col(st, 3);
		c->size = sqlite3_column_int64(st, 4);
		c->mtime = sqlite3_column_int64(st, 5);
	}
	sqlite3_finalize(st);
}

/* Record what a listing said about entries (the cached content stays);
 * one statement for them all. */
static void cache_listed(struct files *f, const struct dav_entry *v, size_t n, int64_t now)
{
	sqlite3_stmt *st;

	if (sqlite3_prepare_v2(cdb(f),
			       "INSERT INTO file_entry(share, path, is_dir, etag, size, mtime, listed_at)"
			       " VALUES(?1,?2,?3,?4,?5,?6,?7) ON CONFLICT(share, path) DO UPDATE SET"
			       " is_dir=?3, etag=?4, size=?5, mtime=?6, listed_at=?7",
			       -1, &st, NULL) != SQLITE_OK)
		return;
	for (size_t i = 0; i < n; i++) {
		const struct dav_entry *d = &v[i];
		sqlite3_bind_text(st, 1, f->share, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, d->path, -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 3, d->is_dir);
		sqlite3_bind_text(st, 4, d->etag, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 5, d->size);
		sqlite3_bind_int64(st, 6, d->modified);
		sqlite3_bind_int64(st, 7, now);
		sqlite3_step(st);
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
}

/* Point path's row at a stored blob holding its content at etag (an
 * older cached blob goes, unless an upload still needs it). */
static int cache_set_blob(struct files *f, const char *path, const char *etag, const char *id,
			  int64_t size, struct err *e)
{
	struct centry old;
	sqlite3_stmt *st;
	int rc;

	cache_get(f, path, &old);
	if ((rc = sqlite3_prepare_v2(cdb(f),
				     "INSERT INTO file_entry(share, path, is_dir, etag, size, mtime,"
				     " base_blob, local_blob, listed_at) VALUES(?1,?2,0,?3,?4,?5,?6,?3,?5)"
				     " ON CONFLICT(share, path) DO UPDATE SET is_dir=0, etag=?3, size=?4,"
				     " base_blob=?6, local_blob=?3",
				     -1, &st, NULL)) != SQLITE_OK) {
		centry_free(&old);
		return err_tr(e, E_IO, "files.err.cache", TR_S(sqlite3_errmsg(cdb(f))));
	}
	sqlite3_bind_text(st, 1, f->share, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, path, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, etag, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, size);
	sqlite3_bind_int64(st, 5, (int64_t)time(NULL));
	sqlite3_bind_text(st, 6, id, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		centry_free(&old);
		return err_tr(e, E_IO, "files.err.cache", TR_S(sqlite3_errmsg(cdb(f))));
	}
	if (old.blob && strcmp(old.blob, id) != 0 && !files_blob_in_use(f, old.blob))
		store_blob_del(f->store, old.blob, e);
	centry_free(&old);
	return 0;
}

/* Keep content for path at etag. */
static int cache_content(struct files *f, const char *path, const char *etag, const void *data,
			 size_t len, struct err *e)
{
	char id[STORE_BLOB_ID_LEN + 1];

	if (store_blob_put(f->store, data, len, id, e) < 0)
		return e->code;
	if (cache_set_blob(f, path, etag, id, (int64_t)len, e) < 0) {
		struct err e2;
		store_blob_del(f->store, id, &e2);
		return e->code;
	}
	return 0;
}

/* The paths under dir, as a range of the index ("dir/" up to "dir0", '0'
 * following '/'): LIKE would take a '_' or '%' in a name as a pattern. */
struct under {
	char *lo, *hi;
};

static void under_of(const char *dir, struct under *u)
{
	if (*dir) {
		xasprintf(&u->lo, "%s/", dir);
		xasprintf(&u->hi, "%s0", dir);
	} else {
		u->lo = xstrdup("");
		u->hi = xstrdup("\xff");
	}
}

static void under_bind(sqlite3_stmt *st, int i, const struct under *u)
{
	sqlite3_bind_text(st, i, u->lo, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, i + 1, u->hi, -1, SQLITE_STATIC);
}

static void under_free(struct under *u)
{
	free(u->lo);
	free(u->hi);
}

static void cache_forget(struct files *f, const char *path)
{
	sqlite3_stmt *st;
	struct under u;
	struct err e;

	under_of(path, &u);
	if (sqlite3_prepare_v2(cdb(f),
			       "SELECT base_blob FROM file_entry WHERE share=?1 AND (path=?2 OR"
			       " (path>=?3 AND path<?4)) AND base_blob IS NOT NULL",
			       -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_text(st, 1, f->share, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, path, -1, SQLITE_STATIC);
		under_bind(st, 3, &u);
		/* collect first: deleting a blob while stepping is fine, the
		 * rows go afterwards */
		while (sqlite3_step(st) == SQLITE_ROW) {
			const char *b = (const char *)sqlite3_column_text(st, 0);
			if (b && !files_blob_in_use(f, b))
				store_blob_del(f->store, b, &e);
		}
		sqlite3_finalize(st);
	}
	if (sqlite3_prepare_v2(cdb(f),
			       "DELETE FROM file_entry WHERE share=?1 AND (path=?2 OR"
			       " (path>=?3 AND path<?4))",
			       -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_text(st, 1, f->share, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, path, -1, SQLITE_STATIC);
		under_bind(st, 3, &u);
		sqlite3_step(st);
		sqlite3_finalize(st);
	}
	under_free(&u);
}

static int blob_read(struct files *f, const char *id, struct buf *out, struct err *e)
{
	buf_reset(out);
	return store_blob_get(f->store, id, out, e);
}

/* ---- pending uploads ------------------------------------------------------------------ */

struct pend {
	struct outbox_entry en;
	struct upload u;
};

/* The pending upload of path (not done), or 0. */
static int pending_of(struct files *f, const char *path, struct pend *p)
{
	struct outbox_entry *list;
	size_t n;
	struct err e;
	int found = 0;

	if (store_outbox_list(f->store, "files", &list, &n, &e) < 0)
		return 0;
	for (size_t i = 0; i < n; i++) {
		struct upload u;
		if (strcmp(list[i].kind, "put") != 0 ||
		    upload_decode(list[i].payload, list[i].payload_len, &u, &e) < 0)
			continue;
		if (!found && strcmp(u.path, path) == 0) {
			p->en = list[i];
			memset(&list[i], 0, sizeof list[i]);
			p->u = u;
			found = 1;
		} else {
			upload_free(&u);
		}
	}
	store_outbox_list_free(list, n);
	return found;
}

static void pend_free(struct pend *p)
{
	store_outbox_entry_free(&p->en);
	upload_free(&p->u);
}

int files_blob_in_use(struct files *f, const char *blob)
{
	struct outbox_entry *list;
	size_t n;
	struct err e;
	int used = 0;

	if (store_outbox_list(f->store, "files", &list, &n, &e) < 0)
		return 1; /* when in doubt, keep it */
	for (size_t i = 0; i < n && !used; i++) {
		struct upload u;
		if (upload_decode(list[i].payload, list[i].payload_len, &u, &e) < 0)
			continue;
		used = (u.local && !strcmp(u.local, blob)) || (u.base && !strcmp(u.base, blob)) ||
		       (u.remote && !strcmp(u.remote, blob));
		upload_free(&u);
	}
	store_outbox_list_free(list, n);
	return used;
}

static int is_conflict(const struct outbox_entry *en)
{
	return en->state == OUTBOX_FAILED && en->error && strncmp(en->error, "conflict", 8) == 0;
}

/* The conflict texts stored as an outbox entry's error stay English (the
 * "conflict" prefix is what is_conflict and net_replay look for); this is
 * where they are put in the UI language. */
static const struct {
	const char *stored, *key;
} conflict_texts[] = {
	{ "conflict: deleted or moved on the server; yours is kept", "files.conflict.deleted" },
	{ "conflict: another file of that name is on the server", "files.conflict.exists" },
	{ "conflict: changed on the server too", "files.conflict.changed" },
};

const char *files_error_shown(const char *stored)
{
	for (size_t i = 0; stored && i < sizeof conflict_texts / sizeof conflict_texts[0]; i++)
		if (strcmp(stored, conflict_texts[i].stored) == 0)
			return tr(conflict_texts[i].key);
	return stored;
}

/* ---- listing ---------------------------------------------------------------------------- */

static const char propfind_body[] =
	"<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
	"<D:propfind xmlns:D=\"DAV:\"><D:prop><D:resourcetype/><D:getcontentlength/>"
	"<D:getlastmodified/><D:getetag/></D:prop></D:propfind>\n";

/* PROPFIND path at depth 0 or 1. */
static int propfind(struct files *f, const char *path, int depth, struct dav_entry **out,
		    size_t *n, long *status, struct err *e)
{
	const char *hdrs[] = { depth ? "Depth: 1" : "Depth: 0",
			       "Content-Type: application/xml; charset=utf-8", NULL };
	struct net_req_opts o = { .method = "PROPFIND", .path = path, .headers = hdrs,
				  .body = NET_BODY_MEM, .data = propfind_body,
				  .len = sizeof propfind_body - 1, .out_fd = -1 };
	struct net_resp r;
	int rc;

	*out = NULL;
	*n = 0;
	if ((rc = files_req(f, &o, &r, e)) < 0)
		return rc;
	*status = r.status;
	if (r.status == 207)
		rc = dav_parse_multistatus(r.body.data ? r.body.data : "", r.body.len, f->base_path,
					   out, n, e);
	else if (r.status == 404)
		rc = err_tr(e, E_NOTFOUND, "files.err.not_on_server", TR_S(*path ? path : "/"));
	else
		rc = err_tr(e, E_IO, "files.err.list_status", TR_S(*path ? path : "/"),
			    TR_N(r.status));
	files_resp_free(&r);
	return rc;
}

int files_ping(struct files *f, struct err *e)
{
	struct dav_entry *v;
	size_t n;
	long status;
	int rc = propfind(f, "", 0, &v, &n, &status, e);

	if (rc == 0)
		dav_entries_free(v, n);
	return rc;
}

void files_items_free(struct files_item *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].path);
		free(v[i].name);
		free(v[i].etag);
	}
	free(v);
}

static int cached_listing(struct files *f, const char *dir, struct files_item **out, size_t *n)
{
	sqlite3_stmt *st;
	size_t cap = 0;
	struct under u;

	*out = NULL;
	*n = 0;
	under_of(dir, &u);
	if (sqlite3_prepare_v2(cdb(f),
			       "SELECT path, is_dir, size, mtime, etag, base_blob IS NOT NULL FROM file_entry"
			       " WHERE share=?1 AND path>=?2 AND path<?3 AND instr(substr(path, ?4), '/')=0"
			       " AND path<>'' ORDER BY is_dir DESC, path",
			       -1, &st, NULL) != SQLITE_OK) {
		under_free(&u);
		return -1;
	}
	sqlite3_bind_text(st, 1, f->share, -1, SQLITE_STATIC);
	under_bind(st, 2, &u);
	sqlite3_bind_int(st, 4, *dir ? (int)strlen(dir) + 2 : 1);
	while (sqlite3_step(st) == SQLITE_ROW) {
		struct files_item *it;
		const char *p = (const char *)sqlite3_column_text(st, 0), *slash;
		if (*n == cap) {
			cap = cap ? cap * 2 : 32;
			*out = xreallocarray(*out, cap, sizeof **out);
		}
		it = &(*out)[(*n)++];
		memset(it, 0, sizeof *it);
		it->path = xstrdup(p);
		slash = strrchr(p, '/');
		it->name = xstrdup(slash ? slash + 1 : p);
		it->is_dir = sqlite3_column_int(st, 1);
		it->size = sqlite3_column_int64(st, 2);
		it->modified = sqlite3_column_int64(st, 3);
		it->etag = col(st, 4);
		it->cached = sqlite3_column_int(st, 5);
	}
	sqlite3_finalize(st);
	under_free(&u);
	return 0;
}

int files_ls(struct files *f, const char *path, struct files_item **out, size_t *n,
	     int *from_cache, struct err *e)
{
	struct dav_entry *v;
	size_t nv;
	long status = 0;
	char *dir;
	int rc;

	*from_cache = 0;
	if ((rc = files_norm_path(path, &dir, e)) < 0)
		return rc;
	rc = propfind(f, dir, 1, &v, &nv, &status, e);
	if (rc == E_UNREACHABLE) {
		/* offline: what we saw last time; never "empty" for "failed" */
		struct err e2;
		cached_listing(f, dir, out, n);
		*from_cache = 1;
		if (*n == 0) {
			struct centry c;
			cache_get(f, dir, &c);
			if (!c.found && *dir) {
				centry_free(&c);
				free(dir);
				return rc;
			}
			centry_free(&c);
		}
		(void)e2;
		rc = 0;
	} else if (rc == 0) {
		int64_t now = (int64_t)time(NULL);
		sqlite3_stmt *st;
		struct under u;
		/* the listing is the truth for this folder's direct children:
		 * rows it no longer names go (with their cached content), and
		 * nothing else */
		store_exec(cdb(f), "BEGIN IMMEDIATE", e);
		cache_listed(f, v, nv, now);
		under_of(dir, &u);
		if (sqlite3_prepare_v2(cdb(f),
				       "SELECT path FROM file_entry WHERE share=?1 AND path>=?2 AND path<?3"
				       " AND instr(substr(path, ?4), '/')=0 AND path<>'' AND listed_at<?5",
				       -1, &st, NULL) == SQLITE_OK) {
			char **gone = NULL;
			size_t ng = 0;
			sqlite3_bind_text(st, 1, f->share, -1, SQLITE_STATIC);
			under_bind(st, 2, &u);
			sqlite3_bind_int(st, 4, *dir ? (int)strlen(dir) + 2 : 1);
			sqlite3_bind_int64(st, 5, now);
			while (sqlite3_step(st) == SQLITE_ROW) {
				gone = xreallocarray(gone, ng + 1, sizeof *gone);
				gone[ng++] = col(st, 0);
			}
			sqlite3_finalize(st);
			for (size_t i = 0; i < ng; i++) {
				cache_forget(f, gone[i]);
				free(gone[i]);
			}
			free(gone);
		}
		under_free(&u);
		store_exec(cdb(f), "COMMIT", e);
		err_clear(e);
		/* a file listed directly is its own listing */
		if (nv == 1 && !v[0].is_dir) {
			*out = xcalloc(1, sizeof **out);
			*n = 1;
			(*out)[0].path = xstrdup(v[0].path);
			(*out)[0].name = xstrdup(v[0].name);
			(*out)[0].size = v[0].size;
			(*out)[0].modified = v[0].modified;
			(*out)[0].etag = v[0].etag ? xstrdup(v[0].etag) : NULL;
		} else {
			cached_listing(f, dir, out, n);
		}
		dav_entries_free(v, nv);
	} else {
		free(dir);
		return rc;
	}
	/* states, and files made here that the server has not seen yet: the
	 * outbox is read once for the whole folder */
	{
		struct outbox_entry *list;
		size_t nl;
		if (store_outbox_list(f->store, "files", &list, &nl, e) == 0) {
			size_t dl = strlen(dir);
			for (size_t i = 0; i < nl; i++) {
				struct upload u;
				int known = 0;
				if (upload_decode(list[i].payload, list[i].payload_len, &u, e) < 0)
					continue;
				for (size_t k = 0; k < *n; k++) {
					if (!(*out)[k].is_dir && !strcmp((*out)[k].path, u.path) &&
					    (*out)[k].state == FS_SYNCED)
						(*out)[k].state = is_conflict(&list[i]) ? FS_CONFLICT
							: (u.etag ? FS_QUEUED : FS_OFFLINE_ONLY);
				}
				if ((dl == 0 && !strchr(u.path, '/')) ||
				    (dl && strncmp(u.path, dir, dl) == 0 && u.path[dl] == '/' &&
				     !strchr(u.path + dl + 1, '/'))) {
					for (size_t k = 0; k < *n; k++)
						known |= !strcmp((*out)[k].path, u.path);
					if (!known) {
						struct files_item *it;
						*out = xreallocarray(*out, *n + 1, sizeof **out);
						it = &(*out)[(*n)++];
						memset(it, 0, sizeof *it);
						it->path = xstrdup(u.path);
						it->name = xstrdup(strrchr(u.path, '/') ? strrchr(u.path, '/') + 1
											: u.path);
						it->state = is_conflict(&list[i]) ? FS_CONFLICT : FS_OFFLINE_ONLY;
						it->cached = 1;
					}
				}
				upload_free(&u);
			}
			store_outbox_list_free(list, nl);
		}
		err_clear(e);
	}
	free(dir);
	return 0;
}

const char *files_state_name(enum files_state s)
{
	switch (s) {
	case FS_QUEUED:
		return "queued";
	case FS_CONFLICT:
		return "conflict";
	case FS_OFFLINE_ONLY:
		return "offline-only";
	default:
		return "synced";
	}
}

/* ---- contents ------------------------------------------------------------------------------ */

/* GET path; status 200 (content in out, *etag), 304 (not modified) or
 * E_NOTFOUND. */
static int fetch(struct files *f, const char *path, const char *if_none, struct buf *out,
		 char **etag, long *status, struct err *e)
{
	char inm[300];
	const char *hdrs[2] = { NULL, NULL };
	struct net_req_opts o = { .method = "GET", .path = path, .headers = hdrs, .out_fd = -1 };
	struct net_resp r;
	int rc;

	if (if_none) {
		snprintf(inm, sizeof inm, "If-None-Match: %s", if_none);
		hdrs[0] = inm;
	}
	if ((rc = files_req(f, &o, &r, e)) < 0)
		return rc;
	*status = r.status;
	if (r.status == 200) {
		buf_reset(out);
		buf_add(out, r.body.data ? r.body.data : "", r.body.len);
		if (etag) {
			const char *t = r.etag;
			if (t && !strncmp(t, "W/", 2))
				t += 2;
			*etag = t ? xstrdup(t) : NULL;
		}
		rc = 0;
	} else if (r.status == 304) {
		rc = 0;
	} else if (r.status == 404) {
		rc = err_tr(e, E_NOTFOUND, "files.err.not_on_server", TR_S(path));
	} else {
		rc = err_tr(e, E_IO, "files.err.status", TR_S(path), TR_N(r.status));
	}
	files_resp_free(&r);
	return rc;
}

int files_get(struct files *f, const char *path, struct buf *out, char **etag, struct err *e)
{
	struct pend p;
	struct centry c;
	char *norm, *tag = NULL;
	long status = 0;
	int rc;

	if (etag)
		*etag = NULL;
	if ((rc = files_norm_path(path, &norm, e)) < 0)
		return rc;
	if (!*norm) {
		free(norm);
		return err_set(e, E_USAGE, "%s", tr("files.err.need_path"));
	}
	/* our own newer version wins: it is what the user last wrote */
	if (pending_of(f, norm, &p)) {
		rc = blob_read(f, p.u.local, out, e);
		if (rc == 0 && etag && p.u.etag)
			*etag = xstrdup(p.u.etag);
		pend_free(&p);
		free(norm);
		return rc;
	}
	cache_get(f, norm, &c);
	rc = fetch(f, norm, c.blob ? c.blob_etag : NULL, out, &tag, &status, e);
	if (rc == 0 && status == 304 && c.blob && blob_read(f, c.blob, out, e) < 0) {
		/* the cached copy is unreadable (cut short by a crash): ask
		 * for the whole file again */
		err_clear(e);
		xstrset(&c.blob, NULL);
		rc = fetch(f, norm, NULL, out, &tag, &status, e);
	}
	if (rc == 0 && status == 200) {
		struct err e2;
		if (cache_content(f, norm, tag, out->data ? out->data : "", out->len, &e2) < 0)
			log_msg(LOG_WARN, "files: caching %s: %s", norm, e2.msg);
		if (etag)
			*etag = tag;
		else
			free(tag);
	} else if ((rc == 0 && status == 304) || (rc == E_UNREACHABLE && c.blob)) {
		if (c.blob && blob_read(f, c.blob, out, e) == 0) {
			if (etag && c.blob_etag)
				*etag = xstrdup(c.blob_etag);
			if (rc == E_UNREACHABLE)
				log_msg(LOG_INFO, "files: %s from the cache (offline)", norm);
			rc = 0;
			err_clear(e);
		}
	} else if (rc == E_NOTFOUND) {
		cache_forget(f, norm);
	}
	centry_free(&c);
	free(norm);
	return rc;
}

/* ---- uploads --------------------------------------------------------------------------------- */

static const char lock_body[] =
	"<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
	"<D:lockinfo xmlns:D=\"DAV:\"><D:lockscope><D:exclusive/></D:lockscope>"
	"<D:locktype><D:write/></D:locktype><D:owner>atrium</D:owner></D:lockinfo>\n";

/* The current ETag of path (strong form), E_NOTFOUND when it is gone. */
static int head_etag(struct files *f, const char *path, char **etag, int *weak, struct err *e)
{
	struct net_req_opts o = { .method = "HEAD", .path = path, .out_fd = -1 };
	struct net_resp r;
	int rc;

	*etag = NULL;
	if (weak)
		*weak = 0;
	if ((rc = files_req(f, &o, &r, e)) < 0)
		return rc;
	if (r.status == 404) {
		rc = err_tr(e, E_NOTFOUND, "files.err.not_on_server", TR_S(path));
	} else if (r.status / 100 == 2) {
		const char *t = r.etag;
		if (t && !strncmp(t, "W/", 2)) {
			t += 2;
			if (weak)
				*weak = 1;
		}
		*etag = t ? xstrdup(t) : NULL;
	} else {
		rc = err_tr(e, E_IO, "files.err.head_status", TR_S(path), TR_N(r.status));
	}
	files_resp_free(&r);
	return rc;
}

static int mkcol_parents(struct files *f, const char *path, struct err *e)
{
	char *p = xstrdup(path);
	int rc = 0;

	for (char *s = strchr(p, '/'); s; s = strchr(s + 1, '/')) {
		struct net_req_opts o = { .method = "MKCOL", .out_fd = -1 };
		struct net_resp r;
		char *dir;
		*s = 0;
		xasprintf(&dir, "%s/", p);
		o.path = dir;
		rc = files_req(f, &o, &r, e);
		free(dir);
		*s = '/';
		if (rc < 0)
			break;
		/* 201 made; 405 already there */
		if (r.status != 201 && r.status != 405) {
			rc = err_tr(e, E_IO, "files.err.mkcol", TR_S(path), TR_N(r.status));
			files_resp_free(&r);
			break;
		}
		files_resp_free(&r);
	}
	free(p);
	return rc;
}

static void sleep_loop(struct files *f, int ms)
{
	int64_t until = loop_now_ms() + ms;
	while (loop_now_ms() < until)
		loop_run_once(f->loop, (int)(until - loop_now_ms()));
}

/* PUT data to path under lock (token may be NULL) with the conditions. */
static int put_raw(struct files *f, const char *path, const void *data, size_t len,
		   const char *cond, long *status, struct err *e)
{
	const char *hdrs[] = { cond, NULL };
	struct net_req_opts o = { .method = "PUT", .path = path, .headers = cond ? hdrs : NULL,
				  .body = NET_BODY_MEM, .data = data, .len = len, .out_fd = -1 };
	struct net_resp r;
	int rc;

	if ((rc = files_req(f, &o, &r, e)) < 0)
		return rc;
	*status = r.status;
	files_resp_free(&r);
	return 0;
}

static int lock_path(struct files *f, const char *path, const char *etag, char **token,
		     long *status, struct err *e)
{
	char im[300];
	const char *hdrs[] = { "Timeout: Second-30", "Content-Type: application/xml; charset=utf-8",
			       im, NULL };
	struct net_req_opts o = { .method = "LOCK", .path = path, .headers = hdrs,
				  .body = NET_BODY_MEM, .data = lock_body, .len = sizeof lock_body - 1,
				  .out_fd = -1 };
	struct net_resp r;
	int rc;

	*token = NULL;
	snprintf(im, sizeof im, "If-Match: %s", etag);
	if ((rc = files_req(f, &o, &r, e)) < 0)
		return rc;
	*status = r.status;
	if (r.status / 100 == 2 && r.lock_token)
		*token = xstrdup(r.lock_token);
	files_resp_free(&r);
	return 0;
}

static void unlock_path(struct files *f, const char *path, const char *token)
{
	char lt[300];
	const char *hdrs[] = { lt, NULL };
	struct net_req_opts o = { .method = "UNLOCK", .path = path, .headers = hdrs, .out_fd = -1 };
	struct net_resp r;
	struct err e;

	snprintf(lt, sizeof lt, "Lock-Token: %s", token);
	if (files_req(f, &o, &r, &e) == 0)
		files_resp_free(&r);
	/* a lock left behind expires on the server by itself (30 s: it only
	 * spans LOCK, PUT and UNLOCK, and the server checks it when the PUT
	 * begins; a cut that loses the LOCK's answer leaves one we cannot
	 * name, and the entry waits that long, as "locked") */
}

enum up_result { UP_DONE, UP_CONFLICT, UP_RETRY_MERGED };

/*
 * One attempt at an upload. Returns 0 (u updated: done, or merged and to be
 * sent again), E_CONFLICT (u holds the remote side), or E_*.
 */
static int upload_once(struct files *f, struct upload *u, const struct buf *content,
		       enum up_result *res, struct err *e)
{
	long status = 0;
	int rc;

	*res = UP_DONE;
	if (!u->etag || u->force) {
		/* a new file: it must not exist yet (unless forced) */
		rc = put_raw(f, u->path, content->data ? content->data : "", content->len,
			     u->force ? NULL : "If-None-Match: *", &status, e);
		if (rc == 0 && status == 409) {
			if ((rc = mkcol_parents(f, u->path, e)) < 0)
				return rc;
			rc = put_raw(f, u->path, content->data ? content->data : "", content->len,
				     u->force ? NULL : "If-None-Match: *", &status, e);
		}
		if (rc < 0)
			return rc;
		if (status == 412) {
			xstrset(&u->why, "exists");
			return E_CONFLICT;
		}
		if (status == 423)
			return err_tr(e, E_UNREACHABLE, "files.err.locked", TR_S(u->path));
		if (status / 100 != 2)
			return err_tr(e, E_IO, "files.err.put_refused", TR_S(u->path), TR_N(status));
		{
			char *tag = NULL;
			if (head_etag(f, u->path, &tag, NULL, e) == 0) {
				free(u->etag);
				u->etag = tag;
			}
			err_clear(e);
		}
		return 0;
	}
	/* an existing file: lock it at the version we started from */
	{
		char *token = NULL, cond[700];
		for (int tries = 0;; tries++) {
			if ((rc = lock_path(f, u->path, u->etag, &token, &status, e)) < 0)
				return rc;
			if (status != 412)
				break;
			/* moved on, gone, or only called weak for a second */
			{
				char *now = NULL;
				int weak = 0;
				rc = head_etag(f, u->path, &now, &weak, e);
				if (rc == E_NOTFOUND) {
					xstrset(&u->why, "deleted");
					err_clear(e);
					return E_CONFLICT;
				}
				if (rc < 0)
					return rc;
				if (now && strcmp(now, u->etag) == 0 && tries < 6) {
					free(now);
					sleep_loop(f, 400);
					continue;
				}
				free(now);
				xstrset(&u->why, "content");
				return E_CONFLICT;
			}
		}
		if (status == 423)
			return err_tr(e, E_UNREACHABLE, "files.err.locked", TR_S(u->path));
		if (status / 100 != 2 || !token)
			return err_tr(e, E_IO, "files.err.lock_refused", TR_S(u->path), TR_N(status));
		snprintf(cond, sizeof cond, "If: (%s [%s])", token, u->etag);
		rc = put_raw(f, u->path, content->data ? content->data : "", content->len, cond,
			     &status, e);
		if (rc == 0 && status / 100 == 2) {
			char *tag = NULL;
			if (head_etag(f, u->path, &tag, NULL, e) == 0) {
				free(u->etag);
				u->etag = tag;
			}
			err_clear(e);
		} else if (rc == 0) {
			rc = err_tr(e, E_IO, "files.err.put_refused", TR_S(u->path), TR_N(status));
		}
		unlock_path(f, u->path, token);
		free(token);
		return rc;
	}
}

/* After a 412: fetch the server's version and merge. 0 clean (content and
 * u updated: send again), E_CONFLICT (u->remote/retag kept). */
static int upload_merge(struct files *f, struct upload *u, struct buf *content, struct err *e)
{
	struct buf remote, base, merged;
	char *retag = NULL;
	long status = 0;
	int rc, conflicts = 0;
	char id[STORE_BLOB_ID_LEN + 1];

	if (u->why && !strcmp(u->why, "deleted"))
		return E_CONFLICT;
	buf_init(&remote);
	buf_init(&base);
	buf_init(&merged);
	rc = fetch(f, u->path, NULL, &remote, &retag, &status, e);
	if (rc == E_NOTFOUND) {
		xstrset(&u->why, "deleted");
		err_clear(e);
		rc = E_CONFLICT;
		goto out;
	}
	if (rc < 0)
		goto out;
	if (store_blob_put(f->store, remote.data ? remote.data : "", remote.len, id, e) < 0) {
		rc = e->code;
		goto out;
	}
	xstrset(&u->remote, id);
	xstrset(&u->retag, retag);
	if (u->base && blob_read(f, u->base, &base, e) < 0) {
		rc = e->code;
		goto out;
	}
	rc = files_merge(u->path, &base, content, &remote, &merged, &conflicts, e);
	if (rc < 0)
		goto out;
	if (conflicts > 0) {
		rc = E_CONFLICT;
		goto out;
	}
	/* clean: the merged text goes up as a change of the server's version */
	buf_reset(content);
	buf_add(content, merged.data ? merged.data : "", merged.len);
	if (store_blob_put(f->store, content->data ? content->data : "", content->len, id, e) < 0) {
		rc = e->code;
		goto out;
	}
	xstrset(&u->local, id);
	xstrset(&u->base, u->remote);
	xstrset(&u->etag, retag);
	xstrset(&u->remote, NULL);
	xstrset(&u->retag, NULL);
	xstrset(&u->why, NULL);
	rc = 0;
out:
	free(retag);
	buf_free(&remote);
	buf_free(&base);
	buf_free(&merged);
	return rc;
}

/* Replay one pending upload. 0 done; E_CONFLICT kept; E_* otherwise (the
 * entry stays queued with the error for a transient failure). */
static int upload_entry(struct files *f, int64_t id, struct upload *u, struct buf *sent,
			int *merged, struct err *e)
{
	struct buf content;
	int rc, rounds = 0;
	enum up_result res;

	if (merged)
		*merged = 0;
	buf_init(&content);
	if ((rc = blob_read(f, u->local, &content, e)) < 0) {
		store_outbox_mark(f->store, id, OUTBOX_FAILED, e->msg, e);
		buf_free(&content);
		return rc;
	}
	store_outbox_mark(f->store, id, OUTBOX_SENDING, NULL, e);
	for (;;) {
		rc = upload_once(f, u, &content, &res, e);
		if (rc != E_CONFLICT || rounds++ > 3)
			break;
		rc = upload_merge(f, u, &content, e);
		if (rc != 0)
			break;
		/* merged cleanly: keep the merge durable, then send it */
		upload_save(f, id, u, e);
		if (merged)
			*merged = 1;
	}
	if (rc == 0) {
		struct err e2;
		if (sent) {
			buf_reset(sent);
			buf_add(sent, content.data ? content.data : "", content.len);
		}
		cache_content(f, u->path, u->etag, content.data ? content.data : "", content.len, &e2);
		store_outbox_mark(f->store, id, OUTBOX_DONE, NULL, &e2);
		/* the versions it held are no longer needed */
		if (u->local && !files_blob_in_use(f, u->local)) {
			struct centry c;
			cache_get(f, u->path, &c);
			if (!c.blob || strcmp(c.blob, u->local) != 0)
				store_blob_del(f->store, u->local, &e2);
			centry_free(&c);
		}
		if (u->base && !files_blob_in_use(f, u->base))
			store_blob_del(f->store, u->base, &e2);
	} else if (rc == E_CONFLICT) {
		char msg[200];
		struct err e2;
		upload_save(f, id, u, &e2);
		if (!strcmp(u->why ? u->why : "", "deleted"))
			snprintf(msg, sizeof msg, "%s", conflict_texts[0].stored);
		else if (!strcmp(u->why ? u->why : "", "exists"))
			snprintf(msg, sizeof msg, "%s", conflict_texts[1].stored);
		else
			snprintf(msg, sizeof msg, "%s", conflict_texts[2].stored);
		store_outbox_mark(f->store, id, OUTBOX_FAILED, msg, &e2);
		err_tr(e, E_CONFLICT, "files.err.conflict", TR_S(u->path), TR_S(files_error_shown(msg)));
	} else {
		struct err e2;
		/* unreachable, or a certificate or password the user must fix:
		 * the upload waits for that, it has not failed */
		int wait = rc == E_UNREACHABLE || rc == E_TLS || rc == E_AUTH;
		store_outbox_mark(f->store, id, wait ? OUTBOX_QUEUED : OUTBOX_FAILED, e->msg, &e2);
	}
	buf_free(&content);
	return rc;
}

int files_put(struct files *f, const char *path, const void *data, size_t len, int force,
	      struct buf *merged, int *was_merged, struct err *e)
{
	struct upload u;
	struct pend p;
	struct centry c;
	char id[STORE_BLOB_ID_LEN + 1], *norm, *idem;
	struct buf b;
	int64_t eid = 0;
	int rc, had = 0;

	if ((rc = files_norm_path(path, &norm, e)) < 0)
		return rc;
	if (!*norm) {
		free(norm);
		return err_set(e, E_USAGE, "%s", tr("files.err.need_path"));
	}
	if (store_blob_put(f->store, data, len, id, e) < 0) {
		free(norm);
		return e->code;
	}
	memset(&u, 0, sizeof u);
	if ((had = pending_of(f, norm, &p))) {
		/* a newer version of an upload still waiting: it replaces the
		 * content and keeps the base it was made from */
		u = p.u;
		memset(&p.u, 0, sizeof p.u);
		{
			/* the newer version replaces the older one (also in a
			 * conflict: yours is then the newer one) */
			char *old = u.local;
			u.local = xstrdup(id);
			eid = p.en.id;
			upload_save(f, eid, &u, e);
			if (old && strcmp(old, id) != 0 && !files_blob_in_use(f, old))
				store_blob_del(f->store, old, e);
			free(old);
		}
		if (force)
			u.force = 1;
		pend_free(&p);
	} else {
		cache_get(f, norm, &c);
		u.path = xstrdup(norm);
		u.local = xstrdup(id);
		if (c.blob && c.blob_etag) {
			u.base = xstrdup(c.blob);
			u.etag = xstrdup(c.blob_etag);
		}
		u.force = force;
		centry_free(&c);
		upload_encode(&u, &b);
		xasprintf(&idem, "put:%s:%s", norm, id);
		rc = store_outbox_add(f->store, "files", "put", idem, norm, b.data, b.len, &eid, e);
		free(idem);
		buf_free(&b);
		if (rc < 0) {
			store_blob_del(f->store, id, e);
			upload_free(&u);
			free(norm);
			return rc;
		}
	}
	free(norm);
	err_clear(e);
	/* queued: now try to send it */
	if (had) {
		struct outbox_entry en;
		if (store_outbox_get(f->store, eid, &en, e) == 0) {
			if (is_conflict(&en)) {
				store_outbox_entry_free(&en);
				rc = err_tr(e, E_CONFLICT, "files.err.still_conflict", TR_S(u.path));
				upload_free(&u);
				return rc;
			}
			store_outbox_entry_free(&en);
		}
	}
	if (!u.etag && !force) {
		/* no base: the file may exist already. With no version of it
		 * ever seen here, an existing file is a conflict, never an
		 * overwrite */
	}
	rc = upload_entry(f, eid, &u, merged, was_merged, e);
	if (rc == E_UNREACHABLE) {
		char why[400];
		snprintf(why, sizeof why, "%.380s", e->msg);
		rc = err_tr(e, E_QUEUED, "files.err.queued", TR_S(u.path), TR_S(why));
	}
	upload_free(&u);
	return rc;
}

/* ---- the queue ----------------------------------------------------------------------------- */

static int replay_one(void *ctx, struct outbox_entry *en, struct err *e)
{
	struct files *f = ctx;
	struct upload u;
	int rc;

	if (strcmp(en->kind, "put") != 0)
		return err_tr(e, E_INTERNAL, "files.err.entry_kind", TR_S(en->kind));
	if ((rc = upload_decode(en->payload, en->payload_len, &u, e)) < 0) {
		store_outbox_mark(f->store, en->id, OUTBOX_FAILED, e->msg, e);
		return rc;
	}
	rc = upload_entry(f, en->id, &u, NULL, NULL, e);
	upload_free(&u);
	return rc;
}

/* Send the queued uploads, in order (net_replay); a conflict blocks only
 * its own file. Stops at the first sign the server cannot be used. */
int files_replay(struct files *f, FILE *log, int *sent, int *conflicts, int *failed,
		 struct err *e)
{
	struct net_replay_stats st;
	int rc = net_replay(f->store, "files", replay_one, f, 0, log, &st, e);

	*sent = st.sent;
	*conflicts = st.conflicts;
	*failed = st.failed;
	return rc;
}

int files_sync(struct files *f, FILE *log, struct err *e)
{
	int rc, sent, conflicts, failed;

	if ((rc = files_replay(f, log, &sent, &conflicts, &failed, e)) < 0)
		return rc;
	if ((rc = files_refresh_pinned(f, log, e)) < 0)
		return rc;
	if (log)
		fprintf(log, "%s\n", trf((char[200]){ 0 }, 200, "files.log.summary", TR_N(sent),
					   TR_N(conflicts), TR_N(failed)));
	if (conflicts)
		return err_tr(e, E_CONFLICT, "files.err.conflicts", TR_N(conflicts));
	if (failed)
		return err_tr(e, E_IO, "files.err.failed", TR_N(failed));
	return 0;
}

int files_pending(struct files *f, struct files_pending **out, size_t *n, struct err *e)
{
	struct outbox_entry *list;
	size_t nl;

	*out = NULL;
	*n = 0;
	if (store_outbox_list(f->store, "files", &list, &nl, e) < 0)
		return e->code;
	*out = xcalloc(nl ? nl : 1, sizeof **out);
	for (size_t i = 0; i < nl; i++) {
		struct upload u;
		struct files_pending *p;
		if (upload_decode(list[i].payload, list[i].payload_len, &u, e) < 0)
			continue;
		p = &(*out)[(*n)++];
		p->id = list[i].id;
		p->path = xstrdup(u.path);
		p->state = is_conflict(&list[i]) ? FS_CONFLICT
						 : (u.etag ? FS_QUEUED : FS_OFFLINE_ONLY);
		p->error = list[i].error ? xstrdup(list[i].error) : NULL;
		p->attempts = list[i].attempts;
		upload_free(&u);
	}
	store_outbox_list_free(list, nl);
	err_clear(e);
	return 0;
}

void files_pending_free(struct files_pending *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].path);
		free(v[i].error);
	}
	free(v);
}

int files_conflict_versions(struct files *f, const char *path, struct buf *base,
			    struct buf *local, struct buf *remote, struct err *e)
{
	struct pend p;
	char *norm;
	int rc = 0;

	if ((rc = files_norm_path(path, &norm, e)) < 0)
		return rc;
	if (!pending_of(f, norm, &p) || !is_conflict(&p.en)) {
		if (p.en.id)
			pend_free(&p);
		rc = err_tr(e, E_NOTFOUND, "files.err.no_conflict", TR_S(norm));
		free(norm);
		return rc;
	}
	if (p.u.base)
		rc = blob_read(f, p.u.base, base, e);
	if (rc == 0)
		rc = blob_read(f, p.u.local, local, e);
	if (rc == 0 && p.u.remote)
		rc = blob_read(f, p.u.remote, remote, e);
	pend_free(&p);
	free(norm);
	return rc;
}

int files_resolve(struct files *f, const char *path, const char *take, const void *data,
		  size_t len, struct err *e)
{
	struct pend p;
	char *norm;
	int rc;

	if ((rc = files_norm_path(path, &norm, e)) < 0)
		return rc;
	memset(&p, 0, sizeof p);
	if (!pending_of(f, norm, &p) || !is_conflict(&p.en)) {
		if (p.en.id)
			pend_free(&p);
		rc = err_tr(e, E_NOTFOUND, "files.err.nothing_to_resolve", TR_S(norm));
		free(norm);
		return rc;
	}
	free(norm);
	if (!strcmp(take, "remote")) {
		/* the server's version wins: cache it, drop ours */
		struct buf b;
		buf_init(&b);
		if (p.u.remote && blob_read(f, p.u.remote, &b, e) == 0)
			cache_content(f, p.u.path, p.u.retag, b.data ? b.data : "", b.len, e);
		else if (!p.u.remote)
			cache_forget(f, p.u.path); /* deleted there: gone here too */
		buf_free(&b);
		store_outbox_drop(f->store, p.en.id, e);
		pend_free(&p);
		return 0;
	}
	if (strcmp(take, "local") != 0) {
		char id[STORE_BLOB_ID_LEN + 1];
		if (store_blob_put(f->store, data, len, id, e) < 0) {
			pend_free(&p);
			return e->code;
		}
		xstrset(&p.u.local, id);
	}
	/* ours (or the merged file) goes up over the server's version */
	xstrset(&p.u.base, p.u.remote);
	xstrset(&p.u.etag, p.u.retag); /* NULL after a delete: created anew */
	xstrset(&p.u.remote, NULL);
	xstrset(&p.u.retag, NULL);
	xstrset(&p.u.why, NULL);
	upload_save(f, p.en.id, &p.u, e);
	store_outbox_retry(f->store, p.en.id, e);
	rc = upload_entry(f, p.en.id, &p.u, NULL, NULL, e);
	if (rc == E_UNREACHABLE)
		rc = err_tr(e, E_QUEUED, "files.err.resolved_queued", TR_S(p.u.path));
	pend_free(&p);
	return rc;
}

/* ---- folders and names ------------------------------------------------------------------------ */

int files_mkdir(struct files *f, const char *path, struct err *e)
{
	char *norm, *withslash;
	int rc;

	if ((rc = files_norm_path(path, &norm, e)) < 0)
		return rc;
	if (!*norm) {
		free(norm);
		return err_set(e, E_USAGE, "%s", tr("files.err.need_folder"));
	}
	xasprintf(&withslash, "%s/x", norm);
	rc = mkcol_parents(f, withslash, e); /* makes norm and its parents */
	free(withslash);
	free(norm);
	return rc;
}

static int has_pending_under(struct files *f, const char *path)
{
	struct outbox_entry *list;
	size_t n, pl = strlen(path);
	struct err e;
	int found = 0;

	if (store_outbox_list(f->store, "files", &list, &n, &e) < 0)
		return 0;
	for (size_t i = 0; i < n && !found; i++) {
		struct upload u;
		if (upload_decode(list[i].payload, list[i].payload_len, &u, &e) < 0)
			continue;
		found = !strcmp(u.path, path) || (!strncmp(u.path, path, pl) && u.path[pl] == '/');
		upload_free(&u);
	}
	store_outbox_list_free(list, n);
	return found;
}

int files_move(struct files *f, const char *from, const char *to, int copy, struct err *e)
{
	char *a, *b, *dest, dh[4200];
	const char *hdrs[] = { dh, "Overwrite: F", NULL };
	struct net_req_opts o = { .method = copy ? "COPY" : "MOVE", .headers = hdrs, .out_fd = -1 };
	struct net_resp r;
	int rc;

	if ((rc = files_norm_path(from, &a, e)) < 0)
		return rc;
	if ((rc = files_norm_path(to, &b, e)) < 0) {
		free(a);
		return rc;
	}
	if (!*a || !*b) {
		rc = err_set(e, E_USAGE, "%s", tr("files.err.need_two"));
		goto out;
	}
	if (!copy && has_pending_under(f, a)) {
		rc = err_tr(e, E_CONFLICT, "files.err.unsent_sync", TR_S(a));
		goto out;
	}
	/* the destination's folders first: Apache answers a MOVE into a
	 * missing folder with 500, not 409 */
	if (strchr(b, '/') && (rc = mkcol_parents(f, b, e)) < 0)
		goto out;
	dest = net_url(&f->srv, b);
	snprintf(dh, sizeof dh, "Destination: %s", dest);
	free(dest);
	o.path = a;
	if ((rc = files_req(f, &o, &r, e)) < 0)
		goto out;
	if (r.status == 409) {
		files_resp_free(&r);
		if ((rc = mkcol_parents(f, b, e)) < 0)
			goto out;
		if ((rc = files_req(f, &o, &r, e)) < 0)
			goto out;
	}
	if (r.status == 201 || r.status == 204) {
		if (!copy)
			cache_forget(f, a);
		rc = 0;
	} else if (r.status == 412) {
		rc = err_tr(e, E_CONFLICT, "files.err.exists", TR_S(b));
	} else if (r.status == 404) {
		rc = err_tr(e, E_NOTFOUND, "files.err.not_on_server", TR_S(a));
	} else if (r.status == 423) {
		rc = err_tr(e, E_CONFLICT, "files.err.locked", TR_S(a));
	} else {
		rc = err_tr(e, E_IO, "files.err.status", TR_S(a), TR_N(r.status));
	}
	files_resp_free(&r);
out:
	free(a);
	free(b);
	return rc;
}

int files_rm(struct files *f, const char *path, struct err *e)
{
	struct net_req_opts o = { .method = "DELETE", .out_fd = -1 };
	struct net_resp r;
	char *norm;
	int rc;

	if ((rc = files_norm_path(path, &norm, e)) < 0)
		return rc;
	if (!*norm) {
		free(norm);
		return err_set(e, E_USAGE, "%s", tr("files.err.rm_root"));
	}
	if (has_pending_under(f, norm)) {
		rc = err_tr(e, E_CONFLICT, "files.err.unsent_rm", TR_S(norm));
		free(norm);
		return rc;
	}
	o.path = norm;
	if ((rc = files_req(f, &o, &r, e)) == 0) {
		if (r.status == 204 || r.status == 200) {
			cache_forget(f, norm);
		} else if (r.status == 404) {
			cache_forget(f, norm);
			rc = err_tr(e, E_NOTFOUND, "files.err.not_on_server", TR_S(norm));
		} else if (r.status == 423) {
			rc = err_tr(e, E_CONFLICT, "files.err.locked", TR_S(norm));
		} else {
			rc = err_tr(e, E_IO, "files.err.status", TR_S(norm), TR_N(r.status));
		}
		files_resp_free(&r);
	}
	free(norm);
	return rc;
}

/* ---- folders kept offline ------------------------------------------------------------------------ */

int files_has_pins(struct store *s)
{
	sqlite3_stmt *st;
	int any = 0;

	if (sqlite3_prepare_v2(store_cache(s), "SELECT 1 FROM file_pin LIMIT 1", -1, &st, NULL) ==
	    SQLITE_OK) {
		any = sqlite3_step(st) == SQLITE_ROW;
		sqlite3_finalize(st);
	}
	return any;
}

int files_pin(struct files *f, const char *path, int on, struct err *e)
{
	sqlite3_stmt *st;
	char *norm;
	int rc;

	if ((rc = files_norm_path(path, &norm, e)) < 0)
		return rc;
	rc = sqlite3_prepare_v2(cdb(f),
				on ? "INSERT OR IGNORE INTO file_pin(share, path) VALUES(?1, ?2)"
				   : "DELETE FROM file_pin WHERE share=?1 AND path=?2",
				-1, &st, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_text(st, 1, f->share, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, norm, -1, SQLITE_STATIC);
		rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
		sqlite3_finalize(st);
	}
	free(norm);
	if (rc != 0)
		return err_tr(e, E_IO, "files.err.cache", TR_S(sqlite3_errmsg(cdb(f))));
	return 0;
}

/* ---- parallel downloads --------------------------------------------------------------------- */

#define FETCH_WINDOW 8

struct pfetch {
	struct files *f;
	const char *path;
	int fd;       /* unused: the body streams into the writer */
	struct store_blob_writer *w; /* the body, encrypted as it arrives */
	struct err werr;
	int started, done;
	struct net_req *req;
	struct net_resp r; /* status, failed/code/msg, etag copied */
};

static void pf_done(struct net_req *req, const struct net_resp *resp, void *arg)
{
	struct pfetch *p = arg;

	p->r.status = resp->status;
	p->r.failed = resp->failed;
	p->r.code = resp->code;
	snprintf(p->r.msg, sizeof p->r.msg, "%s", resp->msg);
	p->r.etag = resp->etag ? xstrdup(resp->etag) : NULL;
	p->r.bytes = resp->bytes;
	p->done = 1;
}

/* The body of a download, straight into an encrypted blob: no plaintext
 * copy on disk and no second pass over a big file. */
static int pf_sink(void *arg, const void *p, size_t n)
{
	struct pfetch *pf = arg;

	return store_blob_writer_write(pf->w, p, n, &pf->werr) < 0 ? -1 : 0;
}

/* The answer to one download: into the store and the cache. */
static int pf_finish(struct files *f, struct pfetch *p, struct err *e)
{
	char id[STORE_BLOB_ID_LEN + 1];
	const char *tag = p->r.etag;
	struct store_blob_writer *w = p->w;

	p->w = NULL; /* finished or aborted here, whatever the answer */
	if (p->r.failed) {
		store_blob_writer_abort(w);
		if (p->werr.code)
			return err_set(e, p->werr.code, "%s", p->werr.msg);
		net_conn_fail(&f->conn, p->r.code, p->r.msg);
		return err_set(e, p->r.code, "%s: %s", f->srv.url, p->r.msg);
	}
	if (p->r.status != 200)
		store_blob_writer_abort(w);
	if (p->r.status == 401)
		return err_tr(e, E_AUTH, "files.err.user_refused", TR_S(f->srv.url),
			      TR_S(f->srv.user ? f->srv.user : "(none)"));
	if (p->r.status == 404)
		return 0; /* gone since the listing */
	if (p->r.status != 200)
		return err_tr(e, p->r.status >= 500 ? E_UNREACHABLE : E_IO, "files.err.status",
			      TR_S(p->path), TR_N(p->r.status));
	net_conn_ok(&f->conn);
	if (tag && !strncmp(tag, "W/", 2))
		tag += 2;
	if (store_blob_writer_finish(w, id, e) < 0)
		return e->code;
	if (cache_set_blob(f, p->path, tag, id, p->r.bytes, e) < 0) {
		struct err e2;
		store_blob_del(f->store, id, &e2);
		return e->code;
	}
	return 1;
}

/* Download paths, FETCH_WINDOW at a time on the loop. */
static int fetch_many(struct files *f, char **paths, size_t n, FILE *log, int *fetched,
		      struct err *e)
{
	struct pfetch *v;
	size_t next = 0, left = n;
	int rc = 0, inflight = 0;

	if (n == 0)
		return 0;
	if ((rc = files_online(f, e)) < 0)
		return rc;
	v = xcalloc(n, sizeof *v);
	while (left > 0) {
		while (rc == 0 && inflight < FETCH_WINDOW && next < n) {
			struct pfetch *p = &v[next++];
			struct net_req_opts o = { .method = "GET", .out_fd = -1 };
			p->f = f;
			p->path = paths[next - 1];
			p->fd = -1;
			if (store_blob_writer_new(f->store, 0, &p->w, e) < 0) {
				rc = e->code;
				break;
			}
			o.path = p->path;
			o.sink = pf_sink;
			o.sink_arg = p;
			if (!(p->req = net_request(f->net, &f->srv, &o, pf_done, p, e))) {
				rc = e->code;
				break;
			}
			p->started = 1;
			inflight++;
		}
		if (inflight == 0)
			break;
		if (__atomic_load_n(&f->cancel, __ATOMIC_ACQUIRE)) {
			for (size_t i = 0; i < next; i++)
				if (v[i].started && !v[i].done)
					net_cancel(v[i].req);
			rc = err_set(e, E_UNREACHABLE, "%s", tr("files.err.stopped"));
			break;
		}
		loop_run_once(f->loop, 200);
		/* the answers that came in go to the cache in one transaction:
		 * one flush of the log for up to FETCH_WINDOW files */
		store_exec(cdb(f), "BEGIN IMMEDIATE", e);
		for (size_t i = 0; i < next; i++) {
			struct pfetch *p = &v[i];
			int r;
			if (!p->started || !p->done)
				continue;
			p->started = 0; /* handled */
			inflight--;
			left--;
			r = rc == 0 ? pf_finish(f, p, e) : 0;
			if (r == 1) {
				(*fetched)++;
				if (log)
					fprintf(log, "%s\n", trf((char[4200]){ 0 }, 4200, "files.log.fetched", TR_S(p->path)));
			} else if (r < 0 && rc == 0) {
				rc = r; /* let the others in flight end, start no more */
			}
			free(p->r.etag);
		}
		{
			struct err e2;
			store_exec(cdb(f), "COMMIT", &e2);
		}
		if (rc < 0 && inflight == 0)
			break;
	}
	for (size_t i = 0; i < n; i++)
		store_blob_writer_abort(v[i].w); /* cancelled or never answered */
	free(v);
	return rc;
}

/* What the cache holds for a folder's files, sorted by path, looked up
 * with bsearch: one query per folder instead of one per file. */
struct cref {
	char *path, *blob, *blob_etag;
};

static int cref_cmp(const void *a, const void *b)
{
	return strcmp(((const struct cref *)a)->path, ((const struct cref *)b)->path);
}

static struct cref *cache_children(struct files *f, const char *dir, size_t *n)
{
	sqlite3_stmt *st;
	struct cref *v = NULL;
	size_t cap = 0;
	struct under u;

	*n = 0;
	under_of(dir, &u);
	if (sqlite3_prepare_v2(cdb(f),
			       "SELECT path, base_blob, local_blob FROM file_entry WHERE share=?1"
			       " AND path>=?2 AND path<?3 AND base_blob IS NOT NULL ORDER BY path",
			       -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_text(st, 1, f->share, -1, SQLITE_STATIC);
		under_bind(st, 2, &u);
		while (sqlite3_step(st) == SQLITE_ROW) {
			if (*n == cap) {
				cap = cap ? cap * 2 : 64;
				v = xreallocarray(v, cap, sizeof *v);
			}
			v[*n].path = col(st, 0);
			v[*n].blob = col(st, 1);
			v[*n].blob_etag = col(st, 2);
			(*n)++;
		}
		sqlite3_finalize(st);
	}
	under_free(&u);
	return v;
}

static void crefs_free(struct cref *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].path);
		free(v[i].blob);
		free(v[i].blob_etag);
	}
	free(v);
}

/* Collect under dir the files whose listed ETag differs from the cached
 * content's (recursing into folders). */
static int stale_under(struct files *f, const char *dir, char ***out, size_t *nout, int depth,
		       struct err *e)
{
	struct files_item *v;
	size_t n;
	int from_cache, rc;

	if (depth > 64)
		return 0;
	if ((rc = files_ls(f, dir, &v, &n, &from_cache, e)) < 0)
		return rc;
	if (from_cache) {
		files_items_free(v, n);
		return err_set(e, E_UNREACHABLE, "%s", f->conn.reason);
	}
	size_t nc;
	struct cref *cached = cache_children(f, dir, &nc);
	for (size_t i = 0; i < n && rc == 0; i++) {
		struct cref key = { .path = v[i].path }, *c;
		int fresh;
		if (v[i].is_dir) {
			rc = stale_under(f, v[i].path, out, nout, depth + 1, e);
			continue;
		}
		if (v[i].state != FS_SYNCED)
			continue;
		c = nc ? bsearch(&key, cached, nc, sizeof *cached, cref_cmp) : NULL;
		fresh = c && c->blob_etag && v[i].etag && !strcmp(c->blob_etag, v[i].etag);
		if (fresh)
			continue;
		*out = xreallocarray(*out, *nout + 1, sizeof **out);
		(*out)[(*nout)++] = xstrdup(v[i].path);
	}
	crefs_free(cached, nc);
	files_items_free(v, n);
	return rc;
}

int files_refresh_pinned(struct files *f, FILE *log, struct err *e)
{
	sqlite3_stmt *st;
	char **dirs = NULL;
	size_t nd = 0;
	int rc = 0, fetched = 0;

	if (sqlite3_prepare_v2(cdb(f), "SELECT path FROM file_pin WHERE share=?1 ORDER BY path", -1,
			       &st, NULL) != SQLITE_OK)
		return err_tr(e, E_IO, "files.err.cache", TR_S(sqlite3_errmsg(cdb(f))));
	sqlite3_bind_text(st, 1, f->share, -1, SQLITE_STATIC);
	while (sqlite3_step(st) == SQLITE_ROW) {
		dirs = xreallocarray(dirs, nd + 1, sizeof *dirs);
		dirs[nd++] = col(st, 0);
	}
	sqlite3_finalize(st);
	{
		char **stale = NULL;
		size_t ns = 0;
		for (size_t i = 0; i < nd; i++) {
			if (rc == 0)
				rc = stale_under(f, dirs[i], &stale, &ns, 0, e);
			free(dirs[i]);
		}
		free(dirs);
		if (rc == 0)
			rc = fetch_many(f, stale, ns, log, &fetched, e);
		for (size_t i = 0; i < ns; i++)
			free(stale[i]);
		free(stale);
	}
	if (rc == 0 && nd && log)
		fprintf(log, "%s\n", trf((char[200]){ 0 }, 200, "files.log.fetched_count", TR_N(fetched)));
	return rc;
}

/* ---- a workbook's conflict, cell by cell ------------------------------------------- */

#ifdef MOD_SHEETS
int files_conflict_cells(struct files *f, const char *path, struct buf *merged,
			 struct sheets_conflict **c, size_t *n, struct err *e)
{
	struct buf base, local, remote;
	int rc;

	*c = NULL;
	*n = 0;
	buf_init(&base);
	buf_init(&local);
	buf_init(&remote);
	rc = files_conflict_versions(f, path, &base, &local, &remote, e);
	if (rc == 0)
		rc = files_merge_cells(path, &base, &local, &remote, merged, c, n, e);
	buf_free(&base);
	buf_free(&local);
	buf_free(&remote);
	return rc;
}

int files_resolve_cells(struct files *f, const char *path, const char *const *choice, size_t nchoice,
			struct err *e)
{
	struct buf merged;
	struct sheets_conflict *c;
	size_t n;
	int rc;

	buf_init(&merged);
	if ((rc = files_conflict_cells(f, path, &merged, &c, &n, e)) < 0) {
		buf_free(&merged);
		return rc;
	}
	if (nchoice != n) {
		/* the conflict changed since the list was shown */
		rc = err_tr(e, E_CONFLICT, "files.err.conflict_changed", TR_S(path));
	} else if ((rc = files_merge_choose(path, &merged, c, n, choice, e)) == 0) {
		rc = files_resolve(f, path, "file", merged.data ? merged.data : "", merged.len, e);
	}
	sheets_conflicts_free(c, n);
	buf_free(&merged);
	return rc;
}
#endif
