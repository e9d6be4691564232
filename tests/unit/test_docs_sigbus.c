/*
 * test_docs_sigbus.c - modules/docs/buffer.c when another program
 * truncates the mapped file in place: reading the whole buffer, lines,
 * search, edits, undo and saving all go on without a crash, the part
 * still on disk reads as it was, the lost part reads as NUL bytes, the
 * line counts agree with the bytes, and doc_buf_truncated says what
 * happened. A SIGBUS that is not a read of a buffer's mapping still
 * kills, as it would without atrium's handler.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "core/core.h"
#include "modules/docs/buffer.h"

static char dir[64];

static int setup(void **state)
{
	strcpy(dir, "/tmp/atrium-test-sigbus.XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* A file of n numbered lines (about 20 bytes each) at path; its text in
 * out. */
static void make_file(const char *path, int n, struct buf *out)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	buf_reset(out);
	for (int i = 0; i < n; i++)
		buf_printf(out, "line %06d 第%d行\n", i, i);
	assert_int_equal(fwrite(out->data, 1, out->len, f), out->len);
	fclose(f);
}

static size_t newlines(const char *p, size_t n)
{
	size_t c = 0;

	for (size_t i = 0; i < n; i++)
		c += p[i] == '\n';
	return c;
}

/* A file small enough to be read in is immune to writes in place. */
static void test_small_file_is_copied_in(void **state)
{
	char path[128];
	struct buf orig;
	struct doc_buf *b;
	struct err e;
	char *all;
	FILE *fp;

	doc_buf_set_copy_max((size_t)64 << 20);
	snprintf(path, sizeof path, "%s/small.txt", dir);
	buf_init(&orig);
	make_file(path, 2000, &orig);
	assert_int_equal(doc_buf_open(path, &b, &e), 0);
	fp = fopen(path, "r+"); /* same inode: what `printf ... > file` does */
	assert_non_null(fp);
	for (size_t i = 0; i < orig.len; i++)
		fputc('X', fp);
	fclose(fp);
	assert_int_equal(truncate(path, 10), 0);
	all = xmalloc(orig.len);
	assert_int_equal(doc_buf_read(b, 0, orig.len, all), orig.len);
	assert_memory_equal(all, orig.data, orig.len);
	assert_false(doc_buf_truncated(b));
	free(all);
	doc_buf_free(b);
	buf_free(&orig);
	doc_buf_set_copy_max(0);
}

static void test_truncated_file_reads_without_a_crash(void **state)
{
	char path[128];
	struct buf orig, text;
	struct doc_buf *b;
	struct err e;
	size_t len, keep = 5000, lines;
	char *all;

	snprintf(path, sizeof path, "%s/big.txt", dir);
	buf_init(&orig);
	buf_init(&text);
	make_file(path, 50000, &orig); /* about 1 MB: many pieces and pages */
	assert_int_equal(doc_buf_open(path, &b, &e), 0);
	len = doc_buf_len(b);
	assert_int_equal(len, orig.len);
	assert_false(doc_buf_truncated(b));

	assert_int_equal(truncate(path, (off_t)keep), 0);

	all = xmalloc(len);
	assert_int_equal(doc_buf_read(b, 0, len, all), len);
	assert_true(doc_buf_truncated(b));
	/* what is still on disk reads as it was; the rest is NULs */
	assert_memory_equal(all, orig.data, keep);
	for (size_t i = 16384; i < len; i++)
		if (all[i] != '\0')
			fail_msg("byte %zu past the file's end is %d", i, all[i]);
	/* the line index agrees with the bytes again */
	lines = newlines(all, len) + 1;
	assert_int_equal(doc_buf_lines(b), lines);
	assert_true(lines < 50000);
	for (size_t l = 0; l < lines; l++)
		assert_true(doc_buf_line_start(b, l) <= len);
	assert_int_equal(doc_buf_line_of(b, len - 1), lines - 1);
	free(all);
	doc_buf_free(b);
	buf_free(&orig);
	buf_free(&text);
}

/* Edits made before the truncation stay, undo still works, and the text
 * can be written out. */
static void test_edits_survive_a_truncation(void **state)
{
	char path[128], out[128];
	struct buf orig, text;
	struct doc_buf *b;
	struct err e;
	size_t cur, mid;
	int fd;

	snprintf(path, sizeof path, "%s/edit.txt", dir);
	snprintf(out, sizeof out, "%s/out.txt", dir);
	buf_init(&orig);
	buf_init(&text);
	make_file(path, 20000, &orig);
	assert_int_equal(doc_buf_open(path, &b, &e), 0);
	mid = doc_buf_len(b) / 2;
	assert_int_equal(doc_buf_insert(b, 0, "你好 ", 7), 0);
	assert_int_equal(doc_buf_delete(b, mid, 10000), 0); /* history holds file pieces */
	assert_int_equal(doc_buf_insert(b, mid, "middle", 6), 0);

	assert_int_equal(ftruncate(fd = open(path, O_WRONLY), 100), 0);
	close(fd);

	/* a search reads the whole text */
	size_t at;
	assert_int_equal(doc_buf_find(b, 0, "middle", 6, 1, &at), 0);
	assert_int_equal(at, mid);
	assert_true(doc_buf_truncated(b));
	doc_buf_contents(b, &text);
	assert_int_equal(text.len, doc_buf_len(b));
	assert_memory_equal(text.data, "你好 ", 7);
	assert_memory_equal(text.data + 7, orig.data, 100);
	assert_int_equal(doc_buf_lines(b), newlines(text.data, text.len) + 1);

	/* undo brings the deleted (now lost) range back as NULs, counted */
	assert_int_equal(doc_buf_undo(b, &cur), 0);
	assert_int_equal(doc_buf_undo(b, &cur), 0);
	buf_reset(&text);
	doc_buf_contents(b, &text);
	assert_int_equal(text.len, orig.len + 7);
	assert_int_equal(doc_buf_lines(b), newlines(text.data, text.len) + 1);
	for (size_t l = 0; l < doc_buf_lines(b); l += 97)
		assert_true(doc_buf_line_start(b, l) <= text.len);

	fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(doc_buf_write(b, fd, &e), 0);
	assert_int_equal(lseek(fd, 0, SEEK_END), (off_t)text.len);
	close(fd);
	doc_buf_free(b);
	buf_free(&orig);
	buf_free(&text);
}

/* In a child, with no handler before ours: a buffer over a truncated
 * file reads on, but a fault in another mapping still kills with SIGBUS
 * (the handler must not swallow what is not a buffer's read). */
static void test_other_sigbus_still_kills(void **state)
{
	char path[128], other[128];
	struct buf orig;
	int status, fds[2];
	char got = 0;
	pid_t pid;

	snprintf(path, sizeof path, "%s/mine.txt", dir);
	snprintf(other, sizeof other, "%s/other.txt", dir);
	buf_init(&orig);
	make_file(path, 10000, &orig);
	make_file(other, 10000, &orig);
	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct doc_buf *b;
		struct err e;
		volatile const char *p;
		char *all = malloc(orig.len);
		int fd;

		signal(SIGBUS, SIG_DFL); /* not the test harness's handler */
		if (all == NULL || doc_buf_open(path, &b, &e) != 0 || truncate(path, 10) != 0)
			_exit(3);
		if (doc_buf_read(b, 0, orig.len, all) != orig.len || !doc_buf_truncated(b))
			_exit(4);
		if (write(fds[1], "r", 1) != 1) /* the buffer's read survived */
			_exit(5);
		fd = open(other, O_RDWR);
		p = mmap(NULL, orig.len, PROT_READ, MAP_SHARED, fd, 0);
		if (p == MAP_FAILED || ftruncate(fd, 0) != 0)
			_exit(6);
		(void)p[orig.len - 1];
		_exit(0); /* survived a fault it should not have */
	}
	close(fds[1]);
	assert_int_equal(read(fds[0], &got, 1), 1);
	assert_int_equal(got, 'r');
	close(fds[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGBUS);
	buf_free(&orig);
}

int main(void)
{
	doc_buf_set_copy_max(0); /* these tests are about the mapping */
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_small_file_is_copied_in),
		cmocka_unit_test(test_truncated_file_reads_without_a_crash),
		cmocka_unit_test(test_edits_survive_a_truncation),
		cmocka_unit_test(test_other_sigbus_still_kills),
	};
	return cmocka_run_group_tests_name("docs_sigbus", tests, setup, teardown);
}
