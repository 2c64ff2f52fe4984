#!/bin/sh
# gk-audit for people: an aligned table (wide characters and escapes
# included, long commands wrapped within their column), relative and ISO
# times in --since/--until, and `gk-audit show ID`: the request and the
# timeline of its records, the same through the daemon and with --db.
. "$GK_SRC/tests/e2e/lib.sh"
world_init
cat >"$T/pol/10-test.policy" <<'EOF'
approvers storage = alice bob
approve 2 by storage name disk-format cmd mkfs.ext4
EOF
chmod 0644 "$T/pol/10-test.policy"
check "daemon starts" daemon_start
check "enroll alice" approver_new alice 20002
check "enroll bob" approver_new bob 20003
AUDIT=$T/bin/gk-audit

# A long command with two-column characters and an escape character.
D="$T/数据盘-archive-volume-2026"
mkdir -p "$D"
chmod 0755 "$D"
IMG=$D/磁盘-disk-image-number-one.img
truncate -s 8M "$IMG"
ESC=$(printf '\033')
(cd "$T" && as 20001 "$T/bin/gk-shell" -s "$SOCK" -c \
    "mkfs.ext4 -q -F -L 'a${ESC}b' $IMG" >/dev/null 2>&1; echo $? >"$T/r1.rc") &
check "request appears" wait_for listed disk-image
R=$(request_id disk-image)
FP=$(as 20002 "$T/bin/gk-approve" -s "$SOCK" show "$R" | grep fingerprint |
    grep -o '[0-9a-f]\{4\}-[0-9a-f]\{4\}-[0-9a-f]\{4\}-[0-9a-f]\{4\}')
check "alice approves" quiet decide alice 20002 approve "$R"
check "bob approves" quiet decide bob 20003 approve "$R"
check "the command ran" wait_for test -s "$T/r1.rc"
CMD="'mkfs.ext4' '-q' '-F' '-L' 'a\\eb' '$IMG'"

# The table -----------------------------------------------------------------
# width TEXT: display columns (the CJK characters used here take two).
width() {
	n=$(printf '%s' "$1" | LC_ALL=C.UTF-8 wc -m)
	k=$(printf '%s' "$1" | LC_ALL=C.UTF-8 grep -o '[数据盘磁]' | wc -l)
	echo $((n + k))
}
"$AUDIT" -s "$SOCK" >"$T/table" 2>"$T/err"
check "table: exit 0" test $? = 0
check "table: the header" grep -Eq \
    "^SEQ +TIME +EVENT +USER +REQ +COMMAND +DETAIL$" "$T/table"
check "table: no raw control character" sh -c \
    '! LC_ALL=C tr -d "\n" <"$1" | LC_ALL=C grep -q "[[:cntrl:]]"' - "$T/table"
check "table: the escape character is shown as backslash-e" grep -q "'a\\\\eb'" "$T/table"
ccol=$(width "$(head -n 1 "$T/table" | sed 's/COMMAND.*//')")
dcol=$(width "$(head -n 1 "$T/table" | sed 's/DETAIL.*//')")
# Every record line: DETAIL starts at the header's DETAIL column.
aligned=1 rows=0
while IFS= read -r line; do
	rows=$((rows + 1))
	w=$(width "$(printf '%s' "$line" | sed 's/[a-z_]*=.*//')")
	[ "$w" = "$dcol" ] || { aligned=0; diag "DETAIL at $w, not $dcol: $line"; }
done <<EOF
$(grep -E '^ *[0-9]+  ' "$T/table")
EOF
check "table: DETAIL aligned on all $rows record lines (wide characters counted)" \
    test "$aligned" = 1 -a "$rows" -ge 8
# Continuation lines of a wrapped command: in the COMMAND column, 60 wide.
# cont: the lines that are neither the header nor a record's first line.
cont() { sed 1d "$T/table" | grep -Ev '^ *[0-9]+  '; }
check "table: the long command wraps onto continuation lines" \
    test "$(cont | wc -l)" -ge 10
aligned=1
while IFS= read -r line; do
	lead=$(printf '%s' "$line" | sed "s/[^ ].*//")
	[ "${#lead}" = "$ccol" ] || aligned=0
	[ "$(width "$line")" -le $((ccol + 60)) ] || aligned=0
done <<EOF
$(cont)
EOF
check "table: continuation lines start in the COMMAND column, at most 60 wide" \
    test "$aligned" = 1
whole=$(awk '$4 == "request" && !f { f = 1; print; next }
	f && !/^ *[0-9]+  / { print; next }
	f { exit }' "$T/table" |
    sed -E "s/^ *[0-9]+ +[0-9-]+ [0-9:]+ +request +20001 +$R +//; s/ +rule=.*//; s/^ *//" |
    tr -d '\n ')
check "table: the wrapped pieces make the whole command" \
    test "$whole" = "$(printf '%s' "$CMD" | tr -d ' ')"

# Relative and ISO times -----------------------------------------------------
seqs() { "$AUDIT" "$@" --json | sed 's/^{"seq":\([0-9]*\),.*/\1/' | tr '\n' ' '; }
N=$(seqs -s "$SOCK" | wc -w)
check "through the daemon: --since 1h shows every record ($N)" \
    test "$(seqs -s "$SOCK" --since 1h | wc -w)" = "$N" -a "$N" -ge 8
check "through the daemon: --until 1h shows none" \
    test -z "$(seqs -s "$SOCK" --until 1h)"
daemon_stop
cp "$T/state/gatekeeper.db" "$T/ages.db"
now=$(date +%s)
sqlite3 "$T/ages.db" "UPDATE audit SET time = $now - 3 * 3600 WHERE seq <= 3;
    UPDATE audit SET time = $now - 20 * 60 WHERE seq IN (4, 5);
    UPDATE audit SET time = $now WHERE seq > 5"
all=$(seqs --db "$T/ages.db")
late=$(seqs --db "$T/ages.db" | cut -d' ' -f6-)
check "--since 2h: the last two hours" \
    test "$(seqs --db "$T/ages.db" --since 2h)" = "4 5 $late"
check "--since 7200s is --since 2h" \
    test "$(seqs --db "$T/ages.db" --since 7200s)" = "4 5 $late"
check "--since 10m: the last ten minutes" \
    test "$(seqs --db "$T/ages.db" --since 10m)" = "$late"
check "--until 10m: older than ten minutes" \
    test "$(seqs --db "$T/ages.db" --until 10m)" = "1 2 3 4 5 "
check "--since 2h --until 10m: between" \
    test "$(seqs --db "$T/ages.db" --since 2h --until 10m)" = "4 5 "
check "--since 1d: everything" test "$(seqs --db "$T/ages.db" --since 1d)" = "$all"
check "--since 1w: everything" test "$(seqs --db "$T/ages.db" --since 1w)" = "$all"
iso=$(date -d "@$((now - 2 * 3600))" '+%Y-%m-%dT%H:%M')
check "--since $iso (ISO, local time)" \
    test "$(seqs --db "$T/ages.db" --since "$iso")" = "4 5 $late"
check "--until $iso" test "$(seqs --db "$T/ages.db" --until "$iso")" = "1 2 3 "
day=$(date -d "@$now" '+%Y-%m-%d')
check "--until $day (a date alone: the end of that day) includes today" \
    test "$(seqs --db "$T/ages.db" --until "$day")" = "$all"
refused "a bad age is refused" "not a time" "$AUDIT" --db "$T/ages.db" --since 5y

# show ID --------------------------------------------------------------------
check "daemon restarts" daemon_start
"$AUDIT" -s "$SOCK" --request "$R" --json >"$T/show.json.full"
"$AUDIT" -s "$SOCK" show "$R" >"$T/show" 2>"$T/err"
check "show: exit 0" test $? = 0
check "show: the request's state and exit status" \
    grep -qx "request $R: done, exit status 0" "$T/show"
check "show: the command, escaped" grep -qxF "  command      $CMD" "$T/show"
check "show: the requester" grep -qx "  requester    20001 (uid 20001)" "$T/show"
check "show: the rule" grep -qx "  rule         disk-format" "$T/show"
check "show: the approvers" grep -qx "  approvals    2 of set storage (alice bob)" \
    "$T/show"
check "show: the fingerprint approvers saw ($FP)" \
    grep -qx "  fingerprint  $FP" "$T/show"
timeline() { sed -n '/^TIME  *AFTER  *EVENT  *BY  *DETAIL$/,$p' "$1" | sed 1d; }
check "show: the timeline's events in order" test \
    "$(timeline "$T/show" | awk '{print $4}' | tr '\n' ' ')" = \
    "request approve approve exec-start exec-end "
check "show: who did each" test \
    "$(timeline "$T/show" | awk '{print $5}' | tr '\n' ' ')" = \
    "20001 alice bob root root "
timeline "$T/show" >"$T/tl"
check "show: times and how long after the request" test "$(grep -Ec \
    "^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:]{8} +\+[0-9]+s  " "$T/tl")" = 5
check "show: the approvals' progress" sh -c \
    'grep " alice " "$1" | grep -q "approvals=1 need=2 state=pending" &&
     grep " bob " "$1" | grep -q "approvals=2 need=2 state=approved"' - "$T/tl"
check "show: no signature, digest or terms hash in the timeline" \
    not grep -q "sig=\|digest=\|terms=" "$T/tl"
check "... which the full record still has" grep -q "sig=" "$T/show.json.full"
"$AUDIT" show "$R" --db "$T/state/gatekeeper.db" >"$T/show.db" 2>"$T/err"
check "show --db: exit 0" test $? = 0
check "show --db prints exactly what the daemon's show does" \
    cmp -s "$T/show" "$T/show.db"
"$AUDIT" -s "$SOCK" show "$R" --json >"$T/show.json"
check "show --json: the request first" sh -c \
    'head -n 1 "$1" | grep -q "^{\"id\":$2,\"state\":\"done\",.*\"fingerprint\":\"$3\""' \
    - "$T/show.json" "$R" "$FP"
check "show --json: then its records in order" test \
    "$(sed 1d "$T/show.json" | sed 's/.*"event":"\([^"]*\)".*/\1/' | tr '\n' ' ')" = \
    "request approve approve exec-start exec-end "
as 20001 "$AUDIT" -s "$SOCK" show "$R" >"$T/show.req" 2>"$T/err"
check "show as the requester: exit 0" test $? = 0
check "show as the requester: their request and its record" sh -c \
    'grep -q "^request $2: done" "$1" && grep -q " request  *20001 " "$1"' \
    - "$T/show.req" "$R"
refused "show as someone else: as if it did not exist" "does not exist" \
    as 20009 "$AUDIT" -s "$SOCK" show "$R"
refused "show of a request that does not exist" "does not exist" \
    "$AUDIT" -s "$SOCK" show 999
refused "show --db of a request that does not exist" "does not exist" \
    "$AUDIT" show 999 --db "$T/state/gatekeeper.db"
"$AUDIT" -s "$SOCK" show >/dev/null 2>&1
check "show without an id: exit 2" test $? = 2
"$AUDIT" -s "$T/nothing.sock" show "$R" >/dev/null 2>&1
check "show without a daemon: exit 69" test $? = 69
echo "1..$tap_n"
