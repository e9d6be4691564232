/*
 * internal.h - what store/ files share: the open store and the migration
 * runner (exposed to tests, which migrate from every earlier version).
 */
#ifndef ATRIUM_STORE_INTERNAL_H
#define ATRIUM_STORE_INTERNAL_H

#include "store/store.h"

struct store {
	char *home;
	sqlite3 *cache;  /* HOME/cache.db */
	sqlite3 *outbox; /* HOME/outbox.db: outbox and vault */
	unsigned char vault_key[STORE_KEY_BYTES];
	unsigned char blob_key[STORE_KEY_BYTES];
	/* the databases' keys, for store_clone */
	unsigned char cache_key[STORE_KEY_BYTES];
	unsigned char outbox_key[STORE_KEY_BYTES];
	/* fts.c's statements on `cache`, prepared on first use (a statement
	 * belongs to one connection: a clone has its own); store_close
	 * finalizes them */
	struct store_fts_stmts {
		sqlite3_stmt *slot, *del, *ins;
	} fts;
};

/* The schemas: migrations[i] brings a database from version i to i+1. */
extern const char *const store_cache_migrations[];
extern const int store_cache_version;
extern const char *const store_outbox_migrations[];
extern const int store_outbox_version;

/* Bring db to `target` (at most the last version), each step in its own
 * transaction. A database newer than this program is refused. */
int store_migrate(sqlite3 *db, const char *name, const char *const *migrations, int target,
		  struct err *e);
/* store_vfs_open, and for a connection only one thread uses at a time
 * (one_thread): no mutex around each SQLite call (8% of reading a
 * folder's index went to locking and unlocking it). */
int store_vfs_open_mode(const char *path, const unsigned char key[STORE_KEY_BYTES],
			int one_thread, sqlite3 **db, struct err *e);
/* Set the pragmas every store connection uses. */
int store_pragmas(sqlite3 *db, struct err *e);
/* Turn an SQLite error on db into an E_* code with a message naming path. */
int store_sqlite_err(sqlite3 *db, int rc, const char *path, struct err *e);

/* atomic.c: write everything (EINTR, short writes); fsync a directory
 * (file systems that cannot are fine). 0, or -1 with errno. */
int store_write_full(int fd, const void *p, size_t n);
int store_fsync_dir(const char *dir);

/* For blob.c and fts.c. */
const char *store_home(struct store *s);
void store_blob_key(struct store *s, unsigned char out[STORE_KEY_BYTES]);

/* fts.c, on a connection. */
void store_fts_finalize(struct store_fts_stmts *c);
int store_index_put_db(sqlite3 *db, const char *kind, const char *ref, const char *title,
		       const char *body, struct err *e);
int store_index_del_db(sqlite3 *db, const char *kind, const char *ref, struct err *e);
int store_search_db(sqlite3 *db, const char *kind, const char *query, int limit,
		    struct store_hit **hits, size_t *n, struct err *e);

#endif
