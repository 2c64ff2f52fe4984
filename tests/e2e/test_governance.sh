#!/bin/sh
# Governance: once sealed, enrolling, changing or revoking an approver and
# changing the policy directory are requests of the built-in rule
# gatekeeper-governance (2 approvals from the enrolled approvers); root's
# say-so alone changes nothing, and the old set and policy stay in force.
. "$GK_SRC/tests/e2e/lib.sh"
world_init
cd "$T" || exit 1
cat >"$T/pol/10-test.policy" <<'EOF2'
approvers storage = alice bob carol
approve 2 by storage name disk-format cmd mkfs.ext4
deny name no-printf-for-root for :root cmd printf
local cmd echo printf
EOF2
chmod 0644 "$T/pol/10-test.policy"
check "daemon starts" daemon_start
# root_printf: whether the "for :root" deny holds (77) for root.
root_printf() { "$T/bin/gk-shell" -s "$SOCK" -c "printf x" >/dev/null 2>&1
    test $? = 77; }
check "a rule for a group holds" root_printf
check "enroll alice (not sealed: at once)" approver_new alice 20002
check "enroll bob (not sealed: at once)" approver_new bob 20003
GK="$T/bin/gkctl -s $SOCK"
refused "a non-root peer cannot seal" "only root" as 20002 $GK seal
check "root seals the approver set" quiet $GK seal
refused "sealing twice is refused" "already sealed" $GK seal
listed_approver() { $GK approvers | grep -q "^$1 "; }

# Enrolling carol on root's word alone: held.
mkdir -p "$T/home/carol"; chown 20004:20004 "$T/home/carol"
CPUB=$(as 20004 env HOME="$T/home/carol" "$T/bin/gk-approve" keygen \
    --no-passphrase --key "$T/home/carol/key" </dev/null)
CYK=$("$T/bin/softkey" new "$T/tok.carol")
CAES=$(echo "$CYK" | cut -d: -f3)
echo "$CYK" | $GK enroll carol --uid 20004 --pubkey "$CPUB" --yubikey - \
    >"$T/enroll.out"
check "gkctl enroll answers that it is held" grep -q "held for approval" \
    "$T/enroll.out"
check "carol is not enrolled yet" not listed_approver carol
check "the enrolment is a pending request" wait_for listed "'enroll' 'carol'"
G1=$(request_id "'enroll' 'carol'")
showg() { as 20002 "$T/bin/gk-approve" -s "$SOCK" show "$1"; }
is_gov() { showg "$1" | grep -q "^rule: *gatekeeper-governance"; }
check "it is a request of the built-in rule" is_gov "$G1"
check "approvers are not shown the AES key" not sh -c \
    "'$T/bin/gk-audit' -s '$SOCK' --json | grep -qi '$CAES'"
showg "$G1" >"$T/g1.show" 2>&1
check "gk-approve show does not show the AES key" not grep -qi "$CAES" \
    "$T/g1.show"
check "gk-approve show shows the token's secret as a hash" grep -q \
    "secret-hash:" "$T/g1.show"
truncate -s 8M "$T/disk.img"
(as 20001 "$T/bin/gk-shell" -s "$SOCK" -c "mkfs.ext4 -q -F $T/disk.img" \
    >/dev/null 2>&1; echo $? >"$T/r.rc") >/dev/null 2>&1 &
wait_for listed disk.img
R=$(request_id disk.img)
refused "held carol cannot approve anything" \
    "not an enrolled approver\\|does not exist" decide carol 20004 approve "$R"
check "alice approves the enrolment" quiet decide alice 20002 approve "$G1"
sleep 0.3
check "one approval: carol is still not enrolled" not listed_approver carol
check "bob approves the enrolment" quiet decide bob 20003 approve "$G1"
check "two approvals: carol is enrolled" wait_for listed_approver carol
check "enrolled carol can now approve" quiet decide carol 20004 approve "$R"
decide alice 20002 approve "$R" >/dev/null 2>&1
check "the request carol approved ran" wait_for formatted "$T/disk.img"

# Revoking: held; a rejection keeps the approver.
$GK revoke carol >"$T/revoke.out"
check "gkctl revoke is held" grep -q "held for approval" "$T/revoke.out"
G2=$(request_id "'revoke' 'carol'")
check "carol is still enrolled" listed_approver carol
check "alice rejects the revocation" quiet decide alice 20002 deny "$G2"
sleep 0.3
check "a rejected revocation leaves carol enrolled" listed_approver carol

# Changing a token (enroll --replace): held until approved.
NYK=$("$T/bin/softkey" new "$T/tok.bob2")
NPID=$(echo "$NYK" | cut -d: -f1)
BPUB=$($GK approvers | awk '$1 == "bob" {print $4}' | sed 's/pubkey=//')
echo "$NYK" | $GK enroll bob --uid 20003 --pubkey "$BPUB" --yubikey - \
    --replace >"$T/replace.out"
check "a token change is held" grep -q "held for approval" "$T/replace.out"
check "bob keeps his old token meanwhile" not sh -c \
    "'$T/bin/gkctl' -s '$SOCK' approvers | grep -q '$NPID'"
G3=$(request_id "'enroll' 'bob'")
check "alice approves bob's new token" quiet decide alice 20002 approve "$G3"
check "carol approves bob's new token" quiet decide carol 20004 approve "$G3"
newtok() { $GK approvers | grep -q "^bob .*yubikey=$NPID"; }
check "bob's token is changed" wait_for newtok
cp "$T/tok.bob2" "$T/tok.bob"

# A policy edit is held until approved.
cat >>"$T/pol/10-test.policy" <<'EOF2'
local cmd true
EOF2
kill -HUP "$DPID"
check "the policy change is a pending request" wait_for listed load-policy
P1=$(request_id load-policy)
as 20001 "$T/bin/gk-shell" -s "$SOCK" -c true 2>/dev/null
check "the new rule is not in force yet" test $? = 77
check "alice approves the policy" quiet decide alice 20002 approve "$P1"
check "bob approves the policy" quiet decide bob 20003 approve "$P1"
runs_true() { as 20001 "$T/bin/gk-shell" -s "$SOCK" -c true; }
check "approved: the new rule is in force" wait_for runs_true

# Edited again after the request: the approval loads nothing.
echo "local cmd id" >>"$T/pol/10-test.policy"
kill -HUP "$DPID"
wait_for listed load-policy
P2=$(request_id load-policy)
echo "local cmd date" >>"$T/pol/10-test.policy"
quiet decide alice 20002 approve "$P2"
quiet decide bob 20003 approve "$P2"
st_refused() { showg "$1" | grep -q "^state: *refused"; }
check "a policy changed since its request is refused" wait_for st_refused "$P2"
as 20001 "$T/bin/gk-shell" -s "$SOCK" -c id >/dev/null 2>&1
check "and the old policy stays in force" test $? = 77

# Edited while the daemon was stopped: the kept approved policy stays in
# force at start-up until the change is approved.
daemon_stop
echo "local cmd uname" >>"$T/pol/10-test.policy"
check "daemon restarts" daemon_start
check "at start-up the approved policy is in force" runs_true
check "with its group rules (the kept copy)" root_printf
as 20001 "$T/bin/gk-shell" -s "$SOCK" -c date >/dev/null 2>&1
check "and the unapproved rules are not" test $? = 77
check "its change is a pending request" wait_for listed load-policy
P3=$(request_id load-policy)
quiet decide alice 20002 approve "$P3"
check "two approvals load it" quiet decide carol 20004 approve "$P3"
runs_date() { as 20001 "$T/bin/gk-shell" -s "$SOCK" -c date; }
check "then it is in force" wait_for runs_date
check "group rules still hold in the policy approved" root_printf

# Never fewer than two approvers.
$GK revoke carol >/dev/null
G4=$(request_id "'revoke' 'carol'")
quiet decide alice 20002 approve "$G4"
quiet decide bob 20003 approve "$G4"
check "an approved revocation removes carol" wait_for not listed_approver carol
refused "a revocation leaving one approver is refused" "fewer than 2" \
    $GK revoke bob

# No kept copy of the approved policy (a database of before this version,
# or one edited): a changed directory at start-up denies everything.
daemon_stop
sqlite3 "$T/state/gatekeeper.db" "DELETE FROM policy_files"
echo "local cmd hostname" >>"$T/pol/10-test.policy"
check "daemon restarts" daemon_start
as 20001 "$T/bin/gk-shell" -s "$SOCK" -c "echo hi" >/dev/null 2>&1
check "without a kept approved policy everything is denied" test $? = 77
check "the audit log verifies" quiet "$T/bin/gk-audit" -s "$SOCK" verify
leaked=0
for f in "$T"/tok.*; do
	key=$("$T/bin/softkey" show "$f" | cut -d: -f3 | cut -d' ' -f1)
	grep -qi "$key" "$T/daemon.log" && leaked=1
done
check "no AES key in the daemon's log" test $leaked = 0
echo "1..$tap_n"
