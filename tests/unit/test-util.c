/* SPDX-License-Identifier: MIT */
/* util.c: names, numbers, bounded formatting, one-line files, paths. */
#include "check.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static void test_names(void)
{
	char n48[VM_NAME_MAX + 2];

	memset(n48, 'a', VM_NAME_MAX);
	n48[VM_NAME_MAX] = '\0';
	CHECK("vm_name_check-one-char", vm_name_check("a") == NAME_OK);
	CHECK("vm_name_check-digit-first", vm_name_check("0vm") == NAME_OK);
	CHECK("vm_name_check-appvm-elinks",
	      vm_name_check("appvm-elinks") == NAME_OK);
	CHECK("vm_name_check-dot-underscore-dash",
	      vm_name_check("A1.b_c-d") == NAME_OK);
	CHECK("vm_name_check-48-chars-ok", vm_name_check(n48) == NAME_OK);
	n48[VM_NAME_MAX] = 'a';
	n48[VM_NAME_MAX + 1] = '\0';
	CHECK("vm_name_check-49-chars-too-long",
	      vm_name_check(n48) == NAME_TOO_LONG);
	CHECK("vm_name_check-empty", vm_name_check("") == NAME_EMPTY);
	CHECK("vm_name_check-dash-first",
	      vm_name_check("-a") == NAME_BAD_FIRST);
	CHECK("vm_name_check-dot-first", vm_name_check(".a") == NAME_BAD_FIRST);
	CHECK("vm_name_check-dotdot", vm_name_check("..") == NAME_BAD_FIRST);
	CHECK("vm_name_check-underscore-first",
	      vm_name_check("_a") == NAME_BAD_FIRST);
	CHECK("vm_name_check-slash", vm_name_check("a/b") == NAME_BAD_CHAR);
	CHECK("vm_name_check-comma", vm_name_check("a,b") == NAME_BAD_CHAR);
	CHECK("vm_name_check-colon", vm_name_check("a:b") == NAME_BAD_CHAR);
	CHECK("vm_name_check-space", vm_name_check("a b") == NAME_BAD_CHAR);
	CHECK("vm_name_check-tab", vm_name_check("a\tb") == NAME_BAD_CHAR);
	CHECK("vm_name_check-percent", vm_name_check("a%b") == NAME_BAD_CHAR);
	CHECK("vm_name_check-newline", vm_name_check("a\n") == NAME_BAD_CHAR);
	CHECK("vm_name_check-non-ascii",
	      vm_name_check("caf\xc3\xa9") == NAME_BAD_CHAR);
	CHECK("vm_name_check-non-ascii-first",
	      vm_name_check("\xc3\xa9t\xc3\xa9") == NAME_BAD_FIRST);
	CHECK("vm_name_strerror-every-error",
	      strcmp(vm_name_strerror(NAME_OK), "valid") == 0 &&
		  strstr(vm_name_strerror(NAME_TOO_LONG), "48") &&
		  *vm_name_strerror(NAME_EMPTY) &&
		  *vm_name_strerror(NAME_BAD_FIRST) &&
		  *vm_name_strerror(NAME_BAD_CHAR));
}

static bool ul_is(const char *s, unsigned long min, unsigned long max,
		  unsigned long want)
{
	unsigned long v = 12345;

	return parse_ulong(s, min, max, &v) == 0 && v == want;
}

/* Fails with e and leaves *out alone. */
static bool ul_fails(const char *s, unsigned long min, unsigned long max, int e)
{
	unsigned long v = 12345;

	errno = 0;
	return parse_ulong(s, min, max, &v) == -1 && errno == e && v == 12345;
}

static void test_numbers(void)
{
	char s[64];

	CHECK("parse_ulong-zero", ul_is("0", 0, 10, 0));
	CHECK("parse_ulong-42", ul_is("42", 0, 100, 42));
	CHECK("parse_ulong-leading-zeros", ul_is("007", 0, 10, 7));
	CHECK("parse_ulong-equals-max", ul_is("64", 1, 64, 64));
	CHECK("parse_ulong-equals-min", ul_is("72", 72, 100, 72));
	CHECK("parse_ulong-max-plus-1-erange", ul_fails("65", 1, 64, ERANGE));
	CHECK("parse_ulong-below-min-erange", ul_fails("71", 72, 100, ERANGE));
	CHECK("parse_ulong-zero-below-min-erange",
	      ul_fails("0", 1, 64, ERANGE));
	snprintf(s, sizeof(s), "%lu", ULONG_MAX);
	CHECK("parse_ulong-ulong-max", ul_is(s, 0, ULONG_MAX, ULONG_MAX));
	CHECK("parse_ulong-2-pow-64-erange-no-wrap",
	      ul_fails("18446744073709551616", 0, ULONG_MAX, ERANGE));
	CHECK("parse_ulong-2-pow-64-plus-1-erange-no-wrap",
	      ul_fails("18446744073709551617", 0, ULONG_MAX, ERANGE));
	CHECK("parse_ulong-ulong-max-times-10-erange",
	      ul_fails("184467440737095516150", 0, ULONG_MAX, ERANGE));
	CHECK(
	    "parse_ulong-very-long-erange",
	    ul_fails("99999999999999999999999999999999", 0, ULONG_MAX, ERANGE));
	CHECK("parse_ulong-int-max-plus-1-erange",
	      ul_fails("2147483648", 0, INT_MAX, ERANGE));
	/* A max below 9 makes (max - digit) wrap in the overflow check;
	 * 2^64 must still be out of range, not wrap to 0. */
	CHECK("parse_ulong-2-pow-64-small-max-erange-no-wrap",
	      ul_fails("18446744073709551616", 0, 5, ERANGE));
	CHECK("parse_ulong-2-pow-64-then-digit-small-max-erange-no-wrap",
	      ul_fails("184467440737095516163", 1, 5, ERANGE));
	CHECK("parse_ulong-empty-einval", ul_fails("", 0, 10, EINVAL));
	CHECK("parse_ulong-negative-einval", ul_fails("-1", 0, 10, EINVAL));
	CHECK("parse_ulong-plus-sign-einval", ul_fails("+1", 0, 10, EINVAL));
	CHECK("parse_ulong-trailing-garbage-einval",
	      ul_fails("1x", 0, 10, EINVAL));
	CHECK("parse_ulong-leading-space-einval",
	      ul_fails(" 1", 0, 10, EINVAL));
	CHECK("parse_ulong-trailing-space-einval",
	      ul_fails("1 ", 0, 10, EINVAL));
	CHECK("parse_ulong-trailing-newline-einval",
	      ul_fails("1\n", 0, 10, EINVAL));
	CHECK("parse_ulong-hex-einval", ul_fails("0x10", 0, 100, EINVAL));
	CHECK("parse_ulong-fraction-einval", ul_fails("1.5", 0, 10, EINVAL));
}

static void test_fmt(void)
{
	char buf[8];

	CHECK("fmt-fits", fmt(buf, sizeof(buf), "%s-%d", "ab", 1234) == 0 &&
			      strcmp(buf, "ab-1234") == 0);
	errno = 0;
	CHECK("fmt-one-too-long-enametoolong",
	      fmt(buf, sizeof(buf), "%s", "abcdefgh") == -1 &&
		  errno == ENAMETOOLONG);
	errno = 0;
	CHECK("fmt-size-0-enametoolong",
	      fmt(buf, 0, "%s", "") == -1 && errno == ENAMETOOLONG);
	CHECK("fmt-empty", fmt(buf, 1, "%s", "") == 0 && buf[0] == '\0');
}

static char tmpdir[] = "/tmp/septa-test-util.XXXXXX";

static int put_file(int dirfd, const char *name, const char *data, size_t len)
{
	int fd =
	    openat(dirfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, data, len);
	close(fd);
	return n == (ssize_t)len ? 0 : -1;
}

/* read_line_file into a buffer of size, expecting success with want. */
static bool line_is(int dirfd, const char *name, size_t size, const char *want)
{
	char buf[64];

	memset(buf, 'X', sizeof(buf));
	return read_line_file(dirfd, name, buf, size) == 0 &&
	       strcmp(buf, want) == 0;
}

static bool line_fails(int dirfd, const char *name, size_t size, int e)
{
	char buf[64];

	errno = 0;
	return read_line_file(dirfd, name, buf, size) == -1 && errno == e;
}

static void test_files(void)
{
	int dirfd, fd, before;

	if (!mkdtemp(tmpdir)) {
		CHECK("read_line_file-mkdtemp", 0);
		return;
	}
	dirfd = open(tmpdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	put_file(dirfd, "plain", "hello", 5);
	put_file(dirfd, "nl", "hello\n", 6);
	put_file(dirfd, "twonl", "hello\n\n", 7);
	put_file(dirfd, "empty", "", 0);
	put_file(dirfd, "onlynl", "\n", 1);
	put_file(dirfd, "seven", "1234567", 7);
	put_file(dirfd, "eight", "12345678", 8);
	put_file(dirfd, "sevennl", "123456\n", 7);
	put_file(dirfd, "nul", "a\0b\n", 4);
	mkdirat(dirfd, "dir", 0755);
	mkfifoat(dirfd, "fifo", 0644);
	symlinkat("plain", dirfd, "link");
	symlinkat("nowhere", dirfd, "dangling");

	CHECK("read_line_file-normal", line_is(dirfd, "plain", 64, "hello"));
	CHECK("read_line_file-trailing-newline-stripped",
	      line_is(dirfd, "nl", 64, "hello"));
	CHECK("read_line_file-only-one-newline-stripped",
	      line_is(dirfd, "twonl", 64, "hello\n"));
	CHECK("read_line_file-follows-symlink",
	      line_is(dirfd, "link", 64, "hello"));
	CHECK("read_line_file-fills-size-minus-1",
	      line_is(dirfd, "seven", 8, "1234567"));
	CHECK("read_line_file-size-bytes-efbig",
	      line_fails(dirfd, "eight", 8, EFBIG));
	CHECK("read_line_file-too-long-efbig",
	      line_fails(dirfd, "plain", 3, EFBIG));
	CHECK("read_line_file-line-and-newline-fit",
	      line_is(dirfd, "sevennl", 8, "123456"));
	CHECK("read_line_file-empty-enodata",
	      line_fails(dirfd, "empty", 64, ENODATA));
	CHECK("read_line_file-only-newline-enodata",
	      line_fails(dirfd, "onlynl", 64, ENODATA));
	CHECK("read_line_file-nul-byte-eilseq",
	      line_fails(dirfd, "nul", 64, EILSEQ));
	CHECK("read_line_file-directory-eisdir",
	      line_fails(dirfd, "dir", 64, EISDIR));
	/* Nothing writes to the FIFO: a blocking open or read would hang
	 * here. */
	alarm(5);
	CHECK("read_line_file-fifo-einval-no-block",
	      line_fails(dirfd, "fifo", 64, EINVAL));
	alarm(0);
	CHECK("read_line_file-char-device-einval",
	      line_fails(AT_FDCWD, "/dev/null", 64, EINVAL));
	CHECK("read_line_file-missing-enoent",
	      line_fails(dirfd, "missing", 64, ENOENT));
	CHECK("read_line_file-dangling-symlink-enoent",
	      line_fails(dirfd, "dangling", 64, ENOENT));
	CHECK("read_line_file-absolute-path",
	      line_is(AT_FDCWD, "/proc/sys/kernel/ostype", 64, "Linux"));

	/* No descriptor leaks on any of the failures above. */
	before = dup(0);
	close(before);
	line_fails(dirfd, "dir", 64, EISDIR);
	line_fails(dirfd, "fifo", 64, EINVAL);
	line_fails(dirfd, "eight", 8, EFBIG);
	line_fails(dirfd, "empty", 64, ENODATA);
	line_fails(dirfd, "nul", 64, EILSEQ);
	fd = dup(0);
	close(fd);
	CHECK("read_line_file-no-fd-leak", fd == before);

	unlinkat(dirfd, "plain", 0);
	unlinkat(dirfd, "nl", 0);
	unlinkat(dirfd, "twonl", 0);
	unlinkat(dirfd, "empty", 0);
	unlinkat(dirfd, "onlynl", 0);
	unlinkat(dirfd, "seven", 0);
	unlinkat(dirfd, "eight", 0);
	unlinkat(dirfd, "sevennl", 0);
	unlinkat(dirfd, "nul", 0);
	unlinkat(dirfd, "dir", AT_REMOVEDIR);
	unlinkat(dirfd, "fifo", 0);
	unlinkat(dirfd, "link", 0);
	unlinkat(dirfd, "dangling", 0);
	close(dirfd);
	rmdir(tmpdir);
}

static void test_paths(void)
{
	char buf[64], small[16];

	unsetenv("SEPTA_RUN");
	CHECK("septa_run_root-default",
	      strcmp(septa_run_root(), "/run/vm") == 0);
	setenv("SEPTA_RUN", "", 1);
	CHECK("septa_run_root-empty-is-default",
	      strcmp(septa_run_root(), "/run/vm") == 0);
	CHECK("vm_path-default-root",
	      vm_path(buf, sizeof(buf), "vm1", "qmp") == 0 &&
		  strcmp(buf, "/run/vm/vm1/qmp") == 0);
	setenv("SEPTA_RUN", "/tmp/septa-run", 1);
	CHECK("vm_path-septa-run",
	      vm_path(buf, sizeof(buf), "appvm-elinks", "qmp") == 0 &&
		  strcmp(buf, "/tmp/septa-run/appvm-elinks/qmp") == 0);
	CHECK("vm_path-no-file",
	      vm_path(buf, sizeof(buf), "appvm-elinks", NULL) == 0 &&
		  strcmp(buf, "/tmp/septa-run/appvm-elinks") == 0);
	errno = 0;
	CHECK("vm_path-too-long-enametoolong",
	      vm_path(small, sizeof(small), "appvm-elinks", "qmp") == -1 &&
		  errno == ENAMETOOLONG);
	unsetenv("SEPTA_RUN");

	unsetenv("SEPTA_SERVICE");
	CHECK("septa_service_dir-default",
	      strcmp(septa_service_dir(), "/run/service/vmm") == 0);
	setenv("SEPTA_SERVICE", "/tmp/svc", 1);
	CHECK("septa_service_dir-env",
	      strcmp(septa_service_dir(), "/tmp/svc") == 0);
	setenv("SEPTA_SERVICE", "/tmp/tree/service/vmm", 1);
	CHECK("septa_wayland_service_dir-beside-vmm",
	      strcmp(septa_wayland_service_dir(),
		     "/tmp/tree/service/wayland") == 0);
	setenv("SEPTA_SERVICE", "vmm", 1);
	CHECK("septa_wayland_service_dir-relative",
	      strcmp(septa_wayland_service_dir(), "wayland") == 0);
	unsetenv("SEPTA_SERVICE");
	CHECK("septa_wayland_service_dir-default",
	      strcmp(septa_wayland_service_dir(), "/run/service/wayland") == 0);
}

/* write_all of more than a pipe holds, read back whole by the parent. */
static void test_write_all(void)
{
	static char big[200000], back[sizeof(big)];
	size_t i, got = 0;
	int p[2], status = -1;
	pid_t pid;

	for (i = 0; i < sizeof(big); i++)
		big[i] = (char)(i * 7);
	if (pipe(p) < 0) {
		CHECK("write_all-pipe", false);
		return;
	}
	pid = fork();
	if (pid == 0) {
		close(p[0]);
		_exit(write_all(p[1], big, sizeof(big)) < 0);
	}
	close(p[1]);
	while (got < sizeof(back)) {
		ssize_t n = read(p[0], back + got, sizeof(back) - got);

		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(p[0]);
	if (pid > 0)
		waitpid(pid, &status, 0);
	CHECK("write_all-more-than-a-pipe-holds",
	      status == 0 && got == sizeof(big) &&
		  memcmp(big, back, sizeof(big)) == 0);
	errno = 0;
	CHECK("write_all-bad-fd",
	      write_all(-1, big, 1) == -1 && errno == EBADF);
}

static void test_misc(void)
{
	int64_t t0, t1;
	int fd;

	t0 = now_ms();
	sleep_ms(20);
	t1 = now_ms();
	CHECK("sleep_ms-sleeps", t1 - t0 >= 20 && t1 - t0 < 2000);
	fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	CHECK("fd_keep_on_exec-clears-cloexec",
	      fd >= 0 && fd_keep_on_exec(fd) == 0 &&
		  (fcntl(fd, F_GETFD) & FD_CLOEXEC) == 0);
	close(fd);
	errno = 0;
	CHECK("fd_keep_on_exec-bad-fd-ebadf",
	      fd_keep_on_exec(fd) == -1 && errno == EBADF);
}

/* stat's mode and group of path: the permission bits, and gid. */
static bool has_mode(const char *path, mode_t mode, gid_t gid)
{
	struct stat st;

	return stat(path, &st) == 0 && (st.st_mode & 07777) == mode &&
	       st.st_uid == 0 && st.st_gid == gid;
}

static void test_group(void)
{
	char dir[] = "/tmp/septa-util-XXXXXX", file[64];
	gid_t gid;
	int fd;

	unsetenv("SEPTA_GROUP");
	CHECK("septa_group-unset", septa_group(&gid) == 0 && gid == (gid_t)-1);
	setenv("SEPTA_GROUP", "", 1);
	CHECK("septa_group-empty", septa_group(&gid) == 0 && gid == (gid_t)-1);
	setenv("SEPTA_GROUP", "4242", 1);
	CHECK("septa_group-number", septa_group(&gid) == 0 && gid == 4242);
	setenv("SEPTA_GROUP", "root", 1);
	CHECK("septa_group-name", septa_group(&gid) == 0 && gid == 0);
	setenv("SEPTA_GROUP", "no-such-group-septa", 1);
	errno = 0;
	CHECK("septa_group-unknown-einval",
	      septa_group(&gid) == -1 && errno == EINVAL);
	unsetenv("SEPTA_GROUP");

	/* Changing owners needs root; the suite runs as root. */
	if (geteuid() != 0 || !mkdtemp(dir))
		return;
	snprintf(file, sizeof(file), "%s/f", dir);
	fd = open(file, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	CHECK("septa_restrict-dir-root-only",
	      septa_restrict(dir, -1, (gid_t)-1, true, false) == 0 &&
		  has_mode(dir, 0700, 0));
	CHECK("septa_restrict-dir-group",
	      septa_restrict(dir, -1, 4242, true, false) == 0 &&
		  has_mode(dir, 0750, 4242));
	CHECK("septa_restrict-socket-like-group",
	      septa_restrict(file, -1, 4242, false, false) == 0 &&
		  has_mode(file, 0660, 4242));
	CHECK("septa_restrict-fd-read-only-group",
	      septa_restrict(file, fd, 4242, false, true) == 0 &&
		  has_mode(file, 0640, 4242));
	CHECK("septa_restrict-fd-root-only",
	      septa_restrict(file, fd, (gid_t)-1, false, true) == 0 &&
		  has_mode(file, 0600, 0));
	errno = 0;
	CHECK("septa_restrict-missing-enoent",
	      septa_restrict("/nonexistent/septa", -1, (gid_t)-1, false,
			     false) == -1 &&
		  errno == ENOENT);
	close(fd);
	unlink(file);
	rmdir(dir);
}

int main(void)
{
	test_names();
	test_numbers();
	test_fmt();
	test_files();
	test_paths();
	test_write_all();
	test_misc();
	test_group();
	return check_done();
}
