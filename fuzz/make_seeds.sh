#!/bin/sh
# make_seeds.sh: write the seed corpora fuzz/corpus/<harness>/ from the
# input formats described at the top of fuzz_*.c (and docs/fuzzing.md).
# Run it again after changing those formats; the files are small and
# deterministic, so they can be committed.
#
# The constants below document the formats; not all are used yet.
# shellcheck disable=SC2034
set -eu

here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here/corpus}

# b N...: raw bytes (decimal or 0x..).
b() {
	for x in "$@"; do
		# shellcheck disable=SC2059
		printf "\\$(printf %03o "$((x))")"
	done
}

# s STRING: the string's bytes, no NUL.
s() { printf %s "$1"; }

# ---- fuzz_proto: 7 control bytes, then the payload ----
# control: domid selector, out size selector, uint max / split size,
# a raw perm (domid lo, hi, perm, ignore).
mkdir -p "$out/fuzz_proto"
proto() {
	name=$1
	shift
	{
		b 1 12 8 5 0 1 0
		# The payload is a printf format, for its \0 escapes.
		# shellcheck disable=SC2059
		printf "$@"
	} >"$out/fuzz_proto/$name"
}
proto abs '/local/domain/1/device'
proto rel 'device/vif/0/state'
proto special '@introduceDomain'
proto special_sub '@releaseDomain/7'
proto root '/'
proto bad_slashes '/a//b'
proto trailing '/a/b/'
proto at_inside '/a@b'
proto perm_read 'r5'
proto perm_hex 'b0x7ff5'
proto perm_octal 'w010'
proto perm_bad 'x1'
proto number '4294967295'
proto args 'a\0b\0c\0'
proto quota_home '/local/domain/123/x'
proto unterminated 'abc'
{
	b 0xf3 0xc5 9 0xff 0xff 7 1
	s 'rel'
} >"$out/fuzz_proto/small_buffer"

# ---- fuzz_ring: kind, cons, prod, then [op][len16][bytes] ----
mkdir -p "$out/fuzz_ring"
ring() { cat >"$out/fuzz_ring/$1"; }
# le32 N: four little-endian bytes.
le32() { b $(($1 & 255)) $(($1 >> 8 & 255)) $(($1 >> 16 & 255)) $(($1 >> 24 & 255)); }
{
	b 0; le32 0; le32 0
	b 1 10 0; s 'abcdefghij'
	b 2 0 0
	b 0 10 0
} | ring xs_basic
{
	b 0; le32 0xfffffff0; le32 0xfffffff0
	b 1 100 0; head -c 100 /dev/zero | tr '\0' x
	b 0 50 0
	b 1 0 4; head -c 1024 /dev/zero | tr '\0' y
	b 0 0 16
} | ring wrap
{
	b 0; le32 0; le32 2000
	b 0 10 0
	b 1 1 0; s z
	b 2 0 0
	b 4 0xd0 0x07
	b 0 10 0
} | ring corrupt
{
	b 1; le32 5; le32 5
	b 1 0xb8 0x0b; head -c 3000 /dev/zero | tr '\0' c
	b 0 0 16
	b 3 1 0
	b 0 1 0
} | ring console
{
	b 4; le32 1000; le32 1000
	b 1 0 1; head -c 256 /dev/zero | tr '\0' q
	b 0 0 1
	b 3 0 8
	b 0 1 0
} | ring xs_page_req
{
	b 5; le32 0; le32 0
	b 1 0 4; head -c 1024 /dev/zero | tr '\0' r
	b 1 1 0; s s
	b 0 0 4
} | ring xs_page_rsp

# ---- fuzz_store: a flags byte, then operations ----
mkdir -p "$out/fuzz_store"
# Flags.
F_SMALL=1 F_TINY=2 F_KEEP=4 F_OUTQ=8 F_HOOKS=16 F_SETUP=32 F_RAW=64
F_SAME=128
# Request types (indices into req_types[] in fuzz_store.c).
READ=0 WRITE=2 MKDIR=6 RM=7 DIR=9 DIRPART=10 GETPERMS=11 SETPERMS=12
WATCH=14 UNWATCH=16 TSTART=17 TEND=19 INTRO=21 RELEASE=22 RESUME=23
SETTARGET=24 GDP=25 ISINTRO=26 RESETW=27 GETFEAT=28 SETFEAT=29 GETQ=30
SETQ=31 CONTROL=32
# Paths (indices into paths[]).
P_ROOT=0 P_A=1 P_AB=2 P_ABC=3 P_REL=8 P_D1=13 P_D1DATA=14 P_D1DATAX=15
P_D2DATA=17 P_DATA=20 P_DATAX=21 P_DATAXY=22 P_TOOL=24 P_INTRO=25 P_RELEASE=26
# Other operations (low six bits of the op byte).
OP_SHUTDOWN=37 OP_GONE=38 OP_RAW=40 OP_PIN=45 OP_BLOCK=46 OP_UNBLOCK=50
OP_TRICKLE=54 OP_RECONNECT=56 OP_SPLIT=58 OP_REPEAT=61

# req CONN TYPE TXCHOICE: an op byte, the type, the tx_id choice
# (0: none, 2: the connection's newest transaction).
req() { b $(($1 << 6)) "$2" "$3"; }
# val STRING: a short value (under 24 bytes).
val() {
	b ${#1}
	s "$1"
}
# end: the payload is left as built.
end() { b 0; }
op() { b $(($1 << 6 | $2)); }

seed() { cat >"$out/fuzz_store/$1"; }

{
	b $F_SETUP
	req 0 $WRITE 0; b $P_AB; val hello; end
	req 0 $READ 0; b $P_AB; end
	req 0 $DIR 0; b $P_A; end
	req 0 $DIRPART 0; b $P_A 0; end
	req 0 $GETPERMS 0; b $P_AB; end
	req 0 $RM 0; b $P_A; end
	req 0 $READ 0; b $P_AB; end
} | seed basic

{
	b $F_SETUP
	req 1 $WATCH 0; b $P_DATA 1 0; end
	req 0 $WATCH 0; b $P_ROOT 0 0; end
	req 0 $WRITE 0; b $P_D1DATAX; val x; end
	req 1 $WRITE 0; b $P_DATAX; val y; end
	req 1 $RM 0; b $P_DATA; end
	req 1 $UNWATCH 0; b $P_DATA 1; end
} | seed watches

{
	b $F_SETUP
	req 1 $TSTART 0; end
	req 1 $WRITE 2; b $P_DATAX; val in-tx; end
	req 1 $READ 2; b $P_DATAX; end
	req 1 $DIR 2; b $P_DATA; end
	req 1 $TEND 2; b 1; end
	req 1 $READ 0; b $P_DATAX; end
} | seed transaction

{
	b $F_SETUP
	req 1 $TSTART 0; end
	req 1 $READ 2; b $P_DATAX; end
	req 2 $WRITE 0; b $P_D1DATAX; val other; end
	req 0 $WRITE 0; b $P_D1DATAX; val dom0; end
	req 1 $WRITE 2; b $P_DATAX; val mine; end
	req 1 $RM 2; b $P_DATA; end
	req 1 $TEND 2; b 1; end
} | seed transaction_conflict

{
	b $((F_SETUP | F_TINY))
	req 1 $WRITE 0; b $P_DATAX; val 1; end
	req 1 $WRITE 0; b $P_DATA; b 0xf5; end
	req 1 $MKDIR 0; b 0xe1 0x03; end
	req 1 $WATCH 0; b $P_DATA 1 0; end
	req 1 $WATCH 0; b $P_DATAX 1 0; end
	req 1 $WATCH 0; b $P_REL 1 0; end
	req 1 $TSTART 0; end
	req 1 $TSTART 0; end
} | seed quotas

{
	b $F_SETUP
	req 1 $SETPERMS 0; b $P_DATA 2 0x10 0x21; end
	req 2 $READ 0; b $P_D1DATA; end
	req 1 $SETPERMS 0; b $P_DATA 1 0x20; end
	req 0 $SETPERMS 0; b $P_INTRO 2 0x00 0x11; end
	req 1 $WATCH 0; b $P_INTRO 1 0; end
	req 0 $INTRO 0; b 3 1 3; end
	req 0 $SETTARGET 0; b 3 1; end
	req 0 $RELEASE 0; b 3; end
} | seed perms_domains

{
	b $F_HOOKS
	req 0 $CONTROL 0; b 0x00; end
	req 0 $CONTROL 0; b 0x02; end
	req 0 $CONTROL 0; b 0x10 1; end
	req 0 $CONTROL 0; b 0x13 1; end
	req 0 $CONTROL 0; b 0x28 0 4; end
	req 0 $GETQ 0; b 0; end
	req 0 $GETQ 0; b 3 1 0; end
	req 0 $SETQ 0; b 3 1 0 4; end
	req 1 $GETQ 0; b 0; end
	req 0 $GETFEAT 0; b 1 1; end
	req 0 $SETFEAT 0; b 3 0; end
	req 0 $GDP 0; b 4; end
	req 0 $ISINTRO 0; b 1; end
	req 0 $RESUME 0; b 1; end
} | seed control

{
	b $F_SETUP
	op 1 $OP_BLOCK
	req 1 $WATCH 0; b $P_DATA 1 0; end
	req 0 $WRITE 0; b $P_D1DATAX; val 1; end
	req 0 $WRITE 0; b $P_D1DATAX; val 2; end
	req 1 $READ 0; b $P_DATAX; end
	op 1 $OP_TRICKLE; b 5
	op 1 $OP_UNBLOCK
	op 2 $OP_RECONNECT
	op 0 $OP_SPLIT; b $WRITE 0 $P_A; val split; end; b 9
	op 0 $OP_REPEAT; b $READ 0 $P_A; end; b 3
	req 1 $RESETW 0; end
	op 3 $OP_TRICKLE; b 0xff
	req 3 $WATCH 0; b $P_ROOT 0 0; end
	req 0 $WRITE 0; b $P_A; val x; end
	op 2 $OP_TRICKLE; b 0xfe
	req 2 $READ 0; b $P_A; end
} | seed flow

{
	b $F_SETUP
	req 1 $WATCH 0; b $P_DATA 1 0; end
	req 0 $WATCH 0; b $P_RELEASE 0 0; end
	op 0 $OP_SHUTDOWN; b 1
	op 0 $OP_SHUTDOWN; b 1
	req 0 $RESUME 0; b 1; end
	op 2 $OP_PIN
	op 0 $OP_GONE; b 2
	req 0 $INTRO 0; b 2 1 5; end
	req 2 $READ 0; b $P_DATA; end
} | seed lifecycle

{
	# Two transactions that fit the node quota one at a time only: they
	# touch different parents, so the second fails with ENOSPC, not EAGAIN.
	b $F_SETUP
	req 0 $SETQ 0; b 3 1 0 3; end
	req 1 $WRITE 0; b $P_DATAX; val a; end
	req 1 $TSTART 0; end
	req 1 $WRITE 2; b 0xf0 8; s data/x/a; val b; end
	req 1 $TSTART 0; end
	req 1 $WRITE 2; b 0xf0 6; s data/q; val c; end
	req 1 $TEND 5; b 1; end
	req 1 $TEND 2; b 1; end
} | seed transaction_quota

{
	b $F_RAW
	# conn 0: a READ of "/" in two chunks, then an oversized header.
	b 0 12 0; b 2 0 0 0 7 0 0 0 0 0 0 0
	b 0 6 0; b 2 0 0 0; s /; b 0
	b 1 16 0; b 2 0 0 0 1 0 0 0 0 0 0 0 0x01 0x10 0 0
} | seed raw

echo "seeds written to $out"
