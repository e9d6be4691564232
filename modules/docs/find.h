/*
 * find.h - incremental find in the editor: the needle grows as the user
 * types and is looked for forward from where the cursor was when find
 * opened; next and previous step from the current match. Both wrap
 * around the ends of the text (the wrap is silent; the count "n of m"
 * shows where the match is). Plain and case-sensitive for now.
 */
#ifndef ATRIUM_DOCS_FIND_H
#define ATRIUM_DOCS_FIND_H

#include <stddef.h>

#include "core/core.h"

/* Counting stops here; the view then shows "10000+". */
#define DOC_FIND_COUNT_CAP 10000

struct editor;

struct doc_find {
	struct buf needle;
	size_t origin; /* the cursor when find opened */
	size_t at;     /* the current match's offset, when found */
	int found;
	size_t index;  /* 1-based number of the current match (0: past the cap) */
	size_t count;  /* matches in the text, at most DOC_FIND_COUNT_CAP */
	int capped;    /* there are more than count */
};

void doc_find_begin(struct doc_find *f, struct editor *ed);
void doc_find_end(struct doc_find *f);
/* Add text to the needle / drop its last code point, and search again
 * from the origin. The cursor goes to the match (or back to the origin). */
void doc_find_type(struct doc_find *f, struct editor *ed, const char *s, size_t len);
void doc_find_backspace(struct doc_find *f, struct editor *ed);
/* The next (forward) or previous match, wrapping; 0 or E_NOTFOUND. */
int doc_find_step(struct doc_find *f, struct editor *ed, int forward);

#endif
