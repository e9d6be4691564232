/*
 * test_core_dl.c - core/dl.c: a library loaded on first use, its symbols
 * resolved; a missing library or symbol is a clear error, not a crash.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "core/core.h"

static void test_loads_and_resolves(void **state)
{
	static const char *const names[] = { "cos", "sqrt", NULL };
	void *slots[2] = { 0 };
	struct dl_lib lib = { .soname = "libm.so.6", .pkg = "libc6", .names = names,
			      .slots = slots };
	struct err e = { 0 };

	assert_int_equal(dl_load(&lib, &e), 0);
	double (*cosp)(double) = (double (*)(double))slots[0];
	double (*sqrtp)(double) = (double (*)(double))slots[1];
	assert_true(cosp(0.0) == 1.0);
	assert_true(sqrtp(16.0) == 4.0);
	/* the second call is free and gives the same */
	assert_int_equal(dl_load(&lib, &e), 0);
	assert_ptr_equal(slots[0], (void *)cosp);
}

static void test_missing_library(void **state)
{
	static const char *const names[] = { "x", NULL };
	void *slots[1] = { 0 };
	struct dl_lib lib = { .soname = "libatrium-none.so.9", .pkg = "atrium-none",
			      .names = names, .slots = slots };
	struct err e = { 0 };

	assert_int_equal(dl_load(&lib, &e), E_NOTFOUND);
	assert_non_null(strstr(e.msg, "libatrium-none.so.9"));
	assert_non_null(strstr(e.msg, "atrium-none"));
	/* remembered: the same error again without another dlopen */
	memset(&e, 0, sizeof e);
	assert_int_equal(dl_load(&lib, &e), E_NOTFOUND);
	assert_non_null(strstr(e.msg, "atrium-none"));
}

static void test_missing_symbol(void **state)
{
	static const char *const names[] = { "cos", "no_such_function_here", NULL };
	void *slots[2] = { 0 };
	struct dl_lib lib = { .soname = "libm.so.6", .pkg = "libc6", .names = names,
			      .slots = slots };
	struct err e = { 0 };

	assert_int_equal(dl_load(&lib, &e), E_NOTFOUND);
	assert_non_null(strstr(e.msg, "no_such_function_here"));
	assert_null(slots[0]); /* nothing half-filled */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_loads_and_resolves),
		cmocka_unit_test(test_missing_library),
		cmocka_unit_test(test_missing_symbol),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
