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
