/* SPDX-License-Identifier: MIT */
/* Per-VM cgroups: each VMM runs in a cgroup of its own that caps its
 * memory and tasks and weighs its CPU time, so that a VM that runs wild,
 * or a VMM that leaks, cannot starve the host or the other VMs.
 *
 * Layout, in each hierarchy used: septa/RUNTIME/NAME, where RUNTIME is
 * "run-" and 16 hex digits of a hash of the runtime root's real path (a
 * development machine runs several runtime roots side by side) and NAME
 * is the VM's name. With cgroup v2 (a cgroup2 mount whose root offers the
 * memory, pids and cpu controllers) that is one directory with
 * memory.max, pids.max and cpu.weight; on a host whose controllers are
 * still on cgroup v1 hierarchies, one directory in each of the memory,
 * pids and cpu hierarchies with memory.limit_in_bytes, pids.max and
 * cpu.shares (weight * 1024 / 100). */
#ifndef SEPTA_CGROUP_H
#define SEPTA_CGROUP_H

#include <stddef.h>

#define CGROUP_ERR_MAX 512

struct cgroup_limits {
	unsigned long mem_mib;	  /* memory cap of the whole VMM */
	unsigned long cpu_weight; /* 1 .. 10000, 100 is even */
	unsigned long pids_max;	  /* tasks: processes and threads */
};

/* Make the cgroup of VM name under runtime root run, set its limits and
 * move the calling process into it. Returns 0, or -1 with the problem in
 * why (for example "no cgroup hierarchy with the memory controller"). */
int cgroup_enter(const char *run, const char *name,
		 const struct cgroup_limits *l, char *why, size_t whysz);

/* Remove VM name's cgroup, waiting a little for its last task to leave.
 * One that does not exist is fine. Returns 0, or -1 with why. */
int cgroup_remove(const char *run, const char *name, char *why, size_t whysz);

/* Remove every VM's cgroup under runtime root run, and the runtime root's
 * own. Returns 0, or -1 with why (the first problem; it goes on). */
int cgroup_remove_all(const char *run, char *why, size_t whysz);

/* The directory of VM name's cgroup in the hierarchy that holds
 * controller ("memory", "pids" or "cpu"): for tests and lsvm-like
 * tools. name NULL gives the runtime root's directory. Returns 0, or -1
 * with errno (ENOENT when no hierarchy has the controller). */
int cgroup_dir(char *buf, size_t size, const char *run, const char *name,
	       const char *controller);

/* For the unit tests: read the mounts from path instead of
 * /proc/self/mountinfo (NULL: back to it), so that both layouts can be
 * checked on a host that has only one. */
void cgroup_use_mountinfo(const char *path);

#endif
