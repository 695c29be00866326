// Template for the random instruction differential test (tests/random_insns.rs).
// The test copies this binary and patches three places found through its symbol table:
//   harness_init     initial state: X0-X27 (28 words), NZCV (word 28, bits 31:28),
//                    FPCR (word 29), then at byte 240 V0-V31 (32 x 16 bytes)
//   harness_scratch  256 bytes: the memory that generated loads/stores/atomics use
//   harness_block    HARNESS_SLOTS instruction words (NOPs here)
// X28 holds the scratch address throughout (generated code never writes it); X29, X30
// and SP start at fixed values, FPSR at 0. After the block it writes to stdout, as raw
// little-endian bytes: X0-X30, SP, NZCV, FPSR, FPCR, a zero word (36 words), V0-V31
// (512 bytes), then the 256 scratch bytes; and exits with status 0.
        .set    HARNESS_SLOTS, 64
        .set    SCRATCH_BYTES, 256

        .text
        .globl  _start
_start:
        adrp    x29, harness_init
        add     x29, x29, :lo12:harness_init
        ldr     x30, [x29, #28 * 8]
        msr     nzcv, x30
        ldr     x30, [x29, #29 * 8]
        msr     fpcr, x30
        msr     fpsr, xzr
        ldp     q0, q1, [x29, #240 + 0]
        ldp     q2, q3, [x29, #240 + 32]
        ldp     q4, q5, [x29, #240 + 64]
        ldp     q6, q7, [x29, #240 + 96]
        ldp     q8, q9, [x29, #240 + 128]
        ldp     q10, q11, [x29, #240 + 160]
        ldp     q12, q13, [x29, #240 + 192]
        ldp     q14, q15, [x29, #240 + 224]
        ldp     q16, q17, [x29, #240 + 256]
        ldp     q18, q19, [x29, #240 + 288]
        ldp     q20, q21, [x29, #240 + 320]
        ldp     q22, q23, [x29, #240 + 352]
        ldp     q24, q25, [x29, #240 + 384]
        ldp     q26, q27, [x29, #240 + 416]
        ldp     q28, q29, [x29, #240 + 448]
        ldp     q30, q31, [x29, #240 + 480]
        adrp    x30, harness_stack_top
        add     x30, x30, :lo12:harness_stack_top
        mov     sp, x30                 // SP at a fixed address, identical on every runner
        ldp     x0, x1, [x29, #0]
        ldp     x2, x3, [x29, #16]
        ldp     x4, x5, [x29, #32]
        ldp     x6, x7, [x29, #48]
        ldp     x8, x9, [x29, #64]
        ldp     x10, x11, [x29, #80]
        ldp     x12, x13, [x29, #96]
        ldp     x14, x15, [x29, #112]
        ldp     x16, x17, [x29, #128]
        ldp     x18, x19, [x29, #144]
        ldp     x20, x21, [x29, #160]
        ldp     x22, x23, [x29, #176]
        ldp     x24, x25, [x29, #192]
        ldp     x26, x27, [x29, #208]
        adrp    x28, harness_scratch
        add     x28, x28, :lo12:harness_scratch
        movz    x29, #0x2929, lsl #48
        movk    x29, #0x1d1d
        movz    x30, #0x3030, lsl #32
        movk    x30, #0x1e1e

        .globl  harness_block
harness_block:
        .rept   HARNESS_SLOTS
        nop
        .endr
        .globl  harness_block_end
harness_block_end:

        // The dump area follows the scratch buffer, so X28 reaches it with no free register.
        stp     x0, x1, [x28, #SCRATCH_BYTES + 0]
        stp     x2, x3, [x28, #SCRATCH_BYTES + 16]
        stp     x4, x5, [x28, #SCRATCH_BYTES + 32]
        stp     x6, x7, [x28, #SCRATCH_BYTES + 48]
        stp     x8, x9, [x28, #SCRATCH_BYTES + 64]
        stp     x10, x11, [x28, #SCRATCH_BYTES + 80]
        stp     x12, x13, [x28, #SCRATCH_BYTES + 96]
        stp     x14, x15, [x28, #SCRATCH_BYTES + 112]
        stp     x16, x17, [x28, #SCRATCH_BYTES + 128]
        stp     x18, x19, [x28, #SCRATCH_BYTES + 144]
        stp     x20, x21, [x28, #SCRATCH_BYTES + 160]
        stp     x22, x23, [x28, #SCRATCH_BYTES + 176]
        stp     x24, x25, [x28, #SCRATCH_BYTES + 192]
        stp     x26, x27, [x28, #SCRATCH_BYTES + 208]
        stp     x28, x29, [x28, #SCRATCH_BYTES + 224]
        str     x30, [x28, #SCRATCH_BYTES + 240]
        mov     x0, sp
        str     x0, [x28, #SCRATCH_BYTES + 248]
        mrs     x0, nzcv
        str     x0, [x28, #SCRATCH_BYTES + 256]
        mrs     x0, fpsr
        str     x0, [x28, #SCRATCH_BYTES + 264]
        mrs     x0, fpcr
        str     x0, [x28, #SCRATCH_BYTES + 272]
        str     xzr, [x28, #SCRATCH_BYTES + 280]
        add     x0, x28, #SCRATCH_BYTES + 288
        stp     q0, q1, [x0, #0]
        stp     q2, q3, [x0, #32]
        stp     q4, q5, [x0, #64]
        stp     q6, q7, [x0, #96]
        stp     q8, q9, [x0, #128]
        stp     q10, q11, [x0, #160]
        stp     q12, q13, [x0, #192]
        stp     q14, q15, [x0, #224]
        stp     q16, q17, [x0, #256]
        stp     q18, q19, [x0, #288]
        stp     q20, q21, [x0, #320]
        stp     q22, q23, [x0, #352]
        stp     q24, q25, [x0, #384]
        stp     q26, q27, [x0, #416]
        stp     q28, q29, [x0, #448]
        stp     q30, q31, [x0, #480]
        // write(1, dump area, 36 words + 512 bytes) then write(1, scratch, 256)
        mov     x0, #1
        add     x1, x28, #SCRATCH_BYTES
        mov     x2, #36 * 8 + 512
        mov     x8, #64
        svc     #0
        mov     x0, #1
        mov     x1, x28
        mov     x2, #SCRATCH_BYTES
        mov     x8, #64
        svc     #0
        mov     x0, #0
        mov     x8, #93
        svc     #0

        .data
        .balign 16
        .globl  harness_init
harness_init:
        .fill   30, 8, 0
        .balign 16
        .fill   64, 8, 0
        .balign 16
        .globl  harness_scratch
harness_scratch:
        .fill   SCRATCH_BYTES, 1, 0
harness_dump:
        .fill   36 * 8 + 512, 1, 0
        .bss
        .balign 16
harness_stack:
        .skip   4096
harness_stack_top:
