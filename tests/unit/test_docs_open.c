/*
 * test_docs_open.c - the docs module as the shell drives it: `open
 * FILE:LINE[:COL]` (a file whose name ends in ":N" still opens as
 * itself), and the file changed on disk noticed when the tab comes to
 * the front (MEV_SHOWN), then reloaded or kept.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "i18n/i18n.h"
#include "modules/module.h"
#include "tui/tui.h"

extern const struct module docs_module;

static char dir[] = "/tmp/atrium-docs-open.XXXXXX";

struct run {
	void *st;
	struct module_env env;
	char *out;
	size_t outlen;
	struct err e;
};

static int say_yes(const char *q)
{
	return 1;
}

static int say_no(const char *q)
{
	return 0;
}

/* Write a file as other programs save (a new file renamed over the old):
 * the editor's mapping of the old one stays as it was. */
static const char *file_at(const char *name, const char *text)
{
	static char path[4][300];
	static int k;
	char *p = path[k++ % 4], tmp[320];
	FILE *f;

	snprintf(p, sizeof path[0], "%s/%s", dir, name);
	snprintf(tmp, sizeof tmp, "%s.tmp", p);
	f = fopen(tmp, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	assert_int_equal(rename(tmp, p), 0);
	return p;
}

/* Run a verb; its output is in r->out until the next one. */
static int verb(struct run *r, int (*confirm)(const char *), int argc, ...)
{
	struct cmd_ctx ctx = { 0 };
	char *argv[8];
	va_list ap;
	FILE *f;
	int rc;

	va_start(ap, argc);
	for (int i = 0; i < argc; i++)
		argv[i] = va_arg(ap, char *);
	va_end(ap);
	free(r->out);
	r->out = NULL;
	f = open_memstream(&r->out, &r->outlen);
	err_clear(&r->e);
	ctx.out = f;
	ctx.err = &r->e;
	ctx.interactive = 1;
	ctx.confirm = confirm;
	rc = docs_module.command(r->st, &ctx, argc, argv);
	fclose(f);
	return rc;
}

static void start(struct run *r)
{
	memset(r, 0, sizeof *r);
	r->env.home = dir;
	assert_int_equal(docs_module.init(&r->env, &r->st), 0);
}

static void stop(struct run *r)
{
	docs_module.free(r->st);
	free(r->out);
}

/* open FILE:LINE:COL puts the cursor there; other names open as given. */
static void test_open_file_line_col(void **state)
{
	const char *p = file_at("a.txt", "one\ntwo\nthree\n");
	const char *colon = file_at("b.txt:2", "colon\n");
	char arg[400];
	struct run r;

	start(&r);
	snprintf(arg, sizeof arg, "%s:3:2", p);
	assert_int_equal(verb(&r, say_yes, 2, "open", arg), 0);
	assert_non_null(strstr(r.out, "a.txt"));
	assert_null(strstr(r.out, ":3"));
	/* the cursor is on line 3, column 2: a typed X lands there */
	assert_int_equal(docs_module.key(r.st, 'X'), 1);
	assert_int_equal(verb(&r, say_yes, 1, "w"), 0);
	{
		char buf[64] = { 0 };
		FILE *f = fopen(p, "r");

		assert_int_equal(fread(buf, 1, sizeof buf - 1, f), 15);
		fclose(f);
		assert_string_equal(buf, "one\ntwo\ntXhree\n");
	}
	/* a name that exists with its colon opens as itself */
	assert_int_equal(verb(&r, say_yes, 2, "open", colon), 0);
	assert_int_equal(verb(&r, say_yes, 1, "ls"), 0);
	assert_non_null(strstr(r.out, "b.txt:2"));
	/* FILE:LINE with a FILE that does not exist: a new file of that name */
	snprintf(arg, sizeof arg, "%s/new.txt:4", dir);
	assert_int_equal(verb(&r, say_yes, 2, "open", arg), 0);
	assert_int_equal(verb(&r, say_yes, 1, "ls"), 0);
	assert_non_null(strstr(r.out, "new.txt:4"));
	stop(&r);
}

static void test_changed_on_disk_seen_when_shown(void **state)
{
	const char *p = file_at("c.txt", "first\n");
	struct module_event shown = { MEV_SHOWN, NULL, NULL };
	struct run r;

	start(&r);
	assert_int_equal(verb(&r, say_yes, 2, "open", p), 0);
	file_at("c.txt", "second version\n");
	/* not looked yet: Ctrl-D is not taken */
	assert_int_equal(docs_module.key(r.st, UI_CTRL('d')), 0);
	docs_module.on_event(r.st, &shown);
	/* now it answers the warning: unchanged text reloads at once */
	assert_int_equal(docs_module.key(r.st, UI_CTRL('d')), 1);
	assert_int_equal(verb(&r, say_yes, 1, "diff"), 0);
	assert_non_null(strstr(r.out, "same"));
	assert_int_equal(docs_module.key(r.st, UI_CTRL('d')), 0);

	/* changed text: :reload asks, and no keeps it */
	assert_int_equal(docs_module.key(r.st, 'Z'), 1);
	file_at("c.txt", "third\n");
	assert_int_equal(verb(&r, say_no, 1, "reload"), E_CANCELLED);
	assert_int_equal(verb(&r, say_yes, 1, "diff"), 0);
	assert_non_null(strstr(r.out, "+Zsecond version"));
	/* Ctrl-K keeps the text: the file as it is becomes the base */
	docs_module.on_event(r.st, &shown);
	assert_int_equal(docs_module.key(r.st, UI_CTRL('k')), 1);
	assert_int_equal(docs_module.key(r.st, UI_CTRL('k')), 0);
	/* and :reload with yes reads the file */
	assert_int_equal(verb(&r, say_yes, 1, "reload"), 0);
	assert_int_equal(verb(&r, say_yes, 1, "diff"), 0);
	assert_non_null(strstr(r.out, "same"));
	/* a deleted file cannot be reloaded; the text stays */
	unlink(p);
	assert_int_equal(verb(&r, say_yes, 1, "reload"), E_NOTFOUND);
	stop(&r);
}

static int setup(void **state)
{
	assert_non_null(mkdtemp(dir));
	return 0;
}

static int teardown(void **state)
{
	char cmd[200];

	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_open_file_line_col),
		cmocka_unit_test(test_changed_on_disk_seen_when_shown),
	};

	i18n_set_lang(LANG_EN);
	return cmocka_run_group_tests(tests, setup, teardown);
}
