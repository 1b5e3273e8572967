#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# build-qemu-arm64.sh BUILD: this project's QEMU for the nested host's L1,
# an arm64 Linux, with what it needs to run there, in BUILD/nested/qemu-root
# (usr/bin/qemu-system-aarch64, the device's qtests in qtest/ with the
# expected ACPI tables they read, and their shared libraries, to be added
# to L1's initramfs).  It is built in BUILD/nested/qemu-arm64 (ccache
# shared with the other builds), with libaio and liburing, which the main
# build lacks: natively on arm64, elsewhere cross-built against a sysroot
# of Debian's arm64 -dev packages, unpacked without installing them
# (libfdt-dev cannot be installed for two architectures at once).  Exits
# with status 77 when the archive cannot serve the packages.
set -eu

repo=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "$1" && pwd)
dir=$build/nested
root=$dir/qemu-root
mkdir -p "$dir"

. "$repo/scripts/qemu-build-lib.sh"
. "$repo/guest/debian-apt.sh"
qemu_ccache_env "$build"

qtests="tests/qtest/vfio-nvgrace-test tests/qtest/vfio-nvgrace-tables-test"
# L1's QEMU submits O_DIRECT I/O through libaio and io_uring as well as
# threads (aio=native, aio=io_uring), so that the nested host shows what
# Linux does with each when the buffers are in the GPU memory.
features="--enable-linux-aio --enable-linux-io-uring"
obj=$dir/qemu-arm64

case $(uname -m) in
aarch64|arm64)
    libdirs="/lib/aarch64-linux-gnu /usr/lib/aarch64-linux-gnu"
    cross=
    set --
    ;;
*)
    sysroot=$dir/sysroot-arm64
    pkgs="libglib2.0-dev libglib2.0-0 libpcre2-dev libpcre2-8-0 libfdt-dev
          libfdt1 zlib1g-dev zlib1g libffi-dev libffi8 libaio-dev libaio1
          liburing-dev liburing2"
    if [ "$(cat "$sysroot/.complete" 2>/dev/null)" != "$pkgs" ]; then
        debian_apt_config "$dir/apt"
        rm -rf "$sysroot" "$dir/sysroot-debs"
        mkdir -p "$dir/sysroot-debs"
        echo "build-qemu-arm64: downloading the arm64 libraries QEMU needs"
        # shellcheck disable=SC2046  # one word per package
        (retry apt-get update && cd "$dir/sysroot-debs" &&
         retry apt-get download $(for p in $pkgs; do echo "$p:arm64"; done)) \
            >"$dir/apt/sysroot.log" 2>&1 || {
            tail -5 "$dir/apt/sysroot.log" >&2
            echo "build-qemu-arm64: the archive did not serve them" >&2
            exit 77
        }
        for deb in "$dir"/sysroot-debs/*.deb; do
            dpkg-deb -x "$deb" "$sysroot"
        done
        echo "$pkgs" >"$sysroot/.complete"
    fi
    lib=$sysroot/usr/lib/aarch64-linux-gnu
    libdirs="$lib $sysroot/lib/aarch64-linux-gnu /usr/aarch64-linux-gnu/lib"
    cross=aarch64-linux-gnu-
    export PKG_CONFIG=pkg-config PKG_CONFIG_SYSROOT_DIR="$sysroot"
    export PKG_CONFIG_LIBDIR="$lib/pkgconfig:$sysroot/usr/share/pkgconfig"
    export QEMU_CC=aarch64-linux-gnu-gcc-12
    set -- --cross-prefix=aarch64-linux-gnu- \
        --extra-cflags="-I$sysroot/usr/include" \
        --extra-ldflags="-L$lib -Wl,-rpath-link,$lib"
    ;;
esac

"$repo/scripts/fetch-qemu.sh" "$build/qemu-src" "$build/downloads"
python3 "$repo/scripts/qemu-series.py" apply "$build/qemu-src"
# Configured again when the features change.
if [ ! -f "$obj/build.ninja" ] ||
   [ "$(cat "$obj/features" 2>/dev/null)" != "$features" ]; then
    echo "build-qemu-arm64: configuring QEMU for arm64 in $obj"
    rm -rf "$obj"
    # shellcheck disable=SC2086  # one word per feature
    qemu_configure "$build/qemu-src" "$obj" $features "$@" || exit 1
    echo "$features" >"$obj/features"
fi
# shellcheck disable=SC2086  # one word per test
ninja -C "$obj" qemu-system-aarch64 $qtests \
    >"$dir/qemu-arm64-build.log" 2>&1 || {
    tail -30 "$dir/qemu-arm64-build.log" >&2
    exit 1
}
qemu=$obj/qemu-system-aarch64

# The binaries, stripped, and every shared library they need, found where
# the dynamic linker in L1 looks for them.
rm -rf "$root"
mkdir -p "$root/usr/bin" "$root/lib/aarch64-linux-gnu" "$root/qtest"
${cross}strip -o "$root/usr/bin/qemu-system-aarch64" "$qemu"
for t in $qtests; do
    ${cross}strip -o "$root/qtest/${t##*/}" "$obj/$t"
done
mkdir -p "$root/qtest/tests/data/acpi/aarch64/virt"
cp "$build"/qemu-src/tests/data/acpi/aarch64/virt/*.nvgrace* \
    "$root/qtest/tests/data/acpi/aarch64/virt/"
needed() {
    ${cross}readelf -d "$1" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'
}
todo=$(for b in "$root/usr/bin/qemu-system-aarch64" "$root"/qtest/*-test; do
           needed "$b"
       done | sort -u)
while [ -n "$todo" ]; do
    next=
    for so in $todo; do
        [ -e "$root/lib/aarch64-linux-gnu/$so" ] && continue
        found=
        for d in $libdirs; do
            if [ -e "$d/$so" ]; then
                found=$d/$so
                break
            fi
        done
        [ -n "$found" ] || { echo "build-qemu-arm64: no $so" >&2; exit 1; }
        cp -L "$found" "$root/lib/aarch64-linux-gnu/$so"
        next="$next $(needed "$found")"
    done
    todo=$next
done
interp=$(${cross}readelf -l "$qemu" |
         sed -n 's/.*Requesting program interpreter: \(.*\)\]/\1/p')
for d in $libdirs; do
    if [ -e "$d/$(basename "$interp")" ]; then
        mkdir -p "$root$(dirname "$interp")"
        cp -L "$d/$(basename "$interp")" "$root$interp"
        break
    fi
done
[ -e "$root$interp" ] || { echo "build-qemu-arm64: no $interp" >&2; exit 1; }
echo "build-qemu-arm64: QEMU for L1 ready in $root"
