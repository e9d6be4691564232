/*
 * compose.h - writing a mail: a draft becomes the bytes of an RFC 5322 /
 * MIME message, and replies and forwards are drafted from a message read
 * earlier.
 *
 * The bytes: CRLF lines, headers folded at 78 columns, non-ASCII names and
 * subjects as RFC 2047 encoded words (UTF-8), the text as text/plain;
 * format=flowed (7bit when ASCII, else quoted-printable: libcurl's SMTP
 * cannot declare 8bit), attachments in multipart/mixed as base64 with
 * RFC 2231 file names. Bcc recipients are never written: they are only
 * in the envelope (mail_draft_rcpts).
 *
 * The builders take the original as plain strings already decoded, so they
 * do not depend on how it was parsed.
 */
#ifndef ATRIUM_MAIL_COMPOSE_H
#define ATRIUM_MAIL_COMPOSE_H

#include <stddef.h>
#include <stdint.h>

#include "core/core.h"

struct mail_mbox {
	char *name; /* display name, UTF-8, or NULL */
	char *addr; /* local@domain */
};

struct mail_file {
	char *path; /* read from this file, or NULL for data */
	void *data; /* the bytes (when no path) */
	size_t len;
	char *name; /* file name shown (UTF-8); NULL: the path's last part */
	char *type; /* MIME type; NULL: guessed from the name */
};

/* All strings are owned by the draft (mail_draft_free frees them). */
struct mail_draft {
	struct mail_mbox from;
	struct mail_mbox *to, *cc, *bcc;
	size_t nto, ncc, nbcc;
	char *subject;	   /* UTF-8, or NULL */
	char *body;	   /* UTF-8 text, LF or CRLF lines, or NULL */
	char *in_reply_to; /* "<id>", or NULL */
	char *references;  /* "<id> <id> ...", or NULL */
	struct mail_file *att;
	size_t natt;
	char *message_id; /* "<id>"; NULL: one is made (from's domain) */
	int64_t date;	  /* unix seconds; 0: now */
};

void mail_draft_free(struct mail_draft *d);
/* Append a recipient (name may be NULL) to one of the draft's lists. */
void mail_mbox_add(struct mail_mbox **v, size_t *n, const char *name, const char *addr);
void mail_mboxes_free(struct mail_mbox *v, size_t n);

/* An address is local@domain in the form mail servers accept (dot-atom or
 * quoted local part; a domain of letters, digits and hyphens, or a
 * [literal]). 1 or 0. */
int mail_addr_valid(const char *addr);
/* Parse what a user typed: "Name <a@b>, \"Last, First\" <c@d>, e@f".
 * E_PARSE "not an address: ..." naming the first bad one. */
int mail_addr_parse_list(const char *text, struct mail_mbox **out, size_t *n, struct err *e);

/* A new Message-ID, "<random@domain-of-addr>"; free it. */
char *mail_msgid_new(const char *from_addr);
/* "Sat, 21 Nov 2026 10:00:00 +0800" for t in the local zone. */
void mail_date_format(int64_t t, char out[40]);
/* The MIME type of a file name from its extension (application/octet-stream
 * when unknown). */
const char *mail_type_guess(const char *name);

/* The message's bytes into out (appended). *msgid (if not NULL) gets the
 * Message-ID written. E_PARSE names a bad address ("not an address: x"),
 * a body that is not UTF-8 or a missing recipient; E_IO an attachment that
 * cannot be read. */
int mail_compose(const struct mail_draft *d, struct buf *out, char **msgid, struct err *e);

/* The envelope: To, Cc and Bcc addresses, each once (compared without
 * case), in that order. Free with mail_strv_free. */
char **mail_draft_rcpts(const struct mail_draft *d, size_t *n);
void mail_strv_free(char **v, size_t n);

/* ---- drafts from a message read earlier ----------------------------------- */

struct mail_orig {
	const char *message_id; /* "<id>", or NULL */
	const char *references; /* its References header, or NULL */
	const char *subject;	/* decoded */
	const char *date;	/* as the attribution line shows it */
	struct mail_mbox from;
	const struct mail_mbox *reply_to, *to, *cc;
	size_t nreply_to, nto, ncc;
	const char *body; /* its text, decoded */
	const void *raw;  /* its bytes (forward as attachment) */
	size_t raw_len;
};

#define MAIL_REFS_MAX 20 /* ids kept in References: the first and the last ones */

/* A reply from me: Subject "Re: " once, In-Reply-To, References, To the
 * Reply-To or From (all: plus its To and Cc, without me, each once), the
 * text quoted under "On DATE, NAME wrote:". */
void mail_reply(const struct mail_orig *o, const struct mail_mbox *me, int all,
		struct mail_draft *d);
/* A forward from me (no recipients yet): inline (the headers and text in
 * the body) or as a message/rfc822 attachment of the original bytes. */
void mail_forward(const struct mail_orig *o, const struct mail_mbox *me, int as_attachment,
		  struct mail_draft *d);

#endif
