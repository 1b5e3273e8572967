#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# build-qemu.sh BUILD [asan|emulator]: fetch QEMU 10.2.2 into
# BUILD/qemu-src, apply the series, configure BUILD/qemu-build once and
# build it.  The emulator ends up at BUILD/qemu-system-aarch64.  Re-running
# rebuilds only what changed.  With 'emulator', only the emulator is built
# (what the demo runs: about a third fewer compiler runs), not QEMU's tests
# and tools.  With 'asan', the same QEMU with AddressSanitizer and
# UndefinedBehaviorSanitizer in BUILD/qemu-asan, linked as
# BUILD/qemu-system-aarch64-asan.
set -eu

build=$(cd "$1" && pwd)
variant=${2:-}
here=$(cd "$(dirname "$0")" && pwd)
src=$build/qemu-src
obj=$build/qemu-build
sanitizers=
if [ "$variant" = asan ]; then
    obj=$build/qemu-asan
    sanitizers="--enable-asan --enable-ubsan"
fi

. "$here/qemu-build-lib.sh"
qemu_ccache_env "$build"

"$here/fetch-qemu.sh" "$src" "$build/downloads"
python3 "$here/qemu-series.py" apply "$src"

if [ ! -f "$obj/build.ninja" ]; then
    echo "build-qemu: configuring QEMU in $obj"
    # shellcheck disable=SC2086
    qemu_configure "$src" "$obj" $sanitizers || exit 1
fi
# What each variant runs: the sanitizer runs, the emulator and the
# device's qtests; the demo, the emulator; the test command, everything.
case $variant in
asan) targets="qemu-system-aarch64 tests/qtest/vfio-nvgrace-test
               tests/qtest/vfio-nvgrace-tables-test" link=-asan ;;
emulator) targets=qemu-system-aarch64 link= ;;
*) targets= link= ;;
esac
# shellcheck disable=SC2086
ninja -C "$obj" $targets
ln -sf "$(basename "$obj")/qemu-system-aarch64" \
    "$build/qemu-system-aarch64$link"
