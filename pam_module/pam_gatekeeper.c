/*
 * pam_gatekeeper.so: sudo, su and logins answer to gatekeeperd's policy
 * and two-token approvals; every session is audited.
 *
 *   account  sudo (and Debian's sudo-i): the command sudo is about to run,
 *            read from sudo's own argv, decided for the invoking user with
 *            sudo's target as run-as; any other service: a session as the
 *            target user, decided as that user's login shell run as them.
 *            local/allow pass; deny fails; approve waits for the approvals
 *            (progress through the conversation) and passes only when the
 *            daemon says "authorized".
 *   session  open/close audit records; GK_SESSION in the PAM environment.
 *
 * Options (PAM line only): socket=PATH timeout=SECONDS debug.
 *
 * MUST:
 * - fail closed: PAM_SUCCESS only from an answer of the daemon that says
 *   yes; never PAM_SUCCESS or PAM_IGNORE from an error path (daemon
 *   unreachable, protocol error, conversation error, timeout, no memory);
 * - take the socket from the PAM line only, never from the environment;
 * - refuse a sudo command line it cannot parse;
 * - never exit, never leave a signal handler or fd behind (while it waits
 *   it catches INT, TERM, HUP, QUIT to cancel, then restores them), never log a
 *   secret (it handles none: OTPs go from approvers to the daemon), and
 *   refuse a command holding an OTP-shaped word (gk_otp_argv_shaped);
 * - export only pam_sm_* (pam_gatekeeper.map).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#define PAM_SM_ACCOUNT
#define PAM_SM_SESSION
#include <security/pam_appl.h>
#include <security/pam_ext.h>
#include <security/pam_modules.h>

#include "client.h"
#include "escape.h"
#include "gk_err.h"
#include "msg.h"
#include "otp.h"
#include "proto.h"
#include "buf.h"
#include "sudoargs.h"

#define DEFAULT_TIMEOUT		3900	/* s: past the daemon's default expiry */
#define DECISION_TIMEOUT	30	/* s: for the first answer */
#define CMDLINE_MAX		(1024 * 1024)
#define DATA_SESSION		"pam_gatekeeper_session"

struct opts {
	char	 socket[108];
	long	 timeout;
	int	 debug;
};

static int
parse_opts(pam_handle_t *pamh, int argc, const char **argv, struct opts *o)
{
	const char *a;
	char *end;
	int i;

	snprintf(o->socket, sizeof(o->socket), "%s", GK_DEFAULT_SOCKET);
	o->timeout = DEFAULT_TIMEOUT;
	o->debug = 0;
	for (i = 0; i < argc; i++) {
		a = argv[i];
		if (strncmp(a, "socket=", 7) == 0) {
			if (a[7] != '/' || strlen(a + 7) >= sizeof(o->socket)) {
				pam_syslog(pamh, LOG_ERR, "socket= needs an "
				    "absolute path shorter than %zu bytes",
				    sizeof(o->socket));
				return -1;
			}
			snprintf(o->socket, sizeof(o->socket), "%s", a + 7);
		} else if (strncmp(a, "timeout=", 8) == 0) {
			errno = 0;
			o->timeout = strtol(a + 8, &end, 10);
			if (errno != 0 || end == a + 8 || *end != '\0' ||
			    o->timeout < 1 || o->timeout > 7 * 86400) {
				pam_syslog(pamh, LOG_ERR, "timeout= needs "
				    "seconds between 1 and 604800");
				return -1;
			}
		} else if (strcmp(a, "debug") == 0)
			o->debug = 1;
		else {
			pam_syslog(pamh, LOG_ERR, "unknown option: %.40s", a);
			return -1;
		}
	}
	return 0;
}

/* One message through the conversation; 0, or -1 when it failed. */
static int
say(pam_handle_t *pamh, int style, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
say(pam_handle_t *pamh, int style, const char *fmt, ...)
{
	const struct pam_conv *conv = NULL;
	struct pam_message msg;
	const struct pam_message *pmsg = &msg;
	struct pam_response *resp = NULL;
	char text[PAM_MAX_MSG_SIZE];
	va_list ap;
	int r;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	if (pam_get_item(pamh, PAM_CONV, (const void **)&conv) != PAM_SUCCESS ||
	    conv == NULL || conv->conv == NULL)
		return -1;
	msg.msg_style = style;
	msg.msg = text;
	r = conv->conv(1, &pmsg, &resp, conv->appdata_ptr);
	/* Info and error messages want no answer; whatever came is freed
	 * unread, however long. */
	if (resp != NULL) {
		if (resp[0].resp != NULL) {
			explicit_bzero(resp[0].resp, strnlen(resp[0].resp,
			    PAM_MAX_RESP_SIZE * 64));
			free(resp[0].resp);
		}
		free(resp);
	}
	return r == PAM_SUCCESS ? 0 : -1;
}

static int
connect_daemon(pam_handle_t *pamh, const struct opts *o)
{
	struct timeval tv = { 10, 0 };
	int fd;

	if ((fd = gk_client_connect(o->socket)) == -1) {
		pam_syslog(pamh, LOG_ERR, "gatekeeperd is not reachable at %s: "
		    "%s", o->socket, strerror(errno));
		return -1;
	}
	if (setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) == -1) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Reads one message, waiting until deadline at most. */
static int
recv_until(int fd, time_t deadline, struct gk_msg *m)
{
	struct timeval tv;
	time_t left = deadline - time(NULL);

	memset(m, 0, sizeof(*m));
	if (left <= 0)
		return GK_ERR_SHORT;
	tv.tv_sec = left;
	tv.tv_usec = 0;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) == -1)
		return GK_ERR_SYSTEM;
	return gk_client_recv(fd, m);
}

static const char *
str(const struct gk_msg *m, const char *k)
{
	const char *s = gk_msg_str(m, k);

	return s != NULL ? s : "?";
}

/* An item as a string, or "" when unset. */
static const char *
item(pam_handle_t *pamh, int type)
{
	const void *v = NULL;

	if (pam_get_item(pamh, type, &v) != PAM_SUCCESS || v == NULL)
		return "";
	return v;
}

/* The argv of the process the module runs in. */
static int
own_argv(char **bufp, char ***argvp, int *argcp)
{
	char *buf = NULL, **v = NULL;
	size_t len = 0, cap = 65536, i;
	ssize_t n;
	int fd, c = 0;

	*bufp = NULL;
	*argvp = NULL;
	if ((fd = open("/proc/self/cmdline", O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	if ((buf = malloc(cap + 1)) == NULL)
		goto fail;
	for (;;) {
		if (len == cap) {
			char *nb;

			if (cap >= CMDLINE_MAX || (nb = realloc(buf,
			    cap * 2 + 1)) == NULL)
				goto fail;
			buf = nb;
			cap *= 2;
		}
		n = read(fd, buf + len, cap - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n < 0)
			goto fail;
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	fd = -1;
	if (len == 0 || buf[len - 1] != '\0')
		goto fail;
	for (i = 0; i < len; i++)
		if (buf[i] == '\0')
			c++;
	if ((v = calloc((size_t)c + 1, sizeof(*v))) == NULL)
		goto fail;
	c = 0;
	for (i = 0; i < len; i += strlen(buf + i) + 1)
		v[c++] = buf + i;
	*bufp = buf;
	*argvp = v;
	*argcp = c;
	return 0;
 fail:
	if (fd != -1)
		close(fd);
	free(buf);
	return -1;
}

/* What to ask the daemon: argv, cwd, requester, run-as. */
struct ask {
	char	**argv;
	size_t	  argc;
	char	  cwd[PATH_MAX];
	char	  user[256];
	char	  target[256];
};

static void
ask_free(struct ask *a)
{
	gk_strv_free(a->argv, a->argc);
	a->argv = NULL;
	a->argc = 0;
}

static int
user_of_uid(uid_t uid, char *out, size_t n)
{
	struct passwd *pw;

	if ((pw = getpwuid(uid)) == NULL || strlen(pw->pw_name) >= n)
		return -1;
	snprintf(out, n, "%s", pw->pw_name);
	return 0;
}

/* sudo: the command from sudo's argv. */
static int
ask_sudo(pam_handle_t *pamh, struct ask *a, char *why, size_t whylen)
{
	struct gk_sudo_cmd cmd;
	struct passwd *pw;
	const char *shell = NULL, *t;
	char *buf = NULL, **v = NULL, *end;
	unsigned long num;
	int argc, r = -1;

	if (own_argv(&buf, &v, &argc) != 0) {
		snprintf(why, whylen, "cannot read sudo's command line");
		return -1;
	}
	if (gk_sudo_parse(argc, v, &cmd, why, whylen) != 0)
		goto out;
	/* The requester: sudo's real uid is the invoking user. */
	if (user_of_uid(getuid(), a->user, sizeof(a->user)) != 0) {
		snprintf(why, whylen, "the invoking user has no name");
		goto out;
	}
	t = cmd.target != NULL ? cmd.target : "root";
	if (t[0] == '#') {
		errno = 0;
		num = strtoul(t + 1, &end, 10);
		if (errno != 0 || end == t + 1 || *end != '\0' ||
		    num > (unsigned long)UINT32_MAX - 1 ||
		    user_of_uid((uid_t)num, a->target, sizeof(a->target)) != 0) {
			snprintf(why, whylen, "sudo -u: no such user");
			goto out;
		}
	} else if ((pw = getpwnam(t)) == NULL ||
	    strlen(pw->pw_name) >= sizeof(a->target)) {
		snprintf(why, whylen, "sudo -u: no such user");
		goto out;
	} else
		snprintf(a->target, sizeof(a->target), "%s", pw->pw_name);
	if (cmd.login) {
		if ((pw = getpwnam(a->target)) == NULL)
			goto out;
		shell = pw->pw_shell;
	} else if (cmd.shell) {
		if ((shell = getenv("SHELL")) == NULL || *shell == '\0') {
			if ((pw = getpwuid(getuid())) == NULL)
				goto out;
			shell = pw->pw_shell;
		}
	}
	if ((cmd.shell || cmd.login) && (shell == NULL || *shell == '\0'))
		shell = "/bin/sh";
	if (gk_sudo_argv(&cmd, shell, &a->argv, &a->argc) != 0) {
		snprintf(why, whylen, "out of memory");
		goto out;
	}
	/* A YubiKey touched at sudo's prompt: never sent, logged or shown. */
	if (gk_otp_argv_shaped(a->argc, a->argv)) {
		snprintf(why, whylen, "a word looks like a YubiKey one-time "
		    "password; it was not sent");
		goto out;
	}
	if (cmd.chdir != NULL)
		snprintf(a->cwd, sizeof(a->cwd), "%s", cmd.chdir);
	else if (getcwd(a->cwd, sizeof(a->cwd)) == NULL) {
		snprintf(why, whylen, "cannot tell the working directory");
		goto out;
	}
	r = 0;
	(void)pamh;
 out:
	free(v);
	free(buf);
	return r;
}

/* su and logins: a session as the target user, decided as that user's
 * login shell run as them. */
static int
ask_session(pam_handle_t *pamh, struct ask *a, char *why, size_t whylen)
{
	struct passwd *pw;
	const char *target = NULL, *ruser;
	const char *shell;

	if (pam_get_user(pamh, &target, NULL) != PAM_SUCCESS || target == NULL ||
	    *target == '\0' || (pw = getpwnam(target)) == NULL ||
	    strlen(pw->pw_name) >= sizeof(a->target)) {
		snprintf(why, whylen, "unknown target user");
		return -1;
	}
	snprintf(a->target, sizeof(a->target), "%s", pw->pw_name);
	shell = pw->pw_shell != NULL && *pw->pw_shell != '\0' ? pw->pw_shell :
	    "/bin/sh";
	if ((a->argv = calloc(2, sizeof(*a->argv))) == NULL ||
	    (a->argv[0] = strdup(shell)) == NULL) {
		snprintf(why, whylen, "out of memory");
		return -1;
	}
	a->argc = 1;
	/* The requester: who called su (its real uid), else the remote
	 * user PAM was told of, else the target itself (a login). */
	ruser = item(pamh, PAM_RUSER);
	if (getuid() != 0) {
		if (user_of_uid(getuid(), a->user, sizeof(a->user)) != 0) {
			snprintf(why, whylen, "the invoking user has no name");
			return -1;
		}
	} else if (*ruser != '\0' && getpwnam(ruser) != NULL)
		snprintf(a->user, sizeof(a->user), "%s", ruser);
	else
		snprintf(a->user, sizeof(a->user), "%s", a->target);
	if (getcwd(a->cwd, sizeof(a->cwd)) == NULL)
		snprintf(a->cwd, sizeof(a->cwd), "/");
	return 0;
}

static int
is_sudo(const char *service)
{
	return strcmp(service, "sudo") == 0 || strcmp(service, "sudo-i") == 0;
}

/*
 * While it waits, the module catches the signals that ask a program to
 * stop (sudo's own handlers would restart the read and keep the user
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
wait_readable(int fd, time_t deadline)
{
	struct pollfd pfd;
	time_t left;
	int r;

	for (;;) {
		if (interrupted)
			return WAIT_SIGNAL;
		if ((left = deadline - time(NULL)) <= 0)
			return WAIT_TIMEOUT;
		pfd.fd = fd;
		pfd.events = POLLIN;
		pfd.revents = 0;
		r = poll(&pfd, 1, left > 1 ? 1000 : (int)left * 1000);
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
	gk_msg_add_str(&c, "id", id);
	gk_client_send(fd, &c);
}

/* Follows an approval request to its end; PAM_SUCCESS only when the
 * daemon says "authorized". */
static int
follow_request(pam_handle_t *pamh, int fd, time_t deadline,
    const char *cmdline)
{
	struct gk_msg m;
	const char *state, *id = NULL;
	char idbuf[32] = "";
	int r, w;

	for (;;) {
		memset(&m, 0, sizeof(m));
		if ((w = wait_readable(fd, deadline)) != WAIT_READY ||
		    recv_until(fd, deadline, &m) != 0) {
			gk_msg_free(&m);
			if (w == WAIT_SIGNAL) {
				send_cancel(fd, idbuf);
				say(pamh, PAM_ERROR_MSG, "gatekeeper: interrupted; "
				    "request %s cancelled, nothing runs",
				    idbuf[0] != '\0' ? idbuf : "?");
			} else if (w == WAIT_TIMEOUT ||
			    time(NULL) >= deadline) {
				send_cancel(fd, idbuf);
				say(pamh, PAM_ERROR_MSG, "gatekeeper: gave up "
				    "waiting for approvals; nothing runs");
			} else
				say(pamh, PAM_ERROR_MSG, "gatekeeper: lost the "
				    "connection to gatekeeperd; nothing runs");
			return PAM_PERM_DENIED;
		}
		switch (m.type) {
		case GK_T_REQUEST:
			id = str(&m, "id");
			snprintf(idbuf, sizeof(idbuf), "%s", id);
			if (say(pamh, PAM_TEXT_INFO, "gatekeeper: %s needs %s "
			    "approval(s) from %s (rule %s)\ngatekeeper: "
			    "request %s, fingerprint %s; waiting (approvers: "
			    "gk-approve show %s)", cmdline, str(&m, "need"),
			    str(&m, "set"), str(&m, "rule"), id,
			    str(&m, "fingerprint"), id) != 0)
				goto conv_failed;
			break;
		case GK_T_PROGRESS:
			if (gk_msg_str(&m, "by") != NULL) {
				char *by = gk_escape_str(str(&m, "by"));

				r = say(pamh, PAM_TEXT_INFO, "gatekeeper: request "
				    "%s: approved by %s (%s of %s)", idbuf,
				    by != NULL ? by : "?", str(&m, "approvals"),
				    str(&m, "need"));
				free(by);
				if (r != 0)
					goto conv_failed;
			}
			break;
		case GK_T_END:
			state = str(&m, "state");
			if (strcmp(state, GK_ST_AUTHORIZED) == 0) {
				gk_msg_free(&m);
				/* The yes stands even if this message fails. */
				say(pamh, PAM_TEXT_INFO, "gatekeeper: request %s "
				    "approved", idbuf);
				return PAM_SUCCESS;
			}
			if (strcmp(state, GK_ST_REJECTED) == 0) {
				char *by = gk_escape_str(str(&m, "by"));

				say(pamh, PAM_ERROR_MSG, "gatekeeper: request %s "
				    "was rejected by %s; nothing runs", idbuf,
				    by != NULL ? by : "?");
				free(by);
			} else {
				char *msg = gk_escape_str(str(&m, "message"));

				say(pamh, PAM_ERROR_MSG, "gatekeeper: request %s "
				    "%s: %s; nothing runs", idbuf, state,
				    msg != NULL ? msg : "?");
				free(msg);
			}
			gk_msg_free(&m);
			return PAM_PERM_DENIED;
		case GK_T_EXIT:
		case GK_T_OUTPUT:
			/* The daemon never runs an authorization. */
			gk_msg_free(&m);
			pam_syslog(pamh, LOG_ERR, "gatekeeperd ran an "
			    "authorization request (protocol error)");
			return PAM_PERM_DENIED;
		case GK_T_ERROR:
			say(pamh, PAM_ERROR_MSG, "gatekeeper: %s",
			    str(&m, "message"));
			gk_msg_free(&m);
			return PAM_PERM_DENIED;
		default:
			break;
		}
		gk_msg_free(&m);
	}
 conv_failed:
	gk_msg_free(&m);
	pam_syslog(pamh, LOG_ERR, "conversation failed: request %s cancelled",
	    idbuf[0] != '\0' ? idbuf : "?");
	send_cancel(fd, idbuf);
	return PAM_PERM_DENIED;
}

static int
follow(pam_handle_t *pamh, int fd, time_t deadline, const char *cmdline)
{
	struct saved_signals s;
	int rc;

	catch_stop_signals(&s);
	rc = follow_request(pamh, fd, deadline, cmdline);
	restore_stop_signals(&s);
	interrupted = 0;
	return rc;
}

PAM_EXTERN int
pam_sm_acct_mgmt(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	struct opts o;
	struct ask a;
	struct gk_msg m;
	const char *service, *action, *reason, *tty, *sess;
	char why[512], *cmdline = NULL;
	time_t deadline;
	size_t i;
	int rc = PAM_PERM_DENIED, fd = -1;

	(void)flags;
	memset(&a, 0, sizeof(a));
	memset(&m, 0, sizeof(m));
	if (parse_opts(pamh, argc, argv, &o) != 0) {
		rc = PAM_SERVICE_ERR;
		goto out;
	}
	service = item(pamh, PAM_SERVICE);
	why[0] = '\0';
	if ((is_sudo(service) ? ask_sudo(pamh, &a, why, sizeof(why)) :
	    ask_session(pamh, &a, why, sizeof(why))) != 0) {
		say(pamh, PAM_ERROR_MSG, "gatekeeper: %s; refused",
		    why[0] != '\0' ? why : "cannot tell what would run");
		pam_syslog(pamh, LOG_NOTICE, "%s: refused: %s", service, why);
		goto out;
	}
	if ((cmdline = gk_escape_argv(a.argc, a.argv)) == NULL) {
		rc = PAM_BUF_ERR;
		goto out;
	}
	if (o.debug)
		pam_syslog(pamh, LOG_DEBUG, "%s: asking for %s as %s, by %s in "
		    "%s", service, cmdline, a.target, a.user, a.cwd);
	if ((fd = connect_daemon(pamh, &o)) == -1) {
		say(pamh, PAM_ERROR_MSG, "gatekeeper: gatekeeperd is not "
		    "reachable; refused");
		goto out;
	}
	gk_msg_begin(&m, GK_T_RUN);
	for (i = 0; i < a.argc; i++)
		gk_msg_add_str(&m, "arg", a.argv[i]);
	gk_msg_add_str(&m, "cwd", a.cwd);
	gk_msg_add_str(&m, "user", a.user);
	gk_msg_add_str(&m, "authorize", "1");
	gk_msg_add_str(&m, "run_as", a.target);
	if (is_sudo(service) && (reason = getenv("GK_REASON")) != NULL &&
	    *reason != '\0')
		gk_msg_add_str(&m, "reason", reason);
	if (*(tty = item(pamh, PAM_TTY)) != '\0')
		gk_msg_add_str(&m, "tty", tty);
	if ((sess = pam_getenv(pamh, "GK_SESSION")) != NULL)
		gk_msg_add_str(&m, "session", sess);
	deadline = time(NULL) + (o.timeout < DECISION_TIMEOUT ? o.timeout :
	    DECISION_TIMEOUT);
	if (gk_client_send(fd, &m) != 0 || recv_until(fd, deadline, &m) != 0) {
		say(pamh, PAM_ERROR_MSG, "gatekeeper: no answer from "
		    "gatekeeperd; refused");
		pam_syslog(pamh, LOG_ERR, "no answer from gatekeeperd");
		goto out;
	}
	if (m.type == GK_T_ERROR) {
		say(pamh, PAM_ERROR_MSG, "gatekeeper: %s", str(&m, "message"));
		goto out;
	}
	if (m.type != GK_T_DECISION) {
		pam_syslog(pamh, LOG_ERR, "unexpected answer from gatekeeperd");
		goto out;
	}
	action = str(&m, "action");
	if (strcmp(action, "local") == 0 && strcmp(a.target, a.user) != 0) {
		/* The daemon refuses this; never pass it here either. */
		say(pamh, PAM_ERROR_MSG, "gatekeeper: %s: a local rule does not "
		    "let it run as %s", cmdline, a.target);
		pam_syslog(pamh, LOG_ERR, "local decision for another target");
	} else if (strcmp(action, "local") == 0 ||
	    strcmp(action, "allow") == 0) {
		if (o.debug)
			pam_syslog(pamh, LOG_DEBUG, "%s: %s by rule %s", cmdline,
			    action, str(&m, "rule"));
		rc = PAM_SUCCESS;
	} else if (strcmp(action, "deny") == 0) {
		say(pamh, PAM_ERROR_MSG, "gatekeeper: %s: denied%s%s: %s",
		    cmdline, gk_msg_str(&m, "rule") ? " by rule " : "",
		    gk_msg_str(&m, "rule") ? str(&m, "rule") : "",
		    str(&m, "why"));
		pam_syslog(pamh, LOG_NOTICE, "%s by %s: denied", cmdline, a.user);
	} else if (strcmp(action, "approve") == 0) {
		gk_msg_free(&m);
		rc = follow(pamh, fd, time(NULL) + o.timeout, cmdline);
		pam_syslog(pamh, LOG_NOTICE, "%s by %s: %s", cmdline, a.user,
		    rc == PAM_SUCCESS ? "approved" : "not approved");
	} else
		pam_syslog(pamh, LOG_ERR, "unknown decision from gatekeeperd");
 out:
	gk_msg_free(&m);
	if (fd != -1)
		close(fd);
	free(cmdline);
	ask_free(&a);
	return rc;
}

static void
free_data(pam_handle_t *pamh, void *data, int status)
{
	(void)pamh;
	(void)status;
	free(data);
}

/* One SESSION message; on open, *id receives the daemon's session id. */
static int
session_record(pam_handle_t *pamh, const struct opts *o, const char *phase,
    const char *id, char *out, size_t outlen)
{
	struct gk_msg m;
	const char *user = NULL, *s;
	int fd, rc = PAM_SESSION_ERR;

	if (pam_get_item(pamh, PAM_USER, (const void **)&user) != PAM_SUCCESS ||
	    user == NULL || *user == '\0') {
		pam_syslog(pamh, LOG_ERR, "session without a user");
		return PAM_SESSION_ERR;
	}
	if ((fd = connect_daemon(pamh, o)) == -1)
		return PAM_SESSION_ERR;
	gk_msg_begin(&m, GK_T_SESSION);
	gk_msg_add_str(&m, "phase", phase);
	gk_msg_add_str(&m, "service", item(pamh, PAM_SERVICE));
	gk_msg_add_str(&m, "user", user);
	gk_msg_add_str(&m, "ruser", item(pamh, PAM_RUSER));
	gk_msg_add_str(&m, "rhost", item(pamh, PAM_RHOST));
	gk_msg_add_str(&m, "tty", item(pamh, PAM_TTY));
	if (id != NULL)
		gk_msg_add_str(&m, "session", id);
	if (gk_client_send(fd, &m) != 0 ||
	    recv_until(fd, time(NULL) + DECISION_TIMEOUT, &m) != 0) {
		pam_syslog(pamh, LOG_ERR, "session %s: no answer from "
		    "gatekeeperd", phase);
		goto out;
	}
	if (m.type != GK_T_OK || (s = gk_msg_str(&m, "message")) == NULL ||
	    strlen(s) >= outlen) {
		pam_syslog(pamh, LOG_ERR, "session %s refused by gatekeeperd: "
		    "%s", phase, str(&m, "message"));
		goto out;
	}
	snprintf(out, outlen, "%s", s);
	rc = PAM_SUCCESS;
 out:
	gk_msg_free(&m);
	close(fd);
	return rc;
}

PAM_EXTERN int
pam_sm_open_session(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	struct opts o;
	char id[64], env[96], *copy;
	int rc;

	(void)flags;
	if (parse_opts(pamh, argc, argv, &o) != 0)
		return PAM_SERVICE_ERR;
	if ((rc = session_record(pamh, &o, "open", NULL, id, sizeof(id))) !=
	    PAM_SUCCESS) {
		say(pamh, PAM_ERROR_MSG, "gatekeeper: cannot record the session; "
		    "refused");
		return rc;
	}
	snprintf(env, sizeof(env), "GK_SESSION=%s", id);
	if ((copy = strdup(id)) == NULL)
		return PAM_BUF_ERR;
	if (pam_set_data(pamh, DATA_SESSION, copy, free_data) != PAM_SUCCESS) {
		free(copy);
		return PAM_SESSION_ERR;
	}
	if (pam_putenv(pamh, env) != PAM_SUCCESS)
		return PAM_SESSION_ERR;
	if (o.debug)
		pam_syslog(pamh, LOG_DEBUG, "session %s opened", id);
	return PAM_SUCCESS;
}

PAM_EXTERN int
pam_sm_close_session(pam_handle_t *pamh, int flags, int argc,
    const char **argv)
{
	struct opts o;
	const void *data = NULL;
	const char *id;
	char echo[64];

	(void)flags;
	if (parse_opts(pamh, argc, argv, &o) != 0)
		return PAM_SERVICE_ERR;
	if (pam_get_data(pamh, DATA_SESSION, &data) == PAM_SUCCESS &&
	    data != NULL)
		id = data;
	else if ((id = pam_getenv(pamh, "GK_SESSION")) == NULL) {
		pam_syslog(pamh, LOG_ERR, "closing a session that was not "
		    "opened here");
		return PAM_SESSION_ERR;
	}
	return session_record(pamh, &o, "close", id, echo, sizeof(echo));
}
