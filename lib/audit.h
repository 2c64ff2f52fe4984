/*
 * The tamper-evident audit log (DESIGN.md section 7).
 *
 * Every event is a row of the `audit` table with a gapless sequence number
 * (= rowid) and hash = BLAKE2b(prev_hash || canonical record); the first
 * record's prev is 32 zero bytes. Every column takes part in the hash.
 * Checkpoints (seq, hash, time) are signed with the daemon's Ed25519 key.
 *
 * MUST:
 * - cover every stored column of a record with its hash;
 * - name the first bad record when verification fails;
 * - never hold an unspent OTP, a key or a passphrase in a record.
 */
#ifndef GK_AUDIT_H
#define GK_AUDIT_H

#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#include "canon.h"

#define GK_TAG_AUDIT		"gatekeeper audit v1"
#define GK_TAG_CHECKPOINT	"gatekeeper checkpoint v1"

/*
 * The daemon signs a checkpoint once GK_CHECKPOINT_EVERY records follow
 * the last stored one (counted from the database, so across restarts),
 * every 60 s, at stop and for `gk-audit checkpoint`; one transaction's
 * records come before the checkpoint that follows its commit, and no
 * transaction writes GK_CHECKPOINT_SLACK records. So no two consecutive
 * checkpoints (nor record 0 and the first) are further apart than
 * GK_CHECKPOINT_GAP_MAX records, which verify holds the log to.
 */
#define GK_CHECKPOINT_EVERY	1024
#define GK_CHECKPOINT_SLACK	64
#define GK_CHECKPOINT_GAP_MAX	(GK_CHECKPOINT_EVERY + GK_CHECKPOINT_SLACK)

struct gk_audit_rec {
	int64_t		 seq;
	int64_t		 time;
	const char	*event;		/* "request", "approve", "exec-start"... */
	int64_t		 uid;		/* -1: none */
	const char	*user;
	int64_t		 request;	/* 0: none */
	const char	*session;	/* "ssh=ADDR tty=T" or "" */
	const char	*command;	/* escaped command line or "" */
	const char	*detail;	/* key=value text */
	uint8_t		 prev[GK_DIGEST_LEN];
	uint8_t		 hash[GK_DIGEST_LEN];
};

/* hash = H(prev || canonical(rec)); fills rec->hash. */
int	gk_audit_hash(struct gk_audit_rec *rec);

/* The SQL schema every store has (daemon creates, gk-audit reads). */
extern const char gk_schema_sql[];
/* The statement that stores a record, and the binding of a record to it
 * (its strings must stay valid until the statement is stepped). */
extern const char gk_audit_insert_sql[];
void	gk_audit_bind(sqlite3_stmt *st, const struct gk_audit_rec *rec);

/* Checkpoint line: "gatekeeper-checkpoint seq=N hash=HEX time=T key=HEX
 * sig=HEX" over (tag, seq, hash, time). */
int	gk_checkpoint_message(struct gk_buf *b, int64_t seq,
	    const uint8_t hash[GK_DIGEST_LEN], int64_t time);

struct gk_checkpoint {
	int64_t	seq, time;
	uint8_t	hash[GK_DIGEST_LEN];
	uint8_t	key[32];
	uint8_t	sig[64];
};
int	gk_checkpoint_format(const struct gk_checkpoint *c, char *out, size_t n);
int	gk_checkpoint_parse(const char *line, struct gk_checkpoint *c);
int	gk_checkpoint_check(const struct gk_checkpoint *c);	/* signature */

/*
 * Verifies the whole store open in db: the chain; every checkpoint's
 * signature, no two further apart than GK_CHECKPOINT_GAP_MAX, and the
 * newest record covered by one (a log a daemon still writes is verified
 * through the daemon, which signs its head first); every request against
 * its audited digest and terms (reqrow.h); every approval's signature;
 * and for every request that was approved, ran or was authorized, `need`
 * approvals by distinct members of its set, none of them its requester.
 * With anchor (may be NULL) also that the record anchor->seq still has
 * anchor->hash and the key matches.
 * Returns 0 when intact (msg says how much was checked), 1 when tampered
 * (msg names the first bad record), or a GK_ERR_* (msg says why).
 */
int	gk_audit_verify(sqlite3 *db, const struct gk_checkpoint *anchor,
	    char *msg, size_t msglen);

#endif
