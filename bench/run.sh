#!/bin/sh
# bench/run.sh: measure xenbackd against the limit server, in one run.
#
# Starts bench/limit_server and xenbackd on private sockets in a temp dir,
# runs every xsbench test against both (xsbench takes turns between the two
# servers in 0.1 s slices, A B B A ...), ROUNDS times, and prints a Markdown
# table of medians and ratios.  It builds nothing: build first with
#   cmake -S . -B build -DCMAKE_BUILD_TYPE=Release && cmake --build build -j2
#
# usage: bench/run.sh [-d XENBACKD|limit] [-b BENCHDIR] [-p same|split|none]
#                     [-r ROUNDS] [-t SECONDS] [-n NODES] [-k] [-o RAWFILE]
#   -d  the daemon binary (default build/daemon/xenbackd); "limit" runs a
#       second limit server in its place, to check the harness itself
#   -b  where limit_server and xsbench are (default build/bench)
#   -p  CPU placement: "same" (default) pins servers and clients to CPU 0,
#       so every server cycle is on the round trip; "split" pins servers to
#       CPU 0 and clients to CPU 1; "none" leaves it to the scheduler
#   -r  rounds; the table shows medians over them (default 3)
#   -t  timed seconds per test, server and round (default 2)
#   -n  nodes created by the memory test (default 300000)
#   -k  keep the temp dir (daemon log, raw results) and say where it is
#   -o  also copy the raw results ("server round metric value") to RAWFILE
# Extra daemon arguments may be given in XENBACKD_ARGS.

set -eu
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

daemon=build/daemon/xenbackd
benchdir=build/bench
rounds=3
secs=2
nodes=300000
samples=30000
keep=0
rawout=
placement=same

while getopts d:b:p:r:t:n:ko: opt; do
	case $opt in
	d) daemon=$OPTARG ;;
	b) benchdir=$OPTARG ;;
	p) placement=$OPTARG ;;
	r) rounds=$OPTARG ;;
	t) secs=$OPTARG ;;
	n) nodes=$OPTARG ;;
	k) keep=1 ;;
	o) rawout=$OPTARG ;;
	*) sed -n '10,23s/^# \{0,1\}//p' "$0" >&2; exit 2 ;;
	esac
done

limit_bin=$benchdir/limit_server
xsbench=$benchdir/xsbench
need_built "$limit_bin" "$xsbench"
[ "$daemon" = limit ] || need_built "$daemon"

case $placement in
same) server_cpu="taskset -c 0" client_cpu="taskset -c 0" ;;
split) server_cpu="taskset -c 0" client_cpu="taskset -c 1" ;;
none) server_cpu='' client_cpu='' ;;
*) echo "run.sh: -p same|split|none" >&2; exit 2 ;;
esac

tmp=$(mktemp -d "${TMPDIR:-/tmp}/xsbench.XXXXXX")
on_exit_clean "$tmp" "$keep"

# $server_cpu and $client_cpu are empty or a taskset command: split them.
# shellcheck disable=SC2086
$server_cpu "$limit_bin" --socket "$tmp/limit.sock" >"$tmp/limit.log" 2>&1 &
limit_pid=$!
bg_started "$limit_pid"
if [ "$daemon" = limit ]; then
	# shellcheck disable=SC2086
	$server_cpu "$limit_bin" --socket "$tmp/xb.sock" >"$tmp/xb.log" 2>&1 &
else
	# shellcheck disable=SC2086 # XENBACKD_ARGS is a list of words
	$server_cpu "$daemon" -N --socket "$tmp/xb.sock" ${XENBACKD_ARGS:-} \
		>"$tmp/xb.log" 2>&1 &
fi
xb_pid=$!
bg_started "$xb_pid"
wait_socket "$limit_pid" "$tmp/limit.sock"
wait_socket "$xb_pid" "$tmp/xb.sock"

raw=$tmp/raw
: >"$raw"

# bench ROUND FIRST TEST: run TEST against both servers (xsbench takes
# turns between them), FIRST ("xb" or "limit") as xsbench's server 0.
bench() {
	round=$1
	xb_args="--socket $tmp/xb.sock --pid $xb_pid"
	limit_args="--socket $tmp/limit.sock --pid $limit_pid"
	case $2 in
	xb) args="$xb_args $limit_args" first=xb second=limit ;;
	limit) args="$limit_args $xb_args" first=limit second=xb ;;
	only-xb) args=$xb_args first=xb second=none ;;
	esac
	# shellcheck disable=SC2086 # $args and $client_cpu are word lists
	if ! $client_cpu "$xsbench" $args --time "$secs" \
		--samples "$samples" --nodes "$nodes" "$3" \
		>"$tmp/out" 2>"$tmp/err"; then
		echo "run.sh: xsbench $3 failed:" >&2
		cat "$tmp/err" >&2
		exit 1
	fi
	sed -e "s/^0 /$first $round /" -e "s/^1 /$second $round /" \
		"$tmp/out" >>"$raw"
}

tests="write read directory transaction watch writers"
echo "run.sh: $rounds rounds of: $tests; then memory ($nodes nodes)" >&2
r=1
while [ $r -le "$rounds" ]; do
	for t in $tests; do
		# Alternate which server warms up and goes first.
		if [ $((r % 2)) = 1 ]; then
			bench $r xb "$t"
		else
			bench $r limit "$t"
		fi
	done
	echo "run.sh: round $r done" >&2
	r=$((r + 1))
done
# The limit server keeps no nodes: the memory row is for xenbackd only.
bench 1 only-xb memory
[ -z "$rawout" ] || cp "$raw" "$rawout"

# row LABEL METRIC KIND TARGET: one table line from the raw results.
# KIND says how the ratio is taken, per round (so that both servers of a
# pair saw the same machine), then the median over the rounds:
#   up    xenbackd / limit, more is better
#   down  xenbackd / limit, less is better
#   rtt   xenbackd / the limit server's mean READ round trip
#   abs   no ratio; TARGET applies to xenbackd's value
#   info  no ratio, no target
row() {
	awk -v label="$1" -v metric="$2" -v kind="$3" -v target="$4" '
	function median(a, n,    i, j, t) {
		for (i = 2; i <= n; i++)	# insertion sort: n is small
			for (j = i; j > 1 && a[j - 1] > a[j]; j--) {
				t = a[j]; a[j] = a[j - 1]; a[j - 1] = t
			}
		return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
	}
	function num(v) {
		if (v == "") return "n/a"
		return v >= 100 ? sprintf("%.0f", v) : sprintf("%.1f", v)
	}
	$3 == metric { val[$1, $2] = $4; rounds[$2] = 1 }
	$1 == "limit" && $3 == "read_rtt_us" { rtt[$2] = $4 }
	END {
		nx = nl = nr = 0
		for (r in rounds) {
			if (("xb", r) in val) xs[++nx] = val["xb", r]
			if (("limit", r) in val) ls[++nl] = val["limit", r]
			if (!(("xb", r) in val)) continue
			base = ""
			if (kind == "up" || kind == "down") {
				if (("limit", r) in val) base = val["limit", r]
			} else if (kind == "rtt") {
				if (r in rtt) base = rtt[r]
			}
			if (base != "" && base > 0)
				rs[++nr] = val["xb", r] / base
		}
		x = nx ? median(xs, nx) : ""
		l = nl ? median(ls, nl) : ""
		ratio = "—"; range = ""; ok = ""
		if (nr) {
			ratio = median(rs, nr)
			range = sprintf("%.2f–%.2f", rs[1], rs[nr])
		}
		v = kind == "abs" ? x : ratio
		if (target != "" && v != "—" && v != "") {
			split(target, t, " ")
			ok = (t[1] == ">=" ? v >= t[2] : v <= t[2]) ? "ok" : "MISSED"
		}
		if (ratio != "—") ratio = sprintf("%.2f", ratio)
		printf "| %s | %s | %s | %s | %s | %s %s |\n", label, num(x), \
			num(l), ratio, range, target, ok
	}' "$raw"
}

# cpu_row TEST: median server CPU time per operation of both servers.
cpu_row() {
	awk -v test="$1" -v metric="$1_server_cpu_us_per_op" '
	$3 == metric { v[$1] = v[$1] " " $4 }
	function med(s,    a, n, i, j, t) {
		n = split(s, a, " ")
		if (n == 0) return "n/a"
		for (i = 2; i <= n; i++)
			for (j = i; j > 1 && a[j - 1] + 0 > a[j] + 0; j--) {
				t = a[j]; a[j] = a[j - 1]; a[j - 1] = t
			}
		return sprintf("%.1f", n % 2 ? a[(n + 1) / 2] : \
			(a[n / 2] + a[n / 2 + 1]) / 2)
	}
	END { printf "| %s | %s | %s |\n", test, med(v["xb"]), med(v["limit"]) }
	' "$raw"
}

echo
echo "xenbackd vs limit server, $(date -u +%Y-%m-%d), $(nproc) CPUs," \
	"placement $placement, $rounds rounds of ${secs}s"
echo
echo "| metric | xenbackd | limit | ratio | ratio range | target |"
echo "|---|---|---|---|---|---|"
row "sequential write (ops/s)" write_ops_per_s up ">= 0.85"
row "sequential read (ops/s)" read_ops_per_s up ">= 0.85"
row "DIRECTORY, 1,000 children (ops/s)" directory_ops_per_s up ""
row "transaction, 5 writes (tx/s)" transaction_ops_per_s up ""
row "8 writers, total (ops/s)" writers_ops_per_s up ""
row "read round trip, mean (µs)" read_rtt_us down ""
row "watch latency p50 (µs)" watch_p50_us rtt ""
row "watch latency p99 (µs)" watch_p99_us rtt "<= 4"
row "watch latency max (µs)" watch_max_us info ""
row "memory (bytes/node, $nodes nodes)" memory_bytes_per_node abs "<= 80"
row "node creation (ops/s, one round)" create_ops_per_s info ""
echo
echo "Values are medians over the rounds; a ratio is the median of the"
echo "per-round ratios, and the range shows their spread. Watch ratios are"
echo "xenbackd's latency over the limit server's mean READ round trip."
echo
echo "| server CPU per op (µs) | xenbackd | limit |"
echo "|---|---|---|"
for t in write read directory transaction watch writers create; do
	cpu_row "$t"
done
