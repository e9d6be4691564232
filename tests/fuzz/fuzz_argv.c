/*
 * fuzz_argv.c - splitting command lines (batch files, the ':' line).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/core.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *line = xstrndup((const char *)data, size);
	struct err e;
	char **argv;
	int argc;

	if (argv_split(line, &argc, &argv, &e) == 0) {
		if (argv[argc] != NULL)
			abort();
		argv_free(argc, argv);
	}
	free(line);
	return 0;
}
