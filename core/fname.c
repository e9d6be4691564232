/*
 * fname.c - file names that come from others (a mail's attachment, a
 * link in a chat) made safe to create, and files created without
 * overwriting anything.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "core/core.h"

#define NAME_MAX_BYTES 200

static int reserved_on_windows(const char *name)
{
	static const char *const dev[] = { "con", "prn", "aux", "nul" };
	size_t base = strcspn(name, ".");

	/* Windows ignores blanks before the extension too */
	while (base && name[base - 1] == ' ')
		base--;
	for (size_t i = 0; i < nitems(dev); i++)
		if (base == 3 && !strncasecmp(name, dev[i], 3))
			return 1;
	if (base == 4 && (!strncasecmp(name, "com", 3) || !strncasecmp(name, "lpt", 3)) &&
	    name[3] >= '1' && name[3] <= '9')
		return 1;
	return 0;
}

/* ".pdf" of a name if it is short and plain (letters and digits). */
static const char *plain_ext(const char *name)
{
	const char *dot = strrchr(name, '.');

	if (!dot || dot == name || !dot[1] || strlen(dot) > 11)
		return NULL;
	for (const char *p = dot + 1; *p; p++)
		if (!isalnum((unsigned char)*p))
			return NULL;
	return dot;
}

char *fname_safe(const char *name, const char *stem, int index)
{
	const char *base = name ? name : "";
	struct buf b;
	char *r;

	for (const char *p = base; *p; p++)
		if (*p == '/' || *p == '\\')
			base = p + 1;
	buf_init(&b);
	/* characters: controls, and those Windows refuses, become '_' */
	for (size_t i = 0, n = strlen(base); i < n;) {
		unsigned cp;
		size_t l = utf8_decode(base + i, n - i, &cp);
		if (l == 0) {
			buf_addc(&b, '_');
			i++;
			continue;
		}
		if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || (cp < 0x80 && strchr(":*?\"<>|", (int)cp)))
			buf_addc(&b, '_');
		else
			buf_add(&b, base + i, l);
		i += l;
	}
	const char *s = buf_cstr(&b);
	/* no hidden file, no option to a command, no trailing dot or blank */
	size_t a = strspn(s, ".- \t");
	size_t z = b.len;
	while (z > a && (s[z - 1] == '.' || s[z - 1] == ' '))
		z--;
	r = xstrndup(s + a, z - a);
	buf_free(&b);
	if (strlen(r) > NAME_MAX_BYTES) {
		const char *ext = plain_ext(r);
		size_t el = ext ? strlen(ext) : 0, keep = NAME_MAX_BYTES - el;
		/* back to the start of a character */
		while (keep && ((unsigned char)r[keep] & 0xc0) == 0x80)
			keep--;
		char *c;
		xasprintf(&c, "%.*s%s", (int)keep, r, ext ? ext : "");
		free(r);
		r = c;
		/* the cut may have left a dot or blank at the end */
		for (size_t l = strlen(r); l && (r[l - 1] == '.' || r[l - 1] == ' '); l--)
			r[l - 1] = 0;
	}
	if (!*r || reserved_on_windows(r)) {
		const char *ext = plain_ext(r);
		char *c;
		xasprintf(&c, "%s-%d%s", stem, index, ext ? ext : "");
		free(r);
		r = c;
	}
	return r;
}

int fname_save_unique(int dirfd, const char *name, const void *data, size_t len, char **made,
		     struct err *e)
{
	const char *dot = strrchr(name, '.');
	size_t stem = dot && dot != name ? (size_t)(dot - name) : strlen(name);
	char *cand = NULL;
	int fd = -1;

	if (made)
		*made = NULL;
	if (!*name || strchr(name, '/') || !strcmp(name, ".") || !strcmp(name, ".."))
		return err_set(e, E_USAGE, "not a file name: %s", name);
	for (int i = 0; i < 1000 && fd < 0; i++) {
		free(cand);
		if (i == 0)
			cand = xstrdup(name);
		else
			xasprintf(&cand, "%.*s-%d%s", (int)stem, name, i, name + stem);
		fd = openat(dirfd, cand, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd < 0 && errno != EEXIST) {
			int er = errno;
			err_set(e, E_IO, "cannot create %s: %s", cand, strerror(er));
			free(cand);
			return E_IO;
		}
	}
	if (fd < 0) {
		free(cand);
		return err_set(e, E_IO, "no free name like %s", name);
	}
	const char *p = data;
	size_t left = len;
	while (left) {
		ssize_t n = write(fd, p, left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		p += n;
		left -= (size_t)n;
	}
	if (left || fsync(fd) < 0) {
		int er = errno;
		close(fd);
		unlinkat(dirfd, cand, 0);
		err_set(e, E_IO, "cannot write %s: %s", cand, strerror(er ? er : EIO));
		free(cand);
		return E_IO;
	}
	if (close(fd) < 0) {
		int er = errno;
		unlinkat(dirfd, cand, 0);
		err_set(e, E_IO, "cannot write %s: %s", cand, strerror(er));
		free(cand);
		return E_IO;
	}
	fsync(dirfd); /* the new name too; a failure here loses nothing written */
	if (made)
		*made = cand;
	else
		free(cand);
	return 0;
}
