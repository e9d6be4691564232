/*
 * db.c - opening the store: the cache and outbox databases through the
 * encrypting VFS, their pragmas and migrations, and moving a broken cache
 * aside. What cannot be opened is reported with the file's name and what
 * the user can do about it.
 */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "store/internal.h"

/* Done outbox entries are kept this long so a replayed add stays a no-op. */
#define OUTBOX_DONE_KEEP (30 * 24 * 3600)

/*
 * Writers of one process take turns. SQLite's own busy timeout polls with
 * sleeps growing to 100 ms, so a thread waiting for the write lock (the
 * screen saving a journal) missed every gap between a sync's back-to-back
 * transactions and waited until the sync paused: keys answered after 1.6 s
 * in bench/latency. Here the waiter polls every 2 ms and says when it last
 * waited; a transaction about to begin lets such a waiter in first.
 * Writers begin IMMEDIATE: a deferred transaction that read before another
 * connection committed cannot write at all (SQLITE_BUSY_SNAPSHOT, no busy
 * handler called): the first sync of 100k stopped "database is locked"
 * in about one run of six while the screen saved a journal.
 */
static int64_t lock_wanted_ms; /* monotonic ms of the last wait; atomics */
static __thread int64_t own_wait_ms; /* this thread's last: not another's */
static __thread int urgent; /* store_thread_urgent: never yields */

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int busy_wait(void *arg, int tries)
{
	(void)arg;
	if (tries >= 2500) /* about 5 s, as the timeout it replaces */
		return 0;
	own_wait_ms = mono_ms();
	__atomic_store_n(&lock_wanted_ms, own_wait_ms, __ATOMIC_RELAXED);
	usleep(2000);
	return 1;
}

/* Before BEGIN: while another connection waited within the last 25 ms,
 * give it up to 50 ms to take the lock; not on an urgent thread (the
 * screen's: its keys would wait for a worker's batch). A waiter polls
 * every 2 ms, but on a loaded machine its thread may not run for 10 ms
 * (test_writers_take_turns failed so once in CI). */
static void let_waiter_in(void)
{
	for (int i = 0; i < 25 && !urgent; i++) {
		int64_t w = __atomic_load_n(&lock_wanted_ms, __ATOMIC_RELAXED);
		if (w == own_wait_ms || mono_ms() - w >= 25)
			return;
		usleep(2000);
	}
}

/* A waiter polls every 2 ms: one that waited within 5 ms still waits. */
int store_turn_wanted(void)
{
	int64_t w = __atomic_load_n(&lock_wanted_ms, __ATOMIC_RELAXED);

	return w != 0 && w != own_wait_ms && mono_ms() - w < 5;
}

void store_thread_urgent(void)
{
	urgent = 1;
}

int store_bulk(sqlite3 *db, int on, struct err *e)
{
	return store_exec(db, on ? "PRAGMA synchronous=NORMAL" : "PRAGMA synchronous=FULL", e);
}

int store_exec(sqlite3 *db, const char *sql, struct err *e)
{
	char *msg = NULL;
	int rc;

	if (!strncasecmp(sql, "BEGIN", 5))
		let_waiter_in();
	rc = sqlite3_exec(db, sql, NULL, NULL, &msg);

	if (rc != SQLITE_OK) {
		const char *f = sqlite3_db_filename(db, "main");

		err_set(e, E_IO, "%s: %s", f && *f ? f : "database", msg ? msg : sqlite3_errstr(rc));
		sqlite3_free(msg);
		return E_IO;
	}
	return 0;
}

int store_sqlite_err(sqlite3 *db, int rc, const char *path, struct err *e)
{
	int ext = db ? sqlite3_extended_errcode(db) : rc;

	if (ext == SQLITE_IOERR_DATA || rc == SQLITE_NOTADB || rc == SQLITE_CORRUPT)
		return err_set(e, E_IO,
			       "%s cannot be read with this key: the key is wrong, the file was "
			       "tampered with, or it is not an atrium database",
			       path);
	if (rc == SQLITE_FULL || ext == SQLITE_IOERR_WRITE || ext == SQLITE_IOERR_FSYNC)
		return err_set(e, E_IO, "%s: cannot write (%s); nothing was changed", path,
			       db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
	if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
		return err_set(e, E_IO, "%s is busy (another atrium is writing); try again",
			       path);
	return err_set(e, E_IO, "%s: %s", path, db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
}

int store_pragmas(sqlite3 *db, struct err *e)
{
	/* WAL for concurrent readers; FULL so a commit is on disk when it
	 * returns (the outbox promises that); no temp files or mapped pages
	 * that would bypass the encrypting VFS. */
	sqlite3_busy_handler(db, busy_wait, NULL);
	return store_exec(db,
			  "PRAGMA journal_mode=WAL;"
			  "PRAGMA synchronous=FULL;"
			  "PRAGMA temp_store=MEMORY;"
			  "PRAGMA mmap_size=0;"
			  "PRAGMA foreign_keys=ON;",
			  e);
}

static int user_version(sqlite3 *db, int *v)
{
	sqlite3_stmt *st;
	int rc = sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL);

	if (rc != SQLITE_OK)
		return rc;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*v = sqlite3_column_int(st, 0);
		rc = SQLITE_OK;
	}
	sqlite3_finalize(st);
	return rc;
}

int store_migrate(sqlite3 *db, const char *name, const char *const *migrations, int target,
		  struct err *e)
{
	int v = 0, rc;

	rc = user_version(db, &v);
	if (rc != SQLITE_OK)
		return store_sqlite_err(db, rc, name, e);
	if (v > target)
		return err_set(e, E_IO,
			       "%s has schema version %d, newer than this atrium knows (%d); "
			       "use a newer atrium",
			       name, v, target);
	for (; v < target; v++) {
		char set[64];

		snprintf(set, sizeof set, "PRAGMA user_version=%d;", v + 1);
		rc = sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
		if (rc == SQLITE_OK)
			rc = sqlite3_exec(db, migrations[v], NULL, NULL, NULL);
		if (rc == SQLITE_OK)
			rc = sqlite3_exec(db, set, NULL, NULL, NULL);
		if (rc == SQLITE_OK)
			rc = sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
		if (rc != SQLITE_OK) {
			int code = store_sqlite_err(db, rc, name, e);

			sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
			return code;
		}
		log_info("%s: schema %d -> %d", name, v, v + 1);
	}
	return 0;
}

static int open_one(const char *path, const unsigned char key[STORE_KEY_BYTES], int with_fts,
		    int one_thread, const char *const *migrations, int version, sqlite3 **out,
		    struct err *e)
{
	sqlite3 *db = NULL;
	int rc;

	rc = store_vfs_open_mode(path, key, one_thread, &db, e);
	if (rc != 0) {
		if (strstr(e->msg, "disk I/O error") || strstr(e->msg, "not a database"))
			store_sqlite_err(NULL, SQLITE_NOTADB, path, e);
		return E_IO;
	}
	if (with_fts && (rc = store_fts_register(db, e)) != 0)
		goto fail;
	/* The first statement reads page 1: a wrong key shows here. */
	if ((rc = store_pragmas(db, e)) != 0) {
		store_sqlite_err(db, sqlite3_errcode(db), path, e);
		goto fail;
	}
	if ((rc = store_migrate(db, path, migrations, version, e)) != 0)
		goto fail;
	*out = db;
	return 0;
fail:
	store_vfs_close(db);
	return rc ? rc : E_IO;
}

/* A crash between writing and renaming leaves NAME.tmp-XXXXXX behind
 * (blobs, atomic files): encrypted or not yet renamed, never needed. */
static void sweep_temp_files(const char *home)
{
	char dir[4096], path[4400];
	DIR *top, *sub;
	struct dirent *de, *se;

	snprintf(dir, sizeof dir, "%s/blobs", home);
	top = opendir(dir);
	if (top == NULL)
		return;
	while ((de = readdir(top)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
		sub = opendir(path);
		if (sub == NULL)
			continue;
		while ((se = readdir(sub)) != NULL) {
			if (strstr(se->d_name, ".tmp-")) {
				char f[4700];

				snprintf(f, sizeof f, "%s/%s", path, se->d_name);
				unlink(f);
			}
		}
		closedir(sub);
	}
	closedir(top);
}

int store_clone(struct store *src, struct store **out, struct err *e)
{
	struct store *s = xcalloc(1, sizeof *s);
	char *cache, *outbox;
	int rc;

	*out = NULL;
	s->home = xstrdup(src->home);
	memcpy(s->vault_key, src->vault_key, sizeof s->vault_key);
	memcpy(s->blob_key, src->blob_key, sizeof s->blob_key);
	memcpy(s->cache_key, src->cache_key, sizeof s->cache_key);
	memcpy(s->outbox_key, src->outbox_key, sizeof s->outbox_key);
	xasprintf(&cache, "%s/cache.db", s->home);
	xasprintf(&outbox, "%s/outbox.db", s->home);
	/* a clone is for one worker thread (store.h): its connections need
	 * no locks */
	rc = open_one(outbox, s->outbox_key, 0, 1, store_outbox_migrations, store_outbox_version,
		      &s->outbox, e);
	if (rc == 0)
		rc = open_one(cache, s->cache_key, 1, 1, store_cache_migrations,
			      store_cache_version, &s->cache, e);
	free(cache);
	free(outbox);
	if (rc != 0) {
		store_close(s);
		return rc;
	}
	*out = s;
	return 0;
}

/* Has outbox.db a journal row for path? 1 yes, 0 no, <0 an error. */
static int outbox_has_journal(struct store *s, const char *path, struct err *e)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(s->outbox, "SELECT 1 FROM doc_journal WHERE path=?1", -1, &st,
			       NULL) != SQLITE_OK)
		return store_sqlite_err(s->outbox, sqlite3_errcode(s->outbox), "outbox.db", e);
	sqlite3_bind_text(st, 1, path, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc == SQLITE_ROW)
		return 1;
	return rc == SQLITE_DONE ? 0
				 : store_sqlite_err(s->outbox, rc, "outbox.db", e);
}

/* Copy what sql (path bound to ?1) selects on the cache into table of
 * outbox.db, n columns in order. */
static int copy_rows(struct store *s, const char *sql, const char *path, const char *table,
		     int n, struct err *e)
{
	sqlite3_stmt *q = NULL, *ins = NULL;
	char put[200];
	int rc = SQLITE_OK;

	snprintf(put, sizeof put, "INSERT INTO %s VALUES(?%.*s)", table, 2 * (n - 1),
		 ",?,?,?,?,?,?,?,?,?,?");
	if (sqlite3_prepare_v2(s->cache, sql, -1, &q, NULL) != SQLITE_OK)
		return store_sqlite_err(s->cache, sqlite3_errcode(s->cache), "cache.db", e);
	if (sqlite3_prepare_v2(s->outbox, put, -1, &ins, NULL) != SQLITE_OK) {
		sqlite3_finalize(q);
		return store_sqlite_err(s->outbox, sqlite3_errcode(s->outbox), "outbox.db", e);
	}
	sqlite3_bind_text(q, 1, path, -1, SQLITE_STATIC);
	while (rc == SQLITE_OK && sqlite3_step(q) == SQLITE_ROW) {
		for (int i = 0; i < n; i++)
			sqlite3_bind_value(ins, i + 1, sqlite3_column_value(q, i));
		rc = sqlite3_step(ins) == SQLITE_DONE ? SQLITE_OK : sqlite3_errcode(s->outbox);
		sqlite3_reset(ins);
	}
	sqlite3_finalize(q);
	sqlite3_finalize(ins);
	return rc == SQLITE_OK ? 0 : store_sqlite_err(s->outbox, rc, "outbox.db", e);
}

/* A home from before outbox.db held the docs journal has unsaved text in
 * cache.db: each file's row and edits into outbox.db (committed), then out
 * of the cache. A file outbox.db already has a row for is skipped: that
 * row is this move's, or newer (the cache's delete failed before). */
static int move_doc_journal(struct store *s, struct err *e)
{
	sqlite3_stmt *st;
	int rc = 0, moved = 0;

	if (sqlite3_prepare_v2(s->cache, "SELECT path FROM doc_journal", -1, &st, NULL) !=
	    SQLITE_OK)
		return 0; /* no such table: nothing to move */
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_finalize(st);
		return 0;
	}
	if ((rc = store_exec(s->outbox, "BEGIN IMMEDIATE", e)) != 0) {
		sqlite3_finalize(st);
		return rc;
	}
	do {
		const char *path = (const char *)sqlite3_column_text(st, 0);
		int have = path ? outbox_has_journal(s, path, e) : 1;

		if (have < 0)
			rc = have;
		else if (!have &&
			 (rc = copy_rows(s, "SELECT path, base_size, base_mtime, base_hash, text,"
					    " updated, full FROM doc_journal WHERE path=?1",
					 path, "doc_journal", 7, e)) == 0 &&
			 (rc = copy_rows(s, "SELECT path, seq, ops FROM doc_journal_ops"
					    " WHERE path=?1",
					 path, "doc_journal_ops", 3, e)) == 0)
			moved++;
	} while (rc == 0 && sqlite3_step(st) == SQLITE_ROW);
	sqlite3_finalize(st);
	if (rc != 0 || (rc = store_exec(s->outbox, "COMMIT", e)) != 0) {
		sqlite3_exec(s->outbox, "ROLLBACK", NULL, NULL, NULL);
		return rc;
	}
	/* Safe in outbox.db now: a cache that cannot be changed keeps its
	 * copy (skipped next time), it does not stop the store opening. */
	if (store_exec(s->cache, "BEGIN IMMEDIATE; DELETE FROM doc_journal;"
				 " DELETE FROM doc_journal_ops; COMMIT", e) != 0) {
		sqlite3_exec(s->cache, "ROLLBACK", NULL, NULL, NULL);
		log_warn("store: the docs journal's old rows stay in cache.db: %s", e->msg);
	}
	log_info("store: %d files' docs journal moved from cache.db to outbox.db", moved);
	return 0;
}

int store_open(const char *home, const struct store_key *k, struct store **out, struct err *e)
{
	struct store *s = xcalloc(1, sizeof *s);
	char *cache, *outbox;
	int rc;

	*out = NULL;
	if (sodium_init() < 0)
		return err_set(e, E_INTERNAL, "libsodium cannot start");
	s->home = xstrdup(home);
	sweep_temp_files(home);
	xasprintf(&cache, "%s/cache.db", home);
	xasprintf(&outbox, "%s/outbox.db", home);
	store_key_derive(k, SUBKEY_OUTBOX_DB, s->outbox_key);
	store_key_derive(k, SUBKEY_CACHE_DB, s->cache_key);
	rc = open_one(outbox, s->outbox_key, 0, 0, store_outbox_migrations, store_outbox_version,
		      &s->outbox, e);
	if (rc == 0) {
		rc = open_one(cache, s->cache_key, 1, 0, store_cache_migrations,
			      store_cache_version, &s->cache, e);
		if (rc == E_IO && strstr(e->msg, "cannot be read with this key"))
			snprintf(e->msg + strlen(e->msg), sizeof e->msg - strlen(e->msg),
				 ". `atrium cache rebuild` moves it aside and starts an empty "
				 "cache; queued work in outbox.db is kept");
	}
	free(cache);
	free(outbox);
	if (rc == 0)
		rc = move_doc_journal(s, e);
	if (rc != 0) {
		store_close(s);
		return rc;
	}
	store_key_derive(k, SUBKEY_VAULT, s->vault_key);
	store_key_derive(k, SUBKEY_BLOBS, s->blob_key);
	{
		char sql[160];

		snprintf(sql, sizeof sql, "DELETE FROM outbox WHERE state=%d AND updated<%lld",
			 OUTBOX_DONE, (long long)time(NULL) - OUTBOX_DONE_KEEP);
		store_exec(s->outbox, sql, NULL);
	}
	*out = s;
	return 0;
}

void store_close(struct store *s)
{
	if (s == NULL)
		return;
	store_fts_finalize(&s->fts);
	store_vfs_close(s->cache);
	store_vfs_close(s->outbox);
	sodium_memzero(s->vault_key, sizeof s->vault_key);
	sodium_memzero(s->blob_key, sizeof s->blob_key);
	sodium_memzero(s->cache_key, sizeof s->cache_key);
	sodium_memzero(s->outbox_key, sizeof s->outbox_key);
	free(s->home);
	free(s);
}

sqlite3 *store_cache(struct store *s)
{
	return s->cache;
}

sqlite3 *store_outbox_db(struct store *s)
{
	return s->outbox;
}

const char *store_home(struct store *s)
{
	return s->home;
}

void store_blob_key(struct store *s, unsigned char out[STORE_KEY_BYTES])
{
	memcpy(out, s->blob_key, STORE_KEY_BYTES);
}

int store_schema_version(struct store *s, int *cache, int *outbox)
{
	if (user_version(s->cache, cache) != SQLITE_OK ||
	    user_version(s->outbox, outbox) != SQLITE_OK)
		return E_IO;
	return 0;
}

int store_cache_rebuild(const char *home, struct err *e)
{
	static const char *const suffixes[] = { "", "-wal", "-shm", "-journal" };
	char from[4096], to[4096];
	time_t now = time(NULL);
	int moved = 0;

	for (size_t i = 0; i < nitems(suffixes); i++) {
		snprintf(from, sizeof from, "%s/cache.db%s", home, suffixes[i]);
		snprintf(to, sizeof to, "%s/cache.db.broken-%lld%s", home, (long long)now,
			 suffixes[i]);
		if (rename(from, to) == 0) {
			moved++;
		} else if (errno != ENOENT) {
			return err_set(e, E_IO, "cannot move %s aside: %s", from, strerror(errno));
		}
	}
	if (moved == 0)
		return err_set(e, E_NOTFOUND, "%s/cache.db does not exist; nothing to rebuild",
			       home);
	log_warn("cache moved aside as cache.db.broken-%lld", (long long)now);
	return 0;
}
