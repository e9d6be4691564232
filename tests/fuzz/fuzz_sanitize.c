/*
 * fuzz_sanitize.c - what the screen shows of untrusted text: the output
 * must be valid UTF-8 with no C0/C1 control or ESC left, and its width
 * must match what the drawing code measures, and sanitising again must
 * change nothing (the shell sanitises messages before drawing them).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/core.h"
#include "tui/tui.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf b;
	size_t i = 0;

	buf_init(&b);
	ui_sanitize((const char *)data, size, &b);
	while (i < b.len) {
		unsigned cp;
		size_t n = utf8_decode(b.data + i, b.len - i, &cp);

		if (n == 0 || cp < 0x20 || (cp >= 0x7f && cp <= 0x9f))
			abort();
		i += n;
	}
	struct buf again;

	buf_init(&again);
	ui_sanitize(b.data ? b.data : "", b.len, &again);
	if (again.len != b.len || (b.len && memcmp(again.data, b.data, b.len) != 0))
		abort();
	if (ui_text_width(buf_cstr(&again), again.len) != ui_text_width(buf_cstr(&b), b.len))
		abort();
	buf_free(&again);
	buf_free(&b);
	return 0;
}
