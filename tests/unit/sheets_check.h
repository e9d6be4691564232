/*
 * sheets_check.h - assertions the function tests share: evaluate a formula
 * in a scratch cell of `wb` and compare its value, type and error.
 * Included by one test file each; the file sets wb up in its setup().
 */
#ifndef ATRIUM_TESTS_SHEETS_CHECK_H
#define ATRIUM_TESTS_SHEETS_CHECK_H

#include "modules/sheets/engine.h"

static struct sheet_book *wb;

static int teardown(void **state)
{
	sheet_book_free(wb);
	return 0;
}

static inline struct sheet_value calc(const char *src)
{
	struct err e;
	struct sheet_value v;

	if (sheet_set_formula(wb, 0, 99, 25, src, &e) != 0)
		fail_msg("%s: %s", src, e.msg);
	sheet_get(wb, 0, 99, 25, &v);
	return v;
}

static inline void num(const char *src, double want)
{
	struct sheet_value v = calc(src);

	if (v.type != SHEET_NUM)
		fail_msg("%s: type %d %s, want %g", src, v.type,
			 v.type == SHEET_ERROR ? sheet_err_text(v.err) : "", want);
	if (!(v.num - want < 1e-12 && want - v.num < 1e-12))
		fail_msg("%s: %.17g, want %.17g", src, v.num, want);
}

static inline void text(const char *src, const char *want)
{
	struct sheet_value v = calc(src);

	if (v.type != SHEET_TEXT)
		fail_msg("%s: type %d %s, want '%s'", src, v.type,
			 v.type == SHEET_ERROR ? sheet_err_text(v.err) : "", want);
	if (strcmp(v.str, want) != 0)
		fail_msg("%s: '%s', want '%s'", src, v.str, want);
}

static inline void boolean(const char *src, int want)
{
	struct sheet_value v = calc(src);

	if (v.type != SHEET_BOOL || (int)v.num != want)
		fail_msg("%s: type %d value %g, want bool %d", src, v.type, v.num, want);
}

static inline void error(const char *src, enum sheet_err want)
{
	struct sheet_value v = calc(src);

	if (v.type != SHEET_ERROR || v.err != want)
		fail_msg("%s: type %d %s, want %s", src, v.type,
			 v.type == SHEET_ERROR ? sheet_err_text(v.err) : "", sheet_err_text(want));
}

#endif
