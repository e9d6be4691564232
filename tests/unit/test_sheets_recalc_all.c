/*
 * test_sheets_recalc_all.c - modules/sheets/deps.c: recalculating every
 * formula at once (after a load: sheet_recalc_resume, sheet_recalc_all)
 * walks from formulas to the formula cells their references cover. It must
 * give what entering the same cells one by one gives (each change
 * recalculated through the reverse edges), find cycles and self
 * references, and see formulas in any block of a range, on any sheet.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "modules/sheets/engine.h"

static struct sheet_book *book(void)
{
	struct sheet_book *wb = sheet_book_new();
	struct err e;

	assert_int_equal(sheet_add(wb, "Sheet1", &e), 0);
	assert_int_equal(sheet_add(wb, "Sheet2", &e), 1);
	return wb;
}

static void set(struct sheet_book *wb, int sheet, uint32_t row, uint32_t col, const char *src)
{
	struct err e;

	err_clear(&e);
	assert_int_equal(sheet_set_input(wb, sheet, row, col, src, &e), 0);
}

static double num(struct sheet_book *wb, int sheet, uint32_t row, uint32_t col)
{
	struct sheet_value v;

	sheet_get(wb, sheet, row, col, &v);
	assert_int_equal(v.type, SHEET_NUM);
	return v.num;
}

static enum sheet_err err_at(struct sheet_book *wb, int sheet, uint32_t row, uint32_t col)
{
	struct sheet_value v;

	sheet_get(wb, sheet, row, col, &v);
	return v.type == SHEET_ERROR ? v.err : SHEET_ERR_NONE;
}

/* Formulas far apart in a column, read by ranges that start in empty
 * blocks, a whole column and another sheet. */
static void test_ranges_find_formulas_in_any_block(void **state)
{
	struct sheet_book *wb = book();
	uint64_t before;

	(void)state;
	sheet_recalc_suspend(wb);
	set(wb, 0, 5000, 0, "=B5001*2");   /* A5001, block 4 */
	set(wb, 0, 5000, 1, "=Sheet2!A1+1"); /* B5001 */
	set(wb, 1, 0, 0, "=Sheet2!B3000*10"); /* Sheet2!A1 */
	set(wb, 1, 2999, 1, "4");
	set(wb, 0, 0, 2, "=SUM(A1:A6000)");  /* C1 */
	set(wb, 0, 1, 2, "=SUM(A:A)+C1");    /* C2 */
	set(wb, 0, 2, 2, "=SUM(D1:D9)");     /* C3: a column with no blocks */
	before = sheet_eval_count(wb);
	sheet_recalc_resume(wb);
	assert_int_equal(sheet_eval_count(wb) - before, 6); /* each once */
	assert_true(num(wb, 1, 0, 0) == 40);
	assert_true(num(wb, 0, 5000, 1) == 41);
	assert_true(num(wb, 0, 5000, 0) == 82);
	assert_true(num(wb, 0, 0, 2) == 82);
	assert_true(num(wb, 0, 1, 2) == 164);
	assert_true(num(wb, 0, 2, 2) == 0);
	/* the reverse edges still work for a change afterwards */
	set(wb, 1, 2999, 1, "5");
	assert_true(num(wb, 0, 1, 2) == 204);
	sheet_book_free(wb);
}

static void test_cycles_and_self_references_are_circular(void **state)
{
	struct sheet_book *wb = book();

	(void)state;
	sheet_recalc_suspend(wb);
	set(wb, 0, 0, 0, "=B1+1");        /* A1 <-> B1 */
	set(wb, 0, 0, 1, "=A1+1");
	set(wb, 0, 0, 2, "=A1*2");        /* C1 reads the cycle */
	set(wb, 0, 1, 0, "=SUM(A1:A3)");  /* A2 reads itself in a range */
	set(wb, 0, 2, 3, "=7");           /* D3: not in any cycle */
	set(wb, 0, 3, 3, "=D3+SUM(E1:E2)");
	sheet_recalc_resume(wb);
	assert_int_equal(err_at(wb, 0, 0, 0), SHEET_ERR_CIRC);
	assert_int_equal(err_at(wb, 0, 0, 1), SHEET_ERR_CIRC);
	assert_int_equal(err_at(wb, 0, 0, 2), SHEET_ERR_CIRC);
	assert_int_equal(err_at(wb, 0, 1, 0), SHEET_ERR_CIRC);
	assert_true(num(wb, 0, 2, 3) == 7);
	assert_true(num(wb, 0, 3, 3) == 7);
	/* breaking the cycle recovers through the incremental path */
	set(wb, 0, 0, 1, "10");
	assert_true(num(wb, 0, 0, 0) == 11);
	assert_true(num(wb, 0, 0, 2) == 22);
	sheet_book_free(wb);
}

/* INDIRECT's target is known only once it ran: the first evaluation
 * notes it, and the pass after orders it. */
static void test_run_time_references_settle(void **state)
{
	struct sheet_book *wb = book();

	(void)state;
	sheet_recalc_suspend(wb);
	set(wb, 0, 0, 0, "=INDIRECT(\"B1\")+1"); /* A1, before B1 in the walk */
	set(wb, 0, 0, 1, "=C1*3");
	set(wb, 0, 0, 2, "5");
	sheet_recalc_resume(wb);
	assert_true(num(wb, 0, 0, 0) == 16);
	set(wb, 0, 0, 2, "6");
	assert_true(num(wb, 0, 0, 0) == 19);
	sheet_recalc_all(wb);
	assert_true(num(wb, 0, 0, 0) == 19);
	sheet_book_free(wb);
}

/* A random sheet of formulas over a grid entered two ways: all at once
 * (suspended, then one walk) and cell by cell (every change recalculated
 * through the reverse edges, formulas before their inputs). Same values. */
#define RR 1100 /* rows: past a block, so ranges cross blocks */
#define RC 2

static char *random_input(unsigned *seed, uint32_t row, uint32_t col, char *buf, size_t n)
{
	unsigned k = (unsigned)rand_r(seed) % 9;
	uint32_t r1 = (unsigned)rand_r(seed) % RR, r2 = r1 + (unsigned)rand_r(seed) % 20;
	char c1 = (char)('A' + (unsigned)rand_r(seed) % RC);

	if (r2 >= RR)
		r2 = RR - 1;
	(void)col;
	switch (k) {
	case 0:
	case 1:
		snprintf(buf, n, "%u", (unsigned)rand_r(seed) % 1000);
		break;
	case 2:
		snprintf(buf, n, "=%c%u+1", c1, r1 + 1);
		break;
	case 3:
		snprintf(buf, n, "=SUM(%c%u:%c%u)", c1, r1 + 1, (char)(c1 + (c1 < 'A' + RC - 1)),
			 r2 + 1);
		break;
	case 4:
		snprintf(buf, n, "=MAX(%c%u,%u)*2", c1, r1 + 1, row % 7);
		break;
	case 5:
		snprintf(buf, n, "=IF(%c%u>3,%c%u,Sheet2!A%u)", c1, r1 + 1, c1, r2 + 1, r1 + 1);
		break;
	default:
		buf[0] = '\0';
	}
	return buf;
}

static void fill(struct sheet_book *wb, int all_at_once)
{
	unsigned seed = 7;
	char buf[96];

	if (all_at_once)
		sheet_recalc_suspend(wb);
	for (uint32_t r = 0; r < 400; r++) /* Sheet2!A1:A400 */
		set(wb, 1, r, 0, r % 3 ? "2" : "=Sheet1!A1");
	/* Bottom-up, right to left: most formulas come before their inputs. */
	for (uint32_t r = RR; r-- > 0;)
		for (uint32_t c = RC; c-- > 0;) {
			random_input(&seed, r, c, buf, sizeof buf);
			if (buf[0])
				set(wb, 0, r, c, buf);
		}
	if (all_at_once)
		sheet_recalc_resume(wb);
}

static void test_one_walk_matches_cell_by_cell(void **state)
{
	struct sheet_book *a = book(), *b = book();
	uint32_t circ = 0, nums = 0;

	(void)state;
	fill(a, 1);
	fill(b, 0);
	for (int s = 0; s < 2; s++)
		for (uint32_t r = 0; r < RR; r++)
			for (uint32_t c = 0; c < RC; c++) {
				struct sheet_value x, y;

				sheet_get(a, s, r, c, &x);
				sheet_get(b, s, r, c, &y);
				assert_int_equal(x.type, y.type);
				if (x.type == SHEET_ERROR) {
					assert_int_equal(x.err, y.err);
					circ += x.err == SHEET_ERR_CIRC;
				} else if (x.type == SHEET_NUM) {
					assert_true(x.num == y.num);
					nums++;
				}
			}
	/* the random sheet has both cycles and plenty of values */
	assert_true(circ > 0);
	assert_true(nums > 300);
	sheet_book_free(a);
	sheet_book_free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ranges_find_formulas_in_any_block),
		cmocka_unit_test(test_cycles_and_self_references_are_circular),
		cmocka_unit_test(test_run_time_references_settle),
		cmocka_unit_test(test_one_walk_matches_cell_by_cell),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
