/*
 * fuzz_docbuf.c - the docs buffer (modules/docs/buffer.c) under a random
 * sequence of operations decoded from the input: insert, delete, undo,
 * redo, group begin/end, find, line lookups. Every edit is applied to a
 * plain string too and the texts must agree; undo must land on a state
 * the text had before (a redo on one it had after), undo then redo is
 * the identity, a bracketed group undoes as one step, and undoing all
 * gives back the start, unmodified. Any mismatch aborts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "modules/docs/buffer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_STATES 512

/* The reference: the text as a string, the states undo may reach, and
 * for each undo not yet redone the state it left (where redo goes). */
struct model {
	struct buf text;
	struct buf states[MAX_STATES]; /* states[0]: the start */
	size_t n, at;		       /* states [0, n) on the branch; now at */
	size_t redo_to[MAX_STATES];
	size_t nredo;
};

static void check_same(const struct doc_buf *b, const struct buf *want)
{
	struct buf got;
	size_t nl = 0;

	buf_init(&got);
	doc_buf_contents(b, &got);
	if (got.len != want->len || doc_buf_len(b) != want->len ||
	    (want->len && memcmp(got.data, want->data, want->len) != 0))
		abort();
	for (size_t i = 0; i < want->len; i++)
		nl += want->data[i] == '\n';
	if (doc_buf_lines(b) != nl + 1)
		abort();
	buf_free(&got);
}

static void state_set(struct buf *s, const struct buf *t)
{
	buf_reset(s);
	buf_add(s, t->data ? t->data : "", t->len);
}

/* After an edit: a new state on the branch (states past `at` go). */
static void push_state(struct model *m)
{
	if (m->at + 1 >= MAX_STATES)
		return; /* the caller stops editing */
	m->nredo = 0;
	m->n = ++m->at + 1;
	state_set(&m->states[m->at], &m->text);
}

static int same(const struct buf *a, const struct buf *b)
{
	return a->len == b->len && (a->len == 0 || memcmp(a->data, b->data, a->len) == 0);
}

/* After an undo: the text is a state before at (the nearest one with
 * that text: an undo step may span several states). After a redo: the
 * one the matching undo left. */
static void moved_to(struct model *m, const struct doc_buf *b, int back)
{
	struct buf got;
	size_t j, from = m->at;
	int found = 0;

	buf_init(&got);
	doc_buf_contents(b, &got);
	if (back) {
		for (j = m->at; j-- > 0;)
			if (same(&m->states[j], &got)) {
				found = 1;
				break;
			}
		m->redo_to[m->nredo++] = from;
	} else if (m->nredo > 0) {
		j = m->redo_to[--m->nredo];
		found = same(&m->states[j], &got);
	}
	if (!found)
		abort();
	m->at = j;
	state_set(&m->text, &got);
	buf_free(&got);
}

static size_t take(const uint8_t **p, const uint8_t *end)
{
	return *p < end ? *(*p)++ : 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *p = data, *end = data + size;
	struct model m;
	struct doc_buf *b;
	size_t start = take(&p, end) % 64, depth = 0, group_from = 0, group_edits = 0;
	int closed = 0; /* a group with edits just closed */
	char *init;

	if (start > (size_t)(end - p))
		start = (size_t)(end - p);
	memset(&m, 0, sizeof m);
	for (size_t i = 0; i < MAX_STATES; i++)
		buf_init(&m.states[i]);
	buf_init(&m.text);
	init = start ? malloc(start) : NULL;
	if (start)
		memcpy(init, p, start);
	buf_add(&m.text, p, start);
	p += start;
	b = doc_buf_new_text(init, start);
	state_set(&m.states[0], &m.text);
	m.n = 1;
	check_same(b, &m.text);

	for (int ops = 0; p < end && ops < 300 && m.at + 2 < MAX_STATES; ops++) {
		size_t op = take(&p, end) % 8, len = m.text.len, cur;
		int was_closed = closed;
		struct buf before;

		closed = 0;

		switch (op) {
		case 0: /* insert: offset, length, bytes */
		case 1: {
			size_t off = (take(&p, end) << 8 | take(&p, end)) % (len + 1);
			size_t n = take(&p, end) % 40;

			if (n > (size_t)(end - p))
				n = (size_t)(end - p);
			if (doc_buf_insert(b, off, (const char *)p, n) != 0)
				abort();
			if (n) {
				struct buf t;

				buf_init(&t);
				buf_add(&t, m.text.data ? m.text.data : "", off);
				buf_add(&t, p, n);
				buf_add(&t, m.text.data ? m.text.data + off : "", len - off);
				state_set(&m.text, &t);
				buf_free(&t);
				push_state(&m);
				group_edits++;
			}
			p += n;
			break;
		}
		case 2: { /* delete */
			size_t off = (take(&p, end) << 8 | take(&p, end)) % (len + 1);
			size_t n = take(&p, end) % 40;

			if (n > len - off) {
				if (doc_buf_delete(b, off, n) != E_RANGE)
					abort();
				break;
			}
			if (doc_buf_delete(b, off, n) != 0)
				abort();
			if (n) {
				memmove(m.text.data + off, m.text.data + off + n, len - off - n);
				m.text.len -= n;
				push_state(&m);
				group_edits++;
			}
			break;
		}
		case 3: /* undo, and maybe redo straight back */
			buf_init(&before);
			state_set(&before, &m.text);
			if (doc_buf_undo(b, &cur) != 0) {
				if (!same(&m.text, &m.states[0]))
					abort(); /* edits left, yet nothing to undo */
				m.at = 0;
				buf_free(&before);
				break;
			}
			if (cur > doc_buf_len(b))
				abort();
			moved_to(&m, b, 1);
			if (was_closed) {
				/* a closed group undoes as one step */
				if (!same(&m.text, &m.states[group_from]))
					abort();
				m.at = group_from;
			}
			group_from = m.at; /* later edits in an open group: a new step */
			group_edits = 0;
			if (take(&p, end) & 1) {
				if (doc_buf_redo(b, &cur) != 0)
					abort();
				moved_to(&m, b, 0);
				if (!same(&m.text, &before))
					abort();
				group_from = m.at;
			}
			buf_free(&before);
			break;
		case 4: /* redo */
			if (doc_buf_redo(b, &cur) != 0) {
				if (m.nredo != 0)
					abort(); /* an undo not redone, yet nothing to redo */
				break;
			}
			moved_to(&m, b, 0);
			group_from = m.at;
			group_edits = 0;
			break;
		case 5: /* group begin / end */
			if (take(&p, end) & 1) {
				if (depth++ == 0) {
					group_from = m.at;
					group_edits = 0;
				}
				doc_buf_group_begin(b);
			} else {
				doc_buf_group_end(b);
				if (depth > 0 && --depth == 0)
					closed = group_edits > 0;
				else
					closed = was_closed;
			}
			break;
		case 6: { /* find what is at an offset, forward and back */
			closed = was_closed;
			size_t off = take(&p, end) % (len + 1), n = take(&p, end) % 8, at;

			if (n == 0 || n > len - off)
				break;
			if (doc_buf_find(b, 0, m.text.data + off, n, 1, &at) != 0 || at > off ||
			    memcmp(m.text.data + at, m.text.data + off, n) != 0)
				abort();
			if (doc_buf_find(b, len, m.text.data + off, n, 0, &at) != 0 || at < off ||
			    memcmp(m.text.data + at, m.text.data + off, n) != 0)
				abort();
			break;
		}
		default: { /* lines */
			size_t off = take(&p, end) % (len + 1), line = doc_buf_line_of(b, off);
			size_t ls = doc_buf_line_start(b, line), nl = 0;

			closed = was_closed;
			for (size_t i = 0; i < off; i++)
				nl += m.text.data[i] == '\n';
			if (line != nl || ls > off || (ls > 0 && m.text.data[ls - 1] != '\n'))
				abort();
			for (size_t i = ls; i < off; i++)
				if (m.text.data[i] == '\n')
					abort();
			break;
		}
		}
		check_same(b, &m.text);
	}
	/* undo everything: the start, unmodified */
	while (depth-- > 0)
		doc_buf_group_end(b);
	{
		size_t cur;

		for (int i = 0; i < 100000 && doc_buf_undo(b, &cur) == 0; i++)
			;
	}
	check_same(b, &m.states[0]);
	if (doc_buf_modified(b))
		abort();
	doc_buf_free(b);
	for (size_t i = 0; i < MAX_STATES; i++)
		buf_free(&m.states[i]);
	buf_free(&m.text);
	return 0;
}
