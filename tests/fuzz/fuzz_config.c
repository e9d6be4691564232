/*
 * fuzz_config.c - the INI reader and the configuration validator on
 * arbitrary bytes: no crash, no leak, and any error names a line.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "app/app.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct conf c;
	struct err e;
	int rc;

	conf_init(&c);
	err_clear(&e);
	rc = conf_parse_string(&c, (const char *)data, size, "fuzz", &e);
	if (rc == 0)
		rc = config_validate(&c, 0, 1, &e);
	if (rc != 0 && strncmp(e.msg, "fuzz", 4) != 0)
		abort(); /* every error must say where */
	conf_free(&c);
	return 0;
}
