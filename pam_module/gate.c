/*
 * Asking gatekeeperd for sudo's approval plugin and the PAM module (see
 * gate.h for the contract and its MUST list).
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "client.h"
#include "escape.h"
#include "gate.h"
#include "gk_err.h"
#include "msg.h"
#include "proto.h"

#define DEFAULT_TIMEOUT		3900	/* s: past the daemon's default expiry */
#define DECISION_TIMEOUT	30	/* s: for the first answer */

int
gk_gate_opts(struct gk_gate_opts *o, int argc, const char *const *argv,
    char *why, size_t whylen)
{
	const char *a;
	char *end;
	int i;

	snprintf(o->socket, sizeof(o->socket), "%s", GK_DEFAULT_SOCKET);
	o->timeout = DEFAULT_TIMEOUT;
	o->debug = 0;
	for (i = 0; i < argc && argv != NULL && argv[i] != NULL; i++) {
		a = argv[i];
		if (strncmp(a, "socket=", 7) == 0) {
			if (a[7] != '/' || strlen(a + 7) >= sizeof(o->socket)) {
				snprintf(why, whylen, "socket= needs an absolute "
				    "path shorter than %zu bytes",
				    sizeof(o->socket));
				return -1;
			}
			snprintf(o->socket, sizeof(o->socket), "%s", a + 7);
		} else if (strncmp(a, "timeout=", 8) == 0) {
			errno = 0;
			o->timeout = strtol(a + 8, &end, 10);
			if (errno != 0 || end == a + 8 || *end != '\0' ||
			    o->timeout < 1 || o->timeout > 7 * 86400) {
				snprintf(why, whylen, "timeout= needs seconds "
				    "between 1 and 604800");
				return -1;
			}
		} else if (strcmp(a, "debug") == 0)
			o->debug = 1;
		else {
			snprintf(why, whylen, "unknown option: %.40s", a);
			return -1;
		}
	}
	return 0;
}

static int
say(const struct gk_gate_ui *ui, int error, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
say(const struct gk_gate_ui *ui, int error, const char *fmt, ...)
{
	char text[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	return ui->say(ui->ctx, error, text);
}

static void
logf_(const struct gk_gate_ui *ui, int pri, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
logf_(const struct gk_gate_ui *ui, int pri, const char *fmt, ...)
{
	char text[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	ui->log(ui->ctx, pri, text);
}

/* Milliseconds on the monotonic clock: deadlines are not whole seconds
 * (timeout=1 once ran out a few ms after it began, at a second's edge). */
static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Reads one message, waiting until deadline (ms) at most. */
static int
recv_until(int fd, int64_t deadline, struct gk_msg *m)
{
	struct timeval tv;
	int64_t left = deadline - now_ms();

	memset(m, 0, sizeof(*m));
	if (left <= 0)
		return GK_ERR_SHORT;
	tv.tv_sec = left / 1000;
	tv.tv_usec = (left % 1000) * 1000;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) == -1)
		return GK_ERR_SYSTEM;
	return gk_client_recv(fd, m);
}

int
gk_gate_limits_ok(int (*skip)(const char *name, void *ctx), void *ctx,
    char *why, size_t whylen)
{
	static const struct {
		int		 res;
		const char	*name;	/* as sudo's rlimit_NAME */
		const char	*ulimit;
	} lim[] = {
		{ RLIMIT_FSIZE, "fsize", "ulimit -f" },
		{ RLIMIT_CPU, "cpu", "ulimit -t" },
		{ RLIMIT_AS, "as", "ulimit -v" },
		{ RLIMIT_DATA, "data", "ulimit -d" },
	};
	struct rlimit rl;
	size_t i;

	for (i = 0; i < sizeof(lim) / sizeof(lim[0]); i++) {
		if (skip != NULL && skip(lim[i].name, ctx))
			continue;
		if (getrlimit(lim[i].res, &rl) == 0 &&
		    rl.rlim_cur == RLIM_INFINITY)
			continue;
		snprintf(why, whylen, "your %s limit (%s) would reach the "
		    "command and could cut it short: lift it first",
		    lim[i].name, lim[i].ulimit);
		return -1;
	}
	return 0;
}

int
gk_gate_connect(const struct gk_gate_opts *o)
{
	struct timeval tv = { 10, 0 };
	int fd, e;

	if ((fd = gk_client_connect(o->socket)) == -1)
		return -1;
	if (setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) == -1) {
		e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

int
gk_gate_recv(int fd, long seconds, struct gk_msg *m)
{
	return recv_until(fd, now_ms() + 1000 * (int64_t)seconds, m);
}

static const char *
str(const struct gk_msg *m, const char *k)
{
	const char *s = gk_msg_str(m, k);

	return s != NULL ? s : "?";
}

/*
 * While it waits, the gate catches the signals that ask a program to stop
 * (sudo's and su's own handlers would restart the read and keep the user
 * waiting), unless the application ignores them, and puts the old
 * handlers back before it returns.
 */
static volatile sig_atomic_t interrupted;
static const int stop_signals[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };
#define NSTOP	(sizeof(stop_signals) / sizeof(stop_signals[0]))

struct saved_signals {
	struct sigaction	 old[NSTOP];
	int			 set[NSTOP];
};

static void
on_stop_signal(int sig)
{
	interrupted = sig;
}

static void
catch_stop_signals(struct saved_signals *s)
{
	struct sigaction sa;
	size_t i;

	interrupted = 0;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop_signal;	/* no SA_RESTART: poll wakes up */
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < NSTOP; i++) {
		s->set[i] = 0;
		if (sigaction(stop_signals[i], NULL, &s->old[i]) == 0 &&
		    s->old[i].sa_handler != SIG_IGN &&
		    sigaction(stop_signals[i], &sa, NULL) == 0)
			s->set[i] = 1;
	}
}

static void
restore_stop_signals(struct saved_signals *s)
{
	size_t i;

	for (i = 0; i < NSTOP; i++)
		if (s->set[i])
			sigaction(stop_signals[i], &s->old[i], NULL);
}

enum { WAIT_READY, WAIT_TIMEOUT, WAIT_SIGNAL, WAIT_ERROR };

/* Waits until fd is readable, the deadline passes or a signal stops us. */
static int
wait_readable(int fd, int64_t deadline)
{
	struct pollfd pfd;
	int64_t left;
	int r;

	for (;;) {
		if (interrupted)
			return WAIT_SIGNAL;
		if ((left = deadline - now_ms()) <= 0)
			return WAIT_TIMEOUT;
		pfd.fd = fd;
		pfd.events = POLLIN;
		pfd.revents = 0;
		r = poll(&pfd, 1, left > 1000 ? 1000 : (int)left);
		if (r > 0)
			return WAIT_READY;
		if (r == -1 && errno != EINTR)
			return WAIT_ERROR;
	}
}

static void
send_cancel(int fd, const char *id)
{
	struct gk_msg c;

	if (*id == '\0')
		return;
	gk_msg_begin(&c, GK_T_CANCEL);
	if (gk_msg_add_str(&c, "id", id) == 0)
		gk_client_send(fd, &c);
	gk_msg_free(&c);
}

/* Follows an approval request to its end; 1 only when the daemon says
 * "authorized". */
static int
follow_request(const struct gk_gate_ui *ui, int fd, int64_t deadline,
    const char *cmdline)
{
	struct gk_msg m;
	const char *state;
	char idbuf[32] = "", *esc;
	int r, w;

	for (;;) {
		memset(&m, 0, sizeof(m));
		if ((w = wait_readable(fd, deadline)) != WAIT_READY ||
		    recv_until(fd, deadline, &m) != 0) {
			gk_msg_free(&m);
			if (w == WAIT_SIGNAL) {
				send_cancel(fd, idbuf);
				say(ui, 1, "gatekeeper: interrupted; request %s "
				    "cancelled, nothing runs",
				    idbuf[0] != '\0' ? idbuf : "?");
			} else if (w == WAIT_TIMEOUT || now_ms() >= deadline) {
				send_cancel(fd, idbuf);
				say(ui, 1, "gatekeeper: gave up waiting for "
				    "approvals; nothing runs");
			} else
				say(ui, 1, "gatekeeper: lost the connection to "
				    "gatekeeperd; nothing runs");
			return 0;
		}
		switch (m.type) {
		case GK_T_REQUEST:
			snprintf(idbuf, sizeof(idbuf), "%s", str(&m, "id"));
			if (say(ui, 0, "gatekeeper: %s needs %s approval(s) from "
			    "%s (rule %s)\ngatekeeper: request %s, fingerprint "
			    "%s; waiting (approvers: gk-approve show %s)",
			    cmdline, str(&m, "need"), str(&m, "set"),
			    str(&m, "rule"), idbuf, str(&m, "fingerprint"),
			    idbuf) != 0)
				goto conv_failed;
			break;
		case GK_T_PROGRESS:
			if (gk_msg_str(&m, "by") != NULL) {
				esc = gk_escape_str(str(&m, "by"));
				r = say(ui, 0, "gatekeeper: request %s: approved "
				    "by %s (%s of %s)", idbuf, esc != NULL ? esc :
				    "?", str(&m, "approvals"), str(&m, "need"));
				free(esc);
				if (r != 0)
					goto conv_failed;
			}
			break;
		case GK_T_END:
			state = str(&m, "state");
			if (strcmp(state, GK_ST_AUTHORIZED) == 0) {
				gk_msg_free(&m);
				/* The yes stands even if this message fails. */
				say(ui, 0, "gatekeeper: request %s approved", idbuf);
				return 1;
			}
			if (strcmp(state, GK_ST_REJECTED) == 0) {
				esc = gk_escape_str(str(&m, "by"));
				say(ui, 1, "gatekeeper: request %s was rejected by "
				    "%s; nothing runs", idbuf, esc != NULL ? esc :
				    "?");
			} else {
				esc = gk_escape_str(str(&m, "message"));
				say(ui, 1, "gatekeeper: request %s %s: %s; nothing "
				    "runs", idbuf, state, esc != NULL ? esc : "?");
			}
			free(esc);
			gk_msg_free(&m);
			return 0;
		case GK_T_EXIT:
		case GK_T_OUTPUT:
			/* The daemon never runs an authorization. */
			gk_msg_free(&m);
			logf_(ui, LOG_ERR, "gatekeeperd ran an authorization "
			    "request (protocol error)");
			return 0;
		case GK_T_ERROR:
			esc = gk_escape_str(str(&m, "message"));
			say(ui, 1, "gatekeeper: %s", esc != NULL ? esc : "?");
			free(esc);
			gk_msg_free(&m);
			return 0;
		default:
			break;
		}
		gk_msg_free(&m);
	}
 conv_failed:
	gk_msg_free(&m);
	logf_(ui, LOG_ERR, "conversation failed: request %s cancelled",
	    idbuf[0] != '\0' ? idbuf : "?");
	send_cancel(fd, idbuf);
	return 0;
}

static int
build_run(struct gk_msg *m, const struct gk_gate_ask *a)
{
	char id[64];
	size_t i;
	int r = 0;

	gk_msg_begin(m, GK_T_RUN);
	for (i = 0; i < a->argc; i++)
		r |= gk_msg_add_str(m, "arg", a->argv[i]);
	if (a->exe != NULL) {
		snprintf(id, sizeof(id), "%llu:%llu",
		    (unsigned long long)a->dev, (unsigned long long)a->ino);
		r |= gk_msg_add_str(m, "exe", a->exe);
		r |= gk_msg_add_str(m, "exe_id", id);
	}
	r |= gk_msg_add_str(m, "cwd", a->cwd);
	r |= gk_msg_add_str(m, "user", a->user);
	r |= gk_msg_add_str(m, "authorize", "1");
	r |= gk_msg_add_str(m, "run_as", a->target);
	if (a->reason != NULL && *a->reason != '\0')
		r |= gk_msg_add_str(m, "reason", a->reason);
	if (a->tty != NULL && *a->tty != '\0')
		r |= gk_msg_add_str(m, "tty", a->tty);
	if (a->session != NULL && *a->session != '\0')
		r |= gk_msg_add_str(m, "session", a->session);
	return r != 0 ? -1 : 0;
}

int
gk_gate_decide(const struct gk_gate_opts *o, const struct gk_gate_ask *a,
    const struct gk_gate_ui *ui)
{
	struct saved_signals sigs;
	struct gk_msg m;
	const char *action, *rule;
	char *cmdline = NULL, *esc = NULL;
	int fd = -1, yes = 0, sent;

	memset(&m, 0, sizeof(m));
	if ((cmdline = gk_escape_argv(a->argc, a->argv)) == NULL) {
		say(ui, 1, "gatekeeper: out of memory; refused");
		goto out;
	}
	if (o->debug)
		logf_(ui, LOG_DEBUG, "asking for %s (%s) as %s, by %s in %s",
		    cmdline, a->exe != NULL ? a->exe : "-", a->target, a->user,
		    a->cwd);
	if ((fd = gk_gate_connect(o)) == -1) {
		logf_(ui, LOG_ERR, "gatekeeperd is not reachable at %s: %s",
		    o->socket, strerror(errno));
		say(ui, 1, "gatekeeper: gatekeeperd is not reachable; refused");
		goto out;
	}
	if (build_run(&m, a) != 0) {
		say(ui, 1, "gatekeeper: cannot build the request; refused");
		goto out;
	}
	sent = gk_client_send(fd, &m);
	gk_msg_free(&m);
	if (sent != 0 || recv_until(fd, now_ms() + 1000 * (o->timeout <
	    DECISION_TIMEOUT ? o->timeout : DECISION_TIMEOUT), &m) != 0) {
		say(ui, 1, "gatekeeper: no answer from gatekeeperd; refused");
		logf_(ui, LOG_ERR, "no answer from gatekeeperd");
		goto out;
	}
	if (m.type == GK_T_ERROR) {
		esc = gk_escape_str(str(&m, "message"));
		say(ui, 1, "gatekeeper: %s; refused", esc != NULL ? esc : "?");
		goto out;
	}
	if (m.type != GK_T_DECISION) {
		logf_(ui, LOG_ERR, "unexpected answer from gatekeeperd");
		say(ui, 1, "gatekeeper: unexpected answer from gatekeeperd; "
		    "refused");
		goto out;
	}
	action = str(&m, "action");
	rule = gk_msg_str(&m, "rule");
	if (strcmp(action, "local") == 0 && strcmp(a->target, a->user) != 0) {
		/* The daemon refuses this; never pass it here either. */
		say(ui, 1, "gatekeeper: %s: a local rule does not let it run as "
		    "%s", cmdline, a->target);
		logf_(ui, LOG_ERR, "local decision for another target");
	} else if (strcmp(action, "local") == 0 ||
	    strcmp(action, "allow") == 0) {
		if (o->debug)
			logf_(ui, LOG_DEBUG, "%s: %s by rule %s", cmdline,
			    action, rule != NULL ? rule : "?");
		yes = 1;
	} else if (strcmp(action, "deny") == 0) {
		esc = gk_escape_str(str(&m, "why"));
		say(ui, 1, "gatekeeper: %s: denied%s%s: %s", cmdline,
		    rule != NULL ? " by rule " : "", rule != NULL ? rule : "",
		    esc != NULL ? esc : "?");
		logf_(ui, LOG_NOTICE, "%s by %s: denied", cmdline, a->user);
	} else if (strcmp(action, "approve") == 0) {
		gk_msg_free(&m);
		catch_stop_signals(&sigs);
		yes = follow_request(ui, fd, now_ms() + 1000 * o->timeout,
		    cmdline);
		restore_stop_signals(&sigs);
		interrupted = 0;
		logf_(ui, LOG_NOTICE, "%s by %s: %s", cmdline, a->user,
		    yes ? "approved" : "not approved");
	} else {
		logf_(ui, LOG_ERR, "unknown decision from gatekeeperd");
		say(ui, 1, "gatekeeper: unknown decision from gatekeeperd; "
		    "refused");
	}
 out:
	gk_msg_free(&m);
	if (fd != -1)
		close(fd);
	free(esc);
	free(cmdline);
	return yes;
}
