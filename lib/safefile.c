#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/vfs.h>
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
		/* O_DIRECTORY|O_NOFOLLOW fails on a symlink with ENOTDIR, not
		 * ELOOP; lstat only to say why (the answer is no either way). */
		if (e == ENOTDIR && (flags & GK_SAFE_DIR) &&
		    lstat(path, &st) == 0) {
			snprintf(why, whylen, "%s: %s", path, S_ISLNK(st.st_mode) ?
			    "a symlink is not accepted here" : "not a directory");
			errno = e;
			return GK_ERR_UNSAFE;
		}
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

#ifndef PROC_SUPER_MAGIC
#define PROC_SUPER_MAGIC	0x9fa0
#endif

static int
check_dir_stat(const char *path, const struct stat *st, char *why, size_t whylen)
{
	struct statfs fs;

	/* procfs links (/proc/PID/root, /proc/self/fd/N) lead where the
	 * kernel decides for the process that follows them, not where
	 * readlink says: nothing on procfs is a trusted step. */
	if (S_ISDIR(st->st_mode) && statfs(path, &fs) == 0 &&
	    fs.f_type == PROC_SUPER_MAGIC) {
		snprintf(why, whylen, "%s: on procfs, whose links lead "
		    "elsewhere for each process", path);
		return GK_ERR_UNSAFE;
	}
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

/*
 * Resolves path one component at a time from "/", checking each directory
 * before anything is looked up in it. A symlink is spliced in where it
 * stands, so the directory holding the link and everything its target
 * leads through are both checked (realpath alone would drop the former).
 */
static int
safe_walk(const char *path, int path_only, char *why, size_t whylen)
{
	char cur[PATH_MAX], rest[PATH_MAX], next[PATH_MAX], target[PATH_MAX];
	const char *p, *end;
	struct stat st, cst;
	char *s;
	ssize_t tl;
	size_t n;
	int r, e, links = 0;

	if (path[0] != '/') {
		snprintf(why, whylen, "%s: not an absolute path", path);
		return GK_ERR_UNSAFE;
	}
	if (strlen(path) >= sizeof(rest))
		goto toolong;
	memcpy(rest, path, strlen(path) + 1);
	memcpy(cur, "/", 2);
	if (lstat(cur, &st) == -1) {
		snprintf(why, whylen, "/: %s", strerror(errno));
		return GK_ERR_SYSTEM;
	}
	if ((r = check_dir_stat(cur, &st, why, whylen)) != 0)
		return r;
	for (p = rest;; p = end) {
		while (*p == '/')
			p++;
		if (*p == '\0')
			return 0;
		end = strchrnul(p, '/');
		n = (size_t)(end - p);
		if (n == 1 && p[0] == '.')
			continue;
		if (n == 2 && p[0] == '.' && p[1] == '.') {
			/* cur holds no symlinks, so its parent is lexical. */
			if ((s = strrchr(cur, '/')) == cur)
				s++;
			*s = '\0';
			continue;
		}
		if ((size_t)snprintf(next, sizeof(next), "%s%s%.*s", cur,
		    cur[1] == '\0' ? "" : "/", (int)n, p) >= sizeof(next))
			goto toolong;
		if (lstat(next, &st) == -1) {
			e = errno;
			/* Absent: only whoever may write cur can create it. */
			if (path_only && e == ENOENT) {
				if (lstat(cur, &cst) == 0 &&
				    !(cst.st_mode & (S_IWGRP | S_IWOTH)))
					return 0;
				snprintf(why, whylen, "%s: others may create it in "
				    "%s", next, cur);
				return GK_ERR_UNSAFE;
			}
			snprintf(why, whylen, "%s: %s", next, strerror(e));
			return e == ENOENT ? GK_ERR_NOTFOUND : GK_ERR_SYSTEM;
		}
		if (S_ISLNK(st.st_mode)) {
			/* Whoever owns a link in a sticky directory can swap it. */
			if (st.st_uid != 0) {
				snprintf(why, whylen, "%s: symlink owned by uid %lu, "
				    "not root", next, (unsigned long)st.st_uid);
				return GK_ERR_UNSAFE;
			}
			if (++links > 40) {
				snprintf(why, whylen, "%s: %s", path, strerror(ELOOP));
				return GK_ERR_SYSTEM;
			}
			if ((tl = readlink(next, target, sizeof(target) - 1)) == -1) {
				snprintf(why, whylen, "%s: readlink: %s", next,
				    strerror(errno));
				return GK_ERR_SYSTEM;
			}
			target[tl] = '\0';
			if ((size_t)snprintf(next, sizeof(next), "%s/%s", target,
			    end) >= sizeof(next))
				goto toolong;
			memcpy(rest, next, strlen(next) + 1);
			end = rest;
			if (target[0] == '/')
				memcpy(cur, "/", 2);
			continue;
		}
		/* path_only: the last one's own owner and mode do not matter,
		 * but in a sticky directory its owner may rename it. */
		while (path_only && *end == '/')
			end++;
		if (path_only && *end == '\0') {
			if (lstat(cur, &cst) == 0 && (cst.st_mode &
			    (S_IWGRP | S_IWOTH)) && st.st_uid != 0) {
				snprintf(why, whylen, "%s: owned by uid %lu in %s, "
				    "which others may write", next,
				    (unsigned long)st.st_uid, cur);
				return GK_ERR_UNSAFE;
			}
			return 0;
		}
		/* A directory left at once by ".." looks nothing up in it:
		 * its owner cannot change where ".." leads. */
		if (!(path_only && S_ISDIR(st.st_mode) && end[0] == '.' &&
		    end[1] == '.' && (end[2] == '/' || end[2] == '\0')) &&
		    (r = check_dir_stat(next, &st, why, whylen)) != 0)
			return r;
		memcpy(cur, next, strlen(next) + 1);
	}
 toolong:
	snprintf(why, whylen, "%s: %s", path, strerror(ENAMETOOLONG));
	return GK_ERR_SYSTEM;
}

int
gk_safe_ancestors(const char *path, char *why, size_t whylen)
{
	return safe_walk(path, 0, why, whylen);
}

int
gk_safe_path(const char *path, char *why, size_t whylen)
{
	return safe_walk(path, 1, why, whylen);
}

int
gk_safe_program(const char *path, struct stat *stp, char *why, size_t whylen)
{
	const char *p, *end;
	struct stat st;
	size_t n;
	int r;

	if (path[0] != '/') {
		snprintf(why, whylen, "%s: not an absolute path; give the "
		    "program's full path (or its bare name)", path);
		return GK_ERR_UNSAFE;
	}
	for (p = path + 1;; p = end + 1) {
		end = strchrnul(p, '/');
		n = (size_t)(end - p);
		if (n == 0 || (n == 1 && p[0] == '.') ||
		    (n == 2 && p[0] == '.' && p[1] == '.')) {
			snprintf(why, whylen, "%s: not a canonical path (empty, "
			    "\".\" or \"..\" component); give the program's "
			    "canonical path", path);
			return GK_ERR_UNSAFE;
		}
		if (*end == '\0')
			break;
	}
	if ((r = gk_safe_ancestors(path, why, whylen)) != 0)
		return r;
	if (stat(path, &st) == -1) {
		snprintf(why, whylen, "%s: %s", path, strerror(errno));
		return errno == ENOENT ? GK_ERR_NOTFOUND : GK_ERR_SYSTEM;
	}
	if (!S_ISREG(st.st_mode) || !(st.st_mode & S_IXUSR)) {
		snprintf(why, whylen, "%s: not an executable file", path);
		return GK_ERR_UNSAFE;
	}
	if (stp != NULL)
		*stp = st;
	return 0;
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
			if (cap - 1 > max) {	/* not max + 1: SIZE_MAX */
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

