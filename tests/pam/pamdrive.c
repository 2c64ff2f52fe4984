/*
 * pamdrive: a PAM application for the module-level tests, run under
 * pam_wrapper (a private service directory). Everything comes from the
 * environment, so its argv can play sudo's (exec -a sudo pamdrive -u ...):
 *   PAMDRIVE_SERVICE  service name (default gktest)
 *   PAMDRIVE_USER     PAM user; PAMDRIVE_RUSER, PAMDRIVE_TTY items
 *   PAMDRIVE_OPS      comma list of account, open, close, env, signals
 *                     (signals: SIGHUP and SIGTERM still have the
 *                     handler pamdrive set before the first step)
 *   PAMDRIVE_CONV     ok | fail | null | empty | huge
 * Prints every conversation message ("info: ..." / "error: ...") and each
 * step's result ("account: Success"); exits 0 only when every step passed.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <security/pam_appl.h>

static const char *mode;

static void
marker(int sig)
{
	(void)sig;
}

static int
marker_kept(int sig)
{
	struct sigaction sa;

	return sigaction(sig, NULL, &sa) == 0 && sa.sa_handler == marker;
}

static int
conv(int n, const struct pam_message **msg, struct pam_response **resp,
    void *data)
{
	struct pam_response *r;
	int i;

	(void)data;
	for (i = 0; i < n; i++) {
		printf("%s: %s\n", msg[i]->msg_style == PAM_ERROR_MSG ?
		    "error" : "info", msg[i]->msg);
		fflush(stdout);
	}
	*resp = NULL;
	if (strcmp(mode, "fail") == 0)
		return PAM_CONV_ERR;
	if (strcmp(mode, "null") == 0)
		return PAM_SUCCESS;
	if ((r = calloc((size_t)n, sizeof(*r))) == NULL)
		return PAM_BUF_ERR;
	for (i = 0; i < n; i++) {
		if (strcmp(mode, "empty") == 0)
			r[i].resp = strdup("");
		else if (strcmp(mode, "huge") == 0 &&
		    (r[i].resp = malloc(1 << 20)) != NULL) {
			memset(r[i].resp, 'A', (1 << 20) - 1);
			r[i].resp[(1 << 20) - 1] = '\0';
		}
	}
	*resp = r;
	return PAM_SUCCESS;
}

static const char *
env(const char *k, const char *def)
{
	const char *v = getenv(k);

	return v != NULL && *v != '\0' ? v : def;
}

int
main(void)
{
	struct pam_conv c = { conv, NULL };
	pam_handle_t *pamh = NULL;
	const char *service = env("PAMDRIVE_SERVICE", "gktest");
	const char *user = env("PAMDRIVE_USER", NULL), *s;
	char ops[256], *op, *save = NULL;
	int r, fail = 0;

	mode = env("PAMDRIVE_CONV", "ok");
	if (user == NULL) {
		fprintf(stderr, "pamdrive: PAMDRIVE_USER is not set\n");
		return 2;
	}
	snprintf(ops, sizeof(ops), "%s", env("PAMDRIVE_OPS", "account"));
	signal(SIGHUP, marker);
	signal(SIGTERM, marker);
	if ((r = pam_start(service, user, &c,
	    &pamh)) != PAM_SUCCESS) {
		fprintf(stderr, "pamdrive: pam_start: %d\n", r);
		return 2;
	}
	if ((s = getenv("PAMDRIVE_RUSER")) != NULL)
		pam_set_item(pamh, PAM_RUSER, s);
	if ((s = getenv("PAMDRIVE_TTY")) != NULL)
		pam_set_item(pamh, PAM_TTY, s);
	if ((s = getenv("PAMDRIVE_RHOST")) != NULL)
		pam_set_item(pamh, PAM_RHOST, s);
	for (op = strtok_r(ops, ",", &save); op != NULL;
	    op = strtok_r(NULL, ",", &save)) {
		if (strcmp(op, "account") == 0)
			r = pam_acct_mgmt(pamh, 0);
		else if (strcmp(op, "open") == 0)
			r = pam_open_session(pamh, 0);
		else if (strcmp(op, "close") == 0)
			r = pam_close_session(pamh, 0);
		else if (strcmp(op, "env") == 0) {
			s = pam_getenv(pamh, "GK_SESSION");
			printf("GK_SESSION=%s\n", s != NULL ? s : "");
			r = s != NULL ? PAM_SUCCESS : PAM_SYSTEM_ERR;
		} else if (strcmp(op, "signals") == 0) {
			r = marker_kept(SIGHUP) && marker_kept(SIGTERM) ?
			    PAM_SUCCESS : PAM_SYSTEM_ERR;
		} else {
			fprintf(stderr, "pamdrive: unknown step %s\n", op);
			r = PAM_SYSTEM_ERR;
		}
		printf("%s: %s (%d)\n", op, pam_strerror(pamh, r), r);
		fflush(stdout);
		if (r != PAM_SUCCESS)
			fail = 1;
	}
	pam_end(pamh, fail ? PAM_SYSTEM_ERR : PAM_SUCCESS);
	return fail;
}
