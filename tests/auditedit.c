/*
 * A test-only tool that rewrites an audit log the way an attacker with
 * write access to gatekeeper.db would. Never installed.
 *
 *   auditedit DB rechain          renumber the audit records gaplessly and
 *                                 recompute every prev and hash (no key is
 *                                 needed for that: the chain is unkeyed)
 *   auditedit DB terms ID [KEYFILE]  rewrite terms= in request ID's
 *                                 `request` record from its row as it is
 *                                 now, then rechain (and resign)
 *   auditedit DB resign KEYFILE   also sign every checkpoint again at its
 *                                 (new) record with the daemon key in
 *                                 KEYFILE (64 bytes), dropping those past
 *                                 the end: an attacker holding that key
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>
#include <sqlite3.h>

#include "audit.h"
#include "buf.h"
#include "reqrow.h"

static sqlite3 *db;

static void
die(const char *what)
{
	fprintf(stderr, "auditedit: %s: %s\n", what, sqlite3_errmsg(db));
	exit(1);
}

static void
exec_sql(const char *sql)
{
	if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
		die(sql);
}

static void
rechain(void)
{
	sqlite3_stmt *sel, *ren, *up;
	struct gk_audit_rec rec;
	uint8_t prev[GK_DIGEST_LEN] = { 0 };
	int64_t n = 0, old;

	/* Renumber, lowest first: a new number is never above the old. */
	if (sqlite3_prepare_v2(db, "SELECT seq FROM audit ORDER BY seq", -1,
	    &sel, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "UPDATE audit SET seq = ? WHERE seq = ?",
	    -1, &ren, NULL) != SQLITE_OK)
		die("prepare");
	while (sqlite3_step(sel) == SQLITE_ROW) {
		old = sqlite3_column_int64(sel, 0);
		n++;
		if (old == n)
			continue;
		sqlite3_bind_int64(ren, 1, n);
		sqlite3_bind_int64(ren, 2, old);
		if (sqlite3_step(ren) != SQLITE_DONE)
			die("renumber");
		sqlite3_reset(ren);
	}
	sqlite3_finalize(sel);
	sqlite3_finalize(ren);

	if (sqlite3_prepare_v2(db, "SELECT seq, time, event, uid, user, "
	    "request, session, command, detail FROM audit ORDER BY seq", -1,
	    &sel, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "UPDATE audit SET prev = ?, hash = ? WHERE "
	    "seq = ?", -1, &up, NULL) != SQLITE_OK)
		die("prepare");
	while (sqlite3_step(sel) == SQLITE_ROW) {
		memset(&rec, 0, sizeof(rec));
		rec.seq = sqlite3_column_int64(sel, 0);
		rec.time = sqlite3_column_int64(sel, 1);
		rec.event = (const char *)sqlite3_column_text(sel, 2);
		rec.uid = sqlite3_column_int64(sel, 3);
		rec.user = (const char *)sqlite3_column_text(sel, 4);
		rec.request = sqlite3_column_int64(sel, 5);
		rec.session = (const char *)sqlite3_column_text(sel, 6);
		rec.command = (const char *)sqlite3_column_text(sel, 7);
		rec.detail = (const char *)sqlite3_column_text(sel, 8);
		memcpy(rec.prev, prev, GK_DIGEST_LEN);
		if (gk_audit_hash(&rec) != 0)
			die("hash");
		memcpy(prev, rec.hash, GK_DIGEST_LEN);
		sqlite3_bind_blob(up, 1, rec.prev, GK_DIGEST_LEN, SQLITE_STATIC);
		sqlite3_bind_blob(up, 2, rec.hash, GK_DIGEST_LEN, SQLITE_STATIC);
		sqlite3_bind_int64(up, 3, rec.seq);
		if (sqlite3_step(up) != SQLITE_DONE)
			die("rehash");
		sqlite3_reset(up);
	}
	sqlite3_finalize(sel);
	sqlite3_finalize(up);
}

static void
terms(int64_t id)
{
	struct gk_reqrow row;
	sqlite3_stmt *st;
	uint8_t h[GK_DIGEST_LEN];
	char hex[2 * GK_DIGEST_LEN + 1], detail[2048], *p;

	if (gk_reqrow_load(db, id, &row) != 0 ||
	    gk_request_terms(row.need, row.set_name, row.nmembers, row.members,
	    row.delay, row.session, h) != 0)
		die("request row");
	gk_reqrow_free(&row);
	gk_hex(h, sizeof(h), hex);
	if (sqlite3_prepare_v2(db, "SELECT detail FROM audit WHERE request = ? "
	    "AND event = 'request'", -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 1, id) != SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_ROW)
		die("request record");
	snprintf(detail, sizeof(detail), "%s", sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	if ((p = strstr(detail, " terms=")) == NULL ||
	    strlen(p) < 7 + 2 * GK_DIGEST_LEN)
		die("terms=");
	memcpy(p + 7, hex, 2 * GK_DIGEST_LEN);
	if (sqlite3_prepare_v2(db, "UPDATE audit SET detail = ? WHERE request = ? "
	    "AND event = 'request'", -1, &st, NULL) != SQLITE_OK)
		die("prepare");
	sqlite3_bind_text(st, 1, detail, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, id);
	if (sqlite3_step(st) != SQLITE_DONE)
		die("update");
	sqlite3_finalize(st);
}

static void
resign(const char *keyfile)
{
	sqlite3_stmt *sel, *up;
	struct gk_buf m;
	uint8_t sk[64], sig[64], hash[GK_DIGEST_LEN];
	int64_t seq, t;
	int fd;

	if ((fd = open(keyfile, O_RDONLY)) == -1 ||
	    read(fd, sk, sizeof(sk)) != (ssize_t)sizeof(sk)) {
		fprintf(stderr, "auditedit: %s: not a daemon key\n", keyfile);
		exit(1);
	}
	close(fd);
	exec_sql("DELETE FROM checkpoints WHERE seq > (SELECT max(seq) FROM "
	    "audit)");
	if (sqlite3_prepare_v2(db, "SELECT c.seq, c.time, a.hash FROM "
	    "checkpoints c JOIN audit a ON a.seq = c.seq", -1, &sel,
	    NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "UPDATE checkpoints SET hash = ?, sig = ? "
	    "WHERE seq = ?", -1, &up, NULL) != SQLITE_OK)
		die("prepare");
	while (sqlite3_step(sel) == SQLITE_ROW) {
		seq = sqlite3_column_int64(sel, 0);
		t = sqlite3_column_int64(sel, 1);
		memcpy(hash, sqlite3_column_blob(sel, 2), GK_DIGEST_LEN);
		gk_buf_init(&m, 4096);
		if (gk_checkpoint_message(&m, seq, hash, t) != 0)
			die("checkpoint message");
		crypto_sign_detached(sig, NULL, m.data, m.len, sk);
		gk_buf_free(&m);
		sqlite3_bind_blob(up, 1, hash, GK_DIGEST_LEN, SQLITE_STATIC);
		sqlite3_bind_blob(up, 2, sig, sizeof(sig), SQLITE_STATIC);
		sqlite3_bind_int64(up, 3, seq);
		if (sqlite3_step(up) != SQLITE_DONE)
			die("resign");
		sqlite3_reset(up);
	}
	sqlite3_finalize(sel);
	sqlite3_finalize(up);
	sodium_memzero(sk, sizeof(sk));
}

int
main(int argc, char **argv)
{
	const char *key = NULL;

	if (sodium_init() < 0 || argc < 3)
		goto usage;
	if (strcmp(argv[2], "rechain") == 0 && argc == 3)
		;
	else if (strcmp(argv[2], "resign") == 0 && argc == 4)
		key = argv[3];
	else if (strcmp(argv[2], "terms") == 0 && (argc == 4 || argc == 5))
		key = argc == 5 ? argv[4] : NULL;
	else
		goto usage;
	if (sqlite3_open(argv[1], &db) != SQLITE_OK)
		die("open");
	exec_sql("BEGIN");
	if (strcmp(argv[2], "terms") == 0)
		terms(strtoll(argv[3], NULL, 10));
	rechain();
	if (key != NULL)
		resign(key);
	exec_sql("COMMIT");
	return sqlite3_close(db) == SQLITE_OK ? 0 : 1;
 usage:
	fprintf(stderr, "usage: auditedit DB rechain | auditedit DB resign "
	    "KEYFILE | auditedit DB terms ID [KEYFILE]\n");
	return 2;
}
