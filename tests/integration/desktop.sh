#!/bin/sh
# The host desktop session (tools/septa-desktop), checked on screenshots:
# headless (-x), its autolaunched foot runs lsvm from the Septa tools;
# vm-console typed there opens a window on a booted guest's console, and
# what is typed into it runs in the guest. Also its bad input, nested in
# Wayland and in X, and that TERM leaves no process, socket or temporary
# directory. A window is found by its background colour (each foot here
# has a colour of its own, from its config) with tests/ppm-find; its
# text rows are counted on the screenshot. The screenshots are kept in
# build/screenshots/.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

require weston foot Xvfb xdotool weston-screenshooter weston-debug \
	pngtopnm pnmcut
top=$(cd "$(dirname "$0")/../.." && pwd)
desktop="$top/tools/septa-desktop"
ppm_find="$B/tests/ppm-find"
shots="$top/build/screenshots"
mkdir -p "$shots" "$T/tmp" "$T/run"
chmod 700 "$T/run"
usage="usage: septa-desktop [-dx] [-s SOCKET] [-g WIDTHxHEIGHT]"
# foot's background in the session (a colour nothing else on the screen
# has), and the title bar's colours apart from it, so that the colour's
# bounding box is the terminal's text area.
bg=3a1f4d
mkdir -p "$T/cfg/foot"
cat >"$T/cfg/foot/foot.ini" <<EOF
shell=/bin/sh
[colors]
background=$bg
foreground=dcdcdc
[csd]
color=ff2e3440
button-color=ffd8dee9
[mouse]
hide-when-typing=yes
EOF

# The test's own processes (the sessions under test); lib.sh's desktop
# (the outer session for the nesting checks) is stopped by stop_desktop.
pids=''
extra_teardown() {
	for p in $pids; do stop_pid "$p"; done
	pids=''
}

# session ENV... -- OPTION...: run septa-desktop with exactly the
# environment ENV (env -i: no locale, no PATH to the Septa tools), its
# output in $T/out and $T/err; sets session_pid.
session() {
	set -- "$@" --
	envs=''
	while [ "$1" != -- ]; do
		envs="$envs $1"
		shift
	done
	shift
	# shellcheck disable=SC2086 # VAR=VALUE words without spaces
	env -i $envs /bin/sh "$desktop" "$@" >"$T/out" 2>"$T/err" </dev/null &
	session_pid=$!
	pids="$pids $session_pid"
}
common_env="PATH=/usr/bin:/bin HOME=$T TMPDIR=$T/tmp XDG_CONFIG_HOME=$T/cfg
SEPTA_BUILD=$B"

# printed SOCK: septa-desktop printed exactly the line for SOCK.
printed() {
	[ "$(cat "$T/out" 2>/dev/null)" = "WAYLAND_DISPLAY=$1; export WAYLAND_DISPLAY" ]
}

# child PID NAME: PID's child process named NAME.
child() {
	pgrep -P "$1" -x "$2" | head -n 1
}

# tree_pids PID: PID and every process below it.
tree_pids() {
	ps -e -o pid= -o ppid= | awk -v root="$1" '
		{ parent[$1] = $2 }
		END {
			seen[root] = 1
			do {
				more = 0
				for (p in parent)
					if (!(p in seen) && parent[p] in seen) {
						seen[p] = 1
						more = 1
					}
			} while (more)
			for (p in seen) print p
		}'
}

# within SECONDS COMMAND...: COMMAND succeeds before SECONDS have passed
# (wait_until counts its tries; a try here takes a screenshot).
within() {
	end=$(($(date +%s) + $1))
	shift
	while :; do
		"$@" && return 0
		[ "$(date +%s)" -lt "$end" ] || return 1
		sleep 0.2
	done
}

gone() {
	! pid_alive "$1"
}

# forget PID: no longer ours to stop (it ended and was waited for).
forget() {
	left_pids=''
	for p in $pids; do
		[ "$p" = "$1" ] || left_pids="$left_pids $p"
	done
	pids=$left_pids
}

none_alive() {
	for p in "$@"; do
		if pid_alive "$p"; then
			echo "#   still running: $(ps -o pid=,args= -p "$p")"
			return 1
		fi
	done
}

# stopped_clean PID RUNDIR SOCK [SIGNAL]: send the session PID SIGNAL
# (TERM); it exits (0, after TERM) within 15 s and leaves no process of
# its tree, no socket and no temporary directory behind.
stopped_clean() {
	sig=${4:-TERM}
	# shellcheck disable=SC2046 # a list of pids
	set -- "$1" "$2" "$3" $(tree_pids "$1")
	sp=$1 rd=$2 so=$3
	shift 3
	kill -"$sig" "$sp"
	wait_until 15 gone "$sp" || {
		echo "#   session $sp still running"
		return 1
	}
	wait "$sp"
	rc=$?
	forget "$sp"
	[ "$sig" != TERM ] || [ "$rc" -eq 0 ] || {
		echo "#   session exited $rc"
		return 1
	}
	# Its clients end once their compositor is gone; the session gives
	# them 5 s before TERM.
	wait_until 10 none_alive "$@" || { none_alive "$@"; return 1; }
	for f in "$rd/$so" "$rd/$so.lock"; do
		[ ! -e "$f" ] || { echo "#   left $f"; return 1; }
	done
	left=$(ls -A "$T/tmp")
	[ -z "$left" ] || { echo "#   left $T/tmp/$left"; return 1; }
}

# shoot SOCK NAME: a screenshot of the session on SOCK (weston --debug):
# $shots/NAME.png, and $T/NAME.ppm for ppm-find.
shoot() {
	rm -rf "$T/shot"
	mkdir "$T/shot" || return 1
	# weston-screenshooter writes wayland-screenshot-TIME.png in its
	# directory; bounded: it waits for the next frame.
	(cd "$T/shot" && WAYLAND_DISPLAY=$1 timeout 20 weston-screenshooter) \
		>/dev/null 2>&1 || return 1
	for png in "$T/shot"/wayland-screenshot-*.png; do
		[ -f "$png" ] || return 1
		cp "$png" "$shots/$2.png" &&
			pngtopnm "$png" >"$T/$2.ppm" 2>/dev/null
		return
	done
}

# rows SOCK NAME [X0 Y0 X1 Y1]: a screenshot NAME, then the text rows of
# foot's background in it (in the rectangle, when given), or -1.
rows() {
	shoot "$1" "$2" || {
		echo -1
		return
	}
	ppm="$T/$2.ppm"
	if [ $# -eq 6 ]; then
		pnmcut -left "$3" -top "$4" -right "$5" -bottom "$6" \
			"$ppm" >"$T/cut.ppm" 2>/dev/null || {
			echo -1
			return
		}
		ppm="$T/cut.ppm"
	fi
	out=$("$ppm_find" -r "$ppm" "$bg") || {
		echo -1
		return
	}
	echo "$out" | awk '{ print $6 }'
}

# rows_are SOCK NAME OP N [RECT]: the text rows compare with N (test's
# -eq, -ge...); the count is kept in $last_rows.
rows_are() {
	s=$1 nm=$2 op=$3 want=$4
	shift 4
	last_rows=$(rows "$s" "$nm" "$@")
	test "$last_rows" "$op" "$want"
}

# scene SOCK: weston's scene graph (weston --debug), bounded.
scene() {
	WAYLAND_DISPLAY=$1 timeout 10 weston-debug scene-graph 2>/dev/null
}

# window_in_scene SOCK TITLE: a top-level window titled TITLE.
window_in_scene() {
	scene "$1" | grep -q "top-level window '$2' of "
}

# window_rect SOCK TITLE: "X0 Y0 X1 Y1" of the window's surface (its
# text area; foot's title bar is a sub-surface of its own), inclusive.
window_rect() {
	scene "$1" | awk -v t="top-level window '$2' of " '
		index($0, t) { found = 1; next }
		found && /position:/ {
			gsub(/[(),>-]/, " ")
			print $2, $3, $4 - 1, $5 - 1
			exit
		}'
}

# --- ppm-find itself, on a 4x3 image of 102030 with a white pixel in
# the first row and a black one and a 102031 one in the last.
c='\020\040\060'
# shellcheck disable=SC2059 # $c is octal escapes for printf's format
printf "P6\n# comment\n4 3\n255\n$c$c\377\377\377$c$c$c$c$c\0\0\0$c$c\020\040\061" \
	>"$T/t.ppm"
check ppm-find-box expect 0 "9 0 0 3 2" "$ppm_find" "$T/t.ppm" 102030
check ppm-find-rows expect 0 "9 0 0 3 2 2" "$ppm_find" -r "$T/t.ppm" 102030
check ppm-find-tolerance expect 0 "10 0 0 3 2" "$ppm_find" "$T/t.ppm" 102030 1
check ppm-find-stdin sh -c "'$ppm_find' - ffffff <'$T/t.ppm' |
	grep -qx '1 2 0 2 0'"
check ppm-find-not-found expect 1 "0 - - - - -" "$ppm_find" -r "$T/t.ppm" ff0000
check ppm-find-bad-colour sh -c "'$ppm_find' '$T/t.ppm' 10203 2>/dev/null;
	[ \$? -eq 100 ]"
check ppm-find-bad-tolerance sh -c "'$ppm_find' '$T/t.ppm' 102030 256 \
	2>/dev/null; [ \$? -eq 100 ]"
check ppm-find-missing-file sh -c "'$ppm_find' '$T/none' 102030 2>/dev/null;
	[ \$? -eq 111 ]"
head -c 30 "$T/t.ppm" >"$T/short.ppm"
check ppm-find-truncated expect 111 "ppm-find: $T/short.ppm: truncated image" \
	"$ppm_find" "$T/short.ppm" 102030
printf 'P3\n1 1\n255\n0 0 0\n' >"$T/p3.ppm"
check ppm-find-not-p6 expect 111 "ppm-find: $T/p3.ppm: not a binary PPM (P6)" \
	"$ppm_find" "$T/p3.ppm" 102030
printf 'P6\n1 1\n65535\n\0\0\0\0\0\0' >"$T/deep.ppm"
check ppm-find-maxval-255-only expect 111 \
	"ppm-find: $T/deep.ppm: maxval 65535, only 255 is read" \
	"$ppm_find" "$T/deep.ppm" 000000

# --- Bad input: status 100 and one line, before anything starts.
check usage-unknown-option expect 100 "$usage" "$desktop" -q
check usage-operand expect 100 "$usage" "$desktop" -x extra
check usage-missing-argument expect 100 "$usage" "$desktop" -g
for g in 0x0 10x700 1000 1000x 1000x700x24 abcxdef 99999x700 -1x700; do
	check "bad-geometry-$g" expect 100 \
		"septa-desktop: -g $g: not WIDTHxHEIGHT, each 64 to 8192" \
		"$desktop" -x -g "$g"
done
check bad-socket-name expect 100 \
	"septa-desktop: -s ../x: not a socket name ([A-Za-z0-9][A-Za-z0-9._-]*)" \
	"$desktop" -x -s ../x
check geometry-on-console-refused expect 100 \
	"septa-desktop: -g: on the console the screen's own mode is used" \
	env -u WAYLAND_DISPLAY -u DISPLAY "$desktop" -g 800x600
help() {
	out=$("$desktop" -h) && [ "$(echo "$out" | head -n 1)" = "$usage" ]
}
check help-exit-0 help
check missing-septa-build expect 111 \
	"septa-desktop: $T/none: no such directory" \
	env SEPTA_BUILD="$T/none" "$desktop" -x
# A missing program is named in one line (status 111).
mkdir "$T/bin"
check missing-weston expect 111 "septa-desktop: weston: not found" \
	env PATH="$T/bin" /bin/sh "$desktop" -x
for p in weston foot ps setsid; do ln -s "$(command -v "$p")" "$T/bin/$p"; done
check missing-xvfb expect 111 "septa-desktop: Xvfb: not found" \
	env PATH="$T/bin" /bin/sh "$desktop" -x
# A compositor that cannot start (nested in a Wayland display that is not
# there) is reported in one line, and leaves nothing behind.
failed_start() {
	out=$(env XDG_RUNTIME_DIR="$T/run" TMPDIR="$T/tmp" \
		WAYLAND_DISPLAY=septa-none "$desktop" -s septa-bad 2>&1)
	rc=$?
	echo "#   $out"
	[ "$rc" -eq 111 ] && [ "$(echo "$out" | wc -l)" -eq 1 ] &&
		case $out in "septa-desktop: weston did not start (status "*) ;;
		*) false ;; esac &&
		[ -z "$(ls -A "$T/tmp")" ] && [ ! -e "$T/run/septa-bad" ]
}
check failed-start-one-line failed_start

# --- A guest to list and to open a console on.
check tree-up tree_up
mkguest tv
vm-import "$T/defs" >/dev/null && vm-start tv
check guest-up wait_until 60 log_has tv SEPTA-READY

# --- Headless (-x), under env -i: no locale (the session makes it
# C.UTF-8, else foot warns in the terminal) and no Septa tools in PATH
# (the session puts SEPTA_BUILD first).
# shellcheck disable=SC2086
session $common_env XDG_RUNTIME_DIR="$T/run" SEPTA_RUN="$SEPTA_RUN" \
	SEPTA_SERVICE="$SEPTA_SERVICE" -- -x -d -s septa-a -g 1000x700
a_pid=$session_pid
check headless-prints-socket wait_until 30 printed septa-a
check headless-socket-up test -S "$T/run/septa-a"
# The clients' chatter goes to weston's log, not to our standard error.
check headless-stderr-quiet [ ! -s "$T/err" ]
XDG_RUNTIME_DIR="$T/run"
export XDG_RUNTIME_DIR
a_weston=$(child "$a_pid" weston)
a_xvfb=$(child "$a_pid" Xvfb)
# The Xvfb's display, for xdotool: from the environment weston got.
a_disp=$(tr '\0' '\n' <"/proc/$a_weston/environ" 2>/dev/null |
	sed -n 's/^DISPLAY=//p')
check headless-x11-backend-in-own-xvfb sh -c "[ -n '$a_xvfb' ] &&
	grep -q -- '--backend=x11-backend.so' /proc/$a_weston/cmdline"
check headless-idle-time-0 grep -q -- '--idle-time=0' "/proc/$a_weston/cmdline"
check autolaunched-foot within 20 window_in_scene septa-a foot
a_foot=$(child "$a_weston" foot)
check foot-path-starts-with-septa-tools sh -c "tr '\\0' '\\n' \
	</proc/$a_foot/environ | grep -qx 'PATH=$B:/usr/bin:/bin'"
check foot-locale-utf8 sh -c "tr '\\0' '\\n' </proc/$a_foot/environ |
	grep -qx LC_ALL=C.UTF-8"
# The pointer out of the windows (over the panel's clock): weston draws
# it into the screenshot.
DISPLAY=$a_disp timeout 5 xdotool mousemove 600 10 >/dev/null 2>&1
# The prompt alone: one row (a locale warning would be a second).
check foot-window-prompt-only within 20 rows_are septa-a desktop-start -eq 1
echo "#   rows: $last_rows"
# Found by its colour: a box the size of a terminal.
foot_found() {
	# shellcheck disable=SC2046 # five fields
	set -- $("$ppm_find" "$T/desktop-start.ppm" "$bg")
	echo "#   $*"
	[ "$1" != 0 ] && [ $(($4 - $2)) -ge 400 ] && [ $(($5 - $3)) -ge 200 ]
}
check foot-window-found-by-colour foot_found
DISPLAY=$a_disp timeout 10 xdotool type --delay 30 lsvm
DISPLAY=$a_disp timeout 10 xdotool key Return
# "# lsvm", the header, tv, the prompt.
check lsvm-in-foot-rows-went-up within 20 rows_are septa-a desktop-lsvm -eq 4
echo "#   rows: $last_rows"

# --- vm-console typed in that terminal opens a window titled tv.
DISPLAY=$a_disp timeout 10 xdotool type --delay 30 'vm-console tv'
DISPLAY=$a_disp timeout 10 xdotool key Return
check vm-console-window-in-scene within 20 window_in_scene septa-a tv
rect=$(window_rect septa-a tv)
echo "#   window tv: $rect"
# Found by its colour in its rectangle: the "attached" line, the cursor.
# shellcheck disable=SC2086 # four numbers
check vm-console-window-attached \
	within 20 rows_are septa-a vm-console-attached -ge 2 $rect
before=$last_rows
# The new window has the keyboard: Return for a fresh prompt of the
# guest's shell, which then runs the command.
DISPLAY=$a_disp timeout 10 xdotool key Return
DISPLAY=$a_disp timeout 20 xdotool type --delay 30 \
	'uname -s; echo vm-typed-$((6*7)) >/dev/ttyS0'
DISPLAY=$a_disp timeout 10 xdotool key Return
check vm-console-command-runs-in-guest wait_until 20 log_has tv vm-typed-42
# The guest's prompt with the command, its output, the next prompt.
# shellcheck disable=SC2086
check vm-console-window-shows-command \
	within 20 rows_are septa-a vm-console -ge $((before + 2)) $rect
echo "#   rows: $before, then $last_rows"

check headless-term-leaves-nothing stopped_clean "$a_pid" "$T/run" septa-a
check headless-xvfb-socket-gone sh -c "[ ! -e /tmp/.X11-unix/X${a_disp#:} ]"

# Killed outright (SIGKILL, no trap runs), its watcher cleans up.
# shellcheck disable=SC2086
session $common_env XDG_RUNTIME_DIR="$T/run" -- -x -s septa-k
k_pid=$session_pid
check killed-session-up wait_until 30 printed septa-k
check killed-session-leaves-nothing \
	stopped_clean "$k_pid" "$T/run" septa-k KILL

# --- Nested: an outer desktop (Xvfb + weston) to run septa-desktop in.
desktop_up septa-outer --width=1000 --height=700 --use-pixman

# In Wayland: the wayland backend, a window in the outer compositor.
# shellcheck disable=SC2086
session $common_env XDG_RUNTIME_DIR="$XDG_RUNTIME_DIR" \
	WAYLAND_DISPLAY=septa-outer DISPLAY="$desktop_display" -- -d -s septa-nw \
	-g 800x600
nw_pid=$session_pid
check nested-wayland-prints-socket wait_until 30 printed septa-nw
nw_weston=$(child "$nw_pid" weston)
check nested-wayland-backend \
	grep -q -- '--backend=wayland-backend.so' "/proc/$nw_weston/cmdline"
check nested-wayland-foot-inside within 20 window_in_scene septa-nw foot
outer_has_window_of() {
	scene septa-outer | grep -q "role xdg_toplevel, PID $1,"
}
check nested-wayland-window-in-outer within 10 outer_has_window_of "$nw_weston"
check nested-wayland-term-leaves-nothing \
	stopped_clean "$nw_pid" "$XDG_RUNTIME_DIR" septa-nw

# In X: the x11 backend, a window of its own in the X server.
# shellcheck disable=SC2086
session $common_env XDG_RUNTIME_DIR="$XDG_RUNTIME_DIR" \
	DISPLAY="$desktop_display" -- -d -s septa-nx -g 800x600
nx_pid=$session_pid
check nested-x-prints-socket wait_until 30 printed septa-nx
nx_weston=$(child "$nx_pid" weston)
check nested-x11-backend \
	grep -q -- '--backend=x11-backend.so' "/proc/$nx_weston/cmdline"
check nested-x-no-xvfb-of-its-own [ -z "$(child "$nx_pid" Xvfb)" ]
check nested-x-foot-inside within 20 window_in_scene septa-nx foot
check nested-x-term-leaves-nothing \
	stopped_clean "$nx_pid" "$XDG_RUNTIME_DIR" septa-nx
check outer-desktop-still-up sh -c "[ -d /proc/$weston_pid ] &&
	[ -S '$XDG_RUNTIME_DIR/septa-outer' ]"
vm-stop -t 0 tv >/dev/null 2>&1
