/*
 * gkctl: the operator's tool. check and explain work offline on a policy
 * directory; the rest talk to gatekeeperd.
 *
 * MUST:
 * - take a token's secrets (private id, AES key) from standard input or
 *   the terminal (no echo) only, never from argv, where every local user
 *   reads them (/proc/PID/cmdline); never print them; wipe them after use.
 */
#include <err.h>
#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "client.h"
#include "escape.h"
#include "gk_err.h"
#include "policy.h"
#include "proto.h"

#define DEFAULT_POLICYDIR	"/etc/gatekeeper/policies"
#define EXIT_USAGE		2

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr,
	    "usage: gkctl check [POLICYDIR]\n"
	    "       gkctl explain [-p POLICYDIR] [--user USER] -- ARGV...\n"
	    "       gkctl [-s SOCKET] enroll NAME --uid UID --pubkey KEY "
	    "--yubikey - [--replace]\n"
	    "       gkctl [-s SOCKET] approvers\n"
	    "       gkctl [-s SOCKET] revoke NAME\n"
	    "       gkctl [-s SOCKET] seal\n"
	    "       gkctl [-s SOCKET] lockdown [start|lift|status]\n"
	    "       gkctl [-s SOCKET] cancel ID\n");
	exit(EXIT_USAGE);
}

static struct gk_policy *
load_or_report(const char *dir)
{
	struct gk_policy_errors errs = { 0 };
	struct gk_policy *p;
	size_t i;

	if (gk_policy_load_dir(dir, &p, &errs) != 0) {
		for (i = 0; i < errs.n; i++)
			fprintf(stderr, "%s\n", errs.msgs[i]);
		if (errs.lost > 0)
			fprintf(stderr, "%s: %zu more errors (out of memory)\n",
			    dir, errs.lost);
		gk_policy_errors_free(&errs);
		return NULL;
	}
	return p;
}

static int
cmd_check(int argc, char **argv)
{
	const char *dir = DEFAULT_POLICYDIR;
	struct gk_policy *p;

	if (argc > 2)
		usage();
	if (argc == 2)
		dir = argv[1];
	if ((p = load_or_report(dir)) == NULL)
		return 1;
	printf("%s: ok: %zu rule%s, %zu approver set%s in %zu file%s\n", dir,
	    p->nrules, p->nrules == 1 ? "" : "s", p->nsets,
	    p->nsets == 1 ? "" : "s", p->nfiles, p->nfiles == 1 ? "" : "s");
	gk_policy_free(p);
	return 0;
}

static int
cmd_explain(int argc, char **argv)
{
	const char *dir = DEFAULT_POLICYDIR, *user = NULL;
	struct gk_policy *p;
	struct gk_decision d;
	struct gk_query q;
	struct passwd *pw;
	char cwd[PATH_MAX], ubuf[32], **groups, *shown;
	size_t ngroups, i;
	int a;

	for (a = 1; a < argc; a++) {
		if (strcmp(argv[a], "--") == 0) {
			a++;
			break;
		} else if (strcmp(argv[a], "-p") == 0 && a + 1 < argc)
			dir = argv[++a];
		else if (strcmp(argv[a], "--user") == 0 && a + 1 < argc)
			user = argv[++a];
		else
			usage();
	}
	if (a >= argc)
		usage();
	if (user == NULL) {
		if ((pw = getpwuid(getuid())) != NULL)
			user = pw->pw_name;
		else {
			snprintf(ubuf, sizeof(ubuf), "%lu", (unsigned long)getuid());
			user = ubuf;
		}
	}
	if (getcwd(cwd, sizeof(cwd)) == NULL)
		err(1, "getcwd");
	if ((p = load_or_report(dir)) == NULL)
		return 1;
	/* An unknown user is fine: no groups. */
	memset(&q, 0, sizeof(q));
	q.user = user;
	q.uid = (uid_t)-1;
	groups = NULL;
	ngroups = 0;
	if ((pw = getpwnam(user)) != NULL) {
		q.uid = pw->pw_uid;
		if (gk_user_groups(user, pw->pw_gid, &groups, &ngroups) != 0)
			errx(1, "out of memory");
	}
	q.groups = groups;
	q.ngroups = ngroups;
	q.argc = (size_t)(argc - a);
	q.argv = argv + a;
	q.cwd = cwd;
	if (gk_policy_decide(p, &q, &d) != 0)
		errx(1, "out of memory");

	if (d.rule == NULL)
		printf("deny: %s (default deny)\n", d.why);
	else if (d.action != d.rule->action) {
		/* The rule matched, but its arguments are refused. */
		printf("deny: rule %s at %s:%d matched (%s), but: %s\n",
		    d.rule->label, d.rule->file, d.rule->line,
		    gk_action_name(d.rule->action), d.why);
	} else {
		const struct gk_rule *r = d.rule;

		if (r->action == GK_ACT_APPROVE)
			printf("approve %u by %s", r->need, p->sets[r->set].name);
		else
			printf("%s", gk_action_name(r->action));
		if (r->name != NULL)
			printf(": rule %s at %s:%d\n", r->name, r->file, r->line);
		else
			printf(": unnamed rule at %s:%d\n", r->file, r->line);
		if (r->as_user != NULL)
			printf("  runs as: %s\n", r->as_user);
		if (r->delay > 0)
			printf("  delay: %llds after approval\n", (long long)r->delay);
		if (r->expire > 0)
			printf("  expires: %llds after the request\n",
			    (long long)r->expire);
		if (r->reason_match != NULL)
			printf("  a reason matching \"%s\" is required\n",
			    r->reason_match);
		else if (r->reason)
			printf("  a reason is required\n");
		if (r->action == GK_ACT_APPROVE) {
			printf("  approvers:");
			for (i = 0; i < p->sets[r->set].nmembers; i++)
				printf(" %s", p->sets[r->set].members[i]);
			printf("\n");
		}
	}
	if ((shown = gk_escape_str(argv[a])) == NULL)
		errx(1, "out of memory");
	if (!d.secure)
		printf("  program: %s is outside the secure PATH (only absolute-path "
		    "rules can match it)\n", shown);
	else if (!d.installed)
		printf("  program: %s is not installed on this host (matched by "
		    "name)\n", shown);
	else
		printf("  program: %s -> %s\n", shown, d.exe);
	free(shown);
	printf("  user: %s (groups:", user);
	for (i = 0; i < ngroups; i++)
		printf(" %s", groups[i]);
	printf("%s)\n", ngroups == 0 ? " none" : "");
	if ((shown = gk_escape_argv(q.argc, q.argv)) == NULL)
		errx(1, "out of memory");
	printf("  command: %s\n  cwd: %s\n", shown, cwd);
	free(shown);
	gk_strv_free(groups, ngroups);
	gk_decision_free(&d);
	gk_policy_free(p);
	return 0;
}

static const char *sockopt;

/* Sends m and returns the connected fd; exits 69 when unreachable. */
static int
ask(struct gk_msg *m)
{
	int fd = gk_client_dial(sockopt);

	if (gk_client_send(fd, m) != 0)
		errx(69, "lost the connection to gatekeeperd");
	return fd;
}

/* Reads the one OK/ERROR answer; returns the exit status. */
static int
answer(int fd)
{
	struct gk_msg m;
	const char *s;
	int r = 1;

	if (gk_client_recv(fd, &m) != 0)
		errx(69, "lost the connection to gatekeeperd");
	if (m.type == GK_T_OK) {
		if ((s = gk_msg_str(&m, "message")) != NULL)
			printf("%s\n", s);
		r = 0;
	} else if (m.type == GK_T_ERROR) {
		s = gk_msg_str(&m, "message");
		fprintf(stderr, "gkctl: %s\n", s ? s : "refused");
	} else
		fprintf(stderr, "gkctl: unexpected answer from gatekeeperd\n");
	gk_msg_free(&m);
	close(fd);
	return r;
}

#define YK_LINE_MAX	256

/*
 * PUBLICID:PRIVATEID:AESKEY, one line from standard input, or from the
 * terminal with echo off when stdin is one. Exits 2 when there is none or
 * it is too long (never showing it).
 */
static void
read_yubikey(char *buf, size_t size)
{
	struct termios saved, t;
	size_t n = 0;
	ssize_t r;
	int tty = isatty(STDIN_FILENO), over = 0, any = 0;
	char c;

	if (tty) {
		if (tcgetattr(STDIN_FILENO, &saved) == -1)
			err(1, "tcgetattr");
		t = saved;
		t.c_lflag &= ~(tcflag_t)(ECHO | ECHOE | ECHOK | ECHONL);
		t.c_lflag |= ICANON;
		fprintf(stderr, "the token's PUBLICID:PRIVATEID:AESKEY: ");
		tcsetattr(STDIN_FILENO, TCSADRAIN, &t);
	}
	for (;;) {
		if ((r = read(STDIN_FILENO, &c, 1)) == -1 && errno == EINTR)
			continue;
		if (r <= 0 || c == '\n')
			break;
		any = 1;
		if (n + 1 < size)
			buf[n++] = c;
		else
			over = 1;
	}
	c = 0;
	if (tty) {
		tcsetattr(STDIN_FILENO, TCSADRAIN, &saved);
		fputc('\n', stderr);
	}
	if (n > 0 && buf[n - 1] == '\r')
		n--;
	buf[n] = '\0';
	if (over) {
		explicit_bzero(buf, size);
		errx(EXIT_USAGE, "--yubikey -: the line on standard input is "
		    "too long for PUBLICID:PRIVATEID:AESKEY");
	}
	if (!any || n == 0)
		errx(EXIT_USAGE, "--yubikey -: no PUBLICID:PRIVATEID:AESKEY on "
		    "standard input");
}

static int
cmd_enroll(int argc, char **argv)
{
	const char *uid = NULL, *pub = NULL, *yk = NULL;
	char ykbuf[YK_LINE_MAX];
	struct gk_msg m;
	int a, r, replace = 0;

	if (argc < 2 || argv[1][0] == '-')
		usage();
	for (a = 2; a < argc; a++) {
		if (strcmp(argv[a], "--replace") == 0) {
			replace = 1;
			continue;
		}
		if (a + 1 >= argc)
			usage();
		if (strcmp(argv[a], "--uid") == 0)
			uid = argv[++a];
		else if (strcmp(argv[a], "--pubkey") == 0)
			pub = argv[++a];
		else if (strcmp(argv[a], "--yubikey") == 0)
			yk = argv[++a];
		else
			usage();
	}
	if (uid == NULL || pub == NULL || yk == NULL)
		usage();
	/* The inline form put the AES key and private id in argv. */
	if (strcmp(yk, "-") != 0)
		errx(EXIT_USAGE, "the token's secrets are never taken from "
		    "the command line, where every local user can read them: "
		    "use --yubikey - and give PUBLICID:PRIVATEID:AESKEY on "
		    "standard input (or at the terminal prompt)");
	read_yubikey(ykbuf, sizeof(ykbuf));
	gk_msg_begin(&m, GK_T_ENROLL);
	if ((r = gk_msg_add_str(&m, "name", argv[1])) != 0 ||
	    (r = gk_msg_add_str(&m, "uid", uid)) != 0 ||
	    (r = gk_msg_add_str(&m, "pubkey", pub)) != 0 ||
	    (r = gk_msg_add_str(&m, "yubikey", ykbuf)) != 0 ||
	    (replace && (r = gk_msg_add_str(&m, "replace", "1")) != 0)) {
		explicit_bzero(ykbuf, sizeof(ykbuf));
		gk_msg_free(&m);
		errx(1, "cannot build the enrolment: %s", gk_strerror(r));
	}
	explicit_bzero(ykbuf, sizeof(ykbuf));
	return answer(ask(&m));
}

static int
cmd_revoke(int argc, char **argv)
{
	struct gk_msg m;

	if (argc != 2)
		usage();
	gk_msg_begin(&m, GK_T_REVOKE);
	gk_msg_add_str(&m, "name", argv[1]);
	return answer(ask(&m));
}

static int
cmd_seal(int argc, char **argv)
{
	struct gk_msg m;

	(void)argv;
	if (argc != 1)
		usage();
	gk_msg_begin(&m, GK_T_SEAL);
	return answer(ask(&m));
}

static int
cmd_lockdown(int argc, char **argv)
{
	struct gk_msg m;

	if (argc > 2 || (argc == 2 && strcmp(argv[1], "start") != 0 &&
	    strcmp(argv[1], "lift") != 0 && strcmp(argv[1], "status") != 0))
		usage();
	gk_msg_begin(&m, GK_T_LOCKDOWN);
	gk_msg_add_str(&m, "action", argc == 2 ? argv[1] : "start");
	return answer(ask(&m));
}

static int
cmd_cancel(int argc, char **argv)
{
	struct gk_msg m;

	if (argc != 2 || strspn(argv[1], "0123456789") != strlen(argv[1]) ||
	    argv[1][0] == '\0' || strlen(argv[1]) > 18)
		usage();
	gk_msg_begin(&m, GK_T_CANCEL);
	gk_msg_add_str(&m, "id", argv[1]);
	return answer(ask(&m));
}

static int
cmd_approvers(int argc, char **argv)
{
	struct gk_msg m;
	const char *s;
	int fd;

	(void)argv;
	if (argc != 1)
		usage();
	gk_msg_begin(&m, GK_T_APPROVERS);
	fd = ask(&m);
	for (;;) {
		if (gk_client_recv(fd, &m) != 0)
			errx(69, "lost the connection to gatekeeperd");
		if (m.type == GK_T_DONE)
			break;
		if (m.type == GK_T_ERROR) {
			s = gk_msg_str(&m, "message");
			fprintf(stderr, "gkctl: %s\n", s ? s : "refused");
			gk_msg_free(&m);
			return 1;
		}
		if (m.type == GK_T_ITEM) {
			const char *name = gk_msg_str(&m, "name");
			const char *uid = gk_msg_str(&m, "uid");
			const char *pid = gk_msg_str(&m, "public_id");
			const char *pk = gk_msg_str(&m, "pubkey");

			printf("%s uid=%s yubikey=%s pubkey=ed25519:%s\n",
			    name ? name : "?", uid ? uid : "?", pid ? pid : "?",
			    pk ? pk : "?");
		}
		gk_msg_free(&m);
	}
	gk_msg_free(&m);
	close(fd);
	return 0;
}

static const struct {
	const char *name;
	int (*fn)(int, char **);
} commands[] = {
	{ "check", cmd_check },
	{ "explain", cmd_explain },
	{ "enroll", cmd_enroll },
	{ "approvers", cmd_approvers },
	{ "revoke", cmd_revoke },
	{ "seal", cmd_seal },
	{ "lockdown", cmd_lockdown },
	{ "cancel", cmd_cancel },
};

int
main(int argc, char **argv)
{
	size_t i;

	if (argc >= 3 && strcmp(argv[1], "-s") == 0) {
		sockopt = argv[2];
		argc -= 2;
		argv += 2;
	}
	if (argc < 2)
		usage();
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "gkctl: unknown command \"%s\"\n", argv[1]);
	usage();
}
