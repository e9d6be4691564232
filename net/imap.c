/*
 * imap.c - IMAP over libetpan, both loaded on first use; see imap.h.
 *
 * libetpan checks no certificate: every handshake here is followed by
 * imap_tls_check on the chain libetpan hands over, before a password or a
 * command leaves. Its calls block, so a session lives on one thread; a
 * cancel from another thread shuts the socket down (through a dup of it
 * that only this file closes, so a reused descriptor number is never hit)
 * and, once the session is up, also calls mailstream_cancel.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <libetpan/libetpan.h>

#include "net/imap.h"

/* ---- the libraries ------------------------------------------------------- */

#define ETPAN_FNS(X)                                                                      \
	X(mailimap_new) X(mailimap_free) X(mailimap_set_timeout) X(mailimap_connect)        \
	X(mailimap_socket_starttls_with_callback) X(mailimap_capability)                    \
	X(mailimap_capability_data_free) X(mailimap_login) X(mailimap_logout)               \
	X(mailimap_list) X(mailimap_list_result_free) X(mailimap_select)                    \
	X(mailimap_examine) X(mailimap_select_condstore) X(mailimap_examine_condstore)      \
	X(mailimap_uid_search) X(mailimap_search_key_new_uid) X(mailimap_search_key_free)   \
	X(mailimap_search_result_free) X(mailimap_set_new_interval)                         \
	X(mailimap_set_new_empty) X(mailimap_set_add_interval) X(mailimap_set_free)         \
	X(mailimap_fetch_type_new_fetch_att_list_empty)                                     \
	X(mailimap_fetch_type_new_fetch_att_list_add) X(mailimap_fetch_type_free)           \
	X(mailimap_fetch_att_new_uid) X(mailimap_fetch_att_new_flags)                       \
	X(mailimap_fetch_att_new_internaldate) X(mailimap_fetch_att_new_rfc822_size)        \
	X(mailimap_fetch_att_new_envelope) X(mailimap_fetch_att_new_bodystructure)          \
	X(mailimap_fetch_att_new_body_peek_section) X(mailimap_fetch_att_free)              \
	X(mailimap_section_new) X(mailimap_section_new_header_fields)                       \
	X(mailimap_header_list_new) X(mailimap_uid_fetch) X(mailimap_fetch_list_free)       \
	X(mailimap_store_att_flags_new_add_flags_silent)                                    \
	X(mailimap_store_att_flags_new_remove_flags_silent)                                 \
	X(mailimap_store_att_flags_new_set_flags_silent) X(mailimap_store_att_flags_free)   \
	X(mailimap_flag_list_new_empty) X(mailimap_flag_list_add) X(mailimap_flag_new_seen) \
	X(mailimap_flag_new_answered) X(mailimap_flag_new_flagged)                          \
	X(mailimap_flag_new_deleted) X(mailimap_flag_new_draft)                             \
	X(mailimap_flag_new_flag_keyword) X(mailimap_flag_list_free) X(mailimap_uid_store)        \
	X(mailimap_append) X(mailimap_uidplus_append) X(mailimap_date_time_new)                \
	X(mailimap_uid_copy) X(mailimap_uid_move) X(mailimap_uidplus_uid_copy)               \
	X(mailimap_uidplus_uid_move) X(mailimap_uid_expunge) X(mailimap_expunge)                \
	X(mailimap_uid_fetch_changedsince) X(mailimap_idle) X(mailimap_idle_done)                \
	X(mailimap_idle_get_fd) X(mailimap_search_key_new) X(mailimap_search_key_new_multiple_empty) \
	X(mailimap_search_key_multiple_add) X(mailimap_date_new) X(mailimap_create) X(mailimap_delete) \
	X(mailimap_rename) X(mailimap_subscribe) X(mailimap_unsubscribe)                \
	X(mailimap_date_time_free) X(clist_new)                \
	X(clist_insert_after) X(clist_free) X(mailstream_socket_open_timeout)               \
	X(mailstream_ssl_open_with_callback_timeout) X(mailstream_ssl_set_server_name)      \
	X(mailstream_close) X(mailstream_cancel) X(mailstream_get_low)                      \
	X(mailstream_low_get_fd) X(mailstream_get_certificate_chain)                        \
	X(mailstream_certificate_chain_free) X(mailstream_network_delay)                   \
	X(mailimap_set_msg_att_handler) X(mailimap_set_progress_callback)

#define GNUTLS_FNS(X)                                                                    \
	X(gnutls_x509_crt_init) X(gnutls_x509_crt_deinit) X(gnutls_x509_crt_import)        \
	X(gnutls_x509_crt_check_hostname2) X(gnutls_x509_trust_list_init)                  \
	X(gnutls_x509_trust_list_deinit) X(gnutls_x509_trust_list_add_trust_file)          \
	X(gnutls_x509_trust_list_add_system_trust) X(gnutls_x509_trust_list_verify_crt2)   \
	X(gnutls_certificate_verification_status_print) X(gnutls_free)                     \
	X(gnutls_protocol_get_version) X(gnutls_protocol_get_name)

#define AS_ENUM(f) ET_##f,
#define AS_NAME(f) #f,
enum { ETPAN_FNS(AS_ENUM) ET_N };
#undef AS_ENUM
#define AS_ENUM(f) GT_##f,
enum { GNUTLS_FNS(AS_ENUM) GT_N };

static void *et_fn[ET_N];
static void *gt_fn[GT_N];
static const char *const et_names[ET_N + 1] = { ETPAN_FNS(AS_NAME) NULL };
static const char *const gt_names[GT_N + 1] = { GNUTLS_FNS(AS_NAME) NULL };

/* Call sites name the function as declared in the headers. */
#define ET(f) ((__typeof__(&f))et_fn[ET_##f])
#define GT(f) ((__typeof__(&f))gt_fn[GT_##f])

static struct dl_lib etpan_lib = {
	.soname = "libetpan.so.20", .pkg = "libetpan20", .names = et_names, .slots = et_fn,
};
static struct dl_lib gnutls_lib = {
	.soname = "libgnutls.so.30", .pkg = "libgnutls30", .names = gt_names, .slots = gt_fn,
};

static int gt_load(struct err *e)
{
	return dl_load(&gnutls_lib, e) < 0 ? e->code : 0;
}

static int et_load(int timeout_s, struct err *e)
{
	static int inited;

	if (dl_load(&etpan_lib, e) < 0 || gt_load(e) < 0)
		return e->code;
	/* the global default (300 s) applies to the TLS handshake's waits;
	 * set once, before any session exists */
	if (!__atomic_exchange_n(&inited, 1, __ATOMIC_ACQ_REL)) {
		struct sigaction sa;
		ET(mailstream_network_delay)->tv_sec = timeout_s;
		ET(mailstream_network_delay)->tv_usec = 0;
		/* libetpan writes with write(): a server gone (or a socket a
		 * cancel shut down) must not kill the process (main.c ignores
		 * SIGPIPE too; this is for every other user of net/) */
		if (sigaction(SIGPIPE, NULL, &sa) == 0 && sa.sa_handler == SIG_DFL)
			signal(SIGPIPE, SIG_IGN);
	}
	return 0;
}

/* ---- flags, special use, headers ---------------------------------------------- */

static const struct {
	const char *name;
	unsigned bit;
} flag_names[] = {
	{ "\\Seen", IMAP_F_SEEN },	   { "\\Answered", IMAP_F_ANSWERED },
	{ "\\Flagged", IMAP_F_FLAGGED },   { "\\Deleted", IMAP_F_DELETED },
	{ "\\Draft", IMAP_F_DRAFT },	   { "\\Recent", IMAP_F_RECENT },
	{ "$Forwarded", IMAP_F_FORWARDED }, { "$Junk", IMAP_F_JUNK },
	{ "$NotJunk", IMAP_F_NOTJUNK },	   { "$MDNSent", IMAP_F_MDNSENT },
};

unsigned imap_flag_parse(const char *name)
{
	for (size_t i = 0; name && i < nitems(flag_names); i++)
		if (strcasecmp(name, flag_names[i].name) == 0)
			return flag_names[i].bit;
	return 0;
}

void imap_flags_format(unsigned flags, char *out, size_t n)
{
	size_t len = 0;

	if (n == 0)
		return;
	out[0] = 0;
	for (size_t i = 0; i < nitems(flag_names); i++) {
		if (!(flags & flag_names[i].bit))
			continue;
		int w = snprintf(out + len, n - len, "%s%s", len ? " " : "", flag_names[i].name);
		if (w < 0 || (size_t)w >= n - len) {
			out[len] = 0; /* never half a name */
			return;
		}
		len += (size_t)w;
	}
}

static const char *const special_names[] = {
	[IMAP_SP_NONE] = "",	       [IMAP_SP_INBOX] = "inbox", [IMAP_SP_DRAFTS] = "drafts",
	[IMAP_SP_SENT] = "sent",       [IMAP_SP_TRASH] = "trash", [IMAP_SP_JUNK] = "junk",
	[IMAP_SP_ARCHIVE] = "archive", [IMAP_SP_ALL] = "all",	  [IMAP_SP_FLAGGED] = "flagged",
};

enum imap_special imap_special_parse(const char *flag)
{
	if (!flag)
		return IMAP_SP_NONE;
	if (*flag == '\\')
		flag++;
	for (size_t i = IMAP_SP_DRAFTS; i < nitems(special_names); i++)
		if (strcasecmp(flag, special_names[i]) == 0)
			return (enum imap_special)i;
	return IMAP_SP_NONE;
}

const char *imap_special_name(enum imap_special sp)
{
	return (size_t)sp < nitems(special_names) ? special_names[sp] : "";
}

char *imap_header_value(const char *hdr, size_t len, const char *name)
{
	size_t nl = strlen(name), i = 0;

	while (i < len) {
		size_t eol = i;
		while (eol < len && hdr[eol] != '\n')
			eol++;
		if (eol - i > nl && hdr[i + nl] == ':' && strncasecmp(hdr + i, name, nl) == 0) {
			struct buf b;
			size_t p = i + nl + 1;
			buf_init(&b);
			for (;;) { /* this line and its continuations */
				size_t end = eol;
				if (end > p && hdr[end - 1] == '\r')
					end--;
				buf_add(&b, hdr + p, end - p);
				if (eol + 1 >= len || (hdr[eol + 1] != ' ' && hdr[eol + 1] != '\t'))
					break;
				p = eol + 1;
				eol = p;
				while (eol < len && hdr[eol] != '\n')
					eol++;
			}
			/* the value without the blanks around it */
			size_t a = 0, z = b.len;
			while (a < z && (b.data[a] == ' ' || b.data[a] == '\t'))
				a++;
			while (z > a && (b.data[z - 1] == ' ' || b.data[z - 1] == '\t'))
				z--;
			char *v = xstrndup(b.data ? b.data + a : "", z - a);
			buf_free(&b);
			return v;
		}
		i = eol + 1;
	}
	return NULL;
}

void imap_mailboxes_free(struct imap_mailbox *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i].name);
	free(v);
}

static void addrs_free(struct imap_addr *a, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(a[i].name);
		free(a[i].email);
	}
	free(a);
}

static void msg_clear(struct imap_msg *m)
{
	free(m->date);
	free(m->subject);
	addrs_free(m->from, m->nfrom);
	addrs_free(m->to, m->nto);
	addrs_free(m->cc, m->ncc);
	free(m->message_id);
	free(m->in_reply_to);
	free(m->references);
	memset(m, 0, sizeof *m);
}

void imap_msgs_free(struct imap_msg *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		msg_clear(&v[i]);
	free(v);
}

/* ---- the URL ---------------------------------------------------------------- */

int imap_parse_url(const char *url, int *implicit_tls, char host[256], int *port, struct err *e)
{
	const char *p, *h, *hend;
	size_t hl;

	if (!url)
		return err_set(e, E_USAGE, "no IMAP URL");
	if (strncasecmp(url, "imaps://", 8) == 0) {
		*implicit_tls = 1;
		*port = 993;
		p = url + 8;
	} else if (strncasecmp(url, "imap://", 7) == 0) {
		*implicit_tls = 0;
		*port = 143;
		p = url + 7;
	} else {
		return err_set(e, E_USAGE, "%s: an IMAP URL starts with imaps:// or imap://", url);
	}
	if (*p == '[') {
		h = p + 1;
		hend = strchr(h, ']');
		if (!hend)
			return err_set(e, E_USAGE, "%s: no ] after the IPv6 address", url);
		p = hend + 1;
	} else {
		h = p;
		hend = p + strcspn(p, ":/");
		p = hend;
	}
	hl = (size_t)(hend - h);
	if (hl == 0 || hl >= 256)
		return err_set(e, E_USAGE, "%s: no host name", url);
	for (const char *q = h; q < hend; q++)
		if ((unsigned char)*q <= ' ' || *q == '@' || *q == '?' || *q == '#')
			return err_set(e, E_USAGE, "%s: not a host name", url);
	memcpy(host, h, hl);
	host[hl] = 0;
	if (*p == ':') {
		char *end;
		long v = strtol(p + 1, &end, 10);
		if (end == p + 1 || v < 1 || v > 65535)
			return err_set(e, E_USAGE, "%s: bad port", url);
		*port = (int)v;
		p = end;
	}
	if (*p == '/')
		p++;
	if (*p)
		return err_set(e, E_USAGE, "%s: unexpected text after the host and port", url);
	return 0;
}

/* ---- the TLS check --------------------------------------------------------------- */

static int pin_listed(const char *pins, const char *pin)
{
	size_t pl = strlen(pin);

	for (const char *p = pins; p && *p;) {
		while (*p == ' ' || *p == ';')
			p++;
		size_t n = strcspn(p, "; ");
		if (n == pl && memcmp(p, pin, n) == 0)
			return 1;
		p += n;
	}
	return 0;
}

int imap_tls_check(const struct imap_der *chain, size_t n, const char *host,
		   const struct net_tls *t, char pin[NET_PIN_MAX], struct err *e)
{
	gnutls_x509_crt_t *crts;
	struct err pe;
	size_t got = 0;
	int rc = 0;
	int has_ca = t->ca_file && *t->ca_file, has_pin = t->pins && *t->pins;

	pin[0] = 0;
	if (gt_load(e) < 0)
		return e->code;
	if (n == 0)
		return err_set(e, E_TLS, "%s sent no certificate", host);
	if (net_spki_pin_der(chain[0].data, chain[0].len, pin, &pe) < 0)
		return err_set(e, E_TLS, "%s sent a certificate that does not parse", host);
	crts = xcalloc(n, sizeof *crts);
	for (; got < n; got++) {
		gnutls_datum_t d = { (unsigned char *)chain[got].data, (unsigned)chain[got].len };
		if (GT(gnutls_x509_crt_init)(&crts[got]) < 0)
			break;
		if (GT(gnutls_x509_crt_import)(crts[got], &d, GNUTLS_X509_FMT_DER) < 0) {
			got++;
			rc = err_set(e, E_TLS, "%s sent a certificate that does not parse (the "
				     "server's key is %s)", host, pin);
			goto out;
		}
	}
	if (got < n) {
		rc = err_set(e, E_INTERNAL, "GnuTLS cannot hold a certificate");
		goto out;
	}
	/* the name is checked with a pin alone too (net.h) */
	if (!GT(gnutls_x509_crt_check_hostname2)(crts[0], host, 0)) {
		rc = err_set(e, E_TLS, "the certificate of %s is not for that name (the server's key "
			     "is %s)", host, pin);
		goto out;
	}
	if (has_pin && !pin_listed(t->pins, pin)) {
		rc = err_set(e, E_TLS, "the key of %s is not the pinned one: the server's key is %s",
			     host, pin);
		goto out;
	}
	if (has_ca || !has_pin) {
		gnutls_x509_trust_list_t list;
		gnutls_typed_vdata_st vd = { .type = GNUTLS_DT_DNS_HOSTNAME,
					     .data = (unsigned char *)host, .size = 0 };
		unsigned status = 0;
		int r;

		if (GT(gnutls_x509_trust_list_init)(&list, 0) < 0) {
			rc = err_set(e, E_INTERNAL, "GnuTLS cannot make a trust list");
			goto out;
		}
		if (has_ca)
			r = GT(gnutls_x509_trust_list_add_trust_file)(list, t->ca_file, NULL,
								       GNUTLS_X509_FMT_PEM, 0, 0);
		else
			r = GT(gnutls_x509_trust_list_add_system_trust)(list, 0, 0);
		if (r <= 0) {
			GT(gnutls_x509_trust_list_deinit)(list, 1);
			rc = err_set(e, E_TLS, "no CA certificate in %s to check %s with (the server's "
				     "key is %s)", has_ca ? t->ca_file : "the system's store", host, pin);
			goto out;
		}
		r = GT(gnutls_x509_trust_list_verify_crt2)(list, crts, (unsigned)n, &vd, 1, 0, &status,
							   NULL);
		GT(gnutls_x509_trust_list_deinit)(list, 1);
		if (r < 0 || status != 0) {
			gnutls_datum_t why = { NULL, 0 };
			if (r >= 0)
				GT(gnutls_certificate_verification_status_print)(status, GNUTLS_CRT_X509,
										  &why, 0);
			rc = err_set(e, E_TLS, "the certificate of %s is not trusted%s%s: the server's "
				     "key is %s", host, has_ca ? " by " : "", has_ca ? t->ca_file : "", pin);
			if (why.data) {
				size_t l = strlen(e->msg);
				snprintf(e->msg + l, sizeof e->msg - l, " (%s)", (char *)why.data);
				(*GT(gnutls_free))(why.data);
			}
			goto out;
		}
	}
out:
	for (size_t i = 0; i < got; i++)
		GT(gnutls_x509_crt_deinit)(crts[i]);
	free(crts);
	return rc;
}

/* ---- the session ------------------------------------------------------------------ */

struct imap_session {
	char *user, *password;
	struct net_tls tls;
	char host[256];
	int port, implicit, timeout_s;
	mailimap *imap;
	char pin[NET_PIN_MAX];
	char *selected; /* the mailbox selected, or NULL */
	int selected_ro;
	struct imap_selected sel;
	/* shared with imap_session_cancel, under lock */
	pthread_mutex_t lock;
	int cancelled;
	int cancel_fd;      /* a dup of the socket: shutdown() wakes every wait */
	mailstream *stream; /* set only while libetpan cannot free it */
	int wake[2];        /* wakes the connect wait */
};

int imap_session_new(const struct imap_account *a, struct imap_session **out, struct err *e)
{
	struct imap_session *s;
	int rc, implicit, port, timeout_s = a->timeout_s > 0 ? a->timeout_s : 20;
	char host[256];

	*out = NULL;
	if ((rc = imap_parse_url(a->url, &implicit, host, &port, e)) < 0)
		return rc;
	if (a->tls.pins && *a->tls.pins && !net_pins_valid(a->tls.pins))
		return err_set(e, E_USAGE, "%s: a pin is sha256// and 44 base64 characters",
			       a->tls.pins);
	if ((rc = et_load(timeout_s, e)) < 0)
		return rc;
	s = xcalloc(1, sizeof *s);
	if (pipe2(s->wake, O_CLOEXEC | O_NONBLOCK) < 0) {
		free(s);
		return err_set(e, E_IO, "pipe: %s", strerror(errno));
	}
	memcpy(s->host, host, sizeof host);
	s->port = port;
	s->implicit = implicit;
	s->timeout_s = timeout_s;
	s->user = a->user ? xstrdup(a->user) : NULL;
	s->password = a->password ? xstrdup(a->password) : NULL;
	s->tls.ca_file = a->tls.ca_file ? xstrdup(a->tls.ca_file) : NULL;
	s->tls.pins = a->tls.pins ? xstrdup(a->tls.pins) : NULL;
	s->cancel_fd = -1;
	pthread_mutex_init(&s->lock, NULL);
	*out = s;
	return 0;
}

/* Close the connection (no LOGOUT). */
static void drop(struct imap_session *s)
{
	pthread_mutex_lock(&s->lock);
	s->stream = NULL;
	if (s->cancel_fd >= 0)
		close(s->cancel_fd);
	s->cancel_fd = -1;
	pthread_mutex_unlock(&s->lock);
	if (s->imap)
		ET(mailimap_free)(s->imap); /* closes its stream and socket */
	s->imap = NULL;
	free(s->selected);
	s->selected = NULL;
}

void imap_session_free(struct imap_session *s)
{
	if (!s)
		return;
	drop(s);
	close(s->wake[0]);
	close(s->wake[1]);
	pthread_mutex_destroy(&s->lock);
	free(s->user);
	if (s->password) {
		explicit_bzero(s->password, strlen(s->password));
		free(s->password);
	}
	free(s->tls.ca_file);
	free(s->tls.pins);
	free(s);
}

void imap_session_cancel(struct imap_session *s)
{
	pthread_mutex_lock(&s->lock);
	s->cancelled = 1;
	if (write(s->wake[1], "x", 1) < 0) {
		/* full: a wake-up is pending anyway */
	}
	if (s->stream)
		ET(mailstream_cancel)(s->stream);
	if (s->cancel_fd >= 0)
		shutdown(s->cancel_fd, SHUT_RDWR);
	pthread_mutex_unlock(&s->lock);
}

void imap_session_reset(struct imap_session *s)
{
	char junk[64];

	drop(s);
	pthread_mutex_lock(&s->lock);
	s->cancelled = 0;
	while (read(s->wake[0], junk, sizeof junk) > 0)
		;
	pthread_mutex_unlock(&s->lock);
}

static int is_cancelled(struct imap_session *s)
{
	int c;

	pthread_mutex_lock(&s->lock);
	c = s->cancelled;
	pthread_mutex_unlock(&s->lock);
	return c;
}

int imap_is_open(const struct imap_session *s)
{
	return s->imap != NULL;
}

const char *imap_server_pin(const struct imap_session *s)
{
	return s->pin;
}

/* What a failed libetpan call means; the connection is dropped when it
 * cannot be trusted to be in step any more. */
static int fail(struct imap_session *s, int r, const char *what, struct err *e)
{
	const char *said = s->imap && s->imap->imap_response ? s->imap->imap_response : "";
	char text[200];

	snprintf(text, sizeof text, "%s", said); /* before drop frees it */
	if (is_cancelled(s)) {
		drop(s);
		return err_set(e, E_CANCELLED, "%s: cancelled", what);
	}
	switch (r) {
	case MAILIMAP_ERROR_STREAM:
	case MAILIMAP_ERROR_CONNECTION_REFUSED:
	case MAILIMAP_ERROR_DONT_ACCEPT_CONNECTION:
		drop(s);
		return err_set(e, E_UNREACHABLE, "%s: the connection to %s:%d failed or timed out",
			       what, s->host, s->port);
	case MAILIMAP_ERROR_PARSE:
		drop(s);
		return err_set(e, E_PARSE, "%s: the answer of %s does not parse", what, s->host);
	case MAILIMAP_ERROR_LOGIN:
		return err_set(e, E_AUTH, "%s: %s refused the login%s%s", what, s->host,
			       *text ? ": " : "", text);
	case MAILIMAP_ERROR_SELECT:
	case MAILIMAP_ERROR_EXAMINE:
		return err_set(e, E_NOTFOUND, "%s%s%s", what, *text ? ": " : "", text);
	case MAILIMAP_ERROR_MEMORY:
		fatal("out of memory in libetpan");
	default:
		return err_set(e, E_IO, "%s: %s said no%s%s", what, s->host, *text ? ": " : "", text);
	}
}

/* A TCP connection that a cancel or the timeout ends. */
static int tcp_connect(struct imap_session *s, struct err *e)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_ADDRCONFIG }, *res;
	char port[8];
	int rc, fd = -1, last = 0;

	snprintf(port, sizeof port, "%d", s->port);
	rc = getaddrinfo(s->host, port, &hints, &res);
	if (rc != 0)
		return err_set(e, E_UNREACHABLE, "%s: %s", s->host, gai_strerror(rc));
	for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
		struct pollfd p[2];
		int n, soerr = 0;
		socklen_t sl = sizeof soerr;

		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
			    ai->ai_protocol);
		if (fd < 0) {
			last = errno;
			continue;
		}
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		if (errno != EINPROGRESS) {
			last = errno;
			goto next;
		}
		p[0] = (struct pollfd){ .fd = fd, .events = POLLOUT };
		p[1] = (struct pollfd){ .fd = s->wake[0], .events = POLLIN };
		do
			n = poll(p, 2, s->timeout_s * 1000);
		while (n < 0 && errno == EINTR);
		if (p[1].revents || is_cancelled(s)) {
			close(fd);
			freeaddrinfo(res);
			return err_set(e, E_CANCELLED, "connecting to %s: cancelled", s->host);
		}
		if (n == 0) {
			last = ETIMEDOUT;
			goto next;
		}
		getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl);
		if (soerr == 0)
			break;
		last = soerr;
next:
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd < 0)
		return err_set(e, E_UNREACHABLE, "cannot connect to %s:%d: %s", s->host, s->port,
			       strerror(last ? last : ECONNREFUSED));
	/* libetpan wants a blocking socket for the handshake */
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	pthread_mutex_lock(&s->lock);
	if (s->cancelled) {
		pthread_mutex_unlock(&s->lock);
		close(fd);
		return err_set(e, E_CANCELLED, "connecting to %s: cancelled", s->host);
	}
	s->cancel_fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	pthread_mutex_unlock(&s->lock);
	return fd;
}

/* SNI, for names only (never for an address literal). */
static void sni(struct mailstream_ssl_context *ctx, void *arg)
{
	struct imap_session *s = arg;

	if (!strchr(s->host, ':') && strspn(s->host, "0123456789.") != strlen(s->host))
		ET(mailstream_ssl_set_server_name)(ctx, s->host);
}

/* libetpan 1.9's private data of a GnuTLS stream starts with these two
 * fields; the descriptor is compared before the session is trusted. */
struct etpan_tls_data {
	int fd;
	gnutls_session_t session;
};

/* The chain and the protocol version of a fresh TLS stream. */
static int verify_stream(struct imap_session *s, mailstream *st, struct err *e)
{
	carray *chain = ET(mailstream_get_certificate_chain)(st);
	struct imap_der der[16] = { { NULL, 0 } };
	size_t n = 0;
	mailstream_low *low;
	struct etpan_tls_data *d;
	int rc, v;

	for (unsigned i = 0; chain && i < carray_count(chain) && n < nitems(der); i++) {
		MMAPString *str = carray_get(chain, i);
		der[n++] = (struct imap_der){ (const unsigned char *)str->str, str->len };
	}
	rc = imap_tls_check(der, n, s->host, &s->tls, s->pin, e);
	if (chain)
		ET(mailstream_certificate_chain_free)(chain);
	if (rc < 0)
		return rc;
	low = ET(mailstream_get_low)(st);
	d = low ? low->data : NULL;
	if (!d || d->fd != ET(mailstream_low_get_fd)(low))
		return err_set(e, E_TLS, "cannot tell the TLS version of the connection to %s "
			       "(an unknown libetpan)", s->host);
	v = GT(gnutls_protocol_get_version)(d->session);
	if (v != GNUTLS_TLS1_2 && v != GNUTLS_TLS1_3)
		return err_set(e, E_TLS, "%s speaks %s: TLS 1.2 at least is required", s->host,
			       GT(gnutls_protocol_get_name)(v) ? GT(gnutls_protocol_get_name)(v) : "?");
	return 0;
}

static int caps_have(struct mailimap_capability_data *cd, const char *name)
{
	if (!cd || !cd->cap_list)
		return 0;
	for (clistiter *it = clist_begin(cd->cap_list); it; it = clist_next(it)) {
		struct mailimap_capability *c = clist_content(it);
		if (c->cap_type == MAILIMAP_CAPABILITY_NAME && c->cap_data.cap_name &&
		    strcasecmp(c->cap_data.cap_name, name) == 0)
			return 1;
	}
	return 0;
}

int imap_has_cap(struct imap_session *s, const char *name)
{
	if (!s->imap || !s->imap->imap_connection_info)
		return 0;
	return caps_have(s->imap->imap_connection_info->imap_capability, name);
}

/* Ask for the capabilities again (after STARTTLS or a login they change). */
static int refresh_caps(struct imap_session *s, struct err *e)
{
	struct mailimap_capability_data *cd = NULL;
	int r = ET(mailimap_capability)(s->imap, &cd);

	if (r != MAILIMAP_NO_ERROR)
		return fail(s, r, "CAPABILITY", e);
	ET(mailimap_capability_data_free)(cd); /* libetpan keeps its own copy */
	return 0;
}

static int open_tls(struct imap_session *s, int fd, struct err *e)
{
	mailstream *st = ET(mailstream_ssl_open_with_callback_timeout)(fd, s->timeout_s, sni, s);
	int rc, r;

	if (!st) {
		close(fd);
		if (is_cancelled(s)) {
			drop(s);
			return err_set(e, E_CANCELLED, "TLS with %s: cancelled", s->host);
		}
		drop(s);
		return err_set(e, E_TLS, "the TLS handshake with %s:%d failed", s->host, s->port);
	}
	if ((rc = verify_stream(s, st, e)) < 0) {
		ET(mailstream_close)(st);
		drop(s);
		return rc;
	}
	s->imap = ET(mailimap_new)(0, NULL);
	ET(mailimap_set_timeout)(s->imap, s->timeout_s);
	r = ET(mailimap_connect)(s->imap, st); /* the session owns st now */
	if (r != MAILIMAP_NO_ERROR_AUTHENTICATED && r != MAILIMAP_NO_ERROR_NON_AUTHENTICATED)
		return fail(s, MAILIMAP_ERROR_STREAM, "greeting", e);
	return 0;
}

static int open_starttls(struct imap_session *s, int fd, struct err *e)
{
	mailstream *st = ET(mailstream_socket_open_timeout)(fd, s->timeout_s);
	int rc, r;

	if (!st) {
		close(fd);
		drop(s);
		return err_set(e, E_INTERNAL, "libetpan cannot wrap a socket");
	}
	s->imap = ET(mailimap_new)(0, NULL);
	ET(mailimap_set_timeout)(s->imap, s->timeout_s);
	r = ET(mailimap_connect)(s->imap, st);
	if (r != MAILIMAP_NO_ERROR_AUTHENTICATED && r != MAILIMAP_NO_ERROR_NON_AUTHENTICATED)
		return fail(s, MAILIMAP_ERROR_STREAM, "greeting", e);
	if (!imap_has_cap(s, "STARTTLS") && (rc = refresh_caps(s, e)) < 0)
		return rc;
	if (!imap_has_cap(s, "STARTTLS")) {
		drop(s);
		return err_set(e, E_TLS, "%s:%d does not offer STARTTLS: atrium does not talk to a "
			       "mail server in plaintext (use imaps:// if it has implicit TLS)",
			       s->host, s->port);
	}
	r = ET(mailimap_socket_starttls_with_callback)(s->imap, sni, s);
	if (r != MAILIMAP_NO_ERROR) {
		if (is_cancelled(s))
			return fail(s, r, "STARTTLS", e);
		drop(s);
		return err_set(e, E_TLS, "STARTTLS with %s:%d failed", s->host, s->port);
	}
	if ((rc = verify_stream(s, s->imap->imap_stream, e)) < 0) {
		drop(s);
		return rc;
	}
	/* what the server said before TLS is not to be believed */
	return refresh_caps(s, e);
}

int imap_open(struct imap_session *s, struct err *e)
{
	int fd, rc, r;

	if (s->imap)
		return 0;
	if (is_cancelled(s))
		return err_set(e, E_CANCELLED, "cancelled");
	s->pin[0] = 0;
	if ((fd = tcp_connect(s, e)) < 0)
		return fd;
	rc = s->implicit ? open_tls(s, fd, e) : open_starttls(s, fd, e);
	if (rc < 0)
		return rc;
	/* from here on libetpan keeps the stream until LOGOUT or free */
	pthread_mutex_lock(&s->lock);
	s->stream = s->imap->imap_stream;
	pthread_mutex_unlock(&s->lock);
	if (is_cancelled(s))
		return fail(s, MAILIMAP_ERROR_STREAM, "login", e);
	r = ET(mailimap_login)(s->imap, s->user ? s->user : "", s->password ? s->password : "");
	if (r != MAILIMAP_NO_ERROR) {
		rc = fail(s, r, "login", e);
		if (rc == E_AUTH)
			drop(s);
		return rc;
	}
	return refresh_caps(s, e);
}

int imap_list(struct imap_session *s, struct imap_mailbox **out, size_t *n, struct err *e)
{
	clist *list = NULL;
	struct imap_mailbox *v = NULL;
	size_t cnt = 0;
	int r;

	*out = NULL;
	*n = 0;
	if (!s->imap)
		return err_set(e, E_INTERNAL, "LIST without a connection");
	r = ET(mailimap_list)(s->imap, "", "*", &list);
	if (r != MAILIMAP_NO_ERROR)
		return fail(s, r, "LIST", e);
	v = xcalloc(clist_count(list) + 1, sizeof *v);
	for (clistiter *it = clist_begin(list); it; it = clist_next(it)) {
		struct mailimap_mailbox_list *mb = clist_content(it);
		struct imap_mailbox *m = &v[cnt++];
		m->name = xstrdup(mb->mb_name);
		m->delim = mb->mb_delimiter;
		if (strcasecmp(mb->mb_name, "INBOX") == 0)
			m->special = IMAP_SP_INBOX;
		if (!mb->mb_flag)
			continue;
		if (mb->mb_flag->mbf_type == MAILIMAP_MBX_LIST_FLAGS_SFLAG &&
		    mb->mb_flag->mbf_sflag == MAILIMAP_MBX_LIST_SFLAG_NOSELECT)
			m->noselect = 1;
		for (clistiter *f = mb->mb_flag->mbf_oflags ? clist_begin(mb->mb_flag->mbf_oflags) : NULL;
		     f; f = clist_next(f)) {
			struct mailimap_mbx_list_oflag *of = clist_content(f);
			const char *fl;
			enum imap_special sp;
			if (of->of_type != MAILIMAP_MBX_LIST_OFLAG_FLAG_EXT || !of->of_flag_ext)
				continue;
			fl = of->of_flag_ext[0] == '\\' ? of->of_flag_ext + 1 : of->of_flag_ext;
			if (strcasecmp(fl, "NonExistent") == 0 || strcasecmp(fl, "Noselect") == 0)
				m->noselect = 1;
			else if ((sp = imap_special_parse(fl)) != IMAP_SP_NONE && !m->special)
				m->special = sp;
		}
	}
	ET(mailimap_list_result_free)(list);
	*out = v;
	*n = cnt;
	return 0;
}

int imap_select(struct imap_session *s, const char *mailbox, int readonly,
		struct imap_selected *out, struct err *e)
{
	uint64_t modseq = 0;
	struct mailimap_selection_info *si;
	int r;
	char what[300];

	if (!s->imap)
		return err_set(e, E_INTERNAL, "SELECT without a connection");
	free(s->selected);
	s->selected = NULL;
	snprintf(what, sizeof what, "%s %s", readonly ? "EXAMINE" : "SELECT", mailbox);
	if (imap_has_cap(s, "CONDSTORE"))
		r = readonly ? ET(mailimap_examine_condstore)(s->imap, mailbox, &modseq)
			     : ET(mailimap_select_condstore)(s->imap, mailbox, &modseq);
	else
		r = readonly ? ET(mailimap_examine)(s->imap, mailbox)
			     : ET(mailimap_select)(s->imap, mailbox);
	if (r != MAILIMAP_NO_ERROR)
		return fail(s, r == MAILIMAP_ERROR_EXTENSION ? MAILIMAP_ERROR_SELECT : r, what, e);
	si = s->imap->imap_selection_info;
	memset(&s->sel, 0, sizeof s->sel);
	if (si) {
		s->sel.uidvalidity = si->sel_uidvalidity;
		s->sel.uidnext = si->sel_uidnext;
		s->sel.exists = si->sel_exists;
		s->sel.readonly = readonly || si->sel_perm == MAILIMAP_MAILBOX_READONLY;
	}
	s->sel.highestmodseq = modseq;
	s->selected = xstrdup(mailbox);
	s->selected_ro = readonly;
	if (out)
		*out = s->sel;
	return 0;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

int imap_search_uids(struct imap_session *s, uint32_t lo, uint32_t hi, uint32_t **uids,
		     size_t *n, struct err *e)
{
	struct mailimap_search_key *key;
	clist *res = NULL;
	uint32_t *v;
	size_t cnt = 0;
	int r;

	*uids = NULL;
	*n = 0;
	if (!s->imap || !s->selected)
		return err_set(e, E_INTERNAL, "UID SEARCH without a mailbox");
	if (lo == 0)
		lo = 1;
	/* hi 0 is "*" for libetpan */
	key = ET(mailimap_search_key_new_uid)(ET(mailimap_set_new_interval)(lo, hi));
	r = ET(mailimap_uid_search)(s->imap, NULL, key, &res);
	ET(mailimap_search_key_free)(key);
	if (r != MAILIMAP_NO_ERROR)
		return fail(s, r, "UID SEARCH", e);
	v = xcalloc(clist_count(res) + 1, sizeof *v);
	for (clistiter *it = clist_begin(res); it; it = clist_next(it)) {
		uint32_t u = *(uint32_t *)clist_content(it);
		/* "lo:*" names the last message even when it is below lo */
		if (u >= lo && (hi == 0 || u <= hi))
			v[cnt++] = u;
	}
	ET(mailimap_search_result_free)(res);
	qsort(v, cnt, sizeof *v, cmp_u32);
	size_t k = 0;
	for (size_t i = 0; i < cnt; i++)
		if (k == 0 || v[k - 1] != v[i])
			v[k++] = v[i];
	*uids = v;
	*n = k;
	return 0;
}

/* A set of ascending UIDs as ranges. */
static struct mailimap_set *uid_set(const uint32_t *uids, size_t n)
{
	struct mailimap_set *set = ET(mailimap_set_new_empty)();

	for (size_t i = 0; i < n;) {
		size_t j = i;
		while (j + 1 < n && uids[j + 1] == uids[j] + 1)
			j++;
		ET(mailimap_set_add_interval)(set, uids[i], uids[j]);
		i = j + 1;
	}
	return set;
}

static void add_att(struct mailimap_fetch_type *ft, struct mailimap_fetch_att *att)
{
	if (ET(mailimap_fetch_type_new_fetch_att_list_add)(ft, att) != MAILIMAP_NO_ERROR)
		fatal("out of memory in libetpan");
}

static int64_t date_time_unix(const struct mailimap_date_time *d)
{
	struct tm tm = { .tm_year = d->dt_year - 1900, .tm_mon = d->dt_month - 1,
			 .tm_mday = d->dt_day, .tm_hour = d->dt_hour, .tm_min = d->dt_min,
			 .tm_sec = d->dt_sec };
	int z = d->dt_zone, sign = z < 0 ? -1 : 1;

	z *= sign; /* +HHMM as a number */
	return (int64_t)timegm(&tm) - sign * ((z / 100) * 3600 + (z % 100) * 60);
}

static void take_addrs(clist *list, struct imap_addr **out, size_t *n)
{
	struct imap_addr *v;
	size_t cnt = 0;

	*out = NULL;
	*n = 0;
	if (!list || clist_count(list) == 0)
		return;
	v = xcalloc(clist_count(list), sizeof *v);
	for (clistiter *it = clist_begin(list); it; it = clist_next(it)) {
		struct mailimap_address *a = clist_content(it);
		if (!a->ad_host_name) /* the start or the end of a group */
			continue;
		v[cnt].name = a->ad_personal_name ? xstrdup(a->ad_personal_name) : NULL;
		xasprintf(&v[cnt].email, "%s@%s", a->ad_mailbox_name ? a->ad_mailbox_name : "",
			  a->ad_host_name);
		cnt++;
	}
	*out = v;
	*n = cnt;
}

static const char *param(struct mailimap_body_fld_param *p, const char *name)
{
	if (!p || !p->pa_list)
		return NULL;
	for (clistiter *it = clist_begin(p->pa_list); it; it = clist_next(it)) {
		struct mailimap_single_body_fld_param *sp = clist_content(it);
		if (sp->pa_name && strcasecmp(sp->pa_name, name) == 0)
			return sp->pa_value;
	}
	return NULL;
}

/* Parts a reader would call attachments: those marked so, and named
 * non-text parts outside multipart/related (whose parts are an HTML
 * body's pictures); a forwarded message counts as one. */
static int count_attachments(const struct mailimap_body *b, int in_related, int depth)
{
	const struct mailimap_body_type_1part *p;
	struct mailimap_body_fields *f = NULL;
	struct mailimap_body_fld_dsp *dsp;
	int n = 0;

	if (!b || depth > 32)
		return 0;
	if (b->bd_type == MAILIMAP_BODY_MPART) {
		const struct mailimap_body_type_mpart *m = b->bd_data.bd_body_mpart;
		int related = m->bd_media_subtype && strcasecmp(m->bd_media_subtype, "related") == 0;
		for (clistiter *it = clist_begin(m->bd_list); it; it = clist_next(it))
			n += count_attachments(clist_content(it), related, depth + 1);
		return n;
	}
	p = b->bd_data.bd_body_1part;
	if (!p)
		return 0;
	dsp = p->bd_ext_1part ? p->bd_ext_1part->bd_disposition : NULL;
	if (dsp && dsp->dsp_type && strcasecmp(dsp->dsp_type, "attachment") == 0)
		return 1;
	switch (p->bd_type) {
	case MAILIMAP_BODY_TYPE_1PART_TEXT:
		return 0;
	case MAILIMAP_BODY_TYPE_1PART_MSG:
		return 1;
	case MAILIMAP_BODY_TYPE_1PART_BASIC:
		f = p->bd_data.bd_type_basic ? p->bd_data.bd_type_basic->bd_fields : NULL;
		break;
	default:
		return 0;
	}
	if (dsp && dsp->dsp_type && strcasecmp(dsp->dsp_type, "inline") == 0)
		return 0;
	if (in_related)
		return 0;
	return (f && param(f->bd_parameter, "name")) ||
	       (dsp && param(dsp->dsp_attributes, "filename")) || !dsp;
}

static unsigned flags_of(struct mailimap_msg_att_dynamic *dyn)
{
	unsigned fl = 0;

	if (!dyn || !dyn->att_list)
		return 0;
	for (clistiter *it = clist_begin(dyn->att_list); it; it = clist_next(it)) {
		struct mailimap_flag_fetch *ff = clist_content(it);
		if (ff->fl_type == MAILIMAP_FLAG_FETCH_RECENT) {
			fl |= IMAP_F_RECENT;
			continue;
		}
		if (!ff->fl_flag)
			continue;
		switch (ff->fl_flag->fl_type) {
		case MAILIMAP_FLAG_SEEN: fl |= IMAP_F_SEEN; break;
		case MAILIMAP_FLAG_ANSWERED: fl |= IMAP_F_ANSWERED; break;
		case MAILIMAP_FLAG_FLAGGED: fl |= IMAP_F_FLAGGED; break;
		case MAILIMAP_FLAG_DELETED: fl |= IMAP_F_DELETED; break;
		case MAILIMAP_FLAG_DRAFT: fl |= IMAP_F_DRAFT; break;
		case MAILIMAP_FLAG_KEYWORD: fl |= imap_flag_parse(ff->fl_flag->fl_data.fl_keyword); break;
		default: break;
		}
	}
	return fl;
}

static void take_envelope(struct imap_msg *m, struct mailimap_envelope *env)
{
	if (!env)
		return;
	m->date = env->env_date ? xstrdup(env->env_date) : NULL;
	m->subject = env->env_subject ? xstrdup(env->env_subject) : NULL;
	m->message_id = env->env_message_id ? xstrdup(env->env_message_id) : NULL;
	m->in_reply_to = env->env_in_reply_to ? xstrdup(env->env_in_reply_to) : NULL;
	take_addrs(env->env_from ? env->env_from->frm_list : NULL, &m->from, &m->nfrom);
	take_addrs(env->env_to ? env->env_to->to_list : NULL, &m->to, &m->nto);
	take_addrs(env->env_cc ? env->env_cc->cc_list : NULL, &m->cc, &m->ncc);
}

/* One message's attributes; 0 when it has no UID (an unsolicited FETCH). */
static int take_msg(struct imap_msg *m, struct mailimap_msg_att *ma)
{
	memset(m, 0, sizeof *m);
	for (clistiter *it = clist_begin(ma->att_list); it; it = clist_next(it)) {
		struct mailimap_msg_att_item *item = clist_content(it);
		struct mailimap_msg_att_static *st;
		if (item->att_type == MAILIMAP_MSG_ATT_ITEM_DYNAMIC) {
			m->flags |= flags_of(item->att_data.att_dyn);
			continue;
		}
		if (item->att_type != MAILIMAP_MSG_ATT_ITEM_STATIC)
			continue;
		st = item->att_data.att_static;
		switch (st->att_type) {
		case MAILIMAP_MSG_ATT_UID:
			m->uid = st->att_data.att_uid;
			break;
		case MAILIMAP_MSG_ATT_RFC822_SIZE:
			m->size = st->att_data.att_rfc822_size;
			break;
		case MAILIMAP_MSG_ATT_INTERNALDATE:
			if (st->att_data.att_internal_date)
				m->internaldate = date_time_unix(st->att_data.att_internal_date);
			break;
		case MAILIMAP_MSG_ATT_ENVELOPE:
			take_envelope(m, st->att_data.att_env);
			break;
		case MAILIMAP_MSG_ATT_BODYSTRUCTURE:
			m->attachments = count_attachments(st->att_data.att_bodystructure, 0, 0);
			break;
		case MAILIMAP_MSG_ATT_BODY_SECTION: {
			struct mailimap_msg_att_body_section *bs = st->att_data.att_body_section;
			if (bs && bs->sec_body_part && !m->references)
				m->references = imap_header_value(bs->sec_body_part, bs->sec_length,
								  "References");
			break;
		}
		default:
			break;
		}
	}
	if (m->uid == 0) {
		msg_clear(m);
		return 0;
	}
	return 1;
}

/* The messages of one FETCH as libetpan parses them. */
struct fetch_sink {
	struct imap_msg *v;
	size_t n, cap;
};

static void fetch_take(struct mailimap_msg_att *ma, void *arg)
{
	struct fetch_sink *k = arg;

	if (k->n == k->cap) {
		k->cap = k->cap ? k->cap * 2 : 256;
		k->v = xreallocarray(k->v, k->cap + 1, sizeof *k->v);
	}
	k->n += (size_t)take_msg(&k->v[k->n], ma);
}

/* libetpan calls the message handler only when a progress callback is
 * set too; this one has nothing to report. */
static void fetch_progress(size_t done, size_t total, void *arg)
{
}

/*
 * Each message is taken as soon as it is parsed and its tree freed then
 * (the message handler), not kept until the whole answer is in: libetpan
 * keeps every string of a tree in one global hash until it is freed, and
 * with 2,000 messages' trees held that hash (30 entries a message) cost
 * more than the parse.
 */
static int fetch_chunk(struct imap_session *s, const uint32_t *uids, size_t n,
		       struct imap_msg **out, size_t *nout, struct err *e)
{
	struct mailimap_fetch_type *ft = ET(mailimap_fetch_type_new_fetch_att_list_empty)();
	struct mailimap_set *set = uid_set(uids, n);
	clist *hdrs = ET(clist_new)(), *res = NULL;
	struct fetch_sink k = { 0 };
	int r;

	*out = NULL;
	*nout = 0;
	add_att(ft, ET(mailimap_fetch_att_new_uid)());
	add_att(ft, ET(mailimap_fetch_att_new_flags)());
	add_att(ft, ET(mailimap_fetch_att_new_internaldate)());
	add_att(ft, ET(mailimap_fetch_att_new_rfc822_size)());
	add_att(ft, ET(mailimap_fetch_att_new_envelope)());
	add_att(ft, ET(mailimap_fetch_att_new_bodystructure)());
	/* the envelope has no References */
	ET(clist_insert_after)(hdrs, hdrs->last, xstrdup("References"));
	add_att(ft, ET(mailimap_fetch_att_new_body_peek_section)(
			    ET(mailimap_section_new_header_fields)(ET(mailimap_header_list_new)(hdrs))));
	ET(mailimap_set_msg_att_handler)(s->imap, fetch_take, &k);
	ET(mailimap_set_progress_callback)(s->imap, NULL, fetch_progress, NULL);
	r = ET(mailimap_uid_fetch)(s->imap, set, ft, &res);
	ET(mailimap_set_msg_att_handler)(s->imap, NULL, NULL);
	ET(mailimap_set_progress_callback)(s->imap, NULL, NULL, NULL);
	ET(mailimap_fetch_type_free)(ft);
	ET(mailimap_set_free)(set);
	if (r != MAILIMAP_NO_ERROR) {
		imap_msgs_free(k.v, k.n);
		return fail(s, r, "UID FETCH", e);
	}
	/* what the handler did not take (none when it ran for every one) */
	for (clistiter *it = clist_begin(res); it; it = clist_next(it))
		fetch_take(clist_content(it), &k);
	ET(mailimap_fetch_list_free)(res);
	*out = k.v ? k.v : xcalloc(1, sizeof *k.v);
	*nout = k.n;
	return 0;
}

/* A new connection with the same mailbox selected. */
static int reopen(struct imap_session *s, struct err *e)
{
	char *mb = s->selected ? xstrdup(s->selected) : NULL;
	int ro = s->selected_ro, rc;

	drop(s);
	rc = imap_open(s, e);
	if (rc == 0 && mb)
		rc = imap_select(s, mb, ro, NULL, e);
	free(mb);
	return rc;
}

static int fetch_part(struct imap_session *s, const uint32_t *uids, size_t n, imap_batch_fn fn,
		      void *arg, int *skipped, struct err *e)
{
	struct imap_msg *msgs;
	size_t nm;
	int rc = fetch_chunk(s, uids, n, &msgs, &nm, e);

	if (rc == E_PARSE) {
		/* one unparseable line fails the whole command: narrow it down */
		if ((rc = reopen(s, e)) < 0)
			return rc;
		if (n == 1) {
			log_warn("imap: %s: the message with UID %u does not parse: skipped", s->host,
				 uids[0]);
			(*skipped)++;
			return 0;
		}
		rc = fetch_part(s, uids, n / 2, fn, arg, skipped, e);
		if (rc == 0)
			rc = fetch_part(s, uids + n / 2, n - n / 2, fn, arg, skipped, e);
		return rc;
	}
	if (rc < 0)
		return rc;
	if ((rc = fn(arg, msgs, nm)) != 0)
		return err_set(e, rc, "the fetch was stopped");
	return 0;
}

int imap_fetch_headers(struct imap_session *s, const uint32_t *uids, size_t n,
		       imap_batch_fn fn, void *arg, int *skipped, struct err *e)
{
	int sk = 0, rc = 0;

	if (!s->imap || !s->selected)
		return err_set(e, E_INTERNAL, "UID FETCH without a mailbox");
	for (size_t i = 0; i < n && rc == 0; i += IMAP_BATCH)
		rc = fetch_part(s, uids + i, n - i < IMAP_BATCH ? n - i : IMAP_BATCH, fn, arg, &sk, e);
	if (skipped)
		*skipped = sk;
	return rc;
}

int imap_fetch_flags(struct imap_session *s, uint32_t lo, uint64_t changedsince,
		     struct imap_flags **out, size_t *n, struct err *e)
{
	struct mailimap_fetch_type *ft;
	struct mailimap_set *set;
	clist *res = NULL;
	struct imap_flags *v;
	size_t cnt = 0;
	int r;

	*out = NULL;
	*n = 0;
	if (!s->imap || !s->selected)
		return err_set(e, E_INTERNAL, "UID FETCH without a mailbox");
	ft = ET(mailimap_fetch_type_new_fetch_att_list_empty)();
	add_att(ft, ET(mailimap_fetch_att_new_uid)());
	add_att(ft, ET(mailimap_fetch_att_new_flags)());
	set = ET(mailimap_set_new_interval)(lo ? lo : 1, 0);
	if (changedsince)
		r = ET(mailimap_uid_fetch_changedsince)(s->imap, set, ft, changedsince, &res);
	else
		r = ET(mailimap_uid_fetch)(s->imap, set, ft, &res);
	ET(mailimap_fetch_type_free)(ft);
	ET(mailimap_set_free)(set);
	if (r != MAILIMAP_NO_ERROR)
		return fail(s, r, "UID FETCH FLAGS", e);
	v = xcalloc(clist_count(res) + 1, sizeof *v);
	for (clistiter *it = clist_begin(res); it; it = clist_next(it)) {
		struct imap_msg m;
		if (!take_msg(&m, clist_content(it)))
			continue;
		/* "lo:*" names the last message even below lo */
		if (m.uid >= lo) {
			v[cnt].uid = m.uid;
			v[cnt++].flags = m.flags & ~IMAP_F_RECENT;
		}
		msg_clear(&m);
	}
	ET(mailimap_fetch_list_free)(res);
	*out = v;
	*n = cnt;
	return 0;
}

int imap_fetch_body(struct imap_session *s, uint32_t uid, struct buf *out, struct err *e)
{
	struct mailimap_fetch_type *ft;
	struct mailimap_set *set;
	clist *res = NULL;
	int r, found = 0;

	if (!s->imap || !s->selected)
		return err_set(e, E_INTERNAL, "UID FETCH without a mailbox");
	ft = ET(mailimap_fetch_type_new_fetch_att_list_empty)();
	add_att(ft, ET(mailimap_fetch_att_new_uid)());
	add_att(ft, ET(mailimap_fetch_att_new_body_peek_section)(ET(mailimap_section_new)(NULL)));
	set = ET(mailimap_set_new_interval)(uid, uid);
	r = ET(mailimap_uid_fetch)(s->imap, set, ft, &res);
	ET(mailimap_fetch_type_free)(ft);
	ET(mailimap_set_free)(set);
	if (r != MAILIMAP_NO_ERROR)
		return fail(s, r, "UID FETCH BODY.PEEK[]", e);
	for (clistiter *it = clist_begin(res); it && !found; it = clist_next(it)) {
		struct mailimap_msg_att *ma = clist_content(it);
		uint32_t got = 0;
		struct mailimap_msg_att_body_section *bs = NULL;
		for (clistiter *a = clist_begin(ma->att_list); a; a = clist_next(a)) {
			struct mailimap_msg_att_item *item = clist_content(a);
			if (item->att_type != MAILIMAP_MSG_ATT_ITEM_STATIC)
				continue;
			if (item->att_data.att_static->att_type == MAILIMAP_MSG_ATT_UID)
				got = item->att_data.att_static->att_data.att_uid;
			else if (item->att_data.att_static->att_type == MAILIMAP_MSG_ATT_BODY_SECTION)
				bs = item->att_data.att_static->att_data.att_body_section;
		}
		if (got == uid && bs) {
			buf_reset(out);
			if (bs->sec_body_part)
				buf_add(out, bs->sec_body_part, bs->sec_length);
			found = 1;
		}
	}
	ET(mailimap_fetch_list_free)(res);
	if (!found)
		return err_set(e, E_NOTFOUND, "no message with UID %u in %s", uid, s->selected);
	return 0;
}

static struct mailimap_flag_list *flag_list_of(unsigned flags)
{
	struct mailimap_flag_list *fl = ET(mailimap_flag_list_new_empty)();

	if (flags & IMAP_F_SEEN)
		ET(mailimap_flag_list_add)(fl, ET(mailimap_flag_new_seen)());
	if (flags & IMAP_F_ANSWERED)
		ET(mailimap_flag_list_add)(fl, ET(mailimap_flag_new_answered)());
	if (flags & IMAP_F_FLAGGED)
		ET(mailimap_flag_list_add)(fl, ET(mailimap_flag_new_flagged)());
	if (flags & IMAP_F_DELETED)
		ET(mailimap_flag_list_add)(fl, ET(mailimap_flag_new_deleted)());
	if (flags & IMAP_F_DRAFT)
		ET(mailimap_flag_list_add)(fl, ET(mailimap_flag_new_draft)());
	for (size_t i = 0; i < nitems(flag_names); i++) /* the keywords; \Recent cannot be set */
		if ((flags & flag_names[i].bit) && flag_names[i].name[0] == '$')
			ET(mailimap_flag_list_add)(fl, ET(mailimap_flag_new_flag_keyword)(
							       xstrdup(flag_names[i].name)));
	return fl;
}

int imap_store_flags(struct imap_session *s, const uint32_t *uids, size_t n,
		     enum imap_store_op op, unsigned flags, struct err *e)
{
	struct mailimap_flag_list *fl;
	struct mailimap_store_att_flags *att;
	struct mailimap_set *set;
	int r;

	if (!s->imap || !s->selected)
		return err_set(e, E_INTERNAL, "UID STORE without a mailbox");
	if (n == 0)
		return 0;
	fl = flag_list_of(flags);
	att = op == IMAP_STORE_ADD      ? ET(mailimap_store_att_flags_new_add_flags_silent)(fl)
	      : op == IMAP_STORE_REMOVE ? ET(mailimap_store_att_flags_new_remove_flags_silent)(fl)
					: ET(mailimap_store_att_flags_new_set_flags_silent)(fl);
	set = uid_set(uids, n);
	r = ET(mailimap_uid_store)(s->imap, set, att);
	ET(mailimap_store_att_flags_free)(att);
	ET(mailimap_set_free)(set);
	if (r != MAILIMAP_NO_ERROR)
		return fail(s, r, "UID STORE", e);
	return 0;
}

/* The UIDs of a COPYUID set, in order (the server lists them in the
 * order of the source set). */
static size_t set_uids(struct mailimap_set *set, uint32_t *out, size_t max)
{
	size_t k = 0;

	if (!set)
		return 0;
	for (clistiter *it = clist_begin(set->set_list); it; it = clist_next(it)) {
		struct mailimap_set_item *item = clist_content(it);
		for (uint32_t u = item->set_first; k < max; u++) {
			out[k++] = u;
			if (u >= item->set_last)
				break;
		}
	}
	return k;
}

int imap_copy(struct imap_session *s, const uint32_t *uids, size_t n, const char *mailbox,
	      int move, uint32_t *dest, uint32_t *dest_validity, struct err *e)
{
	struct mailimap_set *set, *src = NULL, *dst = NULL;
	uint32_t validity = 0;
	char what[300];
	int r, plus = imap_has_cap(s, "UIDPLUS");

	if (dest)
		memset(dest, 0, n * sizeof *dest);
	if (dest_validity)
		*dest_validity = 0;
	if (!s->imap || !s->selected)
		return err_set(e, E_INTERNAL, "UID COPY without a mailbox");
	if (n == 0)
		return 0;
	move = move && imap_has_cap(s, "MOVE");
	snprintf(what, sizeof what, "UID %s %s", move ? "MOVE" : "COPY", mailbox);
	set = uid_set(uids, n);
	if (plus)
		r = move ? ET(mailimap_uidplus_uid_move)(s->imap, set, mailbox, &validity, &src, &dst)
			 : ET(mailimap_uidplus_uid_copy)(s->imap, set, mailbox, &validity, &src, &dst);
	else
		r = move ? ET(mailimap_uid_move)(s->imap, set, mailbox)
			 : ET(mailimap_uid_copy)(s->imap, set, mailbox);
	ET(mailimap_set_free)(set);
	if (r != MAILIMAP_NO_ERROR) {
		if (src)
			ET(mailimap_set_free)(src);
		if (dst)
			ET(mailimap_set_free)(dst);
		return fail(s, r, what, e);
	}
	if (src && dst && dest) {
		/* pair each source UID with its new one */
		uint32_t *sv = xcalloc(n, sizeof *sv), *dv = xcalloc(n, sizeof *dv);
		size_t ns = set_uids(src, sv, n), nd = set_uids(dst, dv, n);
		for (size_t i = 0; i < ns && i < nd; i++)
			for (size_t j = 0; j < n; j++)
				if (uids[j] == sv[i]) {
					dest[j] = dv[i];
					break;
				}
		free(sv);
		free(dv);
		if (dest_validity)
			*dest_validity = validity;
	}
	if (src)
		ET(mailimap_set_free)(src);
	if (dst)
		ET(mailimap_set_free)(dst);
	return 0;
}

int imap_expunge(struct imap_session *s, const uint32_t *uids, size_t n, struct err *e)
{
	struct mailimap_set *set;
	int r;

	if (!s->imap || !s->selected)
		return err_set(e, E_INTERNAL, "EXPUNGE without a mailbox");
	if (n == 0)
		return 0;
	if (!imap_has_cap(s, "UIDPLUS")) {
		r = ET(mailimap_expunge)(s->imap);
		return r == MAILIMAP_NO_ERROR ? 0 : fail(s, r, "EXPUNGE", e);
	}
	set = uid_set(uids, n);
	r = ET(mailimap_uid_expunge)(s->imap, set);
	ET(mailimap_set_free)(set);
	return r == MAILIMAP_NO_ERROR ? 0 : fail(s, r, "UID EXPUNGE", e);
}

/* One criterion of a SEARCH: a type with a string or a date. */
static void add_key(struct mailimap_search_key *all, int type, const char *str, int64_t when)
{
	struct mailimap_date *d = NULL;
	char *v = str ? xstrdup(str) : NULL;
	struct mailimap_search_key *k;

	if (when > 0) {
		time_t t = (time_t)when;
		struct tm tm;
		gmtime_r(&t, &tm);
		d = ET(mailimap_date_new)(tm.tm_mday, tm.tm_mon + 1, tm.tm_year + 1900);
	}
	k = ET(mailimap_search_key_new)(
		type, NULL, type == MAILIMAP_SEARCH_KEY_BEFORE ? d : NULL,
		type == MAILIMAP_SEARCH_KEY_BODY ? v : NULL, type == MAILIMAP_SEARCH_KEY_CC ? v : NULL,
		type == MAILIMAP_SEARCH_KEY_FROM ? v : NULL, NULL, NULL,
		type == MAILIMAP_SEARCH_KEY_SINCE ? d : NULL,
		type == MAILIMAP_SEARCH_KEY_SUBJECT ? v : NULL,
		type == MAILIMAP_SEARCH_KEY_TEXT ? v : NULL, type == MAILIMAP_SEARCH_KEY_TO ? v : NULL,
		NULL, NULL, NULL, 0, NULL, NULL, NULL, NULL, NULL, NULL, 0, NULL, NULL, NULL);
	if (!k || ET(mailimap_search_key_multiple_add)(all, k) != MAILIMAP_NO_ERROR)
		fatal("out of memory in libetpan");
}

int imap_search(struct imap_session *s, const struct imap_query *q, uint32_t **uids, size_t *n,
		struct err *e)
{
	static const struct {
		unsigned bit;
		int on, off;
	} fl[] = {
		{ IMAP_F_SEEN, MAILIMAP_SEARCH_KEY_SEEN, MAILIMAP_SEARCH_KEY_UNSEEN },
		{ IMAP_F_FLAGGED, MAILIMAP_SEARCH_KEY_FLAGGED, MAILIMAP_SEARCH_KEY_UNFLAGGED },
		{ IMAP_F_ANSWERED, MAILIMAP_SEARCH_KEY_ANSWERED, MAILIMAP_SEARCH_KEY_UNANSWERED },
		{ IMAP_F_DELETED, MAILIMAP_SEARCH_KEY_DELETED, MAILIMAP_SEARCH_KEY_UNDELETED },
		{ IMAP_F_DRAFT, MAILIMAP_SEARCH_KEY_DRAFT, MAILIMAP_SEARCH_KEY_UNDRAFT },
	};
	struct mailimap_search_key *all;
	clist *res = NULL;
	uint32_t *v;
	size_t cnt = 0;
	int r;

	*uids = NULL;
	*n = 0;
	if (!s->imap || !s->selected)
		return err_set(e, E_INTERNAL, "UID SEARCH without a mailbox");
	all = ET(mailimap_search_key_new_multiple_empty)();
	add_key(all, MAILIMAP_SEARCH_KEY_ALL, NULL, 0);
	if (q->from)
		add_key(all, MAILIMAP_SEARCH_KEY_FROM, q->from, 0);
	if (q->to)
		add_key(all, MAILIMAP_SEARCH_KEY_TO, q->to, 0);
	if (q->cc)
		add_key(all, MAILIMAP_SEARCH_KEY_CC, q->cc, 0);
	if (q->subject)
		add_key(all, MAILIMAP_SEARCH_KEY_SUBJECT, q->subject, 0);
	if (q->body)
		add_key(all, MAILIMAP_SEARCH_KEY_BODY, q->body, 0);
	for (size_t i = 0; i < q->ntext; i++)
		add_key(all, MAILIMAP_SEARCH_KEY_TEXT, q->text[i], 0);
	if (q->since > 0)
		add_key(all, MAILIMAP_SEARCH_KEY_SINCE, NULL, q->since);
	if (q->before > 0)
		add_key(all, MAILIMAP_SEARCH_KEY_BEFORE, NULL, q->before);
	for (size_t i = 0; i < nitems(fl); i++) {
		if (q->set & fl[i].bit)
			add_key(all, fl[i].on, NULL, 0);
		if (q->unset & fl[i].bit)
			add_key(all, fl[i].off, NULL, 0);
	}
	r = ET(mailimap_uid_search)(s->imap, "UTF-8", all, &res);
	ET(mailimap_search_key_free)(all);
	if (r != MAILIMAP_NO_ERROR)
		return fail(s, r, "UID SEARCH", e);
	v = xcalloc(clist_count(res) + 1, sizeof *v);
	for (clistiter *it = clist_begin(res); it; it = clist_next(it))
		v[cnt++] = *(uint32_t *)clist_content(it);
	ET(mailimap_search_result_free)(res);
	qsort(v, cnt, sizeof *v, cmp_u32);
	*uids = v;
	*n = cnt;
	return 0;
}

int imap_mailbox_op(struct imap_session *s, enum imap_mbox_op op, const char *mailbox,
		    const char *to, struct err *e)
{
	char what[600];
	int r;

	if (!s->imap)
		return err_set(e, E_INTERNAL, "mailbox command without a connection");
	/* a mailbox being renamed or deleted must not stay selected */
	if ((op == IMAP_MBOX_DELETE || op == IMAP_MBOX_RENAME) && s->selected &&
	    !strcmp(s->selected, mailbox)) {
		free(s->selected);
		s->selected = NULL;
		drop(s);
		if ((r = imap_open(s, e)) < 0)
			return r;
	}
	switch (op) {
	case IMAP_MBOX_CREATE:
		snprintf(what, sizeof what, "CREATE %s", mailbox);
		r = ET(mailimap_create)(s->imap, mailbox);
		break;
	case IMAP_MBOX_DELETE:
		snprintf(what, sizeof what, "DELETE %s", mailbox);
		r = ET(mailimap_delete)(s->imap, mailbox);
		break;
	case IMAP_MBOX_RENAME:
		snprintf(what, sizeof what, "RENAME %s %s", mailbox, to);
		r = ET(mailimap_rename)(s->imap, mailbox, to);
		break;
	case IMAP_MBOX_SUBSCRIBE:
		snprintf(what, sizeof what, "SUBSCRIBE %s", mailbox);
		r = ET(mailimap_subscribe)(s->imap, mailbox);
		break;
	default:
		snprintf(what, sizeof what, "UNSUBSCRIBE %s", mailbox);
		r = ET(mailimap_unsubscribe)(s->imap, mailbox);
		break;
	}
	return r == MAILIMAP_NO_ERROR ? 0 : fail(s, r, what, e);
}

int imap_idle(struct imap_session *s, int wake_fd, int timeout_ms, struct err *e)
{
	struct pollfd p[2];
	int r, got = 0, fd;

	if (!s->imap || !s->selected)
		return err_set(e, E_INTERNAL, "IDLE without a mailbox");
	if (!imap_has_cap(s, "IDLE"))
		return err_set(e, E_NOTFOUND, "%s has no IDLE", s->host);
	if ((r = ET(mailimap_idle)(s->imap)) != MAILIMAP_NO_ERROR)
		return fail(s, r, "IDLE", e);
	fd = ET(mailimap_idle_get_fd)(s->imap);
	/* what the server said with its "+ idling" may be read already */
	if (fd < 0 || s->imap->imap_stream->read_buffer_len > 0) {
		got = 1;
	} else {
		p[0] = (struct pollfd){ .fd = fd, .events = POLLIN };
		p[1] = (struct pollfd){ .fd = wake_fd, .events = POLLIN };
		r = poll(p, wake_fd >= 0 ? 2 : 1, timeout_ms);
		got = r > 0 && p[0].revents;
		if (r > 0 && wake_fd >= 0 && p[1].revents) {
			char buf[64];
			while (read(wake_fd, buf, sizeof buf) > 0)
				;
		}
	}
	if (is_cancelled(s)) {
		drop(s);
		return err_set(e, E_CANCELLED, "IDLE: cancelled");
	}
	/* DONE, then the tagged OK; a server that says nothing more is
	 * caught by the session's timeout (libetpan issue #393: IDLE could
	 * hang after "* FLAGS") */
	if ((r = ET(mailimap_idle_done)(s->imap)) != MAILIMAP_NO_ERROR)
		return fail(s, r, "IDLE DONE", e);
	return got;
}

int imap_append(struct imap_session *s, const char *mailbox, const void *data, size_t len,
		unsigned flags, int64_t when, uint32_t *uid, struct err *e)
{
	struct mailimap_flag_list *fl;
	struct mailimap_date_time *dt = NULL;
	uint32_t validity = 0, got = 0;
	char what[300];
	int r;

	if (uid)
		*uid = 0;
	if (!s->imap)
		return err_set(e, E_INTERNAL, "APPEND without a connection");
	fl = flag_list_of(flags & ~IMAP_F_RECENT);
	if (when > 0) {
		time_t t = (time_t)when;
		struct tm tm;
		gmtime_r(&t, &tm);
		dt = ET(mailimap_date_time_new)(tm.tm_mday, tm.tm_mon + 1, tm.tm_year + 1900,
						tm.tm_hour, tm.tm_min, tm.tm_sec, 0);
	}
	snprintf(what, sizeof what, "APPEND %s", mailbox);
	if (imap_has_cap(s, "UIDPLUS"))
		r = ET(mailimap_uidplus_append)(s->imap, mailbox, fl, dt, data, len, &validity, &got);
	else
		r = ET(mailimap_append)(s->imap, mailbox, fl, dt, data, len);
	ET(mailimap_flag_list_free)(fl);
	if (dt)
		ET(mailimap_date_time_free)(dt);
	if (r != MAILIMAP_NO_ERROR)
		return fail(s, r, what, e);
	if (uid)
		*uid = got;
	return 0;
}

void imap_logout(struct imap_session *s)
{
	if (!s->imap)
		return;
	/* LOGOUT frees the stream: no cancel may reach it from now on
	 * (shutting the socket down still does) */
	pthread_mutex_lock(&s->lock);
	s->stream = NULL;
	pthread_mutex_unlock(&s->lock);
	if (!is_cancelled(s))
		ET(mailimap_logout)(s->imap);
	drop(s);
}

/* ---- the conn: a worker thread per account ---------------------------------------- */

enum ijob_kind { IJ_OPEN, IJ_LIST, IJ_SELECT, IJ_FETCH, IJ_BODY, IJ_STORE, IJ_APPEND, IJ_LOGOUT,
		IJ_QUIT };

struct ijob {
	enum ijob_kind kind;
	char *mailbox;
	int readonly;
	uint32_t lo, hi, uid;
	uint32_t *uids;
	size_t n;
	enum imap_store_op op;
	unsigned flags;
	int64_t when;
	struct buf data; /* APPEND */
	unsigned gen;
	imap_done_fn fn;
	void *arg;
	struct ijob *next;
};

/* A result on its way to the loop. */
struct ipost {
	struct imap_conn *c;
	imap_done_fn fn;
	void *arg;
	int final;
	struct imap_result r;
};

struct imap_conn {
	struct loop *loop;
	struct imap_session *s;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct ijob *head, **tail;
	int queued;     /* requests not yet answered finally */
	unsigned gen;   /* bumped by a cancel */
	int refs;       /* the owner's and each post's (atomic) */
	int stopping;   /* imap_conn_free ran: no more callbacks */
	struct net_conn state;
};

static void conn_unref(struct imap_conn *c)
{
	if (__atomic_sub_fetch(&c->refs, 1, __ATOMIC_ACQ_REL) > 0)
		return;
	imap_session_free(c->s);
	pthread_mutex_destroy(&c->lock);
	pthread_cond_destroy(&c->cond);
	free(c);
}

static void result_free(struct imap_result *r)
{
	imap_mailboxes_free(r->boxes, r->nboxes);
	imap_msgs_free(r->msgs, r->nmsgs);
	buf_free(&r->body);
}

/* On the loop. */
static void deliver(void *arg)
{
	struct ipost *p = arg;
	struct imap_conn *c = p->c;
	int stopping;

	pthread_mutex_lock(&c->lock);
	if (p->final)
		c->queued--;
	stopping = c->stopping;
	pthread_mutex_unlock(&c->lock);
	if (!stopping && p->fn)
		p->fn(p->arg, &p->r);
	result_free(&p->r);
	free(p);
	conn_unref(c);
}

static struct ipost *post_new(struct imap_conn *c, struct ijob *j, int final)
{
	struct ipost *p = xcalloc(1, sizeof *p);

	p->c = c;
	p->fn = j->fn;
	p->arg = j->arg;
	p->final = final;
	buf_init(&p->r.body);
	return p;
}

static void post(struct imap_conn *c, struct ipost *p)
{
	__atomic_add_fetch(&c->refs, 1, __ATOMIC_ACQ_REL);
	loop_post(c->loop, deliver, p);
}

struct batch_ctx {
	struct imap_conn *c;
	struct ijob *j;
};

static int post_batch(void *arg, struct imap_msg *msgs, size_t n)
{
	struct batch_ctx *b = arg;
	struct ipost *p = post_new(b->c, b->j, 0);

	p->r.partial = 1;
	p->r.msgs = msgs;
	p->r.nmsgs = n;
	p->r.sel = b->c->s->sel;
	post(b->c, p);
	return 0;
}

/* The mailbox selected read-write (or as asked for IJ_SELECT). */
static int ensure_mailbox(struct imap_session *s, struct ijob *j, struct err *e)
{
	int ro = j->kind == IJ_SELECT ? j->readonly : 0;

	/* a header fetch selects afresh: its caller wants today's UIDNEXT */
	if (j->kind != IJ_SELECT && j->kind != IJ_FETCH && s->selected &&
	    strcmp(s->selected, j->mailbox) == 0 && s->selected_ro == ro)
		return 0;
	return imap_select(s, j->mailbox, ro, NULL, e);
}

static int run_job(struct imap_conn *c, struct ijob *j, struct imap_result *r)
{
	struct imap_session *s = c->s;
	int rc;

	if (j->kind == IJ_LOGOUT) {
		imap_logout(s);
		return 0;
	}
	rc = imap_open(s, &r->e);
	memcpy(r->pin, s->pin, sizeof r->pin);
	if (rc < 0 || j->kind == IJ_OPEN)
		return rc;
	if (j->kind == IJ_LIST)
		return imap_list(s, &r->boxes, &r->nboxes, &r->e);
	if (j->kind == IJ_APPEND) /* no SELECT needed */
		return imap_append(s, j->mailbox, j->data.data ? j->data.data : "", j->data.len,
				   j->flags, j->when, &r->uid, &r->e);
	if ((rc = ensure_mailbox(s, j, &r->e)) < 0)
		return rc;
	r->sel = s->sel;
	switch (j->kind) {
	case IJ_FETCH: {
		uint32_t *uids;
		size_t n;
		struct batch_ctx b = { c, j };
		if ((rc = imap_search_uids(s, j->lo, j->hi, &uids, &n, &r->e)) < 0)
			return rc;
		rc = imap_fetch_headers(s, uids, n, post_batch, &b, &r->skipped, &r->e);
		free(uids);
		return rc;
	}
	case IJ_BODY:
		return imap_fetch_body(s, j->uid, &r->body, &r->e);
	case IJ_STORE:
		return imap_store_flags(s, j->uids, j->n, j->op, j->flags, &r->e);
	default:
		return 0;
	}
}

static void job_free(struct ijob *j)
{
	buf_free(&j->data);
	free(j->mailbox);
	free(j->uids);
	free(j);
}

static void *conn_main(void *arg)
{
	struct imap_conn *c = arg;

	thread_background();

	for (;;) {
		struct ijob *j;
		struct ipost *p;
		int stale;

		pthread_mutex_lock(&c->lock);
		while (!c->head)
			pthread_cond_wait(&c->cond, &c->lock);
		j = c->head;
		c->head = j->next;
		if (!c->head)
			c->tail = &c->head;
		if (j->kind == IJ_QUIT) {
			pthread_mutex_unlock(&c->lock);
			job_free(j);
			break;
		}
		/* a cancel ends the requests queued before it; the session it
		 * killed is set up again for those after it */
		stale = j->gen != c->gen;
		if (!stale && is_cancelled(c->s))
			imap_session_reset(c->s);
		pthread_mutex_unlock(&c->lock);
		p = post_new(c, j, 1);
		if (stale)
			p->r.rc = err_set(&p->r.e, E_CANCELLED, "cancelled");
		else
			p->r.rc = run_job(c, j, &p->r);
		if (p->r.rc < 0 && p->r.e.code == E_CANCELLED && is_cancelled(c->s))
			imap_session_reset(c->s); /* not reused half-dead */
		pthread_mutex_lock(&c->lock);
		if (p->r.rc == 0)
			net_conn_ok(&c->state);
		else if (p->r.rc == E_UNREACHABLE || p->r.rc == E_TLS || p->r.rc == E_AUTH)
			net_conn_fail(&c->state, p->r.rc, p->r.e.msg);
		pthread_mutex_unlock(&c->lock);
		post(c, p);
		job_free(j);
	}
	imap_logout(c->s);
	return NULL;
}

int imap_conn_new(struct loop *l, const struct imap_account *a, struct imap_conn **out,
		  struct err *e)
{
	struct imap_conn *c;
	int rc;

	*out = NULL;
	c = xcalloc(1, sizeof *c);
	if ((rc = imap_session_new(a, &c->s, e)) < 0) {
		free(c);
		return rc;
	}
	c->loop = l;
	c->tail = &c->head;
	c->refs = 1;
	pthread_mutex_init(&c->lock, NULL);
	pthread_cond_init(&c->cond, NULL);
	net_conn_init(&c->state, "mail", 0);
	if (pthread_create(&c->thread, NULL, conn_main, c) != 0) {
		imap_session_free(c->s);
		free(c);
		return err_set(e, E_INTERNAL, "cannot start the mail thread");
	}
	*out = c;
	return 0;
}

static void enqueue(struct imap_conn *c, struct ijob *j)
{
	pthread_mutex_lock(&c->lock);
	j->gen = c->gen;
	if (j->kind != IJ_QUIT)
		c->queued++;
	*c->tail = j;
	c->tail = &j->next;
	pthread_cond_signal(&c->cond);
	pthread_mutex_unlock(&c->lock);
}

static struct ijob *job_new(enum ijob_kind kind, const char *mailbox, imap_done_fn fn, void *arg)
{
	struct ijob *j = xcalloc(1, sizeof *j);

	j->kind = kind;
	j->mailbox = mailbox ? xstrdup(mailbox) : NULL;
	j->fn = fn;
	j->arg = arg;
	return j;
}

void imap_conn_cancel(struct imap_conn *c)
{
	pthread_mutex_lock(&c->lock);
	c->gen++;
	imap_session_cancel(c->s);
	pthread_mutex_unlock(&c->lock);
}

void imap_conn_free(struct imap_conn *c)
{
	if (!c)
		return;
	pthread_mutex_lock(&c->lock);
	c->stopping = 1;
	pthread_mutex_unlock(&c->lock);
	imap_conn_cancel(c);
	enqueue(c, job_new(IJ_QUIT, NULL, NULL, NULL));
	pthread_join(c->thread, NULL);
	/* requests never run: their results are not wanted */
	for (struct ijob *j = c->head, *n; j; j = n) {
		n = j->next;
		job_free(j);
	}
	c->head = NULL;
	conn_unref(c); /* posts on their way hold the rest */
}

int imap_conn_busy(struct imap_conn *c)
{
	int n;

	pthread_mutex_lock(&c->lock);
	n = c->queued;
	pthread_mutex_unlock(&c->lock);
	return n;
}

void imap_conn_state(struct imap_conn *c, struct net_conn *out)
{
	pthread_mutex_lock(&c->lock);
	*out = c->state;
	pthread_mutex_unlock(&c->lock);
}

void imap_conn_open(struct imap_conn *c, imap_done_fn fn, void *arg)
{
	enqueue(c, job_new(IJ_OPEN, NULL, fn, arg));
}

void imap_conn_list(struct imap_conn *c, imap_done_fn fn, void *arg)
{
	enqueue(c, job_new(IJ_LIST, NULL, fn, arg));
}

void imap_conn_select(struct imap_conn *c, const char *mailbox, int readonly, imap_done_fn fn,
		      void *arg)
{
	struct ijob *j = job_new(IJ_SELECT, mailbox, fn, arg);

	j->readonly = readonly;
	enqueue(c, j);
}

void imap_conn_fetch_headers(struct imap_conn *c, const char *mailbox, uint32_t lo, uint32_t hi,
			     imap_done_fn fn, void *arg)
{
	struct ijob *j = job_new(IJ_FETCH, mailbox, fn, arg);

	j->lo = lo;
	j->hi = hi;
	enqueue(c, j);
}

void imap_conn_fetch_body(struct imap_conn *c, const char *mailbox, uint32_t uid,
			  imap_done_fn fn, void *arg)
{
	struct ijob *j = job_new(IJ_BODY, mailbox, fn, arg);

	j->uid = uid;
	enqueue(c, j);
}

void imap_conn_store(struct imap_conn *c, const char *mailbox, const uint32_t *uids, size_t n,
		     enum imap_store_op op, unsigned flags, imap_done_fn fn, void *arg)
{
	struct ijob *j = job_new(IJ_STORE, mailbox, fn, arg);

	j->uids = xcalloc(n + 1, sizeof *j->uids);
	if (n)
		memcpy(j->uids, uids, n * sizeof *uids);
	qsort(j->uids, n, sizeof *j->uids, cmp_u32);
	j->n = n;
	j->op = op;
	j->flags = flags;
	enqueue(c, j);
}

void imap_conn_append(struct imap_conn *c, const char *mailbox, const void *data, size_t len,
		      unsigned flags, int64_t when, imap_done_fn fn, void *arg)
{
	struct ijob *j = job_new(IJ_APPEND, mailbox, fn, arg);

	buf_add(&j->data, data, len);
	j->flags = flags;
	j->when = when;
	enqueue(c, j);
}

void imap_conn_logout(struct imap_conn *c, imap_done_fn fn, void *arg)
{
	enqueue(c, job_new(IJ_LOGOUT, NULL, fn, arg));
}
