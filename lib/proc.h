/* SPDX-License-Identifier: MIT */
/* Running the s6 programs we chain to. */
#ifndef SEPTA_PROC_H
#define SEPTA_PROC_H

/* Run argv (searched in PATH) and wait for it. Returns its exit code,
 * 128 + the signal that killed it, or -1 with errno when it could not be
 * run at all. */
int proc_run(const char *const argv[]);

#endif
