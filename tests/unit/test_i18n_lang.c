/* Picking and setting the UI language (i18n/lang.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>

#include "i18n/i18n.h"

static int clear_env(void **state)
{
	unsetenv("LC_ALL");
	unsetenv("LC_MESSAGES");
	unsetenv("LANG");
	i18n_set_lang(LANG_EN);
	return 0;
}

static enum i18n_lang pick(const char *opt)
{
	enum i18n_lang l = LANG_COUNT;

	assert_int_equal(i18n_pick_lang(opt, &l), 0);
	return l;
}

static void test_any_zh_locale_picks_simplified_chinese(void **state)
{
	const char *v[] = {"zh_CN.UTF-8", "zh_TW", "zh-Hans", "zh", "zh_CN.GB18030", "zh_SG@x"};
	size_t i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		setenv("LANG", v[i], 1);
		assert_int_equal(pick(NULL), LANG_ZH_HANS);
	}
}

static void test_other_locales_and_no_locale_pick_english(void **state)
{
	const char *v[] = {"C", "POSIX", "en_US.UTF-8", "C.UTF-8", "de_DE.UTF-8", "z", "hz"};
	size_t i;

	assert_int_equal(pick(NULL), LANG_EN);
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		setenv("LANG", v[i], 1);
		assert_int_equal(pick(NULL), LANG_EN);
	}
}

static void test_lc_all_beats_lc_messages_beats_lang(void **state)
{
	setenv("LANG", "zh_CN.UTF-8", 1);
	setenv("LC_MESSAGES", "en_US.UTF-8", 1);
	assert_int_equal(pick(NULL), LANG_EN);
	setenv("LC_ALL", "zh_CN.UTF-8", 1);
	assert_int_equal(pick(NULL), LANG_ZH_HANS);
	setenv("LC_ALL", "C", 1);
	assert_int_equal(pick(NULL), LANG_EN);
}

static void test_empty_variable_counts_as_unset(void **state)
{
	setenv("LANG", "zh_CN.UTF-8", 1);
	setenv("LC_ALL", "", 1);
	setenv("LC_MESSAGES", "", 1);
	assert_int_equal(pick(NULL), LANG_ZH_HANS);
	assert_int_equal(pick(""), LANG_ZH_HANS);
}

static void test_option_beats_environment(void **state)
{
	setenv("LC_ALL", "zh_CN.UTF-8", 1);
	assert_int_equal(pick("en"), LANG_EN);
	unsetenv("LC_ALL");
	assert_int_equal(pick("zh_Hans"), LANG_ZH_HANS);
}

static void test_option_accepts_our_languages_in_their_spellings(void **state)
{
	const char *en[] = {"en", "en_US", "en-GB", "EN_us.UTF-8"};
	const char *zh[] = {"zh_Hans", "zh-Hans", "zh",		"zh_CN",
			    "zh-cn",   "ZH_HANS", "zh_Hans_CN", "zh_CN.UTF-8"};
	size_t i;

	for (i = 0; i < sizeof(en) / sizeof(en[0]); i++)
		assert_int_equal(pick(en[i]), LANG_EN);
	for (i = 0; i < sizeof(zh) / sizeof(zh[0]); i++)
		assert_int_equal(pick(zh[i]), LANG_ZH_HANS);
}

static void test_option_rejects_languages_we_do_not_have(void **state)
{
	const char *bad[] = {"fr", "de_DE", "zh_TW", "zh_Hant", "english", "e", "C", "zhx"};
	enum i18n_lang l = LANG_ZH_HANS;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(i18n_pick_lang(bad[i], &l), -1);
		assert_int_equal(l, LANG_ZH_HANS); /* untouched */
	}
}

static void test_set_lang_changes_the_current_language(void **state)
{
	assert_int_equal(i18n_lang(), LANG_EN);
	i18n_set_lang(LANG_ZH_HANS);
	assert_int_equal(i18n_lang(), LANG_ZH_HANS);
	i18n_set_lang(LANG_COUNT); /* ignored */
	assert_int_equal(i18n_lang(), LANG_ZH_HANS);
	i18n_set_lang(LANG_EN);
	assert_int_equal(i18n_lang(), LANG_EN);
}

static void test_lang_tags(void **state)
{
	assert_string_equal(i18n_lang_tag(LANG_EN), "en");
	assert_string_equal(i18n_lang_tag(LANG_ZH_HANS), "zh_Hans");
	assert_string_equal(i18n_lang_tag(LANG_COUNT), "en");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_any_zh_locale_picks_simplified_chinese, clear_env,
					    clear_env),
	    cmocka_unit_test_setup_teardown(test_other_locales_and_no_locale_pick_english,
					    clear_env, clear_env),
	    cmocka_unit_test_setup_teardown(test_lc_all_beats_lc_messages_beats_lang, clear_env,
					    clear_env),
	    cmocka_unit_test_setup_teardown(test_empty_variable_counts_as_unset, clear_env,
					    clear_env),
	    cmocka_unit_test_setup_teardown(test_option_beats_environment, clear_env, clear_env),
	    cmocka_unit_test_setup_teardown(test_option_accepts_our_languages_in_their_spellings,
					    clear_env, clear_env),
	    cmocka_unit_test_setup_teardown(test_option_rejects_languages_we_do_not_have, clear_env,
					    clear_env),
	    cmocka_unit_test_setup_teardown(test_set_lang_changes_the_current_language, clear_env,
					    clear_env),
	    cmocka_unit_test_setup_teardown(test_lang_tags, clear_env, clear_env),
	};

	return cmocka_run_group_tests_name("i18n lang", tests, NULL, NULL);
}
