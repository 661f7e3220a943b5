# lib.sh: the harness every integration test sources.
#
# A test is run as   sh TEST.sh XENBACKD [XSCLIENT [RAWCLIENT]]
# and does:
#	. "$(dirname "$0")/lib.sh"
#	start_daemon [extra daemon flags]
#	check "what" xenstore-write /a b
#	expect_eq "what" expected "$(xs xenstore-read /a)"
#	finish
#
# Each test gets a private temp dir and socket; the daemon's stderr is kept
# there and scanned for sanitizer reports when the test ends.  An EXIT trap
# always kills the daemon (and any helper started with bg_track) and removes
# the temp dir; set KEEP_TESTDIR=1 to keep it for a post-mortem.  A test
# exits 0 only if every check passed, the daemon survived everything thrown
# at it and it exited 0 on SIGTERM.

XENBACKD=${1:-}
XSCLIENT=${2:-}
RAWCLIENT=${3:-}
TEST_NAME=$(basename "$0" .sh)
PASS=0
FAIL=0
DAEMON_PID=
BG_PIDS=

if [ -z "$XENBACKD" ] || [ ! -x "$XENBACKD" ]; then
	echo "usage: $0 XENBACKD [XSCLIENT [RAWCLIENT]] (got '$XENBACKD')" >&2
	exit 2
fi

# Unix socket paths must stay under 108 bytes: do not follow a long TMPDIR.
TESTDIR=$(mktemp -d "/tmp/xbd-$TEST_NAME.XXXXXX") || exit 2
SOCK=$TESTDIR/socket
DAEMON_ERR=$TESTDIR/daemon.stderr
DAEMON_OUT=$TESTDIR/daemon.stdout
: >"$DAEMON_ERR"

# Sanitizer builds: report everything, never stop at the first UB report.
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1}"

lib_cleanup()
{
	for p in $BG_PIDS; do
		kill "$p" 2>/dev/null
	done
	if [ -n "$DAEMON_PID" ] && daemon_alive; then
		kill -KILL "$DAEMON_PID" 2>/dev/null
		wait "$DAEMON_PID" 2>/dev/null
	fi
	if [ "${KEEP_TESTDIR:-0}" = 1 ]; then
		echo "$TEST_NAME: kept $TESTDIR" >&2
	else
		rm -rf "$TESTDIR"
	fi
}
trap lib_cleanup EXIT
trap 'exit 130' INT TERM HUP

pass()
{
	PASS=$((PASS + 1))
}

fail()
{
	FAIL=$((FAIL + 1))
	echo "FAIL: $*" >&2
}

# The daemon is running (a zombie does not count).
daemon_alive()
{
	[ -n "$DAEMON_PID" ] || return 1
	_st=$(sed 's/^.*) //' "/proc/$DAEMON_PID/stat" 2>/dev/null |
		cut -d' ' -f1)
	[ -n "$_st" ] && [ "$_st" != Z ] && [ "$_st" != X ]
}

# Run a client with a timeout so a wedged daemon fails the test instead of
# hanging it.
xs()
{
	timeout 10 "$@"
}

# start_daemon [flags...]: start xenbackd on the private socket and wait
# (up to ~5 s) until `xenstore-read /` answers.
# shellcheck disable=SC2120 # the flags are optional
start_daemon()
{
	rm -f "$SOCK"
	"$XENBACKD" -N --socket "$SOCK" "$@" >"$DAEMON_OUT" 2>"$DAEMON_ERR" &
	DAEMON_PID=$!
	XENSTORED_PATH=$SOCK
	export XENSTORED_PATH DAEMON_PID
	_i=0
	while [ $_i -lt 50 ]; do
		if ! daemon_alive; then
			wait "$DAEMON_PID"
			fail "daemon exited with status $? during startup" \
				"(flags: $*)"
			DAEMON_PID=
			sed -n '1,40p' "$DAEMON_ERR" >&2
			finish
		fi
		if [ -S "$SOCK" ] &&
			timeout 2 xenstore-read / >/dev/null 2>&1; then
			return 0
		fi
		sleep 0.1
		_i=$((_i + 1))
	done
	fail "daemon did not answer on $SOCK within 5 s (flags: $*)"
	finish
}

# stop_daemon: SIGTERM must make the daemon exit 0 within 5 s.
stop_daemon()
{
	[ -n "$DAEMON_PID" ] || return 0
	kill -TERM "$DAEMON_PID" 2>/dev/null
	_i=0
	while daemon_alive && [ $_i -lt 50 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	if daemon_alive; then
		fail "daemon still running 5 s after SIGTERM"
		kill -KILL "$DAEMON_PID" 2>/dev/null
	fi
	wait "$DAEMON_PID"
	_rc=$?
	if [ $_rc -eq 0 ]; then
		pass
	else
		fail "daemon exited with status $_rc after SIGTERM (want 0)"
	fi
	DAEMON_PID=
}

# check DESC CMD...: CMD must exit 0.
check()
{
	_d=$1
	shift
	if _out=$(xs "$@" 2>&1); then
		pass
	else
		fail "$_d: \`$*\` exited $?${_out:+: $_out}"
	fi
}

# expect_fail DESC CMD...: CMD must fail cleanly (exit 1..123, so neither a
# timeout nor a crash of the client counts).
expect_fail()
{
	_d=$1
	shift
	_out=$(xs "$@" 2>&1)
	_rc=$?
	if [ $_rc -ge 1 ] && [ $_rc -le 123 ]; then
		pass
	elif [ $_rc -eq 0 ]; then
		fail "$_d: \`$*\` succeeded but must fail${_out:+ (output: $_out)}"
	else
		fail "$_d: \`$*\` timed out or crashed (status $_rc)"
	fi
}

# expect_eq DESC EXPECTED ACTUAL
expect_eq()
{
	if [ "$2" = "$3" ]; then
		pass
	else
		fail "$1: expected '$2', got '$3'"
	fi
}

# expect_match DESC EXTENDED-REGEX TEXT: some line of TEXT matches.
expect_match()
{
	if printf '%s\n' "$3" | grep -E -q -e "$2"; then
		pass
	else
		fail "$1: no line matches /$2/ in: $3"
	fi
}

# expect_no_match DESC EXTENDED-REGEX TEXT: no line of TEXT matches.
expect_no_match()
{
	if printf '%s\n' "$3" | grep -E -q -e "$2"; then
		fail "$1: a line matches /$2/ in: $3"
	else
		pass
	fi
}

# bg_track PID: kill PID at exit if it is still running.
bg_track()
{
	BG_PIDS="$BG_PIDS $1"
}

# wait_lines FILE N [TENTHS]: wait until FILE has at least N lines (default
# timeout 5 s).  Returns 1 on timeout.
wait_lines()
{
	_i=0
	while [ $_i -lt "${3:-50}" ]; do
		if [ -f "$1" ] && [ "$(wc -l <"$1")" -ge "$2" ]; then
			return 0
		fi
		sleep 0.1
		_i=$((_i + 1))
	done
	return 1
}

# wait_exit PID [TENTHS]: wait for a background helper to end (default 5 s)
# and return its status, or 124 if it did not end (it is then killed).
wait_exit()
{
	_i=0
	while kill -0 "$1" 2>/dev/null && [ $_i -lt "${2:-50}" ]; do
		# A finished child stays a zombie until waited for.
		_st=$(sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null |
			cut -d' ' -f1)
		[ "$_st" = Z ] && break
		sleep 0.1
		_i=$((_i + 1))
	done
	_st=$(sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1)
	if [ -n "$_st" ] && [ "$_st" != Z ]; then
		kill "$1" 2>/dev/null
		wait "$1" 2>/dev/null
		return 124
	fi
	wait "$1"
}

# need_xsclient / need_rawclient: the helper binaries were passed in.
need_xsclient()
{
	if [ -z "$XSCLIENT" ] || [ ! -x "$XSCLIENT" ]; then
		fail "xsclient binary not given (arg 2: '$XSCLIENT')"
		finish
	fi
}

need_rawclient()
{
	if [ -z "$RAWCLIENT" ] || [ ! -x "$RAWCLIENT" ]; then
		fail "rawclient binary not given (arg 3: '$RAWCLIENT')"
		finish
	fi
}

# client_group NAME BINARY GROUP: the whole of a test that runs one check
# group of the client BINARY (xsclient or rawclient, named NAME) against a
# fresh daemon; it passes if the client reports no failure.
client_group()
{
	TEST_NAME="$1-$3"
	start_daemon
	# In sanitizer builds the client is instrumented too; its own leaks on
	# a failure path are noise, the daemon's are what finish looks for.
	if ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
		timeout 50 "$2" "$3"; then
		pass
	else
		fail "$1 $3 reported failures (status $?)"
	fi
	finish
}

# finish: the daemon must still be alive (it must never crash on bad
# input), must exit 0 on SIGTERM, and must not have printed a sanitizer
# report.  Prints the tally and exits with the test's status.
finish()
{
	if [ -n "$DAEMON_PID" ]; then
		if daemon_alive; then
			pass
		else
			wait "$DAEMON_PID"
			fail "daemon died during the test (status $?)"
			DAEMON_PID=
		fi
		stop_daemon
	fi
	if grep -E -q 'AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|runtime error:' \
		"$DAEMON_ERR"; then
		fail "sanitizer report in the daemon's stderr:"
		grep -E -A 20 'AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|runtime error:' \
			"$DAEMON_ERR" | sed -n '1,80p' >&2
	fi
	echo "$TEST_NAME: $PASS passed, $FAIL failed"
	if [ $FAIL -ne 0 ]; then
		if [ -s "$DAEMON_ERR" ]; then
			echo "--- daemon stderr (last 30 lines) ---" >&2
			tail -n 30 "$DAEMON_ERR" >&2
		fi
		exit 1
	fi
	exit 0
}
