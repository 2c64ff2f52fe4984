/*
 * Showing strings that come from the daemon or from a database file: the
 * table cells of gk-audit, the names and messages of gk-approve, and the
 * JSON both print. Shared by gk-audit and gk-approve.
 *
 * MUST:
 * - never let a control, bidi, zero-width or invalid UTF-8 byte through
 *   to the terminal: the same characters escape.h escapes;
 * - produce JSON that is valid UTF-8 with every such character as \uXXXX.
 */
#ifndef GK_AUDIT_TEXT_H
#define GK_AUDIT_TEXT_H

#include <stddef.h>
#include <stdio.h>

/*
 * The n bytes at s with every unsafe character or byte replaced by an
 * escape (\xHH for bytes and C0/DEL, \u{HHHH} for the others), the rest
 * untouched: for text that is already meant to be read (an escaped command
 * line, key=value details, messages). A new string, or NULL (no memory).
 */
char	*gk_audit_text_filter(const char *s, size_t n);

/*
 * A name (user, rule, event, approver): itself when it is non-empty and
 * only [A-Za-z0-9._@:-], else its quoted form from gk_escape_arg. A new
 * string, or NULL (no memory).
 */
char	*gk_audit_text_name(const char *s, size_t n);

/* Display width of a string that went through one of the above: two
 * columns for an East Asian wide or fullwidth character, none for a
 * combining mark, one for the rest; the same in every locale. */
size_t	 gk_audit_text_width(const char *s);

/* How many bytes of s fit in cols columns (never splitting a character;
 * at least one character when s is not empty), preferring to end just
 * after a space when the rest would not fit. */
size_t	 gk_audit_text_fit(const char *s, size_t cols);

/*
 * Writes the n bytes at s as a JSON string literal, quotes included:
 * C0, DEL, C1, bidi and invisible characters as \uXXXX, each invalid
 * UTF-8 byte as \ufffd.
 */
void	 gk_audit_json_str(FILE *fp, const char *s, size_t n);

#endif
