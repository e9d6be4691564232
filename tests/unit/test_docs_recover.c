/*
 * test_docs_recover.c - modules/docs/recover.c, the crash-recovery journal
 * in a real encrypted store: an edit is journalled on the next tick and
 * only then, saving or undoing to the file deletes the row, reopening
 * offers the journalled text (marked recovered) without touching the file,
 * keep and discard, a changed file is reported, untitled text, no store,
 * the module's free() journals the last changes, and the text is not
 * readable in the store's files.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include <sodium.h>

#include "core/core.h"
#include "modules/docs/buffer.h"
#include "modules/docs/editor.h"
#include "modules/docs/recover.h"
#include "modules/module.h"
#include "store/store.h"

static char home[64];
static struct store_key *key;
static struct store *store;
static sqlite3 *db;

static int setup(void **state)
{
	unsigned char kf[STORE_KEY_BYTES];
	struct err e;

	strcpy(home, "/tmp/atrium-test-recover.XXXXXX");
	if (mkdtemp(home) == NULL)
		return -1;
	randombytes_buf(kf, sizeof kf);
	store_keys_set_kdf_limits(crypto_pwhash_OPSLIMIT_MIN, crypto_pwhash_MEMLIMIT_MIN);
	if (store_keys_create(home, NULL, kf, &key, &e) != 0 || store_open(home, key, &store, &e) != 0) {
		fprintf(stderr, "store: %s\n", e.msg);
		return -1;
	}
	db = store_outbox_db(store); /* the docs journal's */
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	store_close(store);
	store_key_free(key);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", home);
	return system(cmd) == 0 ? 0 : -1;
}

/* A fresh journal and a file name in home holding text. */
static const char *fresh_file(const char *name, const char *text)
{
	static char path[128];
	struct err e;
	FILE *f;

	assert_int_equal(store_exec(db, "DELETE FROM doc_journal", &e), 0);
	assert_int_equal(store_exec(db, "DELETE FROM doc_journal_ops", &e), 0);
	snprintf(path, sizeof path, "%s/%s", home, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	return path;
}

static char *file_text(const char *path)
{
	FILE *f = fopen(path, "r");
	struct buf b;
	char tmp[256];
	size_t n;

	assert_non_null(f);
	buf_init(&b);
	while ((n = fread(tmp, 1, sizeof tmp, f)) > 0)
		buf_add(&b, tmp, n);
	fclose(f);
	buf_cstr(&b);
	return buf_detach(&b);
}

static void assert_file(const char *path, const char *want)
{
	char *t = file_text(path);

	assert_string_equal(t, want);
	free(t);
}

static void assert_text(const struct editor *ed, const char *want)
{
	struct buf b;

	buf_init(&b);
	doc_buf_contents(editor_buf(ed), &b);
	buf_cstr(&b);
	assert_string_equal(b.data ? b.data : "", want);
	buf_free(&b);
}

static struct editor *open_ed(const char *path)
{
	struct editor *ed = editor_new();
	struct err e;

	assert_int_equal(editor_open(ed, path, &e), 0);
	return ed;
}

static int rows(void)
{
	sqlite3_stmt *st;
	int n;

	assert_int_equal(sqlite3_prepare_v2(db, "SELECT count(*) FROM doc_journal", -1, &st, NULL),
			 SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	n = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return n;
}

/* The row's text for ed's file, as a C string the caller frees; NULL
 * without a row. */
static char *row_text(const struct editor *ed)
{
	struct doc_journal j;
	struct buf k;
	struct err e;
	int rc;

	buf_init(&k);
	doc_journal_key(ed, home, &k);
	rc = doc_journal_get(db, k.data, &j, &e);
	buf_free(&k);
	if (rc != 0)
		return NULL;
	return j.text;
}

static void test_an_edit_is_journalled_on_the_next_tick_and_only_once(void **state)
{
	const char *path = fresh_file("a.txt", "hello\n");
	struct editor *ed = open_ed(path);
	struct doc_recover r;
	struct err e;
	char *t;

	doc_recover_init(&r, home);
	assert_int_equal(doc_recover_tick(&r, db, ed, &e), 0);
	assert_int_equal(r.writes, 0); /* unmodified: nothing written */
	assert_int_equal(rows(), 0);
	editor_insert(ed, "X", 1);
	assert_int_equal(doc_recover_tick(&r, db, ed, &e), 0);
	assert_int_equal(r.writes, 1);
	t = row_text(ed);
	assert_string_equal(t, "Xhello\n");
	free(t);
	assert_int_equal(doc_recover_tick(&r, db, ed, &e), 0);
	assert_int_equal(r.writes, 1); /* no change, no write */
	editor_insert(ed, "Y", 1);
	doc_recover_tick(&r, db, ed, &e);
	assert_int_equal(r.writes, 2);
	assert_file(path, "hello\n");
	doc_recover_free(&r);
	editor_free(ed);
}

static void test_saving_deletes_the_row(void **state)
{
	const char *path = fresh_file("b.txt", "one\n");
	struct editor *ed = open_ed(path);
	struct doc_recover r;
	struct err e;

	doc_recover_init(&r, home);
	editor_insert(ed, "zero ", 5);
	doc_recover_tick(&r, db, ed, &e);
	assert_int_equal(rows(), 1);
	assert_int_equal(editor_save(ed, NULL, &e), 0);
	doc_recover_tick(&r, db, ed, &e);
	assert_int_equal(rows(), 0);
	assert_file(path, "zero one\n");
	doc_recover_free(&r);
	editor_free(ed);
}

static void test_undoing_back_to_the_file_deletes_the_row(void **state)
{
	const char *path = fresh_file("c.txt", "abc");
	struct editor *ed = open_ed(path);
	struct doc_recover r;
	struct err e;

	doc_recover_init(&r, home);
	editor_insert(ed, "x", 1);
	doc_recover_tick(&r, db, ed, &e);
	assert_int_equal(rows(), 1);
	assert_int_equal(editor_undo(ed), 0);
	doc_recover_tick(&r, db, ed, &e);
	assert_int_equal(rows(), 0);
	doc_recover_free(&r);
	editor_free(ed);
}

/* Journal "edited " + text for path as a crashed session would leave it. */
static void crash_with_edit(const char *path)
{
	struct editor *ed = open_ed(path);
	struct doc_recover r;
	struct err e;

	doc_recover_init(&r, home);
	editor_insert(ed, "edited ", 7);
	assert_int_equal(doc_recover_tick(&r, db, ed, &e), 0);
	doc_recover_free(&r); /* no save, no delete: the process died */
	editor_free(ed);
}

static void test_reopening_offers_the_journalled_text_and_leaves_the_file(void **state)
{
	const char *path = fresh_file("d.txt", "text\n");
	struct doc_recover r;
	struct editor *ed;
	struct err e;

	crash_with_edit(path);
	ed = open_ed(path);
	doc_recover_init(&r, home);
	assert_int_equal(doc_recover_offer(&r, db, ed, &e), 1);
	assert_true(r.offered);
	assert_false(r.file_changed);
	assert_true(r.when > 0);
	assert_text(ed, "edited text\n");
	assert_true(editor_recovered(ed));
	assert_true(editor_modified(ed));
	assert_file(path, "text\n");
	/* The row already holds this text: the next tick writes nothing. */
	doc_recover_tick(&r, db, ed, &e);
	assert_int_equal(r.writes, 0);
	/* Undo gives the file's text back. */
	assert_int_equal(editor_undo(ed), 0);
	assert_text(ed, "text\n");
	doc_recover_free(&r);
	editor_free(ed);
}

static void test_discard_reloads_the_file_and_deletes_the_row(void **state)
{
	const char *path = fresh_file("e.txt", "keep me\n");
	struct doc_recover r;
	struct editor *ed;
	struct err e;

	crash_with_edit(path);
	ed = open_ed(path);
	doc_recover_init(&r, home);
	assert_int_equal(doc_recover_offer(&r, db, ed, &e), 1);
	assert_int_equal(doc_recover_discard(&r, db, ed, &e), 0);
	assert_false(r.offered);
	assert_text(ed, "keep me\n");
	assert_false(editor_modified(ed));
	assert_false(editor_recovered(ed));
	assert_int_equal(rows(), 0);
	assert_file(path, "keep me\n");
	doc_recover_free(&r);
	editor_free(ed);
}

static void test_keep_stays_modified_and_saving_writes_the_recovered_text(void **state)
{
	const char *path = fresh_file("f.txt", "base\n");
	struct doc_recover r;
	struct editor *ed;
	struct err e;

	crash_with_edit(path);
	ed = open_ed(path);
	doc_recover_init(&r, home);
	assert_int_equal(doc_recover_offer(&r, db, ed, &e), 1);
	doc_recover_keep(&r);
	assert_false(r.offered);
	assert_true(editor_modified(ed));
	assert_int_equal(rows(), 1);
	assert_file(path, "base\n");
	assert_int_equal(editor_save(ed, NULL, &e), 0);
	doc_recover_tick(&r, db, ed, &e);
	assert_int_equal(rows(), 0);
	assert_false(editor_recovered(ed));
	assert_file(path, "edited base\n");
	doc_recover_free(&r);
	editor_free(ed);
}

static void test_a_row_holding_the_files_text_is_dropped_without_an_offer(void **state)
{
	const char *path = fresh_file("g.txt", "same");
	struct doc_journal j = { .base_size = 4, .updated = 1, .text = (char *)"same", .len = 4 };
	struct doc_recover r;
	struct editor *ed = open_ed(path);
	struct buf k;
	struct err e;

	buf_init(&k);
	doc_journal_key(ed, home, &k);
	assert_int_equal(doc_journal_put(db, k.data, &j, &e), 0);
	buf_free(&k);
	doc_recover_init(&r, home);
	assert_int_equal(doc_recover_offer(&r, db, ed, &e), 0);
	assert_false(editor_modified(ed));
	assert_int_equal(rows(), 0);
	doc_recover_free(&r);
	editor_free(ed);
}

static void test_a_file_changed_on_disk_since_is_still_offered_and_said(void **state)
{
	const char *path = fresh_file("h.txt", "v1\n");
	struct doc_recover r;
	struct editor *ed;
	struct err e;
	FILE *f;

	crash_with_edit(path);
	f = fopen(path, "w");
	fputs("version two\n", f);
	fclose(f);
	ed = open_ed(path);
	doc_recover_init(&r, home);
	assert_int_equal(doc_recover_offer(&r, db, ed, &e), 1);
	assert_true(r.file_changed);
	assert_text(ed, "edited v1\n");
	assert_file(path, "version two\n");
	doc_recover_free(&r);
	editor_free(ed);
}

static void test_untitled_text_is_journalled_under_the_home(void **state)
{
	struct editor *ed = editor_new();
	struct doc_recover r;
	struct buf k;
	struct err e;

	fresh_file("unused", "");
	doc_recover_init(&r, home);
	editor_insert(ed, "draft", 5);
	doc_recover_tick(&r, db, ed, &e);
	buf_init(&k);
	doc_journal_key(ed, home, &k);
	assert_true(strncmp(k.data, "untitled:", 9) == 0);
	assert_non_null(strstr(k.data, home));
	buf_free(&k);
	doc_recover_free(&r);
	editor_free(ed);

	ed = editor_new();
	doc_recover_init(&r, home);
	assert_int_equal(doc_recover_offer(&r, db, ed, &e), 1);
	assert_text(ed, "draft");
	assert_int_equal(doc_recover_discard(&r, db, ed, &e), 0);
	assert_text(ed, "");
	assert_null(editor_path(ed));
	assert_int_equal(rows(), 0);
	doc_recover_free(&r);
	editor_free(ed);
}

static void test_saving_untitled_text_under_a_name_drops_the_untitled_row(void **state)
{
	const char *path = fresh_file("i.txt", "");
	struct editor *ed = editor_new();
	struct doc_recover r;
	struct err e;

	doc_recover_init(&r, home);
	editor_insert(ed, "draft", 5);
	doc_recover_tick(&r, db, ed, &e);
	assert_int_equal(rows(), 1);
	assert_int_equal(editor_save(ed, path, &e), 0);
	doc_recover_tick(&r, db, ed, &e);
	assert_int_equal(rows(), 0);
	doc_recover_free(&r);
	editor_free(ed);
}

static void test_without_a_store_nothing_is_journalled(void **state)
{
	const char *path = fresh_file("j.txt", "x");
	struct editor *ed = open_ed(path);
	struct doc_recover r;
	struct err e;

	doc_recover_init(&r, home);
	editor_insert(ed, "y", 1);
	assert_int_equal(doc_recover_tick(&r, NULL, ed, &e), 0);
	assert_int_equal(doc_recover_offer(&r, NULL, ed, &e), 0);
	assert_int_equal(r.writes, 0);
	assert_int_equal(rows(), 0);
	doc_recover_free(&r);
	editor_free(ed);
}

extern const struct module docs_module;

static int no_confirm(const char *q)
{
	return 1;
}

/* The module as the shell drives it: open, type, quit without saving;
 * free() must journal what the timer had no time to. */
static void test_the_modules_free_journals_the_last_changes(void **state)
{
	const char *path = fresh_file("k.txt", "abc");
	struct module_env env = { 0 };
	struct cmd_ctx ctx = { 0 };
	char *argv[] = { (char *)"open", (char *)path };
	struct editor *ed;
	void *st = NULL;
	char *t;
	struct err e;
	FILE *out = fopen("/dev/null", "w");

	env.home = home;
	env.store = store;
	ctx.out = out;
	ctx.interactive = 1;
	ctx.err = &e;
	ctx.confirm = no_confirm;
	assert_int_equal(docs_module.init(&env, &st), 0);
	assert_int_equal(docs_module.command(st, &ctx, 2, argv), 0);
	assert_int_equal(docs_module.key(st, 'Z'), 1);
	docs_module.free(st);
	fclose(out);
	ed = open_ed(path);
	t = row_text(ed);
	assert_non_null(t);
	assert_string_equal(t, "Zabc");
	free(t);
	editor_free(ed);
	assert_file(path, "abc");
}

/* Search the files of the home for the bytes of needle. */
static int found_on_disk(const char *needle)
{
	char cmd[256];

	snprintf(cmd, sizeof cmd, "grep -rqa -- '%s' '%s'/*.db* 2>/dev/null", needle, home);
	return system(cmd) == 0;
}

static void test_the_journal_is_not_readable_on_disk(void **state)
{
	const char *path = fresh_file("l.txt", "");
	struct editor *ed = open_ed(path);
	struct doc_recover r;
	struct err e;
	const char *marker = "QUOKKA-marker-7731";

	doc_recover_init(&r, home);
	editor_insert(ed, marker, strlen(marker));
	assert_int_equal(doc_recover_tick(&r, db, ed, &e), 0);
	assert_int_equal(rows(), 1);
	assert_false(found_on_disk(marker));
	doc_recover_free(&r);
	editor_free(ed);
}


/* A file of n bytes of lines, so the log of a few edits stays far below
 * the text and no full copy is written. */
static const char *big_file(const char *name, size_t n)
{
	struct buf b;
	const char *path;

	buf_init(&b);
	while (b.len < n)
		buf_printf(&b, "line %06zu of the base text\n", b.len);
	buf_cstr(&b);
	path = fresh_file(name, b.data);
	buf_free(&b);
	return path;
}

static int op_rows(void)
{
	sqlite3_stmt *st;
	int n;

	assert_int_equal(sqlite3_prepare_v2(db, "SELECT count(*) FROM doc_journal_ops", -1, &st,
					    NULL),
			 SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	n = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return n;
}

/* Bytes stored for the journal: the row's text and its log. */
static size_t stored_bytes(void)
{
	sqlite3_stmt *st;
	size_t n;

	assert_int_equal(sqlite3_prepare_v2(db,
					    "SELECT (SELECT coalesce(sum(length(text)), 0) FROM doc_journal)"
					    " + (SELECT coalesce(sum(length(ops)), 0) FROM doc_journal_ops)",
					    -1, &st, NULL),
			 SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	n = (size_t)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

static char *ed_text(const struct editor *ed)
{
	struct buf b;

	buf_init(&b);
	doc_buf_contents(editor_buf(ed), &b);
	buf_cstr(&b);
	return buf_detach(&b);
}

/* Edits at the start, the middle and the end, an undo and a redo, over
 * several ticks: each tick logs only what changed, and reopening after
 * the "crash" replays them on the file to the very same text. */
static void test_edits_are_logged_per_tick_and_replayed_on_the_file(void **state)
{
	const char *path = big_file("m.txt", 200000);
	struct editor *ed = open_ed(path);
	struct doc_recover r;
	struct err e;
	char *want, *t;
	size_t stored;

	doc_recover_init(&r, home);
	assert_int_equal(doc_recover_offer(&r, db, ed, &e), 0); /* as docs.c does on open */
	editor_insert(ed, "head ", 5);
	editor_set_cursor(ed, 100000);
	editor_insert(ed, "middle", 6);
	assert_int_equal(doc_recover_tick(&r, db, ed, &e), 0);
	assert_int_equal(r.writes, 1);
	assert_int_equal(r.full_writes, 0);
	assert_int_equal(op_rows(), 1);
	stored = stored_bytes();
	assert_true(stored < 200);
	editor_set_cursor(ed, doc_buf_len(editor_buf(ed)));
	editor_insert(ed, "tail 尾", strlen("tail 尾"));
	editor_set_cursor(ed, 3);
	editor_delete(ed);
	editor_backspace(ed);
	assert_int_equal(doc_recover_tick(&r, db, ed, &e), 0);
	assert_int_equal(op_rows(), 2);
	assert_true(stored_bytes() - stored < 200);
	assert_int_equal(editor_undo(ed), 0);
	assert_int_equal(editor_undo(ed), 0);
	assert_int_equal(editor_redo(ed), 0);
	editor_set_cursor(ed, 150000);
	editor_insert(ed, "\n中文\n", strlen("\n中文\n"));
	assert_int_equal(doc_recover_tick(&r, db, ed, &e), 0);
	assert_int_equal(r.full_writes, 0);
	assert_int_equal(op_rows(), 3);
	want = ed_text(ed);
	doc_recover_free(&r);
	editor_free(ed);

	/* doc_journal_get (`docs cat`) replays the log on the file... */
	ed = open_ed(path);
	t = row_text(ed);
	assert_non_null(t);
	assert_string_equal(t, want);
	free(t);
	/* ...and so does reopening, marked recovered, one undo from the file */
	doc_recover_init(&r, home);
	assert_int_equal(doc_recover_offer(&r, db, ed, &e), 1);
	assert_false(r.file_changed);
	t = ed_text(ed);
	assert_string_equal(t, want);
	free(t);
	assert_true(editor_recovered(ed));
	/* typing on goes on logging on the same journal */
	editor_insert(ed, "more", 4);
	assert_int_equal(doc_recover_tick(&r, db, ed, &e), 0);
	assert_int_equal(op_rows(), 4);
	free(want);
	want = ed_text(ed);
	assert_int_equal(editor_undo(ed), 0);
	assert_int_equal(editor_undo(ed), 0);
	t = ed_text(ed);
	{
		char *f = file_text(path);

		assert_string_equal(t, f);
		free(f);
	}
	free(t);
	assert_int_equal(editor_redo(ed), 0);
	assert_int_equal(editor_redo(ed), 0);
	doc_recover_free(&r);
	editor_free(ed);
	ed = open_ed(path);
	t = row_text(ed);
	assert_string_equal(t, want);
	free(t);
	free(want);
	editor_free(ed);
}

/* When the log outgrows the text, one full copy replaces it; edits go on
 * being logged on that copy, and it is what recovery starts from. */
static void test_a_log_larger_than_the_text_is_compacted_to_a_full_copy(void **state)
{
	const char *path = big_file("n.txt", 2000);
	struct editor *ed = open_ed(path);
	struct doc_recover r;
	struct err e;
	char *want, *t;
	unsigned long full;

	doc_recover_init(&r, home);
	doc_recover_offer(&r, db, ed, &e);
	editor_insert(ed, "a", 1);
	assert_int_equal(doc_recover_tick(&r, db, ed, &e), 0);
	assert_int_equal(r.full_writes, 0);
	/* each tick logs 25 bytes: within 200 ticks the log passes the text */
	for (int i = 0; i < 200 && r.full_writes == 0; i++) {
		editor_set_cursor(ed, (size_t)(i * 23) % 1900);
		editor_insert(ed, "b", 1);
		assert_int_equal(doc_recover_tick(&r, db, ed, &e), 0);
	}
	assert_int_equal(r.full_writes, 1);
	assert_int_equal(op_rows(), 0); /* the copy took the log's place */
	assert_true(stored_bytes() <= doc_buf_len(editor_buf(ed)));
	full = r.full_writes;
	editor_insert(ed, "after the copy", 14);
	assert_int_equal(doc_recover_tick(&r, db, ed, &e), 0);
	assert_int_equal(r.full_writes, full);
	assert_int_equal(op_rows(), 1);
	want = ed_text(ed);
	doc_recover_free(&r);
	editor_free(ed);

	ed = open_ed(path);
	doc_recover_init(&r, home);
	assert_int_equal(doc_recover_offer(&r, db, ed, &e), 1);
	t = ed_text(ed);
	assert_string_equal(t, want);
	free(t);
	free(want);
	doc_recover_free(&r);
	editor_free(ed);
}

/* More edits in one tick than the buffer remembers: a full copy, right. */
static void test_too_many_edits_in_a_tick_write_a_full_copy(void **state)
{
	const char *path = big_file("o.txt", 100000);
	struct editor *ed = open_ed(path);
	struct doc_recover r;
	struct err e;
	char *want, *t;

	doc_recover_init(&r, home);
	doc_recover_offer(&r, db, ed, &e);
	for (int i = 0; i < DOC_BUF_EDITS_MAX + 10; i++) {
		editor_set_cursor(ed, (size_t)i * 300);
		editor_insert(ed, "x", 1);
	}
	assert_int_equal(doc_recover_tick(&r, db, ed, &e), 0);
	assert_int_equal(r.full_writes, 1);
	want = ed_text(ed);
	editor_free(ed);
	doc_recover_free(&r);
	ed = open_ed(path);
	t = row_text(ed);
	assert_string_equal(t, want);
	free(t);
	free(want);
	editor_free(ed);
}

/* A log of edits only, and the file changed since (same size, so only
 * the hash tells): nothing is put in the editor, and it says how many
 * edits and bytes are lost; `docs cat` refuses rather than guess; the
 * row is kept, and the file put back as it was (bytes and mtime, as a
 * backup restores it) makes the edits recoverable again. */
static void test_a_changed_original_without_a_full_copy_is_said_not_guessed(void **state)
{
	const char *path = big_file("p.txt", 50000);
	char *orig = file_text(path);
	struct editor *ed = open_ed(path);
	struct doc_recover r;
	struct doc_journal j;
	struct buf k;
	struct err e;
	char *want, *t;
	struct stat sb;
	struct timespec times[2];
	FILE *f;

	assert_int_equal(stat(path, &sb), 0);
	times[0] = sb.st_atim;
	times[1] = sb.st_mtim;
	doc_recover_init(&r, home);
	doc_recover_offer(&r, db, ed, &e);
	editor_insert(ed, "typed", 5);
	editor_set_cursor(ed, 1000);
	editor_insert(ed, "here", 4);
	assert_int_equal(doc_recover_tick(&r, db, ed, &e), 0);
	assert_int_equal(r.full_writes, 0);
	want = ed_text(ed);
	doc_recover_free(&r);
	editor_free(ed);

	/* another program rewrites one byte, keeping the size */
	t = xstrdup(orig);
	t[10] = 'X';
	f = fopen(path, "w");
	fputs(t, f);
	fclose(f);
	free(t);
	ed = open_ed(path);
	doc_recover_init(&r, home);
	assert_int_equal(doc_recover_offer(&r, db, ed, &e), 0);
	assert_false(r.offered);
	assert_true(r.lost);
	assert_int_equal(r.lost_edits, 2);
	assert_int_equal(r.lost_bytes, 9);
	assert_false(editor_modified(ed));
	assert_false(editor_recovered(ed));
	assert_int_equal(rows(), 1);
	buf_init(&k);
	doc_journal_key(ed, home, &k);
	assert_int_equal(doc_journal_get(db, k.data, &j, &e), E_CONFLICT);
	assert_null(j.text);
	assert_int_equal(j.edits, 2);
	doc_journal_clear(&j);
	doc_recover_free(&r);
	editor_free(ed);

	/* the bytes back but not the mtime: still not the base */
	f = fopen(path, "w");
	fputs(orig, f);
	fclose(f);
	ed = open_ed(path);
	doc_recover_init(&r, home);
	assert_int_equal(doc_recover_offer(&r, db, ed, &e), 0);
	assert_true(r.lost);
	doc_recover_free(&r);
	editor_free(ed);
	/* and the mtime too: the edits replay */
	assert_int_equal(utimensat(AT_FDCWD, path, times, 0), 0);
	ed = open_ed(path);
	doc_recover_init(&r, home);
	assert_int_equal(doc_recover_offer(&r, db, ed, &e), 1);
	assert_false(r.lost);
	t = ed_text(ed);
	assert_string_equal(t, want);
	free(t);
	doc_recover_free(&r);
	editor_free(ed);
	buf_free(&k);
	free(want);
	free(orig);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_an_edit_is_journalled_on_the_next_tick_and_only_once),
		cmocka_unit_test(test_saving_deletes_the_row),
		cmocka_unit_test(test_undoing_back_to_the_file_deletes_the_row),
		cmocka_unit_test(test_reopening_offers_the_journalled_text_and_leaves_the_file),
		cmocka_unit_test(test_discard_reloads_the_file_and_deletes_the_row),
		cmocka_unit_test(test_keep_stays_modified_and_saving_writes_the_recovered_text),
		cmocka_unit_test(test_a_row_holding_the_files_text_is_dropped_without_an_offer),
		cmocka_unit_test(test_a_file_changed_on_disk_since_is_still_offered_and_said),
		cmocka_unit_test(test_untitled_text_is_journalled_under_the_home),
		cmocka_unit_test(test_saving_untitled_text_under_a_name_drops_the_untitled_row),
		cmocka_unit_test(test_without_a_store_nothing_is_journalled),
		cmocka_unit_test(test_the_modules_free_journals_the_last_changes),
		cmocka_unit_test(test_the_journal_is_not_readable_on_disk),
		cmocka_unit_test(test_edits_are_logged_per_tick_and_replayed_on_the_file),
		cmocka_unit_test(test_a_log_larger_than_the_text_is_compacted_to_a_full_copy),
		cmocka_unit_test(test_too_many_edits_in_a_tick_write_a_full_copy),
		cmocka_unit_test(test_a_changed_original_without_a_full_copy_is_said_not_guessed),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
