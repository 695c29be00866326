// Prints on the PL011 at EL1 with the MMU off, reports how it was entered (CurrentEL, and
// the device tree's magic: at x0 for a raw binary, booted with the Linux protocol; at the
// base of RAM for an ELF file, which like QEMU we enter with x0 = 0), then powers off
// through PSCI.

    .section .text.boot
    .global _start
_start:
    mov     x19, x0                 // the DTB, per the boot protocol
    cbnz    x19, 1f
    mov     x19, #0x40000000        // an ELF's DTB: at the base of RAM
1:
    ldr     x0, =stack_top
    mov     sp, x0
    adr     x0, msg_hello
    bl      puts
    adr     x0, msg_el
    mrs     x1, CurrentEL
    lsr     x1, x1, #2
    bl      label_hex
    // FDT magic 0xd00dfeed is stored big-endian.
    ldr     w1, [x19]
    rev     w1, w1
    adr     x0, msg_dtb
    bl      label_hex
    bl      poweroff

    .section .rodata
msg_hello:
    .asciz "hello from bare metal\n"
msg_el:
    .asciz "CurrentEL "
msg_dtb:
    .asciz "dtb magic "

#include "lib.inc"
