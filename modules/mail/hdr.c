/*
 * hdr.c - header text as people read it. Everything here parses what any
 * sender on the Internet wrote (tests/fuzz/fuzz_mailhdr.c): it never reads
 * past len, and what it cannot decode it shows as written.
 *
 * Encoded words (RFC 2047) are recognised anywhere, not only between
 * spaces: mailers glue them to text ("Re:=?UTF-8?B?...?="). Words of one
 * charset next to each other are decoded as one byte string, because
 * senders split a multibyte character across two words. Raw 8-bit bytes
 * (against the RFC, common in Chinese mail) are UTF-8 if they are valid,
 * else GB18030, a superset of GB2312 and GBK.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "i18n/i18n.h"
#include "modules/mail/mail_int.h"

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

void mail_qp_decode(const char *in, size_t len, int header, struct buf *out)
{
	for (size_t i = 0; i < len; i++) {
		char c = in[i];
		int h, l;

		if (header && c == '_') {
			buf_addc(out, ' ');
		} else if (c != '=') {
			buf_addc(out, c);
		} else if (i + 2 < len && (h = hexval((unsigned char)in[i + 1])) >= 0 &&
			   (l = hexval((unsigned char)in[i + 2])) >= 0) {
			buf_addc(out, (char)(h * 16 + l));
			i += 2;
		} else if (!header) {
			/* a soft line break: "=" then optional blanks then EOL */
			size_t j = i + 1;
			while (j < len && (in[j] == ' ' || in[j] == '\t'))
				j++;
			if (j < len && in[j] == '\r')
				j++;
			if (j < len && in[j] == '\n')
				i = j;
			else if (j >= len)
				i = len;
			else
				buf_addc(out, '=');
		} else {
			buf_addc(out, '=');
		}
	}
}

static int b64val(int c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

int mail_b64_decode(const char *in, size_t len, struct buf *out)
{
	unsigned acc = 0;
	int bits = 0, rc = 0;

	for (size_t i = 0; i < len; i++) {
		int c = (unsigned char)in[i], v;

		if (c == '=') /* padding: the rest is ignored */
			break;
		if ((v = b64val(c)) < 0) {
			if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
				continue;
			rc = -1;
			continue;
		}
		acc = (acc << 6) | (unsigned)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			buf_addc(out, (char)((acc >> bits) & 0xff));
		}
	}
	return rc;
}

/* Append UTF-8 text, turning controls into what a one-line value may
 * hold. s must be valid UTF-8. */
static void put_clean(struct buf *out, const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '\t' || c == '\r' || c == '\n')
			buf_addc(out, ' ');
		else if (c < 0x20 || c == 0x7f)
			buf_adds(out, "\xef\xbf\xbd");
		else
			buf_addc(out, (char)c);
	}
}

/* Bytes in charset (NULL: raw, UTF-8 or the fallback) to clean UTF-8.
 * Returns -1 when the charset is unknown (nothing appended). */
static int put_converted(struct buf *out, const char *charset, const char *s, size_t len,
			 const char *fallback)
{
	char *u;
	size_t ulen;

	if (len == 0)
		return 0;
	if (!charset || !strcasecmp(charset, "us-ascii") || !strcasecmp(charset, "utf-8") ||
	    !strcasecmp(charset, "utf8")) {
		if (utf8_valid(s, len)) {
			put_clean(out, s, len);
			return 0;
		}
		charset = charset ? "UTF-8" : fallback;
	}
	if (!(u = txt_to_utf8(charset, s, len, &ulen)))
		return -1;
	/* ICU gives valid UTF-8; checked anyway, the output's promise */
	if (utf8_valid(u, ulen)) {
		put_clean(out, u, ulen);
	} else {
		for (size_t i = 0; i < ulen; i++)
			put_clean(out, (unsigned char)u[i] < 0x80 ? &u[i] : "\xef\xbf\xbd",
				  (unsigned char)u[i] < 0x80 ? 1 : 3);
	}
	free(u);
	return 0;
}

struct eword {
	const char *start, *end; /* the whole =?...?= */
	char charset[64];
	char enc;                /* 'B' or 'Q' */
	const char *text;
	size_t text_len;
};

/* An encoded word starting at p (which points at "=?"). */
static int eword_parse(const char *p, const char *end, struct eword *w)
{
	const char *cs = p + 2, *q, *enc, *text, *t;
	size_t cslen;

	for (q = cs; q < end && *q != '?'; q++)
		if ((unsigned char)*q <= ' ' || *q == '=')
			return 0;
	if (q >= end || q == cs || q + 3 > end)
		return 0;
	cslen = (size_t)(q - cs);
	enc = q + 1;
	if (enc + 2 > end || enc[1] != '?')
		return 0;
	if (*enc != 'B' && *enc != 'b' && *enc != 'Q' && *enc != 'q')
		return 0;
	text = enc + 2;
	for (t = text; t + 1 < end; t++) {
		if (t[0] == '?' && t[1] == '=')
			break;
		if ((unsigned char)*t <= ' ')
			return 0;
	}
	if (t + 1 >= end)
		return 0;
	/* RFC 2231 language: "UTF-8*zh" */
	{
		const char *star = memchr(cs, '*', cslen);
		if (star)
			cslen = (size_t)(star - cs);
	}
	if (cslen == 0 || cslen >= sizeof w->charset)
		return 0;
	memcpy(w->charset, cs, cslen);
	w->charset[cslen] = 0;
	w->start = p;
	w->end = t + 2;
	w->enc = (char)toupper((unsigned char)*enc);
	w->text = text;
	w->text_len = (size_t)(t - text);
	return 1;
}

static int eword_bytes(const struct eword *w, struct buf *b)
{
	if (w->enc == 'Q') {
		mail_qp_decode(w->text, w->text_len, 1, b);
		return 0;
	}
	return mail_b64_decode(w->text, w->text_len, b);
}

static void put_raw(struct buf *out, const char *s, size_t len, const char *fallback)
{
	if (put_converted(out, NULL, s, len, fallback) < 0) {
		/* the fallback is unknown: keep ASCII, mark the rest */
		for (size_t i = 0; i < len; i++)
			put_clean(out, (unsigned char)s[i] < 0x80 ? &s[i] : "\xef\xbf\xbd",
				  (unsigned char)s[i] < 0x80 ? 1 : 3);
	}
}

void mail_hdr_decode(const char *in, size_t len, const char *fallback, struct buf *out)
{
	const char *p = in, *end = in + len, *raw = in;
	struct buf bytes;

	if (!fallback)
		fallback = "GB18030";
	buf_init(&bytes);
	while (p < end) {
		struct eword w;
		const char *q;

		if (!(p + 1 < end && p[0] == '=' && p[1] == '?' && eword_parse(p, end, &w))) {
			p++;
			continue;
		}
		put_raw(out, raw, (size_t)(p - raw), fallback);
		/* this word and those after it with the same charset, blanks
		 * between them dropped */
		buf_reset(&bytes);
		int bad = eword_bytes(&w, &bytes) < 0;
		const char *last_end = w.end;
		for (;;) {
			struct eword w2;
			q = last_end;
			while (q < end && (*q == ' ' || *q == '\t' || *q == '\r' || *q == '\n'))
				q++;
			if (!(q + 1 < end && q[0] == '=' && q[1] == '?' && eword_parse(q, end, &w2)))
				break;
			if (strcasecmp(w2.charset, w.charset) != 0) {
				/* another charset: flush, continue from there
				 * (the blanks before it are dropped too) */
				break;
			}
			bad |= eword_bytes(&w2, &bytes) < 0;
			last_end = w2.end;
		}
		if (bad || put_converted(out, w.charset, bytes.data ? bytes.data : "", bytes.len,
					 fallback) < 0) {
			/* malformed or an unknown charset: as written */
			put_raw(out, w.start, (size_t)(last_end - w.start), fallback);
		}
		p = last_end;
		raw = p;
		/* blanks followed by another encoded word are dropped */
		q = p;
		while (q < end && (*q == ' ' || *q == '\t' || *q == '\r' || *q == '\n'))
			q++;
		if (q > p && q + 1 < end && q[0] == '=' && q[1] == '?' && eword_parse(q, end, &w)) {
			p = q;
			raw = q;
		}
	}
	put_raw(out, raw, (size_t)(end - raw), fallback);
	buf_free(&bytes);
}

char *mail_hdr_decode_str(const char *in, const char *fallback)
{
	struct buf b;

	if (!in)
		return NULL;
	buf_init(&b);
	mail_hdr_decode(in, strlen(in), fallback, &b);
	buf_cstr(&b);
	return buf_detach(&b);
}

void mail_addrs_format(const struct imap_addr *v, size_t n, struct buf *out)
{
	for (size_t i = 0; i < n; i++) {
		if (i)
			buf_adds(out, ", ");
		if (v[i].name && v[i].name[0]) {
			mail_hdr_decode(v[i].name, strlen(v[i].name), NULL, out);
			if (v[i].email) {
				buf_adds(out, " <");
				mail_hdr_decode(v[i].email, strlen(v[i].email), NULL, out);
				buf_addc(out, '>');
			}
		} else if (v[i].email) {
			mail_hdr_decode(v[i].email, strlen(v[i].email), NULL, out);
		}
	}
}

/* ---- the Date header ------------------------------------------------------------ */

static const char *skip_cfws(const char *p)
{
	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n' || *p == ',')
			p++;
		if (*p != '(')
			return p;
		/* a comment, nested */
		int depth = 0;
		do {
			if (*p == '(')
				depth++;
			else if (*p == ')')
				depth--;
			else if (*p == '\\' && p[1])
				p++;
			p++;
		} while (*p && depth > 0);
	}
}

static const char *num(const char *p, int maxd, long *v)
{
	int d = 0;

	*v = 0;
	while (d < maxd && *p >= '0' && *p <= '9') {
		*v = *v * 10 + (*p++ - '0');
		d++;
	}
	return d ? p : NULL;
}

int64_t mail_date_parse(const char *s)
{
	static const char months[] = "janfebmaraprmayjunjulaugsepoctnovdec";
	const char *p;
	long day, year, hh, mm, ss = 0, zone = 0;
	int mon = -1;
	struct tm tm;

	if (!s)
		return -1;
	p = skip_cfws(s);
	if (isalpha((unsigned char)*p)) { /* day of week */
		while (isalpha((unsigned char)*p))
			p++;
		p = skip_cfws(p);
	}
	if (!(p = num(p, 2, &day)))
		return -1;
	p = skip_cfws(p);
	for (int i = 0; i < 12; i++)
		if (strncasecmp(p, months + 3 * i, 3) == 0)
			mon = i;
	if (mon < 0)
		return -1;
	while (isalpha((unsigned char)*p))
		p++;
	p = skip_cfws(p);
	const char *y0 = p;
	if (!(p = num(p, 4, &year)))
		return -1;
	if (p - y0 <= 2)
		year += year < 50 ? 2000 : 1900;
	else if (p - y0 == 3)
		year += 1900;
	p = skip_cfws(p);
	if (!(p = num(p, 2, &hh)) || *p++ != ':' || !(p = num(p, 2, &mm)))
		return -1;
	if (*p == ':' && !(p = num(p + 1, 2, &ss)))
		return -1;
	p = skip_cfws(p);
	if (*p == '+' || *p == '-') {
		long z;
		const char *z0 = p + 1, *ze = num(z0, 4, &z);
		if (ze && ze - z0 == 4)
			zone = (z / 100 * 60 + z % 100) * (*p == '-' ? -1 : 1);
	} else if (!strncasecmp(p, "EST", 3)) {
		zone = -5 * 60;
	} else if (!strncasecmp(p, "EDT", 3) || !strncasecmp(p, "CST", 3)) {
		zone = (p[0] == 'E' || p[0] == 'e' ? -4 : -6) * 60;
	} else if (!strncasecmp(p, "PST", 3)) {
		zone = -8 * 60;
	}
	if (day < 1 || day > 31 || hh > 23 || mm > 59 || ss > 60 || year < 1970 || year > 9999)
		return -1;
	memset(&tm, 0, sizeof tm);
	tm.tm_year = (int)year - 1900;
	tm.tm_mon = mon;
	tm.tm_mday = (int)day;
	tm.tm_hour = (int)hh;
	tm.tm_min = (int)mm;
	tm.tm_sec = (int)ss;
	return (int64_t)timegm(&tm) - (int64_t)zone * 60;
}

/* ---- mailbox names (modified UTF-7, RFC 3501 5.1.3) ------------------------------ */

static const char mb64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";

int mail_mutf7_decode(const char *in, struct buf *out)
{
	const char *p = in;

	while (*p) {
		unsigned acc = 0, hi = 0;
		int bits = 0;

		if ((unsigned char)*p >= 0x7f || (unsigned char)*p < 0x20)
			return -1;
		if (*p != '&') {
			buf_addc(out, *p++);
			continue;
		}
		if (p[1] == '-') {
			buf_addc(out, '&');
			p += 2;
			continue;
		}
		for (p++; *p && *p != '-'; p++) {
			const char *v = strchr(mb64, *p);
			if (!v || !*p)
				return -1;
			acc = (acc << 6) | (unsigned)(v - mb64);
			bits += 6;
			if (bits < 16)
				continue;
			bits -= 16;
			unsigned u = (acc >> bits) & 0xffff;
			char tmp[4];
			if (hi) {
				if (u < 0xdc00 || u > 0xdfff)
					return -1;
				u = 0x10000 + ((hi - 0xd800) << 10) + (u - 0xdc00);
				hi = 0;
			} else if (u >= 0xd800 && u <= 0xdbff) {
				hi = u;
				continue;
			} else if ((u >= 0xdc00 && u <= 0xdfff) || u <= 0x9f) {
				/* ASCII never comes in base64 (RFC 3501), nor do
				 * controls */
				return -1;
			}
			buf_add(out, tmp, utf8_encode(u, tmp));
		}
		if (*p != '-' || hi || bits >= 6 || (acc & ((1u << bits) - 1)) != 0)
			return -1;
		p++;
		/* two runs back to back are one run written twice */
		if (*p == '&' && p[1] != '-')
			return -1;
	}
	return 0;
}

char *mail_mutf7_encode(const char *in)
{
	struct buf b;
	size_t i = 0, n = strlen(in);

	buf_init(&b);
	while (i < n) {
		unsigned cp;
		if ((unsigned char)in[i] < 0x80) {
			if (in[i] == '&')
				buf_adds(&b, "&-");
			else
				buf_addc(&b, in[i]);
			i++;
			continue;
		}
		/* a run of non-ASCII as UTF-16 in modified base64 */
		unsigned acc = 0;
		int bits = 0;
		buf_addc(&b, '&');
		while (i < n && (unsigned char)in[i] >= 0x80) {
			size_t l = utf8_decode(in + i, n - i, &cp);
			unsigned units[2];
			int nu = 1;
			if (l == 0) {
				cp = 0xfffd;
				l = 1;
			}
			i += l;
			if (cp >= 0x10000) {
				units[0] = 0xd800 + ((cp - 0x10000) >> 10);
				units[1] = 0xdc00 + ((cp - 0x10000) & 0x3ff);
				nu = 2;
			} else {
				units[0] = cp;
			}
			for (int k = 0; k < nu; k++) {
				acc = (acc << 16) | units[k];
				bits += 16;
				while (bits >= 6) {
					bits -= 6;
					buf_addc(&b, mb64[(acc >> bits) & 0x3f]);
				}
			}
		}
		if (bits)
			buf_addc(&b, mb64[(acc << (6 - bits)) & 0x3f]);
		buf_addc(&b, '-');
	}
	buf_cstr(&b);
	return buf_detach(&b);
}
