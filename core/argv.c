/*
 * argv.c - splitting a command line into words, shell-like: blanks separate,
 * '...' is literal, "..." allows \" and \\, a backslash escapes one
 * character, '#' at the start of a word begins a comment. Used by the TUI
 * command line and by batch files (atrium -b FILE).
 */
#include <stdlib.h>
#include <string.h>

#include "core/core.h"

int argv_split(const char *line, int *argcp, char ***argvp, struct err *e)
{
	char **argv = NULL;
	int argc = 0;
	const char *p = line;
	struct buf w;

	buf_init(&w);
	for (;;) {
		int in_word = 0;

		while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
			p++;
		if (*p == '\0' || *p == '#')
			break;
		buf_reset(&w);
		while (*p && *p != ' ' && *p != '\t' && *p != '\r' && *p != '\n') {
			in_word = 1;
			if (*p == '\'') {
				const char *q = strchr(p + 1, '\'');

				if (q == NULL)
					goto unterminated;
				buf_add(&w, p + 1, (size_t)(q - p - 1));
				p = q + 1;
			} else if (*p == '"') {
				p++;
				while (*p && *p != '"') {
					if (*p == '\\' && (p[1] == '"' || p[1] == '\\'))
						p++;
					buf_addc(&w, *p++);
				}
				if (*p != '"')
					goto unterminated;
				p++;
			} else if (*p == '\\' && p[1]) {
				buf_addc(&w, p[1]);
				p += 2;
			} else {
				buf_addc(&w, *p++);
			}
		}
		if (in_word) {
			argv = xreallocarray(argv, (size_t)argc + 2, sizeof *argv);
			argv[argc++] = xstrdup(buf_cstr(&w));
			argv[argc] = NULL;
		}
	}
	buf_free(&w);
	if (argv == NULL)
		argv = xcalloc(1, sizeof *argv);
	*argcp = argc;
	*argvp = argv;
	return 0;
unterminated:
	buf_free(&w);
	argv_free(argc, argv);
	return err_set(e, E_USAGE, "unterminated quote");
}

void argv_free(int argc, char **argv)
{
	if (argv == NULL)
		return;
	for (int i = 0; i < argc; i++)
		free(argv[i]);
	free(argv);
}

size_t utf8_encode(unsigned cp, char *out)
{
	if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		cp = 0xfffd;
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xe0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | (cp >> 18));
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	out[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

size_t utf8_decode(const char *s, size_t n, unsigned *cp)
{
	const unsigned char *u = (const unsigned char *)s;
	unsigned c = u[0];
	size_t len;

	if (n == 0)
		return 0;
	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf)
		len = 2, *cp = c & 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3, *cp = c & 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4, *cp = c & 0x07;
	else
		return 0;
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((u[i] & 0xc0) != 0x80)
			return 0;
		*cp = (*cp << 6) | (u[i] & 0x3f);
	}
	if ((len == 3 && *cp < 0x800) || (len == 4 && (*cp < 0x10000 || *cp > 0x10ffff)) ||
	    (*cp >= 0xd800 && *cp <= 0xdfff))
		return 0;
	return len;
}

int utf8_valid(const char *s, size_t len)
{
	size_t i = 0;

	while (i < len) {
		unsigned cp;
		size_t n;

		if ((unsigned char)s[i] < 0x80) {
			i++;
			continue;
		}
		if ((n = utf8_decode(s + i, len - i, &cp)) == 0)
			return 0;
		i += n;
	}
	return 1;
}
