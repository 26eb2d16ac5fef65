/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __ARCH_X86_KVM_XPV_H__
#define __ARCH_X86_KVM_XPV_H__

#include <linux/kvm_host.h>

#ifdef CONFIG_KVM_XPV
#define XPV_CHUNK_SHIFT		21	/* 2 MiB */
#define XPV_MAX_PAGES		4096	/* 16 MiB: 8 Mi chunks, 16 TiB of guest */
/* No VM counts this many topology updates (a million a second for 9 years). */
#define XPV_MAX_VERSION		BIT_ULL(48)
/* An unacknowledged notification is given up after this. */
#define XPV_NOTIFY_RETRY_MS	1000
/* A guest's registrations are at least this far apart; a sooner one waits. */
#define XPV_REGISTER_INTERVAL_MS	100

/* kvm_xpv.publishing: a whole publish that waits for a dirty ring */
#define XPV_PUBLISH_NONE	0
#define XPV_PUBLISH_START	1	/* nothing written yet */
#define XPV_PUBLISH_CHUNKS	2	/* seq odd, the chunk table next */

extern bool kvm_xpv_enabled;

/* Writers of the area, under kvm->arch.xpv.lock (xpv.c) */
void kvm_xpv_lock(struct kvm *kvm);
void kvm_xpv_unlock(struct kvm *kvm);
u16 kvm_xpv_nr_pnodes(void);
u64 kvm_xpv_guest_chunks(struct kvm *kvm);
u64 kvm_xpv_area_chunks(struct kvm *kvm);
int kvm_xpv_write(struct kvm *kvm, unsigned int offset, const void *data,
		  unsigned long len);
int kvm_xpv_begin(struct kvm *kvm);
int kvm_xpv_end(struct kvm *kvm);
bool kvm_xpv_notify(struct kvm_vcpu *vcpu);
int kvm_xpv_publish_all(struct kvm_vcpu *vcpu);
int kvm_xpv_publish_resume(struct kvm_vcpu *vcpu);
bool kvm_xpv_ring_full(struct kvm *kvm);

void kvm_xpv_init_vm(struct kvm *kvm);
void kvm_xpv_destroy_vm(struct kvm *kvm);
int kvm_xpv_set_msr(struct kvm_vcpu *vcpu, u32 msr, u64 data, bool host);
int kvm_xpv_get_msr(struct kvm_vcpu *vcpu, u32 msr, u64 *data, bool host);
void kvm_xpv_vcpu_update(struct kvm_vcpu *vcpu);
void kvm_xpv_vcpu_reset(struct kvm_vcpu *vcpu);
void kvm_xpv_pv_area_set(struct kvm_vcpu *vcpu, gpa_t gpa, u64 len,
			 bool host);

/* Memory placement (xpv_mem.c) */
void kvm_xpv_mem_init_vm(struct kvm *kvm);
void kvm_xpv_mem_pre_destroy_vm(struct kvm *kvm);
int kvm_xpv_mem_enable(struct kvm_vcpu *vcpu);
void kvm_xpv_mem_disable(struct kvm *kvm);
void kvm_xpv_mem_update(struct kvm_vcpu *vcpu);
void kvm_xpv_mem_request(struct kvm_vcpu *vcpu);
void kvm_xpv_mem_invalidate(struct kvm *kvm, gfn_t start, gfn_t end);
void kvm_xpv_mem_fault(struct kvm *kvm, gfn_t gfn, kvm_pfn_t pfn);
void kvm_xpv_mem_memslots_changed(struct kvm *kvm,
				  const struct kvm_memory_slot *old,
				  const struct kvm_memory_slot *new);
void kvm_xpv_mem_recount(struct kvm *kvm);

/*
 * Called from kvm_arch_vcpu_load(), preemption disabled: only note that
 * the vCPU now runs on another host node; the vCPU publishes it before
 * its next guest entry, where it may touch guest memory.
 */
static inline void kvm_xpv_vcpu_load(struct kvm_vcpu *vcpu, int cpu)
{
	if (READ_ONCE(vcpu->kvm->arch.xpv.enabled) &&
	    vcpu->arch.xpv_node != cpu_to_node(cpu))
		kvm_make_request(KVM_REQ_XPV_UPDATE, vcpu);
}
#else
#define kvm_xpv_enabled false

static inline void kvm_xpv_init_vm(struct kvm *kvm) {}
static inline void kvm_xpv_destroy_vm(struct kvm *kvm) {}
static inline void kvm_xpv_vcpu_update(struct kvm_vcpu *vcpu) {}
static inline void kvm_xpv_vcpu_reset(struct kvm_vcpu *vcpu) {}
static inline void kvm_xpv_pv_area_set(struct kvm_vcpu *vcpu, gpa_t gpa,
				       u64 len, bool host) {}
static inline void kvm_xpv_vcpu_load(struct kvm_vcpu *vcpu, int cpu) {}
static inline void kvm_xpv_mem_pre_destroy_vm(struct kvm *kvm) {}
static inline void kvm_xpv_mem_update(struct kvm_vcpu *vcpu) {}
static inline void kvm_xpv_mem_invalidate(struct kvm *kvm, gfn_t start,
					  gfn_t end) {}
static inline void kvm_xpv_mem_fault(struct kvm *kvm, gfn_t gfn,
				     kvm_pfn_t pfn) {}
static inline void
kvm_xpv_mem_memslots_changed(struct kvm *kvm, const struct kvm_memory_slot *old,
			     const struct kvm_memory_slot *new) {}
#endif

#endif /* __ARCH_X86_KVM_XPV_H__ */
