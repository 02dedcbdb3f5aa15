/* SPDX-License-Identifier: MIT */
#include "vmdef.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct ctx {
	char *err;
	size_t errsz;
};

static int fail(struct ctx *c, const char *format, ...)
    __attribute__((format(printf, 2, 3)));

static int fail(struct ctx *c, const char *format, ...)
{
	va_list ap;

	va_start(ap, format);
	vsnprintf(c->err, c->errsz, format, ap);
	va_end(ap);
	return -1;
}

const char *vm_machine_name(enum vm_machine m)
{
	return m == VM_MACHINE_Q35 ? "q35" : "microvm";
}

/* Explain why openat(dirfd, path) failed with errno e. */
static int open_error(struct ctx *c, int dirfd, const char *path, int e)
{
	struct stat st;

	if (e == ENOENT) {
		if (fstatat(dirfd, path, &st, AT_SYMLINK_NOFOLLOW) == 0)
			return fail(c, "%s: dangling symbolic link", path);
		return fail(c, "%s: missing", path);
	}
	return fail(c, "%s: %s", path, strerror(e));
}

/* Open dirfd/path for reading as a non-empty regular file. O_NONBLOCK so
 * that a FIFO put there cannot block us. Returns the fd, -1 with err set,
 * or -2 when the file is absent and optional. */
static int open_file(struct ctx *c, int dirfd, const char *path, bool optional)
{
	struct stat st;
	int fd;

	fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0) {
		int e = errno;

		if (e == ENOENT && optional &&
		    fstatat(dirfd, path, &st, AT_SYMLINK_NOFOLLOW) < 0)
			return -2;
		return open_error(c, dirfd, path, e);
	}
	if (fstat(fd, &st) < 0) {
		fail(c, "%s: %s", path, strerror(errno));
		goto bad;
	}
	if (S_ISDIR(st.st_mode)) {
		fail(c, "%s: is a directory", path);
		goto bad;
	}
	if (!S_ISREG(st.st_mode)) {
		fail(c, "%s: not a regular file", path);
		goto bad;
	}
	if (st.st_size == 0) {
		fail(c, "%s: empty", path);
		goto bad;
	}
	return fd;
bad:
	close(fd);
	return -1;
}

static int check_kernel(struct ctx *c, int fd)
{
	unsigned char h[0x206];
	ssize_t n = pread(fd, h, sizeof(h), 0);

	if (n < 0)
		return fail(c, "vmlinux: %s", strerror(errno));
	if (n >= 4 && memcmp(h, "\177ELF", 4) == 0)
		return 0;
	if (n == (ssize_t)sizeof(h) && memcmp(h + 0x202, "HdrS", 4) == 0)
		return 0;
	return fail(c, "vmlinux: not a kernel (no ELF or bzImage header)");
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* Open a subdirectory; -2 when absent. */
static int open_subdir(struct ctx *c, int dirfd, const char *path)
{
	struct stat st;
	int fd = openat(dirfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd >= 0)
		return fd;
	if (errno == ENOENT &&
	    fstatat(dirfd, path, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return -2;
	if (errno == ENOTDIR)
		return fail(c, "%s: not a directory", path);
	return open_error(c, dirfd, path, errno);
}

/* Open a subdirectory for listing: 1 with *dir (and its descriptor in
 * *fdp, which *dir owns), 0 when it is absent, -1 on a problem
 * (reported). */
static int list_subdir(struct ctx *c, int dirfd, const char *path, DIR **dir,
		       int *fdp)
{
	int fd = open_subdir(c, dirfd, path);

	if (fd == -2)
		return 0;
	if (fd < 0)
		return -1;
	*dir = fdopendir(fd);
	if (!*dir) {
		close(fd);
		return fail(c, "%s: %s", path, strerror(errno));
	}
	*fdp = fd;
	return 1;
}

static bool is_img(const char *n)
{
	size_t len = strlen(n);

	return n[0] != '.' && len > 4 && strcmp(n + len - 4, ".img") == 0;
}

static int load_blk(struct vmdef *d, struct ctx *c, int dirfd)
{
	struct dirent *e;
	DIR *dir;
	int r, fd, i;

	r = list_subdir(c, dirfd, "blk", &dir, &fd);
	if (r == 0)
		return fail(c, "blk: missing (a VM needs at least one "
			       "blk/*.img)");
	if (r < 0)
		return -1;
	while ((e = readdir(dir))) {
		if (!is_img(e->d_name))
			continue;
		if (d->nblk == VMDEF_MAX_BLK) {
			closedir(dir);
			return fail(c, "blk: more than %d disk images",
				    VMDEF_MAX_BLK);
		}
		snprintf(d->blk[d->nblk++], sizeof(d->blk[0]), "%s", e->d_name);
	}
	if (d->nblk == 0) {
		closedir(dir);
		return fail(c, "blk: no *.img disk image");
	}
	qsort(d->blk, (size_t)d->nblk, sizeof(d->blk[0]), cmp_names);
	for (i = 0; i < d->nblk; i++) {
		char path[NAME_MAX + 8];

		snprintf(path, sizeof(path), "blk/%s", d->blk[i]);
		d->blk_fd[i] = open_file(c, dirfd, path, false);
		if (d->blk_fd[i] < 0) {
			d->blk_fd[i] = -1;
			closedir(dir);
			return -1;
		}
	}
	closedir(dir);
	return 0;
}

static int load_providers(struct vmdef *d, struct ctx *c, int dirfd)
{
	struct dirent *e;
	DIR *dir;
	int fd, r;

	fd = open_subdir(c, dirfd, "providers");
	if (fd == -2)
		return 0;
	if (fd < 0)
		return -1;
	close(fd);
	r = list_subdir(c, dirfd, "providers/net", &dir, &fd);
	if (r <= 0)
		return r;
	while ((e = readdir(dir))) {
		enum name_error ne;

		/* Hidden entries are not providers (as in blk/): git keeps an
		 * empty directory with a file such as .keep. */
		if (e->d_name[0] == '.')
			continue;
		/* Report before closedir: e points into the DIR's buffer. */
		ne = vm_name_check(e->d_name);
		if (ne != NAME_OK) {
			fail(c, "providers/net/%.*s: invalid provider: %s",
			     NAME_MAX, e->d_name, vm_name_strerror(ne));
			goto bad;
		}
		if (strcmp(e->d_name, d->name) == 0) {
			fail(
			    c,
			    "providers/net/%s: a VM cannot be its own provider",
			    e->d_name);
			goto bad;
		}
		if (d->nprov == VMDEF_MAX_PROVIDERS) {
			fail(c, "providers/net: more than %d providers",
			     VMDEF_MAX_PROVIDERS);
			goto bad;
		}
		/* vm_name_check bounded it to VM_NAME_MAX. */
		memcpy(d->providers[d->nprov++], e->d_name,
		       strlen(e->d_name) + 1);
	}
	closedir(dir);
	qsort(d->providers, (size_t)d->nprov, sizeof(d->providers[0]),
	      cmp_names);
	return 0;
bad:
	closedir(dir);
	return -1;
}

/* Read an optional one-line file of at most max bytes, dirfd/path, into
 * buf, which has room for max + 2 (a newline and the NUL); messages call
 * it shown. 1 when present, 0 when absent. */
static int read_option_at(struct ctx *c, int dirfd, const char *path,
			  const char *shown, char *buf, size_t max)
{
	struct stat st;

	if (read_line_file(dirfd, path, buf, max + 2) == 0) {
		if (strlen(buf) > max)
			return fail(c, "%s: longer than %zu bytes", shown, max);
		return 1;
	}
	switch (errno) {
	case ENOENT:
		if (fstatat(dirfd, path, &st, AT_SYMLINK_NOFOLLOW) < 0)
			return 0;
		return fail(c, "%s: dangling symbolic link", shown);
	case ENODATA:
		return fail(c, "%s: empty", shown);
	case EFBIG:
		return fail(c, "%s: longer than %zu bytes", shown, max);
	case EISDIR:
		return fail(c, "%s: is a directory", shown);
	case EINVAL:
		return fail(c, "%s: not a regular file", shown);
	case EILSEQ:
		return fail(c, "%s: contains a NUL byte", shown);
	default:
		return fail(c, "%s: %s", shown, strerror(errno));
	}
}

static int read_option(struct ctx *c, int dirfd, const char *path, char *buf,
		       size_t max)
{
	return read_option_at(c, dirfd, path, path, buf, max);
}

/* An optional file holding one decimal number from min to max, such as
 * mem; unit is "" or, for the message, "of MiB ". *out is left alone when
 * the file is absent. */
static int read_number(struct ctx *c, int dirfd, const char *path,
		       const char *shown, const char *unit, unsigned long min,
		       unsigned long max, unsigned long *out)
{
	char buf[32];
	int r;

	r = read_option_at(c, dirfd, path, shown, buf, sizeof(buf) - 2);
	if (r <= 0)
		return r;
	if (parse_ulong(buf, min, max, out) < 0)
		return fail(c, "%s: not a number %sfrom %lu to %lu", shown,
			    unit, min, max);
	return 0;
}

/* "0000:03:00.0": domain, bus, slot (< 0x20) and function (< 8). */
static bool pci_addr_ok(const char *s)
{
	static const char form[] = "xxxx:xx:xx.x";
	size_t i;

	if (strlen(s) != sizeof(form) - 1)
		return false;
	for (i = 0; form[i]; i++)
		if (form[i] == 'x' ? !strchr("0123456789abcdef", s[i]) || !s[i]
				   : s[i] != form[i])
			return false;
	return strtoul(s + 8, NULL, 16) < 0x20 && s[11] < '8';
}

static bool ifname_ok(const char *s)
{
	size_t n = strlen(s);

	return n > 0 && n < 16 && strcmp(s, ".") != 0 && strcmp(s, "..") != 0 &&
	       strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
			 "0123456789._-") == n;
}

static int load_upstream(struct vmdef *d, struct ctx *c, int dirfd)
{
	char buf[VMDEF_UPSTREAM_MAX + 40], *path, *bridge;
	int r;

	r = read_option(c, dirfd, "upstream", buf, sizeof(buf) - 2);
	if (r <= 0)
		return r;
	if (strcmp(buf, "user") == 0) {
		d->upstream = VM_UPSTREAM_USER;
		return 0;
	}
	if (strncmp(buf, "pci ", 4) == 0) {
		if (!pci_addr_ok(buf + 4))
			return fail(c,
				    "upstream: %s: not a PCI address "
				    "(0000:03:00.0, lower case)",
				    buf + 4);
		if (d->machine != VM_MACHINE_Q35)
			return fail(c, "upstream: a passed-through NIC needs "
				       "machine q35");
		d->upstream = VM_UPSTREAM_PCI;
		memcpy(d->upstream_arg, buf + 4, strlen(buf + 4) + 1);
		return 0;
	}
	if (strncmp(buf, "netns ", 6) != 0)
		return fail(c, "upstream: not \"netns PATH BRIDGE\", \"user\" "
			       "or \"pci ADDRESS\"");
	path = buf + 6;
	bridge = strrchr(path, ' ');
	if (!bridge || bridge == path || path[0] != '/')
		return fail(c, "upstream: netns needs an absolute path and a "
			       "bridge");
	*bridge++ = '\0';
	if (strlen(path) > VMDEF_UPSTREAM_MAX || strchr(path, ' '))
		return fail(c,
			    "upstream: %s: not a path without spaces of at "
			    "most %d bytes",
			    path, VMDEF_UPSTREAM_MAX);
	if (!ifname_ok(bridge))
		return fail(c, "upstream: %s: not an interface name", bridge);
	d->upstream = VM_UPSTREAM_NETNS;
	memcpy(d->upstream_path, path, strlen(path) + 1);
	memcpy(d->upstream_arg, bridge, strlen(bridge) + 1);
	return 0;
}

static int load_options(struct vmdef *d, struct ctx *c, int dirfd)
{
	char buf[VMDEF_CMDLINE_MAX + 2];
	size_t i;
	int r;

	if (read_number(c, dirfd, "mem", "mem", "of MiB ", VMDEF_MEM_MIN,
			VMDEF_MEM_MAX, &d->mem_mib) < 0 ||
	    read_number(c, dirfd, "cpus", "cpus", "", 1, VMDEF_CPUS_MAX,
			&d->cpus) < 0)
		return -1;
	r = read_option(c, dirfd, "machine", buf, 30);
	if (r < 0)
		return -1;
	if (r) {
		if (strcmp(buf, "q35") == 0)
			d->machine = VM_MACHINE_Q35;
		else if (strcmp(buf, "microvm") != 0)
			return fail(c, "machine: unknown machine (microvm or "
				       "q35)");
	}
	r = read_option(c, dirfd, "cmdline", buf, VMDEF_CMDLINE_MAX);
	if (r < 0)
		return -1;
	if (r) {
		for (i = 0; buf[i]; i++) {
			unsigned char ch = (unsigned char)buf[i];

			if (ch == '\n')
				return fail(c, "cmdline: more than one line");
			if (ch < 0x20 || ch >= 0x7f)
				return fail(c, "cmdline: not printable ASCII");
		}
		memcpy(d->cmdline, buf, i + 1);
	}
	r = read_option(c, dirfd, "wayland", buf, 30);
	if (r < 0)
		return -1;
	if (r) {
		if (strcmp(buf, "waypipe") != 0)
			return fail(c, "wayland: unknown channel (waypipe)");
		d->wayland = true;
	}
	return load_upstream(d, c, dirfd);
}

static const char *const limit_names[] = {"memory", "cpu-weight", "pids"};

static bool is_limit(const char *n)
{
	size_t i;

	for (i = 0; i < sizeof(limit_names) / sizeof(limit_names[0]); i++)
		if (strcmp(n, limit_names[i]) == 0)
			return true;
	return false;
}

/* limits/: every entry but hidden ones must be a known limit. When there
 * are several unknown ones, the first in byte order is reported, so that
 * the message does not depend on the order readdir happens to give. */
static int load_limits(struct vmdef *d, struct ctx *c, int dirfd)
{
	char unknown[NAME_MAX + 1] = "";
	struct dirent *e;
	DIR *dir;
	int fd, r;

	r = list_subdir(c, dirfd, "limits", &dir, &fd);
	if (r <= 0)
		return r;
	while ((e = readdir(dir))) {
		if (e->d_name[0] == '.' || is_limit(e->d_name))
			continue;
		if (!unknown[0] || strcmp(e->d_name, unknown) < 0)
			snprintf(unknown, sizeof(unknown), "%s", e->d_name);
	}
	if (unknown[0]) {
		fail(c,
		     "limits/%s: unknown limit (known: memory, cpu-weight, "
		     "pids)",
		     unknown);
		goto bad;
	}
	/* Read through the directory that was listed (fd, which dir owns),
	 * not by its path again, so that what was listed is what is read. */
	if (read_number(c, fd, "memory", "limits/memory", "of MiB ",
			VMDEF_LIMIT_MEM_MIN, VMDEF_LIMIT_MEM_MAX,
			&d->limit_mem_mib) < 0 ||
	    read_number(c, fd, "cpu-weight", "limits/cpu-weight", "",
			VMDEF_CPU_WEIGHT_MIN, VMDEF_CPU_WEIGHT_MAX,
			&d->cpu_weight) < 0 ||
	    read_number(c, fd, "pids", "limits/pids", "", VMDEF_PIDS_MIN,
			VMDEF_PIDS_MAX, &d->pids_max) < 0)
		goto bad;
	closedir(dir);
	return 0;
bad:
	closedir(dir);
	return -1;
}

int vmdef_load(struct vmdef *d, const char *path, const char *name, char *err,
	       size_t errsz)
{
	struct ctx c = {err, errsz};
	enum name_error ne;
	int dirfd, i;

	memset(d, 0, sizeof(*d));
	d->kernel_fd = -1;
	d->initramfs_fd = -1;
	for (i = 0; i < VMDEF_MAX_BLK; i++)
		d->blk_fd[i] = -1;
	d->mem_mib = VMDEF_MEM_DEFAULT;
	d->cpus = 1;
	d->limit_mem_mib = 0;
	d->cpu_weight = VMDEF_CPU_WEIGHT_DEFAULT;
	d->pids_max = VMDEF_PIDS_DEFAULT;
	err[0] = '\0';

	ne = vm_name_check(name);
	if (ne != NAME_OK)
		return fail(&c, "invalid name: %s", vm_name_strerror(ne));
	memcpy(d->name, name, strlen(name) + 1);

	dirfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0) {
		if (errno == ENOTDIR)
			return fail(&c, "definition: not a directory");
		return fail(&c, "definition: %s", strerror(errno));
	}
	d->kernel_fd = open_file(&c, dirfd, "vmlinux", false);
	if (d->kernel_fd < 0) {
		d->kernel_fd = -1;
		goto bad;
	}
	if (check_kernel(&c, d->kernel_fd) < 0)
		goto bad;
	if (load_blk(d, &c, dirfd) < 0)
		goto bad;
	d->initramfs_fd = open_file(&c, dirfd, "initramfs", true);
	if (d->initramfs_fd == -1)
		goto bad;
	if (d->initramfs_fd < 0)
		d->initramfs_fd = -1;
	if (load_providers(d, &c, dirfd) < 0)
		goto bad;
	if (load_options(d, &c, dirfd) < 0)
		goto bad;
	if (load_limits(d, &c, dirfd) < 0)
		goto bad;
	close(dirfd);
	return 0;
bad:
	close(dirfd);
	vmdef_close(d);
	return -1;
}

void vmdef_close(struct vmdef *d)
{
	int i;

	if (d->kernel_fd >= 0)
		close(d->kernel_fd);
	if (d->initramfs_fd >= 0)
		close(d->initramfs_fd);
	for (i = 0; i < d->nblk; i++)
		if (d->blk_fd[i] >= 0)
			close(d->blk_fd[i]);
	d->kernel_fd = -1;
	d->initramfs_fd = -1;
	for (i = 0; i < VMDEF_MAX_BLK; i++)
		d->blk_fd[i] = -1;
}

static int identity_file(char *buf, size_t size, size_t *n, const char *what,
			 int fd)
{
	struct stat st;
	int r;

	if (fstat(fd, &st) < 0)
		return -1;
	r = snprintf(buf + *n, size - *n, "%s %llu %llu %lld %lld.%09ld\n",
		     what, (unsigned long long)st.st_dev,
		     (unsigned long long)st.st_ino, (long long)st.st_size,
		     (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
	if (r < 0 || (size_t)r >= size - *n) {
		errno = ENOSPC;
		return -1;
	}
	*n += (size_t)r;
	return 0;
}

int vmdef_identity(const struct vmdef *d, char *buf, size_t size)
{
	char what[NAME_MAX + 8];
	size_t n = 0;
	int i, r;

	if (identity_file(buf, size, &n, "vmlinux", d->kernel_fd) < 0 ||
	    (d->initramfs_fd >= 0 &&
	     identity_file(buf, size, &n, "initramfs", d->initramfs_fd) < 0))
		return -1;
	for (i = 0; i < d->nblk; i++) {
		snprintf(what, sizeof(what), "blk/%s", d->blk[i]);
		if (identity_file(buf, size, &n, what, d->blk_fd[i]) < 0)
			return -1;
	}
	r = snprintf(buf + n, size - n,
		     "mem %lu\ncpus %lu\nmachine %s\ncmdline %s\n"
		     "upstream %d %s %s\n"
		     "limits/memory %lu\nlimits/cpu-weight %lu\n"
		     "limits/pids %lu\nwayland %d\n",
		     d->mem_mib, d->cpus, vm_machine_name(d->machine),
		     d->cmdline, (int)d->upstream, d->upstream_path,
		     d->upstream_arg, d->limit_mem_mib, d->cpu_weight,
		     d->pids_max, (int)d->wayland);
	if (r < 0 || (size_t)r >= size - n) {
		errno = ENOSPC;
		return -1;
	}
	return 0;
}
