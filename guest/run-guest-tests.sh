#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# run-guest-tests.sh BUILD [TEST...]: make the arm64 test guest (downloads
# once, then cached) and run the guest boot tests against BUILD's QEMU and
# emulated host.  Skips (status 77, with the reason) when the Debian archive
# cannot serve the guest packages.
set -u

repo=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "$1" && pwd)
shift

"$repo/guest/build-guest.sh" "$build"
status=$?
if [ $status -eq 77 ]; then
    echo "SKIP: the arm64 guest could not be downloaded; guest tests not run" >&2
    exit 77
elif [ $status -ne 0 ]; then
    exit $status
fi
exec python3 "$repo/guest/boot_test.py" "$build" "$@"
