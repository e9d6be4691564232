/*
 * test_batch.c - app/batch.c: dispatch of program and module verbs, usage
 * errors found before a module starts, the documented exit codes, --json
 * documents, and batch files with and without -k.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <sodium.h>

#include "app/app.h"
#include "store/store.h"
#include "modules/module.h"

static struct app a;
static char home[64], keypath[96];

static int setup(void **state)
{
	static const char cfg[] = "[mail]\nimap = imaps://127.0.0.1:993\n"
				  "user = alice@example.test\n";
	struct err e;

	memset(&a, 0, sizeof a);
	strcpy(home, "/tmp/atrium-test-batch.XXXXXX");
	if (mkdtemp(home) == NULL || sodium_init() < 0)
		return -1;
	snprintf(keypath, sizeof keypath, "%s/store.key", home);
	if (store_keygen(keypath, &e) != 0)
		return -1;
	conf_init(&a.conf);
	if (conf_parse_string(&a.conf, cfg, sizeof cfg - 1, "test", &e) != 0)
		return -1;
	conf_set(&a.conf, "", "key_file", keypath, "test", 0);
	a.home = home;
	a.loop = loop_new();
	i18n_set_lang(LANG_EN);
	return app_init_modules(&a, 1, &e);
}

static int teardown(void **state)
{
	char cmd[128];

	app_free_modules(&a);
	app_store_close(&a);
	loop_free(a.loop);
	conf_free(&a.conf);
	snprintf(cmd, sizeof cmd, "rm -rf %s", home);
	return system(cmd) == 0 ? 0 : -1;
}

/* Run a command line through the dispatcher; returns rc, output in *out. */
static int run(const char *line, char **out, struct err *e)
{
	char **argv;
	int argc, rc;
	size_t len;
	FILE *f = open_memstream(out, &len);

	err_clear(e);
	assert_int_equal(argv_split(line, &argc, &argv, e), 0);
	rc = app_command(&a, argc, argv, f, e);
	fclose(f);
	argv_free(argc, argv);
	return rc;
}

static int mail_index(void)
{
	for (int i = 0; i < module_count; i++)
		if (strcmp(module_table[i]->name, "mail") == 0)
			return i;
	fail_msg("mail module not built");
	return -1;
}

static void test_exit_codes_are_the_documented_ones(void **state)
{
	assert_int_equal(batch_exit_code(0), 0);
	assert_int_equal(batch_exit_code(E_USAGE), 1);
	assert_int_equal(batch_exit_code(E_NOTFOUND), 2);
	assert_int_equal(batch_exit_code(E_QUEUED), 3);
	assert_int_equal(batch_exit_code(E_AUTH), 4);
	assert_int_equal(batch_exit_code(E_TLS), 4);
	assert_int_equal(batch_exit_code(E_CONFLICT), 5);
	assert_int_equal(batch_exit_code(E_LOCKED), 6);
	assert_int_equal(batch_exit_code(E_UNREACHABLE), 7);
	assert_int_equal(batch_exit_code(E_IO), 8);
	assert_int_equal(batch_exit_code(E_CANCELLED), 9);
}

static void test_unknown_command_and_verb_are_usage_errors_before_module_starts(void **state)
{
	struct err e;
	char *out;

	assert_int_equal(run("frobnicate", &out, &e), E_USAGE);
	assert_non_null(strstr(e.msg, "unknown command 'frobnicate'"));
	free(out);
	assert_int_equal(run("mail", &out, &e), E_USAGE);
	assert_non_null(strstr(e.msg, "usage: atrium mail VERB"));
	free(out);
	assert_int_equal(run("mail explode --now", &out, &e), E_USAGE);
	assert_non_null(strstr(e.msg, "unknown verb 'explode' for mail"));
	free(out);
	/* None of these started the module. */
	assert_null(a.mod_state[mail_index()]);
}

static void test_module_verb_runs_with_the_configured_account(void **state)
{
	struct err e;
	char *out;

	assert_int_equal(run("mail status", &out, &e), 0);
	assert_non_null(strstr(out, "alice@example.test"));
	assert_non_null(strstr(out, "imaps://127.0.0.1:993"));
	assert_non_null(strstr(out, "Offline"));
	free(out);
	assert_non_null(a.mod_state[mail_index()]);
	assert_int_equal(run("mail status extra", &out, &e), E_USAGE);
	free(out);
}

static void test_unconfigured_module_says_how_to_set_it_up(void **state)
{
	struct err e;
	char *out;

	assert_int_equal(run("chat status", &out, &e), 0);
	assert_non_null(strstr(out, "[chat]"));
	free(out);
}

static void test_help_lists_every_module_and_verb(void **state)
{
	struct err e;
	char *out;

	assert_int_equal(run("help", &out, &e), 0);
	for (int i = 0; i < module_count; i++) {
		char want[64];

		snprintf(want, sizeof want, "atrium %s status", module_table[i]->name);
		assert_non_null(strstr(out, want));
	}
	free(out);
	assert_int_equal(run("help nosuch", &out, &e), E_USAGE);
	free(out);
}

static void test_disabled_module_is_refused(void **state)
{
	struct err e;
	char *out;

	conf_set(&a.conf, "", "disabled_modules", "mail", "policy", 3)->locked = 1;
	assert_int_equal(run("mail status", &out, &e), E_PERM);
	assert_non_null(strstr(e.msg, "disabled by policy"));
	free(out);
	conf_set(&a.conf, "", "disabled_modules", "", "policy", 3);
}

/* Run batch_run / batch_run_file with stdout captured. */
static char *capture_stdout(int (*fn)(void *), void *arg, int *code)
{
	char path[] = "/tmp/atrium-test-batch.XXXXXX";
	int fd = mkstemp(path), saved = dup(STDOUT_FILENO);
	char *buf = xcalloc(1, 65536);

	fflush(stdout);
	dup2(fd, STDOUT_FILENO);
	*code = fn(arg);
	fflush(stdout);
	dup2(saved, STDOUT_FILENO);
	close(saved);
	lseek(fd, 0, SEEK_SET);
	assert_true(read(fd, buf, 65535) >= 0);
	close(fd);
	unlink(path);
	return buf;
}

static int run_json_status(void *arg)
{
	char *argv[] = { "mail", "status", NULL };

	a.json = 1;
	int code = batch_run(&a, 2, argv);
	a.json = 0;
	return code;
}

static int run_json_error(void *arg)
{
	char *argv[] = { "mail", "nosuchverb", NULL };

	a.json = 1;
	int code = batch_run(&a, 2, argv);
	a.json = 0;
	return code;
}

static void test_json_output_is_one_document_even_on_error(void **state)
{
	int code;
	char *out = capture_stdout(run_json_status, NULL, &code);

	assert_int_equal(code, 0);
	assert_non_null(strstr(out, "\"module\":\"mail\""));
	assert_non_null(strstr(out, "\"state\":\"offline\""));
	assert_non_null(strstr(out, "\"servers\":[\"imaps://127.0.0.1:993\"]"));
	assert_int_equal(out[strlen(out) - 1], '\n');
	free(out);
	out = capture_stdout(run_json_error, NULL, &code);
	assert_int_equal(code, 1);
	assert_non_null(strstr(out, "{\"error\":{\"exit\":1,\"kind\":\"usage\""));
	free(out);
}

static char batch_path[64];
static int keep_going;

static int run_file(void *arg)
{
	return batch_run_file(&a, batch_path, keep_going);
}

static void test_batch_file_stops_at_first_failure_unless_k(void **state)
{
	FILE *f;
	int code;
	char *out;

	strcpy(batch_path, "/tmp/atrium-test-b.XXXXXX");
	close(mkstemp(batch_path));
	f = fopen(batch_path, "w");
	fputs("# a comment\n\nversion\nmail nosuchverb\nversion\n", f);
	fclose(f);

	keep_going = 0;
	out = capture_stdout(run_file, NULL, &code);
	assert_int_equal(code, 1);
	assert_non_null(strstr(out, "atrium "));
	assert_null(strstr(strstr(out, "atrium ") + 1, "atrium ")); /* only once */
	free(out);

	keep_going = 1;
	out = capture_stdout(run_file, NULL, &code);
	assert_int_equal(code, 1); /* the first failure's code */
	assert_non_null(strstr(strstr(out, "atrium ") + 1, "atrium ")); /* twice */
	free(out);
	unlink(batch_path);

	strcpy(batch_path, "/nonexistent/batch");
	out = capture_stdout(run_file, NULL, &code);
	assert_int_equal(code, 2);
	free(out);
}

static void test_without_a_key_module_verbs_are_locked_but_usage_errors_come_first(void **state)
{
	struct app b;
	char h2[96], *out = NULL;
	size_t len;
	struct err e;
	FILE *f;
	char *argv1[] = { "mail", "status", NULL }, *argv2[] = { "mail", "nosuch", NULL };
	char *argv3[] = { "outbox", "list", NULL };

	memset(&b, 0, sizeof b);
	snprintf(h2, sizeof h2, "%s/nokey", home);
	mkdir(h2, 0700);
	conf_init(&b.conf);
	b.home = h2;
	b.loop = a.loop;
	assert_int_equal(app_init_modules(&b, 1, &e), 0);
	f = open_memstream(&out, &len);
	assert_int_equal(app_command(&b, 2, argv2, f, &e), E_USAGE);
	assert_int_equal(app_command(&b, 2, argv1, f, &e), E_LOCKED);
	assert_non_null(strstr(e.msg, "has no key yet"));
	assert_non_null(strstr(e.msg, "--key-file"));
	assert_int_equal(app_command(&b, 2, argv3, f, &e), E_LOCKED);
	assert_int_equal(batch_exit_code(E_LOCKED), 6);
	fclose(f);
	free(out);
	/* Nothing was created: the home stays unset-up. */
	assert_false(store_keys_exist(h2));
	app_free_modules(&b);
	conf_free(&b.conf);
}

static int answer;
static char asked[512];

static int fake_confirm(const char *q)
{
	snprintf(asked, sizeof asked, "%s", q);
	return answer;
}

static void test_dropping_an_outbox_entry_asks_in_the_screen_and_needs_yes_in_batch(void **state)
{
	struct err e;
	int64_t id;
	char line[64], *out;

	assert_int_equal(app_store_open(&a, &e), 0);
	assert_int_equal(store_outbox_add(a.store, "mail", "send", "<drop@x>", "To bob: Budget", "x",
					  1, &id, &e),
			 0);
	snprintf(line, sizeof line, "outbox drop %lld", (long long)id);
	/* The screen: a question naming the entry; "no" keeps it. */
	a.confirm = fake_confirm;
	answer = 0;
	assert_int_equal(run(line, &out, &e), E_CANCELLED);
	free(out);
	assert_non_null(strstr(asked, "To bob: Budget"));
	assert_int_equal(store_outbox_count(a.store, "mail"), 1);
	answer = 1;
	assert_int_equal(run(line, &out, &e), 0);
	free(out);
	assert_int_equal(store_outbox_count(a.store, "mail"), 0);
	a.confirm = NULL;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exit_codes_are_the_documented_ones),
		cmocka_unit_test(test_unknown_command_and_verb_are_usage_errors_before_module_starts),
		cmocka_unit_test(test_module_verb_runs_with_the_configured_account),
		cmocka_unit_test(test_unconfigured_module_says_how_to_set_it_up),
		cmocka_unit_test(test_help_lists_every_module_and_verb),
		cmocka_unit_test(test_disabled_module_is_refused),
		cmocka_unit_test(test_json_output_is_one_document_even_on_error),
		cmocka_unit_test(test_batch_file_stops_at_first_failure_unless_k),
		cmocka_unit_test(test_without_a_key_module_verbs_are_locked_but_usage_errors_come_first),
		cmocka_unit_test(test_dropping_an_outbox_entry_asks_in_the_screen_and_needs_yes_in_batch),
	};
	return cmocka_run_group_tests_name("batch", tests, setup, teardown);
}
