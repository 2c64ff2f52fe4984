#!/bin/sh
# Secrets where others can read them (issue 14): an OTP typed into
# gk-shell (a YubiKey touched while the shell has focus) never leaves it
# and is never kept in the history; the daemon refuses an OTP-shaped word
# that reaches it on a raw connection and redacts it in the audit log and
# its own log; gkctl enroll and gk-approve take their secrets from stdin
# or the terminal only, never from argv; gk-shell refuses a request it
# could not build whole.
. "$GK_SRC/tests/e2e/lib.sh"
world_init
cp "$GK_BUILD/tests/gkstress" "$T/bin/"
W=$T/w
mkdir -p "$W" "$T/home/u1"
chown 20001:20001 "$W" "$T/home/u1"
cat >"$T/pol/10-test.policy" <<EOF2
approvers ops = alice bob
local name tools cmd echo true
allow name whoami cmd id
approve 2 by ops name format cmd mkfs.ext4
EOF2
chmod 0644 "$T/pol/10-test.policy"
check "daemon starts" daemon_start
check "enroll alice (--yubikey - from stdin)" approver_new alice 20002
check "enroll bob (--yubikey - from stdin)" approver_new bob 20003
check "both are enrolled" sh -c \
    "'$T/bin/gkctl' -s '$SOCK' approvers | grep -q '^alice' &&
     '$T/bin/gkctl' -s '$SOCK' approvers | grep -q '^bob'"

# An unspent OTP of alice's token, and the pieces that must never show.
OTP=$("$T/bin/softkey" otp "$T/tok.alice")
TOKEN=$(echo "$OTP" | cut -c13-)
UPPER=$(echo "$OTP" | tr a-z A-Z)

gsh() {
	(cd "$W" && as 20001 env HOME="$T/home/u1" GK_SOCKET="$SOCK" \
	    "$T/bin/gk-shell" -c "$1" >"$T/out" 2>"$T/err")
	rc=$?
}
err_has() { grep -q -- "$1" "$T/err"; }
# leaks FILE...: does any FILE hold the OTP's secret part (any case)?
leaks() { grep -qiF -- "$TOKEN" "$@" 2>/dev/null; }

gsh "$OTP"
check "an OTP typed as a command is refused (2)" test "$rc" = 2
check "with a message saying what it looks like" \
    err_has "looks like a YubiKey one-time password"
check "that does not echo it" not leaks "$T/err" "$T/out"
gsh "echo $OTP"
check "an OTP as an argument of a local command is refused" \
    sh -c "test $rc = 2 && test ! -s '$T/out'"
gsh "id x=$OTP"
check "an OTP after = is refused" test "$rc" = 2
gsh "echo '$UPPER'"
check "an OTP typed with Caps Lock (upper case) is refused" test "$rc" = 2
gsh "echo ok; true # $OTP"
check "a line with an OTP anywhere is refused whole (nothing ran)" \
    sh -c "test $rc = 2 && test ! -s '$T/out'"
gsh "gk reason $OTP"
check "gk reason refuses an OTP too" test "$rc" = 2
(cd "$W" && as 20001 env HOME="$T/home/u1" GK_SOCKET="$SOCK" \
    GK_REASON="ticket $OTP" "$T/bin/gk-shell" -c id >"$T/out" 2>"$T/err")
rc=$?
check "an OTP in \$GK_REASON is not sent with a command" \
    sh -c "test $rc = 2 && test ! -s '$T/out'"
check "and says why without echoing it" \
    sh -c "grep -q 'GK_REASON' '$T/err' && ! grep -qiF '$TOKEN' '$T/err'"
gsh "echo cccccccccc ordinary-words mkfs.ext4"
check "ordinary words and short modhex runs still run" \
    sh -c "test $rc = 0 && grep -q ordinary-words '$T/out'"

# Interactive: a YubiKey touched at the prompt (44 characters + Enter).
# The history starts with a line an older gk-shell kept with an OTP.
OLDOTP=$("$T/bin/softkey" otp "$T/tok.bob")
OLDTOKEN=$(echo "$OLDOTP" | cut -c13-)
printf 'echo old-line\necho %s\n' "$OLDOTP" >"$T/home/u1/.gk_history"
chown 20001:20001 "$T/home/u1/.gk_history"
chmod 0600 "$T/home/u1/.gk_history"
printf '%s\necho typed-after\nexit 0\n' "$OTP" | (cd "$W" && as 20001 env \
    HOME="$T/home/u1" GK_SOCKET="$SOCK" TERM=dumb \
    script -qec "$T/bin/gk-shell" /dev/null) >"$T/i.out" 2>&1
rc=$?
tr -d '\r' <"$T/i.out" | sed 's/\x1b\[[0-9;?]*[a-zA-Z]//g' >"$T/i.txt"
check "interactive: the OTP line is refused" \
    grep -q "looks like a YubiKey one-time password" "$T/i.txt"
check "interactive: the next line runs" grep -qx "typed-after" "$T/i.txt"
check "interactive: the session ends as asked" test "$rc" = 0
check "the history file holds the other line" \
    grep -qx "echo typed-after" "$T/home/u1/.gk_history"
check "but not the OTP" not leaks "$T/home/u1/.gk_history"
check "an old line is kept" grep -qx "echo old-line" "$T/home/u1/.gk_history"
check "an OTP an older gk-shell kept is dropped from it" \
    not grep -qF -- "$OLDTOKEN" "$T/home/u1/.gk_history"

# A raw RUN (no gk-shell) with OTP-shaped words: the daemon refuses it
# and writes only the redacted form.
u32() {
	printf "\\$(printf %03o $(($1 >> 24 & 255)))\\$(printf %03o $(($1 >> 16 & 255)))\\$(printf %03o $(($1 >> 8 & 255)))\\$(printf %03o $(($1 & 255)))"
}
msgframe() { # msgframe FILE TYPE [KEY VALUE]...
	f=$1 ty=$2
	shift 2
	u32 $(($# / 2)) >"$T/pl.tmp"
	while [ $# -ge 2 ]; do
		u32 ${#1} >>"$T/pl.tmp"
		printf %s "$1" >>"$T/pl.tmp"
		u32 "$(printf %s "$2" | wc -c)" >>"$T/pl.tmp"
		printf %s "$2" >>"$T/pl.tmp"
		shift 2
	done
	printf "\\001\\$(printf %03o "$ty")\\000\\000" >>"$f"
	u32 "$(wc -c <"$T/pl.tmp")" >>"$f"
	cat "$T/pl.tmp" >>"$f"
}
: >"$T/raw1"
msgframe "$T/raw1" 1 arg echo arg "$OTP" cwd /
as 20001 "$T/bin/gkstress" raw "$SOCK" "$T/raw1" >"$T/raw1.out" 2>&1
check "raw RUN with an OTP word: the daemon denies it" \
    sh -c "'$T/bin/gk-audit' -s '$SOCK' --event deny | grep -q 'otp redacted'"
: >"$T/raw2"
msgframe "$T/raw2" 1 arg id cwd / reason "see $OTP"
as 20001 "$T/bin/gkstress" raw "$SOCK" "$T/raw2" >"$T/raw2.out" 2>&1
: >"$T/raw3"
msgframe "$T/raw3" 1 arg id arg "--x=$UPPER" cwd / session "$OTP"
as 20001 "$T/bin/gkstress" raw "$SOCK" "$T/raw3" >"$T/raw3.out" 2>&1
check "all three were denied, saying why" test "$(cat "$T"/raw[123].out |
    grep -c 'type=66')" = 3
check "no id ran for them" not sh -c \
    "'$T/bin/gk-audit' -s '$SOCK' --event exec-start | grep -q \"'id'\""
"$T/bin/gk-audit" -s "$SOCK" checkpoint >/dev/null 2>&1
check "the redacted records keep the chain intact" \
    "$T/bin/gk-audit" verify --db "$T/state/gatekeeper.db"
check "and the daemon's own verify says so too" \
    "$T/bin/gk-audit" -s "$SOCK" verify

# gkctl enroll: the token's secrets only from stdin, never argv.
CPUB=$("$T/bin/gk-approve" keygen --no-passphrase --key "$T/carol.key" \
    </dev/null 2>/dev/null)
CYK=$("$T/bin/softkey" new "$T/tok.carol")
CAES=${CYK##*:}
CPRIV=$(echo "$CYK" | cut -d: -f2)
"$T/bin/gkctl" -s "$SOCK" enroll carol --uid 20004 --pubkey "$CPUB" \
    --yubikey "$CYK" >"$T/enr.out" 2>"$T/enr.err"
rc=$?
check "enroll --yubikey PUBLICID:PRIVATEID:AESKEY is refused (2)" \
    test "$rc" = 2
check "saying to use --yubikey -" grep -q -- "--yubikey -" "$T/enr.err"
check "without echoing the AES key or private id" not sh -c \
    "grep -qiF -- '$CAES' '$T/enr.err' '$T/enr.out' ||
     grep -qiF -- '$CPRIV' '$T/enr.err' '$T/enr.out'"
check "and carol is not enrolled" not sh -c \
    "'$T/bin/gkctl' -s '$SOCK' approvers | grep -q '^carol'"
echo "$CYK" | "$T/bin/gkctl" -s "$SOCK" enroll carol --uid 20004 \
    --pubkey "$CPUB" --yubikey - >"$T/enr.out" 2>"$T/enr.err"
check "enroll --yubikey - reads it from stdin" sh -c \
    "'$T/bin/gkctl' -s '$SOCK' approvers | grep -q '^carol'"
printf 'not:a:token\n' | "$T/bin/gkctl" -s "$SOCK" enroll dan --uid 20005 \
    --pubkey "$CPUB" --yubikey - >"$T/enr.out" 2>"$T/enr.err"
check "a malformed token on stdin is refused" sh -c \
    "! '$T/bin/gkctl' -s '$SOCK' approvers | grep -q '^dan'"
"$T/bin/gkctl" -s "$SOCK" enroll dan --uid 20005 --pubkey "$CPUB" \
    --yubikey - </dev/null >"$T/enr.out" 2>"$T/enr.err"
check "no token on stdin is refused with a message" sh -c \
    "grep -q 'standard input' '$T/enr.err'"

# gk-approve: --otp takes only "-"; the OTP never on the command line.
(cd "$W" && as 20001 "$T/bin/gk-shell" -s "$SOCK" -c \
    "mkfs.ext4 -q -F $W/disk.img" >"$T/r1.out" 2>"$T/r1.err") &
SP=$!
wait_for listed disk.img
R1=$(request_id disk.img)
check "a request is pending for the approvers" test -n "$R1"
AOTP=$("$T/bin/softkey" otp "$T/tok.alice")
ATOKEN=$(echo "$AOTP" | cut -c13-)
as 20002 env HOME="$T/home/alice" "$T/bin/gk-approve" -s "$SOCK" approve \
    "$R1" --otp "$AOTP" --key "$T/home/alice/key" >"$T/ap.out" 2>"$T/ap.err"
rc=$?
check "approve --otp OTP (inline) is refused (2)" test "$rc" = 2
check "saying to use --otp - or the terminal" grep -q -- "--otp -" "$T/ap.err"
check "without echoing the OTP" not grep -qiF -- "$ATOKEN" "$T/ap.err" \
    "$T/ap.out"
check "and nothing was decided" test -z \
    "$("$T/bin/gk-audit" -s "$SOCK" --request "${R1:-0}" --event approve 2>&1)"
check "the same OTP still works from stdin" decide alice 20002 approve \
    "$R1" "$AOTP"
as 20003 env HOME="$T/home/bob" "$T/bin/gk-approve" -s "$SOCK" deny "$R1" \
    --otp x --key "$T/home/bob/key" >"$T/ap.out" 2>"$T/ap.err"
rc=$?
check "deny --otp X is refused too" sh -c \
    "test $rc = 2 && grep -q -- '--otp -' '$T/ap.err'"
as 20003 env HOME="$T/home/bob" "$T/bin/gk-approve" -s "$SOCK" deny "$R1" \
    --otp=- --key "$T/home/bob/key" >"$T/ap.out" 2>"$T/ap.err" </dev/null
check "and so is --otp=VALUE" test "$?" = 2
decide bob 20003 deny "$R1" >/dev/null 2>&1
i=0; while kill -0 "$SP" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
kill "$SP" 2>/dev/null
wait "$SP"

# gk-shell refuses a request it could not build whole (here: more than a
# frame holds), rather than send the part that fit.
mkdir -p "$W/many"
seq 1 4000 | sed "s|^|$W/many/a-long-file-name-to-make-the-request-large-enough-|" |
    xargs touch
chown -R 20001:20001 "$W/many"
gsh "id $W/many/*"
check "a request too large to send is refused (2)" test "$rc" = 2
check "with a clear message" err_has "too large to send"
check "and the daemon never saw a part of it" not sh -c \
    "'$T/bin/gk-audit' -s '$SOCK' | grep -q 'a-long-file-name'"

# Nowhere to be found: the audit log (through the daemon and in the
# database), the database itself, the daemon's log.
"$T/bin/gk-audit" -s "$SOCK" --json >"$T/audit.json" 2>&1
"$T/bin/gk-audit" --db "$T/state/gatekeeper.db" >"$T/audit.txt" 2>&1
sqlite3 "$T/state/gatekeeper.db" .dump 2>/dev/null |
    grep -v '^INSERT INTO approvals\|^INSERT INTO approvers' >"$T/db.dump"
check "the audit dump is not empty" test -s "$T/db.dump"
check "the typed OTP is in no audit record (gk-audit --json)" \
    not leaks "$T/audit.json"
check "nor in gk-audit --db" not leaks "$T/audit.txt"
check "nor anywhere in the database (sqlite3 .dump)" not leaks "$T/db.dump"
check "nor in the daemon's log" not leaks "$T/daemon.log"
check "the refused inline OTP of gk-approve is nowhere either" not sh -c \
    "grep -qiF -- '$ATOKEN' '$T/audit.txt' '$T/daemon.log'"
# (a live log's newest records are signed first: verify --db wants them
# covered by a checkpoint)
"$T/bin/gk-audit" -s "$SOCK" checkpoint >/dev/null 2>&1
check "the audit log verifies" "$T/bin/gk-audit" verify \
    --db "$T/state/gatekeeper.db"
echo "1..$tap_n"
