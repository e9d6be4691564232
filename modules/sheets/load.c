/*
 * load.c - reading a sheet file on a worker thread for the Sheets tab
 * (grid.h), so a big file never freezes the screen: the worker parses and
 * recalculates into a sheet file of its own, publishing its progress and
 * watching a cancel flag; the main thread keeps showing (and editing) the
 * old sheet and takes the new one when the worker says it is done through
 * loop_post.
 *
 * CSV and TSV are read here with progress (by bytes parsed, then by
 * formulas evaluated, in slices of the engine's sliced recalculation);
 * other formats go through sheet_path_load, without a percentage.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "i18n/i18n.h"
#include "modules/sheets/csv.h"
#include "modules/sheets/grid.h"

#define err_tr_(e, code, key, ...) \
	err_set((e), (code), "%s", trf((char[512]){ 0 }, 512, (key), __VA_ARGS__))

struct sheet_load {
	char *path;
	struct loop *loop;
	loop_fn done_fn;
	void *done_arg;
	pthread_t thread;
	atomic_int cancel, pct, phase;
	struct sheet_file f;
	struct err e;
	int rc;
	/* the worker's parse */
	const char *data;
	size_t len;
	unsigned long fields;
};

static int read_file(const char *path, struct buf *out, struct err *e)
{
	char chunk[65536];
	ssize_t r;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		if (errno == ENOENT)
			return err_tr_(e, E_NOTFOUND, "err.sheets.notfound", TR_S(path));
		return err_tr_(e, errno == EACCES ? E_PERM : E_IO, "err.sheets.read", TR_S(path),
			       TR_S(strerror(errno)));
	}
	for (;;) {
		r = read(fd, chunk, sizeof chunk);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int saved = errno;

			close(fd);
			return err_tr_(e, E_IO, "err.sheets.read", TR_S(path), TR_S(strerror(saved)));
		}
		if (r == 0)
			break;
		buf_add(out, chunk, (size_t)r);
	}
	close(fd);
	return 0;
}

/* The field callback: the CSV typing rules (io.h), progress by the
 * position in the data, and the cancel flag. */
static int load_field(const struct csv_field *fl, void *arg)
{
	struct sheet_load *l = arg;

	if (fl->row >= (long)SHEET_MAX_ROWS || fl->col >= (long)SHEET_MAX_COLS)
		return err_set(&l->e, E_RANGE, "line %ld: more than %u rows or %u columns",
			       fl->line, SHEET_MAX_ROWS, SHEET_MAX_COLS);
	if ((++l->fields & 4095) == 0) {
		if (atomic_load(&l->cancel))
			return E_CANCELLED;
		/* A converted charset parses another buffer: no percentage. */
		if (fl->text >= l->data && fl->text <= l->data + l->len && l->len > 0)
			atomic_store(&l->pct, (int)((uint64_t)(fl->text - l->data) * 100 / l->len));
	}
	return sheet_file_input(&l->f, (uint32_t)fl->row, (uint32_t)fl->col, fl->text, fl->len,
				fl->quoted, 0, &l->e);
}

static int csv_delim(const char *path, char *delim)
{
	const char *slash = strrchr(path, '/');
	const char *dot = strrchr(slash ? slash + 1 : path, '.');

	if (dot && (strcasecmp(dot, ".tsv") == 0 || strcasecmp(dot, ".tab") == 0)) {
		*delim = '\t';
		return 1;
	}
	if (dot && (strcasecmp(dot, ".csv") == 0 || strcasecmp(dot, ".txt") == 0)) {
		*delim = 0;
		return 1;
	}
	return 0;
}

static int load_csv(struct sheet_load *l, char delim)
{
	const char *slash = strrchr(l->path, '/');
	const char *base = slash ? slash + 1 : l->path;
	const char *dot = strrchr(base, '.');
	char *name = xstrndup(base, dot && dot > base ? (size_t)(dot - base) : strlen(base));
	struct csv_opts o = { delim, NULL };
	uint64_t done, total;
	struct buf data;
	struct err pe;
	char used = delim;
	int rc;

	if (strlen(name) > 31) /* Excel's limit on sheet names */
		name[31] = '\0';
	sheet_file_init(&l->f, name);
	free(name);
	buf_init(&data);
	rc = read_file(l->path, &data, &l->e);
	if (rc != 0)
		goto out;
	l->data = data.data ? data.data : "";
	l->len = data.len;
	err_clear(&pe);
	sheet_recalc_defer(l->f.wb, 1);
	sheet_recalc_suspend(l->f.wb);
	rc = csv_read(l->data, l->len, &o, load_field, l, &used, NULL, &pe);
	/* Resuming queues every formula: the slices below evaluate them. */
	sheet_recalc_resume(l->f.wb);
	if (rc == E_CANCELLED)
		goto out;
	if (rc != 0) {
		err_tr_(&l->e, rc, "err.sheets.csv", TR_S(l->path),
			TR_S(pe.msg[0] ? pe.msg : l->e.msg));
		goto out;
	}
	if (used)
		l->f.delim = used;
	atomic_store(&l->phase, 1);
	atomic_store(&l->pct, 0);
	while (sheet_recalc_step(l->f.wb, 4096, &done, &total)) {
		if (atomic_load(&l->cancel)) {
			rc = E_CANCELLED;
			goto out;
		}
		if (total)
			atomic_store(&l->pct, (int)(done * 100 / total));
	}
out:
	buf_free(&data);
	l->data = NULL;
	return rc;
}

static void *worker(void *arg)
{
	struct sheet_load *l = arg;
	char delim;

	if (csv_delim(l->path, &delim)) {
		l->rc = load_csv(l, delim);
	} else {
		l->rc = sheet_path_load(l->path, &l->f, &l->e);
		if (l->rc == 0 && atomic_load(&l->cancel))
			l->rc = E_CANCELLED;
	}
	if (l->rc == E_CANCELLED)
		err_set(&l->e, E_CANCELLED, "%s", tr("sheets.load_cancelled"));
	loop_post(l->loop, l->done_fn, l->done_arg);
	return NULL;
}

int sheet_load_start(const char *path, struct loop *loop, loop_fn done, void *arg,
		     struct sheet_load **out, struct err *e)
{
	struct sheet_load *l = xcalloc(1, sizeof *l);
	int rc;

	l->path = xstrdup(path);
	l->loop = loop;
	l->done_fn = done;
	l->done_arg = arg;
	err_clear(&l->e);
	rc = pthread_create(&l->thread, NULL, worker, l);
	if (rc != 0) {
		free(l->path);
		free(l);
		return err_set(e, E_INTERNAL, "cannot start a thread: %s", strerror(rc));
	}
	*out = l;
	return 0;
}

const char *sheet_load_path(const struct sheet_load *l)
{
	return l->path;
}

int sheet_load_progress(struct sheet_load *l, int *recalculating)
{
	*recalculating = atomic_load(&l->phase);
	return atomic_load(&l->pct);
}

void sheet_load_cancel(struct sheet_load *l)
{
	atomic_store(&l->cancel, 1);
}

int sheet_load_finish(struct sheet_load *l, struct sheet_file *f, struct err *e)
{
	int rc;

	pthread_join(l->thread, NULL);
	rc = l->rc;
	if (rc == 0) {
		*f = l->f;
	} else {
		sheet_file_free(&l->f);
		*e = l->e;
	}
	free(l->path);
	free(l);
	return rc;
}
