/*
 * internal.h - what tui/ files share and nobody else sees: curses lives
 * behind this line.
 */
#ifndef ATRIUM_TUI_INTERNAL_H
#define ATRIUM_TUI_INTERNAL_H

#define NCURSES_WIDECHAR 1
#include <curses.h>

#include "i18n/i18n.h"
#include "tui/tui.h"

struct ui_area {
	WINDOW *win;
	int y, x, h, w;
};

/* screen.c */
int screen_open(const struct conf *conf, struct err *e);
void screen_close(void);
void screen_resize(void);
attr_t screen_attr(enum ui_role role);
short screen_pair(enum ui_role role);
int screen_mouse(void);

/* keys.c */
void keys_setup(void);
/* Read the next key if one is ready; UI_KEY_NONE when none. */
int keys_read(void);
/* The mouse event behind the last UI_KEY_MOUSE. */
int keys_mouse(int *y, int *x);

/* keymap.c: shell actions and their bindings. */
enum shell_action {
	ACT_NONE,
	ACT_TAB1,
	ACT_TAB2,
	ACT_TAB3,
	ACT_TAB4,
	ACT_TAB5,
	ACT_TAB_NEXT,
	ACT_TAB_PREV,
	ACT_COMMAND,   /* open the command line anywhere (Ctrl-E) */
	ACT_COMMAND_COLON, /* ':' where the module is not taking text */
	ACT_HELP,
	ACT_QUIT,
	ACT_REDRAW,
	ACT_COUNT,
};
struct keymap_entry {
	const char *name; /* "tab1", "command", ... as in [keys] */
	enum shell_action act;
	int keys[3];
};
int keymap_load(const struct conf *conf, struct err *e);
enum shell_action keymap_lookup(int key);
const struct keymap_entry *keymap_entries(size_t *n);

/* cmdline.c: the ':' prompt with history and completion. */
struct cmdline;
struct cmdline *cmdline_new(void);
void cmdline_free(struct cmdline *c);
void cmdline_open(struct cmdline *c, const char *initial);
int cmdline_active(const struct cmdline *c);
/* Feed a key. Returns 1 when Enter was pressed (the line is ready),
 * -1 when cancelled, 0 otherwise. */
int cmdline_key(struct cmdline *c, int key, const struct tui_host *h);
const char *cmdline_text(const struct cmdline *c);
void cmdline_close(struct cmdline *c, int keep_in_history);
void cmdline_draw(struct cmdline *c, struct ui_area *row);
/* Complete the word before the cursor: candidates from the shell
 * commands, module names and the current module's verbs. Exposed for tests. */
int cmdline_complete(struct cmdline *c, const struct tui_host *h);

/* help.c */
void help_draw(struct ui_area *a, const struct tui_host *h, int current, int scroll);
int help_lines(const struct tui_host *h, int current);

/* The cursor a view asked for in this frame (ui_cursor); -1 if none. */
extern int ui_cursor_y, ui_cursor_x;

/* Draw a box outline in an area. */
void ui_box(struct ui_area *a, enum ui_role role);

#endif
