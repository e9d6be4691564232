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

#include "core/core.h"

struct zip;
struct xz_xml;

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

struct xz_xml {
	void *arg;     /* the caller's */
	const char *part;
	void *parser;  /* XML_Parser */
	int failed;
	char msg[300];
	const struct xz_handlers *h;
	struct buf name, attrs; /* scratch for converted names */
};

/* Stream the part through the handlers. A missing part, malformed XML or
 * an xz_fail from a handler is E_PARSE "PART: line N: what". */
int xz_parse(struct xz_reader *z, const char *part, const struct xz_handlers *h, void *arg,
	     struct err *e);
/* From a handler: stop the parse with "line N: what". */
void xz_fail(struct xz_xml *x, const char *fmt, ...) PRINTFLIKE(2, 3);
/* An attribute's value by converted name, or NULL. */
const char *xz_attr(const char **attr, const char *name);

/* XML text: escape &, <, >, " and drop what XML 1.0 cannot hold. */
void xz_esc(struct buf *out, const char *s, size_t len);
/* As xz_esc, OOXML's way: control characters as _xHHHH_, and a literal
 * "_xHHHH_" protected as "_x005F_xHHHH_". */
void xz_esc_ooxml(struct buf *out, const char *s, size_t len);
/* Undo OOXML's _xHHHH_ escapes in place; returns the new length. */
size_t xz_unesc_ooxml(char *s, size_t len);

/* A zip written to memory: parts are added in order (the first can be
 * stored uncompressed, as ODF's mimetype must be). */
struct xz_writer {
	struct buf *parts;
	char **names;
	int *store;
	size_t n;
};

void xz_w_init(struct xz_writer *w);
/* Take part (its contents move into the writer; part is left empty). */
void xz_w_add(struct xz_writer *w, const char *name, struct buf *part, int store);
/* Build the archive and append it to out; frees the writer's parts. */
int xz_w_finish(struct xz_writer *w, struct buf *out, struct err *e);
void xz_w_free(struct xz_writer *w);

#endif
