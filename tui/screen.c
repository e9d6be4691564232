/*
 * screen.c - the terminal: set-up and restore, unknown TERM fallback,
 * colours or attributes, bracketed paste and mouse.
 *
 * newterm instead of initscr because initscr exits on a terminal type the
 * host's terminfo lacks (xterm-kitty, alacritty, foot); we fall back to a
 * common type instead. Esc is answered in 25 ms, not ncurses' 1 s.
 */
#include <locale.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <fcntl.h>
#include <unistd.h>

#include "tui/internal.h"

static SCREEN *scr;
static int colors;    /* 0: monochrome, else the terminal's colour count */
static int mouse_on;

struct theme_entry {
	short fg, bg;   /* -1: default */
	short fg256;    /* on 256-colour terminals, or -2 to use fg */
	attr_t color_attr;
	attr_t mono_attr;
};

static const struct theme_entry theme[UI_ROLE_COUNT] = {
	[UI_NORMAL] = { -1, -1, -2, 0, 0 },
	[UI_BOLD] = { -1, -1, -2, A_BOLD, A_BOLD },
	[UI_DIM] = { -1, -1, 244, A_DIM, A_DIM },
	[UI_TITLE] = { COLOR_CYAN, -1, 39, A_BOLD, A_BOLD | A_UNDERLINE },
	[UI_TAB] = { -1, -1, -2, 0, 0 },
	[UI_TAB_ACTIVE] = { COLOR_BLACK, COLOR_CYAN, -2, A_BOLD, A_REVERSE | A_BOLD },
	[UI_BAR] = { COLOR_WHITE, COLOR_BLUE, -2, 0, A_REVERSE },
	[UI_SELECTED] = { COLOR_BLACK, COLOR_WHITE, -2, 0, A_REVERSE },
	[UI_ERROR] = { COLOR_RED, -1, 196, A_BOLD, A_BOLD | A_UNDERLINE },
	[UI_WARN] = { COLOR_YELLOW, -1, 214, 0, A_BOLD },
	[UI_OK] = { COLOR_GREEN, -1, 34, 0, 0 },
	[UI_CONTROL] = { COLOR_MAGENTA, -1, 201, A_REVERSE, A_REVERSE },
	[UI_EMPH] = { -1, -1, -2, A_UNDERLINE, A_UNDERLINE },
	[UI_CODE] = { COLOR_GREEN, -1, 108, 0, A_BOLD },
};

/* stderr while the screen is up: libraries that print there (libetpan's
 * "GnuTLS error: ..." lines) would write over the screen; their lines go to
 * atrium's log instead (or nowhere), and stderr comes back at close. */
static int saved_stderr = -1;

static void stderr_away(void)
{
	int to = log_fileno(), opened = -1;

	if (!isatty(STDERR_FILENO) || saved_stderr >= 0)
		return;
	if (to < 0)
		to = opened = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (to < 0)
		return;
	fflush(stderr);
	saved_stderr = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3);
	if (saved_stderr >= 0)
		dup2(to, STDERR_FILENO);
	if (opened >= 0)
		close(opened);
}

static void stderr_back(void)
{
	if (saved_stderr < 0)
		return;
	fflush(stderr);
	dup2(saved_stderr, STDERR_FILENO);
	close(saved_stderr);
	saved_stderr = -1;
}

int screen_open(const struct conf *conf, struct err *e)
{
	static const char *const fallbacks[] = { "xterm-256color", "xterm", "vt100", "dumb" };
	const char *term = getenv("TERM");
	const char *v;
	int want_color = 1, b;

	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))
		return err_set(e, E_USAGE, "%s", tr("err.no_terminal"));
	if (term && *term)
		scr = newterm(term, stdout, stdin);
	for (size_t i = 0; scr == NULL && i < nitems(fallbacks); i++) {
		scr = newterm(fallbacks[i], stdout, stdin);
		if (scr)
			log_warn("terminal type '%s' unknown here; using %s", term ? term : "",
				 fallbacks[i]);
	}
	if (scr == NULL)
		return err_tr(e, E_IO, "err.terminal", TR_S(term ? term : ""));
	set_term(scr);
	stderr_away();
	set_escdelay(25);
	raw();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	curs_set(0);
	intrflush(stdscr, FALSE);
	keys_setup();

	v = conf_get(conf, "", "color");
	if (v && conf_bool(v, &b) == 0)
		want_color = b;
	if (getenv("NO_COLOR") && *getenv("NO_COLOR"))
		want_color = 0;
	colors = 0;
	if (want_color && has_colors() && start_color() == OK) {
		use_default_colors();
		colors = COLORS;
		for (int r = 0; r < UI_ROLE_COUNT; r++) {
			short fg = theme[r].fg;

			if (colors >= 256 && theme[r].fg256 != -2)
				fg = theme[r].fg256;
			init_pair((short)(r + 1), fg, theme[r].bg);
		}
	}
	v = conf_get(conf, "", "mouse");
	mouse_on = v && conf_bool(v, &b) == 0 && b;
	if (mouse_on)
		mousemask(BUTTON1_CLICKED | BUTTON1_PRESSED | BUTTON4_PRESSED | BUTTON5_PRESSED,
			  NULL);
	/* Bracketed paste: pasted text arrives marked, never as commands.
	 * Focus reports (CSI I / CSI O) where the terminal has them. */
	fputs("\033[?2004h\033[?1004h", stdout);
	fflush(stdout);
	return 0;
}

void screen_close(void)
{
	if (scr == NULL)
		return;
	fputs("\033[?1004l\033[?2004l", stdout);
	fflush(stdout);
	if (mouse_on)
		mousemask(0, NULL);
	curs_set(1);
	endwin();
	delscreen(scr);
	scr = NULL;
	stderr_back();
}

/* After SIGWINCH: ask the kernel for the new size and tell curses. */
void screen_resize(void)
{
	struct winsize ws;

	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 && ws.ws_col > 0)
		resizeterm(ws.ws_row, ws.ws_col);
	else
		resizeterm(LINES, COLS);
}

attr_t screen_attr(enum ui_role role)
{
	if (role < 0 || role >= UI_ROLE_COUNT)
		role = UI_NORMAL;
	if (colors == 0)
		return theme[role].mono_attr;
	return theme[role].color_attr | COLOR_PAIR(role + 1);
}

short screen_pair(enum ui_role role)
{
	return colors == 0 ? 0 : (short)(role + 1);
}

int screen_mouse(void)
{
	return mouse_on;
}
