/* SPDX-License-Identifier: MIT */
/* benchclock: the clock of Septa's benchmarks, built by bench/lib.sh into
 * the benchmark's temporary directory. CLOCK_MONOTONIC, microseconds.
 *
 *   benchclock run CMD [ARG...]
 *     Run CMD (stdout to /dev/null) and print its wall time: fork to
 *     waitpid. Fails when CMD fails.
 *
 *   benchclock wait [-i MS] [-t S] [-k] FILE MARKER CMD [ARG...]
 *     Note FILE's size (0 when it does not exist yet), start CMD, then
 *     poll FILE every MS milliseconds (default 5) for MARKER in what was
 *     appended after that size. Prints "MARKER_US EXIT_US": the time from
 *     just before the fork to the poll that saw MARKER, and to CMD's exit
 *     (-1 when CMD was still running). With -k, CMD is a process that
 *     keeps running (a VMM): it is killed (SIGKILL) once MARKER is seen;
 *     without, CMD must exit 0. Gives up after S seconds (default 120).
 *     CMD dies with benchclock (PR_SET_PDEATHSIG), so an interrupted
 *     benchmark leaves nothing running.
 *
 *   benchclock now
 *     Print the clock: the timestamps of weston's timeline
 *     (weston-debug timeline) are on it too.
 *
 * Exit codes: 0 done, 1 CMD failed or timed out, 2 usage, 3 system error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char usage[] =
    "usage: benchclock run CMD [ARG...]\n"
    "       benchclock wait [-i MS] [-t S] [-k] FILE MARKER CMD [ARG...]\n"
    "       benchclock now\n";

static long long now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static pid_t spawn(char **argv, int quiet)
{
	pid_t parent = getpid(), pid = fork();

	if (pid < 0) {
		perror("benchclock: fork");
		exit(3);
	}
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(127);
		if (quiet) {
			int fd = open("/dev/null", O_WRONLY);

			if (fd >= 0 && fd != 1) {
				dup2(fd, 1);
				close(fd);
			}
		}
		execvp(argv[0], argv);
		fprintf(stderr, "benchclock: %s: %s\n", argv[0],
			strerror(errno));
		_exit(127);
	}
	return pid;
}

static int failed(int status, const char *what)
{
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (WIFEXITED(status))
		fprintf(stderr, "benchclock: %s exited %d\n", what,
			WEXITSTATUS(status));
	else
		fprintf(stderr, "benchclock: %s killed by signal %d\n", what,
			WTERMSIG(status));
	return 1;
}

static int cmd_run(char **argv)
{
	long long t0, t1;
	int status;
	pid_t pid;

	t0 = now_us();
	pid = spawn(argv, 1);
	if (waitpid(pid, &status, 0) < 0) {
		perror("benchclock: waitpid");
		return 3;
	}
	t1 = now_us();
	if (failed(status, argv[0]))
		return 1;
	printf("%lld\n", t1 - t0);
	return 0;
}

/* Poll state: the bytes read so far, minus all but the last mlen - 1, so
 * that a marker split between two reads is still found. */
struct poll_file {
	const char *path;
	int fd;
	off_t off;
	char buf[65536];
	size_t keep;
};

static int marker_seen(struct poll_file *p, const char *marker, size_t mlen)
{
	ssize_t n;

	if (p->fd < 0) {
		p->fd = open(p->path, O_RDONLY | O_CLOEXEC);
		if (p->fd < 0)
			return 0;
	}
	for (;;) {
		n = pread(p->fd, p->buf + p->keep, sizeof(p->buf) - p->keep,
			  p->off);
		if (n <= 0)
			return 0;
		p->off += n;
		n += (ssize_t)p->keep;
		if (memmem(p->buf, (size_t)n, marker, mlen))
			return 1;
		p->keep = (size_t)n < mlen - 1 ? (size_t)n : mlen - 1;
		memmove(p->buf, p->buf + n - (ssize_t)p->keep, p->keep);
	}
}

static int cmd_wait(int argc, char **argv)
{
	static struct poll_file p = {.fd = -1};
	long long t0, t_marker = -1, t_exit = -1, limit;
	long interval_ms = 5, timeout_s = 120;
	int kill_it = 0, status, c, rc = 0;
	const char *marker;
	struct timespec tick;
	struct stat st;
	size_t mlen;
	pid_t pid;

	while ((c = getopt(argc, argv, "+i:t:k")) != -1) {
		switch (c) {
		case 'i':
			interval_ms = strtol(optarg, NULL, 10);
			break;
		case 't':
			timeout_s = strtol(optarg, NULL, 10);
			break;
		case 'k':
			kill_it = 1;
			break;
		default:
			fputs(usage, stderr);
			return 2;
		}
	}
	if (argc - optind < 3 || interval_ms < 1 || interval_ms > 1000 ||
	    timeout_s < 1) {
		fputs(usage, stderr);
		return 2;
	}
	p.path = argv[optind];
	marker = argv[optind + 1];
	mlen = strlen(marker);
	if (mlen == 0 || mlen >= sizeof(p.buf) / 2) {
		fputs(usage, stderr);
		return 2;
	}
	argv += optind + 2;
	p.off = stat(p.path, &st) == 0 ? st.st_size : 0;
	tick.tv_sec = interval_ms / 1000;
	tick.tv_nsec = (interval_ms % 1000) * 1000000L;

	t0 = now_us();
	limit = t0 + (long long)timeout_s * 1000000;
	pid = spawn(argv, 0);
	for (;;) {
		long long t;

		if (t_exit < 0 && waitpid(pid, &status, WNOHANG) == pid) {
			t_exit = now_us() - t0;
			if (kill_it || failed(status, argv[0])) {
				if (kill_it)
					fprintf(stderr,
						"benchclock: %s ended before "
						"the marker\n",
						argv[0]);
				return 1;
			}
		}
		if (marker_seen(&p, marker, mlen)) {
			t_marker = now_us() - t0;
			break;
		}
		t = now_us();
		if (t > limit) {
			fprintf(stderr,
				"benchclock: no \"%s\" in %s after %ld s\n",
				marker, p.path, timeout_s);
			rc = 1;
			break;
		}
		nanosleep(&tick, NULL);
	}
	if (t_exit < 0) {
		if (kill_it || rc)
			kill(pid, SIGKILL);
		if (waitpid(pid, &status, 0) == pid && !kill_it && !rc) {
			t_exit = now_us() - t0;
			if (failed(status, argv[0]))
				return 1;
		}
	}
	if (rc)
		return rc;
	printf("%lld %lld\n", t_marker, t_exit);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 3 && strcmp(argv[1], "run") == 0)
		return cmd_run(argv + 2);
	if (argc >= 2 && strcmp(argv[1], "wait") == 0)
		return cmd_wait(argc - 1, argv + 1);
	if (argc == 2 && strcmp(argv[1], "now") == 0) {
		printf("%lld\n", now_us());
		return 0;
	}
	fputs(usage, stderr);
	return 2;
}
