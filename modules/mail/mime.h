/*
 * mime.h - a message's MIME structure as people read it (mime.c)
 */
#ifndef ATRIUM_MODULES_MAIL_MIME_H
#define ATRIUM_MODULES_MAIL_MIME_H

#include <stddef.h>

#include "core/core.h"

/* ---- mime.c ----------------------------------------------------------------- */

struct mail_text {
	char *from, *to, *cc, *date, *subject; /* decoded; NULL when absent */
	char *text;      /* the first text/plain part in UTF-8, or NULL */
	size_t text_len;
	int parts;       /* leaf parts seen */
};

/* Walk a whole message (headers and body, CRLF or LF lines). */
void mail_text_parse(const char *msg, size_t len, struct mail_text *out);
void mail_text_free(struct mail_text *t);
/* Decoders of a Content-Transfer-Encoding (appending to out). */
void mail_qp_decode(const char *in, size_t len, int header, struct buf *out);
/* Returns -1 when a character outside the alphabet (and not white space)
 * is met; what decoded so far is in out. */
int mail_b64_decode(const char *in, size_t len, struct buf *out);

#endif
