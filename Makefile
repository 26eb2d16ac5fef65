# SPDX-License-Identifier: GPL-2.0
#
# XPV for KVM: build the patched Linux 6.12 and QEMU 7.2 from Debian's
# sources and run them in the nested NUMA lab.  `make help` lists targets.

BUILD      := $(CURDIR)/build
DEBUG      ?= 0
SCENARIO   ?= smoke
NODES      ?= 2
CPUS       ?= 4
MEM        ?= $(if $(filter 1,$(DEBUG)),4096,2048)
DISTANCE   ?=
LAB_ARGS   ?=
RUNS       ?= 1000000

export XPV_BUILD := $(BUILD)
export XPV_DEBUG := $(DEBUG)

KVARIANT := $(if $(filter 1,$(DEBUG)),debug,lab)
LABOPTS  := --nodes $(NODES) --cpus $(CPUS) --mem $(MEM) \
	    $(if $(DISTANCE),--distance "$(DISTANCE)") $(LAB_ARGS)

.DEFAULT_GOAL := help

help:
	@echo "XPV for KVM: live paravirtual NUMA topology"
	@echo
	@echo "  make lab        build what is missing, boot L1 (NUMA host, TCG) and"
	@echo "                  L2 (KVM guest in L1); interactive on a terminal"
	@echo "  make test       every test: unit, builds, series, lab (README)"
	@echo "  make test-debug the same with every lab scenario on the DEBUG=1 kernel"
	@echo
	@echo "  make deps       install build and runtime dependencies (apt-get)"
	@echo "  make sources    unpack Debian's linux-source-6.12, qemu 7.2, numactl 2.0.16, jemalloc 5.3.0,"
	@echo "                  libvirt 9.0, openjdk-17, apply patches/"
	@echo "  make kernel     build bzImage (DEBUG=1: KASAN/LOCKDEP/DEBUG_VM variant)"
	@echo "  make kernel-pristine  the same kernel without the series (benchmark baseline)"
	@echo "  make qemu       build qemu-system-x86_64"
	@echo "  make tools      build tools/ (host and static lab binaries)"
	@echo "  make plugin     build the cost model's TCG plugin (build/tools/xpv-insn.so)"
	@echo "  make selftests  build the KVM selftests the lab runs in L1 (xpv_test, ...)"
	@echo "  make numactl    build numactl/libnuma with patches/numactl (CHECK=1: its tests)"
	@echo "  make jemalloc   build jemalloc with patches/jemalloc (CHECK=1: its tests)"
	@echo "  make libvirt    build libvirtd, virsh, the QEMU driver with patches/libvirt (CHECK=1: the"
	@echo "                  tests of what the series touches)"
	@echo "  make openjdk    build HotSpot's libjvm.so with patches/openjdk (no C2, JFR, CDS), for"
	@echo "                  Debian's Java 17 class library in the lab's Debian L2 (CHECK=1: HotSpot's"
	@echo "                  jtreg tests of what the series touches)"
	@echo "  make rootfs     debootstrap the Debian root (libvirt, workloads) L1 and L2 mount for some scenarios"
	@echo "  make unit       run the user-space unit tests"
	@echo "  make fuzz       fuzz the guest's area parser in user space (RUNS=$(RUNS) inputs)"
	@echo "  make series     export patches/ as git-format-patch series to build/series/"
	@echo "  make check-series  git am the exported series onto pristine trees; checkpatch"
	@echo "  make lab-run    run lab scenario SCENARIO=$(SCENARIO) (tools/lab/scenarios)"
	@echo "  make lab-soak   run SCENARIO N=20 times: failure rate, causes, retries taken"
	@echo "  make bench      benchmarks in the lab (not tests): the XPV vDSO read vs a syscall,"
	@echo "                  memory updates, page faults, NUMA balancing vs the baselines,"
	@echo "                  jemalloc's pnode arenas vs phycpu, instructions per page fault"
	@echo "                  (cost: a TCG plugin counts them, XPV active/off/unpatched)"
	@echo "                  (jemalloc-insn: jemalloc's comparison in instructions, same plugin)"
	@echo "                  (BENCH=name runs one; bench-numab plots to build/lab/bench-numab.png)"
	@echo "  make eval       the evaluation matrix in the lab (tools/lab/scenarios/eval): XPV, static"
	@echo "                  vNUMA, UMA with host balancing, interleave, first touch under vCPU load"
	@echo "                  balancing and memory rebinding; build/eval/<date>/{results.csv,report.md,*.png}"
	@echo "                  (QUICK=1: three configurations, shorter; NPB_DIR=.../NPB3.4-OMP/bin)"
	@echo "  make clean      remove build outputs (keeps sources and ccache)"
	@echo "  make distclean  remove build/ entirely"
	@echo
	@echo "Variables: DEBUG=1, SCENARIO=name, NODES=$(NODES) CPUS=$(CPUS) MEM=$(MEM) (MiB),"
	@echo "  DISTANCE=\"10,20;20,10\", LAB_ARGS=\"...\" (see tools/lab/lab.sh --help)"

deps:
	@ci/deps.sh

sources: deps
	@ci/src.sh prepare linux
	@ci/src.sh prepare qemu
	@ci/src.sh prepare numactl
	@ci/src.sh prepare jemalloc
	@ci/src.sh prepare libvirt
	@ci/src.sh prepare openjdk

kernel: deps
	@ci/build-linux.sh

# After kernel: both prepare the same source tree.
kernel-pristine: kernel
	@XPV_PRISTINE=1 XPV_DEBUG=0 ci/build-linux.sh

qemu: deps
	@ci/build-qemu.sh

selftests: kernel
	@ci/build-selftests.sh

# numactl and libnuma on pnodes (patches/numactl), against the kernel's
# uapi headers; CHECK=1 runs numactl's own test suite.
numactl: selftests tools
	@ci/build-numactl.sh

# jemalloc with percpu_arena:pnode (patches/jemalloc), against the kernel's
# uapi headers; CHECK=1 runs jemalloc's own test suite.
jemalloc: selftests
	@ci/build-jemalloc.sh

# libvirt with <kvm><xpv state='on'/> (patches/libvirt), trimmed to the
# QEMU driver; CHECK=1 runs the tests of the files the series touches.
libvirt: deps
	@ci/build-libvirt.sh $(if $(filter 1,$(CHECK)),check)

# HotSpot (libjvm.so only) with patches/openjdk, following the live
# topology through the patched libnuma; CHECK=1 runs HotSpot's jtreg
# tests of what the series touches in the Debian root (make rootfs).
openjdk: deps
	@ci/build-openjdk.sh
	@$(if $(filter 1,$(CHECK)),ci/build-rootfs.sh && ci/check-openjdk.sh)

tools: deps
	@$(MAKE) -s -C tools O=$(BUILD)/tools all

# The cost model's TCG plugin, against the QEMU source's plugin header.
plugin: qemu
	@$(MAKE) -s -C tools O=$(BUILD)/tools QEMU_SRC=$(BUILD)/src/qemu plugin

unit: deps
	@$(MAKE) -s -C tools O=$(BUILD)/tools test

# The guest's parser of the host's topology area, under libFuzzer (ASan, UBSan).
fuzz: deps
	@ci/src.sh prepare linux
	@XPV_FUZZ_RUNS=$(RUNS) ci/fuzz-area.sh

series: deps
	@ci/src.sh export linux
	@ci/src.sh export qemu
	@ci/src.sh export numactl
	@ci/src.sh export jemalloc
	@ci/src.sh export libvirt
	@ci/src.sh export openjdk

check-series: series
	@ci/src.sh check linux
	@ci/src.sh check qemu
	@ci/src.sh check numactl
	@ci/src.sh check jemalloc
	@ci/src.sh check libvirt
	@ci/src.sh check openjdk
	@ci/checkpatch.sh linux
	@ci/checkpatch.sh qemu

rootfs: deps
	@ci/build-rootfs.sh

build: kernel qemu tools selftests numactl jemalloc libvirt openjdk plugin

# make lab XPV=0: a plain KVM guest; MOVE=10: L1 swaps L2's vCPU nodes
# every 10 s while you watch xpvtop in L2.
XPV  ?= 1
MOVE ?= 0
lab: build
	@if [ -t 0 ] && [ -t 1 ]; then \
		tools/lab/lab.sh --interactive --xpv $(XPV) --move $(MOVE) $(LABOPTS) show; \
	else \
		tools/lab/lab.sh --xpv $(XPV) $(LABOPTS) show; \
	fi

# The scenarios that mount the Debian root (an l1-rootfs or l2-rootfs file)
NEEDS_ROOTFS = $(if $(wildcard tools/lab/scenarios/$(SCENARIO)/l[12]-rootfs),rootfs)
lab-run: build $(NEEDS_ROOTFS)
	@tools/lab/lab.sh $(LABOPTS) $(SCENARIO)

# N runs of one scenario: its failure rate, the causes, the retries taken.
N ?= 20
lab-soak: build $(NEEDS_ROOTFS)
	@ci/soak.sh $(SCENARIO) $(N) $(LABOPTS)

test: deps
	@ci/test.sh

# Every lab scenario on the DEBUG=1 kernel (KASAN, lockdep, DEBUG_VM).
test-debug: deps
	@XPV_TEST=debug ci/test.sh

# Benchmarks print figures (ratios measured in one run), they pass or fail
# only on whether they ran.
# bench-pagefault compares with the unpatched kernel, built without the
# debug options: with DEBUG=1 it would measure them, not XPV.
# bench-numab: locality after a vCPU move and a memory move, XPV against
# static vNUMA, UMA with L1's NUMA balancing, and UMA alone (its series
# as CSV and a PNG plot, build/lab/bench-numab.{csv,png}; four L2s of
# about 5 minutes each, so it gets 40 minutes instead of lab.sh's 15).
# bench-jemalloc: jemalloc's malloc/free throughput, percpu_arena:pnode
# against phycpu, in an XPV L2.
# cost: the deterministic cost model (tools/eval/cost.sh): instructions
# per page fault, XPV active, xpv=off and unpatched, counted by a TCG
# plugin; per vDSO call, per getppid() and per topology interrupt.
# jemalloc-insn: bench-jemalloc's comparison counted in instructions by
# the same plugin (tools/eval/jeminsn.sh).
# bench-hotspot: a Java program's allocation throughput and young pauses
# while L1 swaps the vCPUs' nodes every 5 s: the patched VM with UseNUMA,
# Debian's (stale after the first move), and the patched one without.
BENCHES := bench-vdso bench-memory $(if $(filter 1,$(DEBUG)),,bench-pagefault cost) bench-numab \
	bench-jemalloc jemalloc-insn bench-hotspot
BENCH ?= $(BENCHES)
PRISTINE := $(BUILD)/obj/linux-pristine/arch/x86/boot/bzImage

bench: build $(if $(filter bench-pagefault cost,$(BENCH)),kernel-pristine)
	@mkdir -p $(BUILD)/lab; rc=0; \
	[ "$(DEBUG)" != 1 ] || echo "bench: DEBUG=1: no bench-pagefault, no cost (their baseline has no debug options)"; \
	for b in $(BENCH); do \
		case $$b in \
		cost) COST_OUT=$(BUILD)/lab/cost LABOPTS="$(LABOPTS)" tools/eval/cost.sh $(PRISTINE) \
			>$(BUILD)/lab/$$b.out || rc=$$? ;; \
		jemalloc-insn) JEMINSN_OUT=$(BUILD)/lab/jeminsn LABOPTS="$(LABOPTS)" tools/eval/jeminsn.sh \
			>$(BUILD)/lab/$$b.out || rc=$$? ;; \
		*) tools/lab/lab.sh $(LABOPTS) $$(case $$b in bench-numab) echo --timeout 2400 ;; esac) \
			$$b >$(BUILD)/lab/$$b.out || rc=$$? ;; \
		esac; \
		cat $(BUILD)/lab/$$b.out; echo; \
	done; \
	for b in $(BENCH); do \
		grep -h 'bench:\|^cost:\|^jeminsn:' $(BUILD)/lab/$$b.out | sed "s/^# L[12]: bench:/$$b:/"; \
	done; \
	case " $(BENCH) " in *" bench-numab "*) \
		tools/lab/numab-plot.sh $(BUILD)/lab/bench-numab.out \
			$(BUILD)/lab/bench-numab.csv $(BUILD)/lab/bench-numab.png || rc=1 ;; \
	esac; \
	exit $$rc

# make eval (tools/eval/eval.sh): QUICK=1, NPB_DIR=..., LABOPTS.
eval: build rootfs
	@QUICK="$(QUICK)" NPB_DIR="$(NPB_DIR)" LABOPTS="$(LABOPTS)" tools/eval/eval.sh

clean:
	rm -rf $(BUILD)/obj $(BUILD)/tools $(BUILD)/lab $(BUILD)/series \
		$(BUILD)/check $(BUILD)/logs

distclean:
	rm -rf $(BUILD)

.PHONY: help test-debug lab-soak deps sources kernel kernel-pristine qemu selftests numactl jemalloc libvirt openjdk tools plugin unit fuzz series check-series build \
	rootfs lab lab-run test bench eval clean distclean
