# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=sh
#
# Sourced by the scripts that take arm64 packages from Debian's archive:
# a private apt configuration (no root, no change to the machine's
# sources or architectures) and a retry for the archive's mirrors.

# debian_apt_config APT_DIR: bookworm (with its security and updates) and
# trixie pinned low, for arm64 and this machine's architecture, its state
# in APT_DIR; exported as APT_CONFIG for apt-get and apt-cache.
debian_apt_config() {
    _apt=$1
    rm -rf "$_apt/cache"
    mkdir -p "$_apt/lists/partial" "$_apt/cache"
    cat >"$_apt/sources.list" <<LIST
deb http://deb.debian.org/debian bookworm main
deb http://deb.debian.org/debian-security bookworm-security main
deb http://deb.debian.org/debian bookworm-updates main
deb http://deb.debian.org/debian trixie main
LIST
    cat >"$_apt/preferences" <<PREF
Package: *
Pin: release n=trixie
Pin-Priority: 100
PREF
    cat >"$_apt/apt.conf" <<CONF
Dir::Etc::SourceList "$_apt/sources.list";
Dir::Etc::SourceParts "/dev/null";
Dir::Etc::Preferences "$_apt/preferences";
Dir::Etc::PreferencesParts "/dev/null";
Dir::State::Lists "$_apt/lists";
Dir::Cache "$_apt/cache";
APT::Architectures { "arm64"; "$(dpkg --print-architecture)"; };
APT::Sandbox::User "$(id -un)";
quiet "1";
CONF
    APT_CONFIG=$_apt/apt.conf
    export APT_CONFIG
}

# The archive's mirrors fail now and then: try a few times.
retry() {
    for attempt in 1 2 3; do
        "$@" && return 0
        [ $attempt = 3 ] || sleep 15
    done
    return 1
}
