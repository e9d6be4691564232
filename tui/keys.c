/*
 * keys.c - turning terminal input into key codes (tui.h): function keys
 * through curses, Alt as Esc-prefix (Meta), bracketed paste markers, mouse.
 * Key names ("C-e", "M-1", "F1") for key maps live here too.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "tui/internal.h"

#define KEY_PASTE_BEGIN_CODE (KEY_MAX + 1)
#define KEY_PASTE_END_CODE (KEY_MAX + 2)
#define KEY_CPGUP_CODE (KEY_MAX + 3)
#define KEY_CPGDN_CODE (KEY_MAX + 4)
#define KEY_FOCUS_IN_CODE (KEY_MAX + 5)
#define KEY_FOCUS_OUT_CODE (KEY_MAX + 6)
/* xterm's modified cursor keys, CSI 1;m X and CSI n;m ~: codes from here */
#define KEY_XMOD_CODE (KEY_MAX + 16)

static const char xmod_final[] = "ABCDHF56"; /* Up Down Right Left Home End PgUp PgDn */
static const int xmod_key[] = { UI_KEY_UP, UI_KEY_DOWN, UI_KEY_RIGHT, UI_KEY_LEFT,
				UI_KEY_HOME, UI_KEY_END, UI_KEY_PGUP, UI_KEY_PGDN };
#define XMOD_N 8

static MEVENT last_mouse;
static int have_mouse;
static int in_paste, last_cr; /* a pasted CR LF is one line end */

void keys_setup(void)
{
	define_key("\033[200~", KEY_PASTE_BEGIN_CODE);
	define_key("\033[201~", KEY_PASTE_END_CODE);
	/* Focus reports (screen.c turns them on): the editor looks at its
	 * file again when the user comes back to the window. */
	define_key("\033[I", KEY_FOCUS_IN_CODE);
	define_key("\033[O", KEY_FOCUS_OUT_CODE);
	/* Ctrl-PgUp/PgDn (xterm's modifier 5), which terminfo names only
	 * as extended capabilities: the Sheets tab switches sheets with them. */
	define_key("\033[5;5~", KEY_CPGUP_CODE);
	define_key("\033[6;5~", KEY_CPGDN_CODE);
	/* Shift, Alt and Ctrl on arrows, Home/End, PgUp/PgDn as xterm, tmux
	 * (xterm-keys, on by default) and most terminals send them; terminfo
	 * names only some (kLFT, kRIT5 ...), so all are defined here: the
	 * editor selects with Shift and moves by word with Ctrl. */
	for (int k = 0; k < XMOD_N; k++) {
		for (int m = 2; m <= 8; m++) {
			char seq[16];
			char f = xmod_final[k];

			if ((f == '5' || f == '6') && m == 5)
				continue; /* C-PgUp / C-PgDn, above */
			if (f == '5' || f == '6')
				snprintf(seq, sizeof seq, "\033[%c;%d~", f, m);
			else
				snprintf(seq, sizeof seq, "\033[1;%d%c", m, f);
			define_key(seq, KEY_XMOD_CODE + k * 8 + m);
		}
	}
}

/* xterm's modifier parameter m is 1 + (Shift 1, Alt 2, Ctrl 4). */
static int xmod(int code)
{
	int k = (code - KEY_XMOD_CODE) / 8, m = (code - KEY_XMOD_CODE) % 8 - 1, key = xmod_key[k];

	if (m & 1)
		key |= UI_MOD_SHIFT;
	if (m & 2)
		key |= UI_MOD_ALT;
	if (m & 4)
		key |= UI_MOD_CTRL;
	return key;
}

static int map_function_key(int k)
{
	switch (k) {
	case KEY_UP: return UI_KEY_UP;
	case KEY_DOWN: return UI_KEY_DOWN;
	case KEY_LEFT: return UI_KEY_LEFT;
	case KEY_RIGHT: return UI_KEY_RIGHT;
	case KEY_HOME: return UI_KEY_HOME;
	case KEY_END: return UI_KEY_END;
	case KEY_PPAGE: return UI_KEY_PGUP;
	case KEY_NPAGE: return UI_KEY_PGDN;
	case KEY_IC: return UI_KEY_INSERT;
	case KEY_DC: return UI_KEY_DELETE;
	case KEY_BACKSPACE: return UI_KEY_BACKSPACE;
	case KEY_ENTER: return UI_KEY_ENTER;
	case KEY_BTAB: return UI_KEY_BTAB;
	case KEY_RESIZE: return UI_KEY_RESIZE;
	case KEY_MOUSE:
		have_mouse = getmouse(&last_mouse) == OK;
		return have_mouse ? UI_KEY_MOUSE : UI_KEY_NONE;
	case KEY_PASTE_BEGIN_CODE: return UI_KEY_PASTE_BEGIN;
	case KEY_PASTE_END_CODE: return UI_KEY_PASTE_END;
	case KEY_FOCUS_IN_CODE: return UI_KEY_FOCUS_IN;
	case KEY_FOCUS_OUT_CODE: return UI_KEY_FOCUS_OUT;
	case KEY_CPGUP_CODE: return UI_KEY_PGUP | UI_MOD_CTRL;
	case KEY_CPGDN_CODE: return UI_KEY_PGDN | UI_MOD_CTRL;
	case KEY_SR: return UI_KEY_UP | UI_MOD_SHIFT;
	case KEY_SF: return UI_KEY_DOWN | UI_MOD_SHIFT;
	case KEY_SLEFT: return UI_KEY_LEFT | UI_MOD_SHIFT;
	case KEY_SRIGHT: return UI_KEY_RIGHT | UI_MOD_SHIFT;
	case KEY_SHOME: return UI_KEY_HOME | UI_MOD_SHIFT;
	case KEY_SEND: return UI_KEY_END | UI_MOD_SHIFT;
	case KEY_SPREVIOUS: return UI_KEY_PGUP | UI_MOD_SHIFT;
	case KEY_SNEXT: return UI_KEY_PGDN | UI_MOD_SHIFT;
	}
	if (k >= KEY_F(1) && k <= KEY_F(12))
		return UI_KEY_F1 + (k - KEY_F(1));
	if (k >= KEY_XMOD_CODE && k < KEY_XMOD_CODE + XMOD_N * 8)
		return xmod(k);
	return UI_KEY_NONE;
}

static int map_char(wint_t c)
{
	switch (c) {
	case '\r':
	case '\n': return UI_KEY_ENTER;
	case '\t': return UI_KEY_TAB;
	case 127:
	case 8: return UI_KEY_BACKSPACE;
	case 27: return UI_KEY_ESC;
	}
	return (int)c;
}

int keys_read(void)
{
	wint_t c;
	int r = get_wch(&c);

	if (r == ERR)
		return UI_KEY_NONE;
	if (r == KEY_CODE_YES) {
		int k = map_function_key((int)c);

		if (k == UI_KEY_PASTE_BEGIN || k == UI_KEY_PASTE_END)
			in_paste = k == UI_KEY_PASTE_BEGIN;
		last_cr = 0;
		return k;
	}
	if (in_paste) {
		int skip = c == '\n' && last_cr;

		last_cr = c == '\r';
		if (skip)
			return keys_read();
		return map_char(c);
	}
	if (c == 27) {
		/* Esc followed at once by a key is Alt+key (Meta sends Esc). */
		wint_t c2;
		int r2 = get_wch(&c2);

		if (r2 == ERR)
			return UI_KEY_ESC;
		if (r2 == KEY_CODE_YES) {
			int k = map_function_key((int)c2);

			return k == UI_KEY_NONE ? UI_KEY_ESC : (k | UI_MOD_ALT);
		}
		return map_char(c2) | UI_MOD_ALT;
	}
	return map_char(c);
}

int keys_mouse(int *y, int *x)
{
	if (!have_mouse)
		return 0;
	*y = last_mouse.y;
	*x = last_mouse.x;
	return (int)last_mouse.bstate;
}

static const struct {
	const char *name;
	int key;
} named[] = {
	{ "Up", UI_KEY_UP },         { "Down", UI_KEY_DOWN },     { "Left", UI_KEY_LEFT },
	{ "Right", UI_KEY_RIGHT },   { "Home", UI_KEY_HOME },     { "End", UI_KEY_END },
	{ "PgUp", UI_KEY_PGUP },     { "PgDn", UI_KEY_PGDN },     { "Insert", UI_KEY_INSERT },
	{ "Delete", UI_KEY_DELETE }, { "Backspace", UI_KEY_BACKSPACE },
	{ "Enter", UI_KEY_ENTER },   { "Tab", UI_KEY_TAB },       { "BTab", UI_KEY_BTAB },
	{ "Esc", UI_KEY_ESC },       { "Space", ' ' },
};

int ui_key_parse(const char *name)
{
	int mod = 0, k;

	for (;;) {
		if (strncasecmp(name, "M-", 2) == 0 && name[2]) {
			mod |= UI_MOD_ALT;
			name += 2;
		} else if (strncasecmp(name, "S-", 2) == 0 && name[2] && name[3]) {
			/* Shift with a named key: S-Left, S-Home */
			mod |= UI_MOD_SHIFT;
			name += 2;
			for (size_t i = 0; i < nitems(named); i++)
				if (named[i].key >= UI_KEY_BASE && strcasecmp(name, named[i].name) == 0)
					return named[i].key | mod;
			return -1;
		} else if (strncasecmp(name, "C-", 2) == 0 && name[2] && name[3]) {
			/* Ctrl with a named key: C-PgUp, C-S-Left */
			if (strncasecmp(name + 2, "S-", 2) == 0 && name[4]) {
				mod |= UI_MOD_SHIFT;
				name += 2;
			}
			for (size_t i = 0; i < nitems(named); i++)
				if (named[i].key >= UI_KEY_BASE &&
				    strcasecmp(name + 2, named[i].name) == 0)
					return named[i].key | UI_MOD_CTRL | mod;
			return -1;
		} else if (strncasecmp(name, "C-", 2) == 0 && name[2] && !name[3]) {
			char c = name[2];

			if (c >= 'A' && c <= 'Z')
				c = (char)(c - 'A' + 'a');
			if (c < 'a' || c > 'z')
				return -1;
			return UI_CTRL(c) | mod;
		} else {
			break;
		}
	}
	for (size_t i = 0; i < nitems(named); i++)
		if (strcasecmp(name, named[i].name) == 0)
			return named[i].key | mod;
	if ((name[0] == 'F' || name[0] == 'f') && name[1] >= '1' && name[1] <= '9') {
		k = name[1] - '0';
		if (name[2] >= '0' && name[2] <= '2' && !name[3] && k == 1)
			k = 10 + (name[2] - '0');
		else if (name[2])
			return -1;
		if (k >= 1 && k <= 12)
			return (UI_KEY_F1 + k - 1) | mod;
		return -1;
	}
	/* A single printable character (UTF-8). */
	if (name[0] && (unsigned char)name[0] < 0x80 && name[1] == '\0' && name[0] > ' ')
		return name[0] | mod;
	return -1;
}

void ui_key_name(int key, char *buf, size_t len)
{
	const char *alt = (key & UI_MOD_ALT) ? "M-" : "";
	const char *ctrl = (key & UI_MOD_CTRL) ? ((key & UI_MOD_SHIFT) ? "C-S-" : "C-")
				: (key & UI_MOD_SHIFT) ? "S-" : "";
	int k = key & ~(UI_MOD_ALT | UI_MOD_CTRL | UI_MOD_SHIFT);

	for (size_t i = 0; i < nitems(named); i++) {
		if (named[i].key == k) {
			snprintf(buf, len, "%s%s%s", alt, ctrl, named[i].name);
			return;
		}
	}
	if (k >= UI_KEY_F1 && k <= UI_KEY_F12)
		snprintf(buf, len, "%sF%d", alt, k - UI_KEY_F1 + 1);
	else if (k >= 1 && k <= 26)
		snprintf(buf, len, "%sC-%c", alt, 'a' + k - 1);
	else if (k > ' ' && k < 0x7f)
		snprintf(buf, len, "%s%c", alt, k);
	else
		snprintf(buf, len, "%s<%d>", alt, k);
}
