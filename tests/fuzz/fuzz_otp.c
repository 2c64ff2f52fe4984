/*
 * Fuzz target: the OTP form check, then decryption and the counter check
 * with a fixed key and private id (the corpus's valid OTP uses them);
 * and the OTP-shape search and redaction on the same bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "alloc_fail.h"
#include "otp.h"


int
gk_fuzz_one(const uint8_t *data, size_t len)
{
	static const uint8_t key[GK_OTP_KEY_LEN] = {
		0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
		0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f,
	};
	static const uint8_t privid[GK_OTP_PRIVID_LEN] = {
		0x0a, 0x1b, 0x2c, 0x3d, 0x4e, 0x5f,
	};
	char pubid[GK_OTP_PUBID_LEN + 1];
	enum gk_otp_result pr, vr;
	uint32_t c = 0, u = 0;
	char *s, *r, *r2;

	if ((s = malloc(len + 1)) == NULL)
		return 0;
	if (len > 0)
		memcpy(s, data, len);
	s[len] = '\0';

	pr = gk_otp_parse(s, pubid);
	if (pr == GK_OTP_OK && strlen(pubid) != GK_OTP_PUBID_LEN)
		abort();
	if (gk_otp_strerror(pr) == NULL)
		abort();
	vr = gk_otp_verify(s, key, privid, 0, 0, &c, &u);
	/* verify sees the same form problems as parse, first. */
	if (pr != GK_OTP_OK && vr != pr)
		abort();
	if (vr == GK_OTP_OK) {
		if (c > 0x7fff || u > 0xff || (c == 0 && u == 0))
			abort();
		if (gk_otp_verify(s, key, privid, c, u, NULL, NULL) !=
		    GK_OTP_REPLAYED)
			abort();
	}
	if (gk_otp_strerror(vr) == NULL)
		abort();
	/* A valid OTP is shaped; redaction leaves nothing shaped, is no
	 * longer than a mark per shaped run, and is its own fixed point. */
	if (pr == GK_OTP_OK && !gk_otp_shaped(s))
		abort();
	if ((r = gk_otp_redact(s)) != NULL) {
		if (gk_otp_shaped(r))
			abort();
		if ((r2 = gk_otp_redact(r)) != NULL) {
			if (strcmp(r, r2) != 0)
				abort();
			free(r2);
		}
		if (!gk_otp_shaped(s) && strcmp(r, s) != 0)
			abort();
		free(r);
	}
	free(s);
	return 0;
}
