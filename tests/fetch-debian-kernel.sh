#!/usr/bin/env bash
# Fetches Debian bookworm's generic arm64 kernel (linux-image-6.1.*-arm64, the unsigned
# package when there is one) into tests/.cache/kernel (ignored by git) for the system-mode
# boot tests, and builds a busybox initramfs for it:
#
#   tests/.cache/kernel/vmlinuz             the kernel as packaged (bookworm: a plain,
#                                           uncompressed arm64 Image)
#   tests/.cache/kernel/config              its configuration (/boot/config-*)
#   tests/.cache/kernel/initramfs.cpio.gz   busybox-static + images/rootfs (the same /init
#                                           and /etc/profile as the bundled demo image)
#   tests/.cache/kernel/version             the package name and version
#
# Every driver the virt board needs is built into Debian's kernel (checked below), so the
# initramfs carries no modules. Tests that need these files are skipped when they are
# missing.
#
# Idempotent: a second run with the same images/rootfs does nothing. Fetching needs root
# on Debian bookworm (it adds the arm64 architecture to dpkg and runs apt-get update).
set -euo pipefail
cd "$(dirname "$0")"
repo=$(cd .. && pwd)
cache=.cache/kernel
stamp=$cache/.fetched

say() { echo "fetch-debian-kernel: $*"; }
die() { say "error: $*" >&2; exit 1; }

# The initramfs is rebuilt whenever the files it is made of change.
rootfs_hash=$(cd "$repo/images" && find rootfs build.sh -type f | LC_ALL=C sort | xargs sha256sum | sha256sum | cut -d' ' -f1)
if [[ -f $stamp && "$(cat "$stamp")" == "$rootfs_hash" && -f $cache/vmlinuz && -f $cache/initramfs.cpio.gz ]]; then
    say "kernel and initramfs already present in tests/$cache ($(cat "$cache/version"))"
    exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
    say "no apt-get; system-mode tests with Debian's kernel will be skipped"
    exit 0
fi

mkdir -p "$cache/debs"
apt_download=(apt-get download -qq -o APT::Sandbox::User=root)

if [[ ! -f $cache/vmlinuz ]]; then
    if ! dpkg --print-foreign-architectures | grep -qx arm64; then
        say "adding the arm64 architecture to dpkg"
        dpkg --add-architecture arm64
    fi
    say "apt-get update"
    apt-get update -qq
    # The metapackage names the current ABI of bookworm's kernel (linux-image-6.1.0-N-arm64;
    # N changes with security updates), whatever the backports pin says.
    image=$(apt-cache depends linux-image-arm64:arm64 2>/dev/null \
            | sed -n 's/^ *Depends: \(linux-image-6\.1\.[^:]*-arm64\)\(:arm64\)\?$/\1/p' | head -n 1)
    [[ -n $image ]] || die "linux-image-arm64:arm64 does not depend on a linux-image-6.1.*-arm64 package"
    (
        cd "$cache/debs"
        rm -f linux-image-*.deb
        if apt-cache show "$image-unsigned:arm64" >/dev/null 2>&1; then
            say "downloading $image-unsigned:arm64"
            "${apt_download[@]}" "$image-unsigned:arm64"
        else
            say "downloading $image:arm64 (no unsigned package)"
            "${apt_download[@]}" "$image:arm64"
        fi
    )
    debs=("$cache"/debs/linux-image-*_arm64.deb)
    deb=${debs[0]}
    [[ -f $deb ]] || die "apt-get download left no linux-image package in tests/$cache/debs"
    # Only /boot: the package's 300 MB of modules are not needed.
    rm -rf "${cache:?}/boot"
    dpkg-deb --fsys-tarfile "$deb" | tar -C "$cache" -x --wildcards './boot/vmlinuz-*' './boot/config-*'
    configs=("$cache"/boot/config-*)
    config=${configs[0]}
    kernels=("$cache"/boot/vmlinuz-*)
    [[ -f $config && -f ${kernels[0]} ]] || die "$deb has no /boot/vmlinuz-* and /boot/config-*"
    # The drivers and features the boot tests depend on must be built in: the initramfs
    # loads no modules.
    missing=()
    for option in SERIAL_AMBA_PL011 SERIAL_AMBA_PL011_CONSOLE RTC_CLASS RTC_HCTOSYS RTC_DRV_PL031 \
                  ARM_GIC ARM_GIC_V3 ARM_ARCH_TIMER ARM_PSCI_FW BLK_DEV_INITRD RD_GZIP \
                  BINFMT_SCRIPT DEVTMPFS TMPFS PROC_FS SYSFS; do
        grep -qx "CONFIG_$option=y" "$config" || missing+=("CONFIG_$option")
    done
    ((${#missing[@]} == 0)) || die "$deb: not built in (=y): ${missing[*]}; the initramfs would need their modules"
    mv "$config" "$cache/config"
    mv "${kernels[0]}" "$cache/vmlinuz"
    rm -rf "${cache:?}/boot"
    echo "$(dpkg-deb -f "$deb" Package) $(dpkg-deb -f "$deb" Version)" >"$cache/version"
    say "kernel: $(cat "$cache/version"), $(stat -c %s "$cache/vmlinuz") bytes"
    # vmlinuz marks the kernel as fetched: the 60 MB package is no longer needed.
    rm -f "$deb"
fi

# busybox-static: the copy tests/fetch-debian-arm64.sh downloaded, else our own.
busybox_debs=(.cache/debs/busybox-static_*_arm64.deb "$cache"/debs/busybox-static_*_arm64.deb)
busybox_deb=
for candidate in "${busybox_debs[@]}"; do
    [[ -f $candidate ]] && { busybox_deb=$candidate; break; }
done
if [[ -z $busybox_deb ]]; then
    say "downloading busybox-static:arm64"
    (cd "$cache/debs" && "${apt_download[@]}" busybox-static:arm64)
    busybox_debs=("$cache"/debs/busybox-static_*_arm64.deb)
    busybox_deb=${busybox_debs[0]}
    [[ -f $busybox_deb ]] || die "apt-get download left no busybox-static package"
fi
say "building the initramfs from images/rootfs and $(basename "$busybox_deb")"
BUILD_DIR="$PWD/$cache/build" BUSYBOX_DEB="$PWD/$busybox_deb" \
    bash "$repo/images/build.sh" initramfs "$PWD/$cache/initramfs.cpio.gz"
rm -rf "$cache/build"
echo "$rootfs_hash" >"$stamp"
say "ready in tests/$cache"
