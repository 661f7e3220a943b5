#!/bin/sh
# sd_notify: xenbackd run as systemd runs a Type=notify service, with a
# NOTIFY_SOCKET that this test owns (notifysink plays systemd).
#
#   sh notify.sh XENBACKD NOTIFYSINK
#
# Checks: READY=1 comes from the daemon's own pid (no fork, so
# NotifyAccess=main suffices) and only once the store answers (notifysink
# probes the socket the moment READY=1 arrives); a STATUS= line with live
# counts; WATCHDOG=1 at half of WATCHDOG_USEC, and none without it;
# STOPPING=1 on SIGTERM and a clean exit.  With --pid-file (the
# launch-xenstore way) the daemon forks and READY=1 comes from the child.
# Given the simulator (XENSIM, XENSIM_XL), STATUS= counts the consoles:
# combined, with --no-consoles (no console part) and with --console-only.
#
#   sh notify.sh XENBACKD NOTIFYSINK [XENSIM XENSIM_XL]
NOTIFYSINK=${2:-}
XENSIM=${3:-}
XENSIM_XL=${4:-}
. "$(dirname "$0")/../lib.sh"

if [ -z "$NOTIFYSINK" ] || [ ! -x "$NOTIFYSINK" ]; then
	fail "notifysink binary not given (arg 2: '$NOTIFYSINK')"
	finish
fi
NSOCK=$TESTDIR/notify
NOUT=$TESTDIR/notify.out
SINK_PID=

# sink_start: a fresh notifysink on NSOCK, output in NOUT.
sink_start()
{
	# The old sink unlinks its socket as it exits: let it go first.
	if [ -n "$SINK_PID" ]; then
		kill "$SINK_PID" 2>/dev/null
		wait "$SINK_PID" 2>/dev/null
	fi
	: >"$NOUT"
	"$NOTIFYSINK" "$NSOCK" "$SOCK" 60 >"$NOUT" 2>&1 &
	SINK_PID=$!
	bg_track "$SINK_PID"
	wait_lines "$NOUT" 1 || {
		fail "notifysink did not start: $(cat "$NOUT")"
		finish
	}
}

# wait_msg REGEX [TENTHS]: until a line of NOUT matches.
wait_msg()
{
	_i=0
	while [ $_i -lt "${2:-50}" ]; do
		grep -E -q -e "$1" "$NOUT" && return 0
		sleep 0.1
		_i=$((_i + 1))
	done
	return 1
}

count_msg()
{
	grep -E -c -e "$1" "$NOUT"
}

# notify_daemon [ENV=VALUE...] -- [FLAGS...]: start xenbackd under
# NOTIFY_SOCKET without -N, as systemd would.
notify_daemon()
{
	_env="NOTIFY_SOCKET=$NSOCK"
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		_env="$_env $1"
		shift
	done
	[ "$1" = -- ] && shift
	rm -f "$SOCK"
	# shellcheck disable=SC2086
	env -u WATCHDOG_USEC -u WATCHDOG_PID -u LISTEN_FDS -u LISTEN_PID \
		$_env "$XENBACKD" --socket "$SOCK" --hypervisor none "$@" \
		>"$DAEMON_OUT" 2>"$DAEMON_ERR" &
	DAEMON_PID=$!
	export XENSTORED_PATH=$SOCK
}

# --- Type=notify, no fork, watchdog on ------------------------------------
sink_start
notify_daemon WATCHDOG_USEC=400000 --
if wait_msg 'READY=1'; then
	pass
	expect_match "READY=1 from the daemon's own pid" \
		"^[0-9]+ pid=$DAEMON_PID READY=1" "$(cat "$NOUT")"
else
	fail "no READY=1 within 5 s: $(cat "$NOUT")"
	finish
fi
wait_msg 'probe ' 60
expect_match "the store answers the moment READY=1 arrives" \
	'^[0-9]+ probe ok$' "$(grep probe "$NOUT")"
expect_match "a STATUS= line with live counts" \
	"^[0-9]+ pid=$DAEMON_PID STATUS=[0-9]+ nodes, [0-9]+ connections" \
	"$(cat "$NOUT")"
check "the socket serves clients" xenstore-write /notify/test 1
# Every 200 ms (half of 400): 4 pings, each from the daemon, take 0.8 s;
# allow 5 s on a loaded machine.
_i=0
while [ "$(count_msg "pid=$DAEMON_PID WATCHDOG=1")" -lt 4 ] && [ $_i -lt 50 ]
do
	sleep 0.1
	_i=$((_i + 1))
done
n=$(count_msg "pid=$DAEMON_PID WATCHDOG=1")
if [ "$n" -ge 4 ]; then
	pass
else
	fail "WATCHDOG_USEC=400000: $n WATCHDOG=1 in 5 s (want >= 4)"
fi
expect_no_match "no WATCHDOG=1 before READY=1" \
	'WATCHDOG=1' "$(sed -n '/READY=1/q;p' "$NOUT")"
expect_eq "READY=1 sent once" 1 "$(count_msg 'READY=1')"
kill -TERM "$DAEMON_PID"
if wait_msg 'STOPPING=1'; then
	pass
	expect_match "STOPPING=1 from the daemon" \
		"^[0-9]+ pid=$DAEMON_PID STOPPING=1" "$(cat "$NOUT")"
else
	fail "no STOPPING=1 within 5 s of SIGTERM: $(tail -n 3 "$NOUT")"
fi
stop_daemon
pings=$(count_msg 'WATCHDOG=1')
sleep 0.5
expect_eq "no WATCHDOG=1 after exit" "$pings" "$(count_msg 'WATCHDOG=1')"

# --- No watchdog unless asked; WATCHDOG_PID for another process ------------
sink_start
notify_daemon WATCHDOG_USEC=200000 WATCHDOG_PID=1 --
wait_msg 'READY=1' || fail "no READY=1 (WATCHDOG_PID=1)"
sleep 0.6
expect_eq "WATCHDOG_PID of another process: no pings" 0 \
	"$(count_msg 'WATCHDOG=1')"
stop_daemon
sink_start
notify_daemon --
wait_msg 'READY=1' || fail "no READY=1 (no watchdog)"
sleep 0.6
expect_eq "no WATCHDOG_USEC: no pings" 0 "$(count_msg 'WATCHDOG=1')"
stop_daemon

# --- STATUS= with consoles, on the simulator -------------------------------
if [ -x "$XENSIM" ] && [ -x "$XENSIM_XL" ]; then
	export XENSIM_SOCKET="$TESTDIR/sim"
	"$XENSIM" --socket "$XENSIM_SOCKET" >"$TESTDIR/sim.out" 2>&1 &
	bg_track $!
	wait_lines "$TESTDIR/sim.out" 1 50
	sink_start
	notify_daemon -- --hypervisor "sim:$XENSIM_SOCKET" \
		--log-dir "$TESTDIR/logs"
	wait_msg 'READY=1' || fail "sim: no READY=1: $(cat "$NOUT")"
	expect_match "combined: STATUS= has the consoles" \
		"STATUS=[0-9]+ nodes, .* domains; 0 consoles of 0 domains, 0 bytes dropped" \
		"$(cat "$NOUT")"
	check "sim: a domain with a console" "$XENSIM_XL" create g1 \
		--wait-tty 10
	# STATUS= is refreshed every 5 s.
	if wait_msg "1 consoles of 1 domains" 80; then
		pass
	else
		fail "no STATUS= with 1 console in 8 s: $(tail -n 2 "$NOUT")"
	fi
	stop_daemon
	sink_start
	notify_daemon -- --hypervisor "sim:$XENSIM_SOCKET" --no-consoles
	wait_msg 'READY=1' || fail "--no-consoles: no READY=1"
	expect_match "--no-consoles: STATUS= counts the store" \
		"STATUS=[0-9]+ nodes, .* [0-9]+ domains$" "$(grep STATUS= "$NOUT")"
	expect_no_match "--no-consoles: no console part" 'consoles' \
		"$(cat "$NOUT")"
	store_pid=$DAEMON_PID
	sink_start
	env NOTIFY_SOCKET="$NSOCK" "$XENBACKD" --console-only -i \
		--hypervisor "sim:$XENSIM_SOCKET" --log-dir "$TESTDIR/logs" \
		>"$TESTDIR/con.out" 2>&1 &
	con_pid=$!
	bg_track "$con_pid"
	if wait_msg "pid=$con_pid READY=1"; then
		pass
	else
		fail "--console-only: no READY=1: $(cat "$TESTDIR/con.out")"
	fi
	expect_match "--console-only: STATUS= has only the consoles" \
		"pid=$con_pid STATUS=[0-9]+ consoles of [0-9]+ domains, [0-9]+ bytes dropped$" \
		"$(cat "$NOUT")"
	kill -TERM "$con_pid"
	if wait_msg "pid=$con_pid STOPPING=1"; then
		pass
	else
		fail "--console-only: no STOPPING=1"
	fi
	wait "$con_pid"
	expect_eq "--console-only: exit status" 0 "$?"
	DAEMON_PID=$store_pid
	stop_daemon
fi

# --- --pid-file: forks as launch-xenstore expects ---------------------------
sink_start
notify_daemon -- --pid-file "$TESTDIR/xenstored.pid"
launcher=$DAEMON_PID
if wait_exit "$launcher" 50; then
	pass
else
	fail "with --pid-file the starting process must exit 0 once ready"
fi
DAEMON_PID=$(cat "$TESTDIR/xenstored.pid" 2>/dev/null)
if [ -n "$DAEMON_PID" ] && [ "$DAEMON_PID" != "$launcher" ]; then
	pass
	wait_msg "pid=$DAEMON_PID READY=1" ||
		fail "no READY=1 from the forked daemon $DAEMON_PID:" \
			"$(cat "$NOUT")"
	wait_msg 'probe ' 60
	expect_match "forked: the store answers at READY=1" \
		'^[0-9]+ probe ok$' "$(grep probe "$NOUT")"
	kill -TERM "$DAEMON_PID"
	wait_msg 'STOPPING=1' || fail "forked: no STOPPING=1"
	_i=0
	while [ -d "/proc/$DAEMON_PID" ] && [ $_i -lt 50 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	if [ -d "/proc/$DAEMON_PID" ]; then
		fail "forked daemon still running 5 s after SIGTERM"
		kill -KILL "$DAEMON_PID"
	else
		pass
	fi
	DAEMON_PID=
else
	fail "no pid file, or the pid of the launcher: '$DAEMON_PID'"
	DAEMON_PID=
fi
finish
