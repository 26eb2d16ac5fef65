// SPDX-License-Identifier: GPL-2.0
/*
 * xpv-kvm-hold: keep one empty KVM VM open until killed.
 *
 * The lab's L1 runs under multi-threaded TCG, where a vCPU can execute
 * kernel text another vCPU is patching (text_poke_bp() when a static key
 * flips) and die with "Oops: int3".  Creating the first VM and destroying
 * the last one flip preempt_notifier_key, which patches __schedule();
 * holding a VM from boot on keeps that key on, so starting and stopping
 * L2 patches nothing.  L1 boots with one CPU online and brings up the
 * others only once the VM exists (READY_FILE is created then), so the
 * flip itself patches text no other CPU runs.
 *
 * Usage: xpv-kvm-hold [READY_FILE]
 */
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <unistd.h>

int main(int argc, char **argv)
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
	if (argc > 1) {
		int fd = open(argv[1], O_WRONLY | O_CREAT | O_CLOEXEC, 0644);

		if (fd < 0) {
			perror("xpv-kvm-hold: READY_FILE");
			return 1;
		}
		close(fd);
	}
	for (;;)
		pause();
}
