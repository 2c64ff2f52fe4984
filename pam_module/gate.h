/*
 * Asking gatekeeperd about a command that sudo or su is about to run
 * itself, and following an approval request to its end: shared by
 * pam_gatekeeper.so (su, logins) and gatekeeper_approval.so (sudo's
 * approval plugin). Everything the caller shows goes through its say().
 *
 * MUST:
 * - answer yes (1) only for a DECISION local (the target being the
 *   requester) or allow, or an END "authorized" on an approval request;
 *   every error, timeout, signal or lost connection is no (0 or -1);
 * - cancel a request it leaves (signal, timeout, failed conversation);
 * - leave no signal handler or fd behind.
 */
#ifndef GK_GATE_H
#define GK_GATE_H

#include <stddef.h>
#include <sys/types.h>

struct gk_gate_ui {
	void	*ctx;
	/* Shows one message (error: a refusal, else progress); 0, or -1
	 * when the user can no longer be told (the request is cancelled). */
	int	(*say)(void *ctx, int error, const char *text);
	/* Logs one line for the administrator (syslog). */
	void	(*log)(void *ctx, int priority, const char *text);
};

struct gk_gate_ask {
	char *const	*argv;		/* exactly what will be executed */
	size_t		 argc;
	const char	*exe;		/* the file executed under argv[0] */
	dev_t		 dev;		/* exe as the caller sees it */
	ino_t		 ino;
	const char	*cwd;
	const char	*user;		/* requester */
	const char	*target;	/* run-as user */
	const char	*reason;	/* or NULL */
	const char	*tty;		/* or NULL */
	const char	*session;	/* or NULL */
};

/* Options shared by the PAM line and the plugin's sudo.conf line. */
struct gk_gate_opts {
	char	 socket[108];
	long	 timeout;	/* s, for the approvals */
	int	 debug;
};

/* Defaults, then "socket=PATH", "timeout=SECONDS", "debug". 0, or -1 with
 * a message in why for an unknown or bad option. */
int	gk_gate_opts(struct gk_gate_opts *o, int argc, const char *const *argv,
	    char *why, size_t whylen);

/*
 * Asks gatekeeperd whether a may run (authorize=1: the daemon decides and
 * gathers approvals but never runs it). Returns 1 for yes, 0 for no (the
 * user was told why through ui->say).
 */
int	gk_gate_decide(const struct gk_gate_opts *o, const struct gk_gate_ask *a,
	    const struct gk_gate_ui *ui);

/*
 * The command sudo or su runs inherits the caller's resource limits: a
 * file size, CPU time, address space or data limit would cut a write or
 * kill the command half way (a truncated file, a half-made filesystem).
 * 0 when each is unlimited, or set by the caller's own configuration
 * (sudo passes rlimit_NAME to the command: skip(NAME) says so); else -1
 * with why naming it.
 */
int	gk_gate_limits_ok(int (*skip)(const char *name, void *ctx), void *ctx,
	    char *why, size_t whylen);

struct gk_msg;
/* A connection to o->socket with a send timeout, or -1 (errno set). */
int	gk_gate_connect(const struct gk_gate_opts *o);
/* One message within seconds at most; 0 or a GK_ERR_* code. */
int	gk_gate_recv(int fd, long seconds, struct gk_msg *m);

#endif
