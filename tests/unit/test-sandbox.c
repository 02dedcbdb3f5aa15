/* SPDX-License-Identifier: MIT */
/* sandbox.c: the uid base, finding the program, the copy of a file QEMU's
 * uid could not read, and the drop of every privilege (in a child; root
 * needed for that part, which is skipped otherwise). */
#include "check.h"
#include "sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#define UID 0x5e7affffu

static void test_uid_base(void)
{
	unsigned long b = 0;

	unsetenv("SEPTA_UID_BASE");
	CHECK("uid-base-default",
	      sandbox_uid_base(&b) == 0 && b == SANDBOX_UID_BASE);
	setenv("SEPTA_UID_BASE", "", 1);
	CHECK("uid-base-empty-is-default",
	      sandbox_uid_base(&b) == 0 && b == SANDBOX_UID_BASE);
	setenv("SEPTA_UID_BASE", "200000", 1);
	CHECK("uid-base-set", sandbox_uid_base(&b) == 0 && b == 200000);
	setenv("SEPTA_UID_BASE", "0", 1);
	CHECK("uid-base-zero", sandbox_uid_base(&b) < 0 && errno == ERANGE);
	setenv("SEPTA_UID_BASE", "4294901760", 1);
	CHECK("uid-base-too-big", sandbox_uid_base(&b) < 0 && errno == ERANGE);
	setenv("SEPTA_UID_BASE", "4294901759", 1);
	CHECK("uid-base-max",
	      sandbox_uid_base(&b) == 0 && b == SANDBOX_UID_BASE_MAX);
	setenv("SEPTA_UID_BASE", "0x10", 1);
	CHECK("uid-base-not-decimal",
	      sandbox_uid_base(&b) < 0 && errno == EINVAL);
	unsetenv("SEPTA_UID_BASE");
}

static void test_find(void)
{
	char out[4096];

	setenv("PATH", "/nonexistent:/usr/bin:/bin", 1);
	CHECK("find-in-path",
	      sandbox_find_program("sh", out, sizeof(out)) == 0 &&
		  out[0] == '/' && access(out, X_OK) == 0);
	CHECK("find-absolute",
	      sandbox_find_program("/bin/sh", out, sizeof(out)) == 0 &&
		  strncmp(out, "/", 1) == 0);
	CHECK("find-missing", sandbox_find_program("septa-no-such-program", out,
						   sizeof(out)) < 0 &&
				  errno == ENOENT);
	CHECK("find-missing-path",
	      sandbox_find_program("/nonexistent/qemu", out, sizeof(out)) < 0 &&
		  errno == ENOENT);
	CHECK("find-too-long", sandbox_find_program("/bin/sh", out, 3) < 0 &&
				   errno == ENAMETOOLONG);
}

static void test_readable(void)
{
	char path[] = "/tmp/septa-test-sandbox.XXXXXX", buf[16] = "";
	int fd, orig;

	fd = mkstemp(path);
	if (fd < 0 || write(fd, "kernel", 6) != 6) {
		CHECK("readable-setup", false);
		return;
	}
	fchmod(fd, 0644);
	orig = fd;
	CHECK("readable-world-kept",
	      sandbox_readable(&fd, UID) == 0 && fd == orig);
	fchmod(fd, 0600);
	CHECK("readable-private-copied",
	      sandbox_readable(&fd, UID) == 0 && fd >= 0 &&
		  pread(fd, buf, sizeof(buf), 0) == 6 &&
		  memcmp(buf, "kernel", 6) == 0);
	CHECK("readable-copy-sealed", write(fd, "x", 1) < 0);
	CHECK("readable-copy-cloexec", fcntl(fd, F_GETFD) & FD_CLOEXEC);
	close(fd);
	unlink(path);
}

/* In a child: drop, then report what is left through the exit status. */
static int drop_child(void)
{
	char why[SANDBOX_ERR_MAX];
	pid_t pid = fork();
	int st;

	if (pid == 0) {
		if (sandbox_drop(UID, why, sizeof(why)) < 0)
			_exit(1);
		if (getuid() != UID || geteuid() != UID || getgid() != UID ||
		    getegid() != UID || getgroups(0, NULL) != 0)
			_exit(2);
		if (setuid(0) == 0 || open("/etc/shadow", O_RDONLY) >= 0)
			_exit(3);
		_exit(0);
	}
	if (pid < 0 || waitpid(pid, &st, 0) < 0 || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

/* In a child: enter the sandbox built on dir, then look around. The exit
 * status says which look failed. */
static int enter_child(const char *dir, bool kvm, const char *exe)
{
	const struct sandbox sb = {
	    .uid = UID, .kvm = kvm, .dir = dir, .exe = exe};
	char why[SANDBOX_ERR_MAX];
	struct stat st;
	pid_t pid = fork();
	int status, fd;

	if (pid == 0) {
		if (sandbox_enter(&sb, why, sizeof(why)) < 0) {
			dprintf(1, "# sandbox_enter: %s\n", why);
			_exit(1);
		}
		if (getuid() != UID || getgid() != UID)
			_exit(2);
		if (access("/usr/bin", X_OK) < 0 || access("/bin/sh", X_OK) < 0)
			_exit(3);
		if (access("/etc/passwd", F_OK) == 0 ||
		    (!exe && access("/tmp", F_OK) == 0) ||
		    access("/home", F_OK) == 0 || access(dir, F_OK) == 0)
			_exit(4);
		fd = open("/dev/null", O_WRONLY);
		if (fd < 0 || write(fd, "x", 1) != 1)
			_exit(5);
		close(fd);
		if (open("/x", O_WRONLY | O_CREAT, 0600) >= 0 ||
		    mknod("/dev/y", S_IFCHR | 0666, makedev(1, 3)) == 0)
			_exit(6);
		if (access("/proc/self/status", R_OK) < 0 ||
		    access("/proc/1/status", F_OK) == 0)
			_exit(7);
		if (kvm && (stat("/dev/kvm", &st) < 0 || st.st_uid != UID ||
			    (st.st_mode & 0777) != 0600 ||
			    open("/dev/kvm", O_RDWR) < 0))
			_exit(8);
		if (!kvm && access("/dev/kvm", F_OK) == 0)
			_exit(9);
		/* A program outside /usr: the file alone, read-only. */
		if (exe && (access(exe, X_OK) < 0 || access(exe, W_OK) == 0))
			_exit(10);
		if (exe) {
			char sib[128];

			snprintf(sib, sizeof(sib), "%.*s/secret",
				 (int)(strrchr(exe, '/') - exe), exe);
			if (access(sib, F_OK) == 0)
				_exit(11);
		}
		_exit(0);
	}
	if (pid < 0 || waitpid(pid, &status, 0) < 0 || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

/* With a program in a directory of its own, beside a file that must not
 * be seen. */
static int enter_exe(const char *dir)
{
	char d[] = "/tmp/septa-test-sandbox-exe.XXXXXX", exe[64], other[64];
	int fd, r = -1;

	if (!mkdtemp(d))
		return -1;
	snprintf(exe, sizeof(exe), "%s/qemu", d);
	snprintf(other, sizeof(other), "%s/secret", d);
	fd = open(exe, O_WRONLY | O_CREAT | O_EXCL, 0755);
	if (fd >= 0) {
		close(fd);
		fd = open(other, O_WRONLY | O_CREAT | O_EXCL, 0644);
	}
	if (fd >= 0) {
		close(fd);
		r = enter_child(dir, false, exe);
		/* The child saw no "secret" beside the program; the host
		 * still has it. */
		if (r == 0 && access(other, F_OK) < 0)
			r = -1;
	}
	unlink(exe);
	unlink(other);
	rmdir(d);
	return r;
}

static void test_enter(void)
{
	char dir[] = "/tmp/septa-test-sandbox-root.XXXXXX";
	int r;

	if (!mkdtemp(dir)) {
		CHECK("enter-setup", false);
		return;
	}
	r = enter_child(dir, false, NULL);
	CHECK("enter-tcg", r == 0);
	if (r)
		printf("# exit %d\n", r);
	r = enter_exe(dir);
	CHECK("enter-program-outside-usr", r == 0);
	if (r)
		printf("# exit %d\n", r);
	if (access("/dev/kvm", F_OK) == 0) {
		r = enter_child(dir, true, NULL);
		CHECK("enter-kvm-own-node", r == 0);
		if (r)
			printf("# exit %d\n", r);
	} else {
		printf("ok %d - enter-kvm-own-node # SKIP no /dev/kvm\n",
		       ++check_n);
	}
	CHECK("enter-left-host-alone", rmdir(dir) == 0);
}

int main(void)
{
	char why[SANDBOX_ERR_MAX];

	test_uid_base();
	test_find();
	test_readable();
	CHECK("drop-uid-0-refused",
	      sandbox_drop(0, why, sizeof(why)) < 0 &&
		  strcmp(why, "drop to uid 0: Invalid argument") == 0);
	if (geteuid() == 0) {
		CHECK("drop-all", drop_child() == 0);
		test_enter();
	} else {
		printf("ok %d - drop-all # SKIP not root\n", ++check_n);
	}
	return check_done();
}
