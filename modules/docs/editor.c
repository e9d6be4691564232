/*
 * editor.c - the editor's model (editor.h): a doc_buf with a cursor, the
 * file it came from, and where the view is scrolled to.
 *
 * Display columns are counted over one line's bytes, read from the buffer
 * when needed (the cursor's line for moves, the visible lines for drawing),
 * so the cost of a move grows with the line, not the file.
 *
 * Soft wrap (editor_set_wrap): a screen row is what txt_wrap lets through
 * from a window of WRAP_WIN bytes at the row's start, so a row depends on
 * those bytes only. Rows are laid out from a row start forward: the view
 * from the scroll position (a line and the byte offset of a row start in
 * it, not a row number, so nothing before it is laid out), moves from the
 * cursor's row. Finding the cursor's row needs the rows of its line from
 * the line's start up to it: those row starts are kept (struct rowidx, a
 * few lines at a time) and an edit drops only the rows whose window it
 * touches, so typing in a long line does not lay it out again.
 *
 * A line longer than WRAP_CK is cut into segments that are laid out on
 * their own, so finding a row costs at most a segment, whatever the
 * line's length (the end of a 10 MB line shows at once). Segment k starts
 * at a break opportunity found near k * WRAP_CK: where a row laid out
 * from the first cluster after that offset would end (ICU line breaking
 * again). The last row of a segment ends at the next one's start: once
 * every WRAP_CK bytes of one long line, a row may end short of the right
 * edge (at a place where a break is allowed anyway). That is the only
 * visible difference from laying the line out from its start.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "i18n/i18n.h"
#include "modules/docs/buffer.h"
#include "modules/docs/editor.h"
#include "modules/docs/file.h"
#include "store/store.h"

#define ROWIDX_N 4
/* Bytes a row is laid out from: room for the widest row of clusters. */
#define WRAP_WIN(cols) ((size_t)(cols) * 16 + 256)
/* Bytes of a long line between wrap segments (see the top). */
#define WRAP_CK ((size_t)64 << 10)

static void idx_clear(struct editor *ed);

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
	struct doc_format fmt; /* how the file is written (file.h) */
	int fmt_changed;       /* the user chose another form to save in */
	enum doc_ro ro;        /* why the file is read-only, or DOC_RW */
	struct doc_stamp stamp; /* the file as last read or written */
	size_t mark, mark_len; /* a range the view highlights (a match) */
	size_t anchor;         /* the selection's other end */
	int sel;               /* SEL_NONE, SEL_SHIFT or SEL_ANCHOR */
	int wrap;              /* soft wrap on */
	size_t top_off;        /* wrap: the first row shown starts here in top */
	struct rowidx {
		size_t line;   /* SIZE_MAX: unused */
		size_t *st;    /* row starts (line-relative) from st[0], the
				* start of a segment of the line */
		size_t n, cap;
		int complete;  /* st holds every row of the segment */
		unsigned long used;
	} idx[ROWIDX_N];
	unsigned long idx_clock;
	char *win;             /* WRAP_WIN bytes for laying out a row */
	size_t win_cap;
	/* A cluster boundary on the cursor's line and its column, valid
	 * while colc_changes == changes: the title bar's column is counted
	 * on from it, not from the start of a line that may be 10 MB. */
	size_t colc_off, colc_col;
	unsigned long colc_changes;
	int remote;            /* no file on disk: editor_open_mem */
	struct buf base;       /* remote: the bytes as stored last */
};

static void end_typing(struct editor *ed);

enum { SEL_NONE, SEL_SHIFT, SEL_ANCHOR };

/* The file's size and mtime as we last read or wrote it (the stamp). */
static void note_base(struct editor *ed)
{
	ed->base_size = ed->base_mtime = -1;
	if (ed->path && ed->stamp.exists) {
		ed->base_size = ed->stamp.size;
		ed->base_mtime = ed->stamp.mtime;
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
	for (int i = 0; i < ROWIDX_N; i++)
		ed->idx[i].line = SIZE_MAX;
	buf_init(&ed->base);
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
	for (int i = 0; i < ROWIDX_N; i++)
		free(ed->idx[i].st);
	free(ed->win);
	buf_free(&ed->base);
	free(ed);
}

int editor_open(struct editor *ed, const char *path, struct err *e)
{
	struct doc_buf *nb;
	struct doc_format fmt;
	struct doc_stamp stamp;
	enum doc_ro ro;
	int rc = doc_file_load(path, &nb, &fmt, &ro, &stamp, e);

	if (rc != 0)
		return rc;
	doc_buf_free(ed->b);
	ed->b = nb;
	ed->fmt = fmt;
	ed->fmt_changed = 0;
	ed->ro = ro;
	ed->stamp = stamp;
	xstrset(&ed->path, path);
	ed->cur = 0;
	ed->want_col = -1;
	ed->top = ed->left = ed->top_off = 0;
	idx_clear(ed);
	ed->pasting = 0;
	ed->changes++;
	ed->recovered = 0;
	ed->mark_len = 0;
	ed->remote = 0;
	buf_free(&ed->base);
	note_base(ed);
	return 0;
}

void editor_reset(struct editor *ed)
{
	ed->sel = SEL_NONE;
	doc_buf_free(ed->b);
	ed->b = doc_buf_new_empty();
	free(ed->path);
	ed->path = NULL;
	memset(&ed->fmt, 0, sizeof ed->fmt);
	ed->fmt_changed = 0;
	ed->ro = DOC_RW;
	memset(&ed->stamp, 0, sizeof ed->stamp);
	ed->cur = 0;
	ed->want_col = -1;
	ed->top = ed->left = ed->top_off = 0;
	idx_clear(ed);
	ed->pasting = 0;
	ed->changes++;
	ed->recovered = 0;
	ed->mark_len = 0;
	ed->remote = 0;
	buf_free(&ed->base);
	note_base(ed);
}

void editor_load_text(struct editor *ed, const char *text, size_t len)
{
	editor_reset(ed);
	doc_buf_free(ed->b);
	ed->b = doc_buf_new_text(len ? memcpy(xmalloc(len), text, len) : NULL, len);
}

void editor_replace_all(struct editor *ed, const char *text, size_t len)
{
	ed->sel = SEL_NONE;
	editor_paste_end(ed);
	doc_buf_group_begin(ed->b);
	doc_buf_delete(ed->b, 0, doc_buf_len(ed->b));
	doc_buf_insert(ed->b, 0, text, len);
	doc_buf_group_end(ed->b);
	ed->cur = 0;
	ed->want_col = -1;
	ed->top = ed->left = ed->top_off = 0;
	idx_clear(ed);
	ed->mark_len = 0;
	ed->changes++;
}

void editor_open_mem(struct editor *ed, const char *name, const char *data, size_t len,
		     int exists)
{
	struct doc_format fmt = { DOC_ENC_UTF8, 0, 0 };
	enum doc_ro ro = DOC_RW;
	char *nm = xstrdup(name); /* name may be ed's own path */
	struct buf text;
	size_t n;

	buf_init(&text);
	if (exists)
		doc_file_decode(len ? data : "", len, &text, &fmt, &ro);
	n = text.len;
	editor_reset(ed);
	doc_buf_free(ed->b);
	ed->b = doc_buf_new_text(n ? buf_detach(&text) : NULL, n);
	buf_free(&text);
	free(ed->path);
	ed->path = nm;
	ed->fmt = fmt;
	ed->ro = ro;
	ed->remote = 1;
	if (exists) {
		if (len)
			buf_add(&ed->base, data, len);
		doc_stamp_mem(data, len, &ed->stamp);
	}
	note_base(ed);
}

int editor_remote(const struct editor *ed)
{
	return ed->remote;
}

int editor_encode(const struct editor *ed, struct buf *out, struct err *e)
{
	struct buf text;
	char t[600];
	int rc;

	if (ed->ro != DOC_RW)
		return err_set(e, E_PERM, "%s",
			       trf(t, sizeof t, editor_ro_key(ed), TR_S(ed->path ? ed->path : "")));
	buf_init(&text);
	doc_buf_contents(ed->b, &text);
	rc = doc_file_encode(text.len ? text.data : "", text.len, &ed->fmt, out, e);
	buf_free(&text);
	return rc;
}

void editor_mem_saved(struct editor *ed, uint64_t gen, const char *data, size_t len)
{
	struct buf now;
	struct err e;
	int same = 0;

	if (!ed->remote)
		return;
	buf_reset(&ed->base);
	if (len)
		buf_add(&ed->base, data, len);
	doc_stamp_mem(data, len, &ed->stamp);
	/* Typing went on while the bytes travelled: still modified, unless
	 * the text came back to what was sent. */
	buf_init(&now);
	if (doc_buf_gen(ed->b) == gen ||
	    (editor_encode(ed, &now, &e) == 0 && now.len == len &&
	     (len == 0 || memcmp(now.data, data, len) == 0)))
		same = 1;
	buf_free(&now);
	if (same) {
		doc_buf_mark_saved(ed->b);
		ed->fmt_changed = 0;
		ed->recovered = 0;
	}
	ed->changes++;
	note_base(ed);
}

void editor_mem_revert(struct editor *ed)
{
	struct buf data;
	char *name;
	int exists = ed->stamp.exists;

	if (!ed->remote)
		return;
	/* editor_open_mem starts by emptying the editor: take the bytes out */
	data = ed->base;
	buf_init(&ed->base);
	name = xstrdup(ed->path);
	editor_open_mem(ed, name, data.data, data.len, exists);
	free(name);
	buf_free(&data);
}

void editor_mem_base(const struct editor *ed, const char **p, size_t *n)
{
	*p = ed->base.len ? ed->base.data : "";
	*n = ed->base.len;
}

int editor_save(struct editor *ed, const char *path, struct err *e)
{
	struct doc_stamp stamp;
	char t[600];
	int rc, own;

	if (path == NULL)
		path = ed->path;
	if (path == NULL)
		return err_set(e, E_USAGE, "%s", tr("docs.err.no_name"));
	if (ed->remote && ed->path && strcmp(path, ed->path) == 0)
		return err_set(e, E_USAGE, "%s", trf(t, sizeof t, "docs.err.remote_save", TR_S(path)));
	own = ed->path && strcmp(path, ed->path) == 0;
	if (own && ed->ro != DOC_RW)
		return err_set(e, E_PERM, "%s",
			       trf(t, sizeof t, editor_ro_key(ed), TR_S(path)));
	rc = doc_file_save(ed->b, path, &ed->fmt, &stamp, e);
	if (rc != 0)
		return rc;
	if (!own)
		xstrset(&ed->path, path);
	ed->remote = 0; /* a local copy: the file it is from now on */
	buf_free(&ed->base);
	ed->stamp = stamp;
	ed->fmt_changed = 0;
	if (ed->ro == DOC_RO_PERM && access(path, W_OK) == 0)
		ed->ro = DOC_RW;
	doc_buf_mark_saved(ed->b);
	ed->changes++;
	ed->recovered = 0;
	note_base(ed);
	return 0;
}

const struct doc_format *editor_format(const struct editor *ed)
{
	return &ed->fmt;
}

void editor_set_format(struct editor *ed, const struct doc_format *f)
{
	if (f->enc == ed->fmt.enc && f->bom == ed->fmt.bom && f->crlf == ed->fmt.crlf)
		return;
	ed->fmt = *f;
	ed->fmt_changed = 1;
	ed->changes++;
}

enum doc_ro editor_readonly(const struct editor *ed)
{
	return ed->ro;
}

const char *editor_ro_key(const struct editor *ed)
{
	switch (ed->ro) {
	case DOC_RO_PERM: return "docs.ro.perm";
	case DOC_RO_BINARY: return "docs.ro.binary";
	case DOC_RO_UNDECODABLE: return "docs.ro.undecodable";
	case DOC_RW: break;
	}
	return NULL;
}

int editor_disk_changed(struct editor *ed)
{
	return ed->path && !ed->remote ? doc_file_changed(ed->path, &ed->stamp) : 0;
}

void editor_disk_accept(struct editor *ed)
{
	if (ed->path && !ed->remote)
		doc_stamp_take(ed->path, 1, &ed->stamp);
	note_base(ed);
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
	return doc_buf_modified(ed->b) || ed->fmt_changed;
}

unsigned long editor_changes(const struct editor *ed)
{
	return ed->changes;
}

const struct doc_stamp *editor_stamp(const struct editor *ed)
{
	return &ed->stamp;
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
	if (ed->sel == SEL_SHIFT)
		ed->sel = SEL_NONE;
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

/* Bytes the column cache stays behind the cursor, so typing (an edit
 * after it) keeps it. */
#define COLC_LAG 64

size_t editor_cursor_col(const struct editor *ed)
{
	/* The cache is not the editor's state: a const editor may fill it. */
	struct editor *m = (struct editor *)ed;
	size_t from = doc_buf_line_start(ed->b, editor_cursor_line(ed)), col = 0, n, off;
	char *s;

	if (ed->colc_changes == ed->changes && ed->colc_off >= from && ed->colc_off <= ed->cur) {
		from = ed->colc_off;
		col = ed->colc_col;
	}
	n = ed->cur - from;
	s = xmalloc(n + 1);
	n = doc_buf_read(ed->b, from, n, s);
	for (off = 0; off < n;) {
		size_t g = txt_next_grapheme(s + off, n - off);

		col += editor_cluster_width(s + off, g, col);
		off += g;
		if (off + COLC_LAG <= n) {
			m->colc_off = from + off;
			m->colc_col = col;
			m->colc_changes = ed->changes;
		}
	}
	free(s);
	return col;
}

static size_t line_end(const struct editor *ed, size_t line)
{
	if (line + 1 < doc_buf_lines(ed->b))
		return doc_buf_line_start(ed->b, line + 1) - 1;
	return doc_buf_len(ed->b);
}


/* ---- soft wrap ------------------------------------------------------------------ */

static void idx_clear(struct editor *ed)
{
	for (int i = 0; i < ROWIDX_N; i++) {
		ed->idx[i].line = SIZE_MAX;
		ed->idx[i].n = 0;
		ed->idx[i].complete = 0;
	}
}

static size_t line_len(const struct editor *ed, size_t line)
{
	return line_end(ed, line) - doc_buf_line_start(ed->b, line);
}

/* Read [off, off + n) of the text into ed->win (n <= the row window). */
static size_t win_read(struct editor *ed, size_t off, size_t n)
{
	size_t need = WRAP_WIN(ed->cols);

	if (ed->win_cap < need) {
		ed->win = xrealloc(ed->win, need);
		ed->win_cap = need;
	}
	if (n > need)
		n = need;
	return doc_buf_read(ed->b, off, n, ed->win);
}

/* Start (line-relative) of segment k of the line that starts at ls and
 * has llen bytes; llen when the line ends before it. From k * WRAP_CK:
 * the next UTF-8 lead byte, one cluster on (in step with the text's
 * clusters again), then the end of a row laid out from there. */
static size_t seg_start(struct editor *ed, size_t ls, size_t llen, size_t k)
{
	size_t a = k * WRAP_CK, n, i = 0;

	if (k == 0)
		return 0;
	if (a >= llen)
		return llen;
	n = win_read(ed, ls + a, llen - a);
	while (i < n && i < 4 && ((unsigned char)ed->win[i] & 0xc0) == 0x80)
		i++;
	if (i < n)
		i += txt_next_grapheme(ed->win + i, n - i);
	if (i < n)
		i += txt_wrap(ed->win + i, n - i, (size_t)ed->cols);
	return a + i < llen ? a + i : llen;
}

/* The start of the segment holding off, and (when end is not NULL) the
 * start of the next one (llen for the last). */
static size_t seg_of(struct editor *ed, size_t ls, size_t llen, size_t off, size_t *end)
{
	size_t k = off / WRAP_CK, st = 0;

	if (llen <= WRAP_CK) {
		if (end)
			*end = llen;
		return 0;
	}
	if (k > 0) {
		st = seg_start(ed, ls, llen, k);
		if (off < st)
			st = seg_start(ed, ls, llen, --k);
	}
	if (end)
		*end = (k + 1) * WRAP_CK >= llen ? llen : seg_start(ed, ls, llen, k + 1);
	return st;
}

/* Where the row starting at off must end at the latest: the next
 * segment's start, or the line's end. Segment k starts within a row
 * window of k * WRAP_CK, so a row far from both ends of its stretch
 * needs no look. */
static size_t seg_limit(struct editor *ed, size_t ls, size_t llen, size_t off)
{
	size_t win = WRAP_WIN(ed->cols), k = off / WRAP_CK, next = (k + 1) * WRAP_CK, e;

	if (llen <= WRAP_CK)
		return llen;
	if ((k == 0 || off - k * WRAP_CK >= win) && (next >= llen || off + win < next))
		return llen; /* no segment starts within this row's reach */
	seg_of(ed, ls, llen, off, &e);
	return e;
}

/* End (line-relative) of the row that starts at off in the line that
 * starts at ls and has llen bytes. txt_wrap counts widths as i18n does;
 * tabs and control placeholders make a row wider on screen, so it is
 * asked again with fewer columns until the row fits as drawn. */
static size_t row_end_at(struct editor *ed, size_t ls, size_t llen, size_t off)
{
	size_t cols = (size_t)ed->cols, c = cols, n, r, t, w, lim;

	if (off >= llen)
		return llen;
	lim = seg_limit(ed, ls, llen, off);
	if (lim <= off)
		lim = llen; /* cannot be: a segment ends after the rows in it */
	n = win_read(ed, ls + off, lim - off);
	if (n == 0)
		return llen;
	for (;;) {
		r = txt_wrap(ed->win, n, c);
		if (r == n && off + n < lim) {
			/* the window ran out before the row filled (a freak run of
			 * combining marks): end at its last whole cluster */
			t = txt_prev_grapheme(ed->win, n, n);
			if (t > 0)
				r = t;
		}
		for (t = r; t > 0 && ed->win[t - 1] == ' '; t--)
			;
		w = text_cols(ed->win, t);
		if (w <= cols || c <= 1)
			break;
		c = w - cols < c - 1 ? c - (w - cols) : 1;
	}
	return off + r;
}

size_t editor_row_end(struct editor *ed, size_t line, size_t off)
{
	return row_end_at(ed, doc_buf_line_start(ed->b, line), line_len(ed, line), off);
}

/* The row starts of the segment starting at seg of line. */
static struct rowidx *idx_get(struct editor *ed, size_t line, size_t seg)
{
	struct rowidx *x = NULL, *old = &ed->idx[0];

	for (int i = 0; i < ROWIDX_N; i++) {
		if (ed->idx[i].line == line && ed->idx[i].n > 0 && ed->idx[i].st[0] == seg) {
			x = &ed->idx[i];
			break;
		}
		if (ed->idx[i].used < old->used)
			old = &ed->idx[i];
	}
	if (x == NULL) {
		x = old;
		x->line = line;
		x->n = 0;
		x->complete = 0;
	}
	if (x->n == 0) {
		if (x->cap == 0) {
			x->cap = 16;
			x->st = xrealloc(x->st, x->cap * sizeof *x->st);
		}
		x->st[x->n++] = seg;
	}
	x->used = ++ed->idx_clock;
	return x;
}

/* The row of line that holds off (line-relative; the line's end is in its
 * last row): its index in *xp's row starts. */
static size_t row_of(struct editor *ed, size_t line, size_t off, struct rowidx **xp)
{
	size_t ls = doc_buf_line_start(ed->b, line), llen = line_len(ed, line), lo, hi, end;
	struct rowidx *x = idx_get(ed, line, seg_of(ed, ls, llen, off, &end));

	while (!x->complete && x->st[x->n - 1] <= off) {
		size_t e = row_end_at(ed, ls, llen, x->st[x->n - 1]);

		if (e >= end) {
			x->complete = 1;
			break;
		}
		if (x->n == x->cap) {
			x->cap *= 2;
			x->st = xrealloc(x->st, x->cap * sizeof *x->st);
		}
		x->st[x->n++] = e;
	}
	lo = 0;
	hi = x->n; /* the answer is in [lo, hi) */
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (x->st[mid] <= off)
			lo = mid;
		else
			hi = mid;
	}
	*xp = x;
	return lo;
}

/* An edit at q (line-relative, before the edit) in line: keep the rows
 * whose window it did not touch; later lines move when lines changed. */
static void idx_edit(struct editor *ed, size_t line, size_t q, int lines_changed)
{
	size_t win = WRAP_WIN(ed->cols);

	for (int i = 0; i < ROWIDX_N; i++) {
		struct rowidx *x = &ed->idx[i];
		size_t k = 1;

		if (x->line == SIZE_MAX || x->line < line)
			continue;
		if (x->line > line) {
			if (lines_changed)
				x->line = SIZE_MAX;
			continue;
		}
		if (x->n > 0 && x->st[0] > q) {
			x->line = SIZE_MAX; /* a segment after the edit: it moved */
			continue;
		}
		while (k < x->n && x->st[k - 1] + win <= q)
			k++;
		x->n = k;
		x->complete = 0;
	}
}

/* The start of the row of line that holds off. */
static size_t x_start(struct editor *ed, size_t line, size_t off)
{
	struct rowidx *x;
	size_t i = row_of(ed, line, off, &x);

	return x->st[i];
}

/* The cursor's line and the start of its row. */
static void cursor_row(struct editor *ed, size_t *line, size_t *rs)
{
	struct rowidx *x;
	size_t l = doc_buf_line_of(ed->b, ed->cur), i;

	i = row_of(ed, l, ed->cur - doc_buf_line_start(ed->b, l), &x);
	*line = l;
	*rs = x->st[i];
}

static int next_row(struct editor *ed, size_t *line, size_t *off)
{
	size_t llen = line_len(ed, *line);
	size_t e = row_end_at(ed, doc_buf_line_start(ed->b, *line), llen, *off);

	if (e < llen) {
		*off = e;
		return 1;
	}
	if (*line + 1 < doc_buf_lines(ed->b)) {
		++*line;
		*off = 0;
		return 1;
	}
	return 0;
}

static int prev_row(struct editor *ed, size_t *line, size_t *off)
{
	struct rowidx *x;
	size_t i;

	if (*off > 0) {
		i = row_of(ed, *line, *off - 1, &x);
	} else {
		if (*line == 0)
			return 0;
		--*line;
		i = row_of(ed, *line, line_len(ed, *line), &x);
	}
	*off = x->st[i];
	return 1;
}

/* Columns from the row start rs to the cursor (on that row). */
static size_t row_col(struct editor *ed, size_t line, size_t rs)
{
	size_t a = doc_buf_line_start(ed->b, line) + rs;
	size_t n = win_read(ed, a, ed->cur - a);

	return text_cols(ed->win, n);
}

/* The offset on the row at rs of line whose column is the largest not past
 * want; a row that is not its line's last stops before its end (which is
 * where the next row starts). */
static size_t row_offset_at(struct editor *ed, size_t line, size_t rs, size_t want)
{
	size_t ls = doc_buf_line_start(ed->b, line), llen = line_len(ed, line);
	size_t re = row_end_at(ed, ls, llen, rs), n, off = 0, col = 0;
	int last = re >= llen;

	n = win_read(ed, ls + rs, re - rs);
	while (off < n) {
		size_t g = txt_next_grapheme(ed->win + off, n - off);
		size_t w = editor_cluster_width(ed->win + off, g, col);

		if (col + w > want || (!last && off + g >= n))
			break;
		col += w;
		off += g;
	}
	return ls + rs + off;
}

static void wrap_vertical(struct editor *ed, long delta)
{
	size_t l, rs;

	cursor_row(ed, &l, &rs);
	if (ed->want_col < 0)
		ed->want_col = (long)row_col(ed, l, rs);
	for (; delta > 0; delta--) {
		if (!next_row(ed, &l, &rs)) {
			ed->cur = doc_buf_len(ed->b);
			return;
		}
	}
	for (; delta < 0; delta++) {
		if (!prev_row(ed, &l, &rs)) {
			ed->cur = 0;
			return;
		}
	}
	ed->cur = row_offset_at(ed, l, rs, (size_t)ed->want_col);
}

/* Home / End with wrap: the screen row's start / end; pressed there, the
 * line's. */
static void wrap_home_end(struct editor *ed, int end)
{
	size_t l, rs, ls, llen, re, to;

	cursor_row(ed, &l, &rs);
	ls = doc_buf_line_start(ed->b, l);
	llen = line_len(ed, l);
	if (!end) {
		to = ls + rs;
		ed->cur = ed->cur == to ? ls : to;
		return;
	}
	re = row_end_at(ed, ls, llen, rs);
	to = re < llen ? doc_buf_prev_grapheme(ed->b, ls + re) : ls + llen;
	ed->cur = ed->cur == to ? ls + llen : to;
}

/* Scroll so the cursor's row is among the rows shown. The rows between
 * the top and the cursor are counted forward (at most two screens); a
 * cursor further away gets the top laid out backwards from its row. */
static void wrap_scroll(struct editor *ed)
{
	size_t last = doc_buf_lines(ed->b) - 1, cl, cr, l, o, n = 0, rows = (size_t)ed->rows;

	if (ed->top > last) {
		ed->top = last;
		ed->top_off = 0;
	}
	if (ed->top_off > 0) {
		/* an edit may have moved the row starts: back to a real one */
		size_t tl = line_len(ed, ed->top);

		if (ed->top_off > tl)
			ed->top_off = tl;
		ed->top_off = x_start(ed, ed->top, ed->top_off);
	}
	cursor_row(ed, &cl, &cr);
	if (cl < ed->top || (cl == ed->top && cr < ed->top_off)) {
		ed->top = cl;
		ed->top_off = cr;
		return;
	}
	l = ed->top;
	o = ed->top_off;
	while (!(l == cl && o == cr) && n < 2 * rows && next_row(ed, &l, &o))
		n++;
	if (l == cl && o == cr) {
		for (; n >= rows; n--)
			next_row(ed, &ed->top, &ed->top_off);
		return;
	}
	l = cl;
	o = cr;
	for (n = 1; n < rows && prev_row(ed, &l, &o); n++)
		;
	ed->top = l;
	ed->top_off = o;
}

void editor_set_wrap(struct editor *ed, int on)
{
	ed->wrap = on != 0;
	ed->left = 0;
	ed->top_off = 0;
	idx_clear(ed);
}

int editor_wrap(const struct editor *ed)
{
	return ed->wrap;
}

size_t editor_top_off(const struct editor *ed)
{
	return ed->wrap ? ed->top_off : 0;
}

/* ---- edits ------------------------------------------------------------------------ */

/* A move ends the word being typed: typing after it is a new undo step. */
static void end_typing(struct editor *ed)
{
	if (!ed->pasting)
		doc_buf_group_end(ed->b);
}

/* Before an edit at off: where it is, for idx_edit afterwards. */
struct edit_at {
	size_t line, q, lines;
};

static struct edit_at edit_at(const struct editor *ed, size_t off)
{
	struct edit_at a;

	a.line = doc_buf_line_of(ed->b, off);
	a.q = off - doc_buf_line_start(ed->b, a.line);
	a.lines = doc_buf_lines(ed->b);
	return a;
}

static void edited(struct editor *ed, struct edit_at a)
{
	/* The text before an edit is as it was: the column cache holds when
	 * the edit is after it (even an insert at it may join its cluster). */
	if (ed->colc_changes + 1 == ed->changes &&
	    doc_buf_line_start(ed->b, a.line) + a.q > ed->colc_off)
		ed->colc_changes = ed->changes;
	idx_edit(ed, a.line, a.q, doc_buf_lines(ed->b) != a.lines);
}

/* With a non-empty selection: replace it with s as one undo step, 1. */
static int replace_selection(struct editor *ed, const char *s, size_t len)
{
	size_t a, b;

	if (!editor_selection(ed, &a, &b)) {
		ed->sel = SEL_NONE;
		return 0;
	}
	editor_replace_range(ed, a, b - a, s, len);
	return 1;
}

void editor_replace_range(struct editor *ed, size_t off, size_t len, const char *s, size_t n)
{
	size_t total = doc_buf_len(ed->b);

	if (off > total)
		off = total;
	if (len > total - off)
		len = total - off;
	end_typing(ed);
	doc_buf_group_begin(ed->b);
	doc_buf_delete(ed->b, off, len);
	doc_buf_insert(ed->b, off, s, n);
	doc_buf_group_end(ed->b);
	end_typing(ed);
	ed->cur = off + n;
	ed->sel = SEL_NONE;
	ed->want_col = -1;
	ed->mark_len = 0;
	idx_clear(ed);
	ed->changes++;
}

void editor_set_text(struct editor *ed, const char *s, size_t n, size_t cur)
{
	size_t top = ed->top, top_off = ed->top_off;

	editor_replace_range(ed, 0, doc_buf_len(ed->b), s, n);
	if (cur > n)
		cur = n;
	/* on the start of the cluster that holds cur */
	ed->cur = doc_buf_prev_grapheme(ed->b, doc_buf_next_grapheme(ed->b, cur));
	if (ed->cur > cur || doc_buf_next_grapheme(ed->b, ed->cur) == cur)
		ed->cur = cur;
	ed->top = top;
	ed->top_off = top_off;
}

void editor_insert(struct editor *ed, const char *s, size_t len)
{
	struct edit_at a = edit_at(ed, ed->cur);

	if (replace_selection(ed, s, len))
		return;

	if (doc_buf_insert(ed->b, ed->cur, s, len) == 0) {
		ed->cur += len;
		ed->changes++;
		edited(ed, a);
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
	struct edit_at a = edit_at(ed, p);

	if (replace_selection(ed, "", 0))
		return;
	if (p < ed->cur && doc_buf_delete(ed->b, p, ed->cur - p) == 0) {
		ed->cur = p;
		ed->changes++;
		edited(ed, a);
	}
	ed->want_col = -1;
}

void editor_delete(struct editor *ed)
{
	size_t n = doc_buf_next_grapheme(ed->b, ed->cur);
	struct edit_at a = edit_at(ed, ed->cur);

	if (replace_selection(ed, "", 0))
		return;
	if (n > ed->cur && doc_buf_delete(ed->b, ed->cur, n - ed->cur) == 0) {
		ed->changes++;
		edited(ed, a);
	}
	ed->want_col = -1;
}

int editor_undo(struct editor *ed)
{
	int rc;

	editor_paste_end(ed);
	ed->sel = SEL_NONE;
	rc = doc_buf_undo(ed->b, &ed->cur);
	ed->want_col = -1;
	idx_clear(ed);
	if (rc == 0)
		ed->changes++;
	return rc;
}

int editor_redo(struct editor *ed)
{
	int rc;

	editor_paste_end(ed);
	ed->sel = SEL_NONE;
	rc = doc_buf_redo(ed->b, &ed->cur);
	ed->want_col = -1;
	idx_clear(ed);
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

static void do_move(struct editor *ed, enum editor_move m);

void editor_move(struct editor *ed, enum editor_move m)
{
	if (ed->sel == SEL_SHIFT)
		ed->sel = SEL_NONE;
	do_move(ed, m);
}

void editor_move_select(struct editor *ed, enum editor_move m)
{
	if (ed->sel == SEL_NONE) {
		ed->anchor = ed->cur;
		ed->sel = SEL_SHIFT;
	}
	do_move(ed, m);
}

void editor_anchor(struct editor *ed)
{
	if (ed->sel == SEL_ANCHOR) {
		ed->sel = SEL_NONE;
		return;
	}
	if (ed->sel == SEL_NONE)
		ed->anchor = ed->cur;
	ed->sel = SEL_ANCHOR;
}

void editor_select_none(struct editor *ed)
{
	ed->sel = SEL_NONE;
}

void editor_select(struct editor *ed, size_t a, size_t b)
{
	size_t n = doc_buf_len(ed->b);

	end_typing(ed);
	ed->anchor = a < n ? a : n;
	ed->cur = b < n ? b : n;
	ed->sel = SEL_SHIFT;
	ed->want_col = -1;
}

int editor_selection(const struct editor *ed, size_t *start, size_t *end)
{
	size_t n = doc_buf_len(ed->b), a = ed->anchor < n ? ed->anchor : n;

	if (ed->sel == SEL_NONE || a == ed->cur)
		return 0;
	*start = a < ed->cur ? a : ed->cur;
	*end = a < ed->cur ? ed->cur : a;
	return 1;
}

int editor_anchored(const struct editor *ed)
{
	return ed->sel == SEL_ANCHOR;
}

/* Room for n more bytes at the end of b (and its NUL). */
static void reserve(struct buf *b, size_t n)
{
	if (b->cap < b->len + n + 1) {
		b->cap = b->len + n + 1;
		b->data = xrealloc(b->data, b->cap);
	}
}

void editor_copy(const struct editor *ed, size_t start, size_t end, struct buf *out)
{
	size_t n = doc_buf_len(ed->b);

	if (end > n)
		end = n;
	if (start >= end)
		return;
	reserve(out, end - start);
	out->len += doc_buf_read(ed->b, start, end - start, out->data + out->len);
	out->data[out->len] = '\0'; /* struct buf keeps its data a C string */
}

void editor_line_range(const struct editor *ed, size_t *start, size_t *end)
{
	size_t line = editor_cursor_line(ed);

	*start = doc_buf_line_start(ed->b, line);
	*end = line + 1 < doc_buf_lines(ed->b) ? doc_buf_line_start(ed->b, line + 1)
					       : doc_buf_len(ed->b);
}

static void do_move(struct editor *ed, enum editor_move m)
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
		if (ed->wrap) {
			long d = m == ED_UP ? -1 : m == ED_DOWN ? 1 : m == ED_PGUP ? -page : page;

			for (long i = 0; i < page && (m == ED_PGUP || m == ED_PGDN); i++) {
				if (!(m == ED_PGUP ? prev_row : next_row)(ed, &ed->top, &ed->top_off))
					break;
			}
			wrap_vertical(ed, d);
			break;
		}
		if (m == ED_PGUP || m == ED_PGDN) {
			long t = (long)ed->top + (m == ED_PGUP ? -page : page);

			ed->top = t < 0 ? 0 : (size_t)t;
		}
		move_lines(ed, m == ED_UP ? -1 : m == ED_DOWN ? 1 : m == ED_PGUP ? -page : page);
		break;
	case ED_HOME:
		if (ed->wrap) {
			wrap_home_end(ed, 0);
			break;
		}
		ed->cur = doc_buf_line_start(ed->b, editor_cursor_line(ed));
		break;
	case ED_END:
		if (ed->wrap) {
			wrap_home_end(ed, 1);
			break;
		}
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

	if ((cols > 1 ? cols : 2) != ed->cols)
		idx_clear(ed); /* rows depend on the width */
	ed->rows = rows > 0 ? rows : 1;
	ed->cols = cols > 1 ? cols : 2;
	if (ed->wrap) {
		ed->left = 0;
		wrap_scroll(ed);
		return;
	}
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
