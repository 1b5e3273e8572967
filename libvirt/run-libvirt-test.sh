#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# run-libvirt-test.sh BUILD VARIANT: start a domain of libvirt/ through
# libvirt (a private libvirtd of its own) with BUILD's QEMU on the emulated
# host, check the GPU and its memory through QEMU's monitor, and boot the
# arm64 test guest in it (libvirt/libvirt_test.py).  VARIANT:
#   hostdev      vfio-pci-nvgrace-domain.xml on libvirt 12.9 from Debian 13,
#                in a root made by libvirt/make-libvirt-root.sh;
#   commandline  vfio-pci-nvgrace-domain-commandline.xml on this machine's
#                libvirt 11 (libvirt/install-libvirt.sh).
# Makes the guest (guest/build-guest.sh).  Skips (status 77, saying why)
# where libvirt cannot be installed, the guest cannot be downloaded or
# libvirtd cannot run.
set -u

here=$(cd "$(dirname "$0")" && pwd)
if [ $# -ne 2 ]; then
    echo "usage: run-libvirt-test.sh BUILD hostdev|commandline" >&2
    exit 2
fi

# Run a preparing step; its exit status 77 skips the test, saying why.
prepare() {  # WHAT-FAILED COMMAND...
    what=$1
    shift
    "$@"
    status=$?
    if [ $status -eq 77 ]; then
        echo "SKIP: $what; libvirt test not run" >&2
        exit 77
    elif [ $status -ne 0 ]; then
        exit $status
    fi
}

case $2 in
hostdev)
    prepare "the Debian 13 root with libvirt 12.9 could not be made" \
        "$here/make-libvirt-root.sh" "$1/libvirt-root"
    ;;
commandline)
    prepare "libvirt could not be installed" "$here/install-libvirt.sh"
    ;;
*)
    echo "run-libvirt-test.sh: unknown variant $2" >&2
    exit 2
    ;;
esac
prepare "the arm64 guest could not be downloaded" \
    "$(dirname "$here")/guest/build-guest.sh" "$1"
exec python3 "$here/libvirt_test.py" "$1" "$2"
