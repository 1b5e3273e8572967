#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Install what is missing, build everything and run every test.  The last
# line is the summary: "N passed, N failed, N skipped".
set -eu

repo=$(cd "$(dirname "$0")/.." && pwd)
build=${NVGRACE_BUILD:-$repo/build}

# Each stage says when it starts and how long it took; meson test gives
# each test's time.
stage() {
    echo "== $1 ($(date -u +%H:%M:%S))"
    stage_start=$(date +%s)
}
stage_done() {
    echo "== $1: $(($(date +%s) - stage_start)) s"
}

stage "build: the emulated host, QEMU and QEMU with sanitizers"
"$repo/scripts/build-all.sh" "$build"
stage_done "build"

stage "tests (a first run also downloads and builds the guest, the nested
   host's kernel and an arm64 QEMU, and builds every prefix of the series)"
status=0
meson test -C "$build" --print-errorlogs || status=$?
stage_done "tests"
python3 "$repo/scripts/test-summary.py" "$build/meson-logs/testlog.json"
exit $status
