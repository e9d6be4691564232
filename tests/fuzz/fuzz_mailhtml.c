/*
 * fuzz_mailhtml.c - an HTML part as any sender can write it, through both
 * renderers (modules/mail/html.c): libxml2's tree and the tag-stripping
 * fallback must return valid UTF-8 without reading past the input, link
 * targets must be valid UTF-8 with no blank or control, and the message
 * walk around the same HTML must leave no control in the text. The
 * input's first byte chooses the renderer and the charset label.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/core.h"
#include "modules/mail/mail_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum { ANY, URL, TEXT };

/* Valid UTF-8; URL: no blank or control; TEXT: no control but \n, \t. */
static void check_utf8(const char *s, size_t len, int mode)
{
	size_t i = 0;

	while (i < len) {
		unsigned cp;
		size_t n = utf8_decode(s + i, len - i, &cp);

		if (n == 0)
			abort();
		if (mode == URL && (cp <= 0x20 || cp == 0x7f))
			abort();
		if (mode == TEXT && ((cp < 0x20 && cp != '\n' && cp != '\t') ||
				     (cp >= 0x7f && cp <= 0x9f)))
			abort();
		i += n;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const charsets[] = { NULL, "utf-8", "gb2312", "big5",
						"iso-2022-jp", "x-unknown" };
	const char *in = (const char *)data + (size ? 1 : 0);
	size_t len = size ? size - 1 : 0;
	int sel = size ? data[0] : 0;
	struct buf out;
	char **links = NULL;
	size_t nlinks = 0;

	buf_init(&out);
	mail_html_text(in, len, charsets[(sel >> 1) % 6], sel & 1 ? MAIL_HTML_SIMPLE : 0, &out,
		       &links, &nlinks);
	check_utf8(out.data ? out.data : "", out.len, ANY);
	for (size_t i = 0; i < nlinks; i++) {
		if (!links[i][0])
			abort();
		check_utf8(links[i], strlen(links[i]), URL);
		free(links[i]);
	}
	free(links);
	buf_free(&out);

	/* the same as a message's only part */
	struct buf msg;
	struct mail_text t;
	buf_init(&msg);
	buf_adds(&msg, "Content-Type: text/html\r\n\r\n");
	buf_add(&msg, in, len);
	mail_text_parse(msg.data, msg.len, &t);
	if (t.text)
		check_utf8(t.text, t.text_len, TEXT);
	if (t.text && strlen(t.text) != t.text_len)
		abort();
	mail_text_free(&t);
	buf_free(&msg);
	return 0;
}
