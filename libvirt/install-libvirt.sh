#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# install-libvirt.sh: install what libvirt/run-libvirt-test.sh needs, from
# Debian: libvirtd with its QEMU driver and virsh (libvirt 11, from
# bookworm-backports on Debian 12).  (The UEFI firmware is the test
# guest's, guest/fetch-guest.sh: Debian 12's qemu-efi-aarch64 hides the
# guest's NUMA nodes.)  Only the libvirt packages come from backports; only
# what is missing (or a libvirt older than 11) is installed.  Safe to re-run.
# Exits 77 (skip, for the test) when it cannot install: not root, not
# Debian, or Debian's archive cannot serve the packages.
set -eu

libvirt_pkgs="libvirt-daemon libvirt-daemon-driver-qemu libvirt-clients"

installed_version() {
    dpkg-query -W -f '${Status} ${Version}\n' "$1" 2>/dev/null |
        sed -n 's/^install ok installed //p'
}

missing_libvirt=""
for p in $libvirt_pkgs; do
    v=$(installed_version "$p")
    if [ -z "$v" ] || dpkg --compare-versions "$v" lt 11; then
        missing_libvirt="$missing_libvirt $p"
    fi
done
if [ -z "$missing_libvirt" ]; then
    echo "install-libvirt: already installed: libvirt $(virsh --version)"
    exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
    echo "install-libvirt: not root, cannot install:$missing_libvirt" >&2
    exit 77
fi
if ! command -v apt-get >/dev/null 2>&1 || [ ! -r /etc/os-release ]; then
    echo "install-libvirt: not a Debian system, install libvirt >= 11" \
         "yourself" >&2
    exit 77
fi
. /etc/os-release
codename=${VERSION_CODENAME:-}

export DEBIAN_FRONTEND=noninteractive
apt="apt-get -o DPkg::Lock::Timeout=600 -y -q --no-install-recommends"
suffix=""
if [ "$codename" = bookworm ]; then
    # bookworm has libvirt 9.0; 11.x is in bookworm-backports.  The
    # pkg/release form takes only these packages (and the libvirt libraries
    # they need at the same version) from backports, not the whole
    # dependency tree.
    list=/etc/apt/sources.list.d/bookworm-backports.list
    grep -rqs '^[^#]*bookworm-backports' /etc/apt/sources.list \
        /etc/apt/sources.list.d/ ||
        echo "deb http://deb.debian.org/debian bookworm-backports main" >"$list"
    suffix=/bookworm-backports
fi
pkgs=""
for p in $missing_libvirt; do
    pkgs="$pkgs $p$suffix"
done
# shellcheck disable=SC2086
if ! apt-get -o DPkg::Lock::Timeout=600 update -q ||
   ! $apt install $pkgs; then
    echo "install-libvirt: apt-get could not install:$pkgs" >&2
    exit 77
fi
echo "install-libvirt: installed: libvirt $(virsh --version)"
