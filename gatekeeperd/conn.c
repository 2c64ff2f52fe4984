/*
 * Peers: reading frames, the dispatch permissions, bounded output.
 *
 * MUST:
 * - take identity only from SO_PEERCRED;
 * - check each frame's header before buffering its payload;
 * - drop a peer that sends a malformed frame, an unknown type, a type its
 *   state does not permit, or that lets its output back up past the cap;
 * - count every peer's buffered output in its uid's share and the total,
 *   and drop a peer with unread output once either budget is spent.
 */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "daemon.h"
#include "frame.h"
#include "gk_err.h"
#include "proto.h"

static int holding;

/* Each uid with a peer: its connections and buffered output. */
struct peer_uid {
	uid_t		 uid;
	size_t		 conns;
	size_t		 out;
	struct peer_uid	*next;
};
#define UID_BUCKETS	1024
static struct peer_uid *uids[UID_BUCKETS];
static size_t out_total;

int64_t
mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec;
}

static struct peer_uid **
uid_slot(uid_t uid)
{
	struct peer_uid **pp;

	for (pp = &uids[uid % UID_BUCKETS]; *pp != NULL; pp = &(*pp)->next)
		if ((*pp)->uid == uid)
			break;
	return pp;
}

size_t
uid_conns(uid_t uid)
{
	struct peer_uid *pu = *uid_slot(uid);

	return pu != NULL ? pu->conns : 0;
}

int
conn_attach(struct conn *c)
{
	struct peer_uid **pp = uid_slot(c->uid);

	if (*pp == NULL) {
		if ((*pp = calloc(1, sizeof(**pp))) == NULL)
			return GK_ERR_ALLOC;
		(*pp)->uid = c->uid;
	}
	c->pu = *pp;
	c->pu->conns++;
	c->out_acc = 0;
	return 0;
}

void
conn_detach(struct conn *c)
{
	struct peer_uid **pp;

	if (c->pu == NULL)
		return;
	c->pu->out -= c->out_acc;
	out_total -= c->out_acc;
	c->out_acc = 0;
	if (--c->pu->conns == 0) {
		pp = uid_slot(c->uid);
		*pp = c->pu->next;
		free(c->pu);
	}
	c->pu = NULL;
}

size_t
conn_uid_out(const struct conn *c)
{
	return c->pu != NULL ? c->pu->out : 0;
}

size_t
conn_total_out(void)
{
	return out_total;
}

/* Brings the counts up to date with c->out; past a budget, a peer that
 * holds more than OUT_SMALL unread is dropped (one that reads is not). */
static void
out_sync(struct conn *c)
{
	size_t now = gk_buf_avail(&c->out);

	if (c->pu == NULL)
		return;
	c->pu->out = c->pu->out - c->out_acc + now;
	out_total = out_total - c->out_acc + now;
	c->out_acc = now;
	if (now > OUT_SMALL && (c->pu->out > OUT_UID_MAX ||
	    out_total > OUT_TOTAL_MAX))
		c->dead = 1;
}

void
conn_hold(void)
{
	holding = 1;
}

void
conn_release(struct daemon *d, int failed)
{
	struct conn *c;

	holding = 0;
	for (c = d->conns; c != NULL; c = c->next) {
		if (!c->held)
			continue;
		c->held = 0;
		if (failed)
			c->dead = 1;
		else
			conn_flush(c);
	}
}

void
conn_flush(struct conn *c)
{
	ssize_t w;

	if (holding && c->held)
		return;

	while (!c->dead && gk_buf_avail(&c->out) > 0) {
		w = send(c->fd, gk_buf_ptr(&c->out), gk_buf_avail(&c->out),
		    MSG_NOSIGNAL | MSG_DONTWAIT);
		if (w == -1) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				c->dead = 1;
			break;
		}
		gk_buf_consume(&c->out, (size_t)w);
	}
	gk_buf_compact(&c->out);
	if (gk_buf_avail(&c->out) == 0 && c->out.data != NULL) {
		/* A drained peer keeps no buffer. */
		gk_buf_free(&c->out);
		gk_buf_init(&c->out, CONN_OUT_MAX);
	}
	out_sync(c);
}

void
conn_send(struct conn *c, struct gk_msg *m)
{
	if (c->dead) {
		gk_msg_free(m);
		return;
	}
	if (gk_msg_finish(m, &c->out) != 0) {
		/* A peer that does not read its output is dropped. */
		c->dead = 1;
		return;
	}
	if (holding)
		c->held = 1;
	out_sync(c);
	conn_flush(c);
}

void
conn_error(struct conn *c, const char *code, const char *fmt, ...)
{
	struct gk_msg m;
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	gk_msg_begin(&m, GK_T_ERROR);
	gk_msg_add_str(&m, "code", code);
	gk_msg_add_str(&m, "message", msg);
	conn_send(c, &m);
}

void
conn_ok(struct conn *c, const char *message)
{
	struct gk_msg m;

	gk_msg_begin(&m, GK_T_OK);
	if (message != NULL)
		gk_msg_add_str(&m, "message", message);
	conn_send(c, &m);
}

void
waiters_send(struct daemon *d, int64_t id, struct gk_msg *m, int last)
{
	struct conn *c;
	struct gk_buf one;
	int framed;

	/* Frame once, then copy the bytes to each waiter. */
	gk_buf_init(&one, GK_FRAME_HDR + GK_FRAME_MAX);
	framed = gk_msg_finish(m, &one) == 0;
	for (c = d->conns; c != NULL; c = c->next) {
		if (c->dead || c->waiting != id)
			continue;
		if (last)
			c->waiting = 0;
		if (!framed || gk_buf_put(&c->out, one.data, one.len) != 0) {
			c->dead = 1;
			continue;
		}
		if (holding)
			c->held = 1;
		out_sync(c);
		conn_flush(c);
	}
	gk_buf_free(&one);
}

int
conn_groups(struct conn *c, char *const **groups, size_t *n)
{
	int r;

	if (!c->groups_known) {
		if ((r = gk_user_groups(c->name, c->gid, &c->groups,
		    &c->ngroups)) != 0)
			return r;
		c->groups_known = 1;
	}
	*groups = c->groups;
	*n = c->ngroups;
	return 0;
}

int
peer_sees_all(struct daemon *d, const struct conn *c)
{
	struct passwd *pw;
	struct group *gr;
	sqlite3_stmt *st;
	gid_t gids[256];
	int n = 256, i, r;
	static const char SQL[] = "SELECT 1 FROM approvers WHERE uid = ?";

	if (c->uid == 0)
		return 1;
	st = stmt(d, SQL);
	sqlite3_bind_int64(st, 1, c->uid);
	r = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_reset(st);
	if (r)
		return 1;
	if ((gr = getgrnam(d->audit_group)) == NULL)
		return 0;
	if (c->gid == gr->gr_gid)
		return 1;
	if ((pw = getpwuid(c->uid)) == NULL)
		return 0;
	if (getgrouplist(pw->pw_name, pw->pw_gid, gids, &n) == -1)
		return 0;
	for (i = 0; i < n; i++)
		if (gids[i] == gr->gr_gid)
			return 1;
	return 0;
}
