    .global _start
_start:
    ldr x20, =0x09000000
    mov w1, #0xffffffff
    ldr x2, =0x08000420       // IPRIORITYR8 (SPI 32..35)
    str w1, [x2]
    ldr w0, [x2]
    bl hex
    ldr x2, =0x08010004       // GICC_PMR (v2)
    str w1, [x2]
    ldr w0, [x2]
    bl hex
    ldr x2, =0x08010008       // GICC_BPR (v2)
    str wzr, [x2]
    ldr w0, [x2]
    bl hex
    ldr x0, =0x84000008
    hvc #0
    b .
hex:
    mov x5, #60
5:  lsr x6, x0, x5
    and x6, x6, #15
    cmp x6, #10
    add x7, x6, #48
    add x8, x6, #87
    csel x7, x8, x7, ge
    str w7, [x20]
    subs x5, x5, #4
    b.ge 5b
    mov w7, #10
    str w7, [x20]
    ret
