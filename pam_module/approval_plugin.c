/*
 * gatekeeper_approval.so: sudo's approval plugin (sudo_plugin(5), sudo
 * 1.9+). sudo calls check() after its policy said yes and right before it
 * executes, with what it will execute: the resolved file (command=), the
 * argv, the run-as identity, the cwd. The plugin asks gatekeeperd about
 * exactly that (authorize=1: decided and approved like any request, never
 * run by the daemon), and says yes only when the daemon does.
 *
 * In /etc/sudo.conf:
 *   Plugin gatekeeper_approval /usr/libexec/gatekeeper/gatekeeper_approval.so [socket=PATH] [timeout=S] [debug]
 *
 * MUST:
 * - fail closed: 1 (yes) only from gk_gate_decide's yes; every error, an
 *   unknown API major version, an option it does not know: no;
 * - decide the file sudo executes (command=, checked with gk_safe_program:
 *   nobody but root can change or swap it; its device and inode go to the
 *   daemon, which must see the same file), its argv as sudo passes it,
 *   the run-as user, the cwd sudo changes to;
 * - refuse what it cannot decide exactly, naming the form: sudoedit (-e),
 *   a chroot (-R), SELinux/AppArmor roles (-r, -t), another group or
 *   group list than the target's own (-g, preserve_groups), an effective
 *   id apart from the real one, the caller's environment handed on (-E,
 *   --preserve-env, VAR=value: run_envp may hold only what sudo sets
 *   itself and a few plain variables, PATH root's all the way), and a
 *   word shaped like
 *   a YubiKey OTP (never sent, logged or shown);
 * - export only the plugin's symbol (approval_plugin.map).
 */
#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include <sudo_plugin.h>

#include "gate.h"
#include "otp.h"
#include "safefile.h"

#define SUDO_MAJOR(v)	((v) >> 16)

static sudo_printf_t		 plugin_printf;
static struct gk_gate_opts	 opts;
static char			 reason[1024];
static int			 env_from_caller;
static const char		*env_form;
static char			 refusal[512];

static int
ui_say(void *ctx, int error, const char *text)
{
	(void)ctx;
	if (plugin_printf == NULL)
		return -1;
	return plugin_printf(error ? SUDO_CONV_ERROR_MSG : SUDO_CONV_INFO_MSG,
	    "%s\n", text) < 0 ? -1 : 0;
}

static void
ui_log(void *ctx, int priority, const char *text)
{
	(void)ctx;
	syslog(LOG_AUTHPRIV | priority, "gatekeeper_approval: %s", text);
}

static const struct gk_gate_ui ui = { NULL, ui_say, ui_log };

/* The value of key in a sudo "key=value" vector, or NULL. */
static const char *
info(char *const v[], const char *key)
{
	size_t n = strlen(key);
	int i;

	for (i = 0; v != NULL && v[i] != NULL; i++)
		if (strncmp(v[i], key, n) == 0 && v[i][n] == '=')
			return v[i] + n + 1;
	return NULL;
}

static int
refuse(const char **errstr, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int
refuse(const char **errstr, const char *fmt, ...)
{
	char text[480];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	snprintf(refusal, sizeof(refusal), "gatekeeper: %s; refused", text);
	ui_say(NULL, 1, refusal);
	ui_log(NULL, LOG_NOTICE, refusal);
	*errstr = refusal;
	return 0;
}

static int
approval_open(unsigned int version, sudo_conv_t conversation,
    sudo_printf_t printf_fn, char *const settings[], char *const user_info[],
    int submit_optind, char *const submit_argv[], char *const submit_envp[],
    char *const plugin_options[], const char **errstr)
{
	const char *v;
	int i, n = 0;

	(void)user_info;
	(void)conversation;
	plugin_printf = printf_fn;
	if (SUDO_MAJOR(version) != SUDO_API_VERSION_MAJOR) {
		snprintf(refusal, sizeof(refusal), "gatekeeper_approval: built "
		    "for sudo plugin API %u, sudo speaks %u", SUDO_API_VERSION_MAJOR,
		    SUDO_MAJOR(version));
		*errstr = refusal;
		return -1;
	}
	while (plugin_options != NULL && plugin_options[n] != NULL)
		n++;
	if (gk_gate_opts(&opts, n, (const char *const *)plugin_options,
	    refusal, sizeof(refusal)) != 0) {
		ui_say(NULL, 1, refusal);
		*errstr = refusal;
		return -1;
	}
	/* The caller's environment, handed on, changes what a program does
	 * (LD_PRELOAD, PAGER, BASH_ENV...): none of it is decided. */
	env_from_caller = 0;
	if ((v = info(settings, "preserve_environment")) != NULL &&
	    strcmp(v, "true") == 0) {
		env_from_caller = 1;
		env_form = "sudo -E";
	}
	for (i = 1; i < submit_optind && submit_argv[i] != NULL; i++)
		if (strncmp(submit_argv[i], "--preserve-e", 12) == 0) {
			env_from_caller = 1;
			env_form = "sudo --preserve-env";
		}
	/* sudo takes NAME=VALUE words right before the command (submit_optind)
	 * as variables. An option's value holding '=' (a -D dir) is refused
	 * with them: no user or group name has one. */
	if (submit_optind >= 2 && submit_argv[submit_optind - 1] != NULL &&
	    submit_argv[submit_optind - 1][0] != '-' &&
	    strchr(submit_argv[submit_optind - 1], '=') != NULL) {
		env_from_caller = 1;
		env_form = "sudo VAR=value";
	}
	/* GK_REASON from the caller's own environment: sudo's env_reset
	 * keeps it from the command, not from us. */
	reason[0] = '\0';
	for (i = 0; submit_envp != NULL && submit_envp[i] != NULL; i++)
		if (strncmp(submit_envp[i], "GK_REASON=", 10) == 0)
			snprintf(reason, sizeof(reason), "%s", submit_envp[i] + 10);
	return 1;
}

/*
 * The command's environment (run_envp) may hold only what sudo sets itself
 * and a few variables that change no program's code path, with plain
 * values: anything else came from the caller (VAR=value anywhere among
 * sudo's options, -E, --preserve-env, env_keep) and is not decided.
 * Returns NULL when it is fine, else the offending entry.
 */
static const char *
env_undecided(char *const envp[], const struct passwd *target,
    char *why, size_t whylen)
{
	/* Set by sudo (env_reset) from its own knowledge of the target. */
	static const char *const sudo_own[] = {
		"SUDO_COMMAND", "SUDO_USER", "SUDO_UID", "SUDO_GID",
		"SUDO_HOME", "USER", "LOGNAME", "MAIL", "GK_SESSION", NULL,
	};
	/* Kept from the caller by sudo's defaults; harmless without '/'. */
	static const char *const kept[] = {
		"TERM", "COLORTERM", "LANG", "LANGUAGE", "LINGUAS", "TZ",
		"DISPLAY", "COLORS", "LS_COLORS", "HOSTNAME", "HISTSIZE",
		"USERNAME", "_XKB_CHARSET", NULL,
	};
	const char *e, *v, *p, *q;
	char dir[PATH_MAX];
	struct stat st;
	size_t n, i;
	int j, ok;

	for (j = 0; envp != NULL && (e = envp[j]) != NULL; j++) {
		if ((v = strchr(e, '=')) == NULL)
			return e;
		n = (size_t)(v - e);
		v++;
		ok = 0;
		for (i = 0; sudo_own[i] != NULL && !ok; i++)
			ok = strlen(sudo_own[i]) == n &&
			    strncmp(e, sudo_own[i], n) == 0;
		for (i = 0; kept[i] != NULL && !ok; i++)
			ok = strlen(kept[i]) == n && strncmp(e, kept[i], n) == 0 &&
			    strchr(v, '/') == NULL;
		if (!ok && n > 3 && strncmp(e, "LC_", 3) == 0)
			ok = strchr(v, '/') == NULL;
		if (!ok && n == 4 && strncmp(e, "HOME", 4) == 0)
			ok = strcmp(v, target->pw_dir) == 0;
		if (!ok && n == 5 && strncmp(e, "SHELL", 5) == 0)
			ok = gk_safe_program(v, NULL, why, whylen) == 0;
		if (!ok && n == 4 && strncmp(e, "PATH", 4) == 0) {
			/* Every directory root's all the way: what the command
			 * runs by name is then root's choice. */
			ok = 1;
			for (p = v; ok && *p != '\0'; p = *q ? q + 1 : q) {
				q = strchrnul(p, ':');
				if ((size_t)(q - p) >= sizeof(dir) || p[0] != '/') {
					ok = 0;
					break;
				}
				memcpy(dir, p, (size_t)(q - p));
				dir[q - p] = '\0';
				/* and none others may add a program to */
				ok = gk_safe_path(dir, why, whylen) == 0 &&
				    (stat(dir, &st) != 0 ||
				    !(st.st_mode & (S_IWGRP | S_IWOTH)));
			}
		}
		if (!ok)
			return e;
	}
	return NULL;
}

/* Does sudo set rlimit_NAME for the command (sudoers' own choice)? */
static int
sudo_sets_limit(const char *name, void *ctx)
{
	char key[32];

	snprintf(key, sizeof(key), "rlimit_%s", name);
	return info(ctx, key) != NULL;
}

static int
same_groups(const char *list, const struct passwd *pw)
{
	gid_t want[NGROUPS_MAX + 1];
	int n = NGROUPS_MAX + 1, i, found, seen = 0;
	const char *p;
	char *end;
	unsigned long g;

	if (list == NULL)
		return 1;	/* sudo then uses the target's groups */
	if (getgrouplist(pw->pw_name, pw->pw_gid, want, &n) == -1)
		return 0;
	for (p = list; *p != '\0'; p = *end == ',' ? end + 1 : end) {
		errno = 0;
		g = strtoul(p, &end, 10);
		if (errno != 0 || end == p || (*end != ',' && *end != '\0'))
			return 0;
		for (found = 0, i = 0; i < n; i++)
			if ((unsigned long)want[i] == g)
				found = 1;
		if (!found)
			return 0;
		seen++;
	}
	return seen > 0;
}

static int
approval_check(char *const command_info[], char *const run_argv[],
    char *const run_envp[], const char **errstr)
{
	struct gk_gate_ask q;
	struct passwd *pw;
	struct stat st;
	const char *cmd, *v, *o, *target, *bad;
	struct stat cst;
	char cwd[PATH_MAX], why[400], user[256];
	size_t argc = 0;

	*errstr = NULL;
	if (env_from_caller)
		return refuse(errstr, "%s hands your environment to the "
		    "command, which gatekeeper cannot decide", env_form);
	if ((v = info(command_info, "sudoedit")) != NULL &&
	    strcmp(v, "true") == 0)
		return refuse(errstr, "sudoedit (sudo -e) is not decided by "
		    "gatekeeper: edit a copy and have it installed by an "
		    "approved command");
	if (info(command_info, "chroot") != NULL)
		return refuse(errstr, "sudo -R (a chroot) is not decided by "
		    "gatekeeper");
	if (info(command_info, "selinux_role") != NULL ||
	    info(command_info, "selinux_type") != NULL ||
	    info(command_info, "apparmor_profile") != NULL)
		return refuse(errstr, "sudo -r/-t (a security role or type) is "
		    "not decided by gatekeeper");
	if ((cmd = info(command_info, "command")) == NULL || run_argv == NULL ||
	    run_argv[0] == NULL)
		return refuse(errstr, "sudo named no command");
	while (run_argv[argc] != NULL)
		argc++;
	/* A YubiKey touched at sudo's prompt: never sent, logged or shown. */
	if (gk_otp_argv_shaped(argc, run_argv))
		return refuse(errstr, "a word looks like a YubiKey one-time "
		    "password; it was not sent");
	if ((target = info(command_info, "runas_user")) == NULL ||
	    (pw = getpwnam(target)) == NULL)
		return refuse(errstr, "sudo's target user is unknown here");
	/* The identity sudo sets must be the target's own. */
	if ((v = info(command_info, "runas_uid")) == NULL ||
	    strtoul(v, NULL, 10) != (unsigned long)pw->pw_uid ||
	    ((v = info(command_info, "runas_euid")) != NULL &&
	    strtoul(v, NULL, 10) != (unsigned long)pw->pw_uid))
		return refuse(errstr, "sudo would run as another uid than %s's",
		    pw->pw_name);
	if ((v = info(command_info, "runas_gid")) == NULL ||
	    strtoul(v, NULL, 10) != (unsigned long)pw->pw_gid ||
	    ((v = info(command_info, "runas_egid")) != NULL &&
	    strtoul(v, NULL, 10) != (unsigned long)pw->pw_gid) ||
	    ((v = info(command_info, "preserve_groups")) != NULL &&
	    strcmp(v, "true") == 0) ||
	    !same_groups(info(command_info, "runas_groups"), pw))
		return refuse(errstr, "sudo -g (a group other than %s's own) is "
		    "not decided by gatekeeper", pw->pw_name);
	if ((bad = env_undecided(run_envp, pw, why, sizeof(why))) != NULL)
		return refuse(errstr, "sudo would hand the command %.*s, which "
		    "gatekeeper does not decide (only sudo's own environment "
		    "is: env_reset, secure_path, and no env_keep, -E or "
		    "VAR=value)", (int)strcspn(bad, "="), bad);
	if (gk_gate_limits_ok(sudo_sets_limit, (void *)command_info, why,
	    sizeof(why)) != 0)
		return refuse(errstr, "%s", why);
	if (gk_safe_program(cmd, &st, why, sizeof(why)) != 0)
		return refuse(errstr, "%s", why);
	/* With cwd_optional sudo stays where it is when it cannot change
	 * to cwd: decide the directory it will really use. */
	if ((v = info(command_info, "cwd")) != NULL &&
	    (o = info(command_info, "cwd_optional")) != NULL &&
	    strcmp(o, "true") == 0 && v[0] == '/' &&
	    (stat(v, &cst) != 0 || !S_ISDIR(cst.st_mode)))
		v = NULL;
	if (v != NULL && v[0] != '~') {
		if (v[0] != '/' || strlen(v) >= sizeof(cwd))
			return refuse(errstr, "sudo's working directory %s is "
			    "not absolute", v);
		snprintf(cwd, sizeof(cwd), "%s", v);
	} else if (v != NULL && strcmp(v, "~") == 0)
		snprintf(cwd, sizeof(cwd), "%s", pw->pw_dir);
	else if (v != NULL)
		return refuse(errstr, "sudo's working directory %s cannot be "
		    "decided", v);
	else if (getcwd(cwd, sizeof(cwd)) == NULL)
		return refuse(errstr, "cannot tell the working directory");
	if ((pw = getpwuid(getuid())) == NULL ||
	    strlen(pw->pw_name) >= sizeof(user))
		return refuse(errstr, "the invoking user has no name");
	snprintf(user, sizeof(user), "%s", pw->pw_name);
	memset(&q, 0, sizeof(q));
	q.argv = run_argv;
	q.argc = argc;
	q.exe = cmd;
	q.dev = st.st_dev;
	q.ino = st.st_ino;
	q.cwd = cwd;
	q.user = user;
	q.target = target;
	q.tty = ttyname(STDIN_FILENO);
	q.reason = reason;
	if (gk_gate_decide(&opts, &q, &ui) == 1)
		return 1;
	snprintf(refusal, sizeof(refusal), "refused by gatekeeper");
	*errstr = refusal;
	return 0;
}

static int
approval_version(int verbose)
{
	(void)verbose;
	if (plugin_printf != NULL)
		plugin_printf(SUDO_CONV_INFO_MSG, "gatekeeper approval plugin "
		    "(sudo plugin API %d.%d)\n", SUDO_API_VERSION_MAJOR,
		    SUDO_API_VERSION_MINOR);
	return 1;
}

__attribute__((visibility("default")))
struct approval_plugin gatekeeper_approval = {
	SUDO_APPROVAL_PLUGIN,
	SUDO_API_VERSION,
	approval_open,
	NULL,
	approval_check,
	approval_version,
};
