#!/bin/sh
# gk-shell's language and modes, without ssh: quoting, operators,
# pipelines and redirections of local commands, expansion before policy,
# builtins, the gk builtins, refusals, and the session in the audit log.
. "$GK_SRC/tests/e2e/lib.sh"
world_init
W=$T/w
mkdir -p "$W" "$T/home/u1"
chown 20001:20001 "$W" "$T/home/u1"
cat >"$T/pol/10-test.policy" <<EOF2
approvers ops = alice bob
deny name shells cmd sh bash dash
local name tools cmd echo cat sort head wc printf true false ls tr env yes
allow name whoami cmd id
allow name stamp reason cmd date
approve 2 by ops name format cmd mkfs.ext4
EOF2
chmod 0644 "$T/pol/10-test.policy"
check "daemon starts" daemon_start
check "enroll alice" approver_new alice 20002
check "enroll bob" approver_new bob 20003

# gsh LINE: the line through gk-shell -c as uid 20001 in $W; stdout in
# $T/out, stderr in $T/err, the status in $rc.
gsh() {
	(cd "$W" && as 20001 env HOME="$T/home/u1" GK_SOCKET="$SOCK" \
	    "$T/bin/gk-shell" -c "$1" >"$T/out" 2>"$T/err")
	rc=$?
}
# out_is TEXT: stdout was exactly TEXT.
out_is() { [ "$(cat "$T/out")" = "$1" ]; }
err_has() { grep -q -- "$1" "$T/err"; }
decide_q() { decide "$@" >/dev/null 2>&1; }

gsh "echo hello"
check "a local command runs" out_is hello
check "with status 0" test "$rc" = 0
gsh "echo 'a  b' \"c \$USER\" d\\ e '\$HOME' x\"y\"'z'"
check "quoting: '...', \"...\" with \$USER, backslash, concatenation" \
    out_is "a  b c 20001 d e \$HOME xyz"
gsh "echo ~ \$HOME \${PWD}"
check "~, \$HOME and \${PWD} expand" out_is "$T/home/u1 $T/home/u1 $W"
gsh "printf 'b\\na\\nc\\n' | sort | head -n 2 | tr a-z A-Z"
check "a pipeline of four local commands" out_is "A
B"
gsh "echo one > $W/f; echo two >> $W/f; cat < $W/f | wc -l > $W/n; cat $W/n"
check "redirections < > >>" out_is 2
gsh "ls /nonexistent-gk 2>&1 | wc -l"
check "2>&1 into a pipe" out_is 1
gsh "ls /nonexistent-gk 2>$W/e; cat $W/e"
check "2> to a file" grep -q "nonexistent-gk" "$T/out"
touch "$W/a.txt" "$W/b.txt" "$W/c.log"
gsh "echo *.txt '*.txt' \\*.log *.none"
check "globbing in the cwd; quoted and unmatched patterns stay" \
    out_is "a.txt b.txt *.txt *.log *.none"
gsh "cd $W && echo [ab].txt && cd / && pwd && cd - >/dev/null; pwd"
check "cd, pwd, cd -, and globs after cd" out_is "a.txt b.txt
/
$W"
(cd "$W" && as 20001 "$T/bin/gk-shell" -s "$SOCK" -c yes 2>"$T/err" | head -n 1 >"$T/out")
check "a command exec'd in place of the shell gets SIGPIPE as usual" \
    sh -c "test \"\$(cat $T/out)\" = y && ! grep -q 'Broken pipe' $T/err"
gsh "false && echo no || echo yes; echo z"
check "&& || ;" out_is "yes
z"
gsh "false"
check "the status is the command's own" test "$rc" = 1
gsh "exit 7"
check "exit N" test "$rc" = 7
gsh "echo a; exit 3; echo b"
check "exit stops the line" sh -c "test $rc = 3 && test \"\$(cat $T/out)\" = a"

gsh "sh -c 'echo hi'"
check "a denied command exits 77" test "$rc" = 77
check "and says which rule" err_has "denied by rule shells"
gsh "nosuchcommand-gk"
check "no rule: 77" test "$rc" = 77
gsh "id -u"
check "an allow rule runs in the daemon, as root" out_is 0
gsh "id -u | cat"
check "a daemon-run command in a pipeline is refused (77)" test "$rc" = 77
check "with a clear message" err_has "cannot be part of a pipeline"
check "and nothing reached the pipeline" out_is ""
gsh "id > $W/idout"
check "or with a redirection" test "$rc" = 77
check "the file was not even created" test ! -e "$W/idout"
gsh "echo before; echo \$(id)"
check "command substitution is refused before anything runs" \
    sh -c "test $rc = 2 && test ! -s $T/out"
check "naming what is not supported" err_has "command substitution"
gsh "echo \$SHELL"
check "other variables are refused" err_has "expands only"
gsh "echo approve 5 --otp cccjgjgkhcbbirdrfdnlnghhfgrtnnlgedjlftrbdeut"
check "a line handing an OTP on the command line is refused" \
    sh -c "test $rc = 2 && test ! -s $T/out"
check "and never reaches the daemon's audit log" not sh -c \
    "'$T/bin/gk-audit' -s '$SOCK' --json | grep -q cccjgjgkhcbbird"
gsh "echo --otp -"
check "--otp - (read from stdin) is fine" out_is "--otp -"
gsh "sleep 1 &"
check "background jobs are refused" err_has "background"
gsh "echo 'open"
check "an unterminated quote is an error" sh -c "test $rc = 2"
gsh "cd $W | cat"
check "a builtin in a pipeline is refused" err_has "builtin"
gsh "cat $W/*.txt > $W/x.txt"
check "a redirect target globbing to one word is fine" test "$rc" = 0
gsh "echo x > $W/*.txt"
check "an ambiguous redirect is refused" err_has "ambiguous redirect"
check "the daemon audited the pipeline refusal" sh -c \
    "'$T/bin/gk-audit' -s '$SOCK' --user 20001 --event deny | grep -q 'pipeline'"

# A rule that needs a reason: gk reason sets it for the session.
gsh "date +%Y"
check "a reason-rule without a reason is refused" test "$rc" = 77
check "saying how to give one" err_has "gk reason TEXT"
gsh "gk reason INC-4711 disk swap; gk reason; date +%Y; gk reason --clear; gk reason"
check "gk reason sets and shows it; the command runs" out_is "INC-4711 disk swap
$(date +%Y)
no reason set"
check "the daemon recorded the reason with the request" test \
    "$(sqlite3 "$T/state/gatekeeper.db" 'SELECT reason FROM requests ORDER BY id DESC LIMIT 1')" = "INC-4711 disk swap"

# Unreachable daemon: 69 and nothing runs.
(cd "$W" && as 20001 "$T/bin/gk-shell" -s "$T/nosock" -c "echo ran" \
    >"$T/out" 2>"$T/err")
rc=$?
check "daemon unreachable: 69" test "$rc" = 69
check "and nothing ran" out_is ""
check "saying so" err_has "nothing was run"

# Lines from a stdin that is not a terminal, with continuations.
printf 'echo a \\\n  b\necho "x\ny"\nfalse ||\n echo after\nexit 4\necho never\n' |
    (cd "$W" && as 20001 env HOME="$T/home/u1" "$T/bin/gk-shell" -s "$SOCK" \
    >"$T/out" 2>"$T/err")
rc=$?
check "stdin lines: continuations, multi-line quotes, || at line end" out_is "a b
x
y
after"
check "exit in a script" test "$rc" = 4

# ForceCommand: no arguments and SSH_ORIGINAL_COMMAND; also through a
# login shell that is gk-shell ("gk-shell -c gk-shell").
(cd "$W" && as 20001 env SSH_ORIGINAL_COMMAND="echo forced | tr a-z A-Z" \
    SSH_CONNECTION="192.0.2.7 5555 127.0.0.1 22" \
    "$T/bin/gk-shell" -s "$SOCK" >"$T/out" 2>"$T/err" </dev/null)
check "ForceCommand runs SSH_ORIGINAL_COMMAND" out_is FORCED
(cd "$W" && as 20001 env SSH_ORIGINAL_COMMAND="echo again" \
    "$T/bin/gk-shell" -s "$SOCK" -c "$T/bin/gk-shell" >"$T/out" 2>"$T/err")
check "gk-shell -c gk-shell runs the original command" out_is again
check "the ssh source address is in the audit log" sh -c \
    "'$T/bin/gk-audit' -s '$SOCK' --json --user 20001 | grep -q 'ssh-claimed=192.0.2.7,5555'"
check "every command carries the shell's session id" sh -c \
    "'$T/bin/gk-audit' -s '$SOCK' --json --user 20001 --event local | grep -q 'session-claimed=sh-'"

# Expansion happens before policy: approvers see the expanded argv. (The
# images live in a root-owned directory: in the user's own, the daemon
# refuses a formatting, since the user could swap the file for a link
# before mkfs opens it.)
IMG=$T/img
mkdir -p "$IMG"
chmod 0755 "$IMG"
truncate -s 8M "$W/disk0.img"
(cd "$W" && as 20001 "$T/bin/gk-shell" -s "$SOCK" -c "mkfs.ext4 -q -F disk0.img" \
    >/dev/null 2>"$T/m0.err")
check "mkfs of an image in the user's own directory is refused up front" \
    grep -q "in a directory other users can change" "$T/m0.err"
truncate -s 8M "$IMG/disk1.img"
chown 20001 "$IMG/disk1.img"
(cd "$W" && as 20001 env HOME="$T/home/u1" "$T/bin/gk-shell" -s "$SOCK" \
    -c "mkfs.ext4 -q -F ~/../../img/disk*.img" >"$T/m.out" 2>"$T/m.err";
    echo $? >"$T/m.rc") &
check "the request is pending" wait_for listed disk1.img
RM=$(request_id disk1.img)
check "approvers see the glob and ~ expanded" listed "$T/home/u1/../../img/disk1.img"
check "the shell printed the request number as a word" \
    wait_for grep -q "request $RM needs 2 approvals from ops (alice, bob)" "$T/m.err"
check "and its fingerprint" grep -q "fingerprint [0-9A-Za-z]" "$T/m.err"

# The gk builtins, from another shell of the same user.
gsh "gk list"
check "gk list shows the pending request" grep -q "^$RM .*mkfs.ext4" "$T/out"
gsh "gk show $RM"
check "gk show shows its rule and fingerprint" sh -c \
    "grep -q '^rule  *format' $T/out && grep -q '^fingerprint' $T/out"
check "alice approves" decide_q alice 20002 approve "$RM"
check "the waiting shell shows the approval" \
    wait_for grep -q "approved by alice (1 of 2)" "$T/m.err"
check "bob approves" decide_q bob 20003 approve "$RM"
check "the shell's status is mkfs's" wait_for grep -qx 0 "$T/m.rc"
check "the image is formatted" formatted "$IMG/disk1.img"
gsh "gk wait $RM"
check "gk wait on a finished request gives its status" test "$rc" = 0

truncate -s 8M "$IMG/disk2.img"
(cd "$IMG" && as 20001 "$T/bin/gk-shell" -s "$SOCK" -c "mkfs.ext4 -q -F disk2.img" \
    >/dev/null 2>"$T/c.err"; echo $? >"$T/c.rc") &
check "a second request is pending" wait_for listed disk2.img
RC2=$(request_id disk2.img)
(cd "$W" && as 20001 "$T/bin/gk-shell" -s "$SOCK" -c "gk wait $RC2" \
    >/dev/null 2>"$T/w.err"; echo $? >"$T/w.rc") &
sleep 0.3
gsh "gk cancel $RC2"
check "gk cancel cancels it" out_is "request $RC2 cancelled"
check "the requester's shell says so and exits 130" \
    sh -c "wait_for() { i=0; while ! \"\$@\"; do i=\$((i+1)); [ \$i -gt 100 ] && return 1; sleep 0.05; done; }; wait_for grep -qx 130 $T/c.rc && grep -q 'was cancelled' $T/c.err"
check "gk wait in a third shell ends too" wait_for grep -qx 130 "$T/w.rc"
check "the image was not touched" not formatted "$IMG/disk2.img"
gsh "gk cancel $RC2"
check "cancelling it again is refused" test "$rc" = 77
gsh "gk show abc"
check "gk show with a bad id is a usage error" test "$rc" = 2
gsh "gk frobnicate"
check "an unknown gk subcommand prints the usage" err_has "usage: gk list"

# gk-shell -c starts with libc alone: libedit is loaded only for an
# interactive session, and libsodium never.
LD_DEBUG=libs "$T/bin/gk-shell" -s "$SOCK" -c true >"$T/ld.out" 2>&1
check "gk-shell -c ran (and the loader's trace was seen)" \
    grep -q 'calling init:.*libc\.so' "$T/ld.out"
check "gk-shell -c loads neither libedit nor libsodium" \
    not grep -q 'libedit\|libsodium' "$T/ld.out"
# An interactive session (a pty from script(1)) with libedit unusable
# (/dev/null bound over it, in a private mount namespace): gk-shell says
# so and reads plain lines, so the shell still works.
LIBEDIT=$(ldconfig -p | awk '$1 ~ /^libedit\.so\./ { print $NF; exit }')
if [ -n "$LIBEDIT" ]; then
	LIBEDIT=$(readlink -f "$LIBEDIT")
	printf 'echo plain lines\nexit 3\n' | (cd "$W" && unshare -m \
	    --propagation private sh -c 'mount --bind /dev/null "$1" &&
	    setpriv --reuid=20001 --regid=20001 --clear-groups env \
	    HOME="$2" GK_SOCKET="$3" script -qec "$4" /dev/null' sh \
	    "$LIBEDIT" "$T/home/u1" "$SOCK" "$T/bin/gk-shell") \
	    >"$T/plain.out" 2>&1
	rc=$?
	tr -d '\r' <"$T/plain.out" >"$T/plain.txt"
	check "without libedit an interactive gk-shell says it reads plain lines" \
	    grep -q "cannot set up line editing; reading plain lines" "$T/plain.txt"
	check "and why" grep -q "no line editing (" "$T/plain.txt"
	check "its lines still run" grep -qx "plain lines" "$T/plain.txt"
	check "and exit N still ends it with N" test "$rc" = 3
else
	notok "libedit is not in the loader's cache (ldconfig -p)"
fi
