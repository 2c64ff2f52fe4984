#!/bin/sh
# gk-shell behind a real OpenSSH sshd on 127.0.0.1, in a private mount
# namespace with its own passwd/group/shadow: "ssh host CMD", quoting and
# pipelines, a denial (77) through ssh, a destructive command that waits
# for two approvals, ForceCommand, and an interactive session on a pty.
. "$GK_SRC/tests/e2e/lib.sh"
in_private_mounts
world_init

# Users: carl (20001) logs in to gk-shell; fred (20004) has /bin/sh but a
# ForceCommand of gk-shell. alice and bob approve (no login).
cp /etc/passwd "$T/passwd"
cp /etc/group "$T/group"
cp /etc/shadow "$T/shadow"
for u in carl:20001:"$T/bin/gk-shell" fred:20004:/bin/sh; do
	n=${u%%:*} rest=${u#*:}
	id=${rest%%:*} sh=${rest#*:}
	echo "$n:x:$id:$id::$T/home/$n:$sh" >>"$T/passwd"
	echo "$n:x:$id:" >>"$T/group"
	echo "$n:*:19000:0:99999:7:::" >>"$T/shadow"
	mkdir -p "$T/home/$n"
	chown "$id:$id" "$T/home/$n"
done
check "test users bound over /etc" bind_etc passwd "$T/passwd" 0644 &&
    bind_etc group "$T/group" 0644 && bind_etc shadow "$T/shadow" 0640
check "carl's login shell is gk-shell" \
    sh -c "getent passwd carl | grep -q ':$T/bin/gk-shell\$'"

W=$T/home/carl
cat >"$T/pol/10-test.policy" <<EOF2
approvers ops = alice bob
deny name shells cmd sh bash dash
local name tools cmd echo cat sort head wc printf true false ls tr id
local name file-copy cmd scp /usr/lib/openssh/sftp-server
approve 2 by ops name format cmd mkfs.ext4
EOF2
chmod 0644 "$T/pol/10-test.policy"
check "daemon starts" daemon_start
check "enroll alice" approver_new alice 20002
check "enroll bob" approver_new bob 20003

# sshd on a free loopback port, with keys and config in $T/ssh.
mkdir -p "$T/ssh/keys" /run/sshd
ssh-keygen -q -t ed25519 -N '' -f "$T/ssh/host" >/dev/null
ssh-keygen -q -t ed25519 -N '' -f "$T/ssh/id" >/dev/null
cp "$T/ssh/id.pub" "$T/ssh/keys/carl"
cp "$T/ssh/id.pub" "$T/ssh/keys/fred"
chmod 0644 "$T/ssh/keys/"*
PORT=$((20000 + $$ % 20000))
cat >"$T/ssh/sshd_config" <<EOF2
Port $PORT
ListenAddress 127.0.0.1
HostKey $T/ssh/host
AuthorizedKeysFile $T/ssh/keys/%u
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
PidFile $T/ssh/sshd.pid
SetEnv GK_SOCKET=$SOCK
Subsystem sftp /usr/lib/openssh/sftp-server
Match User fred
    ForceCommand $T/bin/gk-shell
EOF2
/usr/sbin/sshd -D -e -f "$T/ssh/sshd_config" 2>"$T/ssh/log" &
SSHD=$!
sshd_stop() { kill "$SSHD" 2>/dev/null; wait "$SSHD" 2>/dev/null; }
trap 'sshd_stop; world_cleanup' EXIT
check "sshd starts" wait_for grep -q "Server listening" "$T/ssh/log"

# s USER ARGS...: ssh to USER@127.0.0.1 with the test key.
s() {
	u=$1; shift
	ssh -q -i "$T/ssh/id" -p "$PORT" -o BatchMode=yes \
	    -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
	    -o LogLevel=ERROR "$u@127.0.0.1" "$@"
}
# run USER CMD: stdout in $T/out, stderr in $T/err, status in $rc.
run() { s "$1" "$2" >"$T/out" 2>"$T/err" </dev/null; rc=$?; }
out_is() { [ "$(cat "$T/out")" = "$1" ]; }
decide_q() { decide "$@" >/dev/null 2>&1; }

run carl "echo hello over ssh"
check "ssh host CMD runs a local command" out_is "hello over ssh"
check "with status 0" test "$rc" = 0
run carl "echo 'a  b' \"c \$USER\" d\\ e"
check "quoting survives ssh" out_is "a  b c carl d e"
run carl "printf 'b\\na\\n' | sort | head -n 1"
check "a pipeline over ssh" out_is a
run carl "id -un"
check "local commands run as the user" out_is carl
run carl "false"
check "the command's status comes back through ssh" test "$rc" = 1
run carl "sh -c 'echo escaped'"
check "a denied command exits 77 through ssh" test "$rc" = 77
check "and did not run" not grep -q escaped "$T/out"
check "the denial names the rule" grep -q "denied by rule shells" "$T/err"
run carl "echo \$(id)"
check "command substitution over ssh is refused" test "$rc" = 2

# File copies arrive as command lines and are decided like any other:
# scp's old protocol runs "scp -t", its default (and sftp) the sftp-server.
echo payload >"$T/up.txt"
scpq() { scp -q -i "$T/ssh/id" -P "$PORT" -o BatchMode=yes \
    -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
    -o LogLevel=ERROR "$@"; }
check "scp -O (scp -t through gk-shell) uploads" scpq -O "$T/up.txt" \
    "carl@127.0.0.1:up1.txt"
check "scp over sftp (the sftp-server through gk-shell) uploads" \
    scpq "$T/up.txt" "carl@127.0.0.1:up2.txt"
check "both files arrived, owned by carl" sh -c "cmp -s '$T/up.txt' '$W/up1.txt' &&
    cmp -s '$T/up.txt' '$W/up2.txt' && test \$(stat -c %u '$W/up2.txt') = 20001"
check "both were decided by policy and audited" sh -c \
    "'$T/bin/gk-audit' -s '$SOCK' --json --event local --user carl | grep -q \"'scp' '-t'\" &&
     '$T/bin/gk-audit' -s '$SOCK' --json --event local --user carl | grep -q sftp-server"

# A destructive command over ssh: it waits, two approvals, it runs. The
# image is in a root-owned directory (in carl's home it is refused: he
# could swap it for a link before mkfs opens it).
IMG=$T/img
mkdir -p "$IMG"
chmod 0755 "$IMG"
truncate -s 8M "$IMG/disk.img"
chown 20001 "$IMG/disk.img"
(s carl "mkfs.ext4 -q -F $IMG/disk.img" </dev/null >"$T/m.out" 2>"$T/m.err";
    echo $? >"$T/m.rc") &
check "the request is pending" wait_for listed "$IMG/disk.img"
RM=$(request_id "$IMG/disk.img")
check "the ssh client sees the request number and fingerprint" \
    wait_for grep -q "request $RM needs 2 approvals" "$T/m.err"
check "nothing ran yet" not formatted "$IMG/disk.img"
check "alice approves" decide_q alice 20002 approve "$RM"
check "bob approves" decide_q bob 20003 approve "$RM"
check "ssh exits 0 once mkfs ran" wait_for grep -qx 0 "$T/m.rc"
check "the image is formatted" formatted "$IMG/disk.img"
check "the ssh source address is in the request's audit records" sh -c \
    "'$T/bin/gk-audit' -s '$SOCK' --json --request $RM | grep -q 'ssh-claimed=127.0.0.1,'"

# ForceCommand: fred's login shell is /bin/sh, sshd forces gk-shell.
run fred "echo forced; sh -c 'echo no'"
check "ForceCommand runs the original command through gk-shell" \
    grep -qx forced "$T/out"
check "and policy still applies (77)" test "$rc" = 77
check "the denied part did not run" not grep -qx no "$T/out"

# An interactive session on a pty, typed line by line (each sent once
# the shell answered the one before): a Ctrl-C drops the line being typed.
mkfifo "$T/in"
s carl -tt <"$T/in" >"$T/i.out" 2>&1 &
SP=$!
exec 3>"$T/in"
seen() { tr -d '\r' <"$T/i.out" | grep -q -- "$1"; }
# seen_n PATTERN N: at least N lines match (the Nth answer has come).
seen_n() { [ "$(tr -d '\r' <"$T/i.out" | grep -c -- "$1")" -ge "$2" ]; }
type_line() { printf '%b' "$1" >&3; wait_for seen "$2"; }
check "an interactive login gets the prompt user@host:cwd" \
    wait_for seen 'carl@[^:]*:~\$ '
type_line 'echo first\n' '^first$'
type_line 'cd /tmp\n' 'cd /tmp'
type_line 'pwd\n' '^/tmp$'
printf 'echo dropped\003' >&3
type_line 'echo after\n' '^after$'
# Line editing (libedit, loaded for an interactive session): Ctrl-P
# brings back the line before.
printf '\020\n' >&3
wait_for seen_n '^after$' 2
type_line 'echo "multi\n' '^> '
type_line 'line"\n' '^line$'
# Ctrl-C while a request waits: cancel it; then leave one pending.
truncate -s 8M "$IMG/disk2.img"
chown 20001 "$IMG/disk2.img"
type_line "mkfs.ext4 -q -F $IMG/disk2.img\\n" 'waiting; approvers run'
printf '\003' >&3
check "Ctrl-C while waiting asks what to do" wait_for seen '\[c\]ancel it, \[l\]eave it pending'
type_line 'c\n' 'was cancelled; nothing was run'
printf 'mkfs.ext4 -q -F %s/disk2.img\n' "$IMG" >&3
wait_for seen_n 'waiting; approvers run' 2
printf '\003' >&3
wait_for seen_n 'is waiting for approvals. \[c\]ancel it' 2
type_line 'l\n' 'left pending; follow it with'
type_line 'gk list\n' 'pending  *0/2 approvals'
printf 'exit 5\n' >&3
exec 3>&-
i=0; while kill -0 "$SP" 2>/dev/null && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
kill "$SP" 2>/dev/null && diag "the session did not end: $(tr -d "\r" <"$T/i.out" | tail -5)"
wait "$SP"
rc=$?
tr -d '\r' <"$T/i.out" | sed 's/\x1b\[[0-9;?]*[a-zA-Z]//g' >"$T/i.txt"
check "an interactive login gets the prompt user@host:cwd" \
    grep -q "carl@[^:]*:~\\$" "$T/i.txt"
check "its lines run" grep -qx first "$T/i.txt"
check "cd and pwd carry across lines" grep -qx /tmp "$T/i.txt"
check "the prompt follows the cwd" grep -q "carl@[^:]*:/tmp\\$" "$T/i.txt"
check "Ctrl-C dropped the line being typed" not grep -q "^dropped" "$T/i.txt"
check "and the next line ran on its own" grep -qx after "$T/i.txt"
check "Ctrl-P recalled the line before and ran it again" \
    test "$(grep -cx after "$T/i.txt")" = 2
check "a quote left open continues on the next line" grep -qx line "$T/i.txt"
check "exit N ends the session with N" test "$rc" = 5
check "the cancelled request is cancelled" sh -c \
    "'$T/bin/gk-audit' -s '$SOCK' --event cancel | grep -q disk2.img"
check "the one left pending is still pending" listed disk2.img
check "and the image was never formatted" not formatted "$IMG/disk2.img"
check "the history file is 0600 and the user's" \
    test "$(stat -c %a:%u "$W/.gk_history" 2>/dev/null)" = 600:20001
check "it holds the lines typed" grep -qx "echo first" "$W/.gk_history"
check "interactive commands are audited with the ssh address and tty" sh -c \
    "'$T/bin/gk-audit' -s '$SOCK' --json --user carl --event local | grep 'first' |
     grep -q 'tty=/dev/pts/[0-9]* ssh-claimed=127.0.0.1,[0-9]*,127.0.0.1,$PORT'"
# Ctrl-D on an empty line ends an interactive session with the last status.
mkfifo "$T/in2"
s carl -tt <"$T/in2" >"$T/i2.out" 2>&1 &
SP=$!
exec 3>"$T/in2"
seen2() { tr -d '\r' <"$T/i2.out" | grep -q -- "$1"; }
wait_for seen2 'carl@[^:]*:~\$ '
printf 'false\n' >&3
prompts2() { [ "$(tr -d '\r' <"$T/i2.out" | grep -c 'carl@[^:]*:~\$ ')" -ge 2 ]; }
wait_for prompts2
printf '\004' >&3
i=0; while kill -0 "$SP" 2>/dev/null && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
kill "$SP" 2>/dev/null && diag "the session did not end on Ctrl-D"
exec 3>&-
wait "$SP"
rc=$?
check "Ctrl-D ends the session with the last command's status" test "$rc" = 1
check "saying exit" seen2 ':~\$ .*exit$'
check "gk-audit verify passes" "$T/bin/gk-audit" -s "$SOCK" verify
