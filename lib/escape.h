/*
 * Display escaping: how arguments are shown to approvers and auditors.
 *
 * MUST:
 * - quote every argument, so word boundaries are always visible;
 * - show as escapes: C0 controls and DEL, C1 controls (U+0080-U+009F),
 *   bidi controls (U+061C, U+200E, U+200F, U+202A-U+202E, U+2066-U+2069),
 *   zero-width and invisible characters (U+200B-U+200D, U+2060-U+2064,
 *   U+FEFF, the soft hyphen U+00AD), line and paragraph separators (U+2028, U+2029), and every byte
 *   of invalid UTF-8 (overlong forms, surrogates, > U+10FFFF, truncations);
 * - produce output that is itself printable ASCII or valid UTF-8 with none
 *   of the above in it.
 *
 * Form: 'text' with \' and \\ for the quote and the backslash; \n \t \r \e
 * for the common controls, \xHH for other bytes and \u{HHHH} for the
 * characters above.
 */
#ifndef GK_ESCAPE_H
#define GK_ESCAPE_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

/* Appends the quoted, escaped form of the n bytes at s to out (no NUL). */
int	gk_escape_arg(struct gk_buf *out, const char *s, size_t n);
/* The escaped args joined by single spaces, as a new NUL-terminated string
 * (caller frees), or NULL when out of memory. */
char	*gk_escape_argv(size_t argc, char *const *argv);
/* Decodes one UTF-8 sequence at s (n > 0 bytes left): its length with *cp
 * set, or 0 when the bytes there are not valid UTF-8 (overlong, surrogate,
 * > U+10FFFF, truncated). */
size_t	gk_utf8_decode(const unsigned char *s, size_t n, uint32_t *cp);
/* Is c one of the characters shown only as an escape (controls, C1, bidi,
 * zero-width, separators)? */
int	gk_char_hidden(uint32_t c);
/* One escaped argument as a new NUL-terminated string, or NULL. */
char	*gk_escape_str(const char *s);

#endif
