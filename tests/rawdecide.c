/*
 * A test-only approver client that can lie: it signs the digest of one
 * request and sends the decision for another, to show the daemon refuses
 * a signature moved between requests. Never installed.
 *
 *   rawdecide keygen SKFILE              prints ed25519:PUBHEX
 *   rawdecide SOCKET SEND_ID SIGN_ID SKFILE NAME OTP
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "canon.h"
#include "client.h"
#include "proto.h"

static int
digest_of(int fd, const char *id, uint8_t digest[GK_DIGEST_LEN])
{
	struct gk_request_fields f;
	struct gk_msg m;
	char **argv, **paths;
	size_t argc, npaths;
	const char *s;
	int r;

	gk_msg_begin(&m, GK_T_SHOW);
	gk_msg_add_str(&m, "id", id);
	if (gk_client_send(fd, &m) != 0 || gk_client_recv(fd, &m) != 0 ||
	    m.type != GK_T_ITEM)
		return -1;
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
	if ((s = gk_msg_str(&m, "nonce")) == NULL ||
	    gk_unhex(s, f.nonce, GK_NONCE_LEN) != 0 ||
	    (s = gk_msg_str(&m, "exe_hash")) == NULL ||
	    gk_unhex(s, f.exe_hash, GK_DIGEST_LEN) != 0)
		return -1;
	r = gk_request_digest(&f, digest);
	free(argv);
	free(paths);
	gk_msg_free(&m);
	return r;
}

int
main(int argc, char **argv)
{
	uint8_t pk[32], sk[64], digest[GK_DIGEST_LEN], sig[64];
	char hex[65];
	struct gk_buf b;
	struct gk_msg m;
	int64_t now = time(NULL);
	int fd;

	if (sodium_init() < 0)
		return 1;
	if (argc == 3 && strcmp(argv[1], "keygen") == 0) {
		crypto_sign_keypair(pk, sk);
		if ((fd = open(argv[2], O_WRONLY | O_CREAT | O_EXCL, 0600)) == -1 ||
		    write(fd, sk, sizeof(sk)) != (ssize_t)sizeof(sk))
			return 1;
		close(fd);
		gk_hex(pk, sizeof(pk), hex);
		printf("ed25519:%s\n", hex);
		return 0;
	}
	if (argc != 7) {
		fprintf(stderr, "usage: rawdecide SOCKET SEND_ID SIGN_ID SKFILE "
		    "NAME OTP\n");
		return 2;
	}
	if ((fd = open(argv[4], O_RDONLY)) == -1 ||
	    read(fd, sk, sizeof(sk)) != (ssize_t)sizeof(sk))
		return 1;
	close(fd);
	if ((fd = gk_client_connect(argv[1])) == -1 ||
	    digest_of(fd, argv[3], digest) != 0) {
		fprintf(stderr, "rawdecide: cannot read request %s\n", argv[3]);
		return 1;
	}
	gk_buf_init(&b, 4096);
	gk_approval_message(&b, digest, "approve", argv[6], argv[5], now);
	crypto_sign_detached(sig, NULL, b.data, b.len, sk);
	gk_buf_free(&b);
	gk_msg_begin(&m, GK_T_DECIDE);
	gk_msg_add_str(&m, "id", argv[2]);
	gk_msg_add_str(&m, "decision", "approve");
	gk_msg_add_str(&m, "otp", argv[6]);
	gk_msg_add(&m, "sig", sig, sizeof(sig));
	gk_msg_add_i64(&m, "time", now);
	if (gk_client_send(fd, &m) != 0 || gk_client_recv(fd, &m) != 0)
		return 1;
	if (m.type != GK_T_OK) {
		fprintf(stderr, "rawdecide: %s\n", gk_msg_str(&m, "message") ?
		    gk_msg_str(&m, "message") : "refused");
		gk_msg_free(&m);
		return 1;
	}
	gk_msg_free(&m);
	return 0;
}
