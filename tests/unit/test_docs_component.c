/*
 * test_docs_component.c - modules/docs/component.c, the editor as a
 * component (docs.h), driven by keys as a compose window would drive it:
 * typing Chinese and English into a given text, deleting by grapheme
 * cluster, undo stopping at the host's text, cut and paste, finish with
 * Ctrl-S or a configured key, cancel with Esc Esc or Ctrl-Q (asking when
 * changed), keys the component does not bind left to the host, and the
 * title and text drawn into a curses window.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <locale.h>
#include <cmocka.h>

#include "core/core.h"
#include "modules/docs/docs.h"
#include "tui/internal.h"

/* Feed the code points of a UTF-8 string as keys. */
static void type(struct docs_edit *c, const char *s)
{
	size_t i = 0, n = strlen(s);

	while (i < n) {
		unsigned cp;
		size_t k = utf8_decode(s + i, n - i, &cp);

		assert_true(k > 0);
		assert_int_equal(docs_edit_key(c, (int)cp), 1);
		i += k;
	}
}

static void key(struct docs_edit *c, int k)
{
	assert_int_equal(docs_edit_key(c, k), 1);
}

/* The text now, as a NUL-terminated string (static, one at a time). */
static const char *text(struct docs_edit *c)
{
	static struct buf b;

	buf_reset(&b);
	docs_edit_text(c, &b);
	return buf_cstr(&b);
}

static void test_typing_chinese_and_finishing(void **state)
{
	struct docs_edit *c = docs_edit_new("Dear team,\n", 11, "Re: 周报");

	assert_int_equal(docs_edit_state(c), DOCS_EDIT_EDITING);
	assert_false(docs_edit_modified(c));
	type(c, "周报已发，");
	key(c, UI_KEY_ENTER);
	type(c, "see you");
	assert_string_equal(text(c), "Dear team,\n周报已发，\nsee you");
	assert_true(docs_edit_modified(c));
	/* Backspace takes one cluster: a Chinese character is one */
	key(c, UI_KEY_LEFT);
	key(c, UI_KEY_LEFT);
	key(c, UI_KEY_LEFT);
	key(c, UI_KEY_LEFT);
	key(c, UI_KEY_LEFT);
	key(c, UI_KEY_LEFT);
	key(c, UI_KEY_LEFT);
	key(c, UI_KEY_LEFT); /* before the newline after "，" */
	key(c, UI_KEY_BACKSPACE);
	assert_string_equal(text(c), "Dear team,\n周报已发\nsee you");
	key(c, UI_CTRL('s'));
	assert_int_equal(docs_edit_state(c), DOCS_EDIT_FINISHED);
	assert_string_equal(text(c), "Dear team,\n周报已发\nsee you");
	/* after the end keys are the host's */
	assert_int_equal(docs_edit_key(c, 'x'), 0);
	assert_string_equal(text(c), "Dear team,\n周报已发\nsee you");
	docs_edit_free(c);
}

static void test_undo_stops_at_the_given_text(void **state)
{
	struct docs_edit *c = docs_edit_new("你好", strlen("你好"), NULL);

	type(c, "世界");
	key(c, ' ');
	type(c, "hello");
	assert_string_equal(text(c), "你好世界 hello");
	key(c, UI_CTRL('z'));
	assert_string_equal(text(c), "你好世界 ");
	key(c, UI_CTRL('z'));
	assert_string_equal(text(c), "你好");
	assert_false(docs_edit_modified(c));
	key(c, UI_CTRL('z')); /* nothing more: the host's text stays */
	assert_string_equal(text(c), "你好");
	key(c, UI_CTRL('y'));
	assert_string_equal(text(c), "你好世界 ");
	docs_edit_free(c);
}

static void test_cut_and_paste_a_selection(void **state)
{
	struct docs_edit *c = docs_edit_new("abc 中文", strlen("abc 中文"), NULL);

	key(c, UI_KEY_HOME);
	key(c, UI_KEY_RIGHT | UI_MOD_SHIFT);
	key(c, UI_KEY_RIGHT | UI_MOD_SHIFT);
	key(c, UI_KEY_RIGHT | UI_MOD_SHIFT);
	key(c, UI_CTRL('x'));
	assert_string_equal(text(c), " 中文");
	key(c, UI_KEY_END);
	key(c, UI_CTRL('v'));
	assert_string_equal(text(c), " 中文abc");
	docs_edit_free(c);
}

static void test_cancel_asks_when_changed(void **state)
{
	struct docs_edit *c = docs_edit_new("draft", 5, NULL);

	/* unchanged: Esc Esc cancels at once */
	key(c, UI_KEY_ESC);
	assert_int_equal(docs_edit_state(c), DOCS_EDIT_EDITING);
	key(c, UI_KEY_ESC);
	assert_int_equal(docs_edit_state(c), DOCS_EDIT_CANCELLED);
	docs_edit_free(c);

	c = docs_edit_new("draft", 5, NULL);
	type(c, " 2");
	key(c, UI_CTRL('q'));
	assert_int_equal(docs_edit_state(c), DOCS_EDIT_EDITING); /* asking */
	key(c, 'n');                                             /* keep editing */
	assert_int_equal(docs_edit_state(c), DOCS_EDIT_EDITING);
	type(c, "x"); /* the answer was not typed in; this is */
	assert_string_equal(text(c), "draft 2x");
	key(c, UI_KEY_ESC);
	key(c, UI_KEY_ESC);
	assert_int_equal(docs_edit_state(c), DOCS_EDIT_EDITING);
	key(c, 'y');
	assert_int_equal(docs_edit_state(c), DOCS_EDIT_CANCELLED);
	docs_edit_free(c);
}

static void test_esc_then_another_key_is_no_cancel(void **state)
{
	struct docs_edit *c = docs_edit_new("", 0, NULL);

	key(c, UI_KEY_ESC);
	type(c, "a");
	key(c, UI_KEY_ESC);
	assert_int_equal(docs_edit_state(c), DOCS_EDIT_EDITING);
	assert_string_equal(text(c), "a");
	docs_edit_free(c);
}

static void test_finish_key_is_configurable(void **state)
{
	static const char cfg[] = "[keys]\ndocs.finish = C-d\ndocs.undo = C-u\n";
	struct conf conf;
	struct docs_edit *c = docs_edit_new("", 0, NULL);
	struct err e;

	conf_init(&conf);
	assert_int_equal(conf_parse_string(&conf, cfg, sizeof cfg - 1, "test", &e), 0);
	docs_edit_configure(c, &conf);
	type(c, "ok");
	assert_int_equal(docs_edit_key(c, UI_CTRL('s')), 0); /* no longer ours */
	assert_int_equal(docs_edit_state(c), DOCS_EDIT_EDITING);
	key(c, UI_CTRL('u'));
	assert_string_equal(text(c), "");
	type(c, "好");
	key(c, UI_CTRL('d'));
	assert_int_equal(docs_edit_state(c), DOCS_EDIT_FINISHED);
	assert_string_equal(text(c), "好");
	docs_edit_free(c);
	conf_free(&conf);

	c = docs_edit_new("", 0, NULL);
	docs_edit_set_finish_key(c, UI_KEY_F1 + 9);
	key(c, UI_KEY_F1 + 9);
	assert_int_equal(docs_edit_state(c), DOCS_EDIT_FINISHED);
	docs_edit_free(c);
}

static void test_pasted_control_keys_are_text(void **state)
{
	struct docs_edit *c = docs_edit_new("", 0, NULL);

	key(c, UI_KEY_PASTE_BEGIN);
	type(c, "a");
	key(c, UI_KEY_ESC);
	key(c, UI_KEY_ESC);
	key(c, UI_KEY_ENTER);
	type(c, "汉");
	key(c, UI_KEY_PASTE_END);
	assert_int_equal(docs_edit_state(c), DOCS_EDIT_EDITING);
	assert_string_equal(text(c), "a\033\033\n汉");
	key(c, UI_CTRL('z')); /* the paste is one step */
	assert_string_equal(text(c), "");
	docs_edit_free(c);
}

/* Row y of the window as text (wide characters once). */
static void row_text(WINDOW *w, int y, char *out, size_t len)
{
	wchar_t ws[256];
	int n = mvwinnwstr(w, y, 0, ws, 255);

	if (n < 0)
		n = 0;
	ws[n] = 0;
	wcstombs(out, ws, len);
}

static void test_draws_title_text_and_hint(void **state)
{
	FILE *out = fopen("/dev/null", "w"), *in = fopen("/dev/null", "r");
	SCREEN *scr;
	struct ui_area a;
	struct docs_edit *c;
	char row[1024];

	assert_non_null(out);
	assert_non_null(in);
	scr = newterm("xterm", out, in);
	if (scr == NULL)
		skip();
	set_term(scr);
	a.win = newwin(6, 40, 0, 0);
	a.y = a.x = 0;
	a.h = 6;
	a.w = 40;
	c = docs_edit_new("第一行\nline two", strlen("第一行\nline two"), "Re: 周报");
	docs_edit_draw(c, &a);
	row_text(a.win, 0, row, sizeof row);
	assert_non_null(strstr(row, "Re: 周报"));
	row_text(a.win, 1, row, sizeof row);
	assert_non_null(strstr(row, "第一行"));
	row_text(a.win, 2, row, sizeof row);
	assert_non_null(strstr(row, "line two"));
	row_text(a.win, 5, row, sizeof row);
	assert_non_null(strstr(row, "C-s"));
	type(c, "!");
	key(c, UI_CTRL('q'));
	docs_edit_draw(c, &a);
	row_text(a.win, 5, row, sizeof row);
	assert_non_null(strstr(row, tr("docs.edit.discard")));
	docs_edit_free(c);
	delwin(a.win);
	endwin();
	delscreen(scr);
	fclose(out);
	fclose(in);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_typing_chinese_and_finishing),
		cmocka_unit_test(test_undo_stops_at_the_given_text),
		cmocka_unit_test(test_cut_and_paste_a_selection),
		cmocka_unit_test(test_cancel_asks_when_changed),
		cmocka_unit_test(test_esc_then_another_key_is_no_cancel),
		cmocka_unit_test(test_finish_key_is_configurable),
		cmocka_unit_test(test_pasted_control_keys_are_text),
		cmocka_unit_test(test_draws_title_text_and_hint),
	};
	setlocale(LC_ALL, "C.UTF-8");
	return cmocka_run_group_tests_name("docs_component", tests, NULL, NULL);
}
