/*
 * docs.c - the docs module: the text editor on its tab, and the verbs.
 * The [files] account (documents on the team share) still answers the
 * `status` verb; the tab shows the editor (editor.c, drawn by view.c).
 * A one-second timer keeps the crash-recovery journal (recover.c) at most
 * a second behind the text; Ctrl-F finds (find.c) on the view's last line.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "i18n/i18n.h"
#include "modules/account.h"
#include "modules/docs/buffer.h"
#include "modules/docs/editor.h"
#include "modules/docs/find.h"
#include "modules/docs/recover.h"
#include "store/store.h"
#include "tui/tui.h"

#define JOURNAL_MS 1000
#define NOTICE_MS 3000 /* a notice stays at least this long */

struct docs {
	const struct module_env *env;
	struct account *acct;
	struct editor *ed;
	int numbers; /* line numbers shown */
	int pasting; /* between UI_KEY_PASTE_BEGIN and _END */
	struct doc_recover rec;
	int timer;
	int untitled_checked; /* looked for an untitled buffer's journal */
	int told_no_store;
	int told_failed;
	struct doc_find find;
	int finding;
	char notice[600]; /* a note on the view's last line, or empty */
	int notice_warn;
	int64_t notice_at;
	char line[700];   /* the bottom line as drawn */
};

/* The store's cache, when the store is unlocked (it may be later than
 * init, so asked each time). */
static sqlite3 *docs_db(struct docs *d)
{
	return d->env->store ? store_cache(d->env->store) : NULL;
}

static void notice(struct docs *d, const char *text, int warn)
{
	snprintf(d->notice, sizeof d->notice, "%s", text);
	d->notice_warn = warn;
	d->notice_at = loop_now_ms();
	if (d->env->redraw)
		d->env->redraw(d->env->host);
}

/* Write the journal if the text changed; say once if it cannot be. */
static void journal(struct docs *d)
{
	sqlite3 *db = docs_db(d);
	struct err e;

	if (db == NULL) {
		if (editor_modified(d->ed) && !d->told_no_store) {
			d->told_no_store = 1;
			notice(d, tr("docs.no_journal"), 1);
		}
		return;
	}
	err_clear(&e);
	if (doc_recover_tick(&d->rec, db, d->ed, &e) != 0 && !d->told_failed) {
		char t[700];

		d->told_failed = 1;
		notice(d, trf(t, sizeof t, "docs.journal_failed", TR_S(e.msg)), 1);
	}
}

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
	journal(d);
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
	journal(d);
	if (d->timer > 0)
		loop_del_timer(d->env->loop, d->timer);
	if (d->finding)
		doc_find_end(&d->find);
	doc_recover_free(&d->rec);
	editor_free(d->ed);
	account_free(d->acct);
	free(d);
}

static void docs_draw(void *state, struct ui_area *area)
{
	struct docs *d = state;
	struct docs_view_line bottom = { NULL, 0, 0 };

	if (d->finding) {
		const struct doc_find *f = &d->find;
		char n[32], m[32];

		if (f->needle.len == 0) {
			snprintf(d->line, sizeof d->line, "%s", tr("docs.find"));
		} else if (!f->found) {
			snprintf(d->line, sizeof d->line, "%s", tr("docs.find.none"));
		} else {
			if (f->index)
				snprintf(n, sizeof n, "%zu", f->index);
			else
				snprintf(n, sizeof n, "%d+", DOC_FIND_COUNT_CAP);
			snprintf(m, sizeof m, "%zu%s", f->count, f->capped ? "+" : "");
			trf(d->line, sizeof d->line, "docs.find.count", TR_S(n), TR_S(m));
		}
		/* The needle is drawn inert by ui_put, like any text. */
		snprintf(d->line + strlen(d->line), sizeof d->line - strlen(d->line), "%.*s",
			 (int)f->needle.len, f->needle.len ? f->needle.data : "");
		bottom.text = d->line;
		bottom.prompt = 1;
		bottom.warn = f->needle.len && !f->found;
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
	} else if (d->notice[0]) {
		bottom.text = d->notice;
		bottom.warn = d->notice_warn;
	}
	docs_view_draw(d->ed, area, d->numbers, &bottom);
}

static void say(struct docs *d, const char *text)
{
	if (d->env->message)
		d->env->message(d->env->host, text);
}

static void save_key(struct docs *d)
{
	struct err e;
	char t[600];

	err_clear(&e);
	if (editor_save(d->ed, NULL, &e) != 0) {
		say(d, e.msg);
		return;
	}
	doc_recover_keep(&d->rec);
	journal(d); /* deletes the row */
	say(d, trf(t, sizeof t, "docs.saved", TR_S(editor_path(d->ed))));
}

/* A key while the find prompt is open; 0 to close it and let the key act
 * as usual. */
static int find_key(struct docs *d, int key)
{
	char s[8];

	switch (key) {
	case UI_KEY_ESC:
		doc_find_end(&d->find);
		editor_set_mark(d->ed, 0, 0);
		d->finding = 0;
		return 1;
	case UI_KEY_ENTER:
	case UI_KEY_DOWN:
	case UI_CTRL('f'):
		doc_find_step(&d->find, d->ed, 1);
		return 1;
	case UI_KEY_UP:
		doc_find_step(&d->find, d->ed, 0);
		return 1;
	case UI_KEY_BACKSPACE:
		doc_find_backspace(&d->find, d->ed);
		return 1;
	}
	if (key >= 0x20 && key < UI_KEY_BASE && key != 0x7f) {
		size_t n = utf8_encode((unsigned)key, s);

		doc_find_type(&d->find, d->ed, s, n);
		return 1;
	}
	if (key == UI_KEY_NONE || key == UI_KEY_RESIZE || key == UI_KEY_MOUSE ||
	    key == UI_KEY_PASTE_BEGIN || key == UI_KEY_PASTE_END)
		return 1;
	doc_find_end(&d->find);
	editor_set_mark(d->ed, 0, 0);
	d->finding = 0;
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

static int docs_key(void *state, int key)
{
	struct docs *d = state;
	struct editor *ed = d->ed;

	if (d->notice[0] && loop_now_ms() - d->notice_at > NOTICE_MS)
		d->notice[0] = '\0';
	if (d->finding && !d->pasting && find_key(d, key))
		return 1;
	if (key == UI_KEY_PASTE_BEGIN) {
		editor_paste_begin(ed);
		d->pasting = 1;
		return 1;
	}
	if (key == UI_KEY_PASTE_END) {
		editor_paste_end(ed);
		d->pasting = 0;
		return 1;
	}
	if (d->pasting) {
		/* Everything pasted is text, control characters included. */
		if (key != UI_KEY_NONE && key != UI_KEY_RESIZE && key != UI_KEY_MOUSE)
			insert_key(d, key);
		return 1;
	}
	switch (key) {
	case UI_KEY_LEFT: editor_move(ed, ED_LEFT); return 1;
	case UI_KEY_RIGHT: editor_move(ed, ED_RIGHT); return 1;
	case UI_KEY_UP: editor_move(ed, ED_UP); return 1;
	case UI_KEY_DOWN: editor_move(ed, ED_DOWN); return 1;
	case UI_KEY_HOME: editor_move(ed, ED_HOME); return 1;
	case UI_KEY_END: editor_move(ed, ED_END); return 1;
	case UI_KEY_PGUP: editor_move(ed, ED_PGUP); return 1;
	case UI_KEY_PGDN: editor_move(ed, ED_PGDN); return 1;
	case UI_KEY_HOME | UI_MOD_ALT:
	case '<' | UI_MOD_ALT: editor_move(ed, ED_TOP); return 1;
	case UI_KEY_END | UI_MOD_ALT:
	case '>' | UI_MOD_ALT: editor_move(ed, ED_BOTTOM); return 1;
	case 'b' | UI_MOD_ALT: editor_move(ed, ED_WORD_LEFT); return 1;
	case 'f' | UI_MOD_ALT: editor_move(ed, ED_WORD_RIGHT); return 1;
	case UI_KEY_BACKSPACE: editor_backspace(ed); return 1;
	case UI_KEY_DELETE: editor_delete(ed); return 1;
	case UI_KEY_ENTER: editor_insert(ed, "\n", 1); return 1;
	case UI_KEY_TAB: editor_insert(ed, "\t", 1); return 1;
	case UI_CTRL('s'): save_key(d); return 1;
	case UI_CTRL('f'):
		doc_find_begin(&d->find, ed);
		d->finding = 1;
		return 1;
	case UI_CTRL('k'):
	case UI_CTRL('d'):
		if (!d->rec.offered)
			return 0;
		recover_answer(d, key == UI_CTRL('k'));
		return 1;
	case UI_CTRL('z'):
		if (editor_undo(ed) != 0)
			say(d, tr("docs.nothing_undo"));
		return 1;
	case UI_CTRL('y'):
		if (editor_redo(ed) != 0)
			say(d, tr("docs.nothing_redo"));
		return 1;
	}
	/* Plain Esc is the shell's (Esc 3 switches tabs); Ctrl-letters we do
	 * not bind are left alone. */
	if (key == UI_KEY_ESC || (key >= 0 && key < 0x20) || key == 0x7f)
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

static int cmd_open(struct docs *d, struct cmd_ctx *ctx, const char *path)
{
	char t[600];
	int rc;

	if (editor_modified(d->ed)) {
		const char *name = editor_path(d->ed) ? editor_path(d->ed) : tr("docs.untitled");

		trf(t, sizeof t, "docs.confirm_discard", TR_S(name));
		if (ctx->confirm == NULL || ctx->confirm(t) != 1)
			return err_set(ctx->err, E_CANCELLED, "%s", tr("docs.kept"));
	}
	rc = editor_open(d->ed, path, ctx->err);
	if (rc != 0)
		return rc;
	if (d->finding) {
		doc_find_end(&d->find);
		d->finding = 0;
	}
	/* The text we journalled (if any) was given up with the old buffer. */
	doc_recover_forget(&d->rec, docs_db(d));
	d->rec.seen = editor_changes(d->ed);
	if (docs_db(d) == NULL)
		d->told_no_store = 0; /* say it again for this file */
	else if (doc_recover_offer(&d->rec, docs_db(d), d->ed, ctx->err) < 0)
		notice(d, ctx->err->msg, 1);
	fprintf(ctx->out, "%s\n",
		trf(t, sizeof t, doc_buf_is_new(editor_buf(d->ed)) ? "docs.new_file" : "docs.opened",
		    TR_S(path)));
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
	    strcmp(verb, "w") == 0 || strcmp(verb, "numbers") == 0 || strcmp(verb, "wrap") == 0) {
		if (!ctx->interactive)
			return err_set(ctx->err, E_USAGE, "%s",
				       trf(t, sizeof t, "docs.err.needs_screen", TR_S(verb)));
	}
	if (strcmp(verb, "open") == 0 || strcmp(verb, "e") == 0) {
		if (argc != 2)
			return usage(ctx, "docs open FILE");
		return cmd_open(d, ctx, argv[1]);
	}
	if (strcmp(verb, "save") == 0 || strcmp(verb, "w") == 0) {
		int rc;

		if (argc > 2)
			return usage(ctx, "docs save [FILE]");
		rc = editor_save(d->ed, argc == 2 ? argv[1] : NULL, ctx->err);
		if (rc != 0)
			return rc;
		doc_recover_keep(&d->rec);
		journal(d);
		fprintf(ctx->out, "%s\n", trf(t, sizeof t, "docs.saved", TR_S(editor_path(d->ed))));
		return 0;
	}
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
	return usage(ctx, "atrium docs status");
}

static void docs_status(void *state, struct module_status *st)
{
	struct docs *d = state;

	account_mod_status(d->acct, st);
}

static const struct module_verb docs_verbs[] = {
	{ "status", "", "verb.status" },
	{ "open", "FILE", "verb.docs.open" },
	{ "e", "FILE", "verb.docs.open" },
	{ "save", "[FILE]", "verb.docs.save" },
	{ "w", "[FILE]", "verb.docs.save" },
	{ "numbers", "", "verb.docs.numbers" },
	{ "wrap", "", "verb.docs.wrap" },
	{ NULL, NULL, NULL },
};

static const struct module_key docs_keys[] = {
	{ "Left / Right / Up / Down", "key.docs.move" },
	{ "M-b / M-f", "key.docs.word" },
	{ "Home / End", "key.docs.line" },
	{ "PgUp / PgDn", "key.docs.page" },
	{ "M-< / M->", "key.docs.text" },
	{ "Backspace / Delete", "key.docs.delete" },
	{ "C-s", "key.docs.save" },
	{ "C-z", "key.docs.undo" },
	{ "C-y", "key.docs.redo" },
	{ "C-f", "key.docs.find" },
	{ "C-k / C-d", "key.docs.recover" },
	{ NULL, NULL },
};

static int docs_unsaved(void *state)
{
	struct docs *d = state;

	return editor_modified(d->ed);
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
	.verbs = docs_verbs,
	.keys = docs_keys,
};
