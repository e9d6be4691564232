/*
 * sheets.c - the sheets module: the spreadsheet. The tab shows the grid
 * (grid.c), an empty untitled sheet until a file is opened; keys here map
 * to the grid. The [files] account (workbooks on the team share) still
 * answers `status`; the file verbs (convert, get, set) and the grid's
 * (open, save, goto, sheet, width, format, ...) are in cmd.c.
 *
 * Nothing here may freeze the screen: opening a file reads it on a worker
 * thread (load.c) while the old sheet stays on screen, and a change that
 * sets off a long recalculation finishes it in slices on a loop timer;
 * both show their progress in the status line, and Esc cancels them.
 *
 * Workbooks of the team share ("share:/budget/2026.xlsx") come and go
 * through the share's own thread (files.h): the bytes fetched are handed
 * to the same loader in memory (sheet_mem_give), and saving writes the
 * file into memory and gives it to files_async_put, which queues it in the
 * encrypted outbox. No readable copy reaches the disk.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "i18n/i18n.h"
#include "modules/account.h"
#include "modules/sheets/grid.h"
#include "modules/sheets/io.h"
#include "tui/tui.h"
#ifdef MOD_FILES
#include "modules/files/files.h"
#endif

enum {
	SKEY_PREV_SHEET,
	SKEY_NEXT_SHEET,
	SKEY_AUTOFIT,
	SKEY_WIDER,
	SKEY_NARROWER,
	SKEY_COPY, /* the editing operations' keys (ops_key) from here */
	SKEY_CUT,
	SKEY_PASTE,
	SKEY_FILL_DOWN,
	SKEY_FILL_RIGHT,
	SKEY_MARK,
	SKEY_INS_ROWS,
	SKEY_DEL_ROWS,
	SKEY_INS_COLS,
	SKEY_DEL_COLS,
	SKEY_FIND_NEXT,
	SKEY_FIND_PREV,
	SKEY_COUNT,
};

struct sheets {
	const struct module_env *env;
	struct account *acct;
	struct grid *grid;
	int pasting; /* between UI_KEY_PASTE_BEGIN and _END */
	struct sheet_load *load; /* a file being read, or NULL */
	int timer;               /* the loop timer while busy; 0 none */
	int pct;                 /* of the recalculation under way */
	int keys[SKEY_COUNT][3]; /* the tab's remappable keys */
	char *fetching;          /* a share path being fetched, or NULL */
	int putting;             /* uploads to the share not answered yet */
	/* Loading the server's merge of what was saved: where the cursor
	 * was, to stay there. */
	int reload, reload_sheet;
	uint32_t reload_row, reload_col;
};

/* The tab's state for the share's callbacks, which may come after the
 * module is gone (one sheets tab per process). */
static struct sheets *live;

static void share_batch_io(const struct module_env *env);

/* Keys of the tab that [keys] can rebind as "sheets.NAME = KEYS". Ctrl-
 * PgUp/PgDn as LibreOffice; Alt-PgUp/PgDn (or Esc then PgUp/PgDn) where
 * the terminal sends no Ctrl-PgUp. */
static const struct {
	const char *name;
	int keys[3];
} skey_defaults[SKEY_COUNT] = {
	[SKEY_PREV_SHEET] = { "prev-sheet",
			      { UI_KEY_PGUP | UI_MOD_CTRL, UI_KEY_PGUP | UI_MOD_ALT } },
	[SKEY_NEXT_SHEET] = { "next-sheet",
			      { UI_KEY_PGDN | UI_MOD_CTRL, UI_KEY_PGDN | UI_MOD_ALT } },
	[SKEY_AUTOFIT] = { "autofit", { 'w' | UI_MOD_ALT } },
	[SKEY_WIDER] = { "wider", { '>' | UI_MOD_ALT } },
	[SKEY_NARROWER] = { "narrower", { '<' | UI_MOD_ALT } },
	/* Excel's keys where the terminal has them; F8 is Excel's "extend
	 * selection", for terminals without Shift+arrows. */
	[SKEY_COPY] = { "copy", { UI_CTRL('c') } },
	[SKEY_CUT] = { "cut", { UI_CTRL('x') } },
	[SKEY_PASTE] = { "paste", { UI_CTRL('v') } },
	[SKEY_FILL_DOWN] = { "fill-down", { UI_CTRL('d') } },
	[SKEY_FILL_RIGHT] = { "fill-right", { UI_CTRL('r') } },
	[SKEY_MARK] = { "mark", { UI_KEY_F1 + 7 } },
	[SKEY_INS_ROWS] = { "insert-rows", { 'i' | UI_MOD_ALT } },
	[SKEY_DEL_ROWS] = { "delete-rows", { 'd' | UI_MOD_ALT } },
	[SKEY_INS_COLS] = { "insert-columns", { 'I' | UI_MOD_ALT } },
	[SKEY_DEL_COLS] = { "delete-columns", { 'D' | UI_MOD_ALT } },
	[SKEY_FIND_NEXT] = { "find-next", { UI_KEY_F1 + 2 } },
	[SKEY_FIND_PREV] = { "find-previous", { (UI_KEY_F1 + 2) | UI_MOD_ALT } },
};

static void keys_load(struct sheets *s)
{
	char name[64];

	for (int i = 0; i < SKEY_COUNT; i++) {
		const char *v;

		memcpy(s->keys[i], skey_defaults[i].keys, sizeof s->keys[i]);
		snprintf(name, sizeof name, "sheets.%s", skey_defaults[i].name);
		v = s->env->conf ? conf_get(s->env->conf, "keys", name) : NULL;
		if (v == NULL)
			continue;
		/* The shell checked the syntax at start (tui_keys_check). */
		memset(s->keys[i], 0, sizeof s->keys[i]);
		char *copy = xstrdup(v), *save = NULL, *tok;
		int n = 0;

		for (tok = strtok_r(copy, ", ", &save); tok && n < 3; tok = strtok_r(NULL, ", ", &save))
			if (ui_key_parse(tok) >= 0)
				s->keys[i][n++] = ui_key_parse(tok);
		free(copy);
	}
}

/* The names [keys] may bind as "sheets.NAME" (the shell refuses others). */
static int sheets_key_action(const char *name)
{
	for (int i = 0; i < SKEY_COUNT; i++)
		if (strcmp(skey_defaults[i].name, name) == 0)
			return 1;
	return 0;
}

static int skey(const struct sheets *s, int key)
{
	for (int i = 0; i < SKEY_COUNT; i++)
		for (int k = 0; k < 3; k++)
			if (s->keys[i][k] != 0 && s->keys[i][k] == key)
				return i;
	return -1;
}

static const struct account sheets_account = {
	.module = "sheets",
	.section = "files",
	.title_key = "tab.sheets",
	.required = "url",
	.who_keys = { "user" },
	.server_keys = { "url" },
};

static int sheets_init(const struct module_env *env, void **state)
{
	struct sheets *s = xcalloc(1, sizeof *s);

	s->env = env;
	s->acct = account_new(env, &sheets_account);
	s->grid = grid_new();
	keys_load(s);
	share_batch_io(env);
	live = s;
	*state = s;
	return 0;
}

static void sheets_free(void *state)
{
	struct sheets *s = state;

	if (s == NULL)
		return;
	if (live == s)
		live = NULL;
	free(s->fetching);
	if (s->load) {
		struct sheet_file f;
		struct err e;

		sheet_load_cancel(s->load);
		if (sheet_load_finish(s->load, &f, &e) == 0)
			sheet_file_free(&f);
	}
	if (s->timer && s->env->loop)
		loop_del_timer(s->env->loop, s->timer);
	grid_free(s->grid);
	account_free(s->acct);
	free(s);
}

static void sheets_draw(void *state, struct ui_area *area)
{
	struct sheets *s = state;

	grid_draw(s->grid, area);
}

static void say(struct sheets *s, const char *text)
{
	if (s->env->message)
		s->env->message(s->env->host, text);
}

static void redraw(struct sheets *s)
{
	if (s->env->redraw)
		s->env->redraw(s->env->host);
}

static void tick(void *arg);

/* Keep the timer running while a file loads or a recalculation is queued. */
static void busy_check(struct sheets *s)
{
	int busy = s->load != NULL || grid_recalc_pending(s->grid);

	if (busy && !s->timer && s->env->loop)
		s->timer = loop_add_timer(s->env->loop, 20, 1, tick, s);
	else if (!busy && s->timer) {
		loop_del_timer(s->env->loop, s->timer);
		s->timer = 0;
	}
}

/* A slice of recalculation and a redraw for the progress. */
static void tick(void *arg)
{
	struct sheets *s = arg;

	if (grid_recalc_pending(s->grid))
		grid_recalc_run(s->grid, 40, &s->pct);
	redraw(s);
	busy_check(s);
}

static void load_done(void *arg)
{
	struct sheets *s = arg;
	struct sheet_file f;
	struct err e;
	char t[700], *path;

	if (s->load == NULL)
		return;
	path = xstrdup(sheet_load_path(s->load));
	err_clear(&e);
	sheet_mem_drop(path); /* a share file the loader did not read */
	if (sheet_load_finish(s->load, &f, &e) == 0) {
		grid_replace(s->grid, &f, path);
		sheet_file_free(&f);
		if (s->reload) {
			grid_set_sheet(s->grid, s->reload_sheet);
			grid_goto(s->grid, s->reload_row, s->reload_col);
			say(s, trf(t, sizeof t, "sheets.share_merged", TR_S(path)));
		} else {
			say(s, trf(t, sizeof t, "sheets.opened", TR_S(path)));
		}
	} else if (e.code == E_CANCELLED) {
		say(s, tr("sheets.load_cancelled"));
	} else {
		say(s, e.msg);
	}
	s->load = NULL;
	s->reload = 0;
	free(path);
	busy_check(s);
	redraw(s);
}

/* ---- the team share ---------------------------------------------------------- */

#ifdef MOD_FILES
/* The share's answer to opening: the bytes go to the loader in memory. */
static void share_got(void *arg, struct files_result *r)
{
	struct sheets *s = live;
	char *path = arg, t[900];
	struct err e;

	/* Gone, cancelled with Esc, or another open since: not wanted. */
	if (s == NULL || s->fetching == NULL || strcmp(s->fetching, path) != 0) {
		free(path);
		return;
	}
	free(s->fetching);
	s->fetching = NULL;
	err_clear(&e);
	if (r->rc != 0) {
		say(s, trf(t, sizeof t, "sheets.share_get_failed", TR_S(path),
			   TR_S(r->e && r->e->msg[0] ? r->e->msg : err_name(r->rc))));
	} else {
		sheet_mem_give(path, r->data);
		if (sheet_load_start(path, s->env->loop, load_done, s, &s->load, &e) != 0) {
			sheet_mem_drop(path);
			say(s, e.msg);
		}
	}
	free(path);
	busy_check(s);
	redraw(s);
}

/* An upload under way: the path and the bytes sent, to see whether the
 * server's copy came out of a merge with changes made elsewhere. */
struct share_put {
	char *path;
	struct buf sent;
};

static void share_put_free(struct share_put *p)
{
	if (p->sent.data)
		memset(p->sent.data, 0, p->sent.len);
	buf_free(&p->sent);
	free(p->path);
	free(p);
}

static struct files_worker *share_worker(struct sheets *s, struct err *e);

/* The server's copy after a save. The share merged the workbook cell by
 * cell when it had changed there too: the grid must show the merge, or
 * the next save would take the other side's changes back. Loaded like an
 * opening, the cursor kept; when cells changed since the save, the user
 * is told to open it again instead. */
static void share_after_put(void *arg, struct files_result *r)
{
	struct share_put *p = arg;
	struct sheets *s = live;
	struct err e;
	char t[900];

	if (s == NULL || r->rc != 0 || r->data == NULL ||
	    (r->data->len == p->sent.len &&
	     (p->sent.len == 0 || memcmp(r->data->data, p->sent.data, p->sent.len) == 0)) ||
	    grid_path(s->grid) == NULL || strcmp(grid_path(s->grid), p->path) != 0) {
		share_put_free(p);
		return;
	}
	if (grid_modified(s->grid) || s->load || s->fetching) {
		say(s, trf(t, sizeof t, "sheets.share_merged_reopen", TR_S(p->path)));
		share_put_free(p);
		return;
	}
	err_clear(&e);
	s->reload = 1;
	s->reload_sheet = grid_sheet(s->grid);
	grid_cursor(s->grid, &s->reload_row, &s->reload_col);
	sheet_mem_give(p->path, r->data);
	if (sheet_load_start(p->path, s->env->loop, load_done, s, &s->load, &e) != 0) {
		sheet_mem_drop(p->path);
		s->reload = 0;
		say(s, e.msg);
	}
	share_put_free(p);
	busy_check(s);
	redraw(s);
}

/* The share's answer to saving. The grid was marked saved when the upload
 * was handed over; a refusal marks it changed again. */
static void share_put_done(void *arg, struct files_result *r)
{
	struct share_put *p = arg;
	struct sheets *s = live;
	const char *path = p->path, *msg = r->e && r->e->msg[0] ? r->e->msg : err_name(r->rc);
	struct files_worker *w;
	struct err e;
	char t[900];

	if (s == NULL) {
		share_put_free(p);
		return;
	}
	s->putting--;
	if (r->rc == 0) {
		say(s, trf(t, sizeof t, "sheets.saved", TR_S(path)));
		/* uploaded: see whether it was merged (share_after_put) */
		if ((w = share_worker(s, &e)) != NULL) {
			files_async_get(w, path + strlen(SHEET_SHARE_PREFIX), share_after_put, p);
			p = NULL;
		}
	} else if (r->rc == E_QUEUED) {
		say(s, trf(t, sizeof t, "sheets.share_queued", TR_S(path)));
	} else if (r->rc == E_CONFLICT) {
		say(s, trf(t, sizeof t, "sheets.share_conflict", TR_S(path)));
	} else {
		if (grid_path(s->grid) && strcmp(grid_path(s->grid), path) == 0)
			grid_set_modified(s->grid);
		say(s, trf(t, sizeof t, "sheets.share_put_failed", TR_S(path), TR_S(msg)));
	}
	if (p)
		share_put_free(p);
	redraw(s);
}

static struct files_worker *share_worker(struct sheets *s, struct err *e)
{
	struct files_worker *w;

	err_clear(e);
	if (s->env->conf == NULL || !conf_get(s->env->conf, "files", "url")) {
		err_set(e, E_NOTFOUND, "%s", tr("sheets.share_unset"));
		return NULL;
	}
	w = files_shared(s->env, e);
	if (w == NULL && e->msg[0] == '\0')
		err_set(e, E_NOTFOUND, "%s", tr("sheets.share_unset"));
	return w;
}
#endif

/* Fetch a share path on the share's thread, then load it (share_got). */
static int open_share(struct sheets *s, struct cmd_ctx *ctx, const char *path)
{
#ifdef MOD_FILES
	struct files_worker *w = share_worker(s, ctx->err);
	char t[600];

	if (w == NULL)
		return ctx->err->code ? ctx->err->code : E_NOTFOUND;
	s->fetching = xstrdup(path);
	files_async_get(w, path + strlen(SHEET_SHARE_PREFIX), share_got, xstrdup(path));
	fprintf(ctx->out, "%s\n", trf(t, sizeof t, "sheets.share_opening", TR_S(path)));
	return 0;
#else
	return err_tr(ctx->err, E_USAGE, "err.sheets.share_none", TR_S(path));
#endif
}

/* Write the grid's file into memory and hand it to the share's thread. */
static int save_share(struct sheets *s, const char *path, int as_new, struct err *e)
{
#ifdef MOD_FILES
	struct files_worker *w = share_worker(s, e);
	struct buf b;
	int rc;

	if (w == NULL)
		return e->code ? e->code : E_NOTFOUND;
	buf_init(&b);
	rc = sheet_path_bytes(path, grid_file(s->grid), as_new, &b, e);
	if (rc == 0) {
		struct share_put *p = xcalloc(1, sizeof *p);

		p->path = xstrdup(path);
		p->sent = b;
		buf_init(&b);
		files_async_put(w, path + strlen(SHEET_SHARE_PREFIX),
				p->sent.data ? p->sent.data : "", p->sent.len, 0, share_put_done, p);
		grid_saved(s->grid, path);
		s->putting++;
	}
	if (b.data)
		memset(b.data, 0, b.len);
	buf_free(&b);
	return rc;
#else
	(void)s;
	(void)as_new;
	return err_tr(e, E_USAGE, "err.sheets.share_none", TR_S(path));
#endif
}

/* ":sheets save [FILE]" when the file is on the share: 1 when it was
 * (*rc set), 0 for a local file (cmd.c saves it). */
static int save_verb_share(struct sheets *s, struct cmd_ctx *ctx, int argc, char **argv, int *rc)
{
	const char *cur = grid_path(s->grid);
	char *target, t[600];
	int as_new;

	if (argc > 2)
		return 0;
	target = argc == 2 ? sheet_share_resolve(s->env->conf, argv[1]) : (cur ? xstrdup(cur) : NULL);
	if (target == NULL || !sheet_share_path(target)) {
		free(target);
		return 0;
	}
	as_new = argc == 2 && (cur == NULL || strcmp(target, cur) != 0);
	if (grid_editing(s->grid))
		grid_edit_cancel(s->grid);
	*rc = save_share(s, target, as_new, ctx->err);
	if (*rc == 0)
		fprintf(ctx->out, "%s\n", trf(t, sizeof t, "sheets.share_saving", TR_S(target)));
	free(target);
	return 1;
}

#ifdef MOD_FILES
/* Batch verbs (get, set, convert) reach the share through the blocking
 * calls, which run the loop themselves in batch mode. */
static const struct module_env *batch_env;

static int batch_share_get(const char *path, struct buf *out, struct err *e)
{
	struct files *f;
	int rc;

	if (batch_env == NULL || !batch_env->batch)
		return err_tr(e, E_USAGE, "err.sheets.share_screen", TR_S(path));
	if ((rc = files_open(batch_env, &f, e)) != 0)
		return rc;
	rc = files_get(f, path, out, NULL, e);
	files_close(f);
	return rc;
}

static int batch_share_put(const char *path, const void *data, size_t len, struct err *e)
{
	struct files *f;
	char t[900];
	int rc;

	if (batch_env == NULL || !batch_env->batch)
		return err_tr(e, E_USAGE, "err.sheets.share_screen", TR_S(path));
	if ((rc = files_open(batch_env, &f, e)) != 0)
		return rc;
	rc = files_put(f, path, data, len, 0, NULL, NULL, e);
	files_close(f);
	if (rc == E_QUEUED || rc == E_CONFLICT) {
		trf(t, sizeof t, rc == E_QUEUED ? "sheets.share_queued" : "sheets.share_conflict",
		    TR_S(path));
		if (batch_env->message)
			batch_env->message(batch_env->host, t);
		err_clear(e);
		rc = 0;
	}
	return rc;
}

static const struct sheet_share_io batch_io = { batch_share_get, batch_share_put };
#endif

static void share_batch_io(const struct module_env *env)
{
#ifdef MOD_FILES
	batch_env = env;
	sheet_share_set_io(&batch_io);
#else
	(void)env;
#endif
}

/* Open a file in the background (the ':sheets open' of the screen). */
static int open_async(struct sheets *s, struct cmd_ctx *ctx, int argc, char **argv)
{
	struct grid *g = s->grid;
	char t[600], *path;
	int rc;

	if (argc != 2)
		return err_set(ctx->err, E_USAGE, "%s",
			       trf(t, sizeof t, "err.usage", TR_S("sheets open FILE")));
	if (s->load || s->fetching)
		return err_set(ctx->err, E_USAGE, "%s", tr("sheets.err.loading"));
	if (grid_modified(g)) {
		const char *name = grid_path(g) ? grid_path(g) : tr("sheets.untitled");

		trf(t, sizeof t, "sheets.confirm_discard", TR_S(name));
		if (ctx->confirm == NULL || ctx->confirm(t) != 1)
			return err_set(ctx->err, E_CANCELLED, "%s", tr("sheets.kept"));
	}
	path = sheet_share_resolve(s->env->conf, argv[1]);
	if (sheet_share_path(path)) {
		rc = open_share(s, ctx, path);
		free(path);
		return rc;
	}
	free(path);
	rc = sheet_load_start(argv[1], s->env->loop, load_done, s, &s->load, ctx->err);
	if (rc != 0)
		return rc;
	busy_check(s);
	fprintf(ctx->out, "%s\n", trf(t, sizeof t, "sheets.loading_file", TR_S(argv[1])));
	return 0;
}

/* Esc while busy: stop the load (the old sheet stays) or the recalculation
 * (what it did not reach is marked stale). */
static int cancel_busy(struct sheets *s)
{
	char t[300];

	if (s->load) {
		sheet_load_cancel(s->load);
		return 1;
	}
	if (s->fetching) { /* its answer is dropped when it comes */
		free(s->fetching);
		s->fetching = NULL;
		say(s, tr("sheets.load_cancelled"));
		return 1;
	}
	if (grid_recalc_pending(s->grid)) {
		uint32_t n = grid_recalc_cancel(s->grid);

		say(s, trf(t, sizeof t, "sheets.recalc_cancelled", TR_N(n)));
		busy_check(s);
		return 1;
	}
	return 0;
}

/* Commit what is being entered; a formula that does not parse is said and
 * entering goes on. Returns 0 when committed. */
static int commit(struct sheets *s)
{
	struct err pe;
	uint32_t row, col;
	char addr[24], name[8], t[700];
	int rc;

	err_clear(&pe);
	rc = grid_edit_commit(s->grid, &pe);
	if (rc != 0) {
		grid_cursor(s->grid, &row, &col);
		sheet_col_name(col, name, sizeof name);
		snprintf(addr, sizeof addr, "%s%u", name, (unsigned)row + 1);
		say(s, trf(t, sizeof t, "err.sheets.formula", TR_S(addr), TR_S(pe.msg)));
	}
	return rc;
}

static void save_key(struct sheets *s)
{
	const char *path = grid_path(s->grid);
	struct err e;
	char t[600];

	if (path == NULL) {
		say(s, tr("sheets.err.no_name"));
		return;
	}
	err_clear(&e);
	if (sheet_share_path(path)) {
		char *p = xstrdup(path); /* save_share may rename the grid */

		if (save_share(s, p, 0, &e) != 0)
			say(s, e.msg);
		else
			say(s, trf(t, sizeof t, "sheets.share_saving", TR_S(p)));
		free(p);
		return;
	}
	if (sheet_path_save(path, grid_file(s->grid), 0, &e) != 0) {
		say(s, e.msg);
		return;
	}
	grid_saved(s->grid, path);
	say(s, trf(t, sizeof t, "sheets.saved", TR_S(path)));
}

/* A printable key as text for the cell being entered. */
static int type_key(struct sheets *s, int key)
{
	char u[8];

	if (key < 0x20 || key == 0x7f || key >= UI_KEY_BASE)
		return 0;
	if (key >= 0x80 && key < 0xa0)
		return 0;
	grid_edit_insert(s->grid, u, utf8_encode((unsigned)key, u));
	return 1;
}

static int key_editing(struct sheets *s, int key)
{
	struct grid *g = s->grid;

	switch (key) {
	case UI_KEY_ESC: grid_edit_cancel(g); return 1;
	case UI_KEY_BACKSPACE: grid_edit_backspace(g); return 1;
	case UI_KEY_ENTER:
		if (commit(s) == 0)
			grid_move(g, GRID_DOWN);
		return 1;
	case UI_KEY_TAB:
		if (commit(s) == 0)
			grid_move(g, GRID_RIGHT);
		return 1;
	case UI_KEY_BTAB:
		if (commit(s) == 0)
			grid_move(g, GRID_LEFT);
		return 1;
	/* Arrows commit and move, as in Excel's Enter mode. */
	case UI_KEY_UP:
		if (commit(s) == 0)
			grid_move(g, GRID_UP);
		return 1;
	case UI_KEY_DOWN:
		if (commit(s) == 0)
			grid_move(g, GRID_DOWN);
		return 1;
	case UI_KEY_LEFT:
		if (commit(s) == 0)
			grid_move(g, GRID_LEFT);
		return 1;
	case UI_KEY_RIGHT:
		if (commit(s) == 0)
			grid_move(g, GRID_RIGHT);
		return 1;
	case UI_CTRL('s'):
		if (commit(s) == 0)
			save_key(s);
		return 1;
	case UI_CTRL('z'): grid_edit_cancel(g); return 1;
	}
	if (key & UI_MOD_ALT)
		return 0; /* Alt-digits switch tabs */
	return type_key(s, key) || (key < 0x20 && key != UI_KEY_NONE) || key == 0x7f;
}

static int key_grid(struct sheets *s, int key);
static int ops_key(struct sheets *s, int key);
static int ops_command(struct sheets *s, struct cmd_ctx *ctx, int argc, char **argv);
static int ops_verb(const char *verb);

static int sheets_key(void *state, int key)
{
	struct sheets *s = state;
	int rc = key_grid(s, key);

	busy_check(s);
	return rc;
}

static void sheet_key(struct sheets *s, int k)
{
	struct grid *g = s->grid;
	uint32_t row, col;

	grid_cursor(g, &row, &col);
	switch (k) {
	case SKEY_PREV_SHEET: grid_set_sheet(g, grid_sheet(g) - 1); break;
	case SKEY_NEXT_SHEET: grid_set_sheet(g, grid_sheet(g) + 1); break;
	case SKEY_AUTOFIT: grid_autofit(g, col); break;
	case SKEY_WIDER: grid_set_col_width(g, col, grid_col_width(g, col) + 1); break;
	case SKEY_NARROWER:
		if (grid_col_width(g, col) > 1)
			grid_set_col_width(g, col, grid_col_width(g, col) - 1);
		break;
	}
}

static int key_grid(struct sheets *s, int key)
{
	struct grid *g = s->grid;
	int k;

	if (key == UI_KEY_PASTE_BEGIN || key == UI_KEY_PASTE_END) {
		s->pasting = key == UI_KEY_PASTE_BEGIN;
		return 1;
	}
	if (s->pasting) {
		/* Pasted text goes into the cell; line ends and controls do not. */
		type_key(s, key & ~UI_MOD_ALT);
		return 1;
	}
	if (grid_editing(g))
		return key_editing(s, key);
	if (key == UI_KEY_ESC && cancel_busy(s))
		return 1;
	if (ops_key(s, key))
		return 1;
	if ((k = skey(s, key)) >= 0) {
		sheet_key(s, k);
		return 1;
	}
	switch (key) {
	case UI_KEY_UP: grid_move(g, GRID_UP); return 1;
	case UI_KEY_DOWN:
	case UI_KEY_ENTER: grid_move(g, GRID_DOWN); return 1;
	case UI_KEY_LEFT:
	case UI_KEY_BTAB: grid_move(g, GRID_LEFT); return 1;
	case UI_KEY_RIGHT:
	case UI_KEY_TAB: grid_move(g, GRID_RIGHT); return 1;
	case UI_KEY_PGUP: grid_move(g, GRID_PGUP); return 1;
	case UI_KEY_PGDN: grid_move(g, GRID_PGDN); return 1;
	case UI_KEY_HOME: grid_move(g, GRID_HOME); return 1;
	case UI_KEY_F1 + 1: grid_edit_begin(g, 1); return 1;
	case UI_KEY_DELETE:
	case UI_KEY_BACKSPACE: grid_clear_cell(g); return 1;
	case UI_CTRL('s'): save_key(s); return 1;
	case UI_CTRL('z'):
		if (grid_undo(g) != 0)
			say(s, tr("sheets.nothing_undo"));
		return 1;
	case UI_CTRL('y'):
		if (grid_redo(g) != 0)
			say(s, tr("sheets.nothing_redo"));
		return 1;
	}
	if (key & UI_MOD_ALT)
		return 0;
	return type_key(s, key);
}

static int sheets_taking_text(void *state)
{
	struct sheets *s = state;

	return grid_editing(s->grid);
}

/* convert, get, set: a file named "/dir/file" with no such local folder is
 * the share's, as on the screen (the first name; convert's output too). */
static int file_verb(struct sheets *s, struct cmd_ctx *ctx, int argc, char **argv)
{
	int names = strcmp(argv[0], "convert") == 0 ? 2 : 1, rc;
	char **av = xcalloc((size_t)argc + 1, sizeof *av);
	char **owned = xcalloc((size_t)argc, sizeof *owned);

	for (int i = 0, pos = 0; i < argc; i++) {
		av[i] = argv[i];
		if (i == 0 || strncmp(argv[i], "--", 2) == 0) {
			if (strcmp(argv[i], "--sheet") == 0 && i + 1 < argc) {
				i++;
				av[i] = argv[i];
			}
			continue;
		}
		if (pos++ < names)
			av[i] = owned[i] = sheet_share_resolve(s->env->conf, argv[i]);
	}
	rc = sheet_cmd(ctx, argc, av);
	for (int i = 0; i < argc; i++)
		free(owned[i]);
	free(owned);
	free(av);
	return rc;
}

static int sheets_command(void *state, struct cmd_ctx *ctx, int argc, char **argv)
{
	struct sheets *s = state;

	if (strcmp(argv[0], "status") == 0)
		return account_mod_command(s->acct, ctx, argc, argv);
	if (strcmp(argv[0], "open") == 0 && ctx->interactive && s->env->loop)
		return open_async(s, ctx, argc, argv);
	if (strcmp(argv[0], "share") == 0) {
		const char *path = grid_path(s->grid);
		char *av[4];

		if (argc != 2 || !ctx->interactive)
			return err_set(ctx->err, E_USAGE, "%s", tr("sheets.share_usage"));
		if (!path || grid_modified(s->grid) || s->load || s->fetching)
			return err_set(ctx->err, E_USAGE, "%s", tr("docs.share_save_first"));
		/* as docs share: a share file by its name, a local one uploaded */
		av[0] = "chat";
		av[1] = strncmp(path, "share:", 6) == 0 ? "send" : "upload";
		av[2] = argv[1];
		av[3] = (char *)path;
		return tui_run_in(4, av) == 0 ? 0
					      : err_set(ctx->err, E_USAGE, "%s", tr("docs.share_no_chat"));
	}
	if ((strcmp(argv[0], "save") == 0 || strcmp(argv[0], "w") == 0) && ctx->interactive) {
		int rc;

		if (save_verb_share(s, ctx, argc, argv, &rc))
			return rc;
	}
	if (ops_verb(argv[0])) {
		int rc = ops_command(s, ctx, argc, argv);

		busy_check(s);
		return rc;
	}
	if (sheet_cmd_is_grid(argv[0])) {
		int rc = sheet_cmd_grid(s->grid, ctx, argc, argv);

		busy_check(s);
		return rc;
	}
	return file_verb(s, ctx, argc, argv);
}

static void sheets_status(void *state, struct module_status *st)
{
	struct sheets *s = state;

	account_mod_status(s->acct, st);
#ifdef MOD_FILES
	files_status(s->env, st, 0);
#endif
	if (s->fetching) {
		trf(st->text, sizeof st->text, "sheets.share_opening", TR_S(s->fetching));
	} else if (s->load) {
		int recalc, pct = sheet_load_progress(s->load, &recalc);

		st->progress = pct;
		trf(st->text, sizeof st->text, recalc ? "sheets.recalculating" : "sheets.loading",
		    TR_N(pct));
	} else if (grid_recalc_pending(s->grid)) {
		st->progress = s->pct;
		trf(st->text, sizeof st->text, "sheets.recalculating", TR_N(s->pct));
	} else if (s->putting > 0 && grid_path(s->grid)) {
		trf(st->text, sizeof st->text, "sheets.share_saving", TR_S(grid_path(s->grid)));
	}
}

static int sheets_unsaved(void *state)
{
	struct sheets *s = state;

	return grid_modified(s->grid) || s->putting > 0;
}

static const struct module_key sheets_keys[] = {
	{ "S-arrows, F8 then arrows", "key.sheets.select" },
	{ "C-c / C-x / C-v", "key.sheets.clipboard" },
	{ "C-d / C-r", "key.sheets.fill" },
	{ "M-i / M-d, M-I / M-D", "key.sheets.rows_cols" },
	{ "F3 / M-F3, n / N after :sheets find", "key.sheets.find_again" },
	{ "C-PgUp / C-PgDn, M-PgUp / M-PgDn", "key.sheets.sheet" },
	{ "M-w", "key.sheets.autofit" },
	{ "M-< / M->", "key.sheets.width" },
	{ "Esc (loading, recalculating)", "key.sheets.cancel_busy" },
	{ "Left / Right / Up / Down", "key.sheets.move" },
	{ "PgUp / PgDn", "key.sheets.page" },
	{ "Home", "key.sheets.home" },
	{ "Enter / Tab / S-Tab", "key.sheets.next" },
	{ "F2", "key.sheets.edit" },
	{ "Esc", "key.sheets.cancel" },
	{ "Delete", "key.sheets.clear" },
	{ "C-s", "key.sheets.save" },
	{ "C-z", "key.sheets.undo" },
	{ "C-y", "key.sheets.redo" },
	{ NULL, NULL },
};

const struct module sheets_module = {
	.name = "sheets",
	.title_key = "tab.sheets",
	.init = sheets_init,
	.free = sheets_free,
	.draw = sheets_draw,
	.key = sheets_key,
	.taking_text = sheets_taking_text,
	.command = sheets_command,
	.status = sheets_status,
	.unsaved = sheets_unsaved,
	.verbs = sheet_verbs,
	.keys = sheets_keys,
	.key_action = sheets_key_action,
};

/* ---- the editing operations: keys and verbs (grid.c, ops.c) ------------------ */

static int arrow_move(int key, enum grid_move *m)
{
	switch (key) {
	case UI_KEY_UP: *m = GRID_UP; return 1;
	case UI_KEY_DOWN: *m = GRID_DOWN; return 1;
	case UI_KEY_LEFT: *m = GRID_LEFT; return 1;
	case UI_KEY_RIGHT: *m = GRID_RIGHT; return 1;
	case UI_KEY_PGUP: *m = GRID_PGUP; return 1;
	case UI_KEY_PGDN: *m = GRID_PGDN; return 1;
	case UI_KEY_HOME: *m = GRID_HOME; return 1;
	}
	return 0;
}

static void find_again(struct sheets *s, int back)
{
	if (grid_find(s->grid, NULL, back) != 0)
		say(s, tr("sheets.find_none"));
}

/* Say an operation's error, if any. */
static void said(struct sheets *s, int rc, const struct err *e)
{
	if (rc != 0 && e->msg[0])
		say(s, e->msg);
}

static void ops_action(struct sheets *s, int k)
{
	struct grid *g = s->grid;
	struct err e;

	err_clear(&e);
	switch (k) {
	case SKEY_COPY: grid_copy(g, 0); break;
	case SKEY_CUT: grid_copy(g, 1); break;
	case SKEY_PASTE: said(s, grid_paste(g, &e), &e); break;
	case SKEY_FILL_DOWN: said(s, grid_fill(g, SHEET_AXIS_ROWS, &e), &e); break;
	case SKEY_FILL_RIGHT: said(s, grid_fill(g, SHEET_AXIS_COLS, &e), &e); break;
	case SKEY_MARK: grid_select_mark(g); break;
	case SKEY_INS_ROWS: said(s, grid_shift(g, SHEET_AXIS_ROWS, 1, &e), &e); break;
	case SKEY_DEL_ROWS: said(s, grid_shift(g, SHEET_AXIS_ROWS, 0, &e), &e); break;
	case SKEY_INS_COLS: said(s, grid_shift(g, SHEET_AXIS_COLS, 1, &e), &e); break;
	case SKEY_DEL_COLS: said(s, grid_shift(g, SHEET_AXIS_COLS, 0, &e), &e); break;
	case SKEY_FIND_NEXT: find_again(s, 0); break;
	case SKEY_FIND_PREV: find_again(s, 1); break;
	}
}

/* Selection, the clipboard, fill, rows and columns, find again. Returns 1
 * when the key was taken; other keys end a selection (as in Excel, an
 * arrow without Shift moves on from a single cell). */
static int ops_key(struct sheets *s, int key)
{
	struct grid *g = s->grid;
	struct sheet_rect r;
	enum grid_move m;
	int k = skey(s, key), sel = grid_selection(g, &r);

	if (grid_finding(g) && (key == 'n' || key == 'N')) {
		find_again(s, key == 'N');
		return 1;
	}
	grid_find_end(g);
	if (arrow_move(key & ~UI_MOD_SHIFT, &m) &&
	    ((key & UI_MOD_SHIFT) || (grid_select_extending(g) && key == (key & ~UI_MOD_SHIFT)))) {
		grid_select_move(g, m);
		return 1;
	}
	if (sel && key == UI_KEY_ESC) {
		grid_select_clear(g);
		return 1;
	}
	if (sel && (key == UI_KEY_DELETE || key == UI_KEY_BACKSPACE)) {
		grid_clear_range(g);
		grid_select_clear(g);
		return 1;
	}
	if (k >= SKEY_COPY) {
		ops_action(s, k);
		return 1;
	}
	if (k < 0)
		grid_select_clear(g);
	return 0;
}

static const char *const ops_verbs[] = { "sort", "filter", "find", "replace",
					 "insert", "delete", NULL };

static int ops_verb(const char *verb)
{
	for (int i = 0; ops_verbs[i]; i++)
		if (strcmp(verb, ops_verbs[i]) == 0)
			return 1;
	return 0;
}

/* The words after the verb as one string: ":sheets sort B desc, A". */
static char *join_args(int argc, char **argv, int from)
{
	struct buf b;
	char *out;

	buf_init(&b);
	for (int i = from; i < argc; i++) {
		if (i > from)
			buf_addc(&b, ' ');
		buf_adds(&b, argv[i]);
	}
	out = xstrndup(b.data ? b.data : "", b.len);
	buf_free(&b);
	return out;
}

static int usage_err(struct cmd_ctx *ctx, const char *use)
{
	char t[512];

	return err_set(ctx->err, E_USAGE, "%s", trf(t, sizeof t, "err.usage", TR_S(use)));
}

static int cmd_shift(struct sheets *s, struct cmd_ctx *ctx, int argc, char **argv)
{
	int insert = strcmp(argv[0], "insert") == 0;
	const char *use = insert ? "sheets insert rows|columns" : "sheets delete rows|columns";
	enum sheet_axis axis;

	if (argc != 2)
		return usage_err(ctx, use);
	if (strcmp(argv[1], "rows") == 0 || strcmp(argv[1], "row") == 0)
		axis = SHEET_AXIS_ROWS;
	else if (strcmp(argv[1], "columns") == 0 || strcmp(argv[1], "column") == 0 ||
		 strcmp(argv[1], "cols") == 0 || strcmp(argv[1], "col") == 0)
		axis = SHEET_AXIS_COLS;
	else
		return usage_err(ctx, use);
	return grid_shift(s->grid, axis, insert, ctx->err);
}

static int ops_command(struct sheets *s, struct cmd_ctx *ctx, int argc, char **argv)
{
	struct grid *g = s->grid;
	const char *verb = argv[0];
	char t[600], *spec;
	int rc = 0;

	if (!ctx->interactive)
		return err_set(ctx->err, E_USAGE, "%s",
			       trf(t, sizeof t, "sheets.err.needs_screen", TR_S(verb)));
	if (grid_editing(g))
		grid_edit_cancel(g);
	if (strcmp(verb, "insert") == 0 || strcmp(verb, "delete") == 0)
		return cmd_shift(s, ctx, argc, argv);
	if (strcmp(verb, "replace") == 0) {
		size_t n, skipped;

		if (argc != 3 || argv[1][0] == '\0')
			return usage_err(ctx, "sheets replace FROM TO");
		grid_replace_text(g, argv[1], argv[2], &n, &skipped);
		if (skipped)
			fprintf(ctx->out, "%s\n",
				trf(t, sizeof t, "sheets.replaced_skipped", TR_N(n), TR_N(skipped)));
		else
			fprintf(ctx->out, "%s\n", trf(t, sizeof t, "sheets.replaced", TR_N(n)));
		return 0;
	}
	spec = join_args(argc, argv, 1);
	if (strcmp(verb, "sort") == 0) {
		rc = argc < 2 ? usage_err(ctx, "sheets sort COLUMN [asc|desc], ...")
			      : grid_sort(g, spec, ctx->err);
	} else if (strcmp(verb, "find") == 0) {
		if (argc < 2)
			rc = usage_err(ctx, "sheets find TEXT");
		else if (grid_find(g, spec, 0) != 0)
			rc = err_set(ctx->err, E_NOTFOUND, "%s",
				     trf(t, sizeof t, "sheets.not_found", TR_S(spec)));
	} else {
		uint32_t shown;

		rc = grid_filter(g, spec, &shown, ctx->err);
		if (rc == 0 && spec[0])
			fprintf(ctx->out, "%s\n", trf(t, sizeof t, "sheets.filtered", TR_N(shown)));
		else if (rc == 0)
			fprintf(ctx->out, "%s\n", tr("sheets.filter_off"));
	}
	free(spec);
	return rc;
}
