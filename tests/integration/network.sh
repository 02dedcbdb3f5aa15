#!/bin/sh
# Networking end to end: the reference VMs (images/build) behind netvm,
# whose upstream is a test internet of this test's own (tools/test-internet:
# real DHCP, DNS, HTTP and IRC servers). elinks fetches a page by name,
# catgirl posts to an IRC channel that a second client watches, a client
# with two providers uses both, and the isolation matrix: an app VM reaches
# neither the host, nor another client of its netvm, nor another app VM
# behind another netvm; a VM without a provider reaches nothing; a client
# that changes its MAC or its source address gets nothing through. netvm
# restarts under a running client, which gets its network back by itself.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

I=${SEPTA_IMAGES:?SEPTA_IMAGES: the folder images/build made}
top=$(cd "$(dirname "$0")/../.." && pwd)
inet=septa-nt-$$
idir=$T/inet
port=$((20000 + $$ % 10000))
extra_teardown() {
	[ -z "${hostnc:-}" ] || kill "$hostnc" 2>/dev/null
	[ -z "${watch:-}" ] || kill "$watch" 2>/dev/null
	[ -z "${feed:-}" ] || kill "$feed" 2>/dev/null
	"$top/tools/test-internet" down "$inet" >/dev/null 2>&1
}

# def NAME IMAGE [PROVIDER...]: a definition of IMAGE's files (linked, as
# images/build made them) with providers of its own.
def() {
	d=$T/defs/$1 img=$I/$2
	shift 2
	mkdir -p "$d/blk"
	for f in vmlinux initramfs cmdline mem machine; do
		[ ! -e "$img/$f" ] || ln -s "$img/$f" "$d/$f"
	done
	ln -s "$img/blk/root.img" "$d/blk/root.img"
	[ ! -e "$img/blk/config.img" ] || ln -s "$img/blk/config.img" "$d/blk/config.img"
	for p in "$@"; do
		mkdir -p "$d/providers/net"
		: >"$d/providers/net/$p"
	done
}
# on VM COMMAND: type COMMAND into VM's console shell (appvm-shell, or
# netvm's administrator shell); what it writes to /dev/ttyS0 lands in the
# VM's serial log.
on() { console_cmd "$1" "$2"; }
# says VM TAG VALUE: the VM's log has the line "TAG: VALUE" (the serial
# log ends its lines with \r).
says() { grep -aq "^$2: $3.\{0,1\}\$" "$SEPTA_RUN/$1/log"; }
# fetch VM TAG: an HTTP request for http://www.septa.test/ from VM; it
# writes "TAG: 1" when the page came, "TAG: 0" when not.
fetch() {
	on "$1" "echo \"$2: \$(printf 'GET / HTTP/1.0\\r\\nHost: www.septa.test\\r\\n\\r\\n' | nc -w 5 www.septa.test 80 2>/dev/null | grep -c 'Septa test internet: it works')\" >/dev/ttyS0"
}
# pings VM TAG ARGS: "TAG: N", N the echo replies of ping -c 3 -W 2 ARGS
# (a way that works answers at least one: [123]; one that must not, 0).
pings() {
	vm=$1 tag=$2
	shift 2
	on "$vm" "echo \"$tag: \$(ping -c 3 -W 2 $* 2>&1 | grep -c 'bytes from')\" >/dev/ttyS0"
}
# sees SECONDS VM TAG VALUE: wait for says; on failure show what VM said.
sees() {
	wait_until "$1" says "$2" "$3" "$4" && return 0
	echo "#   $2 said: $(grep -a "^$3: " "$SEPTA_RUN/$2/log" | tr -d '\r' | tail -n 1)"
	return 1
}
# xy VM PROVIDER: the link's X.Y.
xy() { cat "$SEPTA_RUN/$1/link-$2"; }

check test-internet-up "$top/tools/test-internet" up "$inet" "$idir"
check tree-up tree_up
def netvm netvm
def netvm2 netvm
for nv in netvm netvm2; do
	printf 'netns /run/netns/%s inet0\n' "$inet" >"$T/defs/$nv/upstream"
done
def elinks appvm-elinks netvm
printf 'arg=-dump\narg=http://www.septa.test/\n' >"$T/elinks.conf"
check elinks-config-disk vm-config "$T/elinks.conf" "$T/defs/elinks/blk/config.img"
def catgirl appvm-catgirl netvm
rm "$T/defs/catgirl/blk/config.img"
# catgirl speaks TLS only; the test internet's certificate is its own.
printf 'arg=-h\narg=irc.septa.test\narg=-p\narg=6697\narg=-!\narg=-n\narg=septa-vm\narg=-j\narg=#septa\n' >"$T/catgirl.conf"
check catgirl-config-disk vm-config "$T/catgirl.conf" "$T/defs/catgirl/blk/config.img"
def sh-a appvm-shell netvm netvm2
def sh-b appvm-shell netvm
def sh-d appvm-shell
check import vm-import "$T/defs"

check start-two-providers-first vm-start sh-a
check start-b vm-start sh-b
check start-d vm-start sh-d
ready() { for v in netvm netvm2 sh-a sh-b sh-d; do log_has "$v" SEPTA-READY || return 1; done; }
check all-ready wait_until 240 ready
lease() { log_has "$1" 'upstream: 192\.0\.2\.1[0-9][0-9]/24 via 192\.0\.2\.1'; }
check netvm-lease-from-test-internet wait_until 60 lease netvm
check netvm2-lease-from-test-internet wait_until 60 lease netvm2
A1=$(xy sh-a netvm) A2=$(xy sh-a netvm2) B=$(xy sh-b netvm)
check client-address-from-mac log_has sh-b "100\.64\.$B/32 via 169\.254\.0\.1"

# appvm-elinks: elinks -dump http://www.septa.test/ through netvm, the
# name resolved by netvm's forwarder from the test internet's resolver.
capture() {
	timeout 120 socat -u "UNIX-CONNECT:$SEPTA_RUN/$1/console" \
		"OPEN:$2,creat,trunc" >/dev/null 2>&1 &
	sleep 0.3
}
seen() { grep -q "$2" "$1" 2>/dev/null; }
capture elinks "$T/elinks.out"
check elinks-start vm-start elinks
check elinks-page-through-netvm wait_until 120 seen "$T/elinks.out" 'Septa test internet: it works'
check elinks-exits-0 wait_until 30 log_has elinks 'elinks exited with status 0'
netvm_ip=$(grep -ao 'upstream: 192\.0\.2\.[0-9]*' "$SEPTA_RUN/netvm/log" | tail -n 1 | sed 's/.* //')
check name-resolved-upstream-for-netvm grep -q "query\[A\] www\.septa\.test from $netvm_ip\$" "$idir/dnsmasq.log"
check elinks-powers-off wait_until 60 is_status elinks STOPPED

# appvm-catgirl: joins #septa on the test internet's ngircd and posts a
# line; a second client in the test internet sees it.
"$top/tools/test-internet" irc-watch "$inet" '#septa' 'hello from appvm-catgirl' 240 >"$T/watch.out" 2>&1 &
watch=$!
watching() { grep -qs 'irc-watch: joined' "$T/watch.out"; }
check irc-watcher-joined wait_until 30 watching
check catgirl-start vm-start catgirl
check catgirl-ready wait_until 120 log_has catgirl SEPTA-READY
# Typed on catgirl's console until the watcher has seen it: a line typed
# before catgirl has joined is refused by the server (no external
# messages), not kept.
typed=0
while kill -0 "$watch" 2>/dev/null && [ "$typed" -lt 60 ]; do
	typed=$((typed + 1))
	printf '/msg #septa hello from appvm-catgirl\r' |
		timeout 10 socat -t 1 - "UNIX-CONNECT:$SEPTA_RUN/catgirl/console" >/dev/null 2>&1
	sleep 2
done
wait "$watch"
check irc-line-seen-by-second-client [ $? -eq 0 ]
watch=
check irc-line-text grep -q 'seen in #septa: .*hello from appvm-catgirl' "$T/watch.out"
check catgirl-stop vm-stop catgirl

# The isolation matrix. Positive controls first: each address is there.
fetch sh-b b-fetch
check b-fetches-page sees 30 sh-b b-fetch 1
pings netvm netvm-sees-a "100.64.$A1"
check netvm-reaches-a sees 30 netvm netvm-sees-a '[123]'
pings netvm2 netvm2-sees-a "100.64.$A2"
check netvm2-reaches-a sees 30 netvm2 netvm2-sees-a '[123]'
# app VM -> host: a listener on the host's own addresses.
busybox nc -l -p "$port" >"$T/host-got" 2>/dev/null &
hostnc=$!
hosts=$(ip -4 -o addr show scope global | awk '{print $4}' | sed 's,/.*,,' | tr '\n' ' ')
for h in $hosts; do
	on sh-b "echo \"b-to-host-$h: \$(echo septa-leak | nc -w 3 $h $port >/dev/null 2>&1; echo \$?)\" >/dev/ttyS0"
done
host_tried() { for h in $hosts; do grep -aq "b-to-host-$h: [0-9]" "$SEPTA_RUN/sh-b/log" || return 1; done; }
check app-to-host-tried wait_until 60 host_tried
check app-to-host-nothing-arrived [ ! -s "$T/host-got" ]
host_refused() { for h in $hosts; do says sh-b "b-to-host-$h" 0 && return 1; done; return 0; }
check app-to-host-no-connection host_refused
kill "$hostnc" 2>/dev/null
hostnc=
# app VM -> another client of the same netvm; -> another app VM behind
# another netvm.
pings sh-b b-to-a1 "100.64.$A1"
check app-to-client-of-same-netvm sees 30 sh-b b-to-a1 0
pings sh-b b-to-a2 "100.64.$A2"
check app-to-app-behind-other-netvm sees 30 sh-b b-to-a2 0
# No provider: no link, nothing reachable.
on sh-d 'echo "d-links: $(ls /sys/class/net | grep -vc "^lo$")" >/dev/ttyS0'
check no-provider-no-link sees 30 sh-d d-links 0
pings sh-d d-out 198.51.100.80
check no-provider-reaches-nothing sees 30 sh-d d-out 0
# A changed MAC gets nothing through; the right one again does.
mac=$(printf '0a:b3:ec:00:%02x:%02x' "${B%.*}" "${B#*.}")
on sh-b 'ip link set dev eth0 address 0a:b3:ec:00:01:01'
fetch sh-b b-fetch-other-mac
check changed-mac-gets-nothing sees 30 sh-b b-fetch-other-mac 0
pings sh-b b-ping-other-mac 169.254.0.1
check changed-mac-no-ping sees 30 sh-b b-ping-other-mac 0
on sh-b "ip link set dev eth0 address $mac"
fetch sh-b b-fetch-own-mac
check own-mac-again-works sees 30 sh-b b-fetch-own-mac 1
# A changed source address gets nothing through.
on sh-b 'ip addr add 100.64.1.1/32 dev eth0'
pings sh-b b-spoofed-source -I 100.64.1.1 198.51.100.80
check changed-source-gets-nothing sees 30 sh-b b-spoofed-source 0
on sh-b 'ip addr del 100.64.1.1/32 dev eth0'

# Two providers: sh-a goes out through netvm by default and through
# netvm2 from its second address; with netvm down, netvm2 still serves.
fetch sh-a a-fetch
check two-providers-default-works sees 30 sh-a a-fetch 1
pings sh-a a-via-netvm2 -I "100.64.$A2" 198.51.100.80
check two-providers-second-works sees 30 sh-a a-via-netvm2 '[123]'

# netvm restarts; its running clients get their network back without a
# restart of their own.
check netvm-stop vm-stop netvm
pings sh-a a-via-netvm2-alone -I "100.64.$A2" 198.51.100.80
check second-provider-serves-alone sees 30 sh-a a-via-netvm2-alone '[123]'
check netvm-start vm-start netvm
check netvm-booted-again wait_until 120 log_has netvm SEPTA-READY 2
tries=0
b_back() {
	tries=$((tries + 1))
	fetch sh-b "b-back-$tries"
	sleep 2
	says sh-b "b-back-$tries" 1
}
check client-network-back-after-netvm-restart wait_until 120 b_back
check client-kept-running is_status sh-b RUNNING
check client-not-rebooted [ "$(log_count sh-b SEPTA-READY)" -eq 1 ]
