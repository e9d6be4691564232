/*
 * dav.c - the WebDAV side of HTTP: PROPFIND's multistatus answer read with
 * expat (namespaces resolved, so any prefix the server picks works), and
 * the request shapes of the methods the files sync needs.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <expat.h>

#include "net/net.h"

/* ---- the multistatus reader ----------------------------------------------- */

enum { P_NONE, P_HREF, P_LENGTH, P_MODIFIED, P_ETAG, P_STATUS };

struct ms {
	const char *base;      /* the share's URL path, decoded, no trailing / */
	size_t base_len;
	struct dav_entry *v;
	size_t n, cap;
	/* the response being read */
	int in_response, in_propstat, in_restype;
	int field;             /* P_* collecting text */
	struct buf text;
	char *href;
	/* one propstat's values, applied when its status is 200 */
	int ps_dir, ps_has_len, ps_has_mod;
	int64_t ps_len, ps_mod;
	char *ps_etag;
	int ps_ok;
	/* the response's accepted values */
	int is_dir, have;
	int64_t size, mod;
	char *etag;
	int fail;
	char why[128];
};

static const char *local_name(const char *name)
{
	/* "DAV: href" -> "href" for the DAV: namespace; others kept whole */
	if (strncmp(name, "DAV: ", 5) == 0)
		return name + 5;
	return NULL;
}

static int64_t parse_http_date(const char *s)
{
	struct tm tm;
	const char *end;

	memset(&tm, 0, sizeof tm);
	end = strptime(s, "%a, %d %b %Y %H:%M:%S", &tm);
	if (!end) {
		memset(&tm, 0, sizeof tm);
		end = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm); /* creationdate style */
	}
	if (!end)
		return 0;
	return (int64_t)timegm(&tm);
}

static int hexv(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Percent-decode into a new string; drops the scheme and host of an
 * absolute URL. */
static char *href_decode(const char *h)
{
	struct buf b;

	if (strncasecmp(h, "https://", 8) == 0 || strncasecmp(h, "http://", 7) == 0) {
		const char *p = strstr(h, "://") + 3;
		p = strchr(p, '/');
		h = p ? p : "/";
	}
	buf_init(&b);
	for (const char *p = h; *p; p++) {
		if (*p == '%' && hexv(p[1]) >= 0 && hexv(p[2]) >= 0) {
			buf_addc(&b, (char)(hexv(p[1]) * 16 + hexv(p[2])));
			p += 2;
		} else {
			buf_addc(&b, *p);
		}
	}
	return buf_detach(&b);
}

static void XMLCALL ms_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
	struct ms *m = ud;
	const char *l = local_name(name);

	if (!l)
		return;
	if (strcmp(l, "response") == 0) {
		m->in_response = 1;
		xstrset(&m->href, NULL);
		xstrset(&m->etag, NULL);
		m->is_dir = 0;
		m->have = 0;
		m->size = -1;
		m->mod = 0;
	} else if (!m->in_response) {
		return;
	} else if (strcmp(l, "propstat") == 0) {
		m->in_propstat = 1;
		m->ps_dir = m->ps_has_len = m->ps_has_mod = 0;
		m->ps_ok = 0;
		xstrset(&m->ps_etag, NULL);
	} else if (strcmp(l, "resourcetype") == 0) {
		m->in_restype = 1;
	} else if (m->in_restype && strcmp(l, "collection") == 0) {
		m->ps_dir = 1;
	} else {
		int f = P_NONE;
		if (strcmp(l, "href") == 0 && !m->in_propstat)
			f = P_HREF;
		else if (strcmp(l, "getcontentlength") == 0)
			f = P_LENGTH;
		else if (strcmp(l, "getlastmodified") == 0)
			f = P_MODIFIED;
		else if (strcmp(l, "getetag") == 0)
			f = P_ETAG;
		else if (strcmp(l, "status") == 0 && m->in_propstat)
			f = P_STATUS;
		if (f != P_NONE) {
			m->field = f;
			buf_reset(&m->text);
		}
	}
}

static void XMLCALL ms_text(void *ud, const XML_Char *s, int len)
{
	struct ms *m = ud;

	if (m->field != P_NONE && m->text.len < 64 * 1024)
		buf_add(&m->text, s, (size_t)len);
}

static char *trimmed(struct buf *b)
{
	const char *s = buf_cstr(b);
	size_t n = b->len;

	while (n && (*s == ' ' || *s == '\n' || *s == '\r' || *s == '\t'))
		s++, n--;
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\n' || s[n - 1] == '\r' || s[n - 1] == '\t'))
		n--;
	return xstrndup(s, n);
}

static void ms_add(struct ms *m)
{
	char *path = href_decode(m->href);
	size_t plen = strlen(path);
	struct dav_entry *d;
	const char *rel;

	while (plen > 1 && path[plen - 1] == '/')
		path[--plen] = 0;
	if (strncmp(path, m->base, m->base_len) != 0 ||
	    (path[m->base_len] != '/' && path[m->base_len] != 0)) {
		/* outside the share: a server that answers for another tree */
		free(path);
		return;
	}
	rel = path + m->base_len;
	while (*rel == '/')
		rel++;
	/* "." or ".." segments, empty segments or control characters: not a
	 * name we will ever ask for, whatever the server meant */
	for (const char *s = rel; *rel;) {
		const char *seg = s;
		while (*s && *s != '/')
			s++;
		if (s == seg || (s - seg == 1 && seg[0] == '.') ||
		    (s - seg == 2 && seg[0] == '.' && seg[1] == '.')) {
			free(path);
			return;
		}
		for (const char *c = seg; c < s; c++) {
			if ((unsigned char)*c < 0x20 || *c == 0x7f) {
				free(path);
				return;
			}
		}
		if (!*s)
			break;
		s++;
	}
	if (m->n == m->cap) {
		m->cap = m->cap ? m->cap * 2 : 32;
		m->v = xreallocarray(m->v, m->cap, sizeof *m->v);
	}
	d = &m->v[m->n++];
	memset(d, 0, sizeof *d);
	d->path = xstrdup(rel);
	{
		const char *slash = strrchr(d->path, '/');
		d->name = xstrdup(slash ? slash + 1 : d->path);
	}
	d->is_dir = m->is_dir;
	d->size = m->is_dir ? 0 : (m->size < 0 ? 0 : m->size);
	d->modified = m->mod;
	if (m->etag) {
		const char *t = m->etag;
		if (strncmp(t, "W/", 2) == 0) {
			d->weak = 1;
			t += 2;
		}
		d->etag = xstrdup(t);
	}
	free(path);
}

static void XMLCALL ms_end(void *ud, const XML_Char *name)
{
	struct ms *m = ud;
	const char *l = local_name(name);

	if (!l || !m->in_response)
		return;
	if (m->field != P_NONE) {
		char *t = trimmed(&m->text);
		switch (m->field) {
		case P_HREF:
			free(m->href);
			m->href = t;
			t = NULL;
			break;
		case P_LENGTH: {
			char *end;
			long long v = strtoll(t, &end, 10);
			if (end != t && v >= 0) {
				m->ps_len = v;
				m->ps_has_len = 1;
			}
			break;
		}
		case P_MODIFIED:
			m->ps_mod = parse_http_date(t);
			m->ps_has_mod = 1;
			break;
		case P_ETAG:
			free(m->ps_etag);
			m->ps_etag = t;
			t = NULL;
			break;
		case P_STATUS:
			/* "HTTP/1.1 200 OK" */
			{
				const char *sp = strchr(t, ' ');
				m->ps_ok = sp && atoi(sp + 1) / 100 == 2;
			}
			break;
		}
		free(t);
		m->field = P_NONE;
		return;
	}
	if (strcmp(l, "resourcetype") == 0) {
		m->in_restype = 0;
	} else if (strcmp(l, "propstat") == 0) {
		m->in_propstat = 0;
		if (m->ps_ok) {
			m->have = 1;
			if (m->ps_dir)
				m->is_dir = 1;
			if (m->ps_has_len)
				m->size = m->ps_len;
			if (m->ps_has_mod)
				m->mod = m->ps_mod;
			if (m->ps_etag) {
				free(m->etag);
				m->etag = m->ps_etag;
				m->ps_etag = NULL;
			}
		}
	} else if (strcmp(l, "response") == 0) {
		m->in_response = 0;
		if (m->href && *m->href)
			ms_add(m);
	}
}

int dav_parse_multistatus(const char *xml, size_t len, const char *base_path,
			  struct dav_entry **out, size_t *n, struct err *e)
{
	XML_Parser p = XML_ParserCreateNS(NULL, ' ');
	struct ms m;
	char *base = href_decode(base_path ? base_path : "/");
	size_t bl = strlen(base);
	int rc = 0;

	while (bl > 0 && base[bl - 1] == '/')
		base[--bl] = 0;
	memset(&m, 0, sizeof m);
	m.base = base;
	m.base_len = bl;
	buf_init(&m.text);
	XML_SetUserData(p, &m);
	XML_SetElementHandler(p, ms_start, ms_end);
	XML_SetCharacterDataHandler(p, ms_text);
	if (XML_Parse(p, xml, (int)len, 1) == XML_STATUS_ERROR) {
		rc = err_set(e, E_PARSE, "the server's folder listing is not valid XML: %s at line %lu",
			     XML_ErrorString(XML_GetErrorCode(p)),
			     (unsigned long)XML_GetCurrentLineNumber(p));
		dav_entries_free(m.v, m.n);
		m.v = NULL;
		m.n = 0;
	}
	XML_ParserFree(p);
	buf_free(&m.text);
	free(m.href);
	free(m.etag);
	free(m.ps_etag);
	free(base);
	*out = m.v;
	*n = m.n;
	return rc;
}

void dav_entries_free(struct dav_entry *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].path);
		free(v[i].name);
		free(v[i].etag);
	}
	free(v);
}
