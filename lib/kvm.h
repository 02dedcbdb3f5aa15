/* SPDX-License-Identifier: MIT */
/* Is hardware virtualisation usable here? */
#ifndef SEPTA_KVM_H
#define SEPTA_KVM_H

#include <stddef.h>

/* 1 when KVM can run guests, 0 when not (why is written into why). A
 * /dev/kvm that opens is not enough: some nested setups expose one while
 * the CPU advertises neither VMX nor SVM, and guests then fault on the
 * first instruction KVM has to emulate. */
int kvm_usable(char *why, size_t size);

#endif
