#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# build-guest.sh BUILD: the arm64 test guest in BUILD/guest: Debian's
# kernel, edk2 and busybox (guest/fetch-guest.sh), the gpumem test program
# and the nvgrace_mem module built for that kernel, and base.cpio, the
# initramfs the tests append their /test.sh to.  Exits with status 77 when
# the Debian archive cannot serve the guest packages.
set -eu

repo=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$1/guest"
stack=$(cd "$1/guest" && pwd)

"$repo/guest/fetch-guest.sh" "$stack"

# Cross tools unless the host is arm64 (a GH200 host builds natively).
case $(uname -m) in
aarch64|arm64) cc=gcc; cross= ;;
*) cc=aarch64-linux-gnu-gcc-12; cross=aarch64-linux-gnu- ;;
esac

$cc -static -O2 -Wall -Wextra -Werror -o "$stack/gpumem.new" \
    "$repo/guest/gpumem/gpumem.c"
mv "$stack/gpumem.new" "$stack/gpumem"

rm -rf "$stack/module-build"
cp -r "$repo/guest/module" "$stack/module-build"
make -s -C "$stack/headers" M="$stack/module-build" ARCH=arm64 \
    CROSS_COMPILE="$cross" CC="$cc" modules >"$stack/module-build.log" 2>&1 || {
    cat "$stack/module-build.log" >&2
    exit 1
}

# virtio-blk for the DMA tests: Debian builds it and virtio-pci as modules.
kmod=$stack/modules/kernel/drivers
python3 "$repo/guest/initramfs.py" "$stack/base.cpio" \
    init="$repo/guest/init" \
    bin/busybox="$stack/busybox" \
    bin/gpumem="$stack/gpumem" \
    lib/modules/nvgrace_mem.ko="$stack/module-build/nvgrace_mem.ko" \
    lib/modules/virtio_pci_legacy_dev.ko="$kmod/virtio/virtio_pci_legacy_dev.ko" \
    lib/modules/virtio_pci_modern_dev.ko="$kmod/virtio/virtio_pci_modern_dev.ko" \
    lib/modules/virtio_pci.ko="$kmod/virtio/virtio_pci.ko" \
    lib/modules/virtio_blk.ko="$kmod/block/virtio_blk.ko"
echo "build-guest: guest ready in $stack"
