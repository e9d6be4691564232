/*
 * test_docs_merge.c - modules/docs/merge.c: the three-way merge of texts.
 * Changes on one side are taken, equal changes once, overlapping different
 * ones are a conflict holding both sides and the base; changes that only
 * touch merge cleanly; line endings, a missing last newline, empty texts
 * and NUL bytes are kept; random edits on both sides merge to both
 * applied; big texts merge fast and unrelated ones in a bounded time.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "core/core.h"
#include "modules/docs/docs.h"

/* Merge C strings; returns the result (free it), conflicts in *nc. */
static char *merge(const char *b, const char *l, const char *r, int *nc)
{
	struct buf out;
	int rc;

	buf_init(&out);
	rc = docs_merge3(b, strlen(b), l, strlen(l), r, strlen(r), "yours (local)", "server", &out,
			 nc, NULL);
	assert_int_equal(rc, 0);
	return buf_detach(&out);
}

static void expect(const char *b, const char *l, const char *r, const char *want, int want_nc)
{
	int nc = -1;
	char *got = merge(b, l, r, &nc);

	assert_string_equal(got, want);
	assert_int_equal(nc, want_nc);
	free(got);
}

static void test_changes_on_different_lines_of_each_side_merge_cleanly(void **state)
{
	expect("a\nb\nc\nd\ne\n", "A\nb\nc\nd\ne\n", "a\nb\nc\nd\nE\n", "A\nb\nc\nd\nE\n", 0);
	/* one side only: taken as it is */
	expect("a\nb\nc\n", "a\nB\nc\n", "a\nb\nc\n", "a\nB\nc\n", 0);
	expect("a\nb\nc\n", "a\nb\nc\n", "a\nb\nc\nd\n", "a\nb\nc\nd\n", 0);
}

static void test_the_same_change_on_both_sides_is_taken_once(void **state)
{
	expect("a\nb\nc\n", "a\nX\nY\nc\n", "a\nX\nY\nc\n", "a\nX\nY\nc\n", 0);
	expect("a\nb\nc\n", "a\nc\n", "a\nc\n", "a\nc\n", 0);
	expect("a\n", "a\nnew\n", "a\nnew\n", "a\nnew\n", 0);
}

static void test_merge_keeps_both_sides_of_conflicting_line(void **state)
{
	expect("a\nb\nc\n", "a\nlocal\nc\n", "a\nremote\nc\n",
	       "a\n<<<<<<< yours (local)\nlocal\n||||||| base\nb\n=======\nremote\n"
	       ">>>>>>> server\nc\n",
	       1);
}

static void test_a_conflict_spans_every_change_it_overlaps(void **state)
{
	expect("1\n2\n3\n4\n5\n6\n7\n", "1\nL2\n3\n4\n5\nL6\n7\n", "R1\n2\n3\nR4\nR5\nR6\n7\n",
	       "R1\nL2\n3\n<<<<<<< yours (local)\n4\n5\nL6\n||||||| base\n4\n5\n6\n=======\n"
	       "R4\nR5\nR6\n>>>>>>> server\n7\n",
	       1);
	/* lines 1-2 changed as one on the remote side: the conflict is the
	 * whole of what overlaps */
	expect("1\n2\n3\n4\n", "1\nL2\n3\nL4\n", "R1\nR2\n3\nR4\n",
	       "<<<<<<< yours (local)\n1\nL2\n||||||| base\n1\n2\n=======\nR1\nR2\n"
	       ">>>>>>> server\n3\n<<<<<<< yours (local)\nL4\n||||||| base\n4\n=======\nR4\n"
	       ">>>>>>> server\n",
	       2);
}

/* The adjacency rule: changes that only touch are both taken. */
static void test_adjacent_changes_are_not_a_conflict(void **state)
{
	/* line 2 changed on one side, line 3 on the other */
	expect("1\n2\n3\n4\n", "1\nL\n3\n4\n", "1\n2\nR\n4\n", "1\nL\nR\n4\n", 0);
	/* an insertion right after the other side's change */
	expect("1\n2\n3\n", "1\nL\n3\n", "1\n2\nnew\n3\n", "1\nL\nnew\n3\n", 0);
	/* an insertion right before the other side's change goes first */
	expect("1\n2\n3\n", "1\nL\n3\n", "1\nnew\n2\n3\n", "1\nnew\nL\n3\n", 0);
	/* a deletion next to an edit */
	expect("1\n2\n3\n4\n", "1\n3\n4\n", "1\n2\nR\n4\n", "1\nR\n4\n", 0);
}

static void test_different_insertions_at_one_place_conflict(void **state)
{
	expect("a\nb\n", "a\nL\nb\n", "a\nR\nb\n",
	       "a\n<<<<<<< yours (local)\nL\n||||||| base\n=======\nR\n>>>>>>> server\nb\n", 1);
	/* an insertion inside the other side's changed range overlaps it */
	expect("1\n2\n3\n4\n", "1\nL2\nL3\n4\n", "1\n2\nnew\n3\n4\n",
	       "1\n<<<<<<< yours (local)\nL2\nL3\n||||||| base\n2\n3\n=======\n2\nnew\n3\n"
	       ">>>>>>> server\n4\n",
	       1);
}

static void test_insertions_at_start_and_end(void **state)
{
	expect("a\nb\n", "top\na\nb\n", "a\nb\nend\n", "top\na\nb\nend\n", 0);
	expect("a\nb\n", "top\na\nb\n", "top\na\nb\n", "top\na\nb\n", 0);
	expect("a\n", "L\na\n", "R\na\n",
	       "<<<<<<< yours (local)\nL\n||||||| base\n=======\nR\n>>>>>>> server\na\n", 1);
}

static void test_delete_against_edit_is_a_conflict(void **state)
{
	expect("a\nb\nc\n", "a\nc\n", "a\nB\nc\n",
	       "a\n<<<<<<< yours (local)\n||||||| base\nb\n=======\nB\n>>>>>>> server\nc\n", 1);
	/* a deletion and an edit elsewhere */
	expect("a\nb\nc\nd\ne\n", "a\nc\nd\ne\n", "a\nb\nc\nd\nE\n", "a\nc\nd\nE\n", 0);
	/* everything deleted on one side, untouched on the other */
	expect("a\nb\n", "", "a\nb\n", "", 0);
}

static void test_crlf_lines_and_markers_stay_crlf(void **state)
{
	expect("a\r\nb\r\nc\r\n", "A\r\nb\r\nc\r\n", "a\r\nb\r\nC\r\n", "A\r\nb\r\nC\r\n", 0);
	expect("a\r\nb\r\n", "a\r\nL\r\n", "a\r\nR\r\n",
	       "a\r\n<<<<<<< yours (local)\r\nL\r\n||||||| base\r\nb\r\n=======\r\nR\r\n"
	       ">>>>>>> server\r\n",
	       0 + 1);
	/* a line whose ending changed is a changed line */
	expect("a\nb\n", "a\r\nb\n", "a\nb\n", "a\r\nb\n", 0);
}

static void test_missing_final_newline_is_kept(void **state)
{
	expect("a\nb", "A\nb", "a\nb", "A\nb", 0);
	expect("a\nb", "A\nb", "a\nB", "A\nB", 0);
	/* one side adds the newline and a line, the other edits the top */
	expect("a\nb", "a\nb\nc", "A\nb", "A\nb\nc", 0);
	/* a conflict on the last line: the markers go on lines of their own */
	expect("a\nb", "a\nL", "a\nR",
	       "a\n<<<<<<< yours (local)\nL\n||||||| base\nb\n=======\nR\n>>>>>>> server\n", 1);
	/* a line added after a last line that lost its newline on the
	 * other side: the line is not glued to it */
	expect("a\n", "b", "a\nc\n", "b\nc\n", 0);
}

static void test_empty_texts(void **state)
{
	expect("", "", "", "", 0);
	expect("", "x\n", "", "x\n", 0);
	expect("", "", "y\n", "y\n", 0);
	expect("", "x\n", "x\n", "x\n", 0);
	expect("", "x\n", "y\n", "<<<<<<< yours (local)\nx\n||||||| base\n=======\ny\n>>>>>>> server\n",
	       1);
	expect("a\n", "", "", "", 0);
}

static void test_nul_bytes_are_kept(void **state)
{
	const char base[] = "a\0b\nc\nd\0\n";
	const char local[] = "a\0b\nC\0\nd\0\n";
	const char remote[] = "a\0b\nc\nd\0\ne\n";
	const char want[] = "a\0b\nC\0\nd\0\ne\n";
	struct buf out;
	int nc = -1;

	buf_init(&out);
	assert_int_equal(docs_merge3(base, sizeof base - 1, local, sizeof local - 1, remote,
				     sizeof remote - 1, NULL, NULL, &out, &nc, NULL),
			 0);
	assert_int_equal(nc, 0);
	assert_int_equal(out.len, sizeof want - 1);
	assert_memory_equal(out.data, want, sizeof want - 1);
	buf_free(&out);
}

static void test_default_labels(void **state)
{
	struct buf out;
	int nc = 0;

	buf_init(&out);
	assert_int_equal(docs_merge3("b\n", 2, "l\n", 2, "r\n", 2, NULL, NULL, &out, &nc, NULL), 0);
	assert_string_equal(out.data,
			    "<<<<<<< local\nl\n||||||| base\nb\n=======\nr\n>>>>>>> remote\n");
	assert_int_equal(nc, 1);
	buf_free(&out);
}

/* ---- random edits ------------------------------------------------------------ */

struct edit {
	size_t bs, be; /* base lines replaced */
	int nins;      /* lines inserted in their place */
	int side;
};

static unsigned rnd(unsigned *s)
{
	*s = *s * 1103515245u + 12345u;
	return (*s >> 16) & 0x7fff;
}

/* Apply edits (sorted, not overlapping) of one side or both to base lines
 * "b<i>\n"; inserted lines are unique. Insertion before replacement at the
 * same place, as the merge orders them. */
static void apply(const struct edit *ed, size_t ne, size_t nbase, int side, struct buf *out)
{
	size_t at = 0;

	for (size_t i = 0; i < ne; i++) {
		if (side >= 0 && ed[i].side != side)
			continue;
		for (; at < ed[i].bs; at++)
			buf_printf(out, "b%zu\n", at);
		for (int k = 0; k < ed[i].nins; k++)
			buf_printf(out, "%c%zu.%d\n", ed[i].side ? 'R' : 'L', i, k);
		at = ed[i].be;
	}
	for (; at < nbase; at++)
		buf_printf(out, "b%zu\n", at);
}

static int edit_cmp(const void *x, const void *y)
{
	const struct edit *a = x, *b = y;

	if (a->bs != b->bs)
		return a->bs < b->bs ? -1 : 1;
	/* at one place the insertion first */
	return (a->be > a->bs) - (b->be > b->bs);
}

/* Do two edits of different sides overlap (the merge's rule: ranges
 * that share a line, an insertion strictly inside a range, or two
 * insertions at one place)? */
static int cross_overlap(const struct edit *x, const struct edit *y)
{
	if (x->bs == x->be && y->bs == y->be)
		return x->bs == y->bs;
	if (x->bs == x->be)
		return y->bs < x->bs && x->bs < y->be;
	if (y->bs == y->be)
		return x->bs < y->bs && y->bs < x->be;
	return x->bs < y->be && y->bs < x->be;
}

/* Random edits of base lines on both sides. On one side, at least one
 * unchanged line between two edits (so the diff finds them as they are);
 * across sides they may touch, and overlap only if cross. */
static size_t random_edits(unsigned *s, size_t nbase, struct edit *ed, size_t max, int cross)
{
	size_t n = 0;

	for (size_t tries = 0; tries < max * 4 && n < max; tries++) {
		struct edit c;
		int ok = 1;

		c.side = (int)(rnd(s) & 1);
		c.bs = rnd(s) % (nbase + 1);
		c.be = c.bs + rnd(s) % 4;
		if (c.be > nbase)
			c.be = nbase;
		c.nins = (int)(rnd(s) % 4);
		if (c.be == c.bs && c.nins == 0)
			c.nins = 1;
		for (size_t i = 0; i < n && ok; i++) {
			if (ed[i].side == c.side)
				ok = c.bs > ed[i].be || ed[i].bs > c.be;
			else
				ok = cross || !cross_overlap(&c, &ed[i]);
		}
		if (ok)
			ed[n++] = c;
	}
	qsort(ed, n, sizeof *ed, edit_cmp);
	return n;
}

static void test_random_edits_on_both_sides_merge_to_both_applied(void **state)
{
	unsigned seed = 12345;

	for (int round = 0; round < 400; round++) {
		size_t nbase = rnd(&seed) % 40;
		struct edit ed[24];
		size_t ne = random_edits(&seed, nbase, ed, 1 + rnd(&seed) % 12, 0);
		struct buf b, l, r, want, got;
		int nc = -1;

		buf_init(&b);
		buf_init(&l);
		buf_init(&r);
		buf_init(&want);
		buf_init(&got);
		apply(ed, 0, nbase, -1, &b);
		apply(ed, ne, nbase, 0, &l);
		apply(ed, ne, nbase, 1, &r);
		apply(ed, ne, nbase, -1, &want);
		assert_int_equal(docs_merge3(b.data ? b.data : "", b.len, l.data ? l.data : "",
					     l.len, r.data ? r.data : "", r.len, "L", "R", &got,
					     &nc, NULL),
				 0);
		if (nc != 0 || strcmp(buf_cstr(&got), buf_cstr(&want)) != 0) {
			fprintf(stderr, "round %d\nbase:\n%s\nlocal:\n%s\nremote:\n%s\ngot:\n%s\n",
				round, buf_cstr(&b), buf_cstr(&l), buf_cstr(&r), buf_cstr(&got));
		}
		assert_int_equal(nc, 0);
		assert_string_equal(buf_cstr(&got), buf_cstr(&want));
		buf_free(&b);
		buf_free(&l);
		buf_free(&r);
		buf_free(&want);
		buf_free(&got);
	}
}

static size_t count_line(const struct buf *text, const char *line)
{
	size_t c = 0, len = strlen(line);

	for (size_t i = 0; i < text->len;) {
		const char *nl = memchr(text->data + i, '\n', text->len - i);
		size_t e = nl ? (size_t)(nl - text->data) + 1 : text->len;

		if (e - i == len && memcmp(text->data + i, line, len) == 0)
			c++;
		i = e;
	}
	return c;
}

/* Overlapping edits on both sides: every line a side added is in the
 * result once (taken or inside a conflict), every base line neither side
 * touched is there, and markers appear exactly when conflicts are
 * counted. */
static void test_conflicts_never_drop_a_line_of_either_side(void **state)
{
	unsigned seed = 777;
	int with_conflicts = 0;

	for (int round = 0; round < 400; round++) {
		size_t nbase = rnd(&seed) % 30;
		struct edit ed[24];
		size_t ne = random_edits(&seed, nbase, ed, 1 + rnd(&seed) % 12, 1);
		struct buf b, l, r, got;
		char line[64];
		int nc = -1;

		buf_init(&b);
		buf_init(&l);
		buf_init(&r);
		buf_init(&got);
		apply(ed, 0, nbase, -1, &b);
		apply(ed, ne, nbase, 0, &l);
		apply(ed, ne, nbase, 1, &r);
		assert_int_equal(docs_merge3(buf_cstr(&b), b.len, buf_cstr(&l), l.len,
					     buf_cstr(&r), r.len, "L", "R", &got, &nc, NULL),
				 0);
		for (size_t i = 0; i < ne; i++)
			for (int k = 0; k < ed[i].nins; k++) {
				snprintf(line, sizeof line, "%c%zu.%d\n", ed[i].side ? 'R' : 'L',
					 i, k);
				assert_int_equal(count_line(&got, line), 1);
			}
		for (size_t at = 0; at < nbase; at++) {
			int touched = 0;

			for (size_t i = 0; i < ne; i++)
				touched |= at >= ed[i].bs && at < ed[i].be;
			snprintf(line, sizeof line, "b%zu\n", at);
			if (!touched)
				assert_true(count_line(&got, line) >= 1);
		}
		assert_int_equal(count_line(&got, "<<<<<<< L\n"), (size_t)nc);
		assert_int_equal(count_line(&got, "||||||| base\n"), (size_t)nc);
		assert_int_equal(count_line(&got, "=======\n"), (size_t)nc);
		assert_int_equal(count_line(&got, ">>>>>>> R\n"), (size_t)nc);
		with_conflicts += nc > 0;
		buf_free(&b);
		buf_free(&l);
		buf_free(&r);
		buf_free(&got);
	}
	assert_true(with_conflicts > 50); /* the test did meet conflicts */
}

/* ---- big texts ----------------------------------------------------------------- */

/* Time limits are for an optimised build; sanitizers run slower. */
#if defined(__SANITIZE_ADDRESS__)
#define SLOW 8
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SLOW 8
#endif
#endif
#ifndef SLOW
#define SLOW 1
#endif

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts); /* our work, not the machine's load */
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* About 10 MB of lines that look like prose, some repeated (blank lines,
 * a closing brace), so the diff meets ambiguity. */
static void big_text(struct buf *out, unsigned seed, size_t bytes)
{
	size_t i = 0;

	while (out->len < bytes) {
		unsigned x = rnd(&seed);

		if (x % 10 == 0)
			buf_adds(out, "\n");
		else if (x % 10 == 1)
			buf_adds(out, "}\n");
		else
			buf_printf(out, "line %zu of the report, with some words %u %u\n", i,
				   rnd(&seed), rnd(&seed));
		i++;
	}
}

/* Replace every n-th line (from first) with a marked copy. */
static void edit_every(const struct buf *in, struct buf *out, size_t first, size_t every,
		       const char *tag, size_t *changed)
{
	size_t line = 0;

	*changed = 0;
	for (size_t i = 0; i < in->len;) {
		const char *nl = memchr(in->data + i, '\n', in->len - i);
		size_t e = nl ? (size_t)(nl - in->data) + 1 : in->len;

		if (line >= first && (line - first) % every == 0) {
			buf_printf(out, "%s %zu\n", tag, line);
			(*changed)++;
		} else {
			buf_add(out, in->data + i, e - i);
		}
		line++;
		i = e;
	}
}

static void test_two_10mb_texts_with_a_few_hundred_changes_merge_fast(void **state)
{
	struct buf b, l, r, got;
	size_t nl, nr;
	double t0, t;
	int nc = -1;

	buf_init(&b);
	buf_init(&l);
	buf_init(&r);
	buf_init(&got);
	big_text(&b, 99, 10u << 20);
	edit_every(&b, &l, 100, 600, "local edit", &nl);
	edit_every(&b, &r, 400, 600, "remote edit", &nr);
	assert_true(nl >= 200 && nr >= 200);
	t0 = now_s();
	assert_int_equal(docs_merge3(b.data, b.len, l.data, l.len, r.data, r.len, "L", "R", &got,
				     &nc, NULL),
			 0);
	t = now_s() - t0;
	fprintf(stderr, "    merge of 3 x %.1f MB, %zu + %zu changed lines: %.3f s\n",
		(double)b.len / (1 << 20), nl, nr, t);
	assert_int_equal(nc, 0);
	assert_non_null(strstr(got.data, "local edit 100\n"));
	assert_non_null(strstr(got.data, "remote edit 400\n"));
	assert_true(t < 1.0 * SLOW);
	buf_free(&b);
	buf_free(&l);
	buf_free(&r);
	buf_free(&got);
}

/* Thousands of changes on each side: the searches settle for a split
 * past MERGE_SEARCH edits, and the merge stays clean. */
static void test_thousands_of_changes_on_both_sides_merge_cleanly(void **state)
{
	struct buf b, l, r, got;
	size_t nl, nr;
	double t0, t;
	int nc = -1;

	buf_init(&b);
	buf_init(&l);
	buf_init(&r);
	buf_init(&got);
	big_text(&b, 5, 4u << 20);
	edit_every(&b, &l, 10, 17, "local edit", &nl);
	edit_every(&b, &r, 3, 17, "remote edit", &nr);
	assert_true(nl >= 5000 && nr >= 5000);
	t0 = now_s();
	assert_int_equal(docs_merge3(b.data, b.len, l.data, l.len, r.data, r.len, "L", "R", &got,
				     &nc, NULL),
			 0);
	t = now_s() - t0;
	fprintf(stderr, "    merge of 3 x %.1f MB, %zu + %zu changed lines: %.3f s, %d conflicts\n",
		(double)b.len / (1 << 20), nl, nr, t, nc);
	assert_int_equal(nc, 0);
	assert_non_null(strstr(got.data, "local edit 10\n"));
	assert_non_null(strstr(got.data, "remote edit 3\n"));
	assert_true(t < 1.0 * SLOW);
	buf_free(&b);
	buf_free(&l);
	buf_free(&r);
	buf_free(&got);
}

static void test_unrelated_big_texts_merge_in_bounded_time(void **state)
{
	struct buf b, l, r, got;
	double t0, t;
	int nc = -1;

	buf_init(&b);
	buf_init(&l);
	buf_init(&r);
	buf_init(&got);
	big_text(&b, 1, 4u << 20);
	big_text(&l, 2, 4u << 20);
	big_text(&r, 3, 4u << 20);
	t0 = now_s();
	assert_int_equal(docs_merge3(b.data, b.len, l.data, l.len, r.data, r.len, "L", "R", &got,
				     &nc, NULL),
			 0);
	t = now_s() - t0;
	fprintf(stderr, "    merge of 3 unrelated x %.1f MB: %.3f s, %d conflicts\n",
		(double)b.len / (1 << 20), t, nc);
	assert_true(nc >= 1);
	assert_true(got.len >= l.len && got.len >= r.len);
	assert_true(t < 2.0 * SLOW);
	buf_free(&b);
	buf_free(&l);
	buf_free(&r);
	buf_free(&got);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_changes_on_different_lines_of_each_side_merge_cleanly),
		cmocka_unit_test(test_the_same_change_on_both_sides_is_taken_once),
		cmocka_unit_test(test_merge_keeps_both_sides_of_conflicting_line),
		cmocka_unit_test(test_a_conflict_spans_every_change_it_overlaps),
		cmocka_unit_test(test_adjacent_changes_are_not_a_conflict),
		cmocka_unit_test(test_different_insertions_at_one_place_conflict),
		cmocka_unit_test(test_insertions_at_start_and_end),
		cmocka_unit_test(test_delete_against_edit_is_a_conflict),
		cmocka_unit_test(test_crlf_lines_and_markers_stay_crlf),
		cmocka_unit_test(test_missing_final_newline_is_kept),
		cmocka_unit_test(test_empty_texts),
		cmocka_unit_test(test_nul_bytes_are_kept),
		cmocka_unit_test(test_default_labels),
		cmocka_unit_test(test_random_edits_on_both_sides_merge_to_both_applied),
		cmocka_unit_test(test_conflicts_never_drop_a_line_of_either_side),
		cmocka_unit_test(test_two_10mb_texts_with_a_few_hundred_changes_merge_fast),
		cmocka_unit_test(test_thousands_of_changes_on_both_sides_merge_cleanly),
		cmocka_unit_test(test_unrelated_big_texts_merge_in_bounded_time),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
