/*
 * cell.c - the workbook and its cell storage, and A1 notation.
 *
 * Storage layout: a sheet is an array of columns; a column is an array of
 * pointers to blocks of SHEET_BLOCK (1024) rows, allocated when a cell in
 * them is first set. A block holds a tag byte and an 8-byte slot per row:
 * the number, the boolean, the error code, a pointer to the text (stored
 * out of line) or the index of the formula in the workbook's formula table.
 * A full block costs 9 bytes a cell plus its share of the column's pointer
 * array, so a million numbers take about 9.3 MB.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "modules/sheets/engine.h"

struct sheet_book *sheet_book_new(void)
{
	struct sheet_book *wb = xcalloc(1, sizeof(*wb));

	return wb;
}

static void formula_release(struct sheet_book *wb, uint32_t i)
{
	struct sheet_formula *f = &wb->fs[i];

	sheet_code_free(f->code);
	f->code = NULL;
	free(f->src);
	f->src = NULL;
	free(f->srefs);
	f->srefs = NULL;
	sheet_value_free(&f->val);
	f->gen++;
	if (wb->nfree == wb->capfree) {
		wb->capfree = wb->capfree ? wb->capfree * 2 : 64;
		wb->freefs = xreallocarray(wb->freefs, wb->capfree, sizeof(*wb->freefs));
	}
	wb->freefs[wb->nfree++] = i;
}

static void block_free(struct sheet_block *b)
{
	for (uint32_t i = 0; i < SHEET_BLOCK; i++)
		if (b->tag[i] == CELL_TEXT)
			free(b->slot[i].str);
	free(b);
}

void sheet_book_free(struct sheet_book *wb)
{
	if (wb == NULL)
		return;
	for (int s = 0; s < wb->nsheets; s++) {
		struct sheet_sheet *sh = &wb->sheets[s];

		for (uint32_t c = 0; c < sh->ncols; c++) {
			for (uint32_t b = 0; b < sh->cols[c].nblocks; b++)
				if (sh->cols[c].blocks[b])
					block_free(sh->cols[c].blocks[b]);
			free(sh->cols[c].blocks);
		}
		free(sh->cols);
		free(sh->name);
	}
	free(wb->sheets);
	for (uint32_t i = 0; i < wb->nfs; i++) {
		sheet_code_free(wb->fs[i].code);
		free(wb->fs[i].src);
		free(wb->fs[i].srefs);
		sheet_value_free(&wb->fs[i].val);
	}
	free(wb->fs);
	free(wb->freefs);
	for (size_t i = 0; i < wb->nnames; i++)
		free(wb->names[i].name);
	free(wb->names);
	sheet_deps_free(wb);
	sheet_ccache_free(wb);
	free(wb);
}

int sheet_add(struct sheet_book *wb, const char *name, struct err *e)
{
	size_t len = strlen(name);

	if (len == 0 || len > 31 || strpbrk(name, "[]:*?/\\") != NULL)
		return err_set(e, E_USAGE, "sheet name not allowed: '%s'", name);
	if (sheet_find(wb, name, len) >= 0)
		return err_set(e, E_CONFLICT, "a sheet named '%s' exists", name);
	wb->sheets = xreallocarray(wb->sheets, (size_t)wb->nsheets + 1, sizeof(*wb->sheets));
	memset(&wb->sheets[wb->nsheets], 0, sizeof(wb->sheets[0]));
	wb->sheets[wb->nsheets].name = xstrdup(name);
	return wb->nsheets++;
}

uint64_t sheet_compile_count(const struct sheet_book *wb)
{
	return wb->compiles;
}

uint64_t sheet_adjust_count(const struct sheet_book *wb)
{
	return wb->adjusts;
}

int sheet_count(const struct sheet_book *wb)
{
	return wb->nsheets;
}

const char *sheet_name(const struct sheet_book *wb, int sheet)
{
	return sheet >= 0 && sheet < wb->nsheets ? wb->sheets[sheet].name : NULL;
}

int sheet_find(const struct sheet_book *wb, const char *name, size_t len)
{
	for (int s = 0; s < wb->nsheets; s++)
		if (strlen(wb->sheets[s].name) == len &&
		    strncasecmp(wb->sheets[s].name, name, len) == 0)
			return s;
	return -1;
}

struct sheet_block *sheet_block_at(const struct sheet_book *wb, int sheet, uint32_t row,
				   uint32_t col)
{
	const struct sheet_sheet *sh;

	if (sheet < 0 || sheet >= wb->nsheets)
		return NULL;
	sh = &wb->sheets[sheet];
	if (col >= sh->ncols || row / SHEET_BLOCK >= sh->cols[col].nblocks)
		return NULL;
	return sh->cols[col].blocks[row / SHEET_BLOCK];
}

/* The block for a cell, made if missing. */
static struct sheet_block *block_make(struct sheet_book *wb, int sheet, uint32_t row, uint32_t col)
{
	struct sheet_sheet *sh = &wb->sheets[sheet];
	struct sheet_col *c;
	uint32_t bi = row / SHEET_BLOCK;

	if (col >= sh->ncols) {
		uint32_t n = sh->ncols ? sh->ncols : 8;

		while (n <= col)
			n *= 2;
		if (n > SHEET_MAX_COLS)
			n = SHEET_MAX_COLS;
		sh->cols = xreallocarray(sh->cols, n, sizeof(*sh->cols));
		memset(sh->cols + sh->ncols, 0, (n - sh->ncols) * sizeof(*sh->cols));
		wb->bytes += (n - sh->ncols) * sizeof(*sh->cols);
		sh->ncols = n;
	}
	c = &sh->cols[col];
	if (bi >= c->nblocks) {
		uint32_t n = c->nblocks ? c->nblocks : 4;

		while (n <= bi)
			n *= 2;
		if (n > SHEET_MAX_ROWS / SHEET_BLOCK)
			n = SHEET_MAX_ROWS / SHEET_BLOCK;
		c->blocks = xreallocarray(c->blocks, n, sizeof(*c->blocks));
		memset(c->blocks + c->nblocks, 0, (n - c->nblocks) * sizeof(*c->blocks));
		wb->bytes += (n - c->nblocks) * sizeof(*c->blocks);
		c->nblocks = n;
	}
	if (c->blocks[bi] == NULL) {
		c->blocks[bi] = xcalloc(1, sizeof(struct sheet_block));
		wb->bytes += sizeof(struct sheet_block);
	}
	return c->blocks[bi];
}

struct sheet_block *sheet_block_get(struct sheet_book *wb, int sheet, uint32_t row, uint32_t col)
{
	return block_make(wb, sheet, row, col);
}

void sheet_cell_store(struct sheet_book *wb, int sheet, uint32_t row, uint32_t col, int tag,
		      union sheet_slot slot)
{
	struct sheet_block *b;
	uint32_t i = row % SHEET_BLOCK;
	struct sheet_sheet *sh = &wb->sheets[sheet];

	b = tag == CELL_EMPTY ? sheet_block_at(wb, sheet, row, col)
			      : block_make(wb, sheet, row, col);
	if (b == NULL)
		return;
	if (b->tag[i] == CELL_TEXT) {
		wb->bytes -= strlen(b->slot[i].str) + 1;
		free(b->slot[i].str);
	} else if (b->tag[i] == CELL_FORMULA) {
		formula_release(wb, (uint32_t)b->slot[i].u);
	}
	if (b->tag[i] == CELL_EMPTY && tag != CELL_EMPTY)
		b->used++;
	else if (b->tag[i] != CELL_EMPTY && tag == CELL_EMPTY)
		b->used--;
	b->tag[i] = (uint8_t)tag;
	b->slot[i] = tag == CELL_EMPTY ? (union sheet_slot){.u = 0} : slot;
	if (tag == CELL_TEXT)
		wb->bytes += strlen(slot.str) + 1;
	if (tag != CELL_EMPTY) {
		if (row >= sh->rows)
			sh->rows = row + 1;
		if (col >= sh->maxcol)
			sh->maxcol = col + 1;
	}
}

static int cell_ok(const struct sheet_book *wb, int sheet, uint32_t row, uint32_t col)
{
	return sheet >= 0 && sheet < wb->nsheets && row < SHEET_MAX_ROWS && col < SHEET_MAX_COLS;
}

static int set_plain(struct sheet_book *wb, int sheet, uint32_t row, uint32_t col, int tag,
		     union sheet_slot slot)
{
	if (!cell_ok(wb, sheet, row, col)) {
		if (tag == CELL_TEXT)
			free(slot.str);
		return E_RANGE;
	}
	sheet_cell_store(wb, sheet, row, col, tag, slot);
	sheet_deps_changed(wb, sheet, row, col);
	return 0;
}

int sheet_set_number(struct sheet_book *wb, int sheet, uint32_t row, uint32_t col, double v)
{
	return set_plain(wb, sheet, row, col, CELL_NUM, (union sheet_slot){.num = v});
}

int sheet_set_text(struct sheet_book *wb, int sheet, uint32_t row, uint32_t col, const char *s)
{
	if (*s == '\0')
		return sheet_clear(wb, sheet, row, col);
	return set_plain(wb, sheet, row, col, CELL_TEXT, (union sheet_slot){.str = xstrdup(s)});
}

int sheet_set_bool(struct sheet_book *wb, int sheet, uint32_t row, uint32_t col, int b)
{
	return set_plain(wb, sheet, row, col, CELL_BOOL, (union sheet_slot){.u = b != 0});
}

int sheet_set_error(struct sheet_book *wb, int sheet, uint32_t row, uint32_t col,
		    enum sheet_err err)
{
	return set_plain(wb, sheet, row, col, CELL_ERR, (union sheet_slot){.u = err});
}

int sheet_clear(struct sheet_book *wb, int sheet, uint32_t row, uint32_t col)
{
	return set_plain(wb, sheet, row, col, CELL_EMPTY, (union sheet_slot){.u = 0});
}

int sheet_set_formula(struct sheet_book *wb, int sheet, uint32_t row, uint32_t col, const char *src,
		      struct err *e)
{
	char *copy = xstrdup(src);
	int rc = sheet_set_formula_take(wb, sheet, row, col, &copy, e);

	free(copy);
	return rc;
}

int sheet_set_formula_take(struct sheet_book *wb, int sheet, uint32_t row, uint32_t col,
			   char **srcp, struct err *e)
{
	const char *src = *srcp;
	struct sheet_code *code;
	struct sheet_formula *f;
	uint32_t i;
	int rc;

	if (!cell_ok(wb, sheet, row, col))
		return err_set(e, E_RANGE, "formula: no such cell");
	rc = sheet_compile_col(wb, sheet, col, src, &code, e);
	if (rc != 0)
		return rc;
	wb->compiles++;
	/* Release the old content first: it may free a formula slot. */
	sheet_cell_store(wb, sheet, row, col, CELL_EMPTY, (union sheet_slot){.u = 0});
	if (wb->nfree > 0) {
		i = wb->freefs[--wb->nfree];
	} else {
		if (wb->nfs == wb->capfs) {
			wb->capfs = wb->capfs ? wb->capfs * 2 : 64;
			wb->fs = xreallocarray(wb->fs, wb->capfs, sizeof(*wb->fs));
		}
		i = wb->nfs++;
		memset(&wb->fs[i], 0, sizeof(wb->fs[i]));
	}
	f = &wb->fs[i];
	f->code = code;
	f->src = *srcp;
	*srcp = NULL;
	memset(&f->val, 0, sizeof(f->val));
	f->sheet = sheet;
	f->row = row;
	f->col = col;
	f->epoch = 0;
	sheet_cell_store(wb, sheet, row, col, CELL_FORMULA, (union sheet_slot){.u = i});
	sheet_deps_add(wb, i);
	sheet_deps_changed(wb, sheet, row, col);
	return 0;
}

int sheet_set_input(struct sheet_book *wb, int sheet, uint32_t row, uint32_t col, const char *s,
		    struct err *e)
{
	double v;
	size_t used;
	enum sheet_err er;

	if (s[0] == '=' && s[1] != '\0')
		return sheet_set_formula(wb, sheet, row, col, s, e);
	if (s[0] == '\0')
		return sheet_clear(wb, sheet, row, col);
	if (strcasecmp(s, "TRUE") == 0 || strcasecmp(s, "FALSE") == 0)
		return sheet_set_bool(wb, sheet, row, col, toupper((unsigned char)s[0]) == 'T');
	er = sheet_err_parse(s, strlen(s), &used);
	if (er != SHEET_ERR_NONE && s[used] == '\0')
		return sheet_set_error(wb, sheet, row, col, er);
	if (sheet_text_num(s, &v) == 0)
		return sheet_set_number(wb, sheet, row, col, v);
	return sheet_set_text(wb, sheet, row, col, s);
}

static void slot_value(const struct sheet_book *wb, int tag, union sheet_slot slot,
		       struct sheet_value *out)
{
	memset(out, 0, sizeof(*out));
	switch (tag) {
	case CELL_NUM:
		out->type = SHEET_NUM;
		out->num = slot.num;
		break;
	case CELL_TEXT:
		out->type = SHEET_TEXT;
		out->str = slot.str;
		break;
	case CELL_BOOL:
		out->type = SHEET_BOOL;
		out->num = (double)slot.u;
		break;
	case CELL_ERR:
		out->type = SHEET_ERROR;
		out->err = (enum sheet_err)slot.u;
		break;
	case CELL_FORMULA:
		*out = wb->fs[slot.u].val;
		break;
	default:
		out->type = SHEET_EMPTY;
	}
}

void sheet_get(const struct sheet_book *wb, int sheet, uint32_t row, uint32_t col,
	       struct sheet_value *out)
{
	const struct sheet_block *b = sheet_block_at(wb, sheet, row, col);

	if (b == NULL) {
		memset(out, 0, sizeof(*out));
		return;
	}
	slot_value(wb, b->tag[row % SHEET_BLOCK], b->slot[row % SHEET_BLOCK], out);
}

int sheet_is_formula(const struct sheet_book *wb, int sheet, uint32_t row, uint32_t col)
{
	const struct sheet_block *b = sheet_block_at(wb, sheet, row, col);

	return b != NULL && b->tag[row % SHEET_BLOCK] == CELL_FORMULA;
}

void sheet_extent(const struct sheet_book *wb, int sheet, uint32_t *rows, uint32_t *cols)
{
	*rows = *cols = 0;
	if (sheet >= 0 && sheet < wb->nsheets) {
		*rows = wb->sheets[sheet].rows;
		*cols = wb->sheets[sheet].maxcol;
	}
}

size_t sheet_storage_bytes(const struct sheet_book *wb)
{
	return wb->bytes + (size_t)wb->nsheets * sizeof(struct sheet_sheet);
}

int sheet_range_each(const struct sheet_book *wb, const struct sheet_ref *r, sheet_cell_fn fn,
		     void *arg)
{
	const struct sheet_sheet *sh;
	uint32_t r2, c2;

	if (r->sheet < 0 || r->sheet >= wb->nsheets)
		return 0;
	sh = &wb->sheets[r->sheet];
	r2 = r->r2 < sh->rows ? r->r2 : sh->rows - 1;
	c2 = r->c2 < sh->maxcol ? r->c2 : sh->maxcol - 1;
	if (sh->rows == 0 || sh->maxcol == 0)
		return 0;
	/* one value for every cell: only what a cell's kind sets changes
	 * (this loop is most of SUM over a range) */
	struct sheet_value v;

	memset(&v, 0, sizeof(v));
	for (uint32_t c = r->c1; c <= c2 && c < sh->ncols; c++) {
		const struct sheet_col *col = &sh->cols[c];

		for (uint32_t bi = r->r1 / SHEET_BLOCK; bi <= r2 / SHEET_BLOCK && bi < col->nblocks;
		     bi++) {
			const struct sheet_block *b = col->blocks[bi];
			uint32_t lo, hi;

			if (b == NULL || b->used == 0)
				continue;
			lo = bi * SHEET_BLOCK < r->r1 ? r->r1 % SHEET_BLOCK : 0;
			hi = (bi + 1) * SHEET_BLOCK - 1 > r2 ? r2 % SHEET_BLOCK : SHEET_BLOCK - 1;
			for (uint32_t i = lo; i <= hi; i++) {
				int rc;

				switch (b->tag[i]) {
				case CELL_EMPTY:
					continue;
				case CELL_NUM:
					v.type = SHEET_NUM;
					v.err = SHEET_ERR_NONE;
					v.num = b->slot[i].num;
					v.str = NULL;
					break;
				case CELL_FORMULA: {
					const struct sheet_value *fv = &wb->fs[b->slot[i].u].val;

					v.type = fv->type;
					v.err = fv->err;
					v.num = fv->num;
					v.str = fv->str;
					break;
				}
				default:
					slot_value(wb, b->tag[i], b->slot[i], &v);
				}
				rc = fn(&v, bi * SHEET_BLOCK + i, c, arg);
				if (rc != 0)
					return rc;
			}
		}
	}
	return 0;
}

int sheet_define_name(struct sheet_book *wb, const char *name, const char *ref, struct err *e)
{
	struct sheet_ref r;
	size_t used, len = strlen(name);
	int rc;

	if (len == 0 || !(isalpha((unsigned char)name[0]) || name[0] == '_'))
		return err_set(e, E_USAGE, "name not allowed: '%s'", name);
	for (size_t i = 0; i < len; i++)
		if (!isalnum((unsigned char)name[i]) && name[i] != '_' && name[i] != '.')
			return err_set(e, E_USAGE, "name not allowed: '%s'", name);
	if (sheet_ref_parse(wb, 0, name, len, &r, &used) == 0 && used == len)
		return err_set(e, E_USAGE, "name looks like a reference: '%s'", name);
	if (ref[0] == '=')
		ref++;
	rc = sheet_ref_parse(wb, 0, ref, strlen(ref), &r, &used);
	if (rc != 0 || ref[used] != '\0')
		return err_set(e, E_PARSE, "name %s: not a reference: '%s'", name, ref);
	for (size_t i = 0; i < wb->nnames; i++)
		if (strcasecmp(wb->names[i].name, name) == 0) {
			wb->names[i].ref = r;
			return 0;
		}
	wb->names = xreallocarray(wb->names, wb->nnames + 1, sizeof(*wb->names));
	wb->names[wb->nnames].name = xstrdup(name);
	wb->names[wb->nnames].ref = r;
	wb->nnames++;
	return 0;
}

/* ---- A1 notation ---------------------------------------------------------- */

static size_t parse_col(const char *s, size_t len, uint32_t *col, int *abs)
{
	size_t i = 0;
	uint32_t c = 0;

	*abs = 0;
	if (i < len && s[i] == '$')
		*abs = 1, i++;
	size_t start = i;
	while (i < len && isalpha((unsigned char)s[i]) && i - start < 4) {
		c = c * 26 + (uint32_t)(toupper((unsigned char)s[i]) - 'A' + 1);
		i++;
	}
	if (i == start || i - start > 3 || c > SHEET_MAX_COLS)
		return 0;
	*col = c - 1;
	return i;
}

static size_t parse_row(const char *s, size_t len, uint32_t *row, int *abs)
{
	size_t i = 0;
	uint32_t r = 0;

	*abs = 0;
	if (i < len && s[i] == '$')
		*abs = 1, i++;
	size_t start = i;
	while (i < len && isdigit((unsigned char)s[i]) && i - start < 8) {
		r = r * 10 + (uint32_t)(s[i] - '0');
		i++;
	}
	if (i == start || r == 0 || r > SHEET_MAX_ROWS)
		return 0;
	*row = r - 1;
	return i;
}

enum { PART_CELL = 1, PART_COL, PART_ROW };

/* One side of a reference: a cell, a column or a row. */
static size_t parse_part(const char *s, size_t len, uint32_t *row, uint32_t *col, unsigned *abs,
			 int *kind)
{
	size_t n, m;
	int a, b;

	*abs = 0;
	n = parse_col(s, len, col, &a);
	if (n > 0) {
		m = parse_row(s + n, len - n, row, &b);
		if (m > 0) {
			*kind = PART_CELL;
			*abs = (a ? SHEET_REF_ABS_C1 : 0) | (b ? SHEET_REF_ABS_R1 : 0);
			return n + m;
		}
		*kind = PART_COL;
		*abs = a ? SHEET_REF_ABS_C1 : 0;
		return n;
	}
	n = parse_row(s, len, row, &b);
	if (n > 0) {
		*kind = PART_ROW;
		*abs = b ? SHEET_REF_ABS_R1 : 0;
		return n;
	}
	return 0;
}

int sheet_ref_parse(const struct sheet_book *wb, int cur_sheet, const char *s, size_t len,
		    struct sheet_ref *out, size_t *used)
{
	size_t i = 0, n;
	int sheet = cur_sheet, missing = 0, k1, k2;
	unsigned flags = 0, a1, a2;
	uint32_t r1 = 0, c1 = 0, r2 = 0, c2 = 0;

	*used = 0;
	if (len > 0 && s[0] == '\'') {
		char name[128];
		size_t nl = 0;

		for (i = 1; i < len; i++) {
			if (s[i] == '\'') {
				if (i + 1 < len && s[i + 1] == '\'') {
					i++;
				} else {
					break;
				}
			}
			if (nl + 1 < sizeof(name))
				name[nl++] = s[i];
		}
		if (i >= len || i + 1 >= len || s[i + 1] != '!')
			return E_PARSE;
		i += 2;
		sheet = sheet_find(wb, name, nl);
		missing = sheet < 0;
		flags |= SHEET_REF_SHEET;
	} else {
		size_t j = 0;

		while (j < len && (isalnum((unsigned char)s[j]) || s[j] == '_' || s[j] == '.' ||
				   (unsigned char)s[j] >= 0x80))
			j++;
		if (j > 0 && j < len && s[j] == '!') {
			sheet = sheet_find(wb, s, j);
			missing = sheet < 0;
			flags |= SHEET_REF_SHEET;
			i = j + 1;
		}
	}
	n = parse_part(s + i, len - i, &r1, &c1, &a1, &k1);
	if (n == 0)
		return E_PARSE;
	i += n;
	if (i < len && s[i] == ':') {
		n = parse_part(s + i + 1, len - i - 1, &r2, &c2, &a2, &k2);
		if (n > 0 && k1 == k2) {
			i += 1 + n;
			flags |= SHEET_REF_RANGE | a1 | a2 << 2;
			if (k1 == PART_COL) {
				r1 = 0, r2 = SHEET_MAX_ROWS - 1;
				flags |= SHEET_REF_COLS;
			} else if (k1 == PART_ROW) {
				c1 = 0, c2 = SHEET_MAX_COLS - 1;
				flags |= SHEET_REF_ROWS;
			}
			goto done;
		}
	}
	if (k1 != PART_CELL)
		return E_PARSE;
	r2 = r1, c2 = c1;
	flags |= a1 | a1 << 2;
done:
	/* A reversed range (A$4:A1) is stored in order; each end keeps its $. */
	if (r1 > r2 && !!(flags & SHEET_REF_ABS_R1) != !!(flags & SHEET_REF_ABS_R2))
		flags ^= SHEET_REF_ABS_R1 | SHEET_REF_ABS_R2;
	if (c1 > c2 && !!(flags & SHEET_REF_ABS_C1) != !!(flags & SHEET_REF_ABS_C2))
		flags ^= SHEET_REF_ABS_C1 | SHEET_REF_ABS_C2;
	out->sheet = sheet;
	out->r1 = r1 < r2 ? r1 : r2;
	out->r2 = r1 < r2 ? r2 : r1;
	out->c1 = c1 < c2 ? c1 : c2;
	out->c2 = c1 < c2 ? c2 : c1;
	out->flags = flags;
	*used = i;
	return missing ? E_NOTFOUND : 0;
}

size_t sheet_col_name(uint32_t col, char *buf, size_t n)
{
	char tmp[8];
	size_t k = 0, i;

	col++;
	while (col > 0 && k < sizeof(tmp)) {
		tmp[k++] = (char)('A' + (col - 1) % 26);
		col = (col - 1) / 26;
	}
	for (i = 0; i < k && i + 1 < n; i++)
		buf[i] = tmp[k - 1 - i];
	if (n > 0)
		buf[i] = '\0';
	return i;
}

static void fmt_part(struct buf *b, const struct sheet_ref *r, int second)
{
	char col[8];
	uint32_t row = second ? r->r2 : r->r1, c = second ? r->c2 : r->c1;
	unsigned ac = second ? SHEET_REF_ABS_C2 : SHEET_REF_ABS_C1;
	unsigned ar = second ? SHEET_REF_ABS_R2 : SHEET_REF_ABS_R1;

	if (!(r->flags & SHEET_REF_ROWS)) {
		sheet_col_name(c, col, sizeof(col));
		buf_printf(b, "%s%s", r->flags & ac ? "$" : "", col);
	}
	if (!(r->flags & SHEET_REF_COLS))
		buf_printf(b, "%s%u", r->flags & ar ? "$" : "", row + 1);
}

size_t sheet_ref_format(const struct sheet_book *wb, const struct sheet_ref *r, char *out, size_t n)
{
	struct buf b;
	size_t len;

	buf_init(&b);
	if (r->flags & SHEET_REF_SHEET) {
		const char *name = sheet_name(wb, r->sheet);
		int plain = name != NULL;

		for (const char *p = name; p && *p; p++)
			if (!isalnum((unsigned char)*p) && *p != '_')
				plain = 0;
		if (name == NULL)
			buf_adds(&b, "#REF");
		else if (plain && !isdigit((unsigned char)name[0]))
			buf_adds(&b, name);
		else {
			buf_addc(&b, '\'');
			for (const char *p = name; *p; p++) {
				if (*p == '\'')
					buf_addc(&b, '\'');
				buf_addc(&b, *p);
			}
			buf_addc(&b, '\'');
		}
		buf_addc(&b, '!');
	}
	fmt_part(&b, r, 0);
	if (r->flags & SHEET_REF_RANGE) {
		buf_addc(&b, ':');
		fmt_part(&b, r, 1);
	}
	len = b.len;
	if (n > 0) {
		size_t k = len < n - 1 ? len : n - 1;

		memcpy(out, buf_cstr(&b), k);
		out[k] = '\0';
	}
	buf_free(&b);
	return len;
}
