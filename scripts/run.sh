#!/bin/sh
# Build xenbackd and run it in the foreground on its embedded default: the
# store on a private socket in a temporary directory.  Ctrl-C stops it.
# Installs missing Debian packages first.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
dir=$("$top/scripts/build.sh" "$@")
run=$(mktemp -d /tmp/xenbackd.XXXXXX)
trap 'rm -rf "$run"' EXIT INT TERM
echo "xenbackd: try in another shell:  XENSTORED_PATH=$run/socket xenstore-ls /"
"$dir/daemon/xenbackd" -N --socket "$run/socket" || true
