/*
 * docs.h - the editor as a component: mail compose and long chat messages
 * edit a text in place, in an area of their own view, with the docs
 * tab's editor (struct editor, drawn by docs_view_draw) and its keys.
 *
 * The host creates it from a text and an optional title, hands it the
 * keys its view gets, draws it into its area, and watches the state: the
 * finish key (Ctrl-S unless configured) ends with the text, which the
 * host then takes; Esc Esc or Ctrl-Q cancels, asking on the component's
 * bottom line first when the text was changed. Nothing is written to
 * disk and nothing journalled: the host owns the text and keeps its
 * drafts where it keeps them.
 *
 * The keys are the docs tab's for everything that acts on one text:
 * moves, selections, Backspace/Delete by grapheme cluster, Enter, Tab,
 * undo/redo, cut/copy/paste (the component's own register), bracketed
 * paste; a "docs.ACTION = KEYS" line in [keys] rebinds them here too,
 * and "docs.finish = KEYS" sets the finish key. Single Esc drops a
 * selection.
 */
#ifndef ATRIUM_DOCS_DOCS_H
#define ATRIUM_DOCS_DOCS_H

#include <stddef.h>

#include "core/core.h"

struct docs_edit;
struct ui_area;

enum docs_edit_state {
	DOCS_EDIT_EDITING,
	DOCS_EDIT_FINISHED,  /* the finish key: docs_edit_text is the result */
	DOCS_EDIT_CANCELLED, /* the user gave the changes up */
};

/* An editor over a copy of text (len bytes, UTF-8; any bytes are kept),
 * the cursor at its end, soft wrap on. title (may be NULL) is shown in
 * the title bar in place of a file name. */
struct docs_edit *docs_edit_new(const char *text, size_t len, const char *title);
void docs_edit_free(struct docs_edit *c);
/* Rebind from conf's [keys] ("docs.ACTION", "docs.finish"); unknown
 * actions and key names are ignored here (the shell reports them). */
void docs_edit_configure(struct docs_edit *c, const struct conf *conf);
/* The key that finishes (a UI_* key code). */
void docs_edit_set_finish_key(struct docs_edit *c, int key);

/* One key (tui.h codes). 1 when the component used it, 0 when it is the
 * host's (a key the editor does not bind, like a tab switch). Keys after
 * finish or cancel are not used. */
int docs_edit_key(struct docs_edit *c, int key);
enum docs_edit_state docs_edit_state(const struct docs_edit *c);
/* Whether the text differs from the one it was created with (undo back
 * counts as unchanged). */
int docs_edit_modified(const struct docs_edit *c);
/* The text as it stands, appended to out. */
void docs_edit_text(const struct docs_edit *c, struct buf *out);

/* Draw into area: the title bar, the text, and a bottom line (a hint of
 * the finish and cancel keys, a notice, or the question before a
 * cancel); places the terminal cursor. */
void docs_edit_draw(struct docs_edit *c, struct ui_area *area);

/* ---- three-way merge (merge.c) ---------------------------------------------------- */

/*
 * Merge two edits of a text made from one base, line by line (diff3):
 * what changed on one side only is taken; what both sides changed the same
 * way is taken once; where they changed the same base lines differently,
 * the result holds a conflict with every line of both sides:
 *
 *	<<<<<<< local_label
 *	(the local lines)
 *	||||||| base
 *	(the base lines)
 *	=======
 *	(the remote lines)
 *	>>>>>>> remote_label
 *
 * Changes that only touch (one ends on the line where the other begins,
 * or an insertion right before or after the other's change) are not a
 * conflict: both are taken, in base order. Two different insertions at
 * the same place are a conflict.
 *
 * Lines keep their own endings; the markers take the texts' first line
 * ending ("\r\n" or "\n"). Any bytes are kept (NUL too). A last line
 * without a terminator stays so, unless the merge puts a line or a
 * marker after it, which then gets the file's ending.
 *
 * A NULL label is "local" / "remote". The result is appended to out;
 * *conflicts (may be NULL) gets the number of conflicts. 0, or E_RANGE
 * (a text of 4 GB or more). The diffs have a bounded cost: two 10 MB
 * texts with a few hundred changed lines take a fraction of a second;
 * past a work budget (texts with little in common) what is left of a
 * diff counts as changed as a whole, and merges as one conflict.
 */
int docs_merge3(const char *base, size_t nbase, const char *local, size_t nlocal,
		const char *remote, size_t nremote, const char *local_label,
		const char *remote_label, struct buf *out, int *conflicts, struct err *e);

#endif
