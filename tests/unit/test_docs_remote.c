/*
 * test_docs_remote.c - documents with no file on disk (the team share's):
 * editor_open_mem detects the charset, BOM and line ends as a file's,
 * editor_encode gives the same bytes back (GB18030 with CR LF, UTF-8 with
 * a BOM), an edit lands where it was typed and nothing else moves; saving
 * (editor_mem_saved) makes the bytes the base; the editor never writes a
 * file of its own name and has no disk to check; the crash journal keys
 * the buffer by its share name and offers the text back over the same
 * bytes, and says the edits are lost over other ones; :diff compares
 * with the share's bytes.
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
#include "modules/docs/file.h"
#include "modules/docs/recover.h"
#include "modules/docs/verbs.h"
#include "store/store.h"

#define NAME "share:/reports/q3.md"

static char home[64];
static struct store_key *key;
static struct store *store;
static sqlite3 *db;

static int setup(void **state)
{
	unsigned char kf[STORE_KEY_BYTES];
	struct err e;

	strcpy(home, "/tmp/atrium-test-remote.XXXXXX");
	if (mkdtemp(home) == NULL || chdir(home) != 0)
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

/* "报告" and "第三季度" in GB18030, CR LF line ends. */
static const char gb_bytes[] = "\xb1\xa8\xb8\xe6\r\n\xb5\xda\xc8\xfd\xbc\xbe\xb6\xc8\r\n";

static char *text_of(const struct editor *ed)
{
	struct buf b;

	buf_init(&b);
	doc_buf_contents(editor_buf(ed), &b);
	buf_cstr(&b);
	return buf_detach(&b);
}

static void assert_encodes_to(const struct editor *ed, const char *want, size_t n)
{
	struct buf out;
	struct err e;

	buf_init(&out);
	assert_int_equal(editor_encode(ed, &out, &e), 0);
	assert_int_equal(out.len, n);
	assert_memory_equal(out.data, want, n);
	buf_free(&out);
}

static void test_gb18030_crlf_is_decoded_and_encodes_to_the_same_bytes(void **state)
{
	struct editor *ed = editor_new();
	const struct doc_format *f;
	char *t;

	editor_open_mem(ed, NAME, gb_bytes, sizeof gb_bytes - 1, 1);
	t = text_of(ed);
	assert_string_equal(t, "报告\n第三季度\n");
	free(t);
	f = editor_format(ed);
	assert_int_equal(f->enc, DOC_ENC_GB18030);
	assert_true(f->crlf);
	assert_false(f->bom);
	assert_string_equal(editor_path(ed), NAME);
	assert_true(editor_remote(ed));
	assert_false(editor_modified(ed));
	assert_int_equal(editor_readonly(ed), DOC_RW);
	assert_encodes_to(ed, gb_bytes, sizeof gb_bytes - 1);
	editor_free(ed);
}

static void test_an_edit_in_a_bom_file_changes_only_the_typed_bytes(void **state)
{
	static const char src[] = "\xef\xbb\xbf# 季度\n\n收入\n";
	static const char want[] = "\xef\xbb\xbf# 季度\n\n收入增长\n";
	struct editor *ed = editor_new();

	editor_open_mem(ed, NAME, src, sizeof src - 1, 1);
	assert_int_equal(editor_format(ed)->enc, DOC_ENC_UTF8);
	assert_true(editor_format(ed)->bom);
	editor_set_cursor(ed, strlen("# 季度\n\n收入"));
	editor_insert(ed, "增长", strlen("增长"));
	assert_true(editor_modified(ed));
	assert_encodes_to(ed, want, sizeof want - 1);
	editor_free(ed);
}

static void test_a_remote_document_is_never_written_under_its_name(void **state)
{
	struct editor *ed = editor_new();
	struct stat st;
	struct err e;

	editor_open_mem(ed, NAME, "abc\n", 4, 1);
	editor_insert(ed, "x", 1);
	assert_int_equal(editor_save(ed, NULL, &e), E_USAGE);
	assert_int_equal(editor_save(ed, NAME, &e), E_USAGE);
	assert_true(editor_modified(ed));
	/* cwd is the test's folder: no "share:" folder or file appeared */
	assert_int_not_equal(stat("share:", &st), 0);
	assert_int_not_equal(stat(NAME, &st), 0);
	/* and there is no disk to have changed on */
	assert_int_equal(editor_disk_changed(ed), 0);
	editor_free(ed);
}

static void test_saving_a_copy_to_a_local_file_makes_it_that_file(void **state)
{
	struct editor *ed = editor_new();
	char path[128], got[64];
	struct err e;
	FILE *f;
	size_t n;

	snprintf(path, sizeof path, "%s/copy.txt", home);
	editor_open_mem(ed, NAME, gb_bytes, sizeof gb_bytes - 1, 1);
	assert_int_equal(editor_save(ed, path, &e), 0);
	assert_false(editor_remote(ed));
	assert_string_equal(editor_path(ed), path);
	f = fopen(path, "rb");
	assert_non_null(f);
	n = fread(got, 1, sizeof got, f);
	fclose(f);
	assert_int_equal(n, sizeof gb_bytes - 1);
	assert_memory_equal(got, gb_bytes, n);
	editor_free(ed);
}

static void test_stored_bytes_become_the_base_and_unmodify(void **state)
{
	struct editor *ed = editor_new();
	struct buf out;
	struct err e;
	uint64_t gen;

	editor_open_mem(ed, NAME, "one\n", 4, 1);
	assert_true(editor_stamp(ed)->exists);
	assert_int_equal(editor_stamp(ed)->size, 4);
	assert_true(editor_stamp(ed)->hash == doc_hash("one\n", 4));
	editor_set_cursor(ed, 3);
	editor_insert(ed, "!", 1);
	buf_init(&out);
	assert_int_equal(editor_encode(ed, &out, &e), 0);
	gen = doc_buf_gen(editor_buf(ed));
	editor_mem_saved(ed, gen, out.data, out.len);
	assert_false(editor_modified(ed));
	assert_int_equal(editor_stamp(ed)->size, 5);
	assert_true(editor_stamp(ed)->hash == doc_hash("one!\n", 5));
	/* an edit, then a revert: back to the stored bytes, not the first */
	editor_insert(ed, "?", 1);
	assert_true(editor_modified(ed));
	editor_mem_revert(ed);
	assert_false(editor_modified(ed));
	assert_true(editor_remote(ed));
	assert_encodes_to(ed, "one!\n", 5);
	buf_free(&out);
	editor_free(ed);
}

static void test_typing_while_the_bytes_travel_stays_modified(void **state)
{
	struct editor *ed = editor_new();
	struct buf out;
	struct err e;
	uint64_t gen;

	editor_open_mem(ed, NAME, "a\n", 2, 1);
	editor_insert(ed, "b", 1);
	buf_init(&out);
	assert_int_equal(editor_encode(ed, &out, &e), 0);
	gen = doc_buf_gen(editor_buf(ed));
	editor_insert(ed, "c", 1); /* typed before the share answered */
	editor_mem_saved(ed, gen, out.data, out.len);
	assert_true(editor_modified(ed));
	assert_true(editor_stamp(ed)->hash == doc_hash("ba\n", 3));
	/* undoing the late typing gives the text that was stored */
	editor_backspace(ed);
	buf_reset(&out);
	assert_int_equal(editor_encode(ed, &out, &e), 0);
	assert_int_equal(out.len, 3);
	assert_memory_equal(out.data, "ba\n", 3);
	buf_free(&out);
	editor_free(ed);
}

static void test_a_new_document_starts_empty_in_utf8(void **state)
{
	struct editor *ed = editor_new();

	editor_open_mem(ed, "share:/new.md", NULL, 0, 0);
	assert_int_equal(doc_buf_len(editor_buf(ed)), 0);
	assert_false(editor_stamp(ed)->exists);
	assert_int_equal(editor_format(ed)->enc, DOC_ENC_UTF8);
	editor_insert(ed, "你好\n", strlen("你好\n"));
	assert_encodes_to(ed, "你好\n", strlen("你好\n"));
	editor_free(ed);
}

static void test_binary_bytes_open_read_only_and_do_not_encode(void **state)
{
	struct editor *ed = editor_new();
	struct buf out;
	struct err e;

	editor_open_mem(ed, "share:/x.bin", "a\0b", 3, 1);
	assert_int_equal(editor_readonly(ed), DOC_RO_BINARY);
	buf_init(&out);
	assert_int_equal(editor_encode(ed, &out, &e), E_PERM);
	assert_non_null(strstr(e.msg, "share:/x.bin"));
	buf_free(&out);
	editor_free(ed);
}

static void test_open_from_disk_clears_the_remote_state(void **state)
{
	struct editor *ed = editor_new();
	char path[128];
	struct err e;
	FILE *f;

	snprintf(path, sizeof path, "%s/local.txt", home);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("local\n", f);
	fclose(f);
	editor_open_mem(ed, NAME, "x\n", 2, 1);
	assert_int_equal(editor_open(ed, path, &e), 0);
	assert_false(editor_remote(ed));
	editor_reset(ed);
	assert_false(editor_remote(ed));
	editor_free(ed);
}

static void clear_journal(void)
{
	struct err e;

	assert_int_equal(store_exec(db, "DELETE FROM doc_journal", &e), 0);
	assert_int_equal(store_exec(db, "DELETE FROM doc_journal_ops", &e), 0);
}

/* Open bytes, edit, journal, "crash" (the editor goes without saving). */
static void journal_an_edit(const char *bytes, size_t n, const char *typed)
{
	struct doc_recover r;
	struct editor *ed = editor_new();
	struct err e;

	doc_recover_init(&r, home);
	editor_open_mem(ed, NAME, bytes, n, 1);
	assert_int_equal(doc_recover_offer(&r, db, ed, &e), 0);
	editor_set_cursor(ed, doc_buf_len(editor_buf(ed)));
	editor_insert(ed, typed, strlen(typed));
	assert_int_equal(doc_recover_tick(&r, db, ed, &e), 0);
	assert_int_equal(r.writes, 1);
	doc_recover_free(&r);
	editor_free(ed);
}

static void test_the_journal_is_keyed_by_the_share_name(void **state)
{
	struct editor *ed = editor_new();
	struct buf k;

	buf_init(&k);
	editor_open_mem(ed, NAME, "x", 1, 1);
	doc_journal_key(ed, home, &k);
	assert_string_equal(k.data, NAME);
	buf_free(&k);
	editor_free(ed);
}

static void test_reopening_the_same_bytes_offers_the_journalled_text(void **state)
{
	struct doc_recover r;
	struct editor *ed = editor_new();
	struct err e;
	char *t;

	clear_journal();
	journal_an_edit(gb_bytes, sizeof gb_bytes - 1, "新增");
	doc_recover_init(&r, home);
	editor_open_mem(ed, NAME, gb_bytes, sizeof gb_bytes - 1, 1);
	assert_int_equal(doc_recover_offer(&r, db, ed, &e), 1);
	assert_true(editor_recovered(ed));
	assert_false(r.file_changed);
	t = text_of(ed);
	assert_string_equal(t, "报告\n第三季度\n新增");
	free(t);
	/* discard: the share's bytes again, the row gone */
	assert_int_equal(doc_recover_discard(&r, db, ed, &e), 0);
	assert_true(editor_remote(ed));
	assert_false(editor_modified(ed));
	assert_encodes_to(ed, gb_bytes, sizeof gb_bytes - 1);
	assert_int_equal(doc_recover_offer(&r, db, ed, &e), 0);
	doc_recover_free(&r);
	editor_free(ed);
}

static void test_edits_journalled_over_other_bytes_are_said_lost(void **state)
{
	struct doc_recover r;
	struct editor *ed = editor_new();
	char v1[201], v2[201];
	struct err e;

	/* long enough that the journal logs the edits, not a copy */
	memset(v1, '1', 200);
	memset(v2, '2', 200);
	v1[200] = v2[200] = '\0';
	clear_journal();
	journal_an_edit(v1, 200, "typed");
	doc_recover_init(&r, home);
	/* the server's copy moved on since: the edits do not apply to it */
	editor_open_mem(ed, NAME, v2, 200, 1);
	assert_int_equal(doc_recover_offer(&r, db, ed, &e), 0);
	assert_true(r.lost);
	assert_int_equal(r.lost_bytes, 5);
	assert_false(editor_modified(ed));
	doc_recover_free(&r);
	editor_free(ed);
}

static void test_a_full_copy_over_other_bytes_is_offered_as_changed(void **state)
{
	struct doc_recover r;
	struct editor *ed = editor_new();
	struct err e;
	char *t;

	clear_journal();
	journal_an_edit("v1\n", 3, "typed"); /* short: a full copy */
	doc_recover_init(&r, home);
	editor_open_mem(ed, NAME, "v2\n", 3, 1);
	assert_int_equal(doc_recover_offer(&r, db, ed, &e), 1);
	assert_true(r.file_changed);
	t = text_of(ed);
	assert_string_equal(t, "v1\ntyped");
	free(t);
	doc_recover_free(&r);
	editor_free(ed);
}

static void test_diff_compares_with_the_shares_bytes(void **state)
{
	struct editor *ed = editor_new();
	struct buf out;
	struct err e;

	editor_open_mem(ed, NAME, gb_bytes, sizeof gb_bytes - 1, 1);
	buf_init(&out);
	assert_int_equal(docs_diff_text(ed, &out, &e), 0);
	assert_int_equal(out.len, 0); /* nothing changed */
	editor_set_cursor(ed, doc_buf_len(editor_buf(ed)));
	editor_insert(ed, "增长\n", strlen("增长\n"));
	assert_int_equal(docs_diff_text(ed, &out, &e), 0);
	buf_cstr(&out);
	assert_non_null(strstr(out.data, "\n+增长\n"));
	assert_non_null(strstr(out.data, " 第三季度\n")); /* context, decoded */
	assert_null(strstr(out.data, "\n-"));
	buf_free(&out);
	editor_free(ed);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gb18030_crlf_is_decoded_and_encodes_to_the_same_bytes),
		cmocka_unit_test(test_an_edit_in_a_bom_file_changes_only_the_typed_bytes),
		cmocka_unit_test(test_a_remote_document_is_never_written_under_its_name),
		cmocka_unit_test(test_saving_a_copy_to_a_local_file_makes_it_that_file),
		cmocka_unit_test(test_stored_bytes_become_the_base_and_unmodify),
		cmocka_unit_test(test_typing_while_the_bytes_travel_stays_modified),
		cmocka_unit_test(test_a_new_document_starts_empty_in_utf8),
		cmocka_unit_test(test_binary_bytes_open_read_only_and_do_not_encode),
		cmocka_unit_test(test_open_from_disk_clears_the_remote_state),
		cmocka_unit_test(test_diff_compares_with_the_shares_bytes),
		cmocka_unit_test(test_the_journal_is_keyed_by_the_share_name),
		cmocka_unit_test(test_reopening_the_same_bytes_offers_the_journalled_text),
		cmocka_unit_test(test_edits_journalled_over_other_bytes_are_said_lost),
		cmocka_unit_test(test_a_full_copy_over_other_bytes_is_offered_as_changed),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
