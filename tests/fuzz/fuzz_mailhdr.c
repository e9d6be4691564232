/*
 * fuzz_mailhdr.c - what any sender can put in a header or a body: the
 * header decoder must return valid UTF-8 with no C0 control, the Date
 * parser must not read past the string, and the MIME walk must find a
 * text part (or none) without reading past the message; a mailbox name
 * decodes to valid UTF-8 without controls or is refused, and what decodes
 * encodes back to the same name. The input's
 * first byte chooses the fallback charset for raw bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/core.h"
#include "modules/mail/mail_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_utf8(const char *s, size_t len)
{
	size_t i = 0;

	while (i < len) {
		unsigned cp;
		size_t n = utf8_decode(s + i, len - i, &cp);

		if (n == 0 || cp < 0x20 || cp == 0x7f)
			abort();
		i += n;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const fallbacks[] = { NULL, "windows-1252", "Big5", "x-none" };
	const char *in = (const char *)data + (size ? 1 : 0);
	size_t len = size ? size - 1 : 0;
	struct buf b;
	char *z = xstrndup(in, len);
	struct mail_text t;

	buf_init(&b);
	mail_hdr_decode(in, len, fallbacks[size ? data[0] % 4 : 0], &b);
	check_utf8(b.data ? b.data : "", b.len);
	buf_free(&b);
	(void)mail_date_parse(z);
	buf_init(&b);
	if (mail_mutf7_decode(z, &b) == 0) {
		char *back;
		check_utf8(b.data ? b.data : "", b.len);
		back = mail_mutf7_encode(buf_cstr(&b));
		if (strcmp(back, z) != 0 && strlen(z) == len)
			abort();
		free(back);
	}
	buf_free(&b);
	mail_text_parse(in, len, &t);
	if (t.subject)
		check_utf8(t.subject, strlen(t.subject));
	mail_text_free(&t);
	free(z);
	return 0;
}
