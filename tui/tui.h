/*
 * tui.h - the terminal: screen set-up, drawing with untrusted text made
 * safe, key codes and key maps, and the shell that hosts the modules.
 * tui/ is the only code that includes curses.h; modules' views draw through
 * this header and know nothing of curses.
 */
#ifndef ATRIUM_TUI_H
#define ATRIUM_TUI_H

#include <stddef.h>

#include "core/core.h"
#include "modules/module.h"

/* ---- keys ---------------------------------------------------------------- */

/*
 * A key is a Unicode code point (text, and Ctrl-letters as 1..26), or one
 * of the UI_KEY_* codes above the Unicode range, possibly or'ed with
 * UI_MOD_ALT (Meta, or Esc pressed just before).
 */
enum {
	UI_KEY_BASE = 0x110000,
	UI_KEY_UP = UI_KEY_BASE,
	UI_KEY_DOWN,
	UI_KEY_LEFT,
	UI_KEY_RIGHT,
	UI_KEY_HOME,
	UI_KEY_END,
	UI_KEY_PGUP,
	UI_KEY_PGDN,
	UI_KEY_INSERT,
	UI_KEY_DELETE,
	UI_KEY_BACKSPACE,
	UI_KEY_ENTER,
	UI_KEY_TAB,
	UI_KEY_BTAB,
	UI_KEY_ESC,
	UI_KEY_F1, /* ... UI_KEY_F1 + 11 is F12 */
	UI_KEY_F12 = UI_KEY_F1 + 11,
	UI_KEY_PASTE_BEGIN, /* bracketed paste: the keys between are pasted */
	UI_KEY_PASTE_END,
	UI_KEY_MOUSE,  /* details with ui_mouse_last() */
	UI_KEY_RESIZE,
	UI_KEY_NONE,
	UI_KEY_FOCUS_IN,  /* the terminal window got the focus (CSI I) */
	UI_KEY_FOCUS_OUT, /* ... lost it (CSI O); the shell takes both */
};
#define UI_MOD_ALT 0x20000000
/* Ctrl with a function key (C-PgUp); Ctrl-letters are 1..26 instead. */
#define UI_MOD_CTRL 0x10000000
/* Shift with an arrow key (S-Up: extending a selection in the grid). */
#define UI_MOD_SHIFT 0x08000000
#define UI_CTRL(c) ((c) & 0x1f)

/* Parse "C-e", "M-1", "F1", "Esc", "Enter", "Tab", "Up", "PgDn", "x", ":"
 * into a key code; -1 if not a key name. */
int ui_key_parse(const char *name);
/* Name a key code the same way, for help and the key map docs. */
void ui_key_name(int key, char *buf, size_t len);

/* ---- drawing ----------------------------------------------------------- */

/* Roles, not colours: the theme maps them to colours or, on monochrome
 * terminals, to attributes. */
enum ui_role {
	UI_NORMAL,
	UI_BOLD,
	UI_DIM,
	UI_TITLE,      /* headings */
	UI_TAB,        /* inactive tab */
	UI_TAB_ACTIVE,
	UI_BAR,        /* status line */
	UI_SELECTED,   /* selected list row */
	UI_ERROR,
	UI_WARN,
	UI_OK,
	UI_CONTROL,    /* placeholder for a control character in untrusted text */
	UI_EMPH,       /* emphasis in text (Markdown *x*, a link's text) */
	UI_CODE,       /* code in text (Markdown `x` and code blocks) */
	UI_ROLE_COUNT,
};

/* A rectangle of the screen handed to a view. */
struct ui_area;
int ui_area_h(const struct ui_area *a);
int ui_area_w(const struct ui_area *a);
/* Rows y .. y+h-1 of an area (clipped to it) as an area of their own, for
 * a view that hands a part of its area to a component; valid until the
 * frame is drawn. NULL when no row is left. */
struct ui_area *ui_area_rows(struct ui_area *a, int y, int h);
/* Fill the area (or a row of it) with blanks in a role. */
void ui_clear(struct ui_area *a, enum ui_role role);
void ui_clear_row(struct ui_area *a, int y, enum ui_role role);
/*
 * Write UTF-8 text at (y, x), at most maxw columns (-1: to the edge),
 * never splitting a grapheme cluster. Untrusted text is safe here: control
 * characters and escape sequences are drawn as visible placeholders,
 * invalid bytes as U+FFFD. Returns the columns used.
 */
int ui_put(struct ui_area *a, int y, int x, int maxw, const char *s, size_t len,
	   enum ui_role role);
int ui_puts(struct ui_area *a, int y, int x, const char *s, enum ui_role role);
/* Show the terminal's cursor at (y, x) of the area after this frame (a
 * view taking text calls it from its draw callback). */
void ui_cursor(struct ui_area *a, int y, int x);
/* Columns the text takes when drawn by ui_put (placeholders included). */
size_t ui_text_width(const char *s, size_t len);
/* Sanitize into a buffer: what ui_put would show, as UTF-8. */
void ui_sanitize(const char *s, size_t len, struct buf *out);
/* Bytes of s whose sanitized form is the first sanlen bytes of
 * ui_sanitize's: lets a caller measure and wrap the safe form, then draw
 * the original with ui_put so placeholders keep their own colour. */
size_t ui_raw_prefix(const char *s, size_t len, size_t sanlen);

/* ---- the shell ------------------------------------------------------------ */

/* What the program gives the shell. */
struct tui_host {
	struct loop *loop;
	const struct conf *conf;          /* [keys], mouse, color, ... */
	const struct module *const *modules;
	void **states;                    /* per module, from init */
	int nmodules;
	struct module_env *env;           /* offline flag lives here */
	/* Run a command line's argv (the same verbs as batch mode) with output
	 * to `out`. Returns 0 or an E_* code with e filled. */
	int (*command)(void *arg, int argc, char **argv, FILE *out, struct err *e);
	void *arg;
	/* Warnings to show at start (e.g. policy overrides). */
	char **warnings;
	size_t nwarnings;
	/* Called once the screen is up, before the first key: where the
	 * program asks for a passphrase (with tui_ask). May be NULL. */
	void (*on_start)(void *arg);
	/* A command to run once started (after on_start), on its module's
	 * tab: `atrium sheets open FILE`. start_argv[0] is the module. */
	int start_argc;
	char **start_argv;
};

/* While the shell runs: ask a question on the bottom line and wait for the
 * answer (secret: shown as dots). 0 with the answer in buf, E_CANCELLED on
 * Esc, E_IO if the terminal went away. */
int tui_ask(const char *prompt, int secret, char *buf, size_t len);
/* Bring a module's tab to the front and run one of its verbs there, as
 * the command line would (argv[0] is the module): how one module hands a
 * file to another (the files tab opens a document in docs). */
int tui_run_in(int argc, char **argv);
/* Leave the shell after the current key. */
void tui_quit(void);

/* Set up the terminal, run until the user quits or a terminating signal
 * arrives, restore the terminal. Returns 0 or an E_* code (e filled). */
int tui_run(struct tui_host *h, struct err *e);
/* Check the [keys] section of a configuration (names, key syntax) so a
 * mistake is reported at start in batch mode too. */
int tui_keys_check(const struct conf *conf, struct err *e);
/* The local terminal's clipboard (clipboard.c): OSC 52, as the plain
 * sequence or wrapped for GNU screen (ui_osc52_mode picks by TERM and
 * TMUX). ui_clipboard_set writes it to the terminal while the screen is
 * up: 0, E_IO (no screen, a write failed) or E_RANGE (longer than
 * UI_OSC52_MAX: terminals drop longer ones). */
#define UI_OSC52_MAX 100000
enum { UI_OSC52_PLAIN, UI_OSC52_SCREEN };
int ui_osc52_mode(const char *term, const char *tmux);
void ui_osc52_encode(const char *s, size_t len, int mode, struct buf *out);
int ui_clipboard_set(const char *s, size_t len);

/* For module_env.redraw / .message while the shell runs. */
void tui_request_redraw(void);
void tui_message(const char *text);

#endif
