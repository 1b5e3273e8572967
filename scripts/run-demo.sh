#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Build what is missing, then start QEMU with vfio-pci-nvgrace on the
# emulated GH200 host and print where the GPU memory landed.
set -eu

repo=$(cd "$(dirname "$0")/.." && pwd)
build=${NVGRACE_BUILD:-$repo/build}

"$repo/scripts/build-all.sh" "$build"
echo
python3 "$repo/scripts/demo.py" "$build"
