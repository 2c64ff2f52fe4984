#!/bin/sh
# kill -9 of the daemon before, during and after execution, and at
# random instants around an approval's transaction. After each restart:
# nothing ran twice, a request that was running is interrupted, what was
# recorded is whole (approval, counter and audit record together or not
# at all), and gk-audit verify passes.
. "$GK_SRC/tests/adversarial/lib_adv.sh"
adv_init
mkdir -p "$T/tools" "$T/runs"
cat >"$T/tools/mark" <<EOF2
#!/bin/sh
echo "\$GK_REQUEST_ID" >>"$T/runs/all"
EOF2
cat >"$T/tools/slow" <<EOF2
#!/bin/sh
echo "\$GK_REQUEST_ID" >>"$T/runs/slow"
sleep 3
EOF2
chmod 0755 "$T/tools"/*
policy "approvers ops = alice bob
approve 2 by ops name mark cmd $T/tools/mark
approve 1 by ops name slow cmd $T/tools/slow
allow name id cmd /usr/bin/id"
check "daemon starts" daemon_start
check "enroll alice" approver_new alice 20002
check "enroll bob" approver_new bob 20003
DB=$T/state/gatekeeper.db

crash() { kill -9 "$DPID"; wait "$DPID" 2>/dev/null; DPID=; }
restart() { crash; daemon_start; }
state() { sqlite3 "$DB" "SELECT state FROM requests WHERE id = $1"; }
request() { # request TOOL TAG: a pending request, its id on stdout
	(cd "$T" && as 20001 "$T/bin/gk-shell" -s "$SOCK" -c \
	    "$T/tools/$1 $2" >/dev/null 2>&1) >/dev/null 2>&1 &
	wait_for listed "$1' '$2'" && request_id "$1' '$2'"
}
is_state() { [ "$(state "$1")" = "$2" ]; }
runs() { grep -cx "$1" "$T/runs/${2:-all}" 2>/dev/null; }
ran_once() { [ "$(runs "$@")" = 1 ]; }

# Before execution: one of two approvals, then the crash.
R=$(request mark before)
check "alice approves" decide alice 20002 approve "$R" "$(otp alice)"
check "kill -9 with one approval of two, restart" restart
check "the request is still pending" test "$(state "$R")" = pending
check "its approval survived" test "$(sqlite3 "$DB" \
    "SELECT count(*) FROM approvals WHERE request = $R")" = 1
check "bob's approval completes it" decide bob 20003 approve "$R" "$(otp bob)"
check "it ran" wait_for ran_once "$R"
# (the script's line can come before the daemon records its end)
check "its end is recorded" wait_for is_state "$R" done

# After execution.
check "kill -9 after it ran, restart" restart
sleep 1
check "done, and not run again" sh -c \
    "[ \"\$(sqlite3 '$DB' \"SELECT state FROM requests WHERE id = $R\")\" = done ] && [ $(runs "$R") = 1 ]"

# During execution.
S=$(request slow during)
check "bob approves the slow command" decide bob 20003 approve "$S" "$(otp bob)"
check "it started" wait_for ran_once "$S" slow
check "kill -9 while it runs, restart" restart
check "the request is interrupted" test "$(state "$S")" = interrupted
sleep 3
check "it ran exactly once" test "$(runs "$S" slow)" = 1
check "the interruption is audited" sh -c \
    "'$T/bin/gk-audit' -s '$SOCK' --event interrupted --request $S | grep -q interrupted"
check "the log verifies" "$T/bin/gk-audit" -s "$SOCK" verify

# Around an approval's transaction: bob's deciding approval, the daemon
# killed a varying instant later. Either everything about it was
# committed (approval row, audit record, counter; then the command may
# have run, once) or nothing was (then the same OTP is still good).
counter() { sqlite3 "$DB" "SELECT counter * 256 + use FROM approvers WHERE name = '$1'"; }
whole=0 torn=0
rounds="1 2 3 4 5 6 7 8 9 10 11 12"
for n in $rounds; do
	R=$(request mark "tx$n")
	[ -n "$R" ] || { torn=$((torn + 1)); continue; }
	decide alice 20002 approve "$R" "$(otp alice)" >/dev/null 2>&1
	o=$(otp bob)
	c0=$(counter bob)
	decide bob 20003 approve "$R" "$o" >/dev/null 2>&1 &
	AP=$!
	sleep "$(printf '0.%03d' $((n * 7)))"
	crash
	wait $AP 2>/dev/null
	daemon_start || { torn=$((torn + 1)); continue; }
	sleep 0.3
	a=$(sqlite3 "$DB" "SELECT count(*) FROM approvals WHERE request = $R AND approver = 'bob'")
	rec=$(sqlite3 "$DB" "SELECT count(*) FROM audit WHERE request = $R AND user = 'bob' AND event = 'approve'")
	c1=$(counter bob)
	st=$(state "$R")
	ran=$(runs "$R")
	diag "round $n: approval=$a record=$rec counter $c0->$c1 state=$st runs=$ran"
	if [ "$a" = 1 ] && [ "$rec" = 1 ] && [ "$c1" -gt "$c0" ] &&
	    [ "${ran:-0}" -le 1 ]; then
		# committed: the command ran once or, killed first, is
		# interrupted / still approved and never re-run
		whole=$((whole + 1))
	elif [ "$a" = 0 ] && [ "$rec" = 0 ] && [ "$c1" = "$c0" ] &&
	    [ "${ran:-0}" = 0 ] && [ "$st" = pending ] &&
	    decide bob 20003 approve "$R" "$o" >/dev/null 2>&1 &&
	    wait_for ran_once "$R"; then
		whole=$((whole + 1))	# nothing committed; the OTP still good
	else
		torn=$((torn + 1))
	fi
done
check "12 crashes around an approval: each all or nothing ($whole whole, $torn torn)" \
    test "$whole" = 12
check "no command ran twice" test -z "$(sort "$T/runs/all" | uniq -d)"
check "the audit log verifies after every crash" "$T/bin/gk-audit" -s "$SOCK" verify
daemon_stop
check "and offline" "$T/bin/gk-audit" verify --db "$DB"
daemon_start
check "no secret in logs or audit output" secrets_scan
echo "1..$tap_n"
