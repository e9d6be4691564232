/*
 * func_text.c - TEXT and DOLLAR: numbers as text through an Excel number
 * format code (numfmt.h). TEXT reads text that looks like a number or a
 * date as one, as Excel does (TEXT("2024-01-15","dddd") is "Monday");
 * other text goes through the code's text section. DOLLAR uses the en-US
 * currency format, negatives in parentheses.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "modules/sheets/engine.h"
#include "modules/sheets/func_int.h"
#include "modules/sheets/numfmt.h"

/* Format d with the code; ret_text or #VALUE!. */
static void ret_formatted(const struct numfmt *f, double d, struct sheet_value *out)
{
	int n = numfmt_format(f, d, NULL, 0, NULL);
	char *s;

	if (n < 0) {
		ret_err(out, SHEET_ERR_VALUE);
		return;
	}
	s = xmalloc((size_t)n + 1);
	numfmt_format(f, d, s, (size_t)n + 1, NULL);
	ret_text(out, s);
}

FNX(text)
{
	struct sheet_value v;
	struct numfmt *f;
	struct err e;
	char *code, *s;
	double d;
	int parts, n;

	(void)argc;
	arg_value(cx, &args[0], &v);
	if (v.type == SHEET_ERROR) {
		ret_err(out, v.err);
		return;
	}
	if ((code = arg_text(cx, &args[1], out)) == NULL) {
		sheet_value_free(&v);
		return;
	}
	if (numfmt_compile(code, &f, &e) != 0) {
		free(code);
		sheet_value_free(&v);
		ret_err(out, SHEET_ERR_VALUE);
		return;
	}
	free(code);
	if (v.type == SHEET_BOOL) {
		ret_text(out, xstrdup(v.num != 0 ? "TRUE" : "FALSE"));
	} else if (v.type != SHEET_TEXT) {
		ret_formatted(f, v.type == SHEET_NUM ? v.num : 0, out);
	} else if (sheet_text_num(v.str, &d) == 0 ||
		   sheet_parse_datetime(v.str, sheet_now(cx->wb), &d, &parts) == 0) {
		ret_formatted(f, d, out);
	} else {
		n = numfmt_format_text(f, v.str, NULL, 0, NULL);
		s = xmalloc((size_t)n + 1);
		numfmt_format_text(f, v.str, s, (size_t)n + 1, NULL);
		ret_text(out, s);
	}
	numfmt_free(f);
	sheet_value_free(&v);
}

FNX(dollar)
{
	double d, dec = 2;
	char code[400], zeros[130];
	struct numfmt *f;
	struct err e;

	if (arg_num(cx, &args[0], &d, out))
		return;
	if (argc > 1 && args[1].type != SHEET_MISSING && arg_num(cx, &args[1], &dec, out))
		return;
	dec = trunc(dec);
	if (dec > 127) {
		ret_err(out, SHEET_ERR_VALUE);
		return;
	}
	if (dec < 0) { /* rounds to the left of the point: DOLLAR(1250,-2) is $1,300 */
		double p = pow(10, -dec);

		d = d < 0 ? -round(-d / p) * p : round(d / p) * p;
		dec = 0;
	}
	memset(zeros, '0', (size_t)dec);
	zeros[(size_t)dec] = '\0';
	snprintf(code, sizeof(code), "$#,##0%s%s;($#,##0%s%s)", dec > 0 ? "." : "", zeros,
		 dec > 0 ? "." : "", zeros);
	if (numfmt_compile(code, &f, &e) != 0) {
		ret_err(out, SHEET_ERR_VALUE);
		return;
	}
	ret_formatted(f, d, out);
	numfmt_free(f);
}
