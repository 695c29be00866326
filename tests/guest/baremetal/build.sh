#!/bin/sh
# Rebuilds the bare-metal test programs (ELF and raw binary of each) from their sources.
# Needs aarch64-linux-gnu-gcc and objcopy (Debian: gcc-aarch64-linux-gnu). The binaries are
# committed, so the tests do not need a cross compiler.
set -eu
cd "$(dirname "$0")"
CC=${CC:-aarch64-linux-gnu-gcc}
OBJCOPY=${OBJCOPY:-aarch64-linux-gnu-objcopy}
build() { # name source [cpp flags...]
    name=$1 src=$2
    shift 2
    $CC -nostdlib -static -ffreestanding -mgeneral-regs-only -Wl,--build-id=none -Wl,-z,max-page-size=4096 -Wl,--no-warn-rwx-segments \
        -T link.ld "$@" -o "$name.elf" "$src"
    $OBJCOPY -O binary "$name.elf" "$name.bin"
}
build hello hello.S
build exceptions exceptions.S
build timer_gicv3 timer.S -DGICV3
build timer_gicv2 timer.S
build rtc rtc.S
build reset reset.S
build echo echo.S
build timer_slow_gicv3 timer.S -DGICV3 -DTICKS_PER_SECOND=4
rm -f timer_slow_gicv3.elf  # only the raw binary is used
# Debugged by tests/gdb_system.rs: with symbols and line information, not optimised.
build gdb_mmu gdb_mmu.c -g -O0 gdb_mmu_start.S
