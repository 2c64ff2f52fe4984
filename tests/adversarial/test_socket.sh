#!/bin/sh
# The socket under abuse: huge and truncated frames, unknown and
# out-of-state message types, random bytes, slow and idle clients by the
# hundred (the slow ones dropped at the frame deadline). Each bad peer is dropped; everyone else is still served, with
# the daemon's fds and memory bounded.
. "$GK_SRC/tests/adversarial/lib_adv.sh"
adv_init
policy "approvers ops = alice
allow name id cmd /usr/bin/id
approve 1 by ops name mark cmd /usr/bin/touch"
check "daemon starts" daemon_start
check "enroll alice" approver_new alice 20002
check "served before anything" served

# raw NAME EXPECT FILE: a peer sends FILE; its answers end with EXPECT
# ("closed": dropped), and the daemon still serves others.
raw() {
	out=$(as 20001 "$T/bin/gkstress" raw "$SOCK" "$3" 2>&1)
	if echo "$out" | tail -1 | grep -qx "$2" && alive && served; then
		ok "$1"
	else
		notok "$1: $(echo "$out" | tr '\n' ' ')"
	fi
}

rm -f "$T"/f.*
printf '\001\001\000\000\377\377\377\377' >"$T/f.huge"
raw "a 2^32-1 length prefix drops the peer" closed "$T/f.huge"
printf '\001\001\000\000\000\004\000\001' >"$T/f.over"
raw "a length one past the 256 KiB cap drops the peer" closed "$T/f.over"
printf '\002\001\000\000\000\000\000\004\000\000\000\000' >"$T/f.version"
raw "another protocol version drops the peer" closed "$T/f.version"
printf '\001\001\000\001\000\000\000\004\000\000\000\000' >"$T/f.reserved"
raw "a non-zero reserved byte drops the peer" closed "$T/f.reserved"
frame "$T/f.unknown" 200 '\000\000\000\000'
raw "an unknown message type drops the peer" closed "$T/f.unknown"
frame "$T/f.answer" 64 '\000\000\000\000'
raw "a daemon-to-client type from a client drops the peer" closed "$T/f.answer"
frame "$T/f.fields" 4 '\000\000\377\377'
raw "a field count past the payload drops the peer" closed "$T/f.fields"
frame "$T/f.key" 4 '\000\000\000\001\000\000\000\003A-B\000\000\000\000'
raw "a malformed field key drops the peer" closed "$T/f.key"
frame "$T/f.trail" 4 '\000\000\000\000junk'
raw "trailing bytes after the fields drop the peer" closed "$T/f.trail"
head -c 65536 /dev/urandom >"$T/f.random"
raw "64 KiB of random bytes drop the peer" closed "$T/f.random"
# RUN of a command that needs approval, then LIST while waiting on it:
# only CANCEL is permitted then.
frame "$T/f.state" 1 '\000\000\000\002\000\000\000\003arg\000\000\000\016/usr/bin/touch\000\000\000\003cwd\000\000\000\001/'
frame "$T/f.state" 4 '\000\000\000\000'
out=$(as 20001 "$T/bin/gkstress" raw "$SOCK" "$T/f.state" 2>&1)
# (Its REQUEST may or may not come first: answers wait for the turn's
# group commit, and a peer dropped in that turn gets none of them.)
check "a type not permitted while waiting drops the peer, unanswered" \
    sh -c "echo '$out' | tail -1 | grep -qx closed &&
        ! echo '$out' | grep -q '^type=7[23]'"
frame "$T/f.enroll" 7 '\000\000\000\001\000\000\000\004name\000\000\000\001x'
out=$(as 20001 "$T/bin/gkstress" raw "$SOCK" "$T/f.enroll" 2 2>&1)
check "a root-only type from another uid is refused with an error" \
    sh -c "echo '$out' | grep -q '^type=65 code=denied'"
# A truncated frame: the header promises 100 bytes, 10 come, then close.
printf '\001\004\000\000\000\000\000\144\000\000\000\000\000\000' >"$T/f.trunc"
printf 'abcd' >>"$T/f.trunc"
: | as 20001 "$T/bin/gkstress" hold "$SOCK" 1 "$T/f.trunc" >/dev/null 2>&1
check "a truncated frame then hang-up: still serving" served
check "the daemon survived every bad peer" alive

# Hundreds of idle and slow connections held open at once. Idle: a peer
# that sent a whole frame (LIST) and now waits, kept as long as it likes;
# slow: part of a frame, dropped once the frame deadline (10s) passes.
# The slow ones come from other uids than the idle ones and the clients,
# so uid 20001 stays within its share (512).
fd0=$(fds)
rss0=$(rss_kb)
msgframe "$T/f.idle" 4				# LIST, then nothing
printf '\001\004\000' >"$T/f.slow"		# half a header, then nothing
mkfifo "$T/hold1" "$T/hold2" "$T/hold3"
as 20001 "$T/bin/gkstress" hold "$SOCK" 300 "$T/f.idle" <"$T/hold1" \
    >"$T/idle.out" 2>&1 &
H1=$!
as 20004 "$T/bin/gkstress" hold "$SOCK" 200 "$T/f.slow" <"$T/hold2" \
    >"$T/slow.out" 2>&1 &
H2=$!
# 100 peers each part-way through a 200 KiB frame: the most a peer may
# make the daemon buffer is one frame (256 KiB).
head -c 100000 /dev/zero >"$T/big.tmp"
printf '\001\004\000\000\000\003\015\100' >"$T/f.big"	# 200000 bytes
cat "$T/big.tmp" >>"$T/f.big"
as 20005 "$T/bin/gkstress" hold "$SOCK" 100 "$T/f.big" <"$T/hold3" \
    >"$T/big.out" 2>&1 &
H3=$!
exec 7>"$T/hold1" 8>"$T/hold2" 9>"$T/hold3"
check "300 idle connections are held" wait_for grep -q "holding 300" "$T/idle.out"
check "200 slow connections are held" wait_for grep -q "holding 200" "$T/slow.out"
check "100 half-sent frames are held" wait_for grep -q "holding 100" "$T/big.out"
check "the daemon has them all open" wait_for sh -c "[ \$(ls /proc/$DPID/fd | wc -l) -ge $((fd0 + 595)) ]"
rss1=$(rss_kb)
check "while 600 peers idle, a client is served" served
at_once() {
	as 20001 "$T/bin/gkstress" run "$SOCK" 120 / /usr/bin/id -u >"$T/run.out"
	grep -qx 'served 120 of 120' "$T/run.out"
}
check "and 120 more clients at once are served" at_once
diag "daemon RSS ${rss0} kB before, ${rss1} kB with 600 peers held (fds $fd0 -> $(fds))"
# Bound: one 256 KiB frame buffer per peer, plus 64 MB for everything else.
check "memory stays bounded with 600 peers" \
    test "$rss1" -le $((rss0 + 600 * 264 + 65536))
# wait_long CMD...: up to 40s (the deadline is checked once a second).
wait_long() {
	i=0
	while ! "$@" >/dev/null 2>&1; do
		i=$((i + 1))
		[ $i -gt 400 ] && return 1
		sleep 0.1
	done
}
check "the slow peers are dropped after the frame deadline" \
    wait_long sh -c "[ \$(ls /proc/$DPID/fd | wc -l) -le $((fd0 + 300)) ]"
exec 7>&- 8>&- 9>&-
wait $H1 $H2 $H3
check "the idle peers were kept, not dropped" grep -qx "open 300" "$T/idle.out"
check "no slow peer was kept" grep -qx "open 0" "$T/slow.out"
check "no half-frame peer was kept" grep -qx "open 0" "$T/big.out"
check "every held connection is closed again" \
    wait_for sh -c "[ \$(ls /proc/$DPID/fd | wc -l) -le $fd0 ]"
check "served after the hold" served
check "the audit log verifies" "$T/bin/gk-audit" -s "$SOCK" verify
check "no secret in logs or audit output" secrets_scan
echo "1..$tap_n"
