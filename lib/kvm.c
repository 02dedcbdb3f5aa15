/* SPDX-License-Identifier: MIT */
#include "kvm.h"
#include "util.h"

#include <cpuid.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

/* From <linux/kvm.h>, which musl-gcc cannot see: the ABI is stable. */
#define KVM_API_VERSION	    12
#define KVM_GET_API_VERSION _IO(0xAE, 0x00)
#define KVM_CREATE_VM	    _IO(0xAE, 0x01)

static bool cpu_has_virt(void)
{
	unsigned a, b, c, d;

	/* CPUID.1:ECX bit 5 is VMX; CPUID.80000001h:ECX bit 2 is SVM. */
	if (__get_cpuid(1, &a, &b, &c, &d) && (c & (1u << 5)))
		return true;
	if (__get_cpuid(0x80000001u, &a, &b, &c, &d) && (c & (1u << 2)))
		return true;
	return false;
}

int kvm_usable(char *why, size_t size)
{
	int fd, vm, version;

	fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		snprintf(why, size, "/dev/kvm: %s", strerror(errno));
		return 0;
	}
	version = ioctl(fd, KVM_GET_API_VERSION, 0);
	if (version != KVM_API_VERSION) {
		snprintf(why, size, "/dev/kvm: API version %d, not %d", version,
			 KVM_API_VERSION);
		close(fd);
		return 0;
	}
	if (!cpu_has_virt()) {
		snprintf(why, size,
			 "/dev/kvm is present but the CPU advertises "
			 "neither VMX nor SVM");
		close(fd);
		return 0;
	}
	vm = ioctl(fd, KVM_CREATE_VM, 0);
	if (vm < 0) {
		snprintf(why, size, "/dev/kvm: KVM_CREATE_VM: %s",
			 strerror(errno));
		close(fd);
		return 0;
	}
	close(vm);
	close(fd);
	snprintf(why, size, "/dev/kvm is usable");
	return 1;
}
