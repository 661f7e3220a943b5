#!/bin/sh
# The unit files: `systemd-analyze verify` must pass without a word,
# `systemd-analyze security` must rate the service's exposure at most
# MAX_EXPOSURE, and the tmpfiles.d entry must create its directories.
# Works without a running systemd: everything happens in a scratch root
# holding the host's units, ours and the binary at /usr/sbin/xenbackd.
#
#   sh units.sh XENBACKD SYSTEMD_SRC_DIR
. "$(dirname "$0")/../lib.sh"

UNITS=${2:-}
MAX_EXPOSURE=2.0
if [ -z "$UNITS" ] || [ ! -f "$UNITS/xenbackd.service" ]; then
	fail "no unit directory given (arg 2: '$UNITS')"
	finish
fi
if ! command -v systemd-analyze >/dev/null 2>&1; then
	echo "units: SKIP: no systemd-analyze" >&2
	exit 77
fi
HOST_UNITS=
for d in /usr/lib/systemd/system /lib/systemd/system; do
	[ -f "$d/sysinit.target" ] && HOST_UNITS=$d && break
done
if [ -z "$HOST_UNITS" ]; then
	echo "units: SKIP: no systemd unit directory on this host" >&2
	exit 77
fi

ROOT=$TESTDIR/root
mkdir -p "$ROOT/usr/lib/systemd" "$ROOT/usr/sbin" "$ROOT/bin" "$ROOT/etc"
cp -a "$HOST_UNITS" "$ROOT/usr/lib/systemd/system"
for u in xenbackd.service xenbackd.socket proc-xen.mount; do
	cp "$UNITS/$u" "$ROOT/usr/lib/systemd/system/$u"
done
cp "$XENBACKD" "$ROOT/usr/sbin/xenbackd"
# The units' other commands, where verify looks for them.
cp /bin/grep /bin/kill "$ROOT/bin/"
printf 'root:x:0:0:root:/root:/bin/sh\n' >"$ROOT/etc/passwd"
printf 'root:x:0:\n' >"$ROOT/etc/group"

out=$(systemd-analyze verify --man=no --root="$ROOT" \
	xenbackd.service xenbackd.socket proc-xen.mount 2>&1)
rc=$?
expect_eq "systemd-analyze verify status" 0 "$rc"
expect_eq "systemd-analyze verify says nothing" "" "$out"

out=$(systemd-analyze security --offline=yes --root="$ROOT" \
	xenbackd.service 2>&1)
exposure=$(printf '%s\n' "$out" |
	sed -n 's/.*Overall exposure level for xenbackd.service: \([0-9.]*\).*/\1/p')
if [ -z "$exposure" ]; then
	fail "no exposure level from systemd-analyze security: $out"
elif awk -v e="$exposure" -v m="$MAX_EXPOSURE" 'BEGIN { exit !(e <= m) }'
then
	pass
	echo "units: systemd-analyze security: exposure $exposure" \
		"(at most $MAX_EXPOSURE)"
else
	fail "exposure $exposure is over $MAX_EXPOSURE:"
	printf '%s\n' "$out" | grep '✗' >&2
fi

# What the service needs from the sandbox is in the unit.
svc=$UNITS/xenbackd.service
for want in '^Type=notify$' '^WatchdogSec=' '^ExecReload=.*kill -HUP \$MAINPID' \
	'^Conflicts=xenstored.service xenconsoled.service$' \
	'^Requires=proc-xen.mount$' '^Before=xen-init-dom0.service' \
	'^ProtectSystem=strict$' '^CapabilityBoundingSet=$' \
	'^DeviceAllow=/dev/xen/evtchn rw$' '^DeviceAllow=/dev/xen/gntdev rw$' \
	'^DeviceAllow=/dev/xen/privcmd rw$' '^ReadWritePaths=.*-/run/xenstored' \
	'^ReadWritePaths=.*/var/log/xen' '^NoNewPrivileges=yes$'; do
	expect_match "xenbackd.service has $want" "$want" "$(cat "$svc")"
done
expect_match "xenbackd.socket listens where libxenstore looks" \
	'^ListenStream=/run/xenstored/socket$' "$(cat "$UNITS/xenbackd.socket")"

if command -v systemd-tmpfiles >/dev/null 2>&1; then
	check "systemd-tmpfiles --create" systemd-tmpfiles --root="$ROOT" \
		--create "$UNITS/xenbackd.tmpfiles"
	for d in /run/xenstored /run/xen /var/log/xen /var/log/xen/console; do
		if [ -d "$ROOT$d" ]; then
			pass
		else
			fail "tmpfiles did not create $d"
		fi
	done
	expect_eq "/run/xenstored mode" 755 \
		"$(stat -c %a "$ROOT/run/xenstored" 2>/dev/null)"
	expect_eq "/var/log/xen/console mode" 750 \
		"$(stat -c %a "$ROOT/var/log/xen/console" 2>/dev/null)"
fi
finish
