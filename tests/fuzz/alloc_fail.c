/*
 * The fuzzing entry point with forced allocation failures: each input runs
 * once with every allocation succeeding (counting them), then, when it
 * allocated anything, again with allocation K failing, K and the mode
 * (only K, or K and every later one) chosen from a hash of the input, so
 * a replay is deterministic. The second run must not crash or leak either:
 * that is how the error paths get exercised.
 *
 * It undefines alloc_fail.h's macros: it calls the real allocators.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "alloc_fail.h"

#undef malloc
#undef calloc
#undef realloc
#undef reallocarray
#undef strdup
#undef strndup

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static size_t	count;		/* allocations made in this run */
static size_t	fail_at;	/* 0: none; else the allocation number */
static int	fail_rest;	/* fail every allocation after fail_at too */
static int	failed;

static int
fail_now(void)
{
	count++;
	if (fail_at != 0 && (count == fail_at || (fail_rest && count > fail_at))) {
		failed = 1;
		return 1;
	}
	return 0;
}

int
gk_fa_failed(void)
{
	return failed;
}

void *
gk_fa_malloc(size_t n)
{
	return fail_now() ? NULL : malloc(n);
}

void *
gk_fa_calloc(size_t n, size_t s)
{
	return fail_now() ? NULL : calloc(n, s);
}

void *
gk_fa_realloc(void *p, size_t n)
{
	return fail_now() ? NULL : realloc(p, n);
}

void *
gk_fa_reallocarray(void *p, size_t n, size_t s)
{
	return fail_now() ? NULL : reallocarray(p, n, s);
}

char *
gk_fa_strdup(const char *s)
{
	return fail_now() ? NULL : strdup(s);
}

char *
gk_fa_strndup(const char *s, size_t n)
{
	return fail_now() ? NULL : strndup(s, n);
}

/* FNV-1a: a stable choice from the input's bytes. */
static uint64_t
input_hash(const uint8_t *d, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	size_t i;

	for (i = 0; i < n; i++)
		h = (h ^ d[i]) * 0x100000001b3ULL;
	return h;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint64_t h;
	size_t total;

	count = fail_at = 0;
	fail_rest = failed = 0;
	gk_fuzz_one(data, size);
	if ((total = count) == 0)
		return 0;
	h = input_hash(data, size);
	count = 0;
	fail_at = 1 + (size_t)((h >> 1) % total);
	fail_rest = (int)(h & 1);
	gk_fuzz_one(data, size);
	count = fail_at = 0;
	fail_rest = failed = 0;
	return 0;
}
