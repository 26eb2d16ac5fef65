#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# numab-plot.sh LOG CSV PNG: the series of bench-numab's run (the
# "numab-csv:" lines of its LOG) as CSV, and plotted with gnuplot: the
# share of the buffer on its task's host node over time, one panel for
# the vCPU move and one for the memory move, a line per configuration.
set -euo pipefail

[ $# = 3 ] || { echo "usage: $0 LOG CSV PNG" >&2; exit 2; }
log=$1 csv=$2 png=$3
{
	echo "config,kind,t,cpu,vcpu_node,pages,local,pct,node0,node1"
	sed -n 's/.*numab-csv: //p' "$log" | tr -d '\r'
} >"$csv"
[ "$(wc -l <"$csv")" -gt 1 ] || { echo "numab-plot: no series in $log" >&2; exit 1; }
command -v gnuplot >/dev/null || { echo "numab-plot: gnuplot not installed (ci/deps.sh)" >&2; exit 1; }

configs=$(tail -n +2 "$csv" | cut -d, -f1 | awk '!seen[$0]++' | tr '\n' ' ')
plots() { # KIND
	_p=
	for c in $configs; do
		_p="$_p${_p:+, }'< grep \"^$c,$1,\" $csv' using 3:8 with linespoints title '$c'"
	done
	echo "$_p"
}
gnuplot <<GP
set datafile separator ','
set terminal png size 1200,500 noenhanced
set output '$png'
set multiplot layout 1,2 title "bench-numab: buffer on its task's host node (L1's move_pages), one run"
set xlabel 'seconds from the move'
set ylabel '% of the buffer local'
set yrange [0:105]
set grid
set key bottom right
set title 'L1 moves the vCPU'
plot $(plots vcpu)
set title 'L1 moves the memory'
plot $(plots memory)
unset multiplot
GP
echo "numab-plot: $csv, $png"
