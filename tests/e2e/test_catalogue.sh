#!/bin/sh
# The shipped catalogue, policies/*.policy: `gkctl check` accepts it, every
# rule is named, commented and gated by `approve 2 by guardians`; a table of
# command lines -> expected decision word and rule, run through `gkctl
# explain` (destructive commands, tricky forms, and commands that must not
# be gated); the approvers and the backup paths each live in one place;
# and the daemon loads the catalogue and decides by it. Speaks TAP.
. "$(dirname "$0")/lib.sh"

world_init
C=$T/cat
mkdir -p "$C"
cp "$GK_SRC"/policies/*.policy "$C/"
chmod 0644 "$C"/*.policy
GKCTL=$T/bin/gkctl

# quiet_out CMD...: CMD with its output dropped.
quiet_out() { "$@" >/dev/null 2>&1; }
# outputs PATTERN CMD...: CMD (a function is fine) prints a line matching
# PATTERN.
outputs() { pat=$1; shift; "$@" 2>/dev/null | grep -q -- "$pat"; }


check "gkctl check accepts the catalogue" \
    sh -c '"$1" check "$2" | grep -q "ok: .* rules, 1 approver set in 8 files"' \
    - "$GKCTL" "$C"
check "the catalogue is policies/*.policy only: examples/ holds no gate" \
    not quiet grep -l "guardians" "$GK_SRC"/policies/examples/*.policy

# Lint: a rule line is one not starting with # or blank and not continuing
# the previous line. Each has a name, a comment right above it (in the same
# paragraph), and every approve is "approve 2 by guardians".
lint() {
	awk '
	FNR == 1 { cont = 0; commented = 0 }
	{
		line = $0
		if (cont) { cont = (line ~ /\\$/); next }
		cont = (line ~ /\\$/)
		if (line ~ /^[ \t]*$/) { commented = 0; next }
		if (line ~ /^[ \t]*#/) { commented = 1; next }
		if (line ~ /^approvers /) next
		rule = line
		if (!commented) { print FILENAME ":" FNR ": rule without a comment"; bad = 1 }
		if (rule !~ / name [a-z0-9-]+ /) { print FILENAME ":" FNR ": unnamed rule"; bad = 1 }
		if (rule ~ /^approve / && rule !~ /^approve 2 by guardians /) {
			print FILENAME ":" FNR ": not approve 2 by guardians"; bad = 1
		}
	}
	END { exit bad }' "$@"
}
check "every rule is named, commented, and approve means 2 by guardians" \
    lint "$C"/*.policy
printf 'allow cmd true\n' >"$T/lint-bad.policy"
check "the lint itself fails a rule with no name and no comment" \
    not quiet_out lint "$T/lint-bad.policy"
check "the approver set is defined in 00-approvers.policy only" \
    sh -c '[ "$(grep -l "^approvers " "$1"/*.policy)" = "$1/00-approvers.policy" ]' \
    - "$C"
check "the backup paths are written in one rule only" \
    sh -c '[ "$(grep -c "/srv/backup/\*\*" "$1"/*.policy | \
        awk -F: "{s += \$2} END {print s}")" = 1 ]' - "$C"

# explain DIR CWD USER ARGV...: the first line of gkctl explain.
explain() {
	dir=$1 cwd=$2 user=$3; shift 3
	(cd "$cwd" && "$GKCTL" explain -p "$dir" --user "$user" -- "$@") |
	    head -n 1
}

# The table: WORD RULE | ARGV (split on blanks, no globbing). WORD is the
# decision word; RULE the rule's name, or "-" for the default deny.
# Relative paths are judged in $T/work (cwd).
mkdir -p "$T/work"
ln -s /srv/backup "$T/work/bk-link"
set -f
while IFS='|' read -r want argv; do
	case $want in ''|'#'*) continue ;; esac
	set -- $want
	word=$1 rule=$2
	set -- $argv
	got=$(explain "$C" "$T/work" alice "$@")
	case $rule in
	-) pat="^$word: no rule matched" ;;
	*) pat="^$word[: ].*rule $rule at " ;;
	esac
	if echo "$got" | grep -q -- "$pat" && { [ "$word" != approve ] ||
	    echo "$got" | grep -q "^approve 2 by guardians: "; }; then
		ok "explain $* -> $word $rule"
	else
		notok "explain $* -> $word $rule (got: $got)"
	fi
done <<'TABLE'
# Disks and partitions
approve disk-format       | mkfs.ext4 /dev/sdb
approve disk-format       | /sbin/mkfs.ext4 /dev/sdb
approve disk-format       | /usr/sbin/mkfs.xfs -f /dev/nvme0n1
approve disk-format       | mkfs -t ext4 /dev/sdb1
approve disk-format       | mke2fs -F /dev/sdb
approve disk-format       | mkswap /dev/sda2
deny    disk-format       | mkfs.ext4 /proc/self/cwd/disk.img
deny    disk-format       | mkfs.ext4 /dev/stdin
deny    disk-format       | mkfs.ext4 -F -d/proc/self/root/etc /dev/sdb
deny    -                 | /tmp/mkfs.ext4 /dev/sdb
approve disk-wipe         | wipefs -a /dev/sdb
approve disk-wipe         | blkdiscard /dev/sdb
approve disk-wipe         | shred -n 1 /dev/sdb
approve disk-wipe         | shred -u notes.txt
approve disk-partition    | sgdisk -Z /dev/sdb
approve disk-partition    | sfdisk /dev/sdb
approve disk-partition    | fdisk /dev/sdb
approve disk-partition    | parted -s /dev/sdb mklabel gpt
approve disk-partition    | parted /dev/sdb print rm 1
approve disk-partition    | fdisk -l --wipe always /dev/sdb
approve disk-partition    | sgdisk -p -Z /dev/sdb
allow   fdisk-list        | fdisk -l
allow   fdisk-list-dev    | fdisk -l /dev/sdb
allow   sfdisk-dump       | sfdisk -d /dev/sdb
allow   parted-print      | parted /dev/sdb print
allow   parted-list       | parted -l
allow   sgdisk-print      | sgdisk -p /dev/sdb
approve dd-to-device      | dd of=/dev/sda
approve dd-to-device      | dd if=/dev/zero of=/dev/sda bs=1M
approve dd-to-device      | dd if=img of=//dev/sda
approve dd-to-device      | dd if=img of=/dev/disk/by-id/wwn-0x5000
local   dd-file           | dd if=/dev/sda of=img
local   dd-file           | dd if=/dev/zero of=test.img bs=1M count=8
approve fs-repair         | e2fsck -fy /dev/sdb1
approve luks-erase        | cryptsetup -q luksFormat /dev/sdb
approve luks-erase        | cryptsetup erase /dev/sdb
approve md-destroy        | mdadm --zero-superblock /dev/sdb
allow   md-detail         | mdadm --detail /dev/md0
approve nvme-erase        | nvme format /dev/nvme0n1
# LVM, ZFS, btrfs
approve lvm-remove        | lvremove -f vg0/data
approve lvm-remove        | vgremove vg0
approve lvm-remove        | pvremove /dev/sdb
approve lvm-shell-remove  | lvm lvremove vg0/data
allow   lvm-report        | lvs
allow   lvm-report        | vgs -o +vg_free
deny    lvm-config        | lvs --config log{file="/srv/x"}
deny    lvm-config        | lvs --command X
deny    lvm-config        | lvs --commandp=X
deny    lvm-config        | vgs --conf log{file="/srv/x"}
deny    lvm-config        | pvs --metadatap x
approve zfs-destroy       | zfs destroy -r tank/mail
approve zfs-destroy       | zfs destroy tank/mail@monday
approve zfs-destroy       | zpool destroy tank
approve zpool-labelclear  | zpool labelclear -f /dev/sdb
approve zfs-rollback      | zfs rollback -r tank/mail@monday
approve zfs-release       | zfs release keep tank/mail@monday
approve zfs-receive-force | zfs receive -F tank/mail
approve zpool-create      | zpool create -f tank /dev/sdb
allow   zfs-read          | zfs list
allow   zfs-read          | zfs list -t snapshot -o name
allow   zfs-read          | zfs get all tank
allow   zpool-read        | zpool status -x
allow   zpool-read        | zpool list
deny    zpool-scripts     | zpool status -c smart
deny    zpool-scripts     | zpool iostat -vc media
deny    -                 | zfs receive tank/new
approve btrfs-subvolume-delete | btrfs subvolume delete /mnt/data/snap
approve btrfs-subvolume-delete | btrfs su de /mnt/data/snap
approve btrfs-subvolume-delete | btrfs --format json sub del /mnt/x
allow   btrfs-read        | btrfs subvolume list /mnt/data
allow   btrfs-read        | btrfs filesystem usage /mnt/data
# Backup tools
approve borg-delete       | borg delete /srv/repo::archive
approve borg-delete       | borg --lock-wait 5 prune --keep-daily 7
approve borg-delete       | borg compact /srv/repo
approve restic-forget     | restic -r /srv/repo forget --prune latest
approve restic-forget     | restic prune
approve rclone-delete     | rclone purge remote:backups
deny    -                 | borg list /srv/repo
deny    -                 | restic snapshots
# Deleting under the backup paths (10-backups.policy)
approve backup-delete     | rm -rf /srv/backup/x
approve backup-delete     | rm -rf /srv/backup
approve backup-delete     | rm -rf /var/backups/dpkg.status.0
approve backup-delete     | rm -rf /backup/../backup/old
approve backup-delete     | mv /srv/backup/daily /tmp/
approve backup-delete     | truncate -s 0 /backup/db.dump
approve backup-delete     | dd if=/dev/zero of=/backup/db.dump
approve backup-delete     | rsync -a --delete empty/ /srv/backup/
approve backup-delete     | rm -r bk-link/old
approve backup-delete     | mv -t/srv/backup x
approve backup-delete     | cp -t/backup/daily x
approve find-delete       | find /var/backups -delete
approve find-delete       | find /home/alice -name *.tmp -delete
deny    find-exec         | find /var/backups -exec rm {} +
local   find-list         | find /var/backups -name *.gz
local   read-files        | ls -l /srv/backup
# rm -rf / and friends
approve delete-tree       | rm -rf /
approve delete-tree       | rm -rf --no-preserve-root /
approve delete-tree       | rm -rf -- /
approve delete-tree       | rm -rf //
approve delete-tree       | rm -rf /etc/..
approve delete-tree       | rm -rf /bin /boot /etc /home /srv /usr /var
approve delete-tree       | rm -rf /home/alice
approve delete-tree       | rm -rf /var/lib/mysql
approve delete-tree       | rm -rf /var/mail
approve delete-tree       | mv /srv/mail /tmp/gone
local   own-files         | rm -rf /home/alice/tmp/build
local   own-files         | rm notes.txt
# Shells, interpreters, runners
deny    shells            | bash
deny    shells            | sh -c id
deny    shells            | /bin/bash -i
deny    shells            | busybox sh
deny    interpreters      | python3 -c import\ os
deny    interpreters      | perl -e 1
deny    runners           | env mkfs.ext4 /dev/sdb
deny    runners           | sudo -s
deny    runners           | xargs rm
deny    shell-escapes     | less /var/log/syslog
deny    shell-escapes     | vi /etc/fstab
# Read-only, must not be gated
local   read-system       | df -h
local   read-system       | lsblk -f
local   read-files        | cat /etc/fstab
local   read-files        | cat /proc/self/status
local   read-files        | grep -r error /var/log
deny    -                 | systemctl restart nginx
TABLE
set +f

# A relative path is judged after it is made absolute.
check "explain: rm -rf srv/backup/x from / is backup-delete" \
    outputs "rule backup-delete at " explain "$C" / alice rm -rf srv/backup/x

# One place for the approvers: edit 00-approvers.policy and every gate
# names the new set; with one approver `approve 2` is an error.
E=$T/edited
mkdir -p "$E"
cp "$C"/*.policy "$E/"
sed -i 's/^approvers guardians = .*/approvers guardians = alice bob carol/' \
    "$E/00-approvers.policy"
check "edited approvers: gkctl check accepts" quiet_out "$GKCTL" check "$E"
check "edited approvers: explain names them for a gate" \
    sh -c '"$1" explain -p "$2" --user dave -- zfs destroy tank/x |
        grep -qx "  approvers: alice bob carol"' - "$GKCTL" "$E"
sed -i 's/^approvers guardians = .*/approvers guardians = alice/' \
    "$E/00-approvers.policy"
refused "one approver: gkctl check refuses approve 2 and says why" \
    "00-approvers.policy\|the set has only 1 approver" "$GKCTL" check "$E"

# One place for the backup paths: change the path list and the gate moves.
cp "$C/00-approvers.policy" "$E/"
sed -i 's|^    path /srv/backup/\*\* /var/backups/\*\* /backup/\*\*$|    path /data/bk/**|' \
    "$E/10-backups.policy"
check "edited backup paths: gkctl check accepts" quiet_out "$GKCTL" check "$E"
check "edited backup paths: rm -rf /data/bk/x is backup-delete" \
    outputs "rule backup-delete at " explain "$E" / alice rm -rf /data/bk/x
check "edited backup paths: truncate under /srv/backup is no longer gated" \
    outputs "^local: rule own-files" \
    explain "$E" / alice truncate -s0 /srv/backup/x/y

# The daemon loads the catalogue and decides by it.
cp "$C"/*.policy "$T/pol/"
check "gatekeeperd starts with the shipped catalogue" daemon_start
refused "through the daemon: bash is refused by rule shells" "shells" \
    as 20001 "$T/bin/gk-shell" -s "$SOCK" -c "bash -c true"
as 20001 "$T/bin/gk-shell" -s "$SOCK" -c "bash -c true" 2>/dev/null
check "through the daemon: a refused command exits 77" [ $? -eq 77 ]
check "through the daemon: a local read-only command runs" \
    outputs "^bin$" as 20001 "$T/bin/gk-shell" -s "$SOCK" -c "ls /"

# End to end with the catalogue: with the shipped placeholder approvers
# nobody can approve a gate (fail closed); once 00-approvers.policy names
# the enrolled approvers and the policy is reloaded, a disk format runs
# after two approvals.
check "enroll alice" approver_new alice 20002
check "enroll bob" approver_new bob 20003
truncate -s 8M "$T/disk-a.img"
cp "$T/disk-a.img" "$T/disk-b.img"
(cd "$T" && as 20001 "$T/bin/gk-shell" -s "$SOCK" -c \
    "mkfs.ext4 -q -F $T/disk-a.img" >/dev/null 2>&1) &
check "placeholder approvers: mkfs.ext4 becomes a request" \
    wait_for listed disk-a.img
RA=$(request_id disk-a.img)
check "placeholder approvers: the request names rule disk-format" \
    outputs "disk-format" as 20002 "$T/bin/gk-approve" -s "$SOCK" show "$RA"
refused "placeholder approvers: alice cannot approve a gate" \
    "not an approver of\|not in the approver set" decide alice 20002 approve "$RA"
check "placeholder approvers: nothing ran" not formatted "$T/disk-a.img"

sed -i 's/^approvers guardians = .*/approvers guardians = alice bob carol/' \
    "$T/pol/00-approvers.policy"
kill -HUP "$DPID"
check "edited approvers: the daemon reloads the catalogue" \
    wait_for sh -c '[ "$(grep -c "rules loaded" "$1")" -ge 2 ]' - "$T/daemon.log"
sleep 0.2
(cd "$T" && as 20001 "$T/bin/gk-shell" -s "$SOCK" -c \
    "mkfs.ext4 -q -F $T/disk-b.img" >/dev/null 2>&1; echo $? >"$T/rb.rc") &
check "edited approvers: mkfs.ext4 becomes a request" wait_for listed disk-b.img
RB=$(request_id disk-b.img)
check "edited approvers: alice approves" decide alice 20002 approve "$RB"
check "one approval: nothing ran" not formatted "$T/disk-b.img"
check "edited approvers: bob approves" decide bob 20003 approve "$RB"
check "after two approvals the requester finishes" wait_for test -s "$T/rb.rc"
check "the requester's exit status is mkfs's own, 0" \
    [ "$(cat "$T/rb.rc" 2>/dev/null)" = 0 ]
check "the image is formatted" formatted "$T/disk-b.img"
