#!/bin/sh
# Import, start, stop and start again one VM through the s6 tree; the
# guest's serial output reaches its log; ACPI power-off is orderly.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

check tree-up tree_up
mkguest lc
check import-returns-0 vm-import "$T/defs"
check import-shows-stopped is_status lc STOPPED
check import-runtime-files test -S "$SEPTA_RUN/lc/qmp" -a -S "$SEPTA_RUN/lc/console" -a -L "$SEPTA_RUN/lc/config"
check import-again-is-a-no-op vm-import "$T/defs"
pid1=$(vmm_pid lc)
# s6 supervises QEMU itself (start-vmm exec'd it), and it signalled
# readiness.
check supervised-process-is-qemu [ "$(cat "/proc/$pid1/comm" 2>/dev/null)" = qemu-system-x86 ]
check s6-sees-vmm-ready [ "$(s6-svstat -o up,ready "$SEPTA_SERVICE/instance/lc")" = "true true" ]
check start-returns-0 vm-start lc
check start-shows-running is_status lc RUNNING
check guest-serial-reaches-log wait_until 60 log_has lc SEPTA-READY
check guest-reads-its-disk log_has lc 'septa-disk: septa-test-disk'
check lsvm-verbose-shows-accel sh -c "lsvm -v | grep -Eq '^lc +RUNNING +(tcg|kvm) +running'"
check lsvm-json sh -c "lsvm --json | grep -q '\"name\":\"lc\",\"status\":\"RUNNING\"'"
check start-when-running-is-a-no-op vm-start lc
out=$(vm-stop -v lc 2>&1)
check stop-returns-0 [ $? -eq 0 ]
check stop-is-acpi-power-off sh -c "echo '$out' | grep -q 'stopped (ACPI power-off)'"
check stop-shows-stopped is_status lc STOPPED
check guest-powered-off-cleanly log_has lc 'reboot: Power down'
pid2=$(vmm_pid lc)
check stop-gives-a-fresh-vmm [ -n "$pid2" ] && [ "$pid1" != "$pid2" ]
check stop-when-stopped-is-a-no-op vm-stop lc
check start-again vm-start lc
check start-again-boots wait_until 60 log_has lc SEPTA-READY 2
check stop-again vm-stop lc
check stopped-again is_status lc STOPPED
# One QEMU per VM, nothing else of ours left running beside it.
check one-vmm-after-cycles [ "$(pgrep -fc -- '-name lc ')" -eq 1 ]
# A guest that ignores the power button is forced off after the grace.
vm-start lc
wait_until 60 log_has lc SEPTA-READY 3
console_cmd lc 'killall acpid; echo acpid-gone >/dev/ttyS0'
wait_until 20 log_has lc acpid-gone
out=$(vm-stop -v -t 2 lc 2>&1)
check forced-stop-returns-0 [ $? -eq 0 ]
check forced-stop-says-so sh -c "echo '$out' | grep -q 'stopped (forced)'"
check forced-stop-warns sh -c "echo '$out' | grep -q 'no power-off after 2 s, forcing'"
check forced-stop-shows-stopped is_status lc STOPPED
