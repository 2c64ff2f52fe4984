/*
 * Policy matcher. MUST (beyond policy.h): judge paths by their canonical
 * form only, and deny when a path cannot be canonicalised.
 */
#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <grp.h>
#include <limits.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <linux/magic.h>
#include <unistd.h>

#include "gk_err.h"
#include "policy.h"
#include "safefile.h"

#define MAX_SYMLINKS	40

const char *
gk_action_name(enum gk_action a)
{
	switch (a) {
	case GK_ACT_LOCAL:	return "local";
	case GK_ACT_ALLOW:	return "allow";
	case GK_ACT_APPROVE:	return "approve";
	case GK_ACT_DENY:	break;
	}
	return "deny";
}

int
gk_rule_reason_ok(const struct gk_rule *r, const char *reason)
{
	if (r == NULL || !r->reason)
		return 1;
	if (reason == NULL || *reason == '\0')
		return 0;
	if (r->reason_re == NULL)
		return 1;
	return regexec(r->reason_re, reason, 0, NULL, 0) == 0;
}

/* The file system last asked about: one statfs per file system crossed. */
struct fs_memo {
	dev_t	dev;
	int	known, proc;
};

/* Is dir (a directory, st its lstat) on a procfs mount? -1 on error. */
static int
on_procfs(const char *dir, const struct stat *st, struct fs_memo *m)
{
	struct statfs sf;

	if (m->known && m->dev == st->st_dev)
		return m->proc;
	if (statfs(dir, &sf) == -1)
		return -1;
	m->known = 1;
	m->dev = st->st_dev;
	m->proc = sf.f_type == PROC_SUPER_MAGIC;
	return m->proc;
}

/* gk_canon_path; with viaproc, also whether the path goes through procfs. */
static int
canon(const char *cwd, const char *path, char *out, size_t outlen,
    int *viaproc)
{
	char todo[2 * PATH_MAX + 2], link[PATH_MAX], res[PATH_MAX];
	size_t rlen = 0, tpos = 0, clen, tl, pl;
	int exists = 1, nlinks = 0, r;
	struct stat st, dir;	/* dir: the directory res names */
	struct fs_memo memo = { 0, 0, 0 };
	ssize_t ll;

	if (path[0] != '/' && (cwd == NULL || cwd[0] != '/'))
		return GK_ERR_FORMAT;
	pl = strlen(path);
	if (path[0] == '/') {
		if (pl >= sizeof(todo))
			return GK_ERR_LIMIT;
		memcpy(todo, path, pl + 1);
	} else if (snprintf(todo, sizeof(todo), "%s/%s", cwd, path) >=
	    (int)sizeof(todo))
		return GK_ERR_LIMIT;
	res[0] = '\0';
	if (viaproc != NULL) {
		*viaproc = 0;
		if (lstat("/", &dir) == -1)
			return GK_ERR_SYSTEM;
	}
	for (;;) {
		const char *c;

		while (todo[tpos] == '/')
			tpos++;
		if (todo[tpos] == '\0')
			break;
		c = todo + tpos;
		clen = strcspn(c, "/");
		tpos += clen;
		if (clen == 1 && c[0] == '.')
			continue;
		if (clen == 2 && c[0] == '.' && c[1] == '.') {
			while (rlen > 0 && res[rlen - 1] != '/')
				rlen--;
			if (rlen > 0)
				rlen--;
			res[rlen] = '\0';
			/* Back in a directory that exists: resolve again, as
			 * the path would once the missing parts are created. */
			exists = lstat(rlen == 0 ? "/" : res, &st) == 0;
			if (exists)
				dir = st;
			continue;
		}
		/* A name looked up in a procfs directory: the kernel decides
		 * where it leads, for whoever opens it. */
		if (viaproc != NULL && exists && !*viaproc) {
			res[rlen] = '\0';
			if ((r = on_procfs(rlen == 0 ? "/" : res, &dir,
			    &memo)) == -1)
				return GK_ERR_SYSTEM;
			*viaproc = r;
		}
		if (rlen + 1 + clen >= sizeof(res) || rlen + 1 + clen >= outlen)
			return GK_ERR_LIMIT;
		res[rlen] = '/';
		memcpy(res + rlen + 1, c, clen);
		res[rlen + 1 + clen] = '\0';
		if (exists) {
			if (lstat(res, &st) == -1)
				exists = 0;
			else if (S_ISLNK(st.st_mode)) {
				if (++nlinks > MAX_SYMLINKS) {
					errno = ELOOP;
					return GK_ERR_SYSTEM;
				}
				if ((ll = readlink(res, link, sizeof(link) - 1)) < 0)
					return GK_ERR_SYSTEM;
				link[ll] = '\0';
				/* Splice the link's target in front of the rest. */
				tl = strlen(todo + tpos);
				if ((size_t)ll + 1 + tl >= sizeof(todo))
					return GK_ERR_LIMIT;
				memmove(todo + ll + 1, todo + tpos, tl + 1);
				memcpy(todo, link, (size_t)ll);
				todo[ll] = '/';
				tpos = 0;
				res[rlen] = '\0';	/* drop the link's name */
				if (link[0] == '/') {
					rlen = 0;
					if (viaproc != NULL &&
					    lstat("/", &dir) == -1)
						return GK_ERR_SYSTEM;
				}
				res[rlen] = '\0';
				continue;
			}
			dir = st;
		}
		rlen += 1 + clen;
	}
	if (rlen == 0) {
		if (outlen < 2)
			return GK_ERR_LIMIT;
		memcpy(out, "/", 2);
		return 0;
	}
	if (rlen >= outlen)
		return GK_ERR_LIMIT;
	memcpy(out, res, rlen + 1);
	return 0;
}

int
gk_canon_path(const char *cwd, const char *path, char *out, size_t outlen)
{
	return canon(cwd, path, out, outlen, NULL);
}

int
gk_canon_path_proc(const char *cwd, const char *path, char *out,
    size_t outlen, int *viaproc)
{
	return canon(cwd, path, out, outlen, viaproc);
}

int
gk_path_id(const char *path, char *out, size_t outlen)
{
	struct stat st;
	int n;

	if (lstat(path, &st) == -1) {
		if (errno != ENOENT && errno != ENOTDIR)
			return GK_ERR_SYSTEM;
		n = snprintf(out, outlen, "-");
	} else
		n = snprintf(out, outlen, "%llu:%llu",
		    (unsigned long long)st.st_dev, (unsigned long long)st.st_ino);
	return n < 0 || (size_t)n >= outlen ? GK_ERR_LIMIT : 0;
}

/*
 * An abbreviated GNU long option: when alt names an option literally
 * ("--commandprofile*", "--config=*") and s is a prefix of that name of at
 * least 3 characters after the dashes, possibly with "=VALUE", does the
 * full option with the same value match alt?
 */
static int
abbrev_match(const char *alt, const char *s)
{
	char full[1024];
	size_t nlen = 0, slen;

	if (strncmp(alt, "--", 2) != 0 || strncmp(s, "--", 2) != 0)
		return 0;
	while (isalnum((unsigned char)alt[2 + nlen]) || alt[2 + nlen] == '-' ||
	    alt[2 + nlen] == '_')
		nlen++;
	slen = strcspn(s + 2, "=");
	if (slen < 3 || slen >= nlen || strncmp(alt + 2, s + 2, slen) != 0 ||
	    snprintf(full, sizeof(full), "--%.*s%s", (int)nlen, alt + 2,
	    s + 2 + slen) >= (int)sizeof(full))
		return 0;
	return fnmatch(alt, full, 0) == 0;
}

/* gk_glob_arg; with abbrev, abbreviated long options match too. */
static int
glob_arg(const char *pat, const char *s, int abbrev)
{
	char buf[1024], *alt;
	const char *p = pat, *start = pat;
	size_t n;
	int m;

	for (;; p++) {
		if (*p == '\\' && p[1] != '\0') {
			p++;
			continue;
		}
		if (*p != '|' && *p != '\0')
			continue;
		n = (size_t)(p - start);
		alt = n < sizeof(buf) ? buf : malloc(n + 1);
		if (alt == NULL)
			return 0;
		memcpy(alt, start, n);
		alt[n] = '\0';
		m = fnmatch(alt, s, 0) == 0 || (abbrev && abbrev_match(alt, s));
		if (alt != buf)
			free(alt);
		if (m)
			return 1;
		if (*p == '\0')
			return 0;
		start = p + 1;
	}
}

int
gk_glob_arg(const char *pat, const char *s)
{
	return glob_arg(pat, s, 0);
}

/* Matches one [...] class at *pp against c; advances *pp past it. Returns
 * 1 match, 0 no match, -1 when this is no class (a literal '['). */
static int
glob_class(const char **pp, unsigned char c)
{
	const char *p = *pp + 1;
	int neg = 0, match = 0, first = 1;

	if (*p == '!' || *p == '^') {
		neg = 1;
		p++;
	}
	while (*p != '\0' && (first || *p != ']')) {
		unsigned char lo = (unsigned char)*p, hi = lo;

		first = 0;
		if (*p == '\\' && p[1] != '\0')
			lo = hi = (unsigned char)*++p;
		if (p[1] == '-' && p[2] != '\0' && p[2] != ']') {
			hi = (unsigned char)p[2];
			if (p[2] == '\\' && p[3] != '\0') {
				hi = (unsigned char)p[3];
				p++;
			}
			p += 2;
		}
		if (c >= lo && c <= hi)
			match = 1;
		p++;
	}
	if (*p != ']')
		return -1;
	*pp = p + 1;
	return c != '/' && match != neg;
}

static int
glob_path(const char *p, const char *s, int depth)
{
	const char *t;
	int r;

	if (depth > 64)
		return 0;
	while (*p != '\0') {
		if (p[0] == '/' && p[1] == '*' && p[2] == '*' &&
		    (p[3] == '\0' || p[3] == '/') &&
		    glob_path(p + 3, s, depth + 1))
			return 1;	/* a trailing slash-star-star: no directory */
		if (p[0] == '*' && p[1] == '*') {
			while (*p == '*')
				p++;
			if (*p == '\0')
				return 1;
			for (t = s;; t++) {
				if (glob_path(p, t, depth + 1))
					return 1;
				if (*t == '\0')
					return 0;
			}
		}
		switch (*p) {
		case '*':
			p++;
			for (t = s;; t++) {
				if (glob_path(p, t, depth + 1))
					return 1;
				if (*t == '\0' || *t == '/')
					return 0;
			}
		case '?':
			if (*s == '\0' || *s == '/')
				return 0;
			p++;
			s++;
			break;
		case '[':
			if (*s == '\0')
				return 0;
			if ((r = glob_class(&p, (unsigned char)*s)) == 0)
				return 0;
			if (r == -1) {
				if (*s != '[')
					return 0;
				p++;
			}
			s++;
			break;
		case '\\':
			if (p[1] != '\0')
				p++;
			/* FALLTHROUGH */
		default:
			if (*p != *s)
				return 0;
			p++;
			s++;
		}
	}
	return *s == '\0';
}

int
gk_glob_path(const char *pat, const char *s)
{
	return glob_path(pat, s, 0);
}

const char *
gk_path_value(const char *arg)
{
	const char *eq = strchr(arg, '=');

	if (eq == NULL || eq == arg || memchr(arg, '/', (size_t)(eq - arg)) != NULL)
		return NULL;
	return eq + 1;
}

static int
pathlike(const char *v)
{
	return strchr(v, '/') != NULL || v[0] == '.' || v[0] == '~';
}

size_t
gk_short_values(const char *arg, const char *v[2])
{
	const char *p;
	size_t n = 0;

	if (arg[0] != '-' || arg[1] == '-' || arg[1] == '\0' || arg[2] == '\0')
		return 0;
	if (pathlike(arg + 2))
		v[n++] = arg + 2;
	for (p = arg + 2; isalnum((unsigned char)p[-1]) && *p != '\0'; p++)
		if (p > arg + 2 && (*p == '/' || *p == '.' || *p == '~')) {
			v[n++] = p;
			break;
		}
	return n;
}

/* The path values of argv[i] (opts: no "--" seen before it) into v. */
static size_t
arg_values(const char *arg, int opts, const char *v[3])
{
	size_t n = 0;

	if ((v[0] = gk_path_value(arg)) != NULL)
		n++;
	if (opts)
		n += gk_short_values(arg, v + n);
	return n;
}

/*
 * Is the canonical directory dir one of secure_path's (canonical) dirs?
 * First a pass without system calls: an entry written exactly as dir
 * resolves to dir, since dir is canonical. Then each entry is resolved.
 */
static int
in_secure_path(const char *dir, const char *secure_path)
{
	char one[PATH_MAX], canon[PATH_MAX];
	const char *p;
	size_t n;
	int resolve;

	for (resolve = 0; resolve <= 1; resolve++) {
		for (p = secure_path; *p != '\0'; p += n + (p[n] == ':')) {
			n = strcspn(p, ":");
			if (n == 0 || n >= sizeof(one) || p[0] != '/')
				continue;
			memcpy(one, p, n);
			one[n] = '\0';
			if (!resolve ? strcmp(one, dir) == 0 :
			    gk_canon_path("/", one, canon, sizeof(canon)) == 0 &&
			    strcmp(canon, dir) == 0)
				return 1;
		}
	}
	return 0;
}

static int
is_executable_file(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
	    (st.st_mode & (S_IXUSR | S_IXGRP | S_IXOTH));
}

int
gk_resolve_program(const char *argv0, const char *cwd, const char *secure_path,
    char **exe, int *installed, int *secure)
{
	char path[PATH_MAX], dir[PATH_MAX], canon[PATH_MAX];
	const char *p, *base;
	size_t n;
	int r;

	*exe = NULL;
	*installed = *secure = 0;
	if (secure_path == NULL)
		secure_path = GK_SECURE_PATH;
	if (argv0[0] == '\0')
		return GK_ERR_FORMAT;
	if (strchr(argv0, '/') == NULL) {
		*secure = 1;
		for (p = secure_path; *p != '\0'; p += n + (p[n] == ':')) {
			n = strcspn(p, ":");
			if (n == 0 || p[0] != '/' ||
			    snprintf(path, sizeof(path), "%.*s/%s", (int)n, p,
			    argv0) >= (int)sizeof(path) || !is_executable_file(path))
				continue;
			memcpy(dir, p, n);
			dir[n] = '\0';
			if (gk_canon_path("/", dir, canon, sizeof(canon)) != 0 ||
			    snprintf(path, sizeof(path), "%s/%s",
			    strcmp(canon, "/") == 0 ? "" : canon, argv0) >=
			    (int)sizeof(path))
				continue;
			if ((*exe = strdup(path)) == NULL)
				return GK_ERR_ALLOC;
			*installed = 1;
			return 0;
		}
		return 0;
	}
	base = strrchr(argv0, '/') + 1;
	if (*base == '\0' || strcmp(base, ".") == 0 || strcmp(base, "..") == 0)
		return GK_ERR_FORMAT;
	n = (size_t)(base - argv0);
	if (n >= sizeof(path))
		return GK_ERR_LIMIT;
	memcpy(path, argv0, n);
	path[n] = '\0';
	if ((r = gk_canon_path(cwd, path, dir, sizeof(dir))) != 0)
		return r;
	if (snprintf(path, sizeof(path), "%s/%s", strcmp(dir, "/") == 0 ? "" :
	    dir, base) >= (int)sizeof(path))
		return GK_ERR_LIMIT;
	*secure = in_secure_path(dir, secure_path);
	*installed = is_executable_file(path);
	if ((*exe = strdup(path)) == NULL)
		return GK_ERR_ALLOC;
	return 0;
}

int
gk_user_groups(const char *user, gid_t gid, char ***names, size_t *n)
{
	struct group *gr;
	gid_t *gids = NULL, *ng;
	char **v;
	int cnt = 64, i, k = 0;

	*names = NULL;
	*n = 0;
	for (;;) {
		if ((ng = reallocarray(gids, (size_t)cnt, sizeof(*gids))) == NULL) {
			free(gids);
			return GK_ERR_ALLOC;
		}
		gids = ng;
		if (getgrouplist(user, gid, gids, &cnt) != -1)
			break;
	}
	if ((v = calloc((size_t)cnt + 1, sizeof(*v))) == NULL) {
		free(gids);
		return GK_ERR_ALLOC;
	}
	for (i = 0; i < cnt; i++) {
		if ((gr = getgrgid(gids[i])) == NULL)
			continue;
		if ((v[k] = strdup(gr->gr_name)) == NULL) {
			gk_strv_free(v, (size_t)k);
			free(gids);
			return GK_ERR_ALLOC;
		}
		k++;
	}
	free(gids);
	*names = v;
	*n = (size_t)k;
	return 0;
}

static int
who_matches(const struct gk_rule *r, const struct gk_query *q)
{
	size_t i, j;

	if (r->nwho == 0)
		return 1;
	for (i = 0; i < r->nwho; i++) {
		const struct gk_who *w = &r->who[i];

		if (w->name == NULL)
			return 1;
		if (!w->group) {
			if (q->user != NULL && strcmp(w->name, q->user) == 0)
				return 1;
			continue;
		}
		for (j = 0; j < q->ngroups; j++)
			if (strcmp(w->name, q->groups[j]) == 0)
				return 1;
	}
	return 0;
}

static int
prog_matches(const struct gk_rule *r, const char *argv0, const char *exe,
    int secure)
{
	const char *base = strrchr(argv0, '/');
	size_t i;

	base = base == NULL ? argv0 : base + 1;
	for (i = 0; i < r->nprogs; i++) {
		const char *p = r->progs[i];

		if (p[0] == '/') {
			if (exe != NULL && gk_glob_path(p, exe))
				return 1;
		} else if (secure && fnmatch(p, base, 0) == 0)
			return 1;
	}
	return 0;
}

/* Positional globs: pattern "**" takes any number of arguments. */
static int
args_match(char *const *pats, size_t np, char *const *args, size_t na,
    int abbrev)
{
	unsigned char small[256], *row;
	size_t i, j;
	int m;

	/* row[j]: the patterns so far match args[0..j) exactly. */
	row = na + 1 <= sizeof(small) ? small : malloc(na + 1);
	if (row == NULL)
		return 0;
	memset(row, 0, na + 1);
	row[0] = 1;
	for (i = 0; i < np; i++) {
		if (strcmp(pats[i], "**") == 0) {
			for (j = 1; j <= na; j++)
				row[j] = row[j] || row[j - 1];
			continue;
		}
		for (j = na; j > 0; j--)
			row[j] = row[j - 1] && glob_arg(pats[i], args[j - 1],
			    abbrev);
		row[0] = 0;
	}
	m = row[na];
	if (row != small)
		free(row);
	return m;
}

/* gk_canon_args, tolerating procfs: *viaproc is the first argument
 * (1-based) with a path through procfs, or 0. */
static int
canon_args_ex(const char *cwd, size_t argc, char *const *argv, char ***out,
    size_t *nout, size_t *viaproc, char *why, size_t whylen)
{
	char buf[PATH_MAX], **paths;
	const char *v[3];
	size_t i, j, k, nv, n = 0;
	int r, opts, proc;

	*out = NULL;
	*nout = 0;
	*viaproc = 0;
	for (i = 1, opts = 1; i < argc; i++) {
		n += 1 + arg_values(argv[i], opts, v);
		if (strcmp(argv[i], "--") == 0)
			opts = 0;
	}
	if ((paths = calloc(n + 1, sizeof(char *))) == NULL)
		return GK_ERR_ALLOC;
	n = 0;
	for (k = 0; k < 2; k++) {
		for (i = 1, opts = 1; i < argc; i++) {
			if (k == 0) {
				v[0] = argv[i];
				nv = 1;
			} else
				nv = arg_values(argv[i], opts, v);
			if (strcmp(argv[i], "--") == 0)
				opts = 0;
			for (j = 0; j < nv; j++) {
				if ((r = canon(cwd, v[j], buf, sizeof(buf),
				    &proc)) != 0) {
					snprintf(why, whylen, "argument %zu "
					    "cannot be judged as a path: %s", i,
					    r == GK_ERR_LIMIT ? "too long" :
					    r == GK_ERR_SYSTEM ?
					    strerror(errno) : gk_strerror(r));
					gk_strv_free(paths, n);
					return r;
				}
				if (proc && *viaproc == 0)
					*viaproc = i;
				if ((paths[n] = strdup(buf)) == NULL) {
					gk_strv_free(paths, n);
					return GK_ERR_ALLOC;
				}
				n++;
			}
		}
	}
	*out = paths;
	*nout = n;
	return 0;
}

static void
procfs_why(char *why, size_t whylen, size_t arg)
{
	if (arg == 0)
		snprintf(why, whylen, "the working directory goes through "
		    "/proc, which leads elsewhere for gatekeeperd than for "
		    "you: cd to the real directory");
	else
		snprintf(why, whylen, "argument %zu goes through /proc or "
		    "/dev/fd, which leads elsewhere for gatekeeperd than for "
		    "you: name the file by its real path", arg);
}

int
gk_canon_args(const char *cwd, size_t argc, char *const *argv, char ***out,
    size_t *nout, char *why, size_t whylen)
{
	size_t viaproc;
	int r;

	if ((r = canon_args_ex(cwd, argc, argv, out, nout, &viaproc, why,
	    whylen)) != 0)
		return r;
	if (viaproc != 0) {
		procfs_why(why, whylen, viaproc);
		gk_strv_free(*out, *nout);
		*out = NULL;
		*nout = 0;
		return GK_ERR_UNSAFE;
	}
	return 0;
}

static int
canon_args(const struct gk_query *q, struct gk_decision *d)
{
	return canon_args_ex(q->cwd, q->argc, q->argv, &d->paths, &d->npaths,
	    &d->viaproc, d->why, sizeof(d->why));
}

/*
 * Could a non-root user swap the existing canonical path, or a directory
 * above it, before the command opens it? Yes when a directory above it
 * is not root's, or is group- or other-writable, unless it is a sticky
 * directory of root's and the next component is root's too (as in /tmp:
 * no one else may rename root's entry there). Returns 1 with the
 * directory in dir, 0 when not (or the path does not exist).
 */
static int
path_racy(const char *path, char *dir, size_t dirlen)
{
	char cur[PATH_MAX], nxt[PATH_MAX];
	struct stat st, nst;
	size_t len = strlen(path), d = 0, nx;

	if (len >= sizeof(cur) || path[0] != '/' || len == 1 ||
	    lstat(path, &st) == -1)
		return 0;
	/* path[0..d) is a directory above path ("/" when d is 0); its
	 * next component ends at nx. */
	for (d = 0; d < len; d = nx) {
		nx = d + 1 + strcspn(path + d + 1, "/");
		memcpy(cur, path, d == 0 ? 1 : d);
		cur[d == 0 ? 1 : d] = '\0';
		memcpy(nxt, path, nx);
		nxt[nx] = '\0';
		if (lstat(cur, &st) == -1 || !S_ISDIR(st.st_mode) ||
		    st.st_uid != 0)
			goto racy;
		if ((st.st_mode & (S_IWGRP | S_IWOTH)) &&
		    (!(st.st_mode & S_ISVTX) || lstat(nxt, &nst) == -1 ||
		    nst.st_uid != 0))
			goto racy;
	}
	return 0;
 racy:
	snprintf(dir, dirlen, "%s", cur);
	return 1;
}

/* Does some path argument match one of m's globs? An argument that starts
 * with '-' before a "--" is an option, not a path (its =VALUE still is). */
static int
path_holds(const struct gk_match *m, const struct gk_query *q,
    const struct gk_decision *d)
{
	size_t i, j, nargs = q->argc - 1;
	int opts = 1;

	for (i = 0; i < d->npaths; i++) {
		if (i < nargs) {
			const char *a = q->argv[i + 1];

			if (opts && strcmp(a, "--") == 0) {
				opts = 0;
				continue;
			}
			if (opts && a[0] == '-')
				continue;
		}
		for (j = 0; j < m->npats; j++)
			if (gk_glob_path(m->pats[j], d->paths[i]))
				return 1;
	}
	return 0;
}

/* Deny and approve rules catch an option's GNU abbreviations (what the
 * program would take for it); allow and local rules only what they say. */
static int
match_holds(const struct gk_rule *r, const struct gk_match *m,
    const struct gk_query *q, const struct gk_decision *d)
{
	int abbrev = r->action == GK_ACT_DENY || r->action == GK_ACT_APPROVE;
	size_t i, j;

	switch (m->kind) {
	case GK_MATCH_ARGS:
		return args_match(m->pats, m->npats, q->argv + 1, q->argc - 1,
		    abbrev);
	case GK_MATCH_ARG:
		for (i = 1; i < q->argc; i++)
			for (j = 0; j < m->npats; j++)
				if (glob_arg(m->pats[j], q->argv[i], abbrev))
					return 1;
		return 0;
	case GK_MATCH_PATH:
		return path_holds(m, q, d);
	}
	return 0;
}

/* The argument (1-based) that canonical path k of d stands for, and in
 * *typed the path as it is written there. */
static size_t
path_arg(const struct gk_query *q, size_t k, const char **typed)
{
	const char *v[3];
	size_t i, nv;
	int opts = 1;

	*typed = NULL;
	if (k < q->argc - 1) {
		*typed = q->argv[k + 1];
		return k + 1;
	}
	k -= q->argc - 1;
	for (i = 1; i < q->argc; i++) {
		nv = arg_values(q->argv[i], opts, v);
		if (strcmp(q->argv[i], "--") == 0)
			opts = 0;
		if (k < nv) {
			*typed = v[k];
			return i;
		}
		k -= nv;
	}
	return 0;
}

/*
 * What an allow or approve decision must not let through, with why: a
 * cwd or an argument through procfs; unless the rule says racy-paths, an
 * existing path argument that someone but root could swap between the
 * checks and the command's own open(). Returns 1 when refused.
 */
static int
paths_refused(const struct gk_query *q, struct gk_decision *d)
{
	char canonp[PATH_MAX], dir[PATH_MAX], written[2 * PATH_MAX];
	const char *typed;
	struct stat st;
	size_t k, a;
	int proc;

	if (gk_canon_path_proc("/", q->cwd, canonp, sizeof(canonp),
	    &proc) != 0) {
		snprintf(d->why, sizeof(d->why), "the working directory "
		    "cannot be resolved");
		return 1;
	}
	if (proc || d->viaproc != 0) {
		procfs_why(d->why, sizeof(d->why), proc ? 0 : d->viaproc);
		return 1;
	}
	if (d->rule != NULL && d->rule->racy_paths)
		return 0;
	for (k = 0; k < d->npaths; k++) {
		a = path_arg(q, k, &typed);
		if (path_racy(d->paths[k], dir, sizeof(dir))) {
			snprintf(d->why, sizeof(d->why), "argument %zu (%.200s) "
			    "is in a directory other users can change (%.200s): "
			    "copy it somewhere root-owned", a, d->paths[k], dir);
			return 1;
		}
		/* The path as the command will open it, through the user's
		 * own symlinks if it was written so, not only where it leads
		 * now (a link of the user's could lead elsewhere later). */
		if (typed != NULL && lstat(d->paths[k], &st) == 0 &&
		    (size_t)snprintf(written, sizeof(written), "%s%s%s",
		    typed[0] == '/' ? "" : q->cwd, typed[0] == '/' ? "" : "/",
		    typed) < sizeof(written) &&
		    gk_safe_path(written, dir, sizeof(dir)) != 0) {
			snprintf(d->why, sizeof(d->why), "argument %zu (%.120s) "
			    "goes through what others can change (%.200s): "
			    "give a path that is root's all the way", a, typed,
			    dir);
			return 1;
		}
	}
	return 0;
}

void
gk_decision_free(struct gk_decision *d)
{
	size_t i;

	free(d->exe);
	if (d->paths != NULL)
		for (i = 0; i < d->npaths; i++)
			free(d->paths[i]);
	free(d->paths);
	memset(d, 0, sizeof(*d));
}

int
gk_policy_decide(const struct gk_policy *p, const struct gk_query *q,
    struct gk_decision *d)
{
	const char *prog;
	size_t i, j;
	int r;

	memset(d, 0, sizeof(*d));
	d->action = GK_ACT_DENY;
	if (q->argc < 1 || q->argv[0] == NULL || q->argv[0][0] == '\0') {
		snprintf(d->why, sizeof(d->why), "empty command");
		return 0;
	}
	if (q->cwd == NULL || q->cwd[0] != '/') {
		snprintf(d->why, sizeof(d->why), "working directory is not absolute");
		return 0;
	}
	prog = q->exe != NULL ? q->exe : q->argv[0];
	r = gk_resolve_program(prog, q->cwd, q->secure_path, &d->exe,
	    &d->installed, &d->secure);
	if (r == GK_ERR_ALLOC)
		goto fail;
	if (r != 0) {
		snprintf(d->why, sizeof(d->why), "cannot resolve the program: %s",
		    gk_strerror(r));
		return 0;
	}
	for (i = 0; i < p->nrules; i++) {
		const struct gk_rule *rule = &p->rules[i];

		if (!who_matches(rule, q) ||
		    !prog_matches(rule, prog, d->exe, d->secure))
			continue;
		for (j = 0; j < rule->nmatches; j++) {
			/* Paths are canonicalised once, when first needed; an
			 * argument that cannot be judged denies. */
			if (rule->matches[j].kind == GK_MATCH_PATH &&
			    d->paths == NULL && (r = canon_args(q, d)) != 0) {
				if (r == GK_ERR_ALLOC)
					goto fail;
				return 0;
			}
			if (!match_holds(rule, &rule->matches[j], q, d))
				break;
		}
		if (j < rule->nmatches)
			continue;
		d->rule = rule;
		d->action = rule->action;
		break;
	}
	if (d->rule == NULL)
		snprintf(d->why, sizeof(d->why), "no rule matched");
	/* The daemon's digest needs the canonical paths of what it runs. */
	if ((d->action == GK_ACT_ALLOW || d->action == GK_ACT_APPROVE) &&
	    d->paths == NULL && (r = canon_args(q, d)) != 0) {
		d->action = GK_ACT_DENY;
		if (r == GK_ERR_ALLOC)
			goto fail;
		return 0;
	}
	if ((d->action == GK_ACT_ALLOW || d->action == GK_ACT_APPROVE) &&
	    paths_refused(q, d))
		d->action = GK_ACT_DENY;
	return 0;
 fail:
	/* An error leaves nothing to free, as policy.h says. */
	gk_decision_free(d);
	d->action = GK_ACT_DENY;
	return r;
}
