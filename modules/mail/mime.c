/*
 * mime.c - the minimal MIME walk `atrium mail read` needs: the headers
 * people read and the first text/plain part that is not an attachment,
 * its transfer encoding (quoted-printable, base64) undone and its charset
 * converted to UTF-8. Multipart parts are found by their boundary lines,
 * nested up to a depth limit. Not done here: HTML parts (a message with
 * only text/html shows no text), choosing among multipart/alternative
 * beyond the first text/plain, RFC 2231 parameter continuations,
 * message/rfc822 parts, attachments' names.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "i18n/i18n.h"
#include "modules/mail/mail_int.h"

#define MIME_DEPTH 8

/* Where the header block ends and the body starts. */
static size_t body_start(const char *m, size_t len, size_t *hdr_len)
{
	for (size_t i = 0; i < len; i++) {
		if (m[i] != '\n')
			continue;
		if (i + 1 < len && m[i + 1] == '\n') {
			*hdr_len = i + 1;
			return i + 2;
		}
		if (i + 2 < len && m[i + 1] == '\r' && m[i + 2] == '\n') {
			*hdr_len = i + 1;
			return i + 3;
		}
	}
	*hdr_len = len;
	return len;
}

/* A parameter of a Content-Type-like value ("charset"), or NULL. */
static char *param_get(const char *v, const char *name)
{
	size_t nl = strlen(name);
	const char *p = strchr(v, ';');

	while (p) {
		p++;
		while (*p == ' ' || *p == '\t')
			p++;
		if (strncasecmp(p, name, nl) == 0) {
			const char *q = p + nl;
			while (*q == ' ' || *q == '\t')
				q++;
			if (*q == '=') {
				struct buf b;
				q++;
				while (*q == ' ' || *q == '\t')
					q++;
				buf_init(&b);
				if (*q == '"') {
					for (q++; *q && *q != '"'; q++) {
						if (*q == '\\' && q[1])
							q++;
						buf_addc(&b, *q);
					}
				} else {
					while (*q && *q != ';' && *q != ' ' && *q != '\t')
						buf_addc(&b, *q++);
				}
				buf_cstr(&b);
				return buf_detach(&b);
			}
		}
		/* the next ';' outside quotes */
		int inq = 0;
		for (; *p; p++) {
			if (*p == '"')
				inq = !inq;
			else if (*p == '\\' && inq && p[1])
				p++;
			else if (*p == ';' && !inq)
				break;
		}
		p = *p ? p : NULL;
	}
	return NULL;
}

/* "text/plain" of a Content-Type value, lower case, into t. */
static void media_type(const char *v, char *t, size_t n)
{
	size_t k = 0;

	while (*v == ' ' || *v == '\t')
		v++;
	for (; *v && *v != ';' && *v != ' ' && *v != '\t' && k + 1 < n; v++)
		t[k++] = (char)tolower((unsigned char)*v);
	t[k] = 0;
}

static void put_text(struct mail_text *t, const char *body, size_t len, const char *cte,
		     const char *charset)
{
	struct buf raw, out;
	char *u = NULL;
	size_t ulen = 0;

	buf_init(&raw);
	buf_init(&out);
	if (cte && !strcasecmp(cte, "quoted-printable"))
		mail_qp_decode(body, len, 0, &raw);
	else if (cte && !strcasecmp(cte, "base64"))
		mail_b64_decode(body, len, &raw);
	else
		buf_add(&raw, body, len);
	if (charset && strcasecmp(charset, "us-ascii") && strcasecmp(charset, "utf-8"))
		u = txt_to_utf8(charset, raw.data ? raw.data : "", raw.len, &ulen);
	if (!u) /* UTF-8, ASCII, none or unknown: UTF-8 where valid */
		u = txt_to_utf8("UTF-8", raw.data ? raw.data : "", raw.len, &ulen);
	if (!u)
		u = xstrdup("");
	/* lines as LF */
	for (size_t i = 0; i < ulen; i++)
		if (!(u[i] == '\r' && i + 1 < ulen && u[i + 1] == '\n'))
			buf_addc(&out, u[i]);
	free(u);
	buf_cstr(&out);
	t->text_len = out.len;
	t->text = buf_detach(&out);
	buf_free(&raw);
}

static void walk(struct mail_text *t, const char *m, size_t len, int depth, int in_digest);

/* The parts between "--boundary" lines. */
static void walk_multipart(struct mail_text *t, const char *b, size_t len, const char *boundary,
			   int depth, int digest)
{
	size_t bl = strlen(boundary);
	const char *part = NULL;
	size_t i = 0;

	if (bl == 0 || bl > 200)
		return;
	while (i < len && !t->text) {
		size_t eol = i;
		while (eol < len && b[eol] != '\n')
			eol++;
		if (eol - i >= bl + 2 && b[i] == '-' && b[i + 1] == '-' &&
		    memcmp(b + i + 2, boundary, bl) == 0) {
			int last = eol - i >= bl + 4 && b[i + 2 + bl] == '-' && b[i + 3 + bl] == '-';
			if (part) {
				/* the line break before the delimiter belongs to it */
				size_t plen = (size_t)(b + i - part);
				if (plen && part[plen - 1] == '\n')
					plen--;
				if (plen && part[plen - 1] == '\r')
					plen--;
				walk(t, part, plen, depth + 1, digest);
			}
			if (last)
				return;
			part = eol < len ? b + eol + 1 : b + len;
		}
		i = eol + 1;
	}
	/* no closing delimiter: the last part runs to the end */
	if (part && !t->text)
		walk(t, part, (size_t)(b + len - part), depth + 1, digest);
}

static void walk(struct mail_text *t, const char *m, size_t len, int depth, int in_digest)
{
	size_t hl, bs = body_start(m, len, &hl);
	char *ct = imap_header_value(m, hl, "Content-Type");
	char *cte = imap_header_value(m, hl, "Content-Transfer-Encoding");
	char *cd = imap_header_value(m, hl, "Content-Disposition");
	char type[100];

	if (ct)
		media_type(ct, type, sizeof type);
	else
		snprintf(type, sizeof type, "%s", in_digest ? "message/rfc822" : "text/plain");
	if (!strncmp(type, "multipart/", 10)) {
		char *bd = param_get(ct, "boundary");
		if (bd && depth < MIME_DEPTH)
			walk_multipart(t, m + bs, len - bs, bd, depth,
				       !strcmp(type, "multipart/digest"));
		free(bd);
	} else {
		t->parts++;
		if (!t->text && !strcmp(type, "text/plain") &&
		    !(cd && !strncasecmp(cd, "attachment", 10))) {
			char *cs = ct ? param_get(ct, "charset") : NULL;
			if (cte) /* "base64 (comment)" */
				cte[strcspn(cte, " \t(;")] = 0;
			put_text(t, m + bs, len - bs, cte, cs);
			free(cs);
		}
	}
	free(ct);
	free(cte);
	free(cd);
}

void mail_text_parse(const char *msg, size_t len, struct mail_text *out)
{
	size_t hl;
	static const char *const names[] = { "From", "To", "Cc", "Date", "Subject" };
	char **slots[] = { &out->from, &out->to, &out->cc, &out->date, &out->subject };

	memset(out, 0, sizeof *out);
	body_start(msg, len, &hl);
	for (size_t i = 0; i < nitems(names); i++) {
		char *v = imap_header_value(msg, hl, names[i]);
		if (v) {
			*slots[i] = mail_hdr_decode_str(v, NULL);
			free(v);
		}
	}
	walk(out, msg, len, 0, 0);
}

void mail_text_free(struct mail_text *t)
{
	free(t->from);
	free(t->to);
	free(t->cc);
	free(t->date);
	free(t->subject);
	free(t->text);
	memset(t, 0, sizeof *t);
}
