/* Unit tests for lib/otp.c: Yubico OTP form, decryption and counters. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <yubikey.h>

#include "otp.h"

static const uint8_t key[GK_OTP_KEY_LEN] = {
	0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
	0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f,
};
static const uint8_t privid[GK_OTP_PRIVID_LEN] = {
	0x0a, 0x1b, 0x2c, 0x3d, 0x4e, 0x5f,
};
static const char pubid[] = "vvccccfhcbne";

/*
 * From `ykgenerate 000102030405060708090a0b0c0d0e0f 0a1b2c3d4e5f 0102 0304
 * 05 06` (ykgenerate picks the random field itself: ykparse showed 0x6483),
 * and the same with counter 8102 (caps-lock bit; random 0x2a6c).
 */
static const char kat_token[] = "grnbggbvfckubhitjvrgdhnjuhthvdet";
static const uint8_t kat_plain[YUBIKEY_BLOCK_SIZE] = {
	0x0a, 0x1b, 0x2c, 0x3d, 0x4e, 0x5f, 0x02, 0x01,
	0x04, 0x03, 0x05, 0x06, 0x83, 0x64, 0x94, 0x3f,
};
static const char kat_caps_token[] = "jtnckkfjirreuhecnkunfkrgrbjdlnlb";

/* A 44-character OTP for the given fields; rnd/ts vary the ciphertext. */
static void
make_otp(char out[GK_OTP_LEN + 1], const uint8_t k[GK_OTP_KEY_LEN],
    const uint8_t pid[GK_OTP_PRIVID_LEN], uint16_t ctr, uint8_t use,
    uint32_t ts, uint16_t rnd)
{
	yubikey_token_st tok;
	char token[YUBIKEY_OTP_SIZE + 1];	/* yubikey_generate adds a NUL */

	memset(&tok, 0, sizeof(tok));
	memcpy(tok.uid, pid, sizeof(tok.uid));
	tok.ctr = ctr;
	tok.tstpl = (uint16_t)(ts & 0xffff);
	tok.tstph = (uint8_t)((ts >> 16) & 0xff);
	tok.use = use;
	tok.rnd = rnd;
	tok.crc = (uint16_t)~yubikey_crc16((const uint8_t *)&tok,
	    sizeof(tok) - sizeof(tok.crc));
	yubikey_generate(&tok, k, token);
	assert_int_equal(strlen(token), YUBIKEY_OTP_SIZE);
	memcpy(out, pubid, GK_OTP_PUBID_LEN);
	memcpy(out + GK_OTP_PUBID_LEN, token, YUBIKEY_OTP_SIZE + 1);
	assert_int_equal(strlen(out), GK_OTP_LEN);
}

static enum gk_otp_result
verify(const char *otp, uint32_t lc, uint32_t lu, uint32_t *c, uint32_t *u)
{
	return gk_otp_verify(otp, key, privid, lc, lu, c, u);
}

static void
t_valid(void **state)
{
	char otp[GK_OTP_LEN + 1];
	uint32_t c = 999, u = 999;

	(void)state;
	make_otp(otp, key, privid, 7, 3, 0x123456, 0x4242);
	assert_int_equal(verify(otp, 0, 0, &c, &u), GK_OTP_OK);
	assert_int_equal(c, 7);
	assert_int_equal(u, 3);
	/* A fresh token's first OTP, (1, 0), beats a stored (0, 0). */
	make_otp(otp, key, privid, 1, 0, 1, 1);
	assert_int_equal(verify(otp, 0, 0, &c, &u), GK_OTP_OK);
	assert_int_equal(c, 1);
	assert_int_equal(u, 0);
}

static void
t_replay_same(void **state)
{
	char otp[GK_OTP_LEN + 1];
	uint32_t c = 0, u = 0, c2 = 77, u2 = 77;

	(void)state;
	make_otp(otp, key, privid, 12, 40, 99, 1234);
	assert_int_equal(verify(otp, 11, 255, &c, &u), GK_OTP_OK);
	assert_int_equal(verify(otp, c, u, &c2, &u2), GK_OTP_REPLAYED);
	/* A refused OTP leaves the outputs alone. */
	assert_int_equal(c2, 77);
	assert_int_equal(u2, 77);
}

static void
t_counter_order(void **state)
{
	char otp[GK_OTP_LEN + 1];
	uint32_t c = 0, u = 0;

	(void)state;
	/* Older counter, even with a larger use. */
	make_otp(otp, key, privid, 4, 200, 1, 2);
	assert_int_equal(verify(otp, 5, 0, &c, &u), GK_OTP_REPLAYED);
	/* Equal (counter, use) with another ciphertext. */
	make_otp(otp, key, privid, 5, 3, 777, 888);
	assert_int_equal(verify(otp, 5, 3, &c, &u), GK_OTP_REPLAYED);
	/* Same counter, smaller use. */
	make_otp(otp, key, privid, 5, 2, 3, 4);
	assert_int_equal(verify(otp, 5, 3, &c, &u), GK_OTP_REPLAYED);
	/* Same counter, greater use. */
	make_otp(otp, key, privid, 5, 4, 5, 6);
	assert_int_equal(verify(otp, 5, 3, &c, &u), GK_OTP_OK);
	assert_int_equal(c, 5);
	assert_int_equal(u, 4);
	/* Greater counter, smaller use. */
	make_otp(otp, key, privid, 6, 0, 7, 8);
	assert_int_equal(verify(otp, 5, 200, &c, &u), GK_OTP_OK);
	assert_int_equal(c, 6);
	assert_int_equal(u, 0);
	/* The top of the range. */
	make_otp(otp, key, privid, 0x7fff, 0xff, 9, 10);
	assert_int_equal(verify(otp, 0x7fff, 0xfe, &c, &u), GK_OTP_OK);
	assert_int_equal(c, 0x7fff);
	assert_int_equal(u, 0xff);
	assert_int_equal(verify(otp, 0x7fff, 0xff, &c, &u), GK_OTP_REPLAYED);
	/* A stored counter beyond 15 bits can never be passed. */
	assert_int_equal(verify(otp, 0x8000, 0, &c, &u), GK_OTP_REPLAYED);
}

static void
t_capslock_bit(void **state)
{
	char otp[GK_OTP_LEN + 1];
	uint32_t c = 0, u = 0;

	(void)state;
	make_otp(otp, key, privid, 0x8000 | 5, 3, 11, 12);
	assert_int_equal(verify(otp, 4, 255, &c, &u), GK_OTP_OK);
	assert_int_equal(c, 5);
	assert_int_equal(u, 3);
	/* The bit does not make (5, 3) greater than a stored (5, 3)... */
	assert_int_equal(verify(otp, 5, 3, &c, &u), GK_OTP_REPLAYED);
	/* ...nor than a stored (5, 2) ahead of an OTP without it. */
	make_otp(otp, key, privid, 0x8000 | 5, 2, 13, 14);
	assert_int_equal(verify(otp, 5, 2, &c, &u), GK_OTP_REPLAYED);
	assert_int_equal(verify(otp, 5, 1, &c, &u), GK_OTP_OK);
	assert_int_equal(c, 5);
	assert_int_equal(u, 2);
}

static void
t_wrong_key(void **state)
{
	uint8_t other[GK_OTP_KEY_LEN];
	char otp[GK_OTP_LEN + 1];
	uint32_t c = 0, u = 0;

	(void)state;
	memcpy(other, key, sizeof(other));
	other[15] ^= 0x01;
	make_otp(otp, other, privid, 7, 3, 1, 2);
	assert_int_equal(verify(otp, 0, 0, &c, &u), GK_OTP_BAD_CRC);
	/* One changed ciphertext character. */
	make_otp(otp, key, privid, 7, 3, 1, 2);
	otp[30] = otp[30] == 'c' ? 'b' : 'c';
	assert_int_equal(verify(otp, 0, 0, &c, &u), GK_OTP_BAD_CRC);
}

static void
t_other_privid(void **state)
{
	uint8_t other[GK_OTP_PRIVID_LEN];
	char otp[GK_OTP_LEN + 1];
	uint32_t c = 0, u = 0;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(other); i++) {
		memcpy(other, privid, sizeof(other));
		other[i] ^= 0x80;
		make_otp(otp, key, other, 7, 3, 1, 2);
		assert_int_equal(verify(otp, 0, 0, &c, &u), GK_OTP_BAD_PRIVID);
	}
	/* The private id is checked before the counters. */
	assert_int_equal(verify(otp, 100, 0, &c, &u), GK_OTP_BAD_PRIVID);
}

static void
t_bad_length(void **state)
{
	static const size_t lens[] = { 0, 1, 12, 43, 45, 100 };
	char good[GK_OTP_LEN + 1], buf[128], pid[GK_OTP_PUBID_LEN + 1];
	uint32_t c = 0, u = 0;
	size_t i;

	(void)state;
	make_otp(good, key, privid, 7, 3, 1, 2);
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		memset(buf, 'c', sizeof(buf));
		memcpy(buf, good, lens[i] < GK_OTP_LEN ? lens[i] : GK_OTP_LEN);
		buf[lens[i]] = '\0';
		assert_int_equal(gk_otp_parse(buf, pid), GK_OTP_BAD_LENGTH);
		assert_int_equal(verify(buf, 0, 0, &c, &u), GK_OTP_BAD_LENGTH);
		/* Length comes before case and alphabet. */
		if (lens[i] > 0) {
			buf[0] = 'x';
			assert_int_equal(verify(buf, 0, 0, &c, &u),
			    GK_OTP_BAD_LENGTH);
			buf[0] = 'C';
			assert_int_equal(verify(buf, 0, 0, &c, &u),
			    GK_OTP_BAD_LENGTH);
		}
	}
	assert_int_equal(gk_otp_parse(NULL, pid), GK_OTP_BAD_LENGTH);
	assert_int_equal(verify(NULL, 0, 0, &c, &u), GK_OTP_BAD_LENGTH);
}

static void
t_uppercase(void **state)
{
	char otp[GK_OTP_LEN + 1], pid[GK_OTP_PUBID_LEN + 1];
	uint32_t c = 0, u = 0;
	size_t i;

	(void)state;
	make_otp(otp, key, privid, 7, 3, 1, 2);
	for (i = 0; i < GK_OTP_LEN; i++)
		otp[i] = (char)(otp[i] - 'a' + 'A');
	assert_int_equal(gk_otp_parse(otp, pid), GK_OTP_UPPERCASE);
	assert_int_equal(verify(otp, 0, 0, &c, &u), GK_OTP_UPPERCASE);
	/* One upper-case character is enough. */
	make_otp(otp, key, privid, 7, 3, 1, 2);
	otp[20] = (char)(otp[20] - 'a' + 'A');
	assert_int_equal(verify(otp, 0, 0, &c, &u), GK_OTP_UPPERCASE);
}

static void
t_bad_modhex(void **state)
{
	static const char bad[] = { 'a', 'x', '0', '9', 'm', 'o', 'A',
	    ' ', '\n', '\t', (char)0xc3, (char)0xa9, (char)0xff, 0x7f };
	char good[GK_OTP_LEN + 1], otp[GK_OTP_LEN + 1];
	char pid[GK_OTP_PUBID_LEN + 1];
	uint32_t c = 0, u = 0;
	size_t i, pos;

	(void)state;
	make_otp(good, key, privid, 7, 3, 1, 2);
	for (i = 0; i < sizeof(bad); i++) {
		for (pos = 0; pos < GK_OTP_LEN; pos += 43) {
			memcpy(otp, good, sizeof(otp));
			otp[pos] = bad[i];
			assert_int_equal(gk_otp_parse(otp, pid),
			    GK_OTP_BAD_MODHEX);
			assert_int_equal(verify(otp, 0, 0, &c, &u),
			    GK_OTP_BAD_MODHEX);
		}
	}
	/* A UTF-8 sequence in place of two characters. */
	memcpy(otp, good, sizeof(otp));
	otp[10] = (char)0xc3;
	otp[11] = (char)0xa9;
	assert_int_equal(verify(otp, 0, 0, &c, &u), GK_OTP_BAD_MODHEX);
	/* Upper case mixed with a non-modhex letter is not Caps Lock. */
	memcpy(otp, good, sizeof(otp));
	otp[0] = 'C';
	otp[1] = 'X';
	assert_int_equal(verify(otp, 0, 0, &c, &u), GK_OTP_BAD_MODHEX);
}

static void
t_parse_pubid(void **state)
{
	char otp[GK_OTP_LEN + 1], pid[GK_OTP_PUBID_LEN + 1];

	(void)state;
	make_otp(otp, key, privid, 7, 3, 1, 2);
	memset(pid, 'x', sizeof(pid));
	assert_int_equal(gk_otp_parse(otp, pid), GK_OTP_OK);
	assert_string_equal(pid, pubid);
	/* A valid form is all parse looks at: no key is involved. */
	otp[40] = otp[40] == 'c' ? 'b' : 'c';
	assert_int_equal(gk_otp_parse(otp, pid), GK_OTP_OK);
	assert_string_equal(pid, pubid);
}

static void
t_pubid_not_verified(void **state)
{
	char otp[GK_OTP_LEN + 1];
	uint32_t c = 0, u = 0;

	(void)state;
	/* verify has no public id to compare: the caller picks the key by it. */
	make_otp(otp, key, privid, 7, 3, 1, 2);
	memcpy(otp, "cccccccccccc", GK_OTP_PUBID_LEN);
	assert_int_equal(verify(otp, 0, 0, &c, &u), GK_OTP_OK);
}

static void
t_known_answer(void **state)
{
	yubikey_token_st tok;
	uint8_t block[YUBIKEY_BLOCK_SIZE];
	char otp[GK_OTP_LEN + 1], token[YUBIKEY_OTP_SIZE + 1];
	uint32_t c = 0, u = 0;

	(void)state;
	/* Decrypting ykgenerate's token gives the block ykparse showed. */
	yubikey_modhex_decode((char *)block, kat_token, sizeof(block));
	yubikey_aes_decrypt(block, key);
	assert_memory_equal(block, kat_plain, sizeof(block));

	/* Encrypting that block gives ykgenerate's token back. */
	memcpy(&tok, kat_plain, sizeof(tok));
	yubikey_generate(&tok, key, token);
	assert_string_equal(token, kat_token);

	/* And gk_otp_verify reads counter 0x0102 and use 6 from it. */
	memcpy(otp, pubid, GK_OTP_PUBID_LEN);
	memcpy(otp + GK_OTP_PUBID_LEN, kat_token, sizeof(kat_token));
	assert_int_equal(verify(otp, 0, 0, &c, &u), GK_OTP_OK);
	assert_int_equal(c, 0x0102);
	assert_int_equal(u, 6);
	assert_int_equal(verify(otp, 0x0102, 5, &c, &u), GK_OTP_OK);
	assert_int_equal(verify(otp, 0x0102, 6, &c, &u), GK_OTP_REPLAYED);
	assert_int_equal(verify(otp, 0x0103, 0, &c, &u), GK_OTP_REPLAYED);

	/* Counter 0x8102 from ykgenerate: the caps-lock bit is dropped. */
	memcpy(otp + GK_OTP_PUBID_LEN, kat_caps_token, sizeof(kat_caps_token));
	c = u = 0;
	assert_int_equal(verify(otp, 0, 0, &c, &u), GK_OTP_OK);
	assert_int_equal(c, 0x0102);
	assert_int_equal(u, 6);
	assert_int_equal(verify(otp, 0x0102, 6, &c, &u), GK_OTP_REPLAYED);
}

static void
t_null_outputs(void **state)
{
	char otp[GK_OTP_LEN + 1];

	(void)state;
	make_otp(otp, key, privid, 7, 3, 1, 2);
	assert_int_equal(gk_otp_verify(otp, key, privid, 0, 0, NULL, NULL),
	    GK_OTP_OK);
}

static void
t_modhex_valid(void **state)
{
	(void)state;
	assert_true(gk_modhex_valid("cbdefghijklnrtuv", 16));
	assert_true(gk_modhex_valid("", 0));
	assert_false(gk_modhex_valid("cbdefghijklnrtuv", 15));
	assert_false(gk_modhex_valid("cbdefghijklnrtu", 16));
	assert_false(gk_modhex_valid("cbdefghijklnrtuV", 16));
	assert_false(gk_modhex_valid("cbdefghijklnrtua", 16));
	assert_false(gk_modhex_valid("cccccccccccc", 6));
	assert_false(gk_modhex_valid(NULL, 0));
}

static void
t_strerror(void **state)
{
	char otp[GK_OTP_LEN + 1];
	const char *m;
	size_t i, j;
	int r;

	(void)state;
	make_otp(otp, key, privid, 7, 3, 1, 2);
	for (r = -2; r <= GK_OTP_REPLAYED + 3; r++) {
		m = gk_otp_strerror((enum gk_otp_result)r);
		assert_non_null(m);
		assert_true(strlen(m) > 0);
		/* No 6-character piece of an OTP or public id in a message. */
		for (i = 0; i + 6 <= GK_OTP_LEN; i++) {
			char piece[7];

			memcpy(piece, otp + i, 6);
			piece[6] = '\0';
			assert_null(strstr(m, piece));
			memcpy(piece, kat_token + (i % 26), 6);
			assert_null(strstr(m, piece));
		}
		for (j = 0; m[j] != '\0'; j++)
			assert_true((unsigned char)m[j] >= 0x20 &&
			    (unsigned char)m[j] < 0x7f);
	}
	/* Each result has its own message. */
	for (r = GK_OTP_OK; r <= GK_OTP_REPLAYED; r++)
		for (i = (size_t)r + 1; i <= GK_OTP_REPLAYED; i++)
			assert_string_not_equal(
			    gk_otp_strerror((enum gk_otp_result)r),
			    gk_otp_strerror((enum gk_otp_result)i));
}

/* Words shaped like an OTP (issue 14): what gk-shell and the module
 * refuse and the daemon redacts. */
static void
t_shaped(void **state)
{
	char otp[GK_OTP_LEN + 1], w[200];
	size_t off = 99, len = 99, i;

	(void)state;
	make_otp(otp, key, privid, 7, 3, 1, 2);
	assert_true(gk_otp_shaped(otp));
	assert_true(gk_otp_find(otp, strlen(otp), &off, &len));
	assert_int_equal(off, 0);
	assert_int_equal(len, GK_OTP_LEN);
	/* The token's lengths: a 0 to 16-byte public id, then 32. */
	assert_true(gk_otp_shaped(kat_token));
	assert_true(gk_otp_shaped("cccccccccccc"));
	assert_false(gk_otp_shaped("ccccccccccc"));
	memset(w, 'v', 64);
	w[64] = '\0';
	assert_true(gk_otp_shaped(w));
	w[64] = 'v';
	w[65] = '\0';
	assert_false(gk_otp_shaped(w));
	/* Caps Lock: upper case, one case per run. */
	for (i = 0; i < GK_OTP_LEN; i++)
		w[i] = (char)(otp[i] - 'a' + 'A');
	w[GK_OTP_LEN] = '\0';
	assert_true(gk_otp_shaped(w));
	assert_false(gk_otp_shaped("ccccccCCCCCC"));
	/* Inside a word, between bytes that are not letters or digits. */
	snprintf(w, sizeof(w), "--otp=%s", otp);
	assert_true(gk_otp_shaped(w));
	assert_true(gk_otp_find(w, strlen(w), &off, &len));
	assert_int_equal(off, 6);
	assert_int_equal(len, GK_OTP_LEN);
	snprintf(w, sizeof(w), "/tmp/%s/x", otp);
	assert_true(gk_otp_shaped(w));
	snprintf(w, sizeof(w), "'%s'", otp);
	assert_true(gk_otp_shaped(w));
	snprintf(w, sizeof(w), "\n%s", otp);
	assert_true(gk_otp_shaped(w));
	snprintf(w, sizeof(w), "id%s", otp);	/* 46 modhex letters */
	assert_true(gk_otp_shaped(w));
	/* Glued to a letter or digit that is not modhex: another word. */
	snprintf(w, sizeof(w), "ls%s", otp);
	assert_false(gk_otp_shaped(w));
	snprintf(w, sizeof(w), "%s0", otp);
	assert_false(gk_otp_shaped(w));
	/* Not shaped: ordinary words, options, hex digests, short runs. */
	assert_false(gk_otp_shaped(""));
	assert_false(gk_otp_shaped(NULL));
	assert_false(gk_otp_shaped("mkfs.ext4"));
	assert_false(gk_otp_shaped("--check-filesystem"));
	assert_false(gk_otp_shaped("interrupted"));
	assert_false(gk_otp_shaped("/dev/disk/by-id/ata-ST1000DM010-2EP102"));
	assert_false(gk_otp_shaped(
	    "bcdefbcdefbcdefbcdef0123456789abcdefbcdefbcdefbcdefbcdefbcdef01"));
	assert_false(gk_otp_shaped("cccccccccccbcdefghijklnrtuvx"));
	assert_false(gk_otp_shaped("ccccc ccccc ccccc"));
	/* gk_otp_argv_shaped: any word. */
	{
		char *v[] = { "echo", "x", otp };

		assert_true(gk_otp_argv_shaped(3, v));
		assert_false(gk_otp_argv_shaped(2, v));
		assert_false(gk_otp_argv_shaped(0, v));
	}
	/* len 0 never finds anything; a bound is a bound. */
	assert_false(gk_otp_find(otp, 0, NULL, NULL));
	assert_false(gk_otp_find(otp, 11, NULL, NULL));
	assert_true(gk_otp_find(otp, 12, NULL, NULL));
}

static void
t_redact(void **state)
{
	char otp[GK_OTP_LEN + 1], otp2[GK_OTP_LEN + 1], in[400], want[400];
	char *r;

	(void)state;
	make_otp(otp, key, privid, 7, 3, 1, 2);
	make_otp(otp2, key, privid, 8, 0, 9, 4);
	snprintf(in, sizeof(in), "'echo' '%s' x=%s cccccccccccccc '%s'", otp,
	    otp2, "ls");
	r = gk_otp_redact(in);
	assert_non_null(r);
	snprintf(want, sizeof(want), "'echo' '%s' x=%s %s 'ls'",
	    GK_OTP_REDACTED, GK_OTP_REDACTED, GK_OTP_REDACTED);
	assert_string_equal(r, want);
	assert_null(strstr(r, otp));
	assert_null(strstr(r, otp2));
	assert_false(gk_otp_shaped(r));
	/* Redacting again changes nothing: the mark is not shaped. */
	{
		char *r2 = gk_otp_redact(r);

		assert_non_null(r2);
		assert_string_equal(r2, r);
		free(r2);
	}
	free(r);
	/* Nothing shaped: an equal copy. */
	r = gk_otp_redact("rule=disk-format why=denied hash=0fbcdefbcdefbcdefbcd");
	assert_non_null(r);
	assert_string_equal(r,
	    "rule=disk-format why=denied hash=0fbcdefbcdefbcdefbcd");
	free(r);
	r = gk_otp_redact("");
	assert_non_null(r);
	assert_string_equal(r, "");
	free(r);
	/* Only the run goes; the shortest run is shorter than the mark. */
	r = gk_otp_redact("a:cccccccccccc:b");
	assert_non_null(r);
	assert_string_equal(r, "a:" GK_OTP_REDACTED ":b");
	free(r);
	r = gk_otp_redact("cccccccccccc");
	assert_non_null(r);
	assert_string_equal(r, GK_OTP_REDACTED);
	free(r);
}

/* No word of the shipped catalogue or the examples is OTP-shaped: the
 * refusal must not stand between an admin and a command it names. */
static void
t_catalogue_not_shaped(void **state)
{
	const char *src = getenv("GK_SRC");
	char cmd[4200], word[1024];
	size_t nwords = 0;
	FILE *f;

	(void)state;
	if (src == NULL)
		src = ".";
	snprintf(cmd, sizeof(cmd), "cat '%s'/policies/*.policy "
	    "'%s'/policies/examples/*.policy", src, src);
	assert_non_null(f = popen(cmd, "r"));
	while (fscanf(f, "%1023s", word) == 1) {
		nwords++;
		if (gk_otp_shaped(word))
			fail_msg("catalogue word is OTP-shaped: %s", word);
	}
	assert_int_equal(pclose(f), 0);
	assert_true(nwords > 100);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_valid),
		cmocka_unit_test(t_replay_same),
		cmocka_unit_test(t_counter_order),
		cmocka_unit_test(t_capslock_bit),
		cmocka_unit_test(t_wrong_key),
		cmocka_unit_test(t_other_privid),
		cmocka_unit_test(t_bad_length),
		cmocka_unit_test(t_uppercase),
		cmocka_unit_test(t_bad_modhex),
		cmocka_unit_test(t_parse_pubid),
		cmocka_unit_test(t_pubid_not_verified),
		cmocka_unit_test(t_known_answer),
		cmocka_unit_test(t_null_outputs),
		cmocka_unit_test(t_modhex_valid),
		cmocka_unit_test(t_strerror),
		cmocka_unit_test(t_shaped),
		cmocka_unit_test(t_redact),
		cmocka_unit_test(t_catalogue_not_shaped),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
