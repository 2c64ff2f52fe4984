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

/* Columns of one code point (Unicode East Asian Width W/F, combining
 * marks), without the locale's wcwidth. */
static size_t
cp_width(uint32_t c)
{
	static const uint32_t zero[][2] = {
		{ 0x0300, 0x036f }, { 0x0483, 0x0489 }, { 0x0591, 0x05bd },
		{ 0x0610, 0x061a }, { 0x064b, 0x065f }, { 0x1ab0, 0x1aff },
		{ 0x1dc0, 0x1dff }, { 0x20d0, 0x20ff }, { 0xfe00, 0xfe0f },
		{ 0xfe20, 0xfe2f },
	};
	static const uint32_t wide[][2] = {
		{ 0x1100, 0x115f }, { 0x231a, 0x231b }, { 0x2329, 0x232a },
		{ 0x23e9, 0x23ec }, { 0x2614, 0x2615 }, { 0x2e80, 0x303e },
		{ 0x3041, 0x33ff }, { 0x3400, 0x4dbf }, { 0x4e00, 0x9fff },
		{ 0xa000, 0xa4cf }, { 0xa960, 0xa97f }, { 0xac00, 0xd7a3 },
		{ 0xf900, 0xfaff }, { 0xfe10, 0xfe19 }, { 0xfe30, 0xfe6f },
		{ 0xff00, 0xff60 }, { 0xffe0, 0xffe6 }, { 0x1f300, 0x1f64f },
		{ 0x1f900, 0x1f9ff }, { 0x20000, 0x2fffd }, { 0x30000, 0x3fffd },
	};
	size_t i;

	if (c < 0x300)
		return 1;
	for (i = 0; i < sizeof(zero) / sizeof(zero[0]); i++)
		if (c >= zero[i][0] && c <= zero[i][1])
			return 0;
	for (i = 0; i < sizeof(wide) / sizeof(wide[0]); i++)
		if (c >= wide[i][0] && c <= wide[i][1])
			return 2;
	return 1;
}

/* Width and length of the character at s (1 and 1 for a stray byte). */
static size_t
char_at(const char *s, size_t *len)
{
	uint32_t cp;

	if ((*len = gk_utf8_decode((const unsigned char *)s, strnlen(s, 4), &cp))
	    == 0) {
		*len = 1;
		return 1;
	}
	return cp_width(cp);
}

size_t
gk_audit_text_width(const char *s)
{
	size_t w = 0, l;

	while (*s != '\0') {
		w += char_at(s, &l);
		s += l;
	}
	return w;
}

size_t
gk_audit_text_fit(const char *s, size_t cols)
{
	size_t i = 0, w = 0, cw, l, space = 0;

	while (s[i] != '\0') {
		cw = char_at(s + i, &l);
		if (w + cw > cols && i > 0)
			break;
		w += cw;
		i += l;
		if (s[i - 1] == ' ')
			space = i;
	}
	return s[i] != '\0' && space > 0 ? space : i;
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
