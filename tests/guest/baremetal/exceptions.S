// Synchronous exceptions at EL1 and from EL0, checked by what the handler prints:
// SVC (ESR EC 0x15 with the immediate; ELR = the next instruction), an undefined
// instruction (EC 0x00; ELR = the instruction), an SVC from EL0 after an ERET to EL0t
// (taken at VBAR + 0x400, SPSR says EL0t), and data aborts after turning on the MMU with a
// small identity map (a read and a write of an unmapped address: EC 0x25, level-1
// translation fault, WnR, FAR), and a jump to an unmapped address (instruction abort, EC
// 0x21). Ends with PSCI SYSTEM_OFF.
//
// x22 holds the ELR the handler expects; x23 where EL0 returns to at EL1; x24 where an
// instruction abort resumes.

    .section .text.boot
    .global _start
_start:
    ldr     x0, =stack_top
    mov     sp, x0
    adr     x0, vectors
    msr     vbar_el1, x0
    isb

    adr     x0, msg_svc
    bl      puts
    adr     x22, 1f
    svc     #0x42
1:
    adr     x0, msg_undef
    bl      puts
    adr     x22, 2f
2:  udf     #0

    // To EL0 (MMU off, so EL0 may fetch anywhere) with interrupts masked.
    adr     x0, msg_el0
    bl      puts
    ldr     x0, =stack_top - 4096
    msr     sp_el0, x0
    adr     x0, el0_code
    msr     elr_el1, x0
    mov     x0, #0x3c0              // EL0t, DAIF masked
    msr     spsr_el1, x0
    adr     x23, back_at_el1
    eret
el0_code:
    svc     #7
    b       .                       // not reached: the handler returns to back_at_el1

back_at_el1:
    adr     x0, msg_mmu
    bl      puts
    // Identity map with 1 GiB level-1 blocks: [0, 1G) device, [1G, 2G) normal memory,
    // nothing above. 39-bit VAs (T0SZ = 25) start the 4 KiB-granule walk at level 1.
    adr     x0, l1_table
    mov     x1, #0x401              // block, AF, AttrIndx 0 (device)
    str     x1, [x0]
    ldr     x1, =0x40000000 | 0x701 // block, AF, inner shareable, AttrIndx 0...
    orr     x1, x1, #(1 << 2)       // ...AttrIndx 1 (normal write-back)
    str     x1, [x0, #8]
    ldr     x1, =0xff00             // attr0 device-nGnRnE, attr1 normal WB
    msr     mair_el1, x1
    ldr     x1, =(25 | (1 << 8) | (1 << 10) | (3 << 12) | (1 << 23))
    msr     tcr_el1, x1
    msr     ttbr0_el1, x0
    dsb     ish
    isb
    mrs     x1, sctlr_el1
    orr     x1, x1, #1              // M
    orr     x1, x1, #(1 << 2)       // C
    orr     x1, x1, #(1 << 12)      // I
    msr     sctlr_el1, x1
    isb
    adr     x0, msg_mmu_on
    bl      puts

    mov     x9, #0x80000000
    adr     x22, 3f
3:  ldr     x10, [x9]
    adr     x22, 4f
4:  str     x10, [x9, #8]
    adr     x0, msg_jump
    bl      puts
    mov     x22, x9
    adr     x24, 5f
    br      x9
5:  adr     x0, msg_done
    bl      puts
    bl      poweroff

// Synchronous exception at EL1 (current EL, SP_EL1).
el1_sync:
    mrs     x1, esr_el1
    adr     x0, msg_esr
    bl      label_hex
    mrs     x1, esr_el1
    lsr     x1, x1, #26
    cmp     x1, #0x25               // data abort: show the address
    b.eq    5f
    cmp     x1, #0x21               // instruction abort too
    b.ne    1f
5:  mrs     x1, far_el1
    adr     x0, msg_far
    bl      label_hex
1:  mrs     x1, elr_el1
    adr     x0, msg_elr_ok
    cmp     x1, x22
    b.eq    2f
    adr     x0, msg_elr_bad
2:  bl      puts
    // SVC returns to the next instruction by itself; an instruction abort resumes at x24;
    // the others skip the faulting instruction.
    mrs     x1, esr_el1
    lsr     x1, x1, #26
    cmp     x1, #0x15
    b.eq    3f
    cmp     x1, #0x21
    b.ne    4f
    msr     elr_el1, x24
    eret
4:  mrs     x0, elr_el1
    add     x0, x0, #4
    msr     elr_el1, x0
3:  eret

// Synchronous exception from EL0 (lower EL, AArch64).
el0_sync:
    mrs     x1, esr_el1
    adr     x0, msg_esr
    bl      label_hex
    mrs     x1, spsr_el1
    and     x1, x1, #0xf
    adr     x0, msg_spsr_mode
    bl      label_hex
    msr     elr_el1, x23
    mov     x0, #0x3c5              // back to EL1h, DAIF masked
    msr     spsr_el1, x0
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
    .irp    offset, 0x000, 0x080, 0x100, 0x180
    .balign 0x80
    mov     x21, #\offset
    b       unexpected
    .endr
    .balign 0x80
    b       el1_sync                // 0x200: current EL, SPx, synchronous
    .irp    offset, 0x280, 0x300, 0x380
    .balign 0x80
    mov     x21, #\offset
    b       unexpected
    .endr
    .balign 0x80
    b       el0_sync                // 0x400: lower EL, AArch64, synchronous
    .irp    offset, 0x480, 0x500, 0x580, 0x600, 0x680, 0x700, 0x780
    .balign 0x80
    mov     x21, #\offset
    b       unexpected
    .endr

    .section .rodata
msg_svc:        .asciz "svc\n"
msg_undef:      .asciz "undef\n"
msg_el0:        .asciz "el0\n"
msg_mmu:        .asciz "mmu\n"
msg_mmu_on:     .asciz "mmu on\n"
msg_jump:       .asciz "jump\n"
msg_done:       .asciz "done\n"
msg_esr:        .asciz "  esr "
msg_far:        .asciz "  far "
msg_elr_ok:     .asciz "  elr ok\n"
msg_elr_bad:    .asciz "  elr WRONG\n"
msg_spsr_mode:  .asciz "  spsr mode "
msg_unexpected: .asciz "unexpected exception at vector offset "

    .bss
    .balign 4096
l1_table:
    .space 4096

#include "lib.inc"
