/*
 * load.c - reading a sheet file on a worker thread for the Sheets tab
 * (grid.h), so a big file never freezes the screen: the worker parses and
 * recalculates into a sheet file of its own, publishing its progress and
 * watching a cancel flag; the main thread keeps showing (and editing) the
 * old sheet and takes the new one when the worker says it is done through
 * loop_post.
 *
 * CSV and TSV are read here with progress (by bytes parsed, then by
 * formulas evaluated: the tick of sheet_csv_load_tick, which also stops
 * the load when cancelled); other formats go through sheet_path_load,
 * without a percentage.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "i18n/i18n.h"
#include "modules/sheets/grid.h"

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
};

/* The loader's tick: progress by the position in the data, then by
 * formulas evaluated; and the cancel flag. */
static int load_tick(int phase, uint64_t done, uint64_t total, void *arg)
{
	struct sheet_load *l = arg;

	if (atomic_load(&l->cancel))
		return E_CANCELLED;
	atomic_store(&l->phase, phase);
	if (total > 0)
		atomic_store(&l->pct, (int)(done * 100 / total));
	return 0;
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
	struct buf data;
	struct err pe;
	int rc;

	if (strlen(name) > 31) /* Excel's limit on sheet names */
		name[31] = '\0';
	sheet_file_init(&l->f, name);
	free(name);
	buf_init(&data);
	rc = sheet_read_path(l->path, &data, &l->e);
	if (rc != 0)
		goto out;
	err_clear(&pe);
	rc = sheet_csv_load_tick(&l->f, data.data ? data.data : "", data.len, delim, load_tick, l,
				 &pe);
	if (rc != 0 && rc != E_CANCELLED)
		err_tr(&l->e, rc, "err.sheets.csv", TR_S(l->path), TR_S(pe.msg));
out:
	buf_free(&data);
	return rc;
}

static void *worker(void *arg)
{
	struct sheet_load *l = arg;
	char delim;

	thread_background();

	if (csv_delim(l->path, &delim)) {
		l->rc = load_csv(l, delim);
	} else {
		l->rc = sheet_path_load(l->path, &l->f, &l->e);
		if (l->rc == 0 && atomic_load(&l->cancel))
			l->rc = E_CANCELLED;
	}
	if (l->rc == 0) /* the screen's first change must not make them */
		sheet_deps_build(l->f.wb);
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
