# Shared helpers for the end-to-end tests: TAP output, a temp world under
# /tmp that other uids can use, a daemon on a private socket, soft
# YubiKeys and approver keys. Tests run as root.
set -u
: "${GK_BUILD:?GK_BUILD must name the build directory}"
: "${GK_SRC:?GK_SRC must name the source directory}"

tap_n=0
ok() { tap_n=$((tap_n + 1)); echo "ok $tap_n - $*"; }
notok() { tap_n=$((tap_n + 1)); echo "not ok $tap_n - $*"; }
# check NAME CMD...: ok when CMD succeeds.
check() { name=$1; shift; if "$@"; then ok "$name"; else notok "$name"; fi; }
diag() { echo "# $*"; }
# not CMD...: succeeds when CMD fails (for check).
not() { if "$@"; then return 1; fi; return 0; }
# quiet CMD...: CMD with its stderr dropped.
quiet() { "$@" 2>/dev/null; }
# refused NAME PATTERN CMD...: CMD must fail with PATTERN in its stderr
# (so each refusal is shown to happen for its own reason).
refused() {
	name=$1 pat=$2; shift 2
	if err=$("$@" 2>&1 >/dev/null); then
		notok "$name: was accepted"
	elif echo "$err" | grep -q -- "$pat"; then
		ok "$name"
	else
		notok "$name: refused for another reason: $err"
	fi
}
# listed PATTERN: a pending request matching PATTERN is listed (as alice).
listed() { as 20002 "$T/bin/gk-approve" -s "$SOCK" list | grep -q -- "$1"; }
# request_id PATTERN: the number of the pending request matching PATTERN.
request_id() {
	as 20002 "$T/bin/gk-approve" -s "$SOCK" list | awk -v p="$1" \
	    '$0 ~ p {print $1; exit}'
}

# A world: $T (0755) with bin/ copies of the programs, state/, pol/, home/.
world_init() {
	T=$(mktemp -d /tmp/gk-e2e.XXXXXX)
	chmod 0755 "$T"
	mkdir -p "$T/bin" "$T/state" "$T/pol" "$T/home"
	for p in gatekeeperd gkctl gk-shell gk-approve gk-audit; do
		cp "$GK_BUILD/$p" "$T/bin/$p"
	done
	cp "$GK_BUILD/tests/softkey" "$GK_BUILD/tests/rawdecide" "$T/bin/"
	chmod 0755 "$T"/bin/*
	SOCK=$T/gk.sock
	trap world_cleanup EXIT
}

world_cleanup() {
	daemon_stop
	rm -rf "$T"
}

# listening: how many times the daemon has said it listens (0 before its
# log exists: the background shell may not have opened it yet).
listening() {
	n=$(grep -c "listening on" "$T/daemon.log" 2>/dev/null)
	echo "${n:-0}"
}

# daemon_start [OPTION...]: extra options (such as -c CONF) go to gatekeeperd.
daemon_start() {
	before=$(listening)
	# GK_DAEMON_ARGS: more options (e.g. -c CONF), split on spaces.
	"$T/bin/gatekeeperd" -f -s "$SOCK" -d "$T/state" -p "$T/pol" "$@" \
	    ${GK_DAEMON_ARGS:-} 2>>"$T/daemon.log" &
	DPID=$!
	i=0
	while [ "$(listening)" = "$before" ] && [ $i -lt 400 ]; do
		sleep 0.05
		i=$((i + 1))
	done
	[ "$(listening)" != "$before" ]
}

daemon_stop() {
	if [ -n "${DPID:-}" ]; then
		kill "$DPID" 2>/dev/null
		wait "$DPID" 2>/dev/null
		DPID=
	fi
}

# as UID CMD...: run as a uid without a passwd entry.
as() { u=$1; shift; setpriv --reuid="$u" --regid="$u" --clear-groups "$@"; }

# approver_new NAME UID: key pair, soft YubiKey, enrolment.
approver_new() {
	mkdir -p "$T/home/$1"
	chown "$2:$2" "$T/home/$1"
	pub=$(as "$2" env HOME="$T/home/$1" "$T/bin/gk-approve" keygen \
	    --no-passphrase --key "$T/home/$1/key" </dev/null) || return 1
	yk=$("$T/bin/softkey" new "$T/tok.$1") || return 1
	echo "$yk" | "$T/bin/gkctl" -s "$SOCK" enroll "$1" --uid "$2" \
	    --pubkey "$pub" --yubikey - >/dev/null
}

# decide NAME UID approve|deny ID [OTP]: one decision with the approver's
# key and the next OTP of their soft YubiKey.
decide() {
	otp=${5:-$("$T/bin/softkey" otp "$T/tok.$1")}
	echo "$otp" | as "$2" env HOME="$T/home/$1" "$T/bin/gk-approve" -s "$SOCK" \
	    "$3" "$4" --otp - --key "$T/home/$1/key"
}

# wait_for CMD...: retry up to 5s.
wait_for() {
	i=0
	while ! "$@" >/dev/null 2>&1; do
		i=$((i + 1))
		[ $i -gt 100 ] && return 1
		sleep 0.05
	done
}

# no_ign TEXT: the SigIgn line of /proc/PID/status in TEXT shows no
# ignored signal but 32 and 33, which glibc keeps for itself (signal()
# cannot change them, so whatever the test runner left there stays).
no_ign() {
	v=$(echo "$1" | awk '$1 == "SigIgn:" { print $2 }')
	[ -n "$v" ] && [ $((0x$v & ~0x180000000)) = 0 ]
}

# Is the image formatted as ext*? (superblock magic 53 ef at 1080)
formatted() { [ "$(od -An -tx1 -j1080 -N2 "$1" | tr -d ' ')" = "53ef" ]; }

# PAM tests ----------------------------------------------------------------
# in_private_mounts: re-runs the calling test script inside `unshare -m`
# (mounts private), so /etc files can be bind-mounted for it alone.
in_private_mounts() {
	if [ -z "${GK_IN_NS:-}" ]; then
		GK_IN_NS=1 exec unshare -m --propagation private sh "$0" "$@"
	fi
}
# bind_etc FILE CONTENT-FILE MODE: CONTENT-FILE (root-owned, MODE) over
# /etc/FILE, in this mount namespace only.
bind_etc() {
	chown root:root "$2" && chmod "$3" "$2" && mount --bind "$2" "/etc/$1"
}
# pam_users: passwd, group and shadow copies with the test users
# carl (20001, requester), alice (20002), bob (20003), bound over /etc.
pam_users() {
	cp /etc/passwd "$T/passwd"
	cp /etc/group "$T/group"
	cp /etc/shadow "$T/shadow"
	for u in carl:20001 alice:20002 bob:20003; do
		n=${u%%:*} id=${u#*:}
		echo "$n:x:$id:$id::$T/home/$n:/bin/bash" >>"$T/passwd"
		echo "$n:x:$id:" >>"$T/group"
		echo "$n:!:19000:0:99999:7:::" >>"$T/shadow"
		mkdir -p "$T/home/$n"
		chown "$id:$id" "$T/home/$n"
	done
	bind_etc passwd "$T/passwd" 0644 && bind_etc group "$T/group" 0644 &&
	    bind_etc shadow "$T/shadow" 0640
}
# the approval plugin for real sudo: an ASan build keeps a plain copy.
sudo_plugin_path() {
	if [ -f "$GK_BUILD/tests/gatekeeper_approval_plain.so" ]; then
		echo "$GK_BUILD/tests/gatekeeper_approval_plain.so"
	else
		echo "$GK_BUILD/gatekeeper_approval.so"
	fi
}
# bind_sudo_plugin SOCKET [OPTION...]: $T/lib/gatekeeper_approval.so and a
# sudo.conf loading it, bound over /etc/sudo.conf.
bind_sudo_plugin() {
	s=$1; shift
	mkdir -p "$T/lib" &&
	    cp "$(sudo_plugin_path)" "$T/lib/gatekeeper_approval.so" &&
	    chmod 0644 "$T/lib/gatekeeper_approval.so" &&
	    echo "Plugin gatekeeper_approval $T/lib/gatekeeper_approval.so" \
	    "socket=$s $*" >"$T/sudo.conf" &&
	    bind_etc sudo.conf "$T/sudo.conf" 0644
}
# the module to load in real sudo/su: an ASan build keeps a plain copy.
pam_module_path() {
	if [ -f "$GK_BUILD/tests/pam_gatekeeper_plain.so" ]; then
		echo "$GK_BUILD/tests/pam_gatekeeper_plain.so"
	else
		echo "$GK_BUILD/pam_gatekeeper.so"
	fi
}
