#!/bin/sh
# Socket activation: systemd-socket-activate (Debian's systemd package)
# holds the listening socket, as xenbackd.socket does, and starts xenbackd
# on the first connection with LISTEN_FDS=1.
#
#   sh socket-activation.sh XENBACKD
#
# Checks: the first client is served by a daemon started for it; that
# daemon uses the socket it was given (same inode, and it did not bind its
# own path given with --socket); clients, watches and a second connection
# work; SIGTERM ends it with status 0 and leaves systemd's socket in place
# (RemoveOnStop= is systemd's business).
. "$(dirname "$0")/../lib.sh"

ACTIVATE=$(command -v systemd-socket-activate)
if [ -z "$ACTIVATE" ]; then
	echo "socket-activation: SKIP: no systemd-socket-activate" >&2
	exit 77
fi
OTHER=$TESTDIR/not-this-one

rm -f "$SOCK"
"$ACTIVATE" -l "$SOCK" "$XENBACKD" --socket "$OTHER" --hypervisor none \
	>"$DAEMON_OUT" 2>"$DAEMON_ERR" &
DAEMON_PID=$!
export XENSTORED_PATH=$SOCK
_i=0
while [ ! -S "$SOCK" ] && [ $_i -lt 50 ]; do
	sleep 0.1
	_i=$((_i + 1))
done
if [ ! -S "$SOCK" ]; then
	fail "systemd-socket-activate did not listen on $SOCK"
	finish
fi
inode=$(stat -c %i "$SOCK")
exe=$(readlink "/proc/$DAEMON_PID/exe")
case $exe in
*xenbackd*) fail "xenbackd started before any client: $exe" ;;
*) pass ;;
esac

# The first client triggers the start and waits in the backlog meanwhile.
expect_eq "first client served" "" "$(xs xenstore-read / 2>&1)"
exe=$(readlink "/proc/$DAEMON_PID/exe")
expect_match "the daemon replaced the activator" 'xenbackd' "$exe"
expect_match "started with LISTEN_FDS=1" '^LISTEN_FDS=1$' \
	"$(tr '\0' '\n' <"/proc/$DAEMON_PID/environ")"
expect_eq "same socket inode" "$inode" "$(stat -c %i "$SOCK")"
if [ -e "$OTHER" ]; then
	fail "--socket path bound although a socket was passed"
else
	pass
fi

check "write" xenstore-write /act/a 1
expect_eq "read back" 1 "$(xs xenstore-read /act/a)"
timeout 10 xenstore-watch -n 2 /act/w >"$TESTDIR/watch.out" 2>&1 &
wpid=$!
wait_lines "$TESTDIR/watch.out" 1 || fail "no initial watch event"
check "write under a watch" xenstore-write /act/w/x 2
wait_exit "$wpid" 50
expect_eq "watch events over the activated socket" 2 \
	"$(wc -l <"$TESTDIR/watch.out")"
check "a later connection" xenstore-ls /act
expect_no_match "no complaint in the log" 'cannot|error|fail|warn' \
	"$(cat "$DAEMON_ERR")"

stop_daemon
if [ -S "$SOCK" ]; then
	pass
else
	fail "xenbackd removed the socket that systemd owns"
fi
finish
