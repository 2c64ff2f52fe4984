/*
 * gk-shell and gatekeeperd: asking about a command, the waiting experience
 * (request, fingerprint, live approvals, Ctrl-C to cancel or leave it
 * pending), and the `gk` builtins.
 *
 * MUST:
 * - treat a daemon that cannot be reached or stops answering as "nothing
 *   ran" (69), never as permission;
 * - show what came from the daemon about other people (names, arguments)
 *   only escaped;
 * - cancel a request only when the user says so;
 * - send a message only when every field of it was added (a failed
 *   gk_msg_add* must not send the part that fit);
 * - never send a reason holding a word shaped like a YubiKey OTP.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "client.h"
#include "escape.h"
#include "gk_err.h"
#include "otp.h"
#include "proto.h"
#include "shell.h"

static volatile sig_atomic_t got_int;

static void
on_int(int sig)
{
	(void)sig;
	got_int = 1;
}

static const char *
str(const struct gk_msg *m, const char *k)
{
	const char *s = gk_msg_str(m, k);

	return s != NULL ? s : "?";
}

/* Prints s escaped when it holds anything a terminal would act on. */
static void
put_safe(FILE *f, const char *s)
{
	char *e;

	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p >= 0x7f || *p == '\'' || *p == '\\') {
			if ((e = gk_escape_str(s)) == NULL)
				fputs("?", f);
			else
				fputs(e, f);
			free(e);
			return;
		}
	fputs(s, f);
}

static void
fmt_left(int64_t until, char *out, size_t n)
{
	int64_t s = until - time(NULL);

	if (s <= 0)
		snprintf(out, n, "no time");
	else if (s < 60)
		snprintf(out, n, "%llds", (long long)s);
	else if (s < 3600)
		snprintf(out, n, "%lldm %llds", (long long)(s / 60),
		    (long long)(s % 60));
	else if (s < 86400)
		snprintf(out, n, "%lldh %lldm", (long long)(s / 3600),
		    (long long)(s % 3600 / 60));
	else
		snprintf(out, n, "%lldd %lldh", (long long)(s / 86400),
		    (long long)(s % 86400 / 3600));
}

static int64_t
num(const struct gk_msg *m, const char *k)
{
	const char *s = gk_msg_str(m, k);

	return s != NULL ? strtoll(s, NULL, 10) : 0;
}

static int
dial(struct shell *sh)
{
	const char *path = gk_client_socket(sh->sockopt);
	int fd;

	if ((fd = gk_client_connect(path)) == -1)
		fprintf(stderr, "gk-shell: gatekeeperd is not reachable at %s "
		    "(%s); nothing was run\n", path, strerror(errno));
	return fd;
}

/* A message that could not be built whole (r: the first failed add's
 * code): freed, never sent. Returns the exit status, having said why. */
static int
build_failed(struct gk_msg *m, int r)
{
	gk_msg_free(m);
	if (r == GK_ERR_LIMIT) {
		fprintf(stderr, "gk-shell: the command is too large to send to "
		    "gatekeeperd; nothing was run\n");
		return SH_EXIT_USAGE;
	}
	fprintf(stderr, "gk-shell: cannot build the message to gatekeeperd "
	    "(%s); nothing was run\n", gk_strerror(r));
	return 1;
}

/* One message to the daemon on a fresh connection, and its first answer
 * (in *m). Returns 0, or -1 having said why. */
static int
exchange(struct shell *sh, struct gk_msg *m, int *fdp)
{
	int fd;

	if ((fd = dial(sh)) == -1) {
		gk_msg_free(m);
		return -1;
	}
	if (gk_client_send(fd, m) != 0 || gk_client_recv(fd, m) != 0) {
		fprintf(stderr, "gk-shell: lost the connection to gatekeeperd\n");
		close(fd);
		return -1;
	}
	if (fdp != NULL)
		*fdp = fd;
	else
		close(fd);
	return 0;
}

static int
error_status(const struct gk_msg *m)
{
	const char *code = str(m, "code");

	fprintf(stderr, "gk-shell: %s\n", str(m, "message"));
	if (strcmp(code, GK_E_DENIED) == 0 || strcmp(code, GK_E_REFUSED) == 0 ||
	    strcmp(code, GK_E_CHANGED) == 0 || strcmp(code, GK_E_STATE) == 0 ||
	    strcmp(code, GK_E_NOTFOUND) == 0)
		return GK_EXIT_REFUSED;
	return GK_EXIT_UNREACHABLE;
}

static void
print_output(const struct gk_msg *m)
{
	for (size_t i = 0; i < m->n; i++)
		if (strcmp(m->f[i].key, "data") == 0)
			(void)gk_write_all(strcmp(str(m, "stream"), "2") == 0 ? 2 : 1,
			    m->f[i].val, m->f[i].len);
}

static void
print_request(const struct gk_msg *m)
{
	char left[32];
	size_t n = gk_msg_count(m, "approver"), i, k = 0;

	fmt_left(num(m, "expires"), left, sizeof(left));
	fprintf(stderr, "gk-shell: request %s needs %s approval%s from ",
	    str(m, "id"), str(m, "need"), strcmp(str(m, "need"), "1") ? "s" : "");
	put_safe(stderr, str(m, "set"));
	fputs(" (", stderr);
	for (i = 0; i < m->n && k < n; i++)
		if (strcmp(m->f[i].key, "approver") == 0) {
			if (k++ > 0)
				fputs(", ", stderr);
			put_safe(stderr, m->f[i].val);
		}
	fputs("), rule ", stderr);
	put_safe(stderr, str(m, "rule"));
	fprintf(stderr, "\ngk-shell: fingerprint %s; expires in %s\n",
	    str(m, "fingerprint"), left);
	fprintf(stderr, "gk-shell: waiting; approvers run: gk-approve show %s  "
	    "(Ctrl-C: cancel it or leave it pending)\n", str(m, "id"));
}

static void
print_progress(const struct gk_msg *m)
{
	char left[32];
	const char *by = gk_msg_str(m, "by");

	if (by == NULL)
		return;
	fprintf(stderr, "gk-shell: request %s: approved by ", str(m, "id"));
	put_safe(stderr, by);
	fprintf(stderr, " (%s of %s)", str(m, "approvals"), str(m, "need"));
	if (num(m, "run_at") > 0) {
		fmt_left(num(m, "run_at"), left, sizeof(left));
		fprintf(stderr, "; it runs in %s unless vetoed\n", left);
	} else if (num(m, "approvals") < num(m, "need")) {
		fmt_left(num(m, "expires"), left, sizeof(left));
		fprintf(stderr, "; %s left\n", left);
	} else
		fputs("; running it\n", stderr);
}

/* The user's answer to a question, from the terminal: its first
 * character, 0 for just Enter, -1 when there is no terminal or it ended. */
static int
ask_tty(const char *question)
{
	char buf[16];
	ssize_t n;
	int fd;

	if ((fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC)) == -1)
		return -1;
	(void)gk_write_all(fd, question, strlen(question));
	do
		n = read(fd, buf, sizeof(buf) - 1);
	while (n == -1 && errno == EINTR);
	close(fd);
	if (n <= 0)
		return -1;
	return buf[0] == '\n' ? 0 : (unsigned char)buf[0];
}

static int
cancel(struct shell *sh, int64_t id)
{
	struct gk_msg m;
	int r;

	gk_msg_begin(&m, GK_T_CANCEL);
	if ((r = gk_msg_add_i64(&m, "id", id)) != 0)
		return build_failed(&m, r);
	if (exchange(sh, &m, NULL) != 0)
		return GK_EXIT_UNREACHABLE;
	if (m.type == GK_T_ERROR) {
		r = error_status(&m);
		gk_msg_free(&m);
		return r;
	}
	gk_msg_free(&m);
	return 0;
}

enum { GO_ON, STOP_LEFT };

/* Ctrl-C while following request id: cancel it, leave it pending, or go
 * on waiting. */
static int
interrupted(struct shell *sh, int64_t id, int pending)
{
	char q[200];
	int a;

	if (id <= 0 || !pending) {
		fprintf(stderr, "\ngk-shell: the command is running in "
		    "gatekeeperd and cannot be stopped from here; still "
		    "following it\n");
		return GO_ON;
	}
	snprintf(q, sizeof(q), "\ngk-shell: request %lld is waiting for "
	    "approvals. [c]ancel it, [l]eave it pending, or keep [w]aiting? ",
	    (long long)id);
	a = ask_tty(q);
	if (a == 'c' || a == 'C') {
		if (cancel(sh, id) == 0)
			fprintf(stderr, "gk-shell: request %lld cancelled\n",
			    (long long)id);
		return GO_ON;	/* the daemon ends it: END follows */
	}
	if (a != -1 && a != 'l' && a != 'L') {
		fprintf(stderr, "gk-shell: still waiting for request %lld\n",
		    (long long)id);
		return GO_ON;
	}
	fprintf(stderr, "gk-shell: request %lld left pending; follow it with "
	    "`gk wait %lld`, cancel it with `gk cancel %lld`\n", (long long)id,
	    (long long)id, (long long)id);
	return STOP_LEFT;
}

/* The status an END gives, having said what happened. */
static int
ended(const struct gk_msg *m)
{
	const char *state = str(m, "state"), *id = str(m, "id");

	if (strcmp(state, GK_ST_REJECTED) == 0) {
		fprintf(stderr, "gk-shell: request %s was rejected by ", id);
		put_safe(stderr, str(m, "by"));
		fputs("; nothing was run\n", stderr);
		return GK_EXIT_REFUSED;
	}
	if (strcmp(state, GK_ST_EXPIRED) == 0) {
		fprintf(stderr, "gk-shell: request %s expired; nothing was run\n",
		    id);
		return GK_EXIT_EXPIRED;
	}
	if (strcmp(state, GK_ST_CANCELLED) == 0) {
		fprintf(stderr, "gk-shell: request %s was cancelled; nothing "
		    "was run\n", id);
		return SH_EXIT_INTERRUPTED;
	}
	fprintf(stderr, "gk-shell: request %s %s: ", id, state);
	put_safe(stderr, str(m, "message"));
	fputc('\n', stderr);
	return GK_EXIT_REFUSED;
}

/* Follows request id (0: not known yet) on fd to its end; returns the
 * status. */
static int
follow(struct shell *sh, int fd, int64_t id)
{
	struct sigaction sa, old;
	sigset_t block, prev;
	struct pollfd pfd;
	struct gk_msg m;
	int r = -1, pending = id > 0;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_int;		/* no SA_RESTART: ppoll returns */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old);
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigprocmask(SIG_BLOCK, &block, &prev);
	got_int = 0;
	while (r < 0) {
		pfd.fd = fd;
		pfd.events = POLLIN;
		if (ppoll(&pfd, 1, NULL, &prev) == -1) {
			if (errno != EINTR)
				break;
			if (got_int) {
				got_int = 0;
				if (interrupted(sh, id, pending) == STOP_LEFT)
					r = SH_EXIT_INTERRUPTED;
			}
			continue;
		}
		if (gk_client_recv(fd, &m) != 0)
			break;
		switch (m.type) {
		case GK_T_REQUEST:
			id = num(&m, "id");
			pending = 1;
			print_request(&m);
			break;
		case GK_T_PROGRESS:
			id = num(&m, "id");
			pending = num(&m, "approvals") < num(&m, "need") ||
			    num(&m, "run_at") > 0;
			print_progress(&m);
			break;
		case GK_T_OUTPUT:
			pending = 0;
			print_output(&m);
			break;
		case GK_T_EXIT:
			r = (int)num(&m, "status");
			if (strcmp(str(&m, "state"), GK_ST_FAILED) == 0 && r == 0)
				r = 1;
			break;
		case GK_T_END:
			r = ended(&m);
			break;
		case GK_T_ERROR:
			r = error_status(&m);
			break;
		default:
			break;
		}
		gk_msg_free(&m);
	}
	sigprocmask(SIG_SETMASK, &prev, NULL);
	sigaction(SIGINT, &old, NULL);
	if (r < 0) {
		fprintf(stderr, "gk-shell: lost the connection to gatekeeperd");
		if (id > 0)
			fprintf(stderr, "; `gk show %lld` tells what became of "
			    "request %lld", (long long)id, (long long)id);
		fputc('\n', stderr);
		r = GK_EXIT_UNREACHABLE;
	}
	return r;
}

static void
print_denied(const struct gk_msg *m, const char *prog)
{
	const char *why = gk_msg_str(m, "why");

	fputs("gk-shell: ", stderr);
	put_safe(stderr, prog);
	if (gk_msg_str(m, "rule") != NULL) {
		fputs(": denied by rule ", stderr);
		put_safe(stderr, str(m, "rule"));
		if (why != NULL && strcmp(why, "denied by policy") != 0) {
			fputs(": ", stderr);
			put_safe(stderr, why);
		}
	} else {
		fputs(": denied: ", stderr);
		put_safe(stderr, why != NULL ? why : "no rule allows it");
	}
	fputc('\n', stderr);
}

int
sh_ask(struct shell *sh, char **argv, size_t argc, int pipeline, char **exe,
    int *status)
{
	struct gk_msg m;
	const char *action, *e;
	int fd, r = 0;

	*exe = NULL;
	if ((e = getenv("GK_REASON")) != NULL && gk_otp_shaped(e)) {
		fprintf(stderr, "gk-shell: $GK_REASON holds a word that looks "
		    "like a YubiKey one-time password; it was not sent and "
		    "nothing was run (gk reason --clear drops it)\n");
		*status = SH_EXIT_USAGE;
		return 0;
	}
	gk_msg_begin(&m, GK_T_RUN);
	for (size_t i = 0; i < argc && r == 0; i++)
		r = gk_msg_add_str(&m, "arg", argv[i]);
	if (r == 0)
		r = gk_msg_add_str(&m, "cwd", sh->pwd);
	if (r == 0 && e != NULL && *e != '\0')
		r = gk_msg_add_str(&m, "reason", e);
	if (r == 0 && sh->ssh != NULL)
		r = gk_msg_add_str(&m, "ssh", sh->ssh);
	if (r == 0 && sh->tty[0] != '\0')
		r = gk_msg_add_str(&m, "tty", sh->tty);
	if (r == 0)
		r = gk_msg_add_str(&m, "session", sh->session);
	if (r == 0 && pipeline)
		r = gk_msg_add_str(&m, "pipeline", "1");
	if (r != 0) {
		*status = build_failed(&m, r);
		return 0;
	}
	if (exchange(sh, &m, &fd) != 0) {
		*status = GK_EXIT_UNREACHABLE;
		return 0;
	}
	if (m.type == GK_T_ERROR) {
		*status = error_status(&m);
		goto done;
	}
	if (m.type != GK_T_DECISION) {
		fprintf(stderr, "gk-shell: gatekeeperd answered out of turn; "
		    "nothing was run\n");
		*status = GK_EXIT_UNREACHABLE;
		goto done;
	}
	action = str(&m, "action");
	if (strcmp(action, "local") == 0) {
		if ((e = gk_msg_str(&m, "exe")) != NULL && (*exe = strdup(e)) ==
		    NULL) {
			fprintf(stderr, "gk-shell: out of memory\n");
			*status = 1;
			goto done;
		}
		gk_msg_free(&m);
		close(fd);
		return 1;
	}
	if (strcmp(action, "deny") == 0) {
		print_denied(&m, argv[0]);
		*status = GK_EXIT_REFUSED;
		goto done;
	}
	gk_msg_free(&m);
	*status = follow(sh, fd, 0);
	close(fd);
	return 0;
 done:
	gk_msg_free(&m);
	close(fd);
	return 0;
}

/* The `gk` builtin -------------------------------------------------------- */

static int
parse_id(const char *s, int64_t *id)
{
	char *end;
	long long v;

	if (s == NULL || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0' || v <= 0)
		return -1;
	*id = v;
	return 0;
}

static void
print_args(const struct gk_msg *m)
{
	size_t n;
	char **v = gk_msg_strv(m, "arg", &n), *e;

	if (v == NULL || (e = gk_escape_argv(n, v)) == NULL) {
		fputs("?", stdout);
	} else {
		fputs(e, stdout);
		free(e);
	}
	free(v);
}

static int
gk_list(struct shell *sh)
{
	struct gk_msg m;
	char left[32];
	int fd, r = 0, any = 0;

	sh_who(sh);
	gk_msg_begin(&m, GK_T_LIST);
	if (exchange(sh, &m, &fd) != 0)
		return GK_EXIT_UNREACHABLE;
	for (;;) {
		if (m.type == GK_T_DONE)
			break;
		if (m.type == GK_T_ERROR) {
			r = error_status(&m);
			break;
		}
		if (m.type == GK_T_ITEM && strcmp(str(&m, "user"), sh->user) == 0) {
			fmt_left(num(&m, "expires"), left, sizeof(left));
			printf("%-5s %-8s %s/%s approvals  %-9s ", str(&m, "id"),
			    str(&m, "state"), str(&m, "approvals"),
			    str(&m, "need"), left);
			print_args(&m);
			putchar('\n');
			any = 1;
		}
		gk_msg_free(&m);
		if (gk_client_recv(fd, &m) != 0) {
			fprintf(stderr, "gk-shell: lost the connection to "
			    "gatekeeperd\n");
			close(fd);
			return GK_EXIT_UNREACHABLE;
		}
	}
	gk_msg_free(&m);
	close(fd);
	if (!any && r == 0)
		printf("no pending requests of yours\n");
	return r;
}

static void
show_line(const char *label, const char *value)
{
	printf("%-12s ", label);
	put_safe(stdout, value);
	putchar('\n');
}

static int
gk_show(struct shell *sh, int64_t id)
{
	struct gk_msg m;
	char left[32], when[64];
	time_t t;
	size_t i;
	int r;

	gk_msg_begin(&m, GK_T_SHOW);
	if ((r = gk_msg_add_i64(&m, "id", id)) != 0)
		return build_failed(&m, r);
	if (exchange(sh, &m, NULL) != 0)
		return GK_EXIT_UNREACHABLE;
	if (m.type != GK_T_ITEM) {
		r = m.type == GK_T_ERROR ? error_status(&m) : 1;
		gk_msg_free(&m);
		return r;
	}
	show_line("request", str(&m, "id"));
	show_line("state", str(&m, "state"));
	printf("%-12s ", "command");
	print_args(&m);
	putchar('\n');
	show_line("cwd", str(&m, "cwd"));
	show_line("run as", str(&m, "run_as"));
	show_line("rule", str(&m, "rule"));
	if (*str(&m, "reason") != '\0' && strcmp(str(&m, "reason"), "?") != 0)
		show_line("reason", str(&m, "reason"));
	show_line("fingerprint", str(&m, "fingerprint"));
	printf("%-12s %s of %s from ", "approvals", str(&m, "approvals"),
	    str(&m, "need"));
	put_safe(stdout, str(&m, "set"));
	putchar('\n');
	for (i = 0; i < m.n; i++)
		if (strcmp(m.f[i].key, "decided") == 0)
			show_line("", m.f[i].val);
	t = (time_t)num(&m, "expires");
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", localtime(&t));
	fmt_left(num(&m, "expires"), left, sizeof(left));
	printf("%-12s %s (%s left)\n", "expires", when, left);
	if (gk_msg_str(&m, "status") != NULL)
		show_line("exit status", str(&m, "status"));
	for (i = 0; i < m.n; i++)
		if (strcmp(m.f[i].key, "output") == 0 && m.f[i].len > 0) {
			printf("output:\n");
			fflush(stdout);
			(void)gk_write_all(1, m.f[i].val, m.f[i].len);
		}
	gk_msg_free(&m);
	return 0;
}

static int
gk_wait(struct shell *sh, int64_t id)
{
	struct gk_msg m;
	int fd, r;

	gk_msg_begin(&m, GK_T_WAIT);
	if ((r = gk_msg_add_i64(&m, "id", id)) != 0)
		return build_failed(&m, r);
	if ((fd = dial(sh)) == -1) {
		gk_msg_free(&m);
		return GK_EXIT_UNREACHABLE;
	}
	if (gk_client_send(fd, &m) != 0) {
		close(fd);
		fprintf(stderr, "gk-shell: lost the connection to gatekeeperd\n");
		return GK_EXIT_UNREACHABLE;
	}
	r = follow(sh, fd, id);
	close(fd);
	return r;
}

static const char GK_USAGE[] =
    "usage: gk list              your pending requests\n"
    "       gk show ID           everything about request ID\n"
    "       gk wait ID           follow request ID until it ends\n"
    "       gk cancel ID         cancel request ID\n"
    "       gk reason [TEXT...]  show or set the reason sent with commands\n"
    "       gk reason --clear    send no reason\n";

/* gk reason: the reason rides in $GK_REASON, so local commands see it
 * too and the next gk-shell inherits it. */
static int
gk_reason(char **argv, size_t argc)
{
	const char *r = getenv("GK_REASON");
	size_t len = 0, i;
	char *s;

	if (argc == 2) {
		if (r != NULL && *r != '\0') {
			put_safe(stdout, r);
			putchar('\n');
		} else
			printf("no reason set\n");
		return 0;
	}
	if (argc == 3 && strcmp(argv[2], "--clear") == 0) {
		unsetenv("GK_REASON");
		return 0;
	}
	for (i = 2; i < argc; i++)
		len += strlen(argv[i]) + 1;
	if (len > 1024) {
		fprintf(stderr, "gk-shell: gk reason: longer than 1024 bytes\n");
		return 2;
	}
	if ((s = calloc(1, len + 1)) == NULL)
		return 1;
	for (i = 2; i < argc; i++) {
		if (i > 2)
			strcat(s, " ");
		strcat(s, argv[i]);
	}
	r = setenv("GK_REASON", s, 1) == 0 ? NULL : "";
	free(s);
	return r == NULL ? 0 : 1;
}

int
sh_gk(struct shell *sh, char **argv, size_t argc)
{
	int64_t id = 0;
	int r;

	if (argc == 2 && strcmp(argv[1], "list") == 0)
		return gk_list(sh);
	if (argc >= 2 && strcmp(argv[1], "reason") == 0)
		return gk_reason(argv, argc);
	if (argc == 2 && strcmp(argv[1], "help") == 0) {
		fputs(GK_USAGE, stdout);
		return 0;
	}
	if (argc != 3 || (strcmp(argv[1], "show") != 0 &&
	    strcmp(argv[1], "wait") != 0 && strcmp(argv[1], "cancel") != 0)) {
		fputs(GK_USAGE, stderr);
		return 2;
	}
	if (parse_id(argv[2], &id) != 0) {
		fprintf(stderr, "gk-shell: gk %s: not a request number: ",
		    argv[1]);
		put_safe(stderr, argv[2]);
		fputc('\n', stderr);
		return 2;
	}
	if (strcmp(argv[1], "show") == 0)
		return gk_show(sh, id);
	if (strcmp(argv[1], "wait") == 0)
		return gk_wait(sh, id);
	if ((r = cancel(sh, id)) == 0)
		printf("request %lld cancelled\n", (long long)id);
	return r;
}
