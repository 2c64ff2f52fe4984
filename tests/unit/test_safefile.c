/* Unit tests for lib/safefile.c: opening files that decide what root does.
 * Runs as root (it chowns files to another uid) in a fresh dir under /tmp. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "gk_err.h"
#include "safefile.h"

#define OTHER_UID	20001
#define NOWRITE		(S_IWGRP | S_IWOTH)

static char tmpdir[64];

/* tmpdir/name in one of a few rotating buffers. */
static const char *
P(const char *name)
{
	static char bufs[4][512];
	static int i;
	char *b = bufs[i++ % 4];

	snprintf(b, sizeof(bufs[0]), "%s/%s", tmpdir, name);
	return b;
}

static void
mkfile(const char *name, const char *content, mode_t mode, uid_t uid)
{
	size_t n = strlen(content);
	int fd;

	fd = open(P(name), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, content, n), (ssize_t)n);
	assert_int_equal(fchown(fd, uid, 0), 0);
	assert_int_equal(fchmod(fd, mode), 0);	/* not subject to umask */
	close(fd);
}

static void
mkdir_as(const char *name, mode_t mode, uid_t uid)
{
	assert_int_equal(mkdir(P(name), 0700), 0);
	assert_int_equal(chown(P(name), uid, 0), 0);
	assert_int_equal(chmod(P(name), mode), 0);
}

static void
contains(const char *why, const char *what)
{
	if (strstr(why, what) == NULL)
		fail_msg("\"%s\" does not mention \"%s\"", why, what);
}

/* gk_safe_open must refuse with want, name the path, and mention what. */
static void
refused(const char *path, int flags, uid_t owner, mode_t forbid, int want,
    const char *what)
{
	char why[512];
	int fd;

	why[0] = '\0';
	fd = gk_safe_open(path, flags, owner, forbid, NULL, why, sizeof(why));
	if (fd >= 0)
		close(fd);
	if (fd != want)
		fail_msg("%s: got %d (%s), want %d", path, fd, why, want);
	contains(why, path);
	if (what != NULL)
		contains(why, what);
}

static int
accepted(const char *path, int flags, uid_t owner, mode_t forbid,
    struct stat *st)
{
	char why[512];
	int fd;

	why[0] = '\0';
	fd = gk_safe_open(path, flags, owner, forbid, st, why, sizeof(why));
	if (fd < 0)
		fail_msg("%s refused: %d %s", path, fd, why);
	return fd;
}

static int
rm_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	return type == FTW_DP ? rmdir(path) : unlink(path);
}

static int
setup(void **state)
{
	(void)state;
	if (geteuid() != 0)
		return 0;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/gk-test-safefile-XXXXXX");
	if (mkdtemp(tmpdir) == NULL)
		return -1;
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	if (tmpdir[0] != '\0' &&
	    nftw(tmpdir, rm_one, 16, FTW_DEPTH | FTW_PHYS) != 0)
		return -1;
	return 0;
}

#define NEED_ROOT()	do { if (geteuid() != 0) skip(); } while (0)

static void
t_regular_file(void **state)
{
	struct stat st, want;
	char *data;
	size_t len;
	int fd;

	(void)state;
	NEED_ROOT();
	mkfile("good", "rule allow\n", 0644, 0);
	assert_int_equal(stat(P("good"), &want), 0);
	memset(&st, 0, sizeof(st));
	fd = accepted(P("good"), 0, 0, NOWRITE, &st);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_ino, want.st_ino);
	assert_int_equal(st.st_dev, want.st_dev);
	/* Close-on-exec, read-only, and blocking again for the reader. */
	assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	assert_int_equal(fcntl(fd, F_GETFL) & O_ACCMODE, O_RDONLY);
	assert_false(fcntl(fd, F_GETFL) & O_NONBLOCK);
	assert_int_equal(gk_read_fd(fd, 4096, &data, &len), 0);
	assert_int_equal(len, 11);
	assert_string_equal(data, "rule allow\n");
	free(data);
	close(fd);
	/* st may be NULL; read-only 0444 and private 0600 are fine too. */
	close(accepted(P("good"), 0, 0, NOWRITE, NULL));
	mkfile("ro", "", 0444, 0);
	close(accepted(P("ro"), 0, 0, NOWRITE, NULL));
	mkfile("private", "", 0600, 0);
	close(accepted(P("private"), 0, 0, NOWRITE, NULL));
}

static void
t_symlink(void **state)
{
	(void)state;
	NEED_ROOT();
	mkfile("target", "x", 0644, 0);
	assert_int_equal(symlink(P("target"), P("link")), 0);
	refused(P("link"), 0, 0, NOWRITE, GK_ERR_UNSAFE, "symlink");
	/* Dangling, and a link to a directory when a directory is wanted. */
	assert_int_equal(symlink(P("nowhere"), P("dangling")), 0);
	refused(P("dangling"), 0, 0, NOWRITE, GK_ERR_UNSAFE, "symlink");
	mkdir_as("realdir", 0755, 0);
	assert_int_equal(symlink("realdir", P("dirlink")), 0);
	refused(P("dirlink"), GK_SAFE_DIR, 0, NOWRITE, GK_ERR_UNSAFE, "symlink");
	refused(P("dirlink"), 0, 0, NOWRITE, GK_ERR_UNSAFE, "symlink");
}

static void
t_directory(void **state)
{
	struct stat st;
	int fd;

	(void)state;
	NEED_ROOT();
	mkdir_as("dir", 0755, 0);
	refused(P("dir"), 0, 0, NOWRITE, GK_ERR_UNSAFE, "regular file");
	memset(&st, 0, sizeof(st));
	fd = accepted(P("dir"), GK_SAFE_DIR, 0, NOWRITE, &st);
	assert_true(S_ISDIR(st.st_mode));
	assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	close(fd);
	/* A file when a directory is wanted. */
	mkfile("notdir", "", 0644, 0);
	refused(P("notdir"), GK_SAFE_DIR, 0, NOWRITE, GK_ERR_UNSAFE,
	    "not a directory");
	/* Directory write bits are judged like a file's. */
	mkdir_as("opendir", 0777, 0);
	refused(P("opendir"), GK_SAFE_DIR, 0, NOWRITE, GK_ERR_UNSAFE, "0777");
}

static void
t_owner(void **state)
{
	(void)state;
	NEED_ROOT();
	mkfile("theirs", "x", 0644, OTHER_UID);
	refused(P("theirs"), 0, 0, NOWRITE, GK_ERR_UNSAFE, "20001");
	/* The owner asked for is the one accepted. */
	close(accepted(P("theirs"), 0, OTHER_UID, NOWRITE, NULL));
	mkfile("mine", "x", 0644, 0);
	refused(P("mine"), 0, OTHER_UID, NOWRITE, GK_ERR_UNSAFE, "uid 0");
	mkdir_as("theirdir", 0755, OTHER_UID);
	refused(P("theirdir"), GK_SAFE_DIR, 0, NOWRITE, GK_ERR_UNSAFE, "20001");
}

static void
t_writable(void **state)
{
	(void)state;
	NEED_ROOT();
	mkfile("gw", "x", 0664, 0);
	refused(P("gw"), 0, 0, NOWRITE, GK_ERR_UNSAFE, "group");
	mkfile("ow", "x", 0646, 0);
	refused(P("ow"), 0, 0, NOWRITE, GK_ERR_UNSAFE, "others");
	mkfile("aw", "x", 0666, 0);
	refused(P("aw"), 0, 0, NOWRITE, GK_ERR_UNSAFE, "0666");
	/* Only the bits in forbid count. */
	close(accepted(P("gw"), 0, 0, S_IWOTH, NULL));
	refused(P("ow"), 0, 0, S_IWOTH, GK_ERR_UNSAFE, NULL);
	close(accepted(P("aw"), 0, 0, 0, NULL));
	mkfile("or", "x", 0604, 0);
	refused(P("or"), 0, 0, S_IROTH, GK_ERR_UNSAFE, NULL);
	close(accepted(P("or"), 0, 0, NOWRITE, NULL));
}

static void
t_fifo_and_devices(void **state)
{
	(void)state;
	NEED_ROOT();
	assert_int_equal(mkfifo(P("fifo"), 0644), 0);
	/* With no writer, a blocking open would never return: fail loudly. */
	alarm(10);
	refused(P("fifo"), 0, 0, NOWRITE, GK_ERR_UNSAFE, "regular file");
	refused(P("fifo"), GK_SAFE_DIR, 0, NOWRITE, GK_ERR_UNSAFE, NULL);
	alarm(0);
	refused("/dev/null", 0, 0, 0, GK_ERR_UNSAFE, "regular file");
}

static void
t_missing(void **state)
{
	(void)state;
	NEED_ROOT();
	refused(P("absent"), 0, 0, NOWRITE, GK_ERR_NOTFOUND, NULL);
	refused(P("absent"), GK_SAFE_DIR, 0, NOWRITE, GK_ERR_NOTFOUND, NULL);
}

static int
ancestors(const char *path, char *why, size_t whylen)
{
	why[0] = '\0';
	return gk_safe_ancestors(path, why, whylen);
}

static void
anc_ok(const char *path)
{
	char why[512];
	int r;

	if ((r = ancestors(path, why, sizeof(why))) != 0)
		fail_msg("%s refused: %d %s", path, r, why);
}

static void
anc_refused(const char *path, int want, const char *what)
{
	char why[512];
	int r;

	r = ancestors(path, why, sizeof(why));
	if (r != want)
		fail_msg("%s: got %d (%s), want %d", path, r, why, want);
	if (what != NULL)
		contains(why, what);
}

static void
t_ancestors_ok(void **state)
{
	char p[600];

	(void)state;
	NEED_ROOT();
	mkdir_as("a", 0755, 0);
	mkdir_as("a/b", 0755, 0);
	mkfile("a/b/f", "", 0644, 0);
	anc_ok(P("a"));			/* /tmp is sticky: fine */
	anc_ok(P("a/b"));
	anc_ok(P("a/b/f"));
	anc_ok(tmpdir);
	anc_ok("/");
	/* A root-owned sticky directory like /tmp, inside. */
	mkdir_as("sticky", 01777, 0);
	mkdir_as("sticky/in", 0755, 0);
	anc_ok(P("sticky/in"));
	/* Redundant slashes, "." and "..". */
	snprintf(p, sizeof(p), "/%s//a/./b/../b/", tmpdir);
	anc_ok(p);
	snprintf(p, sizeof(p), "%s/../%s/a", tmpdir, tmpdir + 5);
	anc_ok(p);
	anc_ok("/tmp/../tmp/./");
}

static void
t_ancestors_refused(void **state)
{
	(void)state;
	NEED_ROOT();
	mkdir_as("open", 0777, 0);
	mkdir_as("open/child", 0755, 0);
	anc_refused(P("open/child"), GK_ERR_UNSAFE, P("open:"));
	anc_refused(P("open"), GK_ERR_UNSAFE, "others");
	mkdir_as("gwdir", 0775, 0);
	mkdir_as("gwdir/child", 0755, 0);
	anc_refused(P("gwdir/child"), GK_ERR_UNSAFE, "group");
	mkdir_as("owned", 0755, OTHER_UID);
	mkdir_as("owned/child", 0755, 0);
	anc_refused(P("owned/child"), GK_ERR_UNSAFE, "20001");
	/* Sticky is no excuse when root does not own the directory. */
	mkdir_as("ustick", 01777, OTHER_UID);
	mkdir_as("ustick/child", 0755, 0);
	anc_refused(P("ustick/child"), GK_ERR_UNSAFE, "20001");
	/* The path itself: a writable file, a file root does not own. */
	mkdir_as("ok", 0755, 0);
	mkfile("ok/aw", "", 0666, 0);
	anc_refused(P("ok/aw"), GK_ERR_UNSAFE, "ok/aw");
	/* The sticky bit excuses only a directory, never a file. */
	mkfile("ok/stickyfile", "", 01666, 0);
	anc_refused(P("ok/stickyfile"), GK_ERR_UNSAFE, "stickyfile");
	mkfile("ok/theirs", "", 0644, OTHER_UID);
	anc_refused(P("ok/theirs"), GK_ERR_UNSAFE, "20001");

	anc_refused("relative/path", GK_ERR_UNSAFE, "absolute");
	anc_refused("", GK_ERR_UNSAFE, "absolute");
	anc_refused(P("ok/absent"), GK_ERR_NOTFOUND, "absent");
	mkfile("ok/f", "", 0644, 0);
	anc_refused(P("ok/f/x"), GK_ERR_SYSTEM, NULL);
}

static void
t_ancestors_symlinks(void **state)
{
	(void)state;
	NEED_ROOT();
	mkdir_as("s", 0755, 0);
	mkdir_as("s/safe", 0755, 0);
	mkdir_as("s/open", 0777, 0);
	mkdir_as("s/open/child", 0755, 0);
	/* Links between good directories are followed. */
	assert_int_equal(symlink(P("s/safe"), P("s/abs")), 0);
	assert_int_equal(symlink("safe", P("s/rel")), 0);
	assert_int_equal(symlink("..", P("s/safe/up")), 0);
	anc_ok(P("s/abs"));
	anc_ok(P("s/rel"));
	anc_ok(P("s/safe/up/safe/up/rel/up/abs"));
	/* A link whose target passes through a bad directory. */
	assert_int_equal(symlink(P("s/open/child"), P("s/tobad")), 0);
	anc_refused(P("s/tobad"), GK_ERR_UNSAFE, P("s/open:"));
	assert_int_equal(symlink("open/child", P("s/tobadrel")), 0);
	anc_refused(P("s/tobadrel"), GK_ERR_UNSAFE, P("s/open:"));
	/* A good target reached through a link that anyone may replace. */
	assert_int_equal(symlink(P("s/safe"), P("s/open/link")), 0);
	anc_refused(P("s/open/link"), GK_ERR_UNSAFE, P("s/open:"));
	/* In a root-owned sticky directory, a link root does not own can
	 * still be replaced by its owner. */
	mkdir_as("s/sticky", 01777, 0);
	assert_int_equal(symlink(P("s/safe"), P("s/sticky/rootlink")), 0);
	anc_ok(P("s/sticky/rootlink"));
	assert_int_equal(symlink(P("s/safe"), P("s/sticky/userlink")), 0);
	assert_int_equal(lchown(P("s/sticky/userlink"), OTHER_UID, 0), 0);
	anc_refused(P("s/sticky/userlink"), GK_ERR_UNSAFE, "20001");
	/* A loop ends with an error, not a hang. */
	assert_int_equal(symlink("loop2", P("s/loop1")), 0);
	assert_int_equal(symlink("loop1", P("s/loop2")), 0);
	assert_true(ancestors(P("s/loop1"), (char[512]){ 0 }, 512) < 0);
}

/* A file of n bytes, byte i being 'a' + i % 26. */
static void
mkbig(const char *name, size_t n)
{
	char *c;
	size_t i;

	assert_non_null(c = malloc(n + 1));
	for (i = 0; i < n; i++)
		c[i] = (char)('a' + i % 26);
	c[n] = '\0';
	mkfile(name, c, 0644, 0);
	free(c);
}

static void
read_all(const char *name, size_t max, int want, size_t wantlen)
{
	char *data = (char *)1;
	size_t len = 99, i;
	int fd;

	assert_true((fd = open(P(name), O_RDONLY | O_CLOEXEC)) >= 0);
	assert_int_equal(gk_read_fd(fd, max, &data, &len), want);
	close(fd);
	if (want != 0) {
		assert_null(data);
		assert_int_equal(len, 0);
		return;
	}
	assert_non_null(data);
	assert_int_equal(len, wantlen);
	assert_int_equal(data[len], '\0');
	for (i = 0; i < len; i++)
		if (data[i] != (char)('a' + i % 26))
			fail_msg("byte %zu differs", i);
	free(data);
}

static void
t_read_fd(void **state)
{
	int pfd[2];
	char *data;
	size_t len;

	(void)state;
	NEED_ROOT();
	mkbig("empty", 0);
	read_all("empty", 0, 0, 0);
	read_all("empty", 100, 0, 0);
	mkbig("small", 11);
	read_all("small", 11, 0, 11);
	read_all("small", 10, GK_ERR_LIMIT, 0);
	read_all("small", 0, GK_ERR_LIMIT, 0);
	/* Around the first allocation (4096) and well past it. */
	mkbig("4095", 4095);
	read_all("4095", 4095, 0, 4095);
	read_all("4095", 4094, GK_ERR_LIMIT, 0);
	mkbig("4096", 4096);
	read_all("4096", 4096, 0, 4096);
	read_all("4096", 4095, GK_ERR_LIMIT, 0);
	mkbig("big", 100000);
	read_all("big", 100000, 0, 100000);
	read_all("big", 99999, GK_ERR_LIMIT, 0);
	read_all("big", 5000, GK_ERR_LIMIT, 0);
	/* No limit at all. */
	read_all("big", SIZE_MAX, 0, 100000);
	read_all("big", SIZE_MAX - 1, 0, 100000);

	/* A pipe delivers in pieces; the whole is still read. */
	assert_int_equal(pipe(pfd), 0);
	assert_int_equal(write(pfd[1], "abc", 3), 3);
	assert_int_equal(write(pfd[1], "defg", 4), 4);
	close(pfd[1]);
	assert_int_equal(gk_read_fd(pfd[0], 7, &data, &len), 0);
	assert_int_equal(len, 7);
	assert_string_equal(data, "abcdefg");
	free(data);
	close(pfd[0]);
}

/* gk_safe_path: a path as written, through what root alone may change. */
static void
t_safe_path(void **state)
{
	char why[512], p[600];

	(void)state;
	NEED_ROOT();
	mkdir_as("sp", 0755, 0);
	mkdir_as("sp/user", 0755, 20001);
	mkfile("sp/user/f", "", 0644, 20001);
	mkfile("sp/mine", "", 0644, 20001);	/* a user's file, root's dir */
	assert_int_equal(gk_safe_path(P("sp/mine"), why, sizeof(why)), 0);
	assert_int_equal(gk_safe_path(P("sp/user/f"), why, sizeof(why)),
	    GK_ERR_UNSAFE);
	contains(why, "owned by uid 20001");
	/* a user's directory left at once by ".." looks nothing up in it */
	snprintf(p, sizeof(p), "%s/../mine", P("sp/user"));
	assert_int_equal(gk_safe_path(p, why, sizeof(why)), 0);
	/* a user's symlink to root's directory */
	assert_int_equal(symlink(P("sp"), P("sp/link")), 0);
	assert_int_equal(lchown(P("sp/link"), 20001, 20001), 0);
	snprintf(p, sizeof(p), "%s/mine", P("sp/link"));
	assert_int_equal(gk_safe_path(p, why, sizeof(why)), GK_ERR_UNSAFE);
	contains(why, "symlink owned by uid 20001");
	/* a user's file in a sticky directory can be renamed by them */
	mkdir_as("sp/sticky", 01777, 0);
	mkfile("sp/sticky/f", "", 0644, 20001);
	assert_int_equal(gk_safe_path(P("sp/sticky/f"), why, sizeof(why)),
	    GK_ERR_UNSAFE);
	/* procfs */
	assert_int_equal(gk_safe_path("/proc/self/root/etc", why, sizeof(why)),
	    GK_ERR_UNSAFE);
	contains(why, "procfs");
}

/* gk_safe_program: absolute, canonical, root's, executable. */
static void
t_safe_program(void **state)
{
	char why[512], p[600];
	struct stat st;

	(void)state;
	NEED_ROOT();
	mkdir_as("pg", 0755, 0);
	mkfile("pg/tool", "", 0755, 0);
	mkfile("pg/usertool", "", 0755, 20001);
	mkfile("pg/data", "", 0644, 0);
	assert_int_equal(gk_safe_program(P("pg/tool"), &st, why, sizeof(why)),
	    0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(gk_safe_program("pg/tool", NULL, why, sizeof(why)),
	    GK_ERR_UNSAFE);
	contains(why, "not an absolute path");
	snprintf(p, sizeof(p), "%s/./tool", P("pg"));
	assert_int_equal(gk_safe_program(p, NULL, why, sizeof(why)),
	    GK_ERR_UNSAFE);
	contains(why, "not a canonical path");
	snprintf(p, sizeof(p), "%s//tool", P("pg"));
	assert_int_equal(gk_safe_program(p, NULL, why, sizeof(why)),
	    GK_ERR_UNSAFE);
	assert_int_equal(gk_safe_program(P("pg/usertool"), NULL, why,
	    sizeof(why)), GK_ERR_UNSAFE);
	contains(why, "owned by uid 20001");
	assert_int_equal(gk_safe_program(P("pg/data"), NULL, why,
	    sizeof(why)), GK_ERR_UNSAFE);
	contains(why, "not an executable");
	assert_int_equal(gk_safe_program("/proc/self/exe", NULL, why,
	    sizeof(why)), GK_ERR_UNSAFE);
	assert_int_equal(gk_safe_program("/proc/self/root/usr/bin/id", NULL,
	    why, sizeof(why)), GK_ERR_UNSAFE);
	contains(why, "procfs");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_regular_file),
		cmocka_unit_test(t_symlink),
		cmocka_unit_test(t_directory),
		cmocka_unit_test(t_owner),
		cmocka_unit_test(t_writable),
		cmocka_unit_test(t_fifo_and_devices),
		cmocka_unit_test(t_missing),
		cmocka_unit_test(t_ancestors_ok),
		cmocka_unit_test(t_ancestors_refused),
		cmocka_unit_test(t_ancestors_symlinks),
		cmocka_unit_test(t_safe_path),
		cmocka_unit_test(t_safe_program),
		cmocka_unit_test(t_read_fd),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
