/*
 * Notifications of request events (issue 8): the state machine calls
 * notify_event when a request is created, approved (each approval),
 * rejected, executed, refused at exec time, expires, is cancelled or
 * vetoed. Every event goes to syslog; when gatekeeperd.conf names a notify
 * command, it also runs that command with the details in its environment.
 *
 * MUST:
 * - never block the event loop: fork and exec, never wait; reap through the
 *   loop's SIGCHLD (notify_reap); kill after the timeout (notify_tick);
 *   beyond notify_max running notifiers, queue the notice (bounded);
 * - never drop a notice silently: every drop is logged and audited
 *   (notify-dropped); one requester's notices never crowd out another's
 *   (a share of the queue each), and an important notice (created for
 *   approval, approved, delayed, executed, lockdown) is never dropped
 *   for an unimportant one;
 * - exec an argv from the config (no shell), a root-owned program not
 *   writable by others, checked when the config is read;
 * - build the notifier's environment from scratch, from the request row
 *   only: never a secret (OTP, key), never the daemon's own environment;
 *   every variable goes through env_add, which redacts OTP-shaped words;
 * - give the notifier no fd of the daemon: stdin, stdout and stderr are
 *   /dev/null, every other fd closed.
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "daemon.h"
#include "escape.h"
#include "gk_err.h"
#include "otp.h"
#include "policy.h"
#include "reqrow.h"
#include "safefile.h"

#define NOTIFY_ARGS_MAX		32
#define NOTIFY_ENV_MAX		32
#define NOTIFY_TIMEOUT		10	/* seconds */
#define NOTIFY_RUNNING_MAX	16
#define NOTIFY_VALUE_MAX	16384	/* far below Linux's 128 KiB per string */
#define NOTIFY_QUEUE_MAX	256	/* notices waiting for a free notifier */
#define NOTIFY_QUEUE_SHARE	32	/* of them, one requester's at most */

struct notifier {
	pid_t		 pid;
	int64_t		 id;
	char		 event[24];
	time_t		 deadline;
	int		 killed;
	struct notifier	*next;
};

struct env {
	char	*v[NOTIFY_ENV_MAX + 1];
	size_t	 n;
	int	 oom;
};

/* A notice waiting for a notifier: its environment is built when the
 * event happens, so it tells what was true then. */
struct notice {
	char		 event[24];
	int64_t		 id;
	int64_t		 who;		/* the requester's uid; -1: the daemon */
	char		 user[64];
	int		 important;
	struct env	 e;
	struct notice	*next;
};

static struct {
	char		*argv[NOTIFY_ARGS_MAX + 1];	/* NULL: no command */
	int64_t		 timeout;
	size_t		 max, running;
	struct notifier	*list;
	struct notice	*queue;		/* oldest first */
	size_t		 queued;
} nt = { { NULL }, NOTIFY_TIMEOUT, NOTIFY_RUNNING_MAX, 0, NULL, NULL, 0 };

/* "10", "10s", "2m", "1h": seconds in [1, 86400], or -1. */
static int64_t
parse_seconds(const char *s)
{
	char *end;
	long long v;
	int64_t unit = 1;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (end == s || errno != 0 || v <= 0)
		return -1;
	if (*end == 's')
		end++;
	else if (*end == 'm')
		unit = 60, end++;
	else if (*end == 'h')
		unit = 3600, end++;
	if (*end != '\0' || v > 86400 / unit)
		return -1;
	return (int64_t)v * unit;
}

/* Splits the notify line on blanks into nt.argv and checks the program. */
static int
set_command(const char *conf, const char *line)
{
	char *copy, *w, *save = NULL, why[4200];
	struct stat st;
	size_t n = 0;
	int fd;

	for (n = 0; nt.argv[n] != NULL; n++) {	/* a later line wins */
		free(nt.argv[n]);
		nt.argv[n] = NULL;
	}
	n = 0;
	if ((copy = strdup(line)) == NULL)
		return -1;
	for (w = strtok_r(copy, " \t", &save); w != NULL;
	    w = strtok_r(NULL, " \t", &save)) {
		if (n == NOTIFY_ARGS_MAX) {
			fprintf(stderr, "gatekeeperd: %s: notify: more than %d "
			    "words\n", conf, NOTIFY_ARGS_MAX);
			free(copy);
			return -1;
		}
		if ((nt.argv[n++] = strdup(w)) == NULL) {
			free(copy);
			return -1;
		}
	}
	free(copy);
	nt.argv[n] = NULL;
	if (n == 0 || nt.argv[0][0] != '/') {
		fprintf(stderr, "gatekeeperd: %s: notify: the command must start "
		    "with an absolute path (it is run without a shell)\n", conf);
		return -1;
	}
	if ((fd = gk_safe_open(nt.argv[0], 0, 0, S_IWGRP | S_IWOTH, &st, why,
	    sizeof(why))) < 0 || gk_safe_ancestors(nt.argv[0], why,
	    sizeof(why)) != 0) {
		if (fd >= 0)
			close(fd);
		fprintf(stderr, "gatekeeperd: %s: notify: %s (the notify "
		    "command must be root's and not writable by others)\n",
		    conf, why);
		return -1;
	}
	close(fd);
	if (!(st.st_mode & S_IXUSR)) {
		fprintf(stderr, "gatekeeperd: %s: notify: %s is not executable\n",
		    conf, nt.argv[0]);
		return -1;
	}
	return 0;
}

int
notify_config(const char *conf, const char *key, const char *value)
{
	int64_t v;

	if (strcmp(key, "notify") == 0)
		return set_command(conf, value) == 0 ? 1 : -1;
	if (strcmp(key, "notify_timeout") == 0) {
		if ((v = parse_seconds(value)) < 0) {
			fprintf(stderr, "gatekeeperd: %s: notify_timeout: not a "
			    "duration from 1s to 24h: %s\n", conf, value);
			return -1;
		}
		nt.timeout = v;
		return 1;
	}
	if (strcmp(key, "notify_max") == 0) {
		if ((v = parse_seconds(value)) < 0 || v > 1024 ||
		    strspn(value, "0123456789") != strlen(value)) {
			fprintf(stderr, "gatekeeperd: %s: notify_max: not a "
			    "number from 1 to 1024: %s\n", conf, value);
			return -1;
		}
		nt.max = (size_t)v;
		return 1;
	}
	return 0;
}

/* A copy of s with every control byte replaced by '?', for a value that
 * should be one plain line (names, host). */
static char *
plain(const char *s)
{
	char *c, *p;

	if ((c = strdup(s != NULL ? s : "")) == NULL)
		return NULL;
	for (p = c; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	return c;
}

static void __attribute__((format(printf, 2, 3)))
env_add(struct env *e, const char *fmt, ...)
{
	va_list ap;
	char *s, *red;
	int r;

	if (e->oom || e->n == NOTIFY_ENV_MAX) {
		e->oom = 1;
		return;
	}
	va_start(ap, fmt);
	r = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (r < 0) {
		e->oom = 1;
		return;
	}
	red = gk_otp_redact(s);
	free(s);
	if ((s = red) == NULL) {
		e->oom = 1;
		return;
	}
	e->v[e->n++] = s;
	e->v[e->n] = NULL;
}

/*
 * NAME=VALUE with VALUE a new string the caller gave up (NULL: no memory).
 * A value longer than NOTIFY_VALUE_MAX is cut (at a character boundary) and
 * says so: a huge command must not make exec fail (E2BIG) and so silence
 * the notice.
 */
static void
env_take(struct env *e, const char *name, char *value)
{
	size_t len, cut;

	if (value == NULL) {
		e->oom = 1;
		return;
	}
	if ((len = strlen(value)) > NOTIFY_VALUE_MAX) {
		for (cut = NOTIFY_VALUE_MAX; cut > 0 &&
		    ((unsigned char)value[cut] & 0xc0) == 0x80; cut--)
			;
		env_add(e, "%s=%.*s [... %zu more bytes]", name, (int)cut,
		    value, len - cut);
	} else
		env_add(e, "%s=%s", name, value);
	free(value);
}

static void
env_free(struct env *e)
{
	size_t i;

	for (i = 0; i < e->n; i++)
		free(e->v[i]);
	e->n = 0;
}

static const char SQL_NOTIFY_APPROVALS[] =
    "SELECT count(*) FROM approvals WHERE request = ? AND decision = 'approve'";

/* What every notice carries: the event, the host, who caused it. */
static void
env_common(struct daemon *d, struct env *e, const char *event,
    const char *by)
{
	char host[96];

	memset(e, 0, sizeof(*e));
	env_add(e, "PATH=%s", GK_SECURE_PATH);
	env_add(e, "LANG=C.UTF-8");
	env_add(e, "HOME=/");
	env_add(e, "GK_EVENT=%s", event);
	snprintf(host, sizeof(host), "%s", d->host);
	host[strcspn(host, "/")] = '\0';
	env_take(e, "GK_HOST", plain(host));
	env_take(e, "GK_HOST_ID", plain(d->host));
	env_take(e, "GK_BY", plain(by != NULL ? by : ""));
}

/* The notifier's whole environment, from the request row. */
static void
env_build(struct daemon *d, struct env *e, const char *event,
    const struct gk_reqrow *row, const char *by)
{
	char fp[GK_FINGERPRINT_LEN + 1], *members;
	sqlite3_stmt *st;
	int64_t approvals;
	size_t i, len;

	env_common(d, e, event, by);
	env_add(e, "GK_REQUEST_ID=%lld", (long long)row->id);
	env_take(e, "GK_USER", plain(row->user));
	env_add(e, "GK_UID=%lld", (long long)row->uid);
	env_take(e, "GK_RULE", plain(row->rule));
	gk_fingerprint(row->digest, fp);
	env_add(e, "GK_FINGERPRINT=%s", fp);
	env_take(e, "GK_COMMAND", gk_escape_argv(row->argc, row->argv));
	env_take(e, "GK_CWD", gk_escape_str(row->cwd));
	env_take(e, "GK_RUN_AS", plain(row->run_as));
	env_take(e, "GK_REASON", gk_escape_str(row->reason));
	env_take(e, "GK_STATUS", plain(row->state));
	env_take(e, "GK_APPROVER_SET", plain(row->set_name));
	for (i = 0, len = 1; i < row->nmembers; i++)
		len += strlen(row->members[i]) + 1;
	if ((members = calloc(1, len)) != NULL)
		for (i = 0; i < row->nmembers; i++) {
			if (i > 0)
				strcat(members, " ");
			strcat(members, row->members[i]);
		}
	env_take(e, "GK_APPROVERS", members != NULL ? plain(members) : NULL);
	free(members);
	st = stmt(d, SQL_NOTIFY_APPROVALS);
	sqlite3_bind_int64(st, 1, row->id);
	approvals = sqlite3_step(st) == SQLITE_ROW ?
	    sqlite3_column_int64(st, 0) : 0;
	sqlite3_reset(st);
	env_add(e, "GK_APPROVALS=%lld", (long long)approvals);
	env_add(e, "GK_NEED=%lld", (long long)row->need);
	env_add(e, "GK_CREATED=%lld", (long long)row->created);
	env_add(e, "GK_EXPIRES=%lld", (long long)row->expires);
	if (row->run_at > 0)
		env_add(e, "GK_RUN_AT=%lld", (long long)row->run_at);
	if (row->status >= 0)
		env_add(e, "GK_EXIT_STATUS=%lld", (long long)row->status);
}

static void __attribute__((noreturn))
notifier_child(char *const envp[])
{
	if (child_setup(-1, -1, -1) != 0)
		_exit(126);
	execve(nt.argv[0], nt.argv, envp);
	_exit(127);
}

/* A notice is gone without a notifier: said in the log and the audit
 * log (never silently). why: one word. */
static void
drop_notice(struct daemon *d, const char *event, int64_t id, int64_t who,
    const char *user, const char *why)
{
	char detail[160];

	dlog(d, LOG_WARNING, "notify: the %s notice of request %lld is "
	    "dropped (%s)", event, (long long)id, why);
	snprintf(detail, sizeof(detail), "notice=%s why=%s", event, why);
	if (audit_event(d, "notify-dropped", who < 0 ? 0 : who,
	    who < 0 ? "root" : user, id, "", "", detail) != 0)
		dlog(d, LOG_ERR, "notify: the drop could not be audited");
}

static void
notice_free(struct notice *n)
{
	env_free(&n->e);
	free(n);
}

/* Forks the notifier of n (which it frees). */
static void
run_notice(struct daemon *d, struct notice *n)
{
	struct notifier *r;
	pid_t pid;

	/* Group commit: nothing leaves the daemon before it is durable. */
	if (store_flush(d) != 0) {
		drop_notice(d, n->event, n->id, n->who, n->user,
		    "not-committed");
		notice_free(n);
		return;
	}
	if ((r = calloc(1, sizeof(*r))) == NULL) {
		drop_notice(d, n->event, n->id, n->who, n->user, "out-of-memory");
		notice_free(n);
		return;
	}
	if ((pid = fork()) == -1) {
		drop_notice(d, n->event, n->id, n->who, n->user, "fork-failed");
		free(r);
		notice_free(n);
		return;
	}
	if (pid == 0)
		notifier_child(n->e.v);
	r->pid = pid;
	r->id = n->id;
	snprintf(r->event, sizeof(r->event), "%s", n->event);
	r->deadline = time(NULL) + nt.timeout;
	r->next = nt.list;
	nt.list = r;
	nt.running++;
	notice_free(n);
}

/* Starts queued notices while notifiers are free. */
static void
notify_pump(struct daemon *d)
{
	struct notice *n;

	while (nt.queue != NULL && nt.running < nt.max) {
		n = nt.queue;
		nt.queue = n->next;
		nt.queued--;
		run_notice(d, n);
	}
}

static size_t
queued_of(int64_t who)
{
	struct notice *n;
	size_t k = 0;

	for (n = nt.queue; n != NULL; n = n->next)
		if (n->who == who)
			k++;
	return k;
}

/* The oldest queued notice of who (any requester: who == INT64_MIN),
 * unimportant ones only when want_unimportant. */
static struct notice **
oldest_of(int64_t who, int want_unimportant)
{
	struct notice **pp;

	for (pp = &nt.queue; *pp != NULL; pp = &(*pp)->next)
		if ((who == INT64_MIN || (*pp)->who == who) &&
		    (!want_unimportant || !(*pp)->important))
			return pp;
	return NULL;
}

/* The requester with the most queued notices. */
static int64_t
heaviest(void)
{
	struct notice *n;
	size_t k, best = 0;
	int64_t who = -1;

	for (n = nt.queue; n != NULL; n = n->next)
		if ((k = queued_of(n->who)) > best) {
			best = k;
			who = n->who;
		}
	return who;
}

/*
 * Queues n. When its requester holds its share, or the queue is full, one
 * notice goes, in this order: an unimportant one of that requester (the
 * queue's heaviest when full); n itself when unimportant; else the
 * oldest of that requester. So one requester only ever loses its own,
 * and an important notice is never dropped while an unimportant one of
 * the same requester waits.
 */
static void
enqueue(struct daemon *d, struct notice *n)
{
	struct notice **pp, *v;
	int64_t who = n->who;
	const char *why = NULL;

	if (queued_of(who) >= NOTIFY_QUEUE_SHARE)
		why = "requester-share-full";
	else if (nt.queued >= NOTIFY_QUEUE_MAX) {
		why = "queue-full";
		who = heaviest();
	}
	if (why != NULL) {
		if ((pp = oldest_of(who, 1)) == NULL && !n->important) {
			drop_notice(d, n->event, n->id, n->who, n->user, why);
			notice_free(n);
			return;
		}
		if (pp == NULL)
			pp = oldest_of(who, 0);
		v = *pp;
		*pp = v->next;
		nt.queued--;
		drop_notice(d, v->event, v->id, v->who, v->user, why);
		notice_free(v);
	}
	for (pp = &nt.queue; *pp != NULL; pp = &(*pp)->next)
		;
	*pp = n;
	n->next = NULL;
	nt.queued++;
	dlog(d, LOG_INFO, "notify: %zu notifiers running; the %s notice of "
	    "request %lld waits (%zu queued)", nt.running, n->event,
	    (long long)n->id, nt.queued);
}

static int
is_important(const char *event, const struct gk_reqrow *row)
{
	if (strcmp(event, "created") == 0)
		return row != NULL && row->need > 0;	/* for approval */
	return strcmp(event, "approved") == 0 || strcmp(event, "delayed") == 0 ||
	    strcmp(event, "executed") == 0 || strcmp(event, "lockdown") == 0;
}

static void
run_notifier(struct daemon *d, const char *event, int64_t id, const char *by)
{
	struct gk_reqrow row;
	struct notice *n;

	if ((n = calloc(1, sizeof(*n))) == NULL) {
		drop_notice(d, event, id, -1, "root", "out-of-memory");
		return;
	}
	snprintf(n->event, sizeof(n->event), "%s", event);
	n->id = id;
	n->who = -1;
	snprintf(n->user, sizeof(n->user), "root");
	if (id == 0) {		/* the daemon's own event (lockdown) */
		env_common(d, &n->e, event, by);
		n->important = is_important(event, NULL);
	} else if (gk_reqrow_load(d->db, id, &row) != 0) {
		drop_notice(d, event, id, -1, "root", "request-unreadable");
		free(n);
		return;
	} else {
		env_build(d, &n->e, event, &row, by);
		n->who = row.uid;
		snprintf(n->user, sizeof(n->user), "%s", row.user);
		n->important = is_important(event, &row);
		gk_reqrow_free(&row);
	}
	if (n->e.oom) {
		drop_notice(d, event, id, n->who, n->user, "out-of-memory");
		notice_free(n);
		return;
	}
	if (nt.running < nt.max && nt.queue == NULL)
		run_notice(d, n);
	else
		enqueue(d, n);
}

void
notify_event(struct daemon *d, const char *event, int64_t id, const char *by)
{
	if (by != NULL && *by != '\0')
		dlog(d, LOG_INFO, "notify: request %lld %s by %s", (long long)id,
		    event, by);
	else
		dlog(d, LOG_INFO, "notify: request %lld %s", (long long)id, event);
	if (nt.argv[0] != NULL)
		run_notifier(d, event, id, by);
}

int
notify_reap(struct daemon *d, pid_t pid, int status)
{
	struct notifier **pp, *n;

	for (pp = &nt.list; (n = *pp) != NULL; pp = &n->next)
		if (n->pid == pid)
			break;
	if (n == NULL)
		return 0;
	if (n->killed)
		dlog(d, LOG_WARNING, "notify: the %s notifier of request %lld "
		    "timed out after %llds and was killed", n->event,
		    (long long)n->id, (long long)nt.timeout);
	else if (WIFSIGNALED(status))
		dlog(d, LOG_WARNING, "notify: the %s notifier of request %lld "
		    "died of signal %d", n->event, (long long)n->id,
		    WTERMSIG(status));
	else if (WEXITSTATUS(status) != 0)
		dlog(d, LOG_WARNING, "notify: the %s notifier of request %lld "
		    "exited with status %d", n->event, (long long)n->id,
		    WEXITSTATUS(status));
	*pp = n->next;
	free(n);
	nt.running--;
	return 1;
}

void
notify_tick(struct daemon *d)
{
	struct notifier *n;
	time_t now = time(NULL);

	/* The whole process group: a sendmail it started goes too. It stays
	 * counted until reaped. */
	for (n = nt.list; n != NULL; n = n->next)
		if (!n->killed && now >= n->deadline) {
			kill(-n->pid, SIGKILL);
			kill(n->pid, SIGKILL);
			n->killed = 1;
		}
	notify_pump(d);		/* notifiers reaped since free their slots */
}

void
notify_stop(struct daemon *d)
{
	struct notifier *n;
	struct notice *q;

	while ((q = nt.queue) != NULL) {
		nt.queue = q->next;
		nt.queued--;
		drop_notice(d, q->event, q->id, q->who, q->user,
		    "daemon-stopping");
		notice_free(q);
	}

	for (n = nt.list; n != NULL; n = n->next)
		if (!n->killed) {
			dlog(d, LOG_WARNING, "notify: stopping: the %s notifier of "
			    "request %lld is terminated", n->event,
			    (long long)n->id);
			kill(-n->pid, SIGTERM);
		}
}
