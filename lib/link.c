/* SPDX-License-Identifier: MIT */
#include "link.h"
#include "netlink.h"
#include "util.h"
#include "vm.h"
#include "vmm.h"

#include <dirent.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#define NSFS_MAGIC     0x6e736673
#define NS_GET_NSTYPE  _IO(0xb7, 0x3)
#define QMP_TIMEOUT_MS 30000
#define LINK_PREFIX    "link-"

void link_mac(unsigned xy, bool provider, char out[18])
{
	snprintf(out, 18, "0a:b3:ec:%02x:%02x:%02x", provider ? 0x80u : 0u,
		 (xy >> 8) & 0xffu, xy & 0xffu);
}

void link_ifname(unsigned xy, char kind, char out[16])
{
	snprintf(out, 16, "%s-%u.%u",
		 kind == 'b'   ? "br"
		 : kind == 'c' ? "c"
			       : "p",
		 (xy >> 8) & 0xffu, xy & 0xffu);
}

void link_qemu_id(unsigned xy, const char *what, char out[32])
{
	snprintf(out, 32, "%s-%u.%u", what, (xy >> 8) & 0xffu, xy & 0xffu);
}

static int is_netns(int fd)
{
	struct statfs sf;

	return fstatfs(fd, &sf) == 0 && sf.f_type == NSFS_MAGIC &&
	       ioctl(fd, NS_GET_NSTYPE) == CLONE_NEWNET;
}

int netns_enter(int nsfd, int *back)
{
	int e;

	*back = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (*back < 0)
		return -1;
	if (setns(nsfd, CLONE_NEWNET) < 0) {
		e = errno;
		close(*back);
		*back = -1;
		errno = e;
		return -1;
	}
	return 0;
}

int netns_leave(int back)
{
	int r = setns(back, CLONE_NEWNET), e = errno;

	close(back);
	errno = e;
	return r;
}

static int write_text(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), r;

	if (fd < 0)
		return -1;
	r = write(fd, text, strlen(text)) == (ssize_t)strlen(text) ? 0 : -1;
	close(fd);
	return r;
}

/* A new namespace, bound at path: no IPv6 at all (so no link-local
 * addresses either), no forwarding. Called under the runtime lock. */
static int netns_create(const char *path)
{
	int back, fd, e;

	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return -1;
	close(fd);
	back = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (back < 0)
		return -1;
	if (unshare(CLONE_NEWNET) < 0)
		goto fail;
	/* A kernel without IPv6 has no such files: nothing to turn off. */
	if ((write_text("/proc/sys/net/ipv6/conf/all/disable_ipv6", "1") < 0 ||
	     write_text("/proc/sys/net/ipv6/conf/default/disable_ipv6", "1") <
		 0) &&
	    errno != ENOENT)
		goto fail;
	if (write_text("/proc/sys/net/ipv4/ip_forward", "0") < 0)
		goto fail;
	if (mount("/proc/self/ns/net", path, NULL, MS_BIND, NULL) < 0)
		goto fail;
	if (setns(back, CLONE_NEWNET) < 0)
		goto fail;
	close(back);
	return 0;
fail:
	e = errno;
	setns(back, CLONE_NEWNET);
	close(back);
	unlink(path);
	errno = e;
	return -1;
}

int links_netns_open(void)
{
	char path[PATH_MAX], lockpath[PATH_MAX];
	int fd, lock, e;

	if (fmt(path, sizeof(path), "%s/.netns", septa_run_root()) < 0 ||
	    fmt(lockpath, sizeof(lockpath), "%s/.links.lock",
		septa_run_root()) < 0)
		return -1;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd >= 0 && is_netns(fd))
		return fd;
	if (fd >= 0)
		close(fd);
	lock = vm_lock_file(lockpath);
	if (lock < 0)
		return -1;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd >= 0 && !is_netns(fd)) {
		close(fd);
		fd = -1;
	}
	if (fd < 0 && netns_create(path) == 0)
		fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd >= 0 && !is_netns(fd)) {
		close(fd);
		fd = -1;
		errno = ENOTTY;
	}
	e = errno;
	close(lock);
	errno = e;
	return fd;
}

int link_lock(const char *provider)
{
	char path[PATH_MAX];

	if (vm_path(path, sizeof(path), provider, "links.lock") < 0)
		return -1;
	return vm_lock_file(path);
}

/* Run in the links namespace: opens a netlink socket there. */
struct in_links {
	int back;
	int nl;
};

static int links_enter(struct in_links *l)
{
	int ns = links_netns_open(), e;

	l->back = -1;
	l->nl = -1;
	if (ns < 0)
		return -1;
	if (netns_enter(ns, &l->back) < 0) {
		e = errno;
		close(ns);
		errno = e;
		return -1;
	}
	close(ns);
	l->nl = nl_open();
	if (l->nl < 0) {
		e = errno;
		netns_leave(l->back);
		errno = e;
		return -1;
	}
	return 0;
}

static void links_leave(struct in_links *l)
{
	int e = errno;

	if (l->nl >= 0)
		close(l->nl);
	/* Going on in the wrong namespace would put a VM's interfaces
	 * where they must not be: stop instead. */
	if (l->back >= 0 && netns_leave(l->back) < 0)
		err(SEPTA_EXIT_SYS, "setns back to the host's network");
	errno = e;
}

static void del_if(int nl, unsigned xy, char kind)
{
	char name[16];
	unsigned idx;

	link_ifname(xy, kind, name);
	idx = if_nametoindex(name);
	if (idx > 0)
		nl_link_del(nl, (int)idx);
}

/* An interface of the links namespace: no IPv6 address, up, and on the
 * bridge master (when not 0). */
static int if_ready(int nl, const char *name, int master, const char **step)
{
	unsigned idx = if_nametoindex(name);

	*step = "find it";
	if (idx == 0)
		return -1;
	*step = "turn IPv6 off";
	if (nl_link_no_ipv6(nl, (int)idx) < 0)
		return -1;
	*step = "put it on the bridge";
	if (master > 0 && nl_link_set_master(nl, (int)idx, master) < 0)
		return -1;
	*step = "set it up";
	return nl_link_up(nl, (int)idx);
}

static int tap_make(int nl, unsigned xy, char kind, int bridge, char *err,
		    size_t errsz)
{
	const char *step = "create it";
	char name[16];
	int fd, e;

	link_ifname(xy, kind, name);
	fd = tap_open(name, NULL);
	if (fd < 0 || if_ready(nl, name, bridge, &step) < 0) {
		e = errno;
		snprintf(err, errsz, "tap %s: %s: %s", name, step, strerror(e));
		if (fd >= 0)
			close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

int link_client_make(unsigned xy, char *err, size_t errsz)
{
	struct in_links l;
	const char *step = "create it";
	char br[16];
	int fd = -1, e;
	unsigned idx;

	if (links_enter(&l) < 0) {
		snprintf(err, errsz, "links namespace: %s", strerror(errno));
		return -1;
	}
	del_if(l.nl, xy, 'b');
	del_if(l.nl, xy, 'c');
	del_if(l.nl, xy, 'p');
	link_ifname(xy, 'b', br);
	if (nl_bridge_add(l.nl, br) < 0 || if_ready(l.nl, br, 0, &step) < 0) {
		e = errno;
		snprintf(err, errsz, "bridge %s: %s: %s", br, step,
			 strerror(e));
		goto out;
	}
	idx = if_nametoindex(br);
	fd = tap_make(l.nl, xy, 'c', (int)idx, err, errsz);
	if (fd < 0)
		del_if(l.nl, xy, 'b');
out:
	links_leave(&l);
	return fd;
}

int link_provider_tap(unsigned xy, char *err, size_t errsz)
{
	struct in_links l;
	char br[16];
	unsigned idx;
	int fd;

	if (links_enter(&l) < 0) {
		snprintf(err, errsz, "links namespace: %s", strerror(errno));
		return -1;
	}
	link_ifname(xy, 'b', br);
	idx = if_nametoindex(br);
	if (idx == 0) {
		snprintf(err, errsz, "bridge %s: gone", br);
		links_leave(&l);
		errno = ENODEV;
		return -1;
	}
	del_if(l.nl, xy, 'p');
	fd = tap_make(l.nl, xy, 'p', (int)idx, err, errsz);
	links_leave(&l);
	return fd;
}

int link_upstream_tap(const char *path, const char *bridge, char *errbuf,
		      size_t errsz)
{
	const char *step = "create a tap";
	char name[IFNAMSIZ];
	int ns, back, nl = -1, fd = -1, e;
	unsigned idx;

	ns = open(path, O_RDONLY | O_CLOEXEC);
	if (ns < 0 || !is_netns(ns)) {
		e = ns < 0 ? errno : 0;
		snprintf(errbuf, errsz, "%s: %s", path,
			 e ? strerror(e) : "not a network namespace");
		if (ns >= 0)
			close(ns);
		errno = e ? e : EINVAL;
		return -1;
	}
	if (netns_enter(ns, &back) < 0) {
		e = errno;
		snprintf(errbuf, errsz, "%s: enter: %s", path, strerror(e));
		close(ns);
		errno = e;
		return -1;
	}
	close(ns);
	idx = if_nametoindex(bridge);
	if (idx == 0) {
		e = errno;
		snprintf(errbuf, errsz, "%s: bridge %s: %s", path, bridge,
			 strerror(e));
		goto out;
	}
	nl = nl_open();
	if (nl < 0) {
		e = errno;
		snprintf(errbuf, errsz, "%s: netlink: %s", path, strerror(e));
		goto out;
	}
	fd = tap_open("septa%d", name);
	if (fd < 0 || if_ready(nl, name, (int)idx, &step) < 0) {
		e = errno;
		snprintf(errbuf, errsz, "%s: tap on %s: %s: %s", path, bridge,
			 step, strerror(e));
		if (fd >= 0)
			close(fd);
		fd = -1;
	}
out:
	if (nl >= 0)
		close(nl);
	e = errno;
	if (netns_leave(back) < 0)
		err(SEPTA_EXIT_SYS, "setns back to the host's network");
	errno = e;
	return fd;
}

bool link_exists(unsigned xy)
{
	struct in_links l;
	char br[16];
	bool r;

	if (links_enter(&l) < 0)
		return false;
	link_ifname(xy, 'b', br);
	r = if_nametoindex(br) > 0;
	links_leave(&l);
	return r;
}

void link_remove(unsigned xy)
{
	struct in_links l;

	if (links_enter(&l) < 0)
		return;
	del_if(l.nl, xy, 'p');
	del_if(l.nl, xy, 'c');
	del_if(l.nl, xy, 'b');
	links_leave(&l);
}

static void qemu_err(char *err, size_t errsz, const char *what,
		     const struct qmp *q)
{
	snprintf(err, errsz, "%s: %s", what,
		 errno == EREMOTEIO ? q->error : strerror(errno));
}

int link_hotplug(struct qmp *q, unsigned xy, int tapfd, char *err, size_t errsz)
{
	char args[512], fdname[32], netdev[32], dev[32], mac[18];
	int port;

	link_qemu_id(xy, "tap", fdname);
	link_qemu_id(xy, "netdev", netdev);
	link_qemu_id(xy, "link", dev);
	link_mac(xy, true, mac);
	snprintf(args, sizeof(args), "{\"fdname\":\"%s\"}", fdname);
	if (qmp_execute_fd(q, "getfd", args, tapfd, QMP_TIMEOUT_MS) < 0) {
		qemu_err(err, errsz, "getfd", q);
		return -1;
	}
	snprintf(args, sizeof(args),
		 "{\"type\":\"tap\",\"id\":\"%s\",\"fd\":\"%s\","
		 "\"vhost\":false}",
		 netdev, fdname);
	if (qmp_execute(q, "netdev_add", args, QMP_TIMEOUT_MS) < 0) {
		qemu_err(err, errsz, "netdev_add", q);
		snprintf(args, sizeof(args), "{\"fdname\":\"%s\"}", fdname);
		qmp_execute(q, "closefd", args, QMP_TIMEOUT_MS);
		return -1;
	}
	/* The first free root port; addr=0, or a second device would go
	 * into an occupied port unseen (QEMU-NOTES.md). */
	for (port = 0; port < VMM_ROOT_PORTS; port++) {
		snprintf(args, sizeof(args),
			 "{\"driver\":\"virtio-net-pci\",\"id\":\"%s\","
			 "\"netdev\":\"%s\",\"mac\":\"%s\",\"bus\":\"rp%d\","
			 "\"addr\":\"0\"}",
			 dev, netdev, mac, port);
		if (qmp_execute(q, "device_add", args, QMP_TIMEOUT_MS) >= 0)
			return 0;
		if (errno != EREMOTEIO || !strstr(q->error, "not available"))
			break;
	}
	if (port == VMM_ROOT_PORTS)
		snprintf(err, errsz, "no free root port (%d links)",
			 VMM_ROOT_PORTS);
	else
		qemu_err(err, errsz, "device_add", q);
	snprintf(args, sizeof(args), "{\"id\":\"%s\"}", netdev);
	qmp_execute(q, "netdev_del", args, QMP_TIMEOUT_MS);
	return -1;
}

/* Does the VMM have a device with this id? 1, 0, or -1 with errno. */
static int device_exists(struct qmp *q, const char *id)
{
	char args[128];

	snprintf(args, sizeof(args), "{\"path\":\"/machine/peripheral/%s\"}",
		 id);
	if (qmp_execute(q, "qom-list", args, QMP_TIMEOUT_MS) >= 0)
		return 1;
	return errno == EREMOTEIO ? 0 : -1;
}

int link_unplug(struct qmp *q, unsigned xy, int timeout_ms, char *err,
		size_t errsz)
{
	char args[128], netdev[32], dev[32];
	int64_t end;
	int r, gone = 0;

	link_qemu_id(xy, "netdev", netdev);
	link_qemu_id(xy, "link", dev);
	r = device_exists(q, dev);
	if (r < 0) {
		qemu_err(err, errsz, "qom-list", q);
		return -1;
	}
	if (r == 1) {
		snprintf(args, sizeof(args), "{\"id\":\"%s\"}", dev);
		if (qmp_execute(q, "device_del", args, QMP_TIMEOUT_MS) < 0 &&
		    errno != EREMOTEIO) {
			qemu_err(err, errsz, "device_del", q);
			return -1;
		}
		/* The guest acknowledges the unplug (ACPI), then QEMU
		 * removes the device. */
		end = now_ms() + timeout_ms;
		while ((r = device_exists(q, dev)) == 1 && now_ms() < end)
			sleep_ms(50);
		gone = r == 0;
	}
	/* Without the netdev the host keeps no descriptor of the link,
	 * whatever the guest did. */
	snprintf(args, sizeof(args), "{\"id\":\"%s\"}", netdev);
	if (qmp_execute(q, "netdev_del", args, QMP_TIMEOUT_MS) < 0 &&
	    errno != EREMOTEIO) {
		qemu_err(err, errsz, "netdev_del", q);
		return -1;
	}
	if (r == 0 && !gone)
		return 1;
	if (!gone) {
		snprintf(err, errsz, "%s: the guest did not let it go", dev);
		return -1;
	}
	return 0;
}

int link_release(const char *name, const char *provider, unsigned xy)
{
	static struct qmp q;
	char status[32], errbuf[LINK_ERR_MAX];
	int r;

	if (vm_qmp_open(&q, provider, "qmp", QMP_TIMEOUT_MS) < 0)
		return 0; /* no VMM: nothing of the link is left in it */
	if (qmp_status(&q, status, sizeof(status), QMP_TIMEOUT_MS) < 0) {
		qmp_close(&q);
		return 0;
	}
	if (strcmp(status, "running") == 0) {
		r = link_unplug(&q, xy, 10000, errbuf, sizeof(errbuf));
		if (r < 0)
			warnx("%s: link to %s: %s", name, provider, errbuf);
		qmp_close(&q);
		return r < 0 ? -1 : 0;
	}
	/* A guest that does not run cannot let the device go: a fresh VMM,
	 * which cold-plugs only the links that exist, replaces this one.
	 * Nothing runs in it, so nothing is lost. */
	{
		char dev[32];

		link_qemu_id(xy, "link", dev);
		r = device_exists(&q, dev);
	}
	if (r == 1) {
		warnx("%s: link to %s: %s is %s: its VMM is replaced", name,
		      provider, provider, status);
		qmp_execute(&q, "quit", NULL, QMP_TIMEOUT_MS);
		qmp_wait_close(&q, QMP_TIMEOUT_MS);
	}
	qmp_close(&q);
	return 0;
}

int link_client_gone(const char *name)
{
	char dirpath[PATH_MAX];
	struct dirent *e;
	int problems = 0, lock;
	unsigned xy;
	DIR *d;

	if (vm_path(dirpath, sizeof(dirpath), name, "") < 0)
		return 1;
	d = opendir(dirpath);
	if (!d)
		return errno == ENOENT ? 0 : 1;
	while ((e = readdir(d))) {
		const char *provider = e->d_name + strlen(LINK_PREFIX);

		size_t len = strlen(e->d_name);

		/* link-P.tmp is a record being written (vm_link_addr). */
		if (strncmp(e->d_name, LINK_PREFIX, strlen(LINK_PREFIX)) != 0 ||
		    (len > 4 && strcmp(e->d_name + len - 4, ".tmp") == 0) ||
		    vm_name_check(provider) != NAME_OK ||
		    vm_link_read(name, provider, &xy) < 0)
			continue;
		lock = vm_imported(provider) ? link_lock(provider) : -1;
		if (vm_imported(provider) &&
		    link_release(name, provider, xy) < 0)
			problems++;
		link_remove(xy);
		if (lock >= 0)
			close(lock);
	}
	closedir(d);
	return problems;
}
