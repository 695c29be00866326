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

#[test]
fn rcpc_acquire_and_release_forms() {
    let code = [
        0xf8bfc020, // ldapr    x0, [x1]
        0x38bfc022, // ldaprb   w2, [x1]
        0x78bfc023, // ldaprh   w3, [x1]
        0xb8bfc024, // ldapr    w4, [x1]
        0xd9008025, // stlur    x5, [x1, #8]
        0x191ff025, // stlurb   w5, [x1, #-1]
        0x591fc025, // stlurh   w5, [x1, #-4]
        0x99010025, // stlur    w5, [x1, #16]
        0xd9408026, // ldapur   x6, [x1, #8]
        0x199ff027, // ldapursb x7, [x1, #-1]
        0x19dff028, // ldapursb w8, [x1, #-1]
        0x599fc029, // ldapursh x9, [x1, #-4]
        0x59dfc02a, // ldapursh w10, [x1, #-4]
        0x9981002b, // ldapursw x11, [x1, #16]
        0x195ff02c, // ldapurb  w12, [x1, #-1]
        0x595fc02d, // ldapurh  w13, [x1, #-4]
        0x9941002e, // ldapur   w14, [x1, #16]
        0xd95fd02f, // ldapur   x15, [x1, #-3]   (misaligned: faults)
        BRK0,
    ];
    let mut data = vec![0u8; 64];
    data[32..40].copy_from_slice(&PATTERN.to_le_bytes());
    let x5 = 0x8182_8384_8586_8788u64;
    let r = run_mem(&code, &data, |c| {
        c.x[1] = DATA + 32;
        c.x[5] = x5;
    });
    assert_eq!(r.exit, Exit::ALIGNMENT);
    assert_eq!(
        (r.cpu.core.pc, r.cpu.core.fault_addr),
        (CODE + 4 * 17, DATA + 29)
    );
    let x = &r.cpu.x;
    assert_eq!(
        (x[0], x[2], x[3], x[4]),
        (PATTERN, 0xff, 0xeeff, 0xccdd_eeff)
    );
    assert_eq!(r.u64_at(40), x5);
    assert_eq!((r.data[28], r.data[29], r.data[31]), (0x88, 0x87, 0x88));
    assert_eq!(r.data[48..52], [0x88, 0x87, 0x86, 0x85]);
    assert_eq!(x[6], x5);
    assert_eq!((x[7], x[8]), (0xffff_ffff_ffff_ff88, 0xffff_ff88));
    assert_eq!((x[9], x[10]), (0xffff_ffff_ffff_8788, 0xffff_8788));
    assert_eq!(x[11], 0xffff_ffff_8586_8788);
    assert_eq!((x[12], x[13], x[14]), (0x88, 0x8788, 0x8586_8788));
}
