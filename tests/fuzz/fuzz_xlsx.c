/*
 * fuzz_xlsx.c - the xlsx and ods readers on arbitrary bytes (both readers
 * get every input): never a crash; a file that loads is written again in
 * its format and that file loads too, with as many sheets.
 */
#include <stdint.h>
#include <stdlib.h>

#include "modules/sheets/io.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void one(const uint8_t *data, size_t size, int ods)
{
	struct sheet_file f, g;
	struct buf out;
	struct err e;
	int rc;

	sheet_file_init(&f, NULL);
	rc = ods ? sheet_ods_load(&f, data, size, &e) : sheet_xlsx_load(&f, data, size, &e);
	if (rc == 0) {
		buf_init(&out);
		if ((ods ? sheet_ods_write(&f, &out, &e) : sheet_xlsx_write(&f, &out, &e)) != 0)
			abort();
		sheet_file_init(&g, NULL);
		rc = ods ? sheet_ods_load(&g, out.data, out.len, &e)
			 : sheet_xlsx_load(&g, out.data, out.len, &e);
		if (rc != 0 || sheet_count(g.wb) != sheet_count(f.wb))
			abort();
		sheet_file_free(&g);
		buf_free(&out);
	} else if (sheet_count(f.wb) != 1) { /* a failed load leaves one empty sheet */
		abort();
	}
	sheet_file_free(&f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	one(data, size, 0);
	one(data, size, 1);
	return 0;
}
