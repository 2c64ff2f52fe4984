#!/bin/sh
# pam_gatekeeper.so on its own, under pam_wrapper (a private PAM service
# directory, nothing in /etc touched): pamtester and tests/pam/pamdrive
# drive account and session; conversations that fail or answer NULL,
# empty or huge; bad options; sudo's command line as the module reads it;
# fail closed when the daemon is gone; only pam_sm_* exported.
. "$GK_SRC/tests/e2e/lib.sh"
world_init
MOD=$GK_BUILD/pam_gatekeeper.so
DRIVE=$GK_BUILD/tests/pamdrive

exports=$(nm -D --defined-only --without-symbol-versions "$MOD" |
    awk '$2 != "A" {print $3}' | sort | tr '\n' ' ')
check "the module exports only pam_sm_* ($exports)" test \
    "$exports" = "pam_sm_acct_mgmt pam_sm_close_session pam_sm_open_session "

# Users of every machine: root (/bin/bash), sync (/bin/sync), daemon
# (nologin). A session is decided as the target's login shell.
cat >"$T/pol/10-test.policy" <<'EOF'
approvers ops = alice bob
allow name root-reason reason as root cmd bash args -c reasoned
allow name root-ok as root cmd bash
approve 2 by ops name sync-session cmd sync
deny name nologin cmd nologin
allow name harmless cmd id
approve 2 by ops name disk-format cmd mkfs.ext4
EOF
chmod 0644 "$T/pol/10-test.policy"
check "daemon starts" daemon_start
check "enroll alice" approver_new alice 20002
check "enroll bob" approver_new bob 20003

mkdir -p "$T/svc"
svc() { # svc NAME OPTIONS...: a service file naming the module
	n=$1; shift
	printf 'account required %s %s\nsession required %s %s\n' \
	    "$MOD" "$*" "$MOD" "$*" >"$T/svc/$n"
}
svc gktest "socket=$SOCK"
svc gkshort "socket=$SOCK timeout=2"
svc sudo "socket=$SOCK"
svc su "socket=$SOCK"
svc nosock ""
svc relsock "socket=gk.sock"
svc badopt "socket=$SOCK bogus"
svc badtimeout "socket=$SOCK timeout=0"
svc gone "socket=$T/nothing-here.sock"

# pamdrive and pamtester under pam_wrapper. An ASan build needs its
# runtime first and no RTLD_DEEPBIND (pam_wrapper reads that switch under
# uid_wrapper's name); it is told not to mind the preload order.
pw() {
	env LD_PRELOAD=libpam_wrapper.so PAM_WRAPPER=1 UID_WRAPPER_DISABLE_DEEPBIND=1 \
	    PAM_WRAPPER_SERVICE_DIR="$T/svc" \
	    ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" \
	    "$@"
}
drive() { # drive SERVICE USER CONV OPS
	pw PAMDRIVE_SERVICE="$1" PAMDRIVE_USER="$2" PAMDRIVE_CONV="$3" \
	    PAMDRIVE_OPS="$4" "$DRIVE"
}
# drive_err ENV...: pamdrive with its report on stderr (for refused).
drive_err() { pw "$@" "$DRIVE" >&2; }

check "pamtester: a root session passes (allowed)" \
    quiet pw pamtester gktest root acct_mgmt
refused "pamtester: a nologin session is denied" "Permission denied" \
    pw pamtester gktest daemon acct_mgmt
check "pamtester: open and close a session" \
    quiet pw pamtester gktest root open_session close_session
check "audit: the session opened and closed" sh -c \
    "'$T/bin/gk-audit' --db '$T/state/gatekeeper.db' --event session-close |
     grep -q 'service=gktest'"

out=$(drive gktest daemon ok account 2>&1)
check "deny: the reason reaches the conversation" sh -c \
    "echo \"\$1\" | grep -q \"error: gatekeeper: '/usr/sbin/nologin': denied by rule nologin\"" \
    - "$out"

# Sessions: GK_SESSION, and the record's fields.
out=$(pw PAMDRIVE_SERVICE=gktest PAMDRIVE_USER=root PAMDRIVE_RUSER=carol \
    PAMDRIVE_TTY=/dev/pts/9 PAMDRIVE_RHOST="10.0.0.1 evil=1" \
    PAMDRIVE_OPS=open,env,close "$DRIVE" 2>&1)
SID=$(echo "$out" | sed -n 's/^GK_SESSION=//p')
check "session: GK_SESSION is a 16-hex-digit id" sh -c \
    "echo '$SID' | grep -Eq '^[0-9a-f]{16}$'"
check "session: open and close both recorded with ruser, rhost, tty" sh -c \
    "test \$('$T/bin/gk-audit' --db '$T/state/gatekeeper.db' --json |
     grep '$SID' | grep -c 'ruser=carol rhost=10.0.0.1evil=1 tty=/dev/pts/9') = 2"
refused "session: closing a session not opened fails" "Cannot make/remove" \
    drive_err PAMDRIVE_SERVICE=gktest PAMDRIVE_USER=root PAMDRIVE_OPS=close

# Approvals through the conversation, which may answer NULL, empty or
# huge responses to info messages. sync's shell (/bin/sync) needs two.
dec() { decide "$@" >/dev/null 2>&1; }
reqno() { sed -n 's/.*request \([0-9]*\), fingerprint.*/\1/p' "$1" | head -n 1; }
for mode in ok null empty huge; do
	drive gktest sync "$mode" account >"$T/conv.$mode" 2>&1 &
	P=$!
	wait_for grep -q "fingerprint" "$T/conv.$mode"
	R=$(reqno "$T/conv.$mode")
	check "conv $mode: request $R shown, first approval" dec alice 20002 approve "$R"
	check "conv $mode: second approval" dec bob 20003 approve "$R"
	wait "$P"
	rc=$?
	check "conv $mode: account passes once approved" \
	    grep -q "^account: Success" "$T/conv.$mode"
	check "conv $mode: pamdrive exits 0 (under ASan: nothing leaked)" \
	    test "$rc" = 0
	check "conv $mode: progress shown" \
	    grep -q "request $R: approved by 'alice' (1 of 2)" "$T/conv.$mode"
done

drive gktest sync ok account,signals >"$T/rej" 2>&1 &
P=$!
wait_for grep -q "fingerprint" "$T/rej"
R=$(reqno "$T/rej")
check "rejection recorded" dec alice 20002 deny "$R"
wait "$P"
check "rejected: account fails" grep -q "^account: Permission denied" "$T/rej"
check "rejected: said so" grep -q "rejected by 'alice'" "$T/rej"
check "after waiting, the application's signal handlers are back" \
    grep -q "^signals: Success" "$T/rej"

drive gktest sync fail account >"$T/cf" 2>&1
R=$(reqno "$T/cf")
check "conversation fails: account fails" \
    grep -q "^account: Permission denied" "$T/cf"
check "conversation fails: request $R is cancelled" wait_for sh -c \
    "'$T/bin/gk-audit' --db '$T/state/gatekeeper.db' --request '$R' --event cancel | grep -q cancelled"

drive gkshort sync ok account,signals >"$T/to" 2>&1
R=$(reqno "$T/to")
check "timeout: account fails" grep -q "^account: Permission denied" "$T/to"
check "timeout: said so" grep -q "gave up waiting" "$T/to"
check "timeout: the application's signal handlers are back" \
    grep -q "^signals: Success" "$T/to"
check "timeout: request $R is cancelled" wait_for sh -c \
    "'$T/bin/gk-audit' --db '$T/state/gatekeeper.db' --request '$R' --event cancel | grep -q cancelled"

# Options come from the PAM line only; bad ones fail.
refused "no socket= : the environment's GK_SOCKET is not used" "Permission denied" \
    env GK_SOCKET="$SOCK" sh -c 'test ! -e /run/gatekeeper/gk.sock &&
    PAMDRIVE_SERVICE=nosock PAMDRIVE_USER=root PAMDRIVE_OPS=account \
    LD_PRELOAD=libpam_wrapper.so PAM_WRAPPER=1 PAM_WRAPPER_SERVICE_DIR="$1" \
    UID_WRAPPER_DISABLE_DEEPBIND=1 \
    ASAN_OPTIONS=verify_asan_link_order=0:detect_leaks=0 "$2" >&2' - "$T/svc" "$DRIVE"
for s in relsock badopt badtimeout; do
	refused "bad option line ($s) fails" "account: Error in service module" \
	    drive_err PAMDRIVE_SERVICE=$s PAMDRIVE_USER=root
	refused "bad option line ($s): no session either" \
	    "open: Error in service module" drive_err PAMDRIVE_SERVICE=$s \
	    PAMDRIVE_USER=root PAMDRIVE_OPS=open
done

# sudo: its commands are decided by the approval plugin; the module passes
# only when /etc/sudo.conf loads it (this machine's does not).
assudo() { # assudo SUDO-ARGS...: pamdrive with argv[0] "sudo"
	pw PAMDRIVE_SERVICE=sudo PAMDRIVE_USER=root PAMDRIVE_OPS=account \
	    bash -c 'exec -a sudo "$0" "$@" >&2' "$DRIVE" "$@"
}
if ! grep -q '^Plugin[[:space:]]*gatekeeper_approval' /etc/sudo.conf 2>/dev/null
then
	refused "sudo without the approval plugin in sudo.conf: refused" \
	    "sudo is gated by its approval plugin" assudo id
fi
sudo_conf_plugin() {
	echo "Plugin gatekeeper_approval /nonexistent.so" >"$T/sudo.conf" &&
	    chmod 0644 "$T/sudo.conf" &&
	    unshare -m --propagation private sh -c 'mount --bind "$1" \
	    /etc/sudo.conf && shift && exec "$@"' - "$T/sudo.conf" "$@"
}
check "sudo with the plugin in sudo.conf: the module leaves it to the plugin" \
    quiet sudo_conf_plugin env LD_PRELOAD=libpam_wrapper.so PAM_WRAPPER=1 \
    UID_WRAPPER_DISABLE_DEEPBIND=1 PAM_WRAPPER_SERVICE_DIR="$T/svc" \
    ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" \
    PAMDRIVE_SERVICE=sudo PAMDRIVE_USER=root PAMDRIVE_OPS=account "$DRIVE"

# su's command line, as the module reads it from its own process (here
# the caller is root, so su honours -s).
assu() { # assu USER SU-ARGS...: pamdrive with argv[0] "su", PAM user USER
	u=$1; shift
	pw PAMDRIVE_SERVICE=su PAMDRIVE_USER="$u" PAMDRIVE_OPS=account \
	    bash -c 'exec -a su "$0" "$@" >&2' "$DRIVE" "$@"
}
check "su - passes (root's login shell: root-ok)" quiet assu root -
check "su -l -c id root passes (-bash -c id)" quiet assu root -l -c id root
check "su --comm=id - (abbreviated --command) passes" quiet assu root \
    --comm=id -
check "su - root -c id (options after the user) passes" quiet assu root \
    - root -c id
refused "su without - is refused (it keeps the caller's environment)" \
    "su without - or -l" assu root -c id
refused "su -m is refused" "su -m/-p" assu root -m -c id
refused "su -w is refused" "su -w" assu root -l -w BASH_ENV
refused "su -g is refused" "another group" assu root -g root -
refused "su --s is refused (ambiguous)" "ambiguous" assu root --s /bin/sh -
refused "su -s nologin - is decided as nologin (denied)" \
    "'-nologin': denied by rule nologin" assu root -s /usr/sbin/nologin -
refused "su - sync: another user than PAM's is refused" \
    "unknown target user" assu root - sync
refused "su -s with a relative shell path is refused" "not an absolute path" \
    assu root -s sh -
pw PAMDRIVE_SERVICE=su PAMDRIVE_USER=root PAMDRIVE_OPS=account \
    PAMDRIVE_TTY=/dev/pts/77 bash -c 'exec -a su "$0" "$@" >/dev/null 2>&1' \
    "$DRIVE" - -c ttycheck </dev/null
q() { sqlite3 "$T/state/gatekeeper.db" "$1"; }
check "audit: the su with PAM_TTY /dev/pts/77 is recorded" test \
    "$(q "SELECT count(*) FROM audit WHERE command LIKE '%ttycheck%'")" = 1
check "audit: its tty is the kernel's, not what PAM was told" test \
    "$(q "SELECT count(*) FROM audit WHERE command LIKE '%ttycheck%' AND session LIKE '%pts/77%'")" = 0
refused "su to a rule that needs a reason, without one" "needs a reason" \
    assu root - -c reasoned
reason_su() { (GK_REASON=OPS-7; export GK_REASON; assu root - -c reasoned); }
check "su with GK_REASON in the caller's environment passes a reason rule" \
    quiet reason_su
limited_su() { (ulimit -f 4; assu root - -c id); }
refused "su with a file size limit is refused (it would reach the shell)" \
    "fsize limit (ulimit -f)" limited_su
# A YubiKey touched at su's command line: refused by the module, never
# sent to the daemon, not echoed.
POTP=vvccccfhcbnegrnbggbvfckubhitjvrgdhnjuhthvdet
refused "su with an OTP-shaped word is refused by the module" \
    "looks like a YubiKey one-time password" assu root - -c "id $POTP"
assu root - -c "x=$POTP" >"$T/potp.out" 2>&1
check "the message does not echo it" sh -c \
    "grep -q 'one-time password' '$T/potp.out' && ! grep -q '$POTP' '$T/potp.out'"
check "and it never reached the daemon" not sh -c \
    "'$T/bin/gk-audit' --db '$T/state/gatekeeper.db' | grep -qi 'hitjvrgdhnj'"
check "audit: the authorize record of su -l carries its cwd (root's home)" sh -c \
    "'$T/bin/gk-audit' --db '$T/state/gatekeeper.db' --event authorize --json | grep \"'-bash' '-c' 'id'\" | grep -q 'cwd=/root'"
check "audit: su -l -c id recorded as '-bash' '-c' 'id'" sh -c \
    "'$T/bin/gk-audit' --db '$T/state/gatekeeper.db' --event authorize | grep -q \"'-bash' '-c' 'id'\""

# Only a root peer may ask for an authorization or write a session record:
# the module run by nobody (uid 65534) is refused by the daemon.
cp "$DRIVE" "$MOD" "$T/bin/"
chmod 0755 "$T/bin/pamdrive" "$T/bin/pam_gatekeeper.so"
printf 'account required %s socket=%s\nsession required %s socket=%s\n' \
    "$T/bin/pam_gatekeeper.so" "$SOCK" "$T/bin/pam_gatekeeper.so" "$SOCK" \
    >"$T/svc/asnobody"
chmod 0755 "$T/svc"
chmod 0644 "$T/svc/asnobody"
nobody_drive() {
	as 65534 env LD_PRELOAD=libpam_wrapper.so PAM_WRAPPER=1 \
	    UID_WRAPPER_DISABLE_DEEPBIND=1 PAM_WRAPPER_SERVICE_DIR="$T/svc" \
	    ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0:detect_leaks=0" \
	    PAMDRIVE_SERVICE=asnobody PAMDRIVE_USER=root "$@" "$T/bin/pamdrive" >&2
}
refused "a non-root peer cannot ask for an authorization" \
    "only root may name the requesting user" nobody_drive PAMDRIVE_OPS=account
refused "a non-root peer cannot open a session record" "open: Cannot make" \
    nobody_drive PAMDRIVE_OPS=open
check "audit: no session was recorded for it" sh -c \
    "! '$T/bin/gk-audit' --db '$T/state/gatekeeper.db' | grep -q asnobody"

# Fail closed when the daemon is gone.
daemon_stop
refused "daemon stopped: account fails" "account: Permission denied" \
    drive_err PAMDRIVE_SERVICE=gktest PAMDRIVE_USER=root
refused "daemon stopped: pamtester account fails" "Permission denied" \
    pw pamtester gktest root acct_mgmt
refused "daemon stopped: session open fails" "open: Cannot make/remove" \
    drive_err PAMDRIVE_SERVICE=gktest PAMDRIVE_USER=root PAMDRIVE_OPS=open
refused "a socket that is not there: account fails" "account: Permission denied" \
    drive_err PAMDRIVE_SERVICE=gone PAMDRIVE_USER=root
check "the audit log verifies" quiet "$T/bin/gk-audit" verify --db "$T/state/gatekeeper.db"
echo "1..$tap_n"
