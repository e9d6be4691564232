/*
 * fuzz_csv.c - the CSV reader on arbitrary bytes (any charset guess, any
 * delimiter): never a crash; every field is valid UTF-8 and lies in order;
 * writing the fields back and reading them again gives the same fields.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "modules/sheets/csv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct seen {
	struct buf out;  /* the fields written back as CSV */
	struct buf list; /* the fields, length-prefixed */
	long row, col;
};

static int take(const struct csv_field *f, void *arg)
{
	struct seen *s = arg;
	uint32_t n = (uint32_t)f->len;

	if (f->row < s->row || (f->row == s->row && f->col < s->col))
		abort();
	if (f->row > s->row) {
		buf_addc(&s->out, '\n');
	} else if (f->col > 0) {
		buf_addc(&s->out, ',');
	}
	s->row = f->row;
	s->col = f->col;
	csv_write_field(&s->out, f->text, f->len, ',');
	buf_add(&s->list, &n, sizeof n);
	buf_add(&s->list, f->text, f->len);
	return 0;
}

static int take_again(const struct csv_field *f, void *arg)
{
	struct buf *b = arg;
	uint32_t n = (uint32_t)f->len;

	buf_add(b, &n, sizeof n);
	buf_add(b, f->text, f->len);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct seen s = { .row = 0, .col = 0 };
	struct csv_opts utf8 = { ',', "UTF-8" };
	struct buf again;
	struct err e;

	buf_init(&s.out);
	buf_init(&s.list);
	buf_init(&again);
	if (csv_read((const char *)data, size, NULL, take, &s, NULL, NULL, &e) == 0 &&
	    s.out.len > 0) {
		buf_addc(&s.out, '\n');
		if (csv_read(s.out.data, s.out.len, &utf8, take_again, &again, NULL, NULL, &e) != 0)
			abort();
		if (again.len != s.list.len || memcmp(again.data, s.list.data, again.len) != 0)
			abort();
	}
	buf_free(&s.out);
	buf_free(&s.list);
	buf_free(&again);
	return 0;
}
