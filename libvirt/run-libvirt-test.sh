#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# run-libvirt-test.sh BUILD: start libvirt/vfio-pci-nvgrace-domain.xml
# through libvirt (a private libvirtd of its own) with BUILD's QEMU on the
# emulated host, check the GPU and its memory through QEMU's monitor, and
# boot the arm64 test guest in it.  Installs libvirt first
# (libvirt/install-libvirt.sh) and makes the guest (guest/build-guest.sh).
# Skips (status 77, saying why) where libvirt cannot be installed, the
# guest cannot be downloaded or libvirtd cannot run.
set -u

here=$(cd "$(dirname "$0")" && pwd)
if [ $# -ne 1 ]; then
    echo "usage: run-libvirt-test.sh BUILD" >&2
    exit 2
fi

"$here/install-libvirt.sh"
status=$?
if [ $status -eq 77 ]; then
    echo "SKIP: libvirt could not be installed; libvirt test not run" >&2
    exit 77
elif [ $status -ne 0 ]; then
    exit $status
fi
repo=$(dirname "$here")
"$repo/guest/build-guest.sh" "$1"
status=$?
if [ $status -eq 77 ]; then
    echo "SKIP: the arm64 guest could not be downloaded; libvirt test not run" >&2
    exit 77
elif [ $status -ne 0 ]; then
    exit $status
fi
exec python3 "$here/libvirt_test.py" "$1"
