/* SPDX-License-Identifier: MIT */
#include "netlink.h"
#include "util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <stddef.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

/*
 * The kernel's netlink ABI, written out here because musl-gcc (the static
 * guest build) sees no kernel headers. Values and layouts are the stable UAPI
 * of <linux/netlink.h>, <linux/rtnetlink.h>, <linux/if_addr.h>,
 * <linux/if_link.h> and <linux/veth.h>; the names are the kernel's, with a
 * k_ prefix on the structures so that they never clash with a libc's.
 */
#define NETLINK_ROUTE 0 /* linux/netlink.h */

struct k_sockaddr_nl {
	sa_family_t nl_family;
	unsigned short nl_pad;
	uint32_t nl_pid;
	uint32_t nl_groups;
};

struct k_nlmsghdr {
	uint32_t nlmsg_len;
	uint16_t nlmsg_type;
	uint16_t nlmsg_flags;
	uint32_t nlmsg_seq;
	uint32_t nlmsg_pid;
};

struct k_nlmsgerr {
	int error;
	struct k_nlmsghdr msg;
};

#define NLM_F_REQUEST 0x01
#define NLM_F_MULTI   0x02
#define NLM_F_ACK     0x04
#define NLM_F_DUMP    0x300 /* NLM_F_ROOT | NLM_F_MATCH */
#define NLM_F_EXCL    0x200
#define NLM_F_CREATE  0x400
#define NLM_F_REPLACE 0x100
#define RTMGRP_LINK   1
#define NLMSG_ERROR   0x2
#define NLMSG_DONE    0x3
#define NLA_F_NESTED  0x8000
#define NL_ALIGN(n)   (((n) + 3u) & ~3u)

/* linux/rtnetlink.h */
#define RTM_NEWLINK  16
#define RTM_DELLINK  17
#define RTM_NEWADDR  20
#define RTM_DELADDR  21
#define RTM_GETADDR  22
#define RTM_NEWROUTE 24
#define RTM_NEWRULE  32

struct k_rtattr {
	unsigned short rta_len;
	unsigned short rta_type;
};

struct k_ifinfomsg {
	unsigned char ifi_family;
	unsigned char ifi_pad;
	unsigned short ifi_type;
	int ifi_index;
	unsigned int ifi_flags;
	unsigned int ifi_change;
};

struct k_rtmsg {
	unsigned char rtm_family;
	unsigned char rtm_dst_len;
	unsigned char rtm_src_len;
	unsigned char rtm_tos;
	unsigned char rtm_table;
	unsigned char rtm_protocol;
	unsigned char rtm_scope;
	unsigned char rtm_type;
	unsigned int rtm_flags;
};

#define RT_TABLE_MAIN	  254
#define RTPROT_BOOT	  3
#define RT_SCOPE_UNIVERSE 0
#define RT_SCOPE_LINK	  253
#define RTN_UNICAST	  1
#define RTNH_F_ONLINK	  4
#define RTA_DST		  1
#define RTA_OIF		  4
#define RTA_GATEWAY	  5
#define RTA_TABLE	  15

/* linux/fib_rules.h */
struct k_fib_rule_hdr {
	uint8_t family;
	uint8_t dst_len;
	uint8_t src_len;
	uint8_t tos;
	uint8_t table;
	uint8_t res1;
	uint8_t res2;
	uint8_t action;
	uint32_t flags;
};

#define FRA_SRC	       2
#define FRA_PRIORITY   6
#define FRA_TABLE      15
#define FR_ACT_TO_TBL  1
#define RT_TABLE_LOCAL 255

/* linux/if_addr.h */
struct k_ifaddrmsg {
	uint8_t ifa_family;
	uint8_t ifa_prefixlen;
	uint8_t ifa_flags;
	uint8_t ifa_scope;
	uint32_t ifa_index;
};

#define IFA_ADDRESS 1
#define IFA_LOCAL   2

/* linux/if_link.h, linux/veth.h */
#define IFLA_ADDRESS 1
#define IFLA_IFNAME  3
#define IFLA_MASTER  10
#define IFLA_AF_SPEC 26
/* linux/if_link.h: IFLA_INET6_ADDR_GEN_MODE, IN6_ADDR_GEN_MODE_NONE */
#define IFLA_INET6_ADDR_GEN_MODE 8
#define IN6_ADDR_GEN_MODE_NONE	 1
#define IFLA_LINKINFO		 18
#define IFLA_INFO_KIND		 1
#define IFLA_INFO_DATA		 2
#define VETH_INFO_PEER		 1

/* Replies (dumps included) never exceed 32 KiB: the kernel caps its dump
 * buffers at what the reader asked for, and at 32 KiB. */
#define NL_RECV_MAX 32768
#define NL_REQ_MAX  512

struct nl_req {
	union {
		struct k_nlmsghdr h;
		char buf[NL_REQ_MAX];
	};
};

static uint32_t nl_seq;

/* A bound NETLINK_ROUTE socket, member of the multicast groups. */
static int nl_socket(uint32_t groups, int flags)
{
	struct k_sockaddr_nl sa = {.nl_family = AF_NETLINK,
				   .nl_groups = groups};
	int fd;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | flags, NETLINK_ROUTE);
	if (fd < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

int nl_open(void)
{
	return nl_socket(0, 0);
}

/* Start a request: header and fixed-size body (zeroed), which it returns. */
static void *req_init(struct nl_req *r, uint16_t type, uint16_t flags,
		      size_t body)
{
	memset(r, 0, sizeof(*r));
	r->h.nlmsg_len = (uint32_t)NL_ALIGN(sizeof(r->h) + body);
	r->h.nlmsg_type = type;
	r->h.nlmsg_flags = NLM_F_REQUEST | flags;
	r->h.nlmsg_seq = ++nl_seq;
	return r->buf + sizeof(r->h);
}

/* Append an attribute; returns it (for nesting), NULL with EMSGSIZE. All
 * our requests are small and fixed, so this never fails in practice. */
static struct k_rtattr *req_attr(struct nl_req *r, uint16_t type,
				 const void *data, size_t len)
{
	size_t off = r->h.nlmsg_len, alen = sizeof(struct k_rtattr) + len;
	struct k_rtattr *a;

	if (off + NL_ALIGN(alen) > sizeof(r->buf)) {
		errno = EMSGSIZE;
		return NULL;
	}
	a = (struct k_rtattr *)(r->buf + off);
	a->rta_type = type;
	a->rta_len = (unsigned short)alen;
	if (len)
		memcpy(a + 1, data, len);
	r->h.nlmsg_len = (uint32_t)(off + NL_ALIGN(alen));
	return a;
}

/* Close a nested attribute opened by req_attr(r, type | NLA_F_NESTED). */
static void req_nest_end(struct nl_req *r, struct k_rtattr *a)
{
	a->rta_len = (unsigned short)(r->buf + r->h.nlmsg_len - (char *)a);
}

static int req_send(int nl, struct nl_req *r)
{
	struct k_sockaddr_nl sa = {.nl_family = AF_NETLINK};
	ssize_t n;

	do
		n = sendto(nl, r->buf, r->h.nlmsg_len, 0,
			   (struct sockaddr *)&sa, sizeof(sa));
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -1;
	if ((size_t)n != r->h.nlmsg_len) {
		errno = EMSGSIZE;
		return -1;
	}
	return 0;
}

/* Receive one datagram from the kernel (others are dropped). */
static ssize_t recv_kernel(int nl, void *buf, size_t size)
{
	struct k_sockaddr_nl sa;
	socklen_t salen;
	ssize_t n;

	for (;;) {
		salen = sizeof(sa);
		n = recvfrom(nl, buf, size, MSG_TRUNC, (struct sockaddr *)&sa,
			     &salen);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if ((size_t)n > size) {
			errno = EMSGSIZE;
			return -1;
		}
		if (salen >= sizeof(sa) && sa.nl_pid == 0)
			return n;
	}
}

/* Walk the replies to request seq: each message goes to fn (when not NULL)
 * until the ACK (or error) or, for a dump, NLMSG_DONE. Returns 0, or -1
 * with the kernel's errno. fn returns -1 to record a failure; the reading
 * goes on to the end, so that the socket stays in step. */
static int req_replies(int nl, uint32_t seq,
		       int (*fn)(const struct k_nlmsghdr *, void *), void *arg)
{
	static uint32_t buf[NL_RECV_MAX / 4];
	int ret = 0, e = 0;

	for (;;) {
		ssize_t n = recv_kernel(nl, buf, sizeof(buf));
		size_t off = 0;

		if (n < 0)
			return -1;
		while (off + sizeof(struct k_nlmsghdr) <= (size_t)n) {
			const struct k_nlmsghdr *h =
			    (const void *)((char *)buf + off);
			const struct k_nlmsgerr *me = (const void *)(h + 1);

			if (h->nlmsg_len < sizeof(*h) ||
			    h->nlmsg_len > (size_t)n - off) {
				errno = EPROTO;
				return -1;
			}
			off += NL_ALIGN(h->nlmsg_len);
			if (h->nlmsg_seq != seq)
				continue;
			if (h->nlmsg_type == NLMSG_DONE)
				goto done;
			if (h->nlmsg_type == NLMSG_ERROR) {
				if (h->nlmsg_len < sizeof(*h) + sizeof(int)) {
					errno = EPROTO;
					return -1;
				}
				if (me->error < 0) {
					ret = -1;
					e = -me->error;
				}
				goto done;
			}
			if (fn && fn(h, arg) < 0 && ret == 0) {
				ret = -1;
				e = errno;
			}
		}
	}
done:
	errno = e;
	return ret;
}

static int req_talk(int nl, struct nl_req *r)
{
	if (req_send(nl, r) < 0)
		return -1;
	return req_replies(nl, r->h.nlmsg_seq, NULL, NULL);
}

/* Start a request about link ifindex: an ifinfomsg naming it, which it
 * returns, or NULL with EINVAL for a bad index. */
static struct k_ifinfomsg *link_req(struct nl_req *r, uint16_t type,
				    int ifindex)
{
	struct k_ifinfomsg *ifi;

	if (ifindex <= 0) {
		errno = EINVAL;
		return NULL;
	}
	ifi = req_init(r, type, NLM_F_ACK, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	return ifi;
}

int nl_link_up(int nl, int ifindex)
{
	struct nl_req r;
	struct k_ifinfomsg *ifi;

	ifi = link_req(&r, RTM_NEWLINK, ifindex);
	if (!ifi)
		return -1;
	ifi->ifi_flags = IFF_UP;
	ifi->ifi_change = IFF_UP;
	return req_talk(nl, &r);
}

int nl_link_events(void)
{
	return nl_socket(RTMGRP_LINK, SOCK_NONBLOCK);
}

int nl_link_rename(int nl, int ifindex, const char *name)
{
	struct nl_req r;
	size_t len = strlen(name);

	if (len == 0 || len >= IFNAMSIZ || strpbrk(name, "/:% \t\n")) {
		errno = EINVAL;
		return -1;
	}
	if (!link_req(&r, RTM_NEWLINK, ifindex) ||
	    !req_attr(&r, IFLA_IFNAME, name, len + 1))
		return -1;
	return req_talk(nl, &r);
}

static int addr_req(int nl, uint16_t type, uint16_t flags, int ifindex,
		    uint32_t addr_be, int prefixlen)
{
	struct nl_req r;
	struct k_ifaddrmsg *ifa;

	if (ifindex <= 0 || prefixlen < 0 || prefixlen > 32) {
		errno = EINVAL;
		return -1;
	}
	ifa = req_init(&r, type, NLM_F_ACK | flags, sizeof(*ifa));
	ifa->ifa_family = AF_INET;
	ifa->ifa_prefixlen = (uint8_t)prefixlen;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	ifa->ifa_index = (uint32_t)ifindex;
	if (!req_attr(&r, IFA_LOCAL, &addr_be, 4) ||
	    !req_attr(&r, IFA_ADDRESS, &addr_be, 4))
		return -1;
	return req_talk(nl, &r);
}

int nl_addr_add(int nl, int ifindex, uint32_t addr_be, int prefixlen)
{
	return addr_req(nl, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, ifindex,
			addr_be, prefixlen);
}

int nl_addr_del(int nl, int ifindex, uint32_t addr_be, int prefixlen)
{
	return addr_req(nl, RTM_DELADDR, 0, ifindex, addr_be, prefixlen);
}

static int route_req(int nl, uint16_t flags, int table, int ifindex,
		     uint32_t dst_be, int dst_len, uint32_t gw_be, bool onlink)
{
	uint32_t oif = (uint32_t)ifindex, tab = (uint32_t)table;
	struct nl_req r;
	struct k_rtmsg *rt;

	if (ifindex <= 0 || dst_len < 0 || dst_len > 32 || table <= 0 ||
	    table >= RT_TABLE_LOCAL) {
		errno = EINVAL;
		return -1;
	}
	rt = req_init(&r, RTM_NEWROUTE, NLM_F_ACK | NLM_F_CREATE | flags,
		      sizeof(*rt));
	rt->rtm_family = AF_INET;
	rt->rtm_dst_len = (unsigned char)dst_len;
	rt->rtm_table = (unsigned char)table;
	rt->rtm_protocol = RTPROT_BOOT;
	rt->rtm_scope = gw_be ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK;
	rt->rtm_type = RTN_UNICAST;
	rt->rtm_flags = gw_be && onlink ? RTNH_F_ONLINK : 0;
	if (dst_len > 0 && !req_attr(&r, RTA_DST, &dst_be, 4))
		return -1;
	if (gw_be && !req_attr(&r, RTA_GATEWAY, &gw_be, 4))
		return -1;
	if (!req_attr(&r, RTA_OIF, &oif, 4) ||
	    !req_attr(&r, RTA_TABLE, &tab, 4))
		return -1;
	return req_talk(nl, &r);
}

int nl_route_add(int nl, int ifindex, uint32_t dst_be, int dst_len,
		 uint32_t gw_be, bool onlink)
{
	return route_req(nl, NLM_F_EXCL, RT_TABLE_MAIN, ifindex, dst_be,
			 dst_len, gw_be, onlink);
}

int nl_route_add_table(int nl, int table, int ifindex, uint32_t dst_be,
		       int dst_len, uint32_t gw_be, bool onlink)
{
	return route_req(nl, NLM_F_EXCL, table, ifindex, dst_be, dst_len, gw_be,
			 onlink);
}

int nl_route_replace(int nl, int ifindex, uint32_t dst_be, int dst_len,
		     uint32_t gw_be)
{
	return route_req(nl, NLM_F_REPLACE, RT_TABLE_MAIN, ifindex, dst_be,
			 dst_len, gw_be, false);
}

int nl_rule_add(int nl, uint32_t src_be, int src_len, int table,
		uint32_t priority)
{
	uint32_t tab = (uint32_t)table;
	struct k_fib_rule_hdr *frh;
	struct nl_req r;

	if (src_len < 0 || src_len > 32 || table <= 0 ||
	    table >= RT_TABLE_LOCAL) {
		errno = EINVAL;
		return -1;
	}
	frh = req_init(&r, RTM_NEWRULE, NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL,
		       sizeof(*frh));
	frh->family = AF_INET;
	frh->src_len = (uint8_t)src_len;
	frh->table = (uint8_t)table;
	frh->action = FR_ACT_TO_TBL;
	if ((src_len > 0 && !req_attr(&r, FRA_SRC, &src_be, 4)) ||
	    !req_attr(&r, FRA_PRIORITY, &priority, 4) ||
	    !req_attr(&r, FRA_TABLE, &tab, 4))
		return -1;
	return req_talk(nl, &r);
}

static bool ifname_ok(const char *name)
{
	size_t len = strlen(name);

	return len > 0 && len < IFNAMSIZ && !strpbrk(name, "/:% \t\n") &&
	       strcmp(name, ".") != 0 && strcmp(name, "..") != 0;
}

/* Start a request that creates the link name (EEXIST if it exists):
 * NULL with EINVAL for a bad name. Its kind's attributes follow. */
static struct k_ifinfomsg *link_new(struct nl_req *r, const char *name)
{
	struct k_ifinfomsg *ifi;

	if (!ifname_ok(name)) {
		errno = EINVAL;
		return NULL;
	}
	ifi = req_init(r, RTM_NEWLINK, NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL,
		       sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	if (!req_attr(r, IFLA_IFNAME, name, strlen(name) + 1))
		return NULL;
	return ifi;
}

int nl_veth_add(int nl, const char *name, const char *peer,
		const uint8_t mac[6])
{
	struct k_rtattr *info, *data, *pa;
	struct k_ifinfomsg peer_ifi = {.ifi_family = AF_UNSPEC};
	struct nl_req r;

	if (!ifname_ok(peer)) {
		errno = EINVAL;
		return -1;
	}
	if (!link_new(&r, name))
		return -1;
	if (mac && !req_attr(&r, IFLA_ADDRESS, mac, 6))
		return -1;
	info = req_attr(&r, IFLA_LINKINFO | NLA_F_NESTED, NULL, 0);
	if (!info || !req_attr(&r, IFLA_INFO_KIND, "veth", 5))
		return -1;
	data = req_attr(&r, IFLA_INFO_DATA | NLA_F_NESTED, NULL, 0);
	if (!data)
		return -1;
	/* VETH_INFO_PEER: an ifinfomsg for the peer, then its attributes. */
	pa = req_attr(&r, VETH_INFO_PEER | NLA_F_NESTED, &peer_ifi,
		      sizeof(peer_ifi));
	if (!pa || !req_attr(&r, IFLA_IFNAME, peer, strlen(peer) + 1))
		return -1;
	req_nest_end(&r, pa);
	req_nest_end(&r, data);
	req_nest_end(&r, info);
	return req_talk(nl, &r);
}

struct addr_list {
	int ifindex;
	struct nl_addr *out;
	int max;
	int n;
};

static int addr_one(const struct k_nlmsghdr *h, void *arg)
{
	const struct k_ifaddrmsg *ifa = (const void *)(h + 1);
	const struct k_rtattr *a;
	struct addr_list *l = arg;
	size_t off, end = h->nlmsg_len;
	uint32_t addr = 0;
	bool found = false;

	if (h->nlmsg_type != RTM_NEWADDR || end < sizeof(*h) + sizeof(*ifa) ||
	    ifa->ifa_family != AF_INET || (int)ifa->ifa_index != l->ifindex)
		return 0;
	for (off = sizeof(*h) + NL_ALIGN(sizeof(*ifa)); off + sizeof(*a) <= end;
	     off += NL_ALIGN(a->rta_len)) {
		a = (const void *)((const char *)h + off);
		if (a->rta_len < sizeof(*a) || a->rta_len > end - off)
			break;
		/* IFA_LOCAL is the address itself; IFA_ADDRESS is the
		 * peer's on point-to-point links, so it only stands in. */
		if ((a->rta_type == IFA_LOCAL ||
		     (a->rta_type == IFA_ADDRESS && !found)) &&
		    a->rta_len == sizeof(*a) + 4) {
			memcpy(&addr, a + 1, 4);
			found = true;
		}
	}
	if (!found)
		return 0;
	if (l->n < l->max) {
		l->out[l->n].addr_be = addr;
		l->out[l->n].prefixlen = ifa->ifa_prefixlen;
	}
	l->n++;
	return 0;
}

int nl_addr_list(int nl, int ifindex, struct nl_addr *out, int max)
{
	struct addr_list l = {.ifindex = ifindex, .out = out, .max = max};
	struct k_ifaddrmsg *ifa;
	struct nl_req r;

	ifa = req_init(&r, RTM_GETADDR, NLM_F_DUMP, sizeof(*ifa));
	ifa->ifa_family = AF_INET;
	if (req_send(nl, &r) < 0 ||
	    req_replies(nl, r.h.nlmsg_seq, addr_one, &l) < 0)
		return -1;
	return l.n;
}

/* linux/if_tun.h */
#define TUNSETIFF    _IOW('T', 202, int)
#define IFF_TAP	     0x0002
#define IFF_NO_PI    0x1000
#define IFF_VNET_HDR 0x4000

int tap_open(const char *name, char actual[IFNAMSIZ])
{
	struct ifreq ifr;
	const char *pct = strchr(name, '%');
	char check[IFNAMSIZ];
	bool ok;
	int fd, e;

	/* One "%d" is the kernel's to fill in ("0" in its place for the
	 * check); the rest must be a name. */
	ok = pct ? pct[1] == 'd' && !strchr(pct + 1, '%') &&
		       fmt(check, sizeof(check), "%.*s0%s", (int)(pct - name),
			   name, pct + 2) == 0 &&
		       ifname_ok(check)
		 : ifname_ok(name);

	if (!ok) {
		errno = EINVAL;
		return -1;
	}
	fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -1;
	memset(&ifr, 0, sizeof(ifr));
	memcpy(ifr.ifr_name, name, strlen(name));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	if (actual) {
		memcpy(actual, ifr.ifr_name, IFNAMSIZ);
		actual[IFNAMSIZ - 1] = '\0';
	}
	return fd;
}

int nl_bridge_add(int nl, const char *name)
{
	struct k_rtattr *info;
	struct nl_req r;

	if (!link_new(&r, name))
		return -1;
	info = req_attr(&r, IFLA_LINKINFO | NLA_F_NESTED, NULL, 0);
	if (!info || !req_attr(&r, IFLA_INFO_KIND, "bridge", 7))
		return -1;
	req_nest_end(&r, info);
	return req_talk(nl, &r);
}

int nl_link_set_master(int nl, int ifindex, int master)
{
	uint32_t m = (uint32_t)master;
	struct nl_req r;

	if (master < 0) {
		errno = EINVAL;
		return -1;
	}
	if (!link_req(&r, RTM_NEWLINK, ifindex) ||
	    !req_attr(&r, IFLA_MASTER, &m, 4))
		return -1;
	return req_talk(nl, &r);
}

int nl_link_no_ipv6(int nl, int ifindex)
{
	uint8_t mode = IN6_ADDR_GEN_MODE_NONE;
	struct k_rtattr *spec, *inet6;
	struct nl_req r;

	if (!link_req(&r, RTM_NEWLINK, ifindex))
		return -1;
	spec = req_attr(&r, IFLA_AF_SPEC | NLA_F_NESTED, NULL, 0);
	if (!spec)
		return -1;
	inet6 = req_attr(&r, AF_INET6 | NLA_F_NESTED, NULL, 0);
	if (!inet6 || !req_attr(&r, IFLA_INET6_ADDR_GEN_MODE, &mode, 1))
		return -1;
	req_nest_end(&r, inet6);
	req_nest_end(&r, spec);
	return req_talk(nl, &r);
}

int nl_link_del(int nl, int ifindex)
{
	struct nl_req r;

	if (!link_req(&r, RTM_DELLINK, ifindex))
		return -1;
	return req_talk(nl, &r);
}

int nl_client_setup(int nl, int ifindex, uint32_t addr_be, const char **step)
{
	uint32_t gw = htonl(SEPTA_GATEWAY);

	*step = "link up";
	if (nl_link_up(nl, ifindex) < 0)
		return -1;
	*step = "add address";
	if (nl_addr_add(nl, ifindex, addr_be, 32) < 0)
		return -1;
	*step = "add route to 169.254.0.1";
	if (nl_route_add(nl, ifindex, gw, 32, 0, false) < 0)
		return -1;
	*step = "add default route";
	if (nl_route_add(nl, ifindex, 0, 0, gw, true) < 0)
		return -1;
	*step = NULL;
	return 0;
}

int nl_client_setup_link(int nl, int ifindex, uint32_t addr_be, int n,
			 const char **step)
{
	uint32_t gw = htonl(SEPTA_GATEWAY);
	int table = SEPTA_CLIENT_TABLE + n;

	*step = "link number";
	if (n < 0 || n >= SEPTA_CLIENT_LINKS) {
		errno = EINVAL;
		return -1;
	}
	*step = "link up";
	if (nl_link_up(nl, ifindex) < 0)
		return -1;
	*step = "add address";
	if (nl_addr_add(nl, ifindex, addr_be, 32) < 0)
		return -1;
	*step = "add route to 169.254.0.1 in the link's table";
	if (nl_route_add_table(nl, table, ifindex, gw, 32, 0, false) < 0)
		return -1;
	*step = "add default route in the link's table";
	if (nl_route_add_table(nl, table, ifindex, 0, 0, gw, true) < 0)
		return -1;
	*step = "add rule for the link's address";
	if (nl_rule_add(nl, addr_be, 32, table, (uint32_t)table) < 0)
		return -1;
	if (n == 0) {
		*step = "add route to 169.254.0.1";
		if (nl_route_add(nl, ifindex, gw, 32, 0, false) < 0)
			return -1;
		*step = "add default route";
		if (nl_route_add(nl, ifindex, 0, 0, gw, true) < 0)
			return -1;
	}
	*step = NULL;
	return 0;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int mac_parse(const char *s, uint8_t mac[6])
{
	size_t len = strlen(s);
	int i;

	if (len == 18 && s[17] == '\n')
		len--;
	if (len != 17)
		goto bad;
	for (i = 0; i < 6; i++) {
		int hi = hexval(s[3 * i]), lo = hexval(s[3 * i + 1]);

		if (hi < 0 || lo < 0 || (i < 5 && s[3 * i + 2] != ':'))
			goto bad;
		mac[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
bad:
	errno = EINVAL;
	return -1;
}

int mac_to_client_addr(const uint8_t mac[6], uint32_t *addr_be)
{
	uint32_t xy = (uint32_t)mac[4] << 8 | mac[5];

	if (mac[0] != SEPTA_OUI0 || mac[1] != SEPTA_OUI1 ||
	    mac[2] != SEPTA_OUI2 || xy == 0 || xy == 0xffff) {
		errno = EINVAL;
		return -1;
	}
	*addr_be = htonl(SEPTA_CLIENT_NET | xy);
	return 0;
}
