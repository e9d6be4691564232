/*
 * outbox.c - the durable, ordered queue of writes waiting for a server:
 * mail to send, chat messages, uploads, flag changes. An entry is committed
 * with synchronous=FULL before store_outbox_add returns, so "queued" is a
 * promise. (service, idem_key) is unique: adding the same write twice, or
 * again after it was sent, changes nothing, which makes replays exactly-once
 * from our side.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store/internal.h"

static const char *const state_names[] = { "queued", "sending", "failed", "done" };

const char *store_outbox_state_name(enum outbox_state st)
{
	return st <= OUTBOX_DONE ? state_names[st] : "?";
}

static int prep(struct store *s, const char *sql, sqlite3_stmt **st, struct err *e)
{
	int rc = sqlite3_prepare_v2(s->outbox, sql, -1, st, NULL);

	return rc == SQLITE_OK ? 0 : store_sqlite_err(s->outbox, rc, "outbox.db", e);
}

static char *col_text(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);

	return t ? xstrdup((const char *)t) : NULL;
}

#define ENTRY_COLS "id, service, kind, idem_key, state, created, updated, attempts, error, " \
		   "summary, payload"

static void read_entry(sqlite3_stmt *st, struct outbox_entry *en)
{
	const void *p;

	memset(en, 0, sizeof *en);
	en->id = sqlite3_column_int64(st, 0);
	snprintf(en->service, sizeof en->service, "%s", sqlite3_column_text(st, 1));
	snprintf(en->kind, sizeof en->kind, "%s", sqlite3_column_text(st, 2));
	en->idem_key = col_text(st, 3);
	en->state = (enum outbox_state)sqlite3_column_int(st, 4);
	en->created = sqlite3_column_int64(st, 5);
	en->updated = sqlite3_column_int64(st, 6);
	en->attempts = sqlite3_column_int(st, 7);
	en->error = col_text(st, 8);
	en->summary = col_text(st, 9);
	en->payload_len = (size_t)sqlite3_column_bytes(st, 10);
	p = sqlite3_column_blob(st, 10);
	en->payload = xmalloc(en->payload_len + 1);
	if (p)
		memcpy(en->payload, p, en->payload_len);
	en->payload[en->payload_len] = 0;
}

int store_outbox_add(struct store *s, const char *service, const char *kind,
		     const char *idem_key, const char *summary, const void *payload, size_t len,
		     int64_t *id, struct err *e)
{
	sqlite3_stmt *st;
	int64_t now = (int64_t)time(NULL);
	int rc;

	if (!service || !*service || strlen(service) >= 16 || !kind || !*kind ||
	    strlen(kind) >= 32 || !idem_key || !*idem_key)
		return err_set(e, E_USAGE, "outbox: service, kind and idempotency key are required");
	if ((rc = prep(s,
		       "INSERT INTO outbox(service, kind, idem_key, state, created, updated,"
		       " summary, payload) VALUES(?,?,?,0,?,?,?,?)"
		       " ON CONFLICT(service, idem_key) DO NOTHING",
		       &st, e)) != 0)
		return rc;
	sqlite3_bind_text(st, 1, service, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, idem_key, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, now);
	sqlite3_bind_int64(st, 5, now);
	sqlite3_bind_text(st, 6, summary ? summary : "", -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 7, payload ? payload : "", (int)len, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return store_sqlite_err(s->outbox, rc, "outbox.db", e);
	if ((rc = prep(s, "SELECT id FROM outbox WHERE service=? AND idem_key=?", &st, e)) != 0)
		return rc;
	sqlite3_bind_text(st, 1, service, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, idem_key, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && id)
		*id = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : store_sqlite_err(s->outbox, rc, "outbox.db", e);
}

int store_outbox_list(struct store *s, const char *service, struct outbox_entry **out,
		      size_t *n, struct err *e)
{
	sqlite3_stmt *st;
	size_t cap = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if ((rc = prep(s,
		       "SELECT " ENTRY_COLS " FROM outbox WHERE state<>3"
		       " AND (?1 IS NULL OR service=?1) ORDER BY id",
		       &st, e)) != 0)
		return rc;
	if (service)
		sqlite3_bind_text(st, 1, service, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 8;
			*out = xreallocarray(*out, cap, sizeof **out);
		}
		read_entry(st, &(*out)[(*n)++]);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		store_outbox_list_free(*out, *n);
		*out = NULL;
		*n = 0;
		return store_sqlite_err(s->outbox, rc, "outbox.db", e);
	}
	return 0;
}

static int get_one(struct store *s, const char *sql, const char *service, int64_t id,
		   struct outbox_entry *out, struct err *e)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = prep(s, sql, &st, e)) != 0)
		return rc;
	if (service)
		sqlite3_bind_text(st, 1, service, -1, SQLITE_STATIC);
	else
		sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		read_entry(st, out);
	sqlite3_finalize(st);
	if (rc == SQLITE_ROW)
		return 0;
	if (rc == SQLITE_DONE)
		return service ? err_set(e, E_NOTFOUND, "nothing queued for %s", service)
			       : err_set(e, E_NOTFOUND, "no outbox entry %lld", (long long)id);
	return store_sqlite_err(s->outbox, rc, "outbox.db", e);
}

int store_outbox_next(struct store *s, const char *service, struct outbox_entry *out,
		      struct err *e)
{
	/* In order: the oldest entry not done. A failed one blocks those
	 * behind it until it is retried or dropped, so order holds. */
	return get_one(s,
		       "SELECT " ENTRY_COLS " FROM outbox WHERE service=?1 AND state<>3"
		       " ORDER BY id LIMIT 1",
		       service, 0, out, e);
}

int store_outbox_get(struct store *s, int64_t id, struct outbox_entry *out, struct err *e)
{
	return get_one(s, "SELECT " ENTRY_COLS " FROM outbox WHERE id=?1", NULL, id, out, e);
}

/* Run an UPDATE or DELETE of one entry: ?1 id, ?2 state, ?3 error, ?4 now
 * (a statement may leave out what it does not use). */
static int change(struct store *s, const char *sql, int64_t id, int state, const char *error,
		  struct err *e)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = prep(s, sql, &st, e)) != 0)
		return rc;
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_bind_parameter_count(st) >= 2)
		sqlite3_bind_int(st, 2, state);
	if (error && sqlite3_bind_parameter_count(st) >= 3)
		sqlite3_bind_text(st, 3, error, -1, SQLITE_STATIC);
	if (sqlite3_bind_parameter_count(st) >= 4)
		sqlite3_bind_int64(st, 4, (int64_t)time(NULL));
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return store_sqlite_err(s->outbox, rc, "outbox.db", e);
	if (sqlite3_changes(s->outbox) == 0)
		return err_set(e, E_NOTFOUND, "no outbox entry %lld", (long long)id);
	return 0;
}

int store_outbox_mark(struct store *s, int64_t id, enum outbox_state stt, const char *error,
		      struct err *e)
{
	return change(s,
		      "UPDATE outbox SET state=?2, error=?3, updated=?4,"
		      " attempts=attempts+(?2=1) WHERE id=?1",
		      id, (int)stt, error, e);
}

int store_outbox_retry(struct store *s, int64_t id, struct err *e)
{
	return change(s,
		      /* the user's retry starts the count again */
		      "UPDATE outbox SET state=?2, error=?3, updated=?4, attempts=0"
		      " WHERE id=?1 AND state<>3",
		      id, OUTBOX_QUEUED, NULL, e);
}

int store_outbox_drop(struct store *s, int64_t id, struct err *e)
{
	return change(s, "DELETE FROM outbox WHERE id=?1", id, 0, NULL, e);
}

int store_outbox_set_payload(struct store *s, int64_t id, const void *payload, size_t len,
			     struct err *e)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = prep(s, "UPDATE outbox SET payload=?2, updated=?3 WHERE id=?1", &st, e)) != 0)
		return rc;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_blob(st, 2, payload, (int)len, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 3, (int64_t)time(NULL));
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return store_sqlite_err(s->outbox, rc, "outbox.db", e);
	if (sqlite3_changes(s->outbox) == 0)
		return err_set(e, E_NOTFOUND, "outbox: no entry %lld", (long long)id);
	return 0;
}

int store_outbox_count(struct store *s, const char *service)
{
	sqlite3_stmt *st;
	int n = 0;

	if (sqlite3_prepare_v2(s->outbox,
			       "SELECT count(*) FROM outbox WHERE state<>3"
			       " AND (?1 IS NULL OR service=?1)",
			       -1, &st, NULL) != SQLITE_OK)
		return 0;
	if (service)
		sqlite3_bind_text(st, 1, service, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return n;
}

void store_outbox_entry_free(struct outbox_entry *en)
{
	if (en == NULL)
		return;
	free(en->idem_key);
	free(en->error);
	free(en->summary);
	free(en->payload);
	memset(en, 0, sizeof *en);
}

void store_outbox_list_free(struct outbox_entry *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		store_outbox_entry_free(&list[i]);
	free(list);
}
