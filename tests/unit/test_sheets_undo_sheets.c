/*
 * test_sheets_undo_sheets.c - adding, renaming and deleting a sheet are
 * undo steps of the grid (grid.c, tabs.c): each is undone and redone
 * exactly (names, cells, formats, widths, formula sources as written),
 * and the history from before a delete keeps working after it.
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

static void type_at(struct grid *g, int sheet, uint32_t row, uint32_t col, const char *s)
{
	grid_set_sheet(g, sheet);
	grid_goto(g, row, col);
	type(g, s);
}

static void recalc(struct grid *g)
{
	while (grid_recalc_run(g, 1000, NULL))
		;
}

static double num_at(struct grid *g, int sheet, uint32_t row, uint32_t col)
{
	struct sheet_value v;

	recalc(g);
	sheet_get(grid_file(g)->wb, sheet, row, col, &v);
	assert_int_equal(v.type, SHEET_NUM);
	return v.num;
}

static void assert_src(struct grid *g, int sheet, uint32_t row, uint32_t col, const char *want)
{
	const char *src = sheet_file_formula_at(grid_file(g), sheet, row, col);

	assert_non_null(src);
	assert_string_equal(src, want);
}

static void assert_names(struct grid *g, const char *want)
{
	struct sheet_book *wb = grid_file(g)->wb;
	char got[512] = "";

	for (int s = 0; s < sheet_count(wb); s++) {
		strcat(got, s ? "|" : "");
		strcat(got, sheet_name(wb, s));
	}
	assert_string_equal(got, want);
}

/* Everything a user sees of the workbook: names, each cell's content
 * and value, formats and widths over the first rows and columns. */
static char *book_text(struct grid *g)
{
	struct sheet_file *f = grid_file(g);
	int cur = grid_sheet(g), n = sheet_count(f->wb);
	struct buf b;
	char t[64];

	recalc(g);
	buf_init(&b);
	for (int s = 0; s < n; s++) {
		grid_set_sheet(g, s);
		buf_adds(&b, "[");
		buf_adds(&b, sheet_name(f->wb, s));
		buf_adds(&b, "]");
		for (uint32_t c = 0; c < 4; c++) {
			snprintf(t, sizeof t, " w%d", grid_col_width(g, c));
			buf_adds(&b, t);
		}
		buf_adds(&b, "\n");
		for (uint32_t r = 0; r < 6; r++)
			for (uint32_t c = 0; c < 4; c++) {
				const struct sheet_note *nt = sheet_file_note_at(f, s, r, c);
				struct sheet_value v;

				sheet_get(f->wb, s, r, c, &v);
				if (v.type == SHEET_EMPTY && !(nt && nt->fmt))
					continue;
				snprintf(t, sizeof t, "%u,%u:", (unsigned)r, (unsigned)c);
				buf_adds(&b, t);
				grid_cell_input(g, r, c, &b);
				snprintf(t, sizeof t, " = %d %.10g %d ", (int)v.type, v.num, (int)v.err);
				buf_adds(&b, t);
				if (v.type == SHEET_TEXT && v.str)
					buf_adds(&b, v.str);
				if (nt && nt->fmt) {
					buf_adds(&b, " fmt ");
					buf_adds(&b, nt->fmt);
				}
				buf_adds(&b, "\n");
			}
	}
	grid_set_sheet(g, cur);
	buf_addc(&b, '\0');
	return b.data;
}

static void test_adding_a_sheet_is_one_undo_step(void **state)
{
	struct grid *g = grid_new();

	type(g, "1");
	assert_int_equal(grid_sheet_add(g, "Q3 plan", NULL), 1);
	type(g, "42");
	assert_true(grid_modified(g));
	/* The edit after the add is undone first, then the add. */
	assert_int_equal(grid_undo(g), 0);
	assert_names(g, "Sheet1|Q3 plan");
	assert_int_equal(grid_undo(g), 0);
	assert_names(g, "Sheet1");
	assert_int_equal(grid_sheet(g), 0);
	assert_true(num_at(g, 0, 0, 0) == 1);
	assert_int_equal(grid_redo(g), 0);
	assert_names(g, "Sheet1|Q3 plan");
	assert_int_equal(grid_sheet(g), 1);
	assert_int_equal(grid_redo(g), 0);
	assert_true(num_at(g, 1, 0, 0) == 42);
	assert_int_equal(grid_redo(g), E_NOTFOUND);
	grid_free(g);
}

static void test_undoing_a_rename_gives_formulas_their_sources_back(void **state)
{
	struct grid *g = grid_new();

	grid_sheet_add(g, "Q3 plan", NULL);
	type(g, "5");
	type_at(g, 0, 0, 0, "='Q3 plan'!A1*2");
	type_at(g, 0, 1, 0, "='q3 PLAN'!A1+1"); /* names are case-insensitive */
	type_at(g, 1, 1, 0, "=A1&\"'Q3 plan'!A1\"");
	assert_int_equal(grid_sheet_rename(g, 1, "Plan", NULL), 0);
	assert_names(g, "Sheet1|Plan");
	assert_src(g, 0, 0, 0, "=Plan!A1*2");
	assert_src(g, 0, 1, 0, "=Plan!A1+1");
	assert_int_equal(grid_undo(g), 0);
	assert_names(g, "Sheet1|Q3 plan");
	assert_int_equal(grid_sheet(g), 1);
	/* As written, not as a rename back would spell them. */
	assert_src(g, 0, 0, 0, "='Q3 plan'!A1*2");
	assert_src(g, 0, 1, 0, "='q3 PLAN'!A1+1");
	assert_src(g, 1, 1, 0, "=A1&\"'Q3 plan'!A1\"");
	assert_true(num_at(g, 0, 0, 0) == 10);
	assert_int_equal(grid_redo(g), 0);
	assert_src(g, 0, 0, 0, "=Plan!A1*2");
	assert_int_equal(grid_undo(g), 0);
	/* The formulas still follow the sheet they name. */
	type_at(g, 1, 0, 0, "7");
	assert_true(num_at(g, 0, 0, 0) == 14);
	assert_true(num_at(g, 0, 1, 0) == 8);
	grid_free(g);
}

static void test_undoing_a_delete_restores_the_sheet_and_the_references(void **state)
{
	struct grid *g = grid_new();
	struct sheet_file *f = grid_file(g);
	char *before, *after;

	grid_sheet_add(g, "Mid", NULL);
	type(g, "5");
	grid_goto(g, 0, 1);
	type(g, "=A1*3");
	assert_int_equal(grid_set_format(g, 0, 0, 0, 0, "0.00", NULL), 0);
	grid_set_col_width(g, 0, 15);
	grid_sheet_add(g, "Last", NULL);
	type(g, "1");
	type_at(g, 2, 1, 0, "=Mid!A1");
	type_at(g, 0, 0, 0, "=Mid!A1");
	type_at(g, 0, 1, 0, "=Last!A1+'Mid'!B1");
	grid_set_sheet(g, 1);
	before = book_text(g);
	assert_int_equal(grid_sheet_delete(g, 1, NULL), 0);
	after = book_text(g);
	assert_names(g, "Sheet1|Last");
	assert_src(g, 0, 0, 0, "=#REF!");
	assert_src(g, 0, 1, 0, "=Last!A1+#REF!");
	assert_src(g, 1, 1, 0, "=#REF!");

	assert_int_equal(grid_undo(g), 0);
	f = grid_file(g);
	assert_names(g, "Sheet1|Mid|Last");
	assert_int_equal(grid_sheet(g), 1);
	assert_src(g, 0, 0, 0, "=Mid!A1");
	assert_src(g, 0, 1, 0, "=Last!A1+'Mid'!B1");
	assert_src(g, 2, 1, 0, "=Mid!A1");
	assert_src(g, 1, 0, 1, "=A1*3");
	assert_string_equal(sheet_file_note_at(f, 1, 0, 0)->fmt, "0.00");
	assert_int_equal(grid_col_width(g, 0), 15);
	assert_true(num_at(g, 0, 1, 0) == 16);
	{
		char *t = book_text(g);

		assert_string_equal(t, before);
		free(t);
	}
	/* The restored sheet is live: its dependents follow it. */
	assert_int_equal(grid_redo(g), 0);
	{
		char *t = book_text(g);

		assert_string_equal(t, after);
		free(t);
	}
	assert_int_equal(grid_undo(g), 0);
	type_at(g, 1, 0, 0, "6");
	assert_true(num_at(g, 0, 1, 0) == 19);
	assert_true(num_at(g, 2, 1, 0) == 6);
	/* Widths are not undo steps: one set after a delete stays. */
	assert_int_equal(grid_sheet_delete(g, 1, NULL), 0);
	grid_set_sheet(g, 1);
	grid_set_col_width(g, 1, 12);
	assert_int_equal(grid_undo(g), 0);
	grid_set_sheet(g, 2);
	assert_int_equal(grid_col_width(g, 1), 12);
	grid_set_sheet(g, 1);
	assert_int_equal(grid_col_width(g, 0), 15);
	assert_int_equal(grid_redo(g), 0);
	grid_set_sheet(g, 1);
	assert_int_equal(grid_col_width(g, 1), 12);
	free(before);
	free(after);
	grid_free(g);
}

static void test_edits_before_a_delete_are_undone_after_it(void **state)
{
	struct grid *g = grid_new();
	char *start, *steps[8];
	int n = 0;

	start = book_text(g);
	grid_sheet_add(g, "Mid", NULL);
	steps[n++] = book_text(g);
	grid_sheet_add(g, "Last", NULL);
	steps[n++] = book_text(g);
	type_at(g, 2, 0, 0, "3"); /* Last, after the sheet to be deleted */
	steps[n++] = book_text(g);
	type_at(g, 1, 0, 0, "4");
	steps[n++] = book_text(g);
	type_at(g, 0, 0, 0, "=Last!A1+Mid!A1");
	steps[n++] = book_text(g);
	assert_int_equal(grid_sheet_delete(g, 1, NULL), 0);
	steps[n++] = book_text(g);
	type_at(g, 1, 0, 0, "9"); /* Last, now at position 1 */
	steps[n++] = book_text(g);
	assert_names(g, "Sheet1|Last");
	assert_true(num_at(g, 1, 0, 0) == 9);

	for (int i = n - 1; i >= 0; i--) {
		char *t = book_text(g);

		assert_string_equal(t, steps[i]);
		free(t);
		assert_int_equal(grid_undo(g), 0);
	}
	{
		char *t = book_text(g);

		assert_string_equal(t, start);
		free(t);
	}
	assert_int_equal(grid_undo(g), E_NOTFOUND);
	for (int i = 0; i < n; i++) {
		char *t;

		assert_int_equal(grid_redo(g), 0);
		t = book_text(g);
		assert_string_equal(t, steps[i]);
		free(t);
	}
	assert_true(num_at(g, 1, 0, 0) == 9);
	for (int i = 0; i < n; i++)
		free(steps[i]);
	free(start);
	grid_free(g);
}

static uint32_t rnd(uint32_t *seed)
{
	*seed = *seed * 1103515245u + 12345u;
	return (*seed >> 16) & 0x7fff;
}

/* A reference to sheet s's cell A<row>, quoted when it must be and now
 * and then when it need not. */
static void ref_to(struct grid *g, int s, uint32_t row, uint32_t *seed, char *out, size_t n)
{
	const char *name = sheet_name(grid_file(g)->wb, s);
	int plain = strcmp(name, "Z9") != 0;
	struct buf b;

	for (const char *p = name; *p; p++)
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || *p == '_'))
			plain = 0;
	buf_init(&b);
	if (plain && rnd(seed) % 2) {
		buf_adds(&b, name);
	} else {
		buf_addc(&b, '\'');
		for (const char *p = name; *p; p++) {
			if (*p == '\'')
				buf_addc(&b, '\'');
			buf_addc(&b, *p);
		}
		buf_addc(&b, '\'');
	}
	snprintf(out, n, "%.*s!A%u", (int)b.len, b.data, (unsigned)row + 1);
	buf_free(&b);
}

static void test_a_random_history_undone_returns_the_workbook_to_its_start(void **state)
{
	static const char *names[] = { "Q3 plan", "Data", "销售 表", "It's", "Z9", "Rates" };
	enum { STEPS = 120 };
	char *texts[STEPS + 1];
	int done[10] = { 0 };

	for (uint32_t seed0 = 1; seed0 <= 8; seed0++) {
		struct grid *g = grid_new();
		uint32_t seed = seed0;
		int n = 0, tries = 0;

		texts[n++] = book_text(g);
		while (n <= STEPS && tries++ < STEPS * 4) {
			int ns = sheet_count(grid_file(g)->wb), s = (int)(rnd(&seed) % (uint32_t)ns);
			uint32_t op = rnd(&seed) % 10, row = rnd(&seed) % 6;
			char t[128], ref[64];
			int rc = 0;

			if (op < 4) { /* a value in column A */
				snprintf(t, sizeof t, "%u", (unsigned)(rnd(&seed) % 100));
				type_at(g, s, row, 0, t);
			} else if (op < 6) { /* a formula in B over any sheet's column A */
				ref_to(g, (int)(rnd(&seed) % (uint32_t)ns), rnd(&seed) % 6, &seed, ref,
				       sizeof ref);
				snprintf(t, sizeof t, "=%s*2+A%u", ref, (unsigned)row + 1);
				type_at(g, s, row, 1, t);
			} else if (op == 6) {
				rc = grid_sheet_add(g, names[rnd(&seed) % 6], NULL);
				rc = rc < 0 ? rc : 0;
			} else if (op == 7) {
				rc = grid_sheet_rename(g, s, names[rnd(&seed) % 6], NULL);
			} else if (op == 8) {
				if (ns < 2)
					continue;
				rc = grid_sheet_delete(g, s, NULL);
			} else {
				grid_set_sheet(g, s);
				rc = grid_set_format(g, row, 0, row, 1, rnd(&seed) % 2 ? "0.0" : NULL,
						     NULL);
			}
			if (rc != 0)
				continue; /* a name taken: nothing recorded */
			done[op]++;
			texts[n++] = book_text(g);
		}
		assert_true(n > STEPS / 2);
		for (int i = n - 1; i > 0; i--) {
			char *t;

			assert_int_equal(grid_undo(g), 0);
			t = book_text(g);
			assert_string_equal(t, texts[i - 1]);
			free(t);
		}
		assert_int_equal(grid_undo(g), E_NOTFOUND);
		{
			char *t = book_text(g);

			assert_string_equal(t, texts[0]);
			free(t);
		}
		for (int i = 1; i < n; i++) {
			char *t;

			assert_int_equal(grid_redo(g), 0);
			t = book_text(g);
			assert_string_equal(t, texts[i]);
			free(t);
		}
		assert_int_equal(grid_redo(g), E_NOTFOUND);
		for (int i = 0; i < n; i++)
			free(texts[i]);
		grid_free(g);
	}
	/* The sheet operations were among them. */
	assert_true(done[6] > 8 && done[7] > 8 && done[8] > 8);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_adding_a_sheet_is_one_undo_step),
		cmocka_unit_test(test_undoing_a_rename_gives_formulas_their_sources_back),
		cmocka_unit_test(test_undoing_a_delete_restores_the_sheet_and_the_references),
		cmocka_unit_test(test_edits_before_a_delete_are_undone_after_it),
		cmocka_unit_test(test_a_random_history_undone_returns_the_workbook_to_its_start),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
