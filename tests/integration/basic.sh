#!/bin/sh
# basic.sh: the everyday commands through Debian's xenstore-* clients:
# the initial tree, write/read/ls/list/rm/exists, relative paths under
# /local/domain/0, binary-safe values and malformed paths.
. "$(dirname "$0")/lib.sh"

start_daemon

# --- the socket and the startup line ---
expect_eq "socket mode" 600 "$(stat -c %a "$SOCK")"
expect_match "startup line on stderr" "listening on $SOCK" \
	"$(cat "$DAEMON_ERR")"

# --- the initial tree ---
check "READ of / succeeds" xenstore-read /
expect_eq "/ has an empty value" "" "$(xs xenstore-read /)"
check "/tool/xenstored exists" xenstore-exists /tool/xenstored
top=$(xs xenstore-list /)
expect_match "/ lists tool" '^tool$' "$top"
expect_no_match "special nodes are not children of /" '@' "$top"
expect_match "/tool lists xenstored" '^xenstored$' "$(xs xenstore-list /tool)"
expect_match "initial perms of /tool/xenstored" \
	'^/tool/xenstored = "" +\(n0\)$' "$(xs xenstore-ls -f -p /tool)"
expect_fail "READ of a special node is EINVAL" xenstore-read @introduceDomain
expect_fail "DIRECTORY of a special node is EINVAL" \
	xenstore-list @releaseDomain
expect_fail "missing node does not exist" xenstore-exists /no/such/node

# --- write / read ---
check "write a value" xenstore-write /basic/a hello
expect_eq "read it back" hello "$(xs xenstore-read /basic/a)"
check "overwrite" xenstore-write /basic/a "hello world"
expect_eq "read the new value" "hello world" "$(xs xenstore-read /basic/a)"
check "write creates missing parents" xenstore-write /basic/deep/er/node v
check "implicit parent exists" xenstore-exists /basic/deep/er
expect_eq "implicit parent has an empty value" "" \
	"$(xs xenstore-read /basic/deep/er)"
check "write an empty value" xenstore-write /basic/empty ""
expect_eq "empty value reads back empty" "" "$(xs xenstore-read /basic/empty)"
check "several writes in one call (a transaction)" \
	xenstore-write /basic/m1 one /basic/m2 two
expect_eq "several reads in one call" "one
two" "$(xs xenstore-read /basic/m1 /basic/m2)"
expect_eq "read -p prefixes the path" "/basic/m1: one" \
	"$(xs xenstore-read -p /basic/m1)"
expect_fail "read of a missing node" xenstore-read /basic/missing
expect_fail "one missing node fails a multi-read" \
	xenstore-read /basic/m1 /basic/missing

# --- relative paths resolve under /local/domain/0 ---
check "relative write" xenstore-write relnode relval
expect_eq "relative node seen absolutely" relval \
	"$(xs xenstore-read /local/domain/0/relnode)"
check "absolute write" xenstore-write /local/domain/0/rel2/x abs
expect_eq "absolute node seen relatively" abs "$(xs xenstore-read rel2/x)"
expect_match "relative list" '^x$' "$(xs xenstore-list rel2)"
check "relative rm" xenstore-rm rel2
expect_fail "relative rm removed the absolute node" \
	xenstore-exists /local/domain/0/rel2

# --- binary-safe values (xenstore-write unescapes, -R writes raw) ---
check "write escaped bytes" xenstore-write /basic/bin 'a\x00b\001\xff\n\t\\z'
expect_eq "read shows the same escapes" 'a\000b\001\xff\n\t\\z' \
	"$(xs xenstore-read /basic/bin)"
expect_eq "raw bytes are exact" "61 00 62 01 ff 0a 09 5c 7a" \
	"$(xs xenstore-read -R /basic/bin | od -An -tx1 | tr -s ' \n' '  ' |
		sed 's/^ //;s/ $//')"
check "write a value with only a NUL" xenstore-write /basic/nul '\x00'
expect_eq "NUL-only value is one byte" "00" \
	"$(xs xenstore-read -R /basic/nul | od -An -tx1 | tr -d ' \n')"
check "raw write keeps backslashes" xenstore-write -R /basic/raw 'x\ny'
expect_eq "raw value" 'x\\ny' "$(xs xenstore-read /basic/raw)"
longval=$(printf '%02000d' 7)
check "write a 2000-byte value" xenstore-write /basic/long "$longval"
expect_eq "2000-byte value reads back" "$longval" \
	"$(xs xenstore-read /basic/long)"

# --- list / ls keep creation order ---
for n in zeta alpha mid beta; do
	check "create /basic/ord/$n" xenstore-write /basic/ord/$n "v-$n"
done
expect_eq "children in creation order" "zeta
alpha
mid
beta" "$(xs xenstore-list /basic/ord)"
expect_eq "list -p prints full paths" "/basic/ord/zeta
/basic/ord/alpha
/basic/ord/mid
/basic/ord/beta" "$(xs xenstore-list -p /basic/ord)"
expect_eq "ls -f shows the subtree" '/basic/ord/zeta = "v-zeta"
/basic/ord/alpha = "v-alpha"
/basic/ord/mid = "v-mid"
/basic/ord/beta = "v-beta"' "$(xs xenstore-ls -f /basic/ord)"
check "write a nested tree" xenstore-write /basic/tree/a/b 1 /basic/tree/c 2
expect_eq "ls -f recurses depth first" '/basic/tree/a = ""
/basic/tree/a/b = "1"
/basic/tree/c = "2"' "$(xs xenstore-ls -f /basic/tree)"
expect_eq "list of a leaf is empty" "" "$(xs xenstore-list /basic/tree/c)"
expect_fail "list of a missing node" xenstore-list /basic/nope

# --- rm ---
check "rm a leaf" xenstore-rm /basic/ord/mid
expect_fail "the leaf is gone" xenstore-exists /basic/ord/mid
expect_eq "siblings keep their order" "zeta
alpha
beta" "$(xs xenstore-list /basic/ord)"
check "rm a missing node whose parent exists is OK" \
	xenstore-rm /basic/ord/never
expect_fail "rm of a node whose parent is missing fails" \
	xenstore-rm /basic/none/never
check "rm a subtree" xenstore-rm /basic/tree
expect_fail "the subtree root is gone" xenstore-exists /basic/tree
expect_fail "its descendants are gone" xenstore-exists /basic/tree/a/b
expect_fail "rm of / is refused" xenstore-rm /
check "/ survives" xenstore-exists /tool/xenstored
check "recreate after rm" xenstore-write /basic/tree/a/b again
expect_eq "recreated node" again "$(xs xenstore-read /basic/tree/a/b)"
expect_eq "recreated parent has no stale children" b \
	"$(xs xenstore-list /basic/tree/a)"
check "prepare tidy" xenstore-write /basic/tidy/x/y/z 1 /basic/tidy/keep 2
check "rm -t" xenstore-rm -t /basic/tidy/x/y/z
expect_fail "rm -t removed the empty parent chain" \
	xenstore-exists /basic/tidy/x
check "rm -t stops at a non-empty parent" xenstore-exists /basic/tidy/keep

# --- malformed paths are refused (EINVAL) and change nothing ---
expect_fail "space in a path" xenstore-write '/basic/a b' x
expect_fail "double slash" xenstore-write /basic//x x
expect_fail "trailing slash" xenstore-write /basic/x/ x
expect_fail "bad character" xenstore-read '/basic/a$'
expect_fail "empty path" xenstore-read ""
expect_fail "path over 3072 characters" \
	xenstore-write "/$(printf '%03100d' 0)" x
expect_no_match "nothing was created by bad writes" '(a b|^x$)' \
	"$(xs xenstore-list /basic)"

# --- punctuation allowed in names ---
check "names may use - _ @" xenstore-write /basic/a-b_c@d ok
expect_eq "read it" ok "$(xs xenstore-read /basic/a-b_c@d)"

# --- a second client sees the first one's writes at once ---
check "write" xenstore-write /basic/shared 1
expect_eq "another connection reads it" 1 "$(xs xenstore-read /basic/shared)"

finish
