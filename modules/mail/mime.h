/*
 * mime.h - a message's MIME structure as people read it (mime.c, html.c)
 *
 * Everything here reads what any sender on the Internet wrote
 * (tests/fuzz/fuzz_mailmime.c, fuzz_mailhtml.c): it never reads past the
 * message, decodes what it can and shows the rest as U+FFFD, and what it
 * returns is valid UTF-8 with no control character but \n and \t, so it
 * can go to a terminal as it is.
 */
#ifndef ATRIUM_MODULES_MAIL_MIME_H
#define ATRIUM_MODULES_MAIL_MIME_H

#include <stddef.h>

#include "core/core.h"

/* ---- mime.c ----------------------------------------------------------------- */

/* A part people may want to save. Its bytes stay in the message until
 * mail_attach_data asks for them. */
struct mail_attach {
	/* As the sender named it (RFC 2231, RFC 2047 or raw bytes, decoded),
	 * or "part-N.ext" from its type; the subject + ".eml" for a forwarded
	 * message. Never a path to use as it is: see mail_safe_name. */
	char *name;
	char *type;   /* "application/pdf", lower case */
	size_t size;  /* decoded bytes */
	int shown;    /* its content is also in mail_text.text (inline text,
	               * a forwarded message) */
	/* mime.c's own: where the bytes are */
	size_t off, len;
	int cte;
	char *copy;   /* decoded bytes when they are not in the message as
	               * such (a part of a base64-encoded forwarded message) */
};

struct mail_text {
	char *from, *to, *cc, *date, *subject; /* decoded; NULL when absent */
	/* What a reader sees, in UTF-8, lines as \n: multipart/alternative's
	 * text/plain (else its HTML as text), the inline text parts of other
	 * multiparts one after another, forwarded messages with a header
	 * block. NULL when the message has no text at all. */
	char *text;
	size_t text_len;
	int parts;       /* leaf parts seen */
	int html;        /* some of the text was rendered from HTML */
	/* The targets of the HTML's links, in the order of their [n] markers
	 * in the text (links[0] is [1]). */
	char **links;
	size_t nlinks;
	/* Attachments, numbered from 1 for people: att[0] is attachment 1. */
	struct mail_attach *att;
	size_t natt;
};

/* Walk a whole message (headers and body, CRLF or LF lines). */
void mail_text_parse(const char *msg, size_t len, struct mail_text *out);
void mail_text_free(struct mail_text *t);
/* The decoded bytes of attachment n (from 1) of t, parsed from msg (the
 * same bytes): appended to out. E_NOTFOUND when there is no such
 * attachment. */
int mail_attach_data(const char *msg, size_t len, const struct mail_text *t, size_t n,
		     struct buf *out, struct err *e);

/* Attachment names made safe (core's fname_safe: "attachment-N.ext" for an
 * empty or reserved one) and saved without overwriting anything. */
#define mail_safe_name(name, index) fname_safe((name), "attachment", (index))
#define mail_save_unique fname_save_unique

/* Decoders of a Content-Transfer-Encoding (appending to out; hdr.c). */
void mail_qp_decode(const char *in, size_t len, int header, struct buf *out);
/* Returns -1 when a character outside the alphabet (and not white space)
 * is met; what decoded so far is in out. */
int mail_b64_decode(const char *in, size_t len, struct buf *out);

/* Bytes in `charset` (a MIME label; NULL or empty when the part had none)
 * to UTF-8 appended to out, with the fallbacks mail needs: an unknown or
 * missing label reads the bytes as UTF-8 when they are valid, else as
 * GB18030; a single-byte label (us-ascii, ISO-8859-*, windows-125*) on
 * bytes that are valid multibyte UTF-8 believes the bytes, and so does
 * any label whose conversion met unmappable bytes. Controls are left for
 * the caller; invalid sequences become U+FFFD. */
void mail_charset_to_utf8(const char *charset, const char *in, size_t len, struct buf *out);

/* ---- html.c ------------------------------------------------------------------ */

enum {
	MAIL_HTML_SIMPLE = 1, /* the tag-stripping renderer even when libxml2
	                       * loads (tests; and what runs when it does not) */
};

/* An HTML part as text, appended to out: what a browser would show with
 * the layout reduced to lines (blocks, "• " list items, "> " quotes,
 * table cells separated by " | "), script, style and the head dropped,
 * entities decoded, white space collapsed, images by their alt text (no
 * fetch of anything), each link's text followed by "[n]" with its target
 * appended to *links (numbering continues from *nlinks). html is in
 * `charset` (NULL: the document's <meta> or UTF-8). libxml2's HTML parser
 * is loaded on first use (core/dl.c); when it cannot be, a simpler
 * renderer does the same job less well and the log says why once. The
 * output may hold controls from the document: the caller cleans it. */
void mail_html_text(const char *html, size_t len, const char *charset, int flags,
		    struct buf *out, char ***links, size_t *nlinks);

#endif
