/*
 * test_sheets_ops.c - the grid's editing operations (modules/sheets/ops.c):
 * reference adjustment (relative, absolute, mixed, ranges partly deleted,
 * whole columns and rows, other sheets, #REF!), copy/cut/paste, fill,
 * inserting and deleting rows and columns with every formula following,
 * sort (numbers before text, Chinese by pinyin, blanks last, stable),
 * filter criteria, find and replace, and undo/redo of each restoring the
 * sheet exactly (formula sources, dates and formats included).
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
	i18n_set_lang(LANG_EN);
	return 0;
}

/* Put "A1" = input on f->sheet. */
static void put(const char *cell, const char *input)
{
	struct sheet_ref r;
	size_t used;

	assert_int_equal(sheet_ref_parse(F.wb, F.sheet, cell, strlen(cell), &r, &used), 0);
	assert_int_equal(sheet_file_input(&F, r.r1, r.c1, input, strlen(input), 0, 1, NULL), 0);
}

/* The cell's content as the edit line shows it. */
static char *content(const char *cell)
{
	static char out[256];
	struct sheet_ref r;
	size_t used;
	const char *src;
	struct buf b;

	assert_int_equal(sheet_ref_parse(F.wb, F.sheet, cell, strlen(cell), &r, &used), 0);
	src = sheet_file_formula_at(&F, r.sheet, r.r1, r.c1);
	if (src) {
		snprintf(out, sizeof out, "%s", src);
		return out;
	}
	buf_init(&b);
	{
		int keep = F.sheet;

		F.sheet = r.sheet;
		sheet_file_value_text(&F, r.r1, r.c1, &b);
		F.sheet = keep;
	}
	snprintf(out, sizeof out, "%.*s", (int)b.len, b.data ? b.data : "");
	buf_free(&b);
	return out;
}

static double numat(const char *cell)
{
	struct sheet_ref r;
	struct sheet_value v;
	size_t used;

	assert_int_equal(sheet_ref_parse(F.wb, F.sheet, cell, strlen(cell), &r, &used), 0);
	sheet_get(F.wb, r.sheet, r.r1, r.c1, &v);
	if (v.type != SHEET_NUM)
		fail_msg("%s: not a number (type %d)", cell, v.type);
	return v.num;
}

static void is(const char *cell, const char *want)
{
	const char *got = content(cell);

	if (strcmp(got, want) != 0)
		fail_msg("%s: '%s', want '%s'", cell, got, want);
}

/* The whole sheet as CSV with formulas: compared before and after undo.
 * Trailing empty rows are dropped: the engine's extent does not shrink
 * when a cell is cleared, and an empty row holds nothing to compare. */
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

static char *adj(const char *src, const struct sheet_adjust *a)
{
	static char out[256];
	char *s = sheet_adjust_src(F.wb, 0, src, a);

	snprintf(out, sizeof out, "%s", s ? s : src);
	free(s);
	return out;
}

/* ---- reference adjustment ------------------------------------------------ */

static void test_offset_moves_relative_parts_only(void **state)
{
	struct sheet_adjust a = { .kind = SHEET_ADJ_OFFSET, .drow = 2, .dcol = 1 };

	assert_string_equal(adj("=A1+$A$1+A$1+$A1", &a), "=B3+$A$1+B$1+$A3");
	assert_string_equal(adj("=SUM(A1:B2)*2", &a), "=SUM(B3:C4)*2");
	assert_string_equal(adj("=SUM(A:A)+SUM(3:3)", &a), "=SUM(B:B)+SUM(5:5)");
	/* Function names, strings, exponents and names are not references. */
	assert_string_equal(adj("=LOG10(A1)&\"A1\"&1E3", &a), "=LOG10(B3)&\"A1\"&1E3");
	/* Off the sheet: #REF!. */
	a.drow = -1;
	a.dcol = 0;
	assert_string_equal(adj("=A1+B2", &a), "=#REF!+B1");
	assert_string_equal(adj("=SUM(A1:A5)", &a), "=SUM(#REF!)");
	/* A mixed range whose relative end passes its absolute one. */
	a.drow = 5;
	assert_string_equal(adj("=SUM(A1:A$4)", &a), "=SUM(A$4:A6)");
	a.drow = -3;
	assert_string_equal(adj("=SUM(A$2:A6)", &a), "=SUM(A$2:A3)");
	a.drow = -5;
	assert_string_equal(adj("=SUM(A$2:A6)", &a), "=SUM(A1:A$2)");
}

static void test_shift_rows_insert_and_delete(void **state)
{
	struct sheet_adjust a = { .kind = SHEET_ADJ_SHIFT, .sheet = 0, .axis = SHEET_AXIS_ROWS };

	a.at = 4; /* before row 5 */
	a.n = 2;
	assert_string_equal(adj("=A4+A5+$A$9+SUM(A1:A10)+SUM(A5:A6)", &a),
			    "=A4+A7+$A$11+SUM(A1:A12)+SUM(A7:A8)");
	assert_string_equal(adj("=SUM(A:A)+SUM(5:6)+SUM(1:4)", &a), "=SUM(A:A)+SUM(7:8)+SUM(1:4)");
	/* Inserting just below a range does not grow it (Excel). */
	a.at = 10;
	assert_string_equal(adj("=SUM(A1:A10)", &a), "=SUM(A1:A10)");
	/* Delete rows 3..5 */
	a.at = 2;
	a.n = -3;
	assert_string_equal(adj("=A3+A5+A6+A2", &a), "=#REF!+#REF!+A3+A2");
	assert_string_equal(adj("=SUM(A1:A10)", &a), "=SUM(A1:A7)");
	assert_string_equal(adj("=SUM(A4:A10)", &a), "=SUM(A3:A7)");
	assert_string_equal(adj("=SUM(A1:A4)", &a), "=SUM(A1:A2)");
	assert_string_equal(adj("=SUM(A3:B5)", &a), "=SUM(#REF!)");
	assert_string_equal(adj("=SUM(3:5)+SUM(2:9)+SUM(B:B)", &a),
			    "=SUM(#REF!)+SUM(2:6)+SUM(B:B)");
	/* Rows deleted from the top. */
	a.at = 0;
	a.n = -2;
	assert_string_equal(adj("=SUM(A1:A2)+SUM(A1:A5)", &a), "=SUM(#REF!)+SUM(A1:A3)");
}

static void test_shift_columns_and_other_sheets(void **state)
{
	struct sheet_adjust a = { .kind = SHEET_ADJ_SHIFT, .sheet = 1, .axis = SHEET_AXIS_COLS,
				  .at = 1, .n = 1 };

	assert_true(sheet_add(F.wb, "Data 2", NULL) == 1);
	/* Only references to the shifted sheet move. */
	assert_string_equal(adj("=B1+'Data 2'!B1+'Data 2'!A1+SUM('Data 2'!A:C)", &a),
			    "=B1+'Data 2'!C1+'Data 2'!A1+SUM('Data 2'!A:D)");
	a.n = -2; /* delete B:C of Data 2 */
	assert_string_equal(adj("='Data 2'!C5+'Data 2'!D5+SUM('Data 2'!A1:E1)+SUM('Data 2'!2:2)", &a),
			    "=#REF!+'Data 2'!B5+SUM('Data 2'!A1:C1)+SUM('Data 2'!2:2)");
	/* A missing sheet stays as written. */
	assert_string_equal(adj("=Nope!B1+1", &a), "=Nope!B1+1");
}

/* ---- insert and delete on the sheet ------------------------------------- */

static void test_insert_row_rewrites_and_undoes_exactly(void **state)
{
	struct sheet_journal j = { 0 };
	char *before, *after;

	put("A1", "1");
	put("A2", "2");
	put("A3", "2024-01-15");
	put("B1", "=SUM(A1:A3)");
	put("B3", "=A2*$A$1");
	sheet_file_set_format(&F, 0, 1, 0, "0.00");
	assert_true(sheet_add(F.wb, "Other", NULL) == 1);
	assert_int_equal(sheet_set_formula(F.wb, 1, 0, 0, "=Sheet1!A2+SUM(Sheet1!A:A)", NULL), 0);
	before = dump();
	assert_int_equal(sheet_op_shift(&F, SHEET_AXIS_ROWS, 1, 1, &j, NULL), 0);
	is("A3", "2");
	is("A4", "2024-01-15");
	is("B1", "=SUM(A1:A4)");
	is("B4", "=A3*$A$1");
	assert_string_equal(content("Other!A1"), "=Sheet1!A3+SUM(Sheet1!A:A)");
	assert_non_null(sheet_file_note_at(&F, 0, 2, 0)); /* the format moved */
	assert_null(sheet_file_note_at(&F, 0, 1, 0));
	assert_true(numat("B4") == 2);
	assert_true(numat("Other!A1") == 2 + 1 + 2 + 45306);
	/* A new value in the inserted row is counted. */
	put("A2", "10");
	assert_true(numat("B1") == 1 + 10 + 2 + 45306);
	put("A2", "");
	after = dump();
	sheet_journal_undo(&F, &j);
	{
		char *now = dump();

		assert_string_equal(now, before);
		free(now);
	}
	is("B1", "=SUM(A1:A3)");
	assert_string_equal(content("Other!A1"), "=Sheet1!A2+SUM(Sheet1!A:A)");
	assert_non_null(sheet_file_note_at(&F, 0, 1, 0));
	sheet_journal_redo(&F, &j);
	{
		char *now = dump();

		assert_string_equal(now, after);
		free(now);
	}
	sheet_journal_free(&j);
	free(before);
	free(after);
}

static void test_delete_rows_ref_errors_and_undo(void **state)
{
	struct sheet_journal j = { 0 };
	char *before;

	for (int i = 1; i <= 6; i++) {
		char cell[24], v[24];

		snprintf(cell, sizeof cell, "A%d", i);
		snprintf(v, sizeof v, "%d", i * 10);
		put(cell, v);
	}
	put("B1", "=A3");
	put("B2", "=SUM(A1:A6)");
	put("B6", "=A6+A4");
	assert_int_equal(sheet_file_input(&F, 2, 1, "=bad(", 5, 0, 0, NULL), 0);
	before = dump();
	/* Delete rows 3..4. */
	assert_int_equal(sheet_op_shift(&F, SHEET_AXIS_ROWS, 2, -2, &j, NULL), 0);
	is("B1", "=#REF!");
	is("B2", "=SUM(A1:A4)");
	is("B4", "=A4+#REF!");
	is("A3", "50");
	assert_true(numat("B2") == 10 + 20 + 50 + 60);
	{
		uint32_t rows, cols;

		sheet_extent(F.wb, 0, &rows, &cols);
		assert_int_equal(rows, 4);
	}
	sheet_journal_undo(&F, &j);
	{
		char *now = dump();

		assert_string_equal(now, before);
		free(now);
	}
	assert_true(numat("B2") == 210);
	is("B3", "=bad(");
	sheet_journal_free(&j);
	free(before);
}

static void test_insert_delete_columns(void **state)
{
	struct sheet_journal j = { 0 };
	char *before;

	put("A1", "1");
	put("B1", "2");
	put("C1", "3");
	put("D1", "=SUM(A1:C1)+$B$1");
	sheet_file_set_col_width(&F, 0, 1, 20);
	before = dump();
	assert_int_equal(sheet_op_shift(&F, SHEET_AXIS_COLS, 1, 2, &j, NULL), 0);
	is("F1", "=SUM(A1:E1)+$D$1");
	assert_true(numat("F1") == 8);
	assert_true(sheet_file_col_width(&F, 0, 3) == 20);
	sheet_journal_undo(&F, &j);
	sheet_journal_free(&j);
	{
		char *now = dump();

		assert_string_equal(now, before);
		free(now);
	}
	assert_true(sheet_file_col_width(&F, 0, 1) == 20);
	/* Delete column B: the range shrinks, $B$1 is gone. */
	assert_int_equal(sheet_op_shift(&F, SHEET_AXIS_COLS, 1, -1, &j, NULL), 0);
	is("C1", "=SUM(A1:B1)+#REF!");
	is("B1", "3");
	sheet_journal_undo(&F, &j);
	sheet_journal_free(&j);
	{
		char *now = dump();

		assert_string_equal(now, before);
		free(now);
	}
	free(before);
}

static void test_insert_pushing_cells_off_is_refused(void **state)
{
	struct err e;
	char *before;

	put("A1048576", "x");
	put("A1", "1");
	before = dump();
	err_clear(&e);
	assert_int_equal(sheet_op_shift(&F, SHEET_AXIS_ROWS, 0, 1, NULL, &e), E_RANGE);
	assert_true(e.msg[0] != '\0');
	{
		char *now = dump();

		assert_string_equal(now, before);
		free(now);
	}
	free(before);
}

/* ---- copy, cut, paste, fill ---------------------------------------------- */

static void test_copy_paste_adjusts_and_undoes(void **state)
{
	struct sheet_clip c;
	struct sheet_rect r = { 0, 0, 1, 1 };
	struct sheet_journal j = { 0 };
	struct err e;
	char *before;

	put("A1", "1");
	put("B1", "=A1*2");
	put("A2", "text");
	put("B2", "=$A$1+A$1+$A1");
	put("D5", "keep");
	before = dump();
	sheet_clip_take(&F, &r, 0, &c);
	assert_int_equal(sheet_op_paste(&F, &c, 3, 2, &j, NULL), 0); /* to C4 */
	is("C4", "1");
	is("D4", "=C4*2");
	is("C5", "text");
	is("D5", "=$A$1+C$1+$A4");
	assert_true(numat("D4") == 2);
	sheet_journal_undo(&F, &j);
	sheet_journal_free(&j);
	{
		char *now = dump();

		assert_string_equal(now, before);
		free(now);
	}
	/* Pasting up makes what leaves the sheet #REF!. */
	r = (struct sheet_rect){ 0, 1, 0, 1 };
	sheet_clip_free(&c);
	sheet_clip_take(&F, &r, 0, &c);
	assert_int_equal(sheet_op_paste(&F, &c, 0, 0, NULL, NULL), 0);
	is("A1", "=#REF!*2");
	/* Not past the sheet's edge. */
	err_clear(&e);
	assert_int_equal(sheet_op_paste(&F, &c, 0, SHEET_MAX_COLS, NULL, &e), E_RANGE);
	sheet_clip_free(&c);
	free(before);
}

static void test_cut_moves_and_references_follow(void **state)
{
	struct sheet_clip c;
	struct sheet_rect r = { 0, 0, 1, 0 }; /* A1:A2 */
	struct sheet_journal j = { 0 };
	char *before;

	put("A1", "5");
	put("A2", "=A1+1");
	put("B1", "=A1+A2+SUM(A1:A2)");
	put("C3", "7");
	put("D1", "=C3");
	assert_true(sheet_add(F.wb, "S2", NULL) == 1);
	assert_int_equal(sheet_set_formula(F.wb, 1, 0, 0, "=Sheet1!A2*10", NULL), 0);
	before = dump();
	sheet_clip_take(&F, &r, 1, &c);
	assert_int_equal(sheet_op_paste(&F, &c, 2, 2, &j, NULL), 0); /* to C3:C4 */
	is("A1", "");
	is("A2", "");
	is("C3", "5");
	is("C4", "=C3+1");
	is("B1", "=C3+C4+SUM(C3:C4)");
	is("D1", "=#REF!"); /* C3 was overwritten */
	assert_string_equal(content("S2!A1"), "=Sheet1!C4*10");
	assert_true(numat("B1") == 5 + 6 + 11);
	assert_true(numat("S2!A1") == 60);
	sheet_journal_undo(&F, &j);
	{
		char *now = dump();

		assert_string_equal(now, before);
		free(now);
	}
	assert_string_equal(content("S2!A1"), "=Sheet1!A2*10");
	assert_true(numat("B1") == 5 + 6 + 11);
	sheet_journal_redo(&F, &j);
	is("B1", "=C3+C4+SUM(C3:C4)");
	sheet_journal_free(&j);
	sheet_clip_free(&c);
	free(before);
}

static void test_fill_down_and_right(void **state)
{
	struct sheet_rect r = { 0, 1, 3, 1 }; /* B1:B4 */
	struct sheet_journal j = { 0 };

	put("A1", "1");
	put("A2", "2");
	put("A3", "3");
	put("A4", "4");
	put("B1", "=A1*$A$1*10");
	assert_int_equal(sheet_op_fill(&F, &r, SHEET_AXIS_ROWS, &j, NULL), 0);
	is("B4", "=A4*$A$1*10");
	assert_true(numat("B3") == 30);
	sheet_journal_undo(&F, &j);
	sheet_journal_free(&j);
	is("B4", "");
	/* One row thick: from the row above. */
	r = (struct sheet_rect){ 1, 1, 1, 1 };
	assert_int_equal(sheet_op_fill(&F, &r, SHEET_AXIS_ROWS, NULL, NULL), 0);
	is("B2", "=A2*$A$1*10");
	/* Right: C1:D1 from B1. */
	r = (struct sheet_rect){ 0, 1, 0, 3 };
	assert_int_equal(sheet_op_fill(&F, &r, SHEET_AXIS_COLS, NULL, NULL), 0);
	is("D1", "=C1*$A$1*10");
	r = (struct sheet_rect){ 0, 0, 0, 0 };
	assert_int_equal(sheet_op_fill(&F, &r, SHEET_AXIS_COLS, NULL, NULL), E_RANGE);
}

/* ---- sort ---------------------------------------------------------------- */

static void test_sort_mixed_types_blanks_last(void **state)
{
	struct sheet_sort_key k = { 0, 0 };
	struct sheet_rect r = { 0, 0, 6, 1 };
	struct sheet_journal j = { 0 };
	const char *vals[] = { "b", "10", "", "TRUE", "2", "A", "=NA()" };
	char *before;

	for (int i = 0; i < 7; i++) {
		char cell[24], tag[24];

		snprintf(cell, sizeof cell, "A%d", i + 1);
		put(cell, vals[i]);
		snprintf(cell, sizeof cell, "B%d", i + 1);
		snprintf(tag, sizeof tag, "r%d", i + 1);
		put(cell, tag);
	}
	before = dump();
	assert_int_equal(sheet_op_sort(&F, &r, &k, 1, &j, NULL), 0);
	is("A1", "2");
	is("A2", "10");
	is("A3", "A");
	is("A4", "b");
	is("A5", "TRUE");
	is("A6", "=NA()");
	is("A7", "");
	is("B7", "r3"); /* rows move whole */
	is("B1", "r5");
	sheet_journal_undo(&F, &j);
	sheet_journal_free(&j);
	{
		char *now = dump();

		assert_string_equal(now, before);
		free(now);
	}
	k.desc = 1;
	assert_int_equal(sheet_op_sort(&F, &r, &k, 1, NULL, NULL), 0);
	is("A1", "=NA()");
	is("A2", "TRUE");
	is("A3", "b");
	is("A5", "10");
	is("A6", "2");
	is("A7", ""); /* blanks last also descending */
	free(before);
}

static void test_sort_chinese_by_pinyin_multi_keys_formulas(void **state)
{
	struct sheet_sort_key k[2];
	struct sheet_rect r;
	int n;

	i18n_set_lang(LANG_ZH_HANS);
	put("A1", "城市");
	put("B1", "销量");
	put("C1", "两倍");
	put("A2", "上海");
	put("B2", "5");
	put("A3", "北京");
	put("B3", "7");
	put("A4", "广州");
	put("B4", "1");
	put("A5", "北京");
	put("B5", "9");
	for (int i = 2; i <= 5; i++) {
		char cell[24], f[32];

		snprintf(cell, sizeof cell, "C%d", i);
		snprintf(f, sizeof f, "=B%d*2", i);
		put(cell, f);
	}
	assert_int_equal(sheet_sort_parse("A, B desc", k, 2, &n, NULL), 0);
	assert_int_equal(n, 2);
	assert_int_equal(k[1].col, 1);
	assert_true(k[1].desc);
	sheet_current_region(&F, 2, 1, &r);
	assert_int_equal(r.r1, 0);
	assert_int_equal(r.r2, 4);
	assert_int_equal(r.c2, 2);
	assert_true(sheet_has_header(&F, &r, k, n));
	r.r1++;
	assert_int_equal(sheet_op_sort(&F, &r, k, n, NULL, NULL), 0);
	/* běi jīng < guǎng zhōu < shàng hǎi; the two 北京 by 销量 descending. */
	is("A2", "北京");
	is("B2", "9");
	is("A3", "北京");
	is("B3", "7");
	is("A4", "广州");
	is("A5", "上海");
	is("A1", "城市");
	is("C2", "=B2*2"); /* the formula moved as a copy */
	assert_true(numat("C2") == 18);
	assert_int_equal(sheet_sort_parse("B 降序", k, 2, &n, NULL), 0);
	assert_true(k[0].desc);
	assert_int_equal(sheet_sort_parse("B sideways", k, 2, &n, NULL), E_USAGE);
	assert_int_equal(sheet_sort_parse("", k, 2, &n, NULL), E_USAGE);
	struct sheet_sort_key bad = { 9, 0 };

	assert_int_equal(sheet_op_sort(&F, &r, &bad, 1, NULL, NULL), E_USAGE);
}

/* ---- filter criteria -------------------------------------------------------- */

static void test_filter_criteria(void **state)
{
	struct sheet_crit c;

	put("A1", "150");
	put("A2", "北京");
	put("A3", "Beijing");
	put("A4", "99");
	sheet_crit_parse(">100", &c);
	assert_true(sheet_crit_match(&F, 0, 0, &c));
	assert_false(sheet_crit_match(&F, 3, 0, &c));
	assert_false(sheet_crit_match(&F, 1, 0, &c)); /* text is not > 100 */
	sheet_crit_free(&c);
	sheet_crit_parse("北京", &c);
	assert_true(sheet_crit_match(&F, 1, 0, &c));
	assert_false(sheet_crit_match(&F, 2, 0, &c));
	sheet_crit_free(&c);
	sheet_crit_parse("bei*", &c);
	assert_true(sheet_crit_match(&F, 2, 0, &c));
	assert_false(sheet_crit_match(&F, 1, 0, &c));
	sheet_crit_free(&c);
	sheet_crit_parse("<>北?", &c);
	assert_false(sheet_crit_match(&F, 1, 0, &c));
	assert_true(sheet_crit_match(&F, 2, 0, &c));
	sheet_crit_free(&c);
	sheet_crit_parse("=", &c);
	assert_true(sheet_crit_match(&F, 9, 0, &c)); /* blank */
	assert_false(sheet_crit_match(&F, 0, 0, &c));
	sheet_crit_free(&c);
}

/* ---- find and replace --------------------------------------------------------- */

static void test_find_and_replace(void **state)
{
	struct sheet_rect all = { 0, 0, SHEET_MAX_ROWS - 1, SHEET_MAX_COLS - 1 };
	struct sheet_journal j = { 0 };
	size_t n, skipped;
	uint32_t row = 0, col = 0;
	char *before;
	size_t ml;

	assert_int_equal(sheet_text_find("Straße ÄPFEL", strlen("Straße ÄPFEL"), "äpfel", &ml), 8);
	assert_int_equal(ml, strlen("ÄPFEL"));
	put("A1", "Apple pie");
	put("B2", "an APPLE");
	put("C1", "=SUM(A5:A6)");
	put("A3", "苹果 apple");
	put("A5", "12");
	before = dump();
	assert_int_equal(sheet_find_next(&F, "apple", 0, &row, &col), 0);
	assert_int_equal(row, 1);
	assert_int_equal(col, 1);
	assert_int_equal(sheet_find_next(&F, "apple", 0, &row, &col), 0);
	assert_int_equal(row, 2);
	assert_int_equal(sheet_find_next(&F, "apple", 0, &row, &col), 0);
	assert_int_equal(row, 0); /* wrapped */
	assert_int_equal(sheet_find_next(&F, "apple", 1, &row, &col), 0);
	assert_int_equal(row, 2);
	assert_int_equal(sheet_find_next(&F, "a5", 0, &row, &col), 0); /* in a formula */
	assert_int_equal(col, 2);
	assert_int_equal(sheet_find_next(&F, "pear", 0, &row, &col), E_NOTFOUND);

	assert_int_equal(sheet_op_replace(&F, &all, "apple", "pear", &j, &n, &skipped), 0);
	assert_int_equal(n, 3);
	is("A1", "pear pie");
	is("B2", "an pear");
	is("A3", "苹果 pear");
	assert_int_equal(sheet_op_replace(&F, &all, "a5:a6", "A5:A7", &j, &n, &skipped), 0);
	assert_int_equal(n, 1);
	assert_int_equal(skipped, 0);
	is("C1", "=SUM(A5:A7)");
	put("A7", "3");
	assert_true(numat("C1") == 15);
	put("A7", "");
	sheet_journal_undo(&F, &j);
	sheet_journal_free(&j);
	{
		char *now = dump();

		assert_string_equal(now, before);
		free(now);
	}
	/* A replacement that breaks a formula leaves it. */
	assert_int_equal(sheet_op_replace(&F, &all, "SUM(", "SUM((", NULL, &n, &skipped), 0);
	assert_int_equal(skipped, 1);
	is("C1", "=SUM(A5:A6)");
	/* Numbers are re-typed: 12 -> 92 is a number. */
	assert_int_equal(sheet_op_replace(&F, &all, "1", "9", NULL, &n, &skipped), 0);
	assert_true(numat("A5") == 92);
	free(before);
}

/* ---- the grid: selection, one undo step per operation, filter, find ------- */

static void gtype(struct grid *g, uint32_t row, uint32_t col, const char *s)
{
	grid_goto(g, row, col);
	grid_edit_begin(g, 0);
	grid_edit_insert(g, s, strlen(s));
	assert_int_equal(grid_edit_commit(g, NULL), 0);
}

static char *gdump(struct grid *g)
{
	struct buf b;
	char *s;

	buf_init(&b);
	sheet_csv_write(grid_file(g), &b, SHEET_CSV_FORMULAS);
	while (b.len > 1 && b.data[b.len - 1] == '\n' && b.data[b.len - 2] == '\n')
		b.len--;
	s = xstrndup(b.data ? b.data : "", b.len);
	buf_free(&b);
	return s;
}

static void test_grid_operations_are_one_undo_step_each(void **state)
{
	struct grid *g = grid_new();
	struct sheet_rect r;
	char *s0, *s1, *s2;
	uint32_t row, col, shown;
	struct err e;

	gtype(g, 0, 0, "1");
	gtype(g, 1, 0, "2");
	gtype(g, 0, 1, "=A1*10");
	s0 = gdump(g);
	/* Shift+Down from B1 selects B1:B2; fill down is one step. */
	grid_goto(g, 0, 1);
	grid_select_move(g, GRID_DOWN);
	assert_int_equal(grid_selection(g, &r), 1);
	assert_int_equal(r.r2, 1);
	assert_true(grid_selected(g, 1, 1));
	assert_false(grid_selected(g, 1, 0));
	assert_int_equal(grid_fill(g, SHEET_AXIS_ROWS, NULL), 0);
	s1 = gdump(g);
	assert_string_equal(s1, "1,=A1*10\n2,=A2*10\n");
	/* Copy A1:B2, paste at C1: one step. */
	grid_goto(g, 0, 0);
	grid_select_clear(g);
	grid_select_mark(g);
	grid_move(g, GRID_DOWN);
	grid_move(g, GRID_RIGHT);
	assert_true(grid_select_extending(g));
	grid_copy(g, 0);
	grid_goto(g, 0, 2);
	assert_int_equal(grid_paste(g, NULL), 0);
	s2 = gdump(g);
	assert_string_equal(s2, "1,=A1*10,1,=C1*10\n2,=A2*10,2,=C2*10\n");
	/* Insert a row above row 2: one step. */
	grid_goto(g, 1, 0);
	assert_int_equal(grid_shift(g, SHEET_AXIS_ROWS, 1, NULL), 0);
	{
		char *now = gdump(g);

		assert_string_equal(now, "1,=A1*10,1,=C1*10\n\n2,=A3*10,2,=C3*10\n");
		free(now);
	}
	assert_int_equal(grid_undo(g), 0);
	{
		char *now = gdump(g);

		assert_string_equal(now, s2);
		free(now);
	}
	assert_int_equal(grid_undo(g), 0);
	{
		char *now = gdump(g);

		assert_string_equal(now, s1);
		free(now);
	}
	assert_int_equal(grid_undo(g), 0);
	{
		char *now = gdump(g);

		assert_string_equal(now, s0);
		free(now);
	}
	assert_int_equal(grid_redo(g), 0);
	assert_int_equal(grid_redo(g), 0);
	{
		char *now = gdump(g);

		assert_string_equal(now, s2);
		free(now);
	}
	/* Filter: rows failing the criterion are hidden and skipped. */
	gtype(g, 2, 0, "50");
	grid_goto(g, 0, 0);
	err_clear(&e);
	assert_int_equal(grid_filter(g, "A >10", &shown, &e), 0);
	assert_int_equal(shown, 1);
	assert_false(grid_row_hidden(g, 0)); /* the header */
	assert_true(grid_row_hidden(g, 1));
	grid_move(g, GRID_DOWN);
	grid_cursor(g, &row, &col);
	assert_int_equal(row, 2);
	assert_int_equal(grid_row_shown(g, 0, 1), 2);
	assert_int_equal(grid_filter(g, "7 >10", &shown, &e), E_USAGE);
	assert_int_equal(grid_filter(g, NULL, NULL, NULL), 0);
	assert_false(grid_row_hidden(g, 1));
	/* Find: case-insensitive, n repeats. */
	gtype(g, 3, 3, "Hello");
	gtype(g, 5, 0, "hello there");
	grid_goto(g, 0, 0);
	assert_int_equal(grid_find(g, "HELLO", 0), 0);
	grid_cursor(g, &row, &col);
	assert_int_equal(row, 3);
	assert_true(grid_finding(g));
	assert_int_equal(grid_find(g, NULL, 0), 0);
	grid_cursor(g, &row, &col);
	assert_int_equal(row, 5);
	assert_int_equal(grid_find(g, "zzz", 0), E_NOTFOUND);
	free(s0);
	free(s1);
	free(s2);
	grid_free(g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_offset_moves_relative_parts_only, setup, teardown),
		cmocka_unit_test_setup_teardown(test_shift_rows_insert_and_delete, setup, teardown),
		cmocka_unit_test_setup_teardown(test_shift_columns_and_other_sheets, setup, teardown),
		cmocka_unit_test_setup_teardown(test_insert_row_rewrites_and_undoes_exactly, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_delete_rows_ref_errors_and_undo, setup, teardown),
		cmocka_unit_test_setup_teardown(test_insert_delete_columns, setup, teardown),
		cmocka_unit_test_setup_teardown(test_insert_pushing_cells_off_is_refused, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_copy_paste_adjusts_and_undoes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cut_moves_and_references_follow, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fill_down_and_right, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sort_mixed_types_blanks_last, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sort_chinese_by_pinyin_multi_keys_formulas, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_filter_criteria, setup, teardown),
		cmocka_unit_test_setup_teardown(test_find_and_replace, setup, teardown),
		cmocka_unit_test(test_grid_operations_are_one_undo_step_each),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
