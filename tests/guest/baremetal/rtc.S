// Reads the PL031 RTC (seconds since the epoch, host time) and its peripheral ID, prints
// both, powers off.

.equ RTC_BASE, 0x09010000

    .section .text.boot
    .global _start
_start:
    ldr     x0, =stack_top
    mov     sp, x0
    ldr     x19, =RTC_BASE
    adr     x0, msg_rtc
    bl      puts
    ldr     w0, [x19]               // RTCDR
    bl      putdec
    mov     x0, #'\n'
    bl      putc
    ldr     w1, [x19, #0xfe0]       // RTCPeriphID0: 0x31
    adr     x0, msg_id
    bl      label_hex
    bl      poweroff

    .section .rodata
msg_rtc: .asciz "rtc "
msg_id:  .asciz "id "

#include "lib.inc"
