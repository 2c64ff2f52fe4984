#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "gk_err.h"

size_t
gk_utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
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

int
gk_char_hidden(uint32_t c)
{
	return c < 0x20 || c == 0x7f || (c >= 0x80 && c <= 0x9f) ||
	    c == 0x061c || c == 0x200e || c == 0x200f ||
	    (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069) ||
	    (c >= 0x200b && c <= 0x200d) || (c >= 0x2060 && c <= 0x2064) ||
	    c == 0xfeff || c == 0x2028 || c == 0x2029 || c == 0x00ad;
}

static int
put_str(struct gk_buf *out, const char *s)
{
	return gk_buf_put(out, s, strlen(s));
}

int
gk_escape_arg(struct gk_buf *out, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	char tmp[16];
	uint32_t cp;
	size_t i = 0, l;
	int r;

	if ((r = gk_buf_put_u8(out, '\'')) != 0)
		return r;
	while (i < n) {
		l = gk_utf8_decode(p + i, n - i, &cp);
		if (l == 0) {
			snprintf(tmp, sizeof(tmp), "\\x%02x", p[i]);
			r = put_str(out, tmp);
			l = 1;
		} else if (cp == '\'')
			r = put_str(out, "\\'");
		else if (cp == '\\')
			r = put_str(out, "\\\\");
		else if (cp == '\n')
			r = put_str(out, "\\n");
		else if (cp == '\t')
			r = put_str(out, "\\t");
		else if (cp == '\r')
			r = put_str(out, "\\r");
		else if (cp == 0x1b)
			r = put_str(out, "\\e");
		else if (cp < 0x20 || cp == 0x7f) {
			snprintf(tmp, sizeof(tmp), "\\x%02x", (unsigned)cp);
			r = put_str(out, tmp);
		} else if (gk_char_hidden(cp)) {
			snprintf(tmp, sizeof(tmp), "\\u{%04x}", (unsigned)cp);
			r = put_str(out, tmp);
		} else
			r = gk_buf_put(out, p + i, l);
		if (r != 0)
			return r;
		i += l;
	}
	return gk_buf_put_u8(out, '\'');
}

char *
gk_escape_argv(size_t argc, char *const *argv)
{
	struct gk_buf b;
	char *s = NULL;
	size_t i;

	gk_buf_init(&b, 16 * 1024 * 1024);
	for (i = 0; i < argc; i++) {
		if ((i > 0 && gk_buf_put_u8(&b, ' ') != 0) ||
		    gk_escape_arg(&b, argv[i], strlen(argv[i])) != 0)
			goto out;
	}
	if (gk_buf_put_u8(&b, '\0') != 0)
		goto out;
	if ((s = malloc(b.len)) != NULL)
		memcpy(s, b.data, b.len);
 out:
	gk_buf_free(&b);
	return s;
}

char *
gk_escape_str(const char *s)
{
	char *const v[1] = { (char *)s };

	return gk_escape_argv(1, v);
}
