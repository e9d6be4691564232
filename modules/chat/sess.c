/*
 * sess.c - the chat account on the server; see chat_int.h.
 *
 * Everything that arrives goes to the store first (model.c keeps one row
 * per message whichever way it came); the screen and `tail` hear of it
 * after. Our messages go through the outbox: queued durably, sent, and
 * done only when the server has answered a ping sent after them (streams
 * are ordered, so the server has handled the message). A message whose
 * fate a cut left unknown is looked for in the archive before it is sent
 * again: the catch-up that follows every connect brings our own messages
 * back with their origin id, and one found there is done, not resent.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "i18n/i18n.h"
#include "modules/account.h"
#include "modules/chat/chat_int.h"
#include "store/store.h"

#define PAGE 250           /* archive results asked per page (servers cap it) */
/* a catch-up that has fetched this many and finds more reads the rest on a
 * second connection (reader_open); the session goes on asking while it
 * logs in (about 100 ms here, several round trips on a slow link) */
#define READER_AFTER PAGE
#define INITIAL_DEFAULT 500 /* messages of an archive fetched the first time */
#define CHAT_MAX_TEXT (240 * 1024) /* a message's text as XML, at most */

struct occupant {
	char *jid;      /* room/nick, or a contact's full JID */
	enum xmpp_show show;
	char *status;
	char role[12];
};

struct chat_acct {
	const struct module_env *env;
	struct store *store;
	char *jid;       /* bare: the account's key in the store */
	char *nick;      /* in rooms, unless a room has its own */
	char *password;
	struct xmpp_account xa;
	struct xsess *s;
	struct chat_notify notify;
	int64_t viewing;
	int initial;     /* [chat] history: messages fetched the first time */
	int lost_code;
	char lost_reason[600];
	int catching;    /* a catch-up runs: live ids do not move the marks */
	int queue_only;  /* the tab's main-thread account: the worker sends */
	int in_batch;    /* a transaction of what arrives is open (on_turn) */
	struct xsess *rd_connecting; /* a catch-up's reader logging in (on_turn) */
	int rd_pumping;
	/* presences seen in this process; the tab reads them from the
	 * main thread while the worker writes: under plock */
	pthread_mutex_t plock;
	struct occupant *occ;
	size_t nocc, capocc;
	/* rooms joined on this connection */
	char **joined;
	size_t njoined;
	/* JIDs found not to be rooms on this connection */
	char **checked;
	size_t nchecked;
	/* the last error a room sent back for one of our messages */
	char err_id[64];
	char err_text[256];
};

static sqlite3 *db(struct chat_acct *a)
{
	return store_cache(a->store);
}

/* Our clock for a message, in whole seconds as servers stamp them
 * (XEP-0082 stamps from Prosody carry no fraction): a reply stamped in
 * the same second as ours must not sort before it, and (ts, id) orders
 * within a second by arrival. */
static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000;
}



/* ---- meta marks ------------------------------------------------------------------ */

static char *meta_get(struct chat_acct *a, const char *name)
{
	sqlite3_stmt *st;
	char *v = NULL, key[512];

	snprintf(key, sizeof key, "chat.%s.%s", name, a->jid);
	if (sqlite3_prepare_v2(db(a), "SELECT value FROM meta WHERE key = ?1", -1, &st, NULL) !=
	    SQLITE_OK)
		return NULL;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
		v = xstrdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return v;
}

static void meta_set(struct chat_acct *a, const char *name, const char *value)
{
	sqlite3_stmt *st;
	char key[512];

	snprintf(key, sizeof key, "chat.%s.%s", name, a->jid);
	if (sqlite3_prepare_v2(db(a), "INSERT OR REPLACE INTO meta(key, value) VALUES(?1, ?2)", -1,
			       &st, NULL) != SQLITE_OK)
		return;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, value, -1, SQLITE_TRANSIENT);
	sqlite3_step(st);
	sqlite3_finalize(st);
}

/* A conversation's columns we need here. */
struct conv_info {
	int64_t id;
	char kind[8];
	char nick[256];
	char last[128];
	int joined;
};

static int conv_info(struct chat_acct *a, int64_t id, struct conv_info *ci)
{
	sqlite3_stmt *st;
	int ok = 0;

	memset(ci, 0, sizeof *ci);
	if (sqlite3_prepare_v2(db(a), "SELECT kind, nick, last_stanza_id, joined FROM chat_conv"
				      " WHERE id = ?1", -1, &st, NULL) != SQLITE_OK)
		return 0;
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW) {
		ci->id = id;
		snprintf(ci->kind, sizeof ci->kind, "%s",
			 sqlite3_column_text(st, 0) ? (const char *)sqlite3_column_text(st, 0) : "");
		snprintf(ci->nick, sizeof ci->nick, "%s",
			 sqlite3_column_text(st, 1) ? (const char *)sqlite3_column_text(st, 1) : "");
		snprintf(ci->last, sizeof ci->last, "%s",
			 sqlite3_column_text(st, 2) ? (const char *)sqlite3_column_text(st, 2) : "");
		ci->joined = sqlite3_column_int(st, 3);
		ok = 1;
	}
	sqlite3_finalize(st);
	return ok;
}

static void conv_set(struct chat_acct *a, int64_t id, const char *col, const char *text,
		     int64_t num)
{
	sqlite3_stmt *st;
	char sql[128];

	snprintf(sql, sizeof sql, "UPDATE chat_conv SET %s = ?2 WHERE id = ?1", col);
	if (sqlite3_prepare_v2(db(a), sql, -1, &st, NULL) != SQLITE_OK)
		return;
	sqlite3_bind_int64(st, 1, id);
	if (text)
		sqlite3_bind_text(st, 2, text, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_int64(st, 2, num);
	sqlite3_step(st);
	sqlite3_finalize(st);
}

static void conv_bump(struct chat_acct *a, int64_t id, int mention)
{
	sqlite3_stmt *st;

	if (sqlite3_prepare_v2(db(a), "UPDATE chat_conv SET unread = unread + 1,"
				      " mentions = mentions + ?2 WHERE id = ?1", -1, &st, NULL) != SQLITE_OK)
		return;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int(st, 2, mention ? 1 : 0);
	sqlite3_step(st);
	sqlite3_finalize(st);
}

/* ---- the account -------------------------------------------------------------------- */


int chat_acct_new(const struct module_env *env, struct store *store, struct chat_acct **out,
		  struct err *e)
{
	const struct conf *c = env->conf;
	const char *jid = conf_get(c, "chat", "jid"), *v;
	struct chat_acct *a;
	char local[256];

	*out = NULL;
	if (!jid || !*jid)
		return err_set(e, E_NOTFOUND, "no chat account: set jid in the [chat] section "
					      "(docs/config.md)");
	if (!xmpp_jid_valid(jid, 1) || !strchr(jid, '@'))
		return err_set(e, E_USAGE, "[chat] jid: \"%s\" is not a JID like name@example.org", jid);
	if (!store)
		return err_set(e, E_LOCKED, "the store is locked");
	a = xcalloc(1, sizeof *a);
	pthread_mutex_init(&a->plock, NULL);
	a->env = env;
	a->store = store;
	a->jid = xstrdup(jid);
	for (char *p = a->jid; *p && *p != '/'; p++) /* bare JIDs compare caseless */
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	chat_short_name(a->jid, local, sizeof local);
	a->nick = xstrdup((v = conf_get(c, "chat", "nick")) && *v ? v : local);
	a->xa.jid = a->jid;
	a->xa.server = conf_get(c, "chat", "server");
	a->xa.tls.ca_file = (char *)conf_get(c, "chat", "ca_file");
	if ((v = conf_get(c, "chat", "pin"))) {
		if (!net_pins_valid(v)) {
			chat_acct_free(a);
			return err_set(e, E_USAGE, "[chat] pin: expected sha256//BASE64 (44 characters), "
						   "several separated by ;");
		}
		a->xa.tls.pins = (char *)v;
	}
	if ((v = conf_get(c, "chat", "direct_tls")) && conf_bool(v, &a->xa.direct_tls) < 0) {
		chat_acct_free(a);
		return err_set(e, E_USAGE, "[chat] direct_tls: expected yes or no");
	}
	a->initial = INITIAL_DEFAULT;
	if ((v = conf_get(c, "chat", "history"))) {
		char *end;
		long n = strtol(v, &end, 10);
		if (*end || n < 0 || n > 1000000) {
			chat_acct_free(a);
			return err_set(e, E_USAGE, "[chat] history: a number of messages (0 to 1000000)");
		}
		a->initial = (int)n;
	}
	*out = a;
	return 0;
}

void chat_acct_free(struct chat_acct *a)
{
	if (!a)
		return;
	xsess_free(a->s);
	if (a->password) {
		sodium_memzero(a->password, strlen(a->password));
		free(a->password);
	}
	for (size_t i = 0; i < a->nocc; i++) {
		free(a->occ[i].jid);
		free(a->occ[i].status);
	}
	free(a->occ);
	pthread_mutex_destroy(&a->plock);
	for (size_t i = 0; i < a->njoined; i++)
		free(a->joined[i]);
	free(a->joined);
	for (size_t i = 0; i < a->nchecked; i++)
		free(a->checked[i]);
	free(a->checked);
	free(a->jid);
	free(a->nick);
	free(a);
}

void chat_acct_queue_only(struct chat_acct *a)
{
	a->queue_only = 1;
}

void chat_acct_notify(struct chat_acct *a, const struct chat_notify *n)
{
	a->notify = *n;
}

const char *chat_acct_jid(const struct chat_acct *a)
{
	return a->jid;
}

struct store *chat_acct_store(struct chat_acct *a)
{
	return a->store;
}

void chat_acct_viewing(struct chat_acct *a, int64_t conv)
{
	__atomic_store_n(&a->viewing, conv, __ATOMIC_RELEASE);
}

int chat_online(const struct chat_acct *a)
{
	return a->s && xsess_online(a->s);
}

const char *chat_lost_reason(const struct chat_acct *a, int *code)
{
	if (code)
		*code = a->lost_code;
	return a->lost_reason;
}

void chat_cancel(struct chat_acct *a)
{
	if (a->s)
		xsess_cancel(a->s);
}

static void changed(struct chat_acct *a)
{
	if (a->notify.changed)
		a->notify.changed(a->notify.arg);
}

/* ---- presences -------------------------------------------------------------------- */

static struct occupant *occ_find(struct chat_acct *a, const char *jid, int create)
{
	for (size_t i = 0; i < a->nocc; i++)
		if (strcasecmp(a->occ[i].jid, jid) == 0)
			return &a->occ[i];
	if (!create)
		return NULL;
	if (a->nocc == a->capocc) {
		a->capocc = a->capocc ? a->capocc * 2 : 16;
		a->occ = xreallocarray(a->occ, a->capocc, sizeof *a->occ);
	}
	memset(&a->occ[a->nocc], 0, sizeof *a->occ);
	a->occ[a->nocc].jid = xstrdup(jid);
	return &a->occ[a->nocc++];
}

static void occ_drop(struct chat_acct *a, const char *jid)
{
	for (size_t i = 0; i < a->nocc; i++)
		if (strcasecmp(a->occ[i].jid, jid) == 0) {
			free(a->occ[i].jid);
			free(a->occ[i].status);
			a->occ[i] = a->occ[--a->nocc];
			return;
		}
}

enum xmpp_show chat_presence_of(struct chat_acct *a, const char *jid, char *status, size_t n)
{
	enum xmpp_show best = XSHOW_OFFLINE;
	size_t len = strlen(jid);

	if (status && n)
		status[0] = 0;
	pthread_mutex_lock(&a->plock);
	for (size_t i = 0; i < a->nocc; i++) {
		const char *o = a->occ[i].jid;
		/* the JID itself, or a resource of it */
		if (strncasecmp(o, jid, len) != 0 || (o[len] && (o[len] != '/' || strchr(jid, '/'))))
			continue;
		/* available beats chat beats away beats xa beats dnd: the
		 * resource most likely to answer */
		if (best == XSHOW_OFFLINE || a->occ[i].show == XSHOW_AVAILABLE ||
		    a->occ[i].show == XSHOW_CHAT) {
			best = a->occ[i].show;
			if (status && n)
				snprintf(status, n, "%s", a->occ[i].status ? a->occ[i].status : "");
		}
	}
	pthread_mutex_unlock(&a->plock);
	return best;
}

void chat_occupants(struct chat_acct *a, const char *room,
		    void (*fn)(void *arg, const char *nick, const char *role, enum xmpp_show sh),
		    void *arg)
{
	size_t len = strlen(room);

	pthread_mutex_lock(&a->plock);
	for (size_t i = 0; i < a->nocc; i++)
		if (strncasecmp(a->occ[i].jid, room, len) == 0 && a->occ[i].jid[len] == '/')
			fn(arg, a->occ[i].jid + len + 1, a->occ[i].role, a->occ[i].show);
	pthread_mutex_unlock(&a->plock);
}

static void event_row(struct chat_acct *a, int64_t conv, const char *event, const char *who,
		      const char *text)
{
	struct chat_row r = { 0 };
	int64_t row;
	struct err e;

	r.event = event;
	r.nick = who;
	r.body = text ? text : "";
	r.ts = now_ms();
	if (chat_msg_put(a->store, conv, &r, &row, &e) > 0 && a->notify.message)
		a->notify.message(a->notify.arg, conv, row, 1);
}

static void on_presence(void *arg, const struct xmpp_pres *p)
{
	struct chat_acct *a = arg;
	char *bare = xmpp_bare(p->from);
	const char *res = strchr(p->from, '/');
	int64_t room = p->muc ? chat_conv_id(a->store, a->jid, bare, NULL, 0) : 0;

	pthread_mutex_lock(&a->plock);
	if (strcmp(p->type, "subscribe") == 0) {
		pthread_mutex_unlock(&a->plock);
		chat_roster_request(a->store, a->jid, bare, 1);
		pthread_mutex_lock(&a->plock);
	} else if (strcmp(p->type, "") == 0 || strcmp(p->type, "unavailable") == 0) {
		/* occupants are kept whether or not the room's conversation
		 * exists yet (the presences of a join come before it does) */
		if (p->muc && res) {
			struct occupant *o;
			if (strcmp(p->type, "unavailable") == 0) {
				occ_drop(a, p->from);
				if (p->new_nick) {
					if (room && !p->self)
						event_row(a, room, "nick", res + 1, p->new_nick);
					else if (room)
						conv_set(a, room, "nick", p->new_nick, 0);
				} else if (room && (p->kicked || p->banned)) {
					event_row(a, room, p->banned ? "ban" : "kick", res + 1, p->reason);
					if (p->self)
						conv_set(a, room, "joined", NULL, 0);
				}
			} else {
				o = occ_find(a, p->from, 1);
				o->show = p->show;
				xstrset(&o->status, p->status);
				snprintf(o->role, sizeof o->role, "%s", p->role);
			}
		} else if (!p->muc) {
			if (strcmp(p->type, "unavailable") == 0) {
				occ_drop(a, p->from);
			} else {
				struct occupant *o = occ_find(a, p->from, 1);
				o->show = p->show;
				xstrset(&o->status, p->status);
			}
		}
	}
	pthread_mutex_unlock(&a->plock);
	free(bare);
	changed(a);
}

static void on_roster(void *arg, const struct xmpp_roster_item *it)
{
	struct chat_acct *a = arg;

	chat_roster_put(a->store, a->jid, it->jid, it->name, it->subscription, it->ask);
	changed(a);
}

static void on_lost(void *arg, int code, const char *reason)
{
	struct chat_acct *a = arg;

	a->lost_code = code;
	snprintf(a->lost_reason, sizeof a->lost_reason, "%s", reason ? reason : "");
	for (size_t i = 0; i < a->njoined; i++)
		free(a->joined[i]);
	a->njoined = 0;
	changed(a);
}

/* ---- what arrives ------------------------------------------------------------------ */

/* Store one message. archive: NULL live, else the archive it came from
 * (a room's JID, or our own). count: it may count as unread. */
static void ingest(struct chat_acct *a, const struct xmpp_msg *m, const char *archive, int count)
{
	int group = strcmp(m->type, "groupchat") == 0 ||
		    (archive && strcasecmp(archive, a->jid) != 0);
	char *peer = NULL, *fbare = xmpp_bare(m->from);
	const char *sender, *nick = NULL;
	char nickbuf[256];
	int64_t conv, row = 0;
	struct conv_info ci;
	struct chat_row r = { 0 };
	int outgoing = 0, added;
	struct err e;

	if (strcmp(m->type, "error") == 0) {
		/* a message of ours came back refused */
		conv = fbare ? chat_conv_id(a->store, a->jid, fbare, NULL, 0) : 0;
		if (conv && m->id && (row = chat_msg_find(a->store, conv, m->id, NULL))) {
			chat_msg_state(a->store, row, CS_FAILED, m->error_text);
			snprintf(a->err_id, sizeof a->err_id, "%s", m->id);
			snprintf(a->err_text, sizeof a->err_text, "%s",
				 m->error_text ? m->error_text : "refused");
			if (a->notify.message)
				a->notify.message(a->notify.arg, conv, row, 0);
		}
		goto out;
	}
	if (group) {
		const char *res = m->from ? strchr(m->from, '/') : NULL;
		if (!fbare || !(conv = chat_conv_id(a->store, a->jid, fbare, NULL, 0)) ||
		    !conv_info(a, conv, &ci) || strcmp(ci.kind, "room") != 0)
			goto out; /* not a room of ours */
		if (m->has_subject && !m->body) {
			conv_set(a, conv, "topic", m->subject ? m->subject : "", 0);
			if (!archive && res && m->subject && *m->subject && !m->stamp_ms)
				event_row(a, conv, "topic", res + 1, m->subject);
			changed(a);
			goto out;
		}
		if (!res || !res[1])
			goto out; /* the room's own notices */
		nick = res + 1;
		sender = m->from;
		outgoing = ci.nick[0] ? strcmp(nick, ci.nick) == 0 : strcmp(nick, a->nick) == 0;
	} else {
		if (m->invite_room && m->invite_from) {
			char *ib = xmpp_bare(m->invite_from);
			conv = chat_conv_id(a->store, a->jid, ib, "chat", 1);
			chat_short_name(ib, nickbuf, sizeof nickbuf);
			r.event = "invite";
			r.nick = nickbuf;
			r.sender = ib;
			r.url = m->invite_room;
			r.body = m->body ? m->body : "";
			r.ts = m->stamp_ms ? m->stamp_ms : now_ms();
			r.stanza_id = m->stanza_id;
			r.msg_id = m->id;
			if ((added = chat_msg_put(a->store, conv, &r, &row, &e)) > 0 && count)
				conv_bump(a, conv, 0);
			if (added >= 0 && a->notify.message)
				a->notify.message(a->notify.arg, conv, row, added > 0);
			free(ib);
			goto out;
		}
		if (m->carbon == XC_SENT || (fbare && strcasecmp(fbare, a->jid) == 0)) {
			outgoing = 1;
			peer = xmpp_bare(m->to);
		} else {
			peer = xstrdup(fbare ? fbare : "");
		}
		if (!peer || !*peer || strcasecmp(peer, a->jid) == 0)
			goto out;
		conv = chat_conv_id(a->store, a->jid, peer, NULL, 0);
		if (conv && conv_info(a, conv, &ci) && strcmp(ci.kind, "room") == 0) {
			/* a private message through a room: its own conversation */
			const char *full = outgoing ? m->to : m->from;
			if (!full || !strchr(full, '/'))
				goto out;
			free(peer);
			peer = xstrdup(full);
			conv = chat_conv_id(a->store, a->jid, peer, "pm", 1);
		} else if (!conv) {
			if (!m->body && !m->oob_url)
				goto out; /* a receipt or marker for nobody we know */
			conv = chat_conv_id(a->store, a->jid, peer, "chat", 1);
		}
		if (m->receipt_id || m->displayed_id) {
			const char *id = m->receipt_id ? m->receipt_id : m->displayed_id;
			if (!outgoing && (row = chat_msg_find(a->store, conv, id, a->jid))) {
				chat_msg_state(a->store, row, m->receipt_id ? CS_DELIVERED : CS_READ, NULL);
				if (a->notify.message)
					a->notify.message(a->notify.arg, conv, row, 0);
			}
			if (!m->body)
				goto out;
		}
		sender = outgoing ? a->jid : peer;
		chat_short_name(outgoing ? a->jid : peer, nickbuf, sizeof nickbuf);
		nick = strchr(peer, '/') && !outgoing ? strchr(peer, '/') + 1 : nickbuf;
	}
	/* corrections and retractions: of that sender's own messages only */
	if (m->replace_id || m->retract_id) {
		row = chat_msg_find(a->store, conv, m->replace_id ? m->replace_id : m->retract_id,
				    outgoing && !group ? a->jid : sender);
		if (row) {
			chat_msg_edit(a->store, row, m->body, m->retract_id != NULL, &e);
			if (a->notify.message)
				a->notify.message(a->notify.arg, conv, row, 0);
			goto out;
		}
		if (m->retract_id)
			goto out;
	}
	if (!m->body && !m->oob_url)
		goto out;
	r.stanza_id = m->stanza_id;
	r.origin_id = m->origin_id;
	r.msg_id = m->id;
	r.sender = outgoing && !group ? a->jid : sender;
	r.nick = nick;
	r.body = m->body ? m->body : m->oob_url;
	r.url = m->oob_url;
	r.ts = m->stamp_ms ? m->stamp_ms : now_ms();
	r.outgoing = outgoing;
	r.state = outgoing ? CS_SENT : CS_RECEIVED;
	r.mention = group && !outgoing && chat_mentions(m->body, ci.nick[0] ? ci.nick : a->nick);
	added = chat_msg_put(a->store, conv, &r, &row, &e);
	if (added < 0) {
		log_warn("chat: a message not stored: %s", e.msg);
		goto out;
	}
	if (added && !outgoing && count &&
	    __atomic_load_n(&a->viewing, __ATOMIC_ACQUIRE) != conv)
		conv_bump(a, conv, r.mention);
	/* the live stanza id moves the archive's mark when no catch-up runs */
	if (!archive && !a->catching && m->stanza_id) {
		if (group)
			conv_set(a, conv, "last_stanza_id", m->stanza_id, 0);
		else
			meta_set(a, "mam", m->stanza_id);
	}
	if (!archive && !outgoing && !group && m->receipt_request && m->id && a->s)
		xsess_send_receipt(a->s, m->from, m->id, &e);
	if (a->notify.message)
		a->notify.message(a->notify.arg, conv, row, added);
out:
	free(peer);
	free(fbare);
}

/* What arrives in one turn of the connection (a backlog of offline
 * messages comes hundreds at a time) is stored in one transaction, not
 * one commit (and fsync) each; on_turn commits it. Inside a transaction
 * of the caller's (an archive page) nothing is opened. */
static void batch_begin(struct chat_acct *a)
{
	if (!a->in_batch && sqlite3_get_autocommit(db(a)) &&
	    store_exec(db(a), "BEGIN IMMEDIATE", NULL) == 0)
		a->in_batch = 1;
}

static void on_turn(void *arg)
{
	struct chat_acct *a = arg;

	if (a->in_batch) {
		a->in_batch = 0;
		if (store_exec(db(a), "COMMIT", NULL) < 0)
			store_exec(db(a), "ROLLBACK", NULL);
	}
	/* the reader's login goes on while the session waits for a page */
	if (a->rd_connecting && !a->rd_pumping) {
		a->rd_pumping = 1;
		xsess_pump(a->rd_connecting, 0, -1);
		a->rd_pumping = 0;
	}
}

static void on_message(void *arg, const struct xmpp_msg *m)
{
	batch_begin(arg);
	ingest(arg, m, NULL, 1);
}

static void on_turn(void *arg);

/* ---- the archives ------------------------------------------------------------------- */

struct mam_ctx {
	struct chat_acct *a;
	const char *archive;
	int count;
	int got;
	/* results come here while the next page is asked */
	struct xmpp_msg *held;
	size_t n, cap;
};

static void on_result(void *arg, const struct xmpp_msg *m)
{
	struct mam_ctx *c = arg;

	c->got++;
	ingest(c->a, m, c->archive, c->count);
}

static void on_result_hold(void *arg, const struct xmpp_msg *m)
{
	struct mam_ctx *c = arg;

	if (c->n == c->cap) {
		c->cap = c->cap ? 2 * c->cap : PAGE;
		c->held = xrealloc(c->held, c->cap * sizeof *c->held);
	}
	xmpp_msg_copy(&c->held[c->n++], m);
}

/* Store what is held, in the order it came, in one transaction. */
static void mam_store(struct mam_ctx *c)
{
	if (!c->n)
		return;
	on_turn(c->a); /* what came live first: its own commit */
	store_exec(db(c->a), "BEGIN IMMEDIATE", NULL);
	for (size_t i = 0; i < c->n; i++) {
		on_result(c, &c->held[i]);
		xmpp_msg_free(&c->held[i]);
	}
	store_exec(db(c->a), "COMMIT", NULL);
	c->n = 0;
}

/* Forget what a page that failed brought (it is asked again). */
static void mam_forget(struct mam_ctx *c)
{
	for (size_t i = 0; i < c->n; i++)
		xmpp_msg_free(&c->held[i]);
	c->n = 0;
}

static void mam_drop(struct mam_ctx *c)
{
	mam_forget(c);
	free(c->held);
}

/* A long catch-up reads on a second connection of the account that has no
 * stream management: on a managed stream the server keeps a copy of each
 * stanza it sends until we acknowledge it, and Prosody 0.12 spent 3.6 s
 * of CPU serving 10,000 archived messages that way against 2.4 s without
 * (measured here; the server is what a catch-up waits for). Nothing of
 * ours goes out on the reader and it sends no presence, so only the
 * archive's answers come to it; a query it loses is asked again on the
 * session. It logs in while the session goes on (a->rd_connecting, pumped
 * by on_turn); reader_ready says when it can ask. NULL when it cannot
 * begin (the session carries on). */
static struct xsess *reader_open(struct chat_acct *a)
{
	struct xmpp_account xa = a->xa;
	struct xsess_cb cb = { a, on_message, NULL, NULL, NULL, on_turn };
	struct xsess *r;
	struct err e;
	char id[33], res[48];

	xmpp_new_id(id);
	snprintf(res, sizeof res, "atrium.r%.8s", id);
	xa.resource = res;
	xa.no_sm = 1;
	if (xsess_new(&xa, &cb, &r, &e) < 0)
		return NULL;
	xsess_follow(r, a->s);
	if (xsess_connect_begin(r, &e) < 0) {
		log_info("chat: no second connection for the archive (%s)", e.msg);
		xsess_free(r);
		return NULL;
	}
	a->rd_connecting = r;
	return r;
}

static void reader_close(struct chat_acct *a, struct xsess *r)
{
	if (r) {
		if (a->rd_connecting == r)
			a->rd_connecting = NULL;
		xsess_disconnect(r);
		xsess_free(r);
	}
}

/* 1 when the reader is online (it then asks), 0 while it logs in, -1 when
 * its login failed (closed; the session goes on asking). */
static int reader_ready(struct chat_acct *a, struct xsess **rd)
{
	struct err e = { 0 };
	int rc;

	if (!*rd)
		return -1;
	if (a->rd_connecting != *rd)
		return 1;
	if ((rc = xsess_connect_done(*rd, &e)) == 0)
		return 0;
	a->rd_connecting = NULL;
	if (rc < 0) {
		log_info("chat: no second connection for the archive (%s)", e.msg);
		reader_close(a, *rd);
		*rd = NULL;
		return -1;
	}
	log_info("chat: reading the archive on a second connection (%s)", xsess_jid(*rd));
	return 1;
}

/* Fetch forward from `last` (NULL: the newest `initial` backwards) until
 * the archive is complete; *mark gets the newest id. Each page is asked
 * before the one that came is stored, so that the server looks up the
 * next while we store this one (Prosody spends about as long serving a
 * page as we take to store it); a page is stored whole or, when the
 * connection fails under it, not at all. */
static int catch_archive(struct chat_acct *a, const char *archive, const char *with,
			 const char *last, char **mark, int *got, struct err *e)
{
	struct mam_ctx c = { a, archive ? archive : a->jid, 1, 0, NULL, 0, 0 };
	struct xmpp_mam_page pg;
	struct xsess *q = a->s, *rd = NULL; /* q asks: the session or the reader */
	int back = !last, fetched = 0, more = 1, rc = 0, tried = 0;
	char *after = back ? NULL : xstrdup(last), *before = back ? xstrdup("") : NULL;

	*mark = NULL;
	/* the server keeps the archive: a power cut may lose the last pages
	 * stored, and the mark, written after them (synchronous=FULL again),
	 * sends the next catch-up back for them; a page's commit skips its
	 * fsync (40 of them for 10,000 messages). Not inside what came live
	 * (SQLite keeps the level of an open transaction): that commits first */
	on_turn(a);
	store_bulk(db(a), 1, &(struct err){ 0 });
	if (back) {
		/* the first time: the newest messages, pages going back; none
		 * of them counts as unread */
		c.count = 0;
		if (a->initial <= 0)
			more = 0;
	}
	if (more)
		rc = xsess_mam_ask(q, archive, with, after && *after ? after : NULL, before,
				   back && a->initial < PAGE ? a->initial : PAGE, on_result_hold, &c,
				   e);
	while (more && rc == 0) {
		if ((rc = xsess_mam_wait(q, &pg, e)) == 0) {
			fetched += pg.count;
			if (back) {
				if (!*mark && pg.last)
					*mark = xstrdup(pg.last);
				free(before);
				before = pg.first;
				pg.first = NULL;
				more = !pg.complete && pg.count > 0 && before &&
				       fetched < a->initial;
			} else if (pg.last) {
				free(after);
				after = pg.last;
				pg.last = NULL;
				more = !pg.complete && pg.count > 0;
			} else {
				more = 0;
			}
			free(pg.first);
			free(pg.last);
		} else if (q == rd && rc != E_CANCELLED && !xsess_online(rd)) {
			/* the reader's connection failed under the page: the
			 * session asks for the same page again */
			log_info("chat: the second connection failed (%s); the archive's rest "
				 "on the session", e->msg);
			err_clear(e);
			mam_forget(&c);
			reader_close(a, rd);
			rd = NULL;
			q = a->s;
			rc = 0;
		} else {
			break;
		}
		if (reader_ready(a, &rd) == 1)
			q = rd;
		if (more) {
			int want = back && a->initial - fetched < PAGE ? a->initial - fetched : PAGE;
			rc = xsess_mam_ask(q, archive, with, back ? NULL : after,
					   back ? before : NULL, want, on_result_hold, &c, e);
		}
		if (q == rd) /* what comes live meanwhile comes on the session */
			xsess_pump(a->s, 0, -1);
		mam_store(&c);
		if (!back && after) {
			free(*mark);
			*mark = xstrdup(after);
		}
		if (rc == 0 && more && !tried && fetched >= READER_AFTER &&
		    (!back || a->initial - fetched > READER_AFTER)) {
			/* a long catch-up: the second connection logs in while
			 * the session asks on, and asks for the pages after */
			tried = 1;
			rd = reader_open(a);
		}
	}
	mam_drop(&c);
	reader_close(a, rd);
	on_turn(a);
	store_bulk(db(a), 0, &(struct err){ 0 });
	free(after);
	free(before);
	if (back && rc == 0 && !*mark)
		*mark = xstrdup(""); /* an empty archive: from its start next time */
	*got += c.got;
	return rc;
}

/* Our own archive (1:1 and carbons) from the stored mark. */
static int catch_own(struct chat_acct *a, int *got, struct err *e)
{
	char *last, *mark;
	int rc;

	a->catching = 1;
	last = meta_get(a, "mam");
	rc = catch_archive(a, NULL, NULL, last, &mark, got, e);
	if (rc == E_NOTFOUND && last) {
		/* the server no longer knows our mark (archive expired): from
		 * the newest again, the store keeps each message once */
		err_clear(e);
		free(mark);
		rc = catch_archive(a, NULL, NULL, NULL, &mark, got, e);
	}
	if (mark)
		meta_set(a, "mam", mark);
	free(last);
	free(mark);
	a->catching = 0;
	return rc;
}

int chat_catch_up(struct chat_acct *a, int *got, struct err *e)
{
	struct chat_conv *convs;
	size_t n;
	char *mark;
	int rc;

	*got = 0;
	if (!chat_online(a))
		return err_set(e, E_UNREACHABLE, "not connected");
	if ((rc = catch_own(a, got, e)) < 0)
		return rc;
	a->catching = 1;
	if ((rc = chat_convs(a->store, a->jid, "room", &convs, &n, e)) < 0) {
		a->catching = 0;
		return rc;
	}
	for (size_t i = 0; i < n && rc == 0; i++) {
		struct conv_info ci;
		if (!convs[i].joined || !conv_info(a, convs[i].id, &ci))
			continue;
		rc = catch_archive(a, convs[i].jid, NULL, ci.last[0] || convs[i].last_ts ? ci.last : NULL,
				   &mark, got, e);
		if (rc == E_NOTFOUND && ci.last[0]) {
			err_clear(e);
			free(mark);
			rc = catch_archive(a, convs[i].jid, NULL, NULL, &mark, got, e);
		}
		if (mark && *mark)
			conv_set(a, convs[i].id, "last_stanza_id", mark, 0);
		free(mark);
		if (rc == E_PERM || rc == E_NOTFOUND) {
			/* a room without an archive for us: not a reason to stop */
			log_warn("chat: %s: %s", convs[i].jid, e->msg);
			err_clear(e);
			rc = 0;
		}
	}
	chat_convs_free(convs, n);
	a->catching = 0;
	changed(a);
	return rc;
}

int chat_page_back(struct chat_acct *a, int64_t conv, int n, int *got, struct err *e)
{
	struct conv_info ci;
	struct chat_conv *convs;
	size_t nc;
	struct mam_ctx c = { a, NULL, 0, 0, NULL, 0, 0 };
	struct xmpp_mam_page pg;
	sqlite3_stmt *st;
	char *oldest = NULL, *jid = NULL;
	int rc;

	*got = 0;
	if (!conv_info(a, conv, &ci))
		return err_set(e, E_NOTFOUND, "no such conversation");
	if (!chat_online(a))
		return err_set(e, E_UNREACHABLE, "not connected");
	if ((rc = chat_convs(a->store, a->jid, NULL, &convs, &nc, e)) < 0)
		return rc;
	for (size_t i = 0; i < nc; i++)
		if (convs[i].id == conv)
			jid = xstrdup(convs[i].jid);
	chat_convs_free(convs, nc);
	if (!jid)
		return err_set(e, E_NOTFOUND, "no such conversation");
	if (sqlite3_prepare_v2(db(a), "SELECT stanza_id FROM chat_msg WHERE conv = ?1 AND stanza_id"
				      " IS NOT NULL ORDER BY ts, id LIMIT 1", -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, conv);
		if (sqlite3_step(st) == SQLITE_ROW)
			oldest = xstrdup((const char *)sqlite3_column_text(st, 0));
		sqlite3_finalize(st);
	}
	c.archive = strcmp(ci.kind, "room") == 0 ? jid : a->jid;
	on_turn(a); /* what came live first: its own commit */
	store_exec(db(a), "BEGIN IMMEDIATE", NULL);
	rc = xsess_mam(a->s, strcmp(ci.kind, "room") == 0 ? jid : NULL,
		       strcmp(ci.kind, "room") == 0 ? NULL : jid, NULL, oldest ? oldest : "", n,
		       on_result, &c, &pg, e);
	store_exec(db(a), rc < 0 ? "ROLLBACK" : "COMMIT", NULL);
	if (rc == 0 && pg.complete)
		conv_set(a, conv, "archive_start", NULL, 1);
	free(pg.first);
	free(pg.last);
	free(oldest);
	free(jid);
	*got = c.got;
	return rc;
}

/* ---- connecting ---------------------------------------------------------------------- */

static int need_password(struct chat_acct *a, struct err *e)
{
	int rc;

	if (a->password)
		return 0;
	if ((rc = account_password(a->env, a->store, "chat", &a->password, e)) < 0)
		return rc;
	if (!a->password)
		return err_set(e, E_AUTH, "no password for %s: set password or password_command in "
					  "[chat], or keep one with `atrium login chat`", a->jid);
	a->xa.password = a->password;
	return 0;
}

static int joined_now(struct chat_acct *a, const char *room)
{
	for (size_t i = 0; i < a->njoined; i++)
		if (strcasecmp(a->joined[i], room) == 0)
			return 1;
	return 0;
}

static void mark_joined(struct chat_acct *a, const char *room)
{
	if (joined_now(a, room))
		return;
	a->joined = xreallocarray(a->joined, a->njoined + 1, sizeof *a->joined);
	a->joined[a->njoined++] = xstrdup(room);
}

static void roster_fill(void *arg, const struct xmpp_roster_item *it)
{
	struct chat_acct *a = arg;

	chat_roster_put(a->store, a->jid, it->jid, it->name, it->subscription, it->ask);
}

static void bookmark_seen(void *arg, const struct xmpp_bookmark *b)
{
	struct chat_acct *a = arg;
	int64_t conv;

	if (!b->autojoin)
		return;
	conv = chat_conv_id(a->store, a->jid, b->room, "room", 1);
	conv_set(a, conv, "joined", NULL, 1);
	if (b->nick && *b->nick) {
		struct conv_info ci;
		if (conv_info(a, conv, &ci) && !ci.nick[0])
			conv_set(a, conv, "nick", b->nick, 0);
	}
	if (b->name)
		conv_set(a, conv, "name", b->name, 0);
}

/* Join every room the store says we are in (and the bookmarks'). */
static void rejoin(struct chat_acct *a)
{
	struct chat_conv *convs;
	size_t n;
	struct err e;

	if (chat_convs(a->store, a->jid, "room", &convs, &n, &e) < 0)
		return;
	for (size_t i = 0; i < n; i++) {
		int created;
		if (!convs[i].joined || joined_now(a, convs[i].jid))
			continue;
		if (xsess_muc_join(a->s, convs[i].jid, convs[i].nick ? convs[i].nick : a->nick, NULL,
				   &created, &e) == 0) {
			mark_joined(a, convs[i].jid);
			if (created) /* the room had gone: made again, unlocked */
				xsess_muc_configure(a->s, convs[i].jid, convs[i].name, 1, 0, &e);
		} else if (e.code == E_UNREACHABLE || e.code == E_CANCELLED) {
			break;
		} else {
			event_row(a, convs[i].id, "error", NULL, e.msg);
			log_warn("chat: cannot join %s again: %s", convs[i].jid, e.msg);
		}
	}
	chat_convs_free(convs, n);
}

int chat_connect(struct chat_acct *a, struct err *e)
{
	struct xsess_cb cb = { a, on_message, on_presence, on_roster, on_lost, on_turn };
	char *pres;
	int rc, got;
	int64_t t0, t1;

	if (a->env->offline)
		return err_set(e, E_UNREACHABLE, "%s", tr("chat.offline_forced"));
	if (chat_online(a))
		return 0;
	if ((rc = need_password(a, e)) < 0)
		return rc;
	if (!a->s && (rc = xsess_new(&a->xa, &cb, &a->s, e)) < 0)
		return rc;
	t0 = loop_now_ms();
	if ((rc = xsess_connect(a->s, e)) < 0) {
		a->lost_code = rc;
		snprintf(a->lost_reason, sizeof a->lost_reason, "%s", e->msg);
		return rc;
	}
	a->lost_code = 0;
	a->lost_reason[0] = 0;
	a->njoined = 0;
	t1 = loop_now_ms();
	log_debug("chat: %s online in %lld ms", a->jid, (long long)(t1 - t0));
	/* our archive before our first presence: a server that saw us ask
	 * it (Prosody's mod_mam) does not push the offline copies of the
	 * same messages (10,000 of them doubled the work); chat_catch_up
	 * below asks again for what came in between */
	t1 = loop_now_ms();
	got = 0;
	if ((rc = catch_own(a, &got, e)) < 0)
		return rc;
	log_debug("chat: %d messages of our archive in %lld ms", got,
		  (long long)(loop_now_ms() - t1));
	t1 = loop_now_ms();
	/* what the user chose last time (presence STATE TEXT) */
	pres = meta_get(a, "presence");
	{
		enum xmpp_show sh = XSHOW_AVAILABLE;
		const char *text = NULL;
		if (pres && pres[0] >= '0' && pres[0] <= '5') {
			sh = (enum xmpp_show)(pres[0] - '0');
			text = pres[1] == ' ' ? pres + 2 : NULL;
		}
		if (sh == XSHOW_OFFLINE)
			sh = XSHOW_AVAILABLE;
		xsess_presence(a->s, sh, text, e);
	}
	free(pres);
	xsess_carbons(a->s, e); /* a server without carbons: nothing lost */
	err_clear(e);
	if ((rc = xsess_roster(a->s, roster_fill, a, e)) < 0 && rc != E_NOTFOUND)
		return rc;
	err_clear(e);
	xsess_bookmarks(a->s, bookmark_seen, a, e);
	err_clear(e);
	log_debug("chat: roster and bookmarks in %lld ms", (long long)(loop_now_ms() - t1));
	t1 = loop_now_ms();
	rejoin(a);
	log_debug("chat: rooms joined in %lld ms", (long long)(loop_now_ms() - t1));
	t1 = loop_now_ms();
	if ((rc = chat_catch_up(a, &got, e)) < 0)
		return rc;
	log_debug("chat: %d messages caught up in %lld ms", got, (long long)(loop_now_ms() - t1));
	t1 = loop_now_ms();
	if ((rc = chat_replay(a, NULL, NULL, e)) < 0)
		return rc;
	log_debug("chat: outbox replayed in %lld ms", (long long)(loop_now_ms() - t1));
	changed(a);
	return 0;
}

int chat_set_active(struct chat_acct *a, int active)
{
	if (!chat_online(a))
		return E_UNREACHABLE;
	/* XEP-0352: while nobody looks, the server may hold back presences
	 * and other noise; messages still come at once */
	return xsess_csi(a->s, active);
}

void chat_disconnect(struct chat_acct *a)
{
	if (a->s)
		xsess_disconnect(a->s);
}

int chat_pump(struct chat_acct *a, int ms, int wake_fd)
{
	if (!a->s) {
		struct pollfd p = { wake_fd, POLLIN, 0 };
		return wake_fd >= 0 && poll(&p, 1, ms) > 0;
	}
	return xsess_pump(a->s, ms, wake_fd);
}

/* ---- the outbox --------------------------------------------------------------------------- */

/* payload: "atrium-chat 1\n" then key=value lines, a blank line, the text */
struct out_msg {
	char *to, *type, *replace, *url;
	int64_t row;
	int retract;
	const char *body;
};

static void payload_build(struct buf *b, const char *to, const char *type, int64_t row,
			  const char *replace, int retract, const char *url, const char *body)
{
	buf_init(b);
	buf_printf(b, "atrium-chat 1\nto=%s\ntype=%s\nrow=%lld\n", to, type, (long long)row);
	if (replace)
		buf_printf(b, "replace=%s\n", replace);
	if (retract)
		buf_adds(b, "retract=1\n");
	if (url)
		buf_printf(b, "url=%s\n", url);
	buf_addc(b, '\n');
	buf_adds(b, body ? body : "");
}

static int payload_parse(const struct outbox_entry *en, struct out_msg *o, struct buf *copy)
{
	char *p, *nl;

	memset(o, 0, sizeof *o);
	buf_init(copy);
	buf_add(copy, en->payload, en->payload_len);
	p = (char *)buf_cstr(copy);
	if (strncmp(p, "atrium-chat 1\n", 14) != 0)
		return -1;
	p += 14;
	while ((nl = strchr(p, '\n')) && nl != p) {
		*nl = 0;
		if (!strncmp(p, "to=", 3))
			o->to = p + 3;
		else if (!strncmp(p, "type=", 5))
			o->type = p + 5;
		else if (!strncmp(p, "row=", 4))
			o->row = strtoll(p + 4, NULL, 10);
		else if (!strncmp(p, "replace=", 8))
			o->replace = p + 8;
		else if (!strncmp(p, "url=", 4))
			o->url = p + 4;
		else if (!strncmp(p, "retract=", 8))
			o->retract = 1;
		p = nl + 1;
	}
	if (!nl || !o->to || !o->type)
		return -1;
	o->body = nl + 1;
	return 0;
}

/* Whether the store already has our message back from the server (the
 * archive, a carbon or the room's echo gave it a stanza id). */
static int server_has(struct chat_acct *a, int64_t conv, int64_t row, const char *id)
{
	sqlite3_stmt *st;
	int has = 0;

	if (sqlite3_prepare_v2(db(a), "SELECT 1 FROM chat_msg WHERE id = ?1 AND outgoing AND"
				      " stanza_id IS NOT NULL UNION ALL SELECT 1 FROM chat_msg WHERE"
				      " conv = ?3 AND origin_id = ?2 AND outgoing AND stanza_id IS NOT NULL",
			       -1, &st, NULL) != SQLITE_OK)
		return 0;
	sqlite3_bind_int64(st, 1, row);
	sqlite3_bind_text(st, 2, id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 3, conv);
	has = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return has;
}

/* A JID we send to as a chat that is neither a contact nor a known
 * conversation may be a room: asked once per connection. 1 when it is
 * (its conversation becomes a room's), 0 not, E_UNREACHABLE. */
static int room_unknown(struct chat_acct *a, const char *to, struct err *e)
{
	struct chat_contact *cs;
	size_t n;
	int64_t conv;
	struct conv_info ci;
	int rc;

	if (strchr(to, '/'))
		return 0;
	for (size_t i = 0; i < a->nchecked; i++)
		if (!strcasecmp(a->checked[i], to))
			return 0;
	if (chat_roster_list(a->store, a->jid, &cs, &n, e) == 0) {
		int known = 0;
		for (size_t i = 0; i < n; i++)
			known |= !strcasecmp(cs[i].jid, to);
		chat_contacts_free(cs, n);
		if (known)
			return 0;
	}
	err_clear(e);
	if ((rc = xsess_is_room(a->s, to, e)) < 0)
		return rc;
	a->checked = xreallocarray(a->checked, a->nchecked + 1, sizeof *a->checked);
	a->checked[a->nchecked++] = xstrdup(to);
	if (rc == 1 && (conv = chat_conv_id(a->store, a->jid, to, "room", 1)) &&
	    conv_info(a, conv, &ci)) {
		store_exec(db(a), "SAVEPOINT kind", NULL);
		{
			sqlite3_stmt *st;
			if (sqlite3_prepare_v2(db(a), "UPDATE chat_conv SET kind = 'room', joined = 1"
						      " WHERE id = ?1", -1, &st, NULL) == SQLITE_OK) {
				sqlite3_bind_int64(st, 1, conv);
				sqlite3_step(st);
				sqlite3_finalize(st);
			}
		}
		store_exec(db(a), "RELEASE kind", NULL);
		if (!ci.nick[0])
			conv_set(a, conv, "nick", a->nick, 0);
	}
	return rc;
}

static int replay_one(void *ctx, struct outbox_entry *en, struct err *e)
{
	struct chat_acct *a = ctx;
	struct out_msg o;
	struct buf copy;
	int rc, group;

	if (payload_parse(en, &o, &copy) < 0) {
		buf_free(&copy);
		store_outbox_mark(a->store, en->id, OUTBOX_FAILED, "not a chat message", NULL);
		return err_set(e, E_PARSE, "outbox entry %lld is not a chat message", (long long)en->id);
	}
	group = strcmp(o.type, "groupchat") == 0;
	if (!group && chat_online(a) && (rc = room_unknown(a, o.to, e)) != 0) {
		if (rc < 0) {
			buf_free(&copy);
			return E_UNREACHABLE;
		}
		/* sent to a room not joined (send ROOM TEXT from a script): it
		 * goes to the room, joined now, not as a chat with the room */
		group = 1;
		o.type = "groupchat";
	}
	if (!o.replace && !o.retract &&
	    server_has(a, chat_conv_id(a->store, a->jid, o.to, NULL, 0), o.row, en->idem_key)) {
		/* sent before a cut: the archive has it, done without a resend */
		store_outbox_mark(a->store, en->id, OUTBOX_DONE, NULL, NULL);
		buf_free(&copy);
		return 0;
	}
	if (!chat_online(a)) {
		buf_free(&copy);
		return err_set(e, E_UNREACHABLE, "not connected");
	}
	if (group && !joined_now(a, o.to)) {
		int created;
		int64_t conv = chat_conv_id(a->store, a->jid, o.to, NULL, 0);
		struct conv_info ci;
		const char *nick = conv && conv_info(a, conv, &ci) && ci.nick[0] ? ci.nick : a->nick;
		if ((rc = xsess_muc_join(a->s, o.to, nick, NULL, &created, e)) < 0) {
			buf_free(&copy);
			if (rc == E_UNREACHABLE || rc == E_CANCELLED)
				return E_UNREACHABLE;
			store_outbox_mark(a->store, en->id, OUTBOX_FAILED, e->msg, NULL);
			if (o.row)
				chat_msg_state(a->store, o.row, CS_FAILED, e->msg);
			return rc;
		}
		mark_joined(a, o.to);
	}
	/* a stanza the server closes the stream over would go again at
	 * every connect: after 8 tries it fails, visibly, for the user */
	if (en->attempts >= 8) {
		err_set(e, E_IO, "%s", tr("chat.gave_up"));
		store_outbox_mark(a->store, en->id, OUTBOX_FAILED, e->msg, NULL);
		if (o.row)
			chat_msg_state(a->store, o.row, CS_FAILED, e->msg);
		buf_free(&copy);
		return E_IO;
	}
	store_outbox_mark(a->store, en->id, OUTBOX_SENDING, NULL, NULL);
	a->err_id[0] = 0;
	if (o.retract)
		rc = xsess_send_retract(a->s, o.to, o.type, o.replace, e);
	else
		rc = xsess_send_msg(a->s, o.to, o.type, o.body, en->idem_key, o.replace, o.url, e);
	if (rc == 0)
		rc = xsess_sync_point(a->s, e);
	if (rc == E_UNREACHABLE || rc == E_CANCELLED) {
		/* its fate is unknown: the next catch-up tells (server_has) */
		store_outbox_mark(a->store, en->id, OUTBOX_QUEUED, e->msg, NULL);
		buf_free(&copy);
		return E_UNREACHABLE;
	}
	if (rc == 0 && strcmp(a->err_id, en->idem_key) == 0)
		rc = err_set(e, E_PERM, "%s refused it: %s", o.to, a->err_text);
	if (rc < 0) {
		store_outbox_mark(a->store, en->id, OUTBOX_FAILED, e->msg, NULL);
		if (o.row)
			chat_msg_state(a->store, o.row, CS_FAILED, e->msg);
	} else {
		store_outbox_mark(a->store, en->id, OUTBOX_DONE, NULL, NULL);
		if (o.row && !o.replace && !o.retract)
			chat_msg_state(a->store, o.row, CS_SENT, NULL);
	}
	if (o.row && a->notify.message) {
		int64_t conv = chat_conv_id(a->store, a->jid, o.to, NULL, 0);
		a->notify.message(a->notify.arg, conv, o.row, 0);
	}
	buf_free(&copy);
	return rc;
}

int chat_replay(struct chat_acct *a, FILE *log, int *sent, struct err *e)
{
	struct net_replay_stats st = { 0 };
	int rc;

	if (!chat_online(a))
		return err_set(e, E_UNREACHABLE, "not connected");
	/* a message the server refused (failed, shown to the user) does not
	 * hold back the others: each stands alone once it has its answer */
	rc = net_replay(a->store, "chat", replay_one, a, 0, log, &st, e);
	if (sent)
		*sent = st.sent;
	return rc;
}

static int queue(struct chat_acct *a, const char *to, const char *type, int64_t row,
		 const char *replace, int retract, const char *url, const char *body,
		 const char *id, struct err *e)
{
	struct buf b;
	char summary[160], shortn[64];
	int64_t entry;
	int rc;

	payload_build(&b, to, type, row, replace, retract, url, body);
	chat_short_name(to, shortn, sizeof shortn);
	snprintf(summary, sizeof summary, "%s %s: %.80s", retract ? "retract" : replace ? "correct" : "to",
		 shortn, body ? body : "");
	for (char *p = summary; *p; p++)
		if ((unsigned char)*p < 0x20)
			*p = ' ';
	rc = store_outbox_add(a->store, "chat", retract ? "retract" : replace ? "correct" : "msg", id,
			      summary, b.data, b.len, &entry, e);
	buf_free(&b);
	return rc;
}

/* Send what waits, when we can; E_QUEUED when something of ours still
 * waits. */
static int flush(struct chat_acct *a, const char *id, struct err *e)
{
	struct outbox_entry en;
	struct err ge;
	int rc;

	if (a->queue_only)
		return err_set(e, E_QUEUED, "%s", tr("chat.queued"));
	if (chat_online(a) && (rc = chat_replay(a, NULL, NULL, e)) < 0 && rc != E_UNREACHABLE)
		return rc;
	err_clear(e);
	/* is ours done? */
	{
		struct outbox_entry *list;
		size_t n;
		int waiting = 0;
		if (store_outbox_list(a->store, "chat", &list, &n, &ge) == 0) {
			for (size_t i = 0; i < n; i++)
				if (strcmp(list[i].idem_key, id) == 0) {
					waiting = 1;
					if (list[i].state == OUTBOX_FAILED) {
						rc = err_set(e, E_PERM, "%s",
							     list[i].error ? list[i].error : "failed");
						store_outbox_list_free(list, n);
						return rc;
					}
				}
			store_outbox_list_free(list, n);
		}
		(void)en;
		if (waiting)
			return err_set(e, E_QUEUED, "%s", tr("chat.queued"));
	}
	return 0;
}

static int conv_type(struct chat_acct *a, const char *to, int64_t *conv, const char **type)
{
	struct conv_info ci;

	*conv = chat_conv_id(a->store, a->jid, to, NULL, 0);
	*type = "chat";
	if (*conv && conv_info(a, *conv, &ci) && strcmp(ci.kind, "room") == 0)
		*type = "groupchat";
	if (!*conv)
		*conv = chat_conv_id(a->store, a->jid, to, strchr(to, '/') ? "pm" : "chat", 1);
	return *conv ? 0 : E_IO;
}

/* Servers close the stream over a stanza past their limit (Prosody:
 * 256 KiB), and a message queued then would be sent again at every
 * connect: refused here, with the size as XML will carry it. */
static int too_big(const char *text, struct err *e)
{
	size_t n = 0;

	for (const char *p = text; *p; p++)
		n += *p == '<' || *p == '>' ? 4 : *p == '&' ? 5 : *p == '"' || *p == '\'' ? 6 : 1;
	if (n <= CHAT_MAX_TEXT)
		return 0;
	return err_set(e, E_USAGE, "%s",
		       trf((char[300]){ 0 }, 300, "chat.too_big", TR_N((n + 1023) / 1024),
			   TR_N(CHAT_MAX_TEXT / 1024)));
}

int chat_send(struct chat_acct *a, const char *to, const char *text, const char *url,
	      int64_t *row, struct err *e)
{
	struct chat_row r = { 0 };
	const char *type;
	int64_t conv;
	char id[33], nick[256];
	int rc;

	*row = 0;
	if ((rc = chat_addr_check(to, e)) < 0)
		return rc;
	if (!text || !*text)
		return err_set(e, E_USAGE, "%s", tr("chat.empty"));
	if (!utf8_valid(text, strlen(text)))
		return err_set(e, E_USAGE, "%s", tr("chat.not_utf8"));
	if (too_big(text, e) < 0)
		return e->code;
	if (conv_type(a, to, &conv, &type) < 0)
		return err_set(e, E_IO, "the store: cannot make the conversation");
	xmpp_new_id(id);
	/* the row first (its id goes in the payload); the outbox entry is
	 * what makes it durable work, committed before we say queued */
	chat_short_name(a->jid, nick, sizeof nick);
	if (strcmp(type, "groupchat") == 0) {
		struct conv_info ci;
		if (conv_info(a, conv, &ci))
			snprintf(nick, sizeof nick, "%s", ci.nick[0] ? ci.nick : a->nick);
	}
	r.origin_id = id;
	r.msg_id = id;
	r.sender = strcmp(type, "groupchat") == 0 ? NULL : a->jid;
	r.nick = nick;
	r.body = text;
	r.url = url;
	r.ts = now_ms();
	r.outgoing = 1;
	r.state = CS_QUEUED;
	if ((rc = chat_msg_put(a->store, conv, &r, row, e)) < 0)
		return rc;
	if ((rc = queue(a, to, type, *row, NULL, 0, url, text, id, e)) < 0) {
		chat_msg_state(a->store, *row, CS_FAILED, e->msg);
		return rc;
	}
	if (a->notify.message)
		a->notify.message(a->notify.arg, conv, *row, 1);
	return flush(a, id, e);
}

static int own_row(struct chat_acct *a, int64_t row, struct chat_msg *m, const char **type,
		   struct err *e)
{
	int64_t conv;
	int rc;

	if ((rc = chat_msg_get(a->store, row, m, e)) < 0)
		return rc;
	if (!m->outgoing || m->event) {
		chat_msg_free(m);
		return err_set(e, E_PERM, "%s", tr("chat.not_yours"));
	}
	if (m->retracted) {
		chat_msg_free(m);
		return err_set(e, E_USAGE, "%s", tr("chat.retracted"));
	}
	conv_type(a, m->chat, &conv, type);
	return 0;
}

int chat_correct(struct chat_acct *a, int64_t row, const char *text, struct err *e)
{
	struct chat_msg m;
	const char *type;
	char id[33];
	int rc;

	if (!text || !*text || !utf8_valid(text, strlen(text)))
		return err_set(e, E_USAGE, "%s", tr("chat.empty"));
	if (too_big(text, e) < 0)
		return e->code;
	if ((rc = own_row(a, row, &m, &type, e)) < 0)
		return rc;
	xmpp_new_id(id);
	if ((rc = queue(a, m.chat, type, row, m.origin_id ? m.origin_id : m.msg_id, 0, NULL, text,
			id, e)) == 0) {
		chat_msg_edit(a->store, row, text, 0, e);
		rc = flush(a, id, e);
	}
	chat_msg_free(&m);
	return rc;
}

int chat_retract(struct chat_acct *a, int64_t row, struct err *e)
{
	struct chat_msg m;
	const char *type;
	char id[33];
	int rc;

	if ((rc = own_row(a, row, &m, &type, e)) < 0)
		return rc;
	xmpp_new_id(id);
	/* in a room the archive's id names the message (XEP-0424) */
	if ((rc = queue(a, m.chat, type, row,
			strcmp(type, "groupchat") == 0 && m.stanza_id ? m.stanza_id
			: m.origin_id			       ? m.origin_id
							       : m.msg_id,
			1, NULL, "", id, e)) == 0) {
		chat_msg_edit(a->store, row, NULL, 1, e);
		rc = flush(a, id, e);
	}
	chat_msg_free(&m);
	return rc;
}

int chat_mark_read(struct chat_acct *a, int64_t conv, struct err *e)
{
	sqlite3_stmt *st;
	struct conv_info ci;

	if (!conv_info(a, conv, &ci))
		return err_set(e, E_NOTFOUND, "no such conversation");
	conv_set(a, conv, "unread", NULL, 0);
	conv_set(a, conv, "mentions", NULL, 0);
	if (chat_online(a) &&
	    sqlite3_prepare_v2(db(a), "SELECT c.jid, m.msg_id, m.sender FROM chat_msg m JOIN chat_conv c"
				      " ON c.id = m.conv WHERE m.conv = ?1 AND NOT m.outgoing AND"
				      " m.event IS NULL AND m.msg_id IS NOT NULL ORDER BY m.ts DESC,"
				      " m.id DESC LIMIT 1", -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, conv);
		if (sqlite3_step(st) == SQLITE_ROW && strcmp(ci.kind, "room") != 0) {
			struct err se;
			xsess_send_displayed(a->s, (const char *)sqlite3_column_text(st, 0), "chat",
					     (const char *)sqlite3_column_text(st, 1), &se);
		}
		sqlite3_finalize(st);
	}
	changed(a);
	return 0;
}

/* ---- rooms, presence, contacts ---------------------------------------------------------- */

int chat_join(struct chat_acct *a, const char *room, const char *nick, int *created,
	      struct err *e)
{
	struct xmpp_bookmark bm = { 0 };
	int64_t conv;
	int rc, got;
	char *mark = NULL;

	*created = 0;
	if (!xmpp_jid_valid(room, 1) || !strchr(room, '@'))
		return err_set(e, E_USAGE, "%s", trf((char[256]){ 0 }, 256, "chat.bad_room", TR_S(room)));
	if (!chat_online(a))
		return err_set(e, E_UNREACHABLE, "not connected");
	if (!nick || !*nick)
		nick = a->nick;
	if ((rc = xsess_muc_join(a->s, room, nick, NULL, created, e)) < 0)
		return rc;
	if (*created && (rc = xsess_muc_configure(a->s, room, NULL, 1, 0, e)) < 0)
		return rc; /* a new room stays locked until configured */
	mark_joined(a, room);
	conv = chat_conv_id(a->store, a->jid, room, "room", 1);
	conv_set(a, conv, "joined", NULL, 1);
	conv_set(a, conv, "nick", nick, 0);
	bm.room = (char *)room;
	bm.nick = (char *)nick;
	bm.autojoin = 1;
	if (xsess_bookmark_set(a->s, &bm, 0, e) < 0) {
		log_warn("chat: bookmark for %s not kept: %s", room, e->msg);
		err_clear(e);
	}
	/* its history, from the archive */
	{
		struct conv_info ci;
		got = 0;
		if (conv_info(a, conv, &ci)) {
			rc = catch_archive(a, room, NULL, ci.last[0] ? ci.last : NULL, &mark, &got, e);
			if (mark && *mark)
				conv_set(a, conv, "last_stanza_id", mark, 0);
			free(mark);
			if (rc < 0) {
				log_warn("chat: %s: no archive: %s", room, e->msg);
				err_clear(e);
			}
		}
	}
	changed(a);
	return 0;
}

int chat_leave(struct chat_acct *a, const char *room, struct err *e)
{
	struct xmpp_bookmark bm = { 0 };
	int64_t conv = chat_conv_id(a->store, a->jid, room, NULL, 0);
	struct conv_info ci;

	if (!conv || !conv_info(a, conv, &ci) || strcmp(ci.kind, "room") != 0)
		return err_set(e, E_NOTFOUND, "%s", trf((char[256]){ 0 }, 256, "chat.no_room", TR_S(room)));
	if (!chat_online(a))
		return err_set(e, E_UNREACHABLE, "not connected");
	xsess_muc_leave(a->s, room, ci.nick[0] ? ci.nick : a->nick, e);
	bm.room = (char *)room;
	xsess_bookmark_set(a->s, &bm, 1, e);
	err_clear(e);
	conv_set(a, conv, "joined", NULL, 0);
	for (size_t i = 0; i < a->njoined; i++)
		if (strcasecmp(a->joined[i], room) == 0) {
			free(a->joined[i]);
			a->joined[i] = a->joined[--a->njoined];
			break;
		}
	changed(a);
	return xsess_sync_point(a->s, e);
}

int chat_room_op(struct chat_acct *a, const char *op, const char *room, const char *arg,
		 const char *reason, struct err *e)
{
	int64_t conv = chat_conv_id(a->store, a->jid, room, NULL, 0);
	struct conv_info ci;
	int rc;

	if (!conv || !conv_info(a, conv, &ci) || strcmp(ci.kind, "room") != 0)
		return err_set(e, E_NOTFOUND, "%s", trf((char[256]){ 0 }, 256, "chat.no_room", TR_S(room)));
	if (!chat_online(a))
		return err_set(e, E_UNREACHABLE, "not connected");
	if (!joined_now(a, room)) {
		int created;
		if ((rc = xsess_muc_join(a->s, room, ci.nick[0] ? ci.nick : a->nick, NULL, &created,
					 e)) < 0)
			return rc;
		mark_joined(a, room);
	}
	if (!strcmp(op, "invite"))
		rc = xsess_muc_invite(a->s, room, arg, reason, e);
	else if (!strcmp(op, "topic"))
		rc = xsess_muc_topic(a->s, room, arg, e);
	else if (!strcmp(op, "kick"))
		rc = xsess_muc_kick(a->s, room, arg, reason, e);
	else if (!strcmp(op, "nick")) {
		rc = xsess_muc_nick(a->s, room, arg, e);
		if (rc == 0)
			conv_set(a, conv, "nick", arg, 0);
	} else
		return err_set(e, E_USAGE, "no room operation %s", op);
	if (rc == 0)
		rc = xsess_sync_point(a->s, e);
	return rc;
}

int chat_presence(struct chat_acct *a, enum xmpp_show show, const char *status, struct err *e)
{
	char v[600];
	int rc;

	snprintf(v, sizeof v, "%d%s%s", (int)show, status && *status ? " " : "",
		 status && *status ? status : "");
	meta_set(a, "presence", v);
	if (!chat_online(a))
		return err_set(e, E_QUEUED, "%s", tr("chat.presence_later"));
	if ((rc = xsess_presence(a->s, show, status, e)) < 0)
		return rc;
	/* rooms take presence sent to them */
	for (size_t i = 0; i < a->njoined && show != XSHOW_OFFLINE; i++) {
		int64_t conv = chat_conv_id(a->store, a->jid, a->joined[i], NULL, 0);
		struct conv_info ci;
		if (conv && conv_info(a, conv, &ci))
			xsess_muc_nick(a->s, a->joined[i], ci.nick[0] ? ci.nick : a->nick, e);
	}
	return xsess_sync_point(a->s, e);
}

int chat_contact_op(struct chat_acct *a, const char *op, const char *jid, struct err *e)
{
	int rc;

	if (!xmpp_jid_valid(jid, 1))
		return err_set(e, E_USAGE, "%s", trf((char[256]){ 0 }, 256, "chat.bad_jid", TR_S(jid)));
	if (!chat_online(a))
		return err_set(e, E_UNREACHABLE, "not connected");
	if (!strcmp(op, "add")) {
		if ((rc = xsess_roster_set(a->s, jid, NULL, 0, e)) < 0)
			return rc;
		rc = xsess_subscription(a->s, jid, "subscribe", e);
	} else if (!strcmp(op, "remove")) {
		rc = xsess_roster_set(a->s, jid, NULL, 1, e);
		if (rc == 0)
			chat_roster_put(a->store, a->jid, jid, NULL, "remove", 0);
	} else if (!strcmp(op, "approve")) {
		if ((rc = xsess_subscription(a->s, jid, "subscribed", e)) == 0)
			rc = xsess_subscription(a->s, jid, "subscribe", e);
		chat_roster_request(a->store, a->jid, jid, 0);
	} else if (!strcmp(op, "deny")) {
		rc = xsess_subscription(a->s, jid, "unsubscribed", e);
		chat_roster_request(a->store, a->jid, jid, 0);
	} else {
		return err_set(e, E_USAGE, "no contact operation %s", op);
	}
	if (rc == 0)
		rc = xsess_sync_point(a->s, e);
	changed(a);
	return rc;
}

/* ---- files (XEP-0363) ------------------------------------------------------------------ */

struct put_wait {
	int done;
	long status;
	int code;
	char msg[256];
};

static void put_done(struct net_req *r, const struct net_resp *resp, void *arg)
{
	struct put_wait *w = arg;

	(void)r;
	w->status = resp->status;
	w->code = resp->failed ? resp->code : 0;
	snprintf(w->msg, sizeof w->msg, "%s", resp->msg);
	w->done = 1;
}

static const char *mime_of(const char *name)
{
	static const struct { const char *ext, *type; } t[] = {
		{ ".txt", "text/plain" }, { ".md", "text/markdown" }, { ".csv", "text/csv" },
		{ ".pdf", "application/pdf" }, { ".png", "image/png" }, { ".jpg", "image/jpeg" },
		{ ".jpeg", "image/jpeg" }, { ".gif", "image/gif" },
		{ ".xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" },
		{ ".ods", "application/vnd.oasis.opendocument.spreadsheet" },
		{ ".zip", "application/zip" },
	};
	const char *dot = strrchr(name, '.');

	for (size_t i = 0; dot && i < nitems(t); i++)
		if (strcasecmp(dot, t[i].ext) == 0)
			return t[i].type;
	return "application/octet-stream";
}

int chat_addr_check(const char *jid, struct err *e)
{
	if (jid && xmpp_jid_valid(jid, 0) && strchr(jid, '@'))
		return 0;
	return err_tr(e, E_USAGE, "chat.bad_jid", TR_S(jid ? jid : ""));
}

int chat_upload_open(const char *path, struct stat *sb, struct err *e)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return err_set(e, E_NOTFOUND, "%s: %s", path, strerror(errno));
	if (fstat(fd, sb) < 0 || !S_ISREG(sb->st_mode)) {
		close(fd);
		return err_set(e, E_USAGE, "%s: not a regular file", path);
	}
	return fd;
}

int chat_upload(struct chat_acct *a, struct loop *l, const char *to, const char *path,
		int64_t *row, struct err *e)
{
	char *put = NULL, *get = NULL, **headers = NULL;
	const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	struct net_server srv = { 0 };
	struct net_req_opts o = { 0 };
	struct put_wait w = { 0 };
	struct net *net = NULL;
	struct stat sb;
	int fd, rc;

	*row = 0;
	if ((rc = chat_addr_check(to, e)) < 0)
		return rc;
	if ((fd = chat_upload_open(path, &sb, e)) < 0)
		return fd;
	if (!chat_online(a)) {
		close(fd);
		return err_set(e, E_UNREACHABLE, "not connected");
	}
	if ((rc = xsess_upload_slot(a->s, *base ? base : "file", (int64_t)sb.st_size, mime_of(base),
				    &put, &get, &headers, e)) < 0)
		goto out;
	if ((rc = net_new(l, &net, e)) < 0)
		goto out;
	/* the upload service gets the chat server's trust: same CA, same pins */
	srv.url = put;
	srv.tls = a->xa.tls;
	o.method = "PUT";
	o.path = NULL;
	o.headers = (const char *const *)headers;
	o.body = NET_BODY_FD;
	o.fd = fd;
	o.len = (size_t)sb.st_size;
	o.out_fd = -1;
	if (!net_request(net, &srv, &o, put_done, &w, e)) {
		rc = e->code;
		goto out;
	}
	net_wait(net, &w.done);
	if (w.code) {
		rc = err_set(e, w.code, "upload: %s", w.msg);
		goto out;
	}
	if (w.status != 200 && w.status != 201) {
		rc = err_set(e, E_IO, "upload: the server answered %ld", w.status);
		goto out;
	}
	rc = chat_send(a, to, get, get, row, e);
out:
	close(fd);
	net_free(net);
	free(put);
	free(get);
	for (size_t i = 0; headers && headers[i]; i++)
		free(headers[i]);
	free(headers);
	return rc;
}

struct get_wait {
	int done;
	long status;
	int code;
	char msg[256];
	struct buf body;
	size_t limit;
};

static int get_sink(void *arg, const void *p, size_t n)
{
	struct get_wait *w = arg;

	if (w->body.len + n > w->limit)
		return -1;
	buf_add(&w->body, p, n);
	return 0;
}

static void get_done(struct net_req *r, const struct net_resp *resp, void *arg)
{
	struct get_wait *w = arg;

	(void)r;
	w->status = resp->status;
	w->code = resp->failed ? resp->code : 0;
	snprintf(w->msg, sizeof w->msg, "%s", resp->msg);
	w->done = 1;
}

/* The last path part of a URL, percent-decoded (a name, never a path:
 * fname_safe makes it one). */
static char *url_name(const char *url)
{
	const char *p = url + strlen("https://"), *q, *end;
	struct buf b;

	end = p + strcspn(p, "?#");
	q = end;
	while (q > p && q[-1] != '/')
		q--;
	buf_init(&b);
	for (; q < end; q++) {
		if (*q == '%' && end - q > 2 && isxdigit((unsigned char)q[1]) &&
		    isxdigit((unsigned char)q[2])) {
			char hex[3] = { q[1], q[2], 0 };
			buf_addc(&b, (char)strtol(hex, NULL, 16));
			q += 2;
		} else {
			buf_addc(&b, *q);
		}
	}
	return buf_detach(&b);
}

int chat_download(struct chat_acct *a, struct loop *l, int64_t row, const char *dir,
		  char **saved, struct err *e)
{
	struct chat_msg m;
	struct net_server srv = { 0 };
	struct net_req_opts o = { 0 };
	struct get_wait w = { 0 };
	struct net *net = NULL;
	const char *url;
	char *name = NULL, *safe = NULL;
	int rc, dfd = -1;

	*saved = NULL;
	if ((rc = chat_msg_get(a->store, row, &m, e)) < 0)
		return rc;
	url = m.url ? m.url : m.body;
	if (!url || strncmp(url, "https://", 8) != 0 || strpbrk(url, " \t\r\n")) {
		chat_msg_free(&m);
		return err_set(e, E_NOTFOUND, "%s", tr("chat.no_link"));
	}
	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		rc = err_set(e, E_IO, "%s: %s", dir, strerror(errno));
		goto out;
	}
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		rc = err_set(e, E_IO, "%s: %s", dir, strerror(errno));
		goto out;
	}
	if ((rc = net_new(l, &net, e)) < 0)
		goto out;
	/* whoever sent the link chose the server: our CAs and policy decide */
	srv.url = (char *)url;
	srv.tls.ca_file = a->xa.tls.ca_file;
	o.method = "GET";
	o.out_fd = -1;
	o.sink = get_sink;
	o.sink_arg = &w;
	w.limit = (size_t)1 << 30;
	buf_init(&w.body);
	if (!net_request(net, &srv, &o, get_done, &w, e)) {
		rc = e->code;
		goto out;
	}
	net_wait(net, &w.done);
	if (w.code) {
		rc = err_set(e, w.code, "download: %s", w.msg);
		goto out;
	}
	if (w.status != 200) {
		rc = err_set(e, w.status == 404 ? E_NOTFOUND : E_IO, "download: the server answered %ld",
			     w.status);
		goto out;
	}
	name = url_name(url);
	safe = fname_safe(name, "download", (int)row);
	rc = fname_save_unique(dfd, safe, w.body.data ? w.body.data : "", w.body.len, saved, e);
out:
	if (dfd >= 0)
		close(dfd);
	buf_free(&w.body);
	net_free(net);
	free(name);
	free(safe);
	chat_msg_free(&m);
	return rc;
}
