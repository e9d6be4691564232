/*
 * test_sheets_write_values.c - writing computed values as CSV
 * (io_csv.c): a formula's number goes through the plain-number path when
 * the sheet has no notes; its text must be the one the general path
 * (value_text and quoting, taken when any cell has a note) writes, for
 * every kind of number a formula gives.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "modules/sheets/grid.h"

static const char *const srcs[] = {
	"=0*-1", "=1/3", "=2/3*1E20", "=0.1+0.2", "=-1/7", "=1E-5/3", "=123456789012345*10",
	"=2^70", "=1E300*1E10", "=SQRT(-1)", "=\"a,b\"", "=1=1", "=A1+0.5", "=ROUND(1/3,2)",
	"=100000000000000000000", "=1E15", "=999999999999999", "=-0.0001", "=0.00009",
};

static char *write_values(struct sheet_file *f)
{
	struct buf b;
	char *s;

	buf_init(&b);
	sheet_csv_write(f, &b, SHEET_CSV_VALUES);
	s = xstrndup(b.data ? b.data : "", b.len);
	buf_free(&b);
	return s;
}

static void test_formula_numbers_are_written_as_the_general_path_writes_them(void **state)
{
	struct sheet_file f;
	char *fast, *general;

	sheet_file_init(&f, "Sheet1");
	assert_int_equal(sheet_set_number(f.wb, 0, 0, 0, 2.5), 0);
	for (size_t i = 0; i < nitems(srcs); i++)
		assert_int_equal(sheet_set_formula(f.wb, 0, (uint32_t)i, 1, srcs[i], NULL), 0);
	fast = write_values(&f);
	/* a format on a cell far to the right: the whole write takes the
	 * general path, and that cell stays empty (its column is not written) */
	sheet_file_set_format(&f, 0, 0, 9, "0.00");
	general = write_values(&f);
	assert_string_equal(fast, general);
	assert_string_equal(fast, "2.5,0\n,0.3333333333333333\n,6.666666666666666e+19\n"
				  ",0.30000000000000004\n,-0.14285714285714285\n"
				  ",3.3333333333333337e-06\n,1.23456789012345e+15\n"
				  ",1.1805916207174113e+21\n,#NUM!\n,#NUM!\n,\"a,b\"\n,TRUE\n,3\n"
				  ",0.33\n,1e+20\n,1e+15\n,999999999999999\n,-0.0001\n,9e-05\n");
	free(fast);
	free(general);
	sheet_file_free(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_formula_numbers_are_written_as_the_general_path_writes_them),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
