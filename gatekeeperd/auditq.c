/*
 * AUDIT queries (gk-audit without --db), answered in slices so that no
 * query holds the event loop: keyset pagination on seq, a window of at
 * most AQ_WINDOW records examined and AQ_ROWS sent per slice, AQ_TURN
 * slices per loop turn across every query, and a slice only while the
 * peer's unread output is below AQ_OUT_MARK (and its uid's and the total
 * below half their budgets): a peer that does not read costs one mark's
 * worth. One query per uid runs; the uid's others wait, their peers
 * unread (conn.c pauses them), and start in order.
 *
 * MUST:
 * - bind every value (the SQL text is fixed by which filters are given);
 * - show a peer that does not see all only its own records (uid or name);
 * - bound the records a slice examines, whatever the filters;
 * - answer exactly what the whole query would: the records up to the
 *   head at the start, in seq order, the last N of them with a limit.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "daemon.h"
#include "gk_err.h"
#include "proto.h"

#define AQ_WINDOW	1024		/* seq values examined per slice */
#define AQ_ROWS		128		/* records sent per slice at most */
#define AQ_TURN		4		/* slices per loop turn, all queries */
#define AQ_OUT_MARK	(128 * 1024)	/* a slice only below this unread */
#define ID_MAX		((uint64_t)INT64_MAX)

enum { S_WIN, S_COUNT, S_EDGE, S_SKIP_UP, S_SKIP_DOWN, S_SKIP2_UP,
    S_SKIP2_DOWN, S_N };

struct auditq {
	struct conn	*c;
	uid_t		 uid;
	int		 running;	/* the first of its uid */
	char		*user, *event;
	int64_t		 req, since, until, limit;
	int		 all;
	int64_t		 lo, hi;	/* next: seq in (lo, hi] */
	int64_t		 left;		/* records still due, -1: no limit */
	int		 back;		/* finding the limit's first record */
	int64_t		 top, found;	/* back: windows at or below top */
	int		 skip;		/* jump to the next candidate first */
	int		 tseek;		/* few records in the time range: seek
					 * with the time index */
	sqlite3_stmt	*st[S_N];
	struct auditq	*next;
};

static unsigned rr;	/* where the next turn starts, for fairness */

static void
aq_free(struct auditq *q)
{
	int i;

	for (i = 0; i < S_N; i++)
		sqlite3_finalize(q->st[i]);
	free(q->user);
	free(q->event);
	free(q);
}

/* The filters as SQL, values bound by number: ?1 ?2 the seq range, ?3 ?4
 * time, ?5 user, ?6 event, ?7 request, ?8 ?9 the peer's uid and name,
 * ?10 a row count. time is never an index's driver (+time): an index
 * range on time cannot be walked in seq order, so it could not bound a
 * slice; every other filter's index holds seq (the rowid) after it. */
static void
filters(const struct auditq *q, char *out, size_t n)
{
	snprintf(out, n, "seq > ?1 AND seq <= ?2 AND +time >= ?3 AND "
	    "+time <= ?4%s%s%s%s", q->user ? " AND user = ?5" : "",
	    q->event ? " AND event = ?6" : "", q->req ? " AND request = ?7" : "",
	    q->all ? "" : " AND (uid = ?8 OR user = ?9)");
}

/* The one equality a skip seeks with (an index lookup), NULL for none;
 * a peer that sees only its own has two (uid, then name: skip2). */
static const char *
skip_key(const struct auditq *q, int second)
{
	if (second)
		return q->req || q->event || q->user || q->tseek || q->all ?
		    NULL : "user = ?9";
	if (q->req)
		return "request = ?7";
	if (q->event)
		return "event = ?6";
	if (q->user)
		return "user = ?5";
	if (q->tseek)
		return "time >= ?3 AND time <= ?4";
	return q->all ? NULL : "uid = ?8";
}

static sqlite3_stmt *
aq_stmt(struct daemon *d, struct auditq *q, int which)
{
	char sql[1024], f[512];
	const char *k;

	if (q->st[which] != NULL) {
		sqlite3_reset(q->st[which]);
		return q->st[which];
	}
	filters(q, f, sizeof(f));
	switch (which) {
	case S_WIN:
		snprintf(sql, sizeof(sql), "SELECT seq, time, event, uid, user, "
		    "request, session, command, detail FROM audit WHERE %s "
		    "ORDER BY seq LIMIT ?10", f);
		break;
	case S_COUNT:
		snprintf(sql, sizeof(sql), "SELECT count(*) FROM audit WHERE %s",
		    f);
		break;
	case S_EDGE:
		snprintf(sql, sizeof(sql), "SELECT seq FROM audit WHERE %s "
		    "ORDER BY seq DESC LIMIT 1 OFFSET ?10", f);
		break;
	default:
		k = skip_key(q, which == S_SKIP2_UP || which == S_SKIP2_DOWN);
		if (k == NULL)
			return NULL;
		snprintf(sql, sizeof(sql), "SELECT seq FROM audit%s WHERE seq > ?1 "
		    "AND seq <= ?2 AND %s ORDER BY seq %s LIMIT 1",
		    k[0] == 't' ? " INDEXED BY audit_time" : "", k,
		    which == S_SKIP_UP || which == S_SKIP2_UP ? "ASC" : "DESC");
		break;
	}
	if (sqlite3_prepare_v2(d->db, sql, -1, &q->st[which], NULL) !=
	    SQLITE_OK) {
		dlog(d, LOG_ERR, "audit query: %s", sqlite3_errmsg(d->db));
		q->st[which] = NULL;
		return NULL;
	}
	return q->st[which];
}

static void
aq_bind(struct auditq *q, sqlite3_stmt *st, int64_t lo, int64_t hi,
    int64_t n)
{
	sqlite3_bind_int64(st, 1, lo);
	sqlite3_bind_int64(st, 2, hi);
	sqlite3_bind_int64(st, 3, q->since);
	sqlite3_bind_int64(st, 4, q->until);
	if (q->user)
		sqlite3_bind_text(st, 5, q->user, -1, SQLITE_STATIC);
	if (q->event)
		sqlite3_bind_text(st, 6, q->event, -1, SQLITE_STATIC);
	if (q->req)
		sqlite3_bind_int64(st, 7, q->req);
	if (!q->all) {
		sqlite3_bind_int64(st, 8, q->uid);
		sqlite3_bind_text(st, 9, q->c->name, -1, SQLITE_STATIC);
	}
	sqlite3_bind_int64(st, 10, n);
}

/* The nearest candidate seq in (lo, hi], upward or downward: 0 none, -1
 * no index to seek with (every seq is a candidate), else the seq. */
static int64_t
aq_seek(struct daemon *d, struct auditq *q, int64_t lo, int64_t hi, int up)
{
	sqlite3_stmt *st;
	int64_t best = 0, s;
	int k;

	for (k = 0; k < 2; k++) {
		st = aq_stmt(d, q, k == 0 ? (up ? S_SKIP_UP : S_SKIP_DOWN) :
		    (up ? S_SKIP2_UP : S_SKIP2_DOWN));
		if (st == NULL) {
			if (k == 0)
				return -1;
			break;
		}
		aq_bind(q, st, lo, hi, 0);
		if (sqlite3_step(st) == SQLITE_ROW) {
			s = sqlite3_column_int64(st, 0);
			if (best == 0 || (up ? s < best : s > best))
				best = s;
		}
		sqlite3_reset(st);
	}
	return best;
}

/* One record to the peer. */
static void
aq_item(struct conn *c, sqlite3_stmt *st)
{
	struct gk_msg x;

	gk_msg_begin(&x, GK_T_ITEM);
	gk_msg_add_i64(&x, "seq", sqlite3_column_int64(st, 0));
	gk_msg_add_i64(&x, "time", sqlite3_column_int64(st, 1));
	gk_msg_add_str(&x, "event", (const char *)sqlite3_column_text(st, 2));
	gk_msg_add_str(&x, "uid", (const char *)sqlite3_column_text(st, 3));
	gk_msg_add_str(&x, "user", (const char *)sqlite3_column_text(st, 4));
	gk_msg_add_i64(&x, "request", sqlite3_column_int64(st, 5));
	gk_msg_add_str(&x, "session", (const char *)sqlite3_column_text(st, 6));
	gk_msg_add_str(&x, "command", (const char *)sqlite3_column_text(st, 7));
	gk_msg_add_str(&x, "detail", (const char *)sqlite3_column_text(st, 8));
	conn_send(c, &x);
}

/* Limit phase: windows downward from the head, counting matches, until
 * the window holding the limit's first record; 1 while not done. */
static int
aq_back(struct daemon *d, struct auditq *q)
{
	sqlite3_stmt *st;
	int64_t wlo, cnt, s;

	if (q->skip) {
		s = aq_seek(d, q, 0, q->top, 0);
		if (s == 0)
			q->top = 0;
		else if (s > 0)
			q->top = s;
	}
	if (q->top <= 0) {		/* fewer than the limit: all of them */
		q->back = 0;
		q->lo = 0;
		q->skip = 1;
		return 1;
	}
	wlo = q->top > AQ_WINDOW ? q->top - AQ_WINDOW : 0;
	if ((st = aq_stmt(d, q, S_COUNT)) == NULL)
		return GK_ERR_DB;
	aq_bind(q, st, wlo, q->top, 0);
	cnt = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_reset(st);
	if (q->found + cnt < q->limit) {
		q->found += cnt;
		q->top = wlo;
		return 1;
	}
	if ((st = aq_stmt(d, q, S_EDGE)) == NULL)
		return GK_ERR_DB;
	aq_bind(q, st, wlo, q->top, q->limit - q->found - 1);
	s = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 1;
	sqlite3_reset(st);
	q->back = 0;
	q->lo = s - 1;
	q->left = q->limit;
	q->skip = 0;
	return 1;
}

/* One slice: 1 when the query has more to do, 0 when it is over, or a
 * negative code. */
static int
aq_slice(struct daemon *d, struct auditq *q)
{
	sqlite3_stmt *st;
	int64_t wend, s, rows = 0;

	if (q->back)
		return aq_back(d, q);
	if (q->lo >= q->hi || q->left == 0)
		return 0;
	if (q->skip) {
		if ((s = aq_seek(d, q, q->lo, q->hi, 1)) == 0)
			return 0;
		if (s > 0)
			q->lo = s - 1;
		q->skip = 0;
	}
	wend = q->hi - q->lo > AQ_WINDOW ? q->lo + AQ_WINDOW : q->hi;
	if ((st = aq_stmt(d, q, S_WIN)) == NULL)
		return GK_ERR_DB;
	aq_bind(q, st, q->lo, wend, AQ_ROWS);
	while (sqlite3_step(st) == SQLITE_ROW) {
		aq_item(q->c, st);
		rows++;
		q->lo = sqlite3_column_int64(st, 0);
		if (q->c->dead || (q->left > 0 && --q->left == 0)) {
			sqlite3_reset(st);
			return 0;
		}
		if (gk_buf_avail(&q->c->out) >= AQ_OUT_MARK)
			break;
	}
	sqlite3_reset(st);
	if (rows < AQ_ROWS && gk_buf_avail(&q->c->out) < AQ_OUT_MARK) {
		q->lo = wend;	/* the window is spent */
		q->skip = 1;
	}
	return q->lo < q->hi ? 1 : 0;
}

/* Can q's next slice run now? */
static int
aq_ready(const struct auditq *q)
{
	return q->running && !q->c->dead &&
	    gk_buf_avail(&q->c->out) < AQ_OUT_MARK &&
	    conn_uid_out(q->c) < OUT_UID_MAX / 2 &&
	    conn_total_out() < OUT_TOTAL_MAX / 2;
}

/* Unlinks q; the next query of its uid runs. */
static void
aq_unlink(struct daemon *d, struct auditq *q)
{
	struct auditq **pp, *o;

	for (pp = &d->queries; *pp != NULL; pp = &(*pp)->next)
		if (*pp == q) {
			*pp = q->next;
			break;
		}
	if (q->running)
		for (o = d->queries; o != NULL; o = o->next)
			if (o->uid == q->uid) {
				o->running = 1;
				break;
			}
	q->c->query = NULL;
}

/* Does the time range hold at most AQ_WINDOW records? Then a seek
 * through the time index examines no more than a window (and sorts
 * them); more, and the seq windows do better. At most AQ_WINDOW + 1
 * index entries are looked at here. */
static int
time_narrow(struct daemon *d, struct auditq *q)
{
	static const char SQL[] = "SELECT count(*) FROM (SELECT 1 FROM audit "
	    "INDEXED BY audit_time WHERE time >= ?1 AND time <= ?2 LIMIT ?3)";
	sqlite3_stmt *st = stmt(d, SQL);
	int r;

	sqlite3_bind_int64(st, 1, q->since);
	sqlite3_bind_int64(st, 2, q->until);
	sqlite3_bind_int64(st, 3, AQ_WINDOW + 1);
	r = sqlite3_step(st) == SQLITE_ROW &&
	    sqlite3_column_int64(st, 0) <= AQ_WINDOW;
	sqlite3_reset(st);
	return r;
}

void
auditq_start(struct daemon *d, struct conn *c, struct gk_msg *m)
{
	const char *user = gk_msg_str(m, "user"), *event = gk_msg_str(m, "event");
	uint64_t req = 0, since = 0, until = (uint64_t)INT64_MAX, limit = 0;
	struct auditq *q, **pp;
	int running = 1;

	if ((gk_msg_count(m, "request") && gk_msg_u64(m, "request", ID_MAX, &req)) ||
	    (gk_msg_count(m, "since") && gk_msg_u64(m, "since", INT64_MAX, &since)) ||
	    (gk_msg_count(m, "until") && gk_msg_u64(m, "until", INT64_MAX, &until)) ||
	    (gk_msg_count(m, "limit") && gk_msg_u64(m, "limit", INT64_MAX, &limit))) {
		conn_error(c, GK_E_BAD, "bad audit query");
		return;
	}
	if ((q = calloc(1, sizeof(*q))) == NULL ||
	    (user != NULL && (q->user = strdup(user)) == NULL) ||
	    (event != NULL && (q->event = strdup(event)) == NULL)) {
		if (q != NULL)
			aq_free(q);
		conn_error(c, GK_E_INTERNAL, "audit query failed");
		return;
	}
	q->c = c;
	q->uid = c->uid;
	q->all = peer_sees_all(d, c);
	q->req = (int64_t)req;
	q->since = (int64_t)since;
	q->until = (int64_t)until;
	q->limit = (int64_t)limit;
	q->hi = d->seq;		/* the head now: later records are not asked */
	q->left = -1;
	q->skip = 1;
	if (limit > 0) {
		q->back = 1;
		q->top = q->hi;
	}
	if (since > 0 || until < (uint64_t)INT64_MAX)
		q->tseek = time_narrow(d, q);
	for (pp = &d->queries; *pp != NULL; pp = &(*pp)->next)
		if ((*pp)->uid == q->uid)
			running = 0;
	q->running = running;
	*pp = q;
	c->query = q;		/* its next frames wait */
}

int
auditq_pending(struct daemon *d)
{
	struct auditq *q;

	for (q = d->queries; q != NULL; q = q->next)
		if (aq_ready(q))
			return 1;
	return 0;
}

void
auditq_tick(struct daemon *d)
{
	struct auditq *q, *pick[AQ_TURN];
	struct gk_msg x;
	struct conn *c;
	size_t n = 0, j, k = 0, start, i;
	int r;

	/* Up to AQ_TURN slices, one each for ready queries, starting one
	 * further along the ready ones each turn (no query waits forever). */
	for (q = d->queries; q != NULL; q = q->next)
		if (aq_ready(q))
			n++;
	if (n == 0)
		return;
	start = rr++ % n;
	for (q = d->queries, j = 0; q != NULL && k < AQ_TURN; q = q->next) {
		if (!aq_ready(q))
			continue;
		if ((j + n - start) % n < AQ_TURN)
			pick[k++] = q;
		j++;
	}
	for (i = 0; i < k; i++) {
		q = pick[i];
		c = q->c;
		if ((r = aq_slice(d, q)) > 0)
			continue;
		if (r < 0)
			conn_error(c, GK_E_INTERNAL, "audit query failed");
		else if (!c->dead) {
			gk_msg_begin(&x, GK_T_DONE);
			conn_send(c, &x);
		}
		aq_unlink(d, q);
		aq_free(q);
		/* Its peer's next frames, if it sent more: a new query is
		 * appended, never one of those picked. */
		conn_frames(d, c);
	}
}

void
auditq_drop(struct daemon *d, struct conn *c)
{
	struct auditq *q = c->query;

	if (q == NULL)
		return;
	aq_unlink(d, q);
	aq_free(q);
}
