/*
 * merge.c - the three-way merge of workbooks (sheets_merge3 in sheets.h),
 * cell by cell on the cells' sources, and applying the user's choices
 * to the conflicts it lists.
 *
 * The three files are read with the module's readers; the result is the
 * local file changed in place and written with the writers, so what the
 * merge does not look at (formats, widths, names) stays the local one.
 * Per matched sheet, the cells used on any side are gathered, sorted row
 * by row, and compared; the changes to make are collected first and
 * applied after, with recalculation suspended, so no comparison sees a
 * half-merged sheet.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/core.h"
#include "modules/sheets/grid.h"
#include "modules/sheets/io.h"
#include "modules/sheets/sheets.h"

/* A cell's source and kind, in a buffer used again cell after cell. */
struct msrc {
	unsigned char kind;
	struct buf text;
};

/* One change to make in the result: a cell to take from remote. */
struct mchange {
	int sheet; /* in the result */
	uint32_t row, col;
	unsigned char kind;
	char *text;
	const char *fmt; /* borrowed from the remote file */
	int set_fmt;
};

/* A conflict and its place, to list them row by row. */
struct mconflict {
	uint64_t key;
	struct sheets_conflict c;
};

struct mstate {
	struct sheet_file base, local, remote;
	int book; /* local and remote are workbooks: match sheets by name */
	struct mchange *ch;
	size_t nch, capch;
	struct mconflict *cf;
	size_t ncf, capcf;
};

static int path_is_book(const char *path)
{
	const char *slash = strrchr(path, '/');
	const char *dot = strrchr(slash ? slash + 1 : path, '.');

	return dot && (strcasecmp(dot, ".xlsx") == 0 || strcasecmp(dot, ".ods") == 0);
}

static void src_take(const struct sheet_file *f, int sheet, uint32_t row, uint32_t col,
		     struct msrc *s)
{
	const char *formula;
	struct sheet_file at;
	struct sheet_value v;

	buf_reset(&s->text);
	buf_add(&s->text, "", 0);
	if (sheet < 0) { /* a sheet that is not there: empty */
		s->kind = SHEETS_CELL_EMPTY;
		return;
	}
	formula = sheet_file_formula_at(f, sheet, row, col);
	if (formula) {
		s->kind = SHEETS_CELL_INPUT;
		buf_adds(&s->text, formula);
		return;
	}
	sheet_get(f->wb, sheet, row, col, &v);
	switch (v.type) {
	case SHEET_EMPTY:
		s->kind = SHEETS_CELL_EMPTY;
		return;
	case SHEET_TEXT:
		s->kind = SHEETS_CELL_TEXT;
		buf_adds(&s->text, v.str ? v.str : "");
		return;
	case SHEET_ERROR:
		s->kind = SHEETS_CELL_ERROR;
		buf_adds(&s->text, sheet_err_text(v.err));
		return;
	default:
		s->kind = SHEETS_CELL_INPUT;
		at = *f; /* a view of f on that sheet, to read with */
		at.sheet = sheet;
		sheet_file_value_text(&at, row, col, &s->text);
		return;
	}
}

static int src_same(const struct msrc *a, const struct msrc *b)
{
	return a->kind == b->kind && a->text.len == b->text.len &&
	       memcmp(a->text.data, b->text.data, a->text.len) == 0;
}

static char *src_dup(const struct msrc *s)
{
	return xstrndup(s->text.data, s->text.len);
}

/* Set a cell from a source (the CSV typing rules for INPUT). */
static void src_put(struct sheet_file *f, int sheet, uint32_t row, uint32_t col,
		    unsigned char kind, const char *text)
{
	int was = f->sheet;
	size_t used;

	f->sheet = sheet;
	switch (kind) {
	case SHEETS_CELL_INPUT:
		sheet_file_input(f, row, col, text, strlen(text), 0, 0, NULL);
		break;
	case SHEETS_CELL_TEXT:
		/* through input first: it drops a kept source and date flag */
		sheet_file_input(f, row, col, "", 0, 0, 0, NULL);
		sheet_set_text(f->wb, sheet, row, col, text);
		break;
	case SHEETS_CELL_ERROR:
		sheet_file_input(f, row, col, "", 0, 0, 0, NULL);
		sheet_set_error(f->wb, sheet, row, col, sheet_err_parse(text, strlen(text), &used));
		break;
	default:
		sheet_file_input(f, row, col, "", 0, 0, 0, NULL);
		break;
	}
	f->sheet = was;
}

static const char *cell_fmt(const struct sheet_file *f, int sheet, uint32_t row, uint32_t col)
{
	const struct sheet_note *n;

	if (sheet < 0)
		return NULL;
	n = sheet_file_note_at(f, sheet, row, col);
	return n ? n->fmt : NULL;
}

static int fmt_same(const char *a, const char *b)
{
	return (a == NULL || *a == '\0') ? (b == NULL || *b == '\0') : b && strcmp(a, b) == 0;
}

/* ---- the cells of a sheet ---------------------------------------------------- */

struct keys {
	uint64_t *k;
	size_t n, cap;
};

/* Column-major, as sheet_range_each visits the cells: each list comes
 * sorted. */
#define KEY(row, col) ((uint64_t)(col) << 20 | (row))
#define KEY_ROW(k) ((uint32_t)((k) & 0xfffff))
#define KEY_COL(k) ((uint32_t)((k) >> 20))

static void keys_push(struct keys *ks, uint64_t k)
{
	if (ks->n == ks->cap) {
		ks->cap = ks->cap ? ks->cap * 2 : 256;
		ks->k = xreallocarray(ks->k, ks->cap, sizeof *ks->k);
	}
	ks->k[ks->n++] = k;
}

static int keys_add(const struct sheet_value *v, uint32_t row, uint32_t col, void *arg)
{
	keys_push(arg, KEY(row, col));
	return 0;
}

static void keys_of(const struct sheet_file *f, int sheet, struct keys *ks)
{
	struct sheet_ref r = { sheet, 0, 0, SHEET_MAX_ROWS - 1, SHEET_MAX_COLS - 1, 0 };

	ks->n = 0;
	if (f && sheet >= 0)
		sheet_range_each(f->wb, &r, keys_add, ks);
}

/* The cells used in any of the sheets given (-1: none), each once, in
 * column-major order: a merge of three sorted lists. */
static void keys_union(struct keys *ks, const struct sheet_file *f1, int s1,
		       const struct sheet_file *f2, int s2, const struct sheet_file *f3, int s3)
{
	struct keys in[3] = { { 0 }, { 0 }, { 0 } };
	size_t at[3] = { 0, 0, 0 };

	keys_of(f1, s1, &in[0]);
	keys_of(f2, s2, &in[1]);
	keys_of(f3, s3, &in[2]);
	ks->n = 0;
	for (;;) {
		uint64_t min = UINT64_MAX;

		for (int i = 0; i < 3; i++)
			if (at[i] < in[i].n && in[i].k[at[i]] < min)
				min = in[i].k[at[i]];
		if (min == UINT64_MAX)
			break;
		keys_push(ks, min);
		for (int i = 0; i < 3; i++)
			if (at[i] < in[i].n && in[i].k[at[i]] == min)
				at[i]++;
	}
	for (int i = 0; i < 3; i++)
		free(in[i].k);
}

/* Do two sheets hold the same sources and formats? */
static int sheet_same(const struct sheet_file *a, int sa, const struct sheet_file *b, int sb)
{
	struct keys ks = { 0 };
	struct msrc x, y;
	int same = 1;

	buf_init(&x.text);
	buf_init(&y.text);
	keys_union(&ks, a, sa, b, sb, NULL, -1);
	for (size_t i = 0; i < ks.n && same; i++) {
		uint32_t row = KEY_ROW(ks.k[i]), col = KEY_COL(ks.k[i]);

		src_take(a, sa, row, col, &x);
		src_take(b, sb, row, col, &y);
		same = src_same(&x, &y) &&
		       fmt_same(cell_fmt(a, sa, row, col), cell_fmt(b, sb, row, col));
	}
	buf_free(&x.text);
	buf_free(&y.text);
	free(ks.k);
	return same;
}

/* ---- collecting ------------------------------------------------------------------- */

static void change_add(struct mstate *m, int sheet, uint32_t row, uint32_t col,
		       const struct msrc *src, const char *fmt, int set_fmt)
{
	if (m->nch == m->capch) {
		m->capch = m->capch ? m->capch * 2 : 64;
		m->ch = xreallocarray(m->ch, m->capch, sizeof *m->ch);
	}
	m->ch[m->nch++] = (struct mchange){ sheet, row, col, src->kind, src_dup(src), fmt, set_fmt };
}

static struct sheets_conflict *conflict_add(struct mstate *m, const char *sheet, uint64_t key)
{
	struct mconflict *c;

	if (m->ncf == m->capcf) {
		m->capcf = m->capcf ? m->capcf * 2 : 16;
		m->cf = xreallocarray(m->cf, m->capcf, sizeof *m->cf);
	}
	c = &m->cf[m->ncf++];
	memset(c, 0, sizeof *c);
	c->key = key;
	c->c.sheet = xstrdup(sheet);
	return &c->c;
}

static void conflict_clear(struct sheets_conflict *c)
{
	free(c->sheet);
	free(c->cell);
	free(c->base);
	free(c->local);
	free(c->remote);
}

static int conflict_cmp(const void *x, const void *y)
{
	const struct mconflict *a = x, *b = y;

	return a->key < b->key ? -1 : a->key > b->key;
}

static void cell_name(uint32_t row, uint32_t col, char *buf, size_t n)
{
	char cn[16];

	sheet_col_name(col, cn, sizeof cn);
	snprintf(buf, n, "%s%u", cn, row + 1);
}

/* Merge the cells of one sheet: sb, sl, sr index base, local, remote (-1
 * where absent, read as empty); so is the result's sheet. */
static void merge_cells(struct mstate *m, int sb, int sl, int sr, int so)
{
	struct keys ks = { 0 };
	const char *name = sheet_name(m->local.wb, so);
	size_t first = m->ncf;
	struct msrc b, l, r;

	buf_init(&b.text);
	buf_init(&l.text);
	buf_init(&r.text);
	keys_union(&ks, &m->base, sb, &m->local, sl, &m->remote, sr);
	for (size_t i = 0; i < ks.n; i++) {
		uint32_t row = KEY_ROW(ks.k[i]), col = KEY_COL(ks.k[i]);
		const char *fb = cell_fmt(&m->base, sb, row, col);
		const char *fl = cell_fmt(&m->local, sl, row, col);
		const char *fr = cell_fmt(&m->remote, sr, row, col);
		int take_fmt = !fmt_same(fr, fb) && fmt_same(fl, fb) && !fmt_same(fr, fl);

		src_take(&m->remote, sr, row, col, &r);
		src_take(&m->local, sl, row, col, &l);
		if (src_same(&r, &l)) { /* nothing to take, nothing to choose */
			if (take_fmt)
				change_add(m, so, row, col, &l, fr, 1);
			continue;
		}
		src_take(&m->base, sb, row, col, &b);
		if (src_same(&r, &b)) {
			if (take_fmt)
				change_add(m, so, row, col, &l, fr, 1);
		} else if (src_same(&l, &b)) {
			change_add(m, so, row, col, &r, fr, take_fmt);
		} else {
			/* rows first in the list: row-major key */
			struct sheets_conflict *c =
				conflict_add(m, name, (uint64_t)row << 14 | col);
			char ref[32];

			cell_name(row, col, ref, sizeof ref);
			c->cell = xstrdup(ref);
			c->base = src_dup(&b);
			c->local = src_dup(&l);
			c->remote = src_dup(&r);
			c->base_kind = b.kind;
			c->local_kind = l.kind;
			c->remote_kind = r.kind;
			if (take_fmt) /* the format still merges */
				change_add(m, so, row, col, &l, fr, 1);
		}
	}
	if (m->ncf > first)
		qsort(m->cf + first, m->ncf - first, sizeof *m->cf, conflict_cmp);
	buf_free(&b.text);
	buf_free(&l.text);
	buf_free(&r.text);
	free(ks.k);
}

static void sheet_conflict(struct mstate *m, const char *name, int in_local)
{
	struct sheets_conflict *c = conflict_add(m, name, 0);

	c->base = xstrdup("");
	c->local = in_local ? xstrdup("") : NULL;
	c->remote = in_local ? NULL : xstrdup("");
	c->base_kind = SHEETS_CELL_EMPTY;
	c->local_kind = in_local ? SHEETS_CELL_EMPTY : SHEETS_CELL_NOSHEET;
	c->remote_kind = in_local ? SHEETS_CELL_NOSHEET : SHEETS_CELL_EMPTY;
}

/* Copy a sheet's column widths from remote to the result. */
static void copy_widths(struct mstate *m, int sr, int so)
{
	uint32_t rows, cols;

	sheet_extent(m->remote.wb, sr, &rows, &cols);
	for (uint32_t c = 0; c < cols; c++) {
		double w = sheet_file_col_width(&m->remote, sr, c);

		if (w > 0)
			sheet_file_set_col_width(&m->local, so, c, w);
	}
}

static int find_sheet(const struct sheet_file *f, const char *name)
{
	return sheet_find(f->wb, name, strlen(name));
}

/* Many changes recalculate once at the end (every formula); a few,
 * what depends on them. */
#define MERGE_SUSPEND 256

static void apply_changes(struct mstate *m)
{
	int suspend = m->nch > MERGE_SUSPEND;

	if (suspend)
		sheet_recalc_suspend(m->local.wb);
	for (size_t i = 0; i < m->nch; i++) {
		struct mchange *c = &m->ch[i];

		if (c->set_fmt)
			sheet_file_set_format(&m->local, c->sheet, c->row, c->col, c->fmt);
		src_put(&m->local, c->sheet, c->row, c->col, c->kind, c->text);
		if (c->set_fmt) /* setting the value may have dropped a date format's flag */
			sheet_file_set_format(&m->local, c->sheet, c->row, c->col, c->fmt);
	}
	if (suspend)
		sheet_recalc_resume(m->local.wb);
}

static int merge_books(struct mstate *m, struct err *e)
{
	int nl = sheet_count(m->local.wb);
	int nr = sheet_count(m->remote.wb), rc;
	int *drop = xcalloc((size_t)nl + 1, sizeof *drop);

	if (!m->book) {
		merge_cells(m, 0, 0, 0, 0);
		goto done;
	}
	/* sheets of local, against base and remote */
	for (int sl = 0; sl < nl; sl++) {
		const char *name = sheet_name(m->local.wb, sl);
		int sb = find_sheet(&m->base, name), sr = find_sheet(&m->remote, name);

		if (sr >= 0)
			merge_cells(m, sb, sl, sr, sl);
		else if (sb >= 0 && sheet_same(&m->base, sb, &m->local, sl))
			drop[sl] = 1; /* deleted on the remote side only */
		else if (sb >= 0)
			sheet_conflict(m, name, 1);
	}
	/* sheets only remote has: added there, or deleted here */
	for (int sr = 0; sr < nr; sr++) {
		const char *name = sheet_name(m->remote.wb, sr);
		int sb = find_sheet(&m->base, name), so;

		if (find_sheet(&m->local, name) >= 0)
			continue;
		if (sb >= 0 && sheet_same(&m->base, sb, &m->remote, sr))
			continue; /* deleted here, unchanged there */
		so = sheet_add(m->local.wb, name, e);
		if (so < 0) {
			rc = so;
			goto out;
		}
		copy_widths(m, sr, so);
		merge_cells(m, -1, -1, sr, so);
		if (sb >= 0)
			sheet_conflict(m, name, 0);
	}
done:
	apply_changes(m);
	/* deletions last: they renumber the sheets */
	for (int sl = nl - 1; sl >= 0; sl--)
		if (drop[sl] && sheet_count(m->local.wb) > 1)
			sheet_file_delete_sheet(&m->local, sl, NULL);
	m->local.sheet = 0;
	rc = 0;
out:
	free(drop);
	return rc;
}

static void mstate_free(struct mstate *m)
{
	for (size_t i = 0; i < m->nch; i++)
		free(m->ch[i].text);
	free(m->ch);
	sheet_file_free(&m->base);
	sheet_file_free(&m->local);
	sheet_file_free(&m->remote);
}

int sheets_merge3(const char *base_path, const char *local_path, const char *remote_path,
		  const char *out_path, struct sheets_conflict **conflicts, size_t *n,
		  struct err *e)
{
	struct mstate m;
	int rc;

	memset(&m, 0, sizeof m);
	*conflicts = NULL;
	*n = 0;
	rc = sheet_path_load(base_path, &m.base, e);
	if (rc == 0)
		rc = sheet_path_load(local_path, &m.local, e);
	else
		sheet_file_init(&m.local, NULL);
	if (rc == 0)
		rc = sheet_path_load(remote_path, &m.remote, e);
	else
		sheet_file_init(&m.remote, NULL);
	/* by name when both sides are workbooks; a CSV base then has one
	 * sheet named after its file, which stands for no sheet of theirs
	 * (an empty CSV is how a merge without a common version is asked) */
	m.book = path_is_book(local_path) && path_is_book(remote_path);
	if (rc == 0)
		rc = merge_books(&m, e);
	if (rc == 0)
		rc = sheet_path_save(out_path, &m.local, 0, e);
	mstate_free(&m);
	if (rc == 0 && m.ncf) {
		*conflicts = xreallocarray(NULL, m.ncf, sizeof **conflicts);
		for (size_t i = 0; i < m.ncf; i++)
			(*conflicts)[i] = m.cf[i].c;
		*n = m.ncf;
	} else {
		for (size_t i = 0; i < m.ncf; i++)
			conflict_clear(&m.cf[i].c);
	}
	free(m.cf);
	return rc;
}

/* ---- the user's choices -------------------------------------------------------- */

int sheets_merge_take(const char *path, const struct sheets_conflict *c, size_t n,
		      const char *const *choice, struct err *e)
{
	struct sheet_file f;
	int book = path_is_book(path), rc;
	int *drop;

	for (size_t i = 0; i < n; i++)
		if (strcmp(choice[i], "local") != 0 && strcmp(choice[i], "remote") != 0)
			return err_set(e, E_USAGE, "merge choice %zu: \"%s\" is not local or remote",
				       i + 1, choice[i]);
	rc = sheet_path_load(path, &f, e);
	if (rc != 0) {
		sheet_file_free(&f);
		return rc;
	}
	drop = xcalloc((size_t)sheet_count(f.wb) + 1, sizeof *drop);
	sheet_recalc_suspend(f.wb);
	for (size_t i = 0; i < n && rc == 0; i++) {
		int remote = strcmp(choice[i], "remote") == 0;
		int sheet = book ? find_sheet(&f, c[i].sheet) : 0;
		struct sheet_ref ref;
		size_t used;

		if (sheet < 0) {
			rc = err_set(e, E_USAGE, "%s: no sheet \"%s\" for merge choice %zu", path,
				     c[i].sheet, i + 1);
			break;
		}
		if (c[i].cell == NULL) {
			drop[sheet] |= (remote ? c[i].remote : c[i].local) == NULL;
			continue;
		}
		if (sheet_ref_parse(f.wb, sheet, c[i].cell, strlen(c[i].cell), &ref, &used) != 0 ||
		    used != strlen(c[i].cell)) {
			rc = err_set(e, E_USAGE, "merge choice %zu: \"%s\" is not a cell", i + 1,
				     c[i].cell);
			break;
		}
		src_put(&f, sheet, ref.r1, ref.c1, remote ? c[i].remote_kind : c[i].local_kind,
			remote ? c[i].remote : c[i].local);
	}
	sheet_recalc_resume(f.wb);
	for (int s = sheet_count(f.wb) - 1; rc == 0 && s >= 0; s--)
		if (drop[s] && sheet_count(f.wb) > 1)
			sheet_file_delete_sheet(&f, s, NULL);
	f.sheet = 0;
	if (rc == 0)
		rc = sheet_path_save(path, &f, 0, e);
	free(drop);
	sheet_file_free(&f);
	return rc;
}

void sheets_conflicts_free(struct sheets_conflict *c, size_t n)
{
	for (size_t i = 0; i < n; i++)
		conflict_clear(&c[i]);
	free(c);
}
