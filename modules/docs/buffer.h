/*
 * buffer.h - the text of one document as the editor model sees it: bytes
 * (UTF-8, but any bytes are kept as they are), lines, grapheme clusters,
 * edits with unlimited grouped undo/redo, and plain search.
 *
 * A piece table: the file is mapped read-only and never copied, inserted
 * text goes to an append-only buffer, and the pieces sit in a balanced
 * tree that caches byte and newline counts, so every operation costs
 * O(log pieces) whatever the size of the file or the length of a line.
 * Pure C: no curses, no sockets. Offsets are byte offsets, lines 0-based.
 */
#ifndef ATRIUM_DOCS_BUFFER_H
#define ATRIUM_DOCS_BUFFER_H

#include <stddef.h>
#include <stdint.h>

#include "core/core.h"

struct doc_buf;

/* Read or map the file at path (see doc_buf_set_copy_max). A missing file gives an empty buffer that
 * doc_buf_is_new reports; a directory, a special file or one we may not
 * read is an error (E_IO, E_PERM) with the reason in e. atrium saves by
 * rename, so the mapped file stays as it was; if another program
 * truncates it in place, the lost bytes read as NULs from then on (no
 * SIGBUS reaches the program) and doc_buf_truncated says so. */
int doc_buf_open(const char *path, struct doc_buf **out, struct err *e);
/* Files up to this size (64 MiB unless set) are read into memory instead
 * of mapped, so another program writing into the file in place cannot
 * change the text; tests set it to 0 to exercise the mapping. */
void doc_buf_set_copy_max(size_t bytes);
/* 1 once the mapped file was found shrunk under the buffer: part of the
 * text it had is gone (now NUL bytes); the editor tells the user. */
int doc_buf_truncated(const struct doc_buf *b);
struct doc_buf *doc_buf_new_empty(void);
/* A buffer over text (malloc'd; the buffer takes it): a file decoded
 * from another charset or with its CR LF line ends made LF. */
struct doc_buf *doc_buf_new_text(char *text, size_t len);
/* Right after opening, before any edit: drop the first n bytes (a byte
 * order mark) without an undo step. */
void doc_buf_drop_prefix(struct doc_buf *b, size_t n);
void doc_buf_free(struct doc_buf *b);
int doc_buf_is_new(const struct doc_buf *b);

size_t doc_buf_len(const struct doc_buf *b);
/* Newlines + 1: "a\n" has two lines, the second empty. */
size_t doc_buf_lines(const struct doc_buf *b);
/* A number that moves with every edit, undo and redo, never the same in
 * two buffers; and the lowest offset any edit touched since gen was
 * current (SIZE_MAX: none; 0 when gen is another buffer's or too old to
 * tell). A view that caches per-line state keeps what lies before it. */
uint64_t doc_buf_gen(const struct doc_buf *b);
size_t doc_buf_edited_since(const struct doc_buf *b, uint64_t gen);
/* One edit: del bytes at off replaced by ins bytes (either may be 0). */
struct doc_edit_op {
	size_t off, del, ins;
};
#define DOC_BUF_EDITS_MAX 256
/* The edits (undo and redo included) since gen, oldest first, into out
 * (room for DOC_BUF_EDITS_MAX): how many, or -1 when gen is another
 * buffer's or too many edits ago. The crash journal logs from this. */
long doc_buf_edits(const struct doc_buf *b, uint64_t gen, struct doc_edit_op *out);
/* Pieces in the table (for tests and benchmarks). */
size_t doc_buf_pieces(const struct doc_buf *b);

/* Edits return 0, or E_RANGE when the range is outside the text. */
int doc_buf_insert(struct doc_buf *b, size_t off, const char *text, size_t len);
int doc_buf_delete(struct doc_buf *b, size_t off, size_t len);

/* Copy [off, off + len) (clamped to the text) to out; returns the bytes
 * copied. */
size_t doc_buf_read(const struct doc_buf *b, size_t off, size_t len, char *out);
/* The whole text, appended to out (for saving with store_write_atomic). */
void doc_buf_contents(const struct doc_buf *b, struct buf *out);
/* Write the whole text to fd. */
int doc_buf_write(const struct doc_buf *b, int fd, struct err *e);

/* Offset of the first byte of a line (doc_buf_len for line >= lines). */
size_t doc_buf_line_start(const struct doc_buf *b, size_t line);
/* The line holding the byte at off (off beyond the end counts as the end). */
size_t doc_buf_line_of(const struct doc_buf *b, size_t off);

/* Grapheme cluster boundaries after / before off (through i18n, on a small
 * window copied around off, so clusters that span pieces work). An invalid
 * byte is a cluster of its own. At the ends they return off. */
size_t doc_buf_next_grapheme(const struct doc_buf *b, size_t off);
size_t doc_buf_prev_grapheme(const struct doc_buf *b, size_t off);

/* Word motions (through i18n, Chinese words segmented): the nearest offset
 * after / before off where a word starts or ends, judged on a window of
 * context around off; the end / 0 when there is none. */
size_t doc_buf_word_next(const struct doc_buf *b, size_t off);
size_t doc_buf_word_prev(const struct doc_buf *b, size_t off);

/*
 * Undo and redo, unlimited. Edits group on their own: typing one grapheme
 * at a time at adjacent offsets is one group until a whitespace character
 * (which ends the group it joins), a jump, or doc_buf_group_end;
 * consecutive deletes at adjacent offsets (Backspace, Delete) likewise.
 * Any other insert or delete (a paste) is a group of its own. Between
 * doc_buf_group_begin and doc_buf_group_end (they nest) every edit joins
 * one group (a replace-all). A new edit after undo drops the redo history.
 * Undo and redo return 0 and where the cursor goes, or E_NOTFOUND when
 * there is nothing to undo or redo.
 */
void doc_buf_group_begin(struct doc_buf *b);
void doc_buf_group_end(struct doc_buf *b);
int doc_buf_undo(struct doc_buf *b, size_t *cursor);
int doc_buf_redo(struct doc_buf *b, size_t *cursor);

/* Whether the text differs from the last save point (the open, or
 * doc_buf_mark_saved), counting undo back to it as unmodified. */
int doc_buf_modified(const struct doc_buf *b);
void doc_buf_mark_saved(struct doc_buf *b);

/* Plain, case-sensitive search. Forward: the first match starting at or
 * after from; backward: the last match starting before from. Returns 0
 * with *off set, or E_NOTFOUND (also for an empty needle). */
int doc_buf_find(const struct doc_buf *b, size_t from, const char *needle, size_t len, int forward,
		 size_t *off);

#endif
