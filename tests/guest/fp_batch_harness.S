// Batch runner for the per-encoding FP/SIMD differential suite (tests/fp_coverage.rs).
// One process runs up to HARNESS_SLOTS single-instruction cases, so qemu-aarch64 and emu
// start once per few thousand cases instead of once per case.
//
// stdin: a 16-byte header (case count in the first word), then one RECORD per case:
//   input   X0-X29 (30 words), the case's slot address (word 30, becomes X30 and the
//           branch target), NZCV (word 31, bits 31:28), FPCR (word 32), FPSR (word
//           33: the cumulative flags must survive), V0-V31 at byte 272   784 bytes
//   output  filled in here: X0-X30, NZCV, FPSR, FPCR (34 words), V0-V31   784 bytes
//   scratch memory the case's loads and stores use, in place                512 bytes
// The test patches slot i's first word (a NOP here) with case i's instruction; the
// second word branches to the dump code. After the last case the whole record area is
// written to stdout and the process exits with status 0.
//
// SP points at the current record throughout: the instructions under test (scalar FP,
// Advanced SIMD and crypto data processing, and SIMD loads/stores whose base the test
// points into the record's scratch area) never use SP, and X30 is given the slot
// address, so no general register has to be reserved.
        .set    HARNESS_SLOTS, 4096
        .set    RECORD, 2080
        .set    OUT, 784
        .set    VIN, 272

        .text
        .globl  _start
_start:
        adrp    x19, harness_records
        add     x19, x19, :lo12:harness_records
        mov     x20, #0                         // bytes read so far
        ldr     x21, =(HARNESS_SLOTS * RECORD + 16)
read_more:
        mov     x0, #0
        add     x1, x19, x20
        sub     x2, x21, x20
        cbz     x2, read_done
        mov     x8, #63                         // read
        svc     #0
        cmp     x0, #0
        b.le    read_done
        add     x20, x20, x0
        b       read_more
read_done:
        ldr     x22, [x19]                      // case count
        cbz     x22, finish
        mov     x0, #HARNESS_SLOTS
        cmp     x22, x0
        csel    x22, x22, x0, ls
        adrp    x0, harness_remaining
        str     x22, [x0, :lo12:harness_remaining]
        add     x0, x19, #16
        mov     sp, x0
        b       load_case

dump:
        str     x0, [sp, #OUT]
        add     x0, sp, #OUT
        stp     x1, x2, [x0, #8]
        stp     x3, x4, [x0, #24]
        stp     x5, x6, [x0, #40]
        stp     x7, x8, [x0, #56]
        stp     x9, x10, [x0, #72]
        stp     x11, x12, [x0, #88]
        stp     x13, x14, [x0, #104]
        stp     x15, x16, [x0, #120]
        stp     x17, x18, [x0, #136]
        stp     x19, x20, [x0, #152]
        stp     x21, x22, [x0, #168]
        stp     x23, x24, [x0, #184]
        stp     x25, x26, [x0, #200]
        stp     x27, x28, [x0, #216]
        stp     x29, x30, [x0, #232]
        mrs     x1, nzcv
        mrs     x2, fpsr
        mrs     x3, fpcr
        stp     x1, x2, [x0, #248]
        str     x3, [x0, #264]
        add     x0, x0, #272
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
        add     sp, sp, #RECORD
        adrp    x0, harness_remaining
        ldr     x1, [x0, :lo12:harness_remaining]
        subs    x1, x1, #1
        str     x1, [x0, :lo12:harness_remaining]
        b.eq    finish

load_case:
        ldr     x0, [sp, #31 * 8]
        msr     nzcv, x0
        ldr     x0, [sp, #32 * 8]
        msr     fpcr, x0
        ldr     x0, [sp, #33 * 8]
        msr     fpsr, x0
        ldp     q0, q1, [sp, #VIN + 0]
        ldp     q2, q3, [sp, #VIN + 32]
        ldp     q4, q5, [sp, #VIN + 64]
        ldp     q6, q7, [sp, #VIN + 96]
        ldp     q8, q9, [sp, #VIN + 128]
        ldp     q10, q11, [sp, #VIN + 160]
        ldp     q12, q13, [sp, #VIN + 192]
        ldp     q14, q15, [sp, #VIN + 224]
        ldp     q16, q17, [sp, #VIN + 256]
        ldp     q18, q19, [sp, #VIN + 288]
        ldp     q20, q21, [sp, #VIN + 320]
        ldp     q22, q23, [sp, #VIN + 352]
        ldp     q24, q25, [sp, #VIN + 384]
        ldp     q26, q27, [sp, #VIN + 416]
        ldp     q28, q29, [sp, #VIN + 448]
        ldp     q30, q31, [sp, #VIN + 480]
        ldp     x0, x1, [sp, #0]
        ldp     x2, x3, [sp, #16]
        ldp     x4, x5, [sp, #32]
        ldp     x6, x7, [sp, #48]
        ldp     x8, x9, [sp, #64]
        ldp     x10, x11, [sp, #80]
        ldp     x12, x13, [sp, #96]
        ldp     x14, x15, [sp, #112]
        ldp     x16, x17, [sp, #128]
        ldp     x18, x19, [sp, #144]
        ldp     x20, x21, [sp, #160]
        ldp     x22, x23, [sp, #176]
        ldp     x24, x25, [sp, #192]
        ldp     x26, x27, [sp, #208]
        ldp     x28, x29, [sp, #224]
        ldr     x30, [sp, #240]
        br      x30

finish:
        // write(1, records, count * RECORD), looping over short writes.
        adrp    x19, harness_records
        add     x19, x19, :lo12:harness_records
        ldr     x22, [x19]
        mov     x0, #HARNESS_SLOTS
        cmp     x22, x0
        csel    x22, x22, x0, ls
        mov     x0, #RECORD
        mul     x21, x22, x0
        add     x19, x19, #16
write_more:
        cbz     x21, exit
        mov     x0, #1
        mov     x1, x19
        mov     x2, x21
        mov     x8, #64                         // write
        svc     #0
        cmp     x0, #0
        b.le    exit_error
        add     x19, x19, x0
        sub     x21, x21, x0
        b       write_more
exit:
        mov     x0, #0
        mov     x8, #93
        svc     #0
exit_error:
        mov     x0, #1
        mov     x8, #93
        svc     #0
        .ltorg

        // Case i runs slot i: its instruction, then back to the dump code.
        .balign 8
        .globl  harness_slots
harness_slots:
        .rept   HARNESS_SLOTS
        nop
        b       dump
        .endr
        .globl  harness_slots_end
harness_slots_end:

        .bss
        .balign 16
harness_remaining:
        .skip   16
        // Record i starts at harness_records + 16 + i * RECORD (after the header).
        .globl  harness_records
harness_records:
        .skip   HARNESS_SLOTS * RECORD + 16
