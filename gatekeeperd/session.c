/*
 * Session records from the PAM module: every login, sudo and su session
 * opens and closes with an audit record.
 *
 * MUST:
 * - serve root peers only (the dispatch table says so);
 * - keep every value a single printable word in the record's detail;
 * - hand out session ids from the daemon's own randomness.
 */
#include <pwd.h>
#include <stdio.h>
#include <string.h>

#include "daemon.h"
#include "proto.h"

#define SESSION_ID_BYTES	8

static int
session_id_valid(const char *s)
{
	size_t i;

	if (s == NULL || strlen(s) != SESSION_ID_BYTES * 2)
		return 0;
	for (i = 0; s[i] != '\0'; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

void
h_session(struct daemon *d, struct conn *c, struct gk_msg *m)
{
	const char *phase = gk_msg_str(m, "phase"), *user = gk_msg_str(m, "user");
	const char *sid = gk_msg_str(m, "session");
	char id[SESSION_ID_BYTES * 2 + 1], detail[600], name[64];
	uint8_t rnd[SESSION_ID_BYTES];
	struct passwd *pw;
	int64_t uid = -1;
	int open;

	if (phase == NULL || (strcmp(phase, "open") != 0 &&
	    strcmp(phase, "close") != 0) || user == NULL || *user == '\0') {
		conn_error(c, GK_E_BAD, "a session record needs a phase (open or "
		    "close) and a user");
		return;
	}
	open = strcmp(phase, "open") == 0;
	if (open) {
		randombytes_buf(rnd, sizeof(rnd));
		gk_hex(rnd, sizeof(rnd), id);
	} else if (!session_id_valid(sid)) {
		conn_error(c, GK_E_BAD, "closing a session needs its id");
		return;
	} else
		snprintf(id, sizeof(id), "%s", sid);
	/* The user as a single word; its uid when it has one here. */
	name[0] = '\0';
	session_field(name, sizeof(name), "u", user, 0);
	if (name[0] == '\0') {
		conn_error(c, GK_E_BAD, "bad user name");
		return;
	}
	if ((pw = getpwnam(name + 2)) != NULL)
		uid = pw->pw_uid;
	detail[0] = '\0';
	session_field(detail, sizeof(detail), "service",
	    gk_msg_str(m, "service"), 0);
	session_field(detail, sizeof(detail), "ruser", gk_msg_str(m, "ruser"), 0);
	session_field(detail, sizeof(detail), "rhost", gk_msg_str(m, "rhost"), 0);
	session_field(detail, sizeof(detail), "tty", gk_msg_str(m, "tty"), 0);
	if (audit_event(d, open ? "session-open" : "session-close", uid,
	    name + 2, 0, id, "", detail) != 0) {
		conn_error(c, GK_E_INTERNAL, "cannot write the audit log");
		return;
	}
	conn_ok(c, id);
}
