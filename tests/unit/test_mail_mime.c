/* A message as people read it (modules/mail/mime.c, html.c): the text a
 * reader sees in every charset mail comes in, HTML as text, attachments
 * and their names, and saving them where a name cannot escape.
 * The messages are in tests/data/mail/ (run from the repository root, or
 * set ATRIUM_SRC_DIR to it). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dlfcn.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "modules/mail/compose.h"
#include "modules/mail/mail_int.h"

struct msg {
	char *data;
	size_t len;
	struct mail_text t;
};

static char *slurp(const char *name, size_t *len)
{
	const char *d = getenv("ATRIUM_SRC_DIR");
	char *path, *buf;
	FILE *f;
	long n;

	xasprintf(&path, "%s/tests/data/mail/%s", d && *d ? d : ".", name);
	f = fopen(path, "rb");
	if (!f)
		fail_msg("cannot open %s (run from the repository root)", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = xmalloc((size_t)n + 1);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = 0;
	fclose(f);
	free(path);
	*len = (size_t)n;
	return buf;
}

/* Valid UTF-8 without a control but \n and \t (none at all when line). */
static void assert_clean(const char *s, size_t len, int line)
{
	size_t i = 0;

	while (i < len) {
		unsigned cp;
		size_t n = utf8_decode(s + i, len - i, &cp);
		if (n == 0)
			fail_msg("invalid UTF-8 at %zu in \"%s\"", i, s);
		if ((cp < 0x20 && (line || (cp != '\n' && cp != '\t'))) ||
		    (cp >= 0x7f && cp <= 0x9f))
			fail_msg("control U+%04X at %zu in \"%s\"", cp, i, s);
		i += n;
	}
}

static void msg_open(struct msg *m, const char *name)
{
	m->data = slurp(name, &m->len);
	mail_text_parse(m->data, m->len, &m->t);
	if (m->t.text)
		assert_clean(m->t.text, m->t.text_len, 0);
	const char *hs[] = { m->t.from, m->t.to, m->t.cc, m->t.date, m->t.subject };
	for (size_t i = 0; i < nitems(hs); i++)
		if (hs[i])
			assert_clean(hs[i], strlen(hs[i]), 1);
}

static void msg_close(struct msg *m)
{
	mail_text_free(&m->t);
	free(m->data);
}

static void text_is(const char *file, const char *want)
{
	struct msg m;

	msg_open(&m, file);
	assert_non_null(m.t.text);
	assert_string_equal(m.t.text, want);
	assert_int_equal(m.t.text_len, strlen(want));
	msg_close(&m);
}

static char *attach(struct msg *m, size_t n, size_t *len)
{
	struct buf b;
	struct err e = { 0 };

	buf_init(&b);
	assert_int_equal(mail_attach_data(m->data, m->len, &m->t, n, &b, &e), 0);
	*len = b.len;
	buf_cstr(&b);
	return buf_detach(&b);
}

/* Runs first: libxml2 is loaded by the first HTML part, not before. */
static void test_libxml2_loaded_only_when_html_comes(void **state)
{
	struct msg m;
	void *h;

	if ((h = dlopen("libxml2.so.2", RTLD_NOW | RTLD_NOLOAD)) != NULL) {
		dlclose(h);
		skip(); /* something else in this process loaded it */
	}
	msg_open(&m, "mixed-attachments.eml");
	msg_close(&m);
	assert_null(dlopen("libxml2.so.2", RTLD_NOW | RTLD_NOLOAD));
	msg_open(&m, "alt-empty-plain.eml");
	msg_close(&m);
	h = dlopen("libxml2.so.2", RTLD_NOW | RTLD_NOLOAD);
	assert_non_null(h);
	dlclose(h);
}

/* ---- charsets ---------------------------------------------------------------------- */

static void test_gb2312_label_read_as_gb18030(void **state)
{
	struct msg m;

	msg_open(&m, "gb2312-gb18030.eml");
	assert_string_equal(m.t.subject, "生僻字");
	assert_string_equal(m.t.text, "季度报告：生僻字\U00020000与𠮷。\n");
	assert_int_equal(m.t.natt, 0);
	msg_close(&m);
}

static void test_gbk_base64_body(void **state)
{
	text_is("gbk.eml", "销售额增长百分之二十，请查阅附件。\n");
}

static void test_big5_read_as_big5_hkscs(void **state)
{
	text_is("big5-hkscs.eml", "香港的𨋢與㗎。\n");
}

static void test_iso_2022_jp_escapes_are_the_charsets_not_the_terminals(void **state)
{
	struct msg m;

	msg_open(&m, "iso-2022-jp.eml");
	assert_string_equal(m.t.subject, "会議の件");
	assert_string_equal(m.t.text, "こんにちは、世界。\n明日の会議です。\n");
	msg_close(&m);
}

static void test_shift_jis_and_euc_kr(void **state)
{
	text_is("shift_jis.eml", "東京都の天気は晴れ。\n");
	text_is("euc-kr.eml", "안녕하세요, 세계.\n");
}

static void test_utf8_with_lf_lines(void **state)
{
	struct msg m;

	msg_open(&m, "utf8-lf.eml");
	assert_string_equal(m.t.subject, "你好 👋");
	assert_string_equal(m.t.text, "你好，世界 👋\nsecond line\n");
	msg_close(&m);
}

static void test_raw_8bit_headers_and_file_name(void **state)
{
	struct msg m;
	size_t n;

	msg_open(&m, "raw-8bit-headers.eml");
	assert_string_equal(m.t.from, "张三 <zhang@example.test>");
	assert_string_equal(m.t.subject, "会议纪要");
	assert_string_equal(m.t.text, "body\n");
	assert_int_equal(m.t.natt, 1);
	assert_string_equal(m.t.att[0].name, "纪要.doc");
	char *d = attach(&m, 1, &n);
	assert_int_equal(n, 8);
	assert_memory_equal(d, "DOCBYTES", 8);
	free(d);
	msg_close(&m);
}

static void test_wrong_and_unknown_charset_labels(void **state)
{
	/* ISO-8859-1 on UTF-8 bytes: the bytes win; an unknown label on
	 * GBK bytes: GB18030; invalid UTF-8 under a UTF-8 label: U+FFFD */
	text_is("wrong-charset.eml", "标签错了，其实是UTF-8。\n\n未知字符集的GBK文字。\n\n"
				     "caf\xef\xbf\xbd latin-1 in utf-8\n");
}

static void test_charset_fallbacks(void **state)
{
	struct buf b;

	buf_init(&b);
	mail_charset_to_utf8("windows-1252", "caf\xe9", 4, &b);
	assert_string_equal(buf_cstr(&b), "café");
	buf_reset(&b);
	mail_charset_to_utf8(NULL, "\xd6\xd0\xce\xc4", 4, &b);
	assert_string_equal(buf_cstr(&b), "中文");
	buf_reset(&b);
	mail_charset_to_utf8("", "\xe4\xb8\xad", 3, &b);
	assert_string_equal(buf_cstr(&b), "中");
	buf_reset(&b);
	/* GB2312 bytes that happen to be valid UTF-8 (Cyrillic "С"): a
	 * multibyte label that converts cleanly is believed */
	mail_charset_to_utf8("gb2312", "\xd0\xa1", 2, &b);
	assert_string_equal(buf_cstr(&b), "小");
	buf_reset(&b);
	/* the same bytes under a single-byte label are UTF-8 */
	mail_charset_to_utf8("iso-8859-1", "\xd0\xa1", 2, &b);
	assert_string_equal(buf_cstr(&b), "С");
	buf_reset(&b);
	/* Shift_JIS label on UTF-8 text: the conversion meets unmappable
	 * bytes, so the bytes win */
	mail_charset_to_utf8("Shift_JIS", "中文", strlen("中文"), &b);
	assert_string_equal(buf_cstr(&b), "中文");
	buf_free(&b);
}

/* ---- structure ---------------------------------------------------------------------- */

static void test_alternative_prefers_plain_and_lists_nothing(void **state)
{
	struct msg m;

	msg_open(&m, "alt-plain-html.eml");
	assert_string_equal(m.t.text, "Plain version.\n");
	assert_int_equal(m.t.natt, 0);
	assert_int_equal(m.t.html, 0);
	msg_close(&m);
}

static void test_alternative_with_html_only_renders_it_in_its_charset(void **state)
{
	struct msg m;

	/* the <meta charset=gb2312> must not narrow the GB18030 decoding,
	 * and the title is not text */
	msg_open(&m, "alt-html-only.eml");
	assert_string_equal(m.t.text, "你好\U00020000\n\n第二段\n");
	assert_int_equal(m.t.html, 1);
	msg_close(&m);
	text_is("alt-empty-plain.eml", "Only the HTML says it.\n");
}

static void test_mixed_lists_attachments_with_decoded_names(void **state)
{
	struct msg m;
	size_t n;
	char *d;

	msg_open(&m, "mixed-attachments.eml");
	assert_string_equal(m.t.text, "See the files.\n\nSecond inline text.\n");
	assert_int_equal(m.t.parts, 7);
	assert_int_equal(m.t.natt, 5);
	/* the name as the sender wrote it; mail_safe_name makes it safe */
	assert_string_equal(m.t.att[0].name, "../../.ssh/authorized_keys");
	assert_string_equal(m.t.att[0].type, "application/octet-stream");
	assert_int_equal(m.t.att[0].size, 26);
	d = attach(&m, 1, &n);
	assert_int_equal(n, 26);
	assert_memory_equal(d, "ssh-ed25519 AAAA attacker\n", 26);
	free(d);
	char *safe = mail_safe_name(m.t.att[0].name, 1);
	assert_string_equal(safe, "authorized_keys");
	free(safe);
	/* RFC 2231, UTF-8 percent-encoded */
	assert_string_equal(m.t.att[1].name, "季度报告.pdf");
	assert_string_equal(m.t.att[1].type, "application/pdf");
	d = attach(&m, 2, &n);
	assert_int_equal(n, m.t.att[1].size);
	assert_memory_equal(d, "%PDF-1.4 fake\n", 14);
	free(d);
	/* RFC 2231 continuations, GB2312, extended and plain sections */
	assert_string_equal(m.t.att[2].name, "季度-notes.txt");
	assert_int_equal(m.t.att[2].shown, 0);
	/* no name: from the type */
	assert_string_equal(m.t.att[3].name, "part-4.png");
	assert_int_equal(m.t.att[3].size, 12);
	/* RFC 2047 in a quoted name, against the RFC but common */
	assert_string_equal(m.t.att[4].name, "报告.doc");
	assert_int_equal(m.t.att[4].size, 3);
	msg_close(&m);
}

static void test_related_images_are_not_attachments(void **state)
{
	struct msg m;

	msg_open(&m, "related.eml");
	assert_string_equal(m.t.text, "Logo: [Company logo]\n");
	assert_int_equal(m.t.natt, 1);
	assert_string_equal(m.t.att[0].name, "data.zip");
	assert_int_equal(m.t.att[0].size, 7);
	msg_close(&m);
}

static void test_forwarded_message_inline_and_as_attachment(void **state)
{
	struct msg m;
	size_t n;

	msg_open(&m, "forward.eml");
	assert_string_equal(m.t.text, "FYI, below.\n\n"
				      "---------- Forwarded message ----------\n"
				      "From: 王五 <wang@example.test>\n"
				      "Date: Fri, 20 Nov 2026 09:00:00 +0800\n"
				      "Subject: 原始邮件\n"
				      "To: zhang@example.test\n\n"
				      "这是原始邮件。\n");
	assert_int_equal(m.t.natt, 2);
	assert_string_equal(m.t.att[0].name, "原始邮件.eml");
	assert_string_equal(m.t.att[0].type, "message/rfc822");
	assert_int_equal(m.t.att[0].shown, 1);
	char *d = attach(&m, 1, &n);
	assert_true(n > 100);
	assert_memory_equal(d, "From: =?UTF-8?B?", 16);
	assert_non_null(memmem(d, n, "--IN--", 6));
	free(d);
	/* the forwarded message's own attachment */
	assert_string_equal(m.t.att[1].name, "q3.csv");
	d = attach(&m, 2, &n);
	assert_int_equal(n, 8);
	assert_memory_equal(d, "a,b\r\n1,2", 8);
	free(d);
	msg_close(&m);
}

static void test_base64_encoded_forward_is_still_read(void **state)
{
	/* "Subject: In\n\nInner text\n" in base64, against RFC 2046 */
	const char msg[] = "Content-Type: multipart/mixed; boundary=x\n\n"
			   "--x\nContent-Type: message/rfc822\n"
			   "Content-Transfer-Encoding: base64\n\n"
			   "U3ViamVjdDogSW4KCklubmVyIHRleHQK\n--x--\n";
	struct mail_text t;
	struct buf b;
	struct err e = { 0 };

	mail_text_parse(msg, sizeof msg - 1, &t);
	assert_string_equal(t.text, "---------- Forwarded message ----------\n"
				    "Subject: In\n\nInner text\n");
	assert_int_equal(t.natt, 1);
	assert_string_equal(t.att[0].name, "In.eml");
	buf_init(&b);
	assert_int_equal(mail_attach_data(msg, sizeof msg - 1, &t, 1, &b, &e), 0);
	assert_string_equal(buf_cstr(&b), "Subject: In\n\nInner text\n");
	buf_reset(&b);
	assert_int_equal(mail_attach_data(msg, sizeof msg - 1, &t, 2, &b, &e), E_NOTFOUND);
	assert_int_equal(mail_attach_data(msg, sizeof msg - 1, &t, 0, &b, &e), E_NOTFOUND);
	buf_free(&b);
	mail_text_free(&t);
}

static void test_format_flowed_joined_into_paragraphs(void **state)
{
	text_is("flowed.eml", "This is a long paragraph that was wrapped by the sender "
			      "at short widths.\n\n"
			      ">> Quoted text that flows too.\n"
			      "> One level.\n"
			      "From the start, stuffed.\n"
			      "-- \nSignature line\n");
	/* DelSp=yes: the space at the break was the sender's, not the text's */
	text_is("flowed-delsp.eml", "中文没有空格的段落，继续写。\nEnd.\n");
}

static void test_missing_closing_boundary_and_bad_base64(void **state)
{
	struct msg m;

	msg_open(&m, "no-closing-boundary.eml");
	assert_string_equal(m.t.text, "First part.\n\nLast part runs to the end.\n");
	assert_int_equal(m.t.parts, 2);
	msg_close(&m);
	/* junk in the middle of base64 is skipped */
	text_is("bad-base64.eml", "Hello, 世界! Decodes.\n");
}

static void test_attachment_inside_alternative_is_listed(void **state)
{
	const char msg[] = "Content-Type: multipart/alternative; boundary=q\n\n"
			   "--q\nContent-Type: text/plain\n\nplain\n"
			   "--q\nContent-Type: text/html\n\n<p>html</p>\n"
			   "--q\nContent-Type: application/pdf\n"
			   "Content-Disposition: attachment; filename=a.pdf\n\nPDF\n--q--\n";
	struct mail_text t;

	mail_text_parse(msg, sizeof msg - 1, &t);
	assert_string_equal(t.text, "plain\n");
	assert_int_equal(t.natt, 1);
	assert_string_equal(t.att[0].name, "a.pdf");
	mail_text_free(&t);
}

static void test_multipart_without_boundary_is_text(void **state)
{
	const char msg[] = "Content-Type: multipart/mixed\n\n--x\nstill shown\n";
	struct mail_text t;

	mail_text_parse(msg, sizeof msg - 1, &t);
	assert_string_equal(t.text, "--x\nstill shown\n");
	mail_text_free(&t);
}

static void test_nesting_stops_at_the_depth_limit(void **state)
{
	struct buf b;
	struct mail_text t;

	buf_init(&b);
	for (int i = 0; i < 200; i++)
		buf_printf(&b, "Content-Type: multipart/mixed; boundary=b%d\n\n--b%d\n", i, i);
	buf_adds(&b, "Content-Type: text/plain\n\ndeep\n");
	mail_text_parse(b.data, b.len, &t);
	assert_null(t.text); /* too deep to be shown, and no crash */
	mail_text_free(&t);
	buf_reset(&b);
	for (int i = 0; i < 3; i++)
		buf_printf(&b, "Content-Type: multipart/mixed; boundary=b%d\n\n--b%d\n", i, i);
	buf_adds(&b, "Content-Type: text/plain\n\nshallow\n");
	mail_text_parse(b.data, b.len, &t);
	assert_string_equal(t.text, "shallow\n");
	mail_text_free(&t);
	buf_free(&b);
}

static void test_escape_sequences_never_pass(void **state)
{
	struct msg m;

	msg_open(&m, "escape.eml");
	assert_null(strchr(m.t.from, '\x1b'));
	assert_null(strchr(m.t.subject, '\x1b'));
	assert_null(strchr(m.t.subject, '\x07'));
	assert_string_equal(m.t.text, "red \xef\xbf\xbd[31mtext\xef\xbf\xbd[0m bell\xef\xbf\xbd "
				      "csi\xef\xbf\xbd" "2J cr\xef\xbf\xbdover del\xef\xbf\xbd end\n");
	msg_close(&m);
}

static void test_every_corpus_message_is_clean_and_its_attachments_load(void **state)
{
	static const char *const files[] = {
		"alt-empty-plain.eml", "alt-html-only.eml", "alt-plain-html.eml",
		"bad-base64.eml", "big5-hkscs.eml", "escape.eml", "euc-kr.eml",
		"flowed-delsp.eml", "flowed.eml", "forward.eml", "gb2312-gb18030.eml",
		"gbk.eml", "html-rich.eml", "iso-2022-jp.eml", "mixed-attachments.eml",
		"no-closing-boundary.eml", "raw-8bit-headers.eml", "related.eml",
		"shift_jis.eml", "utf8-lf.eml", "wrong-charset.eml",
	};

	for (size_t i = 0; i < nitems(files); i++) {
		struct msg m;
		msg_open(&m, files[i]);
		assert_non_null(m.t.text);
		for (size_t k = 0; k < m.t.natt; k++) {
			size_t n;
			char *d = attach(&m, k + 1, &n);
			assert_int_equal(n, m.t.att[k].size);
			free(d);
			assert_clean(m.t.att[k].name, strlen(m.t.att[k].name), 1);
		}
		msg_close(&m);
	}
}

static void test_what_compose_writes_reads_back(void **state)
{
	struct mail_draft d = { 0 };
	struct buf raw, body;
	struct err e = { 0 };
	struct mail_text t;
	size_t n;

	/* long lines (format=flowed, quoted-printable), quotes, a line with
	 * a trailing blank, a signature; names compose puts in RFC 2231 */
	buf_init(&body);
	for (int i = 0; i < 40; i++)
		buf_adds(&body, "季度报告 quarterly report ");
	buf_adds(&body, "end.\n> quoted line\nFrom here, a line that starts with From\n"
			"trailing blank \n-- \nsig\n");
	d.from.addr = xstrdup("me@example.test");
	mail_mbox_add(&d.to, &d.nto, "王五", "wang@example.test");
	d.subject = xstrdup("回复：季度报告 — Q3");
	d.body = xstrdup(buf_cstr(&body));
	d.att = xcalloc(2, sizeof *d.att);
	d.natt = 2;
	d.att[0].data = xstrdup("%PDF\x01\xff");
	d.att[0].len = 6;
	d.att[0].name = xstrdup("季度报告（最终版）.pdf");
	d.att[1].data = xstrdup("k");
	d.att[1].len = 1;
	d.att[1].name = xstrdup("../../.ssh/authorized_keys");
	buf_init(&raw);
	assert_int_equal(mail_compose(&d, &raw, NULL, &e), 0);
	mail_text_parse(raw.data, raw.len, &t);
	assert_string_equal(t.subject, "回复：季度报告 — Q3");
	assert_string_equal(t.to, "王五 <wang@example.test>");
	/* the trailing blank of a line is flowed away: RFC 3676 has no way
	 * to keep it */
	char *want = xstrdup(buf_cstr(&body));
	char *tb = strstr(want, "trailing blank \n");
	memmove(tb + 14, tb + 15, strlen(tb + 15) + 1);
	if (strcmp(t.text, want) && strcmp(t.text, body.data))
		fail_msg("read back:\n%s\nwritten:\n%s", t.text, body.data);
	free(want);
	assert_int_equal(t.natt, 2);
	assert_string_equal(t.att[0].name, "季度报告（最终版）.pdf");
	char *a = attach(&(struct msg){ .data = raw.data, .len = raw.len, .t = t }, 1, &n);
	assert_int_equal(n, 6);
	assert_memory_equal(a, "%PDF\x01\xff", 6);
	free(a);
	/* whatever compose made of a path, it reads back as no path */
	char *safe = mail_safe_name(t.att[1].name, 2);
	assert_null(strchr(safe, '/'));
	assert_non_null(strstr(safe, "authorized_keys"));
	free(safe);
	mail_text_free(&t);
	mail_draft_free(&d);
	buf_free(&raw);
	buf_free(&body);
}

/* ---- HTML ------------------------------------------------------------------------------ */

static const char rich_want[] = "Report & summary\n\n"
				"Prices < €5 — see our site[1] and this.\n\n"
				"• first\n"
				"• second again[1]\n"
				"1. one\n"
				"2. two\n\n"
				"Name | Qty\n"
				"apples | 3\n\n"
				"> quoted words\n"
				"> next line\n\n"
				"  keep\n"
				"    spaces\n\n"
				"A  B [pixel] 中文\n";

static void test_html_message_as_text_with_links(void **state)
{
	struct msg m;

	/* scripts, styles and the title dropped; links numbered once each;
	 * javascript: is no link; the image is its alt text */
	msg_open(&m, "html-rich.eml");
	assert_string_equal(m.t.text, rich_want);
	assert_int_equal(m.t.nlinks, 1);
	assert_string_equal(m.t.links[0], "https://example.test/a?x=1&y=2");
	assert_null(strstr(m.t.text, "alert"));
	assert_null(strstr(m.t.text, "color"));
	msg_close(&m);
}

static void html_both(const char *html, const char *charset, const char *want, size_t nlinks)
{
	for (int flags = 0; flags <= MAIL_HTML_SIMPLE; flags += MAIL_HTML_SIMPLE) {
		struct buf b;
		char **links = NULL;
		size_t n = 0;
		buf_init(&b);
		mail_html_text(html, strlen(html), charset, flags, &b, &links, &n);
		if (strcmp(buf_cstr(&b), want))
			fail_msg("%s renderer: got \"%s\", want \"%s\"", flags ? "simple" : "libxml2",
				 b.data, want);
		assert_int_equal(n, nlinks);
		for (size_t i = 0; i < n; i++)
			free(links[i]);
		free(links);
		buf_free(&b);
	}
}

static void test_html_renderers_agree_on_clean_markup(void **state)
{
	html_both("<p>a   b\n c</p><p>d<br>e</p>", NULL, "a b c\n\nd\ne\n", 0);
	html_both("<div>x &amp; &lt;y&gt; &#20013;&#x6587; &nbsp;z</div>", NULL,
		  "x & <y> 中文  z\n", 0);
	html_both("<table><tr><td>1</td><td>2</td></tr><tr><td>3</td><td>4</td></tr></table>",
		  NULL, "1 | 2\n3 | 4\n", 0);
	html_both("<a href=\"http://a.test/\">A</a> <a href=\"http://b.test/\">B</a> "
		  "<a href=\"#top\">top</a> <a href=\"http://a.test/\">A2</a>",
		  NULL, "A[1] B[2] top A2[1]\n", 2);
	html_both("<meta charset=\"gbk\"><p>\xd6\xd0\xce\xc4</p>", NULL, "中文\n", 0);
	html_both("<p>\xd6\xd0\xce\xc4</p>", "gb2312", "中文\n", 0);
	html_both("<ul><li>a<ul><li>b</li></ul></li></ul>", NULL, "• a\n  • b\n", 0);
}

static void test_html_links_continue_numbering(void **state)
{
	struct buf b;
	char **links = NULL;
	size_t n = 0;

	buf_init(&b);
	mail_html_text("<a href='https://x.test/1'>one</a>", 34, "utf-8", 0, &b, &links, &n);
	mail_html_text("<a href='https://x.test/2'>two</a>", 34, "utf-8", 0, &b, &links, &n);
	assert_string_equal(buf_cstr(&b), "one[1]\ntwo[2]\n");
	assert_int_equal(n, 2);
	assert_string_equal(links[1], "https://x.test/2");
	for (size_t i = 0; i < n; i++)
		free(links[i]);
	free(links);
	buf_free(&b);
}

static void test_html_fallback_survives_broken_markup(void **state)
{
	static const char *const bad[] = {
		"<", "<a", "<a href=\"", "<!--", "<script>never closed", "&#", "&#x110000;",
		"<p <p <p>>>", "<title>x", "<style>a{}</style", "<a href=javascript:x>y</a>",
		"&#27;[2J", "<img alt='\x1b[31m'>",
	};

	for (size_t i = 0; i < nitems(bad); i++) {
		for (int flags = 0; flags <= MAIL_HTML_SIMPLE; flags += MAIL_HTML_SIMPLE) {
			struct buf b, c;
			char **links = NULL;
			size_t n = 0;
			buf_init(&b);
			buf_init(&c);
			mail_html_text(bad[i], strlen(bad[i]), NULL, flags, &b, &links, &n);
			assert_int_equal(n, 0);
			free(links);
			/* what the message walk does with it: no control left */
			const char msg_head[] = "Content-Type: text/html\n\n";
			buf_adds(&c, msg_head);
			buf_adds(&c, bad[i]);
			struct mail_text t;
			mail_text_parse(c.data, c.len, &t);
			if (t.text)
				assert_clean(t.text, t.text_len, 0);
			mail_text_free(&t);
			buf_free(&b);
			buf_free(&c);
		}
	}
}

static void test_html_unclosed_tags_cost_linear_time(void **state)
{
	struct buf in, out;
	char **links = NULL;
	size_t n = 0;

	/* quadratic, this took seconds; the text after each tag stays */
	buf_init(&in);
	buf_init(&out);
	for (int i = 0; i < 40000; i++)
		buf_adds(&in, "<title>t");
	mail_html_text(in.data, in.len, "utf-8", MAIL_HTML_SIMPLE, &out, &links, &n);
	assert_int_equal(out.len, 40000 + 1);
	buf_free(&in);
	buf_free(&out);
}

static void test_empty_or_odd_names_fall_back_to_the_type(void **state)
{
	const char msg[] = "Content-Type: multipart/mixed; boundary=z\n\n"
			   "--z\nContent-Type: application/pdf; name=\"\"\n"
			   "Content-Disposition: attachment; filename*=utf-8''\n\nA\n"
			   "--z\nContent-Type: text/plain; name*0=\"a\"; name*2=\"c\"; name*1=\"b\"\n"
			   "Content-Disposition: attachment\n\nB\n--z--\n";
	struct mail_text t;

	mail_text_parse(msg, sizeof msg - 1, &t);
	assert_int_equal(t.natt, 2);
	assert_string_equal(t.att[0].name, "part-1.pdf");
	/* continuations in any order, joined by their numbers */
	assert_string_equal(t.att[1].name, "abc");
	assert_null(t.text);
	mail_text_free(&t);
	/* an encoded word holding a C1 control (CSI) in a name */
	const char c1[] = "Content-Type: application/pdf; name=\"=?UTF-8?Q?a=C2=9B2Jb.pdf?=\"\n\nx\n";
	mail_text_parse(c1, sizeof c1 - 1, &t);
	assert_int_equal(t.natt, 1);
	assert_string_equal(t.att[0].name, "a\xef\xbf\xbd" "2Jb.pdf");
	mail_text_free(&t);
}

/* ---- safe names and saving -------------------------------------------------------------- */

static void safe_is(const char *in, int idx, const char *want)
{
	char *r = mail_safe_name(in, idx);

	if (strcmp(r, want))
		fail_msg("mail_safe_name(\"%s\") = \"%s\", want \"%s\"", in ? in : "(null)", r, want);
	free(r);
}

static void test_safe_names(void **state)
{
	safe_is("report.pdf", 1, "report.pdf");
	safe_is("../../.ssh/authorized_keys", 1, "authorized_keys");
	safe_is("..\\..\\Windows\\system.ini", 2, "system.ini");
	safe_is("/etc/passwd", 1, "passwd");
	safe_is("..", 3, "attachment-3");
	safe_is(".", 3, "attachment-3");
	safe_is("", 4, "attachment-4");
	safe_is(NULL, 4, "attachment-4");
	safe_is("dir/", 5, "attachment-5");
	safe_is(".bashrc", 1, "bashrc");
	safe_is("-rf", 1, "rf");
	safe_is("--help.txt", 1, "help.txt");
	safe_is("a\x1b[31mb\n.txt", 1, "a_[31mb_.txt");
	safe_is("bad\xff.txt", 1, "bad_.txt");
	safe_is("x\xc2\x9by", 1, "x_y");
	safe_is("what?.txt", 1, "what_.txt");
	safe_is("trailing. . ", 1, "trailing");
	safe_is("CON", 6, "attachment-6");
	safe_is("con.txt", 6, "attachment-6.txt");
	safe_is("Com1.tar.gz", 7, "attachment-7.gz");
	safe_is("lpt9", 7, "attachment-7");
	safe_is("NUL .txt", 8, "attachment-8.txt");
	safe_is("console.txt", 8, "console.txt");
	safe_is("com10.txt", 8, "com10.txt");
	safe_is("季度报告.pdf", 1, "季度报告.pdf");
}

static void test_safe_name_length_cap_keeps_extension_and_characters(void **state)
{
	struct buf b;
	char *r;

	buf_init(&b);
	for (int i = 0; i < 100; i++)
		buf_adds(&b, "报"); /* 300 bytes */
	buf_adds(&b, ".pdf");
	r = mail_safe_name(buf_cstr(&b), 1);
	assert_true(strlen(r) <= 200);
	assert_true(strlen(r) >= 190);
	assert_string_equal(r + strlen(r) - 4, ".pdf");
	assert_clean(r, strlen(r), 1);
	assert_int_equal((strlen(r) - 4) % 3, 0); /* whole characters */
	free(r);
	/* a cut that ends on a blank leaves no blank at the end */
	buf_reset(&b);
	for (int i = 0; i < 100; i++)
		buf_adds(&b, "a ");
	r = mail_safe_name(buf_cstr(&b), 1);
	assert_int_equal(strlen(r), 199);
	assert_int_equal(r[198], 'a');
	free(r);
	buf_free(&b);
}

static void test_save_unique_never_follows_or_overwrites(void **state)
{
	char dir[] = "/tmp/atrium-mime-XXXXXX", *made, *p;
	char outside[] = "/tmp/atrium-mime-out-XXXXXX";
	struct err e = { 0 };
	struct stat st;
	int dfd, ofd;

	assert_non_null(mkdtemp(dir));
	ofd = mkstemp(outside);
	assert_true(ofd >= 0);
	close(ofd);
	dfd = open(dir, O_RDONLY | O_DIRECTORY);
	assert_true(dfd >= 0);
	/* a link planted under the name: not followed, the next name used */
	assert_int_equal(symlinkat(outside, dfd, "a.txt"), 0);
	assert_int_equal(mail_save_unique(dfd, "a.txt", "one", 3, &made, &e), 0);
	assert_string_equal(made, "a-1.txt");
	free(made);
	assert_int_equal(stat(outside, &st), 0);
	assert_int_equal(st.st_size, 0);
	assert_int_equal(mail_save_unique(dfd, "a.txt", "two!", 4, &made, &e), 0);
	assert_string_equal(made, "a-2.txt");
	free(made);
	assert_int_equal(mail_save_unique(dfd, "noext", "", 0, &made, &e), 0);
	assert_string_equal(made, "noext");
	free(made);
	assert_int_equal(mail_save_unique(dfd, "noext", "x", 1, &made, &e), 0);
	assert_string_equal(made, "noext-1");
	free(made);
	xasprintf(&p, "%s/a-2.txt", dir);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_size, 4);
	assert_int_equal(st.st_mode & 0777, 0600);
	free(p);
	/* names that are paths are refused outright */
	assert_int_equal(mail_save_unique(dfd, "../x", "x", 1, NULL, &e), E_USAGE);
	assert_int_equal(mail_save_unique(dfd, "..", "x", 1, NULL, &e), E_USAGE);
	static const char *const names[] = { "a.txt", "a-1.txt", "a-2.txt", "noext", "noext-1" };
	for (size_t i = 0; i < nitems(names); i++)
		assert_int_equal(unlinkat(dfd, names[i], 0), 0);
	close(dfd);
	assert_int_equal(rmdir(dir), 0);
	unlink(outside);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_libxml2_loaded_only_when_html_comes),
		cmocka_unit_test(test_gb2312_label_read_as_gb18030),
		cmocka_unit_test(test_gbk_base64_body),
		cmocka_unit_test(test_big5_read_as_big5_hkscs),
		cmocka_unit_test(test_iso_2022_jp_escapes_are_the_charsets_not_the_terminals),
		cmocka_unit_test(test_shift_jis_and_euc_kr),
		cmocka_unit_test(test_utf8_with_lf_lines),
		cmocka_unit_test(test_raw_8bit_headers_and_file_name),
		cmocka_unit_test(test_wrong_and_unknown_charset_labels),
		cmocka_unit_test(test_charset_fallbacks),
		cmocka_unit_test(test_alternative_prefers_plain_and_lists_nothing),
		cmocka_unit_test(test_alternative_with_html_only_renders_it_in_its_charset),
		cmocka_unit_test(test_mixed_lists_attachments_with_decoded_names),
		cmocka_unit_test(test_related_images_are_not_attachments),
		cmocka_unit_test(test_forwarded_message_inline_and_as_attachment),
		cmocka_unit_test(test_base64_encoded_forward_is_still_read),
		cmocka_unit_test(test_format_flowed_joined_into_paragraphs),
		cmocka_unit_test(test_missing_closing_boundary_and_bad_base64),
		cmocka_unit_test(test_attachment_inside_alternative_is_listed),
		cmocka_unit_test(test_multipart_without_boundary_is_text),
		cmocka_unit_test(test_nesting_stops_at_the_depth_limit),
		cmocka_unit_test(test_escape_sequences_never_pass),
		cmocka_unit_test(test_every_corpus_message_is_clean_and_its_attachments_load),
		cmocka_unit_test(test_what_compose_writes_reads_back),
		cmocka_unit_test(test_html_message_as_text_with_links),
		cmocka_unit_test(test_html_renderers_agree_on_clean_markup),
		cmocka_unit_test(test_html_links_continue_numbering),
		cmocka_unit_test(test_html_fallback_survives_broken_markup),
		cmocka_unit_test(test_html_unclosed_tags_cost_linear_time),
		cmocka_unit_test(test_empty_or_odd_names_fall_back_to_the_type),
		cmocka_unit_test(test_safe_names),
		cmocka_unit_test(test_safe_name_length_cap_keeps_extension_and_characters),
		cmocka_unit_test(test_save_unique_never_follows_or_overwrites),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
