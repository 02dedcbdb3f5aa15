#!/bin/sh
# A definition edited after import: vm-start of the STOPPED VM replaces
# its VMM (which has had the old files open since it started) so that
# what runs is what the definition says now; an unchanged definition keeps
# its VMM; a definition that became invalid is refused by vm-start.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

check tree-up tree_up
mkguest chg
check import vm-import "$T/defs"
pid1=$(vmm_pid chg)
check unchanged-start vm-start chg
check unchanged-keeps-vmm [ "$(vmm_pid chg)" = "$pid1" ]
check unchanged-boots wait_until 60 log_has chg SEPTA-READY
check stop vm-stop chg
pid2=$(vmm_pid chg)
check fresh-vmm-after-stop sh -c '[ -n "$1" ] && [ "$1" != "$2" ]' - "$pid2" "$pid1"

# A new cmdline: the guest now powers itself off a second after it is
# ready, which only the new command line can make it do.
printf '%s septa.autopoweroff=1\n' "$(cat "$G/cmdline" 2>/dev/null)" >"$T/defs/chg/cmdline"
out=$(vm-start -v chg 2>&1)
check changed-start [ $? -eq 0 ]
check changed-says-so sh -c 'printf "%s\n" "$1" | grep -qx "vm-start: chg: definition changed, starting a fresh VMM"' - "$out"
new_vmm() { p=$(vmm_pid chg); [ -n "$p" ] && [ "$p" != "$1" ]; }
check changed-new-vmm new_vmm "$pid2"
check changed-runs-new-definition wait_until 60 log_has chg 'autopoweroff'
check changed-powers-off wait_until 60 is_status chg STOPPED

# The same definition again: no new VMM.
has_vmm() { [ -n "$(vmm_pid chg)" ]; }
wait_until 30 has_vmm
pid3=$(vmm_pid chg)
check same-again-start vm-start chg
check same-again-keeps-vmm [ "$(vmm_pid chg)" = "$pid3" ]
check same-again-stop vm-stop -t 0 chg

# Invalid now: refused, with the definition's problem, and nothing runs.
rm "$T/defs/chg/vmlinux"
out=$(vm-start chg 2>&1)
rc=$?
check invalid-refused [ "$rc" -eq 1 ]
check invalid-message [ "$out" = "vm-start: chg: vmlinux: missing" ]
check invalid-stays-stopped is_status chg STOPPED
