#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# build-docs.sh BUILD: build QEMU's Sphinx HTML manual with the series
# applied, in a source tree and build directory of its own
# (BUILD/qemu-docs-src, BUILD/qemu-docs), and check that it has the page of
# vfio-pci-nvgrace.  Sphinx runs with -W, so any warning fails the build.
# Only the docs are built, no C; re-running rebuilds only what changed.
set -eu

mkdir -p "$1"
build=$(cd "$1" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
src=$build/qemu-docs-src
obj=$build/qemu-docs
page=$obj/docs/manual/system/devices/vfio-pci-nvgrace.html

# QEMU 10.2.2 accepts sphinx >= 3.4.3 and sphinx_rtd_theme >= 0.5
# (pythondeps.toml): Debian 12's 5.3.0 and 1.2.0 will do.
pkgs="python3-sphinx python3-sphinx-rtd-theme"
missing=""
for p in $pkgs; do
    dpkg-query -W -f '${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
        missing="$missing $p"
done
if [ -n "$missing" ]; then
    if [ "$(id -u)" -ne 0 ]; then
        echo "build-docs: run as root (or install:$missing)" >&2
        exit 1
    fi
    echo "build-docs: installing$missing"
    export DEBIAN_FRONTEND=noninteractive
    apt-get -o DPkg::Lock::Timeout=600 update -q >/dev/null
    apt-get -o DPkg::Lock::Timeout=600 install -y -q \
        --no-install-recommends $missing >/dev/null
fi

"$here/fetch-qemu.sh" "$src" "$build/downloads"
python3 "$here/qemu-series.py" apply "$src"

if [ ! -f "$obj/build.ninja" ]; then
    mkdir -p "$obj"
    echo "build-docs: configuring QEMU's docs in $obj"
    # --enable-werror: QEMU's docs/meson.build gives sphinx-build -W only
    # when warnings are errors.
    (cd "$obj" && "$src/configure" \
        --target-list=aarch64-softmmu --without-default-features \
        --enable-docs --enable-werror --disable-install-blobs \
        --python=/usr/bin/python3 >configure.log 2>&1) || {
        tail -20 "$obj/configure.log" >&2
        rm -f "$obj/build.ninja"
        exit 1
    }
fi
grep -q 'sphinx-build -q -W ' "$obj/build.ninja" || {
    echo "build-docs: sphinx-build does not run with -W in $obj" >&2
    exit 1
}

# 'html' is the alias of QEMU's Sphinx HTML manual (docs/meson.build).
ninja -C "$obj" html
[ -s "$page" ] || {
    echo "build-docs: $page was not generated" >&2
    exit 1
}
echo "build-docs: QEMU's manual built without warnings: $page"
