/* Unit tests for lib/frame.c: wire frames. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "buf.h"
#include "frame.h"
#include "gk_err.h"

static void
hdr_set(uint8_t h[GK_FRAME_HDR], uint8_t ver, uint8_t type, uint8_t z0,
    uint8_t z1, uint32_t len)
{
	h[0] = ver;
	h[1] = type;
	h[2] = z0;
	h[3] = z1;
	h[4] = (uint8_t)(len >> 24);
	h[5] = (uint8_t)(len >> 16);
	h[6] = (uint8_t)(len >> 8);
	h[7] = (uint8_t)len;
}

/* gk_frame_next on these bytes must fail with want and take nothing. */
static void
next_fails(const uint8_t *bytes, size_t n, int want)
{
	struct gk_buf in, payload;
	uint8_t type, *copy;

	copy = malloc(n + 1);
	assert_non_null(copy);
	memcpy(copy, bytes, n);
	gk_buf_view(&in, copy, n);
	assert_int_equal(gk_frame_next(&in, &type, &payload), want);
	assert_int_equal(in.off, 0);
	assert_int_equal(in.len, n);
	assert_int_equal(gk_buf_avail(&in), n);
	assert_memory_equal(copy, bytes, n);
	free(copy);
}

static void
t_round_trip(void **state)
{
	static const uint8_t want[] = {
		1, 7, 0, 0, 0, 0, 0, 6, 'h', 'e', 0, 'l', 'l', 'o',
	};
	struct gk_buf out, pl, got;
	uint8_t type = 0, *big;
	size_t i;

	(void)state;
	gk_buf_init(&pl, 64);
	assert_int_equal(gk_buf_put(&pl, "he\0llo", 6), 0);
	gk_buf_init(&out, 1024);
	assert_int_equal(gk_frame_put(&out, 7, &pl), 0);
	assert_int_equal(out.len, sizeof(want));
	assert_memory_equal(out.data, want, sizeof(want));

	assert_int_equal(gk_frame_next(&out, &type, &got), 0);
	assert_int_equal(type, 7);
	assert_int_equal(got.readonly, 1);
	assert_int_equal(gk_buf_avail(&got), 6);
	assert_memory_equal(gk_buf_ptr(&got), "he\0llo", 6);
	/* The payload is a view into the input, not a copy. */
	assert_ptr_equal(gk_buf_ptr(&got), out.data + GK_FRAME_HDR);
	assert_int_equal(gk_buf_avail(&out), 0);
	assert_int_equal(out.off, sizeof(want));
	assert_int_equal(gk_frame_next(&out, &type, &got), GK_ERR_SHORT);

	/* Only the unread part of the payload is sent. */
	gk_buf_reset(&out);
	assert_int_equal(gk_buf_consume(&pl, 3), 0);
	assert_int_equal(gk_frame_put(&out, 0xff, &pl), 0);
	assert_int_equal(gk_frame_next(&out, &type, &got), 0);
	assert_int_equal(type, 0xff);
	assert_int_equal(gk_buf_avail(&got), 3);
	assert_memory_equal(gk_buf_ptr(&got), "llo", 3);
	gk_buf_free(&out);
	gk_buf_free(&pl);

	/* A length that uses three of the four length bytes. */
	assert_non_null(big = malloc(0x12345));
	for (i = 0; i < 0x12345; i++)
		big[i] = (uint8_t)(i * 7);
	gk_buf_view(&pl, big, 0x12345);
	gk_buf_init(&out, GK_FRAME_HDR + GK_FRAME_MAX);
	assert_int_equal(gk_frame_put(&out, 0x80, &pl), 0);
	assert_memory_equal(out.data, "\x01\x80\0\0\0\x01\x23\x45", GK_FRAME_HDR);
	assert_int_equal(gk_frame_next(&out, &type, &got), 0);
	assert_int_equal(type, 0x80);
	assert_int_equal(gk_buf_avail(&got), 0x12345);
	assert_memory_equal(gk_buf_ptr(&got), big, 0x12345);
	assert_int_equal(gk_buf_avail(&out), 0);
	gk_buf_free(&out);
	free(big);
}

static void
t_header(void **state)
{
	uint8_t h[GK_FRAME_HDR], type = 0;
	uint32_t len = 0;

	(void)state;
	hdr_set(h, 1, 0x42, 0, 0, 0x00012345);
	assert_int_equal(gk_frame_header(h, &type, &len), 0);
	assert_int_equal(type, 0x42);
	assert_int_equal(len, 0x12345);
	hdr_set(h, 1, 0, 0, 0, GK_FRAME_MAX);
	assert_int_equal(gk_frame_header(h, &type, &len), 0);
	assert_int_equal(type, 0);
	assert_int_equal(len, GK_FRAME_MAX);
}

static void
t_bad_version(void **state)
{
	static const uint8_t vers[] = { 0, 2, 0x81, 0xff };
	uint8_t f[GK_FRAME_HDR + 2], type = 9;
	uint32_t len = 9;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(vers); i++) {
		hdr_set(f, vers[i], 1, 0, 0, 2);
		f[8] = 'o';
		f[9] = 'k';
		assert_int_equal(gk_frame_header(f, &type, &len), GK_ERR_VERSION);
		assert_int_equal(type, 9);
		assert_int_equal(len, 9);
		next_fails(f, sizeof(f), GK_ERR_VERSION);
	}
}

static void
t_reserved_nonzero(void **state)
{
	static const uint8_t z[][2] = { { 1, 0 }, { 0, 1 }, { 0x80, 0 }, { 0xff, 0xff } };
	uint8_t f[GK_FRAME_HDR + 1], type;
	uint32_t len;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(z) / sizeof(z[0]); i++) {
		hdr_set(f, 1, 1, z[i][0], z[i][1], 1);
		f[8] = 'x';
		assert_int_equal(gk_frame_header(f, &type, &len), GK_ERR_PROTOCOL);
		next_fails(f, sizeof(f), GK_ERR_PROTOCOL);
	}
}

static void
t_too_long(void **state)
{
	static const uint32_t lens[] = {
		GK_FRAME_MAX + 1, GK_FRAME_MAX * 2, 0x80000000u, 0xffffffffu,
	};
	uint8_t h[GK_FRAME_HDR], type;
	uint32_t len;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		hdr_set(h, 1, 3, 0, 0, lens[i]);
		assert_int_equal(gk_frame_header(h, &type, &len), GK_ERR_LIMIT);
		/* Refused from the header alone: no waiting for (or allocating)
		 * a payload that will never be accepted. */
		next_fails(h, sizeof(h), GK_ERR_LIMIT);
	}
}

static void
t_max_length(void **state)
{
	struct gk_buf in, pl;
	uint8_t *f, type;

	(void)state;
	f = calloc(1, GK_FRAME_HDR + GK_FRAME_MAX);
	assert_non_null(f);
	hdr_set(f, 1, 5, 0, 0, GK_FRAME_MAX);
	f[GK_FRAME_HDR + GK_FRAME_MAX - 1] = 0xee;
	/* One byte short of the largest frame: wait for more. */
	next_fails(f, GK_FRAME_HDR + GK_FRAME_MAX - 1, GK_ERR_SHORT);
	gk_buf_view(&in, f, GK_FRAME_HDR + GK_FRAME_MAX);
	assert_int_equal(gk_frame_next(&in, &type, &pl), 0);
	assert_int_equal(type, 5);
	assert_int_equal(gk_buf_avail(&pl), GK_FRAME_MAX);
	assert_int_equal(gk_buf_ptr(&pl)[GK_FRAME_MAX - 1], 0xee);
	assert_int_equal(gk_buf_avail(&in), 0);
	free(f);
}

static void
t_partial(void **state)
{
	struct gk_buf out, pl;
	size_t k;

	(void)state;
	gk_buf_init(&pl, 64);
	assert_int_equal(gk_buf_put(&pl, "payload", 7), 0);
	gk_buf_init(&out, 64);
	assert_int_equal(gk_frame_put(&out, 2, &pl), 0);
	assert_int_equal(out.len, GK_FRAME_HDR + 7);
	/* Every proper prefix, header or payload cut short, is GK_ERR_SHORT
	 * and leaves the input as it was. */
	for (k = 0; k < out.len; k++)
		next_fails(out.data, k, GK_ERR_SHORT);
	gk_buf_free(&out);
	gk_buf_free(&pl);
}

static void
t_back_to_back(void **state)
{
	struct gk_buf out, pl, got, stream;
	uint8_t type;
	size_t cut;

	(void)state;
	gk_buf_init(&out, 1024);
	gk_buf_init(&pl, 64);
	assert_int_equal(gk_buf_put(&pl, "one", 3), 0);
	assert_int_equal(gk_frame_put(&out, 1, &pl), 0);
	gk_buf_reset(&pl);
	assert_int_equal(gk_frame_put(&out, 2, &pl), 0);	/* empty */
	assert_int_equal(gk_buf_put(&pl, "three", 5), 0);
	assert_int_equal(gk_frame_put(&out, 3, &pl), 0);
	assert_int_equal(out.len, 3 * GK_FRAME_HDR + 8);

	/* Feed the stream in two pieces, cut inside the third frame. */
	cut = 2 * GK_FRAME_HDR + 3 + 4;
	gk_buf_init(&stream, 1024);
	assert_int_equal(gk_buf_put(&stream, out.data, cut), 0);
	assert_int_equal(gk_frame_next(&stream, &type, &got), 0);
	assert_int_equal(type, 1);
	assert_int_equal(gk_buf_avail(&got), 3);
	assert_memory_equal(gk_buf_ptr(&got), "one", 3);
	assert_int_equal(gk_frame_next(&stream, &type, &got), 0);
	assert_int_equal(type, 2);
	assert_int_equal(gk_buf_avail(&got), 0);
	assert_int_equal(stream.off, 2 * GK_FRAME_HDR + 3);
	assert_int_equal(gk_frame_next(&stream, &type, &got), GK_ERR_SHORT);
	assert_int_equal(stream.off, 2 * GK_FRAME_HDR + 3);

	gk_buf_compact(&stream);
	assert_int_equal(gk_buf_put(&stream, out.data + cut, out.len - cut), 0);
	assert_int_equal(gk_frame_next(&stream, &type, &got), 0);
	assert_int_equal(type, 3);
	assert_int_equal(gk_buf_avail(&got), 5);
	assert_memory_equal(gk_buf_ptr(&got), "three", 5);
	assert_int_equal(gk_buf_avail(&stream), 0);
	assert_int_equal(gk_frame_next(&stream, &type, &got), GK_ERR_SHORT);

	/* A good frame followed by a bad header: the good one is taken,
	 * then the stream is refused. */
	gk_buf_reset(&stream);
	assert_int_equal(gk_buf_put(&stream, out.data, GK_FRAME_HDR + 3), 0);
	assert_int_equal(gk_buf_put(&stream, "\x02\x01\0\0\0\0\0\0", 8), 0);
	assert_int_equal(gk_frame_next(&stream, &type, &got), 0);
	assert_int_equal(type, 1);
	assert_int_equal(gk_frame_next(&stream, &type, &got), GK_ERR_VERSION);
	assert_int_equal(stream.off, GK_FRAME_HDR + 3);
	gk_buf_free(&stream);
	gk_buf_free(&pl);
	gk_buf_free(&out);
}

static void
t_zero_length(void **state)
{
	static const uint8_t want[] = { 1, 9, 0, 0, 0, 0, 0, 0 };
	struct gk_buf out, pl, got;
	uint8_t type = 0;

	(void)state;
	gk_buf_init(&pl, 16);
	gk_buf_init(&out, 16);
	assert_int_equal(gk_frame_put(&out, 9, &pl), 0);
	assert_int_equal(out.len, GK_FRAME_HDR);
	assert_memory_equal(out.data, want, sizeof(want));
	assert_int_equal(gk_frame_next(&out, &type, &got), 0);
	assert_int_equal(type, 9);
	assert_int_equal(gk_buf_avail(&got), 0);
	assert_int_equal(gk_buf_avail(&out), 0);
	gk_buf_free(&out);
	gk_buf_free(&pl);
}

static void
t_put_limits(void **state)
{
	struct gk_buf out, pl;
	uint8_t *big;

	(void)state;
	/* A payload over GK_FRAME_MAX is never framed. */
	big = calloc(1, GK_FRAME_MAX + 1);
	assert_non_null(big);
	gk_buf_view(&pl, big, GK_FRAME_MAX + 1);
	gk_buf_init(&out, 2 * GK_FRAME_MAX);
	assert_int_equal(gk_frame_put(&out, 1, &pl), GK_ERR_LIMIT);
	assert_int_equal(out.len, 0);
	gk_buf_view(&pl, big, GK_FRAME_MAX);
	assert_int_equal(gk_frame_put(&out, 1, &pl), 0);
	assert_int_equal(out.len, GK_FRAME_HDR + GK_FRAME_MAX);
	assert_memory_equal(out.data, "\x01\x01\0\0\0\x04\0\0", GK_FRAME_HDR);
	gk_buf_free(&out);
	free(big);

	/* A frame that does not fit the output's cap is not half written. */
	gk_buf_init(&out, GK_FRAME_HDR + 4);
	assert_int_equal(gk_buf_put_u8(&out, 0xaa), 0);
	gk_buf_view(&pl, "abcd", 4);
	assert_int_equal(gk_frame_put(&out, 1, &pl), GK_ERR_LIMIT);
	assert_int_equal(out.len, 1);
	gk_buf_view(&pl, "abc", 3);
	assert_int_equal(gk_frame_put(&out, 1, &pl), 0);
	assert_int_equal(out.len, GK_FRAME_HDR + 4);
	gk_buf_free(&out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_round_trip),
		cmocka_unit_test(t_header),
		cmocka_unit_test(t_bad_version),
		cmocka_unit_test(t_reserved_nonzero),
		cmocka_unit_test(t_too_long),
		cmocka_unit_test(t_max_length),
		cmocka_unit_test(t_partial),
		cmocka_unit_test(t_back_to_back),
		cmocka_unit_test(t_zero_length),
		cmocka_unit_test(t_put_limits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
