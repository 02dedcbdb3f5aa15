/* SPDX-License-Identifier: MIT */
#include "proc.h"

#include <errno.h>
#include <spawn.h>
#include <stddef.h>
#include <sys/wait.h>

extern char **environ;

int proc_run(const char *const argv[])
{
	pid_t pid;
	int status, e;

	/* posix_spawnp's prototype predates const; it does not write argv. */
	e = posix_spawnp(&pid, argv[0], NULL, NULL, (char *const *)argv,
			 environ);
	if (e != 0) {
		errno = e;
		return -1;
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + WTERMSIG(status);
}
