#include <string.h>

#include <sodium.h>

#include "canon.h"
#include "gk_err.h"

int
gk_canon_bytes(struct gk_buf *b, const void *p, size_t n)
{
	return gk_buf_put_bytes(b, p, n);
}

int
gk_canon_str(struct gk_buf *b, const char *s)
{
	return gk_buf_put_bytes(b, s == NULL ? "" : s, s == NULL ? 0 : strlen(s));
}

int
gk_canon_u64(struct gk_buf *b, uint64_t v)
{
	int r;

	if ((r = gk_buf_put_u32(b, 8)) != 0)
		return r;
	return gk_buf_put_u64(b, v);
}

int
gk_canon_i64(struct gk_buf *b, int64_t v)
{
	return gk_canon_u64(b, (uint64_t)v);
}

int
gk_canon_strlist(struct gk_buf *b, size_t n, char *const *v)
{
	size_t i;
	int r;

	if ((r = gk_canon_u64(b, n)) != 0)
		return r;
	for (i = 0; i < n; i++)
		if ((r = gk_canon_str(b, v[i])) != 0)
			return r;
	return 0;
}

void
gk_digest(const struct gk_buf *b, uint8_t out[GK_DIGEST_LEN])
{
	crypto_generichash(out, GK_DIGEST_LEN, b->data == NULL ? (const uint8_t *)"" :
	    b->data, b->len, NULL, 0);
}

int
gk_request_digest(const struct gk_request_fields *f, uint8_t out[GK_DIGEST_LEN])
{
	struct gk_buf b;
	int r;

	gk_buf_init(&b, 4 * 1024 * 1024);
	if ((r = gk_canon_str(&b, GK_TAG_REQUEST)) != 0 ||
	    (r = gk_canon_str(&b, f->host_id)) != 0 ||
	    (r = gk_canon_u64(&b, f->number)) != 0 ||
	    (r = gk_canon_bytes(&b, f->nonce, GK_NONCE_LEN)) != 0 ||
	    (r = gk_canon_u64(&b, f->uid)) != 0 ||
	    (r = gk_canon_str(&b, f->user)) != 0 ||
	    (r = gk_canon_strlist(&b, f->argc, f->argv)) != 0 ||
	    (r = gk_canon_str(&b, f->exe_path)) != 0 ||
	    (r = gk_canon_bytes(&b, f->exe_hash, GK_DIGEST_LEN)) != 0 ||
	    (r = gk_canon_str(&b, f->cwd)) != 0 ||
	    (r = gk_canon_strlist(&b, f->npaths, f->paths)) != 0 ||
	    (r = gk_canon_str(&b, f->run_as)) != 0 ||
	    (r = gk_canon_str(&b, f->rule)) != 0 ||
	    (r = gk_canon_str(&b, f->reason)) != 0 ||
	    (r = gk_canon_i64(&b, f->created)) != 0 ||
	    (r = gk_canon_i64(&b, f->expires)) != 0)
		goto out;
	gk_digest(&b, out);
 out:
	gk_buf_free(&b);
	return r;
}

int
gk_approval_message(struct gk_buf *b, const uint8_t digest[GK_DIGEST_LEN],
    const char *decision, const char *otp, const char *approver, int64_t when)
{
	int r;

	if ((r = gk_canon_str(b, GK_TAG_APPROVAL)) != 0 ||
	    (r = gk_canon_bytes(b, digest, GK_DIGEST_LEN)) != 0 ||
	    (r = gk_canon_str(b, decision)) != 0 ||
	    (r = gk_canon_str(b, otp)) != 0 ||
	    (r = gk_canon_str(b, approver)) != 0 ||
	    (r = gk_canon_i64(b, when)) != 0)
		return r;
	return 0;
}

void
gk_hex(const uint8_t *p, size_t n, char *out)
{
	static const char x[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = x[p[i] >> 4];
		out[2 * i + 1] = x[p[i] & 15];
	}
	out[2 * n] = '\0';
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
gk_unhex(const char *s, uint8_t *out, size_t n)
{
	size_t i;
	int hi, lo;

	if (strlen(s) != 2 * n)
		return GK_ERR_FORMAT;
	for (i = 0; i < n; i++) {
		if ((hi = hexval((unsigned char)s[2 * i])) < 0 ||
		    (lo = hexval((unsigned char)s[2 * i + 1])) < 0)
			return GK_ERR_FORMAT;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

void
gk_fingerprint(const uint8_t digest[GK_DIGEST_LEN],
    char out[GK_FINGERPRINT_LEN + 1])
{
	char hex[17];
	int i, j = 0;

	gk_hex(digest, 8, hex);
	for (i = 0; i < 16; i++) {
		if (i > 0 && i % 4 == 0)
			out[j++] = '-';
		out[j++] = hex[i];
	}
	out[j] = '\0';
}
