/*
 * A hand-written canonical encoder (canon.h: a field is a u32 big-endian
 * length and its bytes; an integer is an 8-byte big-endian field), kept
 * independent of lib/ so that the unit tests can hold lib's encodings to
 * known answers. Start with struct enc e = { NULL, 0, 0 }; free(e.b).
 */
#ifndef GK_TEST_HAND_ENC_H
#define GK_TEST_HAND_ENC_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct enc {
	uint8_t	*b;
	size_t	 n, cap;
};

static void
enc_raw(struct enc *e, const void *p, size_t n)
{
	if (e->n + n > e->cap) {
		e->cap = 2 * (e->n + n);
		e->b = realloc(e->b, e->cap);
		assert_non_null(e->b);
	}
	memcpy(e->b + e->n, p, n);
	e->n += n;
}

static void
enc_field(struct enc *e, const void *p, size_t n)
{
	uint8_t l[4] = {
		(uint8_t)(n >> 24), (uint8_t)(n >> 16), (uint8_t)(n >> 8), (uint8_t)n
	};

	enc_raw(e, l, 4);
	enc_raw(e, p, n);
}

static void
enc_str(struct enc *e, const char *s)
{
	enc_field(e, s, strlen(s));
}

/* A signed value as its two's complement (-1 is 0xff...ff). */
static void
enc_int(struct enc *e, uint64_t v)
{
	uint8_t x[8];
	int i;

	for (i = 0; i < 8; i++)
		x[i] = (uint8_t)(v >> (56 - 8 * i));
	enc_field(e, x, 8);
}

#endif
