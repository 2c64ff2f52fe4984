#!/bin/sh
# The identity and signals a command gets from gatekeeperd: the run-as
# user's uid, gid and every supplementary group (the daemon lists them
# before it spawns the child, which only makes system calls), no signal
# ignored or blocked whatever the daemon inherited, and a fresh session.
. "$GK_SRC/tests/e2e/lib.sh"
in_private_mounts
world_init
check "test users bound over /etc" pam_users
# carl is also in "backup"; nobody else is.
echo "backup:x:20050:carl" >>"$T/group"
mkdir -p "$T/tools"
cat >"$T/tools/ident" <<'EOF2'
#!/bin/sh
echo "uid=$(id -u) gid=$(id -g) groups=$(id -G | tr ' ' '\n' | sort -n | tr '\n' ' ')"
grep -E '^(SigIgn|SigBlk):' /proc/self/status
read -r _ _ _ _ _ sid _ </proc/$$/stat
echo "sid=$sid pid=$$"
EOF2
cp "$T/tools/ident" "$T/tools/ident-root"
# executable, but neither ELF nor #!: execveat fails in the child
printf 'not a program\n' >"$T/tools/notelf"
chmod 0755 "$T/tools/notelf"
chmod 0755 "$T/tools" "$T/tools/ident" "$T/tools/ident-root"
cat >"$T/pol/10-test.policy" <<EOF2
allow name ident-carl as carl cmd $T/tools/ident
allow name ident-root cmd $T/tools/ident-root
allow name notelf cmd $T/tools/notelf
EOF2
chmod 0644 "$T/pol/10-test.policy"
# The daemon inherits ignored signals (a background job of sh ignores
# INT and QUIT; HUP and USR1 are ignored here too): none may reach a
# command it runs.
trap '' HUP USR1
check "daemon starts" daemon_start
trap - HUP USR1

out=$(cd "$T" && as 20002 "$T/bin/gk-shell" -s "$SOCK" -c "$T/tools/ident" 2>&1)
diag "$out"
check "run as carl: uid and gid are carl's" \
    sh -c "echo '$out' | grep -q '^uid=20001 gid=20001 '"
check "with carl's supplementary groups, and only those" \
    sh -c "echo '$out' | grep -q 'groups=20001 20050 \$'"
check "no signal is ignored" no_ign "$out"
check "no signal is blocked" sh -c "echo '$out' | grep -qx 'SigBlk:[[:space:]]*0*'"
check "the command leads a session of its own" \
    sh -c "echo '$out' | grep -Eq '^sid=([0-9]+) pid=\\1\$'"

out=$(cd "$T" && as 20002 "$T/bin/gk-shell" -s "$SOCK" -c "$T/tools/ident-root" 2>&1)
diag "$out"
check "run as root: root's ids and groups only" \
    sh -c "echo '$out' | grep -q '^uid=0 gid=0 groups=0 \$'"
check "no signal is ignored for root either" no_ign "$out"
check "the runs are audited with the run-as user" sh -c \
    "'$T/bin/gk-audit' -s '$SOCK' --event exec-start --user carl | grep -q \"tools/ident'\""

out=$(cd "$T" && as 20002 "$T/bin/gk-shell" -s "$SOCK" -c "$T/tools/notelf" 2>&1)
rc=$?
check "an exec that fails in the child: exit 127" test "$rc" = 127
check "and the child says why" sh -c \
    "echo '$out' | grep -q 'gatekeeperd: exec .*notelf: Exec format error'"
check "the daemon lives on" "$T/bin/gk-audit" -s "$SOCK" verify
echo "1..$tap_n"
