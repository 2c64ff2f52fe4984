#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "gk_err.h"

void
gk_buf_init(struct gk_buf *b, size_t max)
{
	memset(b, 0, sizeof(*b));
	b->max = max;
}

void
gk_buf_view(struct gk_buf *b, const void *data, size_t len)
{
	memset(b, 0, sizeof(*b));
	b->data = (uint8_t *)data;
	b->len = b->cap = b->max = len;
	b->readonly = 1;
}

void
gk_buf_free(struct gk_buf *b)
{
	if (!b->readonly && b->data != NULL) {
		explicit_bzero(b->data, b->cap);
		free(b->data);
	}
	memset(b, 0, sizeof(*b));
}

void
gk_buf_reset(struct gk_buf *b)
{
	if (b->readonly) {
		b->off = b->len;
		return;
	}
	if (b->data != NULL)
		explicit_bzero(b->data, b->cap);
	b->len = b->off = 0;
}

size_t
gk_buf_avail(const struct gk_buf *b)
{
	return b->len - b->off;
}

const uint8_t *
gk_buf_ptr(const struct gk_buf *b)
{
	return b->data == NULL ? (const uint8_t *)"" : b->data + b->off;
}

int
gk_buf_consume(struct gk_buf *b, size_t n)
{
	if (n > gk_buf_avail(b))
		return GK_ERR_SHORT;
	b->off += n;
	return 0;
}

void
gk_buf_compact(struct gk_buf *b)
{
	if (b->readonly || b->off == 0)
		return;
	memmove(b->data, b->data + b->off, b->len - b->off);
	b->len -= b->off;
	explicit_bzero(b->data + b->len, b->off);
	b->off = 0;
}

uint8_t *
gk_buf_reserve(struct gk_buf *b, size_t n)
{
	size_t need, ncap;
	uint8_t *nd;

	if (b->readonly)
		return NULL;
	if (n > b->max || b->len > b->max - n)
		return NULL;
	need = b->len + n;
	if (need > b->cap) {
		ncap = b->cap < 256 ? 256 : b->cap;
		while (ncap < need)
			ncap = ncap > b->max / 2 ? b->max : ncap * 2;
		if (ncap > b->max)
			ncap = b->max;
		/* Not realloc: the old copy must be wiped before it is freed. */
		if ((nd = malloc(ncap)) == NULL)
			return NULL;
		if (b->data != NULL) {
			memcpy(nd, b->data, b->len);
			explicit_bzero(b->data, b->cap);
			free(b->data);
		}
		b->data = nd;
		b->cap = ncap;
	}
	return b->data + b->len;
}

int
gk_buf_put(struct gk_buf *b, const void *p, size_t n)
{
	uint8_t *d;

	if (b->readonly)
		return GK_ERR_INTERNAL;
	/* The common case: room already (cap never exceeds max). */
	if (n <= b->cap - b->len) {
		if (n > 0)
			memcpy(b->data + b->len, p, n);
		b->len += n;
		return 0;
	}
	if (n > b->max || b->len > b->max - n)
		return GK_ERR_LIMIT;
	/* Nothing to add: a buffer that never allocated has no room yet. */
	if (n == 0)
		return 0;
	if ((d = gk_buf_reserve(b, n)) == NULL)
		return GK_ERR_ALLOC;
	memcpy(d, p, n);
	b->len += n;
	return 0;
}

int
gk_buf_put_u8(struct gk_buf *b, uint8_t v)
{
	return gk_buf_put(b, &v, 1);
}

int
gk_buf_put_u32(struct gk_buf *b, uint32_t v)
{
	uint8_t x[4] = { v >> 24, v >> 16, v >> 8, v };

	return gk_buf_put(b, x, sizeof(x));
}

int
gk_buf_put_u64(struct gk_buf *b, uint64_t v)
{
	uint8_t x[8];
	int i;

	for (i = 0; i < 8; i++)
		x[i] = v >> (56 - 8 * i);
	return gk_buf_put(b, x, sizeof(x));
}

int
gk_buf_put_bytes(struct gk_buf *b, const void *p, size_t n)
{
	int r;

	if (n > UINT32_MAX)
		return GK_ERR_LIMIT;
	if (b->readonly)
		return GK_ERR_INTERNAL;
	if (n > b->max || 4 > b->max - n || b->len > b->max - n - 4)
		return GK_ERR_LIMIT;
	if ((r = gk_buf_put_u32(b, (uint32_t)n)) != 0)
		return r;
	return gk_buf_put(b, p, n);
}

int
gk_buf_put_string(struct gk_buf *b, const char *s, size_t n)
{
	if (n > 0 && memchr(s, '\0', n) != NULL)
		return GK_ERR_FORMAT;
	return gk_buf_put_bytes(b, s, n);
}

int
gk_buf_put_cstring(struct gk_buf *b, const char *s)
{
	return gk_buf_put_bytes(b, s, strlen(s));
}

int
gk_buf_get(struct gk_buf *b, void *out, size_t n)
{
	if (n > gk_buf_avail(b))
		return GK_ERR_SHORT;
	if (n > 0)
		memcpy(out, b->data + b->off, n);
	b->off += n;
	return 0;
}

int
gk_buf_get_u8(struct gk_buf *b, uint8_t *v)
{
	return gk_buf_get(b, v, 1);
}

int
gk_buf_get_u32(struct gk_buf *b, uint32_t *v)
{
	uint8_t x[4];
	int r;

	if ((r = gk_buf_get(b, x, sizeof(x))) != 0)
		return r;
	*v = (uint32_t)x[0] << 24 | (uint32_t)x[1] << 16 |
	    (uint32_t)x[2] << 8 | x[3];
	return 0;
}

int
gk_buf_get_u64(struct gk_buf *b, uint64_t *v)
{
	uint8_t x[8];
	uint64_t r = 0;
	int i, e;

	if ((e = gk_buf_get(b, x, sizeof(x))) != 0)
		return e;
	for (i = 0; i < 8; i++)
		r = r << 8 | x[i];
	*v = r;
	return 0;
}

int
gk_buf_get_bytes_direct(struct gk_buf *b, const uint8_t **p, size_t *n,
    size_t max)
{
	uint32_t len;
	size_t save = b->off;
	int r;

	if ((r = gk_buf_get_u32(b, &len)) != 0)
		return r;
	if (len > max) {
		b->off = save;
		return GK_ERR_LIMIT;
	}
	if (len > gk_buf_avail(b)) {
		b->off = save;
		return GK_ERR_SHORT;
	}
	*p = b->data + b->off;
	*n = len;
	b->off += len;
	return 0;
}

int
gk_buf_get_cstring(struct gk_buf *b, char **s, size_t max)
{
	const uint8_t *p;
	size_t n, save = b->off;
	int r;

	*s = NULL;
	if ((r = gk_buf_get_bytes_direct(b, &p, &n, max)) != 0)
		return r;
	if (n > 0 && memchr(p, '\0', n) != NULL) {
		b->off = save;
		return GK_ERR_FORMAT;
	}
	if ((*s = malloc(n + 1)) == NULL) {
		b->off = save;
		return GK_ERR_ALLOC;
	}
	if (n > 0)
		memcpy(*s, p, n);
	(*s)[n] = '\0';
	return 0;
}

void
gk_strv_free(char **v, size_t n)
{
	size_t i;

	if (v == NULL)
		return;
	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}
