# Shared by tests/adversarial/*.sh, on top of tests/e2e/lib.sh: the
# stress client, the daemon's fd count and memory, raw frames, and the
# secrets scan every adversarial test ends with.
. "$GK_SRC/tests/e2e/lib.sh"

adv_init() {
	world_init
	cp "$GK_BUILD/tests/gkstress" "$T/bin/"
	: >"$T/otps"	# every OTP a test typed, spent or refused
}

# policy TEXT: the test's policy file.
policy() {
	printf '%s\n' "$1" >"$T/pol/10-test.policy"
	chmod 0644 "$T/pol/10-test.policy"
}

fds() { ls "/proc/$DPID/fd" | wc -l; }
rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$DPID/status"; }
alive() { kill -0 "$DPID" 2>/dev/null; }

# frame FILE TYPE [PAYLOAD-PRINTF]: one frame (version 1) with that
# payload, written with printf escapes; the length is computed.
frame() {
	printf "${3:-}" >"$T/payload.tmp"
	n=$(wc -c <"$T/payload.tmp")
	printf "\\001\\$(printf %03o "$2")\\000\\000\\$(printf %03o $((n >> 24 & 255)))\\$(printf %03o $((n >> 16 & 255)))\\$(printf %03o $((n >> 8 & 255)))\\$(printf %03o $((n & 255)))" >>"$1"
	cat "$T/payload.tmp" >>"$1"
}

# otp NAME: the next OTP of NAME's soft YubiKey, remembered for the scan.
otp() {
	o=$("$T/bin/softkey" otp "$T/tok.$1") || return 1
	echo "$o" >>"$T/otps"
	echo "$o"
}

# served: an ordinary client still gets its command run by the daemon
# (the policy allows /usr/bin/id).
served() {
	[ "$(as 20001 "$T/bin/gk-shell" -s "$SOCK" -c "/usr/bin/id -u" \
	    2>/dev/null)" = 0 ]
}

# secrets_scan: no OTP (spent or refused), AES key or private id of any
# soft YubiKey, nor any approver's secret key seed, in the daemon's log,
# gk-audit's output (text and JSON) or the test's captured outputs. An
# approval's spent OTP lives in the approvals table by design (its
# signature covers it) and nowhere else; the approvers table (root, 0600)
# holds each token's AES key and private id, which the daemon needs.
secrets_scan() {
	"$T/bin/gk-audit" -s "$SOCK" >"$T/scan.audit" 2>&1
	"$T/bin/gk-audit" -s "$SOCK" --json >>"$T/scan.audit" 2>&1
	"$T/bin/gk-audit" --db "$T/state/gatekeeper.db" --json \
	    >>"$T/scan.audit" 2>&1
	sqlite3 "$T/state/gatekeeper.db" .dump 2>/dev/null |
	    grep -v '^INSERT INTO approvals\|^INSERT INTO approvers' >"$T/scan.db"
	: >"$T/scan.secrets"
	for f in "$T"/tok.*; do
		[ -f "$f" ] || continue
		"$T/bin/softkey" show "$f" | cut -d' ' -f1 | tr ':' '\n' |
		    sed -n '2,3p' >>"$T/scan.secrets"
	done
	for k in "$T"/home/*/key; do
		[ -f "$k" ] || continue
		sed -n 's/^seed //p' "$k" >>"$T/scan.secrets"
	done
	grep -v '^$' "$T/otps" >>"$T/scan.secrets"
	n=0 leaks=0
	while read -r s; do
		[ ${#s} -ge 12 ] || continue
		n=$((n + 1))
		for f in "$T/daemon.log" "$T/scan.audit" "$T/scan.db" \
		    "$T"/*.out "$T"/*.err; do
			[ -f "$f" ] || continue
			if grep -qiF -- "$s" "$f"; then
				diag "secret found in $(basename "$f")"
				leaks=$((leaks + 1))
			fi
		done
	done <"$T/scan.secrets"
	diag "secrets_scan: $n secrets looked for"
	[ "$n" -gt 0 ] && [ $leaks = 0 ]
}

# u32 N: N as 4 big-endian bytes.
u32() {
	printf "\\$(printf %03o $(($1 >> 24 & 255)))\\$(printf %03o $(($1 >> 16 & 255)))\\$(printf %03o $(($1 >> 8 & 255)))\\$(printf %03o $(($1 & 255)))"
}
# msgframe FILE TYPE [KEY VALUE]...: appends one framed message to FILE.
msgframe() {
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
