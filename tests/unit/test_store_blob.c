/*
 * test_store_blob.c - store/blob.c: blobs come back byte for byte, never
 * as plaintext on disk, and any damage to a blob file (wrong key, flipped
 * bit, truncation, renaming) is an I/O error that hands back nothing. Ids
 * cannot reach outside HOME/blobs; a full disk leaves no file behind.
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
#include <pthread.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include <sodium.h>

#include "core/core.h"
#include "store/store.h"

#define CHUNK (64 * 1024)
/* On disk: 8-byte blob header, 24-byte secretstream header, then chunks of
 * a 4-byte length and plaintext + 17 bytes. */
#define HEAD 32
#define FULL_CHUNK (4 + CHUNK + 17)

struct fixture {
	char top[64]; /* removed at the end; HOME and what tests put beside it */
	char home[80];
	unsigned char key[STORE_KEY_BYTES];
};

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

static int setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof *f);

	strcpy(f->top, "/tmp/atrium-test-blob.XXXXXX");
	if (mkdtemp(f->top) == NULL)
		return -1;
	snprintf(f->home, sizeof f->home, "%s/home", f->top);
	if (mkdir(f->home, 0700) < 0)
		return -1;
	randombytes_buf(f->key, sizeof f->key);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char tiny[128];

	snprintf(tiny, sizeof tiny, "%s/tiny", f->top);
	umount2(tiny, MNT_DETACH);
	nftw(f->top, rm_entry, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
	free(f);
	return 0;
}

static unsigned char *random_bytes(size_t n)
{
	unsigned char *p = xmalloc(n ? n : 1);

	randombytes_buf(p, n);
	return p;
}

static char *file_of(struct fixture *f, const char *id)
{
	char *p;

	xasprintf(&p, "%s/blobs/%.2s/%s", f->home, id, id);
	return p;
}

static size_t file_size(const char *path)
{
	struct stat st;

	assert_int_equal(stat(path, &st), 0);
	return (size_t)st.st_size;
}

static unsigned char *read_file(const char *path, size_t *len)
{
	struct buf b;
	char tmp[4096];
	ssize_t n;
	int fd = open(path, O_RDONLY);

	assert_true(fd >= 0);
	buf_init(&b);
	while ((n = read(fd, tmp, sizeof tmp)) > 0)
		buf_add(&b, tmp, (size_t)n);
	close(fd);
	*len = b.len;
	return (unsigned char *)buf_detach(&b);
}

static void flip_byte(const char *path, size_t off)
{
	unsigned char c;
	int fd = open(path, O_RDWR);

	assert_true(fd >= 0);
	assert_int_equal(pread(fd, &c, 1, (off_t)off), 1);
	c ^= 0x01;
	assert_int_equal(pwrite(fd, &c, 1, (off_t)off), 1);
	close(fd);
}

static void round_trip(struct fixture *f, size_t n)
{
	unsigned char *data = random_bytes(n);
	char id[STORE_BLOB_ID_LEN + 1];
	struct err e = {0};
	struct buf out;

	assert_int_equal(store_blob_put_raw(f->home, f->key, -1, data, n, id, &e), 0);
	buf_init(&out);
	assert_int_equal(store_blob_get_raw(f->home, f->key, id, -1, &out, &e), 0);
	assert_int_equal(out.len, n);
	if (n > 0)
		assert_memory_equal(out.data, data, n);
	buf_free(&out);
	free(data);
}

static void test_empty_blob_round_trips(void **state)
{
	round_trip(*state, 0);
}

static void test_one_byte_blob_round_trips(void **state)
{
	round_trip(*state, 1);
}

static void test_blob_of_exactly_one_chunk_round_trips(void **state)
{
	round_trip(*state, CHUNK);
}

static void test_blob_of_one_chunk_and_one_byte_round_trips(void **state)
{
	round_trip(*state, CHUNK + 1);
}

static void test_five_mib_random_blob_round_trips(void **state)
{
	round_trip(*state, 5 * 1024 * 1024);
}

static void test_put_names_file_by_lowercase_hex_id_private_and_without_temp(void **state)
{
	struct fixture *f = *state;
	char id[STORE_BLOB_ID_LEN + 1], id2[STORE_BLOB_ID_LEN + 1], *path, *dir;
	struct err e = {0};
	struct dirent *d;
	struct stat st;
	DIR *dh;
	int n = 0;

	assert_int_equal(store_blob_put_raw(f->home, f->key, -1, "x", 1, id, &e), 0);
	assert_int_equal(strlen(id), STORE_BLOB_ID_LEN);
	assert_int_equal(strspn(id, "0123456789abcdef"), STORE_BLOB_ID_LEN);
	path = file_of(f, id);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	xasprintf(&dir, "%s/blobs/%.2s", f->home, id);
	assert_int_equal(stat(dir, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	dh = opendir(dir);
	assert_non_null(dh);
	while ((d = readdir(dh)) != NULL) {
		if (d->d_name[0] == '.')
			continue;
		assert_string_equal(d->d_name, id);
		n++;
	}
	closedir(dh);
	assert_int_equal(n, 1);

	assert_int_equal(store_blob_put_raw(f->home, f->key, -1, "x", 1, id2, &e), 0);
	assert_string_not_equal(id, id2);
	free(dir);
	free(path);
}

struct feeder {
	int fd;
	const unsigned char *data;
	size_t len, step;
};

/* Writes in odd-sized pieces so the reader sees short reads. */
static void *feed(void *arg)
{
	struct feeder *fd = arg;
	size_t off = 0, n;

	while (off < fd->len) {
		n = fd->len - off < fd->step ? fd->len - off : fd->step;
		if (write(fd->fd, fd->data + off, n) != (ssize_t)n)
			break;
		off += n;
	}
	close(fd->fd);
	return NULL;
}

static void test_put_fd_streams_a_pipe_fed_in_small_pieces(void **state)
{
	struct fixture *f = *state;
	size_t n = 3 * CHUNK + 12345;
	unsigned char *data = random_bytes(n);
	char id[STORE_BLOB_ID_LEN + 1];
	struct feeder fd;
	struct err e = {0};
	struct buf out;
	pthread_t t;
	int p[2];

	assert_int_equal(pipe(p), 0);
	fd = (struct feeder){.fd = p[1], .data = data, .len = n, .step = 1000};
	assert_int_equal(pthread_create(&t, NULL, feed, &fd), 0);
	assert_int_equal(store_blob_put_raw(f->home, f->key, p[0], NULL, 0, id, &e), 0);
	pthread_join(t, NULL);
	close(p[0]);

	buf_init(&out);
	assert_int_equal(store_blob_get_raw(f->home, f->key, id, -1, &out, &e), 0);
	assert_int_equal(out.len, n);
	assert_memory_equal(out.data, data, n);
	buf_free(&out);
	free(data);
}

static void test_put_fd_reads_a_file_to_its_end_and_get_fd_writes_it_back(void **state)
{
	struct fixture *f = *state;
	size_t n = 2 * CHUNK, got;
	unsigned char *data = random_bytes(n), *back;
	char id[STORE_BLOB_ID_LEN + 1], in[128], outp[128];
	struct err e = {0};
	int fd;

	snprintf(in, sizeof in, "%s/in", f->top);
	snprintf(outp, sizeof outp, "%s/out", f->top);
	fd = open(in, O_RDWR | O_CREAT | O_TRUNC, 0600);
	assert_int_equal(write(fd, data, n), (ssize_t)n);
	lseek(fd, 0, SEEK_SET);
	assert_int_equal(store_blob_put_raw(f->home, f->key, fd, NULL, 0, id, &e), 0);
	close(fd);

	fd = open(outp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_int_equal(store_blob_get_raw(f->home, f->key, id, fd, NULL, &e), 0);
	close(fd);
	back = read_file(outp, &got);
	assert_int_equal(got, n);
	assert_memory_equal(back, data, n);
	free(back);
	free(data);
}

struct drainer {
	int fd;
	struct buf got;
};

static void *drain(void *arg)
{
	struct drainer *d = arg;
	char tmp[777];
	ssize_t n;

	while ((n = read(d->fd, tmp, sizeof tmp)) > 0)
		buf_add(&d->got, tmp, (size_t)n);
	return NULL;
}

static void test_get_fd_writes_a_big_blob_through_a_pipe(void **state)
{
	struct fixture *f = *state;
	size_t n = 5 * CHUNK + 7;
	unsigned char *data = random_bytes(n);
	char id[STORE_BLOB_ID_LEN + 1];
	struct drainer d;
	struct err e = {0};
	pthread_t t;
	int p[2];

	assert_int_equal(store_blob_put_raw(f->home, f->key, -1, data, n, id, &e), 0);
	assert_int_equal(pipe(p), 0);
	d.fd = p[0];
	buf_init(&d.got);
	assert_int_equal(pthread_create(&t, NULL, drain, &d), 0);
	assert_int_equal(store_blob_get_raw(f->home, f->key, id, p[1], NULL, &e), 0);
	close(p[1]);
	pthread_join(t, NULL);
	close(p[0]);
	assert_int_equal(d.got.len, n);
	assert_memory_equal(d.got.data, data, n);
	buf_free(&d.got);
	free(data);
}

static void test_get_appends_to_what_the_buffer_holds(void **state)
{
	struct fixture *f = *state;
	char id[STORE_BLOB_ID_LEN + 1];
	struct err e = {0};
	struct buf out;

	assert_int_equal(store_blob_put_raw(f->home, f->key, -1, "world", 5, id, &e), 0);
	buf_init(&out);
	buf_adds(&out, "hello ");
	assert_int_equal(store_blob_get_raw(f->home, f->key, id, -1, &out, &e), 0);
	assert_string_equal(out.data, "hello world");
	assert_int_equal(out.len, 11);
	buf_free(&out);
}

static void test_file_on_disk_holds_no_plaintext(void **state)
{
	struct fixture *f = *state;
	unsigned char raw[8];
	char marker[32], id[STORE_BLOB_ID_LEN + 1], *path;
	unsigned char *disk;
	struct err e = {0};
	struct buf text;
	size_t n;

	randombytes_buf(raw, sizeof raw);
	memcpy(marker, "MARKER-", 7);
	sodium_bin2hex(marker + 7, sizeof marker - 7, raw, sizeof raw);
	buf_init(&text);
	while (text.len < 3 * CHUNK)
		buf_adds(&text, marker);
	assert_int_equal(store_blob_put_raw(f->home, f->key, -1, text.data, text.len, id, &e), 0);

	path = file_of(f, id);
	disk = read_file(path, &n);
	assert_true(n > text.len);
	assert_null(memmem(disk, n, marker, strlen(marker)));
	assert_null(memmem(disk, n, "MARKER-", 7));
	free(disk);
	free(path);
	buf_free(&text);
}

static void test_wrong_key_is_io_error(void **state)
{
	struct fixture *f = *state;
	unsigned char other[STORE_KEY_BYTES];
	char id[STORE_BLOB_ID_LEN + 1];
	struct err e = {0};
	struct buf out;

	assert_int_equal(store_blob_put_raw(f->home, f->key, -1, "secret", 6, id, &e), 0);
	randombytes_buf(other, sizeof other);
	buf_init(&out);
	assert_int_equal(store_blob_get_raw(f->home, other, id, -1, &out, &e), E_IO);
	assert_int_equal(out.len, 0);
	assert_non_null(strstr(e.msg, "tampered or corrupt"));
	buf_free(&out);
}

/* Put a blob of n random bytes, let damage() change its file, then expect
 * E_IO with msg, and both kinds of get to hand back nothing usable. */
static void expect_damage_refused(struct fixture *f, size_t n, void (*damage)(const char *, size_t),
				  const char *msg)
{
	unsigned char *data = random_bytes(n);
	char id[STORE_BLOB_ID_LEN + 1], *path;
	struct err e = {0};
	struct buf out;
	int devnull;

	assert_int_equal(store_blob_put_raw(f->home, f->key, -1, data, n, id, &e), 0);
	path = file_of(f, id);
	damage(path, file_size(path));

	buf_init(&out);
	buf_adds(&out, "kept");
	assert_int_equal(store_blob_get_raw(f->home, f->key, id, -1, &out, &e), E_IO);
	assert_int_equal(out.len, 4);
	assert_string_equal(out.data, "kept");
	if (strstr(e.msg, msg) == NULL)
		fail_msg("message \"%s\" lacks \"%s\"", e.msg, msg);
	assert_non_null(strstr(e.msg, path));

	devnull = open("/dev/null", O_WRONLY);
	assert_int_equal(store_blob_get_raw(f->home, f->key, id, devnull, NULL, &e), E_IO);
	close(devnull);
	buf_free(&out);
	free(path);
	free(data);
}

#define BIG (3 * CHUNK + 8192) /* three full chunks and a short last one */

static void flip_magic(const char *path, size_t size)
{
	flip_byte(path, 0);
}

static void flip_version(const char *path, size_t size)
{
	flip_byte(path, 4);
}

static void flip_reserved(const char *path, size_t size)
{
	flip_byte(path, 6);
}

static void flip_stream_header(const char *path, size_t size)
{
	flip_byte(path, 8 + 10);
}

static void flip_middle(const char *path, size_t size)
{
	flip_byte(path, HEAD + FULL_CHUNK + 4 + CHUNK / 2);
}

static void flip_last_chunk(const char *path, size_t size)
{
	flip_byte(path, size - 20);
}

static void flip_last_byte(const char *path, size_t size)
{
	flip_byte(path, size - 1);
}

static void flip_length_prefix(const char *path, size_t size)
{
	flip_byte(path, HEAD + FULL_CHUNK);
}

static void test_flipped_byte_in_header_is_refused_and_out_unchanged(void **state)
{
	expect_damage_refused(*state, BIG, flip_magic, "tampered or corrupt");
	expect_damage_refused(*state, BIG, flip_version, "format version");
	expect_damage_refused(*state, BIG, flip_reserved, "tampered or corrupt");
	expect_damage_refused(*state, BIG, flip_stream_header, "tampered or corrupt");
	expect_damage_refused(*state, 0, flip_reserved, "tampered or corrupt");
}

static void test_flipped_byte_in_middle_chunk_is_refused_and_out_unchanged(void **state)
{
	expect_damage_refused(*state, BIG, flip_middle, "tampered or corrupt");
	expect_damage_refused(*state, BIG, flip_length_prefix, "tampered or corrupt");
}

static void test_flipped_byte_in_last_chunk_is_refused_and_out_unchanged(void **state)
{
	expect_damage_refused(*state, BIG, flip_last_chunk, "tampered or corrupt");
	expect_damage_refused(*state, BIG, flip_last_byte, "tampered or corrupt");
	expect_damage_refused(*state, 1, flip_last_byte, "tampered or corrupt");
	expect_damage_refused(*state, 0, flip_last_byte, "tampered or corrupt");
}

static void cut_to(const char *path, size_t len)
{
	assert_int_equal(truncate(path, (off_t)len), 0);
}

static void cut_last_byte(const char *path, size_t size)
{
	cut_to(path, size - 1);
}

static void cut_last_ten(const char *path, size_t size)
{
	cut_to(path, size - 10);
}

static void cut_final_chunk(const char *path, size_t size)
{
	cut_to(path, HEAD + 3 * FULL_CHUNK);
}

static void cut_second_chunk_boundary(const char *path, size_t size)
{
	cut_to(path, HEAD + FULL_CHUNK);
}

static void cut_inside_length(const char *path, size_t size)
{
	cut_to(path, HEAD + FULL_CHUNK + 2);
}

static void cut_after_header(const char *path, size_t size)
{
	cut_to(path, HEAD);
}

static void cut_inside_header(const char *path, size_t size)
{
	cut_to(path, 5);
}

static void cut_all(const char *path, size_t size)
{
	cut_to(path, 0);
}

static void test_file_cut_short_is_truncated(void **state)
{
	expect_damage_refused(*state, BIG, cut_last_byte, "truncated");
	expect_damage_refused(*state, BIG, cut_last_ten, "truncated");
	expect_damage_refused(*state, 0, cut_last_byte, "truncated");
	expect_damage_refused(*state, BIG, cut_inside_length, "truncated");
	expect_damage_refused(*state, BIG, cut_after_header, "truncated");
	expect_damage_refused(*state, BIG, cut_inside_header, "truncated");
	expect_damage_refused(*state, BIG, cut_all, "truncated");
}

static void test_file_cut_at_a_chunk_boundary_is_truncated(void **state)
{
	expect_damage_refused(*state, BIG, cut_final_chunk, "truncated");
	expect_damage_refused(*state, BIG, cut_second_chunk_boundary, "truncated");
	/* A blob of exactly one chunk ends with an empty final chunk. */
	expect_damage_refused(*state, CHUNK, cut_second_chunk_boundary, "truncated");
}

static void append_garbage(const char *path, size_t size)
{
	int fd = open(path, O_WRONLY | O_APPEND);

	assert_int_equal(write(fd, "xyz", 3), 3);
	close(fd);
}

static void test_bytes_after_the_final_chunk_are_refused(void **state)
{
	expect_damage_refused(*state, BIG, append_garbage, "tampered or corrupt");
	expect_damage_refused(*state, 0, append_garbage, "tampered or corrupt");
}

static void test_file_moved_to_another_valid_id_is_refused(void **state)
{
	struct fixture *f = *state;
	const char *other = "0123456789abcdef0123456789abcdef";
	char id[STORE_BLOB_ID_LEN + 1], *from, *to, *dir;
	struct err e = {0};
	struct buf out;

	assert_int_equal(store_blob_put_raw(f->home, f->key, -1, "moved", 5, id, &e), 0);
	from = file_of(f, id);
	to = file_of(f, other);
	xasprintf(&dir, "%s/blobs/01", f->home);
	mkdir(dir, 0700);
	assert_int_equal(rename(from, to), 0);

	buf_init(&out);
	assert_int_equal(store_blob_get_raw(f->home, f->key, other, -1, &out, &e), E_IO);
	assert_int_equal(out.len, 0);
	assert_non_null(strstr(e.msg, "tampered or corrupt"));
	buf_free(&out);
	free(dir);
	free(to);
	free(from);
}

static void test_bad_ids_are_refused_without_touching_files_outside(void **state)
{
	struct fixture *f = *state;
	/* 32 characters: as HOME/blobs/../<escape> it names TOP/victim1. */
	const char *escape = ".././././././././././././victim1";
	const char *bad[] = {
	    escape,
	    "../../etc/passwd",
	    "0123456789abcdef0123456789abcde",
	    "0123456789abcdef0123456789abcdef0",
	    "0123456789ABCDEF0123456789ABCDEF",
	    "0123456789abcdef0123456789abcdeg",
	    "0123456789abcdef/123456789abcdef",
	    "",
	    NULL,
	};
	char victim[128], path[192], id[STORE_BLOB_ID_LEN + 1];
	struct err e = {0};
	struct buf out;
	struct stat st;
	size_t i;
	int rc, fd;

	assert_int_equal(strlen(escape), STORE_BLOB_ID_LEN);
	snprintf(victim, sizeof victim, "%s/victim1", f->top);
	fd = open(victim, O_WRONLY | O_CREAT, 0600);
	assert_int_equal(write(fd, "keep me", 7), 7);
	close(fd);
	/* Once HOME/blobs exists, the escape would reach the victim. */
	assert_int_equal(store_blob_put_raw(f->home, f->key, -1, "x", 1, id, &e), 0);
	snprintf(path, sizeof path, "%s/blobs/%.2s/%s", f->home, escape, escape);
	assert_int_equal(stat(path, &st), 0);

	buf_init(&out);
	for (i = 0; i < nitems(bad); i++) {
		rc = store_blob_get_raw(f->home, f->key, bad[i], -1, &out, &e);
		assert_true(rc == E_USAGE || rc == E_NOTFOUND);
		assert_int_equal(out.len, 0);
		rc = store_blob_del_raw(f->home, bad[i], &e);
		assert_true(rc == E_USAGE || rc == E_NOTFOUND);
	}
	assert_int_equal(stat(victim, &st), 0);
	assert_int_equal(st.st_size, 7);
	buf_free(&out);
}

static void test_get_of_missing_blob_is_not_found(void **state)
{
	struct fixture *f = *state;
	struct err e = {0};
	struct buf out;

	buf_init(&out);
	assert_int_equal(
	    store_blob_get_raw(f->home, f->key, "0123456789abcdef0123456789abcdef", -1, &out, &e),
	    E_NOTFOUND);
	assert_int_equal(out.len, 0);
	buf_free(&out);
}

static void test_del_removes_and_second_del_is_not_found(void **state)
{
	struct fixture *f = *state;
	char id[STORE_BLOB_ID_LEN + 1], *path;
	struct err e = {0};
	struct buf out;
	struct stat st;

	assert_int_equal(store_blob_put_raw(f->home, f->key, -1, "bye", 3, id, &e), 0);
	path = file_of(f, id);
	assert_int_equal(store_blob_del_raw(f->home, id, &e), 0);
	assert_int_equal(stat(path, &st), -1);
	assert_int_equal(errno, ENOENT);
	assert_int_equal(store_blob_del_raw(f->home, id, &e), E_NOTFOUND);
	buf_init(&out);
	assert_int_equal(store_blob_get_raw(f->home, f->key, id, -1, &out, &e), E_NOTFOUND);
	buf_free(&out);
	free(path);
}

static int count_files(const char *dir)
{
	struct dirent *d;
	DIR *dh = opendir(dir);
	char *sub;
	int n = 0;

	if (dh == NULL)
		return 0;
	while ((d = readdir(dh)) != NULL) {
		if (strcmp(d->d_name, ".") == 0 || strcmp(d->d_name, "..") == 0)
			continue;
		if (d->d_type == DT_DIR) {
			xasprintf(&sub, "%s/%s", dir, d->d_name);
			n += count_files(sub);
			free(sub);
		} else {
			n++;
		}
	}
	closedir(dh);
	return n;
}

static void test_full_disk_fails_leaving_no_file_and_no_temp(void **state)
{
	struct fixture *f = *state;
	size_t n = 1024 * 1024;
	unsigned char *data;
	char tiny[128], blobs[160], id[STORE_BLOB_ID_LEN + 1] = "";
	struct err e = {0};

	snprintf(tiny, sizeof tiny, "%s/tiny", f->top);
	assert_int_equal(mkdir(tiny, 0700), 0);
	if (mount("tmpfs", tiny, "tmpfs", 0, "size=64k,mode=0700") < 0) {
		print_message("skipped: cannot mount a tmpfs (%s)\n", strerror(errno));
		skip();
	}
	data = random_bytes(n);
	assert_int_equal(store_blob_put_raw(tiny, f->key, -1, data, n, id, &e), E_IO);
	assert_non_null(strstr(e.msg, "No space left"));
	assert_non_null(strstr(e.msg, "nothing was stored"));
	assert_string_equal(id, "");
	snprintf(blobs, sizeof blobs, "%s/blobs", tiny);
	assert_int_equal(count_files(blobs), 0);

	/* Once there is room again, blobs go in. */
	assert_int_equal(store_blob_put_raw(tiny, f->key, -1, data, 1000, id, &e), 0);
	assert_int_equal(count_files(blobs), 1);
	assert_int_equal(umount2(tiny, 0), 0);
	free(data);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	    T(test_empty_blob_round_trips),
	    T(test_one_byte_blob_round_trips),
	    T(test_blob_of_exactly_one_chunk_round_trips),
	    T(test_blob_of_one_chunk_and_one_byte_round_trips),
	    T(test_five_mib_random_blob_round_trips),
	    T(test_put_names_file_by_lowercase_hex_id_private_and_without_temp),
	    T(test_put_fd_streams_a_pipe_fed_in_small_pieces),
	    T(test_put_fd_reads_a_file_to_its_end_and_get_fd_writes_it_back),
	    T(test_get_fd_writes_a_big_blob_through_a_pipe),
	    T(test_get_appends_to_what_the_buffer_holds),
	    T(test_file_on_disk_holds_no_plaintext),
	    T(test_wrong_key_is_io_error),
	    T(test_flipped_byte_in_header_is_refused_and_out_unchanged),
	    T(test_flipped_byte_in_middle_chunk_is_refused_and_out_unchanged),
	    T(test_flipped_byte_in_last_chunk_is_refused_and_out_unchanged),
	    T(test_file_cut_short_is_truncated),
	    T(test_file_cut_at_a_chunk_boundary_is_truncated),
	    T(test_bytes_after_the_final_chunk_are_refused),
	    T(test_file_moved_to_another_valid_id_is_refused),
	    T(test_bad_ids_are_refused_without_touching_files_outside),
	    T(test_get_of_missing_blob_is_not_found),
	    T(test_del_removes_and_second_del_is_not_found),
	    T(test_full_disk_fails_leaving_no_file_and_no_temp),
#undef T
	};
	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests_name("store_blob", tests, NULL, NULL);
}
