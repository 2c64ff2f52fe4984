/*
 * Yubico OTP checks (DESIGN.md section 5, step 2).
 *
 * An OTP is 44 characters of lower-case modhex: the token's 12-character
 * public id, then 32 characters of AES-128 ciphertext holding the private
 * id, the counters and a CRC. Upper case is refused with its own message
 * (a YubiKey typing with Caps Lock on) rather than folded.
 *
 * MUST:
 * - check length and modhex before anything is decoded;
 * - compare the private id in constant time;
 * - accept only a (counter, use) pair strictly greater than the stored one;
 * - never copy the OTP, the AES key or the decrypted block anywhere but
 *   the caller's buffers, and wipe the decrypted block before returning.
 */
#ifndef GK_OTP_H
#define GK_OTP_H

#include <stddef.h>
#include <stdint.h>

#define GK_OTP_LEN		44
#define GK_OTP_PUBID_LEN	12
#define GK_OTP_PRIVID_LEN	6
#define GK_OTP_KEY_LEN		16

enum gk_otp_result {
	GK_OTP_OK = 0,
	GK_OTP_BAD_LENGTH,	/* not exactly 44 characters */
	GK_OTP_UPPERCASE,	/* modhex in upper case (Caps Lock?) */
	GK_OTP_BAD_MODHEX,	/* a character outside cbdefghijklnrtuv */
	GK_OTP_BAD_CRC,		/* wrong key: decrypts to garbage */
	GK_OTP_BAD_PRIVID,	/* decrypts, but for another private id */
	GK_OTP_REPLAYED,	/* (counter, use) not greater than stored */
};

/* A short static message for a result, with no secret in it. */
const char	*gk_otp_strerror(enum gk_otp_result r);

/*
 * Checks the form (length, lower-case modhex) and copies the public id
 * into pubid (NUL-terminated). Returns GK_OTP_OK or the first problem.
 */
enum gk_otp_result gk_otp_parse(const char *otp,
	    char pubid[GK_OTP_PUBID_LEN + 1]);

/*
 * Decrypts otp with key and checks CRC, private id and that its (counter,
 * use) is greater than (last_counter, last_use). On GK_OTP_OK, *counter and
 * *use hold the OTP's values (to be stored by the caller). counter is the
 * 15-bit session counter (the caps-lock bit dropped), use the 8-bit use;
 * on failure they are left alone (either may be NULL). The public id is
 * not looked at: the caller must check that it belongs to the approver
 * (DESIGN.md section 5, step 2) and store only values this returned.
 */
enum gk_otp_result gk_otp_verify(const char *otp,
	    const uint8_t key[GK_OTP_KEY_LEN],
	    const uint8_t privid[GK_OTP_PRIVID_LEN],
	    uint32_t last_counter, uint32_t last_use,
	    uint32_t *counter, uint32_t *use);

/* Is s exactly n lower-case modhex characters (s[n] the NUL)? */
int	gk_modhex_valid(const char *s, size_t n);

/*
 * OTP-shaped words (lib/otpshape.c, no libsodium or libyubikey, so the PAM
 * module links it). A YubiKey touched while a shell or sudo has focus
 * types an OTP (its public id, 0 to 32 modhex characters, then 32) and
 * Enter: such a word must never leave gk-shell or the PAM module, and the
 * daemon redacts it in whatever it writes. Shaped: a run of
 * GK_OTP_SHAPE_MIN to GK_OTP_SHAPE_MAX modhex letters, all lower case or
 * all upper case (Caps Lock), whose neighbours are the ends of the text or
 * bytes that are not ASCII letters or digits. So "OTP", "--otp=OTP",
 * "/tmp/OTP" and "'OTP'" are shaped; a hex digest (digits and 'a' break
 * its runs) and ordinary words are not.
 *
 * MUST (for the callers):
 * - refuse a shaped word before it is sent, logged or kept, with a
 *   message that does not echo it;
 * - redact with gk_otp_redact what is written where others read it.
 */
#define GK_OTP_SHAPE_MIN	12
#define GK_OTP_SHAPE_MAX	64
#define GK_OTP_REDACTED		"[otp redacted]"

/* The first shaped run in the n bytes at s: 1 with *off and *len set
 * (either may be NULL), 0 when there is none. */
int	gk_otp_find(const char *s, size_t n, size_t *off, size_t *len);
/* Does word (NUL-terminated; NULL: no) hold a shaped run? 1 or 0. */
int	gk_otp_shaped(const char *word);
/* Does any of argv[0..argc) hold a shaped run? 1 or 0. */
int	gk_otp_argv_shaped(size_t argc, char *const *argv);
/* A new copy of s (not NULL) with each shaped run replaced by
 * GK_OTP_REDACTED; the caller frees it. NULL when out of memory. */
char	*gk_otp_redact(const char *s);

#endif
