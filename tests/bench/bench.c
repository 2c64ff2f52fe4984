/*
 * The benchmark harness (make bench, make bench-quick; never make check).
 *
 *   bench BUILDDIR [--quick]
 *
 * Builds its own world under /tmp: a policy, a gatekeeperd on a private
 * socket and state dir, approvers with soft YubiKeys, a large audit log.
 * For each target of issue 7 it prints one line with the measured figure,
 * the baseline measured in the same run, and their ratio. Times are
 * medians; rates are totals over wall time. Runs as root; the people are
 * numeric uids without passwd entries (as in tests/e2e).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>
#include <sqlite3.h>
#include <yubikey.h>

#include "audit.h"
#include "canon.h"
#include "client.h"
#include "frame.h"
#include "otp.h"
#include "proto.h"
#include "../reqdigest.h"

#define REQUESTER	20001	/* the admin */
#define APPROVER0	20010	/* approvers: APPROVER0 + i */
#define NAPPROVERS	8
#define CLIENTS		64
#define CP_EVERY	1024	/* as gatekeeperd's CHECKPOINT_EVERY */

static char world[64], sock[128], build[PATH_MAX];
static pid_t daemon_pid = -1, log_daemon_pid = -1;
static int quick;

static void __attribute__((noreturn, format(printf, 1, 2)))
die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "bench: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	exit(1);
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double
median(double *v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void
become(uid_t uid)
{
	if (uid == 0)
		return;
	if (setgroups(0, NULL) == -1 || setresgid(uid, uid, uid) == -1 ||
	    setresuid(uid, uid, uid) == -1)
		_exit(120);
}

static void
put_file(const char *path, const char *text, mode_t mode)
{
	FILE *f;

	if ((f = fopen(path, "w")) == NULL)
		die("%s: %s", path, strerror(errno));
	fputs(text, f);
	if (fclose(f) != 0 || chmod(path, mode) == -1)
		die("%s: cannot write", path);
}

static void
copy_file(const char *from, const char *to)
{
	char buf[65536];
	ssize_t n;
	int in, out;

	if ((in = open(from, O_RDONLY)) == -1 ||
	    (out = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0755)) == -1)
		die("copy %s: %s", from, strerror(errno));
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n)
			die("copy %s: short write", from);
	close(in);
	close(out);
	chmod(to, 0755);
}

/* Runs argv as uid, output to /dev/null; seconds taken. */
static double
run_timed(uid_t uid, char *const argv[], int *status)
{
	static char *envp[] = { "PATH=/usr/local/bin:/usr/bin:/bin",
	    "HOME=/", "LANG=C", NULL };
	double t0 = now_s();
	pid_t pid;
	int fd;

	if ((pid = fork()) == -1)
		die("fork: %s", strerror(errno));
	if (pid == 0) {
		become(uid);
		if ((fd = open("/dev/null", O_RDWR)) != -1) {
			dup2(fd, 0);
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execve(argv[0], argv, envp);
		_exit(127);
	}
	if (waitpid(pid, status, 0) == -1)
		die("waitpid: %s", strerror(errno));
	return now_s() - t0;
}

static void
world_cleanup(void)
{
	char cmd[128];
	int st;

	if (daemon_pid > 0) {
		kill(daemon_pid, SIGTERM);
		waitpid(daemon_pid, &st, 0);
		daemon_pid = -1;
	}
	if (log_daemon_pid > 0) {
		kill(log_daemon_pid, SIGTERM);
		waitpid(log_daemon_pid, &st, 0);
		log_daemon_pid = -1;
	}
	if (world[0] != '\0') {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", world);
		if (system(cmd) != 0)
			fprintf(stderr, "bench: cannot remove %s\n", world);
		world[0] = '\0';
	}
}

static void
on_signal(int sig)
{
	(void)sig;
	world_cleanup();
	_exit(1);
}

/* The admin and the approvers as people with passwd and group entries,
 * as on a real host: copies of /etc/passwd and /etc/group bound over the
 * real ones in a private mount namespace (this process and its children
 * only; the binds vanish with it). */
static void
people_init(void)
{
	char src[PATH_MAX], line[256], buf[65536];
	const char *files[] = { "passwd", "group" };
	size_t i, n;
	int k, fd, in;

	if (unshare(CLONE_NEWNS) == -1 ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == -1)
		die("private mount namespace: %s", strerror(errno));
	for (i = 0; i < 2; i++) {
		snprintf(src, sizeof(src), "%s/%s", world, files[i]);
		snprintf(line, sizeof(line), "/etc/%s", files[i]);
		if ((in = open(line, O_RDONLY)) == -1 ||
		    (fd = open(src, O_WRONLY | O_CREAT | O_TRUNC, 0644)) == -1)
			die("%s: %s", src, strerror(errno));
		while ((n = (size_t)read(in, buf, sizeof(buf))) > 0 &&
		    n != (size_t)-1)
			if (write(fd, buf, n) != (ssize_t)n)
				die("%s: short write", src);
		close(in);
		for (k = -1; k < NAPPROVERS; k++) {
			unsigned uid = k < 0 ? REQUESTER : APPROVER0 + (unsigned)k;

			if (i == 0)
				n = (size_t)snprintf(line, sizeof(line),
				    "bench%u:x:%u:%u::/:/bin/sh\n", uid, uid, uid);
			else
				n = (size_t)snprintf(line, sizeof(line),
				    "bench%u:x:%u:\n", uid, uid);
			if (write(fd, line, n) != (ssize_t)n)
				die("%s: short write", src);
		}
		close(fd);
		chmod(src, 0644);
		snprintf(line, sizeof(line), "/etc/%s", files[i]);
		if (mount(src, line, NULL, MS_BIND, NULL) == -1)
			die("bind %s: %s", line, strerror(errno));
	}
}

static const char POLICY[] =
    "approvers bench = a0 a1 a2 a3 a4 a5 a6 a7\n"
    "approve 2 by bench name bench-approve delay 7d cmd touch\n"
    "allow name bench-allow cmd id\n"
    "local name bench-local cmd true\n";

/* A gatekeeperd on socket sk with state dir state (its log beside it);
 * returns when it answers. */
static pid_t
spawn_daemon(const char *sk, const char *state)
{
	char log[PATH_MAX + 8];
	pid_t pid;
	int fd, c;

	snprintf(log, sizeof(log), "%s.log", state);
	if ((pid = fork()) == -1)
		die("fork: %s", strerror(errno));
	if (pid == 0) {
		char bin[PATH_MAX], pol[PATH_MAX];

		snprintf(bin, sizeof(bin), "%s/bin/gatekeeperd", world);
		snprintf(pol, sizeof(pol), "%s/pol", world);
		if ((fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0600)) != -1)
			dup2(fd, 2);
		/* The daemon goes when the bench goes, however it ends. */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		execl(bin, bin, "-f", "-s", sk, "-d", state, "-p", pol,
		    (char *)NULL);
		_exit(127);
	}
	for (c = 0; c < 500; c++) {
		if ((fd = gk_client_connect(sk)) != -1) {
			close(fd);
			return pid;
		}
		usleep(10000);
	}
	die("gatekeeperd did not start (see %s)", log);
}

static void
world_init(void)
{
	char p[PATH_MAX];
	const char *progs[] = { "gatekeeperd", "gk-shell" };
	size_t i;

	snprintf(world, sizeof(world), "/tmp/gk-bench.XXXXXX");
	if (mkdtemp(world) == NULL)
		die("mkdtemp: %s", strerror(errno));
	atexit(world_cleanup);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	chmod(world, 0755);
	people_init();
	snprintf(p, sizeof(p), "%s/bin", world);
	mkdir(p, 0755);
	for (i = 0; i < sizeof(progs) / sizeof(progs[0]); i++) {
		char from[PATH_MAX + 64], to[PATH_MAX + 64];

		snprintf(from, sizeof(from), "%s/%s", build, progs[i]);
		snprintf(to, sizeof(to), "%s/bin/%s", world, progs[i]);
		copy_file(from, to);
	}
	snprintf(p, sizeof(p), "%s/pol", world);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/pol/bench.policy", world);
	put_file(p, POLICY, 0644);
	snprintf(sock, sizeof(sock), "%s/gk.sock", world);
	snprintf(p, sizeof(p), "%s/state", world);
	daemon_pid = spawn_daemon(sock, p);
}

/* Medians of n alternating runs of a (as ua) and b (as ub), in seconds,
 * after a few warm-up runs; both must exit 0. */
static void
compare(size_t n, uid_t ua, char *const a[], uid_t ub, char *const b[],
    double *ma, double *mb)
{
	double *ta = calloc(n, sizeof(double)), *tb = calloc(n, sizeof(double));
	size_t i;
	int sa, sb;

	if (ta == NULL || tb == NULL)
		die("out of memory");
	for (i = 0; i < n + 3; i++) {
		ta[i % n] = run_timed(ua, a, &sa);
		tb[i % n] = run_timed(ub, b, &sb);
		if (!WIFEXITED(sa) || WEXITSTATUS(sa) != 0 ||
		    !WIFEXITED(sb) || WEXITSTATUS(sb) != 0)
			die("%s or %s failed", a[0], b[0]);
	}
	*ma = median(ta, n);
	*mb = median(tb, n);
	free(ta);
	free(tb);
}

static int send_run(int, const char *const *);

/* Median of n: a new connection, RUN argv, every answer up to one of
 * type last (as root; the daemon's part of a gk-shell -c). */
static double
round_trip(size_t n, const char *const *argv, uint8_t last)
{
	struct gk_msg m;
	double *t = calloc(n, sizeof(double)), t0, r;
	size_t i;
	int fd, type;

	if (t == NULL)
		die("out of memory");
	for (i = 0; i < n; i++) {
		t0 = now_s();
		if ((fd = gk_client_connect(sock)) == -1 ||
		    send_run(fd, argv) != 0)
			die("RUN %s failed", argv[0]);
		do {
			if (gk_client_recv(fd, &m) != 0 || m.type == GK_T_ERROR)
				die("RUN %s failed", argv[0]);
			type = m.type;
			gk_msg_free(&m);
		} while (type != last);
		close(fd);
		t[i] = now_s() - t0;
	}
	r = median(t, n);
	free(t);
	return r;
}

static double
empty_process(size_t n)
{
	char *argv[] = { "/bin/true", NULL };
	double *t = calloc(n, sizeof(double)), r;
	size_t i;
	int st;

	if (t == NULL)
		die("out of memory");
	for (i = 0; i < n; i++)
		t[i] = run_timed(REQUESTER, argv, &st);
	r = median(t, n);
	free(t);
	return r;
}

/* gk-shell -c /bin/true (local) against bash -c /bin/true, both as the
 * admin, the daemon on socket sk: the medians of n. */
static void
run_local(const char *sk, size_t n, double *ma, double *mb)
{
	char shell[PATH_MAX];
	char *gk[] = { shell, "-s", (char *)sk, "-c", "/bin/true", NULL };
	char *sh[] = { "/bin/bash", "-c", "/bin/true", NULL };

	snprintf(shell, sizeof(shell), "%s/bin/gk-shell", world);
	compare(n, REQUESTER, gk, REQUESTER, sh, ma, mb);
}

/* gk-shell -c id under an allow rule (the daemon runs it as root) against
 * sudo -n id run by root: the medians of n, or -1 without sudo. */
static const char SUDO[] = "/usr/bin/sudo";

static int
run_allow(const char *sk, size_t n, double *ma, double *mb)
{
	char shell[PATH_MAX];
	char *gk[] = { shell, "-s", (char *)sk, "-c", "id", NULL };
	char *su[] = { (char *)SUDO, "-n", "id", NULL };

	if (access(SUDO, X_OK) != 0)
		return -1;
	snprintf(shell, sizeof(shell), "%s/bin/gk-shell", world);
	compare(n, REQUESTER, gk, 0, su, ma, mb);
	return 0;
}

/* A: the local command. */
static void
bench_local(void)
{
	static const char *const targv[] = { "/bin/true", NULL };
	size_t n = quick ? 60 : 300;
	double ma, mb;

	run_local(sock, n, &ma, &mb);
	printf("local    gk-shell -c /bin/true (local rule, audited): %.3f ms; "
	    "baseline bash -c /bin/true: %.3f ms; ratio %.2f (target <= 1.0; "
	    "median of %zu)\n", ma * 1e3, mb * 1e3, ma / mb, n);
	printf("# of which the daemon (connect, RUN, durable record, DECISION): "
	    "%.3f ms; an empty process (fork, exec /bin/true, wait): %.3f ms\n",
	    round_trip(n, targv, GK_T_DECISION) * 1e3, empty_process(n) * 1e3);
}

/* B: the allow command. */
static void
bench_allow(void)
{
	static const char *const iargv[] = { "id", NULL };
	size_t n = quick ? 40 : 200;
	double ma, mb;

	if (run_allow(sock, n, &ma, &mb) != 0) {
		printf("allow    skipped: %s is not installed\n", SUDO);
		return;
	}
	printf("allow    gk-shell -c id (allow rule, run as root by the "
	    "daemon): %.3f ms; baseline sudo -n id as root: %.3f ms; ratio "
	    "%.2f (target <= 0.5; median of %zu)\n", ma * 1e3, mb * 1e3,
	    ma / mb, n);
	printf("# of which the daemon (connect, RUN id, two durable commits, "
	    "fork, exec, output, EXIT): %.3f ms\n",
	    round_trip(n, iargv, GK_T_EXIT) * 1e3);
}

/*
 * The disk's share of A and B: the same comparisons with a second daemon
 * whose state is on a tmpfs (mounted in the bench's private mount
 * namespace). Its records are not durable, so this is no result: it says
 * how much of the two ratios is the durable commit on this disk.
 */
static void
bench_disk_share(void)
{
	char dir[PATH_MAX], tsock[PATH_MAX + 16], state[PATH_MAX + 16];
	char allow[64] = "allow: no sudo";
	size_t n = quick ? 40 : 200;
	double ma, mb;
	pid_t pid;
	int st;

	snprintf(dir, sizeof(dir), "%s/tmpfs", world);
	if (mkdir(dir, 0755) == -1 ||
	    mount("tmpfs", dir, "tmpfs", 0, "size=64m,mode=0755") == -1) {
		printf("# disk share: skipped (tmpfs at %s: %s)\n", dir,
		    strerror(errno));
		return;
	}
	snprintf(tsock, sizeof(tsock), "%s/gk.sock", dir);
	snprintf(state, sizeof(state), "%s/state", dir);
	pid = spawn_daemon(tsock, state);
	if (run_allow(tsock, n, &ma, &mb) == 0)
		snprintf(allow, sizeof(allow), "allow ratio %.2f", ma / mb);
	run_local(tsock, n, &ma, &mb);
	printf("# the disk's share: with the daemon's state on tmpfs (records "
	    "not durable, so not a result) local ratio %.2f, %s\n", ma / mb,
	    allow);
	kill(pid, SIGTERM);
	waitpid(pid, &st, 0);
	umount2(dir, MNT_DETACH);
}

/* Durable single-row commits per second (WAL, synchronous=FULL), on the
 * same file system as the daemon's state: the baseline of the rates. */
static double
commit_rate(double seconds)
{
	char path[PATH_MAX];
	sqlite3 *db;
	sqlite3_stmt *st;
	double t0, t;
	long n = 0;

	snprintf(path, sizeof(path), "%s/commit.db", world);
	if (sqlite3_open(path, &db) != SQLITE_OK ||
	    sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
	    "CREATE TABLE t(a INTEGER PRIMARY KEY, b BLOB)", NULL, NULL,
	    NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "INSERT INTO t(b) VALUES (randomblob(200))",
	    -1, &st, NULL) != SQLITE_OK)
		die("commit baseline: %s", sqlite3_errmsg(db));
	t0 = now_s();
	do {
		sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
		sqlite3_step(st);
		sqlite3_reset(st);
		sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
		n++;
	} while ((t = now_s() - t0) < seconds);
	sqlite3_finalize(st);
	sqlite3_close(db);
	unlink(path);
	return (double)n / t;
}

static int
send_run(int fd, const char *const *argv)
{
	struct gk_msg m;

	gk_msg_begin(&m, GK_T_RUN);
	for (; *argv != NULL; argv++)
		gk_msg_add_str(&m, "arg", *argv);
	gk_msg_add_str(&m, "cwd", "/");
	return gk_client_send(fd, &m);
}

/* Forks n children as uid; each waits on the barrier, runs fn and writes
 * its count and seconds to the result pipe. Returns the summed rate and
 * the total count. */
static double
fan_out(size_t n, uid_t uid, long (*fn)(size_t, void *), void *arg,
    long *total)
{
	int go[2], res[2], st;
	size_t i;
	double rate = 0, r[2];
	long cnt;
	pid_t pid, *pids;

	if ((pids = calloc(n, sizeof(*pids))) == NULL)
		die("out of memory");

	if (pipe(go) == -1 || pipe(res) == -1)
		die("pipe: %s", strerror(errno));
	for (i = 0; i < n; i++) {
		if ((pid = fork()) == -1)
			die("fork: %s", strerror(errno));
		if (pid == 0) {
			char c;
			double t0;

			close(go[1]);
			close(res[0]);
			become(uid == 0 ? 0 : uid + (uid == APPROVER0 ? i : 0));
			if (read(go[0], &c, 1) != 0)
				_exit(1);
			t0 = now_s();
			cnt = fn(i, arg);
			r[0] = (double)cnt;
			r[1] = now_s() - t0;
			if (write(res[1], r, sizeof(r)) != sizeof(r))
				_exit(1);
			_exit(cnt < 0);
		}
		pids[i] = pid;
	}
	close(go[0]);
	close(res[1]);
	usleep(200000);		/* let every child reach the barrier */
	close(go[1]);
	*total = 0;
	while (read(res[0], r, sizeof(r)) == sizeof(r)) {
		if (r[0] > 0 && r[1] > 0)
			rate += r[0] / r[1];
		*total += (long)r[0];
	}
	close(res[0]);
	for (i = 0; i < n; i++)
		waitpid(pids[i], &st, 0);
	free(pids);
	return rate;
}

static double run_seconds;

/* One client: RUN true, DECISION local, again, for run_seconds. */
static long
decide_loop(size_t i, void *arg)
{
	static const char *const argv[] = { "true", NULL };
	struct gk_msg m;
	double end = now_s() + run_seconds;
	long n = 0;
	int fd;

	(void)i;
	(void)arg;
	if ((fd = gk_client_connect(sock)) == -1)
		return -1;
	while (now_s() < end) {
		if (send_run(fd, argv) != 0 || gk_client_recv(fd, &m) != 0)
			return -1;
		if (m.type != GK_T_DECISION ||
		    strcmp(gk_msg_str(&m, "action"), "local") != 0)
			return -1;
		gk_msg_free(&m);
		n++;
	}
	close(fd);
	return n;
}

/* C: policy decisions with durable audit records, 64 clients. */
static void
bench_decisions(double base)
{
	double rate;
	long total;

	run_seconds = quick ? 2 : 5;
	rate = fan_out(CLIENTS, REQUESTER, decide_loop, NULL, &total);
	if (total <= 0)
		die("decisions: the clients failed");
	printf("decide   %d clients, local decisions with durable audit "
	    "records: %.0f/s; baseline single-row durable commits: %.0f/s; "
	    "ratio %.2f (target >= 20000/s: %.2f of it)\n", CLIENTS, rate,
	    base, rate / base, rate / 20000);
}

/* D: approvals. */
struct approver {
	uint8_t	 pk[32], sk[64];
	char	 pubid[GK_OTP_PUBID_LEN + 1];
	uint8_t	 privid[GK_OTP_PRIVID_LEN], aes[GK_OTP_KEY_LEN];
	char	 name[8];
};

struct approvals {
	struct approver	 a[NAPPROVERS];
	int64_t		*ids;
	uint8_t		(*digests)[GK_DIGEST_LEN];
	size_t		 n;
};

static void
make_otp(const struct approver *a, unsigned ctr, unsigned use, char *out)
{
	yubikey_token_st tok;
	char token[YUBIKEY_OTP_SIZE + 1];

	memset(&tok, 0, sizeof(tok));
	memcpy(tok.uid, a->privid, sizeof(tok.uid));
	tok.ctr = (uint16_t)ctr;
	tok.use = (uint8_t)use;
	randombytes_buf(&tok.rnd, sizeof(tok.rnd));
	tok.crc = (uint16_t)~yubikey_crc16((const uint8_t *)&tok,
	    sizeof(tok) - sizeof(tok.crc));
	yubikey_generate(&tok, a->aes, token);
	memcpy(out, a->pubid, GK_OTP_PUBID_LEN);
	memcpy(out + GK_OTP_PUBID_LEN, token, YUBIKEY_OTP_SIZE + 1);
}

static int
ask_ok(int fd, struct gk_msg *m)
{
	struct gk_msg r;
	int ok;

	if (gk_client_send(fd, m) != 0 || gk_client_recv(fd, &r) != 0)
		return -1;
	ok = r.type == GK_T_OK ? 0 : -1;
	if (ok != 0)
		fprintf(stderr, "bench: %s\n", gk_msg_str(&r, "message") ?
		    gk_msg_str(&r, "message") : "refused");
	gk_msg_free(&r);
	return ok;
}

static void
enroll(struct approvals *ap)
{
	char pk[80], yk[128], hp[2 * GK_OTP_PRIVID_LEN + 1],
	    ha[2 * GK_OTP_KEY_LEN + 1], uid[16];
	uint8_t pub[GK_OTP_PUBID_LEN / 2];
	struct gk_msg m;
	size_t i;
	int fd;

	if ((fd = gk_client_connect(sock)) == -1)
		die("connect: %s", strerror(errno));
	for (i = 0; i < NAPPROVERS; i++) {
		struct approver *a = &ap->a[i];

		snprintf(a->name, sizeof(a->name), "a%zu", i);
		crypto_sign_keypair(a->pk, a->sk);
		randombytes_buf(pub, sizeof(pub));
		yubikey_modhex_encode(a->pubid, (const char *)pub, sizeof(pub));
		randombytes_buf(a->privid, sizeof(a->privid));
		randombytes_buf(a->aes, sizeof(a->aes));
		memcpy(pk, "ed25519:", 8);
		gk_hex(a->pk, 32, pk + 8);
		gk_hex(a->privid, sizeof(a->privid), hp);
		gk_hex(a->aes, sizeof(a->aes), ha);
		snprintf(yk, sizeof(yk), "%s:%s:%s", a->pubid, hp, ha);
		snprintf(uid, sizeof(uid), "%zu", APPROVER0 + i);
		gk_msg_begin(&m, GK_T_ENROLL);
		gk_msg_add_str(&m, "name", a->name);
		gk_msg_add_str(&m, "uid", uid);
		gk_msg_add_str(&m, "pubkey", pk);
		gk_msg_add_str(&m, "yubikey", yk);
		if (ask_ok(fd, &m) != 0)
			die("enroll %s failed", a->name);
	}
	close(fd);
}

/* Requests to approve: each from its own connection (a requester waits on
 * its request); ids through a pipe. */
static int id_pipe;

static long
request_loop(size_t i, void *arg)
{
	static const char *const argv[] = { "touch", "/nonexistent/bench",
	    NULL };
	struct gk_msg m;
	size_t n = *(size_t *)arg, k;
	int64_t id;
	int fd;

	(void)i;
	for (k = 0; k < n; k++) {
		if ((fd = gk_client_connect(sock)) == -1 ||
		    send_run(fd, argv) != 0 || gk_client_recv(fd, &m) != 0)
			return -1;
		gk_msg_free(&m);
		if (gk_client_recv(fd, &m) != 0 || m.type != GK_T_REQUEST)
			return -1;
		id = strtoll(gk_msg_str(&m, "id"), NULL, 10);
		gk_msg_free(&m);
		close(fd);
		if (write(id_pipe, &id, sizeof(id)) != sizeof(id))
			return -1;
	}
	return (long)n;
}

/* Approver i approves every request of its pair (i / 2), pipelined over
 * one connection (its OTP counters must arrive in order). */
static long
approve_loop(size_t i, void *arg)
{
	struct approvals *ap = arg;
	struct approver *a = &ap->a[i];
	struct gk_buf frames, msg;
	struct gk_msg m;
	char otp[GK_OTP_LEN + 1];
	uint8_t sig[64];
	unsigned ctr = 1, use = 0;
	size_t k, sent = 0, want = 0, got = 0, off = 0;
	int64_t now = time(NULL);
	ssize_t w;
	long ok = 0;
	int fd;

	/* Prepared before the barrier would be fairer; it is cheap next to
	 * the daemon's work and is what gk-approve does per approval. */
	gk_buf_init(&frames, 64 * 1024 * 1024);
	for (k = 0; k < ap->n; k++) {
		if (k % (NAPPROVERS / 2) != i / 2)
			continue;
		make_otp(a, ctr, use, otp);
		if (++use > 255) {
			use = 0;
			ctr++;
		}
		gk_buf_init(&msg, 4096);
		gk_approval_message(&msg, ap->digests[k], "approve", otp,
		    a->name, now);
		crypto_sign_detached(sig, NULL, msg.data, msg.len, a->sk);
		gk_buf_free(&msg);
		gk_msg_begin(&m, GK_T_DECIDE);
		gk_msg_add_i64(&m, "id", ap->ids[k]);
		gk_msg_add_str(&m, "decision", "approve");
		gk_msg_add_str(&m, "otp", otp);
		gk_msg_add(&m, "sig", sig, sizeof(sig));
		gk_msg_add_i64(&m, "time", now);
		if (gk_msg_finish(&m, &frames) != 0)
			return -1;
		want++;
	}
	if ((fd = gk_client_connect(sock)) == -1)
		return -1;
	/* A window of 32 decisions in flight. */
	while (got < want) {
		while (sent < want && sent - got < 32) {
			const uint8_t *p = frames.data + off;
			size_t flen;

			/* The frame header's u32 length, then the header. */
			flen = GK_FRAME_HDR + ((size_t)p[4] << 24 |
			    (size_t)p[5] << 16 | (size_t)p[6] << 8 | p[7]);
			while (flen > 0) {
				if ((w = write(fd, p, flen)) <= 0)
					return -1;
				p += w;
				off += (size_t)w;
				flen -= (size_t)w;
			}
			sent++;
		}
		if (gk_client_recv(fd, &m) != 0)
			return -1;
		if (m.type == GK_T_OK)
			ok++;
		else if (ok == 0 && got == 0)
			fprintf(stderr, "bench: %s: %s\n", a->name,
			    gk_msg_str(&m, "message"));
		gk_msg_free(&m);
		got++;
	}
	close(fd);
	gk_buf_free(&frames);
	return ok;
}

static void
bench_approvals(double base)
{
	static struct approvals ap;
	size_t per = quick ? 50 : 400, nreq = per * 8, k;
	int p[2], fd;
	long total;
	double rate;

	enroll(&ap);
	if (pipe(p) == -1)
		die("pipe: %s", strerror(errno));
	id_pipe = p[1];
	ap.ids = calloc(nreq, sizeof(*ap.ids));
	ap.digests = calloc(nreq, sizeof(*ap.digests));
	if (ap.ids == NULL || ap.digests == NULL)
		die("out of memory");
	/* The ids come back through a pipe read after the children end:
	 * keep it small enough for the pipe buffer (64 KiB: 8192 ids). */
	fcntl(p[1], F_SETPIPE_SZ, 1 << 20);
	fan_out(8, REQUESTER, request_loop, &per, &total);
	close(p[1]);
	for (ap.n = 0; ap.n < nreq && read(p[0], &ap.ids[ap.n],
	    sizeof(int64_t)) == sizeof(int64_t); ap.n++)
		;
	close(p[0]);
	if (ap.n != nreq || total != (long)nreq)
		die("approvals: only %zu of %zu requests were made", ap.n, nreq);
	if ((fd = gk_client_connect(sock)) == -1)
		die("connect: %s", strerror(errno));
	for (k = 0; k < ap.n; k++)
		if (gk_test_request_digest(fd, ap.ids[k], ap.digests[k]) != 0)
			die("show %" PRId64 " failed", ap.ids[k]);
	close(fd);
	rate = fan_out(NAPPROVERS, APPROVER0, approve_loop, &ap, &total);
	if (total != (long)(2 * nreq))
		die("approvals: %ld of %zu accepted", total, 2 * nreq);
	printf("approve  %d approvers, approvals (OTP, signature, transaction): "
	    "%.0f/s; baseline single-row durable commits: %.0f/s; ratio %.2f "
	    "(target >= 2000/s: %.2f of it; %zu approvals)\n", NAPPROVERS,
	    rate, base, rate / base, rate / 2000, (size_t)total);
	free(ap.ids);
	free(ap.digests);
}

/* E: a large audit log, written as gatekeeperd writes it (schema, chain,
 * a signed checkpoint every CP_EVERY records), in one transaction and
 * with the indexes built at the end. The key that signs its checkpoints
 * goes to sk. */
#define GEN_T0		1767225600	/* 2026-01-01 */
#define GEN_RATE	100		/* records per second of log time */
#define GEN_USERS	50

/* Of every GEN_CYCLE records: GEN_CYCLE - 5 local ones; an allow with
 * its exec-start and exec-end (one request id); an approval and a
 * rejection of a pending request (another id), with signatures. Records
 * of the same request share its user and session. No "request" records:
 * those need requests rows (and approvals rows) that verify checks. */
#define GEN_CYCLE	25

static void
gen_event(struct gk_audit_rec *rec, long i)
{
	static const char hash[] = "9f86d081884c7d659a2feaa0c55ad015"
	    "a3bf4f1b2b0b822cd15d6c15b0f00a08";
	static char endd[256], appd[160], rejd[160];
	char sig[2 * 64 + 1];
	long k = i % GEN_CYCLE, cycle = i / GEN_CYCLE;

	if (endd[0] == '\0') {
		memset(sig, 'a', sizeof(sig) - 1);
		sig[sizeof(sig) - 1] = '\0';
		snprintf(endd, sizeof(endd), "state=done status=0 out_hash=%s "
		    "err_hash=%s kept_hash=%s", hash, hash, hash);
		snprintf(appd, sizeof(appd), "state=pending sig=%s", sig);
		snprintf(rejd, sizeof(rejd), "state=rejected sig=%s", sig);
	}
	if (k < GEN_CYCLE - 5) {
		rec->event = "local";
		rec->detail = "rule=bench-local";
		return;
	}
	rec->request = 2 * cycle + (k >= GEN_CYCLE - 2) + 1;
	switch (k - (GEN_CYCLE - 5)) {
	case 0:
		rec->event = "allow";
		rec->command = "systemctl restart nginx";
		rec->detail = "rule=bench-allow run_as=root state=authorized";
		break;
	case 1:
	case 2:
		rec->event = k == GEN_CYCLE - 4 ? "exec-start" : "exec-end";
		rec->uid = 0;
		rec->user = "root";
		rec->command = "systemctl restart nginx";
		rec->detail = k == GEN_CYCLE - 4 ? "state=running pid=4242" :
		    endd;
		break;
	default:
		rec->event = k == GEN_CYCLE - 1 ? "reject" : "approve";
		rec->uid = k == GEN_CYCLE - 1 ? APPROVER0 + 1 : APPROVER0;
		rec->user = k == GEN_CYCLE - 1 ? "a1" : "a0";
		rec->command = "mkfs.ext4 /dev/sdb1";
		rec->detail = k == GEN_CYCLE - 1 ? rejd : appd;
		break;
	}
}

static void
gen_log(const char *path, long n, uint8_t sk[64])
{
	static const char *cmds[] = { "ls -l /srv/data", "df -h",
	    "cat /var/log/syslog", "grep -r error /etc", "du -sh /home" };
	struct gk_audit_rec rec;
	struct gk_checkpoint c;
	struct gk_buf b;
	sqlite3 *db;
	sqlite3_stmt *ins, *cp, *meta;
	uint8_t pk[32];
	char user[16], session[64];
	long i;

	unlink(path);
	if (sqlite3_open(path, &db) != SQLITE_OK ||
	    sqlite3_exec(db, "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;"
	    "PRAGMA cache_size=-262144;"
	    "CREATE TABLE audit(seq INTEGER PRIMARY KEY,"
	    " time INTEGER NOT NULL, event TEXT NOT NULL, uid INTEGER NOT NULL,"
	    " user TEXT NOT NULL, request INTEGER NOT NULL, session TEXT NOT NULL,"
	    " command TEXT NOT NULL, detail TEXT NOT NULL, prev BLOB NOT NULL,"
	    " hash BLOB NOT NULL);", NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_exec(db, gk_schema_sql, NULL, NULL, NULL) != SQLITE_OK)
		die("%s: %s", path, sqlite3_errmsg(db));
	/* The schema made the indexes; drop them and build them after. */
	sqlite3_exec(db, "DROP INDEX audit_user_time; DROP INDEX audit_request;"
	    "BEGIN", NULL, NULL, NULL);
	crypto_sign_keypair(pk, sk);
	if (sqlite3_prepare_v2(db, gk_audit_insert_sql, -1, &ins, NULL) !=
	    SQLITE_OK ||
	    sqlite3_prepare_v2(db, "INSERT INTO checkpoints VALUES (?, ?, ?, ?)",
	    -1, &cp, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "INSERT INTO meta VALUES ('daemon_pubkey', ?)",
	    -1, &meta, NULL) != SQLITE_OK)
		die("%s: %s", path, sqlite3_errmsg(db));
	sqlite3_bind_blob(meta, 1, pk, 32, SQLITE_STATIC);
	sqlite3_step(meta);
	sqlite3_finalize(meta);
	memset(&rec, 0, sizeof(rec));
	for (i = 1; i <= n; i++) {
		rec.seq = i;
		rec.time = GEN_T0 + i / GEN_RATE;
		rec.uid = 20000 + (i * 7919) % GEN_USERS;
		snprintf(user, sizeof(user), "user%02" PRId64, rec.uid - 20000);
		rec.user = user;
		rec.request = 0;
		snprintf(session, sizeof(session), "ssh=192.0.2.%ld tty=pts/%ld",
		    1 + i % 200, i % 12);
		rec.session = session;
		rec.command = cmds[i % 5];
		gen_event(&rec, i);
		if (gk_audit_hash(&rec) != 0)
			die("hash");
		gk_audit_bind(ins, &rec);
		if (sqlite3_step(ins) != SQLITE_DONE)
			die("insert: %s", sqlite3_errmsg(db));
		sqlite3_reset(ins);
		memcpy(rec.prev, rec.hash, GK_DIGEST_LEN);
		if (i % CP_EVERY == 0 || i == n) {
			memset(&c, 0, sizeof(c));
			c.seq = i;
			c.time = rec.time;
			memcpy(c.hash, rec.hash, GK_DIGEST_LEN);
			gk_buf_init(&b, 4096);
			gk_checkpoint_message(&b, c.seq, c.hash, c.time);
			crypto_sign_detached(c.sig, NULL, b.data, b.len, sk);
			gk_buf_free(&b);
			sqlite3_bind_int64(cp, 1, c.seq);
			sqlite3_bind_blob(cp, 2, c.hash, GK_DIGEST_LEN,
			    SQLITE_STATIC);
			sqlite3_bind_int64(cp, 3, c.time);
			sqlite3_bind_blob(cp, 4, c.sig, 64, SQLITE_STATIC);
			if (sqlite3_step(cp) != SQLITE_DONE)
				die("checkpoint: %s", sqlite3_errmsg(db));
			sqlite3_reset(cp);
		}
	}
	sqlite3_finalize(ins);
	sqlite3_finalize(cp);
	if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_exec(db, gk_schema_sql, NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_exec(db, "PRAGMA journal_mode=WAL", NULL, NULL,
	    NULL) != SQLITE_OK)
		die("%s: %s", path, sqlite3_errmsg(db));
	sqlite3_close(db);
}

/* Median of runs of argv as root, in seconds; each must exit 0. */
static double
median_run(size_t runs, char *const argv[], const char *what)
{
	double t[16];
	size_t i;
	int st;

	for (i = 0; i < runs && i < 16; i++) {
		t[i] = run_timed(0, argv, &st);
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
			die("%s failed (%d)", what, WEXITSTATUS(st));
	}
	return median(t, i);
}

static void
bench_log(void)
{
	char path[PATH_MAX + 16], small[PATH_MAX], audit[PATH_MAX + 16];
	char state[PATH_MAX], db[PATH_MAX + 16], key[PATH_MAX + 16];
	char lsock[PATH_MAX], since[32], until[32];
	long n = quick ? 200000 : 10000000;

	if (getenv("GK_BENCH_RECORDS") != NULL)	/* for profiling */
		n = strtol(getenv("GK_BENCH_RECORDS"), NULL, 10);
	size_t runs = quick ? 5 : 9;
	double t, tv, mq, ms, md;
	uint8_t sk[64], sk2[64];
	struct stat sb;
	int st, fd;

	/* The log is also a daemon's store: state/gatekeeper.db (a link
	 * to a kept log) and the key that signed it. */
	snprintf(state, sizeof(state), "%s/logstate", world);
	snprintf(db, sizeof(db), "%s/gatekeeper.db", state);
	snprintf(key, sizeof(key), "%s/daemon.key", state);
	snprintf(lsock, sizeof(lsock), "%s/log.sock", world);
	if (mkdir(state, 0700) == -1)
		die("%s: %s", state, strerror(errno));
	if (getenv("GK_BENCH_KEEP_LOG") != NULL)	/* for profiling */
		snprintf(path, sizeof(path), "%s", getenv("GK_BENCH_KEEP_LOG"));
	else
		snprintf(path, sizeof(path), "%s", db);
	snprintf(small, sizeof(small), "%s/small.db", world);
	snprintf(audit, sizeof(audit), "%s/gk-audit", build);
	t = now_s();
	gen_log(path, n, sk);
	t = now_s() - t;
	gen_log(small, 10000, sk2);
	if (stat(path, &sb) == -1)
		die("%s: %s", path, strerror(errno));
	if (strcmp(path, db) != 0 && link(path, db) == -1)
		die("link %s: %s", path, strerror(errno));
	if ((fd = open(key, O_WRONLY | O_CREAT | O_EXCL, 0600)) == -1 ||
	    write(fd, sk, sizeof(sk)) != (ssize_t)sizeof(sk) || close(fd) != 0)
		die("%s: cannot write", key);
	sodium_memzero(sk, sizeof(sk));
	sodium_memzero(sk2, sizeof(sk2));
	printf("# generated %ld records in %.1f s (%.0f/s)%s\n", n, t,
	    (double)n / t, quick ? "; bench-quick sizes, make bench uses "
	    "10,000,000" : "");
	{
		char *v[] = { audit, "verify", "--db", path, NULL };

		tv = run_timed(0, v, &st);
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
			die("gk-audit verify --db failed (%d)", WEXITSTATUS(st));
	}
	/* A user's ten minutes in the middle of the log. */
	snprintf(since, sizeof(since), "%ld", (long)GEN_T0 + n / GEN_RATE / 2);
	snprintf(until, sizeof(until), "%ld", (long)GEN_T0 + n / GEN_RATE / 2
	    + 600);
	{
		char *q[] = { audit, "--db", path, "--user", "user07", "--since",
		    since, "--until", until, NULL };
		char *qs[] = { audit, "--db", small, "--user", "user07",
		    "--since", "1767225650", "--until", "1767225700", NULL };
		char *qd[] = { audit, "-s", lsock, "--user", "user07",
		    "--since", since, "--until", until, NULL };

		mq = median_run(runs, q, "gk-audit --db query");
		ms = median_run(runs, qs, "gk-audit --db query");
		log_daemon_pid = spawn_daemon(lsock, state);
		md = median_run(runs, qd, "gk-audit query through gatekeeperd");
	}
	printf("verify   gk-audit verify --db, %ld records: %.0f records/s "
	    "(%.2f s); baseline target 1000000/s; ratio %.2f\n", n,
	    (double)n / tv, tv, (double)n / tv / 1e6);
	printf("query    gk-audit --db --user --since --until (10 minutes of "
	    "one of %d users), %ld records: %.1f ms; baseline the same query "
	    "on 10000 records: %.1f ms; ratio %.2f (target < 50 ms: %.2f of "
	    "it)\n", GEN_USERS, n, mq * 1e3, ms * 1e3, mq / ms, mq * 1e3 / 50);
	printf("daemon   gk-audit --user --since --until through gatekeeperd "
	    "(AUDIT over the socket), %ld records: %.1f ms; baseline the same "
	    "query with --db: %.1f ms; ratio %.2f (target < 50 ms: %.2f of "
	    "it)\n", n, md * 1e3, mq * 1e3, md / mq, md * 1e3 / 50);
	printf("size     database bytes per record: %.0f; baseline target 300; "
	    "ratio %.2f\n", (double)sb.st_size / (double)n,
	    (double)sb.st_size / (double)n / 300);
	kill(log_daemon_pid, SIGTERM);
	waitpid(log_daemon_pid, &st, 0);
	log_daemon_pid = -1;
	if (strcmp(path, db) != 0)
		unlink(db);
	else
		unlink(path);
	unlink(small);
}

/* $GK_BENCH_ONLY (words: local allow disk decide approve log) picks parts,
 * for profiling one of them. */
static int
want(const char *part)
{
	const char *only = getenv("GK_BENCH_ONLY");

	return only == NULL || strstr(only, part) != NULL;
}

int
main(int argc, char **argv)
{
	double base;

	if (argc < 2 || argc > 3 || (argc == 3 && strcmp(argv[2], "--quick")))
		die("usage: bench BUILDDIR [--quick]");
	quick = argc == 3;
	if (geteuid() != 0)
		die("run me as root (the people are numeric uids)");
	if (realpath(argv[1], build) == NULL)
		die("%s: %s", argv[1], strerror(errno));
	if (sodium_init() < 0)
		die("libsodium");
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("# gatekeeper bench%s: %ld cores; ratios against baselines "
	    "measured in this run\n", quick ? " (quick)" : "",
	    sysconf(_SC_NPROCESSORS_ONLN));
	world_init();
	if (want("local"))
		bench_local();
	if (want("allow"))
		bench_allow();
	if (want("disk"))
		bench_disk_share();
	base = commit_rate(1.0);
	if (want("decide"))
		bench_decisions(base);
	if (want("approve"))
		bench_approvals(base);
	if (want("log"))
		bench_log();
	world_cleanup();
	return 0;
}
