# SPDX-License-Identifier: GPL-2.0
#
# Helpers for lab scenario scripts (busybox sh, sourced in L1 and L2).
#
# Results travel as lines the harness collects:
#   XPVLAB ok L1: <name>
#   XPVLAB not ok L1: <name> # <why>
#   XPVLAB # L1: <diagnostic>
#   XPVLAB done L1
# Each level's init copies what its scenario prints to its console, for
# people, and to an output port that carries nothing else (the
# virtio-serial port xpvlab.out at each level; see LAB_L2_OUT).  A
# kernel message can land in the middle of a console line; on the port
# no line is ever cut, so the harness and the scenarios read results and
# data (XPVSYNC, XPVPAGES) from there.  In L1, L2's console is kept in
# /tmp/l2.log and its output port in /tmp/l2.out; both are relayed to the
# harness (L1's second serial port, its virtio-serial port xpvlab.l2out).

lab_diag() { echo "XPVLAB # $LAB_LEVEL: $*"; }
lab_ok() { echo "XPVLAB ok $LAB_LEVEL: $*"; }
lab_not_ok() { echo "XPVLAB not ok $LAB_LEVEL: $1 # $2"; }
lab_done() { echo "XPVLAB done $LAB_LEVEL"; }

# lab_check NAME CMD...: ok when CMD succeeds; its output becomes diagnostics.
lab_check() {
	_name=$1
	shift
	if _out=$("$@" 2>&1); then
		[ -z "$_out" ] || echo "$_out" | sed "s/^/XPVLAB # $LAB_LEVEL:   /"
		lab_ok "$_name"
		return 0
	fi
	[ -z "$_out" ] || echo "$_out" | sed "s/^/XPVLAB # $LAB_LEVEL:   /"
	lab_not_ok "$_name" "failed: $*"
	# An L2 that died while booting fails every later check of this
	# run; end it now, the harness runs such a scenario once more.
	if [ -f /tmp/l2.bootfail ]; then
		lab_diag "L2 stopped while booting: ending this run (signature $(cat /tmp/l2.bootfail))"
		exit 3
	fi
	return 1
}

# lab_ktap NAME CMD...: run a kselftest; its output goes to the console
# as it comes (XPVSYNC lines included) and each TAP result becomes a
# check.  A SKIP fails: the lab has what the tests need.  A run whose VM
# died of a named TCG flake (lab_vm_flake) is run again, at most
# $LAB_KTAP_RETRIES times (default 3): each retry is said, with its
# signature, in a line the harness counts ("retry N/M of NAME").
lab_ktap() {
	_name=$1
	shift
	_try=0
	while :; do
		rm -f /tmp/ktap.rc
		_shut=$(lab_shutdown_count)
		# (awk flushes each line: the output is a pipe, and the line
		# may be what L1 waits for)
		{ timeout 600 "$@" 2>&1; echo $? >/tmp/ktap.rc; } | tee /tmp/"$_name".log |
			awk '!/^(ok |not ok |#)/ { print; fflush() }'
		_rc=$(cat /tmp/ktap.rc)
		[ "$_rc" != 0 ] && [ "$(lab_shutdown_count)" != "$_shut" ] &&
			[ $_try -lt "${LAB_KTAP_RETRIES:-3}" ] &&
			_sig=$(lab_vm_flake "$_name's VM" "$1.map") || break
		_try=$((_try + 1))
		echo "XPVLAB # $LAB_LEVEL: retry $_try/${LAB_KTAP_RETRIES:-3} of $_name: its VM died of the known TCG flake $_sig (tools/lab/README.md):"
		lab_l2_shutdowns "$_name's VM" "$1.map" | grep "saw .* shut down" | tail -n 1 |
			sed "s/^/XPVLAB # $LAB_LEVEL:   /"
	done
	_results=0
	while IFS= read -r _line; do
		case $_line in
		"ok "*"# SKIP"*) lab_not_ok "$_name: ${_line#ok }" "skipped in the lab" ;;
		"ok "*) lab_ok "$_name: $(echo "${_line#ok }" | sed 's/^[0-9]* //')" ;;
		"not ok "*) lab_not_ok "$_name: $(echo "${_line#not ok }" | sed 's/^[0-9]* //')" "see the diagnostics above" ;;
		"#"*) lab_diag "$_name: $_line"; continue ;;
		*) continue ;;
		esac
		_results=$((_results + 1))
	done </tmp/"$_name".log
	# tests without TAP output report through their exit status alone
	if [ "$_rc" = 0 ] && [ $_results -eq 0 ]; then
		lab_ok "$_name (exit status 0)"
	elif [ "$_rc" != 0 ]; then
		tail -n 15 /tmp/"$_name".log | sed "s/^/XPVLAB # $LAB_LEVEL:   /"
		# a VM of the test that triple-faulted: where, by L1's trace
		# (lab_l2_trace_shutdown), its symbols from NAME.map
		[ "$(lab_shutdown_count)" = "$_shut" ] ||
			{ lab_l2_shutdowns "$_name's VM" "$1.map"
			  lab_death_named "$_name's VM" "$1.map"; } | sed "s/^/XPVLAB # $LAB_LEVEL:   /"
		lab_not_ok "$_name exited cleanly" "exit status $_rc after $_results results"
	fi
}

# lab_wait_for SECONDS CMD...: poll CMD every 0.2 s until it succeeds.
lab_wait_for() {
	_deadline=$(($(date +%s) + $1))
	shift
	while ! "$@" >/dev/null 2>&1; do
		[ "$(date +%s)" -lt "$_deadline" ] || return 1
		sleep 0.2
	done
}

# lab_wait_output SECONDS CMD...: lab_wait_for for a check that says what
# it saw: the output of CMD's last try is printed, whether it succeeded
# or the time ran out.
lab_wait_output() {
	_deadline=$(($(date +%s) + $1))
	shift
	while :; do
		_out=$("$@" 2>&1) && { echo "$_out"; return 0; }
		[ "$(date +%s)" -lt "$_deadline" ] || { echo "$_out"; return 1; }
		sleep 0.2
	done
}

# lab_l2_kargs: what the lab adds to L2's kernel command line: its
# console's loglevel ($LAB_L2_LOGLEVEL, lab.sh says why; empty: every
# line) and --l2-append.
lab_l2_kargs() {
	echo ${LAB_L2_LOGLEVEL:+loglevel=$LAB_L2_LOGLEVEL} $LAB_L2_APPEND
}

# The QEMU command line that runs L2 under KVM in L1 (same kernel as L1,
# or $LAB_L2_KERNEL).  Extra arguments are appended.  QMP listens on
# /tmp/l2.qmp.  A reboot ends it (-no-reboot) unless LAB_L2_NO_REBOOT is
# set, empty (guest-reboot).
lab_l2_cmdline() {
	echo qemu-system-x86_64 -accel kvm -cpu "$LAB_L2_CPU" -smp "$LAB_L2_CPUS" \
		-m "${LAB_L2_MEM}M" -nodefaults ${LAB_L2_NO_REBOOT--no-reboot} -display none \
		-L /lab/fw -kernel "${LAB_L2_KERNEL:-/lab/bzImage}" -initrd /lab/l2.cpio \
		-append "'console=ttyS0 panic=-1 nokaslr unknown_nmi_panic $(lab_l2_kargs)'" \
		-pidfile /tmp/l2.pid -qmp unix:/tmp/l2.qmp,server=on,wait=off \
		"$(lab_l2_rootfs_args)" "$@"
}

# lab_l2_rootfs_args: with LAB_L2_ROOTFS=1 (a scenario's l2-rootfs), the
# Debian root L1 got, shared on into L2 read-only under the same tag, for
# L2's lab_rootfs_mount.  L1's mount without its binds (lab_rootfs_ro).
lab_l2_rootfs_args() {
	[ "${LAB_L2_ROOTFS:-0}" = 1 ] || return 0
	echo "-virtfs local,path=$LAB_ROOTFS_RO,mount_tag=xpvroot,security_model=none,readonly=on"
}

# L2's kernel symbols, for the death and hang reports.
lab_l2_map() {
	if [ -z "${LAB_L2_KERNEL:-}" ]; then
		echo /lab/System.map
	else
		echo "${LAB_L2_KERNEL%/*}/System.map"
	fi
}

# L2 runs with these, so that no death is silent: a reset (a triple fault
# included) or a panic (pvpanic) leaves it paused with its CPU state
# intact, and xpv-vmwatch, on a QMP socket of its own, says how it died
# and where each CPU was (/tmp/l2.watch), then quits it; a poweroff just
# ends it.
LAB_L2_WATCHED="-action reboot=shutdown,shutdown=pause,panic=pause -device pvpanic \
	-qmp unix:/tmp/l2-watch.qmp,server=on,wait=off"

# L2's output port: a virtio-serial port, like L1's.  A second serial port
# costs L2 an exit to L1 per byte, each one emulated under TCG: an L2 that
# printed a few thousand lines there kept L1 so busy that its own console
# stalled (see tools/lab/README.md, "No death is silent").
LAB_L2_OUT="-device virtio-serial-pci,id=l2vser \
	-chardev file,id=l2out,path=/tmp/l2.out,append=on \
	-device virtserialport,bus=l2vser.0,chardev=l2out,name=xpvlab.out"

# lab_has_virtio_console: this machine has a virtio-serial device (virtio
# device ID 3), whose ports may be named only after init starts.
lab_has_virtio_console() {
	grep -qx 0x0003 /sys/bus/virtio/devices/*/device 2>/dev/null
}

# lab_port NAME: the device of the virtio-serial port NAME (nothing, and
# failure, when there is none).
lab_port() {
	for _p in /sys/class/virtio-ports/*; do
		[ "$(cat "$_p/name" 2>/dev/null)" = "$1" ] || continue
		echo "/dev/${_p##*/}"
		return 0
	done
	return 1
}

# lab_l2_relay: copy /tmp/l2.log to L1's second serial port and
# /tmp/l2.out to the port xpvlab.l2out, which the harness keeps as l2.log
# and l2.out.  L2's QEMU writes both files itself: should a relay stall,
# neither L2 nor the checks that read the files wait for it.
lab_l2_relay() {
	lab_l2_relay_stop
	tail -n +1 -f /tmp/l2.log >/dev/ttyS1 2>/dev/null </dev/null &
	echo $! >/tmp/l2.relay
	if _port=$(lab_port xpvlab.l2out); then
		tail -n +1 -f /tmp/l2.out >"$_port" 2>/dev/null </dev/null &
		echo $! >>/tmp/l2.relay
	fi
}

# lab_l2_relay_stop: let the relays catch up (tail -f looks every
# second), then stop them, and wait until they are gone (a virtio-serial
# port opens once at a time).
lab_l2_relay_stop() {
	[ -f /tmp/l2.relay ] || return 0
	sleep 1.5
	for _r in $(cat /tmp/l2.relay); do
		kill "$_r" 2>/dev/null
		lab_wait_for 5 sh -c "! kill -0 $_r"
	done
	rm -f /tmp/l2.relay
}

# lab_l2_start [QEMU-ARGS...]: start L2 in the background.  Its console
# and QEMU's own messages go to /tmp/l2.log, its output port to
# /tmp/l2.out, both to the harness; its exit status to /tmp/l2.rc.  $LAB_L2_PREFIX, if set, runs QEMU (e.g.
# "numactl --membind=0").
lab_l2_start() {
	lab_l2_relay_stop
	rm -f /tmp/l2.log /tmp/l2.out /tmp/l2.rc /tmp/l2.pid /tmp/l2.tailed \
		/tmp/l2.bootfail /tmp/l2.watch /tmp/l2-watch.qmp /tmp/l2.boots
	: >/tmp/l2.log
	: >/tmp/l2.out
	# A guest restored from a migration stream does not boot (no "up").
	case " $* " in *" -incoming "*) ;; *) : >/tmp/l2.boots ;; esac
	lab_diag "starting L2: ${LAB_L2_PREFIX:+$LAB_L2_PREFIX }$(lab_l2_cmdline "$@")"
	(
		_t0=$(date +%s)
		eval timeout "$LAB_L2_TIMEOUT" $LAB_L2_PREFIX \
			"$(lab_l2_cmdline -chardev file,id=l2con,path=/tmp/l2.log,append=on \
				-serial chardev:l2con \
				$LAB_L2_OUT $LAB_L2_WATCHED "$@")" \
			</dev/null >>/tmp/l2.log 2>&1
		_rc=$?
		# busybox's timeout execs the program itself and kills it
		# from a child: its status is QEMU's, 0 after SIGTERM, never
		# coreutils' 124.  Say 124 when the time ran out and QEMU
		# was stopped by a signal.
		if [ $(($(date +%s) - _t0)) -ge "$LAB_L2_TIMEOUT" ] &&
			grep -q 'terminating on signal' /tmp/l2.log; then
			_rc=124
		fi
		echo $_rc >/tmp/l2.rc
	) &
	lab_l2_relay
	xpv-vmwatch -m "$(lab_l2_map)" -n L2 -w 60 /tmp/l2-watch.qmp \
		>/tmp/l2.watch 2>&1 &
	lab_l2_trace_shutdown
}

# A triple fault of L2 is a SHUTDOWN exit to L1's KVM, which then resets
# the vCPU's state (SVM leaves the VMCB undefined): only KVM's kvm_exit
# tracepoint still sees where L2 was.  Trace those exits alone.  KVM can
# also end a run with KVM_EXIT_SHUTDOWN itself, without such an exit: an
# exception it injects on top of a double fault it was delivering (the
# exceptions it injects are few: L2's own faults go to L2 directly).
LAB_TRACE=/sys/kernel/tracing
lab_l2_trace_shutdown() {
	mount -t tracefs tracefs $LAB_TRACE 2>/dev/null
	_ev=$LAB_TRACE/events/kvm
	[ -d $_ev/kvm_exit ] || return 0
	# SVM_EXIT_SHUTDOWN; KVM_EXIT_SHUTDOWN
	{ echo 'exit_reason == 127' >$_ev/kvm_exit/filter &&
		echo 1 >$_ev/kvm_exit/enable &&
		echo 'reason == 8' >$_ev/kvm_userspace_exit/filter &&
		echo 1 >$_ev/kvm_userspace_exit/enable &&
		echo 1 >$_ev/kvm_inj_exception/enable; } ||
		lab_diag "cannot trace L2's shutdowns (kvm_exit, kvm_userspace_exit)"
	# this L2's alone: an earlier guest's shutdown names no death of it
	: >$LAB_TRACE/trace 2>/dev/null
}

# lab_area_msr_trace on|off: trace L2's writes of MSR_KVM_XPV_AREA
# (0x4b564d09: its area's address | enable, or 0), or stop; the trace
# keeps those of the L2 started last (lab_l2_trace_shutdown clears it).
lab_area_msr_trace() {
	mount -t tracefs tracefs $LAB_TRACE 2>/dev/null
	_ev=$LAB_TRACE/events/kvm/kvm_msr
	if [ "$1" = on ]; then
		{ echo 'ecx == 0x4b564d09' >$_ev/filter && echo 1 >$_ev/enable; } ||
			lab_diag "cannot trace kvm_msr"
	else
		echo 0 >$_ev/enable
	fi
}

# lab_area_msr_writes: the values L2 wrote to MSR_KVM_XPV_AREA while
# traced (lab_area_msr_trace), one a line.
lab_area_msr_writes() {
	sed -n 's/.*msr_write 4b564d09 = \(0x[0-9a-f]*\)$/\1/p' $LAB_TRACE/trace
}

# lab_vm_flake [WHO [MAP]]: the name of the TCG flake that ended the last
# traced shutdown of L1's guest WHO (L2 by default, or a KVM selftest's
# VM; its symbols in MAP), or fail.  tcg-exc-delivery: it shut down
# while an exception was being delivered at an RIP in its own code: a
# #GP that KVM injected (EXITINTINFO 0x80000b0d), or a page fault on an
# instruction fetch, "not present" (0x80000b0e, error code 0x10), where
# the code is mapped for good.  The test's IDT, GDT and stacks are set
# up once and never change: the same delivery worked thousands of times
# before.
lab_vm_flake() {
	_l=$(lab_l2_shutdowns "$@" | grep "saw .* shut down" | tail -n 1)
	# the injected #GP in delivery was seen in selftests' VMs only
	case ${1:-L2} in
	*"'s VM") _gp='|0x80000b0d error_code 0x00000000' ;;
	*) _gp= ;;
	esac
	echo "$_l" | grep -Eq " intr_info (0x80000b0e error_code 0x00000010$_gp) \\[[A-Za-z_][A-Za-z0-9_.]*\\+0x[0-9a-f]+\\]\$" ||
		return 1
	echo tcg-exc-delivery
}

# lab_shutdown_count: the shutdowns of L1's guests traced so far.
lab_shutdown_count() {
	grep -c 'kvm_exit:.*reason\|kvm_userspace_exit:' $LAB_TRACE/trace 2>/dev/null || true
}

# lab_sym ADDR [MAP]: ADDR (hex) as symbol+offset in MAP (nm -n output),
# by default L2's kernel; an address past a symbol that is not code shows
# as "(not text)+offset".
lab_sym() {
	_a=$(printf '%016x' "$1" 2>/dev/null) || { echo "$1"; return; }
	awk -v a="$_a" '$1 > a { exit } { b = $1; n = $2 ~ /^[tTwW]$/ ? $3 : "(not text)" }
		END { if (n != "") print b, n }' "${2:-$(lab_l2_map)}" 2>/dev/null | {
		read -r _b _n && echo "$_n+0x$(printf '%x' $((0x$_a - 0x$_b)))" ||
			echo "0x$_a"
	}
}

# lab_l2_shutdowns [WHO [MAP]]: where the CPUs of L1's guest WHO (default
# L2; its symbols in MAP) were when they triple-faulted, and the
# exceptions L1's KVM injected last before it ended its run.
lab_l2_shutdowns() {
	_who=${1:-L2}
	_map=${2:-$(lab_l2_map)}
	grep 'kvm_exit:.*reason' $LAB_TRACE/trace 2>/dev/null | tail -n 4 |
		while read -r _l; do
			_rip=$(echo "$_l" | sed -n 's/.* rip \(0x[0-9a-f]*\).*/\1/p')
			echo "L1's KVM saw $_who shut down (a triple fault): ${_l#*kvm_exit: } [$(lab_sym "$_rip" "$_map")]"
		done
	grep -q 'kvm_userspace_exit:' $LAB_TRACE/trace 2>/dev/null || return 0
	grep 'kvm_userspace_exit:' $LAB_TRACE/trace | tail -n 2 |
		sed 's/^ *\([^ ]*\) .*kvm_userspace_exit: /L1'"'"'s KVM ended '"$_who"''"'"'s run (\1): /'
	echo "the exceptions L1's KVM injected into $_who last:"
	grep 'kvm_inj_exception:' $LAB_TRACE/trace | tail -n 8 | sed 's/^ */  /'
}

# lab_l2_death: how L2 died, when xpv-vmwatch saw it die (nothing else).
lab_l2_death() {
	grep -q '^L2 died' /tmp/l2.watch 2>/dev/null || return 1
	cat /tmp/l2.watch
	lab_l2_shutdowns
	lab_death_named
}

# lab_death_named [WHO [MAP]]: say so when the last traced shutdown of
# WHO was a named TCG flake (lab_vm_flake).  The harness (lab.sh) retries
# a run on this sentence alone.
lab_death_named() {
	! _sig=$(lab_vm_flake "$@") ||
		echo "${1:-L2}'s death is the known TCG flake $_sig (tools/lab/README.md)"
}

# lab_l2_hang_report: where a hung L2's CPUs are (three samples of their
# registers), then an NMI: L2 runs with unknown_nmi_panic, so it panics
# with a backtrace on its console and xpv-vmwatch reports the panic.
# L2's QEMU answers QMP from its main loop, and reads a vCPU's registers
# from that vCPU's thread: a thread that does not come back from KVM_RUN
# in L1's kernel would hold the report up for good, so each QMP call gets
# 30 s, and L1 then says where each of QEMU's threads is in its kernel.
lab_l2_hang_report() {
	echo "L2 hangs; its CPUs:"
	timeout 30 xpv-vmwatch -r -s 3 -m "$(lab_l2_map)" -n L2 /tmp/l2.qmp >/tmp/l2.regs 2>&1
	_rc=$?
	sed 's/^/  /' /tmp/l2.regs
	_clk=$(lab_l2_clock)
	if [ -z "$_clk" ]; then
		echo "  L2's kvm-clock: L1's KVM published no update of it in 3 s"
	else
		echo "  L2's kvm-clock, the last updates L1's KVM published in 3 s (L1's clock now $(cut -d' ' -f1 /proc/uptime) s):"
		echo "$_clk" | sed 's/^/    /'
	fi
	if [ $_rc = 143 ] || [ $_rc = 124 ]; then
		echo "  L2's QEMU did not answer QMP in 30 s: one of its threads is stuck; in L1's kernel they are:"
		lab_l2_threads | sed 's/^/  /'
	fi
	timeout 30 xpv-qmp /tmp/l2.qmp '{"execute":"inject-nmi"}' >/dev/null 2>&1 || return 0
	lab_wait_for 20 test -f /tmp/l2.rc
	sleep 0.5
	lab_l2_death | sed 's/^/  /'
}

# lab_l2_clock: L2's kvm-clock as L1's KVM publishes it to each vCPU
# (kvm_pvclock_update), for 3 s: L1's time of each update, and L2's
# clock at it.  In a healthy L2 both advance together; an L2 whose clock
# stopped (tcg-l2-boot-hang's first form) shows here whether KVM stopped
# publishing, or published a clock that stands still or jumped.  Traced
# only then: KVM publishes many times a second under nested TCG (its
# TSC is unstable), which would push the shutdown traces out of the
# buffer.
lab_l2_clock() {
	_ev=$LAB_TRACE/events/kvm/kvm_pvclock_update/enable
	echo 1 >$_ev 2>/dev/null || { echo "(cannot trace kvm_pvclock_update)"; return 0; }
	sleep 3
	echo 0 >$_ev
	grep 'kvm_pvclock_update:' $LAB_TRACE/trace 2>/dev/null | tail -n 8 |
		awk '{
			for (i = 1; i < NF; i++) {
				if ($(i + 1) == "kvm_pvclock_update:")
					t = $i
				if ($i == "vcpu_id" || $i == "system_time" || $i == "tsc_timestamp" || $i == "flags")
					f[$i] = $(i + 1)
			}
			sub(/[:,]$/, "", t)
			for (k in f)
				sub(/,$/, "", f[k])
			printf "vCPU %s at L1 %.3f s: L2 clock %.3f s, TSC at it %s, flags %s\n",
				f["vcpu_id"], t, f["system_time"] / 1e9, f["tsc_timestamp"], f["flags"]
		}'
}

# lab_l2_end_hung: the hang report of an L2 that hangs, then end it.
lab_l2_end_hung() {
	lab_l2_hang_report
	[ -f /tmp/l2.rc ] || kill "$(lab_l2_pid)" 2>/dev/null
}

# lab_l2_threads: each thread of L2's QEMU, its state, the L1 CPU it last
# ran on, and its stack in L1's kernel.
lab_l2_threads() {
	for _t in /proc/"$(lab_l2_pid)"/task/*; do
		[ -d "$_t" ] || continue
		echo "thread ${_t##*/} ($(cat "$_t"/comm)): $(sed -n 's/^State:[[:space:]]*//p' "$_t"/status), on CPU $(sed 's/.*) //' "$_t"/stat | cut -d' ' -f37), wchan $(cat "$_t"/wchan 2>/dev/null)"
		sed 's/^/    /' "$_t"/stack 2>/dev/null
	done
}

# lab_l2_stalled: L2's console reported an RCU stall, one of its CPUs
# stopped for 21 s or more.  No healthy L2 prints one (its kernel-health
# check fails on it), so the waits below stop there: the hang report is
# taken while the CPU is still stuck, not minutes later.
lab_l2_stalled() { grep -q "$LAB_RCU_STALL_RE" /tmp/l2.log 2>/dev/null; }

# lab_l2_ended: L2's QEMU exited, or L2 stalled.
lab_l2_ended() { [ -f /tmp/l2.rc ] || lab_l2_stalled; }

# lab_l2_out_of_time: L2's QEMU was stopped by lab.sh's --l2-timeout
# (lab_l2_start's status 124); says so.
lab_l2_out_of_time() {
	[ "$(cat /tmp/l2.rc 2>/dev/null)" = 124 ] || return 1
	echo "L2 ran out of its $LAB_L2_TIMEOUT s (lab.sh --l2-timeout): its QEMU was stopped"
}

# lab_l2_wait: wait until L2's QEMU exits; fails unless it exited cleanly,
# with status 2 when it failed only by running out of its time.
# An RCU stall ends the wait too: L2 hangs, and its hang report says where.
# An L2 that boots must reach its init within $LAB_L2_BOOT_TIMEOUT
# seconds: a boot that hangs is told apart (and named, for the harness's
# retry) from a scenario that runs long.
lab_l2_wait() {
	if [ -f /tmp/l2.boots ]; then
		lab_l2_wait_line "${LAB_L2_BOOT_TIMEOUT:-180}" 'XPVLAB # L2: up' || return 1
	fi
	_wait=$(lab_wait_cap $((LAB_L2_TIMEOUT + 10)))
	if ! lab_wait_for "$_wait" lab_l2_ended; then
		if [ "$_wait" -lt $((LAB_L2_TIMEOUT + 10)) ]; then
			echo "L2 still runs after $_wait s, near the run's limit ($LAB_TIMEOUT s)"
		else
			echo "L2 still runs $_wait s after its QEMU's timeout of $LAB_L2_TIMEOUT s"
		fi
		lab_l2_end_hung
		lab_l2_tail
		return 1
	fi
	if [ ! -f /tmp/l2.rc ]; then
		echo "L2's console reported an RCU stall: one of its CPUs stopped"
		lab_l2_end_hung
		lab_l2_tail
		return 1
	fi
	# how it ended, by its watcher (and, for a death, L1's traces of
	# it): a death is no clean exit, although QEMU then exits with 0
	# (the watcher quits it)
	lab_l2_death && return 1
	cat /tmp/l2.watch 2>/dev/null
	_l2rc=$(cat /tmp/l2.rc)
	[ "$_l2rc" = 0 ] && return 0
	if lab_l2_out_of_time; then
		lab_l2_tail
		return 2
	fi
	echo "L2's QEMU exited with status $_l2rc"
	return 1
}

# lab_l2_done: like lab_l2_wait, and L2's init ran its scenario to the
# end.  A guest that resets or panics (panic=-1, -no-reboot) also makes
# QEMU exit with 0.
lab_l2_done() {
	_out=$(lab_l2_wait)
	_st=$?
	# Its scenario ended, and its (debug) kernel's poweroff outlasted
	# lab.sh's --l2-timeout, with no death, hang or stall besides (status
	# 2): the scenario ran whole.
	if [ $_st = 2 ] && grep -q '^XPVLAB done L2' /tmp/l2.out; then
		echo "L2 ended its scenario, then ran out of its $LAB_L2_TIMEOUT s (lab.sh --l2-timeout) while it powered off"
		return 0
	fi
	[ -z "$_out" ] || echo "$_out"
	[ $_st = 0 ] || return 1
	grep -q '^XPVLAB done L2' /tmp/l2.out && return 0
	echo "L2 stopped before its scenario ended"
	lab_l2_death || echo "(it powered off: no reset, no panic)"
	echo "its console ends with:"
	tail -n 15 /tmp/l2.log
	return 1
}

# lab_l2_pid: the PID of L2's QEMU process (for taskset, migratepages).
lab_l2_pid() { cat /tmp/l2.pid; }

# lab_l2_migrated: L2's outgoing migration completed (0), failed or was
# cancelled (2, saying so), or goes on (1).
lab_l2_migrated() {
	_s=$(lab_qmp '{"execute":"query-migrate"}') || return 2
	case $_s in
	*'"status": "completed"'*) return 0 ;;
	*'"status": "failed"'* | *'"status": "cancelled"'*)
		echo "$_s"
		return 2 ;;
	esac
	return 1
}

# lab_l2_wait_migrated SECONDS: until L2's outgoing migration completed.
lab_l2_wait_migrated() {
	_deadline=$(($(date +%s) + $1))
	while :; do
		lab_l2_migrated
		case $? in 0) return 0 ;; 2) return 1 ;; esac
		[ "$(date +%s)" -lt "$_deadline" ] || return 1
		sleep 0.5
	done
}

# lab_l2_save FILE: save L2 to FILE with QMP "migrate" (the path of a
# live migration, to "exec:cat"), as fast as L1 can write it, then quit
# the source QEMU (checks).
lab_l2_save() {
	rm -f "$1"
	lab_check "QMP: migrate to $1" lab_qmp \
		'{"execute":"migrate-set-parameters","arguments":{"max-bandwidth":4294967296}}' \
		"{\"execute\":\"migrate\",\"arguments\":{\"uri\":\"exec:cat > $1\"}}"
	lab_check "the migration completed" lab_l2_wait_migrated 300
	lab_diag "migration stream: $(wc -c <"$1") bytes"
	lab_check "QMP: quit the source" lab_qmp '{"execute":"quit"}'
	lab_check "the source QEMU exited cleanly" lab_l2_wait
}

# lab_l2_pages_on NODE MIN WHAT N: of the pages L2 listed for WHAT N
# (XPVPAGES lines), at least MIN percent on NODE, as L2 said of each page
# (which xpv-pagecheck checks page by page against L1's move_pages()).
lab_l2_pages_on() {
	lab_l2_pages "$3" "$4" | awk -v node="$1" -v min="$2" '
		{ all += $3; if ($4 == node) on += $3 }
		END { printf "%d of %d pages on node %d (%.1f%%), at least %d%% expected\n",
			on, all, node, all ? 100 * on / all : 0, min
		      exit !(all && 100 * on >= min * all) }'
}

# lab_l2_look_share WHAT N NODE MIN WHY: L2 listed a sample of the pages
# of its WHAT N (XPVPAGES lines, then "XPVSYNC WHAT N listed"); with L2
# paused, each page is where L2 says, by L1's move_pages(), and MIN
# percent of them on NODE, WHY.
lab_l2_look_share() {
	lab_check "L2 listed the pages of $1 $2" \
		lab_l2_wait_line 600 "^XPVSYNC $1 $2 listed"
	lab_check "QMP: pause L2" lab_qmp '{"execute":"stop"}'
	lab_l2_pages "$1" "$2" >/tmp/"$1$2".pages
	lab_check "every page of L2's sample of $1 $2 is where L2 says, by L1's move_pages()" \
		sh -c "xpv-pagecheck check $(lab_l2_pid) </tmp/$1$2.pages"
	lab_check "$4% or more of the sample of $1 $2 on node $3, $5" \
		lab_l2_pages_on "$3" "$4" "$1" "$2"
	lab_check "QMP: let L2 run" lab_qmp '{"execute":"cont"}'
}

# lab_l2_start_striped WAIT-LINE (L1): L2 with XPV, its RAM preallocated
# on L1 node 0, vCPU 0 on node 0 and vCPU 1 on node 1; once L2 prints
# WAIT-LINE (lab_l2_striped_ready), every other 2 MiB chunk of its RAM to
# node 1, so that both pnodes have memory.
lab_l2_start_striped() {
	LAB_L2_CPU="$LAB_L2_CPU,kvm-xpv=on"
	LAB_L2_PREFIX="numactl --membind=0"
	lab_l2_start_apart -mem-prealloc
	lab_check "L2 waits for its memory to be spread" lab_l2_wait_line 300 "^$1"
	lab_check "xpv-pagecheck stripe: every other 2 MiB chunk of L2's RAM to node 1" \
		xpv-pagecheck stripe "$(lab_l2_pid)" 1
}

# lab_l2_striped_ready WAIT-LINE (L2): the other half: XPV active, the
# vCPUs apart, the guest's NUMA balancing off (it would move the pages
# the scenario checks), WAIT-LINE printed, then L1's stripe seen and the
# topology settled.
lab_l2_striped_ready() {
	lab_check "XPV is active" lab_wait_for 60 test -e /sys/devices/system/xpv/nr_pnodes
	lab_check "vCPU 0 on pnode 0, vCPU 1 on pnode 1" lab_wait_for 120 lab_pnodes_apart
	lab_check "guest NUMA balancing off for this test" \
		sh -c 'echo 0 >/proc/sys/kernel/numa_balancing'
	echo "$1"
	lab_check "L1 spread L2's memory: pnode 1 backs a third of it or more" \
		lab_wait_for 300 lab_xpv_spread
	lab_check "the topology settles" lab_xpv_settle
}

# lab_xpvjdk DIR (L2, the Debian root mounted): Debian's JDK with the
# patched libjvm.so (/lab/jvm) in DIR of the root (tools/java/xpvjdk.sh,
# staged by ci/build-openjdk.sh; ci/check-openjdk.sh lays out its JDK
# with it too).
LAB_DEBIAN_JDK=/usr/lib/jvm/java-17-openjdk-amd64
lab_xpvjdk() {
	sh /lab/jvm/xpvjdk.sh "$LAB_ROOTFS" "$LAB_DEBIAN_JDK" "$1" /lab/jvm/libjvm.so
}

# lab_java TAG HOME SECONDS LOG [OPTIONS...] (L2, the Debian root
# mounted): in the background, XpvAlloc's two threads for SECONDS on the
# JVM of HOME in the root, with ParallelGC, a 128 MiB heap (64 MiB young),
# C1 only, the patched libnuma (/lab/numa) and OPTIONS; -Xlog:LOG to
# /tmp/TAG.jvm.log, its output to /tmp/TAG.java.out.  Its PID in lab_jpid.
lab_java() {
	_tag=$1 _home=$2 _s=$3 _log=$4
	shift 4
	rm -f /tmp/"$_tag".jvm.log
	chroot $LAB_ROOTFS /usr/bin/env -i PATH=/usr/bin:/bin LD_LIBRARY_PATH=/lab/numa \
		"$_home"/bin/java -XX:+UseParallelGC "$@" \
		-Xms128m -Xmx128m -Xmn64m -XX:TieredStopAtLevel=1 \
		-Xlog:"$_log":file=/tmp/"$_tag".jvm.log -cp /lab/jvm XpvAlloc "$_s" 2 \
		>/tmp/"$_tag".java.out 2>&1 &
	lab_jpid=$!
}

# lab_pin_threads PID NAME: the threads NAME0 and NAME1 of process PID on
# CPU 0 and 1 (their Linux names, e.g. a JVM's named Java threads).
lab_pin_threads() {
	_n=0
	for _t in /proc/"$1"/task/*; do
		_c=$(cat "$_t"/comm 2>/dev/null)
		case $_c in
		"$2"0 | "$2"1) taskset -p -c "${_c#"$2"}" "${_t##*/}" && _n=$((_n + 1)) ;;
		esac
	done
	[ $_n = 2 ]
}

# lab_gpa2hva GPA: where L2's guest-physical address GPA is in its QEMU
# (QEMU's gpa2hva), for tools that read L2's RAM from L1.
lab_gpa2hva() {
	lab_qmp "{\"execute\":\"human-monitor-command\",\"arguments\":{\"command-line\":\"gpa2hva $1\"}}" |
		sed -n 's/.* is \(0x[0-9a-f]*\).*/\1/p'
}

# lab_l2_look WHAT N NODE PAGES WHY: L2 listed PAGES pages of its WHAT N
# (XPVPAGES lines, then "XPVSYNC WHAT N listed pnode=NODE") on pnode NODE,
# WHY; L1 checks each page against where it keeps it, with L2 paused.
lab_l2_look() {
	lab_check "L2 listed the pages of $1 $2" \
		lab_l2_wait_line 300 "^XPVSYNC $1 $2 listed"
	lab_check "L2 says $1 $2 is on pnode $3, $5" \
		grep -q "^XPVSYNC $1 $2 listed pnode=$3" /tmp/l2.out
	lab_check "QMP: pause L2" lab_qmp '{"execute":"stop"}'
	lab_l2_pages "$1" "$2" >/tmp/"$1$2".pages
	lab_check "all $4 pages of $1 $2 are on node $3, by L1's move_pages()" \
		sh -c "xpv-pagecheck check $(lab_l2_pid) $4 1 </tmp/$1$2.pages"
	lab_check "QMP: let L2 run" lab_qmp '{"execute":"cont"}'
}

# lab_xpv_spread (L2): pnode 1 backs a third of L2's memory or more (L1
# moves half of it there with xpv-pagecheck stripe), by L2's sysfs
# (lab_pnode_kb).
lab_xpv_spread() {
	_k1=$(lab_pnode_kb 1)
	[ "${_k1:-0}" -gt 0 ] && [ $((_k1 * 3)) -ge $(($(lab_pnode_kb 0) + _k1)) ]
}

# lab_xpv_settle (L2): the topology has not changed for 3 s (a program
# started then takes the next change as L1's word); fails after 120 s of
# changes.
lab_xpv_settle() {
	_v=$(cat /sys/devices/system/xpv/version)
	_since=$(date +%s)
	_end=$((_since + 120))
	while [ $(($(date +%s) - _since)) -lt 3 ]; do
		[ "$(date +%s)" -lt $_end ] || { echo "still changing after 120 s (version $_v)"; return 1; }
		sleep 0.5
		[ "$(cat /sys/devices/system/xpv/version)" = "$_v" ] && continue
		_v=$(cat /sys/devices/system/xpv/version)
		_since=$(date +%s)
	done
	echo "version $_v"
}

# lab_listed TAG CMD... (L2): run CMD, which prints XPVPAGES and XPVSYNC
# lines for L1 as it goes (not inside lab_check, which prints output at
# the end), keep its output in /tmp/TAG.out, and check its exit status.
lab_listed() {
	_tag=$1
	shift
	{ "$@" 2>&1; echo $? >/tmp/"$_tag".rc; } | tee /tmp/"$_tag".out
	lab_check "$_tag: $* exited with 0" test "$(cat /tmp/"$_tag".rc)" = 0
}

# lab_l2_pages WHAT N: the XPVPAGES lines L2 printed just before
# "XPVSYNC WHAT N listed" (its pages, for xpv-pagecheck check).
lab_l2_pages() {
	tr -d '\r' </tmp/l2.out |
		awk -v want="XPVSYNC $1 $2 listed" '
			/XPVSYNC / { if (index($0, want)) { printf "%s", buf; exit }
				     buf = ""; next }
			/XPVPAGES / { buf = buf $0 "\n" }'
}

# `make lab`: show the topology, then hand the console to the user.
# L1 starts L2 (with XPV unless --xpv 0) with its console on a pty and
# its vCPUs on different L1 nodes, and attaches the terminal to it with
# microcom: Ctrl-X returns to L1's shell, where xpvctl moves things and
# `l2` attaches again.  With --move N, L1 swaps the nodes of L2's two
# vCPUs every N seconds meanwhile.
lab_interactive() {
	if [ "$LAB_LEVEL" = L2 ]; then
		lab_l2_banner
		setsid cttyhack sh -l
		return
	fi
	echo
	echo "=== L1 host: $(nproc) CPUs, NUMA topology as L1's kernel sees it ==="
	numactl -H
	[ "$LAB_XPV" = 0 ] || LAB_L2_CPU="$LAB_L2_CPU,kvm-xpv=on"
	rm -f /tmp/l2.pid /tmp/l2.rc /tmp/l2.qmp
	(
		eval "$(lab_l2_cmdline -name l2,debug-threads=on -S \
			-chardev pty,id=con -serial chardev:con)" </dev/null \
			>/tmp/l2.qemu 2>&1
		echo $? >/tmp/l2.rc
	) &
	if ! lab_wait_for 60 lab_vcpu_tid 1 ||
		! pty=$(sed -n 's|.*redirected to \(/dev/pts/[0-9]*\).*|\1|p' /tmp/l2.qemu) ||
		[ -z "$pty" ]; then
		echo "=== L2 did not start:"
		cat /tmp/l2.qemu
		setsid cttyhack sh -l
		return
	fi
	lab_l2_pin_apart >/dev/null
	printf '#!/bin/sh\necho "(Ctrl-X returns to L1)"\nexec microcom -s 115200 %s\n' \
		"$pty" >/lab/bin/l2
	chmod +x /lab/bin/l2
	if [ "${LAB_MOVE:-0}" -gt 0 ]; then
		lab_mover "$LAB_MOVE" </dev/null >/dev/null 2>&1 &
		echo "=== L1 swaps the nodes of L2's vCPUs every $LAB_MOVE s (kill $! stops it)"
	fi
	echo "=== L2 (XPV $([ "$LAB_XPV" = 0 ] && echo off || echo on)) boots; its console follows."
	echo "=== Ctrl-X returns to L1 (L2 keeps running), 'l2' comes back."
	(sleep 1; xpv-qmp /tmp/l2.qmp '{"execute":"cont"}' >/dev/null) &
	setsid cttyhack microcom -s 115200 "$pty"
	echo
	if [ -f /tmp/l2.rc ]; then
		echo "=== Back in L1: L2 has exited."
	else
		echo "=== Back in L1; L2 runs on.  Try: xpvctl show l2, xpvctl vcpu l2 0 1,"
		echo "=== xpvctl mem l2 1, then 'l2' to watch it from L2.  'exit' ends the lab."
	fi
	setsid cttyhack sh -l
}

# lab_mover SECONDS: every SECONDS, swap the L1 nodes of L2's vCPUs 0
# and 1 (`make lab MOVE=N`).
lab_mover() {
	_i=0
	while [ ! -f /tmp/l2.rc ]; do
		sleep "$1"
		if [ $((_i % 2)) = 0 ]; then
			xpvctl vcpu l2 0 1 && xpvctl vcpu l2 1 0
		else
			xpvctl vcpu l2 0 0 && xpvctl vcpu l2 1 1
		fi
		_i=$((_i + 1))
	done
}

# L2's banner: what it is, its live topology, what to try.
lab_l2_banner() {
	echo
	echo "=== L2 guest: $(nproc) vCPUs, $(sed -n 's/MemTotal: *//p' /proc/meminfo)," \
		"$(dmesg | grep -m1 -o 'Hypervisor detected: .*')"
	if [ ! -e /sys/devices/system/xpv/nr_pnodes ]; then
		echo "=== No XPV here (make lab XPV=0, or the host does not offer it)."
		return
	fi
	xpvtop -1
	echo "=== XPV is live.  Try:  xpvtop  (redraws at every move; Ctrl-C quits)"
	echo "===   cat /sys/devices/system/xpv/pnode*/cpulist ; Ctrl-X, then in L1:"
	echo "===   xpvctl vcpu l2 0 1 ; xpvctl mem l2 1 ; l2  (back here)"
}

# --- placement helpers for L1 scenarios (L2 started with debug-threads=on)

# lab_vcpu_tid N: the thread id of L2's vCPU N.
lab_vcpu_tid() {
	for _t in /proc/"$(lab_l2_pid)"/task/*; do
		if [ "$(cat "$_t/comm" 2>/dev/null)" = "CPU $1/KVM" ]; then
			basename "$_t"
			return 0
		fi
	done
	return 1
}

# lab_thread_cpu TID: the L1 CPU thread TID of L2's QEMU last ran on
# (field 39 of stat; the command name in parentheses may hold spaces).
lab_thread_cpu() {
	sed 's/.*) //' /proc/"$(lab_l2_pid)"/task/"$1"/stat | cut -d' ' -f37
}

# lab_cpu_node CPU: the L1 NUMA node of CPU.
lab_cpu_node() {
	for _n in /sys/devices/system/cpu/cpu"$1"/node*; do
		basename "$_n" | sed 's/^node//'
	done
}

# lab_node_cpu NODE: the first CPU of L1 node NODE.
lab_node_cpu() {
	sed 's/[-,].*//' /sys/devices/system/node/node"$1"/cpulist
}

# lab_kvm_stat NAME: a KVM statistic of L2's VM, from L1's debugfs.
lab_kvm_stat() {
	cat /sys/kernel/debug/kvm/"$(lab_l2_pid)"-*/"$1"
}

# lab_qmp COMMAND-JSON...: send QMP commands to L2's QEMU (xpv-qmp), or,
# when $LAB_L2_LIBVIRT names the libvirt domain L2 is, through libvirt
# (its compact JSON spaced as QEMU writes it).
lab_qmp() {
	if [ -z "${LAB_L2_LIBVIRT:-}" ]; then
		xpv-qmp /tmp/l2.qmp "$@"
		return
	fi
	for _c in "$@"; do
		_r=$(lab_virsh qemu-monitor-command "$LAB_L2_LIBVIRT" "$_c") || return 1
		echo "$_r" | sed 's/":  */": /g; s/":\([^ ]\)/": \1/g; s/,"/, "/g'
	done
}

# query-xpv's reply, one object a line; QEMU keeps members in no order.
lab_xpv_objects() { lab_qmp '{"execute":"query-xpv"}' | tr '{' '\n'; }

# lab_xpv_off: query-xpv says this VM has no XPV.
lab_xpv_off() { lab_qmp '{"execute":"query-xpv"}' | grep -q '"enabled": false'; }

# lab_xpv_vcpu_pnode N: the pnode L1's KVM published for L2's vCPU N, as
# QMP query-xpv reports it (nothing while unknown).
lab_xpv_vcpu_pnode() {
	lab_xpv_objects | grep "\"cpu-index\": $1[,}]" |
		sed -n 's/.*"pnode": \([0-9]*\).*/\1/p'
}

# lab_xpv_pnode_kb P: L2's memory on pnode P in kB, as query-xpv reports it.
lab_xpv_pnode_kb() {
	_b=$(lab_xpv_objects | grep '"memory": ' | grep "\"pnode\": $1[,}]" |
		sed -n 's/.*"memory": \([0-9]*\).*/\1/p')
	echo $((${_b:-0} / 1024))
}

# lab_view_pnode VIEW N: vCPU N's pnode in an "XPVSYNC view ... cpuN=P ..."
# line of L2 (xpv-guest-test view), padded with spaces.
lab_view_pnode() { echo "$1" | sed -n "s/.* cpu$2=\([0-9]*\) .*/\1/p"; }

# lab_l2_refused TEXT [QEMU-ARGS...]: L2's QEMU (with $LAB_L2_CPU) exits
# at once, not by the timeout, with an error that says TEXT.
lab_l2_refused() {
	_want=$1
	shift
	_out=$(eval timeout 300 "$(lab_l2_cmdline -serial none "$@")" 2>&1)
	_rc=$?
	echo "$_out" | tail -n 3
	echo "exit status $_rc"
	[ "$_rc" -ne 0 ] && [ "$_rc" -ne 124 ] && echo "$_out" | grep -q "$_want"
}

# lab_l2_start_apart: start L2 (named l2) and pin its vCPU 0 to the first
# CPU of L1 node 0, vCPU 1 to that of node 1.  Sets n0 and n1 (those
# CPUs), t0 and t1 (the vCPU threads).
lab_l2_start_apart() {
	n0=$(lab_node_cpu 0)
	n1=$(lab_node_cpu 1)
	# Paused (-S) until pinned: its vCPUs do not change L1 CPU while
	# they boot.
	lab_l2_start -name l2,debug-threads=on -S "$@"
	lab_check "L2's vCPU threads are up" lab_wait_for 60 lab_vcpu_tid 1
	t0=$(lab_vcpu_tid 0)
	t1=$(lab_vcpu_tid 1)
	lab_check "pin vCPU 0 (thread $t0) to CPU $n0 on node 0, vCPU 1 (thread $t1) to CPU $n1 on node 1" \
		lab_l2_pin_apart
	lab_check "QMP: let L2 run" lab_wait_for 30 lab_qmp '{"execute":"cont"}'
}

# lab_l2_pin_apart [N0 N1]: run L2's vCPU 0 on the first CPU of L1 node
# N0 (0) and vCPU 1 on that of node N1 (1).
# shellcheck disable=SC2120 # scenarios pass the nodes
lab_l2_pin_apart() {
	taskset -p -c "$(lab_node_cpu "${1:-0}")" "$(lab_vcpu_tid 0)" &&
		taskset -p -c "$(lab_node_cpu "${2:-1}")" "$(lab_vcpu_tid 1)"
}

# lab_l2_tail: the end of this L2's console, once per L2 run, so a
# failure shows why L2 went quiet even when later runs fill the log.
lab_l2_tail() {
	[ ! -f /tmp/l2.tailed ] || return 0
	: >/tmp/l2.tailed
	echo "last lines of L2's console:"
	tail -n 30 /tmp/l2.log | tr -d '\r' | sed 's/^/  | /'
}

# lab_wait_cap SECONDS: SECONDS, or what is left of the run's limit
# ($LAB_TIMEOUT, on L1's clock, which starts a few seconds after the
# harness's) less 150 s: the hang report of an L2 (up to 80 s: its CPUs,
# then an NMI) and L1's way to its end, where the harness would
# otherwise cut L1 off with L2's hang unreported.  At least 10.
lab_wait_cap() {
	_left=$1
	if [ "${LAB_TIMEOUT:-0}" -gt 0 ]; then
		_left=$((LAB_TIMEOUT - 150 - $(cut -d. -f1 /proc/uptime)))
		[ "$_left" -ge 10 ] || _left=10
		[ "$_left" -lt "$1" ] || _left=$1
	fi
	echo "$_left"
}

# lab_l2_up: L2's init ran (it says so on its console, and on its output
# port unless that is broken), $LAB_L2_BOOTS times (1 unless a scenario
# that reboots L2 waits for a later boot: its boot-hang check then
# watches that boot).
lab_l2_up() {
	[ "$(grep -c "XPVLAB # L2: up" /tmp/l2.log 2>/dev/null)" -ge "${LAB_L2_BOOTS:-1}" ] ||
		[ "$(grep -c "XPVLAB # L2: up" /tmp/l2.out 2>/dev/null)" -ge "${LAB_L2_BOOTS:-1}" ]
}

# lab_l2_wait_line SECONDS PATTERN: wait for a line on L2's output port;
# fails at once when L2 has exited without printing it, and early when
# L2 is still booting and its console has said nothing new for
# $LAB_L2_SILENT seconds (default 60; the longest silence of a healthy
# boot here is about 20 s: on the debug kernel, and the lab kernel's
# whole boot to init, which its loglevel=5 console does not show): that
# is the boot hang of nested TCG, and waiting out SECONDS would only
# cost time.  While L2
# boots and its console goes on printing, SECONDS count from its last
# line: a slow boot (the debug kernel, one host CPU per lab run) does not
# eat the wait.  The wait also ends before the run's limit
# (lab_wait_cap), so that a hang gets its report.
lab_l2_wait_line() {
	_start=$(date +%s)
	_wait=$(lab_wait_cap "$1")
	_limit=$((_start + $(lab_wait_cap 86400)))
	_deadline=$((_start + _wait)) _heard=$_start _size=0 _looked=
	until grep -q "$2" /tmp/l2.out 2>/dev/null; do
		_now=$(date +%s)
		if [ -f /tmp/l2.boots ] && ! lab_l2_up; then
			# (a quiet console may say nothing before init:
			# its silence counts from the wait's start)
			_s=$(wc -c </tmp/l2.log 2>/dev/null || echo 0)
			if [ "$_s" != "$_size" ]; then
				# A boot that goes on printing is not hung: the
				# wait counts from its last line (a debug L2
				# takes 140 to 250 s to reach init), up to the
				# run's limit; a silent console ends it (below).
				_size=$_s _heard=$_now
				_deadline=$((_now + _wait))
				[ "$_deadline" -le "$_limit" ] || _deadline=$_limit
			elif [ $((_now - _heard)) -ge "${LAB_L2_SILENT:-60}" ]; then
				echo "L2's console said nothing for $((_now - _heard)) s while it booted"
				_deadline=$_now
			fi
		fi
		# A CPU that stopped while others run: RCU says so after
		# 21 s, and the console is not silent after.
		if [ "$_deadline" != "$_now" ] && [ "$_now" != "$_looked" ] &&
			[ ! -f /tmp/l2.rc ]; then
			_looked=$_now
			if lab_l2_stalled; then
				if lab_l2_up; then
					echo "L2's console reported an RCU stall: one of its CPUs stopped"
				else
					echo "L2's console reported an RCU stall while it booted"
				fi
				_deadline=$_now
			fi
		fi
		if [ -f /tmp/l2.rc ]; then
			grep -q "$2" /tmp/l2.out 2>/dev/null && return 0
			echo "L2 exited (status $(cat /tmp/l2.rc)) without printing '$2'"
			lab_l2_death
			if dmesg | grep -q -e oom-kill -e "Out of memory"; then
				# L1's memory, not a flake: say so, no rerun
				echo "L1 ran out of memory (its OOM killer ran): give L1 more (--mem)"
			elif lab_l2_out_of_time; then
				# not a flake either: the run asked too little
				:
			elif ! lab_l2_up &&
				! grep -q '^L2 died: kernel panic' /tmp/l2.watch &&
				! tr -d '\r' </tmp/l2.log | grep -Eq "$LAB_TROUBLE_RE"; then
				# A reset while booting, as nested TCG does
				# now and then (tools/lab/README.md).  A panic
				# is no flake: it fails the run, also one that
				# came before pvpanic could report it.
				echo "L2 stopped while booting, before its init ran"
				echo tcg-l2-boot-reset >/tmp/l2.bootfail
			fi
			lab_l2_tail
			return 1
		fi
		if [ "$_now" -ge "$_deadline" ]; then
			echo "no '$2' from L2 (waited $((_now - _start)) s of $1)"
			[ "$_wait" = "$1" ] || [ $((_now - _start)) -lt "$_wait" ] ||
				echo "(the wait ended early: the run's limit of $LAB_TIMEOUT s is near)"
			lab_l2_end_hung
			if ! lab_l2_up; then
				# Its clock can stop under nested TCG: a flake.
				echo "L2 stopped while booting: hung before its init ran"
				echo tcg-l2-boot-hang >/tmp/l2.bootfail
			elif ! grep -q "XPVLAB # L2: up" /tmp/l2.out; then
				echo "L2's init ran (its console says so), but its output port (/tmp/l2.out) carried nothing: see L2's console"
			fi
			lab_l2_tail
			return 1
		fi
		sleep 0.2
	done
}

# --- a Debian userspace in L1 (scenarios with an l1-rootfs file)
#
# The lab's Debian root (ci/build-rootfs.sh) comes read-only over
# virtio-9p; its daemons write to tmpfs copies of their directories.
# L1's /proc, /sys, /dev, /tmp and /lab are the same inside it.
LAB_ROOTFS=/debian
LAB_ROOTFS_RO=/rootfs.ro

# lab_rootfs_ro: mount the root as it came, once (a virtio-9p tag mounts
# once), at $LAB_ROOTFS_RO.  L1 shares this mount, with nothing mounted
# inside it, on into L2.
lab_rootfs_ro() {
	grep -q " $LAB_ROOTFS_RO 9p " /proc/mounts && return 0
	mkdir -p $LAB_ROOTFS_RO &&
		mount -t 9p -o trans=virtio,version=9p2000.L,ro,cache=loose xpvroot $LAB_ROOTFS_RO
}

# lab_rootfs_mount: mount it at $LAB_ROOTFS.
lab_rootfs_mount() {
	mkdir -p $LAB_ROOTFS /rootfs-rw || return 1
	lab_rootfs_ro && mount --bind $LAB_ROOTFS_RO $LAB_ROOTFS || return 1
	mount -t tmpfs rootfs-rw /rootfs-rw || return 1
	for _d in run root var/tmp var/log var/lib/libvirt var/cache/libvirt etc/libvirt; do
		mkdir -p /rootfs-rw/$_d &&
			cp -a $LAB_ROOTFS/$_d/. /rootfs-rw/$_d/ &&
			mount --bind /rootfs-rw/$_d $LAB_ROOTFS/$_d || return 1
	done
	for _d in proc sys dev dev/pts dev/shm tmp lab; do
		mount --bind /$_d $LAB_ROOTFS/$_d || return 1
	done
	# for perf's tracepoints (a bind of /sys has none of its mounts)
	mount -t tracefs tracefs $LAB_ROOTFS/sys/kernel/tracing
}

# lab_rootfs CMD...: run CMD in the Debian root, with a clean environment.
lab_rootfs() {
	chroot $LAB_ROOTFS /usr/bin/env -i HOME=/root LANG=C.UTF-8 \
		PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		LIBVIRT_DEFAULT_URI=qemu:///system "$@"
}

# lab_rootfs_qemu: the built QEMU as /usr/local/bin/qemu-system-x86_64 in
# the Debian root (the emulator examples/libvirt/xpv-guest.xml names): a
# script that runs it with the libraries the root lacks (lab.sh put them
# in /lab/rootfs-lib).  The binary keeps its name: tools such as xpvctl
# find QEMU processes by it.
lab_rootfs_qemu() {
	mkdir -p /lab/rootfs-qemu/bin || return 1
	ln -f /usr/bin/qemu-system-x86_64 /lab/rootfs-qemu/bin/ || return 1
	cat >/lab/rootfs-qemu/qemu-system-x86_64 <<-'EOS'
	#!/bin/sh
	LD_LIBRARY_PATH=/lab/rootfs-lib exec /lab/rootfs-qemu/bin/qemu-system-x86_64 "$@"
	EOS
	chmod +x /lab/rootfs-qemu/qemu-system-x86_64
	mount --bind /lab/rootfs-qemu/qemu-system-x86_64 \
		$LAB_ROOTFS/usr/local/bin/qemu-system-x86_64 || return 1
	lab_rootfs qemu-system-x86_64 --version
}

# lab_virsh ARGS...: virsh in the Debian root, against its libvirtd.
lab_virsh() { lab_rootfs virsh -q "$@"; }

# lab_libvirtd_start: start virtlogd and libvirtd in the Debian root by
# hand (it has no init system) and wait until virsh reaches libvirtd.
lab_libvirtd_start() {
	lab_rootfs virtlogd -d || return 1
	lab_rootfs libvirtd -d || return 1
	lab_wait_for 120 lab_virsh version || { lab_virsh version; return 1; }
	lab_virsh version
}

# --- L2 helpers (the XPV guest's own view)

# lab_debug_kernel: this level runs the debug kernel (make kernel DEBUG=1:
# KASAN, lockdep), slower than the lab one; both levels run the same.
lab_debug_kernel() { dmesg | grep -q 'KernelAddressSanitizer initialized'; }

# lab_pnode_kb P: the memory L2 reads on pnode P, in kB.
lab_pnode_kb() {
	sed -n 's/.*MemTotal: *\([0-9]*\) kB/\1/p' /sys/devices/system/xpv/pnode"$1"/meminfo
}

# lab_pnodes_apart: L2 reads vCPU 0 on pnode 0 and vCPU 1 on pnode 1
# (what lab_l2_start_apart and the libvirt scenario's vcpupin do).
lab_pnodes_apart() {
	grep -qx 0 /sys/devices/system/xpv/pnode0/cpulist &&
		grep -qx 1 /sys/devices/system/xpv/pnode1/cpulist
}

# lab_vmstat NAME: this level's /proc/vmstat counter NAME.
lab_vmstat() { awk -v k="$1" '$1 == k {print $2}' /proc/vmstat; }

# lab_xpv_interrupts: XPV interrupts L2 has taken (/proc/vmstat).
lab_xpv_interrupts() { lab_vmstat xpv_interrupts; }

# lab_perf_count CSV EVENT: EVENT's count in CSV, the output of
# perf stat -x, (nothing if perf did not count it).
lab_perf_count() { awk -F, -v e="$2" '$3 == e {print $1}' "$1"; }
