#!/bin/sh
# Path arguments the checks must follow (issue 14): an argument or cwd
# through procfs (/proc/self/cwd, /dev/fd, /dev/stdin) is refused before a
# request exists; an existing path in a directory the requester can
# change is refused up front unless the rule says racy-paths; a file
# renamed over an approved path, and a directory given glued to a short
# option (-dDIR) swapped, between approval and exec: refused (77), audited.
. "$GK_SRC/tests/adversarial/lib_adv.sh"
adv_init
mkdir -p "$T/u" "$T/img/src" "$T/img/other"
chown 20001:20001 "$T/u"
chmod 0755 "$T/img" "$T/img/src" "$T/img/other"
echo inside >"$T/img/src/f"
for f in u/disk.img u/disk2.img img/disk.img img/disk3.img img/disk4.img; do
	truncate -s 8M "$T/$f"
done
chown 20001 "$T/u/disk.img" "$T/u/disk2.img"
policy "approvers ops = alice
approve 1 by ops name format delay 2s cmd mkfs.ext4
approve 1 by ops name format-racy racy-paths cmd mke2fs
allow name id cmd /usr/bin/id"
check "daemon starts" daemon_start
check "enroll alice" approver_new alice 20002

# refused_now NAME PATTERN CWD LINE: LINE from CWD as uid 20001 is refused
# at once (77, PATTERN on stderr), and no request is made.
refused_now() {
	name=$1 pat=$2 cwd=$3 line=$4
	rm -f "$T/rn.rc"
	n0=$(sqlite3 "$T/state/gatekeeper.db" "SELECT count(*) FROM requests")
	(cd "$cwd" && as 20001 "$T/bin/gk-shell" -s "$SOCK" -c "$line" \
	    >/dev/null 2>"$T/rn.err"; echo $? >"$T/rn.rc") &
	if wait_for test -s "$T/rn.rc" && [ "$(cat "$T/rn.rc")" = 77 ] &&
	    grep -q -- "$pat" "$T/rn.err" && [ "$(sqlite3 \
	    "$T/state/gatekeeper.db" "SELECT count(*) FROM requests")" = "$n0" ]; then
		ok "$name"
	else
		notok "$name: rc=$(cat "$T/rn.rc" 2>/dev/null) $(tr '\n' '|' <"$T/rn.err")"
	fi
}

# A path through the requester's own symlink: it leads into root's
# directory now, but the user could point it elsewhere between the checks
# and the command's open() (a review flipped ~/l between two backup dirs
# and deleted the one the approvers never saw): refused up front.
ln -s "$T/img" "$T/u/l"
chown -h 20001:20001 "$T/u/l"
refused_now "mkfs through the user's symlink to root's dir is refused" \
    "goes through what others can change" "$T/u" \
    "mkfs.ext4 -q -F $T/u/l/disk3.img"
refused_now "an allowed command through the user's symlink is refused too" \
    "goes through what others can change" "$T" "/usr/bin/id $T/u/l/src/f"
refused_now "a relative path from the user's directory through the link" \
    "goes through what others can change" "$T/u" "/usr/bin/id l/src/f"
out=$(cd "$T" && as 20001 "$T/bin/gk-shell" -s "$SOCK" -c "/usr/bin/id -u $T/img/src/f" 2>&1)
check "the same file by root's own path is allowed" test "$out" != "" -a \
    "$(echo "$out" | grep -c "goes through")" = 0

# procfs: the daemon would read these links in its own context (the
# issue's /proc/self/cwd/disk.img was shown to approvers as /disk.img).
refused_now "mkfs of /proc/self/cwd/disk.img is refused" "through /proc" \
    "$T/u" "mkfs.ext4 -q -F /proc/self/cwd/disk.img"
refused_now "mkfs of /dev/stdin is refused" "through /proc" \
    "$T/u" "mkfs.ext4 -q -F /dev/stdin"
refused_now "mkfs of /dev/fd/0 is refused" "through /proc" \
    "$T/u" "mkfs.ext4 -q -F /dev/fd/0"
refused_now "a procfs path glued to -d is refused" "through /proc" \
    "$T/u" "mkfs.ext4 -q -F -d/proc/self/cwd $T/img/disk4.img"
refused_now "a cwd in /proc is refused" "working directory goes through /proc" \
    /proc/self "mkfs.ext4 -q -F $T/img/disk4.img"
check "the refusals are audited as deny" sh -c \
    "'$T/bin/gk-audit' -s '$SOCK' --event deny | grep -q 'through /proc'"
check "nothing was formatted" not formatted "$T/u/disk.img"

# A directory the requester owns: they could swap the file for a link
# between the daemon's last check and mkfs's open().
refused_now "mkfs of a file in the requester's own directory is refused" \
    "argument 3 ($T/u/disk.img) is in a directory other users can change ($T/u): copy it somewhere root-owned" \
    "$T" "mkfs.ext4 -q -F $T/u/disk.img"
refused_now "also given relative to a cwd there" "other users can change" \
    "$T/u" "mkfs.ext4 -q -F disk.img"
rm -f "$T/rr.rc"
(cd "$T" && as 20001 "$T/bin/gk-shell" -s "$SOCK" -c \
    "mke2fs -q -F $T/u/disk2.img" >/dev/null 2>&1; echo $? >"$T/rr.rc") &
check "a racy-paths rule accepts it as a request" wait_for listed "u/disk2.img"
RR=$(request_id "u/disk2.img")
check "alice approves it" decide alice 20002 approve "$RR" "$(otp alice)"
check "and it runs" sh -c 'wait_for() { i=0; while ! "$@"; do i=$((i+1)); [ $i -gt 100 ] && return 1; sleep 0.05; done; }; wait_for grep -qx 0 "$1"' - "$T/rr.rc"
check "the racy-paths image is formatted" formatted "$T/u/disk2.img"

# swapped NAME LINE PATTERN SWAP...: LINE (from $T) approved; SWAP during
# the delay; then 77, told why, state refused, exec-refused audited.
swapped() {
	name=$1 line=$2 pat=$3
	shift 3
	rm -f "$T/sw.rc"
	(cd "$T" && as 20001 "$T/bin/gk-shell" -s "$SOCK" -c "$line" \
	    >/dev/null 2>"$T/sw.err"; echo $? >"$T/sw.rc") &
	wait_for listed "$pat" || { notok "$name: no request"; return; }
	id=$(request_id "$pat")
	decide alice 20002 approve "$id" "$(otp alice)" >/dev/null 2>&1 ||
	    { notok "$name: approval failed"; return; }
	"$@"
	if wait_for test -s "$T/sw.rc" && [ "$(cat "$T/sw.rc")" = 77 ] &&
	    grep -q "refused: .*\(changed since approval\|leads elsewhere\|not recorded\)" \
	    "$T/sw.err" &&
	    [ "$(sqlite3 "$T/state/gatekeeper.db" \
	    "SELECT state FROM requests WHERE id = $id")" = refused ] &&
	    "$T/bin/gk-audit" -s "$SOCK" --event exec-refused --request "$id" |
	    grep -q exec-refused; then
		ok "$name: refused, 77, told why, audited"
	else
		notok "$name: rc=$(cat "$T/sw.rc" 2>/dev/null) $(tr '\n' '|' <"$T/sw.err")"
	fi
}
rename_over() { cp "$T/img/disk.img" "$T/img/new.img" &&
    mv "$T/img/new.img" "$T/img/disk.img"; }
swapped "another file renamed over the approved image" \
    "mkfs.ext4 -q -F $T/img/disk.img" "img/disk.img'" rename_over
check "the file now there was not formatted" not formatted "$T/img/disk.img"
swap_src() { mv "$T/img/src" "$T/img/src.old" &&
    ln -s "$T/img/other" "$T/img/src"; }
swapped "the directory glued to -d swapped for a symlink" \
    "mkfs.ext4 -q -F -d$T/img/src $T/img/disk3.img" "img/disk3.img'" swap_src
check "that image was not formatted" not formatted "$T/img/disk3.img"

# A request row without recorded identities (made by an older daemon)
# is never run: there is nothing to compare the files with.
no_ids() { sqlite3 "$T/state/gatekeeper.db" \
    "UPDATE requests SET path_ids = NULL WHERE id = $id"; }
swapped "a request without recorded path identities" \
    "mkfs.ext4 -q -F $T/img/disk4.img" "img/disk4.img'" no_ids
check "its image was not formatted" not formatted "$T/img/disk4.img"

check "still serving" served
check "the audit log verifies" "$T/bin/gk-audit" -s "$SOCK" verify
check "no secret in logs or audit output" secrets_scan
echo "1..$tap_n"
