#!/bin/sh
# bench/guests.sh: xenbackd serving 1, 100 and 1,000 simulated guests over
# their rings, and one quiet guest while 999 others flood.
#
# Starts xensim and xenbackd (--hypervisor sim:) on private sockets in a
# temp dir, runs build/bench/guests against them (it creates the domains
# with xensim-xl and drives the guests), prints its Markdown tables and
# kills everything on exit (also on Ctrl-C).  It builds nothing: build first
# with
#   cmake -S . -B build -DCMAKE_BUILD_TYPE=Release && cmake --build build -j2
#
# usage: bench/guests.sh [-d XENBACKD] [-s SIMDIR] [-b BENCHDIR]
#                        [-p same|split|xen|none] [-t S] [-f S] [-r CYCLES]
#                        [-l LEVELS] [-k] [-o RAWFILE]
#   -d  the daemon (default build/daemon/xenbackd)
#   -s  where xensim and xensim-xl are (default build/sim)
#   -b  where guests is (default build/bench)
#   -p  CPU placement: "same" (default) pins everything to CPU 0;
#       "split" pins xenbackd to CPU 0 and the simulator and the guests to
#       CPU 1; "xen" is "split" with xensim at nice -15, as Xen runs a
#       hypercall at once, and the quiet guest's thread at nice -10, as
#       Xen's scheduler boosts a vcpu woken by an event (root only);
#       "none" leaves it to the scheduler
#   -t  timed seconds per mode and size (default 2)
#   -f  timed seconds of the flood (default 10; 0: no flood)
#   -r  cycles up and down through the sizes (default 1)
#   -l  the sizes (default 1,100,1000)
#   -k  keep the temp dir (logs, raw results) and say where it is
#   -o  also copy the raw results ("N visit mode metric value") to RAWFILE
# Extra daemon arguments may be given in XENBACKD_ARGS, extra arguments of
# guests (e.g. --depth 8 --turn 0.25) in GUESTS_ARGS.

set -eu

daemon=build/daemon/xenbackd
simdir=build/sim
benchdir=build/bench
placement=same
secs=2
flood=10
cycles=1
levels=1,100,1000
keep=0
rawout=

while getopts d:s:b:p:t:f:r:l:ko: opt; do
	case $opt in
	d) daemon=$OPTARG ;;
	s) simdir=$OPTARG ;;
	b) benchdir=$OPTARG ;;
	p) placement=$OPTARG ;;
	t) secs=$OPTARG ;;
	f) flood=$OPTARG ;;
	r) cycles=$OPTARG ;;
	l) levels=$OPTARG ;;
	k) keep=1 ;;
	o) rawout=$OPTARG ;;
	*) sed -n '12,31s/^# \{0,1\}//p' "$0" >&2; exit 2 ;;
	esac
done

xensim=$simdir/xensim
xl=$simdir/xensim-xl
guests=$benchdir/guests
for f in "$daemon" "$xensim" "$xl" "$guests"; do
	[ -x "$f" ] || { echo "guests.sh: $f not built" >&2; exit 2; }
done

case $placement in
same) daemon_cpu="taskset -c 0" sim_cpu="taskset -c 0" \
	client_cpu="taskset -c 0" ;;
split) daemon_cpu="taskset -c 0" sim_cpu="taskset -c 1" \
	client_cpu="taskset -c 1" ;;
xen)
	if [ "$(id -u)" != 0 ]; then
		echo "guests.sh: -p xen raises xensim's priority: run as root" >&2
		exit 2
	fi
	daemon_cpu="taskset -c 0" sim_cpu="taskset -c 1 nice -n -15" \
		client_cpu="taskset -c 1"
	GUESTS_ARGS="--quiet-nice -10 ${GUESTS_ARGS:-}" ;;
none) daemon_cpu='' sim_cpu='' client_cpu='' ;;
*) echo "guests.sh: -p same|split|xen|none" >&2; exit 2 ;;
esac

tmp=$(mktemp -d "${TMPDIR:-/tmp}/guests.XXXXXX")
sim_pid=
xb_pid=

# running PID: PID is alive and not a zombie waiting to be reaped.
running() {
	s=$(ps -o stat= -p "$1" 2>/dev/null) && [ "${s#Z}" = "$s" ]
}

cleanup() {
	for p in $xb_pid $sim_pid; do
		kill "$p" 2>/dev/null || true
	done
	# A daemon deep in a backlog of guest work may not get to SIGTERM
	# for a while (see docs/performance.md): give it 5 s, then KILL.
	i=0
	for p in $xb_pid $sim_pid; do
		while running "$p" && [ $i -lt 50 ]; do
			sleep 0.1
			i=$((i + 1))
		done
		kill -KILL "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	if [ "$keep" = 1 ]; then
		echo "guests.sh: kept $tmp" >&2
	else
		rm -rf "$tmp"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

# wait_socket PID PATH: until PATH is a socket, or fail if PID died.
wait_socket() {
	i=0
	while [ ! -S "$2" ]; do
		if ! kill -0 "$1" 2>/dev/null || [ $i -ge 100 ]; then
			echo "guests.sh: no socket at $2; logs:" >&2
			cat "$tmp"/*.log >&2 || true
			exit 1
		fi
		sleep 0.1
		i=$((i + 1))
	done
}

# $*_cpu are empty or a taskset command: split them.
# shellcheck disable=SC2086
$sim_cpu "$xensim" --socket "$tmp/sim.sock" >"$tmp/sim.log" 2>&1 &
sim_pid=$!
wait_socket "$sim_pid" "$tmp/sim.sock"
# shellcheck disable=SC2086 # XENBACKD_ARGS is a list of words
$daemon_cpu "$daemon" -N --socket "$tmp/xs.sock" \
	--hypervisor "sim:$tmp/sim.sock" ${XENBACKD_ARGS:-} \
	>"$tmp/xb.log" 2>&1 &
xb_pid=$!
wait_socket "$xb_pid" "$tmp/xs.sock"

echo "guests.sh: sizes $levels, ${secs}s per mode, flood ${flood}s," \
	"$cycles cycle(s), placement $placement" >&2
echo "xenbackd with guests over rings (simulator), $(date -u +%Y-%m-%d)," \
	"$(nproc) CPUs, placement $placement"
echo
# shellcheck disable=SC2086 # $client_cpu and GUESTS_ARGS are word lists
if ! $client_cpu "$guests" --sim "$tmp/sim.sock" --xs "$tmp/xs.sock" \
	--xl "$xl" --pid "$xb_pid" --sim-pid "$sim_pid" --levels "$levels" \
	--time "$secs" --flood-time "$flood" --cycles "$cycles" \
	--raw "$tmp/raw" ${GUESTS_ARGS:-}; then
	echo "guests.sh: guests failed; daemon log:" >&2
	tail -20 "$tmp/xb.log" >&2
	exit 1
fi
[ -z "$rawout" ] || cp "$tmp/raw" "$rawout"
