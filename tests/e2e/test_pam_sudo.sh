#!/bin/sh
# The real sudo and su gated by pam_gatekeeper.so, inside a private mount
# namespace (passwd, group, shadow, sudoers and pam.d bound over /etc for
# this test alone): allowed commands pass, denied ones and shells fail, a
# destructive command runs after two approvals and not after a rejection,
# a root session by su waits for its approvals, everything fails closed
# when the daemon is stopped, and the audit log holds it all.
. "$GK_SRC/tests/e2e/lib.sh"
in_private_mounts
world_init
check "test users bound over /etc" pam_users
mkdir -p "$T/lib"
cp "$(pam_module_path)" "$T/lib/pam_gatekeeper.so"
chmod 0644 "$T/lib/pam_gatekeeper.so"

cat >"$T/pol/10-test.policy" <<'EOF'
approvers ops = alice bob
approve 2 by ops name disk-format cmd mkfs.ext4
deny name shells cmd sh bash dash zsh
allow name harmless cmd id true printenv
local cmd echo
EOF
chmod 0644 "$T/pol/10-test.policy"

cat >"$T/sudoers" <<'EOF'
Defaults env_reset
Defaults secure_path="/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
Defaults !lecture
root ALL=(ALL:ALL) ALL
carl ALL=(ALL:ALL) NOPASSWD: ALL
EOF
cat >"$T/pam.sudo" <<EOF
account required $T/lib/pam_gatekeeper.so socket=$SOCK timeout=120
session required $T/lib/pam_gatekeeper.so socket=$SOCK
EOF
# su: no password in this test (pam_permit), so the gate is ours alone.
cat >"$T/pam.su" <<EOF
auth sufficient pam_rootok.so
auth required pam_permit.so
account required $T/lib/pam_gatekeeper.so socket=$SOCK timeout=120
session required $T/lib/pam_gatekeeper.so socket=$SOCK
EOF
bind_pam() {
	bind_etc sudoers "$T/sudoers" 0440 &&
	    bind_etc pam.d/sudo "$T/pam.sudo" 0644 &&
	    bind_etc pam.d/sudo-i "$T/pam.sudo" 0644 &&
	    bind_etc pam.d/su "$T/pam.su" 0644
}
check "sudoers and pam.d bound over /etc" bind_pam
check "sudo.conf loads the approval plugin" bind_sudo_plugin "$SOCK" timeout=120
# A notifier keeping each request's last notice, to see "authorized".
cat >"$T/notifier" <<EOF2
#!/bin/sh
env | sort >"$T/notice.\$GK_REQUEST_ID.\$GK_EVENT"
EOF2
chmod 0755 "$T/notifier"
printf 'notify = %s\n' "$T/notifier" >"$T/gk.conf"
chmod 0644 "$T/gk.conf"
check "daemon starts" daemon_start -c "$T/gk.conf"
check "enroll alice" approver_new alice 20002
check "enroll bob" approver_new bob 20003

# carl runs sudo (and su) in $T, with nothing but the test's environment.
# (carl_exec keeps the pid: in "(carl_exec sudo ...) &", $! is sudo's.)
carl_exec() { cd "$T" && exec setpriv --reuid=20001 --regid=20001 \
    --clear-groups env -i PATH=/usr/bin:/bin HOME="$T/home/carl" \
    SHELL=/bin/bash "$@"; }
carl() { (carl_exec "$@"); }
dec() { decide "$@" >/dev/null; }

out=$(carl sudo -n id -u 2>"$T/id.err")
check "allowed: sudo -n id -u prints 0" test "$out" = 0
out=$(carl sudo -n -u bob id -un 2>/dev/null)
check "allowed: sudo -u bob id -un runs as bob" test "$out" = bob
refused "local: sudo -- echo is refused (local means as carl, not root)" \
    "lets it run as carl only, not as root" carl sudo -n -- echo hello
out=$(carl sudo -n -u carl -- echo hello 2>/dev/null)
check "local: sudo -u carl -- echo (as carl himself) passes" test "$out" = hello
refused "denied: sudo sh -c refused by the shells rule" "denied by rule shells" \
    carl sudo -n sh -c 'echo ran >'"$T/ran"
check "denied: nothing ran" test ! -e "$T/ran"
refused "sudo -s refused (a shell)" "denied by rule shells" carl sudo -n -s
refused "sudo -s CMD refused (a shell)" "denied by rule shells" \
    carl sudo -n -s id
refused "sudo -i refused (the target's login shell)" "denied by rule shells" \
    carl sudo -n -i
refused "sudo -g refused (cannot be decided)" "a group other than" \
    carl sudo -n -g bob id
refused "sudo VAR=value refused" "VAR=value" carl sudo -n FOO=1 id
refused "no rule: denied" "no rule" carl sudo -n uname
out=$(carl sudo -n printenv GK_SESSION 2>/dev/null)
check "the session id reaches the command (GK_SESSION)" \
    sh -c "echo '$out' | grep -Eq '^[0-9a-f]{16}$'"

# A destructive command waits for two approvals, then sudo runs it.
truncate -s 8M "$T/disk.img"
cp "$T/disk.img" "$T/disk2.img"
(carl sudo -n mkfs.ext4 -q -F "$T/disk.img" >"$T/r1.out" 2>"$T/r1.err";
    echo $? >"$T/r1.rc") &
check "approve: the request is listed" wait_for listed disk.img
R1=$(request_id disk.img)
diag "request R1=$R1"
check "first approval (alice)" dec alice 20002 approve "$R1"
check "one approval: still waiting" test ! -s "$T/r1.rc"
check "one approval: nothing ran" not formatted "$T/disk.img"
dec_out() { decide "$@" >"$T/dec.out" 2>&1; }
check "second approval (bob)" dec_out bob 20003 approve "$R1"
check "bob is told sudo runs it, not the daemon" \
    grep -q "approved: sudo or su runs it now" "$T/dec.out"
check "sudo finished" wait_for test -s "$T/r1.rc"
check "sudo exit status 0" test "$(cat "$T/r1.rc")" = 0
check "the image is formatted (by sudo)" formatted "$T/disk.img"
# (sudo writes PAM info messages to the terminal, else to its stdout)
check "sudo showed the request number and fingerprint" \
    grep -q "request $R1, fingerprint" "$T/r1.out"
check "sudo showed the progress" \
    grep -q "request $R1: approved by 'alice' (1 of 2)" "$T/r1.out"

# A rejected one fails and runs nothing.
(carl sudo -n mkfs.ext4 -q -F "$T/disk2.img" >/dev/null 2>"$T/r2.err";
    echo $? >"$T/r2.rc") &
wait_for listed disk2.img
R2=$(request_id disk2.img)
check "alice rejects R2" dec alice 20002 deny "$R2"
check "rejected sudo finished" wait_for test -s "$T/r2.rc"
check "rejected: sudo failed" test "$(cat "$T/r2.rc")" != 0
check "rejected: sudo said so" grep -q "rejected by 'alice'" "$T/r2.err"
check "rejected: nothing ran" not formatted "$T/disk2.img"

# A sudo that dies while it waits cancels its request (carl execs, so
# $! is sudo's own pid).
(carl_exec sudo -n mkfs.ext4 -q -F "$T/disk2.img" >/dev/null 2>&1) &
SPID=$!
wait_for listed disk2.img
R3=$(request_id disk2.img)
kill -KILL "$SPID"
wait "$SPID" 2>/dev/null
check "a sudo that left: its request is cancelled" wait_for sh -c \
    "\"$T/bin/gk-audit\" -s \"$SOCK\" --request $R3 --event cancel | grep -q requester-gone"

# SIGTERM while it waits: the module cancels the request and sudo fails.
(carl sudo -n mkfs.ext4 -q -F "$T/disk2.img" >/dev/null 2>"$T/term.err";
    echo $? >"$T/term.rc") &
wait_for listed disk2.img
R5=$(request_id disk2.img)
SPID=$(ps -eo pid=,args= | awk -v f="$T/disk2.img" \
    '$2 == "sudo" && $NF == f {print $1; exit}')
check "sudo found by pid ($SPID)" test -n "$SPID"
kill -TERM "$SPID"
check "SIGTERM: sudo finished" wait_for test -s "$T/term.rc"
check "SIGTERM: sudo failed" test "$(cat "$T/term.rc")" != 0
check "SIGTERM: sudo said the request is cancelled" \
    grep -q "interrupted; request $R5 cancelled" "$T/term.err"
check "SIGTERM: the request is cancelled" sh -c \
    "\"$T/bin/gk-audit\" -s \"$SOCK\" --request $R5 --event cancel | grep -q cancelled"
check "SIGTERM: nothing ran" not formatted "$T/disk2.img"

# su: a root session is decided as root's login shell, run as root; a
# rule naming it is added (and reloaded) now that sudo -s was refused.
cat >"$T/pol/05-session.policy" <<'EOF'
approvers admins = alice bob
approve 2 by admins name root-session for carl as root cmd bash
EOF
chmod 0644 "$T/pol/05-session.policy"
n=$(grep -c "rules loaded" "$T/daemon.log")
kill -HUP "$DPID"
reloaded() { test "$(grep -c "rules loaded" "$T/daemon.log")" -gt "$n"; }
check "the root-session rule is loaded" wait_for reloaded
refused "su by carl to bob: the root-session rule is for root only" \
    "as root only" carl su - -c id bob
(carl su - -c 'id -u' root >"$T/su.out" 2>"$T/su.err"; echo $? >"$T/su.rc") &
check "su to root: the root session waits for approval" wait_for listed "bash"
R4=$(request_id "bash")
check "su: first approval" dec alice 20002 approve "$R4"
check "su: second approval" dec bob 20003 approve "$R4"
check "su finished" wait_for test -s "$T/su.rc"
check "su showed the request and its approvals" \
    grep -q "request $R4: approved by 'bob' (2 of 2)" "$T/su.out"
check "su ran the session as root" test "$(tail -n 1 "$T/su.out")" = 0

# Fail closed.
daemon_stop
refused "daemon stopped: sudo id fails" "not reachable" carl sudo -n id
refused "daemon stopped: su fails" "not reachable" carl su - -c id root

# The audit log.
db() { "$T/bin/gk-audit" --db "$T/state/gatekeeper.db" "$@"; }
check "audit: the allowed sudo is recorded" sh -c \
    "\"$T/bin/gk-audit\" --db \"$T/state/gatekeeper.db\" --event authorize | grep -q \"'id' '-u'\""
check "audit: the denied shell is recorded" sh -c \
    "\"$T/bin/gk-audit\" --db \"$T/state/gatekeeper.db\" --event deny --user carl | grep -q \"'sh'\""
check "audit: R1 authorized, never run by the daemon" sh -c \
    "\"$T/bin/gk-audit\" --db \"$T/state/gatekeeper.db\" --request $R1 | grep -q 'state=authorized runner=pam' &&
     ! \"$T/bin/gk-audit\" --db \"$T/state/gatekeeper.db\" --request $R1 | grep -q exec-start"
check "the notifier hears that R1 was authorized for sudo" \
    grep -qx GK_STATUS=authorized "$T/notice.$R1.authorized"
check "audit: R2 rejected" sh -c \
    "\"$T/bin/gk-audit\" --db \"$T/state/gatekeeper.db\" --request $R2 --event reject | grep -q alice"
check "audit: sudo sessions opened and closed" sh -c \
    "\"$T/bin/gk-audit\" --db \"$T/state/gatekeeper.db\" --event session-open | grep -q 'service=sudo' &&
     \"$T/bin/gk-audit\" --db \"$T/state/gatekeeper.db\" --event session-close | grep -q 'service=sudo'"
check "audit: the su session is recorded" sh -c \
    "\"$T/bin/gk-audit\" --db \"$T/state/gatekeeper.db\" --event session-open | grep -q 'service=su'"
check "audit: the log verifies" "$T/bin/gk-audit" verify --db "$T/state/gatekeeper.db"
echo "1..$tap_n"
