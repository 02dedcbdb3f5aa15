/* SPDX-License-Identifier: MIT */
/* vm-wayland: the host's side of an app VM's windows. The VM's waypipe
 * server speaks to us through the VM's Wayland port (a virtio-serial port
 * that start-vmm serves on $SEPTA_RUN/NAME/wayland). We relay it to a
 * waypipe client of the VM's own, which runs as the VMM's unprivileged
 * uid, and that client's Wayland connection comes back to us and goes on
 * to the compositor through the filter (wlfilter.h), which marks every
 * window with the VM's name and hides what a VM must not use.
 *
 *   VM port <-> vm-wayland <-> waypipe client (VMM uid)
 *                                   |  Wayland
 *   compositor <-> wlfilter <-> vm-wayland
 *
 * One run serves one session, as the `wayland` service's instance NAME
 * (s6 runs it again after it ends). */
#include "cli.h"
#include "sandbox.h"
#include "util.h"
#include "vm.h"
#include "vmdef.h"
#include "wlfilter.h"

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

static const char usage[] =
    "usage: vm-wayland NAME\n"
    "Show the windows of the imported VM NAME on the compositor of\n"
    "WAYLAND_DISPLAY, for one session, through a waypipe client that runs\n"
    "as the VM's VMM uid and a filter that marks every window with NAME.\n"
    "Environment: WAYLAND_DISPLAY, XDG_RUNTIME_DIR, SEPTA_RUN (default\n"
    "/run/vm), SEPTA_WAYPIPE (default waypipe).\n"
    "Exit codes: 0 session ended, 1 invalid name or the VM broke the\n"
    "protocol, 2 no such VM or it shows no windows, 100 usage, 111 system\n"
    "error (no compositor, no VMM yet).\n";

/* Descriptors held between a read and the output that carries them; one
 * read may hold several messages' worth. libwayland takes at most 28 with
 * one receive (more are lost), so they go out at most 28 with each send. */
#define FDS_MAX	     253
#define FDS_PER_SEND 28
/* Bytes read at once: the port's side as they come, the Wayland sides in
 * pieces whose filtered output (WLFILTER_OUT_MAX) stays small. */
#define CHUNK	     16384
#define WL_CHUNK     4096
#define SOCKET_WAIT  10000 /* ms for waypipe to listen */
#define SESSION_DIR  "wayland.d"
#define WAYPIPE_SOCK "waypipe"
#define COMP_SOCK    "compositor"

static const char *name;
static uid_t vmm_uid;
static pid_t waypipe = -1;
static int waypipe_status = -1;
static struct wlfilter filter;
static const struct timeval send_wait = {.tv_sec = 10};

/* Descriptors received from one side and not yet passed on. */
struct fdq {
	int fd[FDS_MAX];
	int n;
};

static void fdq_close(struct fdq *q)
{
	while (q->n > 0)
		close(q->fd[--q->n]);
}

/* Close the first k descriptors (sent: the peer has its own copies). */
static void fdq_sent(struct fdq *q, int k)
{
	int i;

	for (i = 0; i < k; i++)
		close(q->fd[i]);
	memmove(q->fd, q->fd + k, sizeof(int) * (size_t)(q->n - k));
	q->n -= k;
}

/* Remove the session directory's contents, as the VMM's uid: they are
 * the waypipe client's, which the guest drives, so root does not walk
 * them. */
static int remove_entry(const char *path, const struct stat *st, int type,
			struct FTW *ftw)
{
	(void)st;
	if (ftw->level == 0)
		return 0;
	if (type == FTW_DP)
		return rmdir(path);
	return unlink(path);
}

static void session_clean(const char *dir)
{
	char why[SANDBOX_ERR_MAX];
	int status;
	pid_t pid;

	pid = fork();
	if (pid < 0) {
		warn("%s: fork", name);
		return;
	}
	if (pid == 0) {
		if (chdir(dir) < 0)
			_exit(errno == ENOENT ? 0 : 1);
		if (sandbox_drop(vmm_uid, why, sizeof(why)) < 0)
			_exit(1);
		_exit(nftw(".", remove_entry, 16, FTW_DEPTH | FTW_PHYS) < 0);
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (rmdir(dir) < 0 && errno != ENOENT)
		warn("%s: remove %s", name, dir);
}

/* The compositor's socket, as libwayland finds it. */
static void compositor_path(char *buf, size_t size)
{
	const char *d = getenv("WAYLAND_DISPLAY"), *x;

	if (!d || !*d)
		errx(SEPTA_EXIT_SYS,
		     "%s: no compositor: WAYLAND_DISPLAY is not set", name);
	if (d[0] == '/') {
		if (fmt(buf, size, "%s", d) < 0)
			errx(SEPTA_EXIT_SYS, "%s: WAYLAND_DISPLAY too long",
			     name);
		return;
	}
	x = getenv("XDG_RUNTIME_DIR");
	if (!x || !*x)
		errx(SEPTA_EXIT_SYS,
		     "%s: no compositor: XDG_RUNTIME_DIR is not set", name);
	if (fmt(buf, size, "%s/%s", x, d) < 0)
		errx(SEPTA_EXIT_SYS, "%s: %s/%s: path too long", name, x, d);
}

static int connect_path(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd, e;

	if (fmt(sa.sun_path, sizeof(sa.sun_path), "%s", path) < 0)
		return -1;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

static uid_t peer_uid(int fd)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
		return (uid_t)-1;
	return cred.uid;
}

/* The socket waypipe's Wayland connection comes to: in the session
 * directory (the cwd), the VMM uid's alone. */
static int listen_compositor(void)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX, .sun_path = COMP_SOCK};
	int fd;

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		err(SEPTA_EXIT_SYS, "%s: socket", name);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    chown(COMP_SOCK, vmm_uid, vmm_uid) < 0 ||
	    chmod(COMP_SOCK, 0600) < 0 || listen(fd, 1) < 0)
		err(SEPTA_EXIT_SYS, "%s: listen on %s/%s", name, SESSION_DIR,
		    COMP_SOCK);
	return fd;
}

/* waypipe client, as the VMM's uid with no privileges, in the session
 * directory: it listens on ./waypipe and reaches the compositor through
 * ./compositor (relative, as the runtime root is root's alone). */
static void start_waypipe(void)
{
	const char *prog = getenv("SEPTA_WAYPIPE");
	char exe[PATH_MAX], why[SANDBOX_ERR_MAX];
	sigset_t none;
	int nul;

	if (!prog || !*prog)
		prog = "waypipe";
	if (sandbox_find_program(prog, exe, sizeof(exe)) < 0)
		err(SEPTA_EXIT_SYS, "%s: %s", name, prog);
	waypipe = fork();
	if (waypipe < 0)
		err(SEPTA_EXIT_SYS, "%s: fork", name);
	if (waypipe > 0)
		return;
	/* The parent takes its signals through a signalfd; waypipe must
	 * get SIGTERM as usual. */
	sigemptyset(&none);
	if (sigprocmask(SIG_SETMASK, &none, NULL) < 0 ||
	    signal(SIGPIPE, SIG_DFL) == SIG_ERR)
		_exit(SEPTA_EXIT_SYS);
	nul = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (nul < 0 || dup2(nul, STDIN_FILENO) < 0)
		_exit(SEPTA_EXIT_SYS);
	if (setenv("WAYLAND_DISPLAY", COMP_SOCK, 1) < 0 ||
	    setenv("XDG_RUNTIME_DIR", ".", 1) < 0 || unsetenv("DISPLAY") < 0)
		_exit(SEPTA_EXIT_SYS);
	if (sandbox_drop(vmm_uid, why, sizeof(why)) < 0) {
		warnx("%s: waypipe: %s", name, why);
		_exit(SEPTA_EXIT_SYS);
	}
	/* After the uid change, which clears it: waypipe goes with us. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() == 1)
		_exit(SEPTA_EXIT_SYS);
	execl(exe, prog, "--compress", "none", "--no-gpu", "--oneshot",
	      "--socket", WAYPIPE_SOCK, "client", (char *)NULL);
	warn("%s: exec %s", name, exe);
	_exit(SEPTA_EXIT_SYS);
}

static bool waypipe_gone(bool block)
{
	int status;

	if (waypipe < 0)
		return true;
	if (waitpid(waypipe, &status, block ? 0 : WNOHANG) != waypipe)
		return false;
	waypipe = -1;
	waypipe_status = status;
	return true;
}

/* Connect to waypipe's socket once it listens, checking that it is
 * waypipe's (the VMM uid's). */
static int connect_waypipe(void)
{
	int64_t deadline = now_ms() + SOCKET_WAIT;
	int fd;

	for (;;) {
		fd = connect_path(WAYPIPE_SOCK);
		if (fd >= 0)
			break;
		if (waypipe_gone(false))
			errx(SEPTA_EXIT_SYS, "%s: waypipe exited at start",
			     name);
		if (now_ms() > deadline)
			errx(SEPTA_EXIT_SYS,
			     "%s: waypipe did not listen within %d s", name,
			     SOCKET_WAIT / 1000);
		sleep_ms(20);
	}
	if (peer_uid(fd) != vmm_uid)
		errx(SEPTA_EXIT_SYS, "%s: %s/%s is not waypipe's", name,
		     SESSION_DIR, WAYPIPE_SOCK);
	return fd;
}

/* Send bytes with the queued descriptors, which go with the first parts
 * sent: no later than the bytes of the message that carries them (the
 * filter passes such a message whole, in the output that completes it).
 * When more than FDS_PER_SEND wait, each send takes 4 bytes and 28 of
 * them, so that every descriptor finds bytes to go with. */
static int send_all(int fd, const unsigned char *p, size_t len, struct fdq *q)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * FDS_PER_SEND)];
		struct cmsghdr align;
	} u;

	while (len > 0) {
		struct iovec iov = {.iov_base = (void *)p, .iov_len = len};
		struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1};
		int k = q->n < FDS_PER_SEND ? q->n : FDS_PER_SEND;
		ssize_t n;

		if (k > 0) {
			struct cmsghdr *c;

			if (q->n > k && len > 4)
				iov.iov_len = 4;
			m.msg_control = u.buf;
			m.msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)k);
			c = CMSG_FIRSTHDR(&m);
			c->cmsg_level = SOL_SOCKET;
			c->cmsg_type = SCM_RIGHTS;
			c->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)k);
			memcpy(CMSG_DATA(c), q->fd, sizeof(int) * (size_t)k);
		}
		n = sendmsg(fd, &m, MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		fdq_sent(q, k);
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Receive bytes and descriptors; the descriptors join q. 0 at the end,
 * -1 with errno (EPROTO: too many descriptors). */
static ssize_t recv_fds(int fd, unsigned char *buf, size_t size, struct fdq *q)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * FDS_MAX)];
		struct cmsghdr align;
	} u;
	struct iovec iov = {.iov_base = buf, .iov_len = size};
	struct msghdr m = {.msg_iov = &iov,
			   .msg_iovlen = 1,
			   .msg_control = u.buf,
			   .msg_controllen = sizeof(u.buf)};
	struct cmsghdr *c;
	ssize_t n;
	bool over = false;

	n = recvmsg(fd, &m, MSG_CMSG_CLOEXEC);
	if (n < 0)
		return -1;
	for (c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
		int *fds = (int *)CMSG_DATA(c);
		size_t i, k;

		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (i = 0; i < k; i++) {
			int f;

			memcpy(&f, fds + i, sizeof(f));
			if (q->n < FDS_MAX)
				q->fd[q->n++] = f;
			else {
				close(f);
				over = true;
			}
		}
	}
	if (over || (m.msg_flags & MSG_CTRUNC)) {
		errno = EPROTO;
		return -1;
	}
	return n;
}

enum { P_SIG, P_VM, P_WP, P_LISTEN, P_CLIENT, P_COMP, P_N };

/* Relay until one side ends. Returns the exit code. */
static int relay(int sig, int vm, int wp, int lst, int comp)
{
	static unsigned char in[CHUNK], out[WLFILTER_OUT_MAX(WL_CHUNK)];
	static struct fdq from_client, from_comp;
	struct pollfd p[P_N] = {
	    [P_SIG] = {.fd = sig, .events = POLLIN},
	    [P_VM] = {.fd = vm, .events = POLLIN},
	    [P_WP] = {.fd = wp, .events = POLLIN},
	    [P_LISTEN] = {.fd = lst, .events = POLLIN},
	    [P_CLIENT] = {.fd = -1},
	    [P_COMP] = {.fd = comp, .events = POLLIN},
	};
	int client = -1, rc = 0;

	for (;;) {
		ssize_t n, len;

		if (poll(p, P_N, -1) < 0) {
			if (errno == EINTR)
				continue;
			warn("%s: poll", name);
			rc = SEPTA_EXIT_SYS;
			break;
		}
		if (p[P_SIG].revents) {
			struct signalfd_siginfo si;

			if (read(sig, &si, sizeof(si)) == sizeof(si) &&
			    si.ssi_signo != SIGCHLD) {
				warnx("%s: stopped by signal %u", name,
				      si.ssi_signo);
				break;
			}
			if (waypipe_gone(false)) {
				warnx("%s: waypipe exited", name);
				break;
			}
		}
		if (p[P_VM].revents) {
			n = read(vm, in, sizeof(in));
			if (n <= 0) {
				warnx("%s: the VM closed its Wayland port",
				      name);
				break;
			}
			if (write_all(wp, in, (size_t)n) < 0) {
				warnx("%s: waypipe closed its connection",
				      name);
				break;
			}
		}
		if (p[P_WP].revents) {
			n = read(wp, in, sizeof(in));
			if (n <= 0) {
				warnx("%s: waypipe closed its connection",
				      name);
				break;
			}
			if (write_all(vm, in, (size_t)n) < 0) {
				warnx("%s: the VM closed its Wayland port",
				      name);
				break;
			}
		}
		if (p[P_LISTEN].revents) {
			int c = accept4(lst, NULL, NULL, SOCK_CLOEXEC);

			/* waypipe --oneshot makes one connection; anything
			 * else knocking is turned away. */
			if (c >= 0 && (client >= 0 || peer_uid(c) != vmm_uid)) {
				close(c);
			} else if (c >= 0) {
				client = c;
				p[P_CLIENT] = (struct pollfd){.fd = client,
							      .events = POLLIN};
			}
		}
		if (p[P_CLIENT].revents) {
			n = recv_fds(client, in, WL_CHUNK, &from_client);
			if (n <= 0) {
				if (n < 0 && errno == EPROTO) {
					warnx("%s: the VM broke the Wayland "
					      "protocol: too many descriptors",
					      name);
					rc = SEPTA_EXIT_BADDEF;
				} else {
					warnx("%s: the client's Wayland "
					      "connection ended",
					      name);
				}
				break;
			}
			len = wlfilter_feed(&filter, WLFILTER_REQUEST, in,
					    (size_t)n, out, sizeof(out));
			if (len < 0) {
				warnx("%s: the VM broke the Wayland protocol: "
				      "%s",
				      name, filter.error);
				rc = SEPTA_EXIT_BADDEF;
				break;
			}
			if (len > 0 && send_all(comp, out, (size_t)len,
						&from_client) < 0) {
				warnx("%s: the compositor closed the "
				      "connection",
				      name);
				break;
			}
		}
		if (p[P_COMP].revents) {
			n = recv_fds(comp, in, WL_CHUNK, &from_comp);
			if (n <= 0) {
				warnx("%s: the compositor closed the "
				      "connection",
				      name);
				break;
			}
			len = wlfilter_feed(&filter, WLFILTER_EVENT, in,
					    (size_t)n, out, sizeof(out));
			if (len < 0) {
				warnx("%s: the compositor's events did not "
				      "parse: %s",
				      name, filter.error);
				rc = SEPTA_EXIT_SYS;
				break;
			}
			/* Events before waypipe's connection came: none can,
			 * as the compositor only answers requests. */
			if (len > 0 &&
			    (client < 0 || send_all(client, out, (size_t)len,
						    &from_comp) < 0)) {
				warnx("%s: the client's Wayland connection "
				      "ended",
				      name);
				break;
			}
		}
	}
	fdq_close(&from_client);
	fdq_close(&from_comp);
	if (client >= 0)
		close(client);
	return rc;
}

int main(int argc, char **argv)
{
	char comp_path[PATH_MAX], dir[PATH_MAX], errbuf[VMDEF_ERR_MAX];
	struct vmdef def;
	sigset_t mask;
	int c, vm, wp, lst, comp, sig, rc;

	while ((c = getopt(argc, argv, "h")) != -1) {
		if (c == 'h')
			cli_usage(usage, 0);
		cli_usage(usage, SEPTA_EXIT_USAGE);
	}
	name = cli_vm_operand(argc, argv, usage);
	if (vm_load(&def, name, errbuf, sizeof(errbuf)) < 0)
		errx(SEPTA_EXIT_BADDEF, "%s: %s", name, errbuf);
	vmdef_close(&def);
	if (!def.wayland)
		errx(SEPTA_EXIT_NOVM,
		     "%s: shows no windows (its definition has no wayland "
		     "file)",
		     name);
	wlfilter_init(&filter, name);
	compositor_path(comp_path, sizeof(comp_path));
	comp = connect_path(comp_path);
	if (comp < 0)
		err(SEPTA_EXIT_SYS, "%s: no compositor: connect %s", name,
		    comp_path);
	vm = vm_connect(name, "wayland");
	if (vm < 0) {
		if (errno == EPERM)
			errx(SEPTA_EXIT_SYS,
			     "%s: its wayland socket is not served by its VMM",
			     name);
		err(SEPTA_EXIT_SYS,
		    "%s: connect to its wayland socket (is its "
		    "VMM up?)",
		    name);
	}
	if (vm_uid_read(name, &vmm_uid) < 0)
		err(SEPTA_EXIT_SYS, "%s: read vmm-uid", name);

	/* A peer that closes makes a write fail with EPIPE, which ends the
	 * session through the clean-up, instead of killing us. */
	signal(SIGPIPE, SIG_IGN);
	/* Signals as events, so that every end goes through the clean-up. */
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGCHLD);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
		err(SEPTA_EXIT_SYS, "%s: sigprocmask", name);
	sig = signalfd(-1, &mask, SFD_CLOEXEC);
	if (sig < 0)
		err(SEPTA_EXIT_SYS, "%s: signalfd", name);

	/* A session directory left by a run that was killed goes first. */
	if (vm_path(dir, sizeof(dir), name, SESSION_DIR) < 0)
		err(SEPTA_EXIT_SYS, "%s: session directory path", name);
	session_clean(dir);
	if (mkdir(dir, 0700) < 0 || chown(dir, vmm_uid, vmm_uid) < 0)
		err(SEPTA_EXIT_SYS, "%s: make %s", name, dir);
	if (chdir(dir) < 0) {
		warn("%s: chdir %s", name, dir);
		session_clean(dir);
		return SEPTA_EXIT_SYS;
	}
	lst = listen_compositor();
	start_waypipe();
	wp = connect_waypipe();
	/* A peer that stops reading (waypipe stuck on garbage from the VM)
	 * would hold a blocking write, and the session, for ever: a write
	 * that waits this long ends the session instead. */
	if (setsockopt(wp, SOL_SOCKET, SO_SNDTIMEO, &send_wait,
		       sizeof(send_wait)) < 0 ||
	    setsockopt(vm, SOL_SOCKET, SO_SNDTIMEO, &send_wait,
		       sizeof(send_wait)) < 0)
		err(SEPTA_EXIT_SYS, "%s: setsockopt", name);
	warnx("%s: session started", name);
	rc = relay(sig, vm, wp, lst, comp);
	close(wp);
	close(lst);
	close(comp);
	close(vm);
	if (!waypipe_gone(false)) {
		int64_t deadline = now_ms() + 2000;

		kill(waypipe, SIGTERM);
		while (!waypipe_gone(false) && now_ms() < deadline)
			sleep_ms(20);
		if (!waypipe_gone(false)) {
			kill(waypipe, SIGKILL);
			waypipe_gone(true);
		}
	}
	if (chdir("/") < 0)
		warn("%s: chdir /", name);
	session_clean(dir);
	warnx("%s: session ended%s", name,
	      WIFEXITED(waypipe_status) && WEXITSTATUS(waypipe_status) == 0
		  ? ""
		  : " (waypipe failed)");
	return rc;
}
