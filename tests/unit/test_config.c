/*
 * test_config.c - app/config.c: what a good configuration looks like, that
 * every mistake names file, line and key, the password rule, and the
 * administrator's policy over the user's file and the command line.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "app/app.h"

static char dir[64];

static int setup(void **state)
{
	strcpy(dir, "/tmp/atrium-test-config.XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* Write a file under dir with a mode; returns its path (static buffer). */
static const char *write_file(const char *name, const char *text, mode_t mode)
{
	static char path[2][128];
	static int which;
	char *p = path[which ^= 1];
	FILE *f;

	snprintf(p, 128, "%s/%s", dir, name);
	f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	chmod(p, mode);
	return p;
}

static const char good[] =
	"language = zh_Hans\n"
	"log_level = debug\n"
	"[mail]\n"
	"imap = imaps://mail.example.test\n"
	"smtp = smtp://mail.example.test:587\n"
	"user = alice@example.test\n"
	"password_command = pass show mail\n"
	"pin = sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n"
	"[chat]\n"
	"jid = alice@example.test\n"
	"server = 127.0.0.1:5222\n"
	"[files]\n"
	"url = https://dav.example.test/dav/alice/\n"
	"proxy = http://user:pw@proxy.example.test:3128\n"
	"[keys]\n"
	"help = F2\n";

static void test_good_config_loads_every_key(void **state)
{
	struct conf c;
	struct err e;
	const char *p = write_file("good", good, 0644);

	assert_int_equal(config_load(&c, p, 1, NULL, NULL, &e), 0);
	assert_string_equal(conf_get(&c, "", "language"), "zh_Hans");
	assert_string_equal(conf_get(&c, "mail", "smtp"), "smtp://mail.example.test:587");
	assert_string_equal(conf_get(&c, "files", "proxy"),
			    "http://user:pw@proxy.example.test:3128");
	assert_string_equal(conf_get(&c, "keys", "help"), "F2");
	conf_free(&c);
}

/* Each bad line, and the words the error must contain. */
static const struct {
	const char *text;
	const char *expect;
} bad[] = {
	{ "[mail]\nimap = http://x\n", ":2: [mail] imap: 'http://x' must be imaps://" },
	{ "[mail]\nimap = imaps://host:99999\n", ":2: [mail] imap" },
	{ "[mail]\nsmtp = smtp://host/path\n", "[mail] smtp" },
	{ "[files]\nurl = http://dav/\n", "must be an https:// URL" },
	{ "[mail]\npin = sha256//short=\n", "[mail] pin" },
	{ "[mail]\npin = md5//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n", "must be sha256//" },
	{ "[chat]\njid = nobody\n", "must look like user@domain" },
	{ "[chat]\nserver = host\n", "must be HOST:PORT" },
	{ "language = klingon\n", ":1: language: unknown language 'klingon'" },
	{ "log_level = loud\n", "unknown log level 'loud'" },
	{ "mouse = sometimes\n", "'sometimes' is not yes or no" },
	{ "\n[mail]\nimapp = imaps://h\n", ":3: unknown key 'imapp' in [mail]" },
	{ "colour = yes\n", ":1: unknown key 'colour'" },
	{ "[calendar]\nurl = x\n", ":2: unknown section [calendar]" },
	{ "[mail]\nca_file = /nonexistent/ca.pem\n", "cannot read '/nonexistent/ca.pem'" },
	{ "[files]\nproxy = ftp://p:1\n", "must be http://, https:// or socks5://" },
	{ "disabled_modules = mail games\n", "unknown module 'games'" },
	{ "just words\n", ":1: expected 'key = value'" },
};

static void test_every_bad_value_is_reported_with_file_line_and_key(void **state)
{
	for (size_t i = 0; i < nitems(bad); i++) {
		struct conf c;
		struct err e;
		const char *p = write_file("bad", bad[i].text, 0600);

		err_clear(&e);
		assert_int_equal(config_load(&c, p, 1, NULL, NULL, &e), E_USAGE);
		if (strstr(e.msg, bad[i].expect) == NULL || strstr(e.msg, p) == NULL)
			fail_msg("case %zu: got '%s', want '%s' and the path", i, e.msg,
				 bad[i].expect);
		conf_free(&c);
	}
}

static void test_errors_are_in_the_interface_language(void **state)
{
	struct conf c;
	struct err e;
	const char *p = write_file("zh", "[mail]\nimap = http://x\n", 0600);

	i18n_set_lang(LANG_ZH_HANS);
	assert_int_equal(config_load(&c, p, 1, NULL, NULL, &e), E_USAGE);
	i18n_set_lang(LANG_EN);
	assert_non_null(strstr(e.msg, ":2: [mail] imap"));
	assert_non_null(strstr(e.msg, "“http://x”必须是 imaps://"));
	conf_free(&c);

	p = write_file("zh", "[mail\n", 0600);
	i18n_set_lang(LANG_ZH_HANS);
	assert_int_equal(config_load(&c, p, 1, NULL, NULL, &e), E_USAGE);
	i18n_set_lang(LANG_EN);
	assert_non_null(strstr(e.msg, ":1：节标题格式错误“[mail”"));
	conf_free(&c);
}

static void test_password_needs_a_private_file(void **state)
{
	const char *text = "[mail]\nimap = imaps://h\npassword = s3cret\n";
	struct conf c;
	struct err e;
	const char *p = write_file("pw", text, 0644);

	assert_int_equal(config_load(&c, p, 1, NULL, NULL, &e), E_PERM);
	assert_non_null(strstr(e.msg, ":3: [mail] password"));
	assert_non_null(strstr(e.msg, "chmod 600"));
	assert_null(strstr(e.msg, "s3cret"));
	conf_free(&c);

	p = write_file("pw", text, 0600);
	assert_int_equal(config_load(&c, p, 1, NULL, NULL, &e), 0);
	assert_string_equal(conf_get(&c, "mail", "password"), "s3cret");
	conf_free(&c);
}

static void test_missing_default_config_is_empty_but_missing_explicit_is_an_error(void **state)
{
	struct conf c;
	struct err e;
	char p[128];

	snprintf(p, sizeof p, "%s/none", dir);
	assert_int_equal(config_load(&c, p, 0, NULL, NULL, &e), 0);
	assert_int_equal(c.n, 0);
	conf_free(&c);
	assert_int_equal(config_load(&c, p, 1, NULL, NULL, &e), E_USAGE);
	assert_non_null(strstr(e.msg, "does not exist"));
	conf_free(&c);
}

static void test_policy_value_wins_and_user_is_warned(void **state)
{
	const char *pol = write_file("policy",
				     "[mail]\npin = sha256//BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB=\n",
				     0644);
	const char *user = write_file("user",
				      "[mail]\nimap = imaps://h\n"
				      "pin = sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n",
				      0600);
	struct config_warnings w = { 0 };
	struct conf_item *it;
	struct conf c;
	struct err e;
	char polpath[128];

	snprintf(polpath, sizeof polpath, "%s", pol);
	assert_int_equal(config_load(&c, user, 1, polpath, &w, &e), 0);
	it = conf_find(&c, "mail", "pin");
	assert_string_equal(it->value, "sha256//BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB=");
	assert_true(it->locked);
	assert_string_equal(it->file, polpath);
	assert_string_equal(conf_get(&c, "mail", "imap"), "imaps://h");
	assert_int_equal(w.n, 1);
	assert_non_null(strstr(w.msgs[0], "fixed by policy"));
	config_warnings_free(&w);
	conf_free(&c);
}

static void test_policy_offline_cannot_be_loosened_by_file_or_command_line(void **state)
{
	const char *pol = write_file("policy", "offline = yes\n", 0644);
	const char *user = write_file("user", "offline = no\n", 0600);
	struct app_opts o = { 0 };
	struct config_warnings w = { 0 };
	struct conf c;
	struct err e;
	char polpath[128];

	snprintf(polpath, sizeof polpath, "%s", pol);
	assert_int_equal(config_load(&c, user, 1, polpath, &w, &e), 0);
	assert_string_equal(conf_get(&c, "", "offline"), "yes");
	o.lang = "en";
	assert_int_equal(config_apply_opts(&c, &o, &w, &e), 0);
	assert_string_equal(conf_get(&c, "", "offline"), "yes");
	assert_string_equal(conf_get(&c, "", "language"), "en");
	config_warnings_free(&w);
	conf_free(&c);
}

static void test_user_may_tighten_offline_and_disable_more_modules(void **state)
{
	const char *pol = write_file("policy", "offline = no\ndisabled_modules = chat\n", 0644);
	const char *user = write_file("user", "offline = yes\ndisabled_modules = sheets\n", 0600);
	struct conf c;
	struct err e;
	char polpath[128];

	snprintf(polpath, sizeof polpath, "%s", pol);
	assert_int_equal(config_load(&c, user, 1, polpath, NULL, &e), 0);
	assert_string_equal(conf_get(&c, "", "offline"), "yes");
	assert_true(config_module_disabled(&c, "chat"));
	assert_true(config_module_disabled(&c, "sheets"));
	assert_false(config_module_disabled(&c, "mail"));
	conf_free(&c);
}

static void test_user_cannot_re_enable_a_module_the_policy_disabled(void **state)
{
	const char *pol = write_file("policy", "disabled_modules = chat\n", 0644);
	const char *user = write_file("user", "disabled_modules = \n", 0600);
	struct conf c;
	struct err e;
	char polpath[128];

	snprintf(polpath, sizeof polpath, "%s", pol);
	assert_int_equal(config_load(&c, user, 1, polpath, NULL, &e), 0);
	assert_true(config_module_disabled(&c, "chat"));
	conf_free(&c);
}

static void test_policy_may_not_hold_a_password(void **state)
{
	const char *pol = write_file("policy", "[mail]\npassword = x\n", 0600);
	struct conf c;
	struct err e;
	char polpath[128];

	snprintf(polpath, sizeof polpath, "%s", pol);
	assert_int_equal(config_load(&c, NULL, 0, polpath, NULL, &e), E_USAGE);
	assert_non_null(strstr(e.msg, "cannot be set in the policy"));
	conf_free(&c);
}

static void test_command_line_overrides_user_file(void **state)
{
	const char *user = write_file("user", "language = zh_Hans\n", 0600);
	struct app_opts o = { 0 };
	struct conf c;
	struct err e;

	assert_int_equal(config_load(&c, user, 1, NULL, NULL, &e), 0);
	o.lang = "en";
	o.offline = 1;
	assert_int_equal(config_apply_opts(&c, &o, NULL, &e), 0);
	assert_string_equal(conf_get(&c, "", "language"), "en");
	assert_string_equal(conf_get(&c, "", "offline"), "yes");
	o.lang = "fr";
	assert_int_equal(config_apply_opts(&c, &o, NULL, &e), E_USAGE);
	assert_non_null(strstr(e.msg, "--lang"));
	conf_free(&c);
}

static void test_options_may_stand_anywhere(void **state)
{
	char *argv[] = { "atrium", "mail", "--json", "status", "--home=/tmp/h",
			 "--offline", "--to", "x", "--", "--json", NULL };
	struct app_opts o;
	struct err e;

	assert_int_equal(app_parse_opts(10, argv, &o, &e), 0);
	assert_true(o.json);
	assert_true(o.offline);
	assert_string_equal(o.home, "/tmp/h");
	assert_int_equal(o.argc, 5);
	assert_string_equal(o.argv[0], "mail");
	assert_string_equal(o.argv[1], "status");
	assert_string_equal(o.argv[2], "--to");
	assert_string_equal(o.argv[4], "--json"); /* after --, it is the verb's */
	app_opts_free(&o);

	char *noval[] = { "atrium", "--config", NULL };
	assert_int_equal(app_parse_opts(2, noval, &o, &e), E_USAGE);
	assert_non_null(strstr(e.msg, "--config needs a value"));
	app_opts_free(&o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_config_loads_every_key),
		cmocka_unit_test(test_every_bad_value_is_reported_with_file_line_and_key),
		cmocka_unit_test(test_errors_are_in_the_interface_language),
		cmocka_unit_test(test_password_needs_a_private_file),
		cmocka_unit_test(test_missing_default_config_is_empty_but_missing_explicit_is_an_error),
		cmocka_unit_test(test_policy_value_wins_and_user_is_warned),
		cmocka_unit_test(test_policy_offline_cannot_be_loosened_by_file_or_command_line),
		cmocka_unit_test(test_user_may_tighten_offline_and_disable_more_modules),
		cmocka_unit_test(test_user_cannot_re_enable_a_module_the_policy_disabled),
		cmocka_unit_test(test_policy_may_not_hold_a_password),
		cmocka_unit_test(test_command_line_overrides_user_file),
		cmocka_unit_test(test_options_may_stand_anywhere),
	};
	i18n_set_lang(LANG_EN);
	return cmocka_run_group_tests_name("config", tests, setup, teardown);
}
