#!/bin/sh
# Build xenbackd and run the whole test suite (unit and integration).
#   scripts/test.sh               the normal build, in build/
#   scripts/test.sh --sanitize    the same suite under ASan+UBSan, in build-asan/
# Installs missing Debian packages first.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
dir=$("$top/scripts/build.sh" "$@")
cd "$dir"
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
# The real-Xen test (QEMU, a few minutes) runs in the plain pass only.
skip=""
case " $* " in *" --sanitize "*) skip="-LE xen" ;; esac
# shellcheck disable=SC2086
ctest --output-on-failure -j2 --timeout 900 $skip
