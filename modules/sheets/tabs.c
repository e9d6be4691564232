/*
 * tabs.c - renaming and deleting a sheet of a sheet file (grid.h).
 *
 * The engine names sheets by index in compiled formulas, but a formula's
 * source names them by name, and the source is what is saved. Renaming
 * rewrites the sources that name the sheet. Deleting shifts the indices of
 * the sheets after it, so the workbook is rebuilt from what re-creates it:
 * values, formula sources (references to the deleted sheet become #REF!,
 * as Excel writes them), notes (formats, dates, sources that did not
 * parse), column widths and named ranges.
 *
 * Both are undone by the grid (grid.c): a rename by the log of sources it
 * rewrote, a delete by keeping the file as it was before it.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "modules/sheets/grid.h"

/* Can the name go unquoted before a '!'? Letters, digits, '_' and '.',
 * not starting with a digit, and not itself a cell reference. */
static int plain_name(const struct sheet_book *wb, const char *name)
{
	struct sheet_ref r;
	size_t used, n = strlen(name);

	if (n == 0 || isdigit((unsigned char)name[0]))
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)name[i]) && name[i] != '_' && name[i] != '.')
			return 0;
	return !(sheet_ref_parse(wb, 0, name, n, &r, &used) == 0 && used == n);
}

static void add_sheet_name(const struct sheet_book *wb, struct buf *out, const char *name)
{
	if (plain_name(wb, name)) {
		buf_adds(out, name);
		return;
	}
	buf_addc(out, '\'');
	for (; *name; name++) {
		if (*name == '\'')
			buf_addc(out, '\'');
		buf_addc(out, *name);
	}
	buf_addc(out, '\'');
}

static int ident_char(char c)
{
	return isalnum((unsigned char)c) || c == '_' || c == '.' || c == '$' ||
	       (unsigned char)c >= 0x80;
}

/*
 * Rewrite the references to `sheet` in src (a formula of cur_sheet): with
 * name, to that sheet name; else to #REF!. Returns a new string, or NULL
 * when nothing names the sheet.
 */
static char *rewrite(const struct sheet_book *wb, int cur_sheet, const char *src, int sheet,
		     const char *name)
{
	size_t len = strlen(src), i = 0;
	struct buf out;
	int changed = 0;

	buf_init(&out);
	while (i < len) {
		struct sheet_ref r;
		size_t used;
		char c = src[i];

		if (c == '"') { /* a string literal, "" inside */
			size_t j = i + 1;

			while (j < len && !(src[j] == '"' && (j + 1 >= len || src[j + 1] != '"')))
				j += src[j] == '"' ? 2 : 1;
			j = j < len ? j + 1 : len;
			buf_add(&out, src + i, j - i);
			i = j;
			continue;
		}
		if ((i == 0 || !ident_char(src[i - 1])) && (c == '\'' || ident_char(c)) &&
		    sheet_ref_parse(wb, cur_sheet, src + i, len - i, &r, &used) == 0 &&
		    (r.flags & SHEET_REF_SHEET) && r.sheet == sheet) {
			size_t bang = i;

			if (c == '\'') { /* past the quoted name, '' inside */
				bang++;
				while (bang < i + used && !(src[bang] == '\'' && src[bang + 1] != '\''))
					bang += src[bang] == '\'' ? 2 : 1;
			}
			while (bang < i + used && src[bang] != '!')
				bang++;
			if (name) {
				add_sheet_name(wb, &out, name);
				buf_add(&out, src + bang, i + used - bang);
			} else {
				buf_adds(&out, "#REF!");
			}
			i += used;
			changed = 1;
			continue;
		}
		buf_addc(&out, c);
		i++;
	}
	if (!changed) {
		buf_free(&out);
		return NULL;
	}
	buf_addc(&out, '\0');
	return out.data;
}

static void srcs_push(struct sheet_srcs *l, const struct sheet_formula *fm, const char *before,
		      const char *after)
{
	struct sheet_src *c;

	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 8;
		l->v = xreallocarray(l->v, l->cap, sizeof *l->v);
	}
	c = &l->v[l->n++];
	c->sheet = fm->sheet;
	c->row = fm->row;
	c->col = fm->col;
	c->before = xstrdup(before);
	c->after = xstrdup(after);
}

void sheet_srcs_free(struct sheet_srcs *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].before);
		free(l->v[i].after);
	}
	free(l->v);
	memset(l, 0, sizeof *l);
}

int sheet_file_rename_sheet(struct sheet_file *f, int sheet, const char *name,
			    struct sheet_srcs *log, struct err *e)
{
	struct sheet_book *wb = f->wb;

	if (sheet < 0 || sheet >= wb->nsheets)
		return err_set(e, E_NOTFOUND, "no sheet %d", sheet);
	for (uint32_t i = 0; i < wb->nfs; i++) {
		struct sheet_formula *fm = &wb->fs[i];
		char *s;

		if (fm->code == NULL || fm->src == NULL)
			continue;
		s = rewrite(wb, fm->sheet, sheet_formula_src(wb, i), sheet, name);
		if (s) {
			if (log)
				srcs_push(log, fm, fm->src, s);
			free(fm->src);
			fm->src = s;
		}
	}
	/* Sources that did not parse are kept as written: they are text. */
	free(wb->sheets[sheet].name);
	wb->sheets[sheet].name = xstrdup(name);
	return 0;
}

/*
 * Undo (or redo) a rename by its log rather than by renaming again: a
 * rename spells the name its own way ('Q3 plan', quotes dropped where
 * not needed), so renaming back would not give each source as written.
 * The formulas are those the rename saw (the history is linear), with
 * code that names the sheet by index: only the text changes.
 */
void sheet_file_rename_apply(struct sheet_file *f, int sheet, const char *name,
			     const struct sheet_srcs *log, int redo)
{
	struct sheet_book *wb = f->wb;

	for (size_t i = 0; i < log->n; i++) {
		const struct sheet_src *c = &log->v[i];
		const struct sheet_block *b;
		struct sheet_formula *fm;

		if (!sheet_is_formula(wb, c->sheet, c->row, c->col))
			continue;
		b = sheet_block_at(wb, c->sheet, c->row, c->col);
		if (b == NULL)
			continue;
		fm = &wb->fs[b->slot[c->row % SHEET_BLOCK].u];
		free(fm->srefs);
		fm->srefs = NULL;
		free(fm->src);
		fm->src = xstrdup(redo ? c->after : c->before);
	}
	free(wb->sheets[sheet].name);
	wb->sheets[sheet].name = xstrdup(name);
}

/* ---- delete ------------------------------------------------------------------ */

struct copy_ctx {
	struct sheet_file *from, *to;
	int gone, sheet, dest;
};

static int copy_cell(const struct sheet_value *v, uint32_t row, uint32_t col, void *arg)
{
	struct copy_ctx *cx = arg;
	struct sheet_book *wb = cx->to->wb;
	const char *src = sheet_file_formula_at(cx->from, cx->sheet, row, col);

	if (src) {
		char *s = rewrite(cx->from->wb, cx->sheet, src, cx->gone, NULL);

		cx->to->sheet = cx->dest;
		/* Not strict: a source that does not parse keeps its note. */
		sheet_file_input(cx->to, row, col, s ? s : src, strlen(s ? s : src), 0, 0, NULL);
		free(s);
		return 0;
	}
	switch (v->type) {
	case SHEET_NUM: sheet_set_number(wb, cx->dest, row, col, v->num); break;
	case SHEET_TEXT: sheet_set_text(wb, cx->dest, row, col, v->str ? v->str : ""); break;
	case SHEET_BOOL: sheet_set_bool(wb, cx->dest, row, col, v->num != 0); break;
	case SHEET_ERROR: sheet_set_error(wb, cx->dest, row, col, v->err); break;
	default: break;
	}
	return 0;
}

/* Notes are keyed sheet << 36 | row << 16 | col, plus one (io.h). */
static void copy_notes(struct sheet_file *from, struct sheet_file *to, int gone)
{
	for (size_t i = 0; i < from->capnotes; i++) {
		const struct sheet_note *n = &from->notes[i];
		uint64_t k = n->key - 1;
		int sheet = (int)(k >> 36);
		uint32_t row = (uint32_t)(k >> 16) & 0xfffff, col = (uint32_t)k & 0xffff;
		struct sheet_note *m;

		if (n->key == 0 || sheet == gone || (!n->fmt && !n->date))
			continue;
		sheet -= sheet > gone;
		if (n->fmt) {
			sheet_file_set_format(to, sheet, row, col, n->fmt);
		} else {
			m = sheet_file_note_get(to, sheet, row, col);
			m->date = 1;
		}
	}
}

int sheet_file_without_sheet(struct sheet_file *f, int sheet, struct sheet_file *out,
			      struct err *e)
{
	struct sheet_book *old = f->wb;
	struct sheet_file nf;
	struct copy_ctx cx = { f, &nf, sheet, 0, 0 };
	int n = old->nsheets, cur = f->sheet;
	char ref[300];

	if (sheet < 0 || sheet >= n)
		return err_set(e, E_NOTFOUND, "no sheet %d", sheet);
	if (n < 2)
		return err_set(e, E_USAGE, "the last sheet");
	memset(&nf, 0, sizeof nf);
	nf.wb = sheet_book_new();
	nf.delim = f->delim;
	for (int s = 0; s < n; s++)
		if (s != sheet && sheet_add(nf.wb, sheet_name(old, s), NULL) < 0)
			fatal("sheet_file_delete_sheet: cannot add a sheet");
	for (size_t i = 0; i < old->nnames; i++) {
		struct sheet_ref r = old->names[i].ref;

		if (r.sheet == sheet)
			continue;
		r.flags |= SHEET_REF_SHEET;
		sheet_ref_format(old, &r, ref, sizeof ref);
		sheet_define_name(nf.wb, old->names[i].name, ref, NULL);
	}
	/* Formats first: a date flag of a value follows its format. */
	copy_notes(f, &nf, sheet);
	sheet_recalc_suspend(nf.wb);
	for (int s = 0; s < n; s++) {
		struct sheet_ref all = { s, 0, 0, SHEET_MAX_ROWS - 1, SHEET_MAX_COLS - 1, 0 };

		if (s == sheet)
			continue;
		cx.sheet = s;
		cx.dest = s - (s > sheet);
		sheet_range_each(old, &all, copy_cell, &cx);
		for (uint32_t c = 0; s < f->ncolw && c < f->colw[s].n; c++)
			if (f->colw[s].w[c] > 0)
				sheet_file_set_col_width(&nf, cx.dest, c, f->colw[s].w[c]);
	}
	sheet_recalc_resume(nf.wb);
	if (cur > sheet || (cur == sheet && cur == n - 1))
		cur--;
	nf.sheet = cur;
	*out = nf;
	return 0;
}

int sheet_file_delete_sheet(struct sheet_file *f, int sheet, struct err *e)
{
	struct sheet_file nf;
	int rc = sheet_file_without_sheet(f, sheet, &nf, e);

	if (rc != 0)
		return rc;
	sheet_file_free(f);
	*f = nf;
	return 0;
}
