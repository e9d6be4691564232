/*
 * test_docs_file.c - modules/docs/file.c through the editor: files open
 * and save back byte for byte in their own form (UTF-8 with and without
 * BOM, invalid UTF-8, CR LF and mixed line ends, GB18030, UTF-16LE/BE),
 * `:encoding` converts, Latin-1 is not taken for GB18030, binary and
 * undecodable files open read-only, a file we may not write opens
 * read-only and saves elsewhere, mode and symbolic links are kept, a
 * change on disk is noticed (a touch is not) with a diff, and a save that
 * fails (no directory, a read-only directory, a full disk) keeps the text.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <utime.h>
#include <cmocka.h>

#include "core/core.h"
#include "i18n/i18n.h"
#include "modules/docs/buffer.h"
#include "modules/docs/editor.h"
#include "modules/docs/file.h"

static char dir[64];

static int setup(void **state)
{
	strcpy(dir, "/tmp/atrium-test-file.XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[256];

	snprintf(cmd, sizeof cmd, "chmod -R u+w '%s'; rm -rf '%s'", dir, dir);
	return system(cmd) == 0 ? 0 : -1;
}

static char *path_of(const char *name)
{
	char *p;

	xasprintf(&p, "%s/%s", dir, name);
	return p;
}

static void write_file(const char *path, const char *data, size_t len)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	fclose(f);
}

static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	struct buf b;
	char chunk[4096];
	size_t n;

	assert_non_null(f);
	buf_init(&b);
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		buf_add(&b, chunk, n);
	fclose(f);
	*len = b.len;
	buf_cstr(&b);
	return buf_detach(&b);
}

static void assert_file(const char *path, const char *want, size_t wlen)
{
	size_t n;
	char *got = read_file(path, &n);

	assert_int_equal(n, wlen);
	assert_memory_equal(got, want, wlen);
	free(got);
}

static char *text_of(const struct editor *ed)
{
	struct buf b;

	buf_init(&b);
	doc_buf_contents(editor_buf(ed), &b);
	buf_cstr(&b);
	return buf_detach(&b);
}

/* Open name holding bytes, check the text the editor shows and the form
 * detected, save unchanged and compare the bytes. */
static struct editor *round_trip(const char *name, const char *bytes, size_t n, const char *text,
				 enum doc_enc enc, int bom, int crlf)
{
	char *p = path_of(name), *t;
	struct editor *ed = editor_new();
	struct err e;
	const struct doc_format *f;

	write_file(p, bytes, n);
	assert_int_equal(editor_open(ed, p, &e), 0);
	t = text_of(ed);
	assert_string_equal(t, text);
	free(t);
	f = editor_format(ed);
	assert_int_equal(f->enc, enc);
	assert_int_equal(f->bom, bom);
	assert_int_equal(f->crlf, crlf);
	assert_int_equal(editor_readonly(ed), DOC_RW);
	assert_int_equal(editor_save(ed, NULL, &e), 0);
	assert_file(p, bytes, n);
	free(p);
	return ed;
}

static void test_utf8_lf_and_bom_round_trip(void **state)
{
	editor_free(round_trip("plain.txt", "中文 text\nline 2\n", 19, "中文 text\nline 2\n",
			       DOC_ENC_UTF8, 0, 0));
	editor_free(round_trip("bom.txt", "\xef\xbb\xbfhello\n", 9, "hello\n", DOC_ENC_UTF8, 1,
			       0));
}

static void test_crlf_shown_as_lines_and_kept(void **state)
{
	struct editor *ed = round_trip("crlf.txt", "one\r\ntwo\r\n", 10, "one\ntwo\n",
				       DOC_ENC_UTF8, 0, 1);
	char *p = path_of("crlf.txt");
	struct err e;

	assert_int_equal(doc_buf_lines(editor_buf(ed)), 3);
	editor_move(ed, ED_BOTTOM);
	editor_insert(ed, "three\n", 6);
	assert_int_equal(editor_save(ed, NULL, &e), 0);
	assert_file(p, "one\r\ntwo\r\nthree\r\n", 17);
	editor_free(ed);
	free(p);
}

static void test_mixed_line_ends_keep_their_bytes(void **state)
{
	/* a lone LF: not a CR LF file, the CR stays in the text */
	editor_free(round_trip("mixed.txt", "a\r\nb\nc\r\n", 8, "a\r\nb\nc\r\n", DOC_ENC_UTF8, 0,
			       0));
}

static void test_invalid_utf8_round_trips_byte_for_byte(void **state)
{
	static const char bytes[] = "ok \xff\xc3 bad \xe4\xb8 cut\n\x80";
	struct editor *ed = round_trip("bad.txt", bytes, sizeof bytes - 1, bytes, DOC_ENC_UTF8, 0,
				       0);
	char *p = path_of("bad.txt");
	struct err e;

	/* an edit elsewhere leaves the bad bytes alone */
	editor_move(ed, ED_TOP);
	editor_insert(ed, "X", 1);
	assert_int_equal(editor_save(ed, NULL, &e), 0);
	{
		char want[64];

		want[0] = 'X';
		memcpy(want + 1, bytes, sizeof bytes - 1);
		assert_file(p, want, sizeof bytes);
	}
	editor_free(ed);
	free(p);
}

static void test_gb18030_detected_and_saved_back(void **state)
{
	const char *u = "中文测试，你好。\n第二行 with ASCII\n";
	size_t n, back_n;
	char *gb = txt_from_utf8("GB18030", u, strlen(u), &n), *p = path_of("gb.txt"), *back;
	struct editor *ed;
	struct err e;
	struct buf cr;

	assert_non_null(gb);
	ed = round_trip("gb.txt", gb, n, u, DOC_ENC_GB18030, 0, 0);
	/* an edit is saved in GB18030 too */
	editor_move(ed, ED_BOTTOM);
	editor_insert(ed, "再见", strlen("再见"));
	assert_int_equal(editor_save(ed, NULL, &e), 0);
	back = read_file(p, &back_n);
	{
		char *dec = txt_to_utf8("GB18030", back, back_n, NULL);
		char want[128];

		snprintf(want, sizeof want, "%s再见", u);
		assert_string_equal(dec, want);
		free(dec);
	}
	free(back);
	editor_free(ed);
	/* with CR LF */
	buf_init(&cr);
	for (size_t i = 0; i < n; i++) {
		if (gb[i] == '\n')
			buf_addc(&cr, '\r');
		buf_addc(&cr, gb[i]);
	}
	editor_free(round_trip("gbcrlf.txt", cr.data, cr.len, u, DOC_ENC_GB18030, 0, 1));
	buf_free(&cr);
	free(gb);
	free(p);
}

static void test_latin1_is_not_taken_for_gb18030(void **state)
{
	/* "naïve café" in Latin-1: ï e -> a valid GB18030 pair, but not Chinese */
	static const char l1[] = "na\xefve caf\xe9s and more na\xefve text\n";

	editor_free(round_trip("latin1.txt", l1, sizeof l1 - 1, l1, DOC_ENC_UTF8, 0, 0));
}

static void utf16(const char *u, int be, struct buf *out)
{
	size_t n;
	char *t = txt_from_utf8(be ? "UTF-16BE" : "UTF-16LE", u, strlen(u), &n);

	assert_non_null(t);
	buf_add(out, be ? "\xfe\xff" : "\xff\xfe", 2);
	buf_add(out, t, n);
	free(t);
}

static void test_utf16_with_bom_round_trips(void **state)
{
	const char *u = "Hello 世界 🙂\r\nline\r\n";
	struct buf le, be;

	buf_init(&le);
	buf_init(&be);
	utf16(u, 0, &le);
	utf16(u, 1, &be);
	editor_free(round_trip("le.txt", le.data, le.len, "Hello 世界 🙂\nline\n", DOC_ENC_UTF16LE,
			       1, 1));
	editor_free(round_trip("be.txt", be.data, be.len, "Hello 世界 🙂\nline\n", DOC_ENC_UTF16BE,
			       1, 1));
	buf_free(&le);
	buf_free(&be);
}

static void test_encoding_command_converts_on_save(void **state)
{
	const char *u = "转换 me\n";
	char *p = path_of("conv.txt");
	struct editor *ed = editor_new();
	struct doc_format f = { 0 };
	struct err e;
	size_t n;
	char *gb = txt_from_utf8("GB18030", u, strlen(u), &n);

	write_file(p, u, strlen(u));
	assert_int_equal(editor_open(ed, p, &e), 0);
	assert_int_equal(doc_format_parse("GB18030", &f), 0);
	editor_set_format(ed, &f);
	assert_true(editor_modified(ed));
	assert_int_equal(editor_save(ed, NULL, &e), 0);
	assert_false(editor_modified(ed));
	assert_file(p, gb, n);
	assert_int_equal(doc_format_parse("latin-9", &f), E_USAGE);
	/* invalid UTF-8 cannot be written as GB18030: the save says where */
	editor_move(ed, ED_BOTTOM);
	editor_insert(ed, "\xff", 1);
	assert_int_equal(editor_save(ed, NULL, &e), E_PARSE);
	assert_non_null(strstr(e.msg, "GB18030"));
	assert_true(editor_modified(ed));
	assert_file(p, gb, n);
	free(gb);
	editor_free(ed);
	free(p);
}

static void test_binary_opens_read_only_and_saves_elsewhere(void **state)
{
	static const char bin[] = "\x7f" "ELF\x02\x01\x00\x00\xff text \x00\x01";
	char *p = path_of("prog.bin"), *q = path_of("copy.bin");
	struct editor *ed = editor_new();
	struct err e;

	write_file(p, bin, sizeof bin - 1);
	assert_int_equal(editor_open(ed, p, &e), 0);
	assert_int_equal(editor_readonly(ed), DOC_RO_BINARY);
	assert_non_null(editor_ro_key(ed));
	assert_int_equal(editor_save(ed, NULL, &e), E_PERM);
	assert_int_equal(editor_save(ed, q, &e), 0);
	assert_file(q, bin, sizeof bin - 1);
	assert_file(p, bin, sizeof bin - 1);
	editor_free(ed);
	free(p);
	free(q);
}

static void test_bad_utf16_opens_read_only_as_bytes(void **state)
{
	/* odd length, and a lone high surrogate */
	static const char bad[] = "\xff\xfe\x41\x00\x00\xd8\x42";

	char *p = path_of("bad16.txt");
	struct editor *ed = editor_new();
	struct err e;

	write_file(p, bad, sizeof bad - 1);
	assert_int_equal(editor_open(ed, p, &e), 0);
	assert_int_equal(editor_readonly(ed), DOC_RO_UNDECODABLE);
	assert_int_equal(doc_buf_len(editor_buf(ed)), sizeof bad - 1);
	editor_free(ed);
	free(p);
}

static void test_mode_and_symlink_are_kept(void **state)
{
	char *p = path_of("mode.txt"), *l = path_of("link.txt");
	struct editor *ed = editor_new();
	struct stat st;
	struct err e;

	write_file(p, "x\n", 2);
	chmod(p, 0640);
	assert_int_equal(symlink(p, l), 0);
	assert_int_equal(editor_open(ed, l, &e), 0);
	editor_insert(ed, "y", 1);
	assert_int_equal(editor_save(ed, NULL, &e), 0);
	assert_int_equal(lstat(l, &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0640);
	assert_file(p, "yx\n", 3);
	editor_free(ed);
	free(p);
	free(l);
}

static void test_change_on_disk_is_noticed_with_a_diff(void **state)
{
	char *p = path_of("disk.txt");
	struct editor *ed = editor_new();
	struct utimbuf ut;
	struct buf d;
	struct err e;

	write_file(p, "one\ntwo\nthree\n", 14);
	assert_int_equal(editor_open(ed, p, &e), 0);
	assert_int_equal(editor_disk_changed(ed), 0);
	/* a touch changes the stat, not the bytes: no change */
	ut.actime = ut.modtime = time(NULL) + 100;
	assert_int_equal(utime(p, &ut), 0);
	assert_int_equal(editor_disk_changed(ed), 0);
	/* same size, other bytes, written as editors do (a new file renamed
	 * over the old: the editor's mapping keeps the old text) */
	{
		char *t = path_of("disk.tmp");

		write_file(t, "one\nTWO\nthree\n", 14);
		ut.actime = ut.modtime = time(NULL) + 100;
		utime(t, &ut);
		assert_int_equal(rename(t, p), 0);
		free(t);
	}
	assert_int_equal(editor_disk_changed(ed), 1);
	buf_init(&d);
	assert_int_equal(doc_file_diff(p, editor_buf(ed), &d, &e), 0);
	buf_cstr(&d);
	assert_non_null(strstr(d.data, "\n-TWO\n"));
	assert_non_null(strstr(d.data, "\n+two\n"));
	assert_non_null(strstr(d.data, "@@ -1,3 +1,3 @@"));
	buf_free(&d);
	/* overwriting is the user's choice: then it is the base */
	editor_disk_accept(ed);
	assert_int_equal(editor_disk_changed(ed), 0);
	unlink(p);
	assert_int_equal(editor_disk_changed(ed), 2);
	/* the same text on disk and in the editor: an empty diff */
	write_file(p, "one\ntwo\nthree\n", 14);
	buf_init(&d);
	assert_int_equal(doc_file_diff(p, editor_buf(ed), &d, &e), 0);
	assert_int_equal(d.len, 0);
	buf_free(&d);
	editor_free(ed);
	free(p);
}

static void test_failed_save_keeps_the_text(void **state)
{
	struct editor *ed = editor_new();
	struct err e;
	char *p = path_of("keep.txt");

	write_file(p, "keep\n", 5);
	assert_int_equal(editor_open(ed, p, &e), 0);
	editor_insert(ed, "more ", 5);
	assert_int_not_equal(editor_save(ed, "/nonexistent-dir/x/y.txt", &e), 0);
	assert_true(strlen(e.msg) > 0);
	assert_true(editor_modified(ed));
	assert_string_equal(editor_path(ed), p);
	assert_file(p, "keep\n", 5);
	editor_free(ed);
	free(p);
}

/* In a child that is not root (root may write anything): a file without
 * write permission opens read-only, saves elsewhere; a read-only
 * directory refuses the save and keeps the text. */
static int as_nobody(void)
{
	struct editor *ed = editor_new();
	struct err e;
	char *p = path_of("ro/locked.txt"), *q = path_of("ro/other.txt"), *d = path_of("ro");

	if (editor_open(ed, p, &e) != 0)
		return 10;
	if (editor_readonly(ed) != DOC_RO_PERM)
		return 11;
	editor_insert(ed, "edit ", 5);
	if (editor_save(ed, NULL, &e) != E_PERM || strstr(e.msg, "locked.txt") == NULL)
		return 12;
	if (editor_save(ed, q, &e) != 0)
		return 13;
	if (editor_readonly(ed) != DOC_RW)
		return 14;
	editor_insert(ed, "again ", 6);
	if (chmod(d, 0555) != 0)
		return 15;
	if (editor_save(ed, NULL, &e) == 0 || !editor_modified(ed))
		return 16;
	editor_free(ed);
	return 0;
}

static void test_permission_denied_opens_read_only(void **state)
{
	char *d = path_of("ro"), *p = path_of("ro/locked.txt");
	pid_t pid;
	int status;

	assert_int_equal(mkdir(d, 0755), 0);
	write_file(p, "locked\n", 7);
	chmod(p, 0444);
	if (geteuid() == 0) {
		(void)!chown(dir, 65534, 65534);
		(void)!chown(d, 65534, 65534);
		(void)!chown(p, 65534, 65534);
		pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			if (setgid(65534) != 0 || setuid(65534) != 0)
				_exit(9);
			_exit(as_nobody());
		}
		assert_int_equal(waitpid(pid, &status, 0), pid);
		assert_true(WIFEXITED(status));
		assert_int_equal(WEXITSTATUS(status), 0);
		(void)!chown(dir, 0, 0);
	} else {
		assert_int_equal(as_nobody(), 0);
	}
	free(d);
	free(p);
}

/* A full disk: a 64 KiB tmpfs (needs root; skipped otherwise). */
static void test_full_disk_keeps_the_text_and_the_file(void **state)
{
	char *m = path_of("small"), *p = path_of("small/f.txt"), cmd[256];
	struct editor *ed;
	struct err e;
	char *big;
	int rc;

	mkdir(m, 0755);
	snprintf(cmd, sizeof cmd, "mount -t tmpfs -o size=64k tmpfs '%s' 2>/dev/null", m);
	if (geteuid() != 0 || system(cmd) != 0) {
		free(m);
		free(p);
		skip();
	}
	write_file(p, "small\n", 6);
	ed = editor_new();
	assert_int_equal(editor_open(ed, p, &e), 0);
	big = xmalloc(256 * 1024);
	memset(big, 'z', 256 * 1024);
	editor_insert(ed, big, 256 * 1024);
	rc = editor_save(ed, NULL, &e);
	assert_int_equal(rc, E_IO);
	assert_non_null(strstr(e.msg, "space"));
	assert_true(editor_modified(ed));
	assert_file(p, "small\n", 6);
	editor_free(ed);
	free(big);
	snprintf(cmd, sizeof cmd, "umount '%s'", m);
	assert_int_equal(system(cmd), 0);
	free(m);
	free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_utf8_lf_and_bom_round_trip),
		cmocka_unit_test(test_crlf_shown_as_lines_and_kept),
		cmocka_unit_test(test_mixed_line_ends_keep_their_bytes),
		cmocka_unit_test(test_invalid_utf8_round_trips_byte_for_byte),
		cmocka_unit_test(test_gb18030_detected_and_saved_back),
		cmocka_unit_test(test_latin1_is_not_taken_for_gb18030),
		cmocka_unit_test(test_utf16_with_bom_round_trips),
		cmocka_unit_test(test_encoding_command_converts_on_save),
		cmocka_unit_test(test_binary_opens_read_only_and_saves_elsewhere),
		cmocka_unit_test(test_bad_utf16_opens_read_only_as_bytes),
		cmocka_unit_test(test_mode_and_symlink_are_kept),
		cmocka_unit_test(test_change_on_disk_is_noticed_with_a_diff),
		cmocka_unit_test(test_failed_save_keeps_the_text),
		cmocka_unit_test(test_permission_denied_opens_read_only),
		cmocka_unit_test(test_full_disk_keeps_the_text_and_the_file),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
