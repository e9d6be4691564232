/*
 * thread.c - threads and sorts of a folder's index (see thread.h for the
 * rules).
 *
 * Building is a few linear passes over flat arrays, no allocation per
 * message: every id (Message-ID, In-Reply-To, each of References) names a
 * container, found through one open-addressing table whose keys point into
 * the caller's strings. Containers get a parent from the headers; loops
 * are found and cut afterwards in one pass (cheaper and order-independent,
 * compared with checking ancestry at each link); roots with a reply
 * subject join a root of the same subject; then each row finds its nearest
 * present ancestor and its thread's root container, memoised along the
 * way. Rows go to their parent's list of children in date order (a radix
 * sort), and each thread is laid out once in pre-order in `tree`: any
 * threaded order is then a copy of thread blocks in the threads' order.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "modules/mail/thread.h"

/* ---- sorting: stable LSD radix sort on 64-bit keys ------------------------- */

struct kv {
	uint64_t k;
	uint32_t r;
};

/* Sort a[0..n) by k, keeping the order of equal keys. tmp holds n. */
static void radix_sort(struct kv *a, struct kv *tmp, size_t n)
{
	size_t cnt[8][256];
	struct kv *src = a, *dst = tmp;

	if (n < 2)
		return;
	memset(cnt, 0, sizeof cnt);
	for (size_t i = 0; i < n; i++)
		for (int d = 0; d < 8; d++)
			cnt[d][(a[i].k >> (d * 8)) & 255]++;
	for (int d = 0; d < 8; d++) {
		size_t sum = 0, *c = cnt[d];
		int shift = d * 8;

		if (c[(a[0].k >> shift) & 255] == n)
			continue; /* every key has the same byte here */
		for (int b = 0; b < 256; b++) {
			size_t x = c[b];

			c[b] = sum;
			sum += x;
		}
		for (size_t i = 0; i < n; i++)
			dst[c[(src[i].k >> shift) & 255]++] = src[i];
		struct kv *t = src;
		src = dst;
		dst = t;
	}
	if (src != a)
		memcpy(a, src, n * sizeof *a);
}

/* A signed value as a key that sorts the same way, or the other way. */
static uint64_t skey(int64_t v, int desc)
{
	uint64_t k = (uint64_t)v ^ (1ull << 63);

	return desc ? ~k : k;
}

/* kv[i] = (id key, i) sorted: the tie order of every sort. */
static void by_id(const struct mail_trow *rows, size_t n, struct kv *kv, struct kv *tmp)
{
	int sorted = 1;

	for (size_t i = 0; i < n; i++) {
		kv[i].k = skey(rows[i].id, 0);
		kv[i].r = (uint32_t)i;
		if (i && rows[i].id < rows[i - 1].id)
			sorted = 0;
	}
	if (!sorted)
		radix_sort(kv, tmp, n);
}

/* ---- ids -------------------------------------------------------------------- */

static int is_ws(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* The next well-formed <id> at or after *p: its text without the brackets.
 * An id holds no white space and no '<'. */
static int next_id(const char **p, const char **id, uint32_t *len)
{
	const char *s = *p;

	for (;;) {
		const char *lt = strchr(s, '<'), *q;

		if (!lt) {
			*p = s + strlen(s);
			return 0;
		}
		q = lt + 1 + strcspn(lt + 1, "<> \t\r\n");
		if (*q == '>' && q > lt + 1 && q - lt - 1 < (1 << 24)) {
			*id = lt + 1;
			*len = (uint32_t)(q - lt - 1);
			*p = q + 1;
			return 1;
		}
		if (!*q) {
			*p = q;
			return 0;
		}
		s = *q == '<' ? q : q + 1;
	}
}

/* A Message-ID: its first <id>, else the whole value if it is one word. */
static int msg_id(const char *s, const char **id, uint32_t *len)
{
	const char *p = s, *e;

	if (!s)
		return 0;
	if (next_id(&p, id, len))
		return 1;
	while (is_ws((unsigned char)*s))
		s++;
	for (e = s; *e && !is_ws((unsigned char)*e) && *e != '<' && *e != '>'; e++)
		;
	if (e == s || e - s >= (1 << 24))
		return 0;
	for (p = e; is_ws((unsigned char)*p); p++)
		;
	if (*p)
		return 0;
	*id = s;
	*len = (uint32_t)(e - s);
	return 1;
}

/* Ids and subjects come from senders: with a hash they could predict, they
 * could send thousands of ids of one slot and make the build quadratic.
 * The hash is keyed SipHash (libsodium's crypto_shorthash) with a key
 * drawn once a process, so a collision found offline is worth nothing
 * here. Only equality is ever read from it: threads do not depend on the
 * key. */
static unsigned char hash_key[crypto_shorthash_KEYBYTES];
static pthread_once_t hash_once = PTHREAD_ONCE_INIT;

static void hash_key_init(void)
{
	if (sodium_init() < 0)
		fatal("libsodium cannot start");
	randombytes_buf(hash_key, sizeof hash_key);
}

static uint32_t hash_bytes(const char *s, size_t n)
{
	unsigned char out[crypto_shorthash_BYTES];
	uint32_t h;

	crypto_shorthash(out, (const unsigned char *)s, n, hash_key);
	memcpy(&h, out, sizeof h);
	return h;
}

/* ---- containers ------------------------------------------------------------------ */

/* A message, or an id some message refers to (row -1: missing). */
struct cont {
	const char *id; /* NULL: not in the table (no id, or a duplicate) */
	uint32_t len, hash;
	int32_t parent;
	int32_t row;
	uint8_t strong; /* the parent comes from the message's own headers */
};

struct ctx {
	const struct mail_trow *rows;
	size_t n;
	struct cont *c;
	size_t nc, capc;
	uint64_t *slot; /* hash << 32 | container + 1; 0 is empty */
	size_t mask;
	int32_t *crow; /* n: each row's container */
};

static int32_t cont_new(struct ctx *x)
{
	if (x->nc == x->capc) {
		x->capc = x->capc * 2 + 16;
		x->c = xreallocarray(x->c, x->capc, sizeof *x->c);
	}
	struct cont *k = &x->c[x->nc];
	memset(k, 0, sizeof *k);
	k->parent = -1;
	k->row = -1;
	return (int32_t)x->nc++;
}

static uint64_t slot_of(uint32_t hash, int32_t k)
{
	return (uint64_t)hash << 32 | ((uint32_t)k + 1);
}

static void table_put(struct ctx *x, int32_t k)
{
	size_t i = x->c[k].hash & x->mask;

	while (x->slot[i])
		i = (i + 1) & x->mask;
	x->slot[i] = slot_of(x->c[k].hash, k);
}

static void table_grow(struct ctx *x)
{
	free(x->slot);
	x->mask = x->mask * 2 + 1;
	x->slot = xcalloc(x->mask + 1, sizeof *x->slot);
	for (size_t k = 0; k < x->nc; k++)
		if (x->c[k].id)
			table_put(x, (int32_t)k);
}

/* The container of an id of hash h, made (missing) if new. The slot holds
 * the hash: a probe reads a container only when the hashes agree. */
static int32_t cont_get(struct ctx *x, const char *id, uint32_t len, uint32_t h)
{
	size_t i = h & x->mask;
	uint64_t s;

	while ((s = x->slot[i]) != 0) {
		if ((uint32_t)(s >> 32) == h) {
			const struct cont *k = &x->c[(uint32_t)s - 1];

			if (k->len == len && !memcmp(k->id, id, len))
				return (int32_t)((uint32_t)s - 1);
		}
		i = (i + 1) & x->mask;
	}
	int32_t k = cont_new(x);
	x->c[k].id = id;
	x->c[k].len = len;
	x->c[k].hash = h;
	x->slot[i] = slot_of(h, k);
	if (x->nc * 2 > x->mask + 1)
		table_grow(x);
	return k;
}

/*
 * Linking runs over a batch of rows in two passes: the first parses every
 * id of the batch and hashes it, the second looks them up in order. Kept
 * apart, consecutive lookups do not wait on each other's cache misses
 * behind the parsing: 15-20% faster than one pass (bench/mail_thread.c).
 * Asking for the slots ahead with prefetches measured no better.
 */
struct pid {
	const char *id; /* NULL: none */
	uint32_t len, hash;
};

/* A row's ids in the batch: Message-ID, In-Reply-To, then References. */
struct prow {
	uint32_t first, nref;
};

struct batch {
	struct pid *v;
	size_t n, cap;
	struct prow *r;
};

enum { BATCH_ROWS = 512 };

static void batch_put(struct batch *b, const char *id, uint32_t len, int ok)
{
	if (b->n == b->cap) {
		b->cap = b->cap * 2 + 1024;
		b->v = xreallocarray(b->v, b->cap, sizeof *b->v);
	}
	b->v[b->n++] = ok ? (struct pid){id, len, hash_bytes(id, len)} : (struct pid){NULL, 0, 0};
}

static void batch_parse(struct batch *b, const struct mail_trow *rows, size_t lo, size_t hi)
{
	const char *id = NULL, *p;
	uint32_t len = 0;
	int ok;

	b->n = 0;
	for (size_t i = lo; i < hi; i++) {
		struct prow *pr = &b->r[i - lo];

		pr->first = (uint32_t)b->n;
		ok = msg_id(rows[i].message_id, &id, &len);
		batch_put(b, id, len, ok);
		p = rows[i].in_reply_to;
		ok = p && next_id(&p, &id, &len);
		batch_put(b, id, len, ok);
		for (p = rows[i].refs; p && next_id(&p, &id, &len);)
			batch_put(b, id, len, 1);
		pr->nref = (uint32_t)(b->n - pr->first - 2);
	}
}

static int32_t batch_get(struct ctx *x, const struct batch *b, size_t j)
{
	return cont_get(x, b->v[j].id, b->v[j].len, b->v[j].hash);
}

/* Row i's container and its parent from its own headers; the other ids of
 * References link each to the one before it where they have no parent. */
static void link_row(struct ctx *x, const struct batch *b, const struct prow *pr, size_t i)
{
	const struct pid *v = b->v + pr->first;
	int32_t self = -1, first = -1, prev = -1, last = -1, k;

	if (v[0].id) {
		k = batch_get(x, b, pr->first);
		if (x->c[k].row < 0)
			self = k;
		else
			first = k;
	}
	if (self < 0)
		self = cont_new(x);
	x->c[self].row = (int32_t)i;
	x->crow[i] = self;
	if (first >= 0) {
		/* a duplicate Message-ID: shown under the first */
		x->c[self].parent = first;
		x->c[self].strong = 1;
		return;
	}
	for (uint32_t j = 0; j < pr->nref; j++) {
		k = batch_get(x, b, pr->first + 2 + j);
		if (k == self) {
			prev = -1;
			continue;
		}
		if (prev >= 0 && k != prev && x->c[k].parent < 0)
			x->c[k].parent = prev;
		prev = last = k;
	}
	if (last < 0 && v[1].id) {
		k = batch_get(x, b, pr->first + 1);
		if (k != self)
			last = k;
	}
	if (last >= 0) {
		x->c[self].parent = last;
		x->c[self].strong = 1;
	}
}

/* Every row's container and parent; fills x->c and x->crow. */
static void link_rows(struct ctx *x)
{
	struct batch b = {0};

	x->capc = x->n + x->n / 2 + 16;
	x->c = xreallocarray(NULL, x->capc, sizeof *x->c);
	x->mask = 1023;
	while (x->mask + 1 < x->capc * 2)
		x->mask = x->mask * 2 + 1;
	x->slot = xcalloc(x->mask + 1, sizeof *x->slot);
	x->crow = xreallocarray(NULL, x->n, sizeof *x->crow);
	b.r = xreallocarray(NULL, BATCH_ROWS, sizeof *b.r);
	for (size_t lo = 0; lo < x->n; lo += BATCH_ROWS) {
		size_t hi = x->n - lo < BATCH_ROWS ? x->n : lo + BATCH_ROWS;

		batch_parse(&b, x->rows, lo, hi);
		for (size_t i = lo; i < hi; i++)
			link_row(x, &b, &b.r[i - lo], i);
	}
	free(b.v);
	free(b.r);
	free(x->slot);
	x->slot = NULL;
}

/* Is a (a row, date then id) earlier than b? */
static int row_before(const struct mail_trow *rows, int32_t a, int32_t b)
{
	if (rows[a].date != rows[b].date)
		return rows[a].date < rows[b].date;
	return rows[a].id < rows[b].id;
}

/* In a loop, the link to cut: one that only others' References asserted,
 * else the earliest message's. */
static int better_cut(const struct ctx *x, int32_t a, int32_t b)
{
	const struct cont *ca = &x->c[a], *cb = &x->c[b];

	if (ca->strong != cb->strong)
		return !ca->strong;
	if (!ca->strong)
		return 0;
	return row_before(x->rows, ca->row, cb->row);
}

/* Cut every loop of parent links. state: nc bytes, zero. stack: nc. */
static void break_loops(struct ctx *x, uint8_t *state, int32_t *stack)
{
	for (size_t c0 = 0; c0 < x->nc; c0++) {
		size_t sp = 0;
		int32_t y = (int32_t)c0;

		while (y >= 0 && state[y] == 0) {
			state[y] = 1;
			stack[sp++] = y;
			y = x->c[y].parent;
		}
		if (y >= 0 && state[y] == 1) {
			/* y is on this path: the path from y back to y is a loop */
			int32_t cut = y;

			for (int32_t z = x->c[y].parent; z != y; z = x->c[z].parent)
				if (better_cut(x, z, cut))
					cut = z;
			x->c[cut].parent = -1;
			x->c[cut].strong = 0;
		}
		while (sp)
			state[stack[--sp]] = 2;
	}
}

/* ---- subjects ------------------------------------------------------------------- */

static const struct {
	const char *s;
	uint8_t len, reply;
} prefixes[] = {
	{"re", 2, 1},
	{"aw", 2, 1},
	{"fwd", 3, 0},
	{"fw", 2, 0},
	{"wg", 2, 0},
	{"\xe5\x9b\x9e\xe5\xa4\x8d", 6, 1}, /* 回复 */
	{"\xe5\x9b\x9e\xe8\xa6\x86", 6, 1}, /* 回覆 */
	{"\xe7\xad\x94\xe5\xa4\x8d", 6, 1}, /* 答复 */
	{"\xe8\xbd\xac\xe5\x8f\x91", 6, 0}, /* 转发 */
};

static unsigned char lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

/* Length of the white space at s: ASCII or U+3000. */
static size_t ws_len(const char *s)
{
	if (is_ws((unsigned char)*s))
		return 1;
	if (s[0] == '\xe3' && s[1] == '\x80' && s[2] == '\x80')
		return 3;
	return 0;
}

static int is_fullwidth_colon(const char *s)
{
	return s[0] == '\xef' && s[1] == '\xbc' && s[2] == '\x9a';
}

/* A reply or forward prefix at s ("Re:", "RE :", "Re[2]:", "回复："):
 * its length, 0 if none; *reply set for a reply. */
static size_t prefix_len(const char *s, int *reply)
{
	for (size_t i = 0; i < nitems(prefixes); i++) {
		size_t j = 0;

		while (j < prefixes[i].len && lower((unsigned char)s[j]) == (unsigned char)prefixes[i].s[j])
			j++;
		if (j < prefixes[i].len)
			continue;
		if (s[j] == '[' || s[j] == '(') {
			char close = s[j] == '[' ? ']' : ')';
			size_t d = j + 1;

			while (s[d] >= '0' && s[d] <= '9')
				d++;
			if (d > j + 1 && s[d] == close)
				j = d + 1;
		}
		while (s[j] == ' ')
			j++;
		if (s[j] == ':' || is_fullwidth_colon(s + j)) {
			*reply = prefixes[i].reply;
			return j + (s[j] == ':' ? 1 : 3);
		}
	}
	return 0;
}

/* Write the normalised subject of s to dst (room for strlen(s) + 1: the
 * result is never longer); returns its length. */
static size_t subj_norm(const char *s, char *dst, int *reply)
{
	size_t n = 0, w;

	*reply = 0;
	if (!s)
		return dst[0] = '\0', 0;
	for (;;) {
		size_t p;
		int r = 0;

		while ((w = ws_len(s)) != 0)
			s += w;
		if (*s == '[') {
			const char *e = strchr(s, ']');

			if (!e)
				break;
			s = e + 1;
		} else if ((p = prefix_len(s, &r)) != 0) {
			s += p;
			*reply |= r;
		} else {
			break;
		}
	}
	for (unsigned char c; (c = (unsigned char)*s) != 0;) {
		/* most bytes are neither white space nor U+3000's first */
		if (c > ' ' && c != 0xe3) {
			dst[n++] = (char)lower(c);
			s++;
		} else if ((w = ws_len(s)) != 0) {
			s += w;
			if (*s && !ws_len(s) && n)
				dst[n++] = ' ';
		} else {
			dst[n++] = (char)c;
			s++;
		}
	}
	dst[n] = '\0';
	return n;
}

int mail_subject_normalise(const char *s, struct buf *out)
{
	size_t n = s ? strlen(s) : 0;
	char *tmp = xmalloc(n + 1);
	int reply;

	n = subj_norm(s, tmp, &reply);
	buf_add(out, tmp, n);
	free(tmp);
	return reply;
}

/* The sender as sorted: without leading blanks, without double quotes
 * (syntax, not part of the name: "\"bob\" <b@x>" is bob), ASCII letters in
 * lower case. */
static size_t from_key(const char *s, char *dst)
{
	size_t n = 0;

	if (!s)
		return dst[0] = '\0', 0;
	while (is_ws((unsigned char)*s) || *s == '"')
		s++;
	for (; *s; s++)
		if (*s != '"')
			dst[n++] = (char)lower((unsigned char)*s);
	dst[n] = '\0';
	return n;
}

/* A growable arena of NUL-terminated strings, named by offset. */
struct arena {
	char *p;
	size_t len, cap;
};

static char *arena_room(struct arena *a, size_t n)
{
	if (a->len + n + 1 > a->cap) {
		a->cap = (a->len + n + 1) * 2;
		a->p = xrealloc(a->p, a->cap);
	}
	return a->p + a->len;
}

struct subj_group {
	uint32_t off, len, hash;
	int32_t anchor; /* the root container replies join */
	uint8_t anchor_reply;
};

struct subj_root {
	int32_t cont;
	uint32_t group;
	uint8_t reply;
};

static int better_anchor(const struct ctx *x, int32_t a, int a_reply, int32_t b, int b_reply)
{
	if (a_reply != b_reply)
		return !a_reply;
	return row_before(x->rows, x->c[a].row, x->c[b].row);
}

/* Roots with a reply subject join the root of that subject (thread.h). */
static void join_by_subject(struct ctx *x)
{
	struct arena ar = {0};
	struct subj_group *g = NULL;
	struct subj_root *roots = NULL;
	size_t ng = 0, capg = 0, nr = 0, capr = 0, mask = 255;
	uint32_t *slot;

	for (size_t i = 0; i < x->n; i++)
		if (x->c[x->crow[i]].parent < 0)
			nr++;
	while (mask + 1 < nr * 2)
		mask = mask * 2 + 1;
	slot = xcalloc(mask + 1, sizeof *slot);
	capr = nr;
	roots = xreallocarray(NULL, capr ? capr : 1, sizeof *roots);
	nr = 0;
	for (size_t i = 0; i < x->n; i++) {
		int32_t c = x->crow[i];
		const char *s = x->rows[i].subject;
		int reply;

		if (x->c[c].parent >= 0 || !s)
			continue;
		char *dst = arena_room(&ar, strlen(s));
		size_t len = subj_norm(s, dst, &reply);
		if (!len)
			continue;
		uint32_t h = hash_bytes(dst, len), sl;
		size_t j = h & mask;
		while ((sl = slot[j]) != 0) {
			struct subj_group *q = &g[sl - 1];

			if (q->hash == h && q->len == len && !memcmp(ar.p + q->off, dst, len))
				break;
			j = (j + 1) & mask;
		}
		if (!sl) {
			if (ng == capg) {
				capg = capg * 2 + 64;
				g = xreallocarray(g, capg, sizeof *g);
			}
			g[ng] = (struct subj_group){(uint32_t)ar.len, (uint32_t)len, h, c,
						    (uint8_t)reply};
			ar.len += len + 1;
			slot[j] = (uint32_t)++ng;
			sl = (uint32_t)ng;
		} else if (better_anchor(x, c, reply, g[sl - 1].anchor, g[sl - 1].anchor_reply)) {
			g[sl - 1].anchor = c;
			g[sl - 1].anchor_reply = (uint8_t)reply;
		}
		roots[nr++] = (struct subj_root){c, sl - 1, (uint8_t)reply};
	}
	for (size_t i = 0; i < nr; i++) {
		int32_t a = g[roots[i].group].anchor;

		if (roots[i].reply && a != roots[i].cont) {
			x->c[roots[i].cont].parent = a;
			x->c[roots[i].cont].strong = 1;
		}
	}
	free(slot);
	free(roots);
	free(g);
	free(ar.p);
}

/* ---- building ------------------------------------------------------------------- */

/* Each container's root container (top) and its nearest present
 * ancestor-or-self row (near, -1 if none). stack: nc. */
static void resolve(const struct ctx *x, int32_t *top, int32_t *near, int32_t *stack)
{
	for (size_t k = 0; k < x->nc; k++)
		top[k] = -2;
	for (size_t c0 = 0; c0 < x->nc; c0++) {
		size_t sp = 0;
		int32_t y = (int32_t)c0, t, nr;

		while (y >= 0 && top[y] == -2) {
			stack[sp++] = y;
			y = x->c[y].parent;
		}
		if (y < 0) {
			t = sp ? stack[sp - 1] : -1;
			nr = -1;
		} else {
			t = top[y];
			nr = near[y];
		}
		while (sp) {
			y = stack[--sp];
			top[y] = t;
			if (x->c[y].row >= 0)
				nr = x->c[y].row;
			near[y] = nr;
		}
	}
}

/* Lists of children, and of each thread's tops, in date order. */
struct lists {
	int32_t *first, *next; /* by row: first child, next sibling (-1: none) */
	int32_t *tfirst;       /* by thread: its first top */
};

/* Give each row its parent row and thread, and build the lists: rows are
 * appended to their parent's (or thread's) list by date, then id. tid: nc,
 * the thread of a root container. */
static void make_lists(struct mail_threads *t, const struct ctx *x, const int32_t *top,
		       const int32_t *near, int32_t *tid, struct lists *l)
{
	size_t n = x->n, nthr = 0, capt = 0;
	const struct mail_trow *rows = x->rows;
	struct kv *kv = xreallocarray(NULL, n, sizeof *kv);
	struct kv *tmp = xreallocarray(NULL, n, sizeof *tmp);
	int32_t *last = xreallocarray(NULL, n, sizeof *last), *tlast = NULL;

	by_id(rows, n, kv, tmp);
	for (size_t i = 0; i < n; i++)
		kv[i].k = skey(rows[kv[i].r].date, 0);
	radix_sort(kv, tmp, n);
	free(tmp);

	l->first = xreallocarray(NULL, n, sizeof *l->first);
	l->next = xreallocarray(NULL, n, sizeof *l->next);
	l->tfirst = NULL;
	for (size_t i = 0; i < n; i++) {
		int32_t p = x->c[x->crow[i]].parent;

		t->node[i].parent_row = p >= 0 ? near[p] : -1;
		l->first[i] = last[i] = l->next[i] = -1;
	}
	for (size_t k = 0; k < x->nc; k++)
		tid[k] = -1;
	for (size_t j = 0; j < n; j++) {
		int32_t r = (int32_t)kv[j].r, p = t->node[r].parent_row, rc, th;

		if (p >= 0) {
			if (last[p] < 0)
				l->first[p] = r;
			else
				l->next[last[p]] = r;
			last[p] = r;
			continue;
		}
		rc = top[x->crow[r]];
		if (tid[rc] < 0) {
			/* the thread's earliest top: its id */
			if (nthr == capt) {
				capt = capt * 2 + 64;
				t->thr = xreallocarray(t->thr, capt, sizeof *t->thr);
				l->tfirst = xreallocarray(l->tfirst, capt, sizeof *l->tfirst);
				tlast = xreallocarray(tlast, capt, sizeof *tlast);
			}
			tid[rc] = (int32_t)nthr;
			t->thr[nthr] = (struct mail_tthread){INT64_MIN, 0, 0, (uint32_t)r};
			l->tfirst[nthr] = r;
			tlast[nthr] = -1;
			nthr++;
		}
		th = tid[rc];
		if (tlast[th] >= 0)
			l->next[tlast[th]] = r;
		tlast[th] = r;
	}
	for (size_t i = 0; i < n; i++)
		t->node[i].tidx = (uint32_t)tid[top[x->crow[i]]];
	t->nthr = nthr;
	free(kv);
	free(last);
	free(tlast);
}

/* Each thread's block of the tree, in pre-order (no recursion: a chain can
 * be as deep as the folder), with depths and sibling bits. */
static void lay_out(struct mail_threads *t, const struct lists *l)
{
	uint32_t pos = 0;

	for (size_t i = 0; i < t->n; i++) {
		struct mail_tthread *h = &t->thr[t->node[i].tidx];

		h->count++;
		if (t->rows[i].date > h->newest)
			h->newest = t->rows[i].date;
	}
	for (size_t h = 0; h < t->nthr; h++) {
		int32_t y = l->tfirst[h];
		uint8_t multi = l->next[y] >= 0 ? MAIL_TN_MULTI : 0, first = MAIL_TN_FIRST;

		t->thr[h].start = pos;
		while (y >= 0) {
			struct mail_tnode *nd = &t->node[y];

			t->tree[pos++] = (uint32_t)y;
			nd->depth = nd->parent_row < 0 ? 0 : t->node[nd->parent_row].depth + 1;
			nd->bits = multi | first | (l->next[y] < 0 ? MAIL_TN_LAST : 0);
			if (l->first[y] >= 0) {
				y = l->first[y];
				first = MAIL_TN_FIRST;
				continue;
			}
			while (y >= 0 && l->next[y] < 0)
				y = t->node[y].parent_row;
			if (y >= 0)
				y = l->next[y];
			first = 0;
		}
	}
	for (size_t i = 0; i < t->n; i++) {
		struct mail_tnode *nd = &t->node[i];

		nd->thread = t->rows[t->thr[nd->tidx].root].id;
		nd->parent = nd->parent_row >= 0 ? t->rows[nd->parent_row].id : 0;
	}
}

void mail_thread_build(struct mail_threads *t, const struct mail_trow *rows, size_t n)
{
	struct ctx x = {0};
	struct lists l;

	pthread_once(&hash_once, hash_key_init);
	memset(t, 0, sizeof *t);
	t->rows = rows;
	t->n = n;
	t->node = xcalloc(n ? n : 1, sizeof *t->node);
	t->tree = xcalloc(n ? n : 1, sizeof *t->tree);
	if (!n)
		return;

	x.rows = rows;
	x.n = n;
	link_rows(&x);

	int32_t *stack = xreallocarray(NULL, x.nc, sizeof *stack);
	uint8_t *state = xcalloc(x.nc, 1);
	break_loops(&x, state, stack);
	free(state);
	join_by_subject(&x);

	int32_t *top = xreallocarray(NULL, x.nc, sizeof *top);
	int32_t *near = xreallocarray(NULL, x.nc, sizeof *near);
	int32_t *tid = stack; /* the stack is free again */
	resolve(&x, top, near, stack);
	make_lists(t, &x, top, near, tid, &l);
	free(top);
	free(near);
	free(tid);
	free(x.crow);
	free(x.c);
	lay_out(t, &l);
	free(l.first);
	free(l.next);
	free(l.tfirst);
}

void mail_thread_free(struct mail_threads *t)
{
	free(t->node);
	free(t->tree);
	free(t->thr);
	memset(t, 0, sizeof *t);
}

/* ---- orders --------------------------------------------------------------------- */

/* The threads in display order, into kv[i].r. */
static struct kv *thread_order(const struct mail_threads *t, int desc)
{
	size_t n = t->nthr;
	struct kv *kv = xreallocarray(NULL, n ? n : 1, sizeof *kv);
	struct kv *tmp = xreallocarray(NULL, n ? n : 1, sizeof *tmp);

	for (size_t i = 0; i < n; i++) {
		kv[i].k = skey(t->rows[t->thr[i].root].id, 0);
		kv[i].r = (uint32_t)i;
	}
	radix_sort(kv, tmp, n);
	for (size_t i = 0; i < n; i++)
		kv[i].k = skey(t->thr[kv[i].r].newest, desc);
	radix_sort(kv, tmp, n);
	free(tmp);
	return kv;
}

void mail_thread_order(const struct mail_threads *t, int desc, uint32_t *order)
{
	mail_thread_order_collapsed(t, desc, NULL, order, NULL);
}

size_t mail_thread_order_collapsed(const struct mail_threads *t, int desc,
				   const unsigned char *collapsed, uint32_t *order,
				   uint32_t *hidden)
{
	struct kv *kv = thread_order(t, desc);
	size_t m = 0;

	for (size_t i = 0; i < t->nthr; i++) {
		const struct mail_tthread *h = &t->thr[kv[i].r];

		if (collapsed && collapsed[kv[i].r]) {
			if (hidden)
				hidden[m] = h->count - 1;
			order[m++] = t->tree[h->start];
			continue;
		}
		memcpy(order + m, t->tree + h->start, h->count * sizeof *order);
		if (hidden)
			memset(hidden + m, 0, h->count * sizeof *hidden);
		m += h->count;
	}
	free(kv);
	return m;
}

/* Sorting strings: an MSD radix sort, 8 bytes at a time. Each pass is the
 * stable radix sort above on the next 8 bytes of the rows whose keys agree
 * so far, so equal keys keep the id order they came in and no string is
 * compared; short runs are finished by insertion. */
struct strsort {
	const struct mail_trow *rows;
	const char *keys;
	const uint32_t *off, *len;
	int desc;
};

/* Bytes at..at+8 of row r's key, big-endian, zero past its end. */
static uint64_t chunk(const struct strsort *ss, uint32_t r, size_t at)
{
	const unsigned char *p = (const unsigned char *)ss->keys + ss->off[r];
	size_t l = ss->len[r];
	uint64_t k = 0;

	if (at + 8 <= l) {
		memcpy(&k, p + at, 8);
		k = __builtin_bswap64(k);
	} else {
		for (size_t j = at; j < at + 8; j++)
			k = k << 8 | (j < l ? p[j] : 0);
	}
	return ss->desc ? ~k : k;
}

/* Order of rows a and b whose keys agree before byte at. */
static int str_cmp(const struct strsort *ss, uint32_t a, uint32_t b, size_t at)
{
	size_t la = ss->len[a] - at, lb = ss->len[b] - at;
	int d = memcmp(ss->keys + ss->off[a] + at, ss->keys + ss->off[b] + at, la < lb ? la : lb);

	if (!d)
		d = (la > lb) - (la < lb);
	if (d)
		return ss->desc ? -d : d;
	return (ss->rows[a].id > ss->rows[b].id) - (ss->rows[a].id < ss->rows[b].id);
}

struct span {
	size_t lo, hi, at;
};

static void sort_strings(const struct strsort *ss, struct kv *kv, struct kv *tmp, size_t n)
{
	struct span *st = NULL;
	size_t sp = 0, cap = 0;

	st = xreallocarray(st, cap = 64, sizeof *st);
	st[sp++] = (struct span){0, n, 0};
	while (sp) {
		struct span s = st[--sp];
		struct kv *a = kv + s.lo;
		size_t m = s.hi - s.lo;

		if (m < 32) {
			for (size_t i = 1; i < m; i++) {
				struct kv v = a[i];
				size_t j = i;

				for (; j && str_cmp(ss, a[j - 1].r, v.r, s.at) > 0; j--)
					a[j] = a[j - 1];
				a[j] = v;
			}
			continue;
		}
		for (size_t i = 0; i < m; i++)
			a[i].k = chunk(ss, a[i].r, s.at);
		radix_sort(a, tmp, m);
		for (size_t i = 0, j; i < m; i = j) {
			int more = ss->len[a[i].r] > s.at + 8;

			for (j = i + 1; j < m && a[j].k == a[i].k; j++)
				more |= ss->len[a[j].r] > s.at + 8;
			if (j - i < 2 || !more)
				continue;
			if (sp == cap)
				st = xreallocarray(st, cap *= 2, sizeof *st);
			st[sp++] = (struct span){s.lo + i, s.lo + j, s.at + 8};
		}
	}
	free(st);
}

void mail_thread_sort(const struct mail_threads *t, enum mail_tsort key, int desc,
		      uint32_t *order)
{
	size_t n = t->n;
	const struct mail_trow *rows = t->rows;
	struct kv *kv = xreallocarray(NULL, n ? n : 1, sizeof *kv);
	struct kv *tmp = xreallocarray(NULL, n ? n : 1, sizeof *tmp);
	struct arena ar = {0};
	uint32_t *off = NULL, *len = NULL;

	by_id(rows, n, kv, tmp);
	if (key == MAIL_TSORT_FROM || key == MAIL_TSORT_SUBJECT) {
		off = xreallocarray(NULL, n ? n : 1, sizeof *off);
		len = xreallocarray(NULL, n ? n : 1, sizeof *len);
		for (size_t i = 0; i < n; i++) {
			const char *s = key == MAIL_TSORT_FROM ? rows[i].from : rows[i].subject;
			char *dst = arena_room(&ar, s ? strlen(s) : 0);
			int reply;

			off[i] = (uint32_t)ar.len;
			len[i] = (uint32_t)(key == MAIL_TSORT_FROM ? from_key(s, dst)
								  : subj_norm(s, dst, &reply));
			ar.len += len[i] + 1;
		}
	}
	if (off) {
		struct strsort ss = {rows, ar.p, off, len, desc};

		sort_strings(&ss, kv, tmp, n);
	} else {
		for (size_t i = 0; i < n; i++) {
			const struct mail_trow *r = &rows[kv[i].r];

			kv[i].k = skey(key == MAIL_TSORT_DATE ? r->date : r->size, desc);
		}
		radix_sort(kv, tmp, n);
	}
	for (size_t i = 0; i < n; i++)
		order[i] = kv[i].r;
	free(kv);
	free(tmp);
	free(off);
	free(len);
	free(ar.p);
}

/* ---- the tree column ------------------------------------------------------------- */

#define PREFIX_MAX 128

int mail_thread_prefix(const struct mail_threads *t, uint32_t row, int max_levels,
		       struct buf *out)
{
	const struct mail_tnode *nd = &t->node[row];
	int level = nd->depth + ((nd->bits & MAIL_TN_MULTI) ? 1 : 0), cols = 0, m = 0;
	uint8_t cont[PREFIX_MAX];

	if (level == 0)
		return 0;
	if (max_levels < 1)
		max_levels = 1;
	if (max_levels > PREFIX_MAX)
		max_levels = PREFIX_MAX;
	/* the ancestors' levels drawn, deepest first */
	int draw = level - 1 < max_levels - 1 ? level - 1 : max_levels - 1;
	for (int32_t a = nd->parent_row; m < draw; a = t->node[a].parent_row)
		cont[m++] = !(t->node[a].bits & MAIL_TN_LAST);
	while (m--) {
		buf_adds(out, cont[m] ? "\xe2\x94\x82 " : "  ");
		cols += 2;
	}
	if (level == 1 && (nd->bits & MAIL_TN_MULTI) && (nd->bits & MAIL_TN_FIRST))
		buf_adds(out, "\xe2\x94\x8c\xe2\x94\x80>"); /* ┌─> */
	else if (nd->bits & MAIL_TN_LAST)
		buf_adds(out, "\xe2\x94\x94\xe2\x94\x80>"); /* └─> */
	else
		buf_adds(out, "\xe2\x94\x9c\xe2\x94\x80>"); /* ├─> */
	return cols + 3;
}
