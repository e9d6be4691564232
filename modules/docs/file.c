/*
 * file.c - a document's file on disk (file.h): detecting the charset,
 * BOM and line ends on load, writing them back on save, noticing another
 * writer, and the line diff shown when one did.
 *
 * A plain UTF-8 file with LF line ends stays mapped (doc_buf_open); only a
 * file that needs converting (another charset, CR LF) is copied, once.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "i18n/i18n.h"
#include "modules/docs/buffer.h"
#include "modules/docs/file.h"
#include "store/store.h"

#define GB_MIN_CHINESE 80 /* percent of non-ASCII characters */

const char *doc_format_name(const struct doc_format *f)
{
	switch (f->enc) {
	case DOC_ENC_GB18030: return "GB18030";
	case DOC_ENC_UTF16LE: return "UTF-16LE";
	case DOC_ENC_UTF16BE: return "UTF-16BE";
	case DOC_ENC_UTF8: break;
	}
	return f->bom ? "UTF-8 BOM" : "UTF-8";
}

int doc_format_parse(const char *name, struct doc_format *f)
{
	static const struct {
		const char *name;
		enum doc_enc enc;
		int bom;
	} names[] = {
		{ "utf-8", DOC_ENC_UTF8, 0 },      { "utf8", DOC_ENC_UTF8, 0 },
		{ "utf-8-bom", DOC_ENC_UTF8, 1 },  { "utf8-bom", DOC_ENC_UTF8, 1 },
		{ "gb18030", DOC_ENC_GB18030, 0 }, { "gbk", DOC_ENC_GB18030, 0 },
		{ "gb2312", DOC_ENC_GB18030, 0 },  { "utf-16", DOC_ENC_UTF16LE, 1 },
		{ "utf-16le", DOC_ENC_UTF16LE, 1 }, { "utf-16be", DOC_ENC_UTF16BE, 1 },
	};

	for (size_t i = 0; i < nitems(names); i++) {
		if (strcasecmp(name, names[i].name) == 0) {
			f->enc = names[i].enc;
			f->bom = names[i].bom;
			return 0;
		}
	}
	return E_USAGE;
}

static const char *charset_of(enum doc_enc enc)
{
	switch (enc) {
	case DOC_ENC_GB18030: return "GB18030";
	case DOC_ENC_UTF16LE: return "UTF-16LE";
	case DOC_ENC_UTF16BE: return "UTF-16BE";
	case DOC_ENC_UTF8: break;
	}
	return NULL;
}

/* ---- detection ------------------------------------------------------------ */

/* Valid UTF-8; a sequence cut short by the end counts as valid when cut
 * (the sample ends there, not the file). */
static int utf8_ok(const char *p, size_t n, int cut)
{
	size_t i = 0;
	unsigned cp;

	while (i < n) {
		size_t k;

		if ((unsigned char)p[i] < 0x80) {
			i++;
			continue;
		}
		k = utf8_decode(p + i, n - i, &cp);
		if (k == 0) {
			/* cut: the lead byte says more bytes than are left */
			unsigned char c = (unsigned char)p[i];
			size_t want = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;

			if (cut && n - i < want && c >= 0xc2 && c <= 0xf4) {
				size_t j = i + 1;

				while (j < n && ((unsigned char)p[j] & 0xc0) == 0x80)
					j++;
				if (j == n)
					return 1;
			}
			return 0;
		}
		i += k;
	}
	return 1;
}

/* Whether GB18030 bytes look like Chinese text: at least GB_MIN_CHINESE
 * percent of the multi-byte characters are in GB2312's rows (both bytes
 * 0xA1-0xFE: the common hanzi and the full-width punctuation). Latin-1
 * and Windows-1252 text also decodes as GB18030, but an accented letter
 * followed by an ASCII one makes a trail byte below 0xA1. */
static int mostly_chinese(const char *p, size_t n)
{
	const unsigned char *s = (const unsigned char *)p;
	size_t multi = 0, common = 0;

	for (size_t i = 0; i < n;) {
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		multi++;
		if (i + 3 < n && s[i + 1] >= 0x30 && s[i + 1] <= 0x39) {
			i += 4; /* a four-byte sequence */
			continue;
		}
		if (i + 1 < n && s[i] >= 0xa1 && s[i] <= 0xf7 && s[i + 1] >= 0xa1 && s[i + 1] <= 0xfe)
			common++;
		i += 2;
	}
	return multi > 0 && common * 100 >= multi * GB_MIN_CHINESE;
}

/* Decode p in charset; 1 with the UTF-8 in *u when it encodes back to the
 * very same bytes. */
static int decode_exact(const char *charset, const char *p, size_t n, char **u, size_t *ulen)
{
	char *d = txt_to_utf8(charset, p, n, ulen), *back;
	size_t blen = 0;
	int ok;

	if (d == NULL)
		return 0;
	back = txt_from_utf8(charset, d, *ulen, &blen);
	ok = back != NULL && blen == n && memcmp(back, p, n) == 0;
	free(back);
	if (!ok) {
		free(d);
		return 0;
	}
	*u = d;
	return 1;
}

/* CR LF line ends: every LF follows a CR, and there is an LF. */
static int all_crlf(const char *p, size_t n)
{
	const char *q = p, *end = p + n;
	int any = 0;

	while ((q = memchr(q, '\n', (size_t)(end - q))) != NULL) {
		if (q == p || q[-1] != '\r')
			return 0;
		any = 1;
		q++;
	}
	return any;
}

/* CR LF to LF, in place; returns the new length. */
static size_t strip_cr(char *p, size_t n)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		if (p[i] == '\r' && i + 1 < n && p[i + 1] == '\n')
			continue;
		p[o++] = p[i];
	}
	return o;
}

/* What the first bytes say: BOM, binary, UTF-8 or not. *bom_len is the
 * BOM's length. Returns 1 when the whole file must be looked at for
 * GB18030. */
static int sniff(const char *s, size_t n, int cut, struct doc_format *fmt, enum doc_ro *ro,
		 size_t *bom_len)
{
	memset(fmt, 0, sizeof *fmt);
	*ro = DOC_RW;
	*bom_len = 0;
	if (n >= 2 && (unsigned char)s[0] == 0xff && (unsigned char)s[1] == 0xfe) {
		fmt->enc = DOC_ENC_UTF16LE;
		fmt->bom = 1;
		*bom_len = 2;
		return 0;
	}
	if (n >= 2 && (unsigned char)s[0] == 0xfe && (unsigned char)s[1] == 0xff) {
		fmt->enc = DOC_ENC_UTF16BE;
		fmt->bom = 1;
		*bom_len = 2;
		return 0;
	}
	if (memchr(s, '\0', n) != NULL) {
		*ro = DOC_RO_BINARY;
		return 0;
	}
	if (n >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0) {
		fmt->bom = 1;
		*bom_len = 3;
		return 0;
	}
	return !utf8_ok(s, n, cut);
}

/* Bytes of a whole file (after any BOM) to UTF-8 in *u (malloc'd), per
 * fmt, which may fall back to UTF-8 (then *u is NULL: use the bytes). */
static void convert(const char *p, size_t n, int gb_check, struct doc_format *fmt,
		    enum doc_ro *ro, char **u, size_t *ulen)
{
	const char *cs = charset_of(fmt->enc);

	*u = NULL;
	if (cs != NULL && !decode_exact(cs, p, n, u, ulen)) {
		/* a UTF-16 BOM over bytes that are not UTF-16 */
		fmt->enc = DOC_ENC_UTF8;
		fmt->bom = 0;
		*ro = DOC_RO_UNDECODABLE;
		return;
	}
	if (gb_check && mostly_chinese(p, n) && decode_exact("GB18030", p, n, u, ulen))
		fmt->enc = DOC_ENC_GB18030;
}

void doc_file_decode(const char *p, size_t n, struct buf *out, struct doc_format *fmt,
		     enum doc_ro *ro)
{
	size_t bom, ulen = 0, s = n < DOC_FILE_SAMPLE ? n : DOC_FILE_SAMPLE;
	int gb = sniff(p, s, s < n, fmt, ro, &bom);
	char *u;

	convert(p + bom, n - bom, gb, fmt, ro, &u, &ulen);
	if (*ro == DOC_RO_UNDECODABLE || *ro == DOC_RO_BINARY) {
		buf_add(out, p, n);
		return;
	}
	if (u == NULL) {
		u = xmalloc(n - bom + 1);
		memcpy(u, p + bom, n - bom);
		ulen = n - bom;
	}
	if (all_crlf(u, ulen)) {
		fmt->crlf = 1;
		ulen = strip_cr(u, ulen);
	}
	buf_add(out, u, ulen);
	free(u);
}

/* ---- stamps --------------------------------------------------------------- */

/* A 64-bit hash of bytes, a word at a time (to notice a change, not to
 * resist one). */
static uint64_t hash_step(uint64_t h, const char *p, size_t n)
{
	const uint64_t m = 0x9e3779b97f4a7c15ULL;
	size_t i = 0;

	for (; i + 8 <= n; i += 8) {
		uint64_t w;

		memcpy(&w, p + i, 8);
		h = (h ^ w) * m;
		h ^= h >> 29;
	}
	for (; i < n; i++)
		h = (h ^ (unsigned char)p[i]) * 0x100000001b3ULL;
	return h;
}

uint64_t doc_hash(const char *p, size_t n)
{
	return hash_step(0xcbf29ce484222325ULL, n ? p : "", n);
}

void doc_stamp_mem(const char *p, size_t n, struct doc_stamp *st)
{
	memset(st, 0, sizeof *st);
	st->exists = 1;
	st->size = (int64_t)n;
	st->hashed = 1;
	st->hash = doc_hash(p, n);
}

static int hash_file(const char *path, uint64_t *out)
{
	char chunk[64 * 1024];
	uint64_t h = 0xcbf29ce484222325ULL;
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	ssize_t r;

	if (fd < 0)
		return -1;
	while ((r = read(fd, chunk, sizeof chunk)) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			close(fd);
			return -1;
		}
		h = hash_step(h, chunk, (size_t)r);
	}
	close(fd);
	*out = h;
	return 0;
}

static void stamp_stat(const struct stat *sb, struct doc_stamp *st)
{
	st->exists = 1;
	st->dev = (uint64_t)sb->st_dev;
	st->ino = (uint64_t)sb->st_ino;
	st->size = (int64_t)sb->st_size;
	st->mtime = (int64_t)sb->st_mtim.tv_sec;
	st->mtime_ns = (int64_t)sb->st_mtim.tv_nsec;
	st->ctime = (int64_t)sb->st_ctim.tv_sec;
	st->ctime_ns = (int64_t)sb->st_ctim.tv_nsec;
}

void doc_stamp_take(const char *path, int hash, struct doc_stamp *st)
{
	struct stat sb;

	memset(st, 0, sizeof *st);
	if (path == NULL || stat(path, &sb) != 0)
		return;
	stamp_stat(&sb, st);
	if (hash && S_ISREG(sb.st_mode) && st->size <= DOC_HASH_MAX &&
	    hash_file(path, &st->hash) == 0)
		st->hashed = 1;
}

int doc_file_changed(const char *path, struct doc_stamp *base)
{
	struct doc_stamp now;
	struct stat sb;
	uint64_t h;

	if (path == NULL)
		return 0;
	if (stat(path, &sb) != 0)
		return base->exists ? 2 : 0;
	if (!base->exists)
		return 1;
	stamp_stat(&sb, &now);
	if (now.dev == base->dev && now.ino == base->ino && now.size == base->size &&
	    now.mtime == base->mtime && now.mtime_ns == base->mtime_ns &&
	    now.ctime == base->ctime && now.ctime_ns == base->ctime_ns)
		return 0;
	/* Touched, or rewritten with the same bytes: not a change to warn of. */
	if (base->hashed && now.size == base->size && hash_file(path, &h) == 0 && h == base->hash) {
		now.hashed = 1;
		now.hash = h;
		*base = now;
		return 0;
	}
	return 1;
}

/* ---- load ----------------------------------------------------------------- */

/* The whole text of b (a fresh copy). */
static char *contents(const struct doc_buf *b, size_t *n)
{
	struct buf t;

	buf_init(&t);
	doc_buf_contents(b, &t);
	*n = t.len;
	return t.len ? buf_detach(&t) : (buf_free(&t), xstrdup(""));
}

int doc_file_load(const char *path, struct doc_buf **out, struct doc_format *fmt,
		  enum doc_ro *ro, struct doc_stamp *st, struct err *e)
{
	struct doc_buf *b;
	char *sample, *all, *u;
	size_t len, s, bom, n, ulen = 0;
	int rc, gb;

	memset(fmt, 0, sizeof *fmt);
	*ro = DOC_RW;
	memset(st, 0, sizeof *st);
	rc = doc_buf_open(path, &b, e);
	if (rc != 0)
		return rc;
	*out = b;
	if (doc_buf_is_new(b))
		return 0;
	doc_stamp_take(path, 0, st);
	len = doc_buf_len(b);
	s = len < DOC_FILE_SAMPLE ? len : DOC_FILE_SAMPLE;
	sample = xmalloc(s + 1);
	doc_buf_read(b, 0, s, sample);
	gb = sniff(sample, s, s < len, fmt, ro, &bom);
	if (*ro == DOC_RO_BINARY) {
		free(sample);
		goto stamp;
	}
	if (*ro == DOC_RW && access(path, W_OK) != 0)
		*ro = DOC_RO_PERM;
	/* Plain UTF-8: the mapping stays, unless every line ends CR LF. */
	if (fmt->enc == DOC_ENC_UTF8 && !gb) {
		const char *nl = memchr(sample, '\n', s);
		int maybe_crlf = nl ? nl > sample && nl[-1] == '\r' && all_crlf(sample, s) : s < len;

		free(sample);
		if (bom)
			doc_buf_drop_prefix(b, bom);
		if (!maybe_crlf)
			goto stamp;
		all = contents(b, &n);
		if (!all_crlf(all, n)) {
			free(all);
			goto stamp;
		}
		fmt->crlf = 1;
		n = strip_cr(all, n);
		doc_buf_free(b);
		*out = b = doc_buf_new_text(all, n);
		goto stamp;
	}
	free(sample);
	/* Another charset (or GB18030 to try): decode the whole file. */
	all = contents(b, &n);
	{
		enum doc_ro r2 = *ro;

		convert(all + bom, n - bom, gb, fmt, &r2, &u, &ulen);
		if (r2 == DOC_RO_UNDECODABLE)
			*ro = r2;
	}
	if (u == NULL && *ro != DOC_RO_UNDECODABLE && all_crlf(all, n)) {
		/* UTF-8 with invalid bytes, CR LF line ends */
		fmt->crlf = 1;
		ulen = strip_cr(all, n);
		u = all;
		all = NULL;
	}
	free(all);
	if (u == NULL)
		goto stamp; /* the bytes as they are */
	if (!fmt->crlf && all_crlf(u, ulen)) {
		fmt->crlf = 1;
		ulen = strip_cr(u, ulen);
	}
	doc_buf_free(b);
	*out = b = doc_buf_new_text(u, ulen);
stamp:
	if (st->exists && st->size <= DOC_HASH_MAX) {
		/* Hash what we read, so a touch without a change is no change. */
		struct doc_stamp now;

		doc_stamp_take(path, 1, &now);
		if (now.exists && now.size == st->size && now.mtime == st->mtime &&
		    now.mtime_ns == st->mtime_ns)
			*st = now;
	}
	return 0;
}

/* ---- save ----------------------------------------------------------------- */

/* The line (1-based) and column of byte off in text, for messages. */
static void where(const char *text, size_t off, size_t *line, size_t *col)
{
	*line = 1;
	*col = 1;
	for (size_t i = 0; i < off; i++) {
		if (text[i] == '\n') {
			++*line;
			*col = 1;
		} else if (((unsigned char)text[i] & 0xc0) != 0x80) {
			++*col;
		}
	}
}

/* The first byte of text the charset cannot take (invalid UTF-8, or a
 * character it lacks). */
static size_t first_unencodable(const char *cs, const char *text, size_t len)
{
	unsigned cp;

	for (size_t i = 0; i < len;) {
		size_t k = utf8_decode(text + i, len - i, &cp);
		char *one;

		if (k == 0)
			return i;
		if (cp >= 0x80) {
			one = txt_from_utf8(cs, text + i, k, NULL);
			if (one == NULL)
				return i;
			free(one);
		}
		i += k;
	}
	return len;
}

int doc_file_encode(const char *text, size_t len, const struct doc_format *fmt,
		    struct buf *out, struct err *e)
{
	const char *cs = charset_of(fmt->enc);
	struct buf lf;
	const char *t = text;
	size_t n = len;
	char *enc = NULL, tb[300];
	size_t elen = 0;

	buf_init(&lf);
	if (fmt->crlf) {
		for (size_t i = 0; i < len; i++) {
			if (text[i] == '\n')
				buf_addc(&lf, '\r');
			buf_addc(&lf, text[i]);
		}
		t = lf.len ? lf.data : "";
		n = lf.len;
	}
	if (cs != NULL) {
		enc = txt_from_utf8(cs, t, n, &elen);
		if (enc == NULL) {
			size_t line, col, at = first_unencodable(cs, text, len);

			where(text, at, &line, &col);
			buf_free(&lf);
			return err_set(e, E_PARSE, "%s",
				       trf(tb, sizeof tb, "docs.err.unencodable", TR_S(cs),
					   TR_N(line), TR_N(col)));
		}
		t = enc;
		n = elen;
	}
	if (fmt->bom) {
		if (fmt->enc == DOC_ENC_UTF8)
			buf_add(out, "\xef\xbb\xbf", 3);
		else if (fmt->enc == DOC_ENC_UTF16LE)
			buf_add(out, "\xff\xfe", 2);
		else if (fmt->enc == DOC_ENC_UTF16BE)
			buf_add(out, "\xfe\xff", 2);
	}
	buf_add(out, t, n);
	free(enc);
	buf_free(&lf);
	return 0;
}

int doc_file_save(const struct doc_buf *b, const char *path, const struct doc_format *fmt,
		  struct doc_stamp *st, struct err *e)
{
	struct buf text, bytes;
	char *real = NULL, tb[900];
	const char *target = path;
	struct stat lsb;
	int rc;

	/* Save through a symbolic link to the file it names, as editors do. */
	if (lstat(path, &lsb) == 0 && S_ISLNK(lsb.st_mode) && (real = realpath(path, NULL)))
		target = real;
	buf_init(&text);
	buf_init(&bytes);
	doc_buf_contents(b, &text);
	rc = doc_file_encode(text.len ? text.data : "", text.len, fmt, &bytes, e);
	buf_free(&text);
	if (rc == 0) {
		struct err we;

		err_clear(&we);
		rc = store_write_atomic(target, bytes.len ? bytes.data : "", bytes.len, 0644, &we);
		if (rc != 0)
			err_set(e, rc, "%s",
				trf(tb, sizeof tb, "docs.err.save_failed", TR_S(we.msg)));
	}
	if (rc == 0) {
		doc_stamp_take(target, 0, st);
		if (st->exists && st->size <= DOC_HASH_MAX) {
			st->hashed = 1;
			st->hash = hash_step(0xcbf29ce484222325ULL, bytes.data ? bytes.data : "",
					     bytes.len);
		}
	}
	buf_free(&bytes);
	free(real);
	return rc;
}

/* ---- diff ------------------------------------------------------------------ */

struct lines {
	const char **p;
	size_t *n;
	uint64_t *h;
	size_t count;
};

static void split_lines(const char *t, size_t len, struct lines *l)
{
	size_t cap = 16;

	l->count = 0;
	l->p = xmalloc(cap * sizeof *l->p);
	l->n = xmalloc(cap * sizeof *l->n);
	l->h = xmalloc(cap * sizeof *l->h);
	for (size_t i = 0; i < len;) {
		const char *nl = memchr(t + i, '\n', len - i);
		size_t k = nl ? (size_t)(nl - (t + i)) : len - i;

		if (l->count == cap) {
			cap *= 2;
			l->p = xrealloc(l->p, cap * sizeof *l->p);
			l->n = xrealloc(l->n, cap * sizeof *l->n);
			l->h = xrealloc(l->h, cap * sizeof *l->h);
		}
		l->p[l->count] = t + i;
		l->n[l->count] = k;
		l->h[l->count] = hash_step(k, t + i, k);
		l->count++;
		i += k + 1;
	}
}

static void lines_free(struct lines *l)
{
	free(l->p);
	free(l->n);
	free(l->h);
}

static int same(const struct lines *a, size_t i, const struct lines *b, size_t j)
{
	return a->h[i] == b->h[j] && a->n[i] == b->n[j] && memcmp(a->p[i], b->p[j], a->n[i]) == 0;
}

/* One edit script entry: ' ', '-' or '+' with the line's index. */
struct op {
	char k;
	size_t i;
};

/* The middle (after common head and tail lines) by LCS when small enough,
 * else all of a's lines out and b's in. */
#define LCS_MAX_CELLS ((size_t)4 << 20)

static size_t script(const struct lines *a, const struct lines *b, struct op **out)
{
	size_t head = 0, tail = 0, n = 0, na, nb;
	struct op *ops = xmalloc((a->count + b->count + 1) * sizeof *ops);

	while (head < a->count && head < b->count && same(a, head, b, head))
		head++;
	while (tail < a->count - head && tail < b->count - head &&
	       same(a, a->count - 1 - tail, b, b->count - 1 - tail))
		tail++;
	for (size_t i = 0; i < head; i++)
		ops[n++] = (struct op){ ' ', i };
	na = a->count - head - tail;
	nb = b->count - head - tail;
	if (na > 0 && nb > 0 && (na + 1) * (nb + 1) <= LCS_MAX_CELLS) {
		uint32_t *t = xcalloc((na + 1) * (nb + 1), sizeof *t);
		size_t i, j;

#define T(i, j) t[(i) * (nb + 1) + (j)]
		for (i = na; i-- > 0;)
			for (j = nb; j-- > 0;)
				T(i, j) = same(a, head + i, b, head + j)
						  ? T(i + 1, j + 1) + 1
						  : (T(i + 1, j) > T(i, j + 1) ? T(i + 1, j) : T(i, j + 1));
		for (i = 0, j = 0; i < na || j < nb;) {
			if (i < na && j < nb && same(a, head + i, b, head + j)) {
				ops[n++] = (struct op){ ' ', head + i };
				i++;
				j++;
			} else if (j < nb && (i == na || T(i, j + 1) >= T(i + 1, j))) {
				ops[n++] = (struct op){ '+', head + j++ };
			} else {
				ops[n++] = (struct op){ '-', head + i++ };
			}
		}
#undef T
		free(t);
	} else {
		for (size_t i = 0; i < na; i++)
			ops[n++] = (struct op){ '-', head + i };
		for (size_t j = 0; j < nb; j++)
			ops[n++] = (struct op){ '+', head + j };
	}
	for (size_t i = 0; i < tail; i++)
		ops[n++] = (struct op){ ' ', a->count - tail + i };
	*out = ops;
	return n;
}

#define CONTEXT 2

static void hunks(const struct lines *a, const struct lines *b, const struct op *ops, size_t n,
		  struct buf *out)
{
	size_t ai = 0, bi = 0; /* line numbers (0-based) at ops[k] */
	size_t *al = xmalloc((n + 1) * sizeof *al), *bl = xmalloc((n + 1) * sizeof *bl);

	for (size_t k = 0; k < n; k++) {
		al[k] = ai;
		bl[k] = bi;
		ai += ops[k].k != '+';
		bi += ops[k].k != '-';
	}
	for (size_t k = 0; k < n;) {
		size_t s, e, last, na = 0, nb = 0;

		if (ops[k].k == ' ') {
			k++;
			continue;
		}
		s = k > CONTEXT ? k - CONTEXT : 0;
		/* extend while changes are within 2 * CONTEXT of each other */
		last = k;
		for (e = k; e < n; e++) {
			if (ops[e].k != ' ')
				last = e;
			else if (e - last > 2 * CONTEXT)
				break;
		}
		e = last + CONTEXT + 1 < n ? last + CONTEXT + 1 : n;
		for (size_t q = s; q < e; q++) {
			na += ops[q].k != '+';
			nb += ops[q].k != '-';
		}
		buf_printf(out, "@@ -%zu,%zu +%zu,%zu @@\n", al[s] + 1, na, bl[s] + 1, nb);
		for (size_t q = s; q < e; q++) {
			const struct lines *l = ops[q].k == '+' ? b : a;

			buf_addc(out, ops[q].k);
			buf_add(out, l->p[ops[q].i], l->n[ops[q].i]);
			buf_addc(out, '\n');
		}
		k = e;
	}
	free(al);
	free(bl);
}

/* The diff of text a (labelled) against b's text into out. */
static void diff_text(char *ta, size_t na, const char *label, const struct doc_buf *b,
		      struct buf *out)
{
	struct lines la, lb;
	struct op *ops;
	char *tbx;
	size_t nb, n;

	tbx = contents(b, &nb);
	split_lines(ta, na, &la);
	split_lines(tbx, nb, &lb);
	n = script(&la, &lb, &ops);
	for (size_t k = 0; k < n; k++) {
		if (ops[k].k != ' ') {
			buf_printf(out, "--- %s\n+++ %s\n", label, tr("docs.diff.editor"));
			hunks(&la, &lb, ops, n, out);
			break;
		}
	}
	free(ops);
	lines_free(&la);
	lines_free(&lb);
	free(tbx);
}

int doc_file_diff(const char *path, const struct doc_buf *b, struct buf *out, struct err *e)
{
	struct doc_buf *disk;
	struct doc_format fmt;
	enum doc_ro ro;
	struct doc_stamp st;
	char *ta;
	size_t na;
	int rc = doc_file_load(path, &disk, &fmt, &ro, &st, e);

	if (rc != 0)
		return rc;
	ta = contents(disk, &na);
	doc_buf_free(disk);
	diff_text(ta, na, tr("docs.diff.disk"), b, out);
	free(ta);
	return 0;
}

void doc_bytes_diff(const char *p, size_t n, const char *label, const struct doc_buf *b,
		    struct buf *out)
{
	struct doc_format fmt;
	enum doc_ro ro;
	struct buf t;

	buf_init(&t);
	doc_file_decode(n ? p : "", n, &t, &fmt, &ro);
	buf_cstr(&t);
	diff_text(t.data, t.len, label, b, out);
	buf_free(&t);
}
