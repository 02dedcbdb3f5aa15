/* SPDX-License-Identifier: MIT */
/* The VMM command line: QEMU, with every file and socket passed as an
 * already-open file descriptor, so that no path reaches QEMU's option
 * parser (no ',' quoting problems, no race between check and use). */
#ifndef SEPTA_VMM_H
#define SEPTA_VMM_H

#include "vmdef.h"

#include <stdbool.h>

enum vmm_accel {
	VMM_ACCEL_TCG,
	VMM_ACCEL_KVM,
};

/* One side of a link between a client and its provider (link.h): a tap
 * the VMM gets as a descriptor. */
struct vmm_link {
	int fd;
	unsigned xy;   /* the client's address, 100.64.X.Y */
	bool provider; /* this VM is the link's provider */
};

/* q35 VMs get this many empty PCIe root ports, rp0 .. rp15: the slots
 * into which a provider's links to its clients are hot-plugged. */
#define VMM_ROOT_PORTS 16

/* A VM's own links (one per provider) and, as a provider, its clients'. */
#define VMM_LINKS_MAX (VMDEF_MAX_PROVIDERS + VMM_ROOT_PORTS)

struct vmm_fds {
	int qmp;	/* listening socket for control tools */
	int qmp_status; /* listening socket for lsvm */
	int console;	/* listening socket for the virtio-console */
	int wayland;	/* listening socket for the Wayland port, or -1 */
	int log;	/* serial console log, opened for append */
	int nlinks;
	struct vmm_link links[VMM_LINKS_MAX];
	int upstream; /* the tap of an upstream "netns PATH BRIDGE" */
};

#define VMM_ARGV_MAX 256
#define VMM_POOL_MAX 16384

struct vmm_argv {
	int argc;
	char *argv[VMM_ARGV_MAX + 1];
	size_t used;
	char pool[VMM_POOL_MAX];
};

/* Fill a with the QEMU command for d. tsc_khz is the host TSC frequency,
 * needed by Linux on microvm under TCG (0: unknown). -1 with E2BIG when
 * the command does not fit. */
int vmm_build_argv(struct vmm_argv *a, const struct vmdef *d,
		   const struct vmm_fds *f, enum vmm_accel accel,
		   unsigned long tsc_khz);

/* The QEMU binary: SEPTA_QEMU or qemu-system-x86_64 from PATH. */
const char *vmm_qemu_binary(void);

/* Host TSC frequency in kHz, measured over 20 ms; 0 when unknown. */
unsigned long vmm_tsc_khz(void);

const char *vmm_accel_name(enum vmm_accel accel);

#endif
