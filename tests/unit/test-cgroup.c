/* SPDX-License-Identifier: MIT */
/* cgroup.c on both layouts: a cgroup2 mount with the controllers, and
 * cgroup v1 hierarchies. This host has only v1 controllers (the real
 * thing is tested in tests/integration/limits.sh), so here each layout
 * is laid out in a scratch directory, named by a mountinfo file of its
 * own, with the control files a kernel would show; the test checks what
 * cgroup_enter writes into them. */
#include "cgroup.h"
#include "check.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char top[] = "/tmp/septa-cgroup-XXXXXX";

static void put(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (!f) {
		perror(path);
		exit(1);
	}
	fputs(text, f);
	fclose(f);
}

/* Is the file's content text (one trailing newline allowed)? */
static bool holds(const char *dir, const char *file, const char *text)
{
	char path[PATH_MAX], buf[256];

	if (fmt(path, sizeof(path), "%s/%s", dir, file) < 0 ||
	    read_line_file(AT_FDCWD, path, buf, sizeof(buf)) < 0)
		return false;
	return strcmp(buf, text) == 0;
}

static bool empty(const char *dir, const char *file)
{
	char path[PATH_MAX];
	struct stat st;

	return fmt(path, sizeof(path), "%s/%s", dir, file) == 0 &&
	       stat(path, &st) == 0 && st.st_size == 0;
}

/* A cgroup directory as the kernel shows it: its control files exist. */
static void make_cgroup(const char *dir, const char *const *files)
{
	char path[PATH_MAX];

	mkdir(dir, 0755);
	for (; *files; files++) {
		(void)fmt(path, sizeof(path), "%s/%s", dir, *files);
		put(path, "");
	}
}

static const char *const v2_files[] = {"cgroup.procs", "cgroup.subtree_control",
				       "memory.max",   "pids.max",
				       "cpu.weight",   NULL};

static void test_v2(const char *run)
{
	char mnt[PATH_MAX], mi[PATH_MAX], septa[PATH_MAX], rt[PATH_MAX],
	    vm[PATH_MAX], line[PATH_MAX * 2], pid[32], why[CGROUP_ERR_MAX];
	struct cgroup_limits l = {
	    .mem_mib = 768, .cpu_weight = 50, .pids_max = 64};

	(void)fmt(mnt, sizeof(mnt), "%s/v2", top);
	(void)fmt(mi, sizeof(mi), "%s/mountinfo-v2", top);
	make_cgroup(mnt, v2_files);
	put(strcat(strcpy(line, mnt), "/cgroup.controllers"),
	    "cpuset cpu io memory hugetlb pids rdma misc\n");
	/* A v1 hierarchy too, which a usable cgroup2 mount wins over. */
	(void)fmt(line, sizeof(line),
		  "25 30 0:22 / %s/none rw - cgroup cgroup rw,memory\n"
		  "26 30 0:23 / %s rw,nosuid - cgroup2 cgroup2 rw\n",
		  top, mnt);
	put(mi, line);
	cgroup_use_mountinfo(mi);

	CHECK("v2-dir", cgroup_dir(vm, sizeof(vm), run, "web", "memory") == 0 &&
			    strncmp(vm, mnt, strlen(mnt)) == 0 &&
			    strstr(vm, "/septa/run-") && strstr(vm, "/web"));
	CHECK("v2-same-dir-every-controller",
	      cgroup_dir(rt, sizeof(rt), run, "web", "cpu") == 0 &&
		  strcmp(rt, vm) == 0);
	(void)fmt(septa, sizeof(septa), "%s/septa", mnt);
	cgroup_dir(rt, sizeof(rt), run, NULL, "pids");
	make_cgroup(septa, v2_files);
	make_cgroup(rt, v2_files);
	make_cgroup(vm, v2_files);
	CHECK("v2-enter", cgroup_enter(run, "web", &l, why, sizeof(why)) == 0);
	CHECK("v2-memory-max", holds(vm, "memory.max", "805306368"));
	CHECK("v2-pids-max", holds(vm, "pids.max", "64"));
	CHECK("v2-cpu-weight", holds(vm, "cpu.weight", "50"));
	snprintf(pid, sizeof(pid), "%ld", (long)getpid());
	CHECK("v2-joined", holds(vm, "cgroup.procs", pid));
	CHECK("v2-root-enables",
	      holds(mnt, "cgroup.subtree_control", "+memory +pids +cpu"));
	CHECK("v2-septa-enables",
	      holds(septa, "cgroup.subtree_control", "+memory +pids +cpu"));
	CHECK("v2-runtime-enables",
	      holds(rt, "cgroup.subtree_control", "+memory +pids +cpu"));
	CHECK("v2-septa-weight", holds(septa, "cpu.weight", "1600"));
	CHECK("v2-runtime-weight", holds(rt, "cpu.weight", "1600"));
	CHECK("v2-only-septa-joined",
	      empty(septa, "cgroup.procs") && empty(rt, "cgroup.procs"));

	/* Without the pids controller the cgroup2 mount is not usable,
	 * and there is no full v1 set either. */
	put(strcat(strcpy(line, mnt), "/cgroup.controllers"),
	    "cpuset cpu io memory\n");
	CHECK("v2-missing-controller-refused",
	      cgroup_enter(run, "web", &l, why, sizeof(why)) == -1 &&
		  strcmp(why, "no cgroup hierarchy with the memory, pids and "
			      "cpu controllers") == 0);
	errno = 0;
	CHECK("v2-missing-controller-no-dir",
	      cgroup_dir(vm, sizeof(vm), run, "web", "memory") == -1 &&
		  errno == ENOENT);
}

static void test_v1(const char *run)
{
	static const char *const names[] = {"memory", "pids", "cpu"};
	static const char *const files[3][3] = {
	    {"cgroup.procs", "memory.limit_in_bytes", NULL},
	    {"cgroup.procs", "pids.max", NULL},
	    {"cgroup.procs", "cpu.shares", NULL}};
	char mi[PATH_MAX], line[PATH_MAX * 4], dir[3][PATH_MAX], p[PATH_MAX],
	    pid[32], why[CGROUP_ERR_MAX];
	struct cgroup_limits l = {
	    .mem_mib = 1536, .cpu_weight = 100, .pids_max = 256};
	size_t i;

	(void)fmt(mi, sizeof(mi), "%s/mountinfo-v1", top);
	/* cpu shares its hierarchy with cpuacct, as on many hosts; a
	 * cgroup2 mount without controllers is there and not used. */
	(void)fmt(line, sizeof(line),
		  "30 25 0:26 / %s/v1-memory rw - cgroup cgroup rw,memory\n"
		  "31 25 0:27 / %s/v1-pids rw - cgroup cgroup rw,pids\n"
		  "32 25 0:28 / %s/v1-cpu rw - cgroup cgroup rw,cpu,cpuacct\n"
		  "33 25 0:29 / %s/v1-unified rw - cgroup2 cgroup2 rw\n",
		  top, top, top, top);
	put(mi, line);
	(void)fmt(p, sizeof(p), "%s/v1-unified", top);
	mkdir(p, 0755);
	(void)fmt(line, sizeof(line), "%s/cgroup.controllers", p);
	put(line, "\n");
	cgroup_use_mountinfo(mi);
	for (i = 0; i < 3; i++) {
		char rt[PATH_MAX];

		(void)fmt(p, sizeof(p), "%s/v1-%s", top, names[i]);
		mkdir(p, 0755);
		strcat(p, "/septa");
		make_cgroup(p, files[i]);
		cgroup_dir(rt, sizeof(rt), run, NULL, names[i]);
		make_cgroup(rt, files[i]);
		cgroup_dir(dir[i], sizeof(dir[i]), run, "web", names[i]);
		make_cgroup(dir[i], files[i]);
	}
	CHECK("v1-dir-per-hierarchy",
	      strstr(dir[0], "/v1-memory/septa/run-") &&
		  strstr(dir[1], "/v1-pids/septa/run-") &&
		  strstr(dir[2], "/v1-cpu/septa/run-"));
	CHECK("v1-enter", cgroup_enter(run, "web", &l, why, sizeof(why)) == 0);
	CHECK("v1-memory-limit",
	      holds(dir[0], "memory.limit_in_bytes", "1610612736"));
	CHECK("v1-pids-max", holds(dir[1], "pids.max", "256"));
	CHECK("v1-cpu-shares", holds(dir[2], "cpu.shares", "1024"));
	snprintf(pid, sizeof(pid), "%ld", (long)getpid());
	CHECK("v1-joined-every-hierarchy",
	      holds(dir[0], "cgroup.procs", pid) &&
		  holds(dir[1], "cgroup.procs", pid) &&
		  holds(dir[2], "cgroup.procs", pid));
	(void)fmt(p, sizeof(p), "%s/v1-cpu/septa", top);
	CHECK("v1-septa-shares", holds(p, "cpu.shares", "16384"));
	l.cpu_weight = 1;
	if (cgroup_enter(run, "web", &l, why, sizeof(why)) < 0)
		printf("# %s\n", why);
	CHECK("v1-weight-1-is-10-shares", holds(dir[2], "cpu.shares", "10"));
	/* A limit the kernel refuses (here: no such file) is named. */
	(void)fmt(p, sizeof(p), "%s/pids.max", dir[1]);
	unlink(p);
	CHECK("v1-refused-limit-named",
	      cgroup_enter(run, "web", &l, why, sizeof(why)) == -1 &&
		  strstr(why, "set pids.max in ") && strstr(why, dir[1]));
}

static int remove_entry(const char *path, const struct stat *st, int type,
			struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	return type == FTW_DP ? rmdir(path) : unlink(path);
}

int main(void)
{
	char run[PATH_MAX];

	if (!mkdtemp(top)) {
		perror("mkdtemp");
		return 1;
	}
	(void)fmt(run, sizeof(run), "%s/run", top);
	mkdir(run, 0700);
	test_v2(run);
	test_v1(run);
	cgroup_use_mountinfo(NULL);
	if (nftw(top, remove_entry, 16, FTW_DEPTH | FTW_PHYS) < 0)
		perror(top);
	return check_done();
}
