/* Number and date formatting (i18n/format.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "i18n/i18n.h"

#define T_2026_11_21_1605 ((time_t)1795277100) /* UTC */
#define T_2026_01_05_0903 ((time_t)1767603780)

static const char *number(double v, int decimals)
{
	static char buf[64];

	assert_int_equal(i18n_format_number(buf, sizeof(buf), v, decimals), 0);
	return buf;
}

static const char *datetime(time_t t)
{
	static char buf[64];

	assert_int_equal(i18n_format_datetime(buf, sizeof(buf), t), 0);
	return buf;
}

static int reset(void **state)
{
	i18n_set_lang(LANG_EN);
	return 0;
}

static void test_english_numbers_group_thousands(void **state)
{
	assert_string_equal(number(1234567.891, 2), "1,234,567.89");
	assert_string_equal(number(1234567.891, 0), "1,234,568");
	assert_string_equal(number(42, 2), "42.00");
	assert_string_equal(number(-9876.5, 1), "-9,876.5");
	assert_string_equal(number(0, 0), "0");
}

static void test_chinese_numbers_group_thousands(void **state)
{
	i18n_set_lang(LANG_ZH_HANS);
	assert_string_equal(number(1234567.891, 2), "1,234,567.89");
	assert_string_equal(number(0.5, 1), "0.5");
}

static void test_halves_round_away_from_zero(void **state)
{
	assert_string_equal(number(2.5, 0), "3");
	assert_string_equal(number(-2.5, 0), "-3");
	assert_string_equal(number(0.125, 2), "0.13");
}

static void test_tiny_negative_numbers_do_not_print_minus_zero(void **state)
{
	assert_string_equal(number(-0.001, 2), "0.00");
	assert_string_equal(number(-0.0, 0), "0");
}

static void test_number_decimals_are_clamped(void **state)
{
	assert_string_equal(number(1.5, -3), "2");
	assert_int_equal(strlen(number(1.0 / 3, 99)), 17); /* 0. and 15 digits */
}

static void test_number_that_does_not_fit_gives_empty_string(void **state)
{
	char buf[4] = "xyz";

	assert_int_equal(i18n_format_number(buf, sizeof(buf), 123456, 0), -1);
	assert_string_equal(buf, "");
	assert_int_equal(i18n_format_number(buf, sizeof(buf), 123, 0), 0);
	assert_string_equal(buf, "123");
}

static void test_non_finite_numbers_do_not_crash(void **state)
{
	char buf[32];

	assert_int_equal(i18n_format_number(buf, sizeof(buf), NAN, 2), 0);
	assert_int_equal(i18n_format_number(buf, sizeof(buf), INFINITY, 2), 0);
	assert_string_equal(buf, "∞");
}

static void test_english_date_is_iso_like(void **state)
{
	assert_string_equal(datetime(T_2026_11_21_1605), "2026-11-21 16:05");
	assert_string_equal(datetime(T_2026_01_05_0903), "2026-01-05 09:03");
}

static void test_chinese_date_uses_year_month_day_characters(void **state)
{
	i18n_set_lang(LANG_ZH_HANS);
	assert_string_equal(datetime(T_2026_11_21_1605), "2026年11月21日 16:05");
	assert_string_equal(datetime(T_2026_01_05_0903), "2026年1月5日 09:03");
}

static void test_date_follows_the_local_time_zone(void **state)
{
	setenv("TZ", "CST-8", 1); /* POSIX form: needs no tzdata */
	tzset();
	assert_string_equal(datetime(T_2026_11_21_1605), "2026-11-22 00:05");
	setenv("TZ", "UTC", 1);
	tzset();
	assert_string_equal(datetime(T_2026_11_21_1605), "2026-11-21 16:05");
}

static void test_date_that_does_not_fit_gives_empty_string(void **state)
{
	char buf[10] = "x";

	assert_int_equal(i18n_format_datetime(buf, sizeof(buf), T_2026_11_21_1605), -1);
	assert_string_equal(buf, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_english_numbers_group_thousands, reset),
	    cmocka_unit_test_setup(test_chinese_numbers_group_thousands, reset),
	    cmocka_unit_test_setup(test_halves_round_away_from_zero, reset),
	    cmocka_unit_test_setup(test_tiny_negative_numbers_do_not_print_minus_zero, reset),
	    cmocka_unit_test_setup(test_number_decimals_are_clamped, reset),
	    cmocka_unit_test_setup(test_number_that_does_not_fit_gives_empty_string, reset),
	    cmocka_unit_test_setup(test_non_finite_numbers_do_not_crash, reset),
	    cmocka_unit_test_setup(test_english_date_is_iso_like, reset),
	    cmocka_unit_test_setup(test_chinese_date_uses_year_month_day_characters, reset),
	    cmocka_unit_test_setup(test_date_follows_the_local_time_zone, reset),
	    cmocka_unit_test_setup(test_date_that_does_not_fit_gives_empty_string, reset),
	};

	setenv("TZ", "UTC", 1);
	tzset();
	return cmocka_run_group_tests_name("i18n format", tests, NULL, reset);
}
