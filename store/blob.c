/*
 * blob.c - attachments, document bodies and uploads as encrypted files
 * under HOME/blobs/xx/<id>, where <id> is 32 random lowercase hex digits
 * and xx its first two. Owns the blob file format and the blob ids; the
 * key is the blobs sub-key, given by the caller.
 *
 * A blob file is
 *
 *	"ATRB" version(1) reserved(3)		blob header, 8 bytes
 *	secretstream header			24 bytes
 *	{ length(4, little-endian) ciphertext(length) } ...
 *
 * Each chunk is one crypto_secretstream_xchacha20poly1305 message of at
 * most 64 KiB of plaintext (ciphertext = plaintext + 17 bytes). The writer
 * fills every chunk but the last, which is tagged FINAL and may be empty;
 * nothing may follow it. The additional data of every chunk is the blob
 * header followed by the id, so a changed header or a file moved to
 * another id fails to decrypt. The length prefixes are not authenticated
 * themselves: a wrong one shifts the chunk boundaries, which then fail
 * authentication or run past the end of the file.
 *
 * A blob is written to a temp file beside its final name, fsynced, renamed
 * and its directory fsynced: it is complete under its name or absent.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "core/core.h"
#include "store/internal.h"

#define BLOB_MAGIC "ATRB"
#define BLOB_VERSION 1
#define BLOB_HDR_LEN 8
#define BLOB_SS_HDR_LEN crypto_secretstream_xchacha20poly1305_HEADERBYTES
#define BLOB_ABYTES crypto_secretstream_xchacha20poly1305_ABYTES
#define BLOB_CHUNK (64 * 1024)
#define BLOB_AD_LEN (BLOB_HDR_LEN + STORE_BLOB_ID_LEN)
#define BLOB_ID_RAW (STORE_BLOB_ID_LEN / 2)

/* Whether id is exactly 32 lowercase hex digits: the only names that can
 * reach the file system, so no id can point outside HOME/blobs. */
static int blob_id_valid(const char *id)
{
	size_t i;

	if (id == NULL)
		return 0;
	for (i = 0; i < STORE_BLOB_ID_LEN; i++)
		if (!((id[i] >= '0' && id[i] <= '9') || (id[i] >= 'a' && id[i] <= 'f')))
			return 0;
	return id[i] == '\0';
}

static char *blob_path(const char *home, const char *id)
{
	char *p;

	xasprintf(&p, "%s/blobs/%.2s/%s", home, id, id);
	return p;
}

static void blob_ad(unsigned char ad[BLOB_AD_LEN], const unsigned char hdr[BLOB_HDR_LEN],
		    const char *id)
{
	memcpy(ad, hdr, BLOB_HDR_LEN);
	memcpy(ad + BLOB_HDR_LEN, id, STORE_BLOB_ID_LEN);
}

/* Read up to n bytes; fewer only at end of file. -1 with errno on error. */
static ssize_t read_full(int fd, void *p, size_t n)
{
	size_t got = 0;
	ssize_t r;

	while (got < n) {
		r = read(fd, (char *)p + got, n - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			break;
		got += (size_t)r;
	}
	return (ssize_t)got;
}

/* Make dir (mode 0700) if missing; a new entry is made durable in parent. */
static int blob_mkdir(const char *dir, const char *parent, struct err *e)
{
	if (mkdir(dir, 0700) < 0) {
		if (errno == EEXIST)
			return 0;
		return err_set(e, E_IO, "cannot store blob: creating %s: %s; nothing was stored",
			       dir, strerror(errno));
	}
	if (store_fsync_dir(parent) < 0)
		return err_set(e, E_IO, "cannot store blob: flushing %s: %s; nothing was stored",
			       parent, strerror(errno));
	return 0;
}

static int blob_put(const char *home, const unsigned char key[STORE_KEY_BYTES], int fd,
		    const void *data, size_t len, int durable, char id[STORE_BLOB_ID_LEN + 1],
		    struct err *e)
{
	crypto_secretstream_xchacha20poly1305_state st;
	unsigned char raw[BLOB_ID_RAW], ad[BLOB_AD_LEN];
	unsigned char head[BLOB_HDR_LEN + BLOB_SS_HDR_LEN] = BLOB_MAGIC;
	unsigned char *plain = NULL, *cipher;
	char newid[STORE_BLOB_ID_LEN + 1];
	char *top, *dir, *final, *tmp;
	const unsigned char *src;
	unsigned long long clen;
	size_t off = 0, n;
	ssize_t r;
	unsigned char tag;
	int out = -1, tmp_made = 0, rc = E_IO;

	if (fd < 0 && data == NULL && len > 0)
		return err_set(e, E_USAGE, "cannot store blob: no data given");

	randombytes_buf(raw, sizeof raw);
	sodium_bin2hex(newid, sizeof newid, raw, sizeof raw);
	xasprintf(&top, "%s/blobs", home);
	xasprintf(&dir, "%s/%.2s", top, newid);
	final = blob_path(home, newid);
	xasprintf(&tmp, "%s.tmp-XXXXXX", final);
	cipher = xmalloc(4 + BLOB_CHUNK + BLOB_ABYTES);
	if (fd >= 0)
		plain = xmalloc(BLOB_CHUNK);

	if ((rc = blob_mkdir(top, home, e)) < 0 || (rc = blob_mkdir(dir, top, e)) < 0)
		goto done;
	rc = E_IO;
	out = mkostemp(tmp, O_CLOEXEC);
	if (out < 0) {
		err_set(e, E_IO, "cannot store blob: creating a file in %s: %s; nothing was stored",
			dir, strerror(errno));
		goto done;
	}
	tmp_made = 1;

	head[4] = BLOB_VERSION;
	crypto_secretstream_xchacha20poly1305_init_push(&st, head + BLOB_HDR_LEN, key);
	blob_ad(ad, head, newid);
	if (store_write_full(out, head, sizeof head) < 0)
		goto write_failed;
	for (;;) {
		if (fd >= 0) {
			r = read_full(fd, plain, BLOB_CHUNK);
			if (r < 0) {
				err_set(e, E_IO,
					"cannot store blob: reading the input: %s; "
					"nothing was stored",
					strerror(errno));
				goto done;
			}
			n = (size_t)r;
			src = plain;
		} else {
			n = len - off < BLOB_CHUNK ? len - off : BLOB_CHUNK;
			src = (const unsigned char *)data + off;
			off += n;
		}
		tag = n < BLOB_CHUNK ? crypto_secretstream_xchacha20poly1305_TAG_FINAL
				     : crypto_secretstream_xchacha20poly1305_TAG_MESSAGE;
		crypto_secretstream_xchacha20poly1305_push(&st, cipher + 4, &clen, src, n, ad,
							   sizeof ad, tag);
		cipher[0] = (unsigned char)clen;
		cipher[1] = (unsigned char)(clen >> 8);
		cipher[2] = (unsigned char)(clen >> 16);
		cipher[3] = (unsigned char)(clen >> 24);
		if (store_write_full(out, cipher, 4 + (size_t)clen) < 0)
			goto write_failed;
		if (tag == crypto_secretstream_xchacha20poly1305_TAG_FINAL)
			break;
	}
	if (durable && fsync(out) < 0)
		goto write_failed;
	r = close(out);
	out = -1;
	if (r < 0)
		goto write_failed;
	if (rename(tmp, final) < 0) {
		err_set(e, E_IO, "cannot store blob: renaming %s: %s; nothing was stored", tmp,
			strerror(errno));
		goto done;
	}
	tmp_made = 0;
	if (durable && store_fsync_dir(dir) < 0) {
		err_set(e, E_IO, "cannot store blob: flushing %s: %s; nothing was stored", dir,
			strerror(errno));
		unlink(final);
		goto done;
	}
	memcpy(id, newid, sizeof newid);
	rc = 0;
	goto done;

write_failed:
	err_set(e, E_IO, "cannot store blob: writing %s: %s; nothing was stored", tmp,
		strerror(errno));
done:
	if (out >= 0)
		close(out);
	if (tmp_made)
		unlink(tmp);
	sodium_memzero(&st, sizeof st);
	if (plain != NULL) {
		sodium_memzero(plain, BLOB_CHUNK);
		free(plain);
	}
	free(cipher);
	free(top);
	free(dir);
	free(final);
	free(tmp);
	return rc;
}

/* Make room for n more bytes and the NUL. Unlike buf_add's realloc, this
 * wipes the old storage, so no copy of the plaintext stays in freed memory. */
static void buf_reserve_wiped(struct buf *b, size_t n)
{
	size_t need = b->len + n + 1, cap;
	char *p;

	if (need < b->len)
		fatal("buffer overflow");
	if (need <= b->cap)
		return;
	cap = b->cap + b->cap / 2;
	if (cap < need)
		cap = need;
	p = xmalloc(cap);
	if (b->data != NULL) {
		memcpy(p, b->data, b->len);
		sodium_memzero(b->data, b->cap);
		free(b->data);
	}
	b->data = p;
	b->cap = cap;
}

/* Where get_raw's plaintext goes, and what the caller keeps on error. */
struct blob_sink {
	int fd;
	struct buf *out;
	unsigned char *plain;
	const char *kept;
};

static int blob_decrypt(int in, const char *path, const char *id,
			const unsigned char key[STORE_KEY_BYTES], struct blob_sink *sk,
			struct err *e)
{
	crypto_secretstream_xchacha20poly1305_state st;
	unsigned char head[BLOB_HDR_LEN + BLOB_SS_HDR_LEN], ad[BLOB_AD_LEN], len4[4];
	unsigned char *cipher, *dst, tag = 0, extra;
	unsigned long long plen;
	size_t clen;
	ssize_t r;
	int rc = E_IO;

	cipher = xmalloc(BLOB_CHUNK + BLOB_ABYTES);
	r = read_full(in, head, sizeof head);
	if (r < 0)
		goto read_failed;
	if ((size_t)r < sizeof head)
		goto truncated;
	if (memcmp(head, BLOB_MAGIC, 4) != 0)
		goto corrupt;
	if (head[4] != BLOB_VERSION) {
		err_set(e, E_IO,
			"blob has unknown format version %u (newer atrium, or corrupt): "
			"%s; %s",
			head[4], path, sk->kept);
		goto done;
	}
	if (crypto_secretstream_xchacha20poly1305_init_pull(&st, head + BLOB_HDR_LEN, key) != 0)
		goto corrupt;
	blob_ad(ad, head, id);

	while (tag != crypto_secretstream_xchacha20poly1305_TAG_FINAL) {
		r = read_full(in, len4, 4);
		if (r < 0)
			goto read_failed;
		if (r < 4)
			goto truncated;
		clen = (size_t)len4[0] | (size_t)len4[1] << 8 | (size_t)len4[2] << 16 |
		       (size_t)len4[3] << 24;
		if (clen < BLOB_ABYTES || clen > BLOB_CHUNK + BLOB_ABYTES)
			goto corrupt;
		r = read_full(in, cipher, clen);
		if (r < 0)
			goto read_failed;
		if ((size_t)r < clen)
			goto truncated;
		if (sk->out != NULL) {
			buf_reserve_wiped(sk->out, clen - BLOB_ABYTES);
			dst = (unsigned char *)sk->out->data + sk->out->len;
		} else {
			dst = sk->plain;
		}
		if (crypto_secretstream_xchacha20poly1305_pull(&st, dst, &plen, &tag, cipher, clen,
							       ad, sizeof ad) != 0)
			goto corrupt;
		if (tag != crypto_secretstream_xchacha20poly1305_TAG_MESSAGE &&
		    tag != crypto_secretstream_xchacha20poly1305_TAG_FINAL)
			goto corrupt;
		if (sk->out != NULL) {
			sk->out->len += (size_t)plen;
		} else if (store_write_full(sk->fd, dst, (size_t)plen) < 0) {
			err_set(e, E_IO, "cannot write blob %s out: %s; %s", id, strerror(errno),
				sk->kept);
			goto done;
		}
	}
	r = read_full(in, &extra, 1);
	if (r < 0)
		goto read_failed;
	if (r > 0)
		goto corrupt;
	rc = 0;
	goto done;

read_failed:
	err_set(e, E_IO, "cannot read blob %s: %s; %s", path, strerror(errno), sk->kept);
	goto done;
truncated:
	err_set(e, E_IO, "blob is truncated: %s; %s", path, sk->kept);
	goto done;
corrupt:
	err_set(e, E_IO, "blob is tampered or corrupt: %s; %s", path, sk->kept);
done:
	sodium_memzero(&st, sizeof st);
	free(cipher);
	return rc;
}

/* For the fd variant, bytes written before an error are incomplete and
 * unauthenticated as a whole: the caller discards them (e.g. writes to a
 * temp file and renames it only on success). For out, nothing is appended
 * on error: out->len is as it was and the partial plaintext is wiped. */
int store_blob_get_raw(const char *home, const unsigned char key[STORE_KEY_BYTES], const char *id,
		       int fd, struct buf *out, struct err *e)
{
	struct blob_sink sk = {.fd = fd};
	struct stat st;
	size_t old = 0;
	char *path;
	int in, rc;

	if (!blob_id_valid(id))
		return err_set(e, E_USAGE, "not a blob id (32 lowercase hex digits expected)");
	if (fd < 0 && out == NULL)
		return err_set(e, E_USAGE, "cannot read blob %s: nowhere to put it", id);
	path = blob_path(home, id);
	in = open(path, O_RDONLY | O_CLOEXEC);
	if (in < 0) {
		if (errno == ENOENT)
			rc = err_set(e, E_NOTFOUND, "no blob %s", id);
		else
			rc = err_set(e, E_IO, "cannot open blob %s: %s", path, strerror(errno));
		free(path);
		return rc;
	}
	if (fd >= 0) {
		sk.plain = xmalloc(BLOB_CHUNK);
		sk.kept = "what was written out is incomplete and must be discarded";
	} else {
		sk.out = out;
		sk.kept = "nothing was read";
		old = out->len;
		/* The file size bounds the plaintext: grow once, not per chunk. */
		if (fstat(in, &st) == 0 && st.st_size > BLOB_HDR_LEN + BLOB_SS_HDR_LEN &&
		    (uintmax_t)st.st_size < SIZE_MAX / 2)
			buf_reserve_wiped(out, (size_t)st.st_size - BLOB_HDR_LEN - BLOB_SS_HDR_LEN);
	}
	rc = blob_decrypt(in, path, id, key, &sk, e);
	close(in);
	if (sk.plain != NULL) {
		sodium_memzero(sk.plain, BLOB_CHUNK);
		free(sk.plain);
	}
	if (out != NULL && fd < 0) {
		if (rc < 0 && out->data != NULL) {
			sodium_memzero(out->data + old, out->len - old);
			out->len = old;
		}
		if (out->data != NULL)
			out->data[out->len] = '\0';
	}
	free(path);
	return rc;
}

int store_blob_del_raw(const char *home, const char *id, struct err *e)
{
	char *path;
	int rc = 0;

	if (!blob_id_valid(id))
		return err_set(e, E_USAGE, "not a blob id (32 lowercase hex digits expected)");
	path = blob_path(home, id);
	if (unlink(path) < 0) {
		if (errno == ENOENT)
			rc = err_set(e, E_NOTFOUND, "no blob %s", id);
		else
			rc = err_set(e, E_IO, "cannot delete blob %s: %s; it was kept", path,
				     strerror(errno));
	}
	free(path);
	return rc;
}

int store_blob_put_raw(const char *home, const unsigned char key[STORE_KEY_BYTES], int fd,
		       const void *data, size_t len, char id[STORE_BLOB_ID_LEN + 1], struct err *e)
{
	return blob_put(home, key, fd, data, len, 1, id, e);
}

/* ---- writing a blob as its bytes arrive ------------------------------------- */

struct store_blob_writer {
	char *home, *dir, *tmp, *final;
	char id[STORE_BLOB_ID_LEN + 1];
	int fd, durable;
	crypto_secretstream_xchacha20poly1305_state st;
	unsigned char ad[BLOB_AD_LEN];
	unsigned char *plain;  /* BLOB_CHUNK */
	size_t have;
	unsigned char *cipher; /* 4 + BLOB_CHUNK + ABYTES */
	int failed;
};

static void writer_free(struct store_blob_writer *w)
{
	if (w->fd >= 0)
		close(w->fd);
	if (w->tmp)
		unlink(w->tmp);
	sodium_memzero(&w->st, sizeof w->st);
	if (w->plain) {
		sodium_memzero(w->plain, BLOB_CHUNK);
		free(w->plain);
	}
	free(w->cipher);
	free(w->home);
	free(w->dir);
	free(w->tmp);
	free(w->final);
	free(w);
}

int store_blob_writer_new(struct store *s, int durable, struct store_blob_writer **out,
			  struct err *e)
{
	struct store_blob_writer *w = xcalloc(1, sizeof *w);
	unsigned char raw[BLOB_ID_RAW], key[STORE_KEY_BYTES];
	unsigned char head[BLOB_HDR_LEN + BLOB_SS_HDR_LEN] = BLOB_MAGIC;
	char *top;
	int rc;

	*out = NULL;
	w->fd = -1;
	w->durable = durable;
	w->home = xstrdup(store_home(s));
	randombytes_buf(raw, sizeof raw);
	sodium_bin2hex(w->id, sizeof w->id, raw, sizeof raw);
	xasprintf(&top, "%s/blobs", w->home);
	xasprintf(&w->dir, "%s/%.2s", top, w->id);
	w->final = blob_path(w->home, w->id);
	xasprintf(&w->tmp, "%s.tmp-XXXXXX", w->final);
	rc = blob_mkdir(top, w->home, e);
	if (rc == 0)
		rc = blob_mkdir(w->dir, top, e);
	free(top);
	if (rc < 0) {
		xstrset(&w->tmp, NULL);
		writer_free(w);
		return rc;
	}
	w->fd = mkostemp(w->tmp, O_CLOEXEC);
	if (w->fd < 0) {
		rc = err_set(e, E_IO, "cannot store blob: creating a file in %s: %s; nothing was stored",
			     w->dir, strerror(errno));
		xstrset(&w->tmp, NULL);
		writer_free(w);
		return rc;
	}
	head[4] = BLOB_VERSION;
	store_blob_key(s, key);
	crypto_secretstream_xchacha20poly1305_init_push(&w->st, head + BLOB_HDR_LEN, key);
	sodium_memzero(key, sizeof key);
	blob_ad(w->ad, head, w->id);
	if (store_write_full(w->fd, head, sizeof head) < 0) {
		rc = err_set(e, E_IO, "cannot store blob: writing %s: %s; nothing was stored", w->tmp,
			     strerror(errno));
		writer_free(w);
		return rc;
	}
	w->plain = xmalloc(BLOB_CHUNK);
	w->cipher = xmalloc(4 + BLOB_CHUNK + BLOB_ABYTES);
	*out = w;
	return 0;
}

static int writer_push(struct store_blob_writer *w, unsigned char tag, struct err *e)
{
	unsigned long long clen;

	crypto_secretstream_xchacha20poly1305_push(&w->st, w->cipher + 4, &clen, w->plain, w->have,
						   w->ad, sizeof w->ad, tag);
	w->cipher[0] = (unsigned char)clen;
	w->cipher[1] = (unsigned char)(clen >> 8);
	w->cipher[2] = (unsigned char)(clen >> 16);
	w->cipher[3] = (unsigned char)(clen >> 24);
	w->have = 0;
	if (store_write_full(w->fd, w->cipher, 4 + (size_t)clen) < 0) {
		w->failed = 1;
		return err_set(e, E_IO, "cannot store blob: writing %s: %s; nothing was stored", w->tmp,
			       strerror(errno));
	}
	return 0;
}

int store_blob_writer_write(struct store_blob_writer *w, const void *p, size_t n, struct err *e)
{
	const unsigned char *src = p;

	if (w->failed)
		return err_set(e, E_IO, "cannot store blob: an earlier write failed");
	while (n > 0) {
		size_t take;
		/* a full chunk goes out only once more bytes follow it: the
		 * last chunk must carry the FINAL tag */
		if (w->have == BLOB_CHUNK && writer_push(w, crypto_secretstream_xchacha20poly1305_TAG_MESSAGE, e) < 0)
			return e->code;
		take = BLOB_CHUNK - w->have < n ? BLOB_CHUNK - w->have : n;
		memcpy(w->plain + w->have, src, take);
		w->have += take;
		src += take;
		n -= take;
	}
	return 0;
}

int store_blob_writer_finish(struct store_blob_writer *w, char id[STORE_BLOB_ID_LEN + 1],
			     struct err *e)
{
	int rc = 0;

	if (w->failed)
		rc = err_set(e, E_IO, "cannot store blob: an earlier write failed");
	if (rc == 0 && w->have == BLOB_CHUNK)
		rc = writer_push(w, crypto_secretstream_xchacha20poly1305_TAG_MESSAGE, e);
	if (rc == 0)
		rc = writer_push(w, crypto_secretstream_xchacha20poly1305_TAG_FINAL, e);
	if (rc == 0 && w->durable && fsync(w->fd) < 0)
		rc = err_set(e, E_IO, "cannot store blob: writing %s: %s; nothing was stored", w->tmp,
			     strerror(errno));
	if (rc == 0) {
		int c = close(w->fd);
		w->fd = -1;
		if (c < 0)
			rc = err_set(e, E_IO, "cannot store blob: writing %s: %s; nothing was stored",
				     w->tmp, strerror(errno));
	}
	if (rc == 0 && rename(w->tmp, w->final) < 0)
		rc = err_set(e, E_IO, "cannot store blob: renaming %s: %s; nothing was stored", w->tmp,
			     strerror(errno));
	if (rc == 0) {
		xstrset(&w->tmp, NULL); /* renamed: nothing to unlink */
		if (w->durable && store_fsync_dir(w->dir) < 0) {
			rc = err_set(e, E_IO, "cannot store blob: flushing %s: %s; nothing was stored",
				     w->dir, strerror(errno));
			unlink(w->final);
		} else {
			memcpy(id, w->id, sizeof w->id);
		}
	}
	writer_free(w);
	return rc;
}

void store_blob_writer_abort(struct store_blob_writer *w)
{
	if (w)
		writer_free(w);
}

int store_blob_put_cached(struct store *s, int fd, char id[STORE_BLOB_ID_LEN + 1], struct err *e)
{
	unsigned char key[STORE_KEY_BYTES];
	int rc;

	if (fd < 0)
		return err_set(e, E_USAGE, "cannot store blob: no input");
	store_blob_key(s, key);
	rc = blob_put(store_home(s), key, fd, NULL, 0, 0, id, e);
	sodium_memzero(key, sizeof key);
	return rc;
}

int store_blob_put(struct store *s, const void *data, size_t len, char id[STORE_BLOB_ID_LEN + 1],
		   struct err *e)
{
	unsigned char key[STORE_KEY_BYTES];
	int rc;

	store_blob_key(s, key);
	rc = store_blob_put_raw(store_home(s), key, -1, data, len, id, e);
	sodium_memzero(key, sizeof key);
	return rc;
}

int store_blob_put_fd(struct store *s, int fd, char id[STORE_BLOB_ID_LEN + 1], struct err *e)
{
	unsigned char key[STORE_KEY_BYTES];
	int rc;

	if (fd < 0)
		return err_set(e, E_USAGE, "cannot store blob: no input");
	store_blob_key(s, key);
	rc = store_blob_put_raw(store_home(s), key, fd, NULL, 0, id, e);
	sodium_memzero(key, sizeof key);
	return rc;
}

int store_blob_get(struct store *s, const char *id, struct buf *out, struct err *e)
{
	unsigned char key[STORE_KEY_BYTES];
	int rc;

	if (out == NULL)
		return err_set(e, E_USAGE, "cannot read blob: nowhere to put it");
	store_blob_key(s, key);
	rc = store_blob_get_raw(store_home(s), key, id, -1, out, e);
	sodium_memzero(key, sizeof key);
	return rc;
}

int store_blob_get_fd(struct store *s, const char *id, int fd, struct err *e)
{
	unsigned char key[STORE_KEY_BYTES];
	int rc;

	if (fd < 0)
		return err_set(e, E_USAGE, "cannot read blob: nowhere to put it");
	store_blob_key(s, key);
	rc = store_blob_get_raw(store_home(s), key, id, fd, NULL, e);
	sodium_memzero(key, sizeof key);
	return rc;
}

int store_blob_del(struct store *s, const char *id, struct err *e)
{
	return store_blob_del_raw(store_home(s), id, e);
}
