/*
 * deps.c - the dependency graph and incremental recalculation.
 *
 * Reverse edges only: for each precedent, who reads it. A single-cell
 * precedent is an edge in a list whose head sits in a table laid out as
 * the cells are (struct dep_gsheet: sheet, column, block of rows); a range
 * is registered once per bucket of (sheet, column, 1024 rows) it covers, so
 * A1:A1000 is one edge and A:A is 1024; a range over more than
 * BIG_BUCKETS buckets goes to a list scanned on every change. Edges carry
 * the generation of their formula: when a cell's formula is replaced the
 * old edges go stale and are unlinked the next time they are walked.
 *
 * Recalculation after a change: the changed cell's formula and its
 * transitive dependents are visited by an iterative Tarjan walk (no
 * recursion, so a million-long chain is fine) that yields the strongly
 * connected components in reverse topological order; they are evaluated
 * in topological order. A component of more than one formula, or one that
 * reads itself, is a circular reference: each member gets #CIRC!.
 */
#include <stdlib.h>
#include <string.h>

#include "modules/sheets/engine.h"

#define NONE UINT32_MAX
#define BIG_BUCKETS 4096u
#define DYN 0x80000000u /* an edge's ref: a run-time reference (OFFSET, INDIRECT) */

static uint64_t cell_key(int sheet, uint32_t row, uint32_t col)
{
	return ((uint64_t)(uint32_t)sheet << 40 | (uint64_t)col << 20 | row) + 1;
}

static uint64_t hash64(uint64_t k)
{
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdULL;
	k ^= k >> 33;
	return k;
}

static uint32_t *map_find(struct dep_map *m, uint64_t key, int make)
{
	size_t i;

	if (m->cap == 0 && !make)
		return NULL;
	if (make && (m->n + 1) * 4 > m->cap * 3) {
		struct dep_map n = {0};

		n.cap = m->cap ? m->cap * 2 : 1024;
		n.keys = xcalloc(n.cap, sizeof(*n.keys));
		n.heads = xcalloc(n.cap, sizeof(*n.heads));
		for (size_t j = 0; j < m->cap; j++) {
			if (m->keys[j] == 0)
				continue;
			i = hash64(m->keys[j]) & (n.cap - 1);
			while (n.keys[i] != 0)
				i = (i + 1) & (n.cap - 1);
			n.keys[i] = m->keys[j];
			n.heads[i] = m->heads[j];
		}
		n.n = m->n;
		free(m->keys);
		free(m->heads);
		*m = n;
	}
	i = hash64(key) & (m->cap - 1);
	while (m->keys[i] != 0) {
		if (m->keys[i] == key)
			return &m->heads[i];
		i = (i + 1) & (m->cap - 1);
	}
	if (!make)
		return NULL;
	m->keys[i] = key;
	m->heads[i] = NONE;
	m->n++;
	return &m->heads[i];
}

/* The head of the list of single-cell edges of a cell; made (NONE) when
 * make, else NULL when there is none. */
static uint32_t *cell_head(struct sheet_book *wb, int sheet, uint32_t row, uint32_t col, int make)
{
	struct dep_gsheet *gs;
	struct dep_gcol *gc;
	uint32_t b = row / SHEET_BLOCK;

	if (sheet < 0)
		return NULL;
	if ((uint32_t)sheet >= wb->ncells) {
		if (!make)
			return NULL;
		wb->cells = xreallocarray(wb->cells, (size_t)sheet + 1, sizeof(*wb->cells));
		memset(wb->cells + wb->ncells, 0,
		       ((size_t)sheet + 1 - wb->ncells) * sizeof(*wb->cells));
		wb->ncells = (uint32_t)sheet + 1;
	}
	gs = &wb->cells[sheet];
	if (col >= gs->ncols) {
		uint32_t n = gs->ncols ? gs->ncols : 16;

		if (!make)
			return NULL;
		while (n <= col)
			n *= 2;
		gs->cols = xreallocarray(gs->cols, n, sizeof(*gs->cols));
		memset(gs->cols + gs->ncols, 0, (n - gs->ncols) * sizeof(*gs->cols));
		gs->ncols = n;
	}
	gc = &gs->cols[col];
	if (b >= gc->nblocks) {
		uint32_t n = gc->nblocks ? gc->nblocks : 16;

		if (!make)
			return NULL;
		while (n <= b)
			n *= 2;
		gc->blocks = xreallocarray(gc->blocks, n, sizeof(*gc->blocks));
		memset(gc->blocks + gc->nblocks, 0, (n - gc->nblocks) * sizeof(*gc->blocks));
		gc->nblocks = n;
	}
	if (gc->blocks[b] == NULL) {
		if (!make)
			return NULL;
		gc->blocks[b] = xreallocarray(NULL, SHEET_BLOCK, sizeof(**gc->blocks));
		memset(gc->blocks[b], 0xff, SHEET_BLOCK * sizeof(**gc->blocks)); /* NONE */
	}
	return &gc->blocks[b][row % SHEET_BLOCK];
}

/* Every cell head back to NONE (free: the blocks go too). */
static void cells_reset(struct sheet_book *wb, int free_them)
{
	for (uint32_t s = 0; s < wb->ncells; s++) {
		struct dep_gsheet *gs = &wb->cells[s];

		for (uint32_t c = 0; c < gs->ncols; c++) {
			struct dep_gcol *gc = &gs->cols[c];

			for (uint32_t b = 0; b < gc->nblocks; b++) {
				if (gc->blocks[b] == NULL)
					continue;
				if (free_them)
					free(gc->blocks[b]);
				else
					memset(gc->blocks[b], 0xff,
					       SHEET_BLOCK * sizeof(**gc->blocks));
			}
			if (free_them)
				free(gc->blocks);
		}
		if (free_them)
			free(gs->cols);
	}
	if (free_them) {
		free(wb->cells);
		wb->cells = NULL;
		wb->ncells = 0;
	}
}

static uint32_t edge_new(struct sheet_book *wb, uint32_t f, uint32_t ref, uint32_t next)
{
	struct dep_edge *e;
	uint32_t i;

	if (wb->nedges == wb->capedges) {
		wb->capedges = wb->capedges ? wb->capedges * 2 : 1024;
		wb->edges = xreallocarray(wb->edges, wb->capedges, sizeof(*wb->edges));
	}
	i = wb->nedges++;
	e = &wb->edges[i];
	e->f = f;
	e->gen = wb->fs[f].gen;
	e->ref = ref;
	e->next = next;
	return i;
}

/* Edges making f a dependent of r; ref is r's index (DYN: a run-time
 * reference), gen the generation the edges are live at. */
static void ref_edges(struct sheet_book *wb, uint32_t f, uint32_t ref, const struct sheet_ref *r,
		      uint32_t gen)
{
	uint64_t nb;
	uint32_t *head;

	if (r->sheet < 0)
		return;
	if (r->r1 == r->r2 && r->c1 == r->c2) {
		head = cell_head(wb, r->sheet, r->r1, r->c1, 1);
		*head = edge_new(wb, f, ref, *head);
		wb->edges[*head].gen = gen;
		return;
	}
	nb = (uint64_t)(r->c2 - r->c1 + 1) * (r->r2 / SHEET_BLOCK - r->r1 / SHEET_BLOCK + 1);
	if (nb > BIG_BUCKETS) {
		if (wb->nbig == wb->capbig) {
			wb->capbig = wb->capbig ? wb->capbig * 2 : 16;
			wb->big = xreallocarray(wb->big, wb->capbig, sizeof(*wb->big));
		}
		wb->big[wb->nbig++] = (struct dep_edge){f, gen, ref, NONE};
		return;
	}
	for (uint32_t col = r->c1; col <= r->c2; col++)
		for (uint32_t b = r->r1 / SHEET_BLOCK; b <= r->r2 / SHEET_BLOCK; b++) {
			head = map_find(&wb->buckets, cell_key(r->sheet, b, col), 1);
			*head = edge_new(wb, f, ref, *head);
			wb->edges[*head].gen = gen;
		}
}

static void vol_add(struct sheet_book *wb, uint32_t f)
{
	struct dep_vol v = {f, wb->fs[f].gen};

	if (wb->nvol > 0 && wb->vol[wb->nvol - 1].f == f && wb->vol[wb->nvol - 1].gen == v.gen)
		return;
	if (wb->nvol == wb->capvol) {
		wb->capvol = wb->capvol ? wb->capvol * 2 : 16;
		wb->vol = xreallocarray(wb->vol, wb->capvol, sizeof(*wb->vol));
	}
	wb->vol[wb->nvol++] = v;
}

void sheet_deps_add(struct sheet_book *wb, uint32_t f)
{
	const struct sheet_code *c = wb->fs[f].code;

	wb->fs[f].stale = 0; /* the slot may be a reused one */
	if (wb->deps_lazy) { /* sheet_deps_build makes them */
		if (c->volatile_)
			vol_add(wb, f);
		return;
	}
	for (uint32_t i = 0; i < c->nrefs; i++)
		ref_edges(wb, f, i, &c->refs[i], wb->fs[f].gen);
	if (c->volatile_)
		vol_add(wb, f);
}

static int edge_live(const struct sheet_book *wb, const struct dep_edge *e)
{
	if (e->f >= wb->nfs || wb->fs[e->f].code == NULL)
		return 0;
	if (e->ref & DYN)
		return e->f < wb->capdyn && wb->dyn[e->f].gen == wb->fs[e->f].gen &&
		       wb->dyn[e->f].dgen == e->gen;
	return wb->fs[e->f].gen == e->gen;
}

/* The reference a live edge stands for. */
static const struct sheet_ref *edge_ref(const struct sheet_book *wb, const struct dep_edge *e)
{
	if (e->ref & DYN)
		return &wb->dyn[e->f].refs.v[e->ref & ~DYN];
	return &wb->fs[e->f].code->refs[e->ref];
}

static int ref_has(const struct sheet_ref *r, int sheet, uint32_t row, uint32_t col)
{
	return r->sheet == sheet && row >= r->r1 && row <= r->r2 && col >= r->c1 && col <= r->c2;
}

struct vec {
	uint32_t *v;
	uint32_t n, cap;
};

static void vec_push(struct vec *v, uint32_t x)
{
	if (v->n == v->cap) {
		v->cap = v->cap ? v->cap * 2 : 256;
		v->v = xreallocarray(v->v, v->cap, sizeof(*v->v));
	}
	v->v[v->n++] = x;
}

/* Walk one list, unlinking stale edges; push the dependents that match. */
static void walk(struct sheet_book *wb, uint32_t *head, int check, int sheet, uint32_t row,
		 uint32_t col, struct vec *out)
{
	uint32_t *link = head;

	while (*link != NONE) {
		struct dep_edge *e = &wb->edges[*link];

		if (!edge_live(wb, e)) {
			*link = e->next; /* the slot is left unused */
			continue;
		}
		if (!check || ref_has(edge_ref(wb, e), sheet, row, col))
			vec_push(out, e->f);
		link = &e->next;
	}
}

void sheet_deps_defer(struct sheet_book *wb)
{
	if (wb->nfs == wb->nfree) /* no formula: no edge is missing */
		wb->deps_lazy = 1;
}

void sheet_deps_build(struct sheet_book *wb)
{
	if (!wb->deps_lazy)
		return;
	wb->deps_lazy = 0;
	/* Run-time references (OFFSET, INDIRECT) made theirs when evaluated. */
	for (uint32_t i = 0; i < wb->nfs; i++)
		if (wb->fs[i].code != NULL) {
			const struct sheet_code *c = wb->fs[i].code;

			for (uint32_t k = 0; k < c->nrefs; k++)
				ref_edges(wb, i, k, &c->refs[k], wb->fs[i].gen);
		}
}

static void dependents(struct sheet_book *wb, int sheet, uint32_t row, uint32_t col,
		       struct vec *out)
{
	uint32_t *head;

	sheet_deps_build(wb); /* the only reader of the edges */

	head = cell_head(wb, sheet, row, col, 0);
	if (head != NULL)
		walk(wb, head, 0, sheet, row, col, out);
	head = map_find(&wb->buckets, cell_key(sheet, row / SHEET_BLOCK, col), 0);
	if (head != NULL)
		walk(wb, head, 1, sheet, row, col, out);
	for (uint32_t i = 0; i < wb->nbig; i++) {
		const struct dep_edge *e = &wb->big[i];

		if (edge_live(wb, e) && ref_has(edge_ref(wb, e), sheet, row, col))
			vec_push(out, e->f);
	}
}

struct frame {
	uint32_t v, i;
};

struct walkstate {
	struct vec adj, stack, order, sccs;
	struct frame *frames;
	uint32_t nframes, capframes;
	uint32_t counter;
};

static void visit(struct sheet_book *wb, struct walkstate *ws, uint32_t v)
{
	struct sheet_formula *f = &wb->fs[v];

	f->epoch = wb->epoch;
	f->index = f->low = ws->counter++;
	f->onstack = 1;
	vec_push(&ws->stack, v);
	f->adj = ws->adj.n;
	dependents(wb, f->sheet, f->row, f->col, &ws->adj);
	wb->fs[v].nadj = ws->adj.n - wb->fs[v].adj;
	if (ws->nframes == ws->capframes) {
		ws->capframes = ws->capframes ? ws->capframes * 2 : 256;
		ws->frames = xreallocarray(ws->frames, ws->capframes, sizeof(*ws->frames));
	}
	ws->frames[ws->nframes++] = (struct frame){v, 0};
}

/* Run the walk's frames; with a budget, stop when it is spent (the walk
 * resumes from ws). */
static void tarjan_run(struct sheet_book *wb, struct walkstate *ws, uint32_t *budget)
{
	while (ws->nframes > 0 && (budget == NULL || *budget > 0)) {
		if (budget)
			(*budget)--;
		struct frame *fr = &ws->frames[ws->nframes - 1];
		struct sheet_formula *f = &wb->fs[fr->v];

		if (fr->i < f->nadj) {
			uint32_t w = ws->adj.v[f->adj + fr->i++];
			struct sheet_formula *g = &wb->fs[w];

			if (g->epoch != wb->epoch)
				visit(wb, ws, w);
			else if (g->onstack && g->index < f->low)
				f->low = g->index;
			continue;
		}
		uint32_t v = fr->v;

		ws->nframes--;
		if (f->low == f->index) {
			uint32_t w;

			vec_push(&ws->sccs, ws->order.n);
			do {
				w = ws->stack.v[--ws->stack.n];
				wb->fs[w].onstack = 0;
				vec_push(&ws->order, w);
			} while (w != v);
		}
		if (ws->nframes > 0) {
			struct sheet_formula *p = &wb->fs[ws->frames[ws->nframes - 1].v];

			if (f->low < p->low)
				p->low = f->low;
		}
	}
}

static void tarjan(struct sheet_book *wb, struct walkstate *ws, uint32_t start)
{
	visit(wb, ws, start);
	tarjan_run(wb, ws, NULL);
}

static void set_circ(struct sheet_formula *f)
{
	sheet_value_free(&f->val);
	memset(&f->val, 0, sizeof(f->val));
	f->val.type = SHEET_ERROR;
	f->val.err = SHEET_ERR_CIRC;
}

/* ---- volatile formulas and run-time references ---------------------------
 *
 * Volatile formulas (RAND, NOW, OFFSET, INDIRECT, ...) start every
 * recalculation, as in Excel. The references OFFSET and INDIRECT return are
 * noted at evaluation; when they differ from the last ones the formula's
 * run-time edges are replaced (a new dgen kills the old ones) so that the
 * walk orders it after what it reads, and the formula is queued for one
 * more pass (wb->redo): its new target may have been evaluated after it.
 * Passes are bounded, so references that change on every evaluation
 * (INDIRECT over RAND) cannot loop.
 */
#define REDO_PASSES 4

static void vol_starts(struct sheet_book *wb, struct vec *out)
{
	uint32_t k = 0;

	for (uint32_t i = 0; i < wb->nvol; i++) {
		struct dep_vol v = wb->vol[i];

		if (v.f >= wb->nfs || wb->fs[v.f].code == NULL || wb->fs[v.f].gen != v.gen)
			continue; /* replaced or cleared: drop it */
		wb->vol[k++] = v;
		vec_push(out, v.f);
	}
	wb->nvol = k;
}

static int refs_same(const struct sheet_refvec *a, const struct sheet_refvec *b)
{
	if (a->n != b->n)
		return 0;
	for (uint32_t i = 0; i < a->n; i++) {
		const struct sheet_ref *x = &a->v[i], *y = &b->v[i];

		if (x->sheet != y->sheet || x->r1 != y->r1 || x->c1 != y->c1 || x->r2 != y->r2 ||
		    x->c2 != y->c2)
			return 0;
	}
	return 1;
}

static void dyn_update(struct sheet_book *wb, uint32_t i, struct sheet_refvec *got)
{
	struct dep_dyn *d;

	if (i >= wb->capdyn) {
		uint32_t cap = wb->capdyn ? wb->capdyn : 16;

		while (cap <= i)
			cap *= 2;
		wb->dyn = xreallocarray(wb->dyn, cap, sizeof(*wb->dyn));
		memset(wb->dyn + wb->capdyn, 0, (cap - wb->capdyn) * sizeof(*wb->dyn));
		wb->capdyn = cap;
	}
	d = &wb->dyn[i];
	if (d->gen == wb->fs[i].gen && refs_same(&d->refs, got)) {
		free(got->v);
		return;
	}
	free(d->refs.v);
	d->refs = *got;
	d->gen = wb->fs[i].gen;
	if (++wb->dgen == 0)
		wb->dgen = 1;
	d->dgen = wb->dgen;
	for (uint32_t k = 0; k < got->n; k++)
		ref_edges(wb, i, DYN | k, &got->v[k], d->dgen);
	if (wb->nredo == wb->capredo) {
		wb->capredo = wb->capredo ? wb->capredo * 2 : 16;
		wb->redo = xreallocarray(wb->redo, wb->capredo, sizeof(*wb->redo));
	}
	wb->redo[wb->nredo++] = i;
}

static void formula_eval(struct sheet_book *wb, uint32_t i, struct sheet_value *v)
{
	struct sheet_formula *f = &wb->fs[i];
	struct sheet_refvec got = {0};

	if (!f->code->volatile_) {
		sheet_eval(wb, f->code, f->sheet, f->row, f->col, v);
		return;
	}
	sheet_eval_dyn(wb, f->code, f->sheet, f->row, f->col, v, &got);
	dyn_update(wb, i, &got);
}

/* Evaluate the k-th component of a finished walk; returns its size. */
static uint32_t eval_scc(struct sheet_book *wb, const struct walkstate *ws, uint32_t k)
{
	uint32_t lo = ws->sccs.v[k], hi = k + 1 < ws->sccs.n ? ws->sccs.v[k + 1] : ws->order.n;
	struct sheet_formula *f = &wb->fs[ws->order.v[lo]];
	int cyclic = hi - lo > 1;

	for (uint32_t j = lo; j < hi; j++)
		wb->fs[ws->order.v[j]].stale = 0;
	if (f->code == NULL) /* cleared while a sliced recalculation waited */
		return hi - lo;
	for (uint32_t j = 0; !cyclic && j < f->nadj; j++)
		if (ws->adj.v[f->adj + j] == ws->order.v[lo])
			cyclic = 1;
	if (cyclic) {
		for (uint32_t j = lo; j < hi; j++)
			set_circ(&wb->fs[ws->order.v[j]]);
		return hi - lo;
	}
	struct sheet_value v;

	formula_eval(wb, ws->order.v[lo], &v);
	sheet_value_free(&f->val);
	f->val = v;
	return 1;
}

static void walk_free(struct walkstate *ws)
{
	free(ws->adj.v);
	free(ws->stack.v);
	free(ws->order.v);
	free(ws->sccs.v);
	free(ws->frames);
	memset(ws, 0, sizeof(*ws));
}

static void new_epoch(struct sheet_book *wb)
{
	if (++wb->epoch == 0)
		wb->epoch = 1;
}

static void recalc(struct sheet_book *wb, const uint32_t *starts, uint32_t n)
{
	struct walkstate ws;

	memset(&ws, 0, sizeof(ws));
	new_epoch(wb);
	for (uint32_t i = 0; i < n; i++)
		if (wb->fs[starts[i]].code != NULL && wb->fs[starts[i]].epoch != wb->epoch)
			tarjan(wb, &ws, starts[i]);
	/* Components came out sinks first: evaluate from the last. */
	for (uint32_t k = ws.sccs.n; k-- > 0;)
		eval_scc(wb, &ws, k);
	walk_free(&ws);
	if (wb->nredo > 0 && wb->redo_depth < REDO_PASSES) {
		uint32_t *redo = wb->redo, nredo = wb->nredo;

		wb->redo = NULL;
		wb->nredo = wb->capredo = 0;
		wb->redo_depth++;
		recalc(wb, redo, nredo);
		wb->redo_depth--;
		free(redo);
	}
	if (wb->redo_depth == 0)
		wb->nredo = 0;
}

/* ---- sliced recalculation ---------------------------------------------------
 *
 * The same walk and evaluation as recalc(), kept in a job between calls:
 * first the walk from each start (JOB_PLAN), then the components from the
 * last (JOB_EVAL). A change arriving meanwhile is queued; the next step
 * starts over from the queued cells plus what the job had not evaluated
 * yet (downstream of what it had, so nothing evaluated goes stale).
 */
enum { JOB_PLAN, JOB_EVAL };

struct sheet_recalc_job {
	struct vec starts, queued;
	uint32_t next; /* planning: the next start to walk from */
	struct walkstate ws;
	int phase;
	uint32_t k; /* evaluating: components left */
	uint64_t done, total;
};

static struct sheet_recalc_job *job_get(struct sheet_book *wb)
{
	if (wb->job == NULL)
		wb->job = xcalloc(1, sizeof(*wb->job));
	return wb->job;
}

static void job_free(struct sheet_book *wb)
{
	struct sheet_recalc_job *j = wb->job;

	if (j == NULL)
		return;
	walk_free(&j->ws);
	free(j->starts.v);
	free(j->queued.v);
	free(j);
	wb->job = NULL;
}

/* One past the last formula of j's order not yet evaluated. */
static uint32_t job_left(const struct sheet_recalc_job *j)
{
	return j->k < j->ws.sccs.n ? j->ws.sccs.v[j->k] : j->ws.order.n;
}

static void job_restart(struct sheet_book *wb, struct sheet_recalc_job *j)
{
	if (j->phase == JOB_EVAL) {
		for (uint32_t i = 0, n = job_left(j); i < n; i++)
			vec_push(&j->queued, j->ws.order.v[i]);
	} else {
		for (uint32_t i = 0; i < j->starts.n; i++)
			vec_push(&j->queued, j->starts.v[i]);
	}
	walk_free(&j->ws);
	free(j->starts.v);
	j->starts = j->queued;
	memset(&j->queued, 0, sizeof(j->queued));
	j->next = 0;
	j->phase = JOB_PLAN;
	j->k = 0;
	j->done = j->total = 0;
	new_epoch(wb);
}

void sheet_recalc_defer(struct sheet_book *wb, int on)
{
	if (!on)
		while (sheet_recalc_step(wb, UINT32_MAX, NULL, NULL))
			;
	wb->defer = on;
}

int sheet_recalc_pending(const struct sheet_book *wb)
{
	return wb->job != NULL;
}

int sheet_recalc_step(struct sheet_book *wb, uint32_t budget, uint64_t *done, uint64_t *total)
{
	struct sheet_recalc_job *j = wb->job;

	if (j != NULL && j->queued.n > 0)
		job_restart(wb, j);
	while (j != NULL && budget > 0) {
		if (j->phase == JOB_PLAN) {
			if (j->ws.nframes > 0) {
				tarjan_run(wb, &j->ws, &budget);
			} else if (j->next < j->starts.n) {
				uint32_t s = j->starts.v[j->next++];

				if (wb->fs[s].code != NULL && wb->fs[s].epoch != wb->epoch)
					visit(wb, &j->ws, s);
				budget--;
			} else {
				j->phase = JOB_EVAL;
				j->k = j->ws.sccs.n;
				j->total = j->ws.order.n;
			}
			continue;
		}
		if (j->k == 0 && wb->nredo > 0 && wb->redo_depth < REDO_PASSES) {
			for (uint32_t i = 0; i < wb->nredo; i++)
				vec_push(&j->queued, wb->redo[i]);
			wb->nredo = 0;
			wb->redo_depth++;
			job_restart(wb, j);
			continue;
		}
		if (j->k == 0) {
			wb->nredo = wb->redo_depth = 0;
			job_free(wb);
			j = NULL;
			break;
		}
		j->done += eval_scc(wb, &j->ws, --j->k);
		budget--;
	}
	if (done)
		*done = j ? j->done : 0;
	if (total)
		*total = j ? j->total : 0;
	return j != NULL;
}

static uint32_t mark_stale(struct sheet_book *wb, uint32_t f)
{
	if (wb->fs[f].code == NULL || wb->fs[f].stale)
		return 0;
	wb->fs[f].stale = 1;
	return 1;
}

uint32_t sheet_recalc_cancel(struct sheet_book *wb)
{
	struct sheet_recalc_job *j = wb->job;
	uint32_t n = 0;

	if (j == NULL)
		return 0;
	if (j->queued.n > 0)
		job_restart(wb, j);
	/* Finish the walk (no evaluation, far cheaper) so that every formula
	 * the change reaches is known, and marked. */
	while (j->phase == JOB_PLAN) {
		if (j->ws.nframes > 0) {
			tarjan_run(wb, &j->ws, NULL);
		} else if (j->next < j->starts.n) {
			uint32_t s = j->starts.v[j->next++];

			if (wb->fs[s].code != NULL && wb->fs[s].epoch != wb->epoch)
				visit(wb, &j->ws, s);
		} else {
			j->phase = JOB_EVAL;
			j->k = j->ws.sccs.n;
		}
	}
	if (j->phase == JOB_EVAL) {
		for (uint32_t i = 0, left = job_left(j); i < left; i++)
			n += mark_stale(wb, j->ws.order.v[i]);
	} else {
		/* What the walk reached, and where it was to start from. */
		for (uint32_t i = 0; i < j->starts.n; i++)
			n += mark_stale(wb, j->starts.v[i]);
		for (uint32_t i = 0; i < j->ws.order.n; i++)
			n += mark_stale(wb, j->ws.order.v[i]);
		for (uint32_t i = 0; i < j->ws.stack.n; i++)
			n += mark_stale(wb, j->ws.stack.v[i]);
	}
	job_free(wb);
	return n;
}

int sheet_is_stale(const struct sheet_book *wb, int sheet, uint32_t row, uint32_t col)
{
	const struct sheet_block *b = sheet_block_at(wb, sheet, row, col);

	if (b == NULL || b->tag[row % SHEET_BLOCK] != CELL_FORMULA)
		return 0;
	return wb->fs[b->slot[row % SHEET_BLOCK].u].stale;
}

uint32_t sheet_stale_count(const struct sheet_book *wb)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < wb->nfs; i++)
		n += wb->fs[i].code != NULL && wb->fs[i].stale;
	return n;
}

void sheet_deps_changed(struct sheet_book *wb, int sheet, uint32_t row, uint32_t col)
{
	struct vec starts = {0};
	const struct sheet_block *b;

	if (wb->suspended)
		return;
	b = sheet_block_at(wb, sheet, row, col);
	if (wb->defer) {
		/* The next sheet_recalc_step walks from here. */
		struct sheet_recalc_job *j = job_get(wb);

		if (b != NULL && b->tag[row % SHEET_BLOCK] == CELL_FORMULA)
			vec_push(&j->queued, (uint32_t)b->slot[row % SHEET_BLOCK].u);
		dependents(wb, sheet, row, col, &j->queued);
		vol_starts(wb, &j->queued);
		if (j->queued.n == 0 && j->starts.n == 0)
			job_free(wb);
		return;
	}
	if (b != NULL && b->tag[row % SHEET_BLOCK] == CELL_FORMULA)
		vec_push(&starts, (uint32_t)b->slot[row % SHEET_BLOCK].u);
	dependents(wb, sheet, row, col, &starts);
	vol_starts(wb, &starts);
	if (starts.n > 0)
		recalc(wb, starts.v, starts.n);
	free(starts.v);
}

/* ---- recalculating everything ---------------------------------------------
 *
 * After a load every formula is to be evaluated: rather than walking the
 * reverse edges (a hash lookup per formula and a scan of every bucket
 * list), Tarjan's walk goes the other way, from each formula to the
 * formula cells its references cover, read straight from the storage
 * blocks; a component is evaluated as soon as it is complete, when all it
 * reads is. A per-column table of the next block holding a formula lets a
 * range over plain values (a lookup table, A:A) cost nothing.
 */
struct fcol {
	uint32_t *next; /* by block: the first block at or after it with a formula */
	uint32_t n;
};

struct full {
	struct fcol **cols; /* by sheet, by column */
	uint32_t *ncols;
	struct pframe {
		uint32_t v, k, c, r; /* formula; its reference k, next cell (c, r) */
		uint8_t started, self;
	} *frames;
	uint32_t nframes, capframes, counter;
	struct vec stack;
	uint64_t done, total, next; /* formulas finished; next tick */
	sheet_recalc_tick_fn tick;
	void *arg;
	int rc; /* what stopped the walk */
};

static void full_index(struct sheet_book *wb, struct full *fl)
{
	fl->cols = xcalloc((size_t)wb->nsheets + 1, sizeof(*fl->cols));
	fl->ncols = xcalloc((size_t)wb->nsheets + 1, sizeof(*fl->ncols));
	for (int s = 0; s < wb->nsheets; s++) {
		const struct sheet_sheet *sh = &wb->sheets[s];

		fl->ncols[s] = sh->ncols;
		fl->cols[s] = xcalloc(sh->ncols + 1, sizeof(**fl->cols));
		for (uint32_t c = 0; c < sh->ncols; c++) {
			struct fcol *fc = &fl->cols[s][c];

			fc->n = sh->cols[c].nblocks;
			fc->next = xmalloc(((size_t)fc->n + 1) * sizeof(*fc->next));
			fc->next[fc->n] = NONE;
			for (uint32_t b = fc->n; b-- > 0;) {
				const struct sheet_block *blk = sh->cols[c].blocks[b];

				fc->next[b] = blk && blk->used &&
						      memchr(blk->tag, CELL_FORMULA, SHEET_BLOCK)
						      ? b
						      : fc->next[b + 1];
			}
		}
	}
}

static void full_free(struct sheet_book *wb, struct full *fl)
{
	for (int s = 0; s < wb->nsheets; s++) {
		for (uint32_t c = 0; c < fl->ncols[s]; c++)
			free(fl->cols[s][c].next);
		free(fl->cols[s]);
	}
	free(fl->cols);
	free(fl->ncols);
	free(fl->frames);
	free(fl->stack.v);
}

/* Reference k of formula v: its compiled ones, then the run-time ones
 * of its last evaluation; NULL past the end. */
static const struct sheet_ref *full_ref(const struct sheet_book *wb, uint32_t v, uint32_t k)
{
	const struct sheet_code *c = wb->fs[v].code;

	if (k < c->nrefs)
		return &c->refs[k];
	k -= c->nrefs;
	if (v < wb->capdyn && wb->dyn[v].gen == wb->fs[v].gen && k < wb->dyn[v].refs.n)
		return &wb->dyn[v].refs.v[k];
	return NULL;
}

/* Whether formula w needs nothing more from the walk: evaluated in this
 * one (or marked circular) and off its stack. */
static int full_done(const struct sheet_book *wb, uint32_t w)
{
	return wb->fs[w].epoch == wb->epoch && !wb->fs[w].onstack;
}

/* The next formula the frame's formula reads, or NONE. Formulas already
 * finished are skipped here (the walk would do nothing with them); a
 * formula reading itself is still returned so that it is seen. */
static uint32_t full_next(const struct sheet_book *wb, const struct full *fl, struct pframe *fr)
{
	const struct sheet_ref *r;

	for (; (r = full_ref(wb, fr->v, fr->k)) != NULL; fr->k++, fr->started = 0) {
		const struct sheet_sheet *sh;
		uint32_t r2, c2;

		if (r->sheet < 0 || r->sheet >= wb->nsheets)
			continue;
		if (r->r1 == r->r2 && r->c1 == r->c2) {
			/* most references are one cell: no scan */
			const struct sheet_block *blk;
			uint32_t i = r->r1 % SHEET_BLOCK, w;

			if (fr->started)
				continue;
			fr->started = 1;
			blk = sheet_block_at(wb, r->sheet, r->r1, r->c1);
			if (blk == NULL || blk->tag[i] != CELL_FORMULA)
				continue;
			w = (uint32_t)blk->slot[i].u;
			if (w == fr->v || !full_done(wb, w))
				return w;
			continue;
		}
		sh = &wb->sheets[r->sheet];
		if (sh->rows == 0 || r->r1 >= sh->rows)
			continue;
		r2 = r->r2 < sh->rows ? r->r2 : sh->rows - 1;
		c2 = r->c2 < fl->ncols[r->sheet] ? r->c2 : fl->ncols[r->sheet] - 1;
		if (!fr->started) {
			fr->c = r->c1;
			fr->r = r->r1;
			fr->started = 1;
		}
		for (; fr->c <= c2 && fr->c < fl->ncols[r->sheet]; fr->c++, fr->r = r->r1) {
			const struct fcol *fc = &fl->cols[r->sheet][fr->c];

			while (fr->r <= r2 && fr->r / SHEET_BLOCK < fc->n) {
				uint32_t b = fc->next[fr->r / SHEET_BLOCK], lo, hi;
				const struct sheet_block *blk;

				if (b == NONE || b * SHEET_BLOCK > r2)
					break;
				if (b * SHEET_BLOCK > fr->r)
					fr->r = b * SHEET_BLOCK;
				blk = sh->cols[fr->c].blocks[b];
				lo = fr->r % SHEET_BLOCK;
				hi = r2 / SHEET_BLOCK > b ? SHEET_BLOCK - 1 : r2 % SHEET_BLOCK;
				for (uint32_t i = lo; i <= hi; i++) {
					const uint8_t *p;
					uint32_t w;

					if (blk->tag[i] != CELL_FORMULA) {
						/* a run of values: skip it fast */
						p = memchr(blk->tag + i, CELL_FORMULA, hi - i + 1);
						if (p == NULL)
							break;
						i = (uint32_t)(p - blk->tag);
					}
					w = (uint32_t)blk->slot[i].u;
					if (w != fr->v && full_done(wb, w))
						continue;
					fr->r = b * SHEET_BLOCK + i + 1;
					return w;
				}
				fr->r = (b + 1) * SHEET_BLOCK;
			}
		}
	}
	return NONE;
}

static void full_visit(struct sheet_book *wb, struct full *fl, uint32_t v)
{
	struct sheet_formula *f = &wb->fs[v];

	f->epoch = wb->epoch;
	f->index = f->low = fl->counter++;
	f->onstack = 1;
	vec_push(&fl->stack, v);
	if (fl->nframes == fl->capframes) {
		fl->capframes = fl->capframes ? fl->capframes * 2 : 256;
		fl->frames = xreallocarray(fl->frames, fl->capframes, sizeof(*fl->frames));
	}
	fl->frames[fl->nframes++] = (struct pframe){ v, 0, 0, 0, 0, 0 };
}

/* A finished component: evaluate it (its precedents are done) or mark
 * it circular. */
static void full_component(struct sheet_book *wb, struct full *fl, uint32_t v, int self)
{
	uint32_t top = fl->stack.n, w;
	struct sheet_value val;

	do {
		w = fl->stack.v[--fl->stack.n];
		wb->fs[w].onstack = 0;
		wb->fs[w].stale = 0;
	} while (w != v);
	fl->done += top - fl->stack.n;
	if (top - fl->stack.n > 1 || self) {
		for (uint32_t j = fl->stack.n; j < top; j++)
			set_circ(&wb->fs[fl->stack.v[j]]);
		return;
	}
	formula_eval(wb, v, &val);
	sheet_value_free(&wb->fs[v].val);
	wb->fs[v].val = val;
}

static void full_run(struct sheet_book *wb, struct full *fl)
{
	while (fl->nframes > 0 && fl->rc == 0) {
		struct pframe *fr = &fl->frames[fl->nframes - 1];
		uint32_t w = full_next(wb, fl, fr);
		struct sheet_formula *f = &wb->fs[fr->v];

		if (w != NONE) {
			struct sheet_formula *g = &wb->fs[w];

			if (w == fr->v)
				fr->self = 1;
			else if (g->epoch != wb->epoch)
				full_visit(wb, fl, w);
			else if (g->onstack && g->index < f->low)
				f->low = g->index;
			continue;
		}
		uint32_t v = fr->v;
		int self = fr->self;

		fl->nframes--;
		if (f->low == f->index) {
			full_component(wb, fl, v, self);
			if (fl->tick && fl->done >= fl->next) {
				fl->next = fl->done + 4096;
				fl->rc = fl->tick(fl->done, fl->total, fl->arg);
			}
		}
		if (fl->nframes > 0) {
			struct sheet_formula *p = &wb->fs[fl->frames[fl->nframes - 1].v];

			if (f->low < p->low)
				p->low = f->low;
		}
	}
}

/* Evaluate every formula once, in dependency order. tick (may be NULL)
 * is told the progress every few thousand formulas; when it returns
 * non-zero the walk stops there, what it did not finish is marked stale,
 * and that is returned. */
static int recalc_full(struct sheet_book *wb, sheet_recalc_tick_fn tick, void *arg)
{
	struct full fl;
	int rc;

	memset(&fl, 0, sizeof(fl));
	fl.tick = tick;
	fl.arg = arg;
	fl.next = 4096;
	new_epoch(wb);
	full_index(wb, &fl);
	for (uint32_t i = 0; i < wb->nfs; i++)
		fl.total += wb->fs[i].code != NULL;
	for (uint32_t i = 0; i < wb->nfs && fl.rc == 0; i++)
		if (wb->fs[i].code != NULL && wb->fs[i].epoch != wb->epoch) {
			full_visit(wb, &fl, i);
			full_run(wb, &fl);
		}
	full_free(wb, &fl);
	if ((rc = fl.rc) != 0) {
		/* not reached, or reached and left on the walk's stack */
		for (uint32_t i = 0; i < wb->nfs; i++)
			if (wb->fs[i].code != NULL &&
			    (wb->fs[i].epoch != wb->epoch || wb->fs[i].onstack)) {
				wb->fs[i].stale = 1;
				wb->fs[i].onstack = 0;
			}
		wb->nredo = 0;
		return rc;
	}
	/* As recalc(): formulas whose run-time references moved go again. */
	if (wb->nredo > 0 && wb->redo_depth < REDO_PASSES) {
		uint32_t *redo = wb->redo, nredo = wb->nredo;

		wb->redo = NULL;
		wb->nredo = wb->capredo = 0;
		wb->redo_depth++;
		recalc(wb, redo, nredo);
		wb->redo_depth--;
		free(redo);
	}
	if (wb->redo_depth == 0)
		wb->nredo = 0;
	return 0;
}

void sheet_recalc_all(struct sheet_book *wb)
{
	if (wb->defer) {
		struct sheet_recalc_job *j = job_get(wb);

		for (uint32_t i = 0; i < wb->nfs; i++)
			if (wb->fs[i].code != NULL)
				vec_push(&j->queued, i);
		if (j->queued.n == 0 && j->starts.n == 0)
			job_free(wb);
		return;
	}
	recalc_full(wb, NULL, NULL);
}

void sheet_recalc_suspend(struct sheet_book *wb)
{
	wb->suspended++;
}

void sheet_recalc_resume(struct sheet_book *wb)
{
	if (wb->suspended > 0 && --wb->suspended == 0)
		sheet_recalc_all(wb);
}

int sheet_recalc_resume_tick(struct sheet_book *wb, sheet_recalc_tick_fn tick, void *arg)
{
	if (wb->suspended == 0 || --wb->suspended > 0)
		return 0;
	if (wb->defer) {
		sheet_recalc_all(wb);
		return 0;
	}
	return recalc_full(wb, tick, arg);
}

uint64_t sheet_eval_count(const struct sheet_book *wb)
{
	return wb->evals;
}

void sheet_deps_free(struct sheet_book *wb)
{
	job_free(wb);
	for (uint32_t i = 0; i < wb->capdyn; i++)
		free(wb->dyn[i].refs.v);
	free(wb->dyn);
	free(wb->vol);
	free(wb->redo);
	cells_reset(wb, 1);
	free(wb->buckets.keys);
	free(wb->buckets.heads);
	free(wb->edges);
	free(wb->big);
}

/* ---- after cells moved (ops.c) ------------------------------------------- */

void sheet_deps_rebuild(struct sheet_book *wb)
{
	/* Keys are positions: all of them may have moved. The maps keep their
	 * capacity, so refilling them does not grow them again. */
	wb->deps_lazy = 0; /* every formula's edges are made below */
	cells_reset(wb, 0);
	if (wb->buckets.cap)
		memset(wb->buckets.keys, 0, wb->buckets.cap * sizeof(*wb->buckets.keys));
	wb->buckets.n = 0;
	wb->nedges = wb->nbig = 0;
	/* Run-time references are made again at the formulas' next evaluation
	 * (they are volatile, so that is the next recalculation). */
	for (uint32_t i = 0; i < wb->capdyn; i++) {
		free(wb->dyn[i].refs.v);
		memset(&wb->dyn[i], 0, sizeof(wb->dyn[i]));
	}
	for (uint32_t i = 0; i < wb->nfs; i++)
		if (wb->fs[i].code != NULL) {
			const struct sheet_code *c = wb->fs[i].code;

			for (uint32_t k = 0; k < c->nrefs; k++)
				ref_edges(wb, i, k, &c->refs[k], wb->fs[i].gen);
		}
	if (wb->job != NULL) {
		/* A sliced recalculation's walk followed the old edges: plan it
		 * again from what it had not evaluated. */
		job_restart(wb, wb->job);
	}
}

void sheet_recalc_from(struct sheet_book *wb, const uint32_t *starts, uint32_t n)
{
	struct vec v = {0};

	if (wb->suspended)
		return;
	if (wb->defer) {
		struct sheet_recalc_job *j = job_get(wb);

		for (uint32_t i = 0; i < n; i++)
			vec_push(&j->queued, starts[i]);
		vol_starts(wb, &j->queued);
		if (j->queued.n == 0 && j->starts.n == 0)
			job_free(wb);
		return;
	}
	for (uint32_t i = 0; i < n; i++)
		vec_push(&v, starts[i]);
	vol_starts(wb, &v);
	if (v.n > 0)
		recalc(wb, v.v, v.n);
	free(v.v);
}
