/* SPDX-License-Identifier: MIT */
/* What every program does with its command line. Unlike lib/, these
 * print and exit, with the codes of util.h. */
#ifndef SEPTA_CLI_H
#define SEPTA_CLI_H

#include <stdnoreturn.h>

/* Print usage (to stdout for status 0, else stderr) and exit. */
noreturn void cli_usage(const char *usage, int status);

/* The one operand left after getopt: the name of an imported VM. Exits
 * 100 when there is not exactly one, 1 when the name is invalid, 2 when
 * no such VM is imported. */
const char *cli_vm_operand(int argc, char **argv, const char *usage);

#endif
