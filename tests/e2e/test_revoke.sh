#!/bin/sh
# A revoked approver's decisions stop counting (issue 14): revoking voids
# the approver's votes on requests not yet final (the revoke record lists
# them), and only approvals by approvers still enrolled with the key they
# signed with count, when the quorum is reached and again when the command
# would start (the end of a delay window).
. "$GK_SRC/tests/e2e/lib.sh"
world_init
cat >"$T/pol/10-test.policy" <<'EOF'
approvers storage = alice bob carol dave
approve 2 by storage name disk-format cmd mkfs.ext4
approve 2 by storage name slow-format delay 3s cmd mkfs.ext3
EOF
chmod 0644 "$T/pol/10-test.policy"
check "daemon starts" daemon_start
check "enroll alice" approver_new alice 20002
check "enroll bob" approver_new bob 20003
check "enroll carol" approver_new carol 20004
check "enroll dave" approver_new dave 20005
truncate -s 8M "$T/disk1.img"
truncate -s 8M "$T/disk2.img"

# One approval, then its approver revoked, then a second approval.
(cd "$T" && as 20001 "$T/bin/gk-shell" -s "$SOCK" -c \
    "mkfs.ext4 -q -F $T/disk1.img" >/dev/null 2>&1; echo $? >"$T/r1.rc") &
check "R1 is listed" wait_for listed disk1.img
R1=$(request_id disk1.img)
check "bob approves R1" quiet decide bob 20003 approve "$R1"
check "bob is revoked" quiet "$T/bin/gkctl" -s "$SOCK" revoke bob
check "the revoke record lists R1 as voided" sh -c \
    "\"$T/bin/gk-audit\" -s \"$SOCK\" --event revoke --json | grep -q 'voided=$R1\"'"
check "carol approves R1" quiet decide carol 20004 approve "$R1"
sleep 0.5
check "bob's voided vote does not count: nothing ran" not formatted "$T/disk1.img"
check "... the requester still waits" test ! -s "$T/r1.rc"
check "... R1 is still pending" listed disk1.img
check "alice approves R1" quiet decide alice 20002 approve "$R1"
check "R1 ran" wait_for test -s "$T/r1.rc"
check "... exit 0, the image formatted" sh -c \
    "[ \"\$(cat '$T/r1.rc')\" = 0 ] && [ \"\$(od -An -tx1 -j1080 -N2 '$T/disk1.img' | tr -d ' ')\" = 53ef ]"

# The quorum reached, then one of its approvers revoked during the delay:
# checked again when the window ends.
(cd "$T" && as 20001 "$T/bin/gk-shell" -s "$SOCK" -c \
    "mkfs.ext3 -q -F $T/disk2.img" >/dev/null 2>&1; echo $? >"$T/r2.rc") &
check "R2 is listed" wait_for listed disk2.img
R2=$(request_id disk2.img)
check "carol approves R2" quiet decide carol 20004 approve "$R2"
check "dave approves R2 (quorum, delay 3s)" quiet decide dave 20005 approve "$R2"
check "dave is revoked during the delay" quiet "$T/bin/gkctl" -s "$SOCK" revoke dave
sleep 4
check "after the delay: nothing ran" not formatted "$T/disk2.img"
check "... R2 is pending again" listed disk2.img
check "... audited: the quorum was lost" sh -c \
    "\"$T/bin/gk-audit\" -s \"$SOCK\" --request $R2 --json | grep '\"event\":\"quorum-lost\"' | grep -q 'state=pending'"
check "alice approves R2" quiet decide alice 20002 approve "$R2"
sleep 4
check "R2 ran after a new delay" wait_for test -s "$T/r2.rc"
check "... the image formatted" formatted "$T/disk2.img"

check "the log verifies through the daemon" quiet "$T/bin/gk-audit" -s "$SOCK" verify
daemon_stop
check "... and offline" quiet "$T/bin/gk-audit" verify --db "$T/state/gatekeeper.db"
echo "1..$tap_n"
