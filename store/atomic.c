/*
 * atomic.c - replacing a small file so that a crash or a full disk leaves
 * either the old content or the new, never a mix: write a temp file beside
 * it, fsync, rename over the old name, fsync the directory. Used for the
 * files outside the databases (HOME/keys, ...).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/core.h"
#include "store/internal.h"

int store_write_full(int fd, const void *p, size_t n)
{
	ssize_t r;

	while (n > 0) {
		r = write(fd, p, n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		p = (const char *)p + r;
		n -= (size_t)r;
	}
	return 0;
}

/* File systems that cannot fsync a directory say EINVAL (or EROFS):
 * nothing to do. */
int store_fsync_dir(const char *dir)
{
	int fd, rc, saved;

	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	rc = fsync(fd);
	if (rc < 0 && (errno == EINVAL || errno == EROFS))
		rc = 0;
	saved = errno;
	close(fd);
	errno = saved;
	return rc;
}

static char *dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (slash == NULL)
		return xstrdup(".");
	if (slash == path)
		return xstrdup("/");
	return xstrndup(path, (size_t)(slash - path));
}

/* Give the new file the old one's owner. Only root can give it away;
 * others may still keep the group. Failing is not an error: the content
 * matters more than who owns it. */
static void keep_owner(int fd, const struct stat *old)
{
	struct stat now;

	if (fstat(fd, &now) < 0 || (now.st_uid == old->st_uid && now.st_gid == old->st_gid))
		return;
	if (geteuid() == 0)
		(void)!fchown(fd, old->st_uid, old->st_gid);
	else if (now.st_gid != old->st_gid)
		(void)!fchown(fd, (uid_t)-1, old->st_gid);
}

int store_write_atomic(const char *path, const void *data, size_t len, int mode, struct err *e)
{
	struct stat old;
	int have_old = 0, tmp_made = 0, fd = -1, closed, rc = E_IO;
	char *tmp, *dir;

	if (stat(path, &old) == 0) {
		if (S_ISDIR(old.st_mode))
			return err_set(e, E_IO,
				       "cannot write %s: it is a directory; nothing was "
				       "changed",
				       path);
		if (!S_ISREG(old.st_mode))
			return err_set(e, E_IO,
				       "cannot write %s: not a regular file; nothing was "
				       "changed",
				       path);
		have_old = 1;
	} else if (errno != ENOENT) {
		return err_set(e, E_IO, "cannot write %s: %s; nothing was changed", path,
			       strerror(errno));
	}

	xasprintf(&tmp, "%s.tmp-XXXXXX", path);
	dir = dir_of(path);
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		err_set(e, E_IO, "cannot write %s: creating a temporary file: %s; %s", path,
			strerror(errno),
			have_old ? "the old content was kept" : "nothing was changed");
		goto done;
	}
	tmp_made = 1;
	if (have_old)
		keep_owner(fd, &old);
	/* After fchown, which may clear set-id bits; not subject to umask. */
	if (fchmod(fd, have_old ? old.st_mode & 07777 : (mode_t)mode & 07777) < 0)
		goto failed;
	if (store_write_full(fd, data, len) < 0 || fsync(fd) < 0)
		goto failed;
	closed = close(fd);
	fd = -1;
	if (closed < 0 || rename(tmp, path) < 0)
		goto failed;
	tmp_made = 0;
	if (store_fsync_dir(dir) < 0) {
		rc = err_set(e, E_IO,
			     "wrote %s but could not flush its directory: %s; the new "
			     "content may not survive a crash",
			     path, strerror(errno));
		goto done;
	}
	rc = 0;
	goto done;

failed:
	err_set(e, E_IO, "cannot write %s: %s; %s", path, strerror(errno),
		have_old ? "the old content was kept" : "nothing was changed");
done:
	if (fd >= 0)
		close(fd);
	if (tmp_made)
		unlink(tmp);
	free(tmp);
	free(dir);
	return rc;
}
