/* SPDX-License-Identifier: MIT */
/* libFuzzer harness for vmdef.c. The input is a tiny archive that is
 * unpacked into a fresh definition directory before vmdef_load runs:
 *
 *   record  := TYPE PATH '\0' CONTENT ('\0' | end of input)
 *   TYPE    := 'f' regular file holding CONTENT
 *            | 'd' directory
 *            | 'l' symbolic link to CONTENT
 *            | 'p' FIFO
 *            | 'n' the VM's name is CONTENT (default "fuzzvm"; PATH unused)
 *   PATH    := vmlinux | initramfs | mem | cpus | cmdline | machine
 *            | upstream | limits | limits/NAME
 *            | blk | blk/NAME | providers | providers/net
 *            | providers/net/NAME         (NAME: one component, 1-64 bytes)
 *
 * Records of another type or with another PATH are skipped; parent
 * directories are created as needed. A link target must be a single NAME
 * (no '/'), so that every link resolves inside its own directory and
 * nothing outside the temporary directory is ever opened. */
#include "vmdef.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NAME_LEN_MAX 64

static char root[] = "/tmp/septa-fuzz-vmdef.XXXXXX";
static char defdir[sizeof(root) + 4];
static int rootfd = -1;
static struct vmdef def;

static void must(int cond, const char *what)
{
	if (!cond) {
		fprintf(stderr, "fuzz-vmdef: invariant failed: %s\n", what);
		abort();
	}
}

/* Remove name in dirfd and everything under it, never following a
 * symbolic link. */
static void remove_tree(int dirfd, const char *name)
{
	struct stat st;

	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return;
	if (S_ISDIR(st.st_mode)) {
		int fd =
		    openat(dirfd, name,
			   O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		DIR *dir = fd >= 0 ? fdopendir(fd) : NULL;
		struct dirent *e;

		if (!dir) {
			if (fd >= 0)
				close(fd);
			return;
		}
		/* Until a pass finds nothing: readdir need not return what
		 * follows a removal. */
		for (;;) {
			bool any = false;

			while ((e = readdir(dir))) {
				if (strcmp(e->d_name, ".") == 0 ||
				    strcmp(e->d_name, "..") == 0)
					continue;
				remove_tree(fd, e->d_name);
				any = true;
			}
			if (!any)
				break;
			rewinddir(dir);
		}
		closedir(dir);
		unlinkat(dirfd, name, AT_REMOVEDIR);
		return;
	}
	unlinkat(dirfd, name, 0);
}

static void cleanup(void)
{
	if (rootfd < 0)
		return;
	remove_tree(rootfd, "d");
	close(rootfd);
	rootfd = -1;
	rmdir(root);
}

static bool good_component(const char *s)
{
	size_t n = strlen(s);

	return n >= 1 && n <= NAME_LEN_MAX && !strchr(s, '/') &&
	       strcmp(s, ".") != 0 && strcmp(s, "..") != 0;
}

/* One of the paths the archive may name. */
static bool good_path(const char *p)
{
	static const char *const top[] = {
	    "vmlinux",	     "initramfs", "mem",    "cpus",
	    "cmdline",	     "machine",	  "blk",    "providers",
	    "providers/net", "upstream",  "limits",
	};
	size_t i;

	for (i = 0; i < sizeof(top) / sizeof(top[0]); i++)
		if (strcmp(p, top[i]) == 0)
			return true;
	if (strncmp(p, "blk/", 4) == 0)
		return good_component(p + 4);
	if (strncmp(p, "limits/", 7) == 0)
		return good_component(p + 7);
	if (strncmp(p, "providers/net/", 14) == 0)
		return good_component(p + 14);
	return false;
}

static void make_parents(int dirfd, const char *p)
{
	if (strncmp(p, "blk/", 4) == 0) {
		mkdirat(dirfd, "blk", 0755);
	} else if (strncmp(p, "limits/", 7) == 0) {
		mkdirat(dirfd, "limits", 0755);
	} else if (strncmp(p, "providers/", 10) == 0) {
		mkdirat(dirfd, "providers", 0755);
		if (strncmp(p, "providers/net/", 14) == 0)
			mkdirat(dirfd, "providers/net", 0755);
	}
}

static void put_file(int dirfd, const char *p, const uint8_t *c, size_t n)
{
	int fd =
	    openat(dirfd, p,
		   O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);

	if (fd < 0)
		return;
	while (n > 0) {
		ssize_t w = write(fd, c, n);

		if (w <= 0)
			break;
		c += w;
		n -= (size_t)w;
	}
	close(fd);
}

/* Unpack the archive into dirfd; the VM's name goes to name. */
static void unpack(int dirfd, const uint8_t *data, size_t size, char *name,
		   size_t namesz)
{
	size_t i = 0;

	while (i < size) {
		char type = (char)data[i++], path[256],
		     target[NAME_LEN_MAX + 1];
		const uint8_t *c, *end;
		size_t plen, clen;

		end = memchr(data + i, '\0', size - i);
		if (!end)
			return;
		plen = (size_t)(end - (data + i));
		if (plen >= sizeof(path))
			plen = sizeof(path) - 1;
		memcpy(path, data + i, plen);
		path[plen] = '\0';
		i = (size_t)(end - data) + 1;
		c = data + i;
		end = memchr(c, '\0', size - i);
		clen = end ? (size_t)(end - c) : size - i;
		i += clen + 1;

		if (type == 'n') {
			if (clen >= namesz)
				clen = namesz - 1;
			memcpy(name, c, clen);
			name[clen] = '\0';
			continue;
		}
		if (!good_path(path))
			continue;
		make_parents(dirfd, path);
		switch (type) {
		case 'f':
			put_file(dirfd, path, c, clen);
			break;
		case 'd':
			mkdirat(dirfd, path, 0755);
			break;
		case 'p':
			mkfifoat(dirfd, path, 0644);
			break;
		case 'l':
			if (clen > NAME_LEN_MAX)
				break;
			memcpy(target, c, clen);
			target[clen] = '\0';
			if (good_component(target))
				symlinkat(target, dirfd, path);
			break;
		default:
			break;
		}
	}
}

static bool fd_open(int fd)
{
	return fd >= 0 && fcntl(fd, F_GETFD) >= 0;
}

/* The lowest free descriptor: it moves when one is leaked. */
static int lowest_free_fd(void)
{
	int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

	close(fd);
	return fd;
}

static bool printable(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f)
			return false;
	return true;
}

static void check_def(const struct vmdef *d, const char *name)
{
	int i;

	must(strcmp(d->name, name) == 0, "name kept");
	must(fd_open(d->kernel_fd), "kernel open");
	must(d->initramfs_fd == -1 || fd_open(d->initramfs_fd),
	     "initramfs open or none");
	must(d->nblk >= 1 && d->nblk <= VMDEF_MAX_BLK, "disk count");
	for (i = 0; i < d->nblk; i++) {
		size_t n = strnlen(d->blk[i], sizeof(d->blk[i]));

		must(fd_open(d->blk_fd[i]), "disk open");
		must(n > 4 && n < sizeof(d->blk[i]) &&
			 strcmp(d->blk[i] + n - 4, ".img") == 0,
		     "disk name *.img");
		must(i == 0 || strcmp(d->blk[i - 1], d->blk[i]) < 0,
		     "disks sorted, no duplicates");
	}
	must(d->nprov >= 0 && d->nprov <= VMDEF_MAX_PROVIDERS,
	     "provider count");
	for (i = 0; i < d->nprov; i++) {
		must(vm_name_check(d->providers[i]) == NAME_OK,
		     "provider name valid");
		must(strcmp(d->providers[i], d->name) != 0,
		     "not its own provider");
		must(i == 0 || strcmp(d->providers[i - 1], d->providers[i]) < 0,
		     "providers sorted, no duplicates");
	}
	must(d->mem_mib >= VMDEF_MEM_MIN && d->mem_mib <= VMDEF_MEM_MAX,
	     "memory in range");
	must(d->cpus >= 1 && d->cpus <= VMDEF_CPUS_MAX, "cpus in range");
	must(d->limit_mem_mib == 0 ||
		 (d->limit_mem_mib >= VMDEF_LIMIT_MEM_MIN &&
		  d->limit_mem_mib <= VMDEF_LIMIT_MEM_MAX),
	     "limits/memory in range");
	must(d->cpu_weight >= VMDEF_CPU_WEIGHT_MIN &&
		 d->cpu_weight <= VMDEF_CPU_WEIGHT_MAX,
	     "limits/cpu-weight in range");
	must(d->pids_max >= VMDEF_PIDS_MIN && d->pids_max <= VMDEF_PIDS_MAX,
	     "limits/pids in range");
	must(d->machine == VM_MACHINE_MICROVM || d->machine == VM_MACHINE_Q35,
	     "machine known");
	must(strnlen(d->cmdline, sizeof(d->cmdline)) <= VMDEF_CMDLINE_MAX,
	     "cmdline within its bound");
	must(printable(d->cmdline), "cmdline printable");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char name[128] = "fuzzvm", err[VMDEF_ERR_MAX];
	int dirfd, before, r;

	if (rootfd < 0) {
		if (!mkdtemp(root))
			abort();
		rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (rootfd < 0)
			abort();
		snprintf(defdir, sizeof(defdir), "%s/d", root);
		atexit(cleanup);
	}
	remove_tree(rootfd, "d");
	if (mkdirat(rootfd, "d", 0755) < 0)
		abort();
	dirfd = openat(rootfd, "d", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0)
		abort();
	unpack(dirfd, data, size, name, sizeof(name));
	close(dirfd);

	before = lowest_free_fd();
	memset(err, 'E', sizeof(err));
	r = vmdef_load(&def, defdir, name, err, sizeof(err));
	must(memchr(err, '\0', sizeof(err)) != NULL, "err is a string");
	if (r == 0) {
		must(err[0] == '\0', "no error on success");
		check_def(&def, name);
		vmdef_close(&def);
		must(def.kernel_fd == -1 && def.initramfs_fd == -1,
		     "close forgets the fds");
	} else {
		must(r == -1 && err[0] != '\0', "failure explained");
	}
	must(lowest_free_fd() == before, "no descriptor leak");
	remove_tree(rootfd, "d");
	return 0;
}
