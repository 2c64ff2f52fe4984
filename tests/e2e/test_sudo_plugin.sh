#!/bin/sh
# sudo's approval plugin (gatekeeper_approval.so) with the real sudo, in a
# private mount namespace: for each form of sudo's grammar, the program
# that really ran (a probe that logs the file the kernel ran, its ids, cwd
# and argv) is what the audit log says was decided; forms that cannot be
# decided exactly are refused and run nothing; the attacks of issue 14
# (a procfs path, a symlink in the cwd, sudo's own PATH without
# secure_path, the environment) run nothing.
. "$GK_SRC/tests/e2e/lib.sh"
in_private_mounts
world_init
check "test users bound over /etc" pam_users
# tgt (20004): a target whose login shell is the probe (for sudo -i).
P=$T/sbin/gkprobe
mkdir -p "$T/sbin"
if [ -f "$GK_BUILD/tests/runprobe_plain" ]; then	# an ASan build
	cp "$GK_BUILD/tests/runprobe_plain" "$P"
else
	cp "$GK_BUILD/tests/runprobe" "$P"
fi
chmod 0755 "$T/sbin" "$P"
echo "tgt:x:20004:20004::$T/home/tgt:$P" >>"$T/passwd"
echo "tgt:x:20004:" >>"$T/group"
echo "tgt:!:19000:0:99999:7:::" >>"$T/shadow"
mkdir -p "$T/home/tgt"
: >"$T/ran.log"
chmod 0666 "$T/ran.log"

cat >"$T/pol/10-test.policy" <<EOF
approvers ops = alice bob
approve 2 by ops name probe-approve cmd $P args approve **
allow name probe-reason reason-match "^OPS-[0-9]+" cmd $P args reason **
allow name probe cmd $P
allow name harmless cmd id true
deny name shells cmd sh bash dash zsh
EOF
chmod 0644 "$T/pol/10-test.policy"

write_sudoers() { # write_sudoers [secure_path line]
	{
		echo "Defaults env_reset"
		[ "${1:-}" = nosecure ] || echo 'Defaults secure_path="/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"'
		echo "Defaults !lecture"
		echo "Defaults runcwd=*"
		echo "root ALL=(ALL:ALL) ALL"
		echo "carl ALL=(ALL:ALL) NOPASSWD: ALL"
	} >"$T/sudoers"
	chmod 0440 "$T/sudoers"
}
write_sudoers
cat >"$T/pam.sudo" <<EOF
account required pam_permit.so
session required pam_permit.so
EOF
check "sudoers and pam.d/sudo bound over /etc" sh -c \
    "chown root:root '$T/sudoers' && mount --bind '$T/sudoers' /etc/sudoers &&
     chown root:root '$T/pam.sudo' && chmod 0644 '$T/pam.sudo' &&
     mount --bind '$T/pam.sudo' /etc/pam.d/sudo &&
     mount --bind '$T/pam.sudo' /etc/pam.d/sudo-i"
check "sudo.conf loads the approval plugin" bind_sudo_plugin "$SOCK" timeout=120
exports=$(nm -D --defined-only --without-symbol-versions "$T/lib/gatekeeper_approval.so" |
    awk '$2 != "A" {print $3}' | tr '\n' ' ')
check "the plugin exports only its structure ($exports)" \
    test "$exports" = "gatekeeper_approval "
check "daemon starts" daemon_start
check "enroll alice" approver_new alice 20002
check "enroll bob" approver_new bob 20003

carl_exec() { cd "${CWD:-$T}" && exec setpriv --reuid=20001 --regid=20001 \
    --clear-groups env -i PATH=/usr/bin:/bin HOME="$T/home/carl" \
    SHELL="${SHELL_FOR:-/bin/bash}" "$@"; }
carl() { (carl_exec "$@"); }
DB=$T/state/gatekeeper.db
last_seq() { sqlite3 "$DB" "SELECT COALESCE(MAX(seq), 0) FROM audit"; }

# decided_as NAME UID SUDO-ARGS...: sudo runs the probe once, as UID, and
# the one authorize record written meanwhile names the file it ran and
# its argv exactly.
decided_as() {
	name=$1 uid=$2; shift 2
	: >"$T/ran.log"
	before=$(last_seq)
	if ! carl "$@" >"$T/out" 2>"$T/err"; then
		notok "$name: sudo failed: $(cat "$T/err")"
		return
	fi
	ran=$(cat "$T/ran.log")
	rec=$(sqlite3 -separator ' @@ ' "$DB" "SELECT command, detail FROM audit \
	    WHERE seq > $before AND event = 'authorize'")
	cmd=${rec%% @@ *}
	argv=${ran#* argv=}
	exe=${ran#exe=}
	exe=${exe%% *}
	if [ "$(echo "$ran" | wc -l)" != 1 ] || [ -z "$ran" ]; then
		notok "$name: ran $(echo "$ran" | grep -c .) times"
	elif [ "$argv" != "$cmd" ]; then
		notok "$name: ran [$argv], decided [$cmd]"
	elif ! echo "$rec" | grep -q " exe=$exe\\( \\|\$\\)"; then
		notok "$name: ran $exe, decided on [$rec]"
	elif ! echo "$ran" | grep -q " uid=$uid euid=$uid "; then
		notok "$name: ran as [$ran], not uid $uid"
	else
		ok "$name"
	fi
}
# nothing_ran NAME PATTERN SUDO-ARGS...: refused with PATTERN, probe idle.
nothing_ran() {
	name=$1 pat=$2; shift 2
	: >"$T/ran.log"
	refused "$name" "$pat" carl "$@"
	check "$name: nothing ran" test ! -s "$T/ran.log"
}

decided_as "sudo P a b" 0 sudo -n "$P" a b
decided_as "sudo -- P -x" 0 sudo -n -- "$P" -x
decided_as "sudo -u alice P" 20002 sudo -n -u alice "$P" u
decided_as "sudo -nu alice P (attached cluster)" 20002 sudo -nu alice "$P"
decided_as "sudo --user=alice P" 20002 sudo -n --user=alice "$P"
decided_as "sudo --user alice P" 20002 sudo -n --user alice "$P"
decided_as "sudo --us=alice P (abbreviated)" 20002 sudo -n --us=alice "$P"
decided_as "sudo -u '#20002' P" 20002 sudo -n -u '#20002' "$P"
decided_as "sudo -D / P" 0 sudo -n -D / "$P" d
check "sudo -D /: the probe ran in /" grep -q " cwd=/ " "$T/ran.log"
decided_as "sudo --chdir=/tmp P" 0 sudo -n --chdir=/tmp "$P"
SHELL_FOR=$P
decided_as "sudo -s (SHELL is the probe)" 0 sudo -n -s
decided_as "sudo -s CMD ARGS" 0 sudo -n -s echo "a'b" c
decided_as "sudo --shell CMD" 0 sudo -n --shell true
SHELL_FOR=
decided_as "sudo -i -u tgt (tgt's login shell is the probe)" 20004 \
    sudo -n -i -u tgt
decided_as "sudo -i -u tgt CMD" 20004 sudo -n -i -u tgt echo hi
decided_as "sudo --login --user=tgt CMD" 20004 sudo -n --login --user=tgt true
# sudo -i: when the target's home is gone sudo stays in the caller's
# directory (cwd_optional): that is the directory decided.
mv "$T/home/tgt" "$T/home/tgt.away"
CWD=/tmp
decided_as "sudo -i -u tgt with tgt's home gone" 20004 sudo -n -i -u tgt
check "sudo -i, home gone: the probe ran in /tmp" grep -q " cwd=/tmp " "$T/ran.log"
check "sudo -i, home gone: /tmp is the cwd decided" sh -c "sqlite3 '$DB' \
    \"SELECT detail FROM audit WHERE event = 'authorize' ORDER BY seq DESC LIMIT 1\" |
    grep -q 'cwd=/tmp'"
CWD=
mv "$T/home/tgt.away" "$T/home/tgt"
# sudo -s with SHELL unset runs the caller's passwd shell (bash): denied.
nothing_ran "sudo -s with SHELL unset: carl's bash, denied" \
    "denied by rule shells" sh -c 'unset SHELL; exec sudo -n -s true'

# A reason comes from GK_REASON in the caller's environment (sudo's
# env_reset keeps it from the command, not from the plugin).
decided_as "GK_REASON=OPS-1 sudo P reason (a reason-match rule)" 0 \
    env GK_REASON=OPS-1 sudo -n "$P" reason
nothing_ran "sudo P reason without GK_REASON" "needs a reason" \
    sudo -n "$P" reason

# A YubiKey touched at sudo's command line: refused, not sent, not echoed.
POTP=vvccccfhcbnegrnbggbvfckubhitjvrgdhnjuhthvdet
nothing_ran "sudo P OTP-shaped word" "looks like a YubiKey one-time" \
    sudo -n "$P" "$POTP"
carl sudo -n "$P" "$POTP" >"$T/out" 2>"$T/err"
check "the OTP-shaped word is not echoed" sh -c \
    "grep -q 'one-time' '$T/err' && ! grep -q '$POTP' '$T/err' '$T/out'"
check "nor in the audit log" not sh -c "sqlite3 '$DB' 'SELECT * FROM audit' | grep -q hitjvrgdhnj"

# The caller's resource limits would reach the command (a file size
# limit cut a root-owned file short in a review).
nothing_ran "ulimit -f before sudo" "fsize limit (ulimit -f)" \
    sh -c "ulimit -f 4; exec sudo -n '$P'"
nothing_ran "ulimit -t before sudo" "cpu limit (ulimit -t)" \
    sh -c "ulimit -t 100; exec sudo -n '$P'"

# Forms that cannot be decided exactly.
nothing_ran "sudo VAR=value" "sudo VAR=value" sudo -n FOO=1 "$P"
nothing_ran "sudo LD_PRELOAD=x" "sudo VAR=value" sudo -n LD_PRELOAD=/x "$P"
nothing_ran "sudo VAR=value before an option" "hand the command FOO" \
    sudo FOO=1 -n -u root "$P"
nothing_ran "sudo VAR=value before --" "hand the command FOO" \
    sudo -n FOO=1 -- "$P"
nothing_ran "sudo PATH=/tmp" "hand the command PATH" sudo PATH=/tmp -n "$P"
nothing_ran "sudo BASH_ENV=..." "hand the command BASH_ENV" \
    sudo BASH_ENV="$T/home/carl/evil" -n "$P"
nothing_ran "sudo LANG=/path (a locale from a file)" "hand the command LANG" \
    sudo LANG=/tmp/x -n "$P"
decided_as "sudo LANG=C (a plain locale) is decided" 0 sudo LANG=C -n "$P"
nothing_ran "sudo -E" "sudo -E" sudo -n -E "$P"
nothing_ran "sudo --preserve-env=FOO" "preserve-env" \
    sudo -n --preserve-env=FOO "$P"
nothing_ran "sudo -g bob" "a group other than" sudo -n -g bob "$P"
nothing_ran "sudo -u alice -g bob" "a group other than" \
    sudo -n -u alice -g bob "$P"
nothing_ran "sudo -e (sudoedit)" "sudoedit" sudo -n -e "$T/ran.log"
decided_as "sudo -g carl -u carl (own group): decided" 20001 \
    sudo -n -u carl -g carl "$P"

# The attacks: sudo must execute the file that was judged.
nothing_ran "sudo /proc/self/root/PATH (procfs)" "procfs" \
    sudo -n /proc/self/root"$P"
mkdir -p "$T/home/carl/w"
chown 20001:20001 "$T/home/carl/w"
ln -s /usr/bin "$T/home/carl/w/bin"
chown -h 20001:20001 "$T/home/carl/w/bin"
CWD=$T/home/carl/w
nothing_ran "sudo bin/id through carl's symlink" "not an absolute path" \
    sudo -n bin/id
CWD=
# sudoers without secure_path: sudo searches carl's PATH.
write_sudoers nosecure
mkdir -p "$T/home/carl/bin"
cp "$P" "$T/home/carl/bin/id"
chown -R 20001:20001 "$T/home/carl/bin"
nothing_ran "no secure_path: PATH=~/bin:... sudo id runs nothing" \
    "hand the command PATH" env PATH="$T/home/carl/bin:/usr/bin:/bin" \
    sudo -n id
write_sudoers
nothing_ran "sudo ~/bin/id by its full path: carl's file" "owned by uid 20001" \
    sudo -n "$T/home/carl/bin/id"
write_sudoers nosecure
# sudo's PATH finds /usr/bin/id, gatekeeper's secure PATH another (root's)
# id in /usr/local/bin first: not the file that was judged.
mkdir -p "$T/rootbin"
cp "$P" "$T/rootbin/id"
chmod 0755 "$T/rootbin" "$T/rootbin/id"
mount --bind "$T/rootbin" /usr/local/bin
nothing_ran "no secure_path: sudo's id is not the secure PATH's id" \
    "is not the id on gatekeeper" \
    env PATH="/usr/bin:/bin" sudo -n id
umount /usr/local/bin
nothing_ran "no secure_path: the command would get carl's PATH" \
    "hand the command PATH" env PATH="$T/home/carl/bin:/usr/bin:/bin" \
    sudo -n /usr/bin/id
out=$(carl sudo -n id -u 2>/dev/null)
check "no secure_path, PATH root's all the way: sudo id runs" test "$out" = 0
write_sudoers

# An approval request through the plugin: waits, then sudo runs it.
: >"$T/ran.log"
(carl sudo -n "$P" approve me >"$T/a.out" 2>"$T/a.err"; echo $? >"$T/a.rc") &
check "approve: the request is listed" wait_for listed "approve"
R=$(request_id "approve")
decide_quiet() { decide "$@" >"$T/dec.out" 2>&1; }
check "approve: first approval" decide_quiet alice 20002 approve "$R"
check "approve: nothing ran with one approval" test ! -s "$T/ran.log"
check "approve: second approval" decide_quiet bob 20003 approve "$R"
check "approve: sudo finished" wait_for test -s "$T/a.rc"
check "approve: sudo exit 0" test "$(cat "$T/a.rc")" = 0
ran=$(cat "$T/ran.log")
dec=$(sqlite3 "$DB" "SELECT command FROM audit WHERE request = $R AND event = 'request'")
exe=$(sqlite3 "$DB" "SELECT exe FROM requests WHERE id = $R")
check "approve: what ran is what was approved (argv)" test "${ran#* argv=}" = "$dec"
check "approve: what ran is what was approved (file)" \
    sh -c "echo '$ran' | grep -q '^exe=$exe '"

# Fail closed.
daemon_stop
nothing_ran "daemon stopped: sudo P refused" "not reachable" sudo -n "$P"
check "the audit log verifies" quiet "$T/bin/gk-audit" verify --db "$DB"
echo "1..$tap_n"
