/*
 * Fuzz target: the policy parser, then the matcher on a fixed set of
 * commands against whatever policy parsed (among them paths through
 * procfs, paths glued to short options, abbreviated long options and
 * existing paths in /tmp for the racy-paths check).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "alloc_fail.h"
#include "policy.h"


int
gk_fuzz_one(const uint8_t *data, size_t len)
{
	static char *const cmds[][6] = {
		{ "mkfs.ext4", "/dev/sda", NULL },
		{ "rm", "-rf", "/srv/data/../backup/x", NULL },
		{ "zfs", "destroy", "tank/a", "x=/dev/sdb", NULL },
		{ "/tmp/id", NULL },
		/* procfs, -Xvalue paths, abbreviated long options */
		{ "mkfs.ext4", "-F", "-d/proc/self/cwd", "/dev/stdin", NULL },
		{ "mv", "-t../backup", "-xzf/srv/a", "--", "-t/x", NULL },
		{ "lvs", "--comm", "--conf=x", "--co", NULL },
		{ "rm", "/tmp", "/proc", "of=/dev/fd/0", NULL },
	};
	static char *const groups[] = { "wheel", "adm" };
	struct gk_policy_errors errs = { 0 };
	struct gk_policy *p;
	struct gk_decision d;
	struct gk_query q;
	size_t i, n;

	if ((p = gk_policy_new()) == NULL)
		return 0;
	if (gk_policy_parse(p, "fuzz.policy", (const char *)data, len, &errs) == 0) {
		for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
			for (n = 0; cmds[i][n] != NULL; n++)
				;
			memset(&q, 0, sizeof(q));
			q.user = "alice";
			q.groups = groups;
			q.ngroups = 2;
			q.argc = n;
			q.argv = cmds[i];
			q.cwd = "/srv/data";
			q.secure_path = "/nonexistent/bin";
			if (gk_policy_decide(p, &q, &d) == 0)
				gk_decision_free(&d);
		}
	}
	gk_policy_errors_free(&errs);
	gk_policy_free(p);
	return 0;
}
