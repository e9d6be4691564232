/*
 * test_sheets_ops_move.c - inserting, deleting and sorting as moves
 * (modules/sheets/ops.c): cells move as storage, formulas' references are
 * adjusted in place and their sources spelt again when read, the
 * dependency graph is rebuilt once, and only what the move changed is
 * recalculated (ROW(), whole columns, ranges across the insertion, what
 * reads sorted cells). Undo is the inverse move plus the few formulas it
 * could not give back (#REF!, ranges cut short), and named ranges follow.
 *
 * The work is counted, not timed: compilations (sheet_compile_count),
 * evaluations (sheet_eval_count) and in-place adjustments
 * (sheet_adjust_count) must be proportional to what changed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "i18n/i18n.h"
#include "modules/sheets/ops.h"

static struct sheet_file F;

static int setup(void **state)
{
	sheet_file_init(&F, "Sheet1");
	return 0;
}

static int teardown(void **state)
{
	sheet_file_free(&F);
	return 0;
}

static void cell(const char *a1, uint32_t *row, uint32_t *col)
{
	struct sheet_ref r;
	size_t used;

	assert_int_equal(sheet_ref_parse(F.wb, F.sheet, a1, strlen(a1), &r, &used), 0);
	*row = r.r1;
	*col = r.c1;
}

static void put(const char *a1, const char *input)
{
	uint32_t row, col;

	cell(a1, &row, &col);
	assert_int_equal(sheet_file_input(&F, row, col, input, strlen(input), 0, 1, NULL), 0);
}

static void is_src(const char *a1, const char *want)
{
	uint32_t row, col;
	const char *got;

	cell(a1, &row, &col);
	got = sheet_file_formula_at(&F, F.sheet, row, col);
	if (got == NULL || strcmp(got, want) != 0)
		fail_msg("%s: '%s', want '%s'", a1, got ? got : "(none)", want);
}

static double num(const char *a1)
{
	struct sheet_value v;
	uint32_t row, col;

	cell(a1, &row, &col);
	sheet_get(F.wb, F.sheet, row, col, &v);
	if (v.type != SHEET_NUM)
		fail_msg("%s: not a number (type %d, err %d)", a1, v.type, v.err);
	return v.num;
}

static enum sheet_err err_at(const char *a1)
{
	struct sheet_value v;
	uint32_t row, col;

	cell(a1, &row, &col);
	sheet_get(F.wb, F.sheet, row, col, &v);
	return v.type == SHEET_ERROR ? v.err : SHEET_ERR_NONE;
}

static char *dump(void)
{
	struct buf b;
	char *s;

	buf_init(&b);
	sheet_csv_write(&F, &b, SHEET_CSV_FORMULAS);
	while (b.len > 1 && b.data[b.len - 1] == '\n' && b.data[b.len - 2] == '\n')
		b.len--;
	s = xstrndup(b.data ? b.data : "", b.len);
	buf_free(&b);
	return s;
}

/* The sheet is want; else the first line that differs. */
static void same_dump(const char *want)
{
	char *got = dump();
	const char *g = got, *w = want;
	int line = 1;

	while (*g && *g == *w) {
		line += *g == '\n';
		g++, w++;
	}
	if (*g || *w) {
		while (g > got && g[-1] != '\n')
			g--, w--;
		fail_msg("sheet differs at line %d:\n%.*s\nwant:\n%.*s", line,
			 (int)strcspn(g, "\n"), g, (int)strcspn(w, "\n"), w);
	}
	free(got);
}

/* A1..A20 = 1..20, B = A*2, and formulas that see the move differently. */
static void fill20(void)
{
	char a[16], in[32];

	for (int i = 1; i <= 20; i++) {
		snprintf(a, sizeof a, "A%d", i);
		snprintf(in, sizeof in, "%d", i);
		put(a, in);
		snprintf(a, sizeof a, "B%d", i);
		snprintf(in, sizeof in, "=A%d*2", i);
		put(a, in);
	}
	put("C1", "=SUM(A1:A20)");
	put("C2", "=ROW(A5)");
	put("C3", "=MATCH(7,A:A,0)");
	put("C4", "=SUM($A$8:$A$9)");
}

static void test_insert_rows_follow_and_undo(void **state)
{
	struct sheet_journal j = { 0 };
	struct err e = { 0 };
	char *before;

	fill20();
	before = dump();
	assert_int_equal(sheet_op_shift(&F, SHEET_AXIS_ROWS, 4, 2, &j, &e), 0);
	/* Only the move itself is journaled: nothing was cut short. */
	assert_int_equal(j.n, 1);
	is_src("B7", "=A7*2");
	assert_true(num("B7") == 10);
	is_src("B4", "=A4*2");
	is_src("C1", "=SUM(A1:A22)");
	is_src("C2", "=ROW(A7)");
	assert_true(num("C2") == 7);	/* ROW() is recalculated */
	assert_true(num("C3") == 9);	/* A:A holds moved rows */
	is_src("C4", "=SUM($A$10:$A$11)");
	assert_true(num("C4") == 17);
	/* The graph follows the cells: a moved number still feeds its formula,
	 * and the inserted rows feed the range that grew. */
	put("A7", "100");
	assert_true(num("B7") == 200);
	put("A5", "1000");
	assert_true(num("C1") == 210 - 5 + 100 + 1000);
	put("A7", "5");
	put("A5", "");
	sheet_journal_undo(&F, &j);
	same_dump(before);
	assert_true(num("C2") == 5);
	assert_true(num("C3") == 7);
	assert_true(num("C1") == 210);
	put("A5", "50");
	assert_true(num("B5") == 100);
	put("A5", "5");
	sheet_journal_redo(&F, &j);
	is_src("B7", "=A7*2");
	assert_true(num("C2") == 7);
	sheet_journal_undo(&F, &j);
	same_dump(before);
	sheet_journal_free(&j);
	free(before);
}

static void test_delete_rows_pins_what_cannot_follow_back(void **state)
{
	struct sheet_journal j = { 0 };
	struct err e = { 0 };
	char *before;

	fill20();
	put("D1", "=A6+A12");
	put("D2", "=SUM(A5:A8)");
	put("D3", "=SUM(A5:A6)");
	before = dump();
	/* Delete rows 5 and 6 (0-based 4, 5). */
	assert_int_equal(sheet_op_shift(&F, SHEET_AXIS_ROWS, 4, -2, &j, &e), 0);
	is_src("D1", "=#REF!+A10");
	assert_int_equal(err_at("D1"), SHEET_ERR_REF);
	is_src("D2", "=SUM(A5:A6)");
	assert_true(num("D2") == 7 + 8);
	is_src("D3", "=SUM(#REF!)");
	is_src("B5", "=A5*2");
	assert_true(num("B5") == 14);
	is_src("C1", "=SUM(A1:A18)");
	assert_true(num("C1") == 210 - 11);
	assert_true(num("C3") == 5); /* 7 is now in A5 */
	sheet_journal_undo(&F, &j);
	same_dump(before);
	assert_true(num("D1") == 18);
	assert_true(num("D2") == 26);
	assert_true(num("C3") == 7);
	sheet_journal_redo(&F, &j);
	is_src("D2", "=SUM(A5:A6)");
	assert_int_equal(err_at("D1"), SHEET_ERR_REF);
	sheet_journal_undo(&F, &j);
	same_dump(before);
	sheet_journal_free(&j);
	free(before);
}

static void test_columns_move_as_a_whole(void **state)
{
	struct sheet_journal j = { 0 };
	struct err e = { 0 };
	char *before;

	put("A1", "3");
	put("B1", "=A1+1");
	put("C1", "=SUM(A1:B1)");
	put("D1", "=COLUMN()");
	before = dump();
	assert_int_equal(sheet_op_shift(&F, SHEET_AXIS_COLS, 1, 2, &j, &e), 0);
	is_src("D1", "=A1+1");
	is_src("E1", "=SUM(A1:D1)");
	assert_true(num("F1") == 6);
	put("A1", "10");
	assert_true(num("D1") == 11);
	assert_true(num("E1") == 21);
	put("A1", "3");
	sheet_journal_undo(&F, &j);
	same_dump(before);
	assert_true(num("D1") == 4);
	sheet_journal_free(&j);
	assert_int_equal(sheet_op_shift(&F, SHEET_AXIS_COLS, 0, -1, &j, &e), 0);
	is_src("A1", "=#REF!+1");
	is_src("B1", "=SUM(A1:A1)");
	assert_true(num("C1") == 3);
	sheet_journal_undo(&F, &j);
	same_dump(before);
	sheet_journal_free(&j);
	free(before);
}

static void test_names_follow_and_come_back(void **state)
{
	struct sheet_journal j = { 0 };
	struct err e = { 0 };

	fill20();
	assert_int_equal(sheet_define_name(F.wb, "Data", "Sheet1!$A$5:$A$8", &e), 0);
	assert_int_equal(sheet_define_name(F.wb, "Ten", "Sheet1!$A$10", &e), 0);
	put("E1", "=SUM(Data)");
	put("E2", "=Ten*2");
	put("E3", "=SUM(INDIRECT(\"Data\"))");
	assert_true(num("E1") == 26);
	/* Inserting above moves the names. */
	assert_int_equal(sheet_op_shift(&F, SHEET_AXIS_ROWS, 0, 3, &j, &e), 0);
	assert_true(num("E4") == 26);
	assert_true(num("E5") == 20);
	assert_true(num("E6") == 26);
	put("A8", "100"); /* was A5 */
	assert_true(num("E4") == 26 - 5 + 100);
	put("A8", "5");
	sheet_journal_undo(&F, &j);
	sheet_journal_free(&j);
	/* Deleting some of a name's rows shrinks it; all of them makes it
	 * #REF!, in formulas made before and after. Undo gives it back. */
	assert_int_equal(sheet_op_shift(&F, SHEET_AXIS_ROWS, 4, -2, &j, &e), 0);
	assert_true(num("E1") == 15);
	struct sheet_journal k = { 0 };

	assert_int_equal(sheet_op_shift(&F, SHEET_AXIS_ROWS, 7, -1, &k, &e), 0); /* old A10 */
	assert_int_equal(err_at("E2"), SHEET_ERR_REF);
	put("F1", "=Ten");
	assert_int_equal(err_at("F1"), SHEET_ERR_REF);
	put("F1", "");
	sheet_journal_undo(&F, &k);
	sheet_journal_undo(&F, &j);
	assert_true(num("E1") == 26);
	assert_true(num("E2") == 20);
	put("A10", "1");
	assert_true(num("E2") == 2);
	sheet_journal_free(&k);
	sheet_journal_free(&j);
}

/* Task of issue 4: the work of an insertion is proportional to the
 * formulas it changes: none is compiled or evaluated again when values do
 * not change, and formulas before the insertion are not touched at all. */
static void test_insert_work_is_proportional(void **state)
{
	enum { N = 2000 };
	struct sheet_journal j = { 0 };
	struct err e = { 0 };
	uint64_t c0, e0, a0;
	char in[32];

	sheet_recalc_suspend(F.wb);
	for (uint32_t i = 0; i < N; i++) {
		sheet_set_number(F.wb, 0, i, 0, i);
		snprintf(in, sizeof in, "=A%u+1", i + 1);
		assert_int_equal(sheet_set_formula(F.wb, 0, i, 1, in, &e), 0);
	}
	sheet_recalc_resume(F.wb);
	c0 = sheet_compile_count(F.wb);
	e0 = sheet_eval_count(F.wb);
	a0 = sheet_adjust_count(F.wb);
	assert_int_equal(sheet_op_shift(&F, SHEET_AXIS_ROWS, 0, 1, &j, &e), 0);
	assert_int_equal(sheet_compile_count(F.wb) - c0, 0);
	assert_int_equal(sheet_eval_count(F.wb) - e0, 0);
	assert_int_equal(sheet_adjust_count(F.wb) - a0, N);
	assert_int_equal(j.n, 1);
	sheet_journal_undo(&F, &j);
	sheet_journal_free(&j);
	assert_int_equal(sheet_compile_count(F.wb) - c0, 0);
	assert_int_equal(sheet_eval_count(F.wb) - e0, 0);
	assert_int_equal(sheet_adjust_count(F.wb) - a0, 2 * N);
	/* Below every formula: nothing to adjust. In the middle: half. */
	a0 = sheet_adjust_count(F.wb);
	assert_int_equal(sheet_op_shift(&F, SHEET_AXIS_ROWS, N + 5, 3, NULL, &e), 0);
	assert_int_equal(sheet_adjust_count(F.wb) - a0, 0);
	assert_int_equal(sheet_op_shift(&F, SHEET_AXIS_ROWS, N / 2, 3, NULL, &e), 0);
	assert_int_equal(sheet_adjust_count(F.wb) - a0, N / 2);
	assert_int_equal(sheet_compile_count(F.wb) - c0, 0);
	assert_int_equal(sheet_eval_count(F.wb) - e0, 0);
	is_src("B1004", "=A1004+1");
	assert_true(num("B1004") == 1001);
	is_src("B1000", "=A1000+1");
	/* A formula across the insertion is evaluated again, and only it
	 * (with what reads it). */
	put("D1", "=SUM(A1:A3000)");
	put("D2", "=D1+1");
	e0 = sheet_eval_count(F.wb);
	assert_int_equal(sheet_op_shift(&F, SHEET_AXIS_ROWS, 10, 1, NULL, &e), 0);
	assert_int_equal(sheet_eval_count(F.wb) - e0, 2);
}

static void test_sort_moves_cells_and_recalculates_readers(void **state)
{
	static const int vals[] = { 4, 1, 6, 2, 5, 3 };
	struct sheet_sort_key key = { 0, 1 };
	struct sheet_rect r = { 0, 0, 5, 2 };
	struct sheet_journal j = { 0 };
	struct err e = { 0 };
	char a[16], in[32], *before;

	for (int i = 0; i < 6; i++) {
		snprintf(a, sizeof a, "A%d", i + 1);
		snprintf(in, sizeof in, "%d", vals[i]);
		put(a, in);
		snprintf(a, sizeof a, "B%d", i + 1);
		snprintf(in, sizeof in, "=A%d*10", i + 1);
		put(a, in);
		snprintf(a, sizeof a, "C%d", i + 1);
		snprintf(in, sizeof in, "=A%d+$E$1", i + 2); /* the next row's */
		put(a, in);
	}
	put("E1", "1000");
	put("E2", "=A1");
	put("E3", "=SUM(B1:B3)");
	sheet_file_set_format(&F, 0, 2, 0, "0.00"); /* A3 holds 6 */
	before = dump();
	assert_int_equal(sheet_op_sort(&F, &r, &key, 1, &j, &e), 0);
	for (int i = 0; i < 6; i++) {
		char want[32];

		snprintf(a, sizeof a, "A%d", i + 1);
		assert_true(num(a) == 6 - i);
		snprintf(a, sizeof a, "B%d", i + 1);
		snprintf(want, sizeof want, "=A%d*10", i + 1);
		is_src(a, want);
		assert_true(num(a) == (6 - i) * 10);
	}
	/* C moved as a copy: it reads the row below its new place. */
	is_src("C1", "=A2+$E$1");
	assert_true(num("C1") == 1005);
	assert_true(num("C6") == 1000); /* A7 is empty */
	/* Readers of the sorted cells see them. */
	assert_true(num("E2") == 6);
	assert_true(num("E3") == 150);
	{
		const struct sheet_note *n = sheet_file_note_at(&F, 0, 0, 0);

		assert_non_null(n);
		assert_string_equal(n->fmt, "0.00");
	}
	put("A1", "60");
	assert_true(num("B1") == 600);
	assert_true(num("E2") == 60);
	put("A1", "6");
	sheet_journal_undo(&F, &j);
	same_dump(before);
	assert_true(num("E2") == 4);
	assert_true(num("C1") == 1001);
	sheet_journal_redo(&F, &j);
	assert_true(num("E2") == 6);
	sheet_journal_undo(&F, &j);
	same_dump(before);
	sheet_journal_free(&j);
	free(before);
}

static void test_reversed_range_keeps_its_dollars(void **state)
{
	struct sheet_ref r;
	size_t used;
	char buf[64];

	assert_int_equal(sheet_ref_parse(F.wb, 0, "A$4:A1", 6, &r, &used), 0);
	assert_int_equal(r.r1, 0);
	assert_int_equal(r.r2, 3);
	assert_false(r.flags & SHEET_REF_ABS_R1);
	assert_true(r.flags & SHEET_REF_ABS_R2);
	sheet_ref_format(F.wb, &r, buf, sizeof buf);
	assert_string_equal(buf, "A1:A$4");
	assert_int_equal(sheet_ref_parse(F.wb, 0, "$C2:A$9", 7, &r, &used), 0);
	assert_true(r.flags & SHEET_REF_ABS_C2);
	assert_false(r.flags & SHEET_REF_ABS_C1);
	assert_true(r.flags & SHEET_REF_ABS_R2);
	sheet_ref_format(F.wb, &r, buf, sizeof buf);
	assert_string_equal(buf, "A2:$C$9");
	/* Rows inserted above move only the relative end. */
	put("B1", "=SUM(A$4:A1)");
	assert_int_equal(sheet_op_shift(&F, SHEET_AXIS_ROWS, 0, 1, NULL, NULL), 0);
	is_src("B2", "=SUM(A2:A$5)");
}

/* With the grid's sliced recalculation: a move queues what it changed,
 * also while a recalculation is under way (its plan is made again on the
 * rebuilt graph). */
static void test_moves_queue_sliced_recalculation(void **state)
{
	struct err e = { 0 };
	uint64_t done, total;
	int guard = 0;

	fill20();
	sheet_recalc_defer(F.wb, 1);
	put("A1", "101"); /* queued: C1 and B1 wait */
	assert_true(sheet_recalc_pending(F.wb));
	assert_true(num("C1") == 210);
	assert_int_equal(sheet_op_shift(&F, SHEET_AXIS_ROWS, 2, 1, NULL, &e), 0);
	is_src("C1", "=SUM(A1:A21)");
	while (sheet_recalc_step(F.wb, 3, &done, &total) && ++guard < 1000)
		;
	assert_false(sheet_recalc_pending(F.wb));
	assert_true(num("C1") == 310);
	assert_true(num("B1") == 202);
	assert_true(num("C2") == 6); /* ROW(A6) after the row inserted above */
	put("A4", "30"); /* was A3 */
	assert_true(num("B4") == 6); /* not yet */
	sheet_recalc_defer(F.wb, 0);
	assert_true(num("B4") == 60);
	assert_true(num("C1") == 337);
}

/* ---- against a fresh workbook ---------------------------------------------
 *
 * Random sheets, random moves: after each, every value must be what a new
 * workbook made from the same sources computes from scratch (so a formula
 * the move should have recalculated and did not shows), and undoing them
 * all gives the first sheet back.
 */

static uint32_t rnd_state;
/* 123456 found a range written A1:A1 taken for a cell that cannot grow. */
static const uint32_t seeds[] = { 12345, 123456, 2024 };

static uint32_t rnd(uint32_t n)
{
	rnd_state = rnd_state * 1103515245u + 12345u;
	return (rnd_state >> 8) % n;
}

static const char *const templates[] = {
	"=%s%u*2",	  "=$%s$%u+%s%u", "=SUM(%s%u:%s%u)", "=ROW(%s%u)",     "=ROW()+COLUMN()",
	"=MATCH(%u,A:A,0)", "=INDEX(%s%u:%s%u,2)", "=SUM($A$1:%s%u)", "=COUNT(%s:%s)", "=%s%u&\"x\"",
};

/* A formula for column col reading only columns before it. */
static void random_formula(uint32_t col, char *out, size_t n)
{
	char c1[2] = { (char)('A' + rnd(col)), 0 }, c2[2] = { (char)('A' + rnd(col)), 0 };
	uint32_t r1 = 1 + rnd(20), r2 = 1 + rnd(20);

	/* Ranges written in order: a re-spelt reference is written so (undo
	 * gives back C9:D4 as C4:D9, as Excel shows it). */
	if (c1[0] > c2[0]) {
		char t = c1[0];

		c1[0] = c2[0];
		c2[0] = t;
	}
	if (r1 > r2) {
		uint32_t t = r1;

		r1 = r2;
		r2 = t;
	}

	switch (rnd(10)) {
	case 0: snprintf(out, n, templates[0], c1, r1); break;
	case 1: snprintf(out, n, templates[1], c1, r1, c2, r2); break;
	case 2: snprintf(out, n, templates[2], c1, r1, c2, r2); break;
	case 3: snprintf(out, n, templates[3], c1, r1); break;
	case 4: snprintf(out, n, "%s", templates[4]); break;
	case 5: snprintf(out, n, templates[5], 1 + rnd(20)); break;
	case 6: snprintf(out, n, templates[6], c1, r1, c1, r1 + 3); break;
	case 7: snprintf(out, n, templates[7], c1, r1); break;
	case 8: snprintf(out, n, templates[8], c1, c2); break;
	default: snprintf(out, n, templates[9], c1, r1);
	}
}

static void values_match_fresh(const char *what)
{
	struct sheet_file g;
	struct buf src, a, b;
	struct err e = { 0 };
	uint32_t rows, cols, rows2, cols2;

	buf_init(&src);
	sheet_csv_write(&F, &src, SHEET_CSV_FORMULAS);
	sheet_file_init(&g, "Sheet1");
	assert_int_equal(sheet_csv_load(&g, src.data ? src.data : "", src.len, ',', &e), 0);
	sheet_extent(F.wb, 0, &rows, &cols);
	sheet_extent(g.wb, 0, &rows2, &cols2);
	rows = rows > rows2 ? rows : rows2;
	cols = cols > cols2 ? cols : cols2;
	buf_init(&a);
	buf_init(&b);
	for (uint32_t r = 0; r < rows; r++)
		for (uint32_t c = 0; c < cols; c++) {
			buf_reset(&a);
			buf_reset(&b);
			sheet_file_value_text(&F, r, c, &a);
			sheet_file_value_text(&g, r, c, &b);
			if (a.len != b.len || (a.len && memcmp(a.data, b.data, a.len) != 0))
				fail_msg("%s: row %u col %u: '%.*s', from scratch '%.*s' (%s)", what,
					 r + 1, c + 1, (int)a.len, a.data ? a.data : "", (int)b.len,
					 b.data ? b.data : "", sheet_file_formula_at(&F, 0, r, c));
		}
	buf_free(&a);
	buf_free(&b);
	buf_free(&src);
	sheet_file_free(&g);
}

static void test_random_moves_match_a_fresh_workbook(void **state)
{
	enum { STEPS = 40 };
	struct sheet_journal js[STEPS];
	struct err e = { 0 };
	char in[64], what[64], *first;

	memset(js, 0, sizeof js);
	rnd_state = *(const uint32_t *)*state;
	for (uint32_t r = 0; r < 20; r++)
		for (uint32_t c = 0; c < 6; c++) {
			if (c < 3)
				snprintf(in, sizeof in, "%u", 1 + rnd(20));
			else
				random_formula(c, in, sizeof in);
			assert_int_equal(sheet_file_input(&F, r, c, in, strlen(in), 0, 1, NULL), 0);
		}
	values_match_fresh("start");
	first = dump();
	for (int i = 0; i < STEPS; i++) {
		uint32_t k = rnd(5), at;
		long n;

		if (k < 2) {
			at = rnd(22);
			n = k == 0 ? (long)(1 + rnd(3)) : -(long)(1 + rnd(3));
			snprintf(what, sizeof what, "step %d: rows %u %+ld", i, at, n);
			assert_int_equal(sheet_op_shift(&F, SHEET_AXIS_ROWS, at, n, &js[i], &e), 0);
		} else if (k < 4) {
			at = rnd(7);
			n = k == 2 ? (long)(1 + rnd(2)) : -1;
			snprintf(what, sizeof what, "step %d: columns %u %+ld", i, at, n);
			assert_int_equal(sheet_op_shift(&F, SHEET_AXIS_COLS, at, n, &js[i], &e), 0);
		} else {
			struct sheet_sort_key key = { rnd(4), (int)rnd(2) };
			struct sheet_rect r = { rnd(4), 0, 10 + rnd(12), 5 };

			snprintf(what, sizeof what, "step %d: sort by %u", i, key.col);
			assert_int_equal(sheet_op_sort(&F, &r, &key, 1, &js[i], &e), 0);
		}
		values_match_fresh(what);
	}
	for (int i = STEPS; i-- > 0;) {
		sheet_journal_undo(&F, &js[i]);
		snprintf(what, sizeof what, "undo %d", i);
		values_match_fresh(what);
		sheet_journal_free(&js[i]);
	}
	same_dump(first);
	free(first);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_insert_rows_follow_and_undo, setup, teardown),
		cmocka_unit_test_setup_teardown(test_delete_rows_pins_what_cannot_follow_back, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_columns_move_as_a_whole, setup, teardown),
		cmocka_unit_test_setup_teardown(test_names_follow_and_come_back, setup, teardown),
		cmocka_unit_test_setup_teardown(test_insert_work_is_proportional, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sort_moves_cells_and_recalculates_readers, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_reversed_range_keeps_its_dollars, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_moves_queue_sliced_recalculation, setup,
						teardown),
		cmocka_unit_test_prestate_setup_teardown(test_random_moves_match_a_fresh_workbook,
							 setup, teardown, (void *)&seeds[0]),
		cmocka_unit_test_prestate_setup_teardown(test_random_moves_match_a_fresh_workbook,
							 setup, teardown, (void *)&seeds[1]),
		cmocka_unit_test_prestate_setup_teardown(test_random_moves_match_a_fresh_workbook,
							 setup, teardown, (void *)&seeds[2]),
	};

	i18n_set_lang(LANG_EN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
