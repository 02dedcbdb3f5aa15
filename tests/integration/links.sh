#!/bin/sh
# The host's side of client-to-provider links (lib/link.h), with the test
# guest on both sides: where the interfaces live and what they carry, that
# every end of a client's VMM (stop, kill -9) and a provider's restart
# leave exactly one working link per client, 50 start/stop cycles that
# leak nothing, and an upstream tap in a namespace of the test's own.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

ns=septa-lt-$$
extra_teardown() {
	ip netns del "$ns" 2>/dev/null
}

# lns COMMAND...: run in the links namespace.
lns() { nsenter --net="$SEPTA_RUN/.netns" "$@"; }
# xy VM PROVIDER: the link's X.Y, as recorded.
xy() { cat "$SEPTA_RUN/$1/link-$2"; }
# qom_links VM: the link-X.Y devices in VM's VMM, one per line, sorted.
qom_links() {
	printf '%s\n' '{"execute":"qmp_capabilities"}' \
		'{"execute":"qom-list","arguments":{"path":"/machine/peripheral"}}' |
		timeout 20 socat -t 5 - "UNIX-CONNECT:$SEPTA_RUN/$1/qmp" 2>/dev/null |
		grep -o '"link-[0-9.]*"' | tr -d '"' | sort
}
want_links() { [ "$(qom_links "$1" | tr '\n' ' ')" = "$2" ]; }
cmdline_of() { tr '\0' ' ' <"/proc/$(vmm_pid "$1")/cmdline"; }
# link_ok XY: br-XY with exactly c-XY and p-XY on it, all up.
link_ok() {
	[ "$(lns ip -o link show master "br-$1" 2>/dev/null | awk '{print $2}' |
		sed 's/@.*//; s/:$//' | sort | tr '\n' ' ')" = "c-$1 p-$1 " ] &&
		lns ip -o link show "br-$1" | grep -q 'state UP'
}
# Every interface of the links namespace but lo, sorted.
link_ifs() { lns ip -o link | awk '{print $2}' | sed 's/@.*//; s/:$//' | grep -v '^lo$' | sort | tr '\n' ' '; }
# The interfaces of both clients' links, nothing else.
both_links() { [ "$(link_ifs)" = "$(printf '%s\n' "br-$A" "br-$B" "br-$Q" "c-$A" "c-$B" "c-$Q" "p-$A" "p-$B" "p-$Q" | sort | tr '\n' ' ')" ]; }
# guest NAME COMMAND: run in the test guest's console shell; what it
# prints to the serial port lands in NAME's log.
guest() { console_cmd "$1" "$2"; }

check tree-up tree_up
mkguest net
echo q35 >"$T/defs/net/machine"
for c in a b; do
	mkguest "$c"
	mkdir -p "$T/defs/$c/providers/net"
	: >"$T/defs/$c/providers/net/net"
done
mkguest lone
# q: a q35 client, whose start-vmm takes its own lock (as a provider)
# after its link is made: a lock held here stops it right there.
mkguest q
echo q35 >"$T/defs/q/machine"
mkdir -p "$T/defs/q/providers/net"
: >"$T/defs/q/providers/net/net"
check import vm-import "$T/defs"
A='' B='' Q=''
links_recorded() {
	A=$(xy a net 2>/dev/null) && B=$(xy b net 2>/dev/null) &&
		Q=$(xy q net 2>/dev/null) && [ -n "$A" ] && [ -n "$B" ] && [ -n "$Q" ]
}
check links-recorded wait_until 60 links_recorded
check links-distinct [ "$(printf '%s\n' "$A" "$B" "$Q" | sort -u | wc -l)" -eq 3 ]
check links-made wait_until 60 both_links
check links-ns-is-a-namespace [ "$(stat -f -c %T "$SEPTA_RUN/.netns")" = nsfs ]
check link-a-two-ports-up link_ok "$A"
check link-b-two-ports-up link_ok "$B"
check host-has-no-link-interfaces sh -c "! ip -o link | grep -Eq ' (br|c|p)-[0-9]+\.[0-9]+'"
check links-ns-no-ipv4 sh -c "! nsenter --net='$SEPTA_RUN/.netns' ip -4 -o addr | grep -q inet"
check links-ns-no-ipv6 sh -c "! nsenter --net='$SEPTA_RUN/.netns' ip -6 -o addr | grep -q inet6"
check links-ns-no-forwarding [ "$(lns cat /proc/sys/net/ipv4/ip_forward)" = 0 ]
all3=$(printf 'link-%s\n' "$A" "$B" "$Q" | sort | tr '\n' ' ')
check provider-has-both wait_until 60 want_links net "$all3"
mac() { printf '0a:b3:ec:%s:%02x:%02x' "$1" "${2%.*}" "${2#*.}"; }
check client-nic-mac sh -c "tr '\0' ' ' </proc/$(vmm_pid a)/cmdline | grep -q 'mac=$(mac 00 "$A")'"
check lone-has-no-nic sh -c "! tr '\0' ' ' </proc/$(vmm_pid lone)/cmdline | grep -q -- -netdev"

# Frames cross a link: addresses set by hand in the test guests (the
# reference images do this themselves from the MACs).
check start-a-starts-net vm-start a
check start-b vm-start b
up3() { log_has net SEPTA-READY && log_has a SEPTA-READY && log_has b SEPTA-READY; }
check all-booted wait_until 120 up3
net_cfg='for i in /sys/class/net/eth*; do m=$(cat $i/address); n=${i##*/}; ip link set $n up; ip addr add 169.254.0.1/32 dev $n; ip route add 100.64.$((0x$(echo $m | cut -d: -f5))).$((0x$(echo $m | cut -d: -f6)))/32 dev $n; done; echo net-configured-$((1+1)) >/dev/ttyS0'
guest net "$net_cfg"
check net-configured wait_until 20 log_has net net-configured-2
guest a "ip link set eth0 up; ip addr add 100.64.$A/32 dev eth0; ip route add 169.254.0.1/32 dev eth0; echo a-configured-\$((2+2)) >/dev/ttyS0"
guest b "ip link set eth0 up; ip addr add 100.64.$B/32 dev eth0; ip route add 169.254.0.1/32 dev eth0; ip route add 100.64.$A/32 dev eth0; echo b-configured-\$((2+3)) >/dev/ttyS0"
both_cfg() { log_has a a-configured-4 && log_has b b-configured-5; }
check clients-configured-both wait_until 20 both_cfg
guest a 'ping -c 3 -W 2 169.254.0.1 >/tmp/p 2>&1; echo "a-ping: $(grep -c "bytes from 169.254.0.1" /tmp/p)" >/dev/ttyS0'
check a-reaches-provider wait_until 30 log_has a 'a-ping: [123]'
# b's link ends at net, which does not forward: a is not there.
guest b "ping -c 2 -W 1 100.64.$A >/tmp/p 2>&1; echo \"b-ping-a: \$(grep -c 'bytes from' /tmp/p)\" >/dev/ttyS0"
check b-cannot-reach-a wait_until 30 log_has b 'b-ping-a: 0'

# Every end of a client's VMM: its link goes, and the fresh VMM's comes.
check stop-a vm-stop a
check a-stopped is_status a STOPPED
check after-stop-one-link-each wait_until 60 want_links net "$all3"
check after-stop-interfaces both_links
check after-stop-same-address [ "$(xy a net)" = "$A" ]
pid_a=$(vmm_pid a)
check kill-a kill_vmm a
new_vmm() { p=$(vmm_pid a) && [ -n "$p" ] && [ "$p" != "$pid_a" ]; }
check after-kill-new-vmm wait_until 60 new_vmm
check after-kill-one-link-each wait_until 60 want_links net "$all3"
check after-kill-interfaces wait_until 30 both_links
check after-kill-link-ok link_ok "$A"

# The provider restarts: its fresh VMM cold-plugs both links; the running
# client b keeps its own configuration and reaches it again.
check restart-net-stop vm-stop net
check restart-net-links wait_until 60 want_links net "$all3"
check restart-net-start vm-start net
check restart-net-booted wait_until 120 log_has net SEPTA-READY 2
guest net "$(echo "$net_cfg" | sed 's/net-configured-/net-again-/')"
check restart-net-configured wait_until 20 log_has net net-again-2
guest b 'ping -c 3 -W 2 169.254.0.1 >/tmp/p 2>&1; echo "b-ping-net: $(grep -c "bytes from 169.254.0.1" /tmp/p)" >/dev/ttyS0'
check restart-b-reaches-net-again wait_until 30 log_has b 'b-ping-net: [123]'
check restart-b-kept-running is_status b RUNNING

# kill -9 of start-vmm in the middle of its work: q's start-vmm has made
# its link and hot-plugged it into net when it waits for its own lock.
# s6's finish removes the link; once (-O) keeps s6 from starting q again.
svc=$SEPTA_SERVICE/instance/q
check q-once s6-svc -O "$svc"
check q-vmm-killed kill_vmm q
q_down() { [ -z "$(vmm_pid q)" ]; }
check q-down wait_until 60 q_down
q_gone() { ! lns ip link show "br-$Q" >/dev/null 2>&1 && ! qom_links net | grep -qx "link-$Q"; }
check q-finish-removed-link wait_until 60 q_gone
timeout 120 flock "$SEPTA_RUN/q/links.lock" sleep 120 &
lockpid=$!
sleep 0.5
check q-start-once s6-svc -o "$svc"
q_stuck() { [ -n "$(vmm_pid q)" ] && link_ok "$Q" && qom_links net | grep -qx "link-$Q"; }
check q-start-vmm-holds-link wait_until 60 q_stuck
check q-start-vmm-not-qemu-yet sh -c "tr '\0' ' ' </proc/$(vmm_pid q)/cmdline | grep -q '^start-vmm '"
check q-kill-start-vmm kill_vmm q
check q-start-vmm-link-removed wait_until 60 q_gone
kill "$lockpid" 2>/dev/null
check q-up-again s6-svc -u "$svc"
check q-link-back wait_until 60 want_links net "$all3"

# 50 start/stop cycles of a client against the running provider: the
# links namespace, the provider's devices and descriptors, the provider
# guest's interfaces and the host's mounts are as before.
guest net 'echo "net-ifs-before: $(ls /sys/class/net | wc -l)" >/dev/ttyS0'
check leak-counted wait_until 20 log_has net net-ifs-before
netfds() { ls "/proc/$(vmm_pid net)/fd" | wc -l; }
ifs0=$(link_ifs) devs0=$(qom_links net | tr '\n' ' ') fds0=$(netfds)
host0=$(ip -o link | wc -l) mnt0=$(grep -c "$T" /proc/mounts)
# (wait_until counts with i: the loop has a counter of its own)
cycles_ok=0
cycle=0
while [ "$cycle" -lt 50 ]; do
	cycle=$((cycle + 1))
	vm-start a >/dev/null 2>&1 && vm-stop -t 0 a >/dev/null 2>&1 &&
		wait_until 60 is_status a STOPPED && cycles_ok=$((cycles_ok + 1))
done
check leak-50-cycles [ "$cycles_ok" -eq 50 ]
check leak-links-after wait_until 60 want_links net "$devs0"
check leak-interfaces [ "$(link_ifs)" = "$ifs0" ]
check leak-provider-fds [ "$(netfds)" -eq "$fds0" ]
check leak-host-interfaces [ "$(ip -o link | wc -l)" -eq "$host0" ]
check leak-mounts [ "$(grep -c "$T" /proc/mounts)" -eq "$mnt0" ]
guest net 'echo "net-ifs-after: $(ls /sys/class/net | wc -l)" >/dev/ttyS0'
check leak-guest-counted wait_until 20 log_has net net-ifs-after
before=$(grep -a 'net-ifs-before:' "$SEPTA_RUN/net/log" | tail -n 1 | tr -dc 0-9)
after=$(grep -a 'net-ifs-after:' "$SEPTA_RUN/net/log" | tail -n 1 | tr -dc 0-9)
check leak-provider-guest-interfaces [ "$before" = "$after" ]
check leak-link-still-works link_ok "$A"

# An upstream tap in a network namespace of the test's own.
ip netns add "$ns"
ip -n "$ns" link add inet0 type bridge
ip -n "$ns" link set inet0 up
mkguest up
printf 'netns /run/netns/%s inet0\n' "$ns" >"$T/defs/up/upstream"
check import-up vm-import "$T/defs"
check upstream-vmm-up wait_until 60 is_status up STOPPED
taps() { ip -n "$ns" -o link show master inet0 | awk '{print $2}' | sed 's/:$//'; }
one_tap() { [ "$(taps | wc -l)" -eq 1 ]; }
check upstream-tap-on-bridge wait_until 20 one_tap
check upstream-tap-no-ipv6 sh -c "! ip -n '$ns' -6 -o addr show dev $(taps) | grep -q inet6"
check upstream-mac-not-septa sh -c "tr '\0' ' ' </proc/$(vmm_pid up)/cmdline | grep -q 'netdev=upstream,mac=52:54:00:'"
# start-vmm reads the definition at every start: a namespace or a bridge
# that is not there is one line and exit 111 (s6 tries again), and
# nothing is left behind.
# last_line_is STATUS LINE COMMAND...: COMMAND exits with STATUS and the
# last line it prints is LINE (the first one names the accelerator).
last_line_is() {
	want_rc=$1 want=$2
	shift 2
	got=$("$@" 2>&1)
	rc=$?
	[ "$rc" -eq "$want_rc" ] && [ "$(echo "$got" | tail -n 1)" = "$want" ] && return 0
	echo "#   got status $rc: $got"
	return 1
}
printf 'netns /run/netns/%s-none inet0\n' "$ns" >"$T/defs/up/upstream"
check upstream-missing-ns last_line_is 111 \
	"start-vmm: up: upstream: /run/netns/$ns-none: No such file or directory" start-vmm up
printf 'netns /run/netns/%s nosuch0\n' "$ns" >"$T/defs/up/upstream"
check upstream-missing-bridge last_line_is 111 \
	"start-vmm: up: upstream: /run/netns/$ns: bridge nosuch0: No such device" start-vmm up
echo q35 >"$T/defs/up/machine"
echo 'pci 0000:03:00.0' >"$T/defs/up/upstream"
check upstream-pci-refused last_line_is 1 \
	"start-vmm: up: upstream: a passed-through NIC is not supported in the VMM sandbox yet" start-vmm up
rm "$T/defs/up/machine"
printf 'netns /run/netns/%s inet0\n' "$ns" >"$T/defs/up/upstream"
check upstream-failures-leave-nothing sh -c "[ \$(ip -n '$ns' -o link | wc -l) -eq 3 ]"
check upstream-failures-leave-no-links both_links
pid_up=$(vmm_pid up)
check upstream-kill kill_vmm up
new_up() { p=$(vmm_pid up) && [ -n "$p" ] && [ "$p" != "$pid_up" ] && is_status up STOPPED; }
check upstream-new-vmm wait_until 60 new_up
check upstream-old-tap-gone wait_until 20 one_tap
