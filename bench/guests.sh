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
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

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
need_built "$daemon" "$xensim" "$xl" "$guests"

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
on_exit_clean "$tmp" "$keep"

# $*_cpu are empty or a taskset command: split them.
# shellcheck disable=SC2086
$sim_cpu "$xensim" --socket "$tmp/sim.sock" >"$tmp/sim.log" 2>&1 &
sim_pid=$!
bg_started "$sim_pid"
wait_socket "$sim_pid" "$tmp/sim.sock"
# shellcheck disable=SC2086 # XENBACKD_ARGS is a list of words
$daemon_cpu "$daemon" -N --socket "$tmp/xs.sock" \
	--hypervisor "sim:$tmp/sim.sock" ${XENBACKD_ARGS:-} \
	>"$tmp/xb.log" 2>&1 &
xb_pid=$!
bg_started "$xb_pid"
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
