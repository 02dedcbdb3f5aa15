# shellcheck shell=sh
# Helpers for building Septa guest images from Debian packages, sourced by
# images/build (and meant to be shared with guest/build-test-guest). They
# print nothing on success; failures call die (defined by the caller as
# "one line on stderr, then exit 1"). POSIX sh plus Debian's usual tools.

# bzimage_payload BZIMAGE OUT: write the compressed kernel inside a bzImage
# to OUT and print its format (lz4, zstd, xz, gzip, bzip2, lzma, lzo).
# The boot protocol's setup header says where it is: the protected-mode
# part starts after (setup_sects + 1) sectors, and payload_offset/_length
# (at 0x248/0x24c) locate the payload in it. Every format but gzip has the
# uncompressed size appended as 4 bytes, which the decompressors would
# read as garbage: they are left out.
bzimage_payload() {
	_bz=$1
	_out=$2
	_hdr=$(od -An -tx1 -j 514 -N 4 "$_bz" | tr -d ' \n')
	[ "$_hdr" = 48647253 ] || die "${_bz##*/}: not a bzImage (no HdrS)"
	_ss=$(od -An -tu1 -j 497 -N 1 "$_bz" | tr -d ' ')
	[ "$_ss" -ne 0 ] || _ss=4
	_poff=$(od -An -tu4 -j 584 -N 4 "$_bz" | tr -d ' ')
	_plen=$(od -An -tu4 -j 588 -N 4 "$_bz" | tr -d ' ')
	_start=$(((_ss + 1) * 512 + _poff))
	_magic=$(od -An -tx1 -j "$_start" -N 6 "$_bz" | tr -d ' \n')
	case $_magic in
	02214c18*) _fmt=lz4 ;;
	28b52ffd*) _fmt=zstd ;;
	fd377a585a00) _fmt=xz ;;
	1f8b*) _fmt=gzip ;;
	425a68*) _fmt=bzip2 ;;
	5d0000*) _fmt=lzma ;;
	894c5a*) _fmt=lzo ;;
	*) die "${_bz##*/}: unknown payload format (magic $_magic)" ;;
	esac
	[ "$_fmt" = gzip ] || _plen=$((_plen - 4))
	tail -c "+$((_start + 1))" "$_bz" | head -c "$_plen" >"$_out" ||
		die "cannot copy the payload of ${_bz##*/}"
	printf '%s\n' "$_fmt"
}

# kernel_vmlinux BZIMAGE OUT: the uncompressed ELF kernel, with Debian's
# decompressor for whatever the payload is.
kernel_vmlinux() {
	_p=$2.payload
	_f=$(bzimage_payload "$1" "$_p")
	case $_f in
	lz4) _d="lz4 -dc" ;;
	zstd) _d="zstd -dcq" ;;
	xz) _d="xz -dc --single-stream" ;;
	gzip) _d="gzip -dc" ;;
	bzip2) _d="bzip2 -dc" ;;
	lzma) _d="xz -dc --format=lzma" ;;
	lzo) _d="lzop -dc" ;;
	esac
	command -v "${_d%% *}" >/dev/null 2>&1 ||
		die "${1##*/} is $_f-compressed and ${_d%% *} is not installed"
	# shellcheck disable=SC2086 # $_d is a command and its options
	$_d <"$_p" >"$2" 2>/dev/null || die "$_d failed on ${1##*/}"
	rm -f "$_p"
	[ "$(head -c 4 "$2" | od -An -tx1 | tr -d ' \n')" = 7f454c46 ] ||
		die "the $_f payload of ${1##*/} is not an ELF kernel"
	printf '%s\n' "$_f"
}

# modinfo_field KO FIELD: the values of FIELD in a module's .modinfo
# section (NUL-separated "field=value" strings), one a line. KO may be
# compressed with xz or zstd.
modinfo_field() {
	case $1 in
	*.xz) xz -dc "$1" ;;
	*.zst) zstd -dcq "$1" ;;
	*) cat "$1" ;;
	esac | tr '\0' '\n' | sed -n "s/^$2=//p"
}

# module_file MODDIR NAME: the path of NAME.ko[.xz|.zst] under MODDIR
# (a lib/modules/VERSION tree; '-' and '_' are the same in module names).
module_file() {
	_n=$(printf '%s' "$2" | tr '-' '_')
	_alt=$(printf '%s' "$2" | tr '_' '-')
	find "$1/kernel" \( -name "$_n.ko" -o -name "$_n.ko.xz" \
		-o -name "$_n.ko.zst" -o -name "$_alt.ko" -o -name "$_alt.ko.xz" \
		-o -name "$_alt.ko.zst" \) | sort
}

# module_builtin MODDIR NAME: whether NAME is built into the kernel.
module_builtin() {
	_n=$(printf '%s' "$2" | tr '-' '_')
	tr '-' '_' <"$1/modules.builtin" | grep -q "/$_n\.ko\$"
}

# module_copy KO OUT: an uncompressed copy of a module.
module_copy() {
	case $1 in
	*.xz) xz -dc "$1" >"$2" ;;
	*.zst) zstd -dcq "$1" >"$2" ;;
	*) cp "$1" "$2" ;;
	esac || die "cannot decompress ${1##*/}"
}

# newc_node NAME MODE RDEVMAJOR RDEVMINOR EPOCH: one header-only entry of
# a newc cpio archive (a device node or an empty directory), written by
# hand because making a device node needs root.
newc_node() {
	printf '070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%s\0' \
		0 "$2" 0 0 1 "$5" 0 0 0 "$3" "$4" $((${#1} + 1)) 0 "$1"
	# header (110 bytes) + name + NUL, padded to a multiple of 4
	head -c $(((4 - (110 + ${#1} + 1) % 4) % 4)) /dev/zero
}

# cpio_tree DIR EPOCH: a reproducible newc archive of DIR on stdout:
# sorted names, owner 0:0, every time EPOCH, modes from nothing but the x
# bit (and 1777 /tmp, 700 /root when present), whatever umask or checkout.
cpio_tree() {
	find "$1" -type d -exec chmod 755 {} +
	find "$1" -type f -perm /111 -exec chmod 755 {} +
	find "$1" -type f ! -perm /111 -exec chmod 644 {} +
	[ ! -d "$1/tmp" ] || chmod 1777 "$1/tmp"
	[ ! -d "$1/root" ] || chmod 700 "$1/root"
	find "$1" -exec touch -h -d "@$2" {} + || die "touch failed"
	(cd "$1" && find . -mindepth 1 | sed 's|^\./||' | LC_ALL=C sort |
		cpio -o -H newc -R 0:0 --reproducible --quiet)
}

# root_resolve ROOT PATH: PATH (absolute, inside the tree ROOT) with every
# symbolic link followed as the guest would see it; fails on a loop.
root_resolve() {
	_root=$1
	_p=$2
	_hops=0
	while :; do
		_cur=
		_rest=${_p#/}
		_again=
		while [ -n "$_rest" ]; do
			_c=${_rest%%/*}
			case $_rest in */*) _rest=${_rest#*/} ;; *) _rest= ;; esac
			case $_c in
			'' | .) continue ;;
			..)
				_cur=${_cur%/*}
				continue
				;;
			esac
			if [ -L "$_root$_cur/$_c" ]; then
				_hops=$((_hops + 1))
				[ "$_hops" -le 40 ] || return 1
				_t=$(readlink "$_root$_cur/$_c")
				case $_t in
				/*) _p=$_t${_rest:+/$_rest} ;;
				*) _p=$_cur/$_t${_rest:+/$_rest} ;;
				esac
				_again=1
				break
			fi
			_cur=$_cur/$_c
		done
		[ -n "$_again" ] || break
	done
	printf '%s\n' "${_cur:-/}"
}

# tree_digest DIR: one line per file and link under DIR (path, type, x bit,
# content hash or link target), sorted: what a build depends on in DIR.
tree_digest() {
	[ -d "$1" ] || return 0
	(cd "$1" && find . \( -type f -o -type l \) | LC_ALL=C sort |
		while IFS= read -r _f; do
			if [ -L "$_f" ]; then
				printf '%s link %s\n' "$_f" "$(readlink "$_f")"
			elif [ -x "$_f" ]; then
				printf '%s exec %s\n' "$_f" "$(sha256sum <"$_f" | cut -c1-64)"
			else
				printf '%s file %s\n' "$_f" "$(sha256sum <"$_f" | cut -c1-64)"
			fi
		done)
}

# list_file FILE: the non-empty, non-comment lines of FILE, trimmed.
list_file() {
	[ -f "$1" ] || return 0
	sed -e 's/#.*//' -e 's/^[[:space:]]*//' -e 's/[[:space:]]*$//' "$1" |
		grep -v '^$' || :
}

# space_hint DIR: " (only N MiB free on DIR's file system)" when it is
# nearly full, so that a failure from a full disk says so.
space_hint() {
	_free=$(df -Pk "$1" 2>/dev/null | awk 'NR == 2 { print int($4 / 1024) }')
	case $_free in
	'' | *[!0-9]*) ;;
	*) [ "$_free" -ge 64 ] || printf ' (only %s MiB free on %s)' "$_free" "$1" ;;
	esac
}
