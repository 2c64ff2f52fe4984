/*
 * The wire protocol between clients and gatekeeperd (DESIGN.md section 8).
 * Each frame carries one message (msg.h). Fields are listed per type;
 * "*" marks a field that repeats for a list, "?" an optional one.
 *
 * Identity never comes from a message: the daemon takes the peer's uid
 * from SO_PEERCRED. Only a root peer may name another user ("user").
 */
#ifndef GK_PROTO_H
#define GK_PROTO_H

#define GK_DEFAULT_SOCKET	"/run/gatekeeper/gk.sock"

enum gk_msg_type {
	/* client -> daemon */
	GK_T_RUN = 1,		/* arg*, cwd, reason?, user? (root peer), ssh?,
				   tty?, session?, pipeline? (only a local
				   decision may run: allow/approve are
				   denied), authorize? run_as? (root peer)
				   -> DECISION, then for allow:
				   OUTPUT* EXIT; for approve: REQUEST,
				   PROGRESS*, then OUTPUT* EXIT or END.
				   With authorize=1 (the PAM module: sudo or
				   su runs the command, never the daemon):
				   run_as names sudo's target (default root);
				   local and allow end with the DECISION
				   (audited); approve ends with END, state
				   "authorized" when approved, any other
				   state is a refusal */
	GK_T_WAIT = 2,		/* id -> PROGRESS*, OUTPUT* EXIT or END */
	GK_T_CANCEL = 3,	/* id -> OK | ERROR */
	GK_T_LIST = 4,		/* -> ITEM* DONE: the pending requests the peer
				   may see, each: id, state, user, rule, need,
				   approvals, expires, fingerprint, arg* */
	GK_T_SHOW = 5,		/* id -> ITEM | ERROR. ITEM: id, state, host,
				   nonce (hex), uid, user, arg*, exe, exe_hash
				   (hex), cwd, path*, run_as, rule, reason,
				   created, expires, digest (hex), fingerprint,
				   need, set, member*, approvals, decided*
				   ("NAME=approve|deny"), status?, output?,
				   approver? (the peer's enrolled name),
				   delay, run_at (0 until approved) */
	GK_T_DECIDE = 6,	/* id, decision (approve|deny), otp, sig (64
				   raw bytes), time, reason? -> OK | ERROR */
	GK_T_ENROLL = 7,	/* name, uid, pubkey, yubikey, replace? (1:
				   change an enrolled approver's uid, key and
				   token) -> OK | ERROR; once sealed the OK
				   says "held for approval: request N" and
				   carries held (the request number) */
	GK_T_APPROVERS = 8,	/* -> ITEM* DONE, each: name, uid, public_id,
				   pubkey, enrolled */
	GK_T_REVOKE = 9,	/* name -> OK | ERROR */
	GK_T_AUDIT = 10,	/* user?, request?, event?, since?, until?,
				   limit? -> ITEM* DONE, each: seq, time,
				   event, uid, user, request, session, command,
				   detail (newest last; limit keeps the newest) */
	GK_T_VERIFY = 11,	/* anchor? -> OK (message) | ERROR */
	GK_T_CHECKPOINT = 12,	/* -> OK (line) */
	GK_T_SESSION = 13,	/* (root peer) phase (open|close), service,
				   user, ruser?, rhost?, tty?, session (close)
				   -> OK (open: the new session id) | ERROR */
	GK_T_SEAL = 14,		/* (root) -> OK | ERROR: from now on enrolment,
				   revocation, token changes and policy edits
				   need GOV_NEED approvals */
	GK_T_LOCKDOWN = 15,	/* action (start|lift|status) -> OK | ERROR;
				   lift makes a governance request */
	GK_T_MAX_CLIENT = 31,

	/* daemon -> client */
	GK_T_OK = 64,		/* message? */
	GK_T_ERROR = 65,	/* code, message */
	GK_T_DECISION = 66,	/* action, rule?, file?, line?, why?, exe? */
	GK_T_REQUEST = 67,	/* id, fingerprint, rule, need, set,
				   approver*, expires */
	GK_T_PROGRESS = 68,	/* id, approvals, need, by?, expires */
	GK_T_OUTPUT = 69,	/* stream (1|2), data */
	GK_T_EXIT = 70,		/* id?, state, status */
	GK_T_END = 71,		/* id, state, by?, message */
	GK_T_ITEM = 72,		/* fields depend on the request */
	GK_T_DONE = 73,		/* end of a list */
};

/* GK_T_ERROR codes, and what clients make of them. */
#define GK_E_DENIED	"denied"	/* policy or permission: exit 77 */
#define GK_E_REFUSED	"refused"	/* approval refused (OTP, signature..) */
#define GK_E_NOTFOUND	"notfound"
#define GK_E_STATE	"state"		/* request not in a state for that */
#define GK_E_BAD	"bad"		/* malformed request */
#define GK_E_CHANGED	"changed"	/* refused at exec time: exit 77 */
#define GK_E_INTERNAL	"internal"

/* Exit statuses of gk-shell (DESIGN.md section 3). */
#define GK_EXIT_REFUSED		77
#define GK_EXIT_EXPIRED		75
#define GK_EXIT_UNREACHABLE	69

/* Request states. */
#define GK_ST_PENDING		"pending"
#define GK_ST_APPROVED		"approved"
#define GK_ST_RUNNING		"running"
#define GK_ST_DONE		"done"
#define GK_ST_FAILED		"failed"
#define GK_ST_REJECTED		"rejected"
#define GK_ST_EXPIRED		"expired"
#define GK_ST_CANCELLED		"cancelled"
#define GK_ST_INTERRUPTED	"interrupted"
#define GK_ST_REFUSED		"refused"	/* changed since approval */
#define GK_ST_AUTHORIZED	"authorized"	/* approved for sudo/su to run;
						   the daemon never runs it */
#define GK_ST_VETOED		"vetoed"	/* denied during its delay */

#endif
