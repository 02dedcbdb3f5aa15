/* SPDX-License-Identifier: MIT */
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

enum name_error vm_name_check(const char *name)
{
	size_t i, len = strlen(name);

	if (len == 0)
		return NAME_EMPTY;
	if (len > VM_NAME_MAX)
		return NAME_TOO_LONG;
	for (i = 0; i < len; i++) {
		char c = name[i];
		bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			     (c >= '0' && c <= '9');

		if (i == 0 && !alnum)
			return NAME_BAD_FIRST;
		if (!alnum && c != '.' && c != '_' && c != '-')
			return NAME_BAD_CHAR;
	}
	return NAME_OK;
}

const char *vm_name_strerror(enum name_error e)
{
	switch (e) {
	case NAME_OK:
		return "valid";
	case NAME_EMPTY:
		return "empty name";
	case NAME_TOO_LONG:
		return "name longer than 48 bytes";
	case NAME_BAD_FIRST:
		return "name must start with a letter or digit";
	case NAME_BAD_CHAR:
		return "name may contain only letters, digits, '.', '_' and "
		       "'-'";
	}
	return "invalid name";
}

int parse_ulong(const char *s, unsigned long min, unsigned long max,
		unsigned long *out)
{
	unsigned long v = 0;
	const char *p;

	if (*s == '\0') {
		errno = EINVAL;
		return -1;
	}
	for (p = s; *p; p++) {
		if (*p < '0' || *p > '9') {
			errno = EINVAL;
			return -1;
		}
		if (v > (max - (unsigned long)(*p - '0')) / 10) {
			errno = ERANGE;
			return -1;
		}
		v = v * 10 + (unsigned long)(*p - '0');
	}
	if (v < min || v > max) {
		errno = ERANGE;
		return -1;
	}
	*out = v;
	return 0;
}

int fmt(char *buf, size_t size, const char *format, ...)
{
	va_list ap;
	int n;

	va_start(ap, format);
	n = vsnprintf(buf, size, format, ap);
	va_end(ap);
	if (n < 0)
		return -1;
	if ((size_t)n >= size) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

int read_line_file(int dirfd, const char *path, char *buf, size_t size)
{
	struct stat st;
	ssize_t n;
	size_t len;
	int fd, e;

	fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0)
		goto fail;
	if (S_ISDIR(st.st_mode)) {
		errno = EISDIR;
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		errno = EINVAL;
		goto fail;
	}
	n = read(fd, buf, size);
	if (n < 0)
		goto fail;
	if ((size_t)n == size) {
		errno = EFBIG;
		goto fail;
	}
	close(fd);
	len = (size_t)n;
	if (len > 0 && buf[len - 1] == '\n')
		len--;
	if (memchr(buf, '\0', len)) {
		errno = EILSEQ;
		return -1;
	}
	buf[len] = '\0';
	if (len == 0) {
		errno = ENODATA;
		return -1;
	}
	return 0;
fail:
	e = errno;
	close(fd);
	errno = e;
	return -1;
}

int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void sleep_ms(int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

int fd_keep_on_exec(int fd)
{
	int flags = fcntl(fd, F_GETFD);

	if (flags < 0)
		return -1;
	return fcntl(fd, F_SETFD, flags & ~FD_CLOEXEC);
}

const char *septa_run_root(void)
{
	const char *s = getenv("SEPTA_RUN");

	return s && *s ? s : "/run/vm";
}

const char *septa_service_dir(void)
{
	const char *s = getenv("SEPTA_SERVICE");

	return s && *s ? s : "/run/service/vmm";
}

const char *septa_wayland_service_dir(void)
{
	static char buf[PATH_MAX];
	const char *vmm = septa_service_dir(), *slash = strrchr(vmm, '/');
	int len = slash ? (int)(slash - vmm) : 0;

	if (fmt(buf, sizeof(buf), "%.*s%swayland", len, vmm, slash ? "/" : "") <
	    0)
		return NULL;
	return buf;
}

int septa_group(gid_t *gid)
{
	const char *s = getenv("SEPTA_GROUP");
	unsigned long n;
	struct group *g;

	*gid = (gid_t)-1;
	if (!s || !*s)
		return 0;
	if (parse_ulong(s, 0, 0xfffffffeul, &n) == 0) {
		*gid = (gid_t)n;
		return 0;
	}
	g = getgrnam(s);
	if (!g) {
		errno = EINVAL;
		return -1;
	}
	*gid = g->gr_gid;
	return 0;
}

int septa_restrict(const char *path, int fd, gid_t gid, bool is_dir,
		   bool read_only)
{
	bool group = gid != (gid_t)-1;
	mode_t mode;

	if (is_dir)
		mode = group ? 0750 : 0700;
	else
		mode = group ? (read_only ? 0640 : 0660) : 0600;
	if (!group)
		gid = 0;
	if (fd >= 0)
		return fchown(fd, 0, gid) < 0 || fchmod(fd, mode) < 0 ? -1 : 0;
	return lchown(path, 0, gid) < 0 || chmod(path, mode) < 0 ? -1 : 0;
}

int vm_path(char *buf, size_t size, const char *name, const char *file)
{
	if (file)
		return fmt(buf, size, "%s/%s/%s", septa_run_root(), name, file);
	return fmt(buf, size, "%s/%s", septa_run_root(), name);
}

int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}
