#!/bin/sh
# gkctl check/explain on the command line, and the daemon's start-up rules:
# stale sockets, a second daemon, SIGHUP with a bad policy.
. "$GK_SRC/tests/e2e/lib.sh"
world_init
P=$T/pol
cat >"$P/10-a.policy" <<'EOF2'
approvers storage = alice bob
approve 2 by storage name disk-format cmd mkfs.* mke2fs
local cmd id echo
EOF2
chmod 0644 "$P/10-a.policy"
G=$T/bin/gkctl

check "gkctl check on a good policy exits 0" "$G" check "$P"
check "the example policy checks" "$G" check "$GK_SRC/policies/examples"
out=$("$G" explain -p "$P" --user nobody-here -- mkfs.ext4 /dev/sdb)
check "explain: decision word first" sh -c "echo '$out' | head -1 | grep -q '^approve 2 by storage: rule disk-format at $P/10-a.policy:2'"
out=$("$G" explain -p "$P" -- mkfs.nothere /dev/sdb)
check "explain: a program not installed still matches by name" sh -c \
    "echo '$out' | grep -q 'not installed on this host'"
cp /usr/bin/id "$T/id"
out=$(cd "$T" && "$G" explain -p "$P" -- ./id)
check "explain: ./id is outside the secure PATH and denied" sh -c \
    "echo '$out' | head -1 | grep -q '^deny'"
out=$("$G" explain -p "$P" -- rm -rf /)
check "explain: no rule matched" sh -c "echo '$out' | head -1 | grep -q '^deny: no rule matched'"

mkdir -p "$T/bad"
printf 'approvers s = a\napprove 2 by s cmd x\nallow "open cmd y\nfrob cmd z\n' \
    >"$T/bad/1.policy"
chmod 0644 "$T/bad/1.policy"
err=$("$G" check "$T/bad" 2>&1)
rc=$?
check "check on a bad policy exits 1" test $rc = 1
check "  names N larger than the set" sh -c "echo '$err' | grep -q '1.policy:2: '"
check "  names the unterminated quote" sh -c "echo '$err' | grep -q '1.policy:3: unterminated quote'"
check "  names the unknown word" sh -c "echo '$err' | grep -q '1.policy:4: unknown word'"
chmod 0664 "$T/bad/1.policy"
check "a group-writable policy is refused" sh -c \
    "$G check $T/bad 2>&1 | grep -q 'writable by its group'"

# The daemon: stale socket replaced, a second daemon refused.
python3 -c "import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])" "$SOCK" 2>/dev/null || \
    touch "$SOCK"
check "daemon starts over a stale socket" daemon_start
check "local command through the daemon" \
    test "$(as 20001 "$T/bin/gk-shell" -s "$SOCK" -c 'echo ok')" = ok
"$T/bin/gatekeeperd" -f -s "$SOCK" -d "$T/state" -p "$P" 2>"$T/second.err"
check "a second daemon on the same socket refuses to start" \
    grep -q "another gatekeeperd is answering" "$T/second.err"

# SIGHUP: a bad policy keeps the old one.
printf 'allow cmd\n' >"$P/20-b.policy"
chmod 0644 "$P/20-b.policy"
kill -HUP "$DPID"
sleep 1.2
check "bad reload keeps the old policy" \
    test "$(as 20001 "$T/bin/gk-shell" -s "$SOCK" -c 'echo still')" = still
check "bad reload says why" grep -q "20-b.policy:1: cmd needs at least one program" "$T/daemon.log"
printf 'deny name no-echo cmd echo\n' >"$P/05-first.policy"
chmod 0644 "$P/05-first.policy"
rm "$P/20-b.policy"
kill -HUP "$DPID"
sleep 1.2
as 20001 "$T/bin/gk-shell" -s "$SOCK" -c 'echo x' >/dev/null 2>&1
check "good reload takes effect" test $? = 77
daemon_stop
as 20001 "$T/bin/gk-shell" -s "$SOCK" -c 'echo x' >/dev/null 2>&1
check "daemon stopped: gk-shell fails closed with 69" test $? = 69
echo "1..$tap_n"
