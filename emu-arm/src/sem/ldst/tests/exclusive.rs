//! Exclusives and acquire/release: success at every size, each way a store-exclusive
//! fails, alignment faults.

use super::*;
use crate::exits;
use crate::testkit::{BRK0, CODE};

const P2: u64 = 0x0123_4567_89ab_cdef;
const X5: u64 = 0xa5a5_5a5a_c3c3_3c3c;
const INITIAL: [u64; 2] = [0x1122_3344_5566_7788, 0x99aa_bbcc_ddee_ff00];

fn initial_data() -> Vec<u8> {
    INITIAL.iter().flat_map(|v| v.to_le_bytes()).collect()
}

fn run(code: &[u32]) -> Run {
    run_mem(code, &initial_data(), |c| {
        c.x[2] = P2;
        c.x[5] = X5;
        // Status registers start non-zero so that a written 0 is visible.
        for s in [1, 3, 4, 7, 9, 11, 14, 17] {
            c.x[s] = 7;
        }
    })
}

#[test]
fn exclusive_pairs_of_every_size_succeed() {
    let code = [
        0xc85f7f80, // ldxr   x0, [x28]
        0xc8017f82, // stxr   w1, x2, [x28]
        0x085fff83, // ldaxrb w3, [x28]
        0x0804ff85, // stlxrb w4, w5, [x28]
        0x485f7f86, // ldxrh  w6, [x28]
        0x48077f85, // stxrh  w7, w5, [x28]
        0x885f7f88, // ldxr   w8, [x28]
        0x8809ff82, // stlxr  w9, w2, [x28]
        0xc87f378c, // ldxp   x12, x13, [x28]
        0xc82e1782, // stxp   w14, x2, x5, [x28]
        0x887fc38f, // ldaxp  w15, w16, [x28]
        0x88318b85, // stlxp  w17, w5, w2, [x28]
        0xc8dfff92, // ldar   x18, [x28]
        0x889fff82, // stlr   w2, [x28]
        0x08dfff93, // ldarb  w19, [x28]
        0x489fff85, // stlrh  w5, [x28]
        0x48dfff94, // ldarh  w20, [x28]
        0x88dfff95, // ldar   w21, [x28]
        BRK0,
    ];
    let r = run(&code);
    assert_eq!(r.exit, exits::BRK);
    let x = &r.cpu.x;
    for s in [1, 4, 7, 9, 14, 17] {
        assert_eq!(x[s], 0, "status register w{s}");
    }
    assert_eq!(x[0], INITIAL[0]);
    assert_eq!(x[3], 0xef);
    assert_eq!(x[6], 0xcd3c);
    assert_eq!(x[8], 0x89ab_3c3c);
    assert_eq!((x[12], x[13]), (P2, INITIAL[1]));
    assert_eq!((x[15], x[16]), (0x89ab_cdef, 0x0123_4567));
    assert_eq!(x[18], 0x89ab_cdef_c3c3_3c3c);
    assert_eq!((x[19], x[20], x[21]), (0xef, 0x3c3c, 0x89ab_3c3c));
    assert_eq!(r.u64_at(0), 0x89ab_cdef_89ab_3c3c);
    assert_eq!(r.u64_at(8), X5);
    assert_eq!(
        r.cpu.excl_addr,
        u64::MAX,
        "a store-exclusive clears the monitor"
    );
}

/// Runs `code`, which ends with `stxr w1, x2, [x28]`, and returns (status, memory word).
fn store_status(code: &[u32]) -> (u64, u64) {
    let r = run(code);
    assert_eq!(r.exit, exits::BRK);
    (r.cpu.x[1], r.u64_at(0))
}

#[test]
fn store_exclusive_failures() {
    const LDXR: u32 = 0xc85f7f80; // ldxr x0, [x28]
    const STXR: u32 = 0xc8017f82; // stxr w1, x2, [x28]
                                  // No load-exclusive at all (the monitor starts open).
    assert_eq!(store_status(&[STXR, BRK0]), (1, INITIAL[0]));
    // CLREX in between.
    assert_eq!(
        store_status(&[LDXR, 0xd5033f5f, STXR, BRK0]),
        (1, INITIAL[0])
    );
    // An intervening store of a different value.
    assert_eq!(
        store_status(&[LDXR, 0xf9000385 /* str x5, [x28] */, STXR, BRK0]),
        (1, X5)
    );
    // A different size: ldxr w8, [x28] then a 64-bit stxr.
    assert_eq!(store_status(&[0x885f7f88, STXR, BRK0]), (1, INITIAL[0]));
    // A second store-exclusive after a successful one.
    let r = run(&[LDXR, STXR, 0xc8037f85 /* stxr w3, x5, [x28] */, BRK0]);
    assert_eq!((r.cpu.x[1], r.cpu.x[3], r.u64_at(0)), (0, 1, P2));
    // A different address: stxr w11, x2, [x10] with x10 = x28 + 8.
    let r = run(&[
        LDXR, 0x9100238a, /* add x10, x28, #8 */
        0xc80b7d42, BRK0,
    ]);
    assert_eq!((r.cpu.x[11], r.u64_at(8)), (1, INITIAL[1]));
    // The 64-bit pair: a change to either half makes STXP fail.
    let r = run(&[
        0xc87f378c, // ldxp x12, x13, [x28]
        0xf9000785, // str  x5, [x28, #8]
        0xc82e1782, // stxp w14, x2, x5, [x28]
        BRK0,
    ]);
    assert_eq!((r.cpu.x[14], r.u64_at(0)), (1, INITIAL[0]));
}

#[test]
fn exclusives_and_acquire_release_need_alignment() {
    for word in [
        0xc85f7c20, // ldxr x0, [x1]
        0xc8037c22, // stxr w3, x2, [x1]
        0xc8dffc20, // ldar x0, [x1]
        0xc89ffc20, // stlr x0, [x1]
    ] {
        let r = run_mem(&[word, BRK0], &[], |c| c.x[1] = DATA + 4);
        assert_eq!(r.exit, Exit::ALIGNMENT, "{word:#010x}");
        assert_eq!(r.cpu.core.fault_addr, DATA + 4);
        assert_eq!(r.cpu.core.pc, CODE);
    }
    // ldxp x0, x1, [x2]: a pair of X registers needs 16-byte alignment.
    let r = run_mem(&[0xc87f0440, BRK0], &[], |c| c.x[2] = DATA + 8);
    assert_eq!(r.exit, Exit::ALIGNMENT);
}

#[test]
fn lor_forms_act_as_acquire_release() {
    let code = [
        0xc8df7f80, // ldlar x0, [x28]
        0xc89f7f82, // stllr x2, [x28]
        BRK0,
    ];
    let r = run(&code);
    assert_eq!(r.exit, exits::BRK);
    assert_eq!(r.cpu.x[0], INITIAL[0]);
    assert_eq!(r.u64_at(0), P2);
}
