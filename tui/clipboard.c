/*
 * clipboard.c - the local terminal's clipboard through OSC 52 (tui.h):
 * ESC ] 52 ; c ; BASE64 BEL puts text on the clipboard of the terminal
 * the user sits at, also across ssh. Written straight to the terminal
 * between frames (the sequence moves no cursor and draws nothing).
 *
 * tmux (3.3: `set -g set-clipboard on`) takes the plain sequence from the
 * programs inside it, keeps it as a paste buffer and passes it to the
 * outer terminal; its passthrough form (DCS tmux; ...) needs
 * `allow-passthrough`, off by default, so inside tmux ($TMUX set) we send
 * the plain form. GNU screen passes nothing on by itself: under
 * TERM=screen* without $TMUX the sequence goes in screen's DCS wrapper.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tui/internal.h"

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static void base64(const unsigned char *s, size_t len, struct buf *out)
{
	for (size_t i = 0; i < len; i += 3) {
		unsigned v = (unsigned)s[i] << 16;
		char q[4];

		if (i + 1 < len)
			v |= (unsigned)s[i + 1] << 8;
		if (i + 2 < len)
			v |= s[i + 2];
		q[0] = b64[v >> 18 & 63];
		q[1] = b64[v >> 12 & 63];
		q[2] = i + 1 < len ? b64[v >> 6 & 63] : '=';
		q[3] = i + 2 < len ? b64[v & 63] : '=';
		buf_add(out, q, 4);
	}
}

int ui_osc52_mode(const char *term, const char *tmux)
{
	if (tmux && *tmux)
		return UI_OSC52_PLAIN;
	if (term && strncmp(term, "screen", 6) == 0)
		return UI_OSC52_SCREEN;
	return UI_OSC52_PLAIN;
}

void ui_osc52_encode(const char *s, size_t len, int mode, struct buf *out)
{
	if (mode == UI_OSC52_SCREEN)
		buf_adds(out, "\033P");
	buf_adds(out, "\033]52;c;");
	base64((const unsigned char *)s, len, out);
	buf_addc(out, '\a');
	if (mode == UI_OSC52_SCREEN)
		buf_adds(out, "\033\\");
}

int ui_clipboard_set(const char *s, size_t len)
{
	struct buf seq;
	size_t off = 0;
	int rc = 0;

	if (len > UI_OSC52_MAX)
		return E_RANGE;
	if (stdscr == NULL || isendwin())
		return E_IO;
	buf_init(&seq);
	ui_osc52_encode(s, len, ui_osc52_mode(getenv("TERM"), getenv("TMUX")), &seq);
	fflush(stdout); /* after whatever curses has buffered */
	while (off < seq.len) {
		ssize_t n = write(STDOUT_FILENO, seq.data + off, seq.len - off);

		if (n <= 0) {
			rc = E_IO;
			break;
		}
		off += (size_t)n;
	}
	buf_free(&seq);
	return rc;
}
