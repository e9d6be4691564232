/*
 * sync.c - the mail account: the server's folders and messages into the
 * store (mail_folder, mail_msg, blobs for bodies, the offline search).
 * Blocking: batch verbs call it on the main thread; the screen will call
 * it from the account's worker.
 *
 * A folder's sync: EXAMINE (nothing changes on the server), UIDVALIDITY
 * compared with what the cache was made under (changed: the folder's
 * cache is dropped, UIDs mean other messages now), UID SEARCH ALL for
 * what exists, then the differences: envelopes of the new UIDs in batches,
 * rows of vanished UIDs removed, and flags of the others. The net layer
 * has no flags-only FETCH, so flags come with a header fetch of the cached
 * UIDs; with CONDSTORE that is skipped when HIGHESTMODSEQ has not moved.
 * A failed command removes nothing: only a successful SEARCH says a
 * message is gone.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "i18n/i18n.h"
#include "modules/account.h"
#include "modules/mail/mail_int.h"
#include "store/store.h"

struct mail_acct {
	const struct module_env *env;
	struct store *store;
	struct imap_account a;
	char *key;                 /* mail_folder.account */
	struct imap_session *s;
	char *password;
	char *open_box;            /* selected now */
	uint32_t open_uidv;
	int open_rw;               /* SELECTed (writable), not EXAMINEd */
	int cancelled;             /* mail_acct_cancel: no new session */
};


int mail_acct_new(const struct module_env *env, struct mail_acct **out, struct err *e)
{
	const struct conf *c = env->conf;
	const char *url = conf_get(c, "mail", "imap"), *v;
	struct mail_acct *a;

	if (!url || !*url)
		return err_set(e, E_NOTFOUND,
			       "no mail account: set imap in the [mail] section (docs/config.md)");
	if (!env->store)
		return err_set(e, E_LOCKED, "the store is locked");
	a = xcalloc(1, sizeof *a);
	a->env = env;
	a->store = env->store;
	a->a.url = xstrdup(url);
	if ((v = conf_get(c, "mail", "user")))
		a->a.user = xstrdup(v);
	if ((v = conf_get(c, "mail", "ca_file")))
		a->a.tls.ca_file = xstrdup(v);
	if ((v = conf_get(c, "mail", "pin"))) {
		if (!net_pins_valid(v)) {
			mail_acct_free(a);
			return err_set(e, E_USAGE,
				       "[mail] pin: expected sha256//BASE64 (44 characters), several separated by ;");
		}
		a->a.tls.pins = xstrdup(v);
	}
	xasprintf(&a->key, "%s %s", a->a.user ? a->a.user : "", url);
	*out = a;
	return 0;
}

void mail_acct_free(struct mail_acct *a)
{
	if (!a)
		return;
	if (a->s) {
		if (imap_is_open(a->s))
			imap_logout(a->s);
		imap_session_free(a->s);
	}
	if (a->password) {
		explicit_bzero(a->password, strlen(a->password));
		free(a->password);
	}
	free((char *)a->a.url);
	free((char *)a->a.user);
	free(a->a.tls.ca_file);
	free(a->a.tls.pins);
	free(a->key);
	free(a->open_box);
	free(a);
}

void mail_acct_cancel(struct mail_acct *a)
{
	struct imap_session *s;

	__atomic_store_n(&a->cancelled, 1, __ATOMIC_RELEASE);
	if ((s = __atomic_load_n(&a->s, __ATOMIC_ACQUIRE)))
		imap_session_cancel(s);
}

const char *mail_acct_key(const struct mail_acct *a)
{
	return a->key;
}

static int need_password(struct mail_acct *a, struct err *e)
{
	int rc;

	if (a->password)
		return 0;
	if ((rc = account_password(a->env, a->store, "mail", &a->password, e)) < 0)
		return rc;
	if (!a->password)
		a->password = xstrdup("");
	a->a.password = a->password;
	return 0;
}

/* Connect once per process; offline is an error the caller words. */
static int need_session(struct mail_acct *a, struct err *e)
{
	int rc;

	if (a->env->offline)
		return err_set(e, E_UNREACHABLE, "%s", tr("mail.offline_forced"));
	if (a->s && imap_is_open(a->s))
		return 0;
	if ((rc = need_password(a, e)) < 0)
		return rc;
	if (__atomic_load_n(&a->cancelled, __ATOMIC_ACQUIRE))
		return err_set(e, E_CANCELLED, "cancelled");
	if (!a->s) {
		struct imap_session *s;
		if ((rc = imap_session_new(&a->a, &s, e)) < 0)
			return rc;
		__atomic_store_n(&a->s, s, __ATOMIC_RELEASE);
		/* a cancel that came while it was made */
		if (__atomic_load_n(&a->cancelled, __ATOMIC_ACQUIRE))
			imap_session_cancel(s);
	}
	free(a->open_box);
	a->open_box = NULL;
	if ((rc = imap_open(a->s, e)) < 0) {
		if (rc == E_UNREACHABLE) {
			char why[256];
			snprintf(why, sizeof why, "%.200s", e->msg);
			return err_tr(e, E_UNREACHABLE, "mail.unreachable", TR_S(why));
		}
		return rc;
	}
	return 0;
}

static sqlite3 *db(struct mail_acct *a)
{
	return store_cache(a->store);
}

static int sql_fail(struct mail_acct *a, const char *what, struct err *e)
{
	return err_set(e, E_IO, "mail cache: %s: %s", what, sqlite3_errmsg(db(a)));
}

/* ---- folders ---------------------------------------------------------------------- */

int mail_acct_folders(struct mail_acct *a, struct err *e)
{
	struct imap_mailbox *v;
	size_t n;
	sqlite3_stmt *st = NULL, *seen = NULL;
	int rc;

	if ((rc = need_session(a, e)) < 0)
		return rc;
	if ((rc = imap_list(a->s, &v, &n, e)) < 0)
		return rc;
	if ((rc = store_exec(db(a), "BEGIN IMMEDIATE", e)) < 0)
		goto out;
	/* the listing succeeded: what it lacks is gone (with its messages) */
	if (store_exec(db(a), "CREATE TEMP TABLE IF NOT EXISTS mail_seen(name TEXT PRIMARY KEY);"
			      "DELETE FROM mail_seen", e) < 0)
		goto fail;
	if (sqlite3_prepare_v2(db(a),
			       "INSERT INTO mail_folder(account, name, special) VALUES(?1, ?2, ?3)"
			       " ON CONFLICT(account, name) DO UPDATE SET special=excluded.special",
			       -1, &st, NULL) != SQLITE_OK)
		goto sqlfail;
	if (sqlite3_prepare_v2(db(a), "INSERT OR IGNORE INTO mail_seen VALUES(?1)", -1, &seen,
			       NULL) != SQLITE_OK)
		goto sqlfail;
	for (size_t i = 0; i < n; i++) {
		if (v[i].noselect)
			continue;
		sqlite3_reset(st);
		sqlite3_bind_text(st, 1, a->key, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, v[i].name, -1, SQLITE_STATIC);
		if (v[i].special)
			sqlite3_bind_text(st, 3, imap_special_name(v[i].special), -1, SQLITE_STATIC);
		else
			sqlite3_bind_null(st, 3);
		if (sqlite3_step(st) != SQLITE_DONE)
			goto sqlfail;
		sqlite3_reset(seen);
		sqlite3_bind_text(seen, 1, v[i].name, -1, SQLITE_STATIC);
		if (sqlite3_step(seen) != SQLITE_DONE)
			goto sqlfail;
	}
	sqlite3_finalize(st);
	st = NULL;
	/* blobs and index entries of the dropped folders go first */
	if (sqlite3_prepare_v2(db(a),
			       "SELECT m.id, m.body_blob FROM mail_msg m JOIN mail_folder f ON"
			       " f.id=m.folder WHERE f.account=?1 AND f.name NOT IN"
			       " (SELECT name FROM mail_seen)",
			       -1, &st, NULL) != SQLITE_OK)
		goto sqlfail;
	sqlite3_bind_text(st, 1, a->key, -1, SQLITE_STATIC);
	while (sqlite3_step(st) == SQLITE_ROW) {
		char ref[32];
		struct err e2;
		snprintf(ref, sizeof ref, "%lld", (long long)sqlite3_column_int64(st, 0));
		store_index_del(a->store, "mail", ref, &e2);
		if (sqlite3_column_text(st, 1))
			store_blob_del(a->store, (const char *)sqlite3_column_text(st, 1), &e2);
	}
	sqlite3_finalize(st);
	st = NULL;
	if (sqlite3_prepare_v2(db(a),
			       "DELETE FROM mail_folder WHERE account=?1 AND name NOT IN"
			       " (SELECT name FROM mail_seen)",
			       -1, &st, NULL) != SQLITE_OK)
		goto sqlfail;
	sqlite3_bind_text(st, 1, a->key, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		goto sqlfail;
	sqlite3_finalize(st);
	st = NULL;
	if ((rc = store_exec(db(a), "COMMIT", e)) < 0)
		store_exec(db(a), "ROLLBACK", &(struct err){ 0 });
	goto out;
sqlfail:
	rc = sql_fail(a, "folders", e);
fail:
	sqlite3_finalize(st);
	store_exec(db(a), "ROLLBACK", &(struct err){ 0 });
out:
	sqlite3_finalize(seen);
	imap_mailboxes_free(v, n);
	return rc;
}

/* ---- one folder ---------------------------------------------------------------------- */

struct cached {
	uint32_t uid;
	unsigned flags;
	int64_t id;
};

struct fetch_ctx {
	struct mail_acct *a;
	int64_t folder;
	int update;     /* flags of cached messages, not new rows */
	struct cached *c; /* update: the cache, by uid ascending */
	size_t nc;
	struct mail_sync_count *cnt;
	struct err *e;
	sqlite3_stmt *ins, *upd, *last, *next, *mark;
	struct writer *w; /* new rows written on a thread of their own */
};

/*
 * The store's half of a first sync runs beside the network's: while the
 * writer puts one batch into the store, the fetch reads and parses the
 * next (before, the server waited while the store wrote, and the store
 * while the server sent). One batch is handed over at a time; the
 * connection is used by one thread at a time, the hand-over ordering it.
 */
struct writer {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct fetch_ctx *f;
	struct imap_msg *msgs; /* the batch handed over, NULL when done */
	size_t n;
	int quit;
	int rc; /* the first failure; later batches are refused */
};

static int cmp_cached(const void *x, const void *y)
{
	uint32_t a = ((const struct cached *)x)->uid, b = ((const struct cached *)y)->uid;
	return a < b ? -1 : a > b;
}

/* One new row with id. */
static int insert_msg(struct fetch_ctx *f, struct imap_msg *m, int64_t id, struct buf *from,
		      struct buf *to, struct buf *cc)
{
	sqlite3_stmt *st = f->ins;
	char *subject = mail_hdr_decode_str(m->subject ? m->subject : "", NULL);
	int64_t date = mail_date_parse(m->date);
	int rc = 0;

	if (date < 0)
		date = m->internaldate;
	buf_reset(from);
	buf_reset(to);
	buf_reset(cc);
	mail_addrs_format(m->from, m->nfrom, from);
	mail_addrs_format(m->to, m->nto, to);
	mail_addrs_format(m->cc, m->ncc, cc);
	sqlite3_reset(st);
	sqlite3_bind_int64(st, 1, f->folder);
	sqlite3_bind_int64(st, 2, m->uid);
	sqlite3_bind_text(st, 3, m->message_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, m->in_reply_to, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, m->references, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, date);
	sqlite3_bind_text(st, 7, buf_cstr(from), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 8, buf_cstr(to), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 9, buf_cstr(cc), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 10, subject, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 11, m->size);
	sqlite3_bind_int(st, 12, (int)m->flags);
	sqlite3_bind_int(st, 13, m->attachments); /* how many */
	sqlite3_bind_int64(st, 14, id);
	if (sqlite3_step(st) != SQLITE_DONE)
		rc = sql_fail(f->a, "insert", f->e);
	sqlite3_reset(st); /* nothing keeps pointing at subject */
	free(subject);
	return rc;
}

/* The id after every one used so far: ids are never reused (the table is
 * not AUTOINCREMENT), so a script's id of a removed message finds
 * nothing, not another. */
static int next_id(struct fetch_ctx *f, int64_t *id)
{
	sqlite3_stmt *st = f->next;
	int rc = 0;

	sqlite3_reset(st);
	if (sqlite3_step(st) == SQLITE_ROW)
		*id = sqlite3_column_int64(st, 0) + 1;
	else
		rc = sql_fail(f->a, "insert", f->e);
	sqlite3_reset(st);
	return rc;
}

/*
 * A batch of new messages, inside the batch's transaction: the rows (*done
 * of them: fewer when another connection waits), then the last id once.
 * Their search index entries are written afterwards by mail_index_catch_up
 * (about half of a first sync's store work was the index); the first batch
 * of a cache that has no mark yet sets it below its first id, so the mark
 * holds from then on: every row above it is not indexed yet.
 */
static int insert_batch(struct fetch_ctx *f, struct imap_msg *msgs, size_t n, size_t *done)
{
	struct buf from, to, cc;
	int64_t id = 0;
	size_t i = 0;
	int rc;

	buf_init(&from);
	buf_init(&to);
	buf_init(&cc);
	rc = next_id(f, &id);
	if (rc == 0 && n) {
		sqlite3_reset(f->mark);
		sqlite3_bind_int64(f->mark, 1, id - 1);
		if (sqlite3_step(f->mark) != SQLITE_DONE)
			rc = sql_fail(f->a, "insert", f->e);
		sqlite3_reset(f->mark);
	}
	while (rc == 0 && i < n) {
		rc = insert_msg(f, &msgs[i], id + (int64_t)i, &from, &to, &cc);
		i++;
		if (store_turn_wanted())
			break; /* the caller commits these and goes on */
	}
	if (rc == 0 && i) {
		sqlite3_reset(f->last);
		sqlite3_bind_int64(f->last, 1, id + (int64_t)i - 1);
		if (sqlite3_step(f->last) != SQLITE_DONE)
			rc = sql_fail(f->a, "insert", f->e);
		sqlite3_reset(f->last);
	}
	if (rc == 0)
		f->cnt->added += (int)i;
	*done = i;
	buf_free(&from);
	buf_free(&to);
	buf_free(&cc);
	return rc;
}

/*
 * Inside a batch's transaction, when another connection waits for the
 * store (the screen saving a journal or a cell): commit what is written
 * and begin again; store_exec's BEGIN lets the waiter in first. A batch
 * of 2,000 held the lock 40-250 ms, so a key waited as long.
 */
static int give_turn(struct fetch_ctx *f)
{
	int rc;

	if (!store_turn_wanted())
		return 0;
	if ((rc = store_exec(db(f->a), "COMMIT", f->e)) < 0)
		return rc;
	return store_exec(db(f->a), "BEGIN IMMEDIATE", f->e);
}

static int update_flags(struct fetch_ctx *f, struct imap_msg *m)
{
	struct cached key = { .uid = m->uid }, *c;
	unsigned fl = m->flags & ~IMAP_F_RECENT;

	c = f->nc ? bsearch(&key, f->c, f->nc, sizeof *f->c, cmp_cached) : NULL;
	if (!c || c->flags == fl)
		return 0;
	sqlite3_reset(f->upd);
	sqlite3_bind_int(f->upd, 1, (int)fl);
	sqlite3_bind_int64(f->upd, 2, c->id);
	/* only when the row still holds what this sync read: a change the
	 * user made meanwhile wins (its outbox entry takes it to the server) */
	sqlite3_bind_int(f->upd, 3, (int)c->flags);
	if (sqlite3_step(f->upd) != SQLITE_DONE)
		return sql_fail(f->a, "flags", f->e);
	f->cnt->changed += sqlite3_changes(db(f->a)) > 0;
	return 0;
}

static int write_batch(struct fetch_ctx *f, struct imap_msg *msgs, size_t n)
{
	int rc = store_exec(db(f->a), "BEGIN IMMEDIATE", f->e);

	for (size_t i = 0; rc == 0 && i < n; i++) {
		if (f->update) {
			rc = update_flags(f, &msgs[i]);
			if (rc == 0)
				rc = give_turn(f);
		} else {
			msgs[i].flags &= ~IMAP_F_RECENT;
		}
	}
	for (size_t i = 0, k; rc == 0 && !f->update && i < n; i += k) {
		rc = insert_batch(f, msgs + i, n - i, &k);
		if (rc == 0 && i + k < n)
			rc = give_turn(f);
	}
	if (rc == 0)
		rc = store_exec(db(f->a), "COMMIT", f->e);
	else
		store_exec(db(f->a), "ROLLBACK", &(struct err){ 0 });
	imap_msgs_free(msgs, n);
	return rc;
}

static void *writer_main(void *arg)
{
	struct writer *w = arg;
	struct imap_msg *msgs;
	size_t n;
	int rc;

	thread_background();

	pthread_mutex_lock(&w->lock);
	for (;;) {
		while (!w->msgs && !w->quit)
			pthread_cond_wait(&w->cond, &w->lock);
		if (!w->msgs)
			break;
		msgs = w->msgs;
		n = w->n;
		pthread_mutex_unlock(&w->lock);
		rc = write_batch(w->f, msgs, n);
		pthread_mutex_lock(&w->lock);
		if (rc && !w->rc)
			w->rc = rc;
		w->msgs = NULL;
		pthread_cond_broadcast(&w->cond);
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

/* Hand the batch to the writer once it is done with the one before. */
static int writer_put(struct writer *w, struct imap_msg *msgs, size_t n)
{
	int rc;

	pthread_mutex_lock(&w->lock);
	while (w->msgs)
		pthread_cond_wait(&w->cond, &w->lock);
	if ((rc = w->rc) == 0) {
		w->msgs = msgs;
		w->n = n;
		pthread_cond_broadcast(&w->cond);
	}
	pthread_mutex_unlock(&w->lock);
	if (rc)
		imap_msgs_free(msgs, n);
	return rc;
}

/* f->w stays NULL without a thread: the batches are written in turn. */
static void writer_start(struct fetch_ctx *f, struct writer *w)
{
	memset(w, 0, sizeof *w);
	w->f = f;
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->cond, NULL);
	if (pthread_create(&w->thread, NULL, writer_main, w) == 0) {
		f->w = w;
		return;
	}
	pthread_mutex_destroy(&w->lock);
	pthread_cond_destroy(&w->cond);
}

/* Wait for the last batch; the writer's failure, if any. */
static int writer_stop(struct fetch_ctx *f)
{
	struct writer *w = f->w;
	int rc;

	if (!w)
		return 0;
	pthread_mutex_lock(&w->lock);
	w->quit = 1;
	pthread_cond_broadcast(&w->cond);
	pthread_mutex_unlock(&w->lock);
	pthread_join(w->thread, NULL);
	rc = w->rc;
	pthread_mutex_destroy(&w->lock);
	pthread_cond_destroy(&w->cond);
	f->w = NULL;
	return rc;
}

static int on_batch(void *arg, struct imap_msg *msgs, size_t n)
{
	struct fetch_ctx *f = arg;

	if (f->w && !f->update)
		return writer_put(f->w, msgs, n);
	return write_batch(f, msgs, n);
}

static int folder_row(struct mail_acct *a, const char *name, int64_t *id, int64_t *uidvalidity,
		      int64_t *modseq, int64_t *uidnext)
{
	sqlite3_stmt *st;
	int found = 0;

	if (sqlite3_prepare_v2(db(a),
			       "SELECT id, uidvalidity, highestmodseq, uidnext FROM mail_folder"
			       " WHERE account=?1 AND name=?2",
			       -1, &st, NULL) != SQLITE_OK)
		return 0;
	sqlite3_bind_text(st, 1, a->key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		found = 1;
		*id = sqlite3_column_int64(st, 0);
		*uidvalidity = sqlite3_column_int64(st, 1);
		*modseq = sqlite3_column_int64(st, 2);
		*uidnext = sqlite3_column_int64(st, 3);
	}
	sqlite3_finalize(st);
	return found;
}

/* Remove cached messages: all of the folder (uids NULL) or those listed. */
static int drop_msgs(struct mail_acct *a, int64_t folder, const struct cached *v, size_t n,
		     int all, int *removed, struct err *e)
{
	sqlite3_stmt *sel = NULL, *del = NULL;
	int rc = store_exec(db(a), "BEGIN IMMEDIATE", e);

	if (rc < 0)
		return rc;
	if (sqlite3_prepare_v2(db(a),
			       all ? "SELECT id, body_blob FROM mail_msg WHERE folder=?1"
				   : "SELECT id, body_blob FROM mail_msg WHERE id=?1",
			       -1, &sel, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db(a),
			       all ? "DELETE FROM mail_msg WHERE folder=?1"
				   : "DELETE FROM mail_msg WHERE id=?1",
			       -1, &del, NULL) != SQLITE_OK) {
		rc = sql_fail(a, "remove", e);
		goto out;
	}
	for (size_t i = 0; i < (all ? 1 : n); i++) {
		sqlite3_reset(sel);
		sqlite3_reset(del);
		sqlite3_bind_int64(sel, 1, all ? folder : v[i].id);
		sqlite3_bind_int64(del, 1, all ? folder : v[i].id);
		while (sqlite3_step(sel) == SQLITE_ROW) {
			char ref[32];
			struct err e2;
			snprintf(ref, sizeof ref, "%lld", (long long)sqlite3_column_int64(sel, 0));
			(*removed)++;
			if ((rc = store_index_del(a->store, "mail", ref, e)) < 0)
				goto out;
			/* a blob left behind is only space; a failed delete
			 * does not keep the row */
			if (sqlite3_column_text(sel, 1))
				store_blob_del(a->store, (const char *)sqlite3_column_text(sel, 1), &e2);
		}
		if (sqlite3_step(del) != SQLITE_DONE) {
			rc = sql_fail(a, "remove", e);
			goto out;
		}
	}
out:
	sqlite3_finalize(sel);
	sqlite3_finalize(del);
	if (rc == 0)
		return store_exec(db(a), "COMMIT", e);
	store_exec(db(a), "ROLLBACK", &(struct err){ 0 });
	return rc;
}

int mail_cache_drop(struct mail_acct *a, const int64_t *ids, size_t n, int *removed,
		    struct err *e)
{
	struct cached *v = xcalloc(n + 1, sizeof *v);
	int rc;

	for (size_t i = 0; i < n; i++)
		v[i].id = ids[i];
	*removed = 0;
	rc = drop_msgs(a, 0, v, n, 0, removed, e);
	free(v);
	return rc;
}

static int select_rw(struct mail_acct *a, const char *name, int rw, struct imap_selected *sel,
		     struct err *e)
{
	int rc;

	free(a->open_box);
	a->open_box = NULL;
	if ((rc = imap_select(a->s, name, !rw, sel, e)) == 0) {
		a->open_box = xstrdup(name);
		a->open_uidv = sel->uidvalidity;
		a->open_rw = rw;
	}
	return rc;
}

static int select_box(struct mail_acct *a, const char *name, struct imap_selected *sel,
		      struct err *e)
{
	return select_rw(a, name, 0, sel, e);
}

struct imap_session *mail_acct_session(struct mail_acct *a, struct err *e)
{
	return need_session(a, e) < 0 ? NULL : a->s;
}

int mail_acct_select(struct mail_acct *a, const char *name, uint32_t *uidvalidity,
		     struct err *e)
{
	struct imap_selected sel;
	int rc;

	if ((rc = need_session(a, e)) < 0)
		return rc;
	if (a->open_box && a->open_rw && strcmp(a->open_box, name) == 0) {
		*uidvalidity = a->open_uidv;
		return 0;
	}
	if ((rc = select_rw(a, name, 1, &sel, e)) < 0)
		return rc;
	*uidvalidity = sel.uidvalidity;
	return 0;
}

const struct imap_account *mail_acct_server(struct mail_acct *a, struct err *e)
{
	return need_password(a, e) < 0 ? NULL : &a->a;
}

const int *mail_acct_cancel_flag(struct mail_acct *a)
{
	return &a->cancelled;
}

int mail_acct_idle(struct mail_acct *a, const char *name, int wake_fd, int timeout_ms,
		   struct err *e)
{
	struct imap_selected sel;
	int rc;

	if ((rc = need_session(a, e)) < 0)
		return rc;
	if ((!a->open_box || strcmp(a->open_box, name)) && (rc = select_box(a, name, &sel, e)) < 0)
		return rc;
	return imap_idle(a->s, wake_fd, timeout_ms, e);
}

int mail_acct_prefetch(struct mail_acct *a, const char *name, int (*stop)(void *), void *arg,
		       int *fetched, struct err *e)
{
	const char *rule = conf_get(a->env->conf, "mail", "prefetch");
	int64_t folder = 0, uidv, modseq, uidnext, since = 0, *ids = NULL;
	sqlite3_stmt *st;
	size_t n = 0;
	int rc = 0;

	*fetched = 0;
	if (rule && !strcmp(rule, "none"))
		return 0;
	if (!rule || strcmp(rule, "all")) {
		char *end;
		long days = rule ? strtol(rule, &end, 10) : 30;
		if (rule && (*end || days <= 0))
			return err_tr(e, E_USAGE, "mail.bad_prefetch", TR_S(rule));
		since = (int64_t)time(NULL) - (int64_t)days * 86400;
	}
	if (!folder_row(a, name, &folder, &uidv, &modseq, &uidnext))
		return 0;
	/* newest first: what is read first is there first */
	if (sqlite3_prepare_v2(db(a),
			       "SELECT id FROM mail_msg WHERE folder=?1 AND uid>0 AND body_blob IS NULL"
			       " AND date>=?2 ORDER BY date DESC",
			       -1, &st, NULL) != SQLITE_OK)
		return sql_fail(a, "read", e);
	sqlite3_bind_int64(st, 1, folder);
	sqlite3_bind_int64(st, 2, since);
	while (sqlite3_step(st) == SQLITE_ROW) {
		ids = xreallocarray(ids, n + 1, sizeof *ids);
		ids[n++] = sqlite3_column_int64(st, 0);
	}
	sqlite3_finalize(st);
	for (size_t i = 0; i < n && rc == 0; i++) {
		struct buf b;
		if (stop && stop(arg))
			break;
		buf_init(&b);
		rc = mail_acct_body(a, ids[i], &b, e);
		buf_free(&b);
		if (rc == 0)
			(*fetched)++;
		else if (rc == E_NOTFOUND) /* gone meanwhile */
			rc = 0;
	}
	free(ids);
	return rc;
}

int mail_acct_folder_op(struct mail_acct *a, enum imap_mbox_op op, const char *wire,
			const char *to, struct err *e)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = need_session(a, e)) < 0)
		return rc;
	free(a->open_box); /* the op may close or rename what is selected */
	a->open_box = NULL;
	if ((rc = imap_mailbox_op(a->s, op, wire, to, e)) < 0)
		return rc;
	if (op == IMAP_MBOX_RENAME &&
	    sqlite3_prepare_v2(db(a), "UPDATE mail_folder SET name=?3 WHERE account=?1 AND name=?2",
			       -1, &st, NULL) == SQLITE_OK) {
		/* its cached messages go with it (a changed UIDVALIDITY is
		 * caught by the next sync) */
		sqlite3_bind_text(st, 1, a->key, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, wire, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, to, -1, SQLITE_STATIC);
		sqlite3_step(st);
		sqlite3_finalize(st);
	}
	if (op == IMAP_MBOX_SUBSCRIBE || op == IMAP_MBOX_UNSUBSCRIBE) {
		if (sqlite3_prepare_v2(db(a),
				       "UPDATE mail_folder SET subscribed=?3 WHERE account=?1 AND name=?2",
				       -1, &st, NULL) == SQLITE_OK) {
			sqlite3_bind_text(st, 1, a->key, -1, SQLITE_STATIC);
			sqlite3_bind_text(st, 2, wire, -1, SQLITE_STATIC);
			sqlite3_bind_int(st, 3, op == IMAP_MBOX_SUBSCRIBE);
			sqlite3_step(st);
			sqlite3_finalize(st);
		}
		return 0;
	}
	/* the cache's folder list as the server has it now */
	return mail_acct_folders(a, e);
}

char *mail_folder_wire(struct mail_acct *a, const char *given)
{
	sqlite3_stmt *st;
	char *enc = mail_mutf7_encode(given), *found = NULL;

	if (sqlite3_prepare_v2(db(a),
			       "SELECT name FROM mail_folder WHERE account=?1 AND name IN (?2, ?3)"
			       " ORDER BY name=?2 DESC LIMIT 1",
			       -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_text(st, 1, a->key, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, given, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, enc, -1, SQLITE_STATIC);
		if (sqlite3_step(st) == SQLITE_ROW)
			found = xstrdup((const char *)sqlite3_column_text(st, 0));
		sqlite3_finalize(st);
	}
	free(enc);
	return found;
}

struct store *mail_acct_store(struct mail_acct *a)
{
	return a->store;
}

const struct module_env *mail_acct_env(struct mail_acct *a)
{
	return a->env;
}

/* The flags the server reported, onto the cached rows they differ on. */
static int apply_flags(struct fetch_ctx *f, const struct imap_flags *v, size_t n)
{
	int rc = store_exec(db(f->a), "BEGIN IMMEDIATE", f->e);

	for (size_t i = 0; rc == 0 && i < n; i++) {
		struct imap_msg m = { .uid = v[i].uid, .flags = v[i].flags };
		rc = update_flags(f, &m);
		if (rc == 0)
			rc = give_turn(f);
	}
	if (rc == 0)
		return store_exec(db(f->a), "COMMIT", f->e);
	store_exec(db(f->a), "ROLLBACK", &(struct err){ 0 });
	return rc;
}

/* The folder's cached messages: as the last sync counted them while no
 * row of the folder changed since (schema step 8), else counted now and
 * kept (in one statement: a row changed meanwhile makes it NULL again). */
static int64_t cached_count(struct mail_acct *a, int64_t folder)
{
	sqlite3_stmt *st;
	int64_t n = -1;

	if (sqlite3_prepare_v2(db(a), "SELECT cached FROM mail_folder WHERE id=?1", -1, &st,
			       NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(st, 1, folder);
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (n >= 0)
		return n;
	if (sqlite3_prepare_v2(db(a),
			       "UPDATE mail_folder SET cached=(SELECT count(*) FROM mail_msg WHERE"
			       " folder=?1 AND uid>0) WHERE id=?1 RETURNING cached",
			       -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(st, 1, folder);
	if (sqlite3_step(st) == SQLITE_ROW) {
		n = sqlite3_column_int64(st, 0);
		sqlite3_step(st); /* to its end: the change is done */
	}
	sqlite3_finalize(st);
	return n;
}

/*
 * What the folder's state on the server says must be fetched:
 *  - UIDVALIDITY, UIDNEXT, the message count and (CONDSTORE) HIGHESTMODSEQ
 *    all as cached: nothing changed, nothing is fetched (a no-change
 *    resync is one SELECT);
 *  - new messages are the UIDs from the cached UIDNEXT on (UID SEARCH
 *    UIDNEXT:*), unless the count says some also went: then UID SEARCH ALL
 *    names what is gone;
 *  - flags: with CONDSTORE only those changed since the cached
 *    HIGHESTMODSEQ (UID FETCH 1:* (FLAGS) (CHANGEDSINCE m)), else all of
 *    them, flags only.
 * QRESYNC's VANISHED would spare the SEARCH ALL after an expunge; the
 * count check keeps that search for the syncs that need it.
 */
int mail_acct_sync_folder(struct mail_acct *a, const char *name, struct mail_sync_count *cnt,
			  struct err *e)
{
	struct imap_selected sel;
	int64_t folder = 0, uidv = 0, modseq = 0, uidnext = 0, have;
	uint32_t *su = NULL, *newu = NULL;
	struct cached *c = NULL, *gone = NULL;
	struct imap_flags *fv = NULL;
	size_t ns = 0, nc = 0, cap = 0, nnew = 0, ngone = 0, nfv = 0;
	sqlite3_stmt *st = NULL;
	struct fetch_ctx f;
	struct err fe;
	int rc, skipped = 0, full;

	memset(cnt, 0, sizeof *cnt);
	memset(&f, 0, sizeof f);
	if ((rc = need_session(a, e)) < 0)
		return rc;
	if (!folder_row(a, name, &folder, &uidv, &modseq, &uidnext)) {
		if ((rc = mail_acct_folders(a, e)) < 0)
			return rc;
		if (!folder_row(a, name, &folder, &uidv, &modseq, &uidnext))
			return err_tr(e, E_NOTFOUND, "mail.no_folder", TR_S(name));
	}
	if ((rc = select_box(a, name, &sel, e)) < 0)
		return rc;
	if (uidv && uidv != (int64_t)sel.uidvalidity) {
		/* the server renumbered the folder: its UIDs name other mail */
		if ((rc = drop_msgs(a, folder, NULL, 0, 1, &cnt->removed, e)) < 0)
			return rc;
		modseq = uidnext = 0;
	}
	have = cached_count(a, folder);
	if (uidnext && (int64_t)sel.uidnext == uidnext && have == (int64_t)sel.exists &&
	    sel.highestmodseq && modseq == (int64_t)sel.highestmodseq)
		return 0; /* nothing changed */
	if (sqlite3_prepare_v2(db(a),
			       "SELECT uid, flags, id FROM mail_msg WHERE folder=?1 AND uid>0 ORDER BY uid",
			       -1, &st, NULL) != SQLITE_OK) {
		rc = sql_fail(a, "read", e);
		goto out;
	}
	sqlite3_bind_int64(st, 1, folder);
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (nc == cap) {
			cap = cap ? cap * 2 : 256;
			c = xreallocarray(c, cap, sizeof *c);
		}
		c[nc].uid = (uint32_t)sqlite3_column_int64(st, 0);
		c[nc].flags = (unsigned)sqlite3_column_int(st, 1);
		c[nc].id = sqlite3_column_int64(st, 2);
		nc++;
	}
	sqlite3_finalize(st);
	/* new UIDs; all of them when something also went (a message moved
	 * here by the outbox is cached already, with its UID) */
	full = !uidnext;
	if (!full) {
		size_t fresh = 0;
		if ((rc = imap_search_uids(a->s, (uint32_t)uidnext, 0, &su, &ns, e)) < 0)
			goto out;
		for (size_t i = 0; i < ns; i++) {
			struct cached key = { .uid = su[i] };
			fresh += !nc || !bsearch(&key, c, nc, sizeof *c, cmp_cached);
		}
		if (have + (int64_t)fresh != (int64_t)sel.exists) {
			free(su);
			su = NULL;
			full = 1;
		}
	}
	if (full && (rc = imap_search_uids(a->s, 1, 0, &su, &ns, e)) < 0)
		goto out;
	/* the two sorted lists side by side (all of them, or only the new
	 * ones: then nothing cached is gone) */
	newu = xcalloc(ns + 1, sizeof *newu);
	gone = xcalloc(nc + 1, sizeof *gone);
	{
		size_t i = 0, j = 0;
		while (i < ns || j < nc) {
			if (j >= nc || (i < ns && su[i] < c[j].uid))
				newu[nnew++] = su[i++];
			else if (i >= ns || c[j].uid < su[i]) {
				if (full)
					gone[ngone++] = c[j];
				j++;
			} else {
				i++;
				j++;
			}
		}
	}
	if (ngone && (rc = drop_msgs(a, folder, gone, ngone, 0, &cnt->removed, e)) < 0)
		goto out;
	f.a = a;
	f.folder = folder;
	f.cnt = cnt;
	f.e = &fe;
	err_clear(&fe);
	if (sqlite3_prepare_v2(db(a),
			       "INSERT OR REPLACE INTO mail_msg(folder, uid, message_id, in_reply_to,"
			       " refs, date, from_addr, to_addrs, cc_addrs, subject, size, flags,"
			       " has_attachment, id) VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,"
			       " ?14)",
			       -1, &f.ins, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db(a),
			       "SELECT max(coalesce((SELECT value FROM meta WHERE key='mail.last_id'),"
			       " 0), coalesce((SELECT max(id) FROM mail_msg), 0))",
			       -1, &f.next, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db(a), "UPDATE mail_msg SET flags=?1 WHERE id=?2 AND flags=?3", -1,
			       &f.upd, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db(a), "INSERT OR REPLACE INTO meta(key, value) VALUES('mail.last_id', ?1)",
			       -1, &f.last, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db(a), "INSERT OR IGNORE INTO meta(key, value) VALUES('mail.indexed', ?1)",
			       -1, &f.mark, NULL) != SQLITE_OK) {
		rc = sql_fail(a, "prepare", e);
		goto fin;
	}
	/* flags of the cached ones: those changed since the last sync */
	if (nc && !(sel.highestmodseq && modseq == (int64_t)sel.highestmodseq)) {
		uint64_t since = sel.highestmodseq && modseq ? (uint64_t)modseq : 0;
		if ((rc = imap_fetch_flags(a->s, 1, since, &fv, &nfv, e)) < 0)
			goto fin;
		f.c = c;
		f.nc = nc;
		if ((rc = apply_flags(&f, fv, nfv)) < 0)
			goto fin;
	}
	if (nnew) {
		struct writer w;
		int wrc;
		/* envelopes the server keeps: a power cut may lose the last
		 * batches with the folder's marks, and the next sync fetches
		 * them again (the fsync of each commit held the store's lock
		 * from the screen for up to 75 ms) */
		store_bulk(db(a), 1, &(struct err){ 0 });
		writer_start(&f, &w);
		rc = imap_fetch_headers(a->s, newu, nnew, on_batch, &f, &skipped, e);
		wrc = writer_stop(&f);
		store_bulk(db(a), 0, &(struct err){ 0 });
		if (rc == 0 && wrc < 0)
			rc = wrc; /* the last batch failed: fe says why */
		if (rc < 0)
			goto fin;
	}
	cnt->skipped += skipped;
	if (sqlite3_prepare_v2(db(a),
			       "UPDATE mail_folder SET uidvalidity=?1, uidnext=?2, highestmodseq=?3,"
			       " cached=(SELECT count(*) FROM mail_msg WHERE folder=?4 AND uid>0)"
			       " WHERE id=?4",
			       -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, sel.uidvalidity);
		/* a message skipped (it does not parse) is not fetched again
		 * and again: UIDNEXT moves past it like past the others */
		sqlite3_bind_int64(st, 2, sel.uidnext);
		if (sel.highestmodseq)
			sqlite3_bind_int64(st, 3, (int64_t)sel.highestmodseq);
		else
			sqlite3_bind_null(st, 3);
		sqlite3_bind_int64(st, 4, folder);
		if (sqlite3_step(st) != SQLITE_DONE)
			rc = sql_fail(a, "folder", e);
		sqlite3_finalize(st);
	} else {
		rc = sql_fail(a, "folder", e);
	}
fin:
	if (rc < 0 && fe.code)
		*e = fe; /* the store's reason, not "the fetch was stopped" */
	sqlite3_finalize(f.ins);
	sqlite3_finalize(f.upd);
	sqlite3_finalize(f.last);
	sqlite3_finalize(f.next);
	sqlite3_finalize(f.mark);
out:
	free(su);
	free(newu);
	free(c);
	free(gone);
	free(fv);
	return rc;
}

/* ---- the search index ---------------------------------------------------------------- */

#define INDEX_BATCH 2000

/* Whether rows above the mark wait for their index entries. */
static int index_pending(struct mail_acct *a)
{
	sqlite3_stmt *st;
	int any = 0;

	if (sqlite3_prepare_v2(db(a),
			       "SELECT 1 FROM mail_msg WHERE id > (SELECT value FROM meta WHERE"
			       " key='mail.indexed') LIMIT 1",
			       -1, &st, NULL) != SQLITE_OK)
		return 1; /* let the catch-up say what fails */
	any = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return any;
}

/* One batch in its own transaction; *more when a full batch was done. */
static int index_batch(struct mail_acct *a, int *more, int *done, struct err *e)
{
	sqlite3_stmt *st = NULL, *set = NULL;
	int64_t last = -1;
	int rc, n = 0, cut = 0;

	*more = 0;
	/* IMMEDIATE: a search and the Mail tab's worker may both catch up;
	 * the second waits, then reads the mark the first moved */
	if ((rc = store_exec(db(a), "BEGIN IMMEDIATE", e)) < 0)
		return rc;
	if (sqlite3_prepare_v2(db(a),
			       "SELECT id, subject, from_addr FROM mail_msg WHERE id > (SELECT value"
			       " FROM meta WHERE key='mail.indexed') ORDER BY id LIMIT ?1",
			       -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db(a), "UPDATE meta SET value=?1 WHERE key='mail.indexed'", -1, &set,
			       NULL) != SQLITE_OK) {
		rc = sql_fail(a, "index", e);
		goto out;
	}
	sqlite3_bind_int(st, 1, INDEX_BATCH);
	while (rc == 0 && sqlite3_step(st) == SQLITE_ROW) {
		const char *subject = (const char *)sqlite3_column_text(st, 1);
		const char *from = (const char *)sqlite3_column_text(st, 2);
		char ref[32];
		last = sqlite3_column_int64(st, 0);
		snprintf(ref, sizeof ref, "%lld", (long long)last);
		/* a row whose body was read meanwhile has a fuller entry */
		rc = store_index_add(a->store, "mail", ref, subject ? subject : "", from ? from : "",
				     e);
		n++;
		if (store_turn_wanted()) {
			cut = 1; /* commit these: another connection waits */
			break;
		}
	}
	if (rc == 0 && last >= 0) {
		sqlite3_bind_int64(set, 1, last);
		if (sqlite3_step(set) != SQLITE_DONE)
			rc = sql_fail(a, "index", e);
	}
out:
	sqlite3_finalize(st);
	sqlite3_finalize(set);
	if (rc == 0 && (rc = store_exec(db(a), "COMMIT", e)) == 0) {
		*more = cut || n == INDEX_BATCH;
		*done += n;
		return 0;
	}
	store_exec(db(a), "ROLLBACK", &(struct err){ 0 });
	return rc;
}

int mail_index_catch_up(struct mail_acct *a, int (*stop)(void *), void *arg, int *done,
			struct err *e)
{
	int more = 1, rc = 0;

	*done = 0;
	if (!index_pending(a))
		return 0;
	store_bulk(db(a), 1, &(struct err){ 0 }); /* written again from the rows */
	while (rc == 0 && more && !(stop && stop(arg)))
		rc = index_batch(a, &more, done, e);
	store_bulk(db(a), 0, &(struct err){ 0 });
	return rc;
}

/* ---- bodies ------------------------------------------------------------------------ */

/* The offline search finds words of a body once it has been fetched: its
 * text joins the sender in the index entry. */
static void index_body(struct mail_acct *a, int64_t id, const struct buf *raw)
{
	sqlite3_stmt *st;
	struct mail_text t;
	struct buf body;
	struct err e2;
	char ref[32];

	if (sqlite3_prepare_v2(db(a), "SELECT subject, from_addr FROM mail_msg WHERE id=?1", -1, &st,
			       NULL) != SQLITE_OK)
		return;
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_finalize(st);
		return;
	}
	mail_text_parse(raw->data ? raw->data : "", raw->len, &t);
	buf_init(&body);
	buf_adds(&body, (const char *)sqlite3_column_text(st, 1) ? (const char *)sqlite3_column_text(st, 1) : "");
	if (t.text) {
		buf_addc(&body, '\n');
		buf_add(&body, t.text, t.text_len);
	}
	snprintf(ref, sizeof ref, "%lld", (long long)id);
	store_index_put(a->store, "mail", ref,
			(const char *)sqlite3_column_text(st, 0) ? (const char *)sqlite3_column_text(st, 0) : "",
			buf_cstr(&body), &e2);
	sqlite3_finalize(st);
	buf_free(&body);
	mail_text_free(&t);
}

int mail_acct_body(struct mail_acct *a, int64_t id, struct buf *out, struct err *e)
{
	sqlite3_stmt *st;
	char *box = NULL, *blob = NULL, ref[32];
	uint32_t uid = 0;
	int64_t uidv = 0;
	int rc;

	snprintf(ref, sizeof ref, "%lld", (long long)id);
	if (sqlite3_prepare_v2(db(a),
			       "SELECT f.name, m.uid, m.body_blob, f.uidvalidity FROM mail_msg m"
			       " JOIN mail_folder f ON f.id=m.folder WHERE m.id=?1 AND f.account=?2",
			       -1, &st, NULL) != SQLITE_OK)
		return sql_fail(a, "read", e);
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, a->key, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		box = xstrdup((const char *)sqlite3_column_text(st, 0));
		uid = (uint32_t)sqlite3_column_int64(st, 1);
		if (sqlite3_column_text(st, 2))
			blob = xstrdup((const char *)sqlite3_column_text(st, 2));
		uidv = sqlite3_column_int64(st, 3);
	}
	sqlite3_finalize(st);
	if (!box)
		return err_tr(e, E_NOTFOUND, "mail.no_message", TR_S(ref));
	if (blob) {
		rc = store_blob_get(a->store, blob, out, e);
		if (rc == 0 || a->env->offline)
			goto out;
		/* a cache copy cut short by a crash: fetch it again */
		buf_reset(out);
		err_clear(e);
	}
	if ((rc = need_session(a, e)) < 0) {
		if (rc == E_UNREACHABLE)
			rc = err_tr(e, E_UNREACHABLE, "mail.body_offline", TR_S(ref));
		goto out;
	}
	{
		struct imap_selected sel;
		if ((!a->open_box || strcmp(a->open_box, box)) && (rc = select_box(a, box, &sel, e)) < 0)
			goto out;
		if (a->open_uidv != (uint32_t)uidv) {
			/* the UID would name another message now */
			rc = err_tr(e, E_NOTFOUND, "mail.no_message", TR_S(ref));
			goto out;
		}
	}
	if ((rc = imap_fetch_body(a->s, uid, out, e)) < 0)
		goto out;
	{
		char nid[STORE_BLOB_ID_LEN + 1];
		struct err e2;
		/* keeping a copy is best effort: the text is shown anyway */
		index_body(a, id, out);
		if (store_blob_put(a->store, out->data ? out->data : "", out->len, nid, &e2) == 0) {
			if (sqlite3_prepare_v2(db(a), "UPDATE mail_msg SET body_blob=?1 WHERE id=?2",
					       -1, &st, NULL) == SQLITE_OK) {
				sqlite3_bind_text(st, 1, nid, -1, SQLITE_STATIC);
				sqlite3_bind_int64(st, 2, id);
				if (sqlite3_step(st) != SQLITE_DONE)
					store_blob_del(a->store, nid, &e2);
				sqlite3_finalize(st);
			}
		}
	}
out:
	free(box);
	free(blob);
	return rc;
}
