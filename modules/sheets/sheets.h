/*
 * sheets.h - what the sheets module offers other modules (the files
 * module's sync): the three-way merge of workbooks, cell by cell.
 *
 * A cell's source is what re-creates it: a formula's text with its '=',
 * else its value as the CSV output writes it (numbers that read back
 * exactly, dates as YYYY-MM-DD, TRUE/FALSE, error codes, text as is).
 * Two cells are the same when their sources and kinds are.
 */
#ifndef ATRIUM_SHEETS_SHEETS_H
#define ATRIUM_SHEETS_SHEETS_H

#include <stddef.h>

#include "core/core.h"

/* How a source text re-creates its cell. */
enum sheets_cell_kind {
	SHEETS_CELL_EMPTY,  /* text "" */
	SHEETS_CELL_INPUT,  /* typed by the CSV rules: =formula, number, date, boolean */
	SHEETS_CELL_TEXT,   /* text as it is, even "12" or "=x" */
	SHEETS_CELL_ERROR,  /* an error value: "#DIV/0!" */
	SHEETS_CELL_NOSHEET /* whole-sheet conflicts: the sheet is absent here (text NULL) */
};

/*
 * One conflict: a cell both sides changed differently, or a whole sheet
 * (cell NULL) deleted on one side and changed on the other. Texts are
 * sources (see above); for a whole sheet they are "" where the sheet is
 * and NULL where it was deleted.
 */
struct sheets_conflict {
	char *sheet; /* the sheet's name in the merged file */
	char *cell;  /* "B7"; NULL: the whole sheet */
	char *base, *local, *remote;
	unsigned char base_kind, local_kind, remote_kind; /* enum sheets_cell_kind */
};

/*
 * Merge three versions of a workbook (.csv/.tsv/.txt, .xlsx, .ods by
 * extension; the three may differ) into out_path, whose extension picks
 * the format (give it the local file's). The result is the local file
 * (its formats, widths, names) with the remote side's changes: a cell
 * changed on one side takes that side, changed alike on both stays; a
 * cell changed differently keeps the LOCAL source and is listed. Number
 * formats merge the same way (local wins, not listed).
 *
 * Sheets are matched by name (case-insensitive, as Excel) when local and
 * remote are workbooks (xlsx, ods); a delimited-text base then has one
 * sheet named after its file (so an empty CSV base stands for "no common
 * version": every sheet counts as added). When local or remote is
 * delimited text (one sheet), the first sheets are matched whatever
 * their names. A sheet added on one side is taken
 * (added on both with one name: merged cell by cell from empty); deleted
 * on one side and unchanged on the other is deleted; deleted on one side
 * and changed on the other is kept, with the changed content, and listed
 * (cell NULL). A renamed sheet is a deletion and an addition.
 *
 * *conflicts (free with sheets_conflicts_free) and *n get the list, in
 * sheet order then row by row; 0 on success, conflicts or not. An
 * unreadable input or output is E_NOTFOUND / E_PERM / E_IO / E_PARSE /
 * E_USAGE (an extension that is not a sheet format) with e naming the
 * file; nothing is written then.
 */
int sheets_merge3(const char *base_path, const char *local_path, const char *remote_path,
		  const char *out_path, struct sheets_conflict **conflicts, size_t *n,
		  struct err *e);

/*
 * Apply the user's choices to a merged file at path (rewritten in its
 * format): choice[i] is "local" or "remote" for conflict c[i]. A cell
 * gets that side's source; a whole-sheet conflict resolved to the side
 * that deleted the sheet deletes it (unless it is the file's last
 * sheet). E_USAGE for another choice or a sheet not in the file; then
 * nothing is written.
 */
int sheets_merge_take(const char *path, const struct sheets_conflict *c, size_t n,
		      const char *const *choice, struct err *e);

void sheets_conflicts_free(struct sheets_conflict *c, size_t n);

#endif
