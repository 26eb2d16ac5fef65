// SPDX-License-Identifier: GPL-2.0
/*
 * xpv-kvm-hold: keep one empty KVM VM open until killed.
 *
 * The lab's L1 runs under multi-threaded TCG, where a vCPU can execute
 * kernel text another vCPU is patching (text_poke_bp() when a static key
 * flips) and die with "Oops: int3".  Creating the first VM and destroying
 * the last one flip preempt_notifier_key, which patches __schedule();
 * holding a VM from boot on keeps that key on, so starting and stopping
 * L2 patches nothing.
 */
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <unistd.h>

int main(void)
{
	int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	int vm;

	if (kvm < 0) {
		perror("xpv-kvm-hold: /dev/kvm");
		return 1;
	}
	vm = ioctl(kvm, KVM_CREATE_VM, 0);
	if (vm < 0) {
		perror("xpv-kvm-hold: KVM_CREATE_VM");
		return 1;
	}
	for (;;)
		pause();
}
