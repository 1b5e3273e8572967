#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# run-qemu-qtest.sh BUILD TEST [QEMU-BUILD-DIR]: run one of QEMU's aarch64
# qtests through QEMU's own meson test harness, in BUILD/qemu-build or
# another build of QEMU in BUILD (qemu-asan).  A skipped test fails here:
# the caller provides everything the test needs.
set -eu

obj=$1/${3:-qemu-build}
log=$obj/meson-logs/testlog.json
meson test -C "$obj" --no-rebuild --print-errorlogs "qtest-aarch64/$2"
if grep -q '"result": "SKIP"' "$log"; then
    echo "run-qemu-qtest: $2 was skipped" >&2
    exit 1
fi
