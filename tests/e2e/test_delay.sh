#!/bin/sh
# delay DURATION: after the quorum a request waits out its window; any
# approver of the set may veto it (even one who approved), the requester
# may cancel it; it runs when the window ends even when the requester has
# gone (its output kept), and a daemon restart keeps the schedule.
. "$GK_SRC/tests/e2e/lib.sh"
world_init
cd "$T" || exit 1
cat >"$T/pol/10-test.policy" <<'EOF2'
approvers storage = alice bob carol
approve 2 by storage name slow-format delay 4s cmd mkfs.ext4
approve 2 by storage name slow-echo delay 2s cmd echo
EOF2
chmod 0644 "$T/pol/10-test.policy"
check "daemon starts" daemon_start
check "enroll alice" approver_new alice 20002
check "enroll bob" approver_new bob 20003
check "enroll carol" approver_new carol 20004
for i in 1 2 3 4 5 6; do truncate -s 8M "$T/disk$i.img"; done

# request N: mkfs.ext4 of diskN by uid 20001 in the background; the
# requester's exit status lands in rN.rc.
request() {
	(as 20001 "$T/bin/gk-shell" -s "$SOCK" -c \
	    "mkfs.ext4 -q -F $T/disk$1.img" >"$T/r$1.out" 2>"$T/r$1.err"; \
	    echo $? >"$T/r$1.rc") >/dev/null 2>&1 &
	wait_for listed "disk$1.img" || return 1
	request_id "disk$1.img"
}
state_of() { as 20002 "$T/bin/gk-approve" -s "$SOCK" show "$1" | \
    awk '$1 == "state:" {print $2}'; }
in_state() { test "$(state_of "$1")" = "$2"; }

# 1. The window passes: it runs only then.
R1=$(request 1)
check "request 1 made" test -n "$R1"
check "alice approves 1" decide alice 20002 approve "$R1"
check "bob approves 1: quorum" decide bob 20003 approve "$R1"
check "request 1 is approved, waiting" in_state "$R1" approved
shows() { as 20002 "$T/bin/gk-approve" -s "$SOCK" show "$1" | grep -q "$2"; }
check "show tells when it runs" shows "$R1" "^runs at:"
sleep 1
check "within the window nothing ran" not formatted "$T/disk1.img"
check "within the window the requester waits" test ! -s "$T/r1.rc"
check "after the window it ran" wait_for formatted "$T/disk1.img"
check "the requester finished" wait_for test -s "$T/r1.rc"
check "the requester's exit status is 0" test "$(cat "$T/r1.rc")" = 0
refused "a veto after it ran is refused" "not pending" \
    decide carol 20004 deny "$R1"

# 2. A veto by the third approver during the window.
R2=$(request 2)
decide alice 20002 approve "$R2" >/dev/null 2>&1
check "quorum for 2" decide bob 20003 approve "$R2"
check "carol vetoes 2 during the window" decide carol 20004 deny "$R2"
check "request 2 is vetoed" in_state "$R2" vetoed
check "the vetoed requester exits 77" wait_for test -s "$T/r2.rc"
check "exit status 77" test "$(cat "$T/r2.rc")" = 77
audited() { "$T/bin/gk-audit" -s "$SOCK" --request "$1" --event "$2" | \
    grep -q -- "$3"; }
check "the veto is audited with its signature" audited "$R2" veto \
    "state=vetoed.*sig="

# 3. An approver who approved may still veto.
R3=$(request 3)
decide alice 20002 approve "$R3" >/dev/null 2>&1
check "quorum for 3" decide bob 20003 approve "$R3"
check "alice, who approved, vetoes 3" decide alice 20002 deny "$R3"
check "request 3 is vetoed" in_state "$R3" vetoed

# 4. The requester cancels during the window.
R4=$(request 4)
decide alice 20002 approve "$R4" >/dev/null 2>&1
check "quorum for 4" decide bob 20003 approve "$R4"
refused "another user cannot cancel it" "only the requester\\|does not exist" \
    as 20005 "$T/bin/gkctl" -s "$SOCK" cancel "$R4"
check "the requester cancels 4" quiet as 20001 "$T/bin/gkctl" -s "$SOCK" \
    cancel "$R4"
check "request 4 is cancelled" in_state "$R4" cancelled
sleep 5
check "vetoed 2 never ran" not formatted "$T/disk2.img"
check "vetoed 3 never ran" not formatted "$T/disk3.img"
check "cancelled 4 never ran" not formatted "$T/disk4.img"

# 5. The requester disconnects: it still runs, its output is kept.
as 20001 "$T/bin/gk-shell" -s "$SOCK" -c "echo kept-output-5" \
    >/dev/null 2>&1 &
SPID=$!
wait_for listed kept-output-5
R5=$(request_id kept-output-5)
kill "$SPID"; wait "$SPID" 2>/dev/null
decide alice 20002 approve "$R5" >/dev/null 2>&1
check "quorum for 5 after the requester left" decide bob 20003 approve "$R5"
check "5 ran without its requester" wait_for in_state "$R5" done
check "its output is kept" shows "$R5" "kept-output-5"
check "its exec-end is audited" audited "$R5" exec-end "status=0"

# 6. The daemon restarts during the window: the schedule holds.
R6=$(request 6)
decide alice 20002 approve "$R6" >/dev/null 2>&1
check "quorum for 6" decide bob 20003 approve "$R6"
daemon_stop
check "daemon stopped within the window: nothing ran" \
    not formatted "$T/disk6.img"
check "daemon restarts" daemon_start
check "request 6 is still approved after the restart" in_state "$R6" approved
check "after the window 6 ran" wait_for formatted "$T/disk6.img"
check "request 6 is done" wait_for in_state "$R6" done

check "the audit log verifies" quiet "$T/bin/gk-audit" -s "$SOCK" verify

# A database of the previous version (no vetoes/governance tables) opens.
daemon_stop
sqlite3 "$T/state/gatekeeper.db" "DROP TABLE vetoes; DROP TABLE governance"
check "a database without the new tables still opens" daemon_start
has_tables() { sqlite3 "$T/state/gatekeeper.db" .tables | grep -q vetoes &&
    sqlite3 "$T/state/gatekeeper.db" .tables | grep -q governance; }
check "and gets them" has_tables
echo "1..$tap_n"
