/*
 * test_store.c - the encrypted store as a whole: nothing readable on disk
 * (marker search over every file, journals included), wrong keys and
 * tampering are errors, migrations from every earlier version, the
 * outbox's promises, the vault, rebuilding the cache, and a crash harness
 * that SIGKILLs a writer hundreds of times.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include <sodium.h>

#include "store/internal.h"

static char home[64];
static unsigned char keyfile[STORE_KEY_BYTES];

static int setup(void **state)
{
	strcpy(home, "/tmp/atrium-test-store.XXXXXX");
	if (mkdtemp(home) == NULL)
		return -1;
	randombytes_buf(keyfile, sizeof keyfile);
	store_keys_set_kdf_limits(crypto_pwhash_OPSLIMIT_MIN, crypto_pwhash_MEMLIMIT_MIN);
	return 0;
}

static int teardown(void **state)
{
	char cmd[200];

	/* A failed disk-full test may leave its tmpfs mounted. */
	snprintf(cmd, sizeof cmd, "umount %s/full 2>/dev/null; rm -rf %s", home, home);
	return system(cmd) == 0 ? 0 : -1;
}

static void clean_home(void)
{
	char cmd[160];

	snprintf(cmd, sizeof cmd, "rm -rf %s/* %s/.[!.]* 2>/dev/null", home, home);
	assert_int_equal(system(cmd) == -1, 0);
}

static struct store_key *new_key(void)
{
	struct store_key *k = NULL;
	struct err e;

	clean_home();
	if (store_keys_create(home, NULL, keyfile, &k, &e) != 0)
		fail_msg("store_keys_create: %s", e.msg);
	return k;
}

static struct store *open_store(struct store_key *k)
{
	struct store *s = NULL;
	struct err e;

	if (store_open(home, k, &s, &e) != 0)
		fail_msg("store_open: %s", e.msg);
	return s;
}

/* Search every file under dir (recursively) for the bytes of needle. */
static int found_in_tree(const char *dir, const char *needle, char *where, size_t wlen)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int hit = 0;

	if (d == NULL)
		return 0;
	while (!hit && (de = readdir(d)) != NULL) {
		char path[1024];
		struct stat st;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
		if (lstat(path, &st) != 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			hit = found_in_tree(path, needle, where, wlen);
		} else if (S_ISREG(st.st_mode)) {
			FILE *f = fopen(path, "rb");
			char *buf = xmalloc((size_t)st.st_size + 1);
			size_t n = f ? fread(buf, 1, (size_t)st.st_size, f) : 0;

			if (f)
				fclose(f);
			if (memmem(buf, n, needle, strlen(needle))) {
				snprintf(where, wlen, "%s", path);
				hit = 1;
			}
			free(buf);
		}
	}
	closedir(d);
	return hit;
}

static void exec_ok(sqlite3 *db, const char *sql)
{
	struct err e;

	if (store_exec(db, sql, &e) != 0)
		fail_msg("%s: %s", sql, e.msg);
}

static void test_fresh_home_gets_both_databases_at_the_current_schema(void **state)
{
	struct store_key *k = new_key();
	struct store *s = open_store(k);
	int c = -1, o = -1;

	assert_int_equal(store_schema_version(s, &c, &o), 0);
	assert_int_equal(c, store_cache_version);
	assert_int_equal(o, store_outbox_version);
	store_close(s);
	store_key_free(k);
}

static void test_no_marker_reaches_any_file_through_any_path(void **state)
{
	struct store_key *k = new_key();
	struct store *s = open_store(k);
	char marker[64], sql[512], where[1024], id[STORE_BLOB_ID_LEN + 1];
	struct err e;
	int64_t oid;

	snprintf(marker, sizeof marker, "MARKER-%08x%08x", randombytes_random(),
		 randombytes_random());
	/* cache tables */
	exec_ok(store_cache(s), "INSERT INTO mail_folder(account, name) VALUES('a', 'INBOX')");
	for (int i = 0; i < 300; i++) {
		snprintf(sql, sizeof sql,
			 "INSERT INTO mail_msg(folder, uid, subject, from_addr) VALUES(1, %d,"
			 " 'Re: %s %d', 'bob %s')",
			 i, marker, i, marker);
		exec_ok(store_cache(s), sql);
	}
	/* the search index, the outbox, the vault, a blob */
	assert_int_equal(store_index_put(s, "mail", "1", marker, marker, &e), 0);
	assert_int_equal(store_outbox_add(s, "mail", "send", marker, marker, marker,
					  strlen(marker), &oid, &e),
			 0);
	assert_int_equal(store_vault_put(s, "mail", marker, &e), 0);
	assert_int_equal(store_blob_put(s, marker, strlen(marker), id, &e), 0);
	/* While open (WAL and shm present) and after closing. */
	if (found_in_tree(home, marker, where, sizeof where))
		fail_msg("marker found in %s while open", where);
	store_close(s);
	if (found_in_tree(home, marker, where, sizeof where))
		fail_msg("marker found in %s after close", where);
	/* And it all reads back. */
	s = open_store(k);
	{
		struct store_hit *hits;
		struct buf b;
		char *secret;
		size_t n;

		assert_int_equal(store_search(s, "mail", marker, 10, &hits, &n, &e), 0);
		assert_int_equal(n, 1);
		store_hits_free(hits, n);
		assert_int_equal(store_vault_get(s, "mail", &secret, &e), 0);
		assert_string_equal(secret, marker);
		store_secret_free(secret);
		buf_init(&b);
		assert_int_equal(store_blob_get(s, id, &b, &e), 0);
		assert_memory_equal(b.data, marker, strlen(marker));
		buf_free(&b);
	}
	store_close(s);
	store_key_free(k);
}

static void test_rollback_journal_pages_are_sealed(void **state)
{
	unsigned char key[STORE_KEY_BYTES];
	char path[128], marker[64], sql[256], where[1024];
	sqlite3 *db;
	struct err e;

	clean_home();
	randombytes_buf(key, sizeof key);
	snprintf(marker, sizeof marker, "JMARK-%08x", randombytes_random());
	snprintf(path, sizeof path, "%s/j.db", home);
	assert_int_equal(store_vfs_open(path, key, &db, &e), 0);
	/* PERSIST keeps the journal file, with the old page images, after
	 * the commit: exactly what must not be readable. */
	exec_ok(db, "PRAGMA journal_mode=PERSIST; CREATE TABLE t(x)");
	for (int i = 0; i < 50; i++) {
		snprintf(sql, sizeof sql, "INSERT INTO t VALUES('%s-%d')", marker, i);
		exec_ok(db, sql);
	}
	exec_ok(db, "UPDATE t SET x = x || 'changed'");
	snprintf(where, sizeof where, "%s-journal", path);
	assert_int_equal(access(where, F_OK), 0);
	if (found_in_tree(home, marker, where, sizeof where))
		fail_msg("marker found in %s", where);
	store_vfs_close(db);
}

static void test_wrong_key_is_a_clear_error_naming_the_file(void **state)
{
	struct store_key *k = new_key(), *k2 = NULL;
	struct store *s = open_store(k);
	unsigned char other[STORE_KEY_BYTES];
	char home2[80];
	struct err e;

	exec_ok(store_cache(s), "INSERT INTO meta VALUES('x', 1)");
	store_close(s);
	/* A different data key: make one in another home and use it here. */
	snprintf(home2, sizeof home2, "%s/other", home);
	mkdir(home2, 0700);
	randombytes_buf(other, sizeof other);
	assert_int_equal(store_keys_create(home2, NULL, other, &k2, &e), 0);
	assert_int_equal(store_open(home, k2, &s, &e), E_IO);
	assert_null(s);
	assert_non_null(strstr(e.msg, "cannot be read with this key"));
	assert_non_null(strstr(e.msg, ".db"));
	store_key_free(k2);
	store_key_free(k);
}

static void test_tampered_page_is_an_error_never_garbage(void **state)
{
	struct store_key *k = new_key();
	struct store *s = open_store(k);
	char path[128], sql[128];
	sqlite3_stmt *st;
	struct err e;
	FILE *f;
	int rc;

	exec_ok(store_cache(s), "INSERT INTO mail_folder(account, name) VALUES('a', 'INBOX')");
	exec_ok(store_cache(s), "BEGIN");
	for (int i = 0; i < 500; i++) {
		snprintf(sql, sizeof sql,
			 "INSERT INTO mail_msg(folder, uid, subject) VALUES(1, %d, 'subject %d')",
			 i, i);
		exec_ok(store_cache(s), sql);
	}
	exec_ok(store_cache(s), "COMMIT");
	store_close(s);
	snprintf(path, sizeof path, "%s/cache.db", home);
	f = fopen(path, "r+b");
	assert_non_null(f);
	fseek(f, 4096 * 5 + 1000, SEEK_SET);
	rc = fgetc(f);
	fseek(f, 4096 * 5 + 1000, SEEK_SET);
	fputc(rc ^ 0x40, f);
	fclose(f);
	rc = store_open(home, k, &s, &e);
	if (rc == 0) {
		/* The damaged page is not page 1: reading every page (as the
		 * integrity check does) must fail on it. */
		assert_int_equal(sqlite3_prepare_v2(store_cache(s), "PRAGMA integrity_check", -1,
						    &st, NULL),
				 SQLITE_OK);
		/* It reports the page it cannot authenticate (IOERR_DATA is
		 * 8202), and never returns its bytes as content. */
		int bad = 0;

		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			const char *t = (const char *)sqlite3_column_text(st, 0);

			bad |= strstr(t, "error code=8202") != NULL;
		}
		assert_true(bad);
		assert_int_equal(sqlite3_extended_errcode(store_cache(s)), SQLITE_IOERR_DATA);
		sqlite3_finalize(st);
		store_close(s);
	} else {
		assert_int_equal(rc, E_IO);
	}
	store_key_free(k);
}

static void test_migrations_run_from_every_earlier_version(void **state)
{
	for (int from = 0; from < store_cache_version; from++) {
		struct store_key *k = new_key();
		unsigned char key[STORE_KEY_BYTES];
		struct store *s;
		char path[128];
		sqlite3 *db;
		struct err e;
		int c, o;

		/* An old cache: migrated only up to `from`, with a row in it. */
		snprintf(path, sizeof path, "%s/cache.db", home);
		store_key_derive(k, SUBKEY_CACHE_DB, key);
		assert_int_equal(store_vfs_open(path, key, &db, &e), 0);
		assert_int_equal(store_fts_register(db, &e), 0);
		assert_int_equal(store_pragmas(db, &e), 0);
		assert_int_equal(store_migrate(db, path, store_cache_migrations, from, &e), 0);
		if (from >= 1)
			exec_ok(db, "INSERT INTO meta VALUES('kept', 'yes')");
		store_vfs_close(db);

		s = open_store(k);
		assert_int_equal(store_schema_version(s, &c, &o), 0);
		assert_int_equal(c, store_cache_version);
		if (from >= 1) {
			sqlite3_stmt *st;

			sqlite3_prepare_v2(store_cache(s), "SELECT value FROM meta WHERE key='kept'",
					   -1, &st, NULL);
			assert_int_equal(sqlite3_step(st), SQLITE_ROW);
			assert_string_equal((const char *)sqlite3_column_text(st, 0), "yes");
			sqlite3_finalize(st);
		}
		store_close(s);
		store_key_free(k);
	}
}

static void test_a_newer_schema_is_refused(void **state)
{
	struct store_key *k = new_key();
	struct store *s = open_store(k);
	struct err e;

	exec_ok(store_cache(s), "PRAGMA user_version=999");
	store_close(s);
	assert_int_equal(store_open(home, k, &s, &e), E_IO);
	assert_non_null(strstr(e.msg, "newer than this atrium knows"));
	store_key_free(k);
}

static void test_outbox_keeps_order_and_adds_each_write_once(void **state)
{
	struct store_key *k = new_key();
	struct store *s = open_store(k);
	struct outbox_entry *list, en;
	int64_t a, b, c, again;
	struct err e;
	size_t n;

	assert_int_equal(store_outbox_add(s, "mail", "send", "<1@x>", "To bob: Budget", "m1", 2,
					  &a, &e),
			 0);
	assert_int_equal(store_outbox_add(s, "chat", "post", "c1", "room: hi", "hi", 2, &b, &e), 0);
	assert_int_equal(store_outbox_add(s, "mail", "send", "<2@x>", "To carol: Q3", "m2", 2, &c,
					  &e),
			 0);
	assert_int_equal(store_outbox_add(s, "mail", "send", "<1@x>", "dup", "m1", 2, &again, &e), 0);
	assert_int_equal(again, a);
	assert_int_equal(store_outbox_count(s, NULL), 3);
	assert_int_equal(store_outbox_count(s, "mail"), 2);

	assert_int_equal(store_outbox_list(s, "mail", &list, &n, &e), 0);
	assert_int_equal(n, 2);
	assert_int_equal(list[0].id, a);
	assert_string_equal(list[0].summary, "To bob: Budget");
	assert_memory_equal(list[0].payload, "m1", 2);
	assert_int_equal(list[1].id, c);
	store_outbox_list_free(list, n);

	/* A failure stays first, with its error, and blocks what follows. */
	assert_int_equal(store_outbox_next(s, "mail", &en, &e), 0);
	assert_int_equal(en.id, a);
	store_outbox_entry_free(&en);
	assert_int_equal(store_outbox_mark(s, a, OUTBOX_SENDING, NULL, &e), 0);
	assert_int_equal(store_outbox_mark(s, a, OUTBOX_FAILED, "550 mailbox full", &e), 0);
	assert_int_equal(store_outbox_next(s, "mail", &en, &e), 0);
	assert_int_equal(en.id, a);
	assert_int_equal(en.state, OUTBOX_FAILED);
	assert_string_equal(en.error, "550 mailbox full");
	assert_int_equal(en.attempts, 1);
	store_outbox_entry_free(&en);
	assert_int_equal(store_outbox_retry(s, a, &e), 0);
	assert_int_equal(store_outbox_mark(s, a, OUTBOX_DONE, NULL, &e), 0);
	assert_int_equal(store_outbox_next(s, "mail", &en, &e), 0);
	assert_int_equal(en.id, c);
	store_outbox_entry_free(&en);

	/* Sent writes stay known: adding one again is still a no-op. */
	assert_int_equal(store_outbox_add(s, "mail", "send", "<1@x>", "dup", "m1", 2, &again, &e), 0);
	assert_int_equal(again, a);
	assert_int_equal(store_outbox_count(s, "mail"), 1);

	assert_int_equal(store_outbox_drop(s, c, &e), 0);
	assert_int_equal(store_outbox_next(s, "mail", &en, &e), E_NOTFOUND);
	assert_int_equal(store_outbox_drop(s, c, &e), E_NOTFOUND);
	assert_int_equal(store_outbox_retry(s, 12345, &e), E_NOTFOUND);
	assert_int_equal(store_outbox_add(s, "", "send", "k", "s", NULL, 0, &again, &e), E_USAGE);
	store_close(s);

	/* Survives reopening. */
	s = open_store(k);
	assert_int_equal(store_outbox_count(s, "chat"), 1);
	store_close(s);
	store_key_free(k);
}

static void test_vault_keeps_secrets_per_service(void **state)
{
	struct store_key *k = new_key();
	struct store *s = open_store(k);
	struct err e;
	char *v;

	assert_int_equal(store_vault_get(s, "mail", &v, &e), E_NOTFOUND);
	assert_non_null(strstr(e.msg, "atrium login mail"));
	assert_int_equal(store_vault_put(s, "mail", "pw-1", &e), 0);
	assert_int_equal(store_vault_put(s, "chat", "pw-2", &e), 0);
	assert_int_equal(store_vault_put(s, "mail", "pw-3", &e), 0);
	assert_int_equal(store_vault_get(s, "mail", &v, &e), 0);
	assert_string_equal(v, "pw-3");
	store_secret_free(v);
	assert_int_equal(store_vault_del(s, "mail", &e), 0);
	assert_int_equal(store_vault_del(s, "mail", &e), E_NOTFOUND);
	assert_int_equal(store_vault_get(s, "chat", &v, &e), 0);
	assert_string_equal(v, "pw-2");
	store_secret_free(v);
	assert_int_equal(store_vault_put(s, "chat", "", &e), E_USAGE);
	store_close(s);
	store_key_free(k);
}

static void test_cache_rebuild_moves_the_cache_aside_and_keeps_the_outbox(void **state)
{
	struct store_key *k = new_key();
	struct store *s = open_store(k);
	char path[160];
	struct err e;
	sqlite3_stmt *st;
	int64_t id;

	exec_ok(store_cache(s), "INSERT INTO meta VALUES('x', 1)");
	assert_int_equal(store_outbox_add(s, "mail", "send", "<k@x>", "s", "p", 1, &id, &e), 0);
	store_close(s);
	assert_int_equal(store_cache_rebuild(home, &e), 0);
	snprintf(path, sizeof path, "%s/cache.db", home);
	assert_int_equal(access(path, F_OK), -1);
	s = open_store(k);
	sqlite3_prepare_v2(store_cache(s), "SELECT count(*) FROM meta", -1, &st, NULL);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(st, 0), 0);
	sqlite3_finalize(st);
	assert_int_equal(store_outbox_count(s, "mail"), 1);
	store_close(s);
	assert_int_equal(store_cache_rebuild(home, &e), 0);
	assert_int_equal(store_cache_rebuild(home, &e), E_NOTFOUND);
	store_key_free(k);
}

static int count_of(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st;
	int n = -1;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		fail_msg("%s: %s", sql, sqlite3_errmsg(db));
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return n;
}

/* The docs journal (unsaved text) lives in outbox.db: an older home's rows
 * in cache.db move there on open, and a rebuilt cache keeps them. */
static void test_docs_journal_moves_to_the_outbox_and_outlives_a_rebuilt_cache(void **state)
{
	struct store_key *k = new_key();
	struct store *s = open_store(k);
	unsigned char key[STORE_KEY_BYTES];
	char path[160];
	sqlite3 *db;
	struct err e;

	store_close(s);
	/* as an atrium before the move left it: rows in the cache */
	snprintf(path, sizeof path, "%s/cache.db", home);
	store_key_derive(k, SUBKEY_CACHE_DB, key);
	assert_int_equal(store_vfs_open(path, key, &db, &e), 0);
	exec_ok(db, "INSERT INTO doc_journal(path, base_size, text, updated, full)"
		    " VALUES('/home/u/notes.txt', 5, 'unsaved words', 1, 1)");
	exec_ok(db, "INSERT INTO doc_journal_ops VALUES('/home/u/notes.txt', 0, x'00')");
	exec_ok(db, "INSERT INTO doc_journal_ops VALUES('/home/u/notes.txt', 1, x'01')");
	/* ... and one a newer atrium already journalled in outbox.db (a
	 * move whose delete from the cache failed): the newer one stays */
	exec_ok(db, "INSERT INTO doc_journal(path, base_size, text, updated, full)"
		    " VALUES('/home/u/plan.txt', 3, 'stale words', 1, 1)");
	exec_ok(db, "INSERT INTO doc_journal_ops VALUES('/home/u/plan.txt', 7, x'07')");
	store_vfs_close(db);
	snprintf(path, sizeof path, "%s/outbox.db", home);
	store_key_derive(k, SUBKEY_OUTBOX_DB, key);
	assert_int_equal(store_vfs_open(path, key, &db, &e), 0);
	exec_ok(db, "INSERT INTO doc_journal(path, base_size, text, updated, full)"
		    " VALUES('/home/u/plan.txt', 3, 'newer words', 2, 1)");
	store_vfs_close(db);

	s = open_store(k);
	assert_int_equal(count_of(store_outbox_db(s), "SELECT count(*) FROM doc_journal"
			 " WHERE text='unsaved words' AND base_size=5 AND full=1"), 1);
	assert_int_equal(count_of(store_outbox_db(s), "SELECT count(*) FROM doc_journal_ops"), 2);
	assert_int_equal(count_of(store_outbox_db(s), "SELECT count(*) FROM doc_journal"
			 " WHERE path='/home/u/plan.txt' AND text='newer words'"), 1);
	assert_int_equal(count_of(store_outbox_db(s), "SELECT count(*) FROM doc_journal_ops"
			 " WHERE path='/home/u/plan.txt'"), 0);
	assert_int_equal(count_of(store_cache(s), "SELECT count(*) FROM doc_journal"), 0);
	assert_int_equal(count_of(store_cache(s), "SELECT count(*) FROM doc_journal_ops"), 0);
	store_close(s);

	assert_int_equal(store_cache_rebuild(home, &e), 0);
	s = open_store(k);
	assert_int_equal(count_of(store_outbox_db(s), "SELECT count(*) FROM doc_journal"
			 " WHERE text='unsaved words'"), 1);
	assert_int_equal(count_of(store_outbox_db(s), "SELECT count(*) FROM doc_journal_ops"), 2);
	store_close(s);
	store_key_free(k);
}

static void test_disk_full_fails_clearly_and_loses_no_queued_entry(void **state)
{
	char dir[128], cmd[300], filler[160], key[32], big[3000];
	struct store_key *k = NULL;
	struct store *s = NULL;
	struct err e;
	int acked = 0, rc = 0;
	int64_t id;

	snprintf(dir, sizeof dir, "%s/full", home);
	mkdir(dir, 0700);
	snprintf(cmd, sizeof cmd, "mount -t tmpfs -o size=1m tmpfs %s 2>/dev/null", dir);
	if (system(cmd) != 0) {
		print_message("skipped: cannot mount a tmpfs here (not root?)\n");
		skip();
	}
	assert_int_equal(store_keys_create(dir, NULL, keyfile, &k, &e), 0);
	assert_int_equal(store_open(dir, k, &s, &e), 0);
	/* Room to recover with later. */
	snprintf(filler, sizeof filler, "%s/filler", dir);
	snprintf(cmd, sizeof cmd, "head -c 200000 /dev/zero > %s", filler);
	assert_int_equal(system(cmd), 0);
	memset(big, 'x', sizeof big);
	for (int i = 0; i < 2000 && rc == 0; i++) {
		snprintf(key, sizeof key, "full-%d", i);
		rc = store_outbox_add(s, "mail", "send", key, key, big, sizeof big, &id, &e);
		if (rc == 0)
			acked++;
	}
	assert_int_equal(rc, E_IO);
	assert_non_null(strstr(e.msg, "outbox.db"));
	store_close(s);
	unlink(filler);
	assert_int_equal(store_open(dir, k, &s, &e), 0);
	assert_int_equal(store_outbox_count(s, "mail"), acked);
	print_message("disk full after %d queued entries; all of them kept\n", acked);

	store_close(s);

	/* A read-only disk: opening or writing fails clearly, naming the
	 * file, and changes nothing. */
	snprintf(cmd, sizeof cmd, "mount -o remount,ro %s", dir);
	assert_int_equal(system(cmd), 0);
	rc = store_open(dir, k, &s, &e);
	if (rc == 0) {
		rc = store_outbox_add(s, "mail", "send", "ro-1", "ro", "x", 1, &id, &e);
		store_close(s);
	}
	assert_int_equal(rc, E_IO);
	assert_non_null(strstr(e.msg, ".db"));
	snprintf(cmd, sizeof cmd, "mount -o remount,rw %s", dir);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(store_open(dir, k, &s, &e), 0);
	assert_int_equal(store_outbox_count(s, "mail"), acked);
	store_close(s);
	store_key_free(k);
	snprintf(cmd, sizeof cmd, "umount %s", dir);
	assert_int_equal(system(cmd), 0);
}

/*
 * The crash harness: a child adds outbox entries (and cache rows) in a
 * loop, telling the parent each id the store acknowledged; the parent
 * kills it with SIGKILL at a random moment, then checks that the store
 * opens, passes integrity_check, and holds every acknowledged entry
 * exactly once. ATRIUM_CRASH_ROUNDS sets the rounds (default 200).
 */
static void crash_child(struct store_key *k, int fd, int round)
{
	struct store *s;
	struct err e;
	char key[64], sql[128];

	if (store_open(home, k, &s, &e) != 0)
		_exit(3);
	for (int i = 0;; i++) {
		int64_t id;

		snprintf(key, sizeof key, "r%d-%d", round, i);
		if (store_outbox_add(s, "mail", "send", key, key, key, strlen(key), &id, &e) != 0)
			_exit(4);
		if (write(fd, &id, sizeof id) != sizeof id)
			_exit(5);
		snprintf(sql, sizeof sql, "INSERT INTO meta VALUES('%s', randomblob(3000))", key);
		store_exec(store_cache(s), sql, NULL);
	}
}

static void test_crash_harness_loses_no_acknowledged_entry(void **state)
{
	const char *env = getenv("ATRIUM_CRASH_ROUNDS");
	int rounds = env ? atoi(env) : 200, total = 0;
	struct store_key *k = new_key();
	struct store *s = open_store(k);

	store_close(s);
	srand((unsigned)time(NULL));
	for (int r = 0; r < rounds; r++) {
		int p[2], status;
		pid_t pid;
		int64_t id, *acked = NULL;
		size_t nacked = 0;
		struct outbox_entry *list;
		struct err e;
		size_t n;
		sqlite3_stmt *st;

		assert_int_equal(pipe(p), 0);
		pid = fork();
		if (pid == 0) {
			close(p[0]);
			crash_child(k, p[1], r);
		}
		close(p[1]);
		usleep((useconds_t)(rand() % 40000));
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		if (WIFEXITED(status))
			fail_msg("round %d: the writer failed by itself (exit %d)", r,
				 WEXITSTATUS(status));
		while (read(p[0], &id, sizeof id) == sizeof id) {
			acked = xreallocarray(acked, nacked + 1, sizeof *acked);
			acked[nacked++] = id;
		}
		close(p[0]);

		if (store_open(home, k, &s, &e) != 0)
			fail_msg("round %d: store does not open after SIGKILL: %s", r, e.msg);
		sqlite3_prepare_v2(store_cache(s), "PRAGMA integrity_check", -1, &st, NULL);
		assert_int_equal(sqlite3_step(st), SQLITE_ROW);
		assert_string_equal((const char *)sqlite3_column_text(st, 0), "ok");
		sqlite3_finalize(st);
		assert_int_equal(store_outbox_list(s, "mail", &list, &n, &e), 0);
		for (size_t i = 0; i < nacked; i++) {
			int times = 0;

			for (size_t j = 0; j < n; j++)
				times += list[j].id == acked[i];
			if (times != 1)
				fail_msg("round %d: acknowledged entry %lld is there %d times", r,
					 (long long)acked[i], times);
		}
		/* Start the next round small: drop what this one queued. */
		for (size_t j = 0; j < n; j++)
			store_outbox_drop(s, list[j].id, &e);
		store_exec(store_cache(s), "DELETE FROM meta", NULL);
		total += (int)nacked;
		store_outbox_list_free(list, n);
		free(acked);
		store_close(s);
	}
	print_message("crash harness: %d rounds, %d acknowledged entries checked\n", rounds, total);
	store_key_free(k);
}

/* The search index through struct store: its statements are prepared
 * once per connection and kept, so each connection (a clone too) must
 * find what every other wrote, replaced items once, deleted ones never. */
static void test_index_through_the_store_and_a_clone(void **state)
{
	struct store_key *k = new_key();
	struct store *s = open_store(k), *c = NULL;
	struct store_hit *h = NULL;
	char ref[16], title[32];
	size_t n = 0;
	struct err e;

	assert_int_equal(store_clone(s, &c, &e), 0);
	assert_int_equal(store_index_put(s, "mail", "1", "budget report", "alice", &e), 0);
	exec_ok(store_cache(s), "BEGIN");
	for (int i = 2; i <= 50; i++) {
		snprintf(ref, sizeof ref, "%d", i);
		snprintf(title, sizeof title, "quarter %d", i);
		assert_int_equal(store_index_put(s, "mail", ref, title, "bob", &e), 0);
	}
	exec_ok(store_cache(s), "COMMIT");
	assert_int_equal(store_index_put(s, "mail", "1", "travel plan", "alice", &e), 0);
	assert_int_equal(store_index_del(s, "mail", "2", &e), 0);
	/* a refused put leaves the kept statements usable */
	assert_int_equal(store_index_put(s, "", "3", "x", "y", &e), E_USAGE);
	assert_int_equal(store_index_put(c, "mail", "100", "budget clone", "carol", &e), 0);

	assert_int_equal(store_search(s, "mail", "budget", 10, &h, &n, &e), 0);
	assert_int_equal(n, 1);
	assert_string_equal(h[0].ref, "100");
	store_hits_free(h, n);
	assert_int_equal(store_search(c, "mail", "travel", 10, &h, &n, &e), 0);
	assert_int_equal(n, 1);
	assert_string_equal(h[0].ref, "1");
	store_hits_free(h, n);
	assert_int_equal(store_search(c, "mail", "quarter", 100, &h, &n, &e), 0);
	assert_int_equal(n, 48);
	for (size_t i = 0; i < n; i++)
		assert_string_not_equal(h[i].ref, "2");
	store_hits_free(h, n);
	store_close(c);
	store_close(s);
	store_key_free(k);
}

/* store_index_add fills in what is missing and leaves an item already
 * indexed as it is, inside a transaction or alone: the mail sync's
 * catch-up must not undo the fuller entry of a body read meanwhile. */
static void test_index_add_keeps_an_item_already_there(void **state)
{
	struct store_key *k = new_key();
	struct store *s = open_store(k);
	struct store_hit *h = NULL;
	size_t n = 0;
	struct err e;

	assert_int_equal(store_index_put(s, "mail", "7", "budget", "alice\nthe body words", &e), 0);
	assert_int_equal(store_index_add(s, "mail", "7", "budget", "alice", &e), 0);
	exec_ok(store_cache(s), "BEGIN");
	assert_int_equal(store_index_add(s, "mail", "7", "budget", "alice", &e), 0);
	assert_int_equal(store_index_add(s, "mail", "8", "travel", "bob", &e), 0);
	exec_ok(store_cache(s), "COMMIT");
	assert_int_equal(store_index_add(s, "mail", "9", "travel", "carol", &e), 0);
	assert_int_equal(store_index_add(s, "", "9", "x", "y", &e), E_USAGE);

	assert_int_equal(store_search(s, "mail", "body words", 10, &h, &n, &e), 0);
	assert_int_equal(n, 1);
	assert_string_equal(h[0].ref, "7");
	store_hits_free(h, n);
	assert_int_equal(store_search(s, "mail", "budget", 10, &h, &n, &e), 0);
	assert_int_equal(n, 1); /* one row for item 7, not two */
	store_hits_free(h, n);
	assert_int_equal(store_search(s, "mail", "travel", 10, &h, &n, &e), 0);
	assert_int_equal(n, 2);
	store_hits_free(h, n);
	store_close(s);
	store_key_free(k);
}

/* Writers take turns: while one connection waits for the write lock,
 * the one holding it is told (store_turn_wanted), and its next BEGIN lets
 * the waiter in first: the mail sync's batches and the screen. */
struct waiter {
	struct store *c;
	int done, rc;
};

static void *wait_to_write(void *arg)
{
	struct waiter *w = arg;
	struct err e;

	w->rc = store_exec(store_cache(w->c), "INSERT INTO meta(key, value) VALUES('waiter', 1)", &e);
	__atomic_store_n(&w->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

static int64_t meta_count(sqlite3 *db, const char *key)
{
	char *sql = sqlite3_mprintf("SELECT count(*) FROM meta WHERE key=%Q", key);
	int n;

	assert_non_null(sql);
	n = count_of(db, sql);
	sqlite3_free(sql);
	return n;
}

static void test_writers_take_turns(void **state)
{
	struct store_key *k = new_key();
	struct store *s = open_store(k), *c = NULL;
	struct waiter w = { 0 };
	pthread_t t;
	struct err e;
	int wanted = 0;

	assert_int_equal(store_clone(s, &c, &e), 0);
	assert_false(store_turn_wanted()); /* nobody waits */
	exec_ok(store_cache(s), "BEGIN IMMEDIATE");
	exec_ok(store_cache(s), "INSERT INTO meta(key, value) VALUES('holder', 1)");
	w.c = c;
	assert_int_equal(pthread_create(&t, NULL, wait_to_write, &w), 0);
	for (int i = 0; i < 500 && !wanted; i++) {
		wanted = store_turn_wanted();
		if (!wanted)
			usleep(2000);
	}
	assert_true(wanted);
	assert_false(__atomic_load_n(&w.done, __ATOMIC_ACQUIRE)); /* still waiting */
	exec_ok(store_cache(s), "COMMIT");
	/* the next BEGIN goes after the waiter: its row is there */
	assert_int_equal(store_exec(store_cache(s), "BEGIN IMMEDIATE", &e), 0);
	assert_int_equal(meta_count(store_cache(s), "waiter"), 1);
	exec_ok(store_cache(s), "COMMIT");
	pthread_join(t, NULL);
	assert_int_equal(w.rc, 0);
	usleep(6000);
	assert_false(store_turn_wanted()); /* the wait is over */
	store_close(c);
	store_close(s);
	store_key_free(k);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fresh_home_gets_both_databases_at_the_current_schema),
		cmocka_unit_test(test_no_marker_reaches_any_file_through_any_path),
		cmocka_unit_test(test_rollback_journal_pages_are_sealed),
		cmocka_unit_test(test_wrong_key_is_a_clear_error_naming_the_file),
		cmocka_unit_test(test_tampered_page_is_an_error_never_garbage),
		cmocka_unit_test(test_migrations_run_from_every_earlier_version),
		cmocka_unit_test(test_a_newer_schema_is_refused),
		cmocka_unit_test(test_outbox_keeps_order_and_adds_each_write_once),
		cmocka_unit_test(test_vault_keeps_secrets_per_service),
		cmocka_unit_test(test_cache_rebuild_moves_the_cache_aside_and_keeps_the_outbox),
		cmocka_unit_test(test_docs_journal_moves_to_the_outbox_and_outlives_a_rebuilt_cache),
		cmocka_unit_test(test_disk_full_fails_clearly_and_loses_no_queued_entry),
		cmocka_unit_test(test_crash_harness_loses_no_acknowledged_entry),
		cmocka_unit_test(test_index_through_the_store_and_a_clone),
		cmocka_unit_test(test_index_add_keeps_an_item_already_there),
		cmocka_unit_test(test_writers_take_turns),
	};
	return cmocka_run_group_tests_name("store", tests, setup, teardown);
}
