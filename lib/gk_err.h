/*
 * Error codes of libgk. Every lib function that can fail returns 0 (or a
 * non-negative count) on success and a negative GK_ERR_* code on failure;
 * only a program's top level turns an error into an exit.
 */
#ifndef GK_ERR_H
#define GK_ERR_H

enum {
	GK_OK = 0,
	GK_ERR_INTERNAL = -1,	/* a bug: an invariant did not hold */
	GK_ERR_ALLOC = -2,	/* out of memory */
	GK_ERR_LIMIT = -3,	/* a size cap would be exceeded */
	GK_ERR_SHORT = -4,	/* not enough bytes (truncated input) */
	GK_ERR_FORMAT = -5,	/* malformed input (embedded NUL, bad field) */
	GK_ERR_SYSTEM = -6,	/* a system call failed; see errno */
	GK_ERR_UNSAFE = -7,	/* file or directory not trustworthy */
	GK_ERR_POLICY = -8,	/* policy has errors */
	GK_ERR_NOTFOUND = -9,	/* no such thing */
	GK_ERR_DENIED = -10,	/* not permitted */
	GK_ERR_PROTOCOL = -11,	/* peer broke the wire protocol */
	GK_ERR_VERSION = -12,	/* unsupported protocol version */
	GK_ERR_OTP = -13,	/* one-time password refused */
	GK_ERR_SIGNATURE = -14,	/* signature does not verify */
	GK_ERR_DB = -15,	/* database error */
	GK_ERR_EXISTS = -16,	/* already exists / already done */
	GK_ERR_STATE = -17,	/* not allowed in the current state */
	GK_ERR_CHANGED = -18,	/* something changed since it was approved */
};

/* A short static description of a GK_ERR_* code; never NULL. */
const char *gk_strerror(int err);

#endif
