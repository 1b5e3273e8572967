#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# fetch-linux.sh DIR: Linux 7.3.4 from Debian's linux-source-7.3 package
# (trixie-backports, 7.3.4-1~bpo13+1), unpacked in DIR/linux-7.3.
# Where it comes from, in order: the package cached in DIR/debs, Debian's
# archive (a private apt configuration: no root, no change to the
# machine's sources), the copy in ../shared/deps/linux-7.3 beside this
# repository or in NVGRACE_LINUX_DEPS.  It is checked against
# nested-host/linux-7.3.sha256.  Exits with status 77, saying so, when no
# source serves it, so that the tests that need it skip loudly.
set -eu

mkdir -p "$1"
dir=$(cd "$1" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
debs=$dir/debs
version=7.3.4-1~bpo13+1
deb=linux-source-7.3_${version}_all.deb

verified() {
    [ -f "$debs/$deb" ] &&
        (cd "$debs" && sha256sum --quiet -c "$here/linux-7.3.sha256")
}

if [ -f "$dir/linux-7.3/.unpacked" ] && verified; then
    exit 0
fi

from_archive() {
    apt_dir=$dir/apt
    rm -rf "$apt_dir/cache"
    mkdir -p "$apt_dir/lists/partial"
    echo "deb http://deb.debian.org/debian trixie-backports main" \
        >"$apt_dir/sources.list"
    set -- -o Dir::Etc::SourceList="$apt_dir/sources.list" \
           -o Dir::Etc::SourceParts=/dev/null \
           -o Dir::State::Lists="$apt_dir/lists" \
           -o Dir::Cache="$apt_dir/cache" \
           -o APT::Sandbox::User="$(id -un)" -q
    apt-get "$@" update >"$apt_dir/update.log" 2>&1 &&
        (cd "$debs" && apt-get "$@" download "linux-source-7.3=$version") \
            >"$apt_dir/download.log" 2>&1
}

mkdir -p "$debs"
if ! verified; then
    rm -f "$debs/$deb"
    for attempt in 1 2 3; do
        echo "fetch-linux: downloading Debian's linux-source-7.3 $version"
        from_archive && verified && break
        echo "fetch-linux: the archive did not serve it (attempt $attempt)"
        [ $attempt = 3 ] || sleep 15
    done
fi
if ! verified; then
    shared=${NVGRACE_LINUX_DEPS:-$here/../../shared/deps/linux-7.3}
    echo "fetch-linux: using the copy in $shared"
    cp "$shared/$deb" "$debs/" 2>/dev/null || true
fi
if ! verified; then
    echo "fetch-linux: SKIP: no verified linux-source-7.3 $version (neither" \
         "Debian's archive nor shared/deps/linux-7.3 has it)" >&2
    exit 77
fi

echo "fetch-linux: unpacking Linux 7.3 into $dir/linux-7.3"
rm -rf "$dir/linux-7.3" "$dir/pkg"
dpkg-deb -x "$debs/$deb" "$dir/pkg"
mkdir -p "$dir/linux-7.3"
tar -C "$dir/linux-7.3" --strip-components=1 \
    -xf "$dir/pkg/usr/src/linux-source-7.3.tar.xz"
rm -rf "$dir/pkg"
touch "$dir/linux-7.3/.unpacked"
