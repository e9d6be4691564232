/*
 * view.c - the Chat tab: the conversations (rooms, then contacts, each
 * with its unread count, mentions and presence) beside the open
 * conversation and the line being written; see view.h.
 *
 * The worker thread owns the session with its own store connection: it
 * connects (again, with back-off, after a cut), catches up, pumps the
 * connection and runs the tab's jobs. What arrives is in the store before
 * the screen hears of it; the screen reads the store and never waits.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "i18n/i18n.h"
#include "modules/account.h"
#include "modules/chat/chat_int.h"
#include "modules/chat/view.h"
#include "modules/docs/docs.h"
#include "store/store.h"
#include "tui/tui.h"

#define LIST_W 28        /* the conversation list's width at most */
#define PAGE_BACK 100    /* messages asked of the archive when scrolling back */
#define SHOWN 400        /* messages of a conversation read at a time */
#define IDLE_MS (2 * 60 * 1000) /* no key for this long: the server is told (CSI) */

enum job_kind { J_CONNECT, J_REPLAY, J_VERB, J_OLDER, J_READ, J_QUIT };

struct cjob {
	enum job_kind kind;
	int64_t conv, row;
	char *to, *text;
	int argc;
	char **argv;
	int rc;
	struct err e;
	char *out;         /* what a verb printed */
	struct chat_view *v;
	struct cjob *next;
};

/* One entry of the list: a conversation, or a contact without one yet. */
struct entry {
	int64_t conv;      /* 0: a contact never talked to */
	char *jid, *label, *kind;
	int unread, mentions, request;
	enum xmpp_show show;
};

/* A screen row of the open conversation. */
struct line {
	int64_t row;
	char *text;        /* sanitized: safe for ui_put */
	enum ui_role role;
	int head;          /* the first row of a message: time and nick drawn */
	char stamp[8];
	char *nick;
};

enum focus { F_LIST, F_CONV };

struct chat_view {
	const struct module_env *env;
	struct chat_acct *ca;      /* the main thread's: store reads only */
	/* the worker */
	int started, stopping;
	struct module_env wenv;
	struct store *wstore;
	struct chat_acct *wa;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct cjob *head, **tail;
	int wake[2];
	int refresh_posted;        /* a refresh is on its way to the loop */
	int busy;                  /* a job runs */
	/* state the worker shares (under lock) */
	enum svc_state svc;
	char reason[300];
	int failures;
	int64_t retry_at;
	int connect_now;
	int64_t last_key;          /* loop_now_ms() of the last key on the tab */
	int inactive;              /* the worker told the server so */
	/* the screen's */
	struct entry *ents;
	size_t nents;
	size_t sel;
	enum focus focus;
	int64_t open_conv;
	char *open_jid, *open_kind, *open_topic;
	struct chat_msg *msgs;
	size_t nmsgs;
	int scroll;                /* screen rows scrolled back from the bottom */
	int at_top;                /* the store has nothing older shown */
	int older_asked;
	/* the line being written */
	int writing;
	struct buf input;
	size_t cur;                /* byte offset in input */
	int pasting;
	int64_t correcting;        /* the row a correction replaces, 0 none */
	struct docs_edit *long_ed; /* a long message in the docs editor (E) */
	int show_people;           /* o: a room's occupants at the right */
	int last_w;
};

/* ---- the worker ------------------------------------------------------------------- */

static void job_free(struct cjob *j)
{
	if (!j)
		return;
	free(j->to);
	free(j->text);
	if (j->argv)
		argv_free(j->argc, j->argv);
	free(j->out);
	free(j);
}

static void refresh(void *arg);

/* From the worker: the store changed, the screen reads it again (once,
 * however many messages came). */
static void post_refresh(struct chat_view *v)
{
	if (!__atomic_exchange_n(&v->refresh_posted, 1, __ATOMIC_ACQ_REL))
		loop_post(v->env->loop, refresh, v);
}

static void w_message(void *arg, int64_t conv, int64_t row, int added)
{
	(void)conv;
	(void)row;
	(void)added;
	post_refresh(arg);
}

static void w_changed(void *arg)
{
	post_refresh(arg);
}

static void set_svc(struct chat_view *v, enum svc_state s, const char *reason)
{
	pthread_mutex_lock(&v->lock);
	v->svc = s;
	snprintf(v->reason, sizeof v->reason, "%s", reason ? reason : "");
	pthread_mutex_unlock(&v->lock);
	post_refresh(v);
}

static void deliver(void *arg)
{
	struct cjob *j = arg;
	struct chat_view *v = j->v;

	v->busy = 0;
	/* a page came: the next scroll to the top may ask for another; an
	 * empty one means the archive has nothing older */
	if (j->kind == J_OLDER && j->conv == v->open_conv && j->rc == 0 && j->row > 0)
		v->older_asked = 0;
	if (!v->stopping && v->env->message) {
		if (j->rc < 0 && j->rc != E_QUEUED)
			v->env->message(v->env->host, j->e.msg);
		else if (j->rc == E_QUEUED)
			v->env->message(v->env->host, tr("chat.queued"));
		else if (j->out && *j->out && j->kind == J_VERB) {
			char *nl = strchr(j->out, '\n');
			if (nl)
				*nl = 0;
			v->env->message(v->env->host, j->out);
		}
	}
	job_free(j);
	if (!v->stopping)
		refresh(v);
}

static void try_connect(struct chat_view *v)
{
	struct err e;
	int rc;

	if (v->wenv.offline) {
		set_svc(v, SVC_OFFLINE, tr("chat.offline_forced"));
		return;
	}
	set_svc(v, SVC_CONNECTING, NULL);
	err_clear(&e);
	rc = chat_connect(v->wa, &e);
	pthread_mutex_lock(&v->lock);
	if (rc == 0) {
		v->failures = 0;
		v->retry_at = 0;
		v->inactive = 0; /* a new stream starts active */
	} else {
		v->failures++;
		/* a refused password or certificate waits for the user (s) */
		v->retry_at = rc == E_TLS || rc == E_AUTH ? -1
				: loop_now_ms() + net_backoff_ms(v->failures);
	}
	pthread_mutex_unlock(&v->lock);
	if (rc == 0)
		set_svc(v, SVC_ONLINE, NULL);
	else
		set_svc(v, rc == E_TLS || rc == E_AUTH ? SVC_ERROR : SVC_OFFLINE, e.msg);
}

static void run_job(struct chat_view *v, struct cjob *j)
{
	int got;

	err_clear(&j->e);
	switch (j->kind) {
	case J_CONNECT:
		try_connect(v);
		j->rc = 0;
		return;
	case J_REPLAY:
		/* the screen queued it; sent now if the server is there */
		j->rc = chat_online(v->wa) ? chat_replay(v->wa, NULL, NULL, &j->e) : 0;
		if (j->rc == E_UNREACHABLE)
			j->rc = 0; /* it waits: the screen says (queued) */
		return;
	case J_READ:
		j->rc = chat_mark_read(v->wa, j->conv, &j->e);
		return;
	case J_OLDER:
		j->rc = chat_page_back(v->wa, j->conv, PAGE_BACK, &got, &j->e);
		j->row = got;
		return;
	case J_VERB: {
		struct cmd_ctx ctx = { 0 };
		size_t len = 0;
		FILE *out = open_memstream(&j->out, &len);
		ctx.out = out ? out : stderr;
		ctx.err = &j->e;
		j->rc = chat_verb_run(&v->wenv, v->wa, &ctx, j->argc, j->argv);
		if (out)
			fclose(out);
		return;
	}
	case J_QUIT:
		return;
	}
}

static void *worker_main(void *arg)
{
	struct chat_view *v = arg;
	struct chat_notify n = { v, w_message, w_changed };

	chat_acct_notify(v->wa, &n);
	for (;;) {
		struct cjob *j = NULL;
		int online, want, offline;
		int64_t retry;

		pthread_mutex_lock(&v->lock);
		if (v->head) {
			j = v->head;
			v->head = j->next;
			if (!v->head)
				v->tail = &v->head;
		}
		retry = v->retry_at;
		want = v->connect_now;
		v->connect_now = 0;
		pthread_mutex_unlock(&v->lock);
		if (j && j->kind == J_QUIT) {
			job_free(j);
			break;
		}
		online = chat_online(v->wa);
		pthread_mutex_lock(&v->lock);
		offline = v->wenv.offline;
		pthread_mutex_unlock(&v->lock);
		if (online && offline) { /* :offline: the connection goes */
			chat_disconnect(v->wa);
			set_svc(v, SVC_OFFLINE, tr("chat.offline_forced"));
			online = 0;
		}
		if (!online && (want || (retry >= 0 && loop_now_ms() >= retry)) && !offline)
			try_connect(v);
		if (j) {
			run_job(v, j);
			loop_post(v->env->loop, deliver, j);
			continue;
		}
		if (chat_online(v->wa)) {
			char drain[64];
			int idle = loop_now_ms() - __atomic_load_n(&v->last_key, __ATOMIC_ACQUIRE) >
				   IDLE_MS;
			if (idle != v->inactive && chat_set_active(v->wa, !idle) == 0)
				v->inactive = idle;
			if (chat_pump(v->wa, 1000, v->wake[0]) == 1)
				while (read(v->wake[0], drain, sizeof drain) > 0)
					;
			if (!chat_online(v->wa)) {
				int code;
				const char *why = chat_lost_reason(v->wa, &code);
				pthread_mutex_lock(&v->lock);
				v->failures = 1;
				v->retry_at = loop_now_ms() + net_backoff_ms(1);
				pthread_mutex_unlock(&v->lock);
				set_svc(v, SVC_OFFLINE, why);
			}
		} else {
			struct pollfd p = { v->wake[0], POLLIN, 0 };
			char drain[64];
			if (poll(&p, 1, 500) > 0)
				while (read(v->wake[0], drain, sizeof drain) > 0)
					;
		}
	}
	return NULL;
}

static int worker_start(struct chat_view *v, struct err *e)
{
	int rc;

	if (v->started)
		return 0;
	if (!v->env->store)
		return err_set(e, E_LOCKED, "the store is locked");
	if ((rc = store_clone(v->env->store, &v->wstore, e)) < 0)
		return rc;
	v->wenv = *v->env;
	v->wenv.store = v->wstore;
	v->wenv.message = NULL;
	v->wenv.redraw = NULL;
	v->wenv.batch = 1;
	if ((rc = chat_acct_new(&v->wenv, v->wstore, &v->wa, e)) < 0) {
		store_close(v->wstore);
		v->wstore = NULL;
		return rc;
	}
	if (pipe2(v->wake, O_NONBLOCK | O_CLOEXEC) < 0) {
		chat_acct_free(v->wa);
		store_close(v->wstore);
		return err_set(e, E_INTERNAL, "cannot start the chat thread: %s", strerror(errno));
	}
	pthread_mutex_init(&v->lock, NULL);
	pthread_cond_init(&v->cond, NULL);
	v->tail = &v->head;
	v->connect_now = !v->env->offline;
	v->svc = v->env->offline ? SVC_OFFLINE : SVC_CONNECTING;
	if (v->env->offline)
		snprintf(v->reason, sizeof v->reason, "%s", tr("chat.offline_forced"));
	v->last_key = loop_now_ms();
	if (pthread_create(&v->thread, NULL, worker_main, v) != 0) {
		close(v->wake[0]);
		close(v->wake[1]);
		chat_acct_free(v->wa);
		store_close(v->wstore);
		pthread_mutex_destroy(&v->lock);
		pthread_cond_destroy(&v->cond);
		return err_set(e, E_INTERNAL, "cannot start the chat thread");
	}
	v->started = 1;
	return 0;
}

static void wake(struct chat_view *v)
{
	if (write(v->wake[1], "j", 1) < 0) {
		/* full: it has been woken already */
	}
}

static void submit(struct chat_view *v, struct cjob *j)
{
	struct err e;

	if (worker_start(v, &e) < 0) {
		if (v->env->message)
			v->env->message(v->env->host, e.msg);
		job_free(j);
		return;
	}
	j->v = v;
	pthread_mutex_lock(&v->lock);
	*v->tail = j;
	v->tail = &j->next;
	pthread_cond_signal(&v->cond);
	pthread_mutex_unlock(&v->lock);
	v->busy = 1;
	wake(v);
}

static struct cjob *job_new(enum job_kind k)
{
	struct cjob *j = xcalloc(1, sizeof *j);

	j->kind = k;
	return j;
}

static void worker_stop(struct chat_view *v)
{
	if (!v->started)
		return;
	v->stopping = 1;
	chat_cancel(v->wa);
	pthread_mutex_lock(&v->lock);
	while (v->head) {
		struct cjob *j = v->head;
		v->head = j->next;
		job_free(j);
	}
	v->tail = &v->head;
	pthread_mutex_unlock(&v->lock);
	{
		struct cjob *q = job_new(J_QUIT);
		q->v = v;
		pthread_mutex_lock(&v->lock);
		*v->tail = q;
		v->tail = &q->next;
		pthread_mutex_unlock(&v->lock);
		wake(v);
	}
	pthread_join(v->thread, NULL);
	/* results already posted run (and free themselves) now */
	loop_run_once(v->env->loop, 0);
	chat_disconnect(v->wa);
	close(v->wake[0]);
	close(v->wake[1]);
	chat_acct_free(v->wa);
	store_close(v->wstore);
	/* a refresh posted while disconnecting runs now, v->stopping set */
	loop_run_once(v->env->loop, 0);
	pthread_mutex_destroy(&v->lock);
	pthread_cond_destroy(&v->cond);
	v->started = 0;
}

/* ---- the store ---------------------------------------------------------------------- */

static void ents_free(struct chat_view *v)
{
	for (size_t i = 0; i < v->nents; i++) {
		free(v->ents[i].jid);
		free(v->ents[i].label);
		free(v->ents[i].kind);
	}
	free(v->ents);
	v->ents = NULL;
	v->nents = 0;
}

static int need_acct(struct chat_view *v)
{
	struct err e;
	int rc;

	if (v->ca)
		return 0;
	if ((rc = chat_acct_new(v->env, v->env->store, &v->ca, &e)) == 0)
		chat_acct_queue_only(v->ca);
	return rc;
}

static enum xmpp_show presence_of(struct chat_view *v, const char *jid)
{
	enum xmpp_show sh;

	if (!v->started)
		return XSHOW_OFFLINE;
	/* the worker's table (sess.c locks it) */
	sh = chat_presence_of(v->wa, jid, NULL, 0);
	return sh;
}

static void load_list(struct chat_view *v)
{
	struct chat_conv *convs;
	struct chat_contact *cs;
	size_t nc = 0, nr = 0, cap;
	struct err e;
	char *keep = v->nents ? xstrdup(v->ents[v->sel].jid) : NULL;

	ents_free(v);
	if (need_acct(v) < 0 || chat_convs(v->env->store, chat_acct_jid(v->ca), NULL, &convs, &nc,
					   &e) < 0) {
		free(keep);
		return;
	}
	if (chat_roster_list(v->env->store, chat_acct_jid(v->ca), &cs, &nr, &e) < 0) {
		cs = NULL;
		nr = 0;
	}
	cap = nc + nr;
	v->ents = xcalloc(cap ? cap : 1, sizeof *v->ents);
	/* rooms first, then the chats by their latest message, then the
	 * contacts not talked to yet */
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < nc; i++) {
			struct entry *en;
			int room = strcmp(convs[i].kind, "room") == 0;
			if ((pass == 0) != room || (room && !convs[i].joined && !convs[i].unread))
				continue;
			en = &v->ents[v->nents++];
			en->conv = convs[i].id;
			en->jid = xstrdup(convs[i].jid);
			en->kind = xstrdup(convs[i].kind);
			if (convs[i].name && *convs[i].name) {
				en->label = xstrdup(convs[i].name);
			} else {
				char s[256];
				chat_short_name(convs[i].jid, s, sizeof s);
				en->label = xstrdup(room ? convs[i].jid : s);
			}
			for (size_t k = 0; !room && k < nr; k++)
				if (strcasecmp(cs[k].jid, convs[i].jid) == 0 && cs[k].name && *cs[k].name)
					xstrset(&en->label, cs[k].name);
			en->unread = convs[i].unread;
			en->mentions = convs[i].mentions;
			en->show = room ? XSHOW_AVAILABLE : presence_of(v, convs[i].jid);
		}
	for (size_t k = 0; k < nr; k++) {
		struct entry *en;
		int known = 0;
		for (size_t i = 0; i < v->nents; i++)
			if (strcasecmp(v->ents[i].jid, cs[k].jid) == 0) {
				v->ents[i].request = cs[k].request;
				known = 1;
			}
		if (known)
			continue;
		en = &v->ents[v->nents++];
		en->jid = xstrdup(cs[k].jid);
		en->kind = xstrdup("chat");
		en->label = xstrdup(cs[k].name && *cs[k].name ? cs[k].name : cs[k].jid);
		en->request = cs[k].request;
		en->show = presence_of(v, cs[k].jid);
	}
	chat_convs_free(convs, nc);
	chat_contacts_free(cs, nr);
	v->sel = 0;
	for (size_t i = 0; keep && i < v->nents; i++)
		if (strcmp(v->ents[i].jid, keep) == 0)
			v->sel = i;
	free(keep);
}

static void load_conv(struct chat_view *v)
{
	struct err e;

	chat_msgs_free(v->msgs, v->nmsgs);
	v->msgs = NULL;
	v->nmsgs = 0;
	if (!v->open_conv)
		return;
	if (chat_history(v->env->store, v->open_conv, SHOWN + (v->scroll > 0 ? v->scroll : 0), 0, 0,
			 &v->msgs, &v->nmsgs, &e) < 0) {
		v->msgs = NULL;
		v->nmsgs = 0;
	}
	free(v->open_topic);
	v->open_topic = NULL;
	{
		struct chat_conv *convs;
		size_t n;
		if (chat_convs(v->env->store, chat_acct_jid(v->ca), NULL, &convs, &n, &e) == 0) {
			for (size_t i = 0; i < n; i++)
				if (convs[i].id == v->open_conv && convs[i].topic)
					v->open_topic = xstrdup(convs[i].topic);
			chat_convs_free(convs, n);
		}
	}
}

static void refresh(void *arg)
{
	struct chat_view *v = arg;

	__atomic_store_n(&v->refresh_posted, 0, __ATOMIC_RELEASE);
	if (v->stopping || !v->env->store)
		return;
	load_list(v);
	if (v->open_conv) {
		load_conv(v);
		/* what arrives in the open conversation is read at once */
		for (size_t i = 0; i < v->nents; i++)
			if (v->ents[i].conv == v->open_conv && v->ents[i].unread) {
				struct cjob *j = job_new(J_READ);
				j->conv = v->open_conv;
				submit(v, j);
				break;
			}
	}
	if (v->env->redraw)
		v->env->redraw(v->env->host);
}

/* ---- the tab ---------------------------------------------------------------------- */

struct chat_view *chat_view_new(const struct module_env *env)
{
	struct chat_view *v = xcalloc(1, sizeof *v);

	v->env = env;
	buf_init(&v->input);
	return v;
}

void chat_view_free(struct chat_view *v)
{
	if (!v)
		return;
	worker_stop(v);
	ents_free(v);
	chat_msgs_free(v->msgs, v->nmsgs);
	free(v->open_jid);
	free(v->open_kind);
	free(v->open_topic);
	buf_free(&v->input);
	docs_edit_free(v->long_ed);
	chat_acct_free(v->ca);
	free(v);
}

static void open_entry(struct chat_view *v)
{
	struct entry *en;

	if (!v->nents)
		return;
	en = &v->ents[v->sel];
	if (!en->conv) /* a contact never talked to: the conversation starts */
		en->conv = chat_conv_id(v->env->store, chat_acct_jid(v->ca), en->jid, "chat", 1);
	v->open_conv = en->conv;
	xstrset(&v->open_jid, en->jid);
	xstrset(&v->open_kind, en->kind);
	v->scroll = 0;
	v->older_asked = 0;
	v->focus = F_CONV;
	if (v->started)
		chat_acct_viewing(v->wa, v->open_conv);
	load_conv(v);
	if (en->unread || en->mentions) {
		struct cjob *j = job_new(J_READ);
		j->conv = en->conv;
		submit(v, j);
	}
}

static const char *show_mark(enum xmpp_show sh)
{
	switch (sh) {
	case XSHOW_AVAILABLE:
	case XSHOW_CHAT: return "●";
	case XSHOW_AWAY:
	case XSHOW_XA: return "◐";
	case XSHOW_DND: return "⊘";
	default: return "○";
	}
}

static void draw_list(struct chat_view *v, struct ui_area *a, int w, int h)
{
	size_t top = 0;

	if (v->sel >= (size_t)h)
		top = v->sel - (size_t)h + 1;
	for (int y = 0; y < h && top + (size_t)y < v->nents; y++) {
		struct entry *en = &v->ents[top + (size_t)y];
		int selected = top + (size_t)y == v->sel;
		enum ui_role role = selected && v->focus == F_LIST ? UI_SELECTED
				    : en->unread			? UI_BOLD
									: UI_NORMAL;
		char badge[32] = "";
		int x = 0, bw;

		ui_put(a, y, 0, w, "", 0, role);
		for (int k = 0; k < w; k++)
			ui_puts(a, y, k, " ", role);
		if (strcmp(en->kind, "room") == 0)
			x += ui_puts(a, y, x, "#", role);
		else
			x += ui_puts(a, y, x, show_mark(en->show), role);
		x += ui_puts(a, y, x, " ", role);
		if (en->request)
			snprintf(badge, sizeof badge, " ?");
		else if (en->mentions)
			snprintf(badge, sizeof badge, " @%d", en->mentions);
		else if (en->unread)
			snprintf(badge, sizeof badge, " %d", en->unread);
		bw = (int)strlen(badge);
		ui_put(a, y, x, w - x - bw - 1, en->label, strlen(en->label), role);
		if (bw)
			ui_puts(a, y, w - bw - 1, badge, en->mentions ? UI_WARN : role);
	}
}

/* The open conversation as screen rows, wrapped to w columns. */
static struct line *layout(struct chat_view *v, int w, size_t *nl)
{
	struct line *ls = NULL;
	size_t n = 0, cap = 0;
	int textw = w - 8 - 12; /* "HH:MM " and the nick column */

	if (textw < 10)
		textw = 10;
	for (size_t i = 0; i < v->nmsgs; i++) {
		struct chat_msg *m = &v->msgs[i];
		struct buf b, s;
		time_t t = (time_t)(m->ts / 1000);
		struct tm tm;
		const char *p;
		size_t left;
		enum ui_role role = m->event ? UI_DIM : m->mention ? UI_WARN : UI_NORMAL;
		int first = 1;

		buf_init(&b);
		if (m->event) {
			char key[32], tx[600];
			snprintf(key, sizeof key, "chat.ev.%s", m->event);
			buf_adds(&b, trf(tx, sizeof tx, key, TR_S(m->nick ? m->nick : ""),
					 TR_S(m->body ? m->body : ""), TR_S(m->url ? m->url : "")));
		} else if (m->retracted) {
			buf_adds(&b, tr("chat.retracted_text"));
			role = UI_DIM;
		} else {
			buf_adds(&b, m->body ? m->body : "");
			if (m->edited)
				buf_printf(&b, " %s", tr("chat.edited_mark"));
			if (m->outgoing && m->state == CS_QUEUED)
				buf_printf(&b, " %s", tr("chat.queued_mark"));
			else if (m->outgoing && m->state == CS_FAILED)
				buf_printf(&b, " %s", tr("chat.failed_mark"));
			else if (m->outgoing && m->state >= CS_DELIVERED)
				buf_adds(&b, m->state == CS_READ ? " ✓✓" : " ✓");
		}
		buf_init(&s);
		/* line breaks of the message stay; everything else is made
		 * safe line by line */
		p = buf_cstr(&b);
		left = b.len;
		localtime_r(&t, &tm);
		while (first || left) {
			const char *nlp = memchr(p, '\n', left);
			size_t seg = nlp ? (size_t)(nlp - p) : left, off = 0, roff = 0;
			buf_reset(&s);
			ui_sanitize(p, seg, &s);
			do {
				size_t take = txt_wrap(s.data ? s.data + off : "", s.len - off,
						       (size_t)textw);
				size_t rtake;
				struct line *l;
				if (n == cap) {
					cap = cap ? cap * 2 : 128;
					ls = xreallocarray(ls, cap, sizeof *ls);
				}
				l = &ls[n++];
				memset(l, 0, sizeof *l);
				l->row = m->row;
				/* wrapped by the safe form's widths, drawn from the
				 * original so a control shows as a marked placeholder */
				if (!take)
					take = s.len - off;
				rtake = ui_raw_prefix(p + roff, seg - roff, take);
				l->text = xstrndup(p + roff, rtake);
				roff += rtake;
				l->role = m->outgoing && role == UI_NORMAL ? UI_NORMAL : role;
				if (first) {
					l->head = 1;
					strftime(l->stamp, sizeof l->stamp, "%H:%M", &tm);
					l->nick = xstrdup(m->event ? "*" : m->nick ? m->nick : "");
					first = 0;
				}
				off += take;
			} while (off < s.len);
			if (!nlp)
				break;
			p = nlp + 1;
			left -= seg + 1;
			if (!left) {
				first = 0;
				break;
			}
		}
		buf_free(&s);
		buf_free(&b);
	}
	*nl = n;
	return ls;
}

static void lines_free(struct line *ls, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(ls[i].text);
		free(ls[i].nick);
	}
	free(ls);
}

static int input_rows(struct chat_view *v, int w)
{
	int rows = 1;

	for (size_t i = 0; i < v->input.len; i++)
		if (v->input.data[i] == '\n')
			rows++;
	(void)w;
	return rows > 5 ? 5 : rows;
}

static void count_one(void *arg, const char *nick, const char *role, enum xmpp_show sh)
{
	(void)nick;
	(void)role;
	(void)sh;
	++*(int *)arg;
}

struct people {
	struct ui_area *a;
	int x, w, y, h;
};

static void draw_one(void *arg, const char *nick, const char *role, enum xmpp_show sh)
{
	struct people *p = arg;
	char line[300];

	if (p->y >= p->h)
		return;
	snprintf(line, sizeof line, "%s %s%s", show_mark(sh),
		 !strcmp(role, "moderator") ? "@" : !strcmp(role, "visitor") ? "-" : "", nick);
	ui_put(p->a, p->y++, p->x, p->w, line, strlen(line), UI_NORMAL);
}

/* o: who is in the open room, as this connection saw them (@ moderator,
 * - visitor) */
static void draw_people(struct chat_view *v, struct ui_area *a, int x, int w, int h)
{
	struct people p = { a, x, w, 1, h };

	ui_put(a, 0, x, w, tr("chat.people_title"), strlen(tr("chat.people_title")), UI_TITLE);
	chat_occupants(v->wa, v->open_jid, draw_one, &p);
}

static void draw_conv(struct chat_view *v, struct ui_area *a, int x0, int w, int h)
{
	struct line *ls;
	size_t nl;
	int ih = v->writing ? input_rows(v, w) : 0, body, top;
	char head[600];

	ui_put(a, 0, x0, w, "", 0, UI_TITLE);
	for (int k = x0; k < x0 + w; k++)
		ui_puts(a, 0, k, " ", UI_TITLE);
	{
		int people = 0;
		char count[64] = "";
		if (v->started && v->open_kind && strcmp(v->open_kind, "room") == 0) {
			chat_occupants(v->wa, v->open_jid, count_one, &people);
			if (people)
				trf(count, sizeof count, "chat.people", TR_N(people));
		}
		snprintf(head, sizeof head, "%s%s%s%s%s", v->open_jid ? v->open_jid : "",
			 *count ? "  " : "", count, v->open_topic && *v->open_topic ? " — " : "",
			 v->open_topic ? v->open_topic : "");
	}
	ui_put(a, 0, x0 + 1, w - 2, head, strlen(head), UI_TITLE);
	body = h - 1 - ih - (ih ? 1 : 0);
	if (body < 1)
		body = 1;
	ls = layout(v, w, &nl);
	/* the newest at the bottom; scroll goes back */
	if (v->scroll > (int)nl - body)
		v->scroll = (int)nl - body > 0 ? (int)nl - body : 0;
	top = (int)nl - body - v->scroll;
	v->at_top = top <= 0;
	if (top < 0)
		top = 0;
	for (int y = 0; y < body && top + y < (int)nl; y++) {
		struct line *l = &ls[top + y];
		int x = x0;
		if (l->head) {
			ui_puts(a, 1 + y, x, l->stamp, UI_DIM);
			ui_put(a, 1 + y, x + 6, 11, l->nick, strlen(l->nick), UI_BOLD);
		}
		x += 18;
		ui_put(a, 1 + y, x, w - 18, l->text, strlen(l->text), l->role);
	}
	lines_free(ls, nl);
	if (ih) {
		const char *p = buf_cstr(&v->input), *lineStart = p;
		int y = h - ih, cy = y, cx = x0 + 2;
		size_t off = 0;
		ui_put(a, y - 1, x0, w, "", 0, UI_DIM);
		for (int k = x0; k < x0 + w; k++)
			ui_puts(a, y - 1, k, "─", UI_DIM);
		if (v->correcting)
			ui_puts(a, y - 1, x0 + 1, tr("chat.correcting"), UI_WARN);
		ui_puts(a, y, x0, "›", UI_BOLD);
		/* each line of the input; the cursor where cur is */
		for (;; off++) {
			if (p[off] == '\n' || p[off] == 0) {
				size_t len = (size_t)(p + off - lineStart);
				if (y < h)
					ui_put(a, y, x0 + 2, w - 3, lineStart, len, UI_NORMAL);
				if (v->cur >= (size_t)(lineStart - p) && v->cur <= (size_t)(p + off - p)) {
					cy = y;
					cx = x0 + 2 + (int)ui_text_width(lineStart,
									 v->cur - (size_t)(lineStart - p));
				}
				if (p[off] == 0)
					break;
				lineStart = p + off + 1;
				y++;
			}
		}
		if (cy >= h)
			cy = h - 1;
		ui_cursor(a, cy, cx < x0 + w ? cx : x0 + w - 1);
	}
}

void chat_view_draw(struct chat_view *v, struct ui_area *area, const struct account *acct)
{
	int w = ui_area_w(area), h = ui_area_h(area), lw;
	struct err e;

	if (!v->started && worker_start(v, &e) < 0) {
		account_draw(acct, area);
		ui_puts(area, h - 1, 1, e.msg, UI_ERROR);
		return;
	}
	if (!v->ents && need_acct(v) == 0)
		load_list(v);
	if (v->long_ed) {
		docs_edit_draw(v->long_ed, area);
		return;
	}
	ui_clear(area, UI_NORMAL);
	lw = w / 3 < LIST_W ? w / 3 : LIST_W;
	if (lw < 12)
		lw = w < 40 ? 0 : 12;
	if (!v->nents && !v->open_conv) {
		account_draw(acct, area);
		return;
	}
	if (lw)
		draw_list(v, area, lw, h);
	if (lw)
		for (int y = 0; y < h; y++)
			ui_puts(area, y, lw, "│", UI_DIM);
	if (v->open_conv) {
		int cw = w - (lw ? lw + 1 : 0), pw = 0;
		if (v->show_people && v->started && v->open_kind &&
		    strcmp(v->open_kind, "room") == 0 && cw > 40) {
			pw = cw / 4 < 24 ? cw / 4 : 24;
			draw_people(v, area, w - pw, pw, h);
			cw -= pw + 1;
			for (int y = 0; y < h; y++)
				ui_puts(area, y, w - pw - 1, "│", UI_DIM);
		}
		draw_conv(v, area, lw ? lw + 1 : 0, cw, h);
	}
	else
		ui_puts(area, h / 2, lw + 3, tr("chat.pick"), UI_DIM);
	v->last_w = w;
}

/* ---- keys ----------------------------------------------------------------------------- */

static void input_insert(struct chat_view *v, const char *s, size_t n)
{
	struct buf b;

	buf_init(&b);
	buf_add(&b, v->input.data ? v->input.data : "", v->cur);
	buf_add(&b, s, n);
	if (v->input.len > v->cur)
		buf_add(&b, v->input.data + v->cur, v->input.len - v->cur);
	buf_free(&v->input);
	v->input = b;
	v->cur += n;
}

static void send_input(struct chat_view *v)
{
	size_t n = v->input.len;
	struct err e;
	char *text;
	int64_t row;
	int rc;

	while (n && (v->input.data[n - 1] == '\n' || v->input.data[n - 1] == ' '))
		n--;
	if (!n || !v->open_jid)
		return;
	/* queued here, at once and durably, whatever the worker is doing
	 * (a catch-up may keep it busy); the worker sends it */
	text = xstrndup(v->input.data, n);
	if (need_acct(v) < 0)
		rc = err_set(&e, E_USAGE, "%s", "no chat account");
	else if (v->correcting)
		rc = chat_correct(v->ca, v->correcting, text, &e);
	else
		rc = chat_send(v->ca, v->open_jid, text, NULL, &row, &e);
	free(text);
	if (rc < 0 && rc != E_QUEUED) {
		if (v->env->message)
			v->env->message(v->env->host, e.msg);
		return; /* the text stays in the line */
	}
	submit(v, job_new(J_REPLAY));
	refresh(v);
	buf_reset(&v->input);
	v->cur = 0;
	v->correcting = 0;
	v->scroll = 0;
}

static int key_input(struct chat_view *v, int key)
{
	if (key == UI_KEY_PASTE_BEGIN) {
		v->pasting = 1;
		return 1;
	}
	if (key == UI_KEY_PASTE_END) {
		v->pasting = 0;
		return 1;
	}
	/* pasted text is text: a newline in it does not send */
	if (v->pasting && (key == UI_KEY_ENTER || key == '\n' || key == '\r')) {
		input_insert(v, "\n", 1);
		return 1;
	}
	switch (key) {
	case UI_KEY_ENTER:
		send_input(v);
		return 1;
	case UI_KEY_ENTER | UI_MOD_ALT:
		input_insert(v, "\n", 1);
		return 1;
	case UI_KEY_ESC:
		v->writing = 0;
		v->correcting = 0;
		return 1;
	case UI_KEY_BACKSPACE:
		if (v->cur > 0) {
			size_t p = txt_prev_grapheme(v->input.data, v->input.len, v->cur);
			memmove(v->input.data + p, v->input.data + v->cur, v->input.len - v->cur);
			v->input.len -= v->cur - p;
			v->input.data[v->input.len] = 0;
			v->cur = p;
		}
		return 1;
	case UI_KEY_DELETE:
		if (v->cur < v->input.len) {
			size_t g = txt_next_grapheme(v->input.data + v->cur, v->input.len - v->cur);
			memmove(v->input.data + v->cur, v->input.data + v->cur + g,
				v->input.len - v->cur - g);
			v->input.len -= g;
			v->input.data[v->input.len] = 0;
		}
		return 1;
	case UI_KEY_LEFT:
		if (v->cur > 0)
			v->cur = txt_prev_grapheme(v->input.data, v->input.len, v->cur);
		return 1;
	case UI_KEY_RIGHT:
		if (v->cur < v->input.len)
			v->cur += txt_next_grapheme(v->input.data + v->cur, v->input.len - v->cur);
		return 1;
	case UI_KEY_HOME:
	case UI_CTRL('a'):
		v->cur = 0;
		return 1;
	case UI_KEY_END:
		v->cur = v->input.len;
		return 1;
	case UI_CTRL('u'):
		buf_reset(&v->input);
		v->cur = 0;
		return 1;
	case UI_KEY_PGUP:
	case UI_KEY_PGDN:
		v->scroll += key == UI_KEY_PGUP ? 10 : -10;
		if (v->scroll < 0)
			v->scroll = 0;
		return 1;
	}
	if (key == '\t' || (key >= 0x20 && key < UI_KEY_BASE && key != 0x7f)) {
		char u[4];
		size_t n = utf8_encode((unsigned)key, u);
		input_insert(v, u, n);
		return 1;
	}
	return 1; /* the line takes every key while it is open */
}

/* E (or Alt-E while writing): the message in the docs editor, what was
 * written so far in it; its finish key sends, a cancel keeps the line. */
static void open_long(struct chat_view *v)
{
	char title[300];

	if (!v->open_jid)
		return;
	snprintf(title, sizeof title, "%s", trf((char[300]){ 0 }, 300, "chat.long_title",
						  TR_S(v->open_jid)));
	v->long_ed = docs_edit_new(v->input.data ? v->input.data : "", v->input.len, title);
	docs_edit_configure(v->long_ed, v->env->conf);
}

static int key_long(struct chat_view *v, int key)
{
	enum docs_edit_state st;
	int used = docs_edit_key(v->long_ed, key);

	st = docs_edit_state(v->long_ed);
	if (st == DOCS_EDIT_FINISHED) {
		buf_reset(&v->input);
		docs_edit_text(v->long_ed, &v->input);
		v->cur = v->input.len;
		docs_edit_free(v->long_ed);
		v->long_ed = NULL;
		send_input(v);
		v->writing = 0;
	} else if (st == DOCS_EDIT_CANCELLED) {
		docs_edit_free(v->long_ed);
		v->long_ed = NULL;
	}
	return used || st != DOCS_EDIT_EDITING;
}

static void start_correct(struct chat_view *v)
{
	for (size_t i = v->nmsgs; i-- > 0;) {
		struct chat_msg *m = &v->msgs[i];
		if (m->outgoing && !m->event && !m->retracted) {
			buf_reset(&v->input);
			buf_adds(&v->input, m->body ? m->body : "");
			v->cur = v->input.len;
			v->correcting = m->row;
			v->writing = 1;
			return;
		}
	}
}

int chat_view_key(struct chat_view *v, int key)
{
	__atomic_store_n(&v->last_key, loop_now_ms(), __ATOMIC_RELEASE);
	if (v->inactive)
		wake(v); /* the worker tells the server we are back */
	if (v->long_ed)
		return key_long(v, key);
	if (v->writing && key == (UI_MOD_ALT | 'e')) {
		open_long(v);
		return 1;
	}
	if (v->writing)
		return key_input(v, key);
	if (v->focus == F_LIST) {
		switch (key) {
		case 'j':
		case UI_KEY_DOWN:
			if (v->sel + 1 < v->nents)
				v->sel++;
			return 1;
		case 'k':
		case UI_KEY_UP:
			if (v->sel > 0)
				v->sel--;
			return 1;
		case 'g':
		case UI_KEY_HOME:
			v->sel = 0;
			return 1;
		case 'G':
		case UI_KEY_END:
			v->sel = v->nents ? v->nents - 1 : 0;
			return 1;
		case UI_KEY_ENTER:
		case UI_KEY_TAB:
		case 'l':
		case UI_KEY_RIGHT:
			open_entry(v);
			return 1;
		case 'i':
		case 'a':
			open_entry(v);
			v->writing = v->open_conv != 0;
			return 1;
		case 'y':
		case 'n':
			/* answer a request to see our presence (the ? entry) */
			if (v->nents && v->ents[v->sel].request) {
				struct cjob *j = job_new(J_VERB);
				j->argc = 2;
				j->argv = xcalloc(3, sizeof *j->argv);
				j->argv[0] = xstrdup(key == 'y' ? "approve" : "deny");
				j->argv[1] = xstrdup(v->ents[v->sel].jid);
				submit(v, j);
				return 1;
			}
			return 0;
		case 's':
			pthread_mutex_lock(&v->lock);
			v->connect_now = 1;
			v->retry_at = 0;
			pthread_mutex_unlock(&v->lock);
			submit(v, job_new(J_CONNECT));
			return 1;
		}
		return 0;
	}
	switch (key) {
	case UI_KEY_TAB:
	case 'h':
	case 'q':
	case UI_KEY_ESC:
	case UI_KEY_LEFT:
		v->focus = F_LIST;
		if (v->started)
			chat_acct_viewing(v->wa, 0);
		return 1;
	case 'i':
	case 'a':
	case UI_KEY_ENTER:
		v->writing = 1;
		return 1;
	case 'o':
		v->show_people = !v->show_people;
		return 1;
	case 'e':
		start_correct(v);
		return 1;
	case 'E':
		open_long(v);
		return 1;
	case 'k':
	case UI_KEY_UP:
	case UI_KEY_PGUP:
		v->scroll += key == UI_KEY_PGUP ? 10 : 1;
		load_conv(v);
		/* at the top of what the store has: older from the archive */
		if (v->at_top && !v->older_asked) {
			struct cjob *j = job_new(J_OLDER);
			j->conv = v->open_conv;
			v->older_asked = 1;
			submit(v, j);
		}
		return 1;
	case 'j':
	case UI_KEY_DOWN:
	case UI_KEY_PGDN:
		v->scroll -= key == UI_KEY_PGDN ? 10 : 1;
		if (v->scroll < 0)
			v->scroll = 0;
		return 1;
	case 'G':
	case UI_KEY_END:
		v->scroll = 0;
		return 1;
	case 's':
		submit(v, job_new(J_CONNECT));
		return 1;
	}
	return 0;
}

int chat_view_taking_text(struct chat_view *v)
{
	return v->writing || v->long_ed;
}

int chat_view_unsaved(struct chat_view *v)
{
	return v->input.len > 0 || (v->long_ed && docs_edit_modified(v->long_ed));
}

void chat_view_event(struct chat_view *v, const struct module_event *ev)
{
	if (ev->type == MEV_OFFLINE && v->started) {
		pthread_mutex_lock(&v->lock);
		v->wenv.offline = v->env->offline;
		v->connect_now = !v->env->offline;
		pthread_mutex_unlock(&v->lock);
		if (v->env->offline)
			chat_cancel(v->wa);
		wake(v);
	} else if (ev->type == MEV_SHOWN) {
		struct err e;
		worker_start(v, &e);
		refresh(v);
	}
}

void chat_view_status(struct chat_view *v, struct module_status *st)
{
	int unread = 0;

	if (!v->started)
		return;
	pthread_mutex_lock(&v->lock);
	st->state = v->svc;
	if (v->svc == SVC_ERROR || v->svc == SVC_OFFLINE)
		snprintf(st->text, sizeof st->text, "%.127s", v->reason);
	pthread_mutex_unlock(&v->lock);
	for (size_t i = 0; i < v->nents; i++)
		unread += v->ents[i].unread;
	st->unread = unread;
	st->queued = v->env->store ? store_outbox_count(v->env->store, "chat") : 0;
}

int chat_view_command(struct chat_view *v, struct cmd_ctx *ctx, int argc, char **argv)
{
	struct cjob *j;

	if (!strcmp(argv[0], "tail"))
		return err_set(ctx->err, E_USAGE, "%s", tr("chat.screen_batch_only"));
	j = job_new(J_VERB);
	j->argc = argc;
	j->argv = xcalloc((size_t)argc + 1, sizeof *j->argv);
	for (int i = 0; i < argc; i++)
		j->argv[i] = xstrdup(argv[i]);
	/* `send -` has no stdin on the screen */
	if (!strcmp(argv[0], "send") && argc > 2 && !strcmp(argv[2], "-")) {
		job_free(j);
		return err_set(ctx->err, E_USAGE, "%s", tr("chat.screen_batch_only"));
	}
	submit(v, j);
	fprintf(ctx->out, "%s\n", tr("chat.working"));
	return 0;
}
