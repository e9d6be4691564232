/*
 * test_sheets_func.c - modules/sheets/func.c: each function with a normal,
 * an edge and an error case, with Excel's answers.
 *
 * The sheet used: A1:A5 = 1, 2, 3, 4, 5; B1:B5 = "apple", "Banana", TRUE,
 * (empty), #N/A; C1:C5 = "3", "x", 10, -2.5, ""(text formula); D1:E4 a
 * lookup table (10 "ten", 20 "twenty", 30 "thirty", 40 "forty").
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "modules/sheets/engine.h"
#include "tests/unit/sheets_check.h"

static int setup(void **state)
{
	struct err e;
	const char *names[] = {"ten", "twenty", "thirty", "forty"};

	wb = sheet_book_new();
	sheet_add(wb, "Sheet1", &e);
	for (uint32_t r = 0; r < 5; r++)
		sheet_set_number(wb, 0, r, 0, r + 1);
	sheet_set_text(wb, 0, 0, 1, "apple");
	sheet_set_text(wb, 0, 1, 1, "Banana");
	sheet_set_bool(wb, 0, 2, 1, 1);
	sheet_set_error(wb, 0, 4, 1, SHEET_ERR_NA);
	sheet_set_text(wb, 0, 0, 2, "3");
	sheet_set_text(wb, 0, 1, 2, "x");
	sheet_set_number(wb, 0, 2, 2, 10);
	sheet_set_number(wb, 0, 3, 2, -2.5);
	sheet_set_formula(wb, 0, 4, 2, "=\"\"", &e);
	for (uint32_t r = 0; r < 4; r++) {
		sheet_set_number(wb, 0, r, 3, (r + 1) * 10.0);
		sheet_set_text(wb, 0, r, 4, names[r]);
	}
	return 0;
}

static void test_aggregates_skip_text_in_ranges_but_coerce_arguments(void **state)
{
	num("=SUM(A1:A5)", 15);
	num("=SUM(A1:A5,10,\"5\",TRUE)", 31);
	num("=SUM(B1:B4)", 0);
	num("=SUM(C1:C5)", 7.5);
	error("=SUM(\"x\")", SHEET_ERR_VALUE);
	error("=SUM(A1:B5)", SHEET_ERR_NA);
	num("=SUM(Z1:Z50)", 0);
	num("=AVERAGE(A1:A5)", 3);
	error("=AVERAGE(B1:B2)", SHEET_ERR_DIV0);
	num("=COUNT(A1:C5)", 7);
	num("=COUNT(1,\"2\",\"x\",TRUE)", 3);
	num("=COUNTA(A1:C5)", 14);
	num("=COUNTA(1,,\"\")", 3);
	num("=COUNTBLANK(B1:C5)", 2);
	num("=COUNTBLANK(Z1:Z10)", 10);
	num("=MIN(A1:A5,C1:C5)", -2.5);
	num("=MAX(A1:A5,C1:C5)", 10);
	num("=MAX(B1:B2)", 0);
	num("=PRODUCT(A1:A5)", 120);
	num("=PRODUCT(A1:A2,\"3\")", 6);
}

static void test_rounding_is_decimal_and_away_from_zero(void **state)
{
	num("=ROUND(2.5,0)", 3);
	num("=ROUND(-2.5,0)", -3);
	num("=ROUND(2.675,2)", 2.68);
	num("=ROUND(1234.5678,-2)", 1200);
	num("=ROUND(1.005,2)", 1.01);
	num("=ROUNDUP(3.2,0)", 4);
	num("=ROUNDUP(-3.2,0)", -4);
	num("=ROUNDUP(0.1+0.2,1)", 0.3);
	num("=ROUNDDOWN(3.9,0)", 3);
	num("=ROUNDDOWN(-3.9,0)", -3);
	num("=ROUNDDOWN(1234.5678,-2)", 1200);
	error("=ROUND(\"x\",1)", SHEET_ERR_VALUE);
	num("=INT(-2.5)", -3);
	num("=INT(2.5)", 2);
	num("=TRUNC(-2.57,1)", -2.5);
	num("=MOD(10,3)", 1);
	num("=MOD(-10,3)", 2);
	num("=MOD(10,-3)", -2);
	error("=MOD(1,0)", SHEET_ERR_DIV0);
	num("=ABS(-4)", 4);
	num("=SQRT(16)", 4);
	error("=SQRT(-1)", SHEET_ERR_NUM);
	num("=POWER(2,10)", 1024);
	error("=POWER(0,0)", SHEET_ERR_NUM);
	num("=SIGN(-3)", -1);
	error("=LN(0)", SHEET_ERR_NUM);
	num("=LOG10(1000)", 3);
	num("=PI()", 3.14159265358979);
}

static void test_logic_functions(void **state)
{
	num("=IF(A1>0,10,20)", 10);
	num("=IF(A1<0,10,20)", 20);
	boolean("=IF(FALSE,1)", 0);
	num("=IF(TRUE,,1)", 0);
	num("=IF(TRUE,1,1/0)", 1);
	error("=IF(\"x\",1,2)", SHEET_ERR_VALUE);
	error("=IF(B5,1,2)", SHEET_ERR_NA);
	num("=IF(\"true\",1,2)", 1);
	num("=IFERROR(1/0,7)", 7);
	num("=IFERROR(3,7)", 3);
	text("=IFERROR(B5,\"none\")", "none");
	num("=IFNA(B5,1)", 1);
	error("=IFNA(1/0,1)", SHEET_ERR_DIV0);
	boolean("=AND(TRUE,1,A1:A5)", 1);
	boolean("=AND(TRUE,0)", 0);
	error("=AND(B1:B2)", SHEET_ERR_VALUE);
	error("=AND(\"x\")", SHEET_ERR_VALUE);
	boolean("=OR(FALSE,0,B3)", 1);
	boolean("=OR(0)", 0);
	error("=OR(B5)", SHEET_ERR_NA);
	boolean("=XOR(TRUE,TRUE,TRUE)", 1);
	boolean("=NOT(0)", 1);
	boolean("=NOT(A1)", 0);
	boolean("=TRUE()", 1);
	error("=NA()", SHEET_ERR_NA);
}

static void test_information_functions(void **state)
{
	boolean("=ISBLANK(B4)", 1);
	boolean("=ISBLANK(C5)", 0); /* "" is text, not blank */
	boolean("=ISNUMBER(A1)", 1);
	boolean("=ISNUMBER(C1)", 0);
	boolean("=ISNUMBER(TRUE)", 0);
	boolean("=ISTEXT(B1)", 1);
	boolean("=ISTEXT(1)", 0);
	boolean("=ISERROR(B5)", 1);
	boolean("=ISERROR(1/0)", 1);
	boolean("=ISERROR(1)", 0);
	boolean("=ISERR(B5)", 0);
	boolean("=ISNA(B5)", 1);
	boolean("=ISLOGICAL(B3)", 1);
}

static void test_text_functions_count_characters(void **state)
{
	num("=LEN(\"abc\")", 3);
	num("=LEN(\"中文字\")", 3);
	num("=LEN(\"héllo\")", 5);
	num("=LEN(A1)", 1);
	num("=LEN(B4)", 0);
	error("=LEN(B5)", SHEET_ERR_NA);
	text("=LEFT(\"中文字\",2)", "中文");
	text("=LEFT(\"abc\")", "a");
	text("=LEFT(\"abc\",10)", "abc");
	error("=LEFT(\"abc\",-1)", SHEET_ERR_VALUE);
	text("=RIGHT(\"中文字\",2)", "文字");
	text("=RIGHT(\"abc\",0)", "");
	text("=RIGHT(123,2)", "23");
	text("=MID(\"中文字符\",2,2)", "文字");
	text("=MID(\"abc\",5,2)", "");
	error("=MID(\"abc\",0,2)", SHEET_ERR_VALUE);
	text("=UPPER(\"straße é ж\")", "STRAßE É Ж");
	text("=LOWER(\"ÀBC Ω\")", "àbc ω");
	text("=UPPER(TRUE)", "TRUE");
	text("=TRIM(\"  a   b  c \")", "a b c");
	text("=TRIM(\"   \")", "");
	text("=CONCATENATE(\"a\",1,TRUE)", "a1TRUE");
	error("=CONCATENATE(A1:A5)", SHEET_ERR_VALUE);
	text("=CONCAT(A1:A3,\"-\",B1:B2)", "123-appleBanana");
	error("=CONCAT(B1:B5)", SHEET_ERR_NA);
	boolean("=EXACT(\"a\",\"A\")", 0);
	text("=REPT(\"ab\",3)", "ababab");
	error("=REPT(\"ab\",1E9)", SHEET_ERR_VALUE);
}

static void test_criteria_functions(void **state)
{
	num("=COUNTIF(A1:A5,\">2\")", 3);
	num("=COUNTIF(A1:A5,3)", 1);
	num("=COUNTIF(A1:A5,\"<>3\")", 4);
	num("=COUNTIF(B1:B5,\"a*\")", 1);
	num("=COUNTIF(B1:B5,\"=b?nana\")", 1);
	num("=COUNTIF(B1:B5,\"<>apple\")", 4);
	num("=COUNTIF(B1:B5,\"\")", 1);
	num("=COUNTIF(B1:B5,TRUE)", 1);
	num("=COUNTIF(B1:B5,\"#N/A\")", 1);
	num("=COUNTIF(D1:D4,\">=20\")", 3);
	num("=SUMIF(A1:A5,\">2\")", 12);
	num("=SUMIF(D1:D4,\"<30\",A1:A4)", 3);
	num("=SUMIF(E1:E4,\"t*\",D1:D4)", 60);
	num("=SUMIF(Z1:Z5,\"\",A1:A5)", 15);
	num("=AVERAGEIF(A1:A5,\">=4\")", 4.5);
	error("=AVERAGEIF(A1:A5,\">9\")", SHEET_ERR_DIV0);
	error("=COUNTIF(1,1)", SHEET_ERR_VALUE);
}

static void test_lookup_functions(void **state)
{
	text("=VLOOKUP(20,D1:E4,2,FALSE)", "twenty");
	text("=VLOOKUP(25,D1:E4,2)", "twenty");
	text("=VLOOKUP(99,D1:E4,2,TRUE)", "forty");
	error("=VLOOKUP(5,D1:E4,2)", SHEET_ERR_NA);
	error("=VLOOKUP(25,D1:E4,2,FALSE)", SHEET_ERR_NA);
	error("=VLOOKUP(20,D1:E4,3,FALSE)", SHEET_ERR_REF);
	error("=VLOOKUP(20,D1:E4,0,FALSE)", SHEET_ERR_VALUE);
	text("=VLOOKUP(\"T*\",E1:E4,1,0)&\"\"", "ten");
	num("=VLOOKUP(30,D:E,1,0)", 30);
	num("=MATCH(30,D1:D4,0)", 3);
	num("=MATCH(35,D1:D4)", 3);
	num("=MATCH(\"BANANA\",B1:B5,0)", 2);
	error("=MATCH(1,D1:D4,0)", SHEET_ERR_NA);
	num("=MATCH(25,D1:D4,1)", 2);
	text("=INDEX(D1:E4,2,2)", "twenty");
	num("=INDEX(A1:A5,4)", 4);
	text("=INDEX(D1:E1,2)", "ten");
	error("=INDEX(A1:A5,6)", SHEET_ERR_REF);
	num("=SUM(INDEX(A1:A5,0))", 15);
	num("=ROWS(A1:C5)", 5);
	num("=COLUMNS(A1:C5)", 3);
	num("=ROW(C7)", 7);
	num("=ROW()", 100);
	num("=COLUMN()", 26);
	num("=CHOOSE(2,10,20,30)", 20);
	error("=CHOOSE(4,10,20,30)", SHEET_ERR_VALUE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_aggregates_skip_text_in_ranges_but_coerce_arguments),
	    cmocka_unit_test(test_rounding_is_decimal_and_away_from_zero),
	    cmocka_unit_test(test_logic_functions),
	    cmocka_unit_test(test_information_functions),
	    cmocka_unit_test(test_text_functions_count_characters),
	    cmocka_unit_test(test_criteria_functions),
	    cmocka_unit_test(test_lookup_functions),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
