/*
 * compose.c - a draft becomes a message's bytes (see compose.h).
 *
 * Headers are written as a run of tokens; a fold (CRLF + space) goes
 * before any token that would pass column 78, so words, encoded words,
 * addresses and parameters stay whole. Text that needs encoding is cut
 * into encoded words of at most 75 characters at UTF-8 character
 * boundaries (mail_hdr_decode joins neighbouring words again).
 *
 * The text is format=flowed (RFC 3676, DelSp=no): a long line is broken
 * after a space, which stays at the end of the line as the sign of a soft
 * break; lines that start with a space or "From " get one more space
 * (stuffing), quoted lines keep their ">" marks on every piece. Trailing
 * spaces the user typed are dropped, or they would read as soft breaks.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

#include <sodium.h>

#include "modules/mail/compose.h"

#define HDR_WIDTH 78
#define EW_MAX 75     /* an encoded word's length at most (RFC 2047) */
#define FLOW_WIDTH 72 /* where flowed text is broken */
#define LINE_MAX_BYTES 998

/* ---- small things -------------------------------------------------------- */

/* Length of the UTF-8 sequence at p (1 for a byte that starts none). */
static size_t u8len(const unsigned char *p, size_t left)
{
	size_t n;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		n = 2;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		n = 3;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		n = 4;
	else
		return 1;
	if (n > left)
		return 1;
	for (size_t i = 1; i < n; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 1;
	return n;
}

static void mbox_copy(struct mail_mbox *dst, const struct mail_mbox *src)
{
	dst->name = src->name && *src->name ? xstrdup(src->name) : NULL;
	dst->addr = src->addr ? xstrdup(src->addr) : NULL;
}

void mail_mbox_add(struct mail_mbox **v, size_t *n, const char *name, const char *addr)
{
	*v = xreallocarray(*v, *n + 1, sizeof **v);
	(*v)[*n].name = name && *name ? xstrdup(name) : NULL;
	(*v)[*n].addr = xstrdup(addr ? addr : "");
	(*n)++;
}

void mail_mboxes_free(struct mail_mbox *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].name);
		free(v[i].addr);
	}
	free(v);
}

void mail_draft_free(struct mail_draft *d)
{
	free(d->from.name);
	free(d->from.addr);
	mail_mboxes_free(d->to, d->nto);
	mail_mboxes_free(d->cc, d->ncc);
	mail_mboxes_free(d->bcc, d->nbcc);
	free(d->subject);
	free(d->body);
	free(d->in_reply_to);
	free(d->references);
	for (size_t i = 0; i < d->natt; i++) {
		free(d->att[i].path);
		free(d->att[i].data);
		free(d->att[i].name);
		free(d->att[i].type);
	}
	free(d->att);
	free(d->message_id);
	memset(d, 0, sizeof *d);
}

void mail_strv_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* ---- addresses ----------------------------------------------------------- */

static int atext(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c && strchr("!#$%&'*+-/=?^_`{|}~", c));
}

static int domain_ok(const char *d)
{
	size_t label = 0, n = strlen(d);

	if (n == 0 || n > 253)
		return 0;
	if (d[0] == '[') /* a literal: [192.0.2.1], [IPv6:...] */
		return n > 2 && d[n - 1] == ']' && strcspn(d + 1, "[]\\ ") == n - 2;
	for (size_t i = 0; i <= n; i++) {
		char c = d[i];
		if (c == '.' || c == 0) {
			if (label == 0 || d[i - 1] == '-' || d[i - label] == '-' || label > 63)
				return 0;
			label = 0;
		} else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			   (c >= '0' && c <= '9') || c == '-') {
			label++;
		} else {
			return 0;
		}
	}
	return 1;
}

int mail_addr_valid(const char *addr)
{
	const char *at, *p;

	if (!addr || !*addr || strlen(addr) > 254)
		return 0;
	at = strrchr(addr, '@');
	if (!at || at == addr || !domain_ok(at + 1))
		return 0;
	if (addr[0] == '"') { /* a quoted local part: printable ASCII, \ escapes */
		for (p = addr + 1; p < at - 1; p++) {
			if (*p == '\\' && p + 1 < at - 1)
				p++;
			else if (*p == '"' || (unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e)
				return 0;
		}
		return at - addr >= 2 && at[-1] == '"' && p == at - 1;
	}
	if (at - addr > 64 || addr[0] == '.' || at[-1] == '.')
		return 0;
	for (p = addr; p < at; p++) {
		if (*p == '.' ? p[1] == '.' : !atext((unsigned char)*p))
			return 0;
	}
	return 1;
}

static char *trimmed(const char *s, size_t n)
{
	while (n > 0 && (*s == ' ' || *s == '\t')) {
		s++;
		n--;
	}
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	return xstrndup(s, n);
}

/* One item of a typed list: "Name <a@b>", "\"N, M\" <a@b>" or "a@b". */
static int parse_one(const char *s, size_t n, struct mail_mbox **out, size_t *cnt, struct err *e)
{
	char *item = trimmed(s, n), *lt = NULL, *name = NULL, *addr;
	int q = 0;

	if (!*item) {
		free(item);
		return 0;
	}
	for (char *p = item; *p; p++) {
		if (*p == '"' && (p == item || p[-1] != '\\'))
			q = !q;
		else if (*p == '<' && !q)
			lt = p;
	}
	if (lt) {
		char *gt = strchr(lt, '>');
		if (!gt || gt[1]) {
			err_set(e, E_PARSE, "not an address: %s", item);
			free(item);
			return e->code;
		}
		addr = trimmed(lt + 1, (size_t)(gt - lt - 1));
		name = trimmed(item, (size_t)(lt - item));
		if (name[0] == '"' && strlen(name) >= 2 && name[strlen(name) - 1] == '"') {
			/* unquote: drop the quotes and the backslashes of escapes */
			char *w = name;
			for (char *r = name + 1; r < name + strlen(name) - 1; r++) {
				if (*r == '\\' && r[1])
					r++;
				*w++ = *r;
			}
			*w = 0;
		}
	} else {
		addr = xstrdup(item);
	}
	if (!mail_addr_valid(addr)) {
		err_set(e, E_PARSE, "not an address: %s", *addr ? addr : item);
		free(item);
		free(name);
		free(addr);
		return e->code;
	}
	mail_mbox_add(out, cnt, name, addr);
	free(item);
	free(name);
	free(addr);
	return 0;
}

int mail_addr_parse_list(const char *text, struct mail_mbox **out, size_t *n, struct err *e)
{
	const char *start = text, *p;
	int q = 0, angle = 0;

	*out = NULL;
	*n = 0;
	for (p = text;; p++) {
		if (*p == '"' && (p == text || p[-1] != '\\'))
			q = !q;
		else if (!q && *p == '<')
			angle = 1;
		else if (!q && *p == '>')
			angle = 0;
		if (*p == 0 || (!q && !angle && (*p == ',' || *p == ';'))) {
			if (parse_one(start, (size_t)(p - start), out, n, e) < 0) {
				mail_mboxes_free(*out, *n);
				*out = NULL;
				*n = 0;
				return e->code;
			}
			if (*p == 0)
				break;
			start = p + 1;
		}
	}
	return 0;
}

/* ---- ids and dates ----------------------------------------------------------- */

char *mail_msgid_new(const char *from_addr)
{
	const char *at = from_addr ? strrchr(from_addr, '@') : NULL;
	const char *dom = at && domain_ok(at + 1) ? at + 1 : "atrium.invalid";
	unsigned char rnd[16];
	char hex[2 * sizeof rnd + 1], *id;

	if (sodium_init() < 0)
		fatal("libsodium did not initialise");
	randombytes_buf(rnd, sizeof rnd);
	sodium_bin2hex(hex, sizeof hex, rnd, sizeof rnd);
	xasprintf(&id, "<%s@%s>", hex, dom);
	return id;
}

void mail_date_format(int64_t t, char out[40])
{
	static const char *const wd[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
	static const char *const mon[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
					  "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
	time_t tt = (time_t)t;
	struct tm tm;
	int off;

	localtime_r(&tt, &tm);
	off = (int)(tm.tm_gmtoff / 60) % (24 * 60);
	snprintf(out, 40, "%s, %02d %s %04d %02d:%02d:%02d %c%02d%02d", wd[tm.tm_wday % 7],
		 tm.tm_mday, mon[tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
		 tm.tm_sec, off < 0 ? '-' : '+', abs(off) / 60, abs(off) % 60);
}

const char *mail_type_guess(const char *name)
{
	static const struct {
		const char *ext, *type;
	} types[] = {
	    {"pdf", "application/pdf"},
	    {"png", "image/png"},
	    {"jpg", "image/jpeg"},
	    {"jpeg", "image/jpeg"},
	    {"gif", "image/gif"},
	    {"webp", "image/webp"},
	    {"svg", "image/svg+xml"},
	    {"txt", "text/plain"},
	    {"md", "text/markdown"},
	    {"csv", "text/csv"},
	    {"html", "text/html"},
	    {"htm", "text/html"},
	    {"ics", "text/calendar"},
	    {"xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
	    {"docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
	    {"pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation"},
	    {"ods", "application/vnd.oasis.opendocument.spreadsheet"},
	    {"odt", "application/vnd.oasis.opendocument.text"},
	    {"zip", "application/zip"},
	    {"gz", "application/gzip"},
	    {"tar", "application/x-tar"},
	    {"json", "application/json"},
	    {"xml", "application/xml"},
	    {"eml", "message/rfc822"},
	};
	const char *dot = name ? strrchr(name, '.') : NULL;

	if (dot && dot[1] && !strchr(dot, '/'))
		for (size_t i = 0; i < nitems(types); i++)
			if (strcasecmp(dot + 1, types[i].ext) == 0)
				return types[i].type;
	return "application/octet-stream";
}

/* ---- headers ------------------------------------------------------------- */

struct hdr {
	struct buf *b;
	size_t col;
};

static void hdr_start(struct hdr *h, struct buf *b, const char *name)
{
	h->b = b;
	buf_adds(b, name);
	buf_addc(b, ':');
	h->col = strlen(name) + 1;
}

/* A token after a space, or after a fold when it would pass the width
 * (also the first: "Subject:" alone on its line is allowed). */
static void hdr_tok(struct hdr *h, const char *s, size_t n)
{
	if (h->col > 1 && h->col + 1 + n > HDR_WIDTH) {
		buf_add(h->b, "\r\n ", 3);
		h->col = 1;
	} else {
		buf_addc(h->b, ' ');
		h->col++;
	}
	buf_add(h->b, s, n);
	h->col += n;
}

static void hdr_tokz(struct hdr *h, const char *s)
{
	hdr_tok(h, s, strlen(s));
}

static void hdr_end(struct hdr *h)
{
	buf_add(h->b, "\r\n", 2);
}

static int q_safe(int c)
{
	/* the set that is safe in a phrase too (RFC 2047 5.3) */
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '!' || c == '*' || c == '+' || c == '-' || c == '/';
}

/* Text as encoded words: B when it is mostly not ASCII, else Q; each word
 * whole characters and at most EW_MAX long. */
static void hdr_encoded(struct hdr *h, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t high = 0, i = 0;
	int b64;
	struct buf w;

	for (size_t k = 0; k < n; k++)
		high += p[k] >= 0x80;
	b64 = high * 3 > n;
	buf_init(&w);
	while (i < n) {
		size_t raw = 0, enc = 0, start = i, room = HDR_WIDTH - 1 - h->col;
		/* the first word fills the line it starts on when there is room
		 * for a useful one, the others a line of their own */
		size_t max = room >= 20 && room < EW_MAX ? room : EW_MAX;
		/* as many characters as fit */
		while (i < n) {
			size_t cl = u8len(p + i, n - i), ce = 0;
			if (b64) {
				ce = ((raw + cl + 2) / 3) * 4 - ((raw + 2) / 3) * 4;
			} else {
				for (size_t k = 0; k < cl; k++)
					ce += (q_safe(p[i + k]) || p[i + k] == ' ') ? 1 : 3;
			}
			if (12 + enc + ce > max && raw > 0)
				break;
			raw += cl;
			enc += ce;
			i += cl;
		}
		buf_reset(&w);
		buf_adds(&w, b64 ? "=?UTF-8?B?" : "=?UTF-8?Q?");
		if (b64) {
			size_t blen =
			    sodium_base64_encoded_len(raw, sodium_base64_VARIANT_ORIGINAL);
			char *tmp = xmalloc(blen);
			sodium_bin2base64(tmp, blen, p + start, raw,
					  sodium_base64_VARIANT_ORIGINAL);
			buf_adds(&w, tmp);
			free(tmp);
		} else {
			for (size_t k = start; k < start + raw; k++) {
				if (p[k] == ' ')
					buf_addc(&w, '_');
				else if (q_safe(p[k]))
					buf_addc(&w, (char)p[k]);
				else
					buf_printf(&w, "=%02X", p[k]);
			}
		}
		buf_adds(&w, "?=");
		hdr_tok(h, w.data, w.len);
	}
	buf_free(&w);
}

static int word_plain(const char *s, size_t n)
{
	if (n > HDR_WIDTH - 2)
		return 0; /* could not be folded: encoded words can */
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] >= 0x7f ||
		    (s[i] == '=' && i + 1 < n && s[i + 1] == '?'))
			return 0;
	return 1;
}

/* Unstructured text (Subject): plain words as they are, each run of words
 * that need encoding as encoded words (the spaces inside the run are
 * encoded with it, those around it separate it from plain words). */
static void hdr_text(struct hdr *h, const char *s)
{
	const char *p = s, *run = NULL, *run_end = NULL;

	for (;;) {
		const char *w;
		while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
			p++;
		w = p;
		while (*p && *p != ' ' && *p != '\t' && *p != '\r' && *p != '\n')
			p++;
		if (w == p || word_plain(w, (size_t)(p - w))) {
			if (run) {
				hdr_encoded(h, run, (size_t)(run_end - run));
				run = NULL;
			}
			if (w == p)
				break;
			hdr_tok(h, w, (size_t)(p - w));
		} else {
			if (!run)
				run = w;
			run_end = p;
		}
	}
}

/* One mailbox, with a comma after it when more follow. */
static void hdr_mbox(struct hdr *h, const struct mail_mbox *m, int comma)
{
	const char *name = m->name;
	char *angle;
	int ascii = 1, atoms = 1;

	if (name && *name) {
		for (const char *p = name; *p; p++) {
			unsigned char c = (unsigned char)*p;
			if (c < 0x20 || c >= 0x7f)
				ascii = 0;
			else if (c != ' ' && !atext(c))
				atoms = 0;
		}
		if (ascii && atoms && !strstr(name, "=?")) {
			hdr_text(h, name);
		} else if (ascii) {
			struct buf q;
			buf_init(&q);
			buf_addc(&q, '"');
			for (const char *p = name; *p; p++) {
				if (*p == '"' || *p == '\\')
					buf_addc(&q, '\\');
				buf_addc(&q, *p);
			}
			buf_addc(&q, '"');
			hdr_tok(h, q.data, q.len);
			buf_free(&q);
		} else {
			hdr_encoded(h, name, strlen(name));
		}
		xasprintf(&angle, "<%s>%s", m->addr, comma ? "," : "");
	} else {
		xasprintf(&angle, "%s%s", m->addr, comma ? "," : "");
	}
	hdr_tokz(h, angle);
	free(angle);
}

static void hdr_mboxes(struct buf *b, const char *field, const struct mail_mbox *v, size_t n)
{
	struct hdr h;

	if (n == 0)
		return;
	hdr_start(&h, b, field);
	for (size_t i = 0; i < n; i++)
		hdr_mbox(&h, &v[i], i + 1 < n);
	hdr_end(&h);
}

/* A list of message ids, folded between ids. */
static void hdr_ids(struct buf *b, const char *field, const char *ids)
{
	struct hdr h;
	const char *p = ids;

	if (!ids || !*ids)
		return;
	hdr_start(&h, b, field);
	for (;;) {
		const char *w;
		while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n' || *p == ',')
			p++;
		if (!*p)
			break;
		w = p;
		while (*p && *p != ' ' && *p != '\t' && *p != '\r' && *p != '\n' && *p != ',')
			p++;
		hdr_tok(&h, w, (size_t)(p - w));
	}
	hdr_end(&h);
}

/* ---- the text ------------------------------------------------------------ */

/* One line of the user's text as flowed lines (CRLF each). */
static void flow_line(struct buf *out, const char *s, size_t n)
{
	size_t depth = 0, avail, start = 0;

	while (depth < n && s[depth] == '>')
		depth++;
	s += depth;
	n -= depth;
	if (depth > 0 && n > 0 && s[0] == ' ')
		s++, n--; /* the space after the marks is stuffing, written again below */
	if (!(n == 3 && memcmp(s, "-- ", 3) == 0))
		while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
			n--;
	/* characters a line holds, the soft break's space included */
	avail = depth ? FLOW_WIDTH - 1 - (depth < 40 ? depth : 40) : FLOW_WIDTH;
	do {
		size_t i = start, col = 0, brk = 0, end;
		while (i < n && col < avail) {
			if (s[i] == ' ')
				brk = i + 1;
			col++;
			i += u8len((const unsigned char *)s + i, n - i);
		}
		if (i >= n) {
			end = n;
		} else if (brk > start) {
			end = brk;
		} else { /* a word longer than a line stays whole */
			end = i;
			while (end < n && s[end] != ' ')
				end++;
			if (end < n)
				end++;
		}
		for (size_t k = 0; k < depth; k++)
			buf_addc(out, '>');
		if (end > start && (depth > 0 || s[start] == ' ' ||
				    (end - start >= 5 && memcmp(s + start, "From ", 5) == 0)))
			buf_addc(out, ' ');
		buf_add(out, s + start, end - start);
		buf_add(out, "\r\n", 2);
		start = end;
	} while (start < n);
}

static void flow_text(struct buf *out, const char *body)
{
	const char *p = body ? body : "";

	while (*p) {
		size_t n = strcspn(p, "\r\n");
		flow_line(out, p, n);
		p += n;
		if (*p == '\r' && p[1] == '\n')
			p += 2;
		else if (*p)
			p++;
	}
}

/* Quoted-printable of CRLF lines, soft breaks before column 76. */
static void qp_encode(struct buf *out, const char *s, size_t len)
{
	size_t col = 0;

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		char tok[4];
		size_t tn;
		int at_eol = i + 1 >= len || s[i + 1] == '\r';

		if (c == '\r' && i + 1 < len && s[i + 1] == '\n') {
			buf_add(out, "\r\n", 2);
			i++;
			col = 0;
			continue;
		}
		if ((c >= 33 && c <= 126 && c != '=') || ((c == ' ' || c == '\t') && !at_eol)) {
			tok[0] = (char)c;
			tn = 1;
		} else {
			snprintf(tok, sizeof tok, "=%02X", c);
			tn = 3;
		}
		if (col + tn > 75) {
			buf_add(out, "=\r\n", 3);
			col = 0;
		}
		buf_add(out, tok, tn);
		col += tn;
	}
}

/* What a block of CRLF lines needs: 0 7bit, 1 8bit, 2 a line too long. */
static int text_class(const char *s, size_t len)
{
	size_t line = 0;
	int cls = 0;

	for (size_t i = 0; i < len; i++) {
		if (s[i] == '\n') {
			line = 0;
			continue;
		}
		if (s[i] == '\r')
			continue;
		if (++line > LINE_MAX_BYTES)
			return 2;
		if ((unsigned char)s[i] >= 0x80 || s[i] == 0)
			cls = 1;
	}
	return cls;
}

/* ---- attachments ------------------------------------------------------------ */

static void b64_lines(struct buf *out, const unsigned char *p, size_t len)
{
	static const char al[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char line[80];

	for (size_t i = 0; i < len;) {
		size_t n = 0, chunk = len - i > 57 ? 57 : len - i; /* 57 bytes: 76 chars */
		for (size_t k = 0; k < chunk; k += 3) {
			unsigned v = (unsigned)p[i + k] << 16;
			size_t left = chunk - k;
			if (left > 1)
				v |= (unsigned)p[i + k + 1] << 8;
			if (left > 2)
				v |= p[i + k + 2];
			line[n++] = al[(v >> 18) & 63];
			line[n++] = al[(v >> 12) & 63];
			line[n++] = left > 1 ? al[(v >> 6) & 63] : '=';
			line[n++] = left > 2 ? al[v & 63] : '=';
		}
		line[n++] = '\r';
		line[n++] = '\n';
		buf_add(out, line, n);
		i += chunk;
	}
}

static int attr_char(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c && strchr("!#$&+-.^_`|~", c));
}

/* name="x" when plain and short, else RFC 2231: name*=UTF-8''%xx, cut
 * into name*0*=, name*1*= ... pieces that fit a line. */
static void hdr_param(struct hdr *h, const char *attr, const char *val, int last)
{
	struct buf t, enc;
	int plain = strlen(val) <= 60;
	size_t pieces = 0;

	for (const char *p = val; *p && plain; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
			plain = 0;
	buf_init(&t);
	if (plain) {
		buf_printf(&t, "%s=\"", attr);
		for (const char *p = val; *p; p++) {
			if (*p == '"' || *p == '\\')
				buf_addc(&t, '\\');
			buf_addc(&t, *p);
		}
		buf_printf(&t, "\"%s", last ? "" : ";");
		hdr_tok(h, t.data, t.len);
		buf_free(&t);
		return;
	}
	buf_init(&enc);
	for (const unsigned char *p = (const unsigned char *)val; *p; p++) {
		if (attr_char(*p))
			buf_addc(&enc, (char)*p);
		else
			buf_printf(&enc, "%%%02X", *p);
	}
	for (size_t off = 0; off < enc.len; pieces++) {
		size_t n = enc.len - off > 50 ? 50 : enc.len - off;
		/* never cut a %XX */
		if (off + n < enc.len) {
			if (n >= 1 && enc.data[off + n - 1] == '%')
				n -= 1;
			else if (n >= 2 && enc.data[off + n - 2] == '%')
				n -= 2;
		}
		off += n;
	}
	for (size_t off = 0, k = 0; off < enc.len; k++) {
		size_t n = enc.len - off > 50 ? 50 : enc.len - off;
		if (off + n < enc.len) {
			if (n >= 1 && enc.data[off + n - 1] == '%')
				n -= 1;
			else if (n >= 2 && enc.data[off + n - 2] == '%')
				n -= 2;
		}
		buf_reset(&t);
		if (pieces == 1)
			buf_printf(&t, "%s*=UTF-8''", attr);
		else if (k == 0)
			buf_printf(&t, "%s*0*=UTF-8''", attr);
		else
			buf_printf(&t, "%s*%zu*=", attr, k);
		buf_add(&t, enc.data + off, n);
		off += n;
		if (!last || off < enc.len)
			buf_addc(&t, ';');
		hdr_tok(h, t.data, t.len);
	}
	buf_free(&enc);
	buf_free(&t);
}

static int read_file(const char *path, struct buf *out, struct err *e)
{
	FILE *f = fopen(path, "rb");
	struct stat st;
	size_t got;

	if (!f)
		return err_set(e, E_IO, "cannot read %s: %s", path, strerror(errno));
	if (fstat(fileno(f), &st) == 0 && st.st_size > 0) {
		size_t want = (size_t)st.st_size;
		/* one allocation for the whole file */
		out->data = xrealloc(out->data, out->len + want + 1);
		out->cap = out->len + want + 1;
	}
	for (;;) {
		char chunk[65536];
		got = fread(chunk, 1, sizeof chunk, f);
		buf_add(out, chunk, got);
		if (got < sizeof chunk)
			break;
	}
	if (ferror(f)) {
		fclose(f);
		return err_set(e, E_IO, "cannot read %s: %s", path, strerror(errno));
	}
	fclose(f);
	return 0;
}

/* The original message as a message/rfc822 part: CRLF lines, 7bit or
 * 8bit as RFC 2046 asks (the one place 8-bit data goes out undeclared,
 * see mail_compose), unless a line is too long for SMTP: then base64,
 * which readers accept. */
static void put_rfc822(struct buf *out, const char *p, size_t len)
{
	struct buf crlf;
	int cls;

	buf_init(&crlf);
	for (size_t i = 0; i < len; i++) {
		if (p[i] == '\n' && (i == 0 || p[i - 1] != '\r'))
			buf_addc(&crlf, '\r');
		buf_addc(&crlf, p[i]);
	}
	if (crlf.len < 2 || memcmp(crlf.data + crlf.len - 2, "\r\n", 2) != 0)
		buf_add(&crlf, "\r\n", 2);
	cls = text_class(crlf.data, crlf.len);
	buf_printf(out, "Content-Transfer-Encoding: %s\r\n\r\n",
		   cls == 2 ? "base64"
		   : cls    ? "8bit"
			    : "7bit");
	if (cls == 2)
		b64_lines(out, (const unsigned char *)crlf.data, crlf.len);
	else
		buf_add(out, crlf.data, crlf.len);
	buf_free(&crlf);
}

/* type/subtype of token characters (a caller's type goes into a header) */
static int type_ok(const char *t)
{
	const char *slash = strchr(t, '/');
	size_t n = strlen(t);

	if (!slash || slash == t || !slash[1] || strchr(slash + 1, '/') || n > 127)
		return 0;
	for (const char *p = t; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || strchr("!#$&^_.+-/", *p)))
			return 0;
	return 1;
}

static int put_attachment(struct buf *out, const struct mail_file *a, struct err *e)
{
	struct buf file, clean;
	const unsigned char *data;
	const char *name = a->name, *type;
	size_t len;
	struct hdr h;
	char *ct;

	buf_init(&file);
	if (a->path) {
		if (read_file(a->path, &file, e) < 0) {
			buf_free(&file);
			return e->code;
		}
		data = (const unsigned char *)file.data;
		len = file.len;
		if (!name)
			name = strrchr(a->path, '/') ? strrchr(a->path, '/') + 1 : a->path;
	} else {
		data = a->data;
		len = a->len;
	}
	/* no controls, no folders in the name we send */
	buf_init(&clean);
	for (const char *p = name && *name ? name : "attachment"; *p; p++)
		buf_addc(&clean, (unsigned char)*p < 0x20 || *p == 0x7f || *p == '/' ? '_' : *p);
	type = a->type && type_ok(a->type) ? a->type : mail_type_guess(buf_cstr(&clean));
	xasprintf(&ct, "%s;", type);
	hdr_start(&h, out, "Content-Type");
	hdr_tokz(&h, ct);
	hdr_param(&h, "name", buf_cstr(&clean), 1);
	hdr_end(&h);
	hdr_start(&h, out, "Content-Disposition");
	hdr_tokz(&h, "attachment;");
	hdr_param(&h, "filename", buf_cstr(&clean), 1);
	hdr_end(&h);
	if (strcasecmp(type, "message/rfc822") == 0) {
		put_rfc822(out, (const char *)data, len);
	} else {
		buf_adds(out, "Content-Transfer-Encoding: base64\r\n\r\n");
		b64_lines(out, data, len);
	}
	free(ct);
	buf_free(&clean);
	buf_free(&file);
	return 0;
}

/* ---- the message ------------------------------------------------------------- */

static int check_mboxes(const struct mail_mbox *v, size_t n, struct err *e)
{
	for (size_t i = 0; i < n; i++)
		if (!mail_addr_valid(v[i].addr))
			return err_set(e, E_PARSE, "not an address: %s",
				       v[i].addr ? v[i].addr : "");
	return 0;
}

char **mail_draft_rcpts(const struct mail_draft *d, size_t *n)
{
	const struct mail_mbox *lists[3] = {d->to, d->cc, d->bcc};
	size_t counts[3] = {d->nto, d->ncc, d->nbcc};
	char **v = xcalloc(d->nto + d->ncc + d->nbcc + 1, sizeof *v);

	*n = 0;
	for (int l = 0; l < 3; l++) {
		for (size_t i = 0; i < counts[l]; i++) {
			size_t k;
			if (!lists[l][i].addr || !*lists[l][i].addr)
				continue;
			for (k = 0; k < *n; k++)
				if (strcasecmp(v[k], lists[l][i].addr) == 0)
					break;
			if (k == *n)
				v[(*n)++] = xstrdup(lists[l][i].addr);
		}
	}
	return v;
}

int mail_compose(const struct mail_draft *d, struct buf *out, char **msgid, struct err *e)
{
	char date[40], boundary[48] = "", *id;
	struct buf text, enc;
	struct hdr h;
	int cls;

	if (!mail_addr_valid(d->from.addr))
		return err_set(e, E_PARSE, "not an address: %s", d->from.addr ? d->from.addr : "");
	if (check_mboxes(d->to, d->nto, e) < 0 || check_mboxes(d->cc, d->ncc, e) < 0 ||
	    check_mboxes(d->bcc, d->nbcc, e) < 0)
		return e->code;
	if (d->nto + d->ncc + d->nbcc == 0)
		return err_set(e, E_PARSE, "the message has no recipient");
	if (d->body && !utf8_valid(d->body, strlen(d->body)))
		return err_set(e, E_PARSE, "the text is not UTF-8");
	if (d->subject && !utf8_valid(d->subject, strlen(d->subject)))
		return err_set(e, E_PARSE, "the subject is not UTF-8");

	buf_init(&text);
	buf_init(&enc);
	flow_text(&text, d->body);
	/* not 8bit: libcurl cannot declare BODY=8BITMIME, and 8-bit data
	 * without it breaks RFC 6152 (a strict relay may refuse or mangle it) */
	cls = text_class(buf_cstr(&text), text.len);
	if (cls != 0)
		qp_encode(&enc, text.data, text.len);

	mail_date_format(d->date ? d->date : (int64_t)time(NULL), date);
	id =
	    d->message_id && *d->message_id ? xstrdup(d->message_id) : mail_msgid_new(d->from.addr);
	buf_printf(out, "Date: %s\r\n", date);
	hdr_mboxes(out, "From", &d->from, 1);
	hdr_mboxes(out, "To", d->to, d->nto);
	hdr_mboxes(out, "Cc", d->cc, d->ncc);
	/* Bcc: never written, the envelope carries it */
	if (d->subject && *d->subject) {
		/* one line: line breaks and tabs become spaces */
		char *subj = xstrdup(d->subject);
		for (char *p = subj; *p; p++)
			if (*p == '\r' || *p == '\n' || *p == '\t')
				*p = ' ';
		hdr_start(&h, out, "Subject");
		hdr_text(&h, subj);
		hdr_end(&h);
		free(subj);
	}
	hdr_ids(out, "Message-ID", id);
	hdr_ids(out, "In-Reply-To", d->in_reply_to);
	hdr_ids(out, "References", d->references);
	buf_adds(out, "MIME-Version: 1.0\r\n");

	if (d->natt > 0) {
		unsigned char rnd[12];
		char hex[25];
		randombytes_buf(rnd, sizeof rnd);
		sodium_bin2hex(hex, sizeof hex, rnd, sizeof rnd);
		snprintf(boundary, sizeof boundary, "=_atrium_%s", hex);
		buf_printf(out, "Content-Type: multipart/mixed;\r\n boundary=\"%s\"\r\n\r\n",
			   boundary);
		buf_printf(out, "--%s\r\n", boundary);
	}
	buf_printf(out,
		   "Content-Type: text/plain; charset=utf-8; format=flowed\r\n"
		   "Content-Transfer-Encoding: %s\r\n\r\n",
		   cls != 0 ? "quoted-printable" : "7bit");
	if (cls != 0)
		buf_add(out, buf_cstr(&enc), enc.len);
	else
		buf_add(out, buf_cstr(&text), text.len);
	for (size_t i = 0; i < d->natt; i++) {
		buf_printf(out, "\r\n--%s\r\n", boundary);
		if (put_attachment(out, &d->att[i], e) < 0) {
			buf_free(&text);
			buf_free(&enc);
			free(id);
			return e->code;
		}
	}
	if (d->natt > 0)
		buf_printf(out, "\r\n--%s--\r\n", boundary);
	buf_free(&text);
	buf_free(&enc);
	if (msgid)
		*msgid = id;
	else
		free(id);
	return 0;
}

/* ---- replies and forwards ------------------------------------------------------ */

static int same_addr(const char *a, const char *b)
{
	return a && b && strcasecmp(a, b) == 0;
}

static int in_list(const struct mail_mbox *v, size_t n, const char *addr)
{
	for (size_t i = 0; i < n; i++)
		if (same_addr(v[i].addr, addr))
			return 1;
	return 0;
}

/* Add those of src not yet in dst (nor in also, nor me). */
static void add_new(struct mail_mbox **dst, size_t *n, const struct mail_mbox *src, size_t ns,
		    const struct mail_mbox *also, size_t nalso, const struct mail_mbox *me)
{
	for (size_t i = 0; i < ns; i++) {
		if (!src[i].addr || !*src[i].addr || (me && same_addr(src[i].addr, me->addr)) ||
		    in_list(*dst, *n, src[i].addr) || in_list(also, nalso, src[i].addr))
			continue;
		mail_mbox_add(dst, n, src[i].name, src[i].addr);
	}
}

static char *refs_for_reply(const struct mail_orig *o)
{
	size_t n = 0, total = 0, first_len = 0;
	const char *first = NULL;
	struct buf b;
	struct {
		const char *p;
		size_t len;
	} ring[MAIL_REFS_MAX - 1];
	const char *src[2] = {o->references, o->message_id};

	/* the first id and the last MAIL_REFS_MAX - 1 (a ring of them) */
	for (int s = 0; s < 2; s++) {
		const char *p = src[s];
		while (p && (p = strchr(p, '<'))) {
			const char *gt = strchr(p, '>');
			if (!gt)
				break;
			if (!first) {
				first = p;
				first_len = (size_t)(gt - p + 1);
			} else {
				ring[total % nitems(ring)].p = p;
				ring[total % nitems(ring)].len = (size_t)(gt - p + 1);
				total++;
			}
			p = gt + 1;
		}
	}
	if (!first)
		return NULL;
	buf_init(&b);
	buf_add(&b, first, first_len);
	n = total < nitems(ring) ? total : nitems(ring);
	for (size_t k = total - n; k < total; k++) {
		buf_addc(&b, ' ');
		buf_add(&b, ring[k % nitems(ring)].p, ring[k % nitems(ring)].len);
	}
	return buf_detach(&b);
}

/* "Re: " once: drop the prefixes already there (Re:, RE:, re :). */
static char *prefixed(const char *subject, const char *prefix, const char *const *old)
{
	const char *p = subject ? subject : "";
	char *s;
	int again = 1;

	while (again) {
		again = 0;
		while (*p == ' ' || *p == '\t')
			p++;
		for (size_t i = 0; old[i]; i++) {
			size_t n = strlen(old[i]);
			const char *q = p;
			if (strncasecmp(q, old[i], n) != 0)
				continue;
			q += n;
			while (*q == ' ')
				q++;
			if (*q == ':') {
				p = q + 1;
				again = 1;
				break;
			}
		}
	}
	xasprintf(&s, "%s %s", prefix, p);
	return s;
}

static void mbox_line(struct buf *b, const char *field, const struct mail_mbox *v, size_t n)
{
	if (n == 0)
		return;
	buf_printf(b, "%s: ", field);
	for (size_t i = 0; i < n; i++) {
		if (v[i].name && *v[i].name)
			buf_printf(b, "%s <%s>", v[i].name, v[i].addr ? v[i].addr : "");
		else
			buf_adds(b, v[i].addr ? v[i].addr : "");
		if (i + 1 < n)
			buf_adds(b, ", ");
	}
	buf_addc(b, '\n');
}

void mail_reply(const struct mail_orig *o, const struct mail_mbox *me, int all,
		struct mail_draft *d)
{
	static const char *const re[] = {"re", NULL};
	const char *name = o->from.name && *o->from.name ? o->from.name : o->from.addr;
	const char *p = o->body ? o->body : "";
	struct buf b;

	memset(d, 0, sizeof *d);
	mbox_copy(&d->from, me);
	d->subject = prefixed(o->subject, "Re:", re);
	d->in_reply_to = o->message_id ? xstrdup(o->message_id) : NULL;
	d->references = refs_for_reply(o);
	if (o->nreply_to > 0)
		add_new(&d->to, &d->nto, o->reply_to, o->nreply_to, NULL, 0, NULL);
	else if (same_addr(o->from.addr, me->addr)) /* my own message: to its recipients */
		add_new(&d->to, &d->nto, o->to, o->nto, NULL, 0, NULL);
	else
		add_new(&d->to, &d->nto, &o->from, 1, NULL, 0, NULL);
	if (all) {
		add_new(&d->cc, &d->ncc, o->to, o->nto, d->to, d->nto, me);
		add_new(&d->cc, &d->ncc, o->cc, o->ncc, d->to, d->nto, me);
	}
	buf_init(&b);
	if (o->date && *o->date)
		buf_printf(&b, "On %s, %s wrote:\n", o->date, name ? name : "");
	else
		buf_printf(&b, "%s wrote:\n", name ? name : "");
	while (*p) {
		size_t n = strcspn(p, "\r\n");
		if (n == 0)
			buf_adds(&b, ">\n");
		else
			buf_printf(&b, ">%s%.*s\n", p[0] == '>' ? "" : " ", (int)n, p);
		p += n;
		if (*p == '\r' && p[1] == '\n')
			p += 2;
		else if (*p)
			p++;
	}
	d->body = buf_detach(&b);
}

void mail_forward(const struct mail_orig *o, const struct mail_mbox *me, int as_attachment,
		  struct mail_draft *d)
{
	static const char *const fwd[] = {"fwd", "fw", NULL};

	memset(d, 0, sizeof *d);
	mbox_copy(&d->from, me);
	d->subject = prefixed(o->subject, "Fwd:", fwd);
	if (as_attachment) {
		struct mail_file *a;
		d->att = xcalloc(1, sizeof *d->att);
		d->natt = 1;
		a = &d->att[0];
		a->data = xmalloc(o->raw_len + 1);
		memcpy(a->data, o->raw, o->raw_len);
		a->len = o->raw_len;
		xasprintf(&a->name, "%s.eml", o->subject && *o->subject ? o->subject : "message");
		a->type = xstrdup("message/rfc822");
		d->body = xstrdup("");
	} else {
		struct buf b;
		buf_init(&b);
		buf_adds(&b, "\n---------- Forwarded message ----------\n");
		mbox_line(&b, "From", &o->from, o->from.addr ? 1 : 0);
		if (o->date && *o->date)
			buf_printf(&b, "Date: %s\n", o->date);
		if (o->subject && *o->subject)
			buf_printf(&b, "Subject: %s\n", o->subject);
		mbox_line(&b, "To", o->to, o->nto);
		mbox_line(&b, "Cc", o->cc, o->ncc);
		buf_addc(&b, '\n');
		buf_adds(&b, o->body ? o->body : "");
		d->body = buf_detach(&b);
	}
}
