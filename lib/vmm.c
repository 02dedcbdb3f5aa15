/* SPDX-License-Identifier: MIT */
#include "vmm.h"
#include "link.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int add(struct vmm_argv *a, const char *format, ...)
    __attribute__((format(printf, 2, 3)));

static int add(struct vmm_argv *a, const char *format, ...)
{
	va_list ap;
	int n;

	if (a->argc >= VMM_ARGV_MAX)
		goto full;
	va_start(ap, format);
	n = vsnprintf(a->pool + a->used, sizeof(a->pool) - a->used, format, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(a->pool) - a->used)
		goto full;
	a->argv[a->argc++] = a->pool + a->used;
	a->argv[a->argc] = NULL;
	a->used += (size_t)n + 1;
	return 0;
full:
	errno = E2BIG;
	return -1;
}

const char *vmm_accel_name(enum vmm_accel accel)
{
	return accel == VMM_ACCEL_KVM ? "kvm" : "tcg";
}

const char *vmm_qemu_binary(void)
{
	const char *s = getenv("SEPTA_QEMU");

	return s && *s ? s : "qemu-system-x86_64";
}

static uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}

unsigned long vmm_tsc_khz(void)
{
	struct timespec a, b;
	uint64_t t0, t1, ns;

	/* Measured, not read from /proc/cpuinfo: "cpu MHz" there is the
	 * current core clock where the CPU scales its frequency, while TCG
	 * guests see the host's TSC, which runs at a constant rate. */
	clock_gettime(CLOCK_MONOTONIC_RAW, &a);
	t0 = rdtsc();
	sleep_ms(20);
	clock_gettime(CLOCK_MONOTONIC_RAW, &b);
	t1 = rdtsc();
	ns = (uint64_t)(b.tv_sec - a.tv_sec) * 1000000000u +
	     (uint64_t)b.tv_nsec - (uint64_t)a.tv_nsec;
	if (ns == 0 || t1 <= t0)
		return 0;
	return (unsigned long)((t1 - t0) * 1000000u / ns);
}

/* A network VM's way out. Its MAC is QEMU's OUI and a hash of the name:
 * not a Septa link, and the same across restarts (DHCP leases). */
static int add_upstream(struct vmm_argv *a, const struct vmdef *d,
			const struct vmm_fds *f)
{
	const char *bus = d->machine == VM_MACHINE_MICROVM ? "device" : "pci";
	uint32_t h = 2166136261u; /* FNV-1a */
	const char *p;
	int r = 0;

	for (p = d->name; *p; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	switch (d->upstream) {
	case VM_UPSTREAM_NONE:
		return 0;
	case VM_UPSTREAM_PCI:
		r |= add(a, "-device");
		r |= add(a, "vfio-pci,host=%s,id=upstream", d->upstream_arg);
		return r;
	case VM_UPSTREAM_USER:
		r |= add(a, "-netdev");
		r |= add(a, "user,id=upstream");
		break;
	case VM_UPSTREAM_NETNS:
		r |= add(a, "-netdev");
		r |= add(a, "tap,id=upstream,fd=%d,vhost=off", f->upstream);
		break;
	}
	r |= add(a, "-device");
	r |= add(a, "virtio-net-%s,netdev=upstream,mac=52:54:00:%02x:%02x:%02x",
		 bus, (h >> 16) & 0xffu, (h >> 8) & 0xffu, h & 0xffu);
	return r;
}

int vmm_build_argv(struct vmm_argv *a, const struct vmdef *d,
		   const struct vmm_fds *f, enum vmm_accel accel,
		   unsigned long tsc_khz)
{
	bool microvm = d->machine == VM_MACHINE_MICROVM;
	const char *bus = microvm ? "device" : "pci";
	int r = 0, i, port;

	a->argc = 0;
	a->used = 0;
	r |= add(a, "%s", vmm_qemu_binary());
	r |= add(a, "-name");
	r |= add(a, "%s", d->name);
	r |= add(a, "-nodefaults");
	r |= add(a, "-no-user-config");
	/* QEMU's own seccomp filter: no obsolete system calls, no setuid
	 * and friends, no fork or exec, no scheduler or priority changes. */
	r |= add(a, "-sandbox");
	r |= add(a, "on,obsolete=deny,elevateprivileges=deny,spawn=deny,"
		    "resourcecontrol=deny");
	r |= add(a, "-display");
	r |= add(a, "none");
	/* Created, not running: vm-start lets it run. */
	r |= add(a, "-S");
	/* A guest reboot ends the VMM; supervision brings back a fresh,
	 * stopped VM. */
	r |= add(a, "-no-reboot");
	r |= add(a, "-machine");
	r |= add(a, "%s", microvm ? "microvm" : "q35");
	r |= add(a, "-accel");
	r |= add(a, "%s", vmm_accel_name(accel));
	r |= add(a, "-cpu");
	r |= add(a, "%s", accel == VMM_ACCEL_KVM ? "host" : "max");
	r |= add(a, "-m");
	r |= add(a, "%lu", d->mem_mib);
	r |= add(a, "-smp");
	r |= add(a, "%lu", d->cpus);
	r |= add(a, "-kernel");
	r |= add(a, "/proc/self/fd/%d", d->kernel_fd);
	if (d->initramfs_fd >= 0) {
		r |= add(a, "-initrd");
		r |= add(a, "/proc/self/fd/%d", d->initramfs_fd);
	}
	r |= add(a, "-append");
	/* Linux on microvm under TCG hangs calibrating its timer unless it
	 * is told the TSC rate. */
	if (microvm && accel == VMM_ACCEL_TCG && tsc_khz)
		r |= add(a, "console=ttyS0 panic=-1 tsc_early_khz=%lu%s%s",
			 tsc_khz, d->cmdline[0] ? " " : "", d->cmdline);
	else
		r |= add(a, "console=ttyS0 panic=-1%s%s",
			 d->cmdline[0] ? " " : "", d->cmdline);
	r |= add(a, "-chardev");
	r |= add(a, "socket,id=qmp,fd=%d,server=on,wait=off", f->qmp);
	r |= add(a, "-mon");
	r |= add(a, "chardev=qmp,mode=control");
	r |= add(a, "-chardev");
	r |= add(a, "socket,id=qmp-status,fd=%d,server=on,wait=off",
		 f->qmp_status);
	r |= add(a, "-mon");
	r |= add(a, "chardev=qmp-status,mode=control");
	/* The log and the disks go through fd sets: QEMU dups the
	 * descriptor instead of reopening /proc/self/fd/N, which would check
	 * the file's permissions against QEMU's unprivileged uid. */
	r |= add(a, "-add-fd");
	r |= add(a, "fd=%d,set=%d", f->log, f->log);
	r |= add(a, "-chardev");
	r |= add(a, "file,id=log,path=/dev/fdset/%d,append=on", f->log);
	r |= add(a, "-serial");
	r |= add(a, "chardev:log");
	r |= add(a, "-device");
	r |= add(a, "virtio-serial-%s", bus);
	r |= add(a, "-chardev");
	r |= add(a, "socket,id=console,fd=%d,server=on,wait=off", f->console);
	r |= add(a, "-device");
	r |= add(a, "virtconsole,chardev=console,name=console");
	/* An app VM's Wayland connection (waypipe) on a port of its own,
	 * which the guest finds by name; vm-wayland serves the host's side. */
	if (d->wayland && f->wayland >= 0) {
		r |= add(a, "-chardev");
		r |= add(a, "socket,id=wayland,fd=%d,server=on,wait=off",
			 f->wayland);
		r |= add(a, "-device");
		r |= add(a, "virtserialport,chardev=wayland,"
			    "name=org.septa.wayland");
	}
	/* Hot-plug needs a port per device: q35's root bus cannot take one
	 * (QEMU-NOTES.md). */
	for (i = 0; !microvm && i < VMM_ROOT_PORTS; i++) {
		r |= add(a, "-device");
		r |= add(a, "pcie-root-port,id=rp%d,chassis=%d", i, i + 1);
	}
	/* A client's NICs: one per provider, in the definition's order. The
	 * provider's side of a link goes into a root port, where it can be
	 * unplugged again while the provider runs. */
	for (i = 0, port = 0; i < f->nlinks; i++) {
		const struct vmm_link *l = &f->links[i];
		char mac[18], id[32];

		link_mac(l->xy, l->provider, mac);
		link_qemu_id(l->xy, l->provider ? "netdev" : "net", id);
		r |= add(a, "-netdev");
		r |= add(a, "tap,id=%s,fd=%d,vhost=off", id, l->fd);
		r |= add(a, "-device");
		if (l->provider) {
			char dev[32];

			link_qemu_id(l->xy, "link", dev);
			r |= add(a,
				 "virtio-net-pci,netdev=%s,mac=%s,id=%s,"
				 "bus=rp%d,addr=0",
				 id, mac, dev, port++);
		} else {
			r |= add(a, "virtio-net-%s,netdev=%s,mac=%s", bus, id,
				 mac);
		}
	}
	r |= add_upstream(a, d, f);
	for (i = 0; i < d->nblk; i++) {
		r |= add(a, "-add-fd");
		r |= add(a, "fd=%d,set=%d", d->blk_fd[i], d->blk_fd[i]);
		r |= add(a, "-drive");
		r |= add(a,
			 "file=/dev/fdset/%d,if=none,id=blk%d,format=raw,"
			 "readonly=on",
			 d->blk_fd[i], i);
		r |= add(a, "-device");
		r |= add(a, "virtio-blk-%s,drive=blk%d", bus, i);
	}
	return r ? -1 : 0;
}
