/*
 * test_sheets_deps_cells.c - the table of single-cell precedents in deps.c
 * (laid out by sheet, column and block of rows): a change reaches its
 * dependents at the sheet's far corners, on every sheet, on a sheet added
 * after the formulas, after the table is built again (inserted rows) and
 * after a formula is replaced.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "modules/sheets/grid.h"
#include "modules/sheets/ops.h"

static double num(struct sheet_book *wb, int sheet, uint32_t row, uint32_t col)
{
	struct sheet_value v;

	sheet_get(wb, sheet, row, col, &v);
	if (v.type != SHEET_NUM)
		fail_msg("(%d, %u, %u): not a number (type %d)", sheet, row, col, v.type);
	return v.num;
}

static void test_changes_reach_dependents_at_the_far_corners(void **state)
{
	struct sheet_book *wb = sheet_book_new();
	struct err e;

	assert_int_equal(sheet_add(wb, "Sheet1", &e), 0);
	/* XFD1048576 read from A1, and A1 from XFD1048576's neighbour */
	assert_int_equal(sheet_set_formula(wb, 0, 0, 0, "=XFD1048576*2", &e), 0);
	assert_int_equal(sheet_set_formula(wb, 0, 1048575, 16382, "=A1+1", &e), 0);
	assert_int_equal(sheet_set_number(wb, 0, 1048575, 16383, 21), 0);
	assert_true(num(wb, 0, 0, 0) == 42);
	assert_true(num(wb, 0, 1048575, 16382) == 43);
	assert_int_equal(sheet_set_number(wb, 0, 1048575, 16383, 1), 0);
	assert_true(num(wb, 0, 1048575, 16382) == 3);
	/* a sheet added later, read from the first and reading it */
	assert_int_equal(sheet_add(wb, "Far", &e), 1);
	assert_int_equal(sheet_set_formula(wb, 0, 5, 3, "=Far!C2000+1", &e), 0);
	assert_int_equal(sheet_set_formula(wb, 1, 0, 0, "=Sheet1!D6*10", &e), 0);
	assert_int_equal(sheet_set_number(wb, 1, 1999, 2, 4), 0);
	assert_true(num(wb, 0, 5, 3) == 5);
	assert_true(num(wb, 1, 0, 0) == 50);
	/* a formula replaced: the old one's precedents no longer reach it */
	assert_int_equal(sheet_set_formula(wb, 0, 5, 3, "=Far!C1999+1", &e), 0);
	assert_int_equal(sheet_set_number(wb, 1, 1999, 2, 100), 0);
	assert_true(num(wb, 0, 5, 3) == 1);
	assert_int_equal(sheet_set_number(wb, 1, 1998, 2, 7), 0);
	assert_true(num(wb, 0, 5, 3) == 8);
	assert_true(num(wb, 1, 0, 0) == 80);
	sheet_book_free(wb);
}

static void test_dependents_follow_inserted_rows(void **state)
{
	struct sheet_file f;
	struct sheet_journal j = { 0 };

	sheet_file_init(&f, "Sheet1");
	for (uint32_t r = 0; r < 3000; r++) {
		char src[32];

		assert_int_equal(sheet_set_number(f.wb, 0, r, 0, r), 0);
		snprintf(src, sizeof src, "=A%u+1", r + 1);
		assert_int_equal(sheet_set_formula(f.wb, 0, r, 1, src, NULL), 0);
	}
	assert_int_equal(sheet_op_shift(&f, SHEET_AXIS_ROWS, 1500, 2, &j, NULL), 0);
	assert_int_equal(sheet_set_number(f.wb, 0, 2501, 0, 1000), 0);
	assert_true(num(f.wb, 0, 2501, 1) == 1001);
	assert_int_equal(sheet_set_number(f.wb, 0, 10, 0, -5), 0);
	assert_true(num(f.wb, 0, 10, 1) == -4);
	sheet_journal_undo(&f, &j);
	assert_int_equal(sheet_set_number(f.wb, 0, 2499, 0, 7), 0);
	assert_true(num(f.wb, 0, 2499, 1) == 8);
	sheet_journal_free(&j);
	sheet_file_free(&f);
}

static void load(struct sheet_file *f, const char *csv)
{
	struct err e;

	err_clear(&e);
	assert_int_equal(sheet_csv_load(f, csv, strlen(csv), ',', &e), 0);
}

static void test_a_loaded_sheet_makes_its_edges_at_the_first_change(void **state)
{
	struct sheet_file f;

	sheet_file_init(&f, "Sheet1");
	/* (INDIRECT's second pass at the load already needs the edges) */
	load(&f, "1,=A1*2,=B1+B2\n2,=A2*2,\"=SUM(B1:B2)\"\n3,\"=INDIRECT(\"\"A\"\"&A1)\",=B3+1\n");
	assert_true(num(f.wb, 0, 0, 2) == 6);
	assert_true(num(f.wb, 0, 2, 1) == 1);
	assert_int_equal(sheet_set_number(f.wb, 0, 1, 0, 10), 0);
	assert_false(f.wb->deps_lazy);
	assert_true(num(f.wb, 0, 1, 1) == 20);
	assert_true(num(f.wb, 0, 0, 2) == 22);
	assert_true(num(f.wb, 0, 1, 2) == 22);
	/* the run-time reference follows A1, then what it points at */
	assert_int_equal(sheet_set_number(f.wb, 0, 0, 0, 3), 0);
	assert_true(num(f.wb, 0, 2, 1) == 3);
	assert_true(num(f.wb, 0, 2, 2) == 4);
	assert_int_equal(sheet_set_number(f.wb, 0, 2, 0, 7), 0);
	assert_true(num(f.wb, 0, 2, 2) == 8);
	sheet_file_free(&f);
}

static void test_deferred_edges_and_formulas_replaced_before_the_first_change(void **state)
{
	struct sheet_book *wb = sheet_book_new();
	struct err e;

	assert_int_equal(sheet_add(wb, "Sheet1", &e), 0);
	sheet_recalc_suspend(wb);
	sheet_deps_defer(wb);
	assert_int_equal(sheet_set_formula(wb, 0, 0, 1, "=A1+1", &e), 0);
	assert_int_equal(sheet_set_formula(wb, 0, 1, 1, "=A2+1", &e), 0);
	assert_int_equal(sheet_set_formula(wb, 0, 1, 1, "=A3+100", &e), 0);
	assert_int_equal(sheet_clear(wb, 0, 0, 1), 0);
	sheet_recalc_resume(wb);
	assert_true(wb->deps_lazy);
	assert_int_equal(sheet_set_number(wb, 0, 1, 0, 5), 0); /* A2: read by nothing now */
	assert_true(num(wb, 0, 1, 1) == 100);
	assert_int_equal(sheet_set_number(wb, 0, 2, 0, 5), 0);
	assert_true(num(wb, 0, 1, 1) == 105);
	assert_int_equal(sheet_set_number(wb, 0, 0, 0, 5), 0);
	assert_int_equal(sheet_is_formula(wb, 0, 0, 1), 0);
	/* a workbook that has formulas does not defer: none would be found */
	sheet_deps_defer(wb);
	assert_false(wb->deps_lazy);
	sheet_book_free(wb);
}

static void test_deferred_edges_with_sliced_recalculation_and_moves(void **state)
{
	struct sheet_file f;
	struct sheet_journal j = { 0 };
	uint64_t done, total;

	sheet_file_init(&f, "Sheet1");
	load(&f, "1,=A1+1\n2,=A2+B1\n3,=A3+B2\n");
	assert_true(f.wb->deps_lazy);
	sheet_recalc_defer(f.wb, 1);
	assert_int_equal(sheet_set_number(f.wb, 0, 0, 0, 10), 0);
	while (sheet_recalc_step(f.wb, 1, &done, &total))
		;
	sheet_recalc_defer(f.wb, 0);
	assert_true(num(f.wb, 0, 2, 1) == 11 + 2 + 3);
	sheet_file_free(&f);

	sheet_file_init(&f, "Sheet1");
	load(&f, "1,=A1+1\n2,=A2+B1\n3,=A3+B2\n");
	assert_int_equal(sheet_op_shift(&f, SHEET_AXIS_ROWS, 1, 1, &j, NULL), 0);
	assert_false(f.wb->deps_lazy);
	assert_int_equal(sheet_set_number(f.wb, 0, 0, 0, 10), 0);
	assert_true(num(f.wb, 0, 3, 1) == 11 + 2 + 3);
	sheet_journal_free(&j);
	sheet_file_free(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_changes_reach_dependents_at_the_far_corners),
		cmocka_unit_test(test_dependents_follow_inserted_rows),
		cmocka_unit_test(test_a_loaded_sheet_makes_its_edges_at_the_first_change),
		cmocka_unit_test(test_deferred_edges_and_formulas_replaced_before_the_first_change),
		cmocka_unit_test(test_deferred_edges_with_sliced_recalculation_and_moves),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
