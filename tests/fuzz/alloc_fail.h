/*
 * Forced allocation failures for the fuzz targets and their corpus
 * replays. This header is force-included (-include) when lib/ and the
 * targets are compiled for fuzzing, so only our own code calls the
 * failing allocators; production objects never see it.
 */
#ifndef GK_ALLOC_FAIL_H
#define GK_ALLOC_FAIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

void	*gk_fa_malloc(size_t);
void	*gk_fa_calloc(size_t, size_t);
void	*gk_fa_realloc(void *, size_t);
void	*gk_fa_reallocarray(void *, size_t, size_t);
char	*gk_fa_strdup(const char *);
char	*gk_fa_strndup(const char *, size_t);

/* Nonzero once an allocation was made to fail in this run. */
int	gk_fa_failed(void);

/* What each target defines instead of LLVMFuzzerTestOneInput. */
int	gk_fuzz_one(const uint8_t *, size_t);

#define malloc(n)		gk_fa_malloc(n)
#define calloc(n, s)		gk_fa_calloc(n, s)
#define realloc(p, n)		gk_fa_realloc(p, n)
#define reallocarray(p, n, s)	gk_fa_reallocarray(p, n, s)
#define strdup(s)		gk_fa_strdup(s)
#define strndup(s, n)		gk_fa_strndup(s, n)

#endif
