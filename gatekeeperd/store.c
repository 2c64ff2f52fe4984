/*
 * The SQLite store and the audit chain's writer.
 *
 * MUST:
 * - use prepared statements only, with bound parameters;
 * - make an audit record durable (synchronous=FULL) in the same
 *   transaction as the change it records, before anything is answered
 *   (group commit: a loop turn's records share one durable commit, and
 *   its answers wait for it);
 * - keep the daemon's signing key root-only in STATEDIR;
 * - write no OTP-shaped word into the audit log: audit_append redacts the
 *   command, detail and session it is given (gk_otp_redact) and chains the
 *   redacted record, the one stored.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "audit.h"
#include "daemon.h"
#include "gk_err.h"
#include "otp.h"
#include "reqrow.h"
#include "safefile.h"

#define MAX_STMTS 96

static struct {
	const char	*sql;
	sqlite3_stmt	*st;
} cache[MAX_STMTS];

sqlite3_stmt *
stmt(struct daemon *d, const char *sql)
{
	size_t i;

	for (i = 0; i < MAX_STMTS && cache[i].sql != NULL; i++)
		if (cache[i].sql == sql) {
			sqlite3_reset(cache[i].st);
			sqlite3_clear_bindings(cache[i].st);
			return cache[i].st;
		}
	if (i == MAX_STMTS) {
		dlog(d, LOG_ERR, "statement cache full");
		abort();
	}
	if (sqlite3_prepare_v3(d->db, sql, -1, SQLITE_PREPARE_PERSISTENT,
	    &cache[i].st, NULL) != SQLITE_OK) {
		dlog(d, LOG_ERR, "prepare: %s: %s", sqlite3_errmsg(d->db), sql);
		abort();
	}
	cache[i].sql = sql;
	return cache[i].st;
}

static int
exec_sql(struct daemon *d, const char *sql)
{
	char *err = NULL;

	if (sqlite3_exec(d->db, sql, NULL, NULL, &err) != SQLITE_OK) {
		dlog(d, LOG_ERR, "database: %s", err ? err : "?");
		sqlite3_free(err);
		return GK_ERR_DB;
	}
	return 0;
}

/*
 * Tables added after the first schema: created when missing, so a
 * database of the previous version opens unchanged. vetoes: the signed
 * denials of a delay window (the approvals table keeps one decision per
 * approver, and an approver who approved may still veto). governance: the
 * change a governance request applies once approved (its binding hash is
 * the request's exe_hash, so the digest covers it); the token's secret
 * halves are cleared once the request is over. policy_files: the files of
 * the approved policy once sealed, in force at start-up until a changed
 * directory is approved.
 */
static const char gov_schema_sql[] =
    "CREATE TABLE IF NOT EXISTS vetoes(request INTEGER PRIMARY KEY,"
    " approver TEXT NOT NULL, otp TEXT NOT NULL, sig BLOB NOT NULL,"
    " time INTEGER NOT NULL, reason TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS governance(request INTEGER PRIMARY KEY,"
    " kind TEXT NOT NULL, name TEXT NOT NULL, uid INTEGER NOT NULL,"
    " pubkey BLOB, public_id TEXT, private_id BLOB, aes_key BLOB,"
    " policy_digest BLOB);"
    "CREATE TABLE IF NOT EXISTS policy_files(name TEXT PRIMARY KEY,"
    " text BLOB NOT NULL);"
    /* AUDIT queries seek with these (auditq.c): each holds seq (the
     * rowid) after its column, so a seq range is one index range. */
    "CREATE INDEX IF NOT EXISTS audit_uid ON audit(uid);"
    "CREATE INDEX IF NOT EXISTS audit_event ON audit(event);"
    "CREATE INDEX IF NOT EXISTS audit_user ON audit(user);"
    "CREATE INDEX IF NOT EXISTS audit_time ON audit(time);";

/*
 * A column added after the first schema: requests.path_ids, the
 * identities of the path arguments (gk_path_ids) when the request was
 * made. A request row of an older database has none (NULL).
 */
static int
add_path_ids(struct daemon *d)
{
	sqlite3_stmt *st;

	if (sqlite3_prepare_v2(d->db, "SELECT path_ids FROM requests LIMIT 0",
	    -1, &st, NULL) == SQLITE_OK) {
		sqlite3_finalize(st);
		return 0;
	}
	return exec_sql(d, "ALTER TABLE requests ADD COLUMN path_ids BLOB");
}

static const char SQL_PATH_IDS_SET[] =
    "UPDATE requests SET path_ids = ? WHERE id = ?";
static const char SQL_PATH_IDS[] =
    "SELECT path_ids FROM requests WHERE id = ?";

int
request_set_path_ids(struct daemon *d, int64_t id, char *const *ids, size_t n)
{
	sqlite3_stmt *st = stmt(d, SQL_PATH_IDS_SET);
	struct gk_buf b;
	int r = 0;

	gk_buf_init(&b, 8 * 1024 * 1024);
	if (gk_strlist_encode(&b, n, ids) != 0) {
		gk_buf_free(&b);
		return GK_ERR_ALLOC;
	}
	sqlite3_bind_blob(st, 1, b.data ? (const void *)b.data : "",
	    (int)b.len, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, id);
	if (sqlite3_step(st) != SQLITE_DONE || sqlite3_changes(d->db) != 1) {
		dlog(d, LOG_ERR, "request %lld: path ids: %s", (long long)id,
		    sqlite3_errmsg(d->db));
		r = GK_ERR_DB;
	}
	sqlite3_reset(st);
	gk_buf_free(&b);
	return r;
}

int
request_path_ids(struct daemon *d, int64_t id, char ***ids, size_t *n)
{
	sqlite3_stmt *st = stmt(d, SQL_PATH_IDS);
	const void *p;
	int r;

	*ids = NULL;
	*n = 0;
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) != SQLITE_ROW)
		r = GK_ERR_NOTFOUND;
	else if (sqlite3_column_type(st, 0) != SQLITE_BLOB)
		r = GK_ERR_NOTFOUND;
	else {
		p = sqlite3_column_blob(st, 0);
		r = gk_strlist_decode(p == NULL ? "" : p,
		    (size_t)sqlite3_column_bytes(st, 0), ids, n);
	}
	sqlite3_reset(st);
	return r;
}

static const char SQL_HEAD[] =
    "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1";
static const char SQL_CP_HEAD[] =
    "SELECT seq, time FROM checkpoints ORDER BY seq DESC LIMIT 1";

static int
load_head(struct daemon *d)
{
	sqlite3_stmt *st = stmt(d, SQL_HEAD);

	d->seq = 0;
	memset(d->head, 0, sizeof(d->head));
	if (sqlite3_step(st) == SQLITE_ROW) {
		d->seq = sqlite3_column_int64(st, 0);
		if (sqlite3_column_bytes(st, 1) == GK_DIGEST_LEN)
			memcpy(d->head, sqlite3_column_blob(st, 1), GK_DIGEST_LEN);
	}
	sqlite3_reset(st);
	/* The last checkpoint too: a rolled-back batch may have held one,
	 * and the next must come within CHECKPOINT_EVERY of a stored one. */
	d->cp_seq = 0;
	d->cp_time = 0;
	st = stmt(d, SQL_CP_HEAD);
	if (sqlite3_step(st) == SQLITE_ROW) {
		d->cp_seq = sqlite3_column_int64(st, 0);
		d->cp_time = sqlite3_column_int64(st, 1);
	}
	sqlite3_reset(st);
	return 0;
}

/* Transaction control through the statement cache: sqlite3_exec would
 * parse each of these again for every record. */
static const char TX_BEGIN[] = "BEGIN IMMEDIATE";
static const char TX_COMMIT[] = "COMMIT";
static const char TX_ROLLBACK[] = "ROLLBACK";
static const char TX_SAVEPOINT[] = "SAVEPOINT rec";
static const char TX_RELEASE[] = "RELEASE rec";
static const char TX_ROLLBACK_TO[] = "ROLLBACK TO rec";

static int
tx(struct daemon *d, const char *sql)
{
	sqlite3_stmt *st = stmt(d, sql);
	int r = sqlite3_step(st);

	sqlite3_reset(st);
	if (r != SQLITE_DONE) {
		dlog(d, LOG_ERR, "database: %s: %s", sql, sqlite3_errmsg(d->db));
		return GK_ERR_DB;
	}
	return 0;
}

int
store_begin(struct daemon *d)
{
	if (!d->batch)
		return tx(d, TX_BEGIN);
	if (!d->batch_open) {
		if (tx(d, TX_BEGIN) != 0)
			return GK_ERR_DB;
		d->batch_open = 1;
	}
	return tx(d, TX_SAVEPOINT);
}

int
store_commit(struct daemon *d)
{
	if (tx(d, d->batch_open ? TX_RELEASE : TX_COMMIT) != 0) {
		store_rollback(d);
		return GK_ERR_DB;
	}
	/* After every transaction: checkpoints stay within
	 * GK_CHECKPOINT_GAP_MAX records of each other (audit.h). */
	checkpoint_maybe(d, 0);
	return 0;
}

void
store_rollback(struct daemon *d)
{
	if (d->batch_open) {
		if (tx(d, TX_ROLLBACK_TO) != 0 || tx(d, TX_RELEASE) != 0) {
			/* The savepoint is lost: so is the batch. */
			d->batch_open = 0;
			d->batch_failed = 1;
			if (!sqlite3_get_autocommit(d->db))
				tx(d, TX_ROLLBACK);
		}
	} else if (!sqlite3_get_autocommit(d->db))
		tx(d, TX_ROLLBACK);
	load_head(d);
}

int
store_flush(struct daemon *d)
{
	if (!d->batch_open)
		return d->batch_failed ? GK_ERR_DB : 0;
	d->batch_open = 0;
	if (tx(d, TX_COMMIT) != 0) {
		if (!sqlite3_get_autocommit(d->db))
			tx(d, TX_ROLLBACK);
		load_head(d);
		d->batch_failed = 1;
		return GK_ERR_DB;
	}
	return 0;
}

/* The daemon key: STATEDIR/daemon.key, 64 raw bytes, root 0600. */
static int
load_key(struct daemon *d)
{
	char path[4096], why[4200];
	uint8_t seed[crypto_sign_SEEDBYTES];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/daemon.key", d->statedir);
	fd = gk_safe_open(path, 0, 0, 077, NULL, why, sizeof(why));
	if (fd == GK_ERR_NOTFOUND) {
		crypto_sign_keypair(d->pk, d->sk);
		if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC |
		    O_NOFOLLOW, 0600)) == -1) {
			dlog(d, LOG_ERR, "%s: %s", path, strerror(errno));
			return -1;
		}
		if (write(fd, d->sk, sizeof(d->sk)) != (ssize_t)sizeof(d->sk) ||
		    fsync(fd) == -1) {
			dlog(d, LOG_ERR, "%s: write failed", path);
			close(fd);
			unlink(path);
			return -1;
		}
		close(fd);
		return 0;
	}
	if (fd < 0) {
		dlog(d, LOG_ERR, "daemon key: %s", why);
		return -1;
	}
	n = read(fd, d->sk, sizeof(d->sk));
	close(fd);
	if (n != (ssize_t)sizeof(d->sk)) {
		dlog(d, LOG_ERR, "%s: not a daemon key", path);
		return -1;
	}
	crypto_sign_ed25519_sk_to_seed(seed, d->sk);
	crypto_sign_seed_keypair(d->pk, d->sk, seed);
	sodium_memzero(seed, sizeof(seed));
	return 0;
}

static const char SQL_META_GET[] = "SELECT value FROM meta WHERE key = ?";
static const char SQL_META_PUT[] =
    "INSERT OR IGNORE INTO meta(key, value) VALUES (?, ?)";

static int
meta_init(struct daemon *d)
{
	sqlite3_stmt *st;
	uint8_t rnd[8];
	char hn[48], id[17];
	int r = 0;

	st = stmt(d, SQL_META_GET);
	sqlite3_bind_text(st, 1, "daemon_pubkey", -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		if (sqlite3_column_bytes(st, 0) != 32 ||
		    memcmp(sqlite3_column_blob(st, 0), d->pk, 32) != 0) {
			dlog(d, LOG_ERR, "daemon.key does not match the key that "
			    "signed this database's checkpoints");
			r = -1;
		}
	} else {
		st = stmt(d, SQL_META_PUT);
		sqlite3_bind_text(st, 1, "daemon_pubkey", -1, SQLITE_STATIC);
		sqlite3_bind_blob(st, 2, d->pk, 32, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_DONE)
			r = -1;
	}
	st = stmt(d, SQL_META_GET);
	sqlite3_bind_text(st, 1, "host_id", -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		snprintf(d->host, sizeof(d->host), "%s",
		    (const char *)sqlite3_column_text(st, 0));
	} else {
		if (gethostname(hn, sizeof(hn)) == -1)
			snprintf(hn, sizeof(hn), "localhost");
		hn[sizeof(hn) - 1] = '\0';
		randombytes_buf(rnd, sizeof(rnd));
		gk_hex(rnd, sizeof(rnd), id);
		snprintf(d->host, sizeof(d->host), "%s/%s", hn, id);
		st = stmt(d, SQL_META_PUT);
		sqlite3_bind_text(st, 1, "host_id", -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, d->host, -1, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_DONE)
			r = -1;
	}
	sqlite3_reset(st);
	return r;
}

int
store_open(struct daemon *d)
{
	char path[4096];
	int fd;

	if (load_key(d) != 0)
		return -1;
	snprintf(path, sizeof(path), "%s/gatekeeper.db", d->statedir);
	/* Create it 0600 ourselves: SQLite would follow the umask. */
	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600)) == -1) {
		dlog(d, LOG_ERR, "%s: %s", path, strerror(errno));
		return -1;
	}
	close(fd);
	/* The loop's thread alone uses it: no SQLite mutex per call. */
	if (sqlite3_open_v2(path, &d->db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_NOFOLLOW | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		dlog(d, LOG_ERR, "%s: %s", path, sqlite3_errmsg(d->db));
		return -1;
	}
	sqlite3_db_config(d->db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
	sqlite3_db_config(d->db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, NULL);
	sqlite3_busy_timeout(d->db, 5000);
	if (exec_sql(d, "PRAGMA journal_mode=WAL") != 0 ||
	    exec_sql(d, "PRAGMA synchronous=FULL") != 0 ||
	    exec_sql(d, gk_schema_sql) != 0 || exec_sql(d, gov_schema_sql) != 0 ||
	    add_path_ids(d) != 0)
		return -1;
	/* Prepared now, so that no error path is the first to prepare one
	 * (stmt() stops the daemon when it cannot). */
	stmt(d, TX_BEGIN);
	stmt(d, TX_COMMIT);
	stmt(d, TX_ROLLBACK);
	stmt(d, TX_SAVEPOINT);
	stmt(d, TX_RELEASE);
	stmt(d, TX_ROLLBACK_TO);
	if (store_begin(d) != 0 || meta_init(d) != 0 || store_commit(d) != 0)
		return -1;
	load_head(d);
	return 0;
}

void
store_close(struct daemon *d)
{
	size_t i;

	for (i = 0; i < MAX_STMTS && cache[i].sql != NULL; i++) {
		sqlite3_finalize(cache[i].st);
		cache[i].sql = NULL;
	}
	if (d->db != NULL)
		sqlite3_close(d->db);
	d->db = NULL;
	sodium_memzero(d->sk, sizeof(d->sk));
}

int
audit_append(struct daemon *d, const char *event, int64_t uid,
    const char *user, int64_t request, const char *session,
    const char *command, const char *detail)
{
	struct gk_audit_rec rec;
	sqlite3_stmt *st;
	char *clean = NULL, *cmd = NULL, *sess = NULL, *p;
	int r = 0;

	/* Root, approvers and the audit group read these: an OTP someone
	 * typed in the wrong place must not reach them. */
	if ((clean = gk_otp_redact(detail != NULL ? detail : "")) == NULL ||
	    (cmd = gk_otp_redact(command != NULL ? command : "")) == NULL ||
	    (sess = gk_otp_redact(session != NULL ? session : "")) == NULL) {
		r = GK_ERR_ALLOC;
		goto out;
	}
	/* A detail is one line of key=value text: controls never reach it. */
	for (p = clean; *p; p++)
		if ((unsigned char)*p < ' ')
			*p = '?';
	memset(&rec, 0, sizeof(rec));
	rec.seq = d->seq + 1;
	rec.time = time(NULL);
	rec.event = event;
	rec.uid = uid;
	rec.user = user ? user : "";
	rec.request = request;
	rec.session = sess;
	rec.command = cmd;
	rec.detail = clean;
	memcpy(rec.prev, d->head, GK_DIGEST_LEN);
	if (gk_audit_hash(&rec) != 0) {
		r = GK_ERR_ALLOC;
		goto out;
	}
	st = stmt(d, gk_audit_insert_sql);
	gk_audit_bind(st, &rec);
	if (sqlite3_step(st) != SQLITE_DONE) {
		dlog(d, LOG_ERR, "audit insert: %s", sqlite3_errmsg(d->db));
		r = GK_ERR_DB;
	} else {
		d->seq = rec.seq;
		memcpy(d->head, rec.hash, GK_DIGEST_LEN);
	}
	sqlite3_reset(st);
 out:
	free(clean);
	free(cmd);
	free(sess);
	return r;
}

int
audit_event(struct daemon *d, const char *event, int64_t uid,
    const char *user, int64_t request, const char *session,
    const char *command, const char *detail)
{
	if (store_begin(d) != 0)
		return GK_ERR_DB;
	if (audit_append(d, event, uid, user, request, session, command,
	    detail) != 0) {
		store_rollback(d);
		return GK_ERR_DB;
	}
	if (store_commit(d) != 0)
		return GK_ERR_DB;
	checkpoint_maybe(d, 0);
	return 0;
}

static const char SQL_CP_INSERT[] =
    "INSERT OR REPLACE INTO checkpoints(seq, hash, time, sig) VALUES (?, ?, ?, ?)";

static int
checkpoint_make(struct daemon *d, struct gk_checkpoint *c)
{
	struct gk_buf b;

	memset(c, 0, sizeof(*c));
	c->seq = d->seq;
	c->time = time(NULL);
	memcpy(c->hash, d->head, GK_DIGEST_LEN);
	memcpy(c->key, d->pk, 32);
	gk_buf_init(&b, 4096);
	if (gk_checkpoint_message(&b, c->seq, c->hash, c->time) != 0) {
		gk_buf_free(&b);
		return -1;
	}
	crypto_sign_detached(c->sig, NULL, b.data, b.len, d->sk);
	gk_buf_free(&b);
	return 0;
}

void
checkpoint_maybe(struct daemon *d, int force)
{
	struct gk_checkpoint c;
	sqlite3_stmt *st;
	char line[512];
	int64_t now = time(NULL);

	if (d->seq == 0 || d->seq == d->cp_seq)
		return;
	if (!force && d->seq - d->cp_seq < CHECKPOINT_EVERY &&
	    now - d->cp_time < CHECKPOINT_SECONDS)
		return;
	if (checkpoint_make(d, &c) != 0)
		return;
	st = stmt(d, SQL_CP_INSERT);
	sqlite3_bind_int64(st, 1, c.seq);
	sqlite3_bind_blob(st, 2, c.hash, GK_DIGEST_LEN, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, c.time);
	sqlite3_bind_blob(st, 4, c.sig, 64, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE) {
		dlog(d, LOG_ERR, "checkpoint: %s", sqlite3_errmsg(d->db));
		sqlite3_reset(st);
		return;
	}
	sqlite3_reset(st);
	d->cp_seq = c.seq;
	d->cp_time = c.time;
	if (gk_checkpoint_format(&c, line, sizeof(line)) == 0)
		dlog(d, LOG_NOTICE, "%s", line);
}

int
checkpoint_line(struct daemon *d, char *out, size_t n)
{
	struct gk_checkpoint c;

	checkpoint_maybe(d, 1);
	if (checkpoint_make(d, &c) != 0)
		return -1;
	return gk_checkpoint_format(&c, out, n);
}
