/*
 * Test helpers: a request's digest recomputed from what SHOW tells, as an
 * approver client does before signing. Never installed.
 */
#ifndef GK_TEST_REQDIGEST_H
#define GK_TEST_REQDIGEST_H

#include <stdint.h>

#include "canon.h"

/* Asks SHOW id on fd and computes the request digest; 0 or -1. */
int	gk_test_request_digest(int fd, int64_t id,
	    uint8_t digest[GK_DIGEST_LEN]);

#endif
