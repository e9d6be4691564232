/*
 * smtp.h - mail submission over libcurl (net/ API for the mail module).
 *
 * One blocking call per message, for a worker thread or batch mode. TLS
 * always, under net.h's policy: smtps:// is implicit TLS (port 465 by
 * default), smtp:// requires STARTTLS (port 587 by default); a server that
 * does not offer STARTTLS is refused before the password goes out.
 *
 * "Exactly once": a send that fails says whether the message certainly did
 * not go (safe to retry) or whether the connection was lost after the end
 * of the data went out but before the server's answer (it may have been
 * delivered: the user decides). Append to Sent only after SMTP_SENT.
 */
#ifndef ATRIUM_NET_SMTP_H
#define ATRIUM_NET_SMTP_H

#include <stddef.h>

#include "core/core.h"
#include "net/net.h"

struct smtp_account {
	const char *url;  /* smtps://host[:port] or smtp://host[:port] */
	const char *user; /* NULL: no AUTH (a server that needs none) */
	const char *password;
	struct net_tls tls;
	int connect_timeout_ms; /* 0: 15 s */
	int stall_timeout_ms;	/* nothing moves for this long: 0: 30 s */
	const int *cancel;	/* non-zero (set from any thread) aborts; or NULL */
};

enum smtp_outcome {
	SMTP_NOT_SENT, /* refused or failed before the end of the data: retry is safe */
	SMTP_SENT,     /* the server answered 250 to the data */
	SMTP_UNKNOWN,  /* lost after the data's end went out: maybe delivered */
};

struct smtp_result {
	enum smtp_outcome outcome;
	int reply;	       /* the server's last reply code (250 when sent), 0 none */
	char text[256];	       /* that reply's last line, as the server wrote it */
	int permanent;	       /* the refusal was a 5xx: retrying will not help */
	char pin[NET_PIN_MAX]; /* the server key's pin after a certificate refusal */
	double ms;	       /* time the whole send took */
};

/*
 * Send msg (the message's bytes, CRLF lines) from the envelope sender
 * `from` to nrcpt recipients (the envelope: Bcc included). 0 when the
 * server took it (r->outcome SMTP_SENT, r->reply 250). Errors:
 *   E_USAGE        a URL that is not smtp:// or smtps://, no recipient
 *   E_TLS          certificate, pin or TLS policy refused, or no STARTTLS:
 *                  the message names the server's key (also in r->pin)
 *   E_AUTH         the user name or password was refused (535)
 *   E_UNREACHABLE  no connection, a timeout, a stall, a lost connection,
 *                  or a temporary refusal (4xx: r->reply); see r->outcome
 *   E_PERM         a permanent refusal (5xx to MAIL, RCPT or the data):
 *                  the message quotes the server
 *   E_CANCELLED    *a->cancel was set; see r->outcome
 *   E_NOTFOUND     libcurl is not installed
 */
int smtp_send(const struct smtp_account *a, const char *from, const char *const *rcpts,
	      size_t nrcpt, const void *msg, size_t len, struct smtp_result *r, struct err *e);

/* Split an smtp(s):// URL: host (brackets removed), port (the default for
 * the scheme when none), implicit TLS or not. E_USAGE when malformed. */
int smtp_parse_url(const char *url, int *implicit_tls, char host[256], int *port, struct err *e);

#endif
