#!/bin/sh
# Configure and build xenbackd into a build directory.
#   scripts/build.sh [--sanitize] [--release] [BUILD_DIR]
# Installs missing Debian packages first (scripts/deps.sh).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
san=OFF
type=RelWithDebInfo
dir=""
for a in "$@"; do
	case "$a" in
	--sanitize) san=ON ;;
	--release) type=Release ;;
	*) dir=$a ;;
	esac
done
if [ -z "$dir" ]; then
	dir="$top/build"
	[ "$san" = ON ] && dir="$top/build-asan"
fi
"$top/scripts/deps.sh"
cmake -S "$top" -B "$dir" -DCMAKE_BUILD_TYPE="$type" \
	-DXENBACKD_SANITIZE="$san" -DXENBACKD_WERROR=ON >/dev/null
cmake --build "$dir" -j"$(nproc)" >/dev/null
echo "$dir"
