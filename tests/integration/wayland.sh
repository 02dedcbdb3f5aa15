#!/bin/sh
# vm-console in a Wayland session: a real weston (X11 backend inside
# Xvfb) and a real foot. vm-console opens a foot window titled with the
# VM's name, attached to the VM's console; typing into the window reaches
# the guest's shell.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

sock="septa-wl-$$"
# The test's own processes; the desktop is lib.sh's (stop_desktop).
pids=''
extra_teardown() {
	for p in $pids; do kill "$p" 2>/dev/null; done
	pids=''
}

check tree-up tree_up
mkguest wl
vm-import "$T/defs" && vm-start wl
check guest-up wait_until 60 log_has wl SEPTA-READY

desktop_up "$sock" --width=1000 --height=700
disp=$desktop_display

WAYLAND_DISPLAY="$sock" vm-console wl >"$T/console.log" 2>&1 &
console_pid=$!
pids="$pids $console_pid"
foot_up() { pgrep -f "^foot --title wl --app-id septa-console" >/dev/null; }
check foot-window-titled-with-vm-name wait_until 20 foot_up
inner_up() { pgrep -f "vm-console -t wl" >/dev/null; }
check console-attached-inside-window wait_until 20 inner_up
# The window's console holds the lock: a second console is refused.
busy() {
	out=$(vm-console -t wl 2>&1 </dev/null)
	[ $? -eq 3 ] && [ "$out" = "vm-console: wl: console already in use by another vm-console" ]
}
check second-console-refused wait_until 10 busy
check second-window-refused sh -c "WAYLAND_DISPLAY='$sock' vm-console wl 2>/dev/null; [ \$? -eq 3 ]"
# Type into the window (weston's X11 output has the keyboard focus on
# foot, the only client): the guest runs it.
# Every xdotool call is bounded: --sync waits for a window manager's
# answer, and there is none under Xvfb.
DISPLAY="$disp" timeout 10 xdotool search --name Weston windowactivate --sync >/dev/null 2>&1
sleep 1
DISPLAY="$disp" timeout 20 xdotool type --delay 30 'echo wl-typed-$((5*5)) >/dev/ttyS0'
DISPLAY="$disp" timeout 10 xdotool key Return
check typing-in-window-reaches-guest wait_until 20 log_has wl wl-typed-25
# Ctrl-] in the window detaches; the window closes and vm-console, which
# waited for it, exits 0.
DISPLAY="$disp" timeout 10 xdotool key ctrl+bracketright
console_gone() { ! kill -0 "$console_pid" 2>/dev/null; }
check escape-in-window-closes-it wait_until 20 console_gone
# Only wait for a vm-console that is gone: one still running would hold
# the test (and CI) forever.
console_gone || kill "$console_pid" 2>/dev/null
wait "$console_pid"
check window-console-exit-0 [ $? -eq 0 ]
check window-gone [ -z "$(pgrep -f '^foot --title wl ')" ]
extra_teardown
stop_desktop
vm-stop -t 0 wl
