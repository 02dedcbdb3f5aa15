/* SPDX-License-Identifier: MIT */
/* vm-start: let a VM run, after its network providers, recursively. */
#include "cli.h"
#include "util.h"
#include "vm.h"

#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A VMM that s6 is (re)starting needs a moment to answer; a cold QEMU
 * start is well under a second, so this is generous. */
#define VMM_TIMEOUT_MS 30000

static const char usage[] =
    "usage: vm-start [-v] NAME\n"
    "Start NAME's network providers (recursively), then let NAME run.\n"
    "  -v  say what is started\n"
    "Exit codes: 0 running, 1 invalid definition or provider cycle,\n"
    "2 no such VM, 4 a VMM did not answer in time, 100 usage,\n"
    "111 system error.\n";

/* A STOPPED VM's VMM has had its files open since it started: when the
 * definition changed since (a rebuilt image, a new config disk), it is
 * replaced by a fresh one before the VM runs, so that what runs is what
 * the definition says now. q stays connected to the VMM to let run. */
static void fresh_if_changed(struct qmp *q, const char *name, bool verbose)
{
	char errbuf[VMDEF_ERR_MAX];
	int r;

	r = vm_changed(name, errbuf, sizeof(errbuf));
	if (r < 0)
		errx(SEPTA_EXIT_BADDEF, "%s: %s", name, errbuf);
	if (r == 0)
		return;
	if (verbose)
		fprintf(stderr,
			"vm-start: %s: definition changed, starting a fresh "
			"VMM\n",
			name);
	qmp_execute(q, "quit", NULL, VMM_TIMEOUT_MS);
	if (qmp_wait_close(q, VMM_TIMEOUT_MS) < 0)
		errx(SEPTA_EXIT_TIMEOUT, "%s: VMM did not quit", name);
	qmp_close(q);
	if (vm_wait_vmm(q, name, VMM_TIMEOUT_MS) < 0)
		errx(SEPTA_EXIT_TIMEOUT, "%s: no fresh VMM within %d s", name,
		     VMM_TIMEOUT_MS / 1000);
}

int main(int argc, char **argv)
{
	static char order[VM_MAX][VM_NAME_MAX + 1];
	static struct qmp q;
	char errbuf[VMDEF_ERR_MAX], status[32];
	bool verbose = false;
	const char *name;
	int c, n, i;

	while ((c = getopt(argc, argv, "vh")) != -1) {
		switch (c) {
		case 'v':
			verbose = true;
			break;
		case 'h':
			cli_usage(usage, 0);
		default:
			cli_usage(usage, SEPTA_EXIT_USAGE);
		}
	}
	name = cli_vm_operand(argc, argv, usage);
	n = vm_start_order(name, vm_imported_providers, NULL, order, VM_MAX,
			   errbuf, sizeof(errbuf));
	if (n < 0)
		errx(SEPTA_EXIT_BADDEF, "%s: %s", name, errbuf);

	for (i = 0; i < n; i++) {
		if (vm_wait_vmm(&q, order[i], VMM_TIMEOUT_MS) < 0)
			errx(SEPTA_EXIT_TIMEOUT,
			     "%s: no VMM answered within %d s", order[i],
			     VMM_TIMEOUT_MS / 1000);
		if (qmp_status(&q, status, sizeof(status), VMM_TIMEOUT_MS) < 0)
			err(SEPTA_EXIT_SYS, "%s: query-status", order[i]);
		if (strcmp(status, "running") != 0)
			fresh_if_changed(&q, order[i], verbose);
		if (strcmp(status, "running") != 0 &&
		    qmp_execute(&q, "cont", NULL, VMM_TIMEOUT_MS) < 0) {
			if (errno == EREMOTEIO)
				errx(SEPTA_EXIT_SYS, "%s: cont: %s", order[i],
				     q.error);
			err(SEPTA_EXIT_SYS, "%s: cont", order[i]);
		}
		qmp_close(&q);
		if (verbose)
			fprintf(stderr, "vm-start: %s: running\n", order[i]);
	}
	return 0;
}
