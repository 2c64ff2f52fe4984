/* Unit tests for lib/audit.c: the record hash (what every stored chain
 * and gk-audit verify depend on). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>
#include <sqlite3.h>

#include "audit.h"
#include "canon.h"
#include "gk_err.h"
#include "hand_enc.h"
#include "reqrow.h"

/* hash = BLAKE2b-256(prev || tag, seq, time, event, uid, user, request,
 * session, command, detail), by hand. */
static void
hand_hash(const struct gk_audit_rec *r, uint8_t out[GK_DIGEST_LEN])
{
	struct enc e = { NULL, 0, 0 };

	enc_raw(&e, r->prev, GK_DIGEST_LEN);
	enc_str(&e, GK_TAG_AUDIT);
	enc_int(&e, (uint64_t)r->seq);
	enc_int(&e, (uint64_t)r->time);
	enc_str(&e, r->event);
	enc_int(&e, (uint64_t)r->uid);
	enc_str(&e, r->user);
	enc_int(&e, (uint64_t)r->request);
	enc_str(&e, r->session);
	enc_str(&e, r->command);
	enc_str(&e, r->detail);
	crypto_generichash(out, GK_DIGEST_LEN, e.b, e.n, NULL, 0);
	free(e.b);
}

static void
sample(struct gk_audit_rec *r)
{
	size_t i;

	memset(r, 0, sizeof(*r));
	r->seq = 42;
	r->time = 1767225600;
	r->event = "exec-end";
	r->uid = -1;
	r->user = "alice";
	r->request = 7;
	r->session = "ssh=192.0.2.1 tty=pts/3";
	r->command = "ls -l /srv";
	r->detail = "state=done status=0";
	for (i = 0; i < GK_DIGEST_LEN; i++)
		r->prev[i] = (uint8_t)(0xa0 + i);
}

/* The hash of a fixed record, as stored logs hold it. */
static void
t_known_answer(void **state)
{
	struct gk_audit_rec r;
	char hex[2 * GK_DIGEST_LEN + 1];
	uint8_t want[GK_DIGEST_LEN];

	(void)state;
	sample(&r);
	assert_int_equal(gk_audit_hash(&r), 0);
	gk_hex(r.hash, GK_DIGEST_LEN, hex);
	assert_string_equal(hex, "8e0bc40031d5ceadb5673d77b0c9250306a3f93a"
	    "422f5954fedae1402e2a2e0d");
	hand_hash(&r, want);
	assert_memory_equal(r.hash, want, GK_DIGEST_LEN);
}

/* Fields of every size (the encoder stages small ones, passes large ones
 * through) and NULL as "": the same hash as by hand. */
static void
t_sizes(void **state)
{
	static const size_t sizes[] = { 0, 1, 100, 400, 511, 512, 513, 1000,
	    5000, 70000 };
	struct gk_audit_rec r;
	uint8_t want[GK_DIGEST_LEN];
	char *big;
	size_t i, j;

	(void)state;
	big = malloc(70001);
	assert_non_null(big);
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		for (j = 0; j < sizes[i]; j++)
			big[j] = (char)('a' + (i + j) % 26);
		big[sizes[i]] = '\0';
		sample(&r);
		r.command = big;
		r.detail = i % 2 ? big : "x";
		assert_int_equal(gk_audit_hash(&r), 0);
		hand_hash(&r, want);
		assert_memory_equal(r.hash, want, GK_DIGEST_LEN);
	}
	sample(&r);
	r.session = NULL;
	assert_int_equal(gk_audit_hash(&r), 0);
	assert_null(r.session);		/* the caller's record is left alone */
	r.session = "";
	hand_hash(&r, want);
	assert_memory_equal(r.hash, want, GK_DIGEST_LEN);
	free(big);
}

/* A record of more than 4 MiB encoded is refused, as it always was; one
 * of exactly 4 MiB is not. */
static void
t_limit(void **state)
{
	struct gk_audit_rec r;
	size_t fixed, n;
	char *big;

	(void)state;
	sample(&r);
	r.command = "";
	/* prev, tag, four integers, five text fields' lengths */
	fixed = GK_DIGEST_LEN + 4 + strlen(GK_TAG_AUDIT) + 4 * 12 + 5 * 4 +
	    strlen(r.event) + strlen(r.user) + strlen(r.session) +
	    strlen(r.detail);
	n = 4 * 1024 * 1024 - fixed;
	big = malloc(n + 2);
	assert_non_null(big);
	memset(big, 'c', n + 1);
	big[n] = '\0';
	r.command = big;
	assert_int_equal(gk_audit_hash(&r), 0);
	big[n] = 'c';
	big[n + 1] = '\0';
	assert_int_equal(gk_audit_hash(&r), GK_ERR_LIMIT);
	free(big);
}

/*
 * gk_audit_verify hashes batches of 8192 records in a second thread while
 * it reads on: a log of three batches and a bit, then faults placed in
 * different batches. The first bad record must be the one named.
 */
#define CHAIN_N	(3 * 8192 + 100)

static sqlite3 *
chain_db(void)
{
	struct gk_audit_rec r;
	sqlite3_stmt *st;
	sqlite3 *db;
	uint8_t prev[GK_DIGEST_LEN] = { 0 };
	char detail[64];
	int64_t i;

	assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, gk_schema_sql, NULL, NULL, NULL),
	    SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "BEGIN", NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, gk_audit_insert_sql, -1, &st,
	    NULL), SQLITE_OK);
	for (i = 1; i <= CHAIN_N; i++) {
		memset(&r, 0, sizeof(r));
		snprintf(detail, sizeof(detail), "rule=r%lld", (long long)i);
		r.seq = i;
		r.time = 1700000000 + i;
		r.event = "local";
		r.uid = 1000;
		r.user = "carl";
		r.session = "s";
		r.command = "true";
		r.detail = detail;
		memcpy(r.prev, prev, GK_DIGEST_LEN);
		assert_int_equal(gk_audit_hash(&r), 0);
		gk_audit_bind(st, &r);
		assert_int_equal(sqlite3_step(st), SQLITE_DONE);
		sqlite3_reset(st);
		memcpy(prev, r.hash, GK_DIGEST_LEN);
	}
	sqlite3_finalize(st);
	assert_int_equal(sqlite3_exec(db, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
	return db;
}

/* Runs sql on a fresh chain; verify must fail naming want. */
static void
chain_fault(const char *sql, const char *want)
{
	sqlite3 *db = chain_db();
	char msg[300];

	if (sql != NULL)
		assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL),
		    SQLITE_OK);
	assert_int_equal(gk_audit_verify(db, NULL, msg, sizeof(msg)), 1);
	if (strcmp(msg, want) != 0)
		fail_msg("\"%s\": got \"%s\"", want, msg);
	sqlite3_close(db);
}

static void
t_chain_batches(void **state)
{
	(void)state;
	/* Intact, but unsigned: the chain passes, the key is missing. */
	chain_fault(NULL, "the daemon's public key is missing");
	/* An edit in the first batch, a deletion in the third. */
	chain_fault("UPDATE audit SET detail = 'x' WHERE seq = 5;"
	    "DELETE FROM audit WHERE seq = 20000",
	    "record 5: hash mismatch (edited)");
	/* The last record of a batch edited, the next batch's first
	 * record's link broken. */
	chain_fault("UPDATE audit SET user = 'mallory' WHERE seq = 8192;"
	    "UPDATE audit SET prev = zeroblob(32) WHERE seq = 8194",
	    "record 8192: hash mismatch (edited)");
	/* A broken link alone, in the second batch. */
	chain_fault("UPDATE audit SET prev = zeroblob(32) WHERE seq = 9000",
	    "record 9000: does not follow record 8999 (edited)");
	/* An edit in the last, partial batch. */
	chain_fault("UPDATE audit SET time = 1 WHERE seq = 24650",
	    "record 24650: hash mismatch (edited)");
	/* A deletion with nothing edited before it. */
	chain_fault("DELETE FROM audit WHERE seq = 16385",
	    "record 16386: sequence broken (expected record 16385: deleted "
	    "or renumbered)");
	/* A record grown past 4 MiB (no daemon writes one) is an edit,
	 * named after an earlier edit still. */
	chain_fault("UPDATE audit SET command = hex(zeroblob(2 * 1024 * 1024)) "
	    "WHERE seq = 10000",
	    "record 10000: larger than any record the daemon writes (edited)");
	chain_fault("UPDATE audit SET detail = 'y' WHERE seq = 9999;"
	    "UPDATE audit SET command = hex(zeroblob(2 * 1024 * 1024)) "
	    "WHERE seq = 10000", "record 9999: hash mismatch (edited)");
	/* A stored hash zeroed (a mismatch at 12000, a broken link at
	 * 12001): an earlier edit in the same batch still comes first. */
	chain_fault("UPDATE audit SET hash = zeroblob(32) WHERE seq = 12000;"
	    "UPDATE audit SET session = 't' WHERE seq = 11000",
	    "record 11000: hash mismatch (edited)");
}

/*
 * Checkpoints: every record covered by a signed one, none further apart
 * than the daemon writes them (issue 14: a rewrite after the last kept
 * checkpoint needs no key, only the checkpoints after it dropped).
 * Signs the chain's record at every multiple of every, and its last.
 */
static void
sign_chain(sqlite3 *db, int64_t every)
{
	struct gk_checkpoint c;
	struct gk_buf m;
	sqlite3_stmt *st, *h;
	uint8_t pk[32], sk[64];
	int64_t seq;

	crypto_sign_keypair(pk, sk);
	assert_int_equal(sqlite3_prepare_v2(db, "INSERT INTO meta VALUES "
	    "('daemon_pubkey', ?)", -1, &st, NULL), SQLITE_OK);
	sqlite3_bind_blob(st, 1, pk, 32, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(st), SQLITE_DONE);
	sqlite3_finalize(st);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT hash FROM audit WHERE "
	    "seq = ?", -1, &h, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "INSERT INTO checkpoints "
	    "VALUES (?, ?, ?, ?)", -1, &st, NULL), SQLITE_OK);
	for (seq = every; ; seq += every) {
		if (seq > CHAIN_N)
			seq = CHAIN_N;
		sqlite3_bind_int64(h, 1, seq);
		assert_int_equal(sqlite3_step(h), SQLITE_ROW);
		memset(&c, 0, sizeof(c));
		c.seq = seq;
		c.time = 1800000000;
		memcpy(c.hash, sqlite3_column_blob(h, 0), GK_DIGEST_LEN);
		sqlite3_reset(h);
		gk_buf_init(&m, 4096);
		assert_int_equal(gk_checkpoint_message(&m, c.seq, c.hash,
		    c.time), 0);
		crypto_sign_detached(c.sig, NULL, m.data, m.len, sk);
		gk_buf_free(&m);
		sqlite3_bind_int64(st, 1, c.seq);
		sqlite3_bind_blob(st, 2, c.hash, GK_DIGEST_LEN, SQLITE_STATIC);
		sqlite3_bind_int64(st, 3, c.time);
		sqlite3_bind_blob(st, 4, c.sig, 64, SQLITE_STATIC);
		assert_int_equal(sqlite3_step(st), SQLITE_DONE);
		sqlite3_reset(st);
		if (seq == CHAIN_N)
			break;
	}
	sqlite3_finalize(st);
	sqlite3_finalize(h);
}

/* A chain signed every `every` records, then sql; verify answers want
 * (0 or 1) with a message starting with msg0. */
static void
cp_case(int64_t every, const char *sql, int want, const char *msg0)
{
	sqlite3 *db = chain_db();
	char msg[400];

	sign_chain(db, every);
	if (sql != NULL)
		assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL),
		    SQLITE_OK);
	assert_int_equal(gk_audit_verify(db, NULL, msg, sizeof(msg)), want);
	if (strncmp(msg, msg0, strlen(msg0)) != 0)
		fail_msg("\"%s\": got \"%s\"", msg0, msg);
	sqlite3_close(db);
}

static void
t_checkpoints(void **state)
{
	char sql[200];

	(void)state;
	cp_case(GK_CHECKPOINT_EVERY, NULL, 0, "intact: 24676 records");
	/* The daemon's bound itself is fine. */
	cp_case(GK_CHECKPOINT_GAP_MAX, NULL, 0, "intact: 24676 records");
	/* The newest records not covered: the last checkpoint dropped. */
	cp_case(GK_CHECKPOINT_EVERY, "DELETE FROM checkpoints WHERE seq = 24676",
	    1, "record 24577: not covered by a signed checkpoint");
	/* No checkpoint at all. */
	cp_case(GK_CHECKPOINT_EVERY, "DELETE FROM checkpoints", 1,
	    "record 1: not covered by a signed checkpoint");
	/* A checkpoint dropped in the middle: two further apart than the
	 * daemon writes them. */
	snprintf(sql, sizeof(sql), "DELETE FROM checkpoints WHERE seq = %d",
	    5 * GK_CHECKPOINT_EVERY);
	snprintf(sql + 100, 100, "record %d: not covered by a signed "
	    "checkpoint within %d records of record %d",
	    4 * GK_CHECKPOINT_EVERY + GK_CHECKPOINT_GAP_MAX + 1,
	    GK_CHECKPOINT_GAP_MAX, 4 * GK_CHECKPOINT_EVERY);
	cp_case(GK_CHECKPOINT_EVERY, sql, 1, sql + 100);
	/* The first one too far from the start. */
	cp_case(GK_CHECKPOINT_GAP_MAX + 1, NULL, 1, "record 1089: not covered "
	    "by a signed checkpoint within 1088 records of record 0");
}

/* The terms hash (reqrow.h) against the hand encoder, and every field
 * taking part. */
static void
t_terms(void **state)
{
	char *mem[] = { "alice", "bob" }, *mem2[] = { "alice", "bobx" };
	struct enc e = { NULL, 0, 0 };
	uint8_t want[GK_DIGEST_LEN], got[GK_DIGEST_LEN], other[GK_DIGEST_LEN];

	(void)state;
	enc_str(&e, "gatekeeper request terms v1");
	enc_int(&e, 2);
	enc_str(&e, "storage");
	enc_int(&e, 2);
	enc_str(&e, "alice");
	enc_str(&e, "bob");
	enc_int(&e, 600);
	enc_str(&e, "ssh=10.0.0.1 tty=pts/1");
	crypto_generichash(want, sizeof(want), e.b, e.n, NULL, 0);
	free(e.b);
	assert_int_equal(gk_request_terms(2, "storage", 2, mem, 600,
	    "ssh=10.0.0.1 tty=pts/1", got), 0);
	assert_memory_equal(got, want, sizeof(want));
#define DIFFERS(need, set, n, m, delay, sess) do {			\
	assert_int_equal(gk_request_terms(need, set, n, m, delay, sess,	\
	    other), 0);							\
	assert_memory_not_equal(other, want, sizeof(want));		\
} while (0)
	DIFFERS(1, "storage", 2, mem, 600, "ssh=10.0.0.1 tty=pts/1");
	DIFFERS(2, "storagx", 2, mem, 600, "ssh=10.0.0.1 tty=pts/1");
	DIFFERS(2, "storage", 1, mem, 600, "ssh=10.0.0.1 tty=pts/1");
	DIFFERS(2, "storage", 2, mem2, 600, "ssh=10.0.0.1 tty=pts/1");
	DIFFERS(2, "storage", 2, mem, 0, "ssh=10.0.0.1 tty=pts/1");
	DIFFERS(2, "storage", 2, mem, 600, "");
#undef DIFFERS
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_known_answer),
		cmocka_unit_test(t_sizes),
		cmocka_unit_test(t_limit),
		cmocka_unit_test(t_chain_batches),
		cmocka_unit_test(t_checkpoints),
		cmocka_unit_test(t_terms),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
