/*
 * test_net_smtp.c - net/smtp.c.
 *
 * Without a server: URLs, a closed port, and a fake server on loopback
 * (one without STARTTLS must be refused before a password goes out; a
 * silent one must give up after the stall time, or at once on a cancel
 * from another thread).
 *
 * With ATRIUM_SMTP_IT=1 (tests/integration/smtp.sh sets it with the test
 * servers' env) a second group runs against Dovecot's submission service
 * (STARTTLS and implicit TLS; delivery checked in the recipient's INBOX by
 * tests/integration/smtp_helper.py over IMAPS), and against that helper's
 * misbehaving TLS server for the outcomes a real server will not show:
 * a connection lost before or after the data's end, refusals with 4xx and
 * 5xx codes.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "core/core.h"
#include "modules/mail/compose.h"
#include "net/smtp.h"

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* ---- pure functions ---------------------------------------------------------- */

static void test_urls(void **state)
{
	char host[256];
	int implicit, port;
	struct err e = {0};

	assert_int_equal(smtp_parse_url("smtps://mail.example.test", &implicit, host, &port, &e),
			 0);
	assert_true(implicit);
	assert_int_equal(port, 465);
	assert_string_equal(host, "mail.example.test");
	assert_int_equal(smtp_parse_url("smtp://127.0.0.1:2525/", &implicit, host, &port, &e), 0);
	assert_false(implicit);
	assert_int_equal(port, 2525);
	assert_int_equal(smtp_parse_url("smtp://mail.example.test", &implicit, host, &port, &e), 0);
	assert_int_equal(port, 587); /* submission, not 25 */
	assert_int_equal(smtp_parse_url("smtps://[::1]:4650", &implicit, host, &port, &e), 0);
	assert_string_equal(host, "::1");
	assert_int_equal(port, 4650);
	assert_int_equal(smtp_parse_url("https://x", &implicit, host, &port, &e), E_USAGE);
	assert_int_equal(smtp_parse_url("smtp://", &implicit, host, &port, &e), E_USAGE);
	assert_int_equal(smtp_parse_url("smtp://h:0", &implicit, host, &port, &e), E_USAGE);
	assert_int_equal(smtp_parse_url("smtp://h:99999", &implicit, host, &port, &e), E_USAGE);
	assert_int_equal(smtp_parse_url("smtp://u@h", &implicit, host, &port, &e), E_USAGE);
	assert_int_equal(smtp_parse_url("smtp://h/path", &implicit, host, &port, &e), E_USAGE);
}

/* ---- a fake server on loopback ------------------------------------------------ */

enum fake_mode { FAKE_NO_STARTTLS, FAKE_SILENT };

struct fake {
	int lfd, port;
	enum fake_mode mode;
	pthread_t th;
	struct buf seen; /* what the client sent */
};

static void *fake_run(void *arg)
{
	struct fake *f = arg;
	struct pollfd p = {.fd = f->lfd, .events = POLLIN};
	char line[1024];
	int c;

	if (poll(&p, 1, 10000) <= 0)
		return NULL;
	c = accept(f->lfd, NULL, NULL);
	if (c < 0)
		return NULL;
	if (f->mode == FAKE_NO_STARTTLS) {
		const char *greet = "220 fake ESMTP\r\n";
		if (write(c, greet, strlen(greet)) < 0)
			goto out;
	}
	for (;;) {
		ssize_t n;
		struct pollfd q = {.fd = c, .events = POLLIN};
		if (poll(&q, 1, 5000) <= 0)
			break;
		n = read(c, line, sizeof line - 1);
		if (n <= 0)
			break;
		line[n] = 0;
		buf_add(&f->seen, line, (size_t)n);
		if (f->mode != FAKE_NO_STARTTLS)
			continue;
		if (strncasecmp(line, "EHLO", 4) == 0) {
			const char *r = "250-fake\r\n250 AUTH PLAIN LOGIN\r\n";
			if (write(c, r, strlen(r)) < 0)
				break;
		} else if (strncasecmp(line, "STARTTLS", 8) == 0) {
			const char *r = "454 TLS not available\r\n";
			if (write(c, r, strlen(r)) < 0)
				break;
		} else {
			const char *r = "250 ok\r\n";
			if (write(c, r, strlen(r)) < 0)
				break;
		}
	}
out:
	close(c);
	return NULL;
}

static void fake_start(struct fake *f, enum fake_mode mode)
{
	struct sockaddr_in sa = {.sin_family = AF_INET};
	socklen_t sl = sizeof sa;

	memset(f, 0, sizeof *f);
	f->mode = mode;
	buf_init(&f->seen);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	f->lfd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(f->lfd >= 0);
	assert_int_equal(bind(f->lfd, (struct sockaddr *)&sa, sizeof sa), 0);
	assert_int_equal(listen(f->lfd, 1), 0);
	assert_int_equal(getsockname(f->lfd, (struct sockaddr *)&sa, &sl), 0);
	f->port = ntohs(sa.sin_port);
	assert_int_equal(pthread_create(&f->th, NULL, fake_run, f), 0);
}

static void fake_stop(struct fake *f)
{
	if (f->th)
		pthread_join(f->th, NULL);
	close(f->lfd);
	buf_free(&f->seen);
}

static const char test_msg[] = "From: alice@example.test\r\nTo: bob@example.test\r\n"
			       "Subject: t\r\n\r\nhello\r\n";
static const char *const bob_only[] = {"bob@example.test"};

static void test_closed_port_is_unreachable(void **state)
{
	struct sockaddr_in sa = {.sin_family = AF_INET};
	socklen_t sl = sizeof sa;
	struct smtp_account a = {.user = "alice", .password = "pw"};
	struct smtp_result r;
	struct err e = {0};
	char *url;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	/* a port that was free a moment ago */
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &sl), 0);
	close(fd);
	xasprintf(&url, "smtps://127.0.0.1:%d", ntohs(sa.sin_port));
	a.url = url;
	assert_int_equal(
	    smtp_send(&a, "alice@example.test", bob_only, 1, test_msg, strlen(test_msg), &r, &e),
	    E_UNREACHABLE);
	assert_int_equal(r.outcome, SMTP_NOT_SENT);
	assert_non_null(strstr(e.msg, "127.0.0.1"));
	free(url);
}

static void test_no_starttls_is_refused_before_the_password(void **state)
{
	struct fake f;
	struct smtp_account a = {.user = "alice", .password = "secret-pw"};
	struct smtp_result r;
	struct err e = {0};
	char *url;

	fake_start(&f, FAKE_NO_STARTTLS);
	xasprintf(&url, "smtp://127.0.0.1:%d", f.port);
	a.url = url;
	assert_int_equal(
	    smtp_send(&a, "alice@example.test", bob_only, 1, test_msg, strlen(test_msg), &r, &e),
	    E_TLS);
	assert_int_equal(r.outcome, SMTP_NOT_SENT);
	assert_non_null(strstr(e.msg, "STARTTLS"));
	pthread_join(f.th, NULL);
	f.th = 0;
	/* it said hello and nothing more: no AUTH, no envelope */
	assert_non_null(strstr(buf_cstr(&f.seen), "EHLO"));
	assert_null(strstr(buf_cstr(&f.seen), "AUTH"));
	assert_null(strstr(buf_cstr(&f.seen), "MAIL"));
	fake_stop(&f);
	free(url);
}

static void test_a_silent_server_stalls_out(void **state)
{
	struct fake f;
	struct smtp_account a = {.stall_timeout_ms = 700};
	struct smtp_result r;
	struct err e = {0};
	char *url;
	double t0;

	fake_start(&f, FAKE_SILENT);
	xasprintf(&url, "smtps://127.0.0.1:%d", f.port);
	a.url = url;
	t0 = now_ms();
	assert_int_equal(
	    smtp_send(&a, "alice@example.test", bob_only, 1, test_msg, strlen(test_msg), &r, &e),
	    E_UNREACHABLE);
	assert_true(now_ms() - t0 < 4000);
	assert_int_equal(r.outcome, SMTP_NOT_SENT);
	fake_stop(&f);
	free(url);
}

struct canceller {
	int flag;
};

static void *cancel_later(void *arg)
{
	struct canceller *c = arg;

	usleep(200000);
	__atomic_store_n(&c->flag, 1, __ATOMIC_RELEASE);
	return NULL;
}

static void test_cancel_from_another_thread(void **state)
{
	struct fake f;
	struct canceller c = {0};
	struct smtp_account a = {.cancel = &c.flag};
	struct smtp_result r;
	struct err e = {0};
	pthread_t th;
	char *url;
	double t0;

	fake_start(&f, FAKE_SILENT);
	xasprintf(&url, "smtps://127.0.0.1:%d", f.port);
	a.url = url;
	t0 = now_ms();
	assert_int_equal(pthread_create(&th, NULL, cancel_later, &c), 0);
	assert_int_equal(
	    smtp_send(&a, "alice@example.test", bob_only, 1, test_msg, strlen(test_msg), &r, &e),
	    E_CANCELLED);
	assert_true(now_ms() - t0 < 2500);
	assert_int_equal(r.outcome, SMTP_NOT_SENT);
	pthread_join(th, NULL);
	fake_stop(&f);
	free(url);
}

static void test_no_recipient(void **state)
{
	struct smtp_account a = {.url = "smtps://127.0.0.1:1"};
	struct smtp_result r;
	struct err e = {0};

	assert_int_equal(
	    smtp_send(&a, "alice@example.test", NULL, 0, test_msg, strlen(test_msg), &r, &e),
	    E_USAGE);
}

/* ---- against the test servers ---------------------------------------------------- */

struct it {
	char *starttls_url, *implicit_url, *ca, *rogue, *password, *helper;
};

static const char *env_or_fail(const char *name)
{
	const char *v = getenv(name);

	if (!v || !*v)
		fail_msg("%s is not set (run tests/integration/smtp.sh)", name);
	return v;
}

static int it_setup(void **state)
{
	struct it *t = xcalloc(1, sizeof *t);
	const char *src = getenv("ATRIUM_SRC_DIR");

	xasprintf(&t->starttls_url, "smtp://127.0.0.1:%s", env_or_fail("SUBMISSION_PORT"));
	xasprintf(&t->implicit_url, "smtps://127.0.0.1:%s", env_or_fail("SUBMISSIONS_PORT"));
	t->ca = xstrdup(env_or_fail("CA_FILE"));
	xasprintf(&t->rogue, "%s/ca/rogue.pem", env_or_fail("ATRIUM_SERVERS_DIR"));
	t->password = xstrdup(env_or_fail("ALICE_PASSWORD"));
	env_or_fail("BOB_PASSWORD");
	env_or_fail("IMAPS_PORT");
	xasprintf(&t->helper, "/usr/bin/python3 %s/tests/integration/smtp_helper.py",
		  src && *src ? src : ".");
	*state = t;
	return 0;
}

static int it_teardown(void **state)
{
	struct it *t = *state;

	free(t->starttls_url);
	free(t->implicit_url);
	free(t->ca);
	free(t->rogue);
	free(t->password);
	free(t->helper);
	free(t);
	return 0;
}

/* A message from alice with a fresh Message-ID (returned). */
static char *it_message(struct mail_draft *d, const char *subject, struct buf *out)
{
	struct err e = {0};
	char *id = NULL;

	memset(d, 0, sizeof *d);
	d->from.name = xstrdup("Alice");
	d->from.addr = xstrdup("alice@example.test");
	mail_mbox_add(&d->to, &d->nto, "Bob", "bob@example.test");
	d->subject = xstrdup(subject);
	d->body = xstrdup("Hello Bob,\nthis went through net/smtp.\n");
	buf_init(out);
	if (mail_compose(d, out, &id, &e) != 0)
		fail_msg("mail_compose: %s", e.msg);
	return id;
}

/* The message as `user` received it (NULL when it did not arrive within
 * `wait` seconds); it is removed from the INBOX. */
static char *it_fetch(struct it *t, const char *user, const char *msgid, int wait)
{
	char tmpl[] = "/tmp/atrium-smtp-it.XXXXXX", *cmd, *got = NULL;
	int fd = mkstemp(tmpl), rc;
	FILE *f;

	assert_true(fd >= 0);
	close(fd);
	xasprintf(&cmd, "%s fetch %s '%s' %d > %s", t->helper, user, msgid, wait, tmpl);
	rc = system(cmd);
	free(cmd);
	if (rc == 0 && (f = fopen(tmpl, "rb"))) {
		struct buf b;
		char chunk[4096];
		size_t n;
		buf_init(&b);
		while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
			buf_add(&b, chunk, n);
		fclose(f);
		got = buf_detach(&b);
	}
	unlink(tmpl);
	return got;
}

static int it_send(struct it *t, const char *url, const char *ca, const char *password,
		   const char *const *rcpt, size_t nr, const struct buf *msg, struct smtp_result *r,
		   struct err *e)
{
	struct smtp_account a = {.url = url,
				 .user = "alice",
				 .password = password,
				 .tls = {(char *)ca, NULL},
				 .stall_timeout_ms = 10000};

	return smtp_send(&a, "alice@example.test", rcpt, nr, msg->data, msg->len, r, e);
}

static void it_delivered(struct it *t, const char *url, const char *what)
{
	struct mail_draft d;
	struct smtp_result r;
	struct err e = {0};
	struct buf msg;
	char *id, *got;

	id = it_message(&d, what, &msg);
	if (it_send(t, url, t->ca, t->password, bob_only, 1, &msg, &r, &e) != 0)
		fail_msg("smtp_send: %s", e.msg);
	assert_int_equal(r.outcome, SMTP_SENT);
	assert_int_equal(r.reply, 250);
	assert_true(strncmp(r.text, "250", 3) == 0);
	got = it_fetch(t, "bob", id, 10);
	if (!got)
		fail_msg("%s did not arrive in bob's INBOX", id);
	assert_non_null(strstr(got, what));
	assert_non_null(strstr(got, "this went through net/smtp."));
	free(got);
	free(id);
	buf_free(&msg);
	mail_draft_free(&d);
}

static void it_starttls_delivers(void **state)
{
	struct it *t = *state;

	it_delivered(t, t->starttls_url, "smtp it: STARTTLS");
}

static void it_implicit_tls_delivers(void **state)
{
	struct it *t = *state;

	it_delivered(t, t->implicit_url, "smtp it: implicit TLS");
}

/* Time per message, one connection each, as the outbox sends them. */
static void it_timing(void **state)
{
	struct it *t = *state;
	enum { N = 10 };
	char *ids[N];
	double t0, ms;

	t0 = now_ms();
	for (int i = 0; i < N; i++) {
		struct mail_draft d;
		struct smtp_result r;
		struct err e = {0};
		struct buf msg;
		ids[i] = it_message(&d, "smtp it: timing", &msg);
		if (it_send(t, t->implicit_url, t->ca, t->password, bob_only, 1, &msg, &r, &e) != 0)
			fail_msg("smtp_send: %s", e.msg);
		buf_free(&msg);
		mail_draft_free(&d);
	}
	ms = (now_ms() - t0) / N;
	print_message("# smtp: %d messages over implicit TLS, %.1f ms per message\n", N, ms);
	for (int i = 0; i < N; i++) {
		char *got = it_fetch(t, "bob", ids[i], 10);
		if (!got)
			fail_msg("%s did not arrive", ids[i]);
		free(got);
		free(ids[i]);
	}
}

static void it_bcc_receives_without_the_header(void **state)
{
	struct it *t = *state;
	struct mail_draft d;
	struct smtp_result r;
	struct err e = {0};
	struct buf msg;
	char **rcpt, *id = NULL, *got;
	size_t nr;

	memset(&d, 0, sizeof d);
	d.from.addr = xstrdup("alice@example.test");
	mail_mbox_add(&d.to, &d.nto, "Bob", "bob@example.test");
	mail_mbox_add(&d.bcc, &d.nbcc, "Carol", "carol@example.test");
	d.subject = xstrdup("smtp it: bcc");
	d.body = xstrdup("blind copy\n");
	buf_init(&msg);
	assert_int_equal(mail_compose(&d, &msg, &id, &e), 0);
	rcpt = mail_draft_rcpts(&d, &nr);
	assert_int_equal(nr, 2);
	if (it_send(t, t->starttls_url, t->ca, t->password, (const char *const *)rcpt, nr, &msg, &r,
		    &e) != 0)
		fail_msg("smtp_send: %s", e.msg);
	for (int u = 0; u < 2; u++) {
		const char *user = u ? "carol" : "bob";
		const char *end;
		got = it_fetch(t, user, id, 10);
		if (!got)
			fail_msg("%s did not arrive for %s", id, user);
		end = strstr(got, "\r\n\r\n");
		assert_non_null(end);
		/* no Bcc field in what either of them got */
		for (const char *p = got; p && p < end;
		     p = strstr(p, "\r\n") ? strstr(p, "\r\n") + 2 : NULL)
			assert_false(strncasecmp(p, "Bcc:", 4) == 0);
		assert_non_null(strstr(got, "blind copy"));
		free(got);
	}
	mail_strv_free(rcpt, nr);
	free(id);
	buf_free(&msg);
	mail_draft_free(&d);
}

static void it_wrong_password(void **state)
{
	struct it *t = *state;
	struct mail_draft d;
	struct smtp_result r;
	struct err e = {0};
	struct buf msg;
	char *id;

	id = it_message(&d, "smtp it: wrong password", &msg);
	assert_int_equal(it_send(t, t->starttls_url, t->ca, "wrong-pw", bob_only, 1, &msg, &r, &e),
			 E_AUTH);
	assert_non_null(strstr(e.msg, "user name or password"));
	assert_int_equal(r.outcome, SMTP_NOT_SENT);
	free(id);
	buf_free(&msg);
	mail_draft_free(&d);
}

static void it_wrong_ca_sends_nothing(void **state)
{
	struct it *t = *state;
	struct mail_draft d;
	struct smtp_result r;
	struct err e = {0};
	struct buf msg;
	char *id, *got;

	for (int implicit = 0; implicit < 2; implicit++) {
		id = it_message(&d, "smtp it: wrong CA", &msg);
		assert_int_equal(it_send(t, implicit ? t->implicit_url : t->starttls_url, t->rogue,
					 t->password, bob_only, 1, &msg, &r, &e),
				 E_TLS);
		assert_int_equal(r.outcome, SMTP_NOT_SENT);
		/* the message names the key that was refused */
		assert_true(strncmp(r.pin, "sha256//", 8) == 0);
		assert_non_null(strstr(e.msg, r.pin));
		assert_non_null(strstr(e.msg, "certificate"));
		got = it_fetch(t, "bob", id, 2);
		assert_null(got);
		free(id);
		buf_free(&msg);
		mail_draft_free(&d);
	}
}

/* The helper's misbehaving server: its port; *pid to stop it. */
static int it_fake(struct it *t, const char *scenario, FILE **pipe_out, int *pid)
{
	char *cmd;
	int port = 0;
	FILE *p;

	xasprintf(&cmd, "%s fake %s 2>/dev/null", t->helper, scenario);
	p = popen(cmd, "r");
	free(cmd);
	assert_non_null(p);
	if (fscanf(p, "%d %d", &port, pid) != 2)
		fail_msg("the fake server did not start");
	*pipe_out = p;
	return port;
}

static void it_fake_case(struct it *t, const char *scenario, size_t msg_len, int want_rc,
			 enum smtp_outcome want, int want_reply, const char *want_text)
{
	struct smtp_account a = {
	    .user = "alice", .password = "pw", .tls = {t->ca, NULL}, .stall_timeout_ms = 1000};
	struct smtp_result r;
	struct err e = {0};
	FILE *p;
	int pid, port = it_fake(t, scenario, &p, &pid);
	char *url, *msg = xmalloc(msg_len + 1);

	/* a message of msg_len bytes in CRLF lines */
	for (size_t i = 0; i < msg_len; i++)
		msg[i] = i % 70 == 68 ? '\r' : i % 70 == 69 ? '\n' : 'm';
	xasprintf(&url, "smtps://127.0.0.1:%d", port);
	a.url = url;
	if (smtp_send(&a, "alice@example.test", bob_only, 1, msg, msg_len, &r, &e) != want_rc)
		fail_msg("%s: rc %d (%s), wanted %d", scenario, e.code, e.msg, want_rc);
	if (r.outcome != want)
		fail_msg("%s: outcome %d, wanted %d (%s)", scenario, r.outcome, want, e.msg);
	if (want_reply)
		assert_int_equal(r.reply, want_reply);
	if (want_text && !strstr(e.msg, want_text))
		fail_msg("%s: '%s' lacks '%s'", scenario, e.msg, want_text);
	kill(pid, SIGTERM);
	pclose(p);
	free(url);
	free(msg);
}

static void it_lost_after_the_data_is_ambiguous(void **state)
{
	struct it *t = *state;

	it_fake_case(t, "drop-after-data", 700, E_UNREACHABLE, SMTP_UNKNOWN, 0, "may have");
	it_fake_case(t, "silent-after-data", 700, E_UNREACHABLE, SMTP_UNKNOWN, 0, "may have");
}

static void it_lost_during_the_data_is_safe(void **state)
{
	struct it *t = *state;

	it_fake_case(t, "drop-in-data", 8u << 20, E_UNREACHABLE, SMTP_NOT_SENT, 0, NULL);
}

static void it_refusals(void **state)
{
	struct it *t = *state;

	it_fake_case(t, "reject-rcpt", 700, E_PERM, SMTP_NOT_SENT, 550, "no such user here");
	it_fake_case(t, "tempfail-rcpt", 700, E_UNREACHABLE, SMTP_NOT_SENT, 451, "try again");
	it_fake_case(t, "reject-data", 700, E_PERM, SMTP_NOT_SENT, 554, "refused as spam");
	it_fake_case(t, "accept", 700, 0, SMTP_SENT, 250, NULL);
}

int main(void)
{
	const struct CMUnitTest unit[] = {
	    cmocka_unit_test(test_urls),
	    cmocka_unit_test(test_closed_port_is_unreachable),
	    cmocka_unit_test(test_no_starttls_is_refused_before_the_password),
	    cmocka_unit_test(test_a_silent_server_stalls_out),
	    cmocka_unit_test(test_cancel_from_another_thread),
	    cmocka_unit_test(test_no_recipient),
	};
	const struct CMUnitTest servers[] = {
	    cmocka_unit_test(it_starttls_delivers),
	    cmocka_unit_test(it_implicit_tls_delivers),
	    cmocka_unit_test(it_timing),
	    cmocka_unit_test(it_bcc_receives_without_the_header),
	    cmocka_unit_test(it_wrong_password),
	    cmocka_unit_test(it_wrong_ca_sends_nothing),
	    cmocka_unit_test(it_lost_after_the_data_is_ambiguous),
	    cmocka_unit_test(it_lost_during_the_data_is_safe),
	    cmocka_unit_test(it_refusals),
	};
	const char *it = getenv("ATRIUM_SMTP_IT");
	int rc;

	signal(SIGPIPE, SIG_IGN);
	rc = cmocka_run_group_tests_name("net_smtp", unit, NULL, NULL);
	if (it && strcmp(it, "1") == 0)
		rc +=
		    cmocka_run_group_tests_name("net_smtp_servers", servers, it_setup, it_teardown);
	return rc;
}
