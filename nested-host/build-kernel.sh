#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# build-kernel.sh BUILD [series]: the nested host's Linux 7.3 in BUILD/nested:
#   Image          arm64 kernel, allnoconfig plus nested-host/linux.config
#   uapi/linux/    its uapi headers (the probes' VFIO and iommufd ABI)
# With "series", the same kernel with kernel/'s series applied, as
# Image-series and uapi-series/.
# Built once, with ccache when it is installed; rebuilt only when the
# source, the fragment, the series or this script changes.  Cross-built on
# x86_64, native on arm64.  Exits with status 77 when the source cannot be
# had.
set -eu

repo=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$1/nested"
dir=$(cd "$1/nested" && pwd)
fragment=$repo/nested-host/linux.config
# The series' tree and objects sit in series/ under the same names as the
# stock ones, so that ccache (paths relative to their parent) hits for
# every file the series does not change.
case ${2:-} in
series)
    top=$dir/series
    image=$dir/Image-series
    uapi=$dir/uapi-series
    patches=$(sed -e '/^#/d' -e '/^$/d' -e "s|^|$repo/kernel/|" \
                  "$repo/kernel/series")
    ;;
'')
    top=$dir
    image=$dir/Image
    uapi=$dir/uapi
    patches=
    ;;
*)
    echo "usage: build-kernel.sh BUILD [series]" >&2
    exit 2
    ;;
esac
src=$top/linux-7.3
obj=$top/linux-build

"$repo/nested-host/fetch-linux.sh" "$dir"

# shellcheck disable=SC2086 # one path per patch, none with spaces
stamp=$(cat "$repo/nested-host/linux-7.3.sha256" "$fragment" "$0" \
            $patches | sha256sum | cut -d' ' -f1)
if [ -f "$image" ] &&
   [ "$(cat "$image.stamp" 2>/dev/null)" = "$stamp" ]; then
    exit 0
fi

if [ -n "$patches" ]; then
    # A copy of the pristine tree (hard links: patch(1) breaks them).
    rm -rf "$src"
    mkdir -p "$top"
    cp -al "$dir/linux-7.3" "$src"
    for p in $patches; do
        patch -d "$src" -p1 -s --no-backup-if-mismatch <"$p"
    done
fi

case $(uname -m) in
aarch64|arm64) cc=gcc; cross= ;;
*) cc=aarch64-linux-gnu-gcc-12; cross=aarch64-linux-gnu- ;;
esac
command -v ccache >/dev/null && cc="ccache $cc"
# Fixed build identity, so that ccache hits from any clone.
export KBUILD_BUILD_TIMESTAMP="2026-01-01" KBUILD_BUILD_USER=nvgrace \
       KBUILD_BUILD_HOST=nested-host CCACHE_BASEDIR=$top CCACHE_NOHASHDIR=1
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
echo "build-kernel: building Linux 7.3 ${2:+with the $2 }for the nested" \
     "host in $obj"
kmake -j"$(nproc)" Image headers >"$obj.log" 2>&1 || {
    tail -30 "$obj.log" >&2
    exit 1
}
rm -rf "$uapi"
mkdir -p "$uapi"
cp -r "$obj/usr/include/linux" "$uapi/"
cp "$obj/arch/arm64/boot/Image" "$image"
echo "$stamp" >"$image.stamp"
echo "build-kernel: Linux 7.3 ready in $image" \
     "($(($(date +%s) - start)) s)"
