#!/bin/sh
# End-to-end test on real Xen, under QEMU (software emulation).
#
#   tests/integration/xen/run.sh XENBACKD [WORKDIR]
#
# Boots Debian 12's Xen 4.17 with Debian's 6.1 kernel as a PV Dom0 whose
# initramfs holds Debian's Xen tools and the given xenbackd binary.  Dom0's
# init (dom0-init.sh) runs xenbackd as its only xenstored and xenconsoled,
# starts PV guests (guest-init.sh) with xl, checks what they see, and
# reboots.  A second boot runs the same scenario under Debian's xenstored +
# xenconsoled: the timing baseline.  This script parses the serial console
# for the results (XBD-RESULT/XBD-TIME lines) and prints a summary.
#
# Everything comes from Debian's archive: the host packages are installed
# with apt-get when missing; the hypervisor, the kernel and the Xen tools
# for the initramfs are fetched with `apt-get download` into a cache and
# unpacked with dpkg-deb.  Nothing is installed into the host's /boot.
#
# Exit status: 0 all checks passed, 1 a check failed (or Dom0 never
# finished), 77 the test cannot run here (not root, packages unavailable).
#
# Environment:
#   XBD_XEN_CACHE    where the .debs and the unpacked tree are kept
#                    (default WORKDIR/cache)
#   XBD_XEN_TIMEOUT  seconds each QEMU run may take before it is killed
#                    (default 240; a run takes about 60)
#   XBD_XEN_SMP      virtual CPUs for QEMU (default 2)
#   XBD_XEN_SAMPLES  extra guests per boot, for the timing only (default 2)
#   XBD_XEN_BASELINE 0 skips the second boot, with Debian's xenstored and
#                    xenconsoled (the timing baseline)
#   XBD_XEN_CONSOLE  xenbackd|xenconsoled: who serves guest consoles in the
#                    xenbackd phase (default: xenbackd when it has --log-dir)
#   XBD_XEN_VERBOSE  1 copies the serial console to stdout as it comes
set -u

here=$(cd "$(dirname "$0")" && pwd)
XENBACKD=${1:-}
WORK=${2:-/var/tmp/xenbackd-xen}
CACHE=${XBD_XEN_CACHE:-$WORK/cache}
QEMU_TIMEOUT=${XBD_XEN_TIMEOUT:-240}
SMP=${XBD_XEN_SMP:-2}
ARCH_LIB=usr/lib/x86_64-linux-gnu

say()
{
	echo "xen-e2e: $*"
}

skip()
{
	say "SKIP: $*"
	exit 77
}

die()
{
	say "ERROR: $*"
	exit 1
}

if [ -z "$XENBACKD" ] || [ ! -x "$XENBACKD" ]; then
	echo "usage: $0 XENBACKD [WORKDIR]" >&2
	exit 2
fi
XENBACKD=$(cd "$(dirname "$XENBACKD")" && pwd)/$(basename "$XENBACKD")
[ "$(id -u)" -eq 0 ] || skip "needs root (apt-get, dpkg-deb, cpio of /dev nodes)"
[ "$(uname -m)" = x86_64 ] || skip "needs an x86_64 host"
command -v apt-get >/dev/null 2>&1 || skip "needs Debian's apt-get"

# --- Packages -------------------------------------------------------------

HOST_PKGS="qemu-system-x86 busybox-static cpio xz-utils util-linux"
HOST_PKGS="$HOST_PKGS xen-utils-4.17 xenstore-utils"
# Unpacked into the initramfs (Xen userspace for Dom0 and the guest).
XEN_DEBS="xen-utils-4.17 xenstore-utils libxenmisc4.17 libxencall1"
XEN_DEBS="$XEN_DEBS libxenevtchn1 libxenforeignmemory1 libxengnttab1"
XEN_DEBS="$XEN_DEBS libxenstore4 libxentoollog1 libxentoolcore1"
XEN_DEBS="$XEN_DEBS libxendevicemodel1 libxenhypfs1 libyajl2"
HV_DEB=xen-hypervisor-4.17-amd64

apt_updated=0
apt_update()
{
	[ $apt_updated = 1 ] && return 0
	apt_updated=1
	say "apt-get update"
	apt-get update -qq >/dev/null 2>&1
}

installed()
{
	dpkg-query -W -f='${Status}' "$1" 2>/dev/null |
		grep -q "install ok installed"
}

host_packages()
{
	missing=""
	for p in $HOST_PKGS; do
		installed "$p" || missing="$missing $p"
	done
	[ -z "$missing" ] && return 0
	say "installing:$missing"
	apt_update
	# shellcheck disable=SC2086
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
		--no-install-recommends $missing >/dev/null 2>&1 ||
		skip "apt-get install$missing failed"
}

# The kernel package linux-image-amd64 points at, e.g. linux-image-6.1.0-56-amd64.
kernel_package()
{
	k=$(apt-cache depends linux-image-amd64 2>/dev/null |
		sed -n 's/^ *Depends: \(linux-image-6\.1[^ ]*-amd64\)$/\1/p' |
		head -n 1)
	if [ -z "$k" ]; then
		apt_update
		k=$(apt-cache depends linux-image-amd64 2>/dev/null |
			sed -n 's/^ *Depends: \(linux-image-6\.1[^ ]*-amd64\)$/\1/p' |
			head -n 1)
	fi
	echo "$k"
}

# fetch PKG...: make sure CACHE/debs holds a .deb for each (idempotent).
fetch()
{
	need=""
	for p in "$@"; do
		ls "$CACHE/debs/${p}_"*.deb >/dev/null 2>&1 || need="$need $p"
	done
	[ -z "$need" ] && return 0
	say "downloading:$need"
	# shellcheck disable=SC2086
	if ! (cd "$CACHE/debs" && apt-get download -qq $need >/dev/null 2>&1)
	then
		apt_update
		# shellcheck disable=SC2086
		(cd "$CACHE/debs" && apt-get download -qq $need >/dev/null 2>&1) ||
			skip "apt-get download$need failed"
	fi
}

t_start=$(date +%s)
host_packages
mkdir -p "$CACHE/debs" "$WORK" || die "cannot create $CACHE and $WORK"
KPKG=$(ls "$CACHE/debs" 2>/dev/null |
	sed -n 's/^\(linux-image-6\.1[^_]*-amd64\)_.*\.deb$/\1/p' | head -n 1)
[ -n "$KPKG" ] || KPKG=$(kernel_package)
[ -n "$KPKG" ] || skip "cannot find the kernel package behind linux-image-amd64"
# shellcheck disable=SC2086
fetch $HV_DEB "$KPKG" $XEN_DEBS

# --- Unpack ---------------------------------------------------------------

# CACHE/tree: every .deb unpacked; redone only when the set of .debs changes.
TREE=$CACHE/tree
stamp=$(ls "$CACHE/debs" | cksum | cut -d' ' -f1)
if [ "$(cat "$TREE/.stamp" 2>/dev/null)" != "$stamp" ]; then
	say "unpacking $(ls "$CACHE/debs" | wc -l) packages"
	rm -rf "$TREE" && mkdir -p "$TREE" || die "cannot create $TREE"
	for d in "$CACHE/debs"/*.deb; do
		case $(basename "$d") in
		linux-image-*)
			# The kernel and the few Xen modules, not 400 MB.
			dpkg-deb --fsys-tarfile "$d" | tar -x -C "$TREE" \
				--wildcards './boot/vmlinuz-*' \
				'./lib/modules/*/kernel/drivers/xen/*' \
				'./lib/modules/*/kernel/drivers/net/xen-net*'
			;;
		*) dpkg-deb -x "$d" "$TREE" ;;
		esac || die "cannot unpack $d"
	done
	echo "$stamp" >"$TREE/.stamp"
fi
KVER=$(ls "$TREE/lib/modules" 2>/dev/null | head -n 1)
[ -n "$KVER" ] || die "no kernel modules in $TREE"
VMLINUZ=$TREE/boot/vmlinuz-$KVER
[ -f "$VMLINUZ" ] || die "no $VMLINUZ"
XEN_GZ=$(ls "$TREE"/boot/xen-4.17-amd64.gz 2>/dev/null | head -n 1)
[ -n "$XEN_GZ" ] || die "no xen-4.17-amd64.gz in $HV_DEB"

# Xen as an ELF32 multiboot image for qemu -kernel.
if [ ! -s "$CACHE/xen.elf" ] || [ "$XEN_GZ" -nt "$CACHE/xen.elf" ]; then
	gzip -dc "$XEN_GZ" >"$CACHE/xen.elf.tmp" &&
		mv "$CACHE/xen.elf.tmp" "$CACHE/xen.elf" ||
		die "cannot gunzip $XEN_GZ"
fi

# The guest kernel as an uncompressed ELF (vmlinux): libxc then needs no
# decompression, which takes tens of seconds under emulation.
if [ ! -s "$CACHE/vmlinux" ] || [ "$VMLINUZ" -nt "$CACHE/vmlinux" ]; then
	off=$(LC_ALL=C grep -obUaP '\xfd7zXZ\x00' "$VMLINUZ" | head -n 1 |
		cut -d: -f1)
	[ -n "$off" ] || die "no xz payload in $VMLINUZ"
	tail -c +$((off + 1)) "$VMLINUZ" | xz -dc --single-stream \
		>"$CACHE/vmlinux.tmp" 2>/dev/null
	head -c 4 "$CACHE/vmlinux.tmp" | grep -q ELF ||
		die "could not extract vmlinux from $VMLINUZ"
	mv "$CACHE/vmlinux.tmp" "$CACHE/vmlinux"
fi

# --- Root file systems ------------------------------------------------------

# new_root DIR: an empty merged-/usr tree with busybox.
new_root()
{
	rm -rf "$1"
	mkdir -p "$1/usr/bin" "$1/usr/sbin" "$1/$ARCH_LIB" "$1/usr/lib64" \
		"$1/etc" "$1/proc" "$1/sys" "$1/dev" "$1/run" "$1/tmp" \
		"$1/root" "$1/var/log" "$1/var/lib" || return 1
	ln -s usr/bin "$1/bin"
	ln -s usr/sbin "$1/sbin"
	ln -s usr/lib "$1/lib"
	ln -s usr/lib64 "$1/lib64"
	ln -s ../run "$1/var/run"
	ln -s ../run/lock "$1/var/lock"
	ln -s ../lib/x86_64-linux-gnu/ld-linux-x86-64.so.2 \
		"$1/usr/lib64/ld-linux-x86-64.so.2"
	cp /bin/busybox "$1/usr/bin/busybox" || return 1
	# glibc dlopens libgcc_s for pthread_cancel (libxl uses it).
	cp -L "/$ARCH_LIB/libgcc_s.so.1" "$1/$ARCH_LIB/" || return 1
	ln -s busybox "$1/usr/bin/sh"
	# The console device the kernel opens for init before devtmpfs.
	mknod -m 600 "$1/dev/console" c 5 1
	mknod -m 666 "$1/dev/null" c 1 3
	echo "root:x:0:0:root:/root:/bin/sh" >"$1/etc/passwd"
	echo "root:x:0:" >"$1/etc/group"
}

# add_bin ROOT FILE [DEST]: copy an executable and the shared libraries
# it needs.  Libraries come from the unpacked .debs first, else the host.
add_bin()
{
	_root=$1 _src=$2 _dst=${3:-}
	if [ -z "$_dst" ]; then
		_dst=${_src#"$TREE"}
	fi
	mkdir -p "$_root$(dirname "$_dst")"
	cp -L "$_src" "$_root$_dst" || return 1
	LD_LIBRARY_PATH="$TREE/$ARCH_LIB" ldd "$_src" 2>/dev/null |
		awk '/=> \// { print $3 } /^\t\/[^ ]* \(/ { print $1 }' |
		while read -r lib; do
			case $lib in
			"$TREE"/*) dest=${lib#"$TREE"} ;;
			*) dest=/$ARCH_LIB/$(basename "$lib") ;;
			esac
			case $(basename "$lib") in
			ld-linux-x86-64.so.2) dest=/$ARCH_LIB/ld-linux-x86-64.so.2 ;;
			esac
			[ -e "$_root$dest" ] || cp -L "$lib" "$_root$dest"
		done
	if LD_LIBRARY_PATH="$TREE/$ARCH_LIB" ldd "$_src" 2>/dev/null |
		grep -q 'not found'; then
		say "missing libraries for $_src:"
		LD_LIBRARY_PATH="$TREE/$ARCH_LIB" ldd "$_src" | grep 'not found'
		return 1
	fi
}

XS_TOOLS="xenstore xenstore-chmod xenstore-exists xenstore-list xenstore-ls"
XS_TOOLS="$XS_TOOLS xenstore-read xenstore-rm xenstore-watch xenstore-write"

# add_xenstore_tools ROOT: Debian's xenstore-* (one binary, many names).
add_xenstore_tools()
{
	add_bin "$1" "$TREE/usr/bin/xenstore" || return 1
	for t in $XS_TOOLS; do
		[ "$t" = xenstore ] || ln -sf xenstore "$1/usr/bin/$t"
	done
}

say "building the guest initramfs"
GROOT=$WORK/guest-root
new_root "$GROOT" || die "cannot build $GROOT"
add_xenstore_tools "$GROOT" || die "cannot add xenstore tools to the guest"
mkdir -p "$GROOT/lib/modules/$KVER"
cp "$TREE/lib/modules/$KVER/kernel/drivers/net/xen-netfront.ko" \
	"$GROOT/lib/modules/$KVER/" || die "no xen-netfront module"
cp "$here/guest-init.sh" "$GROOT/init" && chmod 755 "$GROOT/init"
# PID 1 is a plain shell: make poweroff (run by the kernel on `xl shutdown`)
# power off at once instead of signalling init.
printf '#!/bin/sh\nexec /bin/busybox poweroff -f\n' >"$GROOT/usr/sbin/poweroff"
chmod 755 "$GROOT/usr/sbin/poweroff"
(cd "$GROOT" && find . | cpio -o -H newc 2>/dev/null | gzip -1) \
	>"$WORK/guest.cpio.gz" || die "cannot pack the guest initramfs"

say "building the Dom0 initramfs"
DROOT=$WORK/dom0-root
new_root "$DROOT" || die "cannot build $DROOT"
add_xenstore_tools "$DROOT" || die "cannot add xenstore tools to Dom0"
for b in xl xenstored xenconsoled xenconsole xen-init-dom0 \
	xenstore-control libxl-save-helper; do
	add_bin "$DROOT" "$TREE/usr/lib/xen-4.17/bin/$b" ||
		die "cannot add $b to Dom0"
done
add_bin "$DROOT" "$XENBACKD" /usr/sbin/xenbackd || die "cannot add xenbackd"
# A libxenstore client for the re-INTRODUCE check (skipped without it).
if cc -O2 -o "$WORK/xs-introduce" "$here/xs-introduce.c" \
	$(pkg-config --cflags --libs xenstore 2>/dev/null) 2>"$WORK/cc.err"; then
	add_bin "$DROOT" "$WORK/xs-introduce" /usr/bin/xs-introduce ||
		die "cannot add xs-introduce"
else
	say "cannot build xs-introduce (re-INTRODUCE check skipped):"
	sed -n '1,5p' "$WORK/cc.err"
fi
# util-linux's setpriv can empty the capability bounding set, as the
# unit's CapabilityBoundingSet= does.
add_bin "$DROOT" "$(command -v setpriv)" /usr/bin/setpriv.util-linux ||
	die "cannot add setpriv"
mkdir -p "$DROOT/lib/modules/$KVER"
for m in xen-evtchn xen-gntdev xen-gntalloc xen-privcmd xenfs/xenfs; do
	cp "$TREE/lib/modules/$KVER/kernel/drivers/xen/$m.ko" \
		"$DROOT/lib/modules/$KVER/" || die "no module $m"
done
# Netback: the guests' vif makes Dom0's kernel a xenbus backend, which
# talks to the store through Dom0's own ring.
cp "$TREE/lib/modules/$KVER/kernel/drivers/net/xen-netback/xen-netback.ko" \
	"$DROOT/lib/modules/$KVER/" || die "no module xen-netback"
mkdir -p "$DROOT/boot" "$DROOT/etc/xen"
ln "$CACHE/vmlinux" "$DROOT/boot/vmlinux" 2>/dev/null ||
	cp "$CACHE/vmlinux" "$DROOT/boot/vmlinux"
cp "$WORK/guest.cpio.gz" "$DROOT/boot/guest.cpio.gz"
cp "$here/dom0-init.sh" "$DROOT/init" && chmod 755 "$DROOT/init"
console=${XBD_XEN_CONSOLE:-}
if [ -z "$console" ]; then
	console=xenconsoled
	"$XENBACKD" --help 2>&1 | grep -q -- '--log-dir' && console=xenbackd
fi
{
	echo "XBD_CONSOLE=$console"
	echo "XBD_SAMPLES=${XBD_XEN_SAMPLES:-2}"
	echo "XBD_KVER=$KVER"
} >"$DROOT/etc/xbd-test.conf"
# Uncompressed: unpacking it is a copy, gunzip under emulation is not.
(cd "$DROOT" && find . | cpio -o -H newc 2>/dev/null) >"$WORK/dom0.cpio" ||
	die "cannot pack the Dom0 initramfs"
say "initramfs: Dom0 $(($(wc -c <"$WORK/dom0.cpio") / 1048576)) MiB," \
	"guest $(($(wc -c <"$WORK/guest.cpio.gz") / 1024)) KiB;" \
	"prepared in $(($(date +%s) - t_start)) s"

# --- Boot -------------------------------------------------------------------

# smap=false: TCG's -cpu max has SMAP, and Xen then faults PV Dom0 at once.
# spec-ctrl=eager-fpu: lazy FPU switching under TCG now and then corrupts
# user processes once two domains run.
XEN_CMDLINE="console=com1 com1=115200,8n1 dom0_mem=1024M,max:1024M"
XEN_CMDLINE="$XEN_CMDLINE dom0_max_vcpus=1 smap=false spec-ctrl=eager-fpu"
# bootscrub=0: scrubbing free memory in the background would slow
# whichever phase runs first, and skew the timing comparison.
XEN_CMDLINE="$XEN_CMDLINE bootscrub=0 loglvl=warning guest_loglvl=warning"
DOM0_CMDLINE="console=hvc0 rdinit=/init loglevel=3 panic=1"

# boot MODE: one QEMU run, Dom0 in xbd.mode=MODE; serial in WORK/serial-MODE.log.
boot()
{
	_serial=$WORK/serial-$1.log
	rm -f "$_serial"
	: >"$_serial"
	say "booting Xen + Dom0 ($1) under QEMU (TCG, $SMP CPUs," \
		"timeout ${QEMU_TIMEOUT}s)"
	_tail=
	if [ "${XBD_XEN_VERBOSE:-0}" = 1 ]; then
		tail -n +1 -f "$_serial" &
		_tail=$!
	fi
	_t=$(date +%s)
	timeout -k 5 "$QEMU_TIMEOUT" qemu-system-x86_64 \
		-accel tcg -cpu max -smp "$SMP" -m 2048 \
		-nodefaults -display none -no-reboot -monitor none \
		-serial "file:$_serial" \
		-kernel "$CACHE/xen.elf" -append "$XEN_CMDLINE" \
		-initrd "$VMLINUZ $DOM0_CMDLINE xbd.mode=$1,$WORK/dom0.cpio" \
		</dev/null >"$WORK/qemu-$1.out" 2>&1 &
	QEMU_PID=$!
	wait "$QEMU_PID"
	_rc=$?
	QEMU_PID=
	[ -n "$_tail" ] && kill "$_tail" 2>/dev/null
	[ $_rc -eq 124 ] && say "QEMU killed after ${QEMU_TIMEOUT}s"
	if [ $_rc -ne 0 ] && [ $_rc -ne 124 ]; then
		say "QEMU exited with status $_rc:"
		sed -n '1,20p' "$WORK/qemu-$1.out"
	fi
	tr -d '\r' <"$_serial" >"$WORK/serial-$1.txt"
	say "$1: QEMU ran $(($(date +%s) - _t)) s"
	grep -q '^XBD-END' "$WORK/serial-$1.txt"
}

# Stopped from outside (CTest's timeout, ^C): take QEMU down with us
# (timeout passes the signal on to it).
QEMU_PID=
trap '[ -n "$QEMU_PID" ] && kill "$QEMU_PID" 2>/dev/null; exit 1' INT TERM HUP

modes=xenbackd
[ "${XBD_XEN_BASELINE:-1}" = 1 ] && modes="xenbackd debian"
t_boot=$(date +%s)
unfinished=""
for m in $modes; do
	boot "$m" || unfinished="$unfinished $m"
done
t_end=$(date +%s)

# --- Results ----------------------------------------------------------------

: >"$WORK/serial.txt"
for m in $modes; do
	cat "$WORK/serial-$m.txt" >>"$WORK/serial.txt"
done
grep -E '^XBD-(RESULT|TIME|INFO)' "$WORK/serial.txt" | sed 's/^/  /'
npass=$(grep -c '^XBD-RESULT [^ ]* PASS' "$WORK/serial.txt")
nfail=$(grep -c '^XBD-RESULT [^ ]* FAIL' "$WORK/serial.txt")
nskip=$(grep -c '^XBD-RESULT [^ ]* SKIP' "$WORK/serial.txt")
for m in $unfinished; do
	nfail=$((nfail + 1))
	say "FAIL: Dom0 ($m) did not finish the scenario"
done

# median LABEL: the median of the XBD-TIME LABEL values, or empty.
median()
{
	awk -v l="$1" '$1 == "XBD-TIME" && $2 == l { print $3 }' \
		"$WORK/serial.txt" | sort -n |
		awk '{ v[NR] = $1 } END {
			if (NR % 2) printf "%.2f", v[(NR + 1) / 2]
			else if (NR) printf "%.2f", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# compare WHAT LABEL: xenbackd against Debian's daemons, medians.
compare()
{
	_x=$(median "xenbackd.$2")
	_d=$(median "debian.$2")
	[ -n "$_x" ] && [ -n "$_d" ] || return 0
	_n=$(grep -c "^XBD-TIME xenbackd.$2 " "$WORK/serial.txt")
	say "$1 (median of $_n): xenbackd ${_x}s," \
		"Debian xenstored+xenconsoled ${_d}s, ratio" \
		"$(awk -v a="$_x" -v b="$_d" 'BEGIN { printf "%.2f", a / b }')"
}
compare "xl create to guest marker" create_to_marker
compare "xl create alone" xl_create
say "QEMU ran $((t_end - t_boot)) s; whole run $((t_end - t_start)) s;" \
	"serial logs: $WORK/serial-*.log"
if [ "$nfail" -ne 0 ]; then
	for m in $modes; do
		grep -q '^XBD-RESULT [^ ]* FAIL' "$WORK/serial-$m.txt" ||
			! grep -q '^XBD-END' "$WORK/serial-$m.txt" || continue
		echo "--- serial console, $m (last 150 lines) ---"
		tail -n 150 "$WORK/serial-$m.txt"
		echo "---"
	done
fi
echo "xen-e2e: $npass passed, $nfail failed, $nskip skipped"
[ "$nfail" -eq 0 ] || exit 1
[ "$npass" -gt 0 ] || exit 1
exit 0
