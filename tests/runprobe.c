/*
 * A program that says how it was run: put where sudo or su executes it,
 * it appends one line to ran.log in the directory above its own
 * (DIR/sbin/gkprobe -> DIR/ran.log): the file the kernel ran (from
 * /proc/self/exe), real and effective ids, cwd, and its argv escaped as
 * gatekeeperd writes commands into the audit log, so a test can compare
 * what ran with what was decided. Tests only; never installed.
 */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "escape.h"

int
main(int argc, char **argv)
{
	char exe[PATH_MAX], logp[PATH_MAX + 16], cwd[PATH_MAX], *esc, *s;
	ssize_t n;
	FILE *f;

	if ((n = readlink("/proc/self/exe", exe, sizeof(exe) - 1)) < 0)
		return 111;
	exe[n] = '\0';
	snprintf(logp, sizeof(logp), "%s", exe);
	if ((s = strrchr(logp, '/')) == NULL)
		return 111;
	*s = '\0';
	if ((s = strrchr(logp, '/')) == NULL)
		return 111;
	strcpy(s, "/ran.log");
	if (getcwd(cwd, sizeof(cwd)) == NULL)
		strcpy(cwd, "?");
	if ((esc = gk_escape_argv((size_t)argc, argv)) == NULL ||
	    (f = fopen(logp, "a")) == NULL)
		return 111;
	fprintf(f, "exe=%s uid=%u euid=%u gid=%u egid=%u cwd=%s argv=%s\n",
	    exe, (unsigned)getuid(), (unsigned)geteuid(), (unsigned)getgid(),
	    (unsigned)getegid(), cwd, esc);
	return fclose(f) == 0 ? 0 : 111;
}
