#!/bin/sh
# Display spoofing: arguments with ESC sequences, CR, backspace, bidi
# controls, zero-width characters and invalid UTF-8 reach gk-approve
# list/show and gk-audit only as visible escapes; what is approved and
# run is the exact bytes, and a look-alike is another request.
. "$GK_SRC/tests/adversarial/lib_adv.sh"
adv_init
policy "approvers ops = alice
approve 1 by ops name touchy cmd touch
allow name id cmd /usr/bin/id"
check "daemon starts" daemon_start
check "enroll alice" approver_new alice 20002
D=$T/disp
mkdir -p "$D"
# Each name: printf form of the raw bytes, and the escape shown for it.
set -- \
    'a\033[31mb' '\e[31m' \
    'c\rd' '\r' \
    'e\bf' '\x08' \
    'g\342\200\256h' '\u{202e}' \
    'i\342\201\246j' '\u{2066}' \
    'k\342\200\213l' '\u{200b}' \
    'm\377n' '\xff' \
    'o\342\200\252p' '\u{202a}' \
    'q\342\201\251r' '\u{2069}'
line="touch"
pats=
while [ $# -gt 0 ]; do
	line="$line $D/'$(printf "$1")'"
	pats="$pats$2
"
	shift 2
done
(cd "$D" && as 20001 "$T/bin/gk-shell" -s "$SOCK" -c "$line" \
    >"$T/r1.out" 2>"$T/r1.err"; echo $? >"$T/r1.rc") &
check "the spoofing request is pending" wait_for listed "touchy"
R1=$(request_id touchy)
diag "request R1=$R1"
# A look-alike: the same words without the zero-width space.
(cd "$D" && as 20001 "$T/bin/gk-shell" -s "$SOCK" -c "touch $D/kl" \
    >"$T/r2.out" 2>"$T/r2.err"; echo $? >"$T/r2.rc") &
check "the look-alike request is pending" wait_for listed "/kl'"
R2=$(request_id "/kl'")
diag "request R2=$R2"

as 20002 "$T/bin/gk-approve" -s "$SOCK" list >"$T/list.out" 2>&1
as 20002 "$T/bin/gk-approve" -s "$SOCK" show "$R1" >"$T/show.out" 2>&1

# clean FILE: none of the raw bytes, every escape present.
clean() {
	for b in '\033' '\r' '\b' '\342\200\256' '\342\201\246' \
	    '\342\200\213' '\377' '\342\200\252' '\342\201\251'; do
		if LC_ALL=C grep -q "$(printf "$b")" "$1"; then
			diag "$(basename "$1") holds the raw bytes $b"
			return 1
		fi
	done
	printf '%s\n' "$pats" | while IFS= read -r p; do
		[ -z "$p" ] && continue
		grep -qF -- "$p" "$1" || { diag "$(basename "$1") lacks $p"; exit 1; }
	done
}
check "gk-approve list shows only escapes" clean "$T/list.out"
check "gk-approve show shows only escapes" clean "$T/show.out"
check "gk-approve show names the request" grep -q "^request: *$R1\$" "$T/show.out"
fp1=$(awk '/fingerprint/ {print $NF; exit}' "$T/show.out")
fp2=$(as 20002 "$T/bin/gk-approve" -s "$SOCK" show "$R2" | awk '/fingerprint/ {print $NF; exit}')
check "the requester was shown the same fingerprint" grep -q -- "$fp1" "$T/r1.err"
check "the look-alike has another fingerprint ($fp1 / $fp2)" \
    test -n "$fp1" -a -n "$fp2" -a "$fp1" != "$fp2"

OTP=$(otp alice)
check "alice approves the request she saw" decide alice 20002 approve "$R1" "$OTP"
check "the requester finished" wait_for test -s "$T/r1.rc"
check "it ran: exit 0" test "$(cat "$T/r1.rc")" = 0
exact() {
	set -- 'a\033[31mb' 'c\rd' 'e\bf' 'g\342\200\256h' 'i\342\201\246j' \
	    'k\342\200\213l' 'm\377n' 'o\342\200\252p' 'q\342\201\251r'
	for n; do
		[ -e "$D/$(printf "$n")" ] || { diag "missing $n"; return 1; }
	done
}
check "exactly the approved bytes were used" exact
check "the look-alike did not run" test ! -e "$D/kl"
check "the look-alike is still pending" listed "/kl'"

"$T/bin/gk-audit" -s "$SOCK" >"$T/audit.out" 2>&1
"$T/bin/gk-audit" -s "$SOCK" --json >"$T/audit-json.out" 2>&1
"$T/bin/gk-audit" -s "$SOCK" show "$R1" >"$T/audit-show.out" 2>&1
check "gk-audit shows only escapes" clean "$T/audit.out"
check "gk-audit show shows only escapes" clean "$T/audit-show.out"
json_clean() {
	for b in '\033' '\r' '\b' '\342\200\256' '\342\201\246' \
	    '\342\200\213' '\377'; do
		if LC_ALL=C grep -q "$(printf "$b")" "$1"; then
			diag "json holds the raw bytes $b"
			return 1
		fi
	done
}
check "gk-audit --json holds none of the raw bytes" json_clean "$T/audit-json.out"
check "the signature over the exact bytes verifies" \
    "$T/bin/gk-audit" -s "$SOCK" verify
check "no secret in logs or audit output" secrets_scan
echo "1..$tap_n"
