/* SPDX-License-Identifier: MIT */
/* septa-init: PID 1 of every Septa guest, one static binary in two stages.
 *
 * Stage 1 (the early image, which has /etc/septa-stage1): mount /dev,
 * /proc, /sys; load the modules of /etc/modules; open the input devices
 * (the power button), kept open into stage 2; find the erofs root among
 * the virtio disks, mount it on /newroot with tmpfs on its /run and /tmp,
 * switch to it and exec its /sbin/init: stage 2.
 *
 * Stage 2 (the root): the remaining mounts; the configuration (built-in
 * /etc/septa/config, then a "septa-config 1" disk); the network from the
 * MACs; the hostname; with wayland=, the relay of a waypipe socket to a
 * virtio port; the application on /dev/hvc0. Then it reaps
 * children and powers the VM off when the application exits, on the ACPI
 * power button, or on SIGTERM/SIGINT/SIGPWR.
 *
 * Everything is logged to the console (the VMM's serial log). A PID 1
 * that exits panics the kernel, so fatal errors power off instead.
 * Run as any other process, septa-init checks configuration files (-n). */
#include "guestcfg.h"
#include "netlink.h"
#include "util.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdnoreturn.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/reboot.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define STAGE1_MARKER	      "/etc/septa-stage1"
#define MODULES_LIST	      "/etc/modules"
#define MODULES_DIR	      "/lib/modules"
#define NEWROOT		      "/newroot"
#define BUILTIN_CONFIG	      "/etc/septa/config"
#define APP_TTY		      "/dev/hvc0"
#define RESOLV_CONF	      "/run/resolv.conf"
#define NETVM_UPSTREAM	      "upstream"
#define NETVM_RULESET	      "/etc/septa/netvm.nft"
#define NETVM_DNSMASQ_CONF    "/etc/septa/dnsmasq.conf"
#define NETVM_DHCP_SCRIPT     "/etc/septa/dhcp-event"
#define NETVM_UPSTREAM_RESOLV "/run/septa/upstream.resolv"
#define APP_COLS	      80
#define APP_ROWS	      24
#define DEV_WAIT_MS	      5000
#define DEV_STEP_MS	      20
#define STOP_GRACE_MS	      2000
#define MAX_DISKS	      26 /* /dev/vda .. /dev/vdz */
#define MAX_INPUTS	      16
#define MODULE_NAME_MAX	      64

/* erofs: the superblock is at byte 1024 and starts with this magic,
 * little-endian (EROFS_SUPER_MAGIC_V1, fs/erofs/erofs_fs.h). */
#define EROFS_SB_OFFSET 1024
#define EROFS_MAGIC	0xe0f5e1e2u

/* struct input_event of <linux/input.h>: the kernel writes its time as two
 * __kernel_ulong_t, which is unsigned long for every libc (24 bytes on
 * x86-64). EV_KEY and KEY_POWER are from <linux/input-event-codes.h>. */
struct k_input_event {
	unsigned long sec;
	unsigned long usec;
	uint16_t type;
	uint16_t code;
	int32_t value;
};
#define EV_KEY	  1
#define KEY_POWER 116

static int log_fd = STDOUT_FILENO;

static void say(const char *format, ...) __attribute__((format(printf, 1, 2)));

/* One line "septa-init: ..." on the console, in one write. */
static void say(const char *format, ...)
{
	char buf[512];
	va_list ap;
	int n;

	memcpy(buf, "septa-init: ", 12);
	va_start(ap, format);
	n = vsnprintf(buf + 12, sizeof(buf) - 13, format, ap);
	va_end(ap);
	if (n < 0)
		return;
	n = 12 + (n < (int)sizeof(buf) - 13 ? n : (int)sizeof(buf) - 14);
	buf[n++] = '\n';
	if (write(log_fd, buf, (size_t)n) < 0)
		return;
}

/* The line that tests and tools wait for. */
static void ready(void)
{
	if (write(log_fd, "SEPTA-READY\n", 12) < 0)
		return;
}

static noreturn void power_off(void)
{
	sync();
	reboot(RB_POWER_OFF);
	for (;;)
		pause();
}

static noreturn void fatal(const char *what)
{
	say("%s: %s", what, strerror(errno));
	power_off();
}

static noreturn void fatalx(const char *msg)
{
	say("%s", msg);
	power_off();
}

/* The kernel opens /dev/console as fds 0-2 for init when the early image
 * has it; otherwise (or when it was not a tty yet) open it ourselves. The
 * log keeps a private copy, so that a child can log after dup2(). */
static void console_setup(void)
{
	int fd;

	if (fcntl(STDOUT_FILENO, F_GETFD) < 0) {
		fd = open("/dev/console", O_RDWR | O_NOCTTY);
		if (fd >= 0) {
			dup2(fd, 0);
			dup2(fd, 1);
			dup2(fd, 2);
			if (fd > 2)
				close(fd);
		}
	}
	fd = fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3);
	if (fd >= 0)
		log_fd = fd;
}

static int do_mount(const char *src, const char *dir, const char *type,
		    unsigned long flags, const char *data)
{
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return -1;
	return mount(src, dir, type, flags, data);
}

static void must_mount(const char *src, const char *dir, const char *type,
		       unsigned long flags, const char *data)
{
	char what[128];

	if (do_mount(src, dir, type, flags, data) < 0) {
		snprintf(what, sizeof(what), "mount %s on %s", type, dir);
		fatal(what);
	}
}

static double uptime_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- the power button ----------------------------------------------- */

/* The input devices (the ACPI power button), held from the end of stage 1
 * on: evdev queues events only for a reader that has the device open, so
 * a press during boot waits there until serve() reads it. Stage 1 opens
 * them without close-on-exec and stage 2 takes them over (their device
 * numbers say what they are); stage 2 opens whatever came later. */
#define INPUT_MAJOR 13 /* linux/major.h */
#define MAX_FD_SCAN 64

static struct pollfd inputs[MAX_INPUTS];
static dev_t input_rdev[MAX_INPUTS];
static int ninputs;

static void input_hold(int fd, dev_t rdev)
{
	input_rdev[ninputs] = rdev;
	inputs[ninputs].fd = fd;
	inputs[ninputs++].events = POLLIN;
}

static bool input_held(dev_t rdev)
{
	int i;

	for (i = 0; i < ninputs; i++)
		if (input_rdev[i] == rdev)
			return true;
	return false;
}

/* What stage 1 left open for us: input devices among the low fds. */
static void inputs_adopt(void)
{
	struct stat st;
	int fd;

	for (fd = 3; fd < MAX_FD_SCAN && ninputs < MAX_INPUTS; fd++) {
		if (fd == log_fd || fstat(fd, &st) < 0 ||
		    !S_ISCHR(st.st_mode) || major(st.st_rdev) != INPUT_MAJOR ||
		    input_held(st.st_rdev))
			continue;
		if (fcntl(fd, F_SETFD, FD_CLOEXEC) < 0 ||
		    fcntl(fd, F_SETFL, O_RDONLY | O_NONBLOCK) < 0)
			continue;
		input_hold(fd, st.st_rdev);
	}
}

/* Open every /dev/input/event* not held yet; with keep, across exec. */
static void inputs_open(bool keep)
{
	char path[300];
	struct dirent *e;
	struct stat st;
	int fd;
	DIR *d;

	d = opendir("/dev/input");
	while (d && ninputs < MAX_INPUTS && (e = readdir(d))) {
		if (strncmp(e->d_name, "event", 5) != 0 ||
		    fmt(path, sizeof(path), "/dev/input/%s", e->d_name) < 0 ||
		    stat(path, &st) < 0 || input_held(st.st_rdev))
			continue;
		fd = open(path, O_RDONLY | O_NONBLOCK | (keep ? 0 : O_CLOEXEC));
		if (fd < 0) {
			say("%s: %s", path, strerror(errno));
			continue;
		}
		input_hold(fd, st.st_rdev);
	}
	if (d)
		closedir(d);
}

/* ---- stage 1 ---------------------------------------------------------- */

static bool module_name_ok(const char *s)
{
	size_t i, len = strlen(s);

	if (len == 0 || len > MODULE_NAME_MAX)
		return false;
	for (i = 0; i < len; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		      (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '_' ||
		      s[i] == '-'))
			return false;
	return true;
}

static int load_module(const char *name)
{
	char path[sizeof(MODULES_DIR) + MODULE_NAME_MAX + 8];
	int fd, r, e;

	if (fmt(path, sizeof(path), MODULES_DIR "/%s.ko", name) < 0)
		return -1;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	r = (int)syscall(SYS_finit_module, fd, "", 0);
	e = errno;
	close(fd);
	if (r < 0 && e != EEXIST) {
		errno = e;
		return -1;
	}
	return 0;
}

/* Every module of /etc/modules, in order; a failure is reported and the
 * rest still loaded (the guest may get by without it). */
static void load_modules(void)
{
	char line[256];
	int n = 0, bad = 0;
	FILE *f;

	f = fopen(MODULES_LIST, "re");
	if (!f) {
		say("open " MODULES_LIST ": %s", strerror(errno));
		return;
	}
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (line[0] == '\0' || line[0] == '#')
			continue;
		if (!module_name_ok(line)) {
			say("module \"%.64s\": bad name", line);
			bad++;
		} else if (load_module(line) < 0) {
			say("module %s: %s", line, strerror(errno));
			bad++;
		} else {
			n++;
		}
	}
	fclose(f);
	say("loaded %d modules%s", n, bad ? " (some failed)" : "");
}

static void disk_path(char *buf, int i)
{
	snprintf(buf, 16, "/dev/vd%c", 'a' + i);
}

/* How many virtio block devices the kernel has found (device id 2),
 * whether or not virtio_blk has made their /dev nodes yet. */
static int virtio_disks_expected(void)
{
	char path[300], id[16];
	struct dirent *e;
	int n = 0;
	DIR *d;

	d = opendir("/sys/bus/virtio/devices");
	if (!d)
		return 0;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.' ||
		    fmt(path, sizeof(path), "%s/device", e->d_name) < 0)
			continue;
		if (read_line_file(dirfd(d), path, id, sizeof(id)) == 0 &&
		    strcmp(id, "0x0002") == 0)
			n++;
	}
	closedir(d);
	return n;
}

static int virtio_disks_present(void)
{
	char path[16];
	int i, n = 0;

	for (i = 0; i < MAX_DISKS; i++) {
		disk_path(path, i);
		if (access(path, F_OK) == 0)
			n++;
	}
	return n;
}

/* virtio disks probe asynchronously: wait (bounded) until there is a
 * /dev/vdX for every virtio block device the kernel knows. */
static void wait_disks(void)
{
	int64_t start = now_ms();
	int want, have;

	for (;;) {
		want = virtio_disks_expected();
		have = virtio_disks_present();
		if (want > 0 && have >= want)
			return;
		if (now_ms() - start >= DEV_WAIT_MS)
			break;
		sleep_ms(DEV_STEP_MS);
	}
	say("after %d s: %d of %d virtio disks in /dev", DEV_WAIT_MS / 1000,
	    have, want);
}

static bool is_erofs(const char *dev)
{
	unsigned char m[4];
	bool yes;
	int fd;

	fd = open(dev, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	yes = pread(fd, m, 4, EROFS_SB_OFFSET) == 4 &&
	      ((uint32_t)m[0] | (uint32_t)m[1] << 8 | (uint32_t)m[2] << 16 |
	       (uint32_t)m[3] << 24) == EROFS_MAGIC;
	close(fd);
	return yes;
}

static void find_root(char *dev)
{
	int i;

	wait_disks();
	for (i = 0; i < MAX_DISKS; i++) {
		disk_path(dev, i);
		if (is_erofs(dev))
			return;
	}
	fatalx("no erofs root file system on /dev/vda../dev/vdz");
}

static void move_to_newroot(const char *from)
{
	char to[64], what[96];

	snprintf(to, sizeof(to), NEWROOT "%s", from);
	if (mount(from, to, NULL, MS_MOVE, NULL) < 0) {
		snprintf(what, sizeof(what), "move %s to %s", from, to);
		fatal(what);
	}
}

/* The early image stays in memory under the new root: it is small (a few
 * MiB of modules and this binary), so it is not worth deleting. */
static noreturn void stage1(void)
{
	static char init[] = "/sbin/init";
	char *const argv[] = {init, NULL};
	char dev[16];

	must_mount("devtmpfs", "/dev", "devtmpfs", MS_NOSUID, "mode=0755");
	console_setup();
	say("stage 1 at %.2f s", uptime_s());
	must_mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC,
		   NULL);
	must_mount("sysfs", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
		   NULL);
	load_modules();
	/* The button's driver is loaded: from here on a press is kept. */
	inputs_open(true);
	say("%d input devices held", ninputs);
	find_root(dev);
	say("root %s", dev);
	if (do_mount(dev, NEWROOT, "erofs", MS_RDONLY, NULL) < 0)
		fatal("mount erofs root");
	must_mount("tmpfs", NEWROOT "/run", "tmpfs", MS_NOSUID | MS_NODEV,
		   "mode=0755");
	must_mount("tmpfs", NEWROOT "/tmp", "tmpfs", MS_NOSUID | MS_NODEV,
		   "mode=1777");
	move_to_newroot("/dev");
	move_to_newroot("/proc");
	move_to_newroot("/sys");
	if (chdir(NEWROOT) < 0 || mount(".", "/", NULL, MS_MOVE, NULL) < 0 ||
	    chroot(".") < 0 || chdir("/") < 0)
		fatal("switch to the new root");
	execv(argv[0], argv);
	fatal("exec /sbin/init");
}

/* ---- stage 2 ---------------------------------------------------------- */

/* The image's home skeleton: /etc/septa/home is copied into the fresh
 * home, so that an application finds its settings there (and, elinks for
 * one, skips its first-run dialog). Regular files and directories only,
 * bounded in depth and count: it is the image's own, small. */
#define HOME_SKEL      "/etc/septa/home"
#define HOME_DEPTH_MAX 8
#define HOME_FILES_MAX 256

static int copy_file(int sdir, int ddir, const char *name, mode_t mode)
{
	char buf[8192];
	ssize_t n;
	int in, out, r = 0;

	in = openat(sdir, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (in < 0)
		return -1;
	out = openat(ddir, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
		     mode & 0777);
	if (out < 0) {
		close(in);
		return -1;
	}
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n) {
			r = -1;
			break;
		}
	if (n < 0)
		r = -1;
	close(in);
	if (close(out) < 0)
		r = -1;
	return r;
}

static void copy_tree(int sdir, int ddir, int depth, int *count)
{
	struct dirent *e;
	struct stat st;
	int sfd, dfd;
	DIR *d;

	sfd = dup(sdir);
	d = sfd >= 0 ? fdopendir(sfd) : NULL;
	if (!d) {
		if (sfd >= 0)
			close(sfd);
		return;
	}
	while ((e = readdir(d)) && *count < HOME_FILES_MAX) {
		if (strcmp(e->d_name, ".") == 0 ||
		    strcmp(e->d_name, "..") == 0 ||
		    fstatat(sdir, e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		(*count)++;
		if (S_ISREG(st.st_mode)) {
			if (copy_file(sdir, ddir, e->d_name, st.st_mode) < 0)
				say(HOME_SKEL ": %s: %s", e->d_name,
				    strerror(errno));
		} else if (S_ISDIR(st.st_mode) && depth < HOME_DEPTH_MAX) {
			if (mkdirat(ddir, e->d_name, st.st_mode & 0777) < 0 &&
			    errno != EEXIST)
				continue;
			sfd = openat(sdir, e->d_name,
				     O_RDONLY | O_DIRECTORY | O_CLOEXEC |
					 O_NOFOLLOW);
			dfd = openat(ddir, e->d_name,
				     O_RDONLY | O_DIRECTORY | O_CLOEXEC |
					 O_NOFOLLOW);
			if (sfd >= 0 && dfd >= 0)
				copy_tree(sfd, dfd, depth + 1, count);
			if (sfd >= 0)
				close(sfd);
			if (dfd >= 0)
				close(dfd);
		}
	}
	closedir(d);
}

static void home_skeleton(void)
{
	int sdir, ddir, count = 0;

	sdir = open(HOME_SKEL, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (sdir < 0)
		return;
	ddir = open("/root", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (ddir >= 0) {
		copy_tree(sdir, ddir, 0, &count);
		close(ddir);
	}
	close(sdir);
	if (count >= HOME_FILES_MAX)
		say(HOME_SKEL ": more than %d entries: the rest left out",
		    HOME_FILES_MAX);
}

static bool is_mountpoint(const char *path)
{
	char parent[64];
	struct stat a, b;

	if (fmt(parent, sizeof(parent), "%s/..", path) < 0 ||
	    stat(path, &a) < 0 || stat(parent, &b) < 0)
		return false;
	return a.st_dev != b.st_dev || a.st_ino == b.st_ino;
}

static void mount_once(const char *src, const char *dir, const char *type,
		       unsigned long flags, const char *data)
{
	if (!is_mountpoint(dir))
		must_mount(src, dir, type, flags, data);
}

/* What stage 1 did not already do (or all of it, booted without one). */
static void stage2_mounts(void)
{
	const unsigned long safe = MS_NOSUID | MS_NODEV;

	mount_once("devtmpfs", "/dev", "devtmpfs", MS_NOSUID, "mode=0755");
	console_setup();
	mount_once("proc", "/proc", "proc", safe | MS_NOEXEC, NULL);
	mount_once("sysfs", "/sys", "sysfs", safe | MS_NOEXEC, NULL);
	mount_once("devpts", "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC,
		   "mode=0620,ptmxmode=0666");
	mount_once("tmpfs", "/run", "tmpfs", safe, "mode=0755");
	mount_once("tmpfs", "/tmp", "tmpfs", safe, "mode=1777");
	/* The root is read-only; applications keep their settings and
	 * state in a home that lasts as long as the VM runs. */
	mount_once("tmpfs", "/root", "tmpfs", safe, "mode=0700");
	home_skeleton();
}

static int read_config_disk(struct guestcfg *c, char *buf, size_t size)
{
	char dev[16], source[48], err[GUESTCFG_ERR_MAX];
	ssize_t n;
	int i, fd;

	for (i = 0; i < MAX_DISKS; i++) {
		disk_path(dev, i);
		fd = open(dev, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		/* The header first: no need to read 64 KiB of every disk. */
		n = pread(fd, buf, 64, 0);
		if (n > 0 && guestcfg_is_disk(buf, (size_t)n))
			n = guestcfg_read(fd, buf, size);
		else
			n = -2;
		close(fd);
		if (n == -2)
			continue;
		snprintf(source, sizeof(source), "config disk %s", dev);
		if (n < 0)
			fatal(source);
		if (guestcfg_parse(c, buf, (size_t)n, source, true, err,
				   sizeof(err)) < 0)
			fatalx(err);
		say("configuration from %s", dev);
		return 0;
	}
	return -1;
}

static void load_config(struct guestcfg *c)
{
	static char buf[GUESTCFG_FILE_MAX + 1];
	char err[GUESTCFG_ERR_MAX];
	ssize_t n;
	int fd;

	guestcfg_init(c);
	fd = open(BUILTIN_CONFIG, O_RDONLY | O_CLOEXEC);
	if (fd < 0 && errno != ENOENT)
		fatal(BUILTIN_CONFIG);
	if (fd >= 0) {
		n = guestcfg_read(fd, buf, sizeof(buf));
		close(fd);
		if (n < 0)
			fatal(BUILTIN_CONFIG);
		if (guestcfg_parse(c, buf, (size_t)n, BUILTIN_CONFIG, false,
				   err, sizeof(err)) < 0)
			fatalx(err);
	}
	wait_disks();
	if (read_config_disk(c, buf, sizeof(buf)) < 0)
		say("no config disk");
	if (guestcfg_check(c, err, sizeof(err)) < 0) {
		say("configuration: %s", err);
		power_off();
	}
	say("role %s, hostname %s", guestcfg_role_name(c->role),
	    guestcfg_hostname(c));
}

static void write_resolv_conf(void)
{
	static const char text[] = "nameserver 169.254.0.1\n";
	int fd;

	fd = open(RESOLV_CONF, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, text, sizeof(text) - 1) != sizeof(text) - 1)
		say(RESOLV_CONF ": %s", strerror(errno));
	if (fd >= 0)
		close(fd);
}

/* A client's links, in ifindex order: the order of its providers'
 * names, as the host plugs them (eth0 first). */
struct client_nic {
	int idx;
	char name[IFNAMSIZ];
	char macs[32];
};

static int client_nic_cmp(const void *a, const void *b)
{
	const struct client_nic *x = a, *y = b;

	return (x->idx > y->idx) - (x->idx < y->idx);
}

/* One interface of a client, its n-th Septa link (SEPTA_CLIENT_TABLE + n
 * is its routing table): returns 1 when it was set up. */
static int client_link(int nl, const struct client_nic *nic, int n)
{
	uint8_t mac[6];
	uint32_t addr;
	const char *step;
	char a[INET_ADDRSTRLEN];

	if (mac_parse(nic->macs, mac) < 0 || mac[0] != SEPTA_OUI0 ||
	    mac[1] != SEPTA_OUI1 || mac[2] != SEPTA_OUI2) {
		say("%s: MAC %s is not a Septa link: left down", nic->name,
		    nic->macs);
		return 0;
	}
	if (mac_to_client_addr(mac, &addr) < 0) {
		say("%s: MAC %s encodes a reserved address: left down",
		    nic->name, nic->macs);
		return 0;
	}
	if (n >= SEPTA_CLIENT_LINKS) {
		say("%s: more than %d Septa links: left down", nic->name,
		    SEPTA_CLIENT_LINKS);
		return 0;
	}
	inet_ntop(AF_INET, &addr, a, sizeof(a));
	if (nl_client_setup_link(nl, nic->idx, addr, n, &step) < 0) {
		say("%s: %s: %s", nic->name, step, strerror(errno));
		return 0;
	}
	say("%s: %s/32 via 169.254.0.1, table %d%s", nic->name, a,
	    SEPTA_CLIENT_TABLE + n, n == 0 ? ", the default route" : "");
	return 1;
}

/* lo up; then, in a client, every Septa link. The netvm's links are set
 * up by netvm_links. */
static void setup_network(const struct guestcfg *c)
{
	static struct client_nic nics[SEPTA_CLIENT_LINKS + 1];
	struct dirent *e;
	int nl, i, count = 0, n = 0;
	DIR *d;

	nl = nl_open();
	if (nl < 0) {
		say("netlink: %s", strerror(errno));
		return;
	}
	if (nl_link_up(nl, (int)if_nametoindex("lo")) < 0)
		say("lo: link up: %s", strerror(errno));
	d = c->role == GUEST_ROLE_APP ? opendir("/sys/class/net") : NULL;
	while (d && (e = readdir(d))) {
		char path[sizeof(e->d_name) + 16];
		struct client_nic *nic = &nics[count];

		if (e->d_name[0] == '.' || strcmp(e->d_name, "lo") == 0 ||
		    fmt(nic->name, sizeof(nic->name), "%s", e->d_name) < 0 ||
		    fmt(path, sizeof(path), "%s/address", e->d_name) < 0)
			continue;
		if (count > SEPTA_CLIENT_LINKS) {
			say("%s: too many links: left down", nic->name);
			continue;
		}
		nic->idx = (int)if_nametoindex(nic->name);
		if (nic->idx <= 0) {
			say("%s: %s", nic->name, strerror(errno));
			continue;
		}
		if (read_line_file(dirfd(d), path, nic->macs,
				   sizeof(nic->macs)) < 0)
			snprintf(nic->macs, sizeof(nic->macs), "?");
		count++;
	}
	if (d)
		closedir(d);
	qsort(nics, (size_t)count, sizeof(nics[0]), client_nic_cmp);
	for (i = 0; i < count; i++)
		n += client_link(nl, &nics[i], n);
	close(nl);
	if (n > 0)
		write_resolv_conf();
}

static void set_hostname(const struct guestcfg *c)
{
	const char *h = guestcfg_hostname(c);

	if (sethostname(h, strlen(h)) < 0)
		say("sethostname %s: %s", h, strerror(errno));
}

static noreturn void app_child(const char *tty, const char **argv,
			       const char **envp)
{
	struct winsize ws;
	sigset_t none;
	int fd;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	setsid();
	fd = open(tty, O_RDWR);
	if (fd < 0) {
		say("open %s: %s", tty, strerror(errno));
		_exit(127);
	}
	ioctl(fd, TIOCSCTTY, 0);
	/* A virtio console has no size of its own: without one, full-screen
	 * programs guess or fail. */
	if (ioctl(fd, TIOCGWINSZ, &ws) == 0 &&
	    (ws.ws_col == 0 || ws.ws_row == 0)) {
		ws.ws_col = APP_COLS;
		ws.ws_row = APP_ROWS;
		ioctl(fd, TIOCSWINSZ, &ws);
	}
	dup2(fd, 0);
	dup2(fd, 1);
	dup2(fd, 2);
	if (fd > 2)
		close(fd);
	if (chdir("/root") < 0 && chdir("/") < 0)
		say("chdir /: %s", strerror(errno));
	execve(argv[0], (char *const *)argv, (char *const *)envp);
	say("exec %s: %s", argv[0], strerror(errno));
	_exit(127);
}

static const char *app_tty(void)
{
	int64_t start = now_ms();

	while (access(APP_TTY, F_OK) < 0) {
		if (now_ms() - start >= DEV_WAIT_MS) {
			say("no " APP_TTY ": the application gets "
			    "/dev/console");
			return "/dev/console";
		}
		sleep_ms(DEV_STEP_MS);
	}
	return APP_TTY;
}

/* The programs septa-init runs and watches. The application of an app VM
 * ends the VM; the others are started again a second after they exit. */
enum child_id {
	CHILD_APP,     /* exec= on the console */
	CHILD_DNSMASQ, /* netvm: the DNS forwarder */
	CHILD_UDHCPC,  /* netvm: the upstream's DHCP client */
	CHILD_WAYLAND, /* wayland=: the relay to the virtio port */
	CHILD_COUNT,
};

struct child {
	const char *name;
	pid_t pid;	    /* 0: not running */
	int64_t restart_at; /* 0: not to be started again */
};

static struct child children[CHILD_COUNT];
static const struct guestcfg *cfg_now;

#define RESTART_MS 1000

static void start_child(enum child_id id);
static void wayland_start(void);

static void app_start(void)
{
	const struct guestcfg *c = cfg_now;
	const char *argv[GUESTCFG_ARGV_MAX], *envp[GUESTCFG_ENVP_MAX];
	char term[GUESTCFG_TERM_MAX + 8];
	const char *tty = app_tty();
	pid_t pid;

	guestcfg_argv(c, argv);
	if (guestcfg_envp(c, term, sizeof(term), envp) < 0)
		fatal("environment");
	say("starting %s at %.2f s", c->exec, uptime_s());
	pid = fork();
	if (pid < 0) {
		say("fork: %s", strerror(errno));
		return;
	}
	if (pid == 0)
		app_child(tty, argv, envp);
	children[CHILD_APP].pid = pid;
}

/* A helper program with the console as its output (the serial log). */
static void helper_start(enum child_id id, const char *const *argv)
{
	static const char *const envp[] = {GUESTCFG_PATH, GUESTCFG_HOME, NULL};
	sigset_t none;
	pid_t pid;

	pid = fork();
	if (pid < 0) {
		say("fork: %s", strerror(errno));
		return;
	}
	if (pid == 0) {
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		setsid();
		execve(argv[0], (char *const *)argv, (char *const *)envp);
		say("exec %s: %s", argv[0], strerror(errno));
		_exit(127);
	}
	children[id].pid = pid;
}

static void start_child(enum child_id id)
{
	static const char *const dnsmasq[] = {
	    "/usr/sbin/dnsmasq", "--keep-in-foreground",
	    "--conf-file=" NETVM_DNSMASQ_CONF, NULL};
	static const char *const udhcpc[] = {"/usr/bin/busybox",
					     "udhcpc",
					     "-f",
					     "-i",
					     NETVM_UPSTREAM,
					     "-s",
					     NETVM_DHCP_SCRIPT,
					     "-t",
					     "5",
					     "-T",
					     "2",
					     "-A",
					     "5",
					     NULL};

	children[id].restart_at = 0;
	if (id == CHILD_APP)
		app_start();
	else if (id == CHILD_DNSMASQ)
		helper_start(id, dnsmasq);
	else if (id == CHILD_WAYLAND)
		wayland_start();
	else
		helper_start(id, udhcpc);
}

/* Orderly power-off: everyone gets SIGTERM and up to 2 s, then SIGKILL. */
static noreturn void shutdown_all(const char *why)
{
	int64_t start;
	pid_t pid;

	say("powering off: %s", why);
	kill(-1, SIGTERM);
	kill(-1, SIGCONT);
	for (start = now_ms(); now_ms() - start < STOP_GRACE_MS;) {
		pid = waitpid(-1, NULL, WNOHANG);
		if (pid < 0 && errno == ECHILD)
			break;
		if (pid <= 0)
			sleep_ms(DEV_STEP_MS);
	}
	kill(-1, SIGKILL);
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
	power_off();
}

static void report_exit(const char *name, int status)
{
	if (WIFEXITED(status))
		say("%s exited with status %d", name, WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		say("%s killed by signal %d", name, WTERMSIG(status));
}

/* Reap every child; the application's end powers an app VM off, the
 * netvm's programs are started again. */
static void reap(void)
{
	pid_t pid;
	int st, i;

	while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
		for (i = 0; i < CHILD_COUNT; i++) {
			if (children[i].pid != pid)
				continue;
			children[i].pid = 0;
			report_exit(children[i].name, st);
			if (i == CHILD_APP && cfg_now->role == GUEST_ROLE_APP)
				shutdown_all("the application exited");
			children[i].restart_at = now_ms() + RESTART_MS;
		}
	}
}

static void handle_signals(int sfd)
{
	struct signalfd_siginfo si;

	while (read(sfd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGCHLD)
			reap();
		else
			shutdown_all(strsignal((int)si.ssi_signo));
	}
}

/* Returns -1 when the device is gone (to stop polling it). */
static int handle_input(int fd)
{
	struct k_input_event ev[16];
	ssize_t n;
	size_t i;

	n = read(fd, ev, sizeof(ev));
	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : -1;
	for (i = 0; i < (size_t)n / sizeof(ev[0]); i++)
		if (ev[i].type == EV_KEY && ev[i].code == KEY_POWER &&
		    ev[i].value == 1)
			shutdown_all("power button");
	return 0;
}

/* Milliseconds until the next restart is due, -1 for none. */
static int next_restart(void)
{
	int64_t now = now_ms(), soonest = -1;
	int i;

	for (i = 0; i < CHILD_COUNT; i++) {
		if (!children[i].restart_at)
			continue;
		if (children[i].restart_at <= now) {
			start_child((enum child_id)i);
			continue;
		}
		if (soonest < 0 || children[i].restart_at - now < soonest)
			soonest = children[i].restart_at - now;
	}
	return (int)soonest;
}

static void netvm_links(void);

/* Drain the link notifications; any of them means: look for new links. */
static void handle_link_events(int fd)
{
	char buf[8192];

	while (recv(fd, buf, sizeof(buf), 0) > 0)
		;
	netvm_links();
}

static noreturn void serve(int sfd, int lfd)
{
	struct pollfd p[MAX_INPUTS + 2];
	int i, n, timeout;

	p[0].fd = sfd;
	p[0].events = POLLIN;
	p[1].fd = lfd;
	p[1].events = POLLIN;
	/* Devices that came after the start of stage 2 too. */
	inputs_open(false);
	if (ninputs == 0)
		say("no /dev/input/event*: the power button is not handled");
	memcpy(p + 2, inputs, (size_t)ninputs * sizeof(p[0]));
	n = 2 + ninputs;
	/* A child that ended before we got here has its SIGCHLD queued, a
	 * press of the power button during boot its event. */
	for (;;) {
		timeout = next_restart();
		if (poll(p, (nfds_t)n, timeout) < 0) {
			if (errno != EINTR)
				fatal("poll");
			continue;
		}
		if (p[0].revents & POLLIN)
			handle_signals(sfd);
		if (p[1].revents & POLLIN)
			handle_link_events(lfd);
		for (i = 2; i < n; i++) {
			if (!p[i].revents)
				continue;
			if (!(p[i].revents & POLLIN) ||
			    handle_input(p[i].fd) < 0) {
				close(p[i].fd);
				p[i].fd = -1;
			}
		}
	}
}

/* SIGCHLD, and the requests to power off, arrive on a signalfd. PID 1
 * ignores every signal it has no handler for, so nothing else matters. */
static int signals_setup(void)
{
	sigset_t set;
	int sfd;

	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGPWR);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		fatal("sigprocmask");
	sfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sfd < 0)
		fatal("signalfd");
	/* Ctrl-Alt-Del becomes SIGINT for us, not an instant reboot. */
	reboot(RB_DISABLE_CAD);
	return sfd;
}

/* ---- the Wayland relay ------------------------------------------------ */

/* With wayland=PATH, the app (waypipe server) connects to the unix socket
 * PATH, and its bytes go unchanged through the virtio-serial port
 * org.septa.wayland to the host, where vm-wayland(8) hands them to a
 * waypipe client. PID 1 makes the socket before the app starts, so that
 * the app never finds it missing, and keeps it, so that a relay started
 * again serves the same socket; the relay is a child of PID 1 that
 * accepts one connection at a time (the next ones wait in the backlog),
 * started again a second after it dies.
 *
 * The port is open only while a connection is served. While it is
 * closed, QEMU reads nothing from the host's side (the host's bytes wait
 * in its socket), and closing it discards what reached the guest and was
 * not read, so a connection never gets bytes meant for the one before.
 * QEMU reports the guest's open and close of the port as VSERPORT_CHANGE
 * events. The port's host end is there while the host is connected to
 * QEMU's chardev socket, and virtio_console says so:
 * - no host end (not connected yet, or gone): poll() on the port gives
 *   POLLHUP (and POLLIN), read() returns 0, write() would block. So a
 *   connection waits, unread, until a host end is there: waypipe's first
 *   bytes stay in the socket and nothing is lost. POLLHUP cannot be
 *   waited for, so the port is looked at every RELAY_HOST_STEP_MS.
 * - the host end goes away in the middle: what it sent before is still
 *   read and passed on, then read() returns 0. A waypipe stream cannot be
 *   taken up again by a new host end halfway, so that connection ends:
 *   it is closed (waypipe server sees its peer hang up; with --oneshot it
 *   exits, and so the app VM powers off) and so is the port.
 * - the app's side closes first: what it wrote is passed on, then the
 *   port is closed.
 * Passing on the rest takes at most RELAY_FLUSH_MS. While both sides are
 * there, no timeout applies: a host that stops reading holds the app
 * back, and that is all. */
#define WAYLAND_PORT	   "org.septa.wayland"
#define VPORT_CLASS	   "/sys/class/virtio-ports"
#define VPORT_NAME_MAX	   32
#define RELAY_BUF	   (64 * 1024)
#define RELAY_BACKLOG	   4
#define RELAY_HOST_STEP_MS 100
#define RELAY_FLUSH_MS	   2000
#define RELAY_FD_MAX	   1024

static int wayland_fd = -1; /* PID 1's listening socket */

/* "MAJOR:MINOR", as sysfs gives a device's number. */
static int devnum_parse(const char *s, dev_t *dev)
{
	const char *colon = strchr(s, ':');
	unsigned long ma, mi;
	char buf[16];

	if (!colon || (size_t)(colon - s) >= sizeof(buf)) {
		errno = EINVAL;
		return -1;
	}
	memcpy(buf, s, (size_t)(colon - s));
	buf[colon - s] = '\0';
	if (parse_ulong(buf, 0, 0xfff, &ma) < 0 ||
	    parse_ulong(colon + 1, 0, 0xfffff, &mi) < 0)
		return -1;
	*dev = makedev(ma, mi);
	return 0;
}

/* The kernel's name of a port (vportNpM), which goes into a /dev path. */
static bool vport_name_ok(const char *s)
{
	size_t i, len = strlen(s);

	if (len == 0 || len > VPORT_NAME_MAX)
		return false;
	for (i = 0; i < len; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		      (s[i] >= '0' && s[i] <= '9')))
			return false;
	return true;
}

/* The node and device number of the virtio port whose sysfs name is
 * name. ENOENT: no such port (yet: its name comes from the host a little
 * after the port itself); EINVAL: sysfs says something unexpected. */
static int vport_find(const char *name, char *dev, size_t size, dev_t *rdev)
{
	char path[300], buf[64];
	struct dirent *e;
	DIR *d;

	d = opendir(VPORT_CLASS);
	if (!d)
		return -1;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.' ||
		    fmt(path, sizeof(path), "%s/name", e->d_name) < 0 ||
		    read_line_file(dirfd(d), path, buf, sizeof(buf)) < 0 ||
		    strcmp(buf, name) != 0)
			continue;
		if (!vport_name_ok(e->d_name) ||
		    fmt(dev, size, "/dev/%s", e->d_name) < 0 ||
		    fmt(path, sizeof(path), "%s/dev", e->d_name) < 0 ||
		    read_line_file(dirfd(d), path, buf, sizeof(buf)) < 0 ||
		    devnum_parse(buf, rdev) < 0) {
			closedir(d);
			errno = EINVAL;
			return -1;
		}
		closedir(d);
		return 0;
	}
	closedir(d);
	errno = ENOENT;
	return -1;
}

/* The port called name, open for reading and writing without blocking;
 * its node in dev. There is no udev in the guest: devtmpfs makes
 * /dev/vportNpM, and when that is missing it is made here from the
 * number in sysfs. A node of that name that is not that device is
 * refused (EEXIST), not replaced. */
static int vport_open(const char *name, char *dev, size_t size)
{
	struct stat st;
	dev_t rdev;
	int fd;

	if (vport_find(name, dev, size, &rdev) < 0)
		return -1;
	if (mknod(dev, S_IFCHR | 0600, rdev) < 0 && errno != EEXIST)
		return -1;
	if (lstat(dev, &st) < 0)
		return -1;
	if (!S_ISCHR(st.st_mode) || st.st_rdev != rdev) {
		errno = EEXIST;
		return -1;
	}
	fd = open(dev, O_RDWR | O_NONBLOCK | O_NOCTTY | O_NOFOLLOW | O_CLOEXEC);
	if (fd >= 0 && (fstat(fd, &st) < 0 || st.st_rdev != rdev)) {
		close(fd);
		errno = EEXIST;
		return -1;
	}
	return fd;
}

/* The port, waited for at most DEV_WAIT_MS: it comes with the
 * virtio-serial device, long before the app connects, at boot. */
static int relay_port(char *dev, size_t size)
{
	int64_t start = now_ms();
	int fd;

	while ((fd = vport_open(WAYLAND_PORT, dev, size)) < 0) {
		if (errno != ENOENT) {
			say("wayland: port " WAYLAND_PORT ": %s",
			    strerror(errno));
			return -1;
		}
		if (now_ms() - start >= DEV_WAIT_MS) {
			say("wayland: no virtio port " WAYLAND_PORT
			    " after %d s (a VM definition without a wayland "
			    "file?)",
			    DEV_WAIT_MS / 1000);
			return -1;
		}
		sleep_ms(DEV_STEP_MS);
	}
	return fd;
}

/* Wait until the port has a host end: 0, or -1 when the connection c
 * hangs up first. */
static int relay_wait_host(int port, int c, const char *dev)
{
	struct pollfd p;
	bool said = false;

	for (;;) {
		p.fd = port;
		p.events = POLLOUT;
		p.revents = 0;
		if (poll(&p, 1, 0) < 0 && errno != EINTR)
			return -1;
		if (p.revents & (POLLERR | POLLNVAL))
			return -1;
		if (!(p.revents & POLLHUP))
			return 0;
		if (!said)
			say("wayland: waiting for the host end of %s", dev);
		said = true;
		p.fd = c;
		p.events = POLLRDHUP;
		p.revents = 0;
		if (poll(&p, 1, RELAY_HOST_STEP_MS) > 0 &&
		    (p.revents & (POLLRDHUP | POLLHUP | POLLERR | POLLNVAL)))
			return -1;
	}
}

/* Bytes read from one side and not yet written to the other. */
struct relay_buf {
	size_t off, len;
	unsigned long long total;
	char data[RELAY_BUF];
};

/* Read into b, which is empty. 1: read something or nothing yet; 0: end
 * of file; -1: error. */
static int relay_fill(int fd, struct relay_buf *b)
{
	ssize_t n = read(fd, b->data, sizeof(b->data));

	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? 1 : -1;
	b->off = 0;
	b->len = (size_t)n;
	b->total += (unsigned long long)n;
	return n > 0;
}

/* Write what b holds, as much as fd takes now. -1: fd is gone. */
static int relay_drain(int fd, struct relay_buf *b, bool sock)
{
	ssize_t n;

	while (b->len > 0) {
		n = sock ? send(fd, b->data + b->off, b->len, MSG_NOSIGNAL)
			 : write(fd, b->data + b->off, b->len);
		if (n < 0)
			return errno == EAGAIN || errno == EINTR ? 0 : -1;
		b->off += (size_t)n;
		b->len -= (size_t)n;
	}
	return 0;
}

/* Serve one connection c: copy both ways between it and the port until
 * either side ends (see above). */
static void relay_session(int c, unsigned long id)
{
	static struct relay_buf up, down; /* app to host, host to app */
	bool app_eof = false, app_gone = false;
	bool host_eof = false, host_gone = false;
	const char *why = "";
	struct pollfd p[2];
	int64_t end_at = 0, now;
	char dev[64];
	int port, timeout;

	port = relay_port(dev, sizeof(dev));
	if (port < 0)
		return;
	if (relay_wait_host(port, c, dev) < 0) {
		say("wayland: connection %lu: closed before the host end came",
		    id);
		close(port);
		return;
	}
	say("wayland: connection %lu: %s on %s", id, cfg_now->wayland, dev);
	up.len = down.len = 0;
	up.total = down.total = 0;
	for (;;) {
		now = now_ms();
		if ((app_gone || host_gone) && !end_at)
			end_at = now + RELAY_FLUSH_MS;
		if (app_gone && host_gone)
			break;
		if (app_gone && app_eof && up.len == 0) {
			why = "the app closed";
			break;
		}
		if (host_gone && host_eof && down.len == 0) {
			why = "the host end closed";
			break;
		}
		if (end_at && now >= end_at) {
			why = "timed out passing on the rest";
			break;
		}
		/* Toward a side that is gone nothing is sent; from it, what
		 * is left is read to its end. */
		if (app_gone)
			down.len = 0;
		if (host_gone)
			up.len = 0;
		p[0].events =
		    (!app_eof && !host_gone && up.len == 0 ? POLLIN : 0) |
		    (!app_gone && down.len > 0 ? POLLOUT : 0);
		p[1].events =
		    (!host_eof && !app_gone && down.len == 0 ? POLLIN : 0) |
		    (!host_gone && up.len > 0 ? POLLOUT : 0);
		/* An fd polled for nothing would still report POLLHUP, at
		 * once, again and again: leave it out. */
		p[0].fd = p[0].events ? c : -1;
		p[1].fd = p[1].events ? port : -1;
		p[0].revents = p[1].revents = 0;
		timeout = end_at ? (int)(end_at - now) : -1;
		if (poll(p, 2, timeout) < 0) {
			if (errno == EINTR)
				continue;
			why = strerror(errno);
			break;
		}
		if (p[1].revents & (POLLHUP | POLLERR | POLLNVAL))
			host_gone = true;
		if ((p[0].revents & (POLLIN | POLLHUP | POLLERR)) &&
		    (p[0].events & POLLIN) && relay_fill(c, &up) <= 0)
			app_eof = app_gone = true;
		if ((p[1].revents & (POLLIN | POLLHUP | POLLERR)) &&
		    (p[1].events & POLLIN) && relay_fill(port, &down) <= 0)
			host_eof = host_gone = true;
		if (!host_gone && up.len > 0 &&
		    relay_drain(port, &up, false) < 0)
			host_gone = true;
		if (!app_gone && down.len > 0 &&
		    relay_drain(c, &down, true) < 0)
			app_gone = true;
	}
	close(port);
	say("wayland: connection %lu ended%s%s: %llu bytes to the host, "
	    "%llu from it",
	    id, why[0] ? ": " : "", why, up.total, down.total);
}

/* The relay, in a child of PID 1: none of PID 1's descriptors but the
 * listening socket and the log, signals as for any process. */
static noreturn void wayland_relay(int lfd)
{
	unsigned long id = 0;
	sigset_t none;
	int fd, c;

	for (fd = 3; fd < RELAY_FD_MAX; fd++)
		if (fd != lfd && fd != log_fd)
			close(fd);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	/* A connection that is gone is an error from send(), not a
	 * signal. */
	signal(SIGPIPE, SIG_IGN);
	setsid();
	prctl(PR_SET_NAME, "wayland-relay", 0, 0, 0);
	for (;;) {
		c = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (c < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			say("wayland: accept: %s", strerror(errno));
			_exit(SEPTA_EXIT_SYS);
		}
		relay_session(c, ++id);
		close(c);
	}
}

static void wayland_start(void)
{
	pid_t pid;

	pid = fork();
	if (pid < 0) {
		say("fork: %s", strerror(errno));
		return;
	}
	if (pid == 0)
		wayland_relay(wayland_fd);
	children[CHILD_WAYLAND].pid = pid;
}

/* PID 1's part, before the app starts: the app's runtime directory, the
 * socket (owner only; the app runs as root), the relay. The socket's
 * directory must exist: /run, /tmp and /run/user/0 do. */
static void wayland_setup(const struct guestcfg *c)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd;

	if ((mkdir("/run/user", 0755) < 0 && errno != EEXIST) ||
	    (mkdir(GUESTCFG_RUNTIME_DIR, 0700) < 0 && errno != EEXIST) ||
	    chmod(GUESTCFG_RUNTIME_DIR, 0700) < 0)
		say(GUESTCFG_RUNTIME_DIR ": %s", strerror(errno));
	if (fmt(sa.sun_path, sizeof(sa.sun_path), "%s", c->wayland) < 0) {
		say("wayland: %s: %s: no relay", c->wayland, strerror(errno));
		return;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    chmod(c->wayland, 0600) < 0 || listen(fd, RELAY_BACKLOG) < 0) {
		say("wayland: %s: %s: no relay", c->wayland, strerror(errno));
		if (fd >= 0)
			close(fd);
		return;
	}
	wayland_fd = fd;
	say("wayland: %s for the app, relayed to the port " WAYLAND_PORT,
	    c->wayland);
	start_child(CHILD_WAYLAND);
}

/* ---- netvm ------------------------------------------------------------ */

/* Run a program to its end (bounded by its own nature: nft -f). Returns
 * its exit status, -1 when it could not run. */
static int run_wait(const char *const *argv)
{
	static const char *const envp[] = {GUESTCFG_PATH, NULL};
	sigset_t none;
	pid_t pid;
	int st;

	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		execve(argv[0], (char *const *)argv, (char *const *)envp);
		say("exec %s: %s", argv[0], strerror(errno));
		_exit(127);
	}
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int write_file(const char *path, const char *text)
{
	size_t len = strlen(text);
	int fd, r = 0;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -1;
	if (write(fd, text, len) != (ssize_t)len)
		r = -1;
	if (close(fd) < 0)
		r = -1;
	return r;
}

/* The upstream's resolvers for dnsmasq, written whole and renamed into
 * place, so that dnsmasq never reads half a file. */
static int write_upstream_resolv(const char *servers)
{
	char text[512], tmp[] = NETVM_UPSTREAM_RESOLV ".tmp";
	size_t n = 0;
	const char *s = servers;

	while (*s && n + 40 < sizeof(text)) {
		size_t len = strcspn(s, " ");

		if (len > 0 && len < INET_ADDRSTRLEN)
			n += (size_t)snprintf(text + n, sizeof(text) - n,
					      "nameserver %.*s\n", (int)len, s);
		s += len;
		s += strspn(s, " ");
	}
	text[n] = '\0';
	if (write_file(tmp, text) < 0 || rename(tmp, NETVM_UPSTREAM_RESOLV) < 0)
		return -1;
	return 0;
}

/* Links the netvm has configured, by interface index. */
#define NETVM_MAX_LINKS 256
static int netvm_done[NETVM_MAX_LINKS];
static int netvm_ndone;
static bool netvm_have_upstream;

static bool link_done(int idx)
{
	int i;

	for (i = 0; i < netvm_ndone; i++)
		if (netvm_done[i] == idx)
			return true;
	return false;
}

static void mark_done(int idx)
{
	if (netvm_ndone < NETVM_MAX_LINKS)
		netvm_done[netvm_ndone++] = idx;
}

/* Forget links that are gone (unplugged clients): their index is not
 * reused soon, but the list must not fill up over many plug cycles. */
static void forget_gone(void)
{
	char name[IFNAMSIZ];
	int i = 0;

	while (i < netvm_ndone) {
		if (if_indextoname((unsigned int)netvm_done[i], name))
			i++;
		else
			netvm_done[i] = netvm_done[--netvm_ndone];
	}
}

/* The anti-spoofing sets of netvm.nft: client-X-Y may only send from
 * 0a:b3:ec:00:X:Y, and ARP only as that MAC with 100.64.X.Y. Adding an
 * element that is there (the same client plugged in again) is no error,
 * and the element of a link that went is harmless: the name and its MAC
 * belong together. */
static int netvm_allow_mac(const char *name, const uint8_t mac[6],
			   const char *addr)
{
	char cmd[512];
	const char *argv[] = {"/usr/sbin/nft", cmd, NULL};

	if (fmt(cmd, sizeof(cmd),
		"add element inet septa_link client_macs { \"%s\" . "
		"0a:b3:ec:00:%02x:%02x }; "
		"add element arp septa_arp client_arp { \"%s\" . "
		"0a:b3:ec:00:%02x:%02x . %s }",
		name, mac[4], mac[5], name, mac[4], mac[5], addr) < 0)
		return -1;
	return run_wait(argv) == 0 ? 0 : -1;
}

/* A client's link, seen from the netvm: its MAC carries the client's X.Y
 * (DESIGN.md "Networking"). 169.254.0.1/32 on it and a host route to the
 * client; the link is named client-X-Y for the ruleset. */
static void netvm_client_link(int nl, int idx, const char *name,
			      const uint8_t mac[6])
{
	char newname[IFNAMSIZ], a[INET_ADDRSTRLEN];
	uint32_t client, gw = htonl(SEPTA_GATEWAY);

	if (mac_to_client_addr(mac, &client) < 0) {
		say("%s: MAC encodes a reserved address: left down", name);
		return;
	}
	snprintf(newname, sizeof(newname), "client-%u-%u", mac[4], mac[5]);
	inet_ntop(AF_INET, &client, a, sizeof(a));
	if (strcmp(name, newname) != 0 &&
	    nl_link_rename(nl, idx, newname) < 0) {
		say("%s: rename to %s: %s", name, newname, strerror(errno));
		return;
	}
	if (netvm_allow_mac(newname, mac, a) < 0) {
		say("%s: nft: cannot allow its MAC: left down", newname);
		return;
	}
	if (nl_link_up(nl, idx) < 0 ||
	    (nl_addr_add(nl, idx, gw, 32) < 0 && errno != EEXIST) ||
	    (nl_route_add(nl, idx, client, 32, 0, false) < 0 &&
	     errno != EEXIST)) {
		say("%s: %s", newname, strerror(errno));
		return;
	}
	say("%s: client %s", newname, a);
}

static void netvm_upstream_static(int nl, int idx)
{
	const struct guestcfg *c = cfg_now;
	char a[INET_ADDRSTRLEN], g[INET_ADDRSTRLEN], d[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &c->upstream_addr_be, a, sizeof(a));
	inet_ntop(AF_INET, &c->upstream_gw_be, g, sizeof(g));
	inet_ntop(AF_INET, &c->dns_be, d, sizeof(d));
	if ((nl_addr_add(nl, idx, c->upstream_addr_be, c->upstream_len) < 0 &&
	     errno != EEXIST) ||
	    nl_route_replace(nl, idx, 0, 0, c->upstream_gw_be) < 0) {
		say(NETVM_UPSTREAM ": static %s/%d via %s: %s", a,
		    c->upstream_len, g, strerror(errno));
		return;
	}
	if (write_upstream_resolv(d) < 0)
		say(NETVM_UPSTREAM_RESOLV ": %s", strerror(errno));
	say(NETVM_UPSTREAM ": static %s/%d via %s, resolver %s", a,
	    c->upstream_len, g, d);
}

/* The first link whose MAC is not a Septa one is the upstream. */
static void netvm_upstream(int nl, int idx, const char *name)
{
	if (netvm_have_upstream) {
		say("%s: a second upstream candidate: left down", name);
		return;
	}
	if (strcmp(name, NETVM_UPSTREAM) != 0 &&
	    nl_link_rename(nl, idx, NETVM_UPSTREAM) < 0) {
		say("%s: rename to " NETVM_UPSTREAM ": %s", name,
		    strerror(errno));
		return;
	}
	netvm_have_upstream = true;
	if (nl_link_up(nl, idx) < 0) {
		say(NETVM_UPSTREAM ": link up: %s", strerror(errno));
		return;
	}
	say("%s is the upstream", name);
	if (cfg_now->upstream_static)
		netvm_upstream_static(nl, idx);
	else
		start_child(CHILD_UDHCPC);
}

/* Configure every link not seen before: at boot, and whenever the kernel
 * reports a link (a client's link hot-plugged into a running netvm). */
static void netvm_links(void)
{
	char macs[32], name[IFNAMSIZ];
	uint8_t mac[6];
	struct dirent *e;
	int nl, idx;
	DIR *d;

	if (!cfg_now || cfg_now->role != GUEST_ROLE_NETVM)
		return;
	forget_gone();
	nl = nl_open();
	if (nl < 0) {
		say("netlink: %s", strerror(errno));
		return;
	}
	d = opendir("/sys/class/net");
	while (d && (e = readdir(d))) {
		char path[sizeof(e->d_name) + 16];

		if (e->d_name[0] == '.' || strcmp(e->d_name, "lo") == 0 ||
		    fmt(name, sizeof(name), "%s", e->d_name) < 0)
			continue;
		idx = (int)if_nametoindex(name);
		if (idx <= 0 || link_done(idx))
			continue;
		mark_done(idx);
		if (fmt(path, sizeof(path), "%s/address", name) < 0 ||
		    read_line_file(dirfd(d), path, macs, sizeof(macs)) < 0 ||
		    mac_parse(macs, mac) < 0) {
			say("%s: no MAC address: left down", name);
			continue;
		}
		if (mac[0] == SEPTA_OUI0 && mac[1] == SEPTA_OUI1 &&
		    mac[2] == SEPTA_OUI2)
			netvm_client_link(nl, idx, name, mac);
		else
			netvm_upstream(nl, idx, name);
	}
	if (d)
		closedir(d);
	close(nl);
}

static void netvm_setup(void)
{
	static const char *const nft[] = {"/usr/sbin/nft", "-f", NETVM_RULESET,
					  NULL};
	int r;

	if (mkdir("/run/septa", 0755) < 0 && errno != EEXIST)
		say("/run/septa: %s", strerror(errno));
	if (write_upstream_resolv("") < 0)
		say(NETVM_UPSTREAM_RESOLV ": %s", strerror(errno));
	/* netvm's own programs resolve through the upstream's resolvers. */
	if (symlink("septa/upstream.resolv", RESOLV_CONF) < 0 &&
	    errno != EEXIST)
		say(RESOLV_CONF ": %s", strerror(errno));
	r = run_wait(nft);
	if (r == 0)
		say("nftables ruleset " NETVM_RULESET " loaded");
	else
		say("nft -f " NETVM_RULESET ": failed (%d): no forwarding", r);
	/* Forwarding only with the ruleset that confines it. */
	if (r == 0 && write_file("/proc/sys/net/ipv4/ip_forward", "1\n") < 0)
		say("ip_forward: %s", strerror(errno));
	netvm_links();
	start_child(CHILD_DNSMASQ);
}

/* ---- udhcpc's event script -------------------------------------------- */

/* busybox udhcpc runs its script with the event as argv[1] and the lease in
 * the environment (interface, ip, mask, router, dns). The netvm's script is
 * septa-init itself, so that the upstream is set up with netlink as every
 * other link is. Exit 0 handled, 1 bad lease, 111 netlink failed. */
static int dhcp_event(const char *event)
{
	const char *ifname = getenv("interface"), *ip = getenv("ip");
	const char *mask = getenv("mask"), *router = getenv("router");
	const char *dns = getenv("dns");
	struct nl_addr old[8];
	uint32_t addr, gw = 0;
	char first[INET_ADDRSTRLEN];
	int nl, idx, len, n, i;

	if (!ifname || !(idx = (int)if_nametoindex(ifname))) {
		fprintf(stderr, "septa-init: dhcp %s: no interface\n", event);
		return 1;
	}
	if (strcmp(event, "bound") != 0 && strcmp(event, "renew") != 0 &&
	    strcmp(event, "deconfig") != 0) {
		fprintf(stderr, "septa-init: dhcp %s on %s\n", event, ifname);
		return 0;
	}
	nl = nl_open();
	if (nl < 0)
		return SEPTA_EXIT_SYS;
	n = nl_addr_list(nl, idx, old, 8);
	if (strcmp(event, "deconfig") == 0) {
		for (i = 0; i < n && i < 8; i++)
			nl_addr_del(nl, idx, old[i].addr_be, old[i].prefixlen);
		nl_link_up(nl, idx);
		close(nl);
		return 0;
	}
	len = mask ? atoi(mask) : 0;
	if (!ip || inet_pton(AF_INET, ip, &addr) != 1 || len < 1 || len > 32) {
		fprintf(stderr,
			"septa-init: dhcp %s: bad lease ip=%s mask=%s\n", event,
			ip ? ip : "", mask ? mask : "");
		close(nl);
		return 1;
	}
	if (router) {
		snprintf(first, sizeof(first), "%.*s",
			 (int)strcspn(router, " "), router);
		if (inet_pton(AF_INET, first, &gw) != 1)
			gw = 0;
	}
	for (i = 0; i < n && i < 8; i++)
		if (old[i].addr_be != addr || old[i].prefixlen != len)
			nl_addr_del(nl, idx, old[i].addr_be, old[i].prefixlen);
	if ((nl_addr_add(nl, idx, addr, len) < 0 && errno != EEXIST) ||
	    (gw && nl_route_replace(nl, idx, 0, 0, gw) < 0)) {
		fprintf(stderr, "septa-init: dhcp %s on %s: %s\n", event,
			ifname, strerror(errno));
		close(nl);
		return SEPTA_EXIT_SYS;
	}
	close(nl);
	if (dns && write_upstream_resolv(dns) < 0)
		fprintf(stderr, "septa-init: " NETVM_UPSTREAM_RESOLV ": %s\n",
			strerror(errno));
	fprintf(stderr, "septa-init: %s: %s/%d via %s, resolvers %s\n", ifname,
		ip, len, router ? router : "-", dns ? dns : "-");
	return 0;
}

static noreturn void stage2(void)
{
	static struct guestcfg cfg;
	int sfd, lfd;

	stage2_mounts();
	say("stage 2 at %.2f s", uptime_s());
	inputs_adopt();
	inputs_open(false);
	sfd = signals_setup();
	load_config(&cfg);
	cfg_now = &cfg;
	children[CHILD_APP].name = cfg.exec;
	children[CHILD_DNSMASQ].name = "dnsmasq";
	children[CHILD_UDHCPC].name = "udhcpc";
	children[CHILD_WAYLAND].name = "wayland relay";
	lfd = cfg.role == GUEST_ROLE_NETVM ? nl_link_events() : -1;
	setup_network(&cfg);
	set_hostname(&cfg);
	if (cfg.role == GUEST_ROLE_NETVM)
		netvm_setup();
	if (cfg.wayland)
		wayland_setup(&cfg);
	if (cfg.exec)
		start_child(CHILD_APP);
	say("ready at %.2f s", uptime_s());
	ready();
	serve(sfd, lfd);
}

/* ---- check mode ------------------------------------------------------- */

static const char usage[] =
    "usage: septa-init -n CONFIG [DISK]\n"
    "PID 1 of a Septa guest. Run as any other process, -n checks CONFIG\n"
    "(a built-in /etc/septa/config) and DISK (a config disk image) as the\n"
    "guest would and prints the configuration they make together.\n"
    "Exit codes: 0 valid, 1 invalid, 100 usage, 111 cannot read a file.\n";

static void load_file(struct guestcfg *c, const char *path, bool disk)
{
	static char buf[GUESTCFG_FILE_MAX + 1];
	char err[GUESTCFG_ERR_MAX];
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "septa-init: %s: %s\n", path, strerror(errno));
		exit(SEPTA_EXIT_SYS);
	}
	n = guestcfg_read(fd, buf, sizeof(buf));
	if (n < 0) {
		fprintf(stderr, "septa-init: %s: %s\n", path, strerror(errno));
		exit(SEPTA_EXIT_SYS);
	}
	close(fd);
	if (guestcfg_parse(c, buf, (size_t)n, path, disk, err, sizeof(err)) <
	    0) {
		fprintf(stderr, "septa-init: %s\n", err);
		exit(SEPTA_EXIT_BADDEF);
	}
}

static void print_config(const struct guestcfg *c)
{
	int i;

	printf("role=%s\nhostname=%s\nterm=%s\n", guestcfg_role_name(c->role),
	       guestcfg_hostname(c), guestcfg_term(c));
	if (c->exec)
		printf("exec=%s\n", c->exec);
	for (i = 0; i < c->nargs; i++)
		printf("arg=%s\n", c->args[i]);
	for (i = 0; i < c->nenv; i++)
		printf("env=%s\n", c->env[i]);
	if (c->wayland)
		printf("wayland=%s\n", c->wayland);
	if (c->role == GUEST_ROLE_NETVM && !c->upstream_static) {
		printf("upstream=dhcp\n");
	} else if (c->upstream_static) {
		char ad[INET_ADDRSTRLEN], gw[INET_ADDRSTRLEN];

		inet_ntop(AF_INET, &c->upstream_addr_be, ad, sizeof(ad));
		inet_ntop(AF_INET, &c->upstream_gw_be, gw, sizeof(gw));
		printf("upstream=%s/%d,%s\n", ad, c->upstream_len, gw);
	}
	if (c->dns_be) {
		char d[INET_ADDRSTRLEN];

		inet_ntop(AF_INET, &c->dns_be, d, sizeof(d));
		printf("dns=%s\n", d);
	}
}

static int check_main(int argc, char **argv)
{
	static struct guestcfg cfg;
	char err[GUESTCFG_ERR_MAX];
	bool check = false;
	int opt;

	while ((opt = getopt(argc, argv, "nh")) != -1) {
		if (opt == 'n') {
			check = true;
		} else {
			fputs(usage, opt == 'h' ? stdout : stderr);
			return opt == 'h' ? 0 : SEPTA_EXIT_USAGE;
		}
	}
	if (!check || argc - optind < 1 || argc - optind > 2) {
		fputs(usage, stderr);
		return SEPTA_EXIT_USAGE;
	}
	guestcfg_init(&cfg);
	load_file(&cfg, argv[optind], false);
	if (argc - optind == 2)
		load_file(&cfg, argv[optind + 1], true);
	if (guestcfg_check(&cfg, err, sizeof(err)) < 0) {
		fprintf(stderr, "septa-init: %s\n", err);
		return SEPTA_EXIT_BADDEF;
	}
	print_config(&cfg);
	return 0;
}

int main(int argc, char **argv)
{
	const char *base = strrchr(argv[0], '/');

	base = base ? base + 1 : argv[0];
	if (getpid() != 1 && strcmp(base, "dhcp-event") == 0)
		return argc == 2 ? dhcp_event(argv[1]) : SEPTA_EXIT_USAGE;
	if (getpid() == 1) {
		if (access(STAGE1_MARKER, F_OK) == 0)
			stage1();
		stage2();
	}
	return check_main(argc, argv);
}
