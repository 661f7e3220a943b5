#!/bin/sh
# watch.sh: watches through xenstore-watch: the event at registration,
# descendants, removal, relative paths, / and the special @ watches.
. "$(dirname "$0")/lib.sh"
need_xsclient

start_daemon

expect_eq "a watch fires once at registration" /wcli \
	"$(xs xenstore-watch -n 1 /wcli)"
expect_eq "also for a relative path" relw "$(xs xenstore-watch -n 1 relw)"
expect_eq "and for @introduceDomain" @introduceDomain \
	"$(xs xenstore-watch -n 1 @introduceDomain)"
expect_eq "and for @releaseDomain" @releaseDomain \
	"$(xs xenstore-watch -n 1 @releaseDomain)"
expect_fail "a watch on a bad path is refused" xenstore-watch -n 1 /a//b

# Descendants fire, a sibling with the same prefix does not, rm fires.
xenstore-watch -n 4 /wcli >"$TESTDIR/w1" 2>&1 &
W=$!
bg_track $W
if wait_lines "$TESTDIR/w1" 1; then pass; else fail "watch /wcli: no first event"; fi
check "write a sibling" xenstore-write /wclix 1
check "write a descendant" xenstore-write /wcli/a/b 1
check "write a child" xenstore-write /wcli/c 2
check "rm the watched node" xenstore-rm /wcli
wait_exit $W
expect_eq "watcher exited after 4 events" 0 $?
expect_eq "events of /wcli" "/wcli
/wcli/a/b
/wcli/c
/wcli" "$(cat "$TESTDIR/w1")"

# A relative watch reports relative paths.
xenstore-watch -n 2 relw >"$TESTDIR/w2" 2>&1 &
W=$!
bg_track $W
if wait_lines "$TESTDIR/w2" 1; then pass; else fail "watch relw: no first event"; fi
check "absolute write under a relative watch" \
	xenstore-write /local/domain/0/relw/x 1
wait_exit $W
expect_eq "relative events" "relw
relw/x" "$(cat "$TESTDIR/w2")"

# A watch on / sees every change; two watchers both see it.
xenstore-watch -n 2 / >"$TESTDIR/w3" 2>&1 &
W3=$!
bg_track $W3
xenstore-watch -n 2 /multi >"$TESTDIR/w4" 2>&1 &
W4=$!
bg_track $W4
if wait_lines "$TESTDIR/w3" 1 && wait_lines "$TESTDIR/w4" 1; then pass; else
	fail "watches on / and /multi: no first event"
fi
check "write" xenstore-write /multi/x 1
wait_exit $W3
wait_exit $W4
expect_eq "watch on /" "/
/multi/x" "$(cat "$TESTDIR/w3")"
expect_eq "watch on /multi" "/multi
/multi/x" "$(cat "$TESTDIR/w4")"

# A multi-write (one transaction) fires for each written node at commit.
xenstore-watch -n 3 /wtx >"$TESTDIR/w5" 2>&1 &
W=$!
bg_track $W
if wait_lines "$TESTDIR/w5" 1; then pass; else fail "watch /wtx: no first event"; fi
check "two writes in one transaction" xenstore-write /wtx/a 1 /wtx/b 2
wait_exit $W
expect_eq "events of a transaction" "/wtx
/wtx/a
/wtx/b" "$(sort "$TESTDIR/w5")"

# Special watches fire on INTRODUCE and RELEASE.
xenstore-watch -n 2 @introduceDomain >"$TESTDIR/w6" 2>&1 &
W6=$!
bg_track $W6
xenstore-watch -n 2 @releaseDomain >"$TESTDIR/w7" 2>&1 &
W7=$!
bg_track $W7
if wait_lines "$TESTDIR/w6" 1 && wait_lines "$TESTDIR/w7" 1; then pass; else
	fail "special watches: no first event"
fi
check "introduce domain 11" "$XSCLIENT" introduce 11 0x1000 5
wait_exit $W6
expect_eq "@introduceDomain fired" "@introduceDomain
@introduceDomain" "$(cat "$TESTDIR/w6")"
check "release domain 11" "$XSCLIENT" release 11
wait_exit $W7
expect_eq "@releaseDomain fired" "@releaseDomain
@releaseDomain" "$(cat "$TESTDIR/w7")"

finish
