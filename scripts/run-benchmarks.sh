#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Build what is missing (QEMU with the series, the emulated host, the arm64
# test guest), then run the benchmarks: the table goes to stdout and to
# build/benchmark.txt.  Not part of the test run.
set -eu

repo=$(cd "$(dirname "$0")/.." && pwd)
build=${NVGRACE_BUILD:-$repo/build}

"$repo/scripts/build-all.sh" "$build"
"$repo/guest/build-guest.sh" "$build"
exec python3 "$repo/scripts/benchmark.py" "$build"
