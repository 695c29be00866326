    .global _start
_start:
    ldr x20, =0x09000000
    adr x19, table
1:  ldr x1, [x19], #8        // kind: 0 end, 1 mmio32, 2 mmio64, 3 sysreg idx
    cbz x1, done
    ldr x2, [x19], #8        // address or sysreg index
    cmp x1, #1
    b.ne 2f
    ldr w0, [x2]
    b 4f
2:  cmp x1, #2
    b.ne 3f
    ldr x0, [x2]
    b 4f
3:  adr x3, sysregs
    add x3, x3, x2, lsl #3
    blr x3
4:  mov x21, x2
    bl hex
    mov w0, #10
    str w0, [x20]
    b 1b
done:
    ldr x0, =0x84000008      // PSCI SYSTEM_OFF
    hvc #0
    b .
hex:                          // print x0 as 16 hex digits
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
    ret
    .align 3
sysregs:
    mrs x0, S3_0_C12_C12_4   // ICC_CTLR_EL1   (0)
    ret
    mrs x0, S3_0_C12_C12_3   // ICC_BPR1_EL1   (1)
    ret
    mrs x0, S3_0_C12_C12_5   // ICC_SRE_EL1    (2)
    ret
    mrs x0, S3_0_C4_C6_0     // ICC_PMR_EL1    (3)
    ret
    mrs x0, S3_0_C12_C8_3    // ICC_BPR0_EL1   (4)
    ret
    mrs x0, S3_0_C12_C11_3   // ICC_RPR_EL1    (5)
    ret
    mrs x0, cntfrq_el0       // (6)
    ret
    mrs x0, S3_0_C12_C12_2   // HPPIR1 (7)
    ret
    .align 3
table:
    .quad 1, 0x08000000      // GICD_CTLR
    .quad 1, 0x08000004      // GICD_TYPER
    .quad 1, 0x08000008      // GICD_IIDR
    .quad 1, 0x08000FE8      // GICD_PIDR2
    .quad 1, 0x08000080      // IGROUPR0
    .quad 1, 0x08000100      // ISENABLER0
    .quad 1, 0x08000800      // ITARGETSR0
    .quad 1, 0x08000820      // ITARGETSR8
    .quad 1, 0x08000C00      // ICFGR0
    .quad 1, 0x08000C04      // ICFGR1
    .quad 1, 0x08000400      // IPRIORITYR0
    .quad 1, 0x08010000      // GICC_CTLR
    .quad 1, 0x08010004      // GICC_PMR
    .quad 1, 0x08010008      // GICC_BPR
    .quad 1, 0x08010014      // GICC_RPR
    .quad 1, 0x08010018      // GICC_HPPIR
    .quad 1, 0x080100FC      // GICC_IIDR
    .quad 1, 0x0801000C      // GICC_IAR
    .quad 0
