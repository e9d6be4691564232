/*
 * model.c - chat in the store: conversations, messages (once each), the
 * roster. Pure SQL over the cache; see chat_int.h.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "i18n/i18n.h"
#include "modules/chat/chat_int.h"
#include "store/store.h"

static int sql_fail(sqlite3 *db, struct err *e)
{
	return err_set(e, E_IO, "the store: %s", sqlite3_errmsg(db));
}

static char *col_dup(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);
	return t ? xstrdup((const char *)t) : NULL;
}

static void bind_text(sqlite3_stmt *st, int i, const char *v)
{
	if (v)
		sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, i);
}

void chat_short_name(const char *jid, char *out, size_t n)
{
	const char *sl = jid ? strchr(jid, '/') : NULL, *at;
	size_t len;

	if (!jid) {
		snprintf(out, n, "?");
		return;
	}
	if (sl) { /* an occupant: the nick */
		snprintf(out, n, "%s", sl + 1);
		return;
	}
	at = strchr(jid, '@');
	len = at ? (size_t)(at - jid) : strlen(jid);
	snprintf(out, n, "%.*s", (int)len, jid);
}

int chat_mentions(const char *text, const char *nick)
{
	char *ft, *fn;
	const char *p;
	size_t nl;
	int found = 0;

	if (!text || !nick || !*nick)
		return 0;
	/* any case, in any script: both folded (ICU) */
	ft = txt_casefold(text, strlen(text));
	fn = txt_casefold(nick, strlen(nick));
	if (!ft || !fn) {
		free(ft);
		free(fn);
		return 0;
	}
	nl = strlen(fn);
	for (p = ft; nl && (p = strstr(p, fn)); p++) {
		unsigned char before = p > ft ? (unsigned char)p[-1] : ' ';
		unsigned char after = (unsigned char)p[nl];
		/* a word of its own: not inside a longer ASCII word (CJK text
		 * has no spaces: any non-ASCII neighbour counts as a border) */
		if (!(isalnum(before) || before == '_') && !(isalnum(after) || after == '_')) {
			found = 1;
			break;
		}
	}
	free(ft);
	free(fn);
	return found;
}

/* A statement of the path that stores a message (a catch-up runs several
 * per message): the one SQLite already holds for this text when it is
 * idle, else a new one that stays (store_close finalizes it); kept_done
 * resets it. Parsing them again for each message was 40 % of a catch-up's
 * CPU (perf, 10,000 messages). */
#define KEPT(sql) STORE_KEPT sql

static sqlite3_stmt *kept(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st = NULL;

	while ((st = sqlite3_next_stmt(db, st)))
		if (!sqlite3_stmt_busy(st) && strcmp(sqlite3_sql(st), sql) == 0)
			return st;
	if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK)
		return NULL;
	return st;
}

static void kept_done(sqlite3_stmt *st)
{
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
}

static int kept_exec(sqlite3 *db, const char *sql, struct err *e)
{
	sqlite3_stmt *st = kept(db, sql);
	int rc;

	if (!st)
		return sql_fail(db, e);
	rc = sqlite3_step(st);
	if (rc != SQLITE_DONE) {
		sql_fail(db, e);
		kept_done(st);
		return e->code ? e->code : E_IO;
	}
	kept_done(st);
	return 0;
}

int64_t chat_conv_id(struct store *s, const char *account, const char *jid, const char *kind,
		     int create)
{
	sqlite3 *db = store_cache(s);
	sqlite3_stmt *st;
	int64_t id = 0;

	if (!(st = kept(db, KEPT("SELECT id FROM chat_conv WHERE account = ?1 AND jid = ?2"))))
		return 0;
	bind_text(st, 1, account);
	bind_text(st, 2, jid);
	if (sqlite3_step(st) == SQLITE_ROW)
		id = sqlite3_column_int64(st, 0);
	kept_done(st);
	if (id || !create)
		return id;
	if (sqlite3_prepare_v2(db, "INSERT INTO chat_conv(account, jid, kind) VALUES(?1, ?2, ?3)",
			       -1, &st, NULL) != SQLITE_OK)
		return 0;
	bind_text(st, 1, account);
	bind_text(st, 2, jid);
	bind_text(st, 3, kind);
	if (sqlite3_step(st) == SQLITE_DONE)
		id = sqlite3_last_insert_rowid(db);
	sqlite3_finalize(st);
	return id;
}

int64_t chat_msg_find(struct store *s, int64_t conv, const char *id, const char *from)
{
	sqlite3 *db = store_cache(s);
	sqlite3_stmt *st;
	int64_t row = 0;

	if (!id)
		return 0;
	if (sqlite3_prepare_v2(db,
			       /* one lookup per id, each on its index (an OR of the
				* three scanned the whole conversation) */
			       "SELECT id FROM chat_msg WHERE conv = ?1 AND stanza_id = ?2 AND"
			       " (?3 IS NULL OR sender = ?3) UNION"
			       " SELECT id FROM chat_msg WHERE conv = ?1 AND origin_id = ?2 AND"
			       " (?3 IS NULL OR sender = ?3) UNION"
			       " SELECT id FROM chat_msg WHERE conv = ?1 AND msg_id = ?2 AND"
			       " (?3 IS NULL OR sender = ?3) ORDER BY 1 DESC LIMIT 1",
			       -1, &st, NULL) != SQLITE_OK)
		return 0;
	sqlite3_bind_int64(st, 1, conv);
	bind_text(st, 2, id);
	bind_text(st, 3, from);
	if (sqlite3_step(st) == SQLITE_ROW)
		row = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return row;
}

static int index_row(struct store *s, int64_t row, const char *nick, const char *body,
		     struct err *e)
{
	char ref[24];

	snprintf(ref, sizeof ref, "%lld", (long long)row);
	if (!body || !*body)
		return store_index_del(s, "chat", ref, e);
	return store_index_put(s, "chat", ref, nick ? nick : "", body, e);
}

int chat_msg_put(struct store *s, int64_t conv, const struct chat_row *r, int64_t *row,
		 struct err *e)
{
	sqlite3 *db = store_cache(s);
	sqlite3_stmt *st;
	int64_t found = 0;
	int rc, added = 0;
	/* outside a page's transaction its own, IMMEDIATE: it reads before
	 * it writes (store/db.c) */
	int own = sqlite3_get_autocommit(db);

	*row = 0;
	if (kept_exec(db, own ? KEPT("BEGIN IMMEDIATE") : KEPT("SAVEPOINT chat_put"), e) < 0)
		return e->code;
	/* the same message: the archive's id, else (while a copy lacks it)
	 * the sender's own ids */
	if (r->stanza_id && (st = kept(db, KEPT("SELECT id FROM chat_msg WHERE conv = ?1 AND"
						   " stanza_id = ?2"))) != NULL) {
		sqlite3_bind_int64(st, 1, conv);
		bind_text(st, 2, r->stanza_id);
		if (sqlite3_step(st) == SQLITE_ROW)
			found = sqlite3_column_int64(st, 0);
		kept_done(st);
	}
	if (!found && (r->origin_id || r->msg_id) &&
	    (st = kept(db,
			       KEPT("SELECT id FROM chat_msg WHERE conv = ?1 AND origin_id = ?2 AND"
			       " (sender = ?4 OR (outgoing AND ?5)) AND (stanza_id IS NULL OR ?6 IS NULL)"
			       " UNION SELECT id FROM chat_msg WHERE conv = ?1 AND msg_id = ?3 AND"
			       " (sender = ?4 OR (outgoing AND ?5)) AND (stanza_id IS NULL OR ?6 IS NULL)"
			       " ORDER BY 1 DESC LIMIT 1"))) != NULL) {
		sqlite3_bind_int64(st, 1, conv);
		bind_text(st, 2, r->origin_id ? r->origin_id : r->msg_id);
		bind_text(st, 3, r->msg_id ? r->msg_id : r->origin_id);
		bind_text(st, 4, r->sender);
		sqlite3_bind_int(st, 5, r->outgoing);
		bind_text(st, 6, r->stanza_id);
		if (sqlite3_step(st) == SQLITE_ROW)
			found = sqlite3_column_int64(st, 0);
		kept_done(st);
	}
	if (found) {
		st = kept(db,
					KEPT("UPDATE chat_msg SET stanza_id = coalesce(stanza_id, ?2),"
					" state = CASE WHEN outgoing AND state < ?3 THEN ?3 ELSE state END,"
					" sender = coalesce(sender, ?4) WHERE id = ?1"));
		rc = st ? SQLITE_OK : SQLITE_ERROR;
		if (rc == SQLITE_OK) {
			sqlite3_bind_int64(st, 1, found);
			bind_text(st, 2, r->stanza_id);
			sqlite3_bind_int(st, 3, r->outgoing && r->state >= CS_SENT ? r->state : 0);
			bind_text(st, 4, r->sender);
			rc = sqlite3_step(st) == SQLITE_DONE ? SQLITE_OK : SQLITE_ERROR;
			kept_done(st);
		}
		*row = found;
	} else {
		st = kept(db,
					KEPT("INSERT INTO chat_msg(conv, stanza_id, origin_id, msg_id, sender,"
					" nick, body, url, ts, outgoing, state, mention, event)"
					" VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)"));
		rc = st ? SQLITE_OK : SQLITE_ERROR;
		if (rc == SQLITE_OK) {
			sqlite3_bind_int64(st, 1, conv);
			bind_text(st, 2, r->stanza_id);
			bind_text(st, 3, r->origin_id);
			bind_text(st, 4, r->msg_id);
			bind_text(st, 5, r->sender);
			bind_text(st, 6, r->nick);
			bind_text(st, 7, r->body ? r->body : "");
			bind_text(st, 8, r->url);
			sqlite3_bind_int64(st, 9, r->ts);
			sqlite3_bind_int(st, 10, r->outgoing);
			sqlite3_bind_int(st, 11, r->state);
			sqlite3_bind_int(st, 12, r->mention);
			bind_text(st, 13, r->event);
			rc = sqlite3_step(st) == SQLITE_DONE ? SQLITE_OK : SQLITE_ERROR;
			kept_done(st);
		}
		if (rc == SQLITE_OK) {
			*row = sqlite3_last_insert_rowid(db);
			added = 1;
			if (!r->event && index_row(s, *row, r->nick, r->body, e) < 0)
				rc = SQLITE_ERROR;
		}
		if (rc == SQLITE_OK &&
		    (st = kept(db, KEPT("UPDATE chat_conv SET last_ts = max(last_ts, ?2) WHERE id = ?1"))) != NULL) {
			sqlite3_bind_int64(st, 1, conv);
			sqlite3_bind_int64(st, 2, r->ts);
			sqlite3_step(st);
			kept_done(st);
		}
	}
	if (rc != SQLITE_OK) {
		if (!e->msg[0] || e->code == 0)
			sql_fail(db, e);
		store_exec(db, own ? "ROLLBACK" : "ROLLBACK TO chat_put; RELEASE chat_put", NULL);
		return e->code ? e->code : E_IO;
	}
	if (kept_exec(db, own ? KEPT("COMMIT") : KEPT("RELEASE chat_put"), e) < 0) {
		if (own)
			store_exec(db, "ROLLBACK", NULL);
		return e->code;
	}
	return added;
}

int chat_msg_edit(struct store *s, int64_t row, const char *body, int retract, struct err *e)
{
	sqlite3 *db = store_cache(s);
	sqlite3_stmt *st;
	int rc;

	rc = sqlite3_prepare_v2(db,
				retract ? "UPDATE chat_msg SET retracted = 1, body = '', url = NULL"
					  " WHERE id = ?1"
					: "UPDATE chat_msg SET corrects = coalesce(corrects, body),"
					  " body = ?2, edited = 1 WHERE id = ?1 AND NOT retracted",
				-1, &st, NULL);
	if (rc != SQLITE_OK)
		return sql_fail(db, e);
	sqlite3_bind_int64(st, 1, row);
	if (!retract)
		bind_text(st, 2, body ? body : "");
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return sql_fail(db, e);
	{
		struct chat_msg m;
		if (chat_msg_get(s, row, &m, e) == 0) {
			index_row(s, row, m.nick, retract ? NULL : m.body, e);
			chat_msg_free(&m);
		}
	}
	return 0;
}

int chat_msg_state(struct store *s, int64_t row, int state, const char *error)
{
	sqlite3 *db = store_cache(s);
	sqlite3_stmt *st;
	int rc;

	/* states only go forward, except to failed and back to queued */
	if (sqlite3_prepare_v2(db,
			       "UPDATE chat_msg SET state = ?2, error = ?3 WHERE id = ?1 AND"
			       " (state < ?2 OR ?2 IN (1, 5))",
			       -1, &st, NULL) != SQLITE_OK)
		return E_IO;
	sqlite3_bind_int64(st, 1, row);
	sqlite3_bind_int(st, 2, state);
	bind_text(st, 3, error);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : E_IO;
}

void chat_msg_free(struct chat_msg *m)
{
	free(m->chat);
	free(m->sender);
	free(m->nick);
	free(m->body);
	free(m->url);
	free(m->event);
	free(m->error);
	free(m->stanza_id);
	free(m->origin_id);
	free(m->msg_id);
	memset(m, 0, sizeof *m);
}

void chat_msgs_free(struct chat_msg *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		chat_msg_free(&v[i]);
	free(v);
}

#define MSG_COLS                                                                       \
	"m.id, c.jid, m.sender, m.nick, m.body, m.url, m.stanza_id, m.origin_id, m.msg_id," \
	" m.ts, m.outgoing, m.state, m.edited, m.retracted, m.mention, m.event, m.error"

static void msg_row(sqlite3_stmt *st, struct chat_msg *m)
{
	m->row = sqlite3_column_int64(st, 0);
	m->chat = col_dup(st, 1);
	m->sender = col_dup(st, 2);
	m->nick = col_dup(st, 3);
	m->body = col_dup(st, 4);
	m->url = col_dup(st, 5);
	m->stanza_id = col_dup(st, 6);
	m->origin_id = col_dup(st, 7);
	m->msg_id = col_dup(st, 8);
	m->ts = sqlite3_column_int64(st, 9);
	m->outgoing = sqlite3_column_int(st, 10);
	m->state = sqlite3_column_int(st, 11);
	m->edited = sqlite3_column_int(st, 12);
	m->retracted = sqlite3_column_int(st, 13);
	m->mention = sqlite3_column_int(st, 14);
	m->event = col_dup(st, 15);
	m->error = col_dup(st, 16);
}

static int collect(sqlite3 *db, sqlite3_stmt *st, int reverse, struct chat_msg **out, size_t *n,
		   struct err *e)
{
	size_t cap = 0;
	int rc;

	*out = NULL;
	*n = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 64;
			*out = xreallocarray(*out, cap, sizeof **out);
		}
		memset(&(*out)[*n], 0, sizeof **out);
		msg_row(st, &(*out)[(*n)++]);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		chat_msgs_free(*out, *n);
		*out = NULL;
		*n = 0;
		return sql_fail(db, e);
	}
	if (reverse)
		for (size_t i = 0; i < *n / 2; i++) {
			struct chat_msg t = (*out)[i];
			(*out)[i] = (*out)[*n - 1 - i];
			(*out)[*n - 1 - i] = t;
		}
	return 0;
}

int chat_history(struct store *s, int64_t conv, int limit, int64_t since_ms, int64_t before_row,
		 struct chat_msg **out, size_t *n, struct err *e)
{
	sqlite3 *db = store_cache(s);
	sqlite3_stmt *st;

	/* newest first with the limit, then turned oldest first; (ts, id)
	 * orders messages that share a millisecond as they were stored */
	if (sqlite3_prepare_v2(db,
			       "SELECT " MSG_COLS " FROM chat_msg m JOIN chat_conv c ON c.id = m.conv"
			       " WHERE m.conv = ?1 AND m.ts >= ?2 AND (?3 = 0 OR"
			       " (m.ts, m.id) < (SELECT ts, id FROM chat_msg WHERE id = ?3))"
			       " ORDER BY m.ts DESC, m.id DESC LIMIT ?4",
			       -1, &st, NULL) != SQLITE_OK)
		return sql_fail(db, e);
	sqlite3_bind_int64(st, 1, conv);
	sqlite3_bind_int64(st, 2, since_ms);
	sqlite3_bind_int64(st, 3, before_row);
	sqlite3_bind_int(st, 4, limit > 0 ? limit : -1);
	return collect(db, st, 1, out, n, e);
}

int chat_msg_get(struct store *s, int64_t row, struct chat_msg *m, struct err *e)
{
	sqlite3 *db = store_cache(s);
	sqlite3_stmt *st;
	int rc;

	memset(m, 0, sizeof *m);
	if (sqlite3_prepare_v2(db, "SELECT " MSG_COLS " FROM chat_msg m JOIN chat_conv c ON"
				   " c.id = m.conv WHERE m.id = ?1", -1, &st, NULL) != SQLITE_OK)
		return sql_fail(db, e);
	sqlite3_bind_int64(st, 1, row);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		msg_row(st, m);
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW)
		return err_set(e, E_NOTFOUND, "no message %lld", (long long)row);
	return 0;
}

static int row_of_account(struct store *s, int64_t row, const char *account)
{
	sqlite3_stmt *st;
	int yes = 0;

	if (sqlite3_prepare_v2(store_cache(s), "SELECT 1 FROM chat_msg m JOIN chat_conv c ON"
				   " c.id = m.conv WHERE m.id = ?1 AND c.account = ?2", -1, &st,
			       NULL) != SQLITE_OK)
		return 0;
	sqlite3_bind_int64(st, 1, row);
	bind_text(st, 2, account);
	yes = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return yes;
}

int chat_search(struct store *s, const char *account, const char *query, int limit,
		struct chat_msg **out, size_t *n, struct err *e)
{
	struct store_hit *hits;
	size_t nh, cap = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if ((rc = store_search(s, "chat", query, limit > 0 ? limit * 2 : 1000, &hits, &nh, e)) < 0)
		return rc;
	for (size_t i = 0; i < nh; i++) {
		struct chat_msg m;
		struct err ge;
		char *end;
		long long row = strtoll(hits[i].ref, &end, 10);
		if (*end || chat_msg_get(s, row, &m, &ge) < 0)
			continue;
		/* this account's conversations only (two accounts may both
		 * talk to the same JID) */
		if (!row_of_account(s, row, account)) {
			chat_msg_free(&m);
			continue;
		}
		if (*n == cap) {
			cap = cap ? cap * 2 : 32;
			*out = xreallocarray(*out, cap, sizeof **out);
		}
		(*out)[(*n)++] = m;
		if (limit > 0 && (int)*n >= limit)
			break;
	}
	store_hits_free(hits, nh);
	/* newest first */
	for (size_t i = 1; i < *n; i++)
		for (size_t j = i; j > 0 && (*out)[j - 1].ts < (*out)[j].ts; j--) {
			struct chat_msg t = (*out)[j];
			(*out)[j] = (*out)[j - 1];
			(*out)[j - 1] = t;
		}
	return 0;
}

void chat_convs_free(struct chat_conv *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].jid);
		free(v[i].kind);
		free(v[i].name);
		free(v[i].nick);
		free(v[i].topic);
	}
	free(v);
}

int chat_convs(struct store *s, const char *account, const char *kind, struct chat_conv **out,
	       size_t *n, struct err *e)
{
	sqlite3 *db = store_cache(s);
	sqlite3_stmt *st;
	size_t cap = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if (sqlite3_prepare_v2(db,
			       "SELECT id, jid, kind, name, nick, topic, unread, mentions, joined, last_ts"
			       " FROM chat_conv WHERE account = ?1 AND (?2 IS NULL OR kind = ?2)"
			       " ORDER BY last_ts DESC, jid",
			       -1, &st, NULL) != SQLITE_OK)
		return sql_fail(db, e);
	bind_text(st, 1, account);
	bind_text(st, 2, kind);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct chat_conv *c;
		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			*out = xreallocarray(*out, cap, sizeof **out);
		}
		c = &(*out)[(*n)++];
		c->id = sqlite3_column_int64(st, 0);
		c->jid = col_dup(st, 1);
		c->kind = col_dup(st, 2);
		c->name = col_dup(st, 3);
		c->nick = col_dup(st, 4);
		c->topic = col_dup(st, 5);
		c->unread = sqlite3_column_int(st, 6);
		c->mentions = sqlite3_column_int(st, 7);
		c->joined = sqlite3_column_int(st, 8);
		c->last_ts = sqlite3_column_int64(st, 9);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		chat_convs_free(*out, *n);
		*out = NULL;
		*n = 0;
		return sql_fail(db, e);
	}
	return 0;
}

void chat_contacts_free(struct chat_contact *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].jid);
		free(v[i].name);
		free(v[i].subscription);
	}
	free(v);
}

int chat_roster_list(struct store *s, const char *account, struct chat_contact **out, size_t *n,
		     struct err *e)
{
	sqlite3 *db = store_cache(s);
	sqlite3_stmt *st;
	size_t cap = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if (sqlite3_prepare_v2(db, "SELECT jid, name, subscription, ask, request FROM chat_roster"
				   " WHERE account = ?1 ORDER BY request DESC, coalesce(name, jid)",
			       -1, &st, NULL) != SQLITE_OK)
		return sql_fail(db, e);
	bind_text(st, 1, account);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct chat_contact *c;
		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			*out = xreallocarray(*out, cap, sizeof **out);
		}
		c = &(*out)[(*n)++];
		c->jid = col_dup(st, 0);
		c->name = col_dup(st, 1);
		c->subscription = col_dup(st, 2);
		c->ask = sqlite3_column_int(st, 3);
		c->request = sqlite3_column_int(st, 4);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		chat_contacts_free(*out, *n);
		*out = NULL;
		*n = 0;
		return sql_fail(db, e);
	}
	return 0;
}

int chat_roster_put(struct store *s, const char *account, const char *jid, const char *name,
		    const char *subscription, int ask)
{
	sqlite3 *db = store_cache(s);
	sqlite3_stmt *st;
	int rc;

	if (subscription && strcmp(subscription, "remove") == 0) {
		rc = sqlite3_prepare_v2(db, "DELETE FROM chat_roster WHERE account = ?1 AND jid = ?2",
					-1, &st, NULL);
	} else {
		rc = sqlite3_prepare_v2(db,
					"INSERT INTO chat_roster(account, jid, name, subscription, ask)"
					" VALUES(?1, ?2, ?3, ?4, ?5) ON CONFLICT(account, jid) DO UPDATE"
					" SET name = ?3, subscription = ?4, ask = ?5",
					-1, &st, NULL);
	}
	if (rc != SQLITE_OK)
		return E_IO;
	bind_text(st, 1, account);
	bind_text(st, 2, jid);
	if (!(subscription && strcmp(subscription, "remove") == 0)) {
		bind_text(st, 3, name);
		bind_text(st, 4, subscription ? subscription : "none");
		sqlite3_bind_int(st, 5, ask);
	}
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : E_IO;
}

int chat_roster_request(struct store *s, const char *account, const char *jid, int pending)
{
	sqlite3 *db = store_cache(s);
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(db,
			       "INSERT INTO chat_roster(account, jid, request) VALUES(?1, ?2, ?3)"
			       " ON CONFLICT(account, jid) DO UPDATE SET request = ?3",
			       -1, &st, NULL) != SQLITE_OK)
		return E_IO;
	bind_text(st, 1, account);
	bind_text(st, 2, jid);
	sqlite3_bind_int(st, 3, pending);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : E_IO;
}
