/*
 * Unit tests of the policy language (DESIGN.md section 4, lib/policy.h):
 * a table of policy cases (text, who, where, argv -> action and rule), a
 * table of parse errors (text -> FILE:LINE and message), the exported
 * helpers, and loading a policy directory. Runs as root.
 *
 * "@T" in any policy text, argv, cwd or expected path stands for a temp
 * dir made by the group setup:
 *   @T/bin/{mkfs.ext4,id,rm,dd,zfs,noexec}   executables (the secure path)
 *   @T/bin2/{id (0755), noexec (0644), dd/}
 *   @T/empty/
 *   @T/binlink -> bin
 *   @T/other/{id,mkfs.ext4}                  executables, not secure
 *   @T/real/{file,prog,sub/}  @T/real/esc -> @T/outside
 *   @T/link -> real           @T/a/l -> ../real/sub
 *   @T/loop -> loop           @T/outside/        @T/etclink -> /etc
 *   @T/uw/f        in a directory owned by uid 12345
 *   @T/gw/f        in a root directory that is group-writable (0775)
 *   @T/st/{rootf,userf (uid 12345),ud/f (ud uid 12345)}  st sticky 1777
 *   @T/proclink -> /proc/self  @T/fdlink -> /dev/fd
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "gk_err.h"
#include "policy.h"

static char tmpdir[256];

static const char any_label[] = "(any)";
#define ANY	any_label	/* expected label: not checked */
#define MAXARGV	8

/* ------------------------------------------------------------------ */
/* Fixture                                                             */

static void
xmkdir(const char *rel)
{
	char p[PATH_MAX];

	snprintf(p, sizeof(p), "%s/%s", tmpdir, rel);
	if (mkdir(p, 0755) == -1) {
		fprintf(stderr, "mkdir %s: %s\n", p, strerror(errno));
		abort();
	}
}

static void
xfile(const char *rel, mode_t mode, const char *content)
{
	char p[PATH_MAX];
	int fd;

	snprintf(p, sizeof(p), "%s/%s", tmpdir, rel);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, mode);
	if (fd == -1 || write(fd, content, strlen(content)) !=
	    (ssize_t)strlen(content)) {
		fprintf(stderr, "write %s: %s\n", p, strerror(errno));
		abort();
	}
	close(fd);
	if (chmod(p, mode) == -1)
		abort();
}

static void
xsymlink(const char *target, const char *rel)
{
	char p[PATH_MAX];

	snprintf(p, sizeof(p), "%s/%s", tmpdir, rel);
	if (symlink(target, p) == -1) {
		fprintf(stderr, "symlink %s: %s\n", p, strerror(errno));
		abort();
	}
}

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	(void)remove(path);
	return 0;
}

static void
rm_tree(const char *path)
{
	nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static int
group_setup(void **state)
{
	char tmpl[] = "/tmp/gkpt.XXXXXX";
	static const char *const bins[] = {
		"bin/mkfs.ext4", "bin/id", "bin/rm", "bin/dd", "bin/zfs",
		"bin/noexec", "bin2/id", "other/id", "other/mkfs.ext4",
		"real/prog",
	};
	char outside[PATH_MAX], real[PATH_MAX];
	size_t i;

	(void)state;
	if (mkdtemp(tmpl) == NULL || realpath(tmpl, real) == NULL ||
	    strlen(real) >= sizeof(tmpdir))
		return -1;
	memcpy(tmpdir, real, strlen(real) + 1);
	xmkdir("bin");
	xmkdir("bin2");
	xmkdir("bin2/dd");
	xmkdir("empty");
	xmkdir("other");
	xmkdir("real");
	xmkdir("real/sub");
	xmkdir("outside");
	xmkdir("a");
	for (i = 0; i < sizeof(bins) / sizeof(bins[0]); i++)
		xfile(bins[i], 0755, "#!/bin/sh\nexit 0\n");
	xfile("bin2/noexec", 0644, "not executable\n");
	xfile("real/file", 0644, "data\n");
	xsymlink("bin", "binlink");
	xsymlink("real", "link");
	xsymlink("../real/sub", "a/l");
	xsymlink("loop", "loop");
	snprintf(outside, sizeof(outside), "%s/outside", tmpdir);
	xsymlink(outside, "real/esc");
	xsymlink("/etc", "etclink");
	xmkdir("uw");
	xfile("uw/f", 0644, "data\n");
	xmkdir("gw");
	xfile("gw/f", 0644, "data\n");
	xmkdir("st");
	xmkdir("st/ud");
	xfile("st/rootf", 0644, "data\n");
	xfile("st/userf", 0644, "data\n");
	xfile("st/ud/f", 0644, "data\n");
	snprintf(real, sizeof(real), "%s/uw", tmpdir);
	if (chown(real, 12345, 12345) == -1)
		return -1;
	snprintf(real, sizeof(real), "%s/gw", tmpdir);
	if (chmod(real, 0775) == -1)
		return -1;
	snprintf(real, sizeof(real), "%s/st", tmpdir);
	if (chmod(real, 01777) == -1)
		return -1;
	snprintf(real, sizeof(real), "%s/st/userf", tmpdir);
	if (chown(real, 12345, 12345) == -1)
		return -1;
	snprintf(real, sizeof(real), "%s/st/ud", tmpdir);
	if (chown(real, 12345, 12345) == -1)
		return -1;
	xsymlink("/proc/self", "proclink");
	xsymlink("/dev/fd", "fdlink");
	return 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	if (tmpdir[0] != '\0')
		rm_tree(tmpdir);
	return 0;
}

/* A new string with every "@T" replaced by tmpdir; NULL stays NULL. */
static char *
subst(const char *s)
{
	size_t n = 0, tl = strlen(tmpdir);
	const char *p;
	char *out, *o;

	if (s == NULL)
		return NULL;
	for (p = s; *p != '\0'; p++)
		if (p[0] == '@' && p[1] == 'T')
			n++;
	out = malloc(strlen(s) + n * tl + 1);
	assert_non_null(out);
	for (p = s, o = out; *p != '\0';) {
		if (p[0] == '@' && p[1] == 'T') {
			memcpy(o, tmpdir, tl);
			o += tl;
			p += 2;
		} else
			*o++ = *p++;
	}
	*o = '\0';
	return out;
}

/* The text with newlines shown as "\n", for messages. */
static void
show(const char *s, char *out, size_t outlen)
{
	size_t o = 0;

	for (; *s != '\0' && o + 3 < outlen; s++) {
		if (*s == '\n') {
			out[o++] = '\\';
			out[o++] = 'n';
		} else if (*s == '\t') {
			out[o++] = '\\';
			out[o++] = 't';
		} else
			out[o++] = *s;
	}
	out[o] = '\0';
}

static void
errs_free(struct gk_policy_errors *e)
{
	gk_policy_errors_free(e);
	memset(e, 0, sizeof(*e));
}

/* Parses text as "t.policy" into a new policy; fails on any error. */
static struct gk_policy *
parse_ok(const char *text)
{
	struct gk_policy_errors errs = { .msgs = NULL };
	struct gk_policy *p;
	char *t = subst(text), buf[1024];
	int r;

	p = gk_policy_new();
	assert_non_null(p);
	r = gk_policy_parse(p, "t.policy", t, strlen(t), &errs);
	if (r != 0 || errs.n != 0) {
		show(t, buf, sizeof(buf));
		fail_msg("policy \"%s\": %d errors, first: %s", buf, r,
		    errs.n > 0 ? errs.msgs[0] : "(none)");
	}
	errs_free(&errs);
	free(t);
	return p;
}

/* ------------------------------------------------------------------ */
/* The policy case table                                               */

struct pcase {
	const char	*policy;
	const char	*user;		/* NULL: "dave" */
	const char	*groups;	/* space-separated names; NULL: none */
	const char	*cwd;		/* NULL: "/" */
	const char	*argv[MAXARGV];
	enum gk_action	 act;
	const char	*label;		/* NULL: no rule; ANY: not checked */
};

/* DESIGN.md's example; unnamed `local` rule is t.policy:8. */
#define EX \
	"approvers storage = alice bob carol\n" \
	"approve 2 by storage name disk-format cmd mkfs mkfs.* mke2fs wipefs sgdisk blkdiscard\n" \
	"approve 2 by storage name dd-to-device cmd dd arg of=/dev/*\n" \
	"approve 2 by storage name zfs-destroy delay 10m cmd zfs zpool args destroy **\n" \
	"approve 2 by storage name backup-delete reason cmd rm rmdir find mv path /srv/backup/**\n" \
	"allow for :wheel name zfs-read cmd zfs zpool args list|get|status **\n" \
	"deny name interpreters cmd sh bash dash zsh python* perl\n" \
	"local cmd ls cat less grep df du lsblk id echo\n"

#define DENY	GK_ACT_DENY
#define LOCAL	GK_ACT_LOCAL
#define ALLOW	GK_ACT_ALLOW
#define APPROVE	GK_ACT_APPROVE

static const struct pcase cases[] = {
	/* --- programs: names, globs, secure path --- */
	{ EX, 0, 0, 0, { "mkfs.ext4", "/dev/sdb" }, APPROVE, "disk-format" },
	{ EX, 0, 0, 0, { "mkfs.xfs", "/dev/sdb" }, APPROVE, "disk-format" },
	{ EX, 0, 0, 0, { "mkfs", "-t", "ext4", "/dev/sdb" }, APPROVE, "disk-format" },
	{ EX, 0, 0, 0, { "wipefs", "-a", "/dev/sdb" }, APPROVE, "disk-format" },
	{ EX, 0, 0, 0, { "mkfsx", "/dev/sdb" }, DENY, NULL },
	{ EX, 0, 0, 0, { "@T/bin/mkfs.ext4", "/dev/sdb" }, APPROVE, "disk-format" },
	{ EX, 0, 0, 0, { "@T/binlink/mkfs.ext4" }, APPROVE, "disk-format" },
	{ EX, 0, 0, 0, { "@T/other/mkfs.ext4" }, DENY, NULL },
	{ EX, 0, 0, "@T/other", { "./mkfs.ext4" }, DENY, NULL },
	{ EX, 0, 0, "@T/bin", { "./mkfs.ext4" }, APPROVE, "disk-format" },
	{ EX, 0, 0, 0, { "id" }, LOCAL, "t.policy:8" },
	{ EX, 0, 0, 0, { "ls", "-l", "/root" }, LOCAL, "t.policy:8" },
	{ EX, 0, 0, 0, { "@T/bin/id" }, LOCAL, "t.policy:8" },
	{ EX, 0, 0, "@T/other", { "./id" }, DENY, NULL },
	{ EX, 0, 0, 0, { "@T/other/id" }, DENY, NULL },
	{ EX, 0, 0, 0, { "@T/bin/../other/id" }, DENY, NULL },
	{ EX, 0, 0, 0, { "@T/other/../bin/id" }, LOCAL, "t.policy:8" },
	{ EX, 0, 0, "@T", { "bin/id" }, LOCAL, "t.policy:8" },
	{ EX, 0, 0, "@T", { "other/id" }, DENY, NULL },
	{ EX, 0, 0, 0, { "foo" }, DENY, NULL },
	{ EX, 0, 0, 0, { "sh", "-c", "id" }, DENY, "interpreters" },
	{ EX, 0, 0, 0, { "python3" }, DENY, "interpreters" },
	{ EX, 0, 0, 0, { "perl", "-e", "1" }, DENY, "interpreters" },
	{ "allow cmd id", 0, 0, "@T/other", { "./id" }, DENY, NULL },
	{ "allow cmd id", 0, 0, 0, { "@T/other/id" }, DENY, NULL },
	{ "allow cmd id", 0, 0, 0, { "id" }, ALLOW, "t.policy:1" },
	{ "allow cmd /opt/tools/*", 0, 0, 0, { "/opt/tools/x" }, ALLOW, "t.policy:1" },
	{ "allow cmd /opt/tools/*", 0, 0, 0, { "/opt/tools/sub/x" }, DENY, NULL },
	{ "allow cmd /opt/tools/*", 0, 0, 0, { "x" }, DENY, NULL },
	{ "allow cmd /opt/tools/*", 0, 0, 0, { "/opt/tools/x/../../../bin/sh" }, DENY, NULL },
	{ "allow cmd /opt/tools/*", 0, 0, 0, { "/opt/tools/../tools/y" }, ALLOW, "t.policy:1" },
	{ "allow cmd @T/other/id", 0, 0, 0, { "@T/other/id" }, ALLOW, "t.policy:1" },
	{ "allow cmd @T/other/id", 0, 0, "@T/other", { "./id" }, ALLOW, "t.policy:1" },
	{ "allow cmd @T/other/id", 0, 0, 0, { "id" }, DENY, NULL },
	{ "allow cmd @T/real/*", 0, 0, 0, { "@T/link/prog" }, ALLOW, "t.policy:1" },

	/* --- arg --- */
	{ EX, 0, 0, 0, { "dd", "if=x", "of=/dev/sda" }, APPROVE, "dd-to-device" },
	{ EX, 0, 0, 0, { "dd", "if=x", "of=/dev/disk/by-id/x" }, APPROVE, "dd-to-device" },
	{ EX, 0, 0, 0, { "dd", "of=/dev/sda", "if=/tmp/img" }, APPROVE, "dd-to-device" },
	{ EX, 0, 0, 0, { "dd", "if=x", "of=/tmp/img" }, DENY, NULL },
	{ EX, 0, 0, 0, { "dd" }, DENY, NULL },
	{ "allow cmd dd arg if=* arg of=/dev/*", 0, 0, 0, { "dd", "if=a", "of=/dev/x" }, ALLOW, "t.policy:1" },
	{ "allow cmd dd arg if=* arg of=/dev/*", 0, 0, 0, { "dd", "of=/dev/x" }, DENY, NULL },
	{ "allow cmd prog arg a b", 0, 0, 0, { "prog", "x", "b" }, ALLOW, "t.policy:1" },
	{ "allow cmd prog arg a b", 0, 0, 0, { "prog", "x" }, DENY, NULL },
	{ "allow cmd prog arg a b", 0, 0, 0, { "prog" }, DENY, NULL },
	{ "allow cmd dd arg dd", 0, 0, 0, { "dd", "x" }, DENY, NULL },
	{ "allow cmd prog arg x|y", 0, 0, 0, { "prog", "-v", "y" }, ALLOW, "t.policy:1" },

	/* --- args --- */
	{ EX, 0, 0, 0, { "zfs", "destroy", "tank/x" }, APPROVE, "zfs-destroy" },
	{ EX, 0, 0, 0, { "zfs", "destroy" }, APPROVE, "zfs-destroy" },
	{ EX, 0, 0, 0, { "zpool", "destroy", "-f", "tank" }, APPROVE, "zfs-destroy" },
	{ EX, 0, 0, 0, { "zfs", "list" }, DENY, NULL },
	{ EX, 0, "wheel", 0, { "zfs", "list" }, ALLOW, "zfs-read" },
	{ EX, 0, "staff wheel", 0, { "zpool", "status", "-v" }, ALLOW, "zfs-read" },
	{ EX, 0, "wheel", 0, { "zfs", "get", "all", "tank" }, ALLOW, "zfs-read" },
	{ EX, 0, "wheel", 0, { "zfs", "snapshot", "tank@x" }, DENY, NULL },
	{ EX, 0, "wheel", 0, { "zfs" }, DENY, NULL },
	{ EX, 0, "wheel", 0, { "zfs", "lists" }, DENY, NULL },
	{ EX, 0, "wheel", 0, { "zfs", "destroy", "tank" }, APPROVE, "zfs-destroy" },
	{ EX, "wheel", 0, 0, { "zfs", "list" }, DENY, NULL },
	{ EX, 0, "wheelx", 0, { "zfs", "list" }, DENY, NULL },
	{ "allow cmd zfs args list", 0, 0, 0, { "zfs", "list" }, ALLOW, "t.policy:1" },
	{ "allow cmd zfs args list", 0, 0, 0, { "zfs", "list", "-H" }, DENY, NULL },
	{ "allow cmd zfs args list", 0, 0, 0, { "zfs" }, DENY, NULL },
	{ "allow cmd zfs args destroy *", 0, 0, 0, { "zfs", "destroy", "tank/a/b" }, ALLOW, "t.policy:1" },
	{ "allow cmd zfs args destroy *", 0, 0, 0, { "zfs", "destroy" }, DENY, NULL },
	{ "allow cmd zfs args destroy *", 0, 0, 0, { "zfs", "destroy", "a", "b" }, DENY, NULL },
	{ "allow cmd prog args a|b c", 0, 0, 0, { "prog", "b", "c" }, ALLOW, "t.policy:1" },
	{ "allow cmd prog args a|b c", 0, 0, 0, { "prog", "c", "c" }, DENY, NULL },
	{ "allow cmd zfs args destroy ** arg -r", 0, 0, 0, { "zfs", "destroy", "-r", "t" }, ALLOW, "t.policy:1" },
	{ "allow cmd zfs args destroy ** arg -r", 0, 0, 0, { "zfs", "destroy", "t" }, DENY, NULL },
	{ "allow cmd zfs args destroy ** arg -r", 0, 0, 0, { "zfs", "-r", "destroy" }, DENY, NULL },
	{ "allow cmd rm args -rf * path /srv/backup/**", 0, 0, 0, { "rm", "-rf", "/srv/backup/x" }, ALLOW, "t.policy:1" },
	{ "allow cmd rm args -rf * path /srv/backup/**", 0, 0, 0, { "rm", "-rf", "/etc" }, DENY, NULL },
	{ "allow cmd rm args -rf * path /srv/backup/**", 0, 0, 0, { "rm", "/srv/backup/x" }, DENY, NULL },

	/* --- path --- */
	{ EX, 0, 0, 0, { "rm", "/srv/backup/x" }, APPROVE, "backup-delete" },
	{ EX, 0, 0, 0, { "rm", "-rf", "/srv/data/../backup/x" }, APPROVE, "backup-delete" },
	{ EX, 0, 0, 0, { "rm", "/srv//backup/x" }, APPROVE, "backup-delete" },
	{ EX, 0, 0, 0, { "rmdir", "/srv/backup" }, APPROVE, "backup-delete" },
	{ EX, 0, 0, 0, { "rm", "/srv/backup/./a/../b" }, APPROVE, "backup-delete" },
	{ EX, 0, 0, "/srv/backup", { "rm", "x" }, APPROVE, "backup-delete" },
	{ EX, 0, 0, "/srv/data", { "rm", "../backup/y" }, APPROVE, "backup-delete" },
	{ EX, 0, 0, 0, { "mv", "/tmp/a", "/srv/backup/b" }, APPROVE, "backup-delete" },
	{ EX, 0, 0, 0, { "rm", "/srv/backupX" }, DENY, NULL },
	{ EX, 0, 0, 0, { "rm", "/srv/backup-old/x" }, DENY, NULL },
	{ EX, 0, 0, 0, { "rm", "/srv/backup/../data/x" }, DENY, NULL },
	{ EX, 0, 0, 0, { "rm", "/srv" }, DENY, NULL },
	{ EX, 0, 0, "/srv/backup", { "rm", "../x" }, DENY, NULL },
	{ EX, 0, 0, 0, { "find", "/srv", "-delete" }, DENY, NULL },
	{ "allow cmd rm path /srv/*/x", 0, 0, 0, { "rm", "/srv/a/x" }, ALLOW, "t.policy:1" },
	{ "allow cmd rm path /srv/*/x", 0, 0, 0, { "rm", "/srv/a/b/x" }, DENY, NULL },
	{ "allow cmd dd path /dev/**", 0, 0, 0, { "dd", "of=/dev/sda" }, ALLOW, "t.policy:1" },
	{ "allow cmd dd path /dev/**", 0, 0, 0, { "dd", "--output=/dev/sdb" }, ALLOW, "t.policy:1" },
	{ "allow cmd dd path /dev/**", 0, 0, 0, { "dd", "a/b=/dev/x" }, DENY, NULL },
	{ "allow cmd dd path /dev/**", 0, 0, 0, { "dd", "of=/tmp/x" }, DENY, NULL },
	{ "allow cmd rm path @T/real/**", 0, 0, 0, { "rm", "@T/link/file" }, ALLOW, "t.policy:1" },
	{ "allow cmd rm path @T/real/**", 0, 0, 0, { "rm", "@T/link/nofile" }, ALLOW, "t.policy:1" },
	{ "allow cmd rm path @T/real/**", 0, 0, 0, { "rm", "@T/link/new/x" }, ALLOW, "t.policy:1" },
	{ "allow cmd rm path @T/real/**", 0, 0, 0, { "rm", "@T/link" }, ALLOW, "t.policy:1" },
	{ "allow cmd rm path @T/real/**", 0, 0, 0, { "rm", "@T/a/l/../file" }, ALLOW, "t.policy:1" },
	{ "allow cmd rm path @T/real/**", 0, 0, "@T/link", { "rm", "file" }, ALLOW, "t.policy:1" },
	{ "allow cmd rm path @T/real/**", 0, 0, 0, { "rm", "@T/real/esc/f" }, DENY, NULL },
	{ "allow cmd rm path @T/real/**", 0, 0, 0, { "rm", "@T/outside/f" }, DENY, NULL },
	{ "deny cmd rm path @T/real/**\nallow cmd rm", 0, 0, 0, { "rm", "@T/link/file" }, DENY, "t.policy:1" },
	{ "deny cmd rm path @T/real/**\nallow cmd rm", 0, 0, 0, { "rm", "@T/outside/f" }, ALLOW, "t.policy:2" },
	{ "allow cmd dd path /srv/backup/**", 0, 0, "/srv/data", { "dd", "of=../backup/img" }, ALLOW, "t.policy:1" },
	{ "allow cmd dd path /srv/backup/**", 0, 0, "/srv/data", { "dd", "of=../img" }, DENY, NULL },
	/* a deny rule cannot be dodged by spelling the path differently */
#define DENY_ETC "deny cmd rm path /etc/**\nallow cmd rm"
	{ DENY_ETC, 0, 0, 0, { "rm", "/etc/passwd" }, DENY, "t.policy:1" },
	{ DENY_ETC, 0, 0, 0, { "rm", "/etc/../etc/passwd" }, DENY, "t.policy:1" },
	{ DENY_ETC, 0, 0, 0, { "rm", "//etc///passwd" }, DENY, "t.policy:1" },
	{ DENY_ETC, 0, 0, 0, { "rm", "/tmp/../etc/./shadow" }, DENY, "t.policy:1" },
	{ DENY_ETC, 0, 0, "/etc", { "rm", "passwd" }, DENY, "t.policy:1" },
	{ DENY_ETC, 0, 0, "/usr", { "rm", "../etc/passwd" }, DENY, "t.policy:1" },
	{ DENY_ETC, 0, 0, 0, { "rm", "--file=/etc/passwd" }, DENY, "t.policy:1" },
	{ DENY_ETC, 0, 0, 0, { "rm", "@T/etclink/passwd" }, DENY, "t.policy:1" },
	{ DENY_ETC, 0, 0, "@T/etclink", { "rm", "newfile" }, DENY, "t.policy:1" },
	{ DENY_ETC, 0, 0, 0, { "rm", "/etcX/passwd" }, ALLOW, "t.policy:2" },
	/* fail closed: a path that cannot be canonicalised (symlink loop) */
	{ "allow cmd rm path @T/**", 0, 0, 0, { "rm", "@T/loop/x" }, DENY, ANY },
	{ "deny cmd rm path /nonexistent/**\nallow cmd rm", 0, 0, 0, { "rm", "@T/loop/x" }, DENY, ANY },
	{ "allow cmd rm", 0, 0, 0, { "rm", "@T/loop/x" }, DENY, ANY },

	/* --- for WHO --- */
	{ "allow for alice cmd id", "alice", 0, 0, { "id" }, ALLOW, "t.policy:1" },
	{ "allow for alice cmd id", "bob", 0, 0, { "id" }, DENY, NULL },
	{ "allow for alice cmd id", "alicex", 0, 0, { "id" }, DENY, NULL },
	{ "allow for alice,:wheel cmd id", "bob", "wheel", 0, { "id" }, ALLOW, "t.policy:1" },
	{ "allow for alice,:wheel cmd id", "alice", 0, 0, { "id" }, ALLOW, "t.policy:1" },
	{ "allow for alice,:wheel cmd id", "carol", "staff", 0, { "id" }, DENY, NULL },
	{ "allow for alice, bob cmd id", "bob", 0, 0, { "id" }, ALLOW, "t.policy:1" },
	{ "allow for alice, bob cmd id", "carol", 0, 0, { "id" }, DENY, NULL },
	{ "allow for * cmd id", "anyone", 0, 0, { "id" }, ALLOW, "t.policy:1" },
	{ "allow for :wheel cmd id", "wheel", 0, 0, { "id" }, DENY, NULL },
	{ "allow name n for :adm cmd id", "eve", "adm", 0, { "id" }, ALLOW, "n" },
	{ "allow for :adm name n cmd id", "eve", "users adm", 0, { "id" }, ALLOW, "n" },
	{ "deny for bob cmd id\nallow cmd id", "bob", 0, 0, { "id" }, DENY, "t.policy:1" },
	{ "deny for bob cmd id\nallow cmd id", "alice", 0, 0, { "id" }, ALLOW, "t.policy:2" },

	/* --- first match wins --- */
	{ "deny cmd rm\nallow cmd rm", 0, 0, 0, { "rm" }, DENY, "t.policy:1" },
	{ "allow cmd rm args -i *\ndeny cmd rm", 0, 0, 0, { "rm", "-i", "x" }, ALLOW, "t.policy:1" },
	{ "allow cmd rm args -i *\ndeny cmd rm", 0, 0, 0, { "rm", "x" }, DENY, "t.policy:2" },
	{ "approvers a = x\napprovers b = y z\napprove 2 by b name two cmd id", 0, 0, 0, { "id" }, APPROVE, "two" },

	/* --- lexing: quotes, comments, continuation, tabs --- */
	{ "allow cmd prog args \"path\"", 0, 0, 0, { "prog", "path" }, ALLOW, "t.policy:1" },
	{ "allow cmd prog arg \"args\" \"arg\"", 0, 0, 0, { "prog", "arg" }, ALLOW, "t.policy:1" },
	{ "allow cmd echo args \"hello world\"", 0, 0, 0, { "echo", "hello world" }, ALLOW, "t.policy:1" },
	{ "allow cmd echo args \"hello world\"", 0, 0, 0, { "echo", "hello", "world" }, DENY, NULL },
	{ "allow cmd echo args \"say \\\"hi\\\"\"", 0, 0, 0, { "echo", "say \"hi\"" }, ALLOW, "t.policy:1" },
	{ "allow cmd echo args \"a#b\"", 0, 0, 0, { "echo", "a#b" }, ALLOW, "t.policy:1" },
	{ "allow cmd id # allow cmd rm\n", 0, 0, 0, { "rm" }, DENY, NULL },
	{ "allow cmd id # allow cmd rm\n", 0, 0, 0, { "id" }, ALLOW, "t.policy:1" },
	{ "# comment\n\n   \nallow cmd id", 0, 0, 0, { "id" }, ALLOW, "t.policy:4" },
	{ "allow \\\n  cmd id", 0, 0, 0, { "id" }, ALLOW, "t.policy:1" },
	{ "\n\nallow \\\ncmd \\\nid\nallow cmd rm\n", 0, 0, 0, { "rm" }, ALLOW, "t.policy:6" },
	{ "\n\nallow \\\ncmd \\\nid\nallow cmd rm\n", 0, 0, 0, { "id" }, ALLOW, "t.policy:3" },
	{ "allow\tname\ttabbed\tcmd\tid  \t", 0, 0, 0, { "id" }, ALLOW, "tabbed" },
	{ "allow   cmd   zfs   args   list  \n", 0, 0, 0, { "zfs", "list" }, ALLOW, "t.policy:1" },
	/* options are not paths, until "--" */
	{ EX, 0, 0, "/srv/backup", { "rm", "-rf", "/etc" }, DENY, NULL },
	{ EX, 0, 0, "/srv/backup", { "rm", "--", "-rf" }, APPROVE, "backup-delete" },
	{ EX, 0, 0, 0, { "rm", "--dir=/srv/backup/x" }, APPROVE, "backup-delete" },

	/* --- a path glued to a short option (-Xvalue) is a path too --- */
	{ EX, 0, 0, 0, { "mv", "-t/srv/backup", "x" }, APPROVE, "backup-delete" },
	{ EX, 0, 0, "/srv/data", { "mv", "-t../backup", "x" }, APPROVE, "backup-delete" },
	{ EX, 0, 0, "/srv", { "rm", "-d./backup/x" }, APPROVE, "backup-delete" },
	{ EX, 0, 0, 0, { "rm", "-xzf/srv/backup/a" }, APPROVE, "backup-delete" },
	{ EX, 0, 0, "/srv", { "rm", "-tbackup" }, DENY, NULL },
	{ EX, 0, 0, 0, { "rm", "--", "-t/srv/backup" }, DENY, NULL },
	{ "allow cmd mkfs.ext4 path @T/real/**", 0, 0, "@T", { "mkfs.ext4", "-F", "-dlink/sub", "x.img" }, ALLOW, "t.policy:1" },

	/* --- procfs and /dev/fd: never allow or approve, judged as before
	 * for local and deny --- */
	{ "allow cmd rm", 0, 0, 0, { "rm", "/proc/self/cwd/disk.img" }, DENY, ANY },
	{ "allow cmd rm", 0, 0, 0, { "rm", "/proc/1/root/etc/passwd" }, DENY, ANY },
	{ "allow cmd rm", 0, 0, 0, { "rm", "/dev/fd/0" }, DENY, ANY },
	{ "allow cmd rm", 0, 0, 0, { "rm", "/dev/stdin" }, DENY, ANY },
	{ "allow cmd rm", 0, 0, 0, { "rm", "@T/proclink/cwd/x" }, DENY, ANY },
	{ "allow cmd rm", 0, 0, 0, { "rm", "@T/fdlink/3" }, DENY, ANY },
	{ "allow cmd rm", 0, 0, 0, { "rm", "of=/proc/self/cwd/x" }, DENY, ANY },
	{ "allow cmd rm", 0, 0, 0, { "rm", "-t/proc/self/cwd" }, DENY, ANY },
	{ "allow cmd rm", 0, 0, "/proc/self", { "rm", "x" }, DENY, ANY },
	{ "allow cmd rm", 0, 0, 0, { "rm", "/proc" }, ALLOW, "t.policy:1" },
	{ EX, 0, 0, 0, { "mkfs.ext4", "/proc/self/cwd/disk.img" }, DENY, "disk-format" },
	{ "local cmd rm", 0, 0, 0, { "rm", "/proc/self/fd/0" }, LOCAL, "t.policy:1" },
	{ "local cmd rm path /proc/**", 0, 0, 0, { "rm", "/proc/self/status" }, LOCAL, "t.policy:1" },
	{ "deny cmd rm path /etc/**\nlocal cmd rm", 0, 0, 0, { "rm", "/proc/self/root/etc/passwd" }, DENY, "t.policy:1" },

	/* --- an existing path where another user can swap it: refused for
	 * allow and approve unless the rule says racy-paths --- */
	{ "allow cmd rm", 0, 0, 0, { "rm", "@T/uw/f" }, DENY, ANY },
	{ "allow cmd rm", 0, 0, "@T/uw", { "rm", "f" }, DENY, ANY },
	{ "allow cmd rm", 0, 0, 0, { "rm", "--file=@T/uw/f" }, DENY, ANY },
	{ "allow cmd rm", 0, 0, 0, { "rm", "@T/gw/f" }, DENY, ANY },
	{ "allow cmd rm", 0, 0, 0, { "rm", "@T/st/userf" }, DENY, ANY },
	{ "allow cmd rm", 0, 0, 0, { "rm", "@T/st/ud/f" }, DENY, ANY },
	{ "allow cmd rm", 0, 0, 0, { "rm", "@T/st/rootf" }, ALLOW, "t.policy:1" },
	{ "allow cmd rm", 0, 0, 0, { "rm", "@T/uw/absent" }, ALLOW, "t.policy:1" },
	{ "allow cmd rm", 0, 0, 0, { "rm", "@T/real/file" }, ALLOW, "t.policy:1" },
	{ "allow racy-paths cmd rm", 0, 0, 0, { "rm", "@T/uw/f" }, ALLOW, "t.policy:1" },
	{ "approvers s = a b\napprove 1 by s racy-paths cmd rm", 0, 0, 0, { "rm", "@T/gw/f" }, APPROVE, "t.policy:2" },
	{ "approvers s = a b\napprove 1 by s cmd rm", 0, 0, 0, { "rm", "@T/gw/f" }, DENY, "t.policy:2" },
	{ "local cmd rm", 0, 0, 0, { "rm", "@T/uw/f" }, LOCAL, "t.policy:1" },

	/* --- GNU long options abbreviated: deny and approve rules that name
	 * an option catch its prefixes of 3 characters or more --- */
#define LVM "deny name lvm-config cmd lvs arg --config* --commandprofile*\n" \
	"allow name lvm-report cmd lvs"
	{ LVM, 0, 0, 0, { "lvs", "--commandprofile", "X" }, DENY, "lvm-config" },
	{ LVM, 0, 0, 0, { "lvs", "--command", "X" }, DENY, "lvm-config" },
	{ LVM, 0, 0, 0, { "lvs", "--com", "X" }, DENY, "lvm-config" },
	{ LVM, 0, 0, 0, { "lvs", "--commandp=X" }, DENY, "lvm-config" },
	{ LVM, 0, 0, 0, { "lvs", "--conf", "x" }, DENY, "lvm-config" },
	{ LVM, 0, 0, 0, { "lvs", "--co", "X" }, ALLOW, "lvm-report" },
	{ LVM, 0, 0, 0, { "lvs", "--commandx", "X" }, ALLOW, "lvm-report" },
	{ LVM, 0, 0, 0, { "lvs", "-command", "X" }, ALLOW, "lvm-report" },
	{ "deny cmd mdadm args --zero-superblock *\nallow cmd mdadm", 0, 0, 0, { "mdadm", "--zero", "/dev/x" }, DENY, "t.policy:1" },
	{ "deny cmd x args --output=/dev/*\nallow cmd x", 0, 0, 0, { "x", "--out=/dev/sda" }, DENY, "t.policy:1" },
	{ "deny cmd x args --output=/dev/*\nallow cmd x", 0, 0, 0, { "x", "--out=/tmp/a" }, ALLOW, "t.policy:2" },
	{ "approvers s = a b\napprove 1 by s cmd mdadm arg --zero-superblock", 0, 0, 0, { "mdadm", "--zero-s", "/dev/x" }, APPROVE, "t.policy:2" },
	/* allow and local rules match the option only as written */
	{ "allow cmd lvs args --config=x", 0, 0, 0, { "lvs", "--conf=x" }, DENY, NULL },
	{ "local cmd lvs arg --config*", 0, 0, 0, { "lvs", "--conf" }, DENY, NULL },
};

static void
split_groups(const char *groups, char **out, size_t max, size_t *n, char *buf,
    size_t buflen)
{
	char *save = NULL, *w;

	*n = 0;
	if (groups == NULL)
		return;
	snprintf(buf, buflen, "%s", groups);
	for (w = strtok_r(buf, " ", &save); w != NULL && *n < max;
	    w = strtok_r(NULL, " ", &save))
		out[(*n)++] = w;
}

/* Runs one row; on mismatch writes why into msg and returns -1. */
static int
run_case(const struct pcase *c, char *msg, size_t msglen)
{
	struct gk_policy_errors errs = { .msgs = NULL };
	struct gk_decision d;
	struct gk_query q;
	struct gk_policy *p;
	char *text, *argv[MAXARGV + 1], *cwd, *sp, *groups[8], gbuf[256];
	size_t argc = 0, ng, i;
	int r, ret = 0;

	text = subst(c->policy);
	cwd = subst(c->cwd != NULL ? c->cwd : "/");
	sp = subst("@T/bin");
	while (argc < MAXARGV && c->argv[argc] != NULL) {
		argv[argc] = subst(c->argv[argc]);
		argc++;
	}
	argv[argc] = NULL;
	split_groups(c->groups, groups, 8, &ng, gbuf, sizeof(gbuf));

	p = gk_policy_new();
	assert_non_null(p);
	r = gk_policy_parse(p, "t.policy", text, strlen(text), &errs);
	if (r != 0 || errs.n != 0) {
		snprintf(msg, msglen, "parse returned %d: %s", r,
		    errs.n > 0 ? errs.msgs[0] : "(no message)");
		ret = -1;
		goto out;
	}
	memset(&q, 0, sizeof(q));
	q.user = c->user != NULL ? c->user : "dave";
	q.uid = 1000;
	q.groups = groups;
	q.ngroups = ng;
	q.argc = argc;
	q.argv = argv;
	q.cwd = cwd;
	q.secure_path = sp;
	memset(&d, 0, sizeof(d));
	r = gk_policy_decide(p, &q, &d);
	if (r != 0) {
		snprintf(msg, msglen, "decide returned %d", r);
		ret = -1;
		goto out;
	}
	if (d.action != c->act) {
		snprintf(msg, msglen, "expected %s, got %s (rule %s; why: %s)",
		    gk_action_name(c->act), gk_action_name(d.action),
		    d.rule != NULL ? d.rule->label : "NULL", d.why);
		ret = -1;
	} else if (c->label == NULL && d.rule != NULL) {
		snprintf(msg, msglen, "expected no rule, got rule %s",
		    d.rule->label);
		ret = -1;
	} else if (c->label != NULL && c->label != ANY && (d.rule == NULL ||
	    strcmp(d.rule->label, c->label) != 0)) {
		snprintf(msg, msglen, "expected rule %s, got %s", c->label,
		    d.rule != NULL ? d.rule->label : "NULL");
		ret = -1;
	}
	gk_decision_free(&d);
 out:
	errs_free(&errs);
	gk_policy_free(p);
	free(text);
	free(cwd);
	free(sp);
	for (i = 0; i < argc; i++)
		free(argv[i]);
	return ret;
}

static void
test_policy_table(void **state)
{
	size_t i, j, nfail = 0, ncases = sizeof(cases) / sizeof(cases[0]);
	char msg[1024], text[1024], args[512];
	size_t o;

	(void)state;
	for (i = 0; i < ncases; i++) {
		if (run_case(&cases[i], msg, sizeof(msg)) == 0)
			continue;
		nfail++;
		show(cases[i].policy, text, sizeof(text));
		o = 0;
		args[0] = '\0';
		for (j = 0; j < MAXARGV && cases[i].argv[j] != NULL; j++)
			o += (size_t)snprintf(args + o, sizeof(args) - o, "%s[%s]",
			    j ? " " : "", cases[i].argv[j]);
		print_message("# case %zu: policy \"%s\" user %s groups %s "
		    "cwd %s argv %s: %s\n", i, text,
		    cases[i].user ? cases[i].user : "dave",
		    cases[i].groups ? cases[i].groups : "-",
		    cases[i].cwd ? cases[i].cwd : "/", args, msg);
	}
	print_message("# policy table: %zu cases, %zu passed, %zu failed\n",
	    ncases, ncases - nfail, nfail);
	if (nfail > 0)
		fail_msg("%zu of %zu policy cases failed (see above)", nfail,
		    ncases);
}

/* ------------------------------------------------------------------ */
/* Parse errors                                                        */

struct ecase {
	const char	*text;
	int		 line;		/* of every message */
	const char	*sub;		/* in some message; NULL: not checked */
};

#define S "approvers s = alice bob\n"

static const struct ecase ecases[] = {
	{ S "approve 1 by s reason-match \"(\" cmd id", 2, "bad reason-match" },
	{ S "approve 1 by s reason-match cmd id", 2, "reason-match needs a value" },
	{ S "approve 1 by s reason reason-match x cmd id", 2, "twice" },
	{ S "approve 1 by s reason-match x reason-match y cmd id", 2, "twice" },
	{ S "approve 1 by s reason-match \"\" cmd id", 2, "regular expression" },
	{ "local reason-match x cmd id", 1, "only makes sense" },
	{ "deny reason-match x cmd id", 1, "only makes sense" },
	{ "allow cmd id reason-match x", 1, "before cmd" },
	{ "allow name gatekeeper-governance cmd id", 1, "reserved" },
	{ "frobnicate cmd id", 1, "frobnicate" },
	{ "allow cmd id\npermit cmd id", 2, "permit" },
	{ "cmd id", 1, NULL },
	{ "allow id", 1, NULL },
	{ "allow name x", 1, NULL },
	{ "allow for alice", 1, NULL },
	{ "allow cmd", 1, NULL },
	{ "allow cmd args x", 1, NULL },
	{ "allow bogus cmd id", 1, "bogus" },
	{ "allow cmd zfs for alice", 1, "for" },
	{ "allow cmd zfs name x", 1, "name" },
	{ "allow cmd id \\\n reason", 1, "reason" },
	{ "allow as cmd id", 1, NULL },
	{ S "approve 0 by s cmd id", 2, NULL },
	{ S "approve -1 by s cmd id", 2, NULL },
	{ S "approve x by s cmd id", 2, NULL },
	{ S "approve 2x by s cmd id", 2, NULL },
	{ S "approve 99999999999999999999 by s cmd id", 2, NULL },
	{ S "approve 4294967297 by s cmd id", 2, NULL },
	{ S "approve 3 by s cmd id", 2, NULL },
	{ S "approve by s cmd id", 2, NULL },
	{ S "approve 1 by nosuch cmd id", 2, "nosuch" },
	{ S "approve 1 s cmd id", 2, NULL },
	{ S "approve 1 cmd id", 2, NULL },
	{ S "approve 1 by", 2, NULL },
	{ "approve 1 by s cmd id\napprovers s = alice", 1, NULL },
	{ S "approve 1 by s delay 10 cmd id", 2, NULL },
	{ S "approve 1 by s delay 5w cmd id", 2, NULL },
	{ S "approve 1 by s delay 0s cmd id", 2, NULL },
	{ S "approve 1 by s delay m cmd id", 2, NULL },
	{ S "approve 1 by s delay 367d cmd id", 2, NULL },
	{ S "approve 1 by s delay 8785h cmd id", 2, NULL },
	{ S "approve 1 by s delay 31622401s cmd id", 2, NULL },
	{ S "approve 1 by s delay 99999999999999999999s cmd id", 2, NULL },
	{ S "approve 1 by s delay -5m cmd id", 2, NULL },
	{ S "approve 1 by s delay 1.5h cmd id", 2, NULL },
	{ S "approve 1 by s expire 0s cmd id", 2, NULL },
	{ S "approve 1 by s expire 10 cmd id", 2, NULL },
	{ "allow cmd echo args \"abc", 1, NULL },
	{ "allow cmd id\nallow cmd echo args \"abc\nallow cmd rm", 2, NULL },
	{ "allow \\\ncmd echo args \"abc", 1, NULL },
	{ "allow \\\ncmd echo args \"abc\n", 1, NULL },
	{ "allow \\\n  bogus cmd id", 1, "bogus" },
	{ "allow \\\ncmd echo args \"a\"b", 1, NULL },
	{ "\nallow \\\n  cmd \\\n  echo args \"abc", 2, NULL },
	{ "allow name a name b cmd id", 1, NULL },
	{ "allow as bob as carol cmd id", 1, NULL },
	{ S "approve 1 by s delay 1m delay 2m cmd id", 2, NULL },
	{ "allow name dupname cmd id\ndeny name dupname cmd rm", 2, "dupname" },
	{ "local as bob cmd id", 1, NULL },
	{ "deny as bob cmd id", 1, NULL },
	{ "allow delay 5m cmd id", 1, NULL },
	{ "deny expire 1h cmd id", 1, NULL },
	{ "local delay 5m cmd id", 1, NULL },
	{ "allow cmd zfs args", 1, NULL },
	{ "allow cmd dd arg", 1, NULL },
	{ "allow cmd rm path", 1, NULL },
	{ "allow cmd zfs args arg x", 1, NULL },
	{ "allow cmd zfs args x path", 1, NULL },
	{ "approvers s =", 1, NULL },
	{ "approvers s = # nobody", 1, NULL },
	{ "approvers s", 1, NULL },
	{ "approvers s alice bob", 1, NULL },
	{ "approvers s = alice bob alice", 1, "alice" },
	{ "approvers ops = alice\napprovers ops = bob", 2, "ops" },
	{ "allow cmd id \\\n  args x\nbogus cmd id", 3, "bogus" },
	{ "# c\n\n  \nallow cmd", 4, NULL },
	{ "allow cmd id\n\"allow\" cmd id", 2, NULL },
	{ "allow \"cmd\" id", 1, NULL },
	{ "local racy-paths cmd id", 1, "racy-paths only makes sense with allow or approve" },
	{ "deny racy-paths cmd id", 1, "racy-paths only makes sense with allow or approve" },
	{ "allow racy-paths racy-paths cmd id", 1, "racy-paths given twice" },
	{ "allow cmd id racy-paths", 1, "racy-paths must come before cmd" },
};

static void
test_policy_errors(void **state)
{
	size_t i, j, nfail = 0, n = sizeof(ecases) / sizeof(ecases[0]);
	char prefix[32], text[512], why[1024];
	struct gk_policy_errors errs;
	struct gk_policy *p;
	int r, found;

	(void)state;
	for (i = 0; i < n; i++) {
		const struct ecase *e = &ecases[i];

		memset(&errs, 0, sizeof(errs));
		why[0] = '\0';
		p = gk_policy_new();
		assert_non_null(p);
		r = gk_policy_parse(p, "t.policy", e->text, strlen(e->text),
		    &errs);
		snprintf(prefix, sizeof(prefix), "t.policy:%d: ", e->line);
		if (r <= 0 || errs.n == 0)
			snprintf(why, sizeof(why), "no error (returned %d)", r);
		else if ((size_t)r != errs.n)
			snprintf(why, sizeof(why), "returned %d with %zu "
			    "messages", r, errs.n);
		else {
			found = e->sub == NULL;
			for (j = 0; j < errs.n; j++) {
				if (strncmp(errs.msgs[j], prefix,
				    strlen(prefix)) != 0) {
					snprintf(why, sizeof(why), "message "
					    "\"%s\" does not start with \"%s\"",
					    errs.msgs[j], prefix);
					break;
				}
				if (e->sub != NULL &&
				    strstr(errs.msgs[j], e->sub) != NULL)
					found = 1;
			}
			if (why[0] == '\0' && !found)
				snprintf(why, sizeof(why), "no message "
				    "mentions \"%s\" (first: %s)", e->sub,
				    errs.msgs[0]);
		}
		if (why[0] != '\0') {
			nfail++;
			show(e->text, text, sizeof(text));
			print_message("# error case %zu: \"%s\": %s\n", i, text,
			    why);
		}
		errs_free(&errs);
		gk_policy_free(p);
	}
	print_message("# error table: %zu cases, %zu passed, %zu failed\n",
	    n, n - nfail, nfail);
	if (nfail > 0)
		fail_msg("%zu of %zu error cases failed (see above)", nfail, n);
}

/* Texts that must parse without errors. */
static const char *const valid[] = {
	"",
	"allow reason-match \"^OPS-[0-9]+( |$)\" cmd id",
	S "approve 1 by s reason-match OPS-[0-9]+ delay 10m cmd id",
	"allow cmd \"reason-match\"",
	"   # only a comment\n\n\t\n",
	"allow for alice, bob cmd id",
	"allow for * cmd id",
	"allow as backup cmd id",
	"allow cmd prog args \"path\" \"arg\"",
	S "approve 2 by s expire 1d delay 30s as backup reason name n "
	    "for :g,alice cmd id arg x path /y args z **",
	S "approve 2 by s cmd id",
	S "approve 1 by s delay 366d cmd id",
	S "approve 1 by s delay 8784h expire 527040m cmd id",
	S "approve 1 by s delay 31622400s cmd id",
	S "approve 1 by s racy-paths delay 1m cmd id",
	"allow racy-paths cmd id",
	"allow cmd \"racy-paths\"",
	EX,
};

static void
test_policy_valid(void **state)
{
	size_t i, nfail = 0, n = sizeof(valid) / sizeof(valid[0]);
	struct gk_policy_errors errs;
	struct gk_policy *p;
	char text[1024];
	int r;

	(void)state;
	for (i = 0; i < n; i++) {
		memset(&errs, 0, sizeof(errs));
		p = gk_policy_new();
		assert_non_null(p);
		r = gk_policy_parse(p, "t.policy", valid[i], strlen(valid[i]),
		    &errs);
		if (r != 0 || errs.n != 0) {
			nfail++;
			show(valid[i], text, sizeof(text));
			print_message("# valid case %zu: \"%s\": returned %d, "
			    "first: %s\n", i, text, r,
			    errs.n ? errs.msgs[0] : "(none)");
		}
		errs_free(&errs);
		gk_policy_free(p);
	}
	if (nfail > 0)
		fail_msg("%zu of %zu valid policies failed to parse", nfail, n);
}

static void
test_policy_multiple_errors(void **state)
{
	const char *text = "bogus\nallow cmd id\nallow cmd\n";
	struct gk_policy_errors errs = { .msgs = NULL };
	struct gk_policy *p;
	int r;

	(void)state;
	p = gk_policy_new();
	assert_non_null(p);
	r = gk_policy_parse(p, "t.policy", text, strlen(text), &errs);
	assert_int_equal(r, 2);
	assert_int_equal(errs.n, 2);
	assert_true(strncmp(errs.msgs[0], "t.policy:1: ", 12) == 0);
	assert_true(strncmp(errs.msgs[1], "t.policy:3: ", 12) == 0);
	errs_free(&errs);
	gk_policy_free(p);
}

/* The words the lexer hands the parser, seen in the parsed rule. */
static void
test_policy_lexer(void **state)
{
	struct gk_policy_errors errs = { .msgs = NULL };
	struct gk_policy *p;
	const struct gk_rule *r;

	(void)state;
	p = parse_ok("allow cmd echo args \"a\\\\b\" \"say \\\"hi\\\"\" "
	    "\"x y\" \"#\" \"\" \\\n  path /x\targ \"path\" # c \"d\n"
	    "allow for alice,:wheel name w cmd id\n"
	    "allow for bob, :adm,carol cmd id\n");
	assert_int_equal(p->nrules, 3);
	r = &p->rules[0];
	assert_int_equal(r->line, 1);
	assert_int_equal(r->nprogs, 1);
	assert_string_equal(r->progs[0], "echo");
	assert_int_equal(r->nmatches, 3);
	assert_int_equal(r->matches[0].kind, GK_MATCH_ARGS);
	assert_int_equal(r->matches[0].npats, 5);
	assert_string_equal(r->matches[0].pats[0], "a\\b");
	assert_string_equal(r->matches[0].pats[1], "say \"hi\"");
	assert_string_equal(r->matches[0].pats[2], "x y");
	assert_string_equal(r->matches[0].pats[3], "#");
	assert_string_equal(r->matches[0].pats[4], "");
	assert_int_equal(r->matches[1].kind, GK_MATCH_PATH);
	assert_int_equal(r->matches[1].npats, 1);
	assert_string_equal(r->matches[1].pats[0], "/x");
	assert_int_equal(r->matches[2].kind, GK_MATCH_ARG);
	assert_int_equal(r->matches[2].npats, 1);
	assert_string_equal(r->matches[2].pats[0], "path");
	assert_int_equal(r->nwho, 0);

	r = &p->rules[1];
	assert_int_equal(r->line, 3);
	assert_int_equal(r->nwho, 2);
	assert_string_equal(r->who[0].name, "alice");
	assert_false(r->who[0].group);
	assert_string_equal(r->who[1].name, "wheel");
	assert_true(r->who[1].group);
	assert_string_equal(r->label, "w");

	r = &p->rules[2];
	assert_int_equal(r->line, 4);
	assert_int_equal(r->nwho, 3);
	assert_string_equal(r->who[0].name, "bob");
	assert_string_equal(r->who[1].name, "adm");
	assert_true(r->who[1].group);
	assert_string_equal(r->who[2].name, "carol");
	assert_string_equal(r->label, "t.policy:4");
	gk_policy_free(p);

	/* only len bytes are text */
	p = gk_policy_new();
	assert_non_null(p);
	assert_int_equal(gk_policy_parse(p, "t.policy", "allow cmd idXXX\nbogus",
	    12, &errs), 0);
	assert_int_equal(errs.n, 0);
	assert_int_equal(p->nrules, 1);
	assert_int_equal(p->rules[0].nprogs, 1);
	assert_string_equal(p->rules[0].progs[0], "id");
	gk_policy_free(p);
	errs_free(&errs);
}

/* secure_path NULL means GK_SECURE_PATH. */
static void
test_default_secure_path(void **state)
{
	static const struct {
		const char *argv0;
		enum gk_action act;
	} c[] = {
		{ "ls", GK_ACT_LOCAL },			/* by name, installed or not */
		{ "gk-not-installed-here", GK_ACT_LOCAL },
		{ "/usr/bin/ls", GK_ACT_LOCAL },
		{ "/bin/ls", GK_ACT_LOCAL },
		{ "/usr/local/sbin/ls", GK_ACT_LOCAL },
		{ "/tmp/ls", GK_ACT_DENY },
		{ "/usr/lib/ls", GK_ACT_DENY },
		{ "/usr/bin/../lib/ls", GK_ACT_DENY },
	};
	struct gk_policy *p;
	struct gk_decision d;
	struct gk_query q;
	char *argv[2];
	size_t i, nfail = 0;

	(void)state;
	p = parse_ok("local cmd ls gk-not-installed-here");
	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		argv[0] = (char *)c[i].argv0;
		argv[1] = NULL;
		memset(&q, 0, sizeof(q));
		q.user = "dave";
		q.argc = 1;
		q.argv = argv;
		q.cwd = "/";
		memset(&d, 0, sizeof(d));
		assert_int_equal(gk_policy_decide(p, &q, &d), 0);
		if (d.action != c[i].act) {
			nfail++;
			print_message("# default path case %zu: %s: want %s, "
			    "got %s (%s)\n", i, c[i].argv0,
			    gk_action_name(c[i].act), gk_action_name(d.action),
			    d.why);
		}
		gk_decision_free(&d);
	}
	gk_policy_free(p);
	if (nfail > 0)
		fail_msg("%zu default secure path cases failed", nfail);
}

/* ------------------------------------------------------------------ */
/* Several files, decision fields                                      */

static void
test_policy_files(void **state)
{
	const char *a = "approvers s = x y\n";
	const char *b = "allow cmd id\napprove 2 by s cmd rm\n";
	const char *c = "\napprovers s = z\n";
	const char *dd = "allow name r cmd id\n";
	const char *e = "deny name r cmd rm\n";
	struct gk_policy_errors errs = { .msgs = NULL };
	char *argv[] = { "rm", "/tmp/x", NULL };
	struct gk_decision d;
	struct gk_query q;
	struct gk_policy *p;
	char *sp = subst("@T/bin");

	(void)state;
	p = gk_policy_new();
	assert_non_null(p);
	assert_int_equal(gk_policy_parse(p, "a.policy", a, strlen(a), &errs), 0);
	assert_int_equal(gk_policy_parse(p, "b.policy", b, strlen(b), &errs), 0);
	assert_int_equal(errs.n, 0);
	assert_int_equal(p->nsets, 1);
	assert_int_equal(p->nrules, 2);
	memset(&q, 0, sizeof(q));
	q.user = "dave";
	q.argc = 2;
	q.argv = argv;
	q.cwd = "/";
	q.secure_path = sp;
	memset(&d, 0, sizeof(d));
	assert_int_equal(gk_policy_decide(p, &q, &d), 0);
	assert_int_equal(d.action, GK_ACT_APPROVE);
	assert_non_null(d.rule);
	assert_string_equal(d.rule->label, "b.policy:2");
	assert_string_equal(d.rule->file, "b.policy");
	assert_int_equal(d.rule->line, 2);
	assert_int_equal(d.rule->need, 2);
	assert_string_equal(p->sets[d.rule->set].name, "s");
	gk_decision_free(&d);
	gk_policy_free(p);

	/* the set must come first, also across files */
	p = gk_policy_new();
	assert_non_null(p);
	assert_true(gk_policy_parse(p, "b.policy", b, strlen(b), &errs) >= 1);
	assert_true(errs.n >= 1);
	assert_true(strncmp(errs.msgs[0], "b.policy:2: ", 12) == 0);
	errs_free(&errs);
	gk_policy_free(p);

	/* a set or rule name defined twice across files */
	p = gk_policy_new();
	assert_non_null(p);
	assert_int_equal(gk_policy_parse(p, "a.policy", a, strlen(a), &errs), 0);
	assert_int_equal(gk_policy_parse(p, "c.policy", c, strlen(c), &errs), 1);
	assert_true(strncmp(errs.msgs[0], "c.policy:2: ", 12) == 0);
	errs_free(&errs);
	assert_int_equal(gk_policy_parse(p, "d.policy", dd, strlen(dd), &errs),
	    0);
	assert_int_equal(gk_policy_parse(p, "e.policy", e, strlen(e), &errs), 1);
	assert_true(strncmp(errs.msgs[0], "e.policy:1: ", 12) == 0);
	errs_free(&errs);
	gk_policy_free(p);
	free(sp);
}

static void
decide1(const struct gk_policy *p, const char *user, const char *argv0,
    struct gk_decision *d)
{
	char *a0 = subst(argv0), *sp = subst("@T/bin");
	char *argv[] = { a0, NULL };
	struct gk_query q;

	memset(&q, 0, sizeof(q));
	q.user = user;
	q.argc = 1;
	q.argv = argv;
	q.cwd = "/";
	q.secure_path = sp;
	memset(d, 0, sizeof(*d));
	assert_int_equal(gk_policy_decide(p, &q, d), 0);
	free(a0);
	free(sp);
}

static void
test_decision_fields(void **state)
{
	struct gk_policy *p;
	struct gk_decision d;
	char *exe;

	(void)state;
	p = parse_ok(
	    "approvers other = zed\n"
	    "approvers storage = alice bob carol\n"
	    "approve 2 by storage name disk-format delay 10m expire 7d "
	    "reason as backup cmd mkfs.*\n"
	    "allow cmd id\n"
	    "\n"
	    "approve 1 by other expire 30s cmd dd\n"
	    "approve 3 by storage delay 1h expire 366d cmd zfs\n");

	decide1(p, "dave", "mkfs.ext4", &d);
	assert_int_equal(d.action, GK_ACT_APPROVE);
	assert_non_null(d.rule);
	assert_string_equal(d.rule->label, "disk-format");
	assert_string_equal(d.rule->name, "disk-format");
	assert_int_equal(d.rule->action, GK_ACT_APPROVE);
	assert_int_equal(d.rule->need, 2);
	assert_string_equal(p->sets[d.rule->set].name, "storage");
	assert_int_equal(p->sets[d.rule->set].nmembers, 3);
	assert_string_equal(d.rule->as_user, "backup");
	assert_int_equal(d.rule->delay, 600);
	assert_int_equal(d.rule->expire, 7 * 86400);
	assert_true(d.rule->reason);
	assert_int_equal(d.rule->line, 3);
	assert_string_equal(d.rule->file, "t.policy");
	exe = subst("@T/bin/mkfs.ext4");
	assert_non_null(d.exe);
	assert_string_equal(d.exe, exe);
	free(exe);
	assert_int_equal(d.installed, 1);
	assert_true(d.secure);
	gk_decision_free(&d);

	decide1(p, "dave", "mkfs.xfs", &d);
	assert_int_equal(d.action, GK_ACT_APPROVE);
	assert_non_null(d.rule);
	assert_string_equal(d.rule->label, "disk-format");
	assert_null(d.exe);
	assert_int_equal(d.installed, 0);
	gk_decision_free(&d);

	decide1(p, "dave", "id", &d);
	assert_int_equal(d.action, GK_ACT_ALLOW);
	assert_non_null(d.rule);
	assert_string_equal(d.rule->label, "t.policy:4");
	assert_null(d.rule->name);
	assert_null(d.rule->as_user);
	assert_int_equal(d.rule->delay, 0);
	assert_int_equal(d.rule->expire, 0);
	assert_false(d.rule->reason);
	assert_int_equal(d.rule->line, 4);
	gk_decision_free(&d);

	decide1(p, "dave", "dd", &d);
	assert_int_equal(d.action, GK_ACT_APPROVE);
	assert_non_null(d.rule);
	assert_string_equal(d.rule->label, "t.policy:6");
	assert_int_equal(d.rule->need, 1);
	assert_string_equal(p->sets[d.rule->set].name, "other");
	assert_int_equal(d.rule->expire, 30);
	assert_int_equal(d.rule->delay, 0);
	gk_decision_free(&d);

	decide1(p, "dave", "zfs", &d);
	assert_int_equal(d.action, GK_ACT_APPROVE);
	assert_non_null(d.rule);
	assert_int_equal(d.rule->need, 3);
	assert_int_equal(d.rule->delay, 3600);
	assert_int_equal(d.rule->expire, 366 * 86400);
	gk_decision_free(&d);

	decide1(p, "dave", "nothing-here", &d);
	assert_int_equal(d.action, GK_ACT_DENY);
	assert_null(d.rule);
	gk_decision_free(&d);
	gk_policy_free(p);

	/* an empty policy denies everything */
	p = gk_policy_new();
	assert_non_null(p);
	decide1(p, "root", "id", &d);
	assert_int_equal(d.action, GK_ACT_DENY);
	assert_null(d.rule);
	gk_decision_free(&d);
	gk_policy_free(p);

	assert_non_null(gk_action_name(GK_ACT_DENY));
	assert_int_equal(strcasecmp(gk_action_name(GK_ACT_DENY), "deny"), 0);
	assert_int_equal(strcasecmp(gk_action_name(GK_ACT_LOCAL), "local"), 0);
	assert_int_equal(strcasecmp(gk_action_name(GK_ACT_ALLOW), "allow"), 0);
	assert_int_equal(strcasecmp(gk_action_name(GK_ACT_APPROVE), "approve"),
	    0);
}

/* The canonical argument paths handed back for the request digest. */
static void
test_reason_match(void **state)
{
	struct gk_policy *p;
	struct gk_decision d;

	(void)state;
	p = parse_ok(
	    "approvers s = alice bob\n"
	    "approve 2 by s name ticketed reason-match \"^(OPS|INC)-[0-9]+\" "
	    "cmd mkfs.*\n"
	    "allow reason cmd id\n"
	    "allow cmd true\n");
	decide1(p, "dave", "mkfs.ext4", &d);
	assert_non_null(d.rule);
	assert_string_equal(d.rule->label, "ticketed");
	assert_true(d.rule->reason);
	assert_string_equal(d.rule->reason_match, "^(OPS|INC)-[0-9]+");
	assert_int_equal(gk_rule_reason_ok(d.rule, "OPS-42 replace disk"), 1);
	assert_int_equal(gk_rule_reason_ok(d.rule, "INC-7"), 1);
	assert_int_equal(gk_rule_reason_ok(d.rule, ""), 0);
	assert_int_equal(gk_rule_reason_ok(d.rule, NULL), 0);
	assert_int_equal(gk_rule_reason_ok(d.rule, "because"), 0);
	assert_int_equal(gk_rule_reason_ok(d.rule, "see OPS-42"), 0);
	assert_int_equal(gk_rule_reason_ok(d.rule, "OPS-"), 0);
	gk_decision_free(&d);

	decide1(p, "dave", "id", &d);
	assert_non_null(d.rule);
	assert_true(d.rule->reason);
	assert_null(d.rule->reason_match);
	assert_int_equal(gk_rule_reason_ok(d.rule, "anything"), 1);
	assert_int_equal(gk_rule_reason_ok(d.rule, ""), 0);
	gk_decision_free(&d);

	decide1(p, "dave", "true", &d);
	assert_non_null(d.rule);
	assert_false(d.rule->reason);
	assert_int_equal(gk_rule_reason_ok(d.rule, ""), 1);
	gk_decision_free(&d);
	gk_policy_free(p);
}

static void
test_decision_paths(void **state)
{
	struct gk_policy *p;
	struct gk_decision d;
	struct gk_query q;
	char *a1 = subst("@T/link/file"), *sp = subst("@T/bin");
	char *want = subst("@T/real/file");
	char *argv[] = { "rm", a1, NULL };
	char *long_arg, *argv2[] = { "rm", NULL, NULL };
	size_t i;
	int found = 0;

	(void)state;
	p = parse_ok("allow cmd rm path /srv/backup/** @T/real/**");
	memset(&q, 0, sizeof(q));
	q.user = "dave";
	q.argc = 2;
	q.argv = argv;
	q.cwd = "/";
	q.secure_path = sp;
	memset(&d, 0, sizeof(d));
	assert_int_equal(gk_policy_decide(p, &q, &d), 0);
	assert_int_equal(d.action, GK_ACT_ALLOW);
	assert_true(d.npaths >= 1);
	for (i = 0; i < d.npaths; i++)
		if (d.paths[i] != NULL && strcmp(d.paths[i], want) == 0)
			found = 1;
	if (!found)
		fail_msg("decision paths lack %s (npaths %zu, first %s)", want,
		    d.npaths, d.npaths ? d.paths[0] : "-");
	gk_decision_free(&d);

	/* a path too long to canonicalise must deny, not match */
	long_arg = malloc(PATH_MAX * 2 + 32);
	assert_non_null(long_arg);
	strcpy(long_arg, "/srv/backup/");
	memset(long_arg + 12, 'a', PATH_MAX * 2);
	long_arg[12 + PATH_MAX * 2] = '\0';
	argv2[1] = long_arg;
	q.argv = argv2;
	memset(&d, 0, sizeof(d));
	assert_int_equal(gk_policy_decide(p, &q, &d), 0);
	assert_int_equal(d.action, GK_ACT_DENY);
	gk_decision_free(&d);
	free(long_arg);

	/* a symlink loop: deny, and say why */
	argv2[1] = subst("@T/loop/x");
	memset(&d, 0, sizeof(d));
	assert_int_equal(gk_policy_decide(p, &q, &d), 0);
	assert_int_equal(d.action, GK_ACT_DENY);
	assert_true(d.why[0] != '\0');
	gk_decision_free(&d);
	free(argv2[1]);

	gk_policy_free(p);
	free(a1);
	free(sp);
	free(want);
}

/* ------------------------------------------------------------------ */
/* Helpers                                                             */

struct canon_case {
	const char *cwd, *path, *want;
};

static const struct canon_case canon_cases[] = {
	{ "/", "//a//b/./c/../d", "/a/b/d" },
	{ "/", "/", "/" },
	{ "/", "/..", "/" },
	{ "/", "/../../srv", "/srv" },
	{ "/", "/srv/data/../backup/x", "/srv/backup/x" },
	{ "/", "/srv//backup/x", "/srv/backup/x" },
	{ "/", "/srv/backup/", "/srv/backup" },
	{ "/", "/srv/backup/.", "/srv/backup" },
	{ "/srv/backup", "x", "/srv/backup/x" },
	{ "/srv/data", "../backup/y", "/srv/backup/y" },
	{ "/srv/data", ".", "/srv/data" },
	{ "/", "srv", "/srv" },
	{ "@T", "link/file", "@T/real/file" },
	{ "/", "@T/link/file", "@T/real/file" },
	{ "/", "@T/link/nofile", "@T/real/nofile" },
	{ "/", "@T/link/nofile/x/../y", "@T/real/nofile/y" },
	{ "/", "@T/link", "@T/real" },
	{ "/", "@T/a/l/../file", "@T/real/file" },
	{ "/", "@T/a/l/x", "@T/real/sub/x" },
	{ "@T/link", "file", "@T/real/file" },
	{ "@T/link", "../outside", "@T/outside" },
	{ "/", "@T/real/esc/f", "@T/outside/f" },
	{ "/", "@T/binlink/id", "@T/bin/id" },
};

static void
test_canon_path(void **state)
{
	char out[PATH_MAX], *cwd, *path, *want;
	size_t i, nfail = 0, n = sizeof(canon_cases) / sizeof(canon_cases[0]);
	int r;

	(void)state;
	for (i = 0; i < n; i++) {
		cwd = subst(canon_cases[i].cwd);
		path = subst(canon_cases[i].path);
		want = subst(canon_cases[i].want);
		memset(out, 0, sizeof(out));
		r = gk_canon_path(cwd, path, out, sizeof(out));
		if (r != 0 || strcmp(out, want) != 0) {
			nfail++;
			print_message("# canon case %zu: cwd %s path %s: want "
			    "%s, got %d \"%s\"\n", i, cwd, path, want, r, out);
		}
		free(cwd);
		free(path);
		free(want);
	}
	/* a symlink loop */
	path = subst("@T/loop/x");
	assert_int_equal(gk_canon_path("/", path, out, sizeof(out)),
	    GK_ERR_SYSTEM);
	free(path);
	/* too long for out */
	assert_int_equal(gk_canon_path("/", "/srv/backup/x", out, 8),
	    GK_ERR_LIMIT);
	if (nfail > 0)
		fail_msg("%zu of %zu canon cases failed", nfail, n);
}

/* Paths through procfs: flagged by gk_canon_path_proc, refused by
 * gk_canon_args (the exec-time re-check), whatever they resolve to. */
static void
test_canon_procfs(void **state)
{
	static const struct {
		const char *cwd, *path;
		int proc;
	} pc[] = {
		{ "/", "/proc/self/cwd/disk.img", 1 },
		{ "/", "/proc/self/root/etc/passwd", 1 },
		{ "/", "/proc/self/root", 1 },
		{ "/", "/proc/nonexistent/x", 1 },
		{ "/", "/dev/fd/0", 1 },
		{ "/", "/dev/stdin", 1 },
		{ "/", "@T/proclink/cwd/x", 1 },
		{ "/", "@T/fdlink/3", 1 },
		{ "/proc/self", "x", 1 },
		{ "/proc", "self/cwd", 1 },
		{ "/", "/proc", 0 },
		{ "/", "/proc/../etc/passwd", 0 },
		{ "/", "@T/real/file", 0 },
		{ "/", "/srv/backup/x", 0 },
	};
	char out[PATH_MAX], *cwd, *path, *argv[3], why[256];
	char **paths;
	size_t i, n, nfail = 0;
	int r, proc;

	(void)state;
	for (i = 0; i < sizeof(pc) / sizeof(pc[0]); i++) {
		cwd = subst(pc[i].cwd);
		path = subst(pc[i].path);
		proc = -1;
		r = gk_canon_path_proc(cwd, path, out, sizeof(out), &proc);
		if (r != 0 || proc != pc[i].proc) {
			nfail++;
			print_message("# procfs case %zu: %s in %s: want %d, got "
			    "%d (returned %d)\n", i, path, cwd, pc[i].proc, proc,
			    r);
		}
		argv[0] = "rm";
		argv[1] = path;
		argv[2] = NULL;
		why[0] = '\0';
		r = gk_canon_args(cwd, 2, argv, &paths, &n, why, sizeof(why));
		if (pc[i].proc ? r != GK_ERR_UNSAFE || strstr(why,
		    "argument 1") == NULL || strstr(why, "/proc") == NULL :
		    r != 0) {
			nfail++;
			print_message("# procfs case %zu: gk_canon_args(%s) "
			    "returned %d: %s\n", i, path, r, why);
		}
		if (r == 0)
			gk_strv_free(paths, n);
		free(cwd);
		free(path);
	}
	if (nfail > 0)
		fail_msg("%zu procfs cases failed", nfail);
}

/* The values of NAME=VALUE, --opt=VALUE and -Xvalue words are canonical
 * paths too, after the arguments themselves. */
static void
test_canon_args_values(void **state)
{
	char *argv[] = { "mkfs.ext4", "-F", "-d./src", "-t/srv/b", "-Lname",
	    "-o../x", "of=/dev/sda", "--", "-d/no", "disk.img", NULL };
	char **paths, why[256];
	size_t n, i;
	int has_src = 0, has_b = 0, has_x = 0, has_no = 0, has_name = 0;
	int has_dev = 0;

	(void)state;
	assert_int_equal(gk_canon_args("/srv/w", 10, argv, &paths, &n, why,
	    sizeof(why)), 0);
	for (i = 9; i < n; i++) {
		has_src |= strcmp(paths[i], "/srv/w/src") == 0;
		has_b |= strcmp(paths[i], "/srv/b") == 0;
		has_x |= strcmp(paths[i], "/srv/x") == 0;
		has_no |= strcmp(paths[i], "/no") == 0;
		has_name |= strstr(paths[i], "name") != NULL;
		has_dev |= strcmp(paths[i], "/dev/sda") == 0;
	}
	assert_true(has_src);
	assert_true(has_b);
	assert_true(has_x);
	assert_false(has_no);	/* after "--" a word is a file name */
	assert_false(has_name);	/* -Lname is no path */
	assert_true(has_dev);
	assert_string_equal(paths[9], "/srv/w/src");	/* in argument order */
	gk_strv_free(paths, n);
}

/* What is recorded of a path at request time and compared at exec. */
static void
test_path_id(void **state)
{
	char *path = subst("@T/real/file"), id[64], want[64];
	struct stat st;

	(void)state;
	assert_int_equal(lstat(path, &st), 0);
	snprintf(want, sizeof(want), "%llu:%llu",
	    (unsigned long long)st.st_dev, (unsigned long long)st.st_ino);
	assert_int_equal(gk_path_id(path, id, sizeof(id)), 0);
	assert_string_equal(id, want);
	free(path);
	path = subst("@T/real/absent");
	assert_int_equal(gk_path_id(path, id, sizeof(id)), 0);
	assert_string_equal(id, "-");
	free(path);
	path = subst("@T/real/file/under");
	assert_int_equal(gk_path_id(path, id, sizeof(id)), 0);
	assert_string_equal(id, "-");
	free(path);
}

static void
test_glob_arg(void **state)
{
	(void)state;
	assert_int_equal(gk_glob_arg("a|b", "a"), 1);
	assert_int_equal(gk_glob_arg("a|b", "b"), 1);
	assert_int_equal(gk_glob_arg("a|b", "c"), 0);
	assert_int_equal(gk_glob_arg("a|b", "ab"), 0);
	assert_int_equal(gk_glob_arg("list|get|status", "gets"), 0);
	assert_int_equal(gk_glob_arg("list|get|status", "status"), 1);
	assert_int_equal(gk_glob_arg("x*|y", "xyz"), 1);
	assert_int_equal(gk_glob_arg("y|x*", "xyz"), 1);
	assert_int_equal(gk_glob_arg("*", "a/b"), 1);
	assert_int_equal(gk_glob_arg("of=/dev/*", "of=/dev/disk/by-id/x"), 1);
	assert_int_equal(gk_glob_arg("of=/dev/*", "of=/dev/sda"), 1);
	assert_int_equal(gk_glob_arg("of=/dev/*", "of=/tmp/img"), 0);
	assert_int_equal(gk_glob_arg("of=/dev/*", "xof=/dev/sda"), 0);
	assert_int_equal(gk_glob_arg("a?c", "a/c"), 1);
	assert_int_equal(gk_glob_arg("[ab]c", "bc"), 1);
	assert_int_equal(gk_glob_arg("[ab]c", "cc"), 0);
	assert_int_equal(gk_glob_arg("-r", "-r"), 1);
	assert_int_equal(gk_glob_arg("-r", "-rf"), 0);
}

static void
test_glob_path(void **state)
{
	(void)state;
	assert_int_equal(gk_glob_path("/srv/backup/**", "/srv/backup"), 1);
	assert_int_equal(gk_glob_path("/srv/backup/**", "/srv/backup/x"), 1);
	assert_int_equal(gk_glob_path("/srv/backup/**", "/srv/backup/a/b/c"), 1);
	assert_int_equal(gk_glob_path("/srv/backup/**", "/srv/backupX"), 0);
	assert_int_equal(gk_glob_path("/srv/backup/**", "/srv/backup-old/x"), 0);
	assert_int_equal(gk_glob_path("/srv/backup/**", "/srv"), 0);
	assert_int_equal(gk_glob_path("/srv/*/x", "/srv/a/x"), 1);
	assert_int_equal(gk_glob_path("/srv/*/x", "/srv/a/b/x"), 0);
	assert_int_equal(gk_glob_path("/dev/*", "/dev/sda"), 1);
	assert_int_equal(gk_glob_path("/dev/*", "/dev/disk/x"), 0);
	assert_int_equal(gk_glob_path("/a?b", "/a/b"), 0);
	assert_int_equal(gk_glob_path("/a?b", "/axb"), 1);
	assert_int_equal(gk_glob_path("/opt/**/bin", "/opt/a/b/bin"), 1);
	assert_int_equal(gk_glob_path("/opt/**/bin", "/opt/a/b/sbin"), 0);
	assert_int_equal(gk_glob_path("/srv/x", "/srv/x"), 1);
	assert_int_equal(gk_glob_path("/srv/x", "/srv/x/y"), 0);
	assert_int_equal(gk_glob_path("/dev/sd[a-c]", "/dev/sdb"), 1);
	assert_int_equal(gk_glob_path("/dev/sd[a-c]", "/dev/sdd"), 0);
	assert_int_equal(gk_glob_path("/dev/sd[!a]", "/dev/sda"), 0);
	assert_int_equal(gk_glob_path("/dev/sd[!a]", "/dev/sdb"), 1);
	assert_int_equal(gk_glob_path("/x[/]y", "/x/y"), 0);
	assert_int_equal(gk_glob_path("/**", "/"), 1);
	assert_int_equal(gk_glob_path("/**", "/etc/passwd"), 1);
	assert_int_equal(gk_glob_path("/srv/**/x", "/srv/a/b/x"), 1);
	assert_int_equal(gk_glob_path("/srv/**/x", "/srv/a/b/y"), 0);
	assert_int_equal(gk_glob_path("/srv/*", "/srv"), 0);
}

static void
test_path_value(void **state)
{
	(void)state;
	assert_string_equal(gk_path_value("of=/dev/sda"), "/dev/sda");
	assert_string_equal(gk_path_value("--target=/x"), "/x");
	assert_string_equal(gk_path_value("x=/a=b"), "/a=b");
	assert_null(gk_path_value("a/b=c"));
	assert_null(gk_path_value("/srv/a=b"));
	assert_null(gk_path_value("plain"));
	assert_null(gk_path_value("/srv/backup"));
}

struct resolve_case {
	const char *argv0, *cwd, *sp;
	const char *exe;	/* NULL: none */
	int installed, secure;
};

static const struct resolve_case resolve_cases[] = {
	{ "id", "/", "@T/bin", "@T/bin/id", 1, 1 },
	{ "mkfs.xfs", "/", "@T/bin", NULL, 0, 1 },
	{ "id", "/", "@T/empty:@T/bin", "@T/bin/id", 1, 1 },
	{ "id", "/", "@T/bin2:@T/bin", "@T/bin2/id", 1, 1 },
	{ "noexec", "/", "@T/bin2:@T/bin", "@T/bin/noexec", 1, 1 },
	{ "dd", "/", "@T/bin2:@T/bin", "@T/bin/dd", 1, 1 },
	{ "@T/bin/id", "/", "@T/bin", "@T/bin/id", 1, 1 },
	{ "@T/binlink/id", "/", "@T/bin", "@T/bin/id", 1, 1 },
	{ "@T/other/id", "/", "@T/bin", "@T/other/id", 1, 0 },
	{ "./id", "@T/other", "@T/bin", "@T/other/id", 1, 0 },
	{ "@T/bin/../other/id", "/", "@T/bin", "@T/other/id", 1, 0 },
};

static void
test_resolve_program(void **state)
{
	size_t i, nfail = 0, n = sizeof(resolve_cases) / sizeof(resolve_cases[0]);
	char *a0, *cwd, *sp, *want, *exe;
	int installed, secure, r;

	(void)state;
	for (i = 0; i < n; i++) {
		const struct resolve_case *c = &resolve_cases[i];

		a0 = subst(c->argv0);
		cwd = subst(c->cwd);
		sp = subst(c->sp);
		want = subst(c->exe);
		exe = NULL;
		installed = secure = -1;
		r = gk_resolve_program(a0, cwd, sp, &exe, &installed, &secure);
		if (r != 0 || installed != c->installed ||
		    !!secure != !!c->secure || (want == NULL) != (exe == NULL) ||
		    (want != NULL && strcmp(want, exe) != 0)) {
			nfail++;
			print_message("# resolve case %zu: %s (cwd %s, path %s): "
			    "want exe %s installed %d secure %d, got %d exe %s "
			    "installed %d secure %d\n", i, a0, cwd, sp,
			    want ? want : "NULL", c->installed, c->secure, r,
			    exe ? exe : "NULL", installed, secure);
		}
		free(exe);
		free(a0);
		free(cwd);
		free(sp);
		free(want);
	}
	if (nfail > 0)
		fail_msg("%zu of %zu resolve cases failed", nfail, n);
}

/* ------------------------------------------------------------------ */
/* Loading a directory                                                 */

static char *
mkpoldir(const char *name)
{
	char p[PATH_MAX];

	snprintf(p, sizeof(p), "%s/%s", tmpdir, name);
	if (mkdir(p, 0755) == -1)
		fail_msg("mkdir %s: %s", p, strerror(errno));
	return strdup(p);
}

static void
polfile(const char *dir, const char *name, const char *text, mode_t mode)
{
	char p[PATH_MAX];
	int fd;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, mode);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	assert_int_equal(chmod(p, mode), 0);
}

/* Loads dir; expects an error naming `name` (when not NULL). */
static void
load_fails(const char *dir, const char *name)
{
	struct gk_policy_errors errs = { .msgs = NULL };
	struct gk_policy *out = (struct gk_policy *)1;
	size_t i;
	int r, found = name == NULL;

	r = gk_policy_load_dir(dir, &out, &errs);
	if (r == 0)
		fail_msg("loading %s succeeded", dir);
	assert_null(out);
	assert_true(errs.n >= 1);
	for (i = 0; i < errs.n; i++)
		if (name != NULL && strstr(errs.msgs[i], name) != NULL)
			found = 1;
	if (!found)
		fail_msg("loading %s: no error names %s (first: %s)", dir, name,
		    errs.msgs[0]);
	errs_free(&errs);
}

static void
test_load_dir(void **state)
{
	struct gk_policy_errors errs = { .msgs = NULL };
	struct gk_policy *out = NULL, *out2 = NULL;
	struct gk_decision d;
	char *dir, p[PATH_MAX], q[PATH_MAX];
	int r;

	(void)state;
	/* two files, the set in the first; other names ignored */
	dir = mkpoldir("pol-ok");
	polfile(dir, "10-a.policy", "approvers s = alice bob\n", 0644);
	polfile(dir, "20-b.policy", "approve 1 by s name r cmd id\n", 0644);
	polfile(dir, "README", "this is not a policy\n", 0644);
	polfile(dir, "30-c.policy.bak", "garbage here\n", 0666);
	r = gk_policy_load_dir(dir, &out, &errs);
	if (r != 0)
		fail_msg("load %s: %d, first: %s", dir, r,
		    errs.n ? errs.msgs[0] : "(none)");
	assert_non_null(out);
	assert_int_equal(errs.n, 0);
	assert_int_equal(out->nsets, 1);
	assert_int_equal(out->nrules, 1);
	assert_int_equal(out->nfiles, 2);
	decide1(out, "dave", "id", &d);
	assert_int_equal(d.action, GK_ACT_APPROVE);
	assert_non_null(d.rule);
	assert_string_equal(d.rule->label, "r");
	gk_decision_free(&d);
	/* the same files give the same digest, other bytes another */
	r = gk_policy_load_dir(dir, &out2, &errs);
	assert_int_equal(r, 0);
	assert_memory_equal(out->digest, out2->digest, 32);
	gk_policy_free(out2);
	out2 = NULL;
	polfile(dir, "20-b.policy", "approve 2 by s name r cmd id\n", 0644);
	r = gk_policy_load_dir(dir, &out2, &errs);
	assert_int_equal(r, 0);
	assert_memory_not_equal(out->digest, out2->digest, 32);
	gk_policy_free(out2);
	out2 = NULL;
	/* the texts it was made from rebuild it: same digest and labels,
	 * whatever order they come in */
	assert_int_equal(out->ntexts, 2);
	assert_string_equal(out->texts[0].name, "10-a.policy");
	assert_string_equal(out->texts[1].text, "approve 1 by s name r cmd id\n");
	{
		struct gk_policy_text sw[2];

		sw[0] = out->texts[1];
		sw[1] = out->texts[0];
		r = gk_policy_from_texts(dir, sw, 2, &out2, &errs);
	}
	assert_int_equal(r, 0);
	assert_memory_equal(out->digest, out2->digest, 32);
	assert_int_equal(out2->nrules, 1);
	assert_string_equal(out2->rules[0].label, "r");
	snprintf(p, sizeof(p), "%s/20-b.policy", dir);
	assert_string_equal(out2->rules[0].file, p);
	gk_policy_free(out2);
	out2 = NULL;
	/* 20-b alone names an undefined set; a name with '/' is refused;
	 * 10-a alone gives another digest */
	{
		struct gk_policy_text one = out->texts[1];

		assert_int_equal(gk_policy_from_texts(dir, &one, 1, &out2,
		    &errs), GK_ERR_POLICY);	/* s is undefined */
		errs_free(&errs);
		one = out->texts[0];
		one.name = "../10-a.policy";
		assert_int_equal(gk_policy_from_texts(dir, &one, 1, &out2,
		    &errs), GK_ERR_POLICY);
		assert_null(out2);
		errs_free(&errs);
		one = out->texts[0];
		assert_int_equal(gk_policy_from_texts(dir, &one, 1, &out2,
		    &errs), 0);
		assert_memory_not_equal(out->digest, out2->digest, 32);
		gk_policy_free(out2);
		out2 = NULL;
	}
	gk_policy_free(out);

	/* lexical order: a set used in 10- but defined in 20- */
	free(dir);
	dir = mkpoldir("pol-order");
	polfile(dir, "10-b.policy", "approve 1 by s cmd id\n", 0644);
	polfile(dir, "20-a.policy", "approvers s = alice\n", 0644);
	load_fails(dir, "10-b.policy:1:");

	/* a parse error anywhere: nothing is loaded */
	free(dir);
	dir = mkpoldir("pol-bad");
	polfile(dir, "10-a.policy", "allow cmd id\n", 0644);
	polfile(dir, "20-b.policy", "allow cmd id\nbogus\n", 0644);
	load_fails(dir, "20-b.policy:2:");

	/* a group-writable file */
	free(dir);
	dir = mkpoldir("pol-gw");
	polfile(dir, "10-a.policy", "allow cmd id\n", 0664);
	load_fails(dir, "10-a.policy");

	/* an other-writable file */
	free(dir);
	dir = mkpoldir("pol-ow");
	polfile(dir, "10-a.policy", "allow cmd id\n", 0644);
	polfile(dir, "20-w.policy", "allow cmd rm\n", 0646);
	load_fails(dir, "20-w.policy");

	/* a file owned by someone else */
	free(dir);
	dir = mkpoldir("pol-own");
	polfile(dir, "10-a.policy", "allow cmd id\n", 0644);
	snprintf(p, sizeof(p), "%s/10-a.policy", dir);
	assert_int_equal(chown(p, 20001, 20001), 0);
	load_fails(dir, "10-a.policy");

	/* a symlinked policy file */
	free(dir);
	dir = mkpoldir("pol-link");
	polfile(dir, "10-a.policy", "allow cmd id\n", 0644);
	snprintf(p, sizeof(p), "%s/20-l.policy", dir);
	assert_int_equal(symlink("10-a.policy", p), 0);
	load_fails(dir, "20-l.policy");

	/* no policy files at all */
	free(dir);
	dir = mkpoldir("pol-empty");
	load_fails(dir, NULL);
	free(dir);
	dir = mkpoldir("pol-none");
	polfile(dir, "README", "allow cmd id\n", 0644);
	polfile(dir, "x.policy~", "allow cmd id\n", 0644);
	load_fails(dir, NULL);

	/* the directory itself: group-writable, foreign owner, symlink */
	free(dir);
	dir = mkpoldir("pol-dgw");
	polfile(dir, "10-a.policy", "allow cmd id\n", 0644);
	assert_int_equal(chmod(dir, 0775), 0);
	load_fails(dir, NULL);
	free(dir);
	dir = mkpoldir("pol-down");
	polfile(dir, "10-a.policy", "allow cmd id\n", 0644);
	assert_int_equal(chown(dir, 20001, 20001), 0);
	load_fails(dir, NULL);
	snprintf(q, sizeof(q), "%s/pol-dlink", tmpdir);
	assert_int_equal(symlink("pol-ok", q), 0);
	load_fails(q, NULL);
	snprintf(q, sizeof(q), "%s/pol-missing", tmpdir);
	load_fails(q, NULL);
	free(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_policy_table),
		cmocka_unit_test(test_policy_errors),
		cmocka_unit_test(test_policy_valid),
		cmocka_unit_test(test_policy_multiple_errors),
		cmocka_unit_test(test_policy_lexer),
		cmocka_unit_test(test_default_secure_path),
		cmocka_unit_test(test_policy_files),
		cmocka_unit_test(test_decision_fields),
		cmocka_unit_test(test_reason_match),
		cmocka_unit_test(test_decision_paths),
		cmocka_unit_test(test_canon_path),
		cmocka_unit_test(test_canon_procfs),
		cmocka_unit_test(test_canon_args_values),
		cmocka_unit_test(test_path_id),
		cmocka_unit_test(test_glob_arg),
		cmocka_unit_test(test_glob_path),
		cmocka_unit_test(test_path_value),
		cmocka_unit_test(test_resolve_program),
		cmocka_unit_test(test_load_dir),
	};

	return cmocka_run_group_tests_name("policy", tests, group_setup,
	    group_teardown);
}
