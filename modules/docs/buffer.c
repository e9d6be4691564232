/*
 * buffer.c - the docs editor's text: a piece table over the mapped file,
 * with grouped undo/redo. Owns the mapping, the add buffer, the piece tree
 * and the undo history of one document.
 *
 * Pieces live in a treap ordered by position; each node caches the bytes
 * and newlines of its subtree, so offset <-> line and splitting at an
 * offset are O(log pieces). No piece is longer than PIECE_MAX: splitting
 * one then counts at most PIECE_MAX bytes of newlines, which keeps a key
 * press cheap in a 10 MB line as in a 100 MB file. Opening cuts the file
 * into PIECE_MAX pieces and counts their newlines once (a word-at-a-time
 * loop, a few GB/s over the page cache); nothing else reads the whole file.
 *
 * Undo keeps no copies of text: an edit record holds the detached subtree
 * of pieces that the edit took out (or, once undone, the one it had put
 * in). Undoing or redoing an edit swaps that subtree with the range now in
 * the document, so both are O(log pieces) plus the pieces moved.
 *
 * The mapped file can shrink under us: another program truncating it in
 * place (`> file`, ftruncate) makes every page past the new end raise
 * SIGBUS when touched, which would kill the editor and the user's unsaved
 * text with it. So nothing touches the mapping except the piece_* readers
 * in the next section, and they do it under a guard: a thread-local
 * sigsetjmp point plus the mapping's range, and a SIGBUS handler that
 * jumps back only for a fault inside that range while the guard is up
 * (any other SIGBUS goes to the handler that was there before, or kills
 * as it would have). Back at the guard, the pages from the faulting one
 * to the end of the mapping are replaced by zero-filled anonymous memory
 * (mmap MAP_FIXED: every page past a faulting one is past the file's end
 * too), the buffer is marked truncated, and the read runs again and now
 * finds NUL bytes (the view shows placeholders) where the lost text was.
 * The pieces' cached newline counts then no longer match the bytes; the
 * readers tolerate that (a count is clamped, a missing newline ends the
 * piece) and, once the operation is over, settle() counts the file's
 * pieces again, in the text and in the undo history. Nothing is copied
 * at open (for a file too big to copy in: see copy_max); the journal (recover.c) still holds the user's edits, and
 * doc_buf_truncated tells the editor to say what happened. A file that
 * is truncated and then written again before we touch those pages shows
 * the new bytes: only a changed stamp (file.c) can tell that.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/core.h"
#include "i18n/i18n.h"
#include "modules/docs/buffer.h"

#define PIECE_MAX (64 * 1024)
#define GRAPHEME_WINDOW 256
#define FIND_CHUNK (256 * 1024)
#define WORD_CONTEXT 512
#define EDIT_RING DOC_BUF_EDITS_MAX /* the last edits, for doc_buf_edited_since and doc_buf_edits */

enum { SRC_FILE, SRC_ADD };

struct piece {
	struct piece *l, *r;
	uint32_t prio;
	uint32_t len; /* <= PIECE_MAX */
	uint32_t nl;
	uint8_t src;
	size_t start;	/* in the file or the add buffer */
	size_t sum_len; /* of the subtree */
	size_t sum_nl;
};

/* One edit: `cur` bytes at off are in the text now; `other` (a detached
 * piece tree of other_len bytes) is what they replaced. */
struct doc_edit {
	size_t off;
	size_t cur;
	size_t other_len;
	struct piece *other;
};

enum { KIND_NONE, KIND_TYPE, KIND_DELETE, KIND_EXPLICIT };

struct doc_group {
	struct doc_edit *edits;
	size_t n, cap;
};

/* What the SIGBUS guard found about the mapping (a pointer, so readers
 * holding a const buffer can note it). */
struct map_state {
	int lost;  /* pages past the file's new end were replaced by zeros */
	int stale; /* the file pieces' newline counts need counting again */
};

struct doc_buf {
	const char *map;
	size_t map_len;
	size_t map_size; /* of a copied-in file's memory, when not map_len */
	struct map_state *ms; /* with map */
	char *add;
	size_t add_len, add_cap;
	struct piece *root;
	size_t npieces;
	uint64_t rng;
	int is_new;

	struct doc_group *groups;
	size_t ngroups, gcap;
	size_t applied; /* groups [0, applied) are in the text */
	int open_kind;	/* the last applied group still takes edits */
	int depth;	/* doc_buf_group_begin nesting */
	long saved;	/* `applied` at the save point; -1: unreachable */

	uint64_t gen_base, gen;	  /* doc_buf_gen: unique to this buffer */
	struct doc_edit_op ring[EDIT_RING]; /* what edit gen % EDIT_RING did */
};

/* ---- the piece tree ------------------------------------------------------ */

static size_t count_nl(const char *p, size_t n)
{
	const uint64_t ones = 0x0101010101010101ULL, low7 = 0x7f7f7f7f7f7f7f7fULL;
	const uint64_t pat = ones * '\n';
	size_t c = 0, i = 0;

	for (; i + 8 <= n; i += 8) {
		uint64_t x, y;
		memcpy(&x, p + i, 8);
		x ^= pat;
		y = ~(((x & low7) + low7) | x | low7);
		c += (size_t)__builtin_popcountll(y);
	}
	for (; i < n; i++)
		c += p[i] == '\n';
	return c;
}

static const char *piece_data(const struct doc_buf *b, const struct piece *p)
{
	return (p->src == SRC_FILE ? b->map : b->add) + p->start;
}

/* ---- reading the mapping, under the SIGBUS guard ---------------------------- */

struct guard {
	sigjmp_buf jb;
	const char *lo, *hi; /* the mapping being read */
	void *addr;	     /* where it faulted */
	volatile sig_atomic_t on;
};
static _Thread_local struct guard guard;
static struct sigaction old_bus;
static pthread_mutex_t bus_lock = PTHREAD_MUTEX_INITIALIZER;

static void on_sigbus(int sig, siginfo_t *si, void *ctx)
{
	const char *a = si->si_addr;

	if (guard.on && si->si_code > 0 && a >= guard.lo && a < guard.hi) {
		guard.on = 0;
		guard.addr = si->si_addr;
		siglongjmp(guard.jb, 1);
	}
	/* Not a read of ours: what would have happened without us. */
	if ((old_bus.sa_flags & SA_SIGINFO) && old_bus.sa_sigaction) {
		old_bus.sa_sigaction(sig, si, ctx);
		return;
	}
	if (old_bus.sa_handler != SIG_DFL && old_bus.sa_handler != SIG_IGN) {
		old_bus.sa_handler(sig);
		return;
	}
	signal(SIGBUS, SIG_DFL);
	raise(SIGBUS); /* SA_NODEFER: delivered now, and kills */
}

/* Put our handler in, keeping the one it replaces; again at every open,
 * since a library (a test harness, a sanitizer) may have put its own in
 * since. */
static void bus_install(void)
{
	struct sigaction sa, now;

	pthread_mutex_lock(&bus_lock);
	if (sigaction(SIGBUS, NULL, &now) == 0 &&
	    (!(now.sa_flags & SA_SIGINFO) || now.sa_sigaction != on_sigbus)) {
		memset(&sa, 0, sizeof sa);
		sa.sa_sigaction = on_sigbus;
		/* NODEFER: the jump leaves the handler without restoring the
		 * mask, so SIGBUS must not be blocked inside it. */
		sa.sa_flags = SA_SIGINFO | SA_NODEFER | SA_ONSTACK;
		sigemptyset(&sa.sa_mask);
		sigaction(SIGBUS, &sa, &old_bus);
	}
	pthread_mutex_unlock(&bus_lock);
}

/* Back from a fault at guard.addr: zeros from its page to the end. */
static void lost_tail(const struct doc_buf *b)
{
	uintptr_t pg = (uintptr_t)sysconf(_SC_PAGESIZE);
	uintptr_t a = (uintptr_t)guard.addr & ~(pg - 1);
	uintptr_t end = (uintptr_t)b->map + b->map_len;

	if (mmap((void *)a, end - a, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) ==
	    MAP_FAILED)
		abort(); /* no memory to stand in: nothing safe is left to do */
	b->ms->lost = 1;
	b->ms->stale = 1;
}

/* Run stmt, which reads b's mapping, with the guard up; after a fault
 * (the file shrank) mend the mapping and run it again. */
#define GUARDED(b, stmt)                                                        \
	do {                                                                    \
		while (sigsetjmp(guard.jb, 0) != 0)                             \
			lost_tail(b);                                           \
		guard.lo = (b)->map;                                            \
		guard.hi = (b)->map + (b)->map_len;                             \
		guard.on = 1;                                                   \
		stmt;                                                           \
		guard.on = 0;                                                   \
	} while (0)

/* Newlines in n bytes at off of piece t. */
static size_t piece_count_nl(const struct doc_buf *b, const struct piece *t, size_t off, size_t n)
{
	const char *volatile p = piece_data(b, t) + off; /* read again after a jump back */
	size_t r;

	if (t->src != SRC_FILE)
		return count_nl(p, n);
	GUARDED(b, r = count_nl(p, n));
	return r;
}

static void piece_copy(const struct doc_buf *b, const struct piece *t, size_t off, size_t n,
		       char *out)
{
	const char *volatile p = piece_data(b, t) + off; /* read again after a jump back */

	if (t->src != SRC_FILE) {
		memcpy(out, p, n);
		return;
	}
	GUARDED(b, memcpy(out, p, n));
}

/* The offset in t just after its k-th newline (k >= 1); t->len when it
 * has fewer (its count went stale when the file shrank). */
static size_t nth_nl(const char *p, size_t n, size_t k)
{
	const char *q = p;

	for (;;) {
		q = memchr(q, '\n', n - (size_t)(q - p));
		if (q == NULL)
			return n;
		if (--k == 0)
			return (size_t)(q - p) + 1;
		q++;
	}
}

static size_t piece_nth_nl(const struct doc_buf *b, const struct piece *t, size_t k)
{
	const char *volatile p = piece_data(b, t); /* read again after a jump back */
	volatile size_t want = k;
	size_t r;

	if (t->src != SRC_FILE)
		return nth_nl(p, t->len, k);
	GUARDED(b, r = nth_nl(p, t->len, want));
	return r;
}

static size_t sz(const struct piece *t)
{
	return t ? t->sum_len : 0;
}

static size_t snl(const struct piece *t)
{
	return t ? t->sum_nl : 0;
}

static void update(struct piece *t)
{
	t->sum_len = sz(t->l) + t->len + sz(t->r);
	t->sum_nl = snl(t->l) + t->nl + snl(t->r);
}

static uint32_t rnd(struct doc_buf *b)
{
	b->rng ^= b->rng << 13;
	b->rng ^= b->rng >> 7;
	b->rng ^= b->rng << 17;
	return (uint32_t)(b->rng >> 16);
}

static struct piece *piece_new(struct doc_buf *b, int src, size_t start, size_t len, size_t nl)
{
	struct piece *p = xcalloc(1, sizeof *p);

	p->prio = rnd(b);
	p->src = (uint8_t)src;
	p->start = start;
	p->len = (uint32_t)len;
	p->nl = (uint32_t)nl;
	update(p);
	b->npieces++;
	return p;
}

static void tree_free(struct doc_buf *b, struct piece *t)
{
	if (t == NULL)
		return;
	tree_free(b, t->l);
	tree_free(b, t->r);
	free(t);
	b->npieces--;
}

static struct piece *merge(struct piece *a, struct piece *c)
{
	if (a == NULL)
		return c;
	if (c == NULL)
		return a;
	if (a->prio > c->prio) {
		a->r = merge(a->r, c);
		update(a);
		return a;
	}
	c->l = merge(a, c->l);
	update(c);
	return c;
}

/* Split t into the pieces before off and from off on, cutting a piece in
 * two when off falls inside it. */
static void split(struct doc_buf *b, struct piece *t, size_t off, struct piece **lo,
		  struct piece **hi)
{
	size_t ls;

	if (t == NULL) {
		*lo = *hi = NULL;
		return;
	}
	ls = sz(t->l);
	if (off <= ls) {
		split(b, t->l, off, lo, &t->l);
		update(t);
		*hi = t;
	} else if (off >= ls + t->len) {
		split(b, t->r, off - ls - t->len, &t->r, hi);
		update(t);
		*lo = t;
	} else {
		size_t k = off - ls;
		size_t nl = piece_count_nl(b, t, 0, k);
		struct piece *tail;

		if (nl > t->nl) { /* the file changed under us; settle() recounts */
			nl = t->nl;
			if (b->ms)
				b->ms->stale = 1;
		}
		tail = piece_new(b, t->src, t->start + k, t->len - k, t->nl - nl);

		t->len = (uint32_t)k;
		t->nl = (uint32_t)nl;
		*hi = merge(tail, t->r);
		t->r = NULL;
		update(t);
		*lo = t;
	}
}

/* Grow the last piece of t by n bytes holding nl newlines. */
static void extend_last(struct piece *t, size_t n, size_t nl)
{
	for (; t; t = t->r) {
		t->sum_len += n;
		t->sum_nl += nl;
		if (t->r == NULL) {
			t->len += (uint32_t)n;
			t->nl += (uint32_t)nl;
		}
	}
}

static struct piece *last_piece(struct piece *t)
{
	while (t && t->r)
		t = t->r;
	return t;
}

static void add_append(struct doc_buf *b, const char *text, size_t len)
{
	if (b->add_len + len > b->add_cap) {
		size_t cap = b->add_cap ? b->add_cap : 4096;
		while (cap < b->add_len + len)
			cap *= 2;
		b->add = xrealloc(b->add, cap);
		b->add_cap = cap;
	}
	memcpy(b->add + b->add_len, text, len);
	b->add_len += len;
}

/* Append text to the add buffer and return it as a tree of pieces; lo is
 * the tree it will follow, whose last piece grows when it ends where the
 * add buffer does (typing). */
static struct piece *pieces_for(struct doc_buf *b, struct piece **lo, const char *text, size_t len)
{
	struct piece *t = NULL, *last = last_piece(*lo);
	size_t start = b->add_len;

	add_append(b, text, len);
	if (last && last->src == SRC_ADD && last->start + last->len == start &&
	    last->len + len <= PIECE_MAX) {
		extend_last(*lo, len, count_nl(text, len));
		return NULL;
	}
	while (len > 0) {
		size_t n = len < PIECE_MAX ? len : PIECE_MAX;
		t = merge(t, piece_new(b, SRC_ADD, start, n, count_nl(b->add + start, n)));
		start += n;
		len -= n;
	}
	return t;
}

static void read_tree(const struct doc_buf *b, const struct piece *t, size_t off, size_t len,
		      char *out)
{
	while (t && len > 0) {
		size_t ls = sz(t->l);
		if (off < ls) {
			size_t n = ls - off < len ? ls - off : len;
			read_tree(b, t->l, off, n, out);
			out += n;
			off += n;
			len -= n;
			continue;
		}
		off -= ls;
		if (off < t->len) {
			size_t n = t->len - off < len ? t->len - off : len;
			piece_copy(b, t, off, n, out);
			out += n;
			len -= n;
			off = 0;
		} else {
			off -= t->len;
		}
		t = t->r;
	}
}

typedef int (*piece_fn)(const char *p, size_t n, void *arg);

/* Call fn on each piece's bytes in order; a file piece's are first copied
 * to bounce (PIECE_MAX bytes), so fn never touches the mapping. */
static int walk(const struct doc_buf *b, const struct piece *t, piece_fn fn, void *arg,
		char *bounce)
{
	int rc;

	while (t) {
		if ((rc = walk(b, t->l, fn, arg, bounce)) != 0)
			return rc;
		if (t->src == SRC_FILE) {
			piece_copy(b, t, 0, t->len, bounce);
			rc = fn(bounce, t->len, arg);
		} else {
			rc = fn(piece_data(b, t), t->len, arg);
		}
		if (rc != 0)
			return rc;
		t = t->r;
	}
	return 0;
}

/* Count the file pieces' newlines again in t. */
static void recount(const struct doc_buf *b, struct piece *t)
{
	if (t == NULL)
		return;
	recount(b, t->l);
	recount(b, t->r);
	if (t->src == SRC_FILE)
		t->nl = (uint32_t)piece_count_nl(b, t, 0, t->len);
	update(t);
}

/* After an operation in which the file shrank: make every cached count
 * true again (the text's and the undo history's), until no read faults. */
static void settle(const struct doc_buf *b)
{
	while (b->ms && b->ms->stale) {
		b->ms->stale = 0;
		recount(b, b->root);
		for (size_t i = 0; i < b->ngroups; i++)
			for (size_t j = 0; j < b->groups[i].n; j++)
				recount(b, b->groups[i].edits[j].other);
	}
}

/* ---- open and free ---------------------------------------------------------- */

static struct doc_buf *buf_alloc(void)
{
	static uint64_t next_base; /* main thread: buffers are made there */
	struct doc_buf *b = xcalloc(1, sizeof *b);

	b->rng = 0x9e3779b97f4a7c15ULL ^ (uint64_t)(uintptr_t)b;
	next_base += (uint64_t)1 << 32;
	b->gen_base = b->gen = next_base;
	return b;
}

/* An edit replaced del bytes at off with ins bytes. */
static void note_edit(struct doc_buf *b, size_t off, size_t del, size_t ins)
{
	b->ring[b->gen % EDIT_RING] = (struct doc_edit_op){ off, del, ins };
	b->gen++;
}

uint64_t doc_buf_gen(const struct doc_buf *b)
{
	return b->gen;
}

size_t doc_buf_edited_since(const struct doc_buf *b, uint64_t gen)
{
	size_t low = SIZE_MAX;

	if (gen < b->gen_base || gen > b->gen || b->gen - gen > EDIT_RING)
		return 0; /* another buffer's, or too long ago: all of it */
	for (; gen < b->gen; gen++)
		if (b->ring[gen % EDIT_RING].off < low)
			low = b->ring[gen % EDIT_RING].off;
	return low;
}

long doc_buf_edits(const struct doc_buf *b, uint64_t gen, struct doc_edit_op *out)
{
	long n = 0;

	if (gen < b->gen_base || gen > b->gen || b->gen - gen > EDIT_RING)
		return -1;
	for (; gen < b->gen; gen++)
		out[n++] = b->ring[gen % EDIT_RING];
	return n;
}

struct doc_buf *doc_buf_new_empty(void)
{
	return buf_alloc();
}

/*
 * A file up to copy_max (64 MiB) is read into private memory rather than mapped:
 * a mapping shows whatever another program later writes into the file in
 * place (`printf ... > file` keeps the inode), so the user's text would
 * change under them. Reading 64 MiB from the page cache costs a few tens
 * of milliseconds; bigger files stay mapped (open stays instant and
 * nothing is copied) and rely on the SIGBUS guard above and on file.c's
 * change check, which warns when the file changes under the editor.
 */
static off_t copy_max = (off_t)64 << 20;

void doc_buf_set_copy_max(size_t bytes)
{
	copy_max = (off_t)bytes;
}

static int copy_in(int fd, size_t *len, void **out)
{
	char *m = mmap(NULL, *len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	size_t got = 0;

	if (m == MAP_FAILED)
		return -1;
	while (got < *len) {
		ssize_t n = read(fd, m + got, *len - got);

		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n < 0) {
			int en = errno;

			munmap(m, *len);
			errno = en;
			return -1;
		}
		if (n == 0) /* it shrank since fstat: what is there is the text */
			break;
		got += (size_t)n;
	}
	mprotect(m, *len, PROT_READ);
	/* the mapping keeps its size (munmap needs it); the text is what was read */
	*out = m;
	*len = got;
	return 0;
}

int doc_buf_open(const char *path, struct doc_buf **out, struct err *e)
{
	struct doc_buf *b;
	struct stat st;
	void *map;
	size_t off;
	int fd;

	*out = NULL;
	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC); /* a FIFO must not block */
	if (fd < 0) {
		if (errno == ENOENT) {
			*out = buf_alloc();
			(*out)->is_new = 1;
			return 0;
		}
		return err_set(e, errno == EACCES ? E_PERM : E_IO, "cannot open %s: %s", path,
			       strerror(errno));
	}
	if (fstat(fd, &st) != 0) {
		int en = errno;
		close(fd);
		return err_set(e, E_IO, "cannot stat %s: %s", path, strerror(en));
	}
	if (S_ISDIR(st.st_mode)) {
		close(fd);
		return err_set(e, E_IO, "%s is a directory", path);
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return err_set(e, E_IO, "%s is not a regular file", path);
	}
	b = buf_alloc();
	if (st.st_size > 0 && st.st_size <= copy_max) {
		size_t got = (size_t)st.st_size;

		if (copy_in(fd, &got, &map) != 0) {
			int en = errno;
			close(fd);
			free(b);
			return err_set(e, E_IO, "cannot read %s: %s", path, strerror(en));
		}
		b->map = map;
		b->map_len = got;
		b->map_size = (size_t)st.st_size;
		b->ms = xcalloc(1, sizeof *b->ms);
	} else if (st.st_size > 0) {
		map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
		if (map == MAP_FAILED) {
			int en = errno;
			close(fd);
			free(b);
			return err_set(e, E_IO, "cannot map %s: %s", path, strerror(en));
		}
		b->map = map;
		b->map_len = (size_t)st.st_size;
		b->ms = xcalloc(1, sizeof *b->ms);
		bus_install();
		madvise(map, b->map_len, MADV_SEQUENTIAL);
	}
	close(fd);
	for (off = 0; off < b->map_len; off += PIECE_MAX) {
		size_t n = b->map_len - off < PIECE_MAX ? b->map_len - off : PIECE_MAX;
		struct piece *p = piece_new(b, SRC_FILE, off, n, 0);

		p->nl = (uint32_t)piece_count_nl(b, p, 0, n);
		update(p);
		b->root = merge(b->root, p);
	}
	if (b->map)
		madvise((void *)b->map, b->map_len, MADV_NORMAL);
	settle(b); /* the file may have shrunk while we counted */
	*out = b;
	return 0;
}

struct doc_buf *doc_buf_new_text(char *text, size_t len)
{
	struct doc_buf *b = buf_alloc();

	if (len == 0) {
		free(text);
		return b;
	}
	/* The text becomes the add buffer: typing appends after it. */
	b->add = text;
	b->add_len = b->add_cap = len;
	for (size_t off = 0; off < len; off += PIECE_MAX) {
		size_t n = len - off < PIECE_MAX ? len - off : PIECE_MAX;
		b->root = merge(b->root, piece_new(b, SRC_ADD, off, n, count_nl(text + off, n)));
	}
	return b;
}

void doc_buf_drop_prefix(struct doc_buf *b, size_t n)
{
	struct piece *lo, *hi;

	split(b, b->root, n, &lo, &hi);
	tree_free(b, lo);
	b->root = hi;
	note_edit(b, 0, n, 0);
	settle(b);
}

static void group_free(struct doc_buf *b, struct doc_group *g)
{
	for (size_t i = 0; i < g->n; i++)
		tree_free(b, g->edits[i].other);
	free(g->edits);
}

void doc_buf_free(struct doc_buf *b)
{
	if (b == NULL)
		return;
	for (size_t i = 0; i < b->ngroups; i++)
		group_free(b, &b->groups[i]);
	free(b->groups);
	tree_free(b, b->root);
	if (b->map)
		munmap((void *)b->map, b->map_size ? b->map_size : b->map_len);
	free(b->ms);
	free(b->add);
	free(b);
}

int doc_buf_is_new(const struct doc_buf *b)
{
	return b->is_new;
}

int doc_buf_truncated(const struct doc_buf *b)
{
	return b->ms && b->ms->lost;
}

size_t doc_buf_len(const struct doc_buf *b)
{
	return sz(b->root);
}

size_t doc_buf_lines(const struct doc_buf *b)
{
	return snl(b->root) + 1;
}

size_t doc_buf_pieces(const struct doc_buf *b)
{
	return b->npieces;
}

/* ---- reading ------------------------------------------------------------------ */

size_t doc_buf_read(const struct doc_buf *b, size_t off, size_t len, char *out)
{
	size_t total = sz(b->root);

	if (off >= total)
		return 0;
	if (len > total - off)
		len = total - off;
	read_tree(b, b->root, off, len, out);
	settle(b);
	return len;
}

static int add_to_buf(const char *p, size_t n, void *arg)
{
	buf_add(arg, p, n);
	return 0;
}

void doc_buf_contents(const struct doc_buf *b, struct buf *out)
{
	char *bounce = b->map ? xmalloc(PIECE_MAX) : NULL;

	walk(b, b->root, add_to_buf, out, bounce);
	free(bounce);
	settle(b);
}

static int write_fd(const char *p, size_t n, void *arg)
{
	int fd = *(int *)arg;

	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int doc_buf_write(const struct doc_buf *b, int fd, struct err *e)
{
	char *bounce = b->map ? xmalloc(PIECE_MAX) : NULL;
	int rc = walk(b, b->root, write_fd, &fd, bounce);

	free(bounce);
	settle(b);
	if (rc != 0)
		return err_set(e, rc == -EACCES || rc == -EPERM ? E_PERM : E_IO,
			       "cannot write the document: %s", strerror(-rc));
	return 0;
}

/* ---- lines ------------------------------------------------------------------------- */

size_t doc_buf_line_start(const struct doc_buf *b, size_t line)
{
	const struct piece *t = b->root;
	size_t off = 0, k = line; /* find the k-th newline (1-based) */

	if (line == 0)
		return 0;
	if (line > snl(b->root))
		return sz(b->root);
	while (t) {
		if (k <= snl(t->l)) {
			t = t->l;
			continue;
		}
		k -= snl(t->l);
		off += sz(t->l);
		if (k <= t->nl) {
			off += piece_nth_nl(b, t, k);
			settle(b);
			return off;
		}
		k -= t->nl;
		off += t->len;
		t = t->r;
	}
	return sz(b->root); /* not reached: the counts say the newline exists */
}

size_t doc_buf_line_of(const struct doc_buf *b, size_t off)
{
	const struct piece *t = b->root;
	size_t nl = 0;

	if (off >= sz(b->root))
		return snl(b->root);
	while (t) {
		size_t ls = sz(t->l);
		if (off < ls) {
			t = t->l;
			continue;
		}
		nl += snl(t->l);
		off -= ls;
		if (off < t->len) {
			nl += piece_count_nl(b, t, 0, off);
			settle(b);
			return nl;
		}
		nl += t->nl;
		off -= t->len;
		t = t->r;
	}
	return nl;
}

/* ---- grapheme clusters ----------------------------------------------------------- */

size_t doc_buf_next_grapheme(const struct doc_buf *b, size_t off)
{
	char win[GRAPHEME_WINDOW];
	size_t n = doc_buf_read(b, off, sizeof win, win);

	if (n == 0)
		return off < sz(b->root) ? off : sz(b->root);
	return off + txt_next_grapheme(win, n);
}

size_t doc_buf_prev_grapheme(const struct doc_buf *b, size_t off)
{
	char win[GRAPHEME_WINDOW];
	size_t start, n;

	if (off > sz(b->root))
		off = sz(b->root);
	if (off == 0)
		return 0;
	start = off > sizeof win ? off - sizeof win : 0;
	n = doc_buf_read(b, start, off - start, win);
	return start + txt_prev_grapheme(win, n, n);
}

/* Copy up to WORD_CONTEXT bytes each side of off into a fresh window;
 * returns it with its start and length. */
static char *word_window(const struct doc_buf *b, size_t *off, size_t *start, size_t *n)
{
	size_t total = sz(b->root);
	char *win = xmalloc(2 * WORD_CONTEXT);

	if (*off > total)
		*off = total;
	*start = *off > WORD_CONTEXT ? *off - WORD_CONTEXT : 0;
	*n = doc_buf_read(b, *start, *off - *start + WORD_CONTEXT, win);
	return win;
}

size_t doc_buf_word_next(const struct doc_buf *b, size_t off)
{
	size_t start, n, r;
	char *win = word_window(b, &off, &start, &n);

	r = txt_word_next(win, n, off - start);
	free(win);
	if (r >= n) /* none in the window: past it, or the end */
		return start + n;
	return start + r;
}

size_t doc_buf_word_prev(const struct doc_buf *b, size_t off)
{
	size_t start, n, r;
	char *win = word_window(b, &off, &start, &n);

	r = txt_word_prev(win, n, off - start);
	free(win);
	return start + r;
}

/* ---- edits and undo -------------------------------------------------------------- */

/* Put tree `in` (in_len bytes) in place of [off, off + out_len); returns
 * the tree taken out. */
static struct piece *swap_range(struct doc_buf *b, size_t off, size_t out_len, struct piece *in)
{
	struct piece *lo, *mid, *hi;

	split(b, b->root, off, &lo, &hi);
	split(b, hi, out_len, &mid, &hi);
	b->root = merge(merge(lo, in), hi);
	return mid;
}

static void drop_redo(struct doc_buf *b)
{
	while (b->ngroups > b->applied)
		group_free(b, &b->groups[--b->ngroups]);
	if (b->saved > (long)b->applied)
		b->saved = -1;
}

static struct doc_group *group_new(struct doc_buf *b)
{
	struct doc_group *g;

	if (b->ngroups == b->gcap) {
		b->gcap = b->gcap ? b->gcap * 2 : 16;
		b->groups = xreallocarray(b->groups, b->gcap, sizeof *b->groups);
	}
	g = &b->groups[b->ngroups++];
	memset(g, 0, sizeof *g);
	b->applied = b->ngroups;
	return g;
}

/* The group a new edit of this kind joins: the open one when the kinds
 * agree and the edit continues where the last one left off. */
static struct doc_group *group_for(struct doc_buf *b, int kind, size_t off, size_t len)
{
	struct doc_group *g = b->applied ? &b->groups[b->applied - 1] : NULL;
	struct doc_edit *last = g && g->n ? &g->edits[g->n - 1] : NULL;
	int joins = 0;

	drop_redo(b);
	if (b->depth > 0) {
		if (b->open_kind == KIND_EXPLICIT)
			return g;
		b->open_kind = KIND_EXPLICIT;
		return group_new(b);
	}
	if (last && kind != KIND_NONE && b->open_kind == kind) {
		if (kind == KIND_TYPE)
			joins = last->off + last->cur == off;
		else
			joins = last->cur == 0 && (off == last->off || off + len == last->off);
	}
	b->open_kind = kind;
	return joins ? g : group_new(b);
}

static void edit_push(struct doc_group *g, size_t off, size_t cur, struct piece *other,
		      size_t other_len)
{
	struct doc_edit *last = g->n ? &g->edits[g->n - 1] : NULL;

	if (last && other == NULL && last->other == NULL && last->off + last->cur == off) {
		last->cur += cur; /* adjacent inserts */
		return;
	}
	if (last && cur == 0 && last->cur == 0) {
		if (off == last->off) { /* Delete, Delete */
			last->other = merge(last->other, other);
			last->other_len += other_len;
			return;
		}
		if (off + other_len == last->off) { /* Backspace, Backspace */
			last->other = merge(other, last->other);
			last->other_len += other_len;
			last->off = off;
			return;
		}
	}
	if (g->n == g->cap) {
		g->cap = g->cap ? g->cap * 2 : 4;
		g->edits = xreallocarray(g->edits, g->cap, sizeof *g->edits);
	}
	g->edits[g->n++] = (struct doc_edit){off, cur, other_len, other};
}

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

int doc_buf_insert(struct doc_buf *b, size_t off, const char *text, size_t len)
{
	struct piece *lo, *hi, *mid;
	struct doc_group *g;
	int typed;

	if (off > sz(b->root))
		return E_RANGE;
	if (len == 0)
		return 0;
	typed = len <= 32 && txt_next_grapheme(text, len) == len;
	g = group_for(b, typed ? KIND_TYPE : KIND_NONE, off, len);
	split(b, b->root, off, &lo, &hi);
	mid = pieces_for(b, &lo, text, len);
	b->root = merge(merge(lo, mid), hi);
	note_edit(b, off, 0, len);
	edit_push(g, off, len, NULL, 0);
	if (b->depth == 0 && (!typed || is_space(text[0])))
		b->open_kind = KIND_NONE;
	settle(b);
	return 0;
}

int doc_buf_delete(struct doc_buf *b, size_t off, size_t len)
{
	struct doc_group *g;
	struct piece *gone;

	if (off > sz(b->root) || len > sz(b->root) - off)
		return E_RANGE;
	if (len == 0)
		return 0;
	g = group_for(b, len <= 32 ? KIND_DELETE : KIND_NONE, off, len);
	gone = swap_range(b, off, len, NULL);
	note_edit(b, off, len, 0);
	edit_push(g, off, 0, gone, len);
	if (b->depth == 0 && len > 32)
		b->open_kind = KIND_NONE;
	settle(b);
	return 0;
}

static size_t edit_swap(struct doc_buf *b, struct doc_edit *d)
{
	struct piece *out = swap_range(b, d->off, d->cur, d->other);
	size_t n = d->cur;

	note_edit(b, d->off, d->cur, d->other_len);
	d->other = out;
	d->cur = d->other_len;
	d->other_len = n;
	return d->off + d->cur;
}

int doc_buf_undo(struct doc_buf *b, size_t *cursor)
{
	struct doc_group *g;

	if (b->applied == 0)
		return E_NOTFOUND;
	g = &b->groups[--b->applied];
	for (size_t i = g->n; i-- > 0;)
		*cursor = edit_swap(b, &g->edits[i]);
	b->open_kind = KIND_NONE;
	settle(b);
	return 0;
}

int doc_buf_redo(struct doc_buf *b, size_t *cursor)
{
	struct doc_group *g;

	if (b->applied == b->ngroups)
		return E_NOTFOUND;
	g = &b->groups[b->applied++];
	for (size_t i = 0; i < g->n; i++)
		*cursor = edit_swap(b, &g->edits[i]);
	b->open_kind = KIND_NONE;
	settle(b);
	return 0;
}

void doc_buf_group_begin(struct doc_buf *b)
{
	if (b->depth++ == 0)
		b->open_kind = KIND_NONE;
}

void doc_buf_group_end(struct doc_buf *b)
{
	if (b->depth > 0)
		b->depth--;
	if (b->depth == 0)
		b->open_kind = KIND_NONE;
}

int doc_buf_modified(const struct doc_buf *b)
{
	return b->saved != (long)b->applied;
}

void doc_buf_mark_saved(struct doc_buf *b)
{
	b->saved = (long)b->applied;
	if (b->depth == 0)
		b->open_kind = KIND_NONE;
}

/* ---- search ------------------------------------------------------------------------- */

static const char *last_match(const char *h, size_t hn, const char *n, size_t nn)
{
	for (size_t i = hn - nn + 1; i-- > 0;)
		if (h[i] == n[0] && memcmp(h + i, n, nn) == 0)
			return h + i;
	return NULL;
}

int doc_buf_find(const struct doc_buf *b, size_t from, const char *needle, size_t len, int forward,
		 size_t *off)
{
	size_t total = sz(b->root), want = FIND_CHUNK + len - 1;
	char *win;
	int rc = E_NOTFOUND;

	if (len == 0 || len > total)
		return E_NOTFOUND;
	if (from > total)
		from = total;
	win = xmalloc(want);
	if (forward) {
		for (size_t pos = from; pos + len <= total; pos += FIND_CHUNK) {
			size_t n = doc_buf_read(b, pos, want, win);
			const char *m = memmem(win, n, needle, len);
			if (m) {
				*off = pos + (size_t)(m - win);
				rc = 0;
				break;
			}
		}
	} else {
		/* windows of match starts [start, end), read with len - 1 more */
		for (size_t end = from; end > 0;) {
			size_t start = end > FIND_CHUNK ? end - FIND_CHUNK : 0;
			size_t n = doc_buf_read(b, start, end - start + len - 1, win);
			const char *m = n >= len ? last_match(win, n, needle, len) : NULL;
			if (m) {
				*off = start + (size_t)(m - win);
				rc = 0;
				break;
			}
			end = start;
		}
	}
	free(win);
	return rc;
}
