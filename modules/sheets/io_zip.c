/*
 * io_zip.c - zip archives in memory (libzip) and their XML parts streamed
 * through expat, for the xlsx and ods readers and writers.
 *
 * A part is decompressed in 64 KiB chunks straight into the XML parser, so
 * a sheet of a million cells never sits in memory as text. Documents with
 * a DOCTYPE are refused: spreadsheet parts have none, and refusing them
 * closes the door on entity expansion.
 */
#include <expat.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zip.h>

#include "modules/sheets/io_zip.h"

/* Past this many decompressed bytes a part is refused (a zip bomb). */
#define PART_MAX ((zip_uint64_t)2 << 30)

/*
 * libzip is not linked but loaded by xz_open and xz_w_finish the first
 * time a workbook is read or written (core/dl.c): linked, it mapped
 * OpenSSL's libcrypto and libbz2 at every start, 2.5 ms for a feature
 * most sessions never use. Every other libzip call happens on an archive
 * those two made, so after the load. The functions are called through
 * lz (lz.zip_fread for zip_fread), whose members take their types from
 * <zip.h>: a changed signature is a compile error, not a crash.
 */
#define ZIP_FUNCS(X)                                                                     \
	X(zip_close) X(zip_discard) X(zip_error_fini) X(zip_error_init) X(zip_error_set)  \
	X(zip_error_strerror) X(zip_error_to_data) X(zip_fclose) X(zip_file_add)         \
	X(zip_file_strerror) X(zip_fopen_index) X(zip_fread) X(zip_get_error)            \
	X(zip_get_name) X(zip_get_num_entries) X(zip_name_locate) X(zip_open_from_source) \
	X(zip_set_file_compression) X(zip_source_buffer) X(zip_source_buffer_create)     \
	X(zip_source_close) X(zip_source_error) X(zip_source_free) X(zip_source_function) \
	X(zip_source_keep) X(zip_source_make_command_bitmap) X(zip_source_open)          \
	X(zip_source_read) X(zip_source_stat) X(zip_stat_init) X(zip_strerror)

#define ZIP_NAME(f) #f,
#define ZIP_SLOT(f) __typeof__(&f) f;
#define ZIP_COUNT(f) +1

static const char *const zip_names[] = { ZIP_FUNCS(ZIP_NAME) NULL };

static union {
	void *slot[0 ZIP_FUNCS(ZIP_COUNT)];
	struct {
		ZIP_FUNCS(ZIP_SLOT)
	};
} lz;

_Static_assert(sizeof lz == sizeof lz.slot, "one pointer per libzip function");

struct dl_lib xz_libzip = {
	.soname = "libzip.so.4",
	.pkg = "libzip4",
	.names = zip_names,
	.slots = lz.slot,
};

/* Load libzip if this is the first archive; what says who needs it. */
static int zip_need(const char *what, struct err *e)
{
	struct err le = { 0 };

	if (dl_load(&xz_libzip, &le) == 0)
		return 0;
	return err_set(e, le.code, "%s files need libzip: %s", what, le.msg);
}

int xz_open(struct xz_reader *z, const void *data, size_t len, const char *kind, struct err *e)
{
	zip_error_t ze;
	zip_source_t *src;
	int rc;

	memset(z, 0, sizeof *z);
	z->kind = kind;
	if ((rc = zip_need(kind, e)) != 0)
		return rc;
	lz.zip_error_init(&ze);
	src = lz.zip_source_buffer_create(len ? data : "", len, 0, &ze);
	if (src == NULL) {
		err_set(e, E_IO, "%s", lz.zip_error_strerror(&ze));
		lz.zip_error_fini(&ze);
		return E_IO;
	}
	z->za = lz.zip_open_from_source(src, ZIP_RDONLY | ZIP_CHECKCONS, &ze);
	if (z->za == NULL) {
		lz.zip_source_free(src);
		err_set(e, E_PARSE, "not a zip archive (%s)", lz.zip_error_strerror(&ze));
		lz.zip_error_fini(&ze);
		return E_PARSE;
	}
	lz.zip_error_fini(&ze);
	return 0;
}

void xz_close(struct xz_reader *z)
{
	if (z->za)
		lz.zip_discard(z->za);
	z->za = NULL;
}

int xz_has(struct xz_reader *z, const char *part)
{
	return lz.zip_name_locate(z->za, part, ZIP_FL_NOCASE) >= 0;
}

const char *xz_entry(struct xz_reader *z, long index)
{
	if (index < 0 || index >= lz.zip_get_num_entries(z->za, 0))
		return NULL;
	return lz.zip_get_name(z->za, (zip_uint64_t)index, 0);
}

static zip_file_t *part_open(struct xz_reader *z, const char *part, struct err *e)
{
	zip_int64_t i = lz.zip_name_locate(z->za, part, ZIP_FL_NOCASE);
	zip_file_t *zf;

	if (i < 0) {
		err_set(e, E_PARSE, "%s: missing from the archive", part);
		return NULL;
	}
	zf = lz.zip_fopen_index(z->za, (zip_uint64_t)i, 0);
	if (zf == NULL)
		err_set(e, E_PARSE, "%s: %s", part, lz.zip_strerror(z->za));
	return zf;
}

int xz_read_small(struct xz_reader *z, const char *part, struct buf *out, size_t max,
		  struct err *e)
{
	zip_file_t *zf = part_open(z, part, e);
	char chunk[512];
	zip_int64_t r;

	if (zf == NULL)
		return E_PARSE;
	while ((r = lz.zip_fread(zf, chunk, sizeof chunk)) > 0) {
		buf_add(out, chunk, (size_t)r);
		if (out->len > max) {
			lz.zip_fclose(zf);
			return err_set(e, E_PARSE, "%s: larger than %zu bytes", part, max);
		}
	}
	if (r < 0) {
		err_set(e, E_PARSE, "%s: %s", part, lz.zip_file_strerror(zf));
		lz.zip_fclose(zf);
		return E_PARSE;
	}
	lz.zip_fclose(zf);
	return 0;
}

/* ---- names ---------------------------------------------------------------- */

/*
 * Namespaces are resolved here rather than by expat: its namespace mode
 * builds a "URI local" string for every element and attribute, which
 * doubled the cost of parsing a large content.xml. We keep the xmlns
 * bindings in scope ourselves and hand out the file's own name whenever
 * its prefix is already ours (nearly always), so most names cost no copy.
 */
static const struct {
	const char *uri;
	const char *pfx;
} known_ns[] = {
	{ "http://schemas.openxmlformats.org/spreadsheetml/2006/main", "" },
	{ "http://purl.oclc.org/ooxml/spreadsheetml/main", "" },
	{ "http://schemas.openxmlformats.org/package/2006/relationships", "" },
	{ "http://schemas.openxmlformats.org/officeDocument/2006/relationships", "r:" },
	{ "http://purl.oclc.org/ooxml/officeDocument/relationships", "r:" },
	{ "urn:oasis:names:tc:opendocument:xmlns:office:1.0", "office:" },
	{ "urn:oasis:names:tc:opendocument:xmlns:table:1.0", "table:" },
	{ "urn:oasis:names:tc:opendocument:xmlns:text:1.0", "text:" },
	{ "urn:oasis:names:tc:opendocument:xmlns:style:1.0", "style:" },
	{ "urn:oasis:names:tc:opendocument:xmlns:datastyle:1.0", "number:" },
	{ "urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0", "fo:" },
	{ "urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0", "calcext:" },
	{ "urn:oasis:names:tc:opendocument:xmlns:of:1.2", "of:" },
	{ "http://www.w3.org/1999/xlink", "xlink:" },
	{ "urn:oasis:names:tc:opendocument:xmlns:manifest:1.0", "manifest:" },
	{ "http://www.w3.org/XML/1998/namespace", "xml:" },
};

/* Our prefix for a namespace URI: "?:" for one we do not know, and NULL
 * for the empty URI (xmlns="" undeclares the default namespace). */
static const char *ns_canon(const char *uri)
{
	if (uri[0] == '\0')
		return NULL;
	for (size_t i = 0; i < sizeof known_ns / sizeof known_ns[0]; i++)
		if (strcmp(known_ns[i].uri, uri) == 0)
			return known_ns[i].pfx;
	return "?:";
}

struct xz_bind {
	char *pfx;         /* the file's prefix, "" for the default namespace */
	size_t len;
	const char *canon; /* ours (static), NULL: no namespace */
	long depth;        /* the element that declared it */
};

static void bind_push(struct xz_xml *x, const char *pfx, const char *uri)
{
	if (x->nbind == x->capbind) {
		x->capbind = x->capbind ? x->capbind * 2 : 16;
		x->bind = xreallocarray(x->bind, x->capbind, sizeof *x->bind);
	}
	x->bind[x->nbind].pfx = xstrdup(pfx);
	x->bind[x->nbind].len = strlen(pfx);
	x->bind[x->nbind].canon = ns_canon(uri);
	x->bind[x->nbind].depth = x->depth;
	x->nbind++;
	x->gen++;
}

static void bind_pop(struct xz_xml *x)
{
	while (x->nbind > 0 && x->bind[x->nbind - 1].depth >= x->depth) {
		free(x->bind[--x->nbind].pfx);
		x->gen++;
	}
}

/* Our prefix for the file's prefix p (len bytes; 0 is the default
 * namespace), by the innermost binding: "" for none, "?:" for an unknown
 * or undeclared namespace. *same says it is p's own ("table:" for
 * "table"), so the name needs no copy. A small cache keeps the scan of
 * the bindings off the common path. */
static const char *bind_find(struct xz_xml *x, const char *p, size_t len, int *same)
{
	unsigned h = len ? ((unsigned)len * 31u + (unsigned char)p[0] * 7u +
			    (unsigned char)p[len - 1]) & (XZ_NSCACHE - 1) : 0;
	struct xz_nscache *c = &x->cache[h];
	const char *canon = NULL;
	int found = 0;

	if (c->gen == x->gen && c->len == len && memcmp(c->pfx, p, len) == 0) {
		*same = c->same;
		return c->canon;
	}
	for (size_t i = x->nbind; i-- > 0;)
		if (x->bind[i].len == len && memcmp(x->bind[i].pfx, p, len) == 0) {
			canon = x->bind[i].canon;
			found = 1;
			break;
		}
	if (!found && len == 3 && memcmp(p, "xml", 3) == 0)
		canon = "xml:", found = 1;
	if (len > 0 && !found)
		canon = "?:"; /* an undeclared prefix */
	if (canon == NULL)
		canon = "";
	*same = len > 0 && strlen(canon) == len + 1 && memcmp(canon, p, len) == 0;
	if (len < sizeof c->pfx) {
		memcpy(c->pfx, p, len);
		c->len = len;
		c->canon = canon;
		c->same = *same;
		c->gen = x->gen;
	}
	return canon;
}

/* A name as "prefix:local" with our prefix. Returns the file's own
 * string when it already is, else a copy at an offset of x->name
 * (*off; the result is then NULL until the scratch stops growing). */
static const char *name_conv(struct xz_xml *x, const char *name, int is_attr, size_t *off)
{
	const char *colon = strchr(name, ':'), *canon;
	size_t plen = colon ? (size_t)(colon - name) : 0;
	int same;

	if (colon == NULL && is_attr) /* unprefixed attributes have no namespace */
		return name;
	canon = bind_find(x, name, plen, &same);
	if (same || (colon == NULL && canon[0] == '\0'))
		return name;
	if (canon[0] == '\0')
		return colon + 1;
	*off = x->name.len;
	buf_adds(&x->name, canon);
	buf_add(&x->name, colon ? colon + 1 : name, strlen(colon ? colon + 1 : name) + 1);
	return NULL;
}

const char *xz_attr(const char **attr, const char *name)
{
	for (size_t i = 0; attr[i]; i += 2)
		if (strcmp(attr[i], name) == 0)
			return attr[i + 1];
	return NULL;
}

/* ---- parsing ---------------------------------------------------------------- */

void xz_fail(struct xz_xml *x, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (x->failed)
		return;
	x->failed = 1;
	n = snprintf(x->msg, sizeof x->msg, "line %lu: ",
		     (unsigned long)XML_GetCurrentLineNumber(x->parser));
	va_start(ap, fmt);
	vsnprintf(x->msg + n, sizeof x->msg - (size_t)n, fmt, ap);
	va_end(ap);
	XML_StopParser(x->parser, XML_FALSE);
}

#define MAX_ATTRS 128

static void on_start(void *arg, const XML_Char *name, const XML_Char **attr)
{
	struct xz_xml *x = arg;
	size_t n = 0, offs[MAX_ATTRS + 1];
	const char *av[2 * MAX_ATTRS + 2], *el;

	x->depth++;
	if (x->failed)
		return;
	for (size_t i = 0; attr[i]; i += 2)
		if (attr[i][0] == 'x' && strncmp(attr[i], "xmlns", 5) == 0 &&
		    (attr[i][5] == '\0' || attr[i][5] == ':'))
			bind_push(x, attr[i][5] ? attr[i] + 6 : "", attr[i + 1]);
	if (x->h->start == NULL)
		return;
	buf_reset(&x->name);
	el = name_conv(x, name, 0, &offs[MAX_ATTRS]);
	for (size_t i = 0; attr[i] && n < MAX_ATTRS; i += 2) {
		if (attr[i][0] == 'x' && strncmp(attr[i], "xmlns", 5) == 0 &&
		    (attr[i][5] == '\0' || attr[i][5] == ':'))
			continue;
		av[2 * n] = name_conv(x, attr[i], 1, &offs[n]);
		av[2 * n + 1] = attr[i + 1];
		n++;
	}
	/* copies were made in x->name, which may have moved as it grew */
	if (el == NULL)
		el = x->name.data + offs[MAX_ATTRS];
	for (size_t i = 0; i < n; i++)
		if (av[2 * i] == NULL)
			av[2 * i] = x->name.data + offs[i];
	av[2 * n] = av[2 * n + 1] = NULL;
	x->h->start(x, el, av);
}

static void on_end(void *arg, const XML_Char *name)
{
	struct xz_xml *x = arg;
	const char *el;
	size_t off;

	if (!x->failed && x->h->end) {
		buf_reset(&x->name);
		el = name_conv(x, name, 0, &off);
		x->h->end(x, el ? el : x->name.data + off);
	}
	bind_pop(x);
	x->depth--;
}

static void on_text(void *arg, const XML_Char *s, int len)
{
	struct xz_xml *x = arg;

	if (!x->failed && x->h->text)
		x->h->text(x, s, len);
}

static void on_doctype(void *arg, const XML_Char *name, const XML_Char *sysid,
		       const XML_Char *pubid, int has_internal)
{
	xz_fail(arg, "a DOCTYPE is not allowed here");
}

int xz_parse(struct xz_reader *z, const char *part, const struct xz_handlers *h, void *arg,
	     struct err *e)
{
	struct xz_xml x;
	zip_file_t *zf;
	zip_uint64_t total = 0;
	zip_int64_t r;
	int rc = 0;

	zf = part_open(z, part, e);
	if (zf == NULL)
		return E_PARSE;
	memset(&x, 0, sizeof x);
	x.arg = arg;
	x.part = part;
	x.h = h;
	buf_init(&x.name);
	x.gen = 1;
	x.parser = XML_ParserCreate("UTF-8");
	if (x.parser == NULL)
		fatal("XML_ParserCreate: out of memory");
	XML_SetUserData(x.parser, &x);
	XML_SetElementHandler(x.parser, on_start, on_end);
	XML_SetCharacterDataHandler(x.parser, on_text);
	XML_SetStartDoctypeDeclHandler(x.parser, on_doctype);
	for (;;) {
		void *chunk = XML_GetBuffer(x.parser, 65536);

		if (chunk == NULL)
			fatal("XML_GetBuffer: out of memory");
		r = lz.zip_fread(zf, chunk, 65536);
		if (r < 0) {
			rc = err_set(e, E_PARSE, "%s: %s", part, lz.zip_file_strerror(zf));
			break;
		}
		total += (zip_uint64_t)r;
		if (total > PART_MAX) {
			rc = err_set(e, E_PARSE, "%s: larger than 2 GiB", part);
			break;
		}
		if (XML_ParseBuffer(x.parser, (int)r, r == 0) != XML_STATUS_OK) {
			if (x.failed)
				rc = err_set(e, E_PARSE, "%s: %s", part, x.msg);
			else
				rc = err_set(e, E_PARSE, "%s: line %lu: %s", part,
					     (unsigned long)XML_GetCurrentLineNumber(x.parser),
					     XML_ErrorString(XML_GetErrorCode(x.parser)));
			break;
		}
		if (r == 0)
			break;
	}
	XML_ParserFree(x.parser);
	buf_free(&x.name);
	x.depth = 0;
	bind_pop(&x);
	free(x.bind);
	lz.zip_fclose(zf);
	return rc;
}

/* ---- numbers ------------------------------------------------------------ */

/* Powers of ten a double holds exactly. */
static const double exact_p10[] = { 1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
				    1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
				    1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22 };

int xz_num(const char *s, size_t len, double *v)
{
	unsigned long long m = 0;
	size_t i = 0, digits = 0;
	int neg = 0, k = -1;
	char tmp[64], *end;

	/* the common case, a plain decimal of at most 15 digits: m and 10^k
	 * are exact and one correctly rounded division is what strtod gives */
	if (i < len && (s[i] == '-' || s[i] == '+'))
		neg = s[i++] == '-';
	for (; i < len; i++) {
		if (s[i] == '.' && k < 0) {
			k = 0;
			continue;
		}
		if (s[i] < '0' || s[i] > '9' || ++digits > 15)
			break;
		m = m * 10 + (unsigned)(s[i] - '0');
		if (k >= 0)
			k++;
	}
	if (i == len && digits > 0) {
		*v = (double)m / exact_p10[k < 0 ? 0 : k];
		if (neg)
			*v = -*v;
		return 0;
	}
	/* exponents, long mantissas, spaces: strtod (LC_NUMERIC stays "C") */
	while (len > 0 && (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r'))
		s++, len--;
	while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t' || s[len - 1] == '\n' ||
			   s[len - 1] == '\r'))
		len--;
	if (len == 0 || memchr(s, '\0', len))
		return -1;
	char *c = len < sizeof tmp ? tmp : xmalloc(len + 1);
	int ok;

	memcpy(c, s, len);
	c[len] = '\0';
	*v = strtod(c, &end);
	ok = end == c + len && isfinite(*v);
	if (c != tmp)
		free(c);
	return ok ? 0 : -1;
}

/* ---- escaping ------------------------------------------------------------ */

/* Characters XML 1.0 allows (the C0 controls but TAB, LF, CR are not). */
static int xml_ok(unsigned char c)
{
	return c >= 0x20 || c == '\t' || c == '\n' || c == '\r';
}

static void esc_char(struct buf *out, char c)
{
	switch (c) {
	case '&': buf_adds(out, "&amp;"); break;
	case '<': buf_adds(out, "&lt;"); break;
	case '>': buf_adds(out, "&gt;"); break;
	case '"': buf_adds(out, "&quot;"); break;
	case '\r': buf_adds(out, "&#13;"); break;
	case '\n': buf_adds(out, "&#10;"); break;
	case '\t': buf_adds(out, "&#9;"); break;
	default: buf_addc(out, c); break;
	}
}

void xz_esc(struct buf *out, const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (xml_ok((unsigned char)s[i]))
			esc_char(out, s[i]);
}

static int is_hex4(const char *s, size_t len, size_t i)
{
	if (i + 7 > len || s[i] != '_' || s[i + 1] != 'x' || s[i + 6] != '_')
		return 0;
	for (size_t k = 2; k < 6; k++)
		if (!strchr("0123456789abcdefABCDEF", s[i + k]) || s[i + k] == '\0')
			return 0;
	return 1;
}

void xz_esc_ooxml(struct buf *out, const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (is_hex4(s, len, i))
			buf_adds(out, "_x005F");
		if (c < 0x20 && c != '\t' && c != '\n')
			buf_printf(out, "_x%04X_", c);
		else
			esc_char(out, (char)c);
	}
}

size_t xz_unesc_ooxml(char *s, size_t len)
{
	size_t o = 0;

	for (size_t i = 0; i < len;) {
		if (is_hex4(s, len, i)) {
			unsigned cp = (unsigned)strtoul((char[5]){ s[i + 2], s[i + 3], s[i + 4],
								  s[i + 5], 0 },
							 NULL, 16);
			char enc[4];
			size_t n = utf8_encode(cp, enc);

			memcpy(s + o, enc, n); /* n <= 3 < 7: never overtakes i */
			o += n;
			i += 7;
			continue;
		}
		s[o++] = s[i++];
	}
	return o;
}

/* ---- a set of strings ---------------------------------------------------- */

static uint64_t str_hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

uint32_t xz_strtab_add(struct xz_strtab *t, const char *s)
{
	size_t i;

	if ((t->n + 1) * 2 > t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 64;
		uint32_t *slot = xcalloc(cap, sizeof *slot);

		for (size_t k = 0; k < t->cap; k++) {
			if (!t->slot[k])
				continue;
			for (i = str_hash(t->s[t->slot[k] - 1]) & (cap - 1); slot[i];
			     i = (i + 1) & (cap - 1))
				;
			slot[i] = t->slot[k];
		}
		free(t->slot);
		t->slot = slot;
		t->cap = cap;
		t->s = xreallocarray(t->s, cap / 2, sizeof *t->s);
	}
	for (i = str_hash(s) & (t->cap - 1); t->slot[i]; i = (i + 1) & (t->cap - 1))
		if (strcmp(t->s[t->slot[i] - 1], s) == 0)
			return t->slot[i] - 1;
	t->s[t->n] = xstrdup(s);
	t->slot[i] = (uint32_t)++t->n;
	return (uint32_t)(t->n - 1);
}

void xz_strtab_free(struct xz_strtab *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->s[i]);
	free(t->s);
	free(t->slot);
	memset(t, 0, sizeof *t);
}

/* ---- writing ---------------------------------------------------------------- */

void xz_w_init(struct xz_writer *w)
{
	memset(w, 0, sizeof *w);
}

static void w_grow(struct xz_writer *w, const char *name)
{
	w->parts = xreallocarray(w->parts, w->n + 1, sizeof *w->parts);
	w->names = xreallocarray(w->names, w->n + 1, sizeof *w->names);
	w->store = xreallocarray(w->store, w->n + 1, sizeof *w->store);
	w->gen = xreallocarray(w->gen, w->n + 1, sizeof *w->gen);
	w->genarg = xreallocarray(w->genarg, w->n + 1, sizeof *w->genarg);
	buf_init(&w->parts[w->n]);
	w->names[w->n] = xstrdup(name);
	w->store[w->n] = 0;
	w->gen[w->n] = NULL;
	w->genarg[w->n] = NULL;
}

void xz_w_add(struct xz_writer *w, const char *name, struct buf *part, int store)
{
	w_grow(w, name);
	w->parts[w->n] = *part;
	w->store[w->n] = store;
	w->n++;
	buf_init(part);
}

void xz_w_add_gen(struct xz_writer *w, const char *name, xz_gen_fn gen, void *arg)
{
	w_grow(w, name);
	w->gen[w->n] = gen;
	w->genarg[w->n] = arg;
	w->n++;
}

void xz_w_free(struct xz_writer *w)
{
	for (size_t i = 0; i < w->n; i++) {
		buf_free(&w->parts[i]);
		free(w->names[i]);
	}
	free(w->parts);
	free(w->names);
	free(w->store);
	free(w->gen);
	free(w->genarg);
	memset(w, 0, sizeof *w);
}

static int zip_fail(struct err *e, zip_error_t *ze)
{
	err_set(e, E_IO, "zip: %s", lz.zip_error_strerror(ze));
	return E_IO;
}

/* A generated part as a libzip source: pieces are made on demand into a
 * small buffer and handed out as libzip reads. */
struct gen_src {
	xz_gen_fn gen;
	void *arg;
	struct buf piece;
	size_t at;
	int done;
	zip_error_t ze;
};

static zip_int64_t gen_cb(void *ud, void *data, zip_uint64_t len, zip_source_cmd_t cmd)
{
	struct gen_src *g = ud;

	switch (cmd) {
	case ZIP_SOURCE_OPEN:
		return 0;
	case ZIP_SOURCE_READ: {
		zip_uint64_t n = 0;

		while (n < len) {
			if (g->at == g->piece.len) {
				if (g->done)
					break;
				buf_reset(&g->piece);
				g->at = 0;
				g->done = !g->gen(g->arg, &g->piece);
				continue;
			}
			size_t k = g->piece.len - g->at;

			if (k > len - n)
				k = (size_t)(len - n);
			memcpy((char *)data + n, g->piece.data + g->at, k);
			g->at += k;
			n += k;
		}
		return (zip_int64_t)n;
	}
	case ZIP_SOURCE_CLOSE:
		return 0;
	case ZIP_SOURCE_STAT: {
		zip_stat_t *st = data;

		if (len < sizeof *st)
			return -1;
		lz.zip_stat_init(st); /* the size is not known before */
		return sizeof *st;
	}
	case ZIP_SOURCE_ERROR:
		return lz.zip_error_to_data(&g->ze, data, len);
	case ZIP_SOURCE_FREE:
		buf_free(&g->piece);
		lz.zip_error_fini(&g->ze);
		free(g);
		return 0;
	case ZIP_SOURCE_SUPPORTS:
		return lz.zip_source_make_command_bitmap(ZIP_SOURCE_OPEN, ZIP_SOURCE_READ,
						      ZIP_SOURCE_CLOSE, ZIP_SOURCE_STAT,
						      ZIP_SOURCE_ERROR, ZIP_SOURCE_FREE, -1);
	default:
		lz.zip_error_set(&g->ze, ZIP_ER_OPNOTSUPP, 0);
		return -1;
	}
}

static zip_source_t *gen_source(zip_t *za, xz_gen_fn gen, void *arg)
{
	struct gen_src *g = xcalloc(1, sizeof *g);
	zip_source_t *s;

	g->gen = gen;
	g->arg = arg;
	buf_init(&g->piece);
	lz.zip_error_init(&g->ze);
	s = lz.zip_source_function(za, gen_cb, g);
	if (s == NULL) {
		lz.zip_error_fini(&g->ze);
		free(g);
	}
	return s;
}

int xz_w_finish(struct xz_writer *w, struct buf *out, struct err *e)
{
	zip_error_t ze;
	zip_source_t *mem, *s;
	zip_t *za;
	zip_stat_t st;
	int rc = 0;

	if ((rc = zip_need("xlsx and ods", e)) != 0) {
		xz_w_free(w);
		return rc;
	}
	lz.zip_error_init(&ze);
	mem = lz.zip_source_buffer_create(NULL, 0, 0, &ze);
	if (mem == NULL) {
		rc = zip_fail(e, &ze);
		goto done;
	}
	lz.zip_source_keep(mem);
	za = lz.zip_open_from_source(mem, ZIP_TRUNCATE, &ze);
	if (za == NULL) {
		rc = zip_fail(e, &ze);
		lz.zip_source_free(mem);
		goto done;
	}
	for (size_t i = 0; i < w->n && rc == 0; i++) {
		zip_int64_t idx;

		if (w->gen[i])
			s = gen_source(za, w->gen[i], w->genarg[i]);
		else
			s = lz.zip_source_buffer(za, w->parts[i].len ? w->parts[i].data : "",
					      w->parts[i].len, 0);
		if (s == NULL || (idx = lz.zip_file_add(za, w->names[i], s, ZIP_FL_ENC_UTF_8)) < 0) {
			if (s)
				lz.zip_source_free(s);
			rc = zip_fail(e, lz.zip_get_error(za));
			break;
		}
		/* level 1: libzip's default (9) made a 2 M-cell sheet take a minute
		 * for a few per cent of size */
		if (lz.zip_set_file_compression(za, (zip_uint64_t)idx,
					     w->store[i] ? ZIP_CM_STORE : ZIP_CM_DEFLATE,
					     w->store[i] ? 0 : 1) < 0)
			rc = zip_fail(e, lz.zip_get_error(za));
	}
	if (rc != 0) {
		lz.zip_discard(za);
		lz.zip_source_free(mem);
		goto done;
	}
	if (lz.zip_close(za) < 0) {
		rc = zip_fail(e, lz.zip_get_error(za));
		lz.zip_discard(za);
		lz.zip_source_free(mem);
		goto done;
	}
	lz.zip_stat_init(&st);
	if (lz.zip_source_stat(mem, &st) < 0 || lz.zip_source_open(mem) < 0) {
		rc = zip_fail(e, lz.zip_source_error(mem));
		lz.zip_source_free(mem);
		goto done;
	}
	for (;;) {
		char chunk[65536];
		zip_int64_t r = lz.zip_source_read(mem, chunk, sizeof chunk);

		if (r < 0) {
			rc = zip_fail(e, lz.zip_source_error(mem));
			break;
		}
		if (r == 0)
			break;
		buf_add(out, chunk, (size_t)r);
	}
	lz.zip_source_close(mem);
	lz.zip_source_free(mem);
done:
	lz.zip_error_fini(&ze);
	xz_w_free(w);
	return rc;
}
