/*
 * xmpp.c - XMPP over libstrophe, loaded on first use; see xmpp.h.
 *
 * Stanzas we send are written as XML text (every value escaped, control
 * characters XML cannot carry replaced) and parsed by libstrophe into a
 * stanza, so stream management counts them. Stanzas that arrive are read
 * into our own structs here; nothing above net/ sees libstrophe's types.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <time.h>

#include <sodium.h>
#include <strophe.h>

#include "net/imap.h"
#include "net/xmpp.h"

/* ---- the library --------------------------------------------------------------- */

#define STROPHE_FNS(X)                                                                  \
	X(xmpp_initialize) X(xmpp_ctx_new) X(xmpp_ctx_free) X(xmpp_conn_new)                \
	X(xmpp_conn_release) X(xmpp_conn_set_flags) X(xmpp_conn_set_jid)                    \
	X(xmpp_conn_set_pass) X(xmpp_conn_set_cafile) X(xmpp_conn_set_certfail_handler)     \
	X(xmpp_conn_get_peer_cert) X(xmpp_tlscert_get_pem) X(xmpp_tlscert_get_conn)         \
	X(xmpp_tlscert_free) X(xmpp_conn_set_sockopt_callback) X(xmpp_sockopt_cb_keepalive) \
	X(xmpp_connect_client) X(xmpp_disconnect) X(xmpp_send) X(xmpp_run_once)            \
	X(xmpp_handler_add) X(xmpp_handler_delete) X(xmpp_id_handler_add)                  \
	X(xmpp_id_handler_delete) X(xmpp_stanza_new_from_string) X(xmpp_stanza_release)    \
	X(xmpp_stanza_copy) X(xmpp_stanza_get_children) X(xmpp_stanza_get_next)          \
	X(xmpp_stanza_get_name) X(xmpp_stanza_get_ns) X(xmpp_stanza_get_attribute)        \
	X(xmpp_stanza_get_text) X(xmpp_stanza_is_tag) X(xmpp_free)                         \
	X(xmpp_conn_get_bound_jid) X(xmpp_conn_is_secured)      \
	X(xmpp_conn_is_disconnected)

#define AS_ENUM(f) XS_##f,
#define AS_NAME(f) #f,
enum { STROPHE_FNS(AS_ENUM) XS_N };
static void *xs_fn[XS_N];
static const char *const xs_names[XS_N + 1] = { STROPHE_FNS(AS_NAME) NULL };
#define XS(f) ((__typeof__(&f))xs_fn[XS_##f])

static struct dl_lib strophe_lib = {
	.soname = "libstrophe.so.0", .pkg = "libstrophe0", .names = xs_names, .slots = xs_fn,
};

static int xs_load(struct err *e)
{
	static int inited;

	if (dl_load(&strophe_lib, e) < 0)
		return e->code;
	if (!__atomic_exchange_n(&inited, 1, __ATOMIC_ACQ_REL)) {
		struct sigaction sa;
		XS(xmpp_initialize)();
		/* a server gone must not kill the process with SIGPIPE */
		if (sigaction(SIGPIPE, NULL, &sa) == 0 && sa.sa_handler == SIG_DFL)
			signal(SIGPIPE, SIG_IGN);
	}
	return 0;
}

static void xs_log(void *ud, xmpp_log_level_t level, const char *area, const char *msg)
{
	(void)ud;
	/* debug lines carry the SASL exchange: never logged */
	if (level >= XMPP_LEVEL_WARN)
		log_warn("xmpp %s: %.300s", area, msg);
}

static const xmpp_log_t xs_logger = { xs_log, NULL };

/* ---- small XML helpers ------------------------------------------------------------- */

/* Escape for XML text or an attribute; bytes that are not UTF-8 and
 * characters XML 1.0 cannot carry become U+FFFD. */
static void xml_esc(struct buf *b, const char *s)
{
	size_t n = s ? strlen(s) : 0, i = 0;

	while (i < n) {
		unsigned cp;
		size_t k = utf8_decode(s + i, n - i, &cp);
		if (k == 0) {
			buf_adds(b, "\xEF\xBF\xBD");
			i++;
			continue;
		}
		switch (cp) {
		case '&': buf_adds(b, "&amp;"); break;
		case '<': buf_adds(b, "&lt;"); break;
		case '>': buf_adds(b, "&gt;"); break;
		case '"': buf_adds(b, "&quot;"); break;
		case '\'': buf_adds(b, "&apos;"); break;
		default:
			if ((cp < 0x20 && cp != '\t' && cp != '\n' && cp != '\r') || cp == 0xFFFE ||
			    cp == 0xFFFF)
				buf_adds(b, "\xEF\xBF\xBD");
			else
				buf_add(b, s + i, k);
		}
		i += k;
	}
}

/* "name='value'" (escaped) when value is set. */
static void xml_attr(struct buf *b, const char *name, const char *value)
{
	if (!value)
		return;
	buf_printf(b, " %s='", name);
	xml_esc(b, value);
	buf_addc(b, '\'');
}

static xmpp_stanza_t *child(xmpp_stanza_t *st, const char *name, const char *ns)
{
	xmpp_stanza_t *c;

	if (!st)
		return NULL;
	for (c = XS(xmpp_stanza_get_children)(st); c; c = XS(xmpp_stanza_get_next)(c)) {
		const char *cn, *cns;
		if (!XS(xmpp_stanza_is_tag)(c))
			continue;
		cn = XS(xmpp_stanza_get_name)(c);
		cns = XS(xmpp_stanza_get_ns)(c);
		if (cn && strcmp(cn, name) == 0 && (!ns || (cns && strcmp(cns, ns) == 0)))
			return c;
	}
	return NULL;
}

static const char *attr(xmpp_stanza_t *st, const char *name)
{
	return st ? XS(xmpp_stanza_get_attribute)(st, name) : NULL;
}

/* Bytes as valid UTF-8: anything that is not becomes U+FFFD. */
static char *utf8_repair(const char *t)
{
	struct buf b;
	size_t n = strlen(t), i = 0;

	if (utf8_valid(t, n))
		return xstrdup(t);
	buf_init(&b);
	while (i < n) {
		unsigned cp;
		size_t k = utf8_decode(t + i, n - i, &cp);
		if (k == 0) {
			buf_adds(&b, "\xEF\xBF\xBD");
			i++;
		} else {
			buf_add(&b, t + i, k);
			i += k;
		}
	}
	return buf_detach(&b);
}

/* A copy of an attribute (expat checked the UTF-8; a build of libstrophe
 * that did not would still hand us bytes we must not trust). */
static char *attr_dup(xmpp_stanza_t *st, const char *name)
{
	const char *v = attr(st, name);

	return v ? utf8_repair(v) : NULL;
}

static char *text_dup(xmpp_stanza_t *st)
{
	char *t, *r;

	if (!st)
		return NULL;
	t = XS(xmpp_stanza_get_text)(st);
	if (!t)
		return xstrdup("");
	r = utf8_repair(t);
	free(t); /* libstrophe's default allocator is malloc */
	return r;
}

static int same_bare(const char *a, const char *bare)
{
	size_t n;

	if (!a || !bare)
		return 0;
	n = strlen(bare);
	return strncasecmp(a, bare, n) == 0 && (a[n] == 0 || a[n] == '/');
}

/* XEP-0082 date-time to unix milliseconds; 0 when it does not parse. */
static int64_t parse_stamp(const char *s)
{
	struct tm tm;
	int y, mo, d, h, mi, sec, n = 0;
	int64_t ms = 0, days;

	if (!s || sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &sec, &n) != 6)
		return 0;
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60 || y < 1970)
		return 0;
	s += n;
	if (*s == '.') {
		int digits = 0;
		for (s++; *s >= '0' && *s <= '9'; s++)
			if (digits < 3) {
				ms = ms * 10 + (*s - '0');
				digits++;
			}
		for (; digits < 3; digits++)
			ms *= 10;
	}
	memset(&tm, 0, sizeof tm);
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	days = (int64_t)timegm(&tm);
	if (*s == '+' || *s == '-') {
		int oh, om;
		if (sscanf(s + 1, "%2d:%2d", &oh, &om) != 2)
			return 0;
		days += (*s == '+' ? -1 : 1) * (int64_t)(oh * 3600 + om * 60);
	} else if (*s != 'Z' && *s != 0) {
		return 0;
	}
	return days * 1000 + ms;
}

/* ---- JIDs ------------------------------------------------------------------------- */

int xmpp_jid_valid(const char *jid, int bare)
{
	const char *at, *slash, *dom, *p;
	size_t dlen;

	if (!jid || !*jid || strlen(jid) > 3071 || !utf8_valid(jid, strlen(jid)))
		return 0;
	slash = strchr(jid, '/');
	for (p = jid; *p;) {
		unsigned cp;
		size_t k = utf8_decode(p, strlen(p), &cp);
		/* controls (C0, DEL, C1) nowhere; spaces and quotes only in the
		 * resource (a room nick may be "John Doe") */
		if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f))
			return 0;
		if ((!slash || p < slash) && (cp == ' ' || cp == '"' || cp == '<' || cp == '>'))
			return 0;
		p += k;
	}
	if (slash && (bare || slash[1] == 0 || strlen(slash + 1) > 1023))
		return 0;
	at = strchr(jid, '@');
	if (at && slash && at > slash)
		at = NULL; /* an @ in the resource */
	if (at) {
		const char *at2 = strchr(at + 1, '@');
		if (at == jid || at - jid > 1023 || (at2 && (!slash || at2 < slash)))
			return 0;
		for (p = jid; p < at; p++)
			if (strchr("&'/:", *p))
				return 0;
		dom = at + 1;
	} else {
		dom = jid;
	}
	dlen = slash ? (size_t)(slash - dom) : strlen(dom);
	if (dlen == 0 || dlen > 1023 || dom[0] == '.' || dom[dlen - 1] == '.')
		return 0;
	for (p = dom; p < dom + dlen; p++)
		if (*p == '@' || (p > dom && *p == '.' && p[-1] == '.'))
			return 0;
	return 1;
}

/* ---- parsing what arrives --------------------------------------------------------- */

void xmpp_msg_free(struct xmpp_msg *m)
{
	if (!m)
		return;
	free(m->from);
	free(m->to);
	free(m->id);
	free(m->origin_id);
	free(m->stanza_id);
	free(m->body);
	free(m->subject);
	free(m->replace_id);
	free(m->retract_id);
	free(m->receipt_id);
	free(m->displayed_id);
	free(m->oob_url);
	free(m->invite_room);
	free(m->invite_from);
	free(m->error_text);
	free(m->mam_queryid);
	free(m->mam_id);
	free(m->mam_from);
	memset(m, 0, sizeof *m);
}

static char *dup_or_null(const char *v)
{
	return v ? xstrdup(v) : NULL;
}

void xmpp_msg_copy(struct xmpp_msg *to, const struct xmpp_msg *m)
{
	*to = *m;
	to->from = dup_or_null(m->from);
	to->to = dup_or_null(m->to);
	to->id = dup_or_null(m->id);
	to->origin_id = dup_or_null(m->origin_id);
	to->stanza_id = dup_or_null(m->stanza_id);
	to->body = dup_or_null(m->body);
	to->subject = dup_or_null(m->subject);
	to->replace_id = dup_or_null(m->replace_id);
	to->retract_id = dup_or_null(m->retract_id);
	to->receipt_id = dup_or_null(m->receipt_id);
	to->displayed_id = dup_or_null(m->displayed_id);
	to->oob_url = dup_or_null(m->oob_url);
	to->invite_room = dup_or_null(m->invite_room);
	to->invite_from = dup_or_null(m->invite_from);
	to->error_text = dup_or_null(m->error_text);
	to->mam_queryid = dup_or_null(m->mam_queryid);
	to->mam_id = dup_or_null(m->mam_id);
	to->mam_from = dup_or_null(m->mam_from);
}

#define NS_SID "urn:xmpp:sid:0"
#define NS_FWD "urn:xmpp:forward:0"
#define NS_CARBONS "urn:xmpp:carbons:2"
#define NS_MAM "urn:xmpp:mam:2"
#define NS_MUC "http://jabber.org/protocol/muc"
#define NS_MUC_USER "http://jabber.org/protocol/muc#user"
#define NS_MUC_OWNER "http://jabber.org/protocol/muc#owner"
#define NS_MUC_ADMIN "http://jabber.org/protocol/muc#admin"
#define NS_STANZAS "urn:ietf:params:xml:ns:xmpp-stanzas"

static void parse_error(xmpp_stanza_t *err, char **out)
{
	xmpp_stanza_t *c, *txt = child(err, "text", NS_STANZAS);
	const char *cond = NULL;

	for (c = err ? XS(xmpp_stanza_get_children)(err) : NULL; c; c = XS(xmpp_stanza_get_next)(c)) {
		const char *ns = XS(xmpp_stanza_get_ns)(c);
		if (XS(xmpp_stanza_is_tag)(c) && ns && strcmp(ns, NS_STANZAS) == 0 &&
		    strcmp(XS(xmpp_stanza_get_name)(c), "text") != 0) {
			cond = XS(xmpp_stanza_get_name)(c);
			break;
		}
	}
	if (txt)
		*out = text_dup(txt);
	else
		*out = xstrdup(cond ? cond : "error");
}

/* The content of a message (not a wrapper). */
static void parse_content(xmpp_stanza_t *st, struct xmpp_msg *m)
{
	const char *type = attr(st, "type");
	xmpp_stanza_t *c, *x;

	m->from = attr_dup(st, "from");
	m->to = attr_dup(st, "to");
	m->id = attr_dup(st, "id");
	/* RFC 6121 5.2.2: a type not understood is taken as normal */
	if (type && (!strcmp(type, "chat") || !strcmp(type, "groupchat") ||
		     !strcmp(type, "headline") || !strcmp(type, "error")))
		snprintf(m->type, sizeof m->type, "%s", type);
	else
		snprintf(m->type, sizeof m->type, "normal");
	if ((c = child(st, "body", NULL)))
		m->body = text_dup(c);
	if ((c = child(st, "subject", NULL))) {
		m->subject = text_dup(c);
		m->has_subject = 1;
	}
	if ((c = child(st, "origin-id", NS_SID)))
		m->origin_id = attr_dup(c, "id");
	if ((c = child(st, "replace", "urn:xmpp:message-correct:0")))
		m->replace_id = attr_dup(c, "id");
	if ((c = child(st, "retract", "urn:xmpp:message-retract:1")))
		m->retract_id = attr_dup(c, "id");
	else if ((c = child(st, "apply-to", "urn:xmpp:fasten:0")) &&
		 child(c, "retract", "urn:xmpp:message-retract:0"))
		m->retract_id = attr_dup(c, "id");
	if (child(st, "request", "urn:xmpp:receipts"))
		m->receipt_request = 1;
	if ((c = child(st, "received", "urn:xmpp:receipts")))
		m->receipt_id = attr_dup(c, "id");
	if (child(st, "markable", "urn:xmpp:chat-markers:0"))
		m->markable = 1;
	if ((c = child(st, "displayed", "urn:xmpp:chat-markers:0")))
		m->displayed_id = attr_dup(c, "id");
	if ((c = child(st, "x", "jabber:x:oob")) && (x = child(c, "url", NULL)))
		m->oob_url = text_dup(x);
	if ((c = child(st, "delay", "urn:xmpp:delay")))
		m->stamp_ms = parse_stamp(attr(c, "stamp"));
	if ((x = child(st, "x", NS_MUC_USER)) && (c = child(x, "invite", NULL))) {
		xmpp_stanza_t *r = child(c, "reason", NULL);
		m->invite_room = attr_dup(st, "from");
		m->invite_from = attr_dup(c, "from");
		if (r && !m->body)
			m->body = text_dup(r);
	} else if ((x = child(st, "x", "jabber:x:conference")) && attr(x, "jid")) {
		m->invite_room = attr_dup(x, "jid");
		m->invite_from = attr_dup(st, "from");
	}
	if (strcmp(m->type, "error") == 0)
		parse_error(child(st, "error", NULL), &m->error_text);
}

/* The stanza-id the archive of `by` gave (XEP-0359: only that one counts:
 * anyone can put a stanza-id in a message). */
static void parse_stanza_id(xmpp_stanza_t *st, const char *by, struct xmpp_msg *m)
{
	xmpp_stanza_t *c;

	if (!by)
		return;
	for (c = XS(xmpp_stanza_get_children)(st); c; c = XS(xmpp_stanza_get_next)(c)) {
		const char *n, *ns, *b;
		if (!XS(xmpp_stanza_is_tag)(c))
			continue;
		n = XS(xmpp_stanza_get_name)(c);
		ns = XS(xmpp_stanza_get_ns)(c);
		b = attr(c, "by");
		if (strcmp(n, "stanza-id") == 0 && ns && strcmp(ns, NS_SID) == 0 && b &&
		    strcasecmp(b, by) == 0 && attr(c, "id")) {
			m->stanza_id = attr_dup(c, "id");
			return;
		}
	}
}

char *xmpp_bare(const char *jid)
{
	const char *sl;

	if (!jid)
		return NULL;
	sl = strchr(jid, '/');
	return sl ? xstrndup(jid, (size_t)(sl - jid)) : xstrdup(jid);
}

static int parse_message(xmpp_stanza_t *st, const char *own, struct xmpp_msg *m, struct err *e)
{
	const char *name = XS(xmpp_stanza_get_name)(st);
	const char *outer = attr(st, "from");
	xmpp_stanza_t *w, *fwd, *inner;

	memset(m, 0, sizeof *m);
	if (!name || strcmp(name, "message") != 0)
		return err_set(e, E_PARSE, "not a message");
	/* carbons: only our own server may send them */
	if ((w = child(st, "received", NS_CARBONS)) || (w = child(st, "sent", NS_CARBONS))) {
		if (outer && !(same_bare(outer, own) && !strchr(outer, '/')))
			return err_set(e, E_PARSE, "a carbon copy from %s, not from our server", outer);
		fwd = child(w, "forwarded", NS_FWD);
		inner = child(fwd, "message", NULL);
		if (!inner)
			return err_set(e, E_PARSE, "a carbon copy without a message");
		m->carbon = strcmp(XS(xmpp_stanza_get_name)(w), "sent") == 0 ? XC_SENT : XC_RECEIVED;
		parse_content(inner, m);
		if ((w = child(fwd, "delay", "urn:xmpp:delay")))
			m->stamp_ms = parse_stamp(attr(w, "stamp"));
		if (m->carbon == XC_SENT && !same_bare(m->from, own)) {
			xmpp_msg_free(m);
			return err_set(e, E_PARSE, "a sent carbon not sent by us");
		}
		parse_stanza_id(inner, own, m);
		return 0;
	}
	/* an archive result: its id is the stanza id; who may send it (our
	 * account or the room asked) is the session's to check */
	if ((w = child(st, "result", NS_MAM))) {
		fwd = child(w, "forwarded", NS_FWD);
		inner = child(fwd, "message", NULL);
		if (!inner || !attr(w, "id"))
			return err_set(e, E_PARSE, "an archive result without a message");
		parse_content(inner, m);
		if ((w = child(fwd, "delay", "urn:xmpp:delay")))
			m->stamp_ms = parse_stamp(attr(w, "stamp"));
		w = child(st, "result", NS_MAM);
		m->mam_queryid = attr_dup(w, "queryid");
		m->mam_id = attr_dup(w, "id");
		m->stanza_id = attr_dup(w, "id");
		m->mam_from = outer ? xstrdup(outer) : xstrdup(own);
		return 0;
	}
	parse_content(st, m);
	{
		/* live: a room stamps with its own JID, our server with ours */
		char *by = strcmp(m->type, "groupchat") == 0 ? xmpp_bare(m->from) : xstrdup(own);
		parse_stanza_id(st, by, m);
		free(by);
	}
	return 0;
}

int xmpp_msg_parse_text(const char *xml, size_t len, const char *own, struct xmpp_msg *m,
			struct err *e)
{
	static __thread xmpp_ctx_t *ctx;
	xmpp_stanza_t *st;
	char *copy;
	int rc;

	memset(m, 0, sizeof *m);
	if (xs_load(e) < 0)
		return e->code;
	if (!ctx)
		ctx = XS(xmpp_ctx_new)(NULL, &xs_logger);
	if (!ctx)
		return err_set(e, E_INTERNAL, "libstrophe cannot make a context");
	copy = xstrndup(xml, len);
	st = XS(xmpp_stanza_new_from_string)(ctx, copy);
	free(copy);
	if (!st)
		return err_set(e, E_PARSE, "not well-formed XML");
	rc = parse_message(st, own, m, e);
	XS(xmpp_stanza_release)(st);
	return rc;
}

static void pres_free(struct xmpp_pres *p)
{
	free(p->from);
	free(p->status);
	free(p->real_jid);
	free(p->new_nick);
	free(p->reason);
}

static enum xmpp_show show_parse(const char *s)
{
	if (!s)
		return XSHOW_AVAILABLE;
	if (strcmp(s, "away") == 0)
		return XSHOW_AWAY;
	if (strcmp(s, "xa") == 0)
		return XSHOW_XA;
	if (strcmp(s, "dnd") == 0)
		return XSHOW_DND;
	if (strcmp(s, "chat") == 0)
		return XSHOW_CHAT;
	return XSHOW_AVAILABLE;
}

static void parse_presence(xmpp_stanza_t *st, struct xmpp_pres *p)
{
	const char *type = attr(st, "type");
	xmpp_stanza_t *c, *x, *item;

	memset(p, 0, sizeof *p);
	p->from = attr_dup(st, "from");
	snprintf(p->type, sizeof p->type, "%s", type && strlen(type) < sizeof p->type ? type : "");
	if ((c = child(st, "show", NULL))) {
		char *t = text_dup(c);
		p->show = show_parse(t);
		free(t);
	}
	if (strcmp(p->type, "unavailable") == 0)
		p->show = XSHOW_OFFLINE;
	if ((c = child(st, "status", NULL)))
		p->status = text_dup(c);
	if (strcmp(p->type, "error") == 0) {
		free(p->status);
		parse_error(child(st, "error", NULL), &p->status);
	}
	if ((x = child(st, "x", NS_MUC_USER))) {
		p->muc = 1;
		if ((item = child(x, "item", NULL))) {
			snprintf(p->affiliation, sizeof p->affiliation, "%.7s",
				 attr(item, "affiliation") ? attr(item, "affiliation") : "none");
			snprintf(p->role, sizeof p->role, "%.11s",
				 attr(item, "role") ? attr(item, "role") : "none");
			p->real_jid = attr_dup(item, "jid");
			p->new_nick = attr_dup(item, "nick");
			if ((c = child(item, "reason", NULL)))
				p->reason = text_dup(c);
		}
		for (c = XS(xmpp_stanza_get_children)(x); c; c = XS(xmpp_stanza_get_next)(c)) {
			const char *code;
			if (!XS(xmpp_stanza_is_tag)(c) ||
			    strcmp(XS(xmpp_stanza_get_name)(c), "status") != 0 ||
			    !(code = attr(c, "code")))
				continue;
			if (strcmp(code, "110") == 0)
				p->self = 1;
			else if (strcmp(code, "201") == 0)
				p->created = 1;
			else if (strcmp(code, "307") == 0)
				p->kicked = 1;
			else if (strcmp(code, "301") == 0)
				p->banned = 1;
		}
	} else if (child(st, "x", NS_MUC)) {
		p->muc = 1;
	}
}

static void parse_item(xmpp_stanza_t *item, struct xmpp_roster_item *it)
{
	const char *sub = attr(item, "subscription"), *ask = attr(item, "ask");

	memset(it, 0, sizeof *it);
	it->jid = attr_dup(item, "jid");
	it->name = attr_dup(item, "name");
	snprintf(it->subscription, sizeof it->subscription, "%.7s", sub ? sub : "none");
	it->ask = ask && strcmp(ask, "subscribe") == 0;
}

static void item_free(struct xmpp_roster_item *it)
{
	free(it->jid);
	free(it->name);
}

/* ---- the session ------------------------------------------------------------------- */

enum { XST_IDLE, XST_CONNECTING, XST_ONLINE, XST_DOWN };

/* An IQ and its answer. The answer (a copy) is the caller's to release. */
struct iq_wait {
	xmpp_stanza_t *reply;
	int done;
};

struct xsess {
	xmpp_ctx_t *ctx;
	xmpp_conn_t *conn;
	struct xsess_cb cb;
	char *bare;       /* alice@example.test */
	char *domain;
	char *full;       /* with our resource */
	char *password;
	char *host;       /* NULL: SRV */
	unsigned short port;
	int direct_tls;
	struct net_tls tls;
	int timeout_ms;
	int fd;           /* the socket libstrophe uses, -1 none */
	int state;
	int fail_code;    /* why the last connect or the connection failed */
	char fail_msg[600];
	int ever_online;  /* since the last connect began */
	int secured;      /* TLS was up during the last connect */
	volatile int cancelled;
	const struct xsess *leader; /* cancelling it cancels this one too */
	int handlers;
	int64_t last_stanza; /* loop_now_ms() when one last came */
	int64_t connect_by;  /* a connect begun fails after this (loop_now_ms) */
	/* the archive query in progress */
	char mam_qid[40];
	char *mam_from;      /* the archive asked (ours: our bare JID) */
	void (*mam_fn)(void *arg, const struct xmpp_msg *m);
	void *mam_arg;
	int mam_count;
	char mam_iq[33];     /* the query's IQ id, while one is asked */
	struct iq_wait mam_w;
	/* answers waited for */
	char *upload_host;
	int upload_probed;
};

/* libstrophe's certificate and socket callbacks carry no user pointer;
 * a session is used on one thread, which is the one inside libstrophe. */
static __thread struct xsess *cur;

void xmpp_new_id(char out[33])
{
	unsigned char r[12];

	randombytes_buf(r, sizeof r);
	sodium_bin2base64(out, 33, r, sizeof r, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

static int pem_der(const char *pem, unsigned char **der, size_t *len)
{
	const char *b = pem ? strstr(pem, "-----BEGIN CERTIFICATE-----") : NULL, *end;
	size_t cap;

	if (!b)
		return -1;
	b += strlen("-----BEGIN CERTIFICATE-----");
	end = strstr(b, "-----END CERTIFICATE-----");
	if (!end)
		return -1;
	cap = (size_t)(end - b);
	*der = xmalloc(cap + 1);
	if (sodium_base642bin(*der, cap, b, (size_t)(end - b), " \r\n\t", len, NULL,
			      sodium_base64_VARIANT_ORIGINAL) != 0) {
		free(*der);
		return -1;
	}
	return 0;
}

/* Our policy over the leaf certificate: the chain (when pins_only is 0)
 * and the pins. */
static int policy_check(struct xsess *s, const xmpp_tlscert_t *cert, int pin_only, struct err *e)
{
	const char *pem = cert ? XS(xmpp_tlscert_get_pem)(cert) : NULL;
	unsigned char *der;
	size_t len;
	char pin[NET_PIN_MAX];
	int rc;

	if (pem_der(pem, &der, &len) < 0)
		return err_set(e, E_TLS, "%s sent no certificate we can read", s->domain);
	if (pin_only) {
		struct err pe;
		if (net_spki_pin_der(der, len, pin, &pe) < 0) {
			free(der);
			return err_set(e, E_TLS, "%s sent a certificate that does not parse", s->domain);
		}
		free(der);
		if (s->tls.pins && *s->tls.pins) {
			const char *p = s->tls.pins;
			size_t pl = strlen(pin);
			while (p && *p) {
				if (strncmp(p, pin, pl) == 0 && (p[pl] == 0 || p[pl] == ';'))
					return 0;
				p = strchr(p, ';');
				if (p)
					p++;
			}
			return err_set(e, E_TLS, "the key of %s is not the pinned one: the server's "
				       "key is %s", s->domain, pin);
		}
		return 0;
	} else {
		struct imap_der d = { der, len };
		rc = imap_tls_check(&d, 1, s->domain, &s->tls, pin, e);
		free(der);
		return rc;
	}
}

static int on_certfail(const xmpp_tlscert_t *cert, const char *const why)
{
	struct xsess *s = cur;
	struct err e;

	if (!s)
		return 0;
	/* libstrophe's check failed; our policy may still trust the key (a
	 * pin alone trusts a self-signed certificate) */
	if (policy_check(s, cert, 0, &e) == 0)
		return 1;
	s->fail_code = E_TLS;
	snprintf(s->fail_msg, sizeof s->fail_msg, "%s (%s)", e.msg, why ? why : "");
	return 0;
}

static int on_sockopt(xmpp_conn_t *conn, void *sock)
{
	int one = 1;

	if (cur)
		cur->fd = *(int *)sock;
	/* stanzas are small and answered: with Nagle an IQ waited behind
	 * the server's delayed ACK of our last small write (40 ms a page
	 * of the archive, measured) */
	setsockopt(*(int *)sock, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	return XS(xmpp_sockopt_cb_keepalive)(conn, sock);
}

static int on_message(xmpp_conn_t *conn, xmpp_stanza_t *st, void *ud);
static int on_presence(xmpp_conn_t *conn, xmpp_stanza_t *st, void *ud);
static int on_iq(xmpp_conn_t *conn, xmpp_stanza_t *st, void *ud);

static void on_conn(xmpp_conn_t *conn, xmpp_conn_event_t status, int error,
		    xmpp_stream_error_t *stream_error, void *ud)
{
	struct xsess *s = ud;

	if (status == XMPP_CONN_CONNECT) {
		struct err e;
		xmpp_tlscert_t *cert;

		/* a pin holds even when the chain verified: checked before we
		 * send any stanza of ours */
		if (s->tls.pins && *s->tls.pins) {
			cert = XS(xmpp_conn_get_peer_cert)(conn);
			if (policy_check(s, cert, 1, &e) < 0) {
				if (cert)
					XS(xmpp_tlscert_free)(cert);
				s->fail_code = E_TLS;
				snprintf(s->fail_msg, sizeof s->fail_msg, "%s", e.msg);
				s->state = XST_DOWN;
				XS(xmpp_disconnect)(conn);
				return;
			}
			XS(xmpp_tlscert_free)(cert);
		}
		if (s->handlers) {
			XS(xmpp_handler_delete)(conn, on_message);
			XS(xmpp_handler_delete)(conn, on_presence);
			XS(xmpp_handler_delete)(conn, on_iq);
		}
		XS(xmpp_handler_add)(conn, on_message, NULL, "message", NULL, s);
		XS(xmpp_handler_add)(conn, on_presence, NULL, "presence", NULL, s);
		XS(xmpp_handler_add)(conn, on_iq, NULL, "iq", NULL, s);
		s->handlers = 1;
		free(s->full);
		s->full = xstrdup(XS(xmpp_conn_get_bound_jid)(conn) ? XS(xmpp_conn_get_bound_jid)(conn)
								   : s->bare);
		s->state = XST_ONLINE;
		s->ever_online = 1;
		return;
	}
	if (status != XMPP_CONN_DISCONNECT && status != XMPP_CONN_FAIL)
		return;
	/* down: why? */
	if (!s->fail_code) {
		if (stream_error && (stream_error->type == XMPP_SE_NOT_AUTHORIZED ||
				     stream_error->type == XMPP_SE_CONFLICT)) {
			s->fail_code = E_AUTH;
			snprintf(s->fail_msg, sizeof s->fail_msg, "%s refused the session: %s", s->domain,
				 stream_error->text ? stream_error->text : "not authorized");
		} else if (!s->ever_online && error == 0 && s->secured) {
			/* libstrophe reports a refused password as a plain
			 * disconnect after TLS (reference/README.md) */
			s->fail_code = E_AUTH;
			snprintf(s->fail_msg, sizeof s->fail_msg,
				 "%s refused the password for %s", s->domain, s->bare);
		} else {
			s->fail_code = E_UNREACHABLE;
			if (error)
				snprintf(s->fail_msg, sizeof s->fail_msg, "%s: %s", s->domain,
					 strerror(error));
			else if (stream_error && stream_error->text)
				snprintf(s->fail_msg, sizeof s->fail_msg, "%s closed the stream: %s",
					 s->domain, stream_error->text);
			else if (!s->ever_online && !s->secured)
				snprintf(s->fail_msg, sizeof s->fail_msg, "cannot connect to %s%s%.0u",
					 s->host ? s->host : s->domain, s->port ? ":" : "",
					 (unsigned)s->port);
			else
				snprintf(s->fail_msg, sizeof s->fail_msg, "%s closed the connection",
					 s->domain);
		}
	}
	s->fd = -1;
	if (s->state == XST_ONLINE && s->cb.lost)
		s->cb.lost(s->cb.arg, s->fail_code, s->fail_msg);
	s->state = XST_DOWN;
}

int xsess_new(const struct xmpp_account *a, const struct xsess_cb *cb, struct xsess **out,
	      struct err *e)
{
	struct xsess *s;
	const char *at;
	char res[33];

	*out = NULL;
	if (!a->jid || !xmpp_jid_valid(a->jid, 1) || !strchr(a->jid, '@'))
		return err_set(e, E_USAGE, "\"%s\" is not a JID like name@example.org",
			       a->jid ? a->jid : "");
	if (xs_load(e) < 0)
		return e->code;
	s = xcalloc(1, sizeof *s);
	s->cb = *cb;
	s->bare = xstrdup(a->jid);
	at = strchr(s->bare, '@');
	s->domain = xstrdup(at + 1);
	s->password = xstrdup(a->password ? a->password : "");
	s->direct_tls = a->direct_tls;
	s->tls.ca_file = a->tls.ca_file ? xstrdup(a->tls.ca_file) : NULL;
	s->tls.pins = a->tls.pins ? xstrdup(a->tls.pins) : NULL;
	s->timeout_ms = a->timeout_ms > 0 ? a->timeout_ms : 20000;
	s->fd = -1;
	if (a->server && *a->server) {
		const char *colon = strrchr(a->server, ':');
		if (a->server[0] == '[') {
			const char *rb = strchr(a->server, ']');
			if (!rb)
				goto bad_server;
			s->host = xstrndup(a->server + 1, (size_t)(rb - a->server - 1));
			colon = rb[1] == ':' ? rb + 1 : NULL;
		} else {
			s->host = colon ? xstrndup(a->server, (size_t)(colon - a->server))
					: xstrdup(a->server);
		}
		if (colon) {
			char *end;
			long p = strtol(colon + 1, &end, 10);
			if (*end || p <= 0 || p > 65535)
				goto bad_server;
			s->port = (unsigned short)p;
		}
	}
	s->ctx = XS(xmpp_ctx_new)(NULL, &xs_logger);
	s->conn = s->ctx ? XS(xmpp_conn_new)(s->ctx) : NULL;
	if (!s->conn) {
		xsess_free(s);
		return err_set(e, E_INTERNAL, "libstrophe cannot make a connection");
	}
	if (a->resource)
		snprintf(res, sizeof res, "%s", a->resource);
	else {
		char r[33];
		xmpp_new_id(r);
		snprintf(res, sizeof res, "atrium.%.8s", r);
	}
	free(s->full);
	xasprintf(&s->full, "%s/%s", s->bare, res);
	XS(xmpp_conn_set_jid)(s->conn, s->full);
	XS(xmpp_conn_set_pass)(s->conn, s->password);
	XS(xmpp_conn_set_flags)(s->conn, XMPP_CONN_FLAG_MANDATORY_TLS |
						 (s->direct_tls ? XMPP_CONN_FLAG_LEGACY_SSL : 0) |
						 (a->no_sm ? XMPP_CONN_FLAG_DISABLE_SM : 0));
	if (s->tls.ca_file && *s->tls.ca_file)
		XS(xmpp_conn_set_cafile)(s->conn, s->tls.ca_file);
	XS(xmpp_conn_set_certfail_handler)(s->conn, on_certfail);
	XS(xmpp_conn_set_sockopt_callback)(s->conn, on_sockopt);
	*out = s;
	return 0;
bad_server:
	err_set(e, E_USAGE, "server \"%s\" is not host or host:port", a->server);
	xsess_free(s);
	return E_USAGE;
}

void xsess_free(struct xsess *s)
{
	if (!s)
		return;
	if (s->conn) {
		struct xsess *was = cur;
		cur = s;
		if (s->state == XST_ONLINE || s->state == XST_CONNECTING)
			xsess_disconnect(s);
		if (s->mam_w.reply) /* an archive answer asked and not waited for */
			XS(xmpp_stanza_release)(s->mam_w.reply);
		XS(xmpp_conn_release)(s->conn);
		cur = was;
	}
	if (s->ctx)
		XS(xmpp_ctx_free)(s->ctx);
	free(s->bare);
	free(s->domain);
	free(s->full);
	if (s->password) {
		sodium_memzero(s->password, strlen(s->password));
		free(s->password);
	}
	free(s->host);
	free(s->tls.ca_file);
	free(s->tls.pins);
	free(s->upload_host);
	free(s->mam_from);
	free(s);
}

int xsess_online(const struct xsess *s)
{
	return s && s->state == XST_ONLINE;
}

const char *xsess_jid(const struct xsess *s)
{
	return s->full;
}

void xsess_cancel(struct xsess *s)
{
	s->cancelled = 1;
}

void xsess_follow(struct xsess *s, const struct xsess *leader)
{
	s->leader = leader;
}

static int cancelled(const struct xsess *s)
{
	return s->cancelled || (s->leader && s->leader->cancelled);
}

/* One turn of libstrophe's loop, and the rest of a TLS record it left.
 * xmpp_run_once reads at most 4 KiB, and what TLS decrypted beyond that
 * waits in TLS, unseen by its select: the next turn sleeps its whole
 * timeout before reading it (libstrophe 0.12 counts the pending bytes but
 * does not shorten the wait). When the stanza a caller waits for ends in
 * that rest (an archive page's <fin/>, the answer to an IQ), each answer
 * came 50 ms late: 40 pages of a catch-up lost 2 s (strace). A turn that
 * ended before its timeout read something; up to three more turns that do
 * not wait take the rest of its record (a record holds at most 16 KiB). */
static void run_turn(struct xsess *s, int64_t ms)
{
	int64_t t0 = loop_now_ms();

	XS(xmpp_run_once)(s->ctx, (unsigned long)ms);
	if (ms == 0 || loop_now_ms() - t0 < ms)
		for (int i = 0; i < 3; i++)
			XS(xmpp_run_once)(s->ctx, 0);
}

int xsess_pump(struct xsess *s, int ms, int wake_fd)
{
	struct xsess *was = cur;
	int64_t end = loop_now_ms() + (ms > 0 ? ms : 0);
	int woke = 0, slice = wake_fd >= 0 ? 20 : 50;

	/* xmpp_run_once waits in its own select on the connection; its
	 * timers (keepalive, stream-management acks) run there too. With a
	 * wake descriptor, one poll waits on it and on the connection's
	 * socket, then a turn that does not wait: the worker answers a
	 * message the user sends at once (it waited up to 20 ms, the rest of
	 * a slice: 28 ms from Enter to bob, 9 ms with slices of 2). What TLS
	 * holds decrypted is invisible to that poll, and run_turn takes it
	 * right after the turn that read it; slices of at most 20 ms bound
	 * the rare rest (a record that came during those turns). */
	for (;;) {
		int64_t left = end - loop_now_ms(), wait;
		if (left < 0)
			left = 0;
		wait = left > slice ? slice : left;
		if (wake_fd >= 0) {
			struct pollfd p[2] = { { wake_fd, POLLIN, 0 }, { s->fd, POLLIN, 0 } };
			nfds_t n = s->fd >= 0 ? 2 : 1;
			/* with the socket, the wait is this poll, on both */
			if (poll(p, n, n == 2 ? (int)wait : 0) > 0 && (p[0].revents & POLLIN))
				woke = 1;
			if (n == 2 || woke)
				wait = 0;
		}
		cur = s;
		run_turn(s, wait);
		if (s->state == XST_CONNECTING && !s->secured && XS(xmpp_conn_is_secured)(s->conn))
			s->secured = 1;
		cur = was;
		if (s->cb.turn)
			s->cb.turn(s->cb.arg);
		if (woke || left <= slice)
			break;
	}
	return woke;
}

int xsess_connect_begin(struct xsess *s, struct err *e)
{
	struct xsess *was = cur;
	int rc;

	if (s->state == XST_ONLINE)
		return 0;
	s->fail_code = 0;
	s->fail_msg[0] = 0;
	s->ever_online = 0;
	s->secured = 0;
	s->cancelled = 0;
	s->state = XST_CONNECTING;
	cur = s;
	rc = XS(xmpp_connect_client)(s->conn, s->host, s->port, on_conn, s);
	cur = was;
	if (rc != XMPP_EOK) {
		s->state = XST_DOWN;
		return err_set(e, E_UNREACHABLE, "cannot connect to %s", s->host ? s->host : s->domain);
	}
	s->connect_by = loop_now_ms() + s->timeout_ms;
	return 0;
}

int xsess_connect_done(struct xsess *s, struct err *e)
{
	if (s->state == XST_CONNECTING) {
		if (cancelled(s)) {
			xsess_disconnect(s);
			return err_set(e, E_CANCELLED, "cancelled");
		}
		if (loop_now_ms() <= s->connect_by)
			return 0;
		xsess_disconnect(s);
		return err_set(e, E_UNREACHABLE, "%s did not answer in %d s",
			       s->host ? s->host : s->domain, s->timeout_ms / 1000);
	}
	if (s->state != XST_ONLINE) {
		if (!s->fail_code)
			return err_set(e, E_UNREACHABLE, "%s closed the connection", s->domain);
		return err_set(e, s->fail_code, "%s", s->fail_msg);
	}
	return 1;
}

int xsess_connect(struct xsess *s, struct err *e)
{
	int rc;

	if ((rc = xsess_connect_begin(s, e)) < 0)
		return rc;
	while ((rc = xsess_connect_done(s, e)) == 0)
		xsess_pump(s, 50, -1);
	return rc < 0 ? rc : 0;
}

void xsess_disconnect(struct xsess *s)
{
	struct xsess *was = cur;
	int64_t deadline = loop_now_ms() + 2000;

	if (s->state != XST_ONLINE && s->state != XST_CONNECTING)
		return;
	cur = s;
	XS(xmpp_disconnect)(s->conn);
	/* let the closing </stream> go out and the close finish */
	while (!XS(xmpp_conn_is_disconnected)(s->conn) && loop_now_ms() < deadline)
		XS(xmpp_run_once)(s->ctx, 20);
	cur = was;
	s->state = XST_DOWN;
	s->fd = -1;
}

/* ---- sending ----------------------------------------------------------------------- */

static int send_xml(struct xsess *s, struct buf *b, struct err *e)
{
	xmpp_stanza_t *st;

	if (s->state != XST_ONLINE) {
		buf_free(b);
		return err_set(e, E_UNREACHABLE, "not connected to %s", s->domain);
	}
	st = XS(xmpp_stanza_new_from_string)(s->ctx, buf_cstr(b));
	buf_free(b);
	if (!st)
		return err_set(e, E_INTERNAL, "a stanza we wrote does not parse");
	XS(xmpp_send)(s->conn, st);
	XS(xmpp_stanza_release)(st);
	return 0;
}


static int on_id(xmpp_conn_t *conn, xmpp_stanza_t *st, void *ud)
{
	struct iq_wait *w = ud;

	(void)conn;
	if (!w->done) {
		w->reply = XS(xmpp_stanza_copy)(st);
		w->done = 1;
	}
	return 0;
}

static int wait_for(struct xsess *s, int *flag, struct err *e)
{
	int64_t deadline = loop_now_ms() + s->timeout_ms;

	while (!*flag) {
		/* a server sending us other things (a backlog of offline
		 * messages before the answer) is alive: the wait counts from
		 * the last stanza that came */
		if (s->last_stanza + s->timeout_ms > deadline)
			deadline = s->last_stanza + s->timeout_ms;
		if (cancelled(s))
			return err_set(e, E_CANCELLED, "cancelled");
		if (s->state != XST_ONLINE)
			return err_set(e, s->fail_code ? s->fail_code : E_UNREACHABLE, "%s",
				       s->fail_msg[0] ? s->fail_msg : "the connection was lost");
		if (loop_now_ms() > deadline)
			return err_set(e, E_UNREACHABLE, "%s did not answer in %d s", s->domain,
				       s->timeout_ms / 1000);
		xsess_pump(s, 50, -1);
	}
	return 0;
}

/* Map an IQ error to our codes, with the server's words. */
static int iq_error(xmpp_stanza_t *reply, const char *what, struct err *e)
{
	xmpp_stanza_t *er = child(reply, "error", NULL), *c;
	char *txt = NULL;
	int code = E_IO;

	parse_error(er, &txt);
	for (c = er ? XS(xmpp_stanza_get_children)(er) : NULL; c; c = XS(xmpp_stanza_get_next)(c)) {
		const char *n = XS(xmpp_stanza_is_tag)(c) ? XS(xmpp_stanza_get_name)(c) : NULL;
		if (!n)
			continue;
		if (!strcmp(n, "item-not-found") || !strcmp(n, "remote-server-not-found") ||
		    !strcmp(n, "service-unavailable") || !strcmp(n, "recipient-unavailable"))
			code = E_NOTFOUND;
		else if (!strcmp(n, "forbidden") || !strcmp(n, "not-allowed") ||
			 !strcmp(n, "not-authorized") || !strcmp(n, "registration-required"))
			code = E_PERM;
		else if (!strcmp(n, "conflict"))
			code = E_CONFLICT;
		else if (!strcmp(n, "bad-request") || !strcmp(n, "jid-malformed") ||
			 !strcmp(n, "not-acceptable"))
			code = E_USAGE;
		else if (!strcmp(n, "not-acceptable") || !strcmp(n, "resource-constraint") ||
			 !strcmp(n, "policy-violation"))
			code = E_RANGE;
	}
	err_set(e, code, "%s: %s", what, txt ? txt : "refused");
	free(txt);
	return code;
}

/* An IQ in two halves, so that a caller can ask the next question
 * before it works on the last answer: iq_send registers w for the answer
 * to id and sends b; iq_wait waits for it and maps an error answer. */
static int iq_send(struct xsess *s, struct buf *b, const char *id, struct iq_wait *w,
		   struct err *e)
{
	struct xsess *was = cur;
	int rc;

	memset(w, 0, sizeof *w);
	if (s->state != XST_ONLINE) {
		buf_free(b);
		return err_set(e, E_UNREACHABLE, "not connected to %s", s->domain);
	}
	cur = s;
	XS(xmpp_id_handler_add)(s->conn, on_id, id, w);
	cur = was;
	rc = send_xml(s, b, e);
	if (rc < 0) {
		cur = s;
		XS(xmpp_id_handler_delete)(s->conn, on_id, id);
		cur = was;
	}
	return rc;
}

static int iq_wait(struct xsess *s, const char *id, struct iq_wait *w, const char *what,
		   xmpp_stanza_t **reply, struct err *e)
{
	struct xsess *was = cur;
	int rc;

	if (reply)
		*reply = NULL;
	rc = wait_for(s, &w->done, e);
	cur = s;
	XS(xmpp_id_handler_delete)(s->conn, on_id, id);
	cur = was;
	if (rc < 0) {
		if (w->reply)
			XS(xmpp_stanza_release)(w->reply);
		w->reply = NULL;
		return rc;
	}
	if (attr(w->reply, "type") && strcmp(attr(w->reply, "type"), "error") == 0) {
		rc = iq_error(w->reply, what, e);
		XS(xmpp_stanza_release)(w->reply);
		w->reply = NULL;
		return rc;
	}
	if (reply)
		*reply = w->reply;
	else
		XS(xmpp_stanza_release)(w->reply);
	w->reply = NULL;
	return 0;
}

static int iq(struct xsess *s, struct buf *b, const char *id, const char *what,
	      xmpp_stanza_t **reply, struct err *e)
{
	struct iq_wait w;
	int rc;

	if (reply)
		*reply = NULL;
	if ((rc = iq_send(s, b, id, &w, e)) < 0)
		return rc;
	return iq_wait(s, id, &w, what, reply, e);
}

/* Start an IQ: "<iq type=T id=ID [to=TO]>" into b, id into idbuf. */
static void iq_begin(struct buf *b, const char *type, const char *to, char id[33])
{
	xmpp_new_id(id);
	buf_init(b);
	buf_printf(b, "<iq type='%s' id='%s'", type, id);
	xml_attr(b, "to", to);
	buf_addc(b, '>');
}

int xsess_sync_point(struct xsess *s, struct err *e)
{
	struct buf b;
	char id[33];

	iq_begin(&b, "get", s->domain, id);
	buf_adds(&b, "<ping xmlns='urn:xmpp:ping'/></iq>");
	return iq(s, &b, id, "ping", NULL, e);
}

int xsess_send_msg(struct xsess *s, const char *to, const char *type, const char *body,
		   const char *id, const char *replace_id, const char *oob_url, struct err *e)
{
	struct buf b;

	buf_init(&b);
	buf_adds(&b, "<message");
	xml_attr(&b, "to", to);
	xml_attr(&b, "type", type);
	xml_attr(&b, "id", id);
	buf_adds(&b, "><body>");
	xml_esc(&b, body);
	buf_adds(&b, "</body>");
	if (id) {
		buf_adds(&b, "<origin-id xmlns='urn:xmpp:sid:0'");
		xml_attr(&b, "id", id);
		buf_adds(&b, "/>");
	}
	if (replace_id) {
		buf_adds(&b, "<replace xmlns='urn:xmpp:message-correct:0'");
		xml_attr(&b, "id", replace_id);
		buf_adds(&b, "/>");
	}
	if (oob_url) {
		buf_adds(&b, "<x xmlns='jabber:x:oob'><url>");
		xml_esc(&b, oob_url);
		buf_adds(&b, "</url></x>");
	}
	if (strcmp(type, "chat") == 0)
		buf_adds(&b, "<request xmlns='urn:xmpp:receipts'/>");
	buf_adds(&b, "<markable xmlns='urn:xmpp:chat-markers:0'/></message>");
	return send_xml(s, &b, e);
}

int xsess_send_retract(struct xsess *s, const char *to, const char *type, const char *id,
		       struct err *e)
{
	struct buf b;
	char mid[33];

	xmpp_new_id(mid);
	buf_init(&b);
	buf_adds(&b, "<message");
	xml_attr(&b, "to", to);
	xml_attr(&b, "type", type);
	xml_attr(&b, "id", mid);
	buf_adds(&b, "><retract xmlns='urn:xmpp:message-retract:1'");
	xml_attr(&b, "id", id);
	buf_adds(&b, "/><apply-to xmlns='urn:xmpp:fasten:0'");
	xml_attr(&b, "id", id);
	buf_adds(&b, "><retract xmlns='urn:xmpp:message-retract:0'/></apply-to>"
		     "<fallback xmlns='urn:xmpp:fallback:0'/>"
		     "<body>This person attempted to retract a previous message, but it's "
		     "unsupported by your client.</body><store xmlns='urn:xmpp:hints'/></message>");
	return send_xml(s, &b, e);
}

int xsess_send_receipt(struct xsess *s, const char *to, const char *id, struct err *e)
{
	struct buf b;

	buf_init(&b);
	buf_adds(&b, "<message");
	xml_attr(&b, "to", to);
	buf_adds(&b, "><received xmlns='urn:xmpp:receipts'");
	xml_attr(&b, "id", id);
	buf_adds(&b, "/></message>");
	return send_xml(s, &b, e);
}

int xsess_send_displayed(struct xsess *s, const char *to, const char *type, const char *id,
			 struct err *e)
{
	struct buf b;

	buf_init(&b);
	buf_adds(&b, "<message");
	xml_attr(&b, "to", to);
	xml_attr(&b, "type", type);
	buf_adds(&b, "><displayed xmlns='urn:xmpp:chat-markers:0'");
	xml_attr(&b, "id", id);
	buf_adds(&b, "/><store xmlns='urn:xmpp:hints'/></message>");
	return send_xml(s, &b, e);
}

static const char *show_name(enum xmpp_show sh)
{
	switch (sh) {
	case XSHOW_AWAY: return "away";
	case XSHOW_XA: return "xa";
	case XSHOW_DND: return "dnd";
	case XSHOW_CHAT: return "chat";
	default: return NULL;
	}
}

int xsess_presence(struct xsess *s, enum xmpp_show show, const char *status, struct err *e)
{
	struct buf b;

	buf_init(&b);
	if (show == XSHOW_OFFLINE) {
		buf_adds(&b, "<presence type='unavailable'>");
	} else {
		buf_adds(&b, "<presence>");
		if (show_name(show))
			buf_printf(&b, "<show>%s</show>", show_name(show));
	}
	if (status && *status) {
		buf_adds(&b, "<status>");
		xml_esc(&b, status);
		buf_adds(&b, "</status>");
	}
	buf_adds(&b, "</presence>");
	return send_xml(s, &b, e);
}

int xsess_subscription(struct xsess *s, const char *jid, const char *type, struct err *e)
{
	struct buf b;

	buf_init(&b);
	buf_adds(&b, "<presence");
	xml_attr(&b, "to", jid);
	xml_attr(&b, "type", type);
	buf_adds(&b, "/>");
	return send_xml(s, &b, e);
}

int xsess_csi(struct xsess *s, int active)
{
	struct buf b;
	struct err e;

	buf_init(&b);
	buf_printf(&b, "<%s xmlns='urn:xmpp:csi:0'/>", active ? "active" : "inactive");
	/* a nonza (not a stanza): a server without CSI answers nothing and
	 * does not mind */
	return send_xml(s, &b, &e);
}

int xsess_carbons(struct xsess *s, struct err *e)
{
	struct buf b;
	char id[33];

	iq_begin(&b, "set", NULL, id);
	buf_adds(&b, "<enable xmlns='urn:xmpp:carbons:2'/></iq>");
	return iq(s, &b, id, "carbons", NULL, e);
}

/* ---- roster ------------------------------------------------------------------------- */

int xsess_roster(struct xsess *s, void (*fn)(void *arg, const struct xmpp_roster_item *it),
		 void *arg, struct err *e)
{
	struct buf b;
	char id[33];
	xmpp_stanza_t *reply, *q, *c;
	int rc;

	iq_begin(&b, "get", NULL, id);
	buf_adds(&b, "<query xmlns='jabber:iq:roster'/></iq>");
	if ((rc = iq(s, &b, id, "roster", &reply, e)) < 0)
		return rc;
	q = child(reply, "query", "jabber:iq:roster");
	for (c = q ? XS(xmpp_stanza_get_children)(q) : NULL; c; c = XS(xmpp_stanza_get_next)(c)) {
		struct xmpp_roster_item it;
		if (!XS(xmpp_stanza_is_tag)(c) || strcmp(XS(xmpp_stanza_get_name)(c), "item") != 0)
			continue;
		parse_item(c, &it);
		if (it.jid)
			fn(arg, &it);
		item_free(&it);
	}
	XS(xmpp_stanza_release)(reply);
	return 0;
}

int xsess_roster_set(struct xsess *s, const char *jid, const char *name, int remove,
		     struct err *e)
{
	struct buf b;
	char id[33];

	iq_begin(&b, "set", NULL, id);
	buf_adds(&b, "<query xmlns='jabber:iq:roster'><item");
	xml_attr(&b, "jid", jid);
	xml_attr(&b, "name", remove ? NULL : name);
	if (remove)
		buf_adds(&b, " subscription='remove'");
	buf_adds(&b, "/></query></iq>");
	return iq(s, &b, id, "roster", NULL, e);
}

/* ---- what arrives --------------------------------------------------------------------- */

static int on_message(xmpp_conn_t *conn, xmpp_stanza_t *st, void *ud)
{
	struct xsess *s = ud;
	struct xmpp_msg m;
	struct err e;

	(void)conn;
	s->last_stanza = loop_now_ms();
	if (parse_message(st, s->bare, &m, &e) < 0) {
		log_warn("xmpp: a message dropped: %s", e.msg);
		return 1;
	}
	if (m.mam_queryid || m.mam_id) {
		/* an archive result: ours only, from the archive we asked */
		if (s->mam_fn && m.mam_queryid && strcmp(m.mam_queryid, s->mam_qid) == 0 &&
		    m.mam_from && strcasecmp(m.mam_from, s->mam_from) == 0) {
			s->mam_count++;
			s->mam_fn(s->mam_arg, &m);
		} else {
			log_warn("xmpp: an archive result nobody asked for dropped");
		}
	} else if (s->cb.message) {
		s->cb.message(s->cb.arg, &m);
	}
	xmpp_msg_free(&m);
	return 1;
}

static int on_presence(xmpp_conn_t *conn, xmpp_stanza_t *st, void *ud)
{
	struct xsess *s = ud;
	struct xmpp_pres p;

	(void)conn;
	s->last_stanza = loop_now_ms();
	parse_presence(st, &p);
	if (p.from && s->cb.presence)
		s->cb.presence(s->cb.arg, &p);
	pres_free(&p);
	return 1;
}

static int on_iq(xmpp_conn_t *conn, xmpp_stanza_t *st, void *ud)
{
	struct xsess *s = ud;
	const char *type = attr(st, "type"), *from = attr(st, "from"), *id = attr(st, "id");
	xmpp_stanza_t *q;
	struct buf b;
	struct err e;

	(void)conn;
	s->last_stanza = loop_now_ms();
	if (!type || (strcmp(type, "get") != 0 && strcmp(type, "set") != 0))
		return 1; /* results go to their id handlers */
	/* roster pushes only from our own account (RFC 6121 2.1.6) */
	if ((q = child(st, "query", "jabber:iq:roster")) && strcmp(type, "set") == 0 &&
	    (!from || strcasecmp(from, s->bare) == 0)) {
		xmpp_stanza_t *c;
		for (c = XS(xmpp_stanza_get_children)(q); c; c = XS(xmpp_stanza_get_next)(c)) {
			struct xmpp_roster_item it;
			if (!XS(xmpp_stanza_is_tag)(c) || strcmp(XS(xmpp_stanza_get_name)(c), "item"))
				continue;
			parse_item(c, &it);
			if (it.jid && s->cb.roster)
				s->cb.roster(s->cb.arg, &it);
			item_free(&it);
		}
		buf_init(&b);
		buf_adds(&b, "<iq type='result'");
		xml_attr(&b, "id", id);
		buf_adds(&b, "/>");
		send_xml(s, &b, &e);
		return 1;
	}
	buf_init(&b);
	buf_adds(&b, "<iq");
	xml_attr(&b, "to", from);
	xml_attr(&b, "id", id);
	if (child(st, "ping", "urn:xmpp:ping") && strcmp(type, "get") == 0) {
		buf_adds(&b, " type='result'/>");
	} else if ((q = child(st, "query", "http://jabber.org/protocol/disco#info")) &&
		   strcmp(type, "get") == 0) {
		buf_adds(&b, " type='result'><query xmlns='http://jabber.org/protocol/disco#info'>"
			     "<identity category='client' type='console' name='atrium'/>"
			     "<feature var='http://jabber.org/protocol/disco#info'/>"
			     "<feature var='urn:xmpp:ping'/><feature var='urn:xmpp:receipts'/>"
			     "<feature var='urn:xmpp:chat-markers:0'/>"
			     "<feature var='urn:xmpp:message-correct:0'/>"
			     "<feature var='urn:xmpp:message-retract:1'/>"
			     "<feature var='jabber:x:conference'/>"
			     "<feature var='jabber:x:oob'/></query></iq>");
	} else {
		/* RFC 6120 8.4: every request gets an answer */
		buf_adds(&b, " type='error'><error type='cancel'><service-unavailable "
			     "xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>");
	}
	send_xml(s, &b, &e);
	return 1;
}

/* ---- the archive ------------------------------------------------------------------ */

int xsess_mam_ask(struct xsess *s, const char *archive, const char *with, const char *after,
		  const char *before, int max, void (*fn)(void *arg, const struct xmpp_msg *m),
		  void *arg, struct err *e)
{
	struct buf b;
	int rc;

	if (s->mam_iq[0])
		return err_set(e, E_INTERNAL, "an archive query is already asked");
	iq_begin(&b, "set", archive, s->mam_iq);
	xmpp_new_id(s->mam_qid);
	buf_printf(&b, "<query xmlns='urn:xmpp:mam:2' queryid='%s'>", s->mam_qid);
	if (with) {
		buf_adds(&b, "<x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE' "
			     "type='hidden'><value>urn:xmpp:mam:2</value></field>"
			     "<field var='with'><value>");
		xml_esc(&b, with);
		buf_adds(&b, "</value></field></x>");
	}
	buf_printf(&b, "<set xmlns='http://jabber.org/protocol/rsm'><max>%d</max>", max);
	if (after) {
		buf_adds(&b, "<after>");
		xml_esc(&b, after);
		buf_adds(&b, "</after>");
	} else if (before) {
		buf_adds(&b, "<before>");
		xml_esc(&b, before);
		buf_adds(&b, "</before>");
	}
	buf_adds(&b, "</set></query></iq>");
	free(s->mam_from);
	s->mam_from = xstrdup(archive ? archive : s->bare);
	s->mam_fn = fn;
	s->mam_arg = arg;
	s->mam_count = 0;
	rc = iq_send(s, &b, s->mam_iq, &s->mam_w, e);
	if (rc < 0) {
		s->mam_fn = NULL;
		s->mam_qid[0] = 0;
		s->mam_iq[0] = 0;
		return rc;
	}
	/* libstrophe writes what is queued in its next turn: one now, so the
	 * server has the query while the caller works */
	xsess_pump(s, 0, -1);
	return 0;
}

int xsess_mam_wait(struct xsess *s, struct xmpp_mam_page *pg, struct err *e)
{
	xmpp_stanza_t *reply, *fin, *set, *c;
	int rc;

	memset(pg, 0, sizeof *pg);
	if (!s->mam_iq[0])
		return err_set(e, E_INTERNAL, "no archive query asked");
	rc = iq_wait(s, s->mam_iq, &s->mam_w, "archive", &reply, e);
	s->mam_fn = NULL;
	s->mam_qid[0] = 0;
	s->mam_iq[0] = 0;
	if (rc < 0)
		return rc;
	pg->count = s->mam_count;
	fin = child(reply, "fin", NS_MAM);
	if (!fin) {
		XS(xmpp_stanza_release)(reply);
		return err_set(e, E_PARSE, "the archive's answer has no <fin/>");
	}
	pg->complete = attr(fin, "complete") && (strcmp(attr(fin, "complete"), "true") == 0 ||
						  strcmp(attr(fin, "complete"), "1") == 0);
	set = child(fin, "set", "http://jabber.org/protocol/rsm");
	if ((c = child(set, "first", NULL)))
		pg->first = text_dup(c);
	if ((c = child(set, "last", NULL)))
		pg->last = text_dup(c);
	XS(xmpp_stanza_release)(reply);
	return 0;
}

int xsess_mam(struct xsess *s, const char *archive, const char *with, const char *after,
	      const char *before, int max, void (*fn)(void *arg, const struct xmpp_msg *m),
	      void *arg, struct xmpp_mam_page *pg, struct err *e)
{
	int rc;

	memset(pg, 0, sizeof *pg);
	if ((rc = xsess_mam_ask(s, archive, with, after, before, max, fn, arg, e)) < 0)
		return rc;
	return xsess_mam_wait(s, pg, e);
}

/* ---- rooms ----------------------------------------------------------------------- */

int xsess_is_room(struct xsess *s, const char *jid, struct err *e)
{
	struct buf b;
	char id[33];
	xmpp_stanza_t *reply, *q, *c;
	int rc, room = 0;

	iq_begin(&b, "get", jid, id);
	buf_adds(&b, "<query xmlns='http://jabber.org/protocol/disco#info'/></iq>");
	rc = iq(s, &b, id, "service discovery", &reply, e);
	if (rc == E_UNREACHABLE || rc == E_CANCELLED)
		return rc;
	if (rc < 0) { /* a user's account may not answer: not a room */
		err_clear(e);
		return 0;
	}
	q = child(reply, "query", "http://jabber.org/protocol/disco#info");
	for (c = q ? XS(xmpp_stanza_get_children)(q) : NULL; c; c = XS(xmpp_stanza_get_next)(c))
		if (XS(xmpp_stanza_is_tag)(c) && !strcmp(XS(xmpp_stanza_get_name)(c), "identity") &&
		    attr(c, "category") && !strcmp(attr(c, "category"), "conference"))
			room = 1;
	XS(xmpp_stanza_release)(reply);
	return room;
}

struct join_wait {
	const char *occupant; /* room/nick */
	int done, created, code;
	char why[256];
	void (*chain)(void *arg, const struct xmpp_pres *p);
	void *chain_arg;
};

static __thread struct join_wait *joining;

static void join_pres(void *arg, const struct xmpp_pres *p)
{
	struct join_wait *w = joining;

	if (w && !w->done && p->from && strcasecmp(p->from, w->occupant) == 0) {
		if (strcmp(p->type, "error") == 0) {
			w->done = 1;
			w->code = E_PERM;
			if (p->status && (strstr(p->status, "conflict") || strstr(p->status, "in use")))
				w->code = E_CONFLICT;
			snprintf(w->why, sizeof w->why, "%s", p->status ? p->status : "refused");
		} else if (p->self || strcmp(p->type, "") == 0) {
			w->done = 1;
			w->created = p->created;
		}
	}
	if (w && w->chain)
		w->chain(arg, p);
}

int xsess_muc_join(struct xsess *s, const char *room, const char *nick, const char *password,
		   int *created, struct err *e)
{
	struct join_wait w = { 0 };
	struct buf b;
	char *occ;
	int rc;

	*created = 0;
	if (!xmpp_jid_valid(room, 1) || !strchr(room, '@'))
		return err_set(e, E_USAGE, "\"%s\" is not a room like name@conference.example.org",
			       room);
	xasprintf(&occ, "%s/%s", room, nick);
	if (!xmpp_jid_valid(occ, 0)) {
		free(occ);
		return err_set(e, E_USAGE, "\"%s\" cannot be a nick", nick);
	}
	buf_init(&b);
	buf_adds(&b, "<presence");
	xml_attr(&b, "to", occ);
	buf_adds(&b, "><x xmlns='http://jabber.org/protocol/muc'><history maxstanzas='0'/>");
	if (password) {
		buf_adds(&b, "<password>");
		xml_esc(&b, password);
		buf_adds(&b, "</password>");
	}
	buf_adds(&b, "</x></presence>");
	w.occupant = occ;
	w.chain = s->cb.presence;
	w.chain_arg = s->cb.arg;
	s->cb.presence = join_pres;
	joining = &w;
	rc = send_xml(s, &b, e);
	if (rc == 0)
		rc = wait_for(s, &w.done, e);
	joining = NULL;
	s->cb.presence = w.chain;
	free(occ);
	if (rc < 0)
		return rc;
	if (w.code)
		return err_set(e, w.code, "%s refused us: %s", room, w.why);
	*created = w.created;
	return 0;
}

int xsess_muc_leave(struct xsess *s, const char *room, const char *nick, struct err *e)
{
	struct buf b;
	char *occ;

	xasprintf(&occ, "%s/%s", room, nick);
	buf_init(&b);
	buf_adds(&b, "<presence type='unavailable'");
	xml_attr(&b, "to", occ);
	buf_adds(&b, "/>");
	free(occ);
	return send_xml(s, &b, e);
}

int xsess_muc_configure(struct xsess *s, const char *room, const char *name, int persistent,
			int members_only, struct err *e)
{
	struct buf b;
	char id[33];

	iq_begin(&b, "set", room, id);
	buf_adds(&b, "<query xmlns='http://jabber.org/protocol/muc#owner'>"
		     "<x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE'>"
		     "<value>http://jabber.org/protocol/muc#roomconfig</value></field>");
	if (name) {
		buf_adds(&b, "<field var='muc#roomconfig_roomname'><value>");
		xml_esc(&b, name);
		buf_adds(&b, "</value></field>");
	}
	buf_printf(&b, "<field var='muc#roomconfig_persistentroom'><value>%d</value></field>"
		       "<field var='muc#roomconfig_membersonly'><value>%d</value></field>"
		       "<field var='muc#roomconfig_enablearchiving'><value>1</value></field>"
		       "<field var='muc#roomconfig_whois'><value>anyone</value></field>"
		       "</x></query></iq>", persistent ? 1 : 0, members_only ? 1 : 0);
	return iq(s, &b, id, "room configuration", NULL, e);
}

int xsess_muc_topic(struct xsess *s, const char *room, const char *topic, struct err *e)
{
	struct buf b;

	buf_init(&b);
	buf_adds(&b, "<message type='groupchat'");
	xml_attr(&b, "to", room);
	buf_adds(&b, "><subject>");
	xml_esc(&b, topic);
	buf_adds(&b, "</subject></message>");
	return send_xml(s, &b, e);
}

static int muc_admin(struct xsess *s, const char *room, const char *item_attr, const char *v,
		     const char *set_attr, const char *set_v, const char *reason, const char *what,
		     struct err *e)
{
	struct buf b;
	char id[33];

	iq_begin(&b, "set", room, id);
	buf_adds(&b, "<query xmlns='http://jabber.org/protocol/muc#admin'><item");
	xml_attr(&b, item_attr, v);
	xml_attr(&b, set_attr, set_v);
	buf_adds(&b, ">");
	if (reason) {
		buf_adds(&b, "<reason>");
		xml_esc(&b, reason);
		buf_adds(&b, "</reason>");
	}
	buf_adds(&b, "</item></query></iq>");
	return iq(s, &b, id, what, NULL, e);
}

int xsess_muc_invite(struct xsess *s, const char *room, const char *jid, const char *reason,
		     struct err *e)
{
	struct buf b;
	int rc;

	if (!xmpp_jid_valid(jid, 1))
		return err_set(e, E_USAGE, "\"%s\" is not a JID", jid);
	/* a member may enter a members-only room; an owner can make one,
	 * anyone else's attempt is refused and the invitation still goes */
	rc = muc_admin(s, room, "jid", jid, "affiliation", "member", NULL, "membership", e);
	if (rc < 0 && rc != E_PERM)
		return rc;
	buf_init(&b);
	buf_adds(&b, "<message");
	xml_attr(&b, "to", room);
	buf_adds(&b, "><x xmlns='http://jabber.org/protocol/muc#user'><invite");
	xml_attr(&b, "to", jid);
	buf_adds(&b, ">");
	if (reason) {
		buf_adds(&b, "<reason>");
		xml_esc(&b, reason);
		buf_adds(&b, "</reason>");
	}
	buf_adds(&b, "</invite></x></message>");
	return send_xml(s, &b, e);
}

int xsess_muc_kick(struct xsess *s, const char *room, const char *nick, const char *reason,
		   struct err *e)
{
	return muc_admin(s, room, "nick", nick, "role", "none", reason, "kick", e);
}

int xsess_muc_nick(struct xsess *s, const char *room, const char *nick, struct err *e)
{
	struct buf b;
	char *occ;

	xasprintf(&occ, "%s/%s", room, nick);
	if (!xmpp_jid_valid(occ, 0)) {
		free(occ);
		return err_set(e, E_USAGE, "\"%s\" cannot be a nick", nick);
	}
	buf_init(&b);
	buf_adds(&b, "<presence");
	xml_attr(&b, "to", occ);
	buf_adds(&b, "/>");
	free(occ);
	return send_xml(s, &b, e);
}

/* ---- bookmarks (XEP-0402) --------------------------------------------------------- */

int xsess_bookmarks(struct xsess *s, void (*fn)(void *arg, const struct xmpp_bookmark *bm),
		    void *arg, struct err *e)
{
	struct buf b;
	char id[33];
	xmpp_stanza_t *reply, *items, *c;
	int rc;

	iq_begin(&b, "get", NULL, id);
	buf_adds(&b, "<pubsub xmlns='http://jabber.org/protocol/pubsub'>"
		     "<items node='urn:xmpp:bookmarks:1'/></pubsub></iq>");
	rc = iq(s, &b, id, "bookmarks", &reply, e);
	if (rc == E_NOTFOUND)
		return 0; /* none stored yet */
	if (rc < 0)
		return rc;
	items = child(child(reply, "pubsub", "http://jabber.org/protocol/pubsub"), "items", NULL);
	for (c = items ? XS(xmpp_stanza_get_children)(items) : NULL; c;
	     c = XS(xmpp_stanza_get_next)(c)) {
		xmpp_stanza_t *conf, *n;
		struct xmpp_bookmark bm = { 0 };
		const char *aj;
		if (!XS(xmpp_stanza_is_tag)(c) || strcmp(XS(xmpp_stanza_get_name)(c), "item"))
			continue;
		conf = child(c, "conference", "urn:xmpp:bookmarks:1");
		if (!conf || !attr(c, "id") || !xmpp_jid_valid(attr(c, "id"), 1))
			continue;
		bm.room = attr_dup(c, "id");
		bm.name = attr_dup(conf, "name");
		aj = attr(conf, "autojoin");
		bm.autojoin = aj && (strcmp(aj, "true") == 0 || strcmp(aj, "1") == 0);
		if ((n = child(conf, "nick", NULL)))
			bm.nick = text_dup(n);
		fn(arg, &bm);
		free(bm.room);
		free(bm.name);
		free(bm.nick);
	}
	XS(xmpp_stanza_release)(reply);
	return 0;
}

int xsess_bookmark_set(struct xsess *s, const struct xmpp_bookmark *bm, int remove,
		       struct err *e)
{
	struct buf b;
	char id[33];

	iq_begin(&b, "set", NULL, id);
	if (remove) {
		buf_adds(&b, "<pubsub xmlns='http://jabber.org/protocol/pubsub'>"
			     "<retract node='urn:xmpp:bookmarks:1' notify='true'><item");
		xml_attr(&b, "id", bm->room);
		buf_adds(&b, "/></retract></pubsub></iq>");
		return iq(s, &b, id, "bookmarks", NULL, e);
	}
	buf_adds(&b, "<pubsub xmlns='http://jabber.org/protocol/pubsub'>"
		     "<publish node='urn:xmpp:bookmarks:1'><item");
	xml_attr(&b, "id", bm->room);
	buf_adds(&b, "><conference xmlns='urn:xmpp:bookmarks:1'");
	xml_attr(&b, "name", bm->name);
	buf_printf(&b, " autojoin='%s'>", bm->autojoin ? "true" : "false");
	if (bm->nick) {
		buf_adds(&b, "<nick>");
		xml_esc(&b, bm->nick);
		buf_adds(&b, "</nick>");
	}
	buf_adds(&b, "</conference></item></publish><publish-options><x xmlns='jabber:x:data' "
		     "type='submit'><field var='FORM_TYPE' type='hidden'><value>"
		     "http://jabber.org/protocol/pubsub#publish-options</value></field>"
		     "<field var='pubsub#persist_items'><value>true</value></field>"
		     "<field var='pubsub#max_items'><value>max</value></field>"
		     "<field var='pubsub#send_last_published_item'><value>never</value></field>"
		     "<field var='pubsub#access_model'><value>whitelist</value></field>"
		     "</x></publish-options></pubsub></iq>");
	return iq(s, &b, id, "bookmarks", NULL, e);
}

/* ---- file upload (XEP-0363) -------------------------------------------------------- */

static int has_feature(xmpp_stanza_t *reply, const char *var)
{
	xmpp_stanza_t *q = child(reply, "query", "http://jabber.org/protocol/disco#info"), *c;

	for (c = q ? XS(xmpp_stanza_get_children)(q) : NULL; c; c = XS(xmpp_stanza_get_next)(c))
		if (XS(xmpp_stanza_is_tag)(c) && strcmp(XS(xmpp_stanza_get_name)(c), "feature") == 0 &&
		    attr(c, "var") && strcmp(attr(c, "var"), var) == 0)
			return 1;
	return 0;
}

static int find_upload(struct xsess *s, struct err *e)
{
	struct buf b;
	char id[33];
	xmpp_stanza_t *reply, *q, *c;
	int rc;

	if (s->upload_host)
		return 0;
	iq_begin(&b, "get", s->domain, id);
	buf_adds(&b, "<query xmlns='http://jabber.org/protocol/disco#items'/></iq>");
	if ((rc = iq(s, &b, id, "service discovery", &reply, e)) < 0)
		return rc;
	q = child(reply, "query", "http://jabber.org/protocol/disco#items");
	for (c = q ? XS(xmpp_stanza_get_children)(q) : NULL; c && !s->upload_host;
	     c = XS(xmpp_stanza_get_next)(c)) {
		const char *jid = attr(c, "jid");
		xmpp_stanza_t *info;
		struct err ie;
		if (!jid || !XS(xmpp_stanza_is_tag)(c))
			continue;
		iq_begin(&b, "get", jid, id);
		buf_adds(&b, "<query xmlns='http://jabber.org/protocol/disco#info'/></iq>");
		if (iq(s, &b, id, "service discovery", &info, &ie) < 0)
			continue;
		if (has_feature(info, "urn:xmpp:http:upload:0"))
			s->upload_host = xstrdup(jid);
		XS(xmpp_stanza_release)(info);
	}
	XS(xmpp_stanza_release)(reply);
	if (!s->upload_host)
		return err_set(e, E_NOTFOUND, "%s offers no file upload (XEP-0363)", s->domain);
	return 0;
}

int xsess_upload_slot(struct xsess *s, const char *name, int64_t size, const char *type,
		      char **put_url, char **get_url, char ***headers, struct err *e)
{
	struct buf b;
	char id[33];
	xmpp_stanza_t *reply, *slot, *put, *get, *c;
	size_t nh = 0;
	int rc;

	*put_url = *get_url = NULL;
	*headers = NULL;
	if ((rc = find_upload(s, e)) < 0)
		return rc;
	iq_begin(&b, "get", s->upload_host, id);
	buf_adds(&b, "<request xmlns='urn:xmpp:http:upload:0'");
	xml_attr(&b, "filename", name);
	buf_printf(&b, " size='%lld'", (long long)size);
	xml_attr(&b, "content-type", type);
	buf_adds(&b, "/></iq>");
	if ((rc = iq(s, &b, id, "upload slot", &reply, e)) < 0)
		return rc;
	slot = child(reply, "slot", "urn:xmpp:http:upload:0");
	put = child(slot, "put", NULL);
	get = child(slot, "get", NULL);
	if (!put || !get || !attr(put, "url") || !attr(get, "url") ||
	    strncmp(attr(put, "url"), "https://", 8) != 0 ||
	    strncmp(attr(get, "url"), "https://", 8) != 0) {
		XS(xmpp_stanza_release)(reply);
		return err_set(e, E_PARSE, "the upload service gave no https:// slot");
	}
	*put_url = attr_dup(put, "url");
	*get_url = attr_dup(get, "url");
	*headers = xcalloc(4, sizeof **headers);
	for (c = XS(xmpp_stanza_get_children)(put); c && nh < 3; c = XS(xmpp_stanza_get_next)(c)) {
		const char *hn = attr(c, "name");
		char *v;
		if (!XS(xmpp_stanza_is_tag)(c) || strcmp(XS(xmpp_stanza_get_name)(c), "header") || !hn)
			continue;
		/* XEP-0363: only these may be set, and no line breaks */
		if (strcasecmp(hn, "Authorization") && strcasecmp(hn, "Cookie") &&
		    strcasecmp(hn, "Expires"))
			continue;
		v = text_dup(c);
		if (!strpbrk(v, "\r\n"))
			xasprintf(&(*headers)[nh++], "%s: %s", hn, v);
		free(v);
	}
	XS(xmpp_stanza_release)(reply);
	return 0;
}
