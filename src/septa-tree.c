/* SPDX-License-Identifier: MIT */
/* septa-tree: a private s6 supervision tree for development and tests, so
 * that a developer's Debian machine runs VMs exactly as a Septa host does:
 * s6-svscan on DIR/service with the instanced vmm service, VM runtime
 * directories under DIR/run. */
#include "cgroup.h"
#include "proc.h"
#include "util.h"

#include <dirent.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define UP_TIMEOUT	"10000"
#define UP_TIMEOUT_MS	10000
#define DOWN_TIMEOUT_MS 30000

static const char usage[] =
    "usage: septa-tree up DIR | down DIR | env DIR\n"
    "  up    start s6-svscan on DIR/service with the vmm and wayland\n"
    "        services; VMs live under DIR/run. Prints the environment\n"
    "        for the other tools (eval it).\n"
    "  down  stop every VMM and the tree, then remove DIR\n"
    "  env   print the environment for the tree in DIR\n"
    "Environment: SEPTA_TEMPLATE, the vmm service template (default: the\n"
    "one installed beside this program; wayland's is beside it);\n"
    "SEPTA_GROUP, a group whose members may use the VMs' sockets besides\n"
    "root; WAYLAND_DISPLAY, the compositor that VMs' windows go to.\n"
    "Exit codes: 0 done, 1 DIR is not a tree, 3 a tree already runs\n"
    "there, 4 timed out, 100 usage, 111 system error.\n";

static char dir[PATH_MAX];

static void path_in(char *buf, size_t size, const char *sub)
{
	if (fmt(buf, size, "%s/%s", dir, sub) < 0)
		errx(SEPTA_EXIT_USAGE, "%s/%s: path too long", dir, sub);
}

static void print_env(void)
{
	printf("SEPTA_RUN=%s/run; export SEPTA_RUN\n", dir);
	printf("SEPTA_SERVICE=%s/service/vmm; export SEPTA_SERVICE\n", dir);
}

/* The template: $SEPTA_TEMPLATE, else the installed one, else the source
 * tree's (running from a build directory). bindir is where we run from. */
static void find_template(char *buf, size_t size, char *bindir, size_t bsize)
{
	const char *env = getenv("SEPTA_TEMPLATE");
	char self[PATH_MAX], *slash;
	struct stat st;
	ssize_t n;

	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n < 0)
		err(SEPTA_EXIT_SYS, "readlink /proc/self/exe");
	self[n] = '\0';
	slash = strrchr(self, '/');
	*slash = '\0';
	if (fmt(bindir, bsize, "%s", self) < 0)
		errx(SEPTA_EXIT_SYS, "%s: path too long", self);
	if (env && *env) {
		if (fmt(buf, size, "%s", env) < 0)
			errx(SEPTA_EXIT_USAGE, "SEPTA_TEMPLATE: too long");
		return;
	}
	if (fmt(buf, size, "%s", SEPTA_TEMPLATE_INSTALLED) == 0 &&
	    stat(buf, &st) == 0)
		return;
	if (fmt(buf, size, "%s", SEPTA_TEMPLATE_SOURCE) == 0 &&
	    stat(buf, &st) == 0)
		return;
	errx(SEPTA_EXIT_SYS,
	     "no vmm service template in %s or %s (set SEPTA_TEMPLATE)",
	     SEPTA_TEMPLATE_INSTALLED, SEPTA_TEMPLATE_SOURCE);
}

/* The template named sub in the directory that holds tpl: the wayland
 * service's sits beside vmm's, wherever that was found. */
static void beside(char *buf, size_t size, const char *tpl, const char *sub)
{
	const char *slash = strrchr(tpl, '/');

	if (fmt(buf, size, "%.*s%s", slash ? (int)(slash - tpl + 1) : 0, tpl,
		sub) < 0 ||
	    access(buf, F_OK) != 0)
		errx(SEPTA_EXIT_SYS, "no %s service template beside %s", sub,
		     tpl);
}

static pid_t read_pid(void)
{
	char path[PATH_MAX], buf[32];
	unsigned long pid;

	path_in(path, sizeof(path), "svscan.pid");
	if (read_line_file(AT_FDCWD, path, buf, sizeof(buf)) < 0)
		return -1;
	if (parse_ulong(buf, 2, INT_MAX, &pid) < 0)
		return -1;
	return (pid_t)pid;
}

static int up(void)
{
	char tpl[PATH_MAX], bindir[PATH_MAX], svc[PATH_MAX], vmm[PATH_MAX];
	char run[PATH_MAX], log[PATH_MAX], pidf[PATH_MAX],
	    pathenv[PATH_MAX * 2];
	char status[PATH_MAX];
	int64_t deadline;
	char wtpl[PATH_MAX], wl[PATH_MAX];
	const char *maker[] = {
	    "s6-instance-maker", "-c", "256", tpl, vmm, NULL};
	const char *wmaker[] = {
	    "s6-instance-maker", "-c", "256", wtpl, wl, NULL};
	const char *wait[] = {"s6-svwait", "-U", "-t", UP_TIMEOUT, vmm, NULL};
	const char *oldpath = getenv("PATH");
	pid_t pid, old = read_pid();
	gid_t group;
	FILE *f;
	int r, fd;

	if (old > 0 && kill(old, 0) == 0)
		errx(SEPTA_EXIT_BUSY, "%s: a tree already runs there (pid %d)",
		     dir, (int)old);
	find_template(tpl, sizeof(tpl), bindir, sizeof(bindir));
	path_in(svc, sizeof(svc), "service");
	path_in(vmm, sizeof(vmm), "service/vmm");
	path_in(wl, sizeof(wl), "service/wayland");
	beside(wtpl, sizeof(wtpl), tpl, "wayland");
	path_in(run, sizeof(run), "run");
	path_in(log, sizeof(log), "svscan.log");
	path_in(pidf, sizeof(pidf), "svscan.pid");
	if (septa_group(&group) < 0)
		errx(SEPTA_EXIT_USAGE, "SEPTA_GROUP=%s: no such group",
		     getenv("SEPTA_GROUP"));
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		err(SEPTA_EXIT_SYS, "mkdir %s", dir);
	if (mkdir(svc, 0700) < 0 && errno != EEXIST)
		err(SEPTA_EXIT_SYS, "mkdir %s", svc);
	if (mkdir(run, 0700) < 0 && errno != EEXIST)
		err(SEPTA_EXIT_SYS, "mkdir %s", run);
	/* With SEPTA_GROUP its members reach the runtime root (and the VMs'
	 * sockets, which start-vmm opens to them), not the services. */
	if (septa_restrict(dir, -1, group, true, false) < 0 ||
	    septa_restrict(run, -1, group, true, false) < 0)
		err(SEPTA_EXIT_SYS, "chown or chmod %s", dir);
	if (access(vmm, F_OK) != 0) {
		r = proc_run(maker);
		if (r != 0)
			errx(SEPTA_EXIT_SYS, "s6-instance-maker %s %s: %s", tpl,
			     vmm, r < 0 ? strerror(errno) : "failed");
	}
	if (access(wl, F_OK) != 0) {
		r = proc_run(wmaker);
		if (r != 0)
			errx(SEPTA_EXIT_SYS, "s6-instance-maker %s %s: %s",
			     wtpl, wl, r < 0 ? strerror(errno) : "failed");
	}
	if (fmt(pathenv, sizeof(pathenv), "%s%s%s", bindir, oldpath ? ":" : "",
		oldpath ? oldpath : "") < 0)
		errx(SEPTA_EXIT_SYS, "PATH too long");

	pid = fork();
	if (pid < 0)
		err(SEPTA_EXIT_SYS, "fork");
	if (pid == 0) {
		/* Its own session and process group: down can end every
		 * process of the tree, and a terminal's signals do not
		 * reach it. */
		setsid();
		fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
		if (fd < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
			_exit(SEPTA_EXIT_SYS);
		fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (fd < 0 || dup2(fd, 0) < 0)
			_exit(SEPTA_EXIT_SYS);
		if (setenv("SEPTA_RUN", run, 1) < 0 ||
		    setenv("SEPTA_SERVICE", vmm, 1) < 0 ||
		    setenv("PATH", pathenv, 1) < 0)
			_exit(SEPTA_EXIT_SYS);
		execlp("s6-svscan", "s6-svscan", svc, (char *)NULL);
		_exit(SEPTA_EXIT_SYS);
	}
	f = fopen(pidf, "we");
	if (!f || fprintf(f, "%d\n", (int)pid) < 0 || fclose(f) != 0)
		err(SEPTA_EXIT_SYS, "write %s", pidf);
	/* s6-svwait needs the supervisor's status file, which appears once
	 * s6-svscan has started s6-supervise. */
	path_in(status, sizeof(status), "service/vmm/supervise/status");
	deadline = now_ms() + UP_TIMEOUT_MS;
	while (access(status, F_OK) != 0 && now_ms() < deadline)
		sleep_ms(20);
	r = proc_run(wait);
	if (r != 0) {
		kill(-pid, SIGKILL);
		waitpid(pid, NULL, 0);
		errx(r == 1 || r == 99 ? SEPTA_EXIT_TIMEOUT : SEPTA_EXIT_SYS,
		     "%s: the vmm service did not come up (see %s)", dir, log);
	}
	print_env();
	return 0;
}

static int remove_entry(const char *path, const struct stat *st, int type,
			struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (type == FTW_DP)
		return rmdir(path);
	return unlink(path);
}

static bool alive(pid_t pgrp)
{
	return kill(-pgrp, 0) == 0 || errno != ESRCH;
}

static int down(void)
{
	char svc[PATH_MAX], pidf[PATH_MAX], netns[PATH_MAX], run[PATH_MAX];
	char why[CGROUP_ERR_MAX];
	const char *term[] = {"s6-svscanctl", "-t", svc, NULL};
	pid_t pid = read_pid();
	int64_t deadline;
	struct stat st;
	int rc = 0;

	path_in(svc, sizeof(svc), "service");
	path_in(pidf, sizeof(pidf), "svscan.pid");
	if (stat(svc, &st) < 0 || pid < 0)
		errx(SEPTA_EXIT_BADDEF, "%s: not a septa-tree directory", dir);
	/* s6-svscan brings every service down (each VMM gets SIGTERM) and
	 * exits; whatever is left of the process group after the grace
	 * period is killed. */
	if (kill(pid, 0) == 0) {
		proc_run(term);
		deadline = now_ms() + DOWN_TIMEOUT_MS;
		while (alive(pid) && now_ms() < deadline)
			sleep_ms(50);
		if (alive(pid)) {
			warnx("%s: tree still running after %d s, killing", dir,
			      DOWN_TIMEOUT_MS / 1000);
			kill(-pid, SIGKILL);
			sleep_ms(200);
		}
	}
	/* The links namespace (link.h) goes with its last reference: every
	 * link interface left in it goes too. */
	path_in(netns, sizeof(netns), "run/.netns");
	if (umount2(netns, MNT_DETACH) < 0 && errno != EINVAL &&
	    errno != ENOENT)
		err(SEPTA_EXIT_SYS, "umount %s", netns);
	/* Every VMM is gone: so are the VMs' cgroups (cgroup.h). */
	path_in(run, sizeof(run), "run");
	if (cgroup_remove_all(run, why, sizeof(why)) < 0) {
		warnx("%s: cgroup: %s", dir, why);
		rc = SEPTA_EXIT_SYS;
	}
	if (nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS) < 0)
		err(SEPTA_EXIT_SYS, "remove %s", dir);
	return rc;
}

int main(int argc, char **argv)
{
	const char *cmd;

	if (argc == 2 && strcmp(argv[1], "-h") == 0) {
		fputs(usage, stdout);
		return 0;
	}
	if (argc != 3) {
		fputs(usage, stderr);
		return SEPTA_EXIT_USAGE;
	}
	cmd = argv[1];
	if (argv[2][0] != '/') {
		char cwd[PATH_MAX];

		if (!getcwd(cwd, sizeof(cwd)))
			err(SEPTA_EXIT_SYS, "getcwd");
		if (fmt(dir, sizeof(dir), "%s/%s", cwd, argv[2]) < 0)
			errx(SEPTA_EXIT_USAGE, "%s: path too long", argv[2]);
	} else if (fmt(dir, sizeof(dir), "%s", argv[2]) < 0) {
		errx(SEPTA_EXIT_USAGE, "%s: path too long", argv[2]);
	}
	if (strcmp(cmd, "up") == 0)
		return up();
	if (strcmp(cmd, "down") == 0)
		return down();
	if (strcmp(cmd, "env") == 0) {
		print_env();
		return 0;
	}
	fputs(usage, stderr);
	return SEPTA_EXIT_USAGE;
}
