#!/bin/sh
# run.sh [seconds]: build the libFuzzer harnesses in their own build
# directory and run each for a bounded time (default 60 s each; 0 runs
# the seed corpora once, as a regression test, and stops).  Exits
# non-zero if any harness crashes, leaks, times out or trips a sanitizer;
# the reproducer is left in $FUZZ_BUILD_DIR/fuzz-artifacts/.
#
# Environment:
#   FUZZ_BUILD_DIR    build directory (default: <repo>/build-fuzz)
#   FUZZ_TARGETS      harnesses to run (default: all three)
#   FUZZ_ARGS         extra libFuzzer flags, e.g. "-jobs=2 -workers=2"
#   CC                the compiler (default: clang)
#   ASAN_OPTIONS, UBSAN_OPTIONS are passed on; UBSan is made fatal unless
#   UBSAN_OPTIONS is already set.
#
# Needs clang and its runtime (Debian 12: clang, libclang-rt-14-dev).
set -eu

secs=${1:-60}
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
build=${FUZZ_BUILD_DIR:-$root/build-fuzz}
targets=${FUZZ_TARGETS:-fuzz_proto fuzz_ring fuzz_store}
cc=${CC:-clang}

case $secs in
'' | *[!0-9]*)
	echo "usage: $0 [seconds per harness]" >&2
	exit 2
	;;
esac

# Fail early, and clearly, without the fuzzer runtime.
probe=$(mktemp -d)
trap 'rm -rf "$probe"' EXIT
printf 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n)\n{\n\treturn 0;\n}\n' \
	>"$probe/p.c"
if ! "$cc" -fsanitize=fuzzer,address,undefined "$probe/p.c" \
	-o "$probe/p" 2>"$probe/err"; then
	cat "$probe/err" >&2
	echo "run.sh: $cc cannot build libFuzzer targets;" \
		"install clang and libclang-rt-14-dev" >&2
	exit 2
fi

echo "== configuring $build"
CC=$cc cmake -S "$root" -B "$build" -DXENBACKD_FUZZ=ON \
	-DBUILD_TESTING=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
# shellcheck disable=SC2086
cmake --build "$build" --parallel "$(nproc 2>/dev/null || echo 2)" \
	--target $targets

: "${UBSAN_OPTIONS:=halt_on_error=1:print_stacktrace=1}"
: "${ASAN_OPTIONS:=detect_leaks=1}"
export UBSAN_OPTIONS ASAN_OPTIONS

mkdir -p "$build/fuzz-artifacts" "$build/fuzz-logs"
status=0
for t in $targets; do
	seeds=$here/corpus/$t
	work=$build/fuzz-corpus/$t
	log=$build/fuzz-logs/$t.log
	dict=
	[ -f "$here/$t.dict" ] && dict=-dict=$here/$t.dict
	mkdir -p "$work"
	if [ "$secs" -eq 0 ]; then
		limit=-runs=0 # -max_total_time=0 would mean "forever"
	else
		limit=-max_total_time=$secs
	fi
	echo "== $t: ${secs}s (log: $log)"
	# New inputs go to the first directory; the seeds stay untouched.
	# shellcheck disable=SC2086
	if "$build/fuzz/$t" "$work" "$seeds" $dict \
		"$limit" -rss_limit_mb=2048 -timeout=10 \
		-print_final_stats=1 \
		-artifact_prefix="$build/fuzz-artifacts/$t-" \
		${FUZZ_ARGS:-} >"$log" 2>&1; then
		grep -E '^#[0-9]+[[:space:]]+(DONE|INITED)' "$log" |
			tail -n 1 || true
		grep -E '^stat::(number_of_executed_units|average_exec_per_sec)' \
			"$log" || true
	else
		status=1
		echo "!! $t failed:" >&2
		grep -v -E '^#[0-9]+[[:space:]]+(NEW|REDUCE|pulse|RELOAD)' \
			"$log" | grep -v NEW_FUNC | tail -n 60 >&2
	fi
done
if [ "$status" -ne 0 ]; then
	echo "run.sh: reproducers in $build/fuzz-artifacts/;" \
		"see docs/fuzzing.md" >&2
fi
exit "$status"
