#!/bin/sh
# Notifications: the notify command of gatekeeperd.conf runs at each request
# event with the details (and nothing else) in its environment, the example
# mail script cannot be made to add a header, and a hanging notifier does
# not stall the daemon: it is killed after notify_timeout, and beyond
# notify_max a notice is queued, never waited for. A flood of one user's
# notices does not crowd out another's, and every drop is audited.
. "$GK_SRC/tests/e2e/lib.sh"
world_init
cat >"$T/pol/10-test.policy" <<'EOF'
approvers storage = alice bob
approve 2 by storage name disk-format cmd mkfs.ext4
approve 2 by storage name short expire 2s cmd mkfs.ext3
allow name cheap cmd /usr/bin/id
local cmd true echo
EOF
chmod 0644 "$T/pol/10-test.policy"
mkdir -p "$T/notes" "$T/mail" "$T/hang"

# note.sh DIR ARGS...: keeps its environment and arguments, then mails
# through the example script with a fake sendmail.
cat >"$T/bin/note.sh" <<'EOF'
#!/bin/sh
dir=$1; shift
f=$dir/$GK_EVENT-$GK_REQUEST_ID-$GK_APPROVALS
grep '^SigIgn:' /proc/$$/status >"$f.sig"
env >"$f.tmp"; mv "$f.tmp" "$f.env"
printf '%s\n' "$@" >"$f.args"
exec "$(dirname "$0")/gk-notify-mail" "$@"
EOF
cat >"$T/bin/fake-sendmail" <<EOF
#!/bin/sh
f=$T/mail/\$GK_EVENT-\$GK_REQUEST_ID-\$GK_APPROVALS
echo "\$*" >"\$f.argv"
cat >"\$f.tmp"; mv "\$f.tmp" "\$f.eml"
EOF
cp "$GK_SRC/dist/notify/gk-notify-mail" "$T/bin/"
chmod 0755 "$T/bin/note.sh" "$T/bin/fake-sendmail" "$T/bin/gk-notify-mail"
cat >"$T/notify.conf" <<EOF
# notifications
notify = $T/bin/note.sh $T/notes --to ops@example.org --domain example.org --sendmail $T/bin/fake-sendmail
notify_timeout = 10s
EOF
chmod 0644 "$T/notify.conf"

# Bad settings stop the daemon before it starts.
badconf() { # badconf NAME PATTERN LINE...
	name=$1 pat=$2; shift 2
	printf '%s\n' "$@" >"$T/bad.conf"
	chmod 0644 "$T/bad.conf"
	refused "$name" "$pat" "$T/bin/gatekeeperd" -f -c "$T/bad.conf" \
	    -s "$T/bad.sock" -d "$T/state" -p "$T/pol"
}
badconf "a relative notify command is refused" "absolute path" \
    "notify = note.sh"
cp "$T/bin/note.sh" "$T/bin/open.sh"
chmod 0777 "$T/bin/open.sh"
badconf "a notify command others may write is refused" "not writable by others" \
    "notify = $T/bin/open.sh"
badconf "a missing notify command is refused" "notify: " \
    "notify = $T/bin/nothing-here"
badconf "a bad notify_timeout is refused" "notify_timeout" "notify_timeout = soon"
badconf "a zero notify_max is refused" "notify_max" "notify_max = 0"

# A variable of the daemon's own environment must not reach a notifier.
export NOTIFY_TEST_SECRET=hunter2
check "daemon starts with a notify command" daemon_start -c "$T/notify.conf"
unset NOTIFY_TEST_SECRET
check "enroll alice" approver_new alice 20002
check "enroll bob" approver_new bob 20003
truncate -s 8M "$T/disk.img"
cp "$T/disk.img" "$T/disk2.img"

# var FILE NAME: the value of NAME in an env dump.
var() { sed -n "s/^$2=//p" "$1"; }
# has_var FILE NAME VALUE
has_var() {
	v=$(var "$1" "$2")
	[ "$v" = "$3" ] || { diag "$2 is '$v', not '$3'"; return 1; }
}

# A label with a newline and a header in it: it must reach no header.
(cd "$T" && as 20001 "$T/bin/gk-shell" -s "$SOCK" -c \
    "mkfs.ext4 -q -F -L 'x
Subject: pwned' $T/disk.img" >"$T/r1.out" 2>"$T/r1.err"; echo $? >"$T/r1.rc") &
check "request appears" wait_for listed disk.img
R1=$(request_id disk.img)
FP=$(as 20002 "$T/bin/gk-approve" -s "$SOCK" show "$R1" | grep fingerprint | grep -o '[0-9a-f]\{4\}-[0-9a-f]\{4\}-[0-9a-f]\{4\}-[0-9a-f]\{4\}')
E=$T/notes/created-$R1-0.env
check "created: the notifier ran" wait_for test -s "$E"
check "created: GK_EVENT" has_var "$E" GK_EVENT created
check "created: GK_REQUEST_ID" has_var "$E" GK_REQUEST_ID "$R1"
check "created: GK_USER and GK_UID" sh -c \
    '[ "$(sed -n s/^GK_USER=//p "$1")" = 20001 ] && grep -qx GK_UID=20001 "$1"' - "$E"
check "created: GK_BY is the requester" has_var "$E" GK_BY 20001
check "created: GK_RULE" has_var "$E" GK_RULE disk-format
check "created: GK_FINGERPRINT is the one approvers see ($FP)" \
    has_var "$E" GK_FINGERPRINT "$FP"
check "created: GK_APPROVERS and GK_APPROVER_SET" sh -c \
    'grep -qx "GK_APPROVERS=alice bob" "$1" && grep -qx GK_APPROVER_SET=storage "$1"' - "$E"
check "created: GK_APPROVALS=0 GK_NEED=2 GK_STATUS=pending" sh -c \
    'grep -qx GK_APPROVALS=0 "$1" && grep -qx GK_NEED=2 "$1" &&
     grep -qx GK_STATUS=pending "$1"' - "$E"
check "created: GK_HOST is this host" has_var "$E" GK_HOST "$(hostname)"
check "created: GK_EXPIRES is a time in the future" sh -c \
    '[ "$(sed -n s/^GK_EXPIRES=//p "$1")" -gt "$(date +%s)" ]' - "$E"
check "created: GK_COMMAND is the escaped command line, one line" \
    has_var "$E" GK_COMMAND "'mkfs.ext4' '-q' '-F' '-L' 'x\\nSubject: pwned' '$T/disk.img'"
check "created: the environment holds nothing else (no daemon variable)" sh -c \
    '! grep -v -E "^(PATH|LANG|HOME|PWD|SHLVL|OLDPWD|_|GK_[A-Z_]+)=" "$1" &&
     ! grep -q hunter2 "$1"' - "$E"
check "created: the notifier's PATH is the secure PATH" \
    grep -qx "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" "$E"
check "the notify line was split into argv without a shell" \
    test "$(tr '\n' ' ' <"$T/notes/created-$R1-0.args")" = \
    "--to ops@example.org --domain example.org --sendmail $T/bin/fake-sendmail "

# The example mail script, as the daemon ran it.
M=$T/mail/created-$R1-0.eml
check "gk-notify-mail: sendmail ran with -t -oi" wait_for grep -qx -- "-t -oi" \
    "$T/mail/created-$R1-0.argv"
check "gk-notify-mail: the mail was written" wait_for test -s "$M"
check "gk-notify-mail: five header lines, one Subject" sh -c \
    '[ "$(sed "/^\$/q" "$1" | grep -c .)" = 5 ] &&
     [ "$(sed "/^\$/q" "$1" | grep -c "^Subject:")" = 1 ]' - "$M"
check "gk-notify-mail: the injected header stayed in the escaped text" sh -c \
    '! grep -q "^Subject: pwned" "$1" &&
     grep -q "^Subject: \[gatekeeper\] .*: request $2 created: .*Subject: pwned" "$1"' \
    - "$M" "$R1"
check "gk-notify-mail: To holds --to and each approver at --domain" \
    grep -qx "To: ops@example.org, alice@example.org, bob@example.org" "$M"
check "gk-notify-mail: the body names the fingerprint and how to approve" sh -c \
    'grep -q "^fingerprint  $2" "$1" && grep -q "gk-approve approve $3" "$1"' \
    - "$M" "$FP" "$R1"

OTPA=$("$T/bin/softkey" otp "$T/tok.alice")
check "alice approves" decide alice 20002 approve "$R1" "$OTPA"
E=$T/notes/approved-$R1-1.env
check "approved (1 of 2): the notifier ran" wait_for test -s "$E"
check "approved (1 of 2): by alice, still pending" sh -c \
    'grep -qx GK_BY=alice "$1" && grep -qx GK_APPROVALS=1 "$1" &&
     grep -qx GK_STATUS=pending "$1" && grep -qx GK_EVENT=approved "$1"' - "$E"
check "bob approves" decide bob 20003 approve "$R1"
E=$T/notes/approved-$R1-2.env
check "approved (2 of 2): the notifier ran" wait_for test -s "$E"
check "approved (2 of 2): by bob, approved" sh -c \
    'grep -qx GK_BY=bob "$1" && grep -qx GK_APPROVALS=2 "$1" &&
     grep -qx GK_STATUS=approved "$1"' - "$E"
check "the command ran" wait_for test -s "$T/r1.rc"
E=$T/notes/executed-$R1-2.env
check "executed: the notifier ran" wait_for test -s "$E"
check "executed: state done, exit status 0" sh -c \
    'grep -qx GK_STATUS=done "$1" && grep -qx GK_EXIT_STATUS=0 "$1" &&
     grep -qx GK_EVENT=executed "$1"' - "$E"
check "executed: the mail points to gk-audit show" wait_for grep -q \
    "gk-audit show $R1" "$T/mail/executed-$R1-2.eml"

# Rejected, expired.
(cd "$T" && as 20001 "$T/bin/gk-shell" -s "$SOCK" -c \
    "mkfs.ext4 -q -F $T/disk2.img" >/dev/null 2>&1) &
wait_for listed disk2
R2=$(request_id disk2)
check "alice rejects" decide alice 20002 deny "$R2"
E=$T/notes/rejected-$R2-0.env
check "rejected: the notifier ran" wait_for test -s "$E"
check "rejected: by alice, state rejected" sh -c \
    'grep -qx GK_BY=alice "$1" && grep -qx GK_STATUS=rejected "$1"' - "$E"
(cd "$T" && as 20001 "$T/bin/gk-shell" -s "$SOCK" -c \
    "mkfs.ext3 -q -F $T/disk2.img" >/dev/null 2>&1) &
wait_for listed mkfs.ext3
R3=$(request_id mkfs.ext3)
E=$T/notes/expired-$R3-0.env
i=0
while [ ! -s "$E" ] && [ $i -lt 200 ]; do sleep 0.1; i=$((i + 1)); done
check "expired: the notifier ran" test -s "$E"
check "expired: state expired, rule short" sh -c \
    'grep -qx GK_STATUS=expired "$1" && grep -qx GK_RULE=short "$1" &&
     grep -qx GK_BY= "$1"' - "$E"
# A huge command line: its notice still goes out, the command cut short.
# (500 arguments of 200 control bytes: 400 KiB once escaped, more than
# one environment string may hold.)
W=$(head -c 200 /dev/zero | tr '\0' '\001')
BIG=
for i in $(seq 500); do BIG="$BIG '$W'"; done
(cd "$T" && as 20001 "$T/bin/gk-shell" -s "$SOCK" -c \
    "mkfs.ext4 -q -F -L x $BIG $T/big.img" >/dev/null 2>&1) &
check "a request with a 400 KiB escaped command appears" wait_for listed "x01"
RBIG=$(request_id "x01")
E=$T/notes/created-$RBIG-0.env
check "huge command: the notifier ran" wait_for test -s "$E"
check "huge command: GK_COMMAND is cut at 16 KiB and says so" sh -c \
    'v=$(sed -n "s/^GK_COMMAND=//p" "$1"); [ ${#v} -le 16420 ] &&
     echo "$v" | grep -q "^.mkfs.ext4. .-q. .-F. .-L. .x. .\\\\x01.* more bytes\]$"' - "$E"
# A command running when the daemon dies: after the restart it is marked
# interrupted, and that is notified too. (An allow rule: its notices carry
# GK_NEED=0, which gk-notify-mail leaves alone unless --all.)
cat >"$T/bin/nap.sh" <<EOF
#!/bin/sh
echo \$\$ >$T/nap.pid
exec sleep 30
EOF
chmod 0755 "$T/bin/nap.sh"
printf 'allow name nap cmd %s\n' "$T/bin/nap.sh" >"$T/pol/20-nap.policy"
chmod 0644 "$T/pol/20-nap.policy"
kill -HUP "$DPID"
check "SIGHUP loads the nap rule" wait_for sh -c \
    '[ "$(grep -c "rules loaded" "$1")" -ge 2 ]' - "$T/daemon.log"
(cd "$T" && as 20001 "$T/bin/gk-shell" -s "$SOCK" -c "$T/bin/nap.sh" \
    >/dev/null 2>&1) &
check "the allowed command runs" wait_for test -s "$T/nap.pid"
NAP=$(cat "$T/nap.pid")
RNAP=$(sed -n 's/^GK_REQUEST_ID=//p' "$T"/notes/created-*-0.env | sort -n | tail -n 1)
check "allow: a created notice with GK_NEED=0" \
    grep -qx GK_NEED=0 "$T/notes/created-$RNAP-0.env"
kill -9 "$DPID"
wait "$DPID" 2>/dev/null
DPID=
kill "$NAP"
# (restarted with HUP ignored too: the recovery's notifier, started before
# the event loop, must not inherit that)
trap '' HUP
check "daemon restarts after a crash" daemon_start -c "$T/notify.conf"
trap - HUP
E=$T/notes/interrupted-$RNAP-0.env
check "interrupted: the notifier ran" wait_for test -s "$E"
check "interrupted: state interrupted" grep -qx GK_STATUS=interrupted "$E"
check "interrupted: the notifier has no signal ignored" \
    no_ign "$(cat "$T/notes/interrupted-$RNAP-0.sig")"
check "allow (GK_NEED=0): gk-notify-mail sent no mail about it" sh -c \
    '[ -s "$1/approved-$2-2.eml" ] && ! ls "$1" | grep -q -- "-$3-"' \
    - "$T/mail" "$R1" "$RNAP"

# The daemon's own events (a lockdown: no request) are always mailed.
env -i PATH=/usr/bin:/bin GK_EVENT=lockdown GK_HOST=h GK_BY=rate \
    "$T/bin/gk-notify-mail" --to ops@example.org \
    --sendmail "$T/bin/fake-sendmail" >/dev/null 2>&1
check "gk-notify-mail mails a lockdown notice (no request, no GK_NEED)" \
    test -s "$T/mail/lockdown--.eml"
check "every event went to the log" sh -c \
    'for e in created approved rejected executed expired; do
        grep -q "notify: request [0-9]* $e" "$1" || exit 1; done' - "$T/daemon.log"
check "no OTP in any notifier's environment or mail" sh -c \
    '! grep -rq "$1" "$2" "$3"' - "$OTPA" "$T/notes" "$T/mail"
daemon_stop

# A notifier that hangs ------------------------------------------------------
cat >"$T/bin/hang.sh" <<'EOF'
#!/bin/sh
echo $$ >"$1/pid.$GK_EVENT.$GK_REQUEST_ID.tmp"
mv "$1/pid.$GK_EVENT.$GK_REQUEST_ID.tmp" "$1/pid.$GK_EVENT.$GK_REQUEST_ID"
exec sleep 30
EOF
chmod 0755 "$T/bin/hang.sh"
gone() { ! kill -0 "$1" 2>/dev/null; }
# wait_gone PID: up to 30s for PID to end.
wait_gone() {
	i=0
	while ! gone "$1" && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
	gone "$1"
}
# ask FILE: the admin asks to format FILE (in the background).
ask() {
	(cd "$T" && as 20001 "$T/bin/gk-shell" -s "$SOCK" -c \
	    "mkfs.ext4 -q -F $1" >/dev/null 2>&1) &
}

# The cap: one notifier at a time, a long timeout. The daemon serves
# while it sleeps; the next notice waits in the queue.
# hang_conf FILE TIMEOUT: hang.sh as the notifier, one at a time.
hang_conf() {
	printf 'notify = %s\nnotify_timeout = %s\nnotify_max = 1\n' \
	    "$T/bin/hang.sh $T/hang" "$2" >"$1"
	chmod 0644 "$1"
}
hang_conf "$T/cap.conf" 60s
check "daemon starts with a hanging notifier (cap 1, timeout 60s)" \
    daemon_start -c "$T/cap.conf"
ask "$T/disk2.img"
check "request A appears" wait_for listed disk2
RA=$(request_id disk2)
check "the hanging notifier started" wait_for test -s "$T/hang/pid.created.$RA"
HPID=$(cat "$T/hang/pid.created.$RA")
check "while it hangs, a local command runs" \
    test "$(as 20001 "$T/bin/gk-shell" -s "$SOCK" -c 'echo still-here')" = still-here
ask "$T/disk.img"
check "while it hangs, request B is served" wait_for listed "disk.img"
RB=$(request_id "disk.img")
check "... and its notice waits in the queue, with a log line" wait_for grep -q \
    "the created notice of request $RB waits" "$T/daemon.log"
check "no notifier ran for request B" test ! -e "$T/hang/pid.created.$RB"
check "the first notifier is still running" kill -0 "$HPID"
daemon_stop
check "a stopping daemon terminates its notifiers" wait_gone "$HPID"
check "... and says so" grep -q \
    "stopping: the created notifier of request $RA is terminated" "$T/daemon.log"
check "the notice still queued at stop is dropped, and audited" sh -c \
    "'$T/bin/gk-audit' --db '$T/state/gatekeeper.db' --event notify-dropped \
    --json | grep '\"request\":$RB,' | grep -q 'notice=created why=daemon-stopping'"

# The timeout: killed after notify_timeout, logged; then there is room.
hang_conf "$T/hang.conf" 2s
check "daemon starts with notify_timeout = 2s" daemon_start -c "$T/hang.conf"
truncate -s 8M "$T/disk4.img"
ask "$T/disk4.img"
check "request C appears" wait_for listed disk4
RC=$(request_id disk4)
check "its notifier started" wait_for test -s "$T/hang/pid.created.$RC"
HPID=$(cat "$T/hang/pid.created.$RC")
check "the hanging notifier was killed after notify_timeout" wait_gone "$HPID"
check "... and the kill was logged" wait_for grep -q \
    "created notifier of request $RC timed out after 2s and was killed" \
    "$T/daemon.log"
check "alice approves request C (the daemon reaped and moved on)" \
    quiet decide alice 20002 approve "$RC"
check "a notifier runs again once there is room" \
    wait_for test -s "$T/hang/pid.approved.$RC"
HPID=$(cat "$T/hang/pid.approved.$RC")
daemon_stop
check "stopping again terminates it" wait_gone "$HPID"

# A flood: one notifier at a time, each half a second; 40 cheap commands
# of one user at once make 80 notices. Another user's request
# still gets its "created" notice, and every notice dropped is audited.
cat >"$T/bin/slow.sh" <<'EOF2'
#!/bin/sh
sleep 0.5
: >"$1/$GK_EVENT.$GK_REQUEST_ID"
EOF2
chmod 0755 "$T/bin/slow.sh"
mkdir -p "$T/slow"
printf 'notify = %s\nnotify_max = 1\n' "$T/bin/slow.sh $T/slow" >"$T/slow.conf"
chmod 0644 "$T/slow.conf"
check "daemon starts with a slow notifier, one at a time" \
    daemon_start -c "$T/slow.conf"
i=0
while [ $i -lt 40 ]; do
	as 20001 "$T/bin/gk-shell" -s "$SOCK" -c /usr/bin/id >/dev/null 2>&1 &
	i=$((i + 1))
done
wait_for grep -q "notify: request [0-9]* executed" "$T/daemon.log"
truncate -s 8M "$T/disk5.img"
(cd "$T" && as 20004 "$T/bin/gk-shell" -s "$SOCK" -c \
    "mkfs.ext4 -q -F $T/disk5.img" >/dev/null 2>&1) &
check "amid 40 cheap commands, another user's request appears" \
    wait_for listed disk5
R5=$(request_id disk5)
# wait_long CMD...: up to 60s (32 queued notices of half a second).
wait_long() {
	i=0
	while ! "$@" >/dev/null 2>&1; do
		i=$((i + 1))
		[ $i -gt 600 ] && return 1
		sleep 0.1
	done
}
check "its created notice is not crowded out: the notifier runs for it" \
    wait_long test -e "$T/slow/created.$R5"
check "the flood's notices were not all run (some were dropped)" \
    grep -q "notice of request [0-9]* is dropped" "$T/daemon.log"
"$T/bin/gk-audit" -s "$SOCK" --event notify-dropped --json >"$T/dropped.json"
nlog=$(grep -c "notice of request [0-9]* is dropped" "$T/daemon.log")
naud=$(grep -c '"event":"notify-dropped"' "$T/dropped.json")
diag "$nlog notices dropped in the log, $naud notify-dropped records"
check "every dropped notice has a notify-dropped audit record" \
    test "$nlog" = "$naud"
check "only the flooding user's notices were dropped" \
    sh -c "! grep -v '\"uid\":20001,' '$T/dropped.json' | grep -q ."
daemon_stop
wait
echo "1..$tap_n"
