/* SPDX-License-Identifier: MIT */
#include "cli.h"
#include "util.h"
#include "vm.h"

#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

noreturn void cli_usage(const char *usage, int status)
{
	fputs(usage, status ? stderr : stdout);
	exit(status);
}

const char *cli_vm_operand(int argc, char **argv, const char *usage)
{
	enum name_error ne;
	const char *name;

	if (argc - optind != 1)
		cli_usage(usage, SEPTA_EXIT_USAGE);
	name = argv[optind];
	ne = vm_name_check(name);
	if (ne != NAME_OK)
		errx(SEPTA_EXIT_BADDEF, "%s: invalid name: %s", name,
		     vm_name_strerror(ne));
	if (!vm_imported(name))
		errx(SEPTA_EXIT_NOVM, "%s: no such VM", name);
	return name;
}
