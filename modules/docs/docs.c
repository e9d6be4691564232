/*
 * docs.c - the docs module: the text editor on its tab, and the verbs.
 * The [files] account (documents on the team share) answers the `status`
 * verb; the tab shows the editor (editor.c, drawn by view.c). A buffer
 * named share:/PATH holds a document of the team share, read and written
 * through the share's own thread (modules/files), never a local file.
 * A one-second timer keeps the crash-recovery journal (recover.c) at most
 * a second behind the text, and, after a second without keys, looks
 * whether the file changed on disk (as does the tab coming to the front
 * or the terminal getting the focus back); Ctrl-F finds (find.c) on the
 * view's last line.
 *
 * Several buffers: the current one lives in d->ed / d->rec (so the code
 * that acts on "the" editor needs no index), the others wait in d->bufs
 * with their own undo history and journal row, and all are journalled.
 * Keys go through an action table (modules/docs/keymap.h) that `[keys]` rebinds
 * with "docs.ACTION = KEYS". Cut and copy fill a register shared by the
 * buffers and, with `[docs] osc52 = yes`, the terminal's clipboard.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "i18n/i18n.h"
#include "modules/account.h"
#include "modules/docs/buffer.h"
#include "modules/docs/docs.h"
#include "modules/docs/editor.h"
#include "modules/docs/find.h"
#include "modules/docs/keymap.h"
#include "modules/docs/recover.h"
#include "modules/docs/verbs.h"
#ifdef MOD_FILES
#include "modules/files/files.h"
#endif
#include "store/store.h"
#include "tui/tui.h"

#define JOURNAL_MS 1000
#define NOTICE_MS 3000 /* a notice stays at least this long */
#define IDLE_MS 1000   /* no key this long: the timer looks at the file */

/* A buffer waiting while another is shown. */
struct dbuf {
	struct editor *ed;
	struct doc_recover rec;
	int told_no_store, told_failed;
	unsigned long id; /* the share's answers find their buffer by it */
	int loading;      /* a share document: its content is on the way */
	int saving;       /* ... uploads not answered yet */
};

/* A share operation in flight (share.c's side of docs): the buffer it is
 * for, and for an upload the bytes sent. d is NULL once the module is
 * gone (quitting), when the answer is dropped. */
struct share_job {
	struct docs *d;
	unsigned long id;
	char *name;         /* "share:/a/b.md" */
	int reload;         /* get: into an open buffer, dropping its text */
	int quit_after;     /* put: :wq */
	uint64_t gen;       /* put: doc_buf_gen of the text sent */
	struct buf bytes;   /* put: what was sent */
	struct share_job *next;
};

/* What the bottom line is asking. */
enum ask {
	ASK_NONE,
	ASK_GOTO,         /* a line number */
	ASK_REPLACE_WITH, /* the replacement (find holds the pattern) */
	ASK_REPLACE_EACH, /* y / n / a / Esc at each match */
};

struct docs {
	const struct module_env *env;
	struct account *acct;
	struct editor *ed;
	int numbers;
	int width;   /* the text area's, at the last draw (reflow) */ /* line numbers shown */
	int pasting; /* between UI_KEY_PASTE_BEGIN and _END */
	struct doc_recover rec;
	int timer;
	int untitled_checked; /* looked for an untitled buffer's journal */
	int told_no_store;
	int told_failed;
	struct doc_find find;
	int finding;
	int find_timer;   /* a step of a long search (doc_find_more) is due */
	char notice[600]; /* a note on the view's last line, or empty */
	int notice_warn;
	int64_t notice_at;
	char line[700];   /* the bottom line as drawn */
	/* several buffers: bufs[cur] is a stale copy of the current one */
	struct dbuf *bufs;
	int nbufs, cur;
	char tag[32];     /* "[2/3]" in the title */
	struct docs_keymap km;
	struct buf reg;   /* the cut/copy register */
	int osc52;        /* copy to the terminal's clipboard too */
	int replacing;    /* find was opened to replace */
	enum ask ask;
	struct buf answer;
	struct buf with;  /* the replacement being applied */
	const struct doc_buf *told_truncated; /* the buffer we said was cut short */
	size_t replaced;
	int disk;         /* the current file changed (1) or went (2) on disk */
	int64_t last_key; /* when the last key came: the timer's disk check waits */
	/* the current buffer's share state (struct dbuf's) */
	unsigned long id, next_id;
	int loading, saving;
	struct share_job *jobs; /* share operations in flight */
};

/* The store's cache, when the store is unlocked (it may be later than
 * init, so asked each time). */
/* The journal's database: outbox.db, with the user's other work that is
 * on no server (a rebuilt cache keeps it; the mail sync's bulk writes to
 * the cache never hold its lock) */
static sqlite3 *docs_db(struct docs *d)
{
	return d->env->store ? store_outbox_db(d->env->store) : NULL;
}

static void notice(struct docs *d, const char *text, int warn)
{
	snprintf(d->notice, sizeof d->notice, "%s", text);
	d->notice_warn = warn;
	d->notice_at = loop_now_ms();
	if (d->env->redraw)
		d->env->redraw(d->env->host);
}

/* Write a buffer's journal if its text changed; say once if it cannot be. */
static void journal_one(struct docs *d, struct editor *ed, struct doc_recover *rec,
			int *told_no_store, int *told_failed)
{
	sqlite3 *db = docs_db(d);
	struct err e;

	if (db == NULL) {
		if (editor_modified(ed) && !*told_no_store) {
			*told_no_store = 1;
			notice(d, tr("docs.no_journal"), 1);
		}
		return;
	}
	err_clear(&e);
	if (doc_recover_tick(rec, db, ed, &e) != 0 && !*told_failed) {
		char t[700];

		*told_failed = 1;
		notice(d, trf(t, sizeof t, "docs.journal_failed", TR_S(e.msg)), 1);
	}
}

/* The current buffer's journal. */
static void journal(struct docs *d)
{
	journal_one(d, d->ed, &d->rec, &d->told_no_store, &d->told_failed);
}

/* Every buffer's. */
static void journal_all(struct docs *d)
{
	journal(d);
	for (int i = 0; i < d->nbufs; i++) {
		struct dbuf *b = &d->bufs[i];

		if (i != d->cur)
			journal_one(d, b->ed, &b->rec, &b->told_no_store, &b->told_failed);
	}
}

static void check_disk(struct docs *d);

static void journal_timer(void *arg)
{
	struct docs *d = arg;
	sqlite3 *db = docs_db(d);

	/* An untitled text lost in a crash comes back once the store opens. */
	if (db && !d->untitled_checked) {
		struct err e;

		d->untitled_checked = 1;
		if (editor_path(d->ed) == NULL && !editor_modified(d->ed) &&
		    doc_recover_offer(&d->rec, db, d->ed, &e) == 1 && d->env->redraw)
			d->env->redraw(d->env->host);
	}
	journal_all(d);
	if (loop_now_ms() - d->last_key >= IDLE_MS)
		check_disk(d);
}

/* The default keys, then "docs.ACTION = KEYS" from [keys] (the shell has
 * checked the key names); [docs] osc52. */
static void load_keys(struct docs *d)
{
	const struct conf *conf = d->env->conf;
	const char *v;
	int b;

	docs_keymap_init(&d->km);
	docs_keymap_apply(&d->km, conf);
	memset(d->km.keys[DA_FINISH], 0, sizeof d->km.keys[DA_FINISH]); /* the component's */
	v = conf ? conf_get(conf, "docs", "osc52") : NULL;
	d->osc52 = v && conf_bool(v, &b) == 0 && b;
}

static enum docs_act action_of(const struct docs *d, int key)
{
	return docs_keymap_action(&d->km, key);
}

static const struct account docs_account = {
	.module = "docs",
	.section = "files",
	.title_key = "tab.docs",
	.required = "url",
	.who_keys = { "user" },
	.server_keys = { "url" },
};

static int docs_init(const struct module_env *env, void **state)
{
	struct docs *d = xcalloc(1, sizeof *d);

	d->env = env;
	d->acct = account_new(env, &docs_account);
	d->ed = editor_new();
	editor_set_wrap(d->ed, 1); /* soft wrap by default; `docs wrap` toggles */
	doc_recover_init(&d->rec, env->home);
	d->bufs = xcalloc(1, sizeof *d->bufs);
	d->nbufs = 1;
	d->id = d->next_id = 1;
	buf_init(&d->reg);
	buf_init(&d->answer);
	buf_init(&d->with);
	load_keys(d);
	if (env->loop && !env->batch)
		d->timer = loop_add_timer(env->loop, JOURNAL_MS, 1, journal_timer, d);
	*state = d;
	return 0;
}

static void docs_free(void *state)
{
	struct docs *d = state;

	if (d == NULL)
		return;
	/* Quitting (also on SIGHUP and SIGTERM): the last changes go in. */
	journal_all(d);
	/* Answers still to come find no module: they free themselves. */
	for (struct share_job *j = d->jobs; j; j = j->next)
		j->d = NULL;
	for (int i = 0; i < d->nbufs; i++) {
		if (i == d->cur)
			continue;
		doc_recover_free(&d->bufs[i].rec);
		editor_free(d->bufs[i].ed);
	}
	free(d->bufs);
	buf_free(&d->reg);
	buf_free(&d->answer);
	buf_free(&d->with);
	if (d->timer > 0)
		loop_del_timer(d->env->loop, d->timer);
	if (d->find_timer > 0)
		loop_del_timer(d->env->loop, d->find_timer);
	if (d->finding)
		doc_find_end(&d->find);
	doc_recover_free(&d->rec);
	editor_free(d->ed);
	account_free(d->acct);
	free(d);
}

/* ---- buffers ----------------------------------------------------------------- */

static void park(struct docs *d)
{
	struct dbuf *b = &d->bufs[d->cur];

	b->ed = d->ed;
	b->rec = d->rec;
	b->told_no_store = d->told_no_store;
	b->told_failed = d->told_failed;
	b->id = d->id;
	b->loading = d->loading;
	b->saving = d->saving;
}

static void unpark(struct docs *d, int i)
{
	struct dbuf *b = &d->bufs[i];

	d->cur = i;
	d->ed = b->ed;
	d->rec = b->rec;
	d->told_no_store = b->told_no_store;
	d->told_failed = b->told_failed;
	d->id = b->id;
	d->loading = b->loading;
	d->saving = b->saving;
}

/* Close find and any question on the bottom line. */
static void end_prompts(struct docs *d)
{
	if (d->find_timer > 0)
		loop_del_timer(d->env->loop, d->find_timer);
	d->find_timer = 0;
	if (d->finding)
		doc_find_end(&d->find);
	d->finding = 0;
	d->replacing = 0;
	d->ask = ASK_NONE;
	editor_set_mark(d->ed, 0, 0);
}

static void switch_buf(struct docs *d, int i)
{
	if (i == d->cur || i < 0 || i >= d->nbufs)
		return;
	end_prompts(d);
	park(d);
	unpark(d, i);
	d->disk = 0; /* the offer was the other buffer's; look at this one */
	check_disk(d);
}

/* A new, empty buffer after the current one, made current. */
static void add_buf(struct docs *d)
{
	int wrap = editor_wrap(d->ed), at = d->cur + 1;

	end_prompts(d);
	park(d);
	d->bufs = xreallocarray(d->bufs, (size_t)d->nbufs + 1, sizeof *d->bufs);
	memmove(&d->bufs[at + 1], &d->bufs[at], (size_t)(d->nbufs - at) * sizeof *d->bufs);
	memset(&d->bufs[at], 0, sizeof *d->bufs);
	d->nbufs++;
	d->bufs[at].ed = editor_new();
	d->bufs[at].id = ++d->next_id;
	editor_set_wrap(d->bufs[at].ed, wrap);
	doc_recover_init(&d->bufs[at].rec, d->env->home);
	unpark(d, at);
	d->disk = 0;
}

/* Drop the current buffer (its journal row too: the user gave its text
 * up) and show a neighbour; the last one leaves an empty untitled one. */
static void close_buf(struct docs *d)
{
	int at = d->cur;

	end_prompts(d);
	doc_recover_forget(&d->rec, docs_db(d));
	if (d->nbufs == 1) {
		editor_reset(d->ed);
		d->rec.seen = editor_changes(d->ed);
		d->disk = 0;
		d->loading = d->saving = 0;
		d->id = ++d->next_id; /* answers for the old text find no buffer */
		return;
	}
	doc_recover_free(&d->rec);
	editor_free(d->ed);
	memmove(&d->bufs[at], &d->bufs[at + 1], (size_t)(d->nbufs - at - 1) * sizeof *d->bufs);
	d->nbufs--;
	unpark(d, at < d->nbufs ? at : d->nbufs - 1);
	d->disk = 0;
	check_disk(d);
}

/* The buffer holding path (compared as the journal does: absolute). */
static int find_buf(struct docs *d, const char *path)
{
	struct buf want, have;
	int found = -1;

	buf_init(&want);
	buf_init(&have);
	/* the key of a path, as doc_journal_key makes it for an editor */
	if (path[0] == '/' || strncmp(path, "share:", 6) == 0) {
		buf_adds(&want, path);
	} else {
		char cwd[4096];

		if (getcwd(cwd, sizeof cwd))
			buf_printf(&want, "%s/%s", cwd, path);
		else
			buf_adds(&want, path);
	}
	park(d);
	for (int i = 0; i < d->nbufs && found < 0; i++) {
		if (editor_path(d->bufs[i].ed) == NULL)
			continue;
		doc_journal_key(d->bufs[i].ed, d->env->home, &have);
		if (strcmp(buf_cstr(&have), buf_cstr(&want)) == 0)
			found = i;
	}
	buf_free(&want);
	buf_free(&have);
	return found;
}

static int any_modified(struct docs *d)
{
	park(d);
	for (int i = 0; i < d->nbufs; i++)
		if (editor_modified(d->bufs[i].ed))
			return 1;
	return 0;
}

static const char *buf_name(const struct editor *ed)
{
	return editor_path(ed) ? editor_path(ed) : tr("docs.untitled");
}

/* The last part of a path, for a bottom line that has little room. */
static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s && s[1] ? s + 1 : path;
}


/* ---- documents of the team share ------------------------------------------------ */

/*
 * A buffer of the team share ([files]) is named "share:/a/b.md"; its text
 * comes from and goes to the share's own thread (files_async_get and
 * _put), never to a file here: the share's cache is the store, which is
 * encrypted. While the content is on the way the buffer shows "opening"
 * and takes no text; the answer finds its buffer by id (it may have been
 * closed, or atrium may be quitting).
 */

/* 1 when arg names a share document, with *name its buffer name; 0 for a
 * local file; <0 an error. "share:/a/b.md" always is one; "/a/b.md" is
 * when [files] url is set and neither it nor its folder exists here. */
static int share_name(struct docs *d, const char *arg, char **name, struct err *e)
{
	int prefixed = strncmp(arg, "share:", 6) == 0;
	char t[600];
#ifdef MOD_FILES
	const char *url = d->env->conf ? conf_get(d->env->conf, "files", "url") : NULL;
	struct stat st;
	char *norm, *dir;
	int here;

	if (!prefixed) {
		if (arg[0] != '/' || url == NULL || url[0] == '\0' || stat(arg, &st) == 0)
			return 0;
		dir = xstrndup(arg, (size_t)(strrchr(arg, '/') - arg));
		here = dir[0] == '\0' || stat(dir, &st) == 0;
		free(dir);
		if (here)
			return 0; /* a new local file in a folder that exists */
	}
	if (files_norm_path(prefixed ? arg + 6 : arg, &norm, e) < 0)
		return e->code;
	if (norm[0] == '\0') {
		free(norm);
		return err_set(e, E_USAGE, "%s", trf(t, sizeof t, "docs.err.share_file", TR_S(arg)));
	}
	*name = xmalloc(strlen(norm) + 8);
	sprintf(*name, "share:/%s", norm);
	free(norm);
	return 1;
#else
	if (!prefixed)
		return 0;
	return err_set(e, E_USAGE, "%s", trf(t, sizeof t, "docs.err.no_share", TR_S(arg)));
#endif
}

#ifdef MOD_FILES
/* The index of the buffer with this id, or -1 (closed). */
static int buf_of_id(struct docs *d, unsigned long id)
{
	park(d);
	for (int i = 0; i < d->nbufs; i++)
		if (d->bufs[i].id == id)
			return i;
	return -1;
}

/* Make buffer i current for a moment (an answer acts on it); *prev is the
 * one to come back to with share_end. */
static void share_begin(struct docs *d, int i, int *prev)
{
	park(d);
	*prev = d->cur;
	if (i != d->cur)
		unpark(d, i);
}

static void share_end(struct docs *d, int prev)
{
	if (d->cur != prev) {
		park(d);
		unpark(d, prev);
	}
}

/* Drop buffer i (a share document that could not be opened). */
static void drop_buf(struct docs *d, int i)
{
	int prev;

	share_begin(d, i, &prev);
	close_buf(d);
	if (prev != i) {
		park(d);
		unpark(d, prev > i ? prev - 1 : prev);
	}
}

static struct share_job *job_new(struct docs *d, const char *name)
{
	struct share_job *j = xcalloc(1, sizeof *j);

	j->d = d;
	j->id = d->id;
	j->name = xstrdup(name);
	buf_init(&j->bytes);
	j->next = d->jobs;
	d->jobs = j;
	return j;
}

/* The answer came: take j off the list; its module, or NULL. */
static struct docs *job_done(struct share_job *j)
{
	struct docs *d = j->d;

	if (d) {
		struct share_job **p = &d->jobs;

		while (*p != j)
			p = &(*p)->next;
		*p = j->next;
	}
	return d;
}

static void job_free(struct share_job *j)
{
	free(j->name);
	buf_free(&j->bytes);
	free(j);
}

static void redraw(struct docs *d)
{
	if (d->env->redraw)
		d->env->redraw(d->env->host);
}

/* The content of a share document came (or not). */
static void share_got(void *arg, struct files_result *r)
{
	struct share_job *j = arg;
	struct docs *d = job_done(j);
	int i = d ? buf_of_id(d, j->id) : -1, prev, ok, warn = 0;
	char t[600];
	struct err e;

	if (i < 0) {
		job_free(j);
		return;
	}
	ok = r->rc == 0 || r->rc == E_NOTFOUND;
	if (!ok && j->reload) {
		share_begin(d, i, &prev);
		d->loading = 0;
		share_end(d, prev);
		notice(d, trf(t, sizeof t, "docs.share.open_failed", TR_S(j->name), TR_S(r->e->msg)), 1);
		job_free(j);
		return;
	}
	if (!ok) {
		if (r->rc == E_UNREACHABLE)
			trf(t, sizeof t, "docs.share.offline", TR_S(j->name));
		else
			trf(t, sizeof t, "docs.share.open_failed", TR_S(j->name), TR_S(r->e->msg));
		drop_buf(d, i);
		notice(d, t, 1);
		job_free(j);
		return;
	}
	share_begin(d, i, &prev);
	{
		size_t line = j->reload ? editor_cursor_line(d->ed) : 0;
		const struct buf *b = r->data;

		d->loading = 0;
		editor_open_mem(d->ed, j->name, b && b->len ? b->data : "", b ? b->len : 0,
				r->rc == 0);
		if (line >= doc_buf_lines(editor_buf(d->ed)))
			line = doc_buf_lines(editor_buf(d->ed)) - 1;
		editor_set_cursor(d->ed, doc_buf_line_start(editor_buf(d->ed), line));
	}
	doc_recover_forget(&d->rec, docs_db(d));
	d->rec.seen = editor_changes(d->ed);
	trf(t, sizeof t,
	    j->reload ? "docs.share.reloaded"
	    : editor_ro_key(d->ed) ? editor_ro_key(d->ed)
	    : r->rc == E_NOTFOUND ? "docs.new_file" : "docs.opened",
	    TR_S(j->name));
	err_clear(&e);
	if (j->reload) {
		/* the user chose the share's text over theirs */
	} else if (docs_db(d) == NULL) {
		d->told_no_store = 0;
	} else if (doc_recover_offer(&d->rec, docs_db(d), d->ed, &e) < 0) {
		snprintf(t, sizeof t, "%s", e.msg);
		warn = 1;
	} else if (d->rec.lost) {
		trf(t, sizeof t, "docs.recover.lost", TR_S(j->name), TR_N(d->rec.lost_edits),
		    TR_N(d->rec.lost_bytes));
		warn = 1;
	}
	share_end(d, prev);
	notice(d, t, warn || editor_ro_key(d->ed) != NULL);
	job_free(j);
	redraw(d);
}

/* Ask the share for name's content into the current buffer. */
static int share_fetch(struct docs *d, const char *name, int reload, struct err *e)
{
	struct files_worker *w = files_shared(d->env, e);
	struct share_job *j;

	if (w == NULL)
		return e->code ? e->code : E_UNREACHABLE;
	d->loading = 1;
	j = job_new(d, name);
	j->reload = reload;
	files_async_get(w, name + 6, share_got, j);
	return 0;
}

/* Open a share document in a buffer of its own (as open_file). */
static int share_open(struct docs *d, struct cmd_ctx *ctx, const char *name)
{
	char t[600];
	int rc, at = find_buf(d, name), prev = d->cur, added = 0;

	if (at >= 0) {
		switch_buf(d, at);
		fprintf(ctx->out, "%s\n", trf(t, sizeof t, "docs.switched", TR_S(name)));
		return 0;
	}
	if (editor_path(d->ed) != NULL || editor_modified(d->ed) || d->rec.offered ||
	    doc_buf_len(editor_buf(d->ed)) > 0) {
		add_buf(d);
		added = 1;
	}
	end_prompts(d);
	/* named at once (the title and :ls show it), empty until it comes */
	editor_open_mem(d->ed, name, "", 0, 0);
	d->disk = 0;
	doc_recover_forget(&d->rec, docs_db(d));
	d->rec.seen = editor_changes(d->ed);
	if ((rc = share_fetch(d, name, 0, ctx->err)) != 0) {
		if (added) {
			close_buf(d);
			switch_buf(d, prev);
		} else {
			editor_reset(d->ed);
			d->rec.seen = editor_changes(d->ed);
		}
		return rc;
	}
	fprintf(ctx->out, "%s\n", trf(t, sizeof t, "docs.share.opening", TR_S(name)));
	return 0;
}

/* After an upload the share merged with the server's changes: the text
 * becomes the merge, with what was typed since the save rebased on it
 * (base: what was sent, local: the text now, remote: what went up). */
static void share_merged(struct docs *d, const struct share_job *j, const struct buf *up)
{
	struct buf now, rebased, text;
	struct doc_format fmt;
	enum doc_ro ro;
	struct err e;
	int conflicts = 0;
	size_t cur = editor_cursor(d->ed);

	buf_init(&now);
	buf_init(&rebased);
	buf_init(&text);
	err_clear(&e);
	if (editor_encode(d->ed, &now, &e) != 0)
		goto out;
	if (now.len == j->bytes.len && memcmp(now.data ? now.data : "", j->bytes.data ? j->bytes.data : "", now.len) == 0) {
		/* nothing typed since: the text is the merge, saved */
		doc_file_decode(up->data ? up->data : "", up->len, &text, &fmt, &ro);
		editor_set_text(d->ed, text.data ? text.data : "", text.len, cur);
		editor_mem_saved(d->ed, doc_buf_gen(editor_buf(d->ed)), up->data ? up->data : "",
				 up->len);
		goto out;
	}
	/* typed meanwhile: the server's version is the base from now on, and
	 * the server's changes go under what was typed */
	editor_mem_saved(d->ed, j->gen, up->data ? up->data : "", up->len);
	if (docs_merge3(j->bytes.data ? j->bytes.data : "", j->bytes.len, now.data ? now.data : "",
			now.len, up->data ? up->data : "", up->len, NULL, NULL, &rebased, &conflicts,
			&e) != 0 || conflicts > 0)
		goto out; /* the next save merges again on the share */
	doc_file_decode(rebased.data ? rebased.data : "", rebased.len, &text, &fmt, &ro);
	editor_set_text(d->ed, text.data ? text.data : "", text.len, cur);
out:
	buf_free(&now);
	buf_free(&rebased);
	buf_free(&text);
}

/* The share kept (or refused) an upload. */
static void share_put(void *arg, struct files_result *r)
{
	struct share_job *j = arg;
	struct docs *d = job_done(j);
	int i = d ? buf_of_id(d, j->id) : -1, prev, saved, quit = 0;
	const char *key;
	char t[600];

	if (d == NULL) {
		job_free(j);
		return;
	}
	/* uploaded, or durably in the outbox (queued, or kept beside the
	 * server's newer copy for `files resolve`): nothing is lost */
	saved = r->rc == 0 || r->rc == E_QUEUED || r->rc == E_CONFLICT;
	key = r->rc == 0 ? "docs.saved" : r->rc == E_QUEUED ? "docs.share.queued"
		: r->rc == E_CONFLICT ? "docs.share.conflict" : "docs.share.save_failed";
	trf(t, sizeof t, key, TR_S(j->name), TR_S(r->e && r->e->msg[0] ? r->e->msg : err_name(r->rc)));
	if (i >= 0) {
		share_begin(d, i, &prev);
		d->saving--;
		if (r->rc == 0 && r->merged) {
			/* the server had changed too and took a merge: show it, or
			 * the next save would take the server's changes out again */
			share_merged(d, j, r->data);
			key = "docs.share.merged";
			trf(t, sizeof t, key, TR_S(j->name));
		} else if (saved) {
			editor_mem_saved(d->ed, j->gen, j->bytes.data ? j->bytes.data : "", j->bytes.len);
			doc_recover_keep(&d->rec);
			journal(d); /* deletes the row when the text is what was sent */
			quit = j->quit_after && !editor_modified(d->ed);
		}
		share_end(d, prev);
	}
	notice(d, t, !saved || r->rc == E_CONFLICT);
	if (quit) {
		/* :wq, once the text is safe */
		if (d->nbufs > 1)
			drop_buf(d, i);
		else if (!any_modified(d))
			tui_quit();
	}
	job_free(j);
	redraw(d);
}

/* Send the current share buffer's text to the share (Ctrl-S, :w). */
static int share_save(struct docs *d, int quit_after, struct err *e)
{
	struct files_worker *w;
	struct share_job *j;
	struct buf bytes;
	char t[600];
	int rc;

	if (d->loading)
		return err_set(e, E_USAGE, "%s",
			       trf(t, sizeof t, "docs.share.still_opening", TR_S(editor_path(d->ed))));
	buf_init(&bytes);
	if ((rc = editor_encode(d->ed, &bytes, e)) != 0) {
		buf_free(&bytes);
		return rc;
	}
	if ((w = files_shared(d->env, e)) == NULL) {
		buf_free(&bytes);
		return e->code ? e->code : E_UNREACHABLE;
	}
	j = job_new(d, editor_path(d->ed));
	j->gen = doc_buf_gen(editor_buf(d->ed));
	j->bytes = bytes;
	j->quit_after = quit_after;
	d->saving++;
	files_async_put(w, j->name + 6, bytes.data ? bytes.data : "", bytes.len, 0, share_put,
			j);
	notice(d, trf(t, sizeof t, "docs.share.saving", TR_S(j->name)), 0);
	return 0;
}
#else
static int share_open(struct docs *d, struct cmd_ctx *ctx, const char *name)
{
	char t[600];

	return err_set(ctx->err, E_USAGE, "%s", trf(t, sizeof t, "docs.err.no_share", TR_S(name)));
}

static int share_save(struct docs *d, int quit_after, struct err *e)
{
	char t[600];

	return err_set(e, E_USAGE, "%s",
		       trf(t, sizeof t, "docs.err.no_share", TR_S(editor_path(d->ed))));
}
#endif

/* ---- drawing ------------------------------------------------------------------ */

static void find_line(struct docs *d)
{
	const struct doc_find *f = &d->find;
	const char *head = d->replacing ? "docs.replace" : "docs.find";
	char n[32], m[32], mode[64];
	size_t used;

	/* [regex] [Aa]: how the needle matches */
	snprintf(mode, sizeof mode, "%s%s", f->regex ? tr("docs.find.regex") : "",
		 f->cas == DOC_CASE_FOLD ? tr("docs.find.fold")
		 : f->cas == DOC_CASE_EXACT ? tr("docs.find.exact") : "");
	if (f->needle.len == 0 || (f->seeking && !f->found)) {
		/* (still looking in a big text: no verdict yet) */
		trf(d->line, sizeof d->line, head, TR_S(mode));
	} else if (f->bad) {
		trf(d->line, sizeof d->line, d->replacing ? "docs.replace.bad" : "docs.find.bad",
		    TR_S(mode));
	} else if (!f->found) {
		trf(d->line, sizeof d->line, d->replacing ? "docs.replace.none" : "docs.find.none",
		    TR_S(mode));
	} else {
		/* while the count goes on: "? of ≥m", then "n of m" */
		if (f->index)
			snprintf(n, sizeof n, "%zu", f->index);
		else if (f->counting)
			snprintf(n, sizeof n, "?");
		else
			snprintf(n, sizeof n, "%d+", DOC_FIND_COUNT_CAP);
		snprintf(m, sizeof m, "%s%zu%s", f->counting ? "≥" : "", f->count,
			 f->capped ? "+" : "");
		trf(d->line, sizeof d->line, d->replacing ? "docs.replace.count" : "docs.find.count",
		    TR_S(n), TR_S(m), TR_S(mode));
	}
	/* The needle is drawn inert by ui_put, like any text. */
	used = strlen(d->line);
	snprintf(d->line + used, sizeof d->line - used, "%.*s", (int)f->needle.len,
		 f->needle.len ? f->needle.data : "");
}

static void docs_draw(void *state, struct ui_area *area)
{
	struct docs *d = state;
	struct docs_view_line bottom = { NULL, 0, 0, NULL, NULL };

	d->width = ui_area_w(area);
	if (d->nbufs > 1) {
		snprintf(d->tag, sizeof d->tag, "[%d/%d]", d->cur + 1, d->nbufs);
		bottom.tag = d->tag;
	}
	if (d->ask == ASK_GOTO || d->ask == ASK_REPLACE_WITH) {
		size_t used;

		snprintf(d->line, sizeof d->line, "%s",
			 tr(d->ask == ASK_GOTO ? "docs.goto" : "docs.replace.with"));
		used = strlen(d->line);
		snprintf(d->line + used, sizeof d->line - used, "%.*s", (int)d->answer.len,
			 d->answer.len ? d->answer.data : "");
		bottom.text = d->line;
		bottom.prompt = 1;
	} else if (d->ask == ASK_REPLACE_EACH) {
		char n[32], m[32];

		snprintf(n, sizeof n, "%zu", d->find.index);
		snprintf(m, sizeof m, "%zu%s", d->find.count, d->find.capped ? "+" : "");
		trf(d->line, sizeof d->line, "docs.replace.each", TR_S(n), TR_S(m));
		bottom.text = d->line;
		bottom.prompt = 1;
	} else if (d->finding) {
		find_line(d);
		bottom.text = d->line;
		bottom.prompt = 1;
		bottom.warn = d->find.needle.len && !d->find.found && !d->find.seeking;
	} else if (d->rec.offered) {
		char when[64];
		time_t t = (time_t)d->rec.when;
		struct tm tm;

		strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", localtime_r(&t, &tm));
		trf(d->line, sizeof d->line,
		    d->rec.file_changed ? "docs.recover.offer_changed" : "docs.recover.offer",
		    TR_S(when));
		bottom.text = d->line;
		bottom.warn = 1;
	} else if (d->loading) {
		trf(d->line, sizeof d->line, "docs.share.opening", TR_S(buf_name(d->ed)));
		bottom.text = d->line;
	} else if (d->disk) {
		trf(d->line, sizeof d->line, d->disk == 2 ? "docs.disk.deleted" : "docs.disk.changed",
		    TR_S(base_name(buf_name(d->ed))));
		bottom.text = d->line;
		bottom.warn = 1;
	} else if (d->notice[0]) {
		bottom.text = d->notice;
		bottom.warn = d->notice_warn;
	}
	docs_view_draw(d->ed, area, d->numbers, &bottom);
	/* Reading the lines may find the file cut short under us: say so now,
	 * not a key later. */
	if (doc_buf_truncated(editor_buf(d->ed)) && d->told_truncated != editor_buf(d->ed)) {
		d->told_truncated = editor_buf(d->ed);
		trf(d->notice, sizeof d->notice, "docs.truncated", TR_S(buf_name(d->ed)));
		d->notice_warn = 1;
		d->notice_at = loop_now_ms();
		if (!bottom.prompt && !d->rec.offered) {
			bottom.text = d->notice;
			bottom.warn = 1;
			docs_view_draw(d->ed, area, d->numbers, &bottom);
		}
	}
}

static void say(struct docs *d, const char *text)
{
	if (d->env->message)
		d->env->message(d->env->host, text);
}

/* A yes/no question on the shell's bottom line (no in batch and tests,
 * where there is no screen to ask on). */
static int ask_yes(const char *question)
{
	char q[700], answer[16];

	snprintf(q, sizeof q, "%s %s ", question, tr("prompt.yes_no"));
	if (tui_ask(q, 0, answer, sizeof answer) != 0)
		return 0;
	return !strcasecmp(answer, "y") || !strcasecmp(answer, "yes") || !strcmp(answer, "是");
}

/* Before saving over the editor's own file: if another program changed
 * it since we read it, ask (Esc keeps the file on disk as it is). */
static int disk_ok(struct docs *d)
{
	int ch = editor_disk_changed(d->ed);
	char q[700], answer[16];

	if (ch == 0 || editor_path(d->ed) == NULL)
		return 1;
	trf(q, sizeof q, ch == 2 ? "docs.changed.ask_deleted" : "docs.changed.ask",
	    TR_S(editor_path(d->ed)));
	if (tui_ask(q, 0, answer, sizeof answer) != 0 || strcasecmp(answer, "o") != 0) {
		say(d, tr("docs.changed.cancelled"));
		return 0;
	}
	editor_disk_accept(d->ed);
	return 1;
}

static void save_key(struct docs *d)
{
	struct err e;
	char t[600];

	err_clear(&e);
	if (editor_remote(d->ed)) {
		if (share_save(d, 0, &e) != 0)
			say(d, e.msg);
		return;
	}
	if (!disk_ok(d))
		return;
	if (editor_save(d->ed, NULL, &e) != 0) {
		say(d, e.msg);
		return;
	}
	doc_recover_keep(&d->rec);
	journal(d); /* deletes the row */
	d->disk = 0;
	say(d, trf(t, sizeof t, "docs.saved", TR_S(editor_path(d->ed))));
}

/* ---- the file changed on disk ------------------------------------------------- */

/* Look whether the current buffer's file changed on disk (the tab came to
 * the front, the terminal got the focus back, or a second passed without
 * a key): the bottom line then offers `:diff`, a reload, or keeping the
 * text. Once per change: keeping takes the file as it is now as the base. */
static void check_disk(struct docs *d)
{
	if (d->disk || d->rec.offered || editor_path(d->ed) == NULL)
		return;
	d->disk = editor_disk_changed(d->ed);
	if (d->disk && d->env->redraw)
		d->env->redraw(d->env->host);
}

/* Read the file again, dropping the buffer's text and its journal row;
 * the cursor goes back to its line. The caller asked first. */
static int reload(struct docs *d, struct err *e)
{
	size_t line = editor_cursor_line(d->ed);
	char *path;
	int rc;

	if (editor_path(d->ed) == NULL)
		return err_set(e, E_USAGE, "%s", tr("docs.err.untitled_reload"));
#ifdef MOD_FILES
	if (editor_remote(d->ed)) {
		/* the share's copy again: it comes back on the loop */
		if (d->loading || d->saving)
			return err_set(e, E_USAGE, "%s", tr("docs.share.busy"));
		end_prompts(d);
		path = xstrdup(editor_path(d->ed));
		rc = share_fetch(d, path, 1, e);
		free(path);
		return rc;
	}
#endif
	path = xstrdup(editor_path(d->ed));
	if (access(path, F_OK) != 0) {
		char t[600];

		rc = err_set(e, E_NOTFOUND, "%s", trf(t, sizeof t, "docs.disk.gone", TR_S(path)));
		free(path);
		return rc;
	}
	end_prompts(d);
	rc = editor_open(d->ed, path, e);
	free(path);
	if (rc != 0)
		return rc;
	doc_recover_forget(&d->rec, docs_db(d));
	d->rec.seen = editor_changes(d->ed);
	d->disk = 0;
	if (line >= doc_buf_lines(editor_buf(d->ed)))
		line = doc_buf_lines(editor_buf(d->ed)) - 1;
	editor_set_cursor(d->ed, doc_buf_line_start(editor_buf(d->ed), line));
	return 0;
}

/* The question before a reload throws changes away (none: no question). */
static const char *reload_question(struct docs *d, char *q, size_t len)
{
	if (!editor_modified(d->ed))
		return NULL;
	return trf(q, len, "docs.disk.confirm", TR_S(buf_name(d->ed)));
}

/* Ctrl-K / Ctrl-D while the bottom line says the file changed on disk. */
static void disk_answer(struct docs *d, int keep)
{
	const char *q;
	char t[600];
	struct err e;

	if (keep) {
		editor_disk_accept(d->ed);
		d->disk = 0;
		notice(d, tr("docs.disk.kept"), 0);
		return;
	}
	if ((q = reload_question(d, t, sizeof t)) != NULL && !ask_yes(q))
		return;
	err_clear(&e);
	if (reload(d, &e) != 0) {
		notice(d, e.msg, 1);
		return;
	}
	notice(d, trf(t, sizeof t, "docs.disk.reloaded", TR_S(buf_name(d->ed))), 0);
}

/* ---- cut, copy, paste --------------------------------------------------------- */

/* The selection, or else the cursor's line (as nano and micro do). */
static void cut_range(struct docs *d, size_t *a, size_t *b)
{
	if (!editor_selection(d->ed, a, b))
		editor_line_range(d->ed, a, b);
}

static void to_register(struct docs *d, size_t a, size_t b)
{
	buf_reset(&d->reg);
	editor_copy(d->ed, a, b, &d->reg);
	if (d->osc52 && d->reg.len) {
		int rc = ui_clipboard_set(d->reg.data, d->reg.len);

		if (rc == E_RANGE)
			notice(d, tr("docs.clipboard_big"), 1);
	}
}

static void cut(struct docs *d, int keep)
{
	size_t a, b;

	cut_range(d, &a, &b);
	if (a == b)
		return;
	to_register(d, a, b);
	if (keep)
		editor_select_none(d->ed);
	else
		editor_replace_range(d->ed, a, b - a, "", 0);
}

static void paste(struct docs *d)
{
	size_t a, b;

	if (d->reg.len == 0) {
		say(d, tr("docs.register_empty"));
		return;
	}
	if (editor_selection(d->ed, &a, &b))
		editor_replace_range(d->ed, a, b - a, d->reg.data, d->reg.len);
	else
		editor_replace_range(d->ed, editor_cursor(d->ed), 0, d->reg.data, d->reg.len);
}

/* ---- the bottom line's questions ---------------------------------------------- */

/* Go to line (1-based), optionally :COL (a display column, 1-based). */
static int goto_line(struct docs *d, const char *spec)
{
	const struct doc_buf *b = editor_buf(d->ed);
	char *end;
	unsigned long line = strtoul(spec, &end, 10), col = 1;

	if (end == spec || line == 0)
		return E_USAGE;
	if (*end == ':') {
		char *e2;

		col = strtoul(end + 1, &e2, 10);
		if (e2 == end + 1 || *e2 || col == 0)
			return E_USAGE;
	} else if (*end) {
		return E_USAGE;
	}
	if (line > doc_buf_lines(b))
		line = doc_buf_lines(b);
	editor_select_none(d->ed);
	editor_set_cursor(d->ed, doc_buf_line_start(b, line - 1));
	while (--col > 0 && editor_cursor_line(d->ed) == line - 1 &&
	       editor_cursor(d->ed) < doc_buf_len(b)) {
		size_t at = editor_cursor(d->ed);

		editor_move(d->ed, ED_RIGHT);
		if (editor_cursor_line(d->ed) != line - 1) {
			editor_set_cursor(d->ed, at);
			break;
		}
	}
	return 0;
}

static void replace_done(struct docs *d)
{
	char t[200], n[32];

	snprintf(n, sizeof n, "%zu", d->replaced);
	notice(d, trf(t, sizeof t, "docs.replaced_here", TR_S(n)), 0);
	end_prompts(d);
}

/* Replace every match from the find prompt's pattern. */
static void replace_all_key(struct docs *d)
{
	struct err e;
	size_t n = 0;

	err_clear(&e);
	if (doc_find_replace_all(&d->find, d->ed, d->with.data ? d->with.data : "", d->with.len,
				 &n, &e) != 0) {
		notice(d, e.msg, 1);
		end_prompts(d);
		return;
	}
	d->replaced += n;
	replace_done(d);
}

/* A key while the bottom line asks for text or y/n/a. */
static int ask_key(struct docs *d, int key)
{
	char s[8];

	if (d->ask == ASK_REPLACE_EACH) {
		switch (key) {
		case 'y': case 'Y': case UI_KEY_ENTER:
			if (doc_find_replace_one(&d->find, d->ed, d->with.data ? d->with.data : "",
						 d->with.len) == 0)
				d->replaced++;
			if (!d->find.found)
				replace_done(d);
			return 1;
		case 'n': case 'N': case UI_KEY_DOWN:
			doc_find_step(&d->find, d->ed, 1);
			return 1;
		case 'a': case 'A':
			replace_all_key(d);
			return 1;
		case UI_KEY_ESC: case 'q': case UI_CTRL('c'):
			replace_done(d);
			return 1;
		}
		return 1; /* nothing else acts while asking */
	}
	switch (key) {
	case UI_KEY_ESC:
	case UI_CTRL('c'):
		end_prompts(d);
		return 1;
	case UI_KEY_BACKSPACE:
		while (d->answer.len > 0 &&
		       ((unsigned char)d->answer.data[d->answer.len - 1] & 0xc0) == 0x80)
			d->answer.len--;
		if (d->answer.len > 0)
			d->answer.len--;
		return 1;
	case UI_KEY_ENTER:
		if (d->ask == ASK_GOTO) {
			d->ask = ASK_NONE;
			if (goto_line(d, buf_cstr(&d->answer)) != 0)
				notice(d, tr("docs.err.goto"), 1);
			return 1;
		}
		buf_reset(&d->with);
		buf_add(&d->with, d->answer.data ? d->answer.data : "", d->answer.len);
		d->replaced = 0;
		if (!d->find.found) {
			end_prompts(d);
			return 1;
		}
		d->ask = ASK_REPLACE_EACH;
		return 1;
	}
	if (key == UI_KEY_PASTE_BEGIN || key == UI_KEY_PASTE_END || key == UI_KEY_NONE ||
	    key == UI_KEY_RESIZE || key == UI_KEY_MOUSE)
		return 1;
	if (key == UI_KEY_TAB)
		key = '\t';
	if ((key >= 0x20 || key == '\t') && key < UI_KEY_BASE && key != 0x7f)
		buf_add(&d->answer, s, utf8_encode((unsigned)key, s));
	return 1;
}

static void open_ask(struct docs *d, enum ask a)
{
	d->ask = a;
	buf_reset(&d->answer);
}

/* A key while the find prompt is open; 0 to close it and let the key act
 * as usual. */
static int find_key(struct docs *d, int key)
{
	char s[8];

	switch (key) {
	case UI_KEY_ESC:
	case UI_CTRL('c'):
		end_prompts(d);
		return 1;
	case UI_KEY_ENTER:
		if (d->replacing) {
			if (d->find.needle.len && !d->find.bad)
				open_ask(d, ASK_REPLACE_WITH);
			return 1;
		}
		doc_find_step(&d->find, d->ed, 1);
		return 1;
	case UI_KEY_DOWN:
	case UI_CTRL('f'):
	case UI_CTRL('r'):
		doc_find_step(&d->find, d->ed, 1);
		return 1;
	case UI_KEY_UP:
		doc_find_step(&d->find, d->ed, 0);
		return 1;
	case UI_KEY_BACKSPACE:
		doc_find_backspace(&d->find, d->ed);
		return 1;
	case 'r' | UI_MOD_ALT:
		doc_find_toggle_regex(&d->find, d->ed);
		return 1;
	case 'c' | UI_MOD_ALT:
		doc_find_cycle_case(&d->find, d->ed);
		return 1;
	}
	if (key >= 0x20 && key < UI_KEY_BASE && key != 0x7f) {
		size_t n = utf8_encode((unsigned)key, s);

		doc_find_type(&d->find, d->ed, s, n);
		return 1;
	}
	if (key == UI_KEY_TAB) {
		doc_find_type(&d->find, d->ed, "\t", 1);
		return 1;
	}
	if (key == UI_KEY_NONE || key == UI_KEY_RESIZE || key == UI_KEY_MOUSE ||
	    key == UI_KEY_PASTE_BEGIN || key == UI_KEY_PASTE_END)
		return 1;
	/* Esc leaves the cursor at the match; another key closes find and
	 * acts (an arrow moves from the match). */
	end_prompts(d);
	return 0;
}

/* Ctrl-K / Ctrl-D while recovered text is offered. */
static void recover_answer(struct docs *d, int keep)
{
	struct err e;

	if (keep) {
		doc_recover_keep(&d->rec);
		notice(d, tr("docs.recover.kept"), 0);
		return;
	}
	err_clear(&e);
	if (doc_recover_discard(&d->rec, docs_db(d), d->ed, &e) != 0) {
		notice(d, e.msg, 1);
		return;
	}
	notice(d, tr("docs.recover.discarded"), 0);
}

/* Text typed or pasted as a key: one code point, or Esc + code point for
 * Alt (so a pasted escape sequence lands in the text, shown inert). */
static int insert_key(struct docs *d, int key)
{
	char s[8];
	size_t n = 0;

	if (key & UI_MOD_ALT) {
		s[n++] = '\033';
		key &= ~UI_MOD_ALT;
	}
	switch (key) {
	case UI_KEY_ENTER: s[n++] = '\n'; break;
	case UI_KEY_TAB: s[n++] = '\t'; break;
	case UI_KEY_ESC: s[n++] = '\033'; break;
	case UI_KEY_BACKSPACE: s[n++] = 0x7f; break;
	default:
		if (key < 0 || key >= UI_KEY_BASE || key == 0)
			return 0;
		n += utf8_encode((unsigned)key, s + n);
	}
	editor_insert(d->ed, s, n);
	return 1;
}

/* Close the current buffer (Ctrl-Q): asks when it is modified. 0 when it
 * is the only one, so the key goes on to the shell's quit. */
static int close_key(struct docs *d)
{
	char t[600];

	if (d->nbufs == 1)
		return 0;
	if (editor_modified(d->ed)) {
		trf(t, sizeof t, "docs.confirm_discard", TR_S(buf_name(d->ed)));
		if (!ask_yes(t))
			return 1;
	}
	close_buf(d);
	return 1;
}

static const enum editor_move sel_moves[] = {
	[DA_SEL_LEFT - DA_SEL_LEFT] = ED_LEFT,
	[DA_SEL_RIGHT - DA_SEL_LEFT] = ED_RIGHT,
	[DA_SEL_UP - DA_SEL_LEFT] = ED_UP,
	[DA_SEL_DOWN - DA_SEL_LEFT] = ED_DOWN,
	[DA_SEL_HOME - DA_SEL_LEFT] = ED_HOME,
	[DA_SEL_END - DA_SEL_LEFT] = ED_END,
	[DA_SEL_PGUP - DA_SEL_LEFT] = ED_PGUP,
	[DA_SEL_PGDN - DA_SEL_LEFT] = ED_PGDN,
	[DA_SEL_WORD_LEFT - DA_SEL_LEFT] = ED_WORD_LEFT,
	[DA_SEL_WORD_RIGHT - DA_SEL_LEFT] = ED_WORD_RIGHT,
};

static int act(struct docs *d, enum docs_act a)
{
	struct editor *ed = d->ed;

	if (a >= DA_LEFT && a <= DA_WORD_RIGHT) {
		editor_move(ed, (enum editor_move)(ED_LEFT + (a - DA_LEFT)));
		return 1;
	}
	if (a >= DA_SEL_LEFT && a <= DA_SEL_WORD_RIGHT) {
		editor_move_select(ed, sel_moves[a - DA_SEL_LEFT]);
		return 1;
	}
	switch (a) {
	case DA_SEL_ALL: editor_select(ed, 0, doc_buf_len(editor_buf(ed))); return 1;
	case DA_MARK:
		editor_anchor(ed);
		say(d, tr(editor_anchored(ed) ? "docs.mark_set" : "docs.mark_unset"));
		return 1;
	case DA_BACKSPACE: editor_backspace(ed); return 1;
	case DA_DELETE: editor_delete(ed); return 1;
	case DA_NEWLINE: editor_insert(ed, "\n", 1); return 1;
	case DA_TAB: editor_insert(ed, "\t", 1); return 1;
	case DA_SAVE: save_key(d); return 1;
	case DA_FIND:
	case DA_REPLACE:
		doc_find_begin(&d->find, ed);
		d->finding = 1;
		d->replacing = a == DA_REPLACE;
		return 1;
	case DA_GOTO: open_ask(d, ASK_GOTO); return 1;
	case DA_UNDO:
		if (editor_undo(ed) != 0)
			say(d, tr("docs.nothing_undo"));
		return 1;
	case DA_REDO:
		if (editor_redo(ed) != 0)
			say(d, tr("docs.nothing_redo"));
		return 1;
	case DA_CUT: cut(d, 0); return 1;
	case DA_COPY: cut(d, 1); return 1;
	case DA_PASTE: paste(d); return 1;
	case DA_CLOSE: return close_key(d);
	case DA_NEXT_BUF: switch_buf(d, (d->cur + 1) % d->nbufs); return 1;
	case DA_PREV_BUF: switch_buf(d, (d->cur + d->nbufs - 1) % d->nbufs); return 1;
	case DA_KEEP:
	case DA_DISCARD:
		if (d->rec.offered)
			recover_answer(d, a == DA_KEEP);
		else if (d->disk)
			disk_answer(d, a == DA_KEEP);
		else
			return 0;
		return 1;
	default:
		return 0;
	}
}

static void find_step_timer(void *arg);

/* While a search or its count goes on (a big text), a step of it each
 * turn of the loop, so keys are seen between steps. */
static void find_pump(struct docs *d)
{
	if (d->finding && doc_find_busy(&d->find) && d->find_timer == 0 && d->env->loop)
		d->find_timer = loop_add_timer(d->env->loop, 1, 0, find_step_timer, d);
}

static void find_step_timer(void *arg)
{
	struct docs *d = arg;

	d->find_timer = 0;
	if (!d->finding)
		return;
	doc_find_more(&d->find, d->ed, DOC_FIND_BUDGET_MS);
	find_pump(d);
	if (d->env->redraw)
		d->env->redraw(d->env->host);
}

static int docs_key_in(struct docs *d, int key);

static int docs_key(void *state, int key)
{
	struct docs *d = state;
	int rc = docs_key_in(d, key);

	find_pump(d);
	return rc;
}

static int docs_key_in(struct docs *d, int key)
{
	enum docs_act a;

	d->last_key = loop_now_ms();
	if (d->notice[0] && loop_now_ms() - d->notice_at > NOTICE_MS)
		d->notice[0] = '\0';
	if (d->ask != ASK_NONE && !d->pasting)
		return ask_key(d, key);
	if (d->finding && !d->pasting && find_key(d, key))
		return 1;
	if (d->loading) {
		/* no text until the share's comes; the buffer can be left */
		a = action_of(d, key);
		if (a == DA_NEXT_BUF || a == DA_PREV_BUF || a == DA_CLOSE)
			return act(d, a);
		return a != DA_NONE || (key >= 0x20 && key < UI_KEY_BASE && key != 0x7f);
	}
	if (key == UI_KEY_PASTE_BEGIN) {
		editor_paste_begin(d->ed);
		d->pasting = 1;
		return 1;
	}
	if (key == UI_KEY_PASTE_END) {
		editor_paste_end(d->ed);
		d->pasting = 0;
		return 1;
	}
	if (d->pasting) {
		/* Everything pasted is text, control characters included. */
		if (key == UI_KEY_NONE || key == UI_KEY_RESIZE || key == UI_KEY_MOUSE)
			return 1;
		if (d->ask != ASK_NONE)
			return ask_key(d, key);
		if (d->finding)
			return find_key(d, key);
		insert_key(d, key);
		return 1;
	}
	if (key == ('q' | UI_MOD_ALT)) {
		struct err e;

		/* reflow the paragraph to the text area's width */
		if (docs_reflow(d->ed, (size_t)d->width, &e) != 0)
			notice(d, e.msg, 1);
		return 1;
	}
	a = action_of(d, key);
	if (a != DA_NONE && act(d, a))
		return 1;
	/* Esc drops a selection; else it is the shell's (Esc 3 switches
	 * tabs). Ctrl-letters we do not bind are left alone. */
	if (key == UI_KEY_ESC) {
		size_t x, y;

		if (editor_selection(d->ed, &x, &y) || editor_anchored(d->ed)) {
			editor_select_none(d->ed);
			return 1;
		}
		return 0;
	}
	if (a != DA_NONE || (key >= 0 && key < 0x20) || key == 0x7f)
		return 0;
	if ((key & ~UI_MOD_ALT) >= 0x20 && (key & ~UI_MOD_ALT) < UI_KEY_BASE)
		return insert_key(d, key);
	return 0;
}

static int docs_taking_text(void *state)
{
	return 1;
}

static int usage(struct cmd_ctx *ctx, const char *use)
{
	char t[256];

	return err_set(ctx->err, E_USAGE, "%s", trf(t, sizeof t, "err.usage", TR_S(use)));
}

/* "FILE:LINE" or "FILE:LINE:COL", as compilers and grep -n print them:
 * *place points at "LINE[:COL]" and the file name is returned (to free),
 * when FILE exists and the whole argument does not (a file whose name
 * ends in ":12" opens as itself). NULL when arg is just a file name. */
static char *split_place(const char *arg, const char **place)
{
	/* the last two colons: FILE:LINE:COL, then FILE:LINE */
	for (int parts = 2; parts >= 1; parts--) {
		const char *at = arg + strlen(arg);
		int n = 0;

		while (n < parts && at > arg) {
			const char *digits = at;

			while (digits > arg && digits[-1] >= '0' && digits[-1] <= '9')
				digits--;
			if (digits == at || digits == arg || digits[-1] != ':')
				break;
			at = digits - 1;
			n++;
		}
		if (n == parts && at > arg) {
			char *path = xstrndup(arg, (size_t)(at - arg));

			if (access(path, F_OK) == 0) {
				*place = at + 1;
				return path;
			}
			free(path);
		}
	}
	return NULL;
}

static int goto_line(struct docs *d, const char *spec);
static int open_file(struct docs *d, struct cmd_ctx *ctx, const char *path);

/* :e FILE[:LINE[:COL]] */
static int cmd_open(struct docs *d, struct cmd_ctx *ctx, const char *arg)
{
	const char *place = NULL;
	char *path, *name = NULL;
	int rc = share_name(d, arg, &name, ctx->err);

	if (rc < 0)
		return rc;
	if (rc == 1) {
		rc = share_open(d, ctx, name);
		free(name);
		return rc;
	}
	path = access(arg, F_OK) == 0 ? NULL : split_place(arg, &place);
	rc = open_file(d, ctx, path ? path : arg);

	if (rc == 0 && place && goto_line(d, place) != 0)
		notice(d, tr("docs.err.goto"), 1);
	free(path);
	return rc;
}

/* Open path in a buffer of its own (the others are kept), or show the
 * buffer that has it; an empty, untouched untitled buffer is reused. */
static int open_file(struct docs *d, struct cmd_ctx *ctx, const char *path)
{
	char t[600];
	int rc, at = find_buf(d, path), prev = d->cur, added = 0;

	if (at >= 0) {
		switch_buf(d, at);
		fprintf(ctx->out, "%s\n", trf(t, sizeof t, "docs.switched", TR_S(path)));
		return 0;
	}
	if (editor_path(d->ed) != NULL || editor_modified(d->ed) || d->rec.offered ||
	    doc_buf_len(editor_buf(d->ed)) > 0) {
		add_buf(d);
		added = 1;
	}
	rc = editor_open(d->ed, path, ctx->err);
	if (rc != 0) {
		if (added) {
			close_buf(d);
			switch_buf(d, prev);
		}
		return rc;
	}
	end_prompts(d);
	editor_select_none(d->ed);
	d->disk = 0;
	/* The text we journalled (if any) was given up with the old buffer. */
	doc_recover_forget(&d->rec, docs_db(d));
	d->rec.seen = editor_changes(d->ed);
	if (docs_db(d) == NULL)
		d->told_no_store = 0; /* say it again for this file */
	else if (doc_recover_offer(&d->rec, docs_db(d), d->ed, ctx->err) < 0)
		notice(d, ctx->err->msg, 1);
	else if (d->rec.lost)
		notice(d, trf(t, sizeof t, "docs.recover.lost", TR_S(path),
			      TR_N(d->rec.lost_edits), TR_N(d->rec.lost_bytes)), 1);
	/* A read-only or binary file says why as it opens. */
	fprintf(ctx->out, "%s\n",
		trf(t, sizeof t,
		    editor_ro_key(d->ed) ? editor_ro_key(d->ed)
		    : doc_buf_is_new(editor_buf(d->ed)) ? "docs.new_file" : "docs.opened",
		    TR_S(path)));
	return 0;
}

/* The verbs that act on the buffers on screen (`replace` from the
 * command line is the current buffer's; in batch mode it takes a file). */
static int screen_verb(const char *verb, int argc)
{
	static const char *const names[] = { "q", "q!", "wq", "x", "bn", "bp", "b", "ls",
					     "goto", "close" };

	for (size_t i = 0; i < nitems(names); i++)
		if (strcmp(verb, names[i]) == 0)
			return 1;
	return 0;
}

/* :q, :q!, :wq: close the current buffer; the last one leaves atrium
 * (when no buffer holds unsaved changes, unless forced). */
static int cmd_quit(struct docs *d, struct cmd_ctx *ctx, int force, int save)
{
	char t[600];

	if (save && editor_remote(d->ed)) {
		/* the buffer closes when the share has the text */
		int rc = share_save(d, 1, ctx->err);

		if (rc == 0)
			fprintf(ctx->out, "%s\n",
				trf(t, sizeof t, "docs.share.saving", TR_S(editor_path(d->ed))));
		return rc;
	}
	if (save) {
		int rc = editor_save(d->ed, NULL, ctx->err);

		if (rc != 0)
			return rc;
		doc_recover_keep(&d->rec);
		journal(d);
	}
	if (!force && editor_modified(d->ed))
		return err_set(ctx->err, E_USAGE, "%s",
			       trf(t, sizeof t, "docs.err.unsaved", TR_S(buf_name(d->ed))));
	if (d->nbufs > 1) {
		close_buf(d);
		return 0;
	}
	if (!force && any_modified(d))
		return err_set(ctx->err, E_USAGE, "%s",
			       trf(t, sizeof t, "docs.err.unsaved", TR_S(buf_name(d->ed))));
	if (force)
		close_buf(d); /* the journal row goes: the user gave the text up */
	tui_quit();
	return 0;
}

/* :ls lists the buffers: number, current mark, modified mark, name. */
static void cmd_ls(struct docs *d, struct cmd_ctx *ctx)
{
	park(d);
	for (int i = 0; i < d->nbufs; i++) {
		const struct editor *ed = d->bufs[i].ed;

		fprintf(ctx->out, "%2d %c%c %s\n", i + 1, i == d->cur ? '%' : ' ',
			editor_modified(ed) ? '+' : ' ', buf_name(ed));
	}
}

/* Arguments that are not --flags. */
static int patterns(int argc, char **argv)
{
	int n = 0;

	for (int i = 1; i < argc; i++)
		if (strncmp(argv[i], "--", 2) != 0)
			n++;
	return n;
}

/* :replace FROM TO [--regex] [--case | --fold]: every match in the
 * current buffer, one undo step. */
static int cmd_replace(struct docs *d, struct cmd_ctx *ctx, int argc, char **argv)
{
	const char *pat[2] = { NULL, NULL };
	int np = 0, regex = 0;
	enum doc_case cas = DOC_CASE_AUTO;
	struct doc_find f;
	size_t n = 0;
	char t[200], num[32];
	int rc;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--regex") == 0)
			regex = 1;
		else if (strcmp(argv[i], "--case") == 0)
			cas = DOC_CASE_EXACT;
		else if (strcmp(argv[i], "--fold") == 0)
			cas = DOC_CASE_FOLD;
		else if (np < 2)
			pat[np++] = argv[i];
		else
			np = 3;
	}
	if (np != 2)
		return usage(ctx, "replace FROM TO [--regex] [--case | --fold]");
	end_prompts(d);
	doc_find_begin(&f, d->ed);
	buf_add(&f.needle, pat[0], strlen(pat[0]));
	f.regex = regex;
	f.cas = cas;
	rc = doc_find_replace_all(&f, d->ed, pat[1], strlen(pat[1]), &n, ctx->err);
	doc_find_end(&f);
	if (rc != 0)
		return rc;
	snprintf(num, sizeof num, "%zu", n);
	fprintf(ctx->out, "%s\n", trf(t, sizeof t, "docs.replaced_here", TR_S(num)));
	return 0;
}

static int buffer_command(struct docs *d, struct cmd_ctx *ctx, int argc, char **argv)
{
	const char *verb = argv[0];

	if (strcmp(verb, "q") == 0 || strcmp(verb, "q!") == 0 || strcmp(verb, "close") == 0) {
		if (argc != 1)
			return usage(ctx, "docs q");
		return cmd_quit(d, ctx, verb[1] == '!', 0);
	}
	if (strcmp(verb, "wq") == 0 || strcmp(verb, "x") == 0) {
		if (argc != 1)
			return usage(ctx, "docs wq");
		return cmd_quit(d, ctx, 0, 1);
	}
	if (strcmp(verb, "bn") == 0 || strcmp(verb, "bp") == 0) {
		if (argc != 1)
			return usage(ctx, "docs bn");
		switch_buf(d, (d->cur + (verb[1] == 'n' ? 1 : d->nbufs - 1)) % d->nbufs);
		return 0;
	}
	if (strcmp(verb, "b") == 0) {
		char *end;
		long i = argc == 2 ? strtol(argv[1], &end, 10) : 0;

		if (argc != 2 || *end || i < 1 || i > d->nbufs)
			return usage(ctx, "docs b N");
		switch_buf(d, (int)i - 1);
		return 0;
	}
	if (strcmp(verb, "ls") == 0) {
		cmd_ls(d, ctx);
		return 0;
	}
	/* goto LINE[:COL] */
	if (argc != 2 || goto_line(d, argv[1]) != 0)
		return usage(ctx, "docs goto LINE[:COL]");
	return 0;
}

static int docs_command(void *state, struct cmd_ctx *ctx, int argc, char **argv)
{
	struct docs *d = state;
	const char *verb = argv[0];
	char t[600];

	if (strcmp(verb, "status") == 0) {
		if (argc != 1)
			return usage(ctx, "atrium docs status");
		return account_cmd_status(d->acct, ctx);
	}
	if (strcmp(verb, "open") == 0 || strcmp(verb, "e") == 0 || strcmp(verb, "save") == 0 ||
	    strcmp(verb, "w") == 0 || strcmp(verb, "numbers") == 0 || strcmp(verb, "wrap") == 0 ||
	    strcmp(verb, "reload") == 0 || screen_verb(verb, argc) ||
	    docs_screen_file_verb(verb)) {
		if (!ctx->interactive)
			return err_set(ctx->err, E_USAGE, "%s",
				       trf(t, sizeof t, "docs.err.needs_screen", TR_S(verb)));
	}
	if (strcmp(verb, "share") == 0) {
		const char *path = editor_path(d->ed);
		char *av[4];

		if (argc != 2)
			return usage(ctx, "docs share JID|ROOM");
		if (!ctx->interactive)
			return err_set(ctx->err, E_USAGE, "%s",
				       trf(t, sizeof t, "docs.err.needs_screen", TR_S(verb)));
		if (!path || editor_modified(d->ed))
			return err_set(ctx->err, E_USAGE, "%s", tr("docs.share_save_first"));
		/* a document of the team share goes as its name there (the
		 * others open it from their share); a file of this machine is
		 * uploaded. The chat tab's worker does it. */
		av[0] = "chat";
		av[1] = editor_remote(d->ed) ? "send" : "upload";
		av[2] = argv[1];
		av[3] = (char *)path;
		return tui_run_in(4, av) == 0 ? 0
					      : err_set(ctx->err, E_USAGE, "%s", tr("docs.share_no_chat"));
	}
	if (strcmp(verb, "open") == 0 || strcmp(verb, "e") == 0) {
		if (argc != 2)
			return usage(ctx, "docs open FILE[:LINE[:COL]]");
		return cmd_open(d, ctx, argv[1]);
	}
	if (strcmp(verb, "reload") == 0) {
		const char *q;
		int rc;

		if (argc != 1)
			return usage(ctx, "docs reload");
		if ((q = reload_question(d, t, sizeof t)) != NULL &&
		    (ctx->confirm == NULL || ctx->confirm(q) != 1))
			return err_set(ctx->err, E_CANCELLED, "%s", tr("docs.disk.not_reloaded"));
		if ((rc = reload(d, ctx->err)) != 0)
			return rc;
		fprintf(ctx->out, "%s\n",
			trf(t, sizeof t, d->loading ? "docs.share.opening" : "docs.disk.reloaded",
			    TR_S(buf_name(d->ed))));
		return 0;
	}
	if (strcmp(verb, "save") == 0 || strcmp(verb, "w") == 0) {
		int rc;

		if (argc > 2)
			return usage(ctx, "docs save [FILE]");
		if (argc == 1 && editor_remote(d->ed)) {
			if ((rc = share_save(d, 0, ctx->err)) != 0)
				return rc;
			fprintf(ctx->out, "%s\n",
				trf(t, sizeof t, "docs.share.saving", TR_S(editor_path(d->ed))));
			return 0;
		}
		if (argc == 2) {
			char *name = NULL;

			if ((rc = share_name(d, argv[1], &name, ctx->err)) < 0)
				return rc;
			free(name);
			if (rc == 1)
				return err_set(ctx->err, E_USAGE, "%s", tr("docs.err.share_save_as"));
		}
		if (argc == 1 && !disk_ok(d))
			return err_set(ctx->err, E_CANCELLED, "%s", tr("docs.changed.cancelled"));
		rc = editor_save(d->ed, argc == 2 ? argv[1] : NULL, ctx->err);
		if (rc != 0)
			return rc;
		doc_recover_keep(&d->rec);
		journal(d);
		d->disk = 0;
		fprintf(ctx->out, "%s\n", trf(t, sizeof t, "docs.saved", TR_S(editor_path(d->ed))));
		return 0;
	}
	if (screen_verb(verb, argc))
		return buffer_command(d, ctx, argc, argv);
	if (strcmp(verb, "replace") == 0 && ctx->interactive && patterns(argc, argv) == 2)
		return cmd_replace(d, ctx, argc, argv);
	if (strcmp(verb, "numbers") == 0) {
		if (argc != 1)
			return usage(ctx, "docs numbers");
		d->numbers = !d->numbers;
		return 0;
	}
	if (strcmp(verb, "wrap") == 0) {
		if (argc != 1)
			return usage(ctx, "docs wrap");
		editor_set_wrap(d->ed, !editor_wrap(d->ed));
		return 0;
	}
	{
		int rc = docs_file_verb(ctx->interactive ? d->ed : NULL, docs_db(d), d->env->home,
					d->width, ctx, argc, argv);

		if (rc != DOCS_VERB_UNKNOWN)
			return rc;
	}
	return usage(ctx, "atrium docs status");
}

static void docs_status(void *state, struct module_status *st)
{
	struct docs *d = state;

	account_mod_status(d->acct, st);
#ifdef MOD_FILES
	files_status(d->env, st, 0);
#endif
}

static const struct module_verb docs_verbs[] = {
	{ "status", "", "verb.status" },
	{ "open", "FILE[:LINE[:COL]]", "verb.docs.open" },
	{ "e", "FILE[:LINE[:COL]]", "verb.docs.open" },
	{ "reload", "", "verb.docs.reload" },
	{ "save", "[FILE]", "verb.docs.save" },
	{ "share", "JID|ROOM", "verb.docs.share" },
	{ "w", "[FILE]", "verb.docs.save" },
	{ "numbers", "", "verb.docs.numbers" },
	{ "wrap", "", "verb.docs.wrap" },
	{ "q", "", "verb.docs.q" },
	{ "q!", "", "verb.docs.q_force" },
	{ "wq", "", "verb.docs.wq" },
	{ "bn", "", "verb.docs.bn" },
	{ "bp", "", "verb.docs.bp" },
	{ "b", "N", "verb.docs.b" },
	{ "ls", "", "verb.docs.ls" },
	{ "goto", "LINE[:COL]", "verb.docs.goto" },
	{ "replace", "FROM TO [--regex] [--case | --fold]", "verb.docs.replace_here" },
	{ "replace", "FILE PATTERN REPLACEMENT [--regex] [--dry-run]", "verb.docs.replace" },
	{ "cat", "FILE", "verb.docs.cat" },
	{ "stats", "FILE [--json]", "verb.docs.stats" },
	{ "encoding", "[NAME]", "verb.docs.encoding" },
	{ "lineends", "lf|crlf", "verb.docs.lineends" },
	{ "diff", "", "verb.docs.diff" },
	{ "outline", "[N]", "verb.docs.outline" },
	{ "reflow", "", "verb.docs.reflow" },
	{ NULL, NULL, NULL },
};

static const struct module_key docs_keys[] = {
	{ "Left / Right / Up / Down", "key.docs.move" },
	{ "M-b / M-f, C-Left / C-Right", "key.docs.word" },
	{ "Home / End", "key.docs.line" },
	{ "PgUp / PgDn", "key.docs.page" },
	{ "M-< / M->", "key.docs.text" },
	{ "S-arrows, S-Home / S-End, S-PgUp / S-PgDn", "key.docs.select" },
	{ "C-S-Left / C-S-Right", "key.docs.select_word" },
	{ "C-Space, M-a", "key.docs.mark" },
	{ "C-a", "key.docs.select_all" },
	{ "Backspace / Delete", "key.docs.delete" },
	{ "C-x / C-c / C-v", "key.docs.cut_copy_paste" },
	{ "C-s", "key.docs.save" },
	{ "C-z", "key.docs.undo" },
	{ "C-y", "key.docs.redo" },
	{ "C-f", "key.docs.find" },
	{ "C-r", "key.docs.replace" },
	{ "M-r / M-c", "key.docs.find_mode" },
	{ "M-g", "key.docs.goto" },
	{ "C-PgDn / C-PgUp, M-. / M-,", "key.docs.buffers" },
	{ "C-q", "key.docs.close" },
	{ "C-k / C-d", "key.docs.recover" },
	{ "M-q", "key.docs.reflow" },
	{ NULL, NULL },
};

/* The actions behind each line of docs_keys, in its order: the help
 * overlay shows their keys as bound once [keys] changed any of them. */
static const struct {
	int n;
	enum docs_act a[8];
} docs_key_acts[] = {
	{ 4, { DA_LEFT, DA_RIGHT, DA_UP, DA_DOWN } },
	{ 2, { DA_WORD_LEFT, DA_WORD_RIGHT } },
	{ 2, { DA_HOME, DA_END } },
	{ 2, { DA_PGUP, DA_PGDN } },
	{ 2, { DA_TOP, DA_BOTTOM } },
	{ 8, { DA_SEL_LEFT, DA_SEL_RIGHT, DA_SEL_UP, DA_SEL_DOWN, DA_SEL_HOME, DA_SEL_END,
	       DA_SEL_PGUP, DA_SEL_PGDN } },
	{ 2, { DA_SEL_WORD_LEFT, DA_SEL_WORD_RIGHT } },
	{ 1, { DA_MARK } },
	{ 1, { DA_SEL_ALL } },
	{ 2, { DA_BACKSPACE, DA_DELETE } },
	{ 3, { DA_CUT, DA_COPY, DA_PASTE } },
	{ 1, { DA_SAVE } },
	{ 1, { DA_UNDO } },
	{ 1, { DA_REDO } },
	{ 1, { DA_FIND } },
	{ 1, { DA_REPLACE } },
	{ 0, { DA_NONE } }, /* M-r / M-c in the find prompt: fixed */
	{ 1, { DA_GOTO } },
	{ 2, { DA_NEXT_BUF, DA_PREV_BUF } },
	{ 1, { DA_CLOSE } },
	{ 2, { DA_KEEP, DA_DISCARD } },
	{ 0, { DA_NONE } }, /* M-q: fixed */
};
_Static_assert(nitems(docs_key_acts) == nitems(docs_keys) - 1, "one per help line");

/* Help line i as bound: "F5" for undo rebound to F5; the actions of a
 * line apart by " / ", the keys of one by ", ". 0 when all are default. */
static int docs_key_label(void *state, int i, char *buf, size_t len)
{
	const struct docs *d = state;
	size_t used = 0;
	int changed = 0;

	if (d == NULL || i < 0 || i >= (int)nitems(docs_key_acts))
		return 0;
	for (int j = 0; j < docs_key_acts[i].n; j++) {
		enum docs_act a = docs_key_acts[i].a[j];

		changed |= memcmp(d->km.keys[a], docs_act_defaults(a), sizeof d->km.keys[a]) != 0;
	}
	if (!changed)
		return 0;
	buf[0] = '\0';
	for (int j = 0; j < docs_key_acts[i].n; j++) {
		enum docs_act a = docs_key_acts[i].a[j];
		int any = 0;

		if (j)
			used += (size_t)snprintf(buf + used, len - used, " / ");
		for (int k = 0; k < DOCS_ACT_KEYS && used < len; k++) {
			char one[24];
			int key = d->km.keys[a][k];

			if (key == 0)
				continue;
			ui_key_name(key, one, sizeof one);
			used += (size_t)snprintf(buf + used, len - used, "%s%s", any ? ", " : "", one);
			any = 1;
		}
		if (!any && used < len)
			used += (size_t)snprintf(buf + used, len - used, "-");
		if (used >= len)
			break;
	}
	return 1;
}

/* The names [keys] may bind as "docs.NAME" (the shell refuses others). */
static int docs_key_action(const char *name)
{
	return docs_act_find(name) >= 0; /* "finish" too: the component's */
}

/* The tab came to the front or the terminal got the focus back. */
static void docs_on_event(void *state, const struct module_event *ev)
{
	if (ev->type == MEV_SHOWN)
		check_disk(state);
}

static int docs_unsaved(void *state)
{
	struct docs *d = state;

	return any_modified(d);
}

const struct module docs_module = {
	.name = "docs",
	.title_key = "tab.docs",
	.init = docs_init,
	.free = docs_free,
	.draw = docs_draw,
	.key = docs_key,
	.taking_text = docs_taking_text,
	.command = docs_command,
	.status = docs_status,
	.unsaved = docs_unsaved,
	.on_event = docs_on_event,
	.verbs = docs_verbs,
	.keys = docs_keys,
	.key_action = docs_key_action,
	.key_label = docs_key_label,
};
