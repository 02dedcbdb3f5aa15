/* SPDX-License-Identifier: MIT */
/* The host's side of the links between client VMs and their network
 * providers (DESIGN.md "Networking").
 *
 * Every link of a runtime root lives in a network namespace of its own,
 * the links namespace, bound at $SEPTA_RUN/.netns: the host's network
 * never sees a frame from a VM, and no interface there has an address
 * (IPv6 is off in it, IPv4 has no address to answer for). A client C's
 * link to its provider P, whose address is 100.64.X.Y (vm_link_addr), is
 * three interfaces there:
 *
 *   br-X.Y  a bridge: the client's side and the provider's side only
 *   c-X.Y   a tap on it, held by C's VMM: C's NIC 0a:b3:ec:00:X:Y
 *   p-X.Y   a tap on it, held by P's VMM: P's NIC 0a:b3:ec:80:X:Y
 *
 * A tap lives as long as the VMM holding it, so a VMM that dies for any
 * reason takes its taps along. The bridge lives as long as C's VMM: C's
 * start-vmm makes it, and link_client_gone removes it when the VMM is gone
 * (s6's finish). P's side is hot-plugged into P's VMM by C's start-vmm
 * when P's VMM runs (QMP getfd, netdev_add, device_add into one of P's
 * PCIe root ports), and cold-plugged by P's start-vmm for every bridge
 * that exists when P's VMM starts: a restarted provider finds its
 * clients' links again without them restarting.
 *
 * Plugging into P and removing links to P happen under P's lock
 * ($SEPTA_RUN/P/links.lock), taken by P's start-vmm before it creates
 * P's control socket, so that each link is plugged exactly once. */
#ifndef SEPTA_LINK_H
#define SEPTA_LINK_H

#include "qmp.h"

#include <stdbool.h>
#include <stddef.h>

#define LINK_ERR_MAX 256

/* The MAC of a link's NIC: 0a:b3:ec:00:X:Y for the client, 0a:b3:ec:80:X:Y
 * for the provider. */
void link_mac(unsigned xy, bool provider, char out[18]);

/* Interface names in the links namespace: "br-X.Y", "c-X.Y", "p-X.Y". */
void link_ifname(unsigned xy, char kind, char out[16]);

/* QEMU ids of a provider's side: device "link-X.Y", netdev "netdev-X.Y";
 * and of a client's side: netdev "net-X.Y". */
void link_qemu_id(unsigned xy, const char *what, char out[32]);

/* Open the links namespace of this runtime root, creating it (under
 * $SEPTA_RUN/.links.lock) the first time. -1 with errno. */
int links_netns_open(void);

/* Run in the network namespace nsfd from now on; *back gets a descriptor
 * of the namespace we were in, for netns_leave. -1 with errno. */
int netns_enter(int nsfd, int *back);
int netns_leave(int back);

/* P's lock (LOCK_EX on $SEPTA_RUN/P/links.lock). Returns the descriptor,
 * closed to unlock, or -1 with errno. */
int link_lock(const char *provider);

/* Client side, in the links namespace: remove what an earlier VMM of the
 * client left of this link, make br-X.Y and c-X.Y on it, both up.
 * Returns c-X.Y's descriptor (close-on-exec) for the client's VMM, or -1
 * with the problem in err. */
int link_client_make(unsigned xy, char *err, size_t errsz);

/* Provider side, in the links namespace: p-X.Y on br-X.Y, up. Returns its
 * descriptor, or -1 with the problem in err (ENODEV: no bridge, the
 * client's VMM is gone). */
int link_provider_tap(unsigned xy, char *err, size_t errsz);

/* Does br-X.Y exist (the client's VMM holds this link)? */
bool link_exists(unsigned xy);

/* Hot-plug the provider's side of link xy into the VMM on q, taking a
 * free root port; tapfd stays ours to close. -1 with the problem in err
 * ("no free root port", or QEMU's word). */
int link_hotplug(struct qmp *q, unsigned xy, int tapfd, char *err,
		 size_t errsz);

/* Take link xy out of the provider's VMM on q: device_del, wait until the
 * guest has let the device go (at most timeout_ms), netdev_del. 1 when
 * there was nothing to unplug, 0 when it is gone, -1 with the problem in
 * err (the guest did not let go: the netdev is deleted anyway, so the
 * host keeps nothing). */
int link_unplug(struct qmp *q, unsigned xy, int timeout_ms, char *err,
		size_t errsz);

/* Take link xy of client name out of provider's VMM, if one answers:
 * link_unplug when its guest runs; a VMM whose guest does not run, and so
 * cannot let a device go, is replaced by a fresh one (quit) when it holds
 * the link. Call it under the provider's lock. -1 when the guest did not
 * let the link go (reported with warnx), else 0. */
int link_release(const char *name, const char *provider, unsigned xy);

/* Remove br-X.Y, c-X.Y and p-X.Y from the links namespace where they
 * exist. */
void link_remove(unsigned xy);

/* A network VM's upstream "netns PATH BRIDGE": a tap on BRIDGE in the
 * network namespace at PATH (made by whoever owns that namespace: the
 * test internet), up, without IPv6. Returns its descriptor, or -1 with the
 * problem in err. */
int link_upstream_tap(const char *path, const char *bridge, char *err,
		      size_t errsz);

/* Everything the client name's VMM, now gone, held: for each recorded
 * link (link-P), under P's lock, the provider's side is unplugged from P's
 * VMM if one answers (a stopped provider's VMM, which cannot let a device
 * go, is replaced by a fresh one) and the link's interfaces are removed.
 * Problems are reported with warnx; returns the number of them. */
int link_client_gone(const char *name);

#endif
