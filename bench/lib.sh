# shellcheck shell=sh
# bench/lib.sh: shell functions shared by bench/run.sh and bench/guests.sh,
# sourced by them (POSIX sh, after "set -eu"): checking the binaries, the
# servers they start in the background in a temp dir, and stopping all of
# it on exit.  Messages start with the script's name.

bench_prog=${0##*/}
bench_pids=
bench_tmp=
bench_keep=0

# need_built FILE...: exit 2 unless every FILE is an executable.
need_built() {
	for f in "$@"; do
		[ -x "$f" ] || { echo "$bench_prog: $f not built" >&2; exit 2; }
	done
}

# running PID: PID is alive and not a zombie waiting to be reaped.
running() {
	s=$(ps -o stat= -p "$1" 2>/dev/null) && [ "${s#Z}" = "$s" ]
}

# stop_all PID...: SIGTERM to each, then reap them.  A daemon deep in a
# backlog of guest work may not get to SIGTERM for a while (see
# docs/performance.md): give them 5 s in all, then KILL.
stop_all() {
	for p in "$@"; do
		kill "$p" 2>/dev/null || true
	done
	i=0
	for p in "$@"; do
		while running "$p" && [ $i -lt 50 ]; do
			sleep 0.1
			i=$((i + 1))
		done
		kill -KILL "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
}

# on_exit_clean TMPDIR KEEP: on exit, also on Ctrl-C, stop the processes
# given to bg_started, then remove TMPDIR unless KEEP is 1.
on_exit_clean() {
	bench_tmp=$1
	bench_keep=$2
	trap bench_cleanup EXIT
	trap 'exit 130' INT TERM HUP
}

# bg_started PID: stop PID on exit, before those started earlier.
bg_started() {
	bench_pids="$1 $bench_pids"
}

bench_cleanup() {
	# shellcheck disable=SC2086 # a list of pids
	stop_all $bench_pids
	if [ "$bench_keep" = 1 ]; then
		echo "$bench_prog: kept $bench_tmp" >&2
	else
		rm -rf "$bench_tmp"
	fi
}

# wait_socket PID PATH: until PATH is a socket, or fail if PID died; then
# show the logs (*.log) of the temp dir.
wait_socket() {
	i=0
	while [ ! -S "$2" ]; do
		if ! kill -0 "$1" 2>/dev/null || [ $i -ge 100 ]; then
			echo "$bench_prog: no socket at $2; logs:" >&2
			cat "$bench_tmp"/*.log >&2 || true
			exit 1
		fi
		sleep 0.1
		i=$((i + 1))
	done
}
