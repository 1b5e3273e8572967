#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# acpi-dsl.sh [--check]: disassemble the expected ACPI tables of the series
# (tests/data/acpi/aarch64/virt/*.nvgrace*) with iasl into tests/acpi-dsl/,
# where a reviewer reads them.  --check only compares and fails when a
# disassembly is missing or out of date.
set -eu

repo=$(cd "$(dirname "$0")/.." && pwd)
tables=$repo/tests/data/acpi/aarch64/virt
out=$repo/tests/acpi-dsl
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

command -v iasl >/dev/null || {
    echo "acpi-dsl: iasl not found (Debian package acpica-tools)" >&2
    exit 1
}

status=0
for table in "$tables"/*.nvgrace*; do
    name=$(basename "$table")
    mkdir "$tmp/$name"
    # iasl names its output after the prefix, up to the first dot.
    iasl -p "$tmp/$name/table" -d "$table" >"$tmp/iasl.log" 2>&1 || {
        cat "$tmp/iasl.log" >&2
        exit 1
    }
    # Drop the banner: it holds iasl's version and the time of the run.
    sed -e '/^ \* Intel ACPI Component Architecture/,/^ \* Disassembly of/d' \
        "$tmp/$name/table.dsl" >"$tmp/$name.clean"
    if [ "${1:-}" = --check ]; then
        if ! cmp -s "$tmp/$name.clean" "$out/$name.dsl"; then
            echo "acpi-dsl: tests/acpi-dsl/$name.dsl is out of date" \
                 "(run scripts/acpi-dsl.sh)" >&2
            status=1
        fi
    else
        mkdir -p "$out"
        cp "$tmp/$name.clean" "$out/$name.dsl"
    fi
done
exit $status
