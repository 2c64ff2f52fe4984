/*
 * gk-audit: reading and checking the audit log (DESIGN.md sections 3, 7).
 *
 *   gk-audit [-s S] [--user U] [--request ID] [--event TYPE] [--since T]
 *            [--until T] [--json] [--limit N] [--db FILE]
 *   gk-audit [-s S] checkpoint
 *   gk-audit [-s S] verify [--db FILE] [--anchor FILE]
 *
 * T: epoch seconds, YYYY-MM-DD, YYYY-MM-DDTHH:MM:SS (local time), or an
 * age such as 30m, 2h, 7d. A date alone in --until means the end of that
 * day. Without --db every command asks the daemon on its socket.
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
#include "gk_audit_text.h"
#include "gk_err.h"
#include "msg.h"
#include "proto.h"

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
	    "       gk-audit [-s SOCKET] checkpoint\n"
	    "       gk-audit [-s SOCKET] verify [--db FILE] [--anchor FILE]\n"
	    "T: epoch seconds, YYYY-MM-DD, YYYY-MM-DDTHH:MM:SS or an age "
	    "(30m, 2h, 7d)\n");
	exit(EXIT_USAGE);
}

static void *
must(void *p)
{
	if (p == NULL)
		errx(1, "out of memory");
	return p;
}

static void
str_set(struct str *s, const void *p, size_t n)
{
	s->p = must(malloc(n + 1));
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

static int
finish_stdout(int rc)
{
	if (fflush(stdout) == EOF || ferror(stdout)) {
		warn("writing to standard output");
		return 1;
	}
	return rc;
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

/* YYYY-MM-DD, or YYYY-MM-DDTHH:MM:SS (T or a space), in local time. */
static int
parse_date(const char *s, int end_of_day, int64_t *out)
{
	struct tm tm, chk;
	size_t n = strlen(s);
	time_t t;

	if ((n != 10 && n != 19) || s[4] != '-' || s[7] != '-')
		return -1;
	memset(&tm, 0, sizeof(tm));
	if ((tm.tm_year = (int)digits(s, 4)) < 0 ||
	    (tm.tm_mon = (int)digits(s + 5, 2)) < 0 ||
	    (tm.tm_mday = (int)digits(s + 8, 2)) < 0)
		return -1;
	if (n == 19) {
		if ((s[10] != 'T' && s[10] != ' ') || s[13] != ':' ||
		    s[16] != ':' ||
		    (tm.tm_hour = (int)digits(s + 11, 2)) < 0 ||
		    (tm.tm_min = (int)digits(s + 14, 2)) < 0 ||
		    (tm.tm_sec = (int)digits(s + 17, 2)) < 0)
			return -1;
	}
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	tm.tm_isdst = -1;
	chk = tm;
	if ((t = mktime(&chk)) == (time_t)-1 || chk.tm_year != tm.tm_year ||
	    chk.tm_mon != tm.tm_mon || chk.tm_mday != tm.tm_mday ||
	    chk.tm_min != tm.tm_min || chk.tm_sec != tm.tm_sec)
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

	u = must(malloc(5 + 3 * strlen(abs) + sizeof("?immutable=1")));
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
	e = sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL);
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
	e = sqlite3_open_v2(uri, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI,
	    NULL);
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
	sqlite3 *db;
	sqlite3_stmt *st;
	struct rec *recs = NULL, *r;
	size_t n = 0;
	int e;

	db = db_open(q->db, 1);
	/* The newest N, printed oldest first. */
	if (sqlite3_prepare_v2(db, "SELECT seq, time, event, uid, user, "
	    "request, session, command, detail FROM (SELECT seq, time, event, "
	    "uid, user, request, session, command, detail FROM audit "
	    "WHERE (?1 IS NULL OR user = ?1) AND (?2 IS NULL OR request = ?2) "
	    "AND (?3 IS NULL OR event = ?3) AND (?4 IS NULL OR time >= ?4) "
	    "AND (?5 IS NULL OR time <= ?5) ORDER BY seq DESC LIMIT ?6) "
	    "ORDER BY seq", -1, &st, NULL) != SQLITE_OK)
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
		recs = must(reallocarray(recs, n + 1, sizeof(*recs)));
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
	return must(gk_audit_text_filter(s, strlen(s)));
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
		recs = must(reallocarray(recs, n + 1, sizeof(*recs)));
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

#define NCOLS	7

static const char *const heads[NCOLS] = {
	"SEQ", "TIME", "EVENT", "USER", "REQ", "COMMAND", "DETAIL"
};
static const size_t caps[NCOLS] = {
	SIZE_MAX, SIZE_MAX, W_EVENT, W_USER, SIZE_MAX, W_COMMAND, SIZE_MAX
};

static void
cells(const struct rec *r, char *c[NCOLS])
{
	struct tm tm;
	time_t t = (time_t)r->time;
	char buf[64];

	snprintf(buf, sizeof(buf), "%" PRId64, r->seq);
	c[0] = must(strdup(buf));
	if (localtime_r(&t, &tm) == NULL ||
	    strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S", &tm) == 0)
		snprintf(buf, sizeof(buf), "%" PRId64, r->time);
	c[1] = must(strdup(buf));
	c[2] = must(gk_audit_text_name(r->event.p, r->event.n));
	c[3] = r->user.n == 0 ? must(strdup("-")) :
	    must(gk_audit_text_name(r->user.p, r->user.n));
	if (r->request == 0)
		snprintf(buf, sizeof(buf), "-");
	else
		snprintf(buf, sizeof(buf), "%" PRId64, r->request);
	c[4] = must(strdup(buf));
	c[5] = r->command.n == 0 ? must(strdup("-")) :
	    must(gk_audit_text_filter(r->command.p, r->command.n));
	c[6] = must(gk_audit_text_filter(r->detail.p, r->detail.n));
}

static void
print_table(const struct rec *recs, size_t n)
{
	char *(*c)[NCOLS];
	size_t w[NCOLS], i, k, l;

	if (n == 0)
		return;
	c = must(calloc(n, sizeof(*c)));
	for (k = 0; k < NCOLS; k++)
		w[k] = strlen(heads[k]);
	for (i = 0; i < n; i++) {
		cells(&recs[i], c[i]);
		for (k = 0; k < NCOLS; k++) {
			l = gk_audit_text_width(c[i][k]);
			if (l > w[k])
				w[k] = l > caps[k] ? caps[k] : l;
		}
	}
	for (k = 0; k < NCOLS; k++) {
		if (k == NCOLS - 1)
			printf("%s\n", heads[k]);
		else
			printf("%-*s  ", (int)w[k], heads[k]);
	}
	for (i = 0; i < n; i++) {
		for (k = 0; k < NCOLS; k++) {
			l = gk_audit_text_width(c[i][k]);
			/* Numbers right-aligned, the rest left-aligned. */
			if ((k == 0 || k == 4) && l < w[k])
				printf("%*s", (int)(w[k] - l), "");
			fputs(c[i][k], stdout);
			if (k == NCOLS - 1)
				putchar('\n');
			else if (k < NCOLS - 2 || c[i][k + 1][0] != '\0')
				/* no trailing blanks before an empty DETAIL */
				printf("%*s", (int)((k == 0 || k == 4 ||
				    l >= w[k] ? 0 : w[k] - l) + 2), "");
			free(c[i][k]);
		}
	}
	free(c);
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
	return finish_stdout(0);
}

static int
cmd_checkpoint(int argc, char **argv)
{
	struct gk_msg m;
	const char *line;
	char *s;
	int a, fd;

	for (a = 1; a < argc; a++)
		if (!take_socket(argc, argv, &a))
			usage();
	fd = gk_client_dial(sock_opt);
	gk_msg_begin(&m, GK_T_CHECKPOINT);
	daemon_send(fd, &m, 1);
	daemon_recv(fd, &m, 1);
	close(fd);
	if (m.type == GK_T_ERROR)
		daemon_refused(&m, 1);
	if (m.type != GK_T_OK)
		unexpected(&m, 1);
	if ((line = gk_msg_str(&m, "message")) == NULL || *line == '\0')
		errx(1, "malformed reply from gatekeeperd: no checkpoint");
	s = must(gk_audit_text_filter(line, strlen(line)));
	printf("%s\n", s);
	free(s);
	gk_msg_free(&m);
	return finish_stdout(0);
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
		r = gk_audit_verify(db, line != NULL ? &anchor : NULL, msg,
		    sizeof(msg));
		sqlite3_close(db);
		free(line);
		s = must(gk_audit_text_filter(msg, strlen(msg)));
		if (r < 0)
			errx(EXIT_USAGE, "%s: %s", db_path, s);
		printf("%s\n", s);
		free(s);
		return finish_stdout(r == 0 ? 0 : 1);
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
	return finish_stdout(r);
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
	if (a < argc && strcmp(argv[a], "checkpoint") == 0)
		return cmd_checkpoint(argc - a, argv + a);
	if (a < argc && strcmp(argv[a], "verify") == 0)
		return cmd_verify(argc - a, argv + a);
	return cmd_query(argc - a, argv + a);
}
