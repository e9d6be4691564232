/*
 * xmpp.h - an XMPP client over libstrophe (net/ internal API for the chat
 * module). libstrophe is loaded with dl_load the first time an account is
 * used; its types stay inside net/xmpp.c.
 *
 * A session belongs to one thread (the chat worker, or the batch verb's
 * thread). Its calls that need an answer (an IQ, a page of the archive, a
 * room joined) pump the connection until the answer comes, so incoming
 * messages and presences keep flowing to the callbacks meanwhile; a wake
 * descriptor given to xsess_pump lets another thread interrupt a wait.
 *
 * TLS always (STARTTLS or direct TLS, XEP-0368), under net.h's policy: the
 * chain is verified (the CA file is added to the system's CAs: libstrophe
 * cannot replace them), a pin alone trusts a self-signed key, and a pin is
 * checked even when the chain verifies: on the connect event, before this
 * side sends any stanza. The host name is always checked.
 */
#ifndef ATRIUM_NET_XMPP_H
#define ATRIUM_NET_XMPP_H

#include <stddef.h>
#include <stdint.h>

#include "core/core.h"
#include "net/net.h"

struct xmpp_account {
	const char *jid;      /* bare JID: alice@example.test */
	const char *password;
	const char *server;   /* "host[:port]", NULL: the JID's domain (SRV) */
	int direct_tls;       /* XEP-0368 TLS from the first byte */
	const char *resource; /* NULL: "atrium." and random */
	struct net_tls tls;
	int timeout_ms;       /* an answer that takes longer fails: 0 = 20 s */
	int no_sm;            /* no stream management (XEP-0198): a reader of
			       * the archive, whose queries are asked again */
};

/* A JID is well formed (RFC 7622, the checks a client can make: lengths,
 * one @ at most, a domain, no spaces or controls). bare: no resource. */
int xmpp_jid_valid(const char *jid, int bare);

/* The bare JID of a full one (a new string; NULL for NULL). */
char *xmpp_bare(const char *jid);
/* A random id for a stanza (16 URL-safe characters and more). */
void xmpp_new_id(char out[33]);

/* ---- what arrives -------------------------------------------------------------- */

enum xmpp_carbon { XC_NONE, XC_RECEIVED, XC_SENT };

/* A message stanza, unwrapped from a carbon or an archive result. Every
 * string is valid UTF-8 or NULL. */
struct xmpp_msg {
	char *from, *to;      /* full JIDs as the stanza says */
	char type[12];        /* chat, groupchat, normal, headline, error */
	char *id;             /* the id attribute */
	char *origin_id;      /* XEP-0359 origin-id */
	char *stanza_id;      /* XEP-0359 stanza-id by our account or the room */
	char *body;
	char *subject;        /* a room's topic when has_subject */
	int has_subject;
	char *replace_id;     /* XEP-0308: corrects that message */
	char *retract_id;     /* XEP-0424: retracts that message */
	char *receipt_id;     /* XEP-0184: the peer received that one */
	int receipt_request;
	char *displayed_id;   /* XEP-0333: the peer has read up to that one */
	int markable;
	char *oob_url;        /* XEP-0066: a file shared by link */
	char *invite_room;    /* a MUC invitation (mediated or direct) */
	char *invite_from;
	char *error_text;     /* type error: the server's words */
	int64_t stamp_ms;     /* XEP-0203 delay, 0 when live */
	enum xmpp_carbon carbon;
	char *mam_queryid;    /* an archive result */
	char *mam_id;
	char *mam_from;       /* the archive that sent it */
};

/* Parse a <message/> as text (the fuzz target's entry; the session parses
 * stanzas the same way): own is our bare JID (a carbon or an archive
 * result from anyone else is refused: E_PARSE). */
int xmpp_msg_parse_text(const char *xml, size_t len, const char *own, struct xmpp_msg *m,
			struct err *e);
void xmpp_msg_free(struct xmpp_msg *m);

enum xmpp_show { XSHOW_AVAILABLE, XSHOW_AWAY, XSHOW_XA, XSHOW_DND, XSHOW_CHAT,
		 XSHOW_OFFLINE };

/* A presence: a contact's, a subscription request, or a room occupant's. */
struct xmpp_pres {
	char *from;
	char type[16];        /* "", unavailable, subscribe, subscribed, ... error */
	enum xmpp_show show;
	char *status;
	int muc;              /* from a room occupant */
	char affiliation[8];  /* owner, admin, member, outcast, none */
	char role[12];        /* moderator, participant, visitor, none */
	char *real_jid;
	char *new_nick;       /* 303: the occupant changed nick */
	int self;             /* 110: this is us */
	int created;          /* 201: the room was made by this join */
	int kicked, banned;   /* 307, 301 */
	char *reason;
};

struct xmpp_roster_item {
	char *jid, *name;
	char subscription[8]; /* none, to, from, both, remove */
	int ask;              /* our request waits */
};

/* ---- the session --------------------------------------------------------------- */

struct xsess;

struct xsess_cb {
	void *arg;
	/* A message that is not an answer to an archive query of ours. */
	void (*message)(void *arg, const struct xmpp_msg *m);
	void (*presence)(void *arg, const struct xmpp_pres *p);
	/* A roster push (the server's change), one item. */
	void (*roster)(void *arg, const struct xmpp_roster_item *it);
	/* The connection dropped (code E_UNREACHABLE, E_AUTH, E_TLS, with the
	 * reason); xsess_connect again resumes it (XEP-0198) when it can. */
	void (*lost)(void *arg, int code, const char *reason);
	/* The stanzas that came in one turn of the connection are handled
	 * (a caller storing them may commit them together). May be NULL. */
	void (*turn)(void *arg);
};

int xsess_new(const struct xmpp_account *a, const struct xsess_cb *cb, struct xsess **out,
	      struct err *e);
void xsess_free(struct xsess *s);
/* Connect (or reconnect, resuming the stream when the server keeps it)
 * and wait until online: E_UNREACHABLE, E_TLS (the message names the
 * server's pin), E_AUTH, E_CANCELLED. Whether the stream was resumed or
 * is new, the caller sends its presence and joins its rooms again (both
 * harmless on a resumed stream). */
int xsess_connect(struct xsess *s, struct err *e);
/* The same without waiting: begin, then pump the session (xsess_pump)
 * and ask done, which says 1 online, 0 still connecting, or the error of
 * xsess_connect (the session is then down; a connect that outlived the
 * session's timeout is given up). */
int xsess_connect_begin(struct xsess *s, struct err *e);
int xsess_connect_done(struct xsess *s, struct err *e);
void xsess_disconnect(struct xsess *s);
int xsess_online(const struct xsess *s);
/* The JID the server bound (with our resource). */
const char *xsess_jid(const struct xsess *s);
/* Run the connection: wait at most ms (or until wake_fd, if >= 0, is
 * readable), then handle what came. 1 if wake_fd woke it. */
int xsess_pump(struct xsess *s, int ms, int wake_fd);
/* Another thread may end every wait at once (E_CANCELLED). */
void xsess_cancel(struct xsess *s);
/* Cancelling leader (xsess_cancel) cancels s too: a helper connection's
 * waits end with its owner's. */
void xsess_follow(struct xsess *s, const struct xsess *leader);

/* Everything sent so far has reached the server and been handled (an IQ
 * ping answered: streams are ordered). */
int xsess_sync_point(struct xsess *s, struct err *e);

/* Send a message. type "chat" or "groupchat"; id is also the origin-id;
 * replace_id: a correction (XEP-0308); receipts and markers requested.
 * Control characters in the text are replaced (XML cannot carry them).
 * Queued on the stream: xsess_sync_point confirms it. */
int xsess_send_msg(struct xsess *s, const char *to, const char *type, const char *body,
		   const char *id, const char *replace_id, const char *oob_url, struct err *e);
/* XEP-0424 retraction of our message id. */
int xsess_send_retract(struct xsess *s, const char *to, const char *type, const char *id,
		       struct err *e);
/* XEP-0184 <received/> or XEP-0333 <displayed/> for message id. */
int xsess_send_receipt(struct xsess *s, const char *to, const char *id, struct err *e);
int xsess_send_displayed(struct xsess *s, const char *to, const char *type, const char *id,
			 struct err *e);

/* Our presence (XSHOW_OFFLINE: unavailable) to the server, which tells
 * our contacts; rooms get it from xsess_muc_join. */
int xsess_presence(struct xsess *s, enum xmpp_show show, const char *status, struct err *e);
/* subscribe, subscribed, unsubscribe, unsubscribed to jid. */
int xsess_subscription(struct xsess *s, const char *jid, const char *type, struct err *e);
/* XEP-0352: the user is (not) looking. */
int xsess_csi(struct xsess *s, int active);
/* XEP-0280 on for this session (0 when the server has no carbons). */
int xsess_carbons(struct xsess *s, struct err *e);

/* The roster; each item to fn. */
int xsess_roster(struct xsess *s, void (*fn)(void *arg, const struct xmpp_roster_item *it),
		 void *arg, struct err *e);
/* Add (name may be NULL) or remove a contact. */
int xsess_roster_set(struct xsess *s, const char *jid, const char *name, int remove,
		     struct err *e);

/* One page of an archive (XEP-0313): archive NULL for our own (with: only
 * that contact, or NULL), else a room's JID. after: the page after that
 * id; before: the page before it ("" the last page); both NULL: the
 * first. Results go to fn oldest first; *complete when this was the end
 * (after) or the start (before); last: the newest id of the page. */
struct xmpp_mam_page {
	int complete;
	char *first, *last; /* the page's ids (free them) */
	int count;
};
int xsess_mam(struct xsess *s, const char *archive, const char *with, const char *after,
	      const char *before, int max, void (*fn)(void *arg, const struct xmpp_msg *m),
	      void *arg, struct xmpp_mam_page *pg, struct err *e);
/* The same in two halves, one query at a time: ask sends it (results go
 * to fn while the connection is pumped), wait waits for its end. A caller
 * asks for the next page before it stores the last, so that the server
 * works on one while we work on the other. */
int xsess_mam_ask(struct xsess *s, const char *archive, const char *with, const char *after,
		  const char *before, int max, void (*fn)(void *arg, const struct xmpp_msg *m),
		  void *arg, struct err *e);
int xsess_mam_wait(struct xsess *s, struct xmpp_mam_page *pg, struct err *e);
/* A copy of m (free it with xmpp_msg_free). */
void xmpp_msg_copy(struct xmpp_msg *to, const struct xmpp_msg *m);

/* ---- rooms (XEP-0045) -------------------------------------------------------- */

/* Whether a JID is a group room (service discovery: 1 or 0). */
int xsess_is_room(struct xsess *s, const char *jid, struct err *e);

/* Join room (bare JID) as nick and wait for our own presence: *created
 * when the room is new (locked until xsess_muc_configure). The server's
 * refusal (E_PERM, E_CONFLICT for a nick in use, E_NOTFOUND) has its
 * words. No history is asked for: the archive brings it. */
int xsess_muc_join(struct xsess *s, const char *room, const char *nick, const char *password,
		   int *created, struct err *e);
int xsess_muc_leave(struct xsess *s, const char *room, const char *nick, struct err *e);
/* Submit the configuration: name (may be NULL), persistent, members only,
 * archived; unlocks a new room. */
int xsess_muc_configure(struct xsess *s, const char *room, const char *name, int persistent,
			int members_only, struct err *e);
int xsess_muc_topic(struct xsess *s, const char *room, const char *topic, struct err *e);
/* Mediated invitation; also makes the JID a member. */
int xsess_muc_invite(struct xsess *s, const char *room, const char *jid, const char *reason,
		     struct err *e);
int xsess_muc_kick(struct xsess *s, const char *room, const char *nick, const char *reason,
		   struct err *e);
int xsess_muc_nick(struct xsess *s, const char *room, const char *nick, struct err *e);

/* Bookmarks (XEP-0402, PEP): each room to fn; set or remove one. */
struct xmpp_bookmark {
	char *room, *name, *nick;
	int autojoin;
};
int xsess_bookmarks(struct xsess *s, void (*fn)(void *arg, const struct xmpp_bookmark *b),
		    void *arg, struct err *e);
int xsess_bookmark_set(struct xsess *s, const struct xmpp_bookmark *b, int remove,
		       struct err *e);

/* XEP-0363: a slot for a file; put_url, get_url and the header lines the
 * PUT must carry ("Name: value", NULL-terminated) are the caller's. */
int xsess_upload_slot(struct xsess *s, const char *name, int64_t size, const char *type,
		      char **put_url, char **get_url, char ***headers, struct err *e);

#endif
