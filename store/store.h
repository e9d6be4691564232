/*
 * store.h - everything atrium keeps on disk, and nothing readable:
 *
 *   HOME/keys        the data key, wrapped by a passphrase (Argon2id) and/or
 *                    a key file; never the key itself
 *   HOME/cache.db    one SQLite database (WAL) for all modules, every page
 *                    encrypted by our VFS; can be rebuilt from the servers
 *   HOME/outbox.db   queued writes, the credential vault and the docs
 *                    editor's crash-recovery journal, encrypted the same
 *                    way, in a file of its own so a rebuilt cache never
 *                    loses queued work or unsaved text
 *   HOME/blobs/      attachments, document bodies, uploads:
 *                    crypto_secretstream files
 *
 * Sub-keys for each use are derived from the data key (store_key_derive).
 * store/ depends on core/, i18n/, SQLite and libsodium only.
 */
#ifndef ATRIUM_STORE_H
#define ATRIUM_STORE_H

#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#include "core/core.h"

/* ---- keys (key.c) -------------------------------------------------------- */

#define STORE_KEY_BYTES 32

/* The data key, in sodium_malloc'd (locked, guarded) memory. */
struct store_key;

/* Sub-key ids for store_key_derive (context "atrium01"). */
enum store_subkey {
	SUBKEY_CACHE_DB = 1,
	SUBKEY_OUTBOX_DB = 2,
	SUBKEY_BLOBS = 3,
	SUBKEY_VAULT = 4,
	SUBKEY_INDEX = 5,
};

/* Read a key file: 32 raw bytes, or 64 hex digits (optionally followed by
 * a newline). Refused (E_PERM) unless group and others have no access. */
int store_keyfile_read(const char *path, unsigned char out[STORE_KEY_BYTES], struct err *e);
/* Write a new random key file (64 hex digits and a newline), mode 0600;
 * never overwrites an existing file. */
int store_keygen(const char *path, struct err *e);

/* True if HOME/keys exists (the home has been set up). */
int store_keys_exist(const char *home);
/* Which unlock methods HOME/keys offers. */
int store_keys_methods(const char *home, int *has_passphrase, int *has_keyfile, struct err *e);
/* Set up a fresh home: a random data key wrapped by the passphrase and/or
 * the key file bytes (at least one). The Argon2id cost is calibrated now
 * to about 0.5 s on this machine and stored with the wrap. */
int store_keys_create(const char *home, const char *passphrase,
		      const unsigned char *keyfile, struct store_key **out, struct err *e);
/* Unwrap the data key. A wrong passphrase or key file is E_LOCKED with a
 * clear message and changes nothing. */
int store_keys_unlock(const char *home, const char *passphrase,
		      const unsigned char *keyfile, struct store_key **out, struct err *e);
/* Re-wrap the data key under a new passphrase (NULL removes the
 * passphrase wrap, allowed only if a key-file wrap remains). The data is
 * not re-encrypted. Written atomically. */
int store_keys_set_passphrase(const char *home, const struct store_key *k,
			      const char *passphrase, struct err *e);
/* Add or replace the key-file wrap (NULL removes it, if a passphrase wrap
 * remains). */
int store_keys_set_keyfile(const char *home, const struct store_key *k,
			   const unsigned char *keyfile, struct err *e);
/* Derive a 32-byte sub-key. */
void store_key_derive(const struct store_key *k, enum store_subkey id,
		      unsigned char out[STORE_KEY_BYTES]);
/* Wipe and free. */
void store_key_free(struct store_key *k);
/* For tests: Argon2id limits instead of calibrating (0, 0 restores). */
void store_keys_set_kdf_limits(unsigned long long opslimit, size_t memlimit);

/* ---- the kernel keyring (keyring.c): `atrium unlock` ---------------------- */

/* Keep the data key for this home in the user's kernel keyring, expiring
 * after `seconds`; get it back (E_NOTFOUND when absent or expired); drop it. */
int store_keyring_put(const char *home, const struct store_key *k, unsigned seconds,
		      struct err *e);
int store_keyring_get(const char *home, struct store_key **k);
int store_keyring_drop(const char *home, struct err *e);

/* ---- the databases (db.c, vfs.c, schema.c) ----------------------------------- */

struct store;

/* Open (creating if needed) HOME/cache.db and HOME/outbox.db with the
 * data key, migrate both to the current schema. A file encrypted under
 * another key, tampered or not ours is E_IO with a message naming it. */
int store_open(const char *home, const struct store_key *k, struct store **out, struct err *e);
void store_close(struct store *s);
/* The same store on new connections, for a worker thread (SQLite's WAL
 * keeps the two consistent; each thread uses only its own). A clone is
 * used by one thread at a time: its connections take no locks. */
int store_clone(struct store *src, struct store **out, struct err *e);
/* The cache database, for the modules' models. */
sqlite3 *store_cache(struct store *s);
/* The outbox database, for what is the user's alone and must outlive a
 * rebuilt cache: the docs editor's unsaved text (modules/docs/recover.c). */
sqlite3 *store_outbox_db(struct store *s);
/* A statement whose SQL starts with this comment may be kept prepared on
 * the cache connection for reuse; store_close finalizes it. */
#define STORE_KEPT "/* kept */ "
/* Schema versions (for tests and `atrium cache` output). */
int store_schema_version(struct store *s, int *cache, int *outbox);
/* Move HOME/cache.db (and -wal, -shm) aside as cache.db.broken-N and
 * start empty; outbox.db is untouched. */
int store_cache_rebuild(const char *home, struct err *e);
/* Run one SQL statement with no result, or fill e. */
int store_exec(sqlite3 *db, const char *sql, struct err *e);
/* Whether another connection of this process waits for the write lock
 * now (the screen saving a journal): a long transaction of bulk data
 * commits what it has and begins again (store_exec's BEGIN lets the
 * waiter in first). */
int store_turn_wanted(void);
/* The calling thread answers a person (the one that runs the screen): its
 * transactions begin at once, without first letting a waiting connection
 * in (up to 50 ms otherwise). */
void store_thread_urgent(void);
/* Bulk data a server keeps (envelopes fetched again after a loss): on,
 * its commits skip the fsync (synchronous=NORMAL: a power cut may lose
 * the last transactions, the WAL keeps the file consistent); off, back
 * to FULL, which user data and the outbox need. Outside a transaction
 * only: SQLite refuses to change the level inside one. */
int store_bulk(sqlite3 *db, int on, struct err *e);

/* The encrypting VFS, registered under this name (vfs.c). */
#define STORE_VFS_NAME "atrium-enc"
/* Register the VFS once per process. */
int store_vfs_register(void);
/* Open a database file through the encrypting VFS with a 32-byte key
 * (used by store_open; exposed for tests and benchmarks). */
int store_vfs_open(const char *path, const unsigned char key[STORE_KEY_BYTES], sqlite3 **db,
		   struct err *e);
/* Close such a connection and wipe its copy of the key. */
void store_vfs_close(sqlite3 *db);

/* ---- outbox (outbox.c) ----------------------------------------------------------- */

enum outbox_state { OUTBOX_QUEUED, OUTBOX_SENDING, OUTBOX_FAILED, OUTBOX_DONE };

struct outbox_entry {
	int64_t id;
	char service[16];     /* "mail", "chat", "files" */
	char kind[32];        /* "send", "post", "upload", "flags", ... */
	char *idem_key;       /* Message-ID, XMPP id, path+etag, ... */
	enum outbox_state state;
	int64_t created, updated; /* unix seconds */
	int attempts;
	char *error;          /* last error, or NULL */
	char *summary;        /* what a person recognises: "To bob: Budget" */
	unsigned char *payload;
	size_t payload_len;
};

/* Queue a write. It is committed and fsynced before this returns 0, so
 * the caller may say "queued". The same (service, idem_key) queued twice
 * is one entry: *id gets the existing one. */
int store_outbox_add(struct store *s, const char *service, const char *kind,
		     const char *idem_key, const char *summary, const void *payload,
		     size_t len, int64_t *id, struct err *e);
/* Entries not done, oldest first; service NULL for all. */
int store_outbox_list(struct store *s, const char *service, struct outbox_entry **out,
		      size_t *n, struct err *e);
/* The next entry to replay for a service (queued or failed-and-retried,
 * in order); E_NOTFOUND when none. */
int store_outbox_next(struct store *s, const char *service, struct outbox_entry *out,
		      struct err *e);
int store_outbox_get(struct store *s, int64_t id, struct outbox_entry *out, struct err *e);
/* Mark an entry sending, failed (with error) or done. */
int store_outbox_mark(struct store *s, int64_t id, enum outbox_state st, const char *error,
		      struct err *e);
/* Replace an entry's payload (a newer version of the same upload, or
 * what a conflict learned), committed durably like store_outbox_add. */
int store_outbox_set_payload(struct store *s, int64_t id, const void *payload, size_t len,
			     struct err *e);
/* Put a failed entry back in the queue. */
int store_outbox_retry(struct store *s, int64_t id, struct err *e);
/* Remove an entry for good. */
int store_outbox_drop(struct store *s, int64_t id, struct err *e);
/* Entries waiting (queued, sending or failed) for a service (NULL: all). */
int store_outbox_count(struct store *s, const char *service);
void store_outbox_entry_free(struct outbox_entry *en);
void store_outbox_list_free(struct outbox_entry *list, size_t n);
const char *store_outbox_state_name(enum outbox_state st);

/* ---- vault (vault.c) ------------------------------------------------------------------ */

/* Keep a service's password, encrypted under the vault sub-key inside the
 * encrypted outbox database. */
int store_vault_put(struct store *s, const char *service, const char *secret, struct err *e);
/* The secret in sodium_malloc'd memory (free with store_secret_free), or
 * E_NOTFOUND. */
int store_vault_get(struct store *s, const char *service, char **secret, struct err *e);
int store_vault_del(struct store *s, const char *service, struct err *e);
void store_secret_free(char *secret);

/* ---- blobs (blob.c) ------------------------------------------------------------------- */

/* A blob is named by 32 hex digits (random). Files are secretstream
 * (XChaCha20-Poly1305) in 64 KiB chunks under HOME/blobs/xx/. */
#define STORE_BLOB_ID_LEN 32

int store_blob_put(struct store *s, const void *data, size_t len,
		   char id[STORE_BLOB_ID_LEN + 1], struct err *e);
/* Stream from a descriptor (attachments, uploads) without holding it all. */
int store_blob_put_fd(struct store *s, int fd, char id[STORE_BLOB_ID_LEN + 1], struct err *e);
/* The same for a copy of what a server holds (a cache): not flushed to
 * the disk one by one. After a crash such a blob may read as truncated
 * (E_IO, never wrong data); the caller fetches it again. */
int store_blob_put_cached(struct store *s, int fd, char id[STORE_BLOB_ID_LEN + 1], struct err *e);
/* A blob written as its bytes arrive (a download), in the same format:
 * new, write as often as needed, then finish (the id) or abort (nothing
 * stays). durable 0: a cache copy, not flushed (see above). */
struct store_blob_writer;
int store_blob_writer_new(struct store *s, int durable, struct store_blob_writer **w,
			  struct err *e);
int store_blob_writer_write(struct store_blob_writer *w, const void *p, size_t n, struct err *e);
int store_blob_writer_finish(struct store_blob_writer *w, char id[STORE_BLOB_ID_LEN + 1],
			     struct err *e);
void store_blob_writer_abort(struct store_blob_writer *w);
/* Read a whole blob; a tampered or truncated file is E_IO, never data. */
int store_blob_get(struct store *s, const char *id, struct buf *out, struct err *e);
/* Decrypt to a descriptor. */
int store_blob_get_fd(struct store *s, const char *id, int fd, struct err *e);
int store_blob_del(struct store *s, const char *id, struct err *e);

/* The same, without a struct store (home and blob key given): used by
 * store.c and by tests. */
int store_blob_put_raw(const char *home, const unsigned char key[STORE_KEY_BYTES],
		       int fd, const void *data, size_t len, char id[STORE_BLOB_ID_LEN + 1],
		       struct err *e);
int store_blob_get_raw(const char *home, const unsigned char key[STORE_KEY_BYTES],
		       const char *id, int fd, struct buf *out, struct err *e);
int store_blob_del_raw(const char *home, const char *id, struct err *e);

/* ---- atomic files (atomic.c) ----------------------------------------------------------- */

/* Replace path with data: temp file in the same directory, write, fsync,
 * rename, fsync the directory. An existing file's permissions are kept
 * (new files get `mode`). On failure the old file is intact. */
int store_write_atomic(const char *path, const void *data, size_t len, int mode, struct err *e);

/* ---- offline search (fts.c) ---------------------------------------------------------- */

/* Register the "atrium" FTS5 tokenizer on a connection: ICU word breaks
 * (Chinese segmented into words), case folding. */
int store_fts_register(sqlite3 *db, struct err *e);

struct store_hit {
	char kind[16];   /* "mail", "chat", "doc", ... */
	char *ref;       /* the module's own id of the item */
	double rank;     /* lower is better (bm25) */
	char *snippet;   /* with the matches marked by [ and ] */
};

/* Index a text item (replacing an earlier one of the same kind and ref).
 * Alone it is atomic; inside the caller's transaction (the fast way to
 * index many), a failure means the caller rolls that transaction back. */
int store_index_put(struct store *s, const char *kind, const char *ref, const char *title,
		    const char *body, struct err *e);
/* The same, but an item already indexed is left as it is: for filling in
 * what a later pass indexes, without undoing a fuller entry put meanwhile. */
int store_index_add(struct store *s, const char *kind, const char *ref, const char *title,
		    const char *body, struct err *e);
int store_index_del(struct store *s, const char *kind, const char *ref, struct err *e);
/* Search items of a kind (NULL: all); words are matched as the tokenizer
 * splits them, all must occur. Best first, at most `limit`. */
int store_search(struct store *s, const char *kind, const char *query, int limit,
		 struct store_hit **hits, size_t *n, struct err *e);
void store_hits_free(struct store_hit *hits, size_t n);

#endif
