# Helpers for the definition golden cases; sourced with the case's work
# directory as the current directory. Each case builds defs/ (or whatever
# it names in ARG) and the runner checks vm-import's stderr and status.
# shellcheck shell=sh
mkvm() {
	mkdir -p "defs/$1/blk"
	printf '\177ELF\002\001\001' >"defs/$1/vmlinux"
	printf 'disk' >"defs/$1/blk/root.img"
}
# provide CLIENT PROVIDER: PROVIDER, when it exists, becomes a q35 VM (a
# provider must be one).
provide() {
	mkdir -p "defs/$1/providers/net"
	: >"defs/$1/providers/net/$2"
	[ ! -d "defs/$2" ] || echo q35 >"defs/$2/machine"
}
