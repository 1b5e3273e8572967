#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# run-benchmarks.sh [kvm]: build what is missing (QEMU with the series, the
# emulated host, the arm64 test guest), then run the benchmarks: the table
# goes to stdout and to build/benchmark.txt.  With kvm, P1 and P2 under KVM
# in the nested Linux 7.3 host instead (its kernel and the arm64 QEMU are
# built too), to build/benchmark-kvm.txt.  Not part of the test run.
set -eu

repo=$(cd "$(dirname "$0")/.." && pwd)
build=${NVGRACE_BUILD:-$repo/build}

"$repo/scripts/build-all.sh" "$build"
"$repo/guest/build-guest.sh" "$build"
if [ "${1:-}" = kvm ]; then
    "$repo/nested-host/build-kernel.sh" "$build"
    "$repo/nested-host/build-qemu-arm64.sh" "$build"
    exec python3 "$repo/nested-host/kvm_benchmark.py" "$build"
fi
exec python3 "$repo/scripts/benchmark.py" "$build"
