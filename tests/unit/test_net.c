/*
 * test_net.c - net/ without a server: the WebDAV multistatus reader, pin
 * strings and the public-key pin of a certificate, the back-off schedule,
 * share URLs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/core.h"
#include "net/net.h"

/* A self-signed P-256 certificate; its pin computed with openssl:
 *   openssl x509 -pubkey -noout | openssl pkey -pubin -outform der |
 *   openssl dgst -sha256 -binary | base64 */
static const char cert_pem[] =
	"-----BEGIN CERTIFICATE-----\n"
	"MIIBizCCATGgAwIBAgIUAkU026xjQA1hMLIS1Ns5ehyptgAwCgYIKoZIzj0EAwIw\n"
	"GzEZMBcGA1UEAwwQYXRyaXVtLXVuaXQtdGVzdDAeFw0yNjExMjEyMTExMTdaFw0z\n"
	"NjExMTgyMTExMTdaMBsxGTAXBgNVBAMMEGF0cml1bS11bml0LXRlc3QwWTATBgcq\n"
	"hkjOPQIBBggqhkjOPQMBBwNCAASLl7idyPyGvUEoL+QBI101Nf3l0376RH5AEcAv\n"
	"xS+FKxelzv6Yw/ms43+M5i7guIdB4b7GylaCflI05x3eIVs+o1MwUTAdBgNVHQ4E\n"
	"FgQUkUdY7AayXWTWtwYl9SYUbReNmzcwHwYDVR0jBBgwFoAUkUdY7AayXWTWtwYl\n"
	"9SYUbReNmzcwDwYDVR0TAQH/BAUwAwEB/zAKBggqhkjOPQQDAgNIADBFAiA252NC\n"
	"SuvhVCpaYjSnWiMI1jisIv1r2UJKuZ25lRRxMQIhAKDI10Ym5LfkiB0GHncC0z1S\n"
	"b5XHjduxJtiFxlHQgVLj\n"
	"-----END CERTIFICATE-----\n";
static const char cert_pin[] = "sha256//d+3D8xzsovyc2bB4iqo2RR0a7vIFtRQ7A5QdzQDrOoM=";

static void test_pin_of_certificate(void **state)
{
	char pin[NET_PIN_MAX];
	struct err e = { 0 };

	assert_int_equal(net_spki_pin_pem(cert_pem, pin, &e), 0);
	assert_string_equal(pin, cert_pin);
	assert_true(net_pins_valid(pin));
}

static void test_pin_refuses_garbage(void **state)
{
	char pin[NET_PIN_MAX];
	struct err e = { 0 };
	unsigned char junk[64];

	assert_int_equal(net_spki_pin_pem("no certificate here", pin, &e), E_PARSE);
	assert_int_equal(net_spki_pin_pem("-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----",
					  pin, &e), E_PARSE);
	memset(junk, 0x30, sizeof junk);
	assert_int_equal(net_spki_pin_der(junk, sizeof junk, pin, &e), E_PARSE);
	/* a certificate cut short is refused, never read past its end */
	{
		char cut[sizeof cert_pem];
		memcpy(cut, cert_pem, sizeof cert_pem);
		strcpy(strstr(cut, "SuvhVCpa"), "\n-----END CERTIFICATE-----\n");
		assert_int_equal(net_spki_pin_pem(cut, pin, &e), E_PARSE);
	}
}

static void test_pins_valid(void **state)
{
	assert_true(net_pins_valid(cert_pin));
	assert_true(net_pins_valid("sha256//d+3D8xzsovyc2bB4iqo2RR0a7vIFtRQ7A5QdzQDrOoM=;"
				   "sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="));
	assert_false(net_pins_valid(""));
	assert_false(net_pins_valid(NULL));
	assert_false(net_pins_valid("d+3D8xzsovyc2bB4iqo2RR0a7vIFtRQ7A5QdzQDrOoM="));
	assert_false(net_pins_valid("sha256//short="));
	assert_false(net_pins_valid("sha1//d+3D8xzsovyc2bB4iqo2RR0a7vIFtRQ7A5QdzQDrOoM="));
	assert_false(net_pins_valid("sha256//d+3D8xzsovyc2bB4iqo2RR0a7vIFtRQ7A5QdzQDrOo!="));
	assert_false(net_pins_valid("sha256//d+3D8xzsovyc2bB4iqo2RR0a7vIFtRQ7A5QdzQDrOoM=;"));
}

static const char listing[] =
	"<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
	"<D:multistatus xmlns:D=\"DAV:\">\n"
	"<D:response xmlns:lp1=\"DAV:\" xmlns:lp2=\"http://apache.org/dav/props/\">\n"
	"<D:href>/dav/team/reports/</D:href>\n"
	"<D:propstat><D:prop><lp1:resourcetype><D:collection/></lp1:resourcetype>\n"
	"<lp1:getlastmodified>Sat, 21 Nov 2026 17:08:32 GMT</lp1:getlastmodified>\n"
	"<lp1:getetag>\"1000-660cc6908a39e\"</lp1:getetag></D:prop>\n"
	"<D:status>HTTP/1.1 200 OK</D:status></D:propstat></D:response>\n"
	"<D:response><D:href>/dav/team/reports/q3%20%E6%8A%A5%E5%91%8A.md</D:href>\n"
	"<D:propstat><D:prop><D:resourcetype/><D:getcontentlength>1234</D:getcontentlength>\n"
	"<D:getetag>W/\"4d2-660cfa9860152\"</D:getetag></D:prop>\n"
	"<D:status>HTTP/1.1 200 OK</D:status></D:propstat>\n"
	"<D:propstat><D:prop><D:getcontentlength>99</D:getcontentlength><D:quota/></D:prop>\n"
	"<D:status>HTTP/1.1 404 Not Found</D:status></D:propstat></D:response>\n"
	/* another server's prefix and an absolute URL */
	"<x:response xmlns:x=\"DAV:\"><x:href>https://files.example.org/dav/team/reports/sub/</x:href>\n"
	"<x:propstat><x:prop><x:resourcetype><x:collection/></x:resourcetype></x:prop>\n"
	"<x:status>HTTP/1.1 200 OK</x:status></x:propstat></x:response>\n"
	/* names we would never ask for: ignored */
	"<D:response><D:href>/dav/team/../etc/passwd</D:href><D:propstat><D:prop/>"
	"<D:status>HTTP/1.1 200 OK</D:status></D:propstat></D:response>\n"
	"<D:response><D:href>/dav/team/a//b</D:href><D:propstat><D:prop/>"
	"<D:status>HTTP/1.1 200 OK</D:status></D:propstat></D:response>\n"
	"<D:response><D:href>/dav/team/x%1B%5B31m</D:href><D:propstat><D:prop/>"
	"<D:status>HTTP/1.1 200 OK</D:status></D:propstat></D:response>\n"
	/* outside the share: ignored */
	"<D:response><D:href>/elsewhere/secret</D:href><D:propstat><D:prop/>"
	"<D:status>HTTP/1.1 200 OK</D:status></D:propstat></D:response>\n"
	"</D:multistatus>\n";

static void test_multistatus(void **state)
{
	struct dav_entry *v;
	size_t n;
	struct err e = { 0 };

	assert_int_equal(dav_parse_multistatus(listing, strlen(listing), "/dav/team/", &v, &n, &e), 0);
	assert_int_equal(n, 3);
	assert_string_equal(v[0].path, "reports");
	assert_true(v[0].is_dir);
	assert_int_equal(v[0].modified, 1795280912); /* 2026-11-21 17:08:32 UTC */
	assert_string_equal(v[0].etag, "\"1000-660cc6908a39e\"");
	assert_false(v[0].weak);

	assert_string_equal(v[1].path, "reports/q3 报告.md");
	assert_string_equal(v[1].name, "q3 报告.md");
	assert_false(v[1].is_dir);
	assert_int_equal(v[1].size, 1234); /* not the 404 propstat's 99 */
	assert_string_equal(v[1].etag, "\"4d2-660cfa9860152\"");
	assert_true(v[1].weak);

	assert_string_equal(v[2].path, "reports/sub");
	assert_true(v[2].is_dir);
	assert_null(v[2].etag);
	dav_entries_free(v, n);
}

static void test_multistatus_root_and_errors(void **state)
{
	static const char root[] =
		"<D:multistatus xmlns:D=\"DAV:\"><D:response><D:href>/dav/team/</D:href>"
		"<D:propstat><D:prop><D:resourcetype><D:collection/></D:resourcetype></D:prop>"
		"<D:status>HTTP/1.1 200 OK</D:status></D:propstat></D:response></D:multistatus>";
	static const char bad[] = "<D:multistatus xmlns:D=\"DAV:\"><D:response><D:href>x";
	struct dav_entry *v;
	size_t n;
	struct err e = { 0 };

	assert_int_equal(dav_parse_multistatus(root, strlen(root), "/dav/team", &v, &n, &e), 0);
	assert_int_equal(n, 1);
	assert_string_equal(v[0].path, "");
	dav_entries_free(v, n);

	assert_int_equal(dav_parse_multistatus(bad, strlen(bad), "/dav/team/", &v, &n, &e), E_PARSE);
	assert_int_equal(n, 0);
	assert_null(v);
	assert_non_null(strstr(e.msg, "line"));
}

static void test_backoff(void **state)
{
	for (int i = 0; i < 200; i++) {
		int a = net_backoff_ms(1), b = net_backoff_ms(4), c = net_backoff_ms(40);
		assert_in_range(a, 750, 1250);
		assert_in_range(b, 6000, 10000);
		assert_in_range(c, 225000, 375000); /* capped at 5 min ±25 % */
	}
}

static void test_conn_states(void **state)
{
	struct net_conn c;

	net_conn_init(&c, "files", 0);
	assert_true(net_conn_may_try(&c, loop_now_ms()));
	net_conn_fail(&c, E_UNREACHABLE, "refused");
	assert_int_equal(c.state, NET_OFFLINE);
	assert_false(net_conn_may_try(&c, loop_now_ms()));        /* backing off */
	assert_true(net_conn_may_try(&c, loop_now_ms() + 2000));  /* 1 s ± 25 % later */
	net_conn_ok(&c);
	assert_int_equal(c.state, NET_ONLINE);
	assert_int_equal(c.failures, 0);
	net_conn_fail(&c, E_TLS, "certificate changed");
	assert_int_equal(c.state, NET_ERROR);
	assert_false(net_conn_may_try(&c, loop_now_ms() + 3600000)); /* waits for the user */
	net_conn_init(&c, "files", 1);
	assert_false(net_conn_may_try(&c, loop_now_ms()));
	assert_string_equal(net_state_name(NET_ONLINE), "online");
}

static void test_urls(void **state)
{
	struct net_server s = { .url = "https://h.example/dav/team/" };
	char *u;

	u = net_url(&s, "/reports/q3 报告#1.md");
	assert_string_equal(u, "https://h.example/dav/team/reports/q3%20%E6%8A%A5%E5%91%8A%231.md");
	free(u);
	u = net_url(&s, "a%20b");
	assert_string_equal(u, "https://h.example/dav/team/a%20b");
	free(u);
	s.url = "https://h.example/dav";
	u = net_url(&s, "x");
	assert_string_equal(u, "https://h.example/dav/x");
	free(u);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pin_of_certificate),
		cmocka_unit_test(test_pin_refuses_garbage),
		cmocka_unit_test(test_pins_valid),
		cmocka_unit_test(test_multistatus),
		cmocka_unit_test(test_multistatus_root_and_errors),
		cmocka_unit_test(test_backoff),
		cmocka_unit_test(test_conn_states),
		cmocka_unit_test(test_urls),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
