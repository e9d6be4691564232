/*
 * merge.c - choose the merge for a file by its kind (see merge.h).
 */
#include <string.h>
#include <strings.h>

#include "modules/docs/docs.h"
#include "modules/files/merge.h"

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
	(void)path;
	/* both changed a binary file: nothing to merge, keep both */
	take(out, local);
	*conflicts = 1;
	return 0;
}
