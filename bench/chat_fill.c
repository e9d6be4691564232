/*
 * chat_fill.c - a chat store of one big room for bench/chat, made without
 * the server: N messages in room ROOM of account JID, written through the
 * module's own model (chat_conv_id, chat_msg_put: the rows, the duplicate
 * checks and the full-text index a live message gets), one transaction per
 * 1000. The home is set up as atrium sets it up from a key file (HOME/keys
 * wrapping a data key under KEYFILE), so `atrium --home HOME` with
 * `key_file = KEYFILE` opens it. Then the store's part of opening the room:
 * open the store anew (the key already derived) and read the newest 400 messages (the Chat tab's
 * chat_history call), first from a cold process-level cache, then the
 * median of 9 more.
 *
 *   chat_fill HOME KEYFILE JID ROOM N      prints "fill_ms open_ms first_ms median_ms"
 *
 * Message i (1..N) says "nNNNNNNx" first (no space: a screen marker) and
 * is from one of 40 nicks; time stamps a minute apart, ending now.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "modules/chat/chat_int.h"
#include "store/store.h"

#define SHOWN 400 /* what the tab reads of a conversation (view.c) */

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static const char *const words[] = {
	"deploy", "review", "lunch", "build", "green", "ticket", "merge", "release", "coffee",
	"tomorrow", "meeting", "server", "please", "thanks", "会议", "周五", "发布", "好的",
};

static void body_text(char *out, size_t len, int i)
{
	unsigned r = (unsigned)i * 2654435761u;
	size_t used = (size_t)snprintf(out, len, "n%06dx", i);
	int nw = 3 + (int)(r % 17);

	for (int w = 0; w < nw && used + 16 < len; w++) {
		r = r * 1103515245u + 12345u;
		used += (size_t)snprintf(out + used, len - used, " %s", words[(r >> 8) % 18]);
	}
}

/* The data key of home, as atrium gets it from a key file (HOME/keys made
 * when new). */
static int home_key(const char *home, const char *keyfile, struct store_key **k, struct err *e)
{
	unsigned char kf[STORE_KEY_BYTES];
	int rc;

	if ((rc = store_keyfile_read(keyfile, kf, e)) < 0)
		return rc;
	return store_keys_exist(home) ? store_keys_unlock(home, NULL, kf, k, e)
				      : store_keys_create(home, NULL, kf, k, e);
}

static int fill(struct store *s, const char *jid, const char *room, int n, struct err *e)
{
	sqlite3 *db = store_cache(s);
	int64_t conv = chat_conv_id(s, jid, room, "room", 1), row;
	int64_t t0 = (int64_t)time(NULL) * 1000 - (int64_t)n * 60000;
	char body[400], sid[40], sender[300], nick[16];
	int rc;

	if (!conv)
		return err_set(e, E_IO, "no conversation for %s", room);
	/* the tab lists a room while it is joined */
	if (store_exec(db, "UPDATE chat_conv SET joined = 1", e) < 0)
		return e->code;
	for (int i = 1; i <= n; i++) {
		struct chat_row r = { 0 };
		if (i % 1000 == 1 && store_exec(db, "BEGIN", e) < 0)
			return e->code;
		snprintf(nick, sizeof nick, "user%02d", (i * 7) % 40);
		snprintf(sender, sizeof sender, "%s/%s", room, nick);
		snprintf(sid, sizeof sid, "bench-%08d", i);
		body_text(body, sizeof body, i);
		/* the archive's id only: a row with an origin id or id makes
		 * chat_msg_put look for an earlier copy by them, which scans the
		 * whole conversation (see bench/chat) */
		r.stanza_id = sid;
		r.sender = sender;
		r.nick = nick;
		r.body = body;
		r.ts = t0 + (int64_t)i * 60000;
		r.state = CS_RECEIVED;
		if ((rc = chat_msg_put(s, conv, &r, &row, e)) < 0)
			return rc;
		if ((i % 1000 == 0 || i == n) && store_exec(db, "COMMIT", e) < 0)
			return e->code;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct store *s;
	struct store_key *k;
	struct err e;
	struct chat_msg *v;
	size_t got;
	double t, fill_ms, open_ms, first_ms = 0, runs[9];
	int64_t conv;
	int n;

	if (argc != 6 || (n = atoi(argv[5])) < 1) {
		fprintf(stderr, "usage: chat_fill HOME KEYFILE JID ROOM N\n");
		return 2;
	}
	err_clear(&e);
	if (home_key(argv[1], argv[2], &k, &e) < 0 || store_open(argv[1], k, &s, &e) < 0) {
		fprintf(stderr, "chat_fill: %s\n", e.msg);
		return 1;
	}
	t = now_ms();
	if (fill(s, argv[3], argv[4], n, &e) < 0) {
		fprintf(stderr, "chat_fill: %s\n", e.msg);
		return 1;
	}
	fill_ms = now_ms() - t;
	store_close(s);

	/* the room opened in a fresh store connection, as a new process would
	 * (the key derivation, Argon2id, not counted) */
	t = now_ms();
	if (store_open(argv[1], k, &s, &e) < 0) {
		fprintf(stderr, "chat_fill: %s\n", e.msg);
		return 1;
	}
	open_ms = now_ms() - t;
	conv = chat_conv_id(s, argv[3], argv[4], NULL, 0);
	for (int i = -1; i < 9; i++) {
		t = now_ms();
		if (chat_history(s, conv, SHOWN, 0, 0, &v, &got, &e) < 0) {
			fprintf(stderr, "chat_fill: %s\n", e.msg);
			return 1;
		}
		t = now_ms() - t;
		if (got != SHOWN || !v[got - 1].body || atoi(v[got - 1].body + 1) != n) {
			fprintf(stderr, "chat_fill: history gave %zu messages, newest %s\n", got,
				got ? v[got - 1].body : "none");
			return 1;
		}
		chat_msgs_free(v, got);
		if (i < 0)
			first_ms = t;
		else
			runs[i] = t;
	}
	qsort(runs, 9, sizeof *runs, cmp_double);
	store_close(s);
	store_key_free(k);
	printf("%.1f %.1f %.2f %.2f\n", fill_ms, open_ms, first_ms, runs[4]);
	return 0;
}
