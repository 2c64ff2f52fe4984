/* Unit tests for pam_module/suargs.c: su's command line, and the argv su
 * executes for it (util-linux 2.38's su-common.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "buf.h"
#include "../../pam_module/suargs.h"

#define ARGC(v)	((int)(sizeof(v) / sizeof(v[0])))

/* The argv su would run v with shell, joined by '|'. */
static void
runs(int argc, char *const *v, int posix, const char *shell, const char *user,
    const char *want)
{
	struct gk_su_cmd c;
	char why[256] = "", got[1024] = "", **ops = NULL, **av = NULL;
	size_t n = 0, i;

	if (gk_su_parse(argc, v, posix, &c, &ops, why, sizeof(why)) != 0)
		fail_msg("refused: %s", why);
	if (user == NULL)
		assert_null(c.user);
	else
		assert_string_equal(c.user, user);
	assert_int_equal(gk_su_argv(&c, shell, &av, &n), 0);
	for (i = 0; i < n; i++) {
		strcat(got, i ? "|" : "");
		strcat(got, av[i]);
	}
	assert_string_equal(got, want);
	gk_strv_free(av, n);
	free(ops);
}

static void
refuses(int argc, char *const *v, const char *pat)
{
	struct gk_su_cmd c;
	char why[256] = "", **ops = NULL;

	assert_int_equal(gk_su_parse(argc, v, 0, &c, &ops, why, sizeof(why)),
	    -1);
	assert_null(ops);
	if (strstr(why, pat) == NULL)
		fail_msg("refused for another reason: %s (wanted %s)", why, pat);
}

static void
logins(void **state)
{
	char *a[] = { "su" };
	char *b[] = { "su", "-" };
	char *c[] = { "su", "-", "bob" };
	char *d[] = { "su", "-l", "bob" };
	char *e[] = { "su", "--login", "bob" };
	char *f[] = { "su", "--log", "bob" };	/* abbreviation */

	(void)state;
	runs(ARGC(a), a, 0, "/bin/bash", NULL, "bash");
	runs(ARGC(b), b, 0, "/bin/bash", NULL, "-bash");
	runs(ARGC(c), c, 0, "/bin/bash", "bob", "-bash");
	runs(ARGC(d), d, 0, "/bin/sh", "bob", "-sh");
	runs(ARGC(e), e, 0, "/bin/sh", "bob", "-sh");
	runs(ARGC(f), f, 0, "/bin/sh", "bob", "-sh");
}

static void
commands(void **state)
{
	char *a[] = { "su", "-", "-c", "id -u" };
	char *b[] = { "su", "-cid", "-" };		/* attached */
	char *c[] = { "su", "--command=id", "-" };
	char *d[] = { "su", "--command", "id", "-" };
	char *e[] = { "su", "-lc", "id" };		/* cluster */
	char *f[] = { "su", "--session-command=id", "-l" };
	char *g[] = { "su", "-c", "a", "-c", "b", "-" };	/* last wins */
	char *h[] = { "su", "-f", "-", "root", "x", "y" };	/* shell args */
	char *i[] = { "su", "-", "root", "-c", "id" };	/* permuted */
	char *j[] = { "su", "-c", "-l", "-" };	/* -l is -c's value */

	(void)state;
	runs(ARGC(a), a, 0, "/bin/bash", NULL, "-bash|-c|id -u");
	runs(ARGC(b), b, 0, "/bin/bash", NULL, "-bash|-c|id");
	runs(ARGC(c), c, 0, "/bin/bash", NULL, "-bash|-c|id");
	runs(ARGC(d), d, 0, "/bin/bash", NULL, "-bash|-c|id");
	runs(ARGC(e), e, 0, "/bin/bash", NULL, "-bash|-c|id");
	runs(ARGC(f), f, 0, "/bin/bash", NULL, "-bash|-c|id");
	runs(ARGC(g), g, 0, "/bin/bash", NULL, "-bash|-c|b");
	runs(ARGC(h), h, 0, "/bin/bash", "root", "-bash|-f|x|y");
	runs(ARGC(i), i, 0, "/bin/bash", "root", "-bash|-c|id");
	runs(ARGC(j), j, 0, "/bin/bash", NULL, "-bash|-c|-l");
}

static void
operands(void **state)
{
	char *a[] = { "su", "root", "-" };		/* "-" is an argument */
	char *b[] = { "su", "--", "-", "-c" };		/* after --: operands */
	char *c[] = { "su", "-", "root", "-c", "id" };	/* POSIXLY_CORRECT */

	(void)state;
	runs(ARGC(a), a, 0, "/bin/bash", "root", "bash|-");
	runs(ARGC(b), b, 0, "/bin/bash", "-c", "-bash");
	runs(ARGC(c), c, 1, "/bin/bash", "root", "-bash|-c|id");
}

static void
flags(void **state)
{
	struct gk_su_cmd c;
	char why[256], **ops;
	char *a[] = { "su", "-s", "/bin/sh", "-m", "-P", "-" };
	char *b[] = { "su", "-p", "-w", "X", "-g", "g", "-G", "h" };
	char *d[] = { "su", "-h" };
	char *e[] = { "su", "-u", "x" };

	(void)state;
	assert_int_equal(gk_su_parse(ARGC(a), a, 0, &c, &ops, why, sizeof(why)),
	    0);
	assert_string_equal(c.shell, "/bin/sh");
	assert_int_equal(c.login, 1);
	assert_int_equal(c.preserve_env, 0);	/* ignored with a login */
	free(ops);
	assert_int_equal(gk_su_parse(ARGC(b), b, 0, &c, &ops, why, sizeof(why)),
	    0);
	assert_int_equal(c.preserve_env, 1);
	assert_int_equal(c.whitelist, 1);
	assert_int_equal(c.groups, 1);
	assert_int_equal(c.login, 0);
	free(ops);
	assert_int_equal(gk_su_parse(ARGC(d), d, 0, &c, &ops, why, sizeof(why)),
	    0);
	assert_int_equal(c.info, 1);
	free(ops);
	assert_int_equal(gk_su_parse(ARGC(e), e, 0, &c, &ops, why, sizeof(why)),
	    0);
	assert_int_equal(c.info, 1);
	free(ops);
}

static void
errors(void **state)
{
	char *a[] = { "su", "-x" };
	char *b[] = { "su", "--bogus" };
	char *c[] = { "su", "--s", "/bin/sh" };	/* shell, session-command,
						   supp-group */
	char *d[] = { "su", "-c" };
	char *e[] = { "su", "--command" };
	char *f[] = { "su", "--login=yes" };

	(void)state;
	refuses(ARGC(a), a, "unknown option -x");
	refuses(ARGC(b), b, "unknown option --bogus");
	refuses(ARGC(c), c, "ambiguous");
	refuses(ARGC(d), d, "needs a value");
	refuses(ARGC(e), e, "needs a value");
	refuses(ARGC(f), f, "takes no value");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(logins),
		cmocka_unit_test(commands),
		cmocka_unit_test(operands),
		cmocka_unit_test(flags),
		cmocka_unit_test(errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
