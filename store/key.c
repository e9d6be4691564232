/*
 * key.c - the data key and HOME/keys, the only file that can unlock a home.
 *
 * The data key is 32 random bytes made once, when a home is set up, and
 * never changed: every sub-key (store_key_derive), so every encrypted byte
 * of the home, hangs from it. HOME/keys holds it only wrapped: under a
 * passphrase (Argon2id, its cost calibrated to about 0.5 s on this machine
 * and stored with the wrap) and/or under a key file. Changing either
 * re-wraps 32 bytes; nothing else is re-encrypted. In memory the key lives
 * in sodium_malloc'd pages: guarded, locked, read-only, wiped on free.
 *
 * HOME/keys is text, one record a line, fields separated by one space,
 * binary fields in padded base64:
 *
 *   atrium-keys 1
 *   check CHECK
 *   passphrase argon2id13 OPSLIMIT MEMLIMIT SALT NONCE WRAPPED
 *   keyfile NONCE WRAPPED
 *
 * WRAPPED is the data key sealed by XChaCha20-Poly1305 under the Argon2id
 * output or under a crypto_kdf (BLAKE2b) derivation of the key file's
 * bytes; the associated data is the first line, the record's type and its
 * KDF parameters. CHECK is a keyed BLAKE2b of a label under the data key:
 * it lets store_keys_set_* refuse a key that is not this home's, which
 * would otherwise leave two wraps of different keys in one file. Every
 * write replaces the whole file atomically (temp file, fsync, rename,
 * fsync of the directory); creation never replaces an existing file.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "store/internal.h"
#include "store/key_priv.h"

#define KEYS_NAME "keys"
#define KEYS_MAGIC "atrium-keys 1"
#define KEYS_MAGIC_ANY "atrium-keys "
#define KEYS_MAX_SIZE 4096
#define CHECK_BYTES 16
#define SALT_BYTES crypto_pwhash_SALTBYTES
#define NONCE_BYTES crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
#define WRAPPED_BYTES (STORE_KEY_BYTES + crypto_aead_xchacha20poly1305_ietf_ABYTES)
#define B64 sodium_base64_VARIANT_ORIGINAL

#define SUBKEY_CONTEXT "atrium01"
#define KEYFILE_CONTEXT "atrkeyfl"
#define CHECK_LABEL "atrium-keys check"

/* Calibration: start at libsodium's interactive pass count with its
 * moderate memory, time one derivation and scale the passes to the target. */
#define KDF_TARGET_SECONDS 0.5
#define KDF_OPS_START crypto_pwhash_argon2id_OPSLIMIT_INTERACTIVE
#define KDF_MEM_START ((size_t)crypto_pwhash_argon2id_MEMLIMIT_MODERATE)
#define KDF_MEM_FLOOR ((size_t)8 << 20)
/* What a keys file may ask for: more is damage, not a stronger setting. */
#define KDF_OPS_MAX 256ULL
#define KDF_MEM_MAX ((size_t)2 << 30)

_Static_assert(STORE_KEY_BYTES == crypto_kdf_KEYBYTES, "data key is a crypto_kdf key");
_Static_assert(STORE_KEY_BYTES == crypto_aead_xchacha20poly1305_ietf_KEYBYTES,
	       "wrapping keys are AEAD keys");
_Static_assert(sizeof(SUBKEY_CONTEXT) - 1 == crypto_kdf_CONTEXTBYTES, "kdf context size");
_Static_assert(sizeof(KEYFILE_CONTEXT) - 1 == crypto_kdf_CONTEXTBYTES, "kdf context size");

struct keys_file {
	unsigned char check[CHECK_BYTES];
	int has_pass;
	unsigned long long ops;
	size_t mem;
	unsigned char salt[SALT_BYTES];
	unsigned char pass_nonce[NONCE_BYTES];
	unsigned char pass_wrapped[WRAPPED_BYTES];
	int has_keyfile;
	unsigned char kf_nonce[NONCE_BYTES];
	unsigned char kf_wrapped[WRAPPED_BYTES];
};

static unsigned long long kdf_ops_fixed;
static size_t kdf_mem_fixed;

static void key_init(void)
{
	if (sodium_init() < 0)
		fatal("libsodium could not be initialised");
}

static struct store_key *key_alloc(void)
{
	struct store_key *k;

	key_init();
	k = sodium_malloc(sizeof *k);
	if (k == NULL)
		fatal("out of memory for the data key");
	return k;
}

void store_key_free(struct store_key *k)
{
	if (k != NULL)
		sodium_free(k);
}

void store_key_derive(const struct store_key *k, enum store_subkey id,
		      unsigned char out[STORE_KEY_BYTES])
{
	crypto_kdf_derive_from_key(out, STORE_KEY_BYTES, (uint64_t)id, SUBKEY_CONTEXT, k->k);
}

void store_keys_set_kdf_limits(unsigned long long opslimit, size_t memlimit)
{
	if (opslimit == 0 && memlimit == 0) {
		kdf_ops_fixed = 0;
		kdf_mem_fixed = 0;
		return;
	}
	/* Clamped so that the file written can be read back. */
	if (opslimit < crypto_pwhash_argon2id_OPSLIMIT_MIN)
		opslimit = crypto_pwhash_argon2id_OPSLIMIT_MIN;
	if (opslimit > KDF_OPS_MAX)
		opslimit = KDF_OPS_MAX;
	if (memlimit < crypto_pwhash_argon2id_MEMLIMIT_MIN)
		memlimit = crypto_pwhash_argon2id_MEMLIMIT_MIN;
	if (memlimit > KDF_MEM_MAX)
		memlimit = KDF_MEM_MAX;
	kdf_ops_fixed = opslimit;
	kdf_mem_fixed = memlimit;
}

static char *keys_path(const char *home)
{
	char *path;

	xasprintf(&path, "%s/" KEYS_NAME, home);
	return path;
}

static double now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- small file helpers ---------------------------------------------- */

/* Read until end of file or max bytes, whichever comes first. */
static int read_upto(int fd, void *data, size_t max, size_t *len)
{
	char *p = data;

	*len = 0;
	while (*len < max) {
		ssize_t n = read(fd, p + *len, max - *len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		*len += (size_t)n;
	}
	return 0;
}

/* 0 or an errno value. */
static int fsync_dir(const char *dir)
{
	return store_fsync_dir(dir) < 0 ? errno : 0;
}

static int fsync_parent(const char *path)
{
	char *copy = xstrdup(path);
	int rc = fsync_dir(dirname(copy));

	free(copy);
	return rc;
}

/*
 * Write path through a temp file in dir. With excl, an existing path is
 * left alone (link fails with EEXIST) and E_CONFLICT returned.
 */
static int write_atomic(const char *dir, const char *path, const void *data, size_t len, int excl,
			struct err *e)
{
	char *tmp;
	int fd, saved;
	const char *what = "write";

	xasprintf(&tmp, "%s/." KEYS_NAME ".XXXXXX", dir);
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		saved = errno;
		free(tmp);
		return err_set(e, E_IO, "cannot write %s: %s; %s", path, strerror(saved),
			       excl ? "nothing was written" : "the old file is intact");
	}
	if (fchmod(fd, 0600) < 0 || store_write_full(fd, data, len) < 0 || fsync(fd) < 0) {
		saved = errno;
		close(fd);
		goto fail;
	}
	if (close(fd) < 0) {
		saved = errno;
		goto fail;
	}
	if (excl) {
		if (link(tmp, path) < 0) {
			saved = errno;
			/* Without hard links (some FUSE file systems), check, then rename. */
			if (saved == EEXIST || access(path, F_OK) == 0) {
				unlink(tmp);
				free(tmp);
				return err_set(e, E_CONFLICT,
					       "%s exists: this home is already set up; "
					       "nothing was changed",
					       path);
			}
			what = "rename";
			if (rename(tmp, path) < 0) {
				saved = errno;
				goto fail;
			}
		} else {
			unlink(tmp);
		}
	} else if (rename(tmp, path) < 0) {
		saved = errno;
		what = "rename";
		goto fail;
	}
	free(tmp);
	saved = fsync_dir(dir);
	if (saved != 0)
		return err_set(e, E_IO, "wrote %s but could not flush its directory: %s", path,
			       strerror(saved));
	return 0;
fail:
	unlink(tmp);
	free(tmp);
	return err_set(e, E_IO, "cannot %s %s: %s; %s", what, path, strerror(saved),
		       excl ? "nothing was written" : "the old file is intact");
}

/* ---- key files ----------------------------------------------------------- */

int store_keyfile_read(const char *path, unsigned char out[STORE_KEY_BYTES], struct err *e)
{
	unsigned char data[80];
	size_t len, i, bin_len;
	struct stat st;
	int fd, saved, rc = 0;

	key_init();
	/* Not O_NOFOLLOW: a symlink to a key file is fine, the target's mode
	 * is what counts. O_NONBLOCK so a FIFO cannot hang us. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		saved = errno;
		if (saved == ENOENT)
			return err_set(e, E_NOTFOUND, "key file %s does not exist", path);
		return err_set(e, E_IO, "cannot open key file %s: %s", path, strerror(saved));
	}
	if (fstat(fd, &st) < 0) {
		saved = errno;
		close(fd);
		return err_set(e, E_IO, "cannot read key file %s: %s", path, strerror(saved));
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return err_set(e, E_PARSE,
			       "%s is not a key file: not a regular file; a key file holds 32 "
			       "bytes or 64 hex digits",
			       path);
	}
	if ((st.st_mode & 077) != 0) {
		close(fd);
		return err_set(e, E_PERM,
			       "key file %s is open to other users (mode %03o); run: chmod 600 %s",
			       path, (unsigned)(st.st_mode & 0777), path);
	}
	if (read_upto(fd, data, sizeof data, &len) < 0) {
		saved = errno;
		close(fd);
		sodium_memzero(data, sizeof data);
		return err_set(e, E_IO, "cannot read key file %s: %s", path, strerror(saved));
	}
	close(fd);

	if (len == STORE_KEY_BYTES) {
		memcpy(out, data, STORE_KEY_BYTES);
		goto done;
	}
	if (len >= 2 && data[len - 2] == '\r' && data[len - 1] == '\n')
		len -= 2;
	else if (len >= 1 && data[len - 1] == '\n')
		len -= 1;
	if (len != 2 * STORE_KEY_BYTES)
		goto bad;
	for (i = 0; i < len; i++)
		if (!((data[i] >= '0' && data[i] <= '9') || (data[i] >= 'a' && data[i] <= 'f') ||
		      (data[i] >= 'A' && data[i] <= 'F')))
			goto bad;
	rc = sodium_hex2bin(out, STORE_KEY_BYTES, (const char *)data, len, NULL, &bin_len, NULL);
	if (rc != 0 || bin_len != STORE_KEY_BYTES)
		goto bad;
	goto done;
bad:
	sodium_memzero(out, STORE_KEY_BYTES);
	rc = err_set(e, E_PARSE,
		     "%s is not a key file: it must hold 32 bytes, or 64 hex digits and "
		     "a newline",
		     path);
done:
	sodium_memzero(data, sizeof data);
	return rc;
}

int store_keygen(const char *path, struct err *e)
{
	unsigned char key[STORE_KEY_BYTES];
	char hex[2 * STORE_KEY_BYTES + 1];
	int fd, saved;

	key_init();
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOCTTY, 0600);
	if (fd < 0) {
		saved = errno;
		if (saved == EEXIST)
			return err_set(e, E_IO, "%s exists; not overwriting", path);
		return err_set(e, E_IO, "cannot create key file %s: %s", path, strerror(saved));
	}
	randombytes_buf(key, sizeof key);
	sodium_bin2hex(hex, sizeof hex, key, sizeof key);
	sodium_memzero(key, sizeof key);
	hex[2 * STORE_KEY_BYTES] = '\n';
	/* The umask may have taken more than group and others away. */
	if (fchmod(fd, 0600) < 0 || store_write_full(fd, hex, sizeof hex) < 0 || fsync(fd) < 0) {
		saved = errno;
		close(fd);
		goto fail;
	}
	if (close(fd) < 0) {
		saved = errno;
		goto fail;
	}
	sodium_memzero(hex, sizeof hex);
	saved = fsync_parent(path);
	if (saved != 0)
		return err_set(e, E_IO, "wrote key file %s but could not flush its directory: %s",
			       path, strerror(saved));
	return 0;
fail:
	sodium_memzero(hex, sizeof hex);
	unlink(path);
	return err_set(e, E_IO, "cannot write key file %s: %s; nothing was kept", path,
		       strerror(saved));
}

/* ---- HOME/keys: reading and writing --------------------------------------- */

static int damaged(struct err *e, const char *path, int line, const char *why)
{
	if (line > 0)
		return err_set(e, E_IO,
			       "%s is damaged or not an atrium keys file (line %d: %s); "
			       "restore it from a backup",
			       path, line, why);
	return err_set(e, E_IO,
		       "%s is damaged or not an atrium keys file (%s); restore it from a backup",
		       path, why);
}

static int b64_field(const char *s, unsigned char *out, size_t n)
{
	size_t len = strlen(s), bin_len = 0;
	const char *end = NULL;

	if (sodium_base642bin(out, n, s, len, NULL, &bin_len, &end, B64) != 0)
		return -1;
	if (end != s + len || bin_len != n)
		return -1;
	return 0;
}

static int num_field(const char *s, unsigned long long *v)
{
	unsigned long long n = 0;
	size_t i;

	if (s[0] == '\0' || (s[0] == '0' && s[1] != '\0'))
		return -1;
	for (i = 0; s[i] != '\0'; i++) {
		if (s[i] < '0' || s[i] > '9' || i >= 19)
			return -1;
		n = n * 10 + (unsigned long long)(s[i] - '0');
	}
	*v = n;
	return 0;
}

/* Split a line at single spaces; an empty field makes it malformed. */
static int split(char *line, char **f, int max)
{
	int n = 0;

	for (;;) {
		char *sp = strchr(line, ' ');

		if (n == max || *line == '\0' || sp == line)
			return -1;
		f[n++] = line;
		if (sp == NULL)
			return n;
		*sp = '\0';
		line = sp + 1;
	}
}

static int parse_line(char *line, struct keys_file *kf, int *seen_check, const char **why)
{
	char *f[8];
	int n = split(line, f, (int)nitems(f));
	unsigned long long v;

	*why = "malformed line";
	if (n < 0)
		return -1;
	if (strcmp(f[0], "check") == 0) {
		if (n != 2 || *seen_check)
			return -1;
		*why = "bad check value";
		if (b64_field(f[1], kf->check, sizeof kf->check) < 0)
			return -1;
		*seen_check = 1;
		return 0;
	}
	if (strcmp(f[0], "passphrase") == 0) {
		if (n != 7 || kf->has_pass)
			return -1;
		*why = "unknown key derivation";
		if (strcmp(f[1], "argon2id13") != 0)
			return -1;
		*why = "bad Argon2id parameters";
		if (num_field(f[2], &kf->ops) < 0 ||
		    kf->ops < crypto_pwhash_argon2id_OPSLIMIT_MIN || kf->ops > KDF_OPS_MAX)
			return -1;
		if (num_field(f[3], &v) < 0 || v < crypto_pwhash_argon2id_MEMLIMIT_MIN ||
		    v > KDF_MEM_MAX)
			return -1;
		kf->mem = (size_t)v;
		*why = "bad base64";
		if (b64_field(f[4], kf->salt, sizeof kf->salt) < 0 ||
		    b64_field(f[5], kf->pass_nonce, sizeof kf->pass_nonce) < 0 ||
		    b64_field(f[6], kf->pass_wrapped, sizeof kf->pass_wrapped) < 0)
			return -1;
		kf->has_pass = 1;
		return 0;
	}
	if (strcmp(f[0], "keyfile") == 0) {
		if (n != 3 || kf->has_keyfile)
			return -1;
		*why = "bad base64";
		if (b64_field(f[1], kf->kf_nonce, sizeof kf->kf_nonce) < 0 ||
		    b64_field(f[2], kf->kf_wrapped, sizeof kf->kf_wrapped) < 0)
			return -1;
		kf->has_keyfile = 1;
		return 0;
	}
	*why = "unknown record";
	return -1;
}

static int keys_parse(const char *path, char *text, size_t len, struct keys_file *kf, struct err *e)
{
	char *p = text, *end = text + len;
	int line = 0, seen_check = 0;
	const char *why;

	memset(kf, 0, sizeof *kf);
	if (len == 0)
		return damaged(e, path, 0, "empty");
	if (memchr(text, '\0', len) != NULL)
		return damaged(e, path, 0, "binary data");
	while (p < end) {
		char *nl = memchr(p, '\n', (size_t)(end - p));

		line++;
		if (nl == NULL)
			return damaged(e, path, line, "truncated");
		*nl = '\0';
		if (line == 1) {
			if (strcmp(p, KEYS_MAGIC) == 0) {
				p = nl + 1;
				continue;
			}
			if (strncmp(p, KEYS_MAGIC_ANY, strlen(KEYS_MAGIC_ANY)) == 0)
				return err_set(e, E_IO,
					       "%s was written by a newer atrium (%s); "
					       "use that version to unlock it",
					       path, p + strlen(KEYS_MAGIC_ANY));
			return damaged(e, path, line, "not an atrium keys file");
		}
		if (parse_line(p, kf, &seen_check, &why) < 0)
			return damaged(e, path, line, why);
		p = nl + 1;
	}
	if (!seen_check)
		return damaged(e, path, 0, "no check value");
	if (!kf->has_pass && !kf->has_keyfile)
		return damaged(e, path, 0, "no passphrase and no key file");
	return 0;
}

static int keys_read(const char *path, struct keys_file *kf, struct err *e)
{
	char text[KEYS_MAX_SIZE + 1];
	struct stat st;
	size_t len;
	int fd, saved;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		saved = errno;
		if (saved == ENOENT)
			return err_set(e, E_NOTFOUND, "%s does not exist; set up this home first",
				       path);
		return err_set(e, E_IO, "cannot open %s: %s", path, strerror(saved));
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return damaged(e, path, 0, "not a regular file");
	}
	if (read_upto(fd, text, sizeof text, &len) < 0) {
		saved = errno;
		close(fd);
		return err_set(e, E_IO, "cannot read %s: %s", path, strerror(saved));
	}
	close(fd);
	if (len > KEYS_MAX_SIZE)
		return damaged(e, path, 0, "too large");
	return keys_parse(path, text, len, kf, e);
}

static void add_b64(struct buf *b, const unsigned char *bin, size_t n)
{
	char out[sodium_base64_ENCODED_LEN(WRAPPED_BYTES, B64)];

	sodium_bin2base64(out, sizeof out, bin, n, B64);
	buf_addc(b, ' ');
	buf_adds(b, out);
}

static int keys_write(const char *home, const char *path, const struct keys_file *kf, int excl,
		      struct err *e)
{
	struct buf b;
	int rc;

	buf_init(&b);
	buf_adds(&b, KEYS_MAGIC "\ncheck");
	add_b64(&b, kf->check, sizeof kf->check);
	if (kf->has_pass) {
		buf_printf(&b, "\npassphrase argon2id13 %llu %zu", kf->ops, kf->mem);
		add_b64(&b, kf->salt, sizeof kf->salt);
		add_b64(&b, kf->pass_nonce, sizeof kf->pass_nonce);
		add_b64(&b, kf->pass_wrapped, sizeof kf->pass_wrapped);
	}
	if (kf->has_keyfile) {
		buf_adds(&b, "\nkeyfile");
		add_b64(&b, kf->kf_nonce, sizeof kf->kf_nonce);
		add_b64(&b, kf->kf_wrapped, sizeof kf->kf_wrapped);
	}
	buf_addc(&b, '\n');
	rc = write_atomic(home, path, b.data, b.len, excl, e);
	buf_free(&b);
	return rc;
}

/* ---- wrapping -------------------------------------------------------------- */

static void key_check(const unsigned char key[STORE_KEY_BYTES], unsigned char out[CHECK_BYTES])
{
	crypto_generichash(out, CHECK_BYTES, (const unsigned char *)CHECK_LABEL,
			   sizeof CHECK_LABEL - 1, key, STORE_KEY_BYTES);
}

static int key_matches(const struct keys_file *kf, const struct store_key *k)
{
	unsigned char check[CHECK_BYTES];

	key_check(k->k, check);
	return sodium_memcmp(check, kf->check, CHECK_BYTES) == 0;
}

static size_t pass_ad(char *ad, size_t n, const struct keys_file *kf)
{
	return (size_t)snprintf(ad, n, KEYS_MAGIC " passphrase argon2id13 %llu %zu", kf->ops,
				kf->mem);
}

#define KEYFILE_AD KEYS_MAGIC " keyfile"

static void seal(const unsigned char wk[STORE_KEY_BYTES], const char *ad, size_t adlen,
		 const unsigned char key[STORE_KEY_BYTES], unsigned char nonce[NONCE_BYTES],
		 unsigned char wrapped[WRAPPED_BYTES])
{
	randombytes_buf(nonce, NONCE_BYTES);
	crypto_aead_xchacha20poly1305_ietf_encrypt(
	    wrapped, NULL, key, STORE_KEY_BYTES, (const unsigned char *)ad, adlen, NULL, nonce, wk);
}

static int unseal(const unsigned char wk[STORE_KEY_BYTES], const char *ad, size_t adlen,
		  const unsigned char nonce[NONCE_BYTES],
		  const unsigned char wrapped[WRAPPED_BYTES], unsigned char key[STORE_KEY_BYTES])
{
	return crypto_aead_xchacha20poly1305_ietf_decrypt(
	    key, NULL, NULL, wrapped, WRAPPED_BYTES, (const unsigned char *)ad, adlen, nonce, wk);
}

static int pass_derive(const char *pass, const struct keys_file *kf, unsigned long long ops,
		       size_t mem, unsigned char wk[STORE_KEY_BYTES])
{
	return crypto_pwhash(wk, STORE_KEY_BYTES, pass, strlen(pass), kf->salt, ops, mem,
			     crypto_pwhash_ALG_ARGON2ID13);
}

/*
 * Derive the wrapping key for a new passphrase, choosing the cost unless
 * store_keys_set_kdf_limits fixed it. The timed derivation uses the real
 * salt, so it is kept when scaling does not change the pass count.
 */
static int pass_new_key(const char *pass, struct keys_file *kf, unsigned char wk[STORE_KEY_BYTES],
			const char *path, struct err *e)
{
	unsigned long long ops = KDF_OPS_START, scaled;
	size_t mem = KDF_MEM_START;
	double t0, t;

	randombytes_buf(kf->salt, sizeof kf->salt);
	if (kdf_ops_fixed != 0) {
		ops = kdf_ops_fixed;
		mem = kdf_mem_fixed;
		if (pass_derive(pass, kf, ops, mem, wk) != 0)
			goto nomem;
		goto done;
	}
	for (;;) {
		t0 = now_seconds();
		if (pass_derive(pass, kf, ops, mem, wk) == 0)
			break;
		if (mem / 2 < KDF_MEM_FLOOR)
			goto nomem;
		mem /= 2;
	}
	t = now_seconds() - t0;
	if (t < 1e-3)
		t = 1e-3;
	scaled = (unsigned long long)((double)ops * KDF_TARGET_SECONDS / t + 0.5);
	if (scaled < KDF_OPS_START)
		scaled = KDF_OPS_START;
	if (scaled > KDF_OPS_MAX)
		scaled = KDF_OPS_MAX;
	log_debug("argon2id calibration: %llu passes over %zu MiB took %.3f s; using %llu", ops,
		  mem >> 20, t, scaled);
	if (scaled != ops) {
		ops = scaled;
		if (pass_derive(pass, kf, ops, mem, wk) != 0)
			goto nomem;
	}
done:
	kf->ops = ops;
	kf->mem = mem;
	return 0;
nomem:
	return err_set(e, E_IO,
		       "not enough memory to derive a key from the passphrase; %s was not written",
		       path);
}

static int pass_wrap(const char *pass, const struct store_key *k, struct keys_file *kf,
		     const char *path, struct err *e)
{
	unsigned char wk[STORE_KEY_BYTES];
	char ad[128];
	size_t adlen;
	int rc;

	rc = pass_new_key(pass, kf, wk, path, e);
	if (rc == 0) {
		adlen = pass_ad(ad, sizeof ad, kf);
		seal(wk, ad, adlen, k->k, kf->pass_nonce, kf->pass_wrapped);
		kf->has_pass = 1;
	}
	sodium_memzero(wk, sizeof wk);
	return rc;
}

/* 0, -1 when the passphrase is wrong, or E_IO. */
static int pass_unwrap(const char *pass, const struct keys_file *kf, struct store_key *k,
		       const char *path, struct err *e)
{
	unsigned char wk[STORE_KEY_BYTES];
	char ad[128];
	size_t adlen;
	int rc;

	if (pass_derive(pass, kf, kf->ops, kf->mem, wk) != 0)
		return err_set(e, E_IO,
			       "not enough memory to check the passphrase for %s "
			       "(Argon2id needs %zu MiB)",
			       path, kf->mem >> 20);
	adlen = pass_ad(ad, sizeof ad, kf);
	rc = unseal(wk, ad, adlen, kf->pass_nonce, kf->pass_wrapped, k->k) == 0 ? 0 : -1;
	sodium_memzero(wk, sizeof wk);
	return rc;
}

static void keyfile_wrap(const unsigned char keyfile[STORE_KEY_BYTES], const struct store_key *k,
			 struct keys_file *kf)
{
	unsigned char wk[STORE_KEY_BYTES];

	crypto_kdf_derive_from_key(wk, sizeof wk, 1, KEYFILE_CONTEXT, keyfile);
	seal(wk, KEYFILE_AD, sizeof KEYFILE_AD - 1, k->k, kf->kf_nonce, kf->kf_wrapped);
	kf->has_keyfile = 1;
	sodium_memzero(wk, sizeof wk);
}

static int keyfile_unwrap(const unsigned char keyfile[STORE_KEY_BYTES], const struct keys_file *kf,
			  struct store_key *k)
{
	unsigned char wk[STORE_KEY_BYTES];
	int rc;

	crypto_kdf_derive_from_key(wk, sizeof wk, 1, KEYFILE_CONTEXT, keyfile);
	rc = unseal(wk, KEYFILE_AD, sizeof KEYFILE_AD - 1, kf->kf_nonce, kf->kf_wrapped, k->k);
	sodium_memzero(wk, sizeof wk);
	return rc == 0 ? 0 : -1;
}

/* ---- the public operations ------------------------------------------------- */

int store_keys_exist(const char *home)
{
	char *path = keys_path(home);
	struct stat st;
	int rc = stat(path, &st) == 0;

	free(path);
	return rc;
}

int store_keys_methods(const char *home, int *has_passphrase, int *has_keyfile, struct err *e)
{
	char *path = keys_path(home);
	struct keys_file kf;
	int rc = keys_read(path, &kf, e);

	free(path);
	if (rc < 0)
		return rc;
	if (has_passphrase != NULL)
		*has_passphrase = kf.has_pass;
	if (has_keyfile != NULL)
		*has_keyfile = kf.has_keyfile;
	return 0;
}

int store_keys_create(const char *home, const char *passphrase, const unsigned char *keyfile,
		      struct store_key **out, struct err *e)
{
	struct keys_file kf;
	struct store_key *k;
	struct stat st;
	char *path;
	int rc;

	if (passphrase == NULL && keyfile == NULL)
		return err_set(e, E_USAGE, "setting up %s needs a passphrase or a key file", home);
	if (passphrase != NULL && passphrase[0] == '\0')
		return err_set(e, E_USAGE, "the passphrase is empty; choose one or use a key file");
	path = keys_path(home);
	if (lstat(path, &st) == 0) {
		rc = err_set(e, E_CONFLICT,
			     "%s exists: this home is already set up; nothing was changed", path);
		free(path);
		return rc;
	}
	if (mkdir(home, 0700) < 0 && errno != EEXIST) {
		rc = err_set(e, E_IO, "cannot create %s: %s", home, strerror(errno));
		free(path);
		return rc;
	}

	k = key_alloc();
	randombytes_buf(k->k, sizeof k->k);
	memset(&kf, 0, sizeof kf);
	key_check(k->k, kf.check);
	rc = 0;
	if (passphrase != NULL)
		rc = pass_wrap(passphrase, k, &kf, path, e);
	if (rc == 0 && keyfile != NULL)
		keyfile_wrap(keyfile, k, &kf);
	if (rc == 0)
		rc = keys_write(home, path, &kf, 1, e);
	free(path);
	if (rc < 0 || out == NULL) {
		store_key_free(k);
		return rc;
	}
	sodium_mprotect_readonly(k);
	*out = k;
	return 0;
}

int store_keys_unlock(const char *home, const char *passphrase, const unsigned char *keyfile,
		      struct store_key **out, struct err *e)
{
	struct keys_file kf;
	struct store_key *k;
	int rc, tried_pass = 0, tried_keyfile = 0;
	const char *what;
	char *path;

	if (passphrase == NULL && keyfile == NULL)
		return err_set(e, E_USAGE, "unlocking %s needs the passphrase or the key file",
			       home);
	path = keys_path(home);
	rc = keys_read(path, &kf, e);
	if (rc < 0)
		goto out;

	k = key_alloc();
	/* The key file first: it costs nothing, the passphrase half a second. */
	if (keyfile != NULL && kf.has_keyfile) {
		tried_keyfile = 1;
		if (keyfile_unwrap(keyfile, &kf, k) == 0)
			goto found;
	}
	if (passphrase != NULL && kf.has_pass) {
		tried_pass = 1;
		rc = pass_unwrap(passphrase, &kf, k, path, e);
		if (rc == 0)
			goto found;
		if (rc < -1) {
			store_key_free(k);
			goto out;
		}
	}
	store_key_free(k);
	if (tried_pass || tried_keyfile) {
		what = "key file";
		if (tried_pass)
			what = tried_keyfile ? "passphrase and key file" : "passphrase";
		rc = err_set(e, E_LOCKED, "wrong %s for %s; nothing was changed", what, path);
	} else if (passphrase != NULL) {
		rc = err_set(e, E_LOCKED, "%s has no passphrase; use the key file", path);
	} else {
		rc = err_set(e, E_LOCKED, "%s has no key file; use the passphrase", path);
	}
	goto out;
found:
	if (!key_matches(&kf, k)) {
		store_key_free(k);
		rc = damaged(e, path, 0, "check value does not match the key");
		goto out;
	}
	sodium_mprotect_readonly(k);
	if (out != NULL)
		*out = k;
	else
		store_key_free(k);
	rc = 0;
out:
	free(path);
	return rc;
}

/* Read HOME/keys for a change under k, which must be the key it wraps. */
static int keys_read_for_change(const char *path, const struct store_key *k, struct keys_file *kf,
				struct err *e)
{
	int rc = keys_read(path, kf, e);

	if (rc < 0)
		return rc;
	if (!key_matches(kf, k))
		return err_set(e, E_CONFLICT,
			       "%s wraps another data key than the one unlocked; nothing was "
			       "changed; unlock again",
			       path);
	return 0;
}

int store_keys_set_passphrase(const char *home, const struct store_key *k, const char *passphrase,
			      struct err *e)
{
	struct keys_file kf;
	char *path;
	int rc;

	if (k == NULL)
		return err_set(e, E_LOCKED, "%s is locked; unlock it first", home);
	if (passphrase != NULL && passphrase[0] == '\0')
		return err_set(e, E_USAGE, "the new passphrase is empty; nothing was changed");
	path = keys_path(home);
	rc = keys_read_for_change(path, k, &kf, e);
	if (rc < 0)
		goto out;
	if (passphrase == NULL) {
		if (!kf.has_keyfile) {
			rc = err_set(e, E_USAGE,
				     "the passphrase is the only way to unlock %s; add a key file "
				     "before removing it; nothing was changed",
				     path);
			goto out;
		}
		if (!kf.has_pass)
			goto out;
		kf.has_pass = 0;
	} else {
		rc = pass_wrap(passphrase, k, &kf, path, e);
		if (rc < 0)
			goto out;
	}
	rc = keys_write(home, path, &kf, 0, e);
out:
	free(path);
	return rc;
}

int store_keys_set_keyfile(const char *home, const struct store_key *k,
			   const unsigned char *keyfile, struct err *e)
{
	struct keys_file kf;
	char *path;
	int rc;

	if (k == NULL)
		return err_set(e, E_LOCKED, "%s is locked; unlock it first", home);
	path = keys_path(home);
	rc = keys_read_for_change(path, k, &kf, e);
	if (rc < 0)
		goto out;
	if (keyfile == NULL) {
		if (!kf.has_pass) {
			rc = err_set(e, E_USAGE,
				     "the key file is the only way to unlock %s; set a passphrase "
				     "before removing it; nothing was changed",
				     path);
			goto out;
		}
		if (!kf.has_keyfile)
			goto out;
		kf.has_keyfile = 0;
	} else {
		keyfile_wrap(keyfile, k, &kf);
	}
	rc = keys_write(home, path, &kf, 0, e);
out:
	free(path);
	return rc;
}
