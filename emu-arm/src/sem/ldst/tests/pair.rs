//! Register pairs: every size, addressing form, LDPSW, SIMD&FP pairs, writeback corner
//! cases and precise faults.

use super::*;
use crate::exits;
use crate::testkit::BRK0;

const P2: u64 = 0x0123_4567_89ab_cdef;

#[test]
fn general_register_pairs() {
    let code = [
        0x29000b81, // stp   w1, w2, [x28]
        0xa9008b81, // stp   x1, x2, [x28, #8]
        0x29401383, // ldp   w3, w4, [x28]
        0xa9409b85, // ldp   x5, x6, [x28, #8]
        0x69402387, // ldpsw x7, x8, [x28]
        0x91010380, // add   x0, x28, #0x40
        0xa9bf0801, // stp   x1, x2, [x0, #-16]!
        0xa8c12809, // ldp   x9, x10, [x0], #16
        0xa8000402, // stnp  x2, x1, [x0]
        0xa840300b, // ldnp  x11, x12, [x0]
        0x69c1380d, // ldpsw x13, x14, [x0, #8]!
        0x9103238f, // add   x15, x28, #0xc8
        0xa9ffc1ef, // ldp   x15, x16, [x15, #-8]!   (Rt == Rn: the writeback wins)
        0x9103c391, // add   x17, x28, #0xf0
        0xa9bf4631, // stp   x17, x17, [x17, #-16]!  (Rt == Rn: the old value is stored)
        0xa94e4f92, // ldp   x18, x19, [x28, #224]
        BRK0,
    ];
    let mut data = vec![0u8; 256];
    data[200..208].copy_from_slice(&0x2222_3333_4444_5555u64.to_le_bytes());
    let r = run_mem(&code, &data, |c| {
        c.x[1] = PATTERN;
        c.x[2] = P2;
        c.x[3] = u64::MAX;
        c.x[4] = u64::MAX;
    });
    assert_eq!(r.exit, exits::BRK);
    let x = &r.cpu.x;
    assert_eq!((x[3], x[4]), (0xccdd_eeff, 0x89ab_cdef));
    assert_eq!((x[5], x[6]), (PATTERN, P2));
    assert_eq!((x[7], x[8]), (0xffff_ffff_ccdd_eeff, 0xffff_ffff_89ab_cdef));
    assert_eq!((x[9], x[10]), (PATTERN, P2));
    assert_eq!((x[11], x[12]), (P2, PATTERN));
    assert_eq!(
        (x[13], x[14]),
        (0xffff_ffff_ccdd_eeff, 0xffff_ffff_8899_aabb)
    );
    assert_eq!(x[0], DATA + 72);
    assert_eq!((x[15], x[16]), (DATA + 192, 0x2222_3333_4444_5555));
    assert_eq!(x[17], DATA + 224);
    assert_eq!((x[18], x[19]), (DATA + 240, DATA + 240));
    assert_eq!(r.u64_at(48), PATTERN);
    assert_eq!(r.u64_at(56), P2);
}

#[test]
fn simd_fp_pairs() {
    let code = [
        0xad040780, // stp  q0, q1, [x28, #128]
        0xad440f82, // ldp  q2, q3, [x28, #128]
        0x6d481784, // ldp  d4, d5, [x28, #128]
        0x2d511f86, // ldp  s6, s7, [x28, #136]
        0x6c0a0381, // stnp d1, d0, [x28, #160]
        0xac452788, // ldnp q8, q9, [x28, #160]
        BRK0,
    ];
    let (a0, a1, b0, b1) = (PATTERN, P2, 0x1111_2222_3333_4444, 0x5555_6666_7777_8888);
    let r = run_mem(&code, &[], |c| {
        c.vreg[0] = [a0, a1];
        c.vreg[1] = [b0, b1];
        for v in 2..10 {
            c.vreg[v] = [u64::MAX, u64::MAX];
        }
    });
    assert_eq!(r.exit, exits::BRK);
    let v = &r.cpu.vreg;
    assert_eq!(v[2], [a0, a1]);
    assert_eq!(v[3], [b0, b1]);
    assert_eq!((v[4], v[5]), ([a0, 0], [a1, 0]));
    assert_eq!((v[6], v[7]), ([a1 & 0xffff_ffff, 0], [a1 >> 32, 0]));
    assert_eq!((v[8], v[9]), ([b0, a0], [0, 0]));
}

#[test]
fn faulting_pair_load_changes_nothing() {
    // ldp x3, x4, [x0, #-8]!  with the second word on the unmapped page after DATA.
    let r = run_mem(&[0xa9ff9003, BRK0], &[], |c| {
        c.x[0] = DATA + DATA_LEN;
        c.x[3] = 3;
        c.x[4] = 4;
    });
    assert_eq!(r.exit, Exit::FAULT_READ);
    assert_eq!(r.cpu.core.fault_addr, DATA + DATA_LEN);
    assert_eq!(
        (r.cpu.x[0], r.cpu.x[3], r.cpu.x[4]),
        (DATA + DATA_LEN, 3, 4)
    );
    // stp x2, x2, [x0]: the fault is reported at the second word.
    let r = run_mem(&[0xa9000802, BRK0], &[], |c| c.x[0] = DATA + DATA_LEN - 8);
    assert_eq!(r.exit, Exit::FAULT_WRITE);
    assert_eq!(r.cpu.core.fault_addr, DATA + DATA_LEN);
}

#[test]
fn same_destination_twice_follows_qemu() {
    // CONSTRAINED UNPREDICTABLE; QEMU keeps the first value for X registers and the
    // second for SIMD&FP registers.
    let code = [
        0xa9402388, // ldp x8, x8, [x28]
        0x6d400f83, // ldp d3, d3, [x28]
        BRK0,
    ];
    let data: Vec<u8> = [PATTERN, P2].iter().flat_map(|v| v.to_le_bytes()).collect();
    let r = run_mem(&code, &data, |_| {});
    assert_eq!(r.exit, exits::BRK);
    assert_eq!(r.cpu.x[8], PATTERN);
    assert_eq!(r.cpu.vreg[3], [P2, 0]);
}
