/*
 * fuzz_merge.c - the three-way text merge (modules/docs/merge.c) on
 * arbitrary bytes. The input is two 16-bit lengths (big-endian) and the
 * three texts one after the other: base, local, then the rest is remote
 * (a length past the end takes what is left). Never a crash; a side equal
 * to the base gives the other side unchanged and no conflict, and two
 * equal sides give that side; the conflict count is never negative and
 * every conflict has its four markers.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/core.h"
#include "modules/docs/docs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void merge(const char *b, size_t nb, const char *l, size_t nl, const char *r, size_t nr,
		  struct buf *out, int *nc)
{
	buf_reset(out);
	if (docs_merge3(b, nb, l, nl, r, nr, "L", "R", out, nc, NULL) != 0 || *nc < 0)
		abort();
}

static void expect_same(const struct buf *got, const char *want, size_t n, int nc)
{
	if (nc != 0 || got->len != n || (n && memcmp(got->data, want, n) != 0))
		abort();
}

/* Lines equal to s (the markers a conflict writes, in \n files). */
static size_t count_lines(const struct buf *t, const char *s)
{
	size_t c = 0, len = strlen(s);

	for (size_t i = 0; i < t->len;) {
		const char *nl = memchr(t->data + i, '\n', t->len - i);
		size_t e = nl ? (size_t)(nl - t->data) + 1 : t->len;

		if (e - i >= len && memcmp(t->data + i, s, len) == 0)
			c++;
		i = e;
	}
	return c;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data + 4;
	size_t left = size >= 4 ? size - 4 : 0, nb, nl, nr;
	struct buf out;
	int nc;

	if (size < 4)
		return 0;
	nb = (size_t)(data[0] << 8 | data[1]);
	nl = (size_t)(data[2] << 8 | data[3]);
	if (nb > left)
		nb = left;
	if (nl > left - nb)
		nl = left - nb;
	nr = left - nb - nl;
	const char *b = p, *l = p + nb, *r = p + nb + nl;

	buf_init(&out);
	merge(b, nb, l, nl, r, nr, &out, &nc);
	/* markers in the result: at least those of the conflicts */
	if (count_lines(&out, "<<<<<<< L") < (size_t)nc ||
	    count_lines(&out, ">>>>>>> R") < (size_t)nc ||
	    count_lines(&out, "||||||| base") < (size_t)nc)
		abort();
	merge(b, nb, b, nb, r, nr, &out, &nc);
	expect_same(&out, r, nr, nc);
	merge(b, nb, l, nl, b, nb, &out, &nc);
	expect_same(&out, l, nl, nc);
	merge(b, nb, l, nl, l, nl, &out, &nc);
	expect_same(&out, l, nl, nc);
	merge(l, nl, r, nr, r, nr, &out, &nc);
	expect_same(&out, r, nr, nc);
	buf_free(&out);
	return 0;
}
