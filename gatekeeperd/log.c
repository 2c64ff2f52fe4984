#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <syslog.h>

#include "daemon.h"
#include "otp.h"

/*
 * Every line the daemon logs (stderr with -f, and syslog) goes through
 * here, with any OTP-shaped word redacted (gk_otp_redact): whatever it
 * quotes of a request or a client must not leak an OTP into the logs.
 */
void
dlog(struct daemon *d, int prio, const char *fmt, ...)
{
	static const char lost[] = "(a log line was lost: out of memory)";
	va_list ap;
	char *raw = NULL, *line = NULL;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&raw, fmt, ap);
	va_end(ap);
	if (n >= 0) {
		line = gk_otp_redact(raw);
		free(raw);
	}
	if (d->foreground)
		fprintf(stderr, "gatekeeperd: %s\n", line != NULL ? line : lost);
	syslog(prio, "%s", line != NULL ? line : lost);
	free(line);
}
