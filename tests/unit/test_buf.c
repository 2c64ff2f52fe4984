/* Unit tests for lib/buf.c: the bounded buffer API. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "buf.h"
#include "gk_err.h"

/* A buffer's whole state, to show a failed call changed nothing. */
struct snap {
	size_t	 len, off;
	uint8_t	 bytes[64];
};

static void
take(const struct gk_buf *b, struct snap *s)
{
	assert_true(b->len <= sizeof(s->bytes));
	memset(s, 0, sizeof(*s));
	s->len = b->len;
	s->off = b->off;
	if (b->len > 0)
		memcpy(s->bytes, b->data, b->len);
}

static void
same(const struct gk_buf *b, const struct snap *s)
{
	assert_int_equal(b->len, s->len);
	assert_int_equal(b->off, s->off);
	if (s->len > 0)
		assert_memory_equal(b->data, s->bytes, s->len);
}

static void
t_init_empty(void **state)
{
	struct gk_buf b;
	uint8_t v;

	(void)state;
	memset(&b, 0xa5, sizeof(b));
	gk_buf_init(&b, 100);
	assert_int_equal(b.len, 0);
	assert_int_equal(b.off, 0);
	assert_int_equal(b.max, 100);
	assert_int_equal(b.readonly, 0);
	assert_int_equal(gk_buf_avail(&b), 0);
	assert_non_null(gk_buf_ptr(&b));
	assert_int_equal(gk_buf_get_u8(&b, &v), GK_ERR_SHORT);
	/* Putting nothing into a buffer that has not allocated yet is fine. */
	assert_int_equal(gk_buf_put(&b, "", 0), 0);
	assert_int_equal(gk_buf_put(&b, NULL, 0), 0);
	assert_int_equal(b.len, 0);
	gk_buf_free(&b);
	gk_buf_free(&b);	/* a freed buffer is zeroed: freeing again is safe */
}

static void
t_ints_big_endian(void **state)
{
	static const uint8_t want[] = {
		0xab,
		0x01, 0x02, 0x03, 0x04,
		0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,
		0x00,
		0xff, 0xff, 0xff, 0xff,
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe,
	};
	struct gk_buf b;
	uint64_t u64;
	uint32_t u32;
	uint8_t u8;

	(void)state;
	gk_buf_init(&b, 1024);
	assert_int_equal(gk_buf_put_u8(&b, 0xab), 0);
	assert_int_equal(gk_buf_put_u32(&b, 0x01020304u), 0);
	assert_int_equal(gk_buf_put_u64(&b, 0x0102030405060708ull), 0);
	assert_int_equal(gk_buf_put_u8(&b, 0), 0);
	assert_int_equal(gk_buf_put_u32(&b, UINT32_MAX), 0);
	assert_int_equal(gk_buf_put_u64(&b, UINT64_MAX - 1), 0);
	assert_int_equal(b.len, sizeof(want));
	assert_memory_equal(b.data, want, sizeof(want));
	assert_int_equal(gk_buf_avail(&b), sizeof(want));

	assert_int_equal(gk_buf_get_u8(&b, &u8), 0);
	assert_int_equal(u8, 0xab);
	assert_int_equal(gk_buf_get_u32(&b, &u32), 0);
	assert_int_equal(u32, 0x01020304u);
	assert_int_equal(gk_buf_get_u64(&b, &u64), 0);
	assert_true(u64 == 0x0102030405060708ull);
	assert_int_equal(gk_buf_get_u8(&b, &u8), 0);
	assert_int_equal(u8, 0);
	assert_int_equal(gk_buf_get_u32(&b, &u32), 0);
	assert_int_equal(u32, UINT32_MAX);
	assert_int_equal(gk_buf_get_u64(&b, &u64), 0);
	assert_true(u64 == UINT64_MAX - 1);
	assert_int_equal(gk_buf_avail(&b), 0);
	assert_int_equal(b.off, b.len);
	gk_buf_free(&b);
}

static void
t_bytes_and_strings(void **state)
{
	static const uint8_t raw[] = { 0x00, 0xff, 0x10 };
	static const uint8_t want[] = {
		0, 0, 0, 3, 0x00, 0xff, 0x10,
		0, 0, 0, 5, 'h', 'e', 'l', 'l', 'o',
		0, 0, 0, 0,
		0, 0, 0, 2, 'h', 'i',
		0, 0, 0, 0,
		'x', 'y',
	};
	const uint8_t *p;
	struct gk_buf b;
	uint8_t two[2];
	size_t n;
	char *s;

	(void)state;
	gk_buf_init(&b, 1024);
	assert_int_equal(gk_buf_put_bytes(&b, raw, sizeof(raw)), 0);
	assert_int_equal(gk_buf_put_string(&b, "hello", 5), 0);
	assert_int_equal(gk_buf_put_string(&b, "", 0), 0);
	assert_int_equal(gk_buf_put_cstring(&b, "hi"), 0);
	assert_int_equal(gk_buf_put_bytes(&b, NULL, 0), 0);
	assert_int_equal(gk_buf_put(&b, "xy", 2), 0);
	assert_int_equal(b.len, sizeof(want));
	assert_memory_equal(b.data, want, sizeof(want));

	/* A byte field may hold NULs. */
	assert_int_equal(gk_buf_get_bytes_direct(&b, &p, &n, 1024), 0);
	assert_int_equal(n, 3);
	assert_memory_equal(p, raw, 3);
	assert_ptr_equal(p, b.data + 4);

	assert_int_equal(gk_buf_get_cstring(&b, &s, 1024), 0);
	assert_string_equal(s, "hello");
	free(s);
	assert_int_equal(gk_buf_get_cstring(&b, &s, 1024), 0);
	assert_non_null(s);
	assert_string_equal(s, "");
	free(s);
	/* max is inclusive. */
	assert_int_equal(gk_buf_get_cstring(&b, &s, 2), 0);
	assert_string_equal(s, "hi");
	free(s);
	assert_int_equal(gk_buf_get_bytes_direct(&b, &p, &n, 0), 0);
	assert_int_equal(n, 0);
	assert_int_equal(gk_buf_get(&b, two, 2), 0);
	assert_memory_equal(two, "xy", 2);
	assert_int_equal(gk_buf_avail(&b), 0);
	gk_buf_free(&b);
}

static void
t_hard_cap(void **state)
{
	struct gk_buf b;
	struct snap s;
	uint8_t *r;

	(void)state;
	gk_buf_init(&b, 10);
	assert_int_equal(gk_buf_put(&b, "abcdefg", 7), 0);
	take(&b, &s);
	assert_int_equal(gk_buf_put(&b, "wxyz", 4), GK_ERR_LIMIT);
	same(&b, &s);
	assert_int_equal(gk_buf_put_u32(&b, 1), GK_ERR_LIMIT);
	same(&b, &s);
	assert_int_equal(gk_buf_put_u64(&b, 1), GK_ERR_LIMIT);
	same(&b, &s);
	/* The u32 length would fit, the bytes would not: nothing written. */
	assert_int_equal(gk_buf_put_bytes(&b, "", 0), GK_ERR_LIMIT);
	same(&b, &s);
	assert_int_equal(gk_buf_put_string(&b, "a", 1), GK_ERR_LIMIT);
	same(&b, &s);
	assert_int_equal(gk_buf_put_cstring(&b, "a"), GK_ERR_LIMIT);
	same(&b, &s);
	assert_int_equal(gk_buf_put(&b, "x", SIZE_MAX), GK_ERR_LIMIT);
	same(&b, &s);
	assert_null(gk_buf_reserve(&b, 4));
	assert_null(gk_buf_reserve(&b, SIZE_MAX));
	same(&b, &s);

	/* Exactly up to the cap is fine, one more byte is not. */
	assert_int_equal(gk_buf_put(&b, "hij", 3), 0);
	assert_int_equal(b.len, 10);
	assert_memory_equal(b.data, "abcdefghij", 10);
	take(&b, &s);
	assert_int_equal(gk_buf_put_u8(&b, 'k'), GK_ERR_LIMIT);
	same(&b, &s);
	assert_true(b.cap <= b.max);
	gk_buf_free(&b);

	/* A string of exactly max - 4 bytes fills the buffer. */
	gk_buf_init(&b, 9);
	assert_int_equal(gk_buf_put_cstring(&b, "abcdef"), GK_ERR_LIMIT);
	assert_int_equal(b.len, 0);
	assert_int_equal(gk_buf_put_cstring(&b, "abcde"), 0);
	assert_int_equal(b.len, 9);
	gk_buf_free(&b);

	/* A zero cap holds nothing. */
	gk_buf_init(&b, 0);
	assert_int_equal(gk_buf_put_u8(&b, 1), GK_ERR_LIMIT);
	assert_int_equal(gk_buf_put(&b, "", 0), 0);
	assert_int_equal(b.len, 0);
	gk_buf_free(&b);

	/* Growth past the first allocation stays under the cap. */
	gk_buf_init(&b, 1000);
	for (int i = 0; i < 1000; i++)
		assert_int_equal(gk_buf_put_u8(&b, (uint8_t)i), 0);
	assert_int_equal(gk_buf_put_u8(&b, 0), GK_ERR_LIMIT);
	assert_int_equal(b.len, 1000);
	assert_true(b.cap <= 1000);
	for (int i = 0; i < 1000; i++)
		assert_int_equal(b.data[i], (uint8_t)i);
	r = gk_buf_reserve(&b, 0);
	assert_non_null(r);
	gk_buf_free(&b);
}

static void
t_truncated_reads(void **state)
{
	static const uint8_t in[] = { 1, 2, 3, 4, 5, 6, 7 };
	const uint8_t *p = NULL;
	struct gk_buf b;
	uint8_t out[8], u8;
	uint32_t u32 = 0xdeadbeef;
	uint64_t u64 = 42;
	size_t n = 99;
	char *s;

	(void)state;
	gk_buf_view(&b, in, sizeof(in));
	assert_int_equal(gk_buf_get_u8(&b, &u8), 0);
	assert_int_equal(u8, 1);
	/* 6 bytes left. */
	assert_int_equal(gk_buf_get_u64(&b, &u64), GK_ERR_SHORT);
	assert_int_equal(b.off, 1);
	assert_true(u64 == 42);
	assert_int_equal(gk_buf_get(&b, out, 7), GK_ERR_SHORT);
	assert_int_equal(b.off, 1);
	assert_int_equal(gk_buf_consume(&b, 7), GK_ERR_SHORT);
	assert_int_equal(b.off, 1);
	/* Length 0x02030405 with 2 bytes behind it. */
	assert_int_equal(gk_buf_get_bytes_direct(&b, &p, &n, SIZE_MAX),
	    GK_ERR_SHORT);
	assert_int_equal(b.off, 1);
	assert_null(p);
	assert_int_equal(n, 99);
	s = (char *)1;
	assert_int_equal(gk_buf_get_cstring(&b, &s, SIZE_MAX), GK_ERR_SHORT);
	assert_null(s);
	assert_int_equal(b.off, 1);

	assert_int_equal(gk_buf_consume(&b, 4), 0);
	assert_int_equal(b.off, 5);
	/* 2 bytes left: too short for a u32, even as a length prefix. */
	assert_int_equal(gk_buf_get_u32(&b, &u32), GK_ERR_SHORT);
	assert_int_equal(u32, 0xdeadbeef);
	assert_int_equal(gk_buf_get_bytes_direct(&b, &p, &n, 100), GK_ERR_SHORT);
	assert_int_equal(b.off, 5);
	assert_int_equal(gk_buf_get(&b, out, 2), 0);
	assert_memory_equal(out, "\x06\x07", 2);
	assert_int_equal(gk_buf_get_u8(&b, &u8), GK_ERR_SHORT);
	assert_int_equal(b.off, 7);
	assert_int_equal(gk_buf_get(&b, out, 0), 0);
	assert_int_equal(gk_buf_consume(&b, 0), 0);
}

static void
t_huge_length_prefix(void **state)
{
	static const uint8_t in[] = { 0xff, 0xff, 0xff, 0xff, 'a', 'b', 'c' };
	const uint8_t *p = NULL;
	struct gk_buf b;
	size_t n = 7;
	char *s;

	(void)state;
	gk_buf_view(&b, in, sizeof(in));
	/* With no limit the length is checked against what is there. */
	assert_int_equal(gk_buf_get_bytes_direct(&b, &p, &n, SIZE_MAX),
	    GK_ERR_SHORT);
	assert_int_equal(b.off, 0);
	assert_null(p);
	assert_int_equal(n, 7);
	assert_int_equal(gk_buf_get_cstring(&b, &s, SIZE_MAX), GK_ERR_SHORT);
	assert_null(s);
	assert_int_equal(b.off, 0);
	/* With a limit, the limit wins. */
	assert_int_equal(gk_buf_get_bytes_direct(&b, &p, &n, 1024), GK_ERR_LIMIT);
	assert_int_equal(b.off, 0);
	assert_int_equal(gk_buf_get_cstring(&b, &s, 1024), GK_ERR_LIMIT);
	assert_null(s);
	assert_int_equal(b.off, 0);
	assert_int_equal(gk_buf_avail(&b), sizeof(in));
}

static void
t_embedded_nul(void **state)
{
	static const uint8_t in[] = {
		0, 0, 0, 3, 'a', 0, 'b',
		0, 0, 0, 1, 0,
		0, 0, 0, 2, 'o', 'k',
	};
	struct gk_buf b, v;
	struct snap sn;
	char *s;

	(void)state;
	gk_buf_init(&b, 64);
	assert_int_equal(gk_buf_put_u8(&b, 7), 0);
	take(&b, &sn);
	assert_int_equal(gk_buf_put_string(&b, "a\0b", 3), GK_ERR_FORMAT);
	same(&b, &sn);
	assert_int_equal(gk_buf_put_string(&b, "\0", 1), GK_ERR_FORMAT);
	same(&b, &sn);
	assert_int_equal(gk_buf_put_string(&b, "ab\0", 3), GK_ERR_FORMAT);
	same(&b, &sn);
	/* Only the first n bytes count. */
	assert_int_equal(gk_buf_put_string(&b, "ab\0", 2), 0);
	assert_int_equal(b.len, 7);
	gk_buf_free(&b);

	gk_buf_view(&v, in, sizeof(in));
	s = (char *)1;
	assert_int_equal(gk_buf_get_cstring(&v, &s, 100), GK_ERR_FORMAT);
	assert_null(s);
	assert_int_equal(v.off, 0);
	assert_int_equal(gk_buf_consume(&v, 7), 0);
	assert_int_equal(gk_buf_get_cstring(&v, &s, 100), GK_ERR_FORMAT);
	assert_null(s);
	assert_int_equal(v.off, 7);
	assert_int_equal(gk_buf_consume(&v, 5), 0);
	assert_int_equal(gk_buf_get_cstring(&v, &s, 100), 0);
	assert_string_equal(s, "ok");
	free(s);
}

static void
t_bytes_direct_max(void **state)
{
	static const uint8_t in[] = { 0, 0, 0, 5, 'a', 'b', 'c', 'd', 'e', 'z' };
	const uint8_t *p = NULL;
	struct gk_buf b;
	size_t n = 0;
	char *s;

	(void)state;
	gk_buf_view(&b, in, sizeof(in));
	assert_int_equal(gk_buf_get_bytes_direct(&b, &p, &n, 4), GK_ERR_LIMIT);
	assert_int_equal(b.off, 0);
	assert_null(p);
	assert_int_equal(gk_buf_get_bytes_direct(&b, &p, &n, 0), GK_ERR_LIMIT);
	assert_int_equal(b.off, 0);
	assert_int_equal(gk_buf_get_cstring(&b, &s, 4), GK_ERR_LIMIT);
	assert_null(s);
	assert_int_equal(b.off, 0);
	assert_int_equal(gk_buf_get_bytes_direct(&b, &p, &n, 5), 0);
	assert_int_equal(n, 5);
	assert_ptr_equal(p, in + 4);
	assert_int_equal(b.off, 9);
	assert_int_equal(gk_buf_avail(&b), 1);
	assert_int_equal(*gk_buf_ptr(&b), 'z');
}

static void
t_readonly_view(void **state)
{
	uint8_t in[] = { 0, 0, 0, 1, 'q' };
	struct gk_buf b;
	char *s;

	(void)state;
	gk_buf_view(&b, in, sizeof(in));
	assert_int_equal(b.readonly, 1);
	assert_int_equal(gk_buf_avail(&b), 5);
	assert_ptr_equal(gk_buf_ptr(&b), in);
	assert_true(gk_buf_put(&b, "x", 1) < 0);
	assert_true(gk_buf_put(&b, "", 0) < 0);
	assert_true(gk_buf_put_u8(&b, 1) < 0);
	assert_true(gk_buf_put_u32(&b, 1) < 0);
	assert_true(gk_buf_put_u64(&b, 1) < 0);
	assert_true(gk_buf_put_bytes(&b, "x", 1) < 0);
	assert_true(gk_buf_put_string(&b, "x", 1) < 0);
	assert_true(gk_buf_put_cstring(&b, "x") < 0);
	assert_null(gk_buf_reserve(&b, 1));
	assert_int_equal(b.len, 5);
	assert_memory_equal(in, "\0\0\0\1q", 5);
	/* Reading a view works; compact never moves someone else's bytes. */
	assert_int_equal(gk_buf_get_cstring(&b, &s, 10), 0);
	assert_string_equal(s, "q");
	free(s);
	b.off = 4;
	gk_buf_compact(&b);
	assert_int_equal(b.off, 4);
	assert_memory_equal(in, "\0\0\0\1q", 5);
	/* Freeing a view does not free or wipe its bytes. */
	gk_buf_free(&b);
	assert_memory_equal(in, "\0\0\0\1q", 5);
}

static void
t_compact(void **state)
{
	struct gk_buf b;
	uint8_t tmp[3];

	(void)state;
	gk_buf_init(&b, 10);
	gk_buf_compact(&b);	/* empty: nothing to do */
	assert_int_equal(gk_buf_put(&b, "abcdefghij", 10), 0);
	assert_int_equal(gk_buf_get(&b, tmp, 3), 0);
	assert_int_equal(gk_buf_put_u8(&b, 'k'), GK_ERR_LIMIT);
	gk_buf_compact(&b);
	assert_int_equal(b.off, 0);
	assert_int_equal(b.len, 7);
	assert_memory_equal(b.data, "defghij", 7);
	/* The freed room is usable again, still under the cap. */
	assert_int_equal(gk_buf_put(&b, "klm", 3), 0);
	assert_memory_equal(gk_buf_ptr(&b), "defghijklm", 10);
	assert_int_equal(gk_buf_put_u8(&b, 'n'), GK_ERR_LIMIT);
	/* Compacting when everything was read empties it. */
	assert_int_equal(gk_buf_consume(&b, 10), 0);
	gk_buf_compact(&b);
	assert_int_equal(b.len, 0);
	assert_int_equal(b.off, 0);
	assert_int_equal(gk_buf_avail(&b), 0);
	gk_buf_free(&b);
}

static void
t_reset(void **state)
{
	struct gk_buf b;
	uint8_t *data, u8;
	size_t cap;

	(void)state;
	gk_buf_init(&b, 64);
	assert_int_equal(gk_buf_put(&b, "secret", 6), 0);
	assert_int_equal(gk_buf_get_u8(&b, &u8), 0);
	data = b.data;
	cap = b.cap;
	gk_buf_reset(&b);
	assert_int_equal(b.len, 0);
	assert_int_equal(b.off, 0);
	assert_int_equal(gk_buf_avail(&b), 0);
	/* Memory kept, contents wiped. */
	assert_ptr_equal(b.data, data);
	assert_int_equal(b.cap, cap);
	assert_int_equal(b.max, 64);
	for (size_t i = 0; i < 6; i++)
		assert_int_equal(data[i], 0);
	assert_int_equal(gk_buf_put(&b, "again", 5), 0);
	assert_memory_equal(gk_buf_ptr(&b), "again", 5);
	gk_buf_free(&b);
	assert_null(b.data);
	assert_int_equal(b.len, 0);
	/* A freed buffer can be initialised and used again. */
	gk_buf_init(&b, 4);
	assert_int_equal(gk_buf_put_u32(&b, 9), 0);
	gk_buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_init_empty),
		cmocka_unit_test(t_ints_big_endian),
		cmocka_unit_test(t_bytes_and_strings),
		cmocka_unit_test(t_hard_cap),
		cmocka_unit_test(t_truncated_reads),
		cmocka_unit_test(t_huge_length_prefix),
		cmocka_unit_test(t_embedded_nul),
		cmocka_unit_test(t_bytes_direct_max),
		cmocka_unit_test(t_readonly_view),
		cmocka_unit_test(t_compact),
		cmocka_unit_test(t_reset),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
