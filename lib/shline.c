/*
 * gk-shell's command language: the lexer, the parser and word expansion.
 * The grammar is in shline.h.
 *
 * MUST:
 * - refuse, before anything runs, every construct the language does not
 *   have (command substitution, subshells, background jobs, other
 *   variables), with a message that names it;
 * - never let an expanded variable or home directory be split or globbed;
 * - never read past len bytes, and keep every count under its cap.
 */
#include <glob.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gk_err.h"
#include "policy.h"
#include "shline.h"

struct lex {
	const char	*s;
	size_t		 n, i;
	size_t		 words;		/* words so far, against the cap */
	char		*err;
	size_t		 errlen;
};

static int
fail(struct lex *lx, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
fail(struct lex *lx, int code, const char *fmt, ...)
{
	va_list ap;

	if (lx->errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(lx->err, lx->errlen, fmt, ap);
		va_end(ap);
	}
	return code;
}

/* Grows *p (elements of size sz) so it holds at least want. */
static int
grow(void *p, size_t *cap, size_t want, size_t sz)
{
	void *np;
	size_t nc;

	if (want <= *cap)
		return 0;
	nc = *cap ? *cap * 2 : 8;
	while (nc < want)
		nc *= 2;
	if ((np = reallocarray(*(void **)p, nc, sz)) == NULL)
		return GK_ERR_ALLOC;
	*(void **)p = np;
	*cap = nc;
	return 0;
}

/* Word building --------------------------------------------------------- */

struct wb {
	struct gk_sh_word w;
	size_t		 cap;
};

static int
wb_put(struct wb *b, char c, uint8_t kind)
{
	size_t cap = b->cap;

	if (grow(&b->w.text, &cap, b->w.len + 2, 1) != 0 ||
	    grow(&b->w.kind, &b->cap, b->w.len + 2, 1) != 0)
		return GK_ERR_ALLOC;
	b->w.text[b->w.len] = c;
	b->w.kind[b->w.len++] = kind;
	b->w.text[b->w.len] = '\0';
	return 0;
}

static void
word_free(struct gk_sh_word *w)
{
	free(w->text);
	free(w->kind);
	memset(w, 0, sizeof(*w));
}

/* Lexing ---------------------------------------------------------------- */

static int
is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* Ends a word (outside quotes). */
static int
is_meta(char c)
{
	return is_blank(c) || c == '\n' || c == ';' || c == '&' || c == '|' ||
	    c == '<' || c == '>' || c == '(' || c == ')';
}

static int
name_start(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}

static int
name_char(char c)
{
	return name_start(c) || (c >= '0' && c <= '9');
}

static const char ONLY_VARS[] = "gk-shell expands only $HOME, $USER and $PWD";

/* At a '$' (lx->i): a variable reference, an error, or a literal '$'. */
static int
lex_dollar(struct lex *lx, struct wb *b)
{
	const char *s = lx->s;
	size_t i = lx->i + 1, start, end;
	int r;

	if (i < lx->n && s[i] == '(')
		return fail(lx, GK_ERR_FORMAT, "command substitution $(...) is "
		    "not supported");
	if (i < lx->n && s[i] == '{') {
		start = ++i;
		while (i < lx->n && s[i] != '}')
			i++;
		if (i >= lx->n)
			return fail(lx, GK_ERR_FORMAT, "unterminated ${");
		end = i++;
	} else if (i < lx->n && name_start(s[i])) {
		start = i;
		while (i < lx->n && name_char(s[i]))
			i++;
		end = i;
	} else if (i < lx->n && strchr("?$#!@*-0123456789", s[i]) != NULL) {
		return fail(lx, GK_ERR_FORMAT, "$%c is not supported: %s", s[i],
		    ONLY_VARS);
	} else {
		lx->i = i;
		return wb_put(b, '$', GK_SH_LIT);
	}
	if (!((end - start == 4 && (memcmp(s + start, "HOME", 4) == 0 ||
	    memcmp(s + start, "USER", 4) == 0)) ||
	    (end - start == 3 && memcmp(s + start, "PWD", 3) == 0))) {
		if (end - start > 64 || end == start)
			return fail(lx, GK_ERR_FORMAT, "not a variable name: %s",
			    ONLY_VARS);
		for (size_t k = start; k < end; k++)
			if (!name_char(s[k]))
				return fail(lx, GK_ERR_FORMAT, "not a variable "
				    "name: %s", ONLY_VARS);
		return fail(lx, GK_ERR_FORMAT, "$%.*s: %s", (int)(end - start),
		    s + start, ONLY_VARS);
	}
	for (size_t k = start; k < end; k++)
		if ((r = wb_put(b, s[k], k == start ? GK_SH_VAR0 : GK_SH_VAR)) != 0)
			return r;
	lx->i = i;
	return 0;
}

/* Reads one word at lx->i, up to an unquoted blank or operator. */
static int
lex_word(struct lex *lx, struct wb *b)
{
	const char *s = lx->s;
	char q = 0, c;
	int r;

	while (lx->i < lx->n) {
		c = s[lx->i];
		if (c == '\0')
			return fail(lx, GK_ERR_FORMAT, "a NUL byte in the line");
		if (q == '\'') {
			if (c == '\'')
				q = 0;
			else if ((r = wb_put(b, c, GK_SH_LIT)) != 0)
				return r;
			lx->i++;
			continue;
		}
		if (q == '"') {
			if (c == '"') {
				q = 0;
				lx->i++;
			} else if (c == '\\' && lx->i + 1 < lx->n &&
			    s[lx->i + 1] == '\n') {
				lx->i += 2;
			} else if (c == '\\' && lx->i + 1 < lx->n &&
			    strchr("\"\\$`", s[lx->i + 1]) != NULL) {
				if ((r = wb_put(b, s[lx->i + 1], GK_SH_LIT)) != 0)
					return r;
				lx->i += 2;
			} else if (c == '$') {
				if ((r = lex_dollar(lx, b)) != 0)
					return r;
			} else if (c == '`') {
				return fail(lx, GK_ERR_FORMAT, "command "
				    "substitution `...` is not supported");
			} else {
				if ((r = wb_put(b, c, GK_SH_LIT)) != 0)
					return r;
				lx->i++;
			}
			continue;
		}
		if (is_meta(c))
			break;
		switch (c) {
		case '\'':
		case '"':
			q = c;
			lx->i++;
			break;
		case '\\':
			if (lx->i + 1 >= lx->n || (s[lx->i + 1] == '\n' &&
			    lx->i + 2 >= lx->n))
				return fail(lx, GK_ERR_SHORT, "a backslash ends "
				    "the line");
			if (s[lx->i + 1] != '\n' &&
			    (r = wb_put(b, s[lx->i + 1], GK_SH_LIT)) != 0)
				return r;
			lx->i += 2;
			break;
		case '$':
			if ((r = lex_dollar(lx, b)) != 0)
				return r;
			break;
		case '`':
			return fail(lx, GK_ERR_FORMAT, "command substitution "
			    "`...` is not supported");
		default:
			if ((r = wb_put(b, c, GK_SH_RAW)) != 0)
				return r;
			lx->i++;
		}
	}
	if (q != 0)
		return fail(lx, GK_ERR_SHORT, "unterminated %c quote", q);
	/* "" and '' make a word even when empty. */
	if (b->w.text == NULL && ((b->w.text = calloc(1, 1)) == NULL ||
	    (b->w.kind = calloc(1, 1)) == NULL))
		return GK_ERR_ALLOC;
	if (++lx->words > GK_SH_WORDS_MAX)
		return fail(lx, GK_ERR_LIMIT, "more than %d words in the line",
		    GK_SH_WORDS_MAX);
	return 0;
}

/* Parsing --------------------------------------------------------------- */

struct parser {
	struct lex		 lx;
	struct gk_sh_line	*line;
	size_t			 pcap;		/* line->pipes */
	size_t			 ccap;		/* current pipe's cmds */
	size_t			 wcap, rcap;	/* current cmd's words, redirs */
	enum gk_sh_join		 join;		/* of the pipeline being built */
	int			 open;		/* a pipeline is being built */
};

static struct gk_sh_pipe *
cur_pipe(struct parser *p)
{
	return &p->line->pipes[p->line->npipes - 1];
}

static struct gk_sh_cmd *
cur_cmd(struct parser *p)
{
	struct gk_sh_pipe *pp = cur_pipe(p);

	return &pp->cmds[pp->ncmds - 1];
}

static int
cmd_empty(const struct gk_sh_cmd *c)
{
	return c->nwords == 0 && c->nredirs == 0;
}

static int
new_cmd(struct parser *p)
{
	struct gk_sh_pipe *pp = cur_pipe(p);

	if (grow(&pp->cmds, &p->ccap, pp->ncmds + 1, sizeof(*pp->cmds)) != 0)
		return GK_ERR_ALLOC;
	memset(&pp->cmds[pp->ncmds++], 0, sizeof(*pp->cmds));
	p->wcap = p->rcap = 0;
	return 0;
}

/* Makes sure a command is being built (the first word of a pipeline). */
static int
open_pipe(struct parser *p)
{
	struct gk_sh_line *l = p->line;

	if (p->open)
		return 0;
	if (grow(&l->pipes, &p->pcap, l->npipes + 1, sizeof(*l->pipes)) != 0)
		return GK_ERR_ALLOC;
	memset(&l->pipes[l->npipes], 0, sizeof(*l->pipes));
	l->pipes[l->npipes++].join = p->join;
	p->ccap = 0;
	p->open = 1;
	return new_cmd(p);
}

static const char *
join_name(enum gk_sh_join j)
{
	return j == GK_SH_AND ? "&&" : j == GK_SH_OR ? "||" : ";";
}

/* Ends the pipeline being built at ; && || or the end of the line (next
 * GK_SH_SEQ, at_end). A line that ends wanting a command is GK_ERR_SHORT:
 * more input may complete it. */
static int
end_pipe(struct parser *p, enum gk_sh_join next, int at_end)
{
	int code = at_end ? GK_ERR_SHORT : GK_ERR_FORMAT;

	if (p->open) {
		if (cmd_empty(cur_cmd(p)))
			return fail(&p->lx, code, "| needs a command after it");
		if (cur_cmd(p)->nwords == 0)
			return fail(&p->lx, GK_ERR_FORMAT, "a redirection needs "
			    "a command");
		p->open = 0;
	} else if (p->join != GK_SH_SEQ)
		return fail(&p->lx, code, "%s needs a command after it",
		    join_name(p->join));
	else if (next != GK_SH_SEQ)
		return fail(&p->lx, GK_ERR_FORMAT, "%s needs a command before "
		    "it", join_name(next));
	p->join = next;
	return 0;
}

static int
add_word(struct parser *p, struct wb *b)
{
	struct gk_sh_cmd *c;
	int r;

	if ((r = open_pipe(p)) != 0)
		return r;
	c = cur_cmd(p);
	if (grow(&c->words, &p->wcap, c->nwords + 1, sizeof(*c->words)) != 0)
		return GK_ERR_ALLOC;
	c->words[c->nwords++] = b->w;
	memset(b, 0, sizeof(*b));
	return 0;
}

/* At '<' or '>' (lx->i), with fd the digit written before it or -1. */
static int
parse_redir(struct parser *p, int fd)
{
	struct lex *lx = &p->lx;
	const char *s = lx->s;
	struct gk_sh_redir rd;
	struct gk_sh_cmd *c;
	struct wb b;
	char op = s[lx->i++];
	char nx = lx->i < lx->n ? s[lx->i] : '\0';
	int r;

	memset(&rd, 0, sizeof(rd));
	if (nx == '(')
		return fail(lx, GK_ERR_FORMAT, "process substitution %c(...) is "
		    "not supported", op);
	if (op == '<' && nx == '<')
		return fail(lx, GK_ERR_FORMAT, "here-documents (<<) are not "
		    "supported");
	rd.fd = fd >= 0 ? fd : op == '<' ? 0 : 1;
	rd.op = op == '<' ? GK_SH_IN : GK_SH_OUT;
	if (op == '>' && nx == '>') {
		rd.op = GK_SH_APPEND;
		lx->i++;
	} else if (nx == '&') {
		lx->i++;
		if (lx->i >= lx->n || s[lx->i] < '0' || s[lx->i] > '9' ||
		    (lx->i + 1 < lx->n && !is_meta(s[lx->i + 1])))
			return fail(lx, GK_ERR_FORMAT, "%c& needs a file "
			    "descriptor number (0-9) after it", op);
		rd.op = GK_SH_DUP;
		rd.dupfd = s[lx->i++] - '0';
	}
	if (rd.op != GK_SH_DUP) {
		while (lx->i < lx->n && is_blank(s[lx->i]))
			lx->i++;
		if (lx->i >= lx->n || is_meta(s[lx->i]))
			return fail(lx, GK_ERR_FORMAT, "a redirection (%s) needs "
			    "a file name", rd.op == GK_SH_APPEND ? ">>" :
			    op == '<' ? "<" : ">");
		memset(&b, 0, sizeof(b));
		if ((r = lex_word(lx, &b)) != 0) {
			word_free(&b.w);
			return r;
		}
		rd.target = b.w;
	}
	if ((r = open_pipe(p)) != 0)
		goto bad;
	c = cur_cmd(p);
	if (grow(&c->redirs, &p->rcap, c->nredirs + 1, sizeof(*c->redirs)) != 0) {
		r = GK_ERR_ALLOC;
		goto bad;
	}
	c->redirs[c->nredirs++] = rd;
	return 0;
 bad:
	word_free(&rd.target);
	return r;
}

static int
parse(struct parser *p)
{
	struct lex *lx = &p->lx;
	const char *s = lx->s;
	struct wb b;
	char c, nx;
	int r;

	for (;;) {
		while (lx->i < lx->n && (is_blank(s[lx->i]) ||
		    (s[lx->i] == '\\' && lx->i + 1 < lx->n &&
		    s[lx->i + 1] == '\n')))
			lx->i += is_blank(s[lx->i]) ? 1 : 2;
		if (lx->i >= 2 && lx->i >= lx->n && s[lx->i - 1] == '\n' &&
		    s[lx->i - 2] == '\\')
			return fail(lx, GK_ERR_SHORT, "a backslash ends the line");
		if (lx->i >= lx->n)
			return end_pipe(p, GK_SH_SEQ, 1);
		c = s[lx->i];
		nx = lx->i + 1 < lx->n ? s[lx->i + 1] : '\0';
		if (c == '#') {
			while (lx->i < lx->n && s[lx->i] != '\n')
				lx->i++;
		} else if (c == '\n' || c == ';') {
			if (c == ';' && nx == ';')
				return fail(lx, GK_ERR_FORMAT, ";; is not "
				    "supported");
			if ((r = end_pipe(p, GK_SH_SEQ, 0)) != 0)
				return r;
			lx->i++;
		} else if (c == '&' && nx == '&') {
			if ((r = end_pipe(p, GK_SH_AND, 0)) != 0)
				return r;
			lx->i += 2;
		} else if (c == '&') {
			return fail(lx, GK_ERR_FORMAT, "background jobs (&) are "
			    "not supported");
		} else if (c == '|' && nx == '|') {
			if ((r = end_pipe(p, GK_SH_OR, 0)) != 0)
				return r;
			lx->i += 2;
		} else if (c == '|' && nx == '&') {
			return fail(lx, GK_ERR_FORMAT, "|& is not supported: "
			    "write 2>&1 |");
		} else if (c == '|') {
			if (!p->open || cmd_empty(cur_cmd(p)))
				return fail(lx, GK_ERR_FORMAT, "| needs a "
				    "command before it");
			if (cur_cmd(p)->nwords == 0)
				return fail(lx, GK_ERR_FORMAT, "a redirection "
				    "needs a command");
			if ((r = new_cmd(p)) != 0)
				return r;
			lx->i++;
		} else if (c == '(' || c == ')') {
			return fail(lx, GK_ERR_FORMAT, "subshells and functions "
			    "( ) are not supported");
		} else if (c == '<' || c == '>') {
			if ((r = parse_redir(p, -1)) != 0)
				return r;
		} else {
			memset(&b, 0, sizeof(b));
			if ((r = lex_word(lx, &b)) != 0) {
				word_free(&b.w);
				return r;
			}
			/* "2>file": a lone unquoted digit right before < or >
			 * names the fd. */
			if (b.w.len == 1 && b.w.kind[0] == GK_SH_RAW &&
			    b.w.text[0] >= '0' && b.w.text[0] <= '9' &&
			    lx->i < lx->n && (s[lx->i] == '<' || s[lx->i] == '>')) {
				int fd = b.w.text[0] - '0';

				word_free(&b.w);
				lx->words--;
				if ((r = parse_redir(p, fd)) != 0)
					return r;
			} else if ((r = add_word(p, &b)) != 0) {
				word_free(&b.w);
				return r;
			}
		}
	}
}

void
gk_sh_line_free(struct gk_sh_line *l)
{
	size_t i, j, k;

	for (i = 0; i < l->npipes; i++) {
		struct gk_sh_pipe *pp = &l->pipes[i];

		for (j = 0; j < pp->ncmds; j++) {
			struct gk_sh_cmd *c = &pp->cmds[j];

			for (k = 0; k < c->nwords; k++)
				word_free(&c->words[k]);
			for (k = 0; k < c->nredirs; k++)
				word_free(&c->redirs[k].target);
			free(c->words);
			free(c->redirs);
		}
		free(pp->cmds);
	}
	free(l->pipes);
	memset(l, 0, sizeof(*l));
}

int
gk_sh_parse(const char *line, size_t len, struct gk_sh_line *out, char *err,
    size_t errlen)
{
	struct parser p;
	int r;

	memset(out, 0, sizeof(*out));
	memset(&p, 0, sizeof(p));
	p.lx.s = line;
	p.lx.n = len;
	p.lx.err = err;
	p.lx.errlen = errlen;
	p.line = out;
	if (errlen > 0)
		err[0] = '\0';
	if (len > GK_SH_LINE_MAX)
		return fail(&p.lx, GK_ERR_LIMIT, "the line is longer than %d "
		    "bytes", GK_SH_LINE_MAX);
	if ((r = parse(&p)) != 0) {
		if (r == GK_ERR_ALLOC)
			fail(&p.lx, r, "out of memory");
		gk_sh_line_free(out);
	}
	return r;
}

/* Expansion ------------------------------------------------------------- */

struct strv {
	char	**v;
	size_t	 n, cap;
};

static int
strv_add(struct strv *sv, const char *s, size_t len)
{
	if (sv->n >= GK_SH_WORDS_MAX)
		return GK_ERR_LIMIT;
	if (grow(&sv->v, &sv->cap, sv->n + 2, sizeof(*sv->v)) != 0)
		return GK_ERR_ALLOC;
	if ((sv->v[sv->n] = strndup(s, len)) == NULL)
		return GK_ERR_ALLOC;
	sv->v[++sv->n] = NULL;
	return 0;
}

/* The expanded text with, per byte, whether it may glob. */
struct xw {
	char	*t;
	uint8_t	*g;
	size_t	 len, cap;
};

static int
xw_put(struct xw *x, const char *s, size_t n, uint8_t g)
{
	size_t cap = x->cap;

	if (n > GK_SH_LINE_MAX || x->len + n > GK_SH_LINE_MAX)
		return GK_ERR_LIMIT;
	if (grow(&x->t, &cap, x->len + n + 1, 1) != 0 ||
	    grow(&x->g, &x->cap, x->len + n + 1, 1) != 0)
		return GK_ERR_ALLOC;
	memcpy(x->t + x->len, s, n);
	memset(x->g + x->len, g, n);
	x->len += n;
	x->t[x->len] = '\0';
	return 0;
}

/* Makes home and user ready to read (gk_sh_vars.fill). */
static void
vars_fill(const struct gk_sh_vars *v)
{
	if (v->fill != NULL)
		v->fill(v->ctx);
}

static const char *
var_value(const struct gk_sh_vars *v, const char *name, size_t n)
{
	const char *val = NULL;

	if (n == 4 && memcmp(name, "HOME", 4) == 0) {
		vars_fill(v);
		val = v->home;
	} else if (n == 4 && memcmp(name, "USER", 4) == 0) {
		vars_fill(v);
		val = v->user;
	}
	else if (n == 3 && memcmp(name, "PWD", 3) == 0)
		val = v->pwd;
	return val != NULL ? val : "";
}

/* A leading ~ or ~USER: the length of the prefix it replaces (0 when the
 * word does not start with one), with *home set. */
static size_t
tilde(const struct gk_sh_word *w, const struct gk_sh_vars *v,
    const char **home)
{
	struct passwd *pw;
	char name[256];
	size_t j;

	if (w->len == 0 || w->kind[0] != GK_SH_RAW || w->text[0] != '~')
		return 0;
	for (j = 1; j < w->len && w->kind[j] == GK_SH_RAW && w->text[j] != '/';
	    j++)
		;
	if (j < w->len && w->text[j] != '/')
		return 0;
	if (j == 1) {
		vars_fill(v);
		if (v->home == NULL || *v->home == '\0')
			return 0;
		*home = v->home;
		return 1;
	}
	if (j - 1 >= sizeof(name))
		return 0;
	memcpy(name, w->text + 1, j - 1);
	name[j - 1] = '\0';
	if ((pw = getpwnam(name)) == NULL || pw->pw_dir == NULL)
		return 0;
	*home = pw->pw_dir;
	return j;
}

static int
expand_word(const struct gk_sh_word *w, const struct gk_sh_vars *v, int flags,
    struct strv *out)
{
	struct xw x;
	const char *home = NULL, *val;
	char *pat = NULL;
	size_t i, k, start, pl = 0;
	int r, globbing = 0;
	glob_t gl;

	memset(&x, 0, sizeof(x));
	if ((r = xw_put(&x, "", 0, 0)) != 0)
		goto out;
	i = tilde(w, v, &home);
	if (i > 0 && (r = xw_put(&x, home, strlen(home), 0)) != 0)
		goto out;
	while (i < w->len) {
		switch (w->kind[i]) {
		case GK_SH_VAR0:
			start = i++;
			while (i < w->len && w->kind[i] == GK_SH_VAR)
				i++;
			val = var_value(v, w->text + start, i - start);
			r = xw_put(&x, val, strlen(val), 0);
			break;
		case GK_SH_RAW:
			if (strchr("*?[", w->text[i]) != NULL)
				globbing = 1;
			r = xw_put(&x, w->text + i++, 1, 1);
			break;
		default:
			r = xw_put(&x, w->text + i++, 1, 0);
		}
		if (r != 0)
			goto out;
	}
	if (!globbing || (flags & GK_SH_NOGLOB)) {
		r = strv_add(out, x.t, x.len);
		goto out;
	}
	/* A pattern with the quoted bytes escaped. */
	if ((pat = malloc(2 * x.len + 1)) == NULL) {
		r = GK_ERR_ALLOC;
		goto out;
	}
	for (k = 0; k < x.len; k++) {
		if (!x.g[k] && strchr("*?[]\\", x.t[k]) != NULL)
			pat[pl++] = '\\';
		pat[pl++] = x.t[k];
	}
	pat[pl] = '\0';
	memset(&gl, 0, sizeof(gl));
	switch (glob(pat, 0, NULL, &gl)) {
	case 0:
		for (k = 0; k < gl.gl_pathc && r == 0; k++)
			r = strv_add(out, gl.gl_pathv[k], strlen(gl.gl_pathv[k]));
		break;
	case GLOB_NOSPACE:
		r = GK_ERR_ALLOC;
		break;
	default:	/* no match, or unreadable: the word as written */
		r = strv_add(out, x.t, x.len);
	}
	globfree(&gl);
 out:
	free(pat);
	free(x.t);
	free(x.g);
	return r;
}

static int
expand_fail(int r, char *err, size_t errlen)
{
	if (errlen > 0)
		snprintf(err, errlen, "%s", r == GK_ERR_LIMIT ?
		    "the words expand to too many arguments or bytes" :
		    "out of memory");
	return r;
}

int
gk_sh_expand(const struct gk_sh_word *w, size_t n, const struct gk_sh_vars *v,
    int flags, char ***argv, size_t *argc, char *err, size_t errlen)
{
	struct strv sv;
	size_t i;
	int r = 0;

	memset(&sv, 0, sizeof(sv));
	*argv = NULL;
	*argc = 0;
	for (i = 0; i < n && r == 0; i++)
		r = expand_word(&w[i], v, flags, &sv);
	if (r == 0 && sv.v == NULL &&
	    (sv.v = calloc(1, sizeof(*sv.v))) == NULL)
		r = GK_ERR_ALLOC;
	if (r != 0) {
		gk_strv_free(sv.v, sv.n);
		return expand_fail(r, err, errlen);
	}
	*argv = sv.v;
	*argc = sv.n;
	return 0;
}

int
gk_sh_expand_one(const struct gk_sh_word *w, const struct gk_sh_vars *v,
    int flags, char **out, char *err, size_t errlen)
{
	char **argv;
	size_t argc;
	int r;

	*out = NULL;
	if ((r = gk_sh_expand(w, 1, v, flags, &argv, &argc, err, errlen)) != 0)
		return r;
	if (argc != 1) {
		gk_strv_free(argv, argc);
		if (errlen > 0)
			snprintf(err, errlen, "ambiguous redirect: the file "
			    "name expands to %zu words", argc);
		return GK_ERR_FORMAT;
	}
	*out = argv[0];
	free(argv);
	return 0;
}
