/*
 * test_sheets_fastpath.c - the fast paths of the formula engine give what
 * the slow ones they replaced give: sheet_func_find (a binary search over
 * the function table) finds every name in any case and nothing else, and
 * sheet_digits15 (15 significant digits without printf) equals printf
 * "%.15g" then strtod on values of every magnitude, ties included.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "modules/sheets/engine.h"
#include "modules/sheets/func_int.h"

static void test_every_function_name_is_found_in_any_case(void **state)
{
	char buf[64];
	int n = 0;

	for (int i = 0; sheet_func_at(i); i++, n++) {
		const char *name = sheet_func_at(i)->name;
		size_t len = strlen(name);

		assert_true(len < sizeof(buf) - 8);
		assert_int_equal(sheet_func_find(name, len), i);
		for (size_t j = 0; j < len; j++)
			buf[j] = (char)(j % 2 ? name[j] | 0x20 : name[j]);
		assert_int_equal(sheet_func_find(buf, len), i);
		snprintf(buf, sizeof(buf), "_xlfn.%s", name);
		assert_int_equal(sheet_func_find(buf, len + 6), i);
		/* a prefix or an extension of a name is not that name */
		if (len > 1) {
			int p = sheet_func_find(name, len - 1);

			assert_true(p < 0 || strlen(sheet_func_at(p)->name) == len - 1);
		}
		snprintf(buf, sizeof(buf), "%sQZ", name);
		assert_int_equal(sheet_func_find(buf, len + 2), -1);
	}
	assert_true(n > 100);
	assert_int_equal(sheet_func_find("", 0), -1);
	assert_int_equal(sheet_func_find("NOSUCH", 6), -1);
	assert_int_equal(sheet_func_find("A", 1), -1);
	assert_int_equal(sheet_func_find("ZZZZ", 4), -1);
	assert_int_equal(sheet_func_find("SUM(", 3), sheet_func_find("sum", 3));
	/* only ASCII letters fold */
	assert_int_equal(sheet_func_find("S\xd5M", 3), -1);
}

static double slow15(double x)
{
	char buf[40];

	snprintf(buf, sizeof(buf), "%.15g", x);
	return strtod(buf, NULL);
}

static void check15(double x)
{
	double want = slow15(x), got = sheet_digits15(x);

	if (memcmp(&want, &got, sizeof(want)) != 0 && !(isnan(want) && isnan(got)))
		fail_msg("digits15(%.17g) = %.17g, want %.17g", x, got, want);
}

static void test_digits15_equals_printf_then_strtod(void **state)
{
	uint64_t s = 88172645463325252ull;
	static const double fixed[] = {
	    0.0, -0.0, 1.0, 0.1, 0.5, 2.675, 1.005, 1234.5, 0.285, 1e-8, 9.9999999999999e-9,
	    1e15, 999999999999999.4, 999999999999999.5, 1e14, 99999999999999.99, 1e22, 1e-300,
	    123456789012345.5, 0.1 + 0.2, 1.0000000000000002, 4.35 * 100, 1.15 * 100,
	    HUGE_VAL, -HUGE_VAL, NAN, 5e-324, 1.7976931348623157e308};

	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
		check15(fixed[i]);
		check15(-fixed[i]);
	}
	for (int i = 0; i < 400000; i++) {
		s ^= s << 13, s ^= s >> 7, s ^= s << 17;
		/* decimals as a sheet holds them, scaled as ROUND scales them */
		double d = (double)(int64_t)(s % 2000000001u - 1000000000) / 1000.0;
		int e = (int)(s >> 40) % 44 - 22;

		check15(d * pow(10, e));
		check15(d / 7 * pow(10, e % 8));
		/* any bit pattern of a moderate magnitude */
		double r;
		uint64_t b = (s & 0x800fffffffffffffull) | ((uint64_t)(990 + (s >> 52) % 90) << 52);
		memcpy(&r, &b, sizeof(r));
		check15(r);
		/* exact halves at the 15th digit: the ties printf breaks to even */
		double t = ((double)(s % 900000000000000ull) + 100000000000000.0 + 0.5) /
			   pow(10, (int)(s >> 59) % 16);
		check15(t);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_every_function_name_is_found_in_any_case),
	    cmocka_unit_test(test_digits15_equals_printf_then_strtod),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
