/*
 * gk-approve: the approver's tool (DESIGN.md sections 3 and 5).
 *
 *   gk-approve [-s SOCKET] keygen [--key FILE] [--no-passphrase]
 *   gk-approve [-s SOCKET] list [--json]
 *   gk-approve [-s SOCKET] show ID
 *   gk-approve [-s SOCKET] approve ID [--otp -] [--key FILE]
 *   gk-approve [-s SOCKET] deny ID [--reason TEXT] [--otp -] [--key FILE]
 *
 * Exit: 0 ok, 1 refused or error, 2 usage, 69 daemon unreachable.
 *
 * MUST:
 * - sign only the digest recomputed here from the fields it shows, and
 *   refuse a request whose recomputed digest is not the daemon's;
 * - show every string from the daemon escaped, never raw;
 * - never print, log or keep the OTP, the passphrase or the secret key:
 *   they live in sodium_malloc'd memory, wiped when freed;
 * - take the OTP from stdin (--otp -) or the terminal only, never from
 *   argv, where every local user reads it (/proc/PID/cmdline);
 * - accept only a key file owned by the caller with no group/other bits;
 * - exit 0 from approve/deny only when the daemon answered OK.
 */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pwd.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "canon.h"
#include "client.h"
#include "escape.h"
#include "gk_audit_text.h"
#include "gk_err.h"
#include "msg.h"
#include "otp.h"
#include "proto.h"
#include "safefile.h"

#define EXIT_USAGE	2
#define KEY_MAGIC	"gatekeeper-approver-key v1"
#define KEY_FILE_MAX	4096
#define KEY_TEXT_MAX	1024
#define PASS_MAX	1024
#define OTP_BUF		128
#define KDF_OPS		crypto_pwhash_OPSLIMIT_INTERACTIVE
#define KDF_MEM		crypto_pwhash_MEMLIMIT_INTERACTIVE
#define SEALED_LEN	(crypto_secretbox_MACBYTES + crypto_sign_SEEDBYTES)

static const char *sock_opt;

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr,
	    "usage: gk-approve [-s SOCKET] keygen [--key FILE] [--no-passphrase]\n"
	    "       gk-approve [-s SOCKET] list [--json]\n"
	    "       gk-approve [-s SOCKET] show ID\n"
	    "       gk-approve [-s SOCKET] approve ID [--otp -] [--key FILE]\n"
	    "       gk-approve [-s SOCKET] deny ID [--reason TEXT] [--otp -]"
	    " [--key FILE]\n");
	exit(EXIT_USAGE);
}

static void *
secret_alloc(size_t n)
{
	void *p;

	if ((p = sodium_malloc(n)) == NULL)
		errx(1, "out of memory");
	sodium_memzero(p, n);
	return p;
}

static int
parse_id(const char *s, uint64_t *v)
{
	uint64_t x = 0;
	size_t i;

	if (s[0] == '\0' || strlen(s) > 18 || s[0] == '0')
		return -1;
	for (i = 0; s[i] != '\0'; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		x = x * 10 + (uint64_t)(s[i] - '0');
	}
	*v = x;
	return 0;
}

static void
fmt_time(int64_t t, char *out, size_t n)
{
	struct tm tm;
	time_t tt = (time_t)t;

	if (localtime_r(&tt, &tm) == NULL ||
	    strftime(out, n, "%Y-%m-%d %H:%M:%S", &tm) == 0)
		snprintf(out, n, "%" PRId64, t);
}

static void
fmt_left(int64_t expires, char *out, size_t n)
{
	long long s = (long long)(expires - (int64_t)time(NULL));

	if (s <= 0)
		snprintf(out, n, "expired");
	else if (s < 60)
		snprintf(out, n, "expires in %llds", s);
	else if (s < 3600)
		snprintf(out, n, "expires in %lldm", s / 60);
	else if (s < 86400)
		snprintf(out, n, "expires in %lldh%02lldm", s / 3600,
		    s % 3600 / 60);
	else
		snprintf(out, n, "expires in %lldd%lldh", s / 86400,
		    s % 86400 / 3600);
}

/* Terminal and secret input --------------------------------------------- */

static int tty_fd = -1;
static struct termios tty_saved;
static volatile sig_atomic_t tty_dirty;

static void
tty_signal(int sig)
{
	if (tty_dirty)
		tcsetattr(tty_fd, TCSANOW, &tty_saved);
	signal(sig, SIG_DFL);
	raise(sig);
}

/*
 * Reads one line from fd into buf without the newline (and a CR before
 * it). Returns its length, -1 on error or end of input before any byte,
 * -2 when the line does not fit (the rest of it is read and dropped).
 */
static ssize_t
read_line_fd(int fd, char *buf, size_t size)
{
	size_t n = 0;
	ssize_t r;
	char c;
	int over = 0, any = 0;

	for (;;) {
		if ((r = read(fd, &c, 1)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (r == 0) {
			if (!any)
				return -1;
			break;
		}
		any = 1;
		if (c == '\n')
			break;
		if (n + 1 < size)
			buf[n++] = c;
		else
			over = 1;
	}
	c = 0;
	if (n > 0 && buf[n - 1] == '\r')
		n--;
	buf[n] = '\0';
	return over ? -2 : (ssize_t)n;
}

/* Asks on /dev/tty with echo off. Returns the length or a negative value
 * as read_line_fd, or -3 when there is no terminal. */
static ssize_t
read_tty_secret(const char *prompt, char *buf, size_t size)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };
	struct sigaction sa, old[4];
	struct termios t;
	ssize_t n;
	size_t i;

	if ((tty_fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC)) == -1)
		return -3;
	if (tcgetattr(tty_fd, &tty_saved) == -1) {
		close(tty_fd);
		tty_fd = -1;
		return -3;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = tty_signal;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < 4; i++)
		sigaction(sigs[i], &sa, &old[i]);
	t = tty_saved;
	t.c_lflag &= ~(tcflag_t)(ECHO | ECHOE | ECHOK | ECHONL);
	t.c_lflag |= ICANON;
	tty_dirty = 1;
	/* TCSADRAIN, not TCSAFLUSH: keep what a YubiKey typed ahead. */
	tcsetattr(tty_fd, TCSADRAIN, &t);
	if (write(tty_fd, prompt, strlen(prompt)) == -1) {
		/* nothing to do: the read still works */
	}
	n = read_line_fd(tty_fd, buf, size);
	tcsetattr(tty_fd, TCSADRAIN, &tty_saved);
	tty_dirty = 0;
	if (write(tty_fd, "\n", 1) == -1) {
		/* as above */
	}
	for (i = 0; i < 4; i++)
		sigaction(sigs[i], &old[i], NULL);
	close(tty_fd);
	tty_fd = -1;
	return n;
}

/* The OTP from stdin (--otp -, arg not NULL) or the terminal, checked
 * for form. */
static void
get_otp(const char *arg, char *otp, size_t size)
{
	char pubid[GK_OTP_PUBID_LEN + 1];
	enum gk_otp_result r;
	ssize_t n;

	if (arg != NULL) {
		if ((n = read_line_fd(STDIN_FILENO, otp, size)) == -2)
			errx(1, "the OTP on standard input is too long");
		if (n < 0)
			errx(1, "no OTP on standard input");
	} else {
		if ((n = read_tty_secret("touch your YubiKey: ", otp, size)) == -3)
			errx(1, "no terminal to ask for the OTP on (use --otp - "
			    "and give it on standard input)");
		if (n == -2)
			errx(1, "the OTP is too long to be a YubiKey OTP");
		if (n < 0)
			errx(1, "no OTP entered");
	}
	if ((r = gk_otp_parse(otp, pubid)) != GK_OTP_OK)
		errx(1, "that is not a usable YubiKey OTP: %s",
		    gk_otp_strerror(r));
}

/* Key files -------------------------------------------------------------- */

struct approver_key {
	int		 encrypted;
	uint8_t		 pk[crypto_sign_PUBLICKEYBYTES];
	uint8_t		*seed;		/* sodium_malloc'd; set once usable */
	unsigned long long ops;
	size_t		 mem;
	uint8_t		 salt[crypto_pwhash_SALTBYTES];
	uint8_t		 nonce[crypto_secretbox_NONCEBYTES];
	uint8_t		 sealed[SEALED_LEN];
};

static void
key_free(struct approver_key *k)
{
	if (k->seed != NULL)
		sodium_free(k->seed);
	sodium_memzero(k, sizeof(*k));
}

static void
home_dir(char *out, size_t n)
{
	const char *h = getenv("HOME");
	struct passwd *pw;

	if (h == NULL || h[0] != '/') {
		if ((pw = getpwuid(getuid())) == NULL || pw->pw_dir[0] != '/')
			errx(1, "cannot find your home directory (use --key)");
		h = pw->pw_dir;
	}
	if ((size_t)snprintf(out, n, "%s", h) >= n)
		errx(1, "home directory path too long (use --key)");
}

static void
default_key_path(char *out, size_t n, int create)
{
	char home[4096], dir[4200];

	home_dir(home, sizeof(home));
	if (create) {
		snprintf(dir, sizeof(dir), "%s/.config", home);
		if (mkdir(dir, 0700) == -1 && errno != EEXIST)
			err(1, "%s", dir);
		snprintf(dir, sizeof(dir), "%s/.config/gatekeeper", home);
		if (mkdir(dir, 0700) == -1 && errno != EEXIST)
			err(1, "%s", dir);
	}
	if ((size_t)snprintf(out, n, "%s/.config/gatekeeper/approver.key",
	    home) >= n)
		errx(1, "home directory path too long (use --key)");
}

static int
parse_ull(const char **p, unsigned long long *v)
{
	char *end;

	if (**p < '0' || **p > '9')
		return -1;
	errno = 0;
	*v = strtoull(*p, &end, 10);
	if (errno != 0)
		return -1;
	*p = end;
	return 0;
}

/* "argon2id13 ops=N mem=N salt=HEX" */
static int
parse_kdf(const char *v, struct approver_key *k)
{
	unsigned long long ops, mem;
	char hex[2 * crypto_pwhash_SALTBYTES + 1];

	if (strncmp(v, "argon2id13 ops=", 15) != 0)
		return -1;
	v += 15;
	if (parse_ull(&v, &ops) != 0 || strncmp(v, " mem=", 5) != 0)
		return -1;
	v += 5;
	if (parse_ull(&v, &mem) != 0 || strncmp(v, " salt=", 6) != 0)
		return -1;
	v += 6;
	if (strlen(v) != sizeof(hex) - 1)
		return -1;
	memcpy(hex, v, sizeof(hex));
	if (gk_unhex(hex, k->salt, sizeof(k->salt)) != 0)
		return -1;
	/* The file is the caller's own, but bound what it can make us do. */
	if (ops < crypto_pwhash_OPSLIMIT_MIN ||
	    ops > crypto_pwhash_OPSLIMIT_SENSITIVE * 4 ||
	    mem < crypto_pwhash_MEMLIMIT_MIN ||
	    mem > crypto_pwhash_MEMLIMIT_SENSITIVE)
		return -1;
	k->ops = ops;
	k->mem = (size_t)mem;
	return 0;
}

/* Parses a key file's text (modified in place). Returns NULL or why not. */
static const char *
key_parse(char *text, size_t len, struct approver_key *k)
{
	enum { PUB = 1, SEED = 2, KDF = 4, NONCE = 8, SEALED = 16 };
	uint8_t pk[crypto_sign_PUBLICKEYBYTES];
	uint8_t *sk;
	char *line, *next, *val;
	int seen = 0, bit;

	if (strlen(text) != len)
		return "it holds a NUL byte";
	if ((next = strchr(text, '\n')) == NULL)
		return "no header line";
	*next++ = '\0';
	if (strcmp(text, KEY_MAGIC) == 0)
		k->encrypted = 0;
	else if (strcmp(text, KEY_MAGIC " encrypted") == 0)
		k->encrypted = 1;
	else
		return "the first line is not \"" KEY_MAGIC "\"";
	while ((line = next) != NULL && *line != '\0') {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		if ((val = strchr(line, ' ')) == NULL)
			return "a line without a value";
		*val++ = '\0';
		if (strcmp(line, "public") == 0) {
			bit = PUB;
			if (strncmp(val, "ed25519:", 8) != 0 ||
			    gk_unhex(val + 8, k->pk, sizeof(k->pk)) != 0)
				return "bad public key";
		} else if (strcmp(line, "seed") == 0 && !k->encrypted) {
			bit = SEED;
			if (k->seed == NULL)
				k->seed = secret_alloc(crypto_sign_SEEDBYTES);
			if (gk_unhex(val, k->seed, crypto_sign_SEEDBYTES) != 0)
				return "bad secret key";
		} else if (strcmp(line, "kdf") == 0 && k->encrypted) {
			bit = KDF;
			if (parse_kdf(val, k) != 0)
				return "bad kdf line";
		} else if (strcmp(line, "nonce") == 0 && k->encrypted) {
			bit = NONCE;
			if (gk_unhex(val, k->nonce, sizeof(k->nonce)) != 0)
				return "bad nonce";
		} else if (strcmp(line, "sealed") == 0 && k->encrypted) {
			bit = SEALED;
			if (gk_unhex(val, k->sealed, sizeof(k->sealed)) != 0)
				return "bad sealed key";
		} else
			return "an unknown line";
		if (seen & bit)
			return "a repeated line";
		seen |= bit;
	}
	if (seen != (k->encrypted ? PUB | KDF | NONCE | SEALED : PUB | SEED))
		return "a line is missing";
	if (!k->encrypted) {
		sk = secret_alloc(crypto_sign_SECRETKEYBYTES);
		crypto_sign_seed_keypair(pk, sk, k->seed);
		sodium_free(sk);
		if (sodium_memcmp(pk, k->pk, sizeof(pk)) != 0)
			return "its public and secret keys do not match";
	}
	return NULL;
}

/* Opens and parses path, refusing a file anyone but us could read. */
static void
key_load(const char *path, struct approver_key *k)
{
	char why[512], *text;
	const char *bad;
	size_t len;
	int fd, r;

	memset(k, 0, sizeof(*k));
	if ((fd = gk_safe_open(path, 0, getuid(), S_IRWXG | S_IRWXO, NULL, why,
	    sizeof(why))) < 0) {
		if (fd == GK_ERR_NOTFOUND)
			errx(1, "%s: no such key file (make one with "
			    "\"gk-approve keygen\")", path);
		errx(1, "refusing the key file: %s", why);
	}
	r = gk_read_fd(fd, KEY_FILE_MAX, &text, &len);
	close(fd);
	if (r != 0)
		errx(1, "%s: cannot read the key file: %s", path, gk_strerror(r));
	bad = key_parse(text, len, k);
	sodium_memzero(text, len);
	free(text);
	if (bad != NULL)
		errx(1, "%s: not a valid approver key file: %s", path, bad);
}

/* Decrypts an encrypted key with a passphrase asked on the terminal. */
static void
key_unlock(const char *path, struct approver_key *k)
{
	uint8_t pk[crypto_sign_PUBLICKEYBYTES], *box, *sk;
	char *pass, prompt[4400];
	ssize_t n;
	int tries, ok = 0;

	if (!k->encrypted)
		return;
	pass = secret_alloc(PASS_MAX);
	box = secret_alloc(crypto_secretbox_KEYBYTES);
	k->seed = secret_alloc(crypto_sign_SEEDBYTES);
	snprintf(prompt, sizeof(prompt), "passphrase for %s: ", path);
	for (tries = 0; tries < 3 && !ok; tries++) {
		if ((n = read_tty_secret(prompt, pass, PASS_MAX)) == -3)
			errx(1, "%s is encrypted and there is no terminal to ask "
			    "the passphrase on", path);
		if (n < 0)
			errx(1, "no passphrase entered");
		if (crypto_pwhash(box, crypto_secretbox_KEYBYTES, pass,
		    (unsigned long long)n, k->salt, k->ops, k->mem,
		    crypto_pwhash_ALG_ARGON2ID13) != 0)
			errx(1, "deriving the key from the passphrase: out of "
			    "memory");
		sodium_memzero(pass, PASS_MAX);
		if (crypto_secretbox_open_easy(k->seed, k->sealed, SEALED_LEN,
		    k->nonce, box) == 0)
			ok = 1;
		else
			fprintf(stderr, "gk-approve: wrong passphrase\n");
	}
	sodium_free(box);
	sodium_free(pass);
	if (!ok)
		errx(1, "%s: wrong passphrase", path);
	sk = secret_alloc(crypto_sign_SECRETKEYBYTES);
	crypto_sign_seed_keypair(pk, sk, k->seed);
	sodium_free(sk);
	if (sodium_memcmp(pk, k->pk, sizeof(pk)) != 0)
		errx(1, "%s: its public and secret keys do not match", path);
}

static int
cmd_keygen(int argc, char **argv)
{
	uint8_t pk[crypto_sign_PUBLICKEYBYTES], *sk, *seed, *box;
	uint8_t salt[crypto_pwhash_SALTBYTES], nonce[crypto_secretbox_NONCEBYTES];
	uint8_t sealed[SEALED_LEN];
	char path[4300], pkhex[2 * sizeof(pk) + 1], salthex[2 * sizeof(salt) + 1];
	char noncehex[2 * sizeof(nonce) + 1], sealedhex[2 * SEALED_LEN + 1];
	char *pass, *pass2, *text, *seedhex;
	const char *key = NULL;
	struct stat st;
	ssize_t n, n2;
	int i, fd, encrypt, nopass = 0, e;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--key") == 0 && i + 1 < argc)
			key = argv[++i];
		else if (strcmp(argv[i], "--no-passphrase") == 0)
			nopass = 1;
		else
			usage();
	}
	if (key == NULL)
		default_key_path(path, sizeof(path), 1);
	else if ((size_t)snprintf(path, sizeof(path), "%s", key) >= sizeof(path))
		errx(1, "key path too long");
	if (lstat(path, &st) == 0)
		errx(1, "%s already exists; not overwriting it", path);
	encrypt = !nopass && isatty(STDIN_FILENO);

	sk = secret_alloc(crypto_sign_SECRETKEYBYTES);
	seed = secret_alloc(crypto_sign_SEEDBYTES);
	text = secret_alloc(KEY_TEXT_MAX);
	seedhex = secret_alloc(2 * crypto_sign_SEEDBYTES + 1);
	crypto_sign_keypair(pk, sk);
	crypto_sign_ed25519_sk_to_seed(seed, sk);
	sodium_free(sk);
	gk_hex(pk, sizeof(pk), pkhex);

	if (encrypt) {
		pass = secret_alloc(PASS_MAX);
		pass2 = secret_alloc(PASS_MAX);
		n = read_tty_secret("passphrase for the new key: ", pass, PASS_MAX);
		if (n == -3)
			errx(1, "no terminal to ask a passphrase on (use "
			    "--no-passphrase)");
		if (n < 0)
			errx(1, "no passphrase entered");
		if (n == 0)
			errx(1, "empty passphrase (use --no-passphrase for an "
			    "unencrypted key)");
		n2 = read_tty_secret("the same passphrase again: ", pass2,
		    PASS_MAX);
		if (n2 != n || sodium_memcmp(pass, pass2, (size_t)n) != 0)
			errx(1, "the passphrases differ");
		sodium_free(pass2);
		box = secret_alloc(crypto_secretbox_KEYBYTES);
		randombytes_buf(salt, sizeof(salt));
		randombytes_buf(nonce, sizeof(nonce));
		if (crypto_pwhash(box, crypto_secretbox_KEYBYTES, pass,
		    (unsigned long long)n, salt, KDF_OPS, KDF_MEM,
		    crypto_pwhash_ALG_ARGON2ID13) != 0)
			errx(1, "deriving the key from the passphrase: out of "
			    "memory");
		sodium_free(pass);
		crypto_secretbox_easy(sealed, seed, crypto_sign_SEEDBYTES, nonce,
		    box);
		sodium_free(box);
		gk_hex(salt, sizeof(salt), salthex);
		gk_hex(nonce, sizeof(nonce), noncehex);
		gk_hex(sealed, sizeof(sealed), sealedhex);
		snprintf(text, KEY_TEXT_MAX, "%s encrypted\npublic ed25519:%s\n"
		    "kdf argon2id13 ops=%llu mem=%zu salt=%s\nnonce %s\n"
		    "sealed %s\n", KEY_MAGIC, pkhex,
		    (unsigned long long)KDF_OPS, (size_t)KDF_MEM, salthex,
		    noncehex, sealedhex);
	} else {
		gk_hex(seed, crypto_sign_SEEDBYTES, seedhex);
		snprintf(text, KEY_TEXT_MAX, "%s\npublic ed25519:%s\nseed %s\n",
		    KEY_MAGIC, pkhex, seedhex);
	}
	sodium_free(seedhex);
	sodium_free(seed);

	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0600)) == -1) {
		if (errno == EEXIST)
			errx(1, "%s already exists; not overwriting it", path);
		err(1, "%s", path);
	}
	if (fchmod(fd, 0600) == -1 || gk_write_all(fd, text, strlen(text)) != 0 ||
	    fsync(fd) == -1 || close(fd) == -1) {
		e = errno;
		unlink(path);
		errno = e;
		err(1, "writing %s", path);
	}
	sodium_free(text);
	fprintf(stderr, "gk-approve: secret key written to %s (%s)\n", path,
	    encrypt ? "encrypted with your passphrase" : "not encrypted");
	printf("ed25519:%s\n", pkhex);
	return gk_client_finish_stdout(0);
}

/* Talking to the daemon -------------------------------------------------- */

static void
daemon_send(int fd, struct gk_msg *m)
{
	int r;

	if ((r = gk_client_send(fd, m)) != 0)
		errx(1, "sending to gatekeeperd: %s", r == GK_ERR_SYSTEM ?
		    strerror(errno) : gk_strerror(r));
}

static void
daemon_recv(int fd, struct gk_msg *m)
{
	int r;

	if ((r = gk_client_recv(fd, m)) == GK_ERR_SHORT)
		errx(1, "gatekeeperd closed the connection");
	if (r != 0)
		errx(1, "bad reply from gatekeeperd: %s", r == GK_ERR_SYSTEM ?
		    strerror(errno) : gk_strerror(r));
}

/* An ERROR reply: its message, escaped, and exit 1. */
static void __attribute__((noreturn))
daemon_refused(const struct gk_msg *m, const char *context)
{
	const char *s = gk_msg_str(m, "message");
	char *shown;

	if (s == NULL || *s == '\0')
		s = gk_msg_str(m, "code");
	if (s == NULL)
		s = "error";
	shown = gk_client_must(gk_audit_text_filter(s, strlen(s)));
	errx(1, "%s: %s", context, shown);
}

static void __attribute__((noreturn))
unexpected(const struct gk_msg *m)
{
	errx(1, "unexpected reply from gatekeeperd (message type %u)",
	    (unsigned)m->type);
}

static void __attribute__((noreturn))
malformed(const char *key)
{
	errx(1, "malformed reply from gatekeeperd: no valid \"%s\" field", key);
}

static const char *
need_str(const struct gk_msg *m, const char *key)
{
	const char *s;

	if ((s = gk_msg_str(m, key)) == NULL)
		malformed(key);
	return s;
}

static uint64_t
need_u64(const struct gk_msg *m, const char *key, uint64_t max)
{
	uint64_t v;

	if (gk_msg_u64(m, key, max, &v) != 0)
		malformed(key);
	return v;
}

static void
need_hex(const struct gk_msg *m, const char *key, uint8_t *out, size_t n)
{
	if (gk_unhex(need_str(m, key), out, n) != 0)
		malformed(key);
}

static char **
need_strv(const struct gk_msg *m, const char *key, size_t *n)
{
	char **v;

	if ((v = gk_msg_strv(m, key, n)) == NULL)
		malformed(key);
	return v;
}

static char *
name_of(const char *s)
{
	return gk_client_must(gk_audit_text_name(s, strlen(s)));
}

/* list ------------------------------------------------------------------- */

#define LIST_COLS	6

struct list_row {
	char	*c[LIST_COLS];	/* id, user, rule, n/need, expiry, command */
};

static void
list_json(const struct gk_msg *m, uint64_t id, char **argv, size_t argc,
    const char *cmd)
{
	const char *keys[] = { "state", "user", "rule", "fingerprint" };
	const char *s;
	size_t i;

	printf("{\"id\":%" PRIu64, id);
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		if ((s = gk_msg_str(m, keys[i])) == NULL)
			continue;
		printf(",\"%s\":", keys[i]);
		gk_audit_json_str(stdout, s, strlen(s));
	}
	printf(",\"approvals\":%" PRIu64 ",\"need\":%" PRIu64 ",\"expires\":%"
	    PRIu64 ",\"expires_in\":%lld,\"argv\":[",
	    need_u64(m, "approvals", UINT32_MAX), need_u64(m, "need", UINT32_MAX),
	    need_u64(m, "expires", INT64_MAX),
	    (long long)((int64_t)need_u64(m, "expires", INT64_MAX) -
	    (int64_t)time(NULL)));
	for (i = 0; i < argc; i++) {
		if (i > 0)
			putchar(',');
		gk_audit_json_str(stdout, argv[i], strlen(argv[i]));
	}
	printf("],\"command\":");
	gk_audit_json_str(stdout, cmd, strlen(cmd));
	printf("}\n");
}

static int
cmd_list(int argc, char **argv)
{
	struct list_row *rows = NULL, *row;
	struct gk_msg m;
	size_t nrows = 0, i, argn, w[LIST_COLS] = { 0 }, k;
	uint64_t id;
	char **args, *cmd, buf[64];
	int a, fd, json = 0;

	for (a = 1; a < argc; a++) {
		if (strcmp(argv[a], "--json") == 0)
			json = 1;
		else
			usage();
	}
	fd = gk_client_dial(sock_opt);
	gk_msg_begin(&m, GK_T_LIST);
	daemon_send(fd, &m);
	for (;;) {
		daemon_recv(fd, &m);
		if (m.type == GK_T_DONE)
			break;
		if (m.type == GK_T_ERROR)
			daemon_refused(&m, "list");
		if (m.type != GK_T_ITEM)
			unexpected(&m);
		id = need_u64(&m, "id", UINT64_MAX);
		args = need_strv(&m, "arg", &argn);
		cmd = gk_client_must(gk_escape_argv(argn, args));
		if (json) {
			(void)need_str(&m, "user");
			(void)need_str(&m, "rule");
			list_json(&m, id, args, argn, cmd);
			free(cmd);
		} else {
			if ((rows = reallocarray(rows, nrows + 1,
			    sizeof(*rows))) == NULL)
				errx(1, "out of memory");
			row = &rows[nrows++];
			snprintf(buf, sizeof(buf), "%" PRIu64, id);
			row->c[0] = gk_client_must(strdup(buf));
			row->c[1] = name_of(need_str(&m, "user"));
			row->c[2] = name_of(need_str(&m, "rule"));
			snprintf(buf, sizeof(buf), "%" PRIu64 "/%" PRIu64,
			    need_u64(&m, "approvals", UINT32_MAX),
			    need_u64(&m, "need", UINT32_MAX));
			row->c[3] = gk_client_must(strdup(buf));
			fmt_left((int64_t)need_u64(&m, "expires", INT64_MAX), buf,
			    sizeof(buf));
			row->c[4] = gk_client_must(strdup(buf));
			row->c[5] = cmd;
		}
		free(args);
		gk_msg_free(&m);
	}
	gk_msg_free(&m);
	close(fd);
	for (i = 0; i < nrows; i++)
		for (k = 0; k < LIST_COLS - 1; k++)
			if (gk_audit_text_width(rows[i].c[k]) > w[k])
				w[k] = gk_audit_text_width(rows[i].c[k]);
	for (i = 0; i < nrows; i++) {
		for (k = 0; k < LIST_COLS; k++) {
			fputs(rows[i].c[k], stdout);
			if (k < LIST_COLS - 1)
				printf("%*s", (int)(w[k] -
				    gk_audit_text_width(rows[i].c[k]) + 2), "");
			free(rows[i].c[k]);
		}
		putchar('\n');
	}
	free(rows);
	return gk_client_finish_stdout(0);
}

/* show, and what approve and deny show first ----------------------------- */

struct req {
	struct gk_msg	 m;
	uint64_t	 id, uid, need, approvals;
	int64_t		 created, expires, delay, run_at;
	const char	*state, *host, *user, *exe, *cwd, *run_as, *rule;
	const char	*reason, *set, *approver;
	char		**argv, **paths, **members, **decided;
	size_t		 argc, npaths, nmembers, ndecided;
	uint8_t		 nonce[GK_NONCE_LEN], exe_hash[GK_DIGEST_LEN];
	uint8_t		 digest[GK_DIGEST_LEN];	/* recomputed here */
	char		 fp[GK_FINGERPRINT_LEN + 1];
};

static void
req_free(struct req *rq)
{
	free(rq->argv);
	free(rq->paths);
	free(rq->members);
	free(rq->decided);
	gk_msg_free(&rq->m);
}

/*
 * SHOW id, then recompute the digest from the fields received: what is
 * shown and signed is only ever what that digest covers.
 */
static void
fetch_request(uint64_t id, struct req *rq)
{
	struct gk_request_fields f;
	struct gk_msg q;
	uint8_t theirs[GK_DIGEST_LEN];
	const char *fp;
	char ctx[64];
	int fd, r;

	memset(rq, 0, sizeof(*rq));
	snprintf(ctx, sizeof(ctx), "request %" PRIu64, id);
	fd = gk_client_dial(sock_opt);
	gk_msg_begin(&q, GK_T_SHOW);
	if (gk_msg_add_u64(&q, "id", id) != 0)
		errx(1, "out of memory");
	daemon_send(fd, &q);
	daemon_recv(fd, &rq->m);
	close(fd);
	if (rq->m.type == GK_T_ERROR)
		daemon_refused(&rq->m, ctx);
	if (rq->m.type != GK_T_ITEM)
		unexpected(&rq->m);
	if ((rq->id = need_u64(&rq->m, "id", UINT64_MAX)) != id)
		errx(1, "%s: gatekeeperd answered about another request; not "
		    "trusting it", ctx);
	rq->state = need_str(&rq->m, "state");
	rq->host = need_str(&rq->m, "host");
	need_hex(&rq->m, "nonce", rq->nonce, sizeof(rq->nonce));
	rq->uid = need_u64(&rq->m, "uid", UINT32_MAX);
	rq->user = need_str(&rq->m, "user");
	rq->argv = need_strv(&rq->m, "arg", &rq->argc);
	if (rq->argc == 0)
		malformed("arg");
	rq->exe = need_str(&rq->m, "exe");
	need_hex(&rq->m, "exe_hash", rq->exe_hash, sizeof(rq->exe_hash));
	rq->cwd = need_str(&rq->m, "cwd");
	rq->paths = need_strv(&rq->m, "path", &rq->npaths);
	rq->run_as = need_str(&rq->m, "run_as");
	rq->rule = need_str(&rq->m, "rule");
	rq->reason = need_str(&rq->m, "reason");
	rq->created = (int64_t)need_u64(&rq->m, "created", INT64_MAX);
	rq->expires = (int64_t)need_u64(&rq->m, "expires", INT64_MAX);
	need_hex(&rq->m, "digest", theirs, sizeof(theirs));
	rq->need = need_u64(&rq->m, "need", UINT32_MAX);
	rq->approvals = need_u64(&rq->m, "approvals", UINT32_MAX);
	rq->set = gk_msg_str(&rq->m, "set");
	rq->members = need_strv(&rq->m, "member", &rq->nmembers);
	rq->decided = need_strv(&rq->m, "decided", &rq->ndecided);
	rq->approver = gk_msg_str(&rq->m, "approver");
	if (gk_msg_count(&rq->m, "delay") > 0)
		rq->delay = (int64_t)need_u64(&rq->m, "delay", INT64_MAX);
	if (gk_msg_count(&rq->m, "run_at") > 0)
		rq->run_at = (int64_t)need_u64(&rq->m, "run_at", INT64_MAX);

	memset(&f, 0, sizeof(f));
	f.host_id = rq->host;
	f.number = rq->id;
	memcpy(f.nonce, rq->nonce, sizeof(f.nonce));
	f.uid = (uint32_t)rq->uid;
	f.user = rq->user;
	f.argc = rq->argc;
	f.argv = rq->argv;
	f.exe_path = rq->exe;
	memcpy(f.exe_hash, rq->exe_hash, sizeof(f.exe_hash));
	f.cwd = rq->cwd;
	f.npaths = rq->npaths;
	f.paths = rq->paths;
	f.run_as = rq->run_as;
	f.rule = rq->rule;
	f.reason = rq->reason;
	f.created = rq->created;
	f.expires = rq->expires;
	if ((r = gk_request_digest(&f, rq->digest)) != 0)
		errx(1, "%s: computing its digest: %s", ctx, gk_strerror(r));
	gk_fingerprint(rq->digest, rq->fp);
	fp = gk_msg_str(&rq->m, "fingerprint");
	if (sodium_memcmp(rq->digest, theirs, GK_DIGEST_LEN) != 0 ||
	    (fp != NULL && strcmp(fp, rq->fp) != 0))
		errx(1, "%s: the digest gatekeeperd sent does not match the "
		    "request it describes; refusing to show or sign it", ctx);
}

static void
show_field(const char *label, const char *value)
{
	printf("%-13s %s\n", label, value);
}

static void
show_escaped(const char *label, const char *s)
{
	char *e = gk_client_must(gk_escape_str(s));

	show_field(label, e);
	free(e);
}

static void
show_name(const char *label, const char *s)
{
	char *e = name_of(s);

	show_field(label, e);
	free(e);
}

static void
show_output(const struct gk_msg *m)
{
	struct gk_buf b;
	const char *p, *end, *nl;
	size_t i;

	for (i = 0; i < m->n; i++)
		if (strcmp(m->f[i].key, "output") == 0)
			break;
	if (i == m->n)
		return;
	printf("output:\n");
	p = m->f[i].val;
	end = p + m->f[i].len;
	while (p < end) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		gk_buf_init(&b, 16 * 1024 * 1024);
		if (gk_escape_arg(&b, p, (size_t)(nl - p)) != 0 ||
		    gk_buf_put_u8(&b, '\0') != 0)
			errx(1, "out of memory");
		printf("  %s\n", (const char *)b.data);
		gk_buf_free(&b);
		p = nl + 1;
	}
}

static void
show_request(const struct req *rq)
{
	char buf[128], t[64], left[64], hex[2 * GK_DIGEST_LEN + 1], *s, *e;
	const char *st;
	size_t i;

	snprintf(buf, sizeof(buf), "%" PRIu64, rq->id);
	show_field("request:", buf);
	show_name("state:", rq->state);
	show_field("fingerprint:", rq->fp);
	gk_hex(rq->digest, GK_DIGEST_LEN, hex);
	show_field("digest:", hex);
	s = name_of(rq->user);
	printf("%-13s %s (uid %" PRIu64 ")\n", "requester:", s, rq->uid);
	free(s);
	s = gk_client_must(gk_escape_argv(rq->argc, rq->argv));
	show_field("command:", s);
	free(s);
	for (i = 0; i < rq->argc; i++) {
		snprintf(buf, sizeof(buf), "arg[%zu]:", i);
		show_escaped(buf, rq->argv[i]);
	}
	show_escaped("executable:", rq->exe);
	gk_hex(rq->exe_hash, GK_DIGEST_LEN, hex);
	show_field("exe hash:", hex);
	show_escaped("cwd:", rq->cwd);
	for (i = 0; i < rq->npaths; i++)
		show_escaped("path:", rq->paths[i]);
	show_name("run as:", rq->run_as);
	show_name("rule:", rq->rule);
	show_escaped("reason:", rq->reason);
	show_name("host:", rq->host);
	gk_hex(rq->nonce, GK_NONCE_LEN, hex);
	show_field("nonce:", hex);
	fmt_time(rq->created, t, sizeof(t));
	show_field("created:", t);
	fmt_time(rq->expires, t, sizeof(t));
	fmt_left(rq->expires, left, sizeof(left));
	printf("%-13s %s (%s)\n", "expires:", t, left);
	if (rq->delay > 0) {
		snprintf(buf, sizeof(buf), "%llds after approval; any approver "
		    "may veto (deny) until it runs", (long long)rq->delay);
		show_field("delay:", buf);
	}
	if (rq->run_at > 0) {
		fmt_time(rq->run_at, t, sizeof(t));
		show_field("runs at:", t);
	}
	snprintf(buf, sizeof(buf), "%" PRIu64 "/%" PRIu64, rq->approvals,
	    rq->need);
	show_field("approvals:", buf);
	if (rq->set != NULL) {
		s = name_of(rq->set);
		printf("%-13s %s:", "approver set:", s);
		free(s);
		for (i = 0; i < rq->nmembers; i++) {
			e = name_of(rq->members[i]);
			printf(" %s", e);
			free(e);
		}
		putchar('\n');
	}
	for (i = 0; i < rq->ndecided; i++) {
		/* "NAME=approve|deny", each side shown as a name. */
		if ((e = strrchr(rq->decided[i], '=')) == NULL) {
			show_name("decided:", rq->decided[i]);
			continue;
		}
		s = gk_client_must(gk_audit_text_name(rq->decided[i],
		    (size_t)(e - rq->decided[i])));
		e = name_of(e + 1);
		printf("%-13s %s %s\n", "decided:", s, e);
		free(s);
		free(e);
	}
	if ((st = gk_msg_str(&rq->m, "status")) != NULL)
		show_name("status:", st);
	if (rq->approver != NULL) {
		s = name_of(rq->approver);
		printf("%-13s %s\n", "you are:", s);
		free(s);
	} else
		show_field("you are:", "not an enrolled approver");
	show_output(&rq->m);
}

static int
cmd_show(int argc, char **argv)
{
	struct req rq;
	uint64_t id;

	if (argc != 2 || parse_id(argv[1], &id) != 0)
		usage();
	fetch_request(id, &rq);
	show_request(&rq);
	req_free(&rq);
	return gk_client_finish_stdout(0);
}

/* approve and deny ------------------------------------------------------- */

static void
summary(const struct req *rq, const char *decision)
{
	char *cmd, *cwd, *rule, *user, *reason;

	cmd = gk_client_must(gk_escape_argv(rq->argc, rq->argv));
	cwd = gk_client_must(gk_escape_str(rq->cwd));
	rule = name_of(rq->rule);
	user = name_of(rq->user);
	fprintf(stderr, "request %" PRIu64 "  fingerprint %s\n"
	    "  command:   %s\n  cwd:       %s\n  rule:      %s\n"
	    "  requester: %s (uid %" PRIu64 ")\n", rq->id, rq->fp, cmd, cwd,
	    rule, user, rq->uid);
	if (rq->reason[0] != '\0') {
		reason = gk_client_must(gk_escape_str(rq->reason));
		fprintf(stderr, "  reason:    %s\n", reason);
		free(reason);
	}
	fprintf(stderr, "  approvals: %" PRIu64 "/%" PRIu64 "; you %s it\n",
	    rq->approvals, rq->need, strcmp(decision, "approve") == 0 ?
	    "approve" : "deny");
	free(cmd);
	free(cwd);
	free(rule);
	free(user);
}

/* Refuses early what the daemon would refuse, before asking for the OTP. */
static void
check_decidable(const struct req *rq, const char *decision)
{
	char *me;
	size_t i, l;
	int member = 0, veto;

	if (rq->approver == NULL || rq->approver[0] == '\0')
		errx(1, "you are not an enrolled approver");
	me = name_of(rq->approver);
	/* During an approved request's delay a deny is a veto: allowed to
	 * every approver of the set, even one who approved it. */
	veto = strcmp(decision, "deny") == 0 &&
	    strcmp(rq->state, GK_ST_APPROVED) == 0 && rq->delay > 0;
	if (strcmp(rq->state, GK_ST_PENDING) != 0 && !veto) {
		char *st = name_of(rq->state);

		errx(1, "request %" PRIu64 " is %s, not pending", rq->id, st);
	}
	if (rq->expires <= (int64_t)time(NULL) && !veto)
		errx(1, "request %" PRIu64 " has expired", rq->id);
	l = strlen(rq->approver);
	for (i = 0; i < rq->ndecided && !veto; i++)
		if (strncmp(rq->decided[i], rq->approver, l) == 0 &&
		    rq->decided[i][l] == '=')
			errx(1, "you (%s) have already decided request %" PRIu64,
			    me, rq->id);
	for (i = 0; i < rq->nmembers; i++)
		member |= strcmp(rq->members[i], rq->approver) == 0;
	if (rq->nmembers > 0 && !member)
		errx(1, "you (%s) are not an approver of request %" PRIu64, me,
		    rq->id);
	if (strcmp(decision, "approve") == 0 && rq->uid == (uint64_t)getuid())
		errx(1, "you cannot approve your own request");
	free(me);
}

static int
cmd_decide(int argc, char **argv, const char *decision)
{
	struct approver_key key;
	struct req rq;
	struct gk_msg m;
	struct gk_buf sm;
	uint8_t sig[crypto_sign_BYTES], pk[crypto_sign_PUBLICKEYBYTES], *sk;
	char path[4300], ctx[64], *otp, *otp_arg = NULL, *s;
	const char *keyfile = NULL, *reason = NULL, *msg;
	uint64_t id = 0;
	int64_t now;
	int a, fd, have_id = 0, deny = strcmp(decision, "deny") == 0;

	for (a = 1; a < argc; a++) {
		if (strcmp(argv[a], "--otp") == 0 && a + 1 < argc) {
			otp_arg = argv[++a];
			if (strcmp(otp_arg, "-") != 0) {
				/* Best effort: out of ps from now on. */
				sodium_memzero(otp_arg, strlen(otp_arg));
				errx(EXIT_USAGE, "an OTP on the command line "
				    "is seen by every local user, so it was "
				    "not used: use --otp - (the OTP on "
				    "standard input), or no --otp to be asked "
				    "on the terminal");
			}
		}
		else if (strcmp(argv[a], "--key") == 0 && a + 1 < argc)
			keyfile = argv[++a];
		else if (deny && strcmp(argv[a], "--reason") == 0 && a + 1 < argc)
			reason = argv[++a];
		else if (!have_id && parse_id(argv[a], &id) == 0)
			have_id = 1;
		else
			usage();
	}
	if (!have_id)
		usage();
	if (keyfile == NULL)
		default_key_path(path, sizeof(path), 0);
	else if ((size_t)snprintf(path, sizeof(path), "%s", keyfile) >=
	    sizeof(path))
		errx(1, "key path too long");
	snprintf(ctx, sizeof(ctx), "request %" PRIu64, id);

	/* The key file is checked before anything else is asked. */
	key_load(path, &key);
	fetch_request(id, &rq);
	check_decidable(&rq, decision);
	summary(&rq, decision);

	otp = secret_alloc(OTP_BUF);
	get_otp(otp_arg, otp, OTP_BUF);
	key_unlock(path, &key);

	sk = secret_alloc(crypto_sign_SECRETKEYBYTES);
	crypto_sign_seed_keypair(pk, sk, key.seed);
	key_free(&key);
	now = (int64_t)time(NULL);
	gk_buf_init(&sm, 64 * 1024);
	if (gk_approval_message(&sm, rq.digest, decision, otp, rq.approver,
	    now) != 0)
		errx(1, "out of memory");
	crypto_sign_detached(sig, NULL, sm.data, sm.len, sk);
	gk_buf_free(&sm);
	sodium_free(sk);

	fd = gk_client_dial(sock_opt);
	gk_msg_begin(&m, GK_T_DECIDE);
	if (gk_msg_add_u64(&m, "id", rq.id) != 0 ||
	    gk_msg_add_str(&m, "decision", decision) != 0 ||
	    gk_msg_add_str(&m, "otp", otp) != 0 ||
	    gk_msg_add(&m, "sig", sig, sizeof(sig)) != 0 ||
	    gk_msg_add_i64(&m, "time", now) != 0 ||
	    (reason != NULL && gk_msg_add_str(&m, "reason", reason) != 0))
		errx(1, "out of memory");
	sodium_free(otp);
	daemon_send(fd, &m);
	daemon_recv(fd, &m);
	close(fd);
	if (m.type == GK_T_ERROR)
		daemon_refused(&m, ctx);
	if (m.type != GK_T_OK)
		unexpected(&m);
	if ((msg = gk_msg_str(&m, "message")) != NULL && *msg != '\0') {
		s = gk_client_must(gk_audit_text_filter(msg, strlen(msg)));
		printf("%s\n", s);
		free(s);
	} else
		printf("request %" PRIu64 ": %s recorded\n", rq.id,
		    deny ? "denial" : "approval");
	gk_msg_free(&m);
	req_free(&rq);
	return gk_client_finish_stdout(0);
}

static int
cmd_approve(int argc, char **argv)
{
	return cmd_decide(argc, argv, "approve");
}

static int
cmd_deny(int argc, char **argv)
{
	return cmd_decide(argc, argv, "deny");
}

static const struct {
	const char *name;
	int (*fn)(int, char **);
} commands[] = {
	{ "keygen", cmd_keygen },
	{ "list", cmd_list },
	{ "show", cmd_show },
	{ "approve", cmd_approve },
	{ "deny", cmd_deny },
};

int
main(int argc, char **argv)
{
	struct rlimit nocore = { 0, 0 };
	size_t i;
	int a = 1;

	/* Secrets pass through this process: never into a core file. */
	setrlimit(RLIMIT_CORE, &nocore);
	signal(SIGPIPE, SIG_IGN);
	if (sodium_init() < 0)
		errx(1, "cannot initialise libsodium");
	while (a < argc && strcmp(argv[a], "-s") == 0) {
		if (a + 1 >= argc || argv[a + 1][0] == '\0')
			usage();
		sock_opt = argv[a + 1];
		a += 2;
	}
	if (a >= argc)
		usage();
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(argv[a], commands[i].name) == 0)
			return commands[i].fn(argc - a, argv + a);
	fprintf(stderr, "gk-approve: unknown command \"%s\"\n", argv[a]);
	usage();
}
