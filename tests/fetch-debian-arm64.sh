#!/usr/bin/env bash
# Fetches real Debian arm64 binaries into tests/.cache (ignored by git) for the end-to-end
# tests (tests/debian_e2e.rs): busybox-static, and a sysroot of libc6 + coreutils + xz +
# bzip2 + gzip + python3.11 with their library dependencies. Tests that need them are skipped,
# with a message, when they are missing.
#
# Idempotent: a second run with the same package list does nothing. Needs root (it adds
# the arm64 architecture to dpkg and runs apt-get update) on Debian bookworm.
set -euo pipefail
cd "$(dirname "$0")"
cache=.cache
sysroot=$cache/sysroot
stamp=$sysroot/.fetched

say() { echo "fetch-debian-arm64: $*"; }

# Everything the end-to-end tests run, and the shared libraries those programs load.
pkgs=(busybox-static libc6 libgcc-s1 coreutils libacl1 libattr1 libselinux1 libpcre2-8-0
      libgmp10 libssl3 libcap2 xz-utils liblzma5 bzip2 libbz2-1.0 zlib1g gzip
      python3.11-minimal libpython3.11-minimal libpython3.11-stdlib libexpat1)

if [[ -f $stamp && "$(cat "$stamp")" == "${pkgs[*]}" ]]; then
    say "sysroot already present in tests/$sysroot"
    exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
    say "no apt-get; end-to-end tests with Debian binaries will be skipped"
    exit 0
fi

mkdir -p "$cache/debs" "$sysroot"
if ! dpkg --print-foreign-architectures | grep -qx arm64; then
    say "adding the arm64 architecture to dpkg"
    dpkg --add-architecture arm64
fi
say "apt-get update"
apt-get update -qq
# apt's download sandbox user cannot write into this directory; download as root.
apt_download=(apt-get download -qq -o APT::Sandbox::User=root)
(
    cd "$cache/debs"
    for p in "${pkgs[@]}"; do
        if ! ls "${p}"_*_arm64.deb >/dev/null 2>&1; then
            say "downloading $p:arm64"
            "${apt_download[@]}" "$p:arm64"
        fi
    done
)
for deb in "$cache"/debs/*.deb; do
    dpkg-deb -x "$deb" "$sysroot"
done

# The package list is complete only if the programs actually run: check each one under
# qemu-aarch64 -L (a missing library fails here, not later inside a test).
if command -v qemu-aarch64 >/dev/null 2>&1; then
    root=$(cd "$sysroot" && pwd)
    check() {
        if ! out=$(qemu-aarch64 -L "$root" "$@" 2>&1 </dev/null); then
            say "FAILED: $* did not run under qemu-aarch64 -L $root:"
            echo "$out" | head -5
            exit 1
        fi
    }
    say "checking that the binaries run under qemu-aarch64"
    check "$root/bin/busybox" true
    check "$root/bin/ls" --version
    check "$root/usr/bin/sort" --version
    check "$root/usr/bin/sha256sum" --version
    check "$root/usr/bin/factor" 12
    check "$root/usr/bin/xz" --version
    check "$root/bin/bzip2" --help
    check "$root/bin/gzip" --version
    check "$root/usr/bin/python3.11" -S -c "import json, math, re, collections; print(json.dumps([1]))"
else
    say "qemu-aarch64 not installed: skipping the check that the binaries run"
fi
echo "${pkgs[*]}" >"$stamp"
say "sysroot ready in tests/$sysroot"
