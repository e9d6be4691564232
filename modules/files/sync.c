/*
 * sync.c - the share's model: what is cached, what is queued, and the
 * conversation with the WebDAV server that keeps them true.
 *
 * The rules that keep people's work (sync tools that broke them lost it):
 *   - a new version is in the outbox (durable) before anything is sent;
 *   - uploads name the version they replace: If-Match the base ETag, under
 *     a WebDAV LOCK so nobody writes between our PUT and the question for
 *     the new ETag (Apache sends none on PUT); a new file is
 *     If-None-Match: *;
 *   - a 412 is a conflict only if the server's ETag really moved (Apache
 *     calls a fresh ETag weak for about a second and refuses If-Match with
 *     it: wait and ask again); then base, local and remote are merged
 *     (text line-wise, sheets cell by cell); a clean merge goes up, a
 *     conflict keeps all three in the store and blocks only that file;
 *   - a listing that fails is never taken as "deleted";
 *   - deleted or moved on the server while edited here: keep ours, ask.
 *
 * Requests run on libcurl's multi interface on the core loop; the verbs
 * here run the loop until their requests are done (files_wait style).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "i18n/i18n.h"
#include "modules/account.h"
#include "modules/docs/docs.h"
#include "modules/files/files.h"
#include "modules/files/files_int.h"
#include "store/store.h"

/* ---- opening the share ------------------------------------------------------ */


int files_norm_path(const char *in, char **out, struct err *e)
{
	struct buf b;
	const char *p = in ? in : "";

	buf_init(&b);
	while (*p) {
		const char *s;
		size_t len;
		while (*p == '/')
			p++;
		s = p;
		while (*p && *p != '/')
			p++;
		len = (size_t)(p - s);
		if (len == 0)
			continue;
		if ((len == 1 && s[0] == '.') || (len == 2 && s[0] == '.' && s[1] == '.')) {
			buf_free(&b);
			return err_tr(e, E_USAGE, "files.err.dot_path", TR_S(in));
		}
		for (size_t i = 0; i < len; i++) {
			if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) {
				buf_free(&b);
				return err_set(e, E_USAGE, "%s", tr("files.err.control_char"));
			}
		}
		if (b.len)
			buf_addc(&b, '/');
		buf_add(&b, s, len);
	}
	*out = buf_detach(&b);
	return 0;
}

int files_open(const struct module_env *env, struct files **out, struct err *e)
{
	const struct conf *c = env->conf;
	const char *url = conf_get(c, "files", "url");
	const char *v;
	struct files *f;

	if (!url || !*url)
		return err_set(e, E_NOTFOUND, "%s", tr("files.err.no_share"));
	if (strncasecmp(url, "https://", 8) != 0)
		return err_tr(e, E_USAGE, "files.err.https_only", TR_S(url));
	if (!env->store)
		return err_set(e, E_LOCKED, "%s", tr("err.store.locked"));
	f = xcalloc(1, sizeof *f);
	f->env = env;
	f->store = env->store;
	f->loop = env->loop;
	if (url[strlen(url) - 1] == '/')
		f->srv.url = xstrdup(url);
	else
		xasprintf(&f->srv.url, "%s/", url);
	f->share = xstrdup(f->srv.url);
	{
		/* the URL's path, for turning listed hrefs into share paths */
		const char *p = strchr(f->srv.url + 8, '/');
		f->base_path = xstrdup(p ? p : "/");
	}
	if ((v = conf_get(c, "files", "user")))
		f->srv.user = xstrdup(v);
	if ((v = conf_get(c, "files", "ca_file")))
		f->srv.tls.ca_file = xstrdup(v);
	if ((v = conf_get(c, "files", "pin"))) {
		if (!net_pins_valid(v)) {
			files_close(f);
			return err_set(e, E_USAGE, "%s", tr("files.err.pin_form"));
		}
		f->srv.tls.pins = xstrdup(v);
	}
	if ((v = conf_get(c, "files", "proxy")))
		f->srv.proxy = xstrdup(v);
	if ((v = conf_get(c, "files", "timeout"))) {
		int s = atoi(v);
		if (s > 0) {
			f->srv.connect_timeout_ms = s * 1000;
			f->srv.stall_timeout_ms = s * 1000;
		}
	}
	net_conn_init(&f->conn, "files", env->offline);
	*out = f;
	return 0;
}

void files_close(struct files *f)
{
	if (!f)
		return;
	net_free(f->net);
	free(f->srv.url);
	free(f->srv.user);
	if (f->srv.password) {
		explicit_bzero(f->srv.password, strlen(f->srv.password));
		free(f->srv.password);
	}
	free(f->srv.proxy);
	free(f->srv.tls.ca_file);
	free(f->srv.tls.pins);
	free(f->share);
	free(f->base_path);
	free(f);
}

const struct net_conn *files_conn(const struct files *f)
{
	return &f->conn;
}

/* The password: [files] password, password_command, or the vault. */
static int need_password(struct files *f, struct err *e)
{
	int rc;

	if (f->srv.password || !f->srv.user)
		return 0;
	if ((rc = account_password(f->env, f->store, "files", &f->srv.password, e)) < 0)
		return rc;
	if (!f->srv.password)
		f->srv.password = xstrdup("");
	return 0;
}

/* The vault's name for the pin of this share's server: one per URL, so
 * another server is never taken for the one trusted. */
static const char *pin_key(struct files *f)
{
	snprintf(f->pin_name, sizeof f->pin_name, "pin %.*s", (int)sizeof f->pin_name - 8, f->share);
	return f->pin_name;
}

/* A pin accepted on first use (kept in the vault) joins the policy. */
static void stored_pin(struct files *f)
{
	char *pin = NULL;
	struct err e;

	if (f->srv.tls.pins || f->pin_loaded)
		return;
	f->pin_loaded = 1;
	if (store_vault_get(f->store, pin_key(f), &pin, &e) == 0) {
		f->srv.tls.pins = xstrdup(pin);
		store_secret_free(pin);
	}
}

/* ---- one request, waited for ------------------------------------------------------ */

struct waiter {
	int done;
	struct net_resp resp; /* copied */
};

static void on_done(struct net_req *r, const struct net_resp *resp, void *arg)
{
	struct waiter *w = arg;

	w->resp = *resp;
	/* take ownership of the strings and body */
	w->resp.etag = resp->etag ? xstrdup(resp->etag) : NULL;
	w->resp.lock_token = resp->lock_token ? xstrdup(resp->lock_token) : NULL;
	w->resp.location = NULL;
	w->resp.last_modified = NULL;
	buf_init(&w->resp.body);
	buf_add(&w->resp.body, resp->body.data ? resp->body.data : "", resp->body.len);
	w->done = 1;
}

void files_resp_free(struct net_resp *r)
{
	free(r->etag);
	free(r->lock_token);
	buf_free(&r->body);
	memset(r, 0, sizeof *r);
}

/* Whether the network may be used now; E_UNREACHABLE with the reason when
 * offline by choice or in back-off. */
int files_online(struct files *f, struct err *e)
{
	if (__atomic_load_n(&f->env->offline, __ATOMIC_ACQUIRE)) {
		f->conn.forced = 1;
		f->conn.state = NET_OFFLINE;
		snprintf(f->conn.reason, sizeof f->conn.reason, "%s", tr("files.reason.offline"));
		return err_set(e, E_UNREACHABLE, "%s", tr("files.err.offline"));
	}
	if (f->conn.forced) /* back online by choice: try at once */
		net_conn_init(&f->conn, "files", 0);
	if (!f->net) {
		if (net_new(f->loop, &f->net, e) < 0)
			return e->code;
	}
	stored_pin(f);
	return need_password(f, e);
}

static int answer_code(struct files *f, struct net_resp *out, struct err *e);

/* Requests that change nothing on the server: one whose connection broke
 * may be sent again. */
static int idempotent(const char *method)
{
	static const char *const m[] = { "GET", "HEAD", "PROPFIND", "OPTIONS" };

	for (size_t i = 0; i < nitems(m); i++)
		if (!strcmp(method, m[i]))
			return 1;
	return 0;
}

/* Wait ms on the share's loop; 1 when cancelled meanwhile. */
static int pause_ms(struct files *f, int ms)
{
	int64_t end = loop_now_ms() + ms;

	for (int64_t left = ms; left > 0; left = end - loop_now_ms()) {
		if (__atomic_load_n(&f->cancel, __ATOMIC_ACQUIRE))
			return 1;
		loop_run_once(f->loop, left < 200 ? (int)left : 200);
	}
	return 0;
}

int files_req(struct files *f, const struct net_req_opts *o, struct net_resp *out, struct err *e)
{
	/* a connection cut under a read (a proxy reset, a server restart)
	 * is tried again, twice, after 0.5 s and 1.5 s; a server that
	 * cannot be reached at all is not (offline answers from the cache) */
	static const int again_ms[] = { 500, 1500 };
	struct waiter w;
	struct net_req *r;
	int rc;

	memset(out, 0, sizeof *out);
	if ((rc = files_online(f, e)) < 0)
		return rc;
	for (size_t try = 0;; try++) {
		memset(&w, 0, sizeof w);
		if (f->conn.state != NET_ONLINE)
			f->conn.state = NET_CONNECTING;
		r = net_request(f->net, &f->srv, o, on_done, &w, e);
		if (!r)
			return e->code;
		while (!w.done) {
			if (__atomic_load_n(&f->cancel, __ATOMIC_ACQUIRE)) {
				net_cancel(r);
				/* like a cut line: whatever was queued stays queued */
				return err_set(e, E_UNREACHABLE, "%s", tr("files.err.stopped"));
			}
			loop_run_once(f->loop, 200);
		}
		/* (not a download into a file: it holds part of the body) */
		if (!w.resp.failed || !w.resp.broken || try == nitems(again_ms) ||
		    !idempotent(o->method ? o->method : "GET") || o->out_fd >= 0)
			break;
		log_info("files: %s %s: %s; again in %d ms", o->method ? o->method : "GET",
			 o->path ? o->path : "", w.resp.msg, again_ms[try]);
		files_resp_free(&w.resp);
		if (pause_ms(f, again_ms[try]))
			return err_set(e, E_UNREACHABLE, "%s", tr("files.err.stopped"));
	}
	*out = w.resp;
	rc = answer_code(f, out, e);
	if (rc < 0)
		files_resp_free(out); /* the caller frees only an answer it got */
	return rc;
}

/* What an HTTP answer means for the connection: 0, or E_* with e set. */
static int answer_code(struct files *f, struct net_resp *out, struct err *e)
{
	if (out->failed) {
		if (out->code == E_TLS)
			return files_tls_failed(f, out, e);
		net_conn_fail(&f->conn, out->code, out->msg);
		return err_set(e, out->code, "%s: %s", f->srv.url, out->msg);
	}
	if (out->status == 401) {
		net_conn_fail(&f->conn, E_AUTH, tr("files.reason.auth"));
		return err_tr(e, E_AUTH, "files.err.auth", TR_S(f->srv.url),
			      TR_S(f->srv.user ? f->srv.user : "(none)"));
	}
	if (out->status == 407) {
		net_conn_fail(&f->conn, E_AUTH, tr("files.reason.proxy_auth"));
		return err_set(e, E_AUTH, "%s", tr("files.err.proxy_auth"));
	}
	if (out->status >= 500 || out->status == 0) {
		net_conn_fail(&f->conn, E_UNREACHABLE, tr("files.reason.server_error"));
		return err_tr(e, E_UNREACHABLE, "files.err.server_failed", TR_S(f->srv.url), TR_N(out->status));
	}
	net_conn_ok(&f->conn);
	return 0;
}

/* A TLS failure: find the key the server shows, so the message (and the
 * trust-on-first-use prompt) can name it. */
int files_tls_failed(struct files *f, struct net_resp *resp, struct err *e)
{
	struct net_req_opts o = { .method = "CONNECT", .connect_only = 1, .out_fd = -1 };
	struct waiter w;
	char msg[256];

	snprintf(msg, sizeof msg, "%s", resp->msg);
	memset(&w, 0, sizeof w);
	f->probe_pin[0] = 0;
	if (net_request(f->net, &f->srv, &o, on_done, &w, e)) {
		while (!w.done)
			loop_run_once(f->loop, 1000);
		snprintf(f->probe_pin, sizeof f->probe_pin, "%s", w.resp.pin);
		files_resp_free(&w.resp);
	}
	net_conn_fail(&f->conn, E_TLS, msg);
	if (f->probe_pin[0])
		return err_tr(e, E_TLS, "files.err.untrusted", TR_S(f->srv.url), TR_S(msg),
			      TR_S(f->probe_pin));
	return err_tr(e, E_TLS, "files.err.tls", TR_S(f->srv.url), TR_S(msg));
}

int files_trust(struct files *f, const char *pin, struct err *e)
{
	if (!net_pins_valid(pin))
		return err_tr(e, E_USAGE, "files.err.not_pin", TR_S(pin));
	if (store_vault_put(f->store, pin_key(f), pin, e) < 0)
		return e->code;
	free(f->srv.tls.pins);
	f->srv.tls.pins = xstrdup(pin);
	f->pin_loaded = 1;
	net_conn_init(&f->conn, "files", f->env->offline);
	return 0;
}

/* Find the pin the server shows now (for `trust` with no pin given). */
int files_probe_pin(struct files *f, char pin[NET_PIN_MAX], struct err *e)
{
	struct net_req_opts o = { .method = "CONNECT", .connect_only = 1, .out_fd = -1 };
	struct waiter w;
	int rc;

	if ((rc = files_online(f, e)) < 0)
		return rc;
	memset(&w, 0, sizeof w);
	if (!net_request(f->net, &f->srv, &o, on_done, &w, e))
		return e->code;
	while (!w.done)
		loop_run_once(f->loop, 1000);
	if (w.resp.failed || !w.resp.pin[0]) {
		rc = err_set(e, E_UNREACHABLE, "%s: %s", f->srv.url,
			     w.resp.failed ? w.resp.msg : tr("files.err.no_cert"));
		files_resp_free(&w.resp);
		return rc;
	}
	snprintf(pin, NET_PIN_MAX, "%s", w.resp.pin);
	files_resp_free(&w.resp);
	return 0;
}
