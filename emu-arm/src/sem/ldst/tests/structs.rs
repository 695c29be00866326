//! Advanced SIMD structure loads and stores against layouts worked out from the Arm ARM
//! pseudocode: element `e` of register `t + s` lives at `(e * selem + s) * esize`.

use super::*;
use crate::exits;
use crate::testkit::BRK0;

/// Memory where the byte at offset i is i (mod 256).
fn counting_bytes(len: usize) -> Vec<u8> {
    (0..len).map(|i| i as u8).collect()
}

fn halves(bytes: [u8; 16]) -> [u64; 2] {
    let mut lo = [0u8; 8];
    let mut hi = [0u8; 8];
    lo.copy_from_slice(&bytes[..8]);
    hi.copy_from_slice(&bytes[8..]);
    [u64::from_le_bytes(lo), u64::from_le_bytes(hi)]
}

/// Register `s` of an interleaved load of `selem` registers of `regbytes` bytes with
/// `ebytes`-byte elements from `mem`.
fn deinterleaved(mem: &[u8], selem: usize, ebytes: usize, regbytes: usize, s: usize) -> [u64; 2] {
    let mut out = [0u8; 16];
    for e in 0..regbytes / ebytes {
        for b in 0..ebytes {
            out[e * ebytes + b] = mem[(e * selem + s) * ebytes + b];
        }
    }
    halves(out)
}

/// The 16 bytes of a V register value.
fn bytes_of(v: [u64; 2]) -> [u8; 16] {
    let mut out = [0u8; 16];
    out[..8].copy_from_slice(&v[0].to_le_bytes());
    out[8..].copy_from_slice(&v[1].to_le_bytes());
    out
}

#[test]
fn multiple_structure_loads() {
    let code = [
        0x4c402380, // ld1 {v0.16b-v3.16b}, [x28]
        0x0c407384, // ld1 {v4.8b}, [x28]
        0x0c40af85, // ld1 {v5.1d, v6.1d}, [x28]
        0x4c408787, // ld2 {v7.8h, v8.8h}, [x28]
        0x4c404b89, // ld3 {v9.4s-v11.4s}, [x28]
        0x0c40038c, // ld4 {v12.8b-v15.8b}, [x28]
        0x4c400f90, // ld4 {v16.2d-v19.2d}, [x28]
        0x0cdf6414, // ld1 {v20.4h-v22.4h}, [x0], #24
        0x0cc2883e, // ld2 {v30.2s, v31.2s}, [x1], x2
        0x4c404397, // ld3 {v23.16b-v25.16b}, [x28]
        BRK0,
    ];
    let mem = counting_bytes(256);
    let r = run_mem(&code, &mem, |c| {
        c.x[0] = DATA + 0x40;
        c.x[1] = DATA + 0x80;
        c.x[2] = 40;
        c.vreg = [[u64::MAX; 2]; 32];
    });
    assert_eq!(r.exit, exits::BRK);
    let v = &r.cpu.vreg;
    for i in 0..4 {
        assert_eq!(v[i], deinterleaved(&mem[16 * i..], 1, 1, 16, 0), "ld1 v{i}");
    }
    assert_eq!(v[4], [0x0706_0504_0302_0100, 0]);
    assert_eq!(
        (v[5], v[6]),
        ([0x0706_0504_0302_0100, 0], [0x0f0e_0d0c_0b0a_0908, 0])
    );
    for s in 0..2 {
        assert_eq!(
            v[7 + s],
            deinterleaved(&mem, 2, 2, 16, s),
            "ld2 .8h v{}",
            7 + s
        );
    }
    // Spot check of the model: the first halfwords of v7 are 0x0100, 0x0504, ...
    assert_eq!(v[7][0], 0x0d0c_0908_0504_0100);
    for s in 0..3 {
        assert_eq!(
            v[9 + s],
            deinterleaved(&mem, 3, 4, 16, s),
            "ld3 .4s v{}",
            9 + s
        );
    }
    for s in 0..4 {
        assert_eq!(
            v[12 + s],
            deinterleaved(&mem, 4, 1, 8, s),
            "ld4 .8b v{}",
            12 + s
        );
        assert_eq!(v[12 + s][1], 0, "64-bit arrangements zero the high half");
        assert_eq!(
            v[16 + s],
            deinterleaved(&mem, 4, 8, 16, s),
            "ld4 .2d v{}",
            16 + s
        );
    }
    assert_eq!(v[12][0], 0x1c18_1410_0c08_0400);
    for i in 0..3 {
        let want = deinterleaved(&mem[0x40 + 8 * i..], 1, 2, 8, 0);
        assert_eq!(v[20 + i], want, "ld1 .4h v{}", 20 + i);
    }
    assert_eq!(
        r.cpu.x[0],
        DATA + 0x40 + 24,
        "post-index by the bytes moved"
    );
    for s in 0..2 {
        assert_eq!(
            v[30 + s],
            deinterleaved(&mem[0x80..], 2, 4, 8, s),
            "ld2 .2s"
        );
    }
    assert_eq!(r.cpu.x[1], DATA + 0x80 + 40, "post-index by a register");
    for s in 0..3 {
        assert_eq!(
            v[23 + s],
            deinterleaved(&mem, 3, 1, 16, s),
            "ld3 .16b v{}",
            23 + s
        );
    }
}

#[test]
fn multiple_structure_stores() {
    let code = [
        0x4c000060, // st4 {v0.16b-v3.16b}, [x3]
        0x4c9f4889, // st3 {v9.4s-v11.4s}, [x4], #48
        0x0c8284a7, // st2 {v7.4h, v8.4h}, [x5], x2
        0x4c00acc0, // st1 {v0.2d, v1.2d}, [x6]
        BRK0,
    ];
    // Register n holds bytes 16n .. 16n+15 (offset by 0x80 to differ from zero memory).
    let reg = |n: usize| -> [u64; 2] {
        let mut b = [0u8; 16];
        for (i, x) in b.iter_mut().enumerate() {
            *x = (0x80 + 16 * n + i) as u8;
        }
        halves(b)
    };
    let r = run_mem(&code, &[], |c| {
        for n in 0..32 {
            c.vreg[n] = reg(n);
        }
        c.x[2] = 40;
        c.x[3] = DATA + 0x100;
        c.x[4] = DATA + 0x200;
        c.x[5] = DATA + 0x300;
        c.x[6] = DATA + 0x380;
    });
    assert_eq!(r.exit, exits::BRK);
    // Interleave by the same rule: memory element (e*selem + s) is element e of reg s.
    let check = |at: usize, first: usize, selem: usize, ebytes: usize, regbytes: usize| {
        for s in 0..selem {
            let b = bytes_of(reg(first + s));
            for e in 0..regbytes / ebytes {
                let m = at + (e * selem + s) * ebytes;
                assert_eq!(
                    r.data[m..m + ebytes],
                    b[e * ebytes..(e + 1) * ebytes],
                    "element {e} of v{}",
                    first + s
                );
            }
        }
    };
    check(0x100, 0, 4, 1, 16);
    check(0x200, 9, 3, 4, 16);
    check(0x300, 7, 2, 2, 8);
    assert_eq!(
        r.data[0x310], 0,
        "a 64-bit arrangement stores 8 bytes per register"
    );
    assert_eq!(r.data[0x380..0x390], bytes_of(reg(0)));
    assert_eq!(r.data[0x390..0x3a0], bytes_of(reg(1)));
    assert_eq!(r.cpu.x[4], DATA + 0x200 + 48);
    assert_eq!(r.cpu.x[5], DATA + 0x300 + 40);
    assert_eq!(r.cpu.x[6], DATA + 0x380, "no writeback without post-index");
}

#[test]
fn single_structure_lanes_and_replicate() {
    let code = [
        0x4d409380, // ld1  {v0.s}[3], [x28]
        0x4d606b81, // ld4  {v1.h-v4.h}[5], [x28]
        0x4dff1c1f, // ld2  {v31.b, v0.b}[15], [x0], #2   (the list wraps to v0)
        0x4d00a425, // st3  {v5.d-v7.d}[1], [x1]
        0x4d40cb88, // ld1r {v8.4s}, [x28]
        0x4d60ef8b, // ld4r {v11.2d-v14.2d}, [x28]
        0x0d40b38f, // ld3  {v15.s-v17.s}[1], [x28]      (Q=0 still keeps the high half)
        0x4d9f0440, // st1  {v0.b}[9], [x2], #1
        0x0ddfe792, // ld3r {v18.4h-v20.4h}, [x28], #6
        0x0de3c389, // ld2r {v9.8b, v10.8b}, [x28], x3
        BRK0,
    ];
    let mem = counting_bytes(256);
    let (lo, hi) = (0xa0a0_a0a0_a0a0_a0a0u64, 0xb0b0_b0b0_b0b0_b0b0u64);
    let r = run_mem(&code, &mem, |c| {
        for n in 0..32 {
            c.vreg[n] = [lo ^ n as u64, hi ^ n as u64];
        }
        c.x[0] = DATA + 0x40;
        c.x[1] = DATA + 0x100;
        c.x[2] = DATA + 0x180;
        c.x[3] = 100;
    });
    assert_eq!(r.exit, exits::BRK);
    let v = &r.cpu.vreg;
    // S lane 3 is the top word; lane 15 (from the wrapped LD2) the top byte.
    assert_eq!(v[0], [lo, 0x4102_0100_b0b0_b0b0]);
    assert_eq!(v[31], [lo ^ 31, 0x40b0_b0b0_b0b0_b0af]);
    assert_eq!(r.cpu.x[0], DATA + 0x42);
    // H lane 5 is bits 16..32 of the high half.
    assert_eq!(v[1], [lo ^ 1, 0xb0b0_b0b0_0100_b0b1]);
    assert_eq!(v[2], [lo ^ 2, 0xb0b0_b0b0_0302_b0b2]);
    assert_eq!(v[3], [lo ^ 3, 0xb0b0_b0b0_0504_b0b3]);
    assert_eq!(v[4], [lo ^ 4, 0xb0b0_b0b0_0706_b0b4]);
    assert_eq!(r.u64_at(0x100), hi ^ 5);
    assert_eq!(r.u64_at(0x108), hi ^ 6);
    assert_eq!(r.u64_at(0x110), hi ^ 7);
    assert_eq!(v[8], [0x0302_0100_0302_0100; 2]);
    for s in 0..4 {
        let d = u64::from_le_bytes(mem[8 * s..8 * s + 8].try_into().expect("8 bytes"));
        assert_eq!(v[11 + s], [d, d], "ld4r v{}", 11 + s);
    }
    assert_eq!(v[15], [0x0302_0100_a0a0_a0af, hi ^ 15]);
    assert_eq!(v[16], [0x0706_0504_a0a0_a0b0, hi ^ 16]);
    assert_eq!(v[17], [0x0b0a_0908_a0a0_a0b1, hi ^ 17]);
    // Byte lane 9 of v0 is byte 1 of its high half.
    assert_eq!(r.data[0x180], 0xb0);
    assert_eq!(r.cpu.x[2], DATA + 0x181);
    assert_eq!(v[18], [0x0100_0100_0100_0100, 0]);
    assert_eq!(v[19], [0x0302_0302_0302_0302, 0]);
    assert_eq!(v[20], [0x0504_0504_0504_0504, 0]);
    assert_eq!(v[9], [0x0606_0606_0606_0606, 0]);
    assert_eq!(v[10], [0x0707_0707_0707_0707, 0]);
    assert_eq!(r.cpu.x[28], DATA + 6 + 100);
}

#[test]
fn structure_load_fault_leaves_registers() {
    // ld4 {v12.8b-v15.8b}, [x28] with x28 = 16 bytes before the end of the data area:
    // the 32-byte access faults part-way, and no register may change.
    let r = run_mem(&[0x0c40038c, BRK0], &[], |c| {
        c.x[28] = DATA + DATA_LEN - 16;
        c.vreg = [[7, 7]; 32];
    });
    assert_eq!(r.exit, Exit::FAULT_READ);
    assert_eq!(r.cpu.core.fault_addr, DATA + DATA_LEN);
    assert!(r.cpu.vreg.iter().all(|&v| v == [7, 7]));
}
