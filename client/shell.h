/*
 * gk-shell's parts: the shell itself (gk-shell.c: modes, the line loop,
 * builtins, local pipelines) and its dealings with gatekeeperd
 * (shell_request.c: asking about a command, following a request, the `gk`
 * builtins).
 */
#ifndef GK_SHELL_H
#define GK_SHELL_H

#include <limits.h>
#include <stddef.h>

#include "shline.h"

/* Exit status when the user stops following a request with Ctrl-C (it is
 * cancelled, or left pending): nothing ran. */
#define SH_EXIT_INTERRUPTED	130
/* Exit status for a line gk-shell refuses itself (usage, an OTP-shaped
 * word, a request too large to send): nothing ran. */
#define SH_EXIT_USAGE		2

struct shell {
	const char	*sockopt;	/* -s, or NULL */
	struct gk_sh_vars vars;		/* $HOME $USER $PWD */
	char		 home[PATH_MAX], user[64];	/* see sh_who */
	int		 who_known;	/* home and user are filled in */
	char		 pwd[PATH_MAX];
	char		 oldpwd[PATH_MAX];
	char		 host[256];
	char		 session[48];	/* $GK_SESSION, or made up at start */
	const char	*ssh;		/* $SSH_CONNECTION, or NULL */
	char		 tty[64];	/* ttyname(0), or "" */
	int		 status;	/* of the last pipeline */
	int		 exiting;	/* `exit` was run */
};

/* Fills in sh->user and sh->home (once): call before using them. */
void	sh_who(struct shell *);

/*
 * Asks gatekeeperd about one command (pipeline: it is part of a pipeline
 * or has redirections, so only a local decision may run). Returns 1 for a
 * local command, with *exe the program to run (malloc'd; NULL when it is
 * not installed); else 0 with *status set: the command's own status when
 * the daemon ran it, 77 denied/rejected/refused, 75 expired, 69 daemon
 * unreachable, 130 when the user stopped waiting. Messages go to stderr.
 */
int	sh_ask(struct shell *, char **argv, size_t argc, int pipeline,
	    char **exe, int *status);

/* The `gk` builtin: gk list | show ID | wait ID | cancel ID | help.
 * Returns its exit status. */
int	sh_gk(struct shell *, char **argv, size_t argc);

#endif
