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
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zip.h>

#include "modules/sheets/io_zip.h"

/* Past this many decompressed bytes a part is refused (a zip bomb). */
#define PART_MAX ((zip_uint64_t)2 << 30)

int xz_open(struct xz_reader *z, const void *data, size_t len, const char *kind, struct err *e)
{
	zip_error_t ze;
	zip_source_t *src;

	memset(z, 0, sizeof *z);
	z->kind = kind;
	zip_error_init(&ze);
	src = zip_source_buffer_create(len ? data : "", len, 0, &ze);
	if (src == NULL) {
		err_set(e, E_IO, "%s", zip_error_strerror(&ze));
		zip_error_fini(&ze);
		return E_IO;
	}
	z->za = zip_open_from_source(src, ZIP_RDONLY | ZIP_CHECKCONS, &ze);
	if (z->za == NULL) {
		zip_source_free(src);
		err_set(e, E_PARSE, "not a zip archive (%s)", zip_error_strerror(&ze));
		zip_error_fini(&ze);
		return E_PARSE;
	}
	zip_error_fini(&ze);
	return 0;
}

void xz_close(struct xz_reader *z)
{
	if (z->za)
		zip_discard(z->za);
	z->za = NULL;
}

int xz_has(struct xz_reader *z, const char *part)
{
	return zip_name_locate(z->za, part, ZIP_FL_NOCASE) >= 0;
}

const char *xz_entry(struct xz_reader *z, long index)
{
	if (index < 0 || index >= zip_get_num_entries(z->za, 0))
		return NULL;
	return zip_get_name(z->za, (zip_uint64_t)index, 0);
}

static zip_file_t *part_open(struct xz_reader *z, const char *part, struct err *e)
{
	zip_int64_t i = zip_name_locate(z->za, part, ZIP_FL_NOCASE);
	zip_file_t *zf;

	if (i < 0) {
		err_set(e, E_PARSE, "%s: missing from the archive", part);
		return NULL;
	}
	zf = zip_fopen_index(z->za, (zip_uint64_t)i, 0);
	if (zf == NULL)
		err_set(e, E_PARSE, "%s: %s", part, zip_strerror(z->za));
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
	while ((r = zip_fread(zf, chunk, sizeof chunk)) > 0) {
		buf_add(out, chunk, (size_t)r);
		if (out->len > max) {
			zip_fclose(zf);
			return err_set(e, E_PARSE, "%s: larger than %zu bytes", part, max);
		}
	}
	if (r < 0) {
		err_set(e, E_PARSE, "%s: %s", part, zip_file_strerror(zf));
		zip_fclose(zf);
		return E_PARSE;
	}
	zip_fclose(zf);
	return 0;
}

/* ---- names ---------------------------------------------------------------- */

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

/* "URI local" (expat's form, separator ' ') to "prefix:local" in b; the
 * result's offset in b is returned. */
static size_t name_conv(struct buf *b, const char *name)
{
	const char *sp = strchr(name, ' ');
	size_t at = b->len;

	if (sp == NULL) {
		buf_add(b, name, strlen(name) + 1);
		return at;
	}
	const char *pfx = "?:";

	for (size_t i = 0; i < sizeof known_ns / sizeof known_ns[0]; i++)
		if (strlen(known_ns[i].uri) == (size_t)(sp - name) &&
		    memcmp(known_ns[i].uri, name, (size_t)(sp - name)) == 0) {
			pfx = known_ns[i].pfx;
			break;
		}
	buf_adds(b, pfx);
	buf_add(b, sp + 1, strlen(sp + 1) + 1);
	return at;
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

static void on_start(void *arg, const XML_Char *name, const XML_Char **attr)
{
	struct xz_xml *x = arg;
	size_t n = 0, offs[2 * 64 + 1];
	const char *av[2 * 64 + 2];

	if (x->failed || x->h->start == NULL)
		return;
	buf_reset(&x->name);
	offs[0] = name_conv(&x->name, name);
	for (size_t i = 0; attr[i] && n < 64; i += 2, n++)
		offs[1 + 2 * n] = name_conv(&x->name, attr[i]);
	for (size_t i = 0; i < n; i++) {
		av[2 * i] = x->name.data + offs[1 + 2 * i];
		av[2 * i + 1] = attr[2 * i + 1];
	}
	av[2 * n] = av[2 * n + 1] = NULL;
	x->h->start(x, x->name.data + offs[0], av);
}

static void on_end(void *arg, const XML_Char *name)
{
	struct xz_xml *x = arg;

	if (x->failed || x->h->end == NULL)
		return;
	buf_reset(&x->name);
	x->h->end(x, x->name.data + name_conv(&x->name, name));
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
	x.parser = XML_ParserCreateNS("UTF-8", ' ');
	if (x.parser == NULL)
		fatal("XML_ParserCreateNS: out of memory");
	XML_SetUserData(x.parser, &x);
	XML_SetElementHandler(x.parser, on_start, on_end);
	XML_SetCharacterDataHandler(x.parser, on_text);
	XML_SetStartDoctypeDeclHandler(x.parser, on_doctype);
	for (;;) {
		void *chunk = XML_GetBuffer(x.parser, 65536);

		if (chunk == NULL)
			fatal("XML_GetBuffer: out of memory");
		r = zip_fread(zf, chunk, 65536);
		if (r < 0) {
			rc = err_set(e, E_PARSE, "%s: %s", part, zip_file_strerror(zf));
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
	zip_fclose(zf);
	return rc;
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

/* ---- writing ---------------------------------------------------------------- */

void xz_w_init(struct xz_writer *w)
{
	memset(w, 0, sizeof *w);
}

void xz_w_add(struct xz_writer *w, const char *name, struct buf *part, int store)
{
	w->parts = xreallocarray(w->parts, w->n + 1, sizeof *w->parts);
	w->names = xreallocarray(w->names, w->n + 1, sizeof *w->names);
	w->store = xreallocarray(w->store, w->n + 1, sizeof *w->store);
	w->parts[w->n] = *part;
	w->names[w->n] = xstrdup(name);
	w->store[w->n] = store;
	w->n++;
	buf_init(part);
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
	memset(w, 0, sizeof *w);
}

static int zip_fail(struct err *e, zip_error_t *ze)
{
	err_set(e, E_IO, "zip: %s", zip_error_strerror(ze));
	return E_IO;
}

int xz_w_finish(struct xz_writer *w, struct buf *out, struct err *e)
{
	zip_error_t ze;
	zip_source_t *mem, *s;
	zip_t *za;
	zip_stat_t st;
	int rc = 0;

	zip_error_init(&ze);
	mem = zip_source_buffer_create(NULL, 0, 0, &ze);
	if (mem == NULL) {
		rc = zip_fail(e, &ze);
		goto done;
	}
	zip_source_keep(mem);
	za = zip_open_from_source(mem, ZIP_TRUNCATE, &ze);
	if (za == NULL) {
		rc = zip_fail(e, &ze);
		zip_source_free(mem);
		goto done;
	}
	for (size_t i = 0; i < w->n && rc == 0; i++) {
		zip_int64_t idx;

		s = zip_source_buffer(za, w->parts[i].len ? w->parts[i].data : "", w->parts[i].len,
				      0);
		if (s == NULL || (idx = zip_file_add(za, w->names[i], s, ZIP_FL_ENC_UTF_8)) < 0) {
			if (s)
				zip_source_free(s);
			rc = zip_fail(e, zip_get_error(za));
			break;
		}
		/* level 1: libzip's default (9) made a 2 M-cell sheet take a minute
		 * for a few per cent of size */
		if (zip_set_file_compression(za, (zip_uint64_t)idx,
					     w->store[i] ? ZIP_CM_STORE : ZIP_CM_DEFLATE,
					     w->store[i] ? 0 : 1) < 0)
			rc = zip_fail(e, zip_get_error(za));
	}
	if (rc != 0) {
		zip_discard(za);
		zip_source_free(mem);
		goto done;
	}
	if (zip_close(za) < 0) {
		rc = zip_fail(e, zip_get_error(za));
		zip_discard(za);
		zip_source_free(mem);
		goto done;
	}
	zip_stat_init(&st);
	if (zip_source_stat(mem, &st) < 0 || zip_source_open(mem) < 0) {
		rc = zip_fail(e, zip_source_error(mem));
		zip_source_free(mem);
		goto done;
	}
	for (;;) {
		char chunk[65536];
		zip_int64_t r = zip_source_read(mem, chunk, sizeof chunk);

		if (r < 0) {
			rc = zip_fail(e, zip_source_error(mem));
			break;
		}
		if (r == 0)
			break;
		buf_add(out, chunk, (size_t)r);
	}
	zip_source_close(mem);
	zip_source_free(mem);
done:
	zip_error_fini(&ze);
	xz_w_free(w);
	return rc;
}
