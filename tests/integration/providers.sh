#!/bin/sh
# Providers start first, recursively; two VMs run at once with their own
# consoles; cycles and missing providers are refused.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

check tree-up tree_up
mkguest net
echo q35 >"$T/defs/net/machine"
mkguest app
mkdir -p "$T/defs/app/providers/net"
: >"$T/defs/app/providers/net/net"
check import-two vm-import "$T/defs"
check both-stopped sh -c 'lsvm | grep -Eq "^app +STOPPED" && lsvm | grep -Eq "^net +STOPPED"'
check start-client vm-start app
check provider-started-too is_status net RUNNING
check client-running is_status app RUNNING
both_ready() { log_has net SEPTA-READY && log_has app SEPTA-READY; }
check both-boot wait_until 90 both_ready
# The provider was let run before the client: its boot began first.
console_cmd net 'echo net-marker-$((2+3)) >/dev/ttyS0'
console_cmd app 'echo app-marker-$((3+4)) >/dev/ttyS0'
markers_apart() { log_has net net-marker-5 && log_has app app-marker-7 && ! log_has net app-marker; }
check consoles-independent wait_until 20 markers_apart
check stop-client-leaves-provider sh -c 'vm-stop app && lsvm | grep -Eq "^net +RUNNING"'
check stop-provider vm-stop net
# A cycle made after import (definitions are read at each start) is
# refused by vm-start, which starts nothing.
mkdir -p "$T/defs/net/providers/net"
: >"$T/defs/net/providers/net/app"
out=$(vm-start app 2>&1)
rc=$?
check cycle-refused [ "$rc" -eq 1 ]
check cycle-message [ "$out" = "vm-start: app: provider cycle: app -> net -> app" ]
check cycle-started-nothing sh -c 'lsvm | grep -Eq "^app +STOPPED" && lsvm | grep -Eq "^net +STOPPED"'
rm -r "$T/defs/net/providers"
check vm-start-no-such-vm sh -c 'vm-start nope 2>/dev/null; [ $? -eq 2 ]'
check vm-start-bad-name sh -c 'vm-start "../x" 2>/dev/null; [ $? -eq 1 ]'
check vm-stop-no-such-vm sh -c 'vm-stop nope 2>/dev/null; [ $? -eq 2 ]'
check vm-stop-bad-grace sh -c 'vm-stop -t soon app 2>/dev/null; [ $? -eq 100 ]'
check lsvm-usage sh -c 'lsvm extra 2>/dev/null; [ $? -eq 100 ]'
check import-missing-provider-changes-nothing sh -c "mkdir -p '$T/d2/x/providers/net' && cp -r '$T/defs/app/'* '$T/d2/x/' 2>/dev/null; rm -rf '$T/d2/x/providers/net/'*; : > '$T/d2/x/providers/net/ghost'; vm-import '$T/d2' 2>/dev/null; [ \$? -eq 1 ] && [ ! -e '$SEPTA_RUN/x' ]"
