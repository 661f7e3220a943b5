#!/bin/sh
# control.sh: CONTROL commands (xenstore-control) and the daemon's quota
# and trace flags: check, help, quota [set], quota-soft, memreport, print,
# log on/off with -T.
. "$(dirname "$0")/lib.sh"
need_xsclient

# Debian's xenstore-control wrapper needs a hypervisor to pick its version;
# call the real binary when it is installed, else xsclient's equivalent
# (same protocol message, same exit status 3 on failure).
if [ -x /usr/lib/xen-4.17/bin/xenstore-control ]; then
	XSCTL=/usr/lib/xen-4.17/bin/xenstore-control
else
	XSCTL="$XSCLIENT control"
fi

ctl()
{
	xs $XSCTL "$@"
}

TRACE=$TESTDIR/trace
start_daemon -T "$TRACE" -E 777 -W 555 -t 9 -Q outstanding=33

check "check" $XSCTL check
out=$(ctl help)
expect_match "help lists check" '^check' "$out"
expect_match "help lists quota" '^quota' "$out"
expect_match "help lists help" '^help' "$out"

out=$(ctl quota)
expect_match "quota: nodes from -E" '^nodes *:? *777( |$)' "$out"
expect_match "quota: watches from -W" '^watches *:? *555( |$)' "$out"
expect_match "quota: transactions from -t" '^transactions *:? *9( |$)' "$out"
expect_match "quota: outstanding from -Q" '^outstanding *:? *33( |$)' "$out"
check "quota set" $XSCTL quota set nodes 1234
expect_match "quota set took effect" '^nodes *:? *1234( |$)' "$(ctl quota)"
expect_fail "quota set of an unknown quota" $XSCTL quota set no-such-quota 5
expect_fail "quota set without a value" $XSCTL quota set nodes
expect_match "failed sets changed nothing" '^nodes *:? *1234( |$)' \
	"$(ctl quota)"
expect_fail "quota of an unknown domain" $XSCTL quota 4321
out=$(ctl quota-soft)
expect_match "quota-soft shows the memory warning level" '^memory *:? *[0-9]+' \
	"$out"

check "print" $XSCTL print hello-from-control
check "memreport" $XSCTL memreport
expect_fail "unknown command" $XSCTL no-such-command
expect_fail "check with a parameter" $XSCTL check extra

# -T: requests are traced; log off stops that, log on resumes it.
check "write while tracing" xenstore-write /ctl/traced-before 1
expect_match "trace has the write" 'traced-before' "$(cat "$TRACE")"
check "log off" $XSCTL log off
check "write while not tracing" xenstore-write /ctl/traced-while-off 1
expect_no_match "nothing traced while off" 'traced-while-off' \
	"$(cat "$TRACE")"
check "log on" $XSCTL log on
check "write after log on" xenstore-write /ctl/traced-after-on 1
expect_match "tracing resumed" 'traced-after-on' "$(cat "$TRACE")"

# The store is still consistent after all that.
check "check again" $XSCTL check
expect_eq "values written around the log switch" 1 \
	"$(xs xenstore-read /ctl/traced-while-off)"

finish
