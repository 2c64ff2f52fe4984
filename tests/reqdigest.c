#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "proto.h"
#include "reqdigest.h"

int
gk_test_request_digest(int fd, int64_t id, uint8_t digest[GK_DIGEST_LEN])
{
	struct gk_request_fields f;
	struct gk_msg m;
	char **argv, **paths;
	size_t argc, npaths;
	const char *s;
	int r = -1;

	gk_msg_begin(&m, GK_T_SHOW);
	gk_msg_add_i64(&m, "id", id);
	if (gk_client_send(fd, &m) != 0 || gk_client_recv(fd, &m) != 0)
		return -1;
	if (m.type != GK_T_ITEM) {
		gk_msg_free(&m);
		return -1;
	}
	memset(&f, 0, sizeof(f));
	argv = gk_msg_strv(&m, "arg", &argc);
	paths = gk_msg_strv(&m, "path", &npaths);
	f.host_id = gk_msg_str(&m, "host");
	f.number = strtoull(gk_msg_str(&m, "id"), NULL, 10);
	f.uid = (uint32_t)strtoul(gk_msg_str(&m, "uid"), NULL, 10);
	f.user = gk_msg_str(&m, "user");
	f.argc = argc;
	f.argv = argv;
	f.exe_path = gk_msg_str(&m, "exe");
	f.cwd = gk_msg_str(&m, "cwd");
	f.npaths = npaths;
	f.paths = paths;
	f.run_as = gk_msg_str(&m, "run_as");
	f.rule = gk_msg_str(&m, "rule");
	f.reason = gk_msg_str(&m, "reason");
	f.created = strtoll(gk_msg_str(&m, "created"), NULL, 10);
	f.expires = strtoll(gk_msg_str(&m, "expires"), NULL, 10);
	if ((s = gk_msg_str(&m, "nonce")) != NULL &&
	    gk_unhex(s, f.nonce, GK_NONCE_LEN) == 0 &&
	    (s = gk_msg_str(&m, "exe_hash")) != NULL &&
	    gk_unhex(s, f.exe_hash, GK_DIGEST_LEN) == 0)
		r = gk_request_digest(&f, digest);
	free(argv);
	free(paths);
	gk_msg_free(&m);
	return r;
}
