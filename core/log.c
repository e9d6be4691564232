/*
 * log.c - the log file under --home. One line per event with a timestamp
 * and level; thread-safe (workers log too). Secrets are never passed in.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/core.h"

static FILE *log_file;
static enum log_level log_min = LOG_INFO;
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;

static const char *const level_names[] = { "debug", "info", "warn", "error" };

int log_open(const char *path, enum log_level min, struct err *e)
{
	int fd;

	log_close();
	log_min = min;
	if (path == NULL)
		return 0;
	fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (fd < 0)
		return err_set(e, E_IO, "cannot open log file %s: %s", path, strerror(errno));
	pthread_mutex_lock(&log_lock);
	log_file = fdopen(fd, "a");
	pthread_mutex_unlock(&log_lock);
	if (log_file == NULL) {
		close(fd);
		return err_set(e, E_IO, "cannot open log file %s: %s", path, strerror(errno));
	}
	return 0;
}

void log_close(void)
{
	pthread_mutex_lock(&log_lock);
	if (log_file)
		fclose(log_file);
	log_file = NULL;
	pthread_mutex_unlock(&log_lock);
}

void log_set_level(enum log_level min)
{
	log_min = min;
}

int log_level_parse(const char *s, enum log_level *out)
{
	for (size_t i = 0; i < nitems(level_names); i++) {
		if (strcmp(s, level_names[i]) == 0) {
			*out = (enum log_level)i;
			return 0;
		}
	}
	return E_PARSE;
}

void log_msg(enum log_level lvl, const char *fmt, ...)
{
	struct timespec ts;
	struct tm tm;
	char stamp[32];
	va_list ap;

	if (lvl < log_min || log_file == NULL)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	localtime_r(&ts.tv_sec, &tm);
	strftime(stamp, sizeof stamp, "%Y-%m-%d %H:%M:%S", &tm);
	pthread_mutex_lock(&log_lock);
	if (log_file) {
		fprintf(log_file, "%s.%03ld %-5s ", stamp, ts.tv_nsec / 1000000,
			level_names[lvl]);
		va_start(ap, fmt);
		vfprintf(log_file, fmt, ap);
		va_end(ap);
		fputc('\n', log_file);
		fflush(log_file);
	}
	pthread_mutex_unlock(&log_lock);
}

int log_fileno(void)
{
	int fd = -1;

	pthread_mutex_lock(&log_lock);
	if (log_file)
		fd = fileno(log_file);
	pthread_mutex_unlock(&log_lock);
	return fd;
}
