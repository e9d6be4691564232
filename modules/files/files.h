/*
 * files.h - the team share ([files] in the configuration, a WebDAV folder)
 * as docs, sheets and scripts see it: listings and contents cached in the
 * encrypted store, uploads through the outbox, three-way merges when the
 * server's copy moved on.
 *
 * Paths are relative to the share's URL: "reports/q3.md" or "/reports/q3.md"
 * name the same file. Every operation is asynchronous on the loop; batch
 * mode runs the loop until the operation is done (files_wait).
 */
#ifndef ATRIUM_MODULES_FILES_H
#define ATRIUM_MODULES_FILES_H

#include <stdint.h>

#include "core/core.h"
#include "modules/module.h"
#include "net/net.h"

struct files;

/* Open the share named by [files]; E_NOTFOUND when it is not configured,
 * E_USAGE naming the key when the configuration is wrong. */
int files_open(const struct module_env *env, struct files **out, struct err *e);
void files_close(struct files *f);
/* The connection state, as the status line shows it. */
const struct net_conn *files_conn(const struct files *f);

enum files_state { FS_SYNCED, FS_QUEUED, FS_CONFLICT, FS_OFFLINE_ONLY };
const char *files_state_name(enum files_state s);
/* An outbox entry's stored error as the UI shows it: its conflict texts
 * are kept in English and translated here; anything else as it is. */
const char *files_error_shown(const char *stored);

struct files_item {
	char *path, *name;
	int is_dir;
	int64_t size, modified;
	char *etag;
	enum files_state state;
	int cached;  /* its content is in the store */
};
void files_items_free(struct files_item *v, size_t n);

/* Completion of an asynchronous operation: rc 0 or E_*, e filled. */
typedef void (*files_done_fn)(void *arg, int rc, const struct err *e);

/* List a folder (the server when reachable, else the cached listing, with
 * *from_cache set). A listing that fails never removes cached entries. */
int files_ls(struct files *f, const char *path, struct files_item **out, size_t *n,
	     int *from_cache, struct err *e);
/* The file's content: the newest we have (a queued local version, else the
 * server's, fetched when reachable, else the cached copy). E_UNREACHABLE
 * when offline and not cached. *etag (may be NULL) gets the base version. */
int files_get(struct files *f, const char *path, struct buf *out, char **etag, struct err *e);
/* Save a new version of path: queued durably in the outbox first, then
 * uploaded when the server is reachable (If-Match the base; 412 merges).
 * 0 uploaded; E_QUEUED kept for later (offline); E_CONFLICT kept with
 * both sides for `resolve`. force: no base needed (overwrite). When the
 * server's changes were merged in, *was_merged is 1 and merged (either
 * may be NULL) holds what went up: the editor shows that, or the next
 * save would take the server's changes back out. */
int files_put(struct files *f, const char *path, const void *data, size_t len, int force,
	      struct buf *merged, int *was_merged, struct err *e);
int files_mkdir(struct files *f, const char *path, struct err *e);
int files_move(struct files *f, const char *from, const char *to, int copy, struct err *e);
int files_rm(struct files *f, const char *path, struct err *e);
/* Replay the queued uploads (conflicts stay), then refresh the folders
 * kept offline. A line per thing done goes to `log` (may be NULL). */
int files_sync(struct files *f, FILE *log, struct err *e);
int files_pin(struct files *f, const char *path, int on, struct err *e);

struct files_pending {
	int64_t id;
	char *path;
	enum files_state state;
	char *error;     /* the last error or the conflict's reason */
	int attempts;
};
int files_pending(struct files *f, struct files_pending **out, size_t *n, struct err *e);
void files_pending_free(struct files_pending *v, size_t n);
/* Finish a conflict: take "local", "remote", or a file's content as the
 * merged result (data/len given). */
int files_resolve(struct files *f, const char *path, const char *take, const void *data,
		  size_t len, struct err *e);
/* The three versions of a conflict (any may come back empty). */
int files_conflict_versions(struct files *f, const char *path, struct buf *base,
			    struct buf *local, struct buf *remote, struct err *e);

/* ---- for the screen: the same, on the share's own thread (worker.c) ---- */

struct files_worker;
struct sheets_conflict;

/* What a job gives back, valid during the callback only; a callback may
 * keep the items by setting items to NULL and n to 0 (so r is writable). */
struct files_result {
	int rc;                   /* 0, E_QUEUED, E_CONFLICT, E_TLS, ... */
	const struct err *e;
	const char *path;
	struct buf *data;         /* get: the content (the callback may take it) */
	const char *etag;
	struct files_item *items; /* ls */
	size_t n;
	int from_cache;
	int merged;               /* put: the server's changes were merged in;
				   * data holds the content that went up */
	struct sheets_conflict *cells; /* cells: a workbook's disputed cells
					* (keep them by setting NULL, 0) */
	size_t ncells;
};
typedef void (*files_job_fn)(void *arg, struct files_result *r);
typedef void (*files_state_fn)(void *arg);

/* The process's share thread, started on first use (NULL and e filled
 * when the share is not configured or the store is locked). Jobs run in
 * the order given; callbacks run on the main loop. */
struct files_worker *files_shared(const struct module_env *env, struct err *e);
void files_shared_stop(void);
/* The share's connection as its thread last saw it; 0 when the thread
 * has not started (nothing has used the share yet). */
int files_shared_conn(struct net_conn *out);
/* A module's part of the status line for the share: the connection
 * (docs and sheets show the share's state; only the files module counts
 * the queue, so it is not counted three times). */
void files_status(const struct module_env *env, struct module_status *st, int count_queue);
int files_worker_start(const struct module_env *env, struct files_worker **out, struct err *e);
void files_worker_stop(struct files_worker *w);
void files_async_get(struct files_worker *w, const char *path, files_job_fn cb, void *arg);
void files_async_put(struct files_worker *w, const char *path, const void *data, size_t len,
		     int force, files_job_fn cb, void *arg);
void files_async_ls(struct files_worker *w, const char *path, files_job_fn cb, void *arg);
void files_async_sync(struct files_worker *w, files_job_fn cb, void *arg);
void files_async_resolve(struct files_worker *w, const char *path, const char *take,
			 const void *data, size_t len, files_job_fn cb, void *arg);
void files_async_trust(struct files_worker *w, const char *pin, files_job_fn cb, void *arg);
/* A workbook in conflict: its disputed cells; then resolve with a side
 * ("local"/"remote") per cell, in the order given. */
void files_async_cells(struct files_worker *w, const char *path, files_job_fn cb, void *arg);
void files_async_resolve_cells(struct files_worker *w, const char *path,
			       const char *const *choice, size_t n, files_job_fn cb, void *arg);
void files_async_ping(struct files_worker *w, files_job_fn cb, void *arg);
/* "mkdir" PATH, "mv"/"cp" PATH TO, "rm" PATH, "pin"/"unpin" PATH (pin
 * also fetches the folder for offline use). */
void files_async_op(struct files_worker *w, const char *op, const char *path, const char *to,
		    files_job_fn cb, void *arg);
/* :offline and :online on the share's thread. */
void files_worker_set_offline(struct files_worker *w, int offline);
/* The connection as the last job left it, and the key the server showed
 * when TLS refused it (for the trust-on-first-use question). */
void files_worker_conn(struct files_worker *w, struct net_conn *out, char pin[NET_PIN_MAX]);
/* Jobs queued or running. */
int files_worker_busy(struct files_worker *w);
/* Called on the main loop after every job (status line, redraw). */
void files_worker_on_state(struct files_worker *w, files_state_fn fn, void *arg);
/* Send the queue and check the server by itself: at once, then with
 * back-off while offline, every minute while online. */
void files_worker_autoretry(struct files_worker *w);

/* Normalise a share path: no leading or trailing '/', no "." or ".."
 * segments (E_USAGE), no empty segments. */
int files_norm_path(const char *in, char **out, struct err *e);

#endif
