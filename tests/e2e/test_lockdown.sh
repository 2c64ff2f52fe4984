#!/bin/sh
# Lockdown: more approve-class requests than the configured rate (per user
# or in total) puts the daemon in lockdown: new approve-class requests are
# refused, pending ones frozen, until two approvers lift it with their
# tokens (gkctl lockdown lift). gkctl lockdown starts it by hand, and it
# survives a restart.
. "$GK_SRC/tests/e2e/lib.sh"
world_init
cd "$T" || exit 1
cat >"$T/pol/10-test.policy" <<'EOF2'
approvers storage = alice bob carol
approve 2 by storage name fmt cmd mkfs.ext4
local cmd echo
EOF2
chmod 0644 "$T/pol/10-test.policy"
# A notifier that keeps each notice's environment (the lockdown one has
# no request).
cat >"$T/notifier" <<EOF2
#!/bin/sh
env | sort >"$T/notice.\$GK_EVENT"
EOF2
chmod 0755 "$T/notifier"
printf 'lockdown_user = 2/10m\nlockdown_total = 4/10m\nnotify = %s\n' \
    "$T/notifier" >"$T/gk.conf"
chmod 0644 "$T/gk.conf"
printf 'lockdown_user = 2\n' >"$T/bad.conf"
chmod 0644 "$T/bad.conf"
refused "a bad lockdown setting stops the daemon" "expected N/DURATION" \
    "$T/bin/gatekeeperd" -f -c "$T/bad.conf" -s "$SOCK" -d "$T/state" \
    -p "$T/pol"
export GK_DAEMON_ARGS="-c $T/gk.conf"
check "daemon starts with lockdown configured" daemon_start
check "enroll alice" approver_new alice 20002
check "enroll bob" approver_new bob 20003
check "enroll carol" approver_new carol 20004
GK="$T/bin/gkctl -s $SOCK"
status_is() { $GK lockdown status | grep -q "^$1"; }
check "no lockdown at first" status_is "no lockdown"

# ask UID N: a background mkfs request for diskN.img by UID.
ask() {
	truncate -s 8M "$T/disk$2.img"
	(as "$1" "$T/bin/gk-shell" -s "$SOCK" -c \
	    "mkfs.ext4 -q -F $T/disk$2.img" >/dev/null 2>&1; \
	    echo $? >"$T/r$2.rc") >/dev/null 2>&1 &
}
ask_now() { # ask_now UID N: in the foreground, for refusals
	truncate -s 8M "$T/disk$2.img"
	timeout 10 setpriv --reuid="$1" --regid="$1" --clear-groups \
	    "$T/bin/gk-shell" -s "$SOCK" -c "mkfs.ext4 -q -F $T/disk$2.img"
}
ask 20001 1; check "request 1 made" wait_for listed disk1.img
ask 20001 2; check "request 2 made" wait_for listed disk2.img
R1=$(request_id disk1.img)
refused "a third request from one user in the window trips it" "lockdown" \
    ask_now 20001 3
check "the daemon is in lockdown" status_is "lockdown:"
check "the tripping request was not made" not listed disk3.img
check "the lockdown is audited" sh -c "'$T/bin/gk-audit' -s '$SOCK' \
    --event lockdown | grep -q 'by=rate'"
check "the lockdown is logged" grep -q "notify: request 0 lockdown" \
    "$T/daemon.log"
check "and the notify command is run for it" \
    wait_for grep -qx GK_EVENT=lockdown "$T/notice.lockdown"
check "naming who caused it, and no request" sh -c \
    "grep -q '^GK_BY=.' '$T/notice.lockdown' && ! grep -q GK_REQUEST_ID '$T/notice.lockdown'"
refused "another user's request is refused too" "in lockdown" ask_now 20005 4
refused "a pending request is frozen" "lockdown" decide alice 20002 approve "$R1"
check "local commands still work" test "$(as 20001 "$T/bin/gk-shell" -s \
    "$SOCK" -c 'echo hi')" = hi

# Lifting needs two approvers with their tokens.
refused "a plain user cannot ask for a lift" "only root or an approver" \
    as 20001 $GK lockdown lift
$GK lockdown lift >"$T/lift.out"
check "gkctl lockdown lift is held for approval" grep -q "held for approval" \
    "$T/lift.out"
L1=$(request_id "'lockdown' 'lift'")
check "alice approves the lift" quiet decide alice 20002 approve "$L1"
sleep 0.3
check "one approval: still in lockdown" status_is "lockdown:"
check "bob approves the lift" quiet decide bob 20003 approve "$L1"
check "two approvals lift it" wait_for status_is "no lockdown"
check "frozen request 1 can be approved again" quiet \
    decide alice 20002 approve "$R1"
check "and completed" quiet decide bob 20003 approve "$R1"
check "request 1 ran" wait_for formatted "$T/disk1.img"

# The total rate: 4 requests in the window since the lift, the 5th trips.
ask 20005 5; wait_for listed disk5.img
ask 20006 6; wait_for listed disk6.img
ask 20007 7; wait_for listed disk7.img
ask 20008 8; check "four requests from four users pass" wait_for listed disk8.img
refused "the fifth in total trips it" "lockdown" ask_now 20009 9
check "in lockdown again" status_is "lockdown:"
L2=$(request_id "'lockdown' 'lift'")
check "no lift request is pending" test -z "$L2"
$GK lockdown lift >/dev/null
L2=$(request_id "'lockdown' 'lift'")
quiet decide alice 20002 approve "$L2"
quiet decide carol 20004 approve "$L2"
check "lifted again" wait_for status_is "no lockdown"

# By hand, by an approver; durable across a restart.
refused "a plain user cannot start it" "only root or an approver" \
    as 20001 $GK lockdown
check "an approver starts it by hand" quiet as 20002 $GK lockdown
refused "starting it twice is refused" "already" $GK lockdown
daemon_stop
check "daemon restarts" daemon_start
check "the lockdown survives the restart" status_is "lockdown:"
refused "requests are still refused" "in lockdown" ask_now 20010 10
check "the audit log verifies" quiet "$T/bin/gk-audit" -s "$SOCK" verify
echo "1..$tap_n"
