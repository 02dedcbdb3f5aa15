#!/bin/sh
# start-vmm on bad input: one clear line, a fixed status, nothing created.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

SEPTA_RUN="$T/run"
export SEPTA_RUN
mkdir -p "$T/run"

check start-vmm-usage expect 100 "$(start-vmm 2>&1)" start-vmm
check start-vmm-empty-name expect 1 "start-vmm: : invalid name: empty name" start-vmm ""
check start-vmm-slash expect 1 "start-vmm: a/b: invalid name: name may contain only letters, digits, '.', '_' and '-'" start-vmm a/b
check start-vmm-not-imported expect 2 "start-vmm: nope: no such VM" start-vmm nope
mkguest broken
rm "$T/defs/broken/vmlinux"
mkdir "$T/run/broken"
ln -s "$T/defs/broken" "$T/run/broken/config"
check start-vmm-invalid-definition expect 1 "start-vmm: broken: vmlinux: missing" start-vmm broken
check start-vmm-invalid-creates-nothing [ "$(ls "$T/run/broken")" = config ]
mkguest fine
mkdir "$T/run/fine"
ln -s "$T/defs/fine" "$T/run/fine/config"
check start-vmm-bad-accel sh -c 'SEPTA_ACCEL=fast start-vmm fine 2>&1 | grep -q "SEPTA_ACCEL=fast: not auto, kvm or tcg"; [ $? -eq 0 ]'
check start-vmm-bad-accel-creates-nothing [ "$(ls "$T/run/fine")" = config ]
cmd=$(SEPTA_ACCEL=tcg start-vmm -p fine 2>/dev/null)
check start-vmm-print-created-not-running sh -c "echo '$cmd' | grep -q -- ' -S '"
check start-vmm-print-passes-fds sh -c "echo '$cmd' | grep -q -- '-kernel /proc/self/fd/[0-9]'"
check start-vmm-print-tcg sh -c "echo '$cmd' | grep -q -- '-accel tcg -cpu max'"
check start-vmm-print-creates-nothing [ "$(ls "$T/run/fine")" = config ]
check start-vmm-bad-notify-fd expect 100 "start-vmm: -n x: not a file descriptor" start-vmm -n x fine
# A missing QEMU: the error names it, and the sockets made are removed.
check start-vmm-no-qemu sh -c 'SEPTA_QEMU=/nonexistent/qemu SEPTA_ACCEL=tcg start-vmm fine 2>&1 | grep -q "fine: exec /nonexistent/qemu: No such file or directory"'
check start-vmm-no-qemu-cleans-up [ "$(ls "$T/run/fine" | tr '\n' ' ')" = "config console.lock log vmm-id vmm-uid " ]
