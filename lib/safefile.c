#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gk_err.h"
#include "safefile.h"

int
gk_safe_open(const char *path, int flags, uid_t owner, mode_t forbid,
    struct stat *stp, char *why, size_t whylen)
{
	struct stat st;
	int fd, oflags, e;

	oflags = O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY;
	if (flags & GK_SAFE_DIR)
		oflags |= O_DIRECTORY;
	else
		oflags |= O_NONBLOCK;	/* never hang on a FIFO */
	if ((fd = open(path, oflags)) == -1) {
		e = errno;
		snprintf(why, whylen, "%s: %s%s", path, strerror(e),
		    e == ELOOP ? " (a symlink is not accepted here)" : "");
		errno = e;
		return e == ENOENT ? GK_ERR_NOTFOUND :
		    e == ELOOP ? GK_ERR_UNSAFE : GK_ERR_SYSTEM;
	}
	if (fstat(fd, &st) == -1) {
		snprintf(why, whylen, "%s: fstat: %s", path, strerror(errno));
		close(fd);
		return GK_ERR_SYSTEM;
	}
	if ((flags & GK_SAFE_DIR) ? !S_ISDIR(st.st_mode) : !S_ISREG(st.st_mode)) {
		snprintf(why, whylen, "%s: not a %s", path,
		    (flags & GK_SAFE_DIR) ? "directory" : "regular file");
		goto unsafe;
	}
	if (st.st_uid != owner) {
		snprintf(why, whylen, "%s: owned by uid %lu, not uid %lu", path,
		    (unsigned long)st.st_uid, (unsigned long)owner);
		goto unsafe;
	}
	if (st.st_mode & forbid) {
		snprintf(why, whylen, "%s: mode %04o is too open (%s)", path,
		    (unsigned)(st.st_mode & 07777),
		    (st.st_mode & forbid & S_IWOTH) ? "writable by others" :
		    (st.st_mode & forbid & S_IWGRP) ? "writable by its group" :
		    "readable by others");
		goto unsafe;
	}
	if (!(flags & GK_SAFE_DIR)) {
		/* Back to blocking reads now that we know it is a file. */
		if (fcntl(fd, F_SETFL, O_RDONLY) == -1) {
			snprintf(why, whylen, "%s: fcntl: %s", path, strerror(errno));
			close(fd);
			return GK_ERR_SYSTEM;
		}
	}
	if (stp != NULL)
		*stp = st;
	return fd;
 unsafe:
	close(fd);
	return GK_ERR_UNSAFE;
}

static int
check_dir_stat(const char *path, const struct stat *st, char *why, size_t whylen)
{
	if (st->st_uid != 0) {
		snprintf(why, whylen, "%s: owned by uid %lu, not root", path,
		    (unsigned long)st->st_uid);
		return GK_ERR_UNSAFE;
	}
	if ((st->st_mode & (S_IWGRP | S_IWOTH)) && !(S_ISDIR(st->st_mode) &&
	    (st->st_mode & S_ISVTX))) {
		snprintf(why, whylen, "%s: mode %04o is writable by %s", path,
		    (unsigned)(st->st_mode & 07777),
		    (st->st_mode & S_IWOTH) ? "others" : "its group");
		return GK_ERR_UNSAFE;
	}
	return 0;
}

int
gk_safe_ancestors(const char *path, char *why, size_t whylen)
{
	char real[PATH_MAX], *p;
	struct stat st;
	int r;

	if (path[0] != '/') {
		snprintf(why, whylen, "%s: not an absolute path", path);
		return GK_ERR_UNSAFE;
	}
	/* realpath follows every symlink; each link itself lives in a checked
	 * directory, so checking the resolved chain covers the targets. */
	if (realpath(path, real) == NULL) {
		snprintf(why, whylen, "%s: %s", path, strerror(errno));
		return errno == ENOENT ? GK_ERR_NOTFOUND : GK_ERR_SYSTEM;
	}
	for (;;) {
		if (stat(real, &st) == -1) {
			snprintf(why, whylen, "%s: %s", real, strerror(errno));
			return GK_ERR_SYSTEM;
		}
		if ((r = check_dir_stat(real, &st, why, whylen)) != 0)
			return r;
		if (strcmp(real, "/") == 0)
			return 0;
		p = strrchr(real, '/');
		if (p == real)
			p[1] = '\0';
		else
			*p = '\0';
	}
}

int
gk_read_fd(int fd, size_t max, char **data, size_t *len)
{
	size_t cap = 4096, n = 0;
	char *d, *nd;
	ssize_t r;

	*data = NULL;
	*len = 0;
	if ((d = malloc(cap)) == NULL)
		return GK_ERR_ALLOC;
	for (;;) {
		if (n + 1 >= cap) {
			if (cap > max + 1) {
				free(d);
				return GK_ERR_LIMIT;
			}
			cap *= 2;
			if ((nd = realloc(d, cap)) == NULL) {
				free(d);
				return GK_ERR_ALLOC;
			}
			d = nd;
		}
		r = read(fd, d + n, cap - n - 1);
		if (r == -1) {
			if (errno == EINTR)
				continue;
			free(d);
			return GK_ERR_SYSTEM;
		}
		if (r == 0)
			break;
		n += (size_t)r;
		if (n > max) {
			free(d);
			return GK_ERR_LIMIT;
		}
	}
	d[n] = '\0';
	*data = d;
	*len = n;
	return 0;
}

