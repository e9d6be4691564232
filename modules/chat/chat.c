/*
 * chat.c - the chat module: XMPP conversations and group rooms. Its tab
 * (view.c, with a worker thread that runs the session) and its verbs:
 *
 *   atrium chat status | roster | rooms [--json]
 *   atrium chat join ROOM [--nick N] | leave ROOM
 *   atrium chat send JID|ROOM TEXT|-            exit 3 when queued offline
 *   atrium chat sync                             catch up, send what waits
 *   atrium chat history JID|ROOM [--limit N] [--since TIME] [--json] [--offline]
 *   atrium chat tail [--json]                    until interrupted
 *   atrium chat search QUERY [--limit N] [--json] [--offline]
 *   atrium chat upload JID|ROOM FILE
 *   atrium chat presence available|away|xa|dnd|chat [TEXT]
 *   atrium chat add|remove|approve|deny JID
 *   atrium chat invite ROOM JID [REASON] | topic ROOM TEXT | kick ROOM NICK [REASON]
 *              | nick ROOM NICK
 *   atrium chat correct ID TEXT|- | retract ID | read JID|ROOM | older JID|ROOM [N]
 *
 * Every verb that needs the server connects first, which catches every
 * archive up and replays the outbox. Exit codes (docs/batch.md): 2 no
 * such chat or message, 3 queued, 4 TLS or login refused, 7 unreachable.
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "i18n/i18n.h"
#include "modules/account.h"
#include "modules/chat/chat_int.h"
#include "modules/chat/view.h"
#include "store/store.h"
#include "tui/tui.h"

struct cmod {
	const struct module_env *env;
	struct account *acct;
	struct chat_acct *ca;
	struct chat_view *view;
};

static const struct account chat_account = {
	.module = "chat",
	.section = "chat",
	.title_key = "tab.chat",
	.required = "jid",
	.who_keys = { "jid" },
	.server_keys = { "server" },
};

static int cmod_init(const struct module_env *env, void **state)
{
	struct cmod *m = xcalloc(1, sizeof *m);

	m->env = env;
	m->acct = account_new(env, &chat_account);
	if (!env->batch)
		m->view = chat_view_new(env);
	*state = m;
	return 0;
}

static void cmod_free(void *state)
{
	struct cmod *m = state;

	if (!m)
		return;
	chat_view_free(m->view);
	chat_acct_free(m->ca);
	account_free(m->acct);
	free(m);
}

static int usage(struct cmd_ctx *ctx, const char *u)
{
	char t[256];
	return err_set(ctx->err, E_USAGE, "%s", trf(t, sizeof t, "err.usage", TR_S(u)));
}

/* Untrusted text for a terminal: no control or escape sequence passes. */
static void put_safe(FILE *out, const char *s)
{
	struct buf b;

	buf_init(&b);
	ui_sanitize(s ? s : "", s ? strlen(s) : 0, &b);
	fputs(buf_cstr(&b), out);
	buf_free(&b);
}

static void time_iso(int64_t ms, char *buf, size_t len)
{
	time_t tt = (time_t)(ms / 1000);
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* 2026-11-21, 2026-11-21T10:00[:00][Z], or unix seconds: milliseconds. */
static int parse_since(const char *s, int64_t *ms)
{
	struct tm tm;
	char *end;
	long long v = strtoll(s, &end, 10);
	const char *rest;

	if (*end == 0 && v >= 0) {
		*ms = v * 1000;
		return 0;
	}
	memset(&tm, 0, sizeof tm);
	rest = strptime(s, "%Y-%m-%d", &tm);
	if (!rest)
		return -1;
	if (*rest == 'T' || *rest == ' ') {
		const char *r2 = strptime(rest + 1, "%H:%M:%S", &tm);
		if (!r2)
			r2 = strptime(rest + 1, "%H:%M", &tm);
		if (!r2)
			return -1;
		rest = r2;
	}
	if (*rest == 'Z')
		rest++;
	if (*rest)
		return -1;
	*ms = (int64_t)timegm(&tm) * 1000;
	return 0;
}

static int need_acct(struct cmod *m, struct err *e)
{
	return m->ca ? 0 : chat_acct_new(m->env, m->env->store, &m->ca, e);
}

/* Connect for a verb: the error is the verb's unless it may go on from
 * the store (soft), when it is told on stderr. */
static int need_online(struct cmod *m, struct cmd_ctx *ctx, int soft)
{
	int rc = chat_connect(m->ca, ctx->err);

	if (rc < 0 && soft && rc == E_UNREACHABLE) {
		char t[600];
		fprintf(stderr, "atrium: %s\n",
			trf(t, sizeof t, "chat.from_store", TR_S(ctx->err->msg)));
		err_clear(ctx->err);
		return 0;
	}
	return rc;
}

/* The conversation a user named: as stored, or a JID given in full. */
static int64_t conv_of(struct cmod *m, const char *jid)
{
	return chat_conv_id(m->env->store, chat_acct_jid(m->ca), jid, NULL, 0);
}

static const char *state_name(int st)
{
	static const char *const names[] = { "received", "queued", "sent", "delivered", "read",
					     "failed" };
	return st >= 0 && st < (int)nitems(names) ? names[st] : "received";
}

static void emit_msg(struct cmd_ctx *ctx, const struct chat_msg *mm)
{
	char t[40];

	time_iso(mm->ts, t, sizeof t);
	if (ctx->json) {
		struct json *j = ctx->json;
		char id[24];
		snprintf(id, sizeof id, "%lld", (long long)mm->row);
		json_obj_begin(j);
		json_key(j, "id");
		json_str(j, id);
		json_key(j, "chat");
		json_str(j, mm->chat);
		json_key(j, "from");
		if (mm->sender)
			json_str(j, mm->sender);
		else
			json_null(j);
		json_key(j, "nick");
		json_str(j, mm->nick ? mm->nick : "");
		json_key(j, "time");
		json_str(j, t);
		json_key(j, "text");
		json_str(j, mm->body ? mm->body : "");
		json_key(j, "corrected");
		json_bool(j, mm->edited);
		json_key(j, "retracted");
		json_bool(j, mm->retracted);
		json_key(j, "outgoing");
		json_bool(j, mm->outgoing);
		if (mm->outgoing) {
			json_key(j, "state");
			json_str(j, state_name(mm->state));
		}
		if (mm->url) {
			json_key(j, "url");
			json_str(j, mm->url);
		}
		if (mm->event) {
			json_key(j, "event");
			json_str(j, mm->event);
		}
		if (mm->mention) {
			json_key(j, "mention");
			json_bool(j, 1);
		}
		if (mm->stanza_id) {
			json_key(j, "stanza_id");
			json_str(j, mm->stanza_id);
		}
		json_obj_end(j);
		return;
	}
	fprintf(ctx->out, "%lld\t%s\t", (long long)mm->row, t);
	put_safe(ctx->out, mm->nick ? mm->nick : "");
	fputc('\t', ctx->out);
	if (mm->event) {
		char w[600];
		char key[32];
		snprintf(key, sizeof key, "chat.ev.%s", mm->event);
		fputs("* ", ctx->out);
		put_safe(ctx->out, trf(w, sizeof w, key, TR_S(mm->nick ? mm->nick : ""),
				       TR_S(mm->body ? mm->body : ""), TR_S(mm->url ? mm->url : "")));
	} else if (mm->retracted) {
		fputs(tr("chat.retracted_text"), ctx->out);
	} else {
		put_safe(ctx->out, mm->body);
		if (mm->edited)
			fprintf(ctx->out, " %s", tr("chat.edited_mark"));
		if (mm->outgoing && mm->state == CS_QUEUED)
			fprintf(ctx->out, " %s", tr("chat.queued_mark"));
		if (mm->outgoing && mm->state == CS_FAILED)
			fprintf(ctx->out, " %s", tr("chat.failed_mark"));
	}
	fputc('\n', ctx->out);
}

static int cmd_history(struct cmod *m, struct cmd_ctx *ctx, const char *jid, long limit,
		       int64_t since, int offline)
{
	struct chat_msg *v;
	size_t n;
	int64_t conv;
	int rc;

	if (!offline && (rc = need_online(m, ctx, 1)) < 0)
		return rc;
	if (!(conv = conv_of(m, jid)))
		return err_tr(ctx->err, E_NOTFOUND, "chat.no_chat", TR_S(jid));
	if ((rc = chat_history(m->env->store, conv, limit > 0 ? (int)limit : 100, since, 0, &v, &n,
			       ctx->err)) < 0)
		return rc;
	if (ctx->json)
		json_arr_begin(ctx->json);
	for (size_t i = 0; i < n; i++)
		emit_msg(ctx, &v[i]);
	if (ctx->json)
		json_arr_end(ctx->json);
	chat_msgs_free(v, n);
	return 0;
}

static int cmd_search(struct cmod *m, struct cmd_ctx *ctx, const char *q, long limit, int offline)
{
	struct chat_msg *v;
	size_t n;
	int rc;

	if (!offline && (rc = need_online(m, ctx, 1)) < 0)
		return rc;
	if ((rc = chat_search(m->env->store, chat_acct_jid(m->ca), q, limit > 0 ? (int)limit : 100,
			      &v, &n, ctx->err)) < 0)
		return rc;
	if (ctx->json)
		json_arr_begin(ctx->json);
	for (size_t i = 0; i < n; i++) {
		if (!ctx->json) {
			put_safe(ctx->out, v[i].chat);
			fputc('\t', ctx->out);
		}
		emit_msg(ctx, &v[i]);
	}
	if (ctx->json)
		json_arr_end(ctx->json);
	chat_msgs_free(v, n);
	return 0;
}

static const char *show_word(enum xmpp_show sh)
{
	static const char *const w[] = { "available", "away", "xa", "dnd", "chat", "offline" };
	return w[sh];
}

static int cmd_roster(struct cmod *m, struct cmd_ctx *ctx, int offline)
{
	struct chat_contact *v;
	size_t n;
	int rc;

	if (!offline && (rc = need_online(m, ctx, 1)) < 0)
		return rc;
	if (chat_online(m->ca)) /* presences arrive after ours: let them */
		chat_pump(m->ca, 200, -1);
	if ((rc = chat_roster_list(m->env->store, chat_acct_jid(m->ca), &v, &n, ctx->err)) < 0)
		return rc;
	if (ctx->json)
		json_arr_begin(ctx->json);
	for (size_t i = 0; i < n; i++) {
		char status[256];
		enum xmpp_show sh = chat_presence_of(m->ca, v[i].jid, status, sizeof status);
		if (ctx->json) {
			struct json *j = ctx->json;
			json_obj_begin(j);
			json_key(j, "jid");
			json_str(j, v[i].jid);
			json_key(j, "name");
			if (v[i].name)
				json_str(j, v[i].name);
			else
				json_null(j);
			json_key(j, "subscription");
			json_str(j, v[i].subscription);
			json_key(j, "pending_out");
			json_bool(j, v[i].ask);
			json_key(j, "request");
			json_bool(j, v[i].request);
			json_key(j, "presence");
			json_str(j, chat_online(m->ca) ? show_word(sh) : "unknown");
			json_key(j, "status");
			json_str(j, status);
			json_obj_end(j);
		} else {
			put_safe(ctx->out, v[i].jid);
			fprintf(ctx->out, "\t");
			put_safe(ctx->out, v[i].name ? v[i].name : "");
			fprintf(ctx->out, "\t%s\t%s", v[i].subscription,
				chat_online(m->ca) ? show_word(sh) : "?");
			if (v[i].request)
				fprintf(ctx->out, "\t%s", tr("chat.request_mark"));
			if (*status) {
				fputc('\t', ctx->out);
				put_safe(ctx->out, status);
			}
			fputc('\n', ctx->out);
		}
	}
	if (ctx->json)
		json_arr_end(ctx->json);
	chat_contacts_free(v, n);
	return 0;
}

static void put_occupant(void *arg, const char *nick, const char *role, enum xmpp_show sh)
{
	struct json *j = arg;

	(void)sh;
	json_obj_begin(j);
	json_key(j, "nick");
	json_str(j, nick);
	json_key(j, "role");
	json_str(j, role);
	json_obj_end(j);
}

static int cmd_rooms(struct cmod *m, struct cmd_ctx *ctx, int offline)
{
	struct chat_conv *v;
	size_t n;
	int rc;

	if (!offline && (rc = need_online(m, ctx, 1)) < 0)
		return rc;
	if ((rc = chat_convs(m->env->store, chat_acct_jid(m->ca), "room", &v, &n, ctx->err)) < 0)
		return rc;
	if (ctx->json)
		json_arr_begin(ctx->json);
	for (size_t i = 0; i < n; i++) {
		if (ctx->json) {
			struct json *j = ctx->json;
			json_obj_begin(j);
			json_key(j, "jid");
			json_str(j, v[i].jid);
			json_key(j, "name");
			if (v[i].name)
				json_str(j, v[i].name);
			else
				json_null(j);
			json_key(j, "nick");
			json_str(j, v[i].nick ? v[i].nick : "");
			json_key(j, "topic");
			json_str(j, v[i].topic ? v[i].topic : "");
			json_key(j, "joined");
			json_bool(j, v[i].joined);
			json_key(j, "unread");
			json_int(j, v[i].unread);
			json_key(j, "mentions");
			json_int(j, v[i].mentions);
			/* who is there, as this connection saw them join */
			json_key(j, "occupants");
			json_arr_begin(j);
			chat_occupants(m->ca, v[i].jid, put_occupant, j);
			json_arr_end(j);
			json_obj_end(j);
		} else {
			put_safe(ctx->out, v[i].jid);
			fprintf(ctx->out, "\t%s\t", v[i].joined ? tr("chat.joined") : tr("chat.left"));
			put_safe(ctx->out, v[i].nick ? v[i].nick : "");
			fprintf(ctx->out, "\t%d\t", v[i].unread);
			put_safe(ctx->out, v[i].topic ? v[i].topic : "");
			fputc('\n', ctx->out);
		}
	}
	if (ctx->json)
		json_arr_end(ctx->json);
	chat_convs_free(v, n);
	return 0;
}

static char *read_text(struct cmd_ctx *ctx, const char *arg, struct err *e)
{
	struct buf b;
	char chunk[65536];
	size_t got;

	if (strcmp(arg, "-") != 0)
		return xstrdup(arg);
	buf_init(&b);
	if (ctx->in)
		while ((got = fread(chunk, 1, sizeof chunk, ctx->in)) > 0)
			buf_add(&b, chunk, got);
	if (!ctx->in || ferror(ctx->in)) {
		buf_free(&b);
		err_set(e, E_IO, "cannot read the text from stdin");
		return NULL;
	}
	/* a trailing newline from echo or a heredoc is not part of it */
	while (b.len && (b.data[b.len - 1] == '\n' || b.data[b.len - 1] == '\r'))
		b.data[--b.len] = 0;
	return buf_detach(&b);
}

static int cmd_send(struct cmod *m, struct cmd_ctx *ctx, const char *to, const char *arg)
{
	char *text = read_text(ctx, arg, ctx->err);
	int64_t row;
	int rc, crc;

	if (!text)
		return ctx->err->code;
	if ((rc = chat_addr_check(to, ctx->err)) < 0) {
		free(text);
		return rc;
	}
	crc = chat_connect(m->ca, ctx->err);
	if (crc < 0 && crc != E_UNREACHABLE) {
		/* TLS or login refused: kept, marked failed, nothing sent */
		struct err qe;
		int64_t r2;
		char why[600];
		snprintf(why, sizeof why, "%s", ctx->err->msg);
		if (chat_send(m->ca, to, text, NULL, &r2, &qe) == E_QUEUED) {
			struct outbox_entry *list;
			size_t n;
			if (store_outbox_list(m->env->store, "chat", &list, &n, &qe) == 0) {
				for (size_t i = 0; i < n; i++)
					store_outbox_mark(m->env->store, list[i].id, OUTBOX_FAILED, why,
							  &qe);
				store_outbox_list_free(list, n);
			}
		}
		free(text);
		return err_set(ctx->err, crc, "%s", why);
	}
	err_clear(ctx->err);
	rc = chat_send(m->ca, to, text, NULL, &row, ctx->err);
	free(text);
	if (rc == 0 || rc == E_QUEUED)
		fprintf(ctx->out, "%lld\n", (long long)row);
	return rc;
}

static volatile sig_atomic_t tail_stop;

static void on_stop(int sig)
{
	(void)sig;
	tail_stop = 1;
}

struct tail_ctx {
	struct cmd_ctx *ctx;
	struct store *store;
};

static void tail_msg(void *arg, int64_t conv, int64_t row, int added)
{
	struct tail_ctx *t = arg;
	struct chat_msg mm;
	struct err e;

	(void)conv;
	if (!added || chat_msg_get(t->store, row, &mm, &e) < 0)
		return;
	if (t->ctx->json) {
		/* one JSON object per line: a bot reads them as they come */
		struct json j;
		json_init(&j, t->ctx->out, 0);
		t->ctx->json = &j;
		emit_msg(t->ctx, &mm);
		json_end(&j);
		t->ctx->json = (struct json *)1;
	} else {
		put_safe(t->ctx->out, mm.chat);
		fputc('\t', t->ctx->out);
		emit_msg(t->ctx, &mm);
	}
	fflush(t->ctx->out);
	chat_msg_free(&mm);
}

static int cmd_tail(struct cmod *m, struct cmd_ctx *ctx)
{
	struct tail_ctx t = { ctx, m->env->store };
	struct chat_notify n = { &t, tail_msg, NULL };
	struct sigaction sa, oint, oterm;
	struct json *json = ctx->json;
	int failures = 0, rc;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_stop;
	tail_stop = 0;
	sigaction(SIGINT, &sa, &oint);
	sigaction(SIGTERM, &sa, &oterm);
	if (json)
		ctx->json = (struct json *)1; /* JSON lines, not one document */
	/* what the catch-up brings is history, not news: quiet until online */
	rc = chat_connect(m->ca, ctx->err);
	if (rc == E_TLS || rc == E_AUTH)
		goto out;
	chat_acct_notify(m->ca, &n);
	fprintf(stderr, "atrium: %s\n", tr(rc == 0 ? "chat.tail_ready" : "chat.tail_waiting"));
	rc = 0;
	while (!tail_stop) {
		if (!chat_online(m->ca)) {
			int64_t until;
			struct err ce;
			until = loop_now_ms() + net_backoff_ms(failures + 1);
			while (!tail_stop && loop_now_ms() < until)
				usleep(100 * 1000);
			if (tail_stop)
				break;
			if ((rc = chat_connect(m->ca, &ce)) == E_TLS || rc == E_AUTH) {
				*ctx->err = ce;
				break;
			}
			failures = rc < 0 ? failures + 1 : 0;
			rc = 0;
			continue;
		}
		chat_pump(m->ca, 200, -1);
	}
out:
	/* In batch mode the verb is the last thing the process does, and a stop
	 * often comes twice (timeout(1) signals the child, then its group): a
	 * second one must not kill the orderly close, so the flag stays the only
	 * answer until exit. On the screen the defaults come back. */
	if (ctx->interactive) {
		sigaction(SIGINT, &oint, NULL);
		sigaction(SIGTERM, &oterm, NULL);
	}
	ctx->json = json;
	if (json) /* the caller closes a document that was never opened */
		ctx->json = NULL;
	return rc;
}

static int parse_show(const char *s, enum xmpp_show *sh)
{
	static const struct { const char *w; enum xmpp_show sh; } t[] = {
		{ "available", XSHOW_AVAILABLE }, { "online", XSHOW_AVAILABLE },
		{ "away", XSHOW_AWAY }, { "xa", XSHOW_XA }, { "dnd", XSHOW_DND },
		{ "chat", XSHOW_CHAT }, { "offline", XSHOW_OFFLINE },
	};
	for (size_t i = 0; i < nitems(t); i++)
		if (strcmp(s, t[i].w) == 0) {
			*sh = t[i].sh;
			return 0;
		}
	return -1;
}

static int msg_row_arg(struct cmd_ctx *ctx, const char *s, int64_t *row)
{
	char *end;
	long long v = strtoll(s, &end, 10);

	if (*end || v <= 0)
		return err_tr(ctx->err, E_NOTFOUND, "chat.no_message", TR_S(s));
	*row = v;
	return 0;
}

/* What a verb that needs the server can refuse before connecting: an
 * address that is no JID, a file to upload that cannot be read. */
static int check_args(const char *verb, const char *const *pos, struct err *e)
{
	static const char *const jid_first[] = { "join", "leave", "upload", "add", "remove",
						  "approve", "deny", "invite", "topic", "kick",
						  "nick" };
	struct stat sb;
	int rc, fd;

	for (size_t i = 0; i < nitems(jid_first); i++)
		if (!strcmp(verb, jid_first[i]) && (rc = chat_addr_check(pos[0], e)) < 0)
			return rc;
	if (!strcmp(verb, "invite") && (rc = chat_addr_check(pos[1], e)) < 0)
		return rc;
	if (!strcmp(verb, "upload")) {
		if ((fd = chat_upload_open(pos[1], &sb, e)) < 0)
			return fd;
		close(fd);
	}
	return 0;
}

/* Verbs and their positional arguments (min, max). */
static const struct {
	const char *verb;
	int min, max;
	int online;   /* needs the server (0: the store, 2: the store may do) */
	const char *usage;
} verbs[] = {
	{ "status", 0, 0, 0, "atrium chat status [--json]" },
	{ "roster", 0, 0, 2, "atrium chat roster [--json]" },
	{ "rooms", 0, 0, 2, "atrium chat rooms [--json]" },
	{ "join", 1, 1, 1, "atrium chat join ROOM [--nick N]" },
	{ "leave", 1, 1, 1, "atrium chat leave ROOM" },
	{ "send", 2, 2, 1, "atrium chat send JID|ROOM TEXT|-" },
	{ "sync", 0, 0, 1, "atrium chat sync" },
	{ "history", 1, 1, 2, "atrium chat history JID|ROOM [--limit N] [--since TIME] [--json] [--offline]" },
	{ "tail", 0, 0, 1, "atrium chat tail [--json]" },
	{ "search", 1, 1, 2, "atrium chat search QUERY [--limit N] [--json] [--offline]" },
	{ "upload", 2, 2, 1, "atrium chat upload JID|ROOM FILE" },
	{ "download", 1, 1, 0, "atrium chat download ID [--save DIR]" },
	{ "presence", 1, 2, 1, "atrium chat presence available|away|xa|dnd|chat [TEXT]" },
	{ "add", 1, 1, 1, "atrium chat add JID" },
	{ "remove", 1, 1, 1, "atrium chat remove JID" },
	{ "approve", 1, 1, 1, "atrium chat approve JID" },
	{ "deny", 1, 1, 1, "atrium chat deny JID" },
	{ "invite", 2, 3, 1, "atrium chat invite ROOM JID [REASON]" },
	{ "topic", 2, 2, 1, "atrium chat topic ROOM TEXT" },
	{ "kick", 2, 3, 1, "atrium chat kick ROOM NICK [REASON]" },
	{ "nick", 2, 2, 1, "atrium chat nick ROOM NICK" },
	{ "correct", 2, 2, 1, "atrium chat correct ID TEXT|-" },
	{ "retract", 1, 1, 1, "atrium chat retract ID" },
	{ "read", 1, 1, 2, "atrium chat read JID|ROOM" },
	{ "older", 1, 2, 1, "atrium chat older JID|ROOM [N]" },
};

static int cmod_command(void *state, struct cmd_ctx *ctx, int argc, char **argv)
{
	struct cmod *m = state;
	const char *pos[4] = { 0 }, *nick = NULL, *save = NULL;
	int npos = 0, offline = 0, rc, vi = -1;
	long limit = 0;
	int64_t since = 0;
	struct buf all;

	for (size_t i = 0; i < nitems(verbs); i++)
		if (strcmp(argv[0], verbs[i].verb) == 0)
			vi = (int)i;
	if (vi < 0) {
		buf_init(&all);
		buf_adds(&all, "atrium chat ");
		for (size_t i = 0; i < nitems(verbs); i++)
			buf_printf(&all, "%s%s", i ? "|" : "", verbs[i].verb);
		rc = usage(ctx, buf_cstr(&all));
		buf_free(&all);
		return rc;
	}
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--limit") && i + 1 < argc) {
			char *end;
			limit = strtol(argv[++i], &end, 10);
			if (*end || limit <= 0)
				return usage(ctx, verbs[vi].usage);
		} else if (!strcmp(argv[i], "--since") && i + 1 < argc) {
			if (parse_since(argv[++i], &since) < 0)
				return err_tr(ctx->err, E_USAGE, "chat.bad_time", TR_S(argv[i]));
		} else if (!strcmp(argv[i], "--nick") && i + 1 < argc) {
			nick = argv[++i];
		} else if (!strcmp(argv[i], "--save") && i + 1 < argc) {
			save = argv[++i];
		} else if (!strcmp(argv[i], "--offline")) {
			offline = 1;
		} else if (argv[i][0] == '-' && argv[i][1] && strcmp(argv[i], "--") != 0) {
			return usage(ctx, verbs[vi].usage);
		} else if (npos < 4) {
			pos[npos++] = argv[i];
		} else {
			return usage(ctx, verbs[vi].usage);
		}
	}
	if (npos < verbs[vi].min || npos > verbs[vi].max ||
	    (nick && strcmp(argv[0], "join") != 0) || (save && strcmp(argv[0], "download") != 0) ||
	    ((limit || since) && strcmp(argv[0], "history") && strcmp(argv[0], "search")) ||
	    (offline && verbs[vi].online != 2))
		return usage(ctx, verbs[vi].usage);
	if (!strcmp(argv[0], "status"))
		return m->acct ? account_cmd_status(m->acct, ctx) : usage(ctx, verbs[vi].usage);
	if ((rc = need_acct(m, ctx->err)) < 0)
		return rc;
	if (m->env->offline)
		offline = 1;
	/* on the screen the tab's worker owns the connection and keeps the
	 * store current: what the store answers is answered here */
	if (ctx->interactive && m->view) {
		if (verbs[vi].online != 2 || !strcmp(argv[0], "read"))
			return chat_view_command(m->view, ctx, argc, argv);
		offline = 1;
	}

	if (!strcmp(argv[0], "history"))
		return cmd_history(m, ctx, pos[0], limit, since, offline);
	if (!strcmp(argv[0], "search"))
		return cmd_search(m, ctx, pos[0], limit, offline);
	if (!strcmp(argv[0], "roster"))
		return cmd_roster(m, ctx, offline);
	if (!strcmp(argv[0], "rooms"))
		return cmd_rooms(m, ctx, offline);
	if (!strcmp(argv[0], "send"))
		return cmd_send(m, ctx, pos[0], pos[1]);
	if (!strcmp(argv[0], "tail"))
		return cmd_tail(m, ctx);
	if (!strcmp(argv[0], "download")) {
		int64_t row = 0;
		char *saved, *dir = NULL;
		const char *home = getenv("HOME");
		if (msg_row_arg(ctx, pos[0], &row) < 0)
			return ctx->err->code;
		if (save)
			dir = xstrdup(save);
		else if (conf_get(m->env->conf, "chat", "download_dir"))
			dir = xstrdup(conf_get(m->env->conf, "chat", "download_dir"));
		else
			xasprintf(&dir, "%s/Downloads", home ? home : ".");
		rc = chat_download(m->ca, m->env->loop, row, dir, &saved, ctx->err);
		if (rc == 0) {
			fprintf(ctx->out, "%s/", dir);
			put_safe(ctx->out, saved);
			fputc('\n', ctx->out);
			free(saved);
		}
		free(dir);
		return rc;
	}
	if (!strcmp(argv[0], "read")) {
		int64_t conv;
		if (!offline && need_online(m, ctx, 1) < 0)
			return ctx->err->code;
		if (!(conv = conv_of(m, pos[0])))
			return err_tr(ctx->err, E_NOTFOUND, "chat.no_chat", TR_S(pos[0]));
		return chat_mark_read(m->ca, conv, ctx->err);
	}
	if (!strcmp(argv[0], "presence")) {
		enum xmpp_show sh;
		if (parse_show(pos[0], &sh) < 0)
			return usage(ctx, verbs[vi].usage);
		if ((rc = chat_connect(m->ca, ctx->err)) < 0 && rc != E_UNREACHABLE)
			return rc;
		err_clear(ctx->err);
		return chat_presence(m->ca, sh, pos[1], ctx->err);
	}
	if (!strcmp(argv[0], "correct") || !strcmp(argv[0], "retract")) {
		int64_t row = 0;
		char *text = NULL;
		if (msg_row_arg(ctx, pos[0], &row) < 0)
			return ctx->err->code;
		if (!strcmp(argv[0], "correct") && !(text = read_text(ctx, pos[1], ctx->err)))
			return ctx->err->code;
		if ((rc = chat_connect(m->ca, ctx->err)) < 0 && rc != E_UNREACHABLE) {
			free(text);
			return rc;
		}
		err_clear(ctx->err);
		rc = text ? chat_correct(m->ca, row, text, ctx->err) : chat_retract(m->ca, row, ctx->err);
		free(text);
		return rc;
	}
	/* the rest needs the server now; a wrong argument is said first */
	if ((rc = check_args(argv[0], pos, ctx->err)) < 0)
		return rc;
	if ((rc = need_online(m, ctx, 0)) < 0)
		return rc;
	if (!strcmp(argv[0], "sync")) {
		struct outbox_entry *list;
		size_t n = 0;
		int waiting = 0, failed = 0;
		if (store_outbox_list(m->env->store, "chat", &list, &n, ctx->err) == 0) {
			for (size_t i = 0; i < n; i++) {
				if (list[i].state == OUTBOX_FAILED)
					failed++;
				else
					waiting++;
			}
			store_outbox_list_free(list, n);
		}
		fprintf(ctx->out, "%s\n", tr("chat.synced"));
		/* failed ones wait for the user (atrium outbox), not the server */
		if (failed)
			fprintf(stderr, "atrium: %s\n",
				trf((char[300]){ 0 }, 300, "chat.failed_waiting", TR_N(failed)));
		if (waiting)
			return err_set(ctx->err, E_QUEUED, "%s", tr("chat.queued"));
		return 0;
	}
	if (!strcmp(argv[0], "join")) {
		int created;
		if ((rc = chat_join(m->ca, pos[0], nick, &created, ctx->err)) < 0)
			return rc;
		fprintf(ctx->out, "%s\n", tr(created ? "chat.room_created" : "chat.room_joined"));
		return 0;
	}
	if (!strcmp(argv[0], "leave"))
		return chat_leave(m->ca, pos[0], ctx->err);
	if (!strcmp(argv[0], "upload")) {
		int64_t row;
		if ((rc = chat_upload(m->ca, m->env->loop, pos[0], pos[1], &row, ctx->err)) == 0 ||
		    rc == E_QUEUED)
			fprintf(ctx->out, "%lld\n", (long long)row);
		return rc;
	}
	if (!strcmp(argv[0], "add") || !strcmp(argv[0], "remove") || !strcmp(argv[0], "approve") ||
	    !strcmp(argv[0], "deny"))
		return chat_contact_op(m->ca, argv[0], pos[0], ctx->err);
	if (!strcmp(argv[0], "older")) {
		int64_t conv;
		int got, n = 100;
		if (pos[1]) {
			char *end;
			n = (int)strtol(pos[1], &end, 10);
			if (*end || n <= 0)
				return usage(ctx, verbs[vi].usage);
		}
		if (!(conv = conv_of(m, pos[0])))
			return err_tr(ctx->err, E_NOTFOUND, "chat.no_chat", TR_S(pos[0]));
		if ((rc = chat_page_back(m->ca, conv, n, &got, ctx->err)) < 0)
			return rc;
		fprintf(ctx->out, "%d\n", got);
		return 0;
	}
	return chat_room_op(m->ca, argv[0], pos[0], pos[1], pos[2], ctx->err);
}

int chat_verb_run(const struct module_env *env, struct chat_acct *a, struct cmd_ctx *ctx,
		  int argc, char **argv)
{
	struct cmod m = { env, NULL, a, NULL };

	return cmod_command(&m, ctx, argc, argv);
}

static void cmod_draw(void *state, struct ui_area *area)
{
	struct cmod *m = state;

	if (!m->view || !account_configured(m->acct) || !m->env->store) {
		account_draw(m->acct, area);
		return;
	}
	chat_view_draw(m->view, area, m->acct);
}

static int cmod_key(void *state, int key)
{
	struct cmod *m = state;

	if (!m->view || !account_configured(m->acct) || !m->env->store)
		return 0;
	return chat_view_key(m->view, key);
}

static int cmod_taking_text(void *state)
{
	struct cmod *m = state;

	return m->view && m->env->store && account_configured(m->acct) &&
	       chat_view_taking_text(m->view);
}

static int cmod_unsaved(void *state)
{
	struct cmod *m = state;

	return m->view && m->env->store && chat_view_unsaved(m->view);
}

static void cmod_on_event(void *state, const struct module_event *ev)
{
	struct cmod *m = state;

	if (m->view && account_configured(m->acct) && m->env->store)
		chat_view_event(m->view, ev);
}

static void cmod_status(void *state, struct module_status *st)
{
	struct cmod *m = state;

	account_status(m->acct, st);
	if (m->view && account_configured(m->acct))
		chat_view_status(m->view, st);
}

static const struct module_verb chat_verbs[] = {
	{ "status", "[--json]", "verb.status" },
	{ "roster", "[--json]", "verb.chat.roster" },
	{ "rooms", "[--json]", "verb.chat.rooms" },
	{ "join", "ROOM [--nick N]", "verb.chat.join" },
	{ "leave", "ROOM", "verb.chat.leave" },
	{ "send", "JID|ROOM TEXT|-", "verb.chat.send" },
	{ "sync", "", "verb.chat.sync" },
	{ "history", "JID|ROOM [--limit N] [--since TIME] [--json] [--offline]", "verb.chat.history" },
	{ "tail", "[--json]", "verb.chat.tail" },
	{ "search", "QUERY [--limit N] [--json] [--offline]", "verb.chat.search" },
	{ "upload", "JID|ROOM FILE", "verb.chat.upload" },
	{ "download", "ID [--save DIR]", "verb.chat.download" },
	{ "presence", "available|away|xa|dnd|chat [TEXT]", "verb.chat.presence" },
	{ "add", "JID", "verb.chat.add" },
	{ "remove", "JID", "verb.chat.remove" },
	{ "approve", "JID", "verb.chat.approve" },
	{ "deny", "JID", "verb.chat.deny" },
	{ "invite", "ROOM JID [REASON]", "verb.chat.invite" },
	{ "topic", "ROOM TEXT", "verb.chat.topic" },
	{ "kick", "ROOM NICK [REASON]", "verb.chat.kick" },
	{ "nick", "ROOM NICK", "verb.chat.nick" },
	{ "correct", "ID TEXT|-", "verb.chat.correct" },
	{ "retract", "ID", "verb.chat.retract" },
	{ "read", "JID|ROOM", "verb.chat.read" },
	{ "older", "JID|ROOM [N]", "verb.chat.older" },
	{ NULL, NULL, NULL },
};

static const struct module_key chat_keys[] = {
	{ "Tab", "chat.key.focus" },
	{ "j / k, Up / Down", "chat.key.move" },
	{ "Enter", "chat.key.open" },
	{ "i / a", "chat.key.write" },
	{ "PgUp / PgDn", "chat.key.scroll" },
	{ "e", "chat.key.edit" },
	{ "o", "chat.key.people" },
	{ "y / n", "chat.key.answer" },
	{ "E / Alt-E", "chat.key.long" },
	{ "s", "chat.key.sync" },
	{ NULL, NULL },
};

const struct module chat_module = {
	.name = "chat",
	.title_key = "tab.chat",
	.init = cmod_init,
	.free = cmod_free,
	.draw = cmod_draw,
	.key = cmod_key,
	.taking_text = cmod_taking_text,
	.command = cmod_command,
	.on_event = cmod_on_event,
	.status = cmod_status,
	.unsaved = cmod_unsaved,
	.verbs = chat_verbs,
	.keys = chat_keys,
};
