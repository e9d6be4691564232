/*
 * fuzz_formula.c - the sheets formula compiler and evaluator on arbitrary
 * bytes: the input is entered as a formula in a small workbook that other
 * formulas read (so recalculation and cycles run too). No crash, no leak,
 * and a rejected formula says where the fault is.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "modules/sheets/engine.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sheet_book *wb;
	struct sheet_value v;
	struct err e;
	char *src;
	int rc;

	if (size > 8192)
		return 0;
	src = malloc(size + 1);
	memcpy(src, data, size);
	src[size] = '\0';
	wb = sheet_book_new();
	sheet_add(wb, "Sheet1", &e);
	sheet_add(wb, "Sheet2", &e);
	sheet_add(wb, "My sheet", &e);
	sheet_define_name(wb, "rate", "Sheet2!$B$2", &e);
	for (uint32_t r = 0; r < 5; r++) {
		sheet_set_number(wb, 0, r, 0, r + 1);
		sheet_set_text(wb, 0, r, 1, r % 2 ? "x" : "中文");
	}
	sheet_set_bool(wb, 1, 1, 1, 1);
	sheet_set_formula(wb, 0, 0, 3, "=C1+1", &e); /* D1 reads C1 */
	sheet_set_formula(wb, 0, 1, 3, "=SUM(C:C)", &e);
	err_clear(&e);
	rc = sheet_set_formula(wb, 0, 0, 2, src, &e); /* C1 */
	if (rc != 0 && strncmp(e.msg, "formula: ", 9) != 0)
		abort();
	sheet_get(wb, 0, 0, 2, &v);
	if (v.type == SHEET_TEXT && v.str == NULL)
		abort();
	sheet_set_number(wb, 0, 0, 0, 42); /* recalculate what read A1 */
	sheet_book_free(wb);
	free(src);
	return 0;
}
