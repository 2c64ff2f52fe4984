/*
 * What sudo is about to run, from sudo's own argv (sudo 1.9's options).
 * The PAM module reads the argv of the process it runs in; this parses it.
 *
 * Options that do not change what runs are skipped (with their argument
 * when they take one); -u, -D, -s, -i and -- are understood; everything
 * else (-g, -e, -l, -v, -h, -R, -r, -t, -a, -c, -U, -K, -V, unknown or
 * abbreviated long options, VAR=value before the command) is refused:
 * what cannot be parsed is never guessed.
 */
#ifndef GK_SUDOARGS_H
#define GK_SUDOARGS_H

#include <stddef.h>

struct gk_sudo_cmd {
	char *const	*args;		/* the command and its arguments (into
					   the parsed argv), may be empty for
					   -s/-i */
	size_t		 nargs;
	const char	*target;	/* -u's value, or NULL (root) */
	const char	*chdir;		/* -D's value, or NULL */
	int		 shell;		/* -s */
	int		 login;		/* -i */
};

/*
 * Parses argc/argv (argv[0] is sudo's own name: "sudo" or a path ending
 * in "/sudo"). Returns 0, or -1 with a one-line reason in why.
 */
int	gk_sudo_parse(int argc, char *const *argv, struct gk_sudo_cmd *out,
	    char *why, size_t whylen);

/*
 * The argv sudo will run for cmd: the command itself, or for -s/-i the
 * shell alone, or the shell with "-c" and the arguments joined by spaces,
 * every character other than [A-Za-z0-9_$-] preceded by a backslash (as
 * sudo does). A new NULL-terminated array of new strings in *argvp with
 * its count; free with gk_strv_free (buf.h). Returns 0 or -1 (no memory, or
 * no command and no shell).
 */
int	gk_sudo_argv(const struct gk_sudo_cmd *cmd, const char *shell,
	    char ***argvp, size_t *argcp);

#endif
