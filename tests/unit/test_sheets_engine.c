/*
 * test_sheets_engine.c - modules/sheets/ engine: cell storage, A1 notation,
 * the formula compiler (precedence, errors with positions, depth bound)
 * and the evaluator's coercions and error propagation.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "modules/sheets/engine.h"

static struct sheet_book *book(void)
{
	struct sheet_book *wb = sheet_book_new();
	struct err e;

	assert_int_equal(sheet_add(wb, "Sheet1", &e), 0);
	assert_int_equal(sheet_add(wb, "Sheet2", &e), 1);
	assert_int_equal(sheet_add(wb, "My sheet", &e), 2);
	return wb;
}

/* Evaluate src in Z100 of Sheet1. */
static struct sheet_value calc(struct sheet_book *wb, const char *src)
{
	struct err e;
	struct sheet_value v;
	int rc = sheet_set_formula(wb, 0, 99, 25, src, &e);

	if (rc != 0)
		fail_msg("%s: %s", src, e.msg);
	sheet_get(wb, 0, 99, 25, &v);
	return v;
}

static void expect_num(struct sheet_book *wb, const char *src, double want)
{
	struct sheet_value v = calc(wb, src);

	if (v.type != SHEET_NUM)
		fail_msg("%s: type %d err %s, want %g", src, v.type, sheet_err_text(v.err), want);
	if (!(v.num == want || (v.num - want < 1e-9 && want - v.num < 1e-9)))
		fail_msg("%s: %.17g, want %.17g", src, v.num, want);
}

static void expect_text(struct sheet_book *wb, const char *src, const char *want)
{
	struct sheet_value v = calc(wb, src);

	if (v.type != SHEET_TEXT)
		fail_msg("%s: type %d, want text '%s'", src, v.type, want);
	assert_string_equal(v.str, want);
}

static void expect_bool(struct sheet_book *wb, const char *src, int want)
{
	struct sheet_value v = calc(wb, src);

	if (v.type != SHEET_BOOL)
		fail_msg("%s: type %d, want bool", src, v.type);
	assert_int_equal((int)v.num, want);
}

static void expect_err(struct sheet_book *wb, const char *src, enum sheet_err want)
{
	struct sheet_value v = calc(wb, src);

	if (v.type != SHEET_ERROR || v.err != want)
		fail_msg("%s: type %d %s, want %s", src, v.type,
			 v.type == SHEET_ERROR ? sheet_err_text(v.err) : "", sheet_err_text(want));
}

static void expect_parse_error(struct sheet_book *wb, const char *src, const char *msg)
{
	struct err e;

	err_clear(&e);
	assert_int_equal(sheet_set_formula(wb, 0, 0, 0, src, &e), E_PARSE);
	if (strstr(e.msg, msg) == NULL)
		fail_msg("%s: '%s' lacks '%s'", src, e.msg, msg);
}

static void test_storage_holds_each_value_type(void **state)
{
	struct sheet_book *wb = book();
	struct sheet_value v;

	sheet_set_number(wb, 0, 0, 0, 42.5);
	sheet_set_text(wb, 0, 1, 0, "héllo 中文");
	sheet_set_bool(wb, 0, 2, 0, 1);
	sheet_set_error(wb, 0, 3, 0, SHEET_ERR_NA);
	sheet_set_number(wb, 0, 1048575, 16383, 7);
	sheet_get(wb, 0, 0, 0, &v);
	assert_int_equal(v.type, SHEET_NUM);
	assert_true(v.num == 42.5);
	sheet_get(wb, 0, 1, 0, &v);
	assert_string_equal(v.str, "héllo 中文");
	sheet_get(wb, 0, 2, 0, &v);
	assert_int_equal(v.type, SHEET_BOOL);
	sheet_get(wb, 0, 3, 0, &v);
	assert_int_equal(v.err, SHEET_ERR_NA);
	sheet_get(wb, 0, 1048575, 16383, &v);
	assert_true(v.num == 7);
	sheet_get(wb, 0, 500, 3, &v);
	assert_int_equal(v.type, SHEET_EMPTY);
	assert_int_equal(sheet_set_number(wb, 0, 1048576, 0, 1), E_RANGE);
	sheet_set_text(wb, 0, 1, 0, "replaced");
	sheet_clear(wb, 0, 0, 0);
	sheet_get(wb, 0, 0, 0, &v);
	assert_int_equal(v.type, SHEET_EMPTY);
	sheet_book_free(wb);
}

static void test_input_is_typed_like_excel(void **state)
{
	struct sheet_book *wb = book();
	struct sheet_value v;
	struct err e;

	sheet_set_input(wb, 0, 0, 0, "12.5", &e);
	sheet_set_input(wb, 0, 1, 0, "true", &e);
	sheet_set_input(wb, 0, 2, 0, "#DIV/0!", &e);
	sheet_set_input(wb, 0, 3, 0, "abc", &e);
	sheet_set_input(wb, 0, 4, 0, "=A1*2", &e);
	sheet_get(wb, 0, 0, 0, &v);
	assert_int_equal(v.type, SHEET_NUM);
	sheet_get(wb, 0, 1, 0, &v);
	assert_int_equal(v.type, SHEET_BOOL);
	sheet_get(wb, 0, 2, 0, &v);
	assert_int_equal(v.err, SHEET_ERR_DIV0);
	sheet_get(wb, 0, 3, 0, &v);
	assert_int_equal(v.type, SHEET_TEXT);
	sheet_get(wb, 0, 4, 0, &v);
	assert_true(v.num == 25);
	sheet_book_free(wb);
}

static void check_ref(struct sheet_book *wb, const char *s, int sheet, uint32_t r1, uint32_t c1,
		      uint32_t r2, uint32_t c2, const char *back)
{
	struct sheet_ref r;
	size_t used;
	char buf[64];

	if (sheet_ref_parse(wb, 0, s, strlen(s), &r, &used) != 0)
		fail_msg("%s: not parsed", s);
	assert_int_equal(used, strlen(s));
	assert_int_equal(r.sheet, sheet);
	assert_int_equal(r.r1, r1);
	assert_int_equal(r.c1, c1);
	assert_int_equal(r.r2, r2);
	assert_int_equal(r.c2, c2);
	sheet_ref_format(wb, &r, buf, sizeof(buf));
	assert_string_equal(buf, back);
}

static void test_a1_references_parse_and_format_back(void **state)
{
	struct sheet_book *wb = book();
	struct sheet_ref r;
	size_t used;
	char buf[16];

	check_ref(wb, "B12", 0, 11, 1, 11, 1, "B12");
	check_ref(wb, "$A$1", 0, 0, 0, 0, 0, "$A$1");
	check_ref(wb, "AA10", 0, 9, 26, 9, 26, "AA10");
	check_ref(wb, "a$5", 0, 4, 0, 4, 0, "A$5");
	check_ref(wb, "XFD1048576", 0, 1048575, 16383, 1048575, 16383, "XFD1048576");
	check_ref(wb, "Sheet2!A1", 1, 0, 0, 0, 0, "Sheet2!A1");
	check_ref(wb, "'My sheet'!A1", 2, 0, 0, 0, 0, "'My sheet'!A1");
	check_ref(wb, "A1:B10", 0, 0, 0, 9, 1, "A1:B10");
	check_ref(wb, "B10:A1", 0, 0, 0, 9, 1, "A1:B10");
	check_ref(wb, "A:A", 0, 0, 0, 1048575, 0, "A:A");
	check_ref(wb, "$B:$C", 0, 0, 1, 1048575, 2, "$B:$C");
	check_ref(wb, "3:3", 0, 2, 0, 2, 16383, "3:3");
	check_ref(wb, "sheet2!$A$1:$B$2", 1, 0, 0, 1, 1, "Sheet2!$A$1:$B$2");
	assert_int_equal(sheet_ref_parse(wb, 0, "XFE1", 4, &r, &used), E_PARSE);
	assert_int_equal(sheet_ref_parse(wb, 0, "A0", 2, &r, &used), E_PARSE);
	assert_int_equal(sheet_ref_parse(wb, 0, "A1048577", 8, &r, &used), E_PARSE);
	assert_int_equal(sheet_ref_parse(wb, 0, "Nope!A1", 7, &r, &used), E_NOTFOUND);
	sheet_col_name(701, buf, sizeof(buf));
	assert_string_equal(buf, "ZZ");
	sheet_col_name(702, buf, sizeof(buf));
	assert_string_equal(buf, "AAA");
	sheet_book_free(wb);
}

static void test_precedence_follows_excel(void **state)
{
	struct sheet_book *wb = book();

	expect_num(wb, "=-2^2", 4);
	expect_num(wb, "=2^3^2", 64);
	expect_num(wb, "=1+2*3", 7);
	expect_text(wb, "=\"a\"&1+1", "a2");
	expect_num(wb, "=10%", 0.1);
	expect_num(wb, "=50%%", 0.005);
	expect_num(wb, "=-10%", -0.1);
	expect_num(wb, "=(1+2)*3", 9);
	expect_num(wb, "=2*-3", -6);
	expect_num(wb, "=--3", 3);
	expect_num(wb, "=+3", 3);
	expect_num(wb, "=1e3+.5", 1000.5);
	expect_num(wb, "=2E-1", 0.2);
	expect_num(wb, "=10-4-3", 3);
	expect_num(wb, "=12/4/3", 1);
	expect_bool(wb, "=1+1=2", 1);
	expect_bool(wb, "=\"a\"&\"b\"=\"AB\"", 1);
	expect_bool(wb, "=1<2", 1);
	expect_bool(wb, "=2<=1", 0);
	expect_bool(wb, "=1<>1", 0);
	expect_bool(wb, "=3>=3", 1);
	expect_text(wb, "=\"say \"\"hi\"\"\"", "say \"hi\"");
	expect_bool(wb, "=TRUE", 1);
	expect_err(wb, "=#N/A", SHEET_ERR_NA);
	expect_num(wb, "= 1 +\t2 ", 3);
	sheet_book_free(wb);
}

static void test_parse_errors_report_the_position(void **state)
{
	struct sheet_book *wb = book();

	expect_parse_error(wb, "=1+2)", "unexpected ')' at 4");
	expect_parse_error(wb, "=SUM(1,2", "unexpected end of formula at 8");
	expect_parse_error(wb, "=1+", "unexpected end of formula at 3");
	expect_parse_error(wb, "=\"abc", "unterminated text at 1");
	expect_parse_error(wb, "=1 2", "unexpected operand at 3");
	expect_parse_error(wb, "=#FOO", "unknown error value at 1");
	expect_parse_error(wb, "=*2", "unexpected '*' at 1");
	expect_parse_error(wb, "=", "empty formula");
	expect_parse_error(wb, "=1}", "unexpected '}' at 2");
	expect_parse_error(wb, "=ROUND(1)", "wrong number of arguments to ROUND at 1");
	sheet_book_free(wb);
}

static void test_deep_nesting_is_an_error_not_a_crash(void **state)
{
	struct sheet_book *wb = book();
	size_t n = 100000;
	char *s = malloc(2 * n + 3);

	s[0] = '=';
	memset(s + 1, '(', n);
	s[n + 1] = '1';
	memset(s + n + 2, ')', n);
	s[2 * n + 2] = '\0';
	expect_parse_error(wb, s, "nested too deeply");
	memset(s + 1, '-', 2 * n);
	s[2 * n + 1] = '1';
	s[2 * n + 2] = '\0';
	expect_num(wb, s, 1);
	for (size_t i = 0; i < n; i++)
		memcpy(s + 1 + i * 2, "A(", 2);
	expect_parse_error(wb, s, "nested too deeply");
	free(s);
	/* 100 levels are fine */
	char buf[512] = "=";
	for (int i = 0; i < 100; i++)
		strcat(buf, "(");
	strcat(buf, "7");
	for (int i = 0; i < 100; i++)
		strcat(buf, ")");
	expect_num(wb, buf, 7);
	sheet_book_free(wb);
}

static void test_references_read_cells_on_any_sheet(void **state)
{
	struct sheet_book *wb = book();
	struct err e;

	sheet_set_number(wb, 0, 0, 0, 1);   /* A1 */
	sheet_set_number(wb, 0, 11, 1, 2);  /* B12 */
	sheet_set_number(wb, 1, 0, 0, 10);  /* Sheet2!A1 */
	sheet_set_number(wb, 2, 0, 0, 100); /* 'My sheet'!A1 */
	expect_num(wb, "=A1+B12", 3);
	expect_num(wb, "=$A$1+$B12+B$12", 5);
	expect_num(wb, "=Sheet2!A1+'My sheet'!A1", 110);
	expect_num(wb, "=sheet2!a1", 10);
	expect_err(wb, "=Missing!A1", SHEET_ERR_REF);
	expect_err(wb, "=nosuchname", SHEET_ERR_NAME);
	expect_err(wb, "=NOSUCHFN(1)", SHEET_ERR_NAME);
	expect_num(wb, "=C3", 0); /* empty cell is 0 */
	assert_int_equal(sheet_define_name(wb, "rate", "Sheet2!$A$1", &e), 0);
	assert_int_equal(sheet_define_name(wb, "data", "A1:B12", &e), 0);
	expect_num(wb, "=RATE*2", 20);
	expect_num(wb, "=SUM(data)", 3);
	assert_int_equal(sheet_define_name(wb, "A1", "B2", &e), E_USAGE);
	assert_int_equal(sheet_define_name(wb, "bad", "zz!!", &e), E_PARSE);
	sheet_book_free(wb);
}

static void test_ranges_as_values_use_implicit_intersection(void **state)
{
	struct sheet_book *wb = book();

	for (uint32_t r = 0; r < 200; r++)
		sheet_set_number(wb, 0, r, 0, r + 1);
	expect_num(wb, "=A1:A200*2", 200); /* row 100 */
	expect_err(wb, "=A1:B2+1", SHEET_ERR_VALUE);
	expect_err(wb, "=A1:A5", SHEET_ERR_VALUE);
	expect_num(wb, "=SUM(A:A)", 20100);
	expect_num(wb, "=SUM(1:1)", 1);
	expect_num(wb, "=SUM(A1:A10)", 55);
	sheet_book_free(wb);
}

static void test_coercions_follow_excel(void **state)
{
	struct sheet_book *wb = book();

	sheet_set_text(wb, 0, 0, 0, "3");   /* A1 */
	sheet_set_text(wb, 0, 1, 0, "abc"); /* A2 */
	sheet_set_bool(wb, 0, 2, 0, 1);	    /* A3 */
	expect_num(wb, "=\"3\"+1", 4);
	expect_num(wb, "=\" 2.5 \"*2", 5);
	expect_num(wb, "=\"50%\"*2", 1);
	expect_err(wb, "=\"a\"+1", SHEET_ERR_VALUE);
	expect_num(wb, "=TRUE+1", 2);
	expect_num(wb, "=FALSE*5", 0);
	expect_num(wb, "=A1+1", 4);
	expect_err(wb, "=A2+1", SHEET_ERR_VALUE);
	expect_num(wb, "=A3+A3", 2);
	expect_num(wb, "=B9+1", 1);
	expect_text(wb, "=B9&\"x\"", "x");
	expect_text(wb, "=1/4&\"\"", "0.25");
	expect_text(wb, "=TRUE&1", "TRUE1");
	expect_text(wb, "=0.1+0.2&\"\"", "0.3");
	expect_text(wb, "=1E+20&\"\"", "1E+20");
	/* comparisons: numbers < text < booleans, text ignores case */
	expect_bool(wb, "=1<\"a\"", 1);
	expect_bool(wb, "=\"z\"<TRUE", 1);
	expect_bool(wb, "=99999<FALSE", 1);
	expect_bool(wb, "=\"abc\"=\"ABC\"", 1);
	expect_bool(wb, "=\"a\"<\"B\"", 1);
	expect_bool(wb, "=\"É\"=\"é\"", 1);
	expect_bool(wb, "=B9=0", 1);
	expect_bool(wb, "=B9=\"\"", 1);
	expect_bool(wb, "=B9=FALSE", 1);
	expect_bool(wb, "=\"1\"=1", 0);
	sheet_book_free(wb);
}

static void test_errors_propagate_left_first(void **state)
{
	struct sheet_book *wb = book();

	expect_err(wb, "=1/0", SHEET_ERR_DIV0);
	expect_err(wb, "=1/0+#N/A", SHEET_ERR_DIV0);
	expect_err(wb, "=#N/A+1/0", SHEET_ERR_NA);
	expect_err(wb, "=-#REF!", SHEET_ERR_REF);
	expect_err(wb, "=#NUM!&\"x\"", SHEET_ERR_NUM);
	expect_err(wb, "=#NULL!=1", SHEET_ERR_NULL);
	expect_err(wb, "=0^0", SHEET_ERR_NUM);
	expect_err(wb, "=0^-1", SHEET_ERR_DIV0);
	expect_err(wb, "=(-8)^0.5", SHEET_ERR_NUM);
	expect_err(wb, "=1E308*10", SHEET_ERR_NUM);
	expect_num(wb, "=(-8)^(1/3)", -2);
	sheet_book_free(wb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_storage_holds_each_value_type),
	    cmocka_unit_test(test_input_is_typed_like_excel),
	    cmocka_unit_test(test_a1_references_parse_and_format_back),
	    cmocka_unit_test(test_precedence_follows_excel),
	    cmocka_unit_test(test_parse_errors_report_the_position),
	    cmocka_unit_test(test_deep_nesting_is_an_error_not_a_crash),
	    cmocka_unit_test(test_references_read_cells_on_any_sheet),
	    cmocka_unit_test(test_ranges_as_values_use_implicit_intersection),
	    cmocka_unit_test(test_coercions_follow_excel),
	    cmocka_unit_test(test_errors_propagate_left_first),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
