#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# check-series.sh BUILD: the kernel series in kernel/, checked as the
# kernel's lists would: it applies to Debian's linux-source-7.3 in the
# order of kernel/series, every patch builds with W=1 (the objects it can
# change: drivers/vfio and iommufd, in the nested host's configuration),
# and scripts/checkpatch.pl --strict reports nothing on any patch.
# The tree is BUILD/kernel/linux-7.3, a copy of the pristine source; each
# patch's objects go to BUILD/kernel/obj.  One line per check, then
# "N passed, N failed".  Exits with status 77 when the source cannot be had.
set -u

repo=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$1/kernel"
build=$(cd "$1" && pwd)
dir=$build/kernel
src=$dir/linux-7.3
obj=$dir/obj

"$repo/nested-host/fetch-linux.sh" "$build/nested" || exit $?

case $(uname -m) in
aarch64|arm64) cc=gcc; cross= ;;
*) cc=aarch64-linux-gnu-gcc-12; cross=aarch64-linux-gnu- ;;
esac
command -v ccache >/dev/null && cc="ccache $cc"
export KBUILD_BUILD_TIMESTAMP="2026-01-01" KBUILD_BUILD_USER=nvgrace \
       KBUILD_BUILD_HOST=nested-host CCACHE_BASEDIR=$dir CCACHE_NOHASHDIR=1
kmake() {
    make -C "$src" O="$obj" ARCH=arm64 CROSS_COMPILE="$cross" CC="$cc" "$@"
}

passed=0
failed=0
result() {
    if [ "$1" = 0 ]; then
        passed=$((passed + 1)); echo "ok: $2"
    else
        failed=$((failed + 1)); echo "FAILED: $2"
    fi
}

# A fresh copy: hard links, which patch(1) breaks as it rewrites a file.
rm -rf "$src"
cp -al "$build/nested/linux-7.3" "$src"
# Objects of an earlier run are newer than the pristine sources: rebuild.
rm -rf "$obj/drivers/vfio" "$obj/drivers/iommu/iommufd"
mkdir -p "$obj"
KCONFIG_ALLCONFIG=$repo/nested-host/linux.config kmake -s allnoconfig

while read -r patch; do
    case $patch in ''|'#'*) continue ;; esac
    file=$repo/kernel/$patch
    if ! patch -d "$src" -p1 -s --no-backup-if-mismatch <"$file" \
            >"$dir/apply.log" 2>&1; then
        cat "$dir/apply.log"
        result 1 "$patch applies"
        break
    fi
    result 0 "$patch applies"

    kmake -j"$(nproc)" W=1 drivers/vfio/ drivers/iommu/iommufd/ \
        >"$dir/build.log" 2>&1
    status=$?
    # Linux 7.3 builds these without warnings: any warning fails.
    if [ $status = 0 ] && grep -q "warning:" "$dir/build.log"; then
        status=1
    fi
    [ $status = 0 ] || tail -20 "$dir/build.log"
    result $status "$patch builds with W=1"

    (cd "$src" && perl scripts/checkpatch.pl --strict --no-tree -q "$file")
    result $? "$patch: checkpatch.pl --strict reports nothing"
done <"$repo/kernel/series"

echo "$passed passed, $failed failed"
[ $failed = 0 ]
