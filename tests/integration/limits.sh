#!/bin/sh
# Per-VM limits: each VMM runs in a cgroup of its own (cgroup.h) with a
# memory cap, a CPU weight and a task cap, from the definition's limits/
# or the defaults. A VM that fills its memory past its cap loses only its
# own VMM (and comes back STOPPED); a fork bomb inside a guest stays
# there. The cgroups go with the VMMs and the tree.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"


# cg_value CONTROLLER NAME V2FILE V1FILE: a limit of NAME's cgroup.
cg_value() {
	d=$(cg_dir "$1" "$2") || return 1
	if [ -e "$d/$3" ]; then cat "$d/$3"; else cat "$d/$4"; fi
}

mib() { echo $(($1 * 1024 * 1024)); }
is_v2() { d=$(cg_dir memory "$1") && [ -e "$d/memory.max" ]; }

check tree-up tree_up
# calm: every default. hog: 768 MiB of guest memory, but its whole VMM
# capped at 400 MiB. tuned: the other two limits set.
mkguest calm
mkguest hog
echo 768 >"$T/defs/hog/mem"
mkdir "$T/defs/hog/limits"
echo 400 >"$T/defs/hog/limits/memory"
mkguest tuned
mkdir "$T/defs/tuned/limits"
echo 50 >"$T/defs/tuned/limits/cpu-weight"
echo 64 >"$T/defs/tuned/limits/pids"
check import vm-import "$T/defs"
for v in calm hog tuned; do
	check "$v-start" vm-start "$v"
done
for v in calm hog tuned; do
	check "$v-booted" wait_until 300 log_has "$v" SEPTA-READY
done

# Where each VMM runs: septa/run-HASH/NAME, one cgroup per VM.
in_own() {
	d=$(cg_dir memory "$1") || return 1
	case $d in
	*/septa/run-????????????????/"$1") ;;
	*) return 1 ;;
	esac
	[ "$(cat "$d/cgroup.procs")" = "$(vmm_pid "$1")" ]
}
for v in calm hog tuned; do
	check "$v-in-own-cgroup" in_own "$v"
done
check pids-cgroup-too sh -c "[ -n \"\$(cat '$(cg_dir pids calm)/cgroup.procs')\" ]"
check cpu-cgroup-too sh -c "[ -n \"\$(cat '$(cg_dir cpu calm)/cgroup.procs')\" ]"
# The VMM's own view of it is its own root (a cgroup namespace): read
# from inside that namespace, every line of its /proc/PID/cgroup is "/".
own_view() {
	p=$(vmm_pid calm)
	[ -n "$p" ] && nsenter -t "$p" -C cat "/proc/$p/cgroup" >"$T/view" &&
		[ -s "$T/view" ] && awk -F: '$3 != "/" { bad = 1 } END { exit bad }' "$T/view"
}
check vmm-sees-only-its-cgroup own_view

# Defaults: the guest's memory plus 256 MiB for QEMU, plus 1024 MiB for
# its translation buffer under TCG; 256 tasks; weight 100.
extra=256
p=$(vmm_pid calm)
if tr '\0' ' ' <"/proc/$p/cmdline" | grep -q 'accel tcg\|accel=tcg'; then
	extra=$((extra + 1024))
fi
check default-memory [ "$(cg_value memory calm memory.max memory.limit_in_bytes)" = "$(mib $((256 + extra)))" ]
check default-pids [ "$(cg_value pids calm pids.max pids.max)" = 256 ]
if is_v2 calm; then
	check default-cpu-weight [ "$(cg_value cpu calm cpu.weight cpu.shares)" = 100 ]
	check set-cpu-weight [ "$(cg_value cpu tuned cpu.weight cpu.shares)" = 50 ]
else
	check default-cpu-weight [ "$(cg_value cpu calm cpu.weight cpu.shares)" = 1024 ]
	check set-cpu-weight [ "$(cg_value cpu tuned cpu.weight cpu.shares)" = 512 ]
fi
# The VMs together weigh as 16 default VMs against the host's processes.
group_weight() {
	c=$(dirname "$(cg_dir cpu calm)")
	if is_v2 calm; then
		[ "$(cat "$c/cpu.weight")" = 1600 ] && [ "$(cat "$(dirname "$c")/cpu.weight")" = 1600 ]
	else
		[ "$(cat "$c/cpu.shares")" = 16384 ] && [ "$(cat "$(dirname "$c")/cpu.shares")" = 16384 ]
	fi
}
check group-cpu-weight group_weight
check set-memory [ "$(cg_value memory hog memory.max memory.limit_in_bytes)" = "$(mib 400)" ]
check set-pids [ "$(cg_value pids tuned pids.max pids.max)" = 64 ]
tasks_within() {
	p=$(vmm_pid "$1")
	[ -n "$p" ] && [ "$(ls "/proc/$p/task" | wc -l)" -le "$2" ]
}
check vmm-tasks-within-cap tasks_within tuned 64

# A fork bomb in tuned's guest: the guest's processes are not the host's.
# The host's task count does not follow, and the other VMs go on.
host_tasks() { ls -d /proc/[0-9]*/task/* 2>/dev/null | wc -l; }
before=$(host_tasks)
tuned_pid=$(vmm_pid tuned)
console_cmd tuned 'b() { b | b & }; b'
sleep 10
check bomb-host-tasks-flat [ "$(host_tasks)" -le $((before + 50)) ]
check bomb-vmm-tasks-within-cap tasks_within tuned 64
console_cmd calm 'echo calm-alive-$((6*7)) >/dev/ttyS0'
check bomb-other-vm-answers wait_until 120 log_has calm calm-alive-42
check bomb-vmm-same [ "$(vmm_pid tuned)" = "$tuned_pid" ]

# hog fills its memory: 600 MiB in a tmpfs, past its VMM's 400 MiB cap.
# The kernel kills that VMM alone; s6 brings up a fresh one, STOPPED.
hog_pid=$(vmm_pid hog)
console_cmd hog 'mkdir -p /run/hog; mount -t tmpfs -o size=700m none /run/hog && dd if=/dev/zero of=/run/hog/f bs=1M count=600 && echo hog-filled >/dev/ttyS0'
hog_replaced() { p=$(vmm_pid hog); [ -n "$p" ] && [ "$p" != "$hog_pid" ]; }
check hog-vmm-killed wait_until 180 hog_replaced
check hog-never-filled [ "$(log_count hog hog-filled)" -eq 0 ]
# The kernel's log names the cgroup whose cap was hit, and the VMM.
oom_logged() {
	dmesg | grep "oom_memcg=/septa/run-[0-9a-f]*/hog,.*pid=$hog_pid," >/dev/null
}
check hog-killed-by-its-cgroup oom_logged
check hog-back-stopped wait_until 30 is_status hog STOPPED
check hog-new-vmm-in-cgroup wait_until 10 in_own hog
check calm-still-running is_status calm RUNNING
console_cmd calm 'echo calm-after-hog-$((6*7)) >/dev/ttyS0'
check calm-answers-after-hog wait_until 120 log_has calm calm-after-hog-42

# kill -9 of a VMM: the new one gets the cgroup, and there is still one
# cgroup per VM, holding one task.
kill_vmm tuned
check killed-vmm-back wait_until 30 is_status tuned STOPPED
check killed-vmm-new-in-cgroup wait_until 10 in_own tuned
rt=$(dirname "$(cg_dir memory calm)")
check one-cgroup-per-vm [ "$(find "$rt" -mindepth 1 -maxdepth 1 -type d | wc -l)" -eq 3 ]

# Without a cgroup hierarchy start-vmm refuses to run the VM, says why,
# and leaves nothing: no cgroup, no socket.
mkdir "$T/bare"
no_cgroup() {
	out=$(unshare -m sh -c '
		for m in $(awk "\$3 == \"cgroup\" || \$3 == \"cgroup2\" { print \$2 }" /proc/mounts); do
			umount -l "$m"
		done
		exec start-vmm calm' 2>&1)
	rc=$?
	[ $rc -eq 111 ] && printf '%s\n' "$out" | tail -n 1 |
		grep -qx 'start-vmm: calm: cgroup: no cgroup hierarchy with the memory, pids and cpu controllers'
}
vm-stop -t 0 calm >/dev/null 2>&1
s6-svc -d "$SEPTA_SERVICE/instance/calm"
calm_down() { [ -z "$(vmm_pid calm)" ]; }
check calm-down wait_until 30 calm_down
check no-hierarchy-refused no_cgroup
check no-hierarchy-no-socket [ ! -e "$SEPTA_RUN/calm/qmp" ]
check no-hierarchy-vmm-cgroup-gone [ ! -d "$rt/calm" ]

# The tree goes, and its cgroups with it, in every hierarchy.
septa-tree down "$T/tree" >/dev/null 2>&1
check tree-down-removes-cgroups [ ! -d "$rt" ]
gone_everywhere() {
	awk '$3 == "cgroup" || $3 == "cgroup2" { print $2 }' /proc/mounts |
		while read -r m; do
			[ ! -d "$m/septa/$(basename "$rt")" ] || exit 1
		done
}
check tree-down-all-hierarchies gone_everywhere
