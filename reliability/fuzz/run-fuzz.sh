#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# run-fuzz.sh BUILD [SECONDS]: build the region-info fuzzer and run it for
# SECONDS (default 30) from the corpus kept in reliability/fuzz/corpus
# (copied: a test run does not change the repository).  Any crash, hang,
# sanitizer report or failed assertion fails the run; the input that
# caused it is left in BUILD/fuzz/.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "$1" && pwd)
seconds=${2:-30}

python3 "$here/build-fuzz.py" "$build" >/dev/null
work=$(mktemp -d "$build/fuzz/corpus.XXXXXX")
trap 'rm -rf "$work" "$work.log"' EXIT
cp "$here"/corpus/* "$work"/
cd "$build/fuzz"
status=0
# A finding must fail the test: libFuzzer exits 77, which is a skip.
./region-info-fuzz -max_total_time="$seconds" -timeout=5 \
    -error_exitcode=1 -timeout_exitcode=1 \
    -print_final_stats=1 "$work" >"$work.log" 2>&1 || status=$?
# The progress lines are many; the summary and any report are kept.
grep -v -e '^#[0-9]' -e '# Uses: ' "$work.log"
exit $status
