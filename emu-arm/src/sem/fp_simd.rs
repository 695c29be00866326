//! Semantics: scalar floating point and Advanced SIMD (Arm ARM C4.1.90).
//!
//! Most instructions run as state helpers (plain Rust in `fp/` and `simd/`, called by both
//! tiers with the raw instruction word); the Arm FP rules — rounding modes, flush-to-zero,
//! NaN propagation, the FPSR flags — need exact software or carefully driven host code,
//! which is far simpler to get right once in Rust than in IR. Pure data moves that are
//! very common (FMOV, FCSEL, FABS/FNEG, MOVI, DUP, UMOV/INS, vector logic) are emitted
//! directly on the 64-bit halves, which keeps them cheap in the JIT.

use super::*;
use crate::decode::fp_simd::Op;
use crate::decode::{bit, bits, rd, rm, rn};
use emu_core::emit::StateHelper;

#[path = "crypto/mod.rs"]
pub mod crypto;
#[path = "fp/mod.rs"]
pub mod fp;
#[path = "simd/mod.rs"]
pub mod simd;

pub fn exec<E: Emitter>(e: &mut E, op: Op, raw: u32, pc: u64) -> Result<(), Exit> {
    match op {
        Op::FpDp1 if bits(raw, 20, 15) <= 0b000010 => fp_move_abs_neg(e, raw),
        Op::FpDp1 => fp::fast::dp1(e, raw, fp::scalar::dp1)
            .unwrap_or_else(|| helper(e, fp::scalar::dp1, raw)),
        Op::FpDp2 => fp::fast::dp2(e, raw, fp::scalar::dp2)
            .unwrap_or_else(|| helper(e, fp::scalar::dp2, raw)),
        Op::FpDp3 => fp::fast::dp3(e, raw, fp::scalar::dp3)
            .unwrap_or_else(|| helper(e, fp::scalar::dp3, raw)),
        Op::FpCompare => fp::fast::compare(e, raw, fp::scalar::compare)
            .unwrap_or_else(|| helper(e, fp::scalar::compare, raw)),
        Op::FpCondCompare => helper(e, fp::scalar::cond_compare, raw),
        Op::FpCondSelect => fp_csel(e, raw),
        Op::FpImm => fp_imm(e, raw),
        // FJCVTZS shares FMOV's opcode group (opcode 110 with rmode 11).
        Op::FpIntConv if bits(raw, 20, 16) == 0b11110 => helper(e, fp::scalar::fjcvtzs, raw),
        Op::FpIntConv if bits(raw, 18, 17) == 0b11 => fmov_general(e, raw),
        Op::FpIntConv => fp::fast::int_conv(e, raw, fp::scalar::int_conv)
            .unwrap_or_else(|| helper(e, fp::scalar::int_conv, raw)),
        Op::FpFixedConv => helper(e, fp::scalar::fixed_conv, raw),
        Op::CryptoAes
        | Op::CryptoShaThree
        | Op::CryptoShaTwo
        | Op::PmullQ
        | Op::CryptoSha512Three
        | Op::CryptoSha512Two
        | Op::CryptoFourReg
        | Op::CryptoXar => crypto::exec(e, op, raw),
        _ => simd::exec(e, op, raw, pc),
    }
}

/// Calls a state helper with the raw instruction word.
pub fn helper<E: Emitter>(e: &mut E, f: StateHelper, raw: u32) -> Result<(), Exit> {
    let w = e.imm(raw as u64);
    let zero = e.imm(0);
    e.call_state(f, [w, zero, zero])
}

/// Writes a scalar (or 64-bit vector) result: the high half of the register is zeroed.
pub fn set_v_lo<E: Emitter>(e: &mut E, n: u32, v: E::V) {
    let zero = e.imm(0);
    e.set(slot_v(n, false), v);
    e.set(slot_v(n, true), zero);
}

/// Mask of the single (ftype 00) or double (01) bit pattern.
fn ftype_mask(raw: u32) -> u64 {
    if bits(raw, 23, 22) == 1 {
        u64::MAX
    } else {
        0xffff_ffff
    }
}

/// FMOV (register), FABS, FNEG: bit operations, no FP exceptions (even for NaNs).
fn fp_move_abs_neg<E: Emitter>(e: &mut E, raw: u32) -> Result<(), Exit> {
    let mask = ftype_mask(raw);
    let sign = if mask == u64::MAX { 1 << 63 } else { 1 << 31 };
    let v = e.get(slot_v(rn(raw), false));
    let v = match bits(raw, 16, 15) {
        0b00 => v,
        0b01 => {
            let m = e.imm(mask & !sign);
            e.bin(BinOp::And, v, m)
        }
        _ => {
            let s = e.imm(sign);
            e.bin(BinOp::Xor, v, s)
        }
    };
    let m = e.imm(mask);
    let v = e.bin(BinOp::And, v, m);
    set_v_lo(e, rd(raw), v);
    Ok(())
}

/// FCSEL: a select on the condition, no FP exceptions.
fn fp_csel<E: Emitter>(e: &mut E, raw: u32) -> Result<(), Exit> {
    let c = cond_holds(e, bits(raw, 15, 12));
    let a = e.get(slot_v(rn(raw), false));
    let b = e.get(slot_v(rm(raw), false));
    let v = e.select(c, a, b);
    let m = e.imm(ftype_mask(raw));
    let v = e.bin(BinOp::And, v, m);
    set_v_lo(e, rd(raw), v);
    Ok(())
}

/// FMOV (scalar, immediate).
fn fp_imm<E: Emitter>(e: &mut E, raw: u32) -> Result<(), Exit> {
    let double = bits(raw, 23, 22) == 1;
    let v = e.imm(crate::decode::fp_simd::vfp_expand_imm(
        bits(raw, 20, 13),
        double,
    ));
    set_v_lo(e, rd(raw), v);
    Ok(())
}

/// FMOV between a general register and an FP register (incl. the top half `V.D[1]`).
fn fmov_general<E: Emitter>(e: &mut E, raw: u32) -> Result<(), Exit> {
    let sf = bit(raw, 31);
    let top = bits(raw, 20, 19) == 1;
    if bit(raw, 16) {
        // General to FP.
        let v = xw(e, rn(raw), sf);
        if top {
            e.set(slot_v(rd(raw), true), v);
        } else {
            set_v_lo(e, rd(raw), v);
        }
    } else {
        let v = e.get(slot_v(rn(raw), top));
        set_xw(e, rd(raw), v, sf);
    }
    Ok(())
}
