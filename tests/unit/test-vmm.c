/* SPDX-License-Identifier: MIT */
/* vmm.c: the QEMU command line built from a definition and open fds. */
#include "check.h"
#include "vmm.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

static struct vmm_argv va;
static char joined[VMM_POOL_MAX + VMM_ARGV_MAX];

static const struct vmm_fds fds = {
    .qmp = 20,
    .qmp_status = 21,
    .console = 22,
    .wayland = 24,
    .log = 23,
};

static void def_init(struct vmdef *d, enum vm_machine m, int initramfs_fd)
{
	int i;

	memset(d, 0, sizeof(*d));
	strcpy(d->name, "appvm-elinks");
	d->kernel_fd = 10;
	d->initramfs_fd = initramfs_fd;
	d->nblk = 2;
	d->blk_fd[0] = 12;
	d->blk_fd[1] = 13;
	for (i = 2; i < VMDEF_MAX_BLK; i++)
		d->blk_fd[i] = -1;
	strcpy(d->blk[0], "root.img");
	strcpy(d->blk[1], "data.img");
	d->mem_mib = 256;
	d->cpus = 2;
	d->machine = m;
	strcpy(d->cmdline, "quiet");
}

static int build(const struct vmdef *d, enum vmm_accel accel,
		 unsigned long tsc_khz)
{
	errno = 0;
	return vmm_build_argv(&va, d, &fds, accel, tsc_khz);
}

/* Index of the first argument equal to s, or -1. */
static int find(const char *s)
{
	int i;

	for (i = 0; i < va.argc; i++)
		if (strcmp(va.argv[i], s) == 0)
			return i;
	return -1;
}

/* True when option opt appears with value val right after it. */
static bool has_opt(const char *opt, const char *val)
{
	int i;

	for (i = 0; i + 1 < va.argc; i++)
		if (strcmp(va.argv[i], opt) == 0 &&
		    strcmp(va.argv[i + 1], val) == 0)
			return true;
	return false;
}

/* The value of the only occurrence of opt, or NULL. */
static const char *opt_value(const char *opt)
{
	const char *v = NULL;
	int i;

	for (i = 0; i + 1 < va.argc; i++) {
		if (strcmp(va.argv[i], opt) != 0)
			continue;
		if (v)
			return NULL;
		v = va.argv[i + 1];
	}
	return v;
}

static bool terminated(void)
{
	return va.argc > 0 && va.argc <= VMM_ARGV_MAX &&
	       va.argv[va.argc] == NULL;
}

static const char *join(void)
{
	size_t o = 0;
	int i;

	joined[0] = '\0';
	for (i = 0; i < va.argc; i++) {
		size_t n = strlen(va.argv[i]);

		if (o + n + 2 > sizeof(joined))
			return "(too long)";
		if (i)
			joined[o++] = ' ';
		memcpy(joined + o, va.argv[i], n + 1);
		o += n;
	}
	return joined;
}

/* QEMU's option parser splits values at ','. Only the values built from
 * constants and numbers may contain one (and -append, which QEMU does not
 * split); the name must not. */
static bool no_user_comma(void)
{
	static const char *const fixed[] = {"-chardev", "-mon",	   "-drive",
					    "-device",	"-append", "-netdev",
					    "-add-fd",	"-sandbox"};
	const char *v = opt_value("-name");
	int i;
	size_t k;

	if (!v || strchr(v, ','))
		return false;
	for (i = 1; i < va.argc; i++) {
		if (!strchr(va.argv[i], ','))
			continue;
		for (k = 0; k < sizeof(fixed) / sizeof(fixed[0]); k++)
			if (strcmp(va.argv[i - 1], fixed[k]) == 0)
				break;
		if (k == sizeof(fixed) / sizeof(fixed[0]))
			return false;
	}
	return true;
}

static void test_microvm_tcg(void)
{
	struct vmdef d;
	const char *app;

	def_init(&d, VM_MACHINE_MICROVM, -1);
	CHECK("vmm-microvm-tcg-builds", build(&d, VMM_ACCEL_TCG, 2596098) == 0);
	CHECK("vmm-argv-null-terminated", terminated());
	CHECK("vmm-argv0-default-qemu",
	      strcmp(va.argv[0], "qemu-system-x86_64") == 0);
	CHECK("vmm-name", has_opt("-name", "appvm-elinks"));
	CHECK("vmm-stopped-at-start", find("-S") > 0);
	CHECK("vmm-no-reboot", find("-no-reboot") > 0);
	CHECK("vmm-nodefaults", find("-nodefaults") > 0);
	CHECK("vmm-no-user-config", find("-no-user-config") > 0);
	CHECK("vmm-display-none", has_opt("-display", "none"));
	CHECK("vmm-machine-microvm", has_opt("-machine", "microvm"));
	CHECK("vmm-accel-tcg", has_opt("-accel", "tcg"));
	CHECK("vmm-tcg-cpu-max", has_opt("-cpu", "max"));
	CHECK("vmm-mem", has_opt("-m", "256"));
	CHECK("vmm-smp", has_opt("-smp", "2"));
	CHECK("vmm-kernel-by-fd", has_opt("-kernel", "/proc/self/fd/10"));
	CHECK("vmm-no-initrd-without-initramfs", find("-initrd") < 0);
	app = opt_value("-append");
	CHECK("vmm-append-microvm-tcg-tsc-early-khz",
	      app && strcmp(app, "console=ttyS0 panic=-1 tsc_early_khz=2596098 "
				 "quiet") == 0);
	CHECK("vmm-append-extra-cmdline-at-end",
	      app && strlen(app) >= 6 &&
		  strcmp(app + strlen(app) - 6, " quiet") == 0);
	CHECK("vmm-qmp-chardev-fd",
	      has_opt("-chardev", "socket,id=qmp,fd=20,server=on,wait=off"));
	CHECK("vmm-qmp-monitor", has_opt("-mon", "chardev=qmp,mode=control"));
	CHECK("vmm-qmp-status-chardev-fd",
	      has_opt("-chardev",
		      "socket,id=qmp-status,fd=21,server=on,wait=off"));
	CHECK("vmm-qmp-status-monitor",
	      has_opt("-mon", "chardev=qmp-status,mode=control"));
	CHECK(
	    "vmm-console-chardev-fd",
	    has_opt("-chardev", "socket,id=console,fd=22,server=on,wait=off"));
	CHECK("vmm-log-file-chardev-append",
	      has_opt("-chardev", "file,id=log,path=/dev/fdset/23,append=on"));
	CHECK("vmm-serial-to-log", has_opt("-serial", "chardev:log"));
	CHECK("vmm-virtio-serial-device",
	      has_opt("-device", "virtio-serial-device"));
	CHECK("vmm-virtconsole",
	      has_opt("-device", "virtconsole,chardev=console,name=console"));
	CHECK("vmm-seccomp-sandbox",
	      has_opt("-sandbox", "on,obsolete=deny,elevateprivileges=deny,"
				  "spawn=deny,resourcecontrol=deny"));
	CHECK("vmm-log-fd-set", has_opt("-add-fd", "fd=23,set=23"));
	CHECK("vmm-blk-fd-sets", has_opt("-add-fd", "fd=12,set=12") &&
				     has_opt("-add-fd", "fd=13,set=13"));
	CHECK("vmm-blk0-drive-by-fd-readonly",
	      has_opt("-drive", "file=/dev/fdset/12,if=none,id=blk0,"
				"format=raw,readonly=on"));
	CHECK("vmm-blk1-drive-by-fd-readonly",
	      has_opt("-drive", "file=/dev/fdset/13,if=none,id=blk1,"
				"format=raw,readonly=on"));
	CHECK("vmm-microvm-virtio-blk-device",
	      has_opt("-device", "virtio-blk-device,drive=blk0") &&
		  has_opt("-device", "virtio-blk-device,drive=blk1") &&
		  !strstr(join(), "-pci"));
	CHECK("vmm-no-image-names-in-argv",
	      !strstr(join(), "root.img") && !strstr(join(), "data.img"));
	CHECK("vmm-commas-only-in-fixed-option-values", no_user_comma());

	CHECK("vmm-microvm-tcg-tsc-unknown-no-tsc-early-khz",
	      build(&d, VMM_ACCEL_TCG, 0) == 0 &&
		  (app = opt_value("-append")) &&
		  strcmp(app, "console=ttyS0 panic=-1 quiet") == 0);
	d.cmdline[0] = '\0';
	CHECK("vmm-append-no-cmdline-no-trailing-space",
	      build(&d, VMM_ACCEL_TCG, 0) == 0 &&
		  (app = opt_value("-append")) &&
		  strcmp(app, "console=ttyS0 panic=-1") == 0);
	CHECK("vmm-append-no-cmdline-with-tsc",
	      build(&d, VMM_ACCEL_TCG, 1000) == 0 &&
		  (app = opt_value("-append")) &&
		  strcmp(app, "console=ttyS0 panic=-1 tsc_early_khz=1000") ==
		      0);
}

static void test_kvm_q35(void)
{
	struct vmdef d;
	const char *app;

	def_init(&d, VM_MACHINE_MICROVM, 11);
	CHECK("vmm-microvm-kvm-builds", build(&d, VMM_ACCEL_KVM, 2596098) == 0);
	CHECK("vmm-accel-kvm", has_opt("-accel", "kvm"));
	CHECK("vmm-kvm-cpu-host", has_opt("-cpu", "host"));
	CHECK("vmm-initrd-by-fd", has_opt("-initrd", "/proc/self/fd/11"));
	CHECK("vmm-initrd-after-kernel", find("-initrd") > find("-kernel"));
	app = opt_value("-append");
	CHECK("vmm-microvm-kvm-no-tsc-early-khz",
	      app && !strstr(app, "tsc_early_khz") &&
		  strcmp(app, "console=ttyS0 panic=-1 quiet") == 0);

	def_init(&d, VM_MACHINE_Q35, -1);
	CHECK("vmm-q35-tcg-builds", build(&d, VMM_ACCEL_TCG, 2596098) == 0);
	CHECK("vmm-machine-q35", has_opt("-machine", "q35"));
	app = opt_value("-append");
	CHECK("vmm-q35-tcg-no-tsc-early-khz",
	      app && !strstr(app, "tsc_early_khz"));
	CHECK("vmm-q35-virtio-blk-pci",
	      has_opt("-device", "virtio-blk-pci,drive=blk0") &&
		  has_opt("-device", "virtio-blk-pci,drive=blk1") &&
		  !strstr(join(), "virtio-blk-device"));
	CHECK("vmm-q35-virtio-serial-pci",
	      has_opt("-device", "virtio-serial-pci"));
	CHECK("vmm-q35-root-ports",
	      has_opt("-device", "pcie-root-port,id=rp0,chassis=1") &&
		  has_opt("-device", "pcie-root-port,id=rp15,chassis=16") &&
		  !strstr(join(), "id=rp16"));
	def_init(&d, VM_MACHINE_MICROVM, -1);
	build(&d, VMM_ACCEL_TCG, 2596098);
	CHECK("vmm-microvm-no-root-ports", !strstr(join(), "pcie-root-port"));
}

static void test_user_data(void)
{
	struct vmdef d;
	const char *app;
	int i, n;

	/* The cmdline is one argv element of its own: QEMU does not split
	 * -append at ',' or ' ', so it must arrive intact. */
	def_init(&d, VM_MACHINE_MICROVM, -1);
	strcpy(d.cmdline, "a=1,b=2 opt,id=evil,x=y 'q\" \\");
	CHECK("vmm-cmdline-with-commas-builds",
	      build(&d, VMM_ACCEL_KVM, 0) == 0);
	app = opt_value("-append");
	CHECK("vmm-cmdline-with-commas-intact",
	      app && strcmp(app, "console=ttyS0 panic=-1 a=1,b=2 "
				 "opt,id=evil,x=y 'q\" \\") == 0);
	CHECK("vmm-cmdline-no-extra-argv",
	      find("opt,id=evil,x=y") < 0 && va.argc == 57);
	n = 0;
	for (i = 0; i < va.argc; i++)
		if (strstr(va.argv[i], "id=evil"))
			n++;
	CHECK("vmm-cmdline-only-in-append", n == 1);
	CHECK("vmm-cmdline-commas-only-in-append", no_user_comma());

	/* The longest cmdline a definition may have still fits. */
	memset(d.cmdline, 'x', VMDEF_CMDLINE_MAX);
	d.cmdline[VMDEF_CMDLINE_MAX] = '\0';
	CHECK("vmm-cmdline-max-fits",
	      build(&d, VMM_ACCEL_TCG, 4294967295UL) == 0 &&
		  (app = opt_value("-append")) &&
		  strlen(app) ==
		      VMDEF_CMDLINE_MAX + strlen("console=ttyS0 panic=-1 "
						 "tsc_early_khz=4294967295 "));

	/* The most disks a definition may have still fit. */
	def_init(&d, VM_MACHINE_Q35, 11);
	d.nblk = VMDEF_MAX_BLK;
	for (i = 0; i < VMDEF_MAX_BLK; i++)
		d.blk_fd[i] = 100 + i;
	CHECK("vmm-max-blk-fits",
	      build(&d, VMM_ACCEL_KVM, 0) == 0 &&
		  has_opt("-drive", "file=/dev/fdset/115,"
				    "if=none,id=blk15,format=raw,"
				    "readonly=on") &&
		  has_opt("-device", "virtio-blk-pci,drive=blk15"));
	CHECK("vmm-max-blk-argv-terminated", terminated());
}

static void test_env(void)
{
	struct vmdef d;

	def_init(&d, VM_MACHINE_MICROVM, -1);
	setenv("SEPTA_QEMU", "/opt/qemu/bin/qemu-system-x86_64", 1);
	CHECK("vmm_qemu_binary-env",
	      strcmp(vmm_qemu_binary(), "/opt/qemu/bin/qemu-system-x86_64") ==
		  0);
	CHECK("vmm-septa-qemu-overrides-argv0",
	      build(&d, VMM_ACCEL_KVM, 0) == 0 &&
		  strcmp(va.argv[0], "/opt/qemu/bin/qemu-system-x86_64") == 0);
	setenv("SEPTA_QEMU", "", 1);
	CHECK("vmm-septa-qemu-empty-is-default",
	      build(&d, VMM_ACCEL_KVM, 0) == 0 &&
		  strcmp(va.argv[0], "qemu-system-x86_64") == 0);
	unsetenv("SEPTA_QEMU");
	CHECK("vmm_accel_name",
	      strcmp(vmm_accel_name(VMM_ACCEL_KVM), "kvm") == 0 &&
		  strcmp(vmm_accel_name(VMM_ACCEL_TCG), "tcg") == 0);
}

/* The whole command line for one definition. A change here is a change to
 * what every VM runs: update it on purpose, never to make the test pass. */
static const char golden_microvm_tcg[] =
    "qemu-system-x86_64 -name appvm-elinks -nodefaults -no-user-config "
    "-sandbox on,obsolete=deny,elevateprivileges=deny,spawn=deny,"
    "resourcecontrol=deny "
    "-display none -S -no-reboot -machine microvm -accel tcg -cpu max "
    "-m 256 -smp 2 -kernel /proc/self/fd/10 -initrd /proc/self/fd/11 "
    "-append console=ttyS0 panic=-1 tsc_early_khz=2596098 quiet "
    "-chardev socket,id=qmp,fd=20,server=on,wait=off "
    "-mon chardev=qmp,mode=control "
    "-chardev socket,id=qmp-status,fd=21,server=on,wait=off "
    "-mon chardev=qmp-status,mode=control "
    "-add-fd fd=23,set=23 "
    "-chardev file,id=log,path=/dev/fdset/23,append=on "
    "-serial chardev:log -device virtio-serial-device "
    "-chardev socket,id=console,fd=22,server=on,wait=off "
    "-device virtconsole,chardev=console,name=console "
    "-add-fd fd=12,set=12 "
    "-drive file=/dev/fdset/12,if=none,id=blk0,format=raw,readonly=on "
    "-device virtio-blk-device,drive=blk0 "
    "-add-fd fd=13,set=13 "
    "-drive file=/dev/fdset/13,if=none,id=blk1,format=raw,readonly=on "
    "-device virtio-blk-device,drive=blk1";

static const char golden_q35_kvm[] =
    "qemu-system-x86_64 -name appvm-elinks -nodefaults -no-user-config "
    "-sandbox on,obsolete=deny,elevateprivileges=deny,spawn=deny,"
    "resourcecontrol=deny "
    "-display none -S -no-reboot -machine q35 -accel kvm -cpu host "
    "-m 256 -smp 2 -kernel /proc/self/fd/10 "
    "-append console=ttyS0 panic=-1 quiet "
    "-chardev socket,id=qmp,fd=20,server=on,wait=off "
    "-mon chardev=qmp,mode=control "
    "-chardev socket,id=qmp-status,fd=21,server=on,wait=off "
    "-mon chardev=qmp-status,mode=control "
    "-add-fd fd=23,set=23 "
    "-chardev file,id=log,path=/dev/fdset/23,append=on "
    "-serial chardev:log -device virtio-serial-pci "
    "-chardev socket,id=console,fd=22,server=on,wait=off "
    "-device virtconsole,chardev=console,name=console "
    "-device pcie-root-port,id=rp0,chassis=1 "
    "-device pcie-root-port,id=rp1,chassis=2 "
    "-device pcie-root-port,id=rp2,chassis=3 "
    "-device pcie-root-port,id=rp3,chassis=4 "
    "-device pcie-root-port,id=rp4,chassis=5 "
    "-device pcie-root-port,id=rp5,chassis=6 "
    "-device pcie-root-port,id=rp6,chassis=7 "
    "-device pcie-root-port,id=rp7,chassis=8 "
    "-device pcie-root-port,id=rp8,chassis=9 "
    "-device pcie-root-port,id=rp9,chassis=10 "
    "-device pcie-root-port,id=rp10,chassis=11 "
    "-device pcie-root-port,id=rp11,chassis=12 "
    "-device pcie-root-port,id=rp12,chassis=13 "
    "-device pcie-root-port,id=rp13,chassis=14 "
    "-device pcie-root-port,id=rp14,chassis=15 "
    "-device pcie-root-port,id=rp15,chassis=16 "
    "-add-fd fd=12,set=12 "
    "-drive file=/dev/fdset/12,if=none,id=blk0,format=raw,readonly=on "
    "-device virtio-blk-pci,drive=blk0 "
    "-add-fd fd=13,set=13 "
    "-drive file=/dev/fdset/13,if=none,id=blk1,format=raw,readonly=on "
    "-device virtio-blk-pci,drive=blk1";

static void test_golden(void)
{
	struct vmdef d;
	const char *got;

	unsetenv("SEPTA_QEMU");
	def_init(&d, VM_MACHINE_MICROVM, 11);
	got = build(&d, VMM_ACCEL_TCG, 2596098) == 0 ? join() : "";
	CHECK("vmm-golden-microvm-tcg", strcmp(got, golden_microvm_tcg) == 0);
	if (strcmp(got, golden_microvm_tcg) != 0)
		printf("# got:  %s\n# want: %s\n", got, golden_microvm_tcg);
	def_init(&d, VM_MACHINE_Q35, -1);
	got = build(&d, VMM_ACCEL_KVM, 2596098) == 0 ? join() : "";
	CHECK("vmm-golden-q35-kvm", strcmp(got, golden_q35_kvm) == 0);
	if (strcmp(got, golden_q35_kvm) != 0)
		printf("# got:  %s\n# want: %s\n", got, golden_q35_kvm);
}

/* A client's NICs, a provider's cold-plugged links and the upstream. */
static void test_links(void)
{
	struct vmm_fds f = fds;
	struct vmdef d;

	def_init(&d, VM_MACHINE_MICROVM, -1);
	f.nlinks = 2;
	f.links[0] = (struct vmm_link){.fd = 30, .xy = 0xa546};
	f.links[1] = (struct vmm_link){.fd = 31, .xy = 0x0102};
	CHECK("links-client-build",
	      vmm_build_argv(&va, &d, &f, VMM_ACCEL_TCG, 0) == 0);
	CHECK("links-client-tap-fd",
	      has_opt("-netdev", "tap,id=net-165.70,fd=30,vhost=off"));
	CHECK("links-client-mac",
	      has_opt("-device", "virtio-net-device,netdev=net-165.70,"
				 "mac=0a:b3:ec:00:a5:46"));
	CHECK("links-client-second",
	      has_opt("-device", "virtio-net-device,netdev=net-1.2,"
				 "mac=0a:b3:ec:00:01:02"));
	CHECK("links-commas-only-in-fixed-values", no_user_comma());

	def_init(&d, VM_MACHINE_Q35, -1);
	f.links[0].provider = true;
	f.links[1].provider = true;
	CHECK("links-provider-build",
	      vmm_build_argv(&va, &d, &f, VMM_ACCEL_TCG, 0) == 0);
	CHECK("links-provider-port-0",
	      has_opt("-device", "virtio-net-pci,netdev=netdev-165.70,"
				 "mac=0a:b3:ec:80:a5:46,id=link-165.70,"
				 "bus=rp0,addr=0"));
	CHECK("links-provider-port-1",
	      has_opt("-device", "virtio-net-pci,netdev=netdev-1.2,"
				 "mac=0a:b3:ec:80:01:02,id=link-1.2,bus=rp1,"
				 "addr=0"));

	f.nlinks = 0;
	f.upstream = 40;
	d.upstream = VM_UPSTREAM_NETNS;
	CHECK("upstream-netns-build",
	      vmm_build_argv(&va, &d, &f, VMM_ACCEL_TCG, 0) == 0);
	CHECK("upstream-netns-tap",
	      has_opt("-netdev", "tap,id=upstream,fd=40,vhost=off"));
	CHECK("upstream-mac-not-septa",
	      strstr(join(), "netdev=upstream,mac=52:54:00:") != NULL);
	d.upstream = VM_UPSTREAM_USER;
	CHECK("upstream-user",
	      vmm_build_argv(&va, &d, &f, VMM_ACCEL_TCG, 0) == 0 &&
		  has_opt("-netdev", "user,id=upstream"));
	d.upstream = VM_UPSTREAM_PCI;
	strcpy(d.upstream_arg, "0000:03:00.0");
	CHECK(
	    "upstream-pci",
	    vmm_build_argv(&va, &d, &f, VMM_ACCEL_TCG, 0) == 0 &&
		has_opt("-device", "vfio-pci,host=0000:03:00.0,id=upstream") &&
		find("-netdev") < 0);
	d.upstream = VM_UPSTREAM_NONE;
	CHECK("upstream-none",
	      vmm_build_argv(&va, &d, &f, VMM_ACCEL_TCG, 0) == 0 &&
		  find("-netdev") < 0);
}

/* The Wayland port is there only for a definition that asks for it. */
static void test_wayland(void)
{
	struct vmdef d;

	def_init(&d, VM_MACHINE_MICROVM, -1);
	CHECK("vmm-no-wayland-port-by-default",
	      build(&d, VMM_ACCEL_TCG, 1000) == 0 &&
		  find("socket,id=wayland,fd=24,server=on,wait=off") < 0 &&
		  !strstr(join(), "org.septa.wayland"));
	d.wayland = true;
	CHECK("vmm-wayland-chardev-fd",
	      build(&d, VMM_ACCEL_TCG, 1000) == 0 &&
		  has_opt("-chardev",
			  "socket,id=wayland,fd=24,server=on,wait=off"));
	CHECK("vmm-wayland-port-named",
	      has_opt("-device", "virtserialport,chardev=wayland,"
				 "name=org.septa.wayland"));
	def_init(&d, VM_MACHINE_Q35, -1);
	d.wayland = true;
	CHECK("vmm-wayland-port-on-q35",
	      build(&d, VMM_ACCEL_KVM, 0) == 0 &&
		  has_opt("-device", "virtserialport,chardev=wayland,"
				     "name=org.septa.wayland"));
}

int main(void)
{
	test_wayland();
	test_links();
	test_microvm_tcg();
	test_kvm_q35();
	test_user_data();
	test_env();
	test_golden();
	return check_done();
}
