//! A64 instruction semantics, written once against `emu_core::emit::Emitter` and shared by
//! the interpreter and the Cranelift tier. One file per decode group.
//!
//! Conventions: register number 31 means XZR or SP depending on the operand (use
//! [`x`]/[`x_sp`] and [`set_x`]/[`set_x_sp`]); 32-bit results are written zero-extended
//! ([`set_w`] or `sf` handling in [`set_xw`]); flags live in four slots N, Z, C, V as 0/1.

pub mod branch;
pub mod dp_imm;
pub mod dp_reg;
pub mod fp_simd;
pub mod interp;
pub mod ldst;
pub mod system;

use crate::decode::{Insn, Kind};
use crate::exits;
use crate::state::*;
use emu_core::emit::{BinOp, Cmp, Emitter, Exit, UnOp};

/// Executes (interpreter) or translates (JIT) one instruction.
#[inline(always)]
pub fn exec<E: Emitter>(e: &mut E, insn: &Insn, pc: u64) -> Result<(), Exit> {
    let raw = insn.raw;
    match insn.kind {
        Kind::Undefined => undef(e, raw, pc),
        Kind::DpImm(op) => dp_imm::exec(e, op, raw, pc),
        Kind::DpReg(op) => dp_reg::exec(e, op, raw, pc),
        Kind::Branch(op) => branch::exec(e, op, raw, pc),
        Kind::System(op) => system::exec(e, op, raw, pc),
        Kind::LdSt(op) => ldst::exec(e, op, raw, pc),
        Kind::FpSimd(op) => fp_simd::exec(e, op, raw, pc),
    }
}

/// Raises the undefined-instruction exception for this instruction.
pub fn undef<E: Emitter>(e: &mut E, raw: u32, pc: u64) -> Result<(), Exit> {
    e.exit(exits::UNDEF, pc, raw as u64);
    Ok(())
}

/// Reads X`n`, where 31 is XZR.
#[inline(always)]
pub fn x<E: Emitter>(e: &mut E, n: u32) -> E::V {
    if n == 31 {
        e.imm(0)
    } else {
        e.get(slot_x(n))
    }
}
/// Reads X`n`, where 31 is SP.
#[inline(always)]
pub fn x_sp<E: Emitter>(e: &mut E, n: u32) -> E::V {
    e.get(slot_x(n))
}
/// Reads X`n` (31 = XZR) as a 32-bit value when `sf` is false (zero-extended).
#[inline(always)]
pub fn xw<E: Emitter>(e: &mut E, n: u32, sf: bool) -> E::V {
    let v = x(e, n);
    if sf {
        v
    } else {
        e.un(UnOp::Zext32, v)
    }
}
/// Writes X`n`; writes to 31 (XZR) are discarded.
#[inline(always)]
pub fn set_x<E: Emitter>(e: &mut E, n: u32, v: E::V) {
    if n != 31 {
        e.set(slot_x(n), v);
    }
}
/// Writes X`n`, where 31 is SP.
#[inline(always)]
pub fn set_x_sp<E: Emitter>(e: &mut E, n: u32, v: E::V) {
    e.set(slot_x(n), v);
}
/// Writes W`n` (zero-extending the low 32 bits into X`n`); 31 = WZR.
#[inline(always)]
pub fn set_w<E: Emitter>(e: &mut E, n: u32, v: E::V) {
    let v = e.un(UnOp::Zext32, v);
    set_x(e, n, v);
}
/// Writes X`n` or W`n` depending on `sf`.
#[inline(always)]
pub fn set_xw<E: Emitter>(e: &mut E, n: u32, v: E::V, sf: bool) {
    if sf {
        set_x(e, n, v)
    } else {
        set_w(e, n, v)
    }
}
/// As [`set_xw`] with 31 = SP (WSP).
#[inline(always)]
pub fn set_xw_sp<E: Emitter>(e: &mut E, n: u32, v: E::V, sf: bool) {
    let v = if sf { v } else { e.un(UnOp::Zext32, v) };
    set_x_sp(e, n, v)
}

/// `a + b + carry_in` on 32 (`sf` false) or 64 bits; with `set_flags`, writes NZCV.
/// `carry_in` must be 0 or 1. Returns the result (zero-extended for 32 bits).
pub fn add_with_carry<E: Emitter>(
    e: &mut E,
    a: E::V,
    b: E::V,
    carry_in: E::V,
    sf: bool,
    set_flags: bool,
) -> E::V {
    if sf {
        let s1 = e.bin(BinOp::Add, a, b);
        let r = e.bin(BinOp::Add, s1, carry_in);
        if set_flags {
            // Carry: unsigned overflow of either addition.
            let c1 = e.cmp(Cmp::Ult, s1, a);
            let c2 = e.cmp(Cmp::Ult, r, s1);
            let c = e.bin(BinOp::Or, c1, c2);
            // Overflow: operands of equal sign, result of different sign (bit 63).
            let t1 = e.bin(BinOp::Xor, r, a);
            let t2 = e.bin(BinOp::Xor, r, b);
            let v = e.bin(BinOp::And, t1, t2);
            set_nz(e, r, true);
            e.set(SLOT_C, c);
            e.set(SLOT_V, v);
        }
        r
    } else {
        let a = e.un(UnOp::Zext32, a);
        let b = e.un(UnOp::Zext32, b);
        let s1 = e.bin(BinOp::Add, a, b);
        let wide = e.bin(BinOp::Add, s1, carry_in);
        let r = e.un(UnOp::Zext32, wide);
        if set_flags {
            let k32 = e.imm(32);
            let c = e.bin(BinOp::Lshr, wide, k32);
            // Bit 31 (the operands are zero-extended), moved to bit 63.
            let t1 = e.bin(BinOp::Xor, r, a);
            let t2 = e.bin(BinOp::Xor, r, b);
            let t = e.bin(BinOp::And, t1, t2);
            let v = e.un(UnOp::Sext32, t);
            set_nz(e, r, false);
            e.set(SLOT_C, c);
            e.set(SLOT_V, v);
        }
        r
    }
}

/// `a - b` = `a + !b + 1`, with Arm's carry (C = no borrow).
pub fn sub_with_flags<E: Emitter>(e: &mut E, a: E::V, b: E::V, sf: bool, set_flags: bool) -> E::V {
    let nb = e.un(UnOp::Not, b);
    let one = e.imm(1);
    add_with_carry(e, a, nb, one, sf, set_flags)
}

/// Sets N and Z from a result (32-bit results must be zero-extended): in the state's
/// representation (see `CpuState::n`) both are the result itself.
pub fn set_nz<E: Emitter>(e: &mut E, r: E::V, sf: bool) {
    let n = flag_n_of(e, r, sf);
    e.set(SLOT_N, n);
    e.set(SLOT_Z, r);
}

/// The stored N of a result (zero-extended for 32 bits): its sign in bit 63.
pub fn flag_n_of<E: Emitter>(e: &mut E, r: E::V, sf: bool) -> E::V {
    if sf {
        r
    } else {
        e.un(UnOp::Sext32, r)
    }
}

/// Stored flag values for N, Z, C, V given as 0/1 each (see `CpuState::n`).
pub fn encode_flags<E: Emitter>(e: &mut E, [n, z, c, v]: [E::V; 4]) -> [E::V; 4] {
    let k63 = e.imm(63);
    let one = e.imm(1);
    let n = e.bin(BinOp::Shl, n, k63);
    let z = e.bin(BinOp::Xor, z, one);
    let v = e.bin(BinOp::Shl, v, k63);
    [n, z, c, v]
}

/// The stored flag values of an architectural NZCV given at translation time.
pub fn encode_flags_const(nzcv: u64) -> [u64; 4] {
    [
        ((nzcv >> 3) & 1) << 63,
        ((nzcv >> 2) & 1) ^ 1,
        (nzcv >> 1) & 1,
        (nzcv & 1) << 63,
    ]
}

/// N, Z, C, V as 0/1 each, from the stored flags.
pub fn decode_flags<E: Emitter>(e: &mut E) -> [E::V; 4] {
    let k63 = e.imm(63);
    let zero = e.imm(0);
    let n = e.get(SLOT_N);
    let n = e.bin(BinOp::Lshr, n, k63);
    let z = e.get(SLOT_Z);
    let z = e.cmp(Cmp::Eq, z, zero);
    let c = e.get(SLOT_C);
    let v = e.get(SLOT_V);
    let v = e.bin(BinOp::Lshr, v, k63);
    [n, z, c, v]
}

/// Sets NZCV for a logical operation (C = V = 0).
pub fn set_logic_flags<E: Emitter>(e: &mut E, r: E::V, sf: bool) {
    set_nz(e, r, sf);
    let zero = e.imm(0);
    e.set(SLOT_C, zero);
    e.set(SLOT_V, zero);
}

/// Whether condition `cond` (the 4-bit Arm encoding) holds: 1 or 0.
pub fn cond_holds<E: Emitter>(e: &mut E, cond: u32) -> E::V {
    // The flags as stored (see `CpuState::n`): a comparison each, which compiled code
    // fuses into the branch or select that uses it.
    let zero = e.imm(0);
    let base = match cond >> 1 {
        0 => {
            let z = e.get(SLOT_Z);
            e.cmp(Cmp::Eq, z, zero)
        }
        1 => e.get(SLOT_C),
        2 => {
            let n = e.get(SLOT_N);
            e.cmp(Cmp::Slt, n, zero)
        }
        3 => {
            let v = e.get(SLOT_V);
            e.cmp(Cmp::Slt, v, zero)
        }
        4 => {
            // HI: C && !Z
            let c = e.get(SLOT_C);
            let z = e.get(SLOT_Z);
            let not_z = e.cmp(Cmp::Ne, z, zero);
            e.bin(BinOp::And, c, not_z)
        }
        5 => {
            // GE: N == V, the sign of N ^ V clear.
            let n = e.get(SLOT_N);
            let v = e.get(SLOT_V);
            let nv = e.bin(BinOp::Xor, n, v);
            e.cmp(Cmp::Sge, nv, zero)
        }
        6 => {
            // GT: N == V && !Z
            let n = e.get(SLOT_N);
            let v = e.get(SLOT_V);
            let nv = e.bin(BinOp::Xor, n, v);
            let ge = e.cmp(Cmp::Sge, nv, zero);
            let z = e.get(SLOT_Z);
            let not_z = e.cmp(Cmp::Ne, z, zero);
            e.bin(BinOp::And, ge, not_z)
        }
        _ => e.imm(1),
    };
    // Odd conditions are the negation, except 0b1111 (NV) which is "always" too.
    if cond & 1 == 1 && cond != 0b1111 {
        let one = e.imm(1);
        e.bin(BinOp::Xor, base, one)
    } else {
        base
    }
}
