/*
 * Governance: once the operator seals the approver set (gkctl seal),
 * changes to the guard need the guard. Enrolling, changing or revoking an
 * approver, a new policy directory content (seen on reload by its digest)
 * and lifting a lockdown become requests of the built-in rule GOV_RULE:
 * GOV_NEED approvals from the approvers enrolled when the change was asked
 * for, requester root. Approvers see, sign and decide them with gk-approve
 * like any request; "running" one applies the stored change inside the
 * daemon instead of exec'ing a program. Until then the old set and the old
 * policy stay in force. No policy can weaken this: the rule is not in the
 * policy, and policy rule names starting with "gatekeeper-" are refused.
 *
 * MUST:
 * - bind every byte of the pending change into the request digest (its
 *   binding hash is the request's exe_hash) and check it again, with the
 *   digest, before applying;
 * - never show or log a token's private id or AES key: argv shows a hash;
 * - apply a change, its state and its audit records in one transaction;
 * - load an approved policy only if the directory still has the approved
 *   digest; otherwise refuse and keep the old one;
 * - refuse a revocation that would leave fewer than GOV_NEED approvers;
 * - once an approver is revoked or given a new key, count none of their
 *   earlier approvals, at the quorum and again when a request starts.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "canon.h"
#include "daemon.h"
#include "escape.h"
#include "gk_err.h"
#include "otp.h"
#include "proto.h"
#include "reqrow.h"

#define GOV_EXPIRE	86400			/* a day to gather approvals */
#define GOV_EXE		"gatekeeperd:governance"
#define GOV_TAG		"gatekeeper governance v1"
#define GOV_SWEEP	10			/* seconds between sweeps */

struct change {
	char	 kind[16];	/* enroll, replace, revoke, policy, lockdown-lift */
	char	 name[64];
	int64_t	 uid;
	uint8_t	 pubkey[32];
	char	 pubid[GK_OTP_PUBID_LEN + 1];
	uint8_t	 privid[GK_OTP_PRIVID_LEN];
	uint8_t	 aes[GK_OTP_KEY_LEN];
	uint8_t	 policy[GK_DIGEST_LEN];
};

static const char SQL_META_GET[] = "SELECT value FROM meta WHERE key = ?";
static const char SQL_META_SET[] =
    "INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)";
static const char SQL_NAMES[] = "SELECT name FROM approvers ORDER BY name";
static const char SQL_GOV_INSERT[] =
    "INSERT INTO governance(request, kind, name, uid, pubkey, public_id, "
    "private_id, aes_key, policy_digest) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)";
static const char SQL_GOV_GET[] =
    "SELECT g.kind, g.name, g.uid, g.pubkey, g.public_id, g.private_id, "
    "g.aes_key, g.policy_digest FROM governance g JOIN requests r ON "
    "r.id = g.request WHERE g.request = ? AND r.rule = '" GOV_RULE "' AND "
    "r.uid = 0";
static const char SQL_GOV_PENDING_POLICY[] =
    "SELECT r.id FROM governance g JOIN requests r ON r.id = g.request "
    "WHERE g.kind = 'policy' AND g.policy_digest = ? AND r.state IN "
    "('pending', 'approved')";
static const char SQL_GOV_SWEEP[] =
    "UPDATE governance SET private_id = NULL, aes_key = NULL WHERE "
    "aes_key IS NOT NULL AND request IN (SELECT id FROM requests WHERE "
    "state NOT IN ('pending', 'approved'))";
static const char SQL_APPROVER_EXISTS[] =
    "SELECT 1 FROM approvers WHERE name = ? OR uid = ? OR public_id = ?";
static const char SQL_APPROVER_NAMED[] =
    "SELECT 1 FROM approvers WHERE name = ?";
static const char SQL_COUNT_APPROVERS[] = "SELECT count(*) FROM approvers";
static const char SQL_GOV_ENROLL[] =
    "INSERT INTO approvers(name, uid, pubkey, public_id, private_id, aes_key, "
    "counter, use, enrolled) VALUES (?1, ?2, ?3, ?4, ?5, ?6, 0, 0, ?7)";
static const char SQL_GOV_REPLACE[] =
    "UPDATE approvers SET uid = ?2, pubkey = ?3, public_id = ?4, "
    "private_id = ?5, aes_key = ?6, counter = 0, use = 0, enrolled = ?7 "
    "WHERE name = ?1";
static const char SQL_GOV_REVOKE[] = "DELETE FROM approvers WHERE name = ?";
static const char SQL_KEPT_CLEAR[] = "DELETE FROM policy_files";
static const char SQL_KEPT_ADD[] =
    "INSERT INTO policy_files(name, text) VALUES (?, ?)";
static const char SQL_KEPT_GET[] =
    "SELECT name, text FROM policy_files ORDER BY name";

static int
meta_blob(struct daemon *d, const char *key, uint8_t *out, size_t n)
{
	sqlite3_stmt *st = stmt(d, SQL_META_GET);
	int r = -1;

	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW &&
	    (size_t)sqlite3_column_bytes(st, 0) == n) {
		memcpy(out, sqlite3_column_blob(st, 0), n);
		r = 0;
	}
	sqlite3_reset(st);
	return r;
}

static int
meta_set(struct daemon *d, const char *key, const void *v, size_t n)
{
	sqlite3_stmt *st = stmt(d, SQL_META_SET);
	int ok;

	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 2, v, (int)n, SQLITE_STATIC);
	ok = sqlite3_step(st) == SQLITE_DONE;
	sqlite3_reset(st);
	return ok ? 0 : GK_ERR_DB;
}

int
governance_sealed(struct daemon *d)
{
	sqlite3_stmt *st = stmt(d, SQL_META_GET);
	int r;

	sqlite3_bind_text(st, 1, "sealed", -1, SQLITE_STATIC);
	r = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_reset(st);
	return r;
}

static int64_t
count_approvers(struct daemon *d)
{
	sqlite3_stmt *st = stmt(d, SQL_COUNT_APPROVERS);
	int64_t n;

	n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_reset(st);
	return n;
}

/* The hash that binds every field of the change into the request digest. */
static int
binding(const struct change *ch, uint8_t out[GK_DIGEST_LEN])
{
	struct gk_buf b;
	int r;

	gk_buf_init(&b, 4096);
	if ((r = gk_canon_str(&b, GOV_TAG)) == 0 &&
	    (r = gk_canon_str(&b, ch->kind)) == 0 &&
	    (r = gk_canon_str(&b, ch->name)) == 0 &&
	    (r = gk_canon_i64(&b, ch->uid)) == 0 &&
	    (r = gk_canon_bytes(&b, ch->pubkey, sizeof(ch->pubkey))) == 0 &&
	    (r = gk_canon_str(&b, ch->pubid)) == 0 &&
	    (r = gk_canon_bytes(&b, ch->privid, sizeof(ch->privid))) == 0 &&
	    (r = gk_canon_bytes(&b, ch->aes, sizeof(ch->aes))) == 0 &&
	    (r = gk_canon_bytes(&b, ch->policy, sizeof(ch->policy))) == 0)
		gk_digest(&b, out);
	gk_buf_free(&b);	/* wiped: it held the token's secrets */
	return r;
}

/* What approvers are shown instead of the token's secret halves. */
static void
token_hash(const struct change *ch, char out[33])
{
	crypto_generichash_state h;
	uint8_t v[16];

	crypto_generichash_init(&h, NULL, 0, sizeof(v));
	crypto_generichash_update(&h, (const uint8_t *)"gatekeeper token v1", 19);
	crypto_generichash_update(&h, ch->privid, sizeof(ch->privid));
	crypto_generichash_update(&h, ch->aes, sizeof(ch->aes));
	crypto_generichash_final(&h, v, sizeof(v));
	gk_hex(v, sizeof(v), out);
}

static void
send_held(struct conn *c, int64_t id, const char *fp)
{
	struct gk_msg m;
	char msg[300];

	snprintf(msg, sizeof(msg), "held for approval: request %lld "
	    "(fingerprint %s) needs %d approvals from the enrolled approvers "
	    "(gk-approve approve %lld); nothing changes until then",
	    (long long)id, fp, GOV_NEED, (long long)id);
	gk_msg_begin(&m, GK_T_OK);
	gk_msg_add_str(&m, "message", msg);
	gk_msg_add_i64(&m, "held", id);
	conn_send(c, &m);
}

/*
 * Records the governance request for ch, shown as argv, asked by c (NULL:
 * the daemon itself, for a policy reload). Returns its number, or 0 with
 * the reason told to c (or logged).
 */
static int64_t
gov_create(struct daemon *d, struct conn *c, const struct change *ch,
    size_t argc, char **argv)
{
	struct gk_request_fields f;
	struct newreq nr;
	sqlite3_stmt *st;
	char **members = NULL, *command = NULL, detail[400], hexd[65];
	char fp[GK_FINGERPRINT_LEN + 1];
	uint8_t digest[GK_DIGEST_LEN];
	size_t nmembers = 0, i;
	int64_t id = 0, now = time(NULL);
	const char *why = "cannot record the request";

	st = stmt(d, SQL_NAMES);
	while (sqlite3_step(st) == SQLITE_ROW && nmembers < 4096) {
		char **nm = reallocarray(members, nmembers + 1, sizeof(*nm));

		if (nm == NULL)
			break;
		members = nm;
		if ((members[nmembers] = strdup((const char *)
		    sqlite3_column_text(st, 0))) == NULL)
			break;
		nmembers++;
	}
	sqlite3_reset(st);
	if (nmembers < GOV_NEED) {
		why = "fewer than 2 approvers are enrolled: no change could "
		    "ever be approved";
		goto fail;
	}
	if ((command = gk_escape_argv(argc, argv)) == NULL)
		goto fail;
	if (store_begin(d) != 0)
		goto fail;
	if ((id = request_next_id(d)) <= 0)
		goto roll;
	memset(&f, 0, sizeof(f));
	f.host_id = d->host;
	f.number = (uint64_t)id;
	randombytes_buf(f.nonce, sizeof(f.nonce));
	f.uid = 0;
	f.user = "root";
	f.argc = argc;
	f.argv = argv;
	f.exe_path = GOV_EXE;
	if (binding(ch, f.exe_hash) != 0)
		goto roll;
	f.cwd = "/";
	f.run_as = "root";
	f.rule = GOV_RULE;
	f.reason = "";
	f.created = now;
	f.expires = now + GOV_EXPIRE;
	if (gk_request_digest(&f, digest) != 0)
		goto roll;
	memset(&nr, 0, sizeof(nr));
	nr.f = &f;
	nr.state = GK_ST_PENDING;
	nr.need = GOV_NEED;
	nr.set_name = GOV_SET;
	nr.nmembers = nmembers;
	nr.members = members;
	nr.digest = digest;
	nr.session = "";
	if (request_insert(d, &nr) != 0)
		goto roll;
	st = stmt(d, SQL_GOV_INSERT);
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, ch->kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, ch->name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, ch->uid);
	sqlite3_bind_blob(st, 5, ch->pubkey, sizeof(ch->pubkey), SQLITE_STATIC);
	sqlite3_bind_text(st, 6, ch->pubid, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 7, ch->privid, sizeof(ch->privid), SQLITE_STATIC);
	sqlite3_bind_blob(st, 8, ch->aes, sizeof(ch->aes), SQLITE_STATIC);
	sqlite3_bind_blob(st, 9, ch->policy, sizeof(ch->policy), SQLITE_STATIC);
	i = sqlite3_step(st) == SQLITE_DONE;
	sqlite3_reset(st);
	if (!i)
		goto roll;
	gk_fingerprint(digest, fp);
	gk_hex(digest, sizeof(digest), hexd);
	snprintf(detail, sizeof(detail), "rule=%s action=approve need=%d set=%s "
	    "fingerprint=%s digest=%s state=%s change=%s asked_by=%s", GOV_RULE,
	    GOV_NEED, GOV_SET, fp, hexd, GK_ST_PENDING, ch->kind,
	    c != NULL ? c->name : "gatekeeperd");
	if (request_terms_field(&nr, detail, sizeof(detail)) != 0 ||
	    audit_append(d, "request", 0, "root", id, "", command, detail) != 0)
		goto roll;
	if (store_commit(d) != 0) {
		id = 0;
		goto fail;
	}
	checkpoint_maybe(d, 0);
	dlog(d, LOG_NOTICE, "governance request %lld: %s (needs %d approvals)",
	    (long long)id, command, GOV_NEED);
	notify_event(d, "created", id, c != NULL ? c->name : NULL);
	if (c != NULL)
		send_held(c, id, fp);
	goto out;
 roll:
	store_rollback(d);
	id = 0;
 fail:
	if (c != NULL)
		conn_error(c, GK_E_STATE, "%s", why);
	else
		dlog(d, LOG_ERR, "governance: %s", why);
 out:
	gk_strv_free(members, nmembers);
	free(command);
	return id;
}

int
governance_enroll(struct daemon *d, struct conn *c, const char *name,
    int64_t uid, const uint8_t pub[32], const char *pubid,
    const uint8_t *privid, const uint8_t *aes, int replace)
{
	struct change ch;
	sqlite3_stmt *st;
	char uids[24], pk[80], yk[80], th[33];
	char *argv[] = { "gkctl", "enroll", (char *)name, "--uid", uids,
	    "--pubkey", pk, "--yubikey", yk, "--replace" };
	int clash;

	if (!governance_sealed(d))
		return 0;
	memset(&ch, 0, sizeof(ch));
	snprintf(ch.kind, sizeof(ch.kind), "%s", replace ? "replace" : "enroll");
	snprintf(ch.name, sizeof(ch.name), "%s", name);
	ch.uid = uid;
	memcpy(ch.pubkey, pub, sizeof(ch.pubkey));
	snprintf(ch.pubid, sizeof(ch.pubid), "%s", pubid);
	memcpy(ch.privid, privid, sizeof(ch.privid));
	memcpy(ch.aes, aes, sizeof(ch.aes));
	/* Refuse now what could never be applied. */
	st = stmt(d, replace ? SQL_APPROVER_NAMED : SQL_APPROVER_EXISTS);
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	if (!replace) {
		sqlite3_bind_int64(st, 2, uid);
		sqlite3_bind_text(st, 3, pubid, -1, SQLITE_STATIC);
	}
	clash = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_reset(st);
	if (clash != replace) {
		conn_error(c, GK_E_STATE, replace ? "%s is not an enrolled "
		    "approver" : "cannot enroll %s: the name, the uid or the "
		    "YubiKey is already enrolled", name);
		goto out;
	}
	snprintf(uids, sizeof(uids), "%lld", (long long)uid);
	snprintf(pk, sizeof(pk), "ed25519:");
	gk_hex(pub, 32, pk + 8);
	token_hash(&ch, th);
	snprintf(yk, sizeof(yk), "%s:secret-hash:%s", pubid, th);
	gov_create(d, c, &ch, replace ? 10 : 9, argv);
 out:
	sodium_memzero(&ch, sizeof(ch));
	return 1;
}

int
governance_revoke(struct daemon *d, struct conn *c, const char *name)
{
	struct change ch;
	sqlite3_stmt *st;
	char *argv[] = { "gkctl", "revoke", (char *)name };
	int known;

	if (!governance_sealed(d))
		return 0;
	st = stmt(d, SQL_APPROVER_NAMED);
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	known = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_reset(st);
	if (!known) {
		conn_error(c, GK_E_NOTFOUND, "%s is not an enrolled approver",
		    name);
		return 1;
	}
	if (count_approvers(d) - 1 < GOV_NEED) {
		conn_error(c, GK_E_STATE, "revoking %s would leave fewer than "
		    "%d approvers: no change could be approved any more", name,
		    GOV_NEED);
		return 1;
	}
	memset(&ch, 0, sizeof(ch));
	snprintf(ch.kind, sizeof(ch.kind), "revoke");
	snprintf(ch.name, sizeof(ch.name), "%s", name);
	gov_create(d, c, &ch, 3, argv);
	return 1;
}

int
governance_lift(struct daemon *d, struct conn *c)
{
	struct change ch;
	char *argv[] = { "gkctl", "lockdown", "lift" };

	memset(&ch, 0, sizeof(ch));
	snprintf(ch.kind, sizeof(ch.kind), "lockdown-lift");
	return gov_create(d, c, &ch, 3, argv) > 0 ? 0 : -1;
}

/* Keeps p's files as the approved policy (inside the open transaction). */
static int
policy_keep(struct daemon *d, const struct gk_policy *p)
{
	sqlite3_stmt *st = stmt(d, SQL_KEPT_CLEAR);
	size_t i;
	int ok;

	ok = sqlite3_step(st) == SQLITE_DONE;
	sqlite3_reset(st);
	for (i = 0; ok && i < p->ntexts; i++) {
		st = stmt(d, SQL_KEPT_ADD);
		sqlite3_bind_text(st, 1, p->texts[i].name, -1, SQLITE_STATIC);
		sqlite3_bind_blob(st, 2, p->texts[i].text, (int)p->texts[i].len,
		    SQLITE_STATIC);
		ok = sqlite3_step(st) == SQLITE_DONE;
		sqlite3_reset(st);
	}
	return ok ? 0 : GK_ERR_DB;
}

/* The kept approved policy, if it is there and has the approved digest. */
static struct gk_policy *
policy_kept(struct daemon *d, const uint8_t approved[GK_DIGEST_LEN])
{
	struct gk_policy_errors errs = { 0 };
	struct gk_policy_text *t = NULL, *nt;
	struct gk_policy *p = NULL;
	sqlite3_stmt *st = stmt(d, SQL_KEPT_GET);
	size_t n = 0, i;
	int bad = 0;

	/* Copied at once: the next step invalidates the column pointers. */
	while (!bad && sqlite3_step(st) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(st, 0);
		const void *blob = sqlite3_column_blob(st, 1);
		size_t len = (size_t)sqlite3_column_bytes(st, 1);

		if (name == NULL || len > GK_POLICY_MAX_FILE ||
		    (nt = reallocarray(t, n + 1, sizeof(*t))) == NULL) {
			bad = 1;
			break;
		}
		t = nt;
		t[n].name = strdup(name);
		t[n].text = malloc(len + 1);
		t[n].len = len;
		if (t[n].name == NULL || t[n].text == NULL) {
			free(t[n].name);
			free(t[n].text);
			bad = 1;
			break;
		}
		if (len > 0)
			memcpy(t[n].text, blob, len);
		t[n].text[len] = '\0';
		n++;
	}
	sqlite3_reset(st);
	if (!bad && gk_policy_from_texts(d->policydir, t, n, &p, &errs) == 0 &&
	    sodium_memcmp(p->digest, approved, GK_DIGEST_LEN) != 0) {
		gk_policy_free(p);
		p = NULL;
	}
	for (i = 0; i < errs.n; i++)
		dlog(d, LOG_ERR, "kept policy: %s", errs.msgs[i]);
	gk_policy_errors_free(&errs);
	for (i = 0; i < n; i++) {
		free(t[i].name);
		free(t[i].text);
	}
	free(t);
	return p;
}

int
governance_policy_hold(struct daemon *d, const struct gk_policy *p,
    int initial)
{
	struct change ch;
	sqlite3_stmt *st;
	uint8_t approved[GK_DIGEST_LEN];
	char hex[65], detail[200], *argv[4];
	char dig[80];
	int64_t id = 0;

	if (!governance_sealed(d))
		return 0;
	if (meta_blob(d, "policy_digest", approved, sizeof(approved)) == 0 &&
	    sodium_memcmp(approved, p->digest, sizeof(approved)) == 0)
		return 0;
	gk_hex(p->digest, GK_DIGEST_LEN, hex);
	st = stmt(d, SQL_GOV_PENDING_POLICY);
	sqlite3_bind_blob(st, 1, p->digest, GK_DIGEST_LEN, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		id = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (id == 0) {
		memset(&ch, 0, sizeof(ch));
		snprintf(ch.kind, sizeof(ch.kind), "policy");
		snprintf(ch.name, sizeof(ch.name), "policy");
		memcpy(ch.policy, p->digest, GK_DIGEST_LEN);
		snprintf(dig, sizeof(dig), "--digest=%s", hex);
		argv[0] = "gatekeeperd";
		argv[1] = "load-policy";
		argv[2] = (char *)d->policydir;
		argv[3] = dig;
		id = gov_create(d, NULL, &ch, 4, argv);
	}
	snprintf(detail, sizeof(detail), "digest=%s held_by=%lld", hex,
	    (long long)id);
	audit_event(d, "reload-held", 0, "root", 0, "", "", detail);
	if (initial && d->policy == NULL) {
		struct gk_policy *kept = policy_kept(d, approved);

		if (kept == NULL) {
			dlog(d, LOG_ERR, "no kept copy of the approved policy: "
			    "everything is denied until the change is approved");
			kept = gk_policy_new();
		}
		if (kept != NULL)
			policy_install(d, kept);
	}
	dlog(d, LOG_WARNING, "%s: the policy changed (digest %s): held for "
	    "approval as request %lld; the approved policy stays in force",
	    d->policydir, hex, (long long)id);
	return 1;
}

void
h_seal(struct daemon *d, struct conn *c, struct gk_msg *m)
{
	char detail[200], hex[65];
	int64_t n, now = time(NULL);
	char when[24];

	(void)m;
	if (governance_sealed(d)) {
		conn_error(c, GK_E_STATE, "the approver set is already sealed");
		return;
	}
	if ((n = count_approvers(d)) < GOV_NEED) {
		conn_error(c, GK_E_STATE, "sealing needs at least %d enrolled "
		    "approvers (there %s %lld)", GOV_NEED, n == 1 ? "is" : "are",
		    (long long)n);
		return;
	}
	snprintf(when, sizeof(when), "%lld", (long long)now);
	gk_hex(d->policy->digest, GK_DIGEST_LEN, hex);
	snprintf(detail, sizeof(detail), "approvers=%lld policy_digest=%s",
	    (long long)n, hex);
	if (store_begin(d) != 0 || meta_set(d, "sealed", when, strlen(when)) ||
	    meta_set(d, "policy_digest", d->policy->digest, GK_DIGEST_LEN) ||
	    policy_keep(d, d->policy) != 0 ||
	    audit_append(d, "seal", c->uid, c->name, 0, "", "", detail) != 0) {
		store_rollback(d);
		conn_error(c, GK_E_INTERNAL, "cannot record the seal");
		return;
	}
	if (store_commit(d) != 0) {
		conn_error(c, GK_E_INTERNAL, "cannot record the seal");
		return;
	}
	dlog(d, LOG_NOTICE, "approver set sealed (%lld approvers)", (long long)n);
	conn_ok(c, "sealed: enrolling, changing or revoking an approver and "
	    "changing the policy now need 2 approvals");
}

int
governance_is(struct daemon *d, int64_t id, const char *kind)
{
	sqlite3_stmt *st = stmt(d, SQL_GOV_GET);
	int r = 0;

	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW)
		r = kind == NULL || strcmp((const char *)sqlite3_column_text(st,
		    0), kind) == 0;
	sqlite3_reset(st);
	return r;
}

static int
load_change(struct daemon *d, int64_t id, struct change *ch)
{
	sqlite3_stmt *st = stmt(d, SQL_GOV_GET);
	int r = -1;

	memset(ch, 0, sizeof(*ch));
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW &&
	    sqlite3_column_bytes(st, 3) == sizeof(ch->pubkey) &&
	    sqlite3_column_bytes(st, 4) <= GK_OTP_PUBID_LEN &&
	    sqlite3_column_bytes(st, 5) == sizeof(ch->privid) &&
	    sqlite3_column_bytes(st, 6) == sizeof(ch->aes) &&
	    sqlite3_column_bytes(st, 7) == sizeof(ch->policy)) {
		snprintf(ch->kind, sizeof(ch->kind), "%s",
		    (const char *)sqlite3_column_text(st, 0));
		snprintf(ch->name, sizeof(ch->name), "%s",
		    (const char *)sqlite3_column_text(st, 1));
		ch->uid = sqlite3_column_int64(st, 2);
		memcpy(ch->pubkey, sqlite3_column_blob(st, 3), sizeof(ch->pubkey));
		snprintf(ch->pubid, sizeof(ch->pubid), "%s",
		    (const char *)sqlite3_column_text(st, 4));
		memcpy(ch->privid, sqlite3_column_blob(st, 5), sizeof(ch->privid));
		memcpy(ch->aes, sqlite3_column_blob(st, 6), sizeof(ch->aes));
		memcpy(ch->policy, sqlite3_column_blob(st, 7), sizeof(ch->policy));
		r = 0;
	}
	sqlite3_reset(st);
	return r;
}

/* The requests not yet final that name approved: its votes there are
 * void from now on (request_approvals no longer counts them). */
static const char SQL_GOV_VOIDED[] =
    "SELECT a.request FROM approvals a JOIN requests r ON r.id = a.request "
    "WHERE a.approver = ? AND a.decision = 'approve' AND r.state IN "
    "('pending', 'approved') ORDER BY a.request";

int
approver_remove(struct daemon *d, const char *name, int64_t request)
{
	sqlite3_stmt *st = stmt(d, SQL_GOV_REVOKE);
	char detail[300], *p;
	size_t l;
	int ok;

	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	ok = sqlite3_step(st) == SQLITE_DONE && sqlite3_changes(d->db) == 1;
	sqlite3_reset(st);
	if (!ok)
		return GK_ERR_STATE;
	detail[0] = '\0';
	if (request > 0)
		snprintf(detail, sizeof(detail), "request=%lld",
		    (long long)request);
	st = stmt(d, SQL_GOV_VOIDED);
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	for (p = NULL; sqlite3_step(st) == SQLITE_ROW; ) {
		l = strlen(detail);
		if (l + 24 >= sizeof(detail)) {
			snprintf(detail + l, sizeof(detail) - l, ",...");
			break;
		}
		snprintf(detail + l, sizeof(detail) - l, "%s%lld", p == NULL ?
		    (l > 0 ? " voided=" : "voided=") : ",",
		    (long long)sqlite3_column_int64(st, 0));
		p = detail;
	}
	sqlite3_reset(st);
	return audit_append(d, "revoke", -1, name, request, "", "", detail);
}

int
approver_store(struct daemon *d, const char *name, int64_t uid,
    const uint8_t pub[32], const char *pubid, const uint8_t *privid,
    const uint8_t *aes, int replace, int64_t request)
{
	sqlite3_stmt *st;
	char detail[300], pkhex[65], req[40];
	int ok;

	st = stmt(d, replace ? SQL_GOV_REPLACE : SQL_GOV_ENROLL);
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, uid);
	sqlite3_bind_blob(st, 3, pub, 32, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, pubid, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 5, privid, GK_OTP_PRIVID_LEN, SQLITE_STATIC);
	sqlite3_bind_blob(st, 6, aes, GK_OTP_KEY_LEN, SQLITE_STATIC);
	sqlite3_bind_int64(st, 7, time(NULL));
	ok = sqlite3_step(st) == SQLITE_DONE && sqlite3_changes(d->db) == 1;
	sqlite3_reset(st);
	if (!ok)
		return GK_ERR_STATE;
	gk_hex(pub, 32, pkhex);
	req[0] = '\0';
	if (request > 0)
		snprintf(req, sizeof(req), " request=%lld", (long long)request);
	snprintf(detail, sizeof(detail), "uid=%lld public_id=%s pubkey=%s%s%s",
	    (long long)uid, pubid, pkhex, replace ? " replace=1" : "", req);
	return audit_append(d, "enroll", uid, name, request, "", "", detail);
}

/* The approver rows of an enrolment, a token change or a revocation. */
static int
apply_approver(struct daemon *d, const struct change *ch, int64_t id)
{
	if (strcmp(ch->kind, "revoke") == 0) {
		if (count_approvers(d) - 1 < GOV_NEED)
			return GK_ERR_STATE;
		return approver_remove(d, ch->name, id);
	}
	return approver_store(d, ch->name, ch->uid, ch->pubkey, ch->pubid,
	    ch->privid, ch->aes, strcmp(ch->kind, "replace") == 0, id);
}

/* Ends governance request row in state with its audit record. */
static void
gov_end(struct daemon *d, const struct gk_reqrow *row, const char *state,
    const char *kind, const char *why)
{
	char extra[200];

	snprintf(extra, sizeof(extra), "change=%s%s%s", kind, why ? " why=" : "",
	    why ? why : "");
	if (request_finish(d, row, state, "governance", 0, "root", extra) != 0) {
		dlog(d, LOG_ERR, "governance request %lld: cannot record its end",
		    (long long)row->id);
		return;
	}
	dlog(d, LOG_WARNING, "governance request %lld (%s) %s%s%s",
	    (long long)row->id, kind, state, why ? ": " : "", why ? why : "");
	request_end(d, row->id, state, NULL, why ? why : state);
}

static void
governance_apply(struct daemon *d, int64_t id)
{
	struct gk_policy_errors errs = { 0 };
	struct gk_request_fields f;
	struct gk_policy *p = NULL;
	struct gk_reqrow row;
	struct change ch;
	uint8_t h[GK_DIGEST_LEN], digest[GK_DIGEST_LEN];
	char detail[300], hex[65];
	int r;

	if (gk_reqrow_load(d->db, id, &row) != 0)
		return;
	if (strcmp(row.state, GK_ST_APPROVED) != 0)
		goto out;
	gk_reqrow_fields(&row, &f);
	if (load_change(d, id, &ch) != 0 || binding(&ch, h) != 0 ||
	    sodium_memcmp(h, row.exe_hash, sizeof(h)) != 0 ||
	    gk_request_digest(&f, digest) != 0 ||
	    sodium_memcmp(digest, row.digest, sizeof(digest)) != 0) {
		gov_end(d, &row, GK_ST_REFUSED, ch.kind[0] ? ch.kind : "?",
		    "the stored change is not the approved one");
		goto out;
	}
	if (strcmp(ch.kind, "policy") == 0) {
		if (gk_policy_load_dir(d->policydir, &p, &errs) != 0) {
			gov_end(d, &row, GK_ST_REFUSED, ch.kind,
			    "the policy directory no longer loads");
			goto out;
		}
		if (sodium_memcmp(p->digest, ch.policy, GK_DIGEST_LEN) != 0) {
			gov_end(d, &row, GK_ST_REFUSED, ch.kind,
			    "the policy changed again since it was approved");
			goto out;
		}
	}
	if (store_begin(d) != 0)
		goto out;
	if (strcmp(ch.kind, "policy") == 0) {
		gk_hex(p->digest, GK_DIGEST_LEN, hex);
		snprintf(detail, sizeof(detail), "rules=%zu digest=%s request=%lld",
		    p->nrules, hex, (long long)id);
		r = meta_set(d, "policy_digest", p->digest, GK_DIGEST_LEN) ||
		    policy_keep(d, p) ||
		    audit_append(d, "reload", 0, "root", id, "", "", detail);
	} else if (strcmp(ch.kind, "lockdown-lift") == 0)
		r = lockdown_clear(d, id);
	else
		r = apply_approver(d, &ch, id);
	snprintf(detail, sizeof(detail), "state=%s change=%s", GK_ST_DONE,
	    ch.kind);
	if (r != 0 || request_set_state(d, id, GK_ST_DONE) != 0 ||
	    audit_append(d, "governance", 0, "root", id, "", "", detail) != 0) {
		store_rollback(d);
		gov_end(d, &row, GK_ST_FAILED, ch.kind, "it cannot be applied "
		    "any more (a name, uid or YubiKey conflict, or too few "
		    "approvers left)");
		goto out;
	}
	if (store_commit(d) != 0)
		goto out;
	if (p != NULL) {
		policy_install(d, p);
		p = NULL;
	}
	checkpoint_maybe(d, 0);
	dlog(d, LOG_NOTICE, "governance request %lld applied: %s %s",
	    (long long)id, ch.kind, ch.name);
	request_end(d, id, GK_ST_DONE, NULL, "applied");
	notify_event(d, strcmp(ch.kind, "lockdown-lift") == 0 ?
	    "lockdown-lifted" : "executed", id, NULL);
 out:
	for (r = 0; r < (int)errs.n; r++)
		dlog(d, LOG_ERR, "%s", errs.msgs[r]);
	gk_policy_errors_free(&errs);
	gk_policy_free(p);
	sodium_memzero(&ch, sizeof(ch));
	gk_reqrow_free(&row);
}

/*
 * The quorum again, when an approved request would start: an approval by
 * an approver revoked (or given a new key) since no longer counts. Short
 * of it, the request is pending again (audited quorum-lost) and waits
 * for more approvals; 0 when it may start.
 */
static int
quorum_holds(struct daemon *d, int64_t id)
{
	struct gk_reqrow row;
	char detail[120];
	int64_t n;
	int r = -1;

	if (gk_reqrow_load(d->db, id, &row) != 0)
		return -1;
	if (row.need <= 0 || strcmp(row.state, GK_ST_APPROVED) != 0 ||
	    (n = request_approvals(d, id)) >= row.need) {
		r = 0;
		goto out;
	}
	snprintf(detail, sizeof(detail), "approvals=%lld need=%lld state=%s "
	    "why=an_approver_was_revoked_or_replaced", (long long)n,
	    (long long)row.need, GK_ST_PENDING);
	if (store_begin(d) != 0)
		goto out;
	if (request_set_state(d, id, GK_ST_PENDING) != 0 ||
	    audit_append(d, "quorum-lost", 0, "root", id, "", "", detail) != 0) {
		store_rollback(d);
		goto out;
	}
	if (store_commit(d) != 0)
		goto out;
	dlog(d, LOG_NOTICE, "request %lld: %lld of %lld approvals still count; "
	    "pending again", (long long)id, (long long)n, (long long)row.need);
 out:
	gk_reqrow_free(&row);
	return r;
}

void
request_run(struct daemon *d, int64_t id)
{
	if (quorum_holds(d, id) != 0)
		return;
	if (governance_is(d, id, NULL))
		governance_apply(d, id);
	else
		request_go(d, id);	/* the daemon runs it, or sudo/su */
}

void
governance_tick(struct daemon *d)
{
	static int64_t last;
	int64_t now = time(NULL);
	sqlite3_stmt *st;

	if (now - last < GOV_SWEEP)
		return;
	last = now;
	st = stmt(d, SQL_GOV_SWEEP);
	if (sqlite3_step(st) != SQLITE_DONE)
		dlog(d, LOG_ERR, "governance sweep: %s", sqlite3_errmsg(d->db));
	sqlite3_reset(st);
}
