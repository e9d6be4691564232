/*
 * io_zip.h - the zip and XML plumbing of the xlsx and ods files (io_zip.c):
 * a zip archive read from memory with its parts streamed through expat
 * (never a whole part in memory), and a zip archive written to memory.
 *
 * Element and attribute names reach the handlers as "prefix:local" with
 * the prefix fixed by namespace, whatever prefix the file used: the
 * SpreadsheetML main namespace has none ("row", "c"), relationships are
 * "r:", ODF's are "office:", "table:", "text:", "style:", "number:",
 * "fo:", "calcext:", "of:", "xlink:", "manifest:"; unknown ones "?:".
 */
#ifndef ATRIUM_SHEETS_IO_ZIP_H
#define ATRIUM_SHEETS_IO_ZIP_H

#include <stddef.h>
#include <stdint.h>

#include "core/core.h"

struct zip;
struct xz_xml;

/* libzip, loaded by xz_open and xz_w_finish on first use (core/dl.c);
 * public so a test can name a library that is not there. */
extern struct dl_lib xz_libzip;

struct xz_reader {
	struct zip *za;
	const char *kind; /* "xlsx", "ods": for messages */
};

/* Open a zip held in memory (data must outlive the reader). E_PARSE
 * "not a zip archive: ..." when it is not one. */
int xz_open(struct xz_reader *z, const void *data, size_t len, const char *kind, struct err *e);
void xz_close(struct xz_reader *z);
/* Is there a part of this name (case-insensitive, as OPC)? */
int xz_has(struct xz_reader *z, const char *part);
/* The index-th entry's name, or NULL past the end. */
const char *xz_entry(struct xz_reader *z, long index);
/* A small part whole (mimetype), at most max bytes; E_PARSE if larger. */
int xz_read_small(struct xz_reader *z, const char *part, struct buf *out, size_t max,
		  struct err *e);

struct xz_handlers {
	void (*start)(struct xz_xml *x, const char *name, const char **attr);
	void (*end)(struct xz_xml *x, const char *name);
	void (*text)(struct xz_xml *x, const char *s, int len);
};

#define XZ_NSCACHE 16

struct xz_nscache { /* a prefix looked up lately */
	char pfx[16];
	size_t len;
	const char *canon;
	int same;
	unsigned long gen;
};

struct xz_xml {
	void *arg;     /* the caller's */
	const char *part;
	void *parser;  /* XML_Parser */
	int failed;
	char msg[300];
	const struct xz_handlers *h;
	struct buf name; /* scratch for converted names */
	/* namespace bindings in scope (io_zip.c resolves them, not expat) */
	struct xz_bind *bind;
	size_t nbind, capbind;
	long depth;
	unsigned long gen; /* bumped when the bindings change */
	struct xz_nscache cache[XZ_NSCACHE];
};

/* Stream the part through the handlers. A missing part, malformed XML or
 * an xz_fail from a handler is E_PARSE "PART: line N: what". */
int xz_parse(struct xz_reader *z, const char *part, const struct xz_handlers *h, void *arg,
	     struct err *e);
/* From a handler: stop the parse with "line N: what". */
void xz_fail(struct xz_xml *x, const char *fmt, ...) PRINTFLIKE(2, 3);
/* An attribute's value by converted name, or NULL. */
const char *xz_attr(const char **attr, const char *name);

/* A number's text (xsd:double as written by spreadsheets: "-12.5",
 * "1E-3", surrounding blanks allowed) to a double; -1 if it is not one
 * or not finite. Plain decimals take a fast path exact to strtod. */
int xz_num(const char *s, size_t len, double *v);

/* XML text: escape &, <, >, " and drop what XML 1.0 cannot hold. */
void xz_esc(struct buf *out, const char *s, size_t len);
/* As xz_esc, OOXML's way: control characters as _xHHHH_, and a literal
 * "_xHHHH_" protected as "_x005F_xHHHH_". */
void xz_esc_ooxml(struct buf *out, const char *s, size_t len);
/* Undo OOXML's _xHHHH_ escapes in place; returns the new length. */
size_t xz_unesc_ooxml(char *s, size_t len);

/* Distinct strings numbered in order of arrival (shared strings, format
 * codes), found by hash. */
struct xz_strtab {
	char **s;       /* s[i] is string i */
	uint32_t *slot; /* open addressing: index + 1; 0 free */
	size_t n, cap;
};

/* The index of s, added (copied) when new. */
uint32_t xz_strtab_add(struct xz_strtab *t, const char *s);
void xz_strtab_free(struct xz_strtab *t);

/* A part made while the archive is written: each call appends the next
 * piece to out and returns 1, or 0 when the part is complete. Parts are
 * made in the order they were added, so a later part may use what an
 * earlier one gathered (xlsx's shared strings after its sheets). */
typedef int (*xz_gen_fn)(void *arg, struct buf *out);

/* A zip written to memory: parts are added in order (the first can be
 * stored uncompressed, as ODF's mimetype must be). */
struct xz_writer {
	struct buf *parts;
	char **names;
	int *store;
	xz_gen_fn *gen;  /* NULL: the part is parts[i] */
	void **genarg;
	size_t n;
};

void xz_w_init(struct xz_writer *w);
/* Take part (its contents move into the writer; part is left empty). */
void xz_w_add(struct xz_writer *w, const char *name, struct buf *part, int store);
/* A part streamed from gen(arg) into the compressor, never whole in
 * memory. */
void xz_w_add_gen(struct xz_writer *w, const char *name, xz_gen_fn gen, void *arg);
/* Build the archive and append it to out; frees the writer's parts. */
int xz_w_finish(struct xz_writer *w, struct buf *out, struct err *e);
void xz_w_free(struct xz_writer *w);

#endif
