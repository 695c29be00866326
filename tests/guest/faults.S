// A guest that dies by a signal. No argument: an undefined instruction (SIGILL).
// "segv": a load from an unmapped page (SIGSEGV). "brk": BRK #0 (SIGTRAP).
// It prints a line first, so the test also checks output written before the fault is kept.
        .text
        .globl _start
_start:
        ldr     x19, [sp]               // argc
        mov     x0, #1
        adr     x1, before
        mov     x2, #(before_end - before)
        mov     x8, #64
        svc     #0
        cmp     x19, #2
        b.lt    undefined
        ldr     x20, [sp, #16]          // argv[1]
        ldrb    w21, [x20]
        cmp     w21, #'s'
        b.eq    segv
        cmp     w21, #'b'
        b.eq    breakpoint
undefined:
        udf     #0
segv:
        mov     x0, #0x10
        ldr     x1, [x0]
breakpoint:
        brk     #0
        .section .rodata
before:
        .ascii  "about to fault\n"
before_end:
