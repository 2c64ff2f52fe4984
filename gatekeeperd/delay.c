/*
 * The delay window (`delay DURATION`): after the quorum an approved request
 * waits until run_at (durable in its row, so a restart keeps the schedule;
 * requests_tick starts it even when the requester has gone). During the
 * window any approver of the set may veto it with a signed, OTP-checked
 * deny (requests.c h_decide runs every check of DESIGN.md section 5
 * first), and the requester may cancel it.
 *
 * MUST:
 * - commit the spent OTP, the veto, the state and its audit record in one
 *   transaction, and change the state only from approved (one row);
 * - never let a veto arrive too late: once running, the state is no longer
 *   approved and the conditional UPDATE refuses.
 */
#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include "daemon.h"
#include "gk_err.h"
#include "proto.h"
#include "reqrow.h"

int
request_in_window(const struct gk_reqrow *row)
{
	return strcmp(row->state, GK_ST_APPROVED) == 0 && row->delay > 0 &&
	    row->need > 0;
}

static const char SQL_VETO_INSERT[] =
    "INSERT INTO vetoes(request, approver, otp, sig, time, reason) "
    "VALUES (?, ?, ?, ?, ?, ?)";
static const char SQL_VETOED[] =
    "UPDATE requests SET state = 'vetoed' WHERE id = ? AND state = 'approved'";

int
veto_record(struct daemon *d, const struct gk_reqrow *row, const char *name,
    int64_t uid, const char *otp, const uint8_t sig[64], int64_t when,
    const char *reason, const char *command)
{
	sqlite3_stmt *st;
	char sighex[129], detail[400];
	int ok;

	st = stmt(d, SQL_VETO_INSERT);
	sqlite3_bind_int64(st, 1, row->id);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, otp, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 4, sig, 64, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, when);
	sqlite3_bind_text(st, 6, reason, -1, SQLITE_STATIC);
	ok = sqlite3_step(st) == SQLITE_DONE;
	sqlite3_reset(st);
	if (!ok)
		return GK_ERR_DB;
	st = stmt(d, SQL_VETOED);
	sqlite3_bind_int64(st, 1, row->id);
	ok = sqlite3_step(st) == SQLITE_DONE && sqlite3_changes(d->db) == 1;
	sqlite3_reset(st);
	if (!ok)
		return GK_ERR_DB;
	gk_hex(sig, 64, sighex);
	snprintf(detail, sizeof(detail), "decision=deny state=%s run_at=%lld "
	    "sig=%s", GK_ST_VETOED, (long long)row->run_at, sighex);
	return audit_append(d, "veto", uid, name, row->id, "", command, detail);
}

void
veto_announce(struct daemon *d, struct conn *c, const struct gk_reqrow *row,
    const char *name)
{
	checkpoint_maybe(d, 0);
	dlog(d, LOG_NOTICE, "request %lld: vetoed by %s during its delay",
	    (long long)row->id, name);
	conn_ok(c, "vetoed: the command will not run");
	request_end(d, row->id, GK_ST_VETOED, name, "vetoed");
	notify_event(d, "vetoed", row->id, name);
}
