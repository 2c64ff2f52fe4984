/*
 * Lockdown: off until configured. In gatekeeperd.conf
 *     lockdown_user = 5/10m     more than 5 approve-class requests in 10
 *                               minutes from one user trips it
 *     lockdown_total = 20/10m   more than 20 from everyone together
 * and `gkctl lockdown` (root or an approver) starts it by hand. In
 * lockdown new approve-class requests are refused, pending ones are frozen
 * (no approval is accepted, no approved request starts; a veto, a
 * rejection, a cancel and expiry still work: they only stop things), and
 * approvers are notified. Only a governance request (`gkctl lockdown
 * lift`), approved by two approvers with their tokens, lifts it.
 *
 * MUST:
 * - keep the lockdown durable (meta table), so a restart does not lift it;
 * - refuse the request that trips it, and every approve-class request
 *   after it, until lifted;
 * - count only requests made since the last lift (else the first request
 *   after a lift would trip it again): by request number, not by time,
 *   since seconds are too coarse.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "daemon.h"
#include "gk_err.h"
#include "proto.h"
#include "reqrow.h"

#define LOCKDOWN_MAX_COUNT	1000000

static const char SQL_LOCK_GET[] =
    "SELECT value FROM meta WHERE key = 'lockdown'";
static const char SQL_LOCK_SET[] =
    "INSERT OR REPLACE INTO meta(key, value) VALUES ('lockdown', ?)";
static const char SQL_LOCK_DEL[] = "DELETE FROM meta WHERE key = 'lockdown'";
/* Requests up to this number were made before the last lift. */
static const char SQL_LIFTED_SET[] =
    "INSERT OR REPLACE INTO meta(key, value) SELECT 'lockdown_after', "
    "COALESCE(MAX(id), 0) FROM requests";
/* Approve-class requests (need > 0) other than the daemon's own, in the
 * window and since the last lift. */
static const char SQL_RATE_USER[] =
    "SELECT count(*) FROM requests WHERE need > 0 AND rule != '" GOV_RULE
    "' AND created >= ?1 AND id > (SELECT COALESCE(MAX(CAST(value AS "
    "INTEGER)), 0) FROM meta WHERE key = 'lockdown_after') AND uid = ?2";
static const char SQL_RATE_TOTAL[] =
    "SELECT count(*) FROM requests WHERE need > 0 AND rule != '" GOV_RULE
    "' AND created >= ?1 AND id > (SELECT COALESCE(MAX(CAST(value AS "
    "INTEGER)), 0) FROM meta WHERE key = 'lockdown_after')";
static const char SQL_IS_APPROVER[] = "SELECT name FROM approvers WHERE uid = ?";

int
lockdown_conf(struct daemon *d, const char *key, const char *value)
{
	int64_t *n, *win, v = 0;
	const char *p;
	char num[16];
	size_t len;

	if (strcmp(key, "lockdown_user") == 0) {
		n = &d->lock_user_n;
		win = &d->lock_user_win;
	} else if (strcmp(key, "lockdown_total") == 0) {
		n = &d->lock_total_n;
		win = &d->lock_total_win;
	} else
		return 1;
	if ((p = strchr(value, '/')) == NULL ||
	    (len = (size_t)(p - value)) == 0 || len >= sizeof(num))
		return -1;
	memcpy(num, value, len);
	num[len] = '\0';
	for (p = num; *p != '\0'; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		v = v * 10 + (*p - '0');
		if (v > LOCKDOWN_MAX_COUNT)
			return -1;
	}
	if (v <= 0 || gk_duration_parse(value + len + 1, win) != 0)
		return -1;
	*n = v;
	return 0;
}

int
lockdown_active(struct daemon *d)
{
	sqlite3_stmt *st = stmt(d, SQL_LOCK_GET);
	int r;

	/* A row: in lockdown. No row: not. Anything else: the database
	 * cannot say, and a guard that cannot tell stays shut. */
	switch (sqlite3_step(st)) {
	case SQLITE_ROW:
		r = 1;
		break;
	case SQLITE_DONE:
		r = 0;
		break;
	default:
		dlog(d, LOG_ERR, "lockdown state unreadable (%s): treated as "
		    "in lockdown", sqlite3_errmsg(d->db));
		r = 1;
	}
	sqlite3_reset(st);
	return r;
}

/* Starts the lockdown in its own transaction; by: who or "rate". */
static int
lockdown_start(struct daemon *d, int64_t uid, const char *by,
    const char *why)
{
	sqlite3_stmt *st;
	char value[300], detail[400];
	int ok;

	snprintf(value, sizeof(value), "since=%lld by=%s", (long long)time(NULL),
	    by);
	snprintf(detail, sizeof(detail), "by=%s why=%s", by, why);
	if (store_begin(d) != 0)
		return GK_ERR_DB;
	st = stmt(d, SQL_LOCK_SET);
	sqlite3_bind_text(st, 1, value, -1, SQLITE_STATIC);
	ok = sqlite3_step(st) == SQLITE_DONE;
	sqlite3_reset(st);
	if (!ok || audit_append(d, "lockdown", uid, by, 0, "", "", detail) != 0) {
		store_rollback(d);
		return GK_ERR_DB;
	}
	if (store_commit(d) != 0)
		return GK_ERR_DB;
	checkpoint_maybe(d, 0);
	dlog(d, LOG_WARNING, "LOCKDOWN started by %s: %s; requests that need "
	    "approval are refused and pending ones frozen until two approvers "
	    "lift it", by, why);
	notify_event(d, "lockdown", 0, by);
	return 0;
}

static int64_t
count_since(struct daemon *d, const char *sql, int64_t since, int64_t uid)
{
	sqlite3_stmt *st = stmt(d, sql);
	int64_t n;

	sqlite3_bind_int64(st, 1, since);
	if (sql == SQL_RATE_USER)
		sqlite3_bind_int64(st, 2, uid);
	n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_reset(st);
	return n;
}

int
lockdown_admit(struct daemon *d, int64_t uid, char *why, size_t n)
{
	static const char refused[] = "gatekeeper is in lockdown: requests "
	    "that need approval are refused until two approvers lift it";
	int64_t now = time(NULL), cnt;
	char what[200];

	if (lockdown_active(d)) {
		snprintf(why, n, "%s", refused);
		return -1;
	}
	what[0] = '\0';
	if (d->lock_user_n > 0) {
		cnt = count_since(d, SQL_RATE_USER, now - d->lock_user_win,
		    uid) + 1;
		if (cnt > d->lock_user_n)
			snprintf(what, sizeof(what), "uid %lld made %lld "
			    "approve-class requests in %llds (limit %lld)",
			    (long long)uid, (long long)cnt,
			    (long long)d->lock_user_win,
			    (long long)d->lock_user_n);
	}
	if (what[0] == '\0' && d->lock_total_n > 0) {
		cnt = count_since(d, SQL_RATE_TOTAL, now - d->lock_total_win,
		    0) + 1;
		if (cnt > d->lock_total_n)
			snprintf(what, sizeof(what), "%lld approve-class "
			    "requests in %llds (limit %lld)", (long long)cnt,
			    (long long)d->lock_total_win,
			    (long long)d->lock_total_n);
	}
	if (what[0] == '\0')
		return 0;
	for (char *p = what; *p; p++)
		if (*p == ' ')
			*p = '_';
	lockdown_start(d, 0, "rate", what);
	snprintf(why, n, "%s (tripped now: %s)", refused, what);
	return -1;
}

int
lockdown_refuses(struct daemon *d, struct conn *c, const struct gk_reqrow *row)
{
	if (!lockdown_active(d) || governance_is(d, row->id, "lockdown-lift"))
		return 0;
	conn_error(c, GK_E_STATE, "gatekeeper is in lockdown: approvals are "
	    "frozen until two approvers lift it (gkctl lockdown lift)");
	return 1;
}

int
lockdown_clear(struct daemon *d, int64_t request)
{
	sqlite3_stmt *st;
	char detail[64];
	int ok;

	st = stmt(d, SQL_LOCK_DEL);
	ok = sqlite3_step(st) == SQLITE_DONE && sqlite3_changes(d->db) == 1;
	sqlite3_reset(st);
	if (!ok)
		return GK_ERR_STATE;
	st = stmt(d, SQL_LIFTED_SET);
	ok = sqlite3_step(st) == SQLITE_DONE;
	sqlite3_reset(st);
	if (!ok)
		return GK_ERR_DB;
	snprintf(detail, sizeof(detail), "request=%lld", (long long)request);
	return audit_append(d, "lockdown-lift", 0, "root", request, "", "",
	    detail);
}

/* Root or an enrolled approver (whose name goes to *name). */
static int
may_steer(struct daemon *d, const struct conn *c, char *name, size_t n)
{
	sqlite3_stmt *st;
	int r = 0;

	snprintf(name, n, "%s", c->name);
	if (c->uid == 0)
		return 1;
	st = stmt(d, SQL_IS_APPROVER);
	sqlite3_bind_int64(st, 1, c->uid);
	if (sqlite3_step(st) == SQLITE_ROW) {
		snprintf(name, n, "%s", (const char *)sqlite3_column_text(st, 0));
		r = 1;
	}
	sqlite3_reset(st);
	return r;
}

void
h_lockdown(struct daemon *d, struct conn *c, struct gk_msg *m)
{
	const char *action = gk_msg_str(m, "action");
	sqlite3_stmt *st;
	char name[64], msg[400];

	if (action == NULL)
		action = "start";
	if (strcmp(action, "status") == 0) {
		if (!peer_sees_all(d, c)) {
			conn_error(c, GK_E_DENIED, "only root, approvers and "
			    "auditors may see the lockdown state");
			return;
		}
		st = stmt(d, SQL_LOCK_GET);
		if (sqlite3_step(st) == SQLITE_ROW)
			snprintf(msg, sizeof(msg), "lockdown: %s",
			    (const char *)sqlite3_column_text(st, 0));
		else
			snprintf(msg, sizeof(msg), "no lockdown");
		sqlite3_reset(st);
		conn_ok(c, msg);
		return;
	}
	if (strcmp(action, "start") != 0 && strcmp(action, "lift") != 0) {
		conn_error(c, GK_E_BAD, "lockdown: start, lift or status");
		return;
	}
	if (!may_steer(d, c, name, sizeof(name))) {
		conn_error(c, GK_E_DENIED, "only root or an approver may %s a "
		    "lockdown", action);
		return;
	}
	if (strcmp(action, "start") == 0) {
		if (lockdown_active(d))
			conn_error(c, GK_E_STATE, "already in lockdown");
		else if (lockdown_start(d, c->uid, name, "by-hand") != 0)
			conn_error(c, GK_E_INTERNAL, "cannot record the lockdown");
		else
			conn_ok(c, "lockdown started: requests that need approval "
			    "are refused and pending ones frozen until two "
			    "approvers lift it (gkctl lockdown lift)");
		return;
	}
	if (!lockdown_active(d)) {
		conn_error(c, GK_E_STATE, "not in lockdown");
		return;
	}
	governance_lift(d, c);
}
