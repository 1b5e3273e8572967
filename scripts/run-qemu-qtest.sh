#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# run-qemu-qtest.sh BUILD TEST: run one of QEMU's aarch64 qtests through
# QEMU's own meson test harness.  A skipped test fails here: the caller
# provides everything the test needs.
set -eu

log=$1/qemu-build/meson-logs/testlog.json
meson test -C "$1/qemu-build" --no-rebuild --print-errorlogs \
    "qtest-aarch64/$2"
if grep -q '"result": "SKIP"' "$log"; then
    echo "run-qemu-qtest: $2 was skipped" >&2
    exit 1
fi
