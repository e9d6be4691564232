/*
 * test_sheets_array.c - array values in the sheets engine (eval.c,
 * formula.c, func.c): array constants, the array block API, operators
 * element by element with Excel's broadcasting, array contexts
 * (SUMPRODUCT, LOOKUP, INDEX) against implicit intersection elsewhere,
 * functions of single values applied to arrays, functions that take
 * arrays, the size limit, and text read as numbers and dates.
 *
 * The sheet: A1:A5 = 1..5; B1:B5 = "x", "y", "x", "z", "x";
 * C1:C3 = 10, 20, 30. Formulas go in Z100 (sheets_check.h) unless a test
 * says otherwise. Expected answers are Excel's, worked out by hand.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <cmocka.h>

#include "modules/sheets/engine.h"
#include "tests/unit/sheets_check.h"

/* 2024-06-01 12:00 as an Excel serial. */
static double fixed_clock(void *arg)
{
	(void)arg;
	return 45444.5;
}

static int setup(void **state)
{
	struct err e;
	const char *b[] = {"x", "y", "x", "z", "x"};

	wb = sheet_book_new();
	sheet_add(wb, "Sheet1", &e);
	sheet_set_clock(wb, fixed_clock, NULL);
	for (uint32_t r = 0; r < 5; r++) {
		sheet_set_number(wb, 0, r, 0, r + 1);
		sheet_set_text(wb, 0, r, 1, b[r]);
	}
	for (uint32_t r = 0; r < 3; r++)
		sheet_set_number(wb, 0, r, 2, (r + 1) * 10.0);
	return 0;
}

static void parse_error(const char *src)
{
	struct err e;

	if (sheet_set_formula(wb, 0, 99, 24, src, &e) != E_PARSE)
		fail_msg("%s: compiled, want a parse error", src);
}

static void test_constants(void **state)
{
	num("={1,2,3}", 1); /* a cell shows the top-left element */
	num("=ROWS({1,2,3;4,5,6})", 2);
	num("=COLUMNS({1,2,3;4,5,6})", 3);
	num("=INDEX({1,2,3;4,5,6},2,3)", 6);
	num("=INDEX({-1.5,2E3},1,2)", 2000);
	num("=INDEX({-1.5,2E3},1,1)", -1.5);
	text("=INDEX({\"a\",\"b\"\"c\"},1,2)", "b\"c");
	boolean("=INDEX({TRUE,false},1,2)", 0);
	error("=INDEX({1,#DIV/0!},1,2)", SHEET_ERR_DIV0);
	num("=TYPE({1,2})", 64);
	num("=SUM({1;2;3})", 6);
	parse_error("={1,2;3}");    /* rows of different lengths */
	parse_error("={1,A1}");     /* only constants */
	parse_error("={1,2");       /* unterminated */
	parse_error("={}");         /* empty */
	parse_error("={{1}}");      /* nested */
	parse_error("={1,-\"a\"}"); /* a sign before text */
	parse_error("=1}");
}

static void test_block_api(void **state)
{
	struct sheet_array *a, *b;
	struct sheet_value v, t = {.type = SHEET_TEXT};
	char s[64];

	assert_null(sheet_array_new(0, 3));
	assert_null(sheet_array_new(SHEET_MAX_ARRAY, 2));
	a = sheet_array_new(2, 3);
	assert_non_null(a);
	sheet_array_get(a, 5, &v);
	assert_int_equal(v.type, SHEET_EMPTY);
	/* texts grow the block: earlier ones must survive the moves */
	for (uint32_t i = 0; i < 6; i++) {
		snprintf(s, sizeof(s), "text number %u with some length to it", i);
		t.str = s;
		sheet_array_set(&a, i, &t);
	}
	b = sheet_array_dup(a);
	for (uint32_t i = 0; i < 6; i++) {
		snprintf(s, sizeof(s), "text number %u with some length to it", i);
		sheet_array_get(b, i, &v);
		assert_int_equal(v.type, SHEET_TEXT);
		assert_string_equal(v.str, s);
	}
	/* broadcasting: a 1-row array repeats down, outside the shape #N/A */
	free(a);
	a = sheet_array_new(1, 2);
	sheet_array_set(&a, 1, &(struct sheet_value){.type = SHEET_NUM, .num = 7});
	sheet_array_at(a, 5, 1, &v);
	assert_int_equal(v.type, SHEET_NUM);
	assert_true(v.num == 7);
	sheet_array_at(a, 0, 2, &v);
	assert_int_equal(v.type, SHEET_ERROR);
	assert_int_equal(v.err, SHEET_ERR_NA);
	free(a);
	free(b);
}

static void test_elementwise(void **state)
{
	num("=SUM({1,2,3}*{4,5,6})", 32);
	num("=SUM({1,2,3}+10)", 36);
	/* a row with a column: 2 x 3 */
	num("=ROWS({1,2,3}+{10;20})", 2);
	num("=COLUMNS({1,2,3}+{10;20})", 3);
	num("=SUM({1,2,3}+{10;20})", 102);
	num("=INDEX({1,2,3}+{10;20},2,3)", 23);
	/* different lengths: no partner is #N/A */
	error("=SUM({1,2,3}+{1,2})", SHEET_ERR_NA);
	num("=INDEX({1,2,3}+{1,2},1,2)", 4);
	text("=INDEX({\"a\",\"b\"}&{1,2},1,2)", "b2");
	boolean("=INDEX({1,2,3}>=2,1,2)", 1);
	num("=INDEX(-{1,2,3},1,3)", -3);
	num("=INDEX({50,25}%,1,2)", 0.25);
	error("=INDEX({1,2}/{1,0},1,2)", SHEET_ERR_DIV0);
	num("=INDEX({1,2}/{1,0},1,1)", 1);
	/* -- makes numbers of booleans, which SUM skips */
	num("=SUM({1,2,3}>1)", 0);
	num("=SUM(--({1,2,3}>1))", 2);
	num("=--TRUE", 1);
	num("=---1", -1);
}

static void test_array_context(void **state)
{
	/* inside SUMPRODUCT, ranges go element by element */
	num("=SUMPRODUCT((B1:B5=\"x\")*A1:A5)", 9);
	num("=SUMPRODUCT(--(A1:A5>2))", 3);
	num("=SUMPRODUCT((A1:A5>1)*(A1:A5<5),A1:A5)", 9);
	num("=SUMPRODUCT(A1:A3*C1:C3)", 140);
	num("=SUMPRODUCT(MAX((B1:B5=\"x\")*A1:A5))", 5);
	/* ranges of different shapes: #N/A where there is no partner */
	error("=SUMPRODUCT(A1:A5*C1:C3)", SHEET_ERR_NA);
	error("=SUMPRODUCT(A1:A5,C1:C3)", SHEET_ERR_VALUE);
	/* LOOKUP's vectors and INDEX's array too */
	num("=LOOKUP(2,1/(B1:B5=\"x\"),A1:A5)", 5);
	num("=INDEX(A1:A5,MATCH(1,INDEX((B1:B5=\"x\")*(A1:A5>1),0),0))", 3);
	/* elsewhere a range in an operator is intersected with the formula's
	 * row: row 100 has no A cell */
	error("=SUM(A1:A3*2)", SHEET_ERR_VALUE);
}

static void test_intersection_unchanged(void **state)
{
	struct err e;
	struct sheet_value v;

	/* in row 2, A1:A5*2 is A2*2 */
	assert_int_equal(sheet_set_formula(wb, 0, 1, 25, "=A1:A5*2", &e), 0);
	sheet_get(wb, 0, 1, 25, &v);
	assert_int_equal(v.type, SHEET_NUM);
	assert_true(v.num == 4);
	assert_int_equal(sheet_set_formula(wb, 0, 1, 24, "=SUMPRODUCT(A1:A5*2)", &e), 0);
	sheet_get(wb, 0, 1, 24, &v);
	assert_true(v.num == 30);
	/* and the array context follows changes */
	sheet_set_number(wb, 0, 4, 0, 50);
	sheet_get(wb, 0, 1, 24, &v);
	assert_true(v.num == 120);
	sheet_set_number(wb, 0, 4, 0, 5);
	sheet_clear(wb, 0, 1, 25);
	sheet_clear(wb, 0, 1, 24);
}

static void test_lifted(void **state)
{
	num("=SUM(LEN({\"ab\",\"c\",\"\"}))", 3);
	num("=SUMPRODUCT(LEN(B1:B5))", 5);
	num("=SUM(ABS({-1,2,-3}))", 6);
	num("=SUM(IF({1,0,1},{5,6,7},0))", 12);
	num("=SUMPRODUCT(IFERROR(1/{1,0,2},0))", 1.5);
	num("=SUMPRODUCT(--ISNUMBER(B1:B5))", 0);
	num("=SUMPRODUCT(--ISNUMBER(A1:A5))", 5);
	num("=SUM(ROUND({1.26,2.74},1))", 4);
	/* outside an array context a range argument is intersected as before */
	error("=LEN(B1:B5)", SHEET_ERR_VALUE);
}

static void test_functions(void **state)
{
	num("=SUM(TRANSPOSE(A1:A5))", 15);
	num("=ROWS(TRANSPOSE(A1:A5))", 1);
	num("=COLUMNS(TRANSPOSE(A1:A5))", 5);
	num("=INDEX(TRANSPOSE(A1:A5),1,4)", 4);
	num("=INDEX(TRANSPOSE({1,2;3,4}),1,2)", 3);
	num("=TYPE(TRANSPOSE(A1:A5))", 64);
	num("=TRANSPOSE(C1:C3)", 10);
	num("=SUMPRODUCT(TRANSPOSE(A1:A3)*{1,2,3})", 14);
	num("=MATCH(4,{1,3,5})", 2);
	num("=MATCH(\"z\",{\"x\",\"y\",\"z\"},0)", 3);
	error("=MATCH(9,{1,2;3,4},0)", SHEET_ERR_NA);
	text("=LOOKUP(4,{1,3,5},{\"a\",\"b\",\"c\"})", "b");
	text("=LOOKUP(9,{1,3,5;\"p\",\"q\",\"r\"})", "r");
	num("=AVERAGE({1,2,3,4})", 2.5);
	num("=MAX({3,\"9\",TRUE,1})", 3); /* text and booleans of an array skipped */
	num("=COUNT({1,\"a\",TRUE,4})", 2);
	num("=COUNTA({1,\"a\",TRUE,4})", 4);
	num("=MEDIAN({5,1,3})", 3);
	boolean("=AND({TRUE,1,FALSE})", 0);
	boolean("=OR({FALSE,TRUE})", 1);
	text("=CONCAT({\"a\",\"b\";\"c\",\"d\"})", "abcd");
	text("=TEXTJOIN(\",\",FALSE,{\"a\",\"\",\"b\"})", "a,,b");
	text("=TEXTJOIN(\",\",TRUE,{\"a\",\"\",\"b\"})", "a,b");
	num("=SUM(INDEX({1,2;3,4},0,2))", 6);
	num("=SUM(INDEX({1,2;3,4},1,0))", 3);
	error("=INDEX({1,2},1,3)", SHEET_ERR_REF);
	num("=INDEX(7,1,1)", 7);
}

static void test_limit(void **state)
{
	/* A:X is 25 million cells, past SHEET_MAX_ARRAY */
	error("=SUMPRODUCT((A:X>0)*1)", SHEET_ERR_NUM);
	error("=SUM(TRANSPOSE(A:X))", SHEET_ERR_NUM);
	/* a whole column is within it; cells past the extent are empty */
	num("=SUMPRODUCT((A:A>2)*1)", 3);
}

static void test_text_numbers(void **state)
{
	double d;

	num("=\"1,234.5\"+0", 1234.5);
	num("=\"12,345,678\"+0", 12345678);
	num("=\"$12\"+0", 12);
	num("=\"$1,000\"*2", 2000);
	num("=\"(5)\"+0", -5);
	num("=\"($1,000.50)\"+0", -1000.5);
	num("=\"-$5\"+0", -5);
	num("=\" 50% \"+0", 0.5);
	num("=\"  3  \"+0", 3);
	num("=VALUE(\"1e3\")", 1000);
	num("=\"2024-03-15\"+0", 45366);
	num("=\"2024/3/15\"+0", 45366);
	num("=\"3/15/2024\"+0", 45366);
	num("=\"12:30\"*24", 12.5);
	num("=\"12:30:45 PM\"*86400", 12 * 3600 + 30 * 60 + 45);
	num("=\"2024-03-15 12:30\"+0", 45366 + 12.5 / 24);
	num("=\"3/15\"+0", 45366); /* no year: the clock's (2024) */
	num("=YEAR(\"2024-03-15\")", 2024);
	num("=HOUR(\"12:30\")", 12);
	num("=DAYS(\"2024-03-15\",\"2024-01-01\")", 74);
	error("=\"1,23\"+0", SHEET_ERR_VALUE);
	error("=\"1,2345\"+0", SHEET_ERR_VALUE);
	error("=\",5\"+0", SHEET_ERR_VALUE);
	error("=\"$\"+0", SHEET_ERR_VALUE);
	error("=\"(5\"+0", SHEET_ERR_VALUE);
	error("=\"5)\"+0", SHEET_ERR_VALUE);
	error("=\"(-5)\"+0", SHEET_ERR_VALUE);
	error("=\"--5\"+0", SHEET_ERR_VALUE);
	error("=\"1e\"+0", SHEET_ERR_VALUE);
	error("=\"12:61\"+0", SHEET_ERR_VALUE);
	error("=\"2024-02-30\"+0", SHEET_ERR_VALUE);
	/* the function itself, without a workbook (system clock) */
	assert_int_equal(sheet_text_num("1,000", &d), 0);
	assert_true(d == 1000);
	assert_int_not_equal(sheet_text_num("abc", &d), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_constants),	    cmocka_unit_test(test_block_api),
	    cmocka_unit_test(test_elementwise),	    cmocka_unit_test(test_array_context),
	    cmocka_unit_test(test_intersection_unchanged), cmocka_unit_test(test_lifted),
	    cmocka_unit_test(test_functions),	    cmocka_unit_test(test_limit),
	    cmocka_unit_test(test_text_numbers),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
