#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "escape.h"
#include "gk_audit_text.h"

#define TEXT_MAX	(64 * 1024 * 1024)

/* One UTF-8 sequence at s (n > 0): its length and *cp, or 0 when the bytes
 * there are not valid UTF-8 (overlong, surrogate, > U+10FFFF, truncated). */
static size_t
utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
	uint32_t c;
	size_t len, i;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	} else if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2;
		c = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		c = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		c = s[0] & 0x07;
	} else
		return 0;
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	if ((len == 3 && c < 0x800) || (len == 4 && c < 0x10000) ||
	    c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

/* The characters escape.h shows as escapes (besides invalid bytes). */
static int
unsafe(uint32_t c)
{
	return c < 0x20 || c == 0x7f || (c >= 0x80 && c <= 0x9f) ||
	    c == 0x061c || c == 0x200e || c == 0x200f ||
	    (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069) ||
	    (c >= 0x200b && c <= 0x200d) || (c >= 0x2060 && c <= 0x2064) ||
	    c == 0xfeff || c == 0x2028 || c == 0x2029 || c == 0x00ad;
}

static char *
buf_to_str(struct gk_buf *b)
{
	char *s = NULL;

	if (gk_buf_put_u8(b, '\0') == 0 && (s = malloc(b->len)) != NULL)
		memcpy(s, b->data, b->len);
	gk_buf_free(b);
	return s;
}

char *
gk_audit_text_filter(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	struct gk_buf b;
	char tmp[16];
	uint32_t cp;
	size_t i = 0, l;
	int r;

	gk_buf_init(&b, TEXT_MAX);
	while (i < n) {
		if ((l = utf8_decode(p + i, n - i, &cp)) == 0) {
			snprintf(tmp, sizeof(tmp), "\\x%02x", p[i]);
			r = gk_buf_put(&b, tmp, strlen(tmp));
			l = 1;
		} else if (cp < 0x20 || cp == 0x7f) {
			snprintf(tmp, sizeof(tmp), "\\x%02x", (unsigned)cp);
			r = gk_buf_put(&b, tmp, strlen(tmp));
		} else if (unsafe(cp)) {
			snprintf(tmp, sizeof(tmp), "\\u{%04x}", (unsigned)cp);
			r = gk_buf_put(&b, tmp, strlen(tmp));
		} else
			r = gk_buf_put(&b, p + i, l);
		if (r != 0) {
			gk_buf_free(&b);
			return NULL;
		}
		i += l;
	}
	return buf_to_str(&b);
}

char *
gk_audit_text_name(const char *s, size_t n)
{
	struct gk_buf b;
	size_t i;
	int plain = n > 0;

	for (i = 0; i < n && plain; i++)
		plain = (s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' &&
		    s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') ||
		    strchr("._@:-", s[i]) != NULL;
	gk_buf_init(&b, TEXT_MAX);
	if (plain ? gk_buf_put(&b, s, n) != 0 :
	    gk_escape_arg(&b, s, n) != 0) {
		gk_buf_free(&b);
		return NULL;
	}
	return buf_to_str(&b);
}

size_t
gk_audit_text_width(const char *s)
{
	size_t w = 0;

	for (; *s != '\0'; s++)
		w += ((unsigned char)*s & 0xc0) != 0x80;
	return w;
}

void
gk_audit_json_str(FILE *fp, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	uint32_t cp;
	size_t i = 0, l;

	putc('"', fp);
	while (i < n) {
		if ((l = utf8_decode(p + i, n - i, &cp)) == 0) {
			fputs("\\ufffd", fp);
			l = 1;
		} else if (cp == '"' || cp == '\\') {
			putc('\\', fp);
			putc((int)cp, fp);
		} else if (unsafe(cp))
			fprintf(fp, "\\u%04x", (unsigned)cp);
		else
			fwrite(p + i, 1, l, fp);
		i += l;
	}
	putc('"', fp);
}
