/*
 * verbs.h - the docs verbs about files and Markdown (verbs.c), for
 * docs.c: `cat`, `stats` and `replace FILE ...` (batch too), and
 * `encoding`, `lineends`, `diff`, `outline`, `reflow` on the editor shown.
 */
#ifndef ATRIUM_DOCS_VERBS_H
#define ATRIUM_DOCS_VERBS_H

#include <stddef.h>

#include <sqlite3.h>

#include "core/core.h"
#include "modules/module.h"

struct editor;

/* Returned for a verb these functions do not know. */
#define DOCS_VERB_UNKNOWN 1

/* Run argv (argv[0] the verb) on ed (NULL in batch mode: only the file
 * verbs run); db (may be NULL) holds the recovery journal, home names
 * the untitled row; width is the text area's, for reflow. 0, an E_* code
 * with ctx->err filled, or DOCS_VERB_UNKNOWN. */
int docs_file_verb(struct editor *ed, sqlite3 *db, const char *home, int width,
		   struct cmd_ctx *ctx, int argc, char **argv);
/* The verbs above that need the screen's editor. */
int docs_screen_file_verb(const char *verb);
/* Reflow the paragraph at the cursor to width columns as one undo step
 * (E_NOTFOUND when the cursor is not in one). */
int docs_reflow(struct editor *ed, size_t width, struct err *e);
/* The diff of the file on disk against the editor's text (empty: same). */
int docs_diff_text(struct editor *ed, struct buf *out, struct err *e);

#endif
