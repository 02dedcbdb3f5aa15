/* SPDX-License-Identifier: MIT */
/* lsvm: list the imported VMs and their state. */
#include "cli.h"
#include "json.h"
#include "util.h"
#include "vm.h"

#include <err.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

/* lsvm must never hang on one stuck VMM. */
#define QUERY_TIMEOUT_MS 1000

static const char usage[] =
    "usage: lsvm [-j|--json] [-v|--verbose]\n"
    "List imported VMs: NAME and STATUS (RUNNING, STOPPED or UNKNOWN).\n"
    "  -j, --json     one JSON array, for scripts\n"
    "  -v, --verbose  also the accelerator and the VMM's own state\n"
    "Exit codes: 0 listed, 100 usage, 111 system error.\n";

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"json", no_argument, NULL, 'j'},
	    {"verbose", no_argument, NULL, 'v'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	static char names[VM_MAX][VM_NAME_MAX + 1];
	bool json = false, verbose = false;
	int c, n, i;

	while ((c = getopt_long(argc, argv, "jvh", longopts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 'v':
			verbose = true;
			break;
		case 'h':
			cli_usage(usage, 0);
		default:
			cli_usage(usage, SEPTA_EXIT_USAGE);
		}
	}
	if (optind != argc)
		cli_usage(usage, SEPTA_EXIT_USAGE);
	n = vm_list(names, VM_MAX);
	if (n < 0)
		err(SEPTA_EXIT_SYS, "%s", septa_run_root());

	if (json)
		putchar('[');
	else if (verbose)
		printf("%-24s %-8s %-5s %s\n", "NAME", "STATUS", "ACCEL",
		       "VMM");
	else
		printf("%-24s %s\n", "NAME", "STATUS");
	for (i = 0; i < n; i++) {
		struct vm_status st;
		const char *accel;

		vm_query(names[i], &st, QUERY_TIMEOUT_MS);
		accel = st.state == VM_UNKNOWN ? "-" : st.kvm ? "kvm" : "tcg";
		if (json) {
			char vmm[96], why[300];

			json_quote(vmm, sizeof(vmm),
				   st.run_state[0] ? st.run_state : "-");
			json_quote(why, sizeof(why), st.why);
			printf("%s{\"name\":\"%s\",\"status\":\"%s\","
			       "\"accel\":\"%s\",\"vmm\":%s,\"why\":%s}",
			       i ? "," : "", names[i], vm_state_name(st.state),
			       accel, vmm, why);
		} else if (verbose) {
			printf("%-24s %-8s %-5s %s\n", names[i],
			       vm_state_name(st.state), accel,
			       st.state == VM_UNKNOWN ? st.why : st.run_state);
		} else {
			printf("%-24s %s\n", names[i], vm_state_name(st.state));
		}
	}
	if (json)
		puts("]");
	if (fflush(stdout) != 0)
		err(SEPTA_EXIT_SYS, "stdout");
	return 0;
}
