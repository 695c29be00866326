#!/bin/sh
# Rebuilds the user-mode test programs (the binaries are committed so that `cargo test`
# needs no cross compiler). Needs aarch64-linux-gnu-gcc.
set -e
cd "$(dirname "$0")"
CC=${CC:-aarch64-linux-gnu-gcc}
for s in hello exit42 undef segv; do
    $CC -static -nostdlib -no-pie -o $s $s.S
done
# The same hello as a position-independent (ET_DYN) executable.
$CC -static-pie -nostdlib -o hello-pie hello.S
CFLAGS="-static -nostdlib -no-pie -ffreestanding -fno-builtin -fno-stack-protector -mgeneral-regs-only -O1"
for c in args mem signals proc sigpipe; do
    $CC $CFLAGS -o $c $c.c
done
# Dynamically linked against glibc: runs with --sysroot /usr/aarch64-linux-gnu (and serves
# the missing-interpreter error test with an empty sysroot).
$CC -O1 -o dynamic-hello dynamic-hello.c
# A static glibc program (expected output in glibc.expected, checked under qemu-aarch64).
$CC -O2 -static -pthread -s -o glibc glibc.c
