/*
 * editor.h - the editor's model: one document buffer, the file it belongs
 * to (or none: untitled), the cursor, the column vertical moves aim for,
 * and the scroll position. Pure C (no curses): the view (view.c) draws
 * from it and the module (docs.c) turns keys into these calls.
 *
 * Columns are display columns as the screen shows the line: clusters are
 * measured with i18n's widths (CJK and emoji 2), a tab runs to the next
 * multiple of EDITOR_TAB, a control character is one placeholder column.
 * Soft wrap (editor_set_wrap, off in a new editor; the docs tab turns it
 * on): a line is shown on as many screen rows as txt_wrap makes of it at
 * the text area's width (ICU line breaking, Chinese punctuation rules),
 * columns then count from the start of each screen row, and Up/Down,
 * PgUp/PgDn move by screen row; Home/End go to the start/end of the
 * screen row, and pressed again there to the start/end of the line. A
 * cursor on spaces that hang past the right edge is drawn at the edge.
 * Without wrap a long line scrolls sideways to keep the cursor seen.
 */
#ifndef ATRIUM_DOCS_EDITOR_H
#define ATRIUM_DOCS_EDITOR_H

#include <stddef.h>
#include <stdint.h>

#include "core/core.h"
#include "modules/docs/file.h"

#define EDITOR_TAB 8

struct doc_buf;
struct editor;

enum editor_move {
	ED_LEFT,
	ED_RIGHT,
	ED_UP,
	ED_DOWN,
	ED_HOME,     /* start of the line (with wrap: of the screen row) */
	ED_END,      /* end of the line (with wrap: of the screen row) */
	ED_PGUP,
	ED_PGDN,
	ED_TOP,      /* start of the text */
	ED_BOTTOM,   /* end of the text */
	ED_WORD_LEFT,
	ED_WORD_RIGHT,
};

/* An empty, untitled editor. */
struct editor *editor_new(void);
void editor_free(struct editor *ed);
/* Open path in place of the current text (a missing file starts empty
 * under that name), its charset, BOM and line ends detected (file.h).
 * On failure the editor is unchanged. */
int editor_open(struct editor *ed, const char *path, struct err *e);
/* Save to path (NULL: the editor's own file) atomically in the file's
 * form (editor_format), keeping an existing file's mode and owner (0644
 * for a new one); the editor then belongs to that path and is unmodified.
 * E_USAGE when untitled and path is NULL; E_PERM when the editor's own
 * file is read-only (another path is fine). It does not look whether the
 * file changed on disk: the caller asks editor_disk_changed first. On
 * failure the text stays as it was, modified. */
int editor_save(struct editor *ed, const char *path, struct err *e);
/* The form the text is saved in; setting another marks the editor
 * modified (`:encoding`). */
const struct doc_format *editor_format(const struct editor *ed);
void editor_set_format(struct editor *ed, const struct doc_format *f);
/* Why the file is read-only (DOC_RW: it is not), and the catalog key of
 * a message saying so, with the path as {0} (NULL for DOC_RW). */
enum doc_ro editor_readonly(const struct editor *ed);
const char *editor_ro_key(const struct editor *ed);
/* Whether the file changed on disk since it was opened or saved: 0 no,
 * 1 changed, 2 deleted (doc_file_changed). editor_disk_accept takes the
 * file as it is now as the base (the user chose to overwrite it). */
int editor_disk_changed(struct editor *ed);
void editor_disk_accept(struct editor *ed);

/*
 * A document with no file on disk (the team share's, named
 * "share:/reports/q3.md"): its bytes come from memory and go back as
 * bytes (editor_encode), never to a file. editor_save(ed, NULL, ...)
 * refuses it (another path writes a local copy, which then is the file);
 * editor_disk_changed says 0. The stamp describes the bytes (exists,
 * size, hash; no times), so the crash journal's base is them.
 */
/* Load data in place of the current text under name, its charset, BOM and
 * line ends detected as editor_open detects a file's; exists 0: a new
 * document (empty, nothing read). Unmodified, nothing to undo. */
void editor_open_mem(struct editor *ed, const char *name, const char *data, size_t len,
		     int exists);
/* 1 for a document opened with editor_open_mem. */
int editor_remote(const struct editor *ed);
/* The text in the form it is saved in (editor_format): the bytes to
 * store. E_PERM when read-only, E_PARSE when a character does not fit the
 * charset (as editor_save). */
int editor_encode(const struct editor *ed, struct buf *out, struct err *e);
/* The bytes data were stored for a remote document (encoded when
 * doc_buf_gen was gen): they are its base from now on, and the editor is
 * unmodified if the text and form are still what was encoded. */
void editor_mem_saved(struct editor *ed, uint64_t gen, const char *data, size_t len);
/* A remote document back to its base bytes (the changes dropped). */
void editor_mem_revert(struct editor *ed);
/* A remote document's base bytes (empty for a new one or a local file). */
void editor_mem_base(const struct editor *ed, const char **p, size_t *n);

/* Back to an empty, untitled editor. */
void editor_reset(struct editor *ed);
/* An untitled editor over a copy of text, unmodified, nothing to undo
 * (the text a component starts from). */
void editor_load_text(struct editor *ed, const char *text, size_t len);
/* Replace the whole text (one undo step), cursor at the start: recovery
 * puts the journalled text in this way, so undo gives the file back. */
void editor_replace_all(struct editor *ed, const char *text, size_t len);

const char *editor_path(const struct editor *ed); /* NULL: untitled */
const struct doc_buf *editor_buf(const struct editor *ed);
size_t editor_cursor(const struct editor *ed);
int editor_modified(const struct editor *ed);
/* A counter that moves with every edit, undo, open and save: the journal
 * writes only when it moved. */
unsigned long editor_changes(const struct editor *ed);
/* The file's size and mtime when opened or last saved; -1 when there was
 * no file. */
void editor_base(const struct editor *ed, int64_t *size, int64_t *mtime);
/* The file as opened or last saved (its hash when small enough): what
 * the crash journal's edits apply to. exists 0 when untitled or new. */
const struct doc_stamp *editor_stamp(const struct editor *ed);
/* The text came from the recovery journal (the title says so); cleared by
 * open and save. */
int editor_recovered(const struct editor *ed);
void editor_set_recovered(struct editor *ed, int on);
/* Put the cursor at off (clamped to the text; off must be a cluster
 * boundary, as a search match's start is). */
void editor_set_cursor(struct editor *ed, size_t off);
/* A range the view highlights (the current match); len 0 for none. */
void editor_set_mark(struct editor *ed, size_t off, size_t len);
size_t editor_mark(const struct editor *ed, size_t *len);

/* Replace [off, off + len) with s (either may be empty) as one undo step;
 * the cursor goes after the new text and any selection is dropped. */
void editor_replace_range(struct editor *ed, size_t off, size_t len, const char *s, size_t n);
/* Replace the whole text as one undo step, the cursor at cur (clamped, on
 * a cluster boundary) and the scroll position kept: a replace-all. */
void editor_set_text(struct editor *ed, const char *s, size_t n, size_t cur);

/*
 * The selection: from an anchor to the cursor (so it grows and shrinks by
 * whole grapheme clusters, as the cursor moves). editor_move_select starts
 * it at the cursor if there is none and moves; a plain editor_move drops
 * it, unless the anchor was set with editor_anchor (the mark key, for
 * terminals without shifted keys), which keeps it until an edit, Esc
 * (editor_select_none) or the mark key again. Any edit drops it; typing,
 * Backspace and Delete replace or delete it as one undo step.
 */
void editor_move_select(struct editor *ed, enum editor_move m);
void editor_anchor(struct editor *ed);
void editor_select_none(struct editor *ed);
/* Select [a, b) (cluster boundaries), the cursor at b. */
void editor_select(struct editor *ed, size_t a, size_t b);
/* 1 with [*start, *end) when a non-empty range is selected. */
int editor_selection(const struct editor *ed, size_t *start, size_t *end);
/* 1 while the anchor set by editor_anchor holds (even an empty range). */
int editor_anchored(const struct editor *ed);
/* Append [start, end) of the text to out. */
void editor_copy(const struct editor *ed, size_t start, size_t end, struct buf *out);
/* The cursor's whole line, with its newline when it has one. */
void editor_line_range(const struct editor *ed, size_t *start, size_t *end);

/* Edits at the cursor. Typing one cluster at a time groups into words for
 * undo; between editor_paste_begin and _end every insert is one group.
 * With a selection, an insert replaces it. */
void editor_insert(struct editor *ed, const char *s, size_t len);
void editor_paste_begin(struct editor *ed);
void editor_paste_end(struct editor *ed);
/* Delete one grapheme cluster before / after the cursor. */
void editor_backspace(struct editor *ed);
void editor_delete(struct editor *ed);
/* 0, or E_NOTFOUND when there is nothing to undo / redo. */
int editor_undo(struct editor *ed);
int editor_redo(struct editor *ed);

void editor_move(struct editor *ed, enum editor_move m);

/* ---- layout, for the view -------------------------------------------------- */

/* The text area's size (PgUp/PgDn move by rows - 1), and scroll so the
 * cursor is inside it. */
void editor_set_size(struct editor *ed, int rows, int cols);
size_t editor_top(const struct editor *ed);  /* first line shown */
size_t editor_left(const struct editor *ed); /* first column shown */
/* Soft wrap on or off; the next editor_set_size scrolls to the cursor. */
void editor_set_wrap(struct editor *ed, int on);
int editor_wrap(const struct editor *ed);
/* With wrap: the first row shown starts at this byte offset of the line
 * editor_top (always the start of a screen row after editor_set_size);
 * 0 without wrap. */
size_t editor_top_off(const struct editor *ed);
/* With wrap: the end (a byte offset in line, after any hanging spaces) of
 * the screen row that starts at off in line; the line's length for its
 * last row. Reads only that row's bytes. */
size_t editor_row_end(struct editor *ed, size_t line, size_t off);
/* Line of the cursor and its display column. */
size_t editor_cursor_line(const struct editor *ed);
size_t editor_cursor_col(const struct editor *ed);
/* Append line's bytes (without its newline) to out. */
void editor_line(const struct editor *ed, size_t line, struct buf *out);
/* Columns of the cluster g starting at column col. */
size_t editor_cluster_width(const char *g, size_t len, size_t col);

/* ---- the view (view.c) ------------------------------------------------------ */

struct ui_area;
/* A line under the text: a notice, or a prompt (find) that takes the
 * terminal cursor at its end. text NULL: no line. */
struct docs_view_line {
	const char *text;
	int prompt;
	int warn; /* drawn as a warning */
	const char *tag; /* shown after the file name in the title ("[2/3]"), or NULL */
	const char *title; /* shown in place of the file name (a component's), or NULL */
};
/* Draw the title bar, the visible lines (the selection, or else the
 * editor's mark, highlighted)
 * and the bottom line into area and place the terminal cursor; line
 * numbers in a gutter when numbers is set. bottom may be NULL. */
void docs_view_draw(struct editor *ed, struct ui_area *area, int numbers,
		    const struct docs_view_line *bottom);

#endif
