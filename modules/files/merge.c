/*
 * merge.c - choose the merge for a file by its kind (see merge.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
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
static int merge_sheets(const char *ext, const struct buf *base, const struct buf *local,
			const struct buf *remote, struct buf *out, int *conflicts, struct err *e)
{
	char dir[] = "/tmp/atrium-merge-XXXXXX";
	char pb[64], pl[64], pr[64], po[64];
	struct sheets_conflict *c = NULL;
	size_t n = 0;
	int rc;

	if (!mkdtemp(dir))
		return err_set(e, E_IO, "a folder for the merge: %s", strerror(errno));
	/* no common version: an empty CSV is the base (formats may differ) */
	snprintf(pb, sizeof pb, "%s/base%s", dir, base->len ? ext : ".csv");
	snprintf(pl, sizeof pl, "%s/local%s", dir, ext);
	snprintf(pr, sizeof pr, "%s/remote%s", dir, ext);
	snprintf(po, sizeof po, "%s/merged%s", dir, ext);
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
	sheets_conflicts_free(c, n);
	unlink(pb);
	unlink(pl);
	unlink(pr);
	unlink(po);
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
			int rc = merge_sheets(ext, base, local, remote, out, conflicts, e);
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
