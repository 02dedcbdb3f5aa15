/* SPDX-License-Identifier: MIT */
/* MAC parsing and the MAC -> address mapping, then the rtnetlink requests
 * for real, in a fresh network namespace (a forked child), checked with an
 * address dump, /proc/net/route and SIOCGIFFLAGS. Without the privilege
 * to make a namespace, those checks are skipped and say why. */
#include "check.h"
#include "netlink.h"

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

struct mac_case {
	const char *name;
	uint8_t mac[6];
	const char *addr; /* NULL: refused with EINVAL */
};

static const struct mac_case macs[] = {
    {"mac-design-example",
     {0x0a, 0xb3, 0xec, 0x00, 0xa5, 0x46},
     "100.64.165.70"},
    {"mac-lowest", {0x0a, 0xb3, 0xec, 0x00, 0x00, 0x01}, "100.64.0.1"},
    {"mac-x-only", {0x0a, 0xb3, 0xec, 0x00, 0x01, 0x00}, "100.64.1.0"},
    {"mac-highest", {0x0a, 0xb3, 0xec, 0x00, 0xff, 0xfe}, "100.64.255.254"},
    {"mac-y-255", {0x0a, 0xb3, 0xec, 0x00, 0x00, 0xff}, "100.64.0.255"},
    {"mac-fourth-byte-ignored",
     {0x0a, 0xb3, 0xec, 0x80, 0x01, 0x02},
     "100.64.1.2"},
    {"mac-reserved-0.0", {0x0a, 0xb3, 0xec, 0x00, 0x00, 0x00}, NULL},
    {"mac-reserved-255.255", {0x0a, 0xb3, 0xec, 0x00, 0xff, 0xff}, NULL},
    {"mac-other-oui", {0x52, 0x54, 0x00, 0x12, 0x34, 0x56}, NULL},
    {"mac-oui-byte-0", {0x0b, 0xb3, 0xec, 0x00, 0x01, 0x02}, NULL},
    {"mac-oui-byte-1", {0x0a, 0xb2, 0xec, 0x00, 0x01, 0x02}, NULL},
    {"mac-oui-byte-2", {0x0a, 0xb3, 0xed, 0x00, 0x01, 0x02}, NULL},
};

static bool mac_case_ok(const struct mac_case *m)
{
	uint32_t addr = 0x12345678;
	char got[INET_ADDRSTRLEN];

	errno = 0;
	if (!m->addr)
		return mac_to_client_addr(m->mac, &addr) < 0 &&
		       errno == EINVAL && addr == 0x12345678;
	if (mac_to_client_addr(m->mac, &addr) < 0)
		return false;
	inet_ntop(AF_INET, &addr, got, sizeof(got));
	if (strcmp(got, m->addr) != 0)
		printf("# got %s, want %s\n", got, m->addr);
	return strcmp(got, m->addr) == 0;
}

static void test_mac(void)
{
	uint8_t mac[6];
	size_t i;

	for (i = 0; i < sizeof(macs) / sizeof(macs[0]); i++)
		CHECK(macs[i].name, mac_case_ok(&macs[i]));
	CHECK("mac_parse-sysfs-line",
	      mac_parse("0a:b3:ec:00:a5:46\n", mac) == 0 && mac[0] == 0x0a &&
		  mac[4] == 0xa5 && mac[5] == 0x46);
	CHECK("mac_parse-upper-case",
	      mac_parse("0A:B3:EC:00:A5:46", mac) == 0 && mac[2] == 0xec);
	CHECK("mac_parse-too-short",
	      mac_parse("0a:b3:ec:00:a5:4", mac) < 0 && errno == EINVAL);
	CHECK("mac_parse-too-long", mac_parse("0a:b3:ec:00:a5:46:", mac) < 0);
	CHECK("mac_parse-bad-separator",
	      mac_parse("0a-b3-ec-00-a5-46", mac) < 0);
	CHECK("mac_parse-bad-digit", mac_parse("0g:b3:ec:00:a5:46", mac) < 0);
	CHECK("mac_parse-empty", mac_parse("", mac) < 0);
}

/* ---- in a network namespace: the child reports TAP lines itself ------ */

static int link_flags(const char *name)
{
	struct ifreq ifr;
	int fd, r;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	r = ioctl(fd, SIOCGIFFLAGS, &ifr);
	close(fd);
	return r < 0 ? -1 : ifr.ifr_flags;
}

static bool has_addr(int nl, int ifindex, const char *addr, int prefixlen)
{
	struct nl_addr a[16];
	uint32_t want;
	int i, n;

	inet_pton(AF_INET, addr, &want);
	n = nl_addr_list(nl, ifindex, a, 16);
	for (i = 0; i < n && i < 16; i++)
		if (a[i].addr_be == want && a[i].prefixlen == prefixlen)
			return true;
	return false;
}

/* A /proc/net/route line: interface, destination, gateway (hex, in the
 * kernel's byte order, i.e. network order read as a host integer), mask. */
static bool has_route(const char *ifname, const char *dst, const char *gw,
		      const char *mask)
{
	char line[256], want[128];
	bool found = false;
	uint32_t d, g, m;
	FILE *f;

	inet_pton(AF_INET, dst, &d);
	inet_pton(AF_INET, gw, &g);
	inet_pton(AF_INET, mask, &m);
	snprintf(want, sizeof(want), "%s\t%08X\t%08X\t", ifname, d, g);
	f = fopen("/proc/net/route", "re");
	if (!f)
		return false;
	while (fgets(line, sizeof(line), f)) {
		char mhex[16];
		unsigned int mm;

		if (strncmp(line, want, strlen(want)) != 0)
			continue;
		/* Iface Dest Gateway Flags RefCnt Use Metric Mask ... */
		if (sscanf(line, "%*s %*s %*s %*s %*s %*s %*s %15s", mhex) ==
			1 &&
		    sscanf(mhex, "%X", &mm) == 1 && mm == m)
			found = true;
	}
	fclose(f);
	return found;
}

static uint32_t ip(const char *s)
{
	uint32_t a;

	inet_pton(AF_INET, s, &a);
	return a;
}

static void test_lo(int nl)
{
	int lo = (int)if_nametoindex("lo");

	CHECK("nl_link_up-lo",
	      nl_link_up(nl, lo) == 0 && (link_flags("lo") & IFF_UP) != 0);
	CHECK("nl_link_up-again-ok", nl_link_up(nl, lo) == 0);
	CHECK("nl_link_up-no-such-interface",
	      nl_link_up(nl, 9999) < 0 && errno == ENODEV);
	CHECK("nl_addr_add-lo-127.0.0.2",
	      nl_addr_add(nl, lo, ip("127.0.0.2"), 32) == 0 &&
		  has_addr(nl, lo, "127.0.0.2", 32));
	CHECK("nl_addr_list-sees-127.0.0.1", has_addr(nl, lo, "127.0.0.1", 8));
	CHECK("nl_addr_list-counts", nl_addr_list(nl, lo, NULL, 0) == 2);
	CHECK("nl_addr_add-duplicate-EEXIST",
	      nl_addr_add(nl, lo, ip("127.0.0.2"), 32) < 0 && errno == EEXIST);
	CHECK("nl_addr_add-bad-prefix",
	      nl_addr_add(nl, lo, ip("127.0.0.3"), 33) < 0 && errno == EINVAL);
	CHECK("nl_addr_add-no-such-interface",
	      nl_addr_add(nl, 9999, ip("127.0.0.3"), 32) < 0 &&
		  errno == ENODEV);
}

static void test_veth(int nl)
{
	static const uint8_t mac[6] = {0x0a, 0xb3, 0xec, 0x00, 0xa5, 0x46};
	int v0, v1, n, nl2, ev;
	uint32_t addr;
	const char *step = "?";

	CHECK("nl_veth_add", nl_veth_add(nl, "sv0", "sv1", mac) == 0);
	CHECK("nl_veth_add-duplicate-EEXIST",
	      nl_veth_add(nl, "sv0", "sv2", NULL) < 0 && errno == EEXIST);
	CHECK("nl_veth_add-bad-name",
	      nl_veth_add(nl, "a%d", "b", NULL) < 0 && errno == EINVAL);
	CHECK("nl_veth_add-name-too-long",
	      nl_veth_add(nl, "abcdefghijklmnop", "b", NULL) < 0 &&
		  errno == EINVAL);
	v0 = (int)if_nametoindex("sv0");
	v1 = (int)if_nametoindex("sv1");
	CHECK("nl_veth_add-both-ends", v0 > 0 && v1 > 0);
	CHECK("nl_route_add-device-down-ENETDOWN",
	      nl_route_add(nl, v0, ip("169.254.0.1"), 32, 0, false) < 0 &&
		  errno == ENETDOWN);
	mac_to_client_addr(mac, &addr);
	n = nl_client_setup(nl, v0, addr, &step);
	if (n < 0)
		printf("# nl_client_setup: %s: %s\n", step, strerror(errno));
	CHECK("nl_client_setup", n == 0 && step == NULL);
	CHECK("nl_client_setup-link-up", (link_flags("sv0") & IFF_UP) != 0);
	CHECK("nl_client_setup-address", has_addr(nl, v0, "100.64.165.70", 32));
	CHECK("nl_client_setup-only-that-address",
	      nl_addr_list(nl, v0, NULL, 0) == 1);
	CHECK("nl_client_setup-route-to-gateway",
	      has_route("sv0", "169.254.0.1", "0.0.0.0", "255.255.255.255"));
	CHECK("nl_client_setup-default-route",
	      has_route("sv0", "0.0.0.0", "169.254.0.1", "0.0.0.0"));
	CHECK("nl_client_setup-again-EEXIST",
	      nl_client_setup(nl, v0, addr, &step) < 0 && errno == EEXIST &&
		  strcmp(step, "add address") == 0);
	CHECK("nl_route_add-onlink-without-link-route",
	      nl_link_up(nl, v1) == 0 &&
		  nl_route_add(nl, v1, ip("10.9.0.0"), 16, ip("192.0.2.1"),
			       true) == 0 &&
		  has_route("sv1", "10.9.0.0", "192.0.2.1", "255.255.0.0"));
	CHECK("nl_route_add-gateway-unreachable-without-onlink",
	      nl_route_add(nl, v1, ip("10.8.0.0"), 16, ip("192.0.2.1"), false) <
		      0 &&
		  errno == ENETUNREACH);
	CHECK("nl_route_add-bad-length",
	      nl_route_add(nl, v1, 0, 33, 0, false) < 0 && errno == EINVAL);
	CHECK("nl_addr_del", nl_addr_del(nl, v0, addr, 32) == 0 &&
				 nl_addr_list(nl, v0, NULL, 0) == 0);
	CHECK("nl_addr_del-absent-EADDRNOTAVAIL",
	      nl_addr_del(nl, v0, addr, 32) < 0 && errno == EADDRNOTAVAIL);
	CHECK("nl_route_replace-default",
	      nl_addr_add(nl, v1, ip("192.0.2.10"), 24) == 0 &&
		  nl_route_replace(nl, v1, 0, 0, ip("192.0.2.1")) == 0 &&
		  nl_route_replace(nl, v1, 0, 0, ip("192.0.2.2")) == 0 &&
		  has_route("sv1", "0.0.0.0", "192.0.2.2", "0.0.0.0") &&
		  !has_route("sv1", "0.0.0.0", "192.0.2.1", "0.0.0.0"));
	ev = nl_link_events();
	CHECK("nl_link_events", ev >= 0);
	CHECK("nl_link_rename-bad-name",
	      nl_link_rename(nl, v1, "a/b") < 0 && errno == EINVAL);
	CHECK("nl_link_rename",
	      nl_veth_add(nl, "sv3", "sv4", NULL) == 0 &&
		  nl_link_rename(nl, (int)if_nametoindex("sv3"), "upstream") ==
		      0 &&
		  if_nametoindex("upstream") > 0 && if_nametoindex("sv3") == 0);
	{
		char buf[8192];
		struct pollfd pf = {.fd = ev, .events = POLLIN};

		CHECK("nl_link_events-sees-new-links",
		      ev >= 0 && poll(&pf, 1, 1000) == 1 &&
			  recv(ev, buf, sizeof(buf), 0) > 0);
	}
	if (ev >= 0)
		close(ev);
	nl2 = nl_open();
	CHECK("nl_open-second-socket",
	      nl2 >= 0 && has_addr(nl2, v1, "192.0.2.10", 24));
	if (nl2 >= 0)
		close(nl2);
}

/* Whether /proc/net/if_inet6 lists an address on interface name. */
static bool has_inet6(const char *name)
{
	char line[256], dev[IFNAMSIZ + 1];
	bool found = false;
	FILE *f = fopen("/proc/net/if_inet6", "re");

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "%*s %*s %*s %*s %*s %16s", dev) == 1 &&
		    strcmp(dev, name) == 0)
			found = true;
	if (f)
		fclose(f);
	return found;
}

static bool master_is(const char *name, const char *master)
{
	char path[128], target[128];
	ssize_t n;

	snprintf(path, sizeof(path), "/sys/class/net/%s/master", name);
	n = readlink(path, target, sizeof(target) - 1);
	if (n < 0)
		return false;
	target[n] = '\0';
	return strcmp(strrchr(target, '/') + 1, master) == 0;
}

/* A VM's link on the host: a tap on a bridge of its own, both up, and
 * no address on either, not even IPv6's link-local one. */
static void test_tap_bridge(int nl)
{
	char t0[IFNAMSIZ] = "", t1[IFNAMSIZ] = "";
	int fd0, fd1, b0, b1, i0, i1, i;

	fd0 = tap_open("st%d", t0);
	CHECK("tap_open",
	      fd0 >= 0 && strcmp(t0, "st0") == 0 && if_nametoindex("st0") > 0);
	CHECK("tap_open-bad-name",
	      tap_open("a/b", NULL) < 0 && errno == EINVAL);
	CHECK("nl_bridge_add", nl_bridge_add(nl, "sbr0") == 0);
	CHECK("nl_bridge_add-duplicate-EEXIST",
	      nl_bridge_add(nl, "sbr0") < 0 && errno == EEXIST);
	CHECK("nl_bridge_add-bad-name",
	      nl_bridge_add(nl, "b r") < 0 && errno == EINVAL);
	b0 = (int)if_nametoindex("sbr0");
	i0 = (int)if_nametoindex("st0");
	CHECK("nl_link_no_ipv6",
	      nl_link_no_ipv6(nl, b0) == 0 && nl_link_no_ipv6(nl, i0) == 0);
	CHECK("nl_link_set_master",
	      nl_link_set_master(nl, i0, b0) == 0 && master_is("st0", "sbr0"));
	CHECK("link-up", nl_link_up(nl, b0) == 0 && nl_link_up(nl, i0) == 0);
	/* The same without nl_link_no_ipv6, to show what it prevents. */
	fd1 = tap_open("st%d", t1);
	nl_bridge_add(nl, "sbr1");
	b1 = (int)if_nametoindex("sbr1");
	i1 = (int)if_nametoindex(t1);
	nl_link_set_master(nl, i1, b1);
	nl_link_up(nl, b1);
	nl_link_up(nl, i1);
	for (i = 0; i < 50 && !has_inet6(t1); i++)
		usleep(20000);
	CHECK("ipv6-link-local-without-no_ipv6", has_inet6(t1));
	CHECK("no-address-with-no_ipv6",
	      !has_inet6("st0") && !has_inet6("sbr0") &&
		  nl_addr_list(nl, i0, NULL, 0) == 0 &&
		  nl_addr_list(nl, b0, NULL, 0) == 0);
	CHECK("nl_link_set_master-detach",
	      nl_link_set_master(nl, i0, 0) == 0 && !master_is("st0", "sbr0"));
	if (fd0 >= 0)
		close(fd0);
	CHECK("tap-gone-with-its-fd", if_nametoindex("st0") == 0);
	CHECK("nl_link_del",
	      nl_link_del(nl, b0) == 0 && if_nametoindex("sbr0") == 0);
	CHECK("nl_link_del-absent-ENODEV",
	      nl_link_del(nl, b0) < 0 && errno == ENODEV);
	if (fd1 >= 0)
		close(fd1);
	nl_link_del(nl, b1);
}

/* Whether the output of an ip(8) command has a line with want in it
 * (iproute2 is a test dependency; without it the check fails, named). */
static bool ip_shows(const char *cmd, const char *want)
{
	char line[256];
	bool found = false;
	FILE *p = popen(cmd, "r");

	while (p && fgets(line, sizeof(line), p))
		if (strstr(line, want))
			found = true;
	if (p)
		pclose(p);
	return found;
}

/* A client with two Septa links (before any other test's default route):
 * each link's routes in a table of its
 * own with a rule for its address; the main table by the first link. */
static void test_policy(int nl)
{
	static const uint8_t m0[6] = {0x0a, 0xb3, 0xec, 0x00, 0x01, 0x02};
	static const uint8_t m1[6] = {0x0a, 0xb3, 0xec, 0x00, 0x03, 0x04};
	const char *step = "?";
	uint32_t a0, a1;
	int p0, p1, r;

	nl_veth_add(nl, "pa0", "pb0", m0);
	nl_veth_add(nl, "pa1", "pb1", m1);
	p0 = (int)if_nametoindex("pa0");
	p1 = (int)if_nametoindex("pa1");
	mac_to_client_addr(m0, &a0);
	mac_to_client_addr(m1, &a1);
	CHECK("nl_rule_add-bad-table",
	      nl_rule_add(nl, a0, 32, 0, 100) < 0 && errno == EINVAL);
	CHECK("nl_rule_add-bad-length",
	      nl_rule_add(nl, a0, 33, 100, 100) < 0 && errno == EINVAL);
	CHECK("nl_route_add_table-local-table-refused",
	      nl_route_add_table(nl, 255, p0, 0, 0, ip("169.254.0.1"), true) <
		      0 &&
		  errno == EINVAL);
	CHECK("nl_client_setup_link-bad-number",
	      nl_client_setup_link(nl, p0, a0, SEPTA_CLIENT_LINKS, &step) < 0 &&
		  errno == EINVAL);
	r = nl_client_setup_link(nl, p0, a0, 0, &step);
	if (r < 0)
		printf("# link 0: %s: %s\n", step, strerror(errno));
	CHECK("nl_client_setup_link-first", r == 0 && step == NULL);
	r = nl_client_setup_link(nl, p1, a1, 1, &step);
	if (r < 0)
		printf("# link 1: %s: %s\n", step, strerror(errno));
	CHECK("nl_client_setup_link-second-no-EEXIST", r == 0 && step == NULL);
	CHECK(
	    "nl_client_setup_link-main-default-by-first-only",
	    has_route("pa0", "0.0.0.0", "169.254.0.1", "0.0.0.0") &&
		has_route("pa0", "169.254.0.1", "0.0.0.0", "255.255.255.255") &&
		!has_route("pa1", "0.0.0.0", "169.254.0.1", "0.0.0.0") &&
		!has_route("pa1", "169.254.0.1", "0.0.0.0", "255.255.255.255"));
	CHECK("nl_client_setup_link-rules",
	      ip_shows("ip -4 rule show 2>&1",
		       "100:\tfrom 100.64.1.2 lookup 100") &&
		  ip_shows("ip -4 rule show 2>&1",
			   "101:\tfrom 100.64.3.4 lookup 101"));
	CHECK("nl_client_setup_link-table-100",
	      ip_shows("ip -4 route show table 100 2>&1",
		       "default via 169.254.0.1 dev pa0 onlink") &&
		  ip_shows("ip -4 route show table 100 2>&1",
			   "169.254.0.1 dev pa0 scope link"));
	CHECK("nl_client_setup_link-table-101",
	      ip_shows("ip -4 route show table 101 2>&1",
		       "default via 169.254.0.1 dev pa1 onlink") &&
		  ip_shows("ip -4 route show table 101 2>&1",
			   "169.254.0.1 dev pa1 scope link"));
	CHECK("route-by-source-address",
	      ip_shows("ip -4 route get 8.8.8.8 from 100.64.3.4 2>&1",
		       "via 169.254.0.1 dev pa1") &&
		  ip_shows("ip -4 route get 8.8.8.8 2>&1",
			   "via 169.254.0.1 dev pa0 src 100.64.1.2"));
	CHECK("nl_rule_add-duplicate-EEXIST",
	      nl_rule_add(nl, a1, 32, 101, 101) < 0 && errno == EEXIST);
	CHECK("nl_route_add_table-duplicate-EEXIST",
	      nl_route_add_table(nl, 101, p1, 0, 0, ip("169.254.0.1"), true) <
		      0 &&
		  errno == EEXIST);
	/* Their routes go with them; the next tests want an empty main
	 * table. */
	nl_link_del(nl, p0);
	nl_link_del(nl, p1);
}

/* Runs in the child, inside the new namespace; its stdout is the pipe the
 * parent relays. Exit 0: ran; 77: no namespace. */
static int in_netns(void)
{
	int nl;

	if (unshare(CLONE_NEWNET) < 0) {
		printf("skip unshare(CLONE_NEWNET): %s\n", strerror(errno));
		return 77;
	}
	/* sysfs shows the network namespace of whoever mounted it: a
	 * private mount of our own, to read our links' masters there. */
	if (unshare(CLONE_NEWNS) < 0 ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
	    mount("sysfs", "/sys", "sysfs", 0, NULL) < 0)
		printf("# no private sysfs: %s\n", strerror(errno));
	nl = nl_open();
	CHECK("nl_open", nl >= 0);
	if (nl < 0)
		return 0;
	test_lo(nl);
	test_policy(nl);
	test_veth(nl);
	test_tap_bridge(nl);
	close(nl);
	printf("count %d %d\n", check_n, check_failed);
	return 0;
}

/* The child numbers its checks from where the parent is and prints
 * "count N F" at the end, so the parent can carry on numbering. */
static void test_netns(void)
{
	char line[512];
	int st, n, f;
	FILE *p;
	int fds[2];
	pid_t pid;

	if (pipe(fds) < 0)
		return;
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		dup2(fds[1], STDOUT_FILENO);
		close(fds[0]);
		n = in_netns();
		fflush(stdout);
		_exit(n);
	}
	close(fds[1]);
	p = fdopen(fds[0], "r");
	while (p && fgets(line, sizeof(line), p)) {
		if (sscanf(line, "count %d %d", &n, &f) == 2) {
			check_n = n;
			check_failed = f;
		} else if (strncmp(line, "skip ", 5) == 0) {
			line[strcspn(line, "\n")] = '\0';
			printf("ok %d - netlink-in-netns # SKIP %s\n",
			       ++check_n, line + 5);
		} else {
			fputs(line, stdout);
		}
	}
	if (p)
		fclose(p);
	waitpid(pid, &st, 0);
	CHECK("netns-child-exited-cleanly",
	      WIFEXITED(st) && (WEXITSTATUS(st) == 0 || WEXITSTATUS(st) == 77));
}

int main(void)
{
	test_mac();
	test_netns();
	return check_done();
}
