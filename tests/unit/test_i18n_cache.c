/* Per-thread ICU objects (i18n/cache.c): threads work side by side and
 * what they made is released when they exit (the sanitizer build checks
 * for leaks). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "i18n/i18n.h"

static void *work(void *arg)
{
	long failures = 0;
	char buf[64], *s;
	size_t n;
	int i;

	for (i = 0; i < 200; i++) {
		s = "我们今天去北京开会";
		failures += txt_words(s, strlen(s), NULL, NULL) != 5;
		failures += txt_word_next("hello world", 11, 0) != 5;
		failures += txt_collate("北京", "上海") >= 0;
		s = "中文 \u2764\uFE0F";
		failures += txt_width(s, strlen(s)) != 7;
		s = txt_casefold("Straße", 7);
		failures += !s || strcmp(s, "strasse") != 0;
		free(s);
		s = txt_to_utf8(i % 2 ? "gbk" : "big5", i % 2 ? "\xD6\xD0" : "\xA4\xA4", 2, &n);
		failures += !s || strcmp(s, "中") != 0;
		free(s);
		failures += i18n_format_number(buf, sizeof(buf), 1234.5, 1) != 0 ||
			    strcmp(buf, "1,234.5") != 0;
		failures +=
		    strcmp(trf(buf, sizeof(buf), "mail.unread", TR_N(2)), "2 unread messages") != 0;
	}
	return (void *)failures;
}

static void test_threads_use_i18n_side_by_side(void **state)
{
	pthread_t t[4];
	void *failures;
	int i;

	for (i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&t[i], NULL, work, NULL), 0);
	for (i = 0; i < 4; i++) {
		assert_int_equal(pthread_join(t[i], &failures), 0);
		assert_int_equal((long)failures, 0);
	}
}

static void test_short_lived_threads_release_their_objects(void **state)
{
	pthread_t t;
	void *failures;
	int i;

	for (i = 0; i < 20; i++) {
		assert_int_equal(pthread_create(&t, NULL, work, NULL), 0);
		assert_int_equal(pthread_join(t, &failures), 0);
		assert_int_equal((long)failures, 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_threads_use_i18n_side_by_side),
	    cmocka_unit_test(test_short_lived_threads_release_their_objects),
	};

	return cmocka_run_group_tests_name("i18n cache", tests, NULL, NULL);
}
