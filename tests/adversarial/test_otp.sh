#!/bin/sh
# OTP input: empty, short, long, non-modhex, upper case (refused with its
# own message, never folded), another token's OTP; a refused OTP is not
# spent and stored nowhere; one OTP raced on two requests wins once.
. "$GK_SRC/tests/adversarial/lib_adv.sh"
adv_init
mkdir -p "$T/race"
policy "approvers ops = alice bob
approve 1 by ops name mark cmd touch path $T/race/**"
check "daemon starts" daemon_start
check "enroll alice" approver_new alice 20002
check "enroll bob" approver_new bob 20003

# request NAME: a pending request to touch $T/race/NAME; prints its id.
request() {
	(cd "$T" && as 20001 "$T/bin/gk-shell" -s "$SOCK" -c \
	    "touch $T/race/$1" >"$T/$1.out" 2>"$T/$1.err"; echo $? >"$T/$1.rc") \
	    >/dev/null 2>&1 &
	wait_for listed "race/$1'" && request_id "race/$1'"
}
R=$(request one)
check "a request is pending" test -n "$R"

good=$(otp bob)
short=$(echo "$good" | cut -c1-43)
long="${good}c"
nonmodhex="$(echo "$good" | cut -c1-43)a"
upper=$(echo "$good" | tr a-z A-Z)
echo "$upper" >>"$T/otps"
refused "an empty OTP is refused" "OTP\|otp" decide bob 20003 approve "$R" " "
refused "a 43-character OTP is refused" "not 44 characters" \
    decide bob 20003 approve "$R" "$short"
refused "a 45-character OTP is refused" "not 44 characters" \
    decide bob 20003 approve "$R" "$long"
refused "a non-modhex OTP is refused" "not modhex" \
    decide bob 20003 approve "$R" "$nonmodhex"
refused "an upper-case OTP is refused as Caps Lock, not folded" "upper case" \
    decide bob 20003 approve "$R" "$upper"
refused "alice's OTP typed by bob is refused" "not from bob" \
    decide bob 20003 approve "$R" "$(otp alice)"
check "after six refusals the request is still pending" listed "race/one'"
check "no refusal left an approval" test "$(sqlite3 "$T/state/gatekeeper.db" \
    "SELECT count(*) FROM approvals")" = 0
check "the refused OTP was never spent: the same one, in lower case, is accepted" \
    decide bob 20003 approve "$R" "$good"
check "and the command ran" wait_for test -e "$T/race/one"
refused "it is spent now" "already used\|not pending\|state" \
    decide bob 20003 approve "$R" "$good"

# Races: bob's one OTP sent for two requests at the same instant.
race() { # race N
	a=$(request "r$1a") b=$(request "r$1b")
	[ -n "$a" ] && [ -n "$b" ] || return 1
	o=$(otp bob)
	mkfifo "$T/go$1"
	for id in $a $b; do
		(read x <"$T/go$1"; echo "$o" | as 20003 env HOME="$T/home/bob" \
		    "$T/bin/gk-approve" -s "$SOCK" approve "$id" --otp - \
		    --key "$T/home/bob/key" >"$T/dec$1.$id.out" 2>&1
		    echo $? >"$T/dec$1.$id.rc") >/dev/null 2>&1 &
	done
	sleep 0.2
	# Held open for reading and writing, the fifo keeps both lines for a
	# reader that opens it late (two plain writers could leave one
	# reader blocked forever, an orphan holding the test's fds).
	exec 9<>"$T/go$1"
	printf 'go\ngo\n' >&9
	wait_for test -s "$T/dec$1.$a.rc" && wait_for test -s "$T/dec$1.$b.rc"
	r=$?
	exec 9>&-
	[ $r = 0 ] || return 1
	wins=$(cat "$T/dec$1.$a.rc" "$T/dec$1.$b.rc" | grep -cx 0)
	ran=$(ls "$T/race" | grep -c "^r$1")
	lost=$(cat "$T/dec$1".*.out | grep -c "already used")
	diag "race $1: $wins approval(s) recorded, $ran command(s) ran"
	# the loser stays pending; cancel it so the next round starts clean
	for id in $a $b; do
		as 20001 "$T/bin/gk-shell" -s "$SOCK" -c "gk cancel $id" \
		    >/dev/null 2>&1
	done
	[ "$wins" = 1 ] && [ "$lost" = 1 ] && wait_for test "$(ls "$T/race" |
	    grep -c "^r$1")" = 1
}
for n in 1 2 3 4 5; do
	check "race $n: one OTP on two requests wins exactly once" race $n
done
sleep 0.5
check "exactly five raced commands ran" test "$(ls "$T/race" | grep -c '^r')" = 5
# softkey keeps the (counter, use) of its next OTP: the last one spent
# carried use - 1 (no wrap in so few).
last=$("$T/bin/softkey" show "$T/tok.bob" | sed 's/.*counter=\([0-9]*\) use=\([0-9]*\).*/\1 \2/')
last="${last% *} $((${last#* } - 1))"
stored=$(sqlite3 "$T/state/gatekeeper.db" \
    "SELECT counter || ' ' || use FROM approvers WHERE name = 'bob'")
check "bob's stored counter is his last spent OTP's ($stored / $last)" \
    test "$stored" = "$last"
check "the audit log verifies" "$T/bin/gk-audit" -s "$SOCK" verify
check "no OTP, key or seed in logs or audit output" secrets_scan
echo "1..$tap_n"
