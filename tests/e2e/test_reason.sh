#!/bin/sh
# reason-match: a rule can demand a reason matching a regular expression
# (a ticket id). A missing or non-matching reason is refused and audited;
# a matching one is recorded in the request, shown to approvers and audited.
. "$GK_SRC/tests/e2e/lib.sh"
world_init
cat >"$T/pol/10-test.policy" <<'EOF2'
approvers storage = alice bob
approve 1 by storage name ticketed reason-match "^(OPS|INC)-[0-9]+( |$)" cmd mkfs.ext4
allow name any-reason reason cmd /usr/bin/true
EOF2
chmod 0644 "$T/pol/10-test.policy"
check "gkctl check accepts reason-match" quiet "$T/bin/gkctl" check "$T/pol"
check "gkctl explain shows the expression" sh -c "'$T/bin/gkctl' explain \
    -p '$T/pol' -- mkfs.ext4 x | grep -q 'reason matching \"^(OPS|INC)'"
check "daemon starts" daemon_start
check "enroll alice" approver_new alice 20002
truncate -s 8M "$T/disk.img"

shell() { # shell REASON CMD: gk-shell as uid 20001 with GK_REASON
	r=$1; shift
	(cd "$T" && as 20001 env GK_REASON="$r" "$T/bin/gk-shell" -s "$SOCK" -c "$*")
}
refused "no reason is refused" "needs a reason matching" \
    shell "" "mkfs.ext4 -q -F $T/disk.img"
refused "a reason without a ticket id is refused" "needs a reason matching" \
    shell "just because" "mkfs.ext4 -q -F $T/disk.img"
refused "a ticket id not at the start is refused" "needs a reason matching" \
    shell "see OPS-12" "mkfs.ext4 -q -F $T/disk.img"
shell "OPS-" "mkfs.ext4 -q -F $T/disk.img" 2>/dev/null
check "a refused reason exits 77" test $? = 77
check "nothing was requested" test -z "$(as 20002 "$T/bin/gk-approve" -s \
    "$SOCK" list)"
ndeny() { "$T/bin/gk-audit" -s "$SOCK" --event deny | grep -c "rule=ticketed"; }
check "the refusals are audited with the rule" test "$(ndeny)" = 4

shell "OPS-1234 replace failed disk" "mkfs.ext4 -q -F $T/disk.img" \
    >"$T/r1.out" 2>"$T/r1.err" &
check "a matching reason makes a request" wait_for listed disk.img
R1=$(request_id disk.img)
shown() { as 20002 "$T/bin/gk-approve" -s "$SOCK" show "$1" | grep -q "$2"; }
check "the approver is shown the reason" shown "$R1" "OPS-1234 replace failed disk"
audited() { "$T/bin/gk-audit" -s "$SOCK" --request "$1" --event "$2" | grep -q -- "$3"; }
check "the reason is in the request's audit record" audited "$R1" request \
    "reason=OPS-1234_replace"
check "alice approves" decide alice 20002 approve "$R1"
check "the command ran" wait_for formatted "$T/disk.img"

refused "a bare reason rule refuses no reason" "needs a reason (" \
    shell "" /usr/bin/true
check "a bare reason rule takes any reason" shell "anything" /usr/bin/true
check "the audit log verifies" quiet "$T/bin/gk-audit" -s "$SOCK" verify
echo "1..$tap_n"
