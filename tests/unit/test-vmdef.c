/* SPDX-License-Identifier: MIT */
/* vmdef_load through its API: defaults, what stays open, what does not
 * leak. The error texts are covered by tests/golden/vmdef. */
#include "check.h"
#include "vmdef.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char root[64];

static void put(const char *rel, const char *content)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	f = fopen(path, "w");
	if (!f) {
		perror(path);
		exit(2);
	}
	fputs(content, f);
	fclose(f);
}

static void dir(const char *rel)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	mkdir(path, 0755);
}

static int open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	while ((e = readdir(d)))
		n++;
	closedir(d);
	return n;
}

static bool fd_open(int fd)
{
	return fd >= 0 && fcntl(fd, F_GETFD) >= 0;
}

int main(void)
{
	struct vmdef d;
	static char id1[VMDEF_IDENTITY_MAX], id2[VMDEF_IDENTITY_MAX];
	char err[VMDEF_ERR_MAX], path[128], link[256];
	int before, kfd, bfd;

	snprintf(root, sizeof(root), "/tmp/septa-test-vmdef.XXXXXX");
	if (!mkdtemp(root))
		return 2;
	dir("vm");
	dir("vm/blk");
	put("vm/vmlinux", "\177ELF....");
	put("vm/blk/b.img", "b");
	put("vm/blk/a.img", "a");
	put("vm/blk/notes.txt", "not a disk");
	snprintf(path, sizeof(path), "%s/vm", root);

	before = open_fds();
	CHECK("vmdef-minimal-loads",
	      vmdef_load(&d, path, "vm", err, sizeof(err)) == 0);
	CHECK("vmdef-default-mem-256", d.mem_mib == 256);
	CHECK("vmdef-default-cpus-1", d.cpus == 1);
	CHECK("vmdef-default-machine-microvm", d.machine == VM_MACHINE_MICROVM);
	CHECK("vmdef-default-limit-mem-unset", d.limit_mem_mib == 0);
	CHECK("vmdef-default-cpu-weight-100",
	      d.cpu_weight == VMDEF_CPU_WEIGHT_DEFAULT && d.cpu_weight == 100);
	CHECK("vmdef-default-pids-256",
	      d.pids_max == VMDEF_PIDS_DEFAULT && d.pids_max == 256);
	CHECK("vmdef-default-no-initramfs", d.initramfs_fd == -1);
	CHECK("vmdef-default-empty-cmdline", d.cmdline[0] == '\0');
	CHECK("vmdef-no-providers", d.nprov == 0);
	CHECK("vmdef-only-img-files", d.nblk == 2);
	CHECK("vmdef-blk-sorted",
	      strcmp(d.blk[0], "a.img") == 0 && strcmp(d.blk[1], "b.img") == 0);
	CHECK("vmdef-kernel-kept-open", fd_open(d.kernel_fd));
	CHECK("vmdef-disks-kept-open",
	      fd_open(d.blk_fd[0]) && fd_open(d.blk_fd[1]));
	CHECK("vmdef-fds-cloexec",
	      (fcntl(d.kernel_fd, F_GETFD) & FD_CLOEXEC) != 0);
	kfd = d.kernel_fd;
	bfd = d.blk_fd[0];
	vmdef_close(&d);
	CHECK("vmdef-close-closes", !fd_open(kfd) && !fd_open(bfd));
	CHECK("vmdef-close-leaves-no-fd", open_fds() == before);
	vmdef_close(&d);
	CHECK("vmdef-close-twice-is-safe", d.kernel_fd == -1);

	put("vm/initramfs", "\177ELF");
	put("vm/mem", "72\n");
	put("vm/cpus", "64");
	put("vm/machine", "q35\n");
	put("vm/cmdline", "quiet a=b,c\n");
	dir("vm/providers");
	dir("vm/providers/net");
	put("vm/providers/net/zeta", "");
	put("vm/providers/net/alpha", "");
	CHECK("vmdef-all-options-load",
	      vmdef_load(&d, path, "vm", err, sizeof(err)) == 0);
	CHECK("vmdef-mem-min-72", d.mem_mib == 72);
	CHECK("vmdef-cpus-max-64", d.cpus == 64);
	CHECK("vmdef-machine-q35", d.machine == VM_MACHINE_Q35);
	CHECK("vmdef-cmdline-kept-verbatim",
	      strcmp(d.cmdline, "quiet a=b,c") == 0);
	CHECK("vmdef-initramfs-open", fd_open(d.initramfs_fd));
	CHECK("vmdef-providers-sorted",
	      d.nprov == 2 && strcmp(d.providers[0], "alpha") == 0 &&
		  strcmp(d.providers[1], "zeta") == 0);
	vmdef_close(&d);
	CHECK("vmdef-all-options-leave-no-fd", open_fds() == before);

	/* limits/: an empty directory changes nothing. */
	dir("vm/limits");
	CHECK("vmdef-limits-empty-dir-loads",
	      vmdef_load(&d, path, "vm", err, sizeof(err)) == 0 &&
		  d.limit_mem_mib == 0 &&
		  d.cpu_weight == VMDEF_CPU_WEIGHT_DEFAULT &&
		  d.pids_max == VMDEF_PIDS_DEFAULT);
	CHECK("vmdef-identity-fits", vmdef_identity(&d, id1, sizeof(id1)) == 0);
	vmdef_close(&d);
	put("vm/limits/memory", "1048576\n");
	put("vm/limits/cpu-weight", "10000");
	put("pids", "16\n");
	snprintf(link, sizeof(link), "%s/pids", root);
	snprintf(path, sizeof(path), "%s/vm/limits/pids", root);
	CHECK("vmdef-limits-symlink-made", symlink(link, path) == 0);
	put("vm/limits/.keep", "");
	snprintf(path, sizeof(path), "%s/vm", root);
	CHECK("vmdef-limits-load",
	      vmdef_load(&d, path, "vm", err, sizeof(err)) == 0);
	CHECK("vmdef-limit-mem-max", d.limit_mem_mib == VMDEF_LIMIT_MEM_MAX &&
					 d.limit_mem_mib == 1048576);
	CHECK("vmdef-cpu-weight-max", d.cpu_weight == 10000);
	CHECK("vmdef-pids-min-through-symlink", d.pids_max == 16);
	CHECK("vmdef-limits-do-not-touch-mem", d.mem_mib == 72);
	CHECK("vmdef-identity-changes-with-limits",
	      vmdef_identity(&d, id2, sizeof(id2)) == 0 &&
		  strcmp(id1, id2) != 0);
	vmdef_close(&d);
	CHECK("vmdef-limits-leave-no-fd", open_fds() == before);
	CHECK("vmdef-identity-stable",
	      vmdef_load(&d, path, "vm", err, sizeof(err)) == 0 &&
		  vmdef_identity(&d, id1, sizeof(id1)) == 0 &&
		  strcmp(id1, id2) == 0);
	vmdef_close(&d);
	/* Each limit on its own counts as a change. */
	put("vm/limits/memory", "1048575");
	CHECK("vmdef-identity-changes-with-limit-mem",
	      vmdef_load(&d, path, "vm", err, sizeof(err)) == 0 &&
		  vmdef_identity(&d, id1, sizeof(id1)) == 0 &&
		  strcmp(id1, id2) != 0);
	vmdef_close(&d);
	put("vm/limits/memory", "1048576");
	put("vm/limits/cpu-weight", "9999");
	CHECK("vmdef-identity-changes-with-cpu-weight",
	      vmdef_load(&d, path, "vm", err, sizeof(err)) == 0 &&
		  vmdef_identity(&d, id1, sizeof(id1)) == 0 &&
		  strcmp(id1, id2) != 0);
	vmdef_close(&d);
	put("vm/limits/cpu-weight", "10000");
	put("pids", "17");
	CHECK("vmdef-identity-changes-with-pids",
	      vmdef_load(&d, path, "vm", err, sizeof(err)) == 0 &&
		  vmdef_identity(&d, id1, sizeof(id1)) == 0 &&
		  strcmp(id1, id2) != 0);
	vmdef_close(&d);
	put("pids", "16");

	/* limits/ is checked last: its failures close everything too. */
	put("vm/limits/swap", "1");
	CHECK("vmdef-limits-unknown-fails",
	      vmdef_load(&d, path, "vm", err, sizeof(err)) < 0 &&
		  strcmp(err, "limits/swap: unknown limit (known: memory, "
			      "cpu-weight, pids)") == 0);
	CHECK("vmdef-limits-failure-leaves-no-fd", open_fds() == before);
	CHECK("vmdef-limits-failure-fds-reset",
	      d.kernel_fd == -1 && d.blk_fd[0] == -1 && d.initramfs_fd == -1);
	snprintf(link, sizeof(link), "%s/vm/limits/swap", root);
	unlink(link);
	put("vm/limits/pids", "4097");
	CHECK("vmdef-limits-range-fails",
	      vmdef_load(&d, path, "vm", err, sizeof(err)) < 0 &&
		  strcmp(err, "limits/pids: not a number from 16 to 4096") ==
		      0);
	CHECK("vmdef-limits-range-failure-leaves-no-fd", open_fds() == before);
	put("vm/limits/pids", "16");

	/* A failure late in the checks closes what the early ones opened. */
	put("vm/cpus", "65");
	CHECK("vmdef-late-failure-fails",
	      vmdef_load(&d, path, "vm", err, sizeof(err)) < 0);
	CHECK("vmdef-late-failure-message",
	      strcmp(err, "cpus: not a number from 1 to 64") == 0);
	CHECK("vmdef-late-failure-leaves-no-fd", open_fds() == before);
	CHECK("vmdef-late-failure-fds-reset",
	      d.kernel_fd == -1 && d.blk_fd[0] == -1 && d.initramfs_fd == -1);
	put("vm/cpus", "1");
	CHECK("vmdef-name-checked-not-path",
	      vmdef_load(&d, path, "bad name", err, sizeof(err)) < 0 &&
		  strncmp(err, "invalid name:", 13) == 0);
	CHECK("vmdef-missing-dir",
	      vmdef_load(&d, "/nonexistent/septa", "x", err, sizeof(err)) < 0 &&
		  strcmp(err, "definition: No such file or directory") == 0);
	put("vm/cpus", "0");
	CHECK("vmdef-small-error-buffer-truncates",
	      vmdef_load(&d, path, "vm", err, 8) < 0 &&
		  strcmp(err, "cpus: n") == 0);
	vmdef_close(&d);

	snprintf(path, sizeof(path), "rm -rf %s", root);
	if (system(path) != 0)
		return 2;
	return check_done();
}
