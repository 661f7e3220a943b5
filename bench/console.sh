#!/bin/sh
# bench/console.sh: console throughput, guest ring -> log file, on the Xen
# simulator, for 1 and 100 guests, as a ratio to plain write(2)s of the
# same bytes (2 KiB chunks, same directory, same run).  See console.c and
# docs/performance.md ("Consoles").  It builds nothing: build first with
#   cmake -S . -B build -DCMAKE_BUILD_TYPE=Release && cmake --build build -j2
#
# usage: bench/console.sh [-b BUILDDIR] [-r ROUNDS] [-m MIB] [-g "1 100"]
set -eu

build=build
rounds=2
mib=1
counts="1 100"
while getopts b:r:m:g: opt; do
	case $opt in
	b) build=$OPTARG ;;
	r) rounds=$OPTARG ;;
	m) mib=$OPTARG ;;
	g) counts=$OPTARG ;;
	*) exit 2 ;;
	esac
done

bench=$build/bench/console_bench
for f in "$bench" "$build/sim/xensim" "$build/sim/xensim-xl" \
	"$build/daemon/xenbackd"; do
	[ -x "$f" ] || { echo "console.sh: $f missing: build first" >&2; exit 1; }
done

raw=$(mktemp /tmp/xb-conbench-raw.XXXXXX)
trap 'rm -f "$raw"' EXIT
r=1
while [ "$r" -le "$rounds" ]; do
	for g in $counts; do
		"$bench" "$build/sim/xensim" "$build/sim/xensim-xl" \
			"$build/daemon/xenbackd" "$g" "$mib" | tail -n 1 >>"$raw"
	done
	r=$((r + 1))
done

echo "| guests | MiB each | console s | plain write(2) s | ratio | console MiB/s | ratio spread |"
echo "|---|---|---|---|---|---|---|"
for g in $counts; do
	awk -v g="$g" '$1 == g {
		n++; c += $3; p += $4; r += $5; t += $6
		if (n == 1 || $5 < lo) lo = $5
		if (n == 1 || $5 > hi) hi = $5
		m = $2
	} END {
		printf "| %d | %d | %.2f | %.4f | %.0f | %.1f | %.0f-%.0f |\n",
			g, m, c / n, p / n, r / n, t / n, lo, hi
	}' "$raw"
done
