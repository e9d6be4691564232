/*
 * test_docs_keys.c - the modules' [keys] names: "docs.ACTION" and
 * "sheets.ACTION" must name an action the module has (checked at start,
 * with the file and line), and the help overlay shows the docs keys as
 * [keys] bound them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "i18n/i18n.h"
#include "tui/internal.h"

extern const struct module docs_module;

static int load(const char *text, struct err *e)
{
	struct conf c;
	int rc;

	conf_init(&c);
	assert_int_equal(conf_parse_string(&c, text, strlen(text), "cfg", e), 0);
	rc = keymap_load(&c, e);
	conf_free(&c);
	return rc;
}

static void test_known_module_actions_load(void **state)
{
	struct err e;

	err_clear(&e);
	assert_int_equal(load("[keys]\ndocs.undo = F5\ndocs.finish = C-o\n"
			      "sheets.autofit = M-a\n", &e), 0);
}

static void test_unknown_module_actions_are_refused_with_file_and_line(void **state)
{
	static const struct {
		const char *text, *want;
	} bad[] = {
		{ "[keys]\ndocs.undo = F5\ndocs.undoo = F6\n", "cfg:3: [keys] docs.undoo: no such action" },
		{ "[keys]\n\nsheets.next-shet = F7\n", "cfg:3: [keys] sheets.next-shet: no such action" },
		{ "[keys]\ndcos.undo = F5\n", "cfg:2: [keys] dcos.undo: no such action" },
		/* mail binds no keys of its own */
		{ "[keys]\nmail.undo = F5\n", "cfg:2: [keys] mail.undo: no such action" },
	};

	for (size_t i = 0; i < nitems(bad); i++) {
		struct err e;

		err_clear(&e);
		assert_int_equal(load(bad[i].text, &e), E_USAGE);
		assert_non_null(strstr(e.msg, bad[i].want));
	}
	/* a good action with a bad key name is still the key name's error */
	{
		struct err e;

		err_clear(&e);
		assert_int_equal(load("[keys]\ndocs.undo = Hyper-z\n", &e), E_USAGE);
		assert_non_null(strstr(e.msg, "'Hyper-z' is not a key"));
	}
}

/* The help line whose description is key. */
static int help_line(const char *key)
{
	for (int i = 0; docs_module.keys[i].keys; i++)
		if (strcmp(docs_module.keys[i].help_key, key) == 0)
			return i;
	fail_msg("no help line %s", key);
	return -1;
}

static void test_help_shows_docs_keys_as_bound(void **state)
{
	const char *text = "[keys]\ndocs.undo = F5, C-u\ndocs.cut = F2\n";
	struct module_env env = { 0 };
	struct conf c;
	struct err e;
	void *st = NULL;
	char label[96];

	conf_init(&c);
	assert_int_equal(conf_parse_string(&c, text, strlen(text), "cfg", &e), 0);
	env.conf = &c;
	env.home = "/nonexistent-home";
	assert_int_equal(docs_module.init(&env, &st), 0);
	assert_non_null(docs_module.key_label);

	assert_int_equal(docs_module.key_label(st, help_line("key.docs.undo"), label,
					       sizeof label), 1);
	assert_string_equal(label, "F5, C-u");
	/* cut, copy and paste share a line: the others keep their keys */
	assert_int_equal(docs_module.key_label(st, help_line("key.docs.cut_copy_paste"), label,
					       sizeof label), 1);
	assert_string_equal(label, "F2 / C-c / C-v");
	/* lines [keys] did not touch show the table's text */
	assert_int_equal(docs_module.key_label(st, help_line("key.docs.redo"), label,
					       sizeof label), 0);
	assert_int_equal(docs_module.key_label(st, help_line("key.docs.save"), label,
					       sizeof label), 0);
	/* a short buffer is cut, not overrun */
	assert_int_equal(docs_module.key_label(st, help_line("key.docs.cut_copy_paste"), label,
					       5), 1);
	assert_true(strlen(label) < 5);
	/* and the key rebinding acts */
	assert_int_equal(docs_module.key(st, 'a'), 1);
	assert_int_equal(docs_module.key(st, UI_KEY_F1 + 4), 1); /* F5: undo */
	docs_module.free(st);
	conf_free(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_known_module_actions_load),
		cmocka_unit_test(test_unknown_module_actions_are_refused_with_file_and_line),
		cmocka_unit_test(test_help_shows_docs_keys_as_bound),
	};

	i18n_set_lang(LANG_EN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
