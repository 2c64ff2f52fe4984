#!/bin/sh
# Time of check to time of use: between approval and execution (during a
# rule's delay) the executable replaced, the cwd or a path argument's
# directory swapped for a symlink: refused (77), audited, nothing run.
# Environment and identity: LD_PRELOAD, LD_LIBRARY_PATH, BASH_ENV, ENV,
# IFS, PATH and exported bash functions never reach the command; uid/gid
# fields of -1 or 4294967295 change no identity.
. "$GK_SRC/tests/adversarial/lib_adv.sh"
adv_init
mkdir -p "$T/tools" "$T/wd/sub" "$T/d/sub" "$T/other"
chmod 0755 "$T/wd" "$T/wd/sub" "$T/d" "$T/d/sub" "$T/other"
cat >"$T/tools/mark" <<EOF2
#!/bin/sh
echo ran >>"$T/marker"
EOF2
cat >"$T/tools/envdump" <<'EOF2'
#!/bin/bash
echo "uid=$(id -u) gid=$(id -g) requester=$GK_REQUESTER"
f 2>/dev/null && echo "function f ran"
id 2>/dev/null | grep -q pwned && echo "function id ran"
env
EOF2
chmod 0755 "$T/tools"/*
policy "approvers ops = alice
approve 1 by ops name mark delay 2s cmd $T/tools/mark
approve 1 by ops name touch delay 2s cmd touch path $T/d/**
approve 1 by ops name pwd delay 2s cmd /usr/bin/pwd
allow name env cmd $T/tools/envdump
allow name id cmd /usr/bin/id"
check "daemon starts" daemon_start
check "enroll alice" approver_new alice 20002

# swapped NAME CMDLINE CWD PATTERN SWAP...: request CMDLINE from CWD,
# approve it, run SWAP during the delay: the requester exits 77, is told
# what changed, and the refusal is audited.
swapped() {
	name=$1 line=$2 cwd=$3 pat=$4
	shift 4
	rm -f "$T/sw.rc"
	(cd "$cwd" && as 20001 "$T/bin/gk-shell" -s "$SOCK" -c "$line" \
	    >"$T/sw.out" 2>"$T/sw.err"; echo $? >"$T/sw.rc") >/dev/null 2>&1 &
	wait_for listed "$pat" || { notok "$name: no request"; return; }
	id=$(request_id "$pat")
	decide alice 20002 approve "$id" "$(otp alice)" >/dev/null 2>&1 ||
	    { notok "$name: approval failed"; return; }
	"$@"
	if wait_for test -s "$T/sw.rc" && [ "$(cat "$T/sw.rc")" = 77 ] &&
	    grep -q "refused: .*\(changed since approval\|leads elsewhere\)" \
	    "$T/sw.err" &&
	    [ "$(sqlite3 "$T/state/gatekeeper.db" \
	    "SELECT state FROM requests WHERE id = $id")" = refused ] &&
	    "$T/bin/gk-audit" -s "$SOCK" --event exec-refused --request "$id" |
	    grep -q exec-refused; then
		ok "$name: refused, 77, told why, audited"
	else
		notok "$name: rc=$(cat "$T/sw.rc" 2>/dev/null) $(cat "$T/sw.err" | tr "\n" "|")"
	fi
}
replace_exe() {
	printf '#!/bin/sh\necho evil >>"%s/marker"\n' "$T" >"$T/tools/mark.new"
	chmod 0755 "$T/tools/mark.new"
	mv "$T/tools/mark.new" "$T/tools/mark"
}
swapped "the executable replaced after approval" "$T/tools/mark" "$T" \
    "tools/mark'" replace_exe
check "nothing ran" test ! -e "$T/marker"
swap_cwd() { mv "$T/wd/sub" "$T/wd/sub.old" && ln -s "$T/other" "$T/wd/sub"; }
swapped "the cwd swapped for a symlink after approval" "/usr/bin/pwd" \
    "$T/wd/sub" "usr/bin/pwd'" swap_cwd
check "nothing ran in the symlink's target" not grep -q other "$T/sw.out"
swap_dir() { mv "$T/d/sub" "$T/d/sub.old" && ln -s "$T/other" "$T/d/sub"; }
swapped "a path argument's directory swapped for a symlink after approval" \
    "touch $T/d/sub/file" "$T" "d/sub/file'" swap_dir
check "nothing was touched through the link" test ! -e "$T/other/file"

# Environment.
as 20001 env LD_PRELOAD=/tmp/evil.so LD_LIBRARY_PATH=/tmp/evil \
    BASH_ENV=/tmp/evil.sh ENV=/tmp/evil.sh IFS=/ PATH=/tmp/evil:/usr/bin \
    'f=() { echo pwned; }' 'BASH_FUNC_f%%=() { echo pwned; }' \
    'BASH_FUNC_id%%=() { echo pwned; }' SHELLOPTS=xtrace PS4='$(id)' \
    "$T/bin/gk-shell" -s "$SOCK" -c "$T/tools/envdump" >"$T/env.out" 2>&1
check "the command ran as root for requester 20001" \
    grep -qx "uid=0 gid=0 requester=20001" "$T/env.out"
for v in LD_PRELOAD LD_LIBRARY_PATH BASH_ENV ENV IFS 'f' BASH_FUNC SHELLOPTS PS4; do
	check "$v does not reach the command" not grep -q "^$v" "$T/env.out"
done
check "no exported function ran" not grep -q "function .* ran\|pwned" "$T/env.out"
check "PATH is the secure PATH" grep -qx \
    'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' "$T/env.out"

# Identity fields in messages: never taken from a non-root peer; a root
# peer may name only a user that exists.
rm -f "$T"/m.*
msgframe "$T/m.uid" 1 arg "$T/tools/envdump" cwd / uid 4294967295 gid -1 \
    user_id 0
out=$(as 20001 "$T/bin/gkstress" raw "$SOCK" "$T/m.uid" 2 2>&1)
check "uid/gid fields from uid 20001 are ignored: it runs as asked by 20001" \
    test "$(sqlite3 "$T/state/gatekeeper.db" \
    "SELECT uid || ' ' || user FROM requests ORDER BY id DESC LIMIT 1")" = "20001 20001"
for u in root 4294967295 -1 0; do
	: >"$T/m.named"
	msgframe "$T/m.named" 1 arg /usr/bin/id cwd / user "$u"
	out=$(as 20001 "$T/bin/gkstress" raw "$SOCK" "$T/m.named" 2 2>&1)
	check "uid 20001 naming user $u is denied" sh -c \
	    "echo '$out' | grep -q 'code=denied'"
done
for u in 4294967295 -1; do
	: >"$T/m.named"
	msgframe "$T/m.named" 1 arg /usr/bin/id cwd / user "$u"
	out=$("$T/bin/gkstress" raw "$SOCK" "$T/m.named" 2 2>&1)
	check "root naming user $u (no such user) is refused" sh -c \
	    "echo '$out' | grep -q 'code=bad'"
done
check "still serving" served
check "the audit log verifies" "$T/bin/gk-audit" -s "$SOCK" verify
check "no secret in logs or audit output" secrets_scan
echo "1..$tap_n"
