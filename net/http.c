/*
 * http.c - HTTP requests over libcurl's multi interface, driven by the core
 * loop: libcurl tells us which sockets to watch and when to wake it
 * (CURLMOPT_SOCKETFUNCTION / TIMERFUNCTION); the loop calls back into
 * curl_multi_socket_action. Nothing here blocks: name resolution runs on
 * libcurl's own resolver thread, TLS handshakes are non-blocking.
 *
 * Every request carries the server's TLS policy (tls.c): TLS 1.2 at least,
 * https only, no redirects followed, verification on.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "i18n/i18n.h"
#include "net/curl.h"
#include "net/net.h"
#include "net/net_int.h"

struct net {
	struct loop *loop;
	CURLM *multi;
	int timer;     /* loop timer id, 0 none */
	int running;   /* requests in flight */
	int in_action; /* inside socket_action */
	struct net_req *reqs; /* in flight */
};

struct net_req {
	struct net *net;
	struct net_req *next, *prev;
	CURL *easy;
	struct curl_slist *hdrs;
	net_done_fn done;
	void *arg;
	struct net_resp resp;
	char errbuf[CURL_ERROR_SIZE];
	const unsigned char *up;  /* NET_BODY_MEM */
	size_t up_len, up_off;
	int up_fd;
	int out_fd;
	int (*sink)(void *arg, const void *p, size_t n);
	void *sink_arg;
	int write_failed;
	int probe;
	/* stall detection: no byte either way for stall_ms fails the transfer */
	int64_t stall_ms, last_move;
	curl_off_t last_dl, last_ul;
	int stalled;
};

/* ---- sockets and timers ----------------------------------------------------- */

static void net_check_done(struct net *n);

static void on_socket(int fd, int events, void *arg)
{
	struct net *n = arg;
	int mask = 0;

	if (events & LOOP_READ)
		mask |= CURL_CSELECT_IN;
	if (events & LOOP_WRITE)
		mask |= CURL_CSELECT_OUT;
	if (events & LOOP_HUP)
		mask |= CURL_CSELECT_ERR;
	n->in_action++;
	xcurl_multi_socket_action(n->multi, fd, mask, &n->running);
	n->in_action--;
	net_check_done(n);
}

static int sock_cb(CURL *easy, curl_socket_t s, int what, void *userp, void *socketp)
{
	struct net *n = userp;
	int ev = 0;

	if (what == CURL_POLL_REMOVE) {
		if (socketp) {
			loop_del_fd(n->loop, s);
			xcurl_multi_assign(n->multi, s, NULL);
		}
		return 0;
	}
	if (what & CURL_POLL_IN)
		ev |= LOOP_READ;
	if (what & CURL_POLL_OUT)
		ev |= LOOP_WRITE;
	if (socketp) {
		loop_mod_fd(n->loop, s, ev);
	} else {
		loop_add_fd(n->loop, s, ev, on_socket, n);
		xcurl_multi_assign(n->multi, s, n); /* any non-NULL: "watched" */
	}
	return 0;
}

static void on_timer(void *arg)
{
	struct net *n = arg;

	n->timer = 0;
	n->in_action++;
	xcurl_multi_socket_action(n->multi, CURL_SOCKET_TIMEOUT, 0, &n->running);
	n->in_action--;
	net_check_done(n);
}

static int timer_cb(CURLM *multi, long ms, void *userp)
{
	struct net *n = userp;

	if (n->timer) {
		loop_del_timer(n->loop, n->timer);
		n->timer = 0;
	}
	if (ms >= 0)
		n->timer = loop_add_timer(n->loop, (int)ms, 0, on_timer, n);
	return 0;
}

int net_new(struct loop *l, struct net **out, struct err *e)
{
	struct net *n;

	if (net_curl_load(e) < 0)
		return e->code;
	n = xcalloc(1, sizeof *n);
	n->loop = l;
	n->multi = xcurl_multi_init();
	if (!n->multi) {
		free(n);
		return err_set(e, E_INTERNAL, "libcurl: no multi handle");
	}
	xcurl_multi_setopt(n->multi, CURLMOPT_SOCKETFUNCTION, sock_cb);
	xcurl_multi_setopt(n->multi, CURLMOPT_SOCKETDATA, n);
	xcurl_multi_setopt(n->multi, CURLMOPT_TIMERFUNCTION, timer_cb);
	xcurl_multi_setopt(n->multi, CURLMOPT_TIMERDATA, n);
	xcurl_multi_setopt(n->multi, CURLMOPT_MAX_HOST_CONNECTIONS, 4L);
	*out = n;
	return 0;
}

static void req_free(struct net_req *r)
{
	struct net *n = r->net;

	if (r->prev)
		r->prev->next = r->next;
	else if (n->reqs == r)
		n->reqs = r->next;
	if (r->next)
		r->next->prev = r->prev;
	if (r->easy) {
		xcurl_multi_remove_handle(r->net->multi, r->easy);
		xcurl_easy_cleanup(r->easy);
	}
	if (r->hdrs)
		xcurl_slist_free_all(r->hdrs);
	free(r->resp.etag);
	free(r->resp.lock_token);
	free(r->resp.location);
	free(r->resp.last_modified);
	buf_free(&r->resp.body);
	free(r);
}

void net_free(struct net *n)
{
	if (!n)
		return;
	/* requests still in flight are abandoned without their callbacks */
	while (n->reqs)
		req_free(n->reqs);
	if (n->timer)
		loop_del_timer(n->loop, n->timer);
	xcurl_multi_cleanup(n->multi);
	free(n);
}

/* ---- callbacks from libcurl ----------------------------------------------------- */

static size_t write_cb(char *p, size_t size, size_t nmemb, void *arg)
{
	struct net_req *r = arg;
	size_t len = size * nmemb;

	r->resp.bytes += (int64_t)len;
	if (r->sink) {
		if (r->sink(r->sink_arg, p, len) < 0) {
			r->write_failed = EIO;
			return 0; /* makes libcurl fail the transfer */
		}
		return len;
	}
	if (r->out_fd >= 0) {
		size_t off = 0;
		while (off < len) {
			ssize_t w = write(r->out_fd, p + off, len - off);
			if (w < 0) {
				if (errno == EINTR)
					continue;
				r->write_failed = errno;
				return 0; /* makes libcurl fail the transfer */
			}
			off += (size_t)w;
		}
		return len;
	}
	buf_add(&r->resp.body, p, len);
	return len;
}

static size_t read_cb(char *p, size_t size, size_t nmemb, void *arg)
{
	struct net_req *r = arg;
	size_t want = size * nmemb;

	if (r->up_fd >= 0) {
		for (;;) {
			ssize_t got = read(r->up_fd, p, want);
			if (got >= 0)
				return (size_t)got;
			if (errno != EINTR)
				return CURL_READFUNC_ABORT;
		}
	}
	if (want > r->up_len - r->up_off)
		want = r->up_len - r->up_off;
	memcpy(p, r->up + r->up_off, want);
	r->up_off += want;
	return want;
}

/* libcurl rewinds the body when it must send it again (auth, 417). */
static int seek_cb(void *arg, curl_off_t off, int origin)
{
	struct net_req *r = arg;

	if (origin != SEEK_SET)
		return CURL_SEEKFUNC_CANTSEEK;
	if (r->up_fd >= 0)
		return lseek(r->up_fd, (off_t)off, SEEK_SET) < 0 ? CURL_SEEKFUNC_FAIL
								 : CURL_SEEKFUNC_OK;
	if ((size_t)off > r->up_len)
		return CURL_SEEKFUNC_FAIL;
	r->up_off = (size_t)off;
	return CURL_SEEKFUNC_OK;
}

/* libcurl's low-speed check averages over its window and let a stalled
 * upload hang on for the timeout plus five seconds; this counts bytes. */
static int progress_cb(void *arg, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
		       curl_off_t ulnow)
{
	struct net_req *r = arg;
	int64_t now = loop_now_ms();

	if (dlnow != r->last_dl || ulnow != r->last_ul || r->last_move == 0) {
		r->last_dl = dlnow;
		r->last_ul = ulnow;
		r->last_move = now;
		return 0;
	}
	if (now - r->last_move >= r->stall_ms) {
		r->stalled = 1;
		return 1; /* abort */
	}
	return 0;
}

static char *header_value(const char *p, size_t len, const char *name)
{
	size_t nl = strlen(name);

	if (len <= nl + 1 || strncasecmp(p, name, nl) != 0 || p[nl] != ':')
		return NULL;
	p += nl + 1;
	len -= nl + 1;
	while (len && (*p == ' ' || *p == '\t'))
		p++, len--;
	while (len && (p[len - 1] == '\r' || p[len - 1] == '\n' || p[len - 1] == ' '))
		len--;
	return xstrndup(p, len);
}

static size_t header_cb(char *p, size_t size, size_t nmemb, void *arg)
{
	struct net_req *r = arg;
	size_t len = size * nmemb;
	char *v;

	/* a new response (after 100 Continue or an auth round) starts over */
	if (len > 5 && memcmp(p, "HTTP/", 5) == 0) {
		xstrset(&r->resp.etag, NULL);
		xstrset(&r->resp.lock_token, NULL);
		xstrset(&r->resp.location, NULL);
		xstrset(&r->resp.last_modified, NULL);
		return len;
	}
	if ((v = header_value(p, len, "ETag"))) {
		free(r->resp.etag);
		r->resp.etag = v;
	} else if ((v = header_value(p, len, "Lock-Token"))) {
		free(r->resp.lock_token);
		r->resp.lock_token = v;
	} else if ((v = header_value(p, len, "Location"))) {
		free(r->resp.location);
		r->resp.location = v;
	} else if ((v = header_value(p, len, "Last-Modified"))) {
		free(r->resp.last_modified);
		r->resp.last_modified = v;
	}
	return len;
}

/* ---- requests -------------------------------------------------------------------- */

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

char *net_url(const struct net_server *srv, const char *path)
{
	struct buf b;
	size_t blen = strlen(srv->url);

	buf_init(&b);
	buf_add(&b, srv->url, blen);
	if (!path)
		return buf_detach(&b);
	while (*path == '/')
		path++;
	if (blen == 0 || srv->url[blen - 1] != '/')
		buf_addc(&b, '/');
	for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
		/* unreserved and the separator pass; the rest is encoded
		 * (an already encoded %XX is not encoded again) */
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("-._~/!$&'()*+,;=:@", *p))
			buf_addc(&b, (char)*p);
		else if (*p == '%' && hexval(p[1]) >= 0 && hexval(p[2]) >= 0)
			buf_addc(&b, '%');
		else
			buf_printf(&b, "%%%02X", *p);
	}
	return buf_detach(&b);
}

struct net_req *net_request(struct net *n, const struct net_server *srv,
			    const struct net_req_opts *o, net_done_fn done, void *arg,
			    struct err *e)
{
	struct net_req *r;
	char *url;
	CURL *c;

	if (strncasecmp(srv->url, "https://", 8) != 0) {
		err_tr(e, E_TLS, "net.err.https_only", TR_S(srv->url));
		return NULL;
	}
	c = xcurl_easy_init();
	if (!c) {
		err_set(e, E_INTERNAL, "libcurl: no handle");
		return NULL;
	}
	r = xcalloc(1, sizeof *r);
	r->net = n;
	r->easy = c;
	r->done = done;
	r->arg = arg;
	r->up_fd = -1;
	r->out_fd = o->out_fd > 0 ? o->out_fd : -1;
	r->sink = o->sink;
	r->sink_arg = o->sink_arg;
	r->probe = o->connect_only;
	buf_init(&r->resp.body);

	url = net_url(srv, o->path);
	xcurl_easy_setopt(c, CURLOPT_URL, url);
	free(url);
	xcurl_easy_setopt(c, CURLOPT_PRIVATE, r);
	xcurl_easy_setopt(c, CURLOPT_ERRORBUFFER, r->errbuf);
	xcurl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	xcurl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https");
	xcurl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	xcurl_easy_setopt(c, CURLOPT_USERAGENT, "atrium/" ATRIUM_VERSION);
	xcurl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
			  (long)(srv->connect_timeout_ms > 0 ? srv->connect_timeout_ms : 15000));
	/* a transfer that moves no byte for the stall time fails */
	r->stall_ms = srv->stall_timeout_ms > 0 ? srv->stall_timeout_ms : 30000;
	xcurl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	xcurl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, progress_cb);
	xcurl_easy_setopt(c, CURLOPT_XFERINFODATA, r);
	net_tls_apply(c, &srv->tls, o->connect_only);
	if (srv->proxy && *srv->proxy)
		xcurl_easy_setopt(c, CURLOPT_PROXY, srv->proxy);
	if (o->connect_only) {
		xcurl_easy_setopt(c, CURLOPT_CONNECT_ONLY, 1L);
	} else {
		if (srv->user) {
			xcurl_easy_setopt(c, CURLOPT_USERNAME, srv->user);
			xcurl_easy_setopt(c, CURLOPT_PASSWORD, srv->password ? srv->password : "");
			xcurl_easy_setopt(c, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		}
		xcurl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, o->method);
		if (strcmp(o->method, "HEAD") == 0)
			xcurl_easy_setopt(c, CURLOPT_NOBODY, 1L);
		xcurl_easy_setopt(c, CURLOPT_WRITEFUNCTION, write_cb);
		xcurl_easy_setopt(c, CURLOPT_WRITEDATA, r);
		xcurl_easy_setopt(c, CURLOPT_HEADERFUNCTION, header_cb);
		xcurl_easy_setopt(c, CURLOPT_HEADERDATA, r);
		if (o->body != NET_BODY_NONE) {
			r->up = o->data;
			r->up_len = o->len;
			if (o->body == NET_BODY_FD)
				r->up_fd = o->fd;
			xcurl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
			xcurl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, (curl_off_t)o->len);
			xcurl_easy_setopt(c, CURLOPT_READFUNCTION, read_cb);
			xcurl_easy_setopt(c, CURLOPT_READDATA, r);
			xcurl_easy_setopt(c, CURLOPT_SEEKFUNCTION, seek_cb);
			xcurl_easy_setopt(c, CURLOPT_SEEKDATA, r);
			/* CUSTOMREQUEST keeps the method (PUT, PROPFIND, LOCK) */
		}
		/* a big body waits for the server's go-ahead, so an early
		 * answer (409: no such folder) comes before the body is sent */
		if (o->body == NET_BODY_NONE || o->len < 256 * 1024)
			r->hdrs = xcurl_slist_append(NULL, "Expect:");
		for (size_t i = 0; o->headers && o->headers[i]; i++)
			r->hdrs = xcurl_slist_append(r->hdrs, o->headers[i]);
		xcurl_easy_setopt(c, CURLOPT_HTTPHEADER, r->hdrs);
	}
	if (xcurl_multi_add_handle(n->multi, c) != CURLM_OK) {
		req_free(r);
		err_set(e, E_INTERNAL, "libcurl: cannot add the request");
		return NULL;
	}
	n->running++;
	r->next = n->reqs;
	if (n->reqs)
		n->reqs->prev = r;
	n->reqs = r;
	return r;
}

/* libcurl's result as one of ours. */
static int map_code(CURLcode rc)
{
	switch (rc) {
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_USE_SSL_FAILED:
		return E_TLS;
	case CURLE_LOGIN_DENIED:
		return E_AUTH;
	case CURLE_WRITE_ERROR:
		return E_IO;
	case CURLE_UNSUPPORTED_PROTOCOL:
	case CURLE_URL_MALFORMAT:
		return E_USAGE;
	default:
		return E_UNREACHABLE;
	}
}

static void finish(struct net *n, CURL *easy, CURLcode rc)
{
	struct net_req *r = NULL;

	xcurl_easy_getinfo(easy, CURLINFO_PRIVATE, (char **)&r);
	if (!r)
		return;
	xcurl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &r->resp.status);
	if (rc != CURLE_OK && r->stalled) {
		r->resp.failed = 1;
		r->resp.code = E_UNREACHABLE;
		trf(r->resp.msg, sizeof r->resp.msg, "net.err.stalled", TR_N(r->stall_ms / 1000));
	} else if (rc != CURLE_OK) {
		r->resp.failed = 1;
		r->resp.code = map_code(rc);
		r->resp.broken = rc == CURLE_SEND_ERROR || rc == CURLE_RECV_ERROR ||
				 rc == CURLE_GOT_NOTHING || rc == CURLE_PARTIAL_FILE;
		if (r->write_failed) {
			r->resp.code = E_IO;
			trf(r->resp.msg, sizeof r->resp.msg, "net.err.write_download",
			    TR_S(strerror(r->write_failed)));
		} else {
			snprintf(r->resp.msg, sizeof r->resp.msg, "%s",
				 r->errbuf[0] ? r->errbuf : xcurl_easy_strerror(rc));
			size_t l = strlen(r->resp.msg);
			while (l && r->resp.msg[l - 1] == '\n')
				r->resp.msg[--l] = 0;
			/* a handshake the network cut is no TLS refusal */
			if (rc == CURLE_SSL_CONNECT_ERROR &&
			    (strstr(r->resp.msg, "Send failure") || strstr(r->resp.msg, "Recv failure") ||
			     strstr(r->resp.msg, "reset by peer") ||
			     strstr(r->resp.msg, "Connection closed"))) {
				r->resp.code = E_UNREACHABLE;
				r->resp.broken = 1;
			}
		}
		{
			long proxy_code = 0;
			xcurl_easy_getinfo(easy, CURLINFO_HTTP_CONNECTCODE, &proxy_code);
			if (proxy_code == 407) {
				r->resp.code = E_AUTH;
				snprintf(r->resp.msg, sizeof r->resp.msg, "%s", tr("net.err.proxy_auth"));
			} else if (proxy_code >= 400) {
				trf(r->resp.msg, sizeof r->resp.msg, "net.err.proxy_refused", TR_N(proxy_code));
			}
		}
	}
	if (r->probe && rc == CURLE_OK)
		net_tls_probe_pin(easy, r->resp.pin);
	n->running--;
	if (r->done)
		r->done(r, &r->resp, r->arg);
	req_free(r);
}

static void net_check_done(struct net *n)
{
	CURLMsg *m;
	int left;

	while ((m = xcurl_multi_info_read(n->multi, &left))) {
		if (m->msg == CURLMSG_DONE)
			finish(n, m->easy_handle, m->data.result);
	}
}

void net_cancel(struct net_req *r)
{
	if (!r)
		return;
	r->net->running--;
	req_free(r);
}

int net_busy(const struct net *n)
{
	return n->running;
}

void net_wait(struct net *n, const int *flag)
{
	while (n->running > 0 && !(flag && *flag))
		loop_run_once(n->loop, 1000);
}
