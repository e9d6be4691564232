/*
 * test_net_replay.c - net_replay over a real (encrypted) store: entries
 * go out in the order queued; a conflict is kept and passed (files) or
 * holds the rest back (mail, chat); an unreachable server stops the replay
 * with everything after it still queued; a failure is counted and passed;
 * entries already failed are not sent again. Also store_clone: a second
 * set of connections sees the same outbox.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <sodium.h>

#include "net/net.h"
#include "store/store.h"

static char home[64];

struct script {
	struct store *s;
	const int *answers; /* per send, in order */
	int calls;
	char order[64];     /* the summaries sent, first letters */
};

static int send_one(void *ctx, struct outbox_entry *en, struct err *e)
{
	struct script *sc = ctx;
	int r = sc->answers[sc->calls++];
	size_t l = strlen(sc->order);

	sc->order[l] = en->summary[0];
	sc->order[l + 1] = 0;
	/* the handler marks, as files' upload_entry does */
	if (r == 0)
		store_outbox_mark(sc->s, en->id, OUTBOX_DONE, NULL, e);
	else if (r == E_CONFLICT)
		store_outbox_mark(sc->s, en->id, OUTBOX_FAILED, "conflict: both changed", e);
	else if (r == E_UNREACHABLE)
		store_outbox_mark(sc->s, en->id, OUTBOX_QUEUED, "unreachable", e);
	else
		store_outbox_mark(sc->s, en->id, OUTBOX_FAILED, "refused", e);
	return r ? err_set(e, r, "answer %d", r) : 0;
}

static struct store *fresh(void)
{
	struct store_key *k = NULL;
	struct store *s = NULL;
	unsigned char kf[STORE_KEY_BYTES];
	struct err e;
	char cmd[128];

	snprintf(cmd, sizeof cmd, "rm -rf %s/*", home);
	assert_int_equal(system(cmd), 0);
	randombytes_buf(kf, sizeof kf);
	assert_int_equal(store_keys_create(home, NULL, kf, &k, &e), 0);
	assert_int_equal(store_open(home, k, &s, &e), 0);
	store_key_free(k);
	return s;
}

static void queue(struct store *s, const char *names)
{
	struct err e;
	int64_t id;

	for (const char *p = names; *p; p++) {
		char idem[8] = { 'k', *p, 0 }, sum[2] = { *p, 0 };
		assert_int_equal(store_outbox_add(s, "files", "put", idem, sum, "x", 1, &id, &e), 0);
	}
}

static void test_order_conflict_passes(void **state)
{
	static const int answers[] = { 0, E_CONFLICT, 0, E_IO, 0 };
	struct store *s = fresh();
	struct script sc = { .s = s, .answers = answers };
	struct net_replay_stats st;
	struct err e;

	queue(s, "abcde");
	assert_int_equal(net_replay(s, "files", send_one, &sc, 0, NULL, &st, &e), 0);
	assert_string_equal(sc.order, "abcde");
	assert_int_equal(st.sent, 3);
	assert_int_equal(st.conflicts, 1);
	assert_int_equal(st.failed, 1);
	assert_int_equal(store_outbox_count(s, "files"), 2); /* b and d stay */
	/* again: nothing is sent twice, failed entries wait for the user */
	sc.calls = 0;
	sc.order[0] = 0;
	assert_int_equal(net_replay(s, "files", send_one, &sc, 0, NULL, &st, &e), 0);
	assert_int_equal(sc.calls, 0);
	assert_int_equal(st.conflicts, 1);
	assert_int_equal(st.failed, 1);
	store_close(s);
}

static void test_conflict_stops_when_order_matters(void **state)
{
	static const int answers[] = { 0, E_CONFLICT, 0 };
	struct store *s = fresh();
	struct script sc = { .s = s, .answers = answers };
	struct net_replay_stats st;
	struct err e;

	queue(s, "abc");
	assert_int_equal(net_replay(s, "files", send_one, &sc, 1, NULL, &st, &e), 0);
	assert_string_equal(sc.order, "ab");
	assert_int_equal(st.waiting, 1);
	assert_int_equal(store_outbox_count(s, "files"), 2);
	store_close(s);
}

static void test_unreachable_stops_and_keeps(void **state)
{
	static const int answers[] = { 0, E_UNREACHABLE, 0, 0 };
	struct store *s = fresh(), *s2;
	struct script sc = { .s = s, .answers = answers };
	struct net_replay_stats st;
	struct err e;

	queue(s, "abc");
	assert_int_equal(net_replay(s, "files", send_one, &sc, 0, NULL, &st, &e), E_UNREACHABLE);
	assert_string_equal(sc.order, "ab");
	assert_int_equal(st.sent, 1);
	assert_int_equal(st.waiting, 2);
	/* the server is back: b then c, in order, from another connection */
	assert_int_equal(store_clone(s, &s2, &e), 0);
	sc.s = s2;
	sc.answers = answers + 2;
	sc.calls = 0;
	sc.order[0] = 0;
	assert_int_equal(net_replay(s2, "files", send_one, &sc, 0, NULL, &st, &e), 0);
	assert_string_equal(sc.order, "bc");
	assert_int_equal(store_outbox_count(s, "files"), 0); /* seen from the first */
	store_close(s2);
	store_close(s);
}

static int setup(void **state)
{
	strcpy(home, "/tmp/atrium-test-replay.XXXXXX");
	if (!mkdtemp(home))
		return -1;
	store_keys_set_kdf_limits(crypto_pwhash_OPSLIMIT_MIN, crypto_pwhash_MEMLIMIT_MIN);
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	snprintf(cmd, sizeof cmd, "rm -rf %s", home);
	return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_order_conflict_passes),
		cmocka_unit_test(test_conflict_stops_when_order_matters),
		cmocka_unit_test(test_unreachable_stops_and_keeps),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
