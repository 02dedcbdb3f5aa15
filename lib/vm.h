/* SPDX-License-Identifier: MIT */
/* Imported VMs at run time: /run/vm/NAME (SEPTA_RUN) holds `config` (a
 * link to the definition), the QMP sockets `qmp` (control) and
 * `qmp-status` (queries), `console`, `console.lock` and the serial `log`. */
#ifndef SEPTA_VM_H
#define SEPTA_VM_H

#include "qmp.h"
#include "vmdef.h"

#include <stdbool.h>

#define VM_MAX 256

enum vm_state {
	VM_STOPPED, /* the VMM exists, the guest has not been let run */
	VM_RUNNING,
	VM_UNKNOWN, /* no VMM answers, or it is in another state */
};

struct vm_status {
	enum vm_state state;
	char run_state[32]; /* QEMU's word for it, or "" */
	bool kvm;
	char why[128]; /* for VM_UNKNOWN: what went wrong */
};

const char *vm_state_name(enum vm_state s);

/* Is name imported (its runtime directory has a config link)? */
bool vm_imported(const char *name);

/* Load the definition of an imported VM. */
int vm_load(struct vmdef *d, const char *name, char *err, size_t errsz);

/* start-vmm records what the VMM it starts boots (vmdef_identity) in the
 * runtime directory's `loaded`, so that vm-start can tell a definition
 * changed since: a rebuilt image, a new config disk, a new cmdline. */
int vm_loaded_record(const char *name, const struct vmdef *d);

/* The uid the VM's VMM runs as, recorded by start-vmm in vmm-uid before
 * it becomes the VMM (readable by SEPTA_GROUP's gid, when not -1), and
 * read back by the tools to check who serves the VM's sockets. */
int vm_uid_record(const char *name, uid_t uid, gid_t gid);
int vm_uid_read(const char *name, uid_t *uid);

/* 1 when the definition as it is now differs from what the VMM boots, 0
 * when it does not or nothing was recorded, -1 with the problem in err
 * (the definition is now invalid: "vmlinux: missing"). */
int vm_changed(const char *name, char *err, size_t errsz);

/* The address of name's link to provider, as X.Y of 100.64.X.Y (16 bits,
 * never 0.0 or 255.255), which its MACs carry (0A:B3:EC:??:X:Y). Chosen
 * once, from a hash of the two names and then the next free value, under
 * a lock ($SEPTA_RUN/.links.lock), so that no two links of imported VMs
 * share one; recorded in $SEPTA_RUN/NAME/link-PROVIDER ("X.Y"), so that
 * it stays the same across the VM's restarts. -1 with errno (ENOSPC when
 * every value is taken). */
int vm_link_addr(const char *name, const char *provider, unsigned *xy);

/* The VMM's own number, 1 .. VM_ID_MAX, from which its uid and gid are
 * made (sandbox.h): chosen once, from a hash of the name and then the
 * next free value, under the runtime root's lock, so that no two imported
 * VMs share one; recorded in $SEPTA_RUN/NAME/vmm-id, so that it stays the
 * same across the VM's restarts. -1 with errno (ENOSPC when all are
 * taken). */
#define VM_ID_MAX 65535
int vm_vmm_id(const char *name, unsigned *id);

/* The address recorded for name's link to provider, without choosing one:
 * -1 when there is no record. */
int vm_link_read(const char *name, const char *provider, unsigned *xy);

/* Open (creating it, mode 0600) and lock (LOCK_EX) the lock file at path.
 * Returns the descriptor, closed to unlock, or -1 with errno. */
int vm_lock_file(const char *path);

/* Connect to one of the VM's sockets ("qmp", "qmp-status", "console").
 * The server must be root (start-vmm makes the listening sockets) or the
 * VM's VMM, by the uid recorded in vmm-uid (SO_PEERCRED); anything else
 * answering there is not the VM's VMM: -1 with errno EPERM. */
int vm_connect(const char *name, const char *sock);

/* Connect to one of the VM's QMP sockets ("qmp" or "qmp-status"),
 * through vm_connect. */
int vm_qmp_open(struct qmp *q, const char *name, const char *sock,
		int timeout_ms);

/* Ask the VMM for the VM's state over the status socket. */
void vm_query(const char *name, struct vm_status *st, int timeout_ms);

/* Wait until the VM's VMM answers on the control socket and reports a
 * created or running VM. On success q is left connected. -1 with
 * ETIMEDOUT. */
int vm_wait_vmm(struct qmp *q, const char *name, int timeout_ms);

/* Names of the imported VMs, sorted. Returns the count or -1. */
int vm_list(char names[][VM_NAME_MAX + 1], int max);

/* Where a VM's providers come from, for start_order. Returns the number of
 * providers written into out, or -1 with the problem in err. */
typedef int (*vm_providers_fn)(void *ctx, const char *name,
			       char out[][VM_NAME_MAX + 1], char *err,
			       size_t errsz);

/* The order in which to start name and its providers, recursively:
 * providers first, name last, each once. Fails on a cycle with err
 * "provider cycle: a -> b -> a". Returns the count or -1. */
int vm_start_order(const char *name, vm_providers_fn fn, void *ctx,
		   char order[][VM_NAME_MAX + 1], int max, char *err,
		   size_t errsz);

/* vm_providers_fn over the imported VMs' definitions. */
int vm_imported_providers(void *ctx, const char *name,
			  char out[][VM_NAME_MAX + 1], char *err, size_t errsz);

#endif
