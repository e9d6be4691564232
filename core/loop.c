/*
 * loop.c - the event loop: poll() over watched descriptors, timers, signals
 * and tasks posted by worker threads. One loop, owned by the main thread;
 * nothing here blocks except poll itself, so the screen never waits.
 *
 * Signals arrive through a self-pipe: the handler writes the signal number,
 * the loop reads it and calls the registered function in normal context.
 * Worker threads post tasks under a mutex and wake poll through a second
 * pipe.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "core/core.h"

struct loop_watch {
	int fd;
	int events;
	loop_io_fn fn;
	void *arg;
};

struct loop_timer {
	int id;
	int ms;
	int repeat;
	int64_t due;
	loop_fn fn;
	void *arg;
};

struct loop_task {
	loop_fn fn;
	void *arg;
	struct loop_task *next;
};

struct loop_sig {
	loop_signal_fn fn;
	void *arg;
};

struct loop {
	struct loop_watch *watches;
	size_t nwatches, capwatches;
	struct loop_timer *timers;
	size_t ntimers, captimers;
	int next_timer_id;
	int stop;

	int wake_pipe[2];
	pthread_mutex_t task_lock;
	struct loop_task *tasks, **tasks_tail;

	struct loop_sig sigs[NSIG];
	struct pollfd *pfds;
	size_t cappfds;
};

/* The signal pipe is process-wide: handlers cannot know which loop. */
static int sig_pipe[2] = { -1, -1 };

static void set_cloexec_nonblock(int fd)
{
	fcntl(fd, F_SETFD, FD_CLOEXEC);
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

int64_t loop_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct loop *loop_new(void)
{
	struct loop *l = xcalloc(1, sizeof *l);

	if (pipe(l->wake_pipe) != 0)
		fatal("pipe: %s", strerror(errno));
	set_cloexec_nonblock(l->wake_pipe[0]);
	set_cloexec_nonblock(l->wake_pipe[1]);
	if (sig_pipe[0] < 0) {
		if (pipe(sig_pipe) != 0)
			fatal("pipe: %s", strerror(errno));
		set_cloexec_nonblock(sig_pipe[0]);
		set_cloexec_nonblock(sig_pipe[1]);
	}
	pthread_mutex_init(&l->task_lock, NULL);
	l->tasks_tail = &l->tasks;
	l->next_timer_id = 1;
	return l;
}

void loop_free(struct loop *l)
{
	struct loop_task *t, *next;

	if (l == NULL)
		return;
	for (int s = 1; s < NSIG; s++)
		if (l->sigs[s].fn)
			loop_on_signal(l, s, NULL, NULL);
	for (t = l->tasks; t; t = next) {
		next = t->next;
		free(t);
	}
	close(l->wake_pipe[0]);
	close(l->wake_pipe[1]);
	pthread_mutex_destroy(&l->task_lock);
	free(l->watches);
	free(l->timers);
	free(l->pfds);
	free(l);
}

static struct loop_watch *loop_find(struct loop *l, int fd)
{
	for (size_t i = 0; i < l->nwatches; i++)
		if (l->watches[i].fd == fd)
			return &l->watches[i];
	return NULL;
}

int loop_add_fd(struct loop *l, int fd, int events, loop_io_fn fn, void *arg)
{
	struct loop_watch *w = loop_find(l, fd);

	if (w == NULL) {
		if (l->nwatches == l->capwatches) {
			l->capwatches = l->capwatches ? l->capwatches * 2 : 8;
			l->watches = xreallocarray(l->watches, l->capwatches, sizeof *w);
		}
		w = &l->watches[l->nwatches++];
	}
	w->fd = fd;
	w->events = events;
	w->fn = fn;
	w->arg = arg;
	return 0;
}

int loop_mod_fd(struct loop *l, int fd, int events)
{
	struct loop_watch *w = loop_find(l, fd);

	if (w == NULL)
		return E_NOTFOUND;
	w->events = events;
	return 0;
}

void loop_del_fd(struct loop *l, int fd)
{
	struct loop_watch *w = loop_find(l, fd);

	if (w == NULL)
		return;
	/* Keep order stable: callbacks may delete while we iterate. */
	w->fn = NULL;
	w->fd = -1;
}

static void loop_compact(struct loop *l)
{
	size_t j = 0;

	for (size_t i = 0; i < l->nwatches; i++)
		if (l->watches[i].fn != NULL)
			l->watches[j++] = l->watches[i];
	l->nwatches = j;
}

int loop_add_timer(struct loop *l, int ms, int repeat, loop_fn fn, void *arg)
{
	struct loop_timer *t;

	if (l->ntimers == l->captimers) {
		l->captimers = l->captimers ? l->captimers * 2 : 8;
		l->timers = xreallocarray(l->timers, l->captimers, sizeof *t);
	}
	t = &l->timers[l->ntimers++];
	t->id = l->next_timer_id++;
	t->ms = ms < 0 ? 0 : ms;
	t->repeat = repeat;
	t->due = loop_now_ms() + t->ms;
	t->fn = fn;
	t->arg = arg;
	return t->id;
}

void loop_del_timer(struct loop *l, int id)
{
	for (size_t i = 0; i < l->ntimers; i++) {
		if (l->timers[i].id == id) {
			l->timers[i].fn = NULL; /* swept after dispatch */
			return;
		}
	}
}

void loop_post(struct loop *l, loop_fn fn, void *arg)
{
	struct loop_task *t = xmalloc(sizeof *t);
	ssize_t n;

	t->fn = fn;
	t->arg = arg;
	t->next = NULL;
	pthread_mutex_lock(&l->task_lock);
	*l->tasks_tail = t;
	l->tasks_tail = &t->next;
	pthread_mutex_unlock(&l->task_lock);
	do
		n = write(l->wake_pipe[1], "x", 1);
	while (n < 0 && errno == EINTR);
	/* EAGAIN: the pipe is full, so the loop is awake anyway. */
}

static void loop_sig_handler(int signo)
{
	int saved = errno;
	unsigned char c = (unsigned char)signo;

	if (write(sig_pipe[1], &c, 1) < 0) {
		/* full pipe: a wake-up is already pending */
	}
	errno = saved;
}

int loop_on_signal(struct loop *l, int signo, loop_signal_fn fn, void *arg)
{
	struct sigaction sa;

	if (signo <= 0 || signo >= NSIG)
		return E_RANGE;
	memset(&sa, 0, sizeof sa);
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = fn ? loop_sig_handler : SIG_DFL;
	sa.sa_flags = SA_RESTART;
	if (sigaction(signo, &sa, NULL) != 0)
		return E_INTERNAL;
	l->sigs[signo].fn = fn;
	l->sigs[signo].arg = arg;
	return 0;
}

static int loop_run_tasks(struct loop *l)
{
	struct loop_task *t, *next;
	char drain[64];
	int n = 0;

	while (read(l->wake_pipe[0], drain, sizeof drain) > 0)
		;
	pthread_mutex_lock(&l->task_lock);
	t = l->tasks;
	l->tasks = NULL;
	l->tasks_tail = &l->tasks;
	pthread_mutex_unlock(&l->task_lock);
	for (; t; t = next) {
		next = t->next;
		t->fn(t->arg);
		free(t);
		n++;
	}
	return n;
}

static int loop_run_signals(struct loop *l)
{
	unsigned char sigs[64];
	ssize_t got;
	int n = 0;

	while ((got = read(sig_pipe[0], sigs, sizeof sigs)) > 0) {
		for (ssize_t i = 0; i < got; i++) {
			struct loop_sig *s = &l->sigs[sigs[i] % NSIG];

			if (s->fn) {
				s->fn(sigs[i], s->arg);
				n++;
			}
		}
	}
	return n;
}

static int loop_run_timers(struct loop *l)
{
	int64_t now = loop_now_ms();
	size_t count = l->ntimers;
	int n = 0;

	/* Timers added by callbacks wait for the next round. */
	for (size_t i = 0; i < count; i++) {
		struct loop_timer *t = &l->timers[i];

		if (t->fn == NULL || t->due > now)
			continue;
		if (t->repeat) {
			t->due = now + (t->ms > 0 ? t->ms : 1);
			t->fn(t->arg);
		} else {
			loop_fn fn = t->fn;
			void *arg = t->arg;

			t->fn = NULL;
			fn(arg);
		}
		n++;
		t = NULL; /* the array may have moved */
	}
	size_t j = 0;
	for (size_t i = 0; i < l->ntimers; i++)
		if (l->timers[i].fn != NULL)
			l->timers[j++] = l->timers[i];
	l->ntimers = j;
	return n;
}

static int loop_timeout(struct loop *l, int max_ms)
{
	int64_t now = loop_now_ms();
	int64_t wait = max_ms;

	for (size_t i = 0; i < l->ntimers; i++) {
		int64_t d;

		if (l->timers[i].fn == NULL)
			continue;
		d = l->timers[i].due - now;
		if (d < 0)
			d = 0;
		if (wait < 0 || d < wait)
			wait = d;
	}
	return wait > 1000000 ? 1000000 : (int)wait;
}

int loop_run_once(struct loop *l, int max_ms)
{
	size_t np = l->nwatches + 2;
	int ready, n = 0;

	loop_compact(l);
	np = l->nwatches + 2;
	if (np > l->cappfds) {
		l->cappfds = np * 2;
		l->pfds = xreallocarray(l->pfds, l->cappfds, sizeof *l->pfds);
	}
	l->pfds[0] = (struct pollfd){ .fd = l->wake_pipe[0], .events = POLLIN };
	l->pfds[1] = (struct pollfd){ .fd = sig_pipe[0], .events = POLLIN };
	for (size_t i = 0; i < l->nwatches; i++) {
		struct loop_watch *w = &l->watches[i];

		l->pfds[i + 2] = (struct pollfd){
			.fd = w->fd,
			.events = (short)(((w->events & LOOP_READ) ? POLLIN : 0) |
					  ((w->events & LOOP_WRITE) ? POLLOUT : 0)),
		};
	}
	ready = poll(l->pfds, np, loop_timeout(l, max_ms));
	if (ready < 0 && errno != EINTR)
		fatal("poll: %s", strerror(errno));
	if (ready > 0) {
		if (l->pfds[1].revents)
			n += loop_run_signals(l);
		if (l->pfds[0].revents)
			n += loop_run_tasks(l);
		for (size_t i = 2; i < np; i++) {
			struct pollfd *p = &l->pfds[i];
			struct loop_watch *w;
			int ev = 0;

			if (p->revents == 0)
				continue;
			w = loop_find(l, p->fd);
			if (w == NULL || w->fn == NULL)
				continue; /* removed by an earlier callback */
			if (p->revents & (POLLIN | POLLHUP | POLLERR | POLLNVAL))
				ev |= LOOP_READ;
			if (p->revents & (POLLHUP | POLLERR | POLLNVAL))
				ev |= LOOP_HUP;
			if (p->revents & POLLOUT)
				ev |= LOOP_WRITE;
			w->fn(p->fd, ev, w->arg);
			n++;
		}
	} else if (ready < 0) {
		n += loop_run_signals(l);
	}
	n += loop_run_timers(l);
	return n;
}

static int background_threads, screen_nice;

void loop_background_threads(void)
{
	errno = 0;
	screen_nice = getpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid));
	if (errno)
		screen_nice = 0;
	background_threads = 1;
}

void thread_background(void)
{
#ifdef __linux__
	struct sched_param sp = { .sched_priority = 0 };
	int rc;

	if (!background_threads)
		return;
	if ((rc = pthread_setschedparam(pthread_self(), SCHED_BATCH, &sp)) != 0)
		log_debug("thread_background: SCHED_BATCH: %s", strerror(rc));
	/* per thread on Linux: the thread's id, not the process's; ten
	 * below the screen's, not below a lowered thread that made it */
	if (setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid),
			screen_nice + 10 > 19 ? 19 : screen_nice + 10) != 0)
		log_debug("thread_background: nice: %s", strerror(errno));
#endif
}

void loop_run(struct loop *l)
{
	l->stop = 0;
	while (!l->stop)
		loop_run_once(l, -1);
}

void loop_stop(struct loop *l)
{
	l->stop = 1;
}

int loop_stopped(struct loop *l)
{
	return l->stop;
}
