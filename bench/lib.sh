# Shared by Septa's benchmarks: a private s6 tree in a temporary
# directory, VM definitions made from the test guest, the bare QEMU
# command that start-vmm would run, the benchmark clock, statistics, and a
# cleanup that runs however the benchmark ends.
# shellcheck shell=sh
set -u
LC_ALL=C
export LC_ALL
bench_top=$(cd "$(dirname "$0")/.." && pwd) || exit 1
B=${SEPTA_BUILD:-$bench_top/build}
G=${SEPTA_TEST_GUEST:-$B/guests/testvm}
PATH="$B:$PATH"
export PATH
T=
bench_name=$(basename "$0")

say() { printf '%s\n' "$*"; }
die() {
	printf '%s: %s\n' "$bench_name" "$*" >&2
	exit 1
}

# bench_kill PID: SIGKILL one process we started, by its pid, and only
# while it is still a QEMU (a pid may be reused); never 0, 1 or -1.
bench_kill() {
	case "$1" in
	'' | 0 | 1 | -* | *[!0-9]*) return 0 ;;
	esac
	if tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null | grep -q qemu-system; then
		kill -9 "$1" 2>/dev/null
	fi
	return 0
}

bench_cleanup() {
	[ -n "$T" ] && [ -d "$T" ] || return 0
	if [ -f "$T/pids" ]; then
		while read -r bc_p; do bench_kill "$bc_p"; done <"$T/pids"
	fi
	for bc_tree in "$T"/tree*; do
		[ -d "$bc_tree/service" ] &&
			septa-tree down "$bc_tree" >/dev/null 2>&1
	done
	rm -rf "$T"
}

# bench_init: check the build, make the temporary directory (short: the
# socket paths under it must fit in sun_path), set the cleanup, build the
# clock.
bench_init() {
	for bi_p in septa-tree vm-import vm-start vm-stop lsvm start-vmm; do
		[ -x "$B/$bi_p" ] || die "$B/$bi_p missing: run tools/build first"
	done
	[ -f "$G/vmlinux" ] || die "$G: no test guest: run tools/build first"
	for bi_p in qemu-system-x86_64 s6-svstat socat; do
		command -v "$bi_p" >/dev/null || die "$bi_p: not installed"
	done
	T=$(mktemp -d /tmp/septa-bench.XXXXXX) || die "mktemp failed"
	trap 'bench_cleanup' EXIT
	trap 'exit 1' INT TERM HUP
	${CC:-cc} -O2 -Wall -o "$T/benchclock" "$bench_top/bench/benchclock.c" ||
		die "could not build bench/benchclock.c"
	# shellcheck disable=SC2034 # the benchmarks use it
	BC=$T/benchclock
}

# tree_up [DIR]: a private s6 tree; its environment goes into this shell.
tree_up() {
	tu_out=$(septa-tree up "${1:-$T/tree}") || die "septa-tree up failed"
	eval "$tu_out"
}

# mkguest NAME [MEM]: a definition of the test guest, its files symlinked.
mkguest() {
	mg_d="$T/defs/$1"
	mkdir -p "$mg_d/blk"
	ln -s "$G/vmlinux" "$mg_d/vmlinux"
	ln -s "$G/initramfs" "$mg_d/initramfs"
	ln -s "$G/blk/root.img" "$mg_d/blk/root.img"
	[ -f "$G/cmdline" ] && cp "$G/cmdline" "$mg_d/cmdline"
	[ $# -gt 1 ] && echo "$2" >"$mg_d/mem"
	return 0
}

# wait_until SECONDS COMMAND...: poll every 0.1 s, bounded.
wait_until() {
	wu_limit=$(($1 * 10))
	shift
	wu_i=0
	while [ "$wu_i" -lt "$wu_limit" ]; do
		"$@" && return 0
		sleep 0.1
		wu_i=$((wu_i + 1))
	done
	return 1
}

status() { lsvm | awk -v n="$1" '$1 == n { print $2 }'; }
is_status() { [ "$(status "$1")" = "$2" ]; }
# all_stopped N: lsvm lists N VMs, every one STOPPED.
all_stopped() { [ "$(lsvm | awk '$2 == "STOPPED"' | wc -l)" -eq "$1" ]; }

# vmm_pid NAME: the pid s6 supervises for NAME (QEMU itself), or nothing
# while it is down (s6-svstat says -1 then).
vmm_pid() {
	vp=$(s6-svstat -o pid "$SEPTA_SERVICE/instance/$1" 2>/dev/null)
	case "$vp" in
	'' | -* | 0 | 1 | *[!0-9]*) ;;
	*) echo "$vp" ;;
	esac
}

# bare_argv NAME DIR [keep-S]: the command start-vmm would exec for the
# imported VM NAME (start-vmm -p), with paths in place of the descriptors
# it would pass: the definition's kernel, initramfs and disks, sockets and
# the serial log under DIR. One argument a line in DIR/argv. -S (created,
# not running) is dropped unless the third argument is given. (Words
# after -append up to the next -chardev are joined: older start-vmm
# printed the -append value unquoted.)
bare_argv() {
	ba_def=$(readlink "$SEPTA_RUN/$1/config") || die "$1: not imported"
	ba_dir=$2
	ba_keep_s=${3:-}
	mkdir -p "$ba_dir"
	ba_line=$(start-vmm -p "$1" 2>/dev/null) || die "start-vmm -p $1 failed"
	: >"$ba_dir/argv"
	# start-vmm -p quotes each argument for the shell.
	eval "set -- $ba_line"
	ba_prev=
	ba_append=
	ba_in_append=
	while [ $# -gt 0 ]; do
		ba_a=$1
		shift
		if [ -n "$ba_in_append" ]; then
			if [ "$ba_a" != -chardev ]; then
				ba_append="$ba_append${ba_append:+ }$ba_a"
				continue
			fi
			printf '%s\n' "$ba_append" >>"$ba_dir/argv"
			ba_in_append=
		fi
		case "$ba_prev:$ba_a" in
		*:-S)
			if [ -z "$ba_keep_s" ]; then
				ba_prev=$ba_a
				continue
			fi
			;;
		*:-append) ba_in_append=1 ;;
		-kernel:/proc/self/fd/*) ba_a=$(readlink -f "$ba_def/vmlinux") ;;
		-initrd:/proc/self/fd/*) ba_a=$(readlink -f "$ba_def/initramfs") ;;
		-drive:file=/proc/self/fd/*)
			ba_id=${ba_a##*id=blk}
			ba_id=${ba_id%%,*}
			ba_n=0
			ba_img=
			for ba_f in "$ba_def"/blk/*.img; do
				[ "$ba_n" -eq "$ba_id" ] && ba_img=$(readlink -f "$ba_f")
				ba_n=$((ba_n + 1))
			done
			[ -n "$ba_img" ] || die "$1: no disk image for blk$ba_id"
			ba_a="file=$ba_img,${ba_a#*,}"
			;;
		-chardev:socket,id=*,fd=*)
			ba_id=${ba_a#socket,id=}
			ba_id=${ba_id%%,*}
			ba_a=$(printf '%s' "$ba_a" |
				sed "s|,fd=[0-9]*,|,path=$ba_dir/$ba_id,|")
			;;
		-chardev:file,id=*,path=/proc/self/fd/*)
			ba_a=$(printf '%s' "$ba_a" |
				sed "s|,path=/proc/self/fd/[0-9]*|,path=$ba_dir/log|")
			;;
		esac
		printf '%s\n' "$ba_a" >>"$ba_dir/argv"
		ba_prev=$ba_a
	done
	[ -z "$ba_in_append" ] || die "start-vmm -p $1: no -chardev after -append"
	if grep -q -e /proc/self/fd -e 'fd=[0-9]' "$ba_dir/argv"; then
		die "start-vmm -p $1: a descriptor left unmapped: $ba_line"
	fi
	return 0
}

# bare_show DIR: the bare command as one line, quoted for the shell.
bare_show() {
	awk '/[^A-Za-z0-9,._+:@%\/=-]/ { $0 = "\047" $0 "\047" }
		{ printf "%s%s", (NR > 1 ? " " : ""), $0 } END { print "" }' \
		"$1/argv"
}

# qmp DIR COMMAND: one QMP command to the bare QEMU whose sockets are in
# DIR, answer on stdout.
qmp() {
	printf '{"execute":"qmp_capabilities"}\n{"execute":"%s"}\n' "$2" |
		socat -t 2 - "UNIX-CONNECT:$1/qmp" 2>/dev/null
}

# stats FILE: "median min max count" of the numbers in FILE, one a line,
# divided by 1000 (microseconds to milliseconds).
stats() {
	sort -n "$1" | awk '{ v[NR] = $1 / 1000 }
		END {
			if (NR == 0) { print "- - - 0"; exit }
			m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
			printf "%.1f %.1f %.1f %d\n", m, v[1], v[NR], NR
		}'
}

# median FILE: the median of the numbers in FILE, as they are.
median() {
	sort -n "$1" | awk '{ v[NR] = $1 }
		END {
			if (NR == 0) { print "-"; exit }
			print NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		}'
}

# with_bare DIR COMMAND...: run COMMAND... followed by the arguments of
# the bare QEMU command in DIR/argv.
with_bare() {
	wb_dir=$1
	shift
	while IFS= read -r a; do set -- "$@" "$a"; done <"$wb_dir/argv"
	"$@"
}
