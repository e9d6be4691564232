/*
 * test_store_blobw.c - a blob written as its bytes arrive (downloads): the
 * same content and the same file format as store_blob_put for every size
 * around the 64 KiB chunk, whatever the pieces; an abort leaves nothing.
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <cmocka.h>

#include <sodium.h>

#include "store/store.h"

static char home[64];
static struct store *st;

static long blob_files(const char *dir)
{
	char path[512];
	DIR *d = opendir(dir);
	struct dirent *de;
	long n = 0;

	if (!d)
		return 0;
	while ((de = readdir(d))) {
		struct stat sb;
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
		if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode))
			n += blob_files(path);
		else
			n++;
	}
	closedir(d);
	return n;
}

static off_t size_of(const char *id)
{
	char path[256];
	struct stat sb;

	snprintf(path, sizeof path, "%s/blobs/%.2s/%s", home, id, id);
	assert_int_equal(stat(path, &sb), 0);
	return sb.st_size;
}

static void one_size(size_t n, size_t piece)
{
	unsigned char *data = malloc(n ? n : 1);
	struct store_blob_writer *w;
	char id[STORE_BLOB_ID_LEN + 1], id2[STORE_BLOB_ID_LEN + 1];
	struct buf back;
	struct err e;

	randombytes_buf(data, n);
	assert_int_equal(store_blob_writer_new(st, n % 2, &w, &e), 0);
	for (size_t off = 0; off < n;) {
		size_t k = piece < n - off ? piece : n - off;
		assert_int_equal(store_blob_writer_write(w, data + off, k, &e), 0);
		off += k;
	}
	assert_int_equal(store_blob_writer_finish(w, id, &e), 0);
	buf_init(&back);
	assert_int_equal(store_blob_get(st, id, &back, &e), 0);
	assert_int_equal(back.len, n);
	assert_true(n == 0 || memcmp(back.data, data, n) == 0);
	/* the format is store_blob_put's: the same size on disk */
	assert_int_equal(store_blob_put(st, data, n, id2, &e), 0);
	assert_int_equal(size_of(id), size_of(id2));
	buf_free(&back);
	free(data);
}

static void test_sizes_and_pieces(void **state)
{
	static const size_t sizes[] = { 0, 1, 65535, 65536, 65537, 131072, 200000 };
	static const size_t pieces[] = { 1 << 20, 65536, 4096, 7, 65537 };

	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
		for (size_t k = 0; k < sizeof pieces / sizeof pieces[0]; k++) {
			if (sizes[i] > 70000 && pieces[k] < 100)
				continue; /* slow, and 4096 covers it */
			one_size(sizes[i], pieces[k]);
		}
}

static void test_abort_leaves_nothing(void **state)
{
	char dir[128];
	struct store_blob_writer *w;
	unsigned char junk[100000];
	struct err e;
	long before;

	snprintf(dir, sizeof dir, "%s/blobs", home);
	before = blob_files(dir);
	randombytes_buf(junk, sizeof junk);
	assert_int_equal(store_blob_writer_new(st, 1, &w, &e), 0);
	assert_int_equal(store_blob_writer_write(w, junk, sizeof junk, &e), 0);
	store_blob_writer_abort(w);
	assert_int_equal(blob_files(dir), before);
}

static int setup(void **state)
{
	struct store_key *k = NULL;
	unsigned char kf[STORE_KEY_BYTES];
	struct err e;

	strcpy(home, "/tmp/atrium-test-blobw.XXXXXX");
	if (!mkdtemp(home))
		return -1;
	store_keys_set_kdf_limits(crypto_pwhash_OPSLIMIT_MIN, crypto_pwhash_MEMLIMIT_MIN);
	randombytes_buf(kf, sizeof kf);
	if (store_keys_create(home, NULL, kf, &k, &e) != 0 || store_open(home, k, &st, &e) != 0)
		return -1;
	store_key_free(k);
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	store_close(st);
	snprintf(cmd, sizeof cmd, "rm -rf %s", home);
	return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sizes_and_pieces),
		cmocka_unit_test(test_abort_leaves_nothing),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
