#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Build what is missing (QEMU with the series, the emulated host, the arm64
# test guest), then boot the guest with vfio-pci-nvgrace on the emulated
# GH200 host and show its NUMA nodes and where the GPU memory landed.
set -eu

repo=$(cd "$(dirname "$0")/.." && pwd)
build=${NVGRACE_BUILD:-$repo/build}

echo "== building the emulated host and QEMU (first run: about 9 minutes on 2 cores)"
"$repo/scripts/build-all.sh" "$build" nvgrace-host
"$repo/scripts/build-qemu.sh" "$build" emulator
echo "== making the arm64 guest (first run: downloads Debian's kernel)"
"$repo/guest/build-guest.sh" "$build"
echo
python3 "$repo/scripts/demo.py" "$build"
