/*
 * test_chat_model.c - modules/chat/model.c over a real encrypted store:
 * one message is one row whatever way it came (live, archive, our own
 * echo), history order and paging, corrections and retractions, the
 * state of our messages, search (Chinese segmented) per account, the
 * conversation list, the roster, mentions and short names.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <pthread.h>
#include <sodium.h>

#include "modules/chat/chat_int.h"
#include "store/store.h"

#define ME "alice@example.test"
#define BOB "bob@example.test"
#define ROOM "room@conf.example.test"

struct fx {
	char home[64];
	struct store_key *k;
	struct store *s;
};

static int setup(void **state)
{
	unsigned char keyfile[STORE_KEY_BYTES];
	struct fx *f = xmalloc(sizeof *f);
	struct err e = { 0 };

	memset(f, 0, sizeof *f);
	strcpy(f->home, "/tmp/atrium-test-chat.XXXXXX");
	if (!mkdtemp(f->home))
		return -1;
	randombytes_buf(keyfile, sizeof keyfile);
	store_keys_set_kdf_limits(crypto_pwhash_OPSLIMIT_MIN, crypto_pwhash_MEMLIMIT_MIN);
	if (store_keys_create(f->home, NULL, keyfile, &f->k, &e) != 0 ||
	    store_open(f->home, f->k, &f->s, &e) != 0) {
		fprintf(stderr, "store: %s\n", e.msg);
		return -1;
	}
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	char cmd[128];
	int rc;

	store_close(f->s);
	store_key_free(f->k);
	snprintf(cmd, sizeof cmd, "rm -rf %s", f->home);
	rc = system(cmd);
	free(f);
	return rc == 0 ? 0 : -1;
}

static struct store *st(void **state)
{
	return ((struct fx *)*state)->s;
}

/* Store a row; returns what chat_msg_put returns (1 added, 0 known). */
static int put(struct store *s, int64_t conv, const struct chat_row *r, int64_t *row)
{
	struct err e = { 0 };
	int rc = chat_msg_put(s, conv, r, row, &e);

	if (rc < 0)
		fail_msg("chat_msg_put: %s", e.msg);
	assert_true(*row > 0);
	return rc;
}

static int64_t put_text(struct store *s, int64_t conv, const char *sender, const char *sid,
			const char *body, int64_t ts)
{
	struct chat_row r = { .stanza_id = sid, .msg_id = sid, .sender = sender, .body = body,
			      .ts = ts };
	int64_t row;

	assert_int_equal(put(s, conv, &r, &row), 1);
	return row;
}

static int64_t sql_int(struct store *s, const char *sql, int64_t arg)
{
	sqlite3_stmt *q;
	int64_t v = -1;

	assert_int_equal(sqlite3_prepare_v2(store_cache(s), sql, -1, &q, NULL), SQLITE_OK);
	sqlite3_bind_int64(q, 1, arg);
	if (sqlite3_step(q) == SQLITE_ROW)
		v = sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	return v;
}

/* A text column of row id, "(null)" for NULL; static buffer. */
static const char *sql_text(struct store *s, const char *col, int64_t id)
{
	static char out[512];
	char sql[128];
	sqlite3_stmt *q;

	snprintf(sql, sizeof sql, "SELECT %s FROM chat_msg WHERE id = ?1", col);
	assert_int_equal(sqlite3_prepare_v2(store_cache(s), sql, -1, &q, NULL), SQLITE_OK);
	sqlite3_bind_int64(q, 1, id);
	assert_int_equal(sqlite3_step(q), SQLITE_ROW);
	snprintf(out, sizeof out, "%s",
		 sqlite3_column_text(q, 0) ? (const char *)sqlite3_column_text(q, 0) : "(null)");
	sqlite3_finalize(q);
	return out;
}

static int64_t rows_in(struct store *s, int64_t conv)
{
	return sql_int(s, "SELECT count(*) FROM chat_msg WHERE conv = ?1", conv);
}

static struct chat_msg get(struct store *s, int64_t row)
{
	struct chat_msg m;
	struct err e = { 0 };

	if (chat_msg_get(s, row, &m, &e) != 0)
		fail_msg("chat_msg_get %lld: %s", (long long)row, e.msg);
	return m;
}

static int state_of(struct store *s, int64_t row)
{
	struct chat_msg m = get(s, row);
	int state = m.state;

	chat_msg_free(&m);
	return state;
}

/* ---- conversations ------------------------------------------------------------------ */

static void test_conv_id_is_made_once_and_found_per_account(void **state)
{
	struct store *s = st(state);
	int64_t c, c2, other;

	assert_int_equal(chat_conv_id(s, ME, BOB, "chat", 0), 0);
	c = chat_conv_id(s, ME, BOB, "chat", 1);
	assert_true(c > 0);
	assert_int_equal(chat_conv_id(s, ME, BOB, "chat", 1), c);
	assert_int_equal(chat_conv_id(s, ME, BOB, NULL, 0), c);
	c2 = chat_conv_id(s, ME, ROOM, "room", 1);
	assert_true(c2 > 0 && c2 != c);
	/* the same JID under another account is another conversation */
	other = chat_conv_id(s, "carol@example.test", BOB, "chat", 1);
	assert_true(other > 0 && other != c);
	assert_int_equal(chat_conv_id(s, ME, "nobody@example.test", NULL, 0), 0);
}

/* ---- one message, one row ----------------------------------------------------------- */

static void test_live_then_archive_copy_is_one_row(void **state)
{
	struct store *s = st(state);
	int64_t conv = chat_conv_id(s, ME, BOB, "chat", 1), row, row2;
	struct chat_row live = { .stanza_id = "S1", .msg_id = "m1", .sender = BOB,
				 .body = "hello", .ts = 1000 };
	struct chat_row arch = live;

	assert_int_equal(put(s, conv, &live, &row), 1);
	/* the archive copy: same stanza id, the delay's time */
	arch.ts = 999;
	assert_int_equal(put(s, conv, &arch, &row2), 0);
	assert_int_equal(row2, row);
	/* and the same message live again (a reconnect's replay) */
	assert_int_equal(put(s, conv, &live, &row2), 0);
	assert_int_equal(row2, row);
	assert_int_equal(rows_in(s, conv), 1);
}

static void test_live_without_stanza_id_gets_it_from_the_archive(void **state)
{
	struct store *s = st(state);
	int64_t conv = chat_conv_id(s, ME, BOB, "chat", 1), row, row2;
	struct chat_row live = { .msg_id = "m2", .origin_id = "o2", .sender = BOB, .body = "x",
				 .ts = 1000 };
	struct chat_row arch = { .stanza_id = "S2", .msg_id = "m2", .origin_id = "o2",
				 .sender = BOB, .body = "x", .ts = 1000 };

	assert_int_equal(put(s, conv, &live, &row), 1);
	assert_int_equal(put(s, conv, &arch, &row2), 0);
	assert_int_equal(row2, row);
	assert_string_equal(sql_text(s, "stanza_id", row), "S2");
	assert_int_equal(rows_in(s, conv), 1);
	/* found by any of its ids */
	assert_int_equal(chat_msg_find(s, conv, "S2", NULL), row);
	assert_int_equal(chat_msg_find(s, conv, "o2", BOB), row);
	assert_int_equal(chat_msg_find(s, conv, "m2", BOB), row);
	assert_int_equal(chat_msg_find(s, conv, "m2", "mallory@evil.test"), 0);
	assert_int_equal(chat_msg_find(s, conv, NULL, NULL), 0);
}

static void test_our_queued_message_and_its_echo_are_one_row(void **state)
{
	struct store *s = st(state);
	int64_t conv = chat_conv_id(s, ME, BOB, "chat", 1), row, row2;
	struct chat_row mine = { .origin_id = "o3", .msg_id = "o3", .sender = ME, .body = "mine",
				 .ts = 2000, .outgoing = 1, .state = CS_QUEUED };
	struct chat_row echo = mine;
	struct chat_msg m;

	assert_int_equal(put(s, conv, &mine, &row), 1);
	assert_int_equal(state_of(s, row), CS_QUEUED);
	/* the server's copy (a carbon, the archive): stanza id + our origin id */
	echo.stanza_id = "S3";
	echo.state = CS_SENT;
	echo.ts = 2001;
	assert_int_equal(put(s, conv, &echo, &row2), 0);
	assert_int_equal(row2, row);
	m = get(s, row);
	assert_string_equal(m.stanza_id, "S3");
	assert_int_equal(m.state, CS_SENT);
	assert_int_equal(m.outgoing, 1);
	chat_msg_free(&m);
	/* once more from the archive, by stanza id: still one row */
	assert_int_equal(put(s, conv, &echo, &row2), 0);
	assert_int_equal(row2, row);
	assert_int_equal(rows_in(s, conv), 1);
	/* an echo never takes a state back */
	chat_msg_state(s, row, CS_READ, NULL);
	assert_int_equal(put(s, conv, &echo, &row2), 0);
	assert_int_equal(state_of(s, row), CS_READ);
}

static void test_our_room_message_and_the_rooms_echo_are_one_row(void **state)
{
	struct store *s = st(state);
	int64_t conv = chat_conv_id(s, ME, ROOM, "room", 1), row, row2;
	/* in a room our row has no sender until the room says our nick */
	struct chat_row mine = { .origin_id = "o4", .msg_id = "o4", .nick = "alice",
				 .body = "hi room", .ts = 3000, .outgoing = 1,
				 .state = CS_QUEUED };
	struct chat_row echo = { .stanza_id = "R4", .origin_id = "o4", .msg_id = "o4",
				 .sender = ROOM "/alice", .nick = "alice", .body = "hi room",
				 .ts = 3001, .outgoing = 1, .state = CS_SENT };
	struct chat_msg m;

	assert_int_equal(put(s, conv, &mine, &row), 1);
	assert_int_equal(put(s, conv, &echo, &row2), 0);
	assert_int_equal(row2, row);
	m = get(s, row);
	assert_string_equal(m.stanza_id, "R4");
	assert_string_equal(m.sender, ROOM "/alice");
	assert_int_equal(m.state, CS_SENT);
	chat_msg_free(&m);
	assert_int_equal(rows_in(s, conv), 1);
}

static void test_same_origin_id_from_different_senders_is_two_messages(void **state)
{
	struct store *s = st(state);
	int64_t conv = chat_conv_id(s, ME, ROOM, "room", 1), r1, r2, r3, r4;
	struct chat_row bob = { .origin_id = "dup", .msg_id = "dup", .sender = ROOM "/bob",
				.body = "from bob", .ts = 100 };
	struct chat_row carol = { .origin_id = "dup", .msg_id = "dup", .sender = ROOM "/carol",
				  .body = "from carol", .ts = 101 };
	struct chat_row mine = { .origin_id = "dup", .msg_id = "dup", .sender = ROOM "/alice",
				 .body = "mine", .ts = 102, .outgoing = 1, .state = CS_SENT };

	assert_int_equal(put(s, conv, &bob, &r1), 1);
	assert_int_equal(put(s, conv, &carol, &r2), 1);
	assert_true(r1 != r2);
	/* and ours is not theirs either */
	assert_int_equal(put(s, conv, &mine, &r3), 1);
	assert_true(r3 != r1 && r3 != r2);
	/* with stanza ids too */
	bob.stanza_id = "B1";
	bob.origin_id = bob.msg_id = "dup2";
	carol.stanza_id = "C1";
	carol.origin_id = carol.msg_id = "dup2";
	assert_int_equal(put(s, conv, &bob, &r4), 1);
	assert_int_equal(put(s, conv, &carol, &r4), 1);
	assert_int_equal(rows_in(s, conv), 5);
	assert_string_equal(sql_text(s, "body", r1), "from bob");
}

static void test_same_id_in_another_conversation_is_another_message(void **state)
{
	struct store *s = st(state);
	int64_t c1 = chat_conv_id(s, ME, BOB, "chat", 1);
	int64_t c2 = chat_conv_id(s, ME, "carol@example.test", "chat", 1);
	int64_t r1 = put_text(s, c1, BOB, "SAME", "one", 1);
	int64_t r2 = put_text(s, c2, "carol@example.test", "SAME", "two", 1);

	assert_true(r1 != r2);
}

/* ---- history ---------------------------------------------------------------------- */

static void assert_bodies(struct store *s, int64_t conv, int limit, int64_t since, int64_t before,
			  const char *want)
{
	struct chat_msg *v;
	struct err e = { 0 };
	size_t n;
	char got[256] = "";

	if (chat_history(s, conv, limit, since, before, &v, &n, &e) != 0)
		fail_msg("chat_history: %s", e.msg);
	for (size_t i = 0; i < n; i++)
		snprintf(got + strlen(got), sizeof got - strlen(got), "%s%s", i ? " " : "",
			 v[i].body);
	chat_msgs_free(v, n);
	assert_string_equal(got, want);
}

static void test_history_order_limit_since_and_paging(void **state)
{
	struct store *s = st(state);
	int64_t conv = chat_conv_id(s, ME, BOB, "chat", 1);
	int64_t other = chat_conv_id(s, ME, "carol@example.test", "chat", 1);
	int64_t d;

	/* stored out of order: the archive fills gaps later */
	put_text(s, conv, BOB, "a", "a", 100);
	put_text(s, conv, BOB, "e", "e", 300);
	put_text(s, conv, BOB, "c", "c", 200);
	d = put_text(s, conv, BOB, "d", "d", 200); /* the same millisecond: stored order */
	put_text(s, conv, BOB, "b", "b", 150);
	put_text(s, other, "carol@example.test", "x", "x", 250);

	assert_bodies(s, conv, 0, 0, 0, "a b c d e");
	/* the newest N, oldest first */
	assert_bodies(s, conv, 2, 0, 0, "d e");
	assert_bodies(s, conv, 3, 0, 0, "c d e");
	assert_bodies(s, conv, 100, 0, 0, "a b c d e");
	/* since: at or after */
	assert_bodies(s, conv, 0, 200, 0, "c d e");
	assert_bodies(s, conv, 0, 301, 0, "");
	/* paging back from a row: strictly older, ties by row */
	assert_bodies(s, conv, 0, 0, d, "a b c");
	assert_bodies(s, conv, 2, 0, d, "b c");
	assert_bodies(s, conv, 2, 120, d, "b c");
	assert_bodies(s, conv, 0, 160, d, "c");
	assert_bodies(s, other, 0, 0, 0, "x");
}

static void test_history_rows_carry_the_conversation_and_fields(void **state)
{
	struct store *s = st(state);
	int64_t conv = chat_conv_id(s, ME, BOB, "chat", 1), row;
	struct chat_row r = { .stanza_id = "S", .origin_id = "O", .msg_id = "M", .sender = BOB,
			      .nick = "bob", .body = "see", .url = "https://up.example.test/f",
			      .ts = 42, .mention = 1 };
	struct chat_msg m;

	put(s, conv, &r, &row);
	m = get(s, row);
	assert_string_equal(m.chat, BOB);
	assert_string_equal(m.sender, BOB);
	assert_string_equal(m.nick, "bob");
	assert_string_equal(m.body, "see");
	assert_string_equal(m.url, "https://up.example.test/f");
	assert_string_equal(m.stanza_id, "S");
	assert_string_equal(m.origin_id, "O");
	assert_string_equal(m.msg_id, "M");
	assert_int_equal(m.ts, 42);
	assert_int_equal(m.mention, 1);
	assert_int_equal(m.outgoing, 0);
	assert_int_equal(m.edited, 0);
	assert_int_equal(m.retracted, 0);
	assert_null(m.event);
	chat_msg_free(&m);
	{
		struct err e = { 0 };
		assert_int_equal(chat_msg_get(s, row + 1000, &m, &e), E_NOTFOUND);
	}
}

/* ---- corrections and retractions ------------------------------------------------------- */

static int hits(struct store *s, const char *account, const char *q)
{
	struct chat_msg *v;
	struct err e = { 0 };
	size_t n;

	if (chat_search(s, account, q, 20, &v, &n, &e) != 0)
		fail_msg("chat_search %s: %s", q, e.msg);
	chat_msgs_free(v, n);
	return (int)n;
}

static void test_correction_keeps_the_original_and_marks_edited(void **state)
{
	struct store *s = st(state);
	int64_t conv = chat_conv_id(s, ME, BOB, "chat", 1);
	int64_t row = put_text(s, conv, BOB, "S", "teh quokka", 10);
	struct err e = { 0 };
	struct chat_msg m;

	assert_int_equal(chat_msg_edit(s, row, "the quokka", 0, &e), 0);
	m = get(s, row);
	assert_string_equal(m.body, "the quokka");
	assert_int_equal(m.edited, 1);
	assert_int_equal(m.retracted, 0);
	chat_msg_free(&m);
	assert_string_equal(sql_text(s, "corrects", row), "teh quokka");
	/* a second correction keeps the first words, not the middle ones */
	assert_int_equal(chat_msg_edit(s, row, "the quokkas", 0, &e), 0);
	assert_string_equal(sql_text(s, "corrects", row), "teh quokka");
	assert_string_equal(sql_text(s, "body", row), "the quokkas");
	/* the index follows the text */
	assert_int_equal(hits(s, ME, "quokkas"), 1);
	assert_int_equal(hits(s, ME, "teh"), 0);
}

static void test_retraction_empties_the_message_for_good(void **state)
{
	struct store *s = st(state);
	int64_t conv = chat_conv_id(s, ME, BOB, "chat", 1), row;
	struct chat_row r = { .stanza_id = "S", .sender = BOB, .body = "secret wombat",
			      .url = "https://up.example.test/w.jpg", .ts = 10 };
	struct err e = { 0 };
	struct chat_msg m;

	put(s, conv, &r, &row);
	assert_int_equal(hits(s, ME, "wombat"), 1);
	assert_int_equal(chat_msg_edit(s, row, NULL, 1, &e), 0);
	m = get(s, row);
	assert_string_equal(m.body, "");
	assert_null(m.url);
	assert_int_equal(m.retracted, 1);
	chat_msg_free(&m);
	assert_int_equal(hits(s, ME, "wombat"), 0);
	/* a correction after the retraction brings nothing back */
	assert_int_equal(chat_msg_edit(s, row, "secret wombat again", 0, &e), 0);
	assert_string_equal(sql_text(s, "body", row), "");
	assert_int_equal(hits(s, ME, "wombat"), 0);
	/* the row stays, in its place */
	assert_int_equal(rows_in(s, conv), 1);
}

/* ---- the state of our messages ------------------------------------------------------- */

static void test_state_goes_forward_except_to_failed_and_queued(void **state)
{
	struct store *s = st(state);
	int64_t conv = chat_conv_id(s, ME, BOB, "chat", 1), row;
	struct chat_row r = { .origin_id = "o", .msg_id = "o", .sender = ME, .body = "x",
			      .ts = 1, .outgoing = 1, .state = CS_QUEUED };
	struct chat_msg m;

	put(s, conv, &r, &row);
	assert_int_equal(chat_msg_state(s, row, CS_SENT, NULL), 0);
	assert_int_equal(state_of(s, row), CS_SENT);
	assert_int_equal(chat_msg_state(s, row, CS_READ, NULL), 0);
	assert_int_equal(state_of(s, row), CS_READ);
	/* a late delivery receipt after the read marker */
	assert_int_equal(chat_msg_state(s, row, CS_DELIVERED, NULL), 0);
	assert_int_equal(state_of(s, row), CS_READ);
	assert_int_equal(chat_msg_state(s, row, CS_SENT, NULL), 0);
	assert_int_equal(state_of(s, row), CS_READ);
	assert_int_equal(chat_msg_state(s, row, CS_RECEIVED, NULL), 0);
	assert_int_equal(state_of(s, row), CS_READ);
	/* a refusal, with the server's words */
	assert_int_equal(chat_msg_state(s, row, CS_FAILED, "service-unavailable"), 0);
	m = get(s, row);
	assert_int_equal(m.state, CS_FAILED);
	assert_string_equal(m.error, "service-unavailable");
	chat_msg_free(&m);
	/* sent again: back to queued, the error gone */
	assert_int_equal(chat_msg_state(s, row, CS_QUEUED, NULL), 0);
	m = get(s, row);
	assert_int_equal(m.state, CS_QUEUED);
	assert_null(m.error);
	chat_msg_free(&m);
	assert_int_equal(chat_msg_state(s, row, CS_DELIVERED, NULL), 0);
	assert_int_equal(state_of(s, row), CS_DELIVERED);
}

/* ---- search ------------------------------------------------------------------------ */

static void test_search_finds_a_chinese_word_of_this_account_only(void **state)
{
	struct store *s = st(state);
	int64_t mine = chat_conv_id(s, ME, BOB, "chat", 1);
	int64_t theirs = chat_conv_id(s, "carol@example.test", "dave@example.test", "chat", 1);
	struct chat_msg *v;
	struct err e = { 0 };
	size_t n;

	put_text(s, mine, BOB, "s1", "我们明天去北京开会", 100);
	put_text(s, mine, BOB, "s2", "今天天气很好", 200);
	put_text(s, theirs, "dave@example.test", "s3", "北京的冬天很冷", 300);

	assert_int_equal(chat_search(s, ME, "北京", 10, &v, &n, &e), 0);
	assert_int_equal(n, 1);
	assert_string_equal(v[0].body, "我们明天去北京开会");
	assert_string_equal(v[0].chat, BOB);
	chat_msgs_free(v, n);
	/* the other account sees its own */
	assert_int_equal(chat_search(s, "carol@example.test", "北京", 10, &v, &n, &e), 0);
	assert_int_equal(n, 1);
	assert_string_equal(v[0].body, "北京的冬天很冷");
	chat_msgs_free(v, n);
	/* a word, not a substring of one */
	assert_int_equal(hits(s, ME, "天气"), 1);
	assert_int_equal(hits(s, ME, "上海"), 0);
}

static void test_search_keeps_accounts_apart_even_with_the_same_contact(void **state)
{
	struct store *s = st(state);
	/* both accounts talk to bob: the JID alone does not say whose it is */
	int64_t mine = chat_conv_id(s, ME, BOB, "chat", 1);
	int64_t theirs = chat_conv_id(s, "carol@example.test", BOB, "chat", 1);

	put_text(s, mine, BOB, "s1", "hello there", 100);
	put_text(s, theirs, BOB, "s2", "carol's private platypus", 200);
	assert_int_equal(hits(s, ME, "platypus"), 0);
	assert_int_equal(hits(s, "carol@example.test", "platypus"), 1);
}

static void test_search_newest_first_and_limit(void **state)
{
	struct store *s = st(state);
	int64_t conv = chat_conv_id(s, ME, BOB, "chat", 1);
	struct chat_msg *v;
	struct err e = { 0 };
	size_t n;

	put_text(s, conv, BOB, "s1", "kiwi one", 100);
	put_text(s, conv, BOB, "s3", "kiwi three", 300);
	put_text(s, conv, BOB, "s2", "kiwi two", 200);
	assert_int_equal(chat_search(s, ME, "kiwi", 0, &v, &n, &e), 0);
	assert_int_equal(n, 3);
	assert_string_equal(v[0].body, "kiwi three");
	assert_string_equal(v[1].body, "kiwi two");
	assert_string_equal(v[2].body, "kiwi one");
	chat_msgs_free(v, n);
	assert_int_equal(chat_search(s, ME, "kiwi", 2, &v, &n, &e), 0);
	assert_int_equal(n, 2);
	chat_msgs_free(v, n);
	/* what a user types is words, not query syntax */
	assert_int_equal(hits(s, ME, "\"kiwi"), 3);
	assert_int_equal(hits(s, ME, "kiwi*"), 3);
	assert_int_equal(hits(s, ME, "(kiwi"), 3);
	/* every word must occur */
	assert_int_equal(hits(s, ME, "kiwi two"), 1);
	assert_int_equal(hits(s, ME, "Kiwi TWO"), 1);
}

/* ---- the conversation list --------------------------------------------------------------- */

static void test_convs_latest_activity_first(void **state)
{
	struct store *s = st(state);
	int64_t bob = chat_conv_id(s, ME, BOB, "chat", 1);
	int64_t room = chat_conv_id(s, ME, ROOM, "room", 1);
	int64_t quiet = chat_conv_id(s, ME, "quiet@example.test", "chat", 1);
	struct chat_conv *v;
	struct err e = { 0 };
	size_t n;

	chat_conv_id(s, "carol@example.test", "x@example.test", "chat", 1);
	put_text(s, bob, BOB, "b1", "x", 500);
	put_text(s, room, ROOM "/bob", "r1", "x", 900);
	/* an older message from the archive does not make a conversation older */
	put_text(s, room, ROOM "/bob", "r0", "x", 100);
	assert_int_equal(chat_convs(s, ME, NULL, &v, &n, &e), 0);
	assert_int_equal(n, 3);
	assert_int_equal(v[0].id, room);
	assert_int_equal(v[0].last_ts, 900);
	assert_string_equal(v[0].kind, "room");
	assert_string_equal(v[0].jid, ROOM);
	assert_int_equal(v[1].id, bob);
	assert_int_equal(v[1].last_ts, 500);
	assert_int_equal(v[2].id, quiet);
	assert_int_equal(v[2].last_ts, 0);
	chat_convs_free(v, n);

	/* a newer message reorders */
	put_text(s, bob, BOB, "b2", "x", 1000);
	assert_int_equal(chat_convs(s, ME, NULL, &v, &n, &e), 0);
	assert_int_equal(v[0].id, bob);
	chat_convs_free(v, n);

	assert_int_equal(chat_convs(s, ME, "room", &v, &n, &e), 0);
	assert_int_equal(n, 1);
	assert_int_equal(v[0].id, room);
	chat_convs_free(v, n);
}

/* ---- the roster ----------------------------------------------------------------------- */

static void test_roster_put_list_remove_and_requests(void **state)
{
	struct store *s = st(state);
	struct chat_contact *v;
	struct err e = { 0 };
	size_t n;

	assert_int_equal(chat_roster_put(s, ME, BOB, "Bob", "both", 0), 0);
	assert_int_equal(chat_roster_put(s, ME, "carol@example.test", NULL, "none", 1), 0);
	assert_int_equal(chat_roster_put(s, "other@example.test", "zed@example.test", NULL, "to",
					 0),
			 0);
	assert_int_equal(chat_roster_list(s, ME, &v, &n, &e), 0);
	assert_int_equal(n, 2);
	assert_string_equal(v[0].jid, BOB);
	assert_string_equal(v[0].name, "Bob");
	assert_string_equal(v[0].subscription, "both");
	assert_int_equal(v[0].ask, 0);
	assert_string_equal(v[1].jid, "carol@example.test");
	assert_null(v[1].name);
	assert_string_equal(v[1].subscription, "none");
	assert_int_equal(v[1].ask, 1);
	chat_contacts_free(v, n);

	/* a subscription request from a stranger comes first */
	assert_int_equal(chat_roster_request(s, ME, "dave@example.test", 1), 0);
	assert_int_equal(chat_roster_list(s, ME, &v, &n, &e), 0);
	assert_int_equal(n, 3);
	assert_string_equal(v[0].jid, "dave@example.test");
	assert_int_equal(v[0].request, 1);
	assert_string_equal(v[0].subscription, "none");
	chat_contacts_free(v, n);
	/* answered */
	assert_int_equal(chat_roster_request(s, ME, "dave@example.test", 0), 0);
	assert_int_equal(chat_roster_list(s, ME, &v, &n, &e), 0);
	assert_int_equal(n, 3);
	assert_int_equal(v[0].request + v[1].request + v[2].request, 0);
	chat_contacts_free(v, n);

	/* a push changes, then removes */
	assert_int_equal(chat_roster_put(s, ME, BOB, "Bobby", "to", 0), 0);
	assert_int_equal(chat_roster_put(s, ME, "carol@example.test", NULL, "remove", 0), 0);
	assert_int_equal(chat_roster_list(s, ME, &v, &n, &e), 0);
	assert_int_equal(n, 2);
	assert_string_equal(v[0].jid, BOB);
	assert_string_equal(v[0].name, "Bobby");
	assert_string_equal(v[0].subscription, "to");
	assert_string_equal(v[1].jid, "dave@example.test");
	chat_contacts_free(v, n);
	/* the other account untouched */
	assert_int_equal(chat_roster_list(s, "other@example.test", &v, &n, &e), 0);
	assert_int_equal(n, 1);
	chat_contacts_free(v, n);
}

/* ---- names and mentions -------------------------------------------------------------------- */

static void test_mentions_a_nick_as_a_word_of_any_case(void **state)
{
	assert_true(chat_mentions("hey Alice, look", "alice"));
	assert_true(chat_mentions("ALICE", "alice"));
	assert_true(chat_mentions("alice: ping", "Alice"));
	assert_true(chat_mentions("ping @alice", "alice"));
	assert_true(chat_mentions("(alice)", "alice"));
	/* inside a longer ASCII word: no */
	assert_false(chat_mentions("malice aforethought", "alice"));
	assert_false(chat_mentions("alicea", "alice"));
	assert_false(chat_mentions("alice2", "alice"));
	assert_false(chat_mentions("alice_bob", "alice"));
	/* a later whole word after an embedded one */
	assert_true(chat_mentions("malice, alice", "alice"));
	/* next to Chinese text (no spaces in it) */
	assert_true(chat_mentions("你好alice请看一下", "alice"));
	assert_true(chat_mentions("你好小明请看一下", "小明"));
	assert_true(chat_mentions("小明", "小明"));
	/* nothing */
	assert_false(chat_mentions("hello", "alice"));
	assert_false(chat_mentions("", "alice"));
	assert_false(chat_mentions(NULL, "alice"));
	assert_false(chat_mentions("alice", ""));
	assert_false(chat_mentions("alice", NULL));
}

static void test_mentions_fold_the_case_of_non_ascii_nicks(void **state)
{
	/* "any case" is not only ASCII's */
	assert_true(chat_mentions("ÉMILE, look", "émile"));
	assert_true(chat_mentions("thanks zoë", "ZOË"));
}

static void test_short_name(void **state)
{
	char out[64], tiny[4];

	chat_short_name("alice@example.test", out, sizeof out);
	assert_string_equal(out, "alice");
	chat_short_name(ROOM "/bob", out, sizeof out);
	assert_string_equal(out, "bob");
	chat_short_name(ROOM "/nick@home/x", out, sizeof out);
	assert_string_equal(out, "nick@home/x");
	chat_short_name("example.test", out, sizeof out);
	assert_string_equal(out, "example.test");
	chat_short_name("王小明@例子.test", out, sizeof out);
	assert_string_equal(out, "王小明");
	chat_short_name(NULL, out, sizeof out);
	assert_string_equal(out, "?");
	chat_short_name("alice@example.test", tiny, sizeof tiny);
	assert_string_equal(tiny, "ali");
}


/* Another connection of the process writing all the while (the mail
 * sync's, the screen's): every put still lands. A put reads before it
 * writes; as a deferred transaction, one that read before the other
 * committed could not write at all ("database is locked", no busy
 * handler called). */
struct writer_arg {
	struct store *s;
	int64_t conv;
	int n, failed;
	char why[600];
};

static void *other_writer(void *arg)
{
	struct writer_arg *w = arg;

	for (int i = 0; i < w->n; i++) {
		char sid[32];
		struct chat_row r = { .stanza_id = sid, .msg_id = sid, .sender = BOB, .body = "x",
				      .ts = i };
		struct err e = { 0 };
		int64_t row;

		snprintf(sid, sizeof sid, "w%d", i);
		if (chat_msg_put(w->s, w->conv, &r, &row, &e) < 0 && !w->failed++)
			snprintf(w->why, sizeof w->why, "%s", e.msg);
	}
	return NULL;
}

static void test_puts_land_while_another_connection_writes(void **state)
{
	struct store *s = st(state), *c = NULL;
	struct err e = { 0 };
	struct writer_arg w = { 0 };
	pthread_t t;
	int64_t mine = chat_conv_id(s, ME, BOB, "chat", 1);
	int failed = 0;
	char why[600] = "";

	assert_int_equal(store_clone(s, &c, &e), 0);
	w.s = c;
	w.conv = chat_conv_id(s, ME, ROOM, "room", 1);
	w.n = 3000;
	assert_int_equal(pthread_create(&t, NULL, other_writer, &w), 0);
	for (int i = 0; i < 3000; i++) {
		char sid[32];
		struct chat_row r = { .stanza_id = sid, .msg_id = sid, .sender = BOB, .body = "y",
				      .ts = i };
		int64_t row;

		snprintf(sid, sizeof sid, "m%d", i);
		if (chat_msg_put(s, mine, &r, &row, &e) < 0 && !failed++)
			snprintf(why, sizeof why, "%s", e.msg);
		if (store_index_put(s, "test", sid, "title", "body", &e) < 0 && !failed++)
			snprintf(why, sizeof why, "%s", e.msg);
	}
	pthread_join(t, NULL);
	store_close(c);
	if (failed || w.failed)
		fail_msg("%d + %d puts failed: %.300s %.300s", failed, w.failed, why, w.why);
	assert_int_equal(sql_int(s, "SELECT count(*) FROM chat_msg WHERE conv = ?1", mine), 3000);
	assert_int_equal(sql_int(s, "SELECT count(*) FROM chat_msg WHERE conv = ?1", w.conv), 3000);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_conv_id_is_made_once_and_found_per_account),
		T(test_live_then_archive_copy_is_one_row),
		T(test_live_without_stanza_id_gets_it_from_the_archive),
		T(test_our_queued_message_and_its_echo_are_one_row),
		T(test_our_room_message_and_the_rooms_echo_are_one_row),
		T(test_same_origin_id_from_different_senders_is_two_messages),
		T(test_same_id_in_another_conversation_is_another_message),
		T(test_history_order_limit_since_and_paging),
		T(test_history_rows_carry_the_conversation_and_fields),
		T(test_correction_keeps_the_original_and_marks_edited),
		T(test_retraction_empties_the_message_for_good),
		T(test_state_goes_forward_except_to_failed_and_queued),
		T(test_search_finds_a_chinese_word_of_this_account_only),
		T(test_search_keeps_accounts_apart_even_with_the_same_contact),
		T(test_search_newest_first_and_limit),
		T(test_convs_latest_activity_first),
		T(test_roster_put_list_remove_and_requests),
		cmocka_unit_test(test_mentions_a_nick_as_a_word_of_any_case),
		cmocka_unit_test(test_mentions_fold_the_case_of_non_ascii_nicks),
		cmocka_unit_test(test_short_name),
		cmocka_unit_test_setup_teardown(test_puts_land_while_another_connection_writes, setup,
						teardown),
	};
#undef T

	return cmocka_run_group_tests_name("chat_model", tests, NULL, NULL);
}
