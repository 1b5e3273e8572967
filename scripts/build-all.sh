#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# build-all.sh BUILD: install what is missing, then build the emulated host
# and the patched QEMU into BUILD.
set -eu

repo=$(cd "$(dirname "$0")/.." && pwd)

"$repo/scripts/install-deps.sh"
[ -f "$1/build.ninja" ] || meson setup "$1" "$repo"
meson compile -C "$1"
