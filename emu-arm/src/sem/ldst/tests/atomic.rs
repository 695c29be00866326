//! LSE atomics: every LD<op>/SWP at every size with signed and unsigned edge values
//! against an independent model, the ST<op> aliases, CAS at every size, CASP, alignment.

use super::*;
use crate::exits;
use crate::testkit::BRK0;

/// LD<op> (o3 = 0, opc = op) or SWP (op = 8): size, acquire, release, Rs, Rn, Rt.
fn ld_op(op: u32, size: u32, a: u32, r: u32, rs: u32, rn: u32, rt: u32) -> u32 {
    let (o3, opc) = if op == 8 { (1, 0) } else { (0, op) };
    (size << 30)
        | 0x3820_0000
        | (a << 23)
        | (r << 22)
        | (rs << 16)
        | (o3 << 15)
        | (opc << 12)
        | (rn << 5)
        | rt
}

/// CAS: size, acquire (L), release (o0), Rs, Rn, Rt.
fn cas_op(size: u32, a: u32, r: u32, rs: u32, rn: u32, rt: u32) -> u32 {
    (size << 30) | 0x08a0_7c00 | (a << 22) | (rs << 16) | (r << 15) | (rn << 5) | rt
}

#[test]
fn encoders_match_the_assembler() {
    assert_eq!(ld_op(0, 0, 0, 0, 1, 19, 10), 0x3821026a); // ldaddb  w1, w10, [x19]
    assert_eq!(ld_op(1, 1, 0, 1, 1, 20, 11), 0x7861128b); // ldclrlh w1, w11, [x20]
    assert_eq!(ld_op(2, 2, 1, 1, 1, 21, 12), 0xb8e122ac); // ldeoral w1, w12, [x21]
    assert_eq!(ld_op(4, 3, 0, 0, 1, 22, 13), 0xf82142cd); // ldsmax  x1, x13, [x22]
    assert_eq!(ld_op(8, 3, 1, 1, 1, 27, 18), 0xf8e18372); // swpal   x1, x18, [x27]
    assert_eq!(cas_op(0, 1, 1, 0, 2, 1), 0x08e0fc41); // casalb w0, w1, [x2]
    assert_eq!(cas_op(1, 0, 1, 0, 2, 1), 0x48a0fc41); // caslh  w0, w1, [x2]
    assert_eq!(cas_op(3, 1, 0, 0, 2, 1), 0xc8e07c41); // casa   x0, x1, [x2]
}

/// The Arm ARM's definition of each operation on `bytes`-wide values, written
/// independently of the emulator's helpers: (new memory value, value returned).
fn model(op: u32, old: u64, operand: u64, bytes: u32) -> (u64, u64) {
    let bits = bytes * 8;
    let mask = if bits == 64 {
        u64::MAX
    } else {
        (1 << bits) - 1
    };
    let (o, v) = (old & mask, operand & mask);
    let signed = |x: u64| ((x << (64 - bits)) as i64) >> (64 - bits);
    let new = match op {
        0 => o.wrapping_add(v),
        1 => o & !v,
        2 => o ^ v,
        3 => o | v,
        4 => {
            if signed(o) >= signed(v) {
                o
            } else {
                v
            }
        }
        5 => {
            if signed(o) <= signed(v) {
                o
            } else {
                v
            }
        }
        6 => o.max(v),
        7 => o.min(v),
        _ => v,
    };
    (new & mask, o)
}

/// (memory, operand) pairs around the signed and unsigned boundaries of `bytes`.
fn edge_values(bytes: u32) -> Vec<(u64, u64)> {
    let bits = bytes * 8;
    let umax = if bits == 64 {
        u64::MAX
    } else {
        (1 << bits) - 1
    };
    let smax = umax >> 1;
    let smin = smax + 1;
    vec![
        (smax, smin),
        (smin, smax),
        (umax, 1),
        (0, umax),
        (smin, umax),
        (umax, smin),
        (5, 3),
        (smax, smax),
    ]
}

#[test]
fn every_ld_op_and_swp_at_every_size() {
    for size in 0..4u32 {
        let bytes = 1 << size;
        // Op i works on the slot at x(19 + i) = DATA + 8*i and returns into x(10 + i); the
        // acquire/release bits rotate through all four combinations.
        let mut code: Vec<u32> = (0..9)
            .map(|op| ld_op(op, size, op & 1, (op >> 1) & 1, 1, 19 + op, 10 + op))
            .collect();
        code.push(BRK0);
        for (mem, operand) in edge_values(bytes) {
            // Bytes beyond the access keep a marker that must survive.
            let mut data = vec![0xeeu8; 72];
            for op in 0..9 {
                let at = 8 * op as usize;
                data[at..at + bytes as usize].copy_from_slice(&mem.to_le_bytes()[..bytes as usize]);
            }
            // Operand bits above the access size must be ignored.
            let garbage = if bytes == 8 { 0 } else { 0xdead_0000_0000_0000 };
            let r = run_mem(&code, &data, |c| {
                c.x[1] = operand | garbage;
                for op in 0..9 {
                    c.x[19 + op] = DATA + 8 * op as u64;
                }
            });
            assert_eq!(r.exit, exits::BRK);
            for op in 0..9u32 {
                let (new, ret) = model(op, mem, operand, bytes);
                let at = 8 * op as usize;
                let mut got = [0u8; 8];
                got[..bytes as usize].copy_from_slice(&r.data[at..at + bytes as usize]);
                let ctx = format!("op {op} size {bytes} mem {mem:#x} operand {operand:#x}");
                assert_eq!(u64::from_le_bytes(got), new, "memory: {ctx}");
                assert_eq!(r.cpu.x[10 + op as usize], ret, "returned: {ctx}");
                assert!(
                    r.data[at + bytes as usize..at + 8]
                        .iter()
                        .all(|&b| b == 0xee),
                    "bytes beyond the access: {ctx}"
                );
            }
        }
    }
}

#[test]
fn st_aliases_update_memory_only() {
    // stadd w1, [x19] ... stumin w1, [x26]: Rt = WZR.
    let mut code: Vec<u32> = (0..8)
        .map(|op| ld_op(op, 2, 0, 1, 1, 19 + op, 31))
        .collect();
    code.push(BRK0);
    let r = run_mem(&code, &[0x10; 64], |c| {
        c.x[1] = 0x0101_0103;
        for op in 0..8 {
            c.x[19 + op] = DATA + 8 * op as u64;
        }
    });
    assert_eq!(r.exit, exits::BRK);
    for op in 0..8u32 {
        let (new, _) = model(op, 0x1010_1010, 0x0101_0103, 4);
        let at = 8 * op as usize;
        assert_eq!(r.u64_at(at) & 0xffff_ffff, new, "op {op}");
    }
}

#[test]
fn cas_at_every_size() {
    for size in 0..4u32 {
        let bytes = 1usize << size;
        let mask = if bytes == 8 {
            u64::MAX
        } else {
            (1 << (8 * bytes)) - 1
        };
        let code = [
            cas_op(size, 1, 1, 0, 2, 1), // casal{b,h,} Rs=0, [x2], Rt=1: succeeds
            cas_op(size, 0, 0, 3, 4, 1), // cas Rs=3, [x4], Rt=1: fails
            BRK0,
        ];
        let old = 0x8877_6655_4433_2211u64 & mask;
        let data: Vec<u8> = [old, old].iter().flat_map(|v| v.to_le_bytes()).collect();
        let r = run_mem(&code, &data, |c| {
            // Bits above the size are not compared.
            c.x[0] = old | !mask;
            c.x[1] = 0xa5a5_a5a5_a5a5_a5a5;
            c.x[2] = DATA;
            c.x[3] = old ^ 1;
            c.x[4] = DATA + 8;
        });
        assert_eq!(r.exit, exits::BRK);
        assert_eq!(r.cpu.x[0], old, "size {bytes}: Rs receives the old value");
        assert_eq!(r.u64_at(0) & mask, 0xa5a5_a5a5_a5a5_a5a5 & mask);
        assert_eq!(
            r.cpu.x[3], old,
            "size {bytes}: a failed CAS returns the old value"
        );
        assert_eq!(
            r.u64_at(8),
            old,
            "size {bytes}: a failed CAS does not write"
        );
    }
}

#[test]
fn casp_pairs() {
    let code = [
        0x4864fc46, // caspal x4, x5, x6, x7, [x2]
        BRK0,
    ];
    let data: Vec<u8> = [0x1111u64, 0x2222, 0x3333_0000_4444, 0]
        .iter()
        .flat_map(|v| v.to_le_bytes())
        .collect();
    let r = run_mem(&code, &data, |c| {
        c.x[2] = DATA;
        c.x[4] = 0x1111;
        c.x[5] = 0x2222;
        c.x[6] = 0x6666;
        c.x[7] = 0x7777;
    });
    assert_eq!(r.exit, exits::BRK);
    assert_eq!((r.u64_at(0), r.u64_at(8)), (0x6666, 0x7777));
    assert_eq!((r.cpu.x[4], r.cpu.x[5]), (0x1111, 0x2222));
    // W pairs: one 8-byte access, W(s) the low word.
    let code = [
        0x08207c82, // casp w0, w1, w2, w3, [x4]
        BRK0,
    ];
    let r = run_mem(&code, &data, |c| {
        c.x[0] = 0x4444;
        c.x[1] = 0x3333;
        c.x[2] = 0xffff_ffff_0000_0002; // only W2 and W3 are stored
        c.x[3] = 3;
        c.x[4] = DATA + 16;
    });
    assert_eq!(r.exit, exits::BRK);
    assert_eq!(r.u64_at(16), 0x3_0000_0002);
    assert_eq!((r.cpu.x[0], r.cpu.x[1]), (0x4444, 0x3333));
    // A mismatch in the high word fails and returns both old words.
    let r = run_mem(&code, &data, |c| {
        c.x[0] = 0x4444;
        c.x[1] = 0x3334;
        c.x[4] = DATA + 16;
    });
    assert_eq!(r.u64_at(16), 0x3333_0000_4444);
    assert_eq!((r.cpu.x[0], r.cpu.x[1]), (0x4444, 0x3333));
}

#[test]
fn atomics_need_alignment() {
    for word in [
        ld_op(0, 2, 0, 0, 1, 2, 0), // ldadd w1, w0, [x2]
        cas_op(3, 0, 0, 0, 2, 1),   // cas x0, x1, [x2]
        0x4864fc46,                 // caspal x4, x5, x6, x7, [x2]
    ] {
        let r = run_mem(&[word, BRK0], &[], |c| c.x[2] = DATA + 6);
        assert_eq!(r.exit, Exit::ALIGNMENT, "{word:#010x}");
        assert_eq!(r.cpu.core.fault_addr, DATA + 6);
    }
}
