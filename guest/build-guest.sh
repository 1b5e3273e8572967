#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# build-guest.sh BUILD: the arm64 test guest in BUILD/guest: Debian's
# kernel, edk2 and busybox (guest/fetch-guest.sh), the gpumem test program
# and the nvgrace_mem module built for that kernel, and base.cpio, the
# initramfs the tests append their /test.sh to; the same in BUILD/guest/16k
# for Debian's kernel with 16 KiB pages.  Exits with status 77 when
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

# build_module HEADERS DIR: guest/module built against HEADERS, in DIR,
# without BTF (which needs pahole; the module has no BPF users).
build_module() {
    rm -rf "$2"
    cp -r "$repo/guest/module" "$2"
    make -s -C "$1" M="$2" ARCH=arm64 CROSS_COMPILE="$cross" CC="$cc" \
        CONFIG_DEBUG_INFO_BTF_MODULES= modules >"$2.log" 2>&1 || {
        cat "$2.log" >&2
        exit 1
    }
}
build_module "$stack/headers" "$stack/module-build"
build_module "$stack/16k/headers" "$stack/16k/module-build"

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
# The 16 KiB-page guest's: no disk tests run there.
python3 "$repo/guest/initramfs.py" "$stack/16k/base.cpio" \
    init="$repo/guest/init" \
    bin/busybox="$stack/busybox" \
    bin/gpumem="$stack/gpumem" \
    lib/modules/nvgrace_mem.ko="$stack/16k/module-build/nvgrace_mem.ko"
echo "build-guest: guest ready in $stack"
