#!/bin/sh
# Build xenbackd and run it on its embedded default: the Xen simulator
# with a few simulated guests, all in a private temporary directory.
# Ctrl-C stops everything.  Installs missing Debian packages first.
#   scripts/run.sh [--sanitize] [GUESTS]
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
guests=3
flags=""
for a in "$@"; do
	case "$a" in
	--sanitize) flags="$a" ;;
	*) guests=$a ;;
	esac
done
# shellcheck disable=SC2086
dir=$("$top/scripts/build.sh" $flags)
run=$(mktemp -d /tmp/xenbackd.XXXXXX)
pids=""
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$run"
}
trap cleanup EXIT
trap 'exit 0' INT TERM

export XENSIM_SOCKET="$run/sim" XENSTORED_PATH="$run/socket"
"$dir/sim/xensim" --socket "$XENSIM_SOCKET" 2>"$run/xensim.log" &
pids="$!"
while [ ! -S "$XENSIM_SOCKET" ]; do sleep 0.1; done
mkdir -p "$run/logs"
"$dir/daemon/xenbackd" -N --socket "$XENSTORED_PATH" \
	--hypervisor "sim:$XENSIM_SOCKET" --log=all --log-dir="$run/logs" &
pids="$! $pids"
while ! xenstore-read / >/dev/null 2>&1; do sleep 0.1; done
"$dir/sim/xensim-xl" create demo -n "$guests" --wait-tty 10 >/dev/null
"$dir/sim/xensim-guest" --all --follow -q &
pids="$! $pids"

cat <<EOT

xenbackd is serving $guests simulated guests.  In another shell:

  export XENSTORED_PATH=$XENSTORED_PATH XENSIM_SOCKET=$XENSIM_SOCKET
  xenstore-ls -f /local/domain          # what the toolstack and guests wrote
  xenstore-watch /local/domain          # changes as they happen
  $dir/sim/xensim-xl list               # the simulator's domains
  $dir/sim/xensim-xl create more -n 2   # more guests (they boot at once)
  $dir/sim/xensim-xl shutdown -w 1      # ask domain 1 to power off
  cat $run/logs/guest-demo-1.log        # a guest's console log

Ctrl-C stops xenbackd, the simulator and the guests.
EOT
wait
