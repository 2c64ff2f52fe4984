/*
 * gatekeeperd's shared state. One thread: the event loop owns everything,
 * including the SQLite handle.
 */
#ifndef GK_DAEMON_H
#define GK_DAEMON_H

#include <stdint.h>
#include <sys/types.h>

#include <sodium.h>
#include <sqlite3.h>

#include "audit.h"
#include "buf.h"
#include "canon.h"
#include "frame.h"
#include "msg.h"
#include "policy.h"

struct gk_reqrow;

#define CONN_OUT_MAX		(4 * 1024 * 1024)	/* then the peer is dropped */
/* Shares (docs/DESIGN.md "Limits"): connections, the frame deadline, and
 * the output budgets past which a peer with unread output is dropped. */
#define MAX_CONNS		4096
#define CONN_PER_UID		512	/* root: not capped */
#define CONN_RESERVED		256	/* the last slots: root and approvers */
#define FRAME_SECONDS		10	/* to complete a frame once begun */
#define OUT_UID_MAX		(16 * 1024 * 1024)
#define OUT_TOTAL_MAX		(64 * 1024 * 1024)
#define OUT_SMALL		(64 * 1024)	/* a peer below it is never dropped */
#define CONN_IN_MAX		(GK_FRAME_HDR + GK_FRAME_MAX)	/* one frame */
#define OUTPUT_KEEP		(64 * 1024)		/* stored per request */
#define DEFAULT_EXPIRE		3600
#define CHECKPOINT_EVERY	GK_CHECKPOINT_EVERY	/* records (audit.h) */
#define CHECKPOINT_SECONDS	60

enum watch_kind { W_LISTEN, W_SIGNAL, W_CONN, W_JOB_OUT, W_JOB_ERR };

struct watch {
	enum watch_kind	 kind;
	void		*ptr;
};

struct peer_uid;
struct auditq;

struct conn {
	struct watch	 w;
	int		 fd;
	uid_t		 uid;
	gid_t		 gid;
	pid_t		 pid;
	char		 name[64];	/* the peer's user name (or uid) */
	char		**groups;	/* its group names, looked up once */
	size_t		 ngroups;
	int		 groups_known;
	struct gk_buf	 in, out;
	int64_t		 waiting;	/* request this peer waits on, 0 none */
	int		 authorize;	/* it waits to run it itself (PAM) */
	int		 closing;	/* close once out is drained */
	int		 held;		/* out holds bytes of an uncommitted batch */
	uint32_t	 events;	/* what epoll watches for it */
	int		 dead;
	struct peer_uid	*pu;		/* its uid's share (conn.c) */
	size_t		 out_acc;	/* c->out bytes counted in pu */
	int64_t		 born;		/* accepted (mono_now) */
	int64_t		 partial_since;	/* part of a frame buffered since */
	int		 framed;	/* a whole frame came */
	struct auditq	*query;		/* its audit query: frames wait */
	struct conn	*next;
};

struct job {
	struct watch	 wout, werr;
	int64_t		 id;
	pid_t		 pid;
	int		 outfd, errfd;
	int		 exited, status;
	struct gk_buf	 output;	/* first OUTPUT_KEEP bytes */
	size_t		 total;
	crypto_generichash_blake2b_state *hash;
	struct job	*next;
};

struct daemon {
	const char	*sockpath, *statedir, *policydir, *confpath;
	int		 foreground;
	sqlite3		*db;
	struct gk_policy *policy;
	int		 policy_groups;	/* some rule's WHO names a group */
	int		 lfd, epfd, sigfd;
	uint8_t		 sk[64], pk[32];
	char		 host[96];
	char		 audit_group[64];
	struct conn	*conns;
	struct auditq	*queries;	/* auditq.c, oldest first */
	struct job	*jobs;
	int64_t		 seq;		/* last audit record */
	uint8_t		 head[GK_DIGEST_LEN];
	int64_t		 cp_seq, cp_time;
	int		 batch;		/* in a loop turn: group commit */
	int		 batch_open;	/* its transaction has begun */
	int		 batch_failed;	/* its commit failed */
	int		 stop, reload;
	/* lockdown (lockdown.c): more than N approve-class requests in W
	 * seconds from one user, or in total; 0: that limit is off. */
	int64_t		 lock_user_n, lock_user_win, lock_total_n, lock_total_win;
};

struct gk_reqrow;

/* A new request row, for request_insert. */
struct newreq {
	const struct gk_request_fields *f;	/* number = the new id */
	const char	*state;
	int64_t		 need;
	const char	*set_name;
	size_t		 nmembers;
	char *const	*members;
	int64_t		 delay;
	const uint8_t	*digest;
	const char	*session;
};

/* main.c: makes p the policy in force (freeing the old one), with what
 * the request path caches about it. Every policy change goes here. */
void	policy_install(struct daemon *, struct gk_policy *);

/* log.c */
void	dlog(struct daemon *, int prio, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));

/* store.c */
int	store_open(struct daemon *);
void	store_close(struct daemon *);
sqlite3_stmt *stmt(struct daemon *, const char *sql);
/*
 * Group commit. Outside a batch, store_begin/store_commit are one durable
 * transaction. In a batch (one turn of the event loop, d->batch set),
 * store_begin opens the batch's transaction if needed and a savepoint,
 * store_commit releases the savepoint, store_rollback undoes it alone;
 * store_flush commits the batch durably. Answers wait for that commit
 * (conn_hold); whatever acts outside the daemon (a fork) calls
 * store_flush first. Every record is durable before anything tells of it.
 */
int	store_begin(struct daemon *);
int	store_commit(struct daemon *);
void	store_rollback(struct daemon *);
/* Commits the batch's transaction, if one is open (synchronous=FULL). A
 * failure rolls the whole batch back, sets d->batch_failed, returns
 * GK_ERR_DB. */
int	store_flush(struct daemon *);
/* Appends an audit record inside the open transaction. */
int	audit_append(struct daemon *, const char *event, int64_t uid,
	    const char *user, int64_t request, const char *session,
	    const char *command, const char *detail);
/* One record in its own transaction. */
int	audit_event(struct daemon *, const char *event, int64_t uid,
	    const char *user, int64_t request, const char *session,
	    const char *command, const char *detail);
/* requests.path_ids (see gk_path_ids): set inside the open transaction;
 * read back, GK_ERR_NOTFOUND when the row has none. */
int	request_set_path_ids(struct daemon *, int64_t id, char *const *ids,
	    size_t n);
int	request_path_ids(struct daemon *, int64_t id, char ***ids, size_t *n);
void	checkpoint_maybe(struct daemon *, int force);
int	checkpoint_line(struct daemon *, char *out, size_t n);

/* conn.c */
/* Seconds of CLOCK_MONOTONIC. */
int64_t	mono_now(void);
/* Counts c in its uid's share (connections, buffered output); detach
 * undoes it. 0 or GK_ERR_ALLOC. */
int	conn_attach(struct conn *);
void	conn_detach(struct conn *);
/* The connections uid has open. */
size_t	uid_conns(uid_t);
/* Output buffered for c's uid, and for every peer. */
size_t	conn_uid_out(const struct conn *);
size_t	conn_total_out(void);
/* Handles the whole frames c->in holds, until none is left, the peer
 * dies, or an audit query pauses it (main.c). */
void	conn_frames(struct daemon *, struct conn *);
/* From conn_hold on, output is buffered and marks its peer "held";
 * conn_release sends the held output (failed = 0) or drops the peers that
 * had any (failed: the records it told of were never committed). */
void	conn_hold(void);
void	conn_release(struct daemon *, int failed);
void	conn_flush(struct conn *);
void	conn_send(struct conn *, struct gk_msg *);
void	conn_error(struct conn *, const char *code, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
void	conn_ok(struct conn *, const char *message);
/* The peer's group names (for policy WHO), looked up on first use and
 * kept for the connection's life, as its uid and name are. The array
 * belongs to c. 0 or GK_ERR_ALLOC. */
int	conn_groups(struct conn *, char *const **groups, size_t *n);
/* Sends m to every peer waiting on request id; last: the request is over,
 * and they wait no more. */
void	waiters_send(struct daemon *, int64_t id, struct gk_msg *, int last);
int	peer_sees_all(struct daemon *, const struct conn *);

/* auditq.c: AUDIT queries answered in slices, a few per loop turn, each
 * produced only while the peer's output is below a mark; one query per
 * uid at a time (the others wait, their peers unread). */
void	auditq_start(struct daemon *, struct conn *, struct gk_msg *);
void	auditq_tick(struct daemon *);	/* the turn's slices */
int	auditq_pending(struct daemon *);	/* a slice could run now */
void	auditq_drop(struct daemon *, struct conn *);	/* c is closing */

/* requests.c */
void	handle_message(struct daemon *, struct conn *, struct gk_msg *);
void	requests_tick(struct daemon *);
void	requests_recover(struct daemon *);
int	request_set_state(struct daemon *, int64_t id, const char *state);
void	request_end(struct daemon *, int64_t id, const char *state,
	    const char *by, const char *message);
/* Appends " key=VALUE" to out, VALUE being src's printable non-space
 * characters (a space becomes space_as, or is dropped when that is 0). */
void	session_field(char *out, size_t n, const char *key, const char *src,
	    char space_as);

/* authorize.c: RUN with authorize=1, from the PAM module. sudo or su runs
 * the command; the daemon decides, gathers approvals and audits, never
 * runs it. */
/* 0 when rule r may run as target (a rule's `as` must name it); else why. */
int	authorize_run_as(const struct gk_rule *r, const char *target,
	    char *why, size_t whylen);
/* An allow decision under authorize: audited (with the file exe that
 * sudo or su executes), answered, not run. */
void	authorize_allow(struct daemon *, struct conn *, int64_t uid,
	    const char *user, const char *session, const char *command,
	    const struct gk_rule *r, const char *run_as, const char *exe,
	    const char *cwd);
/* An approved request is due: the daemon runs it (exec_start), or, for
 * one made under authorize, it becomes "authorized" for its waiter. */
void	request_go(struct daemon *, int64_t id);
/* The PAM peer waiting on request id left: the request is cancelled. */
void	authorize_abandon(struct daemon *, int64_t id);
/* Was request id made under authorize (sudo or su runs it, not us)? */
int	request_is_authorize(struct daemon *, int64_t id);

/* session.c: SESSION open/close records (root peer). */
void	h_session(struct daemon *, struct conn *, struct gk_msg *);

/* Moves a request to a final state with its audit record (own
 * transaction); extra: more detail, or NULL. */
int	request_finish(struct daemon *, const struct gk_reqrow *row,
	    const char *state, const char *event, int64_t uid, const char *user,
	    const char *extra);
/* The next request number (inside the caller's transaction), 0 on error. */
int64_t	request_next_id(struct daemon *);
/* Inserts a request row inside the caller's transaction. */
int	request_insert(struct daemon *, const struct newreq *);
/* The approvals of request id that count: by approvers still enrolled
 * with the key they signed with. */
int64_t	request_approvals(struct daemon *, int64_t id);
/* Appends " terms=HEX" (reqrow.h, gk_request_terms) of nr to the detail
 * of its `request` record; GK_ERR_LIMIT when it does not fit. */
int	request_terms_field(const struct newreq *, char *detail, size_t n);

/* delay.c: the delay window after the quorum. */
/* Is row approved and waiting out its delay (so a deny is a veto)? */
int	request_in_window(const struct gk_reqrow *row);
/* Records approver name's veto of row inside the open transaction:
 * vetoes row, state vetoed, audit record (with the signature). */
int	veto_record(struct daemon *, const struct gk_reqrow *row,
	    const char *name, int64_t uid, const char *otp,
	    const uint8_t sig[64], int64_t when, const char *reason,
	    const char *command);
/* After the commit: tells the vetoer, the waiters and the notifier. */
void	veto_announce(struct daemon *, struct conn *, const struct gk_reqrow *,
	    const char *name);

/* governance.c: changes to the guard need the guard once sealed. */
#define GOV_RULE	"gatekeeper-governance"
#define GOV_SET		"gatekeeper-approvers"
#define GOV_NEED	2
int	governance_sealed(struct daemon *);
/* Starts an approved request: a governance change is applied inside
 * the daemon, anything else goes to request_go (the daemon runs it, or
 * it is authorized for its sudo/su). */
void	request_run(struct daemon *, int64_t id);
/* Is request id a governance change of that kind ("lockdown-lift"..)? */
int	governance_is(struct daemon *, int64_t id, const char *kind);
/* With the approver set sealed, a new policy p (of a reload) whose digest
 * is not the approved one is held: a governance request is made (once per
 * digest) and 1 returned; the caller keeps the old policy (at start-up,
 * when there is none, everything is denied until approval). 0: use p. */
int	governance_policy_hold(struct daemon *, const struct gk_policy *p,
	    int initial);
/* The built-in rule's enrolment and revocation: 1 when sealed and a
 * governance request was made and answered (c got the answer). */
int	governance_enroll(struct daemon *, struct conn *, const char *name,
	    int64_t uid, const uint8_t pub[32], const char *pubid,
	    const uint8_t *privid, const uint8_t *aes, int replace);
int	governance_revoke(struct daemon *, struct conn *, const char *name);
int	governance_lift(struct daemon *, struct conn *);
/* The approvers table and its audit record, inside the caller's
 * transaction (request: the governance request, 0 for none).
 * GK_ERR_STATE: a name, uid or YubiKey conflict, or no such approver. */
int	approver_store(struct daemon *, const char *name, int64_t uid,
	    const uint8_t pub[32], const char *pubid, const uint8_t *privid,
	    const uint8_t *aes, int replace, int64_t request);
int	approver_remove(struct daemon *, const char *name, int64_t request);
void	governance_tick(struct daemon *);
void	h_seal(struct daemon *, struct conn *, struct gk_msg *);

/* lockdown.c */
/* gatekeeperd.conf lockdown_user / lockdown_total = N/DURATION: 0 taken,
 * 1 not a lockdown key, -1 a bad value. */
int	lockdown_conf(struct daemon *, const char *key, const char *value);
int	lockdown_active(struct daemon *);
/* May uid make one more approve-class request? 0 yes; else -1 with why
 * (in lockdown, or this request trips the configured rate). */
int	lockdown_admit(struct daemon *, int64_t uid, char *why, size_t n);
/* In lockdown an approval is refused (the peer told) unless it is for
 * lifting the lockdown: returns 1 when refused. */
int	lockdown_refuses(struct daemon *, struct conn *,
	    const struct gk_reqrow *row);
/* Ends the lockdown inside the caller's transaction (audited). */
int	lockdown_clear(struct daemon *, int64_t request);
void	h_lockdown(struct daemon *, struct conn *, struct gk_msg *);

/* notify.c: event is one of created, approved, rejected, executed,
 * refused, expired, cancelled, interrupted, delayed, vetoed, authorized
 * (of request id), or lockdown, lockdown-lifted (id 0: the daemon's own,
 * with no request variables); by: who caused it, or NULL. Never blocks;
 * never fails the caller. */
void	notify_event(struct daemon *, const char *event, int64_t id,
	    const char *by);
/* A notify setting of gatekeeperd.conf (notify, notify_timeout,
 * notify_max): 1 taken, 0 not a notify key, -1 bad (said on stderr). */
int	notify_config(const char *conf, const char *key, const char *value);
/* 1 when pid was a notifier (now reaped and logged), else 0. */
int	notify_reap(struct daemon *, pid_t pid, int status);
void	notify_tick(struct daemon *);	/* kills notifiers past their time */
void	notify_stop(struct daemon *);	/* terminates those still running */

/* exec.c */
void	exec_start(struct daemon *, int64_t id);
/* What changed since approval (executable, cwd, path arguments and their
 * identities, see gk_path_ids), or NULL.
 * *fdp is the opened executable or -1; the caller closes it. */
const char *changed_since(struct daemon *, const struct gk_reqrow *row,
	    int *fdp);
void	job_readable(struct daemon *, struct job *, int fd);
void	jobs_reap(struct daemon *);
int	hash_fd(int fd, uint8_t out[GK_DIGEST_LEN]);
/* In a forked child: SIGPIPE back to default (the daemon leaves every
 * other signal at its default), all unblocked, a new
 * session, stdin /dev/null, stdout/stderr from outfd/errfd (-1: /dev/null),
 * fd3 (unless -1) as fd 3, every higher fd closed. -1 on failure. */
int	child_setup(int outfd, int errfd, int fd3);
int	exe_check(const char *path, int *fdp, uint8_t hash[GK_DIGEST_LEN],
	    char *why, size_t whylen);
/*
 * The program of a command gatekeeperd runs or authorizes must be a file
 * nobody but root can change or swap (gk_safe_program: absolute,
 * canonical, root's all the way, no procfs). argv0 is the command's first
 * word; exe, from sudo or su (may be NULL), the file they will execute
 * under that name. A bare argv0 without exe is the daemon's own secure-PATH
 * lookup and passes. With exe: argv0 must name that file (its path, or its
 * basename, or "-" and its basename for a login shell), and a bare name
 * must be the same file (device, inode) as secure_path's (NULL: the
 * default). have_id: dev/ino of the file as the asking process saw it,
 * which must be the same. Returns 0, or -1 with a message in why.
 */
int	program_check(const char *argv0, const char *exe,
	    const char *secure_path, int have_id, dev_t dev, ino_t ino,
	    char *why, size_t whylen);

#endif
