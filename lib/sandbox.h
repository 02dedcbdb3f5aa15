/* SPDX-License-Identifier: MIT */
/* The VMM's sandbox: what start-vmm, still root, does last before it
 * becomes QEMU. QEMU gets a mount namespace whose root is an empty,
 * read-only tmpfs that shows only /usr (and the /bin, /lib… links or
 * directories beside it), /etc/ld.so.cache, a fresh /proc and a few
 * device nodes of its own; then the process gives up every privilege
 * for a uid and gid of its own. What it works on, it already holds as
 * descriptors. */
#ifndef SEPTA_SANDBOX_H
#define SEPTA_SANDBOX_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* The first uid/gid of the VMMs' range (SEPTA_UID_BASE): VM number N
 * (vm_vmm_id, 1 .. 65535) runs as SANDBOX_UID_BASE + N. */
#define SANDBOX_UID_BASE     0x5e7a0000u
#define SANDBOX_UID_BASE_MAX (0xfffffffeu - 65535u)
#define SANDBOX_ERR_MAX	     256

struct sandbox {
	uid_t uid;	 /* also the gid */
	bool kvm;	 /* give it a /dev/kvm of its own */
	bool host_net;	 /* keep the host's network (user-mode networking) */
	const char *dir; /* an existing directory to build the root on */
	const char *exe; /* an absolute program path outside /usr, or NULL */
};

/* The uid base: SEPTA_UID_BASE when set, else SANDBOX_UID_BASE. -1 with
 * errno EINVAL or ERANGE when the variable is not a number in 1 ..
 * SANDBOX_UID_BASE_MAX. */
int sandbox_uid_base(unsigned long *base);

/* Find prog as execvp would (PATH when it has no slash), as an absolute
 * path in out. -1 with errno (ENOENT, EACCES, ENAMETOOLONG). */
int sandbox_find_program(const char *prog, char *out, size_t size);

/* When the sandbox's uid could not reopen fd through /proc/self/fd (the
 * file is not readable by it), replace fd with a sealed memory copy of
 * the file. The old fd is closed. -1 with errno. */
int sandbox_readable(int *fd, uid_t uid);

/* Enter the mount namespace and drop every privilege (sandbox_drop).
 * -1 with the failed step in err: the process is then half-way and must
 * exit. */
int sandbox_enter(const struct sandbox *s, char *err, size_t errsz);

/* Drop every privilege: no_new_privs, an empty bounding set, no ambient
 * capabilities, no supplementary groups, then gid and uid (the same
 * number); checks that no capability is left and that root cannot be had
 * back. -1 with the failed step in err. */
int sandbox_drop(uid_t uid, char *err, size_t errsz);

#endif
