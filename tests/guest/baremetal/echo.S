// Console input: prints "ready", then echoes every byte received on the PL011 (polling
// UARTFR.RXFE) inside brackets until it receives 'q', then powers off.

    .section .text.boot
    .global _start
_start:
    ldr     x0, =stack_top
    mov     sp, x0
    ldr     x19, =UART_BASE
    adr     x0, msg_ready
    bl      puts
1:  ldr     w0, [x19, #0x18]        // UARTFR
    tbnz    w0, #4, 1b              // RXFE: receive FIFO empty
    ldr     w20, [x19]              // UARTDR
    and     w20, w20, #0xff
    mov     x0, #'['
    bl      putc
    mov     x0, x20
    bl      putc
    mov     x0, #']'
    bl      putc
    cmp     w20, #'q'
    b.ne    1b
    mov     x0, #'\n'
    bl      putc
    bl      poweroff

    .section .rodata
msg_ready: .asciz "ready\n"

#include "lib.inc"
