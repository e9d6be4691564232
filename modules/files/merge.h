/*
 * merge.h - the three-way merge the share uses after a 412, by kind of
 * file: sheets (.csv .tsv .xlsx .ods) cell by cell through sheets.h, text
 * line-wise through docs.h, anything else only when one side is unchanged.
 */
#ifndef ATRIUM_MODULES_FILES_MERGE_H
#define ATRIUM_MODULES_FILES_MERGE_H

#include "core/core.h"

/* base may be empty (no common version). *conflicts 0: out is the clean
 * result; > 0: out holds the local side with the conflicts marked (text)
 * or kept (sheets) and the caller keeps all three versions. */
int files_merge(const char *path, const struct buf *base, const struct buf *local,
		const struct buf *remote, struct buf *out, int *conflicts, struct err *e);

struct sheets_conflict;
/* A workbook's conflict cell by cell: the merged workbook (yours in the
 * cells both changed) and those cells (sheets_conflicts_free). */
int files_merge_cells(const char *path, const struct buf *base, const struct buf *local,
		      const struct buf *remote, struct buf *out, struct sheets_conflict **cells,
		      size_t *n, struct err *e);
/* Apply a choice ("local" / "remote") per listed cell to merged. */
int files_merge_choose(const char *path, struct buf *merged, const struct sheets_conflict *c,
		       size_t n, const char *const *choice, struct err *e);

#endif
