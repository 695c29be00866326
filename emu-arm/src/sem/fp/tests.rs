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
    pub x: &'static [(u8, u64)],
    pub v: &'static [(u8, u64, u64)],
    pub out_x: &'static [(u8, u64)],
    pub out_v: &'static [(u8, u64, u64)],
    pub out_nzcv: u64,
    pub out_fpsr: u64,
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
    // The instruction completed if execution stopped at the BRK after it (as an UNDEF
    // where the system group does not decode BRK yet).
    let at_brk = exit == exits::BRK || exit == exits::UNDEF;
    if !at_brk || cpu.core.pc != CODE + 8 * i as u64 + 4 {
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

/// Runs a generated table in both tiers and fails with every mismatching case listed.
pub fn run_cases(cases: &[Case]) {
    let code = program(cases);
    let mut interp = Bare::new(&code, Tier::Interp);
    let mut jit = Bare::new(&code, Tier::Jit);
    let mut failed = Vec::new();
    for (i, c) in cases.iter().enumerate() {
        let errs = check(&mut interp, &mut jit, i, c);
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
    assert!(
        failed.is_empty(),
        "{} of {} cases failed:\n{}",
        failed.len(),
        cases.len(),
        failed.join("\n")
    );
}

#[path = "oracle_fp.rs"]
mod oracle_fp;

#[test]
fn scalar_fp_matches_oracle() {
    run_cases(oracle_fp::CASES);
}

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
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let mut words = Vec::new();
    while words.len() < 60_000 {
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
    let mut b = Bare::new(&code, Tier::Interp);
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

#[path = "oracle_simd2.rs"]
mod oracle_simd2;

#[test]
fn simd_saturating_and_estimates_match_oracle() {
    run_cases(oracle_simd2::CASES);
}
