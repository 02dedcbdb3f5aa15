/* SPDX-License-Identifier: MIT */
/* vm.c's link addresses, in a runtime directory of our own: stable for a
 * VM and provider, unique among the imported VMs' links, never 0.0 or
 * 255.255, recorded where the next call finds them; and VMM numbers, by
 * the same rules. */
#include "check.h"
#include "vm.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char root[] = "/tmp/septa-test-vm.XXXXXX";

/* An imported VM, as far as vm.c can tell: a directory with a config
 * link. */
static void imported(const char *name)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", root, name);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/%s/config", root, name);
	if (symlink("/nonexistent", path) < 0 && errno != EEXIST)
		perror(path);
}

static void put(const char *name, const char *file, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s/%s", root, name, file);
	f = fopen(path, "w");
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

static bool recorded(const char *name, const char *provider, unsigned xy)
{
	char path[256], buf[32] = "", want[32];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s/link-%s", root, name, provider);
	f = fopen(path, "r");
	if (!f)
		return false;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = '\0';
	fclose(f);
	snprintf(want, sizeof(want), "%u.%u\n", xy >> 8, xy & 0xff);
	return strcmp(buf, want) == 0;
}

/* The VMM numbers from which their uids are made: the same rules. */
static void test_vmm_id(void)
{
	static unsigned seen[64];
	unsigned a = 0, a2 = 0, b = 0, forced = 0, v;
	bool distinct = true, valid = true;
	char name[32], path[256];
	int i, j;

	CHECK("vmm-id", vm_vmm_id("app", &a) == 0);
	CHECK("vmm-id-valid", a >= 1 && a <= VM_ID_MAX);
	snprintf(name, sizeof(name), "%u\n", a);
	CHECK("vmm-id-stable", vm_vmm_id("app", &a2) == 0 && a2 == a);
	CHECK("vmm-id-per-vm", vm_vmm_id("other", &b) == 0 && b != a);
	/* Taken by another VM: not handed out again. */
	put("taken", "vmm-id", name);
	snprintf(path, sizeof(path), "%s/app/vmm-id", root);
	unlink(path);
	CHECK("vmm-id-skips-taken",
	      vm_vmm_id("app", &forced) == 0 && forced != a);
	put("other", "vmm-id", "0\n");
	CHECK("vmm-id-zero-record-replaced",
	      vm_vmm_id("other", &v) == 0 && v >= 1 && v <= VM_ID_MAX);
	put("other", "vmm-id", "65536\n");
	CHECK("vmm-id-big-record-replaced",
	      vm_vmm_id("other", &v) == 0 && v >= 1 && v <= VM_ID_MAX);
	for (i = 0; i < 64; i++) {
		snprintf(name, sizeof(name), "vm%d", i);
		if (vm_vmm_id(name, &seen[i]) < 0 || seen[i] == 0 ||
		    seen[i] > VM_ID_MAX)
			valid = false;
		for (j = 0; j < i; j++)
			if (seen[j] == seen[i])
				distinct = false;
	}
	CHECK("vmm-id-64-valid", valid);
	CHECK("vmm-id-64-distinct", distinct);
	CHECK("vmm-id-no-such-runtime-dir",
	      vm_vmm_id("absent", &v) < 0 && errno == ENOENT);
}

int main(void)
{
	static unsigned seen[64];
	unsigned a = 0, a2 = 0, b = 0, c = 0, forced = 0, v;
	char name[32], path[256];
	bool distinct = true, valid = true;
	int i, j;

	if (!mkdtemp(root)) {
		perror("mkdtemp");
		return 99;
	}
	setenv("SEPTA_RUN", root, 1);
	imported("app");
	imported("other");
	imported("net");

	CHECK("link-addr", vm_link_addr("app", "net", &a) == 0);
	CHECK("link-addr-valid", a != 0 && a != 0xffff && a <= 0xffff);
	CHECK("link-addr-recorded", recorded("app", "net", a));
	CHECK("link-addr-stable",
	      vm_link_addr("app", "net", &a2) == 0 && a2 == a);
	CHECK("link-addr-per-provider",
	      vm_link_addr("app", "other", &b) == 0 && b != a);
	CHECK("link-addr-per-vm",
	      vm_link_addr("other", "net", &c) == 0 && c != a && c != b);

	/* A record another VM holds is not handed out again: take app's
	 * value away from it and give it to a new VM's record. */
	imported("taken");
	snprintf(name, sizeof(name), "%u.%u\n", a >> 8, a & 0xff);
	put("taken", "link-net", name);
	snprintf(path, sizeof(path), "%s/app/link-net", root);
	unlink(path);
	CHECK("link-addr-skips-taken",
	      vm_link_addr("app", "net", &forced) == 0 && forced != a &&
		  recorded("app", "net", forced));

	/* A damaged record is replaced. */
	put("other", "link-net", "256.1\n");
	CHECK("link-addr-bad-record-replaced",
	      vm_link_addr("other", "net", &v) == 0 && v != 0 &&
		  recorded("other", "net", v));
	put("other", "link-net", "0.0\n");
	CHECK("link-addr-reserved-record-replaced",
	      vm_link_addr("other", "net", &v) == 0 && v != 0 && v != 0xffff);

	/* Many VMs: all distinct. */
	for (i = 0; i < 64; i++) {
		snprintf(name, sizeof(name), "vm%d", i);
		imported(name);
		if (vm_link_addr(name, "net", &seen[i]) < 0 || seen[i] == 0 ||
		    seen[i] == 0xffff)
			valid = false;
		for (j = 0; j < i; j++)
			if (seen[j] == seen[i])
				distinct = false;
	}
	CHECK("link-addr-64-valid", valid);
	CHECK("link-addr-64-distinct", distinct);
	CHECK("link-addr-no-such-runtime-dir",
	      vm_link_addr("absent", "net", &v) < 0 && errno == ENOENT);

	test_vmm_id();

	snprintf(path, sizeof(path), "rm -rf '%s'", root);
	if (system(path) != 0)
		fprintf(stderr, "cannot remove %s\n", root);
	return check_done();
}
