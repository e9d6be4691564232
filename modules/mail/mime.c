/*
 * mime.c - a message as people read it: its MIME tree parsed, the text a
 * reader sees chosen and converted to UTF-8, the attachments listed, and
 * attachments' names made safe to save.
 *
 * The tree is built first (struct part: headers, transfer encoding,
 * parameters with RFC 2231 and RFC 2047 decoded, multipart children found
 * by their boundary lines, a forwarded message/rfc822 parsed as a message
 * of its own), then walked once the way mutt shows a message:
 * multipart/alternative gives its text/plain (its HTML when the plain part
 * is missing or blank), other multiparts their inline text parts one after
 * another, forwarded messages come inline under a small header block, and
 * every part that is not shown as the text is an attachment.
 *
 * Mail is written by anyone: a multipart with no closing boundary runs to
 * the end, one with no boundary is text, base64 with junk decodes what it
 * can, a wrong or unknown charset label falls back (mail_charset_to_utf8),
 * nesting stops at MIME_DEPTH. The text is cleaned last, so whatever the
 * parts held, no escape or other control reaches the terminal.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "i18n/i18n.h"
#include "modules/mail/mail_int.h"

#define MIME_DEPTH 8
/* Past this many parts the rest of a message is not split further: a
 * bound on the work a crafted message can ask for. */
#define MIME_MAX_PARTS 5000
/* A file name's bytes at most (many file systems allow 255). */

enum { CTE_IDENTITY, CTE_QP, CTE_B64 };
enum { DISP_NONE, DISP_INLINE, DISP_ATTACH };

struct part {
	const char *hdr, *body;
	size_t hdr_len, body_len;
	int in_msg;        /* body points into the message given to parse */
	char type[96];     /* "text/plain", lower case */
	char *ct;          /* the raw Content-Type value, for its parameters */
	char *name;        /* file name decoded, or NULL */
	char *cid;         /* Content-ID without <> */
	int cte, disp;
	struct part *kids;
	size_t nkids;
	char *own;         /* a forwarded message's decoded bytes */
};

struct walk {
	const char *msg;
	size_t len;
	struct mail_text *t;
	struct buf text;
	int have_text;
	int nparts;
};

/* ---- small helpers -------------------------------------------------------------- */

/* Append s as valid UTF-8 with no control but \n and \t: CRLF becomes
 * LF, anything else (ESC, a lone CR, DEL, C1 controls, invalid bytes)
 * U+FFFD. The one place that makes text safe for a terminal. */
static void put_clean_text(struct buf *out, const char *s, size_t len)
{
	size_t i = 0;

	while (i < len) {
		unsigned char c = (unsigned char)s[i];
		unsigned cp;
		size_t n;

		if (c < 0x80) {
			if (c == '\r' && i + 1 < len && s[i + 1] == '\n')
				;
			else if (c >= 0x20 && c != 0x7f)
				buf_addc(out, (char)c);
			else if (c == '\n' || c == '\t')
				buf_addc(out, (char)c);
			else
				buf_adds(out, "\xef\xbf\xbd");
			i++;
			continue;
		}
		if ((n = utf8_decode(s + i, len - i, &cp)) == 0) {
			buf_adds(out, "\xef\xbf\xbd");
			i++;
			continue;
		}
		if (cp >= 0x80 && cp <= 0x9f)
			buf_adds(out, "\xef\xbf\xbd");
		else
			buf_add(out, s + i, n);
		i += n;
	}
}

/* The same for a one-line value: line breaks and tabs become spaces. */
static char *clean_line(const char *s)
{
	struct buf a, b;

	buf_init(&a);
	buf_init(&b);
	put_clean_text(&a, s, strlen(s));
	for (size_t i = 0; i < a.len; i++)
		buf_addc(&b, a.data[i] == '\n' || a.data[i] == '\t' ? ' ' : a.data[i]);
	buf_free(&a);
	buf_cstr(&b);
	return buf_detach(&b);
}

static int label_is(const char *cs, const char *const *names)
{
	for (; *names; names++)
		if (!strncasecmp(cs, *names, strlen(*names)))
			return 1;
	return 0;
}

void mail_charset_to_utf8(const char *charset, const char *in, size_t len, struct buf *out)
{
	static const char *const utf8[] = { "utf-8", "utf8", NULL };
	static const char *const single[] = { "us-ascii", "ascii", "ansi_x3.4", "iso-8859",
					       "iso8859", "iso_8859", "latin", "windows-125",
					       "cp125", "koi8", NULL };
	int valid, high = 0;
	char *u;
	size_t ulen;

	if (len == 0)
		return;
	valid = utf8_valid(in, len);
	for (size_t i = 0; i < len && !high; i++)
		high = (unsigned char)in[i] >= 0x80;
	if (charset && *charset && label_is(charset, utf8) && strlen(charset) <= 5) {
		if (valid) {
			buf_add(out, in, len);
		} else if ((u = txt_to_utf8("UTF-8", in, len, &ulen)) != NULL) {
			buf_add(out, u, ulen);
			free(u);
		}
		return;
	}
	u = charset && *charset ? txt_to_utf8(charset, in, len, &ulen) : NULL;
	if (!u) { /* none or unknown: what raw header bytes get (hdr.c) */
		if (valid) {
			buf_add(out, in, len);
			return;
		}
		u = txt_to_utf8("GB18030", in, len, &ulen);
		if (!u) {
			for (size_t i = 0; i < len; i++)
				buf_adds(out, (unsigned char)in[i] < 0x80 ? (char[2]){ in[i], 0 }
									  : "\xef\xbf\xbd");
			return;
		}
	} else if (valid && high &&
		   (label_is(charset, single) ||
		    (memmem(u, ulen, "\xef\xbf\xbd", 3) && !memmem(in, len, "\xef\xbf\xbd", 3)))) {
		/* the label lies: text in a single-byte charset is hardly ever
		 * valid multibyte UTF-8 by chance, and a conversion that met
		 * unmappable bytes was the wrong one */
		free(u);
		buf_add(out, in, len);
		return;
	}
	buf_add(out, u, ulen);
	free(u);
}

/* Where the header block ends and the body starts; a part may have no
 * header at all (its first line is empty). */
static size_t body_start(const char *m, size_t len, size_t *hdr_len)
{
	if (len && m[0] == '\n') {
		*hdr_len = 0;
		return 1;
	}
	if (len > 1 && m[0] == '\r' && m[1] == '\n') {
		*hdr_len = 0;
		return 2;
	}
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

/* ---- parameters (RFC 2045, RFC 2231) ------------------------------------------- */

struct param {
	char name[64]; /* lower case, without the "*n*" */
	int sect;      /* continuation number, -1 for none */
	int ext;       /* "*": charset'lang'%XX */
	char *val;
};

#define MAX_PARAMS 64

/* Every "; name=value" of a header value. */
static size_t params_parse(const char *v, struct param *ps)
{
	const char *p = strchr(v, ';');
	size_t n = 0;

	while (p && *p && n < MAX_PARAMS) {
		struct param *q = &ps[n];
		char attr[sizeof q->name];
		size_t al = 0;
		struct buf b;

		while (*p == ';' || *p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
			p++;
		while (*p && *p != '=' && *p != ';' && *p != ' ' && *p != '\t') {
			if (al + 1 < sizeof attr)
				attr[al++] = (char)tolower((unsigned char)*p);
			p++;
		}
		attr[al] = 0;
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p != '=') {
			p = strchr(p, ';');
			continue;
		}
		p++;
		while (*p == ' ' || *p == '\t')
			p++;
		buf_init(&b);
		if (*p == '"') {
			for (p++; *p && *p != '"'; p++) {
				if (*p == '\\' && p[1])
					p++;
				buf_addc(&b, *p);
			}
			if (*p == '"')
				p++;
		} else {
			while (*p && *p != ';')
				buf_addc(&b, *p++);
			while (b.len && (b.data[b.len - 1] == ' ' || b.data[b.len - 1] == '\t'))
				b.len--;
		}
		/* "name*1*" -> name, 1, ext */
		char *star = strchr(attr, '*');
		q->sect = -1;
		q->ext = 0;
		if (star) {
			*star = 0;
			char *s = star + 1;
			if (isdigit((unsigned char)*s)) {
				q->sect = (int)strtol(s, &s, 10);
				if (q->sect > 1000)
					q->sect = 1000;
				if (*s == '*')
					q->ext = 1;
			} else {
				q->ext = 1;
			}
		}
		if (!attr[0]) {
			buf_free(&b);
			p = strchr(p, ';');
			continue;
		}
		memcpy(q->name, attr, sizeof q->name);
		buf_cstr(&b);
		q->val = buf_detach(&b);
		n++;
		p = strchr(p, ';');
	}
	return n;
}

static void params_free(struct param *ps, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(ps[i].val);
}

static int hexv(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

static void pct_decode(const char *s, struct buf *out)
{
	for (; *s; s++) {
		int h, l;
		if (*s == '%' && (h = hexv((unsigned char)s[1])) >= 0 &&
		    (l = hexv((unsigned char)s[2])) >= 0) {
			buf_addc(out, (char)(h * 16 + l));
			s += 2;
		} else {
			buf_addc(out, *s);
		}
	}
}

/* A parameter's value as it was written (boundary, charset), or NULL. */
static char *param_raw(const char *v, const char *name)
{
	struct param ps[MAX_PARAMS];
	size_t n = v ? params_parse(v, ps) : 0;
	char *r = NULL;

	for (size_t i = 0; i < n && !r; i++)
		if (ps[i].sect < 0 && !ps[i].ext && !strcmp(ps[i].name, name))
			r = xstrdup(ps[i].val);
	params_free(ps, n);
	return r;
}

/* A text parameter (a file name) decoded to UTF-8: RFC 2231's
 * name*=charset'lang'%XX and name*0*= name*1= continuations, else the
 * plain value with RFC 2047 words and raw bytes decoded like a header
 * (senders put encoded words in quoted strings, against the RFC). */
static char *param_text(const char *v, const char *name)
{
	struct param ps[MAX_PARAMS];
	size_t n = v ? params_parse(v, ps) : 0;
	struct buf bytes, out;
	char *cs = NULL, *r = NULL;
	int ext = 0, found = 0;

	buf_init(&bytes);
	buf_init(&out);
	for (size_t i = 0; i < n && !found; i++) {
		if (strcmp(ps[i].name, name) || ps[i].sect >= 0 || !ps[i].ext)
			continue;
		const char *q1 = strchr(ps[i].val, '\''), *q2 = q1 ? strchr(q1 + 1, '\'') : NULL;
		if (q2) {
			cs = xstrndup(ps[i].val, (size_t)(q1 - ps[i].val));
			pct_decode(q2 + 1, &bytes);
		} else {
			pct_decode(ps[i].val, &bytes);
		}
		ext = found = 1;
	}
	/* continuations, in order from 0 while they last */
	for (int s = 0; !found || (s > 0 && s < 1000); s++) {
		size_t i;
		for (i = 0; i < n; i++)
			if (ps[i].sect == s && !strcmp(ps[i].name, name))
				break;
		if (i == n)
			break;
		if (s == 0)
			found = 1;
		if (ps[i].ext) {
			const char *val = ps[i].val;
			if (s == 0) {
				const char *q1 = strchr(val, '\''),
					   *q2 = q1 ? strchr(q1 + 1, '\'') : NULL;
				if (q2) {
					cs = xstrndup(val, (size_t)(q1 - val));
					val = q2 + 1;
				}
			}
			pct_decode(val, &bytes);
			ext = 1;
		} else {
			buf_adds(&bytes, ps[i].val);
		}
	}
	if (found) {
		if (ext) {
			mail_charset_to_utf8(cs, bytes.data ? bytes.data : "", bytes.len, &out);
		} else {
			mail_hdr_decode(bytes.data ? bytes.data : "", bytes.len, NULL, &out);
		}
		r = clean_line(buf_cstr(&out));
	} else {
		for (size_t i = 0; i < n && !r; i++)
			if (ps[i].sect < 0 && !ps[i].ext && !strcmp(ps[i].name, name))
				r = mail_hdr_decode_str(ps[i].val, NULL);
	}
	free(cs);
	buf_free(&bytes);
	buf_free(&out);
	params_free(ps, n);
	return r;
}

/* "text/plain" of a Content-Type value, lower case. */
static void media_type(const char *v, char *t, size_t n)
{
	size_t k = 0;

	while (*v == ' ' || *v == '\t')
		v++;
	for (; *v && *v != ';' && *v != ' ' && *v != '\t' && *v != '(' && k + 1 < n; v++)
		t[k++] = (char)tolower((unsigned char)*v);
	t[k] = 0;
}

/* ---- the tree ---------------------------------------------------------------------- */

static void part_parse(struct walk *w, struct part *p, const char *m, size_t len, int in_msg,
		       int depth, int digest);

static void decode_body(const struct part *p, struct buf *out)
{
	if (p->cte == CTE_QP)
		mail_qp_decode(p->body, p->body_len, 0, out);
	else if (p->cte == CTE_B64)
		mail_b64_decode(p->body, p->body_len, out);
	else
		buf_add(out, p->body, p->body_len);
}

/* A delimiter line: "--" boundary, "--" when it closes, then nothing but
 * blanks. Returns 0 (no), 1 (a part follows) or 2 (closing). */
static int delimiter(const char *l, size_t n, const char *bd, size_t bl)
{
	size_t i;
	int close = 0;

	if (n < bl + 2 || l[0] != '-' || l[1] != '-' || memcmp(l + 2, bd, bl))
		return 0;
	i = bl + 2;
	if (i + 2 <= n && l[i] == '-' && l[i + 1] == '-') {
		close = 1;
		i += 2;
	}
	for (; i < n; i++)
		if (l[i] != ' ' && l[i] != '\t' && l[i] != '\r')
			return 0;
	return close ? 2 : 1;
}

static void add_kid(struct walk *w, struct part *p, const char *s, size_t len, int in_msg,
		    int depth, int digest)
{
	p->kids = xreallocarray(p->kids, p->nkids + 1, sizeof *p->kids);
	part_parse(w, &p->kids[p->nkids++], s, len, in_msg, depth + 1, digest);
}

static void split_multipart(struct walk *w, struct part *p, const char *bd, int depth,
			    int digest)
{
	const char *b = p->body, *part = NULL;
	size_t len = p->body_len, bl = strlen(bd), i = 0;

	while (i < len) {
		size_t eol = i;
		const char *nl = memchr(b + i, '\n', len - i);
		eol = nl ? (size_t)(nl - b) : len;
		int d = b[i] == '-' ? delimiter(b + i, eol - i, bd, bl) : 0;
		if (d) {
			if (part) {
				/* the line break before the delimiter belongs to it */
				size_t plen = (size_t)(b + i - part);
				if (plen && part[plen - 1] == '\n')
					plen--;
				if (plen && part[plen - 1] == '\r')
					plen--;
				if (w->nparts < MIME_MAX_PARTS)
					add_kid(w, p, part, plen, p->in_msg, depth, digest);
			}
			if (d == 2)
				return;
			part = eol < len ? b + eol + 1 : b + len;
		}
		i = eol + 1;
	}
	/* no closing delimiter: the last part runs to the end */
	if (part && w->nparts < MIME_MAX_PARTS)
		add_kid(w, p, part, (size_t)(b + len - part), p->in_msg, depth, digest);
}

static void part_parse(struct walk *w, struct part *p, const char *m, size_t len, int in_msg,
		       int depth, int digest)
{
	size_t hl, bs = body_start(m, len, &hl);
	char *cte, *cd, *cid;

	memset(p, 0, sizeof *p);
	w->nparts++;
	p->hdr = m;
	p->hdr_len = hl;
	p->body = m + bs;
	p->body_len = len - bs;
	p->in_msg = in_msg;
	p->ct = imap_header_value(m, hl, "Content-Type");
	cte = imap_header_value(m, hl, "Content-Transfer-Encoding");
	cd = imap_header_value(m, hl, "Content-Disposition");
	cid = imap_header_value(m, hl, "Content-ID");
	if (p->ct)
		media_type(p->ct, p->type, sizeof p->type);
	if (!p->type[0] || !strchr(p->type, '/'))
		snprintf(p->type, sizeof p->type, "%s", digest ? "message/rfc822" : "text/plain");
	if (cte) {
		char t[32];
		media_type(cte, t, sizeof t);
		p->cte = !strcmp(t, "quoted-printable") ? CTE_QP : !strcmp(t, "base64") ? CTE_B64
											: CTE_IDENTITY;
	}
	if (cd) {
		char t[32];
		media_type(cd, t, sizeof t);
		/* RFC 2183: an unknown disposition counts as attachment */
		p->disp = !t[0] ? DISP_NONE : !strcmp(t, "inline") ? DISP_INLINE : DISP_ATTACH;
		p->name = param_text(cd, "filename");
	}
	if (!p->name && p->ct)
		p->name = param_text(p->ct, "name");
	if (p->name && !p->name[0]) {
		free(p->name);
		p->name = NULL;
	}
	if (cid) {
		char *a = cid + strspn(cid, " \t<");
		size_t l = strcspn(a, ">");
		p->cid = xstrndup(a, l);
	}
	free(cte);
	free(cd);
	free(cid);
	if (!strncmp(p->type, "multipart/", 10)) {
		char *bd = param_raw(p->ct, "boundary");
		if (!bd || !bd[0] || strlen(bd) > 200) {
			/* a multipart without its boundary cannot be split:
			 * show the body */
			snprintf(p->type, sizeof p->type, "text/plain");
		} else if (depth < MIME_DEPTH) {
			split_multipart(w, p, bd, depth, !strcmp(p->type, "multipart/digest"));
		}
		free(bd);
	} else if ((!strcmp(p->type, "message/rfc822") || !strcmp(p->type, "message/global")) &&
		   depth < MIME_DEPTH && w->nparts < MIME_MAX_PARTS) {
		if (p->cte == CTE_IDENTITY) {
			add_kid(w, p, p->body, p->body_len, in_msg, depth, 0);
		} else {
			/* against RFC 2046, but seen: the message encoded */
			struct buf d;
			buf_init(&d);
			decode_body(p, &d);
			size_t dl = d.len;
			p->own = d.data ? buf_detach(&d) : xstrdup("");
			add_kid(w, p, p->own, dl, 0, depth, 0);
		}
	}
}

static void part_free(struct part *p)
{
	for (size_t i = 0; i < p->nkids; i++)
		part_free(&p->kids[i]);
	free(p->kids);
	free(p->ct);
	free(p->name);
	free(p->cid);
	free(p->own);
}

/* ---- the text ------------------------------------------------------------------------ */

/* RFC 3676: lines that end in a space continue on the next line (of the
 * same quote depth); one leading space was added by the sender (space
 * stuffing); with DelSp=yes the space at the break is not the text's. */
static void unflow(const char *s, size_t len, int delsp, struct buf *out)
{
	const char *e = s + len;
	int open = 0, open_q = 0;

	while (s < e) {
		const char *nl = memchr(s, '\n', (size_t)(e - s));
		size_t l = nl ? (size_t)(nl - s) : (size_t)(e - s);
		int q = 0;

		while ((size_t)q < l && s[q] == '>')
			q++;
		const char *c = s + q;
		size_t cl = l - (size_t)q;
		if (cl && *c == ' ') {
			c++;
			cl--;
		}
		int sig = cl == 3 && !memcmp(c, "-- ", 3);
		int flowed = !sig && cl && c[cl - 1] == ' ';
		if (open && q != open_q) {
			buf_addc(out, '\n');
			open = 0;
		}
		if (!open && q) {
			for (int i = 0; i < q; i++)
				buf_addc(out, '>');
			buf_addc(out, ' ');
		}
		if (flowed && delsp)
			cl--;
		buf_add(out, c, cl);
		if (flowed) {
			open = 1;
			open_q = q;
		} else {
			open = 0;
			if (nl)
				buf_addc(out, '\n');
		}
		s += l + (nl != NULL);
	}
	if (open && len && s[-1] == '\n')
		buf_addc(out, '\n');
}

static int is_leaf_text(const struct part *p)
{
	return !strcmp(p->type, "text/plain") || !strcmp(p->type, "text/html");
}

/* A text part as UTF-8 (not yet cleaned) into out. */
static void leaf_text(struct walk *w, const struct part *p, struct buf *out)
{
	struct buf raw, u;
	char *cs = param_raw(p->ct, "charset");

	buf_init(&raw);
	buf_init(&u);
	decode_body(p, &raw);
	if (!strcmp(p->type, "text/html")) {
		mail_html_text(raw.data ? raw.data : "", raw.len, cs, 0, out, &w->t->links,
			       &w->t->nlinks);
		w->t->html = 1;
	} else {
		char *fmt = param_raw(p->ct, "format"), *delsp = param_raw(p->ct, "delsp");
		mail_charset_to_utf8(cs, raw.data ? raw.data : "", raw.len, &u);
		/* lines as LF first: flowed lines end in "space LF" */
		size_t k = 0;
		for (size_t i = 0; i < u.len; i++)
			if (!(u.data[i] == '\r' && i + 1 < u.len && u.data[i + 1] == '\n'))
				u.data[k++] = u.data[i];
		u.len = k;
		if (fmt && !strcasecmp(fmt, "flowed"))
			unflow(u.data ? u.data : "", u.len, delsp && !strcasecmp(delsp, "yes"), out);
		else
			buf_add(out, u.data ? u.data : "", u.len);
		free(fmt);
		free(delsp);
	}
	free(cs);
	buf_free(&raw);
	buf_free(&u);
}

/* Start a new piece of the text: one blank line after what came before. */
static void text_sep(struct walk *w)
{
	if (w->have_text && w->text.len) {
		while (w->text.len && w->text.data[w->text.len - 1] == '\n')
			w->text.len--;
		buf_adds(&w->text, "\n\n");
	}
	w->have_text = 1;
}

static void add_chunk(struct walk *w, const char *s, size_t len)
{
	text_sep(w);
	put_clean_text(&w->text, s, len);
}

/* The decoded size without decoding (base64 is most of a big message's
 * bytes): what mail_b64_decode would give, 6 bits per character of the
 * alphabet up to the padding. */
static size_t body_size(const struct part *p)
{
	size_t n = 0;

	if (p->cte == CTE_IDENTITY)
		return p->body_len;
	if (p->cte == CTE_B64) {
		/* one bit per byte value: A-Z a-z 0-9 + / */
		static const uint64_t alpha[4] = { 0x03ff880000000000ull, 0x07fffffe07fffffeull, 0,
						   0 };
		const char *eq = memchr(p->body, '=', p->body_len);
		size_t end = eq ? (size_t)(eq - p->body) : p->body_len;
		for (size_t i = 0; i < end; i++) {
			unsigned char c = (unsigned char)p->body[i];
			n += (alpha[c >> 6] >> (c & 63)) & 1;
		}
		return n * 6 / 8;
	}
	struct buf d;
	buf_init(&d);
	decode_body(p, &d);
	n = d.len;
	buf_free(&d);
	return n;
}

static const char *ext_of_type(const char *type)
{
	static const char *const map[][2] = {
		{ "text/plain", "txt" },        { "text/html", "html" },
		{ "message/rfc822", "eml" },    { "image/jpeg", "jpg" },
		{ "text/calendar", "ics" },     { "application/octet-stream", "bin" },
		{ "application/pgp-signature", "asc" }, { "image/svg+xml", "svg" },
		{ "text/x-vcard", "vcf" },      { "text/vcard", "vcf" },
		{ "text/markdown", "md" },      { "application/msword", "doc" },
	};
	const char *sub = strchr(type, '/');
	size_t i, l;

	for (i = 0; i < nitems(map); i++)
		if (!strcmp(type, map[i][0]))
			return map[i][1];
	if (!sub)
		return "bin";
	sub++;
	for (l = 0; sub[l] && isalnum((unsigned char)sub[l]); l++)
		;
	return l && l <= 8 && !sub[l] ? sub : "bin";
}

static struct mail_attach *add_attach(struct walk *w, const struct part *p, int shown,
				      const char *name)
{
	struct mail_text *t = w->t;
	struct mail_attach *a;
	struct buf d;

	t->att = xreallocarray(t->att, t->natt + 1, sizeof *t->att);
	a = &t->att[t->natt++];
	memset(a, 0, sizeof *a);
	a->type = xstrdup(p->type);
	a->shown = shown;
	/* names decoded from encoded words may hold C1 controls */
	if (name && *name)
		a->name = clean_line(name);
	else if (p->name)
		a->name = clean_line(p->name);
	else
		xasprintf(&a->name, "part-%zu.%s", t->natt, ext_of_type(p->type));
	a->cte = p->cte;
	if (p->in_msg) {
		a->off = (size_t)(p->body - w->msg);
		a->len = p->body_len;
		a->size = body_size(p);
	} else {
		buf_init(&d);
		decode_body(p, &d);
		a->size = d.len;
		a->cte = -1;
		a->len = d.len;
		a->copy = d.data ? buf_detach(&d) : xstrdup("");
	}
	return a;
}

static void render(struct walk *w, const struct part *p);

static int blank(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (!isspace((unsigned char)s[i]))
			return 0;
	return 1;
}

/* The part of a multipart/alternative people read. */
static const struct part *pick_alternative(struct walk *w, const struct part *p)
{
	const struct part *plain = NULL, *html = NULL, *multi = NULL;

	for (size_t i = 0; i < p->nkids; i++) {
		const struct part *k = &p->kids[i];
		if (k->disp == DISP_ATTACH)
			continue;
		if (!plain && !strcmp(k->type, "text/plain"))
			plain = k;
		else if (!html && !strcmp(k->type, "text/html"))
			html = k;
		else if (k->nkids)
			multi = k;
	}
	if (plain && (html || multi)) {
		/* some mailers send an empty text/plain next to the HTML */
		struct buf b;
		buf_init(&b);
		leaf_text(w, plain, &b);
		int empty = blank(b.data ? b.data : "", b.len);
		buf_free(&b);
		if (!empty)
			return plain;
		return html ? html : multi;
	}
	if (plain)
		return plain;
	if (html)
		return html;
	if (multi)
		return multi;
	return p->nkids ? &p->kids[p->nkids - 1] : NULL;
}

static void forwarded(struct walk *w, const struct part *p)
{
	const struct part *in = &p->kids[0];
	static const char *const names[] = { "From", "Date", "Subject", "To" };
	char *subj = NULL, *name = NULL;
	struct buf h;

	buf_init(&h);
	buf_adds(&h, "---------- Forwarded message ----------\n");
	for (size_t i = 0; i < nitems(names); i++) {
		char *v = imap_header_value(in->hdr, in->hdr_len, names[i]);
		if (!v)
			continue;
		char *d = mail_hdr_decode_str(v, NULL);
		buf_printf(&h, "%s: %s\n", names[i], d);
		if (i == 2 && *d)
			subj = xstrdup(d);
		free(d);
		free(v);
	}
	if (p->name)
		name = xstrdup(p->name);
	else if (subj)
		xasprintf(&name, "%s.eml", subj);
	add_attach(w, p, 1, name);
	add_chunk(w, h.data, h.len);
	/* the forwarded message's own text right under its headers */
	w->have_text = 0;
	buf_addc(&w->text, '\n');
	render(w, in);
	w->have_text = 1;
	free(subj);
	free(name);
	buf_free(&h);
}

static void render(struct walk *w, const struct part *p)
{
	if (!strncmp(p->type, "multipart/", 10)) {
		if (!strcmp(p->type, "multipart/alternative")) {
			const struct part *k = pick_alternative(w, p);
			if (k)
				render(w, k);
			/* not an alternative of the text, whatever its place */
			for (size_t i = 0; i < p->nkids; i++)
				if (&p->kids[i] != k && p->kids[i].disp == DISP_ATTACH)
					render(w, &p->kids[i]);
		} else if (!strcmp(p->type, "multipart/related") && p->nkids) {
			char *start = param_raw(p->ct, "start");
			const struct part *root = &p->kids[0];
			if (start) {
				char *s = start + strspn(start, " <");
				s[strcspn(s, ">")] = 0;
				for (size_t i = 0; i < p->nkids; i++)
					if (p->kids[i].cid && !strcmp(p->kids[i].cid, s))
						root = &p->kids[i];
			}
			free(start);
			render(w, root);
			/* the rest are the root's images: not attachments
			 * unless the sender said so or they have no id */
			for (size_t i = 0; i < p->nkids; i++) {
				const struct part *k = &p->kids[i];
				if (k != root && (!k->cid || k->disp == DISP_ATTACH))
					render(w, k);
			}
		} else {
			for (size_t i = 0; i < p->nkids; i++)
				render(w, &p->kids[i]);
		}
		return;
	}
	if (p->nkids) { /* message/rfc822 within the depth limit */
		forwarded(w, p);
		return;
	}
	w->t->parts++;
	if (is_leaf_text(p) && p->disp != DISP_ATTACH && !(p->name && p->disp != DISP_INLINE)) {
		struct buf b;
		buf_init(&b);
		leaf_text(w, p, &b);
		add_chunk(w, b.data ? b.data : "", b.len);
		buf_free(&b);
		if (p->name)
			add_attach(w, p, 1, NULL);
		return;
	}
	if (!strcmp(p->type, "message/rfc822")) {
		/* too deep to show: still saved as a message */
		char *v = imap_header_value(p->body, p->body_len, "Subject"), *name = NULL;
		if (v && !p->name) {
			char *d = mail_hdr_decode_str(v, NULL);
			xasprintf(&name, "%s.eml", d);
			free(d);
		}
		add_attach(w, p, 0, name);
		free(name);
		free(v);
		return;
	}
	add_attach(w, p, 0, NULL);
}

void mail_text_parse(const char *msg, size_t len, struct mail_text *out)
{
	size_t hl;
	static const char *const names[] = { "From", "To", "Cc", "Date", "Subject" };
	char **slots[] = { &out->from, &out->to, &out->cc, &out->date, &out->subject };
	struct walk w = { .msg = msg, .len = len, .t = out };
	struct part top;

	memset(out, 0, sizeof *out);
	body_start(msg, len, &hl);
	for (size_t i = 0; i < nitems(names); i++) {
		char *v = imap_header_value(msg, hl, names[i]);
		if (v) {
			char *d = mail_hdr_decode_str(v, NULL);
			*slots[i] = clean_line(d);
			free(d);
			free(v);
		}
	}
	buf_init(&w.text);
	part_parse(&w, &top, msg, len, 1, 0, 0);
	render(&w, &top);
	part_free(&top);
	if (w.have_text) {
		/* lines end in \n, the last one too */
		if (w.text.len && w.text.data[w.text.len - 1] != '\n')
			buf_addc(&w.text, '\n');
		buf_cstr(&w.text);
		out->text_len = w.text.len;
		out->text = buf_detach(&w.text);
	}
	buf_free(&w.text);
}

void mail_text_free(struct mail_text *t)
{
	free(t->from);
	free(t->to);
	free(t->cc);
	free(t->date);
	free(t->subject);
	free(t->text);
	for (size_t i = 0; i < t->nlinks; i++)
		free(t->links[i]);
	free(t->links);
	for (size_t i = 0; i < t->natt; i++) {
		free(t->att[i].name);
		free(t->att[i].type);
		free(t->att[i].copy);
	}
	free(t->att);
	memset(t, 0, sizeof *t);
}

int mail_attach_data(const char *msg, size_t len, const struct mail_text *t, size_t n,
		     struct buf *out, struct err *e)
{
	const struct mail_attach *a;

	if (n < 1 || n > t->natt)
		return err_set(e, E_NOTFOUND, "no attachment %zu (the message has %zu)", n,
			       t->natt);
	a = &t->att[n - 1];
	if (a->copy) {
		buf_add(out, a->copy, a->len);
		return 0;
	}
	if (a->off > len || a->len > len - a->off)
		return err_set(e, E_INTERNAL, "attachment %zu is not in this message", n);
	struct part p = { .body = msg + a->off, .body_len = a->len, .cte = a->cte };
	decode_body(&p, out);
	return 0;
}

/* ---- saving ---------------------------------------------------------------------------- */

