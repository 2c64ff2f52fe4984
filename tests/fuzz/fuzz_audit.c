/*
 * libFuzzer target: the audit store as `gk-audit verify --db` reads it
 * from a file nobody vouches for. The input fills an in-memory database
 * with the real schema, row by row; with the "fix" flag the target then
 * makes it consistent where a fuzzer cannot (request digests and terms,
 * the hash chain, checkpoints signed with a fixed key, one of them at the
 * last record), so verification goes deep.
 * Then:
 * - gk_audit_verify answers 0, 1 or a GK_ERR_*, the same twice;
 * - when it says intact, changing any byte of any audit record makes it
 *   say tampered;
 * - every request row loads or is refused (gk_reqrow_load), its lists
 *   decode and encode back to the same bytes;
 * - text chunks parse as checkpoint lines or not, and a parsed one
 *   formats back to a line that parses to the same.
 *
 * Input: flags byte, then rows: table byte, then per column a type byte
 * (int, text, blob, null) and a length byte, then that many bytes.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>
#include <sqlite3.h>

#include "alloc_fail.h"
#include "audit.h"
#include "buf.h"
#include "canon.h"
#include "gk_err.h"
#include "policy.h"
#include "reqrow.h"

#define F_FIX		0x01	/* digests, chain and checkpoints made right */
#define F_ANCHOR	0x02	/* verify against a checkpoint of the last record */

static const struct {
	const char	*name;
	int		 ncols;
} tables[] = {
	{ "audit", 11 }, { "requests", 25 }, { "approvals", 7 },
	{ "checkpoints", 4 }, { "meta", 2 },
};

static uint8_t	sk[64], pk[32];

static void
check(int ok)
{
	if (!ok)
		abort();
}

struct in {
	const uint8_t	*p;
	size_t		 n;
};

static int
take(struct in *in, size_t n, const uint8_t **p)
{
	if (in->n < n)
		return -1;
	*p = in->p;
	in->p += n;
	in->n -= n;
	return 0;
}

static void
bind_value(sqlite3_stmt *st, int i, uint8_t type, const uint8_t *p, size_t n)
{
	uint64_t v = 0;
	size_t k;

	switch (type % 4) {
	case 0:
		for (k = 0; k < n && k < 8; k++)
			v = v << 8 | p[k];
		sqlite3_bind_int64(st, i, (int64_t)v);
		break;
	case 1:
		sqlite3_bind_text(st, i, (const char *)p, (int)n, SQLITE_TRANSIENT);
		break;
	case 2:
		sqlite3_bind_blob(st, i, n ? (const void *)p : "", (int)n,
		    SQLITE_TRANSIENT);
		break;
	default:
		sqlite3_bind_null(st, i);
		break;
	}
}

/* Each request record carries the digest and terms of its row and its
 * session, as the daemon writes. */
static void
fix_digests(sqlite3 *db)
{
	struct gk_request_fields f;
	struct gk_reqrow row;
	sqlite3_stmt *st, *up, *ur;
	uint8_t dg[GK_DIGEST_LEN], th[GK_DIGEST_LEN];
	char hex[2 * GK_DIGEST_LEN + 1], thex[2 * GK_DIGEST_LEN + 1], *detail;
	const unsigned char *old;

	if (sqlite3_prepare_v2(db, "SELECT seq, request, detail FROM audit "
	    "WHERE event = 'request'", -1, &st, NULL) != SQLITE_OK)
		return;
	sqlite3_prepare_v2(db, "UPDATE audit SET detail = ?, session = ? WHERE "
	    "seq = ?", -1, &up, NULL);
	sqlite3_prepare_v2(db, "UPDATE requests SET digest = ? WHERE id = ?", -1,
	    &ur, NULL);
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (gk_reqrow_load(db, sqlite3_column_int64(st, 1), &row) != 0)
			continue;
		gk_reqrow_fields(&row, &f);
		if (gk_request_digest(&f, dg) == 0 &&
		    gk_request_terms(row.need, row.set_name, row.nmembers,
		    row.members, row.delay, row.session, th) == 0) {
			gk_hex(dg, sizeof(dg), hex);
			gk_hex(th, sizeof(th), thex);
			old = sqlite3_column_text(st, 2);
			if ((detail = sqlite3_mprintf("digest=%s terms=%s %s", hex,
			    thex, old ? (const char *)old : "")) != NULL) {
				sqlite3_bind_text(up, 1, detail, -1, sqlite3_free);
				sqlite3_bind_text(up, 2, row.session, -1,
				    SQLITE_TRANSIENT);
				sqlite3_bind_int64(up, 3, sqlite3_column_int64(st, 0));
				sqlite3_step(up);
				sqlite3_reset(up);
			}
			sqlite3_bind_blob(ur, 1, dg, sizeof(dg), SQLITE_TRANSIENT);
			sqlite3_bind_int64(ur, 2, row.id);
			sqlite3_step(ur);
			sqlite3_reset(ur);
		}
		gk_reqrow_free(&row);
	}
	sqlite3_finalize(ur);
	sqlite3_finalize(up);
	sqlite3_finalize(st);
}

/* prev and hash of every record made right, as verify computes them. */
static void
fix_chain(sqlite3 *db, uint8_t last[GK_DIGEST_LEN], int64_t *lastseq)
{
	struct gk_audit_rec rec;
	sqlite3_stmt *st, *up;
	uint8_t prev[GK_DIGEST_LEN] = { 0 };
	const unsigned char *s;

	if (sqlite3_prepare_v2(db, "SELECT seq, time, event, uid, user, request, "
	    "session, command, detail FROM audit ORDER BY seq", -1, &st,
	    NULL) != SQLITE_OK)
		return;
	sqlite3_prepare_v2(db, "UPDATE audit SET prev = ?, hash = ? WHERE seq = ?",
	    -1, &up, NULL);
	while (sqlite3_step(st) == SQLITE_ROW) {
		memset(&rec, 0, sizeof(rec));
		rec.seq = sqlite3_column_int64(st, 0);
		rec.time = sqlite3_column_int64(st, 1);
		rec.uid = sqlite3_column_int64(st, 3);
		rec.request = sqlite3_column_int64(st, 5);
#define TXT(i) ((s = sqlite3_column_text(st, i)) ? (const char *)s : "")
		rec.event = TXT(2);
		rec.user = TXT(4);
		rec.session = TXT(6);
		rec.command = TXT(7);
		rec.detail = TXT(8);
#undef TXT
		memcpy(rec.prev, prev, sizeof(prev));
		if (gk_audit_hash(&rec) != 0)
			break;
		sqlite3_bind_blob(up, 1, prev, sizeof(prev), SQLITE_TRANSIENT);
		sqlite3_bind_blob(up, 2, rec.hash, sizeof(rec.hash),
		    SQLITE_TRANSIENT);
		sqlite3_bind_int64(up, 3, rec.seq);
		sqlite3_step(up);
		sqlite3_reset(up);
		memcpy(prev, rec.hash, sizeof(prev));
		*lastseq = rec.seq;
	}
	memcpy(last, prev, GK_DIGEST_LEN);
	sqlite3_finalize(up);
	sqlite3_finalize(st);
}

/* Every checkpoint row signed with the fixed key over its record's hash,
 * and one at the last record, as a stopped daemon leaves it. */
static void
fix_checkpoints(sqlite3 *db, int64_t lastseq)
{
	struct gk_buf b;
	sqlite3_stmt *st, *up;
	uint8_t sig[64];

	if (lastseq > 0 && sqlite3_prepare_v2(db, "INSERT OR IGNORE INTO "
	    "checkpoints VALUES (?, zeroblob(32), 1, zeroblob(64))", -1, &st,
	    NULL) == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, lastseq);
		sqlite3_step(st);
		sqlite3_finalize(st);
	}

	if (sqlite3_prepare_v2(db, "SELECT c.seq, a.hash, c.time FROM "
	    "checkpoints c JOIN audit a ON a.seq = c.seq", -1, &st, NULL) !=
	    SQLITE_OK)
		return;
	sqlite3_prepare_v2(db, "UPDATE checkpoints SET hash = ?, sig = ? "
	    "WHERE seq = ?", -1, &up, NULL);
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (sqlite3_column_bytes(st, 1) != GK_DIGEST_LEN)
			continue;
		gk_buf_init(&b, 4096);
		if (gk_checkpoint_message(&b, sqlite3_column_int64(st, 0),
		    sqlite3_column_blob(st, 1), sqlite3_column_int64(st, 2)) == 0) {
			crypto_sign_detached(sig, NULL, b.data, b.len, sk);
			sqlite3_bind_blob(up, 1, sqlite3_column_blob(st, 1),
			    GK_DIGEST_LEN, SQLITE_TRANSIENT);
			sqlite3_bind_blob(up, 2, sig, sizeof(sig), SQLITE_TRANSIENT);
			sqlite3_bind_int64(up, 3, sqlite3_column_int64(st, 0));
			sqlite3_step(up);
			sqlite3_reset(up);
		}
		gk_buf_free(&b);
	}
	sqlite3_finalize(up);
	sqlite3_finalize(st);
}

/* Lists decode, and encode back to the stored bytes. */
static void
check_lists(sqlite3 *db)
{
	static const char *const cols[] = { "argv", "paths", "members" };
	struct gk_reqrow row;
	struct gk_buf b;
	sqlite3_stmt *st;
	char sql[96], **v;
	size_t n, i;
	int r;

	for (i = 0; i < 3; i++) {
		snprintf(sql, sizeof(sql), "SELECT %s FROM requests", cols[i]);
		if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
			continue;
		while (sqlite3_step(st) == SQLITE_ROW) {
			const void *p = sqlite3_column_blob(st, 0);
			size_t len = (size_t)sqlite3_column_bytes(st, 0);

			if ((r = gk_strlist_decode(p ? p : "", len, &v, &n)) != 0) {
				check(v == NULL && n == 0);
				check(r != GK_ERR_ALLOC || gk_fa_failed());
				continue;
			}
			gk_buf_init(&b, 4 * 1024 * 1024);
			if (gk_strlist_encode(&b, n, v) == 0)
				check(b.len == len && memcmp(b.data, p, len) == 0);
			else
				check(gk_fa_failed());
			gk_buf_free(&b);
			gk_strv_free(v, n);
		}
		sqlite3_finalize(st);
	}
	if (sqlite3_prepare_v2(db, "SELECT id FROM requests", -1, &st, NULL) !=
	    SQLITE_OK)
		return;
	while (sqlite3_step(st) == SQLITE_ROW) {
		r = gk_reqrow_load(db, sqlite3_column_int64(st, 0), &row);
		if (r == 0) {
			check(row.argv != NULL && row.argv[row.argc] == NULL);
			gk_reqrow_free(&row);
		} else
			check(r == GK_ERR_FORMAT || r == GK_ERR_SHORT ||
			    r == GK_ERR_LIMIT || r == GK_ERR_DB ||
			    (r == GK_ERR_ALLOC && gk_fa_failed()));
	}
	sqlite3_finalize(st);
}

static void
check_checkpoint_line(const uint8_t *p, size_t n)
{
	struct gk_checkpoint c, d;
	char line[1024], out[1024];

	if (n >= sizeof(line))
		return;
	memcpy(line, p, n);
	line[n] = '\0';
	if (gk_checkpoint_parse(line, &c) != 0)
		return;
	check(gk_checkpoint_format(&c, out, sizeof(out)) == 0);
	check(gk_checkpoint_parse(out, &d) == 0);
	check(memcmp(&c, &d, sizeof(c)) == 0);
	(void)gk_checkpoint_check(&c);
}

/* Any one-byte change to an intact log's audit rows is caught. */
static void
check_tamper(sqlite3 *db, uint8_t pick, char *msg, size_t msglen)
{
	static const char *const cols[] = { "time", "event", "uid", "user",
	    "request", "session", "command", "detail", "prev", "hash" };
	sqlite3_stmt *st, *up;
	const char *c = cols[pick % 10];
	uint8_t *v = NULL;
	char sql[160];
	int64_t seq;
	size_t n;
	int r, type;

	snprintf(sql, sizeof(sql), "SELECT seq, %s FROM audit ORDER BY seq "
	    "DESC LIMIT 1", c);
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return;
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_finalize(st);
		return;
	}
	seq = sqlite3_column_int64(st, 0);
	type = sqlite3_column_type(st, 1);
	snprintf(sql, sizeof(sql), "UPDATE audit SET %s = ? WHERE seq = ?", c);
	if (sqlite3_prepare_v2(db, sql, -1, &up, NULL) != SQLITE_OK) {
		sqlite3_finalize(st);
		return;
	}
	if (type == SQLITE_INTEGER)
		sqlite3_bind_int64(up, 1, sqlite3_column_int64(st, 1) ^ 1);
	else {
		n = (size_t)sqlite3_column_bytes(st, 1);
		if ((v = malloc(n + 3)) == NULL)
			goto out;
		if (n > 0)
			memcpy(v, sqlite3_column_blob(st, 1), n);
		if ((pick / 10) % 2 == 1) {
			/* bytes hidden after a NUL, where C strings end */
			v[n++] = '\0';
			v[n++] = 'x';
		} else {
			if (n == 0)
				v[n++] = ' ';	/* empty: one byte more */
			v[0] ^= 1;
		}
		if (type == SQLITE_BLOB)
			sqlite3_bind_blob(up, 1, v, (int)n, SQLITE_TRANSIENT);
		else
			sqlite3_bind_text(up, 1, (char *)v, (int)n,
			    SQLITE_TRANSIENT);
	}
	sqlite3_bind_int64(up, 2, seq);
	if (sqlite3_step(up) != SQLITE_DONE)
		goto out;
	r = gk_audit_verify(db, NULL, msg, msglen);
	check(r != 0);
 out:
	free(v);
	sqlite3_finalize(up);
	sqlite3_finalize(st);
}

int
gk_fuzz_one(const uint8_t *data, size_t size)
{
	static const char *const ph = "?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,"
	    "?,?,?,?,?,?";
	static int keyed;
	struct gk_checkpoint anchor, *ap = NULL;
	struct in in = { data, size };
	sqlite3_stmt *ins[5] = { 0 };
	sqlite3 *db;
	const uint8_t *p, *v;
	uint8_t flags, last[GK_DIGEST_LEN], h[2], t;
	char sql[256], msg[512], msg2[512];
	int64_t lastseq = 0, nseq = 0;
	struct gk_buf b;
	size_t i;
	int c, r, r2;

	if (!keyed) {
		uint8_t seed[32];

		memset(seed, 7, sizeof(seed));
		crypto_sign_seed_keypair(pk, sk, seed);
		keyed = 1;
	}
	if (take(&in, 1, &p) != 0)
		return 0;
	flags = p[0];
	if (sqlite3_open(":memory:", &db) != SQLITE_OK) {
		sqlite3_close(db);
		return 0;
	}
	if (sqlite3_exec(db, gk_schema_sql, NULL, NULL, NULL) != SQLITE_OK)
		goto out;
	for (i = 0; i < 5; i++) {
		snprintf(sql, sizeof(sql), "INSERT OR IGNORE INTO %s VALUES(%.*s)",
		    tables[i].name, 2 * tables[i].ncols - 1, ph);
		if (sqlite3_prepare_v2(db, sql, -1, &ins[i], NULL) != SQLITE_OK)
			goto out;
	}
	if (flags & F_FIX)
		sqlite3_exec(db, "INSERT INTO meta VALUES('daemon_pubkey', x'"
		    "00')", NULL, NULL, NULL);
	while (take(&in, 1, &p) == 0) {
		t = p[0] % 5;
		for (c = 0; c < tables[t].ncols; c++) {
			if (take(&in, 2, &v) != 0)
				break;
			h[0] = v[0];
			h[1] = v[1];
			if (take(&in, h[1], &v) != 0)
				break;
			if (h[0] % 4 == 1 && c == 0)
				check_checkpoint_line(v, h[1]);
			bind_value(ins[t], c + 1, h[0], v, h[1]);
		}
		if (t == 0 && (flags & F_FIX))
			sqlite3_bind_int64(ins[t], 1, ++nseq);
		sqlite3_step(ins[t]);
		sqlite3_reset(ins[t]);
		sqlite3_clear_bindings(ins[t]);
	}
	if (flags & F_FIX) {
		sqlite3_stmt *k;

		if (sqlite3_prepare_v2(db, "UPDATE meta SET value = ? WHERE key = "
		    "'daemon_pubkey'", -1, &k, NULL) == SQLITE_OK) {
			sqlite3_bind_blob(k, 1, pk, sizeof(pk), SQLITE_STATIC);
			sqlite3_step(k);
			sqlite3_finalize(k);
		}
		fix_digests(db);
		fix_chain(db, last, &lastseq);
		fix_checkpoints(db, lastseq);
		if ((flags & F_ANCHOR) && lastseq > 0) {
			memset(&anchor, 0, sizeof(anchor));
			anchor.seq = lastseq;
			anchor.time = 1;
			memcpy(anchor.hash, last, sizeof(last));
			memcpy(anchor.key, pk, sizeof(pk));
			gk_buf_init(&b, 4096);
			if (gk_checkpoint_message(&b, anchor.seq, anchor.hash,
			    anchor.time) == 0) {
				crypto_sign_detached(anchor.sig, NULL, b.data, b.len,
				    sk);
				ap = &anchor;
			}
			gk_buf_free(&b);
		}
	}
	check_lists(db);
	memset(msg, 'x', sizeof(msg));
	r = gk_audit_verify(db, ap, msg, sizeof(msg));
	check(r == 0 || r == 1 || (r < 0 && r >= GK_ERR_CHANGED));
	check(memchr(msg, '\0', sizeof(msg)) != NULL);
	if (!gk_fa_failed()) {
		r2 = gk_audit_verify(db, ap, msg2, sizeof(msg2));
		check(r2 == r || gk_fa_failed());
		if (r2 == r && !gk_fa_failed())
			check(strcmp(msg, msg2) == 0);
	}
	if (r == 0 && !gk_fa_failed())
		check_tamper(db, flags >> 2, msg, sizeof(msg));
 out:
	for (i = 0; i < 5; i++)
		sqlite3_finalize(ins[i]);
	sqlite3_close(db);
	return 0;
}
