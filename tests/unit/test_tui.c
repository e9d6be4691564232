/*
 * test_tui.c - tui/ logic that needs no terminal: key names, key maps from
 * the config, sanitising untrusted text, and the command line's editing,
 * history and completion.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "i18n/i18n.h"
#include "tui/internal.h"

static void test_key_names_parse_and_print_back(void **state)
{
	static const char *const names[] = { "C-e", "M-1", "F1", "F12", "Esc", "Enter",
					     "Tab", "Up", "PgDn", "M-Left", "x", ":" };
	char buf[32];

	for (size_t i = 0; i < nitems(names); i++) {
		int k = ui_key_parse(names[i]);

		assert_true(k >= 0);
		ui_key_name(k, buf, sizeof buf);
		assert_string_equal(buf, names[i]);
	}
	assert_int_equal(ui_key_parse("C-e"), 5);
	assert_int_equal(ui_key_parse("M-1"), '1' | UI_MOD_ALT);
	assert_int_equal(ui_key_parse("F13"), -1);
	assert_int_equal(ui_key_parse("C-1"), -1);
	assert_int_equal(ui_key_parse("Hyper-x"), -1);
	assert_int_equal(ui_key_parse(""), -1);
}

static void test_keymap_defaults_and_rebinding_from_config(void **state)
{
	const char *text = "[keys]\nhelp = F2, C-h\ncommand = M-x\n";
	struct conf c;
	struct err e;

	assert_int_equal(keymap_load(NULL, &e), 0);
	assert_int_equal(keymap_lookup(UI_KEY_F1), ACT_HELP);
	assert_int_equal(keymap_lookup(UI_CTRL('g')), ACT_HELP);
	assert_int_equal(keymap_lookup(UI_CTRL('e')), ACT_COMMAND);
	assert_int_equal(keymap_lookup('2' | UI_MOD_ALT), ACT_TAB2);

	conf_init(&c);
	assert_int_equal(conf_parse_string(&c, text, strlen(text), "cfg", &e), 0);
	assert_int_equal(keymap_load(&c, &e), 0);
	assert_int_equal(keymap_lookup((UI_KEY_F1 + 1)), ACT_HELP);
	assert_int_equal(keymap_lookup(UI_CTRL('h')), ACT_HELP);
	assert_int_equal(keymap_lookup(UI_KEY_F1), ACT_NONE);
	assert_int_equal(keymap_lookup('x' | UI_MOD_ALT), ACT_COMMAND);
	assert_int_equal(keymap_lookup(UI_CTRL('e')), ACT_NONE);
	conf_free(&c);
	/* Loading again starts from the defaults. */
	assert_int_equal(keymap_load(NULL, &e), 0);
	assert_int_equal(keymap_lookup(UI_KEY_F1), ACT_HELP);
}

static void test_keymap_errors_name_file_line_and_action(void **state)
{
	static const struct {
		const char *text, *want;
	} bad[] = {
		{ "[keys]\nfly = F3\n", "cfg:2: [keys] fly: no such action" },
		{ "[keys]\n\nhelp = Shift-F1\n", "cfg:3: [keys] help: 'Shift-F1' is not a key" },
		{ "[keys]\nhelp = F1, F2, F3, F4\n", "at most 3 keys" },
	};

	for (size_t i = 0; i < nitems(bad); i++) {
		struct conf c;
		struct err e;

		conf_init(&c);
		assert_int_equal(conf_parse_string(&c, bad[i].text, strlen(bad[i].text), "cfg", &e),
				 0);
		assert_int_equal(keymap_load(&c, &e), E_USAGE);
		if (strstr(e.msg, bad[i].want) == NULL)
			fail_msg("case %zu: '%s' lacks '%s'", i, e.msg, bad[i].want);
		conf_free(&c);
	}
	assert_int_equal(keymap_load(NULL, NULL), 0);
}

static char *sanitized(const char *s, size_t n)
{
	struct buf b;

	buf_init(&b);
	ui_sanitize(s, n, &b);
	return buf_detach(&b);
}

static void test_escape_sequences_become_visible_placeholders(void **state)
{
	/* title change, OSC 52 clipboard write, clear screen, cursor move */
	const char in[] = "a\x1b]0;pwned\x07\x1b]52;c;ZXZpbA==\x07\x1b[2J\x1b[H\r\nb";
	char *out = sanitized(in, sizeof in - 1);

	assert_string_equal(out, "a␛]0;pwned␇␛]52;c;ZXZpbA==␇␛[2J␛[H␍␊b");
	assert_null(strchr(out, '\x1b'));
	assert_int_equal(ui_text_width(in, sizeof in - 1), strlen("a.]0;pwned..]52;c;ZXZpbA==..[2J.[H..b"));
	free(out);
}

static void test_c1_controls_bidi_overrides_and_bad_bytes_are_replaced(void **state)
{
	/* U+009B is an 8-bit CSI; U+202E reverses text; \xff is not UTF-8. */
	const char in[] = "x\xc2\x9b" "2J\xe2\x80\xae" "evil\xff" "y\x7f";
	char *out = sanitized(in, sizeof in - 1);

	assert_string_equal(out, "x\xef\xbf\xbd" "2J\xef\xbf\xbd" "evil\xef\xbf\xbd" "y␡");
	free(out);
}

static void test_cjk_and_emoji_keep_their_width_after_sanitising(void **state)
{
	const char in[] = "中文 👨‍👩‍👧 é";

	assert_int_equal(ui_text_width(in, strlen(in)), 2 + 2 + 1 + 2 + 1 + 1);
	char *out = sanitized(in, strlen(in));
	assert_string_equal(out, in);
	free(out);
}

static const struct module_verb verbs[] = {
	{ "send", "", "verb.status" },
	{ "search", "", "verb.status" },
	{ "status", "", "verb.status" },
	{ NULL, NULL, NULL },
};
static const struct module fake_mail = { .name = "mail", .title_key = "tab.mail", .verbs = verbs };
static const struct module fake_chat = { .name = "chat", .title_key = "tab.chat" };

static struct tui_host host(void)
{
	static const struct module *mods[] = { &fake_mail, &fake_chat };
	struct tui_host h;

	memset(&h, 0, sizeof h);
	h.modules = mods;
	h.nmodules = 2;
	return h;
}

static void type(struct cmdline *c, const struct tui_host *h, const char *s)
{
	while (*s) {
		unsigned cp;
		size_t n = utf8_decode(s, strlen(s), &cp);

		cmdline_key(c, (int)cp, h);
		s += n;
	}
}

static void test_cmdline_edits_by_grapheme_cluster(void **state)
{
	struct tui_host h = host();
	struct cmdline *c = cmdline_new();

	cmdline_open(c, "");
	type(c, &h, "ab中e\xcc\x81");
	cmdline_key(c, UI_KEY_BACKSPACE, &h); /* removes e + combining acute */
	assert_string_equal(cmdline_text(c), "ab中");
	cmdline_key(c, UI_KEY_LEFT, &h);
	cmdline_key(c, UI_KEY_BACKSPACE, &h);
	assert_string_equal(cmdline_text(c), "a中");
	cmdline_key(c, UI_KEY_HOME, &h);
	cmdline_key(c, UI_KEY_DELETE, &h);
	assert_string_equal(cmdline_text(c), "中");
	type(c, &h, "x");
	assert_string_equal(cmdline_text(c), "x中");
	cmdline_key(c, UI_CTRL('k'), &h);
	assert_string_equal(cmdline_text(c), "x");
	assert_int_equal(cmdline_key(c, UI_KEY_ENTER, &h), 1);
	cmdline_free(c);
}

static void test_cmdline_history_recalls_and_keeps_the_draft(void **state)
{
	struct tui_host h = host();
	struct cmdline *c = cmdline_new();

	cmdline_open(c, "");
	type(c, &h, "first");
	cmdline_close(c, 1);
	cmdline_open(c, "");
	type(c, &h, "second");
	cmdline_close(c, 1);
	cmdline_open(c, "");
	type(c, &h, "dra");
	cmdline_key(c, UI_KEY_UP, &h);
	assert_string_equal(cmdline_text(c), "second");
	cmdline_key(c, UI_KEY_UP, &h);
	assert_string_equal(cmdline_text(c), "first");
	cmdline_key(c, UI_KEY_UP, &h);
	assert_string_equal(cmdline_text(c), "first");
	cmdline_key(c, UI_KEY_DOWN, &h);
	cmdline_key(c, UI_KEY_DOWN, &h);
	assert_string_equal(cmdline_text(c), "dra");
	assert_int_equal(cmdline_key(c, UI_KEY_ESC, &h), -1);
	cmdline_close(c, 0);
	cmdline_open(c, "");
	cmdline_key(c, UI_KEY_UP, &h);
	assert_string_equal(cmdline_text(c), "second"); /* the cancelled line was not kept */
	cmdline_free(c);
}

static void test_cmdline_completes_commands_modules_and_verbs(void **state)
{
	struct tui_host h = host();
	struct cmdline *c = cmdline_new();

	cmdline_open(c, "ma");
	assert_int_equal(cmdline_complete(c, &h), 1);
	assert_string_equal(cmdline_text(c), "mail ");
	assert_int_equal(cmdline_complete(c, &h), 3); /* send, search, status */
	assert_string_equal(cmdline_text(c), "mail s"); /* their common prefix */
	type(c, &h, "e");
	assert_int_equal(cmdline_complete(c, &h), 2);
	assert_string_equal(cmdline_text(c), "mail se");
	type(c, &h, "n");
	assert_int_equal(cmdline_complete(c, &h), 1);
	assert_string_equal(cmdline_text(c), "mail send ");
	cmdline_open(c, "zz");
	assert_int_equal(cmdline_complete(c, &h), 0);
	assert_string_equal(cmdline_text(c), "zz");
	cmdline_open(c, "help c");
	assert_int_equal(cmdline_complete(c, &h), 1);
	assert_string_equal(cmdline_text(c), "help chat ");
	cmdline_free(c);
}

static void test_cmdline_paste_turns_newlines_into_spaces(void **state)
{
	struct tui_host h = host();
	struct cmdline *c = cmdline_new();

	cmdline_open(c, "");
	cmdline_key(c, UI_KEY_PASTE_BEGIN, &h);
	type(c, &h, "a");
	assert_int_equal(cmdline_key(c, UI_KEY_ENTER, &h), 0); /* not a submit */
	type(c, &h, "b");
	cmdline_key(c, UI_KEY_PASTE_END, &h);
	assert_string_equal(cmdline_text(c), "a b");
	assert_int_equal(cmdline_key(c, UI_KEY_ENTER, &h), 1);
	cmdline_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_key_names_parse_and_print_back),
		cmocka_unit_test(test_keymap_defaults_and_rebinding_from_config),
		cmocka_unit_test(test_keymap_errors_name_file_line_and_action),
		cmocka_unit_test(test_escape_sequences_become_visible_placeholders),
		cmocka_unit_test(test_c1_controls_bidi_overrides_and_bad_bytes_are_replaced),
		cmocka_unit_test(test_cjk_and_emoji_keep_their_width_after_sanitising),
		cmocka_unit_test(test_cmdline_edits_by_grapheme_cluster),
		cmocka_unit_test(test_cmdline_history_recalls_and_keeps_the_draft),
		cmocka_unit_test(test_cmdline_completes_commands_modules_and_verbs),
		cmocka_unit_test(test_cmdline_paste_turns_newlines_into_spaces),
	};
	i18n_set_lang(LANG_EN);
	return cmocka_run_group_tests_name("tui", tests, NULL, NULL);
}
