/*
 * What su (util-linux 2.38, Debian 12's) will run, from su's own argv. The
 * PAM module reads the argv of the process it runs in; this parses it the
 * way su's getopt_long("c:fg:G:lmpPs:u:hVw:") does: options anywhere
 * (GNU permutation) unless POSIXLY_CORRECT, clusters (-lc CMD), attached
 * values (-cCMD, --command=CMD), unambiguous long-option abbreviations
 * (--comm), "--"; then a first operand "-" means a login, the next is the
 * user, the rest are handed to the shell.
 */
#ifndef GK_SUARGS_H
#define GK_SUARGS_H

#include <stddef.h>

struct gk_su_cmd {
	const char	*user;		/* NULL: root */
	const char	*shell;		/* -s, --shell, or NULL */
	const char	*command;	/* -c, --command, --session-command */
	int		 login;		/* -, -l, --login */
	int		 fast;		/* -f */
	int		 preserve_env;	/* -m, -p (ignored with a login) */
	int		 whitelist;	/* -w */
	int		 groups;	/* -g, -G */
	int		 info;		/* -h, -V, -u: su runs nothing */
	char *const	*args;		/* the words after the user */
	size_t		 nargs;
};

/*
 * Parses argc/argv (argv[0] is su's own name). args point into argv, or
 * into a new array in *permuted (free it; NULL when none was needed).
 * Returns 0, or -1 with a one-line reason in why (su would refuse it too).
 */
int	gk_su_parse(int argc, char *const *argv, int posixly_correct,
	    struct gk_su_cmd *out, char ***permuted, char *why, size_t whylen);

/*
 * The argv su execs with execv(shell, argv): the shell's basename ("-"
 * before it for a login), "-f" with fast, "-c COMMAND" with a command,
 * then the words after the user. A new NULL-terminated array of new
 * strings; free with gk_strv_free (buf.h). 0, or -1 for no memory.
 */
int	gk_su_argv(const struct gk_su_cmd *cmd, const char *shell,
	    char ***argvp, size_t *argcp);

#endif
