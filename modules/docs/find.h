/*
 * find.h - searching and replacing in the editor's text.
 *
 * Patterns (struct doc_pattern) are plain text or ICU regular expressions
 * (uregex syntax, run on the UTF-8 text; ^ and $ match at every line).
 * Case: DOC_CASE_AUTO folds case (ICU full case folding, so "strasse"
 * finds "Straße") unless the pattern has an uppercase letter; in a regex
 * the letter of an escape (\S, \W, \p{Lu}, \N{...}) does not count.
 * DOC_CASE_FOLD and DOC_CASE_EXACT force it either way.
 *
 * Replacement text is literal for a plain pattern; for a regex, $N and
 * ${N} insert group N ($0 the whole match), ${name} a named group, and a
 * backslash takes the next character literally (\$, \\); \n and \t are a
 * newline and a tab.
 *
 * Matches of a replace never overlap; an empty regex match (a* at "b")
 * replaces there and the search goes on after the next character.
 *
 * Incremental find (struct doc_find): the needle grows as the user types
 * and is looked for forward from where the cursor was when find opened;
 * next and previous step from the current match. Both wrap around the
 * ends of the text (the wrap is silent; the count "n of m" shows where
 * the match is). Plain exact search runs on the piece table; folded
 * plain search reads the text in windows; a regex runs on the piece
 * table in place through a UText (find.c), nothing copied (replace-all
 * alone builds the new text whole).
 *
 * Whatever the size of the text, a key costs a bounded time: the search
 * goes forward from the origin a slice of the text at a time, for at
 * most DOC_FIND_BUDGET_MS per call, and then counts the matches in
 * slices the same way. doc_find_busy says more is to do; the caller
 * runs doc_find_more from its loop until it is not (the view shows the
 * count so far as a lower bound meanwhile). A needle grown by typing
 * looks on from the current match, as every match of it is one of the
 * shorter needle (with multi-character case folds, such as ß for ss,
 * that may pass over an earlier match of the longer needle).
 */
#ifndef ATRIUM_DOCS_FIND_H
#define ATRIUM_DOCS_FIND_H

#include <stddef.h>

#include "core/core.h"

/* Counting stops here; the view then shows "10000+". */
#define DOC_FIND_COUNT_CAP 10000
/* Milliseconds of searching a key (or doc_find_more) may take. */
#define DOC_FIND_BUDGET_MS 8

struct doc_buf;
struct editor;

enum doc_case {
	DOC_CASE_AUTO,  /* fold unless the pattern has an uppercase letter */
	DOC_CASE_FOLD,
	DOC_CASE_EXACT,
};

struct doc_pattern {
	const char *text; /* UTF-8 */
	size_t len;
	int regex;        /* an ICU regular expression, else plain text */
	enum doc_case cas;
};

/* Whether p matches case-folded (resolving DOC_CASE_AUTO). */
int doc_pattern_folds(const struct doc_pattern *p);

/* A compiled pattern. */
struct doc_matcher;
/* E_USAGE with the reason (and where in the pattern) for a bad regex or
 * an empty pattern. */
int doc_matcher_new(const struct doc_pattern *p, struct doc_matcher **out, struct err *e);
void doc_matcher_free(struct doc_matcher *m);
/* The first match starting at or after from in text[0, len): 0 with
 * [*start, *end), or E_NOTFOUND. A regex match may be empty. */
int doc_matcher_next(struct doc_matcher *m, const char *text, size_t len, size_t from,
		     size_t *start, size_t *end);
/* Append the replacement for the match doc_matcher_next last returned on
 * text (regex groups expanded as above). */
void doc_matcher_expand(struct doc_matcher *m, const char *text, const char *repl, size_t rlen,
			struct buf *out);

/* Replace every match of p in text with repl: the result is appended to
 * out and *count says how many were replaced (0: out is a copy of text).
 * One pass, O(len + result). E_USAGE for a bad pattern (out untouched). */
int doc_replace_text(const struct doc_pattern *p, const char *text, size_t len, const char *repl,
		     size_t rlen, struct buf *out, size_t *count, struct err *e);
/* The same over a document buffer's text. */
int doc_replace_buf(const struct doc_pattern *p, const struct doc_buf *b, const char *repl,
		    size_t rlen, struct buf *out, size_t *count, struct err *e);

/* ---- in the editor ----------------------------------------------------------- */

struct doc_find {
	struct buf needle;
	int regex;              /* the needle is a regex */
	enum doc_case cas;
	size_t origin; /* the cursor when find opened */
	size_t at;     /* the current match's offset, when found */
	size_t at_end; /* ... and its end */
	int found;
	size_t index;  /* 1-based number of the current match (0: past the cap) */
	size_t count;  /* matches in the text, at most DOC_FIND_COUNT_CAP */
	int capped;    /* there are more than count */
	int bad;       /* the needle is not a valid regex (err says why) */
	int seeking;   /* the first match is still being looked for */
	int counting;  /* count (and index, if 0) are not final yet */
	struct err err;
	/* private */
	int done_none;          /* the last search looked everywhere: none */
	size_t seek_pos;        /* where the search goes on */
	size_t seek_end;        /* ... and where it stops (cyclic) */
	int seek_wrapped;       /* it went past the end to 0 */
	size_t count_pos;       /* matches starting before this are counted */
	unsigned long job_at;   /* editor_changes the search started at */
	struct doc_matcher *m;
	int m_ok;               /* m compiled from the current needle */
	struct buf text;        /* the whole text, for a regex */
	unsigned long text_at;  /* editor_changes when text was read; 0: none */
	const struct editor *text_ed;
};

void doc_find_begin(struct doc_find *f, struct editor *ed);
void doc_find_end(struct doc_find *f);
/* Add text to the needle / drop its last code point, and search again
 * from the origin. The cursor goes to the match (or back to the origin). */
void doc_find_type(struct doc_find *f, struct editor *ed, const char *s, size_t len);
void doc_find_backspace(struct doc_find *f, struct editor *ed);
/* Set the whole needle (a command's pattern) and the mode, and search
 * from the origin as typing does. */
void doc_find_set(struct doc_find *f, struct editor *ed, const char *s, size_t len, int regex,
		  enum doc_case cas);
/* Switch regex on or off / cycle the case mode, and search again. */
void doc_find_toggle_regex(struct doc_find *f, struct editor *ed);
void doc_find_cycle_case(struct doc_find *f, struct editor *ed);
/* The next (forward) or previous match, wrapping; 0 or E_NOTFOUND
 * (forward: also while the search is still going on: doc_find_busy). */
int doc_find_step(struct doc_find *f, struct editor *ed, int forward);
/* The search or the count is not finished: call doc_find_more. */
int doc_find_busy(const struct doc_find *f);
/* Go on with it for at most ms milliseconds (an edit of the text since
 * starts it again). */
void doc_find_more(struct doc_find *f, struct editor *ed, int ms);

/* Replace the current match with repl (expanded as above) and go to the
 * next match: 0, or E_NOTFOUND when nothing is found (then nothing
 * changes). One undo step. */
int doc_find_replace_one(struct doc_find *f, struct editor *ed, const char *repl, size_t rlen);
/* Replace every match in the text as one undo step; *count says how many.
 * The cursor stays on the same text as far as it can. */
int doc_find_replace_all(struct doc_find *f, struct editor *ed, const char *repl, size_t rlen,
			 size_t *count, struct err *e);

#endif
