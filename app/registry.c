/*
 * registry.c - the one table of compiled-in modules, in tab order. Adding a
 * module is one folder and one line here; `make MODULES="mail docs"` builds
 * without the others.
 */
#include <string.h>

#include "core/core.h"
#include "modules/module.h"

extern const struct module mail_module, chat_module, docs_module, sheets_module, files_module;

const struct module *const module_table[] = {
#ifdef MOD_MAIL
	&mail_module,
#endif
#ifdef MOD_CHAT
	&chat_module,
#endif
#ifdef MOD_DOCS
	&docs_module,
#endif
#ifdef MOD_SHEETS
	&sheets_module,
#endif
#ifdef MOD_FILES
	&files_module,
#endif
	NULL,
};

const int module_count = (int)nitems(module_table) - 1;

const struct module *module_find(const char *name)
{
	for (int i = 0; i < module_count; i++)
		if (strcmp(module_table[i]->name, name) == 0)
			return module_table[i];
	return NULL;
}
