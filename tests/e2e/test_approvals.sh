#!/bin/sh
# Two-token approvals end to end: a destructive command waits for two
# approvers, every way of cheating is refused, the audit log verifies and
# any edit of it is caught.
. "$GK_SRC/tests/e2e/lib.sh"
world_init
cat >"$T/pol/10-test.policy" <<'EOF'
approvers storage = alice bob dave
approve 2 by storage name disk-format cmd mkfs.ext4
approve 2 by storage name short expire 2s cmd mkfs.ext3
local cmd true echo
deny name shells cmd sh bash
EOF
chmod 0644 "$T/pol/10-test.policy"
check "daemon starts" daemon_start
check "enroll alice" approver_new alice 20002
check "enroll bob" approver_new bob 20003
check "enroll carol (not in the set)" approver_new carol 20004
truncate -s 8M "$T/disk.img"
cp "$T/disk.img" "$T/disk2.img"
cp "$T/disk.img" "$T/disk3.img"

# request R1 by uid 20001
(cd "$T" && as 20001 "$T/bin/gk-shell" -s "$SOCK" -c \
    "mkfs.ext4 -q -F $T/disk.img" >"$T/r1.out" 2>"$T/r1.err"; \
    echo $? >"$T/r1.rc") &
check "request appears in gk-approve list" wait_for listed disk.img
R1=$(request_id disk.img)
diag "request R1=$R1"
check "requester printed the request number as a word" \
    grep -qw "$R1" "$T/r1.err"

OTPA=$("$T/bin/softkey" otp "$T/tok.alice")
check "first approval (alice) recorded" decide alice 20002 approve "$R1" "$OTPA"
sleep 0.3
check "one approval: nothing ran" not formatted "$T/disk.img"
check "one approval: the requester still waits" test ! -s "$T/r1.rc"
refused "second vote by the same approver refused" "already decided" \
    decide alice 20002 approve "$R1"
refused "approver outside the set refused" "not an approver of\|not in the approver set" \
    decide carol 20004 approve "$R1"
refused "another approver's token refused" "not from bob" decide bob 20003 \
    approve "$R1" "$("$T/bin/softkey" otp "$T/tok.alice")"
"$T/bin/softkey" new "$T/tok.stranger" >/dev/null
refused "an unknown public id refused" "not from bob" decide bob 20003 \
    approve "$R1" "$("$T/bin/softkey" otp "$T/tok.stranger")"
refused "a malformed OTP refused" "not 44 characters" decide bob 20003 \
    approve "$R1" "cccccccccccc"
mkdir -p "$T/home/bob2"
chown 20003:20003 "$T/home/bob2"
as 20003 env HOME="$T/home/bob2" "$T/bin/gk-approve" keygen --no-passphrase \
    --key "$T/home/bob2/key" </dev/null >/dev/null
otherkey() {
	"$T/bin/softkey" otp "$T/tok.bob" | as 20003 env HOME="$T/home/bob" \
	    "$T/bin/gk-approve" -s "$SOCK" approve "$1" --otp - \
	    --key "$T/home/bob2/key"
}
refused "a signature by another key refused" "signature refused" otherkey "$R1"
mkdir -p "$T/home/req"
chown 20001:20001 "$T/home/req"
as 20001 env HOME="$T/home/req" "$T/bin/gk-approve" keygen --no-passphrase \
    --key "$T/home/req/key" </dev/null >/dev/null
refused "the requester cannot approve (not an approver)" \
    "not an enrolled approver" decide req 20001 approve "$R1" \
    "$("$T/bin/softkey" otp "$T/tok.alice")"
sleep 0.2
check "refusals ran nothing" not formatted "$T/disk.img"
dec_out() { decide "$@" >"$T/dec.out" 2>&1; }
check "second approval (bob) recorded" dec_out bob 20003 approve "$R1"
check "bob is told the daemon runs it now" \
    grep -q "approved: the command runs now" "$T/dec.out"
check "requester finished" wait_for test -s "$T/r1.rc"
check "requester exit status 0" test "$(cat "$T/r1.rc")" = 0
check "the image is formatted" formatted "$T/disk.img"

# A replayed OTP: bob's next OTP, used twice.
OTP=$("$T/bin/softkey" otp "$T/tok.bob")
(cd "$T" && as 20001 "$T/bin/gk-shell" -s "$SOCK" -c \
    "mkfs.ext4 -q -F $T/disk2.img" >/dev/null 2>"$T/r2.err"; echo $? >"$T/r2.rc") &
wait_for listed disk2
R2=$(request_id disk2)
check "bob approves R2" decide bob 20003 approve "$R2" "$OTP"
refused "a replayed OTP is refused" "already used" \
    decide alice 20002 approve "$R2" "$OTPA"
refused "an older counter refused" "already used" decide alice 20002 \
    approve "$R2" "$("$T/bin/softkey" otp "$T/tok.alice" --counter 0 --use 9)"
refused "an equal counter refused" "already used" decide alice 20002 \
    approve "$R2" "$("$T/bin/softkey" otp "$T/tok.alice" --counter 1 --use 0)"
check "alice rejects R2" decide alice 20002 deny "$R2"
check "rejected requester finished" wait_for test -s "$T/r2.rc"
check "rejected: exit 77" test "$(cat "$T/r2.rc")" = 77
check "rejected: nothing ran" not formatted "$T/disk2.img"

# Self-approval: bob asks, bob tries to approve.
(cd "$T" && as 20003 "$T/bin/gk-shell" -s "$SOCK" -c \
    "mkfs.ext4 -q -F $T/disk3.img" >/dev/null 2>&1 &)
wait_for listed disk3
R3=$(request_id disk3)
refused "self-approval refused" "your own request" \
    decide bob 20003 approve "$R3"

# A signature moved from one request to another (a lying client).
DPUB=$("$T/bin/rawdecide" keygen "$T/dave.sk")
"$T/bin/softkey" new "$T/tok.dave" >"$T/dave.yk"
check "enroll dave" "$T/bin/gkctl" -s "$SOCK" enroll dave --uid 20005 \
    --pubkey "$DPUB" --yubikey - <"$T/dave.yk"
chmod 0644 "$T/dave.sk"
rawdave() { as 20005 "$T/bin/rawdecide" "$SOCK" "$1" "$2" "$T/dave.sk" dave \
    "$("$T/bin/softkey" otp "$T/tok.dave")"; }
refused "a signature for another request refused" "signature refused" \
    rawdave "$R3" "$R2"
check "the same tool's honest signature is accepted" rawdave "$R3" "$R3"

# Expiry: the short rule expires in 2s.
(cd "$T" && as 20001 "$T/bin/gk-shell" -s "$SOCK" -c \
    "mkfs.ext3 -q -F $T/disk3.img" >/dev/null 2>&1; echo $? >"$T/r4.rc") &
wait_for listed mkfs.ext3
R4=$(request_id mkfs.ext3)
sleep 3
refused "an expired request is refused" "expired" \
    decide alice 20002 approve "$R4"
check "expired requester finished" wait_for test -s "$T/r4.rc"
check "expired: exit 75" test "$(cat "$T/r4.rc")" = 75
check "expired: nothing ran" not formatted "$T/disk3.img"

# Policy deny and local commands.
as 20001 "$T/bin/gk-shell" -s "$SOCK" -c "bash -c true" 2>/dev/null
check "policy deny: exit 77" test $? = 77
check "local command runs as the user" \
    test "$(as 20001 "$T/bin/gk-shell" -s "$SOCK" -c 'echo hi')" = hi

# Approver management: root only; revoke removes.
check "gkctl approvers lists carol" sh -c \
    "$T/bin/gkctl -s $SOCK approvers | grep -q '^carol uid=20004'"
"$T/bin/softkey" new "$T/tok.eve" >"$T/eve.yk"
refused "a non-root enrolment is refused" "root" as 20001 "$T/bin/gkctl" \
    -s "$SOCK" enroll eve --uid 20001 --pubkey "$DPUB" --yubikey - \
    <"$T/eve.yk"
check "gkctl revoke carol" "$T/bin/gkctl" -s "$SOCK" revoke carol
check "carol is gone" not sh -c \
    "$T/bin/gkctl -s $SOCK approvers | grep -q '^carol'"
refused "a revoked approver cannot decide" "not an enrolled approver\\|does not exist" \
    decide carol 20004 approve "$R3"

# The audit log.
check "gk-audit verify through the daemon" \
    "$T/bin/gk-audit" -s "$SOCK" verify
"$T/bin/gk-audit" -s "$SOCK" checkpoint >"$T/anchor"
check "checkpoint line" grep -q '^gatekeeper-checkpoint seq=' "$T/anchor"
daemon_stop
DB=$T/state/gatekeeper.db
check "gk-audit verify --db on a stopped daemon's db" \
    "$T/bin/gk-audit" verify --db "$DB" --anchor "$T/anchor"

# Every column of an audit row, a request field, an approval, a deleted
# row: each edit must be caught.
tamper() { # tamper NAME SQL
	cp "$DB" "$T/copy.db"
	sqlite3 "$T/copy.db" "$2" || { notok "$1 (sqlite3 failed)"; return; }
	out=$("$T/bin/gk-audit" verify --db "$T/copy.db" 2>&1)
	rc=$?
	if [ $rc = 1 ] && echo "$out" | grep -q "record\|request"; then
		ok "$1 is caught: $out"
	else
		notok "$1 not caught (rc=$rc): $out"
	fi
}
for col in time event uid user request session command detail; do
	case $col in
	time|uid|request) v=12345 ;;
	*) v="'x'" ;;
	esac
	tamper "edited audit.$col" "UPDATE audit SET $col = $v WHERE seq = 5"
done
tamper "edited audit.prev" "UPDATE audit SET prev = zeroblob(32) WHERE seq = 3"
tamper "edited audit.hash" "UPDATE audit SET hash = zeroblob(32) WHERE seq = 3"
tamper "deleted audit row" "DELETE FROM audit WHERE seq = 4"
tamper "deleted last audit rows" "DELETE FROM audit WHERE seq > (SELECT max(seq) - 2 FROM audit)"
tamper "edited request argv" "UPDATE requests SET argv = (SELECT argv FROM requests WHERE id = $R2) WHERE id = $R1"
tamper "edited request cwd" "UPDATE requests SET cwd = '/' WHERE id = $R1"
tamper "deleted request" "DELETE FROM requests WHERE id = $R1"
tamper "edited approval signature" "UPDATE approvals SET sig = (SELECT sig FROM approvals WHERE request = $R2 LIMIT 1) WHERE request = $R1 AND approver = 'alice'"
tamper "edited approval time" "UPDATE approvals SET time = time + 1 WHERE request = $R1 AND approver = 'bob'"
tamper "edited approval otp" "UPDATE approvals SET otp = 'x' WHERE request = $R1 AND approver = 'bob'"
tamper "deleted approval" "DELETE FROM approvals WHERE request = $R2 AND approver = 'alice'"
tamper "edited request state" "UPDATE requests SET state = 'pending' WHERE id = $R2"
tamper "edited exit status" "UPDATE requests SET status = 1 WHERE id = $R1"
tamper "edited kept output" "UPDATE requests SET output = x'41' WHERE id = $R1"

# Secrets: no OTP or AES key in the daemon's log.
leaked=0
for f in "$T"/tok.*; do
	key=$("$T/bin/softkey" show "$f" | cut -d: -f3 | cut -d' ' -f1)
	grep -q "$key" "$T/daemon.log" && leaked=1
done
grep -q "$OTP" "$T/daemon.log" && leaked=1
check "no AES key or OTP in the daemon's log" test $leaked = 0
echo "1..$tap_n"
