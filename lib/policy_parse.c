/*
 * Policy parser. MUST (beyond policy.h): reject anything it does not fully
 * understand with FILE:LINE, and keep going to report every error.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "gk_err.h"
#include "policy.h"
#include "safefile.h"

#define MAX_WORDS	4096
#define MAX_FILES	1024

struct word {
	char	*s;
	int	 quoted;
};

struct line {
	struct word	*w;
	size_t		 n;
	int		 lineno;
};

static void
perr(struct gk_policy_errors *e, const char *file, int line, const char *fmt, ...)
{
	char msg[1024], *full, **nm;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* Line 0: about the whole file; msg already names it. */
	if ((line > 0 ? asprintf(&full, "%s:%d: %s", file, line, msg) :
	    asprintf(&full, "%s", msg)) == -1) {
		e->lost++;
		return;
	}
	if ((nm = reallocarray(e->msgs, e->n + 1, sizeof(*nm))) == NULL) {
		free(full);
		e->lost++;
		return;
	}
	e->msgs = nm;
	e->msgs[e->n++] = full;
}

void
gk_policy_errors_free(struct gk_policy_errors *e)
{
	size_t i;

	for (i = 0; i < e->n; i++)
		free(e->msgs[i]);
	free(e->msgs);
	e->msgs = NULL;
	e->n = 0;
	e->lost = 0;
}

static void
rule_free(struct gk_rule *r)
{
	size_t i;

	free(r->name);
	free(r->as_user);
	free(r->reason_match);
	if (r->reason_re != NULL) {
		regfree(r->reason_re);
		free(r->reason_re);
	}
	for (i = 0; i < r->nwho; i++)
		free(r->who[i].name);
	free(r->who);
	gk_strv_free(r->progs, r->nprogs);
	for (i = 0; i < r->nmatches; i++)
		gk_strv_free(r->matches[i].pats, r->matches[i].npats);
	free(r->matches);
	free(r->file);
	memset(r, 0, sizeof(*r));
}

static void
texts_free(struct gk_policy_text *t, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(t[i].name);
		free(t[i].text);
	}
	free(t);
}

struct gk_policy *
gk_policy_new(void)
{
	return calloc(1, sizeof(struct gk_policy));
}

void
gk_policy_free(struct gk_policy *p)
{
	size_t i;

	if (p == NULL)
		return;
	for (i = 0; i < p->nsets; i++) {
		free(p->sets[i].name);
		gk_strv_free(p->sets[i].members, p->sets[i].nmembers);
	}
	free(p->sets);
	for (i = 0; i < p->nrules; i++)
		rule_free(&p->rules[i]);
	free(p->rules);
	texts_free(p->texts, p->ntexts);
	free(p);
}

static void
line_clear(struct line *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->w[i].s);
	free(l->w);
	l->w = NULL;
	l->n = 0;
}

struct wordbuf {
	char	*s;
	size_t	 len, cap;
	int	 active, quoted;
};

static int
word_add(struct wordbuf *w, int c)
{
	size_t ncap;
	char *ns;

	if (w->len + 2 > w->cap) {
		/* cap grows only with the buffer: the line goes on after a
		 * failure (to find its end), and must not write past it. */
		ncap = w->cap ? w->cap * 2 : 32;
		if ((ns = realloc(w->s, ncap)) == NULL)
			return -1;
		w->s = ns;
		w->cap = ncap;
	}
	w->s[w->len++] = (char)c;
	w->s[w->len] = '\0';
	return 0;
}

/* Moves the word being built, if any, to the end of l. */
static int
word_end(struct wordbuf *w, struct line *l)
{
	struct word *nw;

	if (!w->active)
		return 0;
	if (w->s == NULL)
		w->s = strdup("");	/* "" is a word too */
	if (w->s == NULL || l->n >= MAX_WORDS ||
	    (nw = reallocarray(l->w, l->n + 1, sizeof(*nw))) == NULL) {
		free(w->s);
		memset(w, 0, sizeof(*w));
		return -1;
	}
	l->w = nw;
	l->w[l->n].s = w->s;
	l->w[l->n].quoted = w->quoted;
	l->n++;
	memset(w, 0, sizeof(*w));
	return 0;
}

/*
 * Splits the next logical line (continuations joined) into words. Returns
 * 1 with a line, 0 at the end, -1 after reporting an error (the rest of
 * that logical line is skipped).
 */
static int
next_line(const char *t, size_t len, size_t *pos, int *lineno, struct line *l,
    const char *file, struct gk_policy_errors *errs)
{
	struct wordbuf w;
	int inquote = 0, comment = 0, bad = 0, c;

	memset(&w, 0, sizeof(w));
	l->w = NULL;
	l->n = 0;
	if (*pos >= len)
		return 0;
	l->lineno = *lineno;
	while (*pos < len) {
		c = (unsigned char)t[(*pos)++];
		if (c == '\n') {
			(*lineno)++;
			if (inquote) {
				perr(errs, file, l->lineno, "unterminated quote");
				bad = 1;
			}
			break;
		}
		if (c == '\0') {
			perr(errs, file, l->lineno, "NUL byte in policy file");
			bad = 1;
			continue;
		}
		if (comment)
			continue;
		if (inquote) {
			if (c == '"') {
				inquote = 0;
				if (*pos < len && !strchr(" \t\r\n", t[*pos])) {
					perr(errs, file, l->lineno,
					    "text right after a closing quote");
					bad = 1;
				}
				continue;
			}
			if (c == '\\' && *pos < len &&
			    (t[*pos] == '"' || t[*pos] == '\\'))
				c = (unsigned char)t[(*pos)++];
			if (word_add(&w, c) == -1)
				bad = 1;
			continue;
		}
		/* A backslash ending the line continues it. */
		if (c == '\\' && (*pos == len || t[*pos] == '\n' ||
		    (t[*pos] == '\r' && (*pos + 1 == len || t[*pos + 1] == '\n')))) {
			if (*pos < len && t[*pos] == '\r')
				(*pos)++;
			if (*pos < len) {
				(*pos)++;
				(*lineno)++;
			}
			if (word_end(&w, l) == -1)
				bad = 1;
			continue;
		}
		if (c == ' ' || c == '\t' || c == '\r') {
			if (word_end(&w, l) == -1)
				bad = 1;
			continue;
		}
		if (c == '#' && !w.active) {
			comment = 1;
			continue;
		}
		if (c == '"') {
			if (w.active) {
				perr(errs, file, l->lineno, "a quote must start a word");
				bad = 1;
			}
			inquote = 1;
			w.active = w.quoted = 1;
			continue;
		}
		w.active = 1;
		if (word_add(&w, c) == -1)
			bad = 1;
	}
	if (inquote && *pos >= len && !bad) {
		perr(errs, file, l->lineno, "unterminated quote");
		bad = 1;
	}
	if (word_end(&w, l) == -1)
		bad = 1;
	if (bad) {
		line_clear(l);
		return -1;
	}
	return 1;
}

static int
is_kw(const struct word *w, const char *kw)
{
	return !w->quoted && strcmp(w->s, kw) == 0;
}

static int
is_match_kw(const struct word *w)
{
	return is_kw(w, "args") || is_kw(w, "arg") || is_kw(w, "path");
}

int
gk_policy_name_valid(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 48)
		return 0;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '-' && *s != '_' &&
		    *s != '.' && *s != '@')
			return 0;
	return 1;
}

static int
valid_user(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 64 || s[0] == '-')
		return 0;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '-' && *s != '_' &&
		    *s != '.' && *s != '$' && *s != '@')
			return 0;
	return 1;
}

int
gk_duration_parse(const char *s, int64_t *out)
{
	int64_t v = 0, mul;
	const char *p = s;

	if (!isdigit((unsigned char)*p))
		return -1;
	while (isdigit((unsigned char)*p)) {
		v = v * 10 + (*p - '0');
		if (v > GK_DURATION_MAX)
			return -1;
		p++;
	}
	switch (*p) {
	case 's': mul = 1; break;
	case 'm': mul = 60; break;
	case 'h': mul = 3600; break;
	case 'd': mul = 86400; break;
	default: return -1;
	}
	if (p[1] != '\0' || v <= 0 || v > GK_DURATION_MAX / mul)
		return -1;
	*out = v * mul;
	return 0;
}

static int
push_str(char ***v, size_t *n, const char *s)
{
	char **nv, *d;

	if ((d = strdup(s)) == NULL)
		return -1;
	if ((nv = reallocarray(*v, *n + 1, sizeof(*nv))) == NULL) {
		free(d);
		return -1;
	}
	*v = nv;
	(*v)[(*n)++] = d;
	return 0;
}

static const struct gk_approver_set *
find_set(const struct gk_policy *p, const char *name, size_t *idx)
{
	size_t i;

	for (i = 0; i < p->nsets; i++)
		if (strcmp(p->sets[i].name, name) == 0) {
			if (idx != NULL)
				*idx = i;
			return &p->sets[i];
		}
	return NULL;
}

static int
parse_approvers(struct gk_policy *p, const struct line *l, const char *file,
    struct gk_policy_errors *errs)
{
	struct gk_approver_set s, *ns;
	size_t i, j;

	if (l->n < 3 || !is_kw(&l->w[2], "=")) {
		perr(errs, file, l->lineno, "expected: approvers NAME = APPROVER...");
		return -1;
	}
	if (!gk_policy_name_valid(l->w[1].s)) {
		perr(errs, file, l->lineno, "bad approver set name \"%s\"", l->w[1].s);
		return -1;
	}
	if (find_set(p, l->w[1].s, NULL) != NULL) {
		perr(errs, file, l->lineno, "approver set \"%s\" is already defined",
		    l->w[1].s);
		return -1;
	}
	if (l->n < 4) {
		perr(errs, file, l->lineno, "approver set \"%s\" has no members",
		    l->w[1].s);
		return -1;
	}
	memset(&s, 0, sizeof(s));
	for (i = 3; i < l->n; i++) {
		if (!gk_policy_name_valid(l->w[i].s)) {
			perr(errs, file, l->lineno, "bad approver name \"%s\"",
			    l->w[i].s);
			goto fail;
		}
		for (j = 0; j < s.nmembers; j++)
			if (strcmp(s.members[j], l->w[i].s) == 0) {
				perr(errs, file, l->lineno,
				    "approver \"%s\" is listed twice", l->w[i].s);
				goto fail;
			}
		if (push_str(&s.members, &s.nmembers, l->w[i].s) == -1)
			goto fail;
	}
	if ((s.name = strdup(l->w[1].s)) == NULL ||
	    (ns = reallocarray(p->sets, p->nsets + 1, sizeof(*ns))) == NULL)
		goto fail;
	p->sets = ns;
	p->sets[p->nsets++] = s;
	return 0;
 fail:
	free(s.name);
	gk_strv_free(s.members, s.nmembers);
	return -1;
}

static int
parse_count(const char *s, unsigned *out)
{
	unsigned long v = 0;

	if (*s == '\0' || *s == '0')
		return -1;
	for (; *s; s++) {
		if (!isdigit((unsigned char)*s))
			return -1;
		v = v * 10 + (unsigned long)(*s - '0');
		if (v > 1000)
			return -1;
	}
	*out = (unsigned)v;
	return 0;
}

static int
add_who(struct gk_rule *r, const char *tok, const char *file, int lineno,
    struct gk_policy_errors *errs)
{
	struct gk_who w, *nw;

	memset(&w, 0, sizeof(w));
	if (strcmp(tok, "*") != 0) {
		w.group = tok[0] == ':';
		if (!valid_user(tok + w.group)) {
			perr(errs, file, lineno, "bad user or :group \"%s\" after for",
			    tok);
			return -1;
		}
		if ((w.name = strdup(tok + w.group)) == NULL)
			return -1;
	}
	if ((nw = reallocarray(r->who, r->nwho + 1, sizeof(*nw))) == NULL) {
		free(w.name);
		return -1;
	}
	r->who = nw;
	r->who[r->nwho++] = w;
	return 0;
}

/* `for` takes comma-separated names, in one word or several ("a, b"). */
static int
parse_for(struct gk_rule *r, const struct line *l, size_t *i, const char *file,
    struct gk_policy_errors *errs)
{
	char *copy, *tok, *save;
	int more = 1, any = 0;

	while (more && *i < l->n) {
		const char *s = l->w[*i].s;
		size_t n = strlen(s);

		if (!l->w[*i].quoted && any && (is_kw(&l->w[*i], "cmd") ||
		    is_kw(&l->w[*i], "name")))
			break;
		more = n > 0 && s[n - 1] == ',';
		if ((copy = strdup(s)) == NULL)
			return -1;
		for (tok = strtok_r(copy, ",", &save); tok != NULL;
		    tok = strtok_r(NULL, ",", &save)) {
			if (add_who(r, tok, file, l->lineno, errs) == -1) {
				free(copy);
				return -1;
			}
			any = 1;
		}
		free(copy);
		(*i)++;
		if (!more && *i < l->n && l->w[*i].s[0] == ',')
			more = 1;
	}
	if (!any) {
		perr(errs, file, l->lineno, "for needs a user, :group or *");
		return -1;
	}
	return 0;
}

#define REASON_MATCH_MAX	512

/* `reason-match REGEX`: implies `reason`; the regex must compile. */
static int
parse_reason_match(struct gk_rule *r, const char *arg, const char *file,
    int lineno, struct gk_policy_errors *errs)
{
	char why[256];
	int rc;

	if (r->reason) {
		perr(errs, file, lineno, "reason or reason-match given twice");
		return -1;
	}
	if (r->action != GK_ACT_ALLOW && r->action != GK_ACT_APPROVE) {
		perr(errs, file, lineno,
		    "reason-match only makes sense with allow or approve");
		return -1;
	}
	if (*arg == '\0' || strlen(arg) > REASON_MATCH_MAX) {
		perr(errs, file, lineno, "reason-match needs a regular "
		    "expression of 1 to %d bytes", REASON_MATCH_MAX);
		return -1;
	}
	if ((r->reason_re = calloc(1, sizeof(regex_t))) == NULL ||
	    (r->reason_match = strdup(arg)) == NULL)
		return -1;
	if ((rc = regcomp(r->reason_re, arg, REG_EXTENDED | REG_NOSUB)) != 0) {
		regerror(rc, r->reason_re, why, sizeof(why));
		free(r->reason_re);
		r->reason_re = NULL;
		perr(errs, file, lineno, "bad reason-match \"%s\": %s", arg, why);
		return -1;
	}
	r->reason = 1;
	return 0;
}

static int
parse_rule(struct gk_policy *p, const struct line *l, const char *file,
    struct gk_policy_errors *errs)
{
	struct gk_rule r, *nr;
	const char *a = l->w[0].s;
	size_t i = 1, j;
	int have_for = 0;

	memset(&r, 0, sizeof(r));
	r.line = l->lineno;
	if (is_kw(&l->w[0], "local"))
		r.action = GK_ACT_LOCAL;
	else if (is_kw(&l->w[0], "allow"))
		r.action = GK_ACT_ALLOW;
	else if (is_kw(&l->w[0], "deny"))
		r.action = GK_ACT_DENY;
	else if (is_kw(&l->w[0], "approve")) {
		r.action = GK_ACT_APPROVE;
		if (l->n < 2 || parse_count(l->w[1].s, &r.need) == -1) {
			perr(errs, file, l->lineno,
			    "approve needs a positive number of approvals, not \"%s\"",
			    l->n < 2 ? "" : l->w[1].s);
			goto fail;
		}
		if (l->n < 3 || !is_kw(&l->w[2], "by")) {
			perr(errs, file, l->lineno, "expected: approve N by SET");
			goto fail;
		}
		if (l->n < 4 || find_set(p, l->w[3].s, &r.set) == NULL) {
			perr(errs, file, l->lineno, "unknown approver set \"%s\"",
			    l->n < 4 ? "" : l->w[3].s);
			goto fail;
		}
		if (r.need > p->sets[r.set].nmembers) {
			perr(errs, file, l->lineno,
			    "approve %u by %s: the set has only %zu approver%s",
			    r.need, p->sets[r.set].name, p->sets[r.set].nmembers,
			    p->sets[r.set].nmembers == 1 ? "" : "s");
			goto fail;
		}
		i = 4;
	} else {
		perr(errs, file, l->lineno, "unknown word \"%s\" (expected approvers, "
		    "local, allow, approve or deny)", a);
		goto fail;
	}

	/* Options and `for`, in any order, up to `cmd`. */
	while (i < l->n && !is_kw(&l->w[i], "cmd")) {
		const struct word *w = &l->w[i];
		const char *arg = i + 1 < l->n ? l->w[i + 1].s : NULL;

		if (is_kw(w, "name") || is_kw(w, "as") || is_kw(w, "delay") ||
		    is_kw(w, "expire") || is_kw(w, "reason-match")) {
			if (arg == NULL || (i + 1 < l->n && is_kw(&l->w[i + 1], "cmd"))) {
				perr(errs, file, l->lineno, "%s needs a value", w->s);
				goto fail;
			}
		}
		if (is_kw(w, "name")) {
			if (r.name != NULL) {
				perr(errs, file, l->lineno, "name given twice");
				goto fail;
			}
			if (!gk_policy_name_valid(arg)) {
				perr(errs, file, l->lineno, "bad rule name \"%s\" "
				    "(letters, digits, - _ . @; at most 48)", arg);
				goto fail;
			}
			if (strncmp(arg, GK_RESERVED_RULE_PREFIX,
			    strlen(GK_RESERVED_RULE_PREFIX)) == 0) {
				perr(errs, file, l->lineno, "rule names starting "
				    "with \"%s\" are reserved for the daemon",
				    GK_RESERVED_RULE_PREFIX);
				goto fail;
			}
			if ((r.name = strdup(arg)) == NULL)
				goto fail;
			i += 2;
		} else if (is_kw(w, "as")) {
			if (r.as_user != NULL) {
				perr(errs, file, l->lineno, "as given twice");
				goto fail;
			}
			if (r.action != GK_ACT_ALLOW && r.action != GK_ACT_APPROVE) {
				perr(errs, file, l->lineno,
				    "as only makes sense with allow or approve");
				goto fail;
			}
			if (!valid_user(arg)) {
				perr(errs, file, l->lineno, "bad user name \"%s\"", arg);
				goto fail;
			}
			if ((r.as_user = strdup(arg)) == NULL)
				goto fail;
			i += 2;
		} else if (is_kw(w, "delay") || is_kw(w, "expire")) {
			int64_t *d = is_kw(w, "delay") ? &r.delay : &r.expire;

			if (r.action != GK_ACT_APPROVE) {
				perr(errs, file, l->lineno,
				    "%s only makes sense with approve", w->s);
				goto fail;
			}
			if (*d != 0) {
				perr(errs, file, l->lineno, "%s given twice", w->s);
				goto fail;
			}
			if (gk_duration_parse(arg, d) == -1) {
				perr(errs, file, l->lineno, "bad duration \"%s\" "
				    "(expected like 30s, 10m, 1h or 7d, at most 366d)",
				    arg);
				goto fail;
			}
			i += 2;
		} else if (is_kw(w, "reason-match")) {
			if (parse_reason_match(&r, arg, file, l->lineno,
			    errs) == -1)
				goto fail;
			i += 2;
		} else if (is_kw(w, "reason")) {
			if (r.reason) {
				perr(errs, file, l->lineno, "reason given twice");
				goto fail;
			}
			if (r.action != GK_ACT_ALLOW && r.action != GK_ACT_APPROVE) {
				perr(errs, file, l->lineno,
				    "reason only makes sense with allow or approve");
				goto fail;
			}
			r.reason = 1;
			i++;
		} else if (is_kw(w, "racy-paths")) {
			if (r.racy_paths) {
				perr(errs, file, l->lineno, "racy-paths given twice");
				goto fail;
			}
			if (r.action != GK_ACT_ALLOW && r.action != GK_ACT_APPROVE) {
				perr(errs, file, l->lineno, "racy-paths only makes "
				    "sense with allow or approve");
				goto fail;
			}
			r.racy_paths = 1;
			i++;
		} else if (is_kw(w, "for")) {
			if (have_for) {
				perr(errs, file, l->lineno, "for given twice");
				goto fail;
			}
			have_for = 1;
			i++;
			if (parse_for(&r, l, &i, file, errs) == -1)
				goto fail;
		} else {
			perr(errs, file, l->lineno, "unknown word \"%s\" (expected name, "
			    "as, delay, expire, reason, reason-match, racy-paths, "
			    "for or cmd)", w->s);
			goto fail;
		}
	}
	if (i >= l->n) {
		perr(errs, file, l->lineno, "missing cmd");
		goto fail;
	}
	i++;
	while (i < l->n && !is_match_kw(&l->w[i])) {
		if (is_kw(&l->w[i], "for") || is_kw(&l->w[i], "name") ||
		    is_kw(&l->w[i], "as") || is_kw(&l->w[i], "delay") ||
		    is_kw(&l->w[i], "expire") || is_kw(&l->w[i], "reason") ||
		    is_kw(&l->w[i], "reason-match") ||
		    is_kw(&l->w[i], "racy-paths") || is_kw(&l->w[i], "cmd")) {
			perr(errs, file, l->lineno, "%s must come before cmd "
			    "(quote it to name a program called %s)", l->w[i].s,
			    l->w[i].s);
			goto fail;
		}
		if (push_str(&r.progs, &r.nprogs, l->w[i].s) == -1)
			goto fail;
		i++;
	}
	if (r.nprogs == 0) {
		perr(errs, file, l->lineno, "cmd needs at least one program");
		goto fail;
	}
	while (i < l->n) {
		struct gk_match m, *nm;

		memset(&m, 0, sizeof(m));
		m.kind = is_kw(&l->w[i], "args") ? GK_MATCH_ARGS :
		    is_kw(&l->w[i], "arg") ? GK_MATCH_ARG : GK_MATCH_PATH;
		j = i++;
		while (i < l->n && !is_match_kw(&l->w[i])) {
			if (m.kind == GK_MATCH_PATH && l->w[i].s[0] != '/') {
				perr(errs, file, l->lineno,
				    "path needs an absolute glob, not \"%s\"", l->w[i].s);
				gk_strv_free(m.pats, m.npats);
				goto fail;
			}
			if (push_str(&m.pats, &m.npats, l->w[i].s) == -1) {
				gk_strv_free(m.pats, m.npats);
				goto fail;
			}
			i++;
		}
		if (m.npats == 0) {
			perr(errs, file, l->lineno, "%s needs at least one pattern",
			    l->w[j].s);
			goto fail;
		}
		if ((nm = reallocarray(r.matches, r.nmatches + 1,
		    sizeof(*nm))) == NULL) {
			gk_strv_free(m.pats, m.npats);
			goto fail;
		}
		r.matches = nm;
		r.matches[r.nmatches++] = m;
	}
	if (r.name != NULL) {
		for (j = 0; j < p->nrules; j++)
			if (p->rules[j].name != NULL &&
			    strcmp(p->rules[j].name, r.name) == 0) {
				perr(errs, file, l->lineno,
				    "rule name \"%s\" is already used at %s:%d",
				    r.name, p->rules[j].file, p->rules[j].line);
				goto fail;
			}
	}
	if ((r.file = strdup(file)) == NULL)
		goto fail;
	if (r.name != NULL)
		snprintf(r.label, sizeof(r.label), "%s", r.name);
	else {
		const char *base = strrchr(file, '/');

		snprintf(r.label, sizeof(r.label), "%s:%d",
		    base ? base + 1 : file, r.line);
	}
	if ((nr = reallocarray(p->rules, p->nrules + 1, sizeof(*nr))) == NULL)
		goto fail;
	p->rules = nr;
	p->rules[p->nrules++] = r;
	return 0;
 fail:
	rule_free(&r);
	return -1;
}

int
gk_policy_parse(struct gk_policy *p, const char *file, const char *text,
    size_t len, struct gk_policy_errors *errs)
{
	struct line l;
	size_t pos = 0, before = errs->n + errs->lost;
	int lineno = 1, r;


	while ((r = next_line(text, len, &pos, &lineno, &l, file, errs)) != 0) {
		if (r == 1 && l.n > 0) {
			if (is_kw(&l.w[0], "approvers"))
				r = parse_approvers(p, &l, file, errs);
			else
				r = parse_rule(p, &l, file, errs);
		}
		/* Never skip a line silently (allocation failures say nothing). */
		if (r == -1 && errs->n + errs->lost == before)
			perr(errs, file, l.lineno, "out of memory");
		before = errs->n + errs->lost;
		line_clear(&l);
	}
	return (int)(errs->n + errs->lost);
}

static int
cmp_text(const void *a, const void *b)
{
	return strcmp(((const struct gk_policy_text *)a)->name,
	    ((const struct gk_policy_text *)b)->name);
}

/*
 * Parses files (taken over: kept in the policy, or freed) as DIR/NAME in
 * name order; the digest covers every name and text. The one place both
 * the directory and a kept copy become a policy, so both give the same
 * digest, messages and labels.
 */
static int
build(const char *dir, struct gk_policy_text *files, size_t n,
    struct gk_policy **out, struct gk_policy_errors *errs)
{
	crypto_generichash_state h;
	struct gk_policy *p;
	char path[PATH_MAX];
	size_t i;

	*out = NULL;
	if (n == 0 && errs->n == 0) {
		perr(errs, dir, 0, "%s: no *.policy files (everything would "
		    "be denied)", dir);
	}
	if (n == 0 || (p = gk_policy_new()) == NULL) {
		if (n > 0)
			perr(errs, dir, 0, "%s: out of memory", dir);
		texts_free(files, n);
		return GK_ERR_POLICY;
	}
	qsort(files, n, sizeof(*files), cmp_text);
	crypto_generichash_init(&h, NULL, 0, sizeof(p->digest));
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i].name);
		crypto_generichash_update(&h, (const uint8_t *)files[i].name,
		    strlen(files[i].name) + 1);
		crypto_generichash_update(&h, (const uint8_t *)files[i].text,
		    files[i].len + 1);
		gk_policy_parse(p, path, files[i].text, files[i].len, errs);
		p->nfiles++;
	}
	crypto_generichash_final(&h, p->digest, sizeof(p->digest));
	p->texts = files;
	p->ntexts = n;
	if (errs->n > 0 || errs->lost > 0) {
		gk_policy_free(p);
		return GK_ERR_POLICY;
	}
	*out = p;
	return 0;
}

int
gk_policy_from_texts(const char *dir, const struct gk_policy_text *files,
    size_t n, struct gk_policy **out, struct gk_policy_errors *errs)
{
	struct gk_policy_text *t;
	size_t i;

	*out = NULL;
	if (n > MAX_FILES || (t = calloc(n ? n : 1, sizeof(*t))) == NULL) {
		perr(errs, dir, 0, "%s: too many files or out of memory", dir);
		return GK_ERR_POLICY;
	}
	for (i = 0; i < n; i++) {
		if (files[i].len > GK_POLICY_MAX_FILE ||
		    strchr(files[i].name, '/') != NULL ||
		    (t[i].name = strdup(files[i].name)) == NULL ||
		    (t[i].text = malloc(files[i].len + 1)) == NULL) {
			perr(errs, dir, 0, "%s: bad kept file or out of memory",
			    dir);
			texts_free(t, i + 1);
			return GK_ERR_POLICY;
		}
		memcpy(t[i].text, files[i].text, files[i].len);
		t[i].text[files[i].len] = '\0';
		t[i].len = files[i].len;
	}
	return build(dir, t, n, out, errs);
}

int
gk_policy_load_dir(const char *dir, struct gk_policy **out,
    struct gk_policy_errors *errs)
{
	struct gk_policy_text *t = NULL, *nt;
	struct dirent *de;
	char why[PATH_MAX + 128], path[PATH_MAX], *text;
	size_t n = 0, len;
	DIR *d = NULL;
	int dfd, fd, r;

	*out = NULL;
	if ((dfd = gk_safe_open(dir, GK_SAFE_DIR, 0, S_IWGRP | S_IWOTH, NULL,
	    why, sizeof(why))) < 0) {
		perr(errs, dir, 0, "%s", why);
		return GK_ERR_POLICY;
	}
	if ((d = fdopendir(dfd)) == NULL) {
		close(dfd);
		perr(errs, dir, 0, "%s: %s", dir, strerror(errno));
		return GK_ERR_POLICY;
	}
	while ((de = readdir(d)) != NULL) {
		size_t nl = strlen(de->d_name);

		if (de->d_name[0] == '.' || nl < 8 ||
		    strcmp(de->d_name + nl - 7, ".policy") != 0)
			continue;
		if (n >= MAX_FILES) {
			perr(errs, dir, 0, "%s: more than %d policy files", dir,
			    MAX_FILES);
			goto fail;
		}
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if ((fd = gk_safe_open(path, 0, 0, S_IWGRP | S_IWOTH, NULL, why,
		    sizeof(why))) < 0) {
			perr(errs, path, 0, "%s", why);
			continue;
		}
		r = gk_read_fd(fd, GK_POLICY_MAX_FILE, &text, &len);
		close(fd);
		if (r != 0) {
			perr(errs, path, 0, "%s: %s", path, r == GK_ERR_LIMIT ?
			    "larger than 1 MiB" : gk_strerror(r));
			continue;
		}
		if ((nt = reallocarray(t, n + 1, sizeof(*t))) == NULL ||
		    (nt[n].name = strdup(de->d_name)) == NULL) {
			if (nt != NULL)
				t = nt;
			free(text);
			perr(errs, dir, 0, "%s: out of memory", dir);
			goto fail;
		}
		t = nt;
		t[n].text = text;
		t[n++].len = len;
	}
	closedir(d);
	return build(dir, t, n, out, errs);
 fail:
	closedir(d);
	texts_free(t, n);
	return GK_ERR_POLICY;
}
