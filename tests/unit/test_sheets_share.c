/*
 * test_sheets_share.c - workbooks of the team share in the sheets module
 * (cmd.c): which names mean the share, bytes handed over in memory and
 * read once by the same readers (on the loader's thread too, with the
 * format from the share path's extension), writing a file into memory in
 * its format, and a share path with no share being an error.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "modules/sheets/grid.h"

static void conf_with_url(struct conf *c, int url)
{
	conf_init(c);
	if (url)
		conf_set(c, "files", "url", "https://127.0.0.1:1/dav/", "test", 1);
}

static void assert_resolves(const struct conf *c, const char *in, const char *want)
{
	char *out = sheet_share_resolve(c, in);

	assert_string_equal(out, want);
	free(out);
}

static void test_resolve(void **state)
{
	struct conf with, without;
	char dir[] = "/tmp/sheets-share-XXXXXX", path[64];

	(void)state;
	assert_non_null(mkdtemp(dir));
	conf_with_url(&with, 1);
	conf_with_url(&without, 0);
	assert_true(sheet_share_path("share:/a.csv"));
	assert_false(sheet_share_path("/share/a.csv"));
	assert_false(sheet_share_path(NULL));
	/* share: stays, with or without a share configured */
	assert_resolves(&with, "share:/b/2026.xlsx", "share:/b/2026.xlsx");
	assert_resolves(&without, "share:/b/2026.xlsx", "share:/b/2026.xlsx");
	/* no such local folder: the share's, when there is a share */
	assert_resolves(&with, "/no-such-dir-atrium/2026.xlsx", "share:/no-such-dir-atrium/2026.xlsx");
	assert_resolves(&without, "/no-such-dir-atrium/2026.xlsx", "/no-such-dir-atrium/2026.xlsx");
	assert_resolves(NULL, "/no-such-dir-atrium/2026.xlsx", "/no-such-dir-atrium/2026.xlsx");
	/* the folder exists here: a new local file */
	snprintf(path, sizeof path, "%s/new.csv", dir);
	assert_resolves(&with, path, path);
	/* a file at the root, and relative names: local */
	assert_resolves(&with, "/tmp", "/tmp");
	assert_resolves(&with, "no-such-dir-atrium/x.csv", "no-such-dir-atrium/x.csv");
	conf_free(&with);
	conf_free(&without);
	rmdir(dir);
}

static void give(const char *path, const char *text)
{
	struct buf b;

	buf_init(&b);
	buf_adds(&b, text);
	sheet_mem_give(path, &b);
	assert_null(b.data); /* taken */
}

static void test_memory_read_once(void **state)
{
	struct sheet_file f;
	struct sheet_value v;
	struct err e;

	(void)state;
	sheet_share_set_io(NULL);
	give("share:/d/x.tsv", "a\tb\n2\t=A2*21\n");
	err_clear(&e);
	assert_int_equal(sheet_path_load("share:/d/x.tsv", &f, &e), 0);
	sheet_get(f.wb, 0, 1, 1, &v);
	assert_int_equal(v.type, SHEET_NUM);
	assert_true(v.num == 42);
	assert_int_equal(f.delim, '\t'); /* from the extension */
	assert_string_equal(sheet_name(f.wb, 0), "x");
	sheet_file_free(&f);
	/* read once: nothing left, and no share to ask */
	err_clear(&e);
	assert_int_equal(sheet_path_load("share:/d/x.tsv", &f, &e), E_USAGE);
	assert_non_null(strstr(e.msg, "share:/d/x.tsv"));
	sheet_file_free(&f);
	/* dropped before reading: gone */
	give("share:/d/y.csv", "1\n");
	sheet_mem_drop("share:/d/y.csv");
	err_clear(&e);
	assert_int_equal(sheet_path_load("share:/d/y.csv", &f, &e), E_USAGE);
	sheet_file_free(&f);
}

/* The batch hooks: what the share answers and what it is given. */
static struct buf put_seen;
static char put_path[64];

static int fake_get(const char *path, struct buf *out, struct err *e)
{
	if (strcmp(path, "/d/z.csv") != 0)
		return err_set(e, E_NOTFOUND, "no %s", path);
	buf_adds(out, "5,=A1+1\n");
	return 0;
}

static int fake_put(const char *path, const void *data, size_t len, struct err *e)
{
	(void)e;
	snprintf(put_path, sizeof put_path, "%s", path);
	buf_reset(&put_seen);
	buf_add(&put_seen, data, len);
	return 0;
}

static const struct sheet_share_io fake_io = { fake_get, fake_put };

static void test_hooks(void **state)
{
	struct sheet_file f;
	struct sheet_value v;
	struct err e;

	(void)state;
	buf_init(&put_seen);
	sheet_share_set_io(&fake_io);
	err_clear(&e);
	assert_int_equal(sheet_path_load("share:/d/z.csv", &f, &e), 0);
	sheet_get(f.wb, 0, 0, 1, &v);
	assert_true(v.num == 6);
	assert_int_equal(sheet_file_input(&f, 0, 0, "9", 1, 0, 1, &e), 0);
	assert_int_equal(sheet_path_save("share:/d/z.csv", &f, 0, &e), 0);
	assert_string_equal(put_path, "/d/z.csv"); /* without "share:" */
	assert_int_equal(put_seen.len, strlen("9,=A1+1\n"));
	assert_memory_equal(put_seen.data, "9,=A1+1\n", put_seen.len);
	sheet_file_free(&f);
	err_clear(&e);
	assert_int_equal(sheet_path_load("share:/d/other.csv", &f, &e), E_NOTFOUND);
	sheet_file_free(&f);
	sheet_share_set_io(NULL);
	buf_free(&put_seen);
}

static int done;

static void on_done(void *arg)
{
	(void)arg;
	done = 1;
}

/* An xlsx written into memory, handed over, read on the loader's thread. */
static void test_xlsx_through_loader(void **state)
{
	struct sheet_file f, g;
	struct sheet_load *l;
	struct sheet_value v;
	struct loop *loop = loop_new();
	struct buf b;
	struct err e;

	(void)state;
	sheet_file_init(&f, "Budget");
	err_clear(&e);
	assert_int_equal(sheet_file_input(&f, 0, 0, "12000", 5, 0, 1, &e), 0);
	assert_int_equal(sheet_file_input(&f, 0, 1, "=A1*4", 5, 0, 1, &e), 0);
	buf_init(&b);
	assert_int_equal(sheet_path_bytes("share:/b/2026.xlsx", &f, 1, &b, &e), 0);
	assert_true(b.len > 4 && memcmp(b.data, "PK", 2) == 0);
	sheet_file_free(&f);
	sheet_mem_give("share:/b/2026.xlsx", &b);
	done = 0;
	assert_int_equal(sheet_load_start("share:/b/2026.xlsx", loop, on_done, NULL, &l, &e), 0);
	for (int i = 0; i < 500 && !done; i++)
		loop_run_once(loop, 10);
	assert_true(done);
	assert_int_equal(sheet_load_finish(l, &g, &e), 0);
	assert_string_equal(sheet_name(g.wb, 0), "Budget");
	sheet_get(g.wb, 0, 0, 1, &v);
	assert_true(v.num == 48000);
	assert_string_equal(sheet_file_formula(&g, 0, 1), "=A1*4");
	sheet_file_free(&g);
	loop_free(loop);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_resolve),
		cmocka_unit_test(test_memory_read_once),
		cmocka_unit_test(test_hooks),
		cmocka_unit_test(test_xlsx_through_loader),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
