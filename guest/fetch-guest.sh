#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# fetch-guest.sh DIR: the arm64 guest stack, from Debian's archive, into DIR:
#   DIR/Image, DIR/busybox        Debian's arm64 kernel and busybox-static
#   DIR/modules/                  the kernel's modules tree
#   DIR/headers/                  its headers, ready for out-of-tree modules
#   DIR/16k/Image, DIR/16k/headers/   the same for a kernel with 16 KiB
#                                 pages (Debian's arm64-16k flavour, which
#                                 bookworm-security ships from Linux 6.12)
#   DIR/AAVMF_CODE.fd, DIR/AAVMF_VARS.fd   edk2 from trixie (bookworm's
#                                 edk2 reports memory SRAT does not cover)
# The .deb files are cached in DIR/debs and checked against the SHA256SUMS
# written there when they were downloaded (apt checked them against the
# archive's signed indexes).  Exits with status 77 when the archive cannot
# serve a package, so that tests skip loudly.
set -eu

mkdir -p "$1"
dir=$(cd "$1" && pwd)     # apt takes relative paths from /
debs=$dir/debs
apt_dir=$dir/apt
host_arch=$(dpkg --print-architecture)
mkdir -p "$debs"
. "$(dirname "$0")/debian-apt.sh"

if [ -f "$dir/.complete" ] && [ -f "$dir/16k/Image" ] &&
   (cd "$debs" && sha256sum --quiet -c SHA256SUMS 2>/dev/null); then
    exit 0
fi
rm -f "$dir/.complete"

debian_apt_config "$apt_dir"

echo "fetch-guest: reading Debian's package indexes"
retry apt-get update >"$apt_dir/update.log" 2>&1 || {
    tail -5 "$apt_dir/update.log" >&2
    echo "fetch-guest: the Debian archive cannot be reached" >&2
    exit 77
}

# The kernel ABI changes with security updates: take the one the
# metapackage points at today.
abi=$(apt-cache depends linux-image-arm64:arm64 |
      sed -n 's/.*Depends: linux-image-\([0-9][^:]*\)-arm64.*/\1/p' | head -1)
[ -n "$abi" ] || { echo "fetch-guest: no linux-image-arm64" >&2; exit 77; }
kbuild=$(apt-cache depends "linux-headers-$abi-common" |
         sed -n 's/.*Depends: \(linux-kbuild-[0-9.]*\).*/\1/p' | head -1)
[ -n "$kbuild" ] || kbuild=$(apt-cache depends \
    "linux-headers-$abi-arm64:arm64" |
    sed -n 's/.*Depends: \(linux-kbuild-[0-9.]*\).*/\1/p' | head -1)

abi16=$(apt-cache pkgnames linux-image- |
        sed -n 's/^linux-image-\(.*+deb12\)-arm64-16k-unsigned$/\1/p' |
        sort -V | tail -1)
[ -n "$abi16" ] || { echo "fetch-guest: no arm64-16k kernel" >&2; exit 77; }

pkgs="linux-image-$abi-arm64:arm64 linux-headers-$abi-arm64:arm64
      linux-headers-$abi-common $kbuild:$host_arch busybox-static:arm64
      linux-image-$abi16-arm64-16k-unsigned:arm64
      linux-headers-$abi16-arm64-16k:arm64 linux-headers-$abi16-common
      linux-kbuild-$abi16:$host_arch qemu-efi-aarch64/trixie"
echo "fetch-guest: downloading" $pkgs
rm -f "$debs"/*.deb
(cd "$debs" && retry apt-get download $pkgs) \
    >"$apt_dir/download.log" 2>&1 || {
    tail -5 "$apt_dir/download.log" >&2
    echo "fetch-guest: the archive did not serve the guest packages" >&2
    exit 77
}
(cd "$debs" && sha256sum ./*.deb >SHA256SUMS)

rm -rf "$dir/root"
for deb in "$debs"/*.deb; do
    dpkg-deb -x "$deb" "$dir/root"
done
root=$dir/root
cp "$root/boot/vmlinuz-$abi-arm64" "$dir/Image"
cp "$root/bin/busybox" "$dir/busybox"
rm -rf "$dir/modules"
mv "$root/lib/modules/$abi-arm64" "$dir/modules"
cp "$root/usr/share/AAVMF/AAVMF_CODE.no-secboot.fd" "$dir/AAVMF_CODE.fd"
cp "$root/usr/share/AAVMF/AAVMF_VARS.fd" "$dir/AAVMF_VARS.fd"

# install_headers ABI FLAVOUR KBUILD DEST: the headers ready for
# out-of-tree modules.  Their Makefile names the -common tree by its
# installed path; their scripts and tools are the host's kbuild tools,
# unpacked under root/.
install_headers() {
    rm -rf "$4"
    mv "$root/usr/src/linux-headers-$1-$2" "$4"
    common=$(cd "$root/usr/src/linux-headers-$1-common" && pwd)
    sed -i "s|/usr/src/linux-headers-$1-common|$common|" "$4/Makefile"
    for link in scripts tools; do
        ln -sfn "$root/usr/lib/$3/$link" "$4/$link"
    done
}
install_headers "$abi" arm64 "$kbuild" "$dir/headers"
mkdir -p "$dir/16k"
cp "$root/boot/vmlinuz-$abi16-arm64-16k" "$dir/16k/Image"
install_headers "$abi16" arm64-16k "linux-kbuild-$abi16" "$dir/16k/headers"
echo "$abi" >"$dir/kernel-abi"
touch "$dir/.complete"
echo "fetch-guest: guest stack for Linux $abi-arm64 and $abi16-arm64-16k" \
     "ready in $dir"
