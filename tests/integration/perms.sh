#!/bin/sh
# perms.sh: permissions through xenstore-chmod and xenstore-ls -p: the
# owner comes first, children inherit, dom0 may set more than 5 entries,
# -r and -u, and bad requests change nothing.
. "$(dirname "$0")/lib.sh"
need_xsclient

perms()
{
	xs "$XSCLIENT" getperms "$1"
}

start_daemon

expect_eq "perms of /" n0 "$(perms /)"
expect_match "ls -p of /tool" '^/tool = "" +\(n0\)$' \
	"$(xs xenstore-ls -f -p /)"

check "write" xenstore-write /pm/node v
expect_eq "a new node copies its parent's perms" n0 "$(perms /pm/node)"
check "chmod n0 r5 w7 b9" xenstore-chmod /pm/node n0 r5 w7 b9
expect_eq "perms read back in order" n0,r5,w7,b9 "$(perms /pm/node)"
expect_match "ls -p shows them" '^/pm/node = "v" +\(n0,r5,w7,b9\)$' \
	"$(xs xenstore-ls -f -p /pm)"
expect_eq "chmod keeps the value" v "$(xs xenstore-read /pm/node)"
check "create a child" xenstore-write /pm/node/child c
expect_eq "the child inherits the parent's perms" n0,r5,w7,b9 \
	"$(perms /pm/node/child)"
expect_eq "the parent is unchanged" n0,r5,w7,b9 "$(perms /pm/node)"
expect_match "ls -p of the child" \
	'^/pm/node/child = "c" +\(n0,r5,w7,b9\)$' "$(xs xenstore-ls -f -p /pm)"

# The first entry names the owner; its letter is everyone else's default.
check "introduce domain 3 (so it can own nodes)" \
	"$XSCLIENT" introduce 3 0x1000 5
check "write" xenstore-write /pm/own v
check "chmod b3 r0" xenstore-chmod /pm/own b3 r0
expect_eq "owner 3 first" b3,r0 "$(perms /pm/own)"
check "dom0 writes under a node owned by 3" xenstore-write /pm/own/kid k
expect_eq "dom0's new node keeps the inherited owner" b3,r0 \
	"$(perms /pm/own/kid)"
check "dom0 may hand the node back" xenstore-chmod /pm/own n0
expect_eq "owner 0 again" n0 "$(perms /pm/own)"

# dom0 is not limited to 5 entries.
check "write" xenstore-write /pm/many v
check "chmod with 9 entries" \
	xenstore-chmod /pm/many n0 r1 r2 r3 r4 r5 r6 r7 w8
expect_eq "all 9 entries kept" n0,r1,r2,r3,r4,r5,r6,r7,w8 \
	"$(perms /pm/many)"

# Bad requests are refused and change nothing.
expect_fail "unknown letter" xenstore-chmod /pm/node x5
expect_fail "chmod of a missing node" xenstore-chmod /pm/missing n0
expect_fail "chmod of a bad path" xenstore-chmod '/pm/a b' n0
expect_fail "perms of a missing node" "$XSCLIENT" getperms /pm/missing
expect_eq "perms unchanged after the failures" n0,r5,w7,b9 \
	"$(perms /pm/node)"
expect_fail "nothing was created" xenstore-exists /pm/missing

# -r applies to the whole subtree, -u to every ancestor.
check "write a tree" xenstore-write /pm/r/a/b 1 /pm/r/c 2
check "chmod -r" xenstore-chmod -r /pm/r r0
expect_eq "-r: root" r0 "$(perms /pm/r)"
expect_eq "-r: child" r0 "$(perms /pm/r/a)"
expect_eq "-r: grandchild" r0 "$(perms /pm/r/a/b)"
expect_eq "-r: other child" r0 "$(perms /pm/r/c)"
expect_eq "-r: parent untouched" n0 "$(perms /pm)"
check "write a chain" xenstore-write /pmu/x/y 1
check "chmod -u" xenstore-chmod -u /pmu/x/y b0
expect_eq "-u: node" b0 "$(perms /pmu/x/y)"
expect_eq "-u: parent" b0 "$(perms /pmu/x)"
expect_eq "-u: top" b0 "$(perms /pmu)"
expect_eq "-u: / untouched" n0 "$(perms /)"

# Special nodes have perms too (readable and settable by dom0).
expect_match "perms of @introduceDomain start with n0" '^n0(,|$)' \
	"$(perms @introduceDomain)"
expect_match "perms of @releaseDomain start with n0" '^n0(,|$)' \
	"$(perms @releaseDomain)"

finish
