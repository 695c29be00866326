//! Instruction tests against expected values measured under qemu-aarch64 (see
//! `oracle/gen.py`): each case runs one instruction word in both tiers, which must agree
//! bit for bit (as `testkit::run_both` checks), and every X0-X7/V0-V7 register, NZCV and
//! FPSR is compared with the oracle.

use crate::exits;
use crate::state::CpuState;
use crate::testkit::{Bare, Tier, BRK0, CODE, DATA, STACK_TOP};
use emu_core::emit::Exit;

pub struct Case {
    pub asm: &'static str,
    pub insn: u32,
    pub fpcr: u64,
    pub nzcv: u64,
    /// FPSR before the instruction (flags already raised).
    pub fpsr: u64,
    pub x: &'static [(u8, u64)],
    pub v: &'static [(u8, u64, u64)],
    pub out_x: &'static [(u8, u64)],
    pub out_v: &'static [(u8, u64, u64)],
    pub out_nzcv: u64,
    pub out_fpsr: u64,
    /// The oracle raised SIGILL: the encoding is unallocated (or not implemented there).
    pub undef: bool,
}

/// The registers a case starts with: the generator's background pattern plus the
/// case's own values (keep in sync with `background()` in gen.py).
fn initial(c: &Case) -> ([u64; 8], [[u64; 2]; 8]) {
    let mut x = [0u64; 8];
    let mut v = [[0u64; 2]; 8];
    for i in 0..8u64 {
        x[i as usize] = 0xdead_0000_0000_0000 | i;
        v[i as usize] = [0xa5a5_a5a5_0000_0000 | i, 0x5a5a_5a5a_0000_0000 | i];
    }
    for &(i, val) in c.x {
        x[i as usize] = val;
    }
    for &(i, lo, hi) in c.v {
        v[i as usize] = [lo, hi];
    }
    (x, v)
}

/// Every case's instruction followed by `BRK #0`, in one code area: one guest space per
/// tier serves a whole table (each `Bare` reserves guest address space, so one per case
/// would exhaust the host's mappings on large tables).
fn program(cases: &[Case]) -> Vec<u32> {
    cases.iter().flat_map(|c| [c.insn, BRK0]).collect()
}

/// Runs case `i` of the program in `b`, from a fresh register state.
fn run_case(b: &mut Bare, i: usize, c: &Case) -> (CpuState, Exit) {
    let (x, v) = initial(c);
    b.cpu = CpuState::default();
    b.cpu.core.pc = CODE + 8 * i as u64;
    b.cpu.x[..8].copy_from_slice(&x);
    b.cpu.x[28] = DATA;
    b.cpu.x[31] = STACK_TOP;
    b.cpu.vreg[..8].copy_from_slice(&v);
    b.cpu.fpcr = c.fpcr;
    b.cpu.fpsr = c.fpsr;
    b.cpu.set_nzcv(c.nzcv);
    let e = b.run();
    (b.cpu.clone(), e)
}

/// Runs one case in both tiers; returns a description of every mismatch with the other
/// tier or the oracle.
fn check(interp: &mut Bare, jit: &mut Bare, i: usize, c: &Case) -> Vec<String> {
    let (cpu, exit) = run_case(interp, i, c);
    let (jcpu, jexit) = run_case(jit, i, c);
    let mut errs = Vec::new();
    if (exit, cpu.core.pc, cpu.x, cpu.vreg, cpu.nzcv(), cpu.fpsr)
        != (
            jexit,
            jcpu.core.pc,
            jcpu.x,
            jcpu.vreg,
            jcpu.nzcv(),
            jcpu.fpsr,
        )
    {
        errs.push(format!("tiers differ: interpreter {cpu:x?} jit {jcpu:x?}"));
    }
    let insn_pc = CODE + 8 * i as u64;
    let we_undef = exit == exits::UNDEF && cpu.core.pc == insn_pc;
    if c.undef {
        if !we_undef {
            errs.push(format!(
                "the oracle raised SIGILL, we stopped with {} at {:#x}",
                exits::name(exit),
                cpu.core.pc
            ));
        }
        return errs;
    }
    if we_undef {
        errs.push(UNIMPLEMENTED.to_string());
        return errs;
    }
    // The instruction completed if execution stopped at the BRK after it.
    if exit != exits::BRK || cpu.core.pc != insn_pc + 4 {
        errs.push(format!(
            "stopped with {} at {:#x}",
            exits::name(exit),
            cpu.core.pc
        ));
        return errs;
    }
    let (x, v) = initial(c);
    let (mut ex, mut ev) = (x, v);
    for &(i, val) in c.out_x {
        ex[i as usize] = val;
    }
    for &(i, lo, hi) in c.out_v {
        ev[i as usize] = [lo, hi];
    }
    for i in 0..8 {
        if cpu.x[i] != ex[i] {
            errs.push(format!("x{i} = {:#x}, expected {:#x}", cpu.x[i], ex[i]));
        }
        if cpu.vreg[i] != ev[i] {
            errs.push(format!(
                "v{i} = {:#x}:{:#x}, expected {:#x}:{:#x}",
                cpu.vreg[i][0], cpu.vreg[i][1], ev[i][0], ev[i][1]
            ));
        }
    }
    if cpu.nzcv() != c.out_nzcv {
        errs.push(format!(
            "nzcv = {:#x}, expected {:#x}",
            cpu.nzcv(),
            c.out_nzcv
        ));
    }
    if cpu.fpsr != c.out_fpsr {
        errs.push(format!(
            "fpsr = {:#x}, expected {:#x}",
            cpu.fpsr, c.out_fpsr
        ));
    }
    errs
}

/// The error of a case the oracle executes but we decode as Undefined.
const UNIMPLEMENTED: &str = "UNDEF here, executed by the oracle";

/// Runs a generated table in both tiers and fails with every mismatching case listed.
pub fn run_cases(cases: &[Case]) {
    run_cases_allowing(cases, false);
}

/// As [`run_cases`]; with `allow_unimplemented`, encodings the oracle executes but we
/// leave Undefined (FP16, crypto, dot product... which QEMU's default CPU implements and
/// we do not advertise) are counted rather than failed. Returns that count.
pub fn run_cases_allowing(cases: &[Case], allow_unimplemented: bool) -> usize {
    let code = program(cases);
    let mut interp = Bare::new(&code, Tier::Interp);
    let mut jit = Bare::new(&code, Tier::Jit);
    let mut failed = Vec::new();
    let mut unimplemented = 0;
    let mut executed = 0;
    for (i, c) in cases.iter().enumerate() {
        let errs = check(&mut interp, &mut jit, i, c);
        if errs.is_empty() && !c.undef {
            executed += 1;
        }
        if allow_unimplemented && errs.len() == 1 && errs[0] == UNIMPLEMENTED {
            unimplemented += 1;
            continue;
        }
        if !errs.is_empty() {
            failed.push(format!(
                "{} ({:#010x}, fpcr {:#x}): {}",
                c.asm,
                c.insn,
                c.fpcr,
                errs.join("; ")
            ));
        }
    }
    // The JIT tier must really have run the cases (not fallen back to the interpreter).
    assert!(
        jit.rt.stats.jit_block_runs >= executed,
        "JIT ran only {} blocks",
        jit.rt.stats.jit_block_runs
    );
    assert!(
        failed.is_empty(),
        "{} of {} cases failed:\n{}",
        failed.len(),
        cases.len(),
        failed.join("\n")
    );
    unimplemented
}

#[rustfmt::skip]
#[path = "oracle_fp.rs"]
mod oracle_fp;

#[test]
fn scalar_fp_matches_oracle() {
    run_cases(oracle_fp::CASES);
}

#[rustfmt::skip]
#[path = "oracle_simd.rs"]
mod oracle_simd;

#[test]
fn simd_matches_oracle() {
    run_cases(oracle_simd::CASES);
}

/// Random words from the FP/SIMD encoding space, run with random register values: every
/// one must either execute or raise UNDEF, never panic (arithmetic overflow, shifts,
/// indexing) — the guest controls all of these inputs.
#[test]
fn random_fp_simd_words_never_panic() {
    random_words_never_panic(Tier::Interp, 60_000);
}

/// As above, translated by the JIT (the inline emitters run with Cranelift values).
#[test]
fn random_fp_simd_words_never_panic_jit() {
    random_words_never_panic(Tier::Jit, 8_000);
}

fn random_words_never_panic(tier: Tier, count: usize) {
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let mut words = Vec::new();
    while words.len() < count {
        let r = next() as u32;
        // op0 (bits 28:25) = x111: the scalar FP and Advanced SIMD group.
        let w = (r & !(0x7 << 25)) | (0x7 << 25);
        if matches!(
            crate::decode::decode(w).kind,
            crate::decode::Kind::FpSimd(_)
        ) {
            words.push(w);
        }
    }
    let code: Vec<u32> = words.iter().flat_map(|&w| [w, BRK0]).collect();
    let mut b = Bare::new(&code, tier);
    for (i, &word) in words.iter().enumerate() {
        b.cpu = CpuState::default();
        b.cpu.core.pc = CODE + 8 * i as u64;
        for x in b.cpu.x.iter_mut().take(31) {
            *x = next();
        }
        b.cpu.x[31] = STACK_TOP;
        for v in b.cpu.vreg.iter_mut() {
            *v = [next(), next()];
        }
        b.cpu.fpcr = next() & (0xf << 22);
        b.cpu.set_nzcv(next() & (0xf << 28));
        let e = b.run();
        let stopped_at = b.cpu.core.pc;
        assert!(
            stopped_at == CODE + 8 * i as u64 + 4 || e == exits::UNDEF,
            "{word:#010x}: {} at {stopped_at:#x}",
            exits::name(e)
        );
    }
}

#[rustfmt::skip]
#[path = "oracle_simd2.rs"]
mod oracle_simd2;

#[test]
fn simd_saturating_and_estimates_match_oracle() {
    run_cases(oracle_simd2::CASES);
}

#[rustfmt::skip]
#[path = "oracle_fast.rs"]
mod oracle_fast;

#[test]
fn fast_paths_match_oracle() {
    run_cases(oracle_fast::CASES);
}

#[rustfmt::skip]
#[path = "oracle_random.rs"]
mod oracle_random;

/// Random FP/SIMD encodings against the oracle (see `mkcases_random.py`).
#[test]
fn random_encodings_match_oracle() {
    let unimplemented = run_cases_allowing(oracle_random::CASES, true);
    eprintln!("{unimplemented} random encodings executed by the oracle are Undefined here");
}

/// The SWAR (inline) integer compares and min/max against the per-lane reference
/// (`int::three_same_lane`) on many lane values biased to the edges (0, 1, signed and
/// unsigned extremes), every arrangement.
#[test]
fn inline_compares_match_lane_reference() {
    use crate::decode::fp_simd::simd::{three_same_op, ThreeSame};
    use crate::sem::fp_simd::simd::{int::three_same_lane, lanes};
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    // cmgt, cmhi, cmge, cmhs, smax, umax, smin, umin v0, v1, v2 (16B/8H/4S/2D as valid).
    let bases: [u32; 8] = [
        0x4e203420, 0x6e203420, 0x4e203c20, 0x6e203c20, 0x4e206420, 0x6e206420, 0x4e206c20,
        0x6e206c20,
    ];
    let mut words = Vec::new();
    for base in bases {
        for size in 0..4u32 {
            let w = base | 2 << 16 | size << 22;
            if three_same_op(w).is_some() {
                words.push(w);
            }
        }
    }
    let code: Vec<u32> = words.iter().flat_map(|&w| [w, BRK0]).collect();
    let mut b = Bare::new(&code, Tier::Interp);
    for _ in 0..300 {
        for (i, &w) in words.iter().enumerate() {
            let es = 8 << ((w >> 22) & 3);
            let edge = |r: u64| match r % 6 {
                0 => 0,
                1 => 1,
                2 => lanes::ones(es) >> 1,
                3 => 1 << (es - 1),
                4 => lanes::ones(es),
                _ => r,
            };
            let mut v = [0u128; 2];
            for x in v.iter_mut() {
                for l in 0..128 / es {
                    let r = next();
                    lanes::set_lane(x, es, l, edge(r));
                }
            }
            b.cpu = CpuState::default();
            b.cpu.core.pc = CODE + 8 * i as u64;
            b.cpu.vreg[1] = [v[0] as u64, (v[0] >> 64) as u64];
            b.cpu.vreg[2] = [v[1] as u64, (v[1] >> 64) as u64];
            b.run();
            let Some(
                op @ (ThreeSame::CmGt { .. }
                | ThreeSame::CmGe { .. }
                | ThreeSame::Max { .. }
                | ThreeSame::Min { .. }),
            ) = three_same_op(w)
            else {
                panic!("{w:#x} is not a compare");
            };
            let mut expect = 0u128;
            let mut qc = false;
            for l in 0..128 / es {
                let (x, y) = (lanes::lane(v[0], es, l), lanes::lane(v[1], es, l));
                lanes::set_lane(
                    &mut expect,
                    es,
                    l,
                    three_same_lane(op, es, x, y, 0, &mut qc),
                );
            }
            let got = b.cpu.vreg[0][0] as u128 | (b.cpu.vreg[0][1] as u128) << 64;
            assert_eq!(got, expect, "{w:#010x} on {:#x} {:#x}", v[0], v[1]);
        }
    }
}
