/*
 * Yubico OTP checks. The MUST list is in otp.h.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <sodium.h>
#include <yubikey.h>

#include "otp.h"

/* Offsets in the decrypted 16-byte block; multi-byte fields are little-endian. */
#define BLK_CTR		6
#define BLK_USE		11

/*
 * Not strchr(YUBIKEY_MODHEX_MAP, c): that finds the terminating NUL, and
 * libyubikey decodes anything outside the map as 0 without complaint.
 */
static int
modhex_lower(unsigned char c)
{
	switch (c) {
	case 'c': case 'b': case 'd': case 'e': case 'f': case 'g': case 'h':
	case 'i': case 'j': case 'k': case 'l': case 'n': case 'r': case 't':
	case 'u': case 'v':
		return 1;
	default:
		return 0;
	}
}

static int
modhex_upper(unsigned char c)
{
	return c >= 'A' && c <= 'Z' && modhex_lower((unsigned char)(c - 'A' + 'a'));
}

const char *
gk_otp_strerror(enum gk_otp_result r)
{
	switch (r) {
	case GK_OTP_OK:
		return "OTP accepted";
	case GK_OTP_BAD_LENGTH:
		return "OTP is not 44 characters long";
	case GK_OTP_UPPERCASE:
		return "OTP is in upper case (is Caps Lock on?)";
	case GK_OTP_BAD_MODHEX:
		return "OTP has a character that is not modhex";
	case GK_OTP_BAD_CRC:
		return "OTP does not decrypt with this YubiKey's key";
	case GK_OTP_BAD_PRIVID:
		return "OTP is for another private id";
	case GK_OTP_REPLAYED:
		return "OTP was already used (counter not greater)";
	}
	return "unknown OTP result";
}

int
gk_modhex_valid(const char *s, size_t n)
{
	size_t i;

	if (s == NULL)
		return 0;
	/* s[n] is read only once s[0..n-1] were all non-NUL. */
	for (i = 0; i < n; i++)
		if (!modhex_lower((unsigned char)s[i]))
			return 0;
	return s[n] == '\0';
}

/* Length, then upper case, then modhex: the first problem found. */
static enum gk_otp_result
otp_check_form(const char *otp)
{
	size_t i;
	int upper = 0, other = 0;

	if (otp == NULL || strnlen(otp, GK_OTP_LEN + 1) != GK_OTP_LEN)
		return GK_OTP_BAD_LENGTH;
	for (i = 0; i < GK_OTP_LEN; i++) {
		unsigned char c = (unsigned char)otp[i];

		if (modhex_upper(c))
			upper = 1;
		else if (!modhex_lower(c))
			other = 1;
	}
	/* Only an OTP that is modhex once lowered is a Caps Lock OTP. */
	if (upper && !other)
		return GK_OTP_UPPERCASE;
	if (upper || other)
		return GK_OTP_BAD_MODHEX;
	return GK_OTP_OK;
}

enum gk_otp_result
gk_otp_parse(const char *otp, char pubid[GK_OTP_PUBID_LEN + 1])
{
	enum gk_otp_result r;

	if ((r = otp_check_form(otp)) != GK_OTP_OK)
		return r;
	memcpy(pubid, otp, GK_OTP_PUBID_LEN);
	pubid[GK_OTP_PUBID_LEN] = '\0';
	return GK_OTP_OK;
}

enum gk_otp_result
gk_otp_verify(const char *otp, const uint8_t key[GK_OTP_KEY_LEN],
    const uint8_t privid[GK_OTP_PRIVID_LEN],
    uint32_t last_counter, uint32_t last_use,
    uint32_t *counter, uint32_t *use)
{
	uint8_t block[YUBIKEY_BLOCK_SIZE];
	enum gk_otp_result r;
	uint32_t c, u;

	if ((r = otp_check_form(otp)) != GK_OTP_OK)
		return r;

	/* The form check guarantees exactly 32 modhex characters here. */
	yubikey_modhex_decode((char *)block, otp + GK_OTP_PUBID_LEN,
	    sizeof(block));
	yubikey_aes_decrypt(block, key);

	if (!yubikey_crc_ok_p(block)) {
		r = GK_OTP_BAD_CRC;
		goto out;
	}
	if (sodium_memcmp(block, privid, GK_OTP_PRIVID_LEN) != 0) {
		r = GK_OTP_BAD_PRIVID;
		goto out;
	}
	c = yubikey_counter((uint32_t)block[BLK_CTR] |
	    ((uint32_t)block[BLK_CTR + 1] << 8));
	u = block[BLK_USE];
	if (c < last_counter || (c == last_counter && u <= last_use)) {
		r = GK_OTP_REPLAYED;
		goto out;
	}
	if (counter != NULL)
		*counter = c;
	if (use != NULL)
		*use = u;
	r = GK_OTP_OK;
out:
	sodium_memzero(block, sizeof(block));
	return r;
}
