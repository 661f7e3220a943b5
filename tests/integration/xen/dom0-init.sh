#!/bin/sh
# PID 1 of the test Dom0 (see run.sh, which parses what this prints).
#
# The kernel command line picks the daemons: xbd.mode=xenbackd (default)
# runs xenbackd as the only xenstored (and, when it has a console backend,
# the only xenconsoled), with an empty capability bounding set as the
# systemd unit runs it; xbd.mode=debian runs Debian's xenstored and
# xenconsoled instead, for the timing baseline and to show the checks hold
# for the real thing.  Each mode gets a freshly booted Dom0: the kernel's
# own watches (its backend bus) die with the store that held them.
#
# Checks (the list is in docs/real-xen.md): the socket answers, the Dom0
# kernel's xenbus connects over the xsd_kva ring, xen-init-dom0,
# hypervisor.log, `xl create` of a PV guest that prints a marker and tests
# its own XenStore access, its vif (netfront in the guest, netback in Dom0's
# kernel: a kernel-to-kernel handshake through the store), the console log,
# console/tty, keyboard input through the pty, pings through a guest's
# watch, a second INTRODUCE, `xl list`, `xl destroy` (nodes gone,
# @releaseDomain), a second guest on the reused domid, `xl save -c`
# (suspend, RESUME), `xl shutdown -w`, and a clean SIGTERM.
#
# Output protocol (on the serial console):
#   XBD-RESULT <check> PASS|FAIL|SKIP [detail]
#   XBD-TIME <label> <seconds>
#   XBD-INFO <text>
#   XBD-END
# Every wait is bounded; at the end Dom0 reboots, which ends QEMU.
export PATH=/usr/sbin:/usr/bin:/usr/lib/xen-4.17/bin
export LIBXL_DOMID_REUSE_TIMEOUT=0
# A sanitizer build of xenbackd: report everything, keep going.
export ASAN_OPTIONS=detect_leaks=1:halt_on_error=0
export UBSAN_OPTIONS=print_stacktrace=1
XBD_CONSOLE=xenconsoled
XBD_SAMPLES=2
XBD_KVER=
. /etc/xbd-test.conf

LOGDIR=/var/log/xen
GUEST_DOMID=5 # every guest gets this domid: the reuse test
XBD_PID=
REL_PID=

result()
{
	echo "XBD-RESULT $1 $2${3:+ $3}"
}

pass()
{
	result "$1" PASS "${2:-}"
}

fail()
{
	result "$1" FAIL "$2"
}

skip()
{
	result "$1" SKIP "$2"
}

info()
{
	echo "XBD-INFO $*"
}

now()
{
	cut -d' ' -f1 /proc/uptime
}

since()
{
	awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }'
}

# wait_for TENTHS CMD...: retry CMD every 0.1 s until it succeeds.
wait_for()
{
	_n=$1
	shift
	_i=0
	while [ $_i -lt "$_n" ]; do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
		_i=$((_i + 1))
	done
	return 1
}

alive()
{
	[ -n "$1" ] && [ -d "/proc/$1" ] &&
		! grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null
}

# show FILE PREFIX [LINES]: a log, prefixed, onto the console.
show()
{
	[ -s "$1" ] || return 0
	tail -n "${3:-40}" "$1" | sed "s|^|$2: |"
}

finish()
{
	echo "XBD-END"
	sync
	reboot -f
	sleep 10
}

setup()
{
	/bin/busybox --install -s
	mount -t proc proc /proc
	mount -t sysfs sysfs /sys
	mount -t devtmpfs devtmpfs /dev
	mkdir -p /dev/pts /dev/shm
	mount -t devpts -o gid=5,mode=620,ptmxmode=666 devpts /dev/pts
	mount -t tmpfs -o mode=755 run /run
	mount -t tmpfs tmpfs /tmp
	mkdir -p /run/lock /run/xen /run/xenstored /var/lib/xen \
		$LOGDIR/console /etc/xen
	for m in xen-evtchn xen-privcmd xenfs xen-gntdev xen-gntalloc \
		xen-netback; do
		insmod "/lib/modules/$XBD_KVER/$m.ko" ||
			info "insmod $m failed"
	done
	mount -t xenfs xenfs /proc/xen || info "cannot mount xenfs"
	# Keep stray kernel messages off the results.
	echo 3 >/proc/sys/kernel/printk
	cat >/etc/xen/xl.conf <<-EOF
		autoballoon="off"
		domid_policy="random"
	EOF
	# The guests' vif: no bridge; the hotplug script only reports.
	mkdir -p /etc/xen/scripts
	cat >/etc/xen/scripts/vif-xbd <<-'EOF'
		#!/bin/sh
		case $1 in
		online | add)
			xenstore-write "$XENBUS_PATH/hotplug-status" connected ;;
		esac
		exit 0
	EOF
	chmod 755 /etc/xen/scripts/vif-xbd
	# domid_policy=random reads two bytes of /dev/urandom: give xl a
	# file with GUEST_DOMID instead (see xl_create), so each guest
	# reuses the domid of the one before.
	printf "\\$(printf %o $GUEST_DOMID)\\000" >/etc/xbd-domid
}

# diagnose: what Dom0 looks like after a failure.
diagnose()
{
	info "diagnosis: xl list"
	timeout 10 xl list 2>&1 | sed 's/^/  xl list: /'
	info "diagnosis: processes"
	ps -o pid,ppid,stat,args | grep -v ' ps -o' | sed 's/^/  ps: /'
	for _f in $LOGDIR/xl-*.log; do
		show "$_f" "  $(basename "$_f")" 10
	done
}

# guest_cfg NAME TOKEN: the xl config of a test guest.
guest_cfg()
{
	cat >"/etc/xen/$1.cfg" <<-EOF
		name = "$1"
		type = "pv"
		kernel = "/boot/vmlinux"
		ramdisk = "/boot/guest.cpio.gz"
		extra = "console=hvc0 rdinit=/init quiet loglevel=1 xbd.token=$2"
		memory = 128
		vcpus = 1
		on_poweroff = "destroy"
		on_reboot = "destroy"
		on_crash = "destroy"
		vif = [ "mac=00:16:3e:00:00:$GUEST_DOMID,script=vif-xbd" ]
	EOF
}

# xl_create NAME: `xl create` with /dev/urandom replaced (see setup).
xl_create()
{
	timeout 60 unshare -m sh -c \
		'mount --bind /etc/xbd-domid /dev/urandom &&
		 exec xl create -q "$0"' "/etc/xen/$1.cfg" \
		>"/tmp/xl-create-$1.out" 2>&1
}

marker_in()
{
	grep -q "XBD-GUEST-MARKER $2" "$1"
}

# release_events: how many @releaseDomain events the watcher has seen.
release_events()
{
	wc -l </tmp/release.watch 2>/dev/null || echo 0
}

# start_release_watch: record @releaseDomain events (first is the arming).
start_release_watch()
{
	: >/tmp/release.watch
	xenstore-watch @releaseDomain >/tmp/release.watch 2>&1 &
	REL_PID=$!
	wait_for 50 test -s /tmp/release.watch ||
		info "@releaseDomain watch gave no initial event"
}

stop_release_watch()
{
	[ -n "$REL_PID" ] && kill "$REL_PID" 2>/dev/null
	REL_PID=
}

# guest_up PHASE NAME [CHECKS]: create a guest and time it to its marker.
# CHECKS=1 also runs the console and XenStore checks.  Sets DOMID.
guest_up()
{
	_ph=$1 _name=$2 _checks=${3:-0}
	_token="$_name-$$-$(cut -d. -f1 /proc/uptime)"
	_log=$LOGDIR/console/guest-$_name.log
	DOMID=
	guest_cfg "$_name" "$_token"
	_t0=$(now)
	if ! xl_create "$_name"; then
		fail "$_ph.$_name.xl_create" \
			"$(tr '\n' ' ' <"/tmp/xl-create-$_name.out" | cut -c1-600)"
		diagnose
		return 1
	fi
	_tc=$(since "$_t0")
	pass "$_ph.$_name.xl_create" "${_tc}s"
	echo "XBD-TIME $_ph.xl_create $_tc"
	DOMID=$(xl domid "$_name" 2>/dev/null)
	info "$_name is domain $DOMID"
	if wait_for 600 marker_in "$_log" "$_token"; then
		_tm=$(since "$_t0")
		_up=$(sed -n "s/.*XBD-GUEST-MARKER $_token uptime=\([0-9.]*\).*/\1/p" "$_log")
		pass "$_ph.$_name.marker" \
			"${_tm}s after xl create started (guest uptime ${_up}s)"
		echo "XBD-TIME $_ph.create_to_marker $_tm"
		echo "XBD-TIME $_ph.guest_uptime_at_marker $_up"
	else
		fail "$_ph.$_name.marker" "no marker in $_log within 60 s"
		show "$_log" "$_name.console" 20
		return 1
	fi
	[ "$_checks" = 1 ] || return 0

	if [ "$DOMID" = "$GUEST_DOMID" ]; then
		pass "$_ph.$_name.domid" "$DOMID"
	else
		fail "$_ph.$_name.domid" "got '$DOMID', wanted $GUEST_DOMID"
	fi
	if xl list | grep -q "^$_name "; then
		pass "$_ph.$_name.xl_list"
	else
		fail "$_ph.$_name.xl_list" "$(xl list 2>&1 | tr '\n' ' ')"
	fi
	_home=/local/domain/$DOMID
	if wait_for 600 xenstore-read "$_home/data/result"; then
		_r=$(xenstore-read "$_home/data/result")
		if [ "$_r" = PASS ]; then
			pass "$_ph.$_name.guest_xenstore" \
				"$(xenstore-read "$_home/data/xbd-test")"
			set -- $(xenstore-read "$_home/data/latency")
			echo "XBD-TIME $_ph.guest_30_reads ${1:-}"
			echo "XBD-TIME $_ph.guest_slowest_read ${2:-}"
		else
			fail "$_ph.$_name.guest_xenstore" "guest says $_r"
			grep 'XBD-GUEST' "$_log" | sed "s|^|$_name: |"
		fi
	else
		fail "$_ph.$_name.guest_xenstore" "no data/result within 60 s"
		show "$_log" "$_name.console" 20
	fi
	# Dom0's kernel (netback, over Dom0's ring) and the guest's
	# (netfront, over its ring) meet through the store.
	_be=/local/domain/0/backend/vif/$DOMID/0
	if wait_for 200 sh -c "[ \"\$(xenstore-read $_be/state)\" = 4 ]"; then
		pass "$_ph.$_name.vif_connected" "netback and netfront"
	else
		fail "$_ph.$_name.vif_connected" \
			"backend state '$(xenstore-read "$_be/state" 2>&1)', frontend '$(xenstore-read "$_home/device/vif/0/state" 2>&1)'"
	fi
	_tty=$(xenstore-read "$_home/console/tty" 2>/dev/null)
	if [ -n "$_tty" ] && [ -c "$_tty" ]; then
		pass "$_ph.$_name.console_tty" "$_tty"
		_in="typed-$_token"
		timeout 5 sh -c 'printf "%s\n" "$1" >"$2"' sh "$_in" "$_tty"
		if wait_for 300 sh -c \
			"[ \"\$(xenstore-read $_home/data/input)\" = $_in ]"; then
			pass "$_ph.$_name.console_input"
		else
			fail "$_ph.$_name.console_input" \
				"guest did not read '$_in' within 30 s"
		fi
	else
		fail "$_ph.$_name.console_tty" "console/tty is '$_tty'"
		skip "$_ph.$_name.console_input" "no pty"
	fi
	if grep -q "XBD-GUEST-RESULT" "$_log"; then
		pass "$_ph.$_name.console_log" "$_log"
	else
		fail "$_ph.$_name.console_log" "no guest output in $_log"
	fi
	if ping_guest "$DOMID" first; then
		pass "$_ph.$_name.ping"
	else
		fail "$_ph.$_name.ping" "no data/pong within 10 s"
	fi
	reintroduce "$_ph" "$_name"
}

# reintroduce PHASE NAME: INTRODUCE again with the same ring and port (a
# toolstack's way to rebind the store's event channel): accepted, and the
# guest's ring must go on working.
reintroduce()
{
	if [ "$1" = debian ]; then
		# 4.17's xenstored unbinds and rebinds the channel, after
		# which this guest's ring stops (no ping, no suspend): not a
		# baseline to hold xenbackd to.
		skip "$1.$2.reintroduce" "C xenstored 4.17 breaks the ring"
		return 0
	fi
	if ! command -v xs-introduce >/dev/null 2>&1; then
		skip "$1.$2.reintroduce" "no xs-introduce (no compiler?)"
		return 0
	fi
	_mfn=$(xenstore-read "/local/domain/$DOMID/store/ring-ref")
	_port=$(xenstore-read "/local/domain/$DOMID/store/port")
	_out=$(timeout 10 xs-introduce "$DOMID" "$_mfn" "$_port" 2>&1)
	if [ "$_out" = "INTRODUCE: OK" ]; then
		pass "$1.$2.reintroduce"
	else
		fail "$1.$2.reintroduce" \
			"domain $DOMID, mfn $_mfn, port $_port: $_out"
	fi
	if ping_guest "$DOMID" reintroduced; then
		pass "$1.$2.ping_after_reintroduce"
	else
		fail "$1.$2.ping_after_reintroduce" "no data/pong within 10 s"
	fi
}

# ping_guest DOMID VALUE: the guest answers data/ping through its ring.
ping_guest()
{
	xenstore-write "/local/domain/$1/data/ping" "$2" &&
		wait_for 100 sh -c \
			"[ \"\$(xenstore-read /local/domain/$1/data/pong)\" = $2 ]"
}

# guest_checkpoint PHASE NAME: `xl save -c` suspends the guest (a shutdown
# the store reports with @releaseDomain), saves it and resumes it (RESUME:
# the next shutdown must fire @releaseDomain again); its ring must work on.
guest_checkpoint()
{
	_ph=$1 _name=$2
	_before=$(release_events)
	_t0=$(now)
	if timeout 120 xl save -c "$_name" /tmp/checkpoint \
		>/tmp/xl-save.out 2>&1; then
		pass "$_ph.$_name.xl_save_c" "$(since "$_t0")s"
	else
		fail "$_ph.$_name.xl_save_c" \
			"$(tr '\n' ' ' </tmp/xl-save.out | cut -c1-600)"
	fi
	rm -f /tmp/checkpoint
	if [ "$(release_events)" -gt "$_before" ]; then
		pass "$_ph.$_name.suspend_release_domain"
	else
		fail "$_ph.$_name.suspend_release_domain" \
			"no @releaseDomain for the suspend"
	fi
	if ping_guest "$DOMID" resumed; then
		pass "$_ph.$_name.ping_after_resume"
	else
		fail "$_ph.$_name.ping_after_resume" "no data/pong within 10 s"
	fi
}

# guest_destroy PHASE NAME: `xl destroy`; the domain's nodes must go and
# @releaseDomain must fire.
guest_destroy()
{
	_ph=$1 _name=$2
	_before=$(release_events)
	_t0=$(now)
	if timeout 60 xl destroy "$_name" >/tmp/xl-destroy.out 2>&1; then
		pass "$_ph.$_name.xl_destroy" "$(since "$_t0")s"
	else
		fail "$_ph.$_name.xl_destroy" "$(tr '\n' ' ' </tmp/xl-destroy.out)"
	fi
	[ -n "$DOMID" ] || return 0
	if wait_for 100 sh -c "[ \$(wc -l </tmp/release.watch) -gt $_before ]"
	then
		pass "$_ph.$_name.release_domain"
	else
		fail "$_ph.$_name.release_domain" "no @releaseDomain within 10 s"
	fi
	if wait_for 50 sh -c "! xenstore-exists /local/domain/$DOMID"; then
		pass "$_ph.$_name.nodes_gone"
	else
		fail "$_ph.$_name.nodes_gone" \
			"$(xenstore-ls -f "/local/domain/$DOMID" | head -5 | tr '\n' ' ')"
	fi
	if xl list | grep -q "^$_name "; then
		fail "$_ph.$_name.gone_from_xl_list" "still listed"
	else
		pass "$_ph.$_name.gone_from_xl_list"
	fi
}

# guest_shutdown PHASE NAME: `xl shutdown -w` (the guest powers off).
guest_shutdown()
{
	_ph=$1 _name=$2
	_before=$(release_events)
	_t0=$(now)
	if timeout 60 xl shutdown -w "$_name" >/tmp/xl-shutdown.out 2>&1; then
		pass "$_ph.$_name.xl_shutdown" "$(since "$_t0")s"
	else
		fail "$_ph.$_name.xl_shutdown" \
			"$(tr '\n' ' ' </tmp/xl-shutdown.out)"
		timeout 30 xl destroy "$_name" >/dev/null 2>&1
	fi
	if wait_for 100 sh -c "[ \$(wc -l </tmp/release.watch) -gt $_before ]"
	then
		pass "$_ph.$_name.release_domain"
	else
		fail "$_ph.$_name.release_domain" "no @releaseDomain within 10 s"
	fi
	# xl's monitor of a domain ends at its first suspend (xl save -c), so
	# nobody applies on_poweroff: the domain stays, shut down, until
	# destroyed.
	if xl list | grep -q "^$_name "; then
		info "$_name stays shut down (no xl monitor after xl save -c)"
		guest_destroy "$_ph" "$_name"
	fi
}

# check_dom0_ring PHASE: the Dom0 kernel's xenbus talks to the store
# through the xsd_kva ring.
check_dom0_ring()
{
	if [ "$1" = xenbackd ]; then
		# Told the store is up (our notify at start), the kernel
		# probes its backend bus, which watches "backend".
		if wait_for 100 grep -q 'WATCH (backend' \
			$LOGDIR/xenbackd-trace.log; then
			pass xenbackd.dom0_kernel_probe
		else
			fail xenbackd.dom0_kernel_probe \
				"the kernel never watched 'backend' over its ring"
		fi
		# The trace was for this check; it would only slow the rest.
		xenstore-control log off >/dev/null 2>&1 ||
			info "xenstore-control log off failed"
	fi
	# /dev/xen/xenbus goes through the kernel and its ring.
	if XENSTORED_PATH=/dev/xen/xenbus timeout 10 \
		xenstore-write /local/domain/0/xbd-ring ok >/dev/null 2>&1 &&
		[ "$(xenstore-read -s /local/domain/0/xbd-ring)" = ok ]; then
		pass "$1.dom0_ring" "write through /dev/xen/xenbus"
	else
		fail "$1.dom0_ring" "no answer through /dev/xen/xenbus"
	fi
}

start_xenbackd()
{
	_args="-N --hypervisor xen -T $LOGDIR/xenbackd-trace.log"
	if [ "$XBD_CONSOLE" = xenbackd ]; then
		_args="$_args --log=all --log-dir=$LOGDIR/console"
	fi
	_t0=$(now)
	# shellcheck disable=SC2086
	setpriv.util-linux --bounding-set -all --inh-caps -all \
		--no-new-privs xenbackd $_args >$LOGDIR/xenbackd.log 2>&1 &
	XBD_PID=$!
	if wait_for 100 xenstore-read -s /; then
		pass xenbackd.start \
			"socket answers after $(since "$_t0")s, no capabilities"
		return 0
	fi
	fail xenbackd.start "no answer within 10 s"
	show $LOGDIR/xenbackd.log xenbackd.log
	return 1
}

stop_xenbackd()
{
	kill -TERM "$XBD_PID" 2>/dev/null
	wait_for 50 sh -c "! [ -d /proc/$XBD_PID ] ||
		grep -q '^State:.*Z' /proc/$XBD_PID/status"
	if alive "$XBD_PID"; then
		fail xenbackd.sigterm "still running 5 s after SIGTERM"
		kill -KILL "$XBD_PID"
	fi
	wait "$XBD_PID"
	_rc=$?
	if [ $_rc -eq 0 ]; then
		pass xenbackd.sigterm
	else
		fail xenbackd.sigterm "exit status $_rc"
	fi
}

# check_hypervisor_log PHASE: --log=all copies Xen's console ring
# (VIRQ_CON_RING, xc_readconsolering) to hypervisor.log.
check_hypervisor_log()
{
	if wait_for 100 grep -q 'Xen version' $LOGDIR/console/hypervisor.log
	then
		pass "$1.hypervisor_log"
	else
		fail "$1.hypervisor_log" \
			"no 'Xen version' in hypervisor.log: $(head -c 300 $LOGDIR/console/hypervisor.log 2>&1 | tr '\n' ' ')"
	fi
}

# start_console PHASE: who serves guest consoles besides the store.
start_console()
{
	CON_PID=
	if [ "$1" = debian ]; then
		xenconsoled -i --log=all --log-dir=$LOGDIR/console \
			>$LOGDIR/xenconsoled.log 2>&1 &
		CON_PID=$!
		check_hypervisor_log debian
		return 0
	fi
	case $XBD_CONSOLE in
	xenbackd)
		pass xenbackd.console_backend "xenbackd serves the consoles"
		check_hypervisor_log xenbackd
		;;
	none)
		skip xenbackd.console_backend \
			"nobody serves guest consoles (XBD_XEN_CONSOLE=none): libxl waits 10 s for console/tty, then fails xl create"
		;;
	*)
		skip xenbackd.console_backend \
			"xenbackd has no console backend (no --log-dir): Debian's xenconsoled serves the consoles in this run"
		xenconsoled -i --log=guest --log-dir=$LOGDIR/console \
			>$LOGDIR/xenconsoled-standin.log 2>&1 &
		CON_PID=$!
		;;
	esac
}

start_debian()
{
	_t0=$(now)
	xenstored -N >$LOGDIR/xenstored.log 2>&1 &
	XBD_PID=$!
	if wait_for 100 xenstore-read -s /; then
		pass debian.start "xenstored answers after $(since "$_t0")s"
		return 0
	fi
	fail debian.start "xenstored did not answer within 10 s"
	show $LOGDIR/xenstored.log xenstored.log
	return 1
}

# scenario PHASE: the same checks whatever serves store and consoles.
scenario()
{
	_p=$1
	if [ "$_p" = xenbackd ]; then
		start_xenbackd || return 1
	else
		start_debian || return 1
	fi
	check_dom0_ring "$_p"
	if timeout 30 xen-init-dom0 >/tmp/init-dom0.out 2>&1 &&
		[ "$(xenstore-read /local/domain/0/name)" = Domain-0 ]; then
		pass "$_p.xen_init_dom0"
	else
		fail "$_p.xen_init_dom0" "$(tr '\n' ' ' </tmp/init-dom0.out)"
	fi
	start_console "$_p"
	start_release_watch
	guest_up "$_p" g1 1
	guest_destroy "$_p" g1
	guest_up "$_p" g2 1 && guest_checkpoint "$_p" g2
	guest_shutdown "$_p" g2
	# More samples for the timing: create, wait for the marker, destroy.
	# (Shell variables are global: the helpers' own _i must not count.)
	sample=1
	while [ $sample -le "$XBD_SAMPLES" ]; do
		guest_up "$_p" "t$sample" && guest_destroy "$_p" "t$sample"
		sample=$((sample + 1))
	done
	stop_release_watch
	if alive "$XBD_PID"; then
		pass "$_p.alive"
	else
		fail "$_p.alive" "the store daemon died"
	fi
	[ -n "$CON_PID" ] && kill "$CON_PID" 2>/dev/null
	[ "$_p" = xenbackd ] || return 0
	stop_xenbackd
	if grep -E -q 'Sanitizer|runtime error:' $LOGDIR/xenbackd.log; then
		fail xenbackd.sanitizer "a sanitizer report in xenbackd's log"
	fi
	info "xenbackd log:"
	show $LOGDIR/xenbackd.log xenbackd.log 60
}

setup
MODE=xenbackd
for w in $(cat /proc/cmdline); do
	case $w in
	xbd.mode=*) MODE=${w#xbd.mode=} ;;
	esac
done
info "Dom0 up after $(now)s; mode $MODE; console backend: $XBD_CONSOLE"
scenario "$MODE"
finish
