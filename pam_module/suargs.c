/*
 * su's command line, parsed as su parses it (see suargs.h). MUST: never
 * guess: an option su would refuse, or one it does not know, is an error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "suargs.h"

struct longopt {
	const char	*name;
	int		 arg;		/* takes a value */
	int		 code;
};

static const struct longopt longopts[] = {
	{ "command",			1, 'c' },
	{ "session-command",		1, 'C' },
	{ "fast",			0, 'f' },
	{ "login",			0, 'l' },
	{ "preserve-environment",	0, 'p' },
	{ "pty",			0, 'P' },
	{ "shell",			1, 's' },
	{ "group",			1, 'g' },
	{ "supp-group",			1, 'G' },
	{ "user",			1, 'u' },
	{ "whitelist-environment",	1, 'w' },
	{ "help",			0, 'h' },
	{ "version",			0, 'V' },
};
#define NLONG	(sizeof(longopts) / sizeof(longopts[0]))

static const char SHORT_FLAGS[] = "flmpPhV";
static const char SHORT_VALUED[] = "cgGsuw";

static void
apply(struct gk_su_cmd *o, int code, const char *val)
{
	switch (code) {
	case 'c':
	case 'C':
		o->command = val;
		break;
	case 'f':
		o->fast = 1;
		break;
	case 'g':
	case 'G':
		o->groups = 1;
		break;
	case 'l':
		o->login = 1;
		break;
	case 'm':
	case 'p':
		o->preserve_env = 1;
		break;
	case 's':
		o->shell = val;
		break;
	case 'w':
		o->whitelist = 1;
		break;
	case 'P':
		break;
	default:			/* h, V, u: su prints or refuses */
		o->info = 1;
		break;
	}
}

/* The long option a word names: exact, else the one it abbreviates. */
static const struct longopt *
find_long(const char *name, size_t n, char *why, size_t whylen)
{
	const struct longopt *hit = NULL;
	size_t i;

	for (i = 0; i < NLONG; i++) {
		if (strncmp(longopts[i].name, name, n) != 0)
			continue;
		if (longopts[i].name[n] == '\0')
			return &longopts[i];
		if (hit != NULL) {
			snprintf(why, whylen, "su: option --%.*s is ambiguous",
			    (int)n, name);
			return NULL;
		}
		hit = &longopts[i];
	}
	if (hit == NULL)
		snprintf(why, whylen, "su: unknown option --%.*s", (int)n,
		    name);
	return hit;
}

int
gk_su_parse(int argc, char *const *argv, int posixly_correct,
    struct gk_su_cmd *out, char ***permuted, char *why, size_t whylen)
{
	const struct longopt *lo;
	char **ops = NULL;
	const char *a, *eq;
	size_t nops = 0, k;
	int i, j, rest = 0;

	memset(out, 0, sizeof(*out));
	*permuted = NULL;
	if (argc < 1) {
		snprintf(why, whylen, "su: no command line");
		return -1;
	}
	if ((ops = calloc((size_t)argc + 1, sizeof(*ops))) == NULL) {
		snprintf(why, whylen, "out of memory");
		return -1;
	}
	for (i = 1; i < argc; i++) {
		a = argv[i];
		if (rest || a[0] != '-' || a[1] == '\0') {
			ops[nops++] = (char *)a;
			/* Without permutation the first operand ends options. */
			if (posixly_correct)
				rest = 1;
			continue;
		}
		if (strcmp(a, "--") == 0) {
			rest = 1;
			continue;
		}
		if (a[1] == '-') {
			eq = strchr(a + 2, '=');
			if ((lo = find_long(a + 2, eq != NULL ? (size_t)(eq -
			    (a + 2)) : strlen(a + 2), why, whylen)) == NULL)
				goto fail;
			if (!lo->arg && eq != NULL) {
				snprintf(why, whylen, "su: option --%s takes no "
				    "value", lo->name);
				goto fail;
			}
			if (lo->arg && eq == NULL && i + 1 >= argc) {
				snprintf(why, whylen, "su: option --%s needs a "
				    "value", lo->name);
				goto fail;
			}
			apply(out, lo->code, !lo->arg ? NULL : eq != NULL ?
			    eq + 1 : argv[++i]);
			continue;
		}
		for (j = 1; a[j] != '\0'; j++) {
			if (strchr(SHORT_VALUED, a[j]) != NULL) {
				if (a[j + 1] == '\0' && i + 1 >= argc) {
					snprintf(why, whylen, "su: option -%c "
					    "needs a value", a[j]);
					goto fail;
				}
				apply(out, a[j], a[j + 1] != '\0' ? a + j + 1 :
				    argv[++i]);
				break;
			}
			if (strchr(SHORT_FLAGS, a[j]) == NULL) {
				snprintf(why, whylen, "su: unknown option -%c",
				    a[j]);
				goto fail;
			}
			apply(out, a[j], NULL);
		}
	}
	k = 0;
	if (k < nops && strcmp(ops[k], "-") == 0) {
		out->login = 1;
		k++;
	}
	if (k < nops)
		out->user = ops[k++];
	if (out->login)
		out->preserve_env = 0;	/* su: "ignoring --preserve-environment" */
	out->args = ops + k;
	out->nargs = nops - k;
	*permuted = ops;
	return 0;
 fail:
	free(ops);
	return -1;
}

int
gk_su_argv(const struct gk_su_cmd *cmd, const char *shell, char ***argvp,
    size_t *argcp)
{
	const char *base = strrchr(shell, '/');
	char **v;
	size_t n = 0, i, cap = 4 + cmd->nargs;

	*argvp = NULL;
	*argcp = 0;
	base = base != NULL ? base + 1 : shell;
	if ((v = calloc(cap + 1, sizeof(*v))) == NULL)
		return -1;
	if ((v[n] = malloc(strlen(base) + 2)) == NULL)
		goto fail;
	snprintf(v[n++], strlen(base) + 2, "%s%s", cmd->login ? "-" : "", base);
	if (cmd->fast && (v[n++] = strdup("-f")) == NULL)
		goto fail;
	if (cmd->command != NULL && ((v[n++] = strdup("-c")) == NULL ||
	    (v[n++] = strdup(cmd->command)) == NULL))
		goto fail;
	for (i = 0; i < cmd->nargs; i++)
		if ((v[n++] = strdup(cmd->args[i])) == NULL)
			goto fail;
	*argvp = v;
	*argcp = n;
	return 0;
 fail:
	gk_strv_free(v, n);
	return -1;
}
