/*
 * find.c - incremental find (find.h) over doc_buf_find. Every search also
 * recounts the matches from the start of the text, stopping at
 * DOC_FIND_COUNT_CAP, so the count costs at most that many searches.
 */
#include <string.h>

#include "modules/docs/buffer.h"
#include "modules/docs/editor.h"
#include "modules/docs/find.h"

void doc_find_begin(struct doc_find *f, struct editor *ed)
{
	memset(f, 0, sizeof *f);
	buf_init(&f->needle);
	f->origin = editor_cursor(ed);
}

void doc_find_end(struct doc_find *f)
{
	buf_free(&f->needle);
	memset(f, 0, sizeof *f);
}

/* Count all matches and number the current one. Matches may overlap, as
 * stepping finds them. */
static void recount(struct doc_find *f, const struct doc_buf *b)
{
	size_t off, from = 0;

	f->count = f->index = 0;
	f->capped = 0;
	while (doc_buf_find(b, from, f->needle.data, f->needle.len, 1, &off) == 0) {
		if (f->count == DOC_FIND_COUNT_CAP) {
			f->capped = 1;
			break;
		}
		f->count++;
		if (f->found && off == f->at)
			f->index = f->count;
		from = off + 1;
	}
}

/* Go to the match at off, or mark not found. */
static void land(struct doc_find *f, struct editor *ed, int rc, size_t off)
{
	f->found = rc == 0;
	if (f->found) {
		f->at = off;
		editor_set_cursor(ed, off);
		editor_set_mark(ed, off, f->needle.len);
	} else {
		editor_set_mark(ed, 0, 0);
	}
	recount(f, editor_buf(ed));
}

static void search(struct doc_find *f, struct editor *ed)
{
	const struct doc_buf *b = editor_buf(ed);
	size_t off = 0;
	int rc;

	if (f->needle.len == 0) {
		f->found = 0;
		f->count = f->index = 0;
		f->capped = 0;
		editor_set_mark(ed, 0, 0);
		editor_set_cursor(ed, f->origin);
		return;
	}
	rc = doc_buf_find(b, f->origin, f->needle.data, f->needle.len, 1, &off);
	if (rc != 0)
		rc = doc_buf_find(b, 0, f->needle.data, f->needle.len, 1, &off);
	if (rc != 0)
		editor_set_cursor(ed, f->origin);
	land(f, ed, rc, off);
}

void doc_find_type(struct doc_find *f, struct editor *ed, const char *s, size_t len)
{
	buf_add(&f->needle, s, len);
	search(f, ed);
}

void doc_find_backspace(struct doc_find *f, struct editor *ed)
{
	while (f->needle.len > 0) {
		unsigned char c = (unsigned char)f->needle.data[--f->needle.len];

		if ((c & 0xc0) != 0x80)
			break;
	}
	search(f, ed);
}

int doc_find_step(struct doc_find *f, struct editor *ed, int forward)
{
	const struct doc_buf *b = editor_buf(ed);
	size_t off = 0, from;
	int rc;

	if (f->needle.len == 0)
		return E_NOTFOUND;
	if (forward) {
		from = f->found ? f->at + 1 : editor_cursor(ed);
		rc = doc_buf_find(b, from, f->needle.data, f->needle.len, 1, &off);
		if (rc != 0)
			rc = doc_buf_find(b, 0, f->needle.data, f->needle.len, 1, &off);
	} else {
		from = f->found ? f->at : editor_cursor(ed);
		rc = doc_buf_find(b, from, f->needle.data, f->needle.len, 0, &off);
		if (rc != 0)
			rc = doc_buf_find(b, doc_buf_len(b) + 1, f->needle.data, f->needle.len, 0,
					  &off);
	}
	land(f, ed, rc, off);
	return rc;
}
