# SPDX-License-Identifier: GPL-2.0-or-later
#
# Sourced by build-qemu.sh and check-series.sh: how QEMU is configured and
# cached, in one place, so that check-series.sh's builds of the series'
# prefixes reuse the objects of the main build.

# qemu_ccache_env BUILD: ccache hashes paths under BUILD relative to it, so
# that a build in any clone hits the cache, which is large enough to hold
# the main, sanitizer and prefix builds.
qemu_ccache_env() {
    CCACHE_BASEDIR=$1
    CCACHE_NOHASHDIR=1
    CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-20G}
    export CCACHE_BASEDIR CCACHE_NOHASHDIR CCACHE_MAXSIZE
}

# qemu_configure SRC OBJ [OPTION...]: configure a lean aarch64-softmmu of
# SRC in OBJ (with ccache when it is installed), its output in
# OBJ/configure.log.  It has the vhost back ends, which the device refuses
# to share guest RAM with when they cannot reach its memory.  QEMU_CC
# names another compiler (a cross compiler, with --cross-prefix among the
# options).  On failure, shows the log's end and leaves no build.ninja
# behind.
qemu_configure() {
    _src=$1
    _obj=$2
    shift 2
    _cc=${QEMU_CC:-cc}
    command -v ccache >/dev/null && _cc="ccache $_cc"
    mkdir -p "$_obj"
    (cd "$_obj" && CC="$_cc" "$_src/configure" \
        --target-list=aarch64-softmmu --without-default-features \
        --enable-fdt=system --enable-kvm --enable-tcg \
        --disable-docs --disable-install-blobs \
        --enable-vhost-kernel --enable-vhost-user --enable-vhost-vdpa \
        --enable-vhost-net \
        --python=/usr/bin/python3 "$@" >configure.log 2>&1) || {
        tail -20 "$_obj/configure.log" >&2
        rm -f "$_obj/build.ninja"
        return 1
    }
}
