/* SPDX-License-Identifier: MIT */
#include "sandbox.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

/* capget(2) without libcap or linux/capability.h (musl has neither). */
#define CAP_VERSION_3 0x20080522u
struct cap_header {
	uint32_t version;
	int pid;
};
struct cap_data {
	uint32_t effective, permitted, inheritable;
};

int sandbox_uid_base(unsigned long *base)
{
	const char *s = getenv("SEPTA_UID_BASE");

	if (!s || !*s) {
		*base = SANDBOX_UID_BASE;
		return 0;
	}
	return parse_ulong(s, 1, SANDBOX_UID_BASE_MAX, base);
}

int sandbox_find_program(const char *prog, char *out, size_t size)
{
	char buf[PATH_MAX], resolved[PATH_MAX];
	const char *path = getenv("PATH"), *p, *end;
	int e = ENOENT;

	if (strchr(prog, '/')) {
		if (!realpath(prog, resolved))
			return -1;
		if (access(resolved, X_OK) < 0)
			return -1;
		return fmt(out, size, "%s", resolved);
	}
	if (!path || !*path)
		path = "/usr/local/bin:/bin:/usr/bin";
	for (p = path;; p = end + 1) {
		end = strchrnul(p, ':');
		/* An empty entry is the working directory, as for execvp. */
		if (fmt(buf, sizeof(buf), "%.*s%s%s", (int)(end - p), p,
			end == p ? "" : "/", prog) == 0 &&
		    access(buf, X_OK) == 0 && realpath(buf, resolved))
			return fmt(out, size, "%s", resolved);
		if (errno == EACCES)
			e = EACCES;
		if (!*end)
			break;
	}
	errno = e;
	return -1;
}

int sandbox_readable(int *fd, uid_t uid)
{
	static char buf[65536];
	struct stat st;
	ssize_t n;
	int m, e;

	if (fstat(*fd, &st) < 0)
		return -1;
	if ((st.st_mode & S_IROTH) ||
	    (st.st_uid == uid && (st.st_mode & S_IRUSR)) ||
	    (st.st_gid == (gid_t)uid && (st.st_mode & S_IRGRP)))
		return 0;
	m = memfd_create("septa-copy", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (m < 0)
		return -1;
	for (off_t off = 0;; off += n) {
		n = pread(*fd, buf, sizeof(buf), off);
		if (n < 0 && errno == EINTR) {
			n = 0;
			continue;
		}
		if (n <= 0)
			break;
		if (write(m, buf, (size_t)n) != n) {
			n = -1;
			break;
		}
	}
	if (n < 0 || fcntl(m, F_ADD_SEALS,
			   F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE |
			       F_SEAL_SEAL) < 0) {
		e = errno ? errno : EIO;
		close(m);
		errno = e;
		return -1;
	}
	close(*fd);
	*fd = m;
	return 0;
}

static int fail(char *err, size_t errsz, const char *what, const char *obj)
{
	int e = errno;

	snprintf(err, errsz, "%s%s%s: %s", what, obj ? " " : "", obj ? obj : "",
		 strerror(e));
	errno = e;
	return -1;
}

/* Bind the host's src over dst (relative to the new root, which is the
 * working directory), then make the binding read-only with flags. */
static int bind_ro(const char *src, const char *dst, unsigned long flags)
{
	if (mount(src, dst, NULL, MS_BIND, NULL) < 0)
		return -1;
	return mount(NULL, dst, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | flags,
		     NULL);
}

/* An empty file to bind a file or a device node over. */
static int touch(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0444);

	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}

/* The new root's /bin, /lib, … : the same link where the host has a link
 * (a merged /usr), else the host's directory, read-only. */
static int add_top(const char *name)
{
	char src[32], target[PATH_MAX];
	struct stat st;
	ssize_t n;

	if (fmt(src, sizeof(src), "/%s", name) < 0)
		return -1;
	if (lstat(src, &st) < 0)
		return errno == ENOENT ? 0 : -1;
	if (S_ISLNK(st.st_mode)) {
		n = readlink(src, target, sizeof(target) - 1);
		if (n < 0)
			return -1;
		target[n] = '\0';
		return symlink(target, name);
	}
	if (!S_ISDIR(st.st_mode))
		return 0;
	if (mkdir(name, 0755) < 0)
		return -1;
	return bind_ro(src, name, MS_NOSUID | MS_NODEV);
}

/* The program, when it lives outside /usr: the file alone, at its path. */
static int add_exe(const char *exe)
{
	char path[PATH_MAX], *p;

	if (fmt(path, sizeof(path), "%s", exe + 1) < 0)
		return -1;
	for (p = strchr(path, '/'); p; p = strchr(p + 1, '/')) {
		*p = '\0';
		if (mkdir(path, 0755) < 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	if (touch(path) < 0)
		return -1;
	return bind_ro(exe, path, MS_NOSUID | MS_NODEV);
}

int sandbox_enter(const struct sandbox *s, char *err, size_t errsz)
{
	static const char *const tops[] = {"bin",   "sbin",  "lib",
					   "lib32", "lib64", "libx32"};
	/* What QEMU may open in /dev: the usual character devices, and
	 * under KVM, kvm. */
	static const char *const devs[] = {"null",   "zero",	"full",
					   "random", "urandom", "kvm"};
	char src[32], dst[32];
	struct stat st;
	size_t i, ndevs = sizeof(devs) / sizeof(devs[0]) - (s->kvm ? 0 : 1);

	/* A network namespace of its own, with nothing in it, unless QEMU
	 * is the VM's user-mode network; the taps it holds work anywhere.
	 * A cgroup namespace rooted at the VM's cgroup (start-vmm joined it
	 * just before): the VMM does not learn the host's cgroup layout. */
	if (unshare(CLONE_NEWNS | CLONE_NEWIPC | CLONE_NEWCGROUP |
		    (s->host_net ? 0 : CLONE_NEWNET)) < 0)
		return fail(err, errsz, "unshare", NULL);
	/* Nothing mounted from here on reaches the host, and back. */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return fail(err, errsz, "make / private", NULL);
	if (mount("septa-vmm", s->dir, "tmpfs", MS_NOSUID | MS_NODEV,
		  "mode=0755,size=64k,nr_inodes=64") < 0)
		return fail(err, errsz, "mount tmpfs on", s->dir);
	if (chdir(s->dir) < 0)
		return fail(err, errsz, "chdir", s->dir);
	if (mkdir("usr", 0755) < 0 || bind_ro("/usr", "usr", MS_NOSUID) < 0)
		return fail(err, errsz, "bind", "/usr");
	for (i = 0; i < sizeof(tops) / sizeof(tops[0]); i++)
		if (add_top(tops[i]) < 0)
			return fail(err, errsz, "bind", tops[i]);
	if (mkdir("etc", 0755) < 0)
		return fail(err, errsz, "mkdir", "etc");
	/* The dynamic loader's cache; and for user-mode networking, the
	 * name servers that QEMU's DNS forwarder asks. */
	if (stat("/etc/ld.so.cache", &st) == 0 &&
	    (touch("etc/ld.so.cache") < 0 ||
	     bind_ro("/etc/ld.so.cache", "etc/ld.so.cache",
		     MS_NOSUID | MS_NODEV | MS_NOEXEC) < 0))
		return fail(err, errsz, "bind", "/etc/ld.so.cache");
	if (s->host_net && stat("/etc/resolv.conf", &st) == 0 &&
	    (touch("etc/resolv.conf") < 0 ||
	     bind_ro("/etc/resolv.conf", "etc/resolv.conf",
		     MS_NOSUID | MS_NODEV | MS_NOEXEC) < 0))
		return fail(err, errsz, "bind", "/etc/resolv.conf");
	/* /dev: nodes of our own, made like the host's, on a tmpfs of its
	 * own (the root's is nodev). /dev/kvm is the VMM's alone, whatever
	 * the host's node allows: no group is needed to open it. */
	if (mkdir("dev", 0755) < 0 ||
	    mount("septa-vmm-dev", "dev", "tmpfs", MS_NOSUID | MS_NOEXEC,
		  "mode=0755,size=4k,nr_inodes=16") < 0)
		return fail(err, errsz, "mount tmpfs on", "/dev");
	for (i = 0; i < ndevs; i++) {
		bool kvm = strcmp(devs[i], "kvm") == 0;

		if (fmt(src, sizeof(src), "/dev/%s", devs[i]) < 0 ||
		    fmt(dst, sizeof(dst), "dev/%s", devs[i]) < 0)
			return fail(err, errsz, "path", devs[i]);
		if (stat(src, &st) < 0)
			return fail(err, errsz, "stat", src);
		if (!S_ISCHR(st.st_mode)) {
			errno = ENODEV;
			return fail(err, errsz, "stat", src);
		}
		if (mknod(dst, S_IFCHR | (kvm ? 0600 : 0666), st.st_rdev) < 0 ||
		    chmod(dst, kvm ? 0600 : 0666) < 0 ||
		    (kvm && chown(dst, s->uid, (gid_t)s->uid) < 0))
			return fail(err, errsz, "mknod", src);
	}
	if (mount(NULL, "dev", NULL,
		  MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NOEXEC,
		  NULL) < 0)
		return fail(err, errsz, "make /dev read-only", NULL);
	if (s->exe && strncmp(s->exe, "/usr/", 5) != 0 && add_exe(s->exe) < 0)
		return fail(err, errsz, "bind", s->exe);
	/* QEMU reads its kernel as /proc/self/fd/N. hidepid: it sees no
	 * other user's processes (per mount since Linux 5.8; older kernels
	 * refuse the value, and get a plain /proc). */
	if (mkdir("proc", 0555) < 0)
		return fail(err, errsz, "mkdir", "proc");
	if (mount("proc", "proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC,
		  "hidepid=invisible") < 0 &&
	    (errno != EINVAL ||
	     mount("proc", "proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC,
		   NULL) < 0))
		return fail(err, errsz, "mount", "/proc");
	/* The tmpfs becomes the root, the old root goes. On an initramfs
	 * root, which cannot be pivoted, move it over / and chroot. */
	if (syscall(SYS_pivot_root, ".", ".") == 0) {
		if (umount2(".", MNT_DETACH) < 0)
			return fail(err, errsz, "detach the old root", NULL);
	} else if (errno != EINVAL ||
		   mount(".", "/", NULL, MS_MOVE, NULL) < 0 ||
		   chroot(".") < 0) {
		return fail(err, errsz, "pivot_root", s->dir);
	}
	if (chdir("/") < 0)
		return fail(err, errsz, "chdir", "/");
	if (mount(NULL, "/", NULL,
		  MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV,
		  NULL) < 0)
		return fail(err, errsz, "make / read-only", NULL);
	return sandbox_drop(s->uid, err, errsz);
}

int sandbox_drop(uid_t uid, char *err, size_t errsz)
{
	struct cap_header h = {.version = CAP_VERSION_3};
	struct cap_data d[2] = {{0, 0, 0}, {0, 0, 0}};
	gid_t gid = (gid_t)uid;
	int cap;

	if (uid == 0) {
		errno = EINVAL;
		return fail(err, errsz, "drop to uid 0", NULL);
	}
	/* No exec can give privileges back (setuid or file capabilities). */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return fail(err, errsz, "no_new_privs", NULL);
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 &&
	    errno != EINVAL)
		return fail(err, errsz, "clear ambient capabilities", NULL);
	/* The bounding set: until the kernel knows no more capabilities. */
	for (cap = 0; cap < 64; cap++)
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0) {
			if (errno == EINVAL)
				break;
			return fail(err, errsz, "drop the bounding set", NULL);
		}
	if (setgroups(0, NULL) < 0)
		return fail(err, errsz, "setgroups", NULL);
	if (setresgid(gid, gid, gid) < 0)
		return fail(err, errsz, "setresgid", NULL);
	if (setresuid(uid, uid, uid) < 0)
		return fail(err, errsz, "setresuid", NULL);
	/* setresuid cleared the effective and permitted sets; the
	 * inheritable one it leaves, and lowering it needs no privilege. */
	if (syscall(SYS_capset, &h, d) < 0 || syscall(SYS_capget, &h, d) < 0)
		return fail(err, errsz, "capset", NULL);
	if (d[0].effective || d[0].permitted || d[0].inheritable ||
	    d[1].effective || d[1].permitted || d[1].inheritable) {
		errno = EPERM;
		return fail(err, errsz, "capabilities left", NULL);
	}
	if (setresuid(0, 0, 0) == 0 || setresgid(0, 0, 0) == 0) {
		errno = EPERM;
		return fail(err, errsz, "root can be had back", NULL);
	}
	return 0;
}
