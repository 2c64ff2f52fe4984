/* Unit tests for pam_module/sudoargs.c: sudo's command line. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "buf.h"
#include "../../pam_module/sudoargs.h"

#define ARGC(v)	((int)(sizeof(v) / sizeof(v[0])))

/* Parses v and checks the command found (NULL-terminated want). */
static void
parses(int argc, char *const *v, const char *target, const char *chdir,
    int shell, int login, const char *const *want)
{
	struct gk_sudo_cmd c;
	char why[256] = "";
	size_t n = 0;

	if (gk_sudo_parse(argc, v, &c, why, sizeof(why)) != 0)
		fail_msg("refused: %s", why);
	while (want[n] != NULL)
		n++;
	assert_int_equal(c.nargs, n);
	for (n = 0; want[n] != NULL; n++)
		assert_string_equal(c.args[n], want[n]);
	if (target == NULL)
		assert_null(c.target);
	else
		assert_string_equal(c.target, target);
	if (chdir == NULL)
		assert_null(c.chdir);
	else
		assert_string_equal(c.chdir, chdir);
	assert_int_equal(c.shell, shell);
	assert_int_equal(c.login, login);
}

/* Refused, with why containing pat. */
static void
refuses(int argc, char *const *v, const char *pat)
{
	struct gk_sudo_cmd c;
	char why[256] = "";

	assert_int_equal(gk_sudo_parse(argc, v, &c, why, sizeof(why)), -1);
	if (strstr(why, pat) == NULL)
		fail_msg("refused for another reason: %s (wanted %s)", why, pat);
}

static void
plain_commands(void **state)
{
	char *a[] = { "sudo", "mkfs.ext4", "-q", "/dev/sdb" };
	char *b[] = { "/usr/bin/sudo", "-n", "--", "-weird", "x" };
	char *c[] = { "sudo", "-nHk", "id", "-u" };
	char *d[] = { "sudo", "-A", "-b", "-B", "-N", "-P", "-S", "id" };
	char *e[] = { "sudo", "-C", "5", "-p", "pw: ", "-T10", "--prompt=x",
	    "--close-from", "4", "true" };
	const char *wa[] = { "mkfs.ext4", "-q", "/dev/sdb", NULL };
	const char *wb[] = { "-weird", "x", NULL };
	const char *wc[] = { "id", "-u", NULL };
	const char *wd[] = { "id", NULL };
	const char *we[] = { "true", NULL };

	(void)state;
	parses(ARGC(a), a, NULL, NULL, 0, 0, wa);
	parses(ARGC(b), b, NULL, NULL, 0, 0, wb);
	parses(ARGC(c), c, NULL, NULL, 0, 0, wc);
	parses(ARGC(d), d, NULL, NULL, 0, 0, wd);
	parses(ARGC(e), e, NULL, NULL, 0, 0, we);
}

static void
run_as_and_chdir(void **state)
{
	char *a[] = { "sudo", "-u", "bob", "id" };
	char *b[] = { "sudo", "-ubob", "id" };
	char *c[] = { "sudo", "-nu", "#1000", "id" };
	char *d[] = { "sudo", "--user=bob", "id" };
	char *e[] = { "sudo", "--user", "bob", "-D", "/srv", "id" };
	char *f[] = { "sudo", "--chdir=/srv", "id" };
	const char *w[] = { "id", NULL };

	(void)state;
	parses(ARGC(a), a, "bob", NULL, 0, 0, w);
	parses(ARGC(b), b, "bob", NULL, 0, 0, w);
	parses(ARGC(c), c, "#1000", NULL, 0, 0, w);
	parses(ARGC(d), d, "bob", NULL, 0, 0, w);
	parses(ARGC(e), e, "bob", "/srv", 0, 0, w);
	parses(ARGC(f), f, NULL, "/srv", 0, 0, w);
}

static void
shells(void **state)
{
	char *a[] = { "sudo", "-s" };
	char *b[] = { "sudo", "-i", "ls", "-l" };
	char *c[] = { "sudo", "--shell", "--", "echo", "a b;c" };
	const char *none[] = { NULL };
	const char *wb[] = { "ls", "-l", NULL };
	const char *wc[] = { "echo", "a b;c", NULL };

	(void)state;
	parses(ARGC(a), a, NULL, NULL, 1, 0, none);
	parses(ARGC(b), b, NULL, NULL, 0, 1, wb);
	parses(ARGC(c), c, NULL, NULL, 1, 0, wc);
}

static void
refusals(void **state)
{
	char *a[] = { "sudo", "-g", "wheel", "id" };
	char *b[] = { "sudo", "-e", "/etc/shadow" };
	char *c[] = { "sudoedit", "/etc/shadow" };
	char *d[] = { "sudo", "-l" };
	char *e[] = { "sudo", "--us", "root", "id" };
	char *f[] = { "sudo", "-x", "id" };
	char *g[] = { "sudo", "LD_PRELOAD=/tmp/x.so", "id" };
	char *h[] = { "sudo", "-n" };
	char *i[] = { "sudo", "-u" };
	char *j[] = { "sudo", "-D", "rel", "id" };
	char *k[] = { "sudo", "-s", "-i" };
	char *l[] = { "sudo", "--host=other", "id" };
	char *m[] = { "sudo", "-R", "/mnt", "id" };
	char *n[] = { "sudo", "-nv" };
	char *o[] = { "sudo", "--non-interactive=1", "id" };
	char *p[] = { "not-sudo", "id" };
	char *q[] = { "sudo", "-E", "id" };
	char *r[] = { "sudo", "--preserve-env", "id" };
	char *s[] = { "sudo", "--preserve-env=BORG_RSH", "borg", "delete", "x" };
	char *t[] = { "sudo", "-nE", "id" };

	(void)state;
	refuses(ARGC(a), a, "another group");
	refuses(ARGC(b), b, "sudoedit");
	refuses(ARGC(c), c, "sudoedit");
	refuses(ARGC(d), d, "listing");
	refuses(ARGC(e), e, "abbreviations");
	refuses(ARGC(f), f, "unknown option -x");
	refuses(ARGC(g), g, "VAR=value");
	refuses(ARGC(h), h, "no command");
	refuses(ARGC(i), i, "needs a value");
	refuses(ARGC(j), j, "absolute");
	refuses(ARGC(k), k, "together");
	refuses(ARGC(l), l, "another host");
	refuses(ARGC(m), m, "chroot");
	refuses(ARGC(n), n, "validating");
	refuses(ARGC(o), o, "takes no value");
	refuses(ARGC(p), p, "not run as sudo");
	refuses(ARGC(q), q, "caller's environment");
	refuses(ARGC(r), r, "caller's environment");
	refuses(ARGC(s), s, "caller's environment");
	refuses(ARGC(t), t, "caller's environment");
	refuses(0, p, "empty");
}

/* The argv sudo runs: the command, or the shell, or shell -c ESCAPED. */
static void
argv_built(void **state)
{
	char *a[] = { "sudo", "mkfs", "-q" };
	char *b[] = { "sudo", "-s" };
	char *c[] = { "sudo", "-i", "echo", "a b;$HOME", "x_y-z" };
	struct gk_sudo_cmd cmd;
	char why[200], **v;
	size_t n;

	(void)state;
	assert_int_equal(gk_sudo_parse(ARGC(a), a, &cmd, why, sizeof(why)), 0);
	assert_int_equal(gk_sudo_argv(&cmd, "/bin/sh", &v, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(v[0], "mkfs");
	assert_string_equal(v[1], "-q");
	assert_null(v[2]);
	gk_strv_free(v, n);

	assert_int_equal(gk_sudo_parse(ARGC(b), b, &cmd, why, sizeof(why)), 0);
	assert_int_equal(gk_sudo_argv(&cmd, "/bin/zsh", &v, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(v[0], "/bin/zsh");
	assert_null(v[1]);
	gk_strv_free(v, n);
	assert_int_equal(gk_sudo_argv(&cmd, NULL, &v, &n), -1);

	assert_int_equal(gk_sudo_parse(ARGC(c), c, &cmd, why, sizeof(why)), 0);
	assert_int_equal(gk_sudo_argv(&cmd, "/bin/bash", &v, &n), 0);
	assert_int_equal(n, 3);
	assert_string_equal(v[0], "/bin/bash");
	assert_string_equal(v[1], "-c");
	assert_string_equal(v[2], "echo a\\ b\\;$HOME x_y-z");
	gk_strv_free(v, n);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(plain_commands),
		cmocka_unit_test(run_as_and_chdir),
		cmocka_unit_test(shells),
		cmocka_unit_test(refusals),
		cmocka_unit_test(argv_built),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
