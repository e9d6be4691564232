/*
 * worker.c - the share for the screen: the same operations as the verbs,
 * run in order on a thread of their own (with its own loop driving
 * libcurl and its own connections to the store), so the screen never
 * waits for the network. Results come back on the main loop.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "modules/files/files_int.h"
#ifdef MOD_SHEETS
#include "modules/sheets/sheets.h"
#endif

enum job_kind { J_GET, J_PUT, J_LS, J_SYNC, J_RESOLVE, J_TRUST, J_PING, J_MKDIR, J_MOVE, J_COPY,
		J_RM, J_PIN, J_UNPIN, J_CELLS, J_RESOLVE_CELLS, J_QUIT };

struct fjob {
	enum job_kind kind;
	char *path, *take;
	struct buf data;  /* put / resolve content; get's result */
	int force;
	files_job_fn cb;
	void *arg;
	/* results */
	int rc;
	struct err e;
	char *etag;
	struct files_item *items;
	size_t n;
	int from_cache;
	int merged;
	struct sheets_conflict *cells;
	size_t ncells;
	char **choice;
	size_t nchoice;
	struct files_worker *w;
	struct fjob *next;
};

struct files_worker {
	const struct module_env *env; /* the main thread's */
	struct module_env wenv;       /* the worker's: its loop and store */
	struct loop *wloop;
	struct store *wstore;
	struct files *f;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct fjob *head, **tail;
	int queued;          /* jobs not yet finished */
	struct net_conn conn; /* a copy, under lock */
	char pin[NET_PIN_MAX];
	int stopping;
	int retry_timer;
	files_state_fn on_state;
	void *on_state_arg;
};

static void job_free(struct fjob *j)
{
#ifdef MOD_SHEETS
	sheets_conflicts_free(j->cells, j->ncells);
#endif
	for (size_t i = 0; i < j->nchoice; i++)
		free(j->choice[i]);
	free(j->choice);
	free(j->path);
	free(j->take);
	free(j->etag);
	buf_free(&j->data);
	files_items_free(j->items, j->n);
	free(j);
}

/* On the main loop: hand the result over. */
static void deliver(void *arg)
{
	struct fjob *j = arg;
	struct files_worker *w = j->w;

	pthread_mutex_lock(&w->lock);
	w->queued--;
	pthread_mutex_unlock(&w->lock);
	if (w->stopping) { /* the modules that asked may be gone */
		job_free(j);
		return;
	}
	if (j->cb) {
		struct files_result r = { .rc = j->rc, .e = &j->e, .path = j->path,
					  .data = &j->data, .etag = j->etag, .items = j->items,
					  .n = j->n, .from_cache = j->from_cache,
					  .merged = j->merged, .cells = j->cells,
					  .ncells = j->ncells };
		j->cb(j->arg, &r);
		/* a callback that keeps the items sets them to NULL */
		j->items = r.items;
		j->n = r.n;
		j->cells = r.cells;
		j->ncells = r.ncells;
	}
	if (w->on_state)
		w->on_state(w->on_state_arg);
	job_free(j);
}

static void run_job(struct files_worker *w, struct fjob *j)
{
	struct files *f = w->f;

	err_clear(&j->e);
	switch (j->kind) {
	case J_GET:
		j->rc = files_get(f, j->path, &j->data, &j->etag, &j->e);
		break;
	case J_PUT: {
		struct buf up;
		buf_init(&up);
		j->rc = files_put(f, j->path, j->data.data ? j->data.data : "", j->data.len, j->force,
				  &up, &j->merged, &j->e);
		if (j->merged) { /* the result's data: what went up */
			buf_free(&j->data);
			j->data = up;
		} else {
			buf_free(&up);
		}
		break;
	}
	case J_LS:
		j->rc = files_ls(f, j->path, &j->items, &j->n, &j->from_cache, &j->e);
		break;
	case J_SYNC:
		j->rc = files_sync(f, NULL, &j->e);
		break;
	case J_RESOLVE:
		j->rc = files_resolve(f, j->path, j->take, j->data.data ? j->data.data : "", j->data.len,
				      &j->e);
		break;
	case J_TRUST:
		j->rc = files_trust(f, j->take, &j->e);
		break;
	case J_PING:
		j->rc = files_ping(f, &j->e);
		break;
	case J_MKDIR:
		j->rc = files_mkdir(f, j->path, &j->e);
		break;
	case J_MOVE:
	case J_COPY:
		j->rc = files_move(f, j->path, j->take, j->kind == J_COPY, &j->e);
		break;
	case J_RM:
		j->rc = files_rm(f, j->path, &j->e);
		break;
	case J_PIN:
	case J_UNPIN:
		j->rc = files_pin(f, j->path, j->kind == J_PIN, &j->e);
		if (j->rc == 0 && j->kind == J_PIN)
			j->rc = files_refresh_pinned(f, NULL, &j->e);
		break;
	case J_CELLS:
#ifdef MOD_SHEETS
		{
			struct buf merged;
			buf_init(&merged);
			j->rc = files_conflict_cells(f, j->path, &merged, &j->cells, &j->ncells, &j->e);
			buf_free(&merged);
		}
#else
		j->rc = err_set(&j->e, E_USAGE, "this build has no sheets module");
#endif
		break;
	case J_RESOLVE_CELLS:
#ifdef MOD_SHEETS
		j->rc = files_resolve_cells(f, j->path, (const char *const *)j->choice, j->nchoice,
					    &j->e);
#else
		j->rc = err_set(&j->e, E_USAGE, "this build has no sheets module");
#endif
		break;
	case J_QUIT:
		break;
	}
	pthread_mutex_lock(&w->lock);
	w->conn = f->conn;
	memcpy(w->pin, f->probe_pin, sizeof w->pin);
	pthread_mutex_unlock(&w->lock);
}

static void *worker_main(void *arg)
{
	struct files_worker *w = arg;

	thread_background();

	for (;;) {
		struct fjob *j;
		pthread_mutex_lock(&w->lock);
		while (!w->head)
			pthread_cond_wait(&w->cond, &w->lock);
		j = w->head;
		w->head = j->next;
		if (!w->head)
			w->tail = &w->head;
		pthread_mutex_unlock(&w->lock);
		if (j->kind == J_QUIT) {
			job_free(j);
			break;
		}
		run_job(w, j);
		loop_post(w->env->loop, deliver, j);
	}
	return NULL;
}

int files_worker_start(const struct module_env *env, struct files_worker **out, struct err *e)
{
	struct files_worker *w;
	int rc;

	if (!env->store)
		return err_set(e, E_LOCKED, "the store is locked");
	w = xcalloc(1, sizeof *w);
	w->env = env;
	w->wloop = loop_new();
	if ((rc = store_clone(env->store, &w->wstore, e)) < 0) {
		loop_free(w->wloop);
		free(w);
		return rc;
	}
	w->wenv = *env;
	w->wenv.loop = w->wloop;
	w->wenv.store = w->wstore;
	w->wenv.message = NULL;
	w->wenv.redraw = NULL;
	if ((rc = files_open(&w->wenv, &w->f, e)) < 0) {
		store_close(w->wstore);
		loop_free(w->wloop);
		free(w);
		return rc;
	}
	w->conn = w->f->conn;
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->cond, NULL);
	w->tail = &w->head;
	if (pthread_create(&w->thread, NULL, worker_main, w) != 0) {
		files_close(w->f);
		store_close(w->wstore);
		loop_free(w->wloop);
		free(w);
		return err_set(e, E_INTERNAL, "cannot start the share's thread");
	}
	*out = w;
	return 0;
}

static void submit(struct files_worker *w, struct fjob *j)
{
	j->w = w;
	pthread_mutex_lock(&w->lock);
	*w->tail = j;
	w->tail = &j->next;
	if (j->kind != J_QUIT)
		w->queued++;
	pthread_cond_signal(&w->cond);
	pthread_mutex_unlock(&w->lock);
}

static void wake(void *arg)
{
	(void)arg;
}

void files_worker_stop(struct files_worker *w)
{
	struct fjob *q;

	if (!w)
		return;
	if (w->retry_timer)
		loop_del_timer(w->env->loop, w->retry_timer);
	w->stopping = 1;
	/* the job running now gives up at once (what it queued in the
	 * outbox is durable); the ones waiting are dropped */
	__atomic_store_n(&w->f->cancel, 1, __ATOMIC_RELEASE);
	q = xcalloc(1, sizeof *q);
	q->kind = J_QUIT;
	q->w = w;
	pthread_mutex_lock(&w->lock);
	while (w->head) {
		struct fjob *j = w->head;
		w->head = j->next;
		job_free(j);
	}
	w->head = q;
	w->tail = &q->next;
	pthread_cond_signal(&w->cond);
	pthread_mutex_unlock(&w->lock);
	loop_post(w->wloop, wake, NULL); /* wake a request's wait */
	pthread_join(w->thread, NULL);
	/* results already posted to the main loop free themselves there */
	loop_run_once(w->env->loop, 0);
	files_close(w->f);
	store_close(w->wstore);
	loop_free(w->wloop);
	pthread_mutex_destroy(&w->lock);
	pthread_cond_destroy(&w->cond);
	free(w);
}

static struct fjob *job(enum job_kind k, const char *path, files_job_fn cb, void *arg)
{
	struct fjob *j = xcalloc(1, sizeof *j);

	j->kind = k;
	j->path = path ? xstrdup(path) : NULL;
	buf_init(&j->data);
	j->cb = cb;
	j->arg = arg;
	return j;
}

void files_async_get(struct files_worker *w, const char *path, files_job_fn cb, void *arg)
{
	submit(w, job(J_GET, path, cb, arg));
}

void files_async_put(struct files_worker *w, const char *path, const void *data, size_t len,
		     int force, files_job_fn cb, void *arg)
{
	struct fjob *j = job(J_PUT, path, cb, arg);

	buf_add(&j->data, data, len);
	j->force = force;
	submit(w, j);
}

void files_async_ls(struct files_worker *w, const char *path, files_job_fn cb, void *arg)
{
	submit(w, job(J_LS, path, cb, arg));
}

void files_async_sync(struct files_worker *w, files_job_fn cb, void *arg)
{
	submit(w, job(J_SYNC, NULL, cb, arg));
}

void files_async_resolve(struct files_worker *w, const char *path, const char *take,
			 const void *data, size_t len, files_job_fn cb, void *arg)
{
	struct fjob *j = job(J_RESOLVE, path, cb, arg);

	j->take = xstrdup(take);
	buf_add(&j->data, data, len);
	submit(w, j);
}

void files_async_cells(struct files_worker *w, const char *path, files_job_fn cb, void *arg)
{
	submit(w, job(J_CELLS, path, cb, arg));
}

void files_async_resolve_cells(struct files_worker *w, const char *path,
			       const char *const *choice, size_t n, files_job_fn cb, void *arg)
{
	struct fjob *j = job(J_RESOLVE_CELLS, path, cb, arg);

	j->choice = xcalloc(n ? n : 1, sizeof *j->choice);
	for (size_t i = 0; i < n; i++)
		j->choice[i] = xstrdup(choice[i]);
	j->nchoice = n;
	submit(w, j);
}

void files_async_trust(struct files_worker *w, const char *pin, files_job_fn cb, void *arg)
{
	struct fjob *j = job(J_TRUST, NULL, cb, arg);

	j->take = xstrdup(pin);
	submit(w, j);
}

void files_async_op(struct files_worker *w, const char *op, const char *path, const char *to,
		    files_job_fn cb, void *arg)
{
	static const struct {
		const char *name;
		enum job_kind k;
	} ops[] = { { "mkdir", J_MKDIR }, { "mv", J_MOVE }, { "cp", J_COPY }, { "rm", J_RM },
		    { "pin", J_PIN }, { "unpin", J_UNPIN } };
	struct fjob *j = NULL;

	for (size_t i = 0; i < nitems(ops); i++)
		if (!strcmp(ops[i].name, op))
			j = job(ops[i].k, path, cb, arg);
	if (!j)
		return;
	j->take = to ? xstrdup(to) : NULL;
	submit(w, j);
}

void files_worker_set_offline(struct files_worker *w, int offline)
{
	__atomic_store_n(&w->wenv.offline, offline, __ATOMIC_RELEASE);
}

void files_async_ping(struct files_worker *w, files_job_fn cb, void *arg)
{
	submit(w, job(J_PING, NULL, cb, arg));
}

void files_worker_conn(struct files_worker *w, struct net_conn *out, char pin[NET_PIN_MAX])
{
	pthread_mutex_lock(&w->lock);
	*out = w->conn;
	if (pin)
		memcpy(pin, w->pin, NET_PIN_MAX);
	pthread_mutex_unlock(&w->lock);
}

int files_worker_busy(struct files_worker *w)
{
	int n;

	pthread_mutex_lock(&w->lock);
	n = w->queued;
	pthread_mutex_unlock(&w->lock);
	return n;
}

void files_worker_on_state(struct files_worker *w, files_state_fn fn, void *arg)
{
	w->on_state = fn;
	w->on_state_arg = arg;
}

/* ---- coming back by itself ---------------------------------------------------- */

static void retry_tick(void *arg);

static void retry_done(void *arg, struct files_result *r)
{
	struct files_worker *w = arg;
	struct net_conn c;
	int ms;

	files_worker_conn(w, &c, NULL);
	/* online: look again in a minute; offline: back off with jitter */
	ms = c.state == NET_ONLINE ? 60000 : net_backoff_ms(c.failures > 0 ? c.failures : 1);
	if (c.state == NET_ERROR)
		ms = 0; /* TLS or password: waits for the user */
	w->retry_timer = ms ? loop_add_timer(w->env->loop, ms, 0, retry_tick, w) : 0;
}

static void retry_tick(void *arg)
{
	struct files_worker *w = arg;

	w->retry_timer = 0;
	if (w->env->offline) {
		w->retry_timer = loop_add_timer(w->env->loop, 5000, 0, retry_tick, w);
		return;
	}
	if (files_worker_busy(w) == 0) {
		/* send the queue and refresh the folders kept offline, then
		 * ask the server how it is (the state for the status line) */
		if (store_outbox_count(w->env->store, "files") > 0 || files_has_pins(w->env->store))
			files_async_sync(w, NULL, NULL);
		files_async_ping(w, retry_done, w);
	} else
		w->retry_timer = loop_add_timer(w->env->loop, 2000, 0, retry_tick, w);
}

void files_worker_autoretry(struct files_worker *w)
{
	if (!w->retry_timer)
		w->retry_timer = loop_add_timer(w->env->loop, 1000, 0, retry_tick, w);
}

/* ---- one per process -------------------------------------------------------------- */

static struct files_worker *shared;

struct files_worker *files_shared(const struct module_env *env, struct err *e)
{
	if (!shared && files_worker_start(env, &shared, e) < 0)
		return NULL;
	return shared;
}

int files_shared_conn(struct net_conn *out)
{
	if (!shared)
		return 0;
	files_worker_conn(shared, out, NULL);
	return 1;
}

void files_shared_stop(void)
{
	files_worker_stop(shared);
	shared = NULL;
}
