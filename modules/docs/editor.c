/*
 * editor.c - the editor's model (editor.h): a doc_buf with a cursor, the
 * file it came from, and where the view is scrolled to.
 *
 * Display columns are counted over one line's bytes, read from the buffer
 * when needed (the cursor's line for moves, the visible lines for drawing),
 * so the cost of a move grows with the line, not the file. Soft wrap and a
 * width index for very long lines are later work.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "i18n/i18n.h"
#include "modules/docs/buffer.h"
#include "modules/docs/editor.h"
#include "store/store.h"

struct editor {
	struct doc_buf *b;
	char *path;     /* NULL: untitled */
	size_t cur;     /* cursor: a byte offset on a cluster boundary */
	long want_col;  /* column up/down aim for; -1: the cursor's */
	size_t top;     /* first line shown */
	size_t left;    /* first column shown */
	int rows, cols; /* the text area, from the view */
	int pasting;
	unsigned long changes; /* bumped by every edit, open and save */
	int64_t base_size;     /* the file at open or save; -1: none */
	int64_t base_mtime;
	int recovered;         /* the text came from the recovery journal */
	size_t mark, mark_len; /* a range the view highlights (a match) */
};

static void end_typing(struct editor *ed);

/* Remember the file's size and mtime as we last read or wrote it. */
static void note_base(struct editor *ed)
{
	struct stat st;

	ed->base_size = ed->base_mtime = -1;
	if (ed->path && stat(ed->path, &st) == 0) {
		ed->base_size = (int64_t)st.st_size;
		ed->base_mtime = (int64_t)st.st_mtime;
	}
}

struct editor *editor_new(void)
{
	struct editor *ed = xcalloc(1, sizeof *ed);

	ed->b = doc_buf_new_empty();
	ed->want_col = -1;
	ed->rows = 20;
	ed->cols = 80;
	ed->base_size = ed->base_mtime = -1;
	return ed;
}

void editor_free(struct editor *ed)
{
	if (ed == NULL)
		return;
	if (ed->pasting)
		doc_buf_group_end(ed->b);
	doc_buf_free(ed->b);
	free(ed->path);
	free(ed);
}

int editor_open(struct editor *ed, const char *path, struct err *e)
{
	struct doc_buf *nb;
	int rc = doc_buf_open(path, &nb, e);

	if (rc != 0)
		return rc;
	doc_buf_free(ed->b);
	ed->b = nb;
	xstrset(&ed->path, path);
	ed->cur = 0;
	ed->want_col = -1;
	ed->top = ed->left = 0;
	ed->pasting = 0;
	ed->changes++;
	ed->recovered = 0;
	ed->mark_len = 0;
	note_base(ed);
	return 0;
}

void editor_reset(struct editor *ed)
{
	doc_buf_free(ed->b);
	ed->b = doc_buf_new_empty();
	free(ed->path);
	ed->path = NULL;
	ed->cur = 0;
	ed->want_col = -1;
	ed->top = ed->left = 0;
	ed->pasting = 0;
	ed->changes++;
	ed->recovered = 0;
	ed->mark_len = 0;
	note_base(ed);
}

void editor_replace_all(struct editor *ed, const char *text, size_t len)
{
	editor_paste_end(ed);
	doc_buf_group_begin(ed->b);
	doc_buf_delete(ed->b, 0, doc_buf_len(ed->b));
	doc_buf_insert(ed->b, 0, text, len);
	doc_buf_group_end(ed->b);
	ed->cur = 0;
	ed->want_col = -1;
	ed->top = ed->left = 0;
	ed->mark_len = 0;
	ed->changes++;
}

int editor_save(struct editor *ed, const char *path, struct err *e)
{
	struct buf text;
	int rc;

	if (path == NULL)
		path = ed->path;
	if (path == NULL)
		return err_set(e, E_USAGE, "%s", tr("docs.err.no_name"));
	buf_init(&text);
	doc_buf_contents(ed->b, &text);
	rc = store_write_atomic(path, text.len ? text.data : "", text.len, 0644, e);
	buf_free(&text);
	if (rc != 0)
		return rc;
	if (path != ed->path)
		xstrset(&ed->path, path);
	doc_buf_mark_saved(ed->b);
	ed->changes++;
	ed->recovered = 0;
	note_base(ed);
	return 0;
}

const char *editor_path(const struct editor *ed)
{
	return ed->path;
}

const struct doc_buf *editor_buf(const struct editor *ed)
{
	return ed->b;
}

size_t editor_cursor(const struct editor *ed)
{
	return ed->cur;
}

int editor_modified(const struct editor *ed)
{
	return doc_buf_modified(ed->b);
}

unsigned long editor_changes(const struct editor *ed)
{
	return ed->changes;
}

void editor_base(const struct editor *ed, int64_t *size, int64_t *mtime)
{
	*size = ed->base_size;
	*mtime = ed->base_mtime;
}

int editor_recovered(const struct editor *ed)
{
	return ed->recovered;
}

void editor_set_recovered(struct editor *ed, int on)
{
	ed->recovered = on;
}

void editor_set_cursor(struct editor *ed, size_t off)
{
	end_typing(ed);
	ed->cur = off < doc_buf_len(ed->b) ? off : doc_buf_len(ed->b);
	ed->want_col = -1;
}

void editor_set_mark(struct editor *ed, size_t off, size_t len)
{
	ed->mark = off;
	ed->mark_len = len;
}

size_t editor_mark(const struct editor *ed, size_t *len)
{
	*len = ed->mark_len;
	return ed->mark;
}

/* ---- columns ------------------------------------------------------------------------ */

/* As tui/draw.c: code points drawn as one placeholder column each. */
static int unsafe_cp(unsigned cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || (cp >= 0x202a && cp <= 0x202e) ||
	       (cp >= 0x2066 && cp <= 0x2069) || cp == 0x2028 || cp == 0x2029;
}

size_t editor_cluster_width(const char *g, size_t len, size_t col)
{
	unsigned cp;
	size_t n = utf8_decode(g, len, &cp), w = 0;

	if (n == 0)
		return 1; /* an invalid byte: U+FFFD */
	if (cp == '\t')
		return EDITOR_TAB - col % EDITOR_TAB;
	if (!unsafe_cp(cp))
		return (size_t)txt_grapheme_width(g, len);
	/* Controls are clusters of their own (CR LF is one cluster of two). */
	for (size_t off = 0; off < len; off += n ? n : 1, w++)
		n = utf8_decode(g + off, len - off, &cp);
	return w;
}

void editor_line(const struct editor *ed, size_t line, struct buf *out)
{
	size_t start = doc_buf_line_start(ed->b, line);
	size_t end = line + 1 < doc_buf_lines(ed->b) ? doc_buf_line_start(ed->b, line + 1) - 1
						     : doc_buf_len(ed->b);
	char *tmp;
	size_t n;

	if (end <= start)
		return;
	tmp = xmalloc(end - start);
	n = doc_buf_read(ed->b, start, end - start, tmp);
	buf_add(out, tmp, n);
	free(tmp);
}

/* Columns of s[0, len) drawn from column 0. */
static size_t text_cols(const char *s, size_t len)
{
	size_t col = 0;

	for (size_t off = 0; off < len;) {
		size_t g = txt_next_grapheme(s + off, len - off);

		col += editor_cluster_width(s + off, g, col);
		off += g;
	}
	return col;
}

/* The offset in line whose column is the largest not past want. */
static size_t offset_at_col(const struct editor *ed, size_t line, size_t want)
{
	struct buf text;
	size_t off = 0, col = 0;

	buf_init(&text);
	editor_line(ed, line, &text);
	while (off < text.len) {
		size_t g = txt_next_grapheme(text.data + off, text.len - off);
		size_t w = editor_cluster_width(text.data + off, g, col);

		if (col + w > want)
			break;
		col += w;
		off += g;
	}
	buf_free(&text);
	return doc_buf_line_start(ed->b, line) + off;
}

size_t editor_cursor_line(const struct editor *ed)
{
	return doc_buf_line_of(ed->b, ed->cur);
}

size_t editor_cursor_col(const struct editor *ed)
{
	size_t start = doc_buf_line_start(ed->b, editor_cursor_line(ed));
	size_t n = ed->cur - start, col;
	char *s = xmalloc(n + 1);

	n = doc_buf_read(ed->b, start, n, s);
	col = text_cols(s, n);
	free(s);
	return col;
}

static size_t line_end(const struct editor *ed, size_t line)
{
	if (line + 1 < doc_buf_lines(ed->b))
		return doc_buf_line_start(ed->b, line + 1) - 1;
	return doc_buf_len(ed->b);
}

/* ---- edits ------------------------------------------------------------------------ */

/* A move ends the word being typed: typing after it is a new undo step. */
static void end_typing(struct editor *ed)
{
	if (!ed->pasting)
		doc_buf_group_end(ed->b);
}

void editor_insert(struct editor *ed, const char *s, size_t len)
{
	if (doc_buf_insert(ed->b, ed->cur, s, len) == 0) {
		ed->cur += len;
		ed->changes++;
	}
	ed->want_col = -1;
}

void editor_paste_begin(struct editor *ed)
{
	if (!ed->pasting)
		doc_buf_group_begin(ed->b);
	ed->pasting = 1;
}

void editor_paste_end(struct editor *ed)
{
	if (ed->pasting)
		doc_buf_group_end(ed->b);
	ed->pasting = 0;
}

void editor_backspace(struct editor *ed)
{
	size_t p = doc_buf_prev_grapheme(ed->b, ed->cur);

	if (p < ed->cur && doc_buf_delete(ed->b, p, ed->cur - p) == 0) {
		ed->cur = p;
		ed->changes++;
	}
	ed->want_col = -1;
}

void editor_delete(struct editor *ed)
{
	size_t n = doc_buf_next_grapheme(ed->b, ed->cur);

	if (n > ed->cur && doc_buf_delete(ed->b, ed->cur, n - ed->cur) == 0)
		ed->changes++;
	ed->want_col = -1;
}

int editor_undo(struct editor *ed)
{
	int rc;

	editor_paste_end(ed);
	rc = doc_buf_undo(ed->b, &ed->cur);
	ed->want_col = -1;
	if (rc == 0)
		ed->changes++;
	return rc;
}

int editor_redo(struct editor *ed)
{
	int rc;

	editor_paste_end(ed);
	rc = doc_buf_redo(ed->b, &ed->cur);
	ed->want_col = -1;
	if (rc == 0)
		ed->changes++;
	return rc;
}

/* ---- moves ------------------------------------------------------------------------- */

static void move_lines(struct editor *ed, long delta)
{
	size_t line = editor_cursor_line(ed), last = doc_buf_lines(ed->b) - 1;
	long to = (long)line + delta;

	if (ed->want_col < 0)
		ed->want_col = (long)editor_cursor_col(ed);
	if (to < 0) {
		ed->cur = 0; /* up from the first line: its start, as editors do */
		return;
	}
	if ((size_t)to > last) {
		ed->cur = doc_buf_len(ed->b);
		return;
	}
	ed->cur = offset_at_col(ed, (size_t)to, (size_t)ed->want_col);
}

void editor_move(struct editor *ed, enum editor_move m)
{
	long page = ed->rows > 1 ? ed->rows - 1 : 1;
	long want = ed->want_col;

	end_typing(ed);
	ed->want_col = -1;
	switch (m) {
	case ED_LEFT:
		ed->cur = doc_buf_prev_grapheme(ed->b, ed->cur);
		break;
	case ED_RIGHT:
		ed->cur = doc_buf_next_grapheme(ed->b, ed->cur);
		break;
	case ED_UP:
	case ED_DOWN:
	case ED_PGUP:
	case ED_PGDN:
		ed->want_col = want;
		if (m == ED_PGUP || m == ED_PGDN) {
			long t = (long)ed->top + (m == ED_PGUP ? -page : page);

			ed->top = t < 0 ? 0 : (size_t)t;
		}
		move_lines(ed, m == ED_UP ? -1 : m == ED_DOWN ? 1 : m == ED_PGUP ? -page : page);
		break;
	case ED_HOME:
		ed->cur = doc_buf_line_start(ed->b, editor_cursor_line(ed));
		break;
	case ED_END:
		ed->cur = line_end(ed, editor_cursor_line(ed));
		break;
	case ED_TOP:
		ed->cur = 0;
		break;
	case ED_BOTTOM:
		ed->cur = doc_buf_len(ed->b);
		break;
	case ED_WORD_LEFT:
		ed->cur = doc_buf_word_prev(ed->b, ed->cur);
		break;
	case ED_WORD_RIGHT:
		ed->cur = doc_buf_word_next(ed->b, ed->cur);
		break;
	}
}

/* ---- scrolling --------------------------------------------------------------------- */

void editor_set_size(struct editor *ed, int rows, int cols)
{
	size_t line = editor_cursor_line(ed), col, last = doc_buf_lines(ed->b) - 1;

	ed->rows = rows > 0 ? rows : 1;
	ed->cols = cols > 1 ? cols : 2;
	if (ed->top > last)
		ed->top = last;
	if (line < ed->top)
		ed->top = line;
	else if (line >= ed->top + (size_t)ed->rows)
		ed->top = line - (size_t)ed->rows + 1;
	/* Keep room for a wide cluster under the cursor at the right edge. */
	col = editor_cursor_col(ed);
	if (col < ed->left)
		ed->left = col;
	else if (col + 2 > ed->left + (size_t)ed->cols)
		ed->left = col + 2 - (size_t)ed->cols;
}

size_t editor_top(const struct editor *ed)
{
	return ed->top;
}

size_t editor_left(const struct editor *ed)
{
	return ed->left;
}
