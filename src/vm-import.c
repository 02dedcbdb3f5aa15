/* SPDX-License-Identifier: MIT */
/* vm-import: check VM definitions and register each as an instance of the
 * supervised vmm service. All definitions are checked before anything is
 * registered; one invalid definition means nothing is imported. */
#include "cli.h"
#include "proc.h"
#include "util.h"
#include "vm.h"
#include "vmdef.h"

#include <dirent.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define VMM_TIMEOUT_MS 30000

static const char usage[] =
    "usage: vm-import [-n] DIR\n"
    "Import the VM definitions in DIR (each subdirectory is one VM; DIR\n"
    "itself when it holds a vmlinux) into the vmm service SEPTA_SERVICE,\n"
    "and those with a wayland file also into the wayland service beside\n"
    "it. Returns once every imported VM is STOPPED.\n"
    "  -n  only check the definitions; change nothing\n"
    "Environment: SEPTA_RUN, SEPTA_SERVICE, SEPTA_GROUP (a group whose\n"
    "members may use the VMs' sockets besides root).\n"
    "Exit codes: 0 imported, 1 an invalid definition (nothing imported),\n"
    "4 a VMM did not come up in time, 100 usage, 111 system error.\n";

/* SEPTA_GROUP's gid, or (gid_t)-1: who besides root may use the VMs. */
static gid_t group = (gid_t)-1;

struct entry {
	char name[NAME_MAX + 1]; /* as found: vmdef_load checks it */
	char path[PATH_MAX];
	bool valid;
	bool present; /* already imported from the same path */
	bool done;    /* imported by this run */
	struct vmdef def;
};

static struct entry set[VM_MAX];
static int nset;

static struct entry *find(const char *name)
{
	int i;

	for (i = 0; i < nset; i++)
		if (strcmp(set[i].name, name) == 0)
			return &set[i];
	return NULL;
}

/* Providers of a VM in the set being imported, or of one imported before. */
static int providers(void *ctx, const char *name, char out[][VM_NAME_MAX + 1],
		     char *errbuf, size_t errsz)
{
	struct entry *e = find(name);
	int i;

	(void)ctx;
	if (!e)
		return vm_imported_providers(NULL, name, out, errbuf, errsz);
	for (i = 0; i < e->def.nprov; i++)
		memcpy(out[i], e->def.providers[i], sizeof(out[i]));
	return e->def.nprov;
}

static void add(const char *path, const char *name)
{
	struct entry *e;

	if (nset == VM_MAX)
		errx(SEPTA_EXIT_BADDEF, "more than %d VM definitions", VM_MAX);
	e = &set[nset++];
	if (fmt(e->name, sizeof(e->name), "%s", name) < 0)
		errx(SEPTA_EXIT_BADDEF, "%s: name too long", path);
	snprintf(e->path, sizeof(e->path), "%s", path);
}

static void load(struct entry *e)
{
	char errbuf[VMDEF_ERR_MAX], real[PATH_MAX];

	if (vmdef_load(&e->def, e->path, e->name, errbuf, sizeof(errbuf)) < 0) {
		warnx("%s: %s", e->name, errbuf);
		return;
	}
	vmdef_close(&e->def); /* only the checked values are needed now */
	if (!realpath(e->path, real)) {
		warnx("%s: definition: %s", e->name, strerror(errno));
		return;
	}
	memcpy(e->path, real, sizeof(real));
	e->valid = true;
}

static void collect(const char *dir)
{
	struct stat st;
	struct dirent *d;
	DIR *dp;
	char path[PATH_MAX], base[PATH_MAX];

	if (fmt(path, sizeof(path), "%s/vmlinux", dir) < 0)
		errx(SEPTA_EXIT_USAGE, "%s: path too long", dir);
	if (lstat(path, &st) == 0) {
		const char *slash;

		if (!realpath(dir, base))
			err(SEPTA_EXIT_BADDEF, "%s", dir);
		slash = strrchr(base, '/');
		add(dir, slash ? slash + 1 : base);
		return;
	}
	dp = opendir(dir);
	if (!dp)
		err(SEPTA_EXIT_BADDEF, "%s", dir);
	while ((d = readdir(dp))) {
		if (strcmp(d->d_name, ".") == 0 || strcmp(d->d_name, "..") == 0)
			continue;
		if (fmt(path, sizeof(path), "%s/%s", dir, d->d_name) < 0)
			errx(SEPTA_EXIT_BADDEF, "%s/%s: path too long", dir,
			     d->d_name);
		/* Only directories are definitions; stat follows links. */
		if (stat(path, &st) == 0 && !S_ISDIR(st.st_mode))
			continue;
		add(path, d->d_name);
	}
	closedir(dp);
}

static int cmp_entries(const void *a, const void *b)
{
	return strcmp(((const struct entry *)a)->name,
		      ((const struct entry *)b)->name);
}

/* A provider must be able to take links while it runs: a q35 VM. One
 * whose definition cannot be read is reported on its own. */
static bool provider_machine_ok(const char *p)
{
	static struct vmdef d;
	char errbuf[VMDEF_ERR_MAX];
	struct entry *e = find(p);
	bool ok;

	if (e)
		return !e->valid || e->def.machine == VM_MACHINE_Q35;
	if (vm_load(&d, p, errbuf, sizeof(errbuf)) < 0)
		return true;
	ok = d.machine == VM_MACHINE_Q35;
	vmdef_close(&d);
	return ok;
}

/* Cross-checks: providers exist, no cycles, no clash with a VM imported
 * from elsewhere. Returns the number of problems. */
static int check_set(void)
{
	static char order[VM_MAX][VM_NAME_MAX + 1];
	char link[PATH_MAX], target[PATH_MAX], errbuf[VMDEF_ERR_MAX];
	int i, j, bad = 0;

	for (i = 0; i < nset; i++) {
		struct entry *e = &set[i];

		if (!e->valid) {
			bad++;
			continue;
		}
		if (vm_imported(e->name)) {
			ssize_t n;

			if (vm_path(link, sizeof(link), e->name, "config") < 0)
				err(SEPTA_EXIT_SYS, "%s: config path", e->name);
			n = readlink(link, target, sizeof(target) - 1);
			target[n < 0 ? 0 : n] = '\0';
			if (strcmp(target, e->path) != 0) {
				warnx("%s: already imported from %s", e->name,
				      target);
				bad++;
				continue;
			}
			e->present = true;
		}
		for (j = 0; j < e->def.nprov; j++) {
			const char *p = e->def.providers[j];

			if (!find(p) && !vm_imported(p)) {
				warnx("%s: providers/net/%s: no such VM",
				      e->name, p);
				bad++;
				goto next;
			}
			if (!provider_machine_ok(p)) {
				warnx(
				    "%s: providers/net/%s: %s is not a q35 VM "
				    "(a provider takes its clients' links by "
				    "PCIe hot-plug)",
				    e->name, p, p);
				bad++;
				goto next;
			}
		}
		if (vm_start_order(e->name, providers, NULL, order, VM_MAX,
				   errbuf, sizeof(errbuf)) < 0) {
			warnx("%s: %s", e->name, errbuf);
			bad++;
		}
	next:;
	}
	return bad;
}

static void undo(const char *name)
{
	char path[PATH_MAX];

	if (vm_path(path, sizeof(path), name, "config") == 0)
		unlink(path);
	if (vm_path(path, sizeof(path), name, NULL) == 0)
		rmdir(path);
}

/* A VM that shows windows gets an instance of the wayland service too
 * (vm-wayland), once: it serves every session of the VM from then on. */
static int import_wayland(const struct entry *e)
{
	const char *svc = septa_wayland_service_dir();
	char inst[PATH_MAX];
	const char *create[] = {
	    "s6-instance-create", "-t", "30000", svc, e->name, NULL};
	int r;

	if (!svc ||
	    fmt(inst, sizeof(inst), "%s/instances/%s", svc, e->name) < 0)
		errx(SEPTA_EXIT_SYS, "%s: wayland service path too long",
		     e->name);
	if (access(inst, F_OK) == 0)
		return 0;
	r = proc_run(create);
	if (r != 0) {
		if (r < 0)
			warn("%s: run s6-instance-create", e->name);
		else
			warnx("%s: s6-instance-create %s %s failed (exit %d)",
			      e->name, svc, e->name, r);
		return SEPTA_EXIT_SYS;
	}
	return 0;
}

static int import(struct entry *e)
{
	static struct qmp q;
	char dir[PATH_MAX], link[PATH_MAX];
	const char *create[] = {"s6-instance-create", "-t",    "30000",
				septa_service_dir(),  e->name, NULL};
	int r;

	if (!e->present) {
		if (mkdir(septa_run_root(), 0700) < 0 && errno != EEXIST)
			err(SEPTA_EXIT_SYS, "mkdir %s", septa_run_root());
		if (septa_restrict(septa_run_root(), -1, group, true, false) <
		    0)
			err(SEPTA_EXIT_SYS, "chown or chmod %s",
			    septa_run_root());
		if (vm_path(dir, sizeof(dir), e->name, NULL) < 0 ||
		    vm_path(link, sizeof(link), e->name, "config") < 0)
			err(SEPTA_EXIT_SYS, "%s: runtime path", e->name);
		if (mkdir(dir, 0700) < 0 && errno != EEXIST)
			err(SEPTA_EXIT_SYS, "%s: mkdir %s", e->name, dir);
		if (septa_restrict(dir, -1, group, true, false) < 0) {
			warn("%s: chown or chmod %s", e->name, dir);
			undo(e->name);
			return SEPTA_EXIT_SYS;
		}
		if (symlink(e->path, link) < 0) {
			warn("%s: symlink %s", e->name, link);
			undo(e->name);
			return SEPTA_EXIT_SYS;
		}
		r = proc_run(create);
		if (r != 0) {
			if (r < 0)
				warn("%s: run s6-instance-create", e->name);
			else
				warnx("%s: s6-instance-create %s %s failed "
				      "(exit %d)",
				      e->name, septa_service_dir(), e->name, r);
			undo(e->name);
			return SEPTA_EXIT_SYS;
		}
	}
	if (vm_wait_vmm(&q, e->name, VMM_TIMEOUT_MS) < 0) {
		warnx("%s: no VMM answered within %d s", e->name,
		      VMM_TIMEOUT_MS / 1000);
		return SEPTA_EXIT_TIMEOUT;
	}
	qmp_close(&q);
	return e->def.wayland ? import_wayland(e) : 0;
}

int main(int argc, char **argv)
{
	bool check = false;
	int c, i, rc = 0;

	while ((c = getopt(argc, argv, "nh")) != -1) {
		switch (c) {
		case 'n':
			check = true;
			break;
		case 'h':
			cli_usage(usage, 0);
		default:
			cli_usage(usage, SEPTA_EXIT_USAGE);
		}
	}
	if (argc - optind != 1)
		cli_usage(usage, SEPTA_EXIT_USAGE);
	if (septa_group(&group) < 0)
		errx(SEPTA_EXIT_USAGE, "SEPTA_GROUP=%s: no such group",
		     getenv("SEPTA_GROUP"));
	collect(argv[optind]);
	qsort(set, (size_t)nset, sizeof(set[0]), cmp_entries);
	for (i = 0; i < nset; i++)
		load(&set[i]);
	if (check_set() > 0)
		return SEPTA_EXIT_BADDEF;
	if (check)
		return 0;
	/* Providers first: start-vmm refuses a VM whose providers are not
	 * imported yet. */
	for (i = 0; i < nset; i++) {
		static char order[VM_MAX][VM_NAME_MAX + 1];
		char errbuf[VMDEF_ERR_MAX];
		int j, n;

		n = vm_start_order(set[i].name, providers, NULL, order, VM_MAX,
				   errbuf, sizeof(errbuf));
		if (n < 0)
			errx(SEPTA_EXIT_BADDEF, "%s: %s", set[i].name, errbuf);
		for (j = 0; j < n; j++) {
			struct entry *e = find(order[j]);
			int r;

			if (!e || e->done)
				continue;
			e->done = true;
			r = import(e);
			if (r > rc)
				rc = r;
		}
	}
	return rc;
}
