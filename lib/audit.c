#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "audit.h"
#include "gk_err.h"
#include "reqrow.h"

const char gk_schema_sql[] =
    "CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value BLOB NOT NULL);"
    "CREATE TABLE IF NOT EXISTS approvers(name TEXT PRIMARY KEY,"
    " uid INTEGER NOT NULL UNIQUE, pubkey BLOB NOT NULL,"
    " public_id TEXT NOT NULL UNIQUE, private_id BLOB NOT NULL,"
    " aes_key BLOB NOT NULL, counter INTEGER NOT NULL, use INTEGER NOT NULL,"
    " enrolled INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS requests(id INTEGER PRIMARY KEY,"
    " state TEXT NOT NULL, host TEXT NOT NULL, nonce BLOB NOT NULL,"
    " uid INTEGER NOT NULL, user TEXT NOT NULL, argv BLOB NOT NULL,"
    " exe TEXT NOT NULL, exe_hash BLOB NOT NULL, cwd TEXT NOT NULL,"
    " paths BLOB NOT NULL, run_as TEXT NOT NULL, rule TEXT NOT NULL,"
    " need INTEGER NOT NULL, set_name TEXT NOT NULL, members BLOB NOT NULL,"
    " reason TEXT NOT NULL, created INTEGER NOT NULL, expires INTEGER NOT NULL,"
    " delay INTEGER NOT NULL, run_at INTEGER NOT NULL, digest BLOB NOT NULL,"
    " status INTEGER, session TEXT NOT NULL, output BLOB);"
    "CREATE INDEX IF NOT EXISTS requests_state ON requests(state);"
    "CREATE TABLE IF NOT EXISTS approvals(request INTEGER NOT NULL,"
    " approver TEXT NOT NULL, decision TEXT NOT NULL, otp TEXT NOT NULL,"
    " sig BLOB NOT NULL, time INTEGER NOT NULL, reason TEXT NOT NULL,"
    " PRIMARY KEY(request, approver));"
    "CREATE TABLE IF NOT EXISTS audit(seq INTEGER PRIMARY KEY,"
    " time INTEGER NOT NULL, event TEXT NOT NULL, uid INTEGER NOT NULL,"
    " user TEXT NOT NULL, request INTEGER NOT NULL, session TEXT NOT NULL,"
    " command TEXT NOT NULL, detail TEXT NOT NULL, prev BLOB NOT NULL,"
    " hash BLOB NOT NULL);"
    "CREATE INDEX IF NOT EXISTS audit_user_time ON audit(user, time);"
    "CREATE INDEX IF NOT EXISTS audit_request ON audit(request);"
    "CREATE TABLE IF NOT EXISTS checkpoints(seq INTEGER PRIMARY KEY,"
    " hash BLOB NOT NULL, time INTEGER NOT NULL, sig BLOB NOT NULL);";

const char gk_audit_insert_sql[] =
    "INSERT INTO audit(seq, time, event, uid, user, request, session, "
    "command, detail, prev, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";

void
gk_audit_bind(sqlite3_stmt *st, const struct gk_audit_rec *rec)
{
	sqlite3_bind_int64(st, 1, rec->seq);
	sqlite3_bind_int64(st, 2, rec->time);
	sqlite3_bind_text(st, 3, rec->event, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, rec->uid);
	sqlite3_bind_text(st, 5, rec->user, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, rec->request);
	sqlite3_bind_text(st, 7, rec->session, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 8, rec->command, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 9, rec->detail, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 10, rec->prev, GK_DIGEST_LEN, SQLITE_STATIC);
	sqlite3_bind_blob(st, 11, rec->hash, GK_DIGEST_LEN, SQLITE_STATIC);
}

/*
 * The canonical encoding (canon.h) of a record, prev first: hashed as it
 * is made (the fields go through a small stage into BLAKE2b, no buffer is
 * allocated), or appended to a buffer for verify_chain's hashing thread.
 * The one encoder of audit records: gk_audit_hash (the daemon's appends)
 * and the verification both use audit_encode. tests/unit/test_audit.c
 * holds it to a hand-written encoder and a known answer.
 */
#define AUDIT_REC_MAX	(4 * 1024 * 1024)	/* encoded bytes */

struct audit_enc {
	uint8_t		*out;		/* where the next byte goes; NULL:
					   into the hash */
	crypto_generichash_state h;
	size_t	 n;
	uint8_t	 stage[512];
};

static void
enc_put(struct audit_enc *e, const void *p, size_t n)
{
	if (e->out != NULL) {
		memcpy(e->out, p, n);
		e->out += n;
		return;
	}
	if (n > sizeof(e->stage) - e->n) {
		crypto_generichash_update(&e->h, e->stage, e->n);
		e->n = 0;
		if (n > sizeof(e->stage)) {
			crypto_generichash_update(&e->h, p, n);
			return;
		}
	}
	memcpy(e->stage + e->n, p, n);
	e->n += n;
}

static void
enc_u32(struct audit_enc *e, uint32_t v)
{
	uint8_t x[4] = { v >> 24, v >> 16, v >> 8, v };

	enc_put(e, x, sizeof(x));
}

static void
enc_i64(struct audit_enc *e, int64_t v)
{
	uint64_t u = (uint64_t)v;
	uint8_t x[8] = { u >> 56, u >> 48, u >> 40, u >> 32, u >> 24,
	    u >> 16, u >> 8, u };

	enc_u32(e, sizeof(x));
	enc_put(e, x, sizeof(x));
}

static void
enc_str(struct audit_enc *e, const char *s, size_t n)
{
	enc_u32(e, (uint32_t)n);
	enc_put(e, s, n);
}

/* The text fields of a record and their lengths (no NUL inside). */
enum { T_EVENT, T_USER, T_SESSION, T_COMMAND, T_DETAIL, T_N };

/* The encoded size of a record whose text fields have lengths len[], or
 * 0 when it is over AUDIT_REC_MAX. */
static size_t
audit_size(const size_t len[T_N])
{
	size_t i, total = GK_DIGEST_LEN + 4 + sizeof(GK_TAG_AUDIT) - 1 + 4 * 12;

	for (i = 0; i < T_N; i++) {
		if (len[i] > AUDIT_REC_MAX)
			return 0;
		total += 4 + len[i];
	}
	return total > AUDIT_REC_MAX ? 0 : total;
}

/* prev || canonical(rec) into e, len[] the lengths of the text fields;
 * the caller has checked audit_size(len) (and a buffer at e->out has room
 * for that many bytes). */
static void
audit_encode(struct audit_enc *e, const struct gk_audit_rec *rec,
    const size_t len[T_N])
{
	static const char tag[] = GK_TAG_AUDIT;

	enc_put(e, rec->prev, GK_DIGEST_LEN);
	enc_str(e, tag, sizeof(tag) - 1);
	enc_i64(e, rec->seq);
	enc_i64(e, rec->time);
	enc_str(e, rec->event, len[T_EVENT]);
	enc_i64(e, rec->uid);
	enc_str(e, rec->user, len[T_USER]);
	enc_i64(e, rec->request);
	enc_str(e, rec->session, len[T_SESSION]);
	enc_str(e, rec->command, len[T_COMMAND]);
	enc_str(e, rec->detail, len[T_DETAIL]);
}

/* hash = H(prev || canonical(rec)) into rec->hash; GK_ERR_LIMIT for a
 * record over AUDIT_REC_MAX encoded bytes. */
static int
audit_hash_in(struct gk_audit_rec *rec, const size_t len[T_N])
{
	struct audit_enc e;

	if (audit_size(len) == 0)
		return GK_ERR_LIMIT;
	e.out = NULL;
	e.n = 0;
	crypto_generichash_init(&e.h, NULL, 0, GK_DIGEST_LEN);
	audit_encode(&e, rec, len);
	crypto_generichash_update(&e.h, e.stage, e.n);
	crypto_generichash_final(&e.h, rec->hash, GK_DIGEST_LEN);
	return 0;
}

int
gk_audit_hash(struct gk_audit_rec *rec)
{
	struct gk_audit_rec r = *rec;
	const char **f[T_N] = { &r.event, &r.user, &r.session, &r.command,
	    &r.detail };
	size_t len[T_N], i;
	int e;

	/* NULL encodes as "" (as gk_canon_str). */
	for (i = 0; i < T_N; i++) {
		if (*f[i] == NULL)
			*f[i] = "";
		len[i] = strlen(*f[i]);
	}
	if ((e = audit_hash_in(&r, len)) == 0)
		memcpy(rec->hash, r.hash, GK_DIGEST_LEN);
	return e;
}

int
gk_checkpoint_message(struct gk_buf *b, int64_t seq,
    const uint8_t hash[GK_DIGEST_LEN], int64_t time)
{
	int r;

	if ((r = gk_canon_str(b, GK_TAG_CHECKPOINT)) != 0 ||
	    (r = gk_canon_i64(b, seq)) != 0 ||
	    (r = gk_canon_bytes(b, hash, GK_DIGEST_LEN)) != 0 ||
	    (r = gk_canon_i64(b, time)) != 0)
		return r;
	return 0;
}

int
gk_checkpoint_format(const struct gk_checkpoint *c, char *out, size_t n)
{
	char h[2 * GK_DIGEST_LEN + 1], k[65], s[129];

	gk_hex(c->hash, GK_DIGEST_LEN, h);
	gk_hex(c->key, 32, k);
	gk_hex(c->sig, 64, s);
	if ((size_t)snprintf(out, n, "gatekeeper-checkpoint seq=%" PRId64
	    " hash=%s time=%" PRId64 " key=%s sig=%s", c->seq, h, c->time, k,
	    s) >= n)
		return GK_ERR_LIMIT;
	return 0;
}

static int
field(const char *line, const char *name, char *out, size_t n)
{
	char pat[32];
	const char *p;
	size_t l;

	snprintf(pat, sizeof(pat), " %s=", name);
	if ((p = strstr(line, pat)) == NULL)
		return GK_ERR_FORMAT;
	p += strlen(pat);
	l = strcspn(p, " \n");
	if (l >= n)
		return GK_ERR_FORMAT;
	memcpy(out, p, l);
	out[l] = '\0';
	return 0;
}

static int
parse_i64(const char *s, int64_t *v)
{
	char *end;
	long long x;

	if (*s < '0' || *s > '9')
		return GK_ERR_FORMAT;
	x = strtoll(s, &end, 10);
	if (*end != '\0' || x < 0)
		return GK_ERR_FORMAT;
	*v = x;
	return 0;
}

int
gk_checkpoint_parse(const char *line, struct gk_checkpoint *c)
{
	char v[160];

	memset(c, 0, sizeof(*c));
	if (strncmp(line, "gatekeeper-checkpoint ", 22) != 0)
		return GK_ERR_FORMAT;
	if (field(line, "seq", v, sizeof(v)) || parse_i64(v, &c->seq) ||
	    field(line, "time", v, sizeof(v)) || parse_i64(v, &c->time) ||
	    field(line, "hash", v, sizeof(v)) ||
	    gk_unhex(v, c->hash, GK_DIGEST_LEN) ||
	    field(line, "key", v, sizeof(v)) || gk_unhex(v, c->key, 32) ||
	    field(line, "sig", v, sizeof(v)) || gk_unhex(v, c->sig, 64))
		return GK_ERR_FORMAT;
	return 0;
}

int
gk_checkpoint_check(const struct gk_checkpoint *c)
{
	struct gk_buf b;
	int r;

	gk_buf_init(&b, 4096);
	if ((r = gk_checkpoint_message(&b, c->seq, c->hash, c->time)) == 0 &&
	    crypto_sign_verify_detached(c->sig, b.data, b.len, c->key) != 0)
		r = GK_ERR_SIGNATURE;
	gk_buf_free(&b);
	return r;
}

static const char *
col(sqlite3_stmt *st, int i)
{
	const unsigned char *s = sqlite3_column_text(st, i);

	return s == NULL ? "" : (const char *)s;
}

/*
 * A TEXT column the hash sees whole: bytes after an embedded NUL would be
 * outside the hash (which reads C strings) yet seen by SQL (user = ?), and
 * a BLOB of the same bytes would hash the same yet escape user = ?. The
 * type is asked first: reading the value as text converts it. Its text in
 * *s, its length in *len.
 */
static int
text_whole(sqlite3_stmt *st, int i, const char **s, size_t *len)
{
	int type = sqlite3_column_type(st, i);
	const unsigned char *p = sqlite3_column_text(st, i);
	size_t n = (size_t)sqlite3_column_bytes(st, i);

	*s = p == NULL ? "" : (const char *)p;
	*len = p == NULL ? 0 : n;
	return type == SQLITE_TEXT && p != NULL && memchr(p, '\0', n) == NULL;
}

/* A detail field "key=VALUE" (VALUE up to the next space). */
static int
detail_get(const char *detail, const char *key, char *out, size_t n)
{
	char pat[48];
	const char *p = detail;
	size_t kl, l;

	kl = (size_t)snprintf(pat, sizeof(pat), "%s=", key);
	while ((p = strstr(p, pat)) != NULL) {
		if (p == detail || p[-1] == ' ') {
			p += kl;
			l = strcspn(p, " ");
			if (l >= n)
				return GK_ERR_FORMAT;
			memcpy(out, p, l);
			out[l] = '\0';
			return 0;
		}
		p += kl;
	}
	return GK_ERR_NOTFOUND;
}

/* The "request" records met on the chain, for verify_requests: one pass
 * over the log instead of a scan per check. */
struct reqrecs {
	struct reqrec {
		int64_t	 seq, id;
		int	 has_digest;
		uint8_t	 digest[GK_DIGEST_LEN];
	}	*v;
	size_t	 n, cap;
};

static int
reqrecs_add(struct reqrecs *rr, const struct gk_audit_rec *rec)
{
	struct reqrec *nv, *q;
	char hex[80];

	if (rr->n == rr->cap) {
		if ((nv = reallocarray(rr->v, rr->cap ? 2 * rr->cap : 256,
		    sizeof(*nv))) == NULL)
			return GK_ERR_ALLOC;
		rr->v = nv;
		rr->cap = rr->cap ? 2 * rr->cap : 256;
	}
	q = &rr->v[rr->n++];
	q->seq = rec->seq;
	q->id = rec->request;
	q->has_digest = detail_get(rec->detail, "digest", hex,
	    sizeof(hex)) == 0 && gk_unhex(hex, q->digest, GK_DIGEST_LEN) == 0;
	return 0;
}

/*
 * Hashing beside reading. A record's hash is H(its stored prev || its
 * columns), so records can be hashed in any order: verify_chain reads a
 * batch from SQLite and checks all but the hashes (types, sequence, each
 * prev against the stored hash before it, the anchor), encoding each
 * record into the batch; a second thread hashes the batch and compares
 * each result with the stored hash while the next batch is read. Batches
 * are judged in order, and one is judged before any fault found after it,
 * so the record named is still the first bad one. Should the thread not
 * start, the batch is hashed here.
 */
#define HB_RECS		8192
#define HB_BYTES	(4 * 1024 * 1024)	/* of encodings, or more for
						   a single large record */
struct hbatch {
	uint8_t		*enc;		/* the encodings, back to back */
	size_t		 len, cap;
	struct hb_rec {
		int64_t	 seq;
		size_t	 off, len;
		uint8_t	 want[GK_DIGEST_LEN];	/* the stored hash */
	}		*r;
	size_t		 n, rcap;
	int64_t		 bad;		/* the first seq hashing otherwise */
};

static void *
hbatch_hash(void *arg)
{
	struct hbatch *b = arg;
	uint8_t h[GK_DIGEST_LEN];
	size_t i;

	b->bad = 0;
	for (i = 0; i < b->n; i++) {
		crypto_generichash(h, sizeof(h), b->enc + b->r[i].off,
		    b->r[i].len, NULL, 0);
		if (memcmp(h, b->r[i].want, GK_DIGEST_LEN) != 0) {
			b->bad = b->r[i].seq;
			break;
		}
	}
	return NULL;
}

/* Adds rec (its text lengths in len) and the stored hash to b, growing
 * b as needed (a short log takes little memory). */
static int
hbatch_add(struct hbatch *b, const struct gk_audit_rec *rec,
    const size_t len[T_N], const void *want)
{
	struct audit_enc e;
	size_t need = audit_size(len), cap;
	void *p;

	if (need == 0)
		return GK_ERR_LIMIT;
	if (b->cap - b->len < need) {
		for (cap = b->cap ? b->cap : 65536; cap - b->len < need; cap *= 2)
			;
		if ((p = realloc(b->enc, cap)) == NULL)
			return GK_ERR_ALLOC;
		b->enc = p;
		b->cap = cap;
	}
	if (b->n == b->rcap) {
		cap = b->rcap ? 2 * b->rcap : 256;
		if ((p = reallocarray(b->r, cap, sizeof(*b->r))) == NULL)
			return GK_ERR_ALLOC;
		b->r = p;
		b->rcap = cap;
	}
	e.out = b->enc + b->len;
	audit_encode(&e, rec, len);
	b->r[b->n].seq = rec->seq;
	b->r[b->n].off = b->len;
	b->r[b->n].len = need;
	memcpy(b->r[b->n].want, want, GK_DIGEST_LEN);
	b->n++;
	b->len += need;
	return 0;
}

static int
hbatch_full(const struct hbatch *b)
{
	return b->n == HB_RECS || b->len >= HB_BYTES;
}

/* The hashing of b is over (joined, or done here when no thread ran):
 * 1 with msg naming its first bad record, or 0. */
static int
hbatch_judge(struct hbatch *b, pthread_t *th, int *running, char *msg,
    size_t msglen)
{
	if (*running) {
		pthread_join(*th, NULL);
		*running = 0;
	} else
		hbatch_hash(b);
	if (b->bad != 0) {
		snprintf(msg, msglen, "record %" PRId64 ": hash mismatch "
		    "(edited)", b->bad);
		return 1;
	}
	b->n = 0;
	b->len = 0;
	return 0;
}

/* Walks the chain. Fills rr with its request records. */
static int
verify_chain(sqlite3 *db, const struct gk_checkpoint *anchor, int64_t *count,
    struct reqrecs *rr, char *msg, size_t msglen)
{
	struct gk_audit_rec rec;
	struct hbatch hb[2];
	sqlite3_stmt *st = NULL;
	pthread_t th;
	uint8_t prev[GK_DIGEST_LEN] = { 0 };	/* the stored hash before */
	char fault[200] = "";	/* found by reading, judged after hashing */
	size_t len[T_N];
	int64_t expect = 1;
	int e, r = 0, anchor_seen = 0, cur = 0, running = 0, i;

	memset(&rec, 0, sizeof(rec));
	memset(hb, 0, sizeof(hb));
	if (sqlite3_prepare_v2(db, "SELECT rowid, seq, time, event, uid, user, "
	    "request, session, command, detail, prev, hash FROM audit "
	    "ORDER BY seq", -1, &st, NULL) != SQLITE_OK) {
		snprintf(msg, msglen, "cannot read the audit table: %s",
		    sqlite3_errmsg(db));
		r = GK_ERR_DB;
		goto out;
	}
	while ((e = sqlite3_step(st)) == SQLITE_ROW) {
		rec.seq = sqlite3_column_int64(st, 1);
		if (sqlite3_column_type(st, 1) != SQLITE_INTEGER ||
		    sqlite3_column_int64(st, 0) != rec.seq || rec.seq != expect) {
			snprintf(fault, sizeof(fault), "record %" PRId64 ": "
			    "sequence broken (expected record %" PRId64 ": "
			    "deleted or renumbered)", rec.seq, expect);
			break;
		}
		rec.time = sqlite3_column_int64(st, 2);
		rec.uid = sqlite3_column_int64(st, 4);
		rec.request = sqlite3_column_int64(st, 6);
		if (sqlite3_column_type(st, 2) != SQLITE_INTEGER ||
		    sqlite3_column_type(st, 4) != SQLITE_INTEGER ||
		    sqlite3_column_type(st, 6) != SQLITE_INTEGER ||
		    !text_whole(st, 3, &rec.event, &len[T_EVENT]) ||
		    !text_whole(st, 5, &rec.user, &len[T_USER]) ||
		    !text_whole(st, 7, &rec.session, &len[T_SESSION]) ||
		    !text_whole(st, 8, &rec.command, &len[T_COMMAND]) ||
		    !text_whole(st, 9, &rec.detail, &len[T_DETAIL]) ||
		    sqlite3_column_bytes(st, 10) != GK_DIGEST_LEN ||
		    sqlite3_column_bytes(st, 11) != GK_DIGEST_LEN ||
		    memcmp(sqlite3_column_blob(st, 10), prev, GK_DIGEST_LEN) != 0) {
			snprintf(fault, sizeof(fault), "record %" PRId64 ": does "
			    "not follow record %" PRId64 " (edited)", rec.seq,
			    rec.seq - 1);
			break;
		}
		memcpy(rec.prev, prev, GK_DIGEST_LEN);
		memcpy(prev, sqlite3_column_blob(st, 11), GK_DIGEST_LEN);
		/* Over AUDIT_REC_MAX: the daemon never writes such a record
		 * (gk_audit_hash refuses it), so it is an edit. */
		if ((r = hbatch_add(&hb[cur], &rec, len, prev)) ==
		    GK_ERR_LIMIT) {
			snprintf(fault, sizeof(fault), "record %" PRId64 ": "
			    "larger than any record the daemon writes (edited)",
			    rec.seq);
			r = 0;
			break;
		} else if (r != 0) {
			snprintf(msg, msglen, "out of memory");
			goto out;
		}
		if (strcmp(rec.event, "request") == 0 &&
		    (r = reqrecs_add(rr, &rec)) != 0)
			goto out;
		expect++;
		/* Judged after this record's own hash. */
		if (anchor != NULL && rec.seq == anchor->seq) {
			if (memcmp(prev, anchor->hash, GK_DIGEST_LEN) != 0) {
				snprintf(fault, sizeof(fault), "record %" PRId64
				    ": differs from the anchor checkpoint",
				    rec.seq);
				break;
			}
			anchor_seen = 1;
		}
		if (!hbatch_full(&hb[cur]))
			continue;
		/* The batch before is judged; this one goes to the thread. */
		if ((r = hbatch_judge(&hb[!cur], &th, &running, msg,
		    msglen)) != 0)
			goto out;
		running = pthread_create(&th, NULL, hbatch_hash, &hb[cur]) == 0;
		cur = !cur;
	}
	if ((r = hbatch_judge(&hb[!cur], &th, &running, msg, msglen)) != 0 ||
	    (r = hbatch_judge(&hb[cur], &th, &running, msg, msglen)) != 0)
		goto out;
	if (fault[0] != '\0') {
		snprintf(msg, msglen, "%s", fault);
		r = 1;
		goto out;
	}
	if (e != SQLITE_DONE) {
		snprintf(msg, msglen, "reading the audit table: %s",
		    sqlite3_errmsg(db));
		r = GK_ERR_DB;
		goto out;
	}
	if (anchor != NULL && !anchor_seen) {
		snprintf(msg, msglen, "record %" PRId64 ": missing (the log ends "
		    "at record %" PRId64 "; truncated since the anchor)",
		    anchor->seq, expect - 1);
		r = 1;
		goto out;
	}
	*count = expect - 1;
 out:
	if (running)
		pthread_join(th, NULL);
	sqlite3_finalize(st);
	for (i = 0; i < 2; i++) {
		free(hb[i].enc);
		free(hb[i].r);
	}
	return r;
}

static int
daemon_key(sqlite3 *db, uint8_t key[32])
{
	sqlite3_stmt *st;
	int r = GK_ERR_NOTFOUND;

	if (sqlite3_prepare_v2(db, "SELECT value FROM meta WHERE key = "
	    "'daemon_pubkey'", -1, &st, NULL) != SQLITE_OK)
		return GK_ERR_DB;
	if (sqlite3_step(st) == SQLITE_ROW &&
	    sqlite3_column_bytes(st, 0) == 32) {
		memcpy(key, sqlite3_column_blob(st, 0), 32);
		r = 0;
	}
	sqlite3_finalize(st);
	return r;
}

/*
 * Every stored checkpoint: its signature, its record's hash, no two (nor
 * record 0 and the first) further apart than the daemon writes them, and
 * the newest of the n records covered. Without that, anything after the
 * last checkpoint could have been rewritten (the chain needs no key to
 * re-hash) and the checkpoints after it dropped.
 */
static int
verify_checkpoints(sqlite3 *db, const uint8_t key[32], int64_t n, char *msg,
    size_t msglen)
{
	struct gk_checkpoint c;
	sqlite3_stmt *st, *ah;
	int64_t last = 0;
	int r = 0, e;

	if (sqlite3_prepare_v2(db, "SELECT seq, hash, time, sig FROM checkpoints "
	    "ORDER BY seq", -1, &st, NULL) != SQLITE_OK)
		return GK_ERR_DB;
	if (sqlite3_prepare_v2(db, "SELECT hash FROM audit WHERE seq = ?", -1,
	    &ah, NULL) != SQLITE_OK) {
		sqlite3_finalize(st);
		return GK_ERR_DB;
	}
	while ((e = sqlite3_step(st)) == SQLITE_ROW) {
		memset(&c, 0, sizeof(c));
		c.seq = sqlite3_column_int64(st, 0);
		c.time = sqlite3_column_int64(st, 2);
		memcpy(c.key, key, 32);
		if (sqlite3_column_bytes(st, 1) != GK_DIGEST_LEN ||
		    sqlite3_column_bytes(st, 3) != 64) {
			r = 1;
		} else {
			memcpy(c.hash, sqlite3_column_blob(st, 1), GK_DIGEST_LEN);
			memcpy(c.sig, sqlite3_column_blob(st, 3), 64);
			r = gk_checkpoint_check(&c) != 0;
		}
		if (!r) {
			sqlite3_reset(ah);
			sqlite3_bind_int64(ah, 1, c.seq);
			r = sqlite3_step(ah) != SQLITE_ROW ||
			    sqlite3_column_bytes(ah, 0) != GK_DIGEST_LEN ||
			    memcmp(sqlite3_column_blob(ah, 0), c.hash,
			    GK_DIGEST_LEN) != 0;
		}
		if (r) {
			snprintf(msg, msglen, "record %" PRId64 ": its signed "
			    "checkpoint does not match", c.seq);
			break;
		}
		if (c.seq - last > GK_CHECKPOINT_GAP_MAX) {
			snprintf(msg, msglen, "record %" PRId64 ": not covered by "
			    "a signed checkpoint within %d records of record %"
			    PRId64 ", as the daemon writes them (checkpoints "
			    "deleted)", last + GK_CHECKPOINT_GAP_MAX + 1,
			    GK_CHECKPOINT_GAP_MAX, last);
			r = 1;
			break;
		}
		last = c.seq;
	}
	if (!r && e != SQLITE_DONE)
		r = GK_ERR_DB;
	if (r == 0 && last < n) {
		snprintf(msg, msglen, "record %" PRId64 ": not covered by a "
		    "signed checkpoint (records %" PRId64 " to the last, %"
		    PRId64 ", could have been rewritten; if a daemon still "
		    "writes this log, verify through it, without --db: it "
		    "signs its newest record first)", last + 1, last + 1, n);
		r = 1;
	}
	sqlite3_finalize(ah);
	sqlite3_finalize(st);
	return r;
}

/* The approver's public key and uid as enrolled in the (already
 * verified) chain, the last enrolment before seq. */
static int
enrolled_key(sqlite3 *db, const char *name, int64_t before, uint8_t key[32],
    int64_t *uid)
{
	sqlite3_stmt *st;
	char hex[80];
	int r = GK_ERR_NOTFOUND;

	if (sqlite3_prepare_v2(db, "SELECT detail, uid FROM audit WHERE event = "
	    "'enroll' AND user = ? AND seq < ? ORDER BY seq DESC LIMIT 1", -1,
	    &st, NULL) != SQLITE_OK)
		return GK_ERR_DB;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, before);
	if (sqlite3_step(st) == SQLITE_ROW &&
	    detail_get(col(st, 0), "pubkey", hex, sizeof(hex)) == 0 &&
	    gk_unhex(hex, key, 32) == 0) {
		*uid = sqlite3_column_int64(st, 1);
		r = 0;
	}
	sqlite3_finalize(st);
	return r;
}

/*
 * A request's state, exit status and kept output against its latest
 * audit records, and its decisions against the audited ones.
 */
static int
verify_outcome(sqlite3 *db, const struct gk_reqrow *row, char *msg,
    size_t msglen)
{
	sqlite3_stmt *st;
	char v[80], hex[65], want[80], ws[24];
	uint8_t h[GK_DIGEST_LEN];
	int r = 0;

	if (sqlite3_prepare_v2(db, "SELECT detail, (SELECT count(*) FROM audit "
	    "WHERE request = ?1 AND event IN ('approve', 'reject')), (SELECT "
	    "count(*) FROM approvals WHERE request = ?1), (SELECT output FROM "
	    "requests WHERE id = ?1) FROM audit WHERE request = ?1 AND (detail "
	    "LIKE 'state=%' OR detail LIKE '% state=%') ORDER BY seq DESC "
	    "LIMIT 1", -1, &st, NULL) != SQLITE_OK)
		return GK_ERR_DB;
	sqlite3_bind_int64(st, 1, row->id);
	if (sqlite3_step(st) != SQLITE_ROW ||
	    detail_get(col(st, 0), "state", v, sizeof(v)) != 0 ||
	    strcmp(v, row->state) != 0) {
		snprintf(msg, msglen, "request %" PRId64 ": its state \"%s\" is "
		    "not the audited one (edited)", row->id, row->state);
		r = 1;
	} else if (sqlite3_column_int64(st, 1) != sqlite3_column_int64(st, 2)) {
		snprintf(msg, msglen, "request %" PRId64 ": its decisions differ "
		    "from the audited ones (edited or deleted)", row->id);
		r = 1;
	} else if (row->status >= 0) {
		crypto_generichash(h, sizeof(h), sqlite3_column_blob(st, 3) ?
		    sqlite3_column_blob(st, 3) : (const void *)"",
		    (size_t)sqlite3_column_bytes(st, 3), NULL, 0);
		gk_hex(h, sizeof(h), hex);
		snprintf(v, sizeof(v), "%" PRId64, row->status);
		if (detail_get(col(st, 0), "kept_hash", want, sizeof(want)) != 0 ||
		    strcmp(want, hex) != 0 ||
		    detail_get(col(st, 0), "status", ws, sizeof(ws)) != 0 ||
		    strcmp(ws, v) != 0) {
			snprintf(msg, msglen, "request %" PRId64 ": its exit "
			    "status or output is not the audited one (edited)",
			    row->id);
			r = 1;
		}
	}
	sqlite3_finalize(st);
	return r;
}

/*
 * The terms of a request (reqrow.h) against its `request` record, the
 * current row of rs (session, detail). A record written before terms=
 * existed carries need= and set= only.
 */
static int
verify_terms(sqlite3_stmt *rs, const struct gk_reqrow *row, char *msg,
    size_t msglen)
{
	const char *detail = col(rs, 1);
	char v[256], want[256];
	uint8_t h[GK_DIGEST_LEN];
	int ok, e;

	ok = strcmp(col(rs, 0), row->session) == 0;
	if (ok && detail_get(detail, "terms", want, sizeof(want)) == 0) {
		if ((e = gk_request_terms(row->need, row->set_name,
		    row->nmembers, row->members, row->delay, row->session,
		    h)) != 0)
			return e;
		gk_hex(h, sizeof(h), v);
		ok = strcmp(v, want) == 0;
	} else if (ok) {
		snprintf(want, sizeof(want), "%" PRId64, row->need);
		ok = detail_get(detail, "need", v, sizeof(v)) == 0 &&
		    strcmp(v, want) == 0 &&
		    detail_get(detail, "set", v, sizeof(v)) == 0 &&
		    strcmp(v, row->set_name[0] != '\0' ? row->set_name : "-") == 0;
	}
	if (!ok) {
		snprintf(msg, msglen, "request %" PRId64 ": the approvals it "
		    "needs, its approver set, delay or session are not the "
		    "audited ones (edited)", row->id);
		return 1;
	}
	return 0;
}

/* States only a request with its quorum reaches: approved, then run or
 * handed to sudo/su. */
static int
had_quorum(const char *state)
{
	static const char *const st[] = { "approved", "running", "done",
	    "failed", "interrupted", "authorized" };
	size_t i;

	for (i = 0; i < sizeof(st) / sizeof(st[0]); i++)
		if (strcmp(state, st[i]) == 0)
			return 1;
	return 0;
}

static int
is_member(const struct gk_reqrow *row, const char *who)
{
	size_t i;

	for (i = 0; i < row->nmembers; i++)
		if (strcmp(row->members[i], who) == 0)
			return 1;
	return 0;
}

/* Every request against its audited digest and terms; every decision's
 * signature, by a member of the set other than the requester; the
 * quorum of every request that had one. */
static int
verify_requests(sqlite3 *db, const struct reqrecs *rr, char *msg,
    size_t msglen)
{
	struct gk_request_fields f;
	struct gk_reqrow row;
	sqlite3_stmt *ap, *rq, *rs = NULL;
	const uint8_t *digest;
	uint8_t dg[GK_DIGEST_LEN], key[32];
	int64_t rid, seq, uid, approvals;
	size_t k;
	int r = 0, e;

	if (sqlite3_prepare_v2(db, "SELECT approver, decision, otp, sig, time, "
	    "(SELECT seq FROM audit WHERE request = approvals.request AND "
	    "user = approvals.approver AND event IN ('approve', 'reject') "
	    "AND detail LIKE '%sig=' || hex(approvals.sig) || '%') "
	    "FROM approvals WHERE request = ?", -1, &ap, NULL) != SQLITE_OK)
		return GK_ERR_DB;
	/* Through the audit_request index: one probe per request. */
	if (sqlite3_prepare_v2(db, "SELECT count(*) FROM requests WHERE NOT "
	    "EXISTS (SELECT 1 FROM audit WHERE request = requests.id AND "
	    "event = 'request')", -1, &rq, NULL) != SQLITE_OK) {
		sqlite3_finalize(ap);
		return GK_ERR_DB;
	}
	if (sqlite3_prepare_v2(db, "SELECT session, detail FROM audit WHERE "
	    "seq = ?", -1, &rs, NULL) != SQLITE_OK) {
		r = GK_ERR_DB;
		goto out;
	}
	if (sqlite3_step(rq) != SQLITE_ROW || sqlite3_column_int64(rq, 0) != 0) {
		snprintf(msg, msglen, "a request has no audit record (inserted)");
		r = 1;
		goto out;
	}
	for (k = 0; r == 0 && k < rr->n; k++) {
		seq = rr->v[k].seq;
		rid = rr->v[k].id;
		digest = rr->v[k].digest;
		if (!rr->v[k].has_digest) {
			snprintf(msg, msglen, "record %" PRId64 ": no digest", seq);
			r = 1;
			break;
		}
		if ((e = gk_reqrow_load(db, rid, &row)) != 0) {
			snprintf(msg, msglen, "record %" PRId64 ": request %" PRId64
			    " is %s", seq, rid, e == GK_ERR_NOTFOUND ?
			    "missing (deleted)" : "unreadable (edited)");
			r = 1;
			break;
		}
		gk_reqrow_fields(&row, &f);
		if (gk_request_digest(&f, dg) != 0 ||
		    sodium_memcmp(dg, digest, GK_DIGEST_LEN) != 0 ||
		    memcmp(row.digest, digest, GK_DIGEST_LEN) != 0) {
			snprintf(msg, msglen, "record %" PRId64 ": request %" PRId64
			    " no longer matches its digest (edited)", seq, rid);
			gk_reqrow_free(&row);
			r = 1;
			break;
		}
		sqlite3_reset(rs);
		sqlite3_bind_int64(rs, 1, seq);
		if (sqlite3_step(rs) != SQLITE_ROW)
			r = GK_ERR_DB;
		else
			r = verify_terms(rs, &row, msg, msglen);
		sqlite3_reset(ap);
		sqlite3_bind_int64(ap, 1, rid);
		approvals = 0;
		while (r == 0 && sqlite3_step(ap) == SQLITE_ROW) {
			struct gk_buf m;
			const char *who = col(ap, 0);

			gk_buf_init(&m, 4096);
			if (sqlite3_column_type(ap, 5) != SQLITE_INTEGER ||
			    sqlite3_column_bytes(ap, 3) != 64 ||
			    enrolled_key(db, who, sqlite3_column_int64(ap, 5),
			    key, &uid) != 0 ||
			    gk_approval_message(&m, digest, col(ap, 1), col(ap, 2),
			    who, sqlite3_column_int64(ap, 4)) != 0 ||
			    crypto_sign_verify_detached(sqlite3_column_blob(ap, 3),
			    m.data, m.len, key) != 0) {
				snprintf(msg, msglen, "request %" PRId64 ": the "
				    "decision of %s does not verify (edited)", rid,
				    who);
				r = 1;
			} else if (!is_member(&row, who) || uid == row.uid) {
				/* The daemon takes decisions from neither. */
				snprintf(msg, msglen, "request %" PRId64 ": the "
				    "decision of %s is %s (forged)", rid, who,
				    uid == row.uid ? "its requester's own" :
				    "not by a member of its approver set");
				r = 1;
			} else if (strcmp(col(ap, 1), "approve") == 0)
				approvals++;
			gk_buf_free(&m);
		}
		if (r == 0 && had_quorum(row.state) && approvals < row.need) {
			snprintf(msg, msglen, "request %" PRId64 ": %s with %"
			    PRId64 " of the %" PRId64 " approvals it needs "
			    "(approvals deleted)", rid, row.state, approvals,
			    row.need);
			r = 1;
		}
		if (r == 0 && (e = verify_outcome(db, &row, msg, msglen)) != 0)
			r = e;
		gk_reqrow_free(&row);
	}
 out:
	sqlite3_finalize(rs);
	sqlite3_finalize(rq);
	sqlite3_finalize(ap);
	return r;
}

int
gk_audit_verify(sqlite3 *db, const struct gk_checkpoint *anchor, char *msg,
    size_t msglen)
{
	struct reqrecs rr = { NULL, 0, 0 };
	uint8_t key[32];
	int64_t n = 0;
	int r;

	snprintf(msg, msglen, "internal error");
	if (anchor != NULL && gk_checkpoint_check(anchor) != 0) {
		snprintf(msg, msglen, "the anchor checkpoint's signature does not "
		    "verify");
		return 1;
	}
	if ((r = verify_chain(db, anchor, &n, &rr, msg, msglen)) != 0)
		goto out;
	if ((r = daemon_key(db, key)) != 0) {
		if (n == 0) {
			snprintf(msg, msglen, "intact: the log is empty");
			r = 0;
			goto out;
		}
		snprintf(msg, msglen, "the daemon's public key is missing");
		r = 1;
		goto out;
	}
	if (anchor != NULL && memcmp(anchor->key, key, 32) != 0) {
		snprintf(msg, msglen, "the log is signed with another key than the "
		    "anchor's");
		r = 1;
		goto out;
	}
	if ((r = verify_checkpoints(db, key, n, msg, msglen)) != 0 ||
	    (r = verify_requests(db, &rr, msg, msglen)) != 0)
		goto out;
	snprintf(msg, msglen, "intact: %" PRId64 " records%s", n,
	    anchor != NULL ? ", anchor checkpoint matches" : "");
 out:
	free(rr.v);
	return r;
}
