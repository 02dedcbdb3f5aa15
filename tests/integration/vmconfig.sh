#!/bin/sh
# vm-config: a text file becomes a config disk that septa-init accepts and
# -p prints back; bad input gives one line and a fixed status, and writes
# nothing: no OUT, no temporary file, an existing OUT untouched. Needs no
# VM and no s6 tree.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

size_ok() {
	s=$(wc -c <"$1")
	[ "$s" -gt 0 ] && [ $((s % 512)) -eq 0 ]
}

# has_header DISK: starts with exactly "septa-config 1\n".
has_header() {
	printf 'septa-config 1\n' >"$T/header"
	head -c 15 "$1" | cmp -s - "$T/header"
}

# no_tmp DIR: no temporary file of vm-config's (OUT.tmpPID) left in DIR.
no_tmp() {
	for f in "$1"/*.tmp*; do
		[ -e "$f" ] && return 1
	done
	return 0
}

# help_ok: -h and --help print the usage to stdout and exit 0.
help_ok() {
	for o in -h --help; do
		out=$(vm-config "$o" 2>/dev/null) || return 1
		[ "${out%%
*}" = "usage: vm-config [-n] FILE OUT" ] || return 1
	done
}

# printed_back DISK FILE: vm-config -p DISK prints FILE exactly.
printed_back() {
	vm-config -p "$1" >"$T/printed" && cmp -s "$T/printed" "$2"
}

# The image's built-in configuration, as in images/*/config.
cat >"$T/image.cfg" <<'EOF'
hostname=appvm-test
exec=/usr/bin/elinks
arg=file:///usr/share/septa/index.html
EOF
cat >"$T/good.cfg" <<'EOF'
# The page to open.
arg=-no-home
arg=https://example.org/a b

env=LANG=C.UTF-8
EOF

check usage expect 100 "$(vm-config -h)" vm-config
check usage-help help_ok
check usage-p-and-n expect 100 "$(vm-config -h)" vm-config -n -p "$T/x"
check usage-p-two-operands expect 100 "$(vm-config -h)" vm-config -p "$T/x" "$T/y"

D="$T/disk.img"
check good expect 0 "" vm-config "$T/good.cfg" "$D"
check good-size-multiple-of-512 size_ok "$D"
check good-one-sector [ "$(wc -c <"$D")" -eq 512 ]
check good-header has_header "$D"
check good-printed-back printed_back "$D" "$T/good.cfg"
check good-septa-init-accepts expect 0 "role=app
hostname=appvm-test
term=linux
exec=/usr/bin/elinks
arg=-no-home
arg=https://example.org/a b
env=LANG=C.UTF-8" septa-init -n "$T/image.cfg" "$D"
check good-no-temporary no_tmp "$T"

# A header line in FILE is not written twice; a last line without a
# newline gets one.
{ echo 'septa-config 1'; cat "$T/good.cfg"; } >"$T/with-header.cfg"
check header-in-file expect 0 "" vm-config "$T/with-header.cfg" "$T/d2.img"
check header-in-file-same-disk cmp -s "$D" "$T/d2.img"
printf 'arg=x' >"$T/no-newline.cfg"
check no-final-newline expect 0 "" vm-config "$T/no-newline.cfg" "$T/d3.img"
echo 'arg=x' >"$T/newline.cfg"
check no-final-newline-added printed_back "$T/d3.img" "$T/newline.cfg"
: >"$T/empty.cfg"
check empty-file expect 0 "" vm-config "$T/empty.cfg" "$T/d4.img"
check empty-file-header-only expect 0 "" vm-config -p "$T/d4.img"
check empty-file-size size_ok "$T/d4.img"

# At most 64 KiB before the padding, the header line included: a FILE of
# 65536 bytes fits with its own header line, not without one.
awk 'BEGIN { print "septa-config 1";
	for (i = 0; i < 655; i++) printf "#%098d\n", i;
	printf "#%019d\n", 0 }' >"$T/max.cfg"
check max-file-is-64k [ "$(wc -c <"$T/max.cfg")" -eq 65536 ]
check max-file expect 0 "" vm-config "$T/max.cfg" "$T/max.img"
check max-disk-is-64k [ "$(wc -c <"$T/max.img")" -eq 65536 ]
sed 1d "$T/max.cfg" >"$T/over.cfg"
echo '#1234567890123' >>"$T/over.cfg"
check max-without-header expect 1 "vm-config: $T/over.cfg: longer than 65536 bytes with the \"septa-config 1\" line" vm-config "$T/over.cfg" "$T/over.img"
check max-without-header-writes-nothing [ ! -e "$T/over.img" ]

check check-only expect 0 "" vm-config -n "$T/good.cfg" "$T/n.img"
check check-only-writes-nothing [ ! -e "$T/n.img" ]

# Bad input. $O holds an existing OUT (old.img) and nothing else.
O="$T/out"
mkdir "$O"
cp "$D" "$O/old.img"
untouched_names() { [ "$(ls -A "$O")" = old.img ]; }
untouched() { untouched_names && cmp -s "$O/old.img" "$D"; }
# bad NAME STATUS MESSAGE FILE: to a new OUT and over an existing one.
bad() {
	check "$1" expect "$2" "$3" vm-config "$4" "$O/new.img"
	check "$1-keeps-existing-out" expect "$2" "$3" vm-config "$4" "$O/old.img"
	check "$1-writes-nothing" untouched
}

printf 'arg=-x\n# the program\nexec=bin/sh\n' >"$T/relative.cfg"
bad relative-exec 1 "vm-config: $T/relative.cfg: line 3: exec: \"bin/sh\" is not an absolute path" "$T/relative.cfg"
printf 'arg=a\nargs=b\n' >"$T/unknown.cfg"
bad unknown-key 1 "vm-config: $T/unknown.cfg: line 2: unknown key \"args\"" "$T/unknown.cfg"
printf 'arg=a\r\n' >"$T/crlf.cfg"
bad crlf 1 "vm-config: $T/crlf.cfg: line 1: control character 0x0d (CRLF line ending?)" "$T/crlf.cfg"
printf 'arg=a\000b\narg=c\n' >"$T/nul.cfg"
bad nul-byte 1 "vm-config: $T/nul.cfg: line 1: NUL byte before the end of the file" "$T/nul.cfg"
printf 'exec=/bin/sh\nexec=/bin/true\n' >"$T/dup.cfg"
bad duplicate-key 1 "vm-config: $T/dup.cfg: line 2: duplicate key \"exec\"" "$T/dup.cfg"
{ cat "$T/max.cfg"; echo; } >"$T/big.cfg"
bad oversized 1 "vm-config: $T/big.cfg: longer than 65536 bytes" "$T/big.cfg"
bad missing-file 111 "vm-config: $T/nope.cfg: No such file or directory" "$T/nope.cfg"
bad file-is-directory 111 "vm-config: $T: Is a directory" "$T"

check out-missing-directory expect 111 "vm-config: $T/none/new.img: create a temporary file: No such file or directory" vm-config "$T/good.cfg" "$T/none/new.img"
check out-missing-directory-writes-nothing [ ! -e "$T/none" ]
ln -s old.img "$O/link.img"
check out-symlink expect 1 "vm-config: $O/link.img: not a regular file" vm-config "$T/good.cfg" "$O/link.img"
check out-symlink-kept [ -L "$O/link.img" ]
rm "$O/link.img"
check out-symlink-writes-nothing untouched

check print-not-a-disk expect 1 "vm-config: $T/good.cfg: line 1: no \"septa-config 1\" header" vm-config -p "$T/good.cfg"
{ echo 'septa-config 1'; cat "$T/dup.cfg"; } >"$T/dup.img"
check print-invalid-disk expect 1 "vm-config: $T/dup.img: line 3: duplicate key \"exec\"" vm-config -p "$T/dup.img"
check print-missing-disk expect 111 "vm-config: $T/nope.img: No such file or directory" vm-config -p "$T/nope.img"

# Overwriting an existing OUT works, and leaves no temporary file.
check replace expect 0 "" vm-config "$T/no-newline.cfg" "$O/old.img"
check replace-new-content cmp -s "$O/old.img" "$T/d3.img"
check replace-no-temporary untouched_names
