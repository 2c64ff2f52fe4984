/*
 * Fuzz target: su's command line as pam_gatekeeper.so parses it (NUL
 * separates the words; the first byte picks POSIXLY_CORRECT), then the
 * argv su would execute. Checks the parser's promises: on success every
 * pointer it hands out is a word of the input (or inside one), on failure
 * nothing is left to free; the argv built starts with the shell's name.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "alloc_fail.h"
#include "buf.h"
#include "../../pam_module/suargs.h"

static int
inside(const char *p, const char *buf, size_t len)
{
	return p == NULL || (p >= buf && p < buf + len);
}

int
gk_fuzz_one(const uint8_t *data, size_t len)
{
	struct gk_su_cmd c;
	char *buf, **v, **ops = NULL, **av = NULL, why[256];
	size_t i, n = 0, k;
	int argc = 0, posix;

	if (len < 1 || len > 4096)
		return 0;
	posix = data[0] & 1;
	data++;
	len--;
	if ((buf = malloc(len + 1)) == NULL)
		return 0;
	memcpy(buf, data, len);
	buf[len] = '\0';
	for (i = 0; i <= len; i++)
		if (buf[i] == '\0')
			argc++;
	if ((v = calloc((size_t)argc + 1, sizeof(*v))) == NULL) {
		free(buf);
		return 0;
	}
	for (i = 0, k = 0; i <= len; i += strlen(buf + i) + 1)
		v[k++] = buf + i;
	if (gk_su_parse(argc, v, posix, &c, &ops, why, sizeof(why)) != 0) {
		if (ops != NULL || strlen(why) == 0)
			abort();
	} else {
		if (!inside(c.user, buf, len + 1) ||
		    !inside(c.shell, buf, len + 1) ||
		    !inside(c.command, buf, len + 1))
			abort();
		for (i = 0; i < c.nargs; i++)
			if (!inside(c.args[i], buf, len + 1))
				abort();
		if (gk_su_argv(&c, "/bin/sh", &av, &n) == 0) {
			if (n < 1 || strcmp(av[0] + (c.login ? 1 : 0), "sh") != 0 ||
			    n != 1 + (size_t)c.fast + 2 * (c.command != NULL) +
			    c.nargs)
				abort();
			gk_strv_free(av, n);
		} else if (!gk_fa_failed())
			abort();
		free(ops);
	}
	free(v);
	free(buf);
	return 0;
}
