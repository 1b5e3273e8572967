#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Install what building QEMU and running the tests needs, from Debian.
# Safe to re-run: it only installs what is missing.
set -eu

need_root() {
    if [ "$(id -u)" -ne 0 ]; then
        echo "install-deps: run as root (or install: $*)" >&2
        exit 1
    fi
}

. /etc/os-release
codename=${VERSION_CODENAME:-bookworm}

pkgs="build-essential git pkg-config ninja-build flex bison python3 python3-venv
      libglib2.0-dev libfdt-dev zlib1g-dev dpkg-dev xz-utils ccache
      acpica-tools clang libclang-rt-dev qemu-system-common"
# qemu-system-common: its qemu-storage-daemon is the vhost-user back end of
# the tests that check the device and vhost-user exclude each other.
# The arm64 test guest: its programs and module are cross-built unless the
# host is arm64, and so is the nested host's QEMU, which also submits I/O
# through libaio and io_uring.
case $(uname -m) in
aarch64|arm64) pkgs="$pkgs libaio-dev liburing-dev" ;;
*) pkgs="$pkgs gcc-12-aarch64-linux-gnu binutils-aarch64-linux-gnu
         libc6-dev-arm64-cross" ;;
esac
# meson >= 1.5 and pycotap: bookworm has them only in backports.
bpo_pkgs="meson python3-pycotap"

missing=""
for p in $pkgs $bpo_pkgs; do
    dpkg-query -W -f '${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
        missing="$missing $p"
done
if command -v meson >/dev/null 2>&1 &&
   ! printf '%s\n1.5.0\n' "$(meson --version)" | sort -V -C -r 2>/dev/null; then
    : # meson present but older than 1.5: reinstall from backports below
    missing="$missing meson"
fi
[ -n "$missing" ] || exit 0
need_root $missing

export DEBIAN_FRONTEND=noninteractive
if [ "$codename" = bookworm ]; then
    list=/etc/apt/sources.list.d/bookworm-backports.list
    [ -f "$list" ] ||
        echo "deb http://deb.debian.org/debian bookworm-backports main" >"$list"
    apt-get update -q
    apt-get install -y -q --no-install-recommends $pkgs
    apt-get install -y -q --no-install-recommends -t bookworm-backports $bpo_pkgs
else
    apt-get update -q
    apt-get install -y -q --no-install-recommends $pkgs $bpo_pkgs
fi
