/* SPDX-License-Identifier: MIT */
/* rtnetlink (NETLINK_ROUTE) requests without the ip(8) tool: links up,
 * IPv4 addresses, routes and policy rules, veth pairs (for tests), and
 * the MAC-encoded addresses of Septa's inter-VM links (DESIGN.md "Networking").
 * Every request waits for the kernel's acknowledgement and fails with the
 * kernel's errno. Addresses are IPv4 in network byte order. */
#ifndef SEPTA_NETLINK_H
#define SEPTA_NETLINK_H

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>

/* 0A:B3:EC: the OUI of every inter-VM interface. */
#define SEPTA_OUI0 0x0a
#define SEPTA_OUI1 0xb3
#define SEPTA_OUI2 0xec
/* What a client reaches on every link: its provider, 169.254.0.1. */
#define SEPTA_GATEWAY	 0xa9fe0001u /* host byte order */
#define SEPTA_CLIENT_NET 0x64400000u /* 100.64.0.0, host byte order */

struct nl_addr {
	uint32_t addr_be;
	int prefixlen;
};

/* A NETLINK_ROUTE socket (close-on-exec), bound. -1 with errno. */
int nl_open(void);

/* A NETLINK_ROUTE socket (close-on-exec, non-blocking) that receives a
 * message whenever a link appears, changes or goes. -1 with errno. */
int nl_link_events(void);

/* Rename interface ifindex (it must be down). EINVAL for a bad name. */
int nl_link_rename(int nl, int ifindex, const char *name);

/* Set IFF_UP on interface ifindex. */
int nl_link_up(int nl, int ifindex);

/* Add addr/prefixlen (local and peer address alike, scope global).
 * EEXIST when it is already there. */
int nl_addr_add(int nl, int ifindex, uint32_t addr_be, int prefixlen);

/* Remove addr/prefixlen from ifindex. EADDRNOTAVAIL when it is not
 * there. */
int nl_addr_del(int nl, int ifindex, uint32_t addr_be, int prefixlen);

/* Add or replace the route to dst/dst_len (via gw_be, or on-link when 0)
 * through ifindex: the upstream's default route after a new lease. */
int nl_route_replace(int nl, int ifindex, uint32_t dst_be, int dst_len,
		     uint32_t gw_be);

/* Add a route to dst/dst_len in the main table through ifindex. With gw_be
 * 0 the route is on-link (scope link); else via gw_be, with onlink meaning
 * "gw_be is reachable on this link whatever the addresses say". */
int nl_route_add(int nl, int ifindex, uint32_t dst_be, int dst_len,
		 uint32_t gw_be, bool onlink);

/* Create a veth pair name <-> peer (both down); mac, if not NULL, is
 * name's MAC address. Names must be shorter than IFNAMSIZ, without '/',
 * ':', '%' or white space (EINVAL). */
int nl_veth_add(int nl, const char *name, const char *peer,
		const uint8_t mac[6]);

/* The IPv4 addresses of ifindex (at most max): returns how many there
 * are, -1 with errno. */
int nl_addr_list(int nl, int ifindex, struct nl_addr *out, int max);

/* A tap device (IFF_TAP, no packet information, with virtio-net headers),
 * for a VMM: name may hold "%d" for the kernel to number it; the name it
 * got goes to actual (IFNAMSIZ bytes) when not NULL. The tap lives as long
 * as the returned descriptor (close-on-exec) or a copy of it is open.
 * EINVAL for a bad name; the kernel's errno otherwise. */
int tap_open(const char *name, char actual[IFNAMSIZ]);

/* Create a bridge called name (down). */
int nl_bridge_add(int nl, const char *name);

/* Attach ifindex to the bridge master (0: detach it). */
int nl_link_set_master(int nl, int ifindex, int master);

/* No IPv6 addresses on ifindex, not even a link-local one (address
 * generation mode "none"): the host has no address on a VM's link. */
int nl_link_no_ipv6(int nl, int ifindex);

/* Delete interface ifindex. */
int nl_link_del(int nl, int ifindex);

/* The client side of a Septa link: ifindex up, addr_be/32 on it, an
 * on-link route to SEPTA_GATEWAY/32 and a default route via it. On failure
 * *step names what failed ("link up", "add address", ...). */
int nl_client_setup(int nl, int ifindex, uint32_t addr_be, const char **step);

/* A client's n-th Septa link (n from 0, in ifindex order) has routing
 * table SEPTA_CLIENT_TABLE + n and a rule of that priority: "from its
 * address lookup its table". The main table routes by the first link. */
#define SEPTA_CLIENT_TABLE 100
#define SEPTA_CLIENT_LINKS 64 /* tables 100..163 */

/* As nl_route_add, into routing table (1..255; 254 is the main table). */
int nl_route_add_table(int nl, int table, int ifindex, uint32_t dst_be,
		       int dst_len, uint32_t gw_be, bool onlink);

/* An IPv4 policy rule "from src_be/src_len lookup table" with priority
 * (the order among rules, lower first). EEXIST when the same rule is
 * there. */
int nl_rule_add(int nl, uint32_t src_be, int src_len, int table,
		uint32_t priority);

/* The client side of a client's n-th Septa link (policy routing): ifindex
 * up, addr_be/32 on it; in table SEPTA_CLIENT_TABLE + n an on-link route
 * to SEPTA_GATEWAY/32 and a default route via it; the rule "from
 * addr_be lookup" that table, priority SEPTA_CLIENT_TABLE + n; and for
 * n == 0 the same two routes in the main table. *step as above. */
int nl_client_setup_link(int nl, int ifindex, uint32_t addr_be, int n,
			 const char **step);

/* "0a:b3:ec:00:a5:46" (as in /sys/class/net/NAME/address, any case, with
 * or without a trailing newline) to bytes. -1 with EINVAL. */
int mac_parse(const char *s, uint8_t mac[6]);

/* The client address a MAC encodes: 0A:B3:EC:??:X:Y -> 100.64.X.Y. -1 with
 * EINVAL for another OUI, or X.Y 0.0 or 255.255 (network and broadcast of
 * 100.64.0.0/16). */
int mac_to_client_addr(const uint8_t mac[6], uint32_t *addr_be);

#endif
