/*
 * gk-audit: reading and checking the audit log (DESIGN.md sections 3, 7).
 *
 *   gk-audit [-s S] [--user U] [--request ID] [--event TYPE] [--since T]
 *            [--until T] [--json] [--limit N] [--db FILE]
 *   gk-audit [-s S] show ID [--json] [--db FILE]
 *   gk-audit [-s S] checkpoint
 *   gk-audit [-s S] verify [--db FILE] [--anchor FILE]
 *
 * T: epoch seconds, YYYY-MM-DD, YYYY-MM-DDTHH:MM[:SS] (local time), or an
 * age such as 30s, 10m, 2h, 7d, 2w. A date alone in --until means the end
 * of that day. Without --db every command asks the daemon on its socket.
 * The table wraps a long cell within its column, so columns stay aligned;
 * `show` prints one request and the timeline of its audit records.
 *
 * Exit: 0 ok; 1 error (verify: tampered, or a bad anchor); 2 usage
 * (verify: any other error); 69 daemon unreachable.
 *
 * MUST:
 * - open a database file read-only and query it with bound parameters only;
 * - show every string from the daemon or the file through a filter: no
 *   control, bidi or invalid UTF-8 byte reaches the terminal;
 * - never read or print an OTP (the approvals table is left to
 *   gk_audit_verify, which prints none).
 */
#include <err.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>
#include <sqlite3.h>

#include "audit.h"
#include "client.h"
#include "escape.h"
#include "gk_audit_text.h"
#include "gk_err.h"
#include "msg.h"
#include "proto.h"
#include "reqrow.h"

#define EXIT_USAGE	2
#define ANCHOR_MAX	1024

/* Column caps for alignment: longer cells overflow rather than widen
 * every row. */
#define W_EVENT		16
#define W_USER		20
#define W_COMMAND	60

struct str {
	char	*p;		/* NUL-terminated copy; may hold NULs */
	size_t	 n;
};

struct rec {
	int64_t		 seq, time, uid, request;
	struct str	 event, user, session, command, detail;
};

struct query {
	const char	*user, *event, *db;
	uint64_t	 request, limit;
	int64_t		 since, until;
	int		 has_request, has_since, has_until, has_limit, json;
};

static const char *sock_opt;

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr,
	    "usage: gk-audit [-s SOCKET] [--user U] [--request ID] [--event TYPE]\n"
	    "                [--since T] [--until T] [--json] [--limit N]"
	    " [--db FILE]\n"
	    "       gk-audit [-s SOCKET] show ID [--json] [--db FILE]\n"
	    "       gk-audit [-s SOCKET] checkpoint\n"
	    "       gk-audit [-s SOCKET] verify [--db FILE] [--anchor FILE]\n"
	    "T: epoch seconds, YYYY-MM-DD, YYYY-MM-DDTHH:MM[:SS] or an age "
	    "(30s, 10m, 2h, 7d, 2w)\n");
	exit(EXIT_USAGE);
}

static void
str_set(struct str *s, const void *p, size_t n)
{
	s->p = gk_client_must(malloc(n + 1));
	if (n > 0)
		memcpy(s->p, p, n);
	s->p[n] = '\0';
	s->n = n;
}

static void
rec_free(struct rec *r)
{
	free(r->event.p);
	free(r->user.p);
	free(r->session.p);
	free(r->command.p);
	free(r->detail.p);
}

/* Parsing arguments ------------------------------------------------------ */

/* The n decimal digits at s, or -1. */
static long long
digits(const char *s, size_t n)
{
	long long v = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

static int
parse_u64(const char *s, uint64_t *v)
{
	size_t n = strlen(s);
	long long x;

	if (n == 0 || n > 18 || (x = digits(s, n)) < 0)
		return -1;
	*v = (uint64_t)x;
	return 0;
}

/* YYYY-MM-DD, or YYYY-MM-DDTHH:MM[:SS] (T or a space), in local time. */
static int
parse_date(const char *s, int end_of_day, int64_t *out)
{
	struct tm tm, chk;
	size_t n = strlen(s);
	time_t t;

	if ((n != 10 && n != 16 && n != 19) || s[4] != '-' || s[7] != '-')
		return -1;
	memset(&tm, 0, sizeof(tm));
	if ((tm.tm_year = (int)digits(s, 4)) < 0 ||
	    (tm.tm_mon = (int)digits(s + 5, 2)) < 0 ||
	    (tm.tm_mday = (int)digits(s + 8, 2)) < 0)
		return -1;
	if (n >= 16) {
		if ((s[10] != 'T' && s[10] != ' ') || s[13] != ':' ||
		    (tm.tm_hour = (int)digits(s + 11, 2)) < 0 ||
		    (tm.tm_min = (int)digits(s + 14, 2)) < 0)
			return -1;
		if (n == 19 && (s[16] != ':' ||
		    (tm.tm_sec = (int)digits(s + 17, 2)) < 0))
			return -1;
	}
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	tm.tm_isdst = -1;
	chk = tm;
	if ((t = mktime(&chk)) == (time_t)-1 || chk.tm_year != tm.tm_year ||
	    chk.tm_mon != tm.tm_mon || chk.tm_mday != tm.tm_mday ||
	    chk.tm_hour != tm.tm_hour || chk.tm_min != tm.tm_min ||
	    chk.tm_sec != tm.tm_sec)
		return -1;
	if (n == 10 && end_of_day) {
		tm.tm_mday++;
		if ((t = mktime(&tm)) == (time_t)-1)
			return -1;
		t--;
	}
	*out = (int64_t)t;
	return 0;
}

static int
parse_time(const char *s, int end_of_day, int64_t *out)
{
	size_t n = strlen(s);
	long long v;
	int64_t unit;

	if (n == 0)
		return -1;
	if (n <= 18 && (v = digits(s, n)) >= 0) {
		*out = v;
		return 0;
	}
	switch (s[n - 1]) {
	case 's':
		unit = 1;
		break;
	case 'm':
		unit = 60;
		break;
	case 'h':
		unit = 3600;
		break;
	case 'd':
		unit = 86400;
		break;
	case 'w':
		unit = 7 * 86400;
		break;
	default:
		return parse_date(s, end_of_day, out);
	}
	if (n < 2 || n > 10 || (v = digits(s, n - 1)) < 0)
		return -1;
	*out = (int64_t)time(NULL) - v * unit;
	return 0;
}

/* Reading a database file ------------------------------------------------ */

static int
db_probe(sqlite3 *db)
{
	sqlite3_stmt *st;
	int e;

	if ((e = sqlite3_prepare_v2(db, "SELECT count(*) FROM sqlite_master",
	    -1, &st, NULL)) != SQLITE_OK)
		return e;
	e = sqlite3_step(st);
	sqlite3_finalize(st);
	return e == SQLITE_ROW ? SQLITE_OK : e;
}

static void
db_harden(sqlite3 *db)
{
	sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
	sqlite3_db_config(db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, NULL);
	sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_TRIGGER, 0, NULL);
	sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_VIEW, 0, NULL);
}

/* "file:" URI of an absolute path, everything but [A-Za-z0-9/._~-]
 * percent-encoded. */
static char *
file_uri(const char *abs)
{
	static const char hexd[] = "0123456789ABCDEF";
	const unsigned char *p;
	char *u, *q;

	u = gk_client_must(malloc(5 + 3 * strlen(abs) + sizeof("?immutable=1")));
	q = u + 5;
	memcpy(u, "file:", 5);
	for (p = (const unsigned char *)abs; *p != '\0'; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("/._~-", *p) != NULL)
			*q++ = (char)*p;
		else {
			*q++ = '%';
			*q++ = hexd[*p >> 4];
			*q++ = hexd[*p & 15];
		}
	}
	memcpy(q, "?immutable=1", sizeof("?immutable=1"));
	return u;
}

/*
 * Opens path read-only. A WAL database we may not write beside (no -shm
 * to map) cannot be read that way; then it is opened immutable, which
 * sees only what was checkpointed into the main file.
 */
static sqlite3 *
db_open(const char *path, int failcode)
{
	char abs[PATH_MAX], walpath[PATH_MAX + 8], *uri;
	struct stat st;
	sqlite3 *db = NULL;
	int e;

	if (stat(path, &st) == -1)
		errx(failcode, "%s: %s", path, strerror(errno));
	if (!S_ISREG(st.st_mode))
		errx(failcode, "%s: not a regular file", path);
	/* One thread: no SQLite mutex around every call. */
	e = sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY |
	    SQLITE_OPEN_NOMUTEX, NULL);
	if (e == SQLITE_OK) {
		db_harden(db);
		if ((e = db_probe(db)) == SQLITE_OK)
			return db;
	}
	sqlite3_close(db);
	db = NULL;
	if ((e & 0xff) != SQLITE_CANTOPEN && (e & 0xff) != SQLITE_READONLY &&
	    (e & 0xff) != SQLITE_IOERR && (e & 0xff) != SQLITE_BUSY)
		errx(failcode, "%s: cannot open the database: %s", path,
		    sqlite3_errstr(e));
	if (realpath(path, abs) == NULL)
		errx(failcode, "%s: %s", path, strerror(errno));
	uri = file_uri(abs);
	e = sqlite3_open_v2(uri, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI |
	    SQLITE_OPEN_NOMUTEX, NULL);
	free(uri);
	if (e == SQLITE_OK) {
		db_harden(db);
		e = db_probe(db);
	}
	if (e != SQLITE_OK)
		errx(failcode, "%s: cannot open the database: %s", path,
		    sqlite3_errstr(e));
	snprintf(walpath, sizeof(walpath), "%s-wal", abs);
	if (stat(walpath, &st) == 0 && st.st_size > 0)
		warnx("%s: read without its write-ahead log (no access to it); "
		    "the newest records may be missing", path);
	return db;
}

static void
col_str(sqlite3_stmt *st, int i, struct str *s)
{
	const unsigned char *p = sqlite3_column_text(st, i);

	str_set(s, p == NULL ? "" : (const char *)p,
	    p == NULL ? 0 : (size_t)sqlite3_column_bytes(st, i));
}

static size_t
db_query(const struct query *q, struct rec **out)
{
	char sql[512];
	sqlite3 *db;
	sqlite3_stmt *st;
	struct rec *recs = NULL, *r;
	size_t n = 0;
	int e;

	db = db_open(q->db, 1);
	/* The newest N, printed oldest first. Only the filters given are in
	 * the WHERE clause, so SQLite can use the user+time and request
	 * indexes ("?1 IS NULL OR ..." would make it scan the whole log);
	 * "+seq" keeps it from walking the log backwards by rowid instead. */
	snprintf(sql, sizeof(sql), "SELECT seq, time, event, uid, user, "
	    "request, session, command, detail FROM (SELECT seq, time, event, "
	    "uid, user, request, session, command, detail FROM audit "
	    "WHERE 1%s%s%s%s%s ORDER BY +seq DESC LIMIT ?6) ORDER BY seq",
	    q->user != NULL ? " AND user = ?1" : "",
	    q->has_request ? " AND request = ?2" : "",
	    q->event != NULL ? " AND event = ?3" : "",
	    q->has_since ? " AND time >= ?4" : "",
	    q->has_until ? " AND time <= ?5" : "");
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		errx(1, "%s: cannot read the audit table: %s", q->db,
		    sqlite3_errmsg(db));
	if (q->user != NULL)
		sqlite3_bind_text(st, 1, q->user, -1, SQLITE_STATIC);
	if (q->has_request)
		sqlite3_bind_int64(st, 2, (sqlite3_int64)q->request);
	if (q->event != NULL)
		sqlite3_bind_text(st, 3, q->event, -1, SQLITE_STATIC);
	if (q->has_since)
		sqlite3_bind_int64(st, 4, q->since);
	if (q->has_until)
		sqlite3_bind_int64(st, 5, q->until);
	sqlite3_bind_int64(st, 6, q->has_limit ? (sqlite3_int64)q->limit : -1);
	while ((e = sqlite3_step(st)) == SQLITE_ROW) {
		recs = gk_client_must(reallocarray(recs, n + 1, sizeof(*recs)));
		r = &recs[n++];
		r->seq = sqlite3_column_int64(st, 0);
		r->time = sqlite3_column_int64(st, 1);
		col_str(st, 2, &r->event);
		r->uid = sqlite3_column_int64(st, 3);
		col_str(st, 4, &r->user);
		r->request = sqlite3_column_int64(st, 5);
		col_str(st, 6, &r->session);
		col_str(st, 7, &r->command);
		col_str(st, 8, &r->detail);
	}
	if (e != SQLITE_DONE)
		errx(1, "%s: reading the audit table: %s", q->db,
		    sqlite3_errmsg(db));
	sqlite3_finalize(st);
	sqlite3_close(db);
	*out = recs;
	return n;
}

/* Asking the daemon ------------------------------------------------------ */

static void
daemon_send(int fd, struct gk_msg *m, int failcode)
{
	int r;

	if ((r = gk_client_send(fd, m)) != 0)
		errx(failcode, "sending to gatekeeperd: %s", r == GK_ERR_SYSTEM ?
		    strerror(errno) : gk_strerror(r));
}

static void
daemon_recv(int fd, struct gk_msg *m, int failcode)
{
	int r;

	if ((r = gk_client_recv(fd, m)) == GK_ERR_SHORT)
		errx(failcode, "gatekeeperd closed the connection");
	if (r != 0)
		errx(failcode, "bad reply from gatekeeperd: %s",
		    r == GK_ERR_SYSTEM ? strerror(errno) : gk_strerror(r));
}

/* The filtered message of an OK or ERROR reply (never NULL). */
static char *
reply_text(const struct gk_msg *m)
{
	const char *s = gk_msg_str(m, "message");

	if ((s == NULL || *s == '\0') && m->type == GK_T_ERROR)
		s = gk_msg_str(m, "code");
	if (s == NULL)
		s = "";
	return gk_client_must(gk_audit_text_filter(s, strlen(s)));
}

static void __attribute__((noreturn))
daemon_refused(const struct gk_msg *m, int failcode)
{
	errx(failcode, "%s", reply_text(m));
}

static void __attribute__((noreturn))
unexpected(const struct gk_msg *m, int failcode)
{
	errx(failcode, "unexpected reply from gatekeeperd (message type %u)",
	    (unsigned)m->type);
}

/* Sends m on a new connection and leaves the one reply in m: an ERROR
 * exits 1 with its message, a type other than want is unexpected. */
static void
daemon_ask(struct gk_msg *m, uint8_t want)
{
	int fd;

	fd = gk_client_dial(sock_opt);
	daemon_send(fd, m, 1);
	daemon_recv(fd, m, 1);
	close(fd);
	if (m->type == GK_T_ERROR)
		daemon_refused(m, 1);
	if (m->type != want)
		unexpected(m, 1);
}

static void
field_str(const struct gk_msg *m, const char *key, struct str *s)
{
	size_t i;

	for (i = 0; i < m->n; i++)
		if (strcmp(m->f[i].key, key) == 0) {
			str_set(s, m->f[i].val, m->f[i].len);
			return;
		}
	str_set(s, "", 0);
}

/* A signed integer field; absent is dflt. */
static int64_t
field_i64(const struct gk_msg *m, const char *key, int64_t dflt)
{
	const char *s = gk_msg_str(m, key);
	uint64_t v;

	if (s == NULL)
		return dflt;
	if (strcmp(s, "-1") == 0)
		return -1;
	if (gk_msg_u64(m, key, INT64_MAX, &v) != 0)
		errx(1, "malformed reply from gatekeeperd: bad \"%s\" field", key);
	return (int64_t)v;
}

static size_t
daemon_query(const struct query *q, struct rec **out)
{
	struct gk_msg m;
	struct rec *recs = NULL, *r;
	size_t n = 0, drop;
	int fd;

	fd = gk_client_dial(sock_opt);
	gk_msg_begin(&m, GK_T_AUDIT);
	if ((q->user != NULL && gk_msg_add_str(&m, "user", q->user) != 0) ||
	    (q->has_request && gk_msg_add_u64(&m, "request", q->request) != 0) ||
	    (q->event != NULL && gk_msg_add_str(&m, "event", q->event) != 0) ||
	    (q->has_since && gk_msg_add_i64(&m, "since",
	    q->since < 0 ? 0 : q->since) != 0) ||
	    (q->has_until && gk_msg_add_i64(&m, "until",
	    q->until < 0 ? 0 : q->until) != 0) ||
	    (q->has_limit && gk_msg_add_u64(&m, "limit", q->limit) != 0))
		errx(1, "out of memory");
	daemon_send(fd, &m, 1);
	for (;;) {
		daemon_recv(fd, &m, 1);
		if (m.type == GK_T_DONE)
			break;
		if (m.type == GK_T_ERROR)
			daemon_refused(&m, 1);
		if (m.type != GK_T_ITEM)
			unexpected(&m, 1);
		recs = gk_client_must(reallocarray(recs, n + 1, sizeof(*recs)));
		r = &recs[n++];
		if ((r->seq = field_i64(&m, "seq", -1)) < 0 ||
		    (r->time = field_i64(&m, "time", -1)) < 0)
			errx(1, "malformed reply from gatekeeperd: no seq or time");
		r->uid = field_i64(&m, "uid", -1);
		r->request = field_i64(&m, "request", 0);
		field_str(&m, "event", &r->event);
		field_str(&m, "user", &r->user);
		field_str(&m, "session", &r->session);
		field_str(&m, "command", &r->command);
		field_str(&m, "detail", &r->detail);
		gk_msg_free(&m);
	}
	gk_msg_free(&m);
	close(fd);
	/* Newest last; keep only the newest N even if sent more. */
	if (q->has_limit && n > q->limit) {
		drop = n - (size_t)q->limit;
		for (size_t i = 0; i < drop; i++)
			rec_free(&recs[i]);
		memmove(recs, recs + drop, (n - drop) * sizeof(*recs));
		n -= drop;
	}
	*out = recs;
	return n;
}

/* Printing --------------------------------------------------------------- */

static void
print_json(const struct rec *r)
{
	printf("{\"seq\":%" PRId64 ",\"time\":%" PRId64 ",\"event\":", r->seq,
	    r->time);
	gk_audit_json_str(stdout, r->event.p, r->event.n);
	printf(",\"uid\":%" PRId64 ",\"user\":", r->uid);
	gk_audit_json_str(stdout, r->user.p, r->user.n);
	printf(",\"request\":%" PRId64 ",\"session\":", r->request);
	gk_audit_json_str(stdout, r->session.p, r->session.n);
	printf(",\"command\":");
	gk_audit_json_str(stdout, r->command.p, r->command.n);
	printf(",\"detail\":");
	gk_audit_json_str(stdout, r->detail.p, r->detail.n);
	printf("}\n");
}

/*
 * A table: a header, then one row per record. A cell wider than its
 * column's cap wraps onto continuation lines within its column (at a
 * space when it can), so every column stays aligned and nothing is cut.
 * The last column never wraps. Numeric columns are right-aligned.
 */
#define GRID_COLS_MAX	8

struct grid {
	size_t		  ncols;
	const char	*const *heads;
	const size_t	 *caps;		/* SIZE_MAX: never wraps */
	const int	 *numeric;
};

/* One line: len[k] bytes of each cell[k]; a header is all left-aligned. */
static void
grid_line(const struct grid *g, const size_t *w, const char **cell,
    const size_t *len, int header)
{
	size_t k, l, last = 0;
	int right;

	for (k = 0; k < g->ncols; k++)
		if (len[k] > 0)
			last = k;
	for (k = 0; k <= last; k++) {
		char *part = gk_client_must(strndup(cell[k], len[k]));

		l = gk_audit_text_width(part);
		right = g->numeric[k] && !header;
		if (right && l < w[k])
			printf("%*s", (int)(w[k] - l), "");
		fputs(part, stdout);
		free(part);
		if (k < last)
			printf("%*s", (int)((right || l >= w[k] ? 0 :
			    w[k] - l) + 2), "");
	}
	putchar('\n');
}

/* Prints rows (n of them, g->ncols cells each) and frees the cells. */
static void
grid_print(const struct grid *g, char **cells, size_t n)
{
	size_t w[GRID_COLS_MAX] = { 0 }, len[GRID_COLS_MAX] = { 0 }, i, k, l;
	const char *cur[GRID_COLS_MAX] = { NULL };
	int more;

	if (g->ncols > GRID_COLS_MAX)
		errx(1, "internal error: too many columns");

	for (k = 0; k < g->ncols; k++)
		w[k] = strlen(g->heads[k]);
	for (i = 0; i < n; i++)
		for (k = 0; k < g->ncols; k++) {
			l = gk_audit_text_width(cells[i * g->ncols + k]);
			if (l > w[k])
				w[k] = l > g->caps[k] ? g->caps[k] : l;
		}
	for (k = 0; k < g->ncols; k++) {
		cur[k] = g->heads[k];
		len[k] = strlen(g->heads[k]);
	}
	grid_line(g, w, cur, len, 1);
	for (i = 0; i < n; i++) {
		for (k = 0; k < g->ncols; k++)
			cur[k] = cells[i * g->ncols + k];
		do {
			more = 0;
			for (k = 0; k < g->ncols; k++) {
				len[k] = k + 1 == g->ncols ? strlen(cur[k]) :
				    gk_audit_text_fit(cur[k], w[k]);
				if (cur[k][len[k]] != '\0')
					more = 1;
			}
			grid_line(g, w, cur, len, 0);
			for (k = 0; k < g->ncols; k++)
				cur[k] += len[k];
		} while (more);
		for (k = 0; k < g->ncols; k++)
			free(cells[i * g->ncols + k]);
	}
	free(cells);
}

static char *
time_cell(int64_t when)
{
	struct tm tm;
	time_t t = (time_t)when;
	char buf[64];

	if (localtime_r(&t, &tm) == NULL ||
	    strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S", &tm) == 0)
		snprintf(buf, sizeof(buf), "%" PRId64, when);
	return gk_client_must(strdup(buf));
}

static char *
int_cell(int64_t v, int dash_if_zero)
{
	char buf[32];

	if (dash_if_zero && v == 0)
		return gk_client_must(strdup("-"));
	snprintf(buf, sizeof(buf), "%" PRId64, v);
	return gk_client_must(strdup(buf));
}

static char *
name_cell(const struct str *s)
{
	return s->n == 0 ? gk_client_must(strdup("-")) :
	    gk_client_must(gk_audit_text_name(s->p, s->n));
}

#define NCOLS	7

static const char *const heads[NCOLS] = {
	"SEQ", "TIME", "EVENT", "USER", "REQ", "COMMAND", "DETAIL"
};
static const size_t caps[NCOLS] = {
	SIZE_MAX, SIZE_MAX, W_EVENT, W_USER, SIZE_MAX, W_COMMAND, SIZE_MAX
};
static const int numeric[NCOLS] = { 1, 0, 0, 0, 1, 0, 0 };

static void
print_table(const struct rec *recs, size_t n)
{
	const struct grid g = { NCOLS, heads, caps, numeric };
	char **c;
	size_t i;

	if (n == 0)
		return;
	c = gk_client_must(calloc(n * NCOLS, sizeof(*c)));
	for (i = 0; i < n; i++) {
		c[i * NCOLS] = int_cell(recs[i].seq, 0);
		c[i * NCOLS + 1] = time_cell(recs[i].time);
		c[i * NCOLS + 2] = name_cell(&recs[i].event);
		c[i * NCOLS + 3] = name_cell(&recs[i].user);
		c[i * NCOLS + 4] = int_cell(recs[i].request, 1);
		c[i * NCOLS + 5] = recs[i].command.n == 0 ? gk_client_must(strdup("-")) :
		    gk_client_must(gk_audit_text_filter(recs[i].command.p,
		    recs[i].command.n));
		c[i * NCOLS + 6] = gk_client_must(gk_audit_text_filter(recs[i].detail.p,
		    recs[i].detail.n));
	}
	grid_print(&g, c, n);
}

/* Commands --------------------------------------------------------------- */

/* Takes "-s SOCKET" wherever it appears among a command's options. */
static int
take_socket(int argc, char **argv, int *a)
{
	if (strcmp(argv[*a], "-s") != 0)
		return 0;
	if (*a + 1 >= argc || argv[*a + 1][0] == '\0')
		usage();
	sock_opt = argv[++*a];
	return 1;
}

static int
cmd_query(int argc, char **argv)
{
	struct query q;
	struct rec *recs;
	size_t n, i;
	int a;

	memset(&q, 0, sizeof(q));
	for (a = 0; a < argc; a++) {
		if (take_socket(argc, argv, &a))
			continue;
		if (a + 1 < argc && strcmp(argv[a], "--user") == 0)
			q.user = argv[++a];
		else if (a + 1 < argc && strcmp(argv[a], "--event") == 0)
			q.event = argv[++a];
		else if (a + 1 < argc && strcmp(argv[a], "--db") == 0)
			q.db = argv[++a];
		else if (a + 1 < argc && strcmp(argv[a], "--request") == 0) {
			if (parse_u64(argv[++a], &q.request) != 0)
				usage();
			q.has_request = 1;
		} else if (a + 1 < argc && strcmp(argv[a], "--limit") == 0) {
			if (parse_u64(argv[++a], &q.limit) != 0 || q.limit == 0)
				usage();
			q.has_limit = 1;
		} else if (a + 1 < argc && strcmp(argv[a], "--since") == 0) {
			if (parse_time(argv[++a], 0, &q.since) != 0)
				errx(EXIT_USAGE, "--since: not a time: %s", argv[a]);
			q.has_since = 1;
		} else if (a + 1 < argc && strcmp(argv[a], "--until") == 0) {
			if (parse_time(argv[++a], 1, &q.until) != 0)
				errx(EXIT_USAGE, "--until: not a time: %s", argv[a]);
			q.has_until = 1;
		} else if (strcmp(argv[a], "--json") == 0)
			q.json = 1;
		else
			usage();
	}
	n = q.db != NULL ? db_query(&q, &recs) : daemon_query(&q, &recs);
	if (q.json) {
		for (i = 0; i < n; i++)
			print_json(&recs[i]);
	} else
		print_table(recs, n);
	for (i = 0; i < n; i++)
		rec_free(&recs[i]);
	free(recs);
	return gk_client_finish_stdout(0);
}

/* show ID ------------------------------------------------------------------ */

/* One request as show prints it; strings raw (filtered when printed),
 * command already escaped. */
struct reqinfo {
	int64_t	 id, uid, need, created, expires, status;
	char	*state, *user, *rule, *fp, *command, *cwd, *run_as, *set;
	char	*members, *reason;
};

static char *
join_words(char *const *v, size_t n)
{
	size_t i, len = 1;
	char *s;

	for (i = 0; i < n; i++)
		len += strlen(v[i]) + 1;
	s = gk_client_must(calloc(1, len));
	for (i = 0; i < n; i++) {
		if (i > 0)
			strcat(s, " ");
		strcat(s, v[i]);
	}
	return s;
}

static char *
msg_dup(const struct gk_msg *m, const char *key)
{
	const char *v = gk_msg_str(m, key);

	return gk_client_must(strdup(v != NULL ? v : ""));
}

static void
daemon_request(uint64_t id, struct reqinfo *ri)
{
	struct gk_msg m;
	char **v;
	size_t n;

	gk_msg_begin(&m, GK_T_SHOW);
	if (gk_msg_add_u64(&m, "id", id) != 0)
		errx(1, "out of memory");
	daemon_ask(&m, GK_T_ITEM);
	ri->id = field_i64(&m, "id", 0);
	ri->uid = field_i64(&m, "uid", -1);
	ri->need = field_i64(&m, "need", 0);
	ri->created = field_i64(&m, "created", 0);
	ri->expires = field_i64(&m, "expires", 0);
	ri->status = field_i64(&m, "status", -1);
	ri->state = msg_dup(&m, "state");
	ri->user = msg_dup(&m, "user");
	ri->rule = msg_dup(&m, "rule");
	ri->fp = msg_dup(&m, "fingerprint");
	ri->cwd = msg_dup(&m, "cwd");
	ri->run_as = msg_dup(&m, "run_as");
	ri->set = msg_dup(&m, "set");
	ri->reason = msg_dup(&m, "reason");
	if ((v = gk_msg_strv(&m, "arg", &n)) == NULL || n == 0)
		errx(1, "malformed reply from gatekeeperd: request without "
		    "a command");
	ri->command = gk_client_must(gk_escape_argv(n, v));
	free(v);
	if ((v = gk_msg_strv(&m, "member", &n)) == NULL)
		errx(1, "malformed reply from gatekeeperd: bad approver list");
	ri->members = join_words(v, n);
	free(v);
	gk_msg_free(&m);
}

static void
db_request(const char *path, uint64_t id, struct reqinfo *ri)
{
	struct gk_reqrow row;
	char fp[GK_FINGERPRINT_LEN + 1];
	sqlite3 *db;
	int r;

	db = db_open(path, 1);
	if ((r = gk_reqrow_load(db, (int64_t)id, &row)) != 0)
		errx(1, "%s: request %" PRIu64 " %s", path, id,
		    r == GK_ERR_NOTFOUND ? "does not exist" : "cannot be read");
	sqlite3_close(db);
	ri->id = row.id;
	ri->uid = row.uid;
	ri->need = row.need;
	ri->created = row.created;
	ri->expires = row.expires;
	ri->status = row.status;
	ri->state = gk_client_must(strdup(row.state));
	ri->user = gk_client_must(strdup(row.user));
	ri->rule = gk_client_must(strdup(row.rule));
	gk_fingerprint(row.digest, fp);
	ri->fp = gk_client_must(strdup(fp));
	ri->cwd = gk_client_must(strdup(row.cwd));
	ri->run_as = gk_client_must(strdup(row.run_as));
	ri->set = gk_client_must(strdup(row.set_name));
	ri->reason = gk_client_must(strdup(row.reason));
	ri->command = gk_client_must(gk_escape_argv(row.argc, row.argv));
	ri->members = join_words(row.members, row.nmembers);
	gk_reqrow_free(&row);
}

static void
reqinfo_free(struct reqinfo *ri)
{
	free(ri->state);
	free(ri->user);
	free(ri->rule);
	free(ri->fp);
	free(ri->command);
	free(ri->cwd);
	free(ri->run_as);
	free(ri->set);
	free(ri->members);
	free(ri->reason);
}

/* "  label  value" with value filtered (name: shown as a name). */
static void
show_line(const char *label, const char *value, int name)
{
	char *v = gk_client_must(name ? gk_audit_text_name(value, strlen(value)) :
	    gk_audit_text_filter(value, strlen(value)));

	printf("  %-12s %s\n", label, v);
	free(v);
}

/* +5s, +2m05s, +3h07m, +2d04h: how long after the request's creation. */
static char *
after_cell(int64_t t, int64_t t0)
{
	int64_t d = t - t0;
	char buf[48];

	if (d < 0)
		snprintf(buf, sizeof(buf), "-%" PRId64 "s", -d);
	else if (d < 60)
		snprintf(buf, sizeof(buf), "+%" PRId64 "s", d);
	else if (d < 3600)
		snprintf(buf, sizeof(buf), "+%" PRId64 "m%02" PRId64 "s", d / 60,
		    d % 60);
	else if (d < 86400)
		snprintf(buf, sizeof(buf), "+%" PRId64 "h%02" PRId64 "m",
		    d / 3600, d % 3600 / 60);
	else
		snprintf(buf, sizeof(buf), "+%" PRId64 "d%02" PRId64 "h",
		    d / 86400, d % 86400 / 3600);
	return gk_client_must(strdup(buf));
}

/* The detail without the long hex fields (digests, signatures) that
 * `gk-audit --request ID --json` still shows in full. */
static char *
short_detail(const struct str *d)
{
	static const char *const drop[] = {
		"sig=", "digest=", "terms=", "output_hash=", "kept_hash=",
		"fingerprint=",
	};
	char *out = gk_client_must(calloc(1, d->n + 1)), *w, *save = NULL, *copy;
	size_t i;
	int skip;

	copy = gk_client_must(strdup(d->p));	/* up to an embedded NUL */
	for (w = strtok_r(copy, " ", &save); w != NULL;
	    w = strtok_r(NULL, " ", &save)) {
		for (i = 0, skip = 0; i < sizeof(drop) / sizeof(drop[0]); i++)
			if (strncmp(w, drop[i], strlen(drop[i])) == 0)
				skip = 1;
		if (skip)
			continue;
		if (*out != '\0')
			strcat(out, " ");
		strcat(out, w);
	}
	free(copy);
	w = gk_client_must(gk_audit_text_filter(out, strlen(out)));
	free(out);
	return w;
}

#define TL_COLS	5

static const char *const tl_heads[TL_COLS] = {
	"TIME", "AFTER", "EVENT", "BY", "DETAIL"
};
static const size_t tl_caps[TL_COLS] = {
	SIZE_MAX, SIZE_MAX, W_EVENT, W_USER, SIZE_MAX
};
static const int tl_numeric[TL_COLS] = { 0, 1, 0, 0, 0 };

static void
show_json(const struct reqinfo *ri, const struct rec *recs, size_t n)
{
	size_t i;

	printf("{\"id\":%" PRId64 ",\"state\":", ri->id);
	gk_audit_json_str(stdout, ri->state, strlen(ri->state));
	printf(",\"uid\":%" PRId64 ",\"user\":", ri->uid);
	gk_audit_json_str(stdout, ri->user, strlen(ri->user));
	printf(",\"rule\":");
	gk_audit_json_str(stdout, ri->rule, strlen(ri->rule));
	printf(",\"fingerprint\":");
	gk_audit_json_str(stdout, ri->fp, strlen(ri->fp));
	printf(",\"command\":");
	gk_audit_json_str(stdout, ri->command, strlen(ri->command));
	printf(",\"cwd\":");
	gk_audit_json_str(stdout, ri->cwd, strlen(ri->cwd));
	printf(",\"run_as\":");
	gk_audit_json_str(stdout, ri->run_as, strlen(ri->run_as));
	printf(",\"reason\":");
	gk_audit_json_str(stdout, ri->reason, strlen(ri->reason));
	printf(",\"need\":%" PRId64 ",\"set\":", ri->need);
	gk_audit_json_str(stdout, ri->set, strlen(ri->set));
	printf(",\"approvers\":");
	gk_audit_json_str(stdout, ri->members, strlen(ri->members));
	printf(",\"created\":%" PRId64 ",\"expires\":%" PRId64, ri->created,
	    ri->expires);
	if (ri->status >= 0)
		printf(",\"status\":%" PRId64, ri->status);
	printf("}\n");
	for (i = 0; i < n; i++)
		print_json(&recs[i]);
}

static void
show_text(const struct reqinfo *ri, const struct rec *recs, size_t n)
{
	const struct grid g = { TL_COLS, tl_heads, tl_caps, tl_numeric };
	char buf[256], *t, *state, **c;
	size_t i;

	state = gk_client_must(gk_audit_text_name(ri->state, strlen(ri->state)));
	if (ri->status >= 0)
		printf("request %" PRId64 ": %s, exit status %" PRId64 "\n",
		    ri->id, state, ri->status);
	else
		printf("request %" PRId64 ": %s\n", ri->id, state);
	free(state);
	show_line("command", ri->command, 0);
	t = gk_client_must(gk_audit_text_name(ri->user, strlen(ri->user)));
	snprintf(buf, sizeof(buf), "%s (uid %" PRId64 ")", t, ri->uid);
	free(t);
	show_line("requester", buf, 0);
	show_line("rule", ri->rule, 1);
	if (ri->need > 0) {
		if (asprintf(&t, "%" PRId64 " of set %s (%s)", ri->need,
		    ri->set, ri->members) < 0)
			errx(1, "out of memory");
		show_line("approvals", t, 0);
		free(t);
	} else
		show_line("approvals", "none needed (allow rule)", 0);
	show_line("fingerprint", ri->fp, 0);
	t = gk_client_must(gk_escape_str(ri->cwd));
	show_line("cwd", t, 0);
	free(t);
	show_line("run as", ri->run_as, 1);
	if (*ri->reason != '\0') {
		t = gk_client_must(gk_escape_str(ri->reason));
		show_line("reason", t, 0);
		free(t);
	}
	t = time_cell(ri->created);
	show_line("created", t, 0);
	free(t);
	if (ri->need > 0) {
		t = time_cell(ri->expires);
		show_line("expires", t, 0);
		free(t);
	}
	printf("\n");
	if (n == 0) {
		printf("no audit record of this request is visible\n");
		return;
	}
	c = gk_client_must(calloc(n * TL_COLS, sizeof(*c)));
	for (i = 0; i < n; i++) {
		c[i * TL_COLS] = time_cell(recs[i].time);
		c[i * TL_COLS + 1] = after_cell(recs[i].time, ri->created);
		c[i * TL_COLS + 2] = name_cell(&recs[i].event);
		c[i * TL_COLS + 3] = name_cell(&recs[i].user);
		c[i * TL_COLS + 4] = short_detail(&recs[i].detail);
	}
	grid_print(&g, c, n);
}

static int
cmd_show(int argc, char **argv)
{
	struct reqinfo ri;
	struct query q;
	struct rec *recs;
	size_t n, i;
	int a, have_id = 0;

	memset(&q, 0, sizeof(q));
	memset(&ri, 0, sizeof(ri));
	for (a = 1; a < argc; a++) {
		if (take_socket(argc, argv, &a))
			continue;
		if (a + 1 < argc && strcmp(argv[a], "--db") == 0)
			q.db = argv[++a];
		else if (strcmp(argv[a], "--json") == 0)
			q.json = 1;
		else if (!have_id && parse_u64(argv[a], &q.request) == 0 &&
		    q.request > 0)
			have_id = 1;
		else
			usage();
	}
	if (!have_id)
		usage();
	q.has_request = 1;
	if (q.db != NULL)
		db_request(q.db, q.request, &ri);
	else
		daemon_request(q.request, &ri);
	n = q.db != NULL ? db_query(&q, &recs) : daemon_query(&q, &recs);
	if (q.json)
		show_json(&ri, recs, n);
	else
		show_text(&ri, recs, n);
	for (i = 0; i < n; i++)
		rec_free(&recs[i]);
	free(recs);
	reqinfo_free(&ri);
	return gk_client_finish_stdout(0);
}

static int
cmd_checkpoint(int argc, char **argv)
{
	struct gk_msg m;
	const char *line;
	char *s;
	int a;

	for (a = 1; a < argc; a++)
		if (!take_socket(argc, argv, &a))
			usage();
	gk_msg_begin(&m, GK_T_CHECKPOINT);
	daemon_ask(&m, GK_T_OK);
	if ((line = gk_msg_str(&m, "message")) == NULL || *line == '\0')
		errx(1, "malformed reply from gatekeeperd: no checkpoint");
	s = gk_client_must(gk_audit_text_filter(line, strlen(line)));
	printf("%s\n", s);
	free(s);
	gk_msg_free(&m);
	return gk_client_finish_stdout(0);
}

/* The first line of the anchor file, checked to be a checkpoint. */
static char *
read_anchor(const char *path, struct gk_checkpoint *c)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	FILE *fp;

	if ((fp = fopen(path, "re")) == NULL)
		errx(EXIT_USAGE, "%s: %s", path, strerror(errno));
	n = getline(&line, &cap, fp);
	fclose(fp);
	if (n < 0 || n > ANCHOR_MAX)
		errx(1, "%s: not a checkpoint line", path);
	line[strcspn(line, "\r\n")] = '\0';
	if (gk_checkpoint_parse(line, c) != 0)
		errx(1, "%s: not a checkpoint line", path);
	return line;
}

static int
cmd_verify(int argc, char **argv)
{
	struct gk_checkpoint anchor;
	struct gk_msg m;
	const char *db_path = NULL, *anchor_path = NULL, *code;
	char msg[1024], *line = NULL, *s;
	sqlite3 *db;
	int a, fd, r;

	for (a = 1; a < argc; a++) {
		if (take_socket(argc, argv, &a))
			continue;
		if (a + 1 < argc && strcmp(argv[a], "--db") == 0)
			db_path = argv[++a];
		else if (a + 1 < argc && strcmp(argv[a], "--anchor") == 0)
			anchor_path = argv[++a];
		else
			usage();
	}
	if (anchor_path != NULL)
		line = read_anchor(anchor_path, &anchor);

	if (db_path != NULL) {
		db = db_open(db_path, EXIT_USAGE);
		/* The whole log is read once, in order: mapped, not read a
		 * page per read(2) (SQLite caps the size it maps). */
		sqlite3_exec(db, "PRAGMA mmap_size=17179869184", NULL, NULL,
		    NULL);
		r = gk_audit_verify(db, line != NULL ? &anchor : NULL, msg,
		    sizeof(msg));
		sqlite3_close(db);
		free(line);
		s = gk_client_must(gk_audit_text_filter(msg, strlen(msg)));
		if (r < 0)
			errx(EXIT_USAGE, "%s: %s", db_path, s);
		printf("%s\n", s);
		free(s);
		return gk_client_finish_stdout(r == 0 ? 0 : 1);
	}

	fd = gk_client_dial(sock_opt);
	gk_msg_begin(&m, GK_T_VERIFY);
	if (line != NULL && gk_msg_add_str(&m, "anchor", line) != 0)
		errx(EXIT_USAGE, "out of memory");
	free(line);
	daemon_send(fd, &m, EXIT_USAGE);
	daemon_recv(fd, &m, EXIT_USAGE);
	close(fd);
	s = reply_text(&m);
	if (m.type == GK_T_OK) {
		printf("%s\n", s);
		r = 0;
	} else if (m.type == GK_T_ERROR) {
		code = gk_msg_str(&m, "code");
		if (code == NULL || strcmp(code, "tampered") != 0)
			errx(EXIT_USAGE, "%s", s);
		printf("%s\n", s);
		r = 1;
	} else
		unexpected(&m, EXIT_USAGE);
	free(s);
	gk_msg_free(&m);
	return gk_client_finish_stdout(r);
}

int
main(int argc, char **argv)
{
	int a = 1;

	signal(SIGPIPE, SIG_IGN);
	if (sodium_init() < 0)
		errx(1, "cannot initialise libsodium");
	while (a < argc && strcmp(argv[a], "-s") == 0) {
		if (a + 1 >= argc || argv[a + 1][0] == '\0')
			usage();
		sock_opt = argv[a + 1];
		a += 2;
	}
	if (a < argc && strcmp(argv[a], "show") == 0)
		return cmd_show(argc - a, argv + a);
	if (a < argc && strcmp(argv[a], "checkpoint") == 0)
		return cmd_checkpoint(argc - a, argv + a);
	if (a < argc && strcmp(argv[a], "verify") == 0)
		return cmd_verify(argc - a, argv + a);
	return cmd_query(argc - a, argv + a);
}
