#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# build-qemu.sh BUILD [asan]: fetch QEMU 10.2.2 into BUILD/qemu-src, apply
# the series, configure BUILD/qemu-build once and build it.  The emulator
# ends up at BUILD/qemu-system-aarch64.  Re-running rebuilds only what
# changed.  With 'asan', the same QEMU with AddressSanitizer and
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

# ccache hits across clones: paths under BUILD are hashed relative to it.
CCACHE_BASEDIR=$build
CCACHE_NOHASHDIR=1
CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-20G}
export CCACHE_BASEDIR CCACHE_NOHASHDIR CCACHE_MAXSIZE

"$here/fetch-qemu.sh" "$src" "$build/downloads"
python3 "$here/qemu-series.py" apply "$src"

if [ ! -f "$obj/build.ninja" ]; then
    cc=cc
    command -v ccache >/dev/null && cc="ccache cc"
    mkdir -p "$obj"
    echo "build-qemu: configuring QEMU in $obj"
    (cd "$obj" && CC="$cc" "$src/configure" \
        --target-list=aarch64-softmmu --without-default-features \
        --enable-fdt=system --enable-kvm --enable-tcg \
        --disable-docs --disable-install-blobs \
        --python=/usr/bin/python3 $sanitizers >configure.log) || {
        tail -20 "$obj/configure.log" >&2
        rm -f "$obj/build.ninja"
        exit 1
    }
fi
if [ "$variant" = asan ]; then
    # What the sanitizer runs use: the emulator and the device's qtests.
    ninja -C "$obj" qemu-system-aarch64 tests/qtest/vfio-nvgrace-test \
        tests/qtest/vfio-nvgrace-tables-test
else
    ninja -C "$obj"
fi
ln -sf "$(basename "$obj")/qemu-system-aarch64" \
    "$build/qemu-system-aarch64${variant:+-$variant}"
