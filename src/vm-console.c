/* SPDX-License-Identifier: MIT */
/* vm-console: the user's side of a VM's virtio-console. In a Wayland
 * session it opens a foot window titled with the VM's name; otherwise it
 * attaches the current terminal until the escape key (Ctrl-]). */
#include "cli.h"
#include "term.h"
#include "termfilter.h"
#include "util.h"
#include "vm.h"

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#define ESCAPE_KEY 0x1d /* Ctrl-] */

static const char usage[] =
    "usage: vm-console [-t] NAME\n"
    "Attach to NAME's console. With WAYLAND_DISPLAY set, open a foot\n"
    "window titled NAME instead. Ctrl-] detaches.\n"
    "  -t  attach this terminal even in a Wayland session\n"
    "Exit codes: 0 detached or console closed, 1 invalid name, 2 no such\n"
    "VM, 3 console already in use, 100 usage, 111 system error.\n";

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/* One console per VM: an exclusive lock held while attached. */
static int lock_console(const char *name)
{
	char path[PATH_MAX];
	int fd;

	if (vm_path(path, sizeof(path), name, "console.lock") < 0)
		err(SEPTA_EXIT_SYS, "%s: console lock path", name);
	/* Read-only is enough for flock, and lets a member of SEPTA_GROUP
	 * lock the file start-vmm made for the group. */
	fd = open(path, O_RDONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		err(SEPTA_EXIT_SYS, "%s: open %s", name, path);
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		if (errno == EWOULDBLOCK)
			errx(SEPTA_EXIT_BUSY,
			     "%s: console already in use by another "
			     "vm-console",
			     name);
		err(SEPTA_EXIT_SYS, "%s: lock %s", name, path);
	}
	return fd;
}

static int connect_console(const char *name)
{
	char path[PATH_MAX];
	int fd = vm_connect(name, "console");

	if (fd >= 0)
		return fd;
	if (vm_path(path, sizeof(path), name, "console") < 0)
		err(SEPTA_EXIT_SYS, "%s: console socket path", name);
	if (errno == EPERM)
		errx(SEPTA_EXIT_SYS, "%s: %s is not served by its VMM", name,
		     path);
	err(SEPTA_EXIT_SYS, "%s: connect %s (is its VMM up?)", name, path);
}

/* Relay until detach, EOF or a signal. Returns a message for the user.
 * What the VM prints goes through the escape filter (termfilter.h): a VM
 * may draw on the screen, not set the clipboard or the title, nor type
 * into itself through the terminal's answers. */
static const char *relay(int sock, struct termfilter *tf)
{
	struct pollfd p[2] = {{.fd = STDIN_FILENO, .events = POLLIN},
			      {.fd = sock, .events = POLLIN}};
	char buf[4096];
	unsigned char out[TERMFILTER_OUT_MAX(sizeof(buf))];

	while (!stop) {
		ssize_t n;

		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return "poll failed";
		}
		if (p[1].revents) {
			size_t len;

			n = read(sock, buf, sizeof(buf));
			if (n <= 0)
				return "the VMM closed the console";
			len = termfilter_run(tf, (const unsigned char *)buf,
					     (size_t)n, out, sizeof(out));
			if (write_all(STDOUT_FILENO, out, len) < 0)
				return "output closed";
		}
		if (p[0].revents) {
			char *esc;

			n = read(STDIN_FILENO, buf, sizeof(buf));
			if (n <= 0)
				return "input closed";
			esc = memchr(buf, ESCAPE_KEY, (size_t)n);
			if (esc)
				n = esc - buf;
			if (n > 0 && write_all(sock, buf, (size_t)n) < 0)
				return "the VMM closed the console";
			if (esc)
				return "detached";
		}
	}
	return "interrupted";
}

/* Run foot with a vm-console of our own inside, and report its outcome
 * with our exit codes: foot exits with its child's status. */
static int open_window(const char *name)
{
	char self[PATH_MAX];
	ssize_t n;
	pid_t pid;
	int fd, status;

	/* Refuse here, before a window flashes up, if someone is attached;
	 * the vm-console inside the window takes the lock for itself. */
	fd = lock_console(name);
	close(fd);
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n < 0)
		err(SEPTA_EXIT_SYS, "readlink /proc/self/exe");
	self[n] = '\0';
	pid = fork();
	if (pid < 0)
		err(SEPTA_EXIT_SYS, "fork");
	if (pid == 0) {
		/* foot's own notes would land in the caller's terminal. */
		execlp("foot", "foot", "--title", name, "--app-id",
		       "septa-console", "--log-level=error", self, "-t", name,
		       (char *)NULL);
		warn("%s: exec foot", name);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			err(SEPTA_EXIT_SYS, "%s: wait for foot", name);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
		return SEPTA_EXIT_SYS;
	if (WIFEXITED(status) && WEXITSTATUS(status) <= SEPTA_EXIT_TIMEOUT)
		return WEXITSTATUS(status);
	if (WIFEXITED(status))
		warnx("%s: foot exited with status %d", name,
		      WEXITSTATUS(status));
	else
		warnx("%s: foot killed by signal %d", name, WTERMSIG(status));
	return SEPTA_EXIT_SYS;
}

int main(int argc, char **argv)
{
	struct sigaction sa = {.sa_handler = on_signal};
	unsigned char reset[TERMFILTER_FINISH_MAX];
	struct termfilter tf;
	struct term term;
	const char *name, *why;
	size_t len;
	bool here = false;
	int c, sock;

	while ((c = getopt(argc, argv, "th")) != -1) {
		switch (c) {
		case 't':
			here = true;
			break;
		case 'h':
			cli_usage(usage, 0);
		default:
			cli_usage(usage, SEPTA_EXIT_USAGE);
		}
	}
	name = cli_vm_operand(argc, argv, usage);
	if (!here && getenv("WAYLAND_DISPLAY") && *getenv("WAYLAND_DISPLAY"))
		return open_window(name);

	lock_console(name);
	sock = connect_console(name);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (term_raw(&term, STDIN_FILENO) < 0)
		err(SEPTA_EXIT_SYS, "%s: terminal", name);
	fprintf(stderr, "vm-console: %s: attached, Ctrl-] detaches\r\n", name);
	termfilter_init(&tf);
	why = relay(sock, &tf);
	/* Undo what the VM changed (alternate screen, hidden cursor...),
	 * so that a detach in the middle of a full-screen program leaves a
	 * usable terminal. */
	len = termfilter_finish(&tf, reset, sizeof(reset));
	if (len > 0)
		write_all(STDOUT_FILENO, reset, len);
	term_restore(&term);
	fprintf(stderr, "\nvm-console: %s: %s\n", name, why);
	close(sock);
	return 0;
}
