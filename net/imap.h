/*
 * imap.h - an IMAP client over libetpan (net/ internal API for the mail
 * module).
 *
 * libetpan and GnuTLS are loaded with dl_load the first time an account is
 * used (they are never linked: libetpan maps a dozen shared objects).
 *
 * Two layers:
 *   the session   blocking calls for one connection (imap_open, imap_list,
 *                 imap_select, imap_fetch_headers, ...); they run on a
 *                 worker thread. imap_session_cancel, from any thread,
 *                 ends the call in progress at once (E_CANCELLED) and
 *                 leaves the session closed.
 *   the conn      one account's worker thread with a request queue: each
 *                 request opens (and selects) what it needs, runs, and
 *                 posts its result to the loop with loop_post.
 *
 * TLS always: imaps:// is implicit TLS, imap:// requires STARTTLS (a server
 * without it is refused before anything but CAPABILITY is sent). libetpan
 * verifies no certificate, so after every handshake the chain is checked
 * here with GnuTLS under net.h's policy (imap_tls_check): a pin alone trusts
 * exactly that key, a CA file replaces the system's CAs, with both both must
 * hold, the host name is always checked, TLS 1.2 at least. A refusal is
 * E_TLS and its message names the server's pin.
 *
 * Text comes back as the server sent it: subjects, names and header values
 * are raw bytes (encoded words and charsets are the caller's to decode),
 * mailbox names are modified UTF-7 as on the wire.
 */
#ifndef ATRIUM_NET_IMAP_H
#define ATRIUM_NET_IMAP_H

#include <stddef.h>
#include <stdint.h>

#include "core/core.h"
#include "net/net.h"

#define IMAP_BATCH 2000 /* UIDs per FETCH at most (memory: see reference) */

struct imap_account {
	const char *url;      /* imaps://host[:port] or imap://host[:port] */
	const char *user;
	const char *password;
	struct net_tls tls;
	int timeout_s;        /* a silent server fails after this: 0 = 20 s */
};

/* ---- flags --------------------------------------------------------------- */

enum {
	IMAP_F_SEEN = 1 << 0,
	IMAP_F_ANSWERED = 1 << 1,
	IMAP_F_FLAGGED = 1 << 2,
	IMAP_F_DELETED = 1 << 3,
	IMAP_F_DRAFT = 1 << 4,
	IMAP_F_RECENT = 1 << 5,    /* read only */
	IMAP_F_FORWARDED = 1 << 6, /* $Forwarded */
	IMAP_F_JUNK = 1 << 7,      /* $Junk */
	IMAP_F_NOTJUNK = 1 << 8,   /* $NotJunk */
	IMAP_F_MDNSENT = 1 << 9,   /* $MDNSent */
};

/* The bit of a flag name ("\\Seen", "$Junk"; case-insensitive), 0 when it
 * is not one of the above. */
unsigned imap_flag_parse(const char *name);
/* "\\Seen \\Flagged $Forwarded" for the bits (in the order above). */
void imap_flags_format(unsigned flags, char *out, size_t n);

/* ---- mailboxes ----------------------------------------------------------- */

enum imap_special {
	IMAP_SP_NONE,
	IMAP_SP_INBOX,
	IMAP_SP_DRAFTS,
	IMAP_SP_SENT,
	IMAP_SP_TRASH,
	IMAP_SP_JUNK,
	IMAP_SP_ARCHIVE,
	IMAP_SP_ALL,
	IMAP_SP_FLAGGED,
};

/* The special use of a LIST flag ("\\Drafts" or "Drafts"). */
enum imap_special imap_special_parse(const char *flag);
const char *imap_special_name(enum imap_special sp); /* "drafts", "" for none */

struct imap_mailbox {
	char *name;   /* as on the wire (modified UTF-7) */
	char delim;   /* hierarchy delimiter, 0 when flat */
	enum imap_special special;
	int noselect;
};

void imap_mailboxes_free(struct imap_mailbox *v, size_t n);

struct imap_selected {
	uint32_t uidvalidity;
	uint32_t uidnext;
	uint32_t exists;
	uint64_t highestmodseq; /* 0: the server has no CONDSTORE */
	int readonly;
};

/* ---- messages ------------------------------------------------------------ */

struct imap_addr {
	char *name;  /* display name, raw (may hold encoded words), or NULL */
	char *email; /* mailbox@host */
};

struct imap_msg {
	uint32_t uid;
	unsigned flags;       /* IMAP_F_* */
	int64_t internaldate; /* unix seconds, when the server received it */
	uint32_t size;        /* RFC822.SIZE */
	int attachments;      /* parts that are attachments (BODYSTRUCTURE) */
	char *date;           /* the Date header, raw, or NULL */
	char *subject;        /* raw, or NULL */
	struct imap_addr *from, *to, *cc;
	size_t nfrom, nto, ncc;
	char *message_id;     /* with its <>, or NULL */
	char *in_reply_to;
	char *references;     /* unfolded raw value, or NULL */
};

void imap_msgs_free(struct imap_msg *v, size_t n);

/* The value of header `name` in a header block (unfolded: CRLF + WSP
 * become the WSP), or NULL when absent. Raw bytes otherwise. */
char *imap_header_value(const char *hdr, size_t len, const char *name);

/* ---- the TLS check ------------------------------------------------------- */

struct imap_der {
	const unsigned char *data;
	size_t len;
};

/* Check a server's chain (leaf first) for host under t; pin receives the
 * leaf key's pin in every case where the leaf parses. 0 or E_TLS (message
 * with the pin), E_NOTFOUND when GnuTLS cannot be loaded. */
int imap_tls_check(const struct imap_der *chain, size_t n, const char *host,
		   const struct net_tls *t, char pin[NET_PIN_MAX], struct err *e);

/* Split imaps://host:port or imap://host:port (IPv6 in brackets; a
 * trailing / is allowed). host has room for 256 bytes. */
int imap_parse_url(const char *url, int *implicit_tls, char host[256], int *port,
		   struct err *e);

/* ---- the session (blocking; one thread at a time) ------------------------ */

struct imap_session;

/* Load the libraries and copy the account; no connection yet. */
int imap_session_new(const struct imap_account *a, struct imap_session **out, struct err *e);
void imap_session_free(struct imap_session *s);
/* From any thread: the call in progress (or the next) ends with
 * E_CANCELLED and the connection is dropped. */
void imap_session_cancel(struct imap_session *s);
/* Clear a cancel so the session can be opened again. */
void imap_session_reset(struct imap_session *s);

/* Connect, TLS (STARTTLS for imap://), check the certificate, log in.
 * E_UNREACHABLE, E_TLS, E_AUTH, E_CANCELLED. */
int imap_open(struct imap_session *s, struct err *e);
int imap_is_open(const struct imap_session *s);
/* The server's key pin after a handshake ("" before one). */
const char *imap_server_pin(const struct imap_session *s);
/* Whether the server announced a capability (after imap_open). */
int imap_has_cap(struct imap_session *s, const char *name);

int imap_list(struct imap_session *s, struct imap_mailbox **out, size_t *n, struct err *e);
/* SELECT (or EXAMINE when readonly) with CONDSTORE where offered. */
int imap_select(struct imap_session *s, const char *mailbox, int readonly,
		struct imap_selected *out, struct err *e);
/* The selected mailbox's UIDs in lo..hi (hi 0: no limit), ascending. */
int imap_search_uids(struct imap_session *s, uint32_t lo, uint32_t hi, uint32_t **uids,
		     size_t *n, struct err *e);

/* One batch of messages; the callee owns msgs (imap_msgs_free). Non-zero
 * stops the fetch with that code. */
typedef int (*imap_batch_fn)(void *arg, struct imap_msg *msgs, size_t n);
/* Envelopes, flags, sizes and attachment counts of uids (ascending), in
 * batches of at most IMAP_BATCH. A batch the server's answer cannot be
 * parsed for is fetched again in halves on a new connection; a single
 * message that still fails is skipped and counted in *skipped. */
int imap_fetch_headers(struct imap_session *s, const uint32_t *uids, size_t n,
		       imap_batch_fn fn, void *arg, int *skipped, struct err *e);
/* The flags of messages UID lo:* (IMAP_F_RECENT left out): all of them,
 * or with changedsince (CONDSTORE) only those changed after that
 * modification sequence. A new array (free it). */
struct imap_flags {
	uint32_t uid;
	unsigned flags;
};
int imap_fetch_flags(struct imap_session *s, uint32_t lo, uint64_t changedsince,
		     struct imap_flags **out, size_t *n, struct err *e);
/* The whole message (BODY.PEEK[]: \Seen is not set), byte-exact. */
int imap_fetch_body(struct imap_session *s, uint32_t uid, struct buf *out, struct err *e);

enum imap_store_op { IMAP_STORE_ADD, IMAP_STORE_REMOVE, IMAP_STORE_SET };
int imap_store_flags(struct imap_session *s, const uint32_t *uids, size_t n,
		     enum imap_store_op op, unsigned flags, struct err *e);
/* UID COPY (or MOVE: UID MOVE when the server has it, else COPY alone and
 * the caller marks and expunges) of uids in the selected mailbox to
 * `mailbox`. With UIDPLUS, dest[i] is the new UID of uids[i] (0 when the
 * server did not say) and *dest_validity the target's UIDVALIDITY. */
int imap_copy(struct imap_session *s, const uint32_t *uids, size_t n, const char *mailbox,
	      int move, uint32_t *dest, uint32_t *dest_validity, struct err *e);
/* Remove uids marked \Deleted for good: UID EXPUNGE with UIDPLUS, else
 * EXPUNGE (every \Deleted message of the mailbox). */
int imap_expunge(struct imap_session *s, const uint32_t *uids, size_t n, struct err *e);
/* A server-side search of the selected mailbox: every field given must
 * match (strings as IMAP matches them: a substring, case-insensitive;
 * sent as UTF-8), dates are unix seconds (day granularity), set/unset
 * are IMAP_F_* bits the messages must have or lack. */
struct imap_query {
	const char *from, *to, *cc, *subject, *body;
	const char *const *text; /* words anywhere in the message */
	size_t ntext;
	int64_t since, before;
	unsigned set, unset;
};
int imap_search(struct imap_session *s, const struct imap_query *q, uint32_t **uids, size_t *n,
		struct err *e);
/* Folder management (names on the wire, modified UTF-7). */
enum imap_mbox_op { IMAP_MBOX_CREATE, IMAP_MBOX_DELETE, IMAP_MBOX_RENAME, IMAP_MBOX_SUBSCRIBE,
		    IMAP_MBOX_UNSUBSCRIBE };
int imap_mailbox_op(struct imap_session *s, enum imap_mbox_op op, const char *mailbox,
		    const char *to, struct err *e);
/* IDLE on the selected mailbox until the server says something (1: sync
 * now), wake_fd (-1: none; drained here) is readable or timeout_ms passes
 * (0). E_NOTFOUND when the server has no IDLE. */
int imap_idle(struct imap_session *s, int wake_fd, int timeout_ms, struct err *e);
/* APPEND a message (bytes as they are, CRLF lines) with flags and an
 * internal date (unix seconds, 0: the server's now); *uid is its UID when
 * the server has UIDPLUS, else 0. */
int imap_append(struct imap_session *s, const char *mailbox, const void *data, size_t len,
		unsigned flags, int64_t when, uint32_t *uid, struct err *e);
/* LOGOUT (best effort) and close. */
void imap_logout(struct imap_session *s);

/* ---- the conn: a worker thread per account -------------------------------- */

struct imap_conn;

struct imap_result {
	int rc;
	struct err e;
	int partial;   /* a batch of a header fetch: more results follow */
	struct imap_mailbox *boxes;
	size_t nboxes;
	struct imap_selected sel;
	struct imap_msg *msgs; /* take them by setting msgs NULL */
	size_t nmsgs;
	int skipped;
	uint32_t uid;  /* an APPEND's new UID (0: unknown) */
	struct buf body;
	char pin[NET_PIN_MAX]; /* the server's pin (for a trust prompt) */
};

/* Runs on the loop's thread. The result is freed after it returns, except
 * what the callback took (set the pointer to NULL). */
typedef void (*imap_done_fn)(void *arg, struct imap_result *r);

int imap_conn_new(struct loop *l, const struct imap_account *a, struct imap_conn **out,
		  struct err *e);
/* Cancel what runs, stop the thread; no callback runs after this. */
void imap_conn_free(struct imap_conn *c);
/* End the request in progress and those queued with E_CANCELLED (their
 * callbacks still run); later requests connect again. */
void imap_conn_cancel(struct imap_conn *c);
/* Requests queued or running. */
int imap_conn_busy(struct imap_conn *c);
/* The connection's state (online, error with reason, ...). */
void imap_conn_state(struct imap_conn *c, struct net_conn *out);

void imap_conn_open(struct imap_conn *c, imap_done_fn fn, void *arg);
void imap_conn_list(struct imap_conn *c, imap_done_fn fn, void *arg);
void imap_conn_select(struct imap_conn *c, const char *mailbox, int readonly, imap_done_fn fn,
		      void *arg);
/* Headers of UIDs lo..hi (hi 0: all) of mailbox: one partial result per
 * batch, then a final one (with sel filled). */
void imap_conn_fetch_headers(struct imap_conn *c, const char *mailbox, uint32_t lo, uint32_t hi,
			     imap_done_fn fn, void *arg);
void imap_conn_fetch_body(struct imap_conn *c, const char *mailbox, uint32_t uid,
			  imap_done_fn fn, void *arg);
void imap_conn_store(struct imap_conn *c, const char *mailbox, const uint32_t *uids, size_t n,
		     enum imap_store_op op, unsigned flags, imap_done_fn fn, void *arg);
void imap_conn_append(struct imap_conn *c, const char *mailbox, const void *data, size_t len,
		      unsigned flags, int64_t when, imap_done_fn fn, void *arg);
void imap_conn_logout(struct imap_conn *c, imap_done_fn fn, void *arg);

#endif
