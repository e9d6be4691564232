/*
 * test_sheets_func_more.c - modules/sheets/func.c, the functions after the
 * first set (math, statistics, logic and information, text, dates): each
 * with a normal, an edge and an error case, with Excel's answers worked out
 * by hand.
 *
 * The sheet used: A1:A5 = 1..5; B1:B5 = "apple", "Banana", TRUE, (empty),
 * #N/A; F1:F8 = 2, 4, 4, 4, 5, 5, 7, 9; G1:G5 = "a", "b", "a", "c", "a";
 * H1:H5 = 10, 20, 30, 40, 50; I1:I5 = 2, 4, 6, 8, 10; J1:J5 = 1, 3, 2, 5, 4;
 * L1:L3 = 5, 5, 5.
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

static int setup(void **state)
{
	struct err e;
	const double f[] = {2, 4, 4, 4, 5, 5, 7, 9}, j[] = {1, 3, 2, 5, 4};
	const char *g[] = {"a", "b", "a", "c", "a"};

	wb = sheet_book_new();
	sheet_add(wb, "Sheet1", &e);
	for (uint32_t r = 0; r < 5; r++) {
		sheet_set_number(wb, 0, r, 0, r + 1);
		sheet_set_text(wb, 0, r, 6, g[r]);
		sheet_set_number(wb, 0, r, 7, (r + 1) * 10.0);
		sheet_set_number(wb, 0, r, 8, (r + 1) * 2.0);
		sheet_set_number(wb, 0, r, 9, j[r]);
	}
	sheet_set_text(wb, 0, 0, 1, "apple");
	sheet_set_text(wb, 0, 1, 1, "Banana");
	sheet_set_bool(wb, 0, 2, 1, 1);
	sheet_set_error(wb, 0, 4, 1, SHEET_ERR_NA);
	for (uint32_t r = 0; r < 8; r++)
		sheet_set_number(wb, 0, r, 5, f[r]);
	for (uint32_t r = 0; r < 3; r++)
		sheet_set_number(wb, 0, r, 11, 5);
	return 0;
}

static void test_math(void **state)
{
	num("=SUMIFS(H1:H5,G1:G5,\"a\")", 90);
	num("=SUMIFS(H1:H5,G1:G5,\"a\",A1:A5,\">1\")", 80);
	num("=SUMIFS(H1:H5,G1:G5,\"z\")", 0);
	error("=SUMIFS(H1:H5,G1:G4,\"a\")", SHEET_ERR_VALUE);
	/* a range without its criterion: Excel refuses the formula */
	error("=SUMIFS(H1:H5,G1:G5,\"a\",A1:A5)", SHEET_ERR_VALUE);
	num("=SUMPRODUCT(A1:A5,H1:H5)", 550);
	num("=SUMPRODUCT(A1:A3)", 6);
	num("=SUMPRODUCT(A1:A2,B1:B2)", 0); /* text is 0 */
	error("=SUMPRODUCT(A1:A5,B1:B5)", SHEET_ERR_NA);
	error("=SUMPRODUCT(A1:A5,H1:H4)", SHEET_ERR_VALUE);
	num("=SUMSQ(1,2,3)", 14);
	num("=SUMSQ(A1:A2,\"2\",B1:B3)", 9);
	error("=SUMSQ(\"x\")", SHEET_ERR_VALUE);
	num("=MROUND(10,3)", 9);
	num("=MROUND(-10,-3)", -9);
	num("=MROUND(1.3,0.2)", 1.4);
	num("=MROUND(7.5,5)", 10);
	num("=MROUND(5,0)", 0);
	error("=MROUND(5,-2)", SHEET_ERR_NUM);
	num("=CEILING(2.5,1)", 3);
	num("=CEILING(0.234,0.01)", 0.24);
	num("=CEILING(-2.5,2)", -2);
	num("=CEILING(-2.5,-2)", -4);
	num("=CEILING(5,0)", 0);
	error("=CEILING(2.5,-1)", SHEET_ERR_NUM);
	num("=FLOOR(3.7,2)", 2);
	num("=FLOOR(1.58,0.1)", 1.5);
	num("=FLOOR(-2.5,2)", -4);
	num("=FLOOR(-2.5,-2)", -2);
	error("=FLOOR(2.5,-2)", SHEET_ERR_NUM);
	error("=FLOOR(1,0)", SHEET_ERR_DIV0);
	num("=EVEN(1.5)", 2);
	num("=EVEN(3)", 4);
	num("=EVEN(2)", 2);
	num("=EVEN(-1)", -2);
	num("=EVEN(0)", 0);
	error("=EVEN(\"x\")", SHEET_ERR_VALUE);
	num("=ODD(1.5)", 3);
	num("=ODD(3)", 3);
	num("=ODD(2)", 3);
	num("=ODD(-1)", -1);
	num("=ODD(-2)", -3);
	num("=ODD(0)", 1);
	num("=FACT(5)", 120);
	num("=FACT(0)", 1);
	num("=FACT(1.9)", 1);
	error("=FACT(-1)", SHEET_ERR_NUM);
	num("=COMBIN(8,2)", 28);
	num("=COMBIN(10,5)", 252);
	num("=COMBIN(5,0)", 1);
	error("=COMBIN(2,3)", SHEET_ERR_NUM);
	error("=COMBIN(1E+300,1E+299)", SHEET_ERR_NUM); /* at once, no long loop */
	num("=GCD(24,36)", 12);
	num("=GCD(5,2)", 1);
	num("=GCD(0,5)", 5);
	num("=GCD(A1:A5,H1:H5)", 1);
	error("=GCD(-1,2)", SHEET_ERR_NUM);
	num("=LCM(4,6)", 12);
	num("=LCM(24,36)", 72);
	num("=LCM(0,5)", 0);
	error("=LCM(-1,2)", SHEET_ERR_NUM);
	num("=QUOTIENT(5,2)", 2);
	num("=QUOTIENT(-10,3)", -3);
	error("=QUOTIENT(1,0)", SHEET_ERR_DIV0);
	num("=LOG(100)", 2);
	num("=LOG(8,2)", 3);
	error("=LOG(-1)", SHEET_ERR_NUM);
	error("=LOG(10,1)", SHEET_ERR_DIV0);
	num("=ATAN2(1,1)", 0.7853981633974483);
	num("=ATAN2(-1,0)", M_PI);
	error("=ATAN2(0,0)", SHEET_ERR_DIV0);
	num("=ASIN(1)", 1.5707963267948966);
	error("=ASIN(2)", SHEET_ERR_NUM);
	num("=ACOS(-1)", M_PI);
	num("=ACOS(1)", 0);
	error("=ACOS(1.5)", SHEET_ERR_NUM);
	num("=ATAN(1)", 0.7853981633974483);
	error("=ATAN(\"x\")", SHEET_ERR_VALUE);
	for (int i = 0; i < 20; i++) {
		struct sheet_value v = calc("=RAND()");

		assert_int_equal(v.type, SHEET_NUM);
		assert_true(v.num >= 0 && v.num < 1);
		v = calc("=RANDBETWEEN(1,6)");
		assert_int_equal(v.type, SHEET_NUM);
		assert_true(v.num >= 1 && v.num <= 6 && v.num == floor(v.num));
	}
	num("=RANDBETWEEN(1,1)", 1);
	num("=RANDBETWEEN(1.5,2.5)", 2);
	error("=RANDBETWEEN(5,1)", SHEET_ERR_NUM);
}

static void test_statistics(void **state)
{
	num("=AVERAGEA(A1:A2,B1:B3)", 0.8); /* text 0, TRUE 1 */
	num("=AVERAGEA(1,TRUE)", 1);
	error("=AVERAGEA(B4)", SHEET_ERR_DIV0);
	error("=AVERAGEA(B1:B5)", SHEET_ERR_NA);
	num("=AVERAGEIFS(H1:H5,G1:G5,\"a\")", 30);
	num("=AVERAGEIFS(H1:H5,G1:G5,\"a\",H1:H5,\"<50\")", 20);
	error("=AVERAGEIFS(H1:H5,G1:G5,\"z\")", SHEET_ERR_DIV0);
	num("=COUNTIFS(G1:G5,\"a\")", 3);
	num("=COUNTIFS(G1:G5,\"a\",H1:H5,\">20\")", 2);
	num("=COUNTIFS(B1:B5,\"\")", 1);
	num("=COUNTIFS(A1:A10,\"\")", 5); /* rows past the used ones too */
	error("=COUNTIFS(G1:G5,\"a\",H1:H4,\">20\")", SHEET_ERR_VALUE);
	num("=MINIFS(H1:H5,G1:G5,\"a\")", 10);
	num("=MAXIFS(H1:H5,G1:G5,\"a\")", 50);
	num("=MAXIFS(H1:H5,G1:G5,\"z\")", 0);
	error("=MINIFS(H1:H5,G1:G3,\"a\")", SHEET_ERR_VALUE);
	num("=MEDIAN(1,2,3,4)", 2.5);
	num("=MEDIAN(F1:F8)", 4.5);
	num("=MEDIAN(A1:A5)", 3);
	error("=MEDIAN(B1:B3)", SHEET_ERR_NUM);
	error("=MEDIAN(A1:A5,B5)", SHEET_ERR_NA);
	num("=MODE(F1:F8)", 4);
	num("=MODE(1,3,3,2,2)", 3);
	error("=MODE(1,2,3)", SHEET_ERR_NA);
	num("=STDEV(2,4,4,4,5,5,7,9)", 2.138089935299395);
	num("=STDEV.S(F1:F8)", 2.138089935299395);
	num("=STDEV.P(F1:F8)", 2);
	num("=STDEV.P(5)", 0);
	error("=STDEV(1)", SHEET_ERR_DIV0);
	num("=VAR(F1:F8)", 4.571428571428571);
	num("=VAR.S(F1:F8)", 4.571428571428571);
	num("=VAR.P(F1:F8)", 4);
	error("=VAR.P(B1:B2)", SHEET_ERR_DIV0);
	error("=VAR(B5,1,2)", SHEET_ERR_NA);
	num("=LARGE(F1:F8,1)", 9);
	num("=LARGE(F1:F8,3)", 5);
	error("=LARGE(F1:F8,9)", SHEET_ERR_NUM);
	num("=SMALL(F1:F8,2)", 4);
	num("=SMALL(F1:F8,8)", 9);
	error("=SMALL(F1:F8,0)", SHEET_ERR_NUM);
	num("=RANK(4,F1:F8)", 5);
	num("=RANK(4,F1:F8,1)", 2);
	num("=RANK(9,F1:F8)", 1);
	error("=RANK(3,F1:F8)", SHEET_ERR_NA);
	num("=PERCENTILE(A1:A5,0.3)", 2.2);
	num("=PERCENTILE(F1:F8,0.5)", 4.5);
	num("=PERCENTILE(A1:A5,1)", 5);
	error("=PERCENTILE(A1:A5,1.5)", SHEET_ERR_NUM);
	num("=QUARTILE(A1:A5,1)", 2);
	num("=QUARTILE(F1:F8,1)", 4);
	num("=QUARTILE(F1:F8,3)", 5.5);
	num("=QUARTILE(A1:A5,0)", 1);
	error("=QUARTILE(A1:A5,5)", SHEET_ERR_NUM);
	num("=CORREL(A1:A5,I1:I5)", 1);
	num("=CORREL(A1:A5,J1:J5)", 0.8);
	error("=CORREL(A1:A5,H1:H4)", SHEET_ERR_NA);
	error("=CORREL(A1:A3,L1:L3)", SHEET_ERR_DIV0);
	num("=SLOPE(J1:J5,A1:A5)", 0.8);
	num("=SLOPE(I1:I5,A1:A5)", 2);
	error("=SLOPE(A1:A3,L1:L3)", SHEET_ERR_DIV0);
	error("=SLOPE(A1:A5,A1:A4)", SHEET_ERR_NA);
	num("=INTERCEPT(J1:J5,A1:A5)", 0.6);
	num("=INTERCEPT(I1:I5,A1:A5)", 0);
	error("=INTERCEPT(A1:A3,L1:L3)", SHEET_ERR_DIV0);
	num("=FORECAST(6,J1:J5,A1:A5)", 5.4);
	num("=FORECAST(0,I1:I5,A1:A5)", 0);
	error("=FORECAST(\"x\",J1:J5,A1:A5)", SHEET_ERR_VALUE);
	error("=FORECAST(1,A1:A5,B1:B5)", SHEET_ERR_NA);
}

static void test_logic_and_information(void **state)
{
	text("=IFS(A1>1,\"a\",A2>1,\"b\")", "b");
	num("=IFS(TRUE,5)", 5);
	error("=IFS(FALSE,1)", SHEET_ERR_NA);
	error("=IFS(\"x\",1)", SHEET_ERR_VALUE);
	text("=SWITCH(2,1,\"one\",2,\"two\",\"other\")", "two");
	text("=SWITCH(3,1,\"one\",2,\"two\",\"other\")", "other");
	error("=SWITCH(3,1,\"one\",2,\"two\")", SHEET_ERR_NA);
	error("=SWITCH(1/0,1,2)", SHEET_ERR_DIV0);
	num("=ERROR.TYPE(#NULL!)", 1);
	num("=ERROR.TYPE(1/0)", 2);
	num("=ERROR.TYPE(SQRT(-1))", 6);
	num("=ERROR.TYPE(B5)", 7);
	error("=ERROR.TYPE(1)", SHEET_ERR_NA);
	num("=N(5)", 5);
	num("=N(TRUE)", 1);
	num("=N(\"7\")", 0);
	num("=N(B4)", 0);
	error("=N(B5)", SHEET_ERR_NA);
	text("=T(\"abc\")", "abc");
	text("=T(1)", "");
	error("=T(B5)", SHEET_ERR_NA);
	num("=TYPE(1)", 1);
	num("=TYPE(\"a\")", 2);
	num("=TYPE(TRUE)", 4);
	num("=TYPE(1/0)", 16);
	num("=TYPE(A1:A3)", 64);
	num("=TYPE(B4)", 1);
}

static void test_text(void **state)
{
	num("=FIND(\"文\",\"中文字\")", 2);
	num("=FIND(\"字\",\"中文字\",2)", 3);
	num("=FIND(\"b\",\"abcb\",3)", 4);
	num("=FIND(\"\",\"abc\")", 1);
	error("=FIND(\"B\",\"abc\")", SHEET_ERR_VALUE);
	error("=FIND(\"a\",\"abc\",5)", SHEET_ERR_VALUE);
	num("=SEARCH(\"b?d\",\"abcde\")", 2);
	num("=SEARCH(\"B\",\"abc\")", 2);
	num("=SEARCH(\"c*e\",\"abcde\")", 3);
	num("=SEARCH(\"~*\",\"a*b\")", 2);
	num("=SEARCH(\"文\",\"中文字\")", 2);
	num("=SEARCH(\"?\",\"中文\",2)", 2);
	error("=SEARCH(\"z\",\"abc\")", SHEET_ERR_VALUE);
	text("=SUBSTITUTE(\"a-b-c\",\"-\",\"+\",2)", "a-b+c");
	text("=SUBSTITUTE(\"a-b-c\",\"-\",\"+\")", "a+b+c");
	text("=SUBSTITUTE(\"中文中\",\"中\",\"英\")", "英文英");
	text("=SUBSTITUTE(\"abc\",\"\",\"x\")", "abc");
	text("=SUBSTITUTE(\"abc\",\"b\",\"x\",3)", "abc");
	error("=SUBSTITUTE(\"abc\",\"b\",\"x\",0)", SHEET_ERR_VALUE);
	error("=SUBSTITUTE(REPT(\"a\",30000),\"a\",REPT(\"b\",30000))", SHEET_ERR_VALUE);
	text("=REPLACE(\"abcdef\",2,3,\"X\")", "aXef");
	text("=REPLACE(\"中文字\",2,1,\"国\")", "中国字");
	text("=REPLACE(\"abc\",5,1,\"Z\")", "abcZ");
	error("=REPLACE(\"abc\",0,1,\"Z\")", SHEET_ERR_VALUE);
	text("=PROPER(\"hello wORLD\")", "Hello World");
	text("=PROPER(\"2-way street\")", "2-Way Street");
	text("=PROPER(\"中文abc\")", "中文Abc");
	text("=PROPER(\"don't\")", "Don'T");
	error("=PROPER(B5)", SHEET_ERR_NA);
	text("=CLEAN(CHAR(9)&\"a\"&CHAR(10)&\"b\")", "ab");
	text("=CLEAN(\"中文\")", "中文");
	error("=CLEAN(1/0)", SHEET_ERR_DIV0);
	text("=TEXTJOIN(\",\",TRUE,A1:A3)", "1,2,3");
	text("=TEXTJOIN(\"-\",TRUE,\"a\",\"\",\"b\")", "a-b");
	text("=TEXTJOIN(\"-\",FALSE,\"a\",\"\",\"b\")", "a--b");
	text("=TEXTJOIN(\",\",FALSE,B3:B4)", "TRUE,");
	text("=TEXTJOIN(\"、\",TRUE,\"中\",\"文\")", "中、文");
	error("=TEXTJOIN(\",\",TRUE,B1:B5)", SHEET_ERR_NA);
	num("=VALUE(\"123\")", 123);
	num("=VALUE(\" 1.5e2 \")", 150);
	num("=VALUE(\"50%\")", 0.5);
	error("=VALUE(\"abc\")", SHEET_ERR_VALUE);
	error("=VALUE(TRUE)", SHEET_ERR_VALUE);
	text("=CHAR(65)", "A");
	text("=CHAR(128)", "€");
	text("=CHAR(233)", "é");
	error("=CHAR(0)", SHEET_ERR_VALUE);
	error("=CHAR(256)", SHEET_ERR_VALUE);
	num("=CODE(\"A\")", 65);
	num("=CODE(\"€\")", 128);
	num("=CODE(\"é\")", 233);
	num("=CODE(\"中\")", 63);
	error("=CODE(\"\")", SHEET_ERR_VALUE);
	text("=UNICHAR(20013)", "中");
	text("=UNICHAR(66)", "B");
	error("=UNICHAR(0)", SHEET_ERR_VALUE);
	num("=UNICODE(\"中文\")", 20013);
	num("=UNICODE(\"€\")", 8364);
	error("=UNICODE(\"\")", SHEET_ERR_VALUE);
	text("=FIXED(1234.567,1)", "1,234.6");
	text("=FIXED(1234.567,-1)", "1,230");
	text("=FIXED(-1234.567,-1,TRUE)", "-1230");
	text("=FIXED(1234567.5)", "1,234,567.50");
	text("=FIXED(0.5,0)", "1");
	text("=FIXED(999.995)", "1,000.00");
	error("=FIXED(\"x\")", SHEET_ERR_VALUE);
	num("=NUMBERVALUE(\"2.500,27\",\",\",\".\")", 2500.27);
	num("=NUMBERVALUE(\"3.5%\")", 0.035);
	num("=NUMBERVALUE(\"1,234.5\")", 1234.5);
	num("=NUMBERVALUE(\" 1 000 \")", 1000);
	num("=NUMBERVALUE(\"\")", 0);
	error("=NUMBERVALUE(\"1.2.3\")", SHEET_ERR_VALUE);
	error("=NUMBERVALUE(\"1.5,0\")", SHEET_ERR_VALUE);
}

static void test_dates(void **state)
{
	num("=DATE(2024,1,15)", 45306);
	num("=DATE(1900,1,1)", 1);
	num("=DATE(1900,2,28)", 59);
	num("=DATE(1900,2,29)", 60); /* the day Excel invented */
	num("=DATE(1900,3,1)", 61);
	num("=DATE(1900,1,0)", 0);
	num("=DATE(108,1,2)", 39449);
	num("=DATE(2024,14,1)", 45689);
	num("=DATE(2024,0,1)", 45261);
	num("=DATE(2024,2,30)", 45352);
	error("=DATE(-1,1,1)", SHEET_ERR_NUM);
	error("=DATE(10000,1,1)", SHEET_ERR_NUM);
	error("=DATE(\"x\",1,1)", SHEET_ERR_VALUE);
	num("=TIME(12,0,0)", 0.5);
	num("=TIME(0,90,0)", 0.0625);
	num("=TIME(25,0,0)", 0.041666666666666664);
	error("=TIME(-1,0,0)", SHEET_ERR_NUM);
	num("=YEAR(45306)", 2024);
	num("=MONTH(45306)", 1);
	num("=DAY(45306)", 15);
	num("=YEAR(0)", 1900);
	num("=MONTH(0)", 1);
	num("=DAY(0)", 0);
	num("=MONTH(60)", 2);
	num("=DAY(60)", 29);
	num("=DAY(59)", 28);
	num("=DAY(61)", 1);
	num("=YEAR(2958465)", 9999);
	error("=YEAR(-1)", SHEET_ERR_NUM);
	error("=MONTH(\"x\")", SHEET_ERR_VALUE);
	error("=DAY(2958466)", SHEET_ERR_NUM);
	num("=HOUR(0.75)", 18);
	num("=HOUR(45306.5)", 12);
	num("=MINUTE(TIME(1,2,3))", 2);
	num("=SECOND(TIME(1,2,3))", 3);
	num("=SECOND(0.5+59.6/86400)", 0); /* rounds to the next minute */
	num("=MINUTE(0.5+59.6/86400)", 1);
	error("=HOUR(-1)", SHEET_ERR_NUM);
	error("=MINUTE(\"x\")", SHEET_ERR_VALUE);
	num("=WEEKDAY(45306)", 2);
	num("=WEEKDAY(45306,2)", 1);
	num("=WEEKDAY(45306,3)", 0);
	num("=WEEKDAY(45311)", 7);
	num("=WEEKDAY(45311,2)", 6);
	num("=WEEKDAY(45306,11)", 1);
	num("=WEEKDAY(45306,17)", 2);
	num("=WEEKDAY(1)", 1);
	error("=WEEKDAY(45306,4)", SHEET_ERR_NUM);
	num("=EDATE(DATE(2024,1,31),1)", 45351);
	num("=EDATE(DATE(2024,3,31),-1)", 45351);
	num("=EDATE(45306,12)", 45672);
	error("=EDATE(-1,1)", SHEET_ERR_NUM);
	num("=EOMONTH(DATE(2024,1,15),1)", 45351);
	num("=EOMONTH(DATE(2024,1,15),0)", 45322);
	num("=EOMONTH(DATE(2024,1,15),-1)", 45291);
	error("=EOMONTH(45306,\"x\")", SHEET_ERR_VALUE);
	num("=DAYS(DATE(2024,3,1),DATE(2024,2,1))", 29);
	num("=DAYS(1,2)", -1);
	error("=DAYS(\"x\",1)", SHEET_ERR_VALUE);
	num("=DATEDIF(DATE(2020,1,31),DATE(2020,3,1),\"M\")", 1);
	num("=DATEDIF(DATE(2000,6,15),DATE(2024,6,14),\"Y\")", 23);
	num("=DATEDIF(DATE(2000,6,15),DATE(2024,6,15),\"y\")", 24);
	num("=DATEDIF(DATE(2024,1,1),DATE(2024,3,1),\"D\")", 60);
	num("=DATEDIF(DATE(2024,1,10),DATE(2024,3,15),\"MD\")", 5);
	num("=DATEDIF(DATE(2024,1,20),DATE(2024,3,15),\"MD\")", 24);
	num("=DATEDIF(DATE(2000,6,15),DATE(2024,3,1),\"YM\")", 8);
	num("=DATEDIF(DATE(2000,6,15),DATE(2024,3,1),\"YD\")", 260);
	num("=DATEDIF(45306,45306,\"D\")", 0);
	error("=DATEDIF(DATE(2024,1,2),DATE(2024,1,1),\"D\")", SHEET_ERR_NUM);
	error("=DATEDIF(1,2,\"X\")", SHEET_ERR_NUM);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_math),
	    cmocka_unit_test(test_statistics),
	    cmocka_unit_test(test_logic_and_information),
	    cmocka_unit_test(test_text),
	    cmocka_unit_test(test_dates),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
