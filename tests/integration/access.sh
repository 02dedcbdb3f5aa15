#!/bin/sh
# Who may use a VM's control sockets: root alone (runtime directories
# 0700, sockets 0600), or root and the members of SEPTA_GROUP
# (directories 0750, sockets 0660, log and console lock 0640, all
# root:GROUP). And the tools talk only to a socket that root serves
# (SO_PEERCRED): start-vmm listens as root before it becomes the VMM.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

require setpriv socat stat

# A gid no one has and, on purpose, no name in /etc/group.
gid=$((40000 + $$ % 20000))
other=65534

# as UID [GROUPS] COMMAND: run COMMAND with that uid and those
# supplementary groups, no capability.
as() {
	u=$1
	if [ -n "$2" ]; then groups=--groups=$2; else groups=--clear-groups; fi
	shift 2
	setpriv --reuid="$u" --regid="$u" "$groups" --inh-caps=-all \
		--bounding-set=-all env PATH="$PATH" SEPTA_RUN="$SEPTA_RUN" "$@"
}

# can_query UID GROUPS NAME: does a QMP query on NAME's status socket
# work for that user?
can_query() {
	as "$1" "$2" sh -c "printf '{\"execute\":\"qmp_capabilities\"}\n{\"execute\":\"query-status\"}\n' |
		timeout 10 socat -t 2 - UNIX-CONNECT:$SEPTA_RUN/$3/qmp-status 2>/dev/null |
		grep -q '\"status\"'"
}

mode_of() { stat -c '%a %u %g' "$1"; }
fails() { ! "$@"; }
# lsvm_as UID GROUPS NAME STATUS: lsvm run by that user shows NAME so.
lsvm_as() {
	as "$1" "$2" lsvm 2>/dev/null | grep -q "^$3  *$4\$"
}

# Root alone.
check tree-up tree_up
mkguest solo
check import vm-import "$T/defs"
check root-dir-0700 [ "$(mode_of "$SEPTA_RUN")" = "700 0 0" ]
check vm-dir-0700 [ "$(mode_of "$SEPTA_RUN/solo")" = "700 0 0" ]
for s in qmp qmp-status console; do
	check "$s-0600" [ "$(mode_of "$SEPTA_RUN/solo/$s")" = "600 0 0" ]
done
check log-0600 [ "$(mode_of "$SEPTA_RUN/solo/log")" = "600 0 0" ]
check vmm-uid-recorded [ "$(cat "$SEPTA_RUN/solo/vmm-uid")" = "$(stat -c %u "/proc/$(vmm_pid solo)")" ]
check root-lsvm-believes-vmm sh -c "lsvm | grep -q '^solo  *STOPPED'"
check root-can-query can_query 0 "" solo
check other-user-cannot-query fails can_query "$other" "" solo
check other-user-in-group-cannot-either fails can_query "$other" "$gid" solo
check other-user-lsvm-sees-nothing fails lsvm_as "$other" "" solo STOPPED

# A socket that neither root nor the VM's VMM serves is not the VM's
# VMM (SO_PEERCRED against vmm-uid). The VMM goes
# down; another user answers on its status socket (a directory opened
# to it for the moment), and lsvm says so instead of believing it.
s6-svc -d "$SEPTA_SERVICE/instance/solo"
solo_down() { [ -z "$(vmm_pid solo)" ]; }
check solo-down wait_until 30 solo_down
chmod 0711 "$T" "$T/tree" "$SEPTA_RUN"
chmod 0777 "$SEPTA_RUN/solo"
rm -f "$SEPTA_RUN/solo/qmp-status" "$SEPTA_RUN/solo/console"
as "$other" "" timeout 60 socat UNIX-LISTEN:"$SEPTA_RUN/solo/qmp-status",fork \
	SYSTEM:'echo "{\"QMP\": {\"version\": {}, \"capabilities\": []}}"; cat >/dev/null' \
	>/dev/null 2>&1 &
fake=$!
as "$other" "" timeout 60 socat UNIX-LISTEN:"$SEPTA_RUN/solo/console",fork \
	SYSTEM:'echo impostor' >/dev/null 2>&1 &
fake2=$!
extra_teardown() { kill "$fake" "$fake2" 2>/dev/null; }
fake_up() { [ -S "$SEPTA_RUN/solo/qmp-status" ] && [ -S "$SEPTA_RUN/solo/console" ]; }
check impostor-listening wait_until 10 fake_up
check impostor-not-believed sh -c "lsvm | grep -q '^solo  *UNKNOWN'"
check impostor-named sh -c "lsvm -v | grep -q 'qmp-status is not served by its VMM'"
check console-refuses-impostor expect 111 "vm-console: solo: $SEPTA_RUN/solo/console is not served by its VMM" vm-console -t solo
kill "$fake" "$fake2" 2>/dev/null
wait "$fake" "$fake2" 2>/dev/null
chmod 0700 "$T" "$T/tree" "$SEPTA_RUN" "$SEPTA_RUN/solo"
s6-svc -u "$SEPTA_SERVICE/instance/solo"
check solo-back wait_until 30 is_status solo STOPPED
check solo-back-sockets-root [ "$(mode_of "$SEPTA_RUN/solo/qmp-status")" = "600 0 0" ]
septa-tree down "$T/tree" >/dev/null 2>&1

# Root and a group: SEPTA_GROUP reaches s6 (and so start-vmm) through
# septa-tree's environment.
SEPTA_GROUP=$gid
export SEPTA_GROUP
# The test's own directory is root's; a host's /run is open to all.
chmod 0711 "$T"
check group-tree-up tree_up
check group-import vm-import "$T/defs"
check group-tree-dir-0750 [ "$(mode_of "$T/tree")" = "750 0 $gid" ]
check group-root-dir-0750 [ "$(mode_of "$SEPTA_RUN")" = "750 0 $gid" ]
check group-vm-dir-0750 [ "$(mode_of "$SEPTA_RUN/solo")" = "750 0 $gid" ]
for s in qmp qmp-status console; do
	check "group-$s-0660" [ "$(mode_of "$SEPTA_RUN/solo/$s")" = "660 0 $gid" ]
done
check group-log-0640 [ "$(mode_of "$SEPTA_RUN/solo/log")" = "640 0 $gid" ]
check group-lock-0640 [ "$(mode_of "$SEPTA_RUN/solo/console.lock")" = "640 0 $gid" ]
check group-member-can-query can_query "$other" "$gid" solo
check group-member-lsvm lsvm_as "$other" "$gid" solo STOPPED
check non-member-cannot-query fails can_query "$other" "" solo
check group-record-still-root [ "$(mode_of "$SEPTA_RUN/solo/vmm-id")" = "600 0 0" ]
check group-vmm-uid-0640 [ "$(mode_of "$SEPTA_RUN/solo/vmm-uid")" = "640 0 $gid" ]
septa-tree down "$T/tree" >/dev/null 2>&1

# A group that does not exist: one line, exit 100, nothing made.
check bad-group-tree expect 100 "septa-tree: SEPTA_GROUP=no-such-group-septa: no such group" env SEPTA_GROUP=no-such-group-septa septa-tree up "$T/bad"
check bad-group-tree-nothing-made [ ! -e "$T/bad" ]
unset SEPTA_GROUP
check tree-up-again tree_up
check bad-group-start-vmm-import vm-import "$T/defs"
check bad-group-start-vmm expect 100 "start-vmm: solo: SEPTA_GROUP=no-such-group-septa: no such group" env SEPTA_GROUP=no-such-group-septa start-vmm solo
mkguest fresh
rm -rf "$T/defs/solo"
check bad-group-import expect 100 "vm-import: SEPTA_GROUP=no-such-group-septa: no such group" env SEPTA_GROUP=no-such-group-septa vm-import "$T/defs"
check bad-group-import-nothing [ ! -e "$SEPTA_RUN/fresh" ]
