/*
 * markdown.h - Markdown for the editor, line by line: highlight spans for
 * the view, the heading outline, and reflowing a paragraph. Pure C.
 *
 * The highlighter looks at one line at a time with a small state carried
 * from the line before (inside a fenced block, after paragraph text, in a
 * table), so the view lays out only the lines it shows. It knows ATX
 * headings, setext underlines, emphasis and strong emphasis, code spans,
 * fenced and indented code blocks, list markers (and task boxes), links,
 * images and autolinks, tables, block quotes and thematic breaks. It is
 * a highlighter, not a renderer: emphasis does not nest, and a construct
 * that would need the next line (a setext heading's text) is plain.
 */
#ifndef ATRIUM_DOCS_MARKDOWN_H
#define ATRIUM_DOCS_MARKDOWN_H

#include <stddef.h>

#include "core/core.h"

struct doc_buf;

enum md_kind {
	MD_MARK,    /* syntax: # * _ ` > - | fences, brackets */
	MD_HEADING, /* a heading's text */
	MD_EMPH,
	MD_STRONG,
	MD_CODE,    /* code spans and code blocks */
	MD_LINK,    /* a link's text */
	MD_URL,     /* its destination, an autolink */
};

struct md_span {
	size_t off, len;
	enum md_kind kind;
};

/* What one line hands the next. Zero it for the first line. */
struct md_state {
	int fence;        /* inside a fenced code block */
	char fence_ch;    /* '`' or '~' */
	int fence_len;
	int para;         /* the line before was paragraph text */
	int table;        /* the line before was a table row */
};

/* Spans of line (without its newline), sorted and not overlapping, at
 * most max of them; returns how many. Updates st for the next line. */
size_t md_line(struct md_state *st, const char *line, size_t len, struct md_span *out,
	       size_t max);

/* True for a path the editor highlights as Markdown (.md, .markdown). */
int md_is_markdown_path(const char *path);

/* A heading of the outline: its level (1-6), line and text. */
struct md_heading {
	int level;
	size_t line;
	char *text;
};
/* Every heading of the text (ATX and setext; none inside code blocks).
 * Returns how many; *out is malloc'd, free with md_outline_free. */
size_t md_outline(const struct doc_buf *b, struct md_heading **out);
void md_outline_free(struct md_heading *h, size_t n);

/* The paragraph around line: [*first, *last] (lines), a run of text lines
 * stopping at blank lines, headings, fences, code, thematic breaks and
 * the start of another list item. 0, or E_NOTFOUND when line is not in
 * a paragraph. */
int md_paragraph(const struct doc_buf *b, size_t line, size_t *first, size_t *last);

/* Reflow a paragraph's lines (text of len bytes, lines joined by '\n',
 * no final newline) to width columns: the first line's block quote and
 * list prefix stays, later lines get the quote prefix and blanks as wide
 * as the list marker. Line breaks come from i18n's txt_wrap (ICU line
 * breaking, Chinese rules); lines are joined with one space, or none
 * when the join is between Chinese characters. A hard break (two spaces
 * or a backslash at the end of a line) stays. Appends to out. */
void md_reflow(const char *text, size_t len, size_t width, struct buf *out);

#endif
