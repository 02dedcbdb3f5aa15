#!/bin/sh
# Each VMM runs sandboxed and unprivileged: a uid and gid of its own,
# kept across restarts; no capability, no_new_privs, QEMU's seccomp
# filter; a root that shows only what QEMU needs, from which neither the
# host's secrets nor another VM's disk or sockets can be opened.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

# field PID NAME: a line of /proc/PID/status, without its name.
field() {
	awk -v f="$2:" '$1 == f { $1 = ""; sub(/^ /, ""); print }' \
		"/proc/$1/status"
}

# as_vmm PID COMMAND: run COMMAND in PID's mount namespace, with its uid
# and gid and nothing else.
as_vmm() {
	u=$(field "$1" Uid | awk '{ print $1 }')
	p=$1
	shift
	nsenter -t "$p" -m setpriv --reuid="$u" --regid="$u" --clear-groups \
		--inh-caps=-all --bounding-set=-all sh -c "$*" 2>/dev/null
}

# as_uid UID COMMAND: the same uid, in the host's mount namespace.
as_uid() {
	u=$1
	shift
	setpriv --reuid="$u" --regid="$u" --clear-groups --inh-caps=-all \
		--bounding-set=-all sh -c "$*" 2>/dev/null
}

fails() { ! "$@"; }

# uid_of NAME: the uid of NAME's VMM.
uid_of() {
	p=$(vmm_pid "$1")
	[ -n "$p" ] && field "$p" Uid | awk '{ print $1 }'
}

new_vmm() { p=$(vmm_pid "$1"); [ -n "$p" ] && [ "$p" != "$2" ]; }
is_ready() {
	[ "$(s6-svstat -o ready "$SEPTA_SERVICE/instance/$1")" = true ]
}

require nsenter setpriv socat

check tree-up tree_up
mkguest sa
mkguest sb
# A definition whose initramfs and disk only root may read: QEMU gets a
# copy of the one and the open descriptor of the other.
mkguest private
rm "$T/defs/private/initramfs" "$T/defs/private/blk/root.img"
cp "$G/initramfs" "$T/defs/private/initramfs"
cp "$G/blk/root.img" "$T/defs/private/blk/root.img"
chmod 600 "$T/defs/private/initramfs" "$T/defs/private/blk/root.img"
check import vm-import "$T/defs"
pa=$(vmm_pid sa)
pb=$(vmm_pid sb)
ua=$(field "$pa" Uid | awk '{ print $1 }')
ub=$(field "$pb" Uid | awk '{ print $1 }')

check print-has-seccomp sh -c "SEPTA_ACCEL=tcg start-vmm -p sa | grep -q -- \
'-sandbox on,obsolete=deny,elevateprivileges=deny,spawn=deny,resourcecontrol=deny'"
check uid-in-range [ "$ua" -gt 1585053696 -a "$ua" -le $((1585053696 + 65535)) ]
check uid-is-recorded [ "$ua" -eq $((1585053696 + $(cat "$SEPTA_RUN/sa/vmm-id"))) ]
check uid-all-four [ "$(field "$pa" Uid)" = "$ua $ua $ua $ua" ]
check gid-all-four [ "$(field "$pa" Gid)" = "$ua $ua $ua $ua" ]
check no-groups [ -z "$(field "$pa" Groups)" ]
check two-vms-two-uids [ -n "$ub" -a "$ua" != "$ub" ]
for c in CapInh CapPrm CapEff CapBnd CapAmb; do
	check "no-$c" [ "$(field "$pa" "$c")" = 0000000000000000 ]
done
check no-new-privs [ "$(field "$pa" NoNewPrivs)" = 1 ]
check seccomp-filter [ "$(field "$pa" Seccomp)" = 2 ]

# What its root shows.
r=/proc/$pa/root
check root-has-qemu test -x "$r/usr/bin/qemu-system-x86_64"
check root-has-dev-null test -c "$r/dev/null"
check root-has-ld-cache test -f "$r/etc/ld.so.cache"
check root-no-shadow test ! -e "$r/etc/shadow"
check root-no-passwd test ! -e "$r/etc/passwd"
check root-no-runtime-root test ! -e "$r$SEPTA_RUN" -a ! -e "$r/run"
check root-no-home test ! -e "$r/home" -a ! -e "$r/root"
check root-no-tmp test ! -e "$r/tmp"
check root-no-other-definition test ! -e "$r$T/defs/sb"
check root-no-sys test ! -e "$r/sys"
check root-no-kvm-under-tcg test ! -e "$r/dev/kvm"
check dev-null-writable as_vmm "$pa" 'echo x >/dev/null'
check dev-only-the-nodes [ "$(ls "$r/dev" | tr '\n' ' ')" = 'full null random urandom zero ' ]
check root-read-only fails as_vmm "$pa" 'touch /x'
check root-read-only-for-root fails touch "$r/x" 2>/dev/null
check proc-hides-others as_vmm "$pa" 'test -d /proc/self/fd && ! test -d /proc/1'
# A network namespace of its own, with only lo: its taps work anywhere.
check own-network-namespace [ "$(readlink "/proc/$pa/ns/net")" != "$(readlink /proc/self/ns/net)" ]
check only-loopback [ "$(grep -c : "/proc/$pa/net/dev")" -eq 1 ]

# With its rights, inside its namespace and outside it.
check vmm-can-run-there as_vmm "$pa" true
check vmm-cannot-read-shadow fails as_vmm "$pa" 'cat /etc/shadow'
check vmm-cannot-read-other-disk fails as_vmm "$pa" "cat $T/defs/sb/blk/root.img"
check vmm-cannot-reach-other-qmp fails as_vmm "$pa" "echo {} | socat - UNIX-CONNECT:$SEPTA_RUN/sb/qmp"
check vmm-cannot-reach-own-qmp fails as_vmm "$pa" "echo {} | socat - UNIX-CONNECT:$SEPTA_RUN/sa/qmp"
check uid-cannot-read-shadow fails as_uid "$ua" 'cat /etc/shadow'
check uid-cannot-reach-other-qmp fails as_uid "$ua" "echo {} | socat - UNIX-CONNECT:$SEPTA_RUN/sb/qmp"
check uid-cannot-read-private-disk fails as_uid "$ua" "cat $T/defs/private/blk/root.img"

# The VMM still does its work: the serial log, the console, the disks.
check start vm-start sa
check serial-log-written wait_until 60 log_has sa SEPTA-READY
check disk-read log_has sa 'septa-disk: septa-test-disk'
console_cmd sa 'echo console-$((6 * 7)) >/dev/ttyS0'
check console-works wait_until 20 log_has sa console-42
check private-files-boot vm-start private
check private-files-read wait_until 60 log_has private 'septa-disk: septa-test-disk'

# The same VM keeps its uid across restarts; the notifier still works.
kill_vmm sb
check restart-new-vmm wait_until 30 new_vmm sb "$pb"
check restart-ready wait_until 30 is_ready sb
check restart-keeps-uid [ "$(uid_of sb)" = "$ub" ]
check no-root-notifier fails pgrep -u 0 -f 'start-vmm -n 3 -- sb'


# A bad uid base: one line, a usage error, and nothing started.
check bad-uid-base expect 100 "start-vmm: sa: SEPTA_UID_BASE=12x: not a number from 1 to 4294901759" env SEPTA_UID_BASE=12x start-vmm sa
check uid-base-too-big expect 100 "start-vmm: sa: SEPTA_UID_BASE=4294967000: not a number from 1 to 4294901759" env SEPTA_UID_BASE=4294967000 start-vmm sa
check bad-uid-base-left-vmm-alone [ "$(vmm_pid sa)" = "$pa" ]
