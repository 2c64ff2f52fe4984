/*
 * A row of the `requests` table, as both the daemon and gk-audit verify
 * read it, and the digest fields it stands for.
 */
#ifndef GK_REQROW_H
#define GK_REQROW_H

#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#include "canon.h"

struct gk_reqrow {
	int64_t	  id;
	char	 *state;
	char	 *host;
	uint8_t	  nonce[GK_NONCE_LEN];
	int64_t	  uid;
	char	 *user;
	char	**argv;
	size_t	  argc;
	char	 *exe;
	uint8_t	  exe_hash[GK_DIGEST_LEN];
	char	 *cwd;
	char	**paths;
	size_t	  npaths;
	char	 *run_as;
	char	 *rule;
	int64_t	  need;
	char	 *set_name;
	char	**members;
	size_t	  nmembers;
	char	 *reason;
	int64_t	  created, expires, delay, run_at;
	uint8_t	  digest[GK_DIGEST_LEN];
	int64_t	  status;	/* -1 until it ran */
	char	 *session;
};

/*
 * The terms of a request that its digest does not cover: how many
 * approvals it needs, from which set (name and members), its delay and
 * the session it was asked from. The daemon writes their hash as terms=HEX
 * in the request's `request` audit record, so the chain covers them;
 * gk_audit_verify compares it with the row.
 */
#define GK_TAG_TERMS	"gatekeeper request terms v1"
int	gk_request_terms(int64_t need, const char *set_name, size_t nmembers,
	    char *const *members, int64_t delay, const char *session,
	    uint8_t out[GK_DIGEST_LEN]);

/* The columns, in the order gk_reqrow_from_stmt reads them. */
#define GK_REQROW_COLUMNS "id, state, host, nonce, uid, user, argv, exe, " \
	"exe_hash, cwd, paths, run_as, rule, need, set_name, members, reason, " \
	"created, expires, delay, run_at, digest, status, session"

/* Reads the current row of st (selected with GK_REQROW_COLUMNS first). */
int	gk_reqrow_from_stmt(sqlite3_stmt *st, struct gk_reqrow *r);
/* Loads request id; GK_ERR_NOTFOUND when absent. */
int	gk_reqrow_load(sqlite3 *db, int64_t id, struct gk_reqrow *r);
void	gk_reqrow_free(struct gk_reqrow *r);
/* The digest fields of r (pointing into r). */
void	gk_reqrow_fields(const struct gk_reqrow *r, struct gk_request_fields *f);

/*
 * The identity of each canonical path argument (gk_path_id: "DEV:INO" or
 * "-"), as a new list (free with gk_strv_free): recorded in the column
 * requests.path_ids (not in the digest) when a request is made, and
 * compared before it runs or is authorized. GK_ERR_SYSTEM when a path
 * cannot be looked at.
 */
int	gk_path_ids(char *const *paths, size_t n, char ***ids);

/* Canonical string lists as stored in BLOB columns. */
int	gk_strlist_encode(struct gk_buf *b, size_t n, char *const *v);
int	gk_strlist_decode(const void *p, size_t len, char ***v, size_t *n);
/* (free a decoded list with gk_strv_free, buf.h) */

#endif
