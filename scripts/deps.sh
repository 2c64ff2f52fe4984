#!/bin/sh
# Checks the build and test dependencies; as root installs what is missing
# with apt-get, otherwise prints the exact command. Exit 0 when all present.
set -u

missing=""
need() { # need PACKAGE TEST...
	pkg=$1; shift
	if ! "$@" >/dev/null 2>&1; then
		case " $missing " in *" $pkg "*) ;; *) missing="$missing $pkg" ;; esac
	fi
}
have_pc() { pkg-config --exists "$1"; }
have_file() { test -e "$1"; }
have_cmd() { command -v "$1" || test -x "/usr/sbin/$1" || test -x "/sbin/$1"; }

need pkg-config      have_cmd pkg-config
need libpam0g-dev    have_pc pam
need libsodium-dev   have_pc libsodium
need libsqlite3-dev  have_pc sqlite3
need libyubikey-dev  have_file /usr/include/yubikey.h
need libyubikey-dev  have_cmd ykgenerate
need libedit-dev     have_pc libedit
need libcmocka-dev   have_pc cmocka
need libpam-wrapper  have_pc pam_wrapper
need pamtester       have_cmd pamtester
need openssh-server  have_cmd sshd
need openssh-client  have_cmd ssh
need sudo            have_cmd sudo
need e2fsprogs       have_cmd mkfs.ext4
need util-linux      have_cmd setpriv
need sqlite3         have_cmd sqlite3
# tests/e2e/test_install.sh: the man pages must render with no warning
# (groff -ww, and man --warnings as a reader would see them), and
# `systemd-analyze verify` must accept the unit.
need groff-base      have_cmd groff
need man-db          have_cmd man
need systemd         have_cmd systemd-analyze

[ -z "$missing" ] && exit 0

cmd="apt-get install -y --no-install-recommends$missing"
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
	echo "deps: installing$missing" >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq >&2 || { echo "deps: apt-get update failed" >&2; exit 1; }
	$cmd >&2 || { echo "deps: '$cmd' failed" >&2; exit 1; }
	exit 0
fi
echo "deps: missing Debian packages:$missing" >&2
echo "deps: as root, run: apt-get update && $cmd" >&2
exit 1
