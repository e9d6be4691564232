/*
 * func_lookup.c - lookup and reference functions beyond func.c's: HLOOKUP,
 * XLOOKUP, LOOKUP, OFFSET, INDIRECT, ADDRESS and TRANSPOSE.
 *
 * Results that are cells are returned as references (SHEET_REF), so
 * SUM(OFFSET(A1,0,0,3)) and XLOOKUP returning a whole row work, and a
 * formula cell shows the implicit intersection. OFFSET and INDIRECT are
 * volatile and note the references they compute (sheet_eval_note), which
 * the recalculation turns into dependencies.
 *
 * TRANSPOSE returns an array value; a formula cell shows its first
 * element, as Excel does for TRANSPOSE entered in a single cell. LOOKUP
 * also searches arrays (LOOKUP(2,1/(A1:A9="x"),B1:B9), whose second and
 * third arguments are evaluated element by element).
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "modules/sheets/engine.h"
#include "modules/sheets/func_int.h"

static void ret_ref(struct sheet_value *out, const struct sheet_ref *r)
{
	free(out->str);
	memset(out, 0, sizeof(*out));
	out->type = SHEET_REF;
	out->ref = *r;
}

/* The single value of the lookup key; non-zero (out set) on error. */
static int key_get(const struct sheet_evalctx *cx, const struct sheet_value *a,
		   struct sheet_value *key, struct sheet_value *out)
{
	arg_value(cx, a, key);
	if (key->type == SHEET_ERROR) {
		ret_err(out, key->err);
		sheet_value_free(key);
		return 1;
	}
	if (key->type == SHEET_EMPTY)
		key->type = SHEET_NUM, key->num = 0;
	return 0;
}

FNX(hlookup)
{
	struct sheet_value key;
	double ri;
	int approx = 1;
	const struct sheet_ref *t = &args[1].ref;
	struct sheet_ref r;
	long at;

	if (args[1].type != SHEET_REF) {
		ret_err(out, args[1].type == SHEET_ERROR ? args[1].err : SHEET_ERR_VALUE);
		return;
	}
	if (arg_num(cx, &args[2], &ri, out))
		return;
	if (argc > 3 && args[3].type != SHEET_MISSING && arg_bool(cx, &args[3], &approx, out))
		return;
	ri = trunc(ri);
	if (ri < 1) {
		ret_err(out, SHEET_ERR_VALUE);
		return;
	}
	if (ri > (double)(t->r2 - t->r1 + 1)) {
		ret_err(out, SHEET_ERR_REF);
		return;
	}
	if (key_get(cx, &args[0], &key, out))
		return;
	at = sheet_find_in_line(cx, t->sheet, 0, t->r1, t->c1, sheet_last_col(cx, t), &key,
				approx ? 1 : 0);
	sheet_value_free(&key);
	if (at < 0) {
		ret_err(out, SHEET_ERR_NA);
		return;
	}
	r = *t;
	r.flags = 0;
	r.c1 = r.c2 = t->c1 + (uint32_t)at;
	r.r1 = r.r2 = t->r1 + (uint32_t)ri - 1;
	ret_ref(out, &r);
}

/* The i-th cell (0-based) of a one-row or one-column range. */
static struct sheet_ref nth_cell(const struct sheet_ref *v, uint32_t i)
{
	struct sheet_ref r = *v;

	r.flags = 0;
	if (v->c1 == v->c2) {
		r.r1 = r.r2 = v->r1 + i;
	} else {
		r.r1 = r.r2 = v->r1;
		r.c1 = r.c2 = v->c1 + i;
	}
	return r;
}

/* LOOKUP where the lookup or result vector is an array. A 2-D lookup
 * array is searched along its first column if at least as tall as wide,
 * else its first row, and answers from its last column or row. */
static void lookup_array(const struct sheet_evalctx *cx, struct sheet_value *args, int argc,
			 struct sheet_value *out)
{
	struct sheet_value key, v;
	struct sheet_array *line;
	uint32_t h, w, n;
	int vertical;
	long at;

	if (args[1].type != SHEET_REF && args[1].type != SHEET_ARRAY) {
		ret_err(out, args[1].type == SHEET_ERROR ? args[1].err : SHEET_ERR_NA);
		return;
	}
	if (argc > 2 && args[2].type != SHEET_REF && args[2].type != SHEET_ARRAY) {
		ret_err(out, args[2].type == SHEET_ERROR ? args[2].err : SHEET_ERR_NA);
		return;
	}
	sheet_value_dims(&args[1], &h, &w);
	vertical = h >= w;
	n = vertical ? h : w;
	line = sheet_array_new(n, 1);
	if (line == NULL) {
		ret_err(out, SHEET_ERR_NUM);
		return;
	}
	for (uint32_t k = 0; k < n; k++) {
		sheet_value_at(cx, &args[1], vertical ? k : 0, vertical ? 0 : k, &v);
		sheet_array_set(&line, k, &v);
	}
	if (key_get(cx, &args[0], &key, out)) {
		free(line);
		return;
	}
	at = sheet_find_in_array(line, &key, 1);
	sheet_value_free(&key);
	free(line);
	if (at < 0) {
		ret_err(out, SHEET_ERR_NA);
		return;
	}
	if (argc > 2) {
		sheet_value_dims(&args[2], &h, &w);
		if (h != 1 && w != 1) {
			ret_err(out, SHEET_ERR_NA);
			return;
		}
		if ((uint32_t)at >= (w == 1 ? h : w)) {
			ret_err(out, SHEET_ERR_NA);
			return;
		}
		sheet_value_at(cx, &args[2], w == 1 ? (uint32_t)at : 0, w == 1 ? 0 : (uint32_t)at, &v);
	} else {
		sheet_value_at(cx, &args[1], vertical ? (uint32_t)at : h - 1,
			       vertical ? w - 1 : (uint32_t)at, &v);
	}
	free(out->str);
	sheet_value_copy(out, &v);
}

FNX(lookup)
{
	struct sheet_value key;
	const struct sheet_ref *t = &args[1].ref;
	struct sheet_ref r;
	int vertical;
	long at;

	if (args[1].type == SHEET_ARRAY || (argc > 2 && args[2].type == SHEET_ARRAY)) {
		lookup_array(cx, args, argc, out);
		return;
	}
	if (args[1].type != SHEET_REF || (argc > 2 && args[2].type != SHEET_REF)) {
		ret_err(out, args[1].type == SHEET_ERROR ? args[1].err : SHEET_ERR_NA);
		return;
	}
	/* a 2-D range: search the first column if it is at least as tall as
	 * wide, else the first row; the result is in the last one */
	vertical = t->r2 - t->r1 >= t->c2 - t->c1;
	if (key_get(cx, &args[0], &key, out))
		return;
	if (vertical)
		at = sheet_find_in_line(cx, t->sheet, 1, t->c1, t->r1, sheet_last_row(cx, t), &key,
					1);
	else
		at = sheet_find_in_line(cx, t->sheet, 0, t->r1, t->c1, sheet_last_col(cx, t), &key,
					1);
	sheet_value_free(&key);
	if (at < 0) {
		ret_err(out, SHEET_ERR_NA);
		return;
	}
	if (argc > 2) {
		const struct sheet_ref *v = &args[2].ref;

		if (v->r1 != v->r2 && v->c1 != v->c2) {
			ret_err(out, SHEET_ERR_NA);
			return;
		}
		r = nth_cell(v, (uint32_t)at);
		if (r.r1 >= SHEET_MAX_ROWS || r.c1 >= SHEET_MAX_COLS) {
			ret_err(out, SHEET_ERR_REF);
			return;
		}
	} else {
		r = *t;
		r.flags = 0;
		if (vertical) {
			r.r1 = r.r2 = t->r1 + (uint32_t)at;
			r.c1 = r.c2 = t->c2;
		} else {
			r.c1 = r.c2 = t->c1 + (uint32_t)at;
			r.r1 = r.r2 = t->r2;
		}
	}
	ret_ref(out, &r);
}

/* ---- XLOOKUP ------------------------------------------------------------------ */

static void line_get(const struct sheet_evalctx *cx, const struct sheet_ref *t, int vertical,
		     long i, struct sheet_value *v)
{
	if (vertical)
		sheet_get(cx->wb, t->sheet, t->r1 + (uint32_t)i, t->c1, v);
	else
		sheet_get(cx->wb, t->sheet, t->r1, t->c1 + (uint32_t)i, v);
}

/* Compare a cell with the key: 0 equal, <0 less, >0 greater, 2 not of
 * the key's kind (skipped). */
static int xcmp(const struct sheet_value *v, const struct sheet_value *key, int wild)
{
	int kt = key->type == SHEET_BOOL ? 2 : key->type == SHEET_TEXT ? 1 : 0;
	int vt = v->type == SHEET_BOOL ? 2 : v->type == SHEET_TEXT ? 1 : v->type == SHEET_NUM ? 0 : -1;

	if (vt != kt)
		return 2;
	if (wild && kt == 1)
		return sheet_wild_match(key->str, v->str) ? 0 : sheet_compare(v, key) < 0 ? -1 : 1;
	return sheet_compare(v, key);
}

/* Linear search; mode 0 exact, -1 exact or next smaller, 1 exact or next
 * larger, 2 wildcards; from the end when rev. */
static long xlinear(const struct sheet_evalctx *cx, const struct sheet_ref *t, int vertical,
		    long n, const struct sheet_value *key, int mode, int rev)
{
	long best = -1;
	struct sheet_value bv = {0};

	for (long k = 0; k < n; k++) {
		long i = rev ? n - 1 - k : k;
		struct sheet_value v;
		int c;

		line_get(cx, t, vertical, i, &v);
		c = xcmp(&v, key, mode == 2);
		if (c == 2)
			continue;
		if (c == 0)
			return i;
		if ((mode == -1 && c < 0) || (mode == 1 && c > 0)) {
			int better = best < 0 || (mode == -1 ? sheet_compare(&v, &bv) > 0
							     : sheet_compare(&v, &bv) < 0);

			if (better)
				best = i, bv = v;
		}
	}
	return best;
}

/* Binary search over sorted data (desc: descending). */
static long xbinary(const struct sheet_evalctx *cx, const struct sheet_ref *t, int vertical,
		    long n, const struct sheet_value *key, int mode, int desc)
{
	long lo = 0, hi = n - 1, below = -1, above = -1;

	while (lo <= hi) {
		long mid = lo + (hi - lo) / 2;
		struct sheet_value v;
		int c;

		line_get(cx, t, vertical, mid, &v);
		c = xcmp(&v, key, 0);
		if (c == 2)
			c = v.type == SHEET_EMPTY ? 1 : (v.type == SHEET_ERROR ? 1 : -1);
		if (c == 0)
			return mid;
		if (desc)
			c = -c;
		if (c < 0) {
			if (!desc)
				below = mid;
			else
				above = mid;
			lo = mid + 1;
		} else {
			if (!desc)
				above = mid;
			else
				below = mid;
			hi = mid - 1;
		}
	}
	return mode == -1 ? below : mode == 1 ? above : -1;
}

FNX(xlookup)
{
	struct sheet_value key;
	const struct sheet_ref *t = &args[1].ref, *rt = &args[2].ref;
	double mm = 0, sm = 1;
	int vertical;
	long n, at;
	struct sheet_ref r;

	for (int i = 1; i <= 2; i++)
		if (args[i].type != SHEET_REF) {
			ret_err(out, args[i].type == SHEET_ERROR ? args[i].err : SHEET_ERR_VALUE);
			return;
		}
	if ((argc > 4 && args[4].type != SHEET_MISSING && arg_num(cx, &args[4], &mm, out)) ||
	    (argc > 5 && args[5].type != SHEET_MISSING && arg_num(cx, &args[5], &sm, out)))
		return;
	mm = trunc(mm);
	sm = trunc(sm);
	if ((mm != 0 && mm != -1 && mm != 1 && mm != 2) ||
	    (sm != 1 && sm != -1 && sm != 2 && sm != -2) || (mm == 2 && fabs(sm) == 2)) {
		ret_err(out, SHEET_ERR_VALUE);
		return;
	}
	if (t->r1 != t->r2 && t->c1 != t->c2) {
		ret_err(out, SHEET_ERR_VALUE);
		return;
	}
	vertical = t->c1 == t->c2 && t->r1 != t->r2;
	if (t->r1 == t->r2 && t->c1 == t->c2) /* one cell: its shape follows the result's */
		vertical = rt->r2 - rt->r1 == 0 ? 0 : 1;
	n = vertical ? (long)(t->r2 - t->r1) + 1 : (long)(t->c2 - t->c1) + 1;
	if (vertical ? (long)(rt->r2 - rt->r1) + 1 != n : (long)(rt->c2 - rt->c1) + 1 != n) {
		ret_err(out, SHEET_ERR_VALUE);
		return;
	}
	if (key_get(cx, &args[0], &key, out))
		return;
	/* beyond the sheet's extent everything is empty and never matches */
	long used = vertical ? (long)(sheet_last_row(cx, t) - t->r1) + 1
			     : (long)(sheet_last_col(cx, t) - t->c1) + 1;

	if (used < n)
		n = used;
	if (fabs(sm) == 2)
		at = xbinary(cx, t, vertical, n, &key, (int)mm, sm < 0);
	else
		at = xlinear(cx, t, vertical, n, &key, (int)mm, sm < 0);
	sheet_value_free(&key);
	if (at < 0) {
		if (argc > 3 && args[3].type != SHEET_MISSING) {
			free(out->str);
			*out = args[3]; /* take it: the caller frees args' strings */
			args[3].str = NULL;
		} else {
			ret_err(out, SHEET_ERR_NA);
		}
		return;
	}
	r = *rt;
	r.flags = 0;
	if (vertical)
		r.r1 = r.r2 = rt->r1 + (uint32_t)at;
	else
		r.c1 = r.c2 = rt->c1 + (uint32_t)at;
	ret_ref(out, &r);
}

/* ---- OFFSET, INDIRECT, ADDRESS -------------------------------------------------- */

FNX(offset)
{
	const struct sheet_ref *b = &args[0].ref;
	double dr, dc, h, w, r1, c1, r2, c2;
	struct sheet_ref r;

	if (args[0].type != SHEET_REF) {
		ret_err(out, args[0].type == SHEET_ERROR ? args[0].err : SHEET_ERR_VALUE);
		return;
	}
	if (arg_num(cx, &args[1], &dr, out) || arg_num(cx, &args[2], &dc, out))
		return;
	h = (double)(b->r2 - b->r1) + 1;
	w = (double)(b->c2 - b->c1) + 1;
	if ((argc > 3 && args[3].type != SHEET_MISSING && arg_num(cx, &args[3], &h, out)) ||
	    (argc > 4 && args[4].type != SHEET_MISSING && arg_num(cx, &args[4], &w, out)))
		return;
	dr = trunc(dr), dc = trunc(dc), h = trunc(h), w = trunc(w);
	if (h == 0 || w == 0) {
		ret_err(out, SHEET_ERR_REF);
		return;
	}
	r1 = (double)b->r1 + dr;
	c1 = (double)b->c1 + dc;
	/* a negative height or width extends up or left from there */
	r2 = h > 0 ? r1 + h - 1 : r1;
	if (h < 0)
		r1 = r1 + h + 1;
	c2 = w > 0 ? c1 + w - 1 : c1;
	if (w < 0)
		c1 = c1 + w + 1;
	if (r1 < 0 || c1 < 0 || r2 >= SHEET_MAX_ROWS || c2 >= SHEET_MAX_COLS) {
		ret_err(out, SHEET_ERR_REF);
		return;
	}
	r = (struct sheet_ref){b->sheet, (uint32_t)r1, (uint32_t)c1, (uint32_t)r2, (uint32_t)c2, 0};
	if (r.r1 != r.r2 || r.c1 != r.c2)
		r.flags |= SHEET_REF_RANGE;
	sheet_eval_note(cx, &r);
	ret_ref(out, &r);
}

/* One R1C1 part at *p: R, R5, R[-2] (kind 'R') or the C ones; *v is
 * 0-based, relative to base when in brackets. 0 or -1. */
static int rc_part(const char **pp, char kind, uint32_t base, uint32_t max, long *v, int *given)
{
	const char *p = *pp;
	long x;
	char *end;

	if (toupper((unsigned char)*p) != kind)
		return -1;
	p++;
	*given = 1;
	if (*p == '[') {
		x = strtol(p + 1, &end, 10);
		if (end == p + 1 || *end != ']')
			return -1;
		x += (long)base;
		p = end + 1;
	} else if (isdigit((unsigned char)*p)) {
		x = strtol(p, &end, 10) - 1;
		p = end;
	} else {
		x = (long)base;
		*given = 0; /* bare R or C: the whole row or column, or this one */
	}
	if (x < 0 || x >= (long)max)
		return -1;
	*v = x;
	*pp = p;
	return 0;
}

/* "R1C1", "R[-1]C", "R2C3:R4C5", "R2" (a row), "C3" (a column). */
static int parse_r1c1(const struct sheet_evalctx *cx, const char *s, struct sheet_ref *out)
{
	const char *p = s;
	long r[2] = {0, 0}, c[2] = {0, 0};
	int hasr[2] = {0, 0}, hasc[2] = {0, 0}, n = 0;

	for (n = 0; n < 2; n++) {
		int g;

		if (toupper((unsigned char)*p) == 'R') {
			if (rc_part(&p, 'R', cx->row, SHEET_MAX_ROWS, &r[n], &g) != 0)
				return -1;
			hasr[n] = 1;
		}
		if (toupper((unsigned char)*p) == 'C') {
			if (rc_part(&p, 'C', cx->col, SHEET_MAX_COLS, &c[n], &g) != 0)
				return -1;
			hasc[n] = 1;
		}
		if (!hasr[n] && !hasc[n])
			return -1;
		if (*p != ':')
			break;
		p++;
	}
	if (*p != '\0')
		return -1;
	if (n == 2)
		n = 1;
	memset(out, 0, sizeof(*out));
	out->sheet = cx->sheet;
	if (n == 0) {
		r[1] = r[0], c[1] = c[0], hasr[1] = hasr[0], hasc[1] = hasc[0];
	} else if (hasr[0] != hasr[1] || hasc[0] != hasc[1]) {
		return -1;
	}
	if (!hasc[0]) { /* rows */
		c[0] = 0, c[1] = SHEET_MAX_COLS - 1;
		out->flags |= SHEET_REF_ROWS | SHEET_REF_RANGE;
	}
	if (!hasr[0]) { /* columns */
		r[0] = 0, r[1] = SHEET_MAX_ROWS - 1;
		out->flags |= SHEET_REF_COLS | SHEET_REF_RANGE;
	}
	out->r1 = (uint32_t)(r[0] < r[1] ? r[0] : r[1]);
	out->r2 = (uint32_t)(r[0] < r[1] ? r[1] : r[0]);
	out->c1 = (uint32_t)(c[0] < c[1] ? c[0] : c[1]);
	out->c2 = (uint32_t)(c[0] < c[1] ? c[1] : c[0]);
	if (n == 1)
		out->flags |= SHEET_REF_RANGE;
	return 0;
}

FNX(indirect)
{
	char *s, *body;
	int a1 = 1;
	struct sheet_ref r;
	size_t len, used;
	int sheet = cx->sheet, ok = -1;

	if ((s = arg_text(cx, &args[0], out)) == NULL)
		return;
	if (argc > 1 && args[1].type != SHEET_MISSING && arg_bool(cx, &args[1], &a1, out)) {
		free(s);
		return;
	}
	len = strlen(s);
	/* a named range */
	for (size_t i = 0; i < cx->wb->nnames; i++)
		if (strcasecmp(cx->wb->names[i].name, s) == 0) {
			r = cx->wb->names[i].ref;
			ok = 0;
			break;
		}
	if (ok != 0 && a1) {
		if (sheet_ref_parse(cx->wb, cx->sheet, s, len, &r, &used) == 0 && used == len)
			ok = 0;
	} else if (ok != 0) {
		/* R1C1, maybe after Sheet! or 'My sheet'! */
		body = s;
		char *bang = strrchr(s, '!');

		if (bang != NULL) {
			const char *name = s;
			size_t nl = (size_t)(bang - s);

			if (nl >= 2 && s[0] == '\'' && s[nl - 1] == '\'')
				name = s + 1, nl -= 2;
			sheet = sheet_find(cx->wb, name, nl);
			body = bang + 1;
		}
		if (sheet >= 0) {
			struct sheet_evalctx c2 = *cx;

			c2.sheet = sheet;
			ok = parse_r1c1(&c2, body, &r);
		}
	}
	free(s);
	if (ok != 0 || r.sheet < 0) {
		ret_err(out, SHEET_ERR_REF);
		return;
	}
	sheet_eval_note(cx, &r);
	ret_ref(out, &r);
}

/* Sheet names that need quotes in a reference: anything but letters,
 * digits, '_' and '.', or a leading digit. */
static int needs_quotes(const char *s)
{
	if (isdigit((unsigned char)s[0]) || s[0] == '\0')
		return 1;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '_' && *s != '.' && (unsigned char)*s < 0x80)
			return 1;
	return 0;
}

FNX(address)
{
	double row, col, abs = 1;
	int a1 = 1;
	char *sh = NULL, cn[16], ref[64];
	struct buf b;

	if (arg_num(cx, &args[0], &row, out) || arg_num(cx, &args[1], &col, out))
		return;
	if ((argc > 2 && args[2].type != SHEET_MISSING && arg_num(cx, &args[2], &abs, out)) ||
	    (argc > 3 && args[3].type != SHEET_MISSING && arg_bool(cx, &args[3], &a1, out)))
		return;
	row = trunc(row), col = trunc(col), abs = trunc(abs);
	if (row < 1 || col < 1 || row > SHEET_MAX_ROWS || col > SHEET_MAX_COLS || abs < 1 ||
	    abs > 4) {
		ret_err(out, SHEET_ERR_VALUE);
		return;
	}
	if (argc > 4 && args[4].type != SHEET_MISSING && (sh = arg_text(cx, &args[4], out)) == NULL)
		return;
	int ar = abs == 1 || abs == 2, ac = abs == 1 || abs == 3;

	if (a1) {
		sheet_col_name((uint32_t)col - 1, cn, sizeof(cn));
		snprintf(ref, sizeof(ref), "%s%s%s%.0f", ac ? "$" : "", cn, ar ? "$" : "", row);
	} else {
		snprintf(ref, sizeof(ref), ar ? "R%.0f" : "R[%.0f]", row);
		snprintf(ref + strlen(ref), sizeof(ref) - strlen(ref), ac ? "C%.0f" : "C[%.0f]",
			 col);
	}
	buf_init(&b);
	if (sh != NULL && sh[0] != '\0') {
		if (needs_quotes(sh)) {
			buf_addc(&b, '\'');
			for (const char *p = sh; *p; p++) {
				if (*p == '\'')
					buf_addc(&b, '\'');
				buf_addc(&b, *p);
			}
			buf_addc(&b, '\'');
		} else {
			buf_adds(&b, sh);
		}
		buf_addc(&b, '!');
	}
	free(sh);
	buf_adds(&b, ref);
	ret_text(out, buf_detach(&b));
}

FNX(transpose)
{
	struct sheet_array *a, *src = NULL;
	struct sheet_value v;
	uint32_t h, w;
	int er = 0;

	(void)argc;
	if (args[0].type != SHEET_REF && args[0].type != SHEET_ARRAY) {
		/* a single value is its own transpose */
		free(out->str);
		*out = args[0];
		args[0].str = NULL;
		if (out->type == SHEET_MISSING)
			out->type = SHEET_EMPTY;
		return;
	}
	if (args[0].type == SHEET_REF && (src = sheet_ref_array(cx, &args[0].ref, &er)) == NULL) {
		ret_err(out, er);
		return;
	}
	if (src == NULL)
		src = args[0].arr;
	h = src->rows, w = src->cols;
	a = sheet_array_new(w, h);
	for (uint32_t i = 0; i < h; i++)
		for (uint32_t j = 0; j < w; j++) {
			sheet_array_get(src, i * w + j, &v);
			sheet_array_set(&a, j * h + i, &v);
		}
	if (args[0].type == SHEET_REF)
		free(src);
	sheet_value_array(out, a);
}
