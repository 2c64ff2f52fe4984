#!/bin/sh
# make demo: the whole gatekeeper story on a temp socket and state dir.
#
#   sh scripts/demo.sh [BUILDDIR]        (make demo runs it on build/)
#
# A daemon starts; two approvers, alice and bob, are enrolled with soft
# YubiKeys; an admin's gk-shell asks to format a disk image and waits; the
# approvals arrive and it runs; a replayed OTP is refused; the audit log is
# queried and verified, then tampered with and caught.
#
# Needs root: the people are numeric uids (admin 20001, alice 20002, bob
# 20003) played with setpriv, and the daemon runs as root. Nothing outside
# one temp dir under /tmp is touched. Exit 0 only when every step did what
# the story says; otherwise it stops at the step that did not.
set -u
B=${1:-build}
SRC=$(cd "$(dirname "$0")/.." && pwd)
B=$(cd "$B" 2>/dev/null && pwd) || { echo "demo: no build directory ${1:-build} (run make)" >&2; exit 1; }

if [ "$(id -u)" != 0 ]; then
	echo "demo: this needs root. The story has an admin and two approvers," >&2
	echo "demo: played by numeric uids with setpriv, and a root daemon." >&2
	echo "demo: Run it as root (CI does): sudo make demo. It touches nothing" >&2
	echo "demo: outside a temp dir." >&2
	exit 1
fi
for p in gatekeeperd gkctl gk-shell gk-approve gk-audit tests/softkey; do
	[ -x "$B/$p" ] || { echo "demo: $B/$p is missing (run make)" >&2; exit 1; }
done
for c in setpriv mkfs.ext4 sqlite3 od; do
	command -v "$c" >/dev/null 2>&1 || [ -x "/sbin/$c" ] || [ -x "/usr/sbin/$c" ] ||
	    { echo "demo: $c is needed (make deps)" >&2; exit 1; }
done

T=$(mktemp -d /tmp/gk-demo.XXXXXX) || exit 1
chmod 0755 "$T"
DPID=
ADMIN_PID=
# shellcheck disable=SC2317 # (run by the trap)
cleanup() {
	[ -n "$DPID" ] && kill "$DPID" 2>/dev/null && wait "$DPID" 2>/dev/null
	[ -n "$ADMIN_PID" ] && kill "$ADMIN_PID" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# Narration --------------------------------------------------------------------
step=0
say() { step=$((step + 1)); printf '\n== %d. %s\n' "$step" "$*"; }
note() { printf '   %s\n' "$*"; }
fail() { printf '\ndemo: FAILED at step %d: %s\n' "$step" "$*" >&2; exit 1; }
indent() { sed 's/^/      /'; }
# words ARG...: the arguments as a shell line (quoted where needed), with
# the programs under their installed names.
words() {
	for a in "$@"; do
		case $a in
		*\'*) case $a in
			*[\"\$\`\\]*) printf "'%s' " "$(printf '%s' "$a" | sed "s/'/'\\\\''/g")" ;;
			*) printf '"%s" ' "$a" ;;
			esac ;;
		*[!A-Za-z0-9_./:=@,+-]* | "")
			printf "'%s' " "$(printf '%s' "$a" | sed "s/'/'\\\\''/g")" ;;
		*) printf '%s ' "$a" ;;
		esac
	done | sed "s|$T/bin/||g; s| *\$||"
}
# show WHO CMD...: prints the command as WHO would type it (programs by
# their installed names), runs it as WHO, indents its output; returns its
# status. WHO: root, admin, alice or bob.
show() {
	who=$1; shift
	printf '   %s$ %s\n' "$who" "$(words "$@")"
	case $who in
	root) "$@" ;;
	admin) setpriv --reuid=20001 --regid=20001 --clear-groups "$@" ;;
	alice) setpriv --reuid=20002 --regid=20002 --clear-groups env HOME="$T/home/alice" "$@" ;;
	bob) setpriv --reuid=20003 --regid=20003 --clear-groups env HOME="$T/home/bob" "$@" ;;
	esac >"$T/out" 2>&1
	rc=$?
	indent <"$T/out"
	return $rc
}
# wait_until SECONDS CMD...: polls CMD every 0.1 s.
wait_until() {
	n=$(($1 * 10)); shift
	while ! "$@" >/dev/null 2>&1; do
		n=$((n - 1))
		[ $n -le 0 ] && return 1
		sleep 0.1
	done
}
formatted() { [ "$(od -An -tx1 -j1080 -N2 "$1" | tr -d ' ')" = "53ef" ]; }
otp() { "$T/bin/softkey" otp "$T/tok.$1"; }

# The world --------------------------------------------------------------------
say "A temp world: $T (socket, state dir, policies, a disk image)"
mkdir -p "$T/bin" "$T/state" "$T/pol" "$T/home/alice" "$T/home/bob" "$T/mail"
for p in gatekeeperd gkctl gk-shell gk-approve gk-audit; do cp "$B/$p" "$T/bin/"; done
cp "$B/tests/softkey" "$SRC/dist/notify/gk-notify-mail" "$T/bin/"
cat >"$T/bin/sendmail" <<EOF
#!/bin/sh
# The demo's sendmail: keeps each mail in $T/mail.
cat >"$T/mail/\$GK_EVENT-\$GK_REQUEST_ID-\$GK_APPROVALS.eml"
EOF
chmod 0755 "$T"/bin/*
chown 20002:20002 "$T/home/alice"
chown 20003:20003 "$T/home/bob"
SOCK=$T/gk.sock
cat >"$T/pol/10-demo.policy" <<'EOF'
approvers storage = alice bob
approve 2 by storage name disk-format cmd mkfs mkfs.* mke2fs wipefs
local cmd ls echo id
EOF
chmod 0644 "$T/pol/10-demo.policy"
cat >"$T/gatekeeperd.conf" <<EOF
notify = $T/bin/gk-notify-mail --domain example.org --sendmail $T/bin/sendmail
notify_timeout = 10s
EOF
chmod 0644 "$T/gatekeeperd.conf"
truncate -s 8M "$T/disk.img"
chmod 0666 "$T/disk.img"
note "policy: destructive disk commands need 2 approvals from alice and bob:"
indent <"$T/pol/10-demo.policy"

say "Root starts the daemon (the only way to root for the admins)"
note "root\$ gatekeeperd -f -c $T/gatekeeperd.conf -s $SOCK -d $T/state -p $T/pol &"
"$T/bin/gatekeeperd" -f -c "$T/gatekeeperd.conf" -s "$SOCK" -d "$T/state" \
    -p "$T/pol" 2>"$T/daemon.log" &
DPID=$!
wait_until 10 grep -q "listening on" "$T/daemon.log" ||
    fail "the daemon did not start: $(cat "$T/daemon.log")"
note "listening on $SOCK"

say "Two approvers are enrolled, each with a key and a YubiKey (soft ones here)"
for who in alice bob; do
	show "$who" "$T/bin/gk-approve" keygen --no-passphrase \
	    --key "$T/home/$who/key" </dev/null || fail "keygen for $who"
	pub=$(tail -n 1 "$T/out")
	yk=$("$T/bin/softkey" new "$T/tok.$who") || fail "softkey for $who"
	uid=20002
	[ "$who" = bob ] && uid=20003
	# The YubiKey's private id and AES key are secrets: not shown, and
	# read from stdin, never from argv (every local user reads argv).
	(umask 077 && printf '%s\n' "$yk" >"$T/yk.$who")
	note "root\$ gkctl -s $SOCK enroll $who --uid $uid --pubkey $pub --yubikey - <$who-token.txt   # ${yk%%:*}:PRIVATEID:AESKEY"
	"$T/bin/gkctl" -s "$SOCK" enroll "$who" --uid "$uid" --pubkey "$pub" \
	    --yubikey - <"$T/yk.$who" 2>&1 | indent
	rm -f "$T/yk.$who"
	"$T/bin/gkctl" -s "$SOCK" approvers | grep -q "^$who " ||
	    fail "enrolling $who"
done
note "(the YubiKey's secret goes to the daemon once, at enrolment; never to a log)"

say "3 a.m.: the admin's shell asks to format a disk"
note "admin\$ gk-shell -c 'mkfs.ext4 -q -F $T/disk.img'"
(cd "$T" && setpriv --reuid=20001 --regid=20001 --clear-groups \
    "$T/bin/gk-shell" -s "$SOCK" -c "mkfs.ext4 -q -F $T/disk.img" \
    >"$T/admin.out" 2>"$T/admin.err"; echo $? >"$T/admin.rc") &
ADMIN_PID=$!
wait_until 10 grep -q "waiting" "$T/admin.err" || wait_until 5 test -s "$T/admin.err" ||
    fail "gk-shell printed nothing"
indent <"$T/admin.err"
R1=$(grep -o 'request [0-9]*' "$T/admin.err" | head -n 1 | cut -d' ' -f2)
[ -n "$R1" ] || fail "no request number from gk-shell"
sleep 0.3
formatted "$T/disk.img" && fail "the disk was formatted without approval"
note "it waits. Nothing has run: the disk image is untouched."
wait_until 10 test -s "$T/mail/created-$R1-0.eml" || fail "no notification mail"
note "gatekeeperd's notify command mailed the approvers:"
sed -n '/^To:/p; /^Subject:/p' "$T/mail/created-$R1-0.eml" | indent

say "Alice looks at the request and approves it with her YubiKey"
show alice "$T/bin/gk-approve" -s "$SOCK" list || fail "gk-approve list"
OTP_A=$(otp alice)
note "(\"touch your YubiKey\": it types a one-time password; here it comes on stdin)"
printf '%s\n' "$OTP_A" >"$T/otp"
show alice "$T/bin/gk-approve" -s "$SOCK" approve "$R1" --otp - \
    --key "$T/home/alice/key" <"$T/otp" || fail "alice's approval"
sleep 0.3
formatted "$T/disk.img" && fail "one approval was enough"
note "one approval of two: still nothing runs."

say "Bob approves too: the exact command runs, as root, audited"
otp bob >"$T/otp"
show bob "$T/bin/gk-approve" -s "$SOCK" approve "$R1" --otp - \
    --key "$T/home/bob/key" <"$T/otp" || fail "bob's approval"
wait_until 30 test -s "$T/admin.rc" || fail "the admin's shell did not finish"
ADMIN_PID=
[ "$(cat "$T/admin.rc")" = 0 ] || fail "gk-shell exited $(cat "$T/admin.rc")"
indent <"$T/admin.err" | tail -n 2
formatted "$T/disk.img" || fail "the disk image is not formatted"
note "gk-shell exited 0; the image now holds an ext4 superblock (53 ef at byte 1080)."

say "An attacker replays alice's one-time password on a new request"
(cd "$T" && setpriv --reuid=20001 --regid=20001 --clear-groups \
    "$T/bin/gk-shell" -s "$SOCK" -c "wipefs -a $T/disk.img" \
    >/dev/null 2>"$T/admin2.err"; echo $? >"$T/admin2.rc") &
ADMIN_PID=$!
wait_until 10 grep -q "request [0-9]" "$T/admin2.err" || fail "no second request"
R2=$(grep -o 'request [0-9]*' "$T/admin2.err" | head -n 1 | cut -d' ' -f2)
note "request $R2: wipefs -a disk.img"
printf '%s\n' "$OTP_A" >"$T/otp"
if show alice "$T/bin/gk-approve" -s "$SOCK" approve "$R2" --otp - \
    --key "$T/home/alice/key" <"$T/otp"; then
	fail "the replayed OTP was accepted"
fi
grep -q "already used" "$T/out" || fail "refused, but not as a replay"
note "refused: that OTP was spent on request $R1. Each OTP counts once."
otp alice >"$T/otp"
show alice "$T/bin/gk-approve" -s "$SOCK" deny "$R2" --reason "not planned" \
    --otp - --key "$T/home/alice/key" <"$T/otp" || fail "alice's rejection"
wait_until 10 test -s "$T/admin2.rc" || fail "the second request did not end"
ADMIN_PID=
[ "$(cat "$T/admin2.rc")" = 77 ] || fail "rejected, but gk-shell exited $(cat "$T/admin2.rc")"
note "alice rejected it; the admin's shell got exit status 77 and nothing ran."
formatted "$T/disk.img" || fail "the rejected wipefs ran"

say "The auditor asks what happened in the last 10 minutes"
show root "$T/bin/gk-audit" -s "$SOCK" --since 10m --event approve ||
    fail "gk-audit query"
show root "$T/bin/gk-audit" -s "$SOCK" show "$R1" || fail "gk-audit show"
grep -q "exec-end" "$T/out" || fail "the timeline has no exec-end"

say "The log verifies: hash chain, checkpoints, every approval signature"
show root "$T/bin/gk-audit" -s "$SOCK" verify || fail "verify"
show root "$T/bin/gk-audit" -s "$SOCK" checkpoint || fail "checkpoint"
cp "$T/out" "$T/anchor"
note "(that line is kept off the host, e.g. in syslog: it proves later truncation)"

say "An intruder with the database edits one record to cover their tracks"
kill "$DPID" 2>/dev/null
wait "$DPID" 2>/dev/null
DPID=
DB=$T/state/gatekeeper.db
SEQ=$(sqlite3 "$DB" "SELECT seq FROM audit WHERE event = 'exec-end' AND request = $R1")
[ -n "$SEQ" ] || fail "no exec-end record"
show root sqlite3 "$DB" "UPDATE audit SET detail = replace(detail, 'status=0', 'status=1') WHERE seq = $SEQ" ||
    fail "sqlite3"
if show root "$T/bin/gk-audit" verify --db "$DB" --anchor "$T/anchor"; then
	fail "the edit was not caught"
fi
[ "$rc" = 1 ] || fail "verify exited $rc, not 1"
grep -q "record $SEQ" "$T/out" || fail "verify did not name record $SEQ"
note "caught: gk-audit verify exits 1 and names record $SEQ."

printf '\n== Done: two people with tokens stood between the admin account and mkfs,\n'
printf '   a replayed OTP bought nothing, and the edit of the log was caught.\n'
exit 0
