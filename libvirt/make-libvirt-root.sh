#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# make-libvirt-root.sh DIR: a Debian 13 (trixie) root in DIR with libvirtd,
# its QEMU driver and virsh from trixie-backports (libvirt 12.9 or later),
# for libvirt/libvirt_test.py to run libvirtd in.  Debian 12 has no libvirt
# newer than 11.3, and trixie-backports' libvirt needs trixie's
# libraries.
# Installs debootstrap first when it is missing.  Made once; made again when
# DIR/.complete is missing.  Exits 77 (skip, for the test) when it cannot:
# not root, not Debian, or the archive cannot serve the packages.
set -eu

if [ $# -ne 1 ]; then
    echo "usage: make-libvirt-root.sh DIR" >&2
    exit 2
fi
root=$1
if [ -f "$root/.complete" ]; then
    exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "make-libvirt-root: debootstrap needs root" >&2
    exit 77
fi
if ! command -v debootstrap >/dev/null 2>&1; then
    if ! command -v apt-get >/dev/null 2>&1; then
        echo "make-libvirt-root: no debootstrap, and no apt-get to" \
             "install it" >&2
        exit 77
    fi
    apt-get -o DPkg::Lock::Timeout=600 update -q >/dev/null &&
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 \
        install -y -q --no-install-recommends debootstrap >/dev/null || {
        echo "make-libvirt-root: could not install debootstrap" >&2
        exit 77
    }
fi

mirror=http://deb.debian.org/debian
work=$root.tmp
log=$root.log
rm -rf "$work"
echo "make-libvirt-root: debootstrap trixie into $work (log: $log)"
# retry(), as the guest's downloads have it
. "$(dirname "$0")/../guest/debian-apt.sh"
if ! retry debootstrap --variant=minbase trixie "$work" "$mirror" \
        >"$log" 2>&1; then
    tail -5 "$log" >&2
    echo "make-libvirt-root: debootstrap could not make a trixie root" >&2
    rm -rf "$work"
    exit 77
fi
echo "deb $mirror trixie-backports main" \
    >"$work/etc/apt/sources.list.d/trixie-backports.list"
# -t: libvirt's dependencies come from backports where it needs them to.
if ! retry chroot "$work" sh -c '
        apt-get update -q &&
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
            --no-install-recommends -t trixie-backports \
            libvirt-daemon libvirt-daemon-driver-qemu libvirt-clients &&
        apt-get clean' >>"$log" 2>&1; then
    tail -5 "$log" >&2
    echo "make-libvirt-root: apt-get could not install libvirt from" \
         "trixie-backports" >&2
    rm -rf "$work"
    exit 77
fi
rm -rf "$root"
mv "$work" "$root"
touch "$root/.complete"
echo "make-libvirt-root: $(chroot "$root" virsh --version) in $root"
