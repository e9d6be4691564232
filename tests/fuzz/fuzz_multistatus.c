/*
 * fuzz_multistatus.c - the WebDAV listing reader (a server's answer is
 * untrusted input) on arbitrary bytes: never a crash; every entry's path
 * lies inside the share (no ".." or empty segment, no leading '/', no
 * control character), its name is the last
 * segment, and sizes are not negative.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "net/net.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A "." or ".." segment ("..x" is a name like any other). */
static int bad_segment(const char *p)
{
	while (*p) {
		const char *s = p;
		while (*p && *p != '/')
			p++;
		if ((p - s == 1 && s[0] == '.') || (p - s == 2 && s[0] == '.' && s[1] == '.'))
			return 1;
		if (*p)
			p++;
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dav_entry *v;
	size_t n;
	struct err e;

	if (size > (1u << 20))
		return 0;
	if (dav_parse_multistatus((const char *)data, size, "/dav/team/", &v, &n, &e) < 0) {
		if (v || n)
			abort();
		return 0;
	}
	for (size_t i = 0; i < n; i++) {
		const char *slash = strrchr(v[i].path, '/');
		if (v[i].path[0] == '/' || v[i].size < 0 || strstr(v[i].path, "//"))
			abort();
		if (bad_segment(v[i].path))
			abort();
		for (const char *c = v[i].path; *c; c++)
			if ((unsigned char)*c < 0x20)
				abort();
		if (strcmp(v[i].name, slash ? slash + 1 : v[i].path) != 0)
			abort();
	}
	dav_entries_free(v, n);
	return 0;
}
