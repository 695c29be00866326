#!/usr/bin/env bash
# Fetches real Debian arm64 binaries into tests/.cache (ignored by git) for the end-to-end
# tests: busybox-static, and a sysroot of libc6 + coreutils + xz + bzip2 + python3.11.
# Tests that need them are skipped (with a message) when they are missing.
set -euo pipefail
cd "$(dirname "$0")"
cache=.cache
mkdir -p "$cache/debs" "$cache/sysroot"
if ! command -v apt-get >/dev/null 2>&1; then
    echo "fetch-debian-arm64: no apt-get; end-to-end tests with Debian binaries will be skipped"
    exit 0
fi
if ! dpkg --print-foreign-architectures | grep -qx arm64; then
    dpkg --add-architecture arm64
fi
apt-get update -qq
pkgs=(busybox-static libc6 coreutils xz-utils bzip2 libbz2-1.0 liblzma5 libacl1 libattr1
      libselinux1 libpcre2-8-0 libgmp10 libssl3 libcap2 zlib1g
      python3.11-minimal libpython3.11-minimal libexpat1)
(cd "$cache/debs" && for p in "${pkgs[@]}"; do
    ls "${p}"_*_arm64.deb >/dev/null 2>&1 || apt-get download -qq "$p:arm64"
done)
for d in "$cache"/debs/*.deb; do
    dpkg-deb -x "$d" "$cache/sysroot"
done
echo "fetch-debian-arm64: sysroot ready in tests/$cache/sysroot"
