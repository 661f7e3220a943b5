#!/bin/sh
# PID 1 of the test guest (a PV domU started by dom0-init.sh with xl).
#
# Prints the marker Dom0 times, then tests its own XenStore access over
# the ring (Debian's xenstore-* on /dev/xen/xenbus) and publishes the
# outcome in data/result; echoes one line typed on its console into
# data/input; then answers pings (data/ping -> data/pong) until destroyed
# or shut down.  Every line it
# prints goes to its PV console, which xenbackd (or xenconsoled) logs.
export PATH=/usr/sbin:/usr/bin
/bin/busybox --install -s
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null

token=none
for w in $(cat /proc/cmdline); do
	case $w in
	xbd.token=*) token=${w#xbd.token=} ;;
	esac
done
echo "XBD-GUEST-MARKER $token uptime=$(cut -d' ' -f1 /proc/uptime)"

fails=""
# check NAME CMD...: run a command, note a failure by name.
check()
{
	_n=$1
	shift
	if _o=$(timeout 10 "$@" 2>&1); then
		echo "XBD-GUEST ok $_n"
	else
		echo "XBD-GUEST FAIL $_n: $_o"
		fails="$fails $_n"
	fi
}

domid=$(timeout 10 xenstore-read domid 2>&1)
case $domid in
'' | *[!0-9]*)
	echo "XBD-GUEST FAIL read-domid: $domid"
	fails="$fails read-domid"
	domid=unknown
	;;
*) echo "XBD-GUEST ok read-domid $domid" ;;
esac
home=/local/domain/$domid

name=$(timeout 10 xenstore-read name 2>&1)
echo "XBD-GUEST name '$name'"
check write-relative xenstore-write data/xbd-test "hello-$token"
got=$(timeout 10 xenstore-read "$home/data/xbd-test" 2>&1)
if [ "$got" = "hello-$token" ]; then
	echo "XBD-GUEST ok read-back"
else
	echo "XBD-GUEST FAIL read-back: '$got'"
	fails="$fails read-back"
fi
check list-home xenstore-ls "$home"
check rm-own sh -c "xenstore-write data/tmp x && xenstore-rm data/tmp &&
	! xenstore-exists data/tmp"

# Another domain's nodes and the tool tree are not ours.
if timeout 10 xenstore-read /local/domain/0/name >/dev/null 2>&1; then
	echo "XBD-GUEST FAIL perm-read: read dom0's name"
	fails="$fails perm-read"
else
	echo "XBD-GUEST ok perm-read"
fi
if timeout 10 xenstore-write /tool/xbd-guest x >/dev/null 2>&1; then
	echo "XBD-GUEST FAIL perm-write: wrote /tool/xbd-guest"
	fails="$fails perm-write"
else
	echo "XBD-GUEST ok perm-write"
fi

# The vif: netfront connects to Dom0's netback through the store.
insmod "/lib/modules/$(uname -r)/xen-netfront.ko"
i=0
while [ "$(timeout 10 xenstore-read device/vif/0/state 2>/dev/null)" != 4 ] &&
	[ $i -lt 200 ]; do
	sleep 0.1
	i=$((i + 1))
done
if ip link show eth0 >/dev/null 2>&1 &&
	[ "$(xenstore-read device/vif/0/state)" = 4 ]; then
	echo "XBD-GUEST ok vif"
else
	echo "XBD-GUEST FAIL vif: state $(xenstore-read device/vif/0/state 2>&1)"
	fails="$fails vif"
fi

# A watch over the ring: the initial event, then one for our write.
timeout 20 xenstore-watch -n 2 "$home/data/w" >/tmp/watch.out 2>&1 &
wpid=$!
i=0
while [ ! -s /tmp/watch.out ] && [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
xenstore-write data/w 1
if wait $wpid && [ "$(wc -l </tmp/watch.out)" -ge 2 ]; then
	echo "XBD-GUEST ok watch"
else
	echo "XBD-GUEST FAIL watch: $(cat /tmp/watch.out)"
	fails="$fails watch"
fi

# Latency over the ring: 30 reads, one process each; the slowest one
# tells a lost notification (a stall until the store's safety scan) from
# the cost of starting a process under emulation.
t0=$(cut -d' ' -f1 /proc/uptime)
max=0
i=0
while [ $i -lt 30 ]; do
	a=$(cut -d' ' -f1 /proc/uptime)
	xenstore-read domid >/dev/null 2>&1
	b=$(cut -d' ' -f1 /proc/uptime)
	max=$(awk -v a="$a" -v b="$b" -v m="$max" \
		'BEGIN { d = b - a; printf "%.2f", (d > m ? d : m) }')
	i=$((i + 1))
done
total=$(awk -v a="$t0" -v b="$(cut -d' ' -f1 /proc/uptime)" \
	'BEGIN { printf "%.2f", b - a }')
echo "XBD-GUEST-LATENCY reads=30 total=$total max=$max"
xenstore-write data/latency "$total $max"

if [ -z "$fails" ]; then
	result=PASS
else
	result="FAIL:$(echo $fails | tr ' ' ',')"
fi
echo "XBD-GUEST-RESULT $result"
xenstore-write data/result "$result"

# Keyboard input: Dom0 writes a line into our console's pty.
if read -r line; then
	echo "XBD-GUEST-GOT $line"
	xenstore-write data/input "$line"
fi

# Answer pings: data/ping -> data/pong, as long as our ring works (also
# across a suspend and resume).
xenstore-watch data/ping 2>/dev/null | while read -r _path; do
	v=$(xenstore-read data/ping 2>/dev/null) &&
		xenstore-write data/pong "$v"
done
echo "XBD-GUEST ping watch ended"
while :; do
	sleep 60
done
