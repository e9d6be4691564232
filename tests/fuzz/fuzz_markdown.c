/*
 * fuzz_markdown.c - the Markdown highlighter, outline and reflow
 * (modules/docs/markdown.c) on arbitrary text: every line's spans lie
 * inside the line, in order and apart; the outline's headings are real
 * lines with levels 1-6; a paragraph found holds its line; and reflowing
 * it at any width only moves whitespace (and the block quote markers it
 * puts back at each line's start): the other characters stay, in order.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "modules/docs/buffer.h"
#include "modules/docs/markdown.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define SPANS 64

/* The text without whitespace and quote markers. */
static void squeeze(const char *s, size_t n, struct buf *out)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\n' && s[i] != '>')
			buf_addc(out, s[i]);
}

static void check_reflow(const struct doc_buf *b, size_t line, size_t width)
{
	size_t first, last, a, z;
	struct buf text, out, x, y;

	if (md_paragraph(b, line, &first, &last) != 0)
		return;
	if (first > line || last < line || last >= doc_buf_lines(b))
		abort();
	a = doc_buf_line_start(b, first);
	z = last + 1 < doc_buf_lines(b) ? doc_buf_line_start(b, last + 1) - 1 : doc_buf_len(b);
	buf_init(&text);
	buf_init(&out);
	buf_init(&x);
	buf_init(&y);
	text.len = 0;
	{
		char *tmp = malloc(z - a + 1);

		buf_add(&text, tmp, doc_buf_read(b, a, z - a, tmp));
		free(tmp);
	}
	md_reflow(text.data ? text.data : "", text.len, width, &out);
	squeeze(text.data, text.len, &x);
	squeeze(out.data, out.len, &y);
	if (x.len != y.len || (x.len && memcmp(x.data, y.data, x.len) != 0))
		abort();
	buf_free(&text);
	buf_free(&out);
	buf_free(&x);
	buf_free(&y);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct md_state st;
	struct md_span sp[SPANS];
	struct md_heading *h;
	struct doc_buf *b;
	const char *s = (const char *)data, *end = s + size;
	size_t width = size ? 4 + data[0] % 60 : 20, nh, lines;
	char *copy;

	/* every line, the state carried */
	memset(&st, 0, sizeof st);
	for (const char *l = s; l <= end;) {
		const char *nl = memchr(l, '\n', (size_t)(end - l));
		size_t len = nl ? (size_t)(nl - l) : (size_t)(end - l);
		size_t n = md_line(&st, l, len, sp, SPANS), prev = 0;

		if (n > SPANS)
			abort();
		for (size_t i = 0; i < n; i++) {
			if (sp[i].len == 0 || sp[i].off < prev || sp[i].off + sp[i].len > len ||
			    sp[i].kind > MD_URL)
				abort();
			prev = sp[i].off + sp[i].len;
		}
		if (nl == NULL)
			break;
		l = nl + 1;
	}

	copy = size ? malloc(size) : NULL;
	if (size)
		memcpy(copy, data, size);
	b = doc_buf_new_text(copy, size);
	lines = doc_buf_lines(b);
	nh = md_outline(b, &h);
	for (size_t i = 0; i < nh; i++) {
		if (h[i].level < 1 || h[i].level > 6 || h[i].line >= lines || h[i].text == NULL)
			abort();
		if (i > 0 && h[i].line <= h[i - 1].line)
			abort();
	}
	md_outline_free(h, nh);
	for (size_t line = 0; line < lines && line < 64; line++)
		check_reflow(b, line, width);
	doc_buf_free(b);
	return 0;
}
