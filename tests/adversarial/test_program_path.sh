#!/bin/sh
# The program of a command gatekeeperd runs must be a file nobody but root
# can change or swap, named canonically: a path through procfs
# (/proc/self/root, /dev/fd), a relative path, one with "." or "..", a
# symlink or directory of the user's, a file of the user's are refused
# before anything is asked or run; the same program by its canonical path
# or bare name runs. (The file sudo or su executes: test_sudo_plugin.sh,
# test_pam_module.sh.)
. "$GK_SRC/tests/adversarial/lib_adv.sh"
adv_init
mkdir -p "$T/tools" "$T/home/u/bin"
cp /usr/bin/id "$T/tools/myid"
chmod 0755 "$T/tools" "$T/tools/myid"
policy "allow name id cmd id $T/tools/myid $T/home/u/bin/myid"
check "daemon starts" daemon_start

# runs_as_root NAME LINE [CWD]: gk-shell as 20001 runs LINE, which prints 0.
runs_as_root() {
	out=$(cd "${3:-$T}" && as 20001 "$T/bin/gk-shell" -s "$SOCK" -c "$2" 2>&1)
	check "$1" test "$out" = 0
}
# never NAME PATTERN LINE [CWD]: refused (77) with PATTERN, nothing run.
never() {
	name=$1 pat=$2 line=$3
	out=$(cd "${4:-$T}" && as 20001 "$T/bin/gk-shell" -s "$SOCK" -c "$line" 2>&1)
	rc=$?
	if [ "$rc" != 77 ]; then
		notok "$name: exit $rc: $out"
	elif ! echo "$out" | grep -q -- "$pat"; then
		notok "$name: refused for another reason: $out"
	else
		ok "$name"
	fi
}

runs_as_root "bare name: id -u runs" "id -u"
runs_as_root "canonical path: /usr/bin/id -u runs" "/usr/bin/id -u"
runs_as_root "a root-owned program: $T/tools/myid -u runs" "$T/tools/myid -u"
never "/proc/self/root/usr/bin/id" "procfs" "/proc/self/root/usr/bin/id -u"
never "/proc/1/root/usr/bin/id" "denied" "/proc/1/root/usr/bin/id -u"
never "/dev/fd/../../usr/bin/id (dot-dot)" "denied" \
    "/dev/fd/../../usr/bin/id -u"
never "/usr/bin/./id" "not a canonical path" "/usr/bin/./id -u"
never "/usr//bin/id" "not a canonical path" "/usr//bin/id -u"
never "relative: tools/myid" "not an absolute path" "tools/myid -u"
# the user's symlink that leads to /usr/bin (and could be flipped)
ln -s /usr/bin "$T/home/u/link"
chown -h 20001:20001 "$T/home/u/link"
chown 20001:20001 "$T/home/u"
never "the user's symlink to /usr/bin" "owned by uid 20001" \
    "$T/home/u/link/id -u"
# a copy of the allowed program in a directory of the user's
cp "$T/tools/myid" "$T/home/u/bin/myid"
chown -R 20001:20001 "$T/home/u/bin"
never "an allowed path in a directory of the user's" "owned by uid 20001" \
    "$T/home/u/bin/myid -u"
check "audit: the refusals are deny records" sh -c \
    "'$T/bin/gk-audit' --db '$T/state/gatekeeper.db' --event deny | grep -q procfs"

secrets_scan
echo "1..$tap_n"
