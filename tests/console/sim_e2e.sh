#!/bin/sh
# sim_e2e.sh: consoles end to end on the Xen simulator, with the real
# binaries: the toolstack (xensim-xl) creates domains and waits for
# console/tty as libxl does, simulated guests (xensim-guest) print on
# their consoles and echo what they are sent, and xenbackd serves the
# consoles, first combined with the store, then alone (--console-only)
# beside a store started with --no-consoles.
#
#	sim_e2e.sh XENBACKD XENSIM XENSIM_XL XENSIM_GUEST
set -eu
XB=$1 SIM=$2 XL=$3 GUEST=$4
dir=$(mktemp -d /tmp/xbsime2e.XXXXXX)
pids=""
fail=0

cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null || true; done
	for p in $pids; do wait "$p" 2>/dev/null || true; done
	rm -rf "$dir"
}
trap cleanup EXIT

export XENSIM_SOCKET="$dir/sim" XENSTORED_PATH="$dir/xs"

check() { # check WHAT COMMAND...
	what=$1
	shift
	if "$@"; then
		echo "ok   $what"
	else
		echo "FAIL $what"
		fail=$((fail + 1))
	fi
}

wait_for() { # wait_for SECONDS COMMAND...
	n=$(($1 * 20))
	shift
	while [ "$n" -gt 0 ]; do
		"$@" 2>/dev/null && return 0
		sleep 0.05
		n=$((n - 1))
	done
	return 1
}

start() { # start LOG COMMAND...: in the background, remembered
	log=$1
	shift
	"$@" >"$log" 2>&1 &
	pids="$pids $!"
	last=$!
}

stop() { # stop PID
	kill "$1"
	wait "$1" || true
}

lines_in() { # lines_in FILE PATTERN COUNT
	[ -f "$1" ] && [ "$(grep -ac "$2" "$1")" -ge "$3" ]
}

# Create a domain as libxl does, failing unless console/tty shows up
# within 10 s; its domid in $domid.
create() { # create NAME
	out=$("$XL" create "$1" --wait-tty 10) || return 1
	domid=$(echo "$out" | sed -n 's/^[^:]*: domain \([0-9]*\) .*/\1/p')
	[ -n "$domid" ]
}

# The guest echoes console input: send a word through the pty.
echo_through() { # echo_through DOMID WORD
	tty=$(xenstore-read "/local/domain/$1/console/tty")
	[ -c "$tty" ] || return 1
	exec 3<>"$tty"
	printf '%s\n' "$2" >&3
	timeout 5 grep -a -m1 -q "$2" <&3
	rc=$?
	exec 3>&-
	return $rc
}

# A domain NAME's console end to end, checks labelled LABEL: created as
# libxl does, 300 lines of output logged (each line after LINE_PREFIX, a
# regular expression), input echoed through the pty.  Its domid in $d.
console_works() { # console_works LABEL NAME LOG_CHECK LINE_PREFIX
	check "$1: tty within libxl's 10 s" create "$2"
	d=$domid
	check "$1: 300 console lines logged" \
		timeout 20 "$GUEST" --domid "$d" --workload console --iterations 300 -q
	check "$1: $3" wait_for 5 lines_in "$dir/logs/guest-$2.log" \
		"${4}domain $d line" 300
	start "$dir/$2.out" "$GUEST" --domid "$d" --workload idle --stay -q
	guest=$last
	check "$1: input echoed through the pty" echo_through "$d" "ping-$1"
	stop "$guest"
}

# Destroy domain $d; the console server logging to LOG closes its consoles.
destroy_domain() { # destroy_domain LABEL LOG
	check "$1: destroy" "$XL" destroy "$d"
	check "$1: consoles closed" wait_for 5 grep -q \
		"domain $d: consoles closed" "$2"
}

start "$dir/sim.out" "$SIM" --socket "$dir/sim"
wait_for 10 grep -q ready "$dir/sim.out"

# 1. Combined: the store and the consoles in one process.
start "$dir/xb.log" "$XB" -N -V --socket "$dir/xs" --hypervisor "sim:$dir/sim" \
	--log=guest --log-dir "$dir/logs"
xb=$last
wait_for 10 test -S "$dir/xs"
console_works combined g1 "log complete" ""
destroy_domain combined "$dir/xb.log"
stop "$xb"

# 2. Alone: a store without consoles, and xenbackd --console-only.
rm -f "$dir/xs"
start "$dir/xb2.log" "$XB" -N --no-consoles --socket "$dir/xs" \
	--hypervisor "sim:$dir/sim"
xb=$last
wait_for 10 test -S "$dir/xs"
start "$dir/con.log" "$XB" --console-only -i -v --hypervisor "sim:$dir/sim" \
	--log=guest --log-dir "$dir/logs" --timestamp=guest
con=$last
wait_for 10 grep -q "serving as domain" "$dir/con.log"
console_works alone g2 "log complete, stamped" '^\[....-..-.. ..:..:..\] '
mv "$dir/logs/guest-g2.log" "$dir/logs/guest-g2.log.1"
kill -HUP "$con"
check "alone: SIGHUP reopens the log" wait_for 5 test -f \
	"$dir/logs/guest-g2.log"
destroy_domain alone "$dir/con.log"
stop "$con"
stop "$xb"

if [ "$fail" -ne 0 ]; then
	for f in "$dir"/*.log "$dir"/*.out; do
		echo "== $f"
		tail -20 "$f"
	done
fi
echo "$fail failed"
[ "$fail" -eq 0 ]
