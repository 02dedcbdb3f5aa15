/* SPDX-License-Identifier: MIT */
/* VM definitions: a directory named after the VM (Spectrum's layout) plus
 * optional Septa files, each with a documented default (septa-vm(5)).
 *
 *   vmlinux             kernel (ELF/PVH or bzImage)          required
 *   blk/ *.img          disk images, attached read-only      at least one
 *   providers/net/NAME  NAME provides this VM's network      optional
 *   initramfs           early image for the kernel           optional
 *   cmdline             extra kernel arguments, one line     optional
 *   mem                 guest memory in MiB (default 256)    optional
 *   cpus                virtual CPUs (default 1)             optional
 *   machine             microvm (default) or q35             optional
 *   upstream            a network VM's own way out, one line: optional
 *                         netns PATH BRIDGE  a tap on BRIDGE in the
 *                                            network namespace at PATH
 *                         user               QEMU's user-mode network
 *                                            (the host's own network)
 *                         pci DDDD:BB:SS.F   a NIC passed through (q35)
 *   wayland             "waypipe": the VM shows windows on   optional
 *                         the host's compositor through a
 *                         virtio-serial port (vm-wayland(8))
 *   limits/memory       cap on the VMM's memory in MiB       optional
 *                         (default: start-vmm's, from mem)
 *   limits/cpu-weight   the VMM's CPU weight (default 100)   optional
 *   limits/pids         the VMM's most tasks (default 256)   optional
 *
 * vmdef_load checks everything and keeps the files it checked open, so
 * that what is started is exactly what was checked. */
#ifndef SEPTA_VMDEF_H
#define SEPTA_VMDEF_H

#include "util.h"

#include <limits.h>
#include <stdbool.h>

#define VMDEF_MAX_BLK	    16
#define VMDEF_MAX_PROVIDERS 16
#define VMDEF_CMDLINE_MAX   1024
#define VMDEF_MEM_MIN	    72 /* MiB: the smallest a Debian kernel boots */
#define VMDEF_MEM_MAX	    (1024 * 1024)
#define VMDEF_MEM_DEFAULT   256
#define VMDEF_CPUS_MAX	    64
#define VMDEF_ERR_MAX	    256

/* limits/: what start-vmm puts on the VMM's cgroup. The memory cap covers
 * QEMU as well as the guest's RAM; 0 in limit_mem_mib means start-vmm's
 * default, worked out from mem and the accelerator. */
#define VMDEF_LIMIT_MEM_MIN	 VMDEF_MEM_MIN
#define VMDEF_LIMIT_MEM_MAX	 VMDEF_MEM_MAX
#define VMDEF_CPU_WEIGHT_MIN	 1 /* cgroup v2 cpu.weight's range */
#define VMDEF_CPU_WEIGHT_MAX	 10000
#define VMDEF_CPU_WEIGHT_DEFAULT 100
#define VMDEF_PIDS_MIN		 16 /* QEMU alone runs several threads */
#define VMDEF_PIDS_MAX		 4096
#define VMDEF_PIDS_DEFAULT	 256

enum vm_machine {
	VM_MACHINE_MICROVM,
	VM_MACHINE_Q35,
};

enum vm_upstream {
	VM_UPSTREAM_NONE,
	VM_UPSTREAM_NETNS,
	VM_UPSTREAM_USER,
	VM_UPSTREAM_PCI,
};

#define VMDEF_UPSTREAM_MAX 512

struct vmdef {
	char name[VM_NAME_MAX + 1];
	int kernel_fd;
	int initramfs_fd; /* -1 when there is none */
	int nblk;
	int blk_fd[VMDEF_MAX_BLK];
	char blk[VMDEF_MAX_BLK][NAME_MAX + 1];
	int nprov;
	char providers[VMDEF_MAX_PROVIDERS][VM_NAME_MAX + 1];
	unsigned long mem_mib;
	unsigned long cpus;
	unsigned long limit_mem_mib; /* limits/memory; 0: the default */
	unsigned long cpu_weight;    /* limits/cpu-weight */
	unsigned long pids_max;	     /* limits/pids */
	enum vm_machine machine;
	char cmdline[VMDEF_CMDLINE_MAX + 1];
	enum vm_upstream upstream;
	/* netns: the namespace's path and the bridge; pci: the address. */
	char upstream_path[VMDEF_UPSTREAM_MAX + 1];
	char upstream_arg[16];
	bool wayland; /* the wayland file says "waypipe" */
};

/* Load and check the definition in directory path, for a VM called name
 * (normally the last component of path). On failure returns -1 and writes
 * the problem, without the VM's name, into err (for example
 * "vmlinux: missing"). Nothing stays open on failure. */
int vmdef_load(struct vmdef *d, const char *path, const char *name, char *err,
	       size_t errsz);

/* What a VMM started from d boots, as text: each file's device, inode,
 * size and modification time, and the settings. Two loads give the same
 * text unless a file was replaced or changed, or a setting changed.
 * Returns 0, or -1 with errno (ENOSPC when size is too small). */
#define VMDEF_IDENTITY_MAX 4096
int vmdef_identity(const struct vmdef *d, char *buf, size_t size);

/* Close the files vmdef_load opened. */
void vmdef_close(struct vmdef *d);

const char *vm_machine_name(enum vm_machine m);

#endif
