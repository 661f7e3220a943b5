#!/bin/sh
# raw.sh: run one group of rawclient's wire-level checks (arg 4) against a
# fresh daemon.
. "$(dirname "$0")/lib.sh"
need_rawclient
GROUP=${4:?usage: $0 XENBACKD XSCLIENT RAWCLIENT GROUP}
TEST_NAME="rawclient-$GROUP"

start_daemon
# In sanitizer builds the client is instrumented too; its own leaks on a
# failure path are noise, the daemon's are what lib.sh looks for.
if ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
	timeout 50 "$RAWCLIENT" "$GROUP"; then
	pass
else
	fail "rawclient $GROUP reported failures (status $?)"
fi
finish
