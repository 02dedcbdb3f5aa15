/* SPDX-License-Identifier: MIT */
#include "cgroup.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* How long cgroup_remove waits for a dead VMM's cgroup to empty: the
 * kernel takes a task out of it a moment after the task is reaped. */
#define REMOVE_WAIT_MS 2000

static const char *const controllers[] = {"memory", "pids", "cpu"};
#define NCONTROLLERS (sizeof(controllers) / sizeof(controllers[0]))

static const char *mountinfo = "/proc/self/mountinfo";

void cgroup_use_mountinfo(const char *path)
{
	mountinfo = path ? path : "/proc/self/mountinfo";
}

/* Where each controller lives: with v2 all three share one mount. */
struct hier {
	bool v2;
	char mnt[NCONTROLLERS][PATH_MAX];
};

static int fail(char *why, size_t whysz, const char *what, const char *obj)
{
	int e = errno;

	snprintf(why, whysz, "%s%s%s: %s", what, obj ? " " : "", obj ? obj : "",
		 strerror(e));
	errno = e;
	return -1;
}

static bool has_word(const char *list, const char *word, char sep)
{
	size_t n = strlen(word);
	const char *p = list;

	while ((p = strstr(p, word))) {
		if ((p == list || p[-1] == sep) &&
		    (p[n] == sep || p[n] == '\0'))
			return true;
		p += n;
	}
	return false;
}

/* Does the cgroup2 root at mnt offer all three controllers? */
static bool v2_usable(const char *mnt)
{
	char path[PATH_MAX], list[512];
	size_t i;

	if (fmt(path, sizeof(path), "%s/cgroup.controllers", mnt) < 0 ||
	    read_line_file(AT_FDCWD, path, list, sizeof(list)) < 0)
		return false;
	for (i = 0; i < NCONTROLLERS; i++)
		if (!has_word(list, controllers[i], ' '))
			return false;
	return true;
}

/* Find the hierarchies from /proc/self/mountinfo: a usable cgroup2 mount
 * if there is one, else a cgroup v1 mount for each controller. */
static int find_hier(struct hier *h)
{
	char line[4096], v1[NCONTROLLERS][PATH_MAX] = {{0}};
	bool found2 = false;
	FILE *f = fopen(mountinfo, "re");
	size_t i;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char *fields[12], *sep, *mnt, *type, *opts, *save = NULL, *p;
		int n = 0;

		sep = strstr(line, " - ");
		if (!sep)
			continue;
		*sep = '\0';
		for (p = strtok_r(line, " ", &save); p && n < 12;
		     p = strtok_r(NULL, " ", &save))
			fields[n++] = p;
		if (n < 5)
			continue;
		mnt = fields[4];
		/* Escaped characters (\040 for a space): not ours to use. */
		if (strchr(mnt, '\\'))
			continue;
		save = NULL;
		type = strtok_r(sep + 3, " ", &save);
		(void)strtok_r(NULL, " ", &save); /* source */
		opts = strtok_r(NULL, " \n", &save);
		if (!type || !opts)
			continue;
		if (strcmp(type, "cgroup2") == 0 && !found2 && v2_usable(mnt)) {
			found2 = true;
			for (i = 0; i < NCONTROLLERS; i++)
				snprintf(h->mnt[i], sizeof(h->mnt[i]), "%s",
					 mnt);
		} else if (strcmp(type, "cgroup") == 0) {
			for (i = 0; i < NCONTROLLERS; i++)
				if (!v1[i][0] &&
				    has_word(opts, controllers[i], ','))
					snprintf(v1[i], sizeof(v1[i]), "%s",
						 mnt);
		}
	}
	fclose(f);
	h->v2 = found2;
	if (found2)
		return 0;
	for (i = 0; i < NCONTROLLERS; i++) {
		if (!v1[i][0]) {
			errno = ENOENT;
			return -1;
		}
		memcpy(h->mnt[i], v1[i], sizeof(h->mnt[i]));
	}
	return 0;
}

/* The runtime root's directory name: "run-" and FNV-1a 64 of its real
 * path, so that /run/vm and /run/vm/ are one runtime root. */
static int runtime_name(char *buf, size_t size, const char *run)
{
	char real[PATH_MAX];
	uint64_t hash = 14695981039346656037ull;
	const char *p;

	/* A runtime root already removed is named by the path given. */
	if (!realpath(run, real) &&
	    (errno != ENOENT || fmt(real, sizeof(real), "%s", run) < 0))
		return -1;
	for (p = real; *p; p++) {
		hash ^= (unsigned char)*p;
		hash *= 1099511628211ull;
	}
	return fmt(buf, size, "run-%016llx", (unsigned long long)hash);
}

static int controller_index(const char *c)
{
	size_t i;

	for (i = 0; i < NCONTROLLERS; i++)
		if (strcmp(controllers[i], c) == 0)
			return (int)i;
	return -1;
}

int cgroup_dir(char *buf, size_t size, const char *run, const char *name,
	       const char *controller)
{
	struct hier h;
	char rt[32];
	int i = controller_index(controller);

	if (i < 0) {
		errno = EINVAL;
		return -1;
	}
	if (find_hier(&h) < 0 || runtime_name(rt, sizeof(rt), run) < 0)
		return -1;
	if (!name)
		return fmt(buf, size, "%s/septa/%s", h.mnt[i], rt);
	return fmt(buf, size, "%s/septa/%s/%s", h.mnt[i], rt, name);
}

static int write_file(const char *dir, const char *file, const char *value)
{
	char path[PATH_MAX];
	size_t len = strlen(value);
	ssize_t n;
	int fd, e;

	if (fmt(path, sizeof(path), "%s/%s", dir, file) < 0)
		return -1;
	/* O_TRUNC as a shell's > would: cgroupfs ignores it. */
	fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = write(fd, value, len);
	e = errno;
	close(fd);
	if (n != (ssize_t)len) {
		errno = n < 0 ? e : EIO;
		return -1;
	}
	return 0;
}

static int make_dir(const char *path)
{
	if (mkdir(path, 0755) < 0 && errno != EEXIST)
		return -1;
	return 0;
}

/* The CPU weight of septa/ and of each runtime root's cgroup: that of 16
 * default VMs. Every VMM competes for CPU inside them, and they compete
 * with the host's own processes (in v1, each of the root cgroup's tasks
 * is an entity of weight 1024 of its own); at the default weight all the
 * VMs together would count as one host process, and a busy host would
 * starve them. */
#define GROUP_CPU_WEIGHT (16 * 100)

static int set_group_weight(const char *dir, bool v2)
{
	char val[32];

	snprintf(val, sizeof(val), "%d",
		 v2 ? GROUP_CPU_WEIGHT : GROUP_CPU_WEIGHT * 1024 / 100);
	return write_file(dir, v2 ? "cpu.weight" : "cpu.shares", val);
}

/* v2: the controllers must be enabled in every ancestor's
 * subtree_control for the leaf to have their files. */
static int v2_enable(const char *dir, char *why, size_t whysz)
{
	if (write_file(dir, "cgroup.subtree_control", "+memory +pids +cpu") < 0)
		return fail(why, whysz, "enable controllers in", dir);
	return 0;
}

int cgroup_enter(const char *run, const char *name,
		 const struct cgroup_limits *l, char *why, size_t whysz)
{
	char top[PATH_MAX], rtdir[PATH_MAX], dir[PATH_MAX], rt[32], val[32];
	struct hier h;
	size_t i;

	if (find_hier(&h) < 0) {
		snprintf(why, whysz,
			 "no cgroup hierarchy with the memory, pids and cpu "
			 "controllers");
		return -1;
	}
	if (runtime_name(rt, sizeof(rt), run) < 0)
		return fail(why, whysz, "resolve", run);
	for (i = 0; i < NCONTROLLERS; i++) {
		if (h.v2 && i > 0)
			break;
		if (fmt(top, sizeof(top), "%s/septa", h.mnt[i]) < 0 ||
		    fmt(rtdir, sizeof(rtdir), "%s/%s", top, rt) < 0 ||
		    fmt(dir, sizeof(dir), "%s/%s", rtdir, name) < 0)
			return fail(why, whysz, "cgroup path for", name);
		if (h.v2 && v2_enable(h.mnt[0], why, whysz) < 0)
			return -1;
		if (make_dir(top) < 0)
			return fail(why, whysz, "mkdir", top);
		if (h.v2 && v2_enable(top, why, whysz) < 0)
			return -1;
		if (make_dir(rtdir) < 0)
			return fail(why, whysz, "mkdir", rtdir);
		if ((h.v2 || i == 2) && (set_group_weight(top, h.v2) < 0 ||
					 set_group_weight(rtdir, h.v2) < 0))
			return fail(why, whysz, "set the CPU weight of", rtdir);
		if (h.v2 && v2_enable(rtdir, why, whysz) < 0)
			return -1;
		if (make_dir(dir) < 0)
			return fail(why, whysz, "mkdir", dir);
		if (h.v2 || i == 0) {
			snprintf(val, sizeof(val), "%llu",
				 (unsigned long long)l->mem_mib << 20);
			if (write_file(dir,
				       h.v2 ? "memory.max"
					    : "memory.limit_in_bytes",
				       val) < 0)
				return fail(why, whysz, "set the memory cap in",
					    dir);
		}
		if (h.v2 || i == 1) {
			snprintf(val, sizeof(val), "%lu", l->pids_max);
			if (write_file(dir, "pids.max", val) < 0)
				return fail(why, whysz, "set pids.max in", dir);
		}
		if (h.v2 || i == 2) {
			/* v1 shares are 2 .. 262144 with 1024 even: weight
			 * 1 .. 10000 gives 10 .. 102400. */
			snprintf(val, sizeof(val), "%lu",
				 h.v2 ? l->cpu_weight
				      : l->cpu_weight * 1024 / 100);
			if (write_file(dir, h.v2 ? "cpu.weight" : "cpu.shares",
				       val) < 0)
				return fail(why, whysz, "set the CPU weight in",
					    dir);
		}
	}
	/* Joined last, once every limit is in place: a failure before
	 * leaves no task in a cgroup, so the caller can remove them all. */
	snprintf(val, sizeof(val), "%ld", (long)getpid());
	for (i = 0; i < NCONTROLLERS; i++) {
		if (h.v2 && i > 0)
			break;
		if (fmt(dir, sizeof(dir), "%s/septa/%s/%s", h.mnt[i], rt,
			name) < 0 ||
		    write_file(dir, "cgroup.procs", val) < 0)
			return fail(why, whysz, "join", dir);
	}
	return 0;
}

/* rmdir that waits a little while the cgroup still holds a task that is
 * on its way out. */
static int remove_dir(const char *dir)
{
	int64_t deadline = now_ms() + REMOVE_WAIT_MS;

	while (rmdir(dir) < 0) {
		if (errno == ENOENT)
			return 0;
		if (errno != EBUSY || now_ms() >= deadline)
			return -1;
		sleep_ms(20);
	}
	return 0;
}

int cgroup_remove(const char *run, const char *name, char *why, size_t whysz)
{
	char dir[PATH_MAX];
	struct hier h;
	char rt[32];
	size_t i;
	int rc = 0;

	if (find_hier(&h) < 0)
		return 0; /* nothing was ever made */
	if (runtime_name(rt, sizeof(rt), run) < 0)
		return fail(why, whysz, "resolve", run);
	for (i = 0; i < NCONTROLLERS; i++) {
		if (h.v2 && i > 0)
			break;
		if (fmt(dir, sizeof(dir), "%s/septa/%s/%s", h.mnt[i], rt,
			name) < 0)
			return fail(why, whysz, "cgroup path for", name);
		if (remove_dir(dir) < 0 && rc == 0)
			rc = fail(why, whysz, "remove", dir);
	}
	return rc;
}

int cgroup_remove_all(const char *run, char *why, size_t whysz)
{
	char rtdir[PATH_MAX], dir[PATH_MAX];
	struct hier h;
	char rt[32];
	size_t i;
	int rc = 0;

	if (find_hier(&h) < 0)
		return 0;
	if (runtime_name(rt, sizeof(rt), run) < 0)
		return fail(why, whysz, "resolve", run);
	for (i = 0; i < NCONTROLLERS; i++) {
		struct dirent *e;
		DIR *d;

		if (h.v2 && i > 0)
			break;
		if (fmt(rtdir, sizeof(rtdir), "%s/septa/%s", h.mnt[i], rt) < 0)
			return fail(why, whysz, "cgroup path for", run);
		d = opendir(rtdir);
		if (!d) {
			if (errno != ENOENT && rc == 0)
				rc = fail(why, whysz, "open", rtdir);
			continue;
		}
		while ((e = readdir(d))) {
			if (e->d_type != DT_DIR || e->d_name[0] == '.')
				continue;
			if (fmt(dir, sizeof(dir), "%s/%s", rtdir, e->d_name) <
				0 ||
			    (remove_dir(dir) < 0 && rc == 0))
				rc = fail(why, whysz, "remove", dir);
		}
		closedir(d);
		if (remove_dir(rtdir) < 0 && rc == 0)
			rc = fail(why, whysz, "remove", rtdir);
	}
	return rc;
}
