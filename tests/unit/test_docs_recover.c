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
	db = store_cache(store);
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
	struct doc_journal j = { 4, 0, 1, (char *)"same", 4 };
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
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
