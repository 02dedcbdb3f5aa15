#!/bin/sh
# The reference VMs that images/build makes (netvm, appvm-elinks,
# appvm-catgirl, appvm-shell), imported as they are and run through the
# lifecycle tools: each boots to its ready marker; netvm is a q35 VM with
# forwarding on, its ruleset loaded and its DNS forwarder running; elinks
# shows its page and dumps it (-dump, arguments from a config disk);
# catgirl draws its UI; appvm-shell runs what its console is given; an
# app VM powers off when its application exits.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

I=${SEPTA_IMAGES:?SEPTA_IMAGES: the folder images/build made}

# capture NAME FILE: record what NAME's console shows from now on (the
# console socket keeps nothing for a late reader). Bounded by 120 s.
capture() {
	timeout 120 socat -u "UNIX-CONNECT:$SEPTA_RUN/$1/console" \
		"OPEN:$2,creat,trunc" >/dev/null 2>&1 &
	sleep 0.3
}
seen() { grep -q "$2" "$1" 2>/dev/null; }
extra_teardown() {
	pkill -f "socat -u UNIX-CONNECT:$T/" 2>/dev/null
	:
}

built() { [ -s "$I/$1/vmlinux" ] && [ -s "$I/$1/blk/root.img" ]; }
for v in netvm appvm-elinks appvm-catgirl appvm-shell; do
	check "$v-built" built "$v"
done
check netvm-is-q35 [ "$(cat "$I/netvm/machine" 2>/dev/null)" = q35 ]
check tree-up tree_up
check import-as-built vm-import "$I"
for v in netvm appvm-elinks appvm-catgirl appvm-shell; do
	check "$v-stopped" is_status "$v" STOPPED
done

# netvm: the shell on its console (the administrator's) writes what we
# ask to the serial log.
check netvm-start vm-start netvm
check netvm-ready wait_until 90 log_has netvm SEPTA-READY
console_cmd netvm 'echo "fwd=$(cat /proc/sys/net/ipv4/ip_forward)" >/dev/ttyS0'
check netvm-forwarding-on wait_until 20 log_has netvm '^fwd=1'
console_cmd netvm 'echo "drop=$(nft list chain ip septa forward | grep -c "policy drop") masq=$(nft list chain ip septa postrouting | grep -c masquerade)" >/dev/ttyS0'
check netvm-ruleset-loaded wait_until 20 log_has netvm '^drop=1 masq=1'
console_cmd netvm 'echo "dns=$(pidof dnsmasq | wc -w)" >/dev/ttyS0'
check netvm-dns-forwarder-runs wait_until 20 log_has netvm '^dns=1'
# The administrator's shell comes back when it exits; netvm runs on.
check netvm-one-console-shell [ "$(log_count netvm 'starting /bin/sh')" -eq 1 ]
console_cmd netvm 'exit'
check netvm-console-shell-restarted wait_until 20 log_has netvm 'starting /bin/sh' 2
check netvm-still-running is_status netvm RUNNING

# appvm-elinks as built: elinks shows the VM's start page on the console.
capture appvm-elinks "$T/elinks.out"
check elinks-start vm-start appvm-elinks
check elinks-ready wait_until 90 log_has appvm-elinks SEPTA-READY
check elinks-draws-page wait_until 60 seen "$T/elinks.out" 'Septa appvm-elinks'
# Its settings came from the image's home skeleton: no first-run dialog.
check elinks-settings-from-home-skeleton sh -c "! grep -q 'Welcome to ELinks' '$T/elinks.out'"
check elinks-stop vm-stop appvm-elinks
check elinks-stopped is_status appvm-elinks STOPPED
check elinks-powered-off-by-button log_has appvm-elinks 'powering off: power button'

# The same image with a config disk of its own: elinks -dump of a local
# page, then the application's exit powers the VM off.
d=$T/defs/elinks-dump
mkdir -p "$d/blk"
for f in vmlinux initramfs cmdline blk/root.img; do ln -s "$I/appvm-elinks/$f" "$d/$f"; done
printf 'arg=-dump\narg=file:///usr/share/septa/index.html\n' >"$T/dump.conf"
check config-disk-made vm-config "$T/dump.conf" "$d/blk/config.img"
check import-variant vm-import "$T/defs"
capture elinks-dump "$T/dump.out"
check dump-start vm-start elinks-dump
check dump-config-disk-read wait_until 90 log_has elinks-dump 'configuration from /dev/vd'
check dump-exits-0 wait_until 60 log_has elinks-dump 'elinks exited with status 0'
check dump-page-text wait_until 10 seen "$T/dump.out" "This page is part of the VM's read-only root"
check dump-no-ui sh -c "! grep -q 'Welcome to ELinks' '$T/dump.out'"
check dump-app-exit-powers-off wait_until 30 is_status elinks-dump STOPPED

# appvm-catgirl: catgirl draws its UI; with no way out (netvm has no
# upstream here) it cannot resolve its server and exits: the VM powers off.
capture appvm-catgirl "$T/catgirl.out"
check catgirl-start vm-start appvm-catgirl
check catgirl-ready wait_until 90 log_has appvm-catgirl SEPTA-READY
check catgirl-draws-ui wait_until 60 seen "$T/catgirl.out" 'Traveling\.\.\.'
check catgirl-status-line seen "$T/catgirl.out" '<network>'
check catgirl-server-from-config-disk wait_until 30 seen "$T/catgirl.out" 'irc\.septa\.test'
check catgirl-exit-powers-off wait_until 60 is_status appvm-catgirl STOPPED
check catgirl-reported-exit log_has appvm-catgirl 'catgirl exited with status'

# appvm-shell: a root shell on its console, with busybox's network tools
# and iperf3; its exit powers the VM off.
check shell-start vm-start appvm-shell
check shell-ready wait_until 90 log_has appvm-shell SEPTA-READY
console_cmd appvm-shell 'echo "uid=$(id -u) tools=$(for t in ip ping nc nslookup iperf3; do command -v $t >/dev/null && echo -n $t.; done)" >/dev/ttyS0'
check shell-console-runs-command wait_until 20 log_has appvm-shell '^uid=0 tools=ip.ping.nc.nslookup.iperf3\.'
console_cmd appvm-shell 'exit'
check shell-exit-powers-off wait_until 30 is_status appvm-shell STOPPED
check shell-reported-exit log_has appvm-shell '/bin/sh exited with status 0'

check netvm-stop vm-stop netvm
check netvm-stopped is_status netvm STOPPED
check netvm-orderly-power-off log_has netvm 'powering off: power button'
