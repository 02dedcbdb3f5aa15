#!/bin/sh
# kill -9 of a client's VMM, of its provider's, and of start-vmm at each
# step of its setup (the fault file, start-vmm(8) "Fault injection"), for
# the client and for the provider: each time the VM comes back STOPPED
# and the host is as before: one QEMU per VM, the interfaces of the one
# link, the same mounts and host interfaces, the VMs' sockets only, one
# cgroup per VM holding its VMM, no start-vmm or readiness helper left.
# Then septa-tree down leaves nothing of the tree.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
src=$(cd "$(dirname "$0")/../.." && pwd)

# A fault left behind by a test that stopped half-way is no one's.
extra_teardown() {
	rm -f "${SEPTA_RUN:-$T/tree/run}"/*/fault
}

# The steps, in start-vmm's order; checked against its table below.
steps='loaded-definition client-links provider-lock provider-links upstream
sockets log loaded-record sandbox-prepared notifier cgroup exec'
steps_line=$(echo "$steps" | tr '\n' ' ')

# lns COMMAND...: run in the links namespace.
lns() { nsenter --net="$SEPTA_RUN/.netns" "$@"; }
# Every interface of the links namespace but lo, sorted, on one line.
link_ifs() { lns ip -o link 2>/dev/null | awk '{print $2}' | sed 's/@.*//; s/:$//' | grep -v '^lo$' | sort | tr '\n' ' '; }
# qom_links VM: the link-X.Y devices in VM's VMM, on one line, sorted.
qom_links() {
	printf '%s\n' '{"execute":"qmp_capabilities"}' \
		'{"execute":"qom-list","arguments":{"path":"/machine/peripheral"}}' |
		timeout 20 socat -t 5 - "UNIX-CONNECT:$SEPTA_RUN/$1/qmp" 2>/dev/null |
		grep -o '"link-[0-9.]*"' | tr -d '"' | sort | tr '\n' ' '
}
# link_ok XY: br-XY with exactly c-XY and p-XY on it, all up.
link_ok() {
	[ "$(lns ip -o link show master "br-$1" 2>/dev/null | awk '{print $2}' |
		sed 's/@.*//; s/:$//' | sort | tr '\n' ' ')" = "c-$1 p-$1 " ] &&
		lns ip -o link show "br-$1" | grep -q 'state UP'
}

# The processes of this tree, "PID ARGS" a line: those whose environment
# names our runtime root (what septa-tree gave s6-svscan, and everything
# it started inherits), outside the test's own session (the test shell and
# what it runs have it too). Others' trees may run on the same host.
mysid=$(ps -o sid= -p $$ | tr -d ' ')
tree_procs() {
	pids=$(grep -lsxz "SEPTA_RUN=$SEPTA_RUN" /proc/[0-9]*/environ |
		cut -d/ -f3 | paste -sd, -)
	[ -n "$pids" ] || return 0
	ps -o sid=,pid=,args= -p "$pids" |
		awk -v me="$mysid" '$1 != me { $1 = ""; print substr($0, 2) }'
}
# Processes of the tree that are neither supervisors nor QEMUs: a
# start-vmm, its readiness helper, a finish script.
strays() {
	tree_procs | awk '{ n = split($2, a, "/"); b = a[n] }
		b !~ /^s6-/ && b !~ /^qemu-system-/ { print }'
}
no_strays() { [ -z "$(strays)" ]; }
qemu_count() { tree_procs | grep -c -- "^[0-9]* [^ ]*qemu-system-[^ ]* -name $1 "; }
one_qemu_each() { [ "$(qemu_count app)" -eq 1 ] && [ "$(qemu_count net)" -eq 1 ]; }

# Host state outside the links namespace: the mounts that name this test's
# directory (the links namespace's; the VMMs' own are in namespaces of
# their own), and the host's interfaces.
mounts() { grep -F "$T" /proc/mounts | sort; }
host_ifs() { ip -o link | awk '{print $2}' | sed 's/@.*//; s/:$//' | sort | tr '\n' ' '; }
sockets() { (cd "$SEPTA_RUN" && find . -type s | sort | tr '\n' ' '); }
want_sockets='./app/console ./app/qmp ./app/qmp-status ./net/console ./net/qmp ./net/qmp-status '

# The tree's cgroup directories (septa/run-HASH), one per hierarchy used.
cg_roots() {
	for c in memory pids cpu; do
		d=$(cg_dir "$c" app) && dirname "$d"
	done | sort -u
}
# In each hierarchy, a cgroup for each VM and no other, holding exactly
# that VM's VMM.
cgroups_ok() {
	for r in $roots; do
		[ "$(cd "$r" && find . -mindepth 1 -maxdepth 1 -type d | sort | tr '\n' ' ')" = './app ./net ' ] ||
			return 1
		for w in app net; do
			[ "$(cat "$r/$w/cgroup.procs")" = "$(vmm_pid "$w")" ] || return 1
		done
	done
}

# deaths NAME: how many ends of NAME's service s6 has counted.
deaths() { s6-svdt "$SEPTA_SERVICE/instance/$1" | wc -l; }
# fault_lines NAME STEP: how many starts of NAME died at STEP.
fault_lines() { grep -c "^start-vmm: $1: fault: kill -9 at $2\$" "$T/tree/svscan.log"; }

# booted LABEL NAME COUNT...: each NAME's guest has booted more than
# COUNT times; else the end of its log, for the reader.
booted() {
	label=$1
	shift
	if wait_until 300 booted_all "$@"; then
		ok "$label"
		return
	fi
	not_ok "$label" "failed: wait_until 300 booted_all $*"
	while [ $# -ge 2 ]; do
		echo "$1 ($(status "$1")):"
		tail -n 4 "$SEPTA_RUN/$1/log" | tr -cd '[:print:]\n'
		shift 2
	done | sed 's/^/#   /'
}
booted_all() {
	while [ $# -ge 2 ]; do
		log_has "$1" SEPTA-READY $(($2 + 1)) || return 1
		shift 2
	done
}

# back_stopped NAME OLDPID: a new VMM, its VM STOPPED.
back_stopped() {
	p=$(vmm_pid "$1")
	[ -n "$p" ] && [ "$p" != "$2" ] && is_status "$1" STOPPED
}

# clean LABEL: the host as it must be with both VMMs up.
clean() {
	check "$1-one-qemu-each" one_qemu_each
	check "$1-link-interfaces" [ "$(link_ifs)" = "$ifs_link" ]
	check "$1-provider-holds-link-once" [ "$(qom_links net)" = "link-$X " ]
	check "$1-mounts" [ "$(mounts)" = "$mounts0" ]
	check "$1-host-interfaces" [ "$(host_ifs)" = "$host0" ]
	check "$1-sockets" [ "$(sockets)" = "$want_sockets" ]
	check "$1-one-cgroup-per-vm" cgroups_ok
	# The readiness helper leaves once it has signalled.
	check "$1-no-stray-process" wait_until 10 no_strays
}

# fault NAME STEP: NAME's next start dies at STEP; kill -9 its VMM so that
# s6 starts it again now. That start dies, s6 runs finish (start-vmm -f),
# then starts NAME again, cleanly.
fault() {
	v=$1 step=$2
	old=$(vmm_pid "$v") d0=$(deaths "$v") f0=$(fault_lines "$v" "$step")
	echo "$step" >"$SEPTA_RUN/$v/fault"
	kill_vmm "$v"
	check "$v-$step-back-stopped" wait_until 60 back_stopped "$v" "$old"
	check "$v-$step-fault-file-used" [ ! -e "$SEPTA_RUN/$v/fault" ]
	check "$v-$step-start-vmm-died-there" [ "$(fault_lines "$v" "$step")" -eq $((f0 + 1)) ]
	# The VMM and the start-vmm after it, both by SIGKILL.
	check "$v-$step-two-deaths" sh -c "[ \$(s6-svdt '$SEPTA_SERVICE/instance/$v' | tail -n +$((d0 + 1)) | grep -c 'signal SIGKILL\$') -eq 2 ]"
	clean "$v-$step"
}

host_before=$(host_ifs)
check tree-up tree_up
check steps-as-in-start-vmm [ "$(sed -n '/^static const char \*const fault_steps/,/^};/s/.*= "\(.*\)",$/\1/p' "$src/src/start-vmm.c" | tr '\n' ' ')" = "$steps_line" ]
check steps-as-in-man-page [ "$(sed -n '/^## Fault injection/,/^# /s/^\*\([a-z-]*\)\*$/\1/p' "$src/man/start-vmm.8.scd" | tr '\n' ' ')" = "$steps_line" ]
mkguest net
echo q35 >"$T/defs/net/machine"
mkguest app
mkdir -p "$T/defs/app/providers/net"
: >"$T/defs/app/providers/net/net"
check import vm-import "$T/defs"
X=''
recorded() { X=$(cat "$SEPTA_RUN/app/link-net" 2>/dev/null) && [ -n "$X" ]; }
check link-recorded wait_until 60 recorded
ifs_link=$(printf '%s\n' "br-$X" "c-$X" "p-$X" | sort | tr '\n' ' ')
# (app's first start may replace net's first VMM, which held its link)
settled() {
	is_status app STOPPED && is_status net STOPPED && link_ok "$X" &&
		[ "$(qom_links net)" = "link-$X " ]
}
check both-stopped-link-made wait_until 60 settled
roots=$(cg_roots)
check cgroup-roots-found [ -n "$roots" ]
mounts0=$(mounts) host0=$(host_ifs)
check links-ns-mounted [ -n "$mounts0" ]
clean start

# The provider first, STOPPED, with app STOPPED holding its link: every
# fresh VMM of net cold-plugs it.
for s in $steps; do
	app_pid=$(vmm_pid app)
	fault net "$s"
	check "net-$s-app-kept-its-vmm" [ "$(vmm_pid app)" = "$app_pid" ]
	check "net-$s-link-ok" link_ok "$X"
done

# Both running, a frame crosses the link (addresses set by hand in the
# test guests, as links.sh does).
n_net=$(log_count net SEPTA-READY) n_app=$(log_count app SEPTA-READY)
check start-app-and-net vm-start app
booted both-booted net "$n_net" app "$n_app"
net_cfg='for i in /sys/class/net/eth*; do m=$(cat $i/address); n=${i##*/}; ip link set $n up; ip addr add 169.254.0.1/32 dev $n; ip route add 100.64.$((0x$(echo $m | cut -d: -f5))).$((0x$(echo $m | cut -d: -f6)))/32 dev $n; done; echo net-configured-$((1+1)) >/dev/ttyS0'
console_cmd net "$net_cfg"
check net-configured wait_until 30 log_has net net-configured-2
console_cmd app "ip link set eth0 up; ip addr add 100.64.$X/32 dev eth0; ip route add 169.254.0.1/32 dev eth0; echo app-configured-\$((2+2)) >/dev/ttyS0"
check app-configured wait_until 30 log_has app app-configured-4
# ping_net MARK: app pings net; MARK: N, the replies, in app's log.
ping_net() {
	console_cmd app "ping -c 3 -W 2 169.254.0.1 >/tmp/p 2>&1; echo \"$1: \$(grep -c 'bytes from 169.254.0.1' /tmp/p)\" >/dev/ttyS0"
}
ping_net app-ping-1
check app-reaches-net wait_until 30 log_has app 'app-ping-1: [123]'

# kill -9 of the provider's VMM while app runs: app goes on, net comes
# back STOPPED with the link cold-plugged, and once it runs again app
# reaches it again.
app_pid=$(vmm_pid app) net_pid=$(vmm_pid net)
check net-kill kill_vmm net
check net-back-stopped wait_until 60 back_stopped net "$net_pid"
check net-kill-app-kept-running is_status app RUNNING
check net-kill-app-same-vmm [ "$(vmm_pid app)" = "$app_pid" ]
check net-kill-link-ok link_ok "$X"
clean net-kill
n_net=$(log_count net SEPTA-READY)
check net-start-again vm-start net
booted net-booted-again net "$n_net"
console_cmd net "$(echo "$net_cfg" | sed 's/net-configured-/net-again-/')"
check net-configured-again wait_until 30 log_has net net-again-2
ping_net app-ping-2
check app-reaches-net-again wait_until 30 log_has app 'app-ping-2: [123]'

# kill -9 of app's VMM while it runs: it comes back STOPPED, its link is
# taken out of the running net and plugged again.
app_pid=$(vmm_pid app) net_pid=$(vmm_pid net)
check app-kill kill_vmm app
check app-back-stopped wait_until 60 back_stopped app "$app_pid"
check app-kill-net-kept-running is_status net RUNNING
check app-kill-net-same-vmm [ "$(vmm_pid net)" = "$net_pid" ]
check app-kill-link-ok link_ok "$X"
clean app-kill

# The client at every step, against the running provider, whose VMM stays
# the same throughout.
for s in $steps; do
	fault app "$s"
	check "app-$s-net-kept-its-vmm" [ "$(vmm_pid net)" = "$net_pid" ]
	check "app-$s-link-ok" link_ok "$X"
done
check net-still-running is_status net RUNNING

# Bad input, start-vmm run by hand while app's service is down: a step
# that does not exist is a usage error, and the fault is used up.
svc=$SEPTA_SERVICE/instance/app
check app-down s6-svc -d "$svc"
app_down() { [ -z "$(vmm_pid app)" ] && [ "$(link_ifs)" = '' ]; }
check app-down-link-gone wait_until 60 app_down
bad() {
	printf '%b' "$2" >"$SEPTA_RUN/app/fault"
	expect 100 "start-vmm: app: fault: unknown step \"$1\"" start-vmm app &&
		[ ! -e "$SEPTA_RUN/app/fault" ]
}
check bad-step bad sokets 'sokets\n'
check bad-step-empty bad '' ''
check bad-step-two-lines bad 'exec?exec' 'exec\nexec\n'
check bad-step-trailing-space bad 'exec ' 'exec \n'
no_app_cgroup() {
	for r in $roots; do [ ! -e "$r/app" ] || return 1; done
}
check bad-step-no-cgroup wait_until 20 no_app_cgroup
check bad-step-no-qemu [ "$(qemu_count app)" -eq 0 ]
check bad-step-no-link [ "$(link_ifs)" = '' ]
# A fault also works without s6: start-vmm dies by SIGKILL at its step,
# leaving the link's bridge and the provider's side plugged (its own tap
# went with it), and -f removes them.
direct() {
	echo client-links >"$SEPTA_RUN/app/fault"
	start-vmm app >/dev/null 2>&1
	[ $? -eq 137 ] && [ ! -e "$SEPTA_RUN/app/fault" ] &&
		lns ip link show "br-$X" >/dev/null 2>&1 &&
		[ "$(qom_links net)" = "link-$X " ]
}
check direct-run-killed direct
check direct-run-finish start-vmm -f app
check direct-run-link-removed [ "$(link_ifs)" = '' ]
check direct-run-link-unplugged [ "$(qom_links net)" = '' ]
check direct-run-net-same-vmm [ "$(vmm_pid net)" = "$net_pid" ]
check app-up s6-svc -u "$svc"
check app-up-stopped wait_until 60 is_status app STOPPED
clean app-up

# The tree goes, and everything of it.
check tree-down septa-tree down "$T/tree"
no_tree_process() { [ -z "$(tree_procs)" ]; }
check tree-down-no-process wait_until 10 no_tree_process
check tree-down-no-mount [ -z "$(mounts)" ]
no_cgroup() {
	for r in $roots; do [ ! -e "$r" ] || return 1; done
}
check tree-down-no-cgroup no_cgroup
check tree-down-no-links-namespace [ ! -e "$SEPTA_RUN/.netns" ]
check tree-down-host-interfaces [ "$(host_ifs)" = "$host_before" ]
