/*
 * gk-shell: the admins' login shell. Every command goes through the
 * daemon's policy: local ones run here as the user (in pipelines and with
 * redirections if need be), allow/approve ones are run by gatekeeperd
 * after the approvals it needs. The language is in lib/shline.h.
 *
 * Modes: interactive (a terminal on stdin: line editing, history, prompt;
 * libedit is loaded only then, so -c never pays for loading it),
 * -c LINE (also what sshd runs for "ssh host CMD"), sshd ForceCommand (no
 * arguments and $SSH_ORIGINAL_COMMAND set), login shell (argv[0] starting
 * with '-'), and lines read from a stdin that is not a terminal.
 *
 * MUST:
 * - run nothing when the daemon cannot be asked (exit 69: fail closed);
 * - ask the daemon about every command of a line before running any of
 *   its pipeline, and run a local command by the program the policy
 *   judged, never by a lookup of its own;
 * - expand words (~, $HOME $USER $PWD, globs) before asking, so policy
 *   and approvers see the argv that runs;
 * - exit with the command's own status; 77 refused or rejected, 75
 *   expired, 69 daemon unreachable;
 * - keep the history file private (0600, the user's own, no symlink) and
 *   keep lines holding an OTP out of it;
 * - refuse a line holding a word shaped like a YubiKey OTP (gk_otp_find:
 *   a key touched while the shell has focus) before anything of it runs
 *   or is sent, without echoing it.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <histedit.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "client.h"
#include "escape.h"
#include "gk_err.h"
#include "buf.h"
#include "otp.h"
#include "proto.h"
#include "shell.h"

#define HISTORY_FILE	".gk_history"
#define HISTORY_SIZE	2000

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: gk-shell [-s SOCKET] [-c 'COMMAND LINE']\n");
	exit(SH_EXIT_USAGE);
}

static const char HELP[] =
    "gk-shell: every command is decided by gatekeeperd's policy. Commands\n"
    "it allows locally run here as you; others run in gatekeeperd, some\n"
    "only after approvals (you see the request number and fingerprint,\n"
    "then each approval as it comes; Ctrl-C offers to cancel).\n"
    "\n"
    "  words      'single' \"double\" and \\ quoting; # comments\n"
    "  operators  ;  &&  ||  |   (pipelines only of local commands)\n"
    "  redirects  < file  > file  >> file  2> file  2>&1\n"
    "  expansion  ~  ~user  $HOME $USER $PWD  * ? [...] globs\n"
    "  not here   $(...) `...` & ( ) << functions, other variables\n"
    "\n"
    "  cd [DIR|-]   pwd   exit [N]   help\n"
    "  gk list | gk show ID | gk wait ID | gk cancel ID\n"
    "  gk reason [TEXT...]   the reason sent with your commands (a ticket)\n"
    "\n"
    "The reason starts as $GK_REASON; gk reason --clear drops it.\n"
    "Exit status: the command's own; 77 refused or rejected, 75 expired,\n"
    "69 gatekeeperd unreachable (nothing ran), 130 stopped waiting.\n";

/* Session ---------------------------------------------------------------- */

static void
set_pwd(struct shell *sh)
{
	if (getcwd(sh->pwd, sizeof(sh->pwd)) == NULL)
		snprintf(sh->pwd, sizeof(sh->pwd), "/");
	setenv("PWD", sh->pwd, 1);
}

/*
 * The user's name and home directory, from the password database. Looked
 * up when first needed (the expansion of ~, $HOME or $USER asks through
 * vars.fill; cd alone; the prompt; gk list), so that "gk-shell -c CMD"
 * does not pay for a lookup it never uses.
 */
void
sh_who(struct shell *sh)
{
	struct passwd *pw;
	const char *e;

	if (sh->who_known)
		return;
	sh->who_known = 1;
	if ((pw = getpwuid(getuid())) != NULL) {
		snprintf(sh->user, sizeof(sh->user), "%s", pw->pw_name);
		snprintf(sh->home, sizeof(sh->home), "%s", pw->pw_dir);
	} else
		snprintf(sh->user, sizeof(sh->user), "%u", (unsigned)getuid());
	if (sh->home[0] == '\0' && (e = getenv("HOME")) != NULL)
		snprintf(sh->home, sizeof(sh->home), "%s", e);
}

/* gk_sh_vars.fill: the expansion is about to read $HOME, $USER or ~. */
static void
who_fill(void *sh)
{
	sh_who(sh);
}

static void
session_init(struct shell *sh)
{
	const char *e;
	uint8_t rnd[8];
	char *t;

	if (gethostname(sh->host, sizeof(sh->host)) != 0)
		snprintf(sh->host, sizeof(sh->host), "?");
	sh->host[sizeof(sh->host) - 1] = '\0';
	if ((e = getenv("GK_SESSION")) != NULL && *e != '\0' && strlen(e) < 40)
		snprintf(sh->session, sizeof(sh->session), "%s", e);
	else {
		if (getrandom(rnd, sizeof(rnd), 0) != sizeof(rnd))
			memset(rnd, 0, sizeof(rnd));
		snprintf(sh->session, sizeof(sh->session),
		    "sh-%02x%02x%02x%02x%02x%02x%02x%02x", rnd[0], rnd[1],
		    rnd[2], rnd[3], rnd[4], rnd[5], rnd[6], rnd[7]);
		setenv("GK_SESSION", sh->session, 1);
	}
	sh->ssh = getenv("SSH_CONNECTION");
	if ((t = ttyname(STDIN_FILENO)) != NULL)
		snprintf(sh->tty, sizeof(sh->tty), "%s", t);
	set_pwd(sh);
	sh->vars.home = sh->home;
	sh->vars.user = sh->user;
	sh->vars.pwd = sh->pwd;
	sh->vars.fill = who_fill;
	sh->vars.ctx = sh;
}

/* Builtins --------------------------------------------------------------- */

static int
is_builtin(const char *w)
{
	return strcmp(w, "cd") == 0 || strcmp(w, "pwd") == 0 ||
	    strcmp(w, "exit") == 0 || strcmp(w, "help") == 0 ||
	    strcmp(w, "gk") == 0;
}

static int
b_cd(struct shell *sh, char **argv, size_t argc)
{
	const char *dir;
	char prev[PATH_MAX];

	if (argc > 2) {
		fprintf(stderr, "gk-shell: cd: too many arguments\n");
		return 1;
	}
	if (argc > 1)
		dir = argv[1];
	else {
		sh_who(sh);
		dir = sh->home;
	}
	if (strcmp(dir, "-") == 0) {
		if (sh->oldpwd[0] == '\0') {
			fprintf(stderr, "gk-shell: cd: no previous directory\n");
			return 1;
		}
		dir = sh->oldpwd;
	}
	snprintf(prev, sizeof(prev), "%s", sh->pwd);
	if (chdir(dir) == -1) {
		char *e = gk_escape_str(dir);

		fprintf(stderr, "gk-shell: cd: %s: %s\n", e ? e : "?",
		    strerror(errno));
		free(e);
		return 1;
	}
	if (argc > 1 && strcmp(argv[1], "-") == 0)
		printf("%s\n", dir);
	snprintf(sh->oldpwd, sizeof(sh->oldpwd), "%s", prev);
	setenv("OLDPWD", sh->oldpwd, 1);
	set_pwd(sh);
	return 0;
}

static int
b_exit(struct shell *sh, char **argv, size_t argc)
{
	char *end;
	long v;

	if (argc > 2) {
		fprintf(stderr, "gk-shell: exit: too many arguments\n");
		return 1;
	}
	sh->exiting = 1;
	if (argc == 1)
		return sh->status;
	v = strtol(argv[1], &end, 10);
	if (*argv[1] == '\0' || *end != '\0' || v < 0 || v > 255) {
		fprintf(stderr, "gk-shell: exit: not a status (0-255)\n");
		return SH_EXIT_USAGE;
	}
	return (int)v;
}

static int
builtin(struct shell *sh, char **argv, size_t argc)
{
	if (strcmp(argv[0], "cd") == 0)
		return b_cd(sh, argv, argc);
	if (strcmp(argv[0], "pwd") == 0) {
		printf("%s\n", sh->pwd);
		return 0;
	}
	if (strcmp(argv[0], "exit") == 0)
		return b_exit(sh, argv, argc);
	if (strcmp(argv[0], "help") == 0) {
		fputs(HELP, stdout);
		return 0;
	}
	fflush(stdout);
	return sh_gk(sh, argv, argc);
}

/* Local commands ----------------------------------------------------------- */

/* One command of a pipeline, ready to run. */
struct job {
	char		**argv;
	size_t		  argc;
	char		 *exe;
	char		**files;	/* each redirection's file, or NULL */
	pid_t		  pid;
};

static int
status_of(int st)
{
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	if (WIFSIGNALED(st))
		return 128 + WTERMSIG(st);
	return 1;
}

/* Carries out c's redirections in order (files: their expanded names).
 * Returns 0, or -1 having said why. */
static int
apply_redirs(const struct gk_sh_cmd *c, char **files)
{
	int fd, flags;

	for (size_t k = 0; k < c->nredirs; k++) {
		const struct gk_sh_redir *r = &c->redirs[k];

		if (r->op == GK_SH_DUP) {
			if (dup2(r->dupfd, r->fd) == -1) {
				fprintf(stderr, "gk-shell: %d>&%d: %s\n", r->fd,
				    r->dupfd, strerror(errno));
				return -1;
			}
			continue;
		}
		flags = r->op == GK_SH_IN ? O_RDONLY : O_WRONLY | O_CREAT |
		    (r->op == GK_SH_APPEND ? O_APPEND : O_TRUNC);
		if ((fd = open(files[k], flags | O_NOCTTY, 0666)) == -1) {
			char *e = gk_escape_str(files[k]);

			fprintf(stderr, "gk-shell: %s: %s\n", e ? e : "?",
			    strerror(errno));
			free(e);
			return -1;
		}
		if (fd != r->fd) {
			if (dup2(fd, r->fd) == -1) {
				fprintf(stderr, "gk-shell: fd %d: %s\n", r->fd,
				    strerror(errno));
				close(fd);
				return -1;
			}
			close(fd);
		}
	}
	return 0;
}

/* A builtin with redirections: they hold while it runs, then the shell's
 * own fds come back. */
static int
builtin_redirected(struct shell *sh, const struct gk_sh_cmd *c,
    const struct job *j)
{
	int saved[10], r = 1, fd;

	fflush(stdout);
	fflush(stderr);
	for (fd = 0; fd < 10; fd++)
		saved[fd] = -2;		/* not touched */
	for (size_t k = 0; k < c->nredirs; k++) {
		fd = c->redirs[k].fd;
		if (saved[fd] == -2)
			saved[fd] = fcntl(fd, F_DUPFD_CLOEXEC, 10);	/* -1: was closed */
	}
	if (apply_redirs(c, j->files) == 0)
		r = builtin(sh, j->argv, j->argc);
	fflush(stdout);
	fflush(stderr);
	for (fd = 0; fd < 10; fd++) {
		if (saved[fd] == -2)
			continue;
		if (saved[fd] == -1)
			close(fd);
		else {
			dup2(saved[fd], fd);
			close(saved[fd]);
		}
	}
	return r;
}

/* In the child: the redirections of c, in order, then exec. */
static void __attribute__((noreturn))
child(const struct gk_sh_cmd *c, const struct job *j)
{
	signal(SIGINT, SIG_DFL);
	signal(SIGQUIT, SIG_DFL);
	signal(SIGPIPE, SIG_DFL);
	if (apply_redirs(c, j->files) != 0)
		_exit(1);
	execv(j->exe, j->argv);
	fprintf(stderr, "gk-shell: %s: %s\n", j->argv[0], strerror(errno));
	_exit(errno == ENOENT ? 127 : 126);
}

/* Runs the jobs of a pipeline, connected by pipes; the status is the
 * last one's. */
static int
run_jobs(const struct gk_sh_pipe *p, struct job *jobs)
{
	struct sigaction ign, oldint, oldquit;
	int in = -1, pfd[2], st, r = 1;
	size_t i, n = p->ncmds;

	memset(&ign, 0, sizeof(ign));
	ign.sa_handler = SIG_IGN;
	sigaction(SIGINT, &ign, &oldint);
	sigaction(SIGQUIT, &ign, &oldquit);
	fflush(stdout);
	fflush(stderr);
	for (i = 0; i < n; i++) {
		pfd[0] = pfd[1] = -1;
		if (i + 1 < n && pipe2(pfd, O_CLOEXEC) == -1) {
			fprintf(stderr, "gk-shell: pipe: %s\n", strerror(errno));
			break;
		}
		if ((jobs[i].pid = fork()) == -1) {
			fprintf(stderr, "gk-shell: fork: %s\n", strerror(errno));
			if (pfd[0] != -1) {
				close(pfd[0]);
				close(pfd[1]);
			}
			break;
		}
		if (jobs[i].pid == 0) {
			if (in != -1 && dup2(in, 0) == -1)
				_exit(1);
			if (pfd[1] != -1 && dup2(pfd[1], 1) == -1)
				_exit(1);
			child(&p->cmds[i], &jobs[i]);
		}
		if (in != -1)
			close(in);
		if (pfd[1] != -1)
			close(pfd[1]);
		in = pfd[0];
	}
	if (in != -1)
		close(in);
	for (size_t k = 0; k < n; k++) {
		if (jobs[k].pid <= 0)
			continue;
		while (waitpid(jobs[k].pid, &st, 0) == -1)
			if (errno != EINTR) {
				st = 1 << 8;
				break;
			}
		if (k == n - 1)
			r = status_of(st);
	}
	if (i < n)
		r = 126;
	sigaction(SIGINT, &oldint, NULL);
	sigaction(SIGQUIT, &oldquit, NULL);
	return r;
}

static void
jobs_free(struct job *jobs, const struct gk_sh_pipe *p)
{
	for (size_t i = 0; i < p->ncmds; i++) {
		gk_strv_free(jobs[i].argv, jobs[i].argc);
		free(jobs[i].exe);
		if (jobs[i].files != NULL)
			gk_strv_free(jobs[i].files, p->cmds[i].nredirs);
	}
	free(jobs);
}

/* Does argv hand a one-time password on the command line (--otp X or
 * --otp=X, X not "-")? It would reach the audit log through the daemon,
 * unspent if the command then fails. */
static int
otp_in_argv(char **argv, size_t argc)
{
	for (size_t i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--otp") == 0 && i + 1 < argc &&
		    strcmp(argv[i + 1], "-") != 0)
			return 1;
		if (strncmp(argv[i], "--otp=", 6) == 0 &&
		    strcmp(argv[i] + 6, "-") != 0)
			return 1;
	}
	return 0;
}

/* A word shaped like an OTP: never sent, run or kept (and not shown). */
static int
otp_refused(void)
{
	fprintf(stderr, "gk-shell: a word looks like a YubiKey one-time "
	    "password; nothing of the line was run, sent or kept in the "
	    "history (touch the YubiKey only when gk-approve asks)\n");
	return SH_EXIT_USAGE;
}

static void
not_found(const char *prog)
{
	char *e = gk_escape_str(prog);

	fprintf(stderr, "gk-shell: %s: command not found\n", e ? e : "?");
	free(e);
}

/* Lines ---------------------------------------------------------------- */

/*
 * Runs one pipeline. A lone command with no redirections may be a builtin
 * or anything the policy allows; in a pipeline or with redirections every
 * command must be local, and all are asked about before any runs. exec_ok:
 * nothing follows in this shell, so a lone local command may replace it.
 */
static int
run_pipe(struct shell *sh, const struct gk_sh_pipe *p, int exec_ok)
{
	struct job *jobs;
	char err[300];
	size_t i, k;
	int r = 0, alone = p->ncmds == 1 && p->cmds[0].nredirs == 0;

	if ((jobs = calloc(p->ncmds, sizeof(*jobs))) == NULL) {
		fprintf(stderr, "gk-shell: out of memory\n");
		return 1;
	}
	/* Expand everything first: an error stops the pipeline whole. */
	for (i = 0; i < p->ncmds; i++) {
		const struct gk_sh_cmd *c = &p->cmds[i];

		if (gk_sh_expand(c->words, c->nwords, &sh->vars, 0,
		    &jobs[i].argv, &jobs[i].argc, err, sizeof(err)) != 0)
			goto experr;
		if (c->nredirs > 0 && (jobs[i].files = calloc(c->nredirs + 1,
		    sizeof(char *))) == NULL) {
			snprintf(err, sizeof(err), "out of memory");
			goto experr;
		}
		for (k = 0; k < c->nredirs; k++)
			if (c->redirs[k].op != GK_SH_DUP &&
			    gk_sh_expand_one(&c->redirs[k].target, &sh->vars, 0,
			    &jobs[i].files[k], err, sizeof(err)) != 0)
				goto experr;
		/* The line had none: a glob may still have made one. */
		if (gk_otp_argv_shaped(jobs[i].argc, jobs[i].argv) ||
		    (jobs[i].files != NULL && gk_otp_argv_shaped(c->nredirs,
		    jobs[i].files))) {
			r = otp_refused();
			goto out;
		}
		if (otp_in_argv(jobs[i].argv, jobs[i].argc)) {
			fprintf(stderr, "gk-shell: a one-time password on the "
			    "command line would be logged; leave out --otp (or "
			    "use --otp -) and touch the YubiKey at the prompt\n");
			r = SH_EXIT_USAGE;
			goto out;
		}
		if (is_builtin(jobs[i].argv[0]) && p->ncmds > 1) {
			fprintf(stderr, "gk-shell: %s is a gk-shell builtin; it "
			    "cannot be part of a pipeline\n", jobs[i].argv[0]);
			r = SH_EXIT_USAGE;
			goto out;
		}
	}
	if (p->ncmds == 1 && is_builtin(jobs[0].argv[0])) {
		r = alone ? builtin(sh, jobs[0].argv, jobs[0].argc) :
		    builtin_redirected(sh, &p->cmds[0], &jobs[0]);
		goto out;
	}
	for (i = 0; i < p->ncmds; i++) {
		if (!sh_ask(sh, jobs[i].argv, jobs[i].argc, !alone, &jobs[i].exe,
		    &r))
			goto out;	/* denied, or the daemon ran it */
		if (jobs[i].exe == NULL) {
			not_found(jobs[i].argv[0]);
			r = 127;
			goto out;
		}
	}
	if (alone && exec_ok) {
		fflush(stdout);
		fflush(stderr);
		signal(SIGPIPE, SIG_DFL);	/* the shell's own SIG_IGN */
		execv(jobs[0].exe, jobs[0].argv);
		fprintf(stderr, "gk-shell: %s: %s\n", jobs[0].argv[0],
		    strerror(errno));
		r = errno == ENOENT ? 127 : 126;
		goto out;
	}
	r = run_jobs(p, jobs);
	goto out;
 experr:
	fprintf(stderr, "gk-shell: %s\n", err);
	r = 1;
 out:
	jobs_free(jobs, p);
	return r;
}

/* Runs a parsed line; exec_last: the shell ends after it. */
static void
run_parsed(struct shell *sh, const struct gk_sh_line *l, int exec_last)
{
	for (size_t i = 0; i < l->npipes && !sh->exiting; i++) {
		const struct gk_sh_pipe *p = &l->pipes[i];

		if ((p->join == GK_SH_AND && sh->status != 0) ||
		    (p->join == GK_SH_OR && sh->status == 0))
			continue;
		sh->status = run_pipe(sh, p, exec_last && i + 1 == l->npipes);
		fflush(stdout);
	}
}

/* Parses and runs one line. Returns GK_ERR_SHORT (having run nothing)
 * when the line is incomplete and more may come (more_ok). */
static int
run_line(struct shell *sh, const char *line, size_t len, int more_ok,
    int exec_last)
{
	struct gk_sh_line l;
	char err[300];
	int r;

	if (gk_otp_find(line, len, NULL, NULL)) {
		sh->status = otp_refused();
		return GK_ERR_DENIED;
	}
	if ((r = gk_sh_parse(line, len, &l, err, sizeof(err))) != 0) {
		if (r == GK_ERR_SHORT && more_ok)
			return r;
		fprintf(stderr, "gk-shell: %s\n", err);
		sh->status = SH_EXIT_USAGE;
		return r;
	}
	run_parsed(sh, &l, exec_last);
	gk_sh_line_free(&l);
	return 0;
}

/* Input lines gathered until they make a complete command line. */
struct gather {
	char	*p;
	size_t	 len;
	int	 ran;		/* p holds a line that ran; the next input starts anew */
};

/*
 * Adds n bytes of input and runs the gathered line once it is complete
 * (or too long to wait for more). Returns 1 when it ran (g->p holds it
 * until the next call), 0 when it waits for more, -1 out of memory.
 */
static int
gather_feed(struct shell *sh, struct gather *g, const char *in, size_t n)
{
	char *np;

	if (g->ran)
		g->len = g->ran = 0;
	if ((np = realloc(g->p, g->len + n + 1)) == NULL) {
		fprintf(stderr, "gk-shell: out of memory\n");
		sh->status = 1;
		return -1;
	}
	g->p = np;
	memcpy(g->p + g->len, in, n);
	g->len += n;
	g->p[g->len] = '\0';
	if (run_line(sh, g->p, g->len, 1, 0) == GK_ERR_SHORT &&
	    g->len < GK_SH_LINE_MAX)
		return 0;
	g->ran = 1;
	return 1;
}

/* Non-interactive input: lines from a stdin that is not a terminal. */
static void
run_stream(struct shell *sh, FILE *in)
{
	struct gather g = { NULL, 0, 0 };
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;

	while (!sh->exiting && (n = getline(&line, &cap, in)) != -1)
		if (gather_feed(sh, &g, line, (size_t)n) == -1)
			break;
	if (g.len > 0 && !g.ran && !sh->exiting)
		run_line(sh, g.p, g.len, 0, 0);
	free(line);
	free(g.p);
}

/* Interactive ------------------------------------------------------------ */

static char prompt_buf[PATH_MAX + 400];
static int prompt_more;

static char *
prompt_fn(EditLine *el)
{
	(void)el;
	return prompt_more ? (char *)"> " : prompt_buf;
}

static void
make_prompt(const struct shell *sh)
{
	size_t hl = strlen(sh->home);
	const char *dir = sh->pwd, *mark = getuid() == 0 ? "#" : "$";
	char shown[PATH_MAX + 2], *e = NULL;

	if (hl > 1 && strncmp(dir, sh->home, hl) == 0 &&
	    (dir[hl] == '\0' || dir[hl] == '/')) {
		snprintf(shown, sizeof(shown), "~%s", dir + hl);
		dir = shown;
	}
	for (const unsigned char *p = (const unsigned char *)dir; *p; p++)
		if (*p < 0x20 || *p == 0x7f) {
			dir = e = gk_escape_str(dir);
			break;
		}
	snprintf(prompt_buf, sizeof(prompt_buf), "%s@%s:%s%s ", sh->user,
	    sh->host, dir != NULL ? dir : "?", mark);
	free(e);
}

/* The history file, opened for writing: the user's own regular file,
 * mode 0600, no symlink followed. */
static FILE *
history_open(const char *path, const char *mode)
{
	struct stat st;
	int fd, flags = strcmp(mode, "r") == 0 ? O_RDONLY :
	    O_WRONLY | O_CREAT | O_TRUNC;
	FILE *f;

	if ((fd = open(path, flags | O_NOFOLLOW | O_CLOEXEC, 0600)) == -1)
		return NULL;
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    st.st_uid != getuid() || fchmod(fd, 0600) == -1 ||
	    (f = fdopen(fd, mode)) == NULL) {
		close(fd);
		return NULL;
	}
	return f;
}

/* Does the line hold a one-time password (an OTP-shaped word, or one
 * given to --otp)? Those are kept out of the history file. */
static int
holds_otp(const char *line)
{
	return strstr(line, "--otp") != NULL ||
	    gk_otp_find(line, strlen(line), NULL, NULL);
}

/*
 * libedit, loaded when an interactive session starts: the -c path (every
 * "ssh host CMD") starts without it, which keeps gk-shell cheaper to start
 * than bash. GK_LIBEDIT is its soname, from the Makefile.
 */
#ifndef GK_LIBEDIT
#define GK_LIBEDIT	"libedit.so.2"
#endif

static struct {
	__typeof__(&el_init)		el_init;
	__typeof__(&el_end)		el_end;
	__typeof__(&el_gets)		el_gets;
	__typeof__(&el_reset)		el_reset;
	__typeof__(&el_set)		el_set;
	__typeof__(&history_init)	history_init;
	__typeof__(&history_end)	history_end;
	__typeof__(&history)		history;
} le;

/* 0, or -1 with the reason printed. */
static int
libedit_load(void)
{
	void *h;

	if ((h = dlopen(GK_LIBEDIT, RTLD_NOW | RTLD_LOCAL)) == NULL) {
		fprintf(stderr, "gk-shell: no line editing (%s)\n", dlerror());
		return -1;
	}
#define LE_SYM(f)	((le.f = (__typeof__(le.f))dlsym(h, #f)) != NULL)
	if (!LE_SYM(el_init) || !LE_SYM(el_end) || !LE_SYM(el_gets) ||
	    !LE_SYM(el_reset) || !LE_SYM(el_set) || !LE_SYM(history_init) ||
	    !LE_SYM(history_end) || !LE_SYM(history)) {
		fprintf(stderr, "gk-shell: no line editing (%s lacks a "
		    "function)\n", GK_LIBEDIT);
		dlclose(h);
		return -1;
	}
#undef LE_SYM
	return 0;
}

static void
history_load(History *h, const char *path)
{
	HistEvent ev;
	FILE *f;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;

	if ((f = history_open(path, "r")) == NULL)
		return;
	while ((n = getline(&line, &cap, f)) > 0) {
		if (line[n - 1] == '\n')
			line[n - 1] = '\0';
		/* A line an older gk-shell kept with an OTP: dropped, and
		 * gone from the file at the next save. */
		if (*line != '\0' && !holds_otp(line))
			le.history(h, &ev, H_ENTER, line);
	}
	free(line);
	fclose(f);
}

static void
history_save(History *h, const char *path)
{
	HistEvent ev;
	FILE *f;
	int r;

	if ((f = history_open(path, "w")) == NULL)
		return;
	/* Oldest first, one line each. */
	for (r = le.history(h, &ev, H_LAST); r != -1;
	    r = le.history(h, &ev, H_PREV))
		fprintf(f, "%s%s", ev.str, strchr(ev.str, '\n') ? "" : "\n");
	fclose(f);
}

static void
on_int_prompt(int sig)
{
	(void)sig;
}

static void
run_interactive(struct shell *sh)
{
	struct sigaction sa;
	char hpath[PATH_MAX + sizeof(HISTORY_FILE) + 1];
	struct gather g = { NULL, 0, 0 };
	const char *line;
	EditLine *el;
	HistEvent ev;
	History *h;
	int count, r;

	sh_who(sh);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_int_prompt;	/* no SA_RESTART: Ctrl-C ends el_gets */
	sigaction(SIGINT, &sa, NULL);
	signal(SIGQUIT, SIG_IGN);
	signal(SIGTSTP, SIG_IGN);
	if (libedit_load() != 0 || (h = le.history_init()) == NULL ||
	    (el = le.el_init("gk-shell", stdin, stdout, stderr)) == NULL) {
		fprintf(stderr, "gk-shell: cannot set up line editing; reading "
		    "plain lines\n");
		run_stream(sh, stdin);
		return;
	}
	le.history(h, &ev, H_SETSIZE, HISTORY_SIZE);
	le.history(h, &ev, H_SETUNIQUE, 1);
	snprintf(hpath, sizeof(hpath), "%s/%s", sh->home, HISTORY_FILE);
	history_load(h, hpath);
	le.el_set(el, EL_EDITOR, "emacs");
	le.el_set(el, EL_SIGNAL, 1);
	le.el_set(el, EL_PROMPT, prompt_fn);
	le.el_set(el, EL_HIST, le.history, h);
	while (!sh->exiting) {
		make_prompt(sh);
		prompt_more = g.len > 0 && !g.ran;
		errno = 0;
		if ((line = le.el_gets(el, &count)) == NULL || count <= 0) {
			if (count == -1 && errno == EINTR) {
				/* Ctrl-C: drop the line, start afresh. */
				fputc('\n', stdout);
				g.len = g.ran = 0;
				le.el_reset(el);
				continue;
			}
			fputs("exit\n", stdout);
			break;
		}
		if ((r = gather_feed(sh, &g, line, (size_t)count)) == -1)
			break;
		if (r == 1 && strspn(g.p, " \t\n") != g.len &&
		    !holds_otp(g.p)) {
			g.p[strcspn(g.p, "\n") == g.len - 1 ? g.len - 1 : g.len] =
			    '\0';
			le.history(h, &ev, H_ENTER, g.p);
			history_save(h, hpath);
		}
	}
	free(g.p);
	le.el_end(el);
	le.history_end(h);
}

int
main(int argc, char **argv)
{
	struct shell sh;
	const char *cmd = NULL, *forced;
	int ch;

	memset(&sh, 0, sizeof(sh));
	while ((ch = getopt(argc, argv, "+s:c:")) != -1) {
		switch (ch) {
		case 's': sh.sockopt = optarg; break;
		case 'c': cmd = optarg; break;
		default: usage();
		}
	}
	if (optind != argc)
		usage();
	/* A login shell (argv[0] "-gk-shell") is an interactive one. */
	signal(SIGPIPE, SIG_IGN);
	session_init(&sh);
	forced = getenv("SSH_ORIGINAL_COMMAND");
	/*
	 * "gk-shell -c gk-shell": sshd runs a ForceCommand through the
	 * user's login shell; when that is gk-shell too, behave as the
	 * forced command would.
	 */
	if (cmd != NULL && !(forced != NULL && (strcmp(cmd, "gk-shell") == 0 ||
	    (strlen(cmd) > 9 && strcmp(cmd + strlen(cmd) - 9, "/gk-shell") == 0)))) {
		run_line(&sh, cmd, strlen(cmd), 0, 1);
		return sh.status;
	}
	if (forced != NULL) {
		run_line(&sh, forced, strlen(forced), 0, 1);
		return sh.status;
	}
	if (isatty(STDIN_FILENO) && isatty(STDOUT_FILENO))
		run_interactive(&sh);
	else
		run_stream(&sh, stdin);
	return sh.status;
}
