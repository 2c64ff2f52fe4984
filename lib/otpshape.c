/*
 * Words shaped like a Yubico OTP (issue 14), and their redaction. Kept
 * apart from otp.c so that the PAM module links it without libsodium or
 * libyubikey. The contract and the MUST list are in otp.h.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "otp.h"

/* 1: lower-case modhex, 2: upper-case modhex, 0: anything else. */
static int
modhex_case(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return strchr("CBDEFGHIJKLNRTUV", c) != NULL ? 2 : 0;
	if (c >= 'a' && c <= 'z')
		return strchr("cbdefghijklnrtuv", c) != NULL ? 1 : 0;
	return 0;
}

static int
is_alnum(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	    (c >= 'A' && c <= 'Z');
}

int
gk_otp_find(const char *s, size_t n, size_t *off, size_t *len)
{
	size_t i = 0, j;
	int k;

	while (i < n) {
		if ((k = modhex_case((unsigned char)s[i])) == 0) {
			i++;
			continue;
		}
		for (j = i + 1; j < n && modhex_case((unsigned char)s[j]) == k;
		    j++)
			;
		if (j - i >= GK_OTP_SHAPE_MIN && j - i <= GK_OTP_SHAPE_MAX &&
		    (i == 0 || !is_alnum((unsigned char)s[i - 1])) &&
		    (j == n || !is_alnum((unsigned char)s[j]))) {
			if (off != NULL)
				*off = i;
			if (len != NULL)
				*len = j - i;
			return 1;
		}
		i = j;
	}
	return 0;
}

int
gk_otp_shaped(const char *word)
{
	return word != NULL && gk_otp_find(word, strlen(word), NULL, NULL);
}

int
gk_otp_argv_shaped(size_t argc, char *const *argv)
{
	for (size_t i = 0; i < argc; i++)
		if (gk_otp_shaped(argv[i]))
			return 1;
	return 0;
}

char *
gk_otp_redact(const char *s)
{
	static const char mark[] = GK_OTP_REDACTED;
	size_t n = strlen(s), at, o, off, len, cap = n + 1;
	char *out;

	/* Each run found starts after a non-alphanumeric byte (or at the
	 * start), so searching on from its end finds the next one alone. */
	for (at = 0; gk_otp_find(s + at, n - at, &off, &len); at += off + len)
		cap += sizeof(mark) - 1;
	if ((out = malloc(cap)) == NULL)
		return NULL;
	for (at = o = 0; gk_otp_find(s + at, n - at, &off, &len);
	    at += off + len) {
		memcpy(out + o, s + at, off);
		o += off;
		memcpy(out + o, mark, sizeof(mark) - 1);
		o += sizeof(mark) - 1;
	}
	memcpy(out + o, s + at, n - at + 1);
	return out;
}
