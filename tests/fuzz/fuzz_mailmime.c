/*
 * fuzz_mailmime.c - a whole message as any sender can write it, through
 * the MIME reader (modules/mail/mime.c): the text and every header must be
 * valid UTF-8 with no control (but \n and \t in the text), every listed
 * attachment's bytes must load with the size the list gave, and every
 * name mail_safe_name makes of them - or of the raw input - must be a
 * plain file name: no path separator, not "." or "..", no leading dot or
 * dash, no control, at most 200 bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/core.h"
#include "modules/mail/mail_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_utf8(const char *s, size_t len, int lines)
{
	size_t i = 0;

	while (i < len) {
		unsigned cp;
		size_t n = utf8_decode(s + i, len - i, &cp);

		if (n == 0)
			abort();
		if ((cp < 0x20 && !(lines && (cp == '\n' || cp == '\t'))) ||
		    (cp >= 0x7f && cp <= 0x9f))
			abort();
		i += n;
	}
}

static void check_name(const char *raw, int index)
{
	char *s = mail_safe_name(raw, index);
	size_t n = strlen(s);

	check_utf8(s, n, 0);
	if (!n || n > 200 || strchr(s, '/') || strchr(s, '\\') || s[0] == '.' || s[0] == '-' ||
	    s[n - 1] == '.' || s[n - 1] == ' ')
		abort();
	free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *msg = (const char *)data;
	struct mail_text t;
	char *z;

	mail_text_parse(msg, size, &t);
	if (t.text) {
		check_utf8(t.text, t.text_len, 1);
		if (strlen(t.text) != t.text_len)
			abort();
	}
	const char *hs[] = { t.from, t.to, t.cc, t.date, t.subject };
	for (size_t i = 0; i < nitems(hs); i++)
		if (hs[i])
			check_utf8(hs[i], strlen(hs[i]), 0);
	for (size_t i = 0; i < t.nlinks; i++)
		check_utf8(t.links[i], strlen(t.links[i]), 0);
	for (size_t i = 0; i < t.natt; i++) {
		struct buf b;
		struct err e = { 0 };
		check_utf8(t.att[i].name, strlen(t.att[i].name), 0);
		buf_init(&b);
		if (mail_attach_data(msg, size, &t, i + 1, &b, &e) != 0 || b.len != t.att[i].size)
			abort();
		buf_free(&b);
		check_name(t.att[i].name, (int)i + 1);
	}
	mail_text_free(&t);
	z = xstrndup(msg, size < 400 ? size : 400);
	check_name(z, 1);
	free(z);
	return 0;
}
