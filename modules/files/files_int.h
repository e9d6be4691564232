/*
 * files_int.h - shared inside modules/files only.
 */
#ifndef ATRIUM_MODULES_FILES_INT_H
#define ATRIUM_MODULES_FILES_INT_H

#include "modules/files/files.h"
#include "net/net.h"
#include "store/store.h"

struct files {
	const struct module_env *env;
	struct store *store;
	struct loop *loop;
	struct net *net; /* started on first use */
	struct net_server srv;
	struct net_conn conn;
	char *share;     /* the URL: the key of this share's rows in the store */
	char *base_path; /* the URL's path */
	int pin_loaded;
	char pin_name[600];
	int cancel; /* set from another thread: give up the request now */
	char probe_pin[NET_PIN_MAX]; /* the key seen when TLS was refused */
};

/* Whether the network may be used now (starts libcurl, reads the
 * password); E_UNREACHABLE when offline by choice. */
int files_online(struct files *f, struct err *e);
/* One request, the loop run until it is answered. 0 when an HTTP answer
 * came (any status but 401/407/5xx), else E_* with e filled and the
 * connection state updated. Free out with files_resp_free. */
int files_req(struct files *f, const struct net_req_opts *o, struct net_resp *out, struct err *e);
void files_resp_free(struct net_resp *r);
int files_tls_failed(struct files *f, struct net_resp *resp, struct err *e);
/* Trust a pin from now on (kept in the vault). */
int files_trust(struct files *f, const char *pin, struct err *e);
int files_probe_pin(struct files *f, char pin[NET_PIN_MAX], struct err *e);

/* Whether an outbox entry still needs this blob (then it is kept). */
int files_blob_in_use(struct files *f, const char *blob);
/* Whether any folder is kept offline. */
int files_has_pins(struct store *s);
/* Ask the server for the share's root: the connection state follows. */
int files_ping(struct files *f, struct err *e);
/* Send what the outbox holds for the share (see ops.c). */
int files_replay(struct files *f, FILE *log, int *sent, int *conflicts, int *failed,
		 struct err *e);
/* Fetch what changed in the folders kept offline. */
int files_refresh_pinned(struct files *f, FILE *log, struct err *e);

struct sheets_conflict;
/* A workbook in conflict: the cell-by-cell merge (yours in the disputed
 * cells) and those cells; resolve with a side per cell, in that order. */
int files_conflict_cells(struct files *f, const char *path, struct buf *merged,
			 struct sheets_conflict **c, size_t *n, struct err *e);
int files_resolve_cells(struct files *f, const char *path, const char *const *choice, size_t nchoice,
			struct err *e);

#endif
