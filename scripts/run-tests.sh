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

# What the guest and nested suites need, built here so that each takes a
# stage of its own; the suites run the same scripts, which then find it
# built.  A failure here is reported again, and explained, by the suite
# that needs it (status 77 is a download that failed: a loud skip).
prepare() {
    name=$1
    shift
    stage "$name"
    "$@" || echo "== $name failed (status $?); its tests will say why"
    stage_done "$name"
}
prepare "guest: Debian's arm64 kernels, busybox and edk2 (downloads)" \
    "$repo/guest/build-guest.sh" "$build"
prepare "nested host: Linux 7.3 for L1, stock" \
    "$repo/nested-host/build-kernel.sh" "$build"
prepare "nested host: Linux 7.3 for L1, with kernel/'s series" \
    "$repo/nested-host/build-kernel.sh" "$build" series
prepare "nested host: this QEMU for arm64 (L1)" \
    "$repo/nested-host/build-qemu-arm64.sh" "$build"

stage "tests (the series suite also builds every prefix of the series)"
status=0
meson test -C "$build" --print-errorlogs || status=$?
stage_done "tests"
python3 "$repo/scripts/test-summary.py" "$build/meson-logs/testlog.json"
exit $status
