/* SPDX-License-Identifier: MIT */
/* Small helpers shared by every Septa tool: exit codes, names, numbers,
 * paths, time. Nothing here prints or exits. */
#ifndef SEPTA_UTIL_H
#define SEPTA_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Exit codes, the same for every tool (see septa(7)). */
#define SEPTA_EXIT_OK	   0
#define SEPTA_EXIT_BADDEF  1   /* invalid VM definition or bad data */
#define SEPTA_EXIT_NOVM	   2   /* no such VM */
#define SEPTA_EXIT_BUSY	   3   /* resource held by someone else */
#define SEPTA_EXIT_TIMEOUT 4   /* the VM did not reach the state in time */
#define SEPTA_EXIT_USAGE   100 /* bad command line */
#define SEPTA_EXIT_SYS	   111 /* a system call or the VMM failed */

/* A VM name: [A-Za-z0-9][A-Za-z0-9._-]*, at most VM_NAME_MAX bytes. The
 * bound keeps every runtime path well inside sun_path. */
#define VM_NAME_MAX 48

enum name_error {
	NAME_OK = 0,
	NAME_EMPTY,
	NAME_TOO_LONG,
	NAME_BAD_FIRST,
	NAME_BAD_CHAR,
};

enum name_error vm_name_check(const char *name);
const char *vm_name_strerror(enum name_error e);

/* Parse a decimal unsigned number in [min, max]. The whole string must be
 * the number. Returns -1 with errno EINVAL (not a number) or ERANGE. */
int parse_ulong(const char *s, unsigned long min, unsigned long max,
		unsigned long *out);

/* snprintf that fails with ENAMETOOLONG instead of truncating. */
int fmt(char *buf, size_t size, const char *format, ...)
    __attribute__((format(printf, 3, 4)));

/* Read a small text file at dirfd/path into buf (NUL-terminated), with one
 * trailing newline removed. Fails with EFBIG when it does not fit, ENODATA
 * when it is empty, EILSEQ when it holds a NUL byte, EISDIR/EINVAL when it
 * is not a regular file. */
int read_line_file(int dirfd, const char *path, char *buf, size_t size);

/* Milliseconds on the monotonic clock. */
int64_t now_ms(void);

/* Sleep for ms milliseconds (restarted on EINTR). */
void sleep_ms(int ms);

/* Write all len bytes of buf to fd, through short writes and EINTR.
 * -1 with errno. */
int write_all(int fd, const void *buf, size_t len);

/* Clear FD_CLOEXEC so that fd survives exec. */
int fd_keep_on_exec(int fd);

/* The runtime root (SEPTA_RUN, default /run/vm) and the instanced vmm
 * service (SEPTA_SERVICE, default /run/service/vmm). */
const char *septa_run_root(void);
const char *septa_service_dir(void);

/* The instanced wayland service (vm-wayland), beside the vmm service:
 * SEPTA_SERVICE's directory with "wayland" for its last component. NULL
 * with errno ENAMETOOLONG. */
const char *septa_wayland_service_dir(void);

/* SEPTA_GROUP: the group, by name or number, whose members may use the
 * VMs' control sockets besides root. *gid is (gid_t)-1 when it is unset
 * or empty. Returns -1 with errno EINVAL for a group that does not
 * exist. */
int septa_group(gid_t *gid);

/* Make path root's and reachable by root alone, or also by group gid
 * (not (gid_t)-1): a directory 0700 or 0750, anything else 0600 or 0660
 * (0640 with read_only). With fd >= 0 that open file is changed instead
 * of path. */
int septa_restrict(const char *path, int fd, gid_t gid, bool is_dir,
		   bool read_only);

/* path = root/name/file, checked for length. */
int vm_path(char *buf, size_t size, const char *name, const char *file);

#endif
