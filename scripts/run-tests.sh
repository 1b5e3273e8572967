#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Install what is missing, build everything and run every test.  The last
# line is the summary: "N passed, N failed, N skipped".
set -eu

repo=$(cd "$(dirname "$0")/.." && pwd)
build=${NVGRACE_BUILD:-$repo/build}

"$repo/scripts/build-all.sh" "$build"

status=0
meson test -C "$build" --print-errorlogs || status=$?
python3 "$repo/scripts/test-summary.py" "$build/meson-logs/testlog.json"
exit $status
