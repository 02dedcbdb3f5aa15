#!/bin/sh
# kill -9 of a VMM: s6 brings it back, the VM is STOPPED, and nothing of
# the old one is left: no process, no stale socket, no readiness helper.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

# Processes of this tree that are not supervisors: QEMUs and anything
# start-vmm may have left (its readiness helper).
leftovers() {
	pgrep -f "$T/" | while read -r p; do
		c=$(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null)
		case "$c" in
		s6-sv* | s6-supervise* | "") ;;
		*) echo "$p $c" ;;
		esac
	done
}

vmm_count() { pgrep -fc -- "-name $1 " || true; }

check tree-up tree_up
mkguest k9
vm-import "$T/defs"
vm-start k9
check running wait_until 60 log_has k9 SEPTA-READY
old=$(vmm_pid k9)
check kill-vmm kill_vmm k9
check vmm-comes-back-stopped wait_until 20 is_status k9 STOPPED
new=$(vmm_pid k9)
check new-vmm-pid [ -n "$new" ] && [ "$new" != "$old" ]
check old-vmm-gone [ ! -e "/proc/$old" ]
check exactly-one-vmm [ "$(vmm_count k9)" -eq 1 ]
no_start_vmm() { [ "$(pgrep -fc '[s]tart-vmm')" -eq 0 ]; }
check no-readiness-helper-left wait_until 5 no_start_vmm
check sockets-are-fresh [ "$(ls "$SEPTA_RUN/k9" | tr '\n' ' ')" = 'config console console.lock loaded log qmp qmp-status vmm-id vmm-uid ' ]
check starts-after-kill vm-start k9
check boots-after-kill wait_until 60 log_has k9 SEPTA-READY 2
# kill -9 of a stopped VM's VMM, twice in a row.
vm-stop -t 0 k9
kill_vmm k9
sleep 0.2
kill_vmm k9
check stopped-after-repeated-kills wait_until 20 is_status k9 STOPPED
check one-vmm-after-repeated-kills [ "$(vmm_count k9)" -eq 1 ]
# Guest-initiated power-off also comes back as STOPPED.
mkguest self septa.autopoweroff=1
vm-import "$T/defs"
vm-start self
booted_and_stopped() { log_has self SEPTA-READY && is_status self STOPPED; }
check guest-poweroff-gives-stopped wait_until 60 booted_and_stopped
# The tree comes down with nothing left.
septa-tree down "$T/tree" >/dev/null 2>&1
check tree-down-removes-dir [ ! -e "$T/tree" ]
no_tree_process() { [ -z "$(leftovers)" ] && ! pgrep -f "[s]6-svscan $T/" >/dev/null; }
check tree-down-leaves-no-process wait_until 10 no_tree_process
