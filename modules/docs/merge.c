/*
 * merge.c - three-way merge of texts, line by line (docs_merge3 in
 * docs.h): what the sync layer runs when a save meets a newer server copy.
 *
 * Each text is cut into lines that keep their terminator ("\n" or
 * "\r\n"; the last may have none), and every line is interned to an
 * integer so the diffs compare integers. Two diffs (base to local, base to
 * remote) are Myers' O(ND) algorithm in its linear-space form: find the
 * middle of an optimal path, recurse on both halves, after trimming the
 * common head and tail at every level. Each diff has a work budget: a part
 * whose search would pass it is reported as changed as a whole, so
 * unrelated texts cost a bounded time and merge as one conflict.
 *
 * The merge walks the hunks of both diffs in base order and groups those
 * that overlap. A group changed by one side takes that side; one changed
 * the same way by both takes it once; otherwise it is a conflict, written
 * with both sides and the base between markers. Changes that only touch
 * (one ends on the base line where the other begins) are not a conflict;
 * two insertions at the same place are, unless equal.
 */
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/core.h"
#include "modules/docs/docs.h"

/* Work units (diagonals visited plus lines compared) one diff may spend:
 * a fixed part and a part per line, a few tenths of a second at most. */
#define MERGE_BUDGET 20000000LL
#define MERGE_BUDGET_LINE 200
/* Edits one search looks through for the middle before it settles for
 * the point furthest from the start it has reached (as GNU diff's
 * heuristic does): a text with thousands of changes then costs a number
 * of searches of bounded size, at the price of a diff that may not be
 * the shortest. */
#define MERGE_SEARCH 2048

struct mline {
	const char *p;
	size_t len;
};

struct mtext {
	struct mline *l;
	uint32_t *id;
	size_t n;
};

/* The interned lines of all three texts: open addressing on the hash.
 * A slot holds what a probe needs (hash, where the line is) so a lookup
 * costs one cache miss in the table and one in the text. */
struct islot {
	uint64_t hash;
	const char *p;
	uint32_t len;
	uint32_t id; /* id + 1; 0 free */
};

struct intern {
	struct islot *slot;
	size_t n, cap;
};

struct hunk {
	size_t bs, be; /* base lines [bs, be) */
	size_t ss, se; /* the side's lines that replace them */
};

struct hunks {
	struct hunk *h;
	size_t n, cap;
};

struct differ {
	const uint32_t *a, *b;
	unsigned char *ca, *cb; /* changed: deleted from a, inserted in b */
	long *vf, *vb;		/* by diagonal + voff (backward: - delta) */
	long voff, vmax;
	long long budget;
};

/* Eight bytes at a time, then a full avalanche: table slots come from
 * the low bits, and lines that differ in one digit must spread. */
static uint64_t line_hash(const char *p, size_t n)
{
	uint64_t h = 0x9e3779b97f4a7c15ULL ^ n, w;
	size_t i = 0;

	for (; i + 8 <= n; i += 8) {
		memcpy(&w, p + i, 8);
		h = (h ^ w) * 0xff51afd7ed558ccdULL;
		h ^= h >> 32;
	}
	w = 0;
	memcpy(&w, p + i, n - i);
	h = (h ^ w) * 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	return h;
}

static void intern_grow(struct intern *in)
{
	size_t cap = in->cap ? in->cap * 2 : 1024;
	struct islot *slot = xcalloc(cap, sizeof *slot);

	for (size_t i = 0; i < in->cap; i++) {
		size_t j;

		if (in->slot[i].id == 0)
			continue;
		for (j = in->slot[i].hash & (cap - 1); slot[j].id; j = (j + 1) & (cap - 1))
			;
		slot[j] = in->slot[i];
	}
	free(in->slot);
	in->slot = slot;
	in->cap = cap;
}

static uint32_t intern_line(struct intern *in, const struct mline *l)
{
	uint64_t h = line_hash(l->p, l->len);
	struct islot *sl;
	size_t j;

	if ((in->n + 1) * 2 > in->cap)
		intern_grow(in);
	for (j = h & (in->cap - 1);; j = (j + 1) & (in->cap - 1)) {
		sl = &in->slot[j];
		if (sl->id == 0)
			break;
		if (sl->hash == h && sl->len == l->len && memcmp(sl->p, l->p, l->len) == 0)
			return sl->id - 1;
	}
	sl->hash = h;
	sl->p = l->p;
	sl->len = (uint32_t)l->len;
	sl->id = (uint32_t)++in->n;
	return sl->id - 1;
}

static void intern_free(struct intern *in)
{
	free(in->slot);
}

/* Cut s into lines, each with its terminator. */
static void text_split(struct mtext *t, const char *s, size_t n)
{
	size_t cap = 0, i = 0;

	t->l = NULL;
	t->n = 0;
	while (i < n) {
		const char *nl = memchr(s + i, '\n', n - i);
		size_t e = nl ? (size_t)(nl - s) + 1 : n;

		if (t->n == cap) {
			cap = cap ? cap * 2 : 256;
			t->l = xreallocarray(t->l, cap, sizeof *t->l);
		}
		t->l[t->n].p = s + i;
		t->l[t->n].len = e - i;
		t->n++;
		i = e;
	}
	t->id = xreallocarray(NULL, t->n ? t->n : 1, sizeof *t->id);
}

static void text_intern(struct mtext *t, struct intern *in)
{
	for (size_t i = 0; i < t->n; i++)
		t->id[i] = intern_line(in, &t->l[i]);
}

static void text_free(struct mtext *t)
{
	free(t->l);
	free(t->id);
}

/* ---- the diff --------------------------------------------------------------- */

static void mark_all(struct differ *d, size_t a0, size_t a1, size_t b0, size_t b1)
{
	if (a1 > a0)
		memset(d->ca + a0, 1, a1 - a0);
	if (b1 > b0)
		memset(d->cb + b0, 1, b1 - b0);
}

/* The point of the last forward sweep (diagonals fmin..fmax) furthest
 * from the start, inside the box: a split that is not optimal but moves
 * on. -1 when there is none. */
static int diff_furthest(const long *vf, long fmin, long fmax, long n, long m, long *sx,
			 long *sy)
{
	long best = -1;

	for (long k = fmax; k >= fmin; k -= 2) {
		long x = vf[k], y = x - k;

		if (x >= 0 && x <= n && y >= 0 && y <= m && x + y > best) {
			best = x + y;
			*sx = x;
			*sy = y;
		}
	}
	return best > 0 ? 0 : -1;
}

/*
 * The middle of an optimal path through a[a0, a1) x b[b0, b1) (whose
 * first and last lines differ): searches forward from the top left and
 * backward from the bottom right, one edit at a time, until the two meet
 * on a diagonal. Only diagonals that cross the box are searched; the
 * value past the outermost ones is a sentinel that is never chosen. Sets
 * (*sx, *sy), a point on an optimal path, or after MERGE_SEARCH steps
 * the furthest point reached. -1 when the budget runs out.
 */
static int diff_middle(struct differ *d, long a0, long a1, long b0, long b1, long *sx, long *sy)
{
	const uint32_t *a = d->a, *b = d->b;
	long n = a1 - a0, m = b1 - b0, delta = n - m;
	long *vf = d->vf + d->voff, *vb = d->vb + d->voff;
	long fmin = 0, fmax = 0, bmin = delta, bmax = delta;
	int odd = delta & 1;

	/* vb is indexed by diagonal - delta: both stay within +-(c + 1) */
#define VB(k) vb[(k) - delta]
	vf[0] = 0;
	VB(delta) = n;
	for (long c = 1; c < d->vmax; c++) {
		d->budget -= 2 * c + 2;
		if (d->budget < 0)
			return -1;
		if (c == MERGE_SEARCH)
			return diff_furthest(vf, fmin, fmax, n, m, sx, sy);
		if (fmin > -m)
			vf[--fmin - 1] = -1;
		else
			fmin++;
		if (fmax < n)
			vf[++fmax + 1] = -1;
		else
			fmax--;
		for (long k = fmax; k >= fmin; k -= 2) {
			long lo = vf[k - 1], hi = vf[k + 1];
			long x = lo >= hi ? lo + 1 : hi, y = x - k;

			while (x < n && y < m && a[a0 + x] == b[b0 + y]) {
				x++;
				y++;
				d->budget--;
			}
			vf[k] = x;
			if (odd && bmin <= k && k <= bmax && VB(k) <= x) {
				*sx = x;
				*sy = y;
				return 0;
			}
		}
		if (bmin > -m)
			VB(--bmin - 1) = LONG_MAX;
		else
			bmin++;
		if (bmax < n)
			VB(++bmax + 1) = LONG_MAX;
		else
			bmax--;
		for (long k = bmax; k >= bmin; k -= 2) {
			long lo = VB(k - 1), hi = VB(k + 1);
			long x = lo < hi ? lo : hi - 1, y = x - k;

			while (x > 0 && y > 0 && a[a0 + x - 1] == b[b0 + y - 1]) {
				x--;
				y--;
				d->budget--;
			}
			VB(k) = x;
			if (!odd && fmin <= k && k <= fmax && x <= vf[k]) {
				*sx = x;
				*sy = y;
				return 0;
			}
		}
	}
#undef VB
	return -1;
}

static void diff_rec(struct differ *d, long a0, long a1, long b0, long b1)
{
	long sx, sy;

	while (a0 < a1 && b0 < b1 && d->a[a0] == d->b[b0]) {
		a0++;
		b0++;
	}
	while (a0 < a1 && b0 < b1 && d->a[a1 - 1] == d->b[b1 - 1]) {
		a1--;
		b1--;
	}
	if (a0 == a1 || b0 == b1) {
		mark_all(d, (size_t)a0, (size_t)a1, (size_t)b0, (size_t)b1);
		return;
	}
	if (diff_middle(d, a0, a1, b0, b1, &sx, &sy) != 0 || (sx == 0 && sy == 0) ||
	    (sx == a1 - a0 && sy == b1 - b0) || sx < 0 || sy < 0 || sx > a1 - a0 ||
	    sy > b1 - b0) {
		/* too costly (or a split that would not shrink): all changed */
		mark_all(d, (size_t)a0, (size_t)a1, (size_t)b0, (size_t)b1);
		return;
	}
	diff_rec(d, a0, a0 + sx, b0, b0 + sy);
	diff_rec(d, a0 + sx, a1, b0 + sy, b1);
}

static void hunk_add(struct hunks *hs, size_t bs, size_t be, size_t ss, size_t se)
{
	if (hs->n == hs->cap) {
		hs->cap = hs->cap ? hs->cap * 2 : 64;
		hs->h = xreallocarray(hs->h, hs->cap, sizeof *hs->h);
	}
	hs->h[hs->n++] = (struct hunk){ bs, be, ss, se };
}

/* The hunks that turn base into side, in base order. */
static void diff_hunks(const struct mtext *base, const struct mtext *side, struct hunks *out)
{
	struct differ d;
	size_t n = base->n, m = side->n, i = 0, j = 0;
	long vmax = (long)(n + m) / 2 + 2;
	memset(&d, 0, sizeof d);
	d.a = base->id;
	d.b = side->id;
	d.ca = xcalloc(n + 1, 1);
	d.cb = xcalloc(m + 1, 1);
	d.budget = MERGE_BUDGET + MERGE_BUDGET_LINE * (long long)(n + m);
	/* a search meets its middle by step (n + m) / 2 + 1, or stops at
	 * MERGE_SEARCH */
	d.vmax = vmax < MERGE_SEARCH + 1 ? vmax : MERGE_SEARCH + 1;
	d.voff = d.vmax + 2;
	d.vf = xcalloc((size_t)(2 * d.voff + 1), sizeof *d.vf);
	d.vb = xcalloc((size_t)(2 * d.voff + 1), sizeof *d.vb);
	diff_rec(&d, 0, (long)n, 0, (long)m);

	out->n = 0;
	while (i < n || j < m) {
		size_t bs = i, ss = j;

		if (i < n && j < m && !d.ca[i] && !d.cb[j]) {
			i++;
			j++;
			continue;
		}
		while (i < n && d.ca[i])
			i++;
		while (j < m && d.cb[j])
			j++;
		if (i == bs && j == ss) /* cannot happen: the marks pair up */
			fatal("merge: unpaired diff marks at %zu, %zu", i, j);
		hunk_add(out, bs, i, ss, j);
	}
	free(d.ca);
	free(d.cb);
	free(d.vf);
	free(d.vb);
}

/* ---- the merge -------------------------------------------------------------- */

struct emit {
	struct buf *out;
	const char *eol;
	int open; /* the last line written has no terminator */
};

static void emit_line(struct emit *em, const struct mline *l)
{
	if (em->open)
		buf_adds(em->out, em->eol);
	buf_add(em->out, l->p, l->len);
	em->open = l->len == 0 || l->p[l->len - 1] != '\n';
}

static void emit_marker(struct emit *em, const char *mark, const char *label)
{
	if (em->open)
		buf_adds(em->out, em->eol);
	buf_adds(em->out, mark);
	if (label && *label) {
		buf_addc(em->out, ' ');
		buf_adds(em->out, label);
	}
	buf_adds(em->out, em->eol);
	em->open = 0;
}

/* Lines of one side over base [lo, hi), given the side's hunks [h0, h1)
 * that fall there: a list of line pointers. */
struct span {
	const struct mline **l;
	size_t n, cap;
};

static void span_add(struct span *s, const struct mline *l)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 16;
		s->l = xreallocarray(s->l, s->cap, sizeof *s->l);
	}
	s->l[s->n++] = l;
}

static void side_span(const struct mtext *base, const struct mtext *side, const struct hunk *h,
		      size_t nh, size_t lo, size_t hi, struct span *out)
{
	size_t at = lo;

	out->n = 0;
	for (size_t i = 0; i < nh; i++) {
		for (; at < h[i].bs; at++)
			span_add(out, &base->l[at]);
		for (size_t k = h[i].ss; k < h[i].se; k++)
			span_add(out, &side->l[k]);
		at = h[i].be;
	}
	for (; at < hi; at++)
		span_add(out, &base->l[at]);
}

static int span_same(const struct span *x, const struct span *y)
{
	if (x->n != y->n)
		return 0;
	for (size_t i = 0; i < x->n; i++)
		if (x->l[i]->len != y->l[i]->len ||
		    memcmp(x->l[i]->p, y->l[i]->p, x->l[i]->len) != 0)
			return 0;
	return 1;
}

/* Does hunk h overlap the group [lo, hi)? An empty range is an insertion
 * point: it overlaps a range that holds it strictly inside, or another
 * insertion at the same point. Ranges that only touch do not overlap. */
static int overlaps(const struct hunk *h, size_t lo, size_t hi)
{
	if (h->bs == h->be && lo == hi)
		return h->bs == lo;
	if (h->bs == h->be)
		return lo < h->bs && h->bs < hi;
	if (lo == hi)
		return h->bs < lo && lo < h->be;
	return h->bs < hi && lo < h->be;
}

/* The file's line ending, for the markers: the first one found. */
static const char *text_eol(const struct mtext *const *t, size_t n)
{
	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; k < t[i]->n; k++) {
			const struct mline *l = &t[i]->l[k];

			if (l->len && l->p[l->len - 1] == '\n')
				return l->len > 1 && l->p[l->len - 2] == '\r' ? "\r\n" : "\n";
		}
	return "\n";
}

int docs_merge3(const char *base, size_t nbase, const char *local, size_t nlocal,
		const char *remote, size_t nremote, const char *local_label,
		const char *remote_label, struct buf *out, int *conflicts, struct err *e)
{
	struct mtext tb, tl, tr;
	const struct mtext *all[3] = { &tb, &tl, &tr };
	struct intern in;
	struct hunks hl = { 0 }, hr = { 0 };
	struct span sl = { 0 }, sr = { 0 };
	struct emit em = { out, "\n", 0 };
	size_t il = 0, ir = 0, at = 0;
	int nconf = 0;

	if (conflicts)
		*conflicts = 0;
	if (nbase >= UINT32_MAX || nlocal >= UINT32_MAX || nremote >= UINT32_MAX)
		return err_set(e, E_RANGE, "merge: a text of 4 GB or more");
	memset(&in, 0, sizeof in);
	text_split(&tb, base ? base : "", base ? nbase : 0);
	text_split(&tl, local ? local : "", local ? nlocal : 0);
	text_split(&tr, remote ? remote : "", remote ? nremote : 0);
	text_intern(&tb, &in);
	text_intern(&tl, &in);
	text_intern(&tr, &in);
	em.eol = text_eol(all, 3);
	diff_hunks(&tb, &tl, &hl);
	diff_hunks(&tb, &tr, &hr);

	while (il < hl.n || ir < hr.n) {
		size_t l0 = il, r0 = ir, lo, hi;
		int first_local;

		/* the earliest hunk opens the group; at one place an insertion
		 * goes before a change, so it is placed before the change */
		if (il == hl.n)
			first_local = 0;
		else if (ir == hr.n)
			first_local = 1;
		else if (hl.h[il].bs != hr.h[ir].bs)
			first_local = hl.h[il].bs < hr.h[ir].bs;
		else
			first_local = hl.h[il].bs == hl.h[il].be;
		if (first_local) {
			lo = hl.h[il].bs;
			hi = hl.h[il++].be;
		} else {
			lo = hr.h[ir].bs;
			hi = hr.h[ir++].be;
		}
		for (;;) {
			if (il < hl.n && overlaps(&hl.h[il], lo, hi)) {
				lo = hl.h[il].bs < lo ? hl.h[il].bs : lo;
				hi = hl.h[il].be > hi ? hl.h[il].be : hi;
				il++;
			} else if (ir < hr.n && overlaps(&hr.h[ir], lo, hi)) {
				lo = hr.h[ir].bs < lo ? hr.h[ir].bs : lo;
				hi = hr.h[ir].be > hi ? hr.h[ir].be : hi;
				ir++;
			} else {
				break;
			}
		}
		for (; at < lo; at++)
			emit_line(&em, &tb.l[at]);
		side_span(&tb, &tl, hl.h + l0, il - l0, lo, hi, &sl);
		side_span(&tb, &tr, hr.h + r0, ir - r0, lo, hi, &sr);
		if (il == l0 || ir == r0 || span_same(&sl, &sr)) {
			const struct span *s = il == l0 ? &sr : &sl;

			for (size_t k = 0; k < s->n; k++)
				emit_line(&em, s->l[k]);
		} else {
			nconf++;
			emit_marker(&em, "<<<<<<<", local_label ? local_label : "local");
			for (size_t k = 0; k < sl.n; k++)
				emit_line(&em, sl.l[k]);
			emit_marker(&em, "|||||||", "base");
			for (size_t k = lo; k < hi; k++)
				emit_line(&em, &tb.l[k]);
			emit_marker(&em, "=======", NULL);
			for (size_t k = 0; k < sr.n; k++)
				emit_line(&em, sr.l[k]);
			emit_marker(&em, ">>>>>>>", remote_label ? remote_label : "remote");
		}
		at = hi;
	}
	for (; at < tb.n; at++)
		emit_line(&em, &tb.l[at]);
	if (out->data == NULL)
		buf_add(out, "", 0);

	free(sl.l);
	free(sr.l);
	free(hl.h);
	free(hr.h);
	text_free(&tb);
	text_free(&tl);
	text_free(&tr);
	intern_free(&in);
	if (conflicts)
		*conflicts = nconf;
	return 0;
}
