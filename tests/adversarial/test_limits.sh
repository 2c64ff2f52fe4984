#!/bin/sh
# The daemon's shares (issue 14): one uid cannot take every connection
# slot, slots are kept for root and approvers, a peer that never completes
# a frame is dropped, unread audit answers cost a bounded amount of
# memory, and a flood of audit queries does not starve another user's
# command. Bounds are on counts, fds, memory and order, never on time.
. "$GK_SRC/tests/adversarial/lib_adv.sh"
adv_init
policy "approvers ops = alice
allow name id cmd /usr/bin/id"
check "daemon starts" daemon_start
check "enroll alice" approver_new alice 20002

# wait_long CMD...: retry up to 40s (the frame deadline is 10s, checked
# once a second).
wait_long() {
	i=0
	while ! "$@" >/dev/null 2>&1; do
		i=$((i + 1))
		[ $i -gt 400 ] && return 1
		sleep 0.1
	done
}
# served_as UID: that uid's gk-shell gets /usr/bin/id run.
served_as() {
	[ "$(as "$1" "$T/bin/gk-shell" -s "$SOCK" -c "/usr/bin/id -u" \
	    2>/dev/null)" = 0 ]
}
# holdw UID N FILE NAME: UID opens N connections, each sends FILE (none
# when empty); gkstress's output in $T/NAME.out. A sleeper keeps its
# stdin (a fifo) open until release NAME.
holdw() {
	rm -f "$T/$4.in"
	mkfifo "$T/$4.in"
	as "$1" "$T/bin/gkstress" hold "$SOCK" "$2" ${3:+"$3"} <"$T/$4.in" \
	    >"$T/$4.out" 2>"$T/$4.err" &
	sleep 600 >"$T/$4.in" &
	echo $! >"$T/$4.keeper"
}
release() { kill "$(cat "$T/$1.keeper")" 2>/dev/null; }
holding() { grep -q "^holding $2" "$T/$1.out"; }
kept() { sed -n 's/^open //p' "$T/$1.out"; }

msgframe "$T/f.list" 4
fd0=$(fds)

# One uid with 1000 connections (each sent a complete frame and waits):
# it keeps at most its share, and another uid is still served.
holdw 20001 1000 "$T/f.list" many
check "uid 20001 opens 1000 connections" wait_for holding many 1000
check "while it holds them, another uid's gk-shell is served" served_as 20006
check "... and root's gkctl" quiet "$T/bin/gkctl" -s "$SOCK" approvers
release many
check "the holder is done" wait_long grep -q '^open ' "$T/many.out"
diag "uid 20001 kept $(kept many) of 1000 connections"
check "one uid keeps at most 512 connections (its share)" \
    test "$(kept many)" -le 512
check "... and at least the 100+ of the contract" test "$(kept many)" -ge 256
check "the daemon's fds are back" \
    wait_long sh -c "[ \$(ls /proc/$DPID/fd | wc -l) -le $fd0 ]"

# Eight uids with 520 connections each ask for more than every slot:
# root and an enrolled approver are still served (slots kept for them).
for u in 1 2 3 4 5 6 7 8; do
	holdw $((20010 + u)) 520 "$T/f.list" fill$u
done
for u in 1 2 3 4 5 6 7 8; do
	wait_for holding fill$u 520
done
check "eight uids have asked for 4160 connections" \
    sh -c "[ \$(grep -l '^holding 520' $T/fill*.out | wc -l) = 8 ]"
check "the daemon holds thousands of connections" \
    wait_for sh -c "[ \$(ls /proc/$DPID/fd | wc -l) -ge $((fd0 + 3500)) ]"
check "with ordinary slots full, the approver alice is served" \
    quiet as 20002 "$T/bin/gk-approve" -s "$SOCK" list
check "... and root is served" quiet "$T/bin/gkctl" -s "$SOCK" approvers
check "... and root's own command runs" \
    sh -c "[ \"\$('$T/bin/gk-shell' -s '$SOCK' -c '/usr/bin/id -u' 2>/dev/null)\" = 0 ]"
for u in 1 2 3 4 5 6 7 8; do
	release fill$u
done
for u in 1 2 3 4 5 6 7 8; do
	wait_long grep -q '^open ' "$T/fill$u.out"
done
check "every filler is done" \
    sh -c "[ \$(grep -l '^open ' $T/fill*.out | wc -l) = 8 ]"
check "the fds are back" \
    wait_long sh -c "[ \$(ls /proc/$DPID/fd | wc -l) -le $fd0 ]"

# Peers that never complete a frame: nothing, half a header, half a
# frame. They are dropped after the deadline; idle peers that sent a
# whole frame are kept.
printf '\001\004\000' >"$T/f.half"
head -c 1000 /dev/zero >"$T/z.tmp"
printf '\001\004\000\000\000\000\020\000' >"$T/f.part"	# 4096 promised
cat "$T/z.tmp" >>"$T/f.part"
holdw 20001 50 "" mute
holdw 20001 50 "$T/f.half" half
holdw 20001 50 "$T/f.part" part
holdw 20001 50 "$T/f.list" idle
for n in mute half part idle; do wait_for holding $n 50; done
check "200 peers are connected" \
    wait_for sh -c "[ \$(ls /proc/$DPID/fd | wc -l) -ge $((fd0 + 195)) ]"
check "the laggards are dropped after the frame deadline" \
    wait_long sh -c "[ \$(ls /proc/$DPID/fd | wc -l) -le $((fd0 + 55)) ]"
for n in mute half part idle; do release $n; done
for n in mute half part idle; do wait_long grep -q '^open ' "$T/$n.out"; done
check "no silent peer was kept" test "$(kept mute)" = 0
check "no half-header peer was kept" test "$(kept half)" = 0
check "no half-frame peer was kept" test "$(kept part)" = 0
check "the idle peers that sent a whole frame were kept" test "$(kept idle)" = 50
check "served after the laggards" served

# A log of about 1.2 MB (100 refused commands with a 12 KB argument).
big=$(head -c 12000 /dev/zero | tr '\0' a)
i=0
while [ $i -lt 100 ]; do
	as 20001 "$T/bin/gk-shell" -s "$SOCK" -c "/usr/bin/touch $big" \
	    >/dev/null 2>&1
	i=$((i + 1))
done
check "the log holds the big records" \
    sh -c "[ \$('$T/bin/gk-audit' -s '$SOCK' --event deny | wc -c) -ge 1200000 ]"

# 300 whole-log queries whose answers are never read, from three uids.
msgframe "$T/f.audit" 10
rss0=$(rss_kb)
holdw 0 100 "$T/f.audit" qroot
holdw 20001 100 "$T/f.audit" quser
holdw 20002 100 "$T/f.audit" qappr
for n in qroot quser qappr; do wait_for holding $n 100; done
check "300 unread queries are sent" \
    sh -c "[ \$(grep -l '^holding 100' $T/q*.out | wc -l) = 3 ]"
sleep 2		# let the daemon do what it will with them (no bound on time)
rss1=$(rss_kb)
diag "daemon RSS ${rss0} kB before, ${rss1} kB with 300 unread queries"
check "memory stays bounded with 300 unread queries (+48 MB at most)" \
    test "$rss1" -le $((rss0 + 49152))
check "while they sit, a client is served" served
for n in qroot quser qappr; do release $n; done
for n in qroot quser qappr; do wait_long grep -q '^open ' "$T/$n.out"; done

# A flood: 100 pipelined whole-log queries on one connection, read as
# they come. Every answer is complete, and another user's command is
# answered before the flood's last answer.
rm -f "$T/f.flood"
i=0
while [ $i -lt 100 ]; do msgframe "$T/f.flood" 10; i=$((i + 1)); done
: >"$T/order.log"
as 20001 "$T/bin/gkstress" flood "$SOCK" 100 "$T/f.flood" >>"$T/order.log" \
    2>"$T/flood.err" &
FL=$!
wait_for grep -q '^sent' "$T/order.log"
o=$(as 20006 "$T/bin/gk-shell" -s "$SOCK" -c "/usr/bin/id -u" 2>/dev/null)
echo "other $o" >>"$T/order.log"
wait $FL
check "the flood got all 100 answers" grep -qx 'flood done 100' "$T/order.log"
n1=$(sed -n 's/^answer 1 items //p' "$T/order.log")
check "each answer holds the whole log ($n1 records)" sh -c \
    "[ -n '$n1' ] && [ '$n1' -ge 12 ] && ! grep '^answer ' '$T/order.log' | grep -qv ' items $n1\$'"
check "another user's command ran during the flood" grep -qx 'other 0' "$T/order.log"
check "... and was answered before the flood's last answer" sh -c \
    "grep -n '^other \|^flood ' '$T/order.log' | head -1 | grep -q other"
diag "answers before the other command: $(sed -n '/^other/q;/^answer/p' "$T/order.log" | wc -l) of 100"

# Sliced answers are the whole query's answers: over a log of a few
# thousand records (windows of 1024), the daemon's answer equals the
# database's own (gk-audit --db), with filters, limits and time ranges.
as 20001 "$T/bin/gkstress" loop "$SOCK" 700 / /usr/bin/id >"$T/loop.out"
check "700 more commands ran" grep -qx 'served 700 of 700' "$T/loop.out"
DB=$T/state/gatekeeper.db
now=$(date +%s)
same() { # same ARGS...: the daemon's and the database's answers agree
	"$T/bin/gk-audit" -s "$SOCK" --json "$@" >"$T/a.sock" &&
	"$T/bin/gk-audit" --db "$DB" --json "$@" >"$T/a.db" &&
	[ -s "$T/a.db" ] && cmp -s "$T/a.sock" "$T/a.db"
}
check "the whole log, sliced, is the log" same
check "the log holds more than two windows" \
    test "$(wc -l <"$T/a.db")" -gt 2048
check "--limit 7" same --limit 7
check "--limit 1500" same --limit 1500
check "--event exec-end" same --event exec-end
check "--event exec-end --limit 1100" same --event exec-end --limit 1100
check "--event deny (few, far apart)" same --event deny
check "--user 20001 --limit 3" same --user 20001 --limit 3
check "--since (the last minute)" same --since "$((now - 60))"
check "--since --until (no record)" sh -c \
    "'$T/bin/gk-audit' -s '$SOCK' --json --since 1 --until 2 | wc -l | grep -qx 0"
check "a peer that sees only its own: its records, sliced" sh -c \
    "as() { setpriv --reuid=\$1 --regid=\$1 --clear-groups \"\$@\"; }
    setpriv --reuid=20001 --regid=20001 --clear-groups '$T/bin/gk-audit' \
        -s '$SOCK' --json >'$T/a.own' &&
    '$T/bin/gk-audit' --db '$DB' --json --user 20001 >'$T/a.db' &&
    [ -s '$T/a.db' ] && cmp -s '$T/a.own' '$T/a.db'"
check "... with a limit" sh -c \
    "setpriv --reuid=20001 --regid=20001 --clear-groups '$T/bin/gk-audit' \
        -s '$SOCK' --json --limit 1030 >'$T/a.own' &&
    '$T/bin/gk-audit' --db '$DB' --json --user 20001 --limit 1030 >'$T/a.db' &&
    cmp -s '$T/a.own' '$T/a.db'"
check "served after the flood" served
check "the daemon survived" alive
check "the audit log verifies" "$T/bin/gk-audit" -s "$SOCK" verify
check "no secret in logs or audit output" secrets_scan
for k in "$T"/*.keeper; do kill "$(cat "$k")" 2>/dev/null; done
echo "1..$tap_n"
