/*
 * options.c - the global command-line options. They may stand anywhere
 * after `atrium` (before or after MODULE VERB), so scripts can append
 * --json or --offline to any command; "--" ends option scanning.
 * Options we do not know are left for the verb (e.g. --to, --folder).
 */
#include <stdlib.h>
#include <string.h>

#include "app/app.h"

struct opt_def {
	const char *name;
	int has_arg;
	size_t off; /* offset of the field in struct app_opts */
};

#define OFF(f) offsetof(struct app_opts, f)
static const struct opt_def defs[] = {
	{ "--config", 1, OFF(config) },
	{ "--home", 1, OFF(home) },
	{ "--lang", 1, OFF(lang) },
	{ "--key-file", 1, OFF(key_file) },
	{ "-b", 1, OFF(batch_file) },
	{ "-k", 0, OFF(keep_going) },
	{ "--offline", 0, OFF(offline) },
	{ "--json", 0, OFF(json) },
	{ "--version", 0, OFF(version) },
	{ "-V", 0, OFF(version) },
	{ "--help", 0, OFF(help) },
	{ "-h", 0, OFF(help) },
};

int app_parse_opts(int argc, char **argv, struct app_opts *o, struct err *e)
{
	int rest_only = 0;

	memset(o, 0, sizeof *o);
	o->argv = xcalloc((size_t)argc + 1, sizeof *o->argv);
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const struct opt_def *d = NULL;
		const char *val = NULL;

		if (!rest_only && strcmp(a, "--") == 0) {
			rest_only = 1;
			continue;
		}
		for (size_t k = 0; !rest_only && k < nitems(defs); k++) {
			size_t n = strlen(defs[k].name);

			if (strncmp(a, defs[k].name, n) != 0)
				continue;
			if (a[n] == '\0') {
				d = &defs[k];
				break;
			}
			if (a[n] == '=' && defs[k].has_arg && n > 2) {
				d = &defs[k];
				val = a + n + 1;
				break;
			}
		}
		if (d == NULL) {
			o->argv[o->argc++] = argv[i];
			continue;
		}
		if (d->has_arg) {
			if (val == NULL) {
				if (i + 1 >= argc)
					return err_tr(e, E_USAGE, "err.opt.value", TR_S(d->name));
				val = argv[++i];
			}
			if (*val == '\0')
				return err_tr(e, E_USAGE, "err.opt.empty", TR_S(d->name));
			*(const char **)((char *)o + d->off) = val;
		} else {
			*(int *)((char *)o + d->off) = 1;
		}
	}
	return 0;
}

void app_opts_free(struct app_opts *o)
{
	free(o->argv);
	o->argv = NULL;
	o->argc = 0;
}
