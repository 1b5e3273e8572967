#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# build-kernel.sh BUILD: the nested host's Linux 7.3 in BUILD/nested:
#   Image          arm64 kernel, allnoconfig plus nested-host/linux.config
#   uapi/linux/    its uapi headers (the probes' VFIO and iommufd ABI)
# Built once, with ccache when it is installed; rebuilt only when the
# source, the fragment or this script changes.  Cross-built on x86_64,
# native on arm64.  Exits with status 77 when the source cannot be had.
set -eu

repo=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$1/nested"
dir=$(cd "$1/nested" && pwd)
src=$dir/linux-7.3
obj=$dir/linux-build
fragment=$repo/nested-host/linux.config

"$repo/nested-host/fetch-linux.sh" "$dir"

stamp=$(cat "$repo/nested-host/linux-7.3.sha256" "$fragment" "$0" |
        sha256sum | cut -d' ' -f1)
if [ -f "$dir/Image" ] &&
   [ "$(cat "$dir/Image.stamp" 2>/dev/null)" = "$stamp" ]; then
    exit 0
fi

case $(uname -m) in
aarch64|arm64) cc=gcc; cross= ;;
*) cc=aarch64-linux-gnu-gcc-12; cross=aarch64-linux-gnu- ;;
esac
command -v ccache >/dev/null && cc="ccache $cc"
# Fixed build identity, so that ccache hits from any clone.
export KBUILD_BUILD_TIMESTAMP="2026-01-01" KBUILD_BUILD_USER=nvgrace \
       KBUILD_BUILD_HOST=nested-host CCACHE_BASEDIR=$dir CCACHE_NOHASHDIR=1
kmake() {
    make -C "$src" O="$obj" ARCH=arm64 CROSS_COMPILE="$cross" CC="$cc" "$@"
}

start=$(date +%s)
mkdir -p "$obj"
KCONFIG_ALLCONFIG=$fragment kmake -s allnoconfig
missing=$(grep '^CONFIG_' "$fragment" | while read -r line; do
              grep -qx "$line" "$obj/.config" || echo "$line"
          done)
if [ -n "$missing" ]; then
    echo "build-kernel: not set as nested-host/linux.config asks (a" \
         "dependency is missing):" $missing >&2
    exit 1
fi
echo "build-kernel: building Linux 7.3 for the nested host in $obj"
kmake -j"$(nproc)" Image headers >"$dir/kernel-build.log" 2>&1 || {
    tail -30 "$dir/kernel-build.log" >&2
    exit 1
}
rm -rf "$dir/uapi"
mkdir -p "$dir/uapi"
cp -r "$obj/usr/include/linux" "$dir/uapi/"
cp "$obj/arch/arm64/boot/Image" "$dir/Image"
echo "$stamp" >"$dir/Image.stamp"
echo "build-kernel: Linux 7.3 ready in $dir/Image" \
     "($(($(date +%s) - start)) s)"
