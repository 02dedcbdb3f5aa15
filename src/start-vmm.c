/* SPDX-License-Identifier: MIT */
/* start-vmm: the run program of a VM's supervised service. It checks the
 * definition, opens everything the VMM needs, and becomes the VMM (exec),
 * so that s6 supervises QEMU itself. The VM is created but not running;
 * readiness is signalled once QMP answers that the VM exists. */
#include "cgroup.h"
#include "cli.h"
#include "kvm.h"
#include "link.h"
#include "qmp.h"
#include "sandbox.h"
#include "util.h"
#include "vm.h"
#include "vmm.h"

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define READY_TIMEOUT_MS 60000
/* The default memory cap is the guest's memory plus this for QEMU
 * itself (its binary, libraries, the kernel file it keeps mapped, its
 * own data: about 140 MiB measured, see docs/benchmarks.md), plus, under
 * TCG, QEMU's default translation buffer, which fills as the guest runs
 * new code. */
#define VMM_MEM_EXTRA_MIB 256
#define VMM_MEM_TCG_MIB	  1024

static const char usage[] =
    "usage: start-vmm [-n FD] [-p] NAME | start-vmm -f NAME\n"
    "Run the VMM of the imported VM NAME in place of this process.\n"
    "  -n FD  write a newline to FD once the VM exists (s6 readiness)\n"
    "  -p     print the VMM command line instead of running it\n"
    "  -f     finish: remove the links NAME's VMM, now gone, held\n"
    "Environment: SEPTA_RUN (default /run/vm), SEPTA_ACCEL "
    "(auto, kvm, tcg),\n"
    "SEPTA_QEMU (default qemu-system-x86_64), SEPTA_UID_BASE (default "
    "1585053696),\nSEPTA_GROUP (a group that may use the sockets besides "
    "root).\n"
    "Exit codes: 1 invalid definition, 2 no such VM, 100 usage, "
    "111 system error.\n";

static const char *name;
/* SEPTA_GROUP's gid, or (gid_t)-1: who besides root may use the sockets. */
static gid_t group = (gid_t)-1;

/* Fault injection, for tests (start-vmm(8), "Fault injection"): the
 * points of the setup, in the order a start reaches them, each named
 * after what start-vmm has just done. Every start passes every point,
 * whether or not it had anything to do there. */
enum fault_step {
	FAULT_LOADED_DEFINITION,
	FAULT_CLIENT_LINKS,
	FAULT_PROVIDER_LOCK,
	FAULT_PROVIDER_LINKS,
	FAULT_UPSTREAM,
	FAULT_SOCKETS,
	FAULT_LOG,
	FAULT_LOADED_RECORD,
	FAULT_SANDBOX_PREPARED,
	FAULT_NOTIFIER,
	FAULT_CGROUP,
	FAULT_EXEC,
	FAULT_NONE,
};

static const char *const fault_steps[FAULT_NONE] = {
    [FAULT_LOADED_DEFINITION] = "loaded-definition",
    [FAULT_CLIENT_LINKS] = "client-links",
    [FAULT_PROVIDER_LOCK] = "provider-lock",
    [FAULT_PROVIDER_LINKS] = "provider-links",
    [FAULT_UPSTREAM] = "upstream",
    [FAULT_SOCKETS] = "sockets",
    [FAULT_LOG] = "log",
    [FAULT_LOADED_RECORD] = "loaded-record",
    [FAULT_SANDBOX_PREPARED] = "sandbox-prepared",
    [FAULT_NOTIFIER] = "notifier",
    [FAULT_CGROUP] = "cgroup",
    [FAULT_EXEC] = "exec",
};

static enum fault_step fault = FAULT_NONE;

/* Read $SEPTA_RUN/NAME/fault, if there is one, and remove it at once:
 * only this start fails, and after the sandbox is entered the runtime
 * directory can no longer be reached. An unknown step is a usage error,
 * so that a mistyped fault never passes for a clean start. */
static void fault_load(void)
{
	char path[PATH_MAX], buf[64];
	struct stat st;
	ssize_t n;
	size_t i;
	int fd;

	if (vm_path(path, sizeof(path), name, "fault") < 0)
		err(SEPTA_EXIT_SYS, "%s: fault: path", name);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0) {
		if (errno == ENOENT || errno == ENOTDIR)
			return;
		err(SEPTA_EXIT_SYS, "%s: fault: open %s", name, path);
	}
	if (fstat(fd, &st) < 0)
		err(SEPTA_EXIT_SYS, "%s: fault: stat %s", name, path);
	if (!S_ISREG(st.st_mode))
		errx(SEPTA_EXIT_USAGE, "%s: fault: %s: not a regular file",
		     name, path);
	n = read(fd, buf, sizeof(buf) - 1);
	if (n < 0)
		err(SEPTA_EXIT_SYS, "%s: fault: read %s", name, path);
	close(fd);
	if (unlink(path) < 0)
		err(SEPTA_EXIT_SYS, "%s: fault: remove %s", name, path);
	if (n > 0 && buf[n - 1] == '\n')
		n--;
	buf[n] = '\0';
	for (i = 0; i < FAULT_NONE; i++)
		if (strlen(fault_steps[i]) == (size_t)n &&
		    memcmp(fault_steps[i], buf, (size_t)n) == 0) {
			fault = (enum fault_step)i;
			return;
		}
	/* Shown as one line of printable text. */
	for (i = 0; i < (size_t)n; i++)
		if (buf[i] < ' ' || buf[i] > '~')
			buf[i] = '?';
	errx(SEPTA_EXIT_USAGE, "%s: fault: unknown step \"%s\"", name, buf);
}

/* At step s: end here, as a kill -9 from outside would, when the fault
 * file named this step. */
static void fault_point(enum fault_step s)
{
	if (s != fault)
		return;
	warnx("%s: fault: kill -9 at %s", name, fault_steps[s]);
	kill(getpid(), SIGKILL);
}

/* Print one argument so that a shell reads it back as one word. */
static void print_word(const char *w, bool first)
{
	const char *p;

	if (!first)
		putchar(' ');
	if (*w && strspn(w, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuv"
			    "wxyz0123456789,._+:@%/=-") == strlen(w)) {
		fputs(w, stdout);
		return;
	}
	putchar('\'');
	for (p = w; *p; p++) {
		if (*p == '\'')
			fputs("'\\''", stdout);
		else
			putchar(*p);
	}
	putchar('\'');
}

/* Listen on run/NAME/sock. Any old socket there is from a VMM that is
 * gone: s6 runs one start-vmm per VM at a time. */
static int listen_at(const char *sock)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd;

	if (vm_path(sa.sun_path, sizeof(sa.sun_path), name, sock) < 0)
		err(SEPTA_EXIT_SYS, "%s: %s socket path", name, sock);
	if (unlink(sa.sun_path) < 0 && errno != ENOENT)
		err(SEPTA_EXIT_SYS, "%s: unlink %s", name, sa.sun_path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		err(SEPTA_EXIT_SYS, "%s: socket", name);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		err(SEPTA_EXIT_SYS, "%s: bind %s", name, sa.sun_path);
	if (septa_restrict(sa.sun_path, -1, group, false, false) < 0)
		err(SEPTA_EXIT_SYS, "%s: chown or chmod %s", name, sa.sun_path);
	if (listen(fd, 16) < 0)
		err(SEPTA_EXIT_SYS, "%s: listen %s", name, sa.sun_path);
	return fd;
}

/* What a VMM that did not start leaves: its sockets, and the record of
 * what it would have booted. */
static void unlink_sockets(void)
{
	static const char *const socks[] = {"qmp", "qmp-status", "console",
					    "wayland", "loaded"};
	char path[PATH_MAX];
	size_t i;
	int e = errno; /* for the caller's report */

	for (i = 0; i < sizeof(socks) / sizeof(socks[0]); i++)
		if (vm_path(path, sizeof(path), name, socks[i]) == 0)
			unlink(path);
	errno = e;
}

static enum vmm_accel choose_accel(void)
{
	const char *want = getenv("SEPTA_ACCEL");
	char why[160];
	int usable = kvm_usable(why, sizeof(why));

	if (want && strcmp(want, "tcg") == 0) {
		warnx("%s: accel tcg (SEPTA_ACCEL=tcg)", name);
		return VMM_ACCEL_TCG;
	}
	if (want && strcmp(want, "kvm") == 0) {
		if (!usable)
			errx(SEPTA_EXIT_USAGE, "%s: SEPTA_ACCEL=kvm: %s", name,
			     why);
		warnx("%s: accel kvm (SEPTA_ACCEL=kvm)", name);
		return VMM_ACCEL_KVM;
	}
	if (want && *want && strcmp(want, "auto") != 0)
		errx(SEPTA_EXIT_USAGE,
		     "%s: SEPTA_ACCEL=%s: not auto, kvm or tcg", name, want);
	warnx("%s: accel %s (%s)", name, usable ? "kvm" : "tcg", why);
	return usable ? VMM_ACCEL_KVM : VMM_ACCEL_TCG;
}

/* A provider must be imported, and a q35 VM: it takes its clients' links
 * by PCIe hot-plug while it runs. */
static void check_provider(const char *p)
{
	static struct vmdef pd;
	char errbuf[VMDEF_ERR_MAX];

	if (!vm_imported(p))
		errx(SEPTA_EXIT_BADDEF, "%s: providers/net/%s: no such VM",
		     name, p);
	if (vm_load(&pd, p, errbuf, sizeof(errbuf)) < 0)
		errx(SEPTA_EXIT_BADDEF, "%s: providers/net/%s: %s", name, p,
		     errbuf);
	if (pd.machine != VM_MACHINE_Q35)
		errx(SEPTA_EXIT_BADDEF,
		     "%s: providers/net/%s: %s is not a q35 VM (a provider "
		     "takes its clients' links by PCIe hot-plug)",
		     name, p, p);
	vmdef_close(&pd);
}

static void fail_links(struct vmm_fds *f)
{
	int i;

	for (i = 0; i < f->nlinks; i++)
		close(f->links[i].fd);
	f->nlinks = 0;
}

/* This VM's links to its providers: a bridge and a tap each, and the
 * provider's side plugged into the provider's VMM if it runs (else the
 * provider's start-vmm plugs it). */
static void client_links(const struct vmdef *d, struct vmm_fds *f)
{
	static struct qmp q;
	char errbuf[LINK_ERR_MAX];
	unsigned xy;
	int i, lock, fd, pfd, r;

	for (i = 0; i < d->nprov; i++) {
		const char *p = d->providers[i];

		if (vm_link_addr(name, p, &xy) < 0) {
			fail_links(f);
			err(SEPTA_EXIT_SYS, "%s: address of the link to %s",
			    name, p);
		}
		lock = link_lock(p);
		if (lock < 0) {
			fail_links(f);
			err(SEPTA_EXIT_SYS, "%s: lock %s's links", name, p);
		}
		fd = link_client_make(xy, errbuf, sizeof(errbuf));
		if (fd < 0) {
			fail_links(f);
			errx(SEPTA_EXIT_SYS, "%s: link to %s: %s", name, p,
			     errbuf);
		}
		f->links[f->nlinks++] = (struct vmm_link){.fd = fd, .xy = xy};
		/* Whatever an earlier VMM of ours left in the provider goes
		 * first (its finish did not run: s6 itself was killed). */
		if (link_release(name, p, xy) < 0) {
			fail_links(f);
			link_remove(xy);
			errx(SEPTA_EXIT_SYS,
			     "%s: link to %s: %s keeps the link of an earlier "
			     "VMM",
			     name, p, p);
		}
		if (vm_qmp_open(&q, p, "qmp", READY_TIMEOUT_MS) < 0) {
			close(lock);
			continue;
		}
		pfd = link_provider_tap(xy, errbuf, sizeof(errbuf));
		r = pfd < 0 || link_hotplug(&q, xy, pfd, errbuf,
					    sizeof(errbuf)) < 0
			? -1
			: 0;
		if (pfd >= 0)
			close(pfd);
		qmp_close(&q);
		if (r < 0) {
			fail_links(f);
			link_remove(xy);
			close(lock);
			errx(SEPTA_EXIT_SYS, "%s: link to %s: %s", name, p,
			     errbuf);
		}
		warnx("%s: link to %s: 100.64.%u.%u, plugged into %s's VMM",
		      name, p, xy >> 8, xy & 0xff, p);
		close(lock);
	}
}

/* As a provider: the provider's side of every link whose client's VMM
 * holds it (its bridge exists), for QEMU to cold-plug. Called under our
 * lock, before our control socket exists, so that a client starting now
 * either is seen here or finds the socket and hot-plugs. */
static void provider_links(const struct vmdef *d, struct vmm_fds *f)
{
	static char names[VM_MAX][VM_NAME_MAX + 1];
	char errbuf[LINK_ERR_MAX];
	int n, i, fd, ports = 0;
	unsigned xy;

	if (d->machine != VM_MACHINE_Q35)
		return;
	n = vm_list(names, VM_MAX);
	for (i = 0; i < n; i++) {
		if (strcmp(names[i], name) == 0 ||
		    vm_link_read(names[i], name, &xy) < 0 || !link_exists(xy))
			continue;
		if (ports == VMM_ROOT_PORTS || f->nlinks == VMM_LINKS_MAX) {
			warnx("%s: link of %s left out: all %d root ports "
			      "taken",
			      name, names[i], VMM_ROOT_PORTS);
			continue;
		}
		fd = link_provider_tap(xy, errbuf, sizeof(errbuf));
		if (fd < 0) {
			warnx("%s: link of %s: %s", name, names[i], errbuf);
			continue;
		}
		f->links[f->nlinks++] =
		    (struct vmm_link){.fd = fd, .xy = xy, .provider = true};
		ports++;
		warnx("%s: link of %s (100.64.%u.%u) plugged", name, names[i],
		      xy >> 8, xy & 0xff);
	}
}

/* Close every descriptor but keep1 and keep2 (in a child). */
static void close_others(int keep1, int keep2)
{
	int fd;

	for (fd = 3; fd < 1024; fd++)
		if (fd != keep1 && fd != keep2)
			close(fd);
}

/* Signal readiness from a detached grandchild: it waits, on a connection
 * made now to the still-unserved QMP socket, for QEMU to answer that the
 * VM exists. If QEMU dies first the connection breaks and nothing is
 * signalled. Detached, so it is never a child QEMU must reap. */
static void spawn_notifier(int qmp_listen, int notify_fd, uid_t uid)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	socklen_t len = sizeof(sa);
	pid_t pid;
	int fd;

	if (getsockname(qmp_listen, (struct sockaddr *)&sa, &len) < 0)
		err(SEPTA_EXIT_SYS, "%s: getsockname", name);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		err(SEPTA_EXIT_SYS, "%s: socket", name);
	/* A listening unix socket queues the connection at once. */
	if (connect(fd, (struct sockaddr *)&sa, len) < 0)
		err(SEPTA_EXIT_SYS, "%s: connect %s", name, sa.sun_path);
	pid = fork();
	if (pid < 0)
		err(SEPTA_EXIT_SYS, "%s: fork", name);
	if (pid == 0) {
		static struct qmp q;
		char status[32], why[SANDBOX_ERR_MAX];

		if (fork() != 0)
			_exit(0);
		close_others(fd, notify_fd);
		/* It reads what QEMU writes: with QEMU's rights, not root's. */
		if (sandbox_drop(uid, why, sizeof(why)) < 0) {
			warnx("%s: notifier: %s", name, why);
			_exit(1);
		}
		if (qmp_attach(&q, fd, READY_TIMEOUT_MS) == 0 &&
		    qmp_status(&q, status, sizeof(status), READY_TIMEOUT_MS) ==
			0 &&
		    strcmp(status, "prelaunch") == 0 &&
		    write(notify_fd, "\n", 1) == 1)
			_exit(0);
		_exit(1);
	}
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	close(fd);
}

/* The VM's runtime directory, and the console lock that vm-console
 * takes, as SEPTA_GROUP says now: a changed group takes effect at the
 * next VMM start. */
static void restrict_dir(void)
{
	char path[PATH_MAX];
	int fd;

	if (vm_path(path, sizeof(path), name, NULL) < 0)
		err(SEPTA_EXIT_SYS, "%s: runtime directory", name);
	if (septa_restrict(path, -1, group, true, false) < 0)
		err(SEPTA_EXIT_SYS, "%s: chown or chmod %s", name, path);
	if (vm_path(path, sizeof(path), name, "console.lock") < 0)
		err(SEPTA_EXIT_SYS, "%s: console lock path", name);
	fd = open(path, O_RDONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0 || septa_restrict(path, fd, group, false, true) < 0)
		err(SEPTA_EXIT_SYS, "%s: %s", name, path);
	close(fd);
}

static int open_log(void)
{
	char path[PATH_MAX], line[160];
	time_t t = time(NULL);
	struct tm tm;
	int fd;

	if (vm_path(path, sizeof(path), name, "log") < 0)
		err(SEPTA_EXIT_SYS, "%s: log path", name);
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW,
		  0600);
	if (fd < 0)
		err(SEPTA_EXIT_SYS, "%s: open %s", name, path);
	if (septa_restrict(path, fd, group, false, true) < 0)
		err(SEPTA_EXIT_SYS, "%s: chown or chmod %s", name, path);
	gmtime_r(&t, &tm);
	strftime(line, sizeof(line),
		 "--- septa: VMM started %Y-%m-%dT%H:%M:%SZ ---\n", &tm);
	if (write(fd, line, strlen(line)) < 0)
		err(SEPTA_EXIT_SYS, "%s: write %s", name, path);
	return fd;
}

/* What the sandbox needs to know, found while start-vmm is still root
 * and sees the host. */
static void prepare_sandbox(struct sandbox *sb, struct vmdef *d,
			    enum vmm_accel accel, unsigned long uid_base)
{
	static char dir[PATH_MAX], exe[PATH_MAX];
	unsigned id;

	if (vm_vmm_id(name, &id) < 0) {
		unlink_sockets();
		err(SEPTA_EXIT_SYS, "%s: choose the VMM's uid", name);
	}
	sb->uid = (uid_t)(uid_base + id);
	/* For the tools: who may serve this VM's sockets (vm_connect). */
	if (vm_uid_record(name, sb->uid, group) < 0) {
		unlink_sockets();
		err(SEPTA_EXIT_SYS, "%s: record the VMM's uid", name);
	}
	sb->kvm = accel == VMM_ACCEL_KVM;
	sb->host_net = d->upstream == VM_UPSTREAM_USER;
	/* QEMU reopens its kernel and initramfs by path. */
	if (sandbox_readable(&d->kernel_fd, sb->uid) < 0 ||
	    (d->initramfs_fd >= 0 &&
	     sandbox_readable(&d->initramfs_fd, sb->uid) < 0)) {
		unlink_sockets();
		err(SEPTA_EXIT_SYS, "%s: copy the kernel for the VMM", name);
	}
	if (vm_path(dir, sizeof(dir), name, "") < 0) {
		unlink_sockets();
		err(SEPTA_EXIT_SYS, "%s: runtime directory", name);
	}
	sb->dir = dir;
	if (sandbox_find_program(vmm_qemu_binary(), exe, sizeof(exe)) < 0) {
		unlink_sockets();
		err(SEPTA_EXIT_SYS, "%s: exec %s", name, vmm_qemu_binary());
	}
	sb->exe = exe;
}

/* After the VMM is gone: its links and its cgroup go too. */
static int finish_vmm(void)
{
	char why[CGROUP_ERR_MAX];
	int rc = 0;

	if (link_client_gone(name))
		rc = SEPTA_EXIT_SYS;
	if (cgroup_remove(septa_run_root(), name, why, sizeof(why)) < 0) {
		warnx("%s: cgroup: %s", name, why);
		rc = SEPTA_EXIT_SYS;
	}
	return rc;
}

/* Join the VM's cgroup with its limits (cgroup.h): the last step that
 * needs the host's view, as QEMU must start inside it. */
static void enter_cgroup(const struct vmdef *d, enum vmm_accel accel)
{
	struct cgroup_limits l = {.cpu_weight = d->cpu_weight,
				  .pids_max = d->pids_max};
	char why[CGROUP_ERR_MAX];

	l.mem_mib = d->limit_mem_mib;
	if (!l.mem_mib)
		l.mem_mib = d->mem_mib + VMM_MEM_EXTRA_MIB +
			    (accel == VMM_ACCEL_TCG ? VMM_MEM_TCG_MIB : 0);
	if (cgroup_enter(septa_run_root(), name, &l, why, sizeof(why)) < 0) {
		char why2[CGROUP_ERR_MAX];

		unlink_sockets();
		if (cgroup_remove(septa_run_root(), name, why2, sizeof(why2)) <
		    0)
			warnx("%s: cgroup: %s", name, why2);
		errx(SEPTA_EXIT_SYS, "%s: cgroup: %s", name, why);
	}
}

int main(int argc, char **argv)
{
	static struct vmdef def;
	static struct vmm_argv va;
	char errbuf[VMDEF_ERR_MAX];
	struct vmm_fds fds;
	enum vmm_accel accel;
	unsigned long notify = 0, tsc_khz = 0, uid_base;
	static struct sandbox sb;
	char why[SANDBOX_ERR_MAX];
	bool print = false, notifying = false, finish = false;
	int c, i, lock;

	while ((c = getopt(argc, argv, "n:pfh")) != -1) {
		switch (c) {
		case 'n':
			if (parse_ulong(optarg, 0, INT_MAX, &notify) < 0)
				errx(SEPTA_EXIT_USAGE,
				     "-n %s: not a file "
				     "descriptor",
				     optarg);
			notifying = true;
			break;
		case 'p':
			print = true;
			break;
		case 'f':
			finish = true;
			break;
		case 'h':
			cli_usage(usage, 0);
		default:
			cli_usage(usage, SEPTA_EXIT_USAGE);
		}
	}
	name = cli_vm_operand(argc, argv, usage);
	if (finish) {
		if (print || notifying)
			cli_usage(usage, SEPTA_EXIT_USAGE);
		return finish_vmm();
	}
	if (sandbox_uid_base(&uid_base) < 0)
		errx(SEPTA_EXIT_USAGE,
		     "%s: SEPTA_UID_BASE=%s: not a number from 1 to %u", name,
		     getenv("SEPTA_UID_BASE"), SANDBOX_UID_BASE_MAX);
	if (septa_group(&group) < 0)
		errx(SEPTA_EXIT_USAGE, "%s: SEPTA_GROUP=%s: no such group",
		     name, getenv("SEPTA_GROUP"));
	if (!print)
		fault_load();
	if (vm_load(&def, name, errbuf, sizeof(errbuf)) < 0)
		errx(SEPTA_EXIT_BADDEF, "%s: %s", name, errbuf);
	for (i = 0; i < def.nprov; i++)
		check_provider(def.providers[i]);
	/* QEMU would need /dev/vfio, the device's sysfs and locked memory,
	 * which its sandbox does not give it. */
	if (def.upstream == VM_UPSTREAM_PCI)
		errx(SEPTA_EXIT_BADDEF,
		     "%s: upstream: a passed-through NIC is not supported in "
		     "the VMM sandbox yet",
		     name);
	accel = choose_accel();
	/* Only Linux on microvm under TCG needs the TSC rate. */
	if (accel == VMM_ACCEL_TCG && def.machine == VM_MACHINE_MICROVM)
		tsc_khz = vmm_tsc_khz();

	if (print) {
		unsigned xy;

		fds = (struct vmm_fds){.qmp = 100,
				       .qmp_status = 101,
				       .console = 102,
				       .wayland = def.wayland ? 121 : -1,
				       .log = 103,
				       .upstream = 120};
		/* The client's links as they would be; a provider's side of
		 * its clients' links depends on which of them run. */
		for (i = 0; i < def.nprov; i++) {
			if (vm_link_addr(name, def.providers[i], &xy) < 0)
				err(SEPTA_EXIT_SYS,
				    "%s: address of the link "
				    "to %s",
				    name, def.providers[i]);
			fds.links[fds.nlinks++] =
			    (struct vmm_link){.fd = 104 + i, .xy = xy};
		}
		if (vmm_build_argv(&va, &def, &fds, accel, tsc_khz) < 0)
			err(SEPTA_EXIT_SYS, "%s: VMM command line", name);
		for (i = 0; i < va.argc; i++)
			print_word(va.argv[i], i == 0);
		putchar('\n');
		return 0;
	}

	fault_point(FAULT_LOADED_DEFINITION);
	/* Sockets and log are for root only, or root and SEPTA_GROUP. */
	umask(077);
	restrict_dir();
	fds.nlinks = 0;
	client_links(&def, &fds);
	fault_point(FAULT_CLIENT_LINKS);
	/* Only a q35 VM can be a provider (check_provider). */
	lock = def.machine == VM_MACHINE_Q35 ? link_lock(name) : -2;
	if (lock == -1) {
		fail_links(&fds);
		err(SEPTA_EXIT_SYS, "%s: lock its links", name);
	}
	fault_point(FAULT_PROVIDER_LOCK);
	provider_links(&def, &fds);
	fault_point(FAULT_PROVIDER_LINKS);
	fds.upstream = -1;
	if (def.upstream == VM_UPSTREAM_NETNS) {
		fds.upstream =
		    link_upstream_tap(def.upstream_path, def.upstream_arg,
				      errbuf, sizeof(errbuf));
		if (fds.upstream < 0) {
			fail_links(&fds);
			errx(SEPTA_EXIT_SYS, "%s: upstream: %s", name, errbuf);
		}
	}
	fault_point(FAULT_UPSTREAM);
	fds.qmp = listen_at("qmp");
	fds.qmp_status = listen_at("qmp-status");
	fds.console = listen_at("console");
	fds.wayland = def.wayland ? listen_at("wayland") : -1;
	fault_point(FAULT_SOCKETS);
	fds.log = open_log();
	fault_point(FAULT_LOG);
	/* For vm-start: what this VMM boots, to tell later edits apart. */
	if (vm_loaded_record(name, &def) < 0)
		warn("%s: record the loaded definition", name);
	fault_point(FAULT_LOADED_RECORD);
	prepare_sandbox(&sb, &def, accel, uid_base);
	if (vmm_build_argv(&va, &def, &fds, accel, tsc_khz) < 0) {
		unlink_sockets();
		err(SEPTA_EXIT_SYS, "%s: VMM command line", name);
	}
	fault_point(FAULT_SANDBOX_PREPARED);
	if (notifying) {
		if (fcntl((int)notify, F_GETFD) < 0) {
			unlink_sockets();
			err(SEPTA_EXIT_USAGE, "%s: -n %lu", name, notify);
		}
		spawn_notifier(fds.qmp, (int)notify, sb.uid);
		/* QEMU itself must not hold the readiness pipe. */
		close((int)notify);
	}
	fault_point(FAULT_NOTIFIER);
	if (fd_keep_on_exec(fds.qmp) < 0 ||
	    fd_keep_on_exec(fds.qmp_status) < 0 ||
	    fd_keep_on_exec(fds.console) < 0 || fd_keep_on_exec(fds.log) < 0 ||
	    fd_keep_on_exec(def.kernel_fd) < 0 ||
	    (def.initramfs_fd >= 0 && fd_keep_on_exec(def.initramfs_fd) < 0)) {
		unlink_sockets();
		err(SEPTA_EXIT_SYS, "%s: fcntl", name);
	}
	for (i = 0; i < def.nblk; i++)
		if (fd_keep_on_exec(def.blk_fd[i]) < 0) {
			unlink_sockets();
			err(SEPTA_EXIT_SYS, "%s: fcntl", name);
		}
	if ((fds.upstream >= 0 && fd_keep_on_exec(fds.upstream) < 0) ||
	    (fds.wayland >= 0 && fd_keep_on_exec(fds.wayland) < 0)) {
		unlink_sockets();
		err(SEPTA_EXIT_SYS, "%s: fcntl", name);
	}
	for (i = 0; i < fds.nlinks; i++)
		if (fd_keep_on_exec(fds.links[i].fd) < 0) {
			unlink_sockets();
			err(SEPTA_EXIT_SYS, "%s: fcntl", name);
		}
	/* Clients that start from now on find the control socket and
	 * hot-plug their links themselves. */
	if (lock >= 0)
		close(lock);
	/* s6-supervise stops a service with SIGTERM, which QEMU handles;
	 * make sure no ignored signal leaks into it. */
	signal(SIGPIPE, SIG_DFL);
	enter_cgroup(&def, accel);
	fault_point(FAULT_CGROUP);
	/* Last, as root can no longer reach the runtime directory: the
	 * sockets of a VMM that did not start stay until the next start. */
	if (sandbox_enter(&sb, why, sizeof(why)) < 0)
		errx(SEPTA_EXIT_SYS, "%s: sandbox: %s", name, why);
	fault_point(FAULT_EXEC);
	execv(sb.exe, va.argv);
	err(SEPTA_EXIT_SYS, "%s: exec %s", name, va.argv[0]);
}
