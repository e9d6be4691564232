/*
 * test_mail_write.c - the compose screen's model without a terminal: the
 * addresses completion offers (from the store, counted, matched without
 * case on a name's words or the address), the draft kept in the store
 * when the screen goes unsent and offered back, a bad address that keeps
 * everything, and a mail queued in the outbox with the original marked.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sodium.h>

#include "core/core.h"
#include "i18n/i18n.h"
#include "modules/mail/mail_int.h"
#include "modules/mail/write.h"
#include "store/store.h"
#include "tui/tui.h"

static char home[64];
static struct store_key *key;
static struct store *store;
static struct conf conf;
static struct loop *loop;
static struct module_env env;
static struct mail_acct *ma;

static const char cfg[] = "[mail]\n"
			  "imap = imaps://127.0.0.1:1\n"
			  "user = alice@example.test\n"
			  "name = Alice\n";

static void sql(const char *s)
{
	struct err e;
	assert_int_equal(store_exec(store_cache(store), s, &e), 0);
}

static void add_msg(int id, const char *from, const char *to, const char *cc)
{
	sqlite3_stmt *st;

	assert_int_equal(sqlite3_prepare_v2(store_cache(store),
					    "INSERT INTO mail_msg(id, folder, uid, date, from_addr,"
					    " to_addrs, cc_addrs, subject, flags, size)"
					    " VALUES(?1, 1, ?1, ?1, ?2, ?3, ?4, 's', 0, 10)",
					    -1, &st, NULL),
			 SQLITE_OK);
	sqlite3_bind_int(st, 1, id);
	sqlite3_bind_text(st, 2, from, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, to, -1, SQLITE_STATIC);
	if (cc)
		sqlite3_bind_text(st, 4, cc, -1, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(st), SQLITE_DONE);
	sqlite3_finalize(st);
}

static int setup(void **state)
{
	unsigned char kf[STORE_KEY_BYTES];
	struct err e;
	sqlite3_stmt *st;

	strcpy(home, "/tmp/atrium-test-write.XXXXXX");
	if (mkdtemp(home) == NULL)
		return -1;
	randombytes_buf(kf, sizeof kf);
	store_keys_set_kdf_limits(crypto_pwhash_OPSLIMIT_MIN, crypto_pwhash_MEMLIMIT_MIN);
	if (store_keys_create(home, NULL, kf, &key, &e) != 0 ||
	    store_open(home, key, &store, &e) != 0 ||
	    conf_parse_string(&conf, cfg, sizeof cfg - 1, "test", &e) != 0) {
		fprintf(stderr, "setup: %s\n", e.msg);
		return -1;
	}
	loop = loop_new();
	env.loop = loop;
	env.conf = &conf;
	env.home = home;
	env.store = store;
	env.offline = 1;
	if (mail_acct_new(&env, &ma, &e) != 0)
		return -1;
	if (sqlite3_prepare_v2(store_cache(store),
			       "INSERT INTO mail_folder(id, account, name, special) VALUES(1, ?1, 'INBOX',"
			       " 'inbox')",
			       -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(st, 1, mail_acct_key(ma), -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		return -1;
	sqlite3_finalize(st);
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	mail_acct_free(ma);
	loop_free(loop);
	conf_free(&conf);
	store_close(store);
	store_key_free(key);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", home);
	return system(cmd) == 0 ? 0 : -1;
}

static void free_strs(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
}

static void test_completion_counts_addresses_and_matches_names_and_addresses(void **state)
{
	char *out[10];
	size_t n;

	sql("DELETE FROM mail_msg");
	add_msg(1, "Bob Builder <bob@example.test>", "alice@example.test", NULL);
	add_msg(2, "Boris <BORIS@example.test>", "alice@example.test", NULL);
	add_msg(3, "alice@example.test", "bob@example.test, Boris <boris@example.test>",
		"Bob Builder <bob@example.test>");
	add_msg(4, "\"Wang, Lei\" <lei@example.test>", "王 小明 <xiaoming@example.test>", NULL);

	/* bob: three times, boris: twice (the address's case does not split
	 * it; the newest message's spelling is shown) */
	n = mail_write_candidates(ma, "bo", out, 10);
	assert_int_equal(n, 2);
	assert_string_equal(out[0], "Bob Builder <bob@example.test>");
	assert_string_equal(out[1], "Boris <boris@example.test>");
	free_strs(out, n);
	/* a later word of the name, without case */
	n = mail_write_candidates(ma, "BUILD", out, 10);
	assert_int_equal(n, 1);
	assert_string_equal(out[0], "Bob Builder <bob@example.test>");
	free_strs(out, n);
	/* a name that needs quotes keeps them; Chinese names match by word */
	n = mail_write_candidates(ma, "lei", out, 10);
	assert_int_equal(n, 1);
	assert_string_equal(out[0], "\"Wang, Lei\" <lei@example.test>");
	free_strs(out, n);
	n = mail_write_candidates(ma, "小明", out, 10);
	assert_int_equal(n, 1);
	assert_string_equal(out[0], "王 小明 <xiaoming@example.test>");
	free_strs(out, n);
	assert_int_equal(mail_write_candidates(ma, "zed", out, 10), 0);
}

static void type(struct mail_write *w, const char *s)
{
	while (*s) {
		unsigned cp;
		size_t k = utf8_decode(s, strlen(s), &cp);
		mail_write_key(w, (int)cp);
		s += k;
	}
}

/* The meta row and its blob, as text (empty when there is none). */
static void kept(struct buf *out)
{
	sqlite3_stmt *st;
	struct err e;

	buf_reset(out);
	assert_int_equal(sqlite3_prepare_v2(store_cache(store),
					    "SELECT value FROM meta WHERE key='mail.draft'", -1, &st,
					    NULL),
			 SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		assert_int_equal(store_blob_get(store, (const char *)sqlite3_column_text(st, 0), out,
						&e),
				 0);
	sqlite3_finalize(st);
	buf_cstr(out);
}

static void test_an_unsent_mail_is_kept_and_offered_back(void **state)
{
	struct err e;
	struct buf b;
	struct mail_write *w;
	int64_t entry;
	char note[600];
	enum ui_role role;

	buf_init(&b);
	w = mail_write_new(&env, ma, MAIL_WRITE_NEW, 0, NULL, NULL, NULL, &e);
	assert_non_null(w);
	type(w, "bob@example.test");
	mail_write_key(w, UI_KEY_DOWN);
	mail_write_key(w, UI_KEY_DOWN);
	mail_write_key(w, UI_KEY_DOWN);
	type(w, "周报 draft");
	mail_write_key(w, UI_KEY_ENTER); /* to the text */
	type(w, "正文 kept");
	assert_true(mail_write_modified(w));
	mail_write_free(w); /* the tab closed, atrium quit: kept */
	kept(&b);
	assert_non_null(strstr(b.data, "to=bob@example.test\n"));
	assert_non_null(strstr(b.data, "subject=周报 draft\n"));
	assert_non_null(strstr(b.data, "\n\n正文 kept"));

	/* the next one asks; y brings it back, unchanged it stays kept */
	w = mail_write_new(&env, ma, MAIL_WRITE_NEW, 0, NULL, NULL, NULL, &e);
	assert_non_null(w);
	mail_write_key(w, 'y');
	assert_false(mail_write_modified(w));
	mail_write_key(w, UI_KEY_ESC); /* in the text: one Esc is not a cancel */
	assert_int_equal(mail_write_closed(w, &entry, note, sizeof note, &role), 0);
	mail_write_key(w, UI_KEY_ESC);
	mail_write_key(w, 'k'); /* asked: keep */
	assert_int_equal(mail_write_closed(w, &entry, note, sizeof note, &role), 1);
	assert_int_equal(entry, 0);
	mail_write_free(w);
	kept(&b);
	assert_non_null(strstr(b.data, "正文 kept"));

	/* n discards it: nothing kept, nothing asked next time */
	w = mail_write_new(&env, ma, MAIL_WRITE_NEW, 0, NULL, NULL, NULL, &e);
	mail_write_key(w, 'n');
	mail_write_key(w, UI_KEY_ESC);
	assert_int_equal(mail_write_closed(w, &entry, note, sizeof note, &role), 1);
	mail_write_free(w);
	kept(&b);
	assert_int_equal(b.len, 0);
	buf_free(&b);
}

static void test_a_bad_address_keeps_everything_then_the_mail_is_queued(void **state)
{
	struct err e;
	struct buf b;
	struct mail_write *w;
	int64_t entry;
	char note[600];
	enum ui_role role;
	struct outbox_entry en;

	buf_init(&b);
	w = mail_write_new(&env, ma, MAIL_WRITE_NEW, 0, NULL, NULL, NULL, &e);
	assert_non_null(w);
	type(w, "bob at nowhere");
	mail_write_key(w, UI_KEY_TAB); /* a word no address starts with: said, stays */
	mail_write_key(w, UI_KEY_DOWN);
	mail_write_key(w, UI_KEY_DOWN);
	mail_write_key(w, UI_KEY_DOWN);
	type(w, "Q1");
	mail_write_key(w, UI_KEY_ENTER);
	type(w, "the text");
	mail_write_key(w, UI_CTRL('s'));
	assert_int_equal(mail_write_closed(w, &entry, note, sizeof note, &role), 0);
	assert_true(mail_write_modified(w));
	/* the cursor went to To: clear it, give a good one, send */
	mail_write_key(w, UI_CTRL('u'));
	type(w, "Bob <bob@example.test>");
	mail_write_key(w, UI_CTRL('s'));
	assert_int_equal(mail_write_closed(w, &entry, note, sizeof note, &role), 1);
	assert_true(entry > 0);
	assert_string_equal(note, tr("mail.write.queued_offline"));
	mail_write_free(w);
	assert_int_equal(store_outbox_get(store, entry, &en, &e), 0);
	assert_string_equal(en.kind, "send");
	buf_add(&b, en.payload, en.payload_len);
	assert_non_null(strstr(buf_cstr(&b), "rcpt=bob@example.test\n"));
	assert_non_null(strstr(b.data, "Subject: Q1\r\n"));
	assert_non_null(strstr(b.data, "the text"));
	store_outbox_entry_free(&en);
	/* sent: no draft is left behind */
	kept(&b);
	assert_int_equal(b.len, 0);
	buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_completion_counts_addresses_and_matches_names_and_addresses),
		cmocka_unit_test(test_an_unsent_mail_is_kept_and_offered_back),
		cmocka_unit_test(test_a_bad_address_keeps_everything_then_the_mail_is_queued),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
