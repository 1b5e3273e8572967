#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# build-all.sh BUILD [TARGET...]: install what is missing, then build the
# emulated host and the patched QEMU into BUILD: everything, or only the
# meson targets named (the demo needs no sanitizer build).
set -eu

repo=$(cd "$(dirname "$0")/.." && pwd)
build=$1
shift

"$repo/scripts/install-deps.sh"
[ -f "$build/build.ninja" ] || meson setup "$build" "$repo"
meson compile -C "$build" "$@"
