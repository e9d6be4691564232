/*
 * test_docs_buffer.c - modules/docs/buffer.c: the piece table reads back
 * what was opened and edited (checked against a plain string model under
 * random edits), lines and grapheme clusters are right across pieces,
 * undo/redo groups as a user expects, search crosses pieces, the file on
 * disk is never touched, and a key press stays cheap in big files.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "core/core.h"
#include "i18n/i18n.h"
#include "modules/docs/buffer.h"

static char dir[64];

static int setup(void **state)
{
	strcpy(dir, "/tmp/atrium-test-docbuf.XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* A temp file (mkstemp in the test directory) holding data. */
static const char *temp_file(const char *data, size_t len)
{
	static char path[128];
	int fd;

	snprintf(path, sizeof path, "%s/doc.XXXXXX", dir);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	for (size_t off = 0; off < len;) {
		ssize_t w = write(fd, data + off, len - off);
		assert_true(w > 0);
		off += (size_t)w;
	}
	close(fd);
	return path;
}

static struct doc_buf *open_data(const char *data, size_t len)
{
	struct doc_buf *b;
	struct err e = {0};

	assert_int_equal(doc_buf_open(temp_file(data, len), &b, &e), 0);
	return b;
}

static void assert_contents(struct doc_buf *b, const char *want, size_t len)
{
	struct buf out;

	buf_init(&out);
	doc_buf_contents(b, &out);
	assert_int_equal(out.len, len);
	assert_int_equal(doc_buf_len(b), len);
	assert_true(len == 0 || memcmp(out.data, want, len) == 0);
	buf_free(&out);
}

static void assert_text(struct doc_buf *b, const char *want)
{
	assert_contents(b, want, strlen(want));
}

/* Text with lines, CJK and the odd invalid byte, as a file would hold. */
static char *sample(size_t len, unsigned seed)
{
	static const char *words[] = {"alpha", " ",    "中文", "\n", "e\xcc\x81",
				      "\xff",  "\r\n", "word", "😀",  "\n\n"};
	char *s = xmalloc(len + 1);
	size_t n = 0;

	srand(seed);
	while (n < len) {
		const char *w = words[rand() % (int)nitems(words)];
		size_t k = strlen(w);
		if (k > len - n)
			k = len - n;
		memcpy(s + n, w, k);
		n += k;
	}
	s[len] = 0;
	return s;
}

static size_t ref_lines(const char *s, size_t len)
{
	size_t n = 1;

	for (size_t i = 0; i < len; i++)
		n += s[i] == '\n';
	return n;
}

/* ---- open --------------------------------------------------------------- */

static void test_open_reads_the_file_back_byte_identical(void **state)
{
	size_t len = 300 * 1024 + 7; /* several pieces */
	char *s = sample(len, 1);
	struct doc_buf *b = open_data(s, len);
	char part[100];

	assert_contents(b, s, len);
	assert_int_equal(doc_buf_lines(b), ref_lines(s, len));
	assert_true(doc_buf_pieces(b) > 1);
	assert_int_equal(doc_buf_read(b, 65536 - 50, sizeof part, part), sizeof part);
	assert_memory_equal(part, s + 65536 - 50, sizeof part);
	assert_int_equal(doc_buf_read(b, len - 10, sizeof part, part), 10);
	assert_int_equal(doc_buf_read(b, len, sizeof part, part), 0);
	assert_false(doc_buf_modified(b));
	assert_false(doc_buf_is_new(b));
	doc_buf_free(b);
	free(s);
}

static void test_zero_byte_file_opens_empty_and_takes_edits(void **state)
{
	struct doc_buf *b = open_data("", 0);
	char c;

	assert_int_equal(doc_buf_len(b), 0);
	assert_int_equal(doc_buf_lines(b), 1);
	assert_int_equal(doc_buf_line_start(b, 0), 0);
	assert_int_equal(doc_buf_line_of(b, 0), 0);
	assert_int_equal(doc_buf_read(b, 0, 1, &c), 0);
	assert_int_equal(doc_buf_next_grapheme(b, 0), 0);
	assert_int_equal(doc_buf_prev_grapheme(b, 0), 0);
	assert_int_equal(doc_buf_insert(b, 0, "hi\n", 3), 0);
	assert_text(b, "hi\n");
	assert_int_equal(doc_buf_lines(b), 2);
	doc_buf_free(b);
}

static void test_missing_file_opens_as_a_new_empty_buffer(void **state)
{
	char path[128];
	struct doc_buf *b;
	struct err e = {0};

	snprintf(path, sizeof path, "%s/not-there.md", dir);
	assert_int_equal(doc_buf_open(path, &b, &e), 0);
	assert_true(doc_buf_is_new(b));
	assert_int_equal(doc_buf_len(b), 0);
	doc_buf_free(b);
}

static void test_directory_is_refused_with_a_reason(void **state)
{
	struct doc_buf *b = (struct doc_buf *)1;
	struct err e = {0};

	assert_int_equal(doc_buf_open(dir, &b, &e), E_IO);
	assert_null(b);
	assert_non_null(strstr(e.msg, "directory"));
}

static void test_special_file_is_refused(void **state)
{
	char path[128];
	struct doc_buf *b;
	struct err e = {0};

	snprintf(path, sizeof path, "%s/fifo", dir);
	assert_int_equal(mkfifo(path, 0600), 0);
	assert_int_equal(doc_buf_open(path, &b, &e), E_IO);
	assert_non_null(strstr(e.msg, "not a regular file"));
}

static void test_unreadable_file_is_refused(void **state)
{
	const char *p = temp_file("secret", 6);
	struct doc_buf *b;
	struct err e = {0};

	if (geteuid() == 0)
		skip(); /* root reads anything */
	chmod(p, 0);
	assert_int_equal(doc_buf_open(p, &b, &e), E_PERM);
	assert_non_null(strstr(e.msg, "cannot open"));
}

/* ---- edits ------------------------------------------------------------------ */

static void test_edits_at_start_middle_and_end(void **state)
{
	struct doc_buf *b = open_data("hello world", 11);

	assert_int_equal(doc_buf_insert(b, 0, ">> ", 3), 0);
	assert_int_equal(doc_buf_insert(b, 14, "!", 1), 0);
	assert_int_equal(doc_buf_insert(b, 8, ",", 1), 0);
	assert_text(b, ">> hello, world!");
	assert_int_equal(doc_buf_delete(b, 0, 3), 0);
	assert_int_equal(doc_buf_delete(b, 12, 1), 0);
	assert_int_equal(doc_buf_delete(b, 5, 1), 0);
	assert_text(b, "hello world");
	assert_int_equal(doc_buf_insert(b, 12, "x", 1), E_RANGE);
	assert_int_equal(doc_buf_delete(b, 10, 2), E_RANGE);
	assert_int_equal(doc_buf_delete(b, 0, 11), 0);
	assert_text(b, "");
	assert_true(doc_buf_modified(b));
	doc_buf_free(b);
}

static void test_delete_across_piece_boundaries(void **state)
{
	struct doc_buf *b = open_data("0123456789", 10);

	doc_buf_insert(b, 3, "abc", 3);
	doc_buf_insert(b, 9, "XYZ", 3); /* 012abc345XYZ6789 */
	assert_text(b, "012abc345XYZ6789");
	assert_int_equal(doc_buf_delete(b, 4, 7), 0);
	assert_text(b, "012aZ6789");
	doc_buf_free(b);
}

static void test_random_edits_match_a_string_model(void **state)
{
	size_t cap = 1 << 20, len = 200 * 1024;
	char *ref = xmalloc(cap), *file = sample(len, 7);
	struct doc_buf *b = open_data(file, len);
	unsigned seed = 12345;

	memcpy(ref, file, len);
	srand(seed);
	for (int op = 1; op <= 20000; op++) {
		int r = rand() % 100;
		if (r < 55 || len < 10) {
			char ins[300];
			size_t off = (size_t)rand() % (len + 1);
			size_t n = 1 + (size_t)(r < 45 ? 0 : rand() % 299);
			for (size_t i = 0; i < n; i++)
				ins[i] = "ab\n中\xcc\x81 \r"[rand() % 9];
			assert_true(len + n < cap);
			assert_int_equal(doc_buf_insert(b, off, ins, n), 0);
			memmove(ref + off + n, ref + off, len - off);
			memcpy(ref + off, ins, n);
			len += n;
		} else if (r < 95) {
			size_t off = (size_t)rand() % len;
			size_t n = 1 + (size_t)rand() % (r < 90 ? 4 : 5000);
			if (n > len - off)
				n = len - off;
			assert_int_equal(doc_buf_delete(b, off, n), 0);
			memmove(ref + off, ref + off + n, len - off - n);
			len -= n;
		} else {
			char got[512];
			size_t off = (size_t)rand() % len;
			size_t n = doc_buf_read(b, off, sizeof got, got);
			assert_int_equal(n, len - off < sizeof got ? len - off : sizeof got);
			assert_memory_equal(got, ref + off, n);
		}
		if (op % 500 == 0) {
			size_t lines = ref_lines(ref, len), line = 0;
			assert_contents(b, ref, len);
			assert_int_equal(doc_buf_lines(b), lines);
			for (size_t i = 0; i < len; i++) {
				if (i == 0 || ref[i - 1] == '\n') {
					if (line % 97 == 0)
						assert_int_equal(doc_buf_line_start(b, line), i);
					line++;
				}
				if (i % 1013 == 0)
					assert_int_equal(doc_buf_line_of(b, i), line - 1);
			}
			assert_int_equal(doc_buf_line_of(b, len), lines - 1);
			assert_int_equal(doc_buf_line_start(b, lines), len);
		}
	}
	/* Undo everything: back to the file, unmodified; redo everything. */
	for (size_t cur; doc_buf_undo(b, &cur) == 0;)
		;
	assert_contents(b, file, 200 * 1024);
	assert_false(doc_buf_modified(b));
	for (size_t cur; doc_buf_redo(b, &cur) == 0;)
		;
	assert_contents(b, ref, len);
	assert_int_equal(doc_buf_lines(b), ref_lines(ref, len));
	doc_buf_free(b);
	free(ref);
	free(file);
}

static void test_line_start_and_line_of_on_small_texts(void **state)
{
	struct doc_buf *b = doc_buf_new_empty();

	doc_buf_insert(b, 0, "ab\n", 3);
	doc_buf_insert(b, 3, "\ncd", 3); /* "ab\n\ncd" over two pieces */
	assert_int_equal(doc_buf_lines(b), 3);
	assert_int_equal(doc_buf_line_start(b, 0), 0);
	assert_int_equal(doc_buf_line_start(b, 1), 3);
	assert_int_equal(doc_buf_line_start(b, 2), 4);
	assert_int_equal(doc_buf_line_start(b, 3), 6);
	assert_int_equal(doc_buf_line_of(b, 2), 0);
	assert_int_equal(doc_buf_line_of(b, 3), 1);
	assert_int_equal(doc_buf_line_of(b, 4), 2);
	assert_int_equal(doc_buf_line_of(b, 99), 2);
	doc_buf_free(b);
}

/* ---- grapheme clusters ------------------------------------------------------ */

static void assert_steps(struct doc_buf *b, const size_t *bounds, size_t n)
{
	size_t off = 0;

	for (size_t i = 1; i < n; i++) {
		off = doc_buf_next_grapheme(b, off);
		assert_int_equal(off, bounds[i]);
	}
	assert_int_equal(doc_buf_next_grapheme(b, off), off); /* at the end */
	for (size_t i = n - 1; i-- > 0;) {
		off = doc_buf_prev_grapheme(b, off);
		assert_int_equal(off, bounds[i]);
	}
	assert_int_equal(doc_buf_prev_grapheme(b, 0), 0);
}

static void test_graphemes_over_cjk_emoji_family_combining_and_crlf(void **state)
{
	/* 中 | 文 | family (man ZWJ woman ZWJ girl ZWJ boy) | e + U+0301 | CRLF | x */
	const char *s = "中文"
			"\xf0\x9f\x91\xa8\xe2\x80\x8d\xf0\x9f\x91\xa9\xe2\x80\x8d"
			"\xf0\x9f\x91\xa7\xe2\x80\x8d\xf0\x9f\x91\xa6"
			"e\xcc\x81"
			"\r\n"
			"x";
	const size_t bounds[] = {0, 3, 6, 31, 34, 36, 37};
	struct doc_buf *b = open_data(s, strlen(s));

	assert_steps(b, bounds, nitems(bounds));
	doc_buf_free(b);
}

static void test_grapheme_steps_over_invalid_bytes_one_at_a_time(void **state)
{
	const char *s = "a\xff\xe4\xb8" /* a truncated 中 */
			"b\xc3";
	const size_t bounds[] = {0, 1, 2, 3, 4, 5, 6};
	struct doc_buf *b = open_data(s, strlen(s));

	assert_steps(b, bounds, nitems(bounds));
	doc_buf_free(b);
}

static void test_cluster_split_across_two_pieces_is_one_step(void **state)
{
	struct doc_buf *b = open_data("caf", 3);
	const size_t bounds[] = {0, 1, 2, 3, 6, 7};

	doc_buf_insert(b, 3, "e", 1);
	doc_buf_insert(b, 4, "!", 1);
	doc_buf_insert(b, 4, "\xcc\x81", 2); /* combining acute, its own piece */
	assert_text(b, "cafe\xcc\x81!");
	assert_steps(b, bounds, nitems(bounds));
	doc_buf_free(b);
}

static void test_word_motions_match_i18n_on_the_flat_text(void **state)
{
	const char *s = "Hello, world! 我们今天去北京 and back\n中文分词很重要。x";
	size_t len = strlen(s), half = len / 2;
	struct doc_buf *b = doc_buf_new_empty();

	/* typed back to front in two halves: pieces cut through words */
	doc_buf_insert(b, 0, s + half, len - half);
	doc_buf_insert(b, 0, s, half);
	assert_text(b, s);
	for (size_t off = 0; off <= len; off++) {
		assert_int_equal(doc_buf_word_next(b, off), txt_word_next(s, len, off));
		assert_int_equal(doc_buf_word_prev(b, off), txt_word_prev(s, len, off));
	}
	assert_int_equal(doc_buf_word_next(b, len), len);
	assert_int_equal(doc_buf_word_prev(b, 0), 0);
	doc_buf_free(b);
}

/* ---- undo and redo ------------------------------------------------------------ */

static void type(struct doc_buf *b, size_t off, const char *s)
{
	for (size_t i = 0; s[i]; i++)
		assert_int_equal(doc_buf_insert(b, off + i, s + i, 1), 0);
}

static void test_undo_takes_back_a_typed_word_as_one_group(void **state)
{
	struct doc_buf *b = doc_buf_new_empty();
	size_t cur = 99;

	type(b, 0, "hello ");
	type(b, 6, "world");
	assert_text(b, "hello world");
	assert_int_equal(doc_buf_undo(b, &cur), 0);
	assert_text(b, "hello ");
	assert_int_equal(cur, 6);
	assert_int_equal(doc_buf_undo(b, &cur), 0);
	assert_text(b, "");
	assert_int_equal(cur, 0);
	assert_int_equal(doc_buf_undo(b, &cur), E_NOTFOUND);
	assert_int_equal(doc_buf_redo(b, &cur), 0);
	assert_text(b, "hello ");
	assert_int_equal(cur, 6);
	assert_int_equal(doc_buf_redo(b, &cur), 0);
	assert_text(b, "hello world");
	assert_int_equal(cur, 11);
	assert_int_equal(doc_buf_redo(b, &cur), E_NOTFOUND);
	doc_buf_free(b);
}

static void test_typing_after_a_cursor_jump_starts_a_new_group(void **state)
{
	struct doc_buf *b = doc_buf_new_empty();
	size_t cur;

	type(b, 0, "ab");
	type(b, 0, "X"); /* jumped back to the start */
	assert_text(b, "Xab");
	doc_buf_undo(b, &cur);
	assert_text(b, "ab");
	doc_buf_free(b);
}

static void test_group_end_closes_a_typed_word(void **state)
{
	struct doc_buf *b = doc_buf_new_empty();
	size_t cur;

	type(b, 0, "ab");
	doc_buf_group_end(b);
	type(b, 2, "cd");
	doc_buf_undo(b, &cur);
	assert_text(b, "ab");
	doc_buf_free(b);
}

static void test_backspaces_undo_as_one_group(void **state)
{
	struct doc_buf *b = doc_buf_new_empty();
	size_t cur;

	doc_buf_insert(b, 0, "one two", 7);
	doc_buf_delete(b, 6, 1);
	doc_buf_delete(b, 5, 1);
	doc_buf_delete(b, 4, 1);
	assert_text(b, "one ");
	assert_int_equal(doc_buf_undo(b, &cur), 0);
	assert_text(b, "one two");
	assert_int_equal(cur, 7);
	assert_int_equal(doc_buf_undo(b, &cur), 0);
	assert_text(b, "");
	doc_buf_free(b);
}

static void test_a_paste_is_one_group(void **state)
{
	struct doc_buf *b = doc_buf_new_empty();
	size_t cur;

	type(b, 0, "ab");
	doc_buf_insert(b, 2, "PASTED", 6);
	type(b, 8, "c");
	assert_text(b, "abPASTEDc");
	doc_buf_undo(b, &cur);
	assert_text(b, "abPASTED");
	doc_buf_undo(b, &cur);
	assert_text(b, "ab");
	assert_int_equal(cur, 2);
	doc_buf_free(b);
}

static void test_a_bracketed_replace_all_is_one_group(void **state)
{
	struct doc_buf *b = open_data("cat dog cat", 11);
	size_t cur;

	doc_buf_group_begin(b);
	doc_buf_delete(b, 8, 3);
	doc_buf_insert(b, 8, "bird", 4);
	doc_buf_delete(b, 0, 3);
	doc_buf_insert(b, 0, "bird", 4);
	doc_buf_group_end(b);
	assert_text(b, "bird dog bird");
	assert_int_equal(doc_buf_undo(b, &cur), 0);
	assert_text(b, "cat dog cat");
	assert_int_equal(doc_buf_redo(b, &cur), 0);
	assert_text(b, "bird dog bird");
	doc_buf_free(b);
}

static void test_a_new_edit_after_undo_discards_redo(void **state)
{
	struct doc_buf *b = doc_buf_new_empty();
	size_t cur;

	doc_buf_insert(b, 0, "first ", 6);
	doc_buf_insert(b, 6, "second", 6);
	doc_buf_undo(b, &cur);
	doc_buf_insert(b, 6, "third", 5);
	assert_int_equal(doc_buf_redo(b, &cur), E_NOTFOUND);
	assert_text(b, "first third");
	doc_buf_undo(b, &cur);
	doc_buf_undo(b, &cur);
	assert_text(b, "");
	doc_buf_free(b);
}

/* Each step is one group (bracketed, one to three edits); the model keeps a
 * copy of the text after every group, so undo and redo can be checked. */
static void test_random_edits_undo_and_redo_match_snapshots(void **state)
{
	enum { STEPS = 3000, CAP = 8192 };
	char **snap = xcalloc(STEPS + 1, sizeof *snap), cur_text[CAP];
	size_t *snap_len = xcalloc(STEPS + 1, sizeof *snap_len);
	size_t top = 0, now = 0, len = 40, cur;
	struct doc_buf *b;

	memcpy(cur_text, "the original file, with a line\nand more\n", len);
	b = open_data(cur_text, len);
	snap[0] = xstrndup(cur_text, len);
	snap_len[0] = len;
	srand(77);
	for (int step = 0; step < STEPS; step++) {
		int r = rand() % 10;
		if (r < 2 && now > 0) {
			assert_int_equal(doc_buf_undo(b, &cur), 0);
			now--;
		} else if (r < 4 && now < top) {
			assert_int_equal(doc_buf_redo(b, &cur), 0);
			now++;
		} else {
			int edits = 1 + rand() % 3;
			len = snap_len[now];
			memcpy(cur_text, snap[now], len);
			doc_buf_group_begin(b);
			for (int k = 0; k < edits; k++) {
				size_t off = (size_t)rand() % (len + 1);
				if (rand() % 2 && len > 0 && off < len) {
					size_t n = 1 + (size_t)rand() % 20;
					if (n > len - off)
						n = len - off;
					doc_buf_delete(b, off, n);
					memmove(cur_text + off, cur_text + off + n, len - off - n);
					len -= n;
				} else if (len + 20 < CAP) {
					size_t n = 1 + (size_t)rand() % 20;
					char ins[20];
					for (size_t i = 0; i < n; i++)
						ins[i] = "xy \n"[rand() % 4];
					doc_buf_insert(b, off, ins, n);
					memmove(cur_text + off + n, cur_text + off, len - off);
					memcpy(cur_text + off, ins, n);
					len += n;
				}
			}
			doc_buf_group_end(b);
			for (size_t i = now + 1; i <= top; i++)
				free(snap[i]);
			top = ++now;
			snap[now] = xstrndup(cur_text, len);
			snap_len[now] = len;
			assert_int_equal(doc_buf_redo(b, &cur), E_NOTFOUND);
		}
		assert_contents(b, snap[now], snap_len[now]);
		assert_int_equal(doc_buf_lines(b), ref_lines(snap[now], snap_len[now]));
		assert_int_equal(doc_buf_modified(b), now != 0);
	}
	for (size_t i = 0; i <= top; i++)
		free(snap[i]);
	free(snap);
	free(snap_len);
	doc_buf_free(b);
}

static void test_a_cluster_longer_than_the_window_still_moves(void **state)
{
	struct doc_buf *b = doc_buf_new_empty();
	char s[1 + 2 * 400];

	s[0] = 'a'; /* a with 400 combining marks */
	for (int i = 0; i < 400; i++)
		memcpy(s + 1 + 2 * i, "\xcc\x81", 2);
	doc_buf_insert(b, 0, s, sizeof s);
	assert_true(doc_buf_next_grapheme(b, 0) > 0);
	assert_true(doc_buf_prev_grapheme(b, sizeof s) < sizeof s);
	doc_buf_free(b);
}

static void test_modified_follows_the_save_point_through_undo(void **state)
{
	struct doc_buf *b = open_data("abc", 3);
	size_t cur;

	assert_false(doc_buf_modified(b));
	type(b, 3, "de");
	assert_true(doc_buf_modified(b));
	doc_buf_mark_saved(b);
	assert_false(doc_buf_modified(b));
	type(b, 5, "f");
	assert_true(doc_buf_modified(b));
	doc_buf_undo(b, &cur);
	assert_false(doc_buf_modified(b));
	doc_buf_undo(b, &cur);
	assert_true(doc_buf_modified(b));
	doc_buf_redo(b, &cur);
	assert_false(doc_buf_modified(b));
	doc_buf_free(b);
}

static void test_undo_back_to_the_start_equals_the_file(void **state)
{
	const char *s = "line one\nline two\n中文\n";
	struct doc_buf *b = open_data(s, strlen(s));
	size_t cur;

	doc_buf_delete(b, 5, 10);
	doc_buf_insert(b, 0, "# title\n", 8);
	type(b, 3, "xyz");
	doc_buf_delete(b, 0, doc_buf_len(b));
	while (doc_buf_undo(b, &cur) == 0)
		;
	assert_text(b, s);
	assert_false(doc_buf_modified(b));
	doc_buf_free(b);
}

/* ---- search ------------------------------------------------------------------------ */

static void test_find_crosses_piece_boundaries(void **state)
{
	size_t len = 200 * 1024;
	char *s = xmalloc(len);
	struct doc_buf *b;
	size_t off;

	memset(s, 'a', len);
	memcpy(s + 65536 - 3, "needle", 6); /* across two file pieces */
	b = open_data(s, len);
	assert_int_equal(doc_buf_find(b, 0, "needle", 6, 1, &off), 0);
	assert_int_equal(off, 65536 - 3);
	doc_buf_insert(b, 100, "dle", 3);
	doc_buf_insert(b, 100, "nee", 3); /* across two added pieces */
	assert_int_equal(doc_buf_find(b, 0, "needle", 6, 1, &off), 0);
	assert_int_equal(off, 100);
	assert_int_equal(doc_buf_find(b, 101, "needle", 6, 1, &off), 0);
	assert_int_equal(off, 65539);
	assert_int_equal(doc_buf_find(b, len + 6, "needle", 6, 0, &off), 0);
	assert_int_equal(off, 65539);
	assert_int_equal(doc_buf_find(b, 65539, "needle", 6, 0, &off), 0);
	assert_int_equal(off, 100);
	doc_buf_insert(b, len + 6, "needl", 5);
	assert_int_equal(doc_buf_find(b, 65540, "needle", 6, 1, &off), E_NOTFOUND);
	assert_int_equal(doc_buf_find(b, 100, "needle", 6, 0, &off), E_NOTFOUND);
	assert_int_equal(doc_buf_find(b, 0, "absent", 6, 1, &off), E_NOTFOUND);
	assert_int_equal(doc_buf_find(b, 0, "", 0, 1, &off), E_NOTFOUND);
	doc_buf_free(b);
	free(s);
}

static void test_find_matches_a_string_model_across_many_pieces(void **state)
{
	struct doc_buf *b = doc_buf_new_empty();
	char ref[4096];
	size_t len = 0, off;

	srand(3);
	while (len < 3000) { /* one-byte pieces in random order */
		size_t at = (size_t)rand() % (len + 1);
		char c = "ab"[rand() % 2];
		doc_buf_group_end(b);
		doc_buf_insert(b, at, &c, 1);
		memmove(ref + at + 1, ref + at, len - at);
		ref[at] = c;
		len++;
	}
	assert_contents(b, ref, len);
	for (size_t from = 0; from < len; from += 37) {
		const char *m = memmem(ref + from, len - from, "abba", 4);
		int rc = doc_buf_find(b, from, "abba", 4, 1, &off);
		if (m) {
			assert_int_equal(rc, 0);
			assert_int_equal(off, (size_t)(m - ref));
		} else {
			assert_int_equal(rc, E_NOTFOUND);
		}
	}
	doc_buf_free(b);
}

/* ---- the file on disk -------------------------------------------------------------- */

static void test_the_original_file_is_never_modified(void **state)
{
	size_t len = 150 * 1024;
	char *s = sample(len, 9), *back = xmalloc(len);
	const char *p = temp_file(s, len);
	struct doc_buf *b;
	struct err e = {0};
	struct stat before, after;
	size_t cur;
	int fd;

	assert_int_equal(stat(p, &before), 0);
	assert_int_equal(doc_buf_open(p, &b, &e), 0);
	for (int i = 0; i < 500; i++) {
		doc_buf_insert(b, (size_t)rand() % doc_buf_len(b), "zz", 2);
		doc_buf_delete(b, (size_t)rand() % (doc_buf_len(b) - 10), 7);
	}
	doc_buf_undo(b, &cur);
	doc_buf_free(b);
	assert_int_equal(stat(p, &after), 0);
	assert_int_equal(after.st_size, len);
	assert_true(before.st_mtim.tv_sec == after.st_mtim.tv_sec &&
		    before.st_mtim.tv_nsec == after.st_mtim.tv_nsec);
	fd = open(p, O_RDONLY);
	assert_int_equal(read(fd, back, len), (ssize_t)len);
	close(fd);
	assert_memory_equal(back, s, len);
	free(back);
	free(s);
}

static void test_write_saves_the_edited_text(void **state)
{
	struct doc_buf *b = open_data("abc", 3);
	char path[128], got[16];
	struct err e = {0};
	int fd;

	doc_buf_insert(b, 1, "XY", 2);
	snprintf(path, sizeof path, "%s/saved", dir);
	fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0600);
	assert_int_equal(doc_buf_write(b, fd, &e), 0);
	close(fd);
	fd = open(path, O_RDONLY);
	assert_int_equal(read(fd, got, sizeof got), 5);
	close(fd);
	assert_memory_equal(got, "aXYbc", 5);
	doc_buf_free(b);
}

/* ---- cost ---------------------------------------------------------------------------- */

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static double per_key_ms(struct doc_buf *b, size_t off, int step)
{
	double t0 = now_ms();

	for (int i = 0; i < 1000; i++)
		doc_buf_insert(b, off + (size_t)(step ? i : 0), "k", 1);
	return (now_ms() - t0) / 1000;
}

/* Inserts at scattered offsets: each one cuts a piece, none coalesces. */
static double scattered_key_ms(struct doc_buf *b)
{
	double t0 = now_ms();

	for (int i = 0; i < 1000; i++) {
		doc_buf_group_end(b);
		doc_buf_insert(b, (size_t)rand() % doc_buf_len(b), "k", 1);
	}
	return (now_ms() - t0) / 1000;
}

static void test_big_files_open_fast_and_keys_stay_cheap(void **state)
{
	size_t len = 50u << 20;
	char *s = sample(len, 11);
	const char *p = temp_file(s, len);
	struct doc_buf *b;
	struct err e = {0};
	double t0, open_ms, end_key, mid_key, any_key, line_key;

	free(s);
	t0 = now_ms();
	assert_int_equal(doc_buf_open(p, &b, &e), 0);
	open_ms = now_ms() - t0;
	end_key = per_key_ms(b, len, 1);
	mid_key = per_key_ms(b, len / 2, 1);
	any_key = scattered_key_ms(b);
	print_message("50 MB: open %.1f ms, key at end %.4f ms, in the middle %.4f ms, "
		      "scattered %.4f ms\n",
		      open_ms, end_key, mid_key, any_key);
	assert_true(open_ms < 500);
	assert_true(end_key < 1);
	assert_true(mid_key < 1);
	assert_true(any_key < 1);
	assert_int_equal(doc_buf_len(b), len + 3000);
	doc_buf_free(b);
	unlink(p);

	len = 10u << 20; /* one line */
	s = xmalloc(len);
	memset(s, 'x', len);
	p = temp_file(s, len);
	free(s);
	assert_int_equal(doc_buf_open(p, &b, &e), 0);
	line_key = per_key_ms(b, len / 2, 1);
	any_key = scattered_key_ms(b);
	print_message("10 MB line: key in the middle %.4f ms, scattered %.4f ms\n", line_key,
		      any_key);
	assert_true(line_key < 1);
	assert_true(any_key < 1);
	assert_int_equal(doc_buf_lines(b), 1);
	doc_buf_free(b);
	unlink(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	    T(test_open_reads_the_file_back_byte_identical),
	    T(test_zero_byte_file_opens_empty_and_takes_edits),
	    T(test_missing_file_opens_as_a_new_empty_buffer),
	    T(test_directory_is_refused_with_a_reason),
	    T(test_special_file_is_refused),
	    T(test_unreadable_file_is_refused),
	    T(test_edits_at_start_middle_and_end),
	    T(test_delete_across_piece_boundaries),
	    T(test_random_edits_match_a_string_model),
	    T(test_line_start_and_line_of_on_small_texts),
	    T(test_graphemes_over_cjk_emoji_family_combining_and_crlf),
	    T(test_grapheme_steps_over_invalid_bytes_one_at_a_time),
	    T(test_cluster_split_across_two_pieces_is_one_step),
	    T(test_word_motions_match_i18n_on_the_flat_text),
	    T(test_undo_takes_back_a_typed_word_as_one_group),
	    T(test_typing_after_a_cursor_jump_starts_a_new_group),
	    T(test_group_end_closes_a_typed_word),
	    T(test_backspaces_undo_as_one_group),
	    T(test_a_paste_is_one_group),
	    T(test_a_bracketed_replace_all_is_one_group),
	    T(test_a_new_edit_after_undo_discards_redo),
	    T(test_random_edits_undo_and_redo_match_snapshots),
	    T(test_a_cluster_longer_than_the_window_still_moves),
	    T(test_modified_follows_the_save_point_through_undo),
	    T(test_undo_back_to_the_start_equals_the_file),
	    T(test_find_crosses_piece_boundaries),
	    T(test_find_matches_a_string_model_across_many_pieces),
	    T(test_the_original_file_is_never_modified),
	    T(test_write_saves_the_edited_text),
	    T(test_big_files_open_fast_and_keys_stay_cheap),
#undef T
	};
	return cmocka_run_group_tests_name("docs_buffer", tests, NULL, NULL);
}
