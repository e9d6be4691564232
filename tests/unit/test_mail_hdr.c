/* Header text as people read it (modules/mail/hdr.c), and the text part of
 * a message (modules/mail/mime.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "modules/mail/mail_int.h"

static void decodes(const char *in, const char *want)
{
	char *r = mail_hdr_decode_str(in, NULL);

	assert_non_null(r);
	assert_string_equal(r, want);
	free(r);
}

static void test_utf8_b_word(void **state)
{
	decodes("=?UTF-8?B?5L2g5aW977yM5LiW55WM?=", "你好，世界");
	decodes("=?utf-8?b?5L2g5aW977yM5LiW55WM?=", "你好，世界");
}

static void test_gbk_q_word(void **state)
{
	decodes("=?GBK?Q?=BC=BE=B6=C8=B1=A8=B8=E6?=", "季度报告");
	/* Q: "_" is a space */
	decodes("=?GBK?Q?Re:_=BC=BE=B6=C8?=", "Re: 季度");
}

static void test_gb2312_label_with_gb18030_only_character(void **state)
{
	/* 生僻字 and U+20000, four bytes that only GB18030 has */
	decodes("=?GB2312?B?yfrGp9fWlTKCNg==?=", "生僻字\U00020000");
}

static void test_adjacent_words_joined_without_the_blanks(void **state)
{
	decodes("=?UTF-8?Q?a?= =?UTF-8?Q?b?=", "ab");
	decodes("=?UTF-8?Q?a?=\r\n =?GBK?Q?=D6=D0?=", "a中");
	/* a character split across two words of one charset */
	decodes("=?UTF-8?B?5Lg=?= =?UTF-8?B?reaWhw==?=", "中文");
	/* blanks between a word and plain text stay */
	decodes("=?UTF-8?Q?a?= b =?UTF-8?Q?c?=", "a b c");
	decodes("Re:=?UTF-8?Q?x?=", "Re:x");
}

static void test_raw_utf8_and_raw_gbk_bytes(void **state)
{
	decodes("Raw \xe6\xb5\x8b\xe8\xaf\x95", "Raw 测试");
	decodes("\xd5\xc5\xc8\xfd <zhang@example.test>", "张三 <zhang@example.test>");
	char *r = mail_hdr_decode_str("\xd6\xd0", "Big5");
	assert_non_null(r);
	assert_string_not_equal(r, "中");
	free(r);
}

static void test_malformed_words_stay_visible(void **state)
{
	/* unknown charset, bad base64, no end, unknown encoding */
	decodes("=?x-nonesuch?Q?abc?=", "=?x-nonesuch?Q?abc?=");
	decodes("=?UTF-8?B?!!!?=", "=?UTF-8?B?!!!?=");
	decodes("=?UTF-8?B?5L2g", "=?UTF-8?B?5L2g");
	decodes("=?UTF-8?X?abc?=", "=?UTF-8?X?abc?=");
	decodes("=??Q?abc?=", "=??Q?abc?=");
	decodes("50% =? off", "50% =? off");
	/* a bad Q escape keeps its "=" */
	decodes("=?UTF-8?Q?a=ZZb?=", "a=ZZb");
}

static void test_controls_never_pass(void **state)
{
	decodes("a\tb\r\n c", "a b   c"); /* one space each */
	/* ESC from an encoded word becomes U+FFFD */
	decodes("=?UTF-8?Q?=1B[31mred?=", "\xef\xbf\xbd[31mred");
	/* invalid UTF-8 in a UTF-8 word: U+FFFD, never raw bytes */
	char *r = mail_hdr_decode_str("=?UTF-8?Q?=FF?=", NULL);
	assert_string_equal(r, "\xef\xbf\xbd");
	free(r);
}

static void test_language_suffix_of_rfc2231(void **state)
{
	decodes("=?UTF-8*zh?B?5L2g5aW977yM5LiW55WM?=", "你好，世界");
}

static void test_addresses_formatted_with_decoded_names(void **state)
{
	struct imap_addr a[2] = {
		{ .name = "=?UTF-8?B?5byg5LiJ?=", .email = "zhang@example.test" },
		{ .name = NULL, .email = "bob@example.test" },
	};
	struct buf b;

	buf_init(&b);
	mail_addrs_format(a, 2, &b);
	assert_string_equal(buf_cstr(&b), "张三 <zhang@example.test>, bob@example.test");
	buf_free(&b);
}

static void test_date_header_parsed_with_zone(void **state)
{
	/* 2026-11-21 02:00 UTC */
	assert_int_equal(mail_date_parse("Sat, 21 Nov 2026 10:00:00 +0800"), 1795226400);
	assert_int_equal(mail_date_parse("21 Nov 2026 02:00 +0000 (UTC)"), 1795226400);
	assert_int_equal(mail_date_parse("Fri, 20 Nov 2026 21:00:00 -0500"), 1795226400);
	assert_int_equal(mail_date_parse("not a date"), -1);
	assert_int_equal(mail_date_parse("Sat, 41 Nov 2026 10:00:00 +0800"), -1);
	assert_int_equal(mail_date_parse(""), -1);
}

static void test_text_part_of_a_multipart_message(void **state)
{
	const char msg[] =
		"From: =?UTF-8?B?5byg5LiJ?= <zhang@example.test>\r\n"
		"Subject: =?GBK?Q?=BC=BE=B6=C8?=\r\n"
		"Content-Type: multipart/mixed; boundary=\"b1\"\r\n"
		"\r\n"
		"--b1\r\n"
		"Content-Type: text/html\r\n\r\n<p>html</p>\r\n"
		"--b1\r\n"
		"Content-Type: text/plain; charset=\"gbk\"\r\n"
		"Content-Transfer-Encoding: quoted-printable\r\n\r\n"
		"=C4=E3=BA=C3 soft=\r\nbreak\r\n"
		"--b1\r\n"
		"Content-Type: text/plain\r\nContent-Disposition: attachment\r\n\r\nnot this\r\n"
		"--b1--\r\n";
	struct mail_text t;

	mail_text_parse(msg, sizeof msg - 1, &t);
	assert_string_equal(t.from, "张三 <zhang@example.test>");
	assert_string_equal(t.subject, "季度");
	assert_non_null(t.text);
	/* the inline parts of multipart/mixed one after another, the
	 * attachment not (tests/unit/test_mail_mime.c has the rest) */
	assert_string_equal(t.text, "html\n\n你好 softbreak\n");
	assert_null(t.to);
	mail_text_free(&t);
}

static void test_text_of_a_base64_single_part_and_a_missing_one(void **state)
{
	const char b64[] = "Content-Type: text/plain; charset=utf-8\n"
			   "Content-Transfer-Encoding: base64\n\n"
			   "5L2g5aW9Cg==\n";
	const char html[] = "Content-Type: text/html\n\n<b>x</b>\n";
	struct mail_text t;

	mail_text_parse(b64, sizeof b64 - 1, &t);
	assert_string_equal(t.text, "你好\n");
	mail_text_free(&t);
	mail_text_parse(html, sizeof html - 1, &t);
	assert_string_equal(t.text, "x\n");
	assert_int_equal(t.parts, 1);
	mail_text_free(&t);
}

static void mutf7(const char *wire, const char *want)
{
	struct buf b;

	buf_init(&b);
	if (want) {
		assert_int_equal(mail_mutf7_decode(wire, &b), 0);
		assert_string_equal(buf_cstr(&b), want);
		char *back = mail_mutf7_encode(want);
		assert_string_equal(back, wire);
		free(back);
	} else {
		assert_int_equal(mail_mutf7_decode(wire, &b), -1);
	}
	buf_free(&b);
}

static void test_mailbox_names_in_modified_utf7(void **state)
{
	mutf7("&XfJT0ZAB-", "已发送");
	mutf7("INBOX", "INBOX");
	mutf7("R&-D", "R&D");
	mutf7("Team/&ZeVnLIqe-", "Team/日本語");
	/* U+1F600 as a surrogate pair */
	mutf7("&2D3eAA-", "\U0001F600");
	/* malformed: no end, bad letter, lone surrogate, 8-bit, bits left */
	mutf7("&XfJT0ZAB", NULL);
	mutf7("&Xf!-", NULL);
	mutf7("&2D0-", NULL);
	mutf7("caf\xc3\xa9", NULL);
	mutf7("&XfJ-", NULL);
	/* not the one way to write it: ASCII in base64, a sextet too many,
	 * two runs back to back, DEL */
	mutf7("&AEE-", NULL);
	mutf7("&2D3eAAA-", NULL);
	mutf7("&XfI-&U9E-", NULL);
	mutf7("a\x7f", NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_utf8_b_word),
		cmocka_unit_test(test_gbk_q_word),
		cmocka_unit_test(test_gb2312_label_with_gb18030_only_character),
		cmocka_unit_test(test_adjacent_words_joined_without_the_blanks),
		cmocka_unit_test(test_raw_utf8_and_raw_gbk_bytes),
		cmocka_unit_test(test_malformed_words_stay_visible),
		cmocka_unit_test(test_controls_never_pass),
		cmocka_unit_test(test_language_suffix_of_rfc2231),
		cmocka_unit_test(test_addresses_formatted_with_decoded_names),
		cmocka_unit_test(test_date_header_parsed_with_zone),
		cmocka_unit_test(test_text_part_of_a_multipart_message),
		cmocka_unit_test(test_text_of_a_base64_single_part_and_a_missing_one),
		cmocka_unit_test(test_mailbox_names_in_modified_utf7),
	};
	return cmocka_run_group_tests_name("mail headers", tests, NULL, NULL);
}
