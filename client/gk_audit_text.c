#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "escape.h"
#include "gk_audit_text.h"

#define TEXT_MAX	(64 * 1024 * 1024)

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
		if ((l = gk_utf8_decode(p + i, n - i, &cp)) == 0) {
			snprintf(tmp, sizeof(tmp), "\\x%02x", p[i]);
			r = gk_buf_put(&b, tmp, strlen(tmp));
			l = 1;
		} else if (cp < 0x20 || cp == 0x7f) {
			snprintf(tmp, sizeof(tmp), "\\x%02x", (unsigned)cp);
			r = gk_buf_put(&b, tmp, strlen(tmp));
		} else if (gk_char_hidden(cp)) {
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
		if ((l = gk_utf8_decode(p + i, n - i, &cp)) == 0) {
			fputs("\\ufffd", fp);
			l = 1;
		} else if (cp == '"' || cp == '\\') {
			putc('\\', fp);
			putc((int)cp, fp);
		} else if (gk_char_hidden(cp))
			fprintf(fp, "\\u%04x", (unsigned)cp);
		else
			fwrite(p + i, 1, l, fp);
		i += l;
	}
	putc('"', fp);
}
