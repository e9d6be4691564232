/*
 * smtp.c - mail submission over libcurl's easy interface (see smtp.h).
 *
 * libcurl speaks SMTP for us: EHLO, STARTTLS, AUTH, MAIL FROM, RCPT TO,
 * DATA with dot-stuffing and the final ".". What it does not tell directly
 * is what the server said and how far the dialogue got, which the caller
 * needs: the server's lines come through the debug callback (the last one
 * is quoted in errors), and whether the read callback has handed over the
 * whole message tells "failed before the end of the data" (nothing
 * delivered) from "lost while waiting for the answer to the data" (maybe
 * delivered).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "net/net_int.h"
#include "net/smtp.h"

struct smtp_xfer {
	const unsigned char *msg;
	size_t len, off;
	int eof;      /* the read callback has handed over every byte */
	int quitting; /* QUIT went out: later lines are not the answer */
	const int *cancel;
	int cancelled, stalled;
	int64_t stall_ms, last_move;
	char last_in[256]; /* the server's last line */
	char cmd[128];	   /* the last command sent (never AUTH's data) */
};

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int smtp_parse_url(const char *url, int *implicit_tls, char host[256], int *port, struct err *e)
{
	const char *p, *h, *hend;
	long v = 0;

	if (!url)
		return err_set(e, E_USAGE, "no SMTP URL");
	if (strncasecmp(url, "smtps://", 8) == 0) {
		*implicit_tls = 1;
		*port = 465;
		p = url + 8;
	} else if (strncasecmp(url, "smtp://", 7) == 0) {
		*implicit_tls = 0;
		*port = 587; /* submission, not the relay port 25 libcurl assumes */
		p = url + 7;
	} else {
		return err_set(e, E_USAGE, "not an SMTP URL (smtps:// or smtp://): %s", url);
	}
	if (*p == '[') {
		h = p + 1;
		hend = strchr(h, ']');
		if (!hend)
			goto bad;
		p = hend + 1;
	} else {
		h = p;
		while (*p && *p != ':' && *p != '/')
			p++;
		hend = p;
	}
	if (hend == h || (size_t)(hend - h) >= 256 || memchr(h, '@', (size_t)(hend - h)))
		goto bad;
	memcpy(host, h, (size_t)(hend - h));
	host[hend - h] = 0;
	if (*p == ':') {
		p++;
		if (*p < '0' || *p > '9')
			goto bad;
		while (*p >= '0' && *p <= '9' && v <= 65535)
			v = v * 10 + (*p++ - '0');
		if (v < 1 || v > 65535)
			goto bad;
		*port = (int)v;
	}
	if (*p == '/')
		p++;
	if (*p)
		goto bad;
	return 0;
bad:
	return err_set(e, E_USAGE, "malformed SMTP URL: %s", url);
}

static size_t read_cb(char *buf, size_t size, size_t nitems, void *arg)
{
	struct smtp_xfer *x = arg;
	size_t n = size * nitems;

	if (n > x->len - x->off)
		n = x->len - x->off;
	memcpy(buf, x->msg + x->off, n);
	x->off += n;
	/* libcurl knows the size and may not ask again for the 0 */
	if (x->off == x->len)
		x->eof = 1;
	return n;
}

/* Keep the server's last line and the last command; anything on the wire
 * counts as movement for the stall check. */
static int debug_cb(CURL *c, curl_infotype type, char *data, size_t size, void *arg)
{
	struct smtp_xfer *x = arg;
	size_t n = size;

	if (type == CURLINFO_TEXT)
		return 0;
	x->last_move = now_ms();
	if (type != CURLINFO_HEADER_IN && type != CURLINFO_HEADER_OUT)
		return 0;
	while (n > 0 && (data[n - 1] == '\r' || data[n - 1] == '\n'))
		n--;
	if (type == CURLINFO_HEADER_IN && !x->quitting) {
		/* the last line of what arrived */
		size_t s = n;
		while (s > 0 && data[s - 1] != '\n')
			s--;
		n -= s;
		if (n >= sizeof x->last_in)
			n = sizeof x->last_in - 1;
		memcpy(x->last_in, data + s, n);
		x->last_in[n] = 0;
		for (size_t i = 0; i < n; i++) /* shown to the user: no controls */
			if ((unsigned char)x->last_in[i] < 0x20 || x->last_in[i] == 0x7f)
				x->last_in[i] = '?';
		return 0;
	}
	if (type == CURLINFO_HEADER_IN)
		return 0;
	if (n == 4 && strncasecmp(data, "QUIT", 4) == 0)
		x->quitting = 1;
	/* commands: AUTH's continuation lines carry credentials, and only
	 * these name a stage worth reporting */
	if ((n >= 9 && strncasecmp(data, "MAIL FROM", 9) == 0) ||
	    (n >= 7 && strncasecmp(data, "RCPT TO", 7) == 0) ||
	    (n == 4 && strncasecmp(data, "DATA", 4) == 0)) {
		if (n >= sizeof x->cmd)
			n = sizeof x->cmd - 1;
		memcpy(x->cmd, data, n);
		x->cmd[n] = 0;
	}
	return 0;
}

static int progress_cb(void *arg, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
		       curl_off_t ulnow)
{
	struct smtp_xfer *x = arg;

	if (x->cancel && __atomic_load_n(x->cancel, __ATOMIC_ACQUIRE)) {
		x->cancelled = 1;
		return 1;
	}
	if (now_ms() - x->last_move >= x->stall_ms) {
		x->stalled = 1;
		return 1;
	}
	return 0;
}

/* After a refused handshake: connect again verifying nothing, send nothing
 * (no credentials are set), and read the pin of the server's key, so the
 * message can say which key was refused. */
static void probe_pin(const char *url, const struct smtp_account *a, int timeout_ms,
		      char pin[NET_PIN_MAX])
{
	CURL *c = xcurl_easy_init();

	pin[0] = 0;
	if (!c)
		return;
	xcurl_easy_setopt(c, CURLOPT_URL, url);
	xcurl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	xcurl_easy_setopt(c, CURLOPT_CONNECT_ONLY, 1L);
	xcurl_easy_setopt(c, CURLOPT_USE_SSL, (long)CURLUSESSL_ALL);
	xcurl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, (long)timeout_ms);
	xcurl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)timeout_ms);
	net_tls_apply(c, &a->tls, 1);
	if (xcurl_easy_perform(c) == CURLE_OK)
		net_tls_probe_pin(c, pin);
	xcurl_easy_cleanup(c);
}

static int is_tls_failure(CURLcode rc)
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
		return 1;
	default:
		return 0;
	}
}

/* Turn libcurl's code, the reply and how far the data got into the result
 * and the error. */
static int classify(CURLcode rc, const char *url, const char *hostport,
		    const struct smtp_account *a, int timeout_ms, const struct smtp_xfer *x,
		    const char *curl_msg, struct smtp_result *r, struct err *e)
{
	const char *stage = x->eof ? "the end of the data" : x->cmd[0] ? x->cmd : "the greeting";

	/* Every byte was handed over and no refusal came back: it may be
	 * there. Unless a send failed: the end-of-data line is the last thing
	 * written, so it did not reach the server whole, and without it no
	 * server takes the message. */
	if (x->eof && (r->reply < 400 || r->reply == 0) && rc != CURLE_SEND_ERROR)
		r->outcome = SMTP_UNKNOWN;
	if (x->cancelled)
		return err_set(e, E_CANCELLED, "sending cancelled%s",
			       r->outcome == SMTP_UNKNOWN
				   ? " after the whole message went out: it may have been delivered"
				   : "");
	if (x->stalled || rc == CURLE_OPERATION_TIMEDOUT)
		return err_set(e, E_UNREACHABLE, "%s did not answer for %d s (at %s)%s", hostport,
			       (int)(x->stall_ms / 1000), stage,
			       r->outcome == SMTP_UNKNOWN ? ": the message may have been delivered"
							  : "");
	if (rc == CURLE_USE_SSL_FAILED)
		return err_set(e, E_TLS, "%s does not offer STARTTLS: nothing was sent", hostport);
	/* a handshake the network cut (reset, closed) is no TLS refusal: it
	 * waits like any lost connection */
	if (rc == CURLE_SSL_CONNECT_ERROR && curl_msg &&
	    (strstr(curl_msg, "Send failure") || strstr(curl_msg, "Recv failure") ||
	     strstr(curl_msg, "reset by peer") || strstr(curl_msg, "connection was closed") ||
	     strstr(curl_msg, "Connection closed") || strstr(curl_msg, "Broken pipe")))
		return err_set(e, E_UNREACHABLE, "the connection to %s was lost during the TLS "
				  "handshake (%s): nothing was sent", hostport, curl_msg);
	if (is_tls_failure(rc)) {
		probe_pin(url, a, timeout_ms, r->pin);
		if (r->pin[0])
			return err_set(e, E_TLS,
				       "the certificate of %s was refused (%s): the server's key "
				       "is %s",
				       hostport, curl_msg, r->pin);
		return err_set(e, E_TLS, "the TLS handshake with %s failed (%s)", hostport,
			       curl_msg);
	}
	if (rc == CURLE_LOGIN_DENIED)
		return err_set(e, E_AUTH, "%s refused the user name or password%s%s", hostport,
			       x->last_in[0] ? ": " : "", x->last_in);
	if (r->reply >= 500)
		r->permanent = 1;
	if (r->reply >= 500 || (r->reply >= 400 && r->outcome != SMTP_UNKNOWN))
		return err_set(e, r->permanent ? E_PERM : E_UNREACHABLE,
			       "%s refused the message at %s%s: %s", hostport, stage,
			       r->permanent ? "" : " for now", x->last_in);
	if (r->outcome == SMTP_UNKNOWN)
		return err_set(e, E_UNREACHABLE,
			       "the connection to %s was lost after the whole message went out "
			       "(%s): it may have been delivered",
			       hostport, curl_msg);
	return err_set(e, E_UNREACHABLE, "cannot send through %s: %s", hostport, curl_msg);
}

int smtp_send(const struct smtp_account *a, const char *from, const char *const *rcpts,
	      size_t nrcpt, const void *msg, size_t len, struct smtp_result *r, struct err *e)
{
	struct smtp_xfer x = {.msg = msg, .len = len, .cancel = a->cancel};
	struct curl_slist *to = NULL;
	char host[256], hostport[300], errbuf[CURL_ERROR_SIZE] = "", *url, *mail_from;
	int implicit, port, rc, timeout_ms;
	int64_t t0 = now_ms();
	long reply = 0;
	CURLcode cc;
	CURL *c;

	memset(r, 0, sizeof *r);
	r->outcome = SMTP_NOT_SENT;
	if (smtp_parse_url(a->url, &implicit, host, &port, e) < 0)
		return e->code;
	if (nrcpt == 0)
		return err_set(e, E_USAGE, "a message needs at least one recipient");
	if ((rc = net_curl_load(e)) < 0)
		return rc;
	if (!(c = xcurl_easy_init()))
		return err_set(e, E_INTERNAL, "libcurl gave no handle");
	snprintf(hostport, sizeof hostport, strchr(host, ':') ? "[%s]:%d" : "%s:%d", host, port);
	xasprintf(&url, "%s://%s/", implicit ? "smtps" : "smtp", hostport);
	xasprintf(&mail_from, "<%s>", from ? from : "");
	for (size_t i = 0; i < nrcpt; i++) {
		char *t;
		xasprintf(&t, "<%s>", rcpts[i]);
		to = xcurl_slist_append(to, t);
		free(t);
	}
	timeout_ms = a->connect_timeout_ms > 0 ? a->connect_timeout_ms : 15000;
	x.stall_ms = a->stall_timeout_ms > 0 ? a->stall_timeout_ms : 30000;
	x.last_move = now_ms();

	xcurl_easy_setopt(c, CURLOPT_URL, url);
	xcurl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	/* never plaintext: STARTTLS or fail (implicit TLS needs nothing) */
	xcurl_easy_setopt(c, CURLOPT_USE_SSL, (long)CURLUSESSL_ALL);
	net_tls_apply(c, &a->tls, 0);
	if (a->user && *a->user) {
		xcurl_easy_setopt(c, CURLOPT_USERNAME, a->user);
		xcurl_easy_setopt(c, CURLOPT_PASSWORD, a->password ? a->password : "");
	}
	xcurl_easy_setopt(c, CURLOPT_MAIL_FROM, mail_from);
	xcurl_easy_setopt(c, CURLOPT_MAIL_RCPT, to);
	xcurl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
	xcurl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, (curl_off_t)len);
	xcurl_easy_setopt(c, CURLOPT_READFUNCTION, read_cb);
	xcurl_easy_setopt(c, CURLOPT_READDATA, &x);
	xcurl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, (long)timeout_ms);
	/* libcurl's own limit on one reply, behind our stall check */
	xcurl_easy_setopt(c, CURLOPT_SERVER_RESPONSE_TIMEOUT, (long)(x.stall_ms / 1000 + 1));
	xcurl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	xcurl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, progress_cb);
	xcurl_easy_setopt(c, CURLOPT_XFERINFODATA, &x);
	xcurl_easy_setopt(c, CURLOPT_VERBOSE, 1L);
	xcurl_easy_setopt(c, CURLOPT_DEBUGFUNCTION, debug_cb);
	xcurl_easy_setopt(c, CURLOPT_DEBUGDATA, &x);
	xcurl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);

	cc = xcurl_easy_perform(c);
	xcurl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &reply);
	/* the code of the last line before QUIT: libcurl's may be QUIT's */
	if (x.last_in[0] >= '2' && x.last_in[0] <= '5' && x.last_in[1] >= '0' &&
	    x.last_in[1] <= '9' && x.last_in[2] >= '0' && x.last_in[2] <= '9')
		reply =
		    (x.last_in[0] - '0') * 100 + (x.last_in[1] - '0') * 10 + (x.last_in[2] - '0');
	r->reply = (int)reply;
	snprintf(r->text, sizeof r->text, "%s", x.last_in);
	if (cc == CURLE_OK) {
		r->outcome = SMTP_SENT;
		rc = 0;
	} else {
		rc = classify(cc, url, hostport, a, timeout_ms, &x,
			      errbuf[0] ? errbuf : xcurl_easy_strerror(cc), r, e);
	}
	xcurl_easy_cleanup(c);
	xcurl_slist_free_all(to);
	free(url);
	free(mail_from);
	r->ms = (double)(now_ms() - t0);
	return rc;
}
