#!/bin/sh
# Install what xenbackd needs to build and test, from Debian's archive.
# Idempotent: does nothing when every package is already present.
set -eu

PKGS="cmake make gcc pkg-config libevent-dev libxen-dev libsystemd-dev"
PKGS="$PKGS xenstore-utils xen-utils-4.17 systemd clang libclang-rt-14-dev procps"

missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
		grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0

SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
echo "deps: installing:$missing" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >&2
