/*
 * net.h - everything that crosses the network.
 *
 *   the TLS policy      one for every protocol: verification always on, a
 *                       per-server CA file and SHA-256 public-key pins,
 *                       TLS 1.2 at least, never plaintext (tls.c)
 *   HTTP                libcurl's multi interface driven by the core loop:
 *                       no call here blocks, DNS runs on libcurl's resolver
 *                       thread (http.c); libcurl is loaded on first use
 *                       (curl.c) so it costs nothing at start
 *   WebDAV              PROPFIND, GET, PUT with If-Match / If-None-Match,
 *                       MKCOL, MOVE, COPY, DELETE, LOCK, UNLOCK (dav.c)
 *   connectivity        a state per service with the reason, reconnect
 *                       with exponential back-off and jitter (conn.c)
 *
 * net/ depends on core/, store/ and i18n/ only.
 */
#ifndef ATRIUM_NET_H
#define ATRIUM_NET_H

#include <stddef.h>
#include <stdint.h>

#include "core/core.h"
#include "store/store.h"

#define NET_PIN_MAX 64 /* "sha256//" + 44 base64 + NUL, rounded */

/* ---- the TLS policy (tls.c) ------------------------------------------------ */

/*
 * For one server. With neither CA file nor pin the system's CAs decide.
 * A CA file replaces the system's CAs. A pin alone trusts exactly that key
 * (self-signed servers), with a CA file both must hold. The host name is
 * always checked against the certificate.
 */
struct net_tls {
	char *ca_file; /* PEM, or NULL */
	char *pins;    /* "sha256//BASE64[;sha256//BASE64...]", or NULL */
};

/* A pin string is well formed: one or more sha256//<44 base64 chars>. */
int net_pins_valid(const char *pins);
/* The pin ("sha256//BASE64") of a DER certificate's public key, or
 * E_PARSE when it is not a certificate. out holds NET_PIN_MAX bytes. */
int net_spki_pin_der(const unsigned char *der, size_t len, char out[NET_PIN_MAX], struct err *e);
/* The same from a PEM certificate (the first in the text). */
int net_spki_pin_pem(const char *pem, char out[NET_PIN_MAX], struct err *e);

/* ---- HTTP over libcurl multi on the loop (http.c) --------------------------- */

struct net;     /* the process's network engine, one per loop */
struct net_req; /* one request */

/* Start the engine on the loop; loads libcurl (E_NOTFOUND with the
 * package name when it is not installed). */
int net_new(struct loop *l, struct net **out, struct err *e);
void net_free(struct net *n);

/* Where a server is and how to reach it (shared by its requests). */
struct net_server {
	char *url;      /* base URL, https:// only */
	char *user;
	char *password; /* NULL: none */
	char *proxy;    /* NULL: the environment (HTTPS_PROXY, NO_PROXY) */
	struct net_tls tls;
	int connect_timeout_ms; /* 0: 15 s */
	int stall_timeout_ms;   /* no byte for this long fails: 0: 30 s */
};

enum net_body { NET_BODY_NONE, NET_BODY_MEM, NET_BODY_FD };

struct net_resp {
	long status;       /* HTTP status, 0 when none arrived */
	int failed;        /* a transport failure (no answer): see code/msg */
	int code;          /* E_UNREACHABLE, E_TLS, E_AUTH ... when failed */
	int broken;        /* failed: a connection made broke (reset, closed with
			    * no answer): an idempotent request may be tried again */
	char msg[256];     /* libcurl's words for a failure */
	char *etag;        /* ETag header, or NULL */
	char *lock_token;  /* Lock-Token header, or NULL */
	char *location;
	char *last_modified;
	struct buf body;   /* the body (unless sent to an fd) */
	int64_t bytes;     /* body bytes received */
	char pin[NET_PIN_MAX];      /* the server key's pin when a TLS check failed */
};

typedef void (*net_done_fn)(struct net_req *r, const struct net_resp *resp, void *arg);

struct net_req_opts {
	const char *method;        /* "GET", "PROPFIND", ... */
	const char *path;          /* appended to the server URL; escaped here */
	const char *const *headers; /* NULL-terminated "Name: value" lines */
	enum net_body body;
	const void *data;          /* NET_BODY_MEM */
	size_t len;
	int fd;                    /* NET_BODY_FD: read from here (len bytes) */
	int out_fd;                /* >= 0: write the response body here */
	/* or hand it to sink as it arrives (0, or -1 to abort the transfer) */
	int (*sink)(void *arg, const void *p, size_t n);
	void *sink_arg;
	int connect_only;          /* TLS handshake only (for the pin probe) */
};

/* Start a request; done runs on the loop when it ends, and the request is
 * freed after it returns. NULL and e filled when it cannot even start. */
struct net_req *net_request(struct net *n, const struct net_server *srv,
			    const struct net_req_opts *o, net_done_fn done, void *arg,
			    struct err *e);
/* Abort a request: done is not called. */
void net_cancel(struct net_req *r);
/* Run the loop until no request is in flight, or until *flag becomes
 * non-zero (for batch mode). */
void net_wait(struct net *n, const int *flag);
/* Requests in flight. */
int net_busy(const struct net *n);

/* A full URL for srv and path (path segments percent-encoded). */
char *net_url(const struct net_server *srv, const char *path);

/* ---- WebDAV (dav.c) ------------------------------------------------------- */

struct dav_entry {
	char *path;      /* relative to the share, "/" separated, no trailing / */
	char *name;
	int is_dir;
	int64_t size;
	int64_t modified; /* unix seconds, 0 unknown */
	char *etag;       /* strong form (W/ stripped), or NULL */
	int weak;         /* the server still calls the ETag weak */
};

/* Parse a PROPFIND multistatus body; paths made relative to base_path
 * (the URL path of the share). E_PARSE names the fault. */
int dav_parse_multistatus(const char *xml, size_t len, const char *base_path,
			  struct dav_entry **out, size_t *n, struct err *e);
void dav_entries_free(struct dav_entry *v, size_t n);

/* ---- connectivity (conn.c) --------------------------------------------------- */

enum net_state { NET_OFFLINE, NET_CONNECTING, NET_ONLINE, NET_ERROR };

struct net_conn {
	char service[16];
	enum net_state state;
	char reason[256];  /* why offline or error */
	int forced;        /* --offline / :offline */
	int failures;      /* consecutive */
	int64_t retry_at;  /* loop_now_ms() of the next attempt, 0 none */
};

void net_conn_init(struct net_conn *c, const char *service, int forced);
/* Record an attempt's outcome: online, or a failure (E_UNREACHABLE sets
 * offline with back-off; E_TLS/E_AUTH set error and wait for the user). */
void net_conn_ok(struct net_conn *c);
void net_conn_fail(struct net_conn *c, int code, const char *reason);
/* Whether an attempt may be made now. */
int net_conn_may_try(const struct net_conn *c, int64_t now_ms);
/* The delay before retry number `failures` (1-based): 1 s doubling to
 * 5 min, with ±25 % jitter. */
int net_backoff_ms(int failures);
const char *net_state_name(enum net_state s);

/* ---- replaying the outbox (replay.c) ---------------------------------------- */

/*
 * What waits in the outbox for a service goes out in the order it was
 * queued. A handler sends one entry and marks it itself (done, failed with
 * its error, or queued again), since only it knows what its payload means;
 * its return value tells the replay what to do next:
 *   0               sent: go on
 *   E_CONFLICT      kept for the user: go on, or stop when the service
 *                   needs its order kept across entries (mail, chat)
 *   E_UNREACHABLE, E_TLS, E_AUTH   the server cannot be used now: stop,
 *                   the entry and those after it wait
 *   anything else   that entry failed (visible with its error): go on
 * Entries already failed (a conflict or an error) are not retried here:
 * the user resolves or retries them.
 */
struct net_replay_stats {
	int sent, conflicts, failed, waiting;
};

typedef int (*net_replay_fn)(void *ctx, struct outbox_entry *en, struct err *e);

int net_replay(struct store *s, const char *service, net_replay_fn send, void *ctx,
	       int stop_at_conflict, FILE *log, struct net_replay_stats *st, struct err *e);

#endif
