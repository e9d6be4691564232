/*
 * test_sheets_grid.c - the Sheets tab's grid model (grid.c): the cursor
 * stays within the sheet, scrolling follows it, typed values take the CSV
 * typing rules and recalculate dependents, Esc cancels, a formula that does
 * not parse changes nothing, undo and redo, the edit line's content, column
 * letters, and cell text clipped to the column (CJK counts double).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "modules/sheets/grid.h"

static void type(struct grid *g, const char *s)
{
	grid_edit_begin(g, 0);
	grid_edit_insert(g, s, strlen(s));
	assert_int_equal(grid_edit_commit(g, NULL), 0);
}

static struct sheet_value at(struct grid *g, uint32_t row, uint32_t col)
{
	struct sheet_value v;
	struct sheet_file *f = grid_file(g);

	sheet_get(f->wb, f->sheet, row, col, &v);
	return v;
}

static void assert_input(struct grid *g, uint32_t row, uint32_t col, const char *want)
{
	struct buf b;

	buf_init(&b);
	grid_cell_input(g, row, col, &b);
	buf_addc(&b, '\0');
	assert_string_equal(b.data, want);
	buf_free(&b);
}

static void test_new_grid_is_empty_untitled_at_a1(void **state)
{
	struct grid *g = grid_new();
	uint32_t r, c, rows, cols;

	grid_cursor(g, &r, &c);
	assert_int_equal(r, 0);
	assert_int_equal(c, 0);
	assert_null(grid_path(g));
	assert_false(grid_modified(g));
	assert_false(grid_editing(g));
	sheet_extent(grid_file(g)->wb, grid_file(g)->sheet, &rows, &cols);
	assert_int_equal(rows, 0);
	grid_free(g);
}

static void test_cursor_stops_at_the_sheet_edges(void **state)
{
	struct grid *g = grid_new();
	uint32_t r, c;

	grid_move(g, GRID_UP);
	grid_move(g, GRID_LEFT);
	grid_move(g, GRID_PGUP);
	grid_cursor(g, &r, &c);
	assert_int_equal(r, 0);
	assert_int_equal(c, 0);
	grid_goto(g, SHEET_MAX_ROWS + 5, SHEET_MAX_COLS + 5);
	grid_cursor(g, &r, &c);
	assert_int_equal(r, SHEET_MAX_ROWS - 1);
	assert_int_equal(c, SHEET_MAX_COLS - 1);
	grid_move(g, GRID_DOWN);
	grid_move(g, GRID_RIGHT);
	grid_move(g, GRID_PGDN);
	grid_cursor(g, &r, &c);
	assert_int_equal(r, SHEET_MAX_ROWS - 1);
	assert_int_equal(c, SHEET_MAX_COLS - 1);
	grid_move(g, GRID_HOME);
	grid_cursor(g, &r, &c);
	assert_int_equal(c, 0);
	assert_int_equal(r, SHEET_MAX_ROWS - 1);
	grid_free(g);
}

static void test_page_moves_by_the_rows_shown_and_scroll_follows(void **state)
{
	struct grid *g = grid_new();
	uint32_t r, c, top, left;

	grid_set_page(g, 10);
	grid_move(g, GRID_PGDN);
	grid_move(g, GRID_PGDN);
	grid_cursor(g, &r, &c);
	assert_int_equal(r, 20);
	grid_scroll(g, 10, 5);
	grid_origin(g, &top, &left);
	assert_true(top <= 20 && 20 < top + 10);
	grid_goto(g, 3, 7);
	grid_scroll(g, 10, 5);
	grid_origin(g, &top, &left);
	assert_int_equal(top, 3);
	assert_int_equal(left, 3);
	grid_goto(g, 0, 0);
	grid_scroll(g, 10, 5);
	grid_origin(g, &top, &left);
	assert_int_equal(top, 0);
	assert_int_equal(left, 0);
	grid_free(g);
}

static void test_typed_values_take_the_csv_types(void **state)
{
	struct grid *g = grid_new();

	type(g, "42.5");
	grid_goto(g, 1, 0);
	type(g, "hello 世界");
	grid_goto(g, 2, 0);
	type(g, "true");
	grid_goto(g, 3, 0);
	type(g, "2024-01-15");
	assert_int_equal(at(g, 0, 0).type, SHEET_NUM);
	assert_true(at(g, 0, 0).num == 42.5);
	assert_int_equal(at(g, 1, 0).type, SHEET_TEXT);
	assert_string_equal(at(g, 1, 0).str, "hello 世界");
	assert_int_equal(at(g, 2, 0).type, SHEET_BOOL);
	assert_int_equal(at(g, 3, 0).type, SHEET_NUM);
	assert_true(at(g, 3, 0).num == 45306);
	assert_input(g, 3, 0, "2024-01-15");
	assert_true(grid_modified(g));
	grid_free(g);
}

static void test_a_formula_recalculates_when_its_inputs_change(void **state)
{
	struct grid *g = grid_new();

	type(g, "2");
	grid_goto(g, 1, 0);
	type(g, "3");
	grid_goto(g, 2, 0);
	type(g, "=A1*A2");
	assert_true(at(g, 2, 0).num == 6);
	assert_input(g, 2, 0, "=A1*A2");
	grid_goto(g, 0, 0);
	type(g, "10");
	assert_true(at(g, 2, 0).num == 30);
	grid_free(g);
}

static void test_esc_cancels_and_keeps_the_cell(void **state)
{
	struct grid *g = grid_new();

	type(g, "7");
	grid_edit_begin(g, 0);
	grid_edit_insert(g, "99", 2);
	assert_string_equal(grid_edit_text(g), "99");
	grid_edit_cancel(g);
	assert_false(grid_editing(g));
	assert_null(grid_edit_text(g));
	assert_true(at(g, 0, 0).num == 7);
	grid_free(g);
}

static void test_backspace_removes_a_whole_character(void **state)
{
	struct grid *g = grid_new();

	grid_edit_insert(g, "a世", strlen("a世"));
	grid_edit_backspace(g);
	assert_string_equal(grid_edit_text(g), "a");
	grid_edit_backspace(g);
	grid_edit_backspace(g);
	assert_string_equal(grid_edit_text(g), "");
	grid_free(g);
}

static void test_f2_starts_from_the_formula(void **state)
{
	struct grid *g = grid_new();

	type(g, "=1+2");
	grid_edit_begin(g, 1);
	assert_string_equal(grid_edit_text(g), "=1+2");
	grid_edit_insert(g, "0", 1);
	assert_int_equal(grid_edit_commit(g, NULL), 0);
	assert_true(at(g, 0, 0).num == 21);
	grid_free(g);
}

static void test_a_bad_formula_changes_nothing_and_keeps_entering(void **state)
{
	struct grid *g = grid_new();
	struct err e;

	type(g, "2024-01-15");
	grid_edit_begin(g, 0);
	grid_edit_insert(g, "=1+", 3);
	err_clear(&e);
	assert_int_equal(grid_edit_commit(g, &e), E_PARSE);
	assert_true(grid_editing(g));
	assert_true(e.msg[0] != '\0');
	assert_input(g, 0, 0, "2024-01-15");
	grid_edit_cancel(g);
	grid_free(g);
}

static void test_undo_and_redo_cell_changes(void **state)
{
	struct grid *g = grid_new();
	uint32_t r, c;

	type(g, "1");
	grid_goto(g, 0, 1);
	type(g, "=A1+1");
	grid_goto(g, 0, 0);
	type(g, "5");
	assert_true(at(g, 0, 1).num == 6);
	assert_int_equal(grid_undo(g), 0);
	assert_true(at(g, 0, 0).num == 1);
	assert_true(at(g, 0, 1).num == 2);
	assert_int_equal(grid_undo(g), 0);
	assert_int_equal(at(g, 0, 1).type, SHEET_EMPTY);
	grid_cursor(g, &r, &c);
	assert_int_equal(c, 1);
	assert_int_equal(grid_redo(g), 0);
	assert_input(g, 0, 1, "=A1+1");
	assert_int_equal(grid_redo(g), 0);
	assert_true(at(g, 0, 1).num == 6);
	assert_int_equal(grid_redo(g), E_NOTFOUND);
	grid_goto(g, 0, 0);
	grid_clear_cell(g);
	assert_int_equal(at(g, 0, 0).type, SHEET_EMPTY);
	assert_int_equal(grid_undo(g), 0);
	assert_true(at(g, 0, 0).num == 5);
	assert_int_equal(grid_undo(g), 0);
	assert_int_equal(grid_undo(g), 0);
	assert_int_equal(grid_undo(g), 0);
	assert_int_equal(grid_undo(g), E_NOTFOUND);
	assert_false(grid_modified(g));
	grid_free(g);
}

static void test_undo_keeps_text_that_looks_like_a_number(void **state)
{
	struct grid *g = grid_new();
	struct sheet_file f;
	const char *csv = "\"007\",#N/A\n";

	sheet_file_init(&f, "S");
	assert_int_equal(sheet_csv_load(&f, csv, strlen(csv), ',', NULL), 0);
	grid_replace(g, &f, "x.csv");
	type(g, "1");
	grid_goto(g, 0, 1);
	grid_clear_cell(g);
	grid_undo(g);
	grid_undo(g);
	assert_int_equal(at(g, 0, 0).type, SHEET_TEXT);
	assert_string_equal(at(g, 0, 0).str, "007");
	assert_false(grid_modified(g));
	grid_free(g);
}

static void test_saving_marks_unmodified_and_a_new_edit_modified(void **state)
{
	struct grid *g = grid_new();

	type(g, "1");
	assert_true(grid_modified(g));
	grid_saved(g, "/tmp/a.csv");
	assert_false(grid_modified(g));
	assert_string_equal(grid_path(g), "/tmp/a.csv");
	grid_undo(g);
	assert_true(grid_modified(g));
	grid_redo(g);
	assert_false(grid_modified(g));
	grid_free(g);
}

static void test_column_letters(void **state)
{
	char b[8];
	char want[8];

	for (uint32_t c = 0; c <= 26 * 27; c++) {
		sheet_col_name(c, b, sizeof b);
		if (c < 26)
			snprintf(want, sizeof want, "%c", 'A' + c);
		else
			snprintf(want, sizeof want, "%c%c", 'A' + c / 26 - 1, 'A' + c % 26);
		if (c == 26 * 27)
			strcpy(want, "AAA");
		assert_string_equal(b, want);
	}
	sheet_col_name(25, b, sizeof b);
	assert_string_equal(b, "Z");
	sheet_col_name(26, b, sizeof b);
	assert_string_equal(b, "AA");
	sheet_col_name(701, b, sizeof b);
	assert_string_equal(b, "ZZ");
	sheet_col_name(SHEET_MAX_COLS - 1, b, sizeof b);
	assert_string_equal(b, "XFD");
}

static void cell_text(struct grid *g, uint32_t row, uint32_t col, size_t width, const char *want,
		      size_t want_cols, enum grid_align want_align)
{
	struct buf b;
	enum grid_align al;
	size_t used;

	buf_init(&b);
	used = grid_cell_text(g, row, col, width, &b, &al);
	buf_addc(&b, '\0');
	assert_string_equal(b.data, want);
	assert_int_equal(used, want_cols);
	assert_int_equal(al, want_align);
	buf_free(&b);
}

static void test_cell_text_is_clipped_to_the_column(void **state)
{
	struct grid *g = grid_new();

	type(g, "中文表格测试");          /* 12 columns wide */
	grid_goto(g, 0, 1);
	type(g, "abcdefghijklmnop");
	grid_goto(g, 0, 2);
	type(g, "1234.5");
	grid_goto(g, 0, 3);
	type(g, "123456789012");
	grid_goto(g, 0, 4);
	type(g, "=1/0");
	grid_goto(g, 0, 5);
	type(g, "a中");
	cell_text(g, 0, 0, 10, "中文表格测", 10, GRID_ALIGN_LEFT);
	cell_text(g, 0, 0, 9, "中文表格", 8, GRID_ALIGN_LEFT);
	cell_text(g, 0, 1, 10, "abcdefghij", 10, GRID_ALIGN_LEFT);
	cell_text(g, 0, 2, 10, "1234.5", 6, GRID_ALIGN_RIGHT);
	cell_text(g, 0, 3, 10, "##########", 10, GRID_ALIGN_RIGHT);
	cell_text(g, 0, 4, 10, "#DIV/0!", 7, GRID_ALIGN_CENTER);
	cell_text(g, 0, 5, 2, "a", 1, GRID_ALIGN_LEFT);
	cell_text(g, 5, 5, 10, "", 0, GRID_ALIGN_LEFT);
	grid_free(g);
}

static void test_replace_shows_the_file_at_a1(void **state)
{
	struct grid *g = grid_new();
	struct sheet_file f;
	const char *csv = "品名,数量\n苹果,3\n";

	type(g, "x");
	grid_goto(g, 9, 9);
	sheet_file_init(&f, "S");
	assert_int_equal(sheet_csv_load(&f, csv, strlen(csv), 0, NULL), 0);
	grid_replace(g, &f, "/tmp/in.csv");
	assert_string_equal(grid_path(g), "/tmp/in.csv");
	assert_false(grid_modified(g));
	assert_int_equal(grid_undo(g), E_NOTFOUND);
	assert_string_equal(at(g, 1, 0).str, "苹果");
	assert_true(at(g, 1, 1).num == 3);
	sheet_file_free(&f); /* left empty: freeing it is harmless */
	grid_free(g);
}

/* ---- sheets, widths, formats, sliced recalculation ------------------------ */

static void assert_shown(struct grid *g, uint32_t row, uint32_t col, size_t width,
			 const char *want)
{
	enum grid_align al;
	struct buf b;

	buf_init(&b);
	grid_cell_text(g, row, col, width, &b, &al);
	buf_addc(&b, '\0');
	assert_string_equal(b.data, want);
	buf_free(&b);
}

static void test_sheets_switch_keeping_each_cursor(void **state)
{
	struct grid *g = grid_new();
	uint32_t r, c;

	type(g, "1");
	assert_int_equal(grid_sheet_add(g, NULL, NULL), 1);
	assert_int_equal(grid_sheet(g), 1);
	assert_string_equal(sheet_name(grid_file(g)->wb, 1), "Sheet2");
	assert_int_equal(at(g, 0, 0).type, SHEET_EMPTY);
	grid_goto(g, 4, 2);
	type(g, "=Sheet1!A1*5");
	assert_true(at(g, 4, 2).num == 5);
	grid_set_sheet(g, 0);
	grid_cursor(g, &r, &c);
	assert_int_equal(r, 0);
	assert_int_equal(c, 0);
	type(g, "2");
	grid_set_sheet(g, 1);
	grid_cursor(g, &r, &c);
	assert_int_equal(r, 4);
	assert_int_equal(c, 2);
	assert_true(at(g, 4, 2).num == 10);
	/* Undo on another sheet goes back to that sheet. */
	assert_int_equal(grid_undo(g), 0);
	assert_int_equal(grid_sheet(g), 0);
	grid_set_sheet(g, 99);
	assert_int_equal(grid_sheet(g), 1);
	assert_true(grid_modified(g));
	grid_free(g);
}

static void test_sheet_names_are_checked(void **state)
{
	struct grid *g = grid_new();
	struct err e;

	err_clear(&e);
	assert_int_equal(grid_sheet_add(g, "sheet1", &e), E_USAGE);
	assert_int_equal(grid_sheet_add(g, "a/b", &e), E_USAGE);
	assert_int_equal(grid_sheet_add(g, "'x", &e), E_USAGE);
	assert_int_equal(grid_sheet_add(g, "", &e), E_USAGE);
	assert_int_equal(grid_sheet_add(g, "0123456789012345678901234567890123", &e), E_USAGE);
	assert_int_equal(grid_sheet_add(g, "销售 2024", &e), 1);
	assert_int_equal(sheet_count(grid_file(g)->wb), 2);
	grid_free(g);
}

static void test_rename_rewrites_formulas_naming_the_sheet(void **state)
{
	struct grid *g = grid_new();

	grid_sheet_add(g, "Data", NULL);
	type(g, "7");
	grid_set_sheet(g, 0);
	type(g, "=Data!A1+1");
	grid_goto(g, 1, 0);
	type(g, "=\"Data!A1\"&data!A1");
	assert_int_equal(grid_sheet_rename(g, 1, "销售 表", NULL), 0);
	assert_input(g, 0, 0, "='销售 表'!A1+1");
	/* Text in quotes is not a reference; names are case-insensitive. */
	assert_input(g, 1, 0, "=\"Data!A1\"&'销售 表'!A1");
	assert_true(at(g, 0, 0).num == 8);
	grid_set_sheet(g, 1);
	type(g, "9");
	assert_true(at(g, 0, 0).type == SHEET_EMPTY || grid_sheet(g) == 1);
	grid_set_sheet(g, 0);
	assert_true(at(g, 0, 0).num == 10);
	grid_free(g);
}

static void test_delete_turns_references_to_ref_errors(void **state)
{
	struct grid *g = grid_new();
	struct err e;

	grid_sheet_add(g, "Gone", NULL);
	type(g, "5");
	grid_sheet_add(g, "Last", NULL);
	type(g, "6");
	grid_set_sheet(g, 0);
	type(g, "=Gone!A1");
	grid_goto(g, 1, 0);
	type(g, "=Last!A1*2");
	err_clear(&e);
	assert_int_equal(grid_sheet_delete(g, 1, &e), 0);
	assert_int_equal(sheet_count(grid_file(g)->wb), 2);
	assert_string_equal(sheet_name(grid_file(g)->wb, 1), "Last");
	assert_int_equal(grid_sheet(g), 0);
	assert_int_equal(at(g, 0, 0).type, SHEET_ERROR);
	assert_int_equal(at(g, 0, 0).err, SHEET_ERR_REF);
	assert_input(g, 0, 0, "=#REF!");
	assert_true(at(g, 1, 0).num == 12);
	/* The shifted sheet still recalculates its dependents. */
	grid_set_sheet(g, 1);
	type(g, "7");
	grid_set_sheet(g, 0);
	assert_true(at(g, 1, 0).num == 14);
	assert_int_equal(grid_sheet_delete(g, 1, &e), 0);
	assert_int_equal(grid_sheet_delete(g, 0, &e), E_USAGE);
	grid_free(g);
}

static void test_widths_and_autofit_count_cjk_double(void **state)
{
	struct grid *g = grid_new();

	assert_int_equal(grid_col_width(g, 0), GRID_COL_WIDTH);
	type(g, "中文表格测试内容很长"); /* 10 characters, 20 columns */
	grid_goto(g, 1, 0);
	type(g, "abc");
	assert_int_equal(grid_autofit(g, 0), 20);
	assert_int_equal(grid_col_width(g, 0), 20);
	assert_int_equal(grid_col_width(g, 1), GRID_COL_WIDTH);
	assert_int_equal(grid_autofit(g, 1), GRID_COL_WIDTH); /* empty: default */
	grid_set_col_width(g, 2, 4);
	assert_int_equal(grid_col_width(g, 2), 4);
	grid_set_col_width(g, 2, 0);
	assert_int_equal(grid_col_width(g, 2), GRID_COL_WIDTH);
	grid_set_col_width(g, 3, 100000);
	assert_int_equal(grid_col_width(g, 3), GRID_COL_MAX);
	/* Widths are per sheet. */
	grid_sheet_add(g, NULL, NULL);
	assert_int_equal(grid_col_width(g, 0), GRID_COL_WIDTH);
	grid_free(g);
}

static void test_formats_show_and_undo_in_one_step(void **state)
{
	struct grid *g = grid_new();
	struct err e;

	type(g, "1234.5");
	assert_shown(g, 0, 0, 12, "1234.5");
	assert_int_equal(grid_set_format(g, 0, 0, 0, 0, "#,##0.00", NULL), 0);
	assert_shown(g, 0, 0, 12, "1,234.50");
	assert_shown(g, 0, 0, 5, "#####");
	assert_int_equal(grid_set_format(g, 0, 0, 0, 0, "0%", NULL), 0);
	assert_shown(g, 0, 0, 12, "123450%");
	assert_int_equal(grid_set_format(g, 0, 0, 0, 0, "yyyy-mm-dd", NULL), 0);
	assert_shown(g, 0, 0, 12, "1903-05-18");
	/* A block is one undo step. */
	grid_goto(g, 1, 0);
	type(g, "0.5");
	grid_goto(g, 1, 1);
	type(g, "0.25");
	assert_int_equal(grid_set_format(g, 1, 0, 1, 1, "0.0%", NULL), 0);
	assert_shown(g, 1, 0, 10, "50.0%");
	assert_shown(g, 1, 1, 10, "25.0%");
	assert_int_equal(grid_undo(g), 0);
	assert_shown(g, 1, 0, 10, "0.5");
	assert_shown(g, 1, 1, 10, "0.25");
	assert_int_equal(grid_redo(g), 0);
	assert_shown(g, 1, 1, 10, "25.0%");
	/* A bad code changes nothing. */
	err_clear(&e);
	assert_int_equal(grid_set_format(g, 1, 1, 1, 1, "0.0\"", &e), E_PARSE);
	assert_shown(g, 1, 1, 10, "25.0%");
	grid_free(g);
}

static void test_a_long_recalculation_runs_in_slices_and_cancels_stale(void **state)
{
	struct grid *g = grid_new();
	char f[32];
	int pct = -1, slices = 0;

	type(g, "1");
	/* A chain of 20000 formulas, each adding one to the one above. */
	sheet_recalc_defer(grid_file(g)->wb, 0);
	for (uint32_t r = 1; r < 20000; r++) {
		snprintf(f, sizeof f, "=A%u+1", (unsigned)r);
		sheet_set_formula(grid_file(g)->wb, 0, r, 0, f, NULL);
	}
	sheet_recalc_defer(grid_file(g)->wb, 1);
	assert_true(at(g, 19999, 0).num == 20000);
	/* A change queues the chain; slices of no time finish it bit by bit. */
	sheet_set_number(grid_file(g)->wb, 0, 0, 0, 2);
	assert_true(grid_recalc_pending(g));
	assert_true(at(g, 19999, 0).num == 20000);
	while (grid_recalc_run(g, 0, &pct) && slices < 100000)
		slices++;
	assert_true(slices > 1);
	assert_false(grid_recalc_pending(g));
	assert_true(at(g, 19999, 0).num == 20001);
	/* Cancelled halfway: the rest is stale and keeps its old value. */
	sheet_set_number(grid_file(g)->wb, 0, 0, 0, 3);
	for (int i = 0; i < 8; i++)
		sheet_recalc_step(grid_file(g)->wb, 2048, NULL, NULL);
	assert_true(grid_recalc_pending(g));
	assert_true(grid_recalc_cancel(g) > 0);
	assert_false(grid_recalc_pending(g));
	assert_true(sheet_is_stale(grid_file(g)->wb, 0, 19999, 0));
	assert_true(at(g, 19999, 0).num == 20001);
	assert_false(sheet_is_stale(grid_file(g)->wb, 0, 0, 0));
	/* Recalculating all clears the marks. */
	grid_recalc_all(g);
	while (grid_recalc_run(g, 50, NULL))
		;
	assert_int_equal(sheet_stale_count(grid_file(g)->wb), 0);
	assert_true(at(g, 19999, 0).num == 20002);
	grid_free(g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_new_grid_is_empty_untitled_at_a1),
		cmocka_unit_test(test_cursor_stops_at_the_sheet_edges),
		cmocka_unit_test(test_page_moves_by_the_rows_shown_and_scroll_follows),
		cmocka_unit_test(test_typed_values_take_the_csv_types),
		cmocka_unit_test(test_a_formula_recalculates_when_its_inputs_change),
		cmocka_unit_test(test_esc_cancels_and_keeps_the_cell),
		cmocka_unit_test(test_backspace_removes_a_whole_character),
		cmocka_unit_test(test_f2_starts_from_the_formula),
		cmocka_unit_test(test_a_bad_formula_changes_nothing_and_keeps_entering),
		cmocka_unit_test(test_undo_and_redo_cell_changes),
		cmocka_unit_test(test_undo_keeps_text_that_looks_like_a_number),
		cmocka_unit_test(test_saving_marks_unmodified_and_a_new_edit_modified),
		cmocka_unit_test(test_column_letters),
		cmocka_unit_test(test_cell_text_is_clipped_to_the_column),
		cmocka_unit_test(test_replace_shows_the_file_at_a1),
		cmocka_unit_test(test_sheets_switch_keeping_each_cursor),
		cmocka_unit_test(test_sheet_names_are_checked),
		cmocka_unit_test(test_rename_rewrites_formulas_naming_the_sheet),
		cmocka_unit_test(test_delete_turns_references_to_ref_errors),
		cmocka_unit_test(test_widths_and_autofit_count_cjk_double),
		cmocka_unit_test(test_formats_show_and_undo_in_one_step),
		cmocka_unit_test(test_a_long_recalculation_runs_in_slices_and_cancels_stale),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
