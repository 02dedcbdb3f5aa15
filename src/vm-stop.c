/* SPDX-License-Identifier: MIT */
/* vm-stop: orderly ACPI power-off, a bounded wait, then force. The
 * supervisor then brings back a fresh, stopped VM; we wait for it. */
#include "cli.h"
#include "util.h"
#include "vm.h"

#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define VMM_TIMEOUT_MS	30000
#define QUIT_TIMEOUT_MS 10000
#define DEFAULT_GRACE_S 20
#define PRESS_AGAIN_MS	3000

static const char usage[] =
    "usage: vm-stop [-t SECONDS] [-v] NAME\n"
    "Power NAME off: ACPI power button, then force after SECONDS\n"
    "(default 20, 0 forces at once). Returns once NAME is STOPPED.\n"
    "  -v  say how it stopped\n"
    "Exit codes: 0 stopped, 1 invalid name, 2 no such VM, 4 the VMM\n"
    "did not come back in time, 100 usage, 111 system error.\n";

/* Wait up to ms for the VMM to end after a press of the power button,
 * pressing again every PRESS_AGAIN_MS: a press that comes before the
 * guest's power-button driver has loaded is lost, so a VM stopped while
 * it boots would otherwise be forced. */
static bool powered_off(struct qmp *q, int64_t ms)
{
	int64_t end = now_ms() + ms, left;

	for (;;) {
		left = end - now_ms();
		if (left <= 0)
			return false;
		if (qmp_wait_close(q, (int)(left < PRESS_AGAIN_MS
						? left
						: PRESS_AGAIN_MS)) == 0)
			return true;
		if (now_ms() < end &&
		    qmp_execute(q, "system_powerdown", NULL, VMM_TIMEOUT_MS) <
			0 &&
		    (errno == ECONNRESET || errno == EPIPE))
			return true; /* the VMM went meanwhile */
	}
}

int main(int argc, char **argv)
{
	static struct qmp q;
	unsigned long grace = DEFAULT_GRACE_S;
	char status[32];
	bool verbose = false, forced = false;
	const char *name;
	int c;

	while ((c = getopt(argc, argv, "t:vh")) != -1) {
		switch (c) {
		case 't':
			if (parse_ulong(optarg, 0, 3600, &grace) < 0)
				errx(SEPTA_EXIT_USAGE,
				     "-t %s: not a number of seconds from 0 "
				     "to 3600",
				     optarg);
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
	name = cli_vm_operand(argc, argv, usage);
	if (vm_wait_vmm(&q, name, VMM_TIMEOUT_MS) < 0)
		errx(SEPTA_EXIT_TIMEOUT, "%s: no VMM answered within %d s",
		     name, VMM_TIMEOUT_MS / 1000);
	if (qmp_status(&q, status, sizeof(status), VMM_TIMEOUT_MS) < 0)
		err(SEPTA_EXIT_SYS, "%s: query-status", name);
	if (strcmp(status, "prelaunch") == 0) {
		if (verbose)
			fprintf(stderr, "vm-stop: %s: already stopped\n", name);
		return 0;
	}
	if (grace > 0) {
		if (qmp_execute(&q, "system_powerdown", NULL, VMM_TIMEOUT_MS) <
		    0)
			err(SEPTA_EXIT_SYS, "%s: system_powerdown", name);
		forced = !powered_off(&q, (int64_t)grace * 1000);
	} else {
		forced = true;
	}
	if (forced) {
		if (grace > 0)
			warnx("%s: no power-off after %lu s, forcing", name,
			      grace);
		/* quit may race with the VMM exiting by itself: its error
		 * does not matter, the closed connection does. */
		qmp_execute(&q, "quit", NULL, QUIT_TIMEOUT_MS);
		if (qmp_wait_close(&q, QUIT_TIMEOUT_MS) < 0)
			errx(SEPTA_EXIT_TIMEOUT, "%s: VMM did not quit", name);
	}
	qmp_close(&q);
	if (vm_wait_vmm(&q, name, VMM_TIMEOUT_MS) < 0)
		errx(SEPTA_EXIT_TIMEOUT,
		     "%s: powered off, but no fresh VMM within %d s", name,
		     VMM_TIMEOUT_MS / 1000);
	qmp_close(&q);
	if (verbose)
		fprintf(stderr, "vm-stop: %s: stopped (%s)\n", name,
			forced ? "forced" : "ACPI power-off");
	return 0;
}
