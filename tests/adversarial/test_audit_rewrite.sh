#!/bin/sh
# Rewriting the audit log without the daemon's key (issue 14): a record
# deleted, the rest renumbered and re-hashed, the checkpoints from there
# on dropped, the approvals of an executed two-approval mkfs deleted; the
# terms of a request (need, approver set, session) edited in its row; and
# with the daemon's key stolen, an executed request left with fewer
# approvals than it needed. gk-audit verify must catch each.
. "$GK_SRC/tests/adversarial/lib_adv.sh"
adv_init
cp "$GK_BUILD/tests/auditedit" "$T/bin/"
policy 'approvers storage = alice bob carol
approve 2 by storage name disk-format cmd mkfs.ext4
local cmd true echo
deny name shells cmd sh bash'
check "daemon starts" daemon_start
check "enroll alice" approver_new alice 20002
check "enroll bob" approver_new bob 20003
check "enroll carol" approver_new carol 20004
truncate -s 8M "$T/disk.img"
chmod 0666 "$T/disk.img"

check "a local command" as 20001 "$T/bin/gk-shell" -s "$SOCK" -c true
"$T/bin/gk-audit" -s "$SOCK" checkpoint >"$T/old.anchor"
check "an anchor kept before the deny" grep -q '^gatekeeper-checkpoint' "$T/old.anchor"
as 20001 "$T/bin/gk-shell" -s "$SOCK" -c "bash -c true" 2>/dev/null
check "a denied command (audited deny)" test $? = 77

(cd "$T" && as 20001 "$T/bin/gk-shell" -s "$SOCK" -c \
    "mkfs.ext4 -q -F $T/disk.img" >/dev/null 2>&1; echo $? >"$T/r.rc") &
check "the mkfs request is listed" wait_for listed disk.img
R=$(request_id disk.img)
check "alice approves" quiet decide alice 20002 approve "$R" "$(otp alice)"
check "bob approves" quiet decide bob 20003 approve "$R" "$(otp bob)"
check "the mkfs ran" wait_for test -s "$T/r.rc"
check "... and formatted the image" formatted "$T/disk.img"
check "a local command after it" as 20001 "$T/bin/gk-shell" -s "$SOCK" -c "echo after"

# A live daemon: its newest records may not be signed yet. Through the
# daemon, verify signs the head first; the file alone cannot tell a
# daemon still writing from a rewrite, and says so.
check "verify through the running daemon: intact" \
    quiet "$T/bin/gk-audit" -s "$SOCK" verify
DB=$T/state/gatekeeper.db
sqlite3 "$DB" ".backup $T/live.db"
sqlite3 "$T/live.db" "INSERT INTO audit SELECT seq + 1, time, event, uid, user,
    request, session, command, detail, hash, hash FROM audit WHERE seq = (SELECT
    max(seq) FROM audit)"
"$T/bin/auditedit" "$T/live.db" rechain
out=$("$T/bin/gk-audit" verify --db "$T/live.db" 2>&1); rc=$?
check "an unsigned newest record: verify --db exits 1 ($out)" test $rc = 1
check "... naming it as not covered by a checkpoint" sh -c \
    'echo "$1" | grep -q "record $2: not covered by a signed checkpoint"' - "$out" \
    "$(sqlite3 "$T/live.db" 'SELECT max(seq) FROM audit')"
check "... and saying how to verify a log a daemon still writes" sh -c \
    'echo "$1" | grep -q "without --db"' - "$out"

daemon_stop
check "the stopped daemon's log verifies" quiet "$T/bin/gk-audit" verify --db "$DB"
check "... against the old anchor too" quiet "$T/bin/gk-audit" verify --db "$DB" \
    --anchor "$T/old.anchor"

verify_fails() { # verify_fails NAME DB PATTERN [ANCHOR]
	if [ -n "${4:-}" ]; then
		out=$("$T/bin/gk-audit" verify --db "$2" --anchor "$4" 2>&1)
	else
		out=$("$T/bin/gk-audit" verify --db "$2" 2>&1)
	fi
	rc=$?
	if [ $rc = 1 ] && echo "$out" | grep -q "$3"; then
		ok "$1: $out"
	else
		notok "$1 (rc=$rc): $out"
	fi
}

# The rewrite the issue reports, with no key at all.
DENY=$(sqlite3 "$DB" "SELECT seq FROM audit WHERE event = 'deny'")
cp "$DB" "$T/a.db"
sqlite3 "$T/a.db" "DELETE FROM audit WHERE event = 'deny';
    DELETE FROM checkpoints WHERE seq >= $DENY;
    DELETE FROM approvals WHERE request = $R;
    DELETE FROM audit WHERE request = $R AND event IN ('approve', 'reject')"
"$T/bin/auditedit" "$T/a.db" rechain
verify_fails "deny deleted, renumbered, re-hashed, checkpoints and approvals dropped" \
    "$T/a.db" "record [0-9]*: not covered by a signed checkpoint"
verify_fails "... also with the older anchor" "$T/a.db" \
    "record [0-9]*: not covered by a signed checkpoint" "$T/old.anchor"

# The terms of a request in its row: each is covered by the chain.
terms() { # terms NAME SQL
	cp "$DB" "$T/b.db"
	sqlite3 "$T/b.db" "$2"
	verify_fails "$1" "$T/b.db" "request $R"
}
terms "need set to 0" "UPDATE requests SET need = 0 WHERE id = $R"
terms "need set to 1" "UPDATE requests SET need = 1 WHERE id = $R"
terms "the approver set renamed" "UPDATE requests SET set_name = 'other' WHERE id = $R"
cp "$DB" "$T/b.db"
sqlite3 "$T/b.db" "UPDATE requests SET members = X'000000080000000000000001000000056d616c6c6f' WHERE id = $R"
verify_fails "the set's members replaced" "$T/b.db" "request $R"
terms "the delay edited" "UPDATE requests SET delay = 600 WHERE id = $R"
terms "the session edited" "UPDATE requests SET session = 'ssh=10.9.9.9' WHERE id = $R"

# With the daemon's key: the chain re-hashed and every checkpoint signed
# again, so only the approvals themselves stand in the way.
cp "$DB" "$T/c.db"
sqlite3 "$T/c.db" "DELETE FROM approvals WHERE request = $R AND approver = 'bob';
    DELETE FROM audit WHERE request = $R AND user = 'bob' AND event = 'approve'"
"$T/bin/auditedit" "$T/c.db" resign "$T/state/daemon.key"
verify_fails "daemon key stolen: an executed request with one of two approvals" \
    "$T/c.db" "request $R: .*1 of the 2"

# With the key, the terms= of the request record made to match an edited
# row: bob taken out of the set, or bob's enrolment given the requester's
# uid. The daemon accepts decisions from neither.
cp "$DB" "$T/d.db"
sqlite3 "$T/d.db" "UPDATE requests SET members = X'00000008000000000000000200000005616c696365000000056361726f6c' WHERE id = $R"
"$T/bin/auditedit" "$T/d.db" terms "$R" "$T/state/daemon.key"
verify_fails "daemon key stolen: an approval by someone outside the set" \
    "$T/d.db" "request $R: the decision of bob is not by a member"
cp "$DB" "$T/e.db"
sqlite3 "$T/e.db" "UPDATE audit SET uid = 20001 WHERE event = 'enroll' AND user = 'bob'"
"$T/bin/auditedit" "$T/e.db" resign "$T/state/daemon.key"
verify_fails "daemon key stolen: an approval by the requester" \
    "$T/e.db" "request $R: the decision of bob is its requester's own"

daemon_start
check "no secret in logs or audit output" secrets_scan
echo "1..$tap_n"
