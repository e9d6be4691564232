/*
 * chat_int.h - the chat module's parts, shared by its files:
 *
 *   model.c  conversations, messages and the roster in the store: one
 *            message is one row whatever way it came (live, carbon,
 *            archive, our own echo), by stanza id, origin id or id
 *   sess.c   the account on the server: connect, catch up from the
 *            archives, the outbox (each message kept until the server has
 *            it), what arrives into the store
 *   chat.c   the module and its verbs
 *   view.c   the tab, with the worker thread that runs the session
 *
 * Times are unix milliseconds.
 */
#ifndef ATRIUM_MODULES_CHAT_INT_H
#define ATRIUM_MODULES_CHAT_INT_H

#include <stdint.h>
#include <stdio.h>
#include <sys/stat.h>

#include "core/core.h"
#include "modules/module.h"
#include "net/xmpp.h"

enum chat_state { CS_RECEIVED, CS_QUEUED, CS_SENT, CS_DELIVERED, CS_READ, CS_FAILED };

/* ---- the account (sess.c) ------------------------------------------------------------- */

struct chat_acct;

/* What the session tells whoever shows it (the tab; `tail`). From the
 * session's thread. */
struct chat_notify {
	void *arg;
	/* a message row was added or changed in conversation conv */
	void (*message)(void *arg, int64_t conv, int64_t row, int added);
	/* presence, roster, rooms or the connection changed */
	void (*changed)(void *arg);
};

/* From [chat]: jid, password (or password_command, or the vault),
 * server, direct_tls, ca_file, pin, nick. E_NOTFOUND without jid; E_USAGE
 * for a JID that is not one. */
int chat_acct_new(const struct module_env *env, struct store *store, struct chat_acct **out,
		  struct err *e);
void chat_acct_free(struct chat_acct *a);
void chat_acct_notify(struct chat_acct *a, const struct chat_notify *n);
/* Sending, correcting and retracting only queue (durably, in the store):
 * for the screen's thread, whose worker then replays the outbox. */
void chat_acct_queue_only(struct chat_acct *a);
const char *chat_acct_jid(const struct chat_acct *a);
struct store *chat_acct_store(struct chat_acct *a);
/* The conversation shown on screen: its messages do not count unread. */
void chat_acct_viewing(struct chat_acct *a, int64_t conv);

/* Connect (resuming when the server kept the stream), then: presence,
 * carbons, roster, rooms joined again, every archive caught up, the
 * outbox replayed. Idempotent. E_UNREACHABLE / E_TLS / E_AUTH. */
int chat_connect(struct chat_acct *a, struct err *e);
void chat_disconnect(struct chat_acct *a);
/* Tell the server whether the user is looking (XEP-0352). */
int chat_set_active(struct chat_acct *a, int active);
int chat_online(const struct chat_acct *a);
/* Run the connection up to ms (wake_fd ends the wait early). */
int chat_pump(struct chat_acct *a, int ms, int wake_fd);
/* Why the connection is down, when it dropped ("" if it did not). */
const char *chat_lost_reason(const struct chat_acct *a, int *code);
/* From any thread: end the wait in progress. */
void chat_cancel(struct chat_acct *a);

/* Catch every archive up (ours, and each room's) from the last stored
 * id; *got counts new messages. */
int chat_catch_up(struct chat_acct *a, int *got, struct err *e);
/* Older messages of a conversation from the server's archive (the
 * store's oldest first), at most n; *got: how many were new. */
int chat_page_back(struct chat_acct *a, int64_t conv, int n, int *got, struct err *e);
/* Take the chat outbox to the server, in order. */
int chat_replay(struct chat_acct *a, FILE *log, int *sent, struct err *e);

/* Queue a message durably (outbox and store row, state queued) and, when
 * online, send it. to: a contact's or a room's bare JID. *row: the
 * message's row. E_QUEUED when it waits for the server. */
int chat_send(struct chat_acct *a, const char *to, const char *text, const char *url,
	      int64_t *row, struct err *e);
/* Correct (XEP-0308) or retract (XEP-0424) one of our messages (its row). */
int chat_correct(struct chat_acct *a, int64_t row, const char *text, struct err *e);
int chat_retract(struct chat_acct *a, int64_t row, struct err *e);
/* Mark a conversation read: unread and mentions to 0, and the peer told
 * (XEP-0333) when online. */
int chat_mark_read(struct chat_acct *a, int64_t conv, struct err *e);

/* Rooms: join (create and configure when new; bookmarked for auto-join),
 * leave (bookmark removed), invite, topic, kick, nick. */
int chat_join(struct chat_acct *a, const char *room, const char *nick, int *created,
	      struct err *e);
int chat_leave(struct chat_acct *a, const char *room, struct err *e);
int chat_room_op(struct chat_acct *a, const char *op, const char *room, const char *arg,
		 const char *reason, struct err *e);
/* Presence to everyone (and every room); kept for the next sessions. */
int chat_presence(struct chat_acct *a, enum xmpp_show show, const char *status, struct err *e);
/* Contacts: add (asks for their presence), remove, approve a request,
 * deny it. */
int chat_contact_op(struct chat_acct *a, const char *op, const char *jid, struct err *e);
/* A person's or a room's address (local@domain, a resource allowed):
 * 0, else E_USAGE with the user's message. */
int chat_addr_check(const char *jid, struct err *e);
/* The file to upload, open for reading (its size in *sb): the fd, else
 * E_NOTFOUND (cannot be opened) or E_USAGE (not a regular file). */
int chat_upload_open(const char *path, struct stat *sb, struct err *e);
/* Upload a file (XEP-0363) and send its link to `to`. */
int chat_upload(struct chat_acct *a, struct loop *l, const char *to, const char *path,
		int64_t *row, struct err *e);

/* Fetch the file a message links to (https only, under our TLS policy)
 * into dir under a safe name (never overwriting); *saved: the name. */
int chat_download(struct chat_acct *a, struct loop *l, int64_t row, const char *dir,
		  char **saved, struct err *e);

/* Presence of a contact (bare JID) or an occupant (room/nick) as last
 * seen by this process; XSHOW_OFFLINE when unknown. */
enum xmpp_show chat_presence_of(struct chat_acct *a, const char *jid, char *status, size_t n);
/* Occupants of a room as last seen: each nick (and role) to fn. */
void chat_occupants(struct chat_acct *a, const char *room,
		    void (*fn)(void *arg, const char *nick, const char *role, enum xmpp_show sh),
		    void *arg);

/* ---- chat.c --------------------------------------------------------------------------- */

/* Run a verb against an account (the tab's worker runs the screen's
 * command lines this way): as in batch mode, with ctx->out for output. */
int chat_verb_run(const struct module_env *env, struct chat_acct *a, struct cmd_ctx *ctx,
		  int argc, char **argv);

/* ---- the store (model.c) ---------------------------------------------------------------- */

struct chat_row {
	const char *stanza_id, *origin_id, *msg_id;
	const char *sender;  /* a contact's bare JID; an occupant's room/nick */
	const char *nick;
	const char *body;
	const char *url;
	const char *event;   /* "kick", "ban", "nick", "topic", "invite", or NULL */
	int64_t ts;
	int outgoing;
	int state;
	int mention;
};

/* The conversation of a JID (kind "chat", "room" or "pm"), made when
 * create; 0 when absent. */
int64_t chat_conv_id(struct store *s, const char *account, const char *jid, const char *kind,
		     int create);
/* Store a message once: a row with the same stanza id, or (before the
 * archive named it) the same origin id or id from the same sender, is
 * the same message: it gets what it lacked (the stanza id, a later
 * state) instead of a second row. *row: its row; returns 1 when added,
 * 0 when it was there, or an E_* code. */
int chat_msg_put(struct store *s, int64_t conv, const struct chat_row *r, int64_t *row,
		 struct err *e);
/* The row of a message in conv by any of its ids (from: its sender, or
 * NULL for any); 0 when none. */
int64_t chat_msg_find(struct store *s, int64_t conv, const char *id, const char *from);
/* Apply a correction or a retraction to a row (of that sender only). */
int chat_msg_edit(struct store *s, int64_t row, const char *body, int retract, struct err *e);
int chat_msg_state(struct store *s, int64_t row, int state, const char *error);

/* One message for output. */
struct chat_msg {
	int64_t row;
	char *chat;       /* the conversation's JID */
	char *sender;
	char *nick;
	char *body;
	char *url;
	char *event;
	char *error;
	char *stanza_id, *origin_id, *msg_id;
	int64_t ts;
	int outgoing, state, edited, retracted, mention;
};
void chat_msg_free(struct chat_msg *m);
void chat_msgs_free(struct chat_msg *v, size_t n);
/* The newest `limit` messages of conv (0: all) since since_ms (0: any),
 * oldest first; before_row > 0: only older than that row. */
int chat_history(struct store *s, int64_t conv, int limit, int64_t since_ms, int64_t before_row,
		 struct chat_msg **out, size_t *n, struct err *e);
int chat_msg_get(struct store *s, int64_t row, struct chat_msg *m, struct err *e);

/* Messages whose text matches (the store's full-text index: Chinese
 * words segmented), newest first. */
int chat_search(struct store *s, const char *account, const char *query, int limit,
		struct chat_msg **out, size_t *n, struct err *e);

struct chat_conv {
	int64_t id;
	char *jid, *kind, *name, *nick, *topic;
	int unread, mentions, joined;
	int64_t last_ts;
};
void chat_convs_free(struct chat_conv *v, size_t n);
/* Conversations, the latest activity first (kind NULL: all). */
int chat_convs(struct store *s, const char *account, const char *kind, struct chat_conv **out,
	       size_t *n, struct err *e);

struct chat_contact {
	char *jid, *name, *subscription;
	int ask, request;
};
void chat_contacts_free(struct chat_contact *v, size_t n);
int chat_roster_list(struct store *s, const char *account, struct chat_contact **out, size_t *n,
		     struct err *e);
int chat_roster_put(struct store *s, const char *account, const char *jid, const char *name,
		    const char *subscription, int ask);
int chat_roster_request(struct store *s, const char *account, const char *jid, int pending);

/* "alice" for alice@example.test, "bob" for room@conf/bob. */
void chat_short_name(const char *jid, char *out, size_t n);
/* A nick is mentioned in text: as a word of its own, any case. */
int chat_mentions(const char *text, const char *nick);

#endif
