// The EL1 physical timer's interrupt (PPI 14, INTID 30) through the GIC: GICv3 (system
// register CPU interface) when built with -DGICV3, else GICv2 (memory-mapped CPU
// interface). Waits in WFI for three ticks 10 ms apart, then checks that WFI also wakes
// with IRQs masked (as Linux's idle loop relies on) and that the interrupt is taken once
// they are unmasked. Ends with PSCI SYSTEM_OFF.
//
// x20 counts timer interrupts (the IRQ handler increments it). TICKS_PER_SECOND (default
// 100) sets the period: the idle test builds a slow variant to measure host CPU use.

#ifndef TICKS_PER_SECOND
#define TICKS_PER_SECOND 100
#endif

.equ GICD_BASE, 0x08000000
.equ GICR_BASE, 0x080A0000          // CPU 0's redistributor (GICv3)
.equ GICC_BASE, 0x08010000          // CPU interface (GICv2)
.equ TIMER_INTID, 30

    .section .text.boot
    .global _start
_start:
    ldr     x0, =stack_top
    mov     sp, x0
    adr     x0, vectors
    msr     vbar_el1, x0
    isb
    mov     x20, #0

#ifdef GICV3
    adr     x0, msg_v3
    bl      puts
    // Wake the redistributor: clear GICR_WAKER.ProcessorSleep, wait for ChildrenAsleep = 0.
    ldr     x1, =GICR_BASE
    ldr     w0, [x1, #0x14]
    bic     w0, w0, #(1 << 1)
    str     w0, [x1, #0x14]
1:  ldr     w0, [x1, #0x14]
    tbnz    w0, #2, 1b
    // SGI_base frame: every SGI/PPI in group 1; enable INTID 30.
    add     x1, x1, #0x10000
    mov     w0, #0xffffffff
    str     w0, [x1, #0x80]         // GICR_IGROUPR0
    mov     w0, #(1 << TIMER_INTID)
    str     w0, [x1, #0x100]        // GICR_ISENABLER0
    // Distributor: affinity routing, group 1 enabled.
    ldr     x1, =GICD_BASE
    mov     w0, #0x12               // ARE | EnableGrp1
    str     w0, [x1]
2:  ldr     w0, [x1]
    tbnz    w0, #31, 2b             // RWP
    // CPU interface through system registers.
    mrs     x0, S3_0_C12_C12_5      // ICC_SRE_EL1
    orr     x0, x0, #1
    msr     S3_0_C12_C12_5, x0
    isb
    mov     x0, #0xff
    msr     S3_0_C4_C6_0, x0        // ICC_PMR_EL1
    mov     x0, #1
    msr     S3_0_C12_C12_7, x0      // ICC_IGRPEN1_EL1
    isb
#else
    adr     x0, msg_v2
    bl      puts
    ldr     x1, =GICD_BASE
    mov     w0, #(1 << TIMER_INTID)
    str     w0, [x1, #0x100]        // GICD_ISENABLER0 (banked per CPU)
    mov     w0, #1
    str     w0, [x1]                // GICD_CTLR.Enable
    ldr     x1, =GICC_BASE
    mov     w0, #0xff
    str     w0, [x1, #0x04]         // GICC_PMR
    mov     w0, #1
    str     w0, [x1]                // GICC_CTLR.Enable
#endif

    bl      arm_timer
    msr     daifclr, #2             // unmask IRQ
1:  wfi
    cmp     x20, #3
    b.lo    1b

    // WFI with IRQs masked must still wake when the interrupt is pending.
    msr     daifset, #2
    bl      arm_timer
    wfi
    adr     x0, msg_woke
    bl      puts
    msr     daifclr, #2             // now it is taken
    isb
    cmp     x20, #4
    b.ne    2f
    adr     x0, msg_done
    bl      puts
    bl      poweroff
2:  adr     x0, msg_not_taken
    bl      puts
    bl      poweroff

// Fire the physical timer in one period.
arm_timer:
    mrs     x0, cntfrq_el0
    mov     x1, #TICKS_PER_SECOND
    udiv    x0, x0, x1
    msr     cntp_tval_el0, x0
    mov     x0, #1                  // ENABLE, not masked
    msr     cntp_ctl_el0, x0
    isb
    ret

el1_irq:
    stp     x0, x1, [sp, #-96]!
    stp     x2, x3, [sp, #16]
    stp     x4, x5, [sp, #32]
    stp     x6, x7, [sp, #48]
    stp     x19, x30, [sp, #64]
#ifdef GICV3
    mrs     x19, S3_0_C12_C12_0     // ICC_IAR1_EL1
#else
    ldr     x1, =GICC_BASE
    ldr     w19, [x1, #0x0c]        // GICC_IAR
#endif
    adr     x0, msg_irq
    mov     x1, x19
    bl      label_hex
    cmp     x19, #TIMER_INTID
    b.ne    1f
    add     x20, x20, #1
    mov     x0, #0                  // disable until re-armed (the line is level)
    msr     cntp_ctl_el0, x0
    cmp     x20, #3
    b.hs    1f
    bl      arm_timer
1:
#ifdef GICV3
    msr     S3_0_C12_C12_1, x19     // ICC_EOIR1_EL1
#else
    ldr     x1, =GICC_BASE
    str     w19, [x1, #0x10]        // GICC_EOIR
#endif
    ldp     x19, x30, [sp, #64]
    ldp     x6, x7, [sp, #48]
    ldp     x4, x5, [sp, #32]
    ldp     x2, x3, [sp, #16]
    ldp     x0, x1, [sp], #96
    eret

unexpected:
    adr     x0, msg_unexpected
    mov     x1, x21
    bl      label_hex
    mrs     x1, esr_el1
    adr     x0, msg_esr
    bl      label_hex
    bl      poweroff

    .balign 2048
vectors:
    .irp    offset, 0x000, 0x080, 0x100, 0x180, 0x200
    .balign 0x80
    mov     x21, #\offset
    b       unexpected
    .endr
    .balign 0x80
    b       el1_irq                 // 0x280: current EL, SPx, IRQ
    .irp    offset, 0x300, 0x380, 0x400, 0x480, 0x500, 0x580, 0x600, 0x680, 0x700, 0x780
    .balign 0x80
    mov     x21, #\offset
    b       unexpected
    .endr

    .section .rodata
msg_v3:         .asciz "gicv3\n"
msg_v2:         .asciz "gicv2\n"
msg_irq:        .asciz "irq "
msg_woke:       .asciz "woke with irq masked\n"
msg_done:       .asciz "taken after unmask\n"
msg_not_taken:  .asciz "NOT taken after unmask\n"
msg_esr:        .asciz "  esr "
msg_unexpected: .asciz "unexpected exception at vector offset "

#include "lib.inc"
