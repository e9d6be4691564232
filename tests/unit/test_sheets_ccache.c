/*
 * test_sheets_ccache.c - the compile cache of formula.c
 * (sheet_compile_col): formulas of a column that differ only in the rows
 * they name get a copy of the last one's code, sharing its instructions.
 * The copy must be exactly what the compiler makes, and a shared body must
 * survive every edit of one member (insert and delete rows, sort, paste,
 * undo, a member edited or cleared alone) without changing the others.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "i18n/i18n.h"
#include "modules/sheets/grid.h"
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

static void cell(const char *name, uint32_t *row, uint32_t *col)
{
	struct sheet_ref r;
	size_t used;

	assert_int_equal(sheet_ref_parse(F.wb, F.sheet, name, strlen(name), &r, &used), 0);
	*row = r.r1, *col = r.c1;
}

static void put(const char *name, const char *input)
{
	uint32_t row, col;

	cell(name, &row, &col);
	assert_int_equal(sheet_file_input(&F, row, col, input, strlen(input), 0, 1, NULL), 0);
}

/* The formula's source, or its value as the edit line shows it. */
static char *content(const char *name)
{
	static char out[256];
	uint32_t row, col;
	const char *src;
	struct buf b;

	cell(name, &row, &col);
	src = sheet_file_formula_at(&F, F.sheet, row, col);
	if (src) {
		snprintf(out, sizeof out, "%s", src);
		return out;
	}
	buf_init(&b);
	sheet_file_value_text(&F, row, col, &b);
	snprintf(out, sizeof out, "%.*s", (int)b.len, b.data ? b.data : "");
	buf_free(&b);
	return out;
}

static void is(const char *name, const char *want)
{
	const char *got = content(name);

	if (strcmp(got, want) != 0)
		fail_msg("%s: '%s', want '%s'", name, got, want);
}

static double numat(const char *name)
{
	struct sheet_value v;
	uint32_t row, col;

	cell(name, &row, &col);
	sheet_get(F.wb, F.sheet, row, col, &v);
	if (v.type != SHEET_NUM)
		fail_msg("%s: not a number (type %d, err %d)", name, v.type, v.err);
	return v.num;
}

static const struct sheet_code *code_at(const char *name)
{
	const struct sheet_block *b;
	uint32_t row, col;

	cell(name, &row, &col);
	b = sheet_block_at(F.wb, F.sheet, row, col);
	assert_non_null(b);
	assert_int_equal(b->tag[row % SHEET_BLOCK], CELL_FORMULA);
	return F.wb->fs[b->slot[row % SHEET_BLOCK].u].code;
}

static char *dump(void)
{
	struct buf b;
	char *s;

	buf_init(&b);
	sheet_csv_write(&F, &b, SHEET_CSV_FORMULAS);
	s = xstrndup(b.data ? b.data : "", b.len);
	buf_free(&b);
	return s;
}

static void code_same(const char *src, const struct sheet_code *a, const struct sheet_code *b)
{
	if (a->nins != b->nins || a->nstrs != b->nstrs || a->nrefs != b->nrefs ||
	    a->depth != b->depth || a->volatile_ != b->volatile_)
		fail_msg("%s: code shape differs", src);
	for (uint32_t i = 0; i < a->nins; i++) {
		const struct sheet_instr *x = &a->ins[i], *y = &b->ins[i];

		if (x->op != y->op || x->argc != y->argc || x->fn != y->fn || x->idx != y->idx ||
		    memcmp(&x->num, &y->num, sizeof(x->num)) != 0)
			fail_msg("%s: instruction %u differs", src, i);
	}
	for (uint32_t i = 0; i < a->nstrs; i++)
		if (strcmp(a->strs[i], b->strs[i]) != 0)
			fail_msg("%s: text %u differs", src, i);
	for (uint32_t i = 0; i < a->nrefs; i++) {
		const struct sheet_ref *x = &a->refs[i], *y = &b->refs[i];

		if (x->sheet != y->sheet || x->r1 != y->r1 || x->r2 != y->r2 || x->c1 != y->c1 ||
		    x->c2 != y->c2 || x->flags != y->flags)
			fail_msg("%s: reference %u differs: rows %u:%u, want %u:%u", src, i, x->r1,
				 x->r2, y->r1, y->r2);
	}
}

/* Each text compiled through the cache (one column, in this order) gives
 * the code the compiler gives, or the same error. */
static void test_cached_code_is_the_compiled_code(void **state)
{
	static const char *srcs[] = {
		"=A1*2+1", "=A2*2+1", "=A10*2+1", "=A9*2+1", "=A1048576*2+1",
		"=A1048577*2+1", /* not a reference: a name */
		"=A0*2+1", "=A2*2+1", "=A3*2+2", "=A4*3+1",
		"=SUM(A1:A10)", "=SUM(A2:A11)", "=SUM(A11:A2)", "=SUM(A$1:A5)", "=SUM(A$1:A6)",
		"=SUM(3:3)", "=SUM(4:5)", "=SUM(A:A)+A7", "=SUM(A:A)+A8",
		"=\"X5\"&A5", "=\"X6\"&A6", "=\"X6\"&A7",
		"=LOG10(A1)", "=LOG10(A2)", "=ATAN2(A1,B1)", "=ATAN2(A2,B2)",
		"=VLOOKUP(MOD(A1,1000),$K$1:$L$1000,2,TRUE)",
		"=VLOOKUP(MOD(A2,1000),$K$1:$L$1000,2,TRUE)",
		"=VLOOKUP(MOD(A2,1000),$K$1:$L$1001,2,TRUE)",
		"=IF(I1>G1,I1-G1,G1-I1)", "=IF(I2>G2,I2-G2,G2-I2)", "=IF(I2>G2,I2-G2,G3-I2)",
		"=A1+1E3", "=A2+1E3", "=A2+1E4", "=A01", "=A001", "=A1234567", "=A12345678",
		"=rate*A1", "=rate*A2", "=Other!A1", "=Other!A2", "={1,2}+A1", "={1,2}+A2",
		"=NOW()+A1", "=NOW()+A2", "=SUM(A1:B2 B2:C3)", "=SUM(A2:B3 B3:C4)",
		"=A1:A3", "=A2:A4", "=TRUE+A1", "=FALSE+A2", "=A1 +  A2", "=A2 +  A3",
	};
	struct err e1, e2;

	assert_int_equal(sheet_define_name(F.wb, "rate", "$A$1", NULL), 0);
	for (size_t i = 0; i < nitems(srcs); i++) {
		struct sheet_code *a = NULL, *b = NULL;
		int ra, rb;

		err_clear(&e1);
		err_clear(&e2);
		ra = sheet_compile_col(F.wb, 0, 1, srcs[i], &a, &e1);
		rb = sheet_compile(F.wb, 0, srcs[i], &b, &e2);
		if (ra != rb)
			fail_msg("%s: %d, want %d", srcs[i], ra, rb);
		if (ra == 0)
			code_same(srcs[i], a, b);
		else
			assert_string_equal(e1.msg, e2.msg);
		sheet_code_free(a);
		sheet_code_free(b);
	}
}

/* A name or another sheet is read when the formula is compiled: a change
 * to either is seen by the next formula of the column. */
static void test_names_and_sheets_are_read_again(void **state)
{
	put("A1", "3");
	put("A2", "5");
	put("C1", "100");
	assert_int_equal(sheet_define_name(F.wb, "rate", "$A$1", NULL), 0);
	put("B1", "=rate*2");
	assert_true(numat("B1") == 6);
	assert_int_equal(sheet_define_name(F.wb, "rate", "$C$1", NULL), 0);
	put("B2", "=rate*2");
	assert_true(numat("B2") == 200);
	put("B3", "=Other!A3");
	is("B3", "=Other!A3");
	assert_true(sheet_add(F.wb, "Other", NULL) == 1);
	assert_int_equal(sheet_set_number(F.wb, 1, 3, 0, 7), 0);
	put("B4", "=Other!A4");
	assert_true(numat("B4") == 7);
}

/* A column of one shape, as a CSV load makes it. */
static void column(int n)
{
	char name[16], src[64];

	for (int r = 1; r <= n; r++) {
		snprintf(name, sizeof name, "A%d", r);
		snprintf(src, sizeof src, "%d", r * 10);
		put(name, src);
		snprintf(name, sizeof name, "B%d", r);
		snprintf(src, sizeof src, "=A%d*2+SUM(A$1:A%d)", r, r);
		put(name, src);
	}
}

static void test_column_of_one_shape_shares_code(void **state)
{
	column(6);
	assert_ptr_equal(code_at("B2")->ins, code_at("B5")->ins);
	assert_true(code_at("B2")->refs != code_at("B5")->refs);
	assert_true(numat("B1") == 20 + 10);
	assert_true(numat("B4") == 80 + 100);
	put("A2", "1");
	assert_true(numat("B2") == 2 + 11);
	assert_true(numat("B6") == 120 + 191);
}

static void test_shared_code_follows_insert_delete_and_undo(void **state)
{
	struct sheet_journal j = { 0 }, k = { 0 };
	char *before, *mid;

	column(5);
	before = dump();
	assert_int_equal(sheet_op_shift(&F, SHEET_AXIS_ROWS, 2, 1, &j, NULL), 0);
	is("B1", "=A1*2+SUM(A$1:A1)");
	is("B2", "=A2*2+SUM(A$1:A2)");
	is("B3", "");
	is("B4", "=A4*2+SUM(A$1:A4)");
	is("B6", "=A6*2+SUM(A$1:A6)");
	put("A3", "1000");
	assert_true(numat("B4") == 60 + 1060);
	assert_true(numat("B2") == 40 + 30);
	put("A3", "");
	mid = dump();
	assert_int_equal(sheet_op_shift(&F, SHEET_AXIS_ROWS, 0, -1, &k, NULL), 0);
	is("B1", "=A1*2+SUM(A$1:A1)");
	is("B3", "=A3*2+SUM(A$1:A3)");
	assert_true(numat("B3") == 60 + 50);
	sheet_journal_undo(&F, &k);
	{
		char *now = dump();

		assert_string_equal(now, mid);
		free(now);
	}
	sheet_journal_undo(&F, &j);
	{
		char *now = dump();

		assert_string_equal(now, before);
		free(now);
	}
	assert_true(numat("B5") == 100 + 150);
	sheet_journal_free(&j);
	sheet_journal_free(&k);
	free(before);
	free(mid);
}

static void test_shared_code_survives_sort_and_paste(void **state)
{
	struct sheet_sort_key key = { 0, 1 };
	struct sheet_rect all = { 0, 0, 3, 1 }, one = { 1, 1, 1, 1 };
	struct sheet_journal j = { 0 }, k = { 0 };
	struct sheet_clip clip;
	char *before;

	column(4);
	before = dump();
	assert_int_equal(sheet_op_sort(&F, &all, &key, 1, &j, NULL), 0);
	is("A1", "40");
	is("B1", "=A1*2+SUM(A$1:A1)");
	assert_true(numat("B1") == 80 + 40);
	assert_true(numat("B4") == 20 + 100);
	sheet_journal_undo(&F, &j);
	{
		char *now = dump();

		assert_string_equal(now, before);
		free(now);
	}
	/* one member pasted two rows down: only the target changes */
	sheet_clip_take(&F, &one, 0, &clip);
	assert_int_equal(sheet_op_paste(&F, &clip, 3, 1, &k, NULL), 0);
	sheet_clip_free(&clip);
	is("B2", "=A2*2+SUM(A$1:A2)");
	is("B3", "=A3*2+SUM(A$1:A3)");
	is("B4", "=A4*2+SUM(A$1:A4)");
	assert_true(numat("B4") == 80 + 100);
	sheet_journal_undo(&F, &k);
	{
		char *now = dump();

		assert_string_equal(now, before);
		free(now);
	}
	sheet_journal_free(&j);
	sheet_journal_free(&k);
	free(before);
}

static void test_member_edited_or_cleared_alone(void **state)
{
	column(5);
	put("B3", "=A3+1");
	assert_true(numat("B3") == 31);
	is("B2", "=A2*2+SUM(A$1:A2)");
	is("B4", "=A4*2+SUM(A$1:A4)");
	assert_true(numat("B4") == 80 + 100);
	put("B2", "");
	is("B2", "");
	assert_true(numat("B5") == 100 + 150);
	put("B3", "=A3*2+SUM(A$1:A3)");
	assert_true(numat("B3") == 60 + 60);
	put("B6", "=A6*2+SUM(A$1:A6)");
	assert_ptr_equal(code_at("B3")->ins, code_at("B6")->ins);
	put("A1", "1");
	assert_true(numat("B5") == 100 + 141);
	assert_true(numat("B6") == 141);
	assert_true(numat("B1") == 2 + 1);
}

/* Codes of a load come from the cache's arena: replacing, clearing and
 * moving them afterwards, and freeing the workbook, must not free them
 * one by one (the sanitizer build checks). */
static void test_loaded_formulas_edited_after_the_load(void **state)
{
	struct sheet_journal j = { 0 };
	struct buf csv;
	struct err e;

	buf_init(&csv);
	for (int r = 1; r <= 3000; r++)
		buf_printf(&csv, "%d,=A%d*2,\"=SUM(A$1:A%d)\"\n", r, r, r);
	err_clear(&e);
	assert_int_equal(sheet_csv_load(&F, csv.data, csv.len, ',', &e), 0);
	buf_free(&csv);
	assert_true(numat("B3000") == 6000);
	assert_true(numat("C3000") == 3000.0 * 3001 / 2);
	assert_ptr_equal(code_at("B10")->ins, code_at("B2999")->ins);
	put("B10", "=A10*3");
	assert_true(numat("B10") == 30);
	put("B11", "");
	put("C12", "=B12+1");
	assert_true(numat("C12") == 25);
	assert_int_equal(sheet_op_shift(&F, SHEET_AXIS_ROWS, 100, -50, &j, NULL), 0);
	is("B2950", "=A2950*2");
	is("C2950", "=SUM(A$1:A2950)");
	put("A1", "1001");
	assert_true(numat("C2950") == 3000.0 * 3001 / 2 - (101 + 150) * 50 / 2 + 1000);
	sheet_journal_undo(&F, &j);
	is("B3000", "=A3000*2");
	sheet_journal_free(&j);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_cached_code_is_the_compiled_code, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_names_and_sheets_are_read_again, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_column_of_one_shape_shares_code, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_shared_code_follows_insert_delete_and_undo,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_shared_code_survives_sort_and_paste, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_member_edited_or_cleared_alone, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_loaded_formulas_edited_after_the_load, setup,
						teardown),
	};

	i18n_set_lang(LANG_EN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
