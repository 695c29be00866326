#!/bin/sh
# Reads the virt board's device registers on real QEMU, to check the models' reset values
# and implemented bits against it (the numbers in emu-devices' tests came from here).
# Needs aarch64-linux-gnu-gcc and qemu-system-aarch64; not part of `cargo test`.
# Each probe prints one register per line (hex) on the PL011, then powers off via PSCI.
set -eu
cd "$(dirname "$0")"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for probe in gicv3-reset gicv3-writable-bits gicv2-reset gicv2-writable-bits; do
    case $probe in gicv3*) gic=3 ;; *) gic=2 ;; esac
    aarch64-linux-gnu-gcc -nostdlib -static -Wl,-Ttext=0x40080000 -o "$out/$probe.elf" "$probe.S"
    echo "== $probe (gic-version=$gic)"
    timeout 10 qemu-system-aarch64 -M "virt,gic-version=$gic" -cpu cortex-a57 -smp 2 \
        -nographic -nodefaults -serial stdio -net none -kernel "$out/$probe.elf"
done
