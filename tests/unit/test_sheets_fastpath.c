/*
 * test_sheets_fastpath.c - the fast paths of the formula engine give what
 * the slow ones they replaced give: sheet_func_find (a binary search over
 * the function table) finds every name in any case and nothing else, and
 * sheet_digits15 (15 significant digits without printf) equals printf
 * "%.15g" then strtod on values of every magnitude, ties included, and
 * sheet_io_num writes the shortest of %.15g, %.16g, %.17g that reads back
 * without printf where it can; and
 * formulas longer than the compiler's own arrays compile, evaluate and
 * fail as short ones do.
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
#include "modules/sheets/io.h"

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

static void check_text(double x)
{
	char want[40], got[40];

	if (x == 0)
		x = 0;
	for (int prec = 15; prec <= 17; prec++) {
		snprintf(want, sizeof(want), "%.*g", prec, x);
		if (strtod(want, NULL) == x)
			break;
	}
	sheet_io_num(x, got, sizeof(got));
	if (strcmp(want, got) != 0)
		fail_msg("sheet_io_num(%.17g) = %s, want %s", x, got, want);
}

static void test_number_text_equals_printf(void **state)
{
	uint64_t s = 0x9e3779b97f4a7c15ull;
	static const double fixed[] = {
	    0.0, -0.0, 1.0, 0.1, 0.5, 1e-4, 1.5e-4, 9.99999999999999e-5, 1e-5, 123456789012345.0,
	    999999999999999.0, 999999999999999.5, 1e15, 1e16, 0.1 + 0.2, 1.0 / 3, 2.0 / 3, 100.0 / 7,
	    1e14 / 3, 12.345, 1e-8 / 3, HUGE_VAL, NAN, 5e-324};

	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
		check_text(fixed[i]);
		check_text(-fixed[i]);
	}
	for (int i = 0; i < 300000; i++) {
		s ^= s << 13, s ^= s >> 7, s ^= s << 17;
		double d = (double)(int64_t)(s % 2000000001u - 1000000000) / 1000.0;
		int e = (int)(s >> 40) % 30 - 12;

		check_text(d * pow(10, e));
		check_text(d / 7 * pow(10, e % 8));
		check_text(d / (double)(s >> 50 | 1));
		/* any bits from 2^-15 to 2^52: 15, 16, 17 digits, powers of two */
		double r;
		uint64_t b = (s & 0x800fffffffffffffull) | ((uint64_t)(1008 + (s >> 52) % 68) << 52);
		memcpy(&r, &b, sizeof(r));
		check_text(r);
		b &= 0xfff0000000000000ull;
		memcpy(&r, &b, sizeof(r));
		check_text(r);
		check_text(nextafter(r, 0));
	}
}

/* =SUM(A1,...,An)&"s1"&...&"sm" with the sum's expected text */
static void long_formula(char *buf, size_t n, int refs, int strs, const char *tail)
{
	size_t len = (size_t)snprintf(buf, n, "=SUM(");

	for (int i = 1; i <= refs; i++)
		len += (size_t)snprintf(buf + len, n - len, "%sA%d", i > 1 ? "," : "", i);
	len += (size_t)snprintf(buf + len, n - len, ")");
	for (int i = 0; i < strs; i++)
		len += (size_t)snprintf(buf + len, n - len, "&\"%c\"", 'a' + i);
	snprintf(buf + len, n - len, "%s", tail);
}

static void test_long_formulas_outgrow_the_compiler_arrays(void **state)
{
	struct sheet_book *wb = sheet_book_new();
	struct sheet_value v;
	struct err e;
	char src[2048], want[64];

	assert_int_equal(sheet_add(wb, "Sheet1", &e), 0);
	for (uint32_t r = 0; r < 100; r++)
		sheet_set_number(wb, 0, r, 0, r + 1);
	/* 3..90 references, 0..9 texts: across the sizes where they grow */
	for (int refs = 3; refs <= 90; refs += 29) {
		for (int strs = 0; strs <= 9; strs += 3) {
			long_formula(src, sizeof(src), refs, strs, "");
			assert_int_equal(sheet_set_formula(wb, 0, 0, 2, src, &e), 0);
			sheet_get(wb, 0, 0, 2, &v);
			int len = snprintf(want, sizeof(want), "%d", refs * (refs + 1) / 2);
			for (int i = 0; i < strs; i++)
				want[len++] = (char)('a' + i);
			want[len] = 0;
			if (strs == 0) {
				assert_int_equal(v.type, SHEET_NUM);
				assert_true(v.num == refs * (refs + 1) / 2);
			} else {
				assert_int_equal(v.type, SHEET_TEXT);
				assert_string_equal(v.str, want);
			}
			/* the same, broken at its end: an error, the cell kept */
			long_formula(src, sizeof(src), refs, strs, "&)");
			assert_int_equal(sheet_set_formula(wb, 0, 0, 2, src, &e), E_PARSE);
			sheet_get(wb, 0, 0, 2, &v);
			assert_int_equal(v.type, strs ? SHEET_TEXT : SHEET_NUM);
		}
	}
	/* a change to a referenced cell reaches the long formula */
	long_formula(src, sizeof(src), 60, 0, "");
	assert_int_equal(sheet_set_formula(wb, 0, 0, 2, src, &e), 0);
	sheet_set_number(wb, 0, 59, 0, 1000);
	sheet_get(wb, 0, 0, 2, &v);
	assert_true(v.num == 60 * 61 / 2 - 60 + 1000);
	sheet_book_free(wb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_every_function_name_is_found_in_any_case),
	    cmocka_unit_test(test_digits15_equals_printf_then_strtod),
	    cmocka_unit_test(test_long_formulas_outgrow_the_compiler_arrays),
	    cmocka_unit_test(test_number_text_equals_printf),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
