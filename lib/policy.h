/*
 * The policy language (DESIGN.md section 4): parsing and matching.
 *
 * MUST:
 * - report every mistake as "FILE:LINE: message" and never half-load: a
 *   policy with any error is not used;
 * - read policy files only through gk_safe_open (root-owned, not
 *   group/other writable, no symlinks);
 * - deny when no rule matches, and deny when an argument cannot be judged
 *   (a path that cannot be canonicalised): fail closed;
 * - match name rules only against programs in the secure PATH, so a
 *   user's own ./id never matches `cmd id`;
 * - never allow or approve a command with an argument (or cwd) whose path
 *   goes through procfs (its magic links lead where the kernel says for
 *   the process that opens them, not where the daemon's readlink() says),
 *   nor, unless the rule says `racy-paths`, one with an existing path
 *   argument that a non-root user could swap before the command opens it.
 */
#ifndef GK_POLICY_H
#define GK_POLICY_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "buf.h"

#define GK_SECURE_PATH \
	"/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
#define GK_POLICY_MAX_FILE	(1024 * 1024)
#define GK_DURATION_MAX		(366 * 86400)

enum gk_action {
	GK_ACT_DENY = 0,
	GK_ACT_LOCAL,
	GK_ACT_ALLOW,
	GK_ACT_APPROVE,
};

struct gk_approver_set {
	char	 *name;
	char	**members;
	size_t	  nmembers;
};

enum gk_match_kind {
	GK_MATCH_ARGS,		/* positional globs on argv[1..] */
	GK_MATCH_ARG,		/* some argument matches one of the globs */
	GK_MATCH_PATH,		/* some canonical path argument matches */
};

struct gk_match {
	enum gk_match_kind   kind;
	char		   **pats;
	size_t		     npats;
};

struct gk_who {
	char	*name;		/* user or group name; NULL for "*" */
	int	 group;
};

struct gk_rule {
	enum gk_action	  action;
	unsigned	  need;		/* approve N */
	size_t		  set;		/* index into gk_policy.sets */
	char		 *name;		/* `name`, or NULL */
	char		 *as_user;	/* `as`, or NULL (root) */
	int64_t		  delay;	/* seconds; 0 when not given */
	int64_t		  expire;	/* seconds; 0 when not given */
	int		  reason;	/* a reason is required */
	char		 *reason_match;	/* `reason-match REGEX` source, or NULL */
	void		 *reason_re;	/* its compiled regex_t (POSIX ERE) */
	int		  racy_paths;	/* `racy-paths`: path arguments in
					   directories others can change
					   are accepted (racy) */
	struct gk_who	 *who;
	size_t		  nwho;
	char		**progs;
	size_t		  nprogs;
	struct gk_match	 *matches;	/* all must hold */
	size_t		  nmatches;
	char		 *file;		/* as given to the parser */
	int		  line;
	char		  label[64];	/* name, or "FILE:LINE" when unnamed */
};

/* One policy file's name (within its directory) and NUL-terminated text. */
struct gk_policy_text {
	char	*name;
	char	*text;
	size_t	 len;
};

struct gk_policy {
	struct gk_approver_set	*sets;
	size_t			 nsets;
	struct gk_rule		*rules;
	size_t			 nrules;
	size_t			 nfiles;
	uint8_t			 digest[32];	/* of every file's name and bytes */
	struct gk_policy_text	*texts;		/* the files it was made from */
	size_t			 ntexts;
};

struct gk_policy_errors {
	char	**msgs;		/* "FILE:LINE: message" ("FILE: message"
				   for a problem with the whole file) */
	size_t	  n;
	size_t	  lost;		/* errors not recorded: out of memory */
};

/* "30s", "10m", "1h", "7d" into seconds (1 s to GK_DURATION_MAX);
 * -1 for anything else. */
int	gk_duration_parse(const char *s, int64_t *out);

/* Is s a valid name for a rule, an approver set or an approver: letters,
 * digits, - _ . @, at most 48 characters? */
int	gk_policy_name_valid(const char *s);

/*
 * The names of the groups user is in (gid is their primary group), as a
 * new array for gk_query.groups; an unknown user has none. Returns 0, or
 * GK_ERR_ALLOC (never a silently shortened list: a missing group could
 * skip a `for :group` deny rule). Free with gk_strv_free.
 */
int	gk_user_groups(const char *user, gid_t gid, char ***names, size_t *n);

/* A new empty policy (deny everything), or NULL. */
struct gk_policy *gk_policy_new(void);
void	gk_policy_free(struct gk_policy *p);
void	gk_policy_errors_free(struct gk_policy_errors *e);

/*
 * Parses one file's text (file is the name used in messages) and adds its
 * sets and rules to p. Sets must be defined before a rule names them.
 * Returns the number of errors in errs so far (n + lost).
 */
int	gk_policy_parse(struct gk_policy *p, const char *file, const char *text,
	    size_t len, struct gk_policy_errors *errs);

/*
 * Loads DIR/ *.policy in lexical order through gk_safe_open (and checks the
 * directory itself). Returns 0 with *out set, or GK_ERR_POLICY with every
 * problem in errs and *out NULL. A directory without policy files is an
 * error too (everything would be denied by accident).
 */
int	gk_policy_load_dir(const char *dir, struct gk_policy **out,
	    struct gk_policy_errors *errs);

/*
 * The same as gk_policy_load_dir for files kept elsewhere (copied; names
 * without '/', texts of at most GK_POLICY_MAX_FILE bytes), parsed as
 * DIR/NAME in name order: the same digest, messages and rule labels as
 * the directory holding those files would give.
 */
int	gk_policy_from_texts(const char *dir, const struct gk_policy_text *files,
	    size_t n, struct gk_policy **out, struct gk_policy_errors *errs);

/* What is asked: who runs what, where. */
struct gk_query {
	const char	 *user;
	uid_t		  uid;
	char *const	 *groups;	/* group names the user is in */
	size_t		  ngroups;
	size_t		  argc;
	char *const	 *argv;
	const char	 *cwd;		/* absolute */
	const char	 *secure_path;	/* NULL: GK_SECURE_PATH (tests set it) */
	const char	 *exe;		/* NULL, or the absolute path of the
					   file that will run when argv[0] is
					   only the name it runs under (sudo's
					   "-bash" for /bin/bash): resolved and
					   matched instead of argv[0] */
};

struct gk_decision {
	enum gk_action		 action;
	const struct gk_rule	*rule;		/* NULL: no rule matched */
	char			*exe;		/* resolved program, NULL if none */
	int			 installed;	/* exe exists here */
	int			 secure;	/* matched against name rules */
	char			**paths;	/* canonical forms of argv[1..] (allow,
						   approve only), for the digest */
	size_t			 npaths;
	size_t			 viaproc;	/* an argument whose path goes
						   through procfs (1-based), or 0 */
	char			 why[512];	/* why no rule / why denied */
};

/*
 * Decides q against p: the first matching rule wins, no match denies. An
 * argument that cannot be canonicalised denies with the reason in why.
 * Returns 0 (with *d filled; free with gk_decision_free) or a GK_ERR_*.
 */
int	gk_policy_decide(const struct gk_policy *p, const struct gk_query *q,
	    struct gk_decision *d);
void	gk_decision_free(struct gk_decision *d);

const char	*gk_action_name(enum gk_action a);

/*
 * Does reason satisfy rule r: no reason needed; or `reason` and reason is
 * not empty; or `reason-match REGEX` and REGEX (POSIX extended, searched
 * anywhere unless anchored with ^ and $) matches it. Returns 1 when it
 * does, 0 when the request must be refused.
 */
int	gk_rule_reason_ok(const struct gk_rule *r, const char *reason);

/* Rule names starting with this are the daemon's own (governance). */
#define GK_RESERVED_RULE_PREFIX	"gatekeeper-"

/*
 * Resolves argv0 the way the matcher does: a bare name is looked up on
 * secure_path (first regular executable wins; *installed 0 when none), a
 * name with a '/' is made absolute against cwd with its directory
 * canonicalised. *secure is set when name rules may match it. *exe is a
 * new string (NULL when a bare name is not installed).
 */
int	gk_resolve_program(const char *argv0, const char *cwd,
	    const char *secure_path, char **exe, int *installed, int *secure);

/*
 * Canonicalises path against cwd: made absolute, symlinks resolved for the
 * part that exists, then "." ".." and "//" folded lexically for the rest.
 * GK_ERR_LIMIT when longer than outlen, GK_ERR_SYSTEM on a symlink loop.
 * procfs magic links (/proc/self/cwd, /proc/PID/root, /dev/fd/N) are read
 * with readlink() in the caller's context: see gk_canon_path_proc.
 */
int	gk_canon_path(const char *cwd, const char *path, char *out, size_t outlen);

/*
 * gk_canon_path, and *viaproc set to 1 when the path goes through procfs:
 * some component of it (or of a symlink followed) is looked up in a
 * directory on a procfs mount (statfs PROC_SUPER_MAGIC, wherever it is
 * mounted), as /proc/self/cwd/x, /proc/PID/root/..., /dev/fd/N and
 * /dev/stdin are; else 0. /proc itself is not through procfs. The result
 * is then only the caller's guess at where the path leads.
 */
int	gk_canon_path_proc(const char *cwd, const char *path, char *out,
	    size_t outlen, int *viaproc);

/*
 * What is recorded of a canonical path at request time and compared at
 * exec time: "DEV:INO" (decimal, of its lstat) or "-" when it does not
 * exist. Returns 0, GK_ERR_LIMIT, or GK_ERR_SYSTEM for another failure.
 */
int	gk_path_id(const char *path, char *out, size_t outlen);

/* Argument globs: fnmatch without FNM_PATHNAME ('*' matches '/'), with
 * "a|b" alternatives. Returns 1 on a match. */
int	gk_glob_arg(const char *pat, const char *s);
/* Path globs: '*' and '?' stop at '/', "**" crosses it, and "DIR/ **"
 * (no space) also matches DIR itself. Returns 1 on a match. */
int	gk_glob_path(const char *pat, const char *s);

/*
 * The canonical forms (gk_canon_path against cwd) of argv[1..], then, in
 * argument order, of each NAME=VALUE or --opt=VALUE argument's VALUE and
 * of each -Xvalue word's path values (gk_short_values; none after "--"):
 * the path arguments a request's digest covers and exec time checks
 * again. Returns 0 with a new array (free with gk_strv_free), or a
 * GK_ERR_* with why set: GK_ERR_UNSAFE when a path goes through procfs.
 */
int	gk_canon_args(const char *cwd, size_t argc, char *const *argv,
	    char ***paths, size_t *npaths, char *why, size_t whylen);

/* For an argument NAME=VALUE or --opt=VALUE (no '/' before the '='), the
 * VALUE, which `path` also tries as a path (dd's of=/dev/sda); else NULL. */
const char	*gk_path_value(const char *arg);

/*
 * The path values of a short-option word -Xvalue (one dash, then not a
 * dash): value (arg + 2) when it looks like a path (contains '/', or
 * starts with '.' or '~'), and, since X may be a flag combined with
 * others (tar -xzf/dev/sda), the first later suffix that starts with '/',
 * '.' or '~' after option letters only. Fills v (pointers into arg) and
 * returns how many (0 to 2).
 */
size_t	gk_short_values(const char *arg, const char *v[2]);

#endif
