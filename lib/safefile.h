/*
 * Opening files that decide what root does (policies, the state dir, keys,
 * executables) without trusting anything but the opened fd.
 *
 * MUST:
 * - open with O_NOFOLLOW|O_CLOEXEC and judge only fstat of the opened fd;
 * - accept only the expected type (regular file or directory), the expected
 *   owner, and no write bit the caller forbids;
 * - say why a file was refused, naming the path, in why[].
 */
#ifndef GK_SAFEFILE_H
#define GK_SAFEFILE_H

#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

#define GK_SAFE_DIR	0x1	/* want a directory, not a regular file */

/*
 * Opens path read-only and checks it: regular file (or directory with
 * GK_SAFE_DIR), owned by owner, no bit of forbid in its mode (S_IWGRP|S_IWOTH
 * for "not group/other writable"). Returns the fd, or GK_ERR_UNSAFE /
 * GK_ERR_SYSTEM / GK_ERR_NOTFOUND with a message in why. *st, when not
 * NULL, receives the fstat of the fd.
 */
int	gk_safe_open(const char *path, int flags, uid_t owner, mode_t forbid,
	    struct stat *st, char *why, size_t whylen);

/*
 * Checks that path is absolute and that it and every directory above it
 * is owned by root and not writable by group or other, except that a
 * root-owned directory with the sticky bit (such as /tmp) may be writable.
 * Symlinks along the way are followed and their targets checked too;
 * each link must be owned by root. Nothing on procfs is accepted (its
 * links, /proc/PID/root or /dev/fd/N, lead elsewhere for each process).
 */
int	gk_safe_ancestors(const char *path, char *why, size_t whylen);

/*
 * The same walk for a path a command will open, as it is written: every
 * directory and symlink it goes through, as gk_safe_ancestors, but not the
 * last component's own owner and mode (a user's file in root's directory
 * cannot be swapped), except that in a directory others may write (sticky)
 * it must be root's; an absent component is fine only in a directory no
 * one but its owner, root, may write. 0 when no one but root can make the
 * path lead elsewhere; GK_ERR_UNSAFE (or GK_ERR_SYSTEM) with why otherwise.
 */
int	gk_safe_path(const char *path, char *why, size_t whylen);

/*
 * A program path whose file nobody but root can change or swap: absolute,
 * no empty, "." or ".." component (so it names one file the same way for
 * every reader), gk_safe_ancestors() (every directory and link on the way,
 * and the file itself, root's and not group/other writable; no procfs),
 * a regular executable file. *st (may be NULL) receives its stat, for a
 * device and inode comparison with what another process sees. Returns 0,
 * or GK_ERR_UNSAFE / GK_ERR_NOTFOUND / GK_ERR_SYSTEM with a message in why
 * saying how to call it instead.
 */
int	gk_safe_program(const char *path, struct stat *st, char *why,
	    size_t whylen);

/* Reads a whole safe-opened regular file (at most max bytes) into a new
 * NUL-terminated allocation; *len excludes the NUL. GK_ERR_LIMIT when
 * larger than max. */
int	gk_read_fd(int fd, size_t max, char **data, size_t *len);

#endif
