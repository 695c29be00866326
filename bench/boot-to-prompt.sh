#!/usr/bin/env bash
# Time from start to the shell prompt of an arm64 kernel + busybox initramfs, under
# `emu boot` and under `qemu-system-aarch64 -M virt -cpu cortex-a57`, with the same kernel,
# initramfs, RAM and command line, in one run (issue 4's closing measurement).
#
#   bench/boot-to-prompt.sh [debian|demo|KERNEL INITRD]   (default: debian, else demo)
#
# debian: tests/.cache/kernel/{vmlinuz,initramfs.cpio.gz} (tests/fetch-debian-kernel.sh);
# demo: images/Image.gz + images/initramfs.cpio.gz. The prompt is the marker EMU-BOOT-OK
# that images/rootfs/etc/profile prints before the first prompt; then `poweroff -f` is
# typed and the machine must exit. Environment: EMU (default target/release/emu, built if
# missing), QEMU (default qemu-system-aarch64), RUNS (default 3; the best and all runs are
# reported), TIMEOUT (seconds per boot, default 300), GIC (2 or 3, default 3).
set -euo pipefail
export LC_ALL=C
cd "$(dirname "$0")/.."

case ${1:-} in
    "") if [[ -f tests/.cache/kernel/vmlinuz ]]; then set -- debian; else set -- demo; fi ;;
esac
case $1 in
    debian) kernel=tests/.cache/kernel/vmlinuz initrd=tests/.cache/kernel/initramfs.cpio.gz ;;
    demo) kernel=images/Image.gz initrd=images/initramfs.cpio.gz ;;
    *) kernel=$1 initrd=${2:-} ;;
esac
for f in "$kernel" "$initrd"; do
    [[ -f $f ]] || { echo "boot-to-prompt: $f not found" >&2; exit 2; }
done
emu=${EMU:-target/release/emu}
if [[ -z ${EMU:-} ]]; then
    cargo build --release --quiet -p emu-cli --bin emu
fi
qemu=${QEMU:-qemu-system-aarch64}
runs=${RUNS:-3}
timeout=${TIMEOUT:-300}
gic=${GIC:-3}
append="console=ttyAMA0"

work=$(mktemp -d)
pid=
cleanup() {
    [[ -n $pid ]] && kill "$pid" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

# boot_once NAME CMD...: prints the seconds to the prompt; fails if there is none.
boot_once() {
    local name=$1
    shift
    local log=$work/$name.log fifo=$work/$name.in
    rm -f "$log" "$fifo"
    mkfifo "$fifo"
    local start end
    start=$(date +%s%N)
    "$@" <"$fifo" >"$log" 2>&1 &
    pid=$!
    exec 3>"$fifo"
    local deadline=$(( $(date +%s) + timeout ))
    until grep -q EMU-BOOT-OK "$log" 2>/dev/null; do
        if ! kill -0 "$pid" 2>/dev/null || (( $(date +%s) > deadline )); then
            kill "$pid" 2>/dev/null || true
            echo "boot-to-prompt: $name: no prompt; console log:" >&2
            cat -v "$log" >&2
            exit 1
        fi
        sleep 0.01
    done
    end=$(date +%s%N)
    echo "poweroff -f" >&3
    local waited=0
    while kill -0 "$pid" 2>/dev/null && (( waited < 3000 )); do
        sleep 0.01
        waited=$(( waited + 1 ))
    done
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    pid=
    exec 3>&-
    awk -v ns=$(( end - start )) 'BEGIN { printf "%.2f\n", ns / 1e9 }'
}

emu_cmd=("$emu" boot --gic "v$gic" --memory 512M --kernel "$kernel" --initrd "$initrd"
         --append "$append")
qemu_cmd=("$qemu" -M "virt,gic-version=$gic" -cpu cortex-a57 -m 512M -nographic -nic none
          -kernel "$kernel" -initrd "$initrd" -append "$append")

echo "kernel $kernel, initrd $initrd, 512M, GICv$gic, $runs runs each"
for name in emu qemu; do
    times=()
    for _ in $(seq "$runs"); do
        if [[ $name == emu ]]; then
            times+=("$(boot_once emu "${emu_cmd[@]}")")
        else
            times+=("$(boot_once qemu "${qemu_cmd[@]}")")
        fi
    done
    best=$(printf '%s\n' "${times[@]}" | sort -n | head -n 1)
    printf '%-5s best %6ss   runs: %s\n' "$name" "$best" "${times[*]}"
done
