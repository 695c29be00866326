#!/usr/bin/env bash
# Rebuilds the bundled demo image from Debian bookworm packages:
#
#   Image.gz           arm64 Linux kernel from linux-source-6.1, allnoconfig + kernel.config,
#                      cross-compiled with aarch64-linux-gnu-gcc, then gzip -9
#   initramfs.cpio.gz  busybox-static (arm64) + rootfs/ (the /init script, /etc/profile)
#
# Usage: images/build.sh [kernel|initramfs|all]   (default: all)
#        images/build.sh initramfs OUT.cpio.gz    (the initramfs alone, written to OUT)
#
# Environment: JOBS (make -j, default 2), BUILD_DIR (work files, default images/.build),
# BUSYBOX_DEB (a busybox-static_*_arm64.deb to use instead of downloading one).
#
# Needs (as root it installs them): linux-source-6.1, gcc-aarch64-linux-gnu, make, flex,
# bison, bc, libssl-dev, cpio; dpkg with the arm64 architecture added (for
# `apt-get download busybox-static:arm64`). Work files go to images/.build (git-ignored).
# The kernel takes ~20 minutes on two cores; one `make -j2` (JOBS=N to change it).
#
# The outputs are reproducible: fixed build user/host/timestamp in the kernel, and a
# cpio archive with sorted names, owner root and zero mtimes, gzip'd without a name/time.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${BUILD_DIR:-$here/.build}
jobs=${JOBS:-2}
what=${1:-all}
initramfs_out=${2:-$here/initramfs.cpio.gz}

say() { echo "images/build.sh: $*"; }
die() { say "error: $*" >&2; exit 1; }

need_pkgs() {
    local missing=() p
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
    done
    ((${#missing[@]} == 0)) && return 0
    [[ $(id -u) == 0 ]] || die "missing packages (run as root, or install them): ${missing[*]}"
    say "installing ${missing[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

build_kernel() {
    need_pkgs linux-source-6.1 gcc-aarch64-linux-gnu make flex bison bc libssl-dev
    local tarball=/usr/src/linux-source-6.1.tar.xz src=$build/linux-source-6.1 obj=$build/kernel-obj
    [[ -f $tarball ]] || die "$tarball not found (package linux-source-6.1)"
    if [[ ! -f $src/Makefile ]]; then
        say "extracting $tarball"
        mkdir -p "$build"
        tar -C "$build" -xJf "$tarball"
    fi
    mkdir -p "$obj"
    local version
    version=$(dpkg-query -W -f='${Version}' linux-source-6.1)
    # Fixed identity so that rebuilding from the same source package gives the same Image.
    local kmake=(make -C "$src" O="$obj" ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu-
                 KBUILD_BUILD_USER=emu KBUILD_BUILD_HOST=images
                 KBUILD_BUILD_TIMESTAMP="$(date -u -r "$tarball" '+%a %b %e %H:%M:%S UTC %Y')"
                 KBUILD_BUILD_VERSION=1)
    say "configuring linux-source-6.1 $version: allnoconfig + kernel.config"
    "${kmake[@]}" -s allnoconfig KCONFIG_ALLCONFIG="$here/kernel.config"
    # Kconfig silently drops an option whose dependencies are not met: check that every
    # line of the fragment made it into the final configuration.
    local line bad=0
    while IFS= read -r line; do
        [[ $line =~ ^CONFIG_ ]] || continue
        grep -qxF "$line" "$obj/.config" || { say "option not applied: $line"; bad=1; }
    done <"$here/kernel.config"
    ((bad == 0)) || die "kernel.config has options that Kconfig rejected (see above)"
    say "building Image (make -j$jobs; log in $build/kernel-build.log)"
    if ! "${kmake[@]}" -j"$jobs" Image >"$build/kernel-build.log" 2>&1; then
        tail -30 "$build/kernel-build.log"
        die "kernel build failed"
    fi
    gzip -9n <"$obj/arch/arm64/boot/Image" >"$here/Image.gz"
    cp "$obj/.config" "$build/kernel.config.full"
    say "Image.gz: $(stat -c %s "$here/Image.gz") bytes (Image: $(stat -c %s "$obj/arch/arm64/boot/Image"))"
}

# Downloads busybox-static:arm64 (once) and extracts it into $1.
fetch_busybox() {
    local dest=$1
    if [[ -n ${BUSYBOX_DEB:-} ]]; then
        dpkg-deb -x "$BUSYBOX_DEB" "$dest"
        return
    fi
    mkdir -p "$build/debs"
    if ! ls "$build"/debs/busybox-static_*_arm64.deb >/dev/null 2>&1; then
        dpkg --print-foreign-architectures | grep -qx arm64 \
            || die "dpkg has no arm64 architecture (dpkg --add-architecture arm64 && apt-get update)"
        say "downloading busybox-static:arm64"
        (cd "$build/debs" && apt-get download -qq -o APT::Sandbox::User=root busybox-static:arm64)
    fi
    local debs=("$build"/debs/busybox-static_*_arm64.deb)
    [[ -f ${debs[-1]} ]] || die "apt-get download left no busybox-static package in $build/debs"
    dpkg-deb -x "${debs[-1]}" "$dest"
}

build_initramfs() {
    need_pkgs cpio
    local root=$build/initramfs-root
    rm -rf "$root" "$build/busybox-pkg"
    mkdir -p "$build"
    fetch_busybox "$build/busybox-pkg"
    mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,dev,proc,sys,tmp,root,etc}
    cp "$build/busybox-pkg/bin/busybox" "$root/bin/busybox"
    cp -r "$here/rootfs/." "$root/"
    chmod 755 "$root/init"
    pack_cpio "$root" "$initramfs_out"
    say "$initramfs_out: $(stat -c %s "$initramfs_out") bytes"
}

# pack_cpio DIR OUT: a reproducible newc archive of DIR, gzip'd.
pack_cpio() {
    local dir=$1 out=$2
    find "$dir" -exec touch -h -d @0 {} +
    (cd "$dir" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc -R 0:0 --reproducible --quiet) \
        | gzip -9n >"$out"
}

case $what in
    kernel) build_kernel ;;
    initramfs) build_initramfs ;;
    all) build_initramfs; build_kernel ;;
    *) die "unknown target '$what' (kernel, initramfs or all)" ;;
esac
