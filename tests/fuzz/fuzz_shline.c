/*
 * Fuzz target: gk-shell's line parser, then expansion (without globbing,
 * so the file system is not walked) of every command and redirection.
 */
#include <stdint.h>
#include <stdlib.h>

#include "alloc_fail.h"
#include "policy.h"
#include "shline.h"


int
gk_fuzz_one(const uint8_t *data, size_t len)
{
	static const struct gk_sh_vars v = { "/home/f", "f", "/tmp", NULL, NULL };
	struct gk_sh_line l;
	char err[256], **argv, *f;
	size_t i, j, k, argc;

	if (gk_sh_parse((const char *)data, len, &l, err, sizeof(err)) != 0)
		return 0;
	for (i = 0; i < l.npipes; i++)
		for (j = 0; j < l.pipes[i].ncmds; j++) {
			const struct gk_sh_cmd *c = &l.pipes[i].cmds[j];

			if (c->nwords == 0)
				abort();	/* the parser promises a command */
			if (gk_sh_expand(c->words, c->nwords, &v, GK_SH_NOGLOB,
			    &argv, &argc, err, sizeof(err)) == 0) {
				if (argv[argc] != NULL)
					abort();
				gk_strv_free(argv, argc);
			}
			for (k = 0; k < c->nredirs; k++)
				if (c->redirs[k].op != GK_SH_DUP &&
				    gk_sh_expand_one(&c->redirs[k].target, &v,
				    GK_SH_NOGLOB, &f, err, sizeof(err)) == 0)
					free(f);
		}
	gk_sh_line_free(&l);
	return 0;
}
