/*
 * shell.c - the screen people live in: module tabs on top, the current
 * module's view, the status line (each service's state, outbox, unread,
 * progress) and the command line at the bottom; help and command output as
 * overlays. It knows modules only through module.h.
 *
 * Drawing: erase and redraw into curses' buffer, then refresh; curses sends
 * only the cells that changed, so a key press costs a few bytes over SSH.
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "i18n/i18n.h"
#include "tui/internal.h"

#define ESC_PREFIX_MS 1000 /* Esc then 1..4 switches tabs without Meta */
#define MIN_COLS 40
#define MIN_LINES 10

struct shell {
	struct tui_host *h;
	int cur;        /* current module */
	struct cmdline *cmd;
	char msg[512];
	enum ui_role msg_role;
	int help;       /* help overlay shown */
	int help_scroll;
	char **pager;   /* command output lines, when shown */
	int npager, pager_scroll;
	int64_t esc_at; /* when a lone Esc was pressed */
	int pasting;    /* between bracketed-paste markers */
	int dirty;
	int quit;
	/* tui_ask in progress: its prompt, answer and state (0 asking,
	 * 1 answered, -1 cancelled). */
	const char *ask_prompt;
	int ask_secret;
	struct buf ask;
	int ask_state;
};

static struct shell *the_shell;

void tui_request_redraw(void)
{
	if (the_shell)
		the_shell->dirty = 1;
}

static void shell_msg(struct shell *s, enum ui_role role, const char *text)
{
	struct buf b;

	buf_init(&b);
	ui_sanitize(text, strlen(text), &b);
	snprintf(s->msg, sizeof s->msg, "%s", buf_cstr(&b));
	buf_free(&b);
	s->msg_role = role;
	s->dirty = 1;
}

void tui_message(const char *text)
{
	if (the_shell)
		shell_msg(the_shell, UI_NORMAL, text);
}

static void pager_free(struct shell *s)
{
	for (int i = 0; i < s->npager; i++)
		free(s->pager[i]);
	free(s->pager);
	s->pager = NULL;
	s->npager = 0;
	s->pager_scroll = 0;
}

static void pager_set(struct shell *s, const char *text)
{
	const char *p = text;

	pager_free(s);
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);

		s->pager = xreallocarray(s->pager, (size_t)s->npager + 1, sizeof *s->pager);
		s->pager[s->npager++] = xstrndup(p, n);
		p += n + (nl != NULL);
	}
}

/* ---- drawing ------------------------------------------------------------- */

static void draw_tabs(struct shell *s, struct ui_area *row)
{
	int x = 0;

	ui_clear_row(row, 0, UI_TAB);
	for (int i = 0; i < s->h->nmodules; i++) {
		char label[96];
		int active = i == s->cur;

		snprintf(label, sizeof label, " %d %s ", i + 1, tr(s->h->modules[i]->title_key));
		x += ui_puts(row, 0, x, label, active ? UI_TAB_ACTIVE : UI_TAB);
	}
	if (s->h->env->offline) {
		const char *o = tr("status.forced_offline");
		int w = (int)ui_text_width(o, strlen(o));

		if (x + w + 1 < row->w)
			ui_puts(row, 0, row->w - w - 1, o, UI_WARN);
	}
}

static const char *state_key(enum svc_state st)
{
	switch (st) {
	case SVC_ONLINE: return "state.online";
	case SVC_CONNECTING: return "state.connecting";
	case SVC_ERROR: return "state.error";
	case SVC_OFFLINE: return "state.offline";
	case SVC_NONE: break;
	}
	return "state.not_configured";
}

static void draw_status(struct shell *s, struct ui_area *row)
{
	int x = 1, queued = 0, unread = 0, progress = -1;
	char part[256], num[64];

	ui_clear_row(row, 0, UI_BAR);
	for (int i = 0; i < s->h->nmodules; i++) {
		const struct module *m = s->h->modules[i];
		struct module_status st = { SVC_NONE, -1, 0, -1, "" };

		if (m->status)
			m->status(s->h->states[i], &st);
		queued += st.queued;
		if (st.unread > 0)
			unread += st.unread;
		if (st.progress >= 0)
			progress = st.progress;
		if (st.state == SVC_NONE && m->status == NULL)
			continue;
		trf(part, sizeof part, "status.service", TR_S(tr(m->title_key)),
		    TR_S(tr(state_key(st.state))));
		if (st.text[0])
			snprintf(part + strlen(part), sizeof part - strlen(part), " %s", st.text);
		x += ui_put(row, 0, x, row->w - x, part, strlen(part), UI_BAR);
		x += ui_puts(row, 0, x, " │ ", UI_BAR);
	}
	if (queued > 0) {
		trf(num, sizeof num, "status.outbox", TR_N(queued));
		x += ui_puts(row, 0, x, num, UI_BAR);
		x += ui_puts(row, 0, x, " │ ", UI_BAR);
	}
	if (unread > 0) {
		trf(num, sizeof num, "status.unread", TR_N(unread));
		x += ui_puts(row, 0, x, num, UI_BAR);
	}
	if (progress >= 0) {
		trf(num, sizeof num, "status.progress", TR_N(progress));
		int w = (int)ui_text_width(num, strlen(num));
		ui_puts(row, 0, row->w - w - 1, num, UI_BAR);
	}
}

static void draw_pager(struct shell *s, struct ui_area *area)
{
	const char *hint = tr("pager.hint");
	int rows = area->h - 1;

	ui_clear(area, UI_NORMAL);
	if (s->pager_scroll > s->npager - rows)
		s->pager_scroll = s->npager - rows;
	if (s->pager_scroll < 0)
		s->pager_scroll = 0;
	for (int y = 0; y < rows && s->pager_scroll + y < s->npager; y++) {
		const char *l = s->pager[s->pager_scroll + y];

		ui_put(area, y, 0, -1, l, strlen(l), UI_NORMAL);
	}
	ui_clear_row(area, rows, UI_BAR);
	ui_puts(area, rows, 1, hint, UI_BAR);
}

static void draw_all(struct shell *s)
{
	struct ui_area full = { stdscr, 0, 0, LINES, COLS };
	struct ui_area tabs = { stdscr, 0, 0, 1, COLS };
	struct ui_area body = { stdscr, 1, 0, LINES - 3, COLS };
	struct ui_area status = { stdscr, LINES - 2, 0, 1, COLS };
	struct ui_area bottom = { stdscr, LINES - 1, 0, 1, COLS };

	erase();
	curs_set(0);
	ui_cursor_y = ui_cursor_x = -1;
	if (COLS < MIN_COLS || LINES < MIN_LINES) {
		char t[128];

		size_t off = 0, len, used;

		trf(t, sizeof t, "msg.too_small", TR_N(COLS), TR_N(LINES), TR_N(MIN_COLS),
		    TR_N(MIN_LINES));
		len = strlen(t);
		for (int y = 0; y < LINES && off < len; y++) {
			size_t n = txt_fit(t + off, len - off, (size_t)COLS, &used);

			if (n == 0)
				break;
			ui_put(&full, y, 0, -1, t + off, n, UI_WARN);
			off += n;
			while (off < len && t[off] == ' ')
				off++;
		}
		refresh();
		return;
	}
	draw_tabs(s, &tabs);
	if (s->pager) {
		draw_pager(s, &body);
	} else if (s->help) {
		help_draw(&body, s->h, s->cur, s->help_scroll);
	} else if (s->h->nmodules > 0) {
		const struct module *m = s->h->modules[s->cur];

		if (m->draw)
			m->draw(s->h->states[s->cur], &body);
	} else {
		ui_puts(&body, 1, 2, tr("msg.no_modules"), UI_WARN);
	}
	draw_status(s, &status);
	if (s->ask_prompt) {
		int x;

		ui_clear_row(&bottom, 0, UI_NORMAL);
		x = ui_puts(&bottom, 0, 0, s->ask_prompt, UI_BOLD);
		if (s->ask_secret) {
			/* One dot per character typed, never the text. */
			size_t n = 0;

			for (size_t i = 0; i < s->ask.len; i++)
				n += ((unsigned char)s->ask.data[i] & 0xc0) != 0x80;
			for (size_t i = 0; i < n && x < COLS - 1; i++)
				x += ui_puts(&bottom, 0, x, "•", UI_NORMAL);
		} else {
			x += ui_put(&bottom, 0, x, -1, buf_cstr(&s->ask), s->ask.len, UI_NORMAL);
		}
		wmove(stdscr, LINES - 1, x < COLS ? x : COLS - 1);
		curs_set(1);
	} else if (cmdline_active(s->cmd)) {
		cmdline_draw(s->cmd, &bottom);
		curs_set(1);
	} else {
		ui_clear_row(&bottom, 0, UI_NORMAL);
		ui_put(&bottom, 0, 0, -1, s->msg, strlen(s->msg), s->msg_role);
		/* A view taking text shows where it is. */
		if (ui_cursor_y >= 0 && !s->help && !s->pager) {
			wmove(stdscr, ui_cursor_y, ui_cursor_x);
			curs_set(1);
		}
	}
	refresh();
}

/* ---- commands -------------------------------------------------------------- */

/* Tell the current module it is in front of the user again (a tab
 * switch, the terminal's focus back): the editor looks at its file. */
static void shown(struct shell *s)
{
	struct module_event ev = { MEV_SHOWN, NULL, NULL };
	const struct module *m = s->h->nmodules ? s->h->modules[s->cur] : NULL;

	if (m && m->on_event)
		m->on_event(s->h->states[s->cur], &ev);
}

static void switch_tab(struct shell *s, int i)
{
	if (i < 0 || i >= s->h->nmodules)
		return;
	if (i != s->cur) {
		s->cur = i;
		shown(s);
	}
	s->help = 0;
	pager_free(s);
	s->dirty = 1;
}

static void set_offline(struct shell *s, int off)
{
	struct module_event ev = { MEV_OFFLINE, NULL, NULL };
	const char *pol = NULL;
	struct conf_item *it = conf_find(s->h->conf, "", "offline");
	int b = 0;

	if (!off && it && it->locked && conf_bool(it->value, &b) == 0 && b)
		pol = it->file;
	if (pol) {
		shell_msg(s, UI_WARN, tr("msg.offline_policy"));
		return;
	}
	s->h->env->offline = off;
	for (int i = 0; i < s->h->nmodules; i++)
		if (s->h->modules[i]->on_event)
			s->h->modules[i]->on_event(s->h->states[i], &ev);
	shell_msg(s, UI_OK, tr(off ? "msg.offline_on" : "msg.online"));
}

static int module_index(struct shell *s, const char *name)
{
	for (int i = 0; i < s->h->nmodules; i++)
		if (strcmp(s->h->modules[i]->name, name) == 0)
			return i;
	return -1;
}

/* Run a verb through the host, its output to the message line or the
 * pager. */
static void run_command(struct shell *s, int argc, char **argv)
{
	struct err e;
	char *out = NULL;
	size_t outlen = 0;
	FILE *f;
	int rc;

	err_clear(&e);
	f = open_memstream(&out, &outlen);
	if (f == NULL) {
		shell_msg(s, UI_ERROR, "out of memory");
		return;
	}
	rc = s->h->command(s->h->arg, argc, argv, f, &e);
	fclose(f);
	/* Output of more than one line opens the pager. */
	while (outlen > 0 && out[outlen - 1] == '\n')
		out[--outlen] = '\0';
	if (rc != 0 && rc != E_QUEUED) {
		shell_msg(s, UI_ERROR, e.msg[0] ? e.msg : err_name(rc));
	} else if (outlen > 0 && strchr(out, '\n')) {
		pager_set(s, out);
		s->msg[0] = '\0';
	} else {
		shell_msg(s, rc == E_QUEUED ? UI_WARN : UI_NORMAL, out ? out : "");
	}
	free(out);
	s->dirty = 1;
}

/* A verb of the current tab's module works without the module's name:
 * ":w" on the Docs tab is "docs w" (":q" too, so the editor closes a
 * buffer before atrium quits), and a number is its goto (":12"). */
static void module_verb_route(struct shell *s, int *argc, char ***argv)
{
	const struct module *m = s->h->nmodules ? s->h->modules[s->cur] : NULL;
	const char *verb = (*argv)[0], *name = NULL;
	char **nv;
	int digits = verb[0] >= '0' && verb[0] <= '9', extra;

	if (m == NULL || m->verbs == NULL || module_index(s, verb) >= 0)
		return;
	for (const char *p = verb; *p && digits; p++)
		digits = (*p >= '0' && *p <= '9') || *p == ':';
	for (const struct module_verb *v = m->verbs; v->name && name == NULL; v++)
		if (strcmp(v->name, digits ? "goto" : verb) == 0)
			name = v->name;
	if (name == NULL)
		return;
	extra = digits ? 2 : 1;
	nv = xcalloc((size_t)*argc + (size_t)extra + 1, sizeof *nv);
	nv[0] = xstrdup(m->name);
	if (digits)
		nv[1] = xstrdup("goto");
	memcpy(nv + extra, *argv, (size_t)*argc * sizeof *nv);
	free(*argv);
	*argv = nv;
	*argc += extra;
}

static void run_line(struct shell *s, const char *line)
{
	struct err e;
	char **argv = NULL;
	int argc = 0, mi;

	err_clear(&e);
	if (argv_split(line, &argc, &argv, &e) != 0) {
		shell_msg(s, UI_ERROR, tr("err.quote"));
		return;
	}
	if (argc == 0)
		goto done;
	module_verb_route(s, &argc, &argv);
	if (strcmp(argv[0], "q") == 0 || strcmp(argv[0], "quit") == 0) {
		s->quit = 1;
		goto done;
	}
	if (strcmp(argv[0], "help") == 0 && argc <= 2) {
		if (argc == 2 && (mi = module_index(s, argv[1])) >= 0)
			switch_tab(s, mi);
		s->help = 1;
		s->help_scroll = 0;
		goto done;
	}
	if (strcmp(argv[0], "offline") == 0 && argc == 1) {
		set_offline(s, 1);
		goto done;
	}
	if (strcmp(argv[0], "online") == 0 && argc == 1) {
		set_offline(s, 0);
		goto done;
	}
	mi = module_index(s, argv[0]);
	if (mi >= 0 && argc == 1) {
		switch_tab(s, mi);
		goto done;
	}
	run_command(s, argc, argv);
done:
	argv_free(argc, argv);
	s->dirty = 1;
}

/* ---- keys ---------------------------------------------------------------- */

static void ask_key(struct shell *s, int key);
static int confirm_quit(struct shell *s);

static void overlay_scroll(int *scroll, int key, int page)
{
	switch (key) {
	case UI_KEY_UP: case 'k': (*scroll)--; break;
	case UI_KEY_DOWN: case 'j': case UI_KEY_ENTER: (*scroll)++; break;
	case UI_KEY_PGUP: case 'b': *scroll -= page; break;
	case UI_KEY_PGDN: case ' ': *scroll += page; break;
	case UI_KEY_HOME: case 'g': *scroll = 0; break;
	case UI_KEY_END: case 'G': *scroll = 1 << 20; break;
	}
	if (*scroll < 0)
		*scroll = 0;
}

static void handle_key(struct shell *s, int key)
{
	const struct module *m = s->h->nmodules ? s->h->modules[s->cur] : NULL;
	void *st = m ? s->h->states[s->cur] : NULL;
	int taking = m && m->taking_text && m->taking_text(st);
	enum shell_action act;
	int64_t now = loop_now_ms();

	s->dirty = 1;
	/* Focus back: the tab in front may want to look again (the editor's
	 * file changed on disk?). Focus reports are never keys to act on. */
	if (key == UI_KEY_FOCUS_IN || key == UI_KEY_FOCUS_OUT) {
		if (key == UI_KEY_FOCUS_IN)
			shown(s);
		return;
	}
	if (s->ask_prompt && s->ask_state == 0) {
		ask_key(s, key);
		return;
	}
	/* Pasted text is text: none of it may act as a shell key (a pasted
	 * BEL would open help, ESC 1 switch tabs). */
	if (key == UI_KEY_PASTE_BEGIN)
		s->pasting = 1;
	if (s->pasting) {
		if (key == UI_KEY_PASTE_END)
			s->pasting = 0;
		if (cmdline_active(s->cmd))
			cmdline_key(s->cmd, key, s->h);
		else if (m && m->key && !s->help && !s->pager)
			m->key(st, key);
		return;
	}
	/* We resize on SIGWINCH; resizeterm then queues KEY_RESIZE, which
	 * must only redraw (resizing again would queue another, forever). */
	if (key == UI_KEY_RESIZE)
		return;
	if (cmdline_active(s->cmd)) {
		int r = cmdline_key(s->cmd, key, s->h);

		if (r != 0) {
			char *line = xstrdup(cmdline_text(s->cmd));

			cmdline_close(s->cmd, r > 0);
			if (r > 0)
				run_line(s, line);
			free(line);
		}
		return;
	}
	/* Esc, then 1..4 soon after: tabs on terminals without Meta. */
	if (s->esc_at && now - s->esc_at < ESC_PREFIX_MS && key >= '1' && key <= '9') {
		s->esc_at = 0;
		switch_tab(s, key - '1');
		return;
	}
	s->esc_at = key == UI_KEY_ESC ? now : 0;
	if (key == UI_KEY_MOUSE) {
		int y, x, cx = 0;

		if (keys_mouse(&y, &x) && y == 0) {
			for (int i = 0; i < s->h->nmodules; i++) {
				char label[96];

				snprintf(label, sizeof label, " %d %s ", i + 1,
					 tr(s->h->modules[i]->title_key));
				cx += (int)ui_text_width(label, strlen(label));
				if (x < cx) {
					switch_tab(s, i);
					break;
				}
			}
		}
		return;
	}
	act = keymap_lookup(key);
	if (s->pager || s->help) {
		int *scroll = s->pager ? &s->pager_scroll : &s->help_scroll;

		if (key == 'q' || key == UI_KEY_ESC || act == ACT_HELP) {
			pager_free(s);
			s->help = 0;
			return;
		}
		if (act == ACT_NONE || act == ACT_COMMAND_COLON) {
			overlay_scroll(scroll, key, LINES - 5);
			if (s->help) {
				int max = help_lines(s->h, s->cur) - (LINES - 6);

				if (s->help_scroll > max)
					s->help_scroll = max > 0 ? max : 0;
			}
			return;
		}
	}
	if (act == ACT_COMMAND_COLON && taking)
		act = ACT_NONE; /* ':' is text while the module takes text */
	switch (act) {
	case ACT_TAB1: case ACT_TAB2: case ACT_TAB3: case ACT_TAB4: case ACT_TAB5:
		switch_tab(s, act - ACT_TAB1);
		return;
	case ACT_TAB_NEXT:
		if (s->h->nmodules)
			switch_tab(s, (s->cur + 1) % s->h->nmodules);
		return;
	case ACT_TAB_PREV:
		if (s->h->nmodules)
			switch_tab(s, (s->cur + s->h->nmodules - 1) % s->h->nmodules);
		return;
	case ACT_COMMAND:
	case ACT_COMMAND_COLON:
		s->msg[0] = '\0';
		cmdline_open(s->cmd, "");
		return;
	case ACT_HELP:
		s->help = !s->help;
		s->help_scroll = 0;
		return;
	case ACT_QUIT:
		/* A module taking text may close what it edits first (the
		 * editor's buffer); when it has nothing to close, atrium quits. */
		if (taking && m->key && m->key(st, key))
			return;
		s->quit = confirm_quit(s);
		return;
	case ACT_REDRAW:
		clearok(curscr, TRUE);
		return;
	case ACT_NONE:
	case ACT_COUNT:
		break;
	}
	if (m && m->key && m->key(st, key))
		return;
	if (key == UI_KEY_ESC)
		s->msg[0] = '\0';
}

/* A key while tui_ask waits: edit the answer. */
static void ask_key(struct shell *s, int key)
{
	if (key == UI_KEY_ENTER) {
		s->ask_state = 1;
	} else if (key == UI_KEY_ESC || key == UI_CTRL('c')) {
		s->ask_state = -1;
	} else if (key == UI_KEY_BACKSPACE) {
		while (s->ask.len > 0 && ((unsigned char)s->ask.data[s->ask.len - 1] & 0xc0) == 0x80)
			s->ask.len--;
		if (s->ask.len > 0)
			s->ask.len--;
		if (s->ask.data)
			s->ask.data[s->ask.len] = '\0';
	} else if (key == UI_CTRL('u')) {
		buf_reset(&s->ask);
	} else if (key >= ' ' && key < UI_KEY_BASE && key != 0x7f) {
		char u[4];

		buf_add(&s->ask, u, utf8_encode((unsigned)key, u));
	}
}

int tui_ask(const char *prompt, int secret, char *out, size_t len)
{
	struct shell *s = the_shell;
	int rc;

	if (s == NULL || len == 0)
		return E_INTERNAL;
	buf_init(&s->ask);
	s->ask_prompt = prompt;
	s->ask_secret = secret;
	s->ask_state = 0;
	s->dirty = 1;
	while (s->ask_state == 0 && !s->quit) {
		if (s->dirty) {
			s->dirty = 0;
			draw_all(s);
		}
		loop_run_once(s->h->loop, 1000);
	}
	if (s->ask_state == 1 && s->ask.len < len) {
		memcpy(out, buf_cstr(&s->ask), s->ask.len + 1);
		rc = 0;
	} else {
		out[0] = '\0';
		rc = s->quit ? E_IO : E_CANCELLED;
	}
	/* The answer may be a passphrase: leave no copy behind. */
	if (s->ask.data)
		memset(s->ask.data, 0, s->ask.cap);
	buf_free(&s->ask);
	s->ask_prompt = NULL;
	s->dirty = 1;
	return rc;
}

void tui_quit(void)
{
	if (the_shell)
		the_shell->quit = 1;
}

/* Ctrl-Q with unsaved work asks first. */
static int confirm_quit(struct shell *s)
{
	char q[300], answer[16];

	for (int i = 0; i < s->h->nmodules; i++) {
		const struct module *m = s->h->modules[i];

		if (!m->unsaved || !m->unsaved(s->h->states[i]))
			continue;
		trf(q, sizeof q, "prompt.quit_unsaved", TR_S(tr(m->title_key)));
		if (tui_ask(q, 0, answer, sizeof answer) != 0)
			return 0;
		return !strcasecmp(answer, "y") || !strcasecmp(answer, "yes") ||
		       !strcmp(answer, "是");
	}
	return 1;
}

static void on_input(int fd, int events, void *arg)
{
	struct shell *s = arg;
	int key, n = 0;

	while (!s->quit && (key = keys_read()) != UI_KEY_NONE) {
		handle_key(s, key);
		n++;
	}
	/* The terminal is gone (SSH dropped) and no SIGHUP said so: leave,
	 * rather than spin on a descriptor that is always ready. */
	if (n == 0 && (events & LOOP_HUP)) {
		log_warn("terminal hung up");
		s->quit = 1;
	}
}

static void on_signal(int signo, void *arg)
{
	struct shell *s = arg;

	if (signo == SIGWINCH) {
		screen_resize();
		s->dirty = 1;
		return;
	}
	log_info("signal %d: leaving the screen", signo);
	s->quit = 1;
}

int tui_run_in(int argc, char **argv)
{
	struct shell *s = the_shell;
	int mi;

	if (!s || argc < 1 || (mi = module_index(s, argv[0])) < 0)
		return E_NOTFOUND;
	switch_tab(s, mi);
	run_command(s, argc, argv);
	return 0;
}

int tui_run(struct tui_host *h, struct err *e)
{
	static const int sigs[] = { SIGWINCH, SIGTERM, SIGHUP, SIGINT, SIGQUIT };
	struct shell s;
	int rc;

	memset(&s, 0, sizeof s);
	s.h = h;
	rc = keymap_load(h->conf, e);
	if (rc != 0)
		return rc;
	/* Our SIGWINCH handler must be in place before curses starts, so
	 * curses leaves resizing to us and the loop wakes on it. */
	for (size_t i = 0; i < nitems(sigs); i++)
		loop_on_signal(h->loop, sigs[i], on_signal, &s);
	rc = screen_open(h->conf, e);
	if (rc != 0) {
		for (size_t i = 0; i < nitems(sigs); i++)
			loop_on_signal(h->loop, sigs[i], NULL, NULL);
		return rc;
	}
	s.cmd = cmdline_new();
	the_shell = &s;
	if (h->nwarnings > 0)
		shell_msg(&s, UI_WARN, h->warnings[0]);
	else
		shell_msg(&s, UI_DIM, tr("msg.welcome"));
	loop_add_fd(h->loop, STDIN_FILENO, LOOP_READ, on_input, &s);
	s.dirty = 1;
	if (h->on_start) {
		draw_all(&s);
		h->on_start(h->arg);
	}
	if (h->start_argc > 0) {
		/* `atrium MODULE open FILE`: that module's tab, then the verb. */
		int mi = module_index(&s, h->start_argv[0]);

		if (mi >= 0)
			switch_tab(&s, mi);
		run_command(&s, h->start_argc, h->start_argv);
	}
	while (!s.quit) {
		if (s.dirty) {
			s.dirty = 0;
			draw_all(&s);
		}
		/* A short wait keeps the loop's timers and posted tasks timely
		 * while nothing is typed. */
		loop_run_once(h->loop, 1000);
	}
	loop_del_fd(h->loop, STDIN_FILENO);
	the_shell = NULL;
	pager_free(&s);
	cmdline_free(s.cmd);
	screen_close();
	for (size_t i = 0; i < nitems(sigs); i++)
		loop_on_signal(h->loop, sigs[i], NULL, NULL);
	return 0;
}
