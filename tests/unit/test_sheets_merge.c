/*
 * test_sheets_merge.c - modules/sheets/merge.c: three-way merge of
 * workbooks cell by cell. Edits to different cells merge cleanly, equal
 * edits once; different edits to one cell keep the local source and list
 * all three; sheets added, deleted, deleted against changed; CSV and
 * xlsx; text that looks like a number stays text; taking local or remote
 * rewrites the merged file.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "modules/sheets/grid.h"
#include "modules/sheets/io.h"
#include "modules/sheets/sheets.h"
#include "store/store.h"

static char dir[64];

static int setup(void **state)
{
	snprintf(dir, sizeof dir, "/tmp/atrium-merge-XXXXXX");
	assert_non_null(mkdtemp(dir));
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	return system(cmd);
}

static const char *path(const char *name)
{
	static char p[4][160];
	static int i;

	i = (i + 1) % 4;
	snprintf(p[i], sizeof p[i], "%s/%s", dir, name);
	return p[i];
}

static void write_text(const char *name, const char *text)
{
	struct err e;

	assert_int_equal(store_write_atomic(path(name), text, strlen(text), 0600, &e), 0);
}

static char *read_text(const char *name)
{
	struct buf b;
	struct err e;

	buf_init(&b);
	assert_int_equal(sheet_read_path(path(name), &b, &e), 0);
	buf_add(&b, "", 0);
	return buf_detach(&b);
}

/* The source of a cell of a loaded file ("" when empty). */
static char *cell(const struct sheet_file *f, int sheet, uint32_t row, uint32_t col)
{
	struct sheet_file at = *f;
	const char *src = sheet_file_formula_at(f, sheet, row, col);
	struct buf b;

	if (src)
		return xstrdup(src);
	buf_init(&b);
	at.sheet = sheet;
	sheet_file_value_text(&at, row, col, &b);
	buf_add(&b, "", 0);
	return buf_detach(&b);
}

static void expect_cell(const struct sheet_file *f, int sheet, uint32_t row, uint32_t col,
			const char *want)
{
	char *got = cell(f, sheet, row, col);

	assert_string_equal(got, want);
	free(got);
}

static void merge_ok(const char *b, const char *l, const char *r, const char *out,
		     struct sheets_conflict **c, size_t *n)
{
	struct err e;

	err_clear(&e);
	if (sheets_merge3(path(b), path(l), path(r), path(out), c, n, &e) != 0)
		fail_msg("merge: %s", e.msg);
}

static void test_edits_to_different_cells_merge_cleanly(void **state)
{
	struct sheets_conflict *c;
	size_t n = 99;
	char *got;

	write_text("b1.csv", "name,qty\napple,1\npear,2\n");
	write_text("l1.csv", "name,qty\napple,10\npear,2\n");
	write_text("r1.csv", "name,qty\napple,1\npear,2\nplum,3\n");
	merge_ok("b1.csv", "l1.csv", "r1.csv", "o1.csv", &c, &n);
	assert_int_equal(n, 0);
	got = read_text("o1.csv");
	assert_string_equal(got, "name,qty\napple,10\npear,2\nplum,3\n");
	free(got);
	sheets_conflicts_free(c, n);
}

static void test_the_same_edit_on_both_sides_is_clean(void **state)
{
	struct sheets_conflict *c;
	size_t n = 99;
	char *got;

	write_text("b2.csv", "a,b\n1,2\n");
	write_text("l2.csv", "a,b\n1,=A2*3\n");
	write_text("r2.csv", "a,b\n1,=A2*3\n");
	merge_ok("b2.csv", "l2.csv", "r2.csv", "o2.csv", &c, &n);
	assert_int_equal(n, 0);
	got = read_text("o2.csv");
	assert_string_equal(got, "a,b\n1,=A2*3\n");
	free(got);
	sheets_conflicts_free(c, n);
}

static void test_different_edits_to_one_cell_conflict_listing_all_three(void **state)
{
	struct sheets_conflict *c;
	struct sheet_file f;
	struct err e;
	size_t n = 0;

	write_text("b3.csv", "x,y,z\n1,2,3\n");
	write_text("l3.csv", "x,y,z\n1,20,3\n");
	write_text("r3.csv", "x,y,z\n1,=A2+1,4\n");
	merge_ok("b3.csv", "l3.csv", "r3.csv", "o3.csv", &c, &n);
	assert_int_equal(n, 1);
	assert_string_equal(c[0].cell, "B2");
	assert_string_equal(c[0].base, "2");
	assert_string_equal(c[0].local, "20");
	assert_string_equal(c[0].remote, "=A2+1");
	assert_int_equal(c[0].remote_kind, SHEETS_CELL_INPUT);
	/* the file holds local's content where they conflict, remote's C2 */
	assert_int_equal(sheet_path_load(path("o3.csv"), &f, &e), 0);
	expect_cell(&f, 0, 1, 1, "20");
	expect_cell(&f, 0, 1, 2, "4");
	sheet_file_free(&f);
	sheets_conflicts_free(c, n);
}

static void test_deleting_a_cell_against_editing_it_is_a_conflict(void **state)
{
	struct sheets_conflict *c;
	size_t n = 0;

	write_text("b4.csv", "a,b\n");
	write_text("l4.csv", "a,\n");
	write_text("r4.csv", "a,B\n");
	merge_ok("b4.csv", "l4.csv", "r4.csv", "o4.csv", &c, &n);
	assert_int_equal(n, 1);
	assert_string_equal(c[0].cell, "B1");
	assert_string_equal(c[0].local, "");
	assert_int_equal(c[0].local_kind, SHEETS_CELL_EMPTY);
	assert_string_equal(c[0].remote, "B");
	assert_int_equal(c[0].remote_kind, SHEETS_CELL_TEXT);
	sheets_conflicts_free(c, n);
}

static void test_text_that_looks_like_a_number_differs_from_the_number(void **state)
{
	struct sheets_conflict *c;
	struct sheet_file f;
	struct sheet_value v;
	struct err e;
	const char *remote[] = { "remote" };
	size_t n = 0;

	write_text("b5.csv", "k\n1\n");
	write_text("l5.csv", "k\n2\n");
	write_text("r5.csv", "k\n\"007\"\n");
	merge_ok("b5.csv", "l5.csv", "r5.csv", "o5.csv", &c, &n);
	assert_int_equal(n, 1);
	assert_string_equal(c[0].remote, "007");
	assert_int_equal(c[0].remote_kind, SHEETS_CELL_TEXT);
	assert_int_equal(sheets_merge_take(path("o5.csv"), c, n, remote, &e), 0);
	assert_int_equal(sheet_path_load(path("o5.csv"), &f, &e), 0);
	sheet_get(f.wb, 0, 1, 0, &v);
	assert_int_equal(v.type, SHEET_TEXT); /* not the number 7 */
	assert_string_equal(v.str, "007");
	sheet_file_free(&f);
	sheets_conflicts_free(c, n);
}

static void test_take_local_and_take_remote(void **state)
{
	struct sheets_conflict *c;
	const char *choice[] = { "remote", "local" };
	struct sheet_file f;
	struct sheet_value v;
	struct err e;
	size_t n = 0;

	write_text("b6.csv", "1,2\n3,4\n");
	write_text("l6.csv", "1,20\n30,4\n");
	write_text("r6.csv", "1,=A1*100\n300,4\n");
	merge_ok("b6.csv", "l6.csv", "r6.csv", "o6.csv", &c, &n);
	assert_int_equal(n, 2);
	assert_string_equal(c[0].cell, "B1"); /* listed row by row */
	assert_string_equal(c[1].cell, "A2");
	assert_int_equal(sheets_merge_take(path("o6.csv"), c, n, choice, &e), 0);
	assert_int_equal(sheet_path_load(path("o6.csv"), &f, &e), 0);
	expect_cell(&f, 0, 0, 1, "=A1*100");
	sheet_get(f.wb, 0, 0, 1, &v);
	assert_true(v.type == SHEET_NUM && v.num == 100); /* recalculated */
	expect_cell(&f, 0, 1, 0, "30");
	sheet_file_free(&f);
	sheets_conflicts_free(c, n);
}

static void test_a_choice_other_than_local_or_remote_is_refused(void **state)
{
	struct sheets_conflict *c;
	const char *choice[] = { "mine" };
	struct err e;
	size_t n = 0;
	char *before, *after;

	write_text("b7.csv", "1\n");
	write_text("l7.csv", "2\n");
	write_text("r7.csv", "3\n");
	merge_ok("b7.csv", "l7.csv", "r7.csv", "o7.csv", &c, &n);
	assert_int_equal(n, 1);
	before = read_text("o7.csv");
	assert_int_equal(sheets_merge_take(path("o7.csv"), c, n, choice, &e), E_USAGE);
	after = read_text("o7.csv");
	assert_string_equal(before, after);
	free(before);
	free(after);
	sheets_conflicts_free(c, n);
}

static void test_a_missing_input_is_not_found_and_writes_nothing(void **state)
{
	struct sheets_conflict *c = (void *)1;
	struct err e;
	size_t n = 5;

	write_text("l8.csv", "1\n");
	err_clear(&e);
	assert_int_equal(sheets_merge3(path("nope.csv"), path("l8.csv"), path("l8.csv"),
				       path("o8.csv"), &c, &n, &e),
			 E_NOTFOUND);
	assert_non_null(strstr(e.msg, "nope.csv"));
	assert_null(c);
	assert_int_equal(n, 0);
	assert_int_equal(access(path("o8.csv"), F_OK), -1);
}

/* ---- workbooks ---------------------------------------------------------------- */

static void put(struct sheet_file *f, int sheet, uint32_t row, uint32_t col, const char *s)
{
	struct err e;

	f->sheet = sheet;
	assert_int_equal(sheet_file_input(f, row, col, s, strlen(s), 0, 1, &e), 0);
	f->sheet = 0;
}

static void save_book(struct sheet_file *f, const char *name)
{
	struct err e;

	if (sheet_path_save(path(name), f, 1, &e) != 0)
		fail_msg("save %s: %s", name, e.msg);
	sheet_file_free(f);
}

/* Base: Data (A1..B2) and Notes (A1). */
static void base_book(struct sheet_file *f)
{
	struct err e;

	sheet_file_init(f, "Data");
	put(f, 0, 0, 0, "item");
	put(f, 0, 0, 1, "price");
	put(f, 0, 1, 0, "tea");
	put(f, 0, 1, 1, "12.5");
	assert_int_equal(sheet_add(f->wb, "Notes", &e), 1);
	put(f, 1, 0, 0, "first note");
}

static void test_xlsx_sheet_added_on_one_side_is_taken(void **state)
{
	struct sheets_conflict *c;
	struct sheet_file f;
	struct err e;
	size_t n = 9;

	base_book(&f);
	save_book(&f, "b9.xlsx");
	base_book(&f);
	put(&f, 0, 1, 1, "13");
	assert_int_equal(sheet_add(f.wb, "Mine", &e), 2);
	put(&f, 2, 0, 0, "local sheet");
	save_book(&f, "l9.xlsx");
	base_book(&f);
	put(&f, 0, 2, 0, "coffee");
	put(&f, 0, 2, 1, "=B2*2");
	assert_int_equal(sheet_add(f.wb, "Server", &e), 2);
	put(&f, 2, 3, 2, "=Data!B2+1");
	save_book(&f, "r9.xlsx");

	merge_ok("b9.xlsx", "l9.xlsx", "r9.xlsx", "o9.xlsx", &c, &n);
	assert_int_equal(n, 0);
	assert_int_equal(sheet_path_load(path("o9.xlsx"), &f, &e), 0);
	assert_int_equal(sheet_count(f.wb), 4);
	assert_string_equal(sheet_name(f.wb, 0), "Data");
	assert_string_equal(sheet_name(f.wb, 1), "Notes");
	assert_string_equal(sheet_name(f.wb, 2), "Mine");
	assert_string_equal(sheet_name(f.wb, 3), "Server");
	expect_cell(&f, 0, 1, 1, "13");
	expect_cell(&f, 0, 2, 0, "coffee");
	expect_cell(&f, 0, 2, 1, "=B2*2");
	expect_cell(&f, 2, 0, 0, "local sheet");
	expect_cell(&f, 3, 3, 2, "=Data!B2+1");
	{
		struct sheet_value v;

		sheet_get(f.wb, 3, 3, 2, &v);
		assert_true(v.type == SHEET_NUM && v.num == 14); /* local's 13, plus 1 */
	}
	sheet_file_free(&f);
	sheets_conflicts_free(c, n);
}

static void test_xlsx_sheet_deleted_on_one_side_and_unchanged_on_the_other_goes(void **state)
{
	struct sheets_conflict *c;
	struct sheet_file f;
	struct err e;
	size_t n = 9;

	base_book(&f);
	save_book(&f, "b10.xlsx");
	base_book(&f);
	put(&f, 0, 0, 0, "Item"); /* local changes Data, keeps Notes as it was */
	save_book(&f, "l10.xlsx");
	base_book(&f);
	assert_int_equal(sheet_file_delete_sheet(&f, 1, &e), 0);
	save_book(&f, "r10.xlsx");

	merge_ok("b10.xlsx", "l10.xlsx", "r10.xlsx", "o10.xlsx", &c, &n);
	assert_int_equal(n, 0);
	assert_int_equal(sheet_path_load(path("o10.xlsx"), &f, &e), 0);
	assert_int_equal(sheet_count(f.wb), 1);
	assert_string_equal(sheet_name(f.wb, 0), "Data");
	expect_cell(&f, 0, 0, 0, "Item");
	sheet_file_free(&f);
	sheets_conflicts_free(c, n);
}

static void test_xlsx_sheet_deleted_against_changed_is_kept_and_listed(void **state)
{
	struct sheets_conflict *c;
	struct sheet_file f;
	struct err e;
	const char *local[] = { "local" };
	size_t n = 0;

	base_book(&f);
	save_book(&f, "b11.xlsx");
	base_book(&f);
	assert_int_equal(sheet_file_delete_sheet(&f, 1, &e), 0); /* local deletes Notes */
	save_book(&f, "l11.xlsx");
	base_book(&f);
	put(&f, 1, 1, 0, "second note"); /* remote adds to it */
	save_book(&f, "r11.xlsx");

	merge_ok("b11.xlsx", "l11.xlsx", "r11.xlsx", "o11.xlsx", &c, &n);
	assert_int_equal(n, 1);
	assert_string_equal(c[0].sheet, "Notes");
	assert_null(c[0].cell);
	assert_null(c[0].local);
	assert_int_equal(c[0].local_kind, SHEETS_CELL_NOSHEET);
	assert_non_null(c[0].remote);
	/* kept, with the remote content, until the user decides */
	assert_int_equal(sheet_path_load(path("o11.xlsx"), &f, &e), 0);
	assert_int_equal(sheet_count(f.wb), 2);
	expect_cell(&f, 1, 1, 0, "second note");
	expect_cell(&f, 1, 0, 0, "first note");
	sheet_file_free(&f);
	/* taking local deletes it */
	assert_int_equal(sheets_merge_take(path("o11.xlsx"), c, n, local, &e), 0);
	assert_int_equal(sheet_path_load(path("o11.xlsx"), &f, &e), 0);
	assert_int_equal(sheet_count(f.wb), 1);
	assert_string_equal(sheet_name(f.wb, 0), "Data");
	sheet_file_free(&f);
	sheets_conflicts_free(c, n);
}

static void test_xlsx_cell_conflict_take_remote(void **state)
{
	struct sheets_conflict *c;
	struct sheet_file f;
	struct err e;
	const char *remote[] = { "remote" };
	size_t n = 0;

	base_book(&f);
	save_book(&f, "b12.xlsx");
	base_book(&f);
	put(&f, 1, 0, 0, "my note");
	sheet_file_set_format(&f, 0, 1, 1, "0.00"); /* a format change merges too */
	save_book(&f, "l12.xlsx");
	base_book(&f);
	put(&f, 1, 0, 0, "their note");
	put(&f, 0, 1, 1, "13.75");
	save_book(&f, "r12.xlsx");

	merge_ok("b12.xlsx", "l12.xlsx", "r12.xlsx", "o12.xlsx", &c, &n);
	/* B2: only remote changed the value, only local the format */
	assert_int_equal(n, 1);
	assert_string_equal(c[0].sheet, "Notes");
	assert_string_equal(c[0].cell, "A1");
	assert_string_equal(c[0].base, "first note");
	assert_string_equal(c[0].local, "my note");
	assert_string_equal(c[0].remote, "their note");
	assert_int_equal(sheet_path_load(path("o12.xlsx"), &f, &e), 0);
	expect_cell(&f, 1, 0, 0, "my note");
	sheet_file_free(&f);
	assert_int_equal(sheets_merge_take(path("o12.xlsx"), c, n, remote, &e), 0);
	assert_int_equal(sheet_path_load(path("o12.xlsx"), &f, &e), 0);
	expect_cell(&f, 1, 0, 0, "their note");
	{
		struct sheet_value v;
		const struct sheet_note *note = sheet_file_note_at(&f, 0, 1, 1);

		sheet_get(f.wb, 0, 1, 1, &v);
		assert_true(v.type == SHEET_NUM && v.num == 13.75);
		assert_non_null(note);
		assert_string_equal(note->fmt, "0.00");
	}
	sheet_file_free(&f);
	sheets_conflicts_free(c, n);
}

/* No common version: an empty CSV base, two workbooks. Every sheet is
 * an addition; one both have merges from empty. */
static void test_xlsx_with_an_empty_csv_base_takes_every_sheet(void **state)
{
	struct sheets_conflict *c;
	struct sheet_file f;
	struct err e;
	size_t n = 0;

	write_text("b14.csv", "");
	base_book(&f);
	save_book(&f, "l14.xlsx"); /* Data, Notes */
	base_book(&f);
	assert_int_equal(sheet_file_delete_sheet(&f, 1, &e), 0);
	put(&f, 0, 1, 1, "99");
	assert_int_equal(sheet_add(f.wb, "Extra", &e), 1);
	put(&f, 1, 0, 0, "theirs");
	save_book(&f, "r14.xlsx"); /* Data (B2 99), Extra */
	merge_ok("b14.csv", "l14.xlsx", "r14.xlsx", "o14.xlsx", &c, &n);
	assert_int_equal(n, 1);
	assert_string_equal(c[0].sheet, "Data");
	assert_string_equal(c[0].cell, "B2");
	assert_string_equal(c[0].base, "");
	assert_string_equal(c[0].local, "12.5");
	assert_string_equal(c[0].remote, "99");
	assert_int_equal(sheet_path_load(path("o14.xlsx"), &f, &e), 0);
	assert_int_equal(sheet_count(f.wb), 3);
	assert_string_equal(sheet_name(f.wb, 1), "Notes");
	assert_string_equal(sheet_name(f.wb, 2), "Extra");
	expect_cell(&f, 0, 0, 0, "item");
	expect_cell(&f, 2, 0, 0, "theirs");
	sheet_file_free(&f);
	sheets_conflicts_free(c, n);
}

static void test_ods_and_csv_inputs_mix(void **state)
{
	struct sheets_conflict *c;
	struct sheet_file f;
	struct err e;
	size_t n = 9;

	/* three CSV files of different names: the first sheets match */
	write_text("base13.csv", "a,b\n");
	write_text("mine13.csv", "A,b\n");
	write_text("theirs13.csv", "a,B\n");
	merge_ok("base13.csv", "mine13.csv", "theirs13.csv", "o13.ods", &c, &n);
	assert_int_equal(n, 0);
	assert_int_equal(sheet_path_load(path("o13.ods"), &f, &e), 0);
	expect_cell(&f, 0, 0, 0, "A");
	expect_cell(&f, 0, 0, 1, "B");
	sheet_file_free(&f);
	sheets_conflicts_free(c, n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_edits_to_different_cells_merge_cleanly),
		cmocka_unit_test(test_the_same_edit_on_both_sides_is_clean),
		cmocka_unit_test(test_different_edits_to_one_cell_conflict_listing_all_three),
		cmocka_unit_test(test_deleting_a_cell_against_editing_it_is_a_conflict),
		cmocka_unit_test(test_text_that_looks_like_a_number_differs_from_the_number),
		cmocka_unit_test(test_take_local_and_take_remote),
		cmocka_unit_test(test_a_choice_other_than_local_or_remote_is_refused),
		cmocka_unit_test(test_a_missing_input_is_not_found_and_writes_nothing),
		cmocka_unit_test(test_xlsx_sheet_added_on_one_side_is_taken),
		cmocka_unit_test(test_xlsx_sheet_deleted_on_one_side_and_unchanged_on_the_other_goes),
		cmocka_unit_test(test_xlsx_sheet_deleted_against_changed_is_kept_and_listed),
		cmocka_unit_test(test_xlsx_cell_conflict_take_remote),
		cmocka_unit_test(test_xlsx_with_an_empty_csv_base_takes_every_sheet),
		cmocka_unit_test(test_ods_and_csv_inputs_mix),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
