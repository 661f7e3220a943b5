#!/bin/sh
# cxenstored.sh: run Debian's C xenstored 4.17 with xenbackd's command line
# (-N --socket PATH [flags]) under the fakexen.c shim, so that any
# integration test can be pointed at the reference implementation:
#
#	sh tests/integration/basic.sh tests/integration/oracle/cxenstored.sh \
#		build/tests/integration/xsclient build/tests/integration/rawclient
#
# Needs package xen-utils-4.17 and a C compiler.  SIGTERM exits 0.
set -u
here=$(cd "$(dirname "$0")" && pwd)
xsd=${CXENSTORED:-/usr/lib/xen-4.17/bin/xenstored}
[ -x "$xsd" ] || { echo "cxenstored: $xsd missing (xen-utils-4.17)" >&2; exit 2; }
so=${TMPDIR:-/tmp}/xbd-fakexen-$(id -u).so
if [ ! -f "$so" ] || [ "$here/fakexen.c" -nt "$so" ]; then
	cc -shared -fPIC -O1 -o "$so.$$" "$here/fakexen.c" -ldl &&
		mv "$so.$$" "$so" || exit 2
fi
sock=
args=
while [ $# -gt 0 ]; do
	case "$1" in
	--socket) sock=$2; shift 2 ;;
	-N) shift ;;
	*) args="$args $1"; shift ;;
	esac
done
[ -n "$sock" ] || { echo "cxenstored: --socket PATH needed" >&2; exit 2; }
# C xenstored listens on $XENSTORED_RUNDIR/socket.
[ "$(basename "$sock")" = socket ] ||
	{ echo "cxenstored: the socket must be named 'socket'" >&2; exit 2; }
echo "listening on $sock (Debian C xenstored under fakexen)" >&2
# shellcheck disable=SC2086
XENSTORED_RUNDIR=$(dirname "$sock") LD_PRELOAD=$so "$xsd" -N $args &
child=$!
trap 'kill $child; wait $child; exit 0' TERM INT
wait $child
