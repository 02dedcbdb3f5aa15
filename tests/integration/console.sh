#!/bin/sh
# vm-console in a real terminal (tmux): type into the guest's shell, see
# its output, detach with Ctrl-]; a second console is refused.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

sess="septa-con-$$"
# A tmux server of our own for each session: a new session on a server
# that is still exiting after the last one (kill-session) can fail.
sock="$T/tmux-1"
tm() { tmux -S "$sock" "$@"; }
cleanup_tmux() { tm kill-server 2>/dev/null; }
extra_teardown() { cleanup_tmux; }

pane_has() { tm capture-pane -p -t "$sess" | grep -q "$1"; }
pane_gone() { ! tm has-session -t "$sess" 2>/dev/null; }

check tree-up tree_up
mkguest con
vm-import "$T/defs" && vm-start con
check guest-up wait_until 60 log_has con SEPTA-READY
tm new-session -d -s "$sess" -x 120 -y 30 \
	"env -u WAYLAND_DISPLAY PATH='$PATH' SEPTA_RUN='$SEPTA_RUN' vm-console con; echo vm-console-exit=\$?; sleep 30"
check console-attaches wait_until 10 pane_has 'attached, Ctrl-] detaches'
tm send-keys -t "$sess" 'echo hello-$((6*7))' Enter
check console-runs-guest-command wait_until 20 pane_has 'hello-42'
out=$(vm-console -t con 2>&1 </dev/null)
rc=$?
check second-console-refused [ "$rc" -eq 3 ]
check second-console-message [ "$out" = "vm-console: con: console already in use by another vm-console" ]
tm send-keys -t "$sess" C-]
check escape-detaches wait_until 10 pane_has 'vm-console: con: detached'
check detach-exit-0 wait_until 10 pane_has 'vm-console-exit=0'
cleanup_tmux
sock="$T/tmux-2"
# After a detach the console is free again.
tm new-session -d -s "$sess" -x 120 -y 30 \
	"env PATH='$PATH' SEPTA_RUN='$SEPTA_RUN' vm-console -t con; sleep 30"
check console-free-after-detach wait_until 10 pane_has 'attached, Ctrl-] detaches'
tm send-keys -t "$sess" 'echo again-$((7*6))' Enter
check console-second-session-works wait_until 20 pane_has 'again-42'
cleanup_tmux
check console-no-such-vm sh -c 'vm-console -t nope 2>/dev/null; [ $? -eq 2 ]'
check console-bad-name sh -c 'vm-console -t "a/b" 2>/dev/null; [ $? -eq 1 ]'
check console-usage sh -c 'vm-console 2>/dev/null; [ $? -eq 100 ]'
vm-stop -t 0 con
