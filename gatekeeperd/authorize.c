/*
 * Authorizations for the PAM module: sudo and su run the command
 * themselves once PAM says yes, so a RUN with authorize=1 is decided and
 * approved like any other, but ends in the state "authorized" instead of
 * being run by the daemon.
 *
 * MUST:
 * - never run a request made under authorize, whatever happens to its
 *   waiter or to the daemon (the mark is in its hash-chained `request`
 *   record, so it survives a restart);
 * - answer "authorized" only to the connection that made the request, and
 *   only after the executable and paths were re-checked unchanged;
 * - cancel (audited) a request whose PAM waiter is gone: nobody would run
 *   it, and approvers must not be asked to approve it.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "daemon.h"
#include "escape.h"
#include "proto.h"
#include "reqrow.h"

/* The `request` record of a request made under authorize starts so. */
#define RUNNER_MARK	"runner=pam "

int
authorize_run_as(const struct gk_rule *r, const char *target, char *why,
    size_t whylen)
{
	if (r->as_user != NULL && strcmp(r->as_user, target) != 0) {
		snprintf(why, whylen, "rule %s runs the command as %s only",
		    r->label, r->as_user);
		return -1;
	}
	return 0;
}

void
authorize_allow(struct daemon *d, struct conn *c, int64_t uid,
    const char *user, const char *session, const char *command,
    const struct gk_rule *r, const char *run_as, const char *exe,
    const char *cwd)
{
	struct gk_msg m;
	char detail[600 + PATH_MAX];

	snprintf(detail, sizeof(detail), RUNNER_MARK "rule=%s action=allow "
	    "run_as=%s", r->label, run_as);
	session_field(detail, sizeof(detail), "exe", exe, '_');
	session_field(detail, sizeof(detail), "cwd", cwd, '_');
	if (audit_event(d, "authorize", uid, user, 0, session, command,
	    detail) != 0) {
		conn_error(c, GK_E_INTERNAL, "cannot write the audit log");
		return;
	}
	gk_msg_begin(&m, GK_T_DECISION);
	gk_msg_add_str(&m, "action", "allow");
	gk_msg_add_str(&m, "rule", r->label);
	gk_msg_add_str(&m, "file", r->file);
	gk_msg_add_u64(&m, "line", (uint64_t)r->line);
	conn_send(c, &m);
}

static const char SQL_IS_AUTHORIZE[] =
    "SELECT 1 FROM audit WHERE request = ? AND event = 'request' AND "
    "substr(detail, 1, length('" RUNNER_MARK "')) = '" RUNNER_MARK "'";

int
request_is_authorize(struct daemon *d, int64_t id)
{
	sqlite3_stmt *st = stmt(d, SQL_IS_AUTHORIZE);
	int r;

	sqlite3_bind_int64(st, 1, id);
	r = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_reset(st);
	return r;
}

static int
has_waiter(struct daemon *d, int64_t id)
{
	struct conn *c;

	for (c = d->conns; c != NULL; c = c->next)
		if (!c->dead && c->waiting == id && c->authorize)
			return 1;
	return 0;
}

/* Moves request row to a final state with its audit record. */
static int
end_state(struct daemon *d, const struct gk_reqrow *row, const char *state,
    const char *event, const char *extra)
{
	char detail[800], *command;

	snprintf(detail, sizeof(detail), "state=%s %s", state, extra);
	if ((command = gk_escape_argv(row->argc, row->argv)) == NULL)
		return -1;
	if (store_begin(d) != 0 || request_set_state(d, row->id, state) != 0 ||
	    audit_append(d, event, 0, "root", row->id, row->session, command,
	    detail) != 0) {
		store_rollback(d);
		free(command);
		return -1;
	}
	free(command);
	return store_commit(d);
}

void
request_go(struct daemon *d, int64_t id)
{
	struct gk_reqrow row;
	const char *why;
	char extra[700];
	int fd = -1;

	if (!request_is_authorize(d, id)) {
		exec_start(d, id);
		return;
	}
	if (gk_reqrow_load(d->db, id, &row) != 0)
		return;
	if (strcmp(row.state, GK_ST_APPROVED) != 0)
		goto out;
	if (!has_waiter(d, id)) {
		if (end_state(d, &row, GK_ST_CANCELLED, "cancel",
		    "why=requester-gone") == 0)
			dlog(d, LOG_NOTICE, "request %lld: approved, but its "
			    "sudo/su is gone: cancelled", (long long)id);
		goto out;
	}
	if ((why = changed_since(d, &row, &fd)) != NULL) {
		snprintf(extra, sizeof(extra), "why=%s", why);
		if (end_state(d, &row, GK_ST_REFUSED, "exec-refused", extra) == 0)
			request_end(d, id, GK_ST_REFUSED, NULL, why);
		else
			request_end(d, id, GK_ST_FAILED, NULL,
			    "cannot record the refusal");
		goto out;
	}
	snprintf(extra, sizeof(extra), "runner=pam run_as=%s", row.run_as);
	if (end_state(d, &row, GK_ST_AUTHORIZED, "authorized", extra) != 0) {
		request_end(d, id, GK_ST_FAILED, NULL, "cannot record the "
		    "authorization");
		goto out;
	}
	checkpoint_maybe(d, 0);
	dlog(d, LOG_NOTICE, "request %lld: authorized; sudo/su runs it as %s",
	    (long long)id, row.run_as);
	request_end(d, id, GK_ST_AUTHORIZED, NULL, "approved: sudo or su runs "
	    "it now");
	notify_event(d, "authorized", id, NULL);
 out:
	if (fd != -1)
		close(fd);
	gk_reqrow_free(&row);
}

void
authorize_abandon(struct daemon *d, int64_t id)
{
	struct gk_reqrow row;

	if (gk_reqrow_load(d->db, id, &row) != 0)
		return;
	if ((strcmp(row.state, GK_ST_PENDING) == 0 ||
	    strcmp(row.state, GK_ST_APPROVED) == 0) &&
	    end_state(d, &row, GK_ST_CANCELLED, "cancel",
	    "why=requester-gone") == 0) {
		dlog(d, LOG_NOTICE, "request %lld: its sudo/su left: cancelled",
		    (long long)id);
		request_end(d, id, GK_ST_CANCELLED, NULL, "the requester left");
	}
	gk_reqrow_free(&row);
}
