#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# fetch-qemu.sh SRC DOWNLOADS: make SRC a git tree of QEMU 10.2.2 whose tag
# 'pristine' is the unpatched source.  Where the source comes from, in order:
#   1. QEMU_SRC, a QEMU tree of the user's (copied, never modified);
#   2. Debian's source package qemu 1:10.2.2+ds-1 from the archive;
#   3. the copy in ../shared/deps/qemu-10.2.2 beside this repository, or in
#      NVGRACE_QEMU_DEPS.
# Downloads are checked against scripts/qemu-10.2.2.sha256.
set -eu

src=$1
downloads=$2
here=$(cd "$(dirname "$0")" && pwd)
version=1:10.2.2+ds-1
dsc=qemu_10.2.2+ds-1.dsc

if git -C "$src" rev-parse -q --verify pristine >/dev/null 2>&1; then
    exit 0
fi

verified() {
    [ -f "$downloads/$dsc" ] &&
        (cd "$downloads" && sha256sum --quiet -c "$here/qemu-10.2.2.sha256")
}

from_archive() {
    apt_dir=$downloads/apt
    mkdir -p "$apt_dir/lists/partial"
    cat >"$apt_dir/sources.list" <<LIST
deb-src http://deb.debian.org/debian sid main
LIST
    set -- -o Dir::Etc::SourceList="$apt_dir/sources.list" \
           -o Dir::Etc::SourceParts=/dev/null \
           -o Dir::State::Lists="$apt_dir/lists" \
           -o APT::Sandbox::User="$(id -un)"
    apt-get "$@" -q update >/dev/null &&
        (cd "$downloads" && apt-get "$@" -q source --download-only \
                                    "qemu=$version" >/dev/null)
}

from_shared_copy() {
    shared=${NVGRACE_QEMU_DEPS:-$here/../../shared/deps/qemu-10.2.2}
    [ -d "$shared" ] && cp "$shared"/qemu_10.2.2* "$downloads"/
}

rm -rf "$src"
mkdir -p "$downloads" "$src"
if [ -n "${QEMU_SRC:-}" ]; then
    echo "fetch-qemu: copying QEMU from $QEMU_SRC"
    tar -C "$QEMU_SRC" --exclude=.git --exclude=./build -cf - . |
        tar -C "$src" -xf -
else
    # The archive's mirrors fail now and then: try a few times.
    for attempt in 1 2 3; do
        verified && break
        echo "fetch-qemu: downloading Debian source package qemu $version"
        from_archive && break
        echo "fetch-qemu: the archive did not serve it (attempt $attempt)"
        [ $attempt = 3 ] || sleep 15
    done
    if ! verified; then
        echo "fetch-qemu: using the copy in shared/deps/qemu-10.2.2"
        from_shared_copy || true
    fi
    if ! verified; then
        echo "fetch-qemu: no verified QEMU 10.2.2 source (set QEMU_SRC to" \
             "a QEMU 10.2.2 tree)" >&2
        exit 1
    fi
    rm -rf "$src"
    # Debian's patches are applied: the +ds tarball needs them to build.
    dpkg-source --no-check -x "$downloads/$dsc" "$src" >/dev/null
    rm -rf "$src/.pc"
fi

git -C "$src" init -q
git -C "$src" add -A
git -C "$src" -c user.name=pristine -c user.email=pristine@localhost \
    commit -q -m "QEMU 10.2.2, unpatched"
git -C "$src" tag pristine
echo "fetch-qemu: QEMU source ready in $src"
