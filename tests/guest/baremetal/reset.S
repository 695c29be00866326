// Asks for a reset through PSCI SYSTEM_RESET (emu boot --no-reboot then exits with 0).

.equ PSCI_SYSTEM_RESET, 0x84000009

    .section .text.boot
    .global _start
_start:
    ldr     x0, =stack_top
    mov     sp, x0
    adr     x0, msg_reset
    bl      puts
    ldr     x0, =PSCI_SYSTEM_RESET
    hvc     #0
    adr     x0, msg_returned
    bl      puts
    bl      poweroff

    .section .rodata
msg_reset:    .asciz "resetting\n"
msg_returned: .asciz "SYSTEM_RESET returned\n"

#include "lib.inc"
