/*
 * test_sheets_io_zip.c - io_zip.c loads libzip itself: not mapped until
 * the first workbook is read or written, then used through its pointers;
 * and when it cannot be loaded, reading and writing an xlsx or ods is an
 * error naming the package while CSV keeps working.
 *
 * The order matters: the first test forks before anything loads libzip,
 * the second is the first load in this process.
 */
#include <dlfcn.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "modules/sheets/io.h"
#include "modules/sheets/io_zip.h"

static int libzip_mapped(void)
{
	void *h = dlopen(xz_libzip.soname, RTLD_LAZY | RTLD_NOLOAD);

	if (h == NULL)
		return 0;
	dlclose(h);
	return 1;
}

/* What the child checks; each failure is its own exit status. */
static int missing_library_child(void)
{
	struct sheet_file f;
	struct xz_reader z;
	struct xz_writer w;
	struct buf part, out;
	struct err e = { 0 };

	xz_libzip.soname = "libzip-atrium-absent.so.4";
	if (xz_open(&z, "PK\3\4", 4, "xlsx", &e) != E_NOTFOUND)
		return 10;
	xz_close(&z);
	if (!strstr(e.msg, "xlsx") || !strstr(e.msg, "libzip4") ||
	    !strstr(e.msg, "libzip-atrium-absent.so.4"))
		return 11;
	/* the workbook readers pass it on */
	sheet_file_init(&f, "Sheet1");
	memset(&e, 0, sizeof e);
	if (sheet_ods_load(&f, "PK\3\4", 4, &e) != E_NOTFOUND || !strstr(e.msg, "libzip4"))
		return 12;
	sheet_file_free(&f);
	/* writing too, and the writer's parts are freed */
	xz_w_init(&w);
	buf_init(&part);
	buf_adds(&part, "<a/>");
	xz_w_add(&w, "a.xml", &part, 0);
	buf_init(&out);
	memset(&e, 0, sizeof e);
	if (xz_w_finish(&w, &out, &e) != E_NOTFOUND || !strstr(e.msg, "libzip4") || out.len)
		return 13;
	if (w.n != 0)
		return 14;
	buf_free(&out);
	/* nothing else depends on it */
	sheet_file_init(&f, "Sheet1");
	memset(&e, 0, sizeof e);
	if (sheet_csv_load(&f, "1,2\n3,4\n", 8, ',', &e) != 0)
		return 15;
	sheet_file_free(&f);
	if (libzip_mapped())
		return 16;
	return 0;
}

static void test_missing_libzip_is_an_error_naming_the_package(void **state)
{
	pid_t pid;
	int st;

	assert_false(libzip_mapped()); /* else the child could not miss it */
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		exit(missing_library_child()); /* exit, not _exit: leak checks run */
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

static void test_libzip_is_loaded_by_the_first_archive(void **state)
{
	struct xz_writer w;
	struct xz_reader z;
	struct buf part, zip, got;
	struct err e = { 0 };

	assert_false(libzip_mapped());
	xz_w_init(&w);
	buf_init(&part);
	buf_adds(&part, "application/vnd.oasis.opendocument.spreadsheet");
	xz_w_add(&w, "mimetype", &part, 1);
	buf_init(&zip);
	assert_int_equal(xz_w_finish(&w, &zip, &e), 0);
	assert_true(libzip_mapped());
	assert_true(zip.len > 30);
	assert_memory_equal(zip.data, "PK\3\4", 4);

	assert_int_equal(xz_open(&z, zip.data, zip.len, "ods", &e), 0);
	assert_true(xz_has(&z, "MIMETYPE"));
	assert_string_equal(xz_entry(&z, 0), "mimetype");
	assert_null(xz_entry(&z, 1));
	buf_init(&got);
	assert_int_equal(xz_read_small(&z, "mimetype", &got, 100, &e), 0);
	assert_int_equal(got.len, strlen("application/vnd.oasis.opendocument.spreadsheet"));
	assert_memory_equal(got.data, "application/vnd.oasis.opendocument.spreadsheet", got.len);
	xz_close(&z);
	buf_free(&got);

	/* the same library's error for what is not a zip */
	assert_int_equal(xz_open(&z, "not a zip", 9, "xlsx", &e), E_PARSE);
	assert_non_null(strstr(e.msg, "not a zip archive"));
	xz_close(&z);
	buf_free(&zip);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_missing_libzip_is_an_error_naming_the_package),
		cmocka_unit_test(test_libzip_is_loaded_by_the_first_archive),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
