// A load from an unmapped address with no handler: the guest dies of SIGSEGV.
    .text
    .global _start
_start:
    mov x1, #16
    ldr x0, [x1]
    mov x0, #0
    mov x8, #93
    svc #0
