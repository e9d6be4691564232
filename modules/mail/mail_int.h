/*
 * mail_int.h - the mail module's parts, shared by its files:
 *
 *   hdr.c    header text as people read it: RFC 2047 encoded words, raw
 *            8-bit bytes, addresses, the Date header (untrusted input)
 *   mime.c   the first text/plain part of a message, decoded to UTF-8
 *   sync.c   the account: the server's folders and messages into the store
 *   mail.c   the module and its verbs
 */
#ifndef ATRIUM_MODULES_MAIL_INT_H
#define ATRIUM_MODULES_MAIL_INT_H

#include <stdint.h>
#include <stdio.h>

#include "core/core.h"
#include "modules/module.h"
#include "net/imap.h"

/* ---- hdr.c ------------------------------------------------------------------ */

/* Append a header value decoded to UTF-8: encoded words (B and Q, any
 * charset txt_to_utf8 knows; adjacent words of one charset are joined
 * before conversion, so a character split across them survives; the
 * white space between encoded words is dropped); raw bytes kept when they
 * are UTF-8, else read as `fallback` (NULL: GB18030). A malformed encoded
 * word stays as it was written. Tabs and line breaks become spaces, other
 * control characters U+FFFD: the result is valid UTF-8 with no C0 control. */
void mail_hdr_decode(const char *in, size_t len, const char *fallback, struct buf *out);
/* The same into a new string. */
char *mail_hdr_decode_str(const char *in, const char *fallback);
/* "Name <a@b>, c@d" with the names decoded. */
void mail_addrs_format(const struct imap_addr *v, size_t n, struct buf *out);
/* A Date header (RFC 5322, lenient) as unix seconds; -1 if it does not
 * parse. */
int64_t mail_date_parse(const char *s);

/* Mailbox names: modified UTF-7 (as on the wire) to UTF-8, appended;
 * -1 when the name is not well formed (the caller shows it as it is). */
int mail_mutf7_decode(const char *in, struct buf *out);
/* UTF-8 to modified UTF-7. */
char *mail_mutf7_encode(const char *in);

#include "modules/mail/compose.h"
#include "modules/mail/mime.h"

/* ---- sync.c ----------------------------------------------------------------- */

struct mail_acct;
struct outbox_entry;
struct net_replay_stats;

/* From [mail]; E_NOTFOUND when the section has no imap. */
int mail_acct_new(const struct module_env *env, struct mail_acct **out, struct err *e);
void mail_acct_free(struct mail_acct *a);
/* The account's key in mail_folder.account. */
const char *mail_acct_key(const struct mail_acct *a);
/* LIST and keep the selectable folders with their special use; a folder
 * gone from a listing that succeeded is dropped with its messages. */
int mail_acct_folders(struct mail_acct *a, struct err *e);
struct mail_sync_count {
	int added, changed, removed, skipped;
	int bodies; /* fetched for offline reading (prefetch) */
};
/* Sync one folder (by its name on the server) into the store. */
int mail_acct_sync_folder(struct mail_acct *a, const char *name, struct mail_sync_count *c,
			  struct err *e);
/* Create, delete, rename, subscribe or unsubscribe a folder on the
 * server (wire names), then the cache's list follows. */
int mail_acct_folder_op(struct mail_acct *a, enum imap_mbox_op op, const char *wire,
			const char *to, struct err *e);
/* Wait on a folder for news (IMAP IDLE): 1 when the server said
 * something (sync it), 0 when timeout_ms passed or wake_fd woke it,
 * E_NOTFOUND when the server has no IDLE. */
int mail_acct_idle(struct mail_acct *a, const char *name, int wake_fd, int timeout_ms,
		   struct err *e);
/* Fetch the bodies [mail] prefetch asks for (all, none, or the last N
 * days; 30 by default) that the cache lacks, newest first, so they can be
 * read offline; stop (may be NULL) is asked between bodies. */
int mail_acct_prefetch(struct mail_acct *a, const char *name, int (*stop)(void *), void *arg,
		       int *fetched, struct err *e);
/* The search index entries (subject, senders) of the messages a sync
 * added: a sync writes only their rows, this fills in the index after,
 * in batches of their own transactions, asking stop (may be NULL) between
 * them. A search calls it first, so what was synced is found. */
int mail_index_catch_up(struct mail_acct *a, int (*stop)(void *), void *arg, int *done,
			struct err *e);
/* The message's bytes: the cached blob, else fetched and cached. */
int mail_acct_body(struct mail_acct *a, int64_t id, struct buf *out, struct err *e);
/* From any thread: the call in progress ends (E_CANCELLED), and so does
 * every later one; for a worker that is stopping. */
void mail_acct_cancel(struct mail_acct *a);

/* For the parts that act on the server (act.c): the open session (NULL
 * and e filled when offline or refused), a folder SELECTed for writing
 * (its UIDVALIDITY), the store and the module's environment. */
struct imap_session *mail_acct_session(struct mail_acct *a, struct err *e);
int mail_acct_select(struct mail_acct *a, const char *name, uint32_t *uidvalidity,
		     struct err *e);
struct store *mail_acct_store(struct mail_acct *a);
/* The account as the server knows it (user, password, TLS), its password
 * found (config, command or vault); NULL and e filled when none can be. */
const struct imap_account *mail_acct_server(struct mail_acct *a, struct err *e);
/* Set by mail_acct_cancel: long calls (SMTP) watch it. */
const int *mail_acct_cancel_flag(struct mail_acct *a);
/* The cached folder a user named: as on the server, or in UTF-8 ("已发送"
 * for "&XfJT0ZAB-"); NULL when the cache has neither. */
char *mail_folder_wire(struct mail_acct *a, const char *given);
/* Remove rows (with their bodies and search entries) from the cache. */
int mail_cache_drop(struct mail_acct *a, const int64_t *ids, size_t n, int *removed,
		    struct err *e);
const struct module_env *mail_acct_env(struct mail_acct *a);

/* ---- act.c: what the user does to messages, offline first ---------------------- */

/*
 * Every change is queued in the outbox (durably) and then applied to the
 * cache, so the screen shows it at once and nothing is lost when the
 * server is away; mail_act_replay takes the queue to the server in order.
 * A moved or copied message waits in its new folder as a row with a
 * negative UID until the server gives it a real one.
 */
enum mail_mark {
	MAIL_READ, MAIL_UNREAD, MAIL_FLAG, MAIL_UNFLAG, MAIL_DELETED, MAIL_UNDELETED,
	MAIL_ANSWERED, MAIL_FORWARDED,
};
int mail_act_mark(struct mail_acct *a, const int64_t *ids, size_t n, enum mail_mark m,
		  struct err *e);
/* Move (copy 0) or copy messages to the folder of that wire name. */
int mail_act_move(struct mail_acct *a, const int64_t *ids, size_t n, const char *target,
		  int copy, struct err *e);
/* Delete: to the Trash folder; in Trash (or with no Trash folder) marked
 * deleted, for expunge. */
int mail_act_delete(struct mail_acct *a, const int64_t *ids, size_t n, struct err *e);
/* To the Archive folder (E_NOTFOUND when the account has none). */
int mail_act_archive(struct mail_acct *a, const int64_t *ids, size_t n, struct err *e);
/* Remove the messages marked deleted in a folder, for good. *n: how many. */
int mail_act_expunge(struct mail_acct *a, const char *folder, int *n, struct err *e);
/* The wire name of the folder with that special use ("trash"), or NULL. */
char *mail_special_folder(struct mail_acct *a, const char *special);
/* Take the mail outbox to the servers (IMAP changes, mail to send), in
 * order. Returns E_UNREACHABLE/E_TLS/E_AUTH when a server cannot be used
 * (what is left waits), else 0; st counts. */
int mail_act_replay(struct mail_acct *a, FILE *log, struct net_replay_stats *st, struct err *e);

/* ---- send.c: mail out through the outbox ------------------------------------------ */

/* Queue a message (its bytes, CRLF lines) for sending: durable before it
 * returns; the envelope from and recipients (Bcc included) ride with it.
 * Message-ID (with <>) is the key: the same mail queued twice is one. */
int mail_send_queue(struct mail_acct *a, const char *from, const char *const *rcpts,
		    size_t nrcpt, const void *msg, size_t len, const char *message_id,
		    const char *summary, int64_t *entry, struct err *e);
/* Replay of one "send" entry (act.c's replay calls it). */
int mail_send_replay(struct mail_acct *a, struct outbox_entry *en, struct err *e);
/* Queue the bytes of a draft for the Drafts folder (APPEND with \Draft);
 * its replay (kind "draft"). */
int mail_draft_queue(struct mail_acct *a, const void *msg, size_t len, const char *message_id,
		     const char *summary, int64_t *entry, struct err *e);
int mail_draft_replay(struct mail_acct *a, struct outbox_entry *en, struct err *e);
/* The envelope sender and the From header of the account: [mail] from,
 * else the user when it is an address; E_USAGE when neither. */
int mail_from_address(struct mail_acct *a, char **name, char **addr, struct err *e);

/* ---- search.c ------------------------------------------------------------------- */

/* A parsed query: words (full text: subjects, senders, bodies fetched)
 * and fields that must all hold. */
struct mail_query {
	char *from, *to, *subject; /* substrings of the headers, or NULL */
	char *words;               /* anywhere (full-text index; IMAP TEXT), or NULL */
	char *body;                /* body: a phrase of the text (IMAP BODY), or NULL */
	int64_t since, before;     /* unix seconds (UTC days), 0: none */
	unsigned set, unset;       /* IMAP_F_* the messages have / lack */
	int attachment;
};
/* E_USAGE naming what is wrong (a date, an is: value). */
int mail_query_parse(const char *text, struct mail_query *q, struct err *e);
void mail_query_free(struct mail_query *q);
/* The cached messages that match (folder: a wire name, NULL for all),
 * newest first. */
int mail_search_local(struct mail_acct *a, const struct mail_query *q, const char *folder,
		      int64_t **ids, size_t *n, struct err *e);
/* IMAP SEARCH in one folder; hits the cache lacks are synced first. */
int mail_search_server(struct mail_acct *a, const struct mail_query *q, const char *folder,
		       int64_t **ids, size_t *n, struct err *e);

/* ---- verbs.c: the verbs that change something ---------------------------------- */

int mail_verb_known(const char *verb);
/* E_USAGE (and the message) when the arguments cannot be right; 0 else.
 * Touches neither store nor network. */
int mail_verb_usage(struct cmd_ctx *ctx, int argc, char **argv);
int mail_verb_run(struct mail_acct *a, struct cmd_ctx *ctx, int argc, char **argv);

/* The original of a reply or forward: fill raw with its bytes, then
 * mail_orig_parse makes o (for mail_reply / mail_forward) point into it. */
struct mail_orig_msg {
	struct buf raw;
	struct mail_text t;
	char *msgid, *refs;
	struct mail_mbox *reply_to, *to, *cc, *from;
	size_t nreply_to, nto, ncc, nfrom;
	struct mail_orig o;
};
void mail_orig_parse(struct mail_orig_msg *g);
void mail_orig_free(struct mail_orig_msg *g);
/* [mail] signature_file, under "-- " at the end of what the user wrote. */
void mail_add_signature(struct mail_acct *a, struct buf *body);

/* ---- view.c: the tab, with its worker thread ------------------------------------ */

struct mail_view;

struct mail_view *mail_view_new(const struct module_env *env);
void mail_view_free(struct mail_view *v);
struct account;
/* acct: drawn while nothing is cached yet. */
void mail_view_draw(struct mail_view *v, struct ui_area *area, const struct account *acct);
int mail_view_key(struct mail_view *v, int key);
void mail_view_event(struct mail_view *v, const struct module_event *ev);
/* state and unread; 0 when the view has nothing to say (no account). */
int mail_view_status(struct mail_view *v, struct module_status *st);
/* Start a sync of the folders and the current folder on the worker; the
 * answer comes later (redraw). 0 or an E_* code. */
int mail_view_sync(struct mail_view *v, struct err *e);
/* Take the outbox to the server on the worker (after an action). */
int mail_view_replay(struct mail_view *v, struct err *e);
/* Show the folder of that wire name (the index of the cache). */
void mail_view_folder(struct mail_view *v, const char *wire);
/* While the compose screen is up: it takes text (':' is text); it holds
 * text not sent (the shell asks before quitting; a draft is kept anyway). */
int mail_view_taking_text(struct mail_view *v);
int mail_view_unsaved(struct mail_view *v);
/* Show message id (its body from the cache or the worker). */
int mail_view_open(struct mail_view *v, int64_t id, struct err *e);

#endif
