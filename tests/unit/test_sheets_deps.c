/*
 * test_sheets_deps.c - modules/sheets/deps.c: incremental recalculation in
 * dependency order, long chains without recursion, circular references,
 * ranges as precedents; and the storage and recalculation microbenchmarks.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "modules/sheets/engine.h"

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif
#ifndef UNDER_ASAN
#define UNDER_ASAN 0
#endif

static struct sheet_book *book(void)
{
	struct sheet_book *wb = sheet_book_new();
	struct err e;

	assert_int_equal(sheet_add(wb, "Sheet1", &e), 0);
	assert_int_equal(sheet_add(wb, "Sheet2", &e), 1);
	return wb;
}

static void set(struct sheet_book *wb, uint32_t row, uint32_t col, const char *src)
{
	struct err e;

	if (sheet_set_formula(wb, 0, row, col, src, &e) != 0)
		fail_msg("%s: %s", src, e.msg);
}

static double num(struct sheet_book *wb, int sheet, uint32_t row, uint32_t col)
{
	struct sheet_value v;

	sheet_get(wb, sheet, row, col, &v);
	if (v.type != SHEET_NUM)
		fail_msg("row %u col %u: type %d %s", row, col, v.type,
			 v.type == SHEET_ERROR ? sheet_err_text(v.err) : "");
	return v.num;
}

static enum sheet_err errof(struct sheet_book *wb, uint32_t row, uint32_t col)
{
	struct sheet_value v;

	sheet_get(wb, 0, row, col, &v);
	return v.type == SHEET_ERROR ? v.err : SHEET_ERR_NONE;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void test_changing_an_input_recomputes_only_its_dependents(void **state)
{
	struct sheet_book *wb = book();
	uint64_t before;

	sheet_set_number(wb, 0, 0, 0, 1); /* A1 */
	sheet_set_number(wb, 0, 0, 1, 2); /* B1 */
	set(wb, 1, 0, "=A1*10");	  /* A2 */
	set(wb, 2, 0, "=A2+1");		  /* A3 */
	set(wb, 1, 1, "=B1*10");	  /* B2 */
	set(wb, 3, 0, "=A3+B2");	  /* A4 */
	assert_true(num(wb, 0, 3, 0) == 31);
	before = sheet_eval_count(wb);
	sheet_set_number(wb, 0, 0, 0, 5);
	assert_int_equal(sheet_eval_count(wb) - before, 3); /* A2, A3, A4; not B2 */
	assert_true(num(wb, 0, 3, 0) == 71);
	before = sheet_eval_count(wb);
	sheet_set_number(wb, 0, 5, 5, 5); /* nothing reads F6 */
	assert_int_equal(sheet_eval_count(wb) - before, 0);
	sheet_book_free(wb);
}

static void test_diamond_is_evaluated_once_per_cell_in_order(void **state)
{
	struct sheet_book *wb = book();
	uint64_t before;

	sheet_set_number(wb, 0, 0, 0, 1);
	set(wb, 0, 1, "=A1+1");	    /* B1 */
	set(wb, 0, 2, "=A1*2");	    /* C1 */
	set(wb, 0, 3, "=B1+C1+A1"); /* D1 */
	set(wb, 0, 4, "=D1+B1");    /* E1 */
	before = sheet_eval_count(wb);
	sheet_set_number(wb, 0, 0, 0, 10);
	assert_int_equal(sheet_eval_count(wb) - before, 4);
	assert_true(num(wb, 0, 0, 3) == 41);
	assert_true(num(wb, 0, 0, 4) == 52);
	sheet_book_free(wb);
}

static void test_formulas_entered_before_their_inputs_update(void **state)
{
	struct sheet_book *wb = book();
	struct err e;

	set(wb, 0, 0, "=Sheet2!B2*2");
	assert_true(num(wb, 0, 0, 0) == 0);
	assert_int_equal(sheet_set_number(wb, 1, 1, 1, 21), 0);
	assert_true(num(wb, 0, 0, 0) == 42);
	/* replacing a formula drops its old precedents */
	assert_int_equal(sheet_set_formula(wb, 0, 0, 0, "=C3+1", &e), 0);
	assert_true(num(wb, 0, 0, 0) == 1);
	uint64_t before = sheet_eval_count(wb);
	sheet_set_number(wb, 1, 1, 1, 5);
	assert_int_equal(sheet_eval_count(wb) - before, 0);
	sheet_set_number(wb, 0, 2, 2, 5);
	assert_true(num(wb, 0, 0, 0) == 6);
	sheet_book_free(wb);
}

static void test_long_chain_recomputes_after_changing_the_head(void **state)
{
	struct sheet_book *wb = book();
	uint32_t n = 100000;
	char src[32];
	double t;

	sheet_recalc_suspend(wb);
	sheet_set_number(wb, 0, 0, 0, 1);
	for (uint32_t r = 1; r < n; r++) {
		snprintf(src, sizeof(src), "=A%u+1", r);
		set(wb, r, 0, src);
	}
	t = now();
	sheet_recalc_resume(wb);
	print_message("load+recalc of a %u-formula chain: %.1f ms\n", n - 1, (now() - t) * 1e3);
	assert_true(num(wb, 0, n - 1, 0) == n);
	t = now();
	sheet_set_number(wb, 0, 0, 0, 1000);
	t = now() - t;
	print_message("change the head of a %u-formula chain: %.1f ms\n", n - 1, t * 1e3);
	assert_true(num(wb, 0, n - 1, 0) == n + 999);
	assert_true(num(wb, 0, n / 2, 0) == n / 2 + 1000);
	assert_true(t < 5.0); /* loose: also under sanitizers */
	/* a change in the middle recomputes the tail only */
	uint64_t before = sheet_eval_count(wb);
	sheet_set_number(wb, 0, n - 10, 0, 0);
	assert_int_equal(sheet_eval_count(wb) - before, 9);
	assert_true(num(wb, 0, n - 1, 0) == 9);
	sheet_book_free(wb);
}

static void test_million_long_chain_built_incrementally_upward(void **state)
{
	/* Each formula entered top-down reads the cell below: no recursion. */
	struct sheet_book *wb = book();
	uint32_t n = UNDER_ASAN ? 100000 : 1000000;
	char src[32];

	sheet_recalc_suspend(wb);
	for (uint32_t r = 0; r + 1 < n; r++) {
		snprintf(src, sizeof(src), "=A%u+1", r + 2);
		set(wb, r, 0, src);
	}
	sheet_set_number(wb, 0, n - 1, 0, 0);
	sheet_recalc_resume(wb);
	assert_true(num(wb, 0, 0, 0) == n - 1);
	sheet_set_number(wb, 0, n - 1, 0, 1);
	assert_true(num(wb, 0, 0, 0) == n);
	sheet_book_free(wb);
}

static void test_cycle_marks_every_member_and_breaking_it_recovers(void **state)
{
	struct sheet_book *wb = book();

	set(wb, 0, 0, "=C1+1"); /* A1 */
	set(wb, 0, 1, "=A1+1"); /* B1 */
	set(wb, 0, 3, "=B1*2"); /* D1 depends on the cycle */
	set(wb, 0, 2, "=B1+1"); /* C1 closes it */
	assert_int_equal(errof(wb, 0, 0), SHEET_ERR_CIRC);
	assert_int_equal(errof(wb, 0, 1), SHEET_ERR_CIRC);
	assert_int_equal(errof(wb, 0, 2), SHEET_ERR_CIRC);
	assert_int_equal(errof(wb, 0, 3), SHEET_ERR_CIRC);
	assert_string_equal(sheet_err_text(SHEET_ERR_CIRC), "#CIRC!");
	sheet_set_number(wb, 0, 0, 2, 10); /* break it at C1 */
	assert_true(num(wb, 0, 0, 0) == 11);
	assert_true(num(wb, 0, 0, 1) == 12);
	assert_true(num(wb, 0, 0, 3) == 24);
	/* self reference, and a cycle through a range */
	set(wb, 5, 0, "=A6+1");
	assert_int_equal(errof(wb, 5, 0), SHEET_ERR_CIRC);
	set(wb, 9, 1, "=SUM(B1:B20)");
	assert_int_equal(errof(wb, 9, 1), SHEET_ERR_CIRC);
	sheet_clear(wb, 0, 9, 1);
	set(wb, 9, 1, "=SUM(B1:B5)");
	assert_true(num(wb, 0, 9, 1) == 12);
	/* a cycle found at load */
	sheet_recalc_suspend(wb);
	set(wb, 20, 0, "=A22");
	set(wb, 21, 0, "=A21");
	sheet_recalc_resume(wb);
	assert_int_equal(errof(wb, 20, 0), SHEET_ERR_CIRC);
	assert_int_equal(errof(wb, 21, 0), SHEET_ERR_CIRC);
	sheet_book_free(wb);
}

static void test_ranges_are_precedents(void **state)
{
	struct sheet_book *wb = book();
	uint64_t before;

	for (uint32_t r = 0; r < 1000; r++)
		sheet_set_number(wb, 0, r, 0, 1);
	set(wb, 0, 1, "=SUM(A1:A1000)");
	set(wb, 1, 1, "=SUM(A:A)");
	set(wb, 0, 2, "=SUM(A1:A2000)"); /* C1 */
	set(wb, 3, 1, "=COUNT(Sheet2!A:Z)");
	assert_true(num(wb, 0, 0, 1) == 1000);
	before = sheet_eval_count(wb);
	sheet_set_number(wb, 0, 499, 0, 101);
	assert_true(num(wb, 0, 0, 1) == 1100);
	assert_true(num(wb, 0, 1, 1) == 1100);
	assert_int_equal(sheet_eval_count(wb) - before, 3);
	sheet_set_number(wb, 0, 5000, 0, 1); /* outside A1:A1000 */
	assert_true(num(wb, 0, 0, 1) == 1100);
	assert_true(num(wb, 0, 1, 1) == 1101);
	sheet_set_number(wb, 1, 70000, 20, 1);
	assert_true(num(wb, 0, 3, 1) == 1);
	sheet_book_free(wb);
}

static void test_storage_of_a_million_numbers_is_compact(void **state)
{
	struct sheet_book *wb = book();
	uint32_t n = 1000000;
	double per, t = now();

	for (uint32_t i = 0; i < n; i++)
		sheet_set_number(wb, 0, i % 100000, i / 100000, i);
	t = now() - t;
	per = (double)sheet_storage_bytes(wb) / n;
	print_message("1,000,000 numeric cells (100000 x 10): %.2f bytes per cell, %.1f ms\n", per,
		      t * 1e3);
	assert_true(num(wb, 0, 99999, 9) == 999999);
	if (!UNDER_ASAN)
		assert_true(per < 64);
	sheet_book_free(wb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_changing_an_input_recomputes_only_its_dependents),
	    cmocka_unit_test(test_diamond_is_evaluated_once_per_cell_in_order),
	    cmocka_unit_test(test_formulas_entered_before_their_inputs_update),
	    cmocka_unit_test(test_long_chain_recomputes_after_changing_the_head),
	    cmocka_unit_test(test_million_long_chain_built_incrementally_upward),
	    cmocka_unit_test(test_cycle_marks_every_member_and_breaking_it_recovers),
	    cmocka_unit_test(test_ranges_are_precedents),
	    cmocka_unit_test(test_storage_of_a_million_numbers_is_compact),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
