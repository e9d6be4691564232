/* Message lookup and formatting (i18n/catalog.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "i18n/i18n_priv.h"

static int reset(void **state)
{
	i18n_set_lang(LANG_EN);
	return 0;
}

static void test_tr_gives_the_text_of_the_current_language(void **state)
{
	assert_string_equal(tr("tab.mail"), "Mail");
	assert_string_equal(tr("state.connecting"), "Connecting");
	assert_string_equal(tr("lang.name"), "English");
	i18n_set_lang(LANG_ZH_HANS);
	assert_string_equal(tr("tab.mail"), "邮件");
	assert_string_equal(tr("tab.sheets"), "表格");
	assert_string_equal(tr("state.connecting"), "正在连接");
	assert_string_equal(tr("lang.name"), "简体中文");
}

static void test_tr_gives_the_key_when_it_is_unknown(void **state)
{
	const char *key = "no.such.key";

	assert_ptr_equal(tr(key), key);
	i18n_set_lang(LANG_ZH_HANS);
	assert_ptr_equal(tr(key), key);
	assert_string_equal(tr(NULL), "");
}

static void test_trf_picks_the_english_plural_form(void **state)
{
	char buf[64];

	assert_string_equal(trf(buf, sizeof(buf), "mail.unread", TR_N(1)), "1 unread message");
	assert_string_equal(trf(buf, sizeof(buf), "mail.unread", TR_N(0)), "0 unread messages");
	assert_string_equal(trf(buf, sizeof(buf), "mail.unread", TR_N(5)), "5 unread messages");
	assert_string_equal(trf(buf, sizeof(buf), "mail.unread", TR_N(1234)),
			    "1,234 unread messages");
}

static void test_trf_in_chinese_has_one_form_and_formats_the_number(void **state)
{
	char buf[64];

	i18n_set_lang(LANG_ZH_HANS);
	assert_string_equal(trf(buf, sizeof(buf), "mail.unread", TR_N(1)), "1 封未读邮件");
	assert_string_equal(trf(buf, sizeof(buf), "mail.unread", TR_N(3)), "3 封未读邮件");
	assert_string_equal(trf(buf, sizeof(buf), "mail.unread", TR_N(1234)), "1,234 封未读邮件");
	assert_string_equal(trf(buf, sizeof(buf), "outbox.queued", TR_N(2)), "已排队 2 项");
}

static void test_trf_fills_string_arguments(void **state)
{
	char buf[64];

	assert_string_equal(trf(buf, sizeof(buf), "doc.saved", TR_S("notes.md")),
			    "Saved \"notes.md\"");
	i18n_set_lang(LANG_ZH_HANS);
	assert_string_equal(trf(buf, sizeof(buf), "doc.saved", TR_S("报告.md")), "已保存“报告.md”");
	/* braces and apostrophes in an argument are text, not syntax */
	assert_string_equal(trf(buf, sizeof(buf), "doc.saved", TR_S("{0}'s")), "已保存“{0}'s”");
	assert_string_equal(trf(buf, sizeof(buf), "doc.saved", TR_S(NULL)), "已保存“”");
}

static void test_trf_truncates_at_a_cluster_boundary(void **state)
{
	char buf[8];

	i18n_set_lang(LANG_ZH_HANS);
	/* 已保存 is 9 bytes: only 已保 fits in 7 */
	assert_string_equal(trf(buf, sizeof(buf), "doc.saved", TR_S("x")), "已保");
	assert_string_equal(trf(buf, 1, "doc.saved", TR_S("x")), "");
	i18n_set_lang(LANG_EN);
	assert_string_equal(trf(buf, sizeof(buf), "doc.saved", TR_S("x")), "Saved \"");
	/* an emoji ZWJ sequence is kept whole or left out */
	assert_string_equal(trf(buf, sizeof(buf), "{0}", TR_S("a\U0001F468\u200D\U0001F469")), "a");
}

/* An unknown key is its own pattern, which lets these tests try patterns. */
static void test_trf_formats_icu_message_syntax(void **state)
{
	char buf[128];

	assert_string_equal(trf(buf, sizeof(buf), "{0} and {1}", TR_S("a"), TR_N(2)), "a and 2");
	assert_string_equal(trf(buf, sizeof(buf), "{1} then {0}", TR_S("a"), TR_S("b")),
			    "b then a");
	assert_string_equal(trf(buf, sizeof(buf), "only {1}", TR_N(7), TR_S("b")), "only b");
	assert_string_equal(trf(buf, sizeof(buf), "It's {0}", TR_S("here")), "It's here");
	assert_string_equal(trf(buf, sizeof(buf), "'{0}' is {0}", TR_S("x")), "{0} is x");
	assert_string_equal(trf(buf, sizeof(buf), "{0, number, ::precision-integer}", TR_N(1234.6)),
			    "1,235");
	assert_string_equal(trf(buf, sizeof(buf), "{0, number,#,##0.0}", TR_N(1234.56)), "1,234.6");
	assert_string_equal(trf(buf, sizeof(buf), "{0}", TR_N(2.5)), "2.5");
	assert_string_equal(
	    trf(buf, sizeof(buf), "{0, select, mail {a mail} other {a thing}}", TR_S("mail")),
	    "a mail");
	assert_string_equal(
	    trf(buf, sizeof(buf),
		"{0, plural, =0 {no files} one {# file in {1}} other {# files in {1}}}", TR_N(2),
		TR_S("Inbox")),
	    "2 files in Inbox");
	assert_string_equal(trf(buf, sizeof(buf), "{0, plural, =0 {none} other {# left}}", TR_N(0)),
			    "none");
	assert_string_equal(trf(buf, sizeof(buf), "{0}{1}{2}{3}{4}{5}", TR_S("a"), TR_N(1),
				TR_S("b"), TR_N(2), TR_S("c"), TR_N(3)),
			    "a1b2c3");
	assert_string_equal(trf(buf, sizeof(buf), "{5, plural, one {# x} other {# y}} {0}",
				TR_S("a"), TR_N(0), TR_N(0), TR_N(0), TR_N(0), TR_N(1)),
			    "1 x a");
	assert_string_equal(trf(buf, sizeof(buf), "{0,date,yyyy}", TR_N(0)), "1970");
	assert_string_equal(trf(buf, sizeof(buf), "no args, ''quoted''", TR_N(1)),
			    "no args, 'quoted'");
}

static void test_trf_gives_the_raw_pattern_when_it_cannot_format(void **state)
{
	char buf[128];
	const char *bad[] = {
	    "{0, plural, one {x}",     /* unterminated */
	    "{0, plural, one {x}}",    /* no other */
	    "{0, bogus}",	       /* unknown type */
	    "{name}",		       /* named argument */
	    "{6}",		       /* beyond TR_MAX_ARGS */
	    "{0} {0, number}",	       /* one argument used two ways */
	    "{01}",		       /* leading zero */
	    "{0, number, integer}",    /* wants a C int */
	    "{0, choice, 0#no|1#one}", /* deprecated */
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_string_equal(trf(buf, sizeof(buf), bad[i], TR_N(1)), bad[i]);
	/* a string cannot be counted */
	assert_string_equal(trf(buf, sizeof(buf), "mail.unread", TR_S("3")), tr("mail.unread"));
	/* too few arguments */
	assert_string_equal(trf(buf, sizeof(buf), "{0} {1}", TR_S("a")), "{0} {1}");
	assert_string_equal(trf_args(buf, sizeof(buf), "{0}", 0, NULL), "{0}");
}

static void test_trf_handles_long_output(void **state)
{
	static char arg[3001], buf[4096];

	memset(arg, 'x', 3000);
	assert_int_equal(strlen(trf(buf, sizeof(buf), "<{0}>", TR_S(arg))), 3002);
	assert_int_equal(strlen(trf(buf, 100, "<{0}>", TR_S(arg))), 99);
}

static void test_pattern_scanner_reports_argument_types(void **state)
{
	unsigned char t[TR_MAX_ARGS];

	assert_int_equal(tr_pattern_args("plain", t), 0);
	assert_int_equal(tr_pattern_args("{0} {2, number}", t), 3);
	assert_int_equal(t[0], TR_ARG_STR);
	assert_int_equal(t[1], TR_ARG_UNUSED);
	assert_int_equal(t[2], TR_ARG_NUM);
	assert_int_equal(tr_pattern_args("{0, plural, one {# in {1}} other {# in {1}}}", t), 2);
	assert_int_equal(t[0], TR_ARG_NUM);
	assert_int_equal(t[1], TR_ARG_STR);
	assert_int_equal(tr_pattern_args("'{5}' {0, select, a {x} other {y}}", t), 1);
	assert_int_equal(t[0], TR_ARG_STR);
	assert_int_equal(tr_pattern_args("{0, choice, 0#none|1#one {1}|1<many}", t), -1);
	assert_int_equal(tr_pattern_args("{0, number, '{'#'}'}", t), 1);
	assert_int_equal(tr_pattern_args("{0, plural, offset:1 one {a} other {'#' #}}", t), 1);
	assert_int_equal(tr_pattern_args("{0", t), -1);
	assert_int_equal(tr_pattern_args("}{0}", t), 1); /* a lone } at the top is text */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_tr_gives_the_text_of_the_current_language, reset),
	    cmocka_unit_test_setup(test_tr_gives_the_key_when_it_is_unknown, reset),
	    cmocka_unit_test_setup(test_trf_picks_the_english_plural_form, reset),
	    cmocka_unit_test_setup(test_trf_in_chinese_has_one_form_and_formats_the_number, reset),
	    cmocka_unit_test_setup(test_trf_fills_string_arguments, reset),
	    cmocka_unit_test_setup(test_trf_truncates_at_a_cluster_boundary, reset),
	    cmocka_unit_test_setup(test_trf_formats_icu_message_syntax, reset),
	    cmocka_unit_test_setup(test_trf_gives_the_raw_pattern_when_it_cannot_format, reset),
	    cmocka_unit_test_setup(test_trf_handles_long_output, reset),
	    cmocka_unit_test_setup(test_pattern_scanner_reports_argument_types, reset),
	};

	setenv("TZ", "UTC", 1);
	return cmocka_run_group_tests_name("i18n catalog", tests, NULL, reset);
}
