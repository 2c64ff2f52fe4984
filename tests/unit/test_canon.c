/* Unit tests for lib/canon.c: canonical encoding, digests, hex. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "buf.h"
#include "canon.h"
#include "gk_err.h"
#include "hand_enc.h"

/* A request with every field set to something distinct. */
static char *base_argv[] = { "rm", "-rf", "/srv/old data" };
static char *base_paths[] = { "/srv/old data" };

static void
base_fields(struct gk_request_fields *f)
{
	memset(f, 0, sizeof(*f));
	f->host_id = "host-a";
	f->number = 7;
	memset(f->nonce, 0x11, sizeof(f->nonce));
	f->uid = 1000;
	f->user = "alice";
	f->argc = 3;
	f->argv = base_argv;
	f->exe_path = "/usr/bin/rm";
	memset(f->exe_hash, 0x22, sizeof(f->exe_hash));
	f->cwd = "/home/alice";
	f->npaths = 1;
	f->paths = base_paths;
	f->run_as = "root";
	f->rule = "cleanup";
	f->reason = "disk full";
	f->created = 1700000000;
	f->expires = 1700000600;
}

static void
digest_of(const struct gk_request_fields *f, uint8_t d[GK_DIGEST_LEN])
{
	memset(d, 0, GK_DIGEST_LEN);
	assert_int_equal(gk_request_digest(f, d), 0);
}

/* Digest of the base request with argv (and nothing else) replaced. */
static void
argv_digest(size_t argc, char **argv, uint8_t d[GK_DIGEST_LEN])
{
	struct gk_request_fields f;

	base_fields(&f);
	f.argc = argc;
	f.argv = argv;
	digest_of(&f, d);
}

static void
paths_digest(size_t n, char **paths, uint8_t d[GK_DIGEST_LEN])
{
	struct gk_request_fields f;

	base_fields(&f);
	f.npaths = n;
	f.paths = paths;
	digest_of(&f, d);
}

static void
t_argv_boundaries(void **state)
{
	char *ab_space[] = { "a b" }, *a_b[] = { "a", "b" }, *b_a[] = { "b", "a" };
	char *ab_empty[] = { "ab", "" }, *empty_ab[] = { "", "ab" };
	char *one_empty[] = { "" }, *two_empty[] = { "", "" };
	char *hi[] = { "x\xff" }, *lo[] = { "x\xfe" };
	uint8_t d1[GK_DIGEST_LEN], d2[GK_DIGEST_LEN];

	(void)state;
	argv_digest(1, ab_space, d1);
	argv_digest(2, a_b, d2);
	assert_memory_not_equal(d1, d2, GK_DIGEST_LEN);

	argv_digest(2, ab_empty, d1);
	argv_digest(2, a_b, d2);
	assert_memory_not_equal(d1, d2, GK_DIGEST_LEN);
	argv_digest(2, empty_ab, d2);
	assert_memory_not_equal(d1, d2, GK_DIGEST_LEN);

	argv_digest(0, NULL, d1);
	argv_digest(1, one_empty, d2);
	assert_memory_not_equal(d1, d2, GK_DIGEST_LEN);
	argv_digest(2, two_empty, d1);
	assert_memory_not_equal(d1, d2, GK_DIGEST_LEN);

	argv_digest(2, a_b, d1);
	argv_digest(2, b_a, d2);
	assert_memory_not_equal(d1, d2, GK_DIGEST_LEN);

	argv_digest(1, hi, d1);
	argv_digest(1, lo, d2);
	assert_memory_not_equal(d1, d2, GK_DIGEST_LEN);

	/* The path list has the same boundaries. */
	paths_digest(1, ab_space, d1);
	paths_digest(2, a_b, d2);
	assert_memory_not_equal(d1, d2, GK_DIGEST_LEN);
	paths_digest(0, NULL, d1);
	paths_digest(1, one_empty, d2);
	assert_memory_not_equal(d1, d2, GK_DIGEST_LEN);
}

/* Mutates field i of f (i < NFIELDS); the pointers it sets stay valid. */
#define NFIELDS	17
static char *short_argv[] = { "rm", "-rf" };
static char *other_argv[] = { "rm", "-rF", "/srv/old data" };
static char *more_paths[] = { "/srv/old data", "/srv/x" };
static char *other_paths[] = { "/srv/old datA" };

static void
mutate(struct gk_request_fields *f, int i)
{
	switch (i) {
	case 0:	f->host_id = "host-b"; break;
	case 1:	f->number = 8; break;
	case 2:	f->nonce[GK_NONCE_LEN - 1] ^= 1; break;
	case 3:	f->uid = 1001; break;
	case 4:	f->user = "alicf"; break;
	case 5:	f->argc = 2; f->argv = short_argv; break;
	case 6:	f->argv = other_argv; break;
	case 7:	f->exe_path = "/bin/rm"; break;
	case 8:	f->exe_hash[GK_DIGEST_LEN - 1] ^= 0x80; break;
	case 9:	f->cwd = "/home/alice/"; break;
	case 10: f->npaths = 2; f->paths = more_paths; break;
	case 11: f->paths = other_paths; break;
	case 12: f->run_as = "rooT"; break;
	case 13: f->rule = "cleanup2"; break;
	case 14: f->reason = "disk full!"; break;
	case 15: f->created = 1700000001; break;
	case 16: f->expires = 1700000599; break;
	default: fail();
	}
}

static void
t_every_field_counts(void **state)
{
	uint8_t d[NFIELDS + 1][GK_DIGEST_LEN];
	struct gk_request_fields f;
	int i, j;

	(void)state;
	base_fields(&f);
	digest_of(&f, d[NFIELDS]);
	for (i = 0; i < NFIELDS; i++) {
		base_fields(&f);
		mutate(&f, i);
		digest_of(&f, d[i]);
	}
	/* Each change gives a digest unlike the base and unlike every other. */
	for (i = 0; i <= NFIELDS; i++)
		for (j = i + 1; j <= NFIELDS; j++)
			if (memcmp(d[i], d[j], GK_DIGEST_LEN) == 0)
				fail_msg("fields %d and %d give the same digest", i, j);
}

static void
t_fields_do_not_shift(void **state)
{
	struct gk_request_fields f;
	uint8_t d1[GK_DIGEST_LEN], d2[GK_DIGEST_LEN];

	(void)state;
	/* Bytes moved from one field to its neighbour change the digest. */
	base_fields(&f);
	f.run_as = "rootcleanup";
	f.rule = "";
	digest_of(&f, d1);
	base_fields(&f);
	f.run_as = "root";
	f.rule = "cleanup";
	digest_of(&f, d2);
	assert_memory_not_equal(d1, d2, GK_DIGEST_LEN);
	base_fields(&f);
	f.run_as = "";
	f.rule = "root";
	digest_of(&f, d1);
	base_fields(&f);
	f.run_as = "root";
	f.rule = "";
	digest_of(&f, d2);
	assert_memory_not_equal(d1, d2, GK_DIGEST_LEN);

	/* Swapping created and expires changes it too. */
	base_fields(&f);
	digest_of(&f, d1);
	f.created = 1700000600;
	f.expires = 1700000000;
	digest_of(&f, d2);
	assert_memory_not_equal(d1, d2, GK_DIGEST_LEN);
}

static void
t_deterministic(void **state)
{
	char *argv_copy[] = { NULL, NULL, NULL }, *paths_copy[] = { NULL };
	struct gk_request_fields f, g;
	uint8_t d1[GK_DIGEST_LEN], d2[GK_DIGEST_LEN], zero[GK_DIGEST_LEN];
	size_t i;

	(void)state;
	base_fields(&f);
	digest_of(&f, d1);
	digest_of(&f, d2);
	assert_memory_equal(d1, d2, GK_DIGEST_LEN);
	memset(zero, 0, sizeof(zero));
	assert_memory_not_equal(d1, zero, GK_DIGEST_LEN);

	/* Equal contents at other addresses: same digest. */
	base_fields(&g);
	for (i = 0; i < 3; i++)
		assert_non_null(argv_copy[i] = strdup(base_argv[i]));
	assert_non_null(paths_copy[0] = strdup(base_paths[0]));
	g.argv = argv_copy;
	g.paths = paths_copy;
	digest_of(&g, d2);
	assert_memory_equal(d1, d2, GK_DIGEST_LEN);
	for (i = 0; i < 3; i++)
		free(argv_copy[i]);
	free(paths_copy[0]);

	/* NULL strings encode as "". */
	base_fields(&f);
	f.reason = "";
	digest_of(&f, d1);
	f.reason = NULL;
	digest_of(&f, d2);
	assert_memory_equal(d1, d2, GK_DIGEST_LEN);
}

static void
t_known_answer(void **state)
{
	static char *argv[] = { "ls", "-l" };
	struct gk_request_fields f;
	uint8_t got[GK_DIGEST_LEN], want[GK_DIGEST_LEN], nonce[GK_NONCE_LEN],
	    hash[GK_DIGEST_LEN];
	struct enc e = { NULL, 0, 0 };
	size_t i;

	(void)state;
	for (i = 0; i < GK_NONCE_LEN; i++)
		nonce[i] = (uint8_t)i;
	for (i = 0; i < GK_DIGEST_LEN; i++)
		hash[i] = (uint8_t)(0xa0 + i);
	memset(&f, 0, sizeof(f));
	f.host_id = "h";
	f.number = 0x0102030405060708ull;
	memcpy(f.nonce, nonce, sizeof(nonce));
	f.uid = 1000;
	f.user = "u";
	f.argc = 2;
	f.argv = argv;
	f.exe_path = "/bin/ls";
	memcpy(f.exe_hash, hash, sizeof(hash));
	f.cwd = "/";
	f.npaths = 0;
	f.paths = NULL;
	f.run_as = "root";
	f.rule = "r";
	f.reason = NULL;
	f.created = 100;
	f.expires = -1;

	enc_str(&e, "gatekeeper request v1");
	enc_str(&e, "h");
	enc_int(&e, 0x0102030405060708ull);
	enc_field(&e, nonce, GK_NONCE_LEN);
	enc_int(&e, 1000);
	enc_str(&e, "u");
	enc_int(&e, 2);
	enc_str(&e, "ls");
	enc_str(&e, "-l");
	enc_str(&e, "/bin/ls");
	enc_field(&e, hash, GK_DIGEST_LEN);
	enc_str(&e, "/");
	enc_int(&e, 0);
	enc_str(&e, "root");
	enc_str(&e, "r");
	enc_str(&e, "");
	enc_int(&e, 100);
	enc_int(&e, UINT64_MAX);	/* -1, two's complement */
	/* Spot-check the hand encoding itself. */
	assert_int_equal(e.n, 4 + 21 + 4 + 1 + 12 + 4 + 16 + 12 + 4 + 1 + 12 +
	    4 + 2 + 4 + 2 + 4 + 7 + 4 + 32 + 4 + 1 + 12 + 4 + 4 + 4 + 1 + 4 +
	    12 + 12);
	assert_memory_equal(e.b, "\0\0\0\x15gatekeeper request v1", 25);

	assert_int_equal(crypto_generichash(want, sizeof(want), e.b, e.n,
	    NULL, 0), 0);
	memset(got, 0, sizeof(got));
	assert_int_equal(gk_request_digest(&f, got), 0);
	assert_memory_equal(got, want, GK_DIGEST_LEN);
	free(e.b);
}

static void
t_primitives(void **state)
{
	static const uint8_t want[] = {
		0, 0, 0, 8, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,
		0, 0, 0, 8, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe,
		0, 0, 0, 0,
		0, 0, 0, 0,
		0, 0, 0, 2, 'h', 'i',
		0, 0, 0, 3, 0, 1, 2,
		0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0, 2,
		0, 0, 0, 1, 'a',
		0, 0, 0, 0,
	};
	char *list[] = { "a", "" };
	uint8_t d[GK_DIGEST_LEN], e[GK_DIGEST_LEN];
	struct gk_buf b;

	(void)state;
	gk_buf_init(&b, 1024);
	/* An empty buffer digests as the empty string. */
	gk_digest(&b, d);
	assert_int_equal(crypto_generichash(e, sizeof(e), NULL, 0, NULL, 0), 0);
	assert_memory_equal(d, e, GK_DIGEST_LEN);

	assert_int_equal(gk_canon_u64(&b, 0x0102030405060708ull), 0);
	assert_int_equal(gk_canon_i64(&b, -2), 0);
	assert_int_equal(gk_canon_str(&b, NULL), 0);
	assert_int_equal(gk_canon_str(&b, ""), 0);
	assert_int_equal(gk_canon_str(&b, "hi"), 0);
	assert_int_equal(gk_canon_bytes(&b, "\0\1\2", 3), 0);
	assert_int_equal(gk_canon_strlist(&b, 2, list), 0);
	assert_int_equal(b.len, sizeof(want));
	assert_memory_equal(b.data, want, sizeof(want));

	gk_digest(&b, d);
	assert_int_equal(crypto_generichash(e, sizeof(e), want, sizeof(want),
	    NULL, 0), 0);
	assert_memory_equal(d, e, GK_DIGEST_LEN);
	/* The digest covers written bytes, read or not. */
	assert_int_equal(gk_buf_consume(&b, 10), 0);
	gk_digest(&b, d);
	assert_memory_equal(d, e, GK_DIGEST_LEN);
	gk_buf_free(&b);
}

static void
approval(const uint8_t *digest, const char *decision, const char *otp,
    const char *who, int64_t when, struct gk_buf *b)
{
	gk_buf_init(b, 4096);
	assert_int_equal(gk_approval_message(b, digest, decision, otp, who,
	    when), 0);
}

static void
t_approval_message(void **state)
{
	static const char otp[] = "cccccbhuinjdtdhkbtgjbgvlhlkvkcrdlnbefuhvbeju";
	uint8_t dg[GK_DIGEST_LEN], dg2[GK_DIGEST_LEN];
	struct gk_buf m[9];
	struct enc e = { NULL, 0, 0 };
	int i, j;

	(void)state;
	for (i = 0; i < GK_DIGEST_LEN; i++)
		dg[i] = (uint8_t)(i * 7);
	memcpy(dg2, dg, sizeof(dg));
	dg2[0] ^= 1;

	approval(dg, "approve", otp, "bob", 1700000000, &m[0]);
	approval(dg, "deny", otp, "bob", 1700000000, &m[1]);
	approval(dg, "approve", "cccccbhuinjdtdhkbtgjbgvlhlkvkcrdlnbefuhvbejv",
	    "bob", 1700000000, &m[2]);
	approval(dg, "approve", otp, "bobb", 1700000000, &m[3]);
	approval(dg, "approve", otp, "bob", 1700000001, &m[4]);
	approval(dg2, "approve", otp, "bob", 1700000000, &m[5]);
	/* Boundaries between decision, OTP and name are kept. */
	approval(dg, "approvec", otp + 1, "bob", 1700000000, &m[6]);
	approval(dg, "approve", otp, "", 1700000000, &m[7]);
	approval(dg, "approve", "", "bob", 1700000000, &m[8]);
	for (i = 0; i < 9; i++)
		for (j = i + 1; j < 9; j++)
			if (m[i].len == m[j].len &&
			    memcmp(m[i].data, m[j].data, m[i].len) == 0)
				fail_msg("approval messages %d and %d are equal",
				    i, j);

	/* The exact bytes, built by hand. */
	enc_str(&e, "gatekeeper approval v1");
	enc_field(&e, dg, GK_DIGEST_LEN);
	enc_str(&e, "approve");
	enc_str(&e, otp);
	enc_str(&e, "bob");
	enc_int(&e, 1700000000);
	assert_int_equal(m[0].len, e.n);
	assert_memory_equal(m[0].data, e.b, e.n);
	free(e.b);
	for (i = 0; i < 9; i++)
		gk_buf_free(&m[i]);
}

static int
is_lower_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

static void
t_fingerprint(void **state)
{
	uint8_t d[GK_DIGEST_LEN];
	char fp[GK_FINGERPRINT_LEN + 1], hex[17];
	int i, k;

	(void)state;
	memset(d, 0, sizeof(d));
	memcpy(d, "\x01\x23\x45\x67\x89\xab\xcd\xef", 8);
	memset(fp, 'Z', sizeof(fp));
	gk_fingerprint(d, fp);
	assert_string_equal(fp, "0123-4567-89ab-cdef");
	/* Only the first 8 bytes count. */
	memset(d + 8, 0xff, GK_DIGEST_LEN - 8);
	gk_fingerprint(d, fp);
	assert_string_equal(fp, "0123-4567-89ab-cdef");
	memset(d, 0xff, 8);
	gk_fingerprint(d, fp);
	assert_string_equal(fp, "ffff-ffff-ffff-ffff");

	for (k = 0; k < 200; k++) {
		randombytes_buf(d, sizeof(d));
		memset(fp, 'Z', sizeof(fp));
		gk_fingerprint(d, fp);
		assert_int_equal(strlen(fp), GK_FINGERPRINT_LEN);
		for (i = 0; i < GK_FINGERPRINT_LEN; i++) {
			if (i == 4 || i == 9 || i == 14)
				assert_int_equal(fp[i], '-');
			else
				assert_true(is_lower_hex(fp[i]));
		}
		gk_hex(d, 8, hex);
		assert_memory_equal(fp, hex, 4);
		assert_memory_equal(fp + 5, hex + 4, 4);
		assert_memory_equal(fp + 10, hex + 8, 4);
		assert_memory_equal(fp + 15, hex + 12, 4);
	}
}

static void
t_hex(void **state)
{
	uint8_t all[256], back[256], b4[4];
	char hex[2 * 256 + 1];
	int i;

	(void)state;
	gk_hex((const uint8_t *)"\x00\x0f\xf0\xff\xab\x5c", 6, hex);
	assert_string_equal(hex, "000ff0ffab5c");
	gk_hex(all, 0, hex);
	assert_string_equal(hex, "");

	for (i = 0; i < 256; i++)
		all[i] = (uint8_t)i;
	gk_hex(all, 256, hex);
	assert_int_equal(strlen(hex), 512);
	for (i = 0; i < 512; i++)
		assert_true(is_lower_hex(hex[i]));
	memset(back, 0, sizeof(back));
	assert_int_equal(gk_unhex(hex, back, 256), 0);
	assert_memory_equal(back, all, 256);
	assert_int_equal(gk_unhex("", back, 0), 0);
	assert_int_equal(gk_unhex("7f80", b4, 2), 0);
	assert_memory_equal(b4, "\x7f\x80", 2);
}

static void
t_unhex_rejects(void **state)
{
	/* The neighbours of each accepted range, and other junk. */
	static const char bad[] = "/:@G`g xX+-\xff\x80\t.";
	static const char *lens[] = {
		"", "0", "0011223", "001122334", "0011223344", " 00112233",
		"00112233 ", "0x001122",
	};
	char s[9];
	uint8_t out[4];
	size_t i, pos;

	(void)state;
	assert_int_equal(gk_unhex("00112233", out, 4), 0);
	for (i = 0; i < sizeof(bad) - 1; i++) {
		for (pos = 0; pos < 8; pos++) {
			memcpy(s, "00112233", 9);
			s[pos] = bad[i];
			if (gk_unhex(s, out, 4) != GK_ERR_FORMAT)
				fail_msg("accepted \"%s\"", s);
		}
	}
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++)
		if (gk_unhex(lens[i], out, 4) != GK_ERR_FORMAT)
			fail_msg("accepted \"%s\" for 4 bytes", lens[i]);
	assert_int_equal(gk_unhex("0", out, 0), GK_ERR_FORMAT);
	assert_int_equal(gk_unhex("00", out, 0), GK_ERR_FORMAT);
	assert_int_equal(gk_unhex("", out, 1), GK_ERR_FORMAT);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_argv_boundaries),
		cmocka_unit_test(t_every_field_counts),
		cmocka_unit_test(t_fields_do_not_shift),
		cmocka_unit_test(t_deterministic),
		cmocka_unit_test(t_known_answer),
		cmocka_unit_test(t_primitives),
		cmocka_unit_test(t_approval_message),
		cmocka_unit_test(t_fingerprint),
		cmocka_unit_test(t_hex),
		cmocka_unit_test(t_unhex_rejects),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
