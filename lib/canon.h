/*
 * Canonical encoding and digests.
 *
 * The canonical encoding is a sequence of fields, each a u32 big-endian
 * length then its exact bytes; an integer is an 8-byte big-endian field; a
 * list is its element count (an integer field) then its elements. The
 * first field is always a domain tag naming what is encoded, so a digest
 * of one kind can never be taken for another. Digests are BLAKE2b-256.
 *
 * MUST:
 * - encode every byte of every element (argv elements may hold any byte
 *   but NUL; "a b" and "a","b" encode differently);
 * - use one encoding for the daemon, gk-approve and gk-audit verify.
 */
#ifndef GK_CANON_H
#define GK_CANON_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define GK_DIGEST_LEN		32
#define GK_NONCE_LEN		16
#define GK_FINGERPRINT_LEN	19	/* "abcd-ef01-2345-6789" */

#define GK_TAG_REQUEST		"gatekeeper request v1"
#define GK_TAG_APPROVAL		"gatekeeper approval v1"

int	gk_canon_bytes(struct gk_buf *b, const void *p, size_t n);
int	gk_canon_str(struct gk_buf *b, const char *s);	/* NULL encodes as "" */
int	gk_canon_u64(struct gk_buf *b, uint64_t v);
int	gk_canon_i64(struct gk_buf *b, int64_t v);
int	gk_canon_strlist(struct gk_buf *b, size_t n, char *const *v);

/* BLAKE2b-256 of the written bytes of b. */
void	gk_digest(const struct gk_buf *b, uint8_t out[GK_DIGEST_LEN]);

/* Everything a request digest covers (DESIGN.md section 5). */
struct gk_request_fields {
	const char	*host_id;
	uint64_t	 number;
	uint8_t		 nonce[GK_NONCE_LEN];
	uint32_t	 uid;
	const char	*user;
	size_t		 argc;
	char *const	*argv;
	const char	*exe_path;
	uint8_t		 exe_hash[GK_DIGEST_LEN];
	const char	*cwd;
	size_t		 npaths;
	char *const	*paths;		/* canonical path arguments */
	const char	*run_as;
	const char	*rule;
	const char	*reason;
	int64_t		 created;
	int64_t		 expires;
};

int	gk_request_digest(const struct gk_request_fields *f,
	    uint8_t out[GK_DIGEST_LEN]);

/*
 * The message an approver signs: domain tag, request digest, decision
 * ("approve" or "deny"), the OTP, the approver's name and the time.
 */
int	gk_approval_message(struct gk_buf *b, const uint8_t digest[GK_DIGEST_LEN],
	    const char *decision, const char *otp, const char *approver,
	    int64_t when);

/* The short form shown to people: first 8 digest bytes, hex, dashed. */
void	gk_fingerprint(const uint8_t digest[GK_DIGEST_LEN],
	    char out[GK_FINGERPRINT_LEN + 1]);

/* Lower-case hex of n bytes into out (2n+1 bytes). */
void	gk_hex(const uint8_t *p, size_t n, char *out);
/* Parses exactly 2n hex digits into n bytes; GK_ERR_FORMAT otherwise. */
int	gk_unhex(const char *s, uint8_t *out, size_t n);

#endif
