/*
 * test_sheets_func_extra.c - the lookup, text, date and financial functions
 * of func_lookup.c, func_text.c, func_date.c and func_fin.c, the number
 * formats of numfmt.c, and volatile recalculation (NOW with an injected
 * clock, INDIRECT and OFFSET following their targets).
 *
 * Expected values are Excel's documentation examples or worked out by
 * hand (noted where so). The sheet: A1:A5 = 1..5; B1:B5 = "a".."e";
 * C1:E1 = 10, 20, 30; C2:E2 = "x", "y", "z"; G1:G5 = 10, 20, 30, 40, 50
 * (sorted); H1:H6 = -70000, 12000, 15000, 18000, 21000, 26000 (IRR's
 * example); J1:J5 cash flows and K1:K5 their dates (XNPV's example);
 * a second sheet "Data" with Data!A1 = 99.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <cmocka.h>

#include "modules/sheets/engine.h"
#include "modules/sheets/numfmt.h"
#include "tests/unit/sheets_check.h"

static double clock_now = 45306.75; /* 2024-01-15 18:00 */

static double test_clock(void *arg)
{
	return *(double *)arg;
}

static int setup(void **state)
{
	struct err e;
	const double h[] = {-70000, 12000, 15000, 18000, 21000, 26000};
	const double j[] = {-10000, 2750, 4250, 3250, 2750};
	const double k[] = {39448, 39508, 39751, 39859, 39904}; /* 2008-01-01 ... 2009-04-01 */
	const char *b[] = {"a", "b", "c", "d", "e"};

	wb = sheet_book_new();
	sheet_add(wb, "Sheet1", &e);
	sheet_add(wb, "Data", &e);
	sheet_set_clock(wb, test_clock, &clock_now);
	for (uint32_t r = 0; r < 5; r++) {
		sheet_set_number(wb, 0, r, 0, r + 1);
		sheet_set_text(wb, 0, r, 1, b[r]);
		sheet_set_number(wb, 0, r, 6, (r + 1) * 10.0);
		sheet_set_number(wb, 0, r, 9, j[r]);
		sheet_set_number(wb, 0, r, 10, k[r]);
	}
	for (uint32_t r = 0; r < 6; r++)
		sheet_set_number(wb, 0, r, 7, h[r]);
	for (uint32_t c = 0; c < 3; c++) {
		const char *t[] = {"x", "y", "z"};

		sheet_set_number(wb, 0, 0, 2 + c, (c + 1) * 10.0);
		sheet_set_text(wb, 0, 1, 2 + c, t[c]);
	}
	sheet_set_number(wb, 1, 0, 0, 99);
	return 0;
}

/* A number to within tol (Excel's examples give a few decimals). */
static void near(const char *src, double want, double tol)
{
	struct sheet_value v = calc(src);

	if (v.type != SHEET_NUM)
		fail_msg("%s: type %d %s, want %g", src, v.type,
			 v.type == SHEET_ERROR ? sheet_err_text(v.err) : "", want);
	if (fabs(v.num - want) > tol)
		fail_msg("%s: %.12g, want %.12g", src, v.num, want);
}

static void fmt(const char *code, double v, const char *want)
{
	char *s = numfmt_apply(code, v);

	if (s == NULL || strcmp(s, want) != 0)
		fail_msg("format %s of %.17g: '%s', want '%s'", code, v, s ? s : "(null)", want);
	free(s);
}

static void test_numfmt(void **state)
{
	struct numfmt *f;
	struct err e;
	char buf[64];
	int color;

	fmt("0.00", 1.005, "1.01"); /* decimal rounding, as Excel */
	fmt("0.00", -1234.567, "-1234.57");
	fmt("#,##0", 1234567.891, "1,234,568");
	fmt("#,##0.00", 0, "0.00");
	fmt("#,###", 0, "");
	fmt("#,##0,,", 123456789, "123");
	fmt("0.0,\"K\"", 12345, "12.3K");
	fmt("0%", 0.256, "26%");
	fmt("0.0%", 0.5, "50.0%");
	fmt("0.00E+00", 12345, "1.23E+04");
	fmt("0.00E+00", 0.000123, "1.23E-04");
	fmt("##0.0E+0", 12345, "12.3E+3");
	fmt("# ?/?", 1.25, "1 1/4");
	fmt("?/?", 0.333, "1/3");
	fmt("# ?/8", 2.5, "2 4/8");
	fmt("000-0000", 5551234, "555-1234");
	fmt("0.#", 1, "1.");
	fmt("#.##", 0.5, ".5");
	fmt("yyyy-mm-dd", 45306, "2024-01-15");
	fmt("mmm d, yyyy", 45306, "Jan 15, 2024");
	fmt("dddd d mmmm", 45306, "Monday 15 January");
	fmt("hh:mm:ss", 0.5, "12:00:00");
	fmt("h:mm AM/PM", 0.75, "6:00 PM");
	fmt("[h]:mm:ss", 1.5, "36:00:00");
	fmt("mm:ss.00", 0.00001, "00:00.86");
	fmt("m/d/yyyy h:mm", 45306.999999, "1/16/2024 0:00"); /* rounds to the minute */
	fmt("yyyy-mm-dd", 60, "1900-02-29");		   /* Excel's phantom day */
	fmt("[$\xc2\xa5-804]#,##0.00", 1234.5, "\xc2\xa5" "1,234.50");
	fmt("$#,##0.00;($#,##0.00)", -1234.567, "($1,234.57)");
	fmt("$#,##0", -5, "-$5");
	fmt("0.00;[Red]-0.00;\"zero\"", 0, "zero");
	fmt("[<100]\"small\";\"big\"", 50, "small");
	fmt("[<100]\"small\";\"big\"", 500, "big");
	fmt("General", 0.1, "0.1");
	fmt("@", 12.5, "12.5");
	assert_null(numfmt_apply("yyyy", -1)); /* dates cannot be negative */
	assert_int_equal(numfmt_compile("0;0;0;@;0", &f, &e), E_PARSE);
	assert_int_equal(numfmt_compile("\"open", &f, &e), E_PARSE);
	assert_int_equal(numfmt_compile("0.00;[Red]-0.00", &f, &e), 0);
	assert_int_equal(numfmt_kind(f), NUMFMT_NUMBER);
	assert_int_equal(numfmt_format(f, -2, buf, sizeof(buf), &color), 5);
	assert_string_equal(buf, "-2.00");
	assert_int_equal(color, NUMFMT_COLOR_RED);
	numfmt_free(f);
	assert_int_equal(numfmt_compile("\"<\"@\">\"", &f, &e), 0);
	numfmt_format_text(f, "hi", buf, sizeof(buf), NULL);
	assert_string_equal(buf, "<hi>");
	assert_int_equal(numfmt_kind(f), NUMFMT_TEXT);
	numfmt_free(f);
	assert_int_equal(numfmt_compile(numfmt_builtin(22), &f, &e), 0);
	assert_int_equal(numfmt_kind(f), NUMFMT_DATETIME);
	numfmt_free(f);
	assert_null(numfmt_builtin(23));
}

static void test_text(void **state)
{
	text("=TEXT(1234.567,\"#,##0.00\")", "1,234.57");
	text("=TEXT(0.285,\"0.0%\")", "28.5%");
	text("=TEXT(45306,\"dddd\")", "Monday");
	text("=TEXT(\"2024-01-15\",\"d mmm yyyy\")", "15 Jan 2024"); /* date text is read */
	text("=TEXT(\"12.5\",\"0.00\")", "12.50");
	text("=TEXT(\"abc\",\"0.00\")", "abc");
	text("=TEXT(\"abc\",\"0;0;0;\"\"[\"\"@\"\"]\"\"\")", "[abc]");
	text("=TEXT(TRUE,\"0\")", "TRUE");
	text("=TEXT(A3,0)", "3");
	text("=TEXT(Z1,\"0.0\")", "0.0");
	error("=TEXT(-1,\"yyyy\")", SHEET_ERR_VALUE);
	error("=TEXT(1,\"\"\"open\")", SHEET_ERR_VALUE);
	error("=TEXT(1/0,\"0\")", SHEET_ERR_DIV0);
	text("=DOLLAR(1234.567)", "$1,234.57");
	text("=DOLLAR(1234.567,-2)", "$1,200");
	text("=DOLLAR(-1234.567,4)", "($1,234.5670)");
	text("=DOLLAR(-0.123,4)", "($0.1230)");
	text("=DOLLAR(99.888)", "$99.89");
	text("=DOLLAR(\"5\",0)", "$5");
	error("=DOLLAR(\"x\")", SHEET_ERR_VALUE);
}

static void test_dates(void **state)
{
	num("=TODAY()", 45306);
	num("=NOW()", 45306.75);
	num("=WEEKNUM(DATE(2012,3,9))", 10);
	num("=WEEKNUM(DATE(2012,3,9),2)", 11);
	num("=WEEKNUM(DATE(2024,1,1),1)", 1);
	num("=WEEKNUM(DATE(2024,12,31),21)", 1); /* ISO: the week of 2025-01-02 */
	error("=WEEKNUM(1,3)", SHEET_ERR_NUM);
	num("=ISOWEEKNUM(DATE(2012,3,9))", 10);
	num("=ISOWEEKNUM(DATE(2021,1,1))", 53);
	num("=ISOWEEKNUM(DATE(2024,12,30))", 1);
	num("=DAYS360(DATE(2011,1,1),DATE(2011,12,31))", 360);
	num("=DAYS360(DATE(2011,1,30),DATE(2011,12,31))", 330);
	num("=DAYS360(DATE(2011,2,28),DATE(2011,3,31))", 30); /* Feb's end is the 30th */
	num("=DAYS360(DATE(2011,1,31),DATE(2011,3,31),TRUE)", 60);
	num("=DAYS360(DATE(2011,3,31),DATE(2011,1,1))", -89);
	num("=NETWORKDAYS(DATE(2012,10,1),DATE(2013,3,1))", 110);
	num("=NETWORKDAYS(DATE(2012,10,1),DATE(2013,3,1),DATE(2012,11,22))", 109);
	num("=NETWORKDAYS(DATE(2013,3,1),DATE(2012,10,1))", -110);
	num("=NETWORKDAYS(DATE(2024,1,13),DATE(2024,1,14))", 0); /* a weekend */
	num("=WORKDAY(DATE(2008,10,1),151)", 39933);
	num("=WORKDAY(DATE(2024,1,15),-1)", 45303); /* Monday back to Friday */
	num("=WORKDAY(DATE(2024,1,12),1,DATE(2024,1,15))", 45307);
	error("=WORKDAY(DATE(2024,1,12),1,\"x\")", SHEET_ERR_VALUE);
	num("=DATEVALUE(\"8/22/2011\")", 40777);
	num("=DATEVALUE(\"22-MAY-2011\")", 40685);
	num("=DATEVALUE(\"2011/02/23\")", 40597);
	num("=DATEVALUE(\"Jan 15, 2024\")", 45306);
	num("=DATEVALUE(\"5-JUL\")", 45478); /* the clock's year, 2024 */
	num("=DATEVALUE(\"2024-01-15 10:30\")", 45306);
	error("=DATEVALUE(\"2023-02-29\")", SHEET_ERR_VALUE);
	error("=DATEVALUE(45306)", SHEET_ERR_VALUE);
	error("=DATEVALUE(\"soon\")", SHEET_ERR_VALUE);
	near("=TIMEVALUE(\"2:24 AM\")", 0.1, 1e-12);
	near("=TIMEVALUE(\"22-Aug-2011 6:35 AM\")", 0.2743055556, 1e-9);
	near("=TIMEVALUE(\"18:00:30\")", (18 * 3600 + 30) / 86400.0, 1e-12);
	error("=TIMEVALUE(\"10:75\")", SHEET_ERR_VALUE);
	near("=YEARFRAC(DATE(2012,1,1),DATE(2012,7,30))", 0.580555556, 1e-9);
	near("=YEARFRAC(DATE(2012,1,1),DATE(2012,7,30),1)", 0.576502732, 1e-9);
	near("=YEARFRAC(DATE(2012,1,1),DATE(2012,7,30),3)", 0.578082192, 1e-9);
	near("=YEARFRAC(DATE(2012,7,30),DATE(2012,1,1),2)", 211 / 360.0, 1e-12);
	/* by hand: 2011..2013 average 365.33 days a year */
	near("=YEARFRAC(DATE(2011,6,1),DATE(2013,6,1),1)", 731 / (1096 / 3.0), 1e-12);
	num("=YEARFRAC(DATE(2011,1,31),DATE(2011,2,28),0)", 28 / 360.0); /* the 31st is the 30th */
	error("=YEARFRAC(1,2,5)", SHEET_ERR_NUM);
}

static void test_fin(void **state)
{
	near("=PMT(0.08/12,10,10000)", -1037.03, 0.005);
	near("=PMT(0.08/12,10,10000,0,1)", -1030.16, 0.005);
	near("=PMT(0.06/12,18*12,0,50000)", -129.08, 0.005);
	num("=PMT(0,4,100)", -25);
	error("=PMT(0.1,0,100)", SHEET_ERR_NUM);
	near("=FV(0.06/12,10,-200,-500,1)", 2581.40, 0.005);
	near("=FV(0.12/12,12,-1000)", 12682.50, 0.005);
	near("=PV(0.08/12,12*20,500)", -59777.15, 0.005);
	near("=NPER(0.12/12,-100,-1000,10000,1)", 59.6738657, 1e-6);
	near("=NPER(0.12/12,-100,-1000,10000)", 60.0821229, 1e-6);
	near("=NPER(0.12/12,-100,-1000)", -9.57859404, 1e-6);
	error("=NPER(0.1,0,100)", SHEET_ERR_NUM);
	near("=IPMT(0.1/12,1,3*12,8000)", -66.67, 0.005);
	near("=IPMT(0.1,3,3,8000)", -292.45, 0.005);
	error("=IPMT(0.1,4,3,8000)", SHEET_ERR_NUM);
	near("=PPMT(0.1/12,1,24,2000)", -75.62, 0.005);
	near("=PPMT(0.08,10,10,200000)", -27598.05, 0.005);
	/* interest plus principal is the payment */
	near("=IPMT(0.05,3,10,1000,0,1)+PPMT(0.05,3,10,1000,0,1)-PMT(0.05,10,1000,0,1)", 0, 1e-9);
	near("=RATE(4*12,-200,8000)", 0.00770147, 1e-8);
	near("=RATE(10,-100,1000,0,0,0.5)", 0, 1e-9); /* no interest at all */
	error("=RATE(10,100,1000)", SHEET_ERR_NUM);	 /* money only received */
	near("=NPV(0.1,-10000,3000,4200,6800)", 1188.44, 0.005);
	near("=NPV(0.08,8000,9200,10000,12000,14500)-40000", 1922.06, 0.005);
	error("=NPV(-1,1,2)", SHEET_ERR_DIV0);
	near("=IRR(H1:H5)", -0.021244848, 1e-8);
	near("=IRR(H1:H6)", 0.086630948, 1e-8);
	near("=IRR(H1:H3,-0.1)", -0.443506941, 1e-8);
	error("=IRR(A1:A5)", SHEET_ERR_NUM);
	near("=XNPV(0.09,J1:J5,K1:K5)", 2086.65, 0.005);
	near("=XIRR(J1:J5,K1:K5)", 0.373362535, 1e-8);
	error("=XNPV(0.09,J1:J5,K1:K4)", SHEET_ERR_NUM);
	error("=XIRR(A1:A5,K1:K5)", SHEET_ERR_NUM);
	error("=XNPV(0.09,J1:J5,B1:B5)", SHEET_ERR_VALUE);
	num("=SLN(30000,7500,10)", 2250);
	error("=SLN(1,1,0)", SHEET_ERR_DIV0);
	near("=DB(1000000,100000,6,1,7)", 186083.33, 0.005);
	near("=DB(1000000,100000,6,2,7)", 259639.42, 0.005);
	near("=DB(1000000,100000,6,7,7)", 15845.10, 0.005);
	error("=DB(1000000,100000,6,8,7)", SHEET_ERR_NUM);
	near("=DDB(2400,300,10*365,1)", 1.32, 0.005);
	near("=DDB(2400,300,10,1,2)", 480, 1e-9);
	near("=DDB(2400,300,10,2,1.5)", 306, 1e-9);
	near("=DDB(2400,300,10,10)", 22.12, 0.005);
	error("=DDB(2400,300,10,11)", SHEET_ERR_NUM);
}

static void test_lookup(void **state)
{
	num("=HLOOKUP(20,C1:E2,1)", 20);
	text("=HLOOKUP(20,C1:E2,2,FALSE)", "y");
	text("=HLOOKUP(25,C1:E2,2)", "y");
	error("=HLOOKUP(5,C1:E2,2)", SHEET_ERR_NA);
	error("=HLOOKUP(20,C1:E2,3)", SHEET_ERR_REF);
	error("=HLOOKUP(20,C1:E2,0)", SHEET_ERR_VALUE);
	text("=LOOKUP(3,A1:A5,B1:B5)", "c");
	text("=LOOKUP(3.7,A1:A5,B1:B5)", "c");
	error("=LOOKUP(0,A1:A5,B1:B5)", SHEET_ERR_NA);
	text("=LOOKUP(30,C1:E2)", "z"); /* array form: first row, last row */
	num("=LOOKUP(4,A1:A5)", 4);
	text("=XLOOKUP(\"c\",B1:B5,B1:B5)", "c");
	num("=XLOOKUP(\"C\",B1:B5,A1:A5)", 3);
	num("=XLOOKUP(\"q\",B1:B5,A1:A5,-1)", -1);
	error("=XLOOKUP(\"q\",B1:B5,A1:A5)", SHEET_ERR_NA);
	num("=XLOOKUP(25,G1:G5,A1:A5,,-1)", 2);
	num("=XLOOKUP(25,G1:G5,A1:A5,,1)", 3);
	num("=XLOOKUP(\"?\",B1:B5,A1:A5,,2)", 1);
	num("=XLOOKUP(\"?\",B1:B5,A1:A5,,2,-1)", 5);
	num("=XLOOKUP(40,G1:G5,A1:A5,,0,2)", 4);
	num("=XLOOKUP(45,G1:G5,A1:A5,,-1,2)", 4);
	text("=XLOOKUP(30,C1:E1,C2:E2)", "z");
	num("=SUM(XLOOKUP(2,A1:A5,G1:H5))", 12020); /* a whole row: G2:H2 */
	error("=XLOOKUP(1,A1:A5,A1:A4)", SHEET_ERR_VALUE);
	num("=SUM(OFFSET(A1,1,0,3))", 9);
	num("=OFFSET(A1,2,0)", 3);
	num("=OFFSET(C1,0,1)", 20);
	num("=SUM(OFFSET(A5,0,0,-2))", 9); /* upward: A4:A5 */
	num("=ROWS(OFFSET(A1,0,0,4,2))", 4);
	error("=OFFSET(A1,-1,0)", SHEET_ERR_REF);
	error("=OFFSET(A1,0,0,0)", SHEET_ERR_REF);
	error("=OFFSET(5,0,0)", SHEET_ERR_VALUE);
	num("=INDIRECT(\"A2\")", 2);
	num("=SUM(INDIRECT(\"A1:A\"&A3))", 6);
	num("=INDIRECT(\"Data!A1\")", 99);
	num("=INDIRECT(\"'Data'!A1\")", 99);
	num("=INDIRECT(\"R3C1\",FALSE)", 3);
	num("=INDIRECT(\"Data!R1C1\",FALSE)", 99);
	num("=SUM(INDIRECT(\"R1C1:R5C1\",FALSE))", 15);
	num("=INDIRECT(\"R[-96]C[-25]\",FALSE)", 4); /* from Z100: A4 */
	num("=SUM(INDIRECT(\"C1\",FALSE))", 15);     /* R1C1 C1 is column A */
	error("=INDIRECT(\"Nope!A1\")", SHEET_ERR_REF);
	error("=INDIRECT(\"A1:\")", SHEET_ERR_REF);
	error("=INDIRECT(\"R0C1\",FALSE)", SHEET_ERR_REF);
	text("=ADDRESS(2,3)", "$C$2");
	text("=ADDRESS(2,3,2)", "C$2");
	text("=ADDRESS(2,3,3)", "$C2");
	text("=ADDRESS(2,3,4)", "C2");
	text("=ADDRESS(2,3,2,FALSE)", "R2C[3]");
	text("=ADDRESS(2,3,1,FALSE,\"[Book1]Sheet1\")", "'[Book1]Sheet1'!R2C3");
	text("=ADDRESS(2,3,1,TRUE,\"EXCEL SHEET\")", "'EXCEL SHEET'!$C$2");
	text("=ADDRESS(1,28,4,TRUE,\"Data\")", "Data!AB1");
	error("=ADDRESS(0,1)", SHEET_ERR_VALUE);
	error("=ADDRESS(1,1,5)", SHEET_ERR_VALUE);
}

static void test_transpose(void **state)
{
	num("=TRANSPOSE(C1:E1)", 10); /* one cell shows the first element */
	num("=ROWS(TRANSPOSE(C1:E1))", 3);
	num("=COLUMNS(TRANSPOSE(A1:A5))", 5);
	num("=INDEX(TRANSPOSE(C1:E1),2,1)", 20);
	num("=INDEX(TRANSPOSE(A1:A5),1,4)", 4);
	error("=INDEX(TRANSPOSE(A1:A5),2,1)", SHEET_ERR_REF);
	num("=SUM(TRANSPOSE(A1:A5))", 15);
	/* 1*10 + 2*20 + 3*30 */
	num("=SUMPRODUCT(TRANSPOSE(A1:A3),C1:E1)", 140);
	error("=SUMPRODUCT(A1:A3,C1:E1)", SHEET_ERR_VALUE);
	num("=TRANSPOSE(7)", 7);
}

/* ---- volatile recalculation ------------------------------------------------ */

static void value_at(uint32_t row, uint32_t col, double want)
{
	struct sheet_value v;

	sheet_get(wb, 0, row, col, &v);
	if (v.type != SHEET_NUM || v.num != want)
		fail_msg("cell %u,%u: type %d %g, want %g", row, col, v.type, v.num, want);
}

static void test_volatile(void **state)
{
	struct err e;
	uint64_t n;

	/* M1 = 2 picks A2 through INDIRECT; N1 reads M2 */
	sheet_set_number(wb, 0, 0, 12, 2);
	assert_int_equal(sheet_set_formula(wb, 0, 1, 12, "=INDIRECT(\"A\"&M1)*10", &e), 0);
	assert_int_equal(sheet_set_formula(wb, 0, 0, 13, "=M2+1", &e), 0);
	value_at(1, 12, 20);
	value_at(0, 13, 21);
	sheet_set_number(wb, 0, 0, 12, 4); /* the address changes */
	value_at(1, 12, 40);
	value_at(0, 13, 41);
	sheet_set_number(wb, 0, 3, 0, 7); /* the target changes */
	value_at(1, 12, 70);
	value_at(0, 13, 71);
	sheet_set_number(wb, 0, 3, 0, 4);

	/* the target is a formula changed by the same edit: order matters */
	sheet_set_number(wb, 0, 5, 12, 1);					  /* M6 */
	assert_int_equal(sheet_set_formula(wb, 0, 6, 12, "=M6*100", &e), 0); /* M7 */
	assert_int_equal(sheet_set_formula(wb, 0, 7, 12, "=OFFSET(M1,6,0)+M6", &e), 0);
	value_at(7, 12, 101);
	sheet_set_number(wb, 0, 5, 12, 2);
	value_at(6, 12, 200);
	value_at(7, 12, 202);

	/* NOW moves with the clock on any recalculation */
	assert_int_equal(sheet_set_formula(wb, 0, 8, 12, "=NOW()", &e), 0);
	assert_int_equal(sheet_set_formula(wb, 0, 9, 12, "=M9*2", &e), 0);
	value_at(8, 12, 45306.75);
	clock_now = 45307.25;
	sheet_set_number(wb, 0, 20, 20, 1); /* an unrelated cell */
	value_at(8, 12, 45307.25);
	value_at(9, 12, 90614.5);
	clock_now = 45308;
	sheet_recalc_all(wb);
	value_at(8, 12, 45308);
	clock_now = 45306.75;

	/* volatile formulas are few: an unrelated change evaluates just them
	 * and what reads them (M2, N1, M8, M9, M10) */
	n = sheet_eval_count(wb);
	sheet_set_number(wb, 0, 21, 20, 1);
	assert_true(sheet_eval_count(wb) - n <= 8);

	/* a cycle through INDIRECT is reported, not a hang */
	assert_int_equal(sheet_set_formula(wb, 0, 10, 12, "=INDIRECT(\"M11\")+1", &e), 0);
	error("=M11", SHEET_ERR_CIRC);
	assert_int_equal(sheet_set_formula(wb, 0, 10, 12, "=1", &e), 0);
	num("=M11", 1);

	/* a replaced volatile formula stops being recalculated */
	sheet_clear(wb, 0, 8, 12);
	value_at(9, 12, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_numfmt),   cmocka_unit_test(test_text),
	    cmocka_unit_test(test_dates),    cmocka_unit_test(test_fin),
	    cmocka_unit_test(test_lookup),   cmocka_unit_test(test_transpose),
	    cmocka_unit_test(test_volatile),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
