/*
 * test_net_imap.c - net/imap.c.
 *
 * Without a server: flags, special use, header unfolding, URLs, the TLS
 * check on the certificates of tests/fuzz/corpus/spki, and a fake server on
 * loopback (one without STARTTLS must be refused before a password goes
 * out; a silent one must give up after the timeout, or at once on a cancel
 * from another thread, also through the conn's queue).
 *
 * With ATRIUM_IMAP_IT=1 (tests/integration/imap.sh sets it with the test
 * servers' env) a second group runs against Dovecot: three mails are put
 * into a private mailbox of alice by tests/integration/imap_seed.py, then
 * read back through net/imap over imaps and STARTTLS.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "core/core.h"
#include "net/imap.h"

#define EC_PIN "sha256//d+3D8xzsovyc2bB4iqo2RR0a7vIFtRQ7A5QdzQDrOoM="
#define SERVER_PIN "sha256//GVyIMCWtPunl5Mc4Mg2oOEbEZNsNdxGFWpfE3gp0fyo="

static char *src_path(const char *rel)
{
	const char *d = getenv("ATRIUM_SRC_DIR");
	char *p;

	xasprintf(&p, "%s/%s", d && *d ? d : ".", rel);
	return p;
}

static unsigned char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	unsigned char *d;
	long n;

	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	d = xmalloc((size_t)n + 1);
	assert_int_equal(fread(d, 1, (size_t)n, f), (size_t)n);
	d[n] = 0;
	fclose(f);
	*len = (size_t)n;
	return d;
}

/* ---- pure functions ------------------------------------------------------- */

static void test_flags(void **state)
{
	char out[200];

	assert_int_equal(imap_flag_parse("\\Seen"), IMAP_F_SEEN);
	assert_int_equal(imap_flag_parse("\\SEEN"), IMAP_F_SEEN);
	assert_int_equal(imap_flag_parse("$forwarded"), IMAP_F_FORWARDED);
	assert_int_equal(imap_flag_parse("$Junk"), IMAP_F_JUNK);
	assert_int_equal(imap_flag_parse("Seen"), 0); /* a keyword, not \Seen */
	assert_int_equal(imap_flag_parse("$Label1"), 0);
	imap_flags_format(IMAP_F_SEEN | IMAP_F_FLAGGED | IMAP_F_FORWARDED, out, sizeof out);
	assert_string_equal(out, "\\Seen \\Flagged $Forwarded");
	imap_flags_format(0, out, sizeof out);
	assert_string_equal(out, "");
	/* every bit survives the round trip through its name */
	for (unsigned bit = 1; bit <= IMAP_F_MDNSENT; bit <<= 1) {
		imap_flags_format(bit, out, sizeof out);
		assert_int_equal(imap_flag_parse(out), bit);
	}
	/* a short buffer holds whole names only */
	imap_flags_format(IMAP_F_SEEN | IMAP_F_ANSWERED, out, 10);
	assert_string_equal(out, "\\Seen");
}

static void test_special(void **state)
{
	assert_int_equal(imap_special_parse("\\Drafts"), IMAP_SP_DRAFTS);
	assert_int_equal(imap_special_parse("Sent"), IMAP_SP_SENT);
	assert_int_equal(imap_special_parse("\\trash"), IMAP_SP_TRASH);
	assert_int_equal(imap_special_parse("\\Junk"), IMAP_SP_JUNK);
	assert_int_equal(imap_special_parse("\\Archive"), IMAP_SP_ARCHIVE);
	assert_int_equal(imap_special_parse("\\HasChildren"), IMAP_SP_NONE);
	assert_int_equal(imap_special_parse("\\Inbox"), IMAP_SP_NONE); /* INBOX is a name */
	assert_string_equal(imap_special_name(IMAP_SP_ARCHIVE), "archive");
	assert_string_equal(imap_special_name(IMAP_SP_NONE), "");
}

static void test_header_value(void **state)
{
	const char h[] = "Subject: hi\r\nReferences: <a@x>\r\n\t<b@x>\r\n  <c@x> \r\n"
			 "X-Other: 1\r\nreferencesx: no\r\n\r\n";
	char *v = imap_header_value(h, strlen(h), "References");

	assert_non_null(v);
	assert_string_equal(v, "<a@x>\t<b@x>  <c@x>");
	free(v);
	v = imap_header_value(h, strlen(h), "subject");
	assert_string_equal(v, "hi");
	free(v);
	assert_null(imap_header_value(h, strlen(h), "In-Reply-To"));
	/* a value cut by the buffer's end, LF-only lines, 8-bit bytes kept */
	const char g[] = "References: <\xe4\xbd\xa0@x>\n <d@x>";
	v = imap_header_value(g, strlen(g), "References");
	assert_string_equal(v, "<\xe4\xbd\xa0@x> <d@x>");
	free(v);
}

static void test_url(void **state)
{
	char host[256];
	int tls, port;
	struct err e = { 0 };

	assert_int_equal(imap_parse_url("imaps://mail.example.test", &tls, host, &port, &e), 0);
	assert_true(tls);
	assert_int_equal(port, 993);
	assert_string_equal(host, "mail.example.test");
	assert_int_equal(imap_parse_url("imap://127.0.0.1:17100/", &tls, host, &port, &e), 0);
	assert_false(tls);
	assert_int_equal(port, 17100);
	assert_string_equal(host, "127.0.0.1");
	assert_int_equal(imap_parse_url("IMAPS://[::1]:1993", &tls, host, &port, &e), 0);
	assert_string_equal(host, "::1");
	assert_int_equal(port, 1993);
	assert_int_equal(imap_parse_url("https://x", &tls, host, &port, &e), E_USAGE);
	assert_int_equal(imap_parse_url("imaps://", &tls, host, &port, &e), E_USAGE);
	assert_int_equal(imap_parse_url("imaps://h:0", &tls, host, &port, &e), E_USAGE);
	assert_int_equal(imap_parse_url("imaps://h:99999", &tls, host, &port, &e), E_USAGE);
	assert_int_equal(imap_parse_url("imaps://u@h", &tls, host, &port, &e), E_USAGE);
	assert_int_equal(imap_parse_url("imaps://h/INBOX", &tls, host, &port, &e), E_USAGE);
}

/* ---- the TLS check on known certificates ---------------------------------- */

struct certs {
	unsigned char *ec, *server;
	size_t ec_len, server_len;
	char *ec_pem, *server_pem;
};

static int certs_setup(void **state)
{
	struct certs *c = xcalloc(1, sizeof *c);
	char *p;

	p = src_path("tests/fuzz/corpus/spki/ec.der");
	c->ec = slurp(p, &c->ec_len);
	free(p);
	p = src_path("tests/fuzz/corpus/spki/server.der");
	c->server = slurp(p, &c->server_len);
	free(p);
	c->ec_pem = src_path("tests/fuzz/corpus/spki/ec.pem");
	*state = c;
	return 0;
}

static int certs_teardown(void **state)
{
	struct certs *c = *state;

	free(c->ec);
	free(c->server);
	free(c->ec_pem);
	free(c);
	return 0;
}

static int check(const unsigned char *der, size_t len, const char *host, const char *ca,
		 const char *pins, char pin[NET_PIN_MAX], struct err *e)
{
	struct imap_der d = { der, len };
	struct net_tls t = { (char *)ca, (char *)pins };

	return imap_tls_check(&d, 1, host, &t, pin, e);
}

static void test_tls_pin_alone(void **state)
{
	struct certs *c = *state;
	char pin[NET_PIN_MAX];
	struct err e = { 0 };

	/* exactly that key, self-signed: no CA needed */
	assert_int_equal(check(c->ec, c->ec_len, "atrium-unit-test", NULL, EC_PIN, pin, &e), 0);
	assert_string_equal(pin, EC_PIN);
	/* one of several pins */
	assert_int_equal(check(c->ec, c->ec_len, "atrium-unit-test", NULL,
			       SERVER_PIN ";" EC_PIN, pin, &e), 0);
	/* the server certificate names 127.0.0.1 as an address */
	assert_int_equal(check(c->server, c->server_len, "127.0.0.1", NULL, SERVER_PIN, pin, &e), 0);
	assert_string_equal(pin, SERVER_PIN);
	assert_int_equal(check(c->server, c->server_len, "mail.example.test", NULL, SERVER_PIN, pin,
			       &e), 0);
}

static void test_tls_refusals_name_the_pin(void **state)
{
	struct certs *c = *state;
	char pin[NET_PIN_MAX];
	struct err e = { 0 };

	/* another key than the pinned one */
	assert_int_equal(check(c->ec, c->ec_len, "atrium-unit-test", NULL, SERVER_PIN, pin, &e),
			 E_TLS);
	assert_non_null(strstr(e.msg, EC_PIN));
	assert_string_equal(pin, EC_PIN);
	/* the right key for the wrong name: the name is checked with a pin too */
	err_clear(&e);
	assert_int_equal(check(c->server, c->server_len, "evil.test", NULL, SERVER_PIN, pin, &e),
			 E_TLS);
	assert_non_null(strstr(e.msg, SERVER_PIN));
	assert_non_null(strstr(e.msg, "evil.test"));
	/* a CA that did not sign it */
	err_clear(&e);
	assert_int_equal(check(c->server, c->server_len, "127.0.0.1", c->ec_pem, NULL, pin, &e),
			 E_TLS);
	assert_non_null(strstr(e.msg, "not trusted"));
	assert_non_null(strstr(e.msg, SERVER_PIN));
	/* with neither: the system's CAs, which do not know a self-signed key */
	err_clear(&e);
	assert_int_equal(check(c->ec, c->ec_len, "atrium-unit-test", NULL, NULL, pin, &e), E_TLS);
	assert_non_null(strstr(e.msg, EC_PIN));
	/* a CA file that does not exist */
	err_clear(&e);
	assert_int_equal(check(c->ec, c->ec_len, "atrium-unit-test", "/nonexistent/ca.pem", NULL,
			       pin, &e), E_TLS);
	assert_non_null(strstr(e.msg, EC_PIN));
}

static void test_tls_ca_and_pin_both_hold(void **state)
{
	struct certs *c = *state;
	char pin[NET_PIN_MAX];
	struct err e = { 0 };

	/* the self-signed certificate as its own CA */
	assert_int_equal(check(c->ec, c->ec_len, "atrium-unit-test", c->ec_pem, NULL, pin, &e), 0);
	assert_int_equal(check(c->ec, c->ec_len, "atrium-unit-test", c->ec_pem, EC_PIN, pin, &e), 0);
	/* the CA holds, the pin does not */
	assert_int_equal(check(c->ec, c->ec_len, "atrium-unit-test", c->ec_pem, SERVER_PIN, pin, &e),
			 E_TLS);
	/* the CA holds, the name does not */
	assert_int_equal(check(c->ec, c->ec_len, "example.test", c->ec_pem, NULL, pin, &e), E_TLS);
}

static void test_tls_garbage(void **state)
{
	struct certs *c = *state;
	char pin[NET_PIN_MAX];
	struct err e = { 0 };
	struct net_tls t = { NULL, (char *)EC_PIN };
	unsigned char junk[40];

	assert_int_equal(imap_tls_check(NULL, 0, "h", &t, pin, &e), E_TLS);
	assert_string_equal(pin, "");
	memset(junk, 0x30, sizeof junk);
	assert_int_equal(check(junk, sizeof junk, "h", NULL, EC_PIN, pin, &e), E_TLS);
	/* cut short */
	assert_int_equal(check(c->ec, c->ec_len - 10, "atrium-unit-test", NULL, EC_PIN, pin, &e),
			 E_TLS);
}

/* ---- a fake server on loopback -------------------------------------------- */

enum fake_mode { FAKE_SILENT, FAKE_NO_STARTTLS };

struct fake {
	enum fake_mode mode;
	int lfd, port;
	pthread_t thread;
	int stop[2];
	struct buf heard; /* what the client sent */
	pthread_mutex_t lock;
};

static void *fake_main(void *arg)
{
	struct fake *f = arg;
	int fds[8], nfd = 0;

	for (;;) {
		struct pollfd p[10];
		int n = 0;
		p[n++] = (struct pollfd){ .fd = f->stop[0], .events = POLLIN };
		p[n++] = (struct pollfd){ .fd = f->lfd, .events = POLLIN };
		for (int i = 0; i < nfd; i++)
			p[n++] = (struct pollfd){ .fd = fds[i], .events = POLLIN };
		if (poll(p, (nfds_t)n, -1) < 0)
			continue;
		if (p[0].revents)
			break;
		if ((p[1].revents & POLLIN) && nfd < 8) {
			int c = accept(f->lfd, NULL, NULL);
			if (c >= 0) {
				fds[nfd++] = c;
				if (f->mode == FAKE_NO_STARTTLS) {
					const char *g = "* OK fake IMAP ready\r\n";
					assert_true(write(c, g, strlen(g)) > 0);
				}
			}
		}
		for (int i = 2; i < n; i++) {
			char b[1024];
			ssize_t r;
			if (!p[i].revents)
				continue;
			r = read(p[i].fd, b, sizeof b);
			if (r <= 0) { /* the client left */
				close(p[i].fd);
				for (int k = 0; k < nfd; k++)
					if (fds[k] == p[i].fd)
						fds[k] = fds[--nfd];
				break;
			}
			pthread_mutex_lock(&f->lock);
			buf_add(&f->heard, b, (size_t)r);
			pthread_mutex_unlock(&f->lock);
			if (f->mode == FAKE_NO_STARTTLS) {
				/* answer every command as CAPABILITY, without STARTTLS */
				char tag[64], out[256];
				sscanf(b, "%63s", tag);
				snprintf(out, sizeof out, "* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\n%s OK done\r\n",
					 tag);
				assert_true(write(p[i].fd, out, strlen(out)) > 0);
			}
		}
	}
	for (int i = 0; i < nfd; i++)
		close(fds[i]);
	return NULL;
}

static struct fake *fake_start(enum fake_mode mode)
{
	struct fake *f = xcalloc(1, sizeof *f);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t al = sizeof a;

	f->mode = mode;
	buf_init(&f->heard);
	pthread_mutex_init(&f->lock, NULL);
	assert_int_equal(pipe(f->stop), 0);
	f->lfd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(f->lfd >= 0);
	assert_int_equal(bind(f->lfd, (struct sockaddr *)&a, sizeof a), 0);
	assert_int_equal(listen(f->lfd, 8), 0);
	assert_int_equal(getsockname(f->lfd, (struct sockaddr *)&a, &al), 0);
	f->port = ntohs(a.sin_port);
	assert_int_equal(pthread_create(&f->thread, NULL, fake_main, f), 0);
	return f;
}

static void fake_stop(struct fake *f)
{
	assert_true(write(f->stop[1], "x", 1) == 1);
	pthread_join(f->thread, NULL);
	close(f->lfd);
	close(f->stop[0]);
	close(f->stop[1]);
	buf_free(&f->heard);
	pthread_mutex_destroy(&f->lock);
	free(f);
}

static char *fake_url(struct fake *f, const char *scheme)
{
	char *u;

	xasprintf(&u, "%s://127.0.0.1:%d", scheme, f->port);
	return u;
}

static void test_no_starttls_is_refused(void **state)
{
	struct fake *f = fake_start(FAKE_NO_STARTTLS);
	char *url = fake_url(f, "imap");
	struct imap_account a = { .url = url, .user = "alice", .password = "secret-pw",
				  .tls = { NULL, (char *)EC_PIN }, .timeout_s = 5 };
	struct imap_session *s;
	struct err e = { 0 };

	assert_int_equal(imap_session_new(&a, &s, &e), 0);
	assert_int_equal(imap_open(s, &e), E_TLS);
	assert_non_null(strstr(e.msg, "STARTTLS"));
	assert_false(imap_is_open(s));
	imap_session_free(s);
	pthread_mutex_lock(&f->lock);
	/* it asked for the capabilities, and sent no login or password */
	assert_non_null(strstr(buf_cstr(&f->heard), "CAPABILITY"));
	assert_null(strstr(buf_cstr(&f->heard), "LOGIN"));
	assert_null(strstr(buf_cstr(&f->heard), "secret-pw"));
	pthread_mutex_unlock(&f->lock);
	free(url);
	fake_stop(f);
}

static void test_silent_server_times_out(void **state)
{
	struct fake *f = fake_start(FAKE_SILENT);
	char *url = fake_url(f, "imaps");
	struct imap_account a = { .url = url, .user = "alice", .password = "pw", .timeout_s = 1 };
	struct imap_session *s;
	struct err e = { 0 };
	int64_t t0;
	int rc;

	assert_int_equal(imap_session_new(&a, &s, &e), 0);
	t0 = loop_now_ms();
	rc = imap_open(s, &e);
	/* the TLS handshake gets no answer: it fails after the account's
	 * timeout, not libetpan's default 300 s */
	assert_true(rc == E_TLS || rc == E_UNREACHABLE);
	assert_true(loop_now_ms() - t0 < 4000);
	imap_session_free(s);
	free(url);
	fake_stop(f);
}

struct opener {
	struct imap_session *s;
	int rc;
	struct err e;
	int64_t done_ms;
};

static void *open_thread(void *arg)
{
	struct opener *o = arg;

	o->rc = imap_open(o->s, &o->e);
	o->done_ms = loop_now_ms();
	return NULL;
}

/* A call stuck on a silent server ends at once when another thread
 * cancels it; scheme "imap" waits for the greeting, "imaps" in the
 * handshake. */
static void cancel_stuck(const char *scheme)
{
	struct fake *f = fake_start(FAKE_SILENT);
	char *url = fake_url(f, scheme);
	struct imap_account a = { .url = url, .user = "alice", .password = "pw", .timeout_s = 20 };
	struct opener o = { 0 };
	pthread_t t;
	int64_t t_cancel;
	struct err e = { 0 };

	assert_int_equal(imap_session_new(&a, &o.s, &e), 0);
	assert_int_equal(pthread_create(&t, NULL, open_thread, &o), 0);
	usleep(300 * 1000);
	assert_int_equal(o.done_ms, 0); /* still waiting */
	t_cancel = loop_now_ms();
	imap_session_cancel(o.s);
	pthread_join(t, NULL);
	assert_int_equal(o.rc, E_CANCELLED);
	assert_true(o.done_ms - t_cancel < 500);
	/* after a reset the session can be used again (here: fails again,
	 * by timeout this time, so only check it is not stuck cancelled) */
	imap_session_reset(o.s);
	assert_false(imap_is_open(o.s));
	imap_session_free(o.s);
	free(url);
	fake_stop(f);
}

static void test_cancel_greeting(void **state)
{
	cancel_stuck("imap");
}

static void test_cancel_handshake(void **state)
{
	cancel_stuck("imaps");
}

/* A cancel before the connect even started. */
static void test_cancel_before(void **state)
{
	struct imap_account a = { .url = "imaps://127.0.0.1:9", .timeout_s = 5 };
	struct imap_session *s;
	struct err e = { 0 };

	assert_int_equal(imap_session_new(&a, &s, &e), 0);
	imap_session_cancel(s);
	assert_int_equal(imap_open(s, &e), E_CANCELLED);
	imap_session_free(s);
}

struct conn_wait {
	struct loop *l;
	int n;
	int rc[4];
	int64_t at[4];
};

static void conn_done(void *arg, struct imap_result *r)
{
	struct conn_wait *w = arg;

	if (w->n < 4) {
		w->rc[w->n] = r->rc;
		w->at[w->n] = loop_now_ms();
	}
	w->n++;
}

static void cancel_timer(void *arg)
{
	imap_conn_cancel(arg);
}

static void test_conn_cancel(void **state)
{
	struct fake *f = fake_start(FAKE_SILENT);
	char *url = fake_url(f, "imap");
	struct imap_account a = { .url = url, .user = "alice", .password = "pw", .timeout_s = 20 };
	struct loop *l = loop_new();
	struct imap_conn *c;
	struct conn_wait w = { .l = l };
	struct err e = { 0 };
	int64_t t0;

	assert_int_equal(imap_conn_new(l, &a, &c, &e), 0);
	imap_conn_open(c, conn_done, &w);
	imap_conn_list(c, conn_done, &w); /* queued behind the stuck one */
	assert_int_equal(imap_conn_busy(c), 2);
	loop_add_timer(l, 300, 0, cancel_timer, c);
	t0 = loop_now_ms();
	while (w.n < 2 && loop_now_ms() - t0 < 5000)
		loop_run_once(l, 100);
	assert_int_equal(w.n, 2);
	assert_int_equal(w.rc[0], E_CANCELLED);
	assert_int_equal(w.rc[1], E_CANCELLED);
	assert_true(w.at[1] - t0 < 1500);
	assert_int_equal(imap_conn_busy(c), 0);
	imap_conn_free(c);
	loop_run_once(l, 0);
	loop_free(l);
	free(url);
	fake_stop(f);
}

/* ---- against Dovecot (tests/integration/imap.sh) -------------------------- */

struct it {
	char *box, *dir;
	char *mail[3];
	size_t mail_len[3];
	char *imaps_url, *imap_url, *ca, *rogue, *password;
	char pin[NET_PIN_MAX];
};

static const char *env_or_fail(const char *name)
{
	const char *v = getenv(name);

	if (!v || !*v)
		fail_msg("%s is not set (run tests/integration/imap.sh)", name);
	return v;
}

/* The three test mails, CRLF, as the server will store them. */
static const char *mail_text[3] = {
	"Date: Sat, 21 Nov 2026 10:00:00 +0800\r\n"
	"From: Bob Builder <bob@example.test>\r\n"
	"To: Alice <alice@example.test>, carol@example.test\r\n"
	"Cc: \"Carol C.\" <carol@example.test>\r\n"
	"Subject: Plain hello\r\n"
	"Message-ID: <m1.imaptest@example.test>\r\n"
	"MIME-Version: 1.0\r\n"
	"Content-Type: text/plain; charset=us-ascii\r\n"
	"\r\n"
	"Hello Alice,\r\nthis is the first one.\r\n",

	"Date: Sat, 21 Nov 2026 11:00:00 +0800\r\n"
	"From: =?UTF-8?B?5byg5LiJ?= <zhang@example.test>\r\n"
	"To: alice@example.test\r\n"
	"Subject: =?UTF-8?B?5Lya6K6u57qq6KaB77ya56ys5LiJ5a2j5bqm?=\r\n"
	"Message-ID: <m2.imaptest@example.test>\r\n"
	"In-Reply-To: <m1.imaptest@example.test>\r\n"
	"References: <m0.imaptest@example.test>\r\n"
	" <m1.imaptest@example.test>\r\n"
	"MIME-Version: 1.0\r\n"
	"Content-Type: text/plain; charset=utf-8\r\n"
	"Content-Transfer-Encoding: 8bit\r\n"
	"\r\n"
	"\xe4\xbd\xa0\xe5\xa5\xbd\xef\xbc\x8c\xe4\xb8\x96\xe7\x95\x8c\r\n",

	"Date: Sat, 21 Nov 2026 12:00:00 +0000\r\n"
	"From: Carol <carol@example.test>\r\n"
	"To: alice@example.test\r\n"
	"Subject: Q3 \xe6\x8a\xa5\xe5\x91\x8a attached\r\n"
	"Message-ID: <m3.imaptest@example.test>\r\n"
	"MIME-Version: 1.0\r\n"
	"Content-Type: multipart/mixed; boundary=\"b1\"\r\n"
	"\r\n"
	"--b1\r\n"
	"Content-Type: text/plain; charset=us-ascii\r\n"
	"\r\n"
	"See the numbers.\r\n"
	"--b1\r\n"
	"Content-Type: text/csv; name=\"q3.csv\"\r\n"
	"Content-Disposition: attachment; filename=\"q3.csv\"\r\n"
	"Content-Transfer-Encoding: base64\r\n"
	"\r\n"
	"cXVhcnRlcixyZXZlbnVlCjMsMTIwMAo=\r\n"
	"--b1--\r\n",
};
static const char *subject_raw[3] = {
	"Plain hello",
	"=?UTF-8?B?5Lya6K6u57qq6KaB77ya56ys5LiJ5a2j5bqm?=",
	"Q3 \xe6\x8a\xa5\xe5\x91\x8a attached",
};
/* the APPEND's internal dates (imap_seed.py gives them), unix seconds */
static const int64_t internal_date[3] = { 1795226400, 1795230000, 1795233600 };

static int seed(const char *what, struct it *t)
{
	char *cmd;
	int rc;

	xasprintf(&cmd, "/usr/bin/python3 %s/tests/integration/imap_seed.py %s %s %s",
		  getenv("ATRIUM_SRC_DIR") ? getenv("ATRIUM_SRC_DIR") : ".", what, t->box, t->dir);
	rc = system(cmd);
	free(cmd);
	return rc;
}

static int it_setup(void **state)
{
	struct it *t = xcalloc(1, sizeof *t);
	char tmpl[] = "/tmp/atrium-imap-it.XXXXXX";

	assert_non_null(mkdtemp(tmpl));
	t->dir = xstrdup(tmpl);
	xasprintf(&t->box, "imaptest-%d", (int)getpid());
	for (int i = 0; i < 3; i++) {
		char *p;
		FILE *f;
		xasprintf(&p, "%s/%d.eml", t->dir, i + 1);
		f = fopen(p, "wb");
		assert_non_null(f);
		fputs(mail_text[i], f);
		fclose(f);
		free(p);
		t->mail[i] = xstrdup(mail_text[i]);
		t->mail_len[i] = strlen(mail_text[i]);
	}
	xasprintf(&t->imaps_url, "imaps://127.0.0.1:%s", env_or_fail("IMAPS_PORT"));
	xasprintf(&t->imap_url, "imap://127.0.0.1:%s", env_or_fail("IMAP_PORT"));
	t->ca = xstrdup(env_or_fail("CA_FILE"));
	xasprintf(&t->rogue, "%s/ca/rogue.pem", env_or_fail("ATRIUM_SERVERS_DIR"));
	t->password = xstrdup(env_or_fail("ALICE_PASSWORD"));
	if (seed("append", t) != 0)
		fail_msg("imap_seed.py append failed");
	*state = t;
	return 0;
}

static int it_teardown(void **state)
{
	struct it *t = *state;
	char *cmd;

	seed("delete", t);
	xasprintf(&cmd, "rm -rf '%s'", t->dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", t->dir);
	free(cmd);
	for (int i = 0; i < 3; i++)
		free(t->mail[i]);
	free(t->box);
	free(t->dir);
	free(t->imaps_url);
	free(t->imap_url);
	free(t->ca);
	free(t->rogue);
	free(t->password);
	free(t);
	return 0;
}

static struct imap_session *it_open(struct it *t, const char *url, const char *ca,
				    const char *pins, int expect)
{
	struct imap_account a = { .url = url, .user = "alice", .password = t->password,
				  .tls = { (char *)ca, (char *)pins }, .timeout_s = 10 };
	struct imap_session *s;
	struct err e = { 0 };
	int rc;

	assert_int_equal(imap_session_new(&a, &s, &e), 0);
	rc = imap_open(s, &e);
	if (rc != expect)
		fail_msg("open %s: %d (%s), expected %d", url, rc, e.msg, expect);
	if (rc < 0) {
		if (expect == E_TLS) /* the message names the server's pin */
			assert_non_null(strstr(e.msg, "sha256//"));
		imap_session_free(s);
		return NULL;
	}
	return s;
}

static void it_list(struct imap_session *s, struct it *t)
{
	struct imap_mailbox *v;
	size_t n;
	struct err e = { 0 };
	int seen[IMAP_SP_FLAGGED + 1] = { 0 }, box = 0;

	assert_int_equal(imap_list(s, &v, &n, &e), 0);
	for (size_t i = 0; i < n; i++) {
		seen[v[i].special]++;
		if (strcmp(v[i].name, t->box) == 0)
			box++;
	}
	assert_int_equal(seen[IMAP_SP_INBOX], 1);
	assert_int_equal(seen[IMAP_SP_DRAFTS], 1);
	assert_int_equal(seen[IMAP_SP_SENT], 1);
	assert_int_equal(seen[IMAP_SP_TRASH], 1);
	assert_int_equal(seen[IMAP_SP_JUNK], 1);
	assert_int_equal(seen[IMAP_SP_ARCHIVE], 1);
	assert_int_equal(box, 1);
	imap_mailboxes_free(v, n);
}

struct collect {
	struct imap_msg *m;
	size_t n, batches;
};

static int collect(void *arg, struct imap_msg *msgs, size_t n)
{
	struct collect *c = arg;

	c->m = xreallocarray(c->m, c->n + n + 1, sizeof *c->m);
	memcpy(c->m + c->n, msgs, n * sizeof *msgs);
	c->n += n;
	c->batches++;
	free(msgs); /* the strings moved into c->m */
	return 0;
}

static void it_check_msgs(struct imap_msg *m, size_t n)
{
	assert_int_equal(n, 3);
	for (size_t i = 0; i < 3; i++) {
		assert_int_equal(m[i].uid, i + 1);
		assert_non_null(m[i].subject);
		assert_memory_equal(m[i].subject, subject_raw[i], strlen(subject_raw[i]) + 1);
		assert_int_equal(m[i].size, strlen(mail_text[i]));
		assert_int_equal(m[i].internaldate, internal_date[i]);
		assert_int_equal(m[i].attachments, i == 2 ? 1 : 0);
		assert_int_equal(m[i].nfrom, 1);
	}
	assert_string_equal(m[0].from[0].name, "Bob Builder");
	assert_string_equal(m[0].from[0].email, "bob@example.test");
	assert_int_equal(m[0].nto, 2);
	assert_string_equal(m[0].to[0].name, "Alice");
	assert_null(m[0].to[1].name);
	assert_string_equal(m[0].to[1].email, "carol@example.test");
	assert_int_equal(m[0].ncc, 1);
	assert_string_equal(m[0].cc[0].name, "Carol C.");
	assert_string_equal(m[0].date, "Sat, 21 Nov 2026 10:00:00 +0800");
	assert_string_equal(m[0].message_id, "<m1.imaptest@example.test>");
	assert_null(m[0].in_reply_to);
	assert_null(m[0].references);
	assert_true(m[0].flags & IMAP_F_FLAGGED); /* appended so */
	assert_false(m[0].flags & IMAP_F_SEEN);
	assert_string_equal(m[1].from[0].name, "=?UTF-8?B?5byg5LiJ?=");
	assert_string_equal(m[1].in_reply_to, "<m1.imaptest@example.test>");
	assert_string_equal(m[1].references, "<m0.imaptest@example.test> <m1.imaptest@example.test>");
	assert_int_equal(m[1].ncc, 0);
}

static void it_imaps(void **state)
{
	struct it *t = *state;
	struct imap_session *s = it_open(t, t->imaps_url, t->ca, NULL, 0);
	struct imap_selected sel;
	struct err e = { 0 };
	uint32_t *uids;
	size_t n;
	struct collect c = { 0 };
	struct buf body;
	int skipped = -1;

	assert_true(net_pins_valid(imap_server_pin(s)));
	memcpy(t->pin, imap_server_pin(s), NET_PIN_MAX);
	assert_true(imap_has_cap(s, "CONDSTORE"));
	it_list(s, t);

	assert_int_equal(imap_select(s, t->box, 0, &sel, &e), 0);
	assert_int_equal(sel.exists, 3);
	assert_int_equal(sel.uidnext, 4);
	assert_true(sel.uidvalidity > 0);
	assert_true(sel.highestmodseq > 0);
	assert_false(sel.readonly);

	assert_int_equal(imap_search_uids(s, 1, 0, &uids, &n, &e), 0);
	assert_int_equal(n, 3);
	assert_int_equal(imap_fetch_headers(s, uids, n, collect, &c, &skipped, &e), 0);
	assert_int_equal(skipped, 0);
	assert_int_equal(c.batches, 1);
	it_check_msgs(c.m, c.n);
	imap_msgs_free(c.m, c.n);
	/* a range: only UIDs 2..3 */
	free(uids);
	assert_int_equal(imap_search_uids(s, 2, 3, &uids, &n, &e), 0);
	assert_int_equal(n, 2);
	assert_int_equal(uids[0], 2);
	/* above the last UID: none, though "9:*" names the last message */
	free(uids);
	assert_int_equal(imap_search_uids(s, 9, 0, &uids, &n, &e), 0);
	assert_int_equal(n, 0);
	free(uids);

	/* the whole message, byte for byte, and \Seen not set by reading */
	buf_init(&body);
	assert_int_equal(imap_fetch_body(s, 3, &body, &e), 0);
	assert_int_equal(body.len, t->mail_len[2]);
	assert_memory_equal(body.data, t->mail[2], body.len);
	assert_int_equal(imap_fetch_body(s, 2, &body, &e), 0);
	assert_int_equal(body.len, t->mail_len[1]);
	assert_memory_equal(body.data, t->mail[1], body.len);
	assert_int_equal(imap_fetch_body(s, 77, &body, &e), E_NOTFOUND);
	buf_free(&body);

	/* flags: set \Seen and $Forwarded on 1 and 3, see them, take one off */
	{
		uint32_t two[2] = { 1, 3 }, one = 1, all[3] = { 1, 2, 3 };
		memset(&c, 0, sizeof c);
		assert_int_equal(imap_store_flags(s, two, 2, IMAP_STORE_ADD,
						  IMAP_F_SEEN | IMAP_F_FORWARDED, &e), 0);
		assert_int_equal(imap_fetch_headers(s, all, 3, collect, &c, NULL, &e), 0);
		assert_int_equal(c.n, 3);
		assert_int_equal(c.m[0].flags & (IMAP_F_SEEN | IMAP_F_FORWARDED | IMAP_F_FLAGGED),
				 IMAP_F_SEEN | IMAP_F_FORWARDED | IMAP_F_FLAGGED);
		assert_false(c.m[1].flags & IMAP_F_SEEN);
		assert_true(c.m[2].flags & IMAP_F_SEEN);
		imap_msgs_free(c.m, c.n);
		assert_int_equal(imap_store_flags(s, &one, 1, IMAP_STORE_REMOVE, IMAP_F_SEEN, &e), 0);
		memset(&c, 0, sizeof c);
		assert_int_equal(imap_fetch_headers(s, &one, 1, collect, &c, NULL, &e), 0);
		assert_int_equal(c.n, 1);
		assert_false(c.m[0].flags & IMAP_F_SEEN);
		assert_true(c.m[0].flags & IMAP_F_FORWARDED);
		imap_msgs_free(c.m, c.n);
		/* SET replaces: only \Flagged stays */
		assert_int_equal(imap_store_flags(s, all, 3, IMAP_STORE_SET, IMAP_F_FLAGGED, &e), 0);
		memset(&c, 0, sizeof c);
		assert_int_equal(imap_fetch_headers(s, all, 3, collect, &c, NULL, &e), 0);
		for (size_t i = 0; i < 3; i++)
			assert_int_equal(c.m[i].flags & ~IMAP_F_RECENT, IMAP_F_FLAGGED);
		imap_msgs_free(c.m, c.n);
	}
	/* a mailbox that does not exist */
	assert_int_equal(imap_select(s, "no-such-box-here", 1, &sel, &e), E_NOTFOUND);
	imap_logout(s);
	assert_false(imap_is_open(s));
	imap_session_free(s);
}

static void it_starttls(void **state)
{
	struct it *t = *state;
	struct imap_session *s = it_open(t, t->imap_url, t->ca, NULL, 0);
	struct imap_selected sel;
	struct err e = { 0 };

	/* the same server, the same key, now reached through STARTTLS */
	assert_true(net_pins_valid(imap_server_pin(s)));
	if (t->pin[0])
		assert_string_equal(imap_server_pin(s), t->pin);
	it_list(s, t);
	assert_int_equal(imap_select(s, t->box, 1, &sel, &e), 0);
	assert_true(sel.readonly);
	assert_int_equal(sel.exists, 3);
	imap_logout(s);
	imap_session_free(s);
}

static void it_tls_policy(void **state)
{
	struct it *t = *state;
	struct imap_session *s;
	char rogue_pin[NET_PIN_MAX], server_pin[NET_PIN_MAX], *pem;
	size_t len;
	struct err e = { 0 };
	struct imap_account a = { .url = t->imaps_url, .user = "alice", .password = t->password,
				  .tls = { t->rogue, NULL }, .timeout_s = 10 };

	/* the wrong CA: refused with the server's pin in the message */
	assert_int_equal(imap_session_new(&a, &s, &e), 0);
	assert_int_equal(imap_open(s, &e), E_TLS);
	assert_non_null(strstr(e.msg, "sha256//"));
	assert_true(net_pins_valid(imap_server_pin(s)));
	memcpy(server_pin, imap_server_pin(s), NET_PIN_MAX);
	assert_non_null(strstr(e.msg, server_pin));
	imap_session_free(s);
	/* over STARTTLS too, and no password went out (Dovecot would log it) */
	a.url = t->imap_url;
	assert_int_equal(imap_session_new(&a, &s, &e), 0);
	assert_int_equal(imap_open(s, &e), E_TLS);
	assert_non_null(strstr(e.msg, "sha256//"));
	imap_session_free(s);

	/* the pins: the server's alone works (a self-signed server's way) */
	pem = (char *)slurp(t->rogue, &len);
	assert_int_equal(net_spki_pin_pem(pem, rogue_pin, &e), 0);
	free(pem);
	assert_string_not_equal(rogue_pin, server_pin);
	s = it_open(t, t->imaps_url, NULL, server_pin, 0);
	it_list(s, t);
	imap_logout(s);
	imap_session_free(s);
	s = it_open(t, t->imap_url, NULL, server_pin, 0);
	imap_logout(s);
	imap_session_free(s);
	/* another key's pin alone, or with the right CA: refused */
	assert_null(it_open(t, t->imaps_url, NULL, rogue_pin, E_TLS));
	assert_null(it_open(t, t->imaps_url, t->ca, rogue_pin, E_TLS));
	/* the CA and the pin together */
	s = it_open(t, t->imaps_url, t->ca, server_pin, 0);
	imap_logout(s);
	imap_session_free(s);
}

static void it_bad_password(void **state)
{
	struct it *t = *state;
	struct imap_account a = { .url = t->imaps_url, .user = "alice", .password = "wrong-pw",
				  .tls = { t->ca, NULL }, .timeout_s = 10 };
	struct imap_session *s;
	struct err e = { 0 };

	assert_int_equal(imap_session_new(&a, &s, &e), 0);
	assert_int_equal(imap_open(s, &e), E_AUTH);
	assert_false(imap_is_open(s));
	imap_session_free(s);
}

/* The conn: requests on the worker, answers on the loop. */
struct it_conn {
	int done, batches, final_msgs;
	struct imap_result last;
	struct imap_msg *msgs;
	size_t nmsgs;
	int nboxes;
	struct buf body;
	int rc[8];
	int nrc;
	uint32_t last_uid;
};

static void it_conn_done(void *arg, struct imap_result *r)
{
	struct it_conn *w = arg;

	if (r->partial) {
		w->batches++;
		w->msgs = xreallocarray(w->msgs, w->nmsgs + r->nmsgs + 1, sizeof *w->msgs);
		memcpy(w->msgs + w->nmsgs, r->msgs, r->nmsgs * sizeof *r->msgs);
		w->nmsgs += r->nmsgs;
		free(r->msgs); /* taken */
		r->msgs = NULL;
		r->nmsgs = 0;
		return;
	}
	if (w->nrc < 8)
		w->rc[w->nrc++] = r->rc;
	if (r->boxes)
		w->nboxes = (int)r->nboxes;
	if (r->body.len) {
		buf_reset(&w->body);
		buf_add(&w->body, r->body.data, r->body.len);
	}
	w->last.sel = r->sel;
	if (r->uid)
		w->last_uid = r->uid;
	w->done++;
}

static void it_conn(void **state)
{
	struct it *t = *state;
	struct imap_account a = { .url = t->imaps_url, .user = "alice", .password = t->password,
				  .tls = { t->ca, NULL }, .timeout_s = 10 };
	struct loop *l = loop_new();
	struct imap_conn *c;
	struct it_conn w = { 0 };
	struct net_conn st;
	struct err e = { 0 };
	uint32_t one = 2;
	int64_t t0 = loop_now_ms();

	buf_init(&w.body);
	assert_int_equal(imap_conn_new(l, &a, &c, &e), 0);
	imap_conn_list(c, it_conn_done, &w);
	imap_conn_fetch_headers(c, t->box, 1, 0, it_conn_done, &w);
	imap_conn_fetch_body(c, t->box, 3, it_conn_done, &w);
	imap_conn_store(c, t->box, &one, 1, IMAP_STORE_ADD, IMAP_F_ANSWERED, it_conn_done, &w);
	imap_conn_logout(c, it_conn_done, &w);
	while (w.done < 5 && loop_now_ms() - t0 < 15000)
		loop_run_once(l, 100);
	assert_int_equal(w.done, 5);
	for (int i = 0; i < 5; i++)
		assert_int_equal(w.rc[i], 0);
	assert_true(w.nboxes >= 7);
	assert_int_equal(w.batches, 1);
	assert_int_equal(w.nmsgs, 3);
	for (size_t i = 0; i < 3; i++)
		assert_memory_equal(w.msgs[i].subject, subject_raw[i], strlen(subject_raw[i]) + 1);
	assert_int_equal(w.body.len, t->mail_len[2]);
	assert_memory_equal(w.body.data, t->mail[2], w.body.len);
	imap_conn_state(c, &st);
	assert_int_equal(st.state, NET_ONLINE);
	imap_msgs_free(w.msgs, w.nmsgs);
	w.msgs = NULL;
	w.nmsgs = 0;
	/* after the logout a request connects again; the flag set above is there */
	imap_conn_fetch_headers(c, t->box, 2, 2, it_conn_done, &w);
	while (w.done < 6 && loop_now_ms() - t0 < 15000)
		loop_run_once(l, 100);
	assert_int_equal(w.rc[5], 0);
	assert_int_equal(w.nmsgs, 1);
	assert_true(w.msgs[0].flags & IMAP_F_ANSWERED);
	assert_int_equal(w.last.sel.exists, 3);
	imap_msgs_free(w.msgs, w.nmsgs);
	buf_free(&w.body);
	imap_conn_free(c);
	loop_run_once(l, 0);
	loop_free(l);
}

/* APPEND: what goes in comes back byte for byte, with its flags and date
 * (runs last: it adds UIDs 4 and 5 to the mailbox). */
static void it_append(void **state)
{
	struct it *t = *state;
	struct imap_session *s = it_open(t, t->imaps_url, t->ca, NULL, 0);
	const char msg[] = "From: Alice <alice@example.test>\r\nTo: bob@example.test\r\n"
			   "Subject: draft \xe8\x8d\x89\xe7\xa8\xbf\r\nMessage-ID: <d1@example.test>\r\n"
			   "\r\nnot sent yet\r\n.\r\n\r\n";
	struct err e = { 0 };
	struct imap_selected sel;
	struct collect c = { 0 };
	struct buf body;
	uint32_t uid = 0;

	assert_int_equal(imap_append(s, t->box, msg, strlen(msg), IMAP_F_SEEN | IMAP_F_DRAFT,
				     1795240000, &uid, &e), 0);
	assert_int_equal(uid, 4); /* Dovecot has UIDPLUS */
	assert_int_equal(imap_select(s, t->box, 1, &sel, &e), 0);
	assert_int_equal(sel.exists, 4);
	buf_init(&body);
	assert_int_equal(imap_fetch_body(s, uid, &body, &e), 0);
	assert_int_equal(body.len, strlen(msg));
	assert_memory_equal(body.data, msg, body.len);
	buf_free(&body);
	assert_int_equal(imap_fetch_headers(s, &uid, 1, collect, &c, NULL, &e), 0);
	assert_int_equal(c.n, 1);
	assert_int_equal(c.m[0].flags & ~IMAP_F_RECENT, IMAP_F_SEEN | IMAP_F_DRAFT);
	assert_int_equal(c.m[0].internaldate, 1795240000);
	assert_string_equal(c.m[0].subject, "draft \xe8\x8d\x89\xe7\xa8\xbf");
	imap_msgs_free(c.m, c.n);
	/* into a mailbox that does not exist */
	assert_true(imap_append(s, "no-such-box-here", msg, strlen(msg), 0, 0, &uid, &e) < 0);
	imap_logout(s);
	imap_session_free(s);

	/* the same through the conn */
	{
		struct imap_account a = { .url = t->imaps_url, .user = "alice",
					  .password = t->password, .tls = { t->ca, NULL } };
		struct loop *l = loop_new();
		struct imap_conn *cn;
		struct it_conn w = { 0 };
		int64_t t0 = loop_now_ms();

		buf_init(&w.body);
		assert_int_equal(imap_conn_new(l, &a, &cn, &e), 0);
		imap_conn_append(cn, t->box, msg, strlen(msg), 0, 0, it_conn_done, &w);
		imap_conn_fetch_body(cn, t->box, 5, it_conn_done, &w);
		while (w.done < 2 && loop_now_ms() - t0 < 15000)
			loop_run_once(l, 100);
		assert_int_equal(w.done, 2);
		assert_int_equal(w.rc[0], 0);
		assert_int_equal(w.last_uid, 5);
		assert_int_equal(w.rc[1], 0);
		assert_int_equal(w.body.len, strlen(msg));
		assert_memory_equal(w.body.data, msg, w.body.len);
		buf_free(&w.body);
		imap_conn_free(cn);
		loop_run_once(l, 0);
		loop_free(l);
	}
}

/* More than IMAP_BATCH messages come in batches of at most IMAP_BATCH
 * (runs after it_append: the mailbox has 5 messages, 2050 are added). */
static void it_batches(void **state)
{
	struct it *t = *state;
	struct imap_session *s = it_open(t, t->imaps_url, t->ca, NULL, 0);
	struct err e = { 0 };
	struct imap_selected sel;
	struct collect c = { 0 };
	uint32_t *uids, uid;
	size_t n;
	int64_t t0;

	for (int i = 0; i < 2050; i++) {
		char m[200];
		int len = snprintf(m, sizeof m, "From: bulk@example.test\r\nSubject: bulk %d\r\n"
					       "Message-ID: <bulk%d@example.test>\r\n\r\nbody %d\r\n",
				   i, i, i);
		assert_int_equal(imap_append(s, t->box, m, (size_t)len, 0, 0, &uid, &e), 0);
		assert_int_equal(uid, 6 + i);
	}
	assert_int_equal(imap_select(s, t->box, 1, &sel, &e), 0);
	assert_int_equal(sel.exists, 2055);
	assert_int_equal(imap_search_uids(s, 0, 0, &uids, &n, &e), 0);
	assert_int_equal(n, 2055);
	t0 = loop_now_ms();
	assert_int_equal(imap_fetch_headers(s, uids, n, collect, &c, NULL, &e), 0);
	fprintf(stderr, "# %zu envelopes in %lld ms\n", c.n, (long long)(loop_now_ms() - t0));
	assert_int_equal(c.batches, 2);
	assert_int_equal(c.n, 2055);
	for (size_t i = 0; i < c.n; i++)
		assert_int_equal(c.m[i].uid, i + 1);
	assert_string_equal(c.m[2054].subject, "bulk 2049");
	imap_msgs_free(c.m, c.n);
	free(uids);
	imap_logout(s);
	imap_session_free(s);
}

int main(void)
{
	const struct CMUnitTest unit[] = {
		cmocka_unit_test(test_flags),
		cmocka_unit_test(test_special),
		cmocka_unit_test(test_header_value),
		cmocka_unit_test(test_url),
		cmocka_unit_test_setup_teardown(test_tls_pin_alone, certs_setup, certs_teardown),
		cmocka_unit_test_setup_teardown(test_tls_refusals_name_the_pin, certs_setup,
						certs_teardown),
		cmocka_unit_test_setup_teardown(test_tls_ca_and_pin_both_hold, certs_setup,
						certs_teardown),
		cmocka_unit_test_setup_teardown(test_tls_garbage, certs_setup, certs_teardown),
		cmocka_unit_test(test_no_starttls_is_refused),
		cmocka_unit_test(test_silent_server_times_out),
		cmocka_unit_test(test_cancel_greeting),
		cmocka_unit_test(test_cancel_handshake),
		cmocka_unit_test(test_cancel_before),
		cmocka_unit_test(test_conn_cancel),
	};
	const struct CMUnitTest dovecot[] = {
		cmocka_unit_test(it_imaps),
		cmocka_unit_test(it_starttls),
		cmocka_unit_test(it_tls_policy),
		cmocka_unit_test(it_bad_password),
		cmocka_unit_test(it_conn),
		cmocka_unit_test(it_append),
		cmocka_unit_test(it_batches),
	};
	int rc = cmocka_run_group_tests_name("net_imap", unit, NULL, NULL);
	const char *it = getenv("ATRIUM_IMAP_IT");

	if (it && strcmp(it, "1") == 0)
		rc += cmocka_run_group_tests_name("net_imap_dovecot", dovecot, it_setup, it_teardown);
	return rc;
}
