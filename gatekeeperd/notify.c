/*
 * Notifications of request events (issue 8): one place the state machine
 * calls when a request is created, approved, rejected, executed, expires,
 * is cancelled or vetoed. Today it logs to syslog; running the operator's
 * notify command lives here too.
 *
 * MUST:
 * - never block the event loop;
 * - never pass a secret (OTP, key) to a log or a notifier.
 */
#include <syslog.h>

#include "daemon.h"

void
notify_event(struct daemon *d, const char *event, int64_t id, const char *by)
{
	if (by != NULL && *by != '\0')
		dlog(d, LOG_INFO, "notify: request %lld %s by %s", (long long)id,
		    event, by);
	else
		dlog(d, LOG_INFO, "notify: request %lld %s", (long long)id, event);
}
