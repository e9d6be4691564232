/*
 * merge.c - choose the merge for a file by its kind (see merge.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "modules/docs/docs.h"
#include "modules/files/merge.h"
#include "modules/sheets/sheets.h"

static int same(const struct buf *a, const struct buf *b)
{
	return a->len == b->len && (a->len == 0 || memcmp(a->data, b->data, a->len) == 0);
}

static int is_text(const struct buf *b)
{
	/* NUL bytes in the first 64 KiB: binary (as git and diff decide) */
	size_t n = b->len < 65536 ? b->len : 65536;
	return n == 0 || memchr(b->data, 0, n) == NULL;
}

static void take(struct buf *out, const struct buf *src)
{
	buf_reset(out);
	buf_add(out, src->data ? src->data : "", src->len);
}

static const char *sheet_ext(const char *path)
{
	static const char *const exts[] = { ".csv", ".tsv", ".xlsx", ".ods" };
	size_t pl = strlen(path);

	for (size_t i = 0; i < nitems(exts); i++) {
		size_t el = strlen(exts[i]);
		if (pl > el && strcasecmp(path + pl - el, exts[i]) == 0)
			return exts[i];
	}
	return NULL;
}

#ifdef MOD_SHEETS
static int put_file(const char *path, const struct buf *b, struct err *e)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	size_t off = 0;

	if (fd < 0)
		return err_set(e, E_IO, "%s: %s", path, strerror(errno));
	while (off < b->len) {
		ssize_t w = write(fd, b->data + off, b->len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			close(fd);
			return err_set(e, E_IO, "%s: %s", path, strerror(errno));
		}
		off += (size_t)w;
	}
	return close(fd) < 0 ? err_set(e, E_IO, "%s: %s", path, strerror(errno)) : 0;
}

static int get_file(const char *path, struct buf *b, struct err *e)
{
	int fd = open(path, O_RDONLY);
	char chunk[65536];
	ssize_t got;

	if (fd < 0)
		return err_set(e, E_IO, "%s: %s", path, strerror(errno));
	buf_reset(b);
	while ((got = read(fd, chunk, sizeof chunk)) != 0) {
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			close(fd);
			return err_set(e, E_IO, "%s: %s", path, strerror(errno));
		}
		buf_add(b, chunk, (size_t)got);
	}
	close(fd);
	return 0;
}

/* Workbooks merge cell by cell: the three versions go to a private
 * folder (sheets reads files), merged there, read back. */
/* A private folder for the three versions: in memory (/dev/shm) where
 * there is one, so no plaintext copy reaches a disk. */
static int merge_dir(char *dir, size_t len, struct err *e)
{
	const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : getenv("TMPDIR");

	snprintf(dir, len, "%s/atrium-merge-XXXXXX", base && *base ? base : "/tmp");
	if (!mkdtemp(dir))
		return err_set(e, E_IO, "a folder for the merge: %s", strerror(errno));
	return 0;
}

/* dir/SIDE/STEM.ext: each version under the file's own name, which a
 * CSV's sheet takes (the conflict list then names the sheet as the user
 * knows it). */
static void side_path(char *out, size_t len, const char *dir, const char *side, const char *path,
		      const char *ext)
{
	const char *slash = strrchr(path, '/'), *name = slash ? slash + 1 : path;
	size_t stem = strlen(name) - strlen(ext);

	snprintf(out, len, "%s/%s", dir, side);
	mkdir(out, 0700);
	snprintf(out, len, "%s/%s/%.*s%s", dir, side, (int)stem, name, ext);
}

static void side_clean(const char *file)
{
	char d[600];
	char *slash;

	unlink(file);
	snprintf(d, sizeof d, "%s", file);
	if ((slash = strrchr(d, '/'))) {
		*slash = 0;
		rmdir(d);
	}
}

static int merge_sheets(const char *path, const char *ext, const struct buf *base, const struct buf *local,
			const struct buf *remote, struct buf *out, int *conflicts,
			struct sheets_conflict **cells, size_t *ncells, struct err *e)
{
	char dir[512];
	char pb[600], pl[600], pr[600], po[600];
	struct sheets_conflict *c = NULL;
	size_t n = 0;
	int rc;

	if ((rc = merge_dir(dir, sizeof dir, e)) < 0)
		return rc;
	/* no common version: an empty CSV is the base (formats may differ) */
	side_path(pb, sizeof pb, dir, "base", path, ext);
	if (!base->len) /* a CSV stands for "nothing": formats may differ */
		snprintf(pb + strlen(pb) - strlen(ext), sizeof pb - (strlen(pb) - strlen(ext)), ".csv");
	side_path(pl, sizeof pl, dir, "local", path, ext);
	side_path(pr, sizeof pr, dir, "remote", path, ext);
	side_path(po, sizeof po, dir, "merged", path, ext);
	rc = put_file(pb, base, e);
	if (rc == 0)
		rc = put_file(pl, local, e);
	if (rc == 0)
		rc = put_file(pr, remote, e);
	if (rc == 0)
		rc = sheets_merge3(pb, pl, pr, po, &c, &n, e);
	if (rc == 0)
		rc = get_file(po, out, e);
	if (rc == 0)
		*conflicts = (int)n;
	if (rc == 0 && cells) {
		*cells = c;
		*ncells = n;
	} else {
		sheets_conflicts_free(c, n);
	}
	side_clean(pb);
	side_clean(pl);
	side_clean(pr);
	side_clean(po);
	rmdir(dir);
	return rc;
}
#endif

int files_merge(const char *path, const struct buf *base, const struct buf *local,
		const struct buf *remote, struct buf *out, int *conflicts, struct err *e)
{
	*conflicts = 0;
	/* the easy cases, for every kind of file */
	if (same(local, remote) || same(remote, base)) {
		take(out, local);
		return 0;
	}
	if (same(local, base)) {
		take(out, remote);
		return 0;
	}
#ifdef MOD_SHEETS
	{
		const char *ext = sheet_ext(path);
		if (ext) {
			int rc = merge_sheets(path, ext, base, local, remote, out, conflicts, NULL, NULL, e);
			/* a file that does not read as a workbook merges as
			 * text or not at all, below */
			if (rc == 0 || rc != E_PARSE)
				return rc;
			err_clear(e);
		}
	}
#else
	(void)sheet_ext;
#endif
#ifdef MOD_DOCS
	if (is_text(base) && is_text(local) && is_text(remote)) {
		buf_reset(out);
		return docs_merge3(base->data ? base->data : "", base->len,
				   local->data ? local->data : "", local->len,
				   remote->data ? remote->data : "", remote->len, "yours (local)",
				   "server", out, conflicts, e);
	}
#else
	(void)is_text;
	(void)e;
#endif
	/* both changed a binary file: nothing to merge, keep both */
	take(out, local);
	*conflicts = 1;
	return 0;
}

#ifdef MOD_SHEETS
int files_merge_cells(const char *path, const struct buf *base, const struct buf *local,
		      const struct buf *remote, struct buf *out, struct sheets_conflict **cells,
		      size_t *n, struct err *e)
{
	const char *ext = sheet_ext(path);
	int conflicts = 0;

	*cells = NULL;
	*n = 0;
	if (!ext)
		return err_set(e, E_USAGE, "%s is not a workbook (.csv .tsv .xlsx .ods)", path);
	return merge_sheets(path, ext, base, local, remote, out, &conflicts, cells, n, e);
}

int files_merge_choose(const char *path, struct buf *merged, const struct sheets_conflict *c,
		       size_t n, const char *const *choice, struct err *e)
{
	const char *ext = sheet_ext(path);
	char dir[512], p[600];
	int rc;

	if (!ext)
		return err_set(e, E_USAGE, "%s is not a workbook (.csv .tsv .xlsx .ods)", path);
	if ((rc = merge_dir(dir, sizeof dir, e)) < 0)
		return rc;
	side_path(p, sizeof p, dir, "merged", path, ext);
	rc = put_file(p, merged, e);
	if (rc == 0)
		rc = sheets_merge_take(p, c, n, choice, e);
	if (rc == 0)
		rc = get_file(p, merged, e);
	side_clean(p);
	rmdir(dir);
	return rc;
}
#endif
