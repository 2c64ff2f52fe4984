/*
 * Running approved commands (DESIGN.md section 6).
 *
 * MUST:
 * - run what was approved: re-check the executable's content hash, the
 *   cwd and the canonical path arguments, and refuse (audited) on change;
 * - open the executable once and execute that fd;
 * - make "running" and its audit record durable before exec, so a crash
 *   can never lead to a second run;
 * - build the environment from scratch, stdin from /dev/null, every other
 *   fd closed, identity set with setgroups/setresgid/setresuid and checked.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "daemon.h"
#include "escape.h"
#include "gk_err.h"
#include "proto.h"
#include "reqrow.h"
#include "safefile.h"

int
hash_fd(int fd, uint8_t out[GK_DIGEST_LEN])
{
	crypto_generichash_state h;
	uint8_t buf[65536];
	off_t off = 0;
	ssize_t n;

	crypto_generichash_init(&h, NULL, 0, GK_DIGEST_LEN);
	for (;;) {
		n = pread(fd, buf, sizeof(buf), off);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			return GK_ERR_SYSTEM;
		}
		if (n == 0)
			break;
		crypto_generichash_update(&h, buf, (size_t)n);
		off += n;
	}
	crypto_generichash_final(&h, out, GK_DIGEST_LEN);
	return 0;
}

int
exe_check(const char *path, int *fdp, uint8_t hash[GK_DIGEST_LEN], char *why,
    size_t whylen)
{
	char real[PATH_MAX];
	struct stat st;
	int fd;

	*fdp = -1;
	/* The path may be a root-owned symlink (mkfs.ext4 -> mke2fs); what
	 * is judged and run is the file it leads to, opened once. */
	if (realpath(path, real) == NULL) {
		snprintf(why, whylen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (gk_safe_ancestors(real, why, whylen) != 0)
		return -1;
	if ((fd = gk_safe_open(real, 0, 0, S_IWGRP | S_IWOTH, &st, why,
	    whylen)) < 0)
		return -1;
	if (!(st.st_mode & S_IXUSR)) {
		snprintf(why, whylen, "%s: not executable", real);
		close(fd);
		return -1;
	}
	if (hash_fd(fd, hash) != 0) {
		snprintf(why, whylen, "%s: cannot read", real);
		close(fd);
		return -1;
	}
	*fdp = fd;
	return 0;
}

int
program_check(const char *argv0, const char *exe, const char *secure_path,
    int have_id, dev_t dev, ino_t ino, char *why, size_t whylen)
{
	const char *named = exe != NULL ? exe : argv0, *base, *b0;
	char *found = NULL;
	struct stat st, fst;
	int installed, secure;

	/* A bare name from gk-shell is the daemon's own secure-PATH lookup. */
	if (exe == NULL && strchr(argv0, '/') == NULL)
		return 0;
	if (gk_safe_program(named, &st, why, whylen) != 0)
		return -1;
	if (have_id && (st.st_dev != dev || st.st_ino != ino)) {
		snprintf(why, whylen, "%s is another file for gatekeeperd than "
		    "for the program asking (another mount namespace?)", named);
		return -1;
	}
	if (exe == NULL)
		return 0;
	/* sudo or su runs exe under the name argv[0] ("-bash" for a login
	 * shell): the name must be the file's own. */
	base = strrchr(exe, '/') + 1;
	b0 = strrchr(argv0, '/') != NULL ? strrchr(argv0, '/') + 1 : argv0;
	if (strchr(argv0, '/') == NULL && b0[0] == '-')
		b0++;
	if (strcmp(b0, base) != 0 || (strchr(argv0, '/') != NULL &&
	    strcmp(argv0, exe) != 0)) {
		snprintf(why, whylen, "%s would run under another name (%s)",
		    exe, argv0);
		return -1;
	}
	/* A bare name must be what gatekeeperd's secure PATH finds. */
	if (argv0[0] != '-' && strchr(argv0, '/') == NULL) {
		if (gk_resolve_program(argv0, "/", secure_path, &found,
		    &installed, &secure) != 0 || found == NULL ||
		    stat(found, &fst) != 0 || fst.st_dev != st.st_dev ||
		    fst.st_ino != st.st_ino) {
			snprintf(why, whylen, "%s is not the %s on gatekeeper's "
			    "secure PATH (%s): call it by its full path",
			    exe, argv0, found != NULL ? found : "none there");
			free(found);
			return -1;
		}
		free(found);
	}
	return 0;
}

/* What changed since approval, or NULL when nothing did. */
const char *
changed_since(struct daemon *d, const struct gk_reqrow *row, int *fdp)
{
	static char why[600];
	uint8_t hash[GK_DIGEST_LEN];
	char canon[PATH_MAX], **paths, **ids = NULL, **was = NULL;
	size_t i, n, nwas = 0;
	int proc;

	why[0] = '\0';
	if (exe_check(row->exe, fdp, hash, why, sizeof(why)) != 0)
		return why;
	if (sodium_memcmp(hash, row->exe_hash, GK_DIGEST_LEN) != 0) {
		snprintf(why, sizeof(why), "the program %s changed since approval",
		    row->exe);
		return why;
	}
	if (gk_canon_path_proc("/", row->cwd, canon, sizeof(canon),
	    &proc) != 0 || proc || strcmp(canon, row->cwd) != 0) {
		snprintf(why, sizeof(why), "the working directory %s now leads "
		    "elsewhere", row->cwd);
		return why;
	}
	if (gk_canon_args(row->cwd, row->argc, row->argv, &paths, &n, why,
	    sizeof(why)) != 0)
		return why;
	for (i = 0; i < n && i < row->npaths; i++)
		if (strcmp(paths[i], row->paths[i]) != 0)
			break;
	if (i < n || n != row->npaths) {
		if (i + 1 < row->argc)
			snprintf(why, sizeof(why), "argument %zu now leads "
			    "elsewhere than when it was approved", i + 1);
		else
			snprintf(why, sizeof(why), "a NAME=VALUE argument now "
			    "leads elsewhere than when it was approved");
		gk_strv_free(paths, n);
		return why;
	}
	/* The same names: are they still the same files (or still absent)?
	 * A rename over one, or a file made where none was, would not show. */
	if (request_path_ids(d, row->id, &was, &nwas) != 0 || nwas != n)
		snprintf(why, sizeof(why), "the identities of the path arguments "
		    "were not recorded with the request: ask again");
	else if (gk_path_ids(paths, n, &ids) != 0)
		snprintf(why, sizeof(why), "a path argument cannot be looked "
		    "at: %s", strerror(errno));
	else {
		for (i = 0; i < n; i++)
			if (strcmp(ids[i], was[i]) != 0)
				break;
		if (i < n && i + 1 < row->argc)
			snprintf(why, sizeof(why), "argument %zu changed since "
			    "approval: another file (or none) has its name now",
			    i + 1);
		else if (i < n)
			snprintf(why, sizeof(why), "a path value of an argument "
			    "changed since approval: another file (or none) has "
			    "its name now");
	}
	gk_strv_free(ids, ids != NULL ? n : 0);
	gk_strv_free(was, nwas);
	gk_strv_free(paths, n);
	return why[0] != '\0' ? why : NULL;
}

static void
refuse(struct daemon *d, const struct gk_reqrow *row, const char *why)
{
	char detail[800], *command = gk_escape_argv(row->argc, row->argv);

	snprintf(detail, sizeof(detail), "state=%s why=%s", GK_ST_REFUSED, why);
	if (store_begin(d) == 0) {
		if (request_set_state(d, row->id, GK_ST_REFUSED) != 0 ||
		    audit_append(d, "exec-refused", 0, "root", row->id,
		    row->session, command ? command : "", detail) != 0)
			store_rollback(d);
		else
			store_commit(d);
	}
	free(command);
	dlog(d, LOG_WARNING, "request %lld refused at exec time: %s",
	    (long long)row->id, why);
	request_end(d, row->id, GK_ST_REFUSED, NULL, why);
	notify_event(d, "refused", row->id, NULL);
}

int
child_setup(int outfd, int errfd, int fd3)
{
	sigset_t none;
	int null, i, first = fd3 == -1 ? 3 : 4;

	/* The daemon set every signal to its default at start, but for
	 * SIGPIPE: undo that one, and unblock all. */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	setsid();
	if ((null = open("/dev/null", O_RDWR)) == -1 || dup2(null, 0) == -1 ||
	    dup2(outfd == -1 ? null : outfd, 1) == -1 ||
	    dup2(errfd == -1 ? null : errfd, 2) == -1 ||
	    (fd3 != -1 && (dup2(fd3, 3) == -1 ||
	    fcntl(3, F_SETFD, 0) == -1)))	/* dup2(3, 3) keeps CLOEXEC */
		return -1;
	if (syscall(SYS_close_range, (unsigned)first, ~0U, 0U) == -1)
		for (i = first; i < 65536; i++)
			close(i);
	return 0;
}

/*
 * The id system calls that take 32-bit ids: on i386 and arm32 the plain
 * names are the old 16-bit calls (a group 65563 would become 27).
 */
#ifdef SYS_setresuid32
#define SYS_SETRESUID	SYS_setresuid32
#define SYS_SETRESGID	SYS_setresgid32
#define SYS_SETGROUPS	SYS_setgroups32
#define SYS_GETGROUPS	SYS_getgroups32
#else
#define SYS_SETRESUID	SYS_setresuid
#define SYS_SETRESGID	SYS_setresgid
#define SYS_SETGROUPS	SYS_setgroups
#define SYS_GETGROUPS	SYS_getgroups
#endif

/*
 * Everything the child needs, worked out in the daemon before vfork: the
 * child shares the daemon's memory until it execs, so it only makes
 * system calls (no allocation, no lookups, no stdio) and writes nothing
 * but its own stack and the plan's `held`.
 */
struct child_plan {
	const struct gk_reqrow	*row;
	uid_t			 uid;
	gid_t			 gid;
	gid_t			 groups[NGROUPS_MAX];	/* sorted, as the kernel
							   keeps them */
	gid_t			 held[NGROUPS_MAX];	/* read back */
	int			 ngroups;
	const char		*name;
	int			 exefd, outfd, errfd;
	char			 e_home[PATH_MAX + 8], e_user[80], e_logname[90];
	char			 e_id[40], e_req[90];
	char			*envp[8];
};

static int
cmp_gid(const void *a, const void *b)
{
	gid_t x = *(const gid_t *)a, y = *(const gid_t *)b;

	return x < y ? -1 : x > y;
}

/* 0, or -1 when the run-as user's groups cannot be listed. */
static int
plan_child(struct child_plan *cp, const struct gk_reqrow *row,
    const struct passwd *pw)
{
	static char e_path[] = "PATH=" GK_SECURE_PATH;
	static char e_lang[] = "LANG=C.UTF-8";

	cp->row = row;
	cp->uid = pw->pw_uid;
	cp->gid = pw->pw_gid;
	cp->name = row->run_as;
	cp->ngroups = NGROUPS_MAX;
	if (getgrouplist(pw->pw_name, pw->pw_gid, cp->groups,
	    &cp->ngroups) == -1)
		return -1;
	qsort(cp->groups, (size_t)cp->ngroups, sizeof(gid_t), cmp_gid);
	snprintf(cp->e_home, sizeof(cp->e_home), "HOME=%s", pw->pw_dir);
	snprintf(cp->e_user, sizeof(cp->e_user), "USER=%s", pw->pw_name);
	snprintf(cp->e_logname, sizeof(cp->e_logname), "LOGNAME=%s",
	    pw->pw_name);
	snprintf(cp->e_id, sizeof(cp->e_id), "GK_REQUEST_ID=%lld",
	    (long long)row->id);
	snprintf(cp->e_req, sizeof(cp->e_req), "GK_REQUESTER=%s", row->user);
	cp->envp[0] = e_path;
	cp->envp[1] = cp->e_home;
	cp->envp[2] = e_lang;
	cp->envp[3] = cp->e_user;
	cp->envp[4] = cp->e_logname;
	cp->envp[5] = cp->e_id;
	cp->envp[6] = cp->e_req;
	cp->envp[7] = NULL;
	return 0;
}

/* A line on the child's stderr, by write(2) alone. */
static void
child_say(const char *a, const char *b, const char *c, const char *d)
{
	const char *part[] = { "gatekeeperd: ", a, b, c, d, "\n" };
	size_t i;

	for (i = 0; i < sizeof(part) / sizeof(part[0]); i++)
		if (part[i] != NULL && write(2, part[i], strlen(part[i])) < 0)
			return;
}

/* In the vfork child. The identity calls are raw system calls: libc's
 * wrappers may coordinate with other threads through shared memory. */
static void __attribute__((noreturn))
child(struct child_plan *cp)
{
	char real[PATH_MAX];
	long n;

	/* fd 3 stays open across exec: a #! script is run through /dev/fd/3. */
	if (child_setup(cp->outfd, cp->errfd, cp->exefd) != 0)
		_exit(126);
	if (syscall(SYS_SETGROUPS, (size_t)cp->ngroups, cp->groups) == -1 ||
	    syscall(SYS_SETRESGID, cp->gid, cp->gid, cp->gid) == -1 ||
	    syscall(SYS_SETRESUID, cp->uid, cp->uid, cp->uid) == -1) {
		child_say("cannot become ", cp->name, NULL, NULL);
		_exit(126);
	}
	n = syscall(SYS_GETGROUPS, NGROUPS_MAX, cp->held);
	if (getuid() != cp->uid || geteuid() != cp->uid ||
	    getgid() != cp->gid || getegid() != cp->gid ||
	    n != cp->ngroups || memcmp(cp->held, cp->groups,
	    (size_t)n * sizeof(gid_t)) != 0 ||
	    (cp->uid != 0 && syscall(SYS_SETRESUID, 0, 0, 0) != -1)) {
		child_say("identity change did not hold", NULL, NULL, NULL);
		_exit(126);
	}
	if (chdir(cp->row->cwd) == -1 || getcwd(real, sizeof(real)) == NULL ||
	    strcmp(real, cp->row->cwd) != 0) {
		child_say("the working directory changed", NULL, NULL, NULL);
		_exit(126);
	}
	syscall(SYS_execveat, 3, "", cp->row->argv, cp->envp, AT_EMPTY_PATH);
	/* strerrordesc_np: no translation, so no locale loading here */
	child_say("exec ", cp->row->exe, ": ", strerrordesc_np(errno));
	_exit(127);
}

/* vfork: no copy of the daemon's memory; the daemon waits here only until
 * the child has exec'd or failed to. A function of its own, so that no
 * variable of the caller lives across vfork. */
static pid_t __attribute__((noinline))
spawn(struct child_plan *cp)
{
	pid_t pid;

	if ((pid = vfork()) == 0)
		child(cp);
	return pid;
}

static const char SQL_RUNNING_STATE[] =
    "UPDATE requests SET state = 'running' WHERE id = ? AND state = 'approved'";

void
exec_start(struct daemon *d, int64_t id)
{
	struct gk_reqrow row;
	struct child_plan *cp = NULL;
	struct passwd *pw;
	struct epoll_event ev;
	struct job *j = NULL;
	sqlite3_stmt *st;
	const char *why;
	char *command = NULL, detail[200];
	int exefd = -1, out[2] = { -1, -1 }, err[2] = { -1, -1 };
	pid_t pid;

	if (gk_reqrow_load(d->db, id, &row) != 0)
		return;
	if (strcmp(row.state, GK_ST_APPROVED) != 0)
		goto out;
	if ((why = changed_since(d, &row, &exefd)) != NULL) {
		refuse(d, &row, why);
		goto out;
	}
	if ((pw = getpwnam(row.run_as)) == NULL) {
		refuse(d, &row, "the run-as user no longer exists");
		goto out;
	}
	if ((cp = calloc(1, sizeof(*cp))) == NULL)
		goto out;
	if (plan_child(cp, &row, pw) != 0) {
		refuse(d, &row, "the run-as user's groups cannot be listed");
		goto out;
	}
	if ((command = gk_escape_argv(row.argc, row.argv)) == NULL ||
	    (j = calloc(1, sizeof(*j))) == NULL ||
	    (j->hash = malloc(sizeof(*j->hash))) == NULL ||
	    pipe2(out, O_CLOEXEC) == -1 || pipe2(err, O_CLOEXEC) == -1) {
		dlog(d, LOG_ERR, "request %lld: cannot start: %s", (long long)id,
		    strerror(errno));
		goto out;
	}
	/* Durable before exec: after a crash this request is "interrupted",
	 * never run again. */
	snprintf(detail, sizeof(detail), "state=running run_as=%s", row.run_as);
	if (store_begin(d) != 0)
		goto out;
	st = stmt(d, SQL_RUNNING_STATE);
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) != SQLITE_DONE || sqlite3_changes(d->db) != 1 ||
	    audit_append(d, "exec-start", cp->uid, row.run_as, id,
	    row.session, command, detail) != 0) {
		sqlite3_reset(st);
		store_rollback(d);
		goto out;
	}
	sqlite3_reset(st);
	/* Group commit: the batch holding this record is made durable now,
	 * not at the end of the loop turn. */
	if (store_commit(d) != 0 || store_flush(d) != 0)
		goto out;
	cp->exefd = exefd;
	cp->outfd = out[1];
	cp->errfd = err[1];
	if ((pid = spawn(cp)) == -1) {
		dlog(d, LOG_ERR, "vfork: %s", strerror(errno));
		/* Nothing ran: say so, durably. */
		if (store_begin(d) == 0) {
			if (request_set_state(d, id, GK_ST_FAILED) != 0 ||
			    audit_append(d, "exec-end", 0, "root", id, row.session,
			    command, "state=failed why=fork-failed") != 0)
				store_rollback(d);
			else
				store_commit(d);
		}
		request_end(d, id, GK_ST_FAILED, NULL, "the daemon could not fork");
		goto out;
	}
	close(out[1]);
	close(err[1]);
	close(exefd);
	exefd = -1;
	j->id = id;
	j->pid = pid;
	j->outfd = out[0];
	j->errfd = err[0];
	j->status = -1;
	out[0] = err[0] = -1;
	gk_buf_init(&j->output, OUTPUT_KEEP);
	crypto_generichash_init(j->hash, NULL, 0, GK_DIGEST_LEN);
	fcntl(j->outfd, F_SETFL, O_NONBLOCK);
	fcntl(j->errfd, F_SETFL, O_NONBLOCK);
	j->wout.kind = W_JOB_OUT;
	j->wout.ptr = j;
	j->werr.kind = W_JOB_ERR;
	j->werr.ptr = j;
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	ev.data.ptr = &j->wout;
	epoll_ctl(d->epfd, EPOLL_CTL_ADD, j->outfd, &ev);
	ev.data.ptr = &j->werr;
	epoll_ctl(d->epfd, EPOLL_CTL_ADD, j->errfd, &ev);
	j->next = d->jobs;
	d->jobs = j;
	j = NULL;
	dlog(d, LOG_NOTICE, "request %lld: running %s as %s (pid %ld)",
	    (long long)id, command, row.run_as, (long)pid);
 out:
	free(cp);
	if (j != NULL) {
		free(j->hash);
		free(j);
	}
	if (exefd != -1)
		close(exefd);
	if (out[0] != -1)
		close(out[0]);
	if (out[1] != -1)
		close(out[1]);
	if (err[0] != -1)
		close(err[0]);
	if (err[1] != -1)
		close(err[1]);
	free(command);
	gk_reqrow_free(&row);
}

void
job_readable(struct daemon *d, struct job *j, int fd)
{
	uint8_t buf[16384];
	struct gk_msg m;
	size_t keep;
	ssize_t n;

	for (;;) {
		n = read(fd, buf, sizeof(buf));
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && errno == EAGAIN)
			return;
		if (n <= 0) {
			epoll_ctl(d->epfd, EPOLL_CTL_DEL, fd, NULL);
			close(fd);
			if (fd == j->outfd)
				j->outfd = -1;
			else
				j->errfd = -1;
			return;
		}
		crypto_generichash_update(j->hash, buf, (size_t)n);
		j->total += (size_t)n;
		keep = gk_buf_avail(&j->output) < OUTPUT_KEEP ?
		    OUTPUT_KEEP - gk_buf_avail(&j->output) : 0;
		if (keep > 0)
			gk_buf_put(&j->output, buf, (size_t)n < keep ? (size_t)n : keep);
		gk_msg_begin(&m, GK_T_OUTPUT);
		gk_msg_add_u64(&m, "stream", fd == j->outfd ? 1 : 2);
		gk_msg_add(&m, "data", buf, (size_t)n);
		waiters_send(d, j->id, &m, 0);
	}
}

static const char SQL_FINISH[] =
    "UPDATE requests SET state = ?, status = ?, output = ? WHERE id = ?";

static void
job_finish(struct daemon *d, struct job *j)
{
	struct gk_reqrow row;
	struct gk_msg m;
	sqlite3_stmt *st;
	uint8_t h[GK_DIGEST_LEN], kh[GK_DIGEST_LEN];
	char hex[65], khex[65], detail[400], *command = NULL;
	const char *state;
	int status;

	if (WIFEXITED(j->status))
		status = WEXITSTATUS(j->status);
	else
		status = 128 + WTERMSIG(j->status);
	state = status == 0 ? GK_ST_DONE : GK_ST_FAILED;
	crypto_generichash_final(j->hash, h, GK_DIGEST_LEN);
	gk_hex(h, sizeof(h), hex);
	/* The kept part is hashed too, so gk-audit verify covers the stored
	 * output column. */
	crypto_generichash(kh, sizeof(kh), j->output.data ? j->output.data :
	    (const uint8_t *)"", gk_buf_avail(&j->output), NULL, 0);
	gk_hex(kh, sizeof(kh), khex);
	snprintf(detail, sizeof(detail), "state=%s status=%d output_bytes=%zu "
	    "output_hash=%s kept_hash=%s", state, status, j->total, hex, khex);
	if (gk_reqrow_load(d->db, j->id, &row) == 0) {
		command = gk_escape_argv(row.argc, row.argv);
		if (store_begin(d) == 0) {
			st = stmt(d, SQL_FINISH);
			sqlite3_bind_text(st, 1, state, -1, SQLITE_STATIC);
			sqlite3_bind_int64(st, 2, status);
			sqlite3_bind_blob(st, 3, j->output.data ?
			    (const void *)j->output.data : "",
			    (int)gk_buf_avail(&j->output), SQLITE_STATIC);
			sqlite3_bind_int64(st, 4, j->id);
			if (sqlite3_step(st) != SQLITE_DONE ||
			    audit_append(d, "exec-end", 0, "root", j->id,
			    row.session, command ? command : "", detail) != 0) {
				sqlite3_reset(st);
				store_rollback(d);
			} else {
				sqlite3_reset(st);
				store_commit(d);
			}
		}
		gk_reqrow_free(&row);
	}
	free(command);
	dlog(d, LOG_NOTICE, "request %lld: %s, exit status %d", (long long)j->id,
	    state, status);
	gk_msg_begin(&m, GK_T_EXIT);
	gk_msg_add_i64(&m, "id", j->id);
	gk_msg_add_str(&m, "state", state);
	gk_msg_add_i64(&m, "status", status);
	waiters_send(d, j->id, &m, 1);
	notify_event(d, "executed", j->id, NULL);
}

void
jobs_reap(struct daemon *d)
{
	struct job **pp, *j;
	pid_t pid;
	int status;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		if (notify_reap(d, pid, status))
			continue;
		for (j = d->jobs; j != NULL; j = j->next)
			if (j->pid == pid) {
				j->exited = 1;
				j->status = status;
			}
	}
	pp = &d->jobs;
	while ((j = *pp) != NULL) {
		/* Finish once the child is gone and its pipes are drained. */
		if (j->exited && j->outfd != -1)
			job_readable(d, j, j->outfd);
		if (j->exited && j->errfd != -1)
			job_readable(d, j, j->errfd);
		if (!j->exited || j->outfd != -1 || j->errfd != -1) {
			pp = &j->next;
			continue;
		}
		job_finish(d, j);
		*pp = j->next;
		gk_buf_free(&j->output);
		free(j->hash);
		free(j);
	}
}
