/*
 * XPV: the live NUMA topology KVM publishes to a guest, for the monitor
 * (QMP query-xpv, HMP info xpv).
 *
 * The answer comes from KVM's binary statistics (query-stats), which say
 * what KVM published: the VM's xpv_version and xpv_pnode_bytes, each
 * vCPU's xpv_pnode, and the update counters.  Not from the topology area
 * in guest memory: the guest can write there, and the monitor must show
 * what the host did, not what the guest made of it.
 *
 * This work is licensed under the terms of the GNU GPL, version 2 or later.
 * See the COPYING file in the top-level directory.
 */

#include "qemu/osdep.h"
#include "cpu.h"
#include "monitor/hmp-target.h"
#include "monitor/hmp.h"
#include "monitor/monitor.h"
#include "qapi/error.h"
#include "qapi/qapi-commands-misc-target.h"
#include "qapi/qapi-commands-stats.h"
#include "qom/object.h"
#include "sysemu/kvm.h"
#include "standard-headers/asm-x86/kvm_para.h"
#include "standard-headers/asm-x86/kvm_xpv.h"

static StatsValue *xpv_stat(StatsList *stats, const char *name)
{
    for (; stats; stats = stats->next) {
        if (!strcmp(stats->value->name, name)) {
            return stats->value->value;
        }
    }
    return NULL;
}

static uint64_t xpv_scalar(StatsList *stats, const char *name)
{
    StatsValue *v = xpv_stat(stats, name);

    return v && v->type == QTYPE_QNUM ? v->u.scalar : 0;
}

/* KVM's statistics for the VM or for every vCPU; NULL on error. */
static StatsResultList *xpv_query_stats(StatsTarget target, Error **errp)
{
    StatsRequest request = { .provider = STATS_PROVIDER_KVM };
    StatsRequestList requests = { .value = &request };
    StatsFilter filter = {
        .target = target,
        .has_providers = true,
        .providers = &requests,
    };
    Error *err = NULL;
    StatsResultList *results = qmp_query_stats(&filter, &err);

    if (err) {
        error_propagate(errp, err);
        return NULL;
    }
    if (!results) {
        error_setg(errp, "the host's KVM has no binary statistics");
    }
    return results;
}

/* The vCPU statistics of the vCPU at QOM @path in @results, or NULL. */
static StatsList *xpv_vcpu_stats(StatsResultList *results, const char *path)
{
    for (; results; results = results->next) {
        if (results->value->has_qom_path &&
            !strcmp(results->value->qom_path, path)) {
            return results->value->stats;
        }
    }
    return NULL;
}

XpvInfo *qmp_query_xpv(Error **errp)
{
    g_autoptr(StatsResultList) vm = NULL;
    g_autoptr(StatsResultList) vcpus = NULL;
    uint64_t memory[KVM_XPV_MAX_PNODES] = { 0 };
    int64_t pnode_of[KVM_XPV_MAX_PNODES] = { 0 };
    XpvVcpuList **vcpu_tail;
    XpvPnodeList **pnode_tail;
    uint64List *bytes;
    StatsValue *v;
    StatsList *stats;
    XpvInfo *info;
    CPUState *cs;
    uint64_t p;
    int n, i;

    if (!kvm_enabled()) {
        error_setg(errp, "XPV needs KVM (-accel kvm)");
        return NULL;
    }
    info = g_new0(XpvInfo, 1);
    cs = first_cpu;
    info->enabled = cs && (X86_CPU(cs)->env.features[FEAT_KVM] &
                           (1U << KVM_FEATURE_XPV));
    if (!info->enabled) {
        return info;
    }

    vm = xpv_query_stats(STATS_TARGET_VM, errp);
    if (!vm) {
        qapi_free_XpvInfo(info);
        return NULL;
    }
    stats = vm->value->stats;
    if (!xpv_stat(stats, "xpv_version")) {
        error_setg(errp, "the host's KVM reports no XPV statistics");
        qapi_free_XpvInfo(info);
        return NULL;
    }
    info->version = xpv_scalar(stats, "xpv_version");
    info->registered = info->version != 0;
    info->updates = xpv_scalar(stats, "xpv_updates");
    info->notifications = xpv_scalar(stats, "xpv_notifications");
    info->coalesced = xpv_scalar(stats, "xpv_coalesced");
    info->memory_updates = xpv_scalar(stats, "xpv_mem_updates");
    info->memory_chunks_changed = xpv_scalar(stats, "xpv_mem_chunks");
    if (!info->registered) {
        return info;
    }

    /*
     * xpv_pnode_bytes holds one value per pnode; query-stats lists the
     * values of an array statistic last one first.
     */
    v = xpv_stat(stats, "xpv_pnode_bytes");
    if (v && v->type == QTYPE_QLIST) {
        n = 0;
        for (bytes = v->u.list; bytes; bytes = bytes->next) {
            n++;
        }
        i = n - 1;
        for (bytes = v->u.list; bytes; bytes = bytes->next, i--) {
            if (i < KVM_XPV_MAX_PNODES) {
                memory[i] = bytes->value;
            }
        }
    }

    vcpus = xpv_query_stats(STATS_TARGET_VCPU, errp);
    if (!vcpus) {
        qapi_free_XpvInfo(info);
        return NULL;
    }
    vcpu_tail = &info->vcpus;
    CPU_FOREACH(cs) {
        XpvVcpu *vcpu = g_new0(XpvVcpu, 1);

        vcpu->cpu_index = cs->cpu_index;
        vcpu->qom_path = object_get_canonical_path(OBJECT(cs));
        v = xpv_stat(xpv_vcpu_stats(vcpus, vcpu->qom_path), "xpv_pnode");
        if (v && v->type == QTYPE_QNUM && v->u.scalar < KVM_XPV_MAX_PNODES) {
            p = v->u.scalar;
            vcpu->has_pnode = true;
            vcpu->pnode = p;
            pnode_of[p]++;
        }
        QAPI_LIST_APPEND(vcpu_tail, vcpu);
    }

    pnode_tail = &info->pnodes;
    for (p = 0; p < KVM_XPV_MAX_PNODES; p++) {
        XpvPnode *pnode;
        XpvVcpuList *l;
        intList **tail;

        if (!pnode_of[p] && !memory[p]) {
            continue;
        }
        pnode = g_new0(XpvPnode, 1);
        pnode->pnode = p;
        pnode->memory = memory[p];
        tail = &pnode->vcpus;
        for (l = info->vcpus; l; l = l->next) {
            if (l->value->has_pnode && l->value->pnode == p) {
                QAPI_LIST_APPEND(tail, l->value->cpu_index);
            }
        }
        QAPI_LIST_APPEND(pnode_tail, pnode);
    }
    return info;
}

void hmp_info_xpv(Monitor *mon, const QDict *qdict)
{
    Error *err = NULL;
    g_autoptr(XpvInfo) info = qmp_query_xpv(&err);
    XpvPnodeList *p;
    XpvVcpuList *v;
    intList *c;
    bool unknown = false;

    if (hmp_handle_error(mon, err)) {
        return;
    }
    if (!info->enabled) {
        monitor_printf(mon, "XPV is off for this VM "
                       "(-cpu ...,kvm-xpv=on turns it on)\n");
        return;
    }
    if (!info->registered) {
        monitor_printf(mon, "XPV is on; the guest has not registered "
                       "its topology area\n");
        return;
    }
    monitor_printf(mon, "topology version %" PRIu64 "\n", info->version);
    for (p = info->pnodes; p; p = p->next) {
        monitor_printf(mon, "pnode %u: %" PRIu64 " MiB, vCPUs",
                       p->value->pnode, p->value->memory >> 20);
        for (c = p->value->vcpus; c; c = c->next) {
            monitor_printf(mon, " %" PRId64, c->value);
        }
        monitor_printf(mon, "%s\n", p->value->vcpus ? "" : " none");
    }
    for (v = info->vcpus; v; v = v->next) {
        if (!v->value->has_pnode) {
            if (!unknown) {
                monitor_printf(mon, "pnode unknown: vCPUs");
            }
            unknown = true;
            monitor_printf(mon, " %" PRId64, v->value->cpu_index);
        }
    }
    if (unknown) {
        monitor_printf(mon, "\n");
    }
    monitor_printf(mon, "updates %" PRIu64 ", notifications %" PRIu64
                   ", coalesced %" PRIu64 ", memory updates %" PRIu64
                   ", memory chunks changed %" PRIu64 "\n",
                   info->updates, info->notifications, info->coalesced,
                   info->memory_updates, info->memory_chunks_changed);
}
