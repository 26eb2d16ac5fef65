/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * XPV: the live NUMA topology a KVM host publishes to its guest.
 *
 * A guest that sees KVM_FEATURE_XPV in CPUID 0x40000001 EAX registers one
 * topology area per VM through MSRs (see Documentation/virt/kvm/x86/msr.rst):
 *
 *   MSR_KVM_XPV_LIMITS  (read-only) what this host offers the VM
 *   MSR_KVM_XPV_VECTOR  the interrupt vector of change notifications
 *   MSR_KVM_XPV_SIZE    the size of the area in bytes
 *   MSR_KVM_XPV_AREA    its guest-physical address | KVM_XPV_AREA_ENABLE
 *   MSR_KVM_XPV_ACK     the topology version the guest has consumed
 *
 * The host then keeps the area current: which host NUMA node ("pnode")
 * each vCPU runs on and which backs each chunk of guest memory, plus the
 * pnode distance matrix.  Every field is little-endian.  A reader copies
 * the area between two reads of @seq that are equal and even, then
 * validates what it copied.
 */
#ifndef _UAPI_ASM_X86_KVM_XPV_H
#define _UAPI_ASM_X86_KVM_XPV_H

#include <linux/const.h>
#include <linux/types.h>

/* MSR_KVM_XPV_AREA: bit 0 enables, bits 11:1 are reserved (zero). */
#define KVM_XPV_AREA_ENABLE		_BITULL(0)
#define KVM_XPV_AREA_RESERVED		0xffeULL
#define KVM_XPV_AREA_ALIGN		4096

/* MSR_KVM_XPV_VECTOR: bits 7:0, 32..255; bits 63:8 are reserved. */
#define KVM_XPV_VECTOR_MASK		0xffULL
#define KVM_XPV_VECTOR_MIN		32

/* MSR_KVM_XPV_LIMITS */
#define KVM_XPV_LIMITS_CHUNK_SHIFT(l)	((__u8)((l) & 0xff))
#define KVM_XPV_LIMITS_NR_PNODES(l)	((__u8)(((l) >> 8) & 0xff))
#define KVM_XPV_LIMITS_NR_VCPUS(l)	((__u16)(((l) >> 16) & 0xffff))
#define KVM_XPV_LIMITS_MAX_PAGES(l)	((__u32)((l) >> 32))

#define KVM_XPV_MAGIC			0x4b565058	/* "XPVK" */
#define KVM_XPV_ABI_VERSION		1
#define KVM_XPV_MAX_PNODES		64
#define KVM_XPV_PNODE_UNKNOWN		0xffff

/* struct kvm_xpv_header.flags */
/* The chunk table is shorter than guest memory (the area is too small). */
#define KVM_XPV_F_CHUNKS_TRUNCATED	_BITUL(0)

struct kvm_xpv_header {
	__u32 magic;		/* KVM_XPV_MAGIC */
	__u16 abi_version;	/* KVM_XPV_ABI_VERSION */
	__u16 header_size;	/* sizeof(struct kvm_xpv_header) */
	__u32 seq;		/* odd while the host writes the area */
	__u32 flags;		/* KVM_XPV_F_* */
	__u64 version;		/* topology version: +1 on every change */
	__u16 nr_pnodes;	/* pnode ids are 0 .. nr_pnodes - 1 */
	__u8 chunk_shift;	/* a chunk is 1 << chunk_shift bytes */
	__u8 pad0;
	__u32 nr_vcpus;		/* entries in the vCPU table */
	__u64 nr_chunks;	/* entries in the chunk table */
	/* Table offsets, in bytes from the area's start: */
	__u32 distance_offset;	/* __u8 [nr_pnodes][nr_pnodes] */
	__u32 vcpu_offset;	/* __u16 [nr_vcpus], indexed by vCPU (APIC) id */
	__u32 chunk_offset;	/* __u16 [nr_chunks], indexed by GPA >> chunk_shift */
	__u32 area_size;	/* bytes the host uses, <= the registered size */
	__u64 reserved;
};

#endif /* _UAPI_ASM_X86_KVM_XPV_H */
