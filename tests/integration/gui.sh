#!/bin/sh
# App VMs' windows on the host's compositor: a real weston (x11 backend in
# Xvfb, --debug) and the reference VM appvm-foot (foot under waypipe in the
# guest), through its virtio-serial Wayland port and vm-wayland. The window
# is checked in weston's scene graph (title and app_id carry the VM's
# name) and on a screenshot (foot's violet background), kept in
# build/screenshots/. Then VMs that send garbage, a flood and a cut
# message on their port: each ends its own session and nothing else.
# Last, real Wayland clients take waypipe's place (waypipe-standin) and go
# through vm-wayland's filter to weston: a window, and a client that asks
# for a global the filter hides.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
require weston Xvfb xdotool waypipe weston-debug weston-screenshooter \
	weston-simple-shm pngtopnm socat

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
foot_def=$SEPTA_IMAGES/appvm-foot
ppm_find=$B/tests/ppm-find
shots=$top/build/screenshots
sock=septa-gui-$$
mkdir -p "$shots"

if [ ! -f "$foot_def/wayland" ]; then
	not_ok appvm-foot-built "no $foot_def/wayland: run images/build"
	exit 1
fi

desktop_up "$sock" || exit 1
# The tree's services inherit the compositor, as on a desktop.
WAYLAND_DISPLAY=$sock
SEPTA_WAYPIPE=$here/waypipe-standin
export WAYLAND_DISPLAY SEPTA_WAYPIPE
check tree-up tree_up
wl_svc=${SEPTA_SERVICE%/*}/wayland

mkdir -p "$T/defs"
ln -s "$foot_def" "$T/defs/appvm-foot"
for g in wlgarbage wlflood wlcut; do
	mkguest "$g"
	echo waypipe >"$T/defs/$g/wayland"
done
mkguest plain
check import vm-import "$T/defs"

# --- the service and the port
check wayland-instance-per-vm test -d "$wl_svc/instance/appvm-foot"
check no-wayland-instance-without-file test ! -e "$wl_svc/instance/plain"
check port-on-qemu-command-line sh -c \
	"start-vmm -p appvm-foot | grep -q 'name=org.septa.wayland'"
check no-port-without-file sh -c \
	"! start-vmm -p plain | grep -q org.septa.wayland"
check wayland-socket test -S "$SEPTA_RUN/appvm-foot/wayland"

# --- vm-wayland's bad input: one line, a fixed status, nothing left
check vm-wayland-usage sh -c 'vm-wayland >/dev/null 2>&1; [ $? -eq 100 ]'
check vm-wayland-bad-name expect 1 \
	"vm-wayland: a/b: invalid name: name may contain only letters, digits, '.', '_' and '-'" \
	vm-wayland a/b
check vm-wayland-not-imported expect 2 "vm-wayland: nosuch: no such VM" \
	vm-wayland nosuch
check vm-wayland-no-wayland-file expect 2 \
	"vm-wayland: plain: shows no windows (its definition has no wayland file)" \
	vm-wayland plain
check vm-wayland-no-display expect 111 \
	"vm-wayland: wlcut: no compositor: WAYLAND_DISPLAY is not set" \
	env WAYLAND_DISPLAY= vm-wayland wlcut
check vm-wayland-no-compositor expect 111 \
	"vm-wayland: wlcut: no compositor: connect $XDG_RUNTIME_DIR/none: No such file or directory" \
	env WAYLAND_DISPLAY=none vm-wayland wlcut

# scene: weston's scene graph; window TITLE APP_ID: a toplevel there.
scene() { timeout 10 weston-debug scene-graph 2>/dev/null; }
window() { scene | grep -qF "top-level window '$1' of $2,"; }
# Every toplevel's title starts with [NAME] and its app_id is
# septa-vm.NAME, the same NAME, except the host's own clients (none here).
all_marked() {
	scene >"$T/scene"
	total=$(grep -c "top-level window '" "$T/scene")
	marked=$(sed -n "s/.*top-level window '\[\([^]]*\)\][^']*' of septa-vm\.\([^,]*\),.*/\1 \2/p" \
		"$T/scene" | awk '$1 == $2' | wc -l)
	[ "$total" -ge 1 ] && [ "$total" -eq "$marked" ]
}

# shoot NAME: a screenshot, kept as $shots/NAME.png and $T/NAME.ppm.
shoot() {
	rm -rf "$T/shot"
	mkdir -p "$T/shot"
	(cd "$T/shot" && timeout 20 weston-screenshooter >/dev/null 2>&1)
	for png in "$T/shot"/*.png; do
		[ -f "$png" ] || return 1
		cp "$png" "$shots/$1.png" &&
			pngtopnm "$png" >"$T/$1.ppm" 2>/dev/null
		return
	done
	return 1
}
# violet NAME: foot's background (images/appvm-foot's foot.ini) covers
# a window's worth of the screenshot NAME.
violet() {
	shoot "$1" || return 1
	count=$("$ppm_find" "$T/$1.ppm" 3b1f5c | cut -d' ' -f1)
	[ "${count:-0}" -ge 20000 ]
}
weston_alive() { kill -0 "$weston_pid" 2>/dev/null; }

# --- (c) appvm-foot's window
vm-start appvm-foot
check appvm-foot-window-titled-with-vm-name \
	wait_until 240 window '[appvm-foot] foot' septa-vm.appvm-foot
check every-window-marked all_marked
check appvm-foot-window-in-screenshot violet appvm-foot
# The waypipe that serves it runs as the VM's VMM uid, unprivileged.
wp_pid() {
	for p in $(pgrep -x waypipe); do
		[ "$(readlink "/proc/$p/cwd")" = "$SEPTA_RUN/$1/wayland.d" ] &&
			echo "$p" && return 0
	done
	return 1
}
wp_unprivileged() {
	p=$(wp_pid appvm-foot) || return 1
	uid=$(cat "$SEPTA_RUN/appvm-foot/vmm-uid")
	awk -v u="$uid" '/^Uid:/ { ok = $2 == u && $3 == u && $4 == u }
		/^CapEff:/ { cap = $2 == "0000000000000000" }
		END { exit !(ok && cap) }' "/proc/$p/status"
}
check waypipe-runs-as-vmm-uid wp_unprivileged
check session-dir-owned-by-vmm-uid sh -c \
	"[ \"\$(stat -c %u:%a '$SEPTA_RUN/appvm-foot/wayland.d')\" = \
\"\$(cat '$SEPTA_RUN/appvm-foot/vmm-uid'):700\" ]"
check docs-screenshot-present test -s "$top/docs/screenshots/appvm-foot.png"

# --- bad input on the Wayland port
# port_cmd NAME COMMAND: run COMMAND in the test guest NAME with $p the
# Wayland port's device (found by name, as septa-init does).
port_cmd() {
	console_cmd "$1" "p=/dev/\$(grep -l org.septa.wayland /sys/class/virtio-ports/*/name | cut -d/ -f5); $2"
}
svlog=$T/tree/svscan.log
ended() { grep -q "vm-wayland: $1: session ended" "$svlog"; }
# started NAME N: vm-wayland has started N sessions of NAME (it came back).
started() { [ "$(grep -c "vm-wayland: $1: session started" "$svlog")" -ge "$2" ]; }
# others_fine: weston is up, appvm-foot's window is still there, marked,
# and on the screen.
others_fine() {
	weston_alive && window '[appvm-foot] foot' septa-vm.appvm-foot &&
		all_marked && violet "after-$1"
}

vm-start wlgarbage
check garbage-guest-up wait_until 60 log_has wlgarbage SEPTA-READY
port_cmd wlgarbage "head -c 2000000 /dev/urandom >\$p; echo wl-garbage-sent >/dev/ttyS0"
check garbage-sent wait_until 60 log_has wlgarbage wl-garbage-sent
check garbage-leaves-others others_fine garbage
# Garbage may leave the host's waypipe waiting for the rest of a message
# it thinks is long: the session ends with the VM at the latest.
vm-stop -t 0 wlgarbage
check garbage-ends-its-session wait_until 60 ended wlgarbage
check garbage-relay-back wait_until 30 started wlgarbage 2

vm-start wlflood
check flood-guest-up wait_until 60 log_has wlflood SEPTA-READY
port_cmd wlflood "timeout 20 cat /dev/zero >\$p; echo wl-flood-done >/dev/ttyS0"
check flood-ends-its-session wait_until 40 ended wlflood
check flood-done wait_until 40 log_has wlflood wl-flood-done
check flood-leaves-others others_fine flood
check flood-relay-back wait_until 30 started wlflood 2

vm-start wlcut
check cut-guest-up wait_until 60 log_has wlcut SEPTA-READY
# Half a message, then the VM is gone.
port_cmd wlcut "printf '\\001\\000\\000\\000\\040\\000' >\$p; poweroff"
check cut-ends-its-session wait_until 60 ended wlcut
check cut-leaves-others others_fine cut
check cut-relay-back wait_until 60 started wlcut 2

# --- real clients through the filter (waypipe-standin)
# Imported only now, as their clients start with their vm-wayland.
mkdir "$T/later"
for g in wlshm wlshot; do
	mkguest "$g"
	echo waypipe >"$T/defs/$g/wayland"
	mv "$T/defs/$g" "$T/later/$g"
done
check import-standin-vms vm-import "$T/later"
check standin-window-marked \
	wait_until 60 window '[wlshm] simple-shm' septa-vm.wlshm
check standin-every-window-marked all_marked
shot_refused() {
	grep -q "display doesn't support screenshooter" "$svlog"
}
check screenshooter-global-hidden wait_until 60 shot_refused
# A session that is stopped leaves nothing: no client, no directory.
s6-svc -d "$wl_svc/instance/wlshm"
shm_gone() {
	! pgrep -x weston-simple-s >/dev/null &&
		[ ! -e "$SEPTA_RUN/wlshm/wayland.d" ]
}
check stopped-session-leaves-nothing wait_until 20 shm_gone
check weston-still-up weston_alive

vm-stop -t 0 appvm-foot
check window-gone-with-vm wait_until 60 sh -c \
	"! timeout 10 weston-debug scene-graph 2>/dev/null | grep -q 'appvm-foot'"
