/*
 * file.h - a document's file on disk: what its bytes are (charset, byte
 * order mark, line ends), loading them into a doc_buf as UTF-8 with LF
 * line ends, saving the buffer back in the same form, and telling whether
 * the file changed on disk since. Pure C (no curses).
 *
 * Detection on load (the first 64 KiB are the sample):
 *  - EF BB BF: UTF-8 with a BOM (kept on save). FF FE / FE FF: UTF-16LE /
 *    UTF-16BE with a BOM, decoded to UTF-8.
 *  - A NUL byte in the sample (and no UTF-16 BOM): binary. The bytes are
 *    kept as they are and the file is read-only.
 *  - A sample that is valid UTF-8 (a sequence cut by the sample's end
 *    counts as valid): UTF-8. Invalid bytes later in the file are kept
 *    byte for byte (the view shows placeholders).
 *  - Otherwise GB18030 when at least 80% of the file's multi-byte
 *    characters lie in GB2312's rows (both bytes 0xA1-0xFE: common hanzi
 *    and full-width punctuation) and the whole file decodes as GB18030
 *    and encodes back to exactly the same bytes. Latin-1 and Windows-1252
 *    text decodes as GB18030 too, but an accented letter before an ASCII
 *    one gives a trail byte below 0xA1, so it fails the first test. Else
 *    UTF-8 with the invalid bytes kept.
 *  - A UTF-16 file that does not decode and encode back exactly (an odd
 *    length, a lone surrogate) is shown as its bytes, read-only.
 *  - Line ends: CR LF when every LF in the text follows a CR (and there is
 *    one): the buffer holds LF and saving writes CR LF again. A file with
 *    mixed line ends keeps its bytes: the lone CRs show as placeholders.
 * So any file that is not converted round-trips byte for byte, and one
 * that is converted was checked to round-trip before it was accepted.
 */
#ifndef ATRIUM_DOCS_FILE_H
#define ATRIUM_DOCS_FILE_H

#include <stddef.h>
#include <stdint.h>

#include "core/core.h"

struct doc_buf;

#define DOC_FILE_SAMPLE (64 * 1024)

enum doc_enc {
	DOC_ENC_UTF8,
	DOC_ENC_GB18030,
	DOC_ENC_UTF16LE,
	DOC_ENC_UTF16BE,
};

struct doc_format {
	enum doc_enc enc;
	int bom;  /* the file starts with a byte order mark */
	int crlf; /* line ends are CR LF on disk */
};

/* Why a file opened read-only. */
enum doc_ro {
	DOC_RW,
	DOC_RO_PERM,        /* we may not write it */
	DOC_RO_BINARY,      /* NUL bytes: not text */
	DOC_RO_UNDECODABLE, /* a UTF-16 BOM, but not UTF-16 */
};

/* The file as we last read or wrote it, to notice another writer. */
struct doc_stamp {
	int exists;
	uint64_t dev, ino;
	int64_t size;
	int64_t mtime, mtime_ns, ctime, ctime_ns;
	int hashed; /* hash holds the bytes' hash (files up to DOC_HASH_MAX) */
	uint64_t hash;
};

/* Files larger than this are compared by their stat alone. */
#define DOC_HASH_MAX ((int64_t)64 << 20)

/* "UTF-8", "UTF-8 BOM", "GB18030", "UTF-16LE", "UTF-16BE" (for the title
 * and messages; the name of the form the file is saved in). */
const char *doc_format_name(const struct doc_format *f);
/* Parse "utf-8", "utf8", "utf-8-bom", "gb18030", "gbk", "utf-16le",
 * "utf-16be", "utf-16" (LE) in any case; sets enc and bom; 0 or E_USAGE. */
int doc_format_parse(const char *name, struct doc_format *f);

/* Load path (doc_buf_open's rules: a missing file gives an empty, new
 * buffer) and detect its form. *ro says why it is read-only (DOC_RW if
 * not). */
int doc_file_load(const char *path, struct doc_buf **out, struct doc_format *fmt,
		  enum doc_ro *ro, struct doc_stamp *st, struct err *e);
/* The same detection on bytes in memory: the UTF-8 text with LF line ends
 * is appended to out. */
void doc_file_decode(const char *p, size_t n, struct buf *out, struct doc_format *fmt,
		     enum doc_ro *ro);

/* Text (UTF-8, LF) in the file's form: CR LF, charset, BOM. E_PARSE with
 * where the text cannot be written in that charset. */
int doc_file_encode(const char *text, size_t len, const struct doc_format *fmt,
		    struct buf *out, struct err *e);
/* Save b to path atomically in fmt (a symbolic link is followed: the file
 * it names is replaced), keeping an existing file's mode and owner (the
 * owner when we are root; else the group when we may); 0644 for a new
 * file. *st then describes what was written. On failure nothing on disk
 * changed and e says why. */
int doc_file_save(const struct doc_buf *b, const char *path, const struct doc_format *fmt,
		  struct doc_stamp *st, struct err *e);

/* doc_stamp's hash of bytes in memory (the same as of a file holding them). */
uint64_t doc_hash(const char *p, size_t n);
/* A stamp for bytes that have no file on disk (a document of the team
 * share): exists, their size and hash, no times. */
void doc_stamp_mem(const char *p, size_t n, struct doc_stamp *st);

/* Fill st from path (exists 0 when it does not); hash when hash is set
 * and the file is small enough. */
void doc_stamp_take(const char *path, int hash, struct doc_stamp *st);
/* Whether path changed since base: 0 no, 1 changed, 2 deleted. A file
 * whose stat changed but whose bytes hash the same is unchanged (and base
 * takes the new stat). */
int doc_file_changed(const char *path, struct doc_stamp *base);

/* A line diff of the file on disk (decoded as load does) against the text
 * b holds, for people: "--- disk" / "+++ editor" headers, hunks with
 * "@@ -L,N +L,N @@" and two lines of context. Empty when they agree. */
int doc_file_diff(const char *path, const struct doc_buf *b, struct buf *out, struct err *e);
/* The same for bytes in memory (decoded as doc_file_decode does), the
 * "---" header naming them label. */
void doc_bytes_diff(const char *p, size_t n, const char *label, const struct doc_buf *b,
		    struct buf *out);

#endif
