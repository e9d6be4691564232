/*
 * fuzz_mailthread.c - threading what any senders can put in Message-ID,
 * In-Reply-To, References and Subject (modules/mail/thread.c): whatever
 * the ids (duplicates, loops, junk, ids of one another), the threaded
 * order holds each row once with its parent before it, a row's depth is
 * its parent's plus one in the same thread, the collapsed order hides
 * exactly what it says, every flat sort is a permutation, and the tree
 * column is as wide as its depth. The input's lines are the fields, four
 * a row (id, In-Reply-To, References, Subject; an empty line is no
 * header); the first byte picks the collapsed threads and the prefix's
 * level cap.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/core.h"
#include "modules/mail/thread.h"

#define MAX_ROWS 300

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int ok)
{
	if (!ok)
		__builtin_trap();
}

/* order[0..m) names distinct rows; pos[row] = its place (or -1) */
static void distinct(const uint32_t *order, size_t m, size_t n, int32_t *pos)
{
	for (size_t i = 0; i < n; i++)
		pos[i] = -1;
	for (size_t i = 0; i < m; i++) {
		check(order[i] < n && pos[order[i]] < 0);
		pos[order[i]] = (int32_t)i;
	}
}

static void check_threaded(const struct mail_threads *t, int desc, uint32_t *order, int32_t *pos)
{
	size_t n = t->n;

	mail_thread_order(t, desc, order);
	distinct(order, n, n, pos);
	for (size_t r = 0; r < n; r++) {
		const struct mail_tnode *nd = &t->node[r];

		check(nd->tidx < t->nthr);
		check(nd->thread == t->rows[t->thr[nd->tidx].root].id);
		if (nd->parent_row < 0) {
			check(nd->depth == 0 && nd->parent == 0);
			continue;
		}
		const struct mail_tnode *pn = &t->node[nd->parent_row];
		check((size_t)nd->parent_row < n && (size_t)nd->parent_row != r);
		check(pos[nd->parent_row] < pos[r]);
		check(nd->depth == pn->depth + 1);
		check(nd->parent == t->rows[nd->parent_row].id);
		check(nd->tidx == pn->tidx);
	}
}

static void check_threads(const struct mail_threads *t)
{
	size_t sum = 0;

	for (size_t i = 0; i < t->nthr; i++) {
		const struct mail_tthread *h = &t->thr[i];

		check(h->count > 0 && h->start + h->count <= t->n);
		check(t->tree[h->start] == h->root);
		check(t->node[h->root].depth == 0);
		for (uint32_t k = h->start; k < h->start + h->count; k++) {
			check(t->node[t->tree[k]].tidx == i);
			check(t->rows[t->tree[k]].date <= h->newest);
		}
		sum += h->count;
	}
	check(sum == t->n);
}

static void check_collapsed(const struct mail_threads *t, unsigned pick, uint32_t *order,
			    uint32_t *hidden, int32_t *pos)
{
	unsigned char *col = xcalloc(t->nthr ? t->nthr : 1, 1);
	size_t want = 0, hid = 0;

	for (size_t i = 0; i < t->nthr; i++) {
		col[i] = (unsigned char)((pick >> (i % 8)) & 1);
		want += col[i] ? 1 : t->thr[i].count;
	}
	size_t m = mail_thread_order_collapsed(t, pick & 1, col, order, hidden);
	check(m == want);
	distinct(order, m, t->n, pos);
	for (size_t i = 0; i < m; i++) {
		const struct mail_tnode *nd = &t->node[order[i]];
		if (col[nd->tidx])
			check(order[i] == t->thr[nd->tidx].root &&
			      hidden[i] == t->thr[nd->tidx].count - 1);
		else
			check(hidden[i] == 0);
		hid += hidden[i];
	}
	check(m + hid == t->n);
	free(col);
}

static int valid_utf8(const char *s, size_t len)
{
	unsigned cp;

	for (size_t i = 0, k; i < len; i += k)
		if ((k = utf8_decode(s + i, len - i, &cp)) == 0)
			return 0;
	return 1;
}

static void check_prefix(const struct mail_threads *t, int max_levels)
{
	struct buf b;

	buf_init(&b);
	for (size_t r = 0; r < t->n; r++) {
		const struct mail_tnode *nd = &t->node[r];
		int level = nd->depth + ((nd->bits & MAIL_TN_MULTI) ? 1 : 0);
		int cap = max_levels < 1 ? 1 : max_levels > 128 ? 128 : max_levels;
		int draw = level - 1 < cap - 1 ? level - 1 : cap - 1;

		buf_reset(&b);
		int cols = mail_thread_prefix(t, (uint32_t)r, max_levels, &b);
		check(level == 0 ? cols == 0 && b.len == 0 : cols == 2 * draw + 3);
		check(valid_utf8(b.data ? b.data : "", b.len));
	}
	buf_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned pick = size ? data[0] : 0;
	char *text = xstrndup((const char *)data + (size ? 1 : 0), size ? size - 1 : 0);
	struct mail_trow *rows = xcalloc(MAX_ROWS, sizeof *rows);
	const char *f[4];
	size_t n = 0, nf = 0;
	char *p = text;

	while (p && n < MAX_ROWS) {
		char *nl = strchr(p, '\n');
		if (nl)
			*nl = 0;
		f[nf++] = *p ? p : NULL;
		p = nl ? nl + 1 : NULL;
		if (nf == 4 || !p) {
			while (nf < 4)
				f[nf++] = NULL;
			rows[n] = (struct mail_trow){
				.id = (int64_t)n + 1, .message_id = f[0], .in_reply_to = f[1],
				.refs = f[2], .subject = f[3], .from = f[3],
				/* few distinct dates: ties are broken by id */
				.date = (int64_t)((n * 7919 + pick) % 13), .size = (int64_t)n % 5,
			};
			n++;
			nf = 0;
		}
	}

	struct mail_threads t;
	uint32_t *order = xcalloc(n ? n : 1, sizeof *order);
	uint32_t *hidden = xcalloc(n ? n : 1, sizeof *hidden);
	int32_t *pos = xcalloc(n ? n : 1, sizeof *pos);

	mail_thread_build(&t, rows, n);
	check(t.n == n);
	check_threads(&t);
	check_threaded(&t, 0, order, pos);
	check_threaded(&t, 1, order, pos);
	check_collapsed(&t, pick, order, hidden, pos);
	for (int k = MAIL_TSORT_DATE; k <= MAIL_TSORT_SIZE; k++) {
		mail_thread_sort(&t, (enum mail_tsort)k, pick & 2, order);
		distinct(order, n, n, pos);
	}
	check_prefix(&t, (int)(pick % 8) * 20);
	mail_thread_free(&t);
	free(order);
	free(hidden);
	free(pos);
	free(rows);
	free(text);
	return 0;
}
