/*
 * Requests and approvals: the state machine (DESIGN.md sections 5 and 7).
 *
 * MUST:
 * - take the requester and the approver from SO_PEERCRED (a root peer
 *   alone may name the requester);
 * - accept an approval only when every check of section 5 holds, and
 *   commit the counter update, the approval and its audit record in one
 *   transaction before answering;
 * - spend nothing on a refused approval, and keep its OTP nowhere;
 * - recompute the request digest from the stored fields, never trust a
 *   stored or sent digest.
 */
#include <fcntl.h>
#include <grp.h>
#include <inttypes.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "audit.h"
#include "daemon.h"
#include "escape.h"
#include "gk_err.h"
#include "otp.h"
#include "proto.h"
#include "reqrow.h"

#define ID_MAX		((uint64_t)INT64_MAX)

static int
state_is(const char *s, const char *want)
{
	return strcmp(s, want) == 0;
}

void
session_field(char *out, size_t n, const char *key, const char *src,
    char space_as)
{
	char v[128];
	size_t k = 0, len;

	for (; src != NULL && *src != '\0' && k + 1 < sizeof(v); src++)
		if (*src > ' ' && *src < 0x7f)
			v[k++] = *src;
		else if (*src == ' ' && space_as != 0)
			v[k++] = space_as;
	v[k] = '\0';
	len = strlen(out);
	if (k > 0 && len < n)
		snprintf(out + len, n - len, "%s%s=%s", len ? " " : "", key, v);
}

/*
 * The peer's controlling terminal, from the kernel (/proc/PID/stat's
 * tty_nr), as /dev/pts/N, /dev/ttyN, /dev/ttySN or MAJOR:MINOR; "" when it
 * has none or it cannot be read.
 */
static void
peer_tty(pid_t pid, char *out, size_t n)
{
	char path[64], buf[1024], *p;
	unsigned long nr, major, minor;
	ssize_t len;
	int fd, i;

	out[0] = '\0';
	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	if (pid <= 0 || (fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return;
	len = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (len <= 0)
		return;
	buf[len] = '\0';
	/* After "PID (COMM) ": state ppid pgrp session tty_nr. */
	if ((p = strrchr(buf, ')')) == NULL)
		return;
	for (i = 0; i < 5 && p != NULL; i++)
		p = strchr(p + 1, ' ');
	if (p == NULL || (nr = strtoul(p + 1, NULL, 10)) == 0)
		return;
	major = (nr >> 8) & 0xfff;
	minor = (nr & 0xff) | ((nr >> 12) & 0xfff00);
	if (major >= 136 && major <= 143)
		snprintf(out, n, "/dev/pts/%lu", minor + (major - 136) * 256);
	else if (major == 4 && minor < 64)
		snprintf(out, n, "/dev/tty%lu", minor);
	else if (major == 4)
		snprintf(out, n, "/dev/ttyS%lu", minor - 64);
	else
		snprintf(out, n, "%lu:%lu", major, minor);
}

/*
 * "tty=TTY ssh-claimed=ADDR session-claimed=S" for the audit log: the tty
 * is what the kernel says of the peer process (for sudo and su, the
 * user's own terminal); the ssh address and the session id are only what
 * the client says, and are marked so.
 */
static void
session_of(const struct conn *c, const struct gk_msg *m, char *out, size_t n)
{
	char tty[64];

	out[0] = '\0';
	peer_tty(c->pid, tty, sizeof(tty));
	session_field(out, n, "tty", tty, 0);
	session_field(out, n, "ssh-claimed", gk_msg_str(m, "ssh"), ',');
	session_field(out, n, "session-claimed", gk_msg_str(m, "session"), 0);
}

static void
send_decision(struct conn *c, const char *action, const struct gk_rule *r,
    const char *why, const char *exe)
{
	struct gk_msg m;

	gk_msg_begin(&m, GK_T_DECISION);
	gk_msg_add_str(&m, "action", action);
	if (r != NULL) {
		gk_msg_add_str(&m, "rule", r->label);
		gk_msg_add_str(&m, "file", r->file);
		gk_msg_add_u64(&m, "line", (uint64_t)r->line);
	}
	if (why != NULL && *why != '\0')
		gk_msg_add_str(&m, "why", why);
	if (exe != NULL)
		gk_msg_add_str(&m, "exe", exe);
	conn_send(c, &m);
}

static const char SQL_NEXT_ID[] = "SELECT COALESCE(MAX(id), 0) + 1 FROM requests";
static const char SQL_REQ_INSERT[] =
    "INSERT INTO requests(id, state, host, nonce, uid, user, argv, exe, "
    "exe_hash, cwd, paths, run_as, rule, need, set_name, members, reason, "
    "created, expires, delay, run_at, digest, status, session) VALUES "
    "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?)";

static void
bind_list(sqlite3_stmt *st, int i, struct gk_buf *b, size_t n, char *const *v)
{
	gk_buf_init(b, 8 * 1024 * 1024);
	gk_strlist_encode(b, n, v);
	sqlite3_bind_blob(st, i, b->data ? (const void *)b->data : "", (int)b->len,
	    SQLITE_STATIC);
}

int64_t
request_next_id(struct daemon *d)
{
	sqlite3_stmt *st = stmt(d, SQL_NEXT_ID);
	int64_t id;

	id = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_reset(st);
	return id;
}

int
request_insert(struct daemon *d, const struct newreq *nr)
{
	const struct gk_request_fields *f = nr->f;
	struct gk_buf bargv, bpaths, bmem;
	sqlite3_stmt *st = stmt(d, SQL_REQ_INSERT);
	int r = 0;

	sqlite3_bind_int64(st, 1, (int64_t)f->number);
	sqlite3_bind_text(st, 2, nr->state, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, f->host_id, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 4, f->nonce, GK_NONCE_LEN, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, f->uid);
	sqlite3_bind_text(st, 6, f->user, -1, SQLITE_STATIC);
	bind_list(st, 7, &bargv, f->argc, f->argv);
	sqlite3_bind_text(st, 8, f->exe_path, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 9, f->exe_hash, GK_DIGEST_LEN, SQLITE_STATIC);
	sqlite3_bind_text(st, 10, f->cwd, -1, SQLITE_STATIC);
	bind_list(st, 11, &bpaths, f->npaths, f->paths);
	sqlite3_bind_text(st, 12, f->run_as, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 13, f->rule, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 14, nr->need);
	sqlite3_bind_text(st, 15, nr->set_name, -1, SQLITE_STATIC);
	bind_list(st, 16, &bmem, nr->nmembers, nr->members);
	sqlite3_bind_text(st, 17, f->reason, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 18, f->created);
	sqlite3_bind_int64(st, 19, f->expires);
	sqlite3_bind_int64(st, 20, nr->delay);
	sqlite3_bind_int64(st, 21, 0);
	sqlite3_bind_blob(st, 22, nr->digest, GK_DIGEST_LEN, SQLITE_STATIC);
	sqlite3_bind_text(st, 23, nr->session, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE) {
		dlog(d, LOG_ERR, "insert request: %s", sqlite3_errmsg(d->db));
		r = GK_ERR_DB;
	}
	sqlite3_reset(st);
	gk_buf_free(&bargv);
	gk_buf_free(&bpaths);
	gk_buf_free(&bmem);
	return r;
}

int
request_terms_field(const struct newreq *nr, char *detail, size_t n)
{
	uint8_t h[GK_DIGEST_LEN];
	char hex[2 * GK_DIGEST_LEN + 1];
	size_t l = strlen(detail);
	int r;

	if ((r = gk_request_terms(nr->need, nr->set_name, nr->nmembers,
	    nr->members, nr->delay, nr->session, h)) != 0)
		return r;
	gk_hex(h, sizeof(h), hex);
	if ((size_t)snprintf(detail + l, n - l, " terms=%s", hex) >= n - l)
		return GK_ERR_LIMIT;
	return 0;
}

static void
deny_run(struct daemon *d, struct conn *c, int64_t uid, const char *user,
    const char *session, const char *command, const struct gk_rule *r,
    const char *why)
{
	char detail[900];

	snprintf(detail, sizeof(detail), "rule=%s why=%s",
	    r != NULL ? r->label : "-", why);
	audit_event(d, "deny", uid, user, 0, session, command, detail);
	send_decision(c, "deny", r, why, NULL);
}

/*
 * argv escaped for the audit log with its OTP-shaped words redacted
 * first: once escaped, a word's start can hide behind an escape (\n...)
 * from audit_append's own redaction. NULL when out of memory.
 */
static char *
escape_redacted(size_t argc, char *const *argv)
{
	char **v, *e = NULL;
	size_t i, n = 0;

	if ((v = calloc(argc, sizeof(*v))) == NULL)
		return NULL;
	for (n = 0; n < argc; n++)
		if ((v[n] = gk_otp_redact(argv[n])) == NULL)
			goto out;
	e = gk_escape_argv(argc, v);
 out:
	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
	return e;
}

static void
h_run(struct daemon *d, struct conn *c, struct gk_msg *m)
{
	struct gk_request_fields f;
	struct gk_decision dec;
	struct gk_query q;
	struct passwd *pw;
	struct newreq nr;
	const struct gk_rule *r;
	const char *cwd = gk_msg_str(m, "cwd"), *reason = gk_msg_str(m, "reason");
	const char *named = gk_msg_str(m, "user"), *run_as;
	const char *target = gk_msg_str(m, "run_as");
	const char *exe = gk_msg_str(m, "exe"), *exe_id = gk_msg_str(m, "exe_id");
	int authorize = gk_msg_count(m, "authorize") > 0;
	unsigned long long dev = 0, ino = 0;
	int have_id = 0;
	char **argv = NULL, **groups = NULL, *command = NULL, user[64];
	char **ids = NULL;
	char ccwd[PATH_MAX], session[300], why[512], detail[600];
	char hexd[65], fp[GK_FINGERPRINT_LEN + 1];
	uint8_t digest[GK_DIGEST_LEN];
	size_t argc = 0, ngroups = 0, i;
	int64_t uid, id, now = time(NULL), expire;
	gid_t gid;
	int exefd = -1, cwdproc = 0;

	memset(&dec, 0, sizeof(dec));
	if ((argv = gk_msg_strv(m, "arg", &argc)) == NULL || argc == 0 ||
	    argc > 4096 || cwd == NULL || cwd[0] != '/') {
		conn_error(c, GK_E_BAD, "a command needs its arguments and an "
		    "absolute working directory");
		goto out;
	}
	if (reason == NULL)
		reason = "";
	/* Who asks: the peer, or for a root peer (the PAM module) the user
	 * it names. */
	uid = c->uid;
	gid = c->gid;
	snprintf(user, sizeof(user), "%s", c->name);
	if (named != NULL && *named != '\0') {
		if (c->uid != 0) {
			conn_error(c, GK_E_DENIED, "only root may name the "
			    "requesting user");
			goto out;
		}
		if ((pw = getpwnam(named)) == NULL) {
			conn_error(c, GK_E_BAD, "unknown user");
			goto out;
		}
		uid = pw->pw_uid;
		gid = pw->pw_gid;
		snprintf(user, sizeof(user), "%s", pw->pw_name);
	}
	if ((authorize || target != NULL) && c->uid != 0) {
		conn_error(c, GK_E_DENIED, "only root may ask for an "
		    "authorization");
		goto out;
	}
	/* sudo and su say which file they will execute (exe) under argv[0],
	 * and its device and inode as they see it. */
	if ((exe != NULL || exe_id != NULL) && !authorize) {
		conn_error(c, GK_E_DENIED, "only an authorization names the "
		    "file to execute");
		goto out;
	}
	if (exe != NULL && exe[0] != '/') {
		conn_error(c, GK_E_BAD, "exe must be an absolute path");
		goto out;
	}
	if (exe_id != NULL) {
		char tail;

		if (exe == NULL || sscanf(exe_id, "%llu:%llu%c", &dev, &ino,
		    &tail) != 2) {
			conn_error(c, GK_E_BAD, "exe_id must be DEV:INO of exe");
			goto out;
		}
		have_id = 1;
	}
	if (target == NULL || *target == '\0')
		target = "root";
	session_of(c, m, session, sizeof(session));
	/* gk-shell and the module never send an OTP-shaped word (a YubiKey
	 * touched in the wrong place): a client that does is refused, so no
	 * request row, display or notice ever holds one. */
	if (gk_otp_argv_shaped(argc, argv) || gk_otp_shaped(reason) ||
	    gk_otp_shaped(cwd)) {
		if ((command = escape_redacted(argc, argv)) == NULL)
			goto oom;
		deny_run(d, c, uid, user, session, command, NULL, "a word looks "
		    "like a YubiKey one-time password; refused, and not kept");
		goto out;
	}
	if ((command = gk_escape_argv(argc, argv)) == NULL)
		goto oom;
	if (gk_canon_path_proc("/", cwd, ccwd, sizeof(ccwd), &cwdproc) != 0) {
		deny_run(d, c, uid, user, session, command, NULL,
		    "the working directory cannot be resolved");
		goto out;
	}
	memset(&q, 0, sizeof(q));
	/* Groups only when a rule names one; the peer's own are looked up
	 * once per connection. */
	if (!d->policy_groups)
		;
	else if (uid == (int64_t)c->uid && gid == c->gid &&
	    strcmp(user, c->name) == 0) {
		if (conn_groups(c, &q.groups, &q.ngroups) != 0)
			goto oom;
	} else if (gk_user_groups(user, gid, &groups, &ngroups) != 0)
		goto oom;
	else {
		q.groups = groups;
		q.ngroups = ngroups;
	}
	q.user = user;
	q.uid = (uid_t)uid;
	q.argc = argc;
	q.argv = argv;
	q.cwd = ccwd;
	q.exe = exe;
	if (gk_policy_decide(d->policy, &q, &dec) != 0)
		goto oom;
	r = dec.rule;
	switch (dec.action) {
	case GK_ACT_DENY:
		/* A rule that is not deny matched, but its arguments are
		 * refused (dec.why says why). */
		deny_run(d, c, uid, user, session, command, r,
		    r != NULL && r->action == GK_ACT_DENY ? "denied by policy" :
		    dec.why);
		goto out;
	case GK_ACT_LOCAL:
		/* local means "as the requester, no privilege": under sudo or
		 * su it would run as the target, so only when that is the
		 * requester. */
		if (authorize && strcmp(target, user) != 0) {
			snprintf(why, sizeof(why), "rule %s lets it run as %s "
			    "only, not as %s", r->label, user, target);
			deny_run(d, c, uid, user, session, command, r, why);
			goto out;
		}
		snprintf(detail, sizeof(detail), "%srule=%s",
		    authorize ? "runner=pam " : "", r->label);
		if (audit_event(d, "local", uid, user, 0, session, command,
		    detail) != 0) {
			conn_error(c, GK_E_INTERNAL, "cannot write the audit log");
			goto out;
		}
		send_decision(c, "local", r, NULL, dec.exe);
		goto out;
	case GK_ACT_ALLOW:
	case GK_ACT_APPROVE:
		break;
	}
	/* The cwd as sent: the daemon resolved it in its own context. */
	if (cwdproc) {
		deny_run(d, c, uid, user, session, command, r, "the working "
		    "directory goes through /proc, which leads elsewhere for "
		    "gatekeeperd than for you: cd to the real directory");
		goto out;
	}
	/* gk-shell asks with "pipeline" for a command in a pipeline or with
	 * redirections: only a local one can be. */
	if (gk_msg_str(m, "pipeline") != NULL) {
		deny_run(d, c, uid, user, session, command, r, "a command "
		    "gatekeeperd runs cannot be part of a pipeline or "
		    "redirection; run it on a line of its own");
		goto out;
	}
	if (!dec.installed || dec.exe == NULL) {
		deny_run(d, c, uid, user, session, command, r,
		    "the program is not installed on this host");
		goto out;
	}
	if (program_check(argv[0], exe, NULL, have_id, (dev_t)dev,
	    (ino_t)ino, why, sizeof(why)) != 0) {
		deny_run(d, c, uid, user, session, command, r, why);
		goto out;
	}
	if (!gk_rule_reason_ok(r, reason)) {
		if (r->reason_match != NULL)
			snprintf(why, sizeof(why), "this rule needs a reason "
			    "matching \"%s\" (in gk-shell: gk "
			    "reason TEXT; else $GK_REASON)",
			    r->reason_match);
		else
			snprintf(why, sizeof(why), "this rule needs a reason "
			    "(in gk-shell: gk "
			    "reason TEXT; else $GK_REASON)");
		deny_run(d, c, uid, user, session, command, r, why);
		goto out;
	}
	run_as = r->as_user != NULL ? r->as_user : "root";
	if (authorize && authorize_run_as(r, target, why, sizeof(why)) != 0) {
		deny_run(d, c, uid, user, session, command, r, why);
		goto out;
	}
	if (authorize)
		run_as = target;
	if (getpwnam(run_as) == NULL) {
		deny_run(d, c, uid, user, session, command, r,
		    "the rule's run-as user does not exist here");
		goto out;
	}
	memset(&f, 0, sizeof(f));
	if (exe_check(dec.exe, &exefd, f.exe_hash, why, sizeof(why)) != 0) {
		deny_run(d, c, uid, user, session, command, r, why);
		goto out;
	}
	close(exefd);
	if (r->action == GK_ACT_APPROVE &&
	    lockdown_admit(d, uid, why, sizeof(why)) != 0) {
		deny_run(d, c, uid, user, session, command, r, why);
		goto out;
	}
	if (authorize && r->action == GK_ACT_ALLOW) {
		authorize_allow(d, c, uid, user, session, command, r, run_as,
		    dec.exe, ccwd);
		goto out;
	}
	if (gk_path_ids(dec.paths, dec.npaths, &ids) != 0) {
		deny_run(d, c, uid, user, session, command, r, "a path "
		    "argument cannot be looked at");
		goto out;
	}

	if (store_begin(d) != 0)
		goto dberr;
	if ((id = request_next_id(d)) <= 0)
		goto dbroll;
	expire = r->action == GK_ACT_APPROVE ?
	    (r->expire > 0 ? r->expire : DEFAULT_EXPIRE) : 0;
	f.host_id = d->host;
	f.number = (uint64_t)id;
	randombytes_buf(f.nonce, sizeof(f.nonce));
	f.uid = (uint32_t)uid;
	f.user = user;
	f.argc = argc;
	f.argv = argv;
	f.exe_path = dec.exe;
	f.cwd = ccwd;
	f.npaths = dec.npaths;
	f.paths = dec.paths;
	f.run_as = run_as;
	f.rule = r->label;
	f.reason = reason;
	f.created = now;
	f.expires = now + expire;
	if (gk_request_digest(&f, digest) != 0)
		goto dbroll;
	gk_fingerprint(digest, fp);
	gk_hex(digest, sizeof(digest), hexd);

	memset(&nr, 0, sizeof(nr));
	nr.f = &f;
	nr.state = r->action == GK_ACT_APPROVE ? GK_ST_PENDING : GK_ST_APPROVED;
	nr.set_name = "";
	if (r->action == GK_ACT_APPROVE) {
		const struct gk_approver_set *set = &d->policy->sets[r->set];

		nr.need = r->need;
		nr.set_name = set->name;
		nr.nmembers = set->nmembers;
		nr.members = set->members;
		nr.delay = r->delay;
	}
	nr.digest = digest;
	nr.session = session;
	if (request_insert(d, &nr) != 0 ||
	    request_set_path_ids(d, id, ids, dec.npaths) != 0)
		goto dbroll;
	snprintf(detail, sizeof(detail), "%srule=%s action=%s need=%lld set=%s "
	    "fingerprint=%s digest=%s state=%s", authorize ? "runner=pam " : "",
	    r->label,
	    gk_action_name(r->action),
	    (long long)(r->action == GK_ACT_APPROVE ? r->need : 0),
	    r->action == GK_ACT_APPROVE ? d->policy->sets[r->set].name : "-",
	    fp, hexd, r->action == GK_ACT_APPROVE ? GK_ST_PENDING :
	    GK_ST_APPROVED);
	session_field(detail, sizeof(detail), "reason", reason, '_');
	if (request_terms_field(&nr, detail, sizeof(detail)) != 0 ||
	    audit_append(d, "request", uid, user, id, session, command,
	    detail) != 0)
		goto dbroll;
	if (store_commit(d) != 0)
		goto dberr;

	send_decision(c, gk_action_name(r->action), r, NULL, dec.exe);
	c->waiting = id;
	c->authorize = authorize;
	notify_event(d, "created", id, user);
	if (r->action == GK_ACT_APPROVE) {
		const struct gk_approver_set *set = &d->policy->sets[r->set];
		struct gk_msg rm;

		gk_msg_begin(&rm, GK_T_REQUEST);
		gk_msg_add_i64(&rm, "id", id);
		gk_msg_add_str(&rm, "fingerprint", fp);
		gk_msg_add_str(&rm, "rule", r->label);
		gk_msg_add_u64(&rm, "need", r->need);
		gk_msg_add_str(&rm, "set", set->name);
		for (i = 0; i < set->nmembers; i++)
			gk_msg_add_str(&rm, "approver", set->members[i]);
		gk_msg_add_i64(&rm, "expires", now + expire);
		conn_send(c, &rm);
		dlog(d, LOG_NOTICE, "request %lld by %s: %s (rule %s, needs %u "
		    "of %s)", (long long)id, user, command, r->label, r->need,
		    set->name);
	} else
		exec_start(d, id);
	goto out;
 dbroll:
	store_rollback(d);
 dberr:
	conn_error(c, GK_E_INTERNAL, "cannot record the request");
	goto out;
 oom:
	conn_error(c, GK_E_INTERNAL, "out of memory");
 out:
	gk_strv_free(ids, ids != NULL ? dec.npaths : 0);
	gk_decision_free(&dec);
	gk_strv_free(groups, ngroups);
	free(command);
	free(argv);
}

static int
get_id(struct conn *c, const struct gk_msg *m, int64_t *id)
{
	uint64_t v;

	if (gk_msg_u64(m, "id", ID_MAX, &v) != 0 || v == 0) {
		conn_error(c, GK_E_BAD, "a request number is needed");
		return -1;
	}
	*id = (int64_t)v;
	return 0;
}

/* Loads request id if the peer may see it; reports the error if not. */
static int
load_visible(struct daemon *d, struct conn *c, int64_t id, struct gk_reqrow *row)
{
	int r;

	if ((r = gk_reqrow_load(d->db, id, row)) != 0) {
		conn_error(c, r == GK_ERR_NOTFOUND ? GK_E_NOTFOUND : GK_E_INTERNAL,
		    "request %lld %s", (long long)id, r == GK_ERR_NOTFOUND ?
		    "does not exist" : "cannot be read");
		return -1;
	}
	if (row->uid != (int64_t)c->uid && !peer_sees_all(d, c)) {
		gk_reqrow_free(row);
		conn_error(c, GK_E_NOTFOUND, "request %lld does not exist",
		    (long long)id);
		return -1;
	}
	return 0;
}

/*
 * The approvals that count: by an approver still enrolled (a revoked one
 * has no row) with the key they signed with (no enrolment of theirs after
 * their approval's audit record; a --replace is one). The approval being
 * recorded has no audit record yet: it counts.
 */
static const char SQL_COUNT_APPROVALS[] =
    "SELECT count(*) FROM approvals a JOIN approvers p ON p.name = a.approver "
    "WHERE a.request = ?1 AND a.decision = 'approve' AND "
    "COALESCE((SELECT max(seq) FROM audit WHERE request = ?1 AND "
    "user = a.approver AND event = 'approve'), 9223372036854775807) > "
    "(SELECT max(seq) FROM audit WHERE event = 'enroll' AND "
    "user = a.approver)";

static int64_t
count_approvals(struct daemon *d, int64_t id)
{
	sqlite3_stmt *st = stmt(d, SQL_COUNT_APPROVALS);
	int64_t n;

	sqlite3_bind_int64(st, 1, id);
	n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_reset(st);
	return n;
}

int64_t
request_approvals(struct daemon *d, int64_t id)
{
	return count_approvals(d, id);
}

static void
send_progress(struct daemon *d, struct conn *c, const struct gk_reqrow *row,
    const char *by)
{
	struct gk_msg m;

	gk_msg_begin(&m, GK_T_PROGRESS);
	gk_msg_add_i64(&m, "id", row->id);
	gk_msg_add_str(&m, "state", row->state);
	gk_msg_add_i64(&m, "approvals", count_approvals(d, row->id));
	gk_msg_add_i64(&m, "need", row->need);
	gk_msg_add_i64(&m, "expires", row->expires);
	if (row->run_at > 0)
		gk_msg_add_i64(&m, "run_at", row->run_at);
	if (by != NULL)
		gk_msg_add_str(&m, "by", by);
	if (c != NULL)
		conn_send(c, &m);
	else
		waiters_send(d, row->id, &m, 0);
}

static const char SQL_OUTPUT[] = "SELECT output FROM requests WHERE id = ?";

static void
h_wait(struct daemon *d, struct conn *c, struct gk_msg *m)
{
	struct gk_reqrow row;
	struct gk_msg x;
	sqlite3_stmt *st;
	int64_t id;

	if (get_id(c, m, &id) != 0 || load_visible(d, c, id, &row) != 0)
		return;
	if (state_is(row.state, GK_ST_PENDING) ||
	    state_is(row.state, GK_ST_APPROVED) ||
	    state_is(row.state, GK_ST_RUNNING)) {
		c->waiting = id;
		send_progress(d, c, &row, NULL);
	} else if (state_is(row.state, GK_ST_DONE) ||
	    state_is(row.state, GK_ST_FAILED)) {
		st = stmt(d, SQL_OUTPUT);
		sqlite3_bind_int64(st, 1, id);
		if (sqlite3_step(st) == SQLITE_ROW &&
		    sqlite3_column_bytes(st, 0) > 0) {
			gk_msg_begin(&x, GK_T_OUTPUT);
			gk_msg_add_u64(&x, "stream", 1);
			gk_msg_add(&x, "data", sqlite3_column_blob(st, 0),
			    (size_t)sqlite3_column_bytes(st, 0));
			conn_send(c, &x);
		}
		sqlite3_reset(st);
		gk_msg_begin(&x, GK_T_EXIT);
		gk_msg_add_i64(&x, "id", id);
		gk_msg_add_str(&x, "state", row.state);
		gk_msg_add_i64(&x, "status", row.status < 0 ? 1 : row.status);
		conn_send(c, &x);
	} else {
		gk_msg_begin(&x, GK_T_END);
		gk_msg_add_i64(&x, "id", id);
		gk_msg_add_str(&x, "state", row.state);
		gk_msg_add_str(&x, "message", row.state);
		conn_send(c, &x);
	}
	gk_reqrow_free(&row);
}

static const char SQL_SET_STATE[] = "UPDATE requests SET state = ? WHERE id = ?";

int
request_set_state(struct daemon *d, int64_t id, const char *state)
{
	sqlite3_stmt *st = stmt(d, SQL_SET_STATE);
	int r;

	sqlite3_bind_text(st, 1, state, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, id);
	r = sqlite3_step(st) == SQLITE_DONE && sqlite3_changes(d->db) == 1 ?
	    0 : GK_ERR_DB;
	sqlite3_reset(st);
	return r;
}

void
request_end(struct daemon *d, int64_t id, const char *state, const char *by,
    const char *message)
{
	struct gk_msg m;

	gk_msg_begin(&m, GK_T_END);
	gk_msg_add_i64(&m, "id", id);
	gk_msg_add_str(&m, "state", state);
	if (by != NULL)
		gk_msg_add_str(&m, "by", by);
	gk_msg_add_str(&m, "message", message);
	waiters_send(d, id, &m, 1);
}

/* Moves a request to a final state with its audit record. */
int
request_finish(struct daemon *d, const struct gk_reqrow *row, const char *state,
    const char *event, int64_t uid, const char *user, const char *extra)
{
	char detail[600];
	char *command;

	snprintf(detail, sizeof(detail), "state=%s%s%s", state,
	    extra ? " " : "", extra ? extra : "");
	if ((command = gk_escape_argv(row->argc, row->argv)) == NULL)
		return GK_ERR_ALLOC;
	if (store_begin(d) != 0 || request_set_state(d, row->id, state) != 0 ||
	    audit_append(d, event, uid, user, row->id, row->session, command,
	    detail) != 0) {
		store_rollback(d);
		free(command);
		return GK_ERR_DB;
	}
	free(command);
	return store_commit(d);
}

static void
h_cancel(struct daemon *d, struct conn *c, struct gk_msg *m)
{
	struct gk_reqrow row;
	int64_t id;

	if (get_id(c, m, &id) != 0 || load_visible(d, c, id, &row) != 0)
		return;
	if (row.uid != (int64_t)c->uid && c->uid != 0) {
		conn_error(c, GK_E_DENIED, "only the requester or root may cancel "
		    "request %lld", (long long)id);
	} else if (!state_is(row.state, GK_ST_PENDING) &&
	    !state_is(row.state, GK_ST_APPROVED)) {
		conn_error(c, GK_E_STATE, "request %lld is %s; it can no longer be "
		    "cancelled", (long long)id, row.state);
	} else if (request_finish(d, &row, GK_ST_CANCELLED, "cancel", c->uid, c->name,
	    NULL) != 0) {
		conn_error(c, GK_E_INTERNAL, "cannot record the cancellation");
	} else {
		request_end(d, id, GK_ST_CANCELLED, c->name, "cancelled");
		notify_event(d, "cancelled", id, c->name);
		conn_ok(c, "cancelled");
	}
	gk_reqrow_free(&row);
}

static const char SQL_LIST[] = "SELECT " GK_REQROW_COLUMNS " FROM requests "
    "WHERE state IN ('pending', 'approved') ORDER BY id";

static void
h_list(struct daemon *d, struct conn *c, struct gk_msg *m)
{
	struct gk_reqrow row;
	struct gk_msg x;
	sqlite3_stmt *st;
	char fp[GK_FINGERPRINT_LEN + 1];
	int all = peer_sees_all(d, c);
	size_t i;

	(void)m;
	st = stmt(d, SQL_LIST);
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (gk_reqrow_from_stmt(st, &row) != 0)
			continue;
		if (all || row.uid == (int64_t)c->uid) {
			gk_fingerprint(row.digest, fp);
			gk_msg_begin(&x, GK_T_ITEM);
			gk_msg_add_i64(&x, "id", row.id);
			gk_msg_add_str(&x, "state", row.state);
			gk_msg_add_str(&x, "user", row.user);
			gk_msg_add_str(&x, "rule", row.rule);
			gk_msg_add_i64(&x, "need", row.need);
			gk_msg_add_i64(&x, "approvals",
			    count_approvals(d, row.id));
			gk_msg_add_i64(&x, "expires", row.expires);
			gk_msg_add_str(&x, "fingerprint", fp);
			for (i = 0; i < row.argc; i++)
				gk_msg_add_str(&x, "arg", row.argv[i]);
			gk_reqrow_free(&row);
			conn_send(c, &x);
		} else
			gk_reqrow_free(&row);
	}
	sqlite3_reset(st);
	gk_msg_begin(&x, GK_T_DONE);
	conn_send(c, &x);
}

static const char SQL_DECIDED[] =
    "SELECT approver, decision FROM approvals WHERE request = ? ORDER BY time";
static const char SQL_APPROVER_BY_UID[] =
    "SELECT name, pubkey, public_id, private_id, aes_key, counter, use "
    "FROM approvers WHERE uid = ?";

static void
h_show(struct daemon *d, struct conn *c, struct gk_msg *m)
{
	struct gk_reqrow row;
	struct gk_msg x;
	sqlite3_stmt *st;
	char hex[65], fp[GK_FINGERPRINT_LEN + 1], line[200];
	size_t i;
	int64_t id;

	if (get_id(c, m, &id) != 0 || load_visible(d, c, id, &row) != 0)
		return;
	gk_msg_begin(&x, GK_T_ITEM);
	gk_msg_add_i64(&x, "id", row.id);
	gk_msg_add_str(&x, "state", row.state);
	gk_msg_add_str(&x, "host", row.host);
	gk_hex(row.nonce, GK_NONCE_LEN, hex);
	gk_msg_add_str(&x, "nonce", hex);
	gk_msg_add_i64(&x, "uid", row.uid);
	gk_msg_add_str(&x, "user", row.user);
	for (i = 0; i < row.argc; i++)
		gk_msg_add_str(&x, "arg", row.argv[i]);
	gk_msg_add_str(&x, "exe", row.exe);
	gk_hex(row.exe_hash, GK_DIGEST_LEN, hex);
	gk_msg_add_str(&x, "exe_hash", hex);
	gk_msg_add_str(&x, "cwd", row.cwd);
	for (i = 0; i < row.npaths; i++)
		gk_msg_add_str(&x, "path", row.paths[i]);
	gk_msg_add_str(&x, "run_as", row.run_as);
	gk_msg_add_str(&x, "rule", row.rule);
	gk_msg_add_str(&x, "reason", row.reason);
	gk_msg_add_i64(&x, "created", row.created);
	gk_msg_add_i64(&x, "expires", row.expires);
	gk_hex(row.digest, GK_DIGEST_LEN, hex);
	gk_msg_add_str(&x, "digest", hex);
	gk_fingerprint(row.digest, fp);
	gk_msg_add_str(&x, "fingerprint", fp);
	gk_msg_add_i64(&x, "need", row.need);
	gk_msg_add_str(&x, "set", row.set_name);
	for (i = 0; i < row.nmembers; i++)
		gk_msg_add_str(&x, "member", row.members[i]);
	gk_msg_add_i64(&x, "approvals", count_approvals(d, id));
	gk_msg_add_str(&x, "session", row.session);
	gk_msg_add_i64(&x, "delay", row.delay);
	gk_msg_add_i64(&x, "run_at", row.run_at);
	if (row.status >= 0)
		gk_msg_add_i64(&x, "status", row.status);
	st = stmt(d, SQL_DECIDED);
	sqlite3_bind_int64(st, 1, id);
	while (sqlite3_step(st) == SQLITE_ROW) {
		snprintf(line, sizeof(line), "%s=%s",
		    (const char *)sqlite3_column_text(st, 0),
		    (const char *)sqlite3_column_text(st, 1));
		gk_msg_add_str(&x, "decided", line);
	}
	sqlite3_reset(st);
	st = stmt(d, SQL_OUTPUT);
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_bytes(st, 0) > 0)
		gk_msg_add(&x, "output", sqlite3_column_blob(st, 0),
		    (size_t)sqlite3_column_bytes(st, 0));
	sqlite3_reset(st);
	st = stmt(d, SQL_APPROVER_BY_UID);
	sqlite3_bind_int64(st, 1, c->uid);
	if (sqlite3_step(st) == SQLITE_ROW)
		gk_msg_add_str(&x, "approver",
		    (const char *)sqlite3_column_text(st, 0));
	sqlite3_reset(st);
	conn_send(c, &x);
	gk_reqrow_free(&row);
}

struct approver {
	char	 name[64];
	uint8_t	 pubkey[32];
	char	 pubid[GK_OTP_PUBID_LEN + 1];
	uint8_t	 privid[GK_OTP_PRIVID_LEN];
	uint8_t	 aes[GK_OTP_KEY_LEN];
	int64_t	 counter, use;
};

static int
approver_by_uid(struct daemon *d, uid_t uid, struct approver *a)
{
	sqlite3_stmt *st = stmt(d, SQL_APPROVER_BY_UID);
	int r = -1;

	memset(a, 0, sizeof(*a));
	sqlite3_bind_int64(st, 1, uid);
	if (sqlite3_step(st) == SQLITE_ROW &&
	    sqlite3_column_bytes(st, 1) == 32 &&
	    sqlite3_column_bytes(st, 2) == GK_OTP_PUBID_LEN &&
	    sqlite3_column_bytes(st, 3) == GK_OTP_PRIVID_LEN &&
	    sqlite3_column_bytes(st, 4) == GK_OTP_KEY_LEN) {
		snprintf(a->name, sizeof(a->name), "%s",
		    (const char *)sqlite3_column_text(st, 0));
		memcpy(a->pubkey, sqlite3_column_blob(st, 1), 32);
		memcpy(a->pubid, sqlite3_column_text(st, 2), GK_OTP_PUBID_LEN);
		memcpy(a->privid, sqlite3_column_blob(st, 3), GK_OTP_PRIVID_LEN);
		memcpy(a->aes, sqlite3_column_blob(st, 4), GK_OTP_KEY_LEN);
		a->counter = sqlite3_column_int64(st, 5);
		a->use = sqlite3_column_int64(st, 6);
		r = 0;
	}
	sqlite3_reset(st);
	return r;
}

static const char SQL_HAS_DECIDED[] =
    "SELECT 1 FROM approvals WHERE request = ? AND approver = ?";
static const char SQL_SPEND[] =
    "UPDATE approvers SET counter = ?, use = ? WHERE name = ? AND "
    "(counter < ? OR (counter = ? AND use < ?))";
static const char SQL_APPROVAL_INSERT[] =
    "INSERT INTO approvals(request, approver, decision, otp, sig, time, reason) "
    "VALUES (?, ?, ?, ?, ?, ?, ?)";
static const char SQL_APPROVE[] =
    "UPDATE requests SET state = 'approved', run_at = ? WHERE id = ? AND "
    "state = 'pending'";

static void
h_decide(struct daemon *d, struct conn *c, struct gk_msg *m)
{
	struct gk_request_fields f;
	struct gk_reqrow row;
	struct approver a;
	struct gk_buf msg;
	sqlite3_stmt *st;
	const char *decision = gk_msg_str(m, "decision");
	const char *otp = gk_msg_str(m, "otp"), *reason = gk_msg_str(m, "reason");
	char pubid[GK_OTP_PUBID_LEN + 1], sighex[129], detail[700], *command = NULL;
	uint8_t sig[64], digest[GK_DIGEST_LEN];
	uint32_t counter, use;
	uint64_t when;
	int64_t id, now = time(NULL), n;
	enum gk_otp_result o;
	size_t i;
	int approve, in_set = 0, done = 0, veto;

	memset(&a, 0, sizeof(a));
	gk_buf_init(&msg, 4096);
	if (get_id(c, m, &id) != 0)
		goto wipe;
	if (decision == NULL || (strcmp(decision, "approve") != 0 &&
	    strcmp(decision, "deny") != 0) || otp == NULL ||
	    gk_msg_bytes(m, "sig", sig, sizeof(sig)) != 0 ||
	    gk_msg_u64(m, "time", (uint64_t)INT64_MAX, &when) != 0) {
		conn_error(c, GK_E_BAD, "a decision needs: approve or deny, an "
		    "OTP, a signature and a time");
		goto wipe;
	}
	if (reason == NULL)
		reason = "";
	approve = strcmp(decision, "approve") == 0;
	if (gk_reqrow_load(d->db, id, &row) != 0) {
		conn_error(c, GK_E_NOTFOUND, "request %lld does not exist",
		    (long long)id);
		goto wipe;
	}
	/* A deny while an approved request waits out its delay is a veto. */
	veto = !approve && request_in_window(&row);
	/* 1. who may decide */
	if (approver_by_uid(d, c->uid, &a) != 0) {
		conn_error(c, GK_E_DENIED, "you (uid %lu) are not an enrolled "
		    "approver", (unsigned long)c->uid);
		goto out;
	}
	for (i = 0; i < row.nmembers; i++)
		if (strcmp(row.members[i], a.name) == 0)
			in_set = 1;
	if (!in_set) {
		conn_error(c, GK_E_DENIED, "%s is not in the approver set \"%s\" "
		    "of request %lld", a.name, row.set_name, (long long)id);
		goto out;
	}
	if (row.uid == (int64_t)c->uid) {
		conn_error(c, GK_E_DENIED, "you cannot decide on your own "
		    "request");
		goto out;
	}
	st = stmt(d, SQL_HAS_DECIDED);
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, a.name, -1, SQLITE_STATIC);
	n = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_reset(st);
	if (n && !veto) {
		conn_error(c, GK_E_DENIED, "%s has already decided on request "
		    "%lld", a.name, (long long)id);
		goto out;
	}
	if (state_is(row.state, GK_ST_PENDING) && row.expires <= now) {
		if (request_finish(d, &row, GK_ST_EXPIRED, "expire", 0, "root",
		    NULL) == 0) {
			request_end(d, id, GK_ST_EXPIRED, NULL, "expired");
			notify_event(d, "expired", id, NULL);
		}
		conn_error(c, GK_E_STATE, "request %lld has expired", (long long)id);
		goto out;
	}
	if (!state_is(row.state, GK_ST_PENDING) && !veto) {
		conn_error(c, GK_E_STATE, "request %lld is %s, not pending",
		    (long long)id, row.state);
		goto out;
	}
	if (approve && lockdown_refuses(d, c, &row))
		goto out;
	/* 2. the OTP */
	if ((o = gk_otp_parse(otp, pubid)) != GK_OTP_OK) {
		conn_error(c, GK_E_REFUSED, "OTP refused: %s", gk_otp_strerror(o));
		goto out;
	}
	if (strcmp(pubid, a.pubid) != 0) {
		conn_error(c, GK_E_REFUSED, "OTP refused: it is not from %s's "
		    "YubiKey", a.name);
		goto out;
	}
	if ((o = gk_otp_verify(otp, a.aes, a.privid, (uint32_t)a.counter,
	    (uint32_t)a.use, &counter, &use)) != GK_OTP_OK) {
		conn_error(c, GK_E_REFUSED, "OTP refused: %s", gk_otp_strerror(o));
		goto out;
	}
	/* 3. the signature, over the digest recomputed from the stored fields */
	gk_reqrow_fields(&row, &f);
	if (gk_request_digest(&f, digest) != 0 ||
	    gk_approval_message(&msg, digest, decision, otp, a.name,
	    (int64_t)when) != 0 ||
	    crypto_sign_verify_detached(sig, msg.data, msg.len, a.pubkey) != 0) {
		conn_error(c, GK_E_REFUSED, "signature refused: it does not verify "
		    "for %s over request %lld as recorded here", a.name,
		    (long long)id);
		goto out;
	}
	/* 4. one transaction: counter, approval, audit, state */
	if ((command = gk_escape_argv(row.argc, row.argv)) == NULL)
		goto out;
	if (store_begin(d) != 0)
		goto dberr;
	st = stmt(d, SQL_SPEND);
	sqlite3_bind_int64(st, 1, counter);
	sqlite3_bind_int64(st, 2, use);
	sqlite3_bind_text(st, 3, a.name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, counter);
	sqlite3_bind_int64(st, 5, counter);
	sqlite3_bind_int64(st, 6, use);
	if (sqlite3_step(st) != SQLITE_DONE || sqlite3_changes(d->db) != 1) {
		sqlite3_reset(st);
		store_rollback(d);
		conn_error(c, GK_E_REFUSED, "OTP refused: %s",
		    gk_otp_strerror(GK_OTP_REPLAYED));
		goto out;
	}
	sqlite3_reset(st);
	if (veto) {
		if (veto_record(d, &row, a.name, c->uid, otp, sig, (int64_t)when,
		    reason, command) != 0)
			goto dbroll;
		if (store_commit(d) != 0)
			goto dberr;
		veto_announce(d, c, &row, a.name);
		goto out;
	}
	st = stmt(d, SQL_APPROVAL_INSERT);
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, a.name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, decision, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, otp, -1, SQLITE_TRANSIENT);
	sqlite3_bind_blob(st, 5, sig, sizeof(sig), SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, (int64_t)when);
	sqlite3_bind_text(st, 7, reason, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE) {
		sqlite3_reset(st);
		goto dbroll;
	}
	sqlite3_reset(st);
	gk_hex(sig, sizeof(sig), sighex);
	n = count_approvals(d, id);
	done = approve && n >= row.need;
	snprintf(detail, sizeof(detail), "decision=%s approvals=%lld need=%lld "
	    "state=%s sig=%s", decision, (long long)n, (long long)row.need,
	    approve ? (done ? GK_ST_APPROVED : GK_ST_PENDING) : GK_ST_REJECTED,
	    sighex);
	if (audit_append(d, approve ? "approve" : "reject", c->uid, a.name, id,
	    "", command, detail) != 0)
		goto dbroll;
	if (!approve && request_set_state(d, id, GK_ST_REJECTED) != 0)
		goto dbroll;
	if (done) {
		st = stmt(d, SQL_APPROVE);
		sqlite3_bind_int64(st, 1, now + row.delay);
		sqlite3_bind_int64(st, 2, id);
		if (sqlite3_step(st) != SQLITE_DONE || sqlite3_changes(d->db) != 1) {
			sqlite3_reset(st);
			goto dbroll;
		}
		sqlite3_reset(st);
	}
	if (store_commit(d) != 0)
		goto dberr;
	checkpoint_maybe(d, 0);
	notify_event(d, approve ? "approved" : "rejected", id, a.name);
	dlog(d, LOG_NOTICE, "request %lld: %s by %s (%lld of %lld)", (long long)id,
	    approve ? "approved" : "rejected", a.name, (long long)n,
	    (long long)row.need);
	conn_ok(c, !approve ? "rejected" : !done ? "approval recorded" :
	    row.delay > 0 ? "approved: the command runs when its delay ends; "
	    "any approver may veto until then" :
	    request_is_authorize(d, id) ? "approved: sudo or su runs it now" :
	    "approved: the command runs now");
	if (!approve) {
		request_end(d, id, GK_ST_REJECTED, a.name, "rejected");
	} else {
		gk_reqrow_free(&row);
		if (gk_reqrow_load(d->db, id, &row) == 0)
			send_progress(d, NULL, &row, a.name);
		if (done && row.delay > 0)
			notify_event(d, "delayed", id, a.name);
		else if (done)
			request_run(d, id);
	}
	goto out;
 dbroll:
	store_rollback(d);
 dberr:
	conn_error(c, GK_E_INTERNAL, "cannot record the decision");
 out:
	gk_reqrow_free(&row);
 wipe:
	free(command);
	sodium_memzero(&a, sizeof(a));
	gk_buf_free(&msg);
}

static void
h_enroll(struct daemon *d, struct conn *c, struct gk_msg *m)
{
	const char *name = gk_msg_str(m, "name"), *pk = gk_msg_str(m, "pubkey");
	const char *yk = gk_msg_str(m, "yubikey"), *rp = gk_msg_str(m, "replace");
	char pubid[GK_OTP_PUBID_LEN + 1], hexpriv[13], hexaes[33];
	int replace = rp != NULL && strcmp(rp, "1") == 0, r;
	uint8_t pub[32], priv[GK_OTP_PRIVID_LEN], aes[GK_OTP_KEY_LEN];
	uint64_t uid;

	if (name == NULL || !gk_policy_name_valid(name)) {
		conn_error(c, GK_E_BAD, "bad approver name (letters, digits, "
		    "- _ . @; at most 48)");
		return;
	}
	if (gk_msg_u64(m, "uid", (uint64_t)UINT32_MAX - 1, &uid) != 0) {
		conn_error(c, GK_E_BAD, "bad uid");
		return;
	}
	if (pk != NULL && strncmp(pk, "ed25519:", 8) == 0)
		pk += 8;
	if (pk == NULL || gk_unhex(pk, pub, sizeof(pub)) != 0) {
		conn_error(c, GK_E_BAD, "bad public key (expected ed25519:HEX as "
		    "printed by gk-approve keygen)");
		return;
	}
	if (yk == NULL || strlen(yk) != 12 + 1 + 12 + 1 + 32 || yk[12] != ':' ||
	    yk[25] != ':') {
		conn_error(c, GK_E_BAD, "bad --yubikey (expected PUBLICID:PRIVATEID:"
		    "AESKEY: 12 modhex, 12 hex and 32 hex digits)");
		return;
	}
	memcpy(pubid, yk, 12);
	pubid[12] = '\0';
	memcpy(hexpriv, yk + 13, 12);
	hexpriv[12] = '\0';
	memcpy(hexaes, yk + 26, 32);
	hexaes[32] = '\0';
	if (!gk_modhex_valid(pubid, 12) || gk_unhex(hexpriv, priv, sizeof(priv)) ||
	    gk_unhex(hexaes, aes, sizeof(aes))) {
		conn_error(c, GK_E_BAD, "bad --yubikey (expected PUBLICID:PRIVATEID:"
		    "AESKEY: 12 modhex, 12 hex and 32 hex digits)");
		goto wipe;
	}
	if (governance_enroll(d, c, name, (int64_t)uid, pub, pubid, priv, aes,
	    replace))
		goto wipe;
	if (store_begin(d) != 0)
		goto dberr;
	if ((r = approver_store(d, name, (int64_t)uid, pub, pubid, priv, aes,
	    replace, 0)) != 0) {
		store_rollback(d);
		if (r != GK_ERR_STATE)
			goto dberr;
		conn_error(c, GK_E_STATE, replace ? "cannot change %s: not "
		    "enrolled, or the uid or the YubiKey is another's" :
		    "cannot enroll %s: the name, the uid or the YubiKey is "
		    "already enrolled", name);
		goto wipe;
	}
	if (store_commit(d) != 0)
		goto dberr;
	dlog(d, LOG_NOTICE, "enrolled approver %s (uid %llu, YubiKey %s)", name,
	    (unsigned long long)uid, pubid);
	conn_ok(c, replace ? "changed" : "enrolled");
	goto wipe;
 dberr:
	conn_error(c, GK_E_INTERNAL, "cannot record the enrolment");
 wipe:
	sodium_memzero(aes, sizeof(aes));
	sodium_memzero(priv, sizeof(priv));
	sodium_memzero(hexaes, sizeof(hexaes));
	sodium_memzero(hexpriv, sizeof(hexpriv));
}

static const char SQL_APPROVERS[] =
    "SELECT name, uid, public_id, pubkey, enrolled FROM approvers ORDER BY name";

static void
h_approvers(struct daemon *d, struct conn *c, struct gk_msg *m)
{
	struct gk_msg x;
	sqlite3_stmt *st;
	char hex[65];

	(void)m;
	if (!peer_sees_all(d, c)) {
		conn_error(c, GK_E_DENIED, "only root, approvers and auditors may "
		    "list approvers");
		return;
	}
	st = stmt(d, SQL_APPROVERS);
	while (sqlite3_step(st) == SQLITE_ROW) {
		gk_msg_begin(&x, GK_T_ITEM);
		gk_msg_add_str(&x, "name", (const char *)sqlite3_column_text(st, 0));
		gk_msg_add_i64(&x, "uid", sqlite3_column_int64(st, 1));
		gk_msg_add_str(&x, "public_id",
		    (const char *)sqlite3_column_text(st, 2));
		if (sqlite3_column_bytes(st, 3) == 32) {
			gk_hex(sqlite3_column_blob(st, 3), 32, hex);
			gk_msg_add_str(&x, "pubkey", hex);
		}
		gk_msg_add_i64(&x, "enrolled", sqlite3_column_int64(st, 4));
		conn_send(c, &x);
	}
	sqlite3_reset(st);
	gk_msg_begin(&x, GK_T_DONE);
	conn_send(c, &x);
}


static void
h_revoke(struct daemon *d, struct conn *c, struct gk_msg *m)
{
	const char *name = gk_msg_str(m, "name");
	int r;

	if (name == NULL || !gk_policy_name_valid(name)) {
		conn_error(c, GK_E_BAD, "bad approver name");
		return;
	}
	if (governance_revoke(d, c, name))
		return;
	if (store_begin(d) != 0)
		goto dberr;
	if ((r = approver_remove(d, name, 0)) != 0) {
		store_rollback(d);
		if (r != GK_ERR_STATE)
			goto dberr;
		conn_error(c, GK_E_NOTFOUND, "%s is not an enrolled approver", name);
		return;
	}
	if (store_commit(d) != 0)
		goto dberr;
	dlog(d, LOG_NOTICE, "revoked approver %s", name);
	conn_ok(c, "revoked");
	return;
 dberr:
	conn_error(c, GK_E_INTERNAL, "cannot record the revocation");
}

static void
h_audit(struct daemon *d, struct conn *c, struct gk_msg *m)
{
	auditq_start(d, c, m);	/* answered in slices (auditq.c) */
}

static void
h_verify(struct daemon *d, struct conn *c, struct gk_msg *m)
{
	const char *line = gk_msg_str(m, "anchor");
	struct gk_checkpoint anchor;
	char msg[512];
	int r;

	if (!peer_sees_all(d, c)) {
		conn_error(c, GK_E_DENIED, "only root, approvers and auditors may "
		    "verify the whole log");
		return;
	}
	if (line != NULL && gk_checkpoint_parse(line, &anchor) != 0) {
		conn_error(c, GK_E_BAD, "the anchor is not a checkpoint line");
		return;
	}
	/* Signed at the head first: verify refuses records no checkpoint
	 * covers, and nothing is appended between the two. */
	checkpoint_maybe(d, 1);
	r = gk_audit_verify(d->db, line ? &anchor : NULL, msg, sizeof(msg));
	if (r == 0)
		conn_ok(c, msg);
	else
		conn_error(c, r == 1 ? "tampered" : GK_E_INTERNAL, "%s", msg);
}

static void
h_checkpoint(struct daemon *d, struct conn *c, struct gk_msg *m)
{
	char line[512];

	(void)m;
	if (checkpoint_line(d, line, sizeof(line)) != 0)
		conn_error(c, GK_E_INTERNAL, "cannot make a checkpoint");
	else
		conn_ok(c, line);
}

/* Which message each peer may send, and when. */
static const struct {
	uint8_t	 type;
	void	(*fn)(struct daemon *, struct conn *, struct gk_msg *);
	int	 root_only;
	int	 while_waiting;
} handlers[] = {
	{ GK_T_RUN, h_run, 0, 0 },
	{ GK_T_WAIT, h_wait, 0, 0 },
	{ GK_T_CANCEL, h_cancel, 0, 1 },
	{ GK_T_LIST, h_list, 0, 0 },
	{ GK_T_SHOW, h_show, 0, 0 },
	{ GK_T_DECIDE, h_decide, 0, 0 },
	{ GK_T_ENROLL, h_enroll, 1, 0 },
	{ GK_T_APPROVERS, h_approvers, 0, 0 },
	{ GK_T_REVOKE, h_revoke, 1, 0 },
	{ GK_T_AUDIT, h_audit, 0, 0 },
	{ GK_T_VERIFY, h_verify, 0, 0 },
	{ GK_T_CHECKPOINT, h_checkpoint, 0, 0 },
	{ GK_T_SESSION, h_session, 1, 0 },
	{ GK_T_SEAL, h_seal, 1, 0 },
	{ GK_T_LOCKDOWN, h_lockdown, 0, 0 },
};

void
handle_message(struct daemon *d, struct conn *c, struct gk_msg *m)
{
	size_t i;

	for (i = 0; i < sizeof(handlers) / sizeof(handlers[0]); i++) {
		if (handlers[i].type != m->type)
			continue;
		if (c->waiting != 0 && !handlers[i].while_waiting)
			break;
		if (handlers[i].root_only && c->uid != 0) {
			conn_error(c, GK_E_DENIED, "only root may do that");
			return;
		}
		handlers[i].fn(d, c, m);
		return;
	}
	/* Unknown, or not permitted in the peer's state: drop it. */
	c->dead = 1;
}

static const char SQL_DUE_EXPIRE[] =
    "SELECT id FROM requests WHERE state = 'pending' AND expires <= ? LIMIT 64";
static const char SQL_DUE_RUN[] =
    "SELECT id FROM requests WHERE state = 'approved' AND run_at <= ? LIMIT 64";

void
requests_tick(struct daemon *d)
{
	static int64_t last;
	struct gk_reqrow row;
	int64_t ids[64], now = time(NULL);
	sqlite3_stmt *st;
	size_t n, i;

	if (now == last)
		return;
	last = now;
	st = stmt(d, SQL_DUE_EXPIRE);
	sqlite3_bind_int64(st, 1, now);
	for (n = 0; n < 64 && sqlite3_step(st) == SQLITE_ROW; n++)
		ids[n] = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	for (i = 0; i < n; i++) {
		if (gk_reqrow_load(d->db, ids[i], &row) != 0)
			continue;
		if (request_finish(d, &row, GK_ST_EXPIRED, "expire", 0, "root", NULL) == 0) {
			dlog(d, LOG_NOTICE, "request %lld expired",
			    (long long)ids[i]);
			request_end(d, ids[i], GK_ST_EXPIRED, NULL, "expired");
			notify_event(d, "expired", ids[i], NULL);
		}
		gk_reqrow_free(&row);
	}
	governance_tick(d);
	if (lockdown_active(d))
		return;		/* frozen: nothing approved starts */
	st = stmt(d, SQL_DUE_RUN);
	sqlite3_bind_int64(st, 1, now);
	for (n = 0; n < 64 && sqlite3_step(st) == SQLITE_ROW; n++)
		ids[n] = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	for (i = 0; i < n; i++)
		request_run(d, ids[i]);
}

static const char SQL_RUNNING[] =
    "SELECT id FROM requests WHERE state = 'running' LIMIT 64";

void
requests_recover(struct daemon *d)
{
	struct gk_reqrow row;
	int64_t id;
	sqlite3_stmt *st;

	/* At most once: whatever was running when we died is never re-run. */
	for (;;) {
		st = stmt(d, SQL_RUNNING);
		id = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
		sqlite3_reset(st);
		if (id == 0 || gk_reqrow_load(d->db, id, &row) != 0)
			break;
		if (request_finish(d, &row, GK_ST_INTERRUPTED, "interrupted", 0, "root",
		    "why=daemon-restarted") != 0) {
			gk_reqrow_free(&row);
			break;
		}
		dlog(d, LOG_WARNING, "request %lld was running when the daemon "
		    "stopped: marked interrupted, not re-run", (long long)id);
		notify_event(d, "interrupted", id, NULL);
		gk_reqrow_free(&row);
	}
}
