/*
 * gatekeeperd: the only root path. One event loop over the socket, the
 * running commands' pipes and signals.
 *
 * MUST:
 * - refuse to start on an unsafe state or policy directory, a bad policy,
 *   or a socket another daemon answers on;
 * - keep the old policy when a reload finds errors, and say why;
 * - never let one peer stall the loop (non-blocking sockets, bounded
 *   buffers);
 * - never let one uid take every connection slot: a share per uid, the
 *   last slots for root and enrolled approvers, and a deadline for a
 *   frame once begun (the first one from the accept).
 */
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "daemon.h"
#include "frame.h"
#include "gk_err.h"
#include "proto.h"
#include "safefile.h"

#define DEFAULT_CONF		"/etc/gatekeeper/gatekeeperd.conf"
#define DEFAULT_STATEDIR	"/var/lib/gatekeeper"
#define DEFAULT_POLICYDIR	"/etc/gatekeeper/policies"

static size_t nconns;

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: gatekeeperd [-f] [-c CONF] [-s SOCKET] "
	    "[-d STATEDIR] [-p POLICYDIR]\n");
	exit(2);
}

/* Whether some rule's WHO names a group: else a RUN needs no group
 * lookup (getgrouplist walks every NSS source). */
static int
policy_uses_groups(const struct gk_policy *p)
{
	size_t i, j;

	for (i = 0; i < p->nrules; i++)
		for (j = 0; j < p->rules[i].nwho; j++)
			if (p->rules[i].who[j].group)
				return 1;
	return 0;
}

void
policy_install(struct daemon *d, struct gk_policy *p)
{
	if (d->policy != p)
		gk_policy_free(d->policy);
	d->policy = p;
	d->policy_groups = policy_uses_groups(p);
}

static int
load_policy(struct daemon *d, int initial)
{
	struct gk_policy_errors errs = { 0 };
	struct gk_policy *p;
	char detail[128], hex[65];
	size_t i;

	if (gk_policy_load_dir(d->policydir, &p, &errs) != 0) {
		for (i = 0; i < errs.n; i++)
			dlog(d, LOG_ERR, "%s", errs.msgs[i]);
		dlog(d, LOG_ERR, "%s: policy has errors; %s", d->policydir,
		    initial ? "not starting" : "keeping the old policy");
		gk_policy_errors_free(&errs);
		if (!initial)
			audit_event(d, "reload-failed", 0, "root", 0, "", "",
			    "result=kept-old-policy");
		return -1;
	}
	if (governance_policy_hold(d, p, initial)) {
		gk_policy_free(p);	/* held until approved */
		return 0;
	}
	policy_install(d, p);
	gk_hex(p->digest, 32, hex);
	snprintf(detail, sizeof(detail), "rules=%zu digest=%s", p->nrules, hex);
	audit_event(d, initial ? "start" : "reload", 0, "root", 0, "", "", detail);
	dlog(d, LOG_INFO, "%s: %zu rules loaded", d->policydir, p->nrules);
	return 0;
}

static void
read_conf(struct daemon *d, int required)
{
	char line[512], *k, *v, *e;
	FILE *f;
	int fd, r;
	char why[600];

	snprintf(d->audit_group, sizeof(d->audit_group), "adm");
	fd = gk_safe_open(d->confpath, 0, 0, S_IWGRP | S_IWOTH, NULL, why,
	    sizeof(why));
	if (fd == GK_ERR_NOTFOUND && !required)
		return;
	if (fd < 0) {
		fprintf(stderr, "gatekeeperd: %s\n", why);
		exit(1);
	}
	if ((f = fdopen(fd, "r")) == NULL)
		exit(1);
	while (fgets(line, sizeof(line), f) != NULL) {
		k = line + strspn(line, " \t");
		if (*k == '#' || *k == '\n' || *k == '\0')
			continue;
		if ((v = strchr(k, '=')) == NULL) {
			fprintf(stderr, "gatekeeperd: %s: bad line: %s",
			    d->confpath, line);
			exit(1);
		}
		*v++ = '\0';
		for (e = v + strlen(v); e > k && strchr(" \t\n", e[-1]); e--)
			e[-1] = '\0';
		for (e = k + strlen(k); e > k && strchr(" \t", e[-1]); e--)
			e[-1] = '\0';
		v += strspn(v, " \t");
		if (strcmp(k, "audit_group") == 0)
			snprintf(d->audit_group, sizeof(d->audit_group), "%s", v);
		else if ((r = notify_config(d->confpath, k, v)) < 0)
			exit(1);
		else if (r > 0)
			;	/* a notify setting */
		else if ((r = lockdown_conf(d, k, v)) == -1) {
			fprintf(stderr, "gatekeeperd: %s: bad %s \"%s\" "
			    "(expected N/DURATION, like 5/10m)\n",
			    d->confpath, k, v);
			exit(1);
		} else if (r == 1) {
			fprintf(stderr, "gatekeeperd: %s: unknown setting %s\n",
			    d->confpath, k);
			exit(1);
		}
	}
	fclose(f);
}

static int
ep_add(struct daemon *d, int fd, struct watch *w, uint32_t events)
{
	struct epoll_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.events = events;
	ev.data.ptr = w;
	return epoll_ctl(d->epfd, EPOLL_CTL_ADD, fd, &ev);
}

/* Binds the socket, replacing a stale one but never a live daemon's. */
static int
open_socket(struct daemon *d)
{
	struct sockaddr_un sun;
	char dir[sizeof(sun.sun_path)], *slash;
	struct stat st;
	mode_t old;
	int fd, probe;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(d->sockpath) >= sizeof(sun.sun_path)) {
		dlog(d, LOG_ERR, "%s: socket path too long", d->sockpath);
		return -1;
	}
	memcpy(sun.sun_path, d->sockpath, strlen(d->sockpath) + 1);
	snprintf(dir, sizeof(dir), "%s", d->sockpath);
	if ((slash = strrchr(dir, '/')) != NULL && slash != dir) {
		*slash = '\0';
		if (mkdir(dir, 0755) == -1 && errno != EEXIST) {
			dlog(d, LOG_ERR, "%s: %s", dir, strerror(errno));
			return -1;
		}
	}
	if (lstat(d->sockpath, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			dlog(d, LOG_ERR, "%s exists and is not a socket",
			    d->sockpath);
			return -1;
		}
		probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (probe != -1 && connect(probe, (struct sockaddr *)&sun,
		    sizeof(sun)) == 0) {
			close(probe);
			dlog(d, LOG_ERR, "%s: another gatekeeperd is answering; "
			    "not starting", d->sockpath);
			return -1;
		}
		if (probe != -1)
			close(probe);
		unlink(d->sockpath);
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
	    0)) == -1)
		return -1;
	old = umask(0111);	/* 0666: authorisation is per peer uid */
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		umask(old);
		dlog(d, LOG_ERR, "bind %s: %s", d->sockpath, strerror(errno));
		close(fd);
		return -1;
	}
	umask(old);
	if (listen(fd, 512) == -1) {
		close(fd);
		return -1;
	}
	return fd;
}

static const char SQL_IS_APPROVER[] = "SELECT 1 FROM approvers WHERE uid = ?";

/* May a new peer of uid have a slot? Root always while any is left; any
 * other uid up to its share, and the last CONN_RESERVED slots only for
 * enrolled approvers. */
static int
admit(struct daemon *d, uid_t uid)
{
	static int64_t said;
	sqlite3_stmt *st;
	int r;

	if (uid == 0)
		return 1;
	if (uid_conns(uid) >= CONN_PER_UID) {
		if (mono_now() - said >= 60) {
			said = mono_now();
			dlog(d, LOG_WARNING, "uid %lu holds %d connections, its "
			    "share: more are refused", (unsigned long)uid,
			    CONN_PER_UID);
		}
		return 0;
	}
	if (nconns < MAX_CONNS - CONN_RESERVED)
		return 1;
	st = stmt(d, SQL_IS_APPROVER);
	sqlite3_bind_int64(st, 1, uid);
	r = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_reset(st);
	return r;
}

static void
accept_peers(struct daemon *d)
{
	struct ucred cred;
	socklen_t len;
	struct passwd *pw;
	struct conn *c;
	int fd;

	for (;;) {
		fd = accept4(d->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd == -1) {
			if (errno == EINTR)
				continue;
			return;
		}
		len = sizeof(cred);
		if (nconns >= MAX_CONNS ||
		    getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == -1 ||
		    !admit(d, cred.uid) ||
		    (c = calloc(1, sizeof(*c))) == NULL) {
			close(fd);
			continue;
		}
		c->w.kind = W_CONN;
		c->w.ptr = c;
		c->fd = fd;
		c->uid = cred.uid;
		c->gid = cred.gid;
		c->pid = cred.pid;
		c->born = mono_now();
		if (conn_attach(c) != 0) {
			close(fd);
			free(c);
			continue;
		}
		if ((pw = getpwuid(cred.uid)) != NULL)
			snprintf(c->name, sizeof(c->name), "%s", pw->pw_name);
		else
			snprintf(c->name, sizeof(c->name), "%lu",
			    (unsigned long)cred.uid);
		gk_buf_init(&c->in, CONN_IN_MAX);
		gk_buf_init(&c->out, CONN_OUT_MAX);
		c->events = EPOLLIN | EPOLLRDHUP;
		if (ep_add(d, fd, &c->w, c->events) == -1) {
			conn_detach(c);
			close(fd);
			free(c);
			continue;
		}
		c->next = d->conns;
		d->conns = c;
		nconns++;
	}
}

void
conn_frames(struct daemon *d, struct conn *c)
{
	struct gk_buf payload;
	struct gk_msg m;
	uint8_t type;
	int r = GK_ERR_SHORT;

	/* gk_frame_next judges the header as soon as it is here, before any
	 * payload; a bad one drops the peer. */
	while (!c->dead && c->query == NULL &&
	    (r = gk_frame_next(&c->in, &type, &payload)) == 0) {
		c->framed = 1;
		if (gk_msg_decode(&m, type, &payload) != 0) {
			c->dead = 1;
			return;
		}
		handle_message(d, c, &m);
		gk_msg_free(&m);
	}
	if (c->dead)
		return;
	if (c->query == NULL && r != GK_ERR_SHORT) {
		c->dead = 1;
		return;
	}
	gk_buf_compact(&c->in);
	if (gk_buf_avail(&c->in) == 0) {
		/* An idle peer keeps no buffer. */
		gk_buf_free(&c->in);
		gk_buf_init(&c->in, CONN_IN_MAX);
		c->partial_since = 0;
	} else if (c->query != NULL)
		c->partial_since = 0;	/* we are not reading: not its fault */
	else if (c->partial_since == 0)
		c->partial_since = mono_now();
}

static void
conn_read(struct daemon *d, struct conn *c)
{
	uint8_t *p;
	size_t room;
	ssize_t n;

	/* A peer whose audit query runs is not read: its next frames wait
	 * in the socket (one query at a time). */
	while (!c->dead && c->query == NULL) {
		/* Never full: the buffer holds the largest frame, compacted. */
		room = c->in.max - c->in.len;
		if (room > 65536)
			room = 65536;
		if (room == 0 || (p = gk_buf_reserve(&c->in, room)) == NULL) {
			c->dead = 1;
			return;
		}
		n = recv(c->fd, p, room, MSG_DONTWAIT);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				c->dead = 1;
			break;
		}
		if (n == 0) {
			c->dead = 1;
			break;
		}
		c->in.len += (size_t)n;
		conn_frames(d, c);
	}
}

/* Once a second: drops the peers that have not completed their first
 * frame FRAME_SECONDS after the accept, or a frame begun that long ago.
 * A peer that sent whole frames and now waits (idle) is kept. */
static void
conns_tick(struct daemon *d)
{
	static int64_t last;
	int64_t now = mono_now();
	struct conn *c;

	if (now == last)
		return;
	last = now;
	for (c = d->conns; c != NULL; c = c->next) {
		if (c->dead || c->query != NULL)
			continue;
		if ((!c->framed && now - c->born >= FRAME_SECONDS) ||
		    (c->partial_since != 0 &&
		    now - c->partial_since >= FRAME_SECONDS))
			c->dead = 1;
	}
}

static void
conns_sweep(struct daemon *d)
{
	struct conn **pp = &d->conns, *c;
	struct epoll_event ev;

	while ((c = *pp) != NULL) {
		if (!c->dead && c->closing && gk_buf_avail(&c->out) == 0)
			c->dead = 1;
		if (!c->dead) {
			/* Ask for EPOLLOUT only while output is pending, and
			 * for input only while no audit query pauses it. */
			memset(&ev, 0, sizeof(ev));
			ev.events = (c->query == NULL ? EPOLLIN : 0) |
			    EPOLLRDHUP |
			    (gk_buf_avail(&c->out) > 0 ? EPOLLOUT : 0);
			ev.data.ptr = &c->w;
			if (ev.events != c->events &&
			    epoll_ctl(d->epfd, EPOLL_CTL_MOD, c->fd, &ev) == 0)
				c->events = ev.events;
			pp = &c->next;
			continue;
		}
		*pp = c->next;
		if (c->waiting != 0 && c->authorize)
			authorize_abandon(d, c->waiting);
		auditq_drop(d, c);
		conn_detach(c);
		epoll_ctl(d->epfd, EPOLL_CTL_DEL, c->fd, NULL);
		close(c->fd);
		gk_strv_free(c->groups, c->ngroups);
		gk_buf_free(&c->in);
		gk_buf_free(&c->out);
		free(c);
		nconns--;
	}
}

static void
signals(struct daemon *d)
{
	struct signalfd_siginfo si;

	while (read(d->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGTERM:
		case SIGINT:
			d->stop = 1;
			break;
		case SIGHUP:
			d->reload = 1;
			break;
		case SIGCHLD:
			/* Reaped after this batch of events (jobs_reap in the
			 * loop): reaping here freed jobs whose pipe events were
			 * still to come in the same batch. */
			break;
		}
	}
}

static int
setup_dirs(struct daemon *d)
{
	char why[4200];
	int fd;

	if (mkdir(d->statedir, 0700) == -1 && errno != EEXIST) {
		dlog(d, LOG_ERR, "%s: %s", d->statedir, strerror(errno));
		return -1;
	}
	if ((fd = gk_safe_open(d->statedir, GK_SAFE_DIR, 0, S_IWGRP | S_IWOTH, NULL, why,
	    sizeof(why))) < 0 || gk_safe_ancestors(d->statedir, why,
	    sizeof(why)) != 0) {
		if (fd >= 0)
			close(fd);
		dlog(d, LOG_ERR, "state directory: %s (it must be root's, "
		    "not writable by others)", why);
		return -1;
	}
	close(fd);
	if (gk_safe_ancestors(d->policydir, why, sizeof(why)) != 0) {
		dlog(d, LOG_ERR, "policy directory: %s", why);
		return -1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	static struct daemon d;
	struct watch wl = { W_LISTEN, NULL }, ws = { W_SIGNAL, NULL };
	struct epoll_event evs[256];
	sigset_t mask;
	int ch, n, i, conf_given = 0;

	d.sockpath = GK_DEFAULT_SOCKET;
	d.statedir = DEFAULT_STATEDIR;
	d.policydir = DEFAULT_POLICYDIR;
	d.confpath = DEFAULT_CONF;
	while ((ch = getopt(argc, argv, "fc:s:d:p:")) != -1) {
		switch (ch) {
		case 'f': d.foreground = 1; break;
		case 'c': d.confpath = optarg; conf_given = 1; break;
		case 's': d.sockpath = optarg; break;
		case 'd': d.statedir = optarg; break;
		case 'p': d.policydir = optarg; break;
		default: usage();
		}
	}
	if (optind != argc)
		usage();
	if (geteuid() != 0) {
		fprintf(stderr, "gatekeeperd: must run as root\n");
		return 1;
	}
	/* Every signal at its default, whatever the parent left ignored,
	 * before anything can start a child (requests_recover may start a
	 * notifier): children then need to undo only SIGPIPE (child_setup). */
	for (i = 1; i < NSIG; i++)
		signal(i, SIG_DFL);
	if (sodium_init() < 0)
		return 1;
	openlog("gatekeeperd", LOG_PID | LOG_NDELAY, LOG_AUTHPRIV);
	umask(077);
	read_conf(&d, conf_given);
	if (setup_dirs(&d) != 0 || store_open(&d) != 0)
		return 1;
	if (load_policy(&d, 1) != 0)
		return 1;
	requests_recover(&d);

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGCHLD);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	if ((d.sigfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC)) == -1 ||
	    (d.epfd = epoll_create1(EPOLL_CLOEXEC)) == -1 ||
	    (d.lfd = open_socket(&d)) == -1)
		return 1;
	ep_add(&d, d.lfd, &wl, EPOLLIN);
	ep_add(&d, d.sigfd, &ws, EPOLLIN);
	dlog(&d, LOG_INFO, "listening on %s", d.sockpath);

	while (!d.stop) {
		/* An audit query with work to do: do not sleep. */
		n = epoll_wait(d.epfd, evs, 256, auditq_pending(&d) ? 0 : 1000);
		if (n == -1 && errno != EINTR)
			break;
		/* Group commit: this turn's records share one durable commit,
		 * and its answers wait for it. */
		d.batch = 1;
		d.batch_failed = 0;
		conn_hold();
		for (i = 0; i < n; i++) {
			struct watch *w = evs[i].data.ptr;

			switch (w->kind) {
			case W_LISTEN:
				accept_peers(&d);
				break;
			case W_SIGNAL:
				signals(&d);
				break;
			case W_CONN: {
				struct conn *c = w->ptr;

				if (c->dead)
					break;
				if (evs[i].events & EPOLLOUT)
					conn_flush(c);
				if (c->query != NULL && (evs[i].events &
				    (EPOLLHUP | EPOLLRDHUP | EPOLLERR)))
					c->dead = 1;	/* gone mid-query */
				else if (evs[i].events & (EPOLLIN | EPOLLHUP |
				    EPOLLRDHUP | EPOLLERR))
					conn_read(&d, c);
				break;
			}
			case W_JOB_OUT:
			case W_JOB_ERR: {
				struct job *j = w->ptr;

				job_readable(&d, j, w->kind == W_JOB_OUT ?
				    j->outfd : j->errfd);
				break;
			}
			}
		}
		if (d.reload) {
			d.reload = 0;
			load_policy(&d, 0);
		}
		auditq_tick(&d);
		requests_tick(&d);
		notify_tick(&d);
		conns_tick(&d);
		jobs_reap(&d);
		checkpoint_maybe(&d, 0);
		if (store_flush(&d) != 0)
			dlog(&d, LOG_ERR, "cannot commit the audit log; the peers "
			    "told of it are dropped");
		d.batch = 0;
		conn_release(&d, d.batch_failed);
		conns_sweep(&d);
	}
	dlog(&d, LOG_INFO, "stopping");
	notify_stop(&d);
	audit_event(&d, "stop", 0, "root", 0, "", "", "");
	checkpoint_maybe(&d, 1);
	unlink(d.sockpath);
	store_close(&d);
	gk_policy_free(d.policy);
	return 0;
}
