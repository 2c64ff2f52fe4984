/*
 * pam_gatekeeper.so: su and logins answer to gatekeeperd's policy and
 * two-token approvals; every session is audited. (sudo's commands are
 * decided by gatekeeper_approval.so, sudo's approval plugin, which sees
 * the very file, argv and identity sudo executes.)
 *
 *   account  su (services su, su-l): what su will execute, worked out from
 *            su's own argv as su does (suargs.c): the shell (-s, or the
 *            target's), its argv (login "-", -f, -c COMMAND, the words
 *            after the user), run as the target; forms that hand the
 *            caller's environment to that shell (no login, -m, -p, -w) or
 *            another group (-g, -G) are refused, naming the form;
 *            sudo (services sudo, sudo-i): passes only when /etc/sudo.conf
 *            loads gatekeeper_approval, which decides each command, and
 *            refuses otherwise (so an old PAM-only setup fails closed);
 *            any other service: a session as the target user, decided as
 *            that user's login shell run as them.
 *            local/allow pass; deny fails; approve waits for the approvals
 *            (progress through the conversation) and passes only when the
 *            daemon says "authorized".
 *   session  open/close audit records; GK_SESSION in the PAM environment.
 *
 * Options (PAM line only): socket=PATH timeout=SECONDS debug.
 *
 * MUST:
 * - fail closed: PAM_SUCCESS only from an answer of the daemon that says
 *   yes (or, under sudo, when sudo loads the approval plugin); never
 *   PAM_SUCCESS or PAM_IGNORE from an error path (daemon unreachable,
 *   protocol error, conversation error, timeout, no memory);
 * - take the socket from the PAM line only, never from the environment;
 * - decide the program su will really execute, with its argv: refuse a
 *   form it cannot decide exactly, and a shell path anyone but root could
 *   change or swap (the daemon refuses those too);
 * - never exit, never leave a signal handler or fd behind, never log a
 *   secret (it handles none: OTPs go from approvers to the daemon), and
 *   refuse a command holding an OTP-shaped word (gk_otp_argv_shaped);
 * - export only pam_sm_* (pam_gatekeeper.map).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#define PAM_SM_ACCOUNT
#define PAM_SM_SESSION
#include <security/pam_appl.h>
#include <security/pam_ext.h>
#include <security/pam_modules.h>

#include "buf.h"
#include "client.h"
#include "gate.h"
#include "gk_err.h"
#include "msg.h"
#include "otp.h"
#include "proto.h"
#include "safefile.h"
#include "suargs.h"

#define CMDLINE_MAX		(1024 * 1024)
#define DATA_SESSION		"pam_gatekeeper_session"
#define DECISION_TIMEOUT	30	/* s: for the session's answer */
#define SUDO_CONF		"/etc/sudo.conf"
#define APPROVAL_SYMBOL		"gatekeeper_approval"

static int
parse_opts(pam_handle_t *pamh, int argc, const char **argv,
    struct gk_gate_opts *o)
{
	char why[200];

	if (gk_gate_opts(o, argc, argv, why, sizeof(why)) != 0) {
		pam_syslog(pamh, LOG_ERR, "%s", why);
		return -1;
	}
	return 0;
}

/* One message through the conversation; 0, or -1 when it failed. */
static int
conv_say(pam_handle_t *pamh, int style, const char *text)
{
	const struct pam_conv *conv = NULL;
	struct pam_message msg;
	const struct pam_message *pmsg = &msg;
	struct pam_response *resp = NULL;
	int r;

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
say(pam_handle_t *pamh, int style, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
say(pam_handle_t *pamh, int style, const char *fmt, ...)
{
	char text[PAM_MAX_MSG_SIZE];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	return conv_say(pamh, style, text);
}

static int
ui_say(void *ctx, int error, const char *text)
{
	return conv_say(ctx, error ? PAM_ERROR_MSG : PAM_TEXT_INFO, text);
}

static void
ui_log(void *ctx, int priority, const char *text)
{
	pam_syslog(ctx, priority, "%s", text);
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

/* What to ask the daemon. */
struct ask {
	char		**argv;
	size_t		  argc;
	char		 *exe;		/* su: the shell it executes */
	struct stat	  st;
	char		  cwd[PATH_MAX];
	char		  user[256];
	char		  target[256];
};

static void
ask_free(struct ask *a)
{
	gk_strv_free(a->argv, a->argc);
	free(a->exe);
	memset(a, 0, sizeof(*a));
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

/* Is shell one of /etc/shells (su's test for a "restricted" one)? */
static int
listed_shell(const char *shell)
{
	char *line;
	int hit = 0;

	setusershell();
	while ((line = getusershell()) != NULL)
		if (*line != '#' && strcmp(line, shell) == 0) {
			hit = 1;
			break;
		}
	endusershell();
	return hit;
}

/* su: what it will execute, from su's own argv. */
static int
ask_su(pam_handle_t *pamh, struct ask *a, char *why, size_t whylen)
{
	struct gk_su_cmd cmd;
	struct passwd *pw;
	const char *target = NULL, *shell;
	char *buf = NULL, **v = NULL, **ops = NULL;
	int argc, r = -1;

	if (own_argv(&buf, &v, &argc) != 0) {
		snprintf(why, whylen, "cannot read su's command line");
		return -1;
	}
	if (gk_su_parse(argc, v, getenv("POSIXLY_CORRECT") != NULL, &cmd,
	    &ops, why, whylen) != 0)
		goto out;
	if (cmd.info) {
		snprintf(why, whylen, "su -h, -V or -u runs nothing here");
		goto out;
	}
	if (cmd.groups) {
		snprintf(why, whylen, "su -g/-G (another group) is not "
		    "decided by gatekeeper");
		goto out;
	}
	if (cmd.whitelist || cmd.preserve_env || !cmd.login) {
		snprintf(why, whylen, "%s hands your environment to the shell "
		    "(BASH_ENV, ENV, ...), which gatekeeper cannot decide: use "
		    "su - (or su -l)", cmd.whitelist ? "su -w" :
		    cmd.preserve_env ? "su -m/-p" : "su without - or -l");
		goto out;
	}
	/* PAM's user is su's target (su told it); it must be the argv's. */
	if (pam_get_user(pamh, &target, NULL) != PAM_SUCCESS || target == NULL ||
	    strcmp(target, cmd.user != NULL ? cmd.user : "root") != 0 ||
	    (pw = getpwnam(target)) == NULL ||
	    strlen(pw->pw_name) >= sizeof(a->target)) {
		snprintf(why, whylen, "unknown target user");
		goto out;
	}
	snprintf(a->target, sizeof(a->target), "%s", pw->pw_name);
	shell = cmd.shell;
	if (shell != NULL && getuid() != 0 && (pw->pw_shell == NULL ||
	    !listed_shell(pw->pw_shell)))
		shell = NULL;	/* su: "using restricted shell" */
	if (shell == NULL)
		shell = pw->pw_shell != NULL && *pw->pw_shell != '\0' ?
		    pw->pw_shell : "/bin/sh";
	if ((a->exe = strdup(shell)) == NULL ||
	    gk_su_argv(&cmd, shell, &a->argv, &a->argc) != 0) {
		snprintf(why, whylen, "out of memory");
		goto out;
	}
	/* A YubiKey touched at su's prompt: never sent, logged or shown. */
	if (gk_otp_argv_shaped(a->argc, a->argv)) {
		snprintf(why, whylen, "a word looks like a YubiKey one-time "
		    "password; it was not sent");
		goto out;
	}
	if (gk_safe_program(a->exe, &a->st, why, whylen) != 0 ||
	    gk_gate_limits_ok(NULL, NULL, why, whylen) != 0)
		goto out;
	if (user_of_uid(getuid(), a->user, sizeof(a->user)) != 0) {
		snprintf(why, whylen, "the invoking user has no name");
		goto out;
	}
	/* A login changes to the target's home before the shell starts. */
	snprintf(a->cwd, sizeof(a->cwd), "%s", pw->pw_dir);
	if (a->cwd[0] != '/')
		snprintf(a->cwd, sizeof(a->cwd), "/");
	r = 0;
 out:
	free(ops);
	free(v);
	free(buf);
	return r;
}

/* Logins (sshd, login...): a session as the target user, decided as that
 * user's login shell run as them. */
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
	/* The requester: who called (its real uid), else the remote user PAM
	 * was told of, else the target itself (a login). */
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

static int
is_su(const char *service)
{
	return strcmp(service, "su") == 0 || strcmp(service, "su-l") == 0;
}

/*
 * Does sudo load gatekeeper's approval plugin? sudo reads SUDO_CONF
 * (root's) before it asks PAM, and refuses to run when a plugin named
 * there cannot be loaded.
 */
static int
sudo_has_plugin(void)
{
	char line[1024], *w[3], *save;
	FILE *f;
	int hit = 0, n;

	if ((f = fopen(SUDO_CONF, "re")) == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL) {
		n = 0;
		for (w[0] = strtok_r(line, " \t\n", &save); w[n] != NULL &&
		    n < 2; w[n] = strtok_r(NULL, " \t\n", &save))
			n++;
		if (n >= 2 && strcmp(w[0], "Plugin") == 0 &&
		    strcmp(w[1], APPROVAL_SYMBOL) == 0)
			hit = 1;
	}
	fclose(f);
	return hit;
}

PAM_EXTERN int
pam_sm_acct_mgmt(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	struct gk_gate_opts o;
	struct gk_gate_ui ui = { pamh, ui_say, ui_log };
	struct gk_gate_ask q;
	struct ask a;
	const char *service;
	char why[512];
	int rc = PAM_PERM_DENIED;

	(void)flags;
	memset(&a, 0, sizeof(a));
	if (parse_opts(pamh, argc, argv, &o) != 0)
		return PAM_SERVICE_ERR;
	service = item(pamh, PAM_SERVICE);
	if (is_sudo(service)) {
		if (sudo_has_plugin())
			return PAM_SUCCESS;
		say(pamh, PAM_ERROR_MSG, "gatekeeper: sudo is gated by its "
		    "approval plugin, which %s does not load (see "
		    "pam_gatekeeper(8)); refused", SUDO_CONF);
		pam_syslog(pamh, LOG_ERR, "%s has no Plugin %s line: sudo "
		    "refused", SUDO_CONF, APPROVAL_SYMBOL);
		return PAM_PERM_DENIED;
	}
	why[0] = '\0';
	if ((is_su(service) ? ask_su(pamh, &a, why, sizeof(why)) :
	    ask_session(pamh, &a, why, sizeof(why))) != 0) {
		say(pamh, PAM_ERROR_MSG, "gatekeeper: %s; refused",
		    why[0] != '\0' ? why : "cannot tell what would run");
		pam_syslog(pamh, LOG_NOTICE, "%s: refused: %s", service, why);
		goto out;
	}
	memset(&q, 0, sizeof(q));
	q.argv = a.argv;
	q.argc = a.argc;
	q.exe = a.exe;
	q.dev = a.st.st_dev;
	q.ino = a.st.st_ino;
	q.cwd = a.cwd;
	q.user = a.user;
	q.target = a.target;
	q.tty = item(pamh, PAM_TTY);
	q.session = pam_getenv(pamh, "GK_SESSION");
	/* su runs in the caller's environment: GK_REASON is theirs. */
	if (is_su(service))
		q.reason = getenv("GK_REASON");
	if (gk_gate_decide(&o, &q, &ui) == 1)
		rc = PAM_SUCCESS;
 out:
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
session_record(pam_handle_t *pamh, const struct gk_gate_opts *o, const char *phase,
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
	if ((fd = gk_gate_connect(o)) == -1) {
		pam_syslog(pamh, LOG_ERR, "gatekeeperd is not reachable at %s: "
		    "%s", o->socket, strerror(errno));
		return PAM_SESSION_ERR;
	}
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
	    gk_gate_recv(fd, DECISION_TIMEOUT, &m) != 0) {
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
	struct gk_gate_opts o;
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
	struct gk_gate_opts o;
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
