/*
 * gk-shell's command language: a line is parsed into pipelines of simple
 * commands joined by ; && ||, and each command's words are expanded just
 * before it runs (so `cd /x && ls *` globs in /x).
 *
 * The language, small on purpose:
 *   words     blanks separate; '...' is literal; "..." is literal except
 *             \" \\ \$ \` and $VAR; \c outside quotes is a literal c;
 *             backslash-newline continues the line; # starts a comment
 *   operators ; and newline, &&, ||, | (pipeline)
 *   redirs    < FILE, > FILE, >> FILE, N> N>> N< (N a single digit),
 *             N>&M and >&M (duplicate an fd)
 *   expansion ~ and ~USER at the start of a word; $HOME $USER $PWD (also
 *             as ${NAME}), never split or globbed; unquoted * ? [...]
 *             globbing (no match keeps the word as written)
 * Refused with a message, before anything runs: any other $NAME or $?,
 * $(...) and `...`, & (background), ( ) subshells, << here-documents,
 * <( ) and >( ), |&, an unterminated quote, an empty command.
 */
#ifndef GK_SHLINE_H
#define GK_SHLINE_H

#include <stddef.h>
#include <stdint.h>

#define GK_SH_LINE_MAX	(256 * 1024)	/* bytes in a line */
#define GK_SH_WORDS_MAX	4096		/* words in a line, and argv after globbing */

/* How each byte of a word was written (word.kind[i]). */
enum { GK_SH_RAW, GK_SH_LIT, GK_SH_VAR, GK_SH_VAR0 };

/* A word as written: text[i] with kind[i]. A variable is its name's bytes,
 * the first marked GK_SH_VAR0 and the rest GK_SH_VAR. */
struct gk_sh_word {
	char		*text;
	uint8_t		*kind;
	size_t		 len;
};

enum gk_sh_redir_op { GK_SH_IN, GK_SH_OUT, GK_SH_APPEND, GK_SH_DUP };

struct gk_sh_redir {
	int			 fd;		/* the fd redirected */
	enum gk_sh_redir_op	 op;
	int			 dupfd;		/* GK_SH_DUP: the fd copied */
	struct gk_sh_word	 target;	/* the file, unless GK_SH_DUP */
};

struct gk_sh_cmd {
	struct gk_sh_word	*words;
	size_t			 nwords;
	struct gk_sh_redir	*redirs;
	size_t			 nredirs;
};

enum gk_sh_join { GK_SH_SEQ, GK_SH_AND, GK_SH_OR };

/* A pipeline, and how it joins the one before it (GK_SH_SEQ for the
 * first). */
struct gk_sh_pipe {
	struct gk_sh_cmd	*cmds;
	size_t			 ncmds;
	enum gk_sh_join		 join;
};

struct gk_sh_line {
	struct gk_sh_pipe	*pipes;
	size_t			 npipes;
};

/* The values $HOME, $USER and $PWD stand for (~ is home). When fill is
 * set, it is called with ctx before home or user is first read, so that
 * a caller can look them up only for a line that uses them. */
struct gk_sh_vars {
	const char	*home, *user, *pwd;
	void		(*fill)(void *ctx);
	void		*ctx;
};

#define GK_SH_NOGLOB	0x1	/* leave glob characters alone (fuzzing) */

/*
 * Parses len bytes of line. Returns 0 with *out filled (npipes may be 0
 * for a blank line or a comment), or a GK_ERR_* code with a message for
 * people in err: GK_ERR_SHORT when the line is incomplete and more input
 * could finish it (an open quote, a final backslash, | && or || at the
 * end), GK_ERR_FORMAT for a line that is wrong, GK_ERR_LIMIT for a line or
 * word count over the caps, GK_ERR_ALLOC.
 */
int	gk_sh_parse(const char *line, size_t len, struct gk_sh_line *out,
	    char *err, size_t errlen);
void	gk_sh_line_free(struct gk_sh_line *);

/*
 * Expands n words into a NULL-terminated argv (*argc entries; caller
 * frees with gk_strv_free(argv, argc) from buf.h). Returns 0, or a
 * GK_ERR_* code with a message in err.
 */
int	gk_sh_expand(const struct gk_sh_word *w, size_t n,
	    const struct gk_sh_vars *v, int flags, char ***argv, size_t *argc,
	    char *err, size_t errlen);
/* Expands one word that must give exactly one result (a redirection's
 * file): GK_ERR_FORMAT "ambiguous redirect" otherwise. */
int	gk_sh_expand_one(const struct gk_sh_word *w, const struct gk_sh_vars *v,
	    int flags, char **out, char *err, size_t errlen);

#endif
