#!/bin/sh
# test-xenstore.sh: Xen's own test-xenstore (Debian package xen-utils-4.17)
# against the daemon.  The 4.17 binary exits 0 even when a test fails, so
# its output is parsed: every listed test must report a time in ns, and no
# line may say "failed".  Skipped (77) when the binary is not installed.
. "$(dirname "$0")/lib.sh"

TX=${TEST_XENSTORE:-/usr/lib/xen-4.17/bin/test-xenstore}
if [ ! -x "$TX" ]; then
	echo "$TEST_NAME: $TX not installed (package xen-utils-4.17), skipped"
	exit 77
fi

start_daemon

ntests=$(xs "$TX" -l | grep -c ':')
if [ "$ntests" -ge 10 ]; then pass; else
	fail "test-xenstore -l lists $ntests tests"
fi

# All tests, five iterations each.
out=$(timeout 40 "$TX" -i 5 2>&1)
rc=$?
printf '%s\n' "$out"
expect_eq "test-xenstore exit status" 0 $rc
expect_no_match "no test failed" 'failed|could not|error' "$out"
expect_eq "every test reported a time" "$ntests" \
	"$(printf '%s\n' "$out" | grep -c -E ': +[0-9]+ ns')"

# Random tests for a few seconds.
out=$(timeout 30 "$TX" -r 3 2>&1)
rc=$?
printf '%s\n' "$out" | tail -n 5
expect_eq "test-xenstore -r exit status" 0 $rc
expect_no_match "no random test failed" 'failed|could not|error' "$out"

# It cleans up after itself: nothing left under its test path.
expect_eq "test nodes removed" "" "$(xs xenstore-list xenstore-test 2>/dev/null)"

finish
