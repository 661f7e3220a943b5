#!/bin/sh
# lab.sh: the whole lab end to end: xensim, xenbackd on it, the toolstack
# (xensim-xl) and guests (xensim-guest), checked through xenstore-*.
#   lab.sh XENSIM XENSIM_XL XENSIM_GUEST XENBACKD
# Exits 77 (skipped) when Debian's xenstore-utils are missing.
set -u
XENSIM=$1 XL=$2 GUEST=$3 XENBACKD=$4
command -v xenstore-read >/dev/null 2>&1 || exit 77

dir=$(mktemp -d /tmp/xensim-lab.XXXXXX)
export XENSIM_SOCKET="$dir/sim.sock" XENSTORED_PATH="$dir/xs.sock"
pids=""
fail=0

cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null; done
	for p in $pids; do wait "$p" 2>/dev/null; done
	rm -rf "$dir"
}
trap cleanup EXIT INT TERM

bad() {
	echo "FAIL: $*" >&2
	fail=1
}

# Wait up to 5 s for a command to succeed.
wait_for() {
	i=0
	while ! "$@" >/dev/null 2>&1; do
		i=$((i + 1))
		[ $i -gt 50 ] && return 1
		sleep 0.1
	done
}

has_value() { [ "$(xenstore-read "$1" 2>/dev/null)" = "$2" ]; }
gone() { ! xenstore-read "$1" >/dev/null 2>&1; }
no_domain() { ! "$XL" list | awk '{print $2}' | grep -qx "$1"; }

"$XENSIM" --socket "$XENSIM_SOCKET" >"$dir/sim.log" 2>&1 &
pids="$!"
wait_for test -S "$XENSIM_SOCKET" || { echo "no xensim" >&2; exit 1; }
"$XENBACKD" -N --socket "$XENSTORED_PATH" --log=all --log-dir="$dir" \
	--hypervisor "sim:$XENSIM_SOCKET" >"$dir/xenbackd.log" 2>&1 &
pids="$! $pids"
wait_for xenstore-ls / || { cat "$dir/xenbackd.log" >&2; exit 1; }

# xl create: the nodes, their permissions, INTRODUCE.
"$XL" create vm1 >/dev/null || bad "create vm1"
has_value /local/domain/1/name vm1 || bad "name"
has_value /local/domain/1/domid 1 || bad "domid"
has_value /local/domain/1/console/type xenconsoled || bad "console/type"
xenstore-ls -p /local/domain/1 | grep -q 'control = "".*(n0,r1)' ||
	bad "control perms"
xenstore-ls -p /local/domain/1/control | grep -q 'shutdown = "".*(n1)' ||
	bad "control/shutdown perms"

# A guest boots over its ring: it writes its own nodes.
"$GUEST" --domid 1 -q &
g1=$!
pids="$g1 $pids"
wait_for has_value /local/domain/1/control/feature-poweroff 1 ||
	bad "guest 1 did not boot"

# Round trips checked by the guest itself.
"$XL" create vm2 >/dev/null || bad "create vm2"
"$GUEST" --domid 2 -q --workload rw --iterations 100 || bad "rw workload"

# xl shutdown: through control/shutdown; the guest stops itself.
"$XL" shutdown -w 1 || bad "shutdown -w 1"
wait "$g1" || bad "guest 1 exit status"
# Dying until the store lets go of its ring, then gone.
wait_for no_domain 1 || bad "domain 1 still listed"
wait_for gone /local/domain/1 || bad "/local/domain/1 left behind"

# A reused domid starts afresh.
"$XL" create vm3 >/dev/null || bad "create vm3"
has_value /local/domain/1/name vm3 || bad "domid 1 not reused"
"$GUEST" --domid 1 -q --workload rw --iterations 20 ||
	bad "rw on a reused domid"

# A hostile guest does not stop the others.
"$XL" create evil >/dev/null || bad "create evil"
"$GUEST" --domid 3 -q --workload hostile:index || bad "hostile guest"
"$GUEST" --domid 2 -q --workload rw --iterations 20 ||
	bad "rw after a hostile guest"
"$XL" destroy 3 || bad "destroy 3"
wait_for gone /local/domain/3 || bad "/local/domain/3 left behind"

# The console: libxl waits for the pty; the guest's lines reach the log.
"$XL" create con --wait-tty 10 >/dev/null || bad "create con --wait-tty"
xenstore-read /local/domain/3/console/tty | grep -q '^/dev/pts/' ||
	bad "console/tty"
"$GUEST" --domid 3 -q --workload console --iterations 20 ||
	bad "console workload"
wait_for grep -q "domain 3 line 19" "$dir/guest-con.log" ||
	bad "console log"

# The hypervisor's console, through VIRQ_CON_RING.
wait_for grep -q "(XEN) d3: created" "$dir/hypervisor.log" ||
	bad "hypervisor.log"

# Many at once.
"$XL" create many -n 200 >/dev/null || bad "create 200"
"$GUEST" --all -q --workload rw --iterations 5 || bad "200 guests"
[ "$("$XL" list | wc -l)" -eq 205 ] || bad "list after 200"

[ $fail -eq 0 ] || { tail -20 "$dir/xenbackd.log" >&2; exit 1; }
echo "ok lab"
