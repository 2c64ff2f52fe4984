/* Unit tests for lib/escape.c: how arguments are shown to people. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "buf.h"
#include "escape.h"
#include "gk_err.h"

/* The n bytes at s escaped by gk_escape_arg, NUL-terminated; caller frees. */
static char *
esc(const void *s, size_t n)
{
	struct gk_buf b;
	char *r;

	gk_buf_init(&b, 1024 * 1024);
	assert_int_equal(gk_escape_arg(&b, s, n), 0);
	assert_non_null(r = malloc(b.len + 1));
	if (b.len > 0)
		memcpy(r, b.data, b.len);
	r[b.len] = '\0';
	gk_buf_free(&b);
	return r;
}

static void
expect_n(const void *s, size_t n, const char *want)
{
	char *got = esc(s, n);

	if (strcmp(got, want) != 0)
		fail_msg("escaping %zu bytes: got %s, want %s", n, got, want);
	free(got);
}

static void
expect(const char *s, const char *want)
{
	char *got;

	expect_n(s, strlen(s), want);
	got = gk_escape_str(s);
	assert_non_null(got);
	assert_string_equal(got, want);
	free(got);
}

/* UTF-8 of code point c into out (4 bytes room); returns its length. */
static size_t
utf8(uint32_t c, uint8_t *out)
{
	if (c < 0x80) {
		out[0] = (uint8_t)c;
		return 1;
	} else if (c < 0x800) {
		out[0] = (uint8_t)(0xc0 | c >> 6);
		out[1] = (uint8_t)(0x80 | (c & 0x3f));
		return 2;
	} else if (c < 0x10000) {
		out[0] = (uint8_t)(0xe0 | c >> 12);
		out[1] = (uint8_t)(0x80 | ((c >> 6) & 0x3f));
		out[2] = (uint8_t)(0x80 | (c & 0x3f));
		return 3;
	}
	out[0] = (uint8_t)(0xf0 | c >> 18);
	out[1] = (uint8_t)(0x80 | ((c >> 12) & 0x3f));
	out[2] = (uint8_t)(0x80 | ((c >> 6) & 0x3f));
	out[3] = (uint8_t)(0x80 | (c & 0x3f));
	return 4;
}

/* Every code point the contract says must never appear raw. */
static int
must_escape(uint32_t c)
{
	return c < 0x20 || c == 0x7f || (c >= 0x80 && c <= 0x9f) ||
	    c == 0xad || c == 0x61c || c == 0x200e || c == 0x200f ||
	    (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069) ||
	    (c >= 0x200b && c <= 0x200d) || (c >= 0x2060 && c <= 0x2064) ||
	    c == 0xfeff || c == 0x2028 || c == 0x2029;
}

/*
 * Strict UTF-8 (Unicode table 3-7), written apart from lib/escape.c.
 * Returns the length of the sequence at s and sets *cp, or 0.
 */
static size_t
utf8_next(const uint8_t *s, size_t n, uint32_t *cp)
{
	uint8_t lo = 0x80, hi = 0xbf;
	size_t len, i;
	uint32_t c;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2;
		c = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		c = s[0] & 0x0f;
		if (s[0] == 0xe0)
			lo = 0xa0;
		if (s[0] == 0xed)
			hi = 0x9f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		c = s[0] & 0x07;
		if (s[0] == 0xf0)
			lo = 0x90;
		if (s[0] == 0xf4)
			hi = 0x8f;
	} else
		return 0;
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if (s[i] < (i == 1 ? lo : 0x80) || s[i] > (i == 1 ? hi : 0xbf))
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	*cp = c;
	return len;
}

static int
hexdig(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Parses one quoted, escaped argument at *pp (the documented form) and
 * appends the bytes it stands for to out. Returns 0, or -1 when the text is
 * not in that form.
 */
static int
unescape_one(const char **pp, uint8_t *out, size_t *outn, size_t outmax)
{
	const char *p = *pp;
	uint8_t tmp[4];
	uint32_t c;
	size_t k, l;
	int h, d;

	if (*p++ != '\'')
		return -1;
	for (;;) {
		if (*p == '\0')
			return -1;
		if (*p == '\'') {
			p++;
			break;
		}
		if (*p != '\\') {
			if (*outn >= outmax)
				return -1;
			out[(*outn)++] = (uint8_t)*p++;
			continue;
		}
		p++;
		l = 0;
		switch (*p) {
		case '\'': tmp[0] = '\''; l = 1; p++; break;
		case '\\': tmp[0] = '\\'; l = 1; p++; break;
		case 'n': tmp[0] = '\n'; l = 1; p++; break;
		case 't': tmp[0] = '\t'; l = 1; p++; break;
		case 'r': tmp[0] = '\r'; l = 1; p++; break;
		case 'e': tmp[0] = 0x1b; l = 1; p++; break;
		case 'x':
			if ((h = hexdig(p[1])) < 0 || (d = hexdig(p[2])) < 0)
				return -1;
			tmp[0] = (uint8_t)(h << 4 | d);
			l = 1;
			p += 3;
			break;
		case 'u':
			if (p[1] != '{')
				return -1;
			p += 2;
			c = 0;
			for (k = 0; *p != '}'; k++, p++) {
				if (k >= 6 || (h = hexdig(*p)) < 0)
					return -1;
				c = c << 4 | (uint32_t)h;
			}
			if (k < 4 || c > 0x10ffff)
				return -1;
			p++;
			l = utf8(c, tmp);
			break;
		default:
			return -1;
		}
		if (*outn + l > outmax)
			return -1;
		memcpy(out + *outn, tmp, l);
		*outn += l;
	}
	*pp = p;
	return 0;
}

/* Asserts the properties every escaped text must have. */
static void
check_display_safe(const char *s, size_t n)
{
	const uint8_t *p = (const uint8_t *)s;
	uint32_t cp = 0;
	size_t i = 0, l;

	while (i < n) {
		if (p[i] < 0x20 || p[i] == 0x7f)
			fail_msg("raw control byte 0x%02x at %zu in %s", p[i], i, s);
		if ((l = utf8_next(p + i, n - i, &cp)) == 0)
			fail_msg("invalid UTF-8 at %zu in output", i);
		if (must_escape(cp))
			fail_msg("raw U+%04X at %zu in output", (unsigned)cp, i);
		i += l;
	}
}

static void
t_plain(void **state)
{
	(void)state;
	expect("word", "'word'");
	expect("", "''");
	expect("a b", "'a b'");
	expect("/usr/bin/ls", "'/usr/bin/ls'");
	expect("$(id) `id` ;|&<>*?\"~", "'$(id) `id` ;|&<>*?\"~'");
}

static void
t_quote_backslash(void **state)
{
	(void)state;
	expect("'", "'\\''");
	expect("it's", "'it\\'s'");
	expect("\\", "'\\\\'");
	expect("a\\b", "'a\\\\b'");
	expect("\\'", "'\\\\\\''");
	expect("''", "'\\'\\''");
}

static void
t_common_controls(void **state)
{
	(void)state;
	expect("\n", "'\\n'");
	expect("\t", "'\\t'");
	expect("\r", "'\\r'");
	expect("\x1b", "'\\e'");
	expect("a\nb\tc\rd\x1b[31m", "'a\\nb\\tc\\rd\\e[31m'");
}

static void
t_other_c0_and_del(void **state)
{
	char in[2], want[16];
	int c;

	(void)state;
	for (c = 0; c < 0x20; c++) {
		if (c == '\n' || c == '\t' || c == '\r' || c == 0x1b)
			continue;
		in[0] = (char)c;
		snprintf(want, sizeof(want), "'\\x%02x'", c);
		expect_n(in, 1, want);
	}
	expect("\x7f", "'\\x7f'");
	expect_n("a\0b", 3, "'a\\x00b'");
	expect("\x01\x7f", "'\\x01\\x7f'");
}

/* Each listed code point, alone and between letters, as \u{HHHH}. */
static void
expect_cp_escaped(uint32_t c)
{
	uint8_t in[8];
	char want[32];
	size_t l;

	l = utf8(c, in);
	snprintf(want, sizeof(want), "'\\u{%04x}'", (unsigned)c);
	expect_n(in, l, want);
	in[0] = 'a';
	l = utf8(c, in + 1);
	in[l + 1] = 'b';
	snprintf(want, sizeof(want), "'a\\u{%04x}b'", (unsigned)c);
	expect_n(in, l + 2, want);
}

static void
t_c1(void **state)
{
	uint32_t c;

	(void)state;
	expect("\xc2\x85", "'\\u{0085}'");	/* NEL */
	for (c = 0x80; c <= 0x9f; c++)
		expect_cp_escaped(c);
	expect_cp_escaped(0xad);		/* soft hyphen */
}

static void
t_bidi(void **state)
{
	static const uint32_t cps[] = {
		0x061c, 0x200e, 0x200f, 0x202a, 0x202b, 0x202c, 0x202d, 0x202e,
		0x2066, 0x2067, 0x2068, 0x2069,
	};
	size_t i;

	(void)state;
	expect("\xe2\x80\xae", "'\\u{202e}'");
	expect("abc\xe2\x80\xae" "fdp.exe", "'abc\\u{202e}fdp.exe'");
	for (i = 0; i < sizeof(cps) / sizeof(cps[0]); i++)
		expect_cp_escaped(cps[i]);
}

static void
t_invisible(void **state)
{
	static const uint32_t cps[] = {
		0x200b, 0x200c, 0x200d, 0x2060, 0x2061, 0x2062, 0x2063, 0x2064,
		0xfeff, 0x2028, 0x2029,
	};
	size_t i;

	(void)state;
	expect("r\xe2\x80\x8bm", "'r\\u{200b}m'");
	expect("\xef\xbb\xbfls", "'\\u{feff}ls'");
	expect("\xe2\x80\xa8", "'\\u{2028}'");
	for (i = 0; i < sizeof(cps) / sizeof(cps[0]); i++)
		expect_cp_escaped(cps[i]);
}

static void
t_valid_utf8(void **state)
{
	(void)state;
	expect("\xc3\xa9", "'\xc3\xa9'");				/* é */
	expect("caf\xc3\xa9 cr\xc3\xa8me", "'caf\xc3\xa9 cr\xc3\xa8me'");
	expect("\xe6\x97\xa5\xe6\x9c\xac", "'\xe6\x97\xa5\xe6\x9c\xac'");	/* 日本 */
	expect("\xf0\x9f\x98\x80", "'\xf0\x9f\x98\x80'");		/* 😀 */
	/* The edges of each sequence length and of the surrogate gap. */
	expect("\xc2\xa0", "'\xc2\xa0'");		/* U+00A0 */
	expect("\xdf\xbf", "'\xdf\xbf'");		/* U+07FF */
	expect("\xe0\xa0\x80", "'\xe0\xa0\x80'");	/* U+0800 */
	expect("\xed\x9f\xbf", "'\xed\x9f\xbf'");	/* U+D7FF */
	expect("\xee\x80\x80", "'\xee\x80\x80'");	/* U+E000 */
	expect("\xf0\x90\x80\x80", "'\xf0\x90\x80\x80'");	/* U+10000 */
	expect("\xf4\x8f\xbf\xbf", "'\xf4\x8f\xbf\xbf'");	/* U+10FFFF */
}

static void
t_invalid_utf8(void **state)
{
	char in[2], want[16];
	int c;

	(void)state;
	/* Lone continuation bytes. */
	expect("\x80", "'\\x80'");
	expect("\xbf", "'\\xbf'");
	expect("a\x80" "b", "'a\\x80b'");
	expect("\xc3\xa9\xa9", "'\xc3\xa9\\xa9'");
	/* Truncated sequences, at the end and before other bytes. */
	expect("\xc3", "'\\xc3'");
	expect("\xe6\x97", "'\\xe6\\x97'");
	expect("a\xf0\x9f\x98", "'a\\xf0\\x9f\\x98'");
	expect("\xe6\x97" "a", "'\\xe6\\x97a'");
	expect("\xe6" "\xe6\x97\xa5", "'\\xe6\xe6\x97\xa5'");
	expect("\xf0\x9f\x98'", "'\\xf0\\x9f\\x98\\''");
	/* Overlong forms, including ones that would hide a quote or slash. */
	expect("\xc0\x80", "'\\xc0\\x80'");
	expect("\xc1\xbf", "'\\xc1\\xbf'");
	expect("\xc0\xa7", "'\\xc0\\xa7'");
	expect("\xc0\xaf", "'\\xc0\\xaf'");
	expect("\xe0\x80\x80", "'\\xe0\\x80\\x80'");
	expect("\xe0\x9f\xbf", "'\\xe0\\x9f\\xbf'");
	expect("\xf0\x80\x80\x80", "'\\xf0\\x80\\x80\\x80'");
	expect("\xf0\x8f\xbf\xbf", "'\\xf0\\x8f\\xbf\\xbf'");
	/* Surrogates. */
	expect("\xed\xa0\x80", "'\\xed\\xa0\\x80'");
	expect("\xed\xbf\xbf", "'\\xed\\xbf\\xbf'");
	expect("\xed\xa0\xbd\xed\xb8\x80", "'\\xed\\xa0\\xbd\\xed\\xb8\\x80'");
	/* Above U+10FFFF. */
	expect("\xf4\x90\x80\x80", "'\\xf4\\x90\\x80\\x80'");
	expect("\xf7\xbf\xbf\xbf", "'\\xf7\\xbf\\xbf\\xbf'");
	/* Bytes that never appear in UTF-8. */
	for (c = 0xf5; c <= 0xff; c++) {
		in[0] = (char)c;
		snprintf(want, sizeof(want), "'\\x%02x'", c);
		expect_n(in, 1, want);
	}
	expect("\xf5\x80\x80\x80", "'\\xf5\\x80\\x80\\x80'");
	expect("\xfe\xff", "'\\xfe\\xff'");
	/* An invalid byte does not swallow the valid character after it. */
	expect("\xff\xc3\xa9", "'\\xff\xc3\xa9'");
}

static void
t_argv(void **state)
{
	char *v[] = { "ls", "-l", "a b", "it's", "", "x\ny" };
	char *s;

	(void)state;
	s = gk_escape_argv(6, v);
	assert_non_null(s);
	assert_string_equal(s, "'ls' '-l' 'a b' 'it\\'s' '' 'x\\ny'");
	free(s);
	s = gk_escape_argv(0, v);
	assert_non_null(s);
	assert_string_equal(s, "");
	free(s);
	s = gk_escape_argv(1, v + 4);
	assert_non_null(s);
	assert_string_equal(s, "''");
	free(s);
	/* "a b" and "a","b" look different. */
	{
		char *one[] = { "a b" }, *two[] = { "a", "b" }, *s2;

		s = gk_escape_argv(1, one);
		s2 = gk_escape_argv(2, two);
		assert_non_null(s);
		assert_non_null(s2);
		assert_string_equal(s, "'a b'");
		assert_string_equal(s2, "'a' 'b'");
		free(s);
		free(s2);
	}
}

/* xorshift64*: a fixed seed, so a failure can be replayed. */
static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint32_t
rnd(uint32_t n)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return (uint32_t)((rng * 0x2545f4914f6cdd1dull) >> 32) % n;
}

/* A random byte string that often holds the interesting cases. */
static size_t
random_input(uint8_t *p, size_t max, int no_nul)
{
	static const uint32_t cps[] = {
		0x85, 0x9f, 0xad, 0xe9, 0x61c, 0x200b, 0x200e, 0x202e, 0x2028,
		0x2029, 0x2060, 0x2066, 0x2069, 0xfeff, 0x65e5, 0x1f600,
		0x10ffff, 0x7ff, 0x800, 0xffff, 0x10000, 0xd7ff, 0xe000,
	};
	size_t n = 0, len = rnd((uint32_t)max / 2);
	uint32_t k;

	while (n < len && n + 4 <= max) {
		switch (rnd(6)) {
		case 0:		/* any byte */
			p[n++] = (uint8_t)rnd(256);
			break;
		case 1:		/* high bytes: broken sequences */
			p[n++] = (uint8_t)(0x80 + rnd(128));
			break;
		case 2:		/* a listed or edge code point */
			n += utf8(cps[rnd(sizeof(cps) / sizeof(cps[0]))], p + n);
			break;
		case 3:		/* any code point, surrogates included */
			k = rnd(0x110000);
			n += utf8(k, p + n);
			break;
		case 4:		/* a truncated multi-byte sequence */
			n += utf8(0x800 + rnd(0x10f800), p + n) - 1;
			break;
		default:	/* ASCII, quote and backslash */
			p[n++] = "a '\\\n\x1b\x7f"[rnd(7)];
			break;
		}
	}
	if (no_nul)
		for (k = 0; k < n; k++)
			if (p[k] == 0)
				p[k] = 'z';
	return n;
}

static void
t_property_random(void **state)
{
	uint8_t in[256], back[256];
	const char *p;
	size_t n, bn;
	char *out;
	int i;

	(void)state;
	for (i = 0; i < 20000; i++) {
		n = random_input(in, sizeof(in), 0);
		out = esc(in, n);
		check_display_safe(out, strlen(out));
		/* One quoted word that decodes to exactly the input. */
		p = out;
		bn = 0;
		if (unescape_one(&p, back, &bn, sizeof(back)) != 0 || *p != '\0')
			fail_msg("iteration %d: output not in the documented "
			    "form: %s", i, out);
		if (bn != n || memcmp(back, in, n) != 0)
			fail_msg("iteration %d: %s does not decode to the input",
			    i, out);
		free(out);
	}
}

static void
t_property_argv(void **state)
{
	uint8_t store[8][128], back[128];
	char *v[8], *out;
	const char *p;
	size_t argc, k, bn, lens[8];
	int i;

	(void)state;
	for (i = 0; i < 3000; i++) {
		argc = rnd(8);
		for (k = 0; k < argc; k++) {
			lens[k] = random_input(store[k], sizeof(store[k]) - 1, 1);
			store[k][lens[k]] = '\0';
			v[k] = (char *)store[k];
		}
		out = gk_escape_argv(argc, v);
		assert_non_null(out);
		check_display_safe(out, strlen(out));
		/* Split back into the same words, one space apart. */
		p = out;
		for (k = 0; k < argc; k++) {
			if (k > 0 && *p++ != ' ')
				fail_msg("iteration %d: no single space before "
				    "word %zu: %s", i, k, out);
			bn = 0;
			if (unescape_one(&p, back, &bn, sizeof(back)) != 0)
				fail_msg("iteration %d: word %zu malformed: %s",
				    i, k, out);
			if (bn != lens[k] || memcmp(back, store[k], bn) != 0)
				fail_msg("iteration %d: word %zu differs: %s",
				    i, k, out);
		}
		assert_int_equal(*p, '\0');
		free(out);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_plain),
		cmocka_unit_test(t_quote_backslash),
		cmocka_unit_test(t_common_controls),
		cmocka_unit_test(t_other_c0_and_del),
		cmocka_unit_test(t_c1),
		cmocka_unit_test(t_bidi),
		cmocka_unit_test(t_invisible),
		cmocka_unit_test(t_valid_utf8),
		cmocka_unit_test(t_invalid_utf8),
		cmocka_unit_test(t_argv),
		cmocka_unit_test(t_property_random),
		cmocka_unit_test(t_property_argv),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
