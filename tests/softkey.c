/*
 * softkey: a soft YubiKey for the tests and the demo. Never installed.
 *
 *   softkey new FILE        make a token; prints PUBLICID:PRIVATEID:AESKEY
 *   softkey otp FILE        print the next OTP and advance the saved counters
 *   softkey otp FILE --counter C --use U
 *                           print an OTP with exactly (C, U); saves nothing
 *   softkey show FILE       PUBLICID:PRIVATEID:AESKEY counter=C use=U
 *
 * The state file is plain text, mode 0600, replaced atomically (temp file
 * and rename) so a test killed half-way never leaves it torn.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>
#include <yubikey.h>

#include "msg.h"
#include "otp.h"

#define STATE_MAX	4096
#define CTR_MAX		0x7fff	/* 15 bits; the top bit means Caps Lock */
#define USE_MAX		0xff

struct softkey {
	char	 pubid[GK_OTP_PUBID_LEN + 1];
	uint8_t	 privid[GK_OTP_PRIVID_LEN];
	uint8_t	 key[GK_OTP_KEY_LEN];
	uint32_t counter;
	uint32_t use;
};

static void
usage(void)
{
	fprintf(stderr,
	    "usage: softkey new FILE\n"
	    "       softkey otp FILE [--counter C --use U]\n"
	    "       softkey show FILE\n");
	exit(2);
}

static void __attribute__((format(printf, 1, 2)))
warnmsg(const char *fmt, ...)
{
	va_list ap;

	fputs("softkey: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void
hex_encode(char *dst, const uint8_t *src, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		dst[2 * i] = digits[src[i] >> 4];
		dst[2 * i + 1] = digits[src[i] & 0xf];
	}
	dst[2 * n] = '\0';
}

static int
hex_nibble(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Exactly 2n lower-case hex digits into n bytes; -1 otherwise. */
static int
hex_decode(uint8_t *dst, const char *src, size_t n)
{
	size_t i;
	int hi, lo;

	if (strlen(src) != 2 * n)
		return -1;
	for (i = 0; i < n; i++) {
		if ((hi = hex_nibble(src[2 * i])) < 0 ||
		    (lo = hex_nibble(src[2 * i + 1])) < 0)
			return -1;
		dst[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

/* A decimal number in [0, max]; -1 otherwise. */
static int
parse_num(const char *s, unsigned long max, uint32_t *out)
{
	unsigned long v;
	char *end;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || *end != '\0' || v > max)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

static void
sync_dir_of(const char *path)
{
	char *copy;
	int fd;

	if ((copy = strdup(path)) == NULL)
		return;
	if ((fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC)) != -1) {
		(void)fsync(fd);
		close(fd);
	}
	free(copy);
}

/*
 * Writes the token to a temp file next to path, then renames it over path
 * (replace) or links it to path, which fails if path exists (create).
 */
static int
save(const char *path, const struct softkey *sk, int create)
{
	char text[512], tmp[PATH_MAX], privhex[2 * GK_OTP_PRIVID_LEN + 1];
	char keyhex[2 * GK_OTP_KEY_LEN + 1];
	int fd, n, rc = -1, e;

	hex_encode(privhex, sk->privid, sizeof(sk->privid));
	hex_encode(keyhex, sk->key, sizeof(sk->key));
	n = snprintf(text, sizeof(text),
	    "# gatekeeper soft YubiKey: for tests only\n"
	    "publicid %s\nprivateid %s\naeskey %s\ncounter %u\nuse %u\n",
	    sk->pubid, privhex, keyhex, (unsigned)sk->counter,
	    (unsigned)sk->use);
	sodium_memzero(privhex, sizeof(privhex));
	sodium_memzero(keyhex, sizeof(keyhex));
	if (n < 0 || (size_t)n >= sizeof(text)) {
		warnmsg("%s: state does not fit", path);
		goto out;
	}
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path) >=
	    sizeof(tmp)) {
		warnmsg("%s: path too long", path);
		goto out;
	}
	if ((fd = mkostemp(tmp, O_CLOEXEC)) == -1) {
		warnmsg("%s: %s", tmp, strerror(errno));
		goto out;
	}
	if (fchmod(fd, 0600) == -1 || gk_write_all(fd, text, (size_t)n) != 0 ||
	    fsync(fd) == -1) {
		e = errno;
		close(fd);
		unlink(tmp);
		warnmsg("%s: %s", tmp, strerror(e));
		goto out;
	}
	if (close(fd) == -1) {
		e = errno;
		unlink(tmp);
		warnmsg("%s: %s", tmp, strerror(e));
		goto out;
	}
	if (create) {
		if (link(tmp, path) == -1) {
			e = errno;
			unlink(tmp);
			warnmsg("%s: %s", path, e == EEXIST ?
			    "already exists; not overwriting" : strerror(e));
			goto out;
		}
		unlink(tmp);
	} else if (rename(tmp, path) == -1) {
		e = errno;
		unlink(tmp);
		warnmsg("%s: %s", path, strerror(e));
		goto out;
	}
	sync_dir_of(path);
	rc = 0;
out:
	sodium_memzero(text, sizeof(text));
	return rc;
}

static int
load(const char *path, struct softkey *sk)
{
	char text[STATE_MAX + 1], *line, *next, *val;
	int fd, rc = -1, seen = 0, bit, lineno = 0;
	size_t len = 0;
	ssize_t r;

	memset(sk, 0, sizeof(*sk));
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		warnmsg("%s: %s", path, strerror(errno));
		return -1;
	}
	while ((r = read(fd, text + len, sizeof(text) - len)) != 0) {
		if (r == -1) {
			if (errno == EINTR)
				continue;
			warnmsg("%s: %s", path, strerror(errno));
			close(fd);
			goto out;
		}
		len += (size_t)r;
		if (len == sizeof(text)) {
			warnmsg("%s: larger than %d bytes", path, STATE_MAX);
			close(fd);
			goto out;
		}
	}
	close(fd);
	text[len] = '\0';
	if (memchr(text, '\0', len) != NULL) {
		warnmsg("%s: not a softkey file (NUL byte)", path);
		goto out;
	}

	for (line = text; *line != '\0'; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		else
			next = line + strlen(line);
		lineno++;
		if (*line == '\0' || *line == '#')
			continue;
		if ((val = strchr(line, ' ')) == NULL)
			goto bad;
		*val++ = '\0';
		if (strcmp(line, "publicid") == 0) {
			bit = 1;
			if (!gk_modhex_valid(val, GK_OTP_PUBID_LEN))
				goto bad;
			memcpy(sk->pubid, val, GK_OTP_PUBID_LEN + 1);
		} else if (strcmp(line, "privateid") == 0) {
			bit = 2;
			if (hex_decode(sk->privid, val, sizeof(sk->privid)) == -1)
				goto bad;
		} else if (strcmp(line, "aeskey") == 0) {
			bit = 4;
			if (hex_decode(sk->key, val, sizeof(sk->key)) == -1)
				goto bad;
		} else if (strcmp(line, "counter") == 0) {
			bit = 8;
			if (parse_num(val, CTR_MAX, &sk->counter) == -1)
				goto bad;
		} else if (strcmp(line, "use") == 0) {
			bit = 16;
			if (parse_num(val, USE_MAX, &sk->use) == -1)
				goto bad;
		} else
			goto bad;
		if (seen & bit)
			goto bad;
		seen |= bit;
	}
	if (seen != 31) {
		warnmsg("%s: not a softkey file (a field is missing)", path);
		goto out;
	}
	rc = 0;
	goto out;
bad:
	/* The line number, never the line: it may hold the key. */
	warnmsg("%s:%d: not a softkey file", path, lineno);
out:
	sodium_memzero(text, sizeof(text));
	if (rc != 0)
		sodium_memzero(sk, sizeof(*sk));
	return rc;
}

static void
print_token(const struct softkey *sk, FILE *f)
{
	char privhex[2 * GK_OTP_PRIVID_LEN + 1], keyhex[2 * GK_OTP_KEY_LEN + 1];

	hex_encode(privhex, sk->privid, sizeof(sk->privid));
	hex_encode(keyhex, sk->key, sizeof(sk->key));
	fprintf(f, "%s:%s:%s", sk->pubid, privhex, keyhex);
	sodium_memzero(privhex, sizeof(privhex));
	sodium_memzero(keyhex, sizeof(keyhex));
}

/* The 44-character OTP for (ctr, use), with a random timestamp and nonce. */
static void
make_otp(const struct softkey *sk, uint32_t ctr, uint32_t use,
    char out[GK_OTP_LEN + 1])
{
	yubikey_token_st tok;
	uint8_t rnd[5];
	char token[YUBIKEY_OTP_SIZE + 1];	/* yubikey_generate adds a NUL */

	randombytes_buf(rnd, sizeof(rnd));
	memset(&tok, 0, sizeof(tok));
	memcpy(tok.uid, sk->privid, sizeof(tok.uid));
	tok.ctr = (uint16_t)ctr;
	tok.tstpl = (uint16_t)(rnd[0] | rnd[1] << 8);
	tok.tstph = rnd[2];
	tok.use = (uint8_t)use;
	tok.rnd = (uint16_t)(rnd[3] | rnd[4] << 8);
	tok.crc = (uint16_t)~yubikey_crc16((const uint8_t *)&tok,
	    sizeof(tok) - sizeof(tok.crc));
	yubikey_generate(&tok, sk->key, token);
	memcpy(out, sk->pubid, GK_OTP_PUBID_LEN);
	memcpy(out + GK_OTP_PUBID_LEN, token, YUBIKEY_OTP_SIZE + 1);
	sodium_memzero(&tok, sizeof(tok));
	sodium_memzero(token, sizeof(token));
	sodium_memzero(rnd, sizeof(rnd));
}

static int
cmd_new(const char *path)
{
	struct softkey sk;
	uint8_t pub[GK_OTP_PUBID_LEN / 2];
	int rc = 1;

	memset(&sk, 0, sizeof(sk));
	randombytes_buf(pub, sizeof(pub));
	yubikey_modhex_encode(sk.pubid, (const char *)pub, sizeof(pub));
	randombytes_buf(sk.privid, sizeof(sk.privid));
	randombytes_buf(sk.key, sizeof(sk.key));
	sk.counter = 1;
	sk.use = 0;
	if (save(path, &sk, 1) == 0) {
		print_token(&sk, stdout);
		putchar('\n');
		rc = 0;
	}
	sodium_memzero(&sk, sizeof(sk));
	return rc;
}

static int
cmd_otp(const char *path, int fixed, uint32_t ctr, uint32_t use)
{
	struct softkey sk;
	char otp[GK_OTP_LEN + 1];
	int rc = 1;

	if (load(path, &sk) == -1)
		return 1;
	if (!fixed) {
		ctr = sk.counter;
		use = sk.use;
		/* Save the next state before the OTP is out, so no OTP is
		 * ever printed twice. */
		if (sk.use < USE_MAX)
			sk.use++;
		else if (sk.counter < CTR_MAX) {
			sk.counter++;
			sk.use = 0;
		} else {
			warnmsg("%s: counters exhausted", path);
			goto out;
		}
		if (save(path, &sk, 0) == -1)
			goto out;
	}
	make_otp(&sk, ctr, use, otp);
	printf("%s\n", otp);
	sodium_memzero(otp, sizeof(otp));
	rc = 0;
out:
	sodium_memzero(&sk, sizeof(sk));
	return rc;
}

static int
cmd_show(const char *path)
{
	struct softkey sk;

	if (load(path, &sk) == -1)
		return 1;
	print_token(&sk, stdout);
	printf(" counter=%u use=%u\n", (unsigned)sk.counter, (unsigned)sk.use);
	sodium_memzero(&sk, sizeof(sk));
	return 0;
}

int
main(int argc, char **argv)
{
	uint32_t ctr = 0, use = 0;
	int i, have_ctr = 0, have_use = 0, rc;

	if (argc < 3)
		usage();
	if (sodium_init() < 0) {
		warnmsg("libsodium failed to initialise");
		return 1;
	}
	if (strcmp(argv[1], "new") == 0 && argc == 3)
		rc = cmd_new(argv[2]);
	else if (strcmp(argv[1], "show") == 0 && argc == 3)
		rc = cmd_show(argv[2]);
	else if (strcmp(argv[1], "otp") == 0) {
		for (i = 3; i < argc; i += 2) {
			if (i + 1 >= argc)
				usage();
			/* C may carry the Caps Lock bit (0x8000). */
			if (strcmp(argv[i], "--counter") == 0 && !have_ctr &&
			    parse_num(argv[i + 1], 0xffff, &ctr) == 0)
				have_ctr = 1;
			else if (strcmp(argv[i], "--use") == 0 && !have_use &&
			    parse_num(argv[i + 1], USE_MAX, &use) == 0)
				have_use = 1;
			else
				usage();
		}
		if (have_ctr != have_use)
			usage();
		rc = cmd_otp(argv[2], have_ctr, ctr, use);
	} else
		usage();
	if (fflush(stdout) == EOF || ferror(stdout)) {
		warnmsg("write error on stdout");
		return 1;
	}
	return rc;
}
