/*
 * store_bench.c - the store against its peer, plain SQLite with the same
 * schema, pragmas and queries, in one run: insert N mail envelopes (and
 * index N bodies for search), open anew and show the first screen (the
 * 50 newest of a folder), and run a search over the bodies. Prints each
 * figure for both and the encryption overhead. N from BENCH_N (100000).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "store/internal.h"

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

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof *v, cmp_double);
	return v[n / 2];
}

static const char *const words[] = {
	"budget", "report", "meeting", "quarter", "review", "project", "deadline", "team",
	"draft", "invoice", "travel", "schedule", "agenda", "summary", "contract", "server",
	"release", "design", "update", "customer", "北京", "会议", "报告", "预算", "项目",
	"合同", "客户", "时间", "安排", "总结",
};

static void body_text(char *out, size_t len, int i)
{
	size_t used = 0;

	for (int w = 0; w < 60 && used + 40 < len; w++) {
		unsigned r = (unsigned)(i * 2654435761u + (unsigned)w * 40503u);

		used += (size_t)snprintf(out + used, len - used, "%s%s%u ", words[r % nitems(words)],
					 r % 97 == 0 ? "-" : "", r % 1000);
	}
	/* One body in a hundred mentions the word we search for. */
	if (i % 100 == 0)
		snprintf(out + used, len - used, "zebracrossing");
}

struct result {
	double insert_ms, index_ms, first_ms, search_ms;
	int first_rows, hits;
};

static sqlite3 *open_db(const char *path, int encrypted, const unsigned char *key)
{
	struct err e;
	sqlite3 *db = NULL;

	if (encrypted) {
		if (store_vfs_open(path, key, &db, &e) != 0) {
			fprintf(stderr, "open: %s\n", e.msg);
			exit(1);
		}
	} else if (sqlite3_open(path, &db) != SQLITE_OK) {
		fprintf(stderr, "open: %s\n", sqlite3_errmsg(db));
		exit(1);
	}
	if (store_fts_register(db, &e) != 0 || store_pragmas(db, &e) != 0 ||
	    store_migrate(db, path, store_cache_migrations, store_cache_version, &e) != 0) {
		fprintf(stderr, "set up: %s\n", e.msg);
		exit(1);
	}
	return db;
}

static void close_db(sqlite3 *db, int encrypted)
{
	if (encrypted)
		store_vfs_close(db);
	else
		sqlite3_close(db);
}

static void run(const char *dir, int encrypted, int n, struct result *r)
{
	unsigned char key[STORE_KEY_BYTES];
	char path[512], body[1024], subj[128];
	double t, samples[21];
	sqlite3_stmt *st;
	struct err e;
	sqlite3 *db;

	randombytes_buf(key, sizeof key);
	snprintf(path, sizeof path, "%s/%s.db", dir, encrypted ? "enc" : "plain");
	db = open_db(path, encrypted, key);
	store_exec(db, "INSERT INTO mail_folder(account, name) VALUES('a', 'INBOX')", &e);

	t = now_ms();
	sqlite3_prepare_v2(db,
			   "INSERT INTO mail_msg(folder, uid, message_id, date, from_addr, to_addrs,"
			   " subject, size, flags) VALUES(1, ?, ?, ?, ?, ?, ?, ?, ?)",
			   -1, &st, NULL);
	for (int i = 0; i < n; i++) {
		char mid[64];

		if (i % 2000 == 0)
			store_exec(db, "BEGIN", &e);
		snprintf(mid, sizeof mid, "<%d.%d@example.test>", i, i * 7);
		snprintf(subj, sizeof subj, "Re: %s %s %d", words[i % nitems(words)],
			 words[(i / 7) % nitems(words)], i);
		sqlite3_bind_int(st, 1, i + 1);
		sqlite3_bind_text(st, 2, mid, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(st, 3, 1700000000 + (int64_t)i * 37);
		sqlite3_bind_text(st, 4, "Bob Example <bob@example.test>", -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 5, "alice@example.test", -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 6, subj, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int(st, 7, 2000 + i % 5000);
		sqlite3_bind_int(st, 8, i % 3);
		sqlite3_step(st);
		sqlite3_reset(st);
		if (i % 2000 == 1999 || i == n - 1)
			store_exec(db, "COMMIT", &e);
	}
	sqlite3_finalize(st);
	r->insert_ms = now_ms() - t;

	t = now_ms();
	for (int i = 0; i < n; i++) {
		char ref[32];

		if (i % 2000 == 0)
			store_exec(db, "BEGIN", &e);
		snprintf(ref, sizeof ref, "%d", i + 1);
		snprintf(subj, sizeof subj, "Re: %s %d", words[i % nitems(words)], i);
		body_text(body, sizeof body, i);
		if (store_index_put_db(db, "mail", ref, subj, body, &e) != 0) {
			fprintf(stderr, "index: %s\n", e.msg);
			exit(1);
		}
		if (i % 2000 == 1999 || i == n - 1)
			store_exec(db, "COMMIT", &e);
	}
	r->index_ms = now_ms() - t;
	close_db(db, encrypted);

	/* The first screen, each time from a new connection (empty page
	 * cache): open, set up, read the 50 newest. */
	for (int k = 0; k < 9; k++) {
		t = now_ms();
		db = open_db(path, encrypted, key);
		sqlite3_prepare_v2(db,
				   "SELECT id, date, from_addr, subject, flags FROM mail_msg"
				   " WHERE folder=1 ORDER BY date DESC LIMIT 50",
				   -1, &st, NULL);
		r->first_rows = 0;
		while (sqlite3_step(st) == SQLITE_ROW)
			r->first_rows++;
		sqlite3_finalize(st);
		samples[k] = now_ms() - t;
		close_db(db, encrypted);
	}
	r->first_ms = median(samples, 9);

	db = open_db(path, encrypted, key);
	for (int k = 0; k < 21; k++) {
		struct store_hit *hits;
		size_t nh;

		t = now_ms();
		if (store_search_db(db, "mail", "zebracrossing", 50, &hits, &nh, &e) != 0) {
			fprintf(stderr, "search: %s\n", e.msg);
			exit(1);
		}
		samples[k] = now_ms() - t;
		r->hits = (int)nh;
		store_hits_free(hits, nh);
	}
	r->search_ms = median(samples, 21);
	close_db(db, encrypted);
	sodium_memzero(key, sizeof key);
}

int main(int argc, char **argv)
{
	const char *env = getenv("BENCH_N");
	int n = env ? atoi(env) : 100000;
	char dir[] = "/tmp/atrium-bench-store.XXXXXX", cmd[128];
	struct result plain, enc;

	if (sodium_init() < 0 || mkdtemp(dir) == NULL)
		return 1;
	run(dir, 0, n, &plain);
	run(dir, 1, n, &enc);
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);

	printf("store: %d mail envelopes and %d indexed bodies; peer: plain SQLite 3.40, same "
	       "schema and pragmas\n",
	       n, n);
	printf("%-34s %12s %12s %10s\n", "", "plain", "encrypted", "overhead");
	printf("%-34s %10.0f ms %10.0f ms %9.0f%%\n", "insert envelopes", plain.insert_ms,
	       enc.insert_ms, 100 * (enc.insert_ms / plain.insert_ms - 1));
	printf("%-34s %10.0f ms %10.0f ms %9.0f%%\n", "index bodies for search", plain.index_ms,
	       enc.index_ms, 100 * (enc.index_ms / plain.index_ms - 1));
	printf("%-34s %10.2f ms %10.2f ms %9.0f%%   (%d rows)\n", "first screen, new connection",
	       plain.first_ms, enc.first_ms, 100 * (enc.first_ms / plain.first_ms - 1),
	       enc.first_rows);
	printf("%-34s %10.2f ms %10.2f ms %9.0f%%   (%d hits)\n", "search over the bodies",
	       plain.search_ms, enc.search_ms, 100 * (enc.search_ms / plain.search_ms - 1),
	       enc.hits);
	return 0;
}
