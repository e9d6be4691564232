/*
 * test_loop.c - the event loop: timers in order, repeating and cancelled
 * timers, descriptor readiness, tasks posted from another thread,
 * signals delivered through the loop, and background threads lowered
 * only once the screen asked for it.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <cmocka.h>

#include "core/core.h"

static char order[16];
static int norder;

static void mark(void *arg)
{
	order[norder++] = *(const char *)arg;
}

static void test_timers_fire_in_due_order(void **state)
{
	struct loop *l = loop_new();
	int64_t start = loop_now_ms();

	norder = 0;
	loop_add_timer(l, 30, 0, mark, "c");
	loop_add_timer(l, 10, 0, mark, "a");
	loop_add_timer(l, 20, 0, mark, "b");
	while (norder < 3 && loop_now_ms() - start < 2000)
		loop_run_once(l, 100);
	assert_int_equal(norder, 3);
	assert_memory_equal(order, "abc", 3);
	assert_true(loop_now_ms() - start >= 30);
	loop_free(l);
}

static void test_repeating_timer_repeats_until_deleted(void **state)
{
	struct loop *l = loop_new();
	int id;
	int64_t start = loop_now_ms();

	norder = 0;
	id = loop_add_timer(l, 5, 1, mark, "r");
	while (norder < 3 && loop_now_ms() - start < 2000)
		loop_run_once(l, 50);
	assert_int_equal(norder, 3);
	loop_del_timer(l, id);
	loop_run_once(l, 30);
	assert_int_equal(norder, 3);
	loop_free(l);
}

static void test_deleted_timer_never_fires(void **state)
{
	struct loop *l = loop_new();
	int id;

	norder = 0;
	id = loop_add_timer(l, 1, 0, mark, "x");
	loop_del_timer(l, id);
	usleep(5000);
	loop_run_once(l, 10);
	assert_int_equal(norder, 0);
	loop_free(l);
}

static int got_fd, got_events;

static void on_read(int fd, int events, void *arg)
{
	char c;

	got_fd = fd;
	got_events = events;
	assert_int_equal(read(fd, &c, 1), 1);
}

static void on_hup(int fd, int events, void *arg)
{
	got_events = events;
}

static void test_readable_descriptor_calls_back(void **state)
{
	struct loop *l = loop_new();
	int p[2];

	assert_int_equal(pipe(p), 0);
	got_fd = -1;
	loop_add_fd(l, p[0], LOOP_READ, on_read, NULL);
	assert_int_equal(loop_run_once(l, 0), 0);
	assert_int_equal(write(p[1], "x", 1), 1);
	assert_int_equal(loop_run_once(l, 1000), 1);
	assert_int_equal(got_fd, p[0]);
	assert_true(got_events & LOOP_READ);
	loop_del_fd(l, p[0]);
	assert_int_equal(write(p[1], "y", 1), 1);
	assert_int_equal(loop_run_once(l, 10), 0);
	close(p[0]);
	close(p[1]);
	loop_free(l);
}

static void test_hangup_is_reported_with_read(void **state)
{
	struct loop *l = loop_new();
	int p[2];

	assert_int_equal(pipe(p), 0);
	close(p[1]); /* the writer is gone */
	got_events = 0;
	loop_add_fd(l, p[0], LOOP_READ, on_hup, NULL);
	assert_int_equal(loop_run_once(l, 1000), 1);
	assert_true(got_events & LOOP_READ);
	assert_true(got_events & LOOP_HUP);
	close(p[0]);
	loop_free(l);
}

struct post_arg {
	struct loop *l;
	pthread_t main_thread;
	int ran_on_main;
};

static void posted(void *arg)
{
	struct post_arg *pa = arg;

	pa->ran_on_main = pthread_equal(pthread_self(), pa->main_thread) ? 1 : -1;
}

static void *worker(void *arg)
{
	struct post_arg *pa = arg;

	usleep(20000);
	loop_post(pa->l, posted, pa);
	return NULL;
}

static void test_task_posted_from_worker_wakes_loop_and_runs_on_main(void **state)
{
	struct post_arg pa = { loop_new(), pthread_self(), 0 };
	pthread_t t;
	int64_t start = loop_now_ms();

	pthread_create(&t, NULL, worker, &pa);
	/* A long wait: only the wake-up can end it early. */
	while (pa.ran_on_main == 0 && loop_now_ms() - start < 5000)
		loop_run_once(pa.l, 5000);
	pthread_join(t, NULL);
	assert_int_equal(pa.ran_on_main, 1);
	assert_true(loop_now_ms() - start < 2000);
	loop_free(pa.l);
}

static int got_signal;

static void on_sig(int signo, void *arg)
{
	got_signal = signo;
}

static void test_signal_is_delivered_through_the_loop(void **state)
{
	struct loop *l = loop_new();

	got_signal = 0;
	loop_on_signal(l, SIGUSR1, on_sig, NULL);
	raise(SIGUSR1);
	assert_int_equal(got_signal, 0); /* not in the handler */
	loop_run_once(l, 1000);
	assert_int_equal(got_signal, SIGUSR1);
	loop_on_signal(l, SIGUSR1, NULL, NULL);
	loop_free(l);
}

static void stopper(void *arg)
{
	loop_stop(arg);
}

static void test_loop_run_returns_after_stop(void **state)
{
	struct loop *l = loop_new();

	loop_add_timer(l, 5, 0, stopper, l);
	loop_run(l);
	assert_true(loop_stopped(l));
	loop_free(l);
}

struct prio {
	int policy, nice;
};

static void *lowered(void *arg)
{
	struct prio *p = arg;

	thread_background();
	p->policy = sched_getscheduler(0);
	errno = 0;
	p->nice = getpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid));
	return NULL;
}

static struct prio in_a_thread(void)
{
	struct prio p = { -1, -100 };
	pthread_t t;

	assert_int_equal(pthread_create(&t, NULL, lowered, &p), 0);
	pthread_join(t, NULL);
	return p;
}

/* A lowered thread that starts another, which lowers itself too. */
static void *lowered_twice(void *arg)
{
	thread_background();
	*(struct prio *)arg = in_a_thread();
	return NULL;
}

static void test_background_threads_yield_to_the_screen_only_when_asked(void **state)
{
	int own = getpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid));
	struct prio p;

	/* batch verbs: no screen, nothing lowered */
	p = in_a_thread();
	assert_int_equal(p.policy, SCHED_OTHER);
	assert_int_equal(p.nice, own);
	/* the screen runs: a worker goes nice 10, SCHED_BATCH; the caller not */
	loop_background_threads();
	p = in_a_thread();
	assert_int_equal(p.policy, SCHED_BATCH);
	assert_int_equal(p.nice, own + 10 > 19 ? 19 : own + 10);
	assert_int_equal(sched_getscheduler(0), SCHED_OTHER);
	assert_int_equal(getpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid)), own);
	/* ten below the screen, not ten below the thread that made it */
	pthread_t t;
	assert_int_equal(pthread_create(&t, NULL, lowered_twice, &p), 0);
	pthread_join(t, NULL);
	assert_int_equal(p.policy, SCHED_BATCH);
	assert_int_equal(p.nice, own + 10 > 19 ? 19 : own + 10);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_timers_fire_in_due_order),
		cmocka_unit_test(test_repeating_timer_repeats_until_deleted),
		cmocka_unit_test(test_deleted_timer_never_fires),
		cmocka_unit_test(test_readable_descriptor_calls_back),
		cmocka_unit_test(test_hangup_is_reported_with_read),
		cmocka_unit_test(test_task_posted_from_worker_wakes_loop_and_runs_on_main),
		cmocka_unit_test(test_signal_is_delivered_through_the_loop),
		cmocka_unit_test(test_loop_run_returns_after_stop),
		cmocka_unit_test(test_background_threads_yield_to_the_screen_only_when_asked),
	};
	return cmocka_run_group_tests_name("loop", tests, NULL, NULL);
}
