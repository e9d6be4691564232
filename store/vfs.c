/*
 * vfs.c - an SQLite VFS that keeps nothing readable on disk.
 *
 * It sits on the default VFS and transforms what crosses it:
 *
 * - The database file: every page is sealed with XChaCha20-Poly1305. The
 *   last 40 bytes of each page are reserved (SQLITE_FCNTL_RESERVE_BYTES)
 *   and hold the random nonce and the tag; the page number is the
 *   associated data, so a page moved elsewhere does not open. A tampered
 *   page, a wrong key, or a file that is not ours fails with
 *   SQLITE_IOERR_DATA, never as garbage.
 * - The WAL: its 32-byte header and each frame's 24-byte header carry only
 *   sizes, salts and checksums and stay as they are; each frame's page
 *   image is sealed like a database page (the page number comes from the
 *   frame header).
 * - Rollback journals (SQLite uses one to switch a new file to WAL, and
 *   after a crash to roll back): their page images are sealed like
 *   database pages. The database file reports 512-byte sectors, so journal
 *   headers are 512 bytes and a page-sized read or write in a journal is
 *   always a page image; the small fields between (page numbers,
 *   checksums, header) carry no content.
 * - Transient files (sorter spills, statement journals, temp databases,
 *   which temp_store=MEMORY should avoid anyway) are XORed with a
 *   keystream under a random key that exists only while the file is open.
 *
 * Memory-mapped I/O would hand SQLite the ciphertext, so xFetch always
 * declines. Keys reach xOpen through a URI parameter naming a slot in a
 * table of keys in locked memory, never the key itself.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "store/internal.h"

#define PAGE_SIZE 4096
#define NONCE_BYTES crypto_aead_xchacha20poly1305_ietf_NPUBBYTES /* 24 */
#define TAG_BYTES crypto_aead_xchacha20poly1305_ietf_ABYTES      /* 16 */
#define RESERVE (NONCE_BYTES + TAG_BYTES)                        /* 40 */
#define BODY (PAGE_SIZE - RESERVE)
#define WAL_HDR 32
#define WAL_FRAME_HDR 24
#define KEY_SLOTS 16

enum file_kind { KIND_DB, KIND_WAL, KIND_JOURNAL, KIND_TRANSIENT };

struct enc_file {
	sqlite3_file base;       /* must be first */
	sqlite3_file *real;      /* the underlying file, allocated after us */
	enum file_kind kind;
	unsigned char *key;      /* the slot's key (DB, WAL) or our own (transient) */
	unsigned char nonce[crypto_stream_xchacha20_NONCEBYTES]; /* transient */
	/* Page nonces: a random prefix per open file and a counter, so every
	 * nonce is unique without a system call per page. */
	unsigned char nonce_prefix[NONCE_BYTES - 8];
	uint64_t nonce_count;
	unsigned char page[PAGE_SIZE];                           /* scratch */
};

static sqlite3_vfs enc_vfs;
static sqlite3_vfs *base_vfs;

/* Keys in locked memory, referred to from URIs by slot number. */
static unsigned char *key_slots[KEY_SLOTS];
static pthread_mutex_t key_lock = PTHREAD_MUTEX_INITIALIZER;

static int slot_add(const unsigned char key[STORE_KEY_BYTES])
{
	int slot = -1;

	pthread_mutex_lock(&key_lock);
	for (int i = 0; i < KEY_SLOTS && slot < 0; i++) {
		if (key_slots[i] == NULL) {
			key_slots[i] = sodium_malloc(STORE_KEY_BYTES);
			if (key_slots[i] == NULL)
				fatal("sodium_malloc failed");
			memcpy(key_slots[i], key, STORE_KEY_BYTES);
			slot = i;
		}
	}
	pthread_mutex_unlock(&key_lock);
	return slot;
}

static void slot_del(int slot)
{
	pthread_mutex_lock(&key_lock);
	if (slot >= 0 && slot < KEY_SLOTS && key_slots[slot]) {
		sodium_free(key_slots[slot]);
		key_slots[slot] = NULL;
	}
	pthread_mutex_unlock(&key_lock);
}

/* Copy the key named by the file's URI into out; -1 if there is none. */
static int slot_copy(const char *zname, unsigned char *out)
{
	const char *v = zname ? sqlite3_uri_parameter(zname, "atrium_key") : NULL;
	char *end;
	long slot;
	int rc = -1;

	if (v == NULL)
		return -1;
	slot = strtol(v, &end, 10);
	if (*end != '\0' || slot < 0 || slot >= KEY_SLOTS)
		return -1;
	pthread_mutex_lock(&key_lock);
	if (key_slots[slot]) {
		memcpy(out, key_slots[slot], STORE_KEY_BYTES);
		rc = 0;
	}
	pthread_mutex_unlock(&key_lock);
	return rc;
}

/* ---- sealing pages ------------------------------------------------------- */

static void seal_page(struct enc_file *f, uint32_t pgno, const unsigned char *in,
		      unsigned char *out)
{
	unsigned char ad[4] = { (unsigned char)(pgno >> 24), (unsigned char)(pgno >> 16),
				(unsigned char)(pgno >> 8), (unsigned char)pgno };
	unsigned char *nonce = out + BODY;
	unsigned char *tag = out + BODY + NONCE_BYTES;
	uint64_t c = ++f->nonce_count;

	memcpy(nonce, f->nonce_prefix, sizeof f->nonce_prefix);
	for (int i = 0; i < 8; i++)
		nonce[sizeof f->nonce_prefix + i] = (unsigned char)(c >> (8 * i));
	crypto_aead_xchacha20poly1305_ietf_encrypt_detached(out, tag, NULL, in, BODY, ad,
							    sizeof ad, NULL, nonce, f->key);
}

/* Open a sealed page in place; -1 if it does not authenticate. The
 * reserved bytes are zeroed so SQLite sees what it wrote. */
static int open_page(const unsigned char *key, uint32_t pgno, unsigned char *page)
{
	unsigned char ad[4] = { (unsigned char)(pgno >> 24), (unsigned char)(pgno >> 16),
				(unsigned char)(pgno >> 8), (unsigned char)pgno };
	unsigned char nonce[NONCE_BYTES], tag[TAG_BYTES];

	memcpy(nonce, page + BODY, NONCE_BYTES);
	memcpy(tag, page + BODY + NONCE_BYTES, TAG_BYTES);
	if (crypto_aead_xchacha20poly1305_ietf_decrypt_detached(page, NULL, page, BODY, tag, ad,
								 sizeof ad, nonce, key) != 0)
		return -1;
	memset(page + BODY, 0, RESERVE);
	return 0;
}

/* XOR a transient file's bytes at an offset with its keystream. */
static void stream_xor(struct enc_file *f, unsigned char *buf, int amt, sqlite3_int64 off)
{
	unsigned char block[64];
	uint64_t ic = (uint64_t)off / 64;
	int skip = (int)(off % 64), done = 0;

	while (done < amt) {
		int n = 64 - skip;

		if (n > amt - done)
			n = amt - done;
		memset(block, 0, sizeof block);
		crypto_stream_xchacha20_xor_ic(block, block, sizeof block, f->nonce, ic, f->key);
		for (int i = 0; i < n; i++)
			buf[done + i] ^= block[skip + i];
		done += n;
		skip = 0;
		ic++;
	}
	sodium_memzero(block, sizeof block);
}

/* ---- database pages ----------------------------------------------------------- */

/* Read whole pages covering [off, off+amt) from the real file, open them,
 * copy out the part asked for. */
static int db_read(struct enc_file *f, void *out, int amt, sqlite3_int64 off)
{
	unsigned char *dst = out;

	while (amt > 0) {
		sqlite3_int64 pstart = off - off % PAGE_SIZE;
		int in_page = (int)(off - pstart);
		int n = PAGE_SIZE - in_page < amt ? PAGE_SIZE - in_page : amt;
		int rc = f->real->pMethods->xRead(f->real, f->page, PAGE_SIZE, pstart);

		if (rc == SQLITE_IOERR_SHORT_READ) {
			/* Past the end: SQLite expects zeros and this code. */
			memset(dst, 0, (size_t)amt);
			return rc;
		}
		if (rc != SQLITE_OK)
			return rc;
		if (open_page(f->key, (uint32_t)(pstart / PAGE_SIZE) + 1, f->page) != 0) {
			sqlite3_log(SQLITE_IOERR_DATA, "atrium: page %lld does not authenticate",
				    (long long)(pstart / PAGE_SIZE) + 1);
			return SQLITE_IOERR_DATA;
		}
		memcpy(dst, f->page + in_page, (size_t)n);
		dst += n;
		off += n;
		amt -= n;
	}
	return SQLITE_OK;
}

static int db_write(struct enc_file *f, const void *in, int amt, sqlite3_int64 off)
{
	const unsigned char *src = in;

	/* SQLite writes whole, aligned pages; anything else would need the
	 * old page and is not something it does, so refuse it. */
	if (off % PAGE_SIZE != 0 || amt % PAGE_SIZE != 0) {
		sqlite3_log(SQLITE_IOERR_WRITE, "atrium: unaligned database write (%d at %lld)",
			    amt, (long long)off);
		return SQLITE_IOERR_WRITE;
	}
	for (; amt > 0; amt -= PAGE_SIZE, off += PAGE_SIZE, src += PAGE_SIZE) {
		int rc;

		seal_page(f, (uint32_t)(off / PAGE_SIZE) + 1, src, f->page);
		rc = f->real->pMethods->xWrite(f->real, f->page, PAGE_SIZE, off);
		if (rc != SQLITE_OK)
			return rc;
	}
	return SQLITE_OK;
}

/* ---- the WAL -------------------------------------------------------------------- */

/* Where a WAL offset falls: in the file header, a frame header, or a
 * frame's page image (then *frame_off is the frame's start). */
enum wal_part { WAL_PART_HDR, WAL_PART_FRAME_HDR, WAL_PART_PAGE };

static enum wal_part wal_where(sqlite3_int64 off, sqlite3_int64 *frame_off, int *in_part,
			       int *part_len)
{
	sqlite3_int64 rel;

	if (off < WAL_HDR) {
		*in_part = (int)off;
		*part_len = WAL_HDR;
		return WAL_PART_HDR;
	}
	rel = (off - WAL_HDR) % (WAL_FRAME_HDR + PAGE_SIZE);
	*frame_off = off - rel;
	if (rel < WAL_FRAME_HDR) {
		*in_part = (int)rel;
		*part_len = WAL_FRAME_HDR;
		return WAL_PART_FRAME_HDR;
	}
	*in_part = (int)(rel - WAL_FRAME_HDR);
	*part_len = PAGE_SIZE;
	return WAL_PART_PAGE;
}

static uint32_t get32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* The page number a frame holds, from its header on disk. */
static int wal_frame_pgno(struct enc_file *f, sqlite3_int64 frame_off, uint32_t *pgno)
{
	unsigned char hdr[WAL_FRAME_HDR];
	int rc = f->real->pMethods->xRead(f->real, hdr, sizeof hdr, frame_off);

	if (rc != SQLITE_OK)
		return rc;
	*pgno = get32(hdr);
	return SQLITE_OK;
}

static int wal_read(struct enc_file *f, void *out, int amt, sqlite3_int64 off)
{
	unsigned char *dst = out;

	while (amt > 0) {
		sqlite3_int64 frame_off = 0;
		int in_part, part_len, n, rc;
		enum wal_part w = wal_where(off, &frame_off, &in_part, &part_len);
		uint32_t pgno;

		n = part_len - in_part < amt ? part_len - in_part : amt;
		if (w != WAL_PART_PAGE) {
			rc = f->real->pMethods->xRead(f->real, dst, n, off);
			if (rc != SQLITE_OK) {
				if (rc == SQLITE_IOERR_SHORT_READ)
					memset(dst, 0, (size_t)amt);
				return rc;
			}
		} else {
			sqlite3_int64 pstart = frame_off + WAL_FRAME_HDR;

			rc = f->real->pMethods->xRead(f->real, f->page, PAGE_SIZE, pstart);
			if (rc == SQLITE_IOERR_SHORT_READ) {
				memset(dst, 0, (size_t)amt);
				return rc;
			}
			if (rc != SQLITE_OK)
				return rc;
			rc = wal_frame_pgno(f, frame_off, &pgno);
			if (rc != SQLITE_OK)
				return rc;
			if (open_page(f->key, pgno, f->page) != 0) {
				/* A frame SQLite is probing during recovery may be a
				 * torn write from a crash: its own checksums reject
				 * it, so hand back bytes that fail them. */
				memset(f->page, 0, PAGE_SIZE);
				sqlite3_log(SQLITE_IOERR_DATA,
					    "atrium: WAL frame at %lld does not authenticate",
					    (long long)frame_off);
			}
			memcpy(dst, f->page + in_part, (size_t)n);
		}
		dst += n;
		off += n;
		amt -= n;
	}
	return SQLITE_OK;
}

static int wal_write(struct enc_file *f, const void *in, int amt, sqlite3_int64 off)
{
	const unsigned char *src = in;

	while (amt > 0) {
		sqlite3_int64 frame_off = 0;
		int in_part, part_len, n, rc;
		enum wal_part w = wal_where(off, &frame_off, &in_part, &part_len);
		uint32_t pgno;

		n = part_len - in_part < amt ? part_len - in_part : amt;
		if (w != WAL_PART_PAGE) {
			rc = f->real->pMethods->xWrite(f->real, src, n, off);
		} else {
			if (in_part != 0 || n != PAGE_SIZE) {
				sqlite3_log(SQLITE_IOERR_WRITE, "atrium: partial WAL page write");
				return SQLITE_IOERR_WRITE;
			}
			/* The frame header is written first (with the page
			 * number), or in the same call just before. */
			if (src - (const unsigned char *)in >= WAL_FRAME_HDR)
				pgno = get32(src - WAL_FRAME_HDR);
			else if ((rc = wal_frame_pgno(f, frame_off, &pgno)) != SQLITE_OK)
				return rc;
			seal_page(f, pgno, src, f->page);
			rc = f->real->pMethods->xWrite(f->real, f->page, PAGE_SIZE, off);
		}
		if (rc != SQLITE_OK)
			return rc;
		src += n;
		off += n;
		amt -= n;
	}
	return SQLITE_OK;
}

/* ---- io methods ----------------------------------------------------------------- */

static int enc_close(sqlite3_file *pf)
{
	struct enc_file *f = (struct enc_file *)pf;
	int rc = f->real->pMethods ? f->real->pMethods->xClose(f->real) : SQLITE_OK;

	sodium_memzero(f->page, sizeof f->page);
	sodium_free(f->key);
	f->key = NULL;
	return rc;
}

static int enc_read(sqlite3_file *pf, void *out, int amt, sqlite3_int64 off)
{
	struct enc_file *f = (struct enc_file *)pf;
	int rc;

	switch (f->kind) {
	case KIND_DB:
		return db_read(f, out, amt, off);
	case KIND_WAL:
		return wal_read(f, out, amt, off);
	case KIND_JOURNAL:
		rc = f->real->pMethods->xRead(f->real, out, amt, off);
		if (rc == SQLITE_OK && amt == PAGE_SIZE && open_page(f->key, 0, out) != 0) {
			sqlite3_log(SQLITE_IOERR_DATA, "atrium: journal page at %lld does not authenticate",
				    (long long)off);
			return SQLITE_IOERR_DATA;
		}
		return rc;
	case KIND_TRANSIENT:
		rc = f->real->pMethods->xRead(f->real, out, amt, off);
		if (rc == SQLITE_OK)
			stream_xor(f, out, amt, off);
		return rc;
	}
	return SQLITE_INTERNAL;
}

static int enc_write(sqlite3_file *pf, const void *in, int amt, sqlite3_int64 off)
{
	struct enc_file *f = (struct enc_file *)pf;
	unsigned char *tmp;
	int rc;

	switch (f->kind) {
	case KIND_DB:
		return db_write(f, in, amt, off);
	case KIND_WAL:
		return wal_write(f, in, amt, off);
	case KIND_JOURNAL:
		if (amt != PAGE_SIZE)
			return f->real->pMethods->xWrite(f->real, in, amt, off);
		seal_page(f, 0, in, f->page);
		return f->real->pMethods->xWrite(f->real, f->page, PAGE_SIZE, off);
	case KIND_TRANSIENT:
		tmp = sqlite3_malloc(amt);
		if (tmp == NULL)
			return SQLITE_NOMEM;
		memcpy(tmp, in, (size_t)amt);
		stream_xor(f, tmp, amt, off);
		rc = f->real->pMethods->xWrite(f->real, tmp, amt, off);
		sqlite3_free(tmp);
		return rc;
	}
	return SQLITE_INTERNAL;
}

static int enc_truncate(sqlite3_file *pf, sqlite3_int64 size)
{
	struct enc_file *f = (struct enc_file *)pf;

	return f->real->pMethods->xTruncate(f->real, size);
}

static int enc_sync(sqlite3_file *pf, int flags)
{
	struct enc_file *f = (struct enc_file *)pf;

	return f->real->pMethods->xSync(f->real, flags);
}

static int enc_file_size(sqlite3_file *pf, sqlite3_int64 *size)
{
	struct enc_file *f = (struct enc_file *)pf;

	return f->real->pMethods->xFileSize(f->real, size);
}

static int enc_lock(sqlite3_file *pf, int lock)
{
	struct enc_file *f = (struct enc_file *)pf;

	return f->real->pMethods->xLock(f->real, lock);
}

static int enc_unlock(sqlite3_file *pf, int lock)
{
	struct enc_file *f = (struct enc_file *)pf;

	return f->real->pMethods->xUnlock(f->real, lock);
}

static int enc_check_reserved(sqlite3_file *pf, int *out)
{
	struct enc_file *f = (struct enc_file *)pf;

	return f->real->pMethods->xCheckReservedLock(f->real, out);
}

static int enc_file_control(sqlite3_file *pf, int op, void *arg)
{
	struct enc_file *f = (struct enc_file *)pf;
	int rc;

	if (op == SQLITE_FCNTL_MMAP_SIZE) {
		/* Mapped pages would be ciphertext: keep mmap off. */
		*(sqlite3_int64 *)arg = 0;
		return SQLITE_OK;
	}
	rc = f->real->pMethods->xFileControl(f->real, op, arg);
	if (rc == SQLITE_OK && op == SQLITE_FCNTL_VFSNAME)
		*(char **)arg = sqlite3_mprintf("%s/%z", STORE_VFS_NAME, *(char **)arg);
	return rc;
}

static int enc_sector_size(sqlite3_file *pf)
{
	/* Keeps journal headers (one sector) smaller than a page; see top. */
	return 512;
}

static int enc_device_characteristics(sqlite3_file *pf)
{
	struct enc_file *f = (struct enc_file *)pf;

	/* POWERSAFE_OVERWRITE keeps SQLite from splitting a WAL page write
	 * at a sector boundary: we seal whole pages only. */
	return f->real->pMethods->xDeviceCharacteristics(f->real) | SQLITE_IOCAP_POWERSAFE_OVERWRITE;
}

static int enc_shm_map(sqlite3_file *pf, int pg, int pgsz, int extend, void volatile **pp)
{
	struct enc_file *f = (struct enc_file *)pf;

	return f->real->pMethods->xShmMap(f->real, pg, pgsz, extend, pp);
}

static int enc_shm_lock(sqlite3_file *pf, int offset, int n, int flags)
{
	struct enc_file *f = (struct enc_file *)pf;

	return f->real->pMethods->xShmLock(f->real, offset, n, flags);
}

static void enc_shm_barrier(sqlite3_file *pf)
{
	struct enc_file *f = (struct enc_file *)pf;

	f->real->pMethods->xShmBarrier(f->real);
}

static int enc_shm_unmap(sqlite3_file *pf, int del)
{
	struct enc_file *f = (struct enc_file *)pf;

	return f->real->pMethods->xShmUnmap(f->real, del);
}

static int enc_fetch(sqlite3_file *pf, sqlite3_int64 off, int amt, void **pp)
{
	*pp = NULL; /* never map: SQLite then reads through enc_read */
	return SQLITE_OK;
}

static int enc_unfetch(sqlite3_file *pf, sqlite3_int64 off, void *p)
{
	return SQLITE_OK;
}

static const sqlite3_io_methods enc_methods = {
	.iVersion = 3,
	.xClose = enc_close,
	.xRead = enc_read,
	.xWrite = enc_write,
	.xTruncate = enc_truncate,
	.xSync = enc_sync,
	.xFileSize = enc_file_size,
	.xLock = enc_lock,
	.xUnlock = enc_unlock,
	.xCheckReservedLock = enc_check_reserved,
	.xFileControl = enc_file_control,
	.xSectorSize = enc_sector_size,
	.xDeviceCharacteristics = enc_device_characteristics,
	.xShmMap = enc_shm_map,
	.xShmLock = enc_shm_lock,
	.xShmBarrier = enc_shm_barrier,
	.xShmUnmap = enc_shm_unmap,
	.xFetch = enc_fetch,
	.xUnfetch = enc_unfetch,
};

/* ---- the VFS ---------------------------------------------------------------------- */

static int enc_open(sqlite3_vfs *vfs, sqlite3_filename zname, sqlite3_file *pf, int flags,
		    int *out_flags)
{
	struct enc_file *f = (struct enc_file *)pf;
	int rc;

	memset(f, 0, sizeof *f);
	f->real = (sqlite3_file *)((char *)f + ((sizeof *f + 7) & ~(size_t)7));
	if (flags & SQLITE_OPEN_MAIN_DB) {
		f->kind = KIND_DB;
	} else if (flags & SQLITE_OPEN_WAL) {
		f->kind = KIND_WAL;
	} else if (flags & SQLITE_OPEN_MAIN_JOURNAL) {
		f->kind = KIND_JOURNAL;
	} else if (flags & SQLITE_OPEN_SUPER_JOURNAL) {
		/* Only with several attached databases, which we never do. */
		sqlite3_log(SQLITE_CANTOPEN, "atrium: refusing a super-journal for %s",
			    zname ? zname : "?");
		return SQLITE_CANTOPEN;
	} else {
		f->kind = KIND_TRANSIENT;
	}
	if (f->kind == KIND_TRANSIENT) {
		f->key = sodium_malloc(crypto_stream_xchacha20_KEYBYTES);
		if (f->key == NULL)
			return SQLITE_NOMEM;
		randombytes_buf(f->key, crypto_stream_xchacha20_KEYBYTES);
		randombytes_buf(f->nonce, sizeof f->nonce);
	} else {
		/* Our own copy: the slot may go before SQLite closes the file. */
		f->key = sodium_malloc(STORE_KEY_BYTES);
		if (f->key == NULL)
			return SQLITE_NOMEM;
		if (slot_copy(zname, f->key) != 0) {
			sodium_free(f->key);
			f->key = NULL;
			sqlite3_log(SQLITE_CANTOPEN, "atrium: no key for %s", zname ? zname : "?");
			return SQLITE_CANTOPEN;
		}
	}
	randombytes_buf(f->nonce_prefix, sizeof f->nonce_prefix);
	rc = base_vfs->xOpen(base_vfs, zname, f->real, flags, out_flags);
	if (rc != SQLITE_OK) {
		sodium_free(f->key);
		f->key = NULL;
		return rc;
	}
	pf->pMethods = &enc_methods;
	return SQLITE_OK;
}

/* Everything but xOpen goes straight to the default VFS. */
static int enc_delete(sqlite3_vfs *v, const char *z, int sync)
{
	return base_vfs->xDelete(base_vfs, z, sync);
}

static int enc_access(sqlite3_vfs *v, const char *z, int flags, int *out)
{
	return base_vfs->xAccess(base_vfs, z, flags, out);
}

static int enc_full_pathname(sqlite3_vfs *v, const char *z, int n, char *out)
{
	return base_vfs->xFullPathname(base_vfs, z, n, out);
}

static void *enc_dlopen(sqlite3_vfs *v, const char *z)
{
	return base_vfs->xDlOpen(base_vfs, z);
}

static void enc_dlerror(sqlite3_vfs *v, int n, char *z)
{
	base_vfs->xDlError(base_vfs, n, z);
}

static void (*enc_dlsym(sqlite3_vfs *v, void *h, const char *z))(void)
{
	return base_vfs->xDlSym(base_vfs, h, z);
}

static void enc_dlclose(sqlite3_vfs *v, void *h)
{
	base_vfs->xDlClose(base_vfs, h);
}

static int enc_randomness(sqlite3_vfs *v, int n, char *out)
{
	randombytes_buf(out, (size_t)n);
	return n;
}

static int enc_sleep(sqlite3_vfs *v, int us)
{
	return base_vfs->xSleep(base_vfs, us);
}

static int enc_current_time(sqlite3_vfs *v, double *out)
{
	return base_vfs->xCurrentTime(base_vfs, out);
}

static int enc_get_last_error(sqlite3_vfs *v, int n, char *out)
{
	return base_vfs->xGetLastError ? base_vfs->xGetLastError(base_vfs, n, out) : 0;
}

static int enc_current_time_int64(sqlite3_vfs *v, sqlite3_int64 *out)
{
	return base_vfs->xCurrentTimeInt64(base_vfs, out);
}

static int vfs_rc = SQLITE_ERROR;

static void vfs_init(void)
{
	if (sodium_init() < 0)
		return;
	/* No memory statistics (nothing reads them): with them on, every
	 * allocation of SQLite's takes a global mutex, 6% of a mail sync.
	 * Only possible before SQLite initialises; later it is refused. */
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
	base_vfs = sqlite3_vfs_find(NULL);
	if (base_vfs == NULL)
		return;
	enc_vfs = (sqlite3_vfs){
		.iVersion = 2,
		.szOsFile = (int)(((sizeof(struct enc_file) + 7) & ~(size_t)7) +
				  (size_t)base_vfs->szOsFile),
		.mxPathname = base_vfs->mxPathname,
		.zName = STORE_VFS_NAME,
		.xOpen = enc_open,
		.xDelete = enc_delete,
		.xAccess = enc_access,
		.xFullPathname = enc_full_pathname,
		.xDlOpen = enc_dlopen,
		.xDlError = enc_dlerror,
		.xDlSym = enc_dlsym,
		.xDlClose = enc_dlclose,
		.xRandomness = enc_randomness,
		.xSleep = enc_sleep,
		.xCurrentTime = enc_current_time,
		.xGetLastError = enc_get_last_error,
		.xCurrentTimeInt64 = enc_current_time_int64,
	};
	vfs_rc = sqlite3_vfs_register(&enc_vfs, 0);
}

int store_vfs_register(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	pthread_once(&once, vfs_init);
	return vfs_rc == SQLITE_OK ? 0 : E_INTERNAL;
}

/* Which key slot each open connection uses, to release it on close. */
static sqlite3 *slot_owner[KEY_SLOTS];

int store_vfs_open(const char *path, const unsigned char key[STORE_KEY_BYTES], sqlite3 **dbp,
		   struct err *e)
{
	return store_vfs_open_mode(path, key, 0, dbp, e);
}

int store_vfs_open_mode(const char *path, const unsigned char key[STORE_KEY_BYTES],
			int one_thread, sqlite3 **dbp, struct err *e)
{
	sqlite3 *db = NULL;
	sqlite3_file *fp = NULL;
	sqlite3_int64 size = 0;
	int slot, rc, reserve = RESERVE;
	char *uri;

	*dbp = NULL;
	if (store_vfs_register() != 0)
		return err_set(e, E_INTERNAL, "cannot register the encrypting SQLite VFS");
	slot = slot_add(key);
	if (slot < 0)
		return err_set(e, E_INTERNAL, "too many open databases");
	uri = sqlite3_mprintf("file:%s?atrium_key=%d", path, slot);
	rc = sqlite3_open_v2(uri, &db,
			     SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_URI |
				     (one_thread ? SQLITE_OPEN_NOMUTEX : SQLITE_OPEN_FULLMUTEX),
			     STORE_VFS_NAME);
	sqlite3_free(uri);
	if (rc != SQLITE_OK) {
		err_set(e, E_IO, "%s: %s", path, db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
		sqlite3_close(db);
		slot_del(slot);
		return E_IO;
	}
	pthread_mutex_lock(&key_lock);
	slot_owner[slot] = db;
	pthread_mutex_unlock(&key_lock);
	if (sqlite3_file_control(db, "main", SQLITE_FCNTL_FILE_POINTER, &fp) == SQLITE_OK && fp &&
	    fp->pMethods)
		fp->pMethods->xFileSize(fp, &size);
	/* A new file: room for nonce and tag in every page, set before the
	 * first page is written. */
	if (size == 0)
		sqlite3_file_control(db, "main", SQLITE_FCNTL_RESERVE_BYTES, &reserve);
	*dbp = db;
	return 0;
}

void store_vfs_close(sqlite3 *db)
{
	sqlite3_stmt *st;
	int slot = -1;

	if (db == NULL)
		return;
	/* statements kept for reuse (STORE_KEPT, modules/chat/model.c) are
	 * finalized here, or close_v2 would leave the connection open behind
	 * them; others (FTS5's own) are their owners' to finalize */
	for (st = sqlite3_next_stmt(db, NULL); st;) {
		sqlite3_stmt *next = sqlite3_next_stmt(db, st);
		if (strncmp(sqlite3_sql(st), STORE_KEPT, strlen(STORE_KEPT)) == 0)
			sqlite3_finalize(st);
		st = next;
	}
	sqlite3_close_v2(db);
	pthread_mutex_lock(&key_lock);
	for (int i = 0; i < KEY_SLOTS; i++) {
		if (slot_owner[i] == db) {
			slot_owner[i] = NULL;
			slot = i;
		}
	}
	pthread_mutex_unlock(&key_lock);
	slot_del(slot);
}
