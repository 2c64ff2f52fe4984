/*
 * gk-shell: the admins' login shell. Every command goes through the
 * daemon's policy: local ones run here as the user, allow/approve ones
 * are run by gatekeeperd after the approvals it needs.
 *
 * MUST:
 * - run nothing when the daemon cannot be asked (exit 69: fail closed);
 * - run a local command by the program the policy judged, never by a
 *   lookup of its own;
 * - exit with the command's own status; 77 refused or rejected, 75
 *   expired.
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "client.h"
#include "escape.h"
#include "proto.h"

static const char *sockopt;

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: gk-shell [-s SOCKET] [-c 'COMMAND LINE']\n");
	exit(2);
}

/*
 * Splits a line into words: blanks separate, '...' and "..." quote, a
 * backslash escapes the next character (inside "..." only \" \\ and \$).
 * Returns the word count, or -1 with a message for an unterminated quote.
 */
static int
split_words(const char *line, char ***out)
{
	char **v = NULL, *w = NULL;
	size_t n = 0, wl = 0, len = strlen(line);
	int inword = 0;
	char q = 0;

	*out = NULL;
	if ((w = malloc(len + 1)) == NULL)
		return -1;
	for (const char *p = line;; p++) {
		char ch = *p;

		if (q == '\'') {
			if (ch == '\0')
				goto unterminated;
			if (ch == '\'')
				q = 0;
			else
				w[wl++] = ch;
			continue;
		}
		if (q == '"') {
			if (ch == '\0')
				goto unterminated;
			if (ch == '"')
				q = 0;
			else if (ch == '\\' && (p[1] == '"' || p[1] == '\\' ||
			    p[1] == '$'))
				w[wl++] = *++p;
			else
				w[wl++] = ch;
			continue;
		}
		if (ch == '\0' || ch == ' ' || ch == '\t' || ch == '\n') {
			if (inword) {
				char **nv = realloc(v, (n + 2) * sizeof(*v));

				if (nv == NULL)
					goto fail;
				v = nv;
				w[wl] = '\0';
				if ((v[n++] = strdup(w)) == NULL)
					goto fail;
				v[n] = NULL;
				wl = 0;
				inword = 0;
			}
			if (ch == '\0')
				break;
			continue;
		}
		inword = 1;
		if (ch == '\'' || ch == '"')
			q = ch;
		else if (ch == '\\' && p[1] != '\0')
			w[wl++] = *++p;
		else
			w[wl++] = ch;
	}
	free(w);
	*out = v;
	return (int)n;
 unterminated:
	fprintf(stderr, "gk-shell: unterminated quote\n");
 fail:
	free(w);
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
	return -1;
}

static int
connect_daemon(void)
{
	const char *path = gk_client_socket(sockopt);
	int fd;

	if ((fd = gk_client_connect(path)) == -1)
		fprintf(stderr, "gk-shell: gatekeeperd is not reachable at %s (%s); "
		    "nothing was run\n", path, strerror(errno));
	return fd;
}

static void
write_all(int fd, const char *p, size_t n)
{
	ssize_t w;

	while (n > 0) {
		if ((w = write(fd, p, n)) <= 0) {
			if (w == -1 && errno == EINTR)
				continue;
			return;
		}
		p += w;
		n -= (size_t)w;
	}
}

static int
run_local(const char *exe, char **argv)
{
	pid_t pid;
	int st;

	if (exe == NULL) {
		fprintf(stderr, "gk-shell: %s: command not found\n", argv[0]);
		return 127;
	}
	if ((pid = fork()) == -1) {
		fprintf(stderr, "gk-shell: fork: %s\n", strerror(errno));
		return 126;
	}
	if (pid == 0) {
		signal(SIGINT, SIG_DFL);
		signal(SIGQUIT, SIG_DFL);
		execv(exe, argv);
		fprintf(stderr, "gk-shell: %s: %s\n", argv[0], strerror(errno));
		_exit(errno == ENOENT ? 127 : 126);
	}
	while (waitpid(pid, &st, 0) == -1)
		if (errno != EINTR)
			return 126;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static const char *
str(const struct gk_msg *m, const char *k)
{
	const char *s = gk_msg_str(m, k);

	return s != NULL ? s : "?";
}

/* Follows a request to its end, printing progress; returns the status. */
static int
follow(int fd)
{
	struct gk_msg m;
	const char *s, *state;
	int r;

	for (;;) {
		if (gk_client_recv(fd, &m) != 0) {
			fprintf(stderr, "gk-shell: lost the connection to "
			    "gatekeeperd\n");
			return GK_EXIT_UNREACHABLE;
		}
		switch (m.type) {
		case GK_T_REQUEST: {
			long long exp = atoll(str(&m, "expires")) - time(NULL);

			fprintf(stderr, "gk-shell: request %s needs %s approval%s "
			    "from %s (rule %s); fingerprint %s; expires in %lldm\n",
			    str(&m, "id"), str(&m, "need"),
			    strcmp(str(&m, "need"), "1") ? "s" : "", str(&m, "set"),
			    str(&m, "rule"), str(&m, "fingerprint"),
			    exp > 0 ? (exp + 59) / 60 : 0);
			fprintf(stderr, "gk-shell: waiting for approvals "
			    "(approvers: gk-approve show %s)\n", str(&m, "id"));
			break;
		}
		case GK_T_PROGRESS:
			if ((s = gk_msg_str(&m, "by")) != NULL) {
				char *e = gk_escape_str(s);

				fprintf(stderr, "gk-shell: request %s: approved by "
				    "%s (%s of %s)\n", str(&m, "id"), e ? e : "?",
				    str(&m, "approvals"), str(&m, "need"));
				free(e);
			}
			break;
		case GK_T_OUTPUT: {
			const struct gk_field *f = NULL;

			for (size_t i = 0; i < m.n; i++)
				if (strcmp(m.f[i].key, "data") == 0)
					f = &m.f[i];
			if (f != NULL)
				write_all(strcmp(str(&m, "stream"), "2") == 0 ? 2 : 1,
				    f->val, f->len);
			break;
		}
		case GK_T_EXIT:
			r = atoi(str(&m, "status"));
			gk_msg_free(&m);
			return r;
		case GK_T_END:
			state = str(&m, "state");
			s = str(&m, "message");
			if (strcmp(state, GK_ST_REJECTED) == 0)
				fprintf(stderr, "gk-shell: request %s was rejected "
				    "by %s; nothing was run\n", str(&m, "id"),
				    str(&m, "by"));
			else if (strcmp(state, GK_ST_EXPIRED) == 0)
				fprintf(stderr, "gk-shell: request %s expired; "
				    "nothing was run\n", str(&m, "id"));
			else
				fprintf(stderr, "gk-shell: request %s %s: %s\n",
				    str(&m, "id"), state, s);
			r = strcmp(state, GK_ST_EXPIRED) == 0 ? GK_EXIT_EXPIRED :
			    GK_EXIT_REFUSED;
			gk_msg_free(&m);
			return r;
		case GK_T_ERROR:
			fprintf(stderr, "gk-shell: %s\n", str(&m, "message"));
			gk_msg_free(&m);
			return GK_EXIT_REFUSED;
		default:
			break;
		}
		gk_msg_free(&m);
	}
}

/* Asks the daemon about one command and carries out its decision. */
static int
run_command(char **argv, int argc)
{
	struct gk_msg m;
	const char *action, *e;
	char cwd[PATH_MAX], *tty;
	int fd, r, i;

	if (getcwd(cwd, sizeof(cwd)) == NULL) {
		fprintf(stderr, "gk-shell: cannot tell the working directory\n");
		return 1;
	}
	if ((fd = connect_daemon()) == -1)
		return GK_EXIT_UNREACHABLE;
	gk_msg_begin(&m, GK_T_RUN);
	for (i = 0; i < argc; i++)
		gk_msg_add_str(&m, "arg", argv[i]);
	gk_msg_add_str(&m, "cwd", cwd);
	if ((e = getenv("GK_REASON")) != NULL && *e != '\0')
		gk_msg_add_str(&m, "reason", e);
	if ((e = getenv("SSH_CONNECTION")) != NULL)
		gk_msg_add_str(&m, "ssh", e);
	if ((tty = ttyname(0)) != NULL)
		gk_msg_add_str(&m, "tty", tty);
	if (gk_client_send(fd, &m) != 0 || gk_client_recv(fd, &m) != 0) {
		fprintf(stderr, "gk-shell: lost the connection to gatekeeperd; "
		    "nothing was run\n");
		close(fd);
		return GK_EXIT_UNREACHABLE;
	}
	if (m.type == GK_T_ERROR) {
		fprintf(stderr, "gk-shell: %s\n", str(&m, "message"));
		gk_msg_free(&m);
		close(fd);
		return GK_EXIT_REFUSED;
	}
	if (m.type != GK_T_DECISION) {
		gk_msg_free(&m);
		close(fd);
		return GK_EXIT_REFUSED;
	}
	action = str(&m, "action");
	if (strcmp(action, "local") == 0) {
		char *exe = gk_msg_str(&m, "exe") ? strdup(gk_msg_str(&m, "exe")) :
		    NULL;

		gk_msg_free(&m);
		close(fd);
		r = run_local(exe, argv);
		free(exe);
		return r;
	}
	if (strcmp(action, "deny") == 0) {
		if (gk_msg_str(&m, "rule") != NULL)
			fprintf(stderr, "gk-shell: %s: denied by rule %s%s%s\n",
			    argv[0], str(&m, "rule"),
			    strcmp(str(&m, "why"), "denied by policy") ? ": " : "",
			    strcmp(str(&m, "why"), "denied by policy") ?
			    str(&m, "why") : "");
		else
			fprintf(stderr, "gk-shell: %s: denied: %s\n", argv[0],
			    str(&m, "why"));
		gk_msg_free(&m);
		close(fd);
		return GK_EXIT_REFUSED;
	}
	gk_msg_free(&m);
	r = follow(fd);
	close(fd);
	return r;
}

static int
run_line(const char *line)
{
	char **argv;
	int argc, r;

	if ((argc = split_words(line, &argv)) < 0)
		return 2;
	if (argc == 0)
		return 0;
	r = run_command(argv, argc);
	for (int i = 0; i < argc; i++)
		free(argv[i]);
	free(argv);
	return r;
}

int
main(int argc, char **argv)
{
	const char *cmd = NULL, *forced;
	char *line = NULL;
	size_t cap = 0;
	int ch, r = 0;

	while ((ch = getopt(argc, argv, "+s:c:")) != -1) {
		switch (ch) {
		case 's': sockopt = optarg; break;
		case 'c': cmd = optarg; break;
		default: usage();
		}
	}
	if (optind != argc)
		usage();
	signal(SIGPIPE, SIG_IGN);
	if (cmd != NULL)
		return run_line(cmd);
	if ((forced = getenv("SSH_ORIGINAL_COMMAND")) != NULL)
		return run_line(forced);
	/* Line by line from stdin until the interactive shell lands. */
	while (getline(&line, &cap, stdin) != -1)
		r = run_line(line);
	free(line);
	return r;
}
