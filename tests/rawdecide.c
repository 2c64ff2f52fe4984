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
#include "reqdigest.h"

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
	    gk_test_request_digest(fd, strtoll(argv[3], NULL, 10), digest) != 0) {
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
