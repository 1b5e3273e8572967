#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# run-nested-tests.sh BUILD probe|device|qtest|region|kvm [TEST...]: build
# the nested real-kernel host (Linux 7.3 from Debian's linux-source-7.3,
# the test guest's busybox and edk2) and what runs in it, and run
#   probe   nested-host/probe_test.py: the probes in L1 and on the
#           emulated host;
#   device  nested-host/device_test.py: this project's QEMU (built for
#           arm64) in L1, on the real nvgrace-gpu, stock and with
#           kernel/'s series;
#   qtest   nested-host/qtest_test.py: the device's qtests (built for
#           arm64) in L1, on the real nvgrace-gpu, stock and with
#           kernel/'s series;
#   region  nested-host/region_test.py: the probes in L1 running Linux 7.3
#           with kernel/'s series, on its coherent memory region;
#   kvm     nested-host/kvm_test.py: L1 at EL2 runs the arm64 QEMU with
#           -accel kvm, on the real nvgrace-gpu, stock and with kernel/'s
#           series, with the test guest as L2.
# Skips (status 77, saying why) only when Debian's archive and
# shared/deps cannot serve the kernel source or the packages.
set -u

repo=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "$1" && pwd)
suite=$2
shift 2
nested=$build/nested

# step SCRIPT [ARG...]: runs repo's SCRIPT BUILD [ARG...]
step() {
    script=$1
    shift
    "$repo/$script" "$build" "$@"
    status=$?
    if [ $status -eq 77 ]; then
        echo "SKIP: $script could not download what it needs; the nested" \
             "real-kernel host was NOT tested" >&2
        exit 77
    elif [ $status -ne 0 ]; then
        exit $status
    fi
}

step guest/build-guest.sh
case $suite in
region) step nested-host/build-kernel.sh series ;;
device|qtest|kvm) step nested-host/build-kernel.sh
        step nested-host/build-kernel.sh series ;;
*) step nested-host/build-kernel.sh ;;
esac
case $suite in
device|qtest|kvm) step nested-host/build-qemu-arm64.sh ;;
esac

case $(uname -m) in
aarch64|arm64) cross_cc=gcc ;;
*) cross_cc=aarch64-linux-gnu-gcc-12 ;;
esac
# The probe for L1 (static, arm64) and for the emulated host (this
# machine), against the uapi of the kernel L1 runs.
probe=$repo/nested-host/probe/vfio-probe.c
if [ "$suite" = region ]; then
    $cross_cc -static -O2 -Wall -Wextra -Werror -I"$nested/uapi-series" \
        -o "$nested/vfio-probe-series-arm64" "$probe" || exit 1
    cc -O2 -Wall -Wextra -Werror -I"$nested/uapi-series" \
        -o "$nested/vfio-probe-series" "$probe" || exit 1
else
    $cross_cc -static -O2 -Wall -Wextra -Werror -I"$nested/uapi" \
        -o "$nested/vfio-probe-arm64" "$probe" || exit 1
    cc -O2 -Wall -Wextra -Werror -I"$nested/uapi" \
        -o "$nested/vfio-probe" "$probe" || exit 1
fi

exec python3 "$repo/nested-host/${suite}_test.py" "$build" "$@"
