/* Case folding and collation (i18n/text.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "i18n/i18n.h"

static void fold_is(const char *in, const char *want)
{
	char *r = txt_casefold(in, strlen(in));

	assert_non_null(r);
	assert_string_equal(r, want);
	free(r);
}

static void test_casefold_lowers_ascii(void **state)
{
	fold_is("Hello WORLD 123", "hello world 123");
	fold_is("", "");
}

static void test_casefold_is_full_folding(void **state)
{
	fold_is("Straße", "strasse");
	fold_is("STRASSE", "strasse");
	fold_is("ΣΊΣΥΦΟΣ", "σίσυφοσ"); /* final sigma folds to σ */
	fold_is("ﬁle", "file");	       /* the fi ligature becomes two letters */
	fold_is("ÅNGSTRÖM 中文", "ångström 中文");
}

static void test_casefold_does_not_apply_turkish_rules(void **state)
{
	fold_is("I", "i");
	fold_is("İ", "i\u0307"); /* dotted capital I: i + combining dot */
	fold_is("ı", "ı");	 /* dotless small i stays */
}

static void test_casefold_replaces_invalid_bytes(void **state)
{
	fold_is("A\xFF"
		"É",
		"a\uFFFDé");
}

static void test_casefold_respects_the_length(void **state)
{
	char *r = txt_casefold("ABCDEF", 3);

	assert_string_equal(r, "abc");
	free(r);
}

static void test_collation_sorts_chinese_by_pinyin(void **state)
{
	/* běijīng < shànghǎi < tiānjīn, whatever the code points say */
	assert_true(txt_collate("北京", "上海") < 0);
	assert_true(txt_collate("上海", "天津") < 0);
	assert_true(txt_collate("北京", "天津") < 0);
	assert_true(txt_collate("天津", "北京") > 0);
	assert_true(strcmp("北京", "上海") > 0); /* the byte order is different */
}

static void test_collation_is_the_same_in_both_languages(void **state)
{
	i18n_set_lang(LANG_EN);
	assert_true(txt_collate("北京", "上海") < 0);
	i18n_set_lang(LANG_ZH_HANS);
	assert_true(txt_collate("北京", "上海") < 0);
	assert_true(txt_collate("a", "B") < 0);
	i18n_set_lang(LANG_EN);
}

static void test_collation_ignores_case_first(void **state)
{
	assert_true(txt_collate("a", "B") < 0);
	assert_true(txt_collate("B", "c") < 0);
	assert_true(txt_collate("apple", "Banana") < 0);
	assert_true(txt_collate("résumé", "rope") < 0);
	/* case decides only between otherwise equal strings */
	assert_true(txt_collate("a", "A") != 0);
	assert_int_equal(txt_collate("same", "same"), 0);
}

static void test_collation_compares_digit_runs_as_numbers(void **state)
{
	assert_true(txt_collate("file2", "file10") < 0);
	assert_true(txt_collate("第9章", "第10章") < 0);
}

static void test_collation_puts_latin_first_in_english_and_han_first_in_chinese(void **state)
{
	assert_true(txt_collate("zebra", "阿") < 0);
	i18n_set_lang(LANG_ZH_HANS);
	assert_true(txt_collate("zebra", "阿") > 0);
	assert_true(txt_collate("阿", "apple") < 0);
	i18n_set_lang(LANG_EN);
}

static int by_collation(const void *a, const void *b)
{
	return txt_collate(*(const char *const *)a, *(const char *const *)b);
}

static void test_collation_sorts_a_list(void **state)
{
	const char *v[] = {"天津", "Zürich", "北京", "apple", "上海", "Banana"};
	const char *want[] = {"apple", "Banana", "Zürich", "北京", "上海", "天津"};
	size_t i;

	const char *want_zh[] = {"北京", "上海", "天津", "apple", "Banana", "Zürich"};

	qsort(v, 6, sizeof(v[0]), by_collation);
	for (i = 0; i < 6; i++)
		assert_string_equal(v[i], want[i]);
	i18n_set_lang(LANG_ZH_HANS);
	qsort(v, 6, sizeof(v[0]), by_collation);
	for (i = 0; i < 6; i++)
		assert_string_equal(v[i], want_zh[i]);
	i18n_set_lang(LANG_EN);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_casefold_lowers_ascii),
	    cmocka_unit_test(test_casefold_is_full_folding),
	    cmocka_unit_test(test_casefold_does_not_apply_turkish_rules),
	    cmocka_unit_test(test_casefold_replaces_invalid_bytes),
	    cmocka_unit_test(test_casefold_respects_the_length),
	    cmocka_unit_test(test_collation_sorts_chinese_by_pinyin),
	    cmocka_unit_test(test_collation_is_the_same_in_both_languages),
	    cmocka_unit_test(test_collation_ignores_case_first),
	    cmocka_unit_test(test_collation_compares_digit_runs_as_numbers),
	    cmocka_unit_test(test_collation_puts_latin_first_in_english_and_han_first_in_chinese),
	    cmocka_unit_test(test_collation_sorts_a_list),
	};

	return cmocka_run_group_tests_name("i18n text", tests, NULL, NULL);
}
