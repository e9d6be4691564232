/*
 * test_mail_compose.c - the message writer and the reply/forward drafts
 * (modules/mail/compose.c). Header text is read back through the module's
 * own decoder (mail_hdr_decode), bodies through its QP and base64 decoders.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "modules/mail/compose.h"
#include "modules/mail/mail_int.h"

/* ---- helpers ------------------------------------------------------------- */

static void draft_basic(struct mail_draft *d, const char *subject, const char *body)
{
	memset(d, 0, sizeof *d);
	d->from.name = xstrdup("Alice");
	d->from.addr = xstrdup("alice@example.test");
	mail_mbox_add(&d->to, &d->nto, "Bob", "bob@example.test");
	d->subject = subject ? xstrdup(subject) : NULL;
	d->body = body ? xstrdup(body) : NULL;
	d->date = 1795226400;
}

static char *compose_ok(const struct mail_draft *d)
{
	struct buf b;
	struct err e = {0};

	buf_init(&b);
	if (mail_compose(d, &b, NULL, &e) != 0)
		fail_msg("mail_compose: %s", e.msg);
	return buf_detach(&b);
}

/* Every line ends in CRLF, none passes 998 bytes, header lines pass no
 * 78 columns. */
static void check_lines(const char *m, int hdr_width)
{
	int in_hdr = 1;

	for (const char *p = m; *p;) {
		const char *nl = strchr(p, '\n');
		size_t n;
		assert_non_null(nl);
		assert_true(nl > p && nl[-1] == '\r');
		n = (size_t)(nl - p - 1);
		assert_true(n <= 998);
		if (in_hdr && n == 0)
			in_hdr = 0;
		if (in_hdr && hdr_width && n > 78)
			fail_msg("header line of %zu columns: %.*s", n, (int)n, p);
		p = nl + 1;
	}
}

/* The unfolded value of the first header `name` (before the body). */
static char *header(const char *m, const char *name)
{
	size_t nl = strlen(name);
	const char *end = strstr(m, "\r\n\r\n");

	for (const char *p = m; p && p < end; p = strstr(p, "\r\n") + 2) {
		if (strncasecmp(p, name, nl) == 0 && p[nl] == ':') {
			struct buf b;
			const char *v = p + nl + 1;
			buf_init(&b);
			while (*v == ' ')
				v++;
			for (;;) {
				const char *e = strstr(v, "\r\n");
				buf_add(&b, v, (size_t)(e - v));
				if (e[2] != ' ' && e[2] != '\t')
					break;
				v = e + 2; /* unfolding: CRLF goes, the space stays */
			}
			return buf_detach(&b);
		}
	}
	return NULL;
}

static char *decoded(const char *m, const char *name)
{
	char *raw = header(m, name), *r;

	if (!raw)
		fail_msg("no %s header", name);
	r = mail_hdr_decode_str(raw, NULL);
	free(raw);
	return r;
}

/* Each encoded word at most 75 characters. */
static void check_words(const char *m)
{
	for (const char *p = strstr(m, "=?"); p; p = strstr(p + 2, "=?")) {
		const char *q = strstr(p + 2, "?=");
		const char *sp = strpbrk(p, " \r");
		assert_non_null(q);
		if (sp && sp < q)
			continue; /* not a word (a literal "=?" in plain text) */
		assert_true(q + 2 - p <= 75);
		p = q;
	}
}

/* ---- encoded words and folding ------------------------------------------- */

static void test_chinese_subject_round_trips_through_the_decoder(void **state)
{
	const char *s =
	    "会议纪要：第三季度预算与人员安排的讨论结果（请在周五之前回复，谢谢大家的配合）";
	struct mail_draft d;
	char *m, *got;

	draft_basic(&d, s, "hi");
	m = compose_ok(&d);
	check_lines(m, 1);
	check_words(m);
	assert_non_null(strstr(m, "Subject: =?UTF-8?B?"));
	got = decoded(m, "Subject");
	assert_string_equal(got, s);
	free(got);
	free(m);
	mail_draft_free(&d);
}

static void test_long_ascii_subject_is_folded_and_unfolds_to_itself(void **state)
{
	struct buf s;
	struct mail_draft d;
	char *m, *raw;

	buf_init(&s);
	for (int i = 0; i < 30; i++)
		buf_printf(&s, "%sword%d", i ? " " : "", i);
	draft_basic(&d, buf_cstr(&s), "x");
	m = compose_ok(&d);
	check_lines(m, 1);
	assert_null(strstr(m, "=?")); /* plain words stay plain */
	raw = header(m, "Subject");
	assert_string_equal(raw, s.data);
	free(raw);
	free(m);
	mail_draft_free(&d);
	buf_free(&s);
}

static void test_mixed_subject_keeps_spaces_and_literal_markers(void **state)
{
	const char *s = "Re: Q3 报告 attached =?not-a-word?= café au lait, 100% done";
	struct mail_draft d;
	char *m, *got;

	draft_basic(&d, s, "x");
	m = compose_ok(&d);
	check_lines(m, 1);
	check_words(m);
	got = decoded(m, "Subject");
	assert_string_equal(got, s);
	free(got);
	free(m);
	mail_draft_free(&d);
}

static void test_a_very_long_word_is_encoded_so_it_can_fold(void **state)
{
	char s[301];
	struct mail_draft d;
	char *m, *got;

	memset(s, 'x', 300);
	s[300] = 0;
	draft_basic(&d, s, "x");
	m = compose_ok(&d);
	check_lines(m, 1);
	got = decoded(m, "Subject");
	assert_string_equal(got, s);
	free(got);
	free(m);
	mail_draft_free(&d);
}

static void test_names_with_quotes_commas_and_chinese(void **state)
{
	struct mail_draft d;
	struct mail_mbox *v;
	size_t n;
	struct err e = {0};
	char *m, *to;

	draft_basic(&d, "names", "x");
	mail_mbox_add(&d.to, &d.nto, "Doe, \"Johnny\" J.", "john@example.test");
	mail_mbox_add(&d.to, &d.nto, "张三", "zhang@example.test");
	mail_mbox_add(&d.cc, &d.ncc, NULL, "carol@example.test");
	m = compose_ok(&d);
	check_lines(m, 1);
	assert_non_null(strstr(m, "\"Doe, \\\"Johnny\\\" J.\" <john@example.test>"));
	to = decoded(m, "To");
	assert_string_equal(to, "Bob <bob@example.test>, \"Doe, \\\"Johnny\\\" J.\" "
				"<john@example.test>, 张三 <zhang@example.test>");
	/* and what the decoder shows parses back to the same people */
	assert_int_equal(mail_addr_parse_list(to, &v, &n, &e), 0);
	assert_int_equal(n, 3);
	assert_string_equal(v[1].name, "Doe, \"Johnny\" J.");
	assert_string_equal(v[1].addr, "john@example.test");
	assert_string_equal(v[2].name, "张三");
	mail_mboxes_free(v, n);
	free(to);
	to = header(m, "Cc");
	assert_string_equal(to, "carol@example.test");
	free(to);
	free(m);
	mail_draft_free(&d);
}

/* ---- recipients ------------------------------------------------------------ */

static void test_bcc_is_in_the_envelope_only(void **state)
{
	struct mail_draft d;
	char **r, *m;
	size_t n;

	draft_basic(&d, "secret", "x");
	mail_mbox_add(&d.cc, &d.ncc, NULL, "BOB@example.test"); /* the same as To */
	mail_mbox_add(&d.bcc, &d.nbcc, "Carol", "carol@example.test");
	m = compose_ok(&d);
	assert_null(strcasestr(m, "bcc"));
	assert_null(strstr(m, "carol"));
	r = mail_draft_rcpts(&d, &n);
	assert_int_equal(n, 2);
	assert_string_equal(r[0], "bob@example.test");
	assert_string_equal(r[1], "carol@example.test");
	mail_strv_free(r, n);
	free(m);
	mail_draft_free(&d);
}

static void test_bad_addresses_are_named(void **state)
{
	const char *good[] = {"a@b.c", "first.last+tag@example.test", "\"odd one\"@example.test",
			      "x@[192.0.2.1]", "user@localhost"};
	const char *bad[] = {"",
			     "plain",
			     "@example.test",
			     "a@",
			     "a@@b",
			     "a b@c.d",
			     "a..b@c.d",
			     ".a@c.d",
			     "a@-x.test",
			     "a@x_y.test",
			     "a@b.c\r\nBcc: x@y.z",
			     "ü@example.test"};
	struct mail_draft d;
	struct mail_mbox *v;
	struct buf b;
	struct err e = {0};
	size_t n;

	for (size_t i = 0; i < nitems(good); i++)
		if (!mail_addr_valid(good[i]))
			fail_msg("refused %s", good[i]);
	for (size_t i = 0; i < nitems(bad); i++)
		if (mail_addr_valid(bad[i]))
			fail_msg("took %s", bad[i]);
	draft_basic(&d, "s", "x");
	mail_mbox_add(&d.cc, &d.ncc, NULL, "not-an-address");
	buf_init(&b);
	assert_int_equal(mail_compose(&d, &b, NULL, &e), E_PARSE);
	assert_string_equal(e.msg, "not an address: not-an-address");
	mail_draft_free(&d);
	assert_int_equal(mail_addr_parse_list("Bob <bob@example.test>, oops, c@d.e", &v, &n, &e),
			 E_PARSE);
	assert_string_equal(e.msg, "not an address: oops");
	assert_int_equal(
	    mail_addr_parse_list("\"Last, First\" <lf@example.test>; x@y.z", &v, &n, &e), 0);
	assert_int_equal(n, 2);
	assert_string_equal(v[0].name, "Last, First");
	assert_null(v[1].name);
	mail_mboxes_free(v, n);
	/* no recipient at all */
	memset(&d, 0, sizeof d);
	d.from.addr = xstrdup("alice@example.test");
	assert_int_equal(mail_compose(&d, &b, NULL, &e), E_PARSE);
	mail_draft_free(&d);
	buf_free(&b);
}

/* ---- the text -------------------------------------------------------------- */

/* The body after the blank line. */
static const char *body_of(const char *m)
{
	const char *p = strstr(m, "\r\n\r\n");
	assert_non_null(p);
	return p + 4;
}

/* Undo format=flowed (DelSp=no) on CRLF lines: stuffing off, soft breaks
 * joined. Quote depth is kept as marks. */
static char *unflow(const char *s)
{
	struct buf b;

	buf_init(&b);
	while (*s) {
		const char *e = strstr(s, "\r\n");
		size_t n = (size_t)(e - s), depth = 0;
		while (depth < n && s[depth] == '>')
			depth++;
		if (b.len == 0 || b.data[b.len - 1] == '\n')
			buf_add(&b, s, depth);
		s += depth;
		n -= depth;
		if (n > 0 && s[0] == ' ')
			s++, n--;
		buf_add(&b, s, n);
		if (!(n > 0 && s[n - 1] == ' ' && !(n == 3 && memcmp(s, "-- ", 3) == 0)))
			buf_addc(&b, '\n');
		s = e + 2;
	}
	return buf_detach(&b);
}

static void test_flowed_text_breaks_softly_and_stuffs(void **state)
{
	struct buf in;
	struct mail_draft d;
	char *m, *back;
	const char *p;

	buf_init(&in);
	for (int i = 0; i < 40; i++)
		buf_printf(&in, "word%d ", i);
	buf_adds(&in, "end\nFrom here on\n indented\n> quoted ");
	for (int i = 0; i < 30; i++)
		buf_adds(&in, "quote ");
	buf_adds(&in, "q\n\n-- \nsig\n");
	draft_basic(&d, "flow", in.data);
	m = compose_ok(&d);
	check_lines(m, 1);
	assert_non_null(strstr(m, "format=flowed"));
	assert_non_null(strstr(m, "Content-Transfer-Encoding: 7bit"));
	p = body_of(m);
	for (const char *l = p; *l; l = strstr(l, "\r\n") + 2)
		assert_true(strstr(l, "\r\n") - l <= 72);
	assert_non_null(strstr(p, "\r\n From here on\r\n"));
	assert_non_null(strstr(p, "\r\n  indented\r\n"));
	assert_non_null(strstr(p, "\r\n-- \r\nsig\r\n"));
	back = unflow(p);
	/* the quote's space after ">" is stuffing: unflow drops it */
	assert_non_null(strstr(back, "word39 end\nFrom here on\n indented\n>quoted quote"));
	assert_true(strncmp(back, in.data, strstr(in.data, "\n>") - in.data) == 0);
	free(back);
	free(m);
	mail_draft_free(&d);
	buf_free(&in);
}

static void test_non_ascii_text_is_quoted_printable(void **state)
{
	struct mail_draft d;
	struct buf dec;
	char *m;

	draft_basic(&d, "x", "你好，世界\r\nsecond line =x\r\n");
	m = compose_ok(&d);
	check_lines(m, 1);
	assert_non_null(strstr(m, "Content-Transfer-Encoding: quoted-printable"));
	for (const char *p = m; *p; p++)
		assert_true((unsigned char)*p < 0x80); /* 7-bit clean on the wire */
	buf_init(&dec);
	mail_qp_decode(body_of(m), strlen(body_of(m)), 0, &dec);
	assert_string_equal(buf_cstr(&dec), "你好，世界\r\nsecond line =x\r\n");
	buf_free(&dec);
	free(m);
	mail_draft_free(&d);
	draft_basic(&d, "x", "bad \xff byte");
	{
		struct buf b;
		struct err e = {0};
		buf_init(&b);
		assert_int_equal(mail_compose(&d, &b, NULL, &e), E_PARSE);
		buf_free(&b);
	}
	mail_draft_free(&d);
}

static void test_a_line_past_998_bytes_is_quoted_printable(void **state)
{
	char line[3001];
	struct mail_draft d;
	struct buf dec;
	char *m;

	for (int i = 0; i < 3000; i++)
		line[i] = i % 50 == 49 ? '=' : (char)('a' + i % 26);
	line[3000] = 0;
	draft_basic(&d, "long", line);
	m = compose_ok(&d);
	check_lines(m, 1);
	assert_non_null(strstr(m, "Content-Transfer-Encoding: quoted-printable"));
	for (const char *l = body_of(m); *l; l = strstr(l, "\r\n") + 2)
		assert_true(strstr(l, "\r\n") - l <= 76);
	buf_init(&dec);
	mail_qp_decode(body_of(m), strlen(body_of(m)), 0, &dec);
	assert_int_equal(dec.len, 3002);
	assert_memory_equal(dec.data, line, 3000);
	buf_free(&dec);
	free(m);
	mail_draft_free(&d);
}

/* ---- attachments --------------------------------------------------------- */

/* The decoded bytes of the part whose headers contain `mark`. */
static void part_data(const char *m, const char *mark, struct buf *out)
{
	const char *p = strstr(m, mark), *s, *e;

	assert_non_null(p);
	s = strstr(p, "\r\n\r\n");
	assert_non_null(s);
	s += 4;
	e = strstr(s, "--=_atrium_");
	assert_non_null(e);
	for (const char *l = s; l < e; l = strstr(l, "\r\n") + 2)
		assert_true(strstr(l, "\r\n") - l <= 76);
	assert_int_equal(mail_b64_decode(s, (size_t)(e - s), out), 0);
}

/* Reassemble an RFC 2231 parameter (one piece or numbered ones). */
static char *param_2231(const char *hdr, const char *attr)
{
	struct buf raw, out;
	char key[64];

	buf_init(&raw);
	snprintf(key, sizeof key, "%s*=UTF-8''", attr);
	if (strstr(hdr, key)) {
		const char *p = strstr(hdr, key) + strlen(key);
		buf_add(&raw, p, strcspn(p, "; \r"));
	} else {
		for (int k = 0;; k++) {
			const char *p;
			snprintf(key, sizeof key, k ? "%s*%d*=" : "%s*%d*=UTF-8''", attr, k);
			p = strstr(hdr, key);
			if (!p)
				break;
			p += strlen(key);
			buf_add(&raw, p, strcspn(p, "; \r"));
		}
	}
	buf_init(&out);
	for (size_t i = 0; i < raw.len; i++) {
		unsigned v;
		if (raw.data[i] == '%' && sscanf(raw.data + i + 1, "%2x", &v) == 1) {
			buf_addc(&out, (char)v);
			i += 2;
		} else {
			buf_addc(&out, raw.data[i]);
		}
	}
	buf_free(&raw);
	return buf_detach(&out);
}

static void test_attachments_round_trip_in_base64(void **state)
{
	char path[] = "/tmp/atrium-compose-XXXXXX";
	unsigned char *bytes = xmalloc(100000);
	struct mail_draft d;
	struct buf dec;
	char *m, *name, *csv_path;
	FILE *f;

	for (int i = 0; i < 100000; i++)
		bytes[i] = (unsigned char)(i * 7919 >> 3);
	assert_non_null(mkdtemp(path));
	xasprintf(&csv_path, "%s/q3.csv", path);
	f = fopen(csv_path, "wb");
	assert_non_null(f);
	fputs("quarter,revenue\n3,1200\n", f);
	fclose(f);
	draft_basic(&d, "files", "see attached");
	d.att = xcalloc(2, sizeof *d.att);
	d.natt = 2;
	d.att[0].data = bytes;
	d.att[0].len = 100000;
	d.att[0].name = xstrdup("报告 2026 Q3.pdf");
	d.att[1].path = xstrdup(csv_path);
	m = compose_ok(&d);
	check_lines(m, 1);
	assert_non_null(strstr(m, "Content-Type: multipart/mixed;"));
	assert_non_null(strstr(m, "Content-Type: application/pdf;"));
	assert_non_null(strstr(m, "Content-Type: text/csv; name=\"q3.csv\""));
	assert_non_null(strstr(m, "filename=\"q3.csv\""));
	name = param_2231(m, "filename");
	assert_string_equal(name, "报告 2026 Q3.pdf");
	free(name);
	buf_init(&dec);
	part_data(m, "application/pdf", &dec);
	assert_int_equal(dec.len, 100000);
	assert_memory_equal(dec.data, bytes, 100000);
	buf_reset(&dec);
	part_data(m, "text/csv", &dec);
	assert_int_equal(dec.len, strlen("quarter,revenue\n3,1200\n"));
	assert_memory_equal(dec.data, "quarter,revenue\n3,1200\n", dec.len);
	buf_free(&dec);
	/* an unreadable file is E_IO naming it */
	free(d.att[1].path);
	xasprintf(&d.att[1].path, "%s/missing.txt", path);
	{
		struct buf b;
		struct err e = {0};
		buf_init(&b);
		assert_int_equal(mail_compose(&d, &b, NULL, &e), E_IO);
		assert_non_null(strstr(e.msg, "missing.txt"));
		buf_free(&b);
	}
	unlink(csv_path);
	rmdir(path);
	free(csv_path);
	free(m);
	mail_draft_free(&d);
}

static void test_a_long_non_ascii_name_is_continued(void **state)
{
	const char *n = "第三季度财务报告及各部门预算执行情况汇总（最终版，请勿外传）.xlsx";
	struct mail_draft d;
	char *m, *got;

	draft_basic(&d, "x", "x");
	d.att = xcalloc(1, sizeof *d.att);
	d.natt = 1;
	d.att[0].data = xstrdup("PK");
	d.att[0].len = 2;
	d.att[0].name = xstrdup(n);
	m = compose_ok(&d);
	check_lines(m, 1);
	assert_non_null(strstr(m, "filename*0*=UTF-8''"));
	assert_non_null(strstr(m, "filename*1*="));
	assert_non_null(strstr(m, "spreadsheetml.sheet"));
	got = param_2231(m, "filename");
	assert_string_equal(got, n);
	free(got);
	free(m);
	mail_draft_free(&d);
}

static void test_types_from_extensions(void **state)
{
	assert_string_equal(mail_type_guess("a.PDF"), "application/pdf");
	assert_string_equal(mail_type_guess("x.jpg"), "image/jpeg");
	assert_string_equal(mail_type_guess("x.ods"),
			    "application/vnd.oasis.opendocument.spreadsheet");
	assert_string_equal(mail_type_guess("m.eml"), "message/rfc822");
	assert_string_equal(mail_type_guess("noext"), "application/octet-stream");
	assert_string_equal(mail_type_guess("a.tar.unknown"), "application/octet-stream");
}

static void test_a_bad_type_cannot_inject_headers(void **state)
{
	struct mail_draft d;
	char *m;

	draft_basic(&d, "x", "x");
	d.att = xcalloc(1, sizeof *d.att);
	d.natt = 1;
	d.att[0].data = xstrdup("abc");
	d.att[0].len = 3;
	d.att[0].name = xstrdup("a\r\nBcc: x@y.z.txt");
	d.att[0].type = xstrdup("text/plain\r\nBcc: evil@example.test");
	m = compose_ok(&d);
	check_lines(m, 1);
	/* no field starts a line; the name keeps its words, controls gone */
	assert_null(strstr(m, "\nBcc"));
	assert_null(strstr(m, "evil"));
	assert_non_null(strstr(m, "Content-Type: text/plain;")); /* from the name's .txt */
	assert_non_null(strstr(m, "filename=\"a__Bcc: x@y.z.txt\""));
	free(m);
	mail_draft_free(&d);
}

static void test_a_25_mb_attachment_is_linear(void **state)
{
	size_t len = 25u << 20;
	struct mail_draft d;
	struct timespec t0, t1;
	struct buf b;
	struct err e = {0};
	double ms;

	draft_basic(&d, "big", "x");
	d.att = xcalloc(1, sizeof *d.att);
	d.natt = 1;
	d.att[0].data = xmalloc(len);
	memset(d.att[0].data, 0xa5, len);
	d.att[0].len = len;
	d.att[0].name = xstrdup("big.zip");
	buf_init(&b);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(mail_compose(&d, &b, NULL, &e), 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
	print_message("# 25 MB attachment composed in %.0f ms (%zu bytes)\n", ms, b.len);
	assert_true(b.len > len * 4 / 3);
	assert_true(ms < 5000);
	buf_free(&b);
	mail_draft_free(&d);
}

/* ---- ids and dates --------------------------------------------------------- */

static void test_message_ids_are_unique_and_on_the_senders_domain(void **state)
{
	enum { N = 2000 };
	char **ids = xcalloc(N, sizeof *ids);
	struct mail_draft d;
	char *m, *got, *id = NULL;
	struct buf b;
	struct err e = {0};

	for (int i = 0; i < N; i++) {
		ids[i] = mail_msgid_new("alice@example.test");
		assert_int_equal(ids[i][0], '<');
		assert_non_null(strstr(ids[i], "@example.test>"));
		for (int k = 0; k < i; k++)
			assert_string_not_equal(ids[i], ids[k]);
	}
	for (int i = 0; i < N; i++)
		free(ids[i]);
	free(ids);
	draft_basic(&d, "x", "x");
	buf_init(&b);
	assert_int_equal(mail_compose(&d, &b, &id, &e), 0);
	got = header(buf_cstr(&b), "Message-ID");
	assert_string_equal(got, id);
	free(got);
	free(id);
	buf_free(&b);
	/* a given one is kept */
	d.message_id = xstrdup("<given@example.test>");
	m = compose_ok(&d);
	got = header(m, "Message-ID");
	assert_string_equal(got, "<given@example.test>");
	free(got);
	free(m);
	mail_draft_free(&d);
}

static void test_date_has_english_names_and_the_zone(void **state)
{
	char out[40];
	const char *tz = getenv("TZ");
	char *old = tz ? xstrdup(tz) : NULL;

	setenv("TZ", "Asia/Shanghai", 1);
	tzset();
	mail_date_format(1795226400, out);
	assert_string_equal(out, "Sat, 21 Nov 2026 10:00:00 +0800");
	setenv("TZ", "America/St_Johns", 1);
	tzset();
	mail_date_format(1795226400, out);
	assert_string_equal(out, "Fri, 20 Nov 2026 22:30:00 -0330");
	if (old)
		setenv("TZ", old, 1);
	else
		unsetenv("TZ");
	tzset();
	free(old);
}

/* ---- replies and forwards ---------------------------------------------------- */

static const struct mail_mbox me = {"Alice", "alice@example.test"};

static void orig_basic(struct mail_orig *o, struct mail_mbox *to, struct mail_mbox *cc)
{
	memset(o, 0, sizeof *o);
	o->message_id = "<m2@example.test>";
	o->references = "<m0@example.test> <m1@example.test>";
	o->subject = "Re: RE: re : Budget";
	o->date = "Sat, 21 Nov 2026 10:00";
	o->from.name = "Bob";
	o->from.addr = "bob@example.test";
	to[0] = (struct mail_mbox){"Alice", "ALICE@example.test"};
	to[1] = (struct mail_mbox){"Carol", "carol@example.test"};
	cc[0] = (struct mail_mbox){NULL, "dave@example.test"};
	cc[1] = (struct mail_mbox){"Carol again", "Carol@Example.test"};
	o->to = to;
	o->nto = 2;
	o->cc = cc;
	o->ncc = 2;
	o->body = "Numbers below.\n> earlier\n\nBob";
}

static void test_reply_headers_and_quote(void **state)
{
	struct mail_mbox to[2], cc[2];
	struct mail_orig o;
	struct mail_draft d;

	orig_basic(&o, to, cc);
	mail_reply(&o, &me, 0, &d);
	assert_string_equal(d.subject, "Re: Budget");
	assert_string_equal(d.in_reply_to, "<m2@example.test>");
	assert_string_equal(d.references, "<m0@example.test> <m1@example.test> <m2@example.test>");
	assert_int_equal(d.nto, 1);
	assert_string_equal(d.to[0].addr, "bob@example.test");
	assert_int_equal(d.ncc, 0);
	assert_string_equal(d.from.addr, "alice@example.test");
	assert_string_equal(d.body, "On Sat, 21 Nov 2026 10:00, Bob wrote:\n"
				    "> Numbers below.\n>> earlier\n>\n> Bob\n");
	mail_draft_free(&d);
	/* Reply-To wins over From */
	{
		struct mail_mbox rt = {"List", "list@example.test"};
		o.reply_to = &rt;
		o.nreply_to = 1;
		mail_reply(&o, &me, 0, &d);
		assert_int_equal(d.nto, 1);
		assert_string_equal(d.to[0].addr, "list@example.test");
		mail_draft_free(&d);
		o.reply_to = NULL;
		o.nreply_to = 0;
	}
	o.subject = "Budget";
	mail_reply(&o, &me, 0, &d);
	assert_string_equal(d.subject, "Re: Budget");
	mail_draft_free(&d);
}

static void test_reply_all_drops_me_and_duplicates(void **state)
{
	struct mail_mbox to[2], cc[2];
	struct mail_orig o;
	struct mail_draft d;

	orig_basic(&o, to, cc);
	mail_reply(&o, &me, 1, &d);
	assert_int_equal(d.nto, 1);
	assert_string_equal(d.to[0].addr, "bob@example.test");
	assert_int_equal(d.ncc, 2);
	assert_string_equal(d.cc[0].addr, "carol@example.test");
	assert_string_equal(d.cc[1].addr, "dave@example.test");
	mail_draft_free(&d);
}

static void test_references_are_trimmed_keeping_first_and_last(void **state)
{
	struct mail_mbox to[2], cc[2];
	struct mail_orig o;
	struct mail_draft d;
	struct buf refs;
	char want_last[40];
	size_t n = 0;

	orig_basic(&o, to, cc);
	buf_init(&refs);
	for (int i = 0; i < 50; i++)
		buf_printf(&refs, "<r%d@example.test>\r\n ", i);
	o.references = buf_cstr(&refs);
	mail_reply(&o, &me, 0, &d);
	for (const char *p = d.references; (p = strchr(p, '<')); p++)
		n++;
	assert_int_equal(n, MAIL_REFS_MAX);
	assert_true(strncmp(d.references, "<r0@example.test> ", 18) == 0);
	snprintf(want_last, sizeof want_last, "<r49@example.test> <m2@example.test>");
	assert_non_null(strstr(d.references, want_last));
	assert_null(strstr(d.references, "<r1@example.test>"));
	mail_draft_free(&d);
	buf_free(&refs);
}

static void test_forward_inline_and_as_attachment(void **state)
{
	struct mail_mbox to[2], cc[2];
	struct mail_orig o;
	struct mail_draft d;
	const char *raw = "From: Bob <bob@example.test>\r\nSubject: Budget\r\n\r\nNumbers.\r\n";
	char *m;

	orig_basic(&o, to, cc);
	o.subject = "Budget";
	o.raw = raw;
	o.raw_len = strlen(raw);
	mail_forward(&o, &me, 0, &d);
	assert_string_equal(d.subject, "Fwd: Budget");
	assert_int_equal(d.nto, 0);
	assert_non_null(strstr(d.body, "From: Bob <bob@example.test>\n"));
	assert_non_null(strstr(d.body, "Subject: Budget\n"));
	assert_non_null(
	    strstr(d.body, "Cc: dave@example.test, Carol again <Carol@Example.test>\n"));
	assert_non_null(strstr(d.body, "\n\nNumbers below."));
	mail_draft_free(&d);

	o.subject = "Fwd: Budget";
	mail_forward(&o, &me, 1, &d);
	assert_string_equal(d.subject, "Fwd: Budget");
	assert_int_equal(d.natt, 1);
	mail_mbox_add(&d.to, &d.nto, NULL, "erin@example.test");
	m = compose_ok(&d);
	check_lines(m, 1);
	assert_non_null(strstr(m, "Content-Type: message/rfc822;"));
	assert_non_null(
	    strstr(m, "Content-Transfer-Encoding: 7bit\r\n\r\n"
		      "From: Bob <bob@example.test>\r\nSubject: Budget\r\n\r\nNumbers.\r\n"));
	free(m);
	mail_draft_free(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_chinese_subject_round_trips_through_the_decoder),
	    cmocka_unit_test(test_long_ascii_subject_is_folded_and_unfolds_to_itself),
	    cmocka_unit_test(test_mixed_subject_keeps_spaces_and_literal_markers),
	    cmocka_unit_test(test_a_very_long_word_is_encoded_so_it_can_fold),
	    cmocka_unit_test(test_names_with_quotes_commas_and_chinese),
	    cmocka_unit_test(test_bcc_is_in_the_envelope_only),
	    cmocka_unit_test(test_bad_addresses_are_named),
	    cmocka_unit_test(test_flowed_text_breaks_softly_and_stuffs),
	    cmocka_unit_test(test_non_ascii_text_is_quoted_printable),
	    cmocka_unit_test(test_a_line_past_998_bytes_is_quoted_printable),
	    cmocka_unit_test(test_attachments_round_trip_in_base64),
	    cmocka_unit_test(test_a_long_non_ascii_name_is_continued),
	    cmocka_unit_test(test_types_from_extensions),
	    cmocka_unit_test(test_a_bad_type_cannot_inject_headers),
	    cmocka_unit_test(test_a_25_mb_attachment_is_linear),
	    cmocka_unit_test(test_message_ids_are_unique_and_on_the_senders_domain),
	    cmocka_unit_test(test_date_has_english_names_and_the_zone),
	    cmocka_unit_test(test_reply_headers_and_quote),
	    cmocka_unit_test(test_reply_all_drops_me_and_duplicates),
	    cmocka_unit_test(test_references_are_trimmed_keeping_first_and_last),
	    cmocka_unit_test(test_forward_inline_and_as_attachment),
	};

	return cmocka_run_group_tests_name("mail_compose", tests, NULL, NULL);
}
