/*
 * view.c - the Mail tab: the index of a folder from the store, the folder
 * list, the message view; and the worker thread that talks to the server
 * (sync, bodies) with its own store connection, so the screen never waits
 * for the network. The worker runs the same sync.c code as the verbs;
 * results come back on the main loop and the tab reads the store again.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "i18n/i18n.h"
#include "modules/account.h"
#include "modules/mail/mail_int.h"
#include "modules/mail/thread.h"
#include "modules/mail/write.h"
#include "store/store.h"
#include "tui/tui.h"

#define SYNC_EVERY_MS (5 * 60 * 1000)
/* IDLE is re-issued this often (servers drop it after 30 min; a hung
 * IDLE, libetpan issue #393, ends here too) */
#define IDLE_MS (4 * 60 * 1000)
/* after a failed IDLE, wait this long before the next */
#define IDLE_RETRY_MS (30 * 1000)

enum job_kind { J_SYNC, J_BODY, J_REPLAY, J_NOIDLE, J_QUIT };

struct mjob {
	enum job_kind kind;
	char *folder;      /* sync: wire name, NULL for the inbox */
	int64_t id;        /* body */
	int offline;
	int rc;
	struct net_replay_stats rs; /* sync, replay: the outbox's part */
	struct mail_sync_count count; /* sync: what changed */
	struct err e;
	struct buf body;
	struct mail_view *v;
	struct mjob *next;
};

/* A message of the index; its strings live in the view's arena. */
struct row {
	int64_t id, date, size;
	size_t from, subject, msgid, irt, refs; /* offsets into arena, or (size_t)-1 */
	unsigned flags;
	int att;
	int gone;               /* left the folder (moved, deleted) since the reload */
	int tagged;             /* t: actions apply to every tagged row */
};

enum sort_key { SORT_THREAD, SORT_DATE, SORT_FROM, SORT_SUBJECT, SORT_SIZE, SORT_N };

struct fold {
	char *wire, *shown;
	int unread;
};

enum mode { M_LIST, M_FOLDERS, M_MSG, M_WRITE };

struct mail_view {
	const struct module_env *env;
	struct mail_acct *ma;   /* the main thread's: the account key */
	/* private folders of attachments opened in docs/sheets: plaintext
	 * outside the store, so they go when the tab does */
	char **att_dirs;
	size_t natt_dirs;
	/* the worker */
	int started, stopping;
	struct module_env wenv;
	struct store *wstore;
	struct mail_acct *wma;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct mjob *head, **tail;
	int wake[2];            /* a job is queued: ends the worker's IDLE */
	char *idle_box;         /* the worker's: the folder it waits on (IMAP IDLE) */
	int idle_off;           /* the server has no IDLE */
	int syncing, timer, kicked;
	int replaying, replay_again; /* a J_REPLAY is queued or running */
	/* what the tab shows */
	enum mode mode;
	char *folder;           /* wire name; NULL: the inbox */
	struct row *rows;
	size_t nrows;
	struct buf arena;       /* the rows' strings, NUL-terminated */
	struct mail_trow *trows;
	struct mail_threads thr;
	int threaded;           /* thr is built */
	uint32_t *order;        /* the rows as listed: sel and top index it */
	uint32_t *hidden;       /* per listed row: messages a collapsed thread hides */
	unsigned char *collapsed; /* by thread */
	size_t norder, sel, top;
	size_t ngone;           /* rows that left the folder since the last reload */
	/* the index is read and threaded on a thread of its own: at 100k
	 * messages that takes a few tenths of a second; the first page shows
	 * at once, by date, meanwhile */
	int partial;            /* rows are only the newest page, not threaded */
	int64_t total;          /* ... of this many in the folder */
	char *shown_folder;     /* the folder the rows are of ("" the inbox) */
	struct store *lstore;   /* the loader's connection */
	pthread_t loader;
	int loading_index, reload_again;
	uint64_t load_gen;
	int64_t load_began, load_next; /* ms: the last load's start; no new one before next */
	int load_timer;         /* a load waits for load_next */
	int64_t seen_version;   /* the store's data_version when last read */
	enum sort_key sort;
	int desc;
	uint64_t arr_gen;       /* counts changes of sort, desc and collapsed */
	struct fold *folds;
	size_t nfolds, fsel;
	int picking;            /* folder list to choose a target: 'M' move, 'C' copy */
	enum svc_state state;
	char why[128];
	int inbox_unread;
	char note[600];
	enum ui_role note_role;
	/* the message view */
	int64_t msg_id;
	struct buf msg_raw;     /* its bytes, for its attachments */
	size_t natt;
	int loading;
	char **src;             /* the message's lines as parsed */
	size_t nsrc;
	char **lines;           /* ... sanitized and wrapped to wrap_w */
	size_t nlines, scroll;
	int wrap_w;
	int page;               /* rows of the last draw */
	/* writing (write.c) */
	struct mail_write *w;
	enum mode write_back;   /* the mode to go back to */
	int write_pending;      /* the key to write with once the body is here */
	int64_t sent_entry;     /* the mail whose fate the next replay tells */
};

static void redraw(struct mail_view *v)
{
	if (v->env->redraw)
		v->env->redraw(v->env->host);
}

static void note(struct mail_view *v, enum ui_role role, const char *text)
{
	snprintf(v->note, sizeof v->note, "%s", text);
	v->note_role = role;
	redraw(v);
}

/* ---- the worker ------------------------------------------------------------------ */

static void job_free(struct mjob *j)
{
	free(j->folder);
	buf_free(&j->body);
	free(j);
}

static void job_done(struct mail_view *v, struct mjob *j);

static void deliver(void *arg)
{
	struct mjob *j = arg;

	if (!j->v->stopping)
		job_done(j->v, j);
	job_free(j);
}

/* The inbox's wire name in the worker's store. */
static char *inbox_name(struct mail_view *v)
{
	sqlite3_stmt *st;
	char *name = NULL;

	if (sqlite3_prepare_v2(store_cache(v->wstore),
			       "SELECT name FROM mail_folder WHERE account=?1 AND special='inbox'", -1,
			       &st, NULL) != SQLITE_OK)
		return NULL;
	sqlite3_bind_text(st, 1, mail_acct_key(v->wma), -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		name = xstrdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return name;
}

static int job_waiting(void *arg);

static void run_job(struct mail_view *v, struct mjob *j)
{
	err_clear(&j->e);
	v->wenv.offline = j->offline;
	if (j->kind == J_BODY) {
		j->rc = mail_acct_body(v->wma, j->id, &j->body, &j->e);
		return;
	}
	/* the outbox first: a sync must not bring back what the user changed */
	if ((j->rc = mail_act_replay(v->wma, NULL, &j->rs, &j->e)) < 0 || j->kind == J_REPLAY)
		return;
	if ((j->rc = mail_acct_folders(v->wma, &j->e)) < 0)
		return;
	char *name = j->folder ? xstrdup(j->folder) : inbox_name(v);
	struct mail_sync_count c = { 0 };
	if (name)
		j->rc = mail_acct_sync_folder(v->wma, name, &c, &j->e);
	j->count = c;
	/* the search index of what came, then bodies for offline reading;
	 * both given up for any job that comes (a search catches up itself) */
	if (name && j->rc == 0) {
		int got;
		struct err e2;
		mail_index_catch_up(v->wma, job_waiting, v, &got, &e2);
		mail_acct_prefetch(v->wma, name, job_waiting, v, &got, &e2);
	}
	/* then wait on that folder for news */
	free(v->idle_box);
	v->idle_box = j->rc == 0 && !j->offline ? name : NULL;
	if (v->idle_box != name)
		free(name);
}

static int job_waiting(void *arg)
{
	struct mail_view *v = arg;
	int any;

	pthread_mutex_lock(&v->lock);
	any = v->head != NULL || v->stopping;
	pthread_mutex_unlock(&v->lock);
	return any;
}

/* With no job queued: IDLE on the folder shown (lock held; released
 * while waiting). New mail or a flag changed elsewhere queues a sync. */
static void idle_wait(struct mail_view *v)
{
	struct err e;
	int r;

	pthread_mutex_unlock(&v->lock);
	err_clear(&e);
	r = mail_acct_idle(v->wma, v->idle_box, v->wake[0], IDLE_MS, &e);
	pthread_mutex_lock(&v->lock);
	if (r == E_NOTFOUND) {
		v->idle_off = 1;
	} else if (r == 1 && !v->head && !v->stopping) {
		struct mjob *j = xcalloc(1, sizeof *j);
		j->kind = J_SYNC;
		j->folder = xstrdup(v->idle_box);
		buf_init(&j->body);
		j->v = v;
		*v->tail = j;
		v->tail = &j->next;
	} else if (r < 0 && r != E_CANCELLED && !v->head) {
		/* the server or the network failed: not in a tight loop */
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += IDLE_RETRY_MS / 1000;
		pthread_cond_timedwait(&v->cond, &v->lock, &ts);
	}
}

static void *worker_main(void *arg)
{
	struct mail_view *v = arg;

	thread_background();

	for (;;) {
		struct mjob *j;
		pthread_mutex_lock(&v->lock);
		while (!v->head) {
			if (v->idle_box && !v->idle_off && !v->stopping)
				idle_wait(v);
			else
				pthread_cond_wait(&v->cond, &v->lock);
		}
		j = v->head;
		v->head = j->next;
		if (!v->head)
			v->tail = &v->head;
		pthread_mutex_unlock(&v->lock);
		if (j->kind == J_QUIT) {
			job_free(j);
			break;
		}
		if (j->kind == J_NOIDLE) {
			free(v->idle_box);
			v->idle_box = NULL;
			job_free(j);
			continue;
		}
		run_job(v, j);
		loop_post(v->env->loop, deliver, j);
	}
	return NULL;
}

static int worker_start(struct mail_view *v, struct err *e)
{
	int rc;

	if (v->started)
		return 0;
	if (!v->env->store)
		return err_set(e, E_LOCKED, "the store is locked");
	if ((rc = store_clone(v->env->store, &v->wstore, e)) < 0)
		return rc;
	v->wenv = *v->env;
	v->wenv.store = v->wstore;
	v->wenv.message = NULL;
	v->wenv.redraw = NULL;
	if ((rc = mail_acct_new(&v->wenv, &v->wma, e)) < 0) {
		store_close(v->wstore);
		v->wstore = NULL;
		return rc;
	}
	if (pipe2(v->wake, O_NONBLOCK | O_CLOEXEC) < 0) {
		mail_acct_free(v->wma);
		store_close(v->wstore);
		return err_set(e, E_INTERNAL, "cannot start the mail thread: %s", strerror(errno));
	}
	pthread_mutex_init(&v->lock, NULL);
	pthread_cond_init(&v->cond, NULL);
	v->tail = &v->head;
	if (pthread_create(&v->thread, NULL, worker_main, v) != 0) {
		close(v->wake[0]);
		close(v->wake[1]);
		mail_acct_free(v->wma);
		store_close(v->wstore);
		pthread_mutex_destroy(&v->lock);
		pthread_cond_destroy(&v->cond);
		return err_set(e, E_INTERNAL, "cannot start the mail thread");
	}
	v->started = 1;
	return 0;
}

static void submit(struct mail_view *v, struct mjob *j)
{
	j->v = v;
	pthread_mutex_lock(&v->lock);
	*v->tail = j;
	v->tail = &j->next;
	pthread_cond_signal(&v->cond);
	pthread_mutex_unlock(&v->lock);
	/* the worker may be in IDLE: it ends it and takes the job */
	if (write(v->wake[1], "j", 1) < 0) {
		/* full: it has been woken already */
	}
}

static struct mjob *job_new(enum job_kind k)
{
	struct mjob *j = xcalloc(1, sizeof *j);

	j->kind = k;
	buf_init(&j->body);
	return j;
}

static void worker_stop(struct mail_view *v)
{
	if (!v->started)
		return;
	v->stopping = 1;
	/* a call waiting on a stalled server ends now; queued ones go */
	mail_acct_cancel(v->wma);
	pthread_mutex_lock(&v->lock);
	while (v->head) {
		struct mjob *j = v->head;
		v->head = j->next;
		job_free(j);
	}
	v->tail = &v->head;
	pthread_mutex_unlock(&v->lock);
	submit(v, job_new(J_QUIT));
	pthread_join(v->thread, NULL);
	/* results already posted free themselves on the loop */
	loop_run_once(v->env->loop, 0);
	free(v->idle_box);
	close(v->wake[0]);
	close(v->wake[1]);
	mail_acct_free(v->wma);
	store_close(v->wstore);
	pthread_mutex_destroy(&v->lock);
	pthread_cond_destroy(&v->cond);
}

/* ---- the store -------------------------------------------------------------------- */

static int need_acct(struct mail_view *v)
{
	struct err e;

	if (v->ma)
		return 0;
	err_clear(&e);
	return mail_acct_new(v->env, &v->ma, &e);
}

static void rows_free(struct mail_view *v)
{
	free(v->rows);
	v->rows = NULL;
	v->nrows = 0;
	buf_free(&v->arena);
	free(v->trows);
	v->trows = NULL;
	if (v->threaded)
		mail_thread_free(&v->thr);
	v->threaded = 0;
	free(v->order);
	free(v->hidden);
	free(v->collapsed);
	v->order = v->hidden = NULL;
	v->collapsed = NULL;
	v->norder = 0;
	v->ngone = 0;
}

static const char *str_at(const struct mail_view *v, size_t off)
{
	return off == (size_t)-1 ? NULL : v->arena.data + off;
}

/* The row listed at position i of the index. */
static struct row *listed(struct mail_view *v, size_t i)
{
	return i < v->norder ? &v->rows[v->order[i]] : NULL;
}

/* How the rows are listed: order and hidden (nrows each) filled as the
 * sort says, threads in collapsed kept collapsed; returns how many are
 * listed. Touches nothing of the view: the loader thread calls it too. */
static size_t order_rows(const struct mail_threads *thr, int threaded, size_t nrows,
			 enum sort_key sort, int desc, const unsigned char *collapsed,
			 uint32_t *order, uint32_t *hidden)
{
	static const enum mail_tsort key[] = { MAIL_TSORT_DATE, MAIL_TSORT_DATE, MAIL_TSORT_FROM,
					       MAIL_TSORT_SUBJECT, MAIL_TSORT_SIZE };

	if (!nrows)
		return 0;
	if (!threaded) { /* the first page, newest first, until the index is threaded */
		for (size_t i = 0; i < nrows; i++)
			order[i] = (uint32_t)i;
		memset(hidden, 0, nrows * sizeof *hidden);
		return nrows;
	}
	if (sort == SORT_THREAD)
		return mail_thread_order_collapsed(thr, !desc, collapsed, order, hidden);
	/* dates newest first by default, the others A to Z */
	mail_thread_sort(thr, key[sort], sort == SORT_DATE ? !desc : desc, order);
	memset(hidden, 0, nrows * sizeof *hidden);
	return nrows;
}

/* Order the rows as the sort says (threads kept collapsed as they were). */
static void arrange(struct mail_view *v)
{
	v->norder = order_rows(&v->thr, v->threaded, v->nrows, v->sort, v->desc, v->collapsed,
			       v->order, v->hidden);
}

/* arrange, without the rows that left the folder (nor counted among the
 * messages a collapsed thread hides) */
static void arrange_shown(struct mail_view *v)
{
	uint32_t *gone = NULL;
	size_t k = 0;

	arrange(v);
	if (!v->ngone)
		return;
	if (v->threaded) {
		gone = xcalloc(v->thr.nthr + 1, sizeof *gone);
		for (size_t i = 0; i < v->nrows; i++)
			gone[v->thr.node[i].tidx] += v->rows[i].gone;
	}
	for (size_t i = 0; i < v->norder; i++) {
		uint32_t r = v->order[i], h = v->hidden[i];

		if (v->rows[r].gone)
			continue;
		if (h && gone)
			h -= gone[v->thr.node[r].tidx] < h ? gone[v->thr.node[r].tidx] : h;
		v->order[k] = r;
		v->hidden[k++] = h;
	}
	v->norder = k;
	free(gone);
}

static int cmp_i64(const void *x, const void *y)
{
	int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;
	return a < b ? -1 : a > b;
}

static size_t put_str(struct buf *a, sqlite3_stmt *st, int i)
{
	const char *s = (const char *)sqlite3_column_text(st, i);
	size_t off = a->len;

	if (!s)
		return (size_t)-1;
	buf_add(a, s, (size_t)sqlite3_column_bytes(st, i) + 1);
	return off;
}

static void fold_list_free(struct fold *f, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(f[i].wire);
		free(f[i].shown);
	}
	free(f);
}

static void folds_free(struct mail_view *v)
{
	fold_list_free(v->folds, v->nfolds);
	v->folds = NULL;
	v->nfolds = 0;
}

static char *shown_name(const char *wire)
{
	struct buf b;

	buf_init(&b);
	if (mail_mutf7_decode(wire, &b) < 0) {
		buf_reset(&b);
		buf_adds(&b, wire);
	}
	buf_cstr(&b);
	return buf_detach(&b);
}

static char *dup_col(sqlite3_stmt *st, int i)
{
	const char *s = (const char *)sqlite3_column_text(st, i);
	return xstrdup(s ? s : "");
}

/* An account's folder list, the inbox first, with their unread counts
 * (the loader thread calls it too: it touches no view). */
static void folds_read(sqlite3 *db, const char *acct, struct fold **out, size_t *n,
		       int *inbox_unread)
{
	sqlite3_stmt *st;

	*out = NULL;
	*n = 0;
	*inbox_unread = 0;
	if (sqlite3_prepare_v2(db,
			       "SELECT f.name, f.special, (SELECT count(*) FROM mail_msg m"
			       " WHERE m.folder=f.id AND (m.flags & 1) = 0)"
			       " FROM mail_folder f WHERE f.account=?1"
			       " ORDER BY f.special IS NOT 'inbox', f.name",
			       -1, &st, NULL) != SQLITE_OK)
		return;
	sqlite3_bind_text(st, 1, acct, -1, SQLITE_STATIC);
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *sp = (const char *)sqlite3_column_text(st, 1);
		*out = xreallocarray(*out, *n + 1, sizeof **out);
		struct fold *f = &(*out)[(*n)++];
		f->wire = dup_col(st, 0);
		f->shown = shown_name(f->wire);
		f->unread = sqlite3_column_int(st, 2);
		if (sp && !strcmp(sp, "inbox"))
			*inbox_unread = f->unread;
	}
	sqlite3_finalize(st);
}

/* Show a folder list read (taken over). */
static void folds_set(struct mail_view *v, struct fold *folds, size_t n, int inbox_unread)
{
	folds_free(v);
	v->folds = folds;
	v->nfolds = n;
	v->inbox_unread = inbox_unread;
	if (v->fsel >= n)
		v->fsel = n ? n - 1 : 0;
}

/* The folder list and the inbox's unread count, now. */
static void reload_folds(struct mail_view *v)
{
	struct fold *f;
	size_t n;
	int unread;

	if (!v->env->store || need_acct(v) < 0)
		return;
	folds_read(store_cache(v->env->store), mail_acct_key(v->ma), &f, &n, &unread);
	folds_set(v, f, n, unread);
}

static void reload(struct mail_view *v);

/* Read the index, the folders and the inbox's unread count again; the
 * selection stays on the same message when it is still there. */
/* An index read from the store: rows (their strings in arena) and, once
 * threaded, trows and thr. */
struct index {
	struct row *rows;
	size_t nrows;
	struct buf arena;
	struct mail_trow *trows;
	struct mail_threads thr;
	int threaded;
	/* arranged (index_arrange): as the view lists them */
	int arranged;
	uint32_t *order, *hidden;
	unsigned char *collapsed;
	size_t norder;
};

static void index_free(struct index *ix)
{
	free(ix->rows);
	buf_free(&ix->arena);
	free(ix->trows);
	if (ix->threaded)
		mail_thread_free(&ix->thr);
	free(ix->order);
	free(ix->hidden);
	free(ix->collapsed);
	memset(ix, 0, sizeof *ix);
}

/* The collapsed threads, by the id of their first message (sorted), to
 * collapse them again in a new index; NULL when there are none. */
static int64_t *collapsed_ids(const struct mail_view *v, size_t *n)
{
	int64_t *ids = NULL;

	*n = 0;
	if (!v->threaded || !v->collapsed)
		return NULL;
	for (size_t t = 0; t < v->thr.nthr; t++)
		if (v->collapsed[t]) {
			ids = xreallocarray(ids, *n + 1, sizeof *ids);
			ids[(*n)++] = v->rows[v->thr.thr[t].root].id;
		}
	if (*n)
		qsort(ids, *n, sizeof *ids, cmp_i64);
	return ids;
}

/* List ix's rows as sort and desc say, the threads of the messages in
 * ids (sorted) collapsed: on the loader thread, so that showing a new
 * index of 100,000 rows costs the screen no sort (8 ms). */
static void index_arrange(struct index *ix, enum sort_key sort, int desc, const int64_t *ids,
			  size_t nids)
{
	ix->arranged = 1;
	if (!ix->nrows)
		return;
	ix->order = xcalloc(ix->nrows, sizeof *ix->order);
	ix->hidden = xcalloc(ix->nrows, sizeof *ix->hidden);
	if (ix->threaded) {
		ix->collapsed = xcalloc(ix->thr.nthr + 1, 1);
		for (size_t i = 0; nids && i < ix->nrows; i++)
			if (bsearch(&ix->rows[i].id, ids, nids, sizeof *ids, cmp_i64))
				ix->collapsed[ix->thr.node[i].tidx] = 1;
	}
	ix->norder = order_rows(&ix->thr, ix->threaded, ix->nrows, sort, desc, ix->collapsed,
				ix->order, ix->hidden);
}

/* A folder's rows (folder NULL: the inbox); limit > 0: only the newest. */
static void index_read(sqlite3 *db, const char *acct, const char *folder, long limit,
		       struct index *ix)
{
	/* The whole folder in UID order: the (folder, uid) index walks the
	 * rows in about the order they were written, with no sort (an ORDER
	 * BY that a bound limit turned off still sorted every row: 40% of
	 * the read). The order does not matter: the view sorts. */
	static const char cols[] = "SELECT m.id, m.date, m.from_addr, m.subject, m.flags,"
				   " m.has_attachment, m.size, m.message_id, m.in_reply_to, m.refs"
				   " FROM mail_msg m WHERE m.folder=(SELECT f.id FROM mail_folder f"
				   " WHERE f.account=?1 AND (CASE WHEN ?2 IS NULL THEN"
				   " f.special='inbox' ELSE f.name=?2 END))";
	char sql[sizeof cols + 64];
	sqlite3_stmt *st;
	size_t cap = 0;

	memset(ix, 0, sizeof *ix);
	buf_init(&ix->arena);
	snprintf(sql, sizeof sql, "%s%s", cols,
		 limit > 0 ? " ORDER BY m.date DESC LIMIT ?3" : " ORDER BY m.uid");
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return;
	sqlite3_bind_text(st, 1, acct, -1, SQLITE_STATIC);
	if (folder)
		sqlite3_bind_text(st, 2, folder, -1, SQLITE_STATIC);
	if (limit > 0)
		sqlite3_bind_int64(st, 3, limit);
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (ix->nrows == cap) {
			cap = cap ? cap * 2 : 256;
			ix->rows = xreallocarray(ix->rows, cap, sizeof *ix->rows);
		}
		struct row *r = &ix->rows[ix->nrows++];
		memset(r, 0, sizeof *r);
		r->id = sqlite3_column_int64(st, 0);
		r->date = sqlite3_column_int64(st, 1);
		r->from = put_str(&ix->arena, st, 2);
		r->subject = put_str(&ix->arena, st, 3);
		r->flags = (unsigned)sqlite3_column_int(st, 4);
		r->att = sqlite3_column_int(st, 5);
		r->size = sqlite3_column_int64(st, 6);
		r->msgid = put_str(&ix->arena, st, 7);
		r->irt = put_str(&ix->arena, st, 8);
		r->refs = put_str(&ix->arena, st, 9);
	}
	sqlite3_finalize(st);
}

static const char *ix_str(const struct index *ix, size_t off)
{
	return off == (size_t)-1 ? NULL : ix->arena.data + off;
}

static void index_thread(struct index *ix)
{
	if (!ix->nrows)
		return;
	ix->trows = xcalloc(ix->nrows, sizeof *ix->trows);
	for (size_t i = 0; i < ix->nrows; i++) {
		struct row *r = &ix->rows[i];
		struct mail_trow *t = &ix->trows[i];
		t->id = r->id;
		t->date = r->date;
		t->size = r->size;
		t->flags = r->flags;
		t->from = ix_str(ix, r->from);
		t->subject = ix_str(ix, r->subject);
		t->message_id = ix_str(ix, r->msgid);
		t->in_reply_to = ix_str(ix, r->irt);
		t->refs = ix_str(ix, r->refs);
	}
	mail_thread_build(&ix->thr, ix->trows, ix->nrows);
	ix->threaded = 1;
}

/* Show ix (taken over): the selection stays on its message, collapsed
 * threads stay collapsed. ix arranged elsewhere must have been arranged
 * as the view is now. */
static void install(struct mail_view *v, struct index *ix)
{
	int64_t keep = v->sel < v->norder ? v->rows[v->order[v->sel]].id : 0;

	if (!ix->arranged) {
		size_t nids;
		int64_t *ids = collapsed_ids(v, &nids);

		index_arrange(ix, v->sort, v->desc, ids, nids);
		free(ids);
	}
	rows_free(v);
	v->rows = ix->rows;
	v->nrows = ix->nrows;
	v->arena = ix->arena;
	v->trows = ix->trows;
	v->thr = ix->thr;
	v->threaded = ix->threaded;
	/* thr.rows points at trows, which moved with it */
	v->order = ix->order;
	v->hidden = ix->hidden;
	v->collapsed = ix->collapsed;
	v->norder = ix->norder;
	memset(ix, 0, sizeof *ix);
	v->partial = !v->threaded;
	v->sel = 0;
	for (size_t i = 0; i < v->norder; i++)
		if (v->rows[v->order[i]].id == keep)
			v->sel = i;
}

struct loadjob {
	struct mail_view *v;
	struct store *st;  /* the loader's connection (made by it the first time) */
	struct store *src; /* what it is a clone of */
	char *key, *folder;
	uint64_t gen;
	struct index ix;
	/* the view's arrangement when the load began, for the loader to
	 * list the rows the same way */
	enum sort_key sort;
	int desc;
	uint64_t arr_gen;
	int64_t *ids;
	size_t nids;
	/* the account's folder list, read after the index */
	struct fold *folds;
	size_t nfolds;
	int inbox_unread;
};

static void loadjob_free(struct loadjob *lj)
{
	fold_list_free(lj->folds, lj->nfolds);
	index_free(&lj->ix);
	free(lj->ids);
	free(lj->key);
	free(lj->folder);
	free(lj);
}

static void loaded(void *arg)
{
	struct loadjob *lj = arg;
	struct mail_view *v = lj->v;

	if (!v->lstore)
		v->lstore = lj->st; /* kept for the next load; closed with the view */
	if (!v->stopping) {
		pthread_join(v->loader, NULL);
		v->loading_index = 0;
		/* the next no sooner than this one took: at most half a core */
		v->load_next = 2 * loop_now_ms() - v->load_began;
		if (lj->gen == v->load_gen) {
			if (lj->arr_gen != v->arr_gen) { /* re-sorted meanwhile: again here */
				free(lj->ix.order);
				free(lj->ix.hidden);
				free(lj->ix.collapsed);
				lj->ix.order = lj->ix.hidden = NULL;
				lj->ix.collapsed = NULL;
				lj->ix.arranged = 0;
			}
			install(v, &lj->ix);
		}
		folds_set(v, lj->folds, lj->nfolds, lj->inbox_unread);
		lj->folds = NULL;
		lj->nfolds = 0;
		redraw(v);
		if (v->reload_again) {
			v->reload_again = 0;
			reload(v);
		}
	}
	loadjob_free(lj);
}

static void *loader_main(void *arg)
{
	struct loadjob *lj = arg;
	struct err e;

	thread_background();
	/* Opening the connection here spares the first screen its cost.
	 * Without one, the main connection (serialized: safe to share). */
	if (!lj->st && store_clone(lj->src, &lj->st, &e) < 0)
		lj->st = NULL;
	index_read(store_cache(lj->st ? lj->st : lj->src), lj->key, lj->folder, 0, &lj->ix);
	index_thread(&lj->ix);
	index_arrange(&lj->ix, lj->sort, lj->desc, lj->ids, lj->nids);
	folds_read(store_cache(lj->st ? lj->st : lj->src), lj->key, &lj->folds, &lj->nfolds,
		   &lj->inbox_unread);
	loop_post(lj->v->env->loop, loaded, lj);
	return NULL;
}

/* How many messages the folder shown has (the title, while the index is
 * only its first page). */
static int64_t folder_total(struct mail_view *v)
{
	sqlite3_stmt *st;
	int64_t n = 0;

	if (sqlite3_prepare_v2(store_cache(v->env->store),
			       "SELECT count(*) FROM mail_msg m JOIN mail_folder f ON f.id=m.folder"
			       " WHERE f.account=?1 AND (CASE WHEN ?2 IS NULL THEN f.special='inbox'"
			       " ELSE f.name=?2 END)",
			       -1, &st, NULL) != SQLITE_OK)
		return 0;
	sqlite3_bind_text(st, 1, mail_acct_key(v->ma), -1, SQLITE_STATIC);
	if (v->folder)
		sqlite3_bind_text(st, 2, v->folder, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

/* SQLite's count of commits by other connections (the worker's). */
static int64_t data_version(struct mail_view *v)
{
	sqlite3_stmt *st;
	int64_t dv = -1;

	if (!v->env->store ||
	    sqlite3_prepare_v2(store_cache(v->env->store), "PRAGMA data_version", -1, &st, NULL) !=
		    SQLITE_OK)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		dv = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return dv;
}

/* Read the index again (the folders at once, the messages on the loader
 * thread; a folder shown for the first time gets its newest page now). */
/* Start the loader on the folder shown; 1 when there was no thread and the
 * whole index was read and installed here. */
static int load_start(struct mail_view *v)
{
	struct loadjob *lj = xcalloc(1, sizeof *lj);

	lj->v = v;
	lj->key = xstrdup(mail_acct_key(v->ma));
	lj->folder = v->folder ? xstrdup(v->folder) : NULL;
	lj->gen = ++v->load_gen;
	lj->st = v->lstore;
	lj->src = v->env->store;
	lj->sort = v->sort;
	lj->desc = v->desc;
	lj->arr_gen = v->arr_gen;
	lj->ids = collapsed_ids(v, &lj->nids);
	v->load_began = loop_now_ms();
	if (pthread_create(&v->loader, NULL, loader_main, lj) != 0) {
		/* no thread: here, the screen waits this once */
		index_read(store_cache(v->env->store), lj->key, lj->folder, 0, &lj->ix);
		index_thread(&lj->ix);
		install(v, &lj->ix);
		loadjob_free(lj);
		return 1;
	}
	v->loading_index = 1;
	return 0;
}

static void load_due(void *arg)
{
	struct mail_view *v = arg;

	v->load_timer = 0;
	if (!v->stopping)
		reload(v);
}

static void reload(struct mail_view *v)
{
	int64_t now = loop_now_ms();
	int first;

	if (!v->env->store || need_acct(v) < 0)
		return;
	v->seen_version = data_version(v);
	first = !v->shown_folder || strcmp(v->shown_folder, v->folder ? v->folder : "");
	if (first) {
		free(v->shown_folder);
		v->shown_folder = xstrdup(v->folder ? v->folder : "");
		v->sel = v->top = 0;
		v->load_gen++; /* a load of the folder shown before is of no use */
	}
	/* The loader first: it reads, threads and sorts the whole folder and
	 * reads the folder list on another core while this thread reads the
	 * first page. */
	if (first && v->load_timer) {
		loop_del_timer(v->env->loop, v->load_timer);
		v->load_timer = 0;
	}
	if (v->loading_index) {
		v->reload_again = 1;
	} else if (!first && now < v->load_next) {
		/* A sync under way changes the folder at every batch, and the
		 * Mail tab coming to the front reads it again: loads back to
		 * back (each of 100,000 rows a third of a second of a core)
		 * took the CPU the screen and the sync need. */
		if (!v->load_timer)
			v->load_timer = loop_add_timer(v->env->loop, (int)(v->load_next - now), 0,
						       load_due, v);
	} else if (load_start(v) && first) {
		first = 0; /* the whole index is there already */
	}
	/* The folder list comes with the index (counting the unread of a
	 * folder of 100,000 took the screen up to 6 ms); the first time and
	 * when no load runs or waits, now. */
	if (!v->nfolds || (!v->loading_index && !v->load_timer))
		reload_folds(v);
	if (first) {
		/* a folder shown for the first time: its newest page now */
		struct index ix;
		index_read(store_cache(v->env->store), mail_acct_key(v->ma), v->folder, 200, &ix);
		install(v, &ix);
		v->total = folder_total(v);
	}
}

/* ---- the message view ---------------------------------------------------------------- */

static void wrapped_free(struct mail_view *v)
{
	for (size_t i = 0; i < v->nlines; i++)
		free(v->lines[i]);
	free(v->lines);
	v->lines = NULL;
	v->nlines = 0;
	v->wrap_w = 0;
}

static void lines_free(struct mail_view *v)
{
	wrapped_free(v);
	for (size_t i = 0; i < v->nsrc; i++)
		free(v->src[i]);
	free(v->src);
	v->src = NULL;
	v->nsrc = v->scroll = 0;
}

static void add_line(struct mail_view *v, const char *s, size_t len)
{
	v->src = xreallocarray(v->src, v->nsrc + 1, sizeof *v->src);
	v->src[v->nsrc++] = xstrndup(s, len);
}

static void push_row(struct mail_view *v, const char *s, size_t len)
{
	v->lines = xreallocarray(v->lines, v->nlines + 1, sizeof *v->lines);
	v->lines[v->nlines++] = xstrndup(s, len);
}

/* The lines as drawn: untrusted text made safe first (its placeholders
 * take columns), then wrapped where the language allows a break. */
static void rewrap(struct mail_view *v, int cols)
{
	struct buf b;

	wrapped_free(v);
	v->wrap_w = cols;
	buf_init(&b);
	for (size_t i = 0; i < v->nsrc; i++) {
		buf_reset(&b);
		ui_sanitize(v->src[i], strlen(v->src[i]), &b);
		const char *p = buf_cstr(&b);
		size_t len = b.len;
		if (!len)
			push_row(v, "", 0);
		while (len) {
			size_t n = txt_wrap(p, len, (size_t)cols);
			push_row(v, p, n);
			p += n;
			len -= n;
		}
	}
	buf_free(&b);
}

static void add_text(struct mail_view *v, const char *p, size_t len)
{
	const char *e = p + len;

	while (p < e) {
		const char *nl = memchr(p, '\n', (size_t)(e - p));
		size_t l = nl ? (size_t)(nl - p) : (size_t)(e - p);
		add_line(v, p, l && p[l - 1] == '\r' ? l - 1 : l);
		p += l + (nl != NULL);
	}
}

static void show_body(struct mail_view *v, const struct buf *b)
{
	struct mail_text t;
	static const char *const names[] = { "From", "To", "Cc", "Date", "Subject" };

	lines_free(v);
	mail_text_parse(b->data ? b->data : "", b->len, &t);
	const char *vals[] = { t.from, t.to, t.cc, t.date, t.subject };
	for (size_t i = 0; i < nitems(names); i++) {
		char *l;
		if (!vals[i])
			continue;
		xasprintf(&l, "%s: %s", names[i], vals[i]);
		add_line(v, l, strlen(l));
		free(l);
	}
	add_line(v, "", 0);
	if (t.text) {
		add_text(v, t.text, t.text_len);
	} else {
		char msg[300], ids[32];
		snprintf(ids, sizeof ids, "%lld", (long long)v->msg_id);
		trf(msg, sizeof msg, "mail.no_text", TR_S(ids));
		add_line(v, msg, strlen(msg));
	}
	/* the links of an HTML text, then the attachments: a digit opens one */
	for (size_t i = 0; i < t.nlinks; i++) {
		char *l;
		if (i == 0)
			add_line(v, "", 0);
		xasprintf(&l, "[%zu] %s", i + 1, t.links[i]);
		add_line(v, l, strlen(l));
		free(l);
	}
	for (size_t i = 0; i < t.natt; i++) {
		char *l, t1[200];
		if (i == 0) {
			add_line(v, "", 0);
			add_line(v, tr("mail.att_keys"), strlen(tr("mail.att_keys")));
		}
		xasprintf(&l, "%s %s (%s, %s)", i < 9 ? (char[]){ '[', (char)('1' + i), ']', 0 } : "   ",
			  t.att[i].name, t.att[i].type, trf(t1, sizeof t1, "mail.att_size", TR_N(t.att[i].size)));
		add_line(v, l, strlen(l));
		free(l);
	}
	v->natt = t.natt;
	buf_reset(&v->msg_raw);
	buf_add(&v->msg_raw, b->data ? b->data : "", b->len);
	mail_text_free(&t);
}

/* Where saved attachments go: [mail] download_dir, else ~/Downloads. */
static char *download_dir(struct mail_view *v)
{
	const char *d = conf_get(v->env->conf, "mail", "download_dir"), *home = getenv("HOME");
	char *out;

	if (d && *d)
		return xstrdup(d);
	xasprintf(&out, "%s/Downloads", home && *home ? home : ".");
	return out;
}

/* Save attachment n (from 1; 0: all) into dir; *made the last name. */
static int save_att(struct mail_view *v, const char *dir, size_t n, char **made, int *count,
		    struct err *e)
{
	struct mail_text t;
	int dfd, rc = 0;

	*count = 0;
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return err_set(e, E_IO, "%s: %s", dir, strerror(errno));
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return err_set(e, E_IO, "%s: %s", dir, strerror(errno));
	mail_text_parse(v->msg_raw.data ? v->msg_raw.data : "", v->msg_raw.len, &t);
	for (size_t i = n ? n : 1; rc == 0 && i <= (n ? n : t.natt); i++) {
		struct buf data;
		char *safe = mail_safe_name(i <= t.natt ? t.att[i - 1].name : "", (int)i);
		buf_init(&data);
		rc = mail_attach_data(v->msg_raw.data ? v->msg_raw.data : "", v->msg_raw.len, &t, i,
				      &data, e);
		if (rc == 0) {
			free(*made);
			*made = NULL;
			rc = mail_save_unique(dfd, safe, data.data ? data.data : "", data.len, made, e);
		}
		if (rc == 0)
			(*count)++;
		buf_free(&data);
		free(safe);
	}
	mail_text_free(&t);
	close(dfd);
	return rc;
}

/* Remove an attachment's private folder (one level: the saved file). */
static void att_dir_remove(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	if (d) {
		while ((de = readdir(d)) != NULL)
			if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
				unlinkat(dirfd(d), de->d_name, 0);
		closedir(d);
	}
	rmdir(dir);
}

/* A private folder in memory when the system has one: /dev/shm, else the
 * user's runtime folder, else /tmp (mode 0700 from mkdtemp in each). */
static char *att_dir_make(void)
{
	const char *run = getenv("XDG_RUNTIME_DIR");
	const char *bases[] = { "/dev/shm", run && *run == '/' ? run : NULL, "/tmp" };

	for (size_t i = 0; i < nitems(bases); i++) {
		char *t;
		if (!bases[i])
			continue;
		xasprintf(&t, "%s/atrium-att.XXXXXX", bases[i]);
		if (mkdtemp(t))
			return t;
		free(t);
	}
	return NULL;
}

/* A digit in the message view: a workbook opens in sheets, text in docs
 * (from a private folder in memory, /dev/shm, when there is one), anything
 * else is saved to the download folder. */
static void open_att(struct mail_view *v, size_t n)
{
	struct err e;
	char *made = NULL, *dir = NULL, t[700];
	const char *ext, *module = NULL;
	int count;

	err_clear(&e);
	{
		struct mail_text mt;
		mail_text_parse(v->msg_raw.data ? v->msg_raw.data : "", v->msg_raw.len, &mt);
		const char *name = n <= mt.natt ? mt.att[n - 1].name : "";
		const char *type = n <= mt.natt ? mt.att[n - 1].type : "";
		ext = strrchr(name, '.');
		if (ext && (!strcasecmp(ext, ".xlsx") || !strcasecmp(ext, ".ods") ||
			    !strcasecmp(ext, ".csv")))
			module = "sheets";
		else if (!strncmp(type, "text/", 5) ||
			 (ext && (!strcasecmp(ext, ".txt") || !strcasecmp(ext, ".md"))))
			module = "docs";
		mail_text_free(&mt);
	}
	if (module && (dir = att_dir_make()) != NULL) {
		v->att_dirs = xreallocarray(v->att_dirs, v->natt_dirs + 1, sizeof *v->att_dirs);
		v->att_dirs[v->natt_dirs++] = xstrdup(dir);
	}
	if (!dir)
		dir = download_dir(v);
	if (save_att(v, dir, n, &made, &count, &e) < 0) {
		note(v, UI_ERROR, e.msg);
	} else if (module) {
		char *path, *argv[3];
		xasprintf(&path, "%s/%s", dir, made);
		argv[0] = (char *)module;
		argv[1] = "open";
		argv[2] = path;
		if (tui_run_in(3, argv) != 0)
			note(v, UI_ERROR, tr("files.no_module"));
		free(path);
	} else {
		note(v, UI_DIM, trf(t, sizeof t, "mail.att_saved", TR_S(dir), TR_S(made ? made : "")));
	}
	free(made);
	free(dir);
}

/* The cached body on this thread (a blob read); 1 when there was one. */
static int cached_body(struct mail_view *v, int64_t id, struct buf *out)
{
	sqlite3_stmt *st;
	char *blob = NULL;
	struct err e;
	int ok = 0;

	if (sqlite3_prepare_v2(store_cache(v->env->store),
			       "SELECT body_blob FROM mail_msg WHERE id=?1", -1, &st, NULL) != SQLITE_OK)
		return 0;
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
		blob = xstrdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	if (blob)
		ok = store_blob_get(v->env->store, blob, out, &e) == 0;
	free(blob);
	return ok;
}

int mail_view_open(struct mail_view *v, int64_t id, struct err *e)
{
	struct buf b;
	int rc;

	buf_init(&b);
	/* opened is read: queued for the server like any change */
	for (size_t i = 0; i < v->nrows; i++)
		if (v->rows[i].id == id && !(v->rows[i].flags & IMAP_F_SEEN) && need_acct(v) == 0) {
			struct err e2;
			if (mail_act_mark(v->ma, &id, 1, MAIL_READ, &e2) == 0) {
				v->rows[i].flags |= IMAP_F_SEEN;
				mail_view_replay(v, &e2);
			}
			break;
		}
	v->msg_id = id;
	v->mode = M_MSG;
	v->loading = 0;
	lines_free(v);
	if (v->env->store && cached_body(v, id, &b)) {
		show_body(v, &b);
		buf_free(&b);
		redraw(v);
		return 0;
	}
	buf_free(&b);
	if ((rc = worker_start(v, e)) < 0) {
		v->mode = M_LIST;
		return rc;
	}
	struct mjob *j = job_new(J_BODY);
	j->id = id;
	j->offline = v->env->offline;
	v->loading = 1;
	submit(v, j);
	redraw(v);
	return 0;
}

/* ---- writing (write.c): m new, r reply, R reply to all, f forward ------------------- */

static void write_replay(void *arg)
{
	struct err e;

	mail_view_replay(arg, &e);
}

static int write_start(struct mail_view *v, int key)
{
	enum mail_write_kind k = key == 'r' ? MAIL_WRITE_REPLY : key == 'R' ? MAIL_WRITE_REPLY_ALL
				 : key == 'f' ? MAIL_WRITE_FORWARD : MAIL_WRITE_NEW;
	int64_t id = 0;
	struct buf b;
	struct err e;

	if (need_acct(v) < 0)
		return 1;
	buf_init(&b);
	err_clear(&e);
	if (k != MAIL_WRITE_NEW) {
		id = v->mode == M_MSG ? v->msg_id : listed(v, v->sel) ? listed(v, v->sel)->id : 0;
		if (!id || (v->mode == M_MSG && v->loading))
			return 1;
		if (!cached_body(v, id, &b)) {
			/* the worker fetches it; the screen opens once it is here */
			buf_free(&b);
			if (mail_view_open(v, id, &e) < 0)
				note(v, UI_ERROR, e.msg);
			else
				v->write_pending = key;
			return 1;
		}
	}
	v->w = mail_write_new(v->env, v->ma, k, id, &b, write_replay, v, &e);
	buf_free(&b);
	if (!v->w) {
		note(v, UI_ERROR, e.msg);
		return 1;
	}
	v->write_back = v->mode;
	v->mode = M_WRITE;
	redraw(v);
	return 1;
}

static int key_write(struct mail_view *v, int key)
{
	int used = mail_write_key(v->w, key);
	int64_t entry;
	char t[600];
	enum ui_role role;

	if (mail_write_closed(v->w, &entry, t, sizeof t, &role)) {
		mail_write_free(v->w);
		v->w = NULL;
		v->mode = v->write_back == M_MSG && v->nsrc ? M_MSG : M_LIST;
		v->note[0] = 0;
		if (t[0])
			note(v, role, t);
		if (entry && !v->env->offline) {
			v->sent_entry = entry;
			write_replay(v);
		}
		reload(v);
		used = 1;
	}
	redraw(v);
	return used;
}

int mail_view_taking_text(struct mail_view *v)
{
	return v->mode == M_WRITE;
}

int mail_view_unsaved(struct mail_view *v)
{
	return v->mode == M_WRITE && mail_write_modified(v->w);
}

/* ---- results ------------------------------------------------------------------------ */

static void job_done(struct mail_view *v, struct mjob *j)
{
	if (j->kind == J_BODY) {
		if (v->mode != M_MSG || v->msg_id != j->id || !v->loading)
			return;
		v->loading = 0;
		if (j->rc < 0) {
			lines_free(v);
			add_line(v, j->e.msg, strlen(j->e.msg));
		} else {
			show_body(v, &j->body);
			if (v->write_pending)
				write_start(v, v->write_pending);
		}
		v->write_pending = 0;
		redraw(v);
		return;
	}
	if (j->kind == J_REPLAY) {
		v->replaying = 0;
		if (j->rc < 0) {
			v->state = j->rc == E_UNREACHABLE ? SVC_OFFLINE : SVC_ERROR;
			note(v, UI_WARN, j->e.msg);
		} else if (j->rs.failed || j->rs.conflicts) {
			char t[200], n[16];
			snprintf(n, sizeof n, "%d", j->rs.failed + j->rs.conflicts);
			note(v, UI_ERROR, trf(t, sizeof t, "mail.replay_failed", TR_S(n)));
			reload(v); /* a failed move's rows went back */
		}
		if (v->sent_entry && !v->replay_again) {
			char t[600];
			enum ui_role role;
			mail_write_outcome(v->ma, v->sent_entry, t, sizeof t, &role);
			note(v, role, t);
			v->sent_entry = 0;
		}
		if (v->replay_again) {
			struct err e;
			v->replay_again = 0;
			mail_view_replay(v, &e);
		}
		redraw(v);
		return;
	}
	v->syncing = 0;
	if (v->replay_again) {
		struct err e;
		v->replay_again = 0;
		mail_view_replay(v, &e);
	}
	if (j->rc == 0) {
		v->state = SVC_ONLINE;
		v->why[0] = 0;
		if (v->note_role == UI_DIM)
			v->note[0] = 0;
	} else {
		v->state = j->rc == E_UNREACHABLE ? SVC_OFFLINE : SVC_ERROR;
		snprintf(v->why, sizeof v->why, "%.120s", j->e.msg);
		note(v, j->rc == E_UNREACHABLE ? UI_WARN : UI_ERROR, j->e.msg);
		log_warn("mail: sync of %s: %s", j->folder ? j->folder : "the inbox", j->e.msg);
	}
	/* the index is read again only when the folder changed: at 100k
	 * messages that is a tenth of a second the screen would wait */
	if (j->count.added || j->count.changed || j->count.removed || !v->nrows)
		reload(v);
	else
		reload_folds(v);
	redraw(v);
}

int mail_view_replay(struct mail_view *v, struct err *e)
{
	int rc;

	if (v->env->offline)
		return 0; /* it waits in the outbox; the status line says offline */
	if ((rc = worker_start(v, e)) < 0)
		return rc;
	if (v->replaying || v->syncing) {
		/* one at a time: again when this one is done (a running sync
		 * replayed before the change was made) */
		v->replay_again = 1;
		return 0;
	}
	struct mjob *j = job_new(J_REPLAY);
	v->replaying = 1;
	submit(v, j);
	return 0;
}

int mail_view_sync(struct mail_view *v, struct err *e)
{
	int rc;

	if (v->env->offline) {
		v->state = SVC_OFFLINE;
		return err_set(e, E_UNREACHABLE, "%s", tr("mail.offline_forced"));
	}
	if ((rc = worker_start(v, e)) < 0)
		return rc;
	if (v->syncing)
		return 0;
	struct mjob *j = job_new(J_SYNC);
	j->folder = v->folder ? xstrdup(v->folder) : NULL;
	j->offline = 0;
	v->syncing = 1;
	if (v->state != SVC_ONLINE)
		v->state = SVC_CONNECTING;
	submit(v, j);
	note(v, UI_DIM, tr("mail.syncing"));
	return 0;
}

void mail_view_folder(struct mail_view *v, const char *wire)
{
	free(v->folder);
	v->folder = xstrdup(wire);
	v->mode = M_LIST;
	v->sel = v->top = 0;
	lines_free(v);
	v->loading = 0;
	reload(v);
	redraw(v);
}

static void on_timer(void *arg)
{
	struct mail_view *v = arg;
	struct err e;

	if (!v->env->offline)
		mail_view_sync(v, &e);
}

/* ---- the tab ---------------------------------------------------------------------- */

struct mail_view *mail_view_new(const struct module_env *env)
{
	struct mail_view *v = xcalloc(1, sizeof *v);

	v->env = env;
	v->state = SVC_OFFLINE;
	v->inbox_unread = -1;
	buf_init(&v->msg_raw);
	return v;
}

void mail_view_free(struct mail_view *v)
{
	if (!v)
		return;
	if (v->timer)
		loop_del_timer(v->env->loop, v->timer);
	if (v->load_timer)
		loop_del_timer(v->env->loop, v->load_timer);
	mail_write_free(v->w); /* keeps what was typed */
	worker_stop(v);
	if (v->loading_index) {
		v->stopping = 1;
		pthread_join(v->loader, NULL);
		loop_run_once(v->env->loop, 0); /* its result frees itself */
	}
	if (v->lstore)
		store_close(v->lstore);
	free(v->shown_folder);
	rows_free(v);
	folds_free(v);
	lines_free(v);
	buf_free(&v->msg_raw);
	free(v->folder);
	for (size_t i = 0; i < v->natt_dirs; i++) {
		att_dir_remove(v->att_dirs[i]);
		free(v->att_dirs[i]);
	}
	free(v->att_dirs);
	mail_acct_free(v->ma);
	free(v);
}

static const char *folder_title(struct mail_view *v)
{
	for (size_t i = 0; i < v->nfolds; i++)
		if (v->folder ? !strcmp(v->folds[i].wire, v->folder) : i == 0)
			return v->folds[i].shown;
	return v->folder ? v->folder : "INBOX";
}

static void draw_list(struct mail_view *v, struct ui_area *a, int h, int w)
{
	char t[200];

	ui_clear_row(a, 0, UI_TITLE);
	int x = 1 + ui_puts(a, 0, 1, folder_title(v), UI_TITLE);
	x += 2 + ui_puts(a, 0, 2 + x, trf(t, sizeof t, "mail.count",
				       TR_N(v->partial ? (size_t)v->total : v->nrows - v->ngone)), UI_TITLE);
	static const char *const sort_keys[] = { "mail.sort.thread", "mail.sort.date",
						 "mail.sort.from", "mail.sort.subject",
						 "mail.sort.size" };
	/* the newest page by date until the whole index is read and threaded */
	x += 2 + ui_puts(a, 0, 2 + x, tr(v->partial ? "mail.sort.date" : sort_keys[v->sort]),
			 UI_TITLE);
	if (v->loading_index)
		ui_puts(a, 0, 2 + x, "…", UI_TITLE);
	int rows = h - 2;
	if (rows < 1)
		return;
	v->page = rows;
	if (v->nrows == 0)
		ui_puts(a, 2, 2, tr(v->syncing ? "mail.syncing" : "mail.empty"), UI_DIM);
	struct buf sub;
	buf_init(&sub);
	if (v->sel < v->top)
		v->top = v->sel;
	if (v->sel >= v->top + (size_t)rows)
		v->top = v->sel - (size_t)rows + 1;
	for (int y = 0; y < rows && v->top + (size_t)y < v->norder; y++) {
		size_t li = v->top + (size_t)y;
		struct row *r = listed(v, li);
		const char *from = str_at(v, r->from), *subj = str_at(v, r->subject);
		int selected = v->top + (size_t)y == v->sel;
		enum ui_role role = selected ? UI_SELECTED : (r->flags & IMAP_F_SEEN) ? UI_NORMAL
										       : UI_BOLD;
		char marks[8], date[20];
		time_t tt = (time_t)r->date;
		struct tm tm;
		marks[0] = (r->flags & IMAP_F_DELETED) ? 'D' : (r->flags & IMAP_F_SEEN) ? ' ' : 'N';
		marks[1] = (r->flags & IMAP_F_FLAGGED) ? '!' : ' ';
		marks[2] = (r->flags & IMAP_F_ANSWERED) ? 'R' : ' ';
		marks[3] = r->att ? '@' : ' ';
		marks[4] = r->tagged ? '*' : ' ';
		marks[5] = 0;
		if (r->date > 0 && localtime_r(&tt, &tm))
			strftime(date, sizeof date, "%Y-%m-%d %H:%M", &tm);
		else
			snprintf(date, sizeof date, "-");
		ui_clear_row(a, 1 + y, role);
		ui_puts(a, 1 + y, 1, marks, role);
		ui_puts(a, 1 + y, 7, date, role);
		int fw = w > 80 ? 24 : 16;
		from = from ? from : "";
		subj = subj ? subj : "";
		ui_put(a, 1 + y, 24, fw, from, strlen(from), role);
		/* the thread's tree before the subject; a reply in a thread
		 * shows only the tree when its subject says nothing new */
		buf_reset(&sub);
		if (v->sort == SORT_THREAD && v->threaded) {
			uint32_t ri = v->order[li];
			mail_thread_prefix(&v->thr, ri, 8, &sub);
			if (v->hidden[li])
				buf_printf(&sub, "(%u) ", v->hidden[li] + 1);
		}
		buf_adds(&sub, subj);
		ui_put(a, 1 + y, 25 + fw, w - 26 - fw, buf_cstr(&sub), sub.len, role);
	}
	buf_free(&sub);
}

static void draw_folders(struct mail_view *v, struct ui_area *a, int h)
{
	ui_clear_row(a, 0, UI_TITLE);
	ui_puts(a, 0, 1, tr(v->picking == 'M' ? "mail.move_to" : v->picking == 'C' ? "mail.copy_to"
										 : "mail.folders"),
		UI_TITLE);
	for (int y = 0; y < h - 2 && (size_t)y < v->nfolds; y++) {
		struct fold *f = &v->folds[y];
		enum ui_role role = (size_t)y == v->fsel ? UI_SELECTED : UI_NORMAL;
		char n[16];
		ui_clear_row(a, 1 + y, role);
		int x = ui_puts(a, 1 + y, 2, f->shown, role);
		if (f->unread) {
			snprintf(n, sizeof n, "(%d)", f->unread);
			ui_puts(a, 1 + y, 3 + x, n, role);
		}
	}
	if (v->nfolds == 0)
		ui_puts(a, 2, 2, tr("mail.empty"), UI_DIM);
}

static void draw_msg(struct mail_view *v, struct ui_area *a, int h, int w)
{
	int rows = h - 1;

	v->page = rows;
	if (v->loading) {
		ui_puts(a, 1, 2, tr("mail.loading"), UI_DIM);
		return;
	}
	if (v->wrap_w != (w > 3 ? w - 2 : 1)) {
		rewrap(v, w > 3 ? w - 2 : 1);
		if (v->scroll >= v->nlines)
			v->scroll = v->nlines ? v->nlines - 1 : 0;
	}
	for (int y = 0; y < rows && v->scroll + (size_t)y < v->nlines; y++) {
		const char *s = v->lines[v->scroll + (size_t)y];
		ui_put(a, y, 1, w - 2, s, strlen(s), UI_NORMAL);
	}
}

void mail_view_draw(struct mail_view *v, struct ui_area *a, const struct account *acct)
{
	int h = ui_area_h(a), w = ui_area_w(a);

	/* the first tab gets no MEV_SHOWN at start */
	if (!v->kicked) {
		struct module_event ev = { MEV_SHOWN, NULL, NULL };
		v->kicked = 1;
		mail_view_event(v, &ev);
	}
	if (v->mode == M_WRITE) {
		mail_write_draw(v->w, a);
		return;
	}
	ui_clear(a, UI_NORMAL);
	if (v->mode == M_LIST && !v->nfolds && !v->nrows) {
		/* nothing cached yet (never synced): who and where */
		account_draw(acct, a);
		if (v->note[0])
			ui_puts(a, h - 1, 1, v->note, v->note_role);
		return;
	}
	if (v->mode == M_MSG)
		draw_msg(v, a, h, w);
	else if (v->mode == M_FOLDERS)
		draw_folders(v, a, h);
	else
		draw_list(v, a, h, w);
	if (v->note[0])
		ui_puts(a, h - 1, 1, v->note, v->note_role);
	else
		ui_puts(a, h - 1, 1, tr(v->mode == M_MSG ? "mail.keys_msg" : "mail.keys"), UI_DIM);
}

/* Move a selection by a key; 1 when the key was a move. */
static int move(size_t *sel, size_t n, int page, int key)
{
	size_t p = page > 1 ? (size_t)page - 1 : 1;

	if (!n)
		return key == 'j' || key == 'k' || key == UI_KEY_UP || key == UI_KEY_DOWN ||
		       key == 'g' || key == 'G' || key == UI_KEY_PGUP || key == UI_KEY_PGDN;
	switch (key) {
	case 'j':
	case UI_KEY_DOWN:
		if (*sel + 1 < n)
			(*sel)++;
		return 1;
	case 'k':
	case UI_KEY_UP:
		if (*sel)
			(*sel)--;
		return 1;
	case UI_KEY_PGDN:
		*sel = *sel + p < n ? *sel + p : n - 1;
		return 1;
	case UI_KEY_PGUP:
		*sel = *sel > p ? *sel - p : 0;
		return 1;
	case 'g':
	case UI_KEY_HOME:
		*sel = 0;
		return 1;
	case 'G':
	case UI_KEY_END:
		*sel = n - 1;
		return 1;
	}
	return 0;
}

static int key_msg(struct mail_view *v, int key)
{
	size_t max = v->nlines > (size_t)v->page ? v->nlines - (size_t)v->page : 0;

	if (key == 'm' || key == 'r' || key == 'R' || key == 'f')
		return write_start(v, key);
	if (key == 'q' || key == UI_KEY_ESC) {
		v->mode = M_LIST;
		v->write_pending = 0;
		lines_free(v);
		v->loading = 0;
		reload(v); /* a body fetched may have been the last unread */
		redraw(v);
		return 1;
	}
	if (key >= '1' && key <= '9' && !v->loading && (size_t)(key - '0') <= v->natt) {
		open_att(v, (size_t)(key - '0'));
		return 1;
	}
	if (key == 'S' && !v->loading && v->natt) {
		struct err e;
		char *dir = download_dir(v), *made = NULL, t[700], num[16];
		int count = 0;
		err_clear(&e);
		if (save_att(v, dir, 0, &made, &count, &e) < 0) {
			note(v, UI_ERROR, e.msg);
		} else {
			snprintf(num, sizeof num, "%d", count);
			note(v, UI_DIM, trf(t, sizeof t, "mail.att_saved_all", TR_S(num), TR_S(dir)));
		}
		free(made);
		free(dir);
		return 1;
	}
	if (key == ' ')
		key = UI_KEY_PGDN;
	size_t s = v->scroll;
	if (!move(&s, max + 1, v->page, key))
		return 0;
	v->scroll = s;
	redraw(v);
	return 1;
}

/* ---- actions: into the outbox and the cache now, to the server on the worker ------ */

/* After an action on the listed row li: its flags from the cache, or the
 * row leaves the list when the message left the folder. The rest of the
 * index stays as it is (reading 100k rows again would make the key slow);
 * the next sync that changes something reads it all again. */
static void refresh_listed(struct mail_view *v, size_t li)
{
	struct row *r = listed(v, li);
	sqlite3_stmt *st;
	int here = 0;

	if (!r)
		return;
	if (sqlite3_prepare_v2(store_cache(v->env->store),
			       "SELECT m.flags, (CASE WHEN ?2 IS NULL THEN f.special='inbox'"
			       " ELSE f.name=?2 END) FROM mail_msg m JOIN mail_folder f"
			       " ON f.id=m.folder WHERE m.id=?1",
			       -1, &st, NULL) != SQLITE_OK)
		return;
	sqlite3_bind_int64(st, 1, r->id);
	if (v->folder)
		sqlite3_bind_text(st, 2, v->folder, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		r->flags = (unsigned)sqlite3_column_int(st, 0);
		here = sqlite3_column_int(st, 1);
	}
	sqlite3_finalize(st);
	if (!here) {
		r->gone = 1;
		memmove(&v->order[li], &v->order[li + 1], (v->norder - li - 1) * sizeof *v->order);
		memmove(&v->hidden[li], &v->hidden[li + 1], (v->norder - li - 1) * sizeof *v->hidden);
		v->norder--;
		v->ngone++;
		if (v->sel >= v->norder && v->sel)
			v->sel--;
	}
	reload_folds(v);
}

static void acted(struct mail_view *v, int rc, struct err *e, const char *done_key)
{
	struct err e2;

	if (rc < 0) {
		note(v, UI_ERROR, e->msg);
		return;
	}
	if (v->picking || v->mode == M_LIST)
		refresh_listed(v, v->sel);
	else
		reload(v);
	if (done_key)
		note(v, UI_DIM, tr(done_key));
	if (mail_view_replay(v, &e2) < 0)
		note(v, UI_WARN, e2.msg);
	redraw(v);
}

/* What an action applies to: the tagged rows, else the selected one.
 * *all_flag: whether every one of them has flag. */
static size_t targets(struct mail_view *v, int64_t **ids, unsigned flag, int *all_flag)
{
	struct row *r = listed(v, v->sel);
	size_t n = 0;

	*ids = xcalloc(v->nrows + 1, sizeof **ids);
	*all_flag = 1;
	for (size_t i = 0; i < v->nrows; i++)
		if (v->rows[i].tagged && !v->rows[i].gone) {
			(*ids)[n++] = v->rows[i].id;
			*all_flag &= !!(v->rows[i].flags & flag);
		}
	if (!n && r) {
		(*ids)[n++] = r->id;
		*all_flag = !!(r->flags & flag);
	}
	return n;
}

static int tagged_any(const struct mail_view *v)
{
	for (size_t i = 0; i < v->nrows; i++)
		if (v->rows[i].tagged && !v->rows[i].gone)
			return 1;
	return 0;
}

static int act_key(struct mail_view *v, int key)
{
	struct row *r = listed(v, v->sel);
	struct err e;
	int64_t *ids;
	size_t n;
	int rc, all, multi;

	if (!r || need_acct(v) < 0)
		return 0;
	err_clear(&e);
	if (key == 't') { /* tag, and on to the next */
		r->tagged = !r->tagged;
		if (v->sel + 1 < v->norder)
			v->sel++;
		redraw(v);
		return 1;
	}
	if (key == 'T') { /* untag all */
		for (size_t i = 0; i < v->nrows; i++)
			v->rows[i].tagged = 0;
		redraw(v);
		return 1;
	}
	/* (a key code past ASCII must not pass for its low byte) */
	if (key > 0 && key < 128 && strchr("NFuda", key)) {
		n = targets(v, &ids, key == 'N' ? IMAP_F_SEEN : IMAP_F_FLAGGED, &all);
	} else {
		ids = NULL;
		n = 0;
		all = 0;
	}
	multi = tagged_any(v);
	switch (key) {
	case 'N':
		rc = mail_act_mark(v->ma, ids, n, all ? MAIL_UNREAD : MAIL_READ, &e);
		break;
	case 'F':
		rc = mail_act_mark(v->ma, ids, n, all ? MAIL_UNFLAG : MAIL_FLAG, &e);
		break;
	case 'u':
		rc = mail_act_mark(v->ma, ids, n, MAIL_UNDELETED, &e);
		break;
	case 'd':
		rc = mail_act_delete(v->ma, ids, n, &e);
		if (multi && rc == 0)
			reload(v);
		acted(v, rc, &e, "mail.deleted");
		free(ids);
		return 1;
	case 'a':
		rc = mail_act_archive(v->ma, ids, n, &e);
		if (multi && rc == 0)
			reload(v);
		acted(v, rc, &e, "mail.archived");
		free(ids);
		return 1;
	case 'M':
	case 'C':
		reload_folds(v);
		v->mode = M_FOLDERS;
		v->picking = key;
		v->fsel = 0;
		redraw(v);
		return 1;
	case '$': {
		char *wire = v->folder ? xstrdup(v->folder) : mail_special_folder(v->ma, "inbox");
		int cnt = 0;
		char t[200], num[16];
		rc = wire ? mail_act_expunge(v->ma, wire, &cnt, &e) : 0;
		free(wire);
		if (rc == 0) {
			snprintf(num, sizeof num, "%d", cnt);
			if (cnt)
				reload(v); /* several rows went */
			acted(v, 0, &e, NULL);
			note(v, UI_DIM, trf(t, sizeof t, "mail.expunged", TR_S(num)));
		} else {
			acted(v, rc, &e, NULL);
		}
		return 1;
	}
	default:
		return 0;
	}
	/* several rows changed: read them all again (on the loader) */
	if (multi && rc == 0)
		reload(v);
	acted(v, rc, &e, NULL);
	free(ids);
	return 1;
}

/* o, O, z, Z: the order of the index; the selection stays on its message. */
static int order_key(struct mail_view *v, int key)
{
	struct row *r = listed(v, v->sel);
	int64_t keep = r ? r->id : 0;

	switch (key) {
	case 'o':
		v->sort = (enum sort_key)((v->sort + 1) % SORT_N);
		break;
	case 'O':
		v->desc = !v->desc;
		break;
	case 'z':
		if (v->sort != SORT_THREAD || !r || !v->threaded)
			return 1;
		v->collapsed[v->thr.node[v->order[v->sel]].tidx] ^= 1;
		break;
	case 'Z': {
		if (v->sort != SORT_THREAD || !v->nrows || !v->threaded)
			return 1;
		int any = 0;
		for (size_t t = 0; t < v->thr.nthr; t++)
			any |= v->collapsed[t];
		memset(v->collapsed, !any, v->thr.nthr);
		break;
	}
	default:
		return 0;
	}
	v->arr_gen++; /* a load under way sorted the old way */
	arrange_shown(v);
	v->sel = 0;
	for (size_t i = 0; i < v->norder; i++) {
		const struct row *x = listed(v, i);
		/* a collapsed thread keeps the selection on its first row */
		if (x->id == keep || (v->sort == SORT_THREAD && r && v->threaded &&
				      v->thr.node[v->order[i]].tidx ==
					      v->thr.node[r - v->rows].tidx &&
				      v->hidden[i])) {
			v->sel = i;
			break;
		}
	}
	redraw(v);
	return 1;
}

/* Enter in the folder list while choosing where a message goes. */
static void pick_target(struct mail_view *v)
{
	struct err e;
	int copy = v->picking == 'C', rc;
	const char *target = v->fsel < v->nfolds ? v->folds[v->fsel].wire : NULL;

	v->picking = 0;
	v->mode = M_LIST;
	if (!target || !listed(v, v->sel))
		return;
	err_clear(&e);
	int64_t *ids;
	int all, multi = tagged_any(v);
	size_t n = targets(v, &ids, 0, &all);
	rc = mail_act_move(v->ma, ids, n, target, copy, &e);
	free(ids);
	if (multi && rc == 0)
		reload(v);
	acted(v, rc, &e, copy ? "mail.copied" : "mail.moved");
}

int mail_view_key(struct mail_view *v, int key)
{
	struct err e;

	if (v->mode == M_WRITE)
		return key_write(v, key);
	if (v->mode == M_MSG)
		return key_msg(v, key);
	if (v->mode == M_FOLDERS) {
		if (move(&v->fsel, v->nfolds, v->page, key)) {
			redraw(v);
			return 1;
		}
		if (key == UI_KEY_ENTER && v->picking) {
			pick_target(v);
			redraw(v);
			return 1;
		}
		if (key == UI_KEY_ENTER && v->fsel < v->nfolds) {
			free(v->folder);
			v->folder = v->fsel ? xstrdup(v->folds[v->fsel].wire) : NULL;
			v->mode = M_LIST;
			v->sel = v->top = 0;
			reload(v);
			if (!v->env->offline)
				mail_view_sync(v, &e);
			redraw(v);
			return 1;
		}
		if (key == 'q' || key == UI_KEY_ESC || key == 'c' || key == UI_KEY_TAB) {
			v->mode = M_LIST;
			v->picking = 0;
			redraw(v);
			return 1;
		}
		return 0;
	}
	if (move(&v->sel, v->norder, v->page, key)) {
		redraw(v);
		return 1;
	}
	switch (key) {
	case UI_KEY_ENTER:
		if (listed(v, v->sel) && mail_view_open(v, listed(v, v->sel)->id, &e) < 0)
			note(v, UI_ERROR, e.msg);
		return 1;
	case 'c':
	case UI_KEY_TAB:
		reload(v);
		v->mode = M_FOLDERS;
		v->fsel = 0;
		for (size_t i = 0; v->folder && i < v->nfolds; i++)
			if (!strcmp(v->folds[i].wire, v->folder))
				v->fsel = i;
		redraw(v);
		return 1;
	case 's':
		if (mail_view_sync(v, &e) < 0)
			note(v, UI_WARN, e.msg);
		return 1;
	case 'm':
	case 'r':
	case 'R':
	case 'f':
		return write_start(v, key);
	}
	if (order_key(v, key))
		return 1;
	return act_key(v, key);
}

void mail_view_event(struct mail_view *v, const struct module_event *ev)
{
	struct err e;

	if (ev->type == MEV_SHOWN) {
		/* back to the tab: read again only what another connection
		 * (the worker) changed meanwhile */
		int64_t dv = data_version(v);
		if (dv != v->seen_version || !v->shown_folder)
			reload(v);
		else
			redraw(v);
		if (!v->timer && !v->env->offline && v->env->store && need_acct(v) == 0) {
			v->timer = loop_add_timer(v->env->loop, SYNC_EVERY_MS, 1, on_timer, v);
			mail_view_sync(v, &e);
		}
		redraw(v);
	} else if (ev->type == MEV_OFFLINE) {
		if (v->env->offline) {
			v->state = SVC_OFFLINE;
			if (v->started) /* no more waiting on the server */
				submit(v, job_new(J_NOIDLE));
		} else if (v->env->store && need_acct(v) == 0) {
			if (!v->timer)
				v->timer = loop_add_timer(v->env->loop, SYNC_EVERY_MS, 1, on_timer, v);
			mail_view_sync(v, &e);
		}
		redraw(v);
	}
}

int mail_view_status(struct mail_view *v, struct module_status *st)
{
	if (!v->ma)
		return 0;
	st->state = v->env->offline ? SVC_OFFLINE : v->state;
	st->unread = v->inbox_unread;
	if (st->state == SVC_ERROR)
		snprintf(st->text, sizeof st->text, "%s", v->why);
	return 1;
}
