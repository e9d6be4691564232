/*
 * test_store_atomic.c - store/atomic.c: a file is replaced whole or not at
 * all, keeps its mode (and owner), leaves no temp file, and a failure
 * (missing directory, full or read-only disk) keeps the old content.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "core/core.h"
#include "store/store.h"

static char dir[64];
static char tiny[96];

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

static int setup(void **state)
{
	strcpy(dir, "/tmp/atrium-test-atomic.XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(tiny, sizeof tiny, "%s/tiny", dir);
	return 0;
}

static int teardown(void **state)
{
	umount2(tiny, MNT_DETACH);
	return nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT) == 0 ? 0 : -1;
}

static const char *path_in(const char *d, const char *name)
{
	static char p[2][160];
	static int which;
	char *s = p[which ^= 1];

	snprintf(s, 160, "%s/%s", d, name);
	return s;
}

static void put_file(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	assert_int_equal(chmod(path, mode), 0);
}

static void assert_content(const char *path, const char *text)
{
	char got[256];
	ssize_t n;
	int fd = open(path, O_RDONLY);

	assert_true(fd >= 0);
	n = read(fd, got, sizeof got - 1);
	close(fd);
	assert_true(n >= 0);
	got[n] = '\0';
	assert_string_equal(got, text);
}

static mode_t mode_of(const char *path)
{
	struct stat st;

	assert_int_equal(stat(path, &st), 0);
	return st.st_mode & 07777;
}

/* Entries of d other than "." and ".."; the one name in *only if 1. */
static int entries(const char *d, char *only, size_t size)
{
	struct dirent *de;
	DIR *dh = opendir(d);
	int n = 0;

	assert_non_null(dh);
	while ((de = readdir(dh)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (only != NULL)
			snprintf(only, size, "%s", de->d_name);
		n++;
	}
	closedir(dh);
	return n;
}

/* A tmpfs of 64 KiB at `tiny`, or skip the test. */
static void mount_tiny(void)
{
	assert_int_equal(mkdir(tiny, 0700), 0);
	if (mount("tmpfs", tiny, "tmpfs", 0, "size=64k,mode=0700") < 0) {
		print_message("skipped: cannot mount a tmpfs (%s)\n", strerror(errno));
		skip();
	}
}

static void test_new_file_gets_the_given_mode_and_content(void **state)
{
	const char *p = path_in(dir, "new");
	mode_t old = umask(022);
	struct err e = {0};

	assert_int_equal(store_write_atomic(p, "hello", 5, 0640, &e), 0);
	umask(old);
	assert_content(p, "hello");
	assert_int_equal(mode_of(p), 0640);
}

static void test_replacing_keeps_the_old_mode(void **state)
{
	const char *p = path_in(dir, "keys");
	struct err e = {0};

	put_file(p, "old", 0640);
	assert_int_equal(store_write_atomic(p, "new content", 11, 0600, &e), 0);
	assert_content(p, "new content");
	assert_int_equal(mode_of(p), 0640);
}

static void test_empty_content_replaces_the_file(void **state)
{
	const char *p = path_in(dir, "f");
	struct err e = {0};

	put_file(p, "old", 0600);
	assert_int_equal(store_write_atomic(p, NULL, 0, 0600, &e), 0);
	assert_content(p, "");
}

static void test_directory_holds_no_temp_file_afterwards(void **state)
{
	const char *p = path_in(dir, "only");
	char name[256];
	struct err e = {0};

	assert_int_equal(store_write_atomic(p, "1", 1, 0600, &e), 0);
	assert_int_equal(store_write_atomic(p, "2", 1, 0600, &e), 0);
	assert_int_equal(entries(dir, name, sizeof name), 1);
	assert_string_equal(name, "only");
}

static void test_replacing_keeps_the_owner_when_root(void **state)
{
	const char *p = path_in(dir, "owned");
	struct err e = {0};
	struct stat st;

	if (geteuid() != 0) {
		print_message("skipped: needs root to give a file away\n");
		skip();
	}
	put_file(p, "old", 0640);
	assert_int_equal(chown(p, 1234, 4321), 0);
	assert_int_equal(store_write_atomic(p, "new", 3, 0600, &e), 0);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_uid, 1234);
	assert_int_equal(st.st_gid, 4321);
	assert_int_equal(st.st_mode & 07777, 0640);
}

static void test_missing_directory_is_io_error(void **state)
{
	const char *p = path_in(dir, "no/such/dir/file");
	struct err e = {0};

	assert_int_equal(store_write_atomic(p, "x", 1, 0600, &e), E_IO);
	assert_non_null(strstr(e.msg, p));
	assert_non_null(strstr(e.msg, "No such file"));
	assert_int_equal(entries(dir, NULL, 0), 0);
}

static void test_full_disk_keeps_old_content_and_leaves_no_temp(void **state)
{
	size_t n = 1024 * 1024;
	char *big, name[256];
	const char *p;
	struct err e = {0};

	mount_tiny();
	big = xcalloc(1, n);
	p = path_in(tiny, "state");
	put_file(p, "old", 0640);
	assert_int_equal(store_write_atomic(p, big, n, 0600, &e), E_IO);
	assert_non_null(strstr(e.msg, "No space left"));
	assert_non_null(strstr(e.msg, "old content was kept"));
	assert_content(p, "old");
	assert_int_equal(mode_of(p), 0640);
	assert_int_equal(entries(tiny, name, sizeof name), 1);
	assert_string_equal(name, "state");
	free(big);
}

static void test_read_only_disk_keeps_old_content(void **state)
{
	const char *p;
	struct err e = {0};

	mount_tiny();
	p = path_in(tiny, "state");
	put_file(p, "old", 0600);
	assert_int_equal(mount(NULL, tiny, NULL, MS_REMOUNT | MS_RDONLY, NULL), 0);
	assert_int_equal(store_write_atomic(p, "new", 3, 0600, &e), E_IO);
	assert_non_null(strstr(e.msg, "Read-only"));
	assert_content(p, "old");
	assert_int_equal(entries(tiny, NULL, 0), 1);
}

static void test_directory_path_is_refused(void **state)
{
	const char *p = path_in(dir, "sub");
	struct err e = {0};
	struct stat st;

	assert_int_equal(mkdir(p, 0700), 0);
	assert_int_equal(store_write_atomic(p, "x", 1, 0600, &e), E_IO);
	assert_non_null(strstr(e.msg, "directory"));
	assert_int_equal(stat(p, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(entries(dir, NULL, 0), 1);
}

static void test_special_file_is_refused(void **state)
{
	const char *p = path_in(dir, "fifo");
	struct err e = {0};
	struct stat st;

	assert_int_equal(mkfifo(p, 0600), 0);
	assert_int_equal(store_write_atomic(p, "x", 1, 0600, &e), E_IO);
	assert_int_equal(stat(p, &st), 0);
	assert_true(S_ISFIFO(st.st_mode));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	    T(test_new_file_gets_the_given_mode_and_content),
	    T(test_replacing_keeps_the_old_mode),
	    T(test_empty_content_replaces_the_file),
	    T(test_directory_holds_no_temp_file_afterwards),
	    T(test_replacing_keeps_the_owner_when_root),
	    T(test_missing_directory_is_io_error),
	    T(test_full_disk_keeps_old_content_and_leaves_no_temp),
	    T(test_read_only_disk_keeps_old_content),
	    T(test_directory_path_is_refused),
	    T(test_special_file_is_refused),
#undef T
	};
	return cmocka_run_group_tests_name("store_atomic", tests, NULL, NULL);
}
