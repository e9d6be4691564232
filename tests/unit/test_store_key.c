/*
 * test_store_key.c - store/key.c: key files, HOME/keys and the data key.
 *
 * Every test gets a fresh temporary directory. Argon2id runs at its
 * minimum cost except in the calibration test (skipped with
 * ATRIUM_SKIP_SLOW=1), which checks the real cost.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include <sodium.h>

#include "store/store.h"
#include "store/key_priv.h"

#define PASS "correct horse battery staple"

struct fx {
	char dir[64];
	char home[96];
};

static void rm_tree(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char path[512];
	struct stat st;

	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
		if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode))
			rm_tree(path);
		else
			unlink(path);
	}
	closedir(d);
	rmdir(dir);
}

static int fx_setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);

	strcpy(f->dir, "/tmp/atrium-test-key.XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	snprintf(f->home, sizeof f->home, "%s/home", f->dir);
	*state = f;
	return 0;
}

static int fx_teardown(void **state)
{
	struct fx *f = *state;

	rm_tree(f->dir);
	free(f);
	return 0;
}

static int group_setup(void **state)
{
	if (sodium_init() < 0)
		return -1;
	store_keys_set_kdf_limits(crypto_pwhash_OPSLIMIT_MIN, crypto_pwhash_MEMLIMIT_MIN);
	return 0;
}

static char *in_dir(const struct fx *f, const char *name)
{
	char *p;

	xasprintf(&p, "%s/%s", f->dir, name);
	return p;
}

static char *keys_file(const struct fx *f)
{
	char *p;

	xasprintf(&p, "%s/keys", f->home);
	return p;
}

static void write_file(const char *path, const void *data, size_t len, mode_t mode)
{
	FILE *fp = fopen(path, "wb");

	assert_non_null(fp);
	assert_int_equal(fwrite(data, 1, len, fp), len);
	assert_int_equal(fclose(fp), 0);
	assert_int_equal(chmod(path, mode), 0);
}

static unsigned char *read_file(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	unsigned char *data = xmalloc(8192);

	assert_non_null(fp);
	*len = fread(data, 1, 8192, fp);
	fclose(fp);
	return data;
}

static int contains(const unsigned char *hay, size_t n, const void *needle, size_t m)
{
	return memmem(hay, n, needle, m) != NULL;
}

/* A key file holding the given byte repeated, in hex. */
static char *make_keyfile(const struct fx *f, const char *name, unsigned char fill,
			  unsigned char key[STORE_KEY_BYTES])
{
	char *path = in_dir(f, name);
	char hex[2 * STORE_KEY_BYTES + 2];

	memset(key, fill, STORE_KEY_BYTES);
	sodium_bin2hex(hex, sizeof hex, key, STORE_KEY_BYTES);
	strcat(hex, "\n");
	write_file(path, hex, strlen(hex), 0600);
	return path;
}

static void assert_same_data_key(const struct store_key *a, const struct store_key *b)
{
	unsigned char sa[STORE_KEY_BYTES], sb[STORE_KEY_BYTES];

	store_key_derive(a, SUBKEY_CACHE_DB, sa);
	store_key_derive(b, SUBKEY_CACHE_DB, sb);
	assert_memory_equal(sa, sb, sizeof sa);
}

/* ---- key files ------------------------------------------------------------ */

static void test_keygen_writes_64_lowercase_hex_digits_and_a_newline_mode_0600(void **state)
{
	struct fx *f = *state;
	char *path = in_dir(f, "k");
	struct err e = {0};
	struct stat st;
	unsigned char *data;
	size_t len, i;

	assert_int_equal(store_keygen(path, &e), 0);
	data = read_file(path, &len);
	assert_int_equal(len, 65);
	for (i = 0; i < 64; i++)
		assert_non_null(strchr("0123456789abcdef", data[i]));
	assert_int_equal(data[64], '\n');
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	free(data);
	free(path);
}

static void test_keygen_makes_a_different_key_each_time(void **state)
{
	struct fx *f = *state;
	char *a = in_dir(f, "a"), *b = in_dir(f, "b");
	unsigned char ka[STORE_KEY_BYTES], kb[STORE_KEY_BYTES];
	struct err e = {0};

	assert_int_equal(store_keygen(a, &e), 0);
	assert_int_equal(store_keygen(b, &e), 0);
	assert_int_equal(store_keyfile_read(a, ka, &e), 0);
	assert_int_equal(store_keyfile_read(b, kb, &e), 0);
	assert_memory_not_equal(ka, kb, sizeof ka);
	free(a);
	free(b);
}

static void test_keygen_refuses_to_overwrite_an_existing_file(void **state)
{
	struct fx *f = *state;
	char *path = in_dir(f, "k");
	struct err e = {0};
	unsigned char *data;
	size_t len;

	write_file(path, "precious", 8, 0600);
	assert_int_equal(store_keygen(path, &e), E_IO);
	assert_non_null(strstr(e.msg, path));
	assert_non_null(strstr(e.msg, "not overwriting"));
	data = read_file(path, &len);
	assert_int_equal(len, 8);
	assert_memory_equal(data, "precious", 8);
	free(data);
	free(path);
}

static void test_keyfile_read_accepts_32_raw_bytes(void **state)
{
	struct fx *f = *state;
	char *path = in_dir(f, "k");
	unsigned char raw[STORE_KEY_BYTES], out[STORE_KEY_BYTES];
	struct err e = {0};
	size_t i;

	/* A NUL inside and a newline at the end: still 32 raw bytes. */
	for (i = 0; i < sizeof raw; i++)
		raw[i] = (unsigned char)(i * 37 + 10);
	raw[5] = '\0';
	raw[31] = '\n';
	write_file(path, raw, sizeof raw, 0600);
	assert_int_equal(store_keyfile_read(path, out, &e), 0);
	assert_memory_equal(out, raw, sizeof raw);
	free(path);
}

static void test_keyfile_read_accepts_hex_bare_with_newline_or_crlf_any_case(void **state)
{
	static const char *const tails[] = {"", "\n", "\r\n"};
	static const char hex[] =
	    "00112233445566778899aabbccddeeff0123456789ABCDEFfedcba9876543210";
	struct fx *f = *state;
	char *path = in_dir(f, "k");
	unsigned char want[STORE_KEY_BYTES], out[STORE_KEY_BYTES];
	char text[80];
	struct err e = {0};
	size_t i;

	assert_int_equal(sodium_hex2bin(want, sizeof want, hex, 64, NULL, NULL, NULL), 0);
	for (i = 0; i < nitems(tails); i++) {
		snprintf(text, sizeof text, "%s%s", hex, tails[i]);
		unlink(path);
		write_file(path, text, strlen(text), 0600);
		memset(out, 0, sizeof out);
		assert_int_equal(store_keyfile_read(path, out, &e), 0);
		assert_memory_equal(out, want, sizeof want);
	}
	free(path);
}

static void test_keyfile_read_refuses_a_file_others_can_read(void **state)
{
	static const mode_t modes[] = {0644, 0640, 0604, 0620, 0602};
	struct fx *f = *state;
	unsigned char key[STORE_KEY_BYTES], out[STORE_KEY_BYTES];
	char *path = make_keyfile(f, "k", 0x42, key);
	struct err e = {0};
	size_t i;

	for (i = 0; i < nitems(modes); i++) {
		assert_int_equal(chmod(path, modes[i]), 0);
		assert_int_equal(store_keyfile_read(path, out, &e), E_PERM);
		assert_non_null(strstr(e.msg, path));
		assert_non_null(strstr(e.msg, "chmod 600"));
	}
	assert_int_equal(chmod(path, 0400), 0);
	assert_int_equal(store_keyfile_read(path, out, &e), 0);
	free(path);
}

static void test_keyfile_read_follows_a_symlink_and_checks_the_targets_mode(void **state)
{
	struct fx *f = *state;
	unsigned char key[STORE_KEY_BYTES], out[STORE_KEY_BYTES];
	char *path = make_keyfile(f, "k", 0x17, key);
	char *link = in_dir(f, "link");
	struct err e = {0};

	assert_int_equal(symlink(path, link), 0);
	assert_int_equal(store_keyfile_read(link, out, &e), 0);
	assert_memory_equal(out, key, sizeof key);
	assert_int_equal(chmod(path, 0644), 0);
	assert_int_equal(store_keyfile_read(link, out, &e), E_PERM);
	free(path);
	free(link);
}

static void test_keyfile_read_refuses_malformed_content(void **state)
{
	static const char *const bad[] = {
	    "",
	    "\n",
	    "0123456789abcdef0123456789abcde",					 /* 31 */
	    "0123456789abcdef0123456789abcdef0",				 /* 33 */
	    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde\n", /* 63 */
	    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0", /* 65 */
	    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n\n",
	    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef \n",
	    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdeg\n",
	    " 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
	    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\r",
	};
	struct fx *f = *state;
	char *path = in_dir(f, "k");
	unsigned char out[STORE_KEY_BYTES];
	struct err e = {0};
	size_t i;

	for (i = 0; i < nitems(bad); i++) {
		unlink(path);
		write_file(path, bad[i], strlen(bad[i]), 0600);
		assert_int_equal(store_keyfile_read(path, out, &e), E_PARSE);
		assert_non_null(strstr(e.msg, path));
	}
	free(path);
}

static void test_keyfile_read_of_a_missing_file_is_not_found(void **state)
{
	struct fx *f = *state;
	char *path = in_dir(f, "nope");
	unsigned char out[STORE_KEY_BYTES];
	struct err e = {0};

	assert_int_equal(store_keyfile_read(path, out, &e), E_NOTFOUND);
	assert_non_null(strstr(e.msg, path));
	free(path);
}

/* ---- HOME/keys --------------------------------------------------------------- */

static void test_create_then_unlock_with_the_passphrase_gives_the_same_data_key(void **state)
{
	struct fx *f = *state;
	struct store_key *a = NULL, *b = NULL;
	struct err e = {0};
	int has_pass = -1, has_kf = -1;

	assert_int_equal(store_keys_exist(f->home), 0);
	assert_int_equal(store_keys_create(f->home, PASS, NULL, &a, &e), 0);
	assert_int_equal(store_keys_exist(f->home), 1);
	assert_int_equal(store_keys_methods(f->home, &has_pass, &has_kf, &e), 0);
	assert_int_equal(has_pass, 1);
	assert_int_equal(has_kf, 0);
	assert_int_equal(store_keys_unlock(f->home, PASS, NULL, &b, &e), 0);
	assert_same_data_key(a, b);
	assert_memory_equal(a->k, b->k, STORE_KEY_BYTES);
	store_key_free(a);
	store_key_free(b);
}

static void test_create_then_unlock_with_the_key_file_gives_the_same_data_key(void **state)
{
	struct fx *f = *state;
	unsigned char kf[STORE_KEY_BYTES];
	struct store_key *a = NULL, *b = NULL;
	struct err e = {0};
	int has_pass = -1, has_kf = -1;

	randombytes_buf(kf, sizeof kf);
	assert_int_equal(store_keys_create(f->home, NULL, kf, &a, &e), 0);
	assert_int_equal(store_keys_methods(f->home, &has_pass, &has_kf, &e), 0);
	assert_int_equal(has_pass, 0);
	assert_int_equal(has_kf, 1);
	assert_int_equal(store_keys_unlock(f->home, NULL, kf, &b, &e), 0);
	assert_same_data_key(a, b);
	store_key_free(a);
	store_key_free(b);
}

static void test_create_with_both_either_one_unlocks_the_same_data_key(void **state)
{
	struct fx *f = *state;
	unsigned char kf[STORE_KEY_BYTES], wrong[STORE_KEY_BYTES];
	struct store_key *a = NULL, *b = NULL, *c = NULL, *d = NULL;
	struct err e = {0};
	int has_pass = -1, has_kf = -1;

	randombytes_buf(kf, sizeof kf);
	randombytes_buf(wrong, sizeof wrong);
	assert_int_equal(store_keys_create(f->home, PASS, kf, &a, &e), 0);
	assert_int_equal(store_keys_methods(f->home, &has_pass, &has_kf, &e), 0);
	assert_int_equal(has_pass, 1);
	assert_int_equal(has_kf, 1);
	assert_int_equal(store_keys_unlock(f->home, PASS, NULL, &b, &e), 0);
	assert_int_equal(store_keys_unlock(f->home, NULL, kf, &c, &e), 0);
	/* One right method is enough when both are given. */
	assert_int_equal(store_keys_unlock(f->home, PASS, wrong, &d, &e), 0);
	assert_same_data_key(a, b);
	assert_same_data_key(a, c);
	assert_same_data_key(a, d);
	store_key_free(a);
	store_key_free(b);
	store_key_free(c);
	store_key_free(d);
}

static void test_keygen_output_unlocks_a_home_created_with_it(void **state)
{
	struct fx *f = *state;
	char *path = in_dir(f, "k");
	unsigned char kf[STORE_KEY_BYTES], again[STORE_KEY_BYTES];
	struct store_key *a = NULL, *b = NULL;
	struct err e = {0};

	assert_int_equal(store_keygen(path, &e), 0);
	assert_int_equal(store_keyfile_read(path, kf, &e), 0);
	assert_int_equal(store_keys_create(f->home, NULL, kf, &a, &e), 0);
	assert_int_equal(store_keyfile_read(path, again, &e), 0);
	assert_int_equal(store_keys_unlock(f->home, NULL, again, &b, &e), 0);
	assert_same_data_key(a, b);
	store_key_free(a);
	store_key_free(b);
	free(path);
}

static void test_two_homes_get_different_data_keys(void **state)
{
	struct fx *f = *state;
	char *other = in_dir(f, "other");
	struct store_key *a = NULL, *b = NULL;
	struct err e = {0};

	assert_int_equal(store_keys_create(f->home, PASS, NULL, &a, &e), 0);
	assert_int_equal(store_keys_create(other, PASS, NULL, &b, &e), 0);
	assert_memory_not_equal(a->k, b->k, STORE_KEY_BYTES);
	store_key_free(a);
	store_key_free(b);
	free(other);
}

static void test_wrong_passphrase_is_locked_and_leaves_the_keys_file_unchanged(void **state)
{
	struct fx *f = *state;
	char *path = keys_file(f);
	struct store_key *a = NULL, *b = NULL;
	struct err e = {0};
	unsigned char *before, *after;
	size_t nb, na;

	assert_int_equal(store_keys_create(f->home, PASS, NULL, &a, &e), 0);
	before = read_file(path, &nb);
	assert_int_equal(store_keys_unlock(f->home, PASS "!", NULL, &b, &e), E_LOCKED);
	assert_null(b);
	assert_non_null(strstr(e.msg, "wrong passphrase"));
	assert_non_null(strstr(e.msg, path));
	after = read_file(path, &na);
	assert_int_equal(na, nb);
	assert_memory_equal(after, before, nb);
	store_key_free(a);
	free(before);
	free(after);
	free(path);
}

static void test_wrong_key_file_is_locked_and_leaves_the_keys_file_unchanged(void **state)
{
	struct fx *f = *state;
	char *path = keys_file(f);
	unsigned char kf[STORE_KEY_BYTES], wrong[STORE_KEY_BYTES];
	struct store_key *a = NULL, *b = NULL;
	struct err e = {0};
	unsigned char *before, *after;
	size_t nb, na;

	randombytes_buf(kf, sizeof kf);
	memcpy(wrong, kf, sizeof kf);
	wrong[31] ^= 1;
	assert_int_equal(store_keys_create(f->home, PASS, kf, &a, &e), 0);
	before = read_file(path, &nb);
	assert_int_equal(store_keys_unlock(f->home, NULL, wrong, &b, &e), E_LOCKED);
	assert_null(b);
	assert_non_null(strstr(e.msg, "wrong key file"));
	assert_int_equal(store_keys_unlock(f->home, "nope", wrong, &b, &e), E_LOCKED);
	assert_non_null(strstr(e.msg, "wrong passphrase and key file"));
	after = read_file(path, &na);
	assert_int_equal(na, nb);
	assert_memory_equal(after, before, nb);
	store_key_free(a);
	free(before);
	free(after);
	free(path);
}

static void test_unlock_with_a_method_the_home_lacks_says_which_to_use(void **state)
{
	struct fx *f = *state;
	unsigned char kf[STORE_KEY_BYTES];
	struct store_key *k = NULL;
	struct err e = {0};

	randombytes_buf(kf, sizeof kf);
	assert_int_equal(store_keys_create(f->home, NULL, kf, NULL, &e), 0);
	assert_int_equal(store_keys_unlock(f->home, PASS, NULL, &k, &e), E_LOCKED);
	assert_non_null(strstr(e.msg, "no passphrase"));
	assert_int_equal(store_keys_unlock(f->home, NULL, NULL, &k, &e), E_USAGE);
	assert_null(k);
}

static void test_unlock_of_a_home_never_set_up_is_not_found(void **state)
{
	struct fx *f = *state;
	struct store_key *k = NULL;
	struct err e = {0};
	int p, kf;

	assert_int_equal(store_keys_unlock(f->home, PASS, NULL, &k, &e), E_NOTFOUND);
	assert_non_null(strstr(e.msg, "keys"));
	assert_int_equal(store_keys_methods(f->home, &p, &kf, &e), E_NOTFOUND);
	assert_null(k);
}

static void test_create_needs_a_passphrase_or_a_key_file(void **state)
{
	struct fx *f = *state;
	struct store_key *k = NULL;
	struct err e = {0};

	assert_int_equal(store_keys_create(f->home, NULL, NULL, &k, &e), E_USAGE);
	assert_int_equal(store_keys_create(f->home, "", NULL, &k, &e), E_USAGE);
	assert_null(k);
	assert_int_equal(store_keys_exist(f->home), 0);
}

static void test_create_refuses_a_home_already_set_up(void **state)
{
	struct fx *f = *state;
	char *path = keys_file(f);
	struct store_key *a = NULL, *b = NULL, *c = NULL;
	struct err e = {0};
	unsigned char *before, *after;
	size_t nb, na;

	assert_int_equal(store_keys_create(f->home, PASS, NULL, &a, &e), 0);
	before = read_file(path, &nb);
	assert_int_equal(store_keys_create(f->home, "other", NULL, &b, &e), E_CONFLICT);
	assert_null(b);
	assert_non_null(strstr(e.msg, path));
	after = read_file(path, &na);
	assert_int_equal(na, nb);
	assert_memory_equal(after, before, nb);
	assert_int_equal(store_keys_unlock(f->home, PASS, NULL, &c, &e), 0);
	assert_same_data_key(a, c);
	store_key_free(a);
	store_key_free(c);
	free(before);
	free(after);
	free(path);
}

static void test_keys_file_is_mode_0600_and_no_temp_file_is_left(void **state)
{
	struct fx *f = *state;
	char *path = keys_file(f);
	struct store_key *k = NULL;
	struct err e = {0};
	struct stat st;
	struct dirent *de;
	DIR *d;
	int n = 0;

	assert_int_equal(store_keys_create(f->home, PASS, NULL, &k, &e), 0);
	assert_int_equal(store_keys_set_passphrase(f->home, k, "another one", &e), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	d = opendir(f->home);
	assert_non_null(d);
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			n++;
	closedir(d);
	assert_int_equal(n, 1);
	store_key_free(k);
	free(path);
}

static void test_set_passphrase_rewraps_old_one_fails_new_one_works_same_data_key(void **state)
{
	struct fx *f = *state;
	struct store_key *a = NULL, *b = NULL, *c = NULL;
	struct err e = {0};
	unsigned char before[STORE_KEY_BYTES], after[STORE_KEY_BYTES];

	assert_int_equal(store_keys_create(f->home, PASS, NULL, &a, &e), 0);
	store_key_derive(a, SUBKEY_VAULT, before);
	assert_int_equal(store_keys_set_passphrase(f->home, a, "new passphrase", &e), 0);
	assert_int_equal(store_keys_unlock(f->home, PASS, NULL, &b, &e), E_LOCKED);
	assert_null(b);
	assert_int_equal(store_keys_unlock(f->home, "new passphrase", NULL, &c, &e), 0);
	store_key_derive(c, SUBKEY_VAULT, after);
	assert_memory_equal(before, after, sizeof before);
	store_key_free(a);
	store_key_free(c);
}

static void test_set_passphrase_keeps_the_key_file_wrap(void **state)
{
	struct fx *f = *state;
	unsigned char kf[STORE_KEY_BYTES];
	struct store_key *a = NULL, *b = NULL;
	struct err e = {0};

	randombytes_buf(kf, sizeof kf);
	assert_int_equal(store_keys_create(f->home, PASS, kf, &a, &e), 0);
	assert_int_equal(store_keys_set_passphrase(f->home, a, "new passphrase", &e), 0);
	assert_int_equal(store_keys_unlock(f->home, NULL, kf, &b, &e), 0);
	assert_same_data_key(a, b);
	store_key_free(a);
	store_key_free(b);
}

static void test_set_keyfile_adds_then_replaces_the_key_file_wrap(void **state)
{
	struct fx *f = *state;
	unsigned char k1[STORE_KEY_BYTES], k2[STORE_KEY_BYTES];
	struct store_key *a = NULL, *b = NULL, *c = NULL;
	struct err e = {0};
	int has_pass, has_kf;

	randombytes_buf(k1, sizeof k1);
	randombytes_buf(k2, sizeof k2);
	assert_int_equal(store_keys_create(f->home, PASS, NULL, &a, &e), 0);
	assert_int_equal(store_keys_set_keyfile(f->home, a, k1, &e), 0);
	assert_int_equal(store_keys_methods(f->home, &has_pass, &has_kf, &e), 0);
	assert_int_equal(has_pass, 1);
	assert_int_equal(has_kf, 1);
	assert_int_equal(store_keys_unlock(f->home, NULL, k1, &b, &e), 0);
	assert_same_data_key(a, b);
	assert_int_equal(store_keys_set_keyfile(f->home, a, k2, &e), 0);
	store_key_free(b);
	b = NULL;
	assert_int_equal(store_keys_unlock(f->home, NULL, k1, &b, &e), E_LOCKED);
	assert_int_equal(store_keys_unlock(f->home, NULL, k2, &c, &e), 0);
	assert_same_data_key(a, c);
	store_key_free(a);
	store_key_free(c);
}

static void test_removing_one_method_works_while_another_remains(void **state)
{
	struct fx *f = *state;
	unsigned char kf[STORE_KEY_BYTES];
	struct store_key *a = NULL, *b = NULL;
	struct err e = {0};
	int has_pass, has_kf;

	randombytes_buf(kf, sizeof kf);
	assert_int_equal(store_keys_create(f->home, PASS, kf, &a, &e), 0);
	assert_int_equal(store_keys_set_passphrase(f->home, a, NULL, &e), 0);
	assert_int_equal(store_keys_methods(f->home, &has_pass, &has_kf, &e), 0);
	assert_int_equal(has_pass, 0);
	assert_int_equal(has_kf, 1);
	assert_int_equal(store_keys_unlock(f->home, PASS, NULL, &b, &e), E_LOCKED);
	assert_int_equal(store_keys_set_passphrase(f->home, a, "back again", &e), 0);
	assert_int_equal(store_keys_set_keyfile(f->home, a, NULL, &e), 0);
	assert_int_equal(store_keys_methods(f->home, &has_pass, &has_kf, &e), 0);
	assert_int_equal(has_pass, 1);
	assert_int_equal(has_kf, 0);
	assert_int_equal(store_keys_unlock(f->home, "back again", NULL, &b, &e), 0);
	assert_same_data_key(a, b);
	store_key_free(a);
	store_key_free(b);
}

static void test_removing_the_last_method_is_refused_and_changes_nothing(void **state)
{
	struct fx *f = *state;
	char *path = keys_file(f);
	unsigned char kf[STORE_KEY_BYTES];
	struct store_key *a = NULL, *b = NULL;
	struct err e = {0};
	unsigned char *before, *after;
	size_t nb, na;

	assert_int_equal(store_keys_create(f->home, PASS, NULL, &a, &e), 0);
	before = read_file(path, &nb);
	assert_int_equal(store_keys_set_passphrase(f->home, a, NULL, &e), E_USAGE);
	assert_non_null(strstr(e.msg, "nothing was changed"));
	/* Removing the key file it does not have is not an error, and no write. */
	assert_int_equal(store_keys_set_keyfile(f->home, a, NULL, &e), 0);
	after = read_file(path, &na);
	assert_int_equal(na, nb);
	assert_memory_equal(after, before, nb);
	free(before);
	free(after);
	store_key_free(a);
	a = NULL;

	rm_tree(f->home);
	randombytes_buf(kf, sizeof kf);
	assert_int_equal(store_keys_create(f->home, NULL, kf, &a, &e), 0);
	assert_int_equal(store_keys_set_keyfile(f->home, a, NULL, &e), E_USAGE);
	assert_int_equal(store_keys_unlock(f->home, NULL, kf, &b, &e), 0);
	store_key_free(a);
	store_key_free(b);
	free(path);
}

static void test_set_passphrase_with_another_homes_key_is_refused(void **state)
{
	struct fx *f = *state;
	char *other = in_dir(f, "other");
	char *path = keys_file(f);
	struct store_key *a = NULL, *b = NULL;
	struct err e = {0};
	unsigned char *before, *after;
	size_t nb, na;

	assert_int_equal(store_keys_create(f->home, PASS, NULL, &a, &e), 0);
	assert_int_equal(store_keys_create(other, PASS, NULL, &b, &e), 0);
	before = read_file(path, &nb);
	assert_int_equal(store_keys_set_passphrase(f->home, b, "x", &e), E_CONFLICT);
	assert_int_equal(store_keys_set_keyfile(f->home, b, a->k, &e), E_CONFLICT);
	after = read_file(path, &na);
	assert_int_equal(na, nb);
	assert_memory_equal(after, before, nb);
	store_key_free(a);
	store_key_free(b);
	free(before);
	free(after);
	free(other);
	free(path);
}

static void test_keys_file_holds_neither_the_passphrase_nor_the_data_key(void **state)
{
	struct fx *f = *state;
	char *path = keys_file(f);
	unsigned char kf[STORE_KEY_BYTES];
	struct store_key *k = NULL;
	struct err e = {0};
	char hex[2 * STORE_KEY_BYTES + 1];
	char b64[sodium_base64_ENCODED_LEN(STORE_KEY_BYTES, sodium_base64_VARIANT_ORIGINAL)];
	unsigned char *data;
	size_t len;

	randombytes_buf(kf, sizeof kf);
	assert_int_equal(store_keys_create(f->home, PASS, kf, &k, &e), 0);
	data = read_file(path, &len);
	assert_false(contains(data, len, PASS, strlen(PASS)));
	assert_false(contains(data, len, k->k, STORE_KEY_BYTES));
	assert_false(contains(data, len, kf, sizeof kf));
	sodium_bin2hex(hex, sizeof hex, k->k, STORE_KEY_BYTES);
	assert_false(contains(data, len, hex, 2 * STORE_KEY_BYTES));
	/* The first 40 base64 digits: those do not depend on alignment. */
	sodium_bin2base64(b64, sizeof b64, k->k, STORE_KEY_BYTES, sodium_base64_VARIANT_ORIGINAL);
	assert_false(contains(data, len, b64, 40));
	free(data);
	store_key_free(k);
	free(path);
}

static void test_damaged_keys_file_is_an_io_error_naming_the_file(void **state)
{
	static const char *const bad[] = {
	    "",
	    "hello\n",
	    "atrium-keys 1\n",
	    "atrium-keys 1\ncheck AAAAAAAAAAAAAAAAAAAAAA==\n",
	    "atrium-keys 1\ncheck AAAAAAAAAAAAAAAAAAAAAA==\nkeyfile\n",
	    "atrium-keys 1\ncheck AAAAAAAAAAAAAAAAAAAAAA==\nkeyfile !!! ???\n",
	    "atrium-keys 1\ncheck AAAAAAAAAAAAAAAAAAAAAA==\nfrobnicate 1\n",
	    "atrium-keys 1\ncheck AAAAAAAAAAAAAAAAAAAAAA==\npassphrase argon2id13 "
	    "99999999999999999999 "
	    "8192 A A A\n",
	    "atrium-keys 1\ncheck AAAAAAAAAAAAAAAAAAAAAA==\npassphrase scrypt 1 8192 A A A\n",
	    "atrium-keys 1\r\ncheck AAAAAAAAAAAAAAAAAAAAAA==\r\n",
	};
	struct fx *f = *state;
	char *path = keys_file(f);
	struct store_key *k = NULL;
	struct err e = {0};
	unsigned char kf[STORE_KEY_BYTES];
	size_t i;
	int p, q;

	memset(kf, 1, sizeof kf);
	assert_int_equal(mkdir(f->home, 0700), 0);
	for (i = 0; i < nitems(bad); i++) {
		write_file(path, bad[i], strlen(bad[i]), 0600);
		assert_int_equal(store_keys_unlock(f->home, PASS, kf, &k, &e), E_IO);
		assert_non_null(strstr(e.msg, path));
		assert_int_equal(store_keys_methods(f->home, &p, &q, &e), E_IO);
		assert_null(k);
	}
	write_file(path, "atrium-keys 7\n", 14, 0600);
	assert_int_equal(store_keys_unlock(f->home, PASS, kf, &k, &e), E_IO);
	assert_non_null(strstr(e.msg, "newer atrium"));
	free(path);
}

/* Every prefix and every single-byte change of a real file: an error or a
 * correct key, never a crash or a wrong key. */
static void test_truncated_or_flipped_keys_file_never_crashes_or_gives_a_wrong_key(void **state)
{
	struct fx *f = *state;
	char *path = keys_file(f);
	unsigned char kf[STORE_KEY_BYTES];
	struct store_key *a = NULL, *k;
	struct err e = {0};
	unsigned char *good, *bad;
	size_t len, i;
	int rc;

	randombytes_buf(kf, sizeof kf);
	assert_int_equal(store_keys_create(f->home, PASS, kf, &a, &e), 0);
	good = read_file(path, &len);
	bad = xmalloc(len);
	for (i = 0; i < len; i++) {
		unlink(path);
		write_file(path, good, i, 0600);
		k = NULL;
		rc = store_keys_unlock(f->home, PASS, kf, &k, &e);
		if (rc == 0) {
			assert_same_data_key(a, k);
			store_key_free(k);
		} else {
			assert_true(rc == E_IO || rc == E_LOCKED);
		}
	}
	for (i = 0; i < len; i++) {
		memcpy(bad, good, len);
		bad[i] ^= (unsigned char)(i % 2 ? 0x01 : 0x20);
		unlink(path);
		write_file(path, bad, len, 0600);
		k = NULL;
		rc = store_keys_unlock(f->home, PASS, kf, &k, &e);
		if (rc == 0) {
			assert_same_data_key(a, k);
			store_key_free(k);
		} else {
			assert_true(rc == E_IO || rc == E_LOCKED);
		}
	}
	/* A truncated last line is damage, not a wrong passphrase. */
	unlink(path);
	write_file(path, good, len - 1, 0600);
	assert_int_equal(store_keys_unlock(f->home, PASS, kf, &k, &e), E_IO);
	assert_non_null(strstr(e.msg, "truncated"));
	free(good);
	free(bad);
	store_key_free(a);
	free(path);
}

static void test_derive_gives_a_different_key_per_id_and_the_same_each_time(void **state)
{
	static const enum store_subkey ids[] = {SUBKEY_CACHE_DB, SUBKEY_OUTBOX_DB, SUBKEY_BLOBS,
						SUBKEY_VAULT, SUBKEY_INDEX};
	struct fx *f = *state;
	unsigned char out[nitems(ids)][STORE_KEY_BYTES], again[STORE_KEY_BYTES];
	struct store_key *k = NULL;
	struct err e = {0};
	size_t i, j;

	assert_int_equal(store_keys_create(f->home, PASS, NULL, &k, &e), 0);
	for (i = 0; i < nitems(ids); i++) {
		store_key_derive(k, ids[i], out[i]);
		assert_memory_not_equal(out[i], k->k, STORE_KEY_BYTES);
		for (j = 0; j < i; j++)
			assert_memory_not_equal(out[i], out[j], STORE_KEY_BYTES);
		store_key_derive(k, ids[i], again);
		assert_memory_equal(out[i], again, STORE_KEY_BYTES);
	}
	store_key_free(k);
}

static double now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void test_calibrated_create_takes_about_half_a_second(void **state)
{
	struct fx *f = *state;
	char *path = keys_file(f);
	struct store_key *a = NULL, *b = NULL;
	struct err e = {0};
	unsigned long long ops;
	size_t mem;
	unsigned char *data;
	size_t len;
	char *line;
	double t;
	const char *skip_slow = getenv("ATRIUM_SKIP_SLOW");

	if (skip_slow != NULL && strcmp(skip_slow, "1") == 0)
		skip();
	store_keys_set_kdf_limits(0, 0);
	t = now_seconds();
	assert_int_equal(store_keys_create(f->home, PASS, NULL, &a, &e), 0);
	t = now_seconds() - t;
	data = read_file(path, &len);
	data[len < 8191 ? len : 8191] = '\0';
	line = strstr((char *)data, "\npassphrase argon2id13 ");
	assert_non_null(line);
	assert_int_equal(sscanf(line, "\npassphrase argon2id13 %llu %zu", &ops, &mem), 2);
	assert_in_range(ops, 2, 256);
	assert_in_range(mem, 8u << 20, crypto_pwhash_MEMLIMIT_MODERATE);
	assert_true(t >= 0.2 && t <= 2.0);
	/* Unlocking uses the stored cost, whatever the current setting. */
	store_keys_set_kdf_limits(crypto_pwhash_OPSLIMIT_MIN, crypto_pwhash_MEMLIMIT_MIN);
	assert_int_equal(store_keys_unlock(f->home, PASS, NULL, &b, &e), 0);
	assert_same_data_key(a, b);
	store_key_free(a);
	store_key_free(b);
	free(data);
	free(path);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, fx_setup, fx_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    T(test_keygen_writes_64_lowercase_hex_digits_and_a_newline_mode_0600),
	    T(test_keygen_makes_a_different_key_each_time),
	    T(test_keygen_refuses_to_overwrite_an_existing_file),
	    T(test_keyfile_read_accepts_32_raw_bytes),
	    T(test_keyfile_read_accepts_hex_bare_with_newline_or_crlf_any_case),
	    T(test_keyfile_read_refuses_a_file_others_can_read),
	    T(test_keyfile_read_follows_a_symlink_and_checks_the_targets_mode),
	    T(test_keyfile_read_refuses_malformed_content),
	    T(test_keyfile_read_of_a_missing_file_is_not_found),
	    T(test_create_then_unlock_with_the_passphrase_gives_the_same_data_key),
	    T(test_create_then_unlock_with_the_key_file_gives_the_same_data_key),
	    T(test_create_with_both_either_one_unlocks_the_same_data_key),
	    T(test_keygen_output_unlocks_a_home_created_with_it),
	    T(test_two_homes_get_different_data_keys),
	    T(test_wrong_passphrase_is_locked_and_leaves_the_keys_file_unchanged),
	    T(test_wrong_key_file_is_locked_and_leaves_the_keys_file_unchanged),
	    T(test_unlock_with_a_method_the_home_lacks_says_which_to_use),
	    T(test_unlock_of_a_home_never_set_up_is_not_found),
	    T(test_create_needs_a_passphrase_or_a_key_file),
	    T(test_create_refuses_a_home_already_set_up),
	    T(test_keys_file_is_mode_0600_and_no_temp_file_is_left),
	    T(test_set_passphrase_rewraps_old_one_fails_new_one_works_same_data_key),
	    T(test_set_passphrase_keeps_the_key_file_wrap),
	    T(test_set_keyfile_adds_then_replaces_the_key_file_wrap),
	    T(test_removing_one_method_works_while_another_remains),
	    T(test_removing_the_last_method_is_refused_and_changes_nothing),
	    T(test_set_passphrase_with_another_homes_key_is_refused),
	    T(test_keys_file_holds_neither_the_passphrase_nor_the_data_key),
	    T(test_damaged_keys_file_is_an_io_error_naming_the_file),
	    T(test_truncated_or_flipped_keys_file_never_crashes_or_gives_a_wrong_key),
	    T(test_derive_gives_a_different_key_per_id_and_the_same_each_time),
	    T(test_calibrated_create_takes_about_half_a_second),
	};

	return cmocka_run_group_tests(tests, group_setup, NULL);
}
