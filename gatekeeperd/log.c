#include <stdarg.h>
#include <stdio.h>
#include <syslog.h>

#include "daemon.h"

void
dlog(struct daemon *d, int prio, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (d->foreground) {
		fprintf(stderr, "gatekeeperd: ");
		vfprintf(stderr, fmt, ap);
		fputc('\n', stderr);
	}
	va_end(ap);
	va_start(ap, fmt);
	vsyslog(prio, fmt, ap);
	va_end(ap);
}
