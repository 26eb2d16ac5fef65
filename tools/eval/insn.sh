# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0
# Sourced by the scripts of the lab's instruction counts (cost.sh,
# jeminsn.sh): the series the xpv-insn TCG plugin printed in a lab run,
# paired with the names the scenario gave them.
#
# insn_load LOG QEMU_CPU_LOG TAG: names[i] and series[i] for each line
# "# L1: TAG: NAME" or "# L2: ..." of LOG (the lab's output, where a
# scenario's lab_diag names each series, in the order they ran) and each series of QEMU_CPU_LOG (the plugin's, in
# the same order); fails, saying so, when their numbers differ or are 0.
insn_load() {
	mapfile -t names < <(tr -d '\r' <"$1" | sed -n "s/^# L[12]: $3: //p")
	mapfile -t series < <(sed -n 's/^xpv-insn: series [0-9]* //p' "$2" 2>/dev/null)
	if [ "${#names[@]}" != "${#series[@]}" ] || [ "${#names[@]}" = 0 ]; then
		echo "not ok - $3: the scenario named ${#names[@]} series, the plugin printed ${#series[@]} ($2)"
		return 1
	fi
	echo "ok - $3: the plugin printed the ${#series[@]} series the scenario named"
}

# insn_median NAME [K]: the median of the K-th (1st) series named NAME.
insn_median() {
	local i k=0
	for i in "${!names[@]}"; do
		[ "${names[$i]}" = "$1" ] || continue
		k=$((k + 1))
		[ "$k" = "${2:-1}" ] || continue
		echo "${series[$i]}" | awk '{ for (j = 1; j < NF; j++) if ($j == "median") print $(j + 1) }'
		return
	done
}
