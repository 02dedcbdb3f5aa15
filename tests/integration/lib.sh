# Shared by the integration tests: a private s6 tree in a temporary
# directory, VM definitions made from the test guest, TAP output, and a
# teardown that runs however the test ends.
# shellcheck shell=sh
set -u
B=${SEPTA_BUILD:?SEPTA_BUILD: the build directory}
G=${SEPTA_TEST_GUEST:?SEPTA_TEST_GUEST: the test guest definition}
PATH="$B:$PATH"
export PATH
# Short: socket paths under it must fit in sun_path (108 bytes).
T=$(mktemp -d /tmp/septa-it.XXXXXX)
n=0
fails=0

ok() {
	n=$((n + 1))
	echo "ok $n - $1"
}

not_ok() {
	n=$((n + 1))
	fails=$((fails + 1))
	echo "not ok $n - $1"
	shift
	for line in "$@"; do echo "#   $line"; done
}

# check NAME COMMAND...: ok when COMMAND succeeds.
check() {
	name=$1
	shift
	if "$@"; then ok "$name"; else not_ok "$name" "failed: $*"; fi
}

# expect STATUS OUTPUT COMMAND...: COMMAND exits with STATUS and prints
# exactly OUTPUT (stdout and stderr together).
expect() {
	want_rc=$1 want=$2
	shift 2
	got=$("$@" 2>&1)
	rc=$?
	if [ "$rc" -eq "$want_rc" ] && [ "$got" = "$want" ]; then
		return 0
	fi
	echo "#   got status $rc: $got"
	return 1
}

# wait_until SECONDS COMMAND...: poll every 0.1 s, bounded.
wait_until() {
	limit=$(($1 * 10))
	shift
	i=0
	while [ "$i" -lt "$limit" ]; do
		"$@" && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

# A test may redefine this to stop what it started besides the tree.
extra_teardown() { :; }

teardown() {
	extra_teardown
	stop_desktop
	if [ -d "$T/tree" ]; then
		septa-tree down "$T/tree" >/dev/null 2>&1 ||
			not_ok "septa-tree down" "see $T"
	fi
	rm -rf "$T"
	echo "1..$n"
	[ "$fails" -eq 0 ]
}
trap 'teardown; exit $?' EXIT
trap 'exit 1' INT TERM

# require TOOL...: skip the whole test (exit 77) when a tool is missing.
require() {
	for tool in "$@"; do
		if ! command -v "$tool" >/dev/null; then
			echo "1..0 # SKIP $tool is not installed"
			trap - EXIT
			rm -rf "$T"
			exit 77
		fi
	done
}

# pid_alive PID: PID runs and is not a zombie (kill -0 says yes to a child
# that ended and was not waited for).
pid_alive() {
	s=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null) || return 1
	case $s in '' | Z* | X*) return 1 ;; esac
}

# stop_pid PID: TERM, KILL after 5 s, then reap it if it is ours.
stop_pid() {
	kill -TERM "$1" 2>/dev/null || return 0
	i=0
	while pid_alive "$1" && [ "$i" -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	kill -KILL "$1" 2>/dev/null
	wait "$1" 2>/dev/null
	return 0
}

# desktop_up SOCK [WESTON OPTION...]: a Wayland desktop for the test: a
# private XDG_RUNTIME_DIR ($T/xdg, exported), an Xvfb and weston in it
# (x11 backend; --debug, so that weston-screenshooter and weston-debug
# work; --idle-time=0, or weston-screenshooter hangs once the output
# sleeps) serving SOCK. Reports xvfb-up and weston-up and fails when one
# is not. Sets desktop_display (Xvfb's DISPLAY), weston_pid and
# desktop_pids; stop_desktop, which the teardown runs, stops them.
desktop_pids=''
weston_pid=''
desktop_display=''
desktop_up() {
	desktop_sock=$1
	shift
	XDG_RUNTIME_DIR="$T/xdg"
	export XDG_RUNTIME_DIR
	mkdir -p "$XDG_RUNTIME_DIR" && chmod 700 "$XDG_RUNTIME_DIR" || return 1
	# Xvfb picks a free display itself and writes its number to fd 3
	# once it accepts clients: a display number made up here could be
	# another server's, and keys typed there would never reach us.
	Xvfb -displayfd 3 -screen 0 1024x768x24 -nolisten tcp \
		3>"$T/display.$desktop_sock" >"$T/xvfb.$desktop_sock.log" 2>&1 \
		</dev/null &
	desktop_pids="$desktop_pids $!"
	desktop_display=''
	if ! wait_until 20 desktop_x_up; then
		not_ok xvfb-up "see $T/xvfb.$desktop_sock.log"
		return 1
	fi
	ok xvfb-up
	DISPLAY="$desktop_display" weston --backend=x11-backend.so \
		--socket="$desktop_sock" --debug --idle-time=0 "$@" \
		>"$T/weston.$desktop_sock.log" 2>&1 </dev/null &
	weston_pid=$!
	desktop_pids="$desktop_pids $weston_pid"
	if ! wait_until 20 test -S "$XDG_RUNTIME_DIR/$desktop_sock"; then
		not_ok weston-up "see $T/weston.$desktop_sock.log"
		return 1
	fi
	ok weston-up
}

desktop_x_up() {
	[ -n "$desktop_display" ] ||
		desktop_display=:$(head -n 1 "$T/display.$desktop_sock" 2>/dev/null)
	[ "$desktop_display" != : ] || {
		desktop_display=''
		return 1
	}
	DISPLAY="$desktop_display" timeout 5 xdotool getdisplaygeometry \
		>/dev/null 2>&1
}

# stop_desktop: what desktop_up started, weston before the X server it
# draws into; never a test's own processes.
stop_desktop() {
	[ -n "$weston_pid" ] && stop_pid "$weston_pid"
	for p in $desktop_pids; do
		[ "$p" = "$weston_pid" ] || stop_pid "$p"
	done
	desktop_pids=''
	weston_pid=''
}

tree_up() {
	out=$(septa-tree up "$T/tree") || return 1
	eval "$out"
}

# mkguest NAME [EXTRA KERNEL ARGUMENTS]: a definition of the test guest.
mkguest() {
	d="$T/defs/$1"
	shift
	mkdir -p "$d/blk"
	ln -s "$G/vmlinux" "$d/vmlinux"
	ln -s "$G/initramfs" "$d/initramfs"
	ln -s "$G/blk/root.img" "$d/blk/root.img"
	{ cat "$G/cmdline" 2>/dev/null; echo "$*"; } | tr '\n' ' ' |
		sed 's/ *$//' >"$d/cmdline"
	echo >>"$d/cmdline"
}

# status NAME: the STATUS column of lsvm.
status() {
	lsvm | awk -v n="$1" '$1 == n { print $2 }'
}

is_status() {
	[ "$(status "$1")" = "$2" ]
}

# log_count NAME PATTERN: how many serial log lines match.
log_count() {
	c=$(grep -c "$2" "$SEPTA_RUN/$1/log" 2>/dev/null)
	echo "${c:-0}"
}

log_has() {
	[ "$(log_count "$1" "$2")" -ge "${3:-1}" ]
}

# vmm_pid NAME: the pid s6 supervises for NAME (QEMU itself), or nothing
# while it is down (s6-svstat says -1 then).
vmm_pid() {
	p=$(s6-svstat -o pid "$SEPTA_SERVICE/instance/$1" 2>/dev/null)
	case "$p" in
	'' | -* | 0 | 1 | *[!0-9]*) ;;
	*) echo "$p" ;;
	esac
}

# cg_dir CONTROLLER NAME: NAME's cgroup directory in the hierarchy with
# CONTROLLER, from the VMM's /proc/PID/cgroup and the mounts: a v2 line
# "0::PATH", or a v1 line "N:...CONTROLLER...:PATH".
cg_dir() {
	p=$(vmm_pid "$2")
	[ -n "$p" ] || return 1
	v2=$(awk -F: '$1 == "0" && $2 == "" { print $3 }' "/proc/$p/cgroup")
	mnt2=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
	if [ -n "$mnt2" ] && [ -n "$v2" ] && [ "$v2" != / ] &&
		[ -e "$mnt2$v2/memory.max" ]; then
		echo "$mnt2$v2"
		return 0
	fi
	path=$(awk -F: -v c="$1" '{ n = split($2, a, ","); for (i = 1; i <= n; i++) if (a[i] == c) print $3 }' "/proc/$p/cgroup")
	mnt=$(awk -v c="$1" '$3 == "cgroup" { n = split($4, a, ","); for (i = 1; i <= n; i++) if (a[i] == c) print $2 }' /proc/mounts)
	[ -n "$path" ] && [ -n "$mnt" ] && echo "$mnt$path"
}

# kill_vmm NAME: kill -9 NAME's VMM, never anything else: a pid of -1
# would be every process.
kill_vmm() {
	p=$(vmm_pid "$1")
	[ -n "$p" ] && kill -9 "$p"
}

# console_cmd NAME COMMAND: type COMMAND into NAME's console; the output
# lands in the console's scrollback, which we do not keep, so commands
# whose effect matters print to the serial console (>/dev/ttyS0).
console_cmd() {
	printf '%s\n' "$2" | socat -t 1 - "UNIX-CONNECT:$SEPTA_RUN/$1/console" \
		>/dev/null 2>&1
}
