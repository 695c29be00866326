//! Single-register loads and stores in every addressing mode.

use super::*;
use crate::exits;
use crate::testkit::{BRK0, CODE};

#[test]
fn every_size_and_sign_extension() {
    let code = [
        0x39000781, // strb  w1, [x28, #1]
        0x79000781, // strh  w1, [x28, #2]
        0xb9000781, // str   w1, [x28, #4]
        0xf9000781, // str   x1, [x28, #8]
        0x39402382, // ldrb  w2, [x28, #8]
        0x79401383, // ldrh  w3, [x28, #8]
        0xb9400b84, // ldr   w4, [x28, #8]
        0xf9400785, // ldr   x5, [x28, #8]
        0x39c02386, // ldrsb w6, [x28, #8]
        0x39802387, // ldrsb x7, [x28, #8]
        0x79c01388, // ldrsh w8, [x28, #8]
        0x79801389, // ldrsh x9, [x28, #8]
        0xb9800f8a, // ldrsw x10, [x28, #12]
        0xf940038b, // ldr   x11, [x28]
        BRK0,
    ];
    let r = run_mem(&code, &[], |c| {
        c.x[1] = PATTERN;
        // Garbage that the W loads must clear.
        c.x[2..12].fill(0x5555_5555_5555_5555);
    });
    assert_eq!(r.exit, exits::BRK);
    let x = &r.cpu.x;
    assert_eq!(x[2], 0xff);
    assert_eq!(x[3], 0xeeff);
    assert_eq!(x[4], 0xccdd_eeff);
    assert_eq!(x[5], PATTERN);
    assert_eq!(x[6], 0xffff_ffff);
    assert_eq!(x[7], u64::MAX);
    assert_eq!(x[8], 0xffff_eeff);
    assert_eq!(x[9], 0xffff_ffff_ffff_eeff);
    assert_eq!(x[10], 0xffff_ffff_8899_aabb);
    // Bytes 0..8: 00 | ff | ff ee | ff ee dd cc.
    assert_eq!(x[11], 0xccdd_eeff_eeff_ff00);
    assert_eq!(r.u64_at(8), PATTERN);
}

#[test]
fn unscaled_pre_post_and_unprivileged() {
    let code = [
        0x91010380, // add    x0, x28, #0x40
        0xf81f8001, // stur   x1, [x0, #-8]
        0xf85f8002, // ldur   x2, [x0, #-8]
        0xf8010c01, // str    x1, [x0, #16]!
        0xf85f0403, // ldr    x3, [x0], #-16
        0x385fbc04, // ldrb   w4, [x0, #-5]!
        0x789ff005, // ldursh x5, [x0, #-1]
        0xf8005801, // sttr   x1, [x0, #5]
        0xf8405806, // ldtr   x6, [x0, #5]
        0xb8809807, // ldtrsw x7, [x0, #9]
        0x91000008, // add    x8, x0, #0x0
        0xf8408508, // ldr    x8, [x8], #8       (Rt == Rn: the writeback wins)
        0x9102038a, // add    x10, x28, #0x80
        0xf8008d4a, // str    x10, [x10, #8]!    (Rt == Rn: the old value is stored)
        0xf940478b, // ldr    x11, [x28, #136]
        BRK0,
    ];
    let r = run_mem(&code, &[], |c| c.x[1] = PATTERN);
    assert_eq!(r.exit, exits::BRK);
    let x = &r.cpu.x;
    assert_eq!(x[0], DATA + 59);
    assert_eq!(x[2], PATTERN);
    assert_eq!(x[3], PATTERN);
    assert_eq!(x[4], 0xcc);
    assert_eq!(x[5], 0xffff_ffff_ffff_ccdd);
    assert_eq!(x[6], PATTERN);
    assert_eq!(x[7], 0xffff_ffff_8899_aabb);
    assert_eq!(x[8], DATA + 67);
    assert_eq!(x[10], DATA + 136);
    assert_eq!(x[11], DATA + 128);
    assert_eq!(r.u64_at(56), PATTERN);
    assert_eq!(r.u64_at(80), PATTERN);
}

#[test]
fn register_offsets_and_extends() {
    let code = [
        0x91040380, // add   x0, x28, #0x100
        0xf9000001, // str   x1, [x0]
        0xf8226801, // str   x1, [x0, x2]
        0xf8626806, // ldr   x6, [x0, x2]
        0xf823c801, // str   x1, [x0, w3, sxtw]
        0xb863c807, // ldr   w7, [x0, w3, sxtw]
        0xf8645808, // ldr   x8, [x0, w4, uxtw #3]
        0x7865f809, // ldrh  w9, [x0, x5, sxtx #1]
        0x3862780a, // ldrb  w10, [x0, x2, lsl #0]
        0xf87f780b, // ldr   x11, [x0, xzr, lsl #3]
        0xb8a3c80c, // ldrsw x12, [x0, w3, sxtw]
        BRK0,
    ];
    let r = run_mem(&code, &[], |c| {
        c.x[1] = PATTERN;
        c.x[2] = 16;
        // Only the low words count for the W extends: -8 and 2.
        c.x[3] = 0x1234_5678_ffff_fff8;
        c.x[4] = 0xffff_ffff_0000_0002;
        c.x[5] = -4i64 as u64;
    });
    assert_eq!(r.exit, exits::BRK);
    let x = &r.cpu.x;
    assert_eq!(x[6], PATTERN);
    assert_eq!(x[7], 0xccdd_eeff);
    assert_eq!(x[8], PATTERN);
    assert_eq!(x[9], 0xeeff);
    assert_eq!(x[10], 0xff);
    assert_eq!(x[11], PATTERN);
    assert_eq!(x[12], 0xffff_ffff_ccdd_eeff);
    assert_eq!(r.u64_at(248), PATTERN);
    assert_eq!(r.u64_at(256), PATTERN);
    assert_eq!(r.u64_at(272), PATTERN);
}

#[test]
fn sp_base_needs_no_alignment() {
    let code = [
        0xf81f0fe1, // str x1, [sp, #-16]!
        0xf84107e2, // ldr x2, [sp], #16
        0xd10023ff, // sub sp, sp, #0x8
        0xf81f8fe1, // str x1, [sp, #-8]!   (SP not 16-aligned: no fault, as on QEMU)
        0xb94007e3, // ldr w3, [sp, #4]
        0x910043ff, // add sp, sp, #0x10
        BRK0,
    ];
    let r = run_mem(&code, &[], |c| c.x[1] = PATTERN);
    assert_eq!(r.exit, exits::BRK);
    assert_eq!(r.cpu.x[2], PATTERN);
    assert_eq!(r.cpu.x[3], 0x8899_aabb);
    assert_eq!(r.cpu.sp(), crate::testkit::STACK_TOP);
}

#[test]
fn literal_loads() {
    let code = [
        0x58000120, // ldr   x0, l8
        0x18000101, // ldr   w1, l8
        0x98000122, // ldrsw x2, l4
        0x9c000120, // ldr   q0, lq
        0x5c0000a1, // ldr   d1, l8
        0x1c0000c2, // ldr   s2, l4
        0xd8200140, // prfm  pldl1keep, <unmapped>   (a hint: no fault)
        BRK0,
        0,
        0x4433_2211, // l8
        0x8877_6655,
        0x8000_0001, // l4
        0x89ab_cdef, // lq
        0x0123_4567,
        0x7654_3210,
        0xfedc_ba98,
    ];
    let r = run_mem(&code, &[], |c| {
        c.x[1] = u64::MAX;
        c.vreg[1] = [1, 1];
        c.vreg[2] = [1, 1];
    });
    assert_eq!(r.exit, exits::BRK);
    assert_eq!(r.cpu.x[0], 0x8877_6655_4433_2211);
    assert_eq!(r.cpu.x[1], 0x4433_2211);
    assert_eq!(r.cpu.x[2], 0xffff_ffff_8000_0001);
    assert_eq!(
        r.cpu.vreg[0],
        [0x0123_4567_89ab_cdef, 0xfedc_ba98_7654_3210]
    );
    assert_eq!(r.cpu.vreg[1], [0x8877_6655_4433_2211, 0]);
    assert_eq!(r.cpu.vreg[2], [0x8000_0001, 0]);
}

#[test]
fn page_crossing_load_faults_precisely() {
    let code = [
        0xf8616b80, // ldr x0, [x28, x1]
        BRK0,
    ];
    let r = run_mem(&code, &[], |c| {
        c.x[0] = 7;
        c.x[1] = DATA_LEN - 4;
    });
    assert_eq!(r.exit, Exit::FAULT_READ);
    assert_eq!(r.cpu.core.pc, CODE);
    assert_eq!(r.cpu.core.fault_addr, DATA + DATA_LEN);
    assert_eq!(r.cpu.x[0], 7, "a faulting load leaves its register alone");
}

#[test]
fn page_crossing_store_faults_without_writing() {
    let code = [
        0xf8216b82, // str x2, [x28, x1]
        BRK0,
    ];
    let r = run_mem(&code, &[], |c| {
        c.x[1] = DATA_LEN - 4;
        c.x[2] = PATTERN;
    });
    assert_eq!(r.exit, Exit::FAULT_WRITE);
    assert_eq!(r.cpu.core.fault_addr, DATA + DATA_LEN);
    assert!(r.data.iter().all(|&b| b == 0));
}

#[test]
fn store_to_code_and_below_data_fault() {
    // stur x2, [x28, #-8]: the page below DATA is unmapped.
    let r = run_mem(&[0xf81f8382, BRK0], &[], |_| {});
    assert_eq!(r.exit, Exit::FAULT_WRITE);
    assert_eq!(r.cpu.core.fault_addr, DATA - 8);
    // ldr x3, [x5] then str x2, [x0] with x0 = CODE (read-only, executable).
    let r = run_mem(&[0xf94000a3, 0xf9000002, BRK0], &[], |c| {
        c.x[0] = CODE;
        c.x[5] = CODE;
    });
    assert_eq!(r.exit, Exit::FAULT_WRITE);
    assert_eq!(r.cpu.core.pc, CODE + 4);
    assert_eq!(r.cpu.x[3], 0xf94000a3 | (0xf9000002u64 << 32));
}

#[test]
fn simd_fp_registers_every_size() {
    let code = [
        0x3d800780, // str  q0, [x28, #16]
        0x3dc00781, // ldr  q1, [x28, #16]
        0xfd400b82, // ldr  d2, [x28, #16]
        0xbd401783, // ldr  s3, [x28, #20]
        0x7d402384, // ldr  h4, [x28, #16]
        0x3d407f85, // ldr  b5, [x28, #31]
        0xfc021380, // stur d0, [x28, #33]
        0x3cc21386, // ldur q6, [x28, #33]
        0x3ce27b87, // ldr  q7, [x28, x2, lsl #4]
        0x91010380, // add  x0, x28, #0x40
        0xbc1fcc00, // str  s0, [x0, #-4]!
        0x7c402408, // ldr  h8, [x0], #2
        0x3c1f0009, // stur b9, [x0, #-16]
        BRK0,
    ];
    let lo = 0x0706_0504_0302_0100u64;
    let hi = 0x0f0e_0d0c_0b0a_0908u64;
    let r = run_mem(&code, &[], |c| {
        c.vreg[0] = [lo, hi];
        for v in 2..9 {
            c.vreg[v] = [u64::MAX, u64::MAX];
        }
        c.vreg[9] = [0xab, 0];
        c.x[2] = 1;
    });
    assert_eq!(r.exit, exits::BRK);
    let v = &r.cpu.vreg;
    assert_eq!(v[1], [lo, hi]);
    assert_eq!(v[2], [lo, 0]);
    assert_eq!(v[3], [0x0706_0504, 0]);
    assert_eq!(v[4], [0x0100, 0]);
    assert_eq!(v[5], [0x0f, 0]);
    assert_eq!(v[6], [lo, 0]);
    assert_eq!(v[7], [lo, hi]);
    assert_eq!(v[8], [0x0100, 0]);
    assert_eq!(r.cpu.x[0], DATA + 62);
    assert_eq!(r.data[60..64], [0x00, 0x01, 0x02, 0x03]);
    assert_eq!(r.data[46], 0xab);
}
