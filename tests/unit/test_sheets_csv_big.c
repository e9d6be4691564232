/*
 * test_sheets_csv_big.c - modules/sheets/io_csv.c on sheets big enough
 * for the writer to split its rows between two threads and for the loader
 * to store numbers straight into blocks: the text must be exactly what
 * the cells say, row after row, in order, whichever way it was made.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "modules/sheets/io.h"

#define ROWS 2100 /* past two blocks; the halves meet at row 1024 */
#define COLS 512  /* ROWS x COLS is above the writer's split */

/* The expected text, built without the engine. Row r: numbers r*COLS+c
 * (some halves, some negative), a quoted text in rows 1500..1509, and
 * rows ending early every 100 rows. */
static void expected(struct buf *b)
{
	char tmp[64];

	for (uint32_t r = 0; r < ROWS; r++) {
		uint32_t last = r % 100 == 7 ? 3 : COLS;

		for (uint32_t c = 0; c < last; c++) {
			if (c > 0)
				buf_addc(b, ',');
			if (c == 5 && r >= 1500 && r < 1510) {
				buf_adds(b, "\"a,b\"");
				continue;
			}
			if (c % 3 == 1)
				snprintf(tmp, sizeof tmp, "%u.5", r * COLS + c);
			else if (c % 7 == 2)
				snprintf(tmp, sizeof tmp, "-%u", r * COLS + c);
			else
				snprintf(tmp, sizeof tmp, "%u", r * COLS + c);
			buf_adds(b, tmp);
		}
		buf_addc(b, '\n');
	}
}

static void test_big_sheet_reads_and_writes_back_the_same(void **state)
{
	struct sheet_file f;
	struct buf in, out;
	struct err e;
	struct sheet_value v;

	(void)state;
	buf_init(&in);
	buf_init(&out);
	expected(&in);
	sheet_file_init(&f, NULL);
	err_clear(&e);
	assert_int_equal(sheet_csv_load(&f, in.data, in.len, ',', &e), 0);
	sheet_get(f.wb, f.sheet, 1500, 5, &v);
	assert_int_equal(v.type, SHEET_TEXT);
	assert_string_equal(v.str, "a,b");
	sheet_get(f.wb, f.sheet, 2000, 2, &v);
	assert_int_equal(v.type, SHEET_NUM);
	assert_true(v.num == -(2000.0 * COLS + 2));
	sheet_csv_write(&f, &out, SHEET_CSV_VALUES);
	assert_int_equal(out.len, in.len);
	assert_memory_equal(out.data, in.data, in.len);
	/* the same through the one-thread path (formulas mode) */
	buf_reset(&out);
	sheet_csv_write(&f, &out, SHEET_CSV_FORMULAS);
	assert_int_equal(out.len, in.len);
	assert_memory_equal(out.data, in.data, in.len);
	sheet_file_free(&f);
	buf_free(&in);
	buf_free(&out);
}

/* A date anywhere makes the writer look at notes for every number: still
 * the same text, with the date written back as a date. */
static void test_big_sheet_with_a_date_in_the_second_half(void **state)
{
	struct sheet_file f;
	struct buf plain, in, out;
	struct err e;
	const char *p;
	struct sheet_value v;

	(void)state;
	buf_init(&plain);
	buf_init(&in);
	buf_init(&out);
	expected(&plain);
	/* row 2051 starts "1050112,": make that cell a date */
	p = strstr(plain.data, "\n1050112,");
	assert_non_null(p);
	buf_add(&in, plain.data, (size_t)(p + 1 - plain.data));
	buf_adds(&in, "2024-01-05");
	buf_adds(&in, p + 8);
	sheet_file_init(&f, NULL);
	err_clear(&e);
	assert_int_equal(sheet_csv_load(&f, in.data, in.len, ',', &e), 0);
	sheet_get(f.wb, f.sheet, 2051, 0, &v);
	assert_int_equal(v.type, SHEET_NUM);
	assert_true(v.num == 45296); /* 2024-01-05 */
	sheet_csv_write(&f, &out, SHEET_CSV_VALUES);
	assert_int_equal(out.len, in.len);
	assert_memory_equal(out.data, in.data, in.len);
	sheet_file_free(&f);
	buf_free(&plain);
	buf_free(&in);
	buf_free(&out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_big_sheet_reads_and_writes_back_the_same),
		cmocka_unit_test(test_big_sheet_with_a_date_in_the_second_half),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
