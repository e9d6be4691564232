/*
 * test_docs_findbig.c - find.c on texts too big to search in one go: a
 * typed key returns within its time budget with the search or the count
 * still going (doc_find_busy), doc_find_more finishes them with the same
 * answers a whole search gives; a needle that grows looks on from its
 * match; a regex runs on the piece table through the UText provider and
 * agrees with one run on the flat text, across chunk edges, multi-byte
 * and invalid UTF-8 and after edits; a folded ASCII needle still finds
 * text that folds to it (ß, ligatures, the Kelvin sign) in slices the
 * quick filter would otherwise skip.
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
#include "modules/docs/buffer.h"
#include "modules/docs/editor.h"
#include "modules/docs/find.h"

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static struct editor *with_text(const char *s, size_t n)
{
	struct editor *ed = editor_new();

	editor_load_text(ed, s, n);
	return ed;
}

/* n bytes of numbered lines; "needle" on every 97th, "zq-last" once at
 * the end. */
static char *big_text(size_t n, size_t *len)
{
	struct buf b;

	buf_init(&b);
	for (size_t i = 0; b.len < n; i++)
		buf_printf(&b, "%07zu report budget 报告 %s\n", i, i % 997 == 5 ? "needle" : "plain");
	buf_adds(&b, "zq-last\n");
	*len = b.len;
	buf_cstr(&b);
	return buf_detach(&b);
}

static size_t count_plain(const char *t, size_t n, const char *needle)
{
	size_t c = 0, k = strlen(needle);

	for (const char *p = t; (p = memmem(p, n - (size_t)(p - t), needle, k)) != NULL; p++)
		c++;
	return c;
}

static void finish(struct doc_find *f, struct editor *ed)
{
	for (int i = 0; i < 100000 && doc_find_busy(f); i++)
		doc_find_more(f, ed, DOC_FIND_BUDGET_MS);
	assert_false(doc_find_busy(f));
}

static void test_a_key_is_bounded_and_the_count_finishes_later(void **state)
{
	size_t len;
	char *t = big_text(40u << 20, &len);
	struct editor *ed = with_text(t, len);
	struct doc_find f;
	double t0, ms;
	size_t want = count_plain(t, len, "needle"), origin;

	assert_true(want < DOC_FIND_COUNT_CAP);
	doc_find_begin(&f, ed);
	t0 = now_ms();
	doc_find_type(&f, ed, "n", 1);
	doc_find_type(&f, ed, "e", 1);
	doc_find_type(&f, ed, "e", 1);
	ms = now_ms() - t0;
	/* three keys, each within its budget (with room for a slow build) */
	assert_true(ms < 3 * (DOC_FIND_BUDGET_MS + 60));
	assert_true(f.found);
	assert_true(doc_find_busy(&f)); /* 40 MB are not counted in 24 ms */
	doc_find_type(&f, ed, "dle", 3);
	finish(&f, ed);
	assert_true(f.found);
	assert_int_equal(f.count, want);
	assert_int_equal(f.index, 1);
	assert_int_equal(memcmp(t + f.at, "needle", 6), 0);
	assert_false(f.capped);
	/* a needle found only at the very end, typed on after a miss */
	doc_find_end(&f);
	origin = editor_cursor(ed);
	doc_find_begin(&f, ed);
	doc_find_type(&f, ed, "zq", 2);
	finish(&f, ed);
	assert_true(f.found);
	assert_int_equal(f.at, len - 8);
	doc_find_type(&f, ed, "x", 1); /* "zqx": nowhere */
	finish(&f, ed);
	assert_false(f.found);
	assert_int_equal(editor_cursor(ed), origin); /* back where find began */
	doc_find_type(&f, ed, "y", 1); /* longer still: no search needed */
	assert_false(doc_find_busy(&f));
	assert_false(f.found);
	doc_find_end(&f);
	free(t);
	editor_free(ed);
}

static void test_stepping_and_folded_search_agree_with_a_full_count(void **state)
{
	size_t len;
	char *t = big_text(6u << 20, &len);
	struct editor *ed = with_text(t, len);
	struct doc_find f;
	size_t want = count_plain(t, len, "needle"), at;

	editor_set_cursor(ed, len / 2);
	doc_find_begin(&f, ed);
	doc_find_set(&f, ed, "NEEDLE", 6, 0, DOC_CASE_FOLD);
	finish(&f, ed);
	assert_true(f.found);
	assert_true(f.at >= len / 2);
	assert_int_equal(f.count, want);
	assert_true(f.index > want / 3);
	at = f.at;
	assert_int_equal(doc_find_step(&f, ed, 1), 0);
	finish(&f, ed);
	assert_true(f.at > at);
	assert_int_equal(memcmp(t + f.at, "needle", 6), 0);
	assert_int_equal(doc_find_step(&f, ed, 0), 0);
	finish(&f, ed);
	assert_int_equal(f.at, at);
	doc_find_end(&f);
	free(t);
	editor_free(ed);
}

/* The first 40 matches of pattern on the flat text, as "s-e," pairs,
 * and how many there are in all. */
static size_t flat_matches(const char *pat, const char *t, size_t n, struct buf *out)
{
	struct doc_pattern p = { pat, strlen(pat), 1, DOC_CASE_EXACT };
	struct doc_matcher *m;
	size_t from = 0, s, e;
	struct err er;
	size_t k = 0;

	assert_int_equal(doc_matcher_new(&p, &m, &er), 0);
	while (from <= n && doc_matcher_next(m, t, n, from, &s, &e) == 0) {
		if (k++ < 40)
			buf_printf(out, "%zu-%zu,", s, e);
		from = e > s ? e : s + 1;
		while (from < n && ((unsigned char)t[from] & 0xc0) == 0x80)
			from++;
	}
	doc_matcher_free(m);
	return k;
}

/* The same through the editor's find (the UText over the piece table). */
static size_t buf_matches(const char *pat, struct editor *ed, struct buf *out)
{
	struct doc_find f;
	size_t first, n = 0, count;

	editor_set_cursor(ed, 0);
	doc_find_begin(&f, ed);
	doc_find_set(&f, ed, pat, strlen(pat), 1, DOC_CASE_EXACT);
	finish(&f, ed);
	count = f.count;
	if (f.found) {
		first = f.at;
		do {
			buf_printf(out, "%zu-%zu,", f.at, f.at_end);
			doc_find_step(&f, ed, 1);
			finish(&f, ed);
		} while (f.at != first && ++n < 40);
	}
	doc_find_end(&f);
	return count;
}

static void test_a_regex_on_the_piece_table_agrees_with_the_flat_text(void **state)
{
	static const char *const pats[] = {
		"文字\\w*", "[0-9]{3}😀", "^bad", "\\p{Han}{2}$", "é+", "x\\Xy", "(?<=报)告",
	};
	struct buf text, a, b;
	struct editor *ed;

	buf_init(&text);
	for (int i = 0; i < 1500; i++) {
		buf_printf(&text, "%03d😀 中文文字%d é\xcc\x81 x\xe4y ", i, i % 7);
		if (i % 50 == 0)
			buf_adds(&text, "\nbad \xff\xfe line 报告\n");
	}
	ed = with_text(text.data, text.len);
	/* edits: the piece table has many pieces, the text changes under it */
	for (size_t off = 100; off < text.len; off += 3001) {
		size_t at = doc_buf_next_grapheme(editor_buf(ed), off);

		editor_set_cursor(ed, at);
		editor_insert(ed, "文字ab", strlen("文字ab"));
	}
	buf_reset(&text);
	doc_buf_contents(editor_buf(ed), &text);
	for (size_t i = 0; i < sizeof pats / sizeof pats[0]; i++) {
		size_t na, nb;

		buf_init(&a);
		buf_init(&b);
		na = flat_matches(pats[i], text.data, text.len, &a);
		nb = buf_matches(pats[i], ed, &b);
		buf_cstr(&a);
		buf_cstr(&b);
		assert_true(a.len > 0);
		if (strcmp(a.data, b.data) != 0 || na != nb)
			fprintf(stderr, "pattern %s differs: %zu / %zu matches\n%s\n%s\n", pats[i],
				na, nb, a.data, b.data);
		assert_string_equal(a.data, b.data);
		assert_int_equal(na, nb);
		buf_free(&a);
		buf_free(&b);
	}
	buf_free(&text);
	editor_free(ed);
}

/* Slices are skipped when they cannot hold a folded ASCII needle; a
 * match through a character that folds to ASCII letters is still found. */
static void test_folded_ascii_needles_find_what_folds_to_them(void **state)
{
	static const struct {
		const char *put, *needle;
	} cases[] = {
		{ "Stra\xc3\x9f" "e", "strasse" },      /* ß */
		{ "\xef\xac\x81" "le", "file" },         /* the fi ligature */
		{ "\xe2\x84\xaa" "elvin", "kelvin" },    /* the Kelvin sign */
		{ "MiXeD CaSe", "mixed case" },
	};
	struct buf b;

	for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
		struct editor *ed;
		struct doc_find f;
		size_t where;

		buf_init(&b);
		while (b.len < (3u << 20))
			buf_adds(&b, "plain words 中文 报告 without it\n");
		where = b.len;
		buf_adds(&b, cases[c].put);
		buf_adds(&b, "\n");
		while (b.len < (5u << 20))
			buf_adds(&b, "more plain words 中文\n");
		ed = with_text(b.data, b.len);
		doc_find_begin(&f, ed);
		doc_find_set(&f, ed, cases[c].needle, strlen(cases[c].needle), 0, DOC_CASE_AUTO);
		finish(&f, ed);
		assert_true(f.found);
		assert_int_equal(f.at, where);
		assert_int_equal(f.count, 1);
		doc_find_end(&f);
		editor_free(ed);
		buf_free(&b);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_a_key_is_bounded_and_the_count_finishes_later),
		cmocka_unit_test(test_stepping_and_folded_search_agree_with_a_full_count),
		cmocka_unit_test(test_a_regex_on_the_piece_table_agrees_with_the_flat_text),
		cmocka_unit_test(test_folded_ascii_needles_find_what_folds_to_them),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
