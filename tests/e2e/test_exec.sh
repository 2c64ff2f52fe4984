#!/bin/sh
# Execution: what was approved is what runs (#! scripts from the opened
# fd, a clean environment), changes between approval and exec are refused,
# and a crash while running never leads to a second run.
. "$GK_SRC/tests/e2e/lib.sh"
world_init
mkdir -p "$T/tools" "$T/d/sub" "$T/other"
cat >"$T/tools/show-env" <<'EOF2'
#!/bin/sh
echo "script ran as $(id -u) request=$GK_REQUEST_ID requester=$GK_REQUESTER"
env | sort
exit 3
EOF2
cat >"$T/tools/mark" <<EOF2
#!/bin/sh
echo ran >>"$T/marker"
EOF2
cat >"$T/tools/slow" <<EOF2
#!/bin/sh
echo started >>"$T/started"
sleep 3
EOF2
chmod 0755 "$T/tools"/*
cat >"$T/pol/10-test.policy" <<EOF2
approvers ops = alice
allow name env cmd $T/tools/show-env
allow name slow cmd $T/tools/slow
approve 1 by ops name mark cmd $T/tools/mark
approve 1 by ops name touch cmd touch path $T/d/**
EOF2
chmod 0644 "$T/pol/10-test.policy"
check "daemon starts" daemon_start
check "enroll alice" approver_new alice 20002

out=$(cd "$T" && as 20001 env LD_PRELOAD=/nonexistent.so BASH_ENV=/x \
    IFS=: "$T/bin/gk-shell" -s "$SOCK" -c "$T/tools/show-env" 2>/dev/null)
rc=$?
check "a #! script runs from the opened fd" \
    sh -c "echo '$out' | grep -q 'script ran as 0'"
check "its exit status is the shell's" test $rc = 3
check "GK_REQUESTER names the requester" sh -c "echo '$out' | grep -q 'requester=20001'"
check "no LD_PRELOAD, BASH_ENV or IFS reach the command" \
    not sh -c "echo '$out' | grep -q 'LD_PRELOAD\|BASH_ENV\|^IFS'"
check "PATH is the secure PATH" sh -c "echo '$out' | grep -qx 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'"

# The program replaced between request and approval.
(cd "$T" && as 20001 "$T/bin/gk-shell" -s "$SOCK" -c "$T/tools/mark" \
    >/dev/null 2>"$T/m.err"; echo $? >"$T/m.rc") &
wait_for listed tools/mark
RM=$(request_id tools/mark)
printf '#!/bin/sh\necho evil >>"%s/marker"\n' "$T" >"$T/tools/mark.new"
chmod 0755 "$T/tools/mark.new"
mv "$T/tools/mark.new" "$T/tools/mark"
check "approval of the changed program is recorded" decide alice 20002 approve "$RM"
check "the requester finished" wait_for test -s "$T/m.rc"
check "refused at exec time: exit 77" test "$(cat "$T/m.rc")" = 77
check "the requester was told what changed" grep -q "changed since approval" "$T/m.err"
check "nothing ran" test ! -e "$T/marker"

# A path argument's directory swapped for a symlink.
(cd "$T" && as 20001 "$T/bin/gk-shell" -s "$SOCK" -c "touch $T/d/sub/file" \
    >/dev/null 2>"$T/t.err"; echo $? >"$T/t.rc") &
wait_for listed d/sub/file
RT=$(request_id d/sub/file)
mv "$T/d/sub" "$T/d/sub.old"
ln -s "$T/other" "$T/d/sub"
check "approval recorded" decide alice 20002 approve "$RT"
check "the requester finished" wait_for test -s "$T/t.rc"
check "symlink swap refused: exit 77" test "$(cat "$T/t.rc")" = 77
check "nothing was touched through the link" test ! -e "$T/other/file"
check "the refusal is audited" sh -c \
    "$T/bin/gk-audit -s $SOCK --event exec-refused | grep -q 'leads elsewhere'"

# A crash while a command runs: interrupted, never run again.
(cd "$T" && as 20001 "$T/bin/gk-shell" -s "$SOCK" -c "$T/tools/slow" \
    >/dev/null 2>&1) &
check "the slow command started" wait_for test -s "$T/started"
kill -9 "$DPID"
wait "$DPID" 2>/dev/null
DPID=
check "daemon restarts" daemon_start
sleep 4
check "the command ran exactly once" test "$(wc -l <"$T/started")" = 1
check "the request is interrupted" sh -c \
    "$T/bin/gk-audit -s $SOCK --event interrupted | grep -q slow"
check "the log verifies after the crash" "$T/bin/gk-audit" -s "$SOCK" verify
echo "1..$tap_n"
