/*
 * dl.c - load a shared library the first time a feature needs it, so its
 * dependency chain costs nothing at start (see core.h).
 */
#include <dlfcn.h>
#include <pthread.h>
#include <string.h>

#include "core/core.h"

static pthread_mutex_t dl_lock = PTHREAD_MUTEX_INITIALIZER;

static int dl_open(struct dl_lib *lib)
{
	void *h = dlopen(lib->soname, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		const char *why = dlerror();
		snprintf(lib->why, sizeof lib->why, "cannot load %s (Debian package %s): %s",
			 lib->soname, lib->pkg, why ? why : "unknown error");
		return E_NOTFOUND;
	}
	for (size_t i = 0; lib->names[i]; i++) {
		dlerror();
		void *p = dlsym(h, lib->names[i]);
		if (!p) {
			snprintf(lib->why, sizeof lib->why, "%s has no symbol %s (Debian package %s)",
				 lib->soname, lib->names[i], lib->pkg);
			dlclose(h);
			for (size_t j = 0; j < i; j++)
				lib->slots[j] = NULL;
			return E_NOTFOUND;
		}
		lib->slots[i] = p;
	}
	lib->handle = h;
	return 1;
}

int dl_load(struct dl_lib *lib, struct err *e)
{
	int st = __atomic_load_n(&lib->state, __ATOMIC_ACQUIRE);
	if (st == 0) {
		pthread_mutex_lock(&dl_lock);
		st = lib->state;
		if (st == 0) {
			st = dl_open(lib);
			__atomic_store_n(&lib->state, st, __ATOMIC_RELEASE);
		}
		pthread_mutex_unlock(&dl_lock);
	}
	if (st == 1)
		return 0;
	return err_set(e, st, "%s", lib->why);
}
