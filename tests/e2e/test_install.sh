#!/bin/sh
# Packaging: `make install DESTDIR=...` lays out the tree (and writes
# nothing else: it runs with every other path read-only), `make
# install-config` adds only what is absent, `systemd-analyze verify`
# accepts the unit, and the man pages render with no warning and document
# every option the programs' usage lists. Speaks TAP.
set -u
B=${GK_BUILD:?GK_BUILD must name the build directory}
SRC=${GK_SRC:?GK_SRC must name the source directory}
T=$(mktemp -d /tmp/gk-install.XXXXXX) || exit 1
chmod 0755 "$T"
trap 'rm -rf "$T"' EXIT INT TERM
n=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
notok() { n=$((n + 1)); echo "not ok $n - $*"; }
check() { d=$1; shift; if "$@"; then ok "$d"; else notok "$d"; fi; }
diag() { sed 's/^/# /' "$@" | head -20; }
# mk DIR ARGS...: make in the source tree on this build with DESTDIR=DIR,
# in a private mount namespace where everything but DIR is read-only, so
# a rule that writes outside DESTDIR fails here instead of touching the
# host. make check's jobserver must not leak into it.
mk() {
	dest=$1; shift
	mkdir -p "$dest"
	unshare -m sh -c 'mount --make-rprivate / && mount --bind "$1" "$1" &&
	    mount -o remount,bind,ro / && shift && "$@"' - "$dest" \
	    env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make --no-print-directory \
	    -C "$SRC" B="$B" DESTDIR="$dest" "$@"
}

# make install -------------------------------------------------------------
D=$T/root
mk "$D" install PREFIX=/usr >"$T/install.log" 2>&1
rc=$?
check "make install DESTDIR PREFIX=/usr succeeds with / read-only but DESTDIR" \
    [ $rc -eq 0 ]
[ $rc -eq 0 ] || diag "$T/install.log"

multiarch=$(${CC:-cc} -print-multiarch 2>/dev/null)
pamdir=/lib${multiarch:+/$multiarch}/security
( cd "$D" && find . -type f | sort ) >"$T/got"
{
	for p in gatekeeperd gkctl; do echo "./usr/sbin/$p"; done
	for p in gk-shell gk-approve gk-audit; do echo "./usr/bin/$p"; done
	echo ".$pamdir/pam_gatekeeper.so"
	echo ./usr/libexec/gatekeeper/gk-notify-mail
	echo ./usr/libexec/gatekeeper/gatekeeper_approval.so
	for m in "$SRC"/man/*.[158]; do
		echo "./usr/share/man/man${m##*.}/$(basename "$m")"
	done
	echo ./usr/lib/systemd/system/gatekeeperd.service
	for f in "$SRC"/policies/*.policy; do
		echo "./usr/share/gatekeeper/policies/$(basename "$f")"
	done
	for f in "$SRC"/policies/examples/*.policy; do
		echo "./usr/share/gatekeeper/policies/examples/$(basename "$f")"
	done
	for f in sshd sudo su; do echo "./usr/share/gatekeeper/pam.d/$f"; done
	echo ./usr/share/gatekeeper/gatekeeperd.conf
	echo ./usr/share/gatekeeper/shells.txt
	echo ./usr/share/gatekeeper/sudo.conf
} | sort >"$T/want"
check "the installed tree is exactly the expected files" cmp -s "$T/want" "$T/got"
cmp -s "$T/want" "$T/got" || diff "$T/want" "$T/got" | diag
check "pam_gatekeeper.so is in the PAM directory $pamdir" \
    [ -f "$D$pamdir/pam_gatekeeper.so" ]
check "the example notifier is installed executable" \
    [ -x "$D/usr/libexec/gatekeeper/gk-notify-mail" ]
check "sudo's approval plugin is installed, and the sudo.conf line names it" \
    sh -c '[ "$(stat -c %a "$1/usr/libexec/gatekeeper/gatekeeper_approval.so")" = 644 ] &&
    grep -q "^Plugin gatekeeper_approval /usr/libexec/gatekeeper/gatekeeper_approval.so " \
    "$1/usr/share/gatekeeper/sudo.conf"' - "$D"
check "man pages sit in man1, man5 and man8" \
    [ -f "$D/usr/share/man/man1/gk-shell.1" -a \
      -f "$D/usr/share/man/man5/gatekeeper.policy.5" -a \
      -f "$D/usr/share/man/man8/gatekeeperd.8" ]
check "programs are 0755, data files 0644" sh -c '
    for f in "$1"/usr/sbin/* "$1"/usr/bin/*; do
        [ "$(stat -c %a "$f")" = 755 ] || exit 1; done
    for f in $(find "$1/usr/share" "$1/usr/lib/systemd" -type f); do
        [ "$(stat -c %a "$f")" = 644 ] || exit 1; done' - "$D"
check "installed programs are the built ones" \
    cmp -s "$B/gatekeeperd" "$D/usr/sbin/gatekeeperd"
check "make install wrote nothing under DESTDIR/etc" [ ! -e "$D/etc" ]
check "the shipped catalogue under share is the source's" \
    sh -c 'for f in "$1"/policies/*.policy; do
        cmp -s "$f" "$2/usr/share/gatekeeper/policies/${f##*/}" || exit 1
    done' - "$SRC" "$D"
check "the installed catalogue passes gkctl check" \
    sh -c '"$1" check "$2" >/dev/null' - "$D/usr/sbin/gkctl" \
    "$D/usr/share/gatekeeper/policies"

UNIT=$D/usr/lib/systemd/system/gatekeeperd.service
check "the unit runs \$SBINDIR/gatekeeperd -f, with no @ left" \
    sh -c 'grep -qx "ExecStart=/usr/sbin/gatekeeperd -f" "$1" &&
        ! grep -q @ "$1"' - "$UNIT"
for k in Type=simple RuntimeDirectory=gatekeeper StateDirectory=gatekeeper \
    StateDirectoryMode=0700 Restart=on-failure; do
	check "the unit sets $k" grep -qx "$k" "$UNIT"
done
check "the unit explains why ProtectSystem and PrivateTmp are left out" \
    sh -c 'grep -q "^#.*ProtectSystem=" "$1" && grep -q "^#.*PrivateTmp=" "$1" &&
        ! grep -q "^ProtectSystem=\|^PrivateTmp=\|^PrivateDevices=" "$1"' \
    - "$UNIT"

# systemd-analyze verify: the unit as installed, with its ExecStart pointed
# at the installed binary and MANPATH at the installed pages (verify checks
# both exist). A copy naming a missing binary must fail: the check bites.
mkdir -p "$T/unit" "$T/badunit"
sed "s|^ExecStart=/usr/sbin/|ExecStart=$D/usr/sbin/|" "$UNIT" \
    >"$T/unit/gatekeeperd.service"
MANPATH=$D/usr/share/man systemd-analyze verify "$T/unit/gatekeeperd.service" \
    >"$T/verify.out" 2>&1
rc=$?
check "systemd-analyze verify accepts the unit, silently" \
    [ $rc -eq 0 -a ! -s "$T/verify.out" ]
[ -s "$T/verify.out" ] && diag "$T/verify.out"
sed "s|^ExecStart=/usr/sbin/|ExecStart=$T/nowhere/|" "$UNIT" \
    >"$T/badunit/gatekeeperd.service"
MANPATH=$D/usr/share/man systemd-analyze verify \
    "$T/badunit/gatekeeperd.service" >/dev/null 2>&1
check "systemd-analyze verify refuses a unit whose binary is missing" [ $? -ne 0 ]

# PREFIX=/usr/local (the default): the unit follows SBINDIR.
D2=$T/local
mk "$D2" install >"$T/install2.log" 2>&1
check "default PREFIX: programs in /usr/local/{s,}bin, unit runs them" \
    sh -c '[ -x "$1/usr/local/sbin/gatekeeperd" -a -x "$1/usr/local/bin/gk-shell" ] &&
        grep -qx "ExecStart=/usr/local/sbin/gatekeeperd -f" \
            "$1/usr/local/lib/systemd/system/gatekeeperd.service"' - "$D2"

# make install-config: only what is absent -----------------------------------
E=$T/cfg
mkdir -p "$E/etc"
printf '/bin/sh\n/bin/bash\n' >"$E/etc/shells"
mk "$E" install-config PREFIX=/usr >"$T/cfg.log" 2>&1
check "install-config: succeeds" [ $? -eq 0 ]
check "install-config: gatekeeperd.conf and the catalogue in /etc/gatekeeper" \
    sh -c 'cmp -s "$1/dist/gatekeeperd.conf" "$2/etc/gatekeeper/gatekeeperd.conf" &&
        for f in "$1"/policies/*.policy; do
            cmp -s "$f" "$2/etc/gatekeeper/policies/${f##*/}" || exit 1
        done' - "$SRC" "$E"
check "install-config: the catalogue directory is 0755 and its files 0644" \
    sh -c '[ "$(stat -c %a "$1")" = 755 ] &&
        [ "$(stat -c %a "$1/00-approvers.policy")" = 644 ]' - \
    "$E/etc/gatekeeper/policies"
check "install-config: gk-shell added to /etc/shells, other lines kept" \
    sh -c '[ "$(cat "$1")" = "$(printf "/bin/sh\n/bin/bash\n/usr/bin/gk-shell")" ]' \
    - "$E/etc/shells"
echo "audit_group = wheel" >"$E/etc/gatekeeper/gatekeeperd.conf"
echo "# mine" >>"$E/etc/gatekeeper/policies/00-approvers.policy"
rm "$E/etc/gatekeeper/policies/40-backup-tools.policy"
cp "$E/etc/gatekeeper/policies/00-approvers.policy" "$T/mine.policy"
mk "$E" install-config PREFIX=/usr >"$T/cfg2.log" 2>&1
check "install-config again: succeeds" [ $? -eq 0 ]
check "install-config again: the edited gatekeeperd.conf is kept" \
    grep -qx "audit_group = wheel" "$E/etc/gatekeeper/gatekeeperd.conf"
check "install-config again: an edited policy is kept" \
    cmp -s "$T/mine.policy" "$E/etc/gatekeeper/policies/00-approvers.policy"
check "install-config again: a policy the operator removed stays removed" \
    [ ! -e "$E/etc/gatekeeper/policies/40-backup-tools.policy" ]
check "install-config again: gk-shell listed in /etc/shells once" \
    [ "$(grep -cx /usr/bin/gk-shell "$E/etc/shells")" = 1 ]
check "install-config says what it left alone" \
    grep -q "exists: not touched" "$T/cfg2.log"

# Man pages ------------------------------------------------------------------
for m in "$SRC"/man/*.[158]; do
	name=$(basename "$m")
	groff -mandoc -ww -z "$m" >"$T/groff.out" 2>&1
	check "$name: groff -ww renders it with no warning" \
	    [ $? -eq 0 -a ! -s "$T/groff.out" ]
	diag "$T/groff.out"
	if command -v man >/dev/null 2>&1; then
		MANWIDTH=80 man --warnings -l "$m" 2>"$T/man.err" >"$T/man.out"
		check "$name: man --warnings renders it with no warning" \
		    [ -s "$T/man.out" -a ! -s "$T/man.err" ]
		diag "$T/man.err"
	fi
	for s in NAME SYNOPSIS DESCRIPTION FILES EXAMPLES "SEE ALSO"; do
		check "$name: has a $s section" grep -qx ".Sh $s" "$m"
	done
	case $name in *.5) ;; *)
		check "$name: has an EXIT STATUS section" \
		    grep -qx ".Sh EXIT STATUS" "$m" ;;
	esac
done
# The render check must bite: a page with an unknown macro warns.
{ cat "$SRC/man/gkctl.8"; echo ".Zz unknown"; } >"$T/broken.8"
check "groff -ww does warn about a broken page" \
    sh -c '[ -n "$(groff -mandoc -ww -z "$1" 2>&1)" ]' - "$T/broken.8"

# Every option and subcommand a program's usage message lists is in its
# page (as .Fl OPT or .Cm WORD).
documented() { # documented PAGE: reads usage text on stdin
	page=$1 miss=0
	for o in $(grep -oE '(^|[[ |])--?[a-z][a-z-]*' | sed 's/^[[ |]*//' |
	    sort -u); do
		o=${o#-}
		grep -qE "(^|[ ])Fl $o( |$)" "$page" ||
		    { echo "# $page: no .Fl $o"; miss=1; }
	done
	return $miss
}
subcommands() { # subcommands PROG PAGE: each "PROG [-s SOCKET] WORD"
	prog=$1 page=$2 miss=0
	for w in $(sed -n "s/^.*$prog \(\[-s SOCKET\] \)\{0,1\}\([a-z][a-z]*\).*/\2/p"); do
		grep -qE "^\.(It )?Cm $w( |$)" "$page" ||
		    { echo "# $page: no .Cm $w"; miss=1; }
	done
	return $miss
}
for p in gkctl:8 gk-approve:1 gk-audit:1 gk-shell:1 gatekeeperd:8; do
	prog=${p%:*} page=$SRC/man/${p%:*}.${p#*:}
	case $prog in
	gatekeeperd|gkctl) bin=$D/usr/sbin/$prog ;;
	*) bin=$D/usr/bin/$prog ;;
	esac
	"$bin" --no-such-option >/dev/null 2>"$T/usage"
	check "$prog: its usage message is there to compare" \
	    grep -q "^usage: $prog" "$T/usage"
	check "$prog(${p#*:}): documents every option of its usage" \
	    documented "$page" <"$T/usage"
	check "$prog(${p#*:}): documents every subcommand of its usage" \
	    subcommands "$prog" "$page" <"$T/usage"
done
check "pam_gatekeeper(8): documents socket=, timeout= and debug" \
    sh -c 'for o in socket timeout debug; do
        grep -q "Cm $o" "$1" || exit 1; done' - "$SRC/man/pam_gatekeeper.8"
