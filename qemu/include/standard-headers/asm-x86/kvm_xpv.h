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

#include "standard-headers/linux/const.h"
#include "standard-headers/linux/types.h"

/* MSR_KVM_XPV_AREA: bit 0 enables, bits 11:1 are reserved (zero). */
#define KVM_XPV_AREA_ENABLE		_BITULL(0)
#define KVM_XPV_AREA_RESERVED		0xffeULL
#define KVM_XPV_AREA_ALIGN		4096

/* MSR_KVM_XPV_VECTOR: bits 7:0, 32..255; bits 63:8 are reserved. */
#define KVM_XPV_VECTOR_MASK		0xffULL
#define KVM_XPV_VECTOR_MIN		32

/* MSR_KVM_XPV_LIMITS */
#define KVM_XPV_LIMITS_CHUNK_SHIFT(l)	((uint8_t)((l) & 0xff))
#define KVM_XPV_LIMITS_NR_PNODES(l)	((uint8_t)(((l) >> 8) & 0xff))
#define KVM_XPV_LIMITS_NR_VCPUS(l)	((uint16_t)(((l) >> 16) & 0xffff))
#define KVM_XPV_LIMITS_MAX_PAGES(l)	((uint32_t)((l) >> 32))

#define KVM_XPV_MAGIC			0x4b565058	/* "XPVK" */
#define KVM_XPV_ABI_VERSION		1
#define KVM_XPV_MAX_PNODES		64
#define KVM_XPV_PNODE_UNKNOWN		0xffff

/* struct kvm_xpv_header.flags */
/* The chunk table is shorter than guest memory (the area is too small). */
#define KVM_XPV_F_CHUNKS_TRUNCATED	_BITUL(0)

struct kvm_xpv_header {
	uint32_t magic;		/* KVM_XPV_MAGIC */
	uint16_t abi_version;	/* KVM_XPV_ABI_VERSION */
	uint16_t header_size;	/* sizeof(struct kvm_xpv_header) */
	uint32_t seq;		/* odd while the host writes the area */
	uint32_t flags;		/* KVM_XPV_F_* */
	uint64_t version;		/* topology version: +1 on every change */
	uint16_t nr_pnodes;	/* pnode ids are 0 .. nr_pnodes - 1 */
	uint8_t chunk_shift;	/* a chunk is 1 << chunk_shift bytes */
	uint8_t pad0;
	uint32_t nr_vcpus;		/* entries in the vCPU table */
	uint64_t nr_chunks;	/* entries in the chunk table */
	/* Table offsets, in bytes from the area's start: */
	uint32_t distance_offset;	/* uint8_t [nr_pnodes][nr_pnodes] */
	uint32_t vcpu_offset;	/* uint16_t [nr_vcpus], indexed by vCPU (APIC) id */
	uint32_t chunk_offset;	/* uint16_t [nr_chunks], indexed by GPA >> chunk_shift */
	uint32_t area_size;	/* bytes the host uses, <= the registered size */
	uint64_t reserved;
};

#endif /* _UAPI_ASM_X86_KVM_XPV_H */
