/*
 * sudo's command line, as sudo 1.9 reads it (getopt_long with "+": options
 * end at the first non-option or at "--").
 *
 * MUST:
 * - refuse every option it does not know, and every option that changes
 *   what runs or where in a way the decision cannot carry (-g, -R, -r,
 *   -t, -h, -e, -l, ...): never guess;
 * - give the argv sudo itself runs for -s and -i (its escaping).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "sudoargs.h"

enum opt_kind {
	O_SKIP,		/* no effect on what runs, no argument */
	O_SKIP_ARG,	/* no effect on what runs, takes an argument */
	O_USER,		/* -u USER */
	O_CHDIR,	/* -D DIR */
	O_SHELL,	/* -s */
	O_LOGIN,	/* -i */
	O_REFUSE,
};

static const struct opt {
	char		 ch;
	const char	*lname;
	enum opt_kind	 kind;
	const char	*what;	/* why it is refused */
} opts[] = {
	{ 'A', "askpass", O_SKIP, NULL },
	{ 'b', "background", O_SKIP, NULL },
	{ 'B', "bell", O_SKIP, NULL },
	{ 'H', "set-home", O_SKIP, NULL },
	{ 'k', "reset-timestamp", O_SKIP, NULL },
	{ 'n', "non-interactive", O_SKIP, NULL },
	{ 'N', "no-update", O_SKIP, NULL },
	{ 'P', "preserve-groups", O_SKIP, NULL },
	{ 'S', "stdin", O_SKIP, NULL },
	{ 'C', "close-from", O_SKIP_ARG, NULL },
	{ 'p', "prompt", O_SKIP_ARG, NULL },
	{ 'T', "command-timeout", O_SKIP_ARG, NULL },
	{ 'u', "user", O_USER, NULL },
	{ 'D', "chdir", O_CHDIR, NULL },
	{ 's', "shell", O_SHELL, NULL },
	{ 'i', "login", O_LOGIN, NULL },
	{ 'E', "preserve-env", O_REFUSE, "keeping the caller's environment "
	    "(approvers never see it; it can run code as root)" },
	{ 'g', "group", O_REFUSE, "running with another group" },
	{ 'e', "edit", O_REFUSE, "sudoedit" },
	{ 'l', "list", O_REFUSE, "listing" },
	{ 'v', "validate", O_REFUSE, "validating" },
	{ 'K', "remove-timestamp", O_REFUSE, "removing the timestamp" },
	{ 'V', "version", O_REFUSE, "printing the version" },
	{ 'h', "help", O_REFUSE, "help" },
	{ 0, "host", O_REFUSE, "another host" },
	{ 'R', "chroot", O_REFUSE, "a chroot" },
	{ 'r', "role", O_REFUSE, "an SELinux role" },
	{ 't', "type", O_REFUSE, "an SELinux type" },
	{ 'a', NULL, O_REFUSE, "BSD authentication" },
	{ 'c', NULL, O_REFUSE, "a BSD login class" },
	{ 'U', "other-user", O_REFUSE, "listing for another user" },
};

static const struct opt *
find_short(char ch)
{
	size_t i;

	for (i = 0; i < sizeof(opts) / sizeof(opts[0]); i++)
		if (opts[i].ch == ch)
			return &opts[i];
	return NULL;
}

static const struct opt *
find_long(const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < sizeof(opts) / sizeof(opts[0]); i++)
		if (opts[i].lname != NULL && strlen(opts[i].lname) == len &&
		    strncmp(opts[i].lname, name, len) == 0)
			return &opts[i];
	return NULL;
}

/* Applies option o with argument val (may be NULL for flags). */
static int
apply(const struct opt *o, const char *val, struct gk_sudo_cmd *out,
    char *why, size_t whylen)
{
	switch (o->kind) {
	case O_USER:
		if (val == NULL || *val == '\0') {
			snprintf(why, whylen, "sudo -u needs a user");
			return -1;
		}
		out->target = val;
		break;
	case O_CHDIR:
		if (val == NULL || val[0] != '/') {
			snprintf(why, whylen, "sudo -D needs an absolute "
			    "directory here");
			return -1;
		}
		out->chdir = val;
		break;
	case O_SHELL:
		out->shell = 1;
		break;
	case O_LOGIN:
		out->login = 1;
		break;
	case O_REFUSE:
		snprintf(why, whylen, "sudo: %s is not supported under "
		    "gatekeeper", o->what);
		return -1;
	default:
		break;
	}
	return 0;
}

static int
takes_arg(const struct opt *o)
{
	return o->kind == O_SKIP_ARG || o->kind == O_USER || o->kind == O_CHDIR;
}

int
gk_sudo_parse(int argc, char *const *argv, struct gk_sudo_cmd *out,
    char *why, size_t whylen)
{
	const struct opt *o;
	const char *a, *base, *eq, *val;
	int i;
	size_t k;

	memset(out, 0, sizeof(*out));
	if (argc < 1 || argv[0] == NULL) {
		snprintf(why, whylen, "sudo's command line is empty");
		return -1;
	}
	base = strrchr(argv[0], '/');
	base = base != NULL ? base + 1 : argv[0];
	if (strcmp(base, "sudo") != 0) {
		snprintf(why, whylen, "not run as sudo (%s is not supported "
		    "under gatekeeper)", strcmp(base, "sudoedit") == 0 ?
		    "sudoedit" : "this program name");
		return -1;
	}
	for (i = 1; i < argc; i++) {
		a = argv[i];
		if (strcmp(a, "--") == 0) {
			i++;
			break;
		}
		if (a[0] != '-' || a[1] == '\0')
			break;
		if (a[1] == '-') {
			eq = strchr(a + 2, '=');
			k = eq != NULL ? (size_t)(eq - (a + 2)) : strlen(a + 2);
			if ((o = find_long(a + 2, k)) == NULL) {
				snprintf(why, whylen, "sudo: unknown option "
				    "--%.*s (abbreviations are refused)",
				    (int)(k > 40 ? 40 : k), a + 2);
				return -1;
			}
			val = eq != NULL ? eq + 1 : NULL;
			if (takes_arg(o) && val == NULL) {
				if (i + 1 >= argc) {
					snprintf(why, whylen, "sudo: --%s "
					    "needs a value", o->lname);
					return -1;
				}
				val = argv[++i];
			} else if (!takes_arg(o) && val != NULL &&
			    o->kind != O_REFUSE) {
				snprintf(why, whylen, "sudo: --%s takes no "
				    "value", o->lname);
				return -1;
			}
			if (apply(o, val, out, why, whylen) != 0)
				return -1;
			continue;
		}
		/* A bundle of short options: -nu root, -uroot, -Hi. */
		for (k = 1; a[k] != '\0'; k++) {
			if ((o = find_short(a[k])) == NULL) {
				snprintf(why, whylen, "sudo: unknown option -%c",
				    a[k] > ' ' && a[k] < 0x7f ? a[k] : '?');
				return -1;
			}
			val = NULL;
			if (takes_arg(o)) {
				if (a[k + 1] != '\0')
					val = a + k + 1;
				else if (i + 1 < argc)
					val = argv[++i];
				else {
					snprintf(why, whylen, "sudo: -%c needs "
					    "a value", a[k]);
					return -1;
				}
			}
			if (apply(o, val, out, why, whylen) != 0)
				return -1;
			if (val != NULL)
				break;
		}
	}
	if (out->shell && out->login) {
		snprintf(why, whylen, "sudo: -s and -i together");
		return -1;
	}
	if (i < argc && strchr(argv[i], '=') != NULL) {
		snprintf(why, whylen, "sudo: VAR=value before the command is not "
		    "supported under gatekeeper");
		return -1;
	}
	out->args = argv + i;
	out->nargs = (size_t)(argc - i);
	if (out->nargs == 0 && !out->shell && !out->login) {
		snprintf(why, whylen, "sudo: no command");
		return -1;
	}
	return 0;
}

static int
plain(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '$';
}

int
gk_sudo_argv(const struct gk_sudo_cmd *cmd, const char *shell, char ***argvp,
    size_t *argcp)
{
	char **v = NULL, *line = NULL, *p;
	size_t n = 0, i, len = 0;

	*argvp = NULL;
	*argcp = 0;
	if (!cmd->shell && !cmd->login) {
		if (cmd->nargs == 0 || (v = calloc(cmd->nargs + 1,
		    sizeof(*v))) == NULL)
			return -1;
		for (n = 0; n < cmd->nargs; n++)
			if ((v[n] = strdup(cmd->args[n])) == NULL)
				goto fail;
		goto done;
	}
	if (shell == NULL || *shell == '\0' || (v = calloc(4,
	    sizeof(*v))) == NULL)
		return -1;
	if ((v[n++] = strdup(shell)) == NULL)
		goto fail;
	if (cmd->nargs == 0)
		goto done;
	for (i = 0; i < cmd->nargs; i++)
		len += 2 * strlen(cmd->args[i]) + 1;
	if ((line = malloc(len + 1)) == NULL)
		goto fail;
	p = line;
	for (i = 0; i < cmd->nargs; i++) {
		const char *s;

		if (i > 0)
			*p++ = ' ';
		for (s = cmd->args[i]; *s != '\0'; s++) {
			if (!plain((unsigned char)*s))
				*p++ = '\\';
			*p++ = *s;
		}
	}
	*p = '\0';
	if ((v[n++] = strdup("-c")) == NULL)
		goto fail;
	v[n++] = line;
	line = NULL;
 done:
	*argvp = v;
	*argcp = n;
	return 0;
 fail:
	free(line);
	gk_strv_free(v, n);
	return -1;
}
