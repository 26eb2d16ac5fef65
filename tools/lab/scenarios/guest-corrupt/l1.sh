# L1 corrupts the XPV area of a running L2, as a buggy or hostile host (or
# a stray write inside the guest) would: a header that lies, an entry out
# of range, random bytes (a version that goes back, a sequence count left
# odd: see ./cases); then a vCPU move, which makes KVM publish and
# notify.  L2 must keep its last good topology, stay up, keep its vDSO
# and allocator working, not be flooded with interrupts, and take the
# host's next whole publish (it registers again to get one).
#
# The cases are in ./cases (l2.sh reads them too).
. ./cases

# The area's address, from L2's registration (MSR_KVM_XPV_AREA).
lab_area_msr_trace on

LAB_L2_CPU="$LAB_L2_CPU,kvm-xpv=on"
lab_l2_start_apart
lab_check "L2 took its topology" lab_l2_wait_line 300 '^XPVSYNC ready'
gpa=$(lab_area_msr_writes | tail -n 1)
lab_area_msr_trace off
lab_check "L1 traced L2's registration of its area at ${gpa:-?}" test -n "$gpa"
[ -n "$gpa" ] || exit 1
poke() { xpv-areapoke "$(lab_l2_pid)" "$gpa" "$@"; }
lab_diag "area: $(poke show 2>&1)"

for c in $cases; do
	name=${c%%:*}
	rest=${c#*:}
	what=${rest%:*}
	node=${rest##*:}
	lab_check "$name: L2 is ready" lab_l2_wait_line 300 "^XPVSYNC armed $name"
	case $what in
	seq=odd)
		# odd for ever, and a new version for the guest's poll to see
		s=$(poke show | sed -n 's/.* seq=\([0-9]*\) .*/\1/p')
		v=$(poke show | sed -n 's/.* version=\([0-9]*\) .*/\1/p')
		lab_check "$name: seq $s -> $((s | 1)), version $v -> $((v + 1))" \
			sh -c "xpv-areapoke $(lab_l2_pid) $gpa seq $((s | 1)) &&
				xpv-areapoke $(lab_l2_pid) $gpa version $((v + 1))"
		;;
	random=*)
		lab_check "$name: ${what#*=} random bytes over the header" \
			poke random "${what#*=}" 7
		;;
	*)
		lab_check "$name: ${what%=*} := ${what##*=}" \
			poke "${what%=*}" "${what##*=}"
		;;
	esac
	lab_diag "area now: $(poke show 2>&1)"
	if [ "$node" != - ]; then
		lab_check "$name: move vCPU 1 to node $node (KVM publishes and notifies)" \
			taskset -p -c "$(lab_node_cpu "$node")" "$t1"
	fi
	lab_check "$name: L2 recovered" lab_l2_wait_line 300 "^XPVSYNC recovered $name"
	lab_diag "area after: $(poke show 2>&1)"
done
lab_check "L2 ran to completion" lab_l2_done
