/* SPDX-License-Identifier: GPL-2.0 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM xpv

#if !defined(_TRACE_XPV_H) || defined(TRACE_HEADER_MULTI_READ)
#define _TRACE_XPV_H

#include <linux/tracepoint.h>

/* The guest took a new topology from the host. */
TRACE_EVENT(xpv_topology_update,
	    TP_PROTO(u64 version, u64 host_version, unsigned int nr_pnodes,
		     unsigned int cpus_changed, unsigned long chunks_changed),
	    TP_ARGS(version, host_version, nr_pnodes, cpus_changed,
		    chunks_changed),
	    TP_STRUCT__entry(__field(u64, version)
			     __field(u64, host_version)
			     __field(unsigned int, nr_pnodes)
			     __field(unsigned int, cpus_changed)
			     __field(unsigned long, chunks_changed)),
	    TP_fast_assign(__entry->version = version;
			   __entry->host_version = host_version;
			   __entry->nr_pnodes = nr_pnodes;
			   __entry->cpus_changed = cpus_changed;
			   __entry->chunks_changed = chunks_changed;),
	    TP_printk("version=%llu host_version=%llu nr_pnodes=%u cpus_changed=%u chunks_changed=%lu",
		      __entry->version, __entry->host_version,
		      __entry->nr_pnodes, __entry->cpus_changed,
		      __entry->chunks_changed)
);

#endif /* _TRACE_XPV_H */

/* This part must be outside protection */
#include <trace/define_trace.h>
