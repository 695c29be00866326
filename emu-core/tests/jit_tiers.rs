//! The interpreter and the Cranelift tier must agree bit for bit: every test runs toy
//! programs in both (see `toy/mod.rs`) and, where it matters, checks known results too,
//! so a bug shared by both tiers still fails.

mod toy;

use emu_core::emit::Exit;
use emu_core::jit::JitSettings;
use emu_core::runtime::TierConfig;
use toy::*;

const OUT: u32 = 12; // r12 points at the output area (RW) in the directed tests

fn setup_out(t: &mut Toy) {
    t.r[OUT as usize] = RW;
}

fn halt() -> u32 {
    enc(HALT, 0, 0, 0, 0x77)
}

fn read_out(o: &Outcome, i: usize) -> u64 {
    u64::from_le_bytes(o.data[8 * i..8 * i + 8].try_into().expect("8 bytes"))
}

/// Runs op `k` of a table over operand pairs; returns the results per pair per op.
fn binop_table(pairs: &[(u64, u64)]) -> Vec<Vec<u64>> {
    let mut all = Vec::new();
    for &(x, y) in pairs {
        let mut code = Vec::new();
        for k in 0..BINOPS.len() {
            code.push(enc(BIN, 3, 1, 2, k as i32));
            code.push(enc(STORE, 3, OUT, 3, 8 * k as i32));
        }
        code.push(halt());
        let o = run_all(&code, &|t| {
            setup_out(t);
            t.r[1] = x;
            t.r[2] = y;
        });
        assert_eq!(o.exit, HALT_EXIT);
        all.push((0..BINOPS.len()).map(|k| read_out(&o, k)).collect());
    }
    all
}

#[test]
fn binops_agree_with_known_edge_cases() {
    let min = i64::MIN as u64;
    let pairs = [
        (7, 0),
        (min, u64::MAX),
        (0x8000_0000_0000_0001, 64),
        (0x8000_0000_0000_0001, 65),
        (0x8000_0000_0000_0001, 127),
        (u64::MAX, u64::MAX),
        (0x1234_5678_9abc_def0, 0xfedc_ba98_7654_3210),
        (100, 7),
        ((-100i64) as u64, 7),
    ];
    let r = binop_table(&pairs);
    let idx = |op| BINOPS.iter().position(|&o| o == op).expect("op");
    use emu_core::emit::BinOp::*;
    // Division by zero gives 0; MIN / -1 gives MIN.
    assert_eq!(r[0][idx(UDiv)], 0);
    assert_eq!(r[0][idx(SDiv)], 0);
    assert_eq!(r[1][idx(SDiv)], min);
    assert_eq!(r[1][idx(UDiv)], 0);
    // Shift amounts are taken modulo 64.
    assert_eq!(r[2][idx(Shl)], 0x8000_0000_0000_0001);
    assert_eq!(r[3][idx(Shl)], 2);
    assert_eq!(r[3][idx(Lshr)], 0x4000_0000_0000_0000);
    assert_eq!(r[3][idx(Ashr)], 0xc000_0000_0000_0000);
    assert_eq!(r[3][idx(Rotr)], 0xc000_0000_0000_0000);
    assert_eq!(r[4][idx(Lshr)], 1);
    // High halves of products.
    assert_eq!(r[5][idx(UMulHi)], u64::MAX - 1);
    assert_eq!(r[5][idx(SMulHi)], 0);
    assert_eq!(r[8][idx(SDiv)], (-14i64) as u64);
    assert_eq!(r[7][idx(UDiv)], 14);
    assert_eq!(
        r[6][idx(AndNot)],
        0x1234_5678_9abc_def0 & !0xfedc_ba98_7654_3210
    );
    assert_eq!(
        r[6][idx(XorNot)],
        !(0x1234_5678_9abc_def0u64 ^ 0xfedc_ba98_7654_3210)
    );
}

#[test]
fn constant_operands_fold_to_the_same_results() {
    // MOVI makes r1 a compile-time constant in the JIT, so BINI folds at compile time;
    // the interpreter computes at run time. Shift amounts and divisors cover edge cases.
    for imm in [0i32, 1, -1, 63, 64, 65, -2048, 2047] {
        let mut code = vec![];
        code.extend(li(1, 0x8000_0000_0000_0005));
        for k in 0..16 {
            code.push(enc(BINI, 3, 1, k, imm));
            code.push(enc(STORE, 3, OUT, 3, 8 * k as i32));
        }
        for k in 0..14 {
            code.push(enc(UN, 3, 1, 0, k));
            code.push(enc(STORE, 3, OUT, 3, 8 * (16 + k)));
        }
        code.push(halt());
        let o = run_all(&code, &setup_out);
        assert_eq!(o.exit, HALT_EXIT);
    }
}

#[test]
fn unops_and_compares_agree_with_known_values() {
    let values = [
        0u64,
        1,
        u64::MAX,
        i64::MIN as u64,
        0x80,
        0x8000,
        0x8000_0000,
        0x0123_4567_89ab_cdef,
        0x00ff_0000_0000_0000,
    ];
    for &x in &values {
        for &y in &values {
            let mut code = Vec::new();
            for k in 0..UNOPS.len() {
                code.push(enc(UN, 3, 1, 0, k as i32));
                code.push(enc(STORE, 3, OUT, 3, 8 * k as i32));
            }
            for k in 0..CMPS.len() {
                code.push(enc(CMP, 3, 1, 2, k as i32));
                code.push(enc(STORE, 3, OUT, 3, 8 * (14 + k) as i32));
            }
            code.push(enc(SEL, 4, 1, 2, 0));
            code.push(halt());
            let o = run_all(&code, &|t| {
                setup_out(t);
                t.r[1] = x;
                t.r[2] = y;
                t.r[4] = x;
            });
            assert_eq!(o.cpu.r[4], if x != 0 { x } else { y });
            if x == 0 && y == 0 {
                // Not, Neg, Clz, Cls, Ctz, Popcnt of 0.
                assert_eq!(read_out(&o, 0), u64::MAX);
                assert_eq!(read_out(&o, 1), 0);
                assert_eq!(read_out(&o, 2), 64);
                assert_eq!(read_out(&o, 3), 63);
                assert_eq!(read_out(&o, 4), 64);
                assert_eq!(read_out(&o, 5), 0);
            }
            if x == 0x80 {
                assert_eq!(read_out(&o, 8), 0xffff_ffff_ffff_ff80); // Sext8
                assert_eq!(read_out(&o, 7), 0x0100_0000_0000_0000); // Bitrev
                assert_eq!(read_out(&o, 6), 0x8000_0000_0000_0000); // Bswap
            }
            if x == u64::MAX && y == 1 {
                assert_eq!(read_out(&o, 14 + 6), 1); // Slt: -1 < 1
                assert_eq!(read_out(&o, 14 + 2), 0); // Ult
                assert_eq!(read_out(&o, 3), 63); // Cls(-1)
            }
        }
    }
}

#[test]
fn negated_comparisons_feed_selects_and_branches() {
    // The JIT turns `cmp ^ 1` and `cmp == 0` into the opposite comparison and fuses
    // comparisons into selects and branches; the results must not change.
    for (x, y) in [(1u64, 2u64), (2, 1), (5, 5), (u64::MAX, 0)] {
        let code = [
            enc(CMP, 3, 1, 2, 2),  // r3 = r1 <u r2
            enc(BINI, 4, 3, 4, 1), // r4 = r3 ^ 1
            enc(MOVI, 6, 0, 0, 0),
            enc(CMP, 5, 3, 6, 0), // r5 = r3 == 0
            enc(CMP, 7, 4, 6, 1), // r7 = r4 != 0
            enc(MOVI, 8, 0, 0, 11),
            enc(MOVI, 9, 0, 0, 22),
            enc(BIN, 10, 5, 5, 3), // r10 = r5 | r5: a plain copy
            enc(SEL, 5, 8, 9, 0),  // r5 = r5 ? 11 : 22
            enc(BCOND, 4, 0, 0, 2),
            enc(HALT, 0, 0, 0, 1),
            enc(HALT, 0, 0, 0, 2),
        ];
        let o = run_all(&code, &|t| {
            t.r[1] = x;
            t.r[2] = y;
        });
        let lt = (x < y) as u64;
        assert_eq!(o.cpu.r[3], lt);
        assert_eq!(
            (o.cpu.r[4], o.cpu.r[7], o.cpu.r[10]),
            (1 - lt, 1 - lt, 1 - lt)
        );
        assert_eq!(o.cpu.r[5], if lt == 0 { 11 } else { 22 });
        assert_eq!(o.cpu.core.exit_arg, if lt == 0 { 2 } else { 1 });
    }
}

#[test]
fn extensions_of_narrow_values() {
    // The JIT skips zero-extensions of values it knows are narrow (narrow loads,
    // masked values, comparisons, earlier extensions); every width combination must
    // still give the interpreter's result.
    let mut code = Vec::new();
    let mut out = 0;
    for size_log in 0..4u32 {
        code.push(enc(LOAD, 3, 1, size_log, 0)); // r3 = load of 1 << size_log bytes
        for k in 8..14 {
            // Sext8/16/32, Zext8/16/32 of the loaded value
            code.push(enc(UN, 4, 3, 0, k));
            code.push(enc(STORE, 4, OUT, 3, 8 * out));
            out += 1;
        }
    }
    code.push(enc(BINI, 5, 2, 2, 0x1ff)); // r5 = r2 & 0x1ff
    code.push(enc(UN, 6, 5, 0, 11)); // Zext8: must still cut bit 8
    code.push(enc(UN, 7, 5, 0, 12)); // Zext16: nothing to cut
    code.push(enc(UN, 8, 6, 0, 13)); // Zext32 of a Zext8
    code.push(halt());
    let o = run_all(&code, &|t| {
        setup_out(t);
        t.r[1] = RW + 0x7f0; // pattern bytes there have their top bits set
        t.r[2] = u64::MAX;
    });
    assert_eq!((o.cpu.r[6], o.cpu.r[7], o.cpu.r[8]), (0xff, 0x1ff, 0xff));
    let pat = |a: u64| ((a & 0xfff) as u32 * 7 + 3) as u8;
    let word = u64::from_le_bytes(std::array::from_fn(|k| pat(RW + 0x7f0 + k as u64)));
    // The 4-byte load (third group of six results), then its Zext16 (fifth).
    assert_eq!(read_out(&o, 6 * 2 + 4), word & 0xffff);
    assert_eq!(read_out(&o, 6 * 3 + 2), word as u32 as i32 as i64 as u64); // Sext32
}

#[test]
fn loads_and_stores_of_every_size_including_page_crossing() {
    let mut code = Vec::new();
    // Loads from addresses around the RW page boundary (the wider ones cross it), then
    // stores of each size that cross it too, then a copy of the loaded values.
    for i in 0..4u32 {
        code.push(enc(LOAD, 3 + i, 1, i, -3 + i as i32));
    }
    for i in 0..4u32 {
        code.push(enc(STORE, 3 + i, 2, i, -1 - i as i32));
        code.push(enc(STORE, 3 + i, OUT, 3, 0x100 + 8 * i as i32));
    }
    // Read-only page: loads fine; hole-free crossing at the RW2/next boundary not needed.
    code.push(enc(LOAD, 8, 9, 3, 0));
    code.push(halt());
    let o = run_all(&code, &|t| {
        setup_out(t);
        t.r[1] = RW + 0x1000; // loads at 0x10ffd.. cross RW page 0 → 1
        t.r[2] = RW + 0x1000; // stores of 4 and 8 bytes cross too
        t.r[9] = RO + 0x10;
    });
    assert_eq!(o.exit, HALT_EXIT);
    // The 8-byte load at 0x11000 (i=3: -3+3 = 0 offset) reads the fill pattern.
    let pat = |a: u64| ((a & 0xfff) as u32 * 7 + 3) as u8;
    let expect8 = u64::from_le_bytes(std::array::from_fn(|k| pat(0x11000 + k as u64)));
    assert_eq!(read_out(&o, 0x100 / 8 + 3), expect8);
    let expect_ro = u64::from_le_bytes(std::array::from_fn(|k| pat(RO + 0x10 + k as u64)));
    assert_eq!(o.cpu.r[8], expect_ro);
}

/// One faulting access at the end of a program; checks exit, pc and fault address.
fn fault_case(insn: u32, base: u64, exit: Exit, fault_addr: u64) {
    let code = [
        enc(MOVI, 7, 0, 0, 42), // a dirty register before the fault must be written back
        enc(BIN, 8, 7, 7, 0),
        insn,
        halt(),
    ];
    let o = run_all(&code, &|t| {
        setup_out(t);
        t.r[1] = base;
        t.r[2] = 0x1122_3344_5566_7788;
    });
    assert_eq!(o.exit, exit, "{insn:#x} at {base:#x}");
    assert_eq!(o.cpu.core.pc, CODE + 8, "pc of the faulting instruction");
    assert_eq!(o.cpu.core.fault_addr, fault_addr, "{insn:#x} at {base:#x}");
    assert_eq!((o.cpu.r[7], o.cpu.r[8]), (42, 84));
}

#[test]
fn faulting_accesses_report_the_first_bad_byte() {
    let load8 = enc(LOAD, 3, 1, 3, 0);
    let store8 = enc(STORE, 2, 1, 3, 0);
    let store2 = enc(STORE, 2, 1, 1, 0);
    fault_case(load8, HOLE, Exit::FAULT_READ, HOLE);
    fault_case(load8, HOLE - 4, Exit::FAULT_READ, HOLE); // RO → hole
    fault_case(load8, HOLE + 0xffc, Exit::FAULT_READ, HOLE + 0xffc); // hole → RW2
    fault_case(store8, RO - 4, Exit::FAULT_WRITE, RO); // RW → RO
    fault_case(store2, RO + 0x800, Exit::FAULT_WRITE, RO + 0x800);
    fault_case(load8, SPACE - 4, Exit::FAULT_READ, SPACE); // runs past the limit
    fault_case(load8, SPACE, Exit::FAULT_READ, SPACE);
    fault_case(load8, u64::MAX - 3, Exit::FAULT_READ, u64::MAX - 3);
    fault_case(enc(LOAD, 3, 1, 0, 0), u64::MAX, Exit::FAULT_READ, u64::MAX);
    fault_case(store8, 0, Exit::FAULT_WRITE, 0);
}

#[test]
fn accesses_near_the_end_of_an_odd_sized_space() {
    // 0x30000 bytes = 48 pages, not a power of two: the JIT's permission-table index
    // cannot wrap and must be clamped instead.
    let limit = 0x30000;
    let cases: [(u32, u64, Exit, u64); 5] = [
        (
            enc(LOAD, 3, 1, 3, 0),
            limit - 4,
            Exit::FAULT_READ,
            limit - 4,
        ), // unmapped
        (enc(LOAD, 3, 1, 3, 0), limit, Exit::FAULT_READ, limit),
        (
            enc(STORE, 2, 1, 2, 0),
            u64::MAX - 1,
            Exit::FAULT_WRITE,
            u64::MAX - 1,
        ),
        (enc(LOAD, 3, 1, 0, 0), 1 << 40, Exit::FAULT_READ, 1 << 40),
        (enc(LOAD, 3, 1, 3, 0), RW + 0xffc, HALT_EXIT, 0),
    ];
    for (insn, base, exit, fault_addr) in cases {
        let code = [insn, halt()];
        let setup = |t: &mut Toy| t.r[1] = base;
        let interp = run_in_space(&code, interp_only(), limit, &setup);
        let jit = run_in_space(&code, jit_always(), limit, &setup);
        assert_same(&interp, &jit, &format!("{insn:#x} at {base:#x}"));
        assert_eq!(jit.exit, exit);
        if exit != HALT_EXIT {
            assert_eq!(jit.cpu.core.fault_addr, fault_addr);
        }
    }
}

#[test]
fn atomics_of_every_op_and_size() {
    for size_log in 0..4u32 {
        let mut code = Vec::new();
        for k in 0..ATOMICS.len() {
            // r1 walks the output area; r3 gets the old value, stored after it.
            code.push(enc(RMW, 3, 1, 2, (size_log << 4) as i32 | k as i32));
            code.push(enc(STORE, 3, OUT, 3, 0x200 + 8 * k as i32));
            code.push(enc(BINI, 1, 1, 0, 8));
        }
        code.push(halt());
        for v in [0u64, 1, 0x80, 0x8000_0001, u64::MAX, 0x7f7f_7f7f_7f7f_7f7f] {
            let o = run_all(&code, &|t| {
                setup_out(t);
                t.r[1] = RW + 0x400;
                t.r[2] = v;
            });
            assert_eq!(o.exit, HALT_EXIT);
        }
    }
    // Known values: 16-bit SMAX of 0x8000 (negative) and 1 is 1; the old value comes
    // back zero-extended.
    let code = [
        enc(MOVI, 5, 0, 8, 0), // 0x8000
        enc(STORE, 5, 1, 1, 0),
        enc(RMW, 3, 1, 2, (1 << 4) | 4),
        enc(LOAD, 4, 1, 1, 0),
        halt(),
    ];
    let o = run_all(&code, &|t| {
        t.r[1] = RW + 0x400;
        t.r[2] = 1;
    });
    assert_eq!((o.cpu.r[3], o.cpu.r[4]), (0x8000, 1));
}

#[test]
fn atomic_faults_and_misalignment() {
    let rmw8 = enc(RMW, 3, 1, 2, (3 << 4) | 8);
    fault_case(rmw8, RW + 4, Exit::ALIGNMENT, RW + 4);
    fault_case(rmw8, RO, Exit::FAULT_WRITE, RO);
    fault_case(rmw8, HOLE, Exit::FAULT_WRITE, HOLE);
    fault_case(enc(RMW, 3, 1, 2, 0), HOLE + 3, Exit::FAULT_WRITE, HOLE + 3);
    fault_case(enc(CAS, 3, 1, 2, 2), RW + 2, Exit::ALIGNMENT, RW + 2);
    fault_case(enc(CAS, 3, 1, 2, 1), RO, Exit::FAULT_WRITE, RO);
    fault_case(enc(CAS2, 3, 1, 5, 0), RW + 8, Exit::ALIGNMENT, RW + 8);
    fault_case(enc(CAS2, 3, 1, 5, 0), RO + 16, Exit::FAULT_WRITE, RO + 16);
}

#[test]
fn compare_and_swap_hit_and_miss() {
    for size_log in 0..4 {
        // Miss (r3 = 0 is not what is there), then hit with the returned old value.
        let code = [
            enc(MOVI, 3, 0, 0, 0),
            enc(CAS, 3, 1, 2, size_log),
            enc(BIN, 4, 3, 3, 2), // r4 = old
            enc(CAS, 3, 1, 2, size_log),
            enc(LOAD, 5, 1, 3, 0),
            halt(),
        ];
        let o = run_all(&code, &|t| {
            t.r[1] = RW + 0x800;
            t.r[2] = 0xa1a2_a3a4_a5a6_a7a8;
        });
        let mask = if size_log == 3 {
            u64::MAX
        } else {
            (1u64 << (8 << size_log)) - 1
        };
        assert_eq!(o.cpu.r[3], o.cpu.r[4], "second CAS sees the same old value");
        assert_eq!(
            o.cpu.r[5] & mask,
            0xa1a2_a3a4_a5a6_a7a8 & mask,
            "hit stored"
        );
    }
    // 128-bit: miss then hit.
    let code = [
        enc(CAS2, 3, 1, 5, 0), // expects [r3, r4] = [0, 0]: miss, loads old
        enc(CAS2, 3, 1, 5, 0), // hit
        enc(LOAD, 7, 1, 3, 0),
        enc(LOAD, 8, 1, 3, 8),
        halt(),
    ];
    let o = run_all(&code, &|t| {
        t.r[1] = RW + 0x900;
        t.r[5] = 0x1111;
        t.r[6] = 0x2222;
    });
    assert_eq!((o.cpu.r[7], o.cpu.r[8]), (0x1111, 0x2222));
}

#[test]
fn helpers_see_written_back_state_and_their_writes_are_seen() {
    let code = [
        enc(MOVI, 1, 0, 0, 5),
        enc(MOVI, 2, 0, 0, 6),
        enc(MOVI, 11, 0, 0, 3),
        enc(STATE, 1, 2, 0, 0), // r11 = 3*31 + (5 ^ 6<<3); r10 = pc; r9 = r1 + r2
        enc(BIN, 9, 9, 11, 0),  // uses the helper's results
        enc(PURE, 9, 1, 2, 0),
        enc(STATE, 9, 9, 0, 0x805), // exits with arch(5)
        halt(),
    ];
    let o = run_all(&code, &|_| {});
    assert_eq!(o.exit, Exit::arch(5));
    assert_eq!(o.cpu.core.pc, CODE + 24);
    assert_eq!(o.cpu.r[10], CODE + 24);
    let r11_first = 3 * 31 + (5 ^ (6 << 3));
    let mixed = mix(11 + r11_first, 5, 6);
    assert_eq!(o.cpu.r[9], 11, "the second helper call overwrote r9");
    assert_eq!(o.cpu.r[11], r11_first * 31 + (mixed ^ mixed.rotate_left(3)));
}

#[test]
fn trap_if_taken_and_not_taken() {
    let code = [
        enc(TRAP, 0, 1, 0, 3), // r0 = 0: not taken
        enc(MOVI, 0, 0, 0, 1),
        enc(MOVI, 5, 0, 0, 9),
        enc(TRAP, 0, 1, 0, 3),
        halt(),
    ];
    let o = run_all(&code, &|t| t.r[1] = 0xdead);
    assert_eq!(o.exit, Exit::arch(4));
    assert_eq!(o.cpu.core.pc, CODE + 12);
    assert_eq!(o.cpu.core.fault_addr, 0xdead);
    assert_eq!(o.cpu.r[5], 9);
}

#[test]
fn branches_loops_and_dynamic_jumps() {
    // r1 counts down from 1000, r2 accumulates; the loop body is its own block, chained
    // to itself. Then a jump through a register to a HALT.
    let code = [
        enc(MOVI, 1, 0, 0, 1000),
        enc(MOVI, 2, 0, 0, 0),
        enc(GOTO, 0, 0, 0, 1), // to the loop (a separate block)
        enc(BIN, 2, 2, 1, 0),  // loop: r2 += r1
        enc(BINI, 1, 1, 1, 1), // r1 -= 1
        enc(BCOND, 1, 0, 0, -2),
        enc(GETPC, 6, 0, 0, 0), // pc stored by the last exit: this block's start
        enc(JR, 4, 0, 0, 0),
        enc(HALT, 0, 0, 0, 1),
        enc(HALT, 0, 0, 0, 2),
    ];
    let o = run_all(&code, &|t| t.r[4] = CODE + 4 * 9);
    assert_eq!(o.exit, HALT_EXIT);
    assert_eq!(o.cpu.core.exit_arg, 2);
    assert_eq!(o.cpu.core.pc, CODE + 40);
    assert_eq!(o.cpu.r[2], 500_500);
    assert_eq!(o.cpu.r[6], CODE + 24);
    let chained = run_with(&code, jit_always(), &|t| t.r[4] = CODE + 4 * 9);
    assert!(chained.stats.chain_links > 0);
    assert!(
        chained.stats.jit_block_runs < 20,
        "the loop runs chained, not through the run loop ({} entries)",
        chained.stats.jit_block_runs
    );
}

#[test]
fn indirect_branches_hit_the_inline_target_cache() {
    let code = [
        enc(MOVI, 1, 0, 0, 1000),
        enc(MOVI, 4, 0, 1, 8), // r4 = 0x1008 = CODE + 8: the loop
        enc(BIN, 2, 2, 1, 0),  // loop: r2 += r1
        enc(BINI, 1, 1, 1, 1), // r1 -= 1
        enc(CMP, 5, 1, 6, 0),  // r5 = r1 == 0
        enc(BCOND, 5, 0, 0, 2),
        enc(JR, 4, 0, 0, 0), // back to the loop through a register
        halt(),
    ];
    assert_eq!(CODE + 8, 0x1008);
    let o = run_all(&code, &|_| {});
    assert_eq!(o.cpu.r[2], 500_500);
    let jit = run_with(&code, jit_always(), &|_| {});
    assert!(
        jit.stats.jit_block_runs < 20,
        "indirect branches stay in compiled code ({} run-loop entries)",
        jit.stats.jit_block_runs
    );
}

#[test]
fn state_written_after_a_goto_in_the_same_instruction_counts() {
    let code = [
        enc(CALL, 7, 0, 0, 2), // r7 = CODE + 4; goto CODE + 8
        enc(HALT, 0, 0, 0, 1),
        enc(JR, 7, 0, 0, 0), // "return"
    ];
    let o = run_all(&code, &|_| {});
    assert_eq!(o.exit, HALT_EXIT);
    assert_eq!(o.cpu.core.exit_arg, 1);
    assert_eq!(o.cpu.r[7], CODE + 4);
}

#[test]
fn direct_jumps_are_compiled_through() {
    // GOTO → GOTO → CALL → code that reads pc and returns: with jump following, the
    // whole path is one compiled function.
    let code = [
        enc(GOTO, 0, 0, 0, 2),  // 0 → 2
        enc(HALT, 0, 0, 0, 9),  // 1: never
        enc(BINI, 1, 1, 0, 5),  // 2
        enc(CALL, 7, 0, 0, 2),  // 3: r7 = 4*4 + CODE, → 5
        enc(HALT, 0, 0, 0, 1),  // 4: return lands here
        enc(GETPC, 6, 0, 0, 0), // 5: pc as the jump left it
        enc(JR, 7, 0, 0, 0),
    ];
    let o = run_all(&code, &|_| {});
    assert_eq!((o.exit, o.cpu.core.exit_arg), (HALT_EXIT, 1));
    assert_eq!(o.cpu.r[6], CODE + 20);
    assert_eq!(o.cpu.r[7], CODE + 16);
    let jit = run_with(&code, jit_always(), &|_| {});
    // The return address in r7 is a compile-time constant, so the return is a direct
    // jump too and compiles through.
    assert_eq!(
        jit.stats.blocks_compiled, 1,
        "the path 0 → 2 → 5 → 4 is one function"
    );
}

#[test]
fn undefined_and_cut_blocks() {
    // 70 straight-line instructions: the block is cut at 64 and continues.
    let mut code: Vec<u32> = (0..70).map(|i| enc(BINI, 1, 1, 0, i)).collect();
    code.push(0xff00_0000); // undefined
    let o = run_all(&code, &|_| {});
    assert_eq!(o.exit, UNDEF_EXIT);
    assert_eq!(o.cpu.core.pc, CODE + 70 * 4);
    assert_eq!(o.cpu.core.exit_arg, 0xff00_0000);
    assert_eq!(o.cpu.r[1], (0..70).sum::<u64>());
}

#[test]
fn flushed_code_is_recompiled_and_still_works() {
    let code = [
        enc(MOVI, 1, 0, 0, 10),
        enc(BINI, 2, 2, 0, 3), // loop: r2 += 3
        enc(BINI, 1, 1, 1, 1),
        enc(BCOND, 1, 0, 0, -2),
        halt(),
    ];
    let mut m = Machine::new(&code, jit_always());
    assert_eq!(m.run(), HALT_EXIT);
    assert_eq!(m.cpu.r[2], 30);
    let compiled = m.rt.stats.blocks_compiled;
    m.rt.flush();
    m.cpu.core.pc = CODE;
    assert_eq!(m.run(), HALT_EXIT);
    assert_eq!(m.cpu.r[2], 60);
    assert!(
        m.rt.stats.blocks_compiled > compiled,
        "recompiled after the flush"
    );
}

#[test]
fn a_full_code_cache_is_reset_and_execution_continues() {
    // One function per block, so 200 of them overflow the cache.
    let code = two_laps_of_200_blocks(halt());
    let small = with_small_code_cache(jit_always());
    let o = run_with(&code, small, &|_| {});
    let expect = run_with(&code, interp_only(), &|_| {});
    assert_same(&expect, &o, "interp vs small-cache jit");
    assert_eq!(o.cpu.r[1], TWO_LAPS_SUM);
    assert!(
        o.stats.cache_resets > 0,
        "the cache filled up: {:?}",
        o.stats
    );
}

#[test]
fn the_interrupt_flag_stops_a_chained_loop() {
    let code = [enc(GOTO, 0, 0, 0, 0)]; // jumps to itself forever
    let mut m = Machine::new(&code, jit_always());
    // SAFETY: `m` lives until after the join below.
    let t = unsafe {
        interrupt_later(&mut m.cpu.core.interrupt, || {
            std::thread::sleep(std::time::Duration::from_millis(50));
        })
    };
    assert_eq!(m.run(), Exit::INTERRUPT);
    t.join().expect("thread");
    assert_eq!(m.cpu.core.pc, CODE);
}

/// A tiny deterministic generator (no dependencies).
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// A random straight-line program with forward branches; r12–r15 hold addresses near
/// interesting boundaries and are never written.
fn random_program(rng: &mut Rng) -> Vec<u32> {
    let len = 5 + rng.below(40) as usize;
    let mut code = random_body(rng, len, 12);
    code.push(halt());
    code
}

/// `len` random instructions writing only registers below `dests`; forward branches
/// stay inside the body (at most to the instruction right after it).
fn random_body(rng: &mut Rng, len: usize, dests: u64) -> Vec<u32> {
    let mut code = Vec::with_capacity(len + 1);
    for i in 0..len {
        let a = rng.below(dests) as u32;
        let b = rng.below(16) as u32;
        let c = rng.below(16) as u32;
        let imm = rng.below(4096) as i32;
        let ptr = 12 + rng.below(4) as u32;
        let small = rng.below(33) as i32 - 16;
        let remaining = (len - i) as i32;
        let w = match rng.below(23) {
            0..=3 => enc(BIN, a, b, c, rng.below(17) as i32),
            4 => enc(UN, a, b, 0, rng.below(14) as i32),
            5 => enc(CMP, a, b, c, rng.below(10) as i32),
            6 => enc(SEL, a, b, c, 0),
            7 => enc(MOVI, a, b, c, imm),
            8 => enc(BINI, a, b, c, imm),
            9 | 10 => enc(LOAD, a, ptr, rng.below(4) as u32, small),
            11 | 12 => enc(STORE, b, ptr, rng.below(4) as u32, small),
            13 => enc(RMW, a, ptr, c, (rng.below(4) << 4 | rng.below(9)) as i32),
            14 => enc(CAS, a, ptr, c, rng.below(4) as i32),
            15 => enc(CAS2, a, ptr, c, 0),
            16 => enc(PURE, a, b, c, 0),
            17 => enc(STATE, b, c, 0, if rng.below(8) == 0 { 0x803 } else { 1 }),
            18 => enc(TRAP, a, b, 0, if rng.below(4) == 0 { 2 } else { 0 }),
            19 => enc(BCOND, b, 0, 0, 1 + rng.below(remaining as u64) as i32),
            20 => enc(GOTO, 0, 0, 0, 1 + rng.below(remaining as u64) as i32),
            21 => enc(CALL, a, 0, 0, 1 + rng.below(remaining as u64) as i32),
            _ => enc(GETPC, a, 0, 0, 0),
        };
        // TRAP on a random register would end most programs early: make it rare.
        let w = if w >> 24 == TRAP && rng.below(3) != 0 {
            enc(FENCE, 0, 0, 0, 0)
        } else {
            w
        };
        code.push(w);
    }
    code
}

/// A loop around a random body: r8 counts iterations, r7 holds the loop head, and the
/// back edge is either a conditional branch or a jump through r7 (so loops run chained
/// through direct exits and through the indirect-branch cache).
fn random_loop_program(rng: &mut Rng) -> Vec<u32> {
    let mut code = vec![
        enc(MOVI, 8, 0, 0, 1 + rng.below(20) as i32),
        enc(MOVI, 7, 0, 1, 8), // CODE + 8: the loop head
    ];
    assert_eq!(CODE + 8, 0x1008);
    let len = 3 + rng.below(20) as usize;
    code.extend(random_body(rng, len, 7));
    code.push(enc(BINI, 8, 8, 1, 1)); // r8 -= 1
    if rng.below(2) == 0 {
        let back = 2 - code.len() as i32;
        code.push(enc(BCOND, 8, 0, 0, back));
    } else {
        code.push(enc(BCOND, 8, 0, 0, 2));
        code.push(enc(GOTO, 0, 0, 0, 2));
        code.push(enc(JR, 7, 0, 0, 0));
    }
    code.push(halt());
    code
}

const POINTERS: [u64; 12] = [
    RW + 0x10,
    RW + 0xff9,
    RW + 0x1ffc,
    RO - 8,
    RO + 0xff8,
    HOLE - 3,
    RW2 + 0x20,
    RW2 + 0xff0,
    TOP + 0xff8,
    SPACE - 8,
    RW + 0x800,
    RO + 0x40,
];

const VALUES: [u64; 10] = [
    0,
    1,
    u64::MAX,
    i64::MIN as u64,
    63,
    64,
    0x8000_0000,
    0xffff_ffff,
    0x0123_4567_89ab_cdef,
    7,
];

#[test]
fn random_programs_agree_between_tiers() {
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    for n in 0..300 {
        let code = random_program(&mut rng);
        let seeds: Vec<u64> = (0..16).map(|_| rng.next()).collect();
        let setup = |t: &mut Toy| {
            for (i, &s) in seeds.iter().enumerate().take(12) {
                t.r[i] = if s.is_multiple_of(3) {
                    s
                } else {
                    VALUES[(s >> 8) as usize % VALUES.len()]
                };
            }
            for i in 12..16 {
                t.r[i] = POINTERS[(seeds[i] >> 4) as usize % POINTERS.len()];
            }
        };
        let interp = run_with(&code, interp_only(), &setup);
        let jit = run_with(&code, jit_always(), &setup);
        assert_same(&interp, &jit, &format!("program {n}: {code:x?}"));
    }
}

#[test]
fn random_loops_agree_between_tiers_chained_and_mixed() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let (mut completed, mut linked) = (0, 0);
    for n in 0..150 {
        let code = random_loop_program(&mut rng);
        let seeds: Vec<u64> = (0..16).map(|_| rng.next()).collect();
        let setup = |t: &mut Toy| {
            for (i, &s) in seeds.iter().enumerate().take(7) {
                t.r[i] = VALUES[(s >> 8) as usize % VALUES.len()] ^ (s & 0xff);
            }
            for i in 12..16 {
                t.r[i] = POINTERS[(seeds[i] >> 4) as usize % POINTERS.len()];
            }
        };
        let what = format!("loop program {n}: {code:x?}");
        let interp = run_with(&code, interp_only(), &setup);
        completed += (interp.exit == HALT_EXIT) as u32;
        for cfg in [
            jit_always(),
            TierConfig {
                jit_settings: JitSettings {
                    follow_jumps: false,
                    ..JitSettings::default()
                },
                ..jit_always()
            },
            TierConfig {
                threshold: 2,
                ..jit_always()
            },
            TierConfig {
                chaining: false,
                ..jit_always()
            },
        ] {
            let jit = run_with(&code, cfg, &setup);
            assert_same(&interp, &jit, &what);
            linked += (jit.stats.chain_links > 0) as u32;
        }
    }
    // The programs must mostly loop to the end (not fault at once) and chain, or this
    // test would not exercise what it is for.
    assert!(
        completed >= 30,
        "only {completed} of 150 loop programs ran to the end"
    );
    assert!(linked >= 30, "only {linked} runs chained blocks");
}
