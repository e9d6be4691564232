/*
 * ops.c - the grid's editing operations (ops.h): reference adjustment over
 * the formulas' source text, snapshots and the undo journal, paste, fill,
 * clear, inserting and deleting rows and columns, sort, filter criteria,
 * find and replace.
 *
 * Copy, paste and fill rewrite references on the source text, token by
 * token, with the compiler's own lexer (sheet_formula_refs in formula.c):
 * only the tokens that change are re-spelt, so the rest of what the user
 * typed (spacing, case of function names) stays; the new source is then
 * compiled.
 *
 * Inserting, deleting and sorting are moves, made to stay smooth on a
 * million rows: cells move as storage a block at a time, every formula's
 * compiled references are adjusted in place (its source is spelt again
 * only when read: sheet_formula_src), the dependency graph is rebuilt once,
 * and only formulas whose references no longer reach the same cells are
 * recalculated. Undo is the inverse move; the journal holds the cells a
 * deletion removed and the few formulas the inverse cannot give back (a
 * reference became #REF! or was cut short), recorded before the move.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "i18n/i18n.h"
#include "modules/sheets/ops.h"

/* Journals larger than this recalculate once at the end, not per cell. */
#define BATCH_CELLS 64

/* ---- reference adjustment ------------------------------------------------ */

static int off_axis(uint32_t *v, long d, uint32_t max)
{
	long n = (long)*v + d;

	if (n < 0 || n >= (long)max)
		return 1;
	*v = (uint32_t)n;
	return 0;
}

static void swap_u32(uint32_t *a, uint32_t *b)
{
	uint32_t t = *a;

	*a = *b;
	*b = t;
}

/* Keep r1 <= r2 and c1 <= c2 after relative parts moved past absolute ones;
 * the $ flags travel with their ends. */
static void ref_order(struct sheet_ref *r)
{
	if (r->r1 > r->r2) {
		unsigned a1 = r->flags & SHEET_REF_ABS_R1, a2 = r->flags & SHEET_REF_ABS_R2;

		swap_u32(&r->r1, &r->r2);
		r->flags &= ~(unsigned)(SHEET_REF_ABS_R1 | SHEET_REF_ABS_R2);
		r->flags |= (a1 ? SHEET_REF_ABS_R2 : 0) | (a2 ? SHEET_REF_ABS_R1 : 0);
	}
	if (r->c1 > r->c2) {
		unsigned a1 = r->flags & SHEET_REF_ABS_C1, a2 = r->flags & SHEET_REF_ABS_C2;

		swap_u32(&r->c1, &r->c2);
		r->flags &= ~(unsigned)(SHEET_REF_ABS_C1 | SHEET_REF_ABS_C2);
		r->flags |= (a1 ? SHEET_REF_ABS_C2 : 0) | (a2 ? SHEET_REF_ABS_C1 : 0);
	}
}

static int adj_offset(const struct sheet_adjust *a, struct sheet_ref *r)
{
	unsigned f = r->flags;

	if (!(f & SHEET_REF_COLS)) {
		if (!(f & SHEET_REF_ABS_R1) && off_axis(&r->r1, a->drow, SHEET_MAX_ROWS))
			return 1;
		if (!(f & SHEET_REF_ABS_R2) && off_axis(&r->r2, a->drow, SHEET_MAX_ROWS))
			return 1;
	}
	if (!(f & SHEET_REF_ROWS)) {
		if (!(f & SHEET_REF_ABS_C1) && off_axis(&r->c1, a->dcol, SHEET_MAX_COLS))
			return 1;
		if (!(f & SHEET_REF_ABS_C2) && off_axis(&r->c2, a->dcol, SHEET_MAX_COLS))
			return 1;
	}
	ref_order(r);
	return 0;
}

/* One axis of a reference, lo..hi, under an insertion or deletion. */
static int shift_axis(uint32_t *lo, uint32_t *hi, uint32_t at, long n, uint32_t max)
{
	if (n > 0) {
		if (*lo >= at)
			*lo += (uint32_t)n;
		if (*hi >= at)
			*hi += (uint32_t)n;
		if (*lo >= max)
			return 1;
		if (*hi >= max)
			*hi = max - 1;
		return 0;
	}
	uint32_t m = (uint32_t)-n, end = at + m; /* deleted: at .. end-1 */
	uint32_t nlo, nhi;

	if (*hi < at)
		return 0;
	if (*lo >= end) {
		*lo -= m;
		*hi -= m;
		return 0;
	}
	nlo = *lo < at ? *lo : at;
	if (*hi >= end)
		nhi = *hi - m;
	else if (at == 0)
		return 1; /* everything it covered is gone */
	else
		nhi = at - 1;
	if (nhi < nlo)
		return 1;
	*lo = nlo;
	*hi = nhi;
	return 0;
}

static int adj_shift(const struct sheet_adjust *a, struct sheet_ref *r)
{
	if (r->sheet != a->sheet)
		return 0;
	if (a->axis == SHEET_AXIS_ROWS) {
		if (r->flags & SHEET_REF_COLS)
			return 0;
		return shift_axis(&r->r1, &r->r2, a->at, a->n, SHEET_MAX_ROWS);
	}
	if (r->flags & SHEET_REF_ROWS)
		return 0;
	return shift_axis(&r->c1, &r->c2, a->at, a->n, SHEET_MAX_COLS);
}

static int rect_holds(const struct sheet_rect *o, const struct sheet_ref *r)
{
	return r->r1 >= o->r1 && r->r2 <= o->r2 && r->c1 >= o->c1 && r->c2 <= o->c2;
}

static int adj_move(const struct sheet_adjust *a, struct sheet_ref *r)
{
	struct sheet_rect to = { a->from.r1 + (uint32_t)a->drow, a->from.c1 + (uint32_t)a->dcol,
				 a->from.r2 + (uint32_t)a->drow, a->from.c2 + (uint32_t)a->dcol };

	if (r->sheet != a->sheet)
		return 0;
	if (rect_holds(&a->from, r)) {
		r->r1 += (uint32_t)a->drow;
		r->r2 += (uint32_t)a->drow;
		r->c1 += (uint32_t)a->dcol;
		r->c2 += (uint32_t)a->dcol;
		return 0;
	}
	/* What pointed at cells the paste overwrote has lost them (Excel). */
	return rect_holds(&to, r);
}

int sheet_adjust_ref(const struct sheet_adjust *adj, struct sheet_ref *r)
{
	switch (adj->kind) {
	case SHEET_ADJ_OFFSET: return adj_offset(adj, r);
	case SHEET_ADJ_SHIFT: return adj_shift(adj, r);
	case SHEET_ADJ_MOVE: return adj_move(adj, r);
	}
	return 0;
}

struct rewrite {
	struct sheet_book *wb;
	const char *src;
	const struct sheet_adjust *adj;
	struct buf *out;
	size_t copied;
	int changed;
};

static int ref_same(const struct sheet_ref *a, const struct sheet_ref *b)
{
	return a->sheet == b->sheet && a->r1 == b->r1 && a->r2 == b->r2 && a->c1 == b->c1 &&
	       a->c2 == b->c2 && a->flags == b->flags;
}

/* One end of a reference, as sheet_ref_format spells it. */
static void spell_part(struct buf *b, const struct sheet_ref *r, int second)
{
	char tmp[16];
	uint32_t row = (second ? r->r2 : r->r1) + 1, c = second ? r->c2 : r->c1;
	unsigned ac = second ? SHEET_REF_ABS_C2 : SHEET_REF_ABS_C1;
	unsigned ar = second ? SHEET_REF_ABS_R2 : SHEET_REF_ABS_R1;
	size_t k = sizeof tmp;

	if (!(r->flags & SHEET_REF_COLS)) {
		do
			tmp[--k] = (char)('0' + row % 10);
		while ((row /= 10) > 0);
		if (r->flags & ar)
			tmp[--k] = '$';
	}
	if (!(r->flags & SHEET_REF_ROWS)) {
		for (c++; c > 0; c = (c - 1) / 26)
			tmp[--k] = (char)('A' + (c - 1) % 26);
		if (r->flags & ac)
			tmp[--k] = '$';
	}
	buf_add(b, tmp + k, sizeof tmp - k);
}

/* A reference spelt into b: without printf, which the million formulas
 * an insertion re-spells would feel. */
static void spell_ref(struct buf *b, struct sheet_book *wb, const struct sheet_ref *r)
{
	char tmp[160];

	if (r->flags & SHEET_REF_SHEET) {
		sheet_ref_format(wb, r, tmp, sizeof tmp);
		buf_adds(b, tmp);
		return;
	}
	spell_part(b, r, 0);
	if (r->flags & SHEET_REF_RANGE) {
		buf_addc(b, ':');
		spell_part(b, r, 1);
	}
}

static int rewrite_tok(size_t pos, size_t len, const struct sheet_ref *ref, int missing, void *arg)
{
	struct rewrite *rw = arg;
	struct sheet_ref r = *ref;
	int gone;

	if (missing)
		return 0;
	gone = sheet_adjust_ref(rw->adj, &r);
	if (!gone && r.r1 == ref->r1 && r.r2 == ref->r2 && r.c1 == ref->c1 && r.c2 == ref->c2 &&
	    r.sheet == ref->sheet && r.flags == ref->flags)
		return 0;
	buf_add(rw->out, rw->src + rw->copied, pos - rw->copied);
	if (gone)
		buf_adds(rw->out, "#REF!");
	else
		spell_ref(rw->out, rw->wb, &r);
	rw->copied = pos + len;
	rw->changed = 1;
	return 0;
}

char *sheet_adjust_src(struct sheet_book *wb, int sheet, const char *src,
		       const struct sheet_adjust *adj)
{
	struct buf out;
	struct rewrite rw = { wb, src, adj, &out, 0, 0 };
	char *s = NULL;

	buf_init(&out);
	if (sheet_formula_refs(wb, sheet, src, rewrite_tok, &rw) == 0 && rw.changed) {
		buf_adds(&out, src + rw.copied);
		s = xstrndup(out.data, out.len);
	}
	buf_free(&out);
	return s;
}

/* Spelling a source again from the references it was written for
 * (srefs) to those its code has now. Reference tokens come in the order
 * of the code's references, with the named ranges' among them, so each
 * token is matched to the next equal old reference; where two are equal
 * their new ones are too (an adjustment is a function of the reference). */
struct respell {
	struct sheet_book *wb;
	const struct sheet_formula *fm;
	struct buf out;
	size_t copied;
	uint32_t next;
};

static int respell_tok(size_t pos, size_t len, const struct sheet_ref *ref, int missing, void *arg)
{
	struct respell *rs = arg;
	const struct sheet_code *c = rs->fm->code;
	uint32_t k = rs->next;
	const struct sheet_ref *o;

	if (missing)
		return 0;
	while (k < c->nrefs && !ref_same(&rs->fm->srefs[k], ref))
		k++;
	if (k == c->nrefs)
		return 0;
	rs->next = k + 1;
	o = &rs->fm->srefs[k];
	if (ref_same(o, &c->refs[k]))
		return 0;
	buf_add(&rs->out, rs->fm->src + rs->copied, pos - rs->copied);
	spell_ref(&rs->out, rs->wb, &c->refs[k]);
	rs->copied = pos + len;
	return 0;
}

const char *sheet_formula_src(struct sheet_book *wb, uint32_t i)
{
	struct sheet_formula *fm = &wb->fs[i];
	struct respell rs = { wb, fm, { 0 }, 0, 0 };

	if (fm->srefs == NULL || fm->src == NULL || fm->code == NULL)
		return fm->src;
	buf_init(&rs.out);
	if (sheet_formula_refs(wb, fm->sheet, fm->src, respell_tok, &rs) == 0 && rs.copied > 0) {
		buf_adds(&rs.out, fm->src + rs.copied);
		free(fm->src);
		fm->src = xstrndup(rs.out.data, rs.out.len);
	}
	buf_free(&rs.out);
	free(fm->srefs);
	fm->srefs = NULL;
	return fm->src;
}

/* ---- snapshots ------------------------------------------------------------ */

void sheet_snap_take(const struct sheet_file *f, int sheet, uint32_t row, uint32_t col,
		     struct sheet_snap *s)
{
	const struct sheet_note *n = sheet_file_note_at(f, sheet, row, col);
	const char *src = sheet_file_formula_at(f, sheet, row, col);
	struct sheet_value v;
	char tmp[40];

	memset(s, 0, sizeof *s);
	if (n) {
		s->fmt = n->fmt ? xstrdup(n->fmt) : NULL;
		s->date = n->date && !n->fmt;
	}
	if (src) {
		s->kind = SHEET_SNAP_INPUT;
		s->text = xstrdup(src);
		return;
	}
	sheet_get(f->wb, sheet, row, col, &v);
	switch (v.type) {
	case SHEET_TEXT:
		s->kind = SHEET_SNAP_TEXT;
		s->text = xstrdup(v.str ? v.str : "");
		break;
	case SHEET_ERROR:
		s->kind = SHEET_SNAP_ERROR;
		s->err = v.err;
		break;
	case SHEET_NUM:
		s->kind = SHEET_SNAP_INPUT;
		sheet_io_num(v.num, tmp, sizeof tmp);
		s->text = xstrdup(tmp);
		break;
	case SHEET_BOOL:
		s->kind = SHEET_SNAP_INPUT;
		s->text = xstrdup(v.num != 0 ? "TRUE" : "FALSE");
		break;
	default:
		s->kind = SHEET_SNAP_EMPTY;
	}
}

void sheet_snap_restore(struct sheet_file *f, int sheet, uint32_t row, uint32_t col,
			const struct sheet_snap *s)
{
	int keep = f->sheet;

	f->sheet = sheet; /* the file's functions act on f->sheet (io.h) */
	switch (s->kind) {
	case SHEET_SNAP_INPUT:
		sheet_file_input(f, row, col, s->text, strlen(s->text), 0, 0, NULL);
		break;
	case SHEET_SNAP_TEXT:
		sheet_file_input(f, row, col, s->text, strlen(s->text), 1, 0, NULL);
		break;
	case SHEET_SNAP_ERROR:
		sheet_file_input(f, row, col, "", 0, 0, 0, NULL);
		sheet_set_error(f->wb, sheet, row, col, s->err);
		break;
	default:
		sheet_file_input(f, row, col, "", 0, 0, 0, NULL);
	}
	sheet_file_set_format(f, sheet, row, col, s->fmt);
	if (s->date && !s->fmt)
		sheet_file_note_get(f, sheet, row, col)->date = 1;
	f->sheet = keep;
}

void sheet_snap_free(struct sheet_snap *s)
{
	free(s->text);
	free(s->fmt);
	s->text = s->fmt = NULL;
}

static void snap_copy(struct sheet_snap *dst, const struct sheet_snap *src)
{
	*dst = *src;
	dst->text = src->text ? xstrdup(src->text) : NULL;
	dst->fmt = src->fmt ? xstrdup(src->fmt) : NULL;
}

static int snap_is_formula(const struct sheet_snap *s)
{
	return s->kind == SHEET_SNAP_INPUT && s->text[0] == '=';
}

/* ---- the journal ---------------------------------------------------------- */

static struct sheet_edit *jpush(struct sheet_journal *j)
{
	if (j->n == j->cap) {
		j->cap = j->cap ? j->cap * 2 : 16;
		j->v = xreallocarray(j->v, j->cap, sizeof *j->v);
	}
	memset(&j->v[j->n], 0, sizeof j->v[0]);
	return &j->v[j->n++];
}

void sheet_journal_free(struct sheet_journal *j)
{
	for (size_t i = 0; i < j->n; i++) {
		sheet_snap_free(&j->v[i].before);
		sheet_snap_free(&j->v[i].after);
		free(j->v[i].names);
		free(j->v[i].perm);
	}
	free(j->v);
	memset(j, 0, sizeof *j);
}

/* Set a cell to want, recording before and after. */
static void jcell(struct sheet_file *f, struct sheet_journal *j, int sheet, uint32_t row,
		  uint32_t col, const struct sheet_snap *want)
{
	struct sheet_edit *e = NULL;

	if (j) {
		e = jpush(j);
		e->sheet = sheet;
		e->row = row;
		e->col = col;
		sheet_snap_take(f, sheet, row, col, &e->before);
	}
	sheet_snap_restore(f, sheet, row, col, want);
	if (e)
		sheet_snap_take(f, sheet, row, col, &e->after);
}

/* A formula's new source, keeping the cell's format. */
static void jsource(struct sheet_file *f, struct sheet_journal *j, int sheet, uint32_t row,
		    uint32_t col, const char *src)
{
	struct sheet_snap s;

	sheet_snap_take(f, sheet, row, col, &s);
	free(s.text);
	s.kind = SHEET_SNAP_INPUT;
	s.text = xstrdup(src);
	jcell(f, j, sheet, row, col, &s);
	sheet_snap_free(&s);
}

static void shift_apply(struct sheet_file *f, int sheet, enum sheet_axis axis, uint32_t at, long n,
			struct sheet_journal *j);
static void sort_apply(struct sheet_file *f, int sheet, const struct sheet_rect *r,
		       const uint32_t *from, struct sheet_journal *j);

/* Cell entries only: the moves recalculate just what they change. */
static int journal_big(const struct sheet_journal *j)
{
	size_t n = 0;

	for (size_t i = 0; i < j->n; i++)
		n += j->v[i].shift == SHEET_EDIT_CELL;
	return n > BATCH_CELLS;
}

/* The inverse of a sort's permutation (row from[i] went to row i). */
static uint32_t *perm_inverse(const uint32_t *from, uint32_t n)
{
	uint32_t *inv = xreallocarray(NULL, n ? n : 1, sizeof *inv);

	for (uint32_t i = 0; i < n; i++)
		inv[from[i]] = i;
	return inv;
}

static void names_restore(struct sheet_book *wb, const struct sheet_edit *e)
{
	for (size_t i = 0; i < e->nnames && i < wb->nnames; i++)
		wb->names[i].ref = e->names[i];
}

void sheet_journal_undo(struct sheet_file *f, const struct sheet_journal *j)
{
	int big = journal_big(j);

	if (big)
		sheet_recalc_suspend(f->wb);
	for (size_t i = j->n; i-- > 0;) {
		const struct sheet_edit *e = &j->v[i];

		if (e->shift == SHEET_EDIT_SHIFT) {
			shift_apply(f, e->sheet, e->axis, e->at, -e->n, NULL);
			names_restore(f->wb, e);
		} else if (e->shift == SHEET_EDIT_SORT) {
			uint32_t *inv = perm_inverse(e->perm, e->rect.r2 - e->rect.r1 + 1);

			sort_apply(f, e->sheet, &e->rect, inv, NULL);
			free(inv);
		} else {
			sheet_snap_restore(f, e->sheet, e->row, e->col, &e->before);
		}
	}
	if (big)
		sheet_recalc_resume(f->wb);
}

void sheet_journal_redo(struct sheet_file *f, const struct sheet_journal *j)
{
	int big = journal_big(j);

	if (big)
		sheet_recalc_suspend(f->wb);
	for (size_t i = 0; i < j->n; i++) {
		const struct sheet_edit *e = &j->v[i];

		if (e->shift == SHEET_EDIT_SHIFT)
			shift_apply(f, e->sheet, e->axis, e->at, e->n, NULL);
		else if (e->shift == SHEET_EDIT_SORT)
			sort_apply(f, e->sheet, &e->rect, e->perm, NULL);
		else
			sheet_snap_restore(f, e->sheet, e->row, e->col, &e->after);
	}
	if (big)
		sheet_recalc_resume(f->wb);
}

/* ---- moving cells in bulk -------------------------------------------------
 *
 * Cells move as storage: tags and slots are copied a block at a time, a
 * formula keeps its slot in the formula table (its code, value and
 * dependency edges stay valid) and only its position is updated. Inserting
 * one row at the top of a million rows copies 9 MB a column, no more.
 */

struct cellbuf {
	uint8_t *tag;
	union sheet_slot *slot;
	uint32_t cap;
};

static void cellbuf_fit(struct cellbuf *cb, uint32_t n)
{
	if (n <= cb->cap)
		return;
	cb->tag = xreallocarray(cb->tag, n, sizeof *cb->tag);
	cb->slot = xreallocarray(cb->slot, n, sizeof *cb->slot);
	cb->cap = n;
}

static void cellbuf_free(struct cellbuf *cb)
{
	free(cb->tag);
	free(cb->slot);
	memset(cb, 0, sizeof *cb);
}

static uint32_t count_used(const uint8_t *tag, uint32_t n)
{
	uint32_t k = 0;

	for (uint32_t i = 0; i < n; i++)
		k += tag[i] != CELL_EMPTY;
	return k;
}

/* Take rows [lo, lo + n) of a column out into cb (the cells become empty
 * without being freed). */
static void col_take(struct sheet_book *wb, int sheet, uint32_t col, uint32_t lo, uint32_t n,
		     struct cellbuf *cb)
{
	for (uint32_t done = 0; done < n;) {
		uint32_t row = lo + done, i = row % SHEET_BLOCK, k = SHEET_BLOCK - i;
		struct sheet_block *b = sheet_block_at(wb, sheet, row, col);

		if (k > n - done)
			k = n - done;
		if (b == NULL || b->used == 0) {
			memset(cb->tag + done, CELL_EMPTY, k);
		} else {
			memcpy(cb->tag + done, b->tag + i, k);
			memcpy(cb->slot + done, b->slot + i, k * sizeof *b->slot);
			b->used -= count_used(b->tag + i, k);
			memset(b->tag + i, CELL_EMPTY, k);
			memset(b->slot + i, 0, k * sizeof *b->slot);
		}
		done += k;
	}
}

/* Put cb's n cells at rows [lo, lo + n) of a column, which are empty. */
static void col_put(struct sheet_book *wb, int sheet, uint32_t col, uint32_t lo, uint32_t n,
		    const struct cellbuf *cb)
{
	for (uint32_t done = 0; done < n;) {
		uint32_t row = lo + done, i = row % SHEET_BLOCK, k = SHEET_BLOCK - i;
		uint32_t used;
		struct sheet_block *b;

		if (k > n - done)
			k = n - done;
		used = count_used(cb->tag + done, k);
		if (used > 0) {
			b = sheet_block_get(wb, sheet, row, col);
			memcpy(b->tag + i, cb->tag + done, k);
			memcpy(b->slot + i, cb->slot + done, k * sizeof *b->slot);
			b->used += used;
			for (uint32_t x = 0; x < k; x++)
				if (cb->tag[done + x] == CELL_FORMULA) {
					wb->fs[cb->slot[done + x].u].row = row + x;
					wb->fs[cb->slot[done + x].u].col = col;
				}
		}
		done += k;
	}
}

/* Every formula of a column is told its column. */
static void col_renumber(struct sheet_book *wb, int sheet, uint32_t col)
{
	const struct sheet_col *c = &wb->sheets[sheet].cols[col];

	for (uint32_t bi = 0; bi < c->nblocks; bi++) {
		const struct sheet_block *b = c->blocks[bi];

		if (b == NULL || b->used == 0)
			continue;
		for (uint32_t i = 0; i < SHEET_BLOCK; i++)
			if (b->tag[i] == CELL_FORMULA)
				wb->fs[b->slot[i].u].col = col;
	}
}

/* The sheet's extent after cells moved out of its edge. */
static void extent_fix(struct sheet_book *wb, int sheet)
{
	struct sheet_sheet *sh = &wb->sheets[sheet];
	uint32_t rows = 0, cols = 0;

	for (uint32_t c = 0; c < sh->ncols; c++) {
		const struct sheet_col *col = &sh->cols[c];

		for (uint32_t bi = col->nblocks; bi-- > 0;) {
			const struct sheet_block *b = col->blocks[bi];
			uint32_t i;

			if (b == NULL || b->used == 0)
				continue;
			for (i = SHEET_BLOCK; i-- > 0;)
				if (b->tag[i] != CELL_EMPTY)
					break;
			if (bi * SHEET_BLOCK + i + 1 > rows)
				rows = bi * SHEET_BLOCK + i + 1;
			cols = c + 1;
			break;
		}
	}
	sh->rows = rows;
	sh->maxcol = cols;
}

/* Empty rows or columns [at, at + m) (no journal: the operation recorded
 * them already; this is for redo). */
static void band_empty(struct sheet_book *wb, int sheet, enum sheet_axis axis, uint32_t at,
		       uint32_t m)
{
	const struct sheet_sheet *sh = &wb->sheets[sheet];
	int rows = axis == SHEET_AXIS_ROWS;
	uint32_t c0 = rows ? 0 : at, c1 = rows ? sh->maxcol : at + m;
	uint32_t r0 = rows ? at : 0, r1 = rows ? at + m : sh->rows;

	if (c1 > sh->maxcol)
		c1 = sh->maxcol;
	if (r1 > sh->rows)
		r1 = sh->rows;
	for (uint32_t c = c0; c < c1; c++)
		for (uint32_t r = r0; r < r1; r++) {
			const struct sheet_block *b = sheet_block_at(wb, sheet, r, c);

			if (b != NULL && b->tag[r % SHEET_BLOCK] != CELL_EMPTY)
				sheet_cell_store(wb, sheet, r, c, CELL_EMPTY,
						 (union sheet_slot){ .u = 0 });
		}
}

static void move_rows(struct sheet_book *wb, int sheet, uint32_t at, long n)
{
	struct sheet_sheet *sh = &wb->sheets[sheet];
	uint32_t rows = sh->rows, m = n < 0 ? (uint32_t)-n : (uint32_t)n;
	uint32_t from = n > 0 ? at : at + m;
	struct cellbuf cb = { 0 };

	if (from >= rows)
		return;
	cellbuf_fit(&cb, rows - from);
	for (uint32_t c = 0; c < sh->maxcol; c++) {
		col_take(wb, sheet, c, from, rows - from, &cb);
		col_put(wb, sheet, c, n > 0 ? from + m : from - m, rows - from, &cb);
	}
	cellbuf_free(&cb);
}

/* Columns move as whole column structures: no cell is copied. */
static void move_cols(struct sheet_book *wb, int sheet, uint32_t at, long n)
{
	struct sheet_sheet *sh = &wb->sheets[sheet];
	uint32_t m = n < 0 ? (uint32_t)-n : (uint32_t)n, end = sh->maxcol, lo, hi;
	struct sheet_col *keep;

	if (at >= end)
		return;
	if (n > 0) {
		sheet_block_get(wb, sheet, 0, end + m - 1); /* room for them */
		/* cols[at, end + m) turns right by m: the m empty ones at its
		 * end come in at `at`. */
		keep = xreallocarray(NULL, m, sizeof *keep);
		memcpy(keep, sh->cols + end, m * sizeof *keep);
		memmove(sh->cols + at + m, sh->cols + at, (end - at) * sizeof *keep);
		memcpy(sh->cols + at, keep, m * sizeof *keep);
		lo = at + m, hi = end + m;
	} else {
		if (at + m > sh->ncols)
			m = sh->ncols - at;
		/* cols[at, ncols) turns left by m: the emptied ones go last. */
		keep = xreallocarray(NULL, m ? m : 1, sizeof *keep);
		memcpy(keep, sh->cols + at, m * sizeof *keep);
		memmove(sh->cols + at, sh->cols + at + m, (sh->ncols - at - m) * sizeof *keep);
		memcpy(sh->cols + sh->ncols - m, keep, m * sizeof *keep);
		lo = at, hi = end > m ? end - m : 0;
	}
	free(keep);
	for (uint32_t c = lo; c < hi; c++)
		col_renumber(wb, sheet, c);
}

struct moved_note {
	uint32_t row, col;
	int date;
	char *src;       /* with its message (sheet_note_keep) */
	const char *fmt; /* borrowed from the file's table of codes */
};

/* Where a cell goes under a shift; 1 when it is deleted. */
static int shift_pos(enum sheet_axis axis, uint32_t at, long n, uint32_t *row, uint32_t *col)
{
	uint32_t *v = axis == SHEET_AXIS_ROWS ? row : col;

	if (*v < at)
		return 0;
	if (n > 0) {
		*v += (uint32_t)n;
		return 0;
	}
	if (*v < at + (uint32_t)-n)
		return 1;
	*v -= (uint32_t)-n;
	return 0;
}

/* Notes (dates, formats, kept sources) follow their cells; those of
 * deleted cells go. */
static void shift_notes(struct sheet_file *f, int sheet, enum sheet_axis axis, uint32_t at,
			long n)
{
	struct moved_note *mv = NULL;
	size_t nmv = 0, cap = 0;

	for (size_t i = 0; i < f->capnotes; i++) {
		struct sheet_note *no = &f->notes[i];
		uint64_t k = no->key - 1;
		uint32_t row, col;

		if (no->key == 0 || (int)(k >> 36) != sheet ||
		    !(no->date || no->src || no->fmt))
			continue;
		row = (uint32_t)(k >> 16) & 0xfffff;
		col = (uint32_t)k & 0xffff;
		if ((axis == SHEET_AXIS_ROWS ? row : col) < at)
			continue;
		if (shift_pos(axis, at, n, &row, &col) == 0) {
			if (nmv == cap) {
				cap = cap ? cap * 2 : 16;
				mv = xreallocarray(mv, cap, sizeof *mv);
			}
			mv[nmv++] = (struct moved_note){ row, col, no->date, no->src, no->fmt };
		} else {
			free(no->src);
		}
		no->src = NULL;
		no->fmt = NULL;
		no->date = 0;
	}
	for (size_t i = 0; i < nmv; i++) {
		struct sheet_note *no = sheet_file_note_get(f, sheet, mv[i].row, mv[i].col);

		no->date = mv[i].date;
		no->src = mv[i].src;
		no->fmt = mv[i].fmt;
	}
	free(mv);
}

/* Column widths move with their columns. */
static void shift_widths(struct sheet_file *f, int sheet, uint32_t at, long n)
{
	uint32_t last = 0;

	if (sheet >= f->ncolw)
		return;
	last = f->colw[sheet].n;
	if (n > 0) {
		for (uint32_t c = last; c-- > at;)
			if (c + (uint32_t)n < SHEET_MAX_COLS)
				sheet_file_set_col_width(f, sheet, c + (uint32_t)n,
							 sheet_file_col_width(f, sheet, c));
		for (uint32_t c = at; c < at + (uint32_t)n && c < last; c++)
			sheet_file_set_col_width(f, sheet, c, 0);
		return;
	}
	for (uint32_t c = at; c < last; c++)
		sheet_file_set_col_width(f, sheet, c,
					 c + (uint32_t)-n < last
						 ? sheet_file_col_width(f, sheet, c + (uint32_t)-n)
						 : 0);
}

/* ---- references follow a move, in place ------------------------------------
 *
 * A formula's compiled references are adjusted where they are and its
 * source is re-spelt from the same adjustment (the lexer's walk, no
 * compilation). Undo is the inverse operation; a formula goes into the
 * journal only when the inverse would not give it back (a reference that
 * became #REF! or was cut at the sheet's edge): it is "pinned" with its old
 * source. What must be recalculated is worked out from the move: a formula
 * whose references still reach the same cells, moved or not, keeps its
 * value.
 */

enum { MOVE_SHIFT, MOVE_SORT };

struct mover {
	int kind;
	int sheet;
	enum sheet_axis axis;	 /* SHIFT */
	uint32_t at;		 /* SHIFT */
	long n;			 /* SHIFT */
	struct sheet_rect rect;	 /* SORT */
	const uint32_t *inv;	 /* SORT: row i of rect went to row inv[i] */
};

struct follow {
	struct sheet_file *f;
	struct sheet_journal *j; /* pins go here; NULL when undoing, redoing */
	struct mover mv;
	uint32_t *starts;
	uint32_t nstarts, capstarts;
	struct sheet_ref *tmp;
	uint32_t captmp;
};

static void start_push(struct follow *fw, uint32_t i)
{
	if (fw->nstarts == fw->capstarts) {
		fw->capstarts = fw->capstarts ? fw->capstarts * 2 : 64;
		fw->starts = xreallocarray(fw->starts, fw->capstarts, sizeof *fw->starts);
	}
	fw->starts[fw->nstarts++] = i;
}

/* Where the content of a cell went; 1 when it was deleted. */
static int mover_cell(const struct mover *mv, int sheet, uint32_t *row, uint32_t *col)
{
	const struct sheet_rect *r = &mv->rect;

	if (sheet != mv->sheet)
		return 0;
	if (mv->kind == MOVE_SHIFT)
		return shift_pos(mv->axis, mv->at, mv->n, row, col);
	if (*row >= r->r1 && *row <= r->r2 && *col >= r->c1 && *col <= r->c2)
		*row = r->r1 + mv->inv[*row - r->r1];
	return 0;
}

/* Did the content of a range move as one piece? 1 with the displacement. */
static int mover_range(const struct mover *mv, const struct sheet_ref *ref, long *dr, long *dc)
{
	const struct sheet_rect *r = &mv->rect;
	uint32_t lo, hi, m = mv->n < 0 ? (uint32_t)-mv->n : 0;
	int rows = mv->axis == SHEET_AXIS_ROWS;

	*dr = *dc = 0;
	if (ref->sheet != mv->sheet)
		return 1;
	if (mv->kind == MOVE_SORT)
		return ref->r2 < r->r1 || ref->r1 > r->r2 || ref->c2 < r->c1 || ref->c1 > r->c2;
	if (ref->flags & (rows ? SHEET_REF_COLS : SHEET_REF_ROWS))
		return 0; /* A:A holds the rows that moved inside it */
	lo = rows ? ref->r1 : ref->c1;
	hi = rows ? ref->r2 : ref->c2;
	if (hi < mv->at)
		return 1;
	if (lo < mv->at + m)
		return 0; /* across the place of the insertion, or deleted cells */
	*(rows ? dr : dc) = mv->n;
	return 1;
}

/* Does old reach the same cells as now (adjusted to now), seen from a
 * formula that moved from (pr, pc) to (nr, nc)? Implicit intersection
 * counts: a range read from a formula's row must keep its place. */
static int ref_follows(const struct mover *mv, const struct sheet_ref *old,
		       const struct sheet_ref *now, uint32_t pr, uint32_t pc, uint32_t nr,
		       uint32_t nc)
{
	long dr, dc;

	if (old->r1 == old->r2 && old->c1 == old->c2 &&
	    !(old->flags & (SHEET_REF_COLS | SHEET_REF_ROWS))) {
		uint32_t row = old->r1, col = old->c1;

		if (mover_cell(mv, old->sheet, &row, &col))
			return 0;
		return now->sheet == old->sheet && now->r1 == row && now->r2 == row &&
		       now->c1 == col && now->c2 == col; /* $A$1:A1 may have grown */
	}
	if (!mover_range(mv, old, &dr, &dc))
		return 0;
	if ((long)now->r1 - (long)old->r1 != dr || (long)now->r2 - (long)old->r2 != dr ||
	    (long)now->c1 - (long)old->c1 != dc || (long)now->c2 - (long)old->c2 != dc)
		return 0;
	int in0 = pr >= old->r1 && pr <= old->r2, in1 = nr >= now->r1 && nr <= now->r2;

	if (in0 != in1 || (in0 && pr - old->r1 != nr - now->r1))
		return 0;
	in0 = pc >= old->c1 && pc <= old->c2;
	in1 = nc >= now->c1 && nc <= now->c2;
	return in0 == in1 && (!in0 || pc - old->c1 == nc - now->c1);
}

/* ROW() and COLUMN() tell where a formula or reference is. */
static int uses_position(const struct sheet_code *c)
{
	for (uint32_t i = 0; i < c->nins; i++)
		if (c->ins[i].op == OP_FUNC) {
			const char *name = sheet_func_at(c->ins[i].fn)->name;

			if (strcmp(name, "ROW") == 0 || strcmp(name, "COLUMN") == 0)
				return 1;
		}
	return 0;
}

/* The pinned formula: before and after are its source as it is, so redo
 * puts it back before the move adjusts it, and undo after the inverse. */
static void pin(struct follow *fw, const struct sheet_formula *fm)
{
	struct sheet_edit *e;

	if (fw->j == NULL)
		return;
	e = jpush(fw->j);
	e->sheet = fm->sheet;
	e->row = fm->row;
	e->col = fm->col;
	sheet_snap_take(fw->f, fm->sheet, fm->row, fm->col, &e->before);
	snap_copy(&e->after, &e->before);
}

/* A formula whose references the inverse cannot give back: its source is
 * rewritten (#REF! where one is gone) and compiled again. */
static void follow_slow(struct follow *fw, uint32_t i, const struct sheet_adjust *adj)
{
	struct sheet_book *wb = fw->f->wb;
	struct sheet_formula *fm = &wb->fs[i];
	struct sheet_code *code;
	char *src;

	pin(fw, fm);
	src = sheet_adjust_src(wb, fm->sheet, sheet_formula_src(wb, i), adj);
	if (sheet_compile(wb, fm->sheet, src ? src : fm->src, &code, NULL) == 0) {
		sheet_code_free(fm->code);
		fm->code = code;
		free(fm->srefs);
		fm->srefs = NULL;
		wb->compiles++;
		if (src) {
			free(fm->src);
			fm->src = src;
			src = NULL;
		}
	}
	free(src);
	start_push(fw, i);
}

/* Formula i under adj (NULL: its references stay) with inverse inv; it
 * moves to (nr, nc). */
static void follow(struct follow *fw, uint32_t i, const struct sheet_adjust *adj,
		   const struct sheet_adjust *inv, uint32_t nr, uint32_t nc)
{
	struct sheet_book *wb = fw->f->wb;
	struct sheet_formula *fm = &wb->fs[i];
	struct sheet_code *c = fm->code;
	int changed = 0, start = 0;

	if (c->nrefs > fw->captmp) {
		fw->captmp = c->nrefs * 2;
		fw->tmp = xreallocarray(fw->tmp, fw->captmp, sizeof *fw->tmp);
	}
	for (uint32_t k = 0; k < c->nrefs; k++) {
		struct sheet_ref r = c->refs[k], back;

		if (adj != NULL) {
			if (sheet_adjust_ref(adj, &r)) {
				follow_slow(fw, i, adj);
				return;
			}
			back = r;
			if (sheet_adjust_ref(inv, &back) || !ref_same(&back, &c->refs[k])) {
				follow_slow(fw, i, adj);
				return;
			}
			changed |= !ref_same(&r, &c->refs[k]);
		}
		fw->tmp[k] = r;
		if (!start)
			start = !ref_follows(&fw->mv, &c->refs[k], &r, fm->row, fm->col, nr, nc);
	}
	if (changed) {
		/* The source is spelt again when it is read: most never are. */
		if (fm->srefs == NULL) {
			fm->srefs = xreallocarray(NULL, c->nrefs, sizeof *fm->srefs);
			memcpy(fm->srefs, c->refs, c->nrefs * sizeof *c->refs);
		}
		memcpy(c->refs, fw->tmp, c->nrefs * sizeof *c->refs);
		wb->adjusts++;
	}
	if (start || ((changed || nr != fm->row || nc != fm->col) && uses_position(c)))
		start_push(fw, i);
}

/* Rebuild the graph once and recalculate what the move changed. */
static void follow_done(struct follow *fw)
{
	sheet_deps_rebuild(fw->f->wb);
	sheet_recalc_from(fw->f->wb, fw->starts, fw->nstarts);
	free(fw->starts);
	free(fw->tmp);
}

/* Named ranges follow; *backup gets every name's old reference when one
 * of them cannot be given back by the inverse (NULL otherwise). */
static void names_follow(struct sheet_book *wb, const struct sheet_adjust *adj,
			 const struct sheet_adjust *inv, struct sheet_ref **backup)
{
	int keep = 0;

	*backup = NULL;
	for (size_t i = 0; i < wb->nnames; i++) {
		struct sheet_ref r = wb->names[i].ref, back;

		if (r.sheet < 0)
			continue;
		if (sheet_adjust_ref(adj, &r)) {
			keep = 1;
			continue;
		}
		back = r;
		if (sheet_adjust_ref(inv, &back) || !ref_same(&back, &wb->names[i].ref))
			keep = 1;
	}
	if (keep) {
		*backup = xreallocarray(NULL, wb->nnames, sizeof **backup);
		for (size_t i = 0; i < wb->nnames; i++)
			(*backup)[i] = wb->names[i].ref;
	}
	for (size_t i = 0; i < wb->nnames; i++) {
		struct sheet_ref *r = &wb->names[i].ref;

		if (r->sheet >= 0 && sheet_adjust_ref(adj, r))
			r->sheet = -1; /* its cells are gone: the name is #REF! */
	}
}

static void shift_apply(struct sheet_file *f, int sheet, enum sheet_axis axis, uint32_t at, long n,
			struct sheet_journal *j)
{
	struct sheet_book *wb = f->wb;
	struct sheet_adjust adj = { .kind = SHEET_ADJ_SHIFT, .sheet = sheet, .axis = axis,
				    .at = at, .n = n };
	struct sheet_adjust inv = adj;
	struct follow fw = { .f = f, .j = j };
	struct sheet_ref *backup;
	struct sheet_edit *ed;

	inv.n = -n;
	fw.mv = (struct mover){ .kind = MOVE_SHIFT, .sheet = sheet, .axis = axis, .at = at, .n = n };
	if (n < 0)
		band_empty(wb, sheet, axis, at, (uint32_t)-n);
	names_follow(wb, &adj, &inv, &backup);
	for (uint32_t i = 0; i < wb->nfs; i++) {
		const struct sheet_formula *fm = &wb->fs[i];
		uint32_t row = fm->row, col = fm->col;

		if (fm->code == NULL || fm->src == NULL)
			continue;
		if (fm->sheet == sheet && shift_pos(axis, at, n, &row, &col))
			continue; /* in the deleted band: emptied above */
		follow(&fw, i, &adj, &inv, row, col);
	}
	if (j != NULL) {
		ed = jpush(j);
		ed->shift = SHEET_EDIT_SHIFT;
		ed->sheet = sheet;
		ed->axis = axis;
		ed->at = at;
		ed->n = n;
		ed->names = backup;
		ed->nnames = backup ? wb->nnames : 0;
	} else {
		free(backup);
	}
	if (axis == SHEET_AXIS_ROWS) {
		move_rows(wb, sheet, at, n);
	} else {
		move_cols(wb, sheet, at, n);
		shift_widths(f, sheet, at, n);
	}
	extent_fix(wb, sheet);
	shift_notes(f, sheet, axis, at, n);
	follow_done(&fw);
}

/* ---- rewriting every formula -------------------------------------------- */

struct pending {
	int sheet;
	uint32_t row, col;
	char *src;
};

struct pendings {
	struct pending *v;
	size_t n, cap;
};

/* Does adj change any of the compiled references? Every reference token
 * of the source is one of them, so when none changes the source does not
 * either, and is not read. */
static int code_moves(const struct sheet_code *c, const struct sheet_adjust *adj)
{
	for (uint32_t k = 0; k < c->nrefs; k++) {
		struct sheet_ref r = c->refs[k];

		if (sheet_adjust_ref(adj, &r) || !ref_same(&r, &c->refs[k]))
			return 1;
	}
	return 0;
}

/* Every formula of the workbook whose source adj changes. */
static void collect_rewrites(struct sheet_book *wb, const struct sheet_adjust *adj,
			     struct pendings *out)
{
	for (uint32_t i = 0; i < wb->nfs; i++) {
		const struct sheet_formula *fm = &wb->fs[i];
		char *src;

		if (fm->code == NULL || fm->src == NULL || !code_moves(fm->code, adj))
			continue;
		src = sheet_adjust_src(wb, fm->sheet, sheet_formula_src(wb, i), adj);
		if (src == NULL)
			continue;
		if (out->n == out->cap) {
			out->cap = out->cap ? out->cap * 2 : 16;
			out->v = xreallocarray(out->v, out->cap, sizeof *out->v);
		}
		out->v[out->n++] = (struct pending){ fm->sheet, fm->row, fm->col, src };
	}
}

static void pendings_free(struct pendings *p)
{
	for (size_t i = 0; i < p->n; i++)
		free(p->v[i].src);
	free(p->v);
	memset(p, 0, sizeof *p);
}

/* ---- insert and delete --------------------------------------------------- */

struct band {
	struct sheet_file *f;
	struct sheet_journal *j;
};

static int clear_one(const struct sheet_value *v, uint32_t row, uint32_t col, void *arg)
{
	struct band *b = arg;
	struct sheet_snap empty = { 0 };

	(void)v;
	jcell(b->f, b->j, b->f->sheet, row, col, &empty);
	return 0;
}

/* Cells of the deleted band that hold only a format or a date flag:
 * collected first, since clearing them changes the table of notes. */
static void clear_noted(struct sheet_file *f, struct sheet_journal *j, const struct sheet_rect *r)
{
	struct sheet_snap empty = { 0 };
	struct sheet_rect *cells = NULL;
	size_t n = 0, cap = 0;

	for (size_t i = 0; i < f->capnotes; i++) {
		const struct sheet_note *no = &f->notes[i];
		uint64_t k = no->key - 1;
		uint32_t row, col;

		if (no->key == 0 || (int)(k >> 36) != f->sheet || !(no->date || no->src || no->fmt))
			continue;
		row = (uint32_t)(k >> 16) & 0xfffff;
		col = (uint32_t)k & 0xffff;
		if (row < r->r1 || row > r->r2 || col < r->c1 || col > r->c2)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			cells = xreallocarray(cells, cap, sizeof *cells);
		}
		cells[n++] = (struct sheet_rect){ row, col, row, col };
	}
	for (size_t i = 0; i < n; i++)
		jcell(f, j, f->sheet, cells[i].r1, cells[i].c1, &empty);
	free(cells);
}

int sheet_op_shift(struct sheet_file *f, enum sheet_axis axis, uint32_t at, long n,
		   struct sheet_journal *j, struct err *e)
{
	uint32_t rows, cols, max = axis == SHEET_AXIS_ROWS ? SHEET_MAX_ROWS : SHEET_MAX_COLS;
	uint32_t ext;
	struct sheet_journal local = { 0 };

	if (j == NULL)
		j = &local;
	sheet_extent(f->wb, f->sheet, &rows, &cols);
	ext = axis == SHEET_AXIS_ROWS ? rows : cols;
	if (n == 0 || at >= max)
		return 0;
	if (n > 0 && ext > at && (uint64_t)ext + (uint64_t)n > max)
		return err_tr(e, E_RANGE, "sheets.err.off_sheet", TR_N(n));
	if (n < 0 && (uint64_t)at + (uint64_t)-n > max)
		n = -(long)(max - at);
	if (n < 0) {
		struct sheet_rect band = { 0, 0, SHEET_MAX_ROWS - 1, SHEET_MAX_COLS - 1 };
		struct sheet_ref ref;
		struct band b = { f, j };

		if (axis == SHEET_AXIS_ROWS)
			band.r1 = at, band.r2 = at + (uint32_t)-n - 1;
		else
			band.c1 = at, band.c2 = at + (uint32_t)-n - 1;
		ref = (struct sheet_ref){ f->sheet, band.r1, band.c1, band.r2, band.c2, 0 };
		/* No recalculation per deleted cell: what read them is
		 * recalculated after the move (its references changed). */
		f->wb->suspended++;
		sheet_range_each(f->wb, &ref, clear_one, &b);
		clear_noted(f, j, &band);
		f->wb->suspended--;
	}
	shift_apply(f, f->sheet, axis, at, n, j);
	sheet_journal_free(&local);
	return 0;
}

/* ---- copy, cut, paste, fill, clear ------------------------------------- */

static int cell_empty(const struct sheet_file *f, uint32_t row, uint32_t col);

static uint32_t rect_rows(const struct sheet_rect *r)
{
	return r->r2 - r->r1 + 1;
}

static uint32_t rect_cols(const struct sheet_rect *r)
{
	return r->c2 - r->c1 + 1;
}

void sheet_clip_take(const struct sheet_file *f, const struct sheet_rect *r, int cut,
		     struct sheet_clip *c)
{
	size_t k = 0;

	memset(c, 0, sizeof *c);
	c->sheet = f->sheet;
	c->src = *r;
	c->cut = cut;
	if (cut)
		return;
	c->cells = xcalloc((size_t)rect_rows(r) * rect_cols(r), sizeof *c->cells);
	for (uint32_t row = r->r1; row <= r->r2; row++)
		for (uint32_t col = r->c1; col <= r->c2; col++)
			sheet_snap_take(f, f->sheet, row, col, &c->cells[k++]);
}

void sheet_clip_free(struct sheet_clip *c)
{
	if (c->cells)
		for (size_t k = 0; k < (size_t)rect_rows(&c->src) * rect_cols(&c->src); k++)
			sheet_snap_free(&c->cells[k]);
	free(c->cells);
	memset(c, 0, sizeof *c);
}

/* Put snapshot s, taken at (r0, c0), at (row, col) as a copy would. */
static void put_copy(struct sheet_file *f, struct sheet_journal *j, const struct sheet_snap *s,
		     uint32_t r0, uint32_t c0, uint32_t row, uint32_t col)
{
	struct sheet_adjust adj = { .kind = SHEET_ADJ_OFFSET, .drow = (long)row - (long)r0,
				    .dcol = (long)col - (long)c0 };
	struct sheet_snap w;
	char *src;

	snap_copy(&w, s);
	if (snap_is_formula(&w) && (src = sheet_adjust_src(f->wb, f->sheet, w.text, &adj))) {
		free(w.text);
		w.text = src;
	}
	jcell(f, j, f->sheet, row, col, &w);
	sheet_snap_free(&w);
}

static int paste_cut(struct sheet_file *f, const struct sheet_clip *c, uint32_t row, uint32_t col,
		     struct sheet_journal *j)
{
	struct sheet_adjust adj = { .kind = SHEET_ADJ_MOVE, .sheet = c->sheet, .from = c->src,
				    .drow = (long)row - (long)c->src.r1,
				    .dcol = (long)col - (long)c->src.c1 };
	struct sheet_rect to = { row, col, row + rect_rows(&c->src) - 1,
				 col + rect_cols(&c->src) - 1 };
	size_t n = (size_t)rect_rows(&c->src) * rect_cols(&c->src), k = 0;
	struct sheet_snap *cells = xcalloc(n, sizeof *cells);
	struct sheet_snap empty = { 0 };
	struct pendings p = { 0 };

	if (c->sheet != f->sheet)
		return E_USAGE; /* the grid cuts and pastes on one sheet */
	for (uint32_t r = c->src.r1; r <= c->src.r2; r++)
		for (uint32_t cc = c->src.c1; cc <= c->src.c2; cc++) {
			struct sheet_snap *s = &cells[k++];
			char *src;

			sheet_snap_take(f, c->sheet, r, cc, s);
			if (snap_is_formula(s) &&
			    (src = sheet_adjust_src(f->wb, c->sheet, s->text, &adj))) {
				free(s->text);
				s->text = src;
			}
		}
	collect_rewrites(f->wb, &adj, &p);
	sheet_recalc_suspend(f->wb);
	for (uint32_t r = c->src.r1; r <= c->src.r2; r++)
		for (uint32_t cc = c->src.c1; cc <= c->src.c2; cc++)
			if (r < to.r1 || r > to.r2 || cc < to.c1 || cc > to.c2)
				jcell(f, j, c->sheet, r, cc, &empty);
	for (size_t i = 0; i < p.n; i++) {
		const struct pending *q = &p.v[i];
		int in_from = q->sheet == c->sheet && q->row >= c->src.r1 && q->row <= c->src.r2 &&
			      q->col >= c->src.c1 && q->col <= c->src.c2;
		int in_to = q->sheet == f->sheet && q->row >= to.r1 && q->row <= to.r2 &&
			    q->col >= to.c1 && q->col <= to.c2;

		if (!in_from && !in_to)
			jsource(f, j, q->sheet, q->row, q->col, q->src);
	}
	k = 0;
	for (uint32_t r = to.r1; r <= to.r2; r++)
		for (uint32_t cc = to.c1; cc <= to.c2; cc++)
			jcell(f, j, f->sheet, r, cc, &cells[k++]);
	sheet_recalc_resume(f->wb);
	for (k = 0; k < n; k++)
		sheet_snap_free(&cells[k]);
	free(cells);
	pendings_free(&p);
	return 0;
}

int sheet_op_paste(struct sheet_file *f, const struct sheet_clip *c, uint32_t row, uint32_t col,
		   struct sheet_journal *j, struct err *e)
{
	uint32_t nr = rect_rows(&c->src), nc = rect_cols(&c->src);
	size_t k = 0;
	int big = (size_t)nr * nc > BATCH_CELLS;

	if ((uint64_t)row + nr > SHEET_MAX_ROWS || (uint64_t)col + nc > SHEET_MAX_COLS)
		return err_tr(e, E_RANGE, "sheets.err.paste_off", TR_N(nr), TR_N(nc));
	if (c->cut) {
		if (paste_cut(f, c, row, col, j) != 0)
			return err_tr(e, E_USAGE, "sheets.err.cut_sheet", TR_S(sheet_name(f->wb, c->sheet)));
		return 0;
	}
	if (big)
		sheet_recalc_suspend(f->wb);
	for (uint32_t r = 0; r < nr; r++)
		for (uint32_t cc = 0; cc < nc; cc++, k++)
			put_copy(f, j, &c->cells[k], c->src.r1 + r, c->src.c1 + cc, row + r, col + cc);
	if (big)
		sheet_recalc_resume(f->wb);
	return 0;
}

int sheet_op_fill(struct sheet_file *f, const struct sheet_rect *r, enum sheet_axis axis,
		  struct sheet_journal *j, struct err *e)
{
	int rows = axis == SHEET_AXIS_ROWS;
	uint32_t first = rows ? r->r1 : r->c1, last = rows ? r->r2 : r->c2, src, lo, hi;
	int big = (size_t)rect_rows(r) * rect_cols(r) > BATCH_CELLS;

	if (first == last) {
		if (first == 0)
			return err_set(e, E_RANGE, "%s",
				       tr(rows ? "sheets.err.fill_down" : "sheets.err.fill_right"));
		src = first - 1;
	} else {
		src = first;
		first++;
	}
	lo = rows ? r->c1 : r->r1;
	hi = rows ? r->c2 : r->r2;
	if (big)
		sheet_recalc_suspend(f->wb);
	for (uint32_t k = lo; k <= hi; k++) {
		struct sheet_snap s;
		uint32_t sr = rows ? src : k, sc = rows ? k : src;

		sheet_snap_take(f, f->sheet, sr, sc, &s);
		for (uint32_t d = first; d <= last; d++)
			put_copy(f, j, &s, sr, sc, rows ? d : k, rows ? k : d);
		sheet_snap_free(&s);
	}
	if (big)
		sheet_recalc_resume(f->wb);
	return 0;
}

void sheet_op_clear(struct sheet_file *f, const struct sheet_rect *r, struct sheet_journal *j)
{
	struct sheet_rect *cells = NULL;
	size_t n = 0, cap = 0;
	uint32_t rows, cols;

	/* Collect first, then clear. */
	sheet_extent(f->wb, f->sheet, &rows, &cols);
	for (uint32_t row = r->r1; row <= r->r2 && row < rows; row++)
		for (uint32_t col = r->c1; col <= r->c2 && col < cols; col++) {
			if (cell_empty(f, row, col))
				continue;
			if (n == cap) {
				cap = cap ? cap * 2 : 16;
				cells = xreallocarray(cells, cap, sizeof *cells);
			}
			cells[n++] = (struct sheet_rect){ row, col, row, col };
		}
	if (n > BATCH_CELLS)
		sheet_recalc_suspend(f->wb);
	for (size_t i = 0; i < n; i++) {
		struct sheet_snap s;

		/* The format stays, as with Excel's Delete key. */
		sheet_snap_take(f, f->sheet, cells[i].r1, cells[i].c1, &s);
		free(s.text);
		s.text = NULL;
		s.kind = SHEET_SNAP_EMPTY;
		jcell(f, j, f->sheet, cells[i].r1, cells[i].c1, &s);
		sheet_snap_free(&s);
	}
	if (n > BATCH_CELLS)
		sheet_recalc_resume(f->wb);
	free(cells);
}

/* ---- sort ---------------------------------------------------------------- */

struct sortrow {
	uint32_t row;
	struct sheet_value *keys;
};

struct sortctx {
	const struct sheet_sort_key *keys;
	int nkeys;
};

static int vclass(const struct sheet_value *v)
{
	switch (v->type) {
	case SHEET_NUM: return 0;
	case SHEET_TEXT: return v->str && v->str[0] ? 1 : 4;
	case SHEET_BOOL: return 2;
	case SHEET_ERROR: return 3;
	default: return 4;
	}
}

static int vcmp(const struct sheet_value *a, const struct sheet_value *b, int desc)
{
	int ca = vclass(a), cb = vclass(b), d = 0;

	if (ca == 4 || cb == 4)
		return (ca == 4) - (cb == 4); /* blanks last either way */
	if (ca != cb)
		d = ca < cb ? -1 : 1;
	else if (ca == 0 || ca == 2)
		d = a->num < b->num ? -1 : a->num > b->num;
	else if (ca == 1)
		d = txt_collate(a->str, b->str);
	return desc ? -d : d;
}

static int rowcmp(const struct sortctx *cx, const struct sortrow *a, const struct sortrow *b)
{
	for (int k = 0; k < cx->nkeys; k++) {
		int d = vcmp(&a->keys[k], &b->keys[k], cx->keys[k].desc);

		if (d != 0)
			return d;
	}
	return 0;
}

/* A stable merge sort (qsort is not stable and takes no context). */
static void msort(const struct sortctx *cx, struct sortrow *v, struct sortrow *tmp, size_t n)
{
	size_t h = n / 2, i = 0, k = 0, m;

	if (n < 2)
		return;
	msort(cx, v, tmp, h);
	msort(cx, v + h, tmp, n - h);
	m = h;
	while (i < h && m < n)
		tmp[k++] = rowcmp(cx, &v[m], &v[i]) < 0 ? v[m++] : v[i++];
	while (i < h)
		tmp[k++] = v[i++];
	while (m < n)
		tmp[k++] = v[m++];
	memcpy(v, tmp, n * sizeof *v);
}

/* Notes (formats, dates, kept sources) of the sorted rows follow them. */
static void sort_notes(struct sheet_file *f, int sheet, const struct sheet_rect *r,
		       const uint32_t *inv)
{
	struct moved_note *mv = NULL;
	size_t nmv = 0, cap = 0;

	for (size_t i = 0; i < f->capnotes; i++) {
		struct sheet_note *no = &f->notes[i];
		uint64_t k = no->key - 1;
		uint32_t row, col;

		if (no->key == 0 || (int)(k >> 36) != sheet ||
		    !(no->date || no->src || no->fmt))
			continue;
		row = (uint32_t)(k >> 16) & 0xfffff;
		col = (uint32_t)k & 0xffff;
		if (row < r->r1 || row > r->r2 || col < r->c1 || col > r->c2 ||
		    inv[row - r->r1] == row - r->r1)
			continue;
		if (nmv == cap) {
			cap = cap ? cap * 2 : 16;
			mv = xreallocarray(mv, cap, sizeof *mv);
		}
		mv[nmv++] = (struct moved_note){ r->r1 + inv[row - r->r1], col, no->date, no->src,
						 no->fmt };
		no->src = NULL;
		no->fmt = NULL;
		no->date = 0;
	}
	for (size_t i = 0; i < nmv; i++) {
		struct sheet_note *no = sheet_file_note_get(f, sheet, mv[i].row, mv[i].col);

		no->date = mv[i].date;
		no->src = mv[i].src;
		no->fmt = mv[i].fmt;
	}
	free(mv);
}

/* Put the rows of r in a new order: row i gets what row from[i] held (both
 * relative to r). Formulas move as a copy would (their relative references
 * follow them), as storage, and are adjusted in place. */
static void sort_apply(struct sheet_file *f, int sheet, const struct sheet_rect *r,
		       const uint32_t *from, struct sheet_journal *j)
{
	struct sheet_book *wb = f->wb;
	uint32_t nr = r->r2 - r->r1 + 1, *inv = perm_inverse(from, nr);
	struct follow fw = { .f = f, .j = j };
	struct cellbuf cb = { 0 }, out = { 0 };
	struct sheet_edit *ed;

	fw.mv = (struct mover){ .kind = MOVE_SORT, .sheet = sheet, .rect = *r, .inv = inv };
	for (uint32_t i = 0; i < wb->nfs; i++) {
		const struct sheet_formula *fm = &wb->fs[i];
		struct sheet_adjust adj = { .kind = SHEET_ADJ_OFFSET }, back;
		uint32_t row = fm->row;

		if (fm->code == NULL || fm->src == NULL)
			continue;
		if (fm->sheet == sheet && row >= r->r1 && row <= r->r2 && fm->col >= r->c1 &&
		    fm->col <= r->c2)
			row = r->r1 + inv[row - r->r1];
		adj.drow = (long)row - (long)fm->row;
		back = adj;
		back.drow = -adj.drow;
		follow(&fw, i, adj.drow ? &adj : NULL, &back, row, fm->col);
	}
	if (j != NULL) {
		ed = jpush(j);
		ed->shift = SHEET_EDIT_SORT;
		ed->sheet = sheet;
		ed->rect = *r;
		ed->perm = xreallocarray(NULL, nr, sizeof *ed->perm);
		memcpy(ed->perm, from, nr * sizeof *ed->perm);
	}
	cellbuf_fit(&cb, nr);
	cellbuf_fit(&out, nr);
	for (uint32_t c = r->c1; c <= r->c2; c++) {
		col_take(wb, sheet, c, r->r1, nr, &cb);
		for (uint32_t i = 0; i < nr; i++) {
			out.tag[i] = cb.tag[from[i]];
			out.slot[i] = cb.slot[from[i]];
		}
		col_put(wb, sheet, c, r->r1, nr, &out);
	}
	cellbuf_free(&cb);
	cellbuf_free(&out);
	extent_fix(wb, sheet);
	sort_notes(f, sheet, r, inv);
	free(inv);
	follow_done(&fw);
}

int sheet_op_sort(struct sheet_file *f, const struct sheet_rect *r,
		  const struct sheet_sort_key *keys, int nkeys, struct sheet_journal *j,
		  struct err *e)
{
	uint32_t nr = rect_rows(r);
	struct sortctx cx = { keys, nkeys };
	struct sortrow *rows, *tmp;
	struct sheet_value *kv;
	uint32_t *from;
	int moved = 0;

	for (int k = 0; k < nkeys; k++)
		if (keys[k].col < r->c1 || keys[k].col > r->c2) {
			char name[8];

			sheet_col_name(keys[k].col, name, sizeof name);
			return err_tr(e, E_USAGE, "sheets.err.sort_col", TR_S(name));
		}
	if (nr < 2 || nkeys == 0)
		return 0;
	rows = xcalloc(nr, sizeof *rows);
	tmp = xcalloc(nr, sizeof *tmp);
	kv = xcalloc((size_t)nr * (size_t)nkeys, sizeof *kv);
	for (uint32_t i = 0; i < nr; i++) {
		rows[i].row = r->r1 + i;
		rows[i].keys = kv + (size_t)i * (size_t)nkeys;
		/* Borrowed values stay valid: nothing changes until sorted. */
		for (int k = 0; k < nkeys; k++)
			sheet_get(f->wb, f->sheet, rows[i].row, keys[k].col, &rows[i].keys[k]);
	}
	msort(&cx, rows, tmp, nr);
	from = xreallocarray(NULL, nr, sizeof *from);
	for (uint32_t i = 0; i < nr; i++) {
		from[i] = rows[i].row - r->r1;
		moved |= from[i] != i;
	}
	if (moved)
		sort_apply(f, f->sheet, r, from, j);
	free(from);
	free(kv);
	free(tmp);
	free(rows);
	return 0;
}

static size_t col_letters(const char *s, uint32_t *col)
{
	size_t i = 0;
	uint32_t c = 0;

	while (isalpha((unsigned char)s[i]) && i < 4) {
		c = c * 26 + (uint32_t)(toupper((unsigned char)s[i]) - 'A' + 1);
		i++;
	}
	if (i == 0 || i > 3 || c > SHEET_MAX_COLS || isalnum((unsigned char)s[i]))
		return 0;
	*col = c - 1;
	return i;
}

static int word_is(const char *s, size_t len, const char *w)
{
	return strlen(w) == len && strncasecmp(s, w, len) == 0;
}

int sheet_sort_parse(const char *spec, struct sheet_sort_key *keys, int max, int *n,
		     struct err *e)
{
	const char *p = spec;

	*n = 0;
	while (*p) {
		const char *start, *end;
		size_t used;
		uint32_t col;
		int desc = 0;

		while (*p == ' ' || *p == ',' || *p == '\t')
			p++;
		if (*p == '\0')
			break;
		start = p;
		while (*p && *p != ',')
			p++;
		end = p;
		while (end > start && (end[-1] == ' ' || end[-1] == '\t'))
			end--;
		used = col_letters(start, &col);
		if (used > 0) {
			const char *w = start + used;

			while (w < end && (*w == ' ' || *w == '\t'))
				w++;
			if (w == end || word_is(w, (size_t)(end - w), "asc") ||
			    word_is(w, (size_t)(end - w), "a") || word_is(w, (size_t)(end - w), "升序"))
				desc = 0;
			else if (word_is(w, (size_t)(end - w), "desc") ||
				 word_is(w, (size_t)(end - w), "d") ||
				 word_is(w, (size_t)(end - w), "降序"))
				desc = 1;
			else
				used = 0;
		}
		if (used == 0 || *n >= max) {
			char bad[80];

			snprintf(bad, sizeof bad, "%.*s", (int)(end - start), start);
			return err_tr(e, E_USAGE, "sheets.err.sort_spec", TR_S(bad));
		}
		keys[*n].col = col;
		keys[(*n)++].desc = desc;
	}
	if (*n == 0)
		return err_tr(e, E_USAGE, "sheets.err.sort_spec", TR_S(spec));
	return 0;
}

static int cell_empty(const struct sheet_file *f, uint32_t row, uint32_t col)
{
	struct sheet_value v;

	if (row >= SHEET_MAX_ROWS || col >= SHEET_MAX_COLS)
		return 1;
	sheet_get(f->wb, f->sheet, row, col, &v);
	return v.type == SHEET_EMPTY;
}

/* Any non-empty cell in rows r1..r2 of column col, or columns c1..c2 of
 * row row? */
static int line_used(const struct sheet_file *f, int vertical, uint32_t at, uint32_t lo,
		     uint32_t hi)
{
	for (uint32_t i = lo; i <= hi; i++)
		if (!(vertical ? cell_empty(f, i, at) : cell_empty(f, at, i)))
			return 1;
	return 0;
}

void sheet_current_region(const struct sheet_file *f, uint32_t row, uint32_t col,
			  struct sheet_rect *out)
{
	struct sheet_rect r = { row, col, row, col };
	uint32_t rows, cols;
	int grew = 1;

	sheet_extent(f->wb, f->sheet, &rows, &cols);
	while (grew) {
		uint32_t lo_r = r.r1 ? r.r1 - 1 : 0, hi_r = r.r2 + 1 < rows ? r.r2 + 1 : r.r2;
		uint32_t lo_c = r.c1 ? r.c1 - 1 : 0, hi_c = r.c2 + 1 < cols ? r.c2 + 1 : r.c2;

		grew = 0;
		if (r.r1 > 0 && line_used(f, 0, r.r1 - 1, lo_c, hi_c))
			r.r1--, grew = 1;
		if (r.r2 + 1 < rows && line_used(f, 0, r.r2 + 1, lo_c, hi_c))
			r.r2++, grew = 1;
		if (r.c1 > 0 && line_used(f, 1, r.c1 - 1, lo_r, hi_r))
			r.c1--, grew = 1;
		if (r.c2 + 1 < cols && line_used(f, 1, r.c2 + 1, lo_r, hi_r))
			r.c2++, grew = 1;
	}
	*out = r;
}

int sheet_has_header(const struct sheet_file *f, const struct sheet_rect *r,
		     const struct sheet_sort_key *keys, int nkeys)
{
	struct sheet_value v;
	int other = 0;

	if (r->r2 == r->r1)
		return 0;
	for (uint32_t c = r->c1; c <= r->c2; c++) {
		sheet_get(f->wb, f->sheet, r->r1, c, &v);
		if (v.type != SHEET_TEXT && v.type != SHEET_EMPTY)
			return 0;
	}
	for (int k = 0; k < nkeys && !other; k++) {
		sheet_get(f->wb, f->sheet, r->r1, keys[k].col, &v);
		if (v.type != SHEET_TEXT)
			continue;
		for (uint32_t row = r->r1 + 1; row <= r->r2 && !other; row++) {
			sheet_get(f->wb, f->sheet, row, keys[k].col, &v);
			other = v.type != SHEET_TEXT && v.type != SHEET_EMPTY;
		}
	}
	return other;
}

/* ---- text matching --------------------------------------------------------- */

/* One code point of s folded: ASCII by hand, the rest through ICU. */
static char *fold_char(const char *s, size_t n, size_t *used)
{
	unsigned cp;
	size_t l = utf8_decode(s, n, &cp);

	if (l == 0)
		l = 1;
	*used = l;
	if ((unsigned char)s[0] < 0x80) {
		char *o = xmalloc(2);

		o[0] = (char)tolower((unsigned char)s[0]);
		o[1] = '\0';
		return o;
	}
	char *o = txt_casefold(s, l);

	return o ? o : xstrndup(s, l);
}

static char *fold(const char *s)
{
	char *o = txt_casefold(s, strlen(s));

	return o ? o : xstrdup(s);
}

/* Does s[i..] start with folded needle? The bytes of s taken in *mlen. */
static int match_at(const char *s, size_t len, size_t i, const char *fn, size_t fl, size_t *mlen)
{
	size_t j = i, k = 0;

	while (k < fl) {
		size_t used;
		char *c;
		size_t cl;

		if (j >= len)
			return 0;
		c = fold_char(s + j, len - j, &used);
		cl = strlen(c);
		if (cl > fl - k || memcmp(c, fn + k, cl) != 0) {
			free(c);
			return 0;
		}
		free(c);
		k += cl;
		j += used;
	}
	*mlen = j - i;
	return 1;
}

long sheet_text_find(const char *s, size_t len, const char *needle, size_t *mlen)
{
	char *fn = fold(needle);
	size_t fl = strlen(fn);
	long at = -1;

	if (fl == 0) {
		free(fn);
		return -1;
	}
	for (size_t i = 0; i < len; i++) {
		if (((unsigned char)s[i] & 0xc0) == 0x80)
			continue;
		if (match_at(s, len, i, fn, fl, mlen)) {
			at = (long)i;
			break;
		}
	}
	free(fn);
	return at;
}

/* Wildcards * and ? (one code point) over folded text; ~ escapes. */
static int wild(const char *p, const char *s)
{
	const char *star = NULL, *back = NULL;

	while (*s) {
		if (*p == '*') {
			star = ++p;
			back = s;
			continue;
		}
		if (*p == '?' || (*p == '~' && p[1] && p[1] == *s) || (*p != '~' && *p == *s)) {
			size_t pl = *p == '~' ? 2 : 1, sl = 1;

			if (*p == '?')
				while ((s[sl] & 0xc0) == 0x80)
					sl++;
			p += pl;
			s += sl;
			continue;
		}
		if (star == NULL)
			return 0;
		p = star;
		do
			back++;
		while ((*back & 0xc0) == 0x80);
		s = back;
	}
	while (*p == '*')
		p++;
	return *p == '\0';
}

int sheet_crit_parse(const char *s, struct sheet_crit *c)
{
	double v;

	memset(c, 0, sizeof *c);
	c->op = '=';
	if (strncmp(s, "<>", 2) == 0)
		c->op = '!', s += 2;
	else if (strncmp(s, "<=", 2) == 0)
		c->op = 'l', s += 2;
	else if (strncmp(s, ">=", 2) == 0)
		c->op = 'g', s += 2;
	else if (*s == '<' || *s == '>' || *s == '=')
		c->op = *s++;
	if (sheet_text_num(s, &v) == 0) {
		c->numeric = 1;
		c->num = v;
	}
	c->text = fold(s);
	return 0;
}

void sheet_crit_free(struct sheet_crit *c)
{
	free(c->text);
	c->text = NULL;
}

int sheet_crit_match(const struct sheet_file *f, uint32_t row, uint32_t col,
		     const struct sheet_crit *c)
{
	struct sheet_value v;
	struct buf t;
	char *ft;
	int d, m;

	sheet_get(f->wb, f->sheet, row, col, &v);
	if (c->numeric && v.type == SHEET_NUM) {
		d = v.num < c->num ? -1 : v.num > c->num;
	} else if (c->numeric && c->op != '=' && c->op != '!') {
		return 0; /* text never passes a numeric comparison (Excel) */
	} else {
		buf_init(&t);
		sheet_file_value_text(f, row, col, &t);
		buf_addc(&t, '\0');
		ft = fold(t.data);
		buf_free(&t);
		if (c->op == '=' || c->op == '!') {
			m = wild(c->text, ft);
			free(ft);
			return c->op == '=' ? m : !m;
		}
		if (v.type != SHEET_TEXT) {
			free(ft);
			return 0;
		}
		d = txt_collate(ft, c->text);
		free(ft);
	}
	switch (c->op) {
	case '=': return d == 0;
	case '!': return d != 0;
	case '<': return d < 0;
	case '>': return d > 0;
	case 'l': return d <= 0;
	case 'g': return d >= 0;
	}
	return 0;
}

/* ---- find and replace ------------------------------------------------------ */

static void cell_content(const struct sheet_file *f, uint32_t row, uint32_t col, struct buf *out)
{
	const char *src = sheet_file_formula(f, row, col);

	buf_reset(out);
	if (src)
		buf_adds(out, src);
	else
		sheet_file_value_text(f, row, col, out);
}

int sheet_find_next(const struct sheet_file *f, const char *needle, int back, uint32_t *row,
		    uint32_t *col)
{
	uint32_t rows, cols;
	uint64_t n, start, i;
	struct buf t;
	size_t ml;
	int rc = E_NOTFOUND;

	sheet_extent(f->wb, f->sheet, &rows, &cols);
	if (rows == 0 || cols == 0 || needle[0] == '\0')
		return E_NOTFOUND;
	n = (uint64_t)rows * cols;
	start = *row < rows && *col < cols ? (uint64_t)*row * cols + *col : (back ? 0 : n - 1);
	buf_init(&t);
	for (i = 1; i <= n; i++) {
		uint64_t k = back ? (start + n - i % n) % n : (start + i) % n;
		uint32_t r = (uint32_t)(k / cols), c = (uint32_t)(k % cols);

		cell_content(f, r, c, &t);
		if (t.len && sheet_text_find(t.data, t.len, needle, &ml) >= 0) {
			*row = r;
			*col = c;
			rc = 0;
			break;
		}
	}
	buf_free(&t);
	return rc;
}

/* s with every from (case-insensitive) replaced; NULL when none. */
static char *replace_all(const char *s, const char *from, const char *to)
{
	struct buf o;
	size_t len = strlen(s), off = 0, ml;
	long at;
	int any = 0;
	char *r;

	buf_init(&o);
	while (off < len && (at = sheet_text_find(s + off, len - off, from, &ml)) >= 0) {
		buf_add(&o, s + off, (size_t)at);
		buf_adds(&o, to);
		off += (size_t)at + (ml ? ml : 1);
		any = 1;
	}
	if (!any) {
		buf_free(&o);
		return NULL;
	}
	buf_adds(&o, s + off);
	r = xstrndup(o.data ? o.data : "", o.len);
	buf_free(&o);
	return r;
}

int sheet_op_replace(struct sheet_file *f, const struct sheet_rect *r, const char *from,
		     const char *to, struct sheet_journal *j, size_t *count, size_t *skipped)
{
	uint32_t rows, cols;
	struct buf t;

	*count = *skipped = 0;
	if (from[0] == '\0')
		return 0;
	sheet_extent(f->wb, f->sheet, &rows, &cols);
	buf_init(&t);
	sheet_recalc_suspend(f->wb);
	for (uint32_t row = r->r1; row <= r->r2 && row < rows; row++)
		for (uint32_t col = r->c1; col <= r->c2 && col < cols; col++) {
			struct sheet_snap s;
			char *nt;

			cell_content(f, row, col, &t);
			if (t.len == 0)
				continue;
			buf_addc(&t, '\0');
			nt = replace_all(t.data, from, to);
			if (nt == NULL)
				continue;
			sheet_snap_take(f, f->sheet, row, col, &s);
			if (s.kind == SHEET_SNAP_INPUT && nt[0] == '=' && nt[1]) {
				struct sheet_code *code;

				if (sheet_compile(f->wb, f->sheet, nt, &code, NULL) != 0) {
					(*skipped)++;
					free(nt);
					sheet_snap_free(&s);
					continue;
				}
				sheet_code_free(code);
			}
			if (s.kind == SHEET_SNAP_ERROR || s.kind == SHEET_SNAP_EMPTY)
				s.kind = SHEET_SNAP_INPUT;
			free(s.text);
			s.text = nt;
			jcell(f, j, f->sheet, row, col, &s);
			sheet_snap_free(&s);
			(*count)++;
		}
	sheet_recalc_resume(f->wb);
	buf_free(&t);
	return 0;
}
