/*
 * fts.c - offline search: the "atrium" FTS5 tokenizer and the search index
 * in the cache database,
 *
 *   CREATE VIRTUAL TABLE search USING fts5(kind UNINDEXED, ref UNINDEXED,
 *                                          title, body, tokenize='atrium')
 *
 * which the schema creates and only this file writes.
 *
 * The tokenizer splits text with i18n's word iterator (ICU word breaks, so
 * Chinese is segmented into words: 我们/今天/去/北京/开会) and case-folds
 * each word fully (Straße and STRASSE are one token). Tokens carry the byte
 * offsets of the original text, so snippet() marks what the user wrote.
 * Documents and queries go through the same rules.
 *
 * A user's query is plain text, never FTS5 syntax: it is split by the same
 * rules and every word becomes a quoted string, all of which must occur,
 * the last one also as a prefix ("bud" finds "budget" while typing). So
 * quotes, NEAR, column filters or stars in the query are just text.
 *
 * Rowids: replacing an item means finding its row by kind and ref, which
 * are not indexed, and scanning the table for them costs milliseconds per
 * put at 10k items. So an item lives at a rowid computed from a hash of
 * kind and ref: 47 bits of hash above a 16-bit slot, the slot being the
 * lowest one free in that bucket, which a range scan on rowid finds in
 * microseconds. Buckets almost always hold zero or one row; a collision
 * only takes the next slot. The hash is part of the file format: changing
 * it orphans the rows already written.
 */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "i18n/i18n.h"
#include "store/internal.h"

#define BUCKET_SLOTS 0x10000
#define KIND_MAX (sizeof(((struct store_hit *)0)->kind) - 1)

/* ---- the tokenizer ------------------------------------------------------- */

struct fts_run {
	void *ctx;
	int (*emit)(void *ctx, int flags, const char *tok, int ntok, int start, int end);
	int rc;
};

static void fts_word(const char *s, size_t off, size_t len, void *arg)
{
	struct fts_run *r = arg;
	char *w;

	if (r->rc != SQLITE_OK)
		return; /* txt_words cannot be stopped; skip the rest */
	if (!(w = txt_casefold(s + off, len))) {
		r->rc = SQLITE_NOMEM;
		return;
	}
	r->rc = r->emit(r->ctx, 0, w, (int)strlen(w), (int)off, (int)(off + len));
	free(w);
}

/* Documents, queries, prefixes and auxiliary functions: all the same. */
static int fts_tokenize(Fts5Tokenizer *t, void *ctx, int flags, const char *text, int len,
			int (*emit)(void *ctx, int flags, const char *tok, int ntok, int start,
				    int end))
{
	struct fts_run r = {.ctx = ctx, .emit = emit, .rc = SQLITE_OK};

	if (text != NULL && len > 0)
		txt_words(text, (size_t)len, fts_word, &r);
	return r.rc;
}

/* The tokenizer has no state; FTS5 only needs a non-NULL handle. */
static int fts_tokenizer_state;

static int fts_create(void *ctx, const char **argv, int argc, Fts5Tokenizer **out)
{
	if (argc > 0)
		return SQLITE_ERROR; /* no options: a typo should not pass */
	*out = (Fts5Tokenizer *)&fts_tokenizer_state;
	return SQLITE_OK;
}

static void fts_delete(Fts5Tokenizer *t)
{
}

static fts5_tokenizer fts_tokenizer = {
    .xCreate = fts_create,
    .xDelete = fts_delete,
    .xTokenize = fts_tokenize,
};

/* atrium_hits(search, col): how many matches the row has in column col.
 * The search picks the column its snippet comes from with it. */
static void fts_hits(const Fts5ExtensionApi *api, Fts5Context *fts, sqlite3_context *ctx, int argc,
		     sqlite3_value **argv)
{
	int rc, i, n, want, phrase, col, off, hits = 0;

	if (argc != 1) {
		sqlite3_result_error(ctx, "atrium_hits: wrong number of arguments", -1);
		return;
	}
	want = sqlite3_value_int(argv[0]);
	rc = api->xInstCount(fts, &n);
	for (i = 0; rc == SQLITE_OK && i < n; i++) {
		rc = api->xInst(fts, i, &phrase, &col, &off);
		if (rc == SQLITE_OK && col == want)
			hits++;
	}
	if (rc != SQLITE_OK)
		sqlite3_result_error_code(ctx, rc);
	else
		sqlite3_result_int(ctx, hits);
}

int store_fts_register(sqlite3 *db, struct err *e)
{
	sqlite3_stmt *st;
	fts5_api *api = NULL;
	int rc;

	/* The documented way to reach FTS5's C API (SQLite >= 3.20). */
	if (sqlite3_prepare_v2(db, "SELECT fts5(?1)", -1, &st, NULL) != SQLITE_OK)
		return err_set(e, E_INTERNAL, "search: this SQLite has no FTS5: %s",
			       sqlite3_errmsg(db));
	sqlite3_bind_pointer(st, 1, &api, "fts5_api_ptr", NULL);
	sqlite3_step(st);
	sqlite3_finalize(st);
	if (api == NULL || api->iVersion < 2)
		return err_set(e, E_INTERNAL, "search: this SQLite has no usable FTS5");
	rc = api->xCreateTokenizer(api, "atrium", NULL, &fts_tokenizer, NULL);
	if (rc == SQLITE_OK)
		rc = api->xCreateFunction(api, "atrium_hits", NULL, fts_hits, NULL);
	if (rc != SQLITE_OK)
		return err_set(e, E_INTERNAL, "search: cannot register the tokenizer: %s",
			       sqlite3_errstr(rc));
	return 0;
}

/* ---- the index ------------------------------------------------------------ */

/* Fill e from the connection's last error; returns E_IO. */
static int fts_fail(sqlite3 *db, struct err *e, const char *what)
{
	return err_set(e, E_IO, "search index: %s: %s", what, sqlite3_errmsg(db));
}

static int fts_exec(sqlite3 *db, const char *sql, struct err *e)
{
	if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return fts_fail(db, e, sql);
	return 0;
}

/* The first rowid of the bucket of (kind, ref): FNV-1a 64 of
 * "kind\0ref", top 47 bits, shifted above the slot. Never change it. */
static int64_t fts_bucket(const char *kind, const char *ref)
{
	uint64_t h = 0xcbf29ce484222325u;
	const unsigned char *p;

	for (p = (const unsigned char *)kind; *p; p++)
		h = (h ^ *p) * 0x100000001b3u;
	h = (h ^ 0) * 0x100000001b3u;
	for (p = (const unsigned char *)ref; *p; p++)
		h = (h ^ *p) * 0x100000001b3u;
	return (int64_t)((h >> 17) << 16);
}

static int fts_check_item(const char *kind, const char *ref, struct err *e)
{
	if (kind == NULL || *kind == '\0' || strlen(kind) > KIND_MAX)
		return err_set(e, E_USAGE, "search index: kind must be 1 to %zu bytes", KIND_MAX);
	if (ref == NULL)
		return err_set(e, E_USAGE, "search index: no ref");
	return 0;
}

/* The statement sql on db: the cached one when there is a cache (a put
 * per message of a sync parsed three statements each time: a third of
 * the sync's time), else a new one for this call only. */
static sqlite3_stmt *fts_stmt(sqlite3 *db, sqlite3_stmt **cache, const char *sql)
{
	sqlite3_stmt *st = cache ? *cache : NULL;

	if (st)
		return st;
	if (sqlite3_prepare_v3(db, sql, -1, cache ? SQLITE_PREPARE_PERSISTENT : 0, &st, NULL) !=
	    SQLITE_OK)
		return NULL;
	if (cache)
		*cache = st;
	return st;
}

/* Done with st: a cached one is reset (no read transaction or pointer to
 * the caller's strings is kept), another finalized. */
static void fts_stmt_done(sqlite3_stmt *st, sqlite3_stmt **cache)
{
	if (cache) {
		sqlite3_reset(st);
		sqlite3_clear_bindings(st);
	} else {
		sqlite3_finalize(st);
	}
}

void store_fts_finalize(struct store_fts_stmts *c)
{
	sqlite3_finalize(c->slot);
	sqlite3_finalize(c->del);
	sqlite3_finalize(c->ins);
	memset(c, 0, sizeof *c);
}

/* Delete the rows of (kind, ref) from its bucket. */
static int fts_del_rows(sqlite3 *db, struct store_fts_stmts *c, int64_t lo, const char *kind,
			const char *ref, struct err *e)
{
	static const char sql[] = "DELETE FROM search WHERE rowid BETWEEN ?1 AND ?2"
				  " AND kind = ?3 AND ref = ?4";
	sqlite3_stmt **cache = c ? &c->del : NULL, *st;
	int rc;

	if (!(st = fts_stmt(db, cache, sql)))
		return fts_fail(db, e, "delete");
	sqlite3_bind_int64(st, 1, lo);
	sqlite3_bind_int64(st, 2, lo + BUCKET_SLOTS - 1);
	sqlite3_bind_text(st, 3, kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, ref, -1, SQLITE_STATIC);
	rc = sqlite3_step(st) == SQLITE_DONE ? 0 : fts_fail(db, e, "delete");
	fts_stmt_done(st, cache);
	return rc;
}

/* Where (kind, ref) goes in the bucket starting at lo: the row it already
 * has (*found set), else the lowest free slot. */
static int fts_slot(sqlite3 *db, struct store_fts_stmts *c, int64_t lo, const char *kind,
		    const char *ref, int64_t *rowid, int *found, struct err *e)
{
	static const char sql[] = "SELECT rowid, kind, ref FROM search"
				  " WHERE rowid BETWEEN ?1 AND ?2 ORDER BY rowid";
	sqlite3_stmt **cache = c ? &c->slot : NULL, *st;
	int64_t next = lo, r;
	const char *k, *f;
	int rc;

	*found = 0;
	*rowid = lo;
	if (!(st = fts_stmt(db, cache, sql)))
		return fts_fail(db, e, "find a slot");
	sqlite3_bind_int64(st, 1, lo);
	sqlite3_bind_int64(st, 2, lo + BUCKET_SLOTS - 1);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		r = sqlite3_column_int64(st, 0);
		k = (const char *)sqlite3_column_text(st, 1);
		f = (const char *)sqlite3_column_text(st, 2);
		if (k && f && strcmp(k, kind) == 0 && strcmp(f, ref) == 0) {
			*found = 1;
			next = r;
			break;
		}
		if (r == next)
			next++;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		rc = fts_fail(db, e, "find a slot");
	else if (next == lo + BUCKET_SLOTS)
		rc = err_set(e, E_RANGE, "search index: too many items share one hash");
	else
		rc = 0;
	fts_stmt_done(st, cache);
	*rowid = next;
	return rc;
}

static int fts_insert(sqlite3 *db, struct store_fts_stmts *c, int64_t rowid, const char *kind,
		      const char *ref, const char *title, const char *body, struct err *e)
{
	static const char sql[] = "INSERT INTO search(rowid, kind, ref, title, body)"
				  " VALUES(?1, ?2, ?3, ?4, ?5)";
	sqlite3_stmt **cache = c ? &c->ins : NULL, *st;
	int rc;

	if (!(st = fts_stmt(db, cache, sql)))
		return fts_fail(db, e, "insert");
	sqlite3_bind_int64(st, 1, rowid);
	sqlite3_bind_text(st, 2, kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, ref, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, title ? title : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, body ? body : "", -1, SQLITE_STATIC);
	rc = sqlite3_step(st) == SQLITE_DONE ? 0 : fts_fail(db, e, "insert");
	fts_stmt_done(st, cache);
	return rc;
}

/* keep: an item already indexed stays as it is (nothing is written). */
static int fts_put(sqlite3 *db, struct store_fts_stmts *c, const char *kind, const char *ref,
		   const char *title, const char *body, int keep, struct err *e)
{
	int64_t lo, rowid;
	int rc, found;

	if ((rc = fts_check_item(kind, ref, e)) < 0)
		return rc;
	lo = fts_bucket(kind, ref);
	/* Inside the caller's transaction, that transaction makes the put
	 * atomic (the caller rolls back on error, as for any statement).
	 * A savepoint here would make FTS5 flush its pending terms on every
	 * put and undo the batching: 3x slower for bulk indexing. */
	if (!sqlite3_get_autocommit(db)) {
		if ((rc = fts_slot(db, c, lo, kind, ref, &rowid, &found, e)) == 0 && found && keep)
			return 0;
		if (rc == 0 &&
		    (!found || (rc = fts_del_rows(db, c, lo, kind, ref, e)) == 0))
			rc = fts_insert(db, c, rowid, kind, ref, title, body, e);
		return rc;
	}
	/* Its own transaction, IMMEDIATE: it reads the slot before it writes,
	 * and a deferred one that read before another connection committed
	 * cannot write (db.c). */
	if ((rc = fts_exec(db, "BEGIN IMMEDIATE", e)) < 0)
		return rc;
	if ((rc = fts_slot(db, c, lo, kind, ref, &rowid, &found, e)) == 0 && found && keep) {
		sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
		return 0;
	}
	if (rc == 0 &&
	    (!found || (rc = fts_del_rows(db, c, lo, kind, ref, e)) == 0) &&
	    (rc = fts_insert(db, c, rowid, kind, ref, title, body, e)) == 0 &&
	    (rc = fts_exec(db, "COMMIT", e)) == 0)
		return 0;
	/* Undo, even if COMMIT failed. e already says what failed. */
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}

int store_index_put_db(sqlite3 *db, const char *kind, const char *ref, const char *title,
		       const char *body, struct err *e)
{
	return fts_put(db, NULL, kind, ref, title, body, 0, e);
}

/* Deleting an item that is not indexed is not an error. */
static int fts_del(sqlite3 *db, struct store_fts_stmts *c, const char *kind, const char *ref,
		   struct err *e)
{
	int rc;

	if ((rc = fts_check_item(kind, ref, e)) < 0)
		return rc;
	return fts_del_rows(db, c, fts_bucket(kind, ref), kind, ref, e);
}

int store_index_del_db(sqlite3 *db, const char *kind, const char *ref, struct err *e)
{
	return fts_del(db, NULL, kind, ref, e);
}

/* ---- searching ------------------------------------------------------------- */

struct fts_expr {
	struct buf b;
	size_t words;
};

/* Append one word as a quoted FTS5 string: "a""b" for a"b. */
static void fts_expr_word(const char *s, size_t off, size_t len, void *arg)
{
	struct fts_expr *x = arg;
	char *w, *p;

	if (!(w = txt_casefold(s + off, len)))
		fatal("out of memory (case folding %zu bytes)", len);
	if (x->words++ > 0)
		buf_addc(&x->b, ' ');
	buf_addc(&x->b, '"');
	for (p = w; *p; p++) {
		if (*p == '"')
			buf_addc(&x->b, '"');
		buf_addc(&x->b, *p);
	}
	buf_addc(&x->b, '"');
	free(w);
}

int store_search_db(sqlite3 *db, const char *kind, const char *query, int limit,
		    struct store_hit **hits, size_t *n, struct err *e)
{
	/* Columns: 0 kind, 1 ref, 2 title, 3 body. The snippet comes from the
	 * body unless only the title matched. */
	static const char sql[] = "SELECT kind, ref, rank, CASE WHEN atrium_hits(search, 3) > 0"
				  " THEN snippet(search, 3, '[', ']', '…', 12)"
				  " ELSE snippet(search, 2, '[', ']', '…', 12) END"
				  " FROM search WHERE search MATCH ?1 AND (?2 IS NULL OR kind = ?2)"
				  " ORDER BY rank LIMIT ?3";
	struct fts_expr x = {.words = 0};
	struct store_hit *out = NULL, *h;
	size_t got = 0;
	sqlite3_stmt *st;
	const char *t;
	int rc;

	*hits = NULL;
	*n = 0;
	if (query == NULL || limit <= 0)
		return 0;
	buf_init(&x.b);
	txt_words(query, strlen(query), fts_expr_word, &x);
	if (x.words == 0) {
		buf_free(&x.b);
		return 0;
	}
	buf_addc(&x.b, '*'); /* the last word is also a prefix */
	if (x.b.len > INT_MAX) {
		buf_free(&x.b);
		return err_set(e, E_RANGE, "search: the query is too long");
	}

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		buf_free(&x.b);
		return fts_fail(db, e, "search");
	}
	sqlite3_bind_text(st, 1, x.b.data, (int)x.b.len, SQLITE_STATIC);
	if (kind != NULL)
		sqlite3_bind_text(st, 2, kind, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, limit);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		out = xreallocarray(out, got + 1, sizeof(*out));
		h = &out[got++];
		t = (const char *)sqlite3_column_text(st, 0);
		snprintf(h->kind, sizeof(h->kind), "%s", t ? t : "");
		t = (const char *)sqlite3_column_text(st, 1);
		h->ref = xstrdup(t ? t : "");
		h->rank = sqlite3_column_double(st, 2);
		t = (const char *)sqlite3_column_text(st, 3);
		h->snippet = xstrdup(t ? t : "");
	}
	if (rc != SQLITE_DONE) {
		rc = fts_fail(db, e, "search");
		store_hits_free(out, got);
	} else {
		rc = 0;
		*hits = out;
		*n = got;
	}
	sqlite3_finalize(st);
	buf_free(&x.b);
	return rc;
}

/* ---- through struct store ---------------------------------------------------- */

int store_index_put(struct store *s, const char *kind, const char *ref, const char *title,
		    const char *body, struct err *e)
{
	return fts_put(s->cache, &s->fts, kind, ref, title, body, 0, e);
}

int store_index_add(struct store *s, const char *kind, const char *ref, const char *title,
		    const char *body, struct err *e)
{
	return fts_put(s->cache, &s->fts, kind, ref, title, body, 1, e);
}

int store_index_del(struct store *s, const char *kind, const char *ref, struct err *e)
{
	return fts_del(s->cache, &s->fts, kind, ref, e);
}

int store_search(struct store *s, const char *kind, const char *query, int limit,
		 struct store_hit **hits, size_t *n, struct err *e)
{
	return store_search_db(store_cache(s), kind, query, limit, hits, n, e);
}

void store_hits_free(struct store_hit *hits, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(hits[i].ref);
		free(hits[i].snippet);
	}
	free(hits);
}
