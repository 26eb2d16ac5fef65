# Shared by both levels of guest-jemalloc (. ./unit.sh).
J=/lab/jem
# unit_test WANT: jemalloc's test/unit/pnode passes test WANT (exit 0, or
# 1 when some of its tests skip, 2 when one fails).  In an XPV guest on
# CPU 0: the test compares the thread's arena with its CPU's pnode, and a
# thread looks at its pnode at one arena choice in eight (patches/jemalloc
# 0004), so a move between vCPUs of two pnodes in between would fail it.
# Not without XPV: there the option is phycpu, which a process pinned to
# fewer CPUs than there are turns off.
unit_test() {
	_pin=
	[ ! -e /sys/devices/system/xpv/nr_pnodes ] || _pin="taskset -c 0"
	# shellcheck disable=SC2086 # _pin: a command and its arguments, or nothing
	MALLOC_CONF=percpu_arena:pnode $_pin $J/test-unit-pnode >/tmp/unit.out 2>&1
	_rc=$?
	cat /tmp/unit.out
	[ $_rc -le 1 ] && grep -q "^$1 (non-reentrant): pass" /tmp/unit.out
}
