    .global _start
_start:
    ldr x20, =0x09000000
    mov w1, #0xffffffff
    ldr x2, =0x08000420
    str w1, [x2]
    ldr w0, [x2]
    bl hex
    mov x1, #0xff
    msr S3_0_C4_C6_0, x1
    mrs x0, S3_0_C4_C6_0
    bl hex
    msr S3_0_C12_C12_3, xzr     // BPR1 = 0
    mrs x0, S3_0_C12_C12_3
    bl hex
    msr S3_0_C12_C8_3, xzr      // BPR0 = 0
    mrs x0, S3_0_C12_C8_3
    bl hex
    ldr x2, =0x08006000 + 8*40  // IROUTER40
    mov x1, #-1
    str x1, [x2]
    ldr x0, [x2]
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
